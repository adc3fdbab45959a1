/*
 * tdesc.c: the target description (qXfer:features:read), parsed with
 * expat: rsp_handle_qXfer_features() follows <xi:include>s through the
 * caller's fetch function, numbers the registers as gdb does and lays
 * them out in the 'g' packet's order.  Bounded: a description deeper than
 * TDESC_MAX_DEPTH, with more than TDESC_MAX_REGS registers or
 * TDESC_MAX_INCLUDES includes is refused, not followed.
 */
#include "conn-internal.h"

#include <errno.h>
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TDESC_MAX_DEPTH 8
/* More than any real description has (x86-64 with AVX-512: ~150); past
 * them a description is refused, not grown without end. */
#define TDESC_MAX_REGS 4096
#define TDESC_MAX_INCLUDES 64

struct tdesc_ctx {
	struct rsp_tdesc *td;
	rsp_fetch_fn fetch;
	void *fetch_ctx;
	struct kit_err *err;
	int rc;                 /* first failure, 0 = none */
	int depth;
	int includes;           /* fetched so far */
	int next_regnum;
	size_t alloc;
	char feature[64];
	int in_arch;
	struct rsp_buf arch;
};

static int parse_xml(struct tdesc_ctx *x, const char *xml, size_t len,
		     const char *annex);

/* A string from the description, escaped, for a message or a field. */
static const char *q(char *buf, size_t n, const char *s)
{
	return rsp_quote(buf, n, s, strlen(s), 60);
}

static const char *attr(const char **atts, const char *name)
{
	for (; atts && atts[0]; atts += 2)
		if (!strcmp(atts[0], name))
			return atts[1];
	return NULL;
}

__attribute__((format(printf, 3, 4)))
static void tdesc_fail(struct tdesc_ctx *x, int code, const char *fmt, ...)
{
	char msg[KIT_ERR_MAX];
	va_list ap;

	if (x->rc)
		return;   /* keep the first failure */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	x->rc = -code;
	kit_seterr(x->err, code, "%s", msg);
}

static void add_reg(struct tdesc_ctx *x, const char **atts)
{
	const char *name = attr(atts, "name"), *bits = attr(atts, "bitsize");
	const char *type = attr(atts, "type"), *group = attr(atts, "group");
	const char *regnum = attr(atts, "regnum");
	char q1[128];
	struct rsp_reg *r;
	const char *c;
	char *end;
	long v;

	if (!name || !bits) {
		tdesc_fail(x, RSP_ERR_PROTOCOL,
			   "target description: <reg> without %s",
			   name ? "bitsize" : "name");
		return;
	}
	/* Names are typed by the user and printed: no control bytes, no
	 * blanks, and no cutting to fit. */
	for (c = name; *c > ' ' && *c <= '~'; c++)
		;
	if (*c || !*name || strlen(name) >= sizeof r->name) {
		tdesc_fail(x, RSP_ERR_PROTOCOL,
			   "target description: bad register name '%s'",
			   q(q1, sizeof q1, name));
		return;
	}
	if (x->td->nregs == TDESC_MAX_REGS) {
		tdesc_fail(x, RSP_ERR_PROTOCOL,
			   "target description: over %d registers", TDESC_MAX_REGS);
		return;
	}
	if (x->td->nregs == x->alloc) {
		size_t na = x->alloc ? 2 * x->alloc : 64;
		struct rsp_reg *n = realloc(x->td->regs, na * sizeof *n);

		if (!n) {
			tdesc_fail(x, RSP_ERR_NOMEM, "out of memory");
			return;
		}
		x->td->regs = n;
		x->alloc = na;
	}
	r = &x->td->regs[x->td->nregs];
	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name);
	errno = 0;
	v = strtol(bits, &end, 10);
	if (*end || v <= 0 || v > 4096 || v % 8) {
		tdesc_fail(x, RSP_ERR_PROTOCOL,
			   "target description: bad bitsize '%s' for '%s'",
			   q(q1, sizeof q1, bits), name);
		return;
	}
	r->bitsize = (int)v;
	if (regnum) {
		v = strtol(regnum, &end, 10);
		if (*end || v < 0 || v > 100000) {
			tdesc_fail(x, RSP_ERR_PROTOCOL,
				   "target description: bad regnum '%s' for '%s'",
				   q(q1, sizeof q1, regnum), name);
			return;
		}
		x->next_regnum = (int)v;
	}
	r->regnum = x->next_regnum++;
	q(r->type, sizeof r->type, type ? type : "int");
	q(r->group, sizeof r->group, group ? group : "");
	snprintf(r->feature, sizeof r->feature, "%s", x->feature);
	r->offset = -1;
	x->td->nregs++;
}

static void include(struct tdesc_ctx *x, const char **atts)
{
	const char *href = attr(atts, "href");
	struct rsp_buf doc = RSP_BUF_INIT;
	struct kit_err *err = x->err;
	char qh[128];
	int rc;

	if (!href) {
		tdesc_fail(x, RSP_ERR_PROTOCOL,
			   "target description: xi:include without href");
		return;
	}
	if (!x->fetch) {
		tdesc_fail(x, RSP_ERR_PROTOCOL,
			   "target description: cannot follow include '%s'",
			   q(qh, sizeof qh, href));
		return;
	}
	if (x->depth >= TDESC_MAX_DEPTH) {
		tdesc_fail(x, RSP_ERR_PROTOCOL,
			   "target description: includes nested too deep at '%s'",
			   q(qh, sizeof qh, href));
		return;
	}
	if (++x->includes > TDESC_MAX_INCLUDES) {
		tdesc_fail(x, RSP_ERR_PROTOCOL,
			   "target description: over %d includes at '%s'",
			   TDESC_MAX_INCLUDES, q(qh, sizeof qh, href));
		return;
	}
	rc = x->fetch(x->fetch_ctx, href, &doc, err);
	if (rc < 0) {
		x->rc = rc;
		rsp_buf_free(&doc);
		return;
	}
	x->depth++;
	parse_xml(x, doc.data ? doc.data : "", doc.len, q(qh, sizeof qh, href));
	x->depth--;
	rsp_buf_free(&doc);
}

