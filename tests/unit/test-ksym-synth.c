/*
 * test-ksym-synth.c: builds fake kallsyms tables, ELF images and bzImages
 * for the kernel-symbols unit tests.  Included by them (not a test itself).
 *
 * The encoder imitates scripts/kallsyms.c closely enough for the decoder:
 * a token table of 256 strings (printable single characters for their own
 * byte values, multi-character tokens elsewhere), names compressed greedily,
 * and the tables laid out in one of the kernel's orders.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct synth_sym {
	uint64_t addr;
	char type;
	const char *name;
};

struct synth_opts {
	int new_order;      /* 6.4+: num_syms names markers tokens offsets base seqs */
	int big_names;      /* two-byte lengths (6.1+) */
	int markers8;       /* 8-byte markers (older kernels) */
	int absolute;       /* kallsyms_addresses instead of offsets */
	int seqs;           /* emit kallsyms_seqs_of_names */
	unsigned align;     /* label alignment: 4 or 8 */
};

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void b_put(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void b_u8(struct buf *b, unsigned v)
{
	uint8_t c = (uint8_t)v;

	b_put(b, &c, 1);
}

static void b_u16(struct buf *b, unsigned v)
{
	b_u8(b, v & 0xff);
	b_u8(b, v >> 8);
}

static void b_u32(struct buf *b, uint32_t v)
{
	b_u16(b, v & 0xffff);
	b_u16(b, v >> 16);
}

static void b_u64(struct buf *b, uint64_t v)
{
	b_u32(b, (uint32_t)v);
	b_u32(b, (uint32_t)(v >> 32));
}

static void b_align(struct buf *b, unsigned a)
{
	while (b->len % a)
		b_u8(b, 0);
}

static const char *synth_multi[] = {
	"start_", "_init", "kernel", "__", "initcall", "_kmod_", "text", "dup_",
	"static", "percpu", "fn", "_sym", "ab", "cd", "ef", "gh",
};

static char synth_tok[256][16];

static void synth_tokens(void)
{
	int i, m = 0;

	for (i = 0; i < 256; i++) {
		if (i > 0x20 && i < 0x7f)
			snprintf(synth_tok[i], sizeof synth_tok[i], "%c", i);
		else
			snprintf(synth_tok[i], sizeof synth_tok[i], "%s%d",
				 synth_multi[m % 16], m / 16 ? m / 16 : 0), m++;
	}
	/* The first 16 multi-character tokens exactly as listed. */
	for (i = 0, m = 0; i < 256 && m < 16; i++)
		if (!(i > 0x20 && i < 0x7f))
			snprintf(synth_tok[i], sizeof synth_tok[i], "%s", synth_multi[m++]);
}

/* Greedy compression of "Tname" into token indices. */
static size_t synth_compress(const char *s, uint8_t *out)
{
	size_t n = 0;

	while (*s) {
		int best = -1;
		size_t bl = 0, i;

		for (i = 0; i < 256; i++) {
			size_t l = strlen(synth_tok[i]);

			if (l > bl && !strncmp(s, synth_tok[i], l)) {
				best = (int)i;
				bl = l;
			}
		}
		out[n++] = (uint8_t)best;
		s += bl;
	}
	return n;
}

static int synth_cmp_name(const void *a, const void *b, void *ctx)
{
	const struct synth_sym *v = ctx;

	return strcmp(v[*(const uint32_t *)a].name, v[*(const uint32_t *)b].name);
}

/*
 * Lay out the tables for SYMS (sorted by address) at VADDR, _text at
 * TEXT.  Returns the region (malloc'ed), its length in *len.
 */
static uint8_t *synth_kallsyms(const struct synth_sym *syms, uint32_t n,
			       const struct synth_opts *o, uint64_t text, size_t *len)
{
	struct buf names = { 0 }, b = { 0 };
	uint32_t *marks = calloc(n / 256 + 1, 4), *seq = calloc(n ? n : 1, 4), i;
	uint64_t base = text;
	unsigned a = o->align ? o->align : 8;
	int part;

	synth_tokens();
	for (i = 0; i < n; i++) {
		char full[1024];
		uint8_t tk[1024];
		size_t l;

		if (i % 256 == 0)
			marks[i / 256] = (uint32_t)names.len;
		snprintf(full, sizeof full, "%c%s", syms[i].type, syms[i].name);
		l = synth_compress(full, tk);
		if (l >= 0x80 && o->big_names) {
			b_u8(&names, (unsigned)(l & 0x7f) | 0x80);
			b_u8(&names, (unsigned)(l >> 7));
		} else {
			b_u8(&names, (unsigned)l);
		}
		b_put(&names, tk, l);
		seq[i] = i;
	}
	qsort_r(seq, n, 4, synth_cmp_name, (void *)syms);

#define OFFSETS() do { \
	b_align(&b, a); \
	for (i = 0; i < n; i++) { \
		if (o->absolute) \
			b_u64(&b, syms[i].addr); \
		else if (syms[i].addr < text) \
			b_u32(&b, (uint32_t)syms[i].addr);  /* absolute percpu */ \
		else \
			b_u32(&b, (uint32_t)(-(int64_t)(syms[i].addr - base) - 1)); \
	} \
	if (!o->absolute) { \
		b_align(&b, 8); \
		b_u64(&b, base); \
	} \
} while (0)
#define SEQS() do { \
	if (o->seqs) { \
		b_align(&b, a); \
		for (i = 0; i < n; i++) { \
			b_u8(&b, seq[i] >> 16); b_u8(&b, seq[i] >> 8); b_u8(&b, seq[i]); \
		} \
	} \
} while (0)

	/* Some unrelated data first, so nothing starts at offset 0. */
	for (i = 0; i < 100; i++)
		b_u32(&b, i * 2654435761u);
	for (part = 0; part < 2; part++) {
		if (part == 0 && !o->new_order)
			OFFSETS();
		if (part == 1 && o->new_order)
			OFFSETS();
		if (part == 1)
			break;
		b_align(&b, a);
		b_u32(&b, n);
		b_align(&b, a);
		b_put(&b, names.p, names.len);
		b_align(&b, a);
		for (i = 0; i < (n + 255) / 256; i++) {
			if (o->markers8)
				b_u64(&b, marks[i]);
			else
				b_u32(&b, marks[i]);
		}
		if (!o->new_order)
			SEQS();
		b_align(&b, a);
		{
			uint16_t idx[256];
			struct buf tt = { 0 };
			int k;

			for (k = 0; k < 256; k++) {
				idx[k] = (uint16_t)tt.len;
				b_put(&tt, synth_tok[k], strlen(synth_tok[k]) + 1);
			}
			b_put(&b, tt.p, tt.len);
			b_align(&b, a);
			for (k = 0; k < 256; k++)
				b_u16(&b, idx[k]);
			free(tt.p);
		}
	}
	if (o->new_order)
		SEQS();
	for (i = 0; i < 64; i++)
		b_u32(&b, 0xdeadbeef ^ i);
	free(names.p);
	free(marks);
	free(seq);
	*len = b.len;
	return b.p;
