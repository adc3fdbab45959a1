/*
 * test-ksym-inputs.c: every input path of the kernel-symbols library on
 * data built here: System.map/kallsyms text (and Debian's stub), each
 * decompressor, a whole synthetic bzImage (header, payload, ELF with
 * section headers, kallsyms, PREL32 initcalls), hostile bzImages (wrong
 * magic, lengths past the end, a decompression bomb), the cache, the
 * exports, discovery, milestones and the KASLR slide.  And the index
 * built by ksym_table_finish (a radix sort) against a plain qsort.
 */
#include "ksym.h"
#include "tap.h"
#include "test-ksym-synth.c"

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define TEXT 0xffffffff81000000ull
#define RO   0xffffffff82000000ull
#define INIT 0xffffffff83000000ull

static char tmpdir[256];

/* ---- map text ----------------------------------------------------------- */

static void test_map(void)
{
	static const char stub[] =
		"ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n";
	static const char kall[] =
		"0000000000000000 A fixed_percpu_data\r\n"
		"ffffffff81000000 T _text\n"
		"ffffffff81000000 T startup_64\n"
		"ffffffff81001000 t dup_static\n"
		"ffffffff81002000 t dup_static\n"
		"ffffffff81003000 T start_kernel\n"
		"ffffffffc0001000 t foo_init\t[foo]\n"
		"\n";
	static const char twoletter[] =
		"ffffffff81000000 T _text\nffffffff81001000 TT start_kernel\n";
	static const char zeros[] = "0000000000000000 T _text\n0000000000000000 T start_kernel\n";
	struct kit_err e = { 0 };
	struct ksym_table *t;
	const struct ksym_sym *m[4];
	uint64_t off;

	t = ksym_load_map(stub, sizeof stub - 1, &e);
	ok(!t && e.code == KSYM_ENOSYMS, "Debian System.map stub: KSYM_ENOSYMS, not one symbol");
	ok(strstr(e.msg, "stub") != NULL, "the stub's error says it is a stub");
	printf("#   %s\n", e.msg);
	ksym_free(t);

	t = ksym_load_map(kall, sizeof kall - 1, &e);
	if (ok(t, "kallsyms text loads")) {
		is_int(t->nsyms, 6, "module lines skipped");
		is_int(t->modules_skipped, 1, "and counted");
		is_int(ksym_lookup_name(t, "dup_static", m, 4), 2, "duplicate statics both kept");
		is_u64(m[1]->addr, 0xffffffff81002000ull, "the second at its own address");
		ok(ksym_lookup_addr(t, 0xffffffff81000010ull, &off) &&
		   !strcmp(ksym_name(t, ksym_lookup_addr(t, 0xffffffff81000010ull, &off)), "startup_64") &&
		   off == 0x10, "alias choice: startup_64+0x10, a non-underscore global");
		is_u64(t->text_start, TEXT, "text_start from _text");
		ok(ksym_lookup_addr(t, 0xffffffff81003000ull + 8192, &off) == NULL,
		   "past the last symbol: nothing");
	}
	ksym_free(t);
	t = ksym_load_map(zeros, sizeof zeros - 1, &e);
	ok(!t && e.code == KSYM_ENOSYMS, "all-zero addresses (kptr_restrict): KSYM_ENOSYMS");
	ksym_free(t);
	t = ksym_load_map("hello world\n", 12, &e);
	ok(!t && e.code == KSYM_EFORMAT, "garbage: KSYM_EFORMAT");
	ksym_free(t);
	/* the type is one letter: "TT" is not a type, the line is not a symbol */
	t = ksym_load_map(twoletter, sizeof twoletter - 1, &e);
	ok(!t && e.code == KSYM_EFORMAT && strstr(e.msg, "line 2 "),
	   "a two-letter type: KSYM_EFORMAT at line 2");
	ksym_free(t);
	t = ksym_load_map("", 0, &e);
	ok(!t && e.code == KSYM_ENOSYMS, "empty: KSYM_ENOSYMS");
	ksym_free(t);
}

/* ---- the index: sort, sizes, name chains -------------------------------- */

static uint64_t sort_rnd = 0x9e3779b97f4a7c15ull;

static uint64_t next_rnd(void)
{
	sort_rnd ^= sort_rnd << 13;
	sort_rnd ^= sort_rnd >> 7;
	sort_rnd ^= sort_rnd << 17;
	return sort_rnd;
}

