/*
 * value.c: the small part of gdb's C that users type at a kernel without
 * debug information: casts ("*(unsigned long *)&jiffies"), the lvalues of
 * "set" and "watch", and the print format letters of p/FMT and x/FMT.
 * Sizes are x86-64 gdb's (the description QEMU sends is x86-64 in every
 * CPU mode): char 1, short 2, int 4, long and pointers 8.  Pure functions.
 */
#include "target.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	unsigned size;
	bool is_signed, is_char;
} ctypes[] = {
	{ "char", 1, true, true },
	{ "signed char", 1, true, true },
	{ "unsigned char", 1, false, true },
	{ "short", 2, true, false },
	{ "short int", 2, true, false },
	{ "signed short", 2, true, false },
	{ "unsigned short", 2, false, false },
	{ "int", 4, true, false },
	{ "signed int", 4, true, false },
	{ "signed", 4, true, false },
	{ "unsigned int", 4, false, false },
	{ "unsigned", 4, false, false },
	{ "long", 8, true, false },
	{ "long int", 8, true, false },
	{ "signed long", 8, true, false },
	{ "unsigned long", 8, false, false },
	{ "long long", 8, true, false },
	{ "unsigned long long", 8, false, false },
	{ "bool", 1, false, false },
	{ "_Bool", 1, false, false },
	{ "u8", 1, false, false }, { "s8", 1, true, false },
	{ "u16", 2, false, false }, { "s16", 2, true, false },
	{ "u32", 4, false, false }, { "s32", 4, true, false },
	{ "u64", 8, false, false }, { "s64", 8, true, false },
	{ "uint8_t", 1, false, false }, { "int8_t", 1, true, false },
	{ "uint16_t", 2, false, false }, { "int16_t", 2, true, false },
	{ "uint32_t", 4, false, false }, { "int32_t", 4, true, false },
	{ "uint64_t", 8, false, false }, { "int64_t", 8, true, false },
	{ "size_t", 8, false, false }, { "ssize_t", 8, true, false },
	{ "uintptr_t", 8, false, false },
};

int gc_ctype_parse(const char *s, struct gc_ctype *t, struct kit_err *err)
{
	char base[64], *d = base;
	unsigned stars = 0;
	size_t i;

	memset(t, 0, sizeof *t);
	/* the base name with single spaces, then the stars */
	while (isspace((unsigned char)*s))
		s++;
	while (*s && *s != '*') {
		if (d - base >= (long)sizeof base - 2)
			return kit_seterr(err, EINVAL, "unknown type '%.40s...'", s);
		if (isspace((unsigned char)*s)) {
			while (isspace((unsigned char)s[1]))
				s++;
			if (s[1] && s[1] != '*')
				*d++ = ' ';
			s++;
			continue;
		}
		*d++ = *s++;
	}
	*d = '\0';
	for (; *s; s++) {
		if (*s == '*')
			stars++;
		else if (!isspace((unsigned char)*s))
			return kit_seterr(err, EINVAL, "unknown type: text after '*' in '%s'", base);
	}
	if (!strcmp(base, "void")) {
		if (!stars)
			return kit_seterr(err, EINVAL, "a value cannot be of type 'void'");
		i = SIZE_MAX;
	} else {
		for (i = 0; i < sizeof ctypes / sizeof ctypes[0]; i++)
			if (!strcmp(ctypes[i].name, base))
				break;
		if (i == sizeof ctypes / sizeof ctypes[0])
			return kit_seterr(err, ENOENT,
					  "unknown type '%s' (char short int long, signed or "
					  "unsigned, u8..u64, s8..s64, int8_t..uint64_t, void *)",
					  base);
	}
	if (stars) {
		t->size = 8;
		t->is_ptr = true;
	} else {
		t->size = ctypes[i].size;
		t->is_signed = ctypes[i].is_signed;
		t->is_char = ctypes[i].is_char;
	}
	snprintf(t->name, sizeof t->name, "%s%s%.*s", base, stars ? " " : "",
		 (int)(stars < 8 ? stars : 8), "********");
	return 0;
}

void gc_ctype_unsigned(struct gc_ctype *t, unsigned size)
{
	memset(t, 0, sizeof *t);
	t->size = size;
	snprintf(t->name, sizeof t->name, "%s", size == 1 ? "unsigned char" :
		 size == 2 ? "unsigned short" : size == 4 ? "unsigned int" :
		 "unsigned long");
}

/* An address expression, a leading '&' before a symbol allowed (a
 * symbol's value is its address already). */
static int address(const char *s, const struct gc_addr_ctx *x, uint64_t *v,
		   struct kit_err *err)
{
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '&' && (isalpha((unsigned char)s[1]) || s[1] == '_'))
		s++;
	/* "($sp-64)": the whole address in parentheses, as C needs it */
	if (*s == '(') {
		char inner[128];
		size_t n = strlen(s);

		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (s[n - 1] != ')' || n - 2 >= sizeof inner || memchr(s + 1, '(', n - 2))
			return kit_seterr(err, EINVAL, "malformed address '%s': "
					  "parentheses only around the whole address", s);
		memcpy(inner, s + 1, n - 2);
		inner[n - 2] = '\0';
		return gc_parse_addr(inner, x, v, err);
	}
	return gc_parse_addr(s, x, v, err);
}

int gc_lvalue_parse(const char *s, const struct gc_addr_ctx *x, unsigned word,
		    struct gc_lvalue *lv, struct kit_err *err)
{
	size_t n;
	const char *p;

