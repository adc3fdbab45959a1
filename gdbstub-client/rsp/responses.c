/*
 * responses.c: one parser per kind of reply a stub sends (stop replies,
 * errors, console output, qSupported, registers, memory, qXfer chunks).
 * Pure functions, no I/O; every one checks the reply against what was
 * asked and quotes the stub's bytes escaped (rsp_quote) in its messages.
 * gdbstub-client/fuzz/fuzz-replies.c feeds them arbitrary bytes.
 */
#include "rsp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rsp_parse_error(const char *reply, size_t len, int *nn)
{
	uint64_t v;

	if (len >= 2 && reply[0] == 'E' && reply[1] == '.') {
		*nn = -1;
		return 1;
	}
	if (len == 3 && reply[0] == 'E' &&
	    rsp_parse_hex_u64(reply + 1, 2, &v) == 2) {
		*nn = (int)v;
		return 1;
	}
	return 0;
}

int rsp_is_console(const char *reply, size_t len)
{
	size_t i;

	/* "OK" is not console output: 'K' is not a hex digit. */
	if (len < 3 || reply[0] != 'O' || (len - 1) % 2)
		return 0;
	for (i = 1; i < len; i++)
		if (rsp_hexval((unsigned char)reply[i]) < 0)
			return 0;
	return 1;
}

int rsp_parse_console(const char *reply, size_t len, struct rsp_buf *out)
{
	if (!rsp_is_console(reply, len))
		return -1;
	if (rsp_buf_reserve(out, (len - 1) / 2) < 0)
		return -1;
	if (rsp_hex_decode(out->data + out->len, (len - 1) / 2, reply + 1,
			   len - 1) < 0)
		return -1;
	out->len += (len - 1) / 2;
	out->data[out->len] = '\0';
	return 0;
}

/* A thread-id "p" PID "." TID, "p" PID, or TID (hex; -1 allowed). */
static int parse_thread_id(const char *s, size_t len, long *pid, long *tid)
{
	uint64_t v;
	int n;

	*pid = -1;
	if (len && s[0] == 'p') {
		const char *dot = memchr(s, '.', len);
		size_t plen = dot ? (size_t)(dot - s - 1) : len - 1;

		if (plen == 2 && !strncmp(s + 1, "-1", 2)) {
			*pid = -1;
		} else {
			n = rsp_parse_hex_u64(s + 1, plen, &v);
			if (n < 0 || (size_t)n != plen)
				return -1;
			*pid = (long)v;
		}
		if (!dot) {
			*tid = -1;
			return 0;
		}
		len -= (size_t)(dot + 1 - s);
		s = dot + 1;
	}
	if (len == 2 && !strncmp(s, "-1", 2)) {
		*tid = -1;
		return 0;
	}
	n = rsp_parse_hex_u64(s, len, &v);
	if (n < 0 || (size_t)n != len)
		return -1;
	*tid = (long)v;
	return 0;
}

static int stop_fail(struct kit_err *err, const char *reply, size_t len,
		     const char *why)
{
	char tmp[160];

	kit_seterr(err, RSP_ERR_PROTOCOL, "bad stop reply '%s': %s",
		   rsp_quote(tmp, sizeof tmp, reply, len, 60), why);
	return -RSP_ERR_PROTOCOL;
}

