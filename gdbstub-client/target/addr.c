/*
 * addr.c: address expressions as users type them after "break", "x" and
 * "disassemble": numbers, seg:off, registers, symbols, joined by + and -.
 * Every result is a linear address (see target.h).
 */
#include "target.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lexer {
	const char *all;    /* the whole input, for messages */
	const char *p;
	const struct gc_addr_ctx *x;
	struct kit_err *err;
};

static int bad(struct lexer *l, const char *what)
{
	if (*l->p && l->p != l->all)
		return kit_seterr(l->err, EINVAL, "malformed address '%s': %s at '%s'",
				  l->all, what, l->p);
	return kit_seterr(l->err, EINVAL, "malformed address '%s': %s",
			  l->all, what);
}

static bool word_char(int c)
{
	return isalnum(c) || c == '_' || c == '.';
}

static void skip_space(struct lexer *l)
{
	while (isspace((unsigned char)*l->p))
		l->p++;
}

/* A hex number with optional 0x, exactly the n bytes at s. */
static bool hex_word(const char *s, size_t n, uint64_t *v)
{
	size_t i;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n == 0 || n > 16)
		return false;
	*v = 0;
	for (i = 0; i < n; i++) {
		int d = rsp_hexval((unsigned char)s[i]);

		if (d < 0)
			return false;
		*v = *v << 4 | (uint64_t)d;
	}
	return true;
}

static bool number_word(const char *s, size_t n, uint64_t *v)
{
	size_t i;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return hex_word(s, n, v);
	if (n == 0 || n > 20)
		return false;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		if (*v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

static int reg_term(struct lexer *l, uint64_t *v)
{
	char name[32];
	size_t n = 0;

	l->p++;   /* '$' */
	while (word_char((unsigned char)l->p[n]) && l->p[n] != '.')
		n++;
	if (n == 0 || n >= sizeof name)
		return bad(l, "expected a register name after '$'");
	memcpy(name, l->p, n);
	name[n] = '\0';
	l->p += n;
	if (!l->x || !l->x->reg)
		return bad(l, "registers are not allowed here");
	if (l->x->reg(l->x->ctx, name, v) < 0)
		return kit_seterr(l->err, ENOENT, "unknown register '$%s'", name);
	return 0;
}

/* The offset part of seg:off: hex or a register. */
static int off_term(struct lexer *l, uint64_t *v)
{
	size_t n = 0;

	if (*l->p == '$')
		return reg_term(l, v);
	while (word_char((unsigned char)l->p[n]))
		n++;
	if (!hex_word(l->p, n, v) || *v > 0xffffffffull)
		return bad(l, "expected a hex offset after ':'");
	l->p += n;
	return 0;
}

static int term(struct lexer *l, uint64_t *v)
{
	const char *w;
	size_t n = 0;
	uint64_t seg;

	skip_space(l);
	/* &sym: a symbol's value is its address already (gdb's &jiffies) */
	if (*l->p == '&' && (isalpha((unsigned char)l->p[1]) || l->p[1] == '_'))
		l->p++;
	if (*l->p == '$') {
		if (reg_term(l, v) < 0)
			return -1;
		if (*l->p != ':')
			return 0;
		seg = *v;
		l->p++;
		if (off_term(l, v) < 0)
			return -1;
		*v += (seg & 0xffff) << 4;
		return 0;
	}
	w = l->p;
	while (word_char((unsigned char)w[n]))
		n++;
	if (n == 0)
		return bad(l, "expected a number, register or symbol");
	if (w[n] == ':') {
		if (!hex_word(w, n, &seg) || seg > 0xffff)
			return bad(l, "expected a 16-bit hex segment before ':'");
		l->p = w + n + 1;
		if (off_term(l, v) < 0)
			return -1;
		*v += seg << 4;
		return 0;
	}
	if (isdigit((unsigned char)w[0])) {
		if (!number_word(w, n, v))
			return bad(l, "not a number (hex needs 0x)");
		l->p = w + n;
		return 0;
	}
	{
		char name[256];

		if (n >= sizeof name)
			return bad(l, "symbol name too long");
		memcpy(name, w, n);
		name[n] = '\0';
		l->p = w + n;
		if (!l->x || !l->x->sym)
			return kit_seterr(l->err, ENOENT,
					  "unknown symbol '%s' (no symbols loaded)", name);
		if (l->x->sym(l->x->ctx, name, v) < 0)
			return kit_seterr(l->err, ENOENT, "unknown symbol '%s'", name);
	}
	return 0;
}

/* Parse an expression from l->p; stops before anything that is not
 * '+' or '-' after a term (used by cond.c through gc_parse_addr on
 * pieces it cut). */
static int expr(struct lexer *l, uint64_t *out)
{
	uint64_t v;

	skip_space(l);
	if (*l->p == '*')
		l->p++;
	if (term(l, out) < 0)
		return -1;
	for (;;) {
		char op;

		skip_space(l);
		op = *l->p;
		if (op != '+' && op != '-')
			return 0;
		l->p++;
		if (term(l, &v) < 0)
			return -1;
		*out = op == '+' ? *out + v : *out - v;
	}
}

int gc_parse_addr(const char *s, const struct gc_addr_ctx *x, uint64_t *out,
		  struct kit_err *err)
{
	struct lexer l = { s, s, x, err };
	uint64_t v;

	if (expr(&l, &v) < 0)
		return -1;
	skip_space(&l);
	if (*l.p)
		return bad(&l, "unexpected text");
	*out = v;
	return 0;
}

bool gc_parse_segoff(const char *s, uint16_t *seg, uint64_t *off)
{
	const char *colon = strchr(s, ':');
	uint64_t sv, ov;

	if (!colon || !hex_word(s, (size_t)(colon - s), &sv) || sv > 0xffff ||
	    !hex_word(colon + 1, strlen(colon + 1), &ov) || ov > 0xffffffffull)
		return false;
	*seg = (uint16_t)sv;
	*off = ov;
	return true;
}