static void XMLCALL on_start(void *ud, const XML_Char *name,
			     const XML_Char **atts)
{
	struct tdesc_ctx *x = ud;
	const char *colon;

	if (x->rc)
		return;
	if (!strcmp(name, "reg")) {
		add_reg(x, atts);
	} else if (!strcmp(name, "feature")) {
		const char *fn = attr(atts, "name");

		q(x->feature, sizeof x->feature, fn ? fn : "");
	} else if (!strcmp(name, "architecture")) {
		x->in_arch = 1;
		rsp_buf_reset(&x->arch);
	} else if ((colon = strrchr(name, ':')) && !strcmp(colon, ":include")) {
		include(x, atts);   /* <xi:include href="i386-64bit.xml"/> */
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct tdesc_ctx *x = ud;

	if (!strcmp(name, "architecture") && x->in_arch) {
		x->in_arch = 0;
		q(x->td->architecture, sizeof x->td->architecture,
		  x->arch.data ? x->arch.data : "");
	}
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct tdesc_ctx *x = ud;

	if (x->in_arch && rsp_buf_append(&x->arch, s, (size_t)len) < 0)
		tdesc_fail(x, RSP_ERR_NOMEM, "out of memory");
}

static int parse_xml(struct tdesc_ctx *x, const char *xml, size_t len,
		     const char *annex)
{
	XML_Parser p = XML_ParserCreate(NULL);
	char line[32];

	if (!p)
		return rsp_nomem(x->err);
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	if (len > RSP_MAX_XFER) {
		XML_ParserFree(p);
		tdesc_fail(x, RSP_ERR_PROTOCOL, "target description '%s' is over %u bytes",
			   annex, (unsigned)RSP_MAX_XFER);
		return x->rc;
	}
	if (XML_Parse(p, xml, (int)len, 1) == XML_STATUS_ERROR && !x->rc) {
		snprintf(line, sizeof line, "%lu",
			 (unsigned long)XML_GetCurrentLineNumber(p));
		x->rc = -RSP_ERR_PROTOCOL;
		kit_seterr(x->err, RSP_ERR_PROTOCOL,
			   "target description '%s' line %s: %s", annex, line,
			   XML_ErrorString(XML_GetErrorCode(p)));
	}
	XML_ParserFree(p);
	return x->rc;
}

static int cmp_regnum(const void *a, const void *b)
{
	const struct rsp_reg *x = a, *y = b;

	return (x->regnum > y->regnum) - (x->regnum < y->regnum);
}

int rsp_handle_qXfer_features(struct rsp_tdesc *td, const char *xml, size_t len,
			  rsp_fetch_fn fetch, void *ctx, struct kit_err *err)
{
	struct tdesc_ctx x;
	size_t i;
	long off = 0;

	rsp_tdesc_free(td);
	memset(&x, 0, sizeof x);
	x.td = td;
	x.fetch = fetch;
	x.fetch_ctx = ctx;
	x.err = err;
	if (parse_xml(&x, xml, len, "target.xml") < 0)
		goto out;
	if (td->nregs == 0) {
		x.rc = -RSP_ERR_PROTOCOL;
		kit_seterr(err, RSP_ERR_PROTOCOL,
			   "target description has no registers");
		goto out;
	}
	qsort(td->regs, td->nregs, sizeof *td->regs, cmp_regnum);
	for (i = 0; i < td->nregs; i++) {
		if (i && td->regs[i].regnum == td->regs[i - 1].regnum) {
			x.rc = -RSP_ERR_PROTOCOL;
			kit_seterr(err, RSP_ERR_PROTOCOL,
				   "target description: regnum %d used twice ('%s', '%s')",
				   td->regs[i].regnum, td->regs[i - 1].name,
				   td->regs[i].name);
			goto out;
		}
		/* g holds the registers in regnum order, packed. */
		td->regs[i].offset = off;
		off += td->regs[i].bitsize / 8;
	}
	td->g_size = (size_t)off;
	if (2 * td->g_size > RSP_MAX_PACKET) {
		x.rc = -RSP_ERR_PROTOCOL;
		kit_seterr(err, RSP_ERR_PROTOCOL,
			   "target description: its registers take %zu bytes, over "
			   "what a 'g' reply may hold (%u)", td->g_size,
			   (unsigned)RSP_MAX_PACKET / 2);
		goto out;
	}
out:
	rsp_buf_free(&x.arch);
	if (x.rc)
		rsp_tdesc_free(td);
	return x.rc;
}

void rsp_tdesc_free(struct rsp_tdesc *td)
{
	free(td->regs);
	memset(td, 0, sizeof *td);
}

const struct rsp_reg *rsp_tdesc_find(const struct rsp_tdesc *td,
				     const char *name)
{
	size_t i;

	for (i = 0; td && i < td->nregs; i++)
		if (!strcmp(td->regs[i].name, name))
			return &td->regs[i];
	return NULL;
}

