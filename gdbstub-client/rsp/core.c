/*
 * core.c: one function per protocol operation, on top of conn.c's
 * rsp_exchange() (the target description's XML is parsed in tdesc.c).  Each operation checks the reply
 * kinds the manual lists for it and maps them to rsp_error codes: empty =
 * unsupported, "E NN" = target error, anything else unexpected = protocol.
 */
#include "conn-internal.h"
#include "clock.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Packet size assumed when qSupported does not say (gdb's default). */
#define DEFAULT_PACKET_SIZE 400

int rsp_nomem(struct kit_err *err)
{
	kit_seterr(err, RSP_ERR_NOMEM, "out of memory");
	return -RSP_ERR_NOMEM;
}

static long long mono_ms(void)
{
	return kit_mono_ns() / 1000000;
}

static size_t packet_size(const struct rsp_conn *c)
{
	size_t n = c->features.PacketSize ? c->features.PacketSize :
					    DEFAULT_PACKET_SIZE;

	/* Replies to requests sized by this must pass the parser's limit. */
	if (n > RSP_MAX_PACKET - 64)
		n = RSP_MAX_PACKET - 64;
	return n < 64 ? 64 : n;
}

/* A 'W' or 'X' stop reply: the target is gone.  Kept in c->last_stop. */
static int ended(struct rsp_conn *c, const char *what, struct kit_err *err)
{
	struct rsp_stop st;
	char desc[80];

	if (!c->reply.len || (c->reply.data[0] != 'W' && c->reply.data[0] != 'X') ||
	    rsp_parse_stop(c->reply.data, c->reply.len, &st, NULL) < 0)
		return 0;
	c->last_stop = st;
	c->have_stop = true;
	c->running = false;
	kit_seterr(err, RSP_ERR_EXITED, "no reply to '%s': %s", what,
		   rsp_stop_describe(&st, desc, sizeof desc));
	return -RSP_ERR_EXITED;
}

/*
 * Classify c->reply after an operation named what: 0 when it is neither
 * empty, "E NN" nor the target's end ('W'/'X' sent instead of an answer);
 * else the error.
 */
static int reply_status(struct rsp_conn *c, const char *what,
			struct kit_err *err)
{
	char tmp[160];
	int nn, rc;

	rc = ended(c, what, err);
	if (rc < 0)
		return rc;
	if (c->reply.len == 0) {
		kit_seterr(err, RSP_ERR_UNSUPPORTED, "the stub does not support '%s'",
			   what);
		return -RSP_ERR_UNSUPPORTED;
	}
	if (rsp_parse_error(c->reply.data, c->reply.len, &nn)) {
		c->last_errno = nn;
		if (nn < 0)
			kit_seterr(err, RSP_ERR_TARGET, "'%s' failed: '%s'", what,
				   rsp_quote(tmp, sizeof tmp, c->reply.data + 2,
					     c->reply.len - 2, 80));
		else
			kit_seterr(err, RSP_ERR_TARGET, "'%s' failed: error %02x",
				   what, nn);
		return -RSP_ERR_TARGET;
	}
	return 0;
}

/* rsp_exchange() of the packet q, its reply checked by reply_status(). */
static int exchange_status(struct rsp_conn *c, const char *q,
			   struct kit_err *err)
{
	int rc = rsp_exchange(c, q, strlen(q), err);

	return rc < 0 ? rc : reply_status(c, q, err);
}

/* "unexpected reply to 'WHAT': 'QUOTED'SUFFIX". */
static int unexpected(struct rsp_conn *c, const char *what, const char *suffix,
		      struct kit_err *err)
{
	char tmp[160];

	kit_seterr(err, RSP_ERR_PROTOCOL, "unexpected reply to '%s': '%s'%s", what,
		   rsp_quote(tmp, sizeof tmp, c->reply.data, c->reply.len, 60),
		   suffix);
	return -RSP_ERR_PROTOCOL;
}