/* The T reply's "n:r;" pairs. */
static int parse_T_pairs(const char *p, const char *end, struct rsp_stop *st,
			 const char *reply, size_t len, struct kit_err *err)
{
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *colon;
		const char *val;
		size_t nlen, vlen;
		uint64_t v;

		if (!semi)
			semi = end;   /* tolerate a missing final ';' */
		colon = memchr(p, ':', (size_t)(semi - p));
		nlen = colon ? (size_t)(colon - p) : (size_t)(semi - p);
		val = colon ? colon + 1 : semi;
		vlen = (size_t)(semi - val);

		if (nlen == 6 && !strncmp(p, "thread", 6)) {
			if (parse_thread_id(val, vlen, &st->pid, &st->tid) < 0)
				return stop_fail(err, reply, len, "bad thread id");
		} else if (nlen == 7 && !strncmp(p, "swbreak", 7)) {
			st->reason = RSP_REASON_SWBREAK;
		} else if (nlen == 7 && !strncmp(p, "hwbreak", 7)) {
			st->reason = RSP_REASON_HWBREAK;
		} else if ((nlen == 5 && !strncmp(p, "watch", 5)) ||
			   (nlen == 6 && !strncmp(p, "rwatch", 6)) ||
			   (nlen == 6 && !strncmp(p, "awatch", 6))) {
			if (rsp_parse_hex_u64(val, vlen, &v) != (int)vlen)
				return stop_fail(err, reply, len, "bad watch address");
			st->reason = p[0] == 'w' ? RSP_REASON_WATCH :
				     p[0] == 'r' ? RSP_REASON_RWATCH :
						   RSP_REASON_AWATCH;
			st->watch_addr = v;
		} else if (nlen > 0 && rsp_parse_hex_u64(p, nlen, &v) == (int)nlen) {
			/* A register number: value is target-order hex. */
			uint64_t rv;

			if (!colon || rsp_hex_le_to_u64(val, vlen, &rv) < 0)
				return stop_fail(err, reply, len, "bad register value");
			if (st->nregs < RSP_STOP_MAX_REGS) {
				st->regs[st->nregs].regnum = (unsigned)v;
				st->regs[st->nregs].value = rv;
				st->regs[st->nregs].size = (unsigned)(vlen / 2);
				st->nregs++;
			}
		}
		/* Other names (core:, library, fork...) are skipped, as the
		 * manual asks of unknown ones. */
		p = semi + 1;
	}
	return 0;
}

int rsp_parse_stop(const char *reply, size_t len, struct rsp_stop *st,
		   struct kit_err *err)
{
	uint64_t v;
	int n;

	memset(st, 0, sizeof *st);
	st->pid = -1;
	st->tid = -1;
	if (len == 0)
		return stop_fail(err, reply, len, "empty");
	st->kind = reply[0];
	switch (reply[0]) {
	case 'S':
	case 'T':
		if (len < 3 || rsp_parse_hex_u64(reply + 1, 2, &v) != 2)
			return stop_fail(err, reply, len, "no signal number");
		st->signo = (int)v;
		if (reply[0] == 'S') {
			if (len != 3)
				return stop_fail(err, reply, len, "trailing bytes");
			return 0;
		}
		return parse_T_pairs(reply + 3, reply + len, st, reply, len, err);
	case 'W':
	case 'X':
		n = rsp_parse_hex_u64(reply + 1, len - 1, &v);
		if (n < 0)
			return stop_fail(err, reply, len, "no status");
		if (reply[0] == 'W' ? v > 0x7fffffff : v > 0xff)
			return stop_fail(err, reply, len, reply[0] == 'W' ?
					 "exit status out of range" :
					 "signal number out of range");
		if (reply[0] == 'W')
			st->exit_status = (int)v;
		else
			st->signo = (int)v;
		if ((size_t)n + 1 < len) {
			const char *p = reply + 1 + n;
			size_t rest = len - 1 - (size_t)n;

			if (rest < 9 || strncmp(p, ";process:", 9) ||
			    rsp_parse_hex_u64(p + 9, rest - 9, &v) != (int)(rest - 9) ||
			    v > 0x7fffffff)
				return stop_fail(err, reply, len, "bad process id");
			st->pid = (long)v;
		}
		return 0;
	default:
		return stop_fail(err, reply, len, "not a stop reply");
	}
}

const char *rsp_stop_describe(const struct rsp_stop *st, char *buf, size_t n)
{
	switch (st->kind) {
	case 'W':
		snprintf(buf, n, "the target exited with status %d", st->exit_status);
		break;
	case 'X':
		snprintf(buf, n, "the target was killed by signal %d", st->signo);
		break;
	case 'S':
	case 'T':
		snprintf(buf, n, "the target stopped with signal %d", st->signo);
		break;
	default:
		snprintf(buf, n, "no stop");
		break;
	}
	return buf;
}

/* Token names as the manual spells them, and where each goes. */
#define QS(tok, field) { tok, offsetof(struct rsp_qSupported, field) }
static const struct {
	const char *name;
	size_t off;
} qs_tokens[] = {
	QS("qXfer:features:read", qXfer_features_read),
	QS("qXfer:auxv:read", qXfer_auxv_read),
	QS("qXfer:memory-map:read", qXfer_memory_map_read),
	QS("qXfer:threads:read", qXfer_threads_read),
	QS("qXfer:exec-file:read", qXfer_exec_file_read),
	QS("qXfer:siginfo:read", qXfer_siginfo_read),
	QS("vContSupported", vContSupported),
	QS("multiprocess", multiprocess),
	QS("QStartNoAckMode", QStartNoAckMode),
	QS("QPassSignals", QPassSignals),
	QS("QNonStop", QNonStop),
	QS("QThreadEvents", QThreadEvents),
	QS("swbreak", swbreak),
	QS("hwbreak", hwbreak),
	QS("ReverseStep", ReverseStep),
	QS("ReverseContinue", ReverseContinue),
	QS("fork-events", fork_events),
	QS("vfork-events", vfork_events),
	QS("exec-events", exec_events),
	QS("no-resumed", no_resumed),
	QS("qRelocInsn", qRelocInsn),
	QS("BreakpointCommands", BreakpointCommands),
	QS("ConditionalBreakpoints", ConditionalBreakpoints),
};