#undef OFFSETS
#undef SEQS
}

/* A symbol set: percpu, _text, functions, duplicates, a long name. */
__attribute__((unused))
static struct synth_sym *synth_symbols(uint32_t n, uint64_t text, int long_name)
{
	struct synth_sym *v = calloc(n, sizeof *v);
	static char names[4096][48];
	static char longname[300];
	uint32_t i;

	v[0] = (struct synth_sym){ 0, 'A', "fixed_percpu_data" };
	v[1] = (struct synth_sym){ 0x1000, 'A', "cpu_debug_store" };
	v[2] = (struct synth_sym){ text, 'T', "_text" };
	v[3] = (struct synth_sym){ text, 'T', "startup_64" };
	for (i = 4; i < n; i++) {
		snprintf(names[i % 4096], sizeof names[0], "fn_%u_init", i);
		v[i].addr = text + 0x10 * i;
		v[i].type = i % 3 ? 't' : 'T';
		v[i].name = names[i % 4096];
	}
	if (n > 20) {
		v[10].name = "dup_static";
		v[17].name = "dup_static";
		v[12].name = "start_kernel";
		v[13].name = "do_one_initcall";
	}
	if (long_name && n > 30) {
		for (i = 0; i < 200; i++)
			longname[i] = (char)('a' + (i * 7 + i / 26) % 26);
		longname[200] = 0;
		v[25].name = longname;
	}
	return v;
}