static int expect_ok(struct rsp_conn *c, const char *what, struct kit_err *err)
{
	int rc = reply_status(c, what, err);

	if (rc < 0)
		return rc;
	if (c->reply.len != 2 || memcmp(c->reply.data, "OK", 2) != 0)
		return unexpected(c, what, " (expected OK)", err);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Session setup.                                                       */

int rsp_qSupported(struct rsp_conn *c, struct kit_err *err)
{
	static const char q[] = "qSupported:swbreak+;hwbreak+;vContSupported+";
	int rc;

	rc = rsp_exchange(c, q, sizeof q - 1, err);
	if (rc < 0)
		return rc;
	/* QEMU reports a stop unasked when a debugger connects to a running
	 * guest (it stops it: "T02thread:01;"); that packet was waiting before
	 * our question, so the answer is the one after it. */
	if (c->reply.len >= 3 && (c->reply.data[0] == 'T' || c->reply.data[0] == 'S') &&
	    rsp_hexval(c->reply.data[1]) >= 0 && rsp_hexval(c->reply.data[2]) >= 0) {
		rc = rsp_recv(c, c->timeout_ms, err);
		if (rc < 0)
			return rc;
	}
	c->have_features = true;
	if (c->reply.len == 0) {
		/* A stub without qSupported: all features off. */
		memset(&c->features, 0, sizeof c->features);
		return 0;
	}
	rc = reply_status(c, "qSupported", err);
	if (rc < 0)
		return rc;
	rc = rsp_parse_qSupported(c->reply.data, c->reply.len, &c->features, err);
	if (rc < 0)
		return rc;
	if (c->features.QStartNoAckMode && !c->noack) {
		rc = rsp_exchange(c, "QStartNoAckMode", 15, err);
		if (rc < 0)
			return rc;
		if (!strcmp(c->reply.data, "OK"))
			c->noack = true;
	}
	return 0;
}

int rsp_qXfer_read(struct rsp_conn *c, const char *object, const char *annex,
		   struct rsp_buf *out, struct kit_err *err)
{
	size_t off = 0, chunk = packet_size(c) - 16;
	char what[160], q[160];
	int rc;

	/* The annex comes from the stub (an xi:include href). */
	snprintf(what, sizeof what, "qXfer:%s:read:%s", object,
		 rsp_quote(q, sizeof q, annex, strlen(annex), 100));
	for (;;) {
		const char *data;
		size_t dlen;

		rc = rsp_exchangef(c, err, "qXfer:%s:read:%s:%zx,%zx", object, annex,
				   off, chunk);
		if (rc < 0)
			return rc;
		rc = reply_status(c, what, err);
		if (rc < 0)
			return rc;
		rc = rsp_parse_qXfer_reply(c->reply.data, c->reply.len, chunk, what,
					   &data, &dlen, err);
		if (rc < 0)
			return rc;
		if (off + dlen > RSP_MAX_XFER) {
			kit_seterr(err, RSP_ERR_PROTOCOL,
				   "'%s' is over %u bytes: refused", what,
				   (unsigned)RSP_MAX_XFER);
			return -RSP_ERR_PROTOCOL;
		}
		if (rsp_buf_append(out, data, dlen) < 0)
			return rsp_nomem(err);
		if (rc == 1)
			return 0;
		off += dlen;
	}
}

static int fetch_features(void *ctx, const char *annex, struct rsp_buf *out,
			  struct kit_err *err)
{
	return rsp_qXfer_read(ctx, "features", annex, out, err);
}

int rsp_read_tdesc(struct rsp_conn *c, struct kit_err *err)
{
	struct rsp_buf xml = RSP_BUF_INIT;
	int rc;

	rc = rsp_qXfer_read(c, "features", "target.xml", &xml, err);
	if (rc < 0)
		goto out;
	rc = rsp_handle_qXfer_features(&c->tdesc, xml.data ? xml.data : "", xml.len,
				   fetch_features, c, err);
	c->have_tdesc = rc == 0;
out:
	rsp_buf_free(&xml);
	return rc;
}

int rsp_vCont_query(struct rsp_conn *c, struct kit_err *err)
{
	const char *p;
	int rc;

	c->vcont_known = true;
	c->vcont = 0;
	rc = rsp_exchange(c, "vCont?", 6, err);
	if (rc < 0)
		return rc;
	if (c->reply.len == 0 || strncmp(c->reply.data, "vCont", 5))
		return 0;   /* no vCont: c and s are used */
	for (p = c->reply.data + 5; (p = strchr(p, ';')); )
		c->vcont |= vcont_bit(*++p);
	return 0;
}

/* The stop reply read into st, kept as the last stop. */
static int take_stop(struct rsp_conn *c, struct rsp_stop *st,
		     struct kit_err *err)
{
	int rc = rsp_parse_stop(c->reply.data, c->reply.len, st, err);

	if (rc < 0)
		return rc;
	c->last_stop = *st;
	c->have_stop = true;
	c->g_tid = 0;   /* QEMU reads the stopped thread's registers now */
	return 0;
}

int rsp_query_halt(struct rsp_conn *c, bool force, struct rsp_stop *st,
		   struct kit_err *err)
{
	int rc;

	/* QEMU removes all breakpoints on '?'. */
	if (c->nbps && !force) {
		kit_seterr(err, RSP_ERR_STATE,
			   "refusing '?' with %zu breakpoint%s inserted: QEMU would "
			   "remove them all", c->nbps, c->nbps == 1 ? "" : "s");
		return -RSP_ERR_STATE;
	}
	rc = rsp_exchange(c, "?", 1, err);
	if (rc < 0)
		return rc;
	if (force)
		c->nbps = 0;
	return take_stop(c, st, err);
}

int rsp_start(struct rsp_conn *c, struct kit_err *err)
{
	struct rsp_stop st;
	int rc;

	rc = rsp_qSupported(c, err);
	if (rc < 0)
		return rc;
	if (c->features.qXfer_features_read) {
		rc = rsp_read_tdesc(c, err);
		if (rc < 0)
			return rc;
	}
	rc = rsp_vCont_query(c, err);
	if (rc < 0)
		return rc;
	return rsp_query_halt(c, false, &st, err);
}

/* ------------------------------------------------------------------ */
/* Registers.                                                           */

int rsp_read_registers(struct rsp_conn *c, struct kit_err *err)
{
	int rc = rsp_exchange(c, "g", 1, err);

	return rc < 0 ? rc : rsp_take_registers(c, err);
}

int rsp_take_registers(struct rsp_conn *c, struct kit_err *err)
{
	int rc;

	rc = reply_status(c, "g", err);
	if (rc < 0) {
		rsp_buf_reset(&c->g);
		rsp_buf_reset(&c->g_avail);
		return rc;
	}
	return rsp_parse_g_reply(c->reply.data, c->reply.len,
				 c->have_tdesc ? &c->tdesc : NULL, &c->g,
				 &c->g_avail, err);
}

static int find_reg(struct rsp_conn *c, const char *name,
		    const struct rsp_reg **out, struct kit_err *err)
{
	if (!c->have_tdesc) {
		kit_seterr(err, RSP_ERR_STATE,
			   "no target description read: register '%s' unknown", name);
		return -RSP_ERR_STATE;
	}
	*out = rsp_tdesc_find(&c->tdesc, name);
	if (!*out) {
		kit_seterr(err, RSP_ERR_INVAL, "no register named '%s'", name);
		return -RSP_ERR_INVAL;
	}
	return 0;
}

/* find_reg(), for a register that must be in the 'g' reply read. */
static int find_reg_in_g(struct rsp_conn *c, const char *name,
			 const struct rsp_reg **out, struct kit_err *err)
{
	const struct rsp_reg *r;
	int rc = find_reg(c, name, &r, err);

	if (rc < 0)
		return rc;
	if (r->offset < 0 || (size_t)r->offset + (size_t)r->bitsize / 8 > c->g.len) {
		kit_seterr(err, RSP_ERR_STATE, "register '%s' is not in the 'g' reply%s",
			   r->name, c->g.len ? "" : " (none read yet)");
		return -RSP_ERR_STATE;
	}
	*out = r;
	return 0;
}

int rsp_reg_get(struct rsp_conn *c, const char *name, uint64_t *v,
		struct kit_err *err)
{
	const struct rsp_reg *r;
	int rc = find_reg_in_g(c, name, &r, err);

	if (rc < 0)
		return rc;
	if (!c->g_avail.data[r->offset]) {
		kit_seterr(err, RSP_ERR_STATE, "register '%s' is unavailable", name);
		return -RSP_ERR_STATE;
	}
	*v = rsp_le_to_u64(c->g.data + r->offset, (size_t)r->bitsize / 8);
	return 0;
}

int rsp_reg_set(struct rsp_conn *c, const char *name, uint64_t v,
		struct kit_err *err)
{
	const struct rsp_reg *r;
	int rc = find_reg_in_g(c, name, &r, err);

	if (rc < 0)
		return rc;
	rsp_u64_to_le(c->g.data + r->offset, (size_t)r->bitsize / 8, v);
	memset(c->g_avail.data + r->offset, 1, (size_t)r->bitsize / 8);
	return 0;
}

int rsp_write_registers(struct rsp_conn *c, struct kit_err *err)
{
	struct rsp_buf p = RSP_BUF_INIT;
	int rc;

	if (!c->g.len) {
		kit_seterr(err, RSP_ERR_STATE, "no registers read: nothing to write");
		return -RSP_ERR_STATE;
	}
	if (rsp_buf_reserve(&p, 1 + 2 * c->g.len) < 0)
		return rsp_nomem(err);
	p.data[0] = 'G';
	rsp_hex_encode(p.data + 1, c->g.data, c->g.len);
	p.len = 1 + 2 * c->g.len;
	rc = rsp_exchange(c, p.data, p.len, err);
	if (rc == 0)
		rc = expect_ok(c, "G", err);
	rsp_buf_free(&p);
	return rc;
}

ssize_t rsp_read_register(struct rsp_conn *c, const char *name, void *buf,
			  size_t bufsz, struct kit_err *err)
{
	const struct rsp_reg *r;
	char what[48];
	ssize_t n;
	int rc = find_reg(c, name, &r, err);

	if (rc < 0)
		return rc;
	snprintf(what, sizeof what, "p%x", r->regnum);
	rc = exchange_status(c, what, err);
	if (rc < 0)
		return rc;
	n = rsp_parse_p_reply(c->reply.data, c->reply.len, r, buf, bufsz, err);
	return n;
}

int rsp_read_register_u64(struct rsp_conn *c, const char *name, uint64_t *v,
			  struct kit_err *err)
{
	unsigned char b[512];
	ssize_t n = rsp_read_register(c, name, b, sizeof b, err);

	if (n < 0)
		return (int)n;
	*v = rsp_le_to_u64(b, (size_t)n);
	return 0;
}

int rsp_write_register_u64(struct rsp_conn *c, const char *name, uint64_t v,
			   struct kit_err *err)
{
	const struct rsp_reg *r;
	unsigned char b[512];
	char pkt[1100];
	size_t nb;
	int n = find_reg(c, name, &r, err);

	if (n < 0)
		return n;
	nb = (size_t)r->bitsize / 8;
	rsp_u64_to_le(b, nb, v);
	n = snprintf(pkt, sizeof pkt, "P%x=", r->regnum);
	rsp_hex_encode(pkt + n, b, nb);
	n = rsp_exchange(c, pkt, (size_t)n + 2 * nb, err);
	if (n < 0)
		return n;
	return expect_ok(c, "P", err);
}

/* ------------------------------------------------------------------ */
/* Memory.                                                              */

ssize_t rsp_read_memory(struct rsp_conn *c, uint64_t addr, void *buf,
			size_t len, struct kit_err *err)
{
	/* The reply is 2 hex digits a byte; keep it within PacketSize. */
	size_t chunk = (packet_size(c) - 4) / 2, done = 0;
	unsigned char *d = buf;
	bool to_page_end = false;
	int rc;

	while (done < len) {
		size_t want = len - done < chunk ? len - done : chunk;
		size_t page_left = 0x1000 - ((addr + done) & 0xfff);
		ssize_t got;

		if (to_page_end && want > page_left)
			want = page_left;
		rc = rsp_exchangef(c, err, "m%llx,%zx",
				   (unsigned long long)(addr + done), want);
		if (rc < 0)
			return rc;
		rc = reply_status(c, "m", err);
		if (rc == -RSP_ERR_TARGET && !to_page_end && want > page_left) {
			/* QEMU fails the whole request when any byte of it is
			 * unreadable (the top of the 4 GiB BIOS alias at reset,
			 * an unmapped page): read up to the page end instead,
			 * and return what could be read */
			to_page_end = true;
			continue;
		}
		if (rc == -RSP_ERR_TARGET && done > 0)
			break;   /* a short read: the rest is not readable */
		if (rc < 0) {
			char tmp[160];

			if (rc == -RSP_ERR_TARGET && c->last_errno >= 0)
				kit_seterr(err, RSP_ERR_TARGET,
					   "cannot read memory at 0x%llx: error %02x",
					   (unsigned long long)(addr + done), c->last_errno);
			else if (rc == -RSP_ERR_TARGET)
				kit_seterr(err, RSP_ERR_TARGET,
					   "cannot read memory at 0x%llx: '%s'",
					   (unsigned long long)(addr + done),
					   rsp_quote(tmp, sizeof tmp, c->reply.data + 2,
						     c->reply.len - 2, 80));
			return rc;
		}
		got = rsp_parse_m_reply(c->reply.data, c->reply.len, d + done, want,
					err);
		if (got < 0)
			return got;
		done += (size_t)got;
		if ((size_t)got < want)
			break;   /* a short read: the rest is not readable */
	}
	return (ssize_t)done;
}

int rsp_write_memory(struct rsp_conn *c, uint64_t addr, const void *buf,
		     size_t len, bool binary, struct kit_err *err)
{
	/* The header is at most ~40 bytes; data at most 2 bytes per byte
	 * (hex, or an escaped binary byte). */
	size_t chunk = (packet_size(c) - 48) / 2, done = 0;
	const unsigned char *s = buf;
	struct rsp_buf p = RSP_BUF_INIT;
	int rc = 0;

	do {
		size_t n = len - done < chunk ? len - done : chunk;
		char hdr[64];
		int h;

		h = snprintf(hdr, sizeof hdr, "%c%llx,%zx:", binary ? 'X' : 'M',
			     (unsigned long long)(addr + done), n);
		rsp_buf_reset(&p);
		if (rsp_buf_append(&p, hdr, (size_t)h) < 0 ||
		    rsp_buf_reserve(&p, 2 * n) < 0) {
			rc = rsp_nomem(err);
			goto out;
		}
		if (binary) {
			rsp_buf_append(&p, s + done, n);
		} else {
			rsp_hex_encode(p.data + p.len, s + done, n);
			p.len += 2 * n;
		}
		rc = rsp_exchange(c, p.data, p.len, err);
		if (rc < 0)
			goto out;
		rc = expect_ok(c, binary ? "X" : "M", err);
		if (rc < 0)
			goto out;
		done += n;
	} while (done < len);
out:
	rsp_buf_free(&p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Breakpoints and watchpoints.                                         */

static const char *const bp_names[] = {
	"software breakpoint", "hardware breakpoint", "write watchpoint",
	"read watchpoint", "access watchpoint",
};

static int bp_op(struct rsp_conn *c, char op, enum rsp_bp_type type,
		 uint64_t addr, unsigned kind, struct kit_err *err)
{
	char what[64], tmp[160];
	int rc;

	if ((unsigned)type > RSP_WP_ACCESS) {
		kit_seterr(err, RSP_ERR_INVAL, "bad breakpoint type %d", (int)type);
		return -RSP_ERR_INVAL;
	}
	snprintf(what, sizeof what, "%c%d", op, (int)type);
	rc = rsp_exchangef(c, err, "%c%d,%llx,%x", op, (int)type,
			   (unsigned long long)addr, kind);
	if (rc < 0)
		return rc;
	if (c->reply.len == 0) {
		kit_seterr(err, RSP_ERR_UNSUPPORTED,
			   "the stub does not support '%s' (%ss)", what,
			   bp_names[type]);
		return -RSP_ERR_UNSUPPORTED;
	}
	rc = expect_ok(c, what, err);
	if (rc == -RSP_ERR_TARGET && c->last_errno >= 0)
		kit_seterr(err, RSP_ERR_TARGET, "cannot %s %s at 0x%llx: error %02x",
			   op == 'Z' ? "insert" : "remove", bp_names[type],
			   (unsigned long long)addr, c->last_errno);
	else if (rc == -RSP_ERR_TARGET)
		kit_seterr(err, RSP_ERR_TARGET, "cannot %s %s at 0x%llx: '%s'",
			   op == 'Z' ? "insert" : "remove", bp_names[type],
			   (unsigned long long)addr,
			   rsp_quote(tmp, sizeof tmp, c->reply.data + 2,
				     c->reply.len - 2, 80));
	return rc;
}

int rsp_insert_break(struct rsp_conn *c, enum rsp_bp_type type, uint64_t addr,
		     unsigned kind, struct kit_err *err)
{
	int rc;

	if (c->nbps == RSP_MAX_BREAKPOINTS) {
		kit_seterr(err, RSP_ERR_STATE, "too many breakpoints (%d)",
			   RSP_MAX_BREAKPOINTS);
		return -RSP_ERR_STATE;
	}
	rc = bp_op(c, 'Z', type, addr, kind, err);
	if (rc < 0)
		return rc;
	c->bps[c->nbps].type = type;
	c->bps[c->nbps].addr = addr;
	c->bps[c->nbps].kind = kind;
	c->nbps++;
	return 0;
}

int rsp_remove_break(struct rsp_conn *c, enum rsp_bp_type type, uint64_t addr,
		     unsigned kind, struct kit_err *err)
{
	size_t i;
	int rc = bp_op(c, 'z', type, addr, kind, err);

	if (rc < 0)
		return rc;
	for (i = 0; i < c->nbps; i++) {
		if (c->bps[i].type == type && c->bps[i].addr == addr) {
			c->bps[i] = c->bps[--c->nbps];
			break;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Execution control.                                                   */

/* Before a resume: refuse when the target is gone; learn vCont. */
static int ensure_vcont(struct rsp_conn *c, struct kit_err *err)
{
	if (c->have_stop &&
	    (c->last_stop.kind == 'W' || c->last_stop.kind == 'X')) {
		kit_seterr(err, RSP_ERR_EXITED, "the target has %s",
			   c->last_stop.kind == 'W' ? "exited" : "been killed");
		return -RSP_ERR_EXITED;
	}
	return c->vcont_known ? 0 : rsp_vCont_query(c, err);
}

int rsp_continue(struct rsp_conn *c, struct kit_err *err)
{
	int rc = ensure_vcont(c, err);

	if (rc < 0)
		return rc;
	rc = rsp_vcont_has(c, 'c') ? rsp_send(c, "vCont;c", 7, err) : rsp_send(c, "c", 1, err);
	if (rc < 0)
		return rc;
	c->running = true;
	c->have_stop = false;
	return 0;
}

int rsp_wait_stop(struct rsp_conn *c, int timeout_ms, struct rsp_stop *st,
		  struct kit_err *err)
{
	long long deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	int rc;

	if (!c->running) {
		kit_seterr(err, RSP_ERR_STATE, "target is not running");
		return -RSP_ERR_STATE;
	}
	for (;;) {
		long long left = deadline < 0 ? -1 : deadline - mono_ms();

		rc = rsp_recv(c, deadline < 0 ? -1 : left < 0 ? 0 : (int)left, err);
		if (rc < 0) {
			if (rc == -RSP_ERR_TIMEOUT)
				kit_seterr(err, RSP_ERR_TIMEOUT,
					   "target still running after %d ms", timeout_ms);
			else if (rc != -RSP_ERR_INTERRUPTED)
				c->running = false;   /* connection lost */
			return rc;
		}
		if (rsp_is_console(c->reply.data, c->reply.len)) {
			struct rsp_buf text = RSP_BUF_INIT;

			if (rsp_parse_console(c->reply.data, c->reply.len, &text) == 0 &&
			    c->console)
				c->console(c->console_ctx, text.data, text.len);
			rsp_buf_free(&text);
			continue;
		}
		c->running = false;
		/* W and X are stops here (the end of the target), not errors */
		if (!c->reply.len || (c->reply.data[0] != 'W' && c->reply.data[0] != 'X')) {
			rc = reply_status(c, "continue", err);
			if (rc < 0)
				return rc;
		}
		return take_stop(c, st, err);
	}
}

int rsp_get_pc(struct rsp_conn *c, uint64_t *linear, uint64_t *pc,
	       struct kit_err *err)
{
	static const char *const names[] = { "rip", "eip", "pc" };
	uint64_t ip = 0, cs, cr0;
	size_t i;
	int rc;

	rc = rsp_read_registers(c, err);
	if (rc < 0)
		return rc;
	for (i = 0; i < 3; i++) {
		if (c->have_tdesc && rsp_tdesc_find(&c->tdesc, names[i]))
			break;
	}
	if (i == 3) {
		kit_seterr(err, RSP_ERR_STATE, "no program counter register known");
		return -RSP_ERR_STATE;
	}
	rc = rsp_reg_get(c, names[i], &ip, err);
	if (rc < 0)
		return rc;
	*pc = ip;
	*linear = ip;
	/* Real mode: QEMU reports IP; breakpoints are linear addresses. */
	if (rsp_tdesc_find(&c->tdesc, "cr0") && rsp_tdesc_find(&c->tdesc, "cs") &&
	    rsp_reg_get(c, "cr0", &cr0, NULL) == 0 && !(cr0 & 1) &&
	    rsp_reg_get(c, "cs", &cs, NULL) == 0)
		*linear = ((cs & 0xffff) << 4) + (ip & 0xffff);
	return 0;
}

/* Send one single-step of thread tid (0: the stub's choice) and wait for
 * its stop. */
static int raw_step(struct rsp_conn *c, long tid, struct rsp_stop *st,
		    struct kit_err *err)
{
	char pkt[64];
	int rc = ensure_vcont(c, err);

	if (rc < 0)
		return rc;
	if (!rsp_vcont_has(c, 's'))
		snprintf(pkt, sizeof pkt, "s");
	else if (tid > 0 && c->have_stop && c->last_stop.pid > 0)
		snprintf(pkt, sizeof pkt, "vCont;s:p%lx.%lx", c->last_stop.pid, tid);
	else if (tid > 0)
		snprintf(pkt, sizeof pkt, "vCont;s:%lx", tid);
	else
		snprintf(pkt, sizeof pkt, "vCont;s");
	rc = rsp_send(c, pkt, strlen(pkt), err);
	if (rc < 0)
		return rc;
	c->running = true;
	return rsp_wait_stop(c, c->timeout_ms, st, err);
}

/*
 * The execution breakpoints at the stop address, which QEMU 7.2 would
 * report again at once, without executing anything, on a step or continue.
 * Only after a trap stop and only when breakpoints are inserted (it costs a
 * 'g').
 */
static int bps_at_pc(struct rsp_conn *c, long tid, struct rsp_bp *at, size_t *n,
		     struct kit_err *err)
{
	uint64_t lin, pc;
	size_t i;
	int rc;

	*n = 0;
	if (c->running) {
		kit_seterr(err, RSP_ERR_RUNNING, "target is running");
		return -RSP_ERR_RUNNING;
	}
	if (!c->nbps || !c->have_stop ||
	    (c->last_stop.kind != 'T' && c->last_stop.kind != 'S'))
		return 0;
	/* the pc of the thread to step (another may be selected) */
	if (tid > 0 && rsp_selected_thread(c) != tid &&
	    (rc = rsp_select_thread(c, tid, err)) < 0)
		return rc;
	rc = rsp_get_pc(c, &lin, &pc, err);
	if (rc < 0)
		return rc;
	for (i = 0; i < c->nbps; i++) {
		const struct rsp_bp *b = &c->bps[i];

		if ((b->type == RSP_BP_SW || b->type == RSP_BP_HW) &&
		    (b->addr == lin || b->addr == pc))
			at[(*n)++] = *b;
	}
	return 0;
}

/* Lift the breakpoints in at[], step once, put them back. */
static int step_over(struct rsp_conn *c, long tid, const struct rsp_bp *at,
		     size_t n, struct rsp_stop *st, struct kit_err *err)
{
	size_t i;
	int rc, rc2;

	for (i = 0; i < n; i++) {
		rc = rsp_remove_break(c, at[i].type, at[i].addr, at[i].kind, err);
		if (rc < 0)
			return rc;
	}
	rc = raw_step(c, tid, st, err);
	if (rc < 0 && c->running)
		return rc;   /* cannot re-insert while it runs */
	for (i = 0; i < n; i++) {
		rc2 = rsp_insert_break(c, at[i].type, at[i].addr, at[i].kind,
				       rc < 0 ? NULL : err);
		if (rc2 < 0 && rc == 0)
			rc = rc2;
	}
	return rc;
}

/* step_over() the breakpoints at thread tid's pc; with none there, step
 * only when always is set, else 1 (no step made). */
static int step_off_pc(struct rsp_conn *c, long tid, bool always,
		       struct rsp_stop *st, struct kit_err *err)
{
	struct rsp_bp at[RSP_MAX_BREAKPOINTS];
	size_t n;
	int rc = bps_at_pc(c, tid, at, &n, err);

	if (rc < 0)
		return rc;
	if (!n && !always)
		return 1;
	return step_over(c, tid, at, n, st, err);
}

/* A step steps the selected thread (gdb's `thread N; stepi`); a resume
 * steps off the thread that stopped, then resumes them all. */
int rsp_step(struct rsp_conn *c, struct rsp_stop *st, struct kit_err *err)
{
	return step_off_pc(c, rsp_selected_thread(c), true, st, err);
}

int rsp_resume(struct rsp_conn *c, struct rsp_stop *st, struct kit_err *err)
{
	long tid = c->have_stop && c->last_stop.tid > 0 ? c->last_stop.tid : 0;
	int rc = step_off_pc(c, tid, false, st, err);

	if (rc < 0)
		return rc;
	if (rc == 0 && st->kind != 'T' && st->kind != 'S')
		return 1;   /* exited while stepping */
	return rsp_continue(c, err);
}

/* ------------------------------------------------------------------ */
/* Monitor, threads, detach, kill.                                      */

int rsp_monitor(struct rsp_conn *c, const char *cmd, struct rsp_buf *out,
		struct kit_err *err)
{
	size_t n = strlen(cmd), base = out->len;
	char *pkt = malloc(6 + 2 * n + 1);
	int rc;

	if (!pkt)
		return rsp_nomem(err);
	memcpy(pkt, "qRcmd,", 6);
	rsp_hex_encode(pkt + 6, cmd, n);
	rc = rsp_exchange(c, pkt, 6 + 2 * n, err);
	free(pkt);
	while (rc == 0) {
		if (out->len + c->reply.len / 2 > base + RSP_MAX_MONITOR) {
			kit_seterr(err, RSP_ERR_PROTOCOL,
				   "monitor output over %u bytes: refused",
				   (unsigned)RSP_MAX_MONITOR);
			return -RSP_ERR_PROTOCOL;
		}
		if (rsp_is_console(c->reply.data, c->reply.len)) {
			if (rsp_parse_console(c->reply.data, c->reply.len, out) < 0)
				return rsp_nomem(err);
			rc = rsp_recv(c, c->timeout_ms, err);
			continue;
		}
		rc = reply_status(c, "qRcmd", err);
		if (rc < 0 || (c->reply.len == 2 && !memcmp(c->reply.data, "OK", 2)))
			return rc;
		/* A final hex-encoded output instead of O packets. */
		if (rsp_buf_reserve(out, c->reply.len / 2) < 0)
			return rsp_nomem(err);
		if (rsp_hex_decode(out->data + out->len, c->reply.len / 2,
				   c->reply.data, c->reply.len) < 0)
			return unexpected(c, "qRcmd", " (expected O packets, hex or OK)",
					  err);
		out->len += c->reply.len / 2;
		out->data[out->len] = '\0';
		return 0;
	}
	return rc;
}

static int parse_tid(const char *s, size_t len, struct rsp_thread *t)
{
	uint64_t v;
	const char *dot;

	t->pid = -1;
	if (len && s[0] == 'p') {
		dot = memchr(s, '.', len);
		if (!dot || rsp_parse_hex_u64(s + 1, (size_t)(dot - s - 1), &v) !=
			    (int)(dot - s - 1))
			return -1;
		t->pid = (long)v;
		len -= (size_t)(dot + 1 - s);
		s = dot + 1;
	}
	if (rsp_parse_hex_u64(s, len, &v) != (int)len)
		return -1;
	t->tid = (long)v;
	return 0;
}

int rsp_thread_list(struct rsp_conn *c, struct rsp_thread **list, size_t *n,
		    struct kit_err *err)
{
	struct rsp_thread *v = NULL;
	size_t nv = 0, alloc = 0;
	const char *q = "qfThreadInfo";
	int rc;

	*list = NULL;
	*n = 0;
	for (;;) {
		const char *p, *end;

		rc = exchange_status(c, q, err);
		if (rc < 0)
			goto fail;
		if (c->reply.data[0] == 'l')
			break;
		if (c->reply.data[0] != 'm') {
			rc = unexpected(c, q, " (expected m or l)", err);
			goto fail;
		}
		p = c->reply.data + 1;
		end = c->reply.data + c->reply.len;
		while (p < end) {
			const char *comma = memchr(p, ',', (size_t)(end - p));

			if (!comma)
				comma = end;
			if (nv == RSP_MAX_THREADS) {
				kit_seterr(err, RSP_ERR_PROTOCOL,
					   "the stub lists over %d threads: refused",
					   RSP_MAX_THREADS);
				rc = -RSP_ERR_PROTOCOL;
				goto fail;
			}
			if (nv == alloc) {
				struct rsp_thread *nw;

				alloc = alloc ? 2 * alloc : 8;
				nw = realloc(v, alloc * sizeof *v);
				if (!nw) {
					rc = rsp_nomem(err);
					goto fail;
				}
				v = nw;
			}
			if (parse_tid(p, (size_t)(comma - p), &v[nv]) < 0) {
				rc = unexpected(c, q, " (a bad thread id)", err);
				goto fail;
			}
			nv++;
			p = comma + 1;
		}
		q = "qsThreadInfo";
	}
	*list = v;
	*n = nv;
	return 0;
fail:
	free(v);
	return rc;
}

int rsp_select_thread(struct rsp_conn *c, long tid, struct kit_err *err)
{
	char what[32];
	int rc;

	if (tid <= 0) {
		kit_seterr(err, RSP_ERR_INVAL, "bad thread id %ld", tid);
		return -RSP_ERR_INVAL;
	}
	snprintf(what, sizeof what, "Hg%lx", tid);
	rc = rsp_exchange(c, what, strlen(what), err);
	if (rc < 0)
		return rc;
	rc = expect_ok(c, what, err);
	if (rc < 0)
		return rc;
	c->g_tid = tid;
	return 0;
}

long rsp_selected_thread(const struct rsp_conn *c)
{
	if (c->g_tid > 0)
		return c->g_tid;
	return c->have_stop && c->last_stop.tid > 0 ? c->last_stop.tid : 0;
}

int rsp_thread_extra(struct rsp_conn *c, long tid, char *buf, size_t n,
		     struct kit_err *err)
{
	char q[48];
	int rc;

	snprintf(q, sizeof q, "qThreadExtraInfo,%lx", tid);
	rc = exchange_status(c, q, err);
	if (rc < 0)
		return rc;
	if (n) {
		size_t len = c->reply.len / 2 < n - 1 ? c->reply.len / 2 : n - 1;

		if (rsp_hex_decode(buf, len, c->reply.data, 2 * len) < 0)
			return unexpected(c, q, " (expected hex)", err);
		buf[len] = '\0';
	}
	return 0;
}

int rsp_detach(struct rsp_conn *c, struct kit_err *err)
{
	int rc = rsp_exchange(c, "D", 1, err);

	if (rc < 0)
		return rc;
	rc = expect_ok(c, "D", err);
	/* QEMU 7.2 answers a plain D with E22 once any client (gdb) has
	 * offered multiprocess+: the flag outlives that client.  It takes
	 * "D;PID" then (docs/qemu-notes.md). */
	if (rc == -RSP_ERR_TARGET && rsp_target_errno(c) == 0x22) {
		long pid = c->have_stop && c->last_stop.pid > 0 ? c->last_stop.pid : 1;

		rc = rsp_exchangef(c, err, "D;%lx", pid);
		if (rc < 0)
			return rc;
		rc = expect_ok(c, "D;PID", err);
	}
	if (rc == 0)
		c->nbps = 0;   /* QEMU removes breakpoints on detach */
	return rc;
}

int rsp_kill(struct rsp_conn *c, struct kit_err *err)
{
	int rc = rsp_send(c, "k", 1, err);

	/* QEMU exits at once; the connection closing is the answer. */
	if (rc == -RSP_ERR_CLOSED || rc == -RSP_ERR_TRUNCATED)
		rc = 0;
	if (rc == 0)
		c->nbps = 0;
	return rc;
}

enum rsp_end rsp_end_state(const struct rsp_conn *c)
{
	if (c->have_stop && c->last_stop.kind == 'W')
		return RSP_END_EXITED;
	if (c->have_stop && c->last_stop.kind == 'X')
		return RSP_END_KILLED;
	return c->closed ? RSP_END_CLOSED : RSP_END_NONE;
}

const char *rsp_end_describe(const struct rsp_conn *c, char *buf, size_t n)
{
	switch (rsp_end_state(c)) {
	case RSP_END_EXITED:
	case RSP_END_KILLED:
		return rsp_stop_describe(&c->last_stop, buf, n);
	case RSP_END_CLOSED:
		snprintf(buf, n, "the stub closed the connection");
		return buf;
	default:
		if (n)
			buf[0] = '\0';
		return buf;
	}
}