int rsp_parse_qSupported(const char *reply, size_t len,
			 struct rsp_qSupported *q, struct kit_err *err)
{
	const char *p = reply, *end = reply + len;

	memset(q, 0, sizeof *q);
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *eq;
		size_t tlen, nlen, i;
		char last;

		if (!semi)
			semi = end;
		tlen = (size_t)(semi - p);
		if (tlen == 0) {
			p = semi + 1;
			continue;
		}
		q->ntokens++;
		eq = memchr(p, '=', tlen);
		if (eq) {
			nlen = (size_t)(eq - p);
			if (nlen == 10 && !strncmp(p, "PacketSize", 10)) {
				uint64_t v;
				size_t vlen = (size_t)(semi - eq - 1);

				if (rsp_parse_hex_u64(eq + 1, vlen, &v) != (int)vlen ||
				    v == 0 || v > 0x7fffffff) {
					char tmp[200];

					kit_seterr(err, RSP_ERR_PROTOCOL,
						   "bad PacketSize in qSupported reply '%s'",
						   rsp_quote(tmp, sizeof tmp, p, tlen, 40));
					return -RSP_ERR_PROTOCOL;
				}
				q->PacketSize = (unsigned long)v;
			}
			p = semi + 1;
			continue;
		}
		last = p[tlen - 1];
		nlen = tlen - 1;
		if (last != '+' && last != '-' && last != '?') {
			p = semi + 1;
			continue;
		}
		for (i = 0; i < sizeof qs_tokens / sizeof qs_tokens[0]; i++) {
			if (strlen(qs_tokens[i].name) == nlen &&
			    !strncmp(qs_tokens[i].name, p, nlen)) {
				bool *f = (bool *)((char *)q + qs_tokens[i].off);

				/* '?' means "ask later": treat as absent. */
				*f = last == '+';
				break;
			}
		}
		p = semi + 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Register, memory and qXfer replies.                                 */

/* The first non-hex digit of hex[0..len) (len if none). */
static size_t first_nonhex(const char *hex, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (rsp_hexval((unsigned char)hex[i]) < 0)
			break;
	return i;
}

/* The error for a 'g' or 'm' reply (which) of an odd number of digits. */
static int odd_length(char which, const char *reply, size_t len,
		      struct kit_err *err)
{
	char tmp[160];

	kit_seterr(err, RSP_ERR_PROTOCOL,
		   "stub's '%c' reply has an odd length (%zu hex digits): '%s'",
		   which, len, rsp_quote(tmp, sizeof tmp, reply, len, 40));
	return -RSP_ERR_PROTOCOL;
}

int rsp_parse_g_reply(const char *reply, size_t len, const struct rsp_tdesc *td,
		      struct rsp_buf *bytes, struct rsp_buf *avail,
		      struct kit_err *err)
{
	bool sized = td && td->nregs > 0;
	char tmp[160];
	size_t i, n;