static int ref_cmp(const void *a, const void *b)
{
	const struct ksym_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * What ksym_table_finish did before its radix sort: qsort by (addr, seq),
 * then each size-0 symbol gets the distance to the next higher address.
 */
static void ref_finish(struct ksym_sym *s, size_t n)
{
	size_t i, j;

	qsort(s, n, sizeof *s, ref_cmp);
	for (i = 0; i < n; i++) {
		if (s[i].size)
			continue;
		for (j = i + 1; j < n && s[j].addr == s[i].addr; j++)
			;
		if (j < n)
			s[i].size = s[j].addr - s[i].addr;
	}
}

enum seq_mode { SEQ_AS_ADDED, SEQ_GAPS, SEQ_SCRAMBLED, SEQ_PRESORTED };

/*
 * N random symbols (few distinct addresses spread over all 64 bits, names
 * from a small pool, some sizes 0).  MODE: seqs as ksym_table_add gave
 * them; increasing with gaps; a random permutation (as a cache file may
 * hold); or the whole array sorted before finishing.  The finished table
 * must equal the reference field by field, and a name's chain must list
 * its duplicates in table order.
 */
static void check_sort(const char *what, size_t n, enum seq_mode mode)
{
	static const uint64_t bases[] = {
		0, 0x1000, 0x2c000, 0xffffffff81000000ull, 0xffffffff82493281ull,
		0x8000000000000000ull, 0x00007fffffff0000ull, 0xffffffffffffff00ull,
	};
	struct kit_err e = { 0 };
	struct ksym_table *t = ksym_table_new(&e);
	struct ksym_sym *ref;
	size_t i, k, bad = 0, badchain = 0;
	char name[32], msg[160];

	if (!t)
		return;
	snprintf(msg, sizeof msg, "%s: reserve half, add all", what);
	for (i = 0; i < n; i++) {
		uint64_t r = next_rnd();
		uint64_t addr = bases[r % 8] + (r >> 8) % 64 * 16;
		int len = snprintf(name, sizeof name, "sym_%u", (unsigned)((r >> 20) % (n / 3 + 1)));

		if ((i == 0 && ksym_table_reserve(t, n / 2, 100, &e)) ||
		    ksym_table_add(t, addr, (r >> 40) % 3 ? 0 : (r >> 44) % 200 + 1,
				   "tTdD"[(r >> 50) % 4], name, (size_t)len, &e))
			break;
	}
	if (!ok(t->nsyms == n, msg))
		printf("#   %s\n", e.msg);
	if (mode == SEQ_PRESORTED)
		qsort(t->syms, t->nsyms, sizeof *t->syms, ref_cmp);
	if (mode == SEQ_GAPS)
		for (i = 0; i < t->nsyms; i++)
			t->syms[i].seq = (uint32_t)(3 * i + 7);
	if (mode == SEQ_SCRAMBLED) {
		for (i = t->nsyms; i > 1; i--) {
			size_t j = next_rnd() % i;
			uint32_t x = t->syms[i - 1].seq;

			t->syms[i - 1].seq = t->syms[j].seq;
			t->syms[j].seq = x;
		}
	}
	ref = malloc(t->nsyms * sizeof *ref);
	memcpy(ref, t->syms, t->nsyms * sizeof *ref);
	ref_finish(ref, t->nsyms);
	snprintf(msg, sizeof msg, "%s: table_finish", what);
	ok(ksym_table_finish(t, &e) == 0, msg);
	for (i = 0; i < t->nsyms; i++) {
		const struct ksym_sym *a = &t->syms[i], *b = &ref[i];

		if (a->addr == b->addr && a->size == b->size && a->seq == b->seq &&
		    a->name == b->name && a->type == b->type)
			continue;
		if (!bad++)
			printf("#   at %zu expected %016" PRIx64 " seq %u size %" PRIu64
			       ", saw %016" PRIx64 " seq %u size %" PRIu64 "\n", i, b->addr,
			       b->seq, b->size, a->addr, a->seq, a->size);
	}
	snprintf(msg, sizeof msg, "%s: order (address, then seq) and sizes as qsort gives them", what);
	is_int(bad, 0, msg);
	/* The chains of the first 100 names against a scan of the table. */
	for (i = 0; i < t->nsyms && i < 100; i++) {
		const char *nm = ksym_name(t, &t->syms[i]);
		const struct ksym_sym *m[256];
		size_t got = ksym_lookup_name(t, nm, m, 256), want = 0;

		for (k = 0; k < t->nsyms; k++) {
			if (strcmp(ksym_name(t, &t->syms[k]), nm))
				continue;
			if (want < got && want < 256 && m[want] != &t->syms[k])
				badchain++;
			want++;
		}
		badchain += got != want;
	}
	snprintf(msg, sizeof msg, "%s: every duplicate name found, in address order", what);
	is_int(badchain, 0, msg);
	free(ref);
	ksym_free(t);
}

static void test_sort(void)
{
	struct kit_err e = { 0 };
	struct ksym_table *t;
	size_t i, bad = 0;

	check_sort("5000 random", 5000, SEQ_AS_ADDED);
	check_sort("5000 random, seqs with gaps", 5000, SEQ_GAPS);
	check_sort("5000 random, scrambled seqs", 5000, SEQ_SCRAMBLED);
	check_sort("3000 presorted", 3000, SEQ_PRESORTED);
	check_sort("2 symbols", 2, SEQ_SCRAMBLED);
	/* 20,000 size-0 labels at one address (a -dbg vmlinux's __kstrtabns_*) */
	t = ksym_table_new(&e);
	for (i = 0; i < 20000; i++)
		ksym_table_add(t, 0xffffffff82493281ull, 0, 'r', "__kstrtabns_x", 13, &e);
	ksym_table_add(t, 0xffffffff81000000ull, 0, 'T', "_text", 5, &e);
	ksym_table_add(t, 0xffffffff82493300ull, 0, 'r', "after", 5, &e);
	ok(ksym_table_finish(t, &e) == 0, "20,000 aliases: table_finish");
	for (i = 1; i + 1 < t->nsyms; i++)
		bad += t->syms[i].size != 0x7f || t->syms[i].seq != i - 1;
	is_int(bad, 0, "20,000 aliases: each sized to the next address, in the order added");
	is_u64(t->syms[0].size, 0x1493281, "_text sized to the next address");
	is_int(ksym_lookup_name(t, "__kstrtabns_x", NULL, 0), 20000, "all 20,000 duplicates kept");
	ksym_free(t);
	t = ksym_table_new(&e);
	ok(t && ksym_table_finish(t, &e) == 0 && t->nsyms == 0, "an empty table finishes");
	ksym_free(t);
}

/* ---- initcalls from labels ----------------------------------------------- */

static const char ic_map[] =
	"ffffffff81000000 T _text\n"
	"ffffffff81000100 t f_early\n"
	"ffffffff81000200 t f_core\n"
	"ffffffff81000300 t f_core_sync\n"
	"ffffffff81000400 t f_dev\n"
	"ffffffff83000000 D __initcall_start\n"
	"ffffffff83000000 d __initcall__kmod_foo__1_2_f_earlyearly\n"
	"ffffffff83000004 D __initcall0_start\n"
	"ffffffff83000004 D __initcall1_start\n"
	"ffffffff83000004 d __initcall__kmod_bar__3_4_f_core1\n"
	"ffffffff83000008 d __initcall__kmod_bar__5_6_f_core_sync1s\n"
	"ffffffff8300000c D __initcall2_start\n"
	"ffffffff8300000c D __initcall3_start\n"
	"ffffffff8300000c D __initcall4_start\n"
	"ffffffff8300000c D __initcall5_start\n"
	"ffffffff8300000c D __initcallrootfs_start\n"
	"ffffffff8300000c D __initcall6_start\n"
	"ffffffff8300000c d __initcall_f_dev6\n"
	"ffffffff83000010 D __initcall7_start\n"
	"ffffffff83000010 D __initcall_end\n";

static void check_initcalls(const struct ksym_table *t, const char *what)
{
	struct ksym_initcall *ic = NULL;
	size_t n = 0;
	struct kit_err e = { 0 };
	char name[128];

	snprintf(name, sizeof name, "%s: initcall table", what);
	if (!ok(ksym_initcalls(t, &ic, &n, &e) == 0, name)) {
		printf("#   %s\n", e.msg);
		return;
	}
	snprintf(name, sizeof name, "%s: 4 initcalls", what);
	is_int(n, 4, name);
	if (n == 4) {
		snprintf(name, sizeof name, "%s: order and functions", what);
		ok(!strcmp(ic[0].func, "f_early") && !strcmp(ic[1].func, "f_core") &&
		   !strcmp(ic[2].func, "f_core_sync") && !strcmp(ic[3].func, "f_dev"), name);
		snprintf(name, sizeof name, "%s: levels", what);
		ok(!strcmp(ic[0].level, "early") && !strcmp(ic[1].level, "core") &&
		   !strcmp(ic[2].level, "core") && !strcmp(ic[3].level, "device"), name);
		snprintf(name, sizeof name, "%s: sync flag", what);
		ok(!ic[1].sync && ic[2].sync && !ic[3].sync, name);
		snprintf(name, sizeof name, "%s: modules", what);
		ok(!strcmp(ic[0].module, "foo") && !strcmp(ic[2].module, "bar") && !ic[3].module[0], name);
		snprintf(name, sizeof name, "%s: function address", what);
		is_u64(ic[2].fn, 0xffffffff81000300ull, name);
	}
	free(ic);
}

/* ---- compressors --------------------------------------------------------- */

static uint8_t *c_gzip(const uint8_t *in, size_t n, size_t *out_len)
{
	z_stream s;
	uint8_t *out = malloc(n + 1024);

	memset(&s, 0, sizeof s);
	deflateInit2(&s, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	s.next_in = (Bytef *)(uintptr_t)in;
	s.avail_in = (uInt)n;
	s.next_out = out;
	s.avail_out = (uInt)(n + 1024);
	deflate(&s, Z_FINISH);
	*out_len = s.total_out;
	deflateEnd(&s);
	return out;
}

static uint8_t *c_xz(const uint8_t *in, size_t n, size_t *out_len, int alone)
{
	uint8_t *out = malloc(n + 4096);
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma opt;

	if (!alone) {
		*out_len = 0;
		lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, n, out, out_len, n + 4096);
		return out;
	}
	lzma_lzma_preset(&opt, 6);
	if (lzma_alone_encoder(&s, &opt) != LZMA_OK) {
		*out_len = 0;
		return out;
	}
	s.next_in = in;
	s.avail_in = n;
	s.next_out = out;
	s.avail_out = n + 4096;
	while (lzma_code(&s, LZMA_FINISH) == LZMA_OK)
		;
	*out_len = s.total_out;
	lzma_end(&s);
	return out;
}

static uint8_t *c_bz2(const uint8_t *in, size_t n, size_t *out_len)
{
	unsigned ol = (unsigned)(n + n / 50 + 1024);
	uint8_t *out = malloc(ol);

	BZ2_bzBuffToBuffCompress((char *)out, &ol, (char *)(uintptr_t)in, (unsigned)n, 9, 0, 0);
	*out_len = ol;
	return out;
}

static uint8_t *c_zstd(const uint8_t *in, size_t n, size_t *out_len)
{
	uint8_t *out = malloc(ZSTD_compressBound(n));

	*out_len = ZSTD_compress(out, ZSTD_compressBound(n), in, n, 3);
	return out;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static uint8_t *c_lz4(const uint8_t *in, size_t n, size_t *out_len)
{
	uint8_t *out = malloc(8 + (size_t)LZ4_compressBound((int)n) * 2);
	size_t pos = 4, done = 0;

	put_le32(out, 0x184c2102);
	while (done < n) {
		size_t chunk = n - done > (8u << 20) ? (8u << 20) : n - done;
		int c = LZ4_compress_default((const char *)in + done, (char *)out + pos + 4, (int)chunk,
					     LZ4_compressBound((int)chunk));
		put_le32(out + pos, (uint32_t)c);
		pos += 4 + (size_t)c;
		done += chunk;
	}
	*out_len = pos;
	return out;
}

static uint8_t *c_lzo(const uint8_t *in, size_t n, size_t *out_len)
{
	static const uint8_t magic[9] = { 0x89, 'L', 'Z', 'O', 0, '\r', '\n', 0x1a, '\n' };
	uint8_t *out = malloc(n + n / 8 + 4096), *wrk = malloc(LZO1X_1_MEM_COMPRESS);
	size_t pos = 0, done = 0;

	lzo_init();
	memcpy(out, magic, 9);
	pos = 9;
	/* version 0x1040, lib 0x2080, needed 0x0940, method 1, level 5 */
	memcpy(out + pos, "\x10\x40\x20\x80\x09\x40\x01\x05", 8);
	pos += 8;
	put_be32(out + pos, 0); pos += 4;       /* flags */
	put_be32(out + pos, 0644); pos += 4;    /* mode */
	put_be32(out + pos, 0); pos += 4;       /* mtime low */
	put_be32(out + pos, 0); pos += 4;       /* mtime high */
	out[pos++] = 0;                          /* name */
	put_be32(out + pos, 0); pos += 4;       /* header checksum */
	while (done < n) {
		size_t chunk = n - done > 256 * 1024 ? 256 * 1024 : n - done;
		lzo_uint cl = 0;

		lzo1x_1_compress(in + done, chunk, out + pos + 8, &cl, wrk);
		put_be32(out + pos, (uint32_t)chunk);
		if (cl >= chunk) {
			memcpy(out + pos + 8, in + done, chunk);
			cl = chunk;
		}
		put_be32(out + pos + 4, (uint32_t)cl);
		pos += 8 + cl;
		done += chunk;
	}
	put_be32(out + pos, 0);
	pos += 4;
	free(wrk);
	*out_len = pos;
	return out;
}

/* ---- a synthetic kernel ELF and bzImage ---------------------------------- */

static const struct synth_sym kernel_syms[] = {
	{ 0, 'A', "fixed_percpu_data" },
	{ TEXT, 'T', "_text" },
	{ TEXT, 'T', "startup_64" },
	{ TEXT + 0x100, 't', "f_early" },
	{ TEXT + 0x200, 't', "f_core" },
	{ TEXT + 0x300, 't', "f_core_sync" },
	{ TEXT + 0x400, 't', "f_dev" },
	{ TEXT + 0x500, 'T', "start_kernel" },
	{ TEXT + 0x600, 'T', "do_one_initcall" },
	{ TEXT + 0x700, 't', "dup_static" },
	{ TEXT + 0x800, 't', "dup_static" },
	{ INIT, 'D', "__initcall_start" },
	{ INIT, 'd', "__initcall__kmod_foo__1_2_f_earlyearly" },
	{ INIT + 4, 'D', "__initcall0_start" },
	{ INIT + 4, 'D', "__initcall1_start" },
	{ INIT + 4, 'd', "__initcall__kmod_bar__3_4_f_core1" },
	{ INIT + 8, 'd', "__initcall__kmod_bar__5_6_f_core_sync1s" },
	{ INIT + 12, 'D', "__initcall2_start" },
	{ INIT + 12, 'D', "__initcall3_start" },
	{ INIT + 12, 'D', "__initcall4_start" },
	{ INIT + 12, 'D', "__initcall5_start" },
	{ INIT + 12, 'D', "__initcallrootfs_start" },
	{ INIT + 12, 'D', "__initcall6_start" },
	{ INIT + 12, 'd', "__initcall_f_dev6" },
	{ INIT + 16, 'D', "__initcall7_start" },
	{ INIT + 16, 'D', "__initcall_end" },
};
#define NKS (sizeof kernel_syms / sizeof kernel_syms[0])

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put64(uint8_t *p, uint64_t v) { put_le32(p, (uint32_t)v); put_le32(p + 4, (uint32_t)(v >> 32)); }

/* ELF64: .text (NOBITS), .rodata (kallsyms), .init.data (PREL32 entries), .shstrtab. */
static uint8_t *make_elf(size_t *len)
{
	struct synth_opts o = { 0, 1, 0, 0, 1, 8 };
	size_t rl, off, shoff;
	uint8_t *ro = synth_kallsyms(kernel_syms, NKS, &o, TEXT, &rl);
	static const char shs[] = "\0.text\0.rodata\0.init.data\0.shstrtab\0";
	uint8_t init[16], *e;
	int i;

	/* entries: PREL32 offsets to the functions */
	put_le32(init + 0, (uint32_t)(int32_t)(int64_t)((TEXT + 0x100) - (INIT + 0)));
	put_le32(init + 4, (uint32_t)(int32_t)(int64_t)((TEXT + 0x200) - (INIT + 4)));
	put_le32(init + 8, (uint32_t)(int32_t)(int64_t)((TEXT + 0x300) - (INIT + 8)));
	put_le32(init + 12, (uint32_t)(int32_t)(int64_t)((TEXT + 0x400) - (INIT + 12)));
	off = 64;
	shoff = (off + rl + 16 + sizeof shs + 7) & ~(size_t)7;
	*len = shoff + 5 * 64;
	e = calloc(1, *len);
	memcpy(e, "\x7f" "ELF\2\1\1", 7);
	put16(e + 16, 2);           /* ET_EXEC */
	put16(e + 18, 62);          /* EM_X86_64 */
	put_le32(e + 20, 1);
	put64(e + 24, 0x1000000);
	put64(e + 40, shoff);
	put16(e + 52, 64);
	put16(e + 58, 64);
	put16(e + 60, 5);
	put16(e + 62, 4);
	memcpy(e + off, ro, rl);
	memcpy(e + off + rl, init, 16);
	memcpy(e + off + rl + 16, shs, sizeof shs);
	for (i = 1; i < 5; i++) {
		uint8_t *s = e + shoff + 64 * i;
		static const unsigned names[] = { 0, 1, 7, 15, 26 };
		static const unsigned types[] = { 0, 8, 1, 1, 3 };
		static const unsigned flags[] = { 0, 6, 2, 3, 0 };
		uint64_t addr[] = { 0, TEXT, RO, INIT, 0 };
		uint64_t offs[] = { 0, off, off, off + rl, off + rl + 16 };
		uint64_t sizes[] = { 0, 0x100000, rl, 16, sizeof shs };

		put_le32(s, names[i]);
		put_le32(s + 4, types[i]);
		put64(s + 8, flags[i]);
		put64(s + 16, addr[i]);
		put64(s + 24, offs[i]);
		put64(s + 32, sizes[i]);
		put64(s + 48, 1);
	}
	free(ro);
	return e;
}

/* setup (boot sector + 4 sectors), then 0x100 bytes, then the payload. */
static uint8_t *make_bzimage(const uint8_t *payload, size_t plen, uint32_t trailer, size_t *len)
{
	size_t pm = 5 * 512;
	uint8_t *b;

	*len = pm + 0x100 + plen + 4;
	b = calloc(1, *len);
	b[0x1f1] = 4;
	put16(b + 0x1fe, 0xaa55);
	memcpy(b + 0x202, "HdrS", 4);
	put16(b + 0x206, 0x20f);
	put16(b + 0x20e, 0x100);
	memcpy(b + 0x300, "6.9.0-test (synthetic) #1", 26);
	b[0x211] = 1;
	put_le32(b + 0x214, 0x100000);
	put_le32(b + 0x248, 0x100);
	put_le32(b + 0x24c, (uint32_t)plen + 4);
	put64(b + 0x258, 0x1000000);
	put_le32(b + 0x260, 64u << 20);
	memcpy(b + pm + 0x100, payload, plen);
	put_le32(b + pm + 0x100 + plen, trailer);
	return b;
}

static void test_compressors(const uint8_t *elf, size_t elen)
{
	static const char *names[] = { "gzip", "xz", "lzma", "bzip2", "zstd", "lz4", "lzo" };
	int i;

	for (i = 0; i < 7; i++) {
		size_t cl = 0, ol = 0;
		uint8_t *c = i == 0 ? c_gzip(elf, elen, &cl) : i == 1 ? c_xz(elf, elen, &cl, 0) :
			     i == 2 ? c_xz(elf, elen, &cl, 1) : i == 3 ? c_bz2(elf, elen, &cl) :
			     i == 4 ? c_zstd(elf, elen, &cl) : i == 5 ? c_lz4(elf, elen, &cl) :
			     c_lzo(elf, elen, &cl);
		uint8_t *out = NULL;
		char nm[8] = "", name[80];
		struct kit_err e = { 0 };
		int rc = ksym_decompress(c, cl, elen, &out, &ol, nm, &e);

		snprintf(name, sizeof name, "%s: round trip", names[i]);
		if (!ok(rc == 0 && ol == elen && !memcmp(out, elf, elen) && !strcmp(nm, names[i]), name))
			printf("#   rc %d len %zu/%zu name %s: %s\n", rc, ol, elen, nm, e.msg);
		free(out);
		out = NULL;
		/* Truncated: half the stream. */
		rc = ksym_decompress(c, cl / 2, elen, &out, &ol, nm, &e);
		snprintf(name, sizeof name, "%s: truncated stream is an error", names[i]);
		ok(rc == -1 && e.code == KSYM_ECOMPRESS, name);
		free(out);
		out = NULL;
		/* A limit below the real size: a bomb. */
		rc = ksym_decompress(c, cl, elen / 3, &out, &ol, nm, &e);
		snprintf(name, sizeof name, "%s: output past the limit is an error", names[i]);
		ok(rc == -1 && e.code == KSYM_ECOMPRESS, name);
		free(out);
		free(c);
	}
}

/* An lzop header whose file name's length byte points past the end, with
 * the extra-field flag set: found by fuzz-bzimage (a read past the input
 * when the length check underflowed). */
static void test_lzo_name_past_end(void)
{
	uint8_t h[40] = { 0x89, 'L', 'Z', 'O', 0, '\r', '\n', 0x1a, '\n',
			  0x10, 0x40, 0x20, 0x80, 0x09, 0x40, 0x01, 0x05 };
	size_t n = 17;
	uint8_t *out = NULL;
	size_t ol = 0;
	char nm[8] = "";
	struct kit_err e = { 0 };
	int rc;

	put_be32(h + n, 0x40); n += 4;          /* flags: F_H_EXTRA_FIELD */
	memset(h + n, 0, 12); n += 12;          /* mode, mtime low and high */
	h[n++] = 0xff;                          /* a 255-byte name: not there */
	rc = ksym_decompress(h, n, 1 << 20, &out, &ol, nm, &e);
	if (!ok(rc == -1 && e.code == KSYM_ECOMPRESS && strstr(e.msg, "truncated"),
		"lzo: a file name running past the end is a truncated payload"))
		printf("#   rc %d: %s\n", rc, e.msg);
	free(out);
}

static void test_bzimage(const uint8_t *elf, size_t elen)
{
	size_t cl, bl;
	uint8_t *c = c_xz(elf, elen, &cl, 0), *b = make_bzimage(c, cl, (uint32_t)elen, &bl), *x;
	struct kit_err e = { 0 };
	struct ksym_table *t = ksym_load_bzimage(b, bl, &e), *t2;
	struct ksym_milestone m[16];
	size_t nm, i;
	int64_t slide;
	char path[600], path2[600];
	FILE *f;

	if (!ok(t, "synthetic xz bzImage loads")) {
		printf("#   %s\n", e.msg);
		goto out;
	}
	is_int(t->nsyms, NKS, "all its symbols");
	is_str(t->version, "6.9.0-test", "version from the setup header");
	is_str(t->bz.compressor, "xz", "compressor named");
	ok(t->have_initcall_data && t->initcall_prel32, "initcall entries read as PREL32");
	check_initcalls(t, "image data");
	nm = ksym_milestones(t, m, 16);
	ok(nm >= 6, "milestones");
	for (i = 0; i < nm && i < 16; i++) {
		if (!strcmp(m[i].name, "setup"))
			is_u64(m[i].addr, 0x10200, "setup entry at 0x10200 (QEMU, protocol >= 2.02)");
		if (!strcmp(m[i].name, "startup_64"))
			is_u64(m[i].addr, 0x1000000, "kernel startup_64 at LOAD_PHYSICAL_ADDR");
		if (!strcmp(m[i].name, "decompressor startup_64"))
			is_u64(m[i].addr, 0x100200, "decompressor startup_64 at code32_start + 0x200");
	}
	ok(ksym_kaslr_slide(t, "start_kernel", TEXT + 0x500 + 0x3e00000, &slide, &e) == 0 &&
	   slide == 0x3e00000, "KASLR slide from one observed address");
	ok(ksym_kaslr_slide(t, "start_kernel", TEXT + 0x501, &slide, &e) == -1 && e.code == KSYM_EFORMAT,
	   "a slide that is not 2 MiB aligned is refused");

	/* cache round trip */
	snprintf(path, sizeof path, "%s/sub/dir/k.cache", tmpdir);
	ok(ksym_cache_save(t, path, &e) == 0, "cache saved (directories created)");
	t2 = ksym_cache_load(path, &e);
	if (ok(t2, "cache loads")) {
		is_int(t2->nsyms, NKS, "cache: symbol count");
		is_u64(ksym_addr(t2, "start_kernel"), TEXT + 0x500, "cache: lookup");
		is_str(t2->version, "6.9.0-test", "cache: version");
		check_initcalls(t2, "cache");
	}
	ksym_free(t2);
	{
		uint8_t *d;
		size_t dl, k;
		int bad = 0;

		f = fopen(path, "rb");
		fseek(f, 0, SEEK_END);
		dl = (size_t)ftell(f);
		rewind(f);
		d = malloc(dl);
		if (fread(d, 1, dl, f) != dl)
			bad++;
		fclose(f);
		for (k = 0; k < dl; k += 7) {
			t2 = ksym_cache_parse(d, k, &e);
			if (t2 || e.code != KSYM_EFORMAT)
				bad++;
			ksym_free(t2);
		}
		is_int(bad, 0, "truncated caches: KSYM_EFORMAT every time");
		free(d);
	}

	/* exports */
	snprintf(path, sizeof path, "%s/k.map", tmpdir);
	f = fopen(path, "w");
	ok(ksym_export_map(t, f, &e) == 0, "map export");
	fclose(f);
	t2 = ksym_load_map_file(path, &e);
	ok(t2 && t2->nsyms == NKS && ksym_addr(t2, "f_dev") == TEXT + 0x400, "map export loads back");
	if (t2)
		check_initcalls(t2, "labels of exported map");
	ksym_free(t2);
	snprintf(path2, sizeof path2, "%s/k.elf", tmpdir);
	ok(ksym_export_elf(t, path2, &e) == 0, "ELF export");
	t2 = ksym_load_elf_file(path2, &e);
	if (ok(t2, "exported ELF loads through libelf")) {
		is_int(t2->nsyms, NKS, "ELF: every symbol");
		is_u64(ksym_addr(t2, "do_one_initcall"), TEXT + 0x600, "ELF: lookup");
		ok(ksym_find(t2, "start_kernel")->type == 'T' && ksym_find(t2, "f_dev")->type == 't',
		   "ELF: types survive");
	}
	ksym_free(t2);

	/* discovery: a vmlinux where Debian's -dbg package puts it */
	{
		char dir[400], bzpath[600];

		snprintf(dir, sizeof dir, "%s/root/usr/lib/debug/boot", tmpdir);
		snprintf(path, sizeof path, "%s/root", tmpdir);
		mkdir(path, 0755);
		snprintf(path, sizeof path, "%s/root/usr", tmpdir);
		mkdir(path, 0755);
		snprintf(path, sizeof path, "%s/root/usr/lib", tmpdir);
		mkdir(path, 0755);
		snprintf(path, sizeof path, "%s/root/usr/lib/debug", tmpdir);
		mkdir(path, 0755);
		mkdir(dir, 0755);
		snprintf(path, sizeof path, "%s/vmlinux-6.9.0-test", dir);
		rename(path2, path);
		snprintf(bzpath, sizeof bzpath, "%s/vmlinuz", tmpdir);
		f = fopen(bzpath, "wb");
		fwrite(b, 1, bl, f);
		fclose(f);
		snprintf(path, sizeof path, "%s/root", tmpdir);
		setenv("KSYM_ROOT", path, 1);
		setenv("XDG_CACHE_HOME", tmpdir, 1);
		t2 = ksym_open(bzpath, 0, &e);
		ok(t2 && t2->source == KSYM_SRC_ELF && strstr(t2->origin, "/usr/lib/debug/boot/vmlinux-6.9.0-test"),
		   "discovery finds the -dbg vmlinux for the bzImage's version");
		ok(t2 && t2->have_bzimage, "and keeps the bzImage header for milestones");
		ksym_free(t2);
		t2 = ksym_open(bzpath, KSYM_NO_DISCOVER, &e);
		ok(t2 && t2->source == KSYM_SRC_KALLSYMS, "no discovery: kallsyms decoded");
		ksym_free(t2);
		t2 = ksym_open(bzpath, KSYM_NO_DISCOVER, &e);
		ok(t2 && t2->source == KSYM_SRC_CACHE && t2->nsyms == NKS, "second open: from the cache");
		ksym_free(t2);
		unsetenv("KSYM_ROOT");
	}

	/* hostile bzImages */
	x = malloc(bl);
	memcpy(x, b, bl);
	memcpy(x + 0x202, "HdrX", 4);
	ksym_free(ksym_load_bzimage(x, bl, &e));
	ok(e.code == KSYM_EFORMAT && strstr(e.msg, "HdrS"), "wrong magic: KSYM_EFORMAT");
	memcpy(x, b, bl);
	put_le32(x + 0x24c, (uint32_t)bl);
	ksym_free(ksym_load_bzimage(x, bl, &e));
	ok(e.code == KSYM_EFORMAT && strstr(e.msg, "past the end"), "payload_length past the end");
	memcpy(x, b, bl);
	x[0x1f1] = 250;
	ksym_free(ksym_load_bzimage(x, 250 * 512, &e));
	ok(e.code == KSYM_EFORMAT, "setup sectors past the end");
	ksym_free(ksym_load_bzimage(b, 0x100, &e));
	ok(e.code == KSYM_EFORMAT, "a 256-byte file");
	memcpy(x, b, bl);
	memcpy(x + 5 * 512 + 0x100, "\x11\x22\x33\x44", 4);
	ksym_free(ksym_load_bzimage(x, bl, &e));
	ok(e.code == KSYM_ECOMPRESS && strstr(e.msg, "not a compressor"), "unknown compressor: a clear error");
	printf("#   %s\n", e.msg);
	memcpy(x, b, bl);
	x[5 * 512 + 0x100 + cl / 2] ^= 0x55;
	ksym_free(ksym_load_bzimage(x, bl, &e));
	ok(e.code == KSYM_ECOMPRESS, "corrupt xz stream: KSYM_ECOMPRESS");
	free(x);
	{
		/* 32 MB of zeros claiming to be 4 KB: stopped at the claim. */
		size_t zl = 32u << 20, gl, bb;
		uint8_t *z = calloc(1, zl), *g = c_gzip(z, zl, &gl), *bomb = make_bzimage(g, gl, 4096, &bb);

		ksym_free(ksym_load_bzimage(bomb, bb, &e));
		ok(e.code == KSYM_ECOMPRESS && strstr(e.msg, "bomb"), "decompression bomb stopped");
		free(z);
		free(g);
		free(bomb);
	}
out:
	ksym_free(t);
	free(c);
	free(b);
}

static void write_file(const char *dir, const char *name, const void *d, size_t n)
{
	char p[600];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	f = fopen(p, "wb");
	if (f) {
		fwrite(d, 1, n, f);
		fclose(f);
	}
}

/* ---- the ELF export with code ------------------------------------------- */

/* Section header field at byte OFF of section I of ELF E. */
static uint8_t *sh_at(const uint8_t *e, unsigned i, unsigned off)
{
	size_t shoff = (size_t)e[40] | (size_t)e[41] << 8 | (size_t)e[42] << 16;

	return (uint8_t *)(uintptr_t)e + shoff + 64 * i + off;
}

static void sh_put64(uint8_t *e, unsigned i, unsigned off, uint64_t v)
{
	put64(sh_at(e, i, off), v);
}

static uint64_t sh_get64(const uint8_t *e, unsigned i, unsigned off)
{
	const uint8_t *q = sh_at(e, i, off);
	uint64_t v = 0;
	int k;

	for (k = 7; k >= 0; k--)
		v = v << 8 | q[k];
	return v;
}

/* ELF (ELEN bytes) patched by FN, exported with code to a memfd: the
 * error message, "" when it was accepted. */
static const char *export_patched(const struct ksym_table *t, const uint8_t *elf, size_t elen,
				  void (*fn)(uint8_t *), struct kit_err *e)
{
	uint8_t *c = malloc(elen);
	int fd = memfd_create("test", 0), rc;

	memcpy(c, elf, elen);
	fn(c);
	memset(e, 0, sizeof *e);
	rc = ksym_export_elf_code_fd(t, c, elen, "the ELF", fd, "out", e);
	close(fd);
	free(c);
	return rc ? e->msg : "";
}

static void past_end(uint8_t *e) { sh_put64(e, 2, 32, 0x100000); }            /* .rodata size */
static void overlap(uint8_t *e) { sh_put64(e, 3, 24, 64); }                   /* .init.data at .rodata */
static void on_header(uint8_t *e) { sh_put64(e, 2, 24, 8); }                  /* .rodata over the header */
static void bad_align(uint8_t *e) { sh_put64(e, 3, 48, 24); }

static void test_export_code(const uint8_t *elf, size_t elen)
{
	size_t cl, bl, i;
	uint8_t *c = c_xz(elf, elen, &cl, 0), *b = make_bzimage(c, cl, (uint32_t)elen, &bl), *o = NULL;
	struct kit_err e = { 0 };
	struct ksym_code *code = NULL;
	struct ksym_table *t = NULL;
	char bz[600], out[600], map[600];
	FILE *fp;
	long ol = 0;

	write_file(tmpdir, "code.bz", b, bl);
	snprintf(bz, sizeof bz, "%s/code.bz", tmpdir);
	snprintf(out, sizeof out, "%s/code.elf", tmpdir);
	t = ksym_open_code(bz, KSYM_NO_CACHE | KSYM_NO_DISCOVER, &code, &e);
	if (!ok(t && code, "ksym_open_code: symbols and the payload of a bzImage")) {
		printf("#   %s\n", e.msg);
		goto out;
	}
	ok(strstr(ksym_code_what(code), "the decompressed payload of '") != NULL, "named as the payload");
	ok(ksym_export_elf_code(t, code, out, &e) == 0, "ELF export with code");
	fp = fopen(out, "rb");
	if (fp && !fseek(fp, 0, SEEK_END) && (ol = ftell(fp)) > 0) {
		rewind(fp);
		o = malloc((size_t)ol);
		if (fread(o, 1, (size_t)ol, fp) != (size_t)ol)
			ol = 0;
	}
	if (fp)
		fclose(fp);
	/* the layout is the payload's: its bytes at their offsets */
	/* .rodata then .init.data, from offset 64 on */
	ol = o && ol > 0 && (uint64_t)ol >= sh_get64(elf, 3, 24) + sh_get64(elf, 3, 32) ? ol : 0;
	ok(ol && !memcmp(o + 64, elf + 64, sh_get64(elf, 3, 24) + sh_get64(elf, 3, 32) - 64),
	   "the payload's section bytes at their own offsets");
	ksym_free(t);
	t = o ? ksym_load_elf(o, (size_t)ol, &e) : NULL;
	if (ok(t && t->nsyms == NKS, "the export loads back: every symbol")) {
		ok(ksym_find(t, "f_dev")->type == 't' && ksym_find(t, "start_kernel")->type == 'T' &&
		   ksym_find(t, "__initcall_start")->type == 'D' &&
		   ksym_find(t, "__initcall__kmod_foo__1_2_f_earlyearly")->type == 'd' &&
		   ksym_find(t, "fixed_percpu_data")->type == 'A',
		   "letters from the sections: t T D d, and A stays absolute");
		{
			const struct ksym_sym *dup[2];

			/* the last text symbol: up to .text's end, not to .init.data */
			ok(ksym_lookup_name(t, "dup_static", dup, 2) == 2 && dup[1]->size == 0x100000 - 0x800,
			   "a size cut at its section's end");
		}
	}
	/* hostile payloads, each refused with the section named */
	{
		const struct {
			void (*fn)(uint8_t *);
			const char *want;
		} bad[] = {
			{ past_end, "section '.rodata' of the ELF runs past its end (offset 0x40, size 0x100000," },
			{ overlap, "sections '.rodata' and '.init.data' of the ELF overlap in the file" },
			{ on_header, "section '.rodata' of the ELF overlaps the ELF headers" },
			{ bad_align, "section '.init.data' of the ELF has alignment 24, not a power of two" },
		};

		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			const char *m = export_patched(t, elf, elen, bad[i].fn, &e);

			if (!ok(!strncmp(m, bad[i].want, strlen(bad[i].want)) && e.code == KSYM_EFORMAT,
				"a hostile payload refused, the section named"))
				printf("#   saw '%s'\n", m);
		}
		for (i = 0; i < elen; i += 97) {   /* truncated anywhere: no crash */
			int fd = memfd_create("test", 0);

			ksym_export_elf_code_fd(t, elf, i, "the ELF", fd, "out", &e);
			close(fd);
		}
		ok(1, "truncated payloads: no crash");
	}
	/* a symbol list has no code, and that is no error */
	ksym_free(t);
	ksym_code_free(code);
	snprintf(map, sizeof map, "%s/code.map", tmpdir);
	write_file(tmpdir, "code.map", ic_map, sizeof ic_map - 1);
	t = ksym_open_code(map, 0, &code, &e);
	ok(t && !code, "a System.map: symbols, no code");
	ksym_code_free(code);
	code = ksym_code_open(map, &e);
	ok(!code && e.code == KSYM_ENOCODE, "ksym_code_open of a System.map: KSYM_ENOCODE");
out:
	ksym_code_free(code);
	ksym_free(t);
	free(o);
	free(c);
	free(b);
}

/* Fuzzer seeds (KSYM_WRITE_SEEDS=kernel-symbols/fuzz/seeds). */
static void write_seeds(const char *dir, const uint8_t *elf, size_t elen)
{
	struct synth_opts o = { 0, 1, 0, 0, 1, 8 };
	size_t rl, cl, bl;
	uint8_t *ro = synth_kallsyms(kernel_syms, NKS, &o, TEXT, &rl);
	uint8_t *c = c_gzip(elf, elen, &cl), *b = make_bzimage(c, cl, (uint32_t)elen, &bl);
	struct kit_err e = { 0 };
	struct ksym_table *t = ksym_load_bzimage(b, bl, &e);
	char p[600];

	write_file(dir, "kallsyms/synthetic", ro, rl);
	write_file(dir, "elf/synthetic", elf, elen);
	write_file(dir, "bzimage/synthetic-gzip", b, bl);
	snprintf(p, sizeof p, "%s/cache/synthetic", dir);
	if (t)
		ksym_cache_save(t, p, &e);
	ksym_free(t);
	free(ro);
	free(c);
	free(b);
}

int main(void)
{
	size_t elen;
	uint8_t *elf;
	struct kit_err e = { 0 };
	struct ksym_table *t;
	char cmd[300];

	snprintf(tmpdir, sizeof tmpdir, "/tmp/test-ksym-XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	test_map();
	test_sort();
	t = ksym_load_map(ic_map, sizeof ic_map - 1, &e);
	if (ok(t, "initcall labels map loads"))
		check_initcalls(t, "labels");
	ksym_free(t);
	elf = make_elf(&elen);
	t = ksym_load_elf(elf, elen, &e);
	if (!ok(t && t->nsyms == NKS, "stripped synthetic ELF: kallsyms decoded"))
		printf("#   %s\n", e.msg);
	ksym_free(t);
	test_compressors(elf, elen);
	test_lzo_name_past_end();
	test_bzimage(elf, elen);
	test_export_code(elf, elen);
	if (getenv("KSYM_WRITE_SEEDS"))
		write_seeds(getenv("KSYM_WRITE_SEEDS"), elf, elen);
	free(elf);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd))
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}
