/*
 * cond.c: breakpoint conditions, evaluated by the client at each stop
 * (QEMU's stub has no ConditionalBreakpoints).  Grammar:
 *
 *   cond := and ("||" and)*
 *   and  := cmp ("&&" cmp)*
 *   cmp  := expr [("==" | "!=" | "<" | "<=" | ">" | ">=") expr]
 *   expr := an address expression (addr.c): "$rdi", "fake_init_delta+4"
 *
 * Comparisons are unsigned 64-bit.  No parentheses.
 */
#include "target.h"

#include <errno.h>
#include <string.h>

static int malformed(const char *s, const char *why, struct kit_err *err)
{
	return kit_seterr(err, EINVAL, "malformed condition '%s': %s", s, why);
}

/* Copy [b, e) trimmed into out; 0, or -1 when empty or too long. */
static int operand(const char *b, const char *e, char *out, size_t outsz)
{
	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (b == e || (size_t)(e - b) >= outsz)
		return -1;
	memcpy(out, b, (size_t)(e - b));
	out[e - b] = '\0';
	return 0;
}

/* Find the comparison operator in [b, e): its position and length. */
static enum gc_cond_op find_op(const char *b, const char *e, const char **at,
			       size_t *len)
{
	const char *p;

	for (p = b; p < e; p++) {
		char c = *p, d = p + 1 < e ? p[1] : '\0';

		*at = p;
		*len = 2;
		if (c == '=' && d == '=')
			return GC_OP_EQ;
		if (c == '!' && d == '=')
			return GC_OP_NE;
		if (c == '<' && d == '=')
			return GC_OP_LE;
		if (c == '>' && d == '=')
			return GC_OP_GE;
		*len = 1;
		if (c == '<')
			return GC_OP_LT;
		if (c == '>')
			return GC_OP_GT;
	}
	return GC_OP_TRUE;
}

static int check_operand(const char *s, const char *op,
			 const struct gc_addr_ctx *x, struct kit_err *err)
{
	struct gc_addr_ctx syntax = { NULL, NULL, NULL };
	struct kit_err e2;
	uint64_t v;

	if (x && (x->reg || x->sym))
		return gc_parse_addr(op, x, &v, err);
	/* syntax only: unknown names are fine, malformed text is not */
	if (gc_parse_addr(op, &syntax, &v, &e2) < 0 && e2.code == EINVAL &&
	    !strstr(e2.msg, "not allowed"))
		return malformed(s, e2.msg, err);
	return 0;
}

int gc_cond_parse(const char *s, const struct gc_addr_ctx *x,
		  struct gc_cond *c, struct kit_err *err)
{
	const char *p = s, *end = s + strlen(s);

	memset(c, 0, sizeof *c);
	if (strlen(s) >= sizeof c->text)
		return malformed(s, "too long", err);
	strcpy(c->text, s);
	while (p < end) {
		const char *and = strstr(p, "&&"), *or = strstr(p, "||");
		const char *stop = end, *at;
		bool is_or = false;
		size_t oplen;
		enum gc_cond_op op;

		if (and && (!or || and < or))
			stop = and;
		else if (or) {
			stop = or;
			is_or = true;
		}
		if (c->n == GC_COND_MAX)
			return malformed(s, "too many comparisons", err);
		op = find_op(p, stop, &at, &oplen);
		c->t[c->n].op = op;
		if (op == GC_OP_TRUE) {
			if (operand(p, stop, c->t[c->n].lhs, sizeof c->t[c->n].lhs) < 0)
				return malformed(s, "empty operand", err);
			strcpy(c->t[c->n].rhs, "0");
		} else if (operand(p, at, c->t[c->n].lhs, sizeof c->t[c->n].lhs) < 0 ||
			   operand(at + oplen, stop, c->t[c->n].rhs,
				   sizeof c->t[c->n].rhs) < 0) {
			return malformed(s, "empty operand", err);
		}
		if (check_operand(s, c->t[c->n].lhs, x, err) < 0 ||
		    check_operand(s, c->t[c->n].rhs, x, err) < 0)
			return -1;
		c->t[c->n].or_next = is_or;
		c->n++;
		p = stop == end ? end : stop + 2;
		if (stop != end && p >= end)
			return malformed(s, "nothing after the last '&&' or '||'", err);
	}
	if (c->n == 0)
		return malformed(s, "empty", err);
	return 0;
}

int gc_cond_eval(const struct gc_cond *c, const struct gc_addr_ctx *x,
		 struct kit_err *err)
{
	size_t i;
	bool any = false, all = true;   /* any: an && group was true */

	for (i = 0; i < c->n; i++) {
		uint64_t a, b;
		bool r = false;

		if (gc_parse_addr(c->t[i].lhs, x, &a, err) < 0 ||
		    gc_parse_addr(c->t[i].rhs, x, &b, err) < 0)
			return -1;
		switch (c->t[i].op) {
		case GC_OP_TRUE: r = a != 0; break;
		case GC_OP_EQ: r = a == b; break;
		case GC_OP_NE: r = a != b; break;
		case GC_OP_LT: r = a < b; break;
		case GC_OP_LE: r = a <= b; break;
		case GC_OP_GT: r = a > b; break;
		case GC_OP_GE: r = a >= b; break;
		}
		all = all && r;
		if (c->t[i].or_next || i + 1 == c->n) {
			any = any || all;
			all = true;
		}
	}
	return any ? 1 : 0;
}