	memset(lv, 0, sizeof *lv);
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n)
		return kit_seterr(err, EINVAL, "an expression is needed");
	if (n >= sizeof lv->text)
		return kit_seterr(err, EINVAL, "expression too long: '%.40s...'", s);
	memcpy(lv->text, s, n);
	lv->text[n] = '\0';
	s = lv->text;
	if (s[0] == '$' && !strpbrk(s, "+-:* ")) {
		uint64_t v;

		if (!x || !x->reg || x->reg(x->ctx, s + 1, &v) < 0)
			return kit_seterr(err, ENOENT, "unknown register '%s'", s);
		lv->is_reg = true;
		snprintf(lv->reg, sizeof lv->reg, "%s", s + 1);
		gc_ctype_unsigned(&lv->type, 8);
		return 0;
	}
	if (s[0] != '*') {
		gc_ctype_unsigned(&lv->type, word);
		return address(s, x, &lv->addr, err);
	}
	p = s + 1;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '(') {
		char type[64];
		const char *close = strchr(p, ')');
		size_t tl;

		if (!close)
			return kit_seterr(err, EINVAL, "malformed cast in '%s': no ')'", s);
		tl = (size_t)(close - p - 1);
		if (tl >= sizeof type)
			return kit_seterr(err, EINVAL, "malformed cast in '%s': type too long", s);
		memcpy(type, p + 1, tl);
		type[tl] = '\0';
		/* "(T *)" casts the address; the '*' in front reads a T */
		{
			char *star = strrchr(type, '*');

			if (!star)
				return kit_seterr(err, EINVAL,
						  "malformed cast in '%s': expected '*(TYPE *)ADDR'", s);
			*star = '\0';
		}
		if (gc_ctype_parse(type, &lv->type, err) < 0)
			return -1;
		return address(close + 1, x, &lv->addr, err);
	}
	/* "*ADDR": gdb reads an int there */
	gc_ctype_parse("int", &lv->type, NULL);
	return address(p, x, &lv->addr, err);
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
	switch (size) {
	case 1: return (int8_t)v;
	case 2: return (int16_t)v;
	case 4: return (int32_t)v;
	default: return (int64_t)v;
	}
}

static uint64_t truncate_to(uint64_t v, unsigned size)
{
	return size >= 8 ? v : v & ((1ull << (size * 8)) - 1);
}

/* gdb's rendering of one character: 'A', '\n', '\310'. */
static void char_literal(char *buf, size_t len, unsigned char c)
{
	static const char esc[] = "\a\b\f\n\r\t\v";
	static const char name[] = "abfnrtv";
	const char *e = c ? strchr(esc, c) : NULL;

	if (c == '\\' || c == '\'')
		snprintf(buf, len, "'\\%c'", c);
	else if (c == 033)
		snprintf(buf, len, "'\\033'");
	else if (e)
		snprintf(buf, len, "'\\%c'", name[e - esc]);
	else if (c >= 0x20 && c < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "'\\%03o'", c);
}

const char *gc_value_format(char *buf, size_t len, uint64_t v,
			    const struct gc_ctype *t, char fmt, bool pad)
{
	struct gc_ctype dflt;
	unsigned size;
	char lit[16];

	if (!t) {
		memset(&dflt, 0, sizeof dflt);
		dflt.size = 8;
		dflt.is_signed = true;
		t = &dflt;
	}
	size = t->size ? t->size : 8;
	v = truncate_to(v, size);
	buf[0] = '\0';
	if (fmt == 's')
		fmt = 0;
	if (fmt == 0)
		fmt = t->is_ptr ? 'a' : t->is_char ? 'c' : t->is_signed ? 'd' : 'u';
	switch (fmt) {
	case 'x':
		if (pad)
			snprintf(buf, len, "0x%0*llx", (int)size * 2, (unsigned long long)v);
		else
			snprintf(buf, len, "0x%llx", (unsigned long long)v);
		break;
	case 'z':
		snprintf(buf, len, "0x%0*llx", (int)size * 2, (unsigned long long)v);
		break;
	case 'a':
		snprintf(buf, len, "0x%llx", (unsigned long long)v);
		break;
	case 'd':
		snprintf(buf, len, "%lld", (long long)sign_extend(v, size));
		break;
	case 'u':
		snprintf(buf, len, "%llu", (unsigned long long)v);
		break;
	case 'o':
		snprintf(buf, len, v ? "0%llo" : "0", (unsigned long long)v);
		break;
	case 't': {
		char bits[65];
		int i, n = 0, width = pad ? (int)size * 8 : 1;

		for (i = 63; i >= 0; i--)
			if (n || (v >> i & 1) || i < width)
				bits[n++] = (char)('0' + (v >> i & 1));
		bits[n] = '\0';
		snprintf(buf, len, "%s", bits);
		break;
	}
	case 'c': {
		unsigned char c = (unsigned char)v;

		char_literal(lit, sizeof lit, c);
		snprintf(buf, len, "%d %s", t->is_char && !t->is_signed ? (int)c :
			 (int)(signed char)c, lit);
		break;
	}
	case 'f':
		if (size == 8) {
			double d;

			memcpy(&d, &v, sizeof d);
			snprintf(buf, len, "%.15g", d);
		} else if (size == 4) {
			uint32_t w = (uint32_t)v;
			float f;

			memcpy(&f, &w, sizeof f);
			snprintf(buf, len, "%.9g", (double)f);
		} else {
			snprintf(buf, len, "%lld", (long long)sign_extend(v, size));
		}
		break;
	default:
		break;
	}
	return buf;
}