	rsp_buf_reset(bytes);
	rsp_buf_reset(avail);
	if (sized && len != 2 * td->g_size) {
		kit_seterr(err, RSP_ERR_PROTOCOL,
			   "stub's 'g' reply is %zu hex digits, expected %zu (%zu bytes "
			   "of registers, %s)", len, 2 * td->g_size, td->g_size,
			   td->architecture[0] ? td->architecture : "the target description");
		return -RSP_ERR_PROTOCOL;
	}
	if (len % 2)
		return odd_length('g', reply, len, err);
	n = len / 2;
	if (rsp_buf_reserve(bytes, n) < 0 || rsp_buf_reserve(avail, n) < 0) {
		kit_seterr(err, RSP_ERR_NOMEM, "out of memory");
		return -RSP_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		const char *h = reply + 2 * i;
		int hi = rsp_hexval((unsigned char)h[0]);
		int lo = rsp_hexval((unsigned char)h[1]);

		if (h[0] == 'x' && h[1] == 'x') {
			bytes->data[i] = 0;
			avail->data[i] = 0;
			continue;
		}
		if (hi < 0 || lo < 0) {
			size_t at = 2 * i + (hi < 0 ? 0 : 1);

			kit_seterr(err, RSP_ERR_PROTOCOL,
				   "stub's 'g' reply is not hex at offset %zu: '%s'", at,
				   rsp_quote(tmp, sizeof tmp, reply + at, len - at, 16));
			rsp_buf_reset(bytes);
			rsp_buf_reset(avail);
			return -RSP_ERR_PROTOCOL;
		}
		bytes->data[i] = (char)(hi << 4 | lo);
		avail->data[i] = 1;
	}
	bytes->len = avail->len = n;
	bytes->data[n] = avail->data[n] = '\0';
	return 0;
}

ssize_t rsp_parse_p_reply(const char *reply, size_t len, const struct rsp_reg *r,
			  void *buf, size_t bufsz, struct kit_err *err)
{
	size_t want = (size_t)r->bitsize / 4, i;
	char tmp[160];
	ssize_t n;

	if ((size_t)r->bitsize / 8 > bufsz) {
		kit_seterr(err, RSP_ERR_INVAL, "register '%s' has %d bits: buffer too small",
			   r->name, r->bitsize);
		return -RSP_ERR_INVAL;
	}
	if (len != want) {
		kit_seterr(err, RSP_ERR_PROTOCOL,
			   "stub's 'p%x' reply for '%s' is %zu hex digits, expected %zu",
			   r->regnum, r->name, len, want);
		return -RSP_ERR_PROTOCOL;
	}
	for (i = 0; i < len && reply[i] == 'x'; i++)
		;
	if (len && i == len) {
		kit_seterr(err, RSP_ERR_STATE, "register '%s' is unavailable", r->name);
		return -RSP_ERR_STATE;
	}
	n = rsp_hex_decode(buf, bufsz, reply, len);
	if (n < 0) {
		i = first_nonhex(reply, len);
		kit_seterr(err, RSP_ERR_PROTOCOL,
			   "stub's 'p%x' reply for '%s' is not hex at offset %zu: '%s'",
			   r->regnum, r->name, i,
			   rsp_quote(tmp, sizeof tmp, reply, len, 40));
		return -RSP_ERR_PROTOCOL;
	}
	return n;
}

ssize_t rsp_parse_m_reply(const char *reply, size_t len, void *buf, size_t want,
			  struct kit_err *err)
{
	char tmp[160];
	ssize_t n;

	if (len / 2 > want) {
		kit_seterr(err, RSP_ERR_PROTOCOL,
			   "stub's 'm' reply is longer than asked (%zu hex digits for "
			   "%zu bytes)", len, want);
		return -RSP_ERR_PROTOCOL;
	}
	if (len % 2)
		return odd_length('m', reply, len, err);
	n = rsp_hex_decode(buf, want, reply, len);
	if (n < 0) {
		size_t at = first_nonhex(reply, len);

		kit_seterr(err, RSP_ERR_PROTOCOL,
			   "stub's 'm' reply is not hex at offset %zu: '%s'", at,
			   rsp_quote(tmp, sizeof tmp, reply, len, 40));
		return -RSP_ERR_PROTOCOL;
	}
	return n;
}

int rsp_parse_qXfer_reply(const char *reply, size_t len, size_t want,
			  const char *what, const char **data, size_t *dlen,
			  struct kit_err *err)
{
	char tmp[160];

	*data = NULL;
	*dlen = 0;
	if (len == 0 || (reply[0] != 'm' && reply[0] != 'l')) {
		kit_seterr(err, RSP_ERR_PROTOCOL,
			   "unexpected reply to '%s': '%s' (expected m or l)", what,
			   rsp_quote(tmp, sizeof tmp, reply, len, 40));
		return -RSP_ERR_PROTOCOL;
	}
	if (len - 1 > want) {
		kit_seterr(err, RSP_ERR_PROTOCOL,
			   "stub's reply to '%s' is longer than asked (%zu bytes for %zu)",
			   what, len - 1, want);
		return -RSP_ERR_PROTOCOL;
	}
	if (reply[0] == 'm' && len == 1) {
		kit_seterr(err, RSP_ERR_PROTOCOL, "'%s' returned an empty 'm' chunk",
			   what);
		return -RSP_ERR_PROTOCOL;
	}
	*data = reply + 1;
	*dlen = len - 1;
	return reply[0] == 'l';
}
