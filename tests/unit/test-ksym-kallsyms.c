/*
 * test-ksym-kallsyms.c: the kallsyms decoder on tables built here, in the
 * kernel's layouts (offsets first up to 6.3 or after token_index since
 * 6.4; one- or two-byte lengths; 4- or 8-byte markers; with and without
 * seqs_of_names; absolute addresses), then hostile variants: every one
 * must end in an error, never a crash or a hang.
 */
#include "ksym.h"
#include "tap.h"
#include "test-ksym-synth.c"

#define TEXT 0xffffffff81000000ull
#define RO   0xffffffff82000000ull

static struct ksym_table *decode(const uint8_t *d, size_t len, struct kit_err *e)
{
	struct ksym_table *t = ksym_table_new(e);

	if (ksym_kallsyms_decode(t, d, len, RO, TEXT, e) || ksym_table_finish(t, e)) {
		ksym_free(t);
		return NULL;
	}
	return t;
}

static void check_layout(const char *what, uint32_t n, struct synth_opts o, int long_name)
{
	struct synth_sym *s = synth_symbols(n, TEXT, long_name);
	size_t len;
	uint8_t *d = synth_kallsyms(s, n, &o, TEXT, &len);
	struct kit_err e = { 0 };
	struct ksym_table *t = decode(d, len, &e);
	char name[160];
	const struct ksym_sym *m[4];
	uint64_t off;
	uint32_t i, bad = 0;

	snprintf(name, sizeof name, "%s: decodes", what);
	if (!ok(t, name)) {
		printf("#   error: %s\n", e.msg);
		goto out;
	}
	snprintf(name, sizeof name, "%s: symbol count", what);
	is_int(t->nsyms, n, name);
	for (i = 0; i < n; i++) {
		const struct ksym_sym *x = &t->syms[i];

		if (x->addr != s[i].addr || x->type != s[i].type || strcmp(ksym_name(t, x), s[i].name))
			bad++;
	}
	snprintf(name, sizeof name, "%s: every name, type and address", what);
	is_int(bad, 0, name);
	snprintf(name, sizeof name, "%s: _text", what);
	is_u64(ksym_addr(t, "_text"), TEXT, name);
	snprintf(name, sizeof name, "%s: seqs_of_names detected", what);
	is_int(t->layout.seqs_of_names, o.seqs, name);
	snprintf(name, sizeof name, "%s: offsets order detected", what);
	is_int(t->layout.offsets_after_tokens, o.new_order, name);
	snprintf(name, sizeof name, "%s: markers width", what);
	is_int(t->layout.markers_width, o.markers8 ? 8 : 4, name);
	if (n > 20) {
		snprintf(name, sizeof name, "%s: duplicate statics both kept", what);
		is_int(ksym_lookup_name(t, "dup_static", m, 4), 2, name);
		snprintf(name, sizeof name, "%s: address -> name+off", what);
		ok(ksym_lookup_addr(t, s[13].addr + 3, &off) &&
		   !strcmp(ksym_name(t, ksym_lookup_addr(t, s[13].addr + 3, &off)), "do_one_initcall") &&
		   off == 3, name);
	}
	if (long_name && n > 30) {
		snprintf(name, sizeof name, "%s: a 200-character name (two-byte length)", what);
		is_int(strlen(ksym_name(t, ksym_find(t, s[25].name))), 200, name);
	}
out:
	ksym_free(t);
	free(d);
	free(s);
}

/* Each mutation of a good table must fail cleanly or decode to the truth. */
static void hostile(void)
{
	struct synth_opts o = { 0, 1, 0, 0, 1, 8 };
	uint32_t n = 700;
	struct synth_sym *s = synth_symbols(n, TEXT, 1);
	size_t len, i;
	uint8_t *d = synth_kallsyms(s, n, &o, TEXT, &len), *c = malloc(len);
	struct kit_err e;
	struct ksym_table *t;
	int crashes_none = 1, wrong = 0;

	/* Truncations at many points. */
	for (i = 0; i < len; i += len / 97 + 1) {
		memset(&e, 0, sizeof e);
		t = decode(d, i, &e);
		if (t && t->nsyms != n)
			wrong++;
		ksym_free(t);
	}
	ok(crashes_none, "truncated tables: no crash");
	is_int(wrong, 0, "truncated tables: never a wrong symbol count");

	/* Byte flips: the result is an error or a table of N symbols. */
	srand(7);
	wrong = 0;
	for (i = 0; i < 300; i++) {
		memcpy(c, d, len);
		c[(size_t)rand() % len] ^= (uint8_t)(1 + rand() % 255);
		memset(&e, 0, sizeof e);
		t = decode(c, len, &e);
		if (t && t->nsyms != n)
			wrong++;
		if (!t && !e.code)
			wrong++;
		ksym_free(t);
	}
	is_int(wrong, 0, "byte flips: an error with a code, or all N symbols");

	/* A name table whose length bytes point past the end. */
	memcpy(c, d, len);
	for (i = 0; i + 4 < len; i++)
		if (c[i] == 0xbc && c[i + 1] == 0x02 && c[i + 2] == 0 && c[i + 3] == 0)
			break;   /* num_syms = 700 */
	if (i + 8 < len) {
		memset(c + i + 8, 0xff, len - i - 8 > 4096 ? 4096 : len - i - 8);
		memset(&e, 0, sizeof e);
		t = decode(c, len, &e);
		ok(!t && e.code == KSYM_ENOKALLSYMS, "names with lengths past the end: KSYM_ENOKALLSYMS");
		ksym_free(t);
	}
	/* Noise and zeros. */
	for (i = 0; i < len; i++)
		c[i] = (uint8_t)(i * 2654435761u >> 13);
	memset(&e, 0, sizeof e);
	t = decode(c, len, &e);
	ok(!t && e.code == KSYM_ENOKALLSYMS, "noise: KSYM_ENOKALLSYMS");
	printf("#   %s\n", e.msg);
	ksym_free(t);
	memset(c, 0, len);
	memset(&e, 0, sizeof e);
	t = decode(c, len, &e);
	ok(!t && e.code == KSYM_ENOKALLSYMS, "zeros: KSYM_ENOKALLSYMS");
	ksym_free(t);
	/* Wrong _text: the names decode, the addresses must not be trusted. */
	t = ksym_table_new(&e);
	ok(ksym_kallsyms_decode(t, d, len, RO, TEXT + 0x200000, &e) == -1 && e.code == KSYM_ENOKALLSYMS,
	   "_text elsewhere: no layout validates");
	ksym_free(t);
	free(c);
	free(d);
	free(s);
}

int main(void)
{
	/* new_order, big_names, markers8, absolute, seqs, align */
	check_layout("6.1 Debian (seqs backport)", 700, (struct synth_opts){ 0, 1, 0, 0, 1, 8 }, 1);
	check_layout("6.1 upstream (no seqs)", 700, (struct synth_opts){ 0, 1, 0, 0, 0, 8 }, 1);
	check_layout("5.x (one-byte lengths)", 700, (struct synth_opts){ 0, 0, 0, 0, 0, 8 }, 0);
	check_layout("5.x, 8-byte markers", 1300, (struct synth_opts){ 0, 0, 1, 0, 0, 8 }, 0);
	check_layout("absolute addresses", 700, (struct synth_opts){ 0, 0, 0, 1, 0, 8 }, 0);
	check_layout("6.4+ order, align 8", 700, (struct synth_opts){ 1, 1, 0, 0, 1, 8 }, 1);
	check_layout("6.4+ order, align 4", 900, (struct synth_opts){ 1, 1, 0, 0, 1, 4 }, 1);
	check_layout("tiny table (one marker)", 40, (struct synth_opts){ 0, 1, 0, 0, 1, 8 }, 1);
	check_layout("6.4+ tiny, align 4", 12, (struct synth_opts){ 1, 1, 0, 0, 0, 4 }, 0);
	hostile();
	return tap_done();
}
