/*
 * test-linux-printk.c: the printk ring buffer reader of the Linux layer on
 * a synthetic ring built here in byte arrays, laid out as Linux 6.1 lays
 * it out (the BTF is written with libbpf's btf__add_* API): ordinary,
 * multi-line and continuation records, a text block wrapped to the start
 * of the data ring, records caught mid-write, damaged descriptors, a ring
 * that has wrapped and dropped records, a damaged header, the bounds of
 * the header's and a record's checks, and random damage that must never
 * crash the reader.
 */
#include "lx.h"
#include "tap.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#define CB 4
#define SB 8
#define COUNT (1u << CB)
#define DSIZE (1u << SB)
#define IDMASK (UINT64_MAX >> 2)
#define SV(id, st) (((id) & IDMASK) | ((uint64_t)(st) << 62))

#define RB_AT UINT64_C(0xffffffff82000000)
#define DESCS_AT UINT64_C(0xffffffff82100000)
#define INFOS_AT UINT64_C(0xffffffff82200000)
#define DATA_AT UINT64_C(0xffffffff82300000)

/* ---- the 6.1 layout as BTF -------------------------------------------- */

/* A struct member: its name, type, bit offset and bitfield size. */
struct member {
	const char *name;
	int type;
	uint32_t bit_off, bits;
};

/* struct NAME of SIZE bytes with MEMBERS (up to one with no name): its id. */
static int add_struct(struct btf *b, const char *name, uint32_t size,
		      const struct member *members)
{
	int id = btf__add_struct(b, name, size);

	for (; members->name; members++)
		btf__add_field(b, members->name, members->type, members->bit_off, members->bits);
	return id;
}

static struct btf *build_btf(void)
{
	struct btf *b = btf__new_empty();
	int t_uint, t_long, t_ulong, t_u64, t_u16, t_u8, t_u32, t_char, t_al, at;
	int lpos, desc, dpi, info, dring, tring, arr16, arr48, pdesc, pinfo, pchar;

	t_uint = btf__add_int(b, "unsigned int", 4, 0);
	t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	t_ulong = btf__add_int(b, "long unsigned int", 8, 0);
	t_u64 = btf__add_typedef(b, "u64", btf__add_int(b, "long long unsigned int", 8, 0));
	t_u16 = btf__add_typedef(b, "u16", btf__add_int(b, "short unsigned int", 2, 0));
	t_u8 = btf__add_typedef(b, "u8", btf__add_int(b, "unsigned char", 1, 0));
	t_u32 = btf__add_typedef(b, "u32", t_uint);
	t_char = btf__add_int(b, "char", 1, BTF_INT_CHAR);
	at = add_struct(b, NULL, 8, (const struct member[]){ { "counter", t_long, 0, 0 }, { 0 } });
	t_al = btf__add_typedef(b, "atomic_long_t", btf__add_typedef(b, "atomic64_t", at));
	lpos = add_struct(b, "prb_data_blk_lpos", 16, (const struct member[]){
		{ "begin", t_ulong, 0, 0 }, { "next", t_ulong, 64, 0 }, { 0 } });
	desc = add_struct(b, "prb_desc", 24, (const struct member[]){
		{ "state_var", t_al, 0, 0 }, { "text_blk_lpos", lpos, 64, 0 }, { 0 } });
	arr16 = btf__add_array(b, t_uint, t_char, 16);
	arr48 = btf__add_array(b, t_uint, t_char, 48);
	dpi = add_struct(b, "dev_printk_info", 64, (const struct member[]){
		{ "subsystem", arr16, 0, 0 }, { "device", arr48, 128, 0 }, { 0 } });
	info = add_struct(b, "printk_info", 88, (const struct member[]){
		{ "seq", t_u64, 0, 0 }, { "ts_nsec", t_u64, 64, 0 }, { "text_len", t_u16, 128, 0 },
		{ "facility", t_u8, 144, 0 }, { "flags", t_u8, 152, 5 }, { "level", t_u8, 157, 3 },
		{ "caller_id", t_u32, 160, 0 }, { "dev_info", dpi, 192, 0 }, { 0 } });
	pdesc = btf__add_ptr(b, desc);
	pinfo = btf__add_ptr(b, info);
	pchar = btf__add_ptr(b, t_char);
	dring = add_struct(b, "prb_desc_ring", 48, (const struct member[]){
		{ "count_bits", t_uint, 0, 0 }, { "descs", pdesc, 64, 0 }, { "infos", pinfo, 128, 0 },
		{ "head_id", t_al, 192, 0 }, { "tail_id", t_al, 256, 0 },
		{ "last_finalized_id", t_al, 320, 0 }, { 0 } });
	tring = add_struct(b, "prb_data_ring", 32, (const struct member[]){
		{ "size_bits", t_uint, 0, 0 }, { "data", pchar, 64, 0 },
		{ "head_lpos", t_al, 128, 0 }, { "tail_lpos", t_al, 192, 0 }, { 0 } });
	add_struct(b, "printk_ringbuffer", 88, (const struct member[]){
		{ "desc_ring", dring, 0, 0 }, { "text_data_ring", tring, 384, 0 },
		{ "fail", t_al, 640, 0 }, { 0 } });
	return b;
}

/* ---- a simulated guest: the kernel's writer, reduced ------------------ */

struct sim {
	uint8_t rb[88], descs[COUNT * 24], infos[COUNT * 88], data[DSIZE];
	/* the text blocks in the data ring, oldest first */
	uint64_t fifo_id[64], fifo_next[64];
	int nfifo;
};

static void put(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t got(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#define HEAD_ID(s) got((s)->rb + 24)
#define TAIL_ID(s) got((s)->rb + 32)
#define HEAD_LPOS(s) got((s)->rb + 48 + 16)
#define TAIL_LPOS(s) got((s)->rb + 48 + 24)
#define DESC(s, id) ((s)->descs + ((id) & (COUNT - 1)) * 24)
#define INFO(s, id) ((s)->infos + ((id) & (COUNT - 1)) * 88)

static void sim_init(struct sim *s)
{
	uint64_t d0 = (0 - (uint64_t)COUNT - 1) & IDMASK;

	memset(s, 0, sizeof(*s));
	put(s->rb, CB, 4);
	put(s->rb + 8, DESCS_AT, 8);
	put(s->rb + 16, INFOS_AT, 8);
	put(s->rb + 24, d0, 8);
	put(s->rb + 32, d0, 8);
	put(s->rb + 48, SB, 4);
	put(s->rb + 56, DATA_AT, 8);
	put(s->rb + 64, (0 - (uint64_t)DSIZE), 8);
	put(s->rb + 72, (0 - (uint64_t)DSIZE), 8);
	put(DESC(s, d0), SV(d0, 3), 8);
	put(DESC(s, d0) + 8, 1, 8);
	put(DESC(s, d0) + 16, 1, 8);
	put(s->infos, (0 - (uint64_t)COUNT), 8);
	put(INFO(s, d0), 0, 8);
}

/* The oldest text block goes: its descriptor becomes reusable. */
static void push_data_tail(struct sim *s)
{
	uint64_t id = s->fifo_id[0];

	if (got(DESC(s, id)) == SV(id, 2) || got(DESC(s, id)) == SV(id, 1))
		put(DESC(s, id), SV(id, 3), 8);
	put(s->rb + 72, s->fifo_next[0], 8);
	memmove(s->fifo_id, s->fifo_id + 1, --s->nfifo * sizeof(uint64_t));
	memmove(s->fifo_next, s->fifo_next + 1, s->nfifo * sizeof(uint64_t));
}

static uint64_t emit(struct sim *s, const char *text, unsigned flags, unsigned level,
		     uint32_t caller, uint64_t ts)
{
	uint64_t len = strlen(text), size = (8 + len + 7) & ~UINT64_C(7);
	uint64_t id = (HEAD_ID(s) + 1) & IDMASK, begin, next, off, seq;
	uint8_t *in = INFO(s, id);

	while (((id - TAIL_ID(s)) & IDMASK) >= COUNT) {
		uint64_t t = TAIL_ID(s);

		while (s->nfifo && ((s->fifo_id[0] - t) & IDMASK) < COUNT)
			push_data_tail(s);
		put(DESC(s, t), SV(t, 3), 8);
		put(s->rb + 32, (t + 1) & IDMASK, 8);
	}
	begin = HEAD_LPOS(s);
	next = begin + size;
	if ((begin >> SB) != (next >> SB))
		next = (next & ~(uint64_t)(DSIZE - 1)) + size;
	while (next - TAIL_LPOS(s) > DSIZE)
		push_data_tail(s);
	off = (begin >> SB) != (next >> SB) ? 0 : begin & (DSIZE - 1);
	put(s->data + (begin & (DSIZE - 1)), id, 8);
	put(s->data + off, id, 8);
	memcpy(s->data + off + 8, text, len);
	seq = got(in);
	seq = seq == 0 && (id & (COUNT - 1)) ? (id & (COUNT - 1)) : seq + COUNT;
	put(in, seq, 8);
	put(in + 8, ts, 8);
	put(in + 16, len, 2);
	in[18] = 0;
	in[19] = (uint8_t)(flags | level << 5);
	put(in + 20, caller, 4);
	put(DESC(s, id) + 8, begin, 8);
	put(DESC(s, id) + 16, next, 8);
	put(DESC(s, id), SV(id, 2), 8);
	put(s->rb + 24, id, 8);
	put(s->rb + 64, next, 8);
	s->fifo_id[s->nfifo] = id;
	s->fifo_next[s->nfifo++] = next;
	return id;
}

/* Record "PREFIX<I>" at time TS, an ordinary line: its id. */
static uint64_t emit_nth(struct sim *s, const char *prefix, int i, uint64_t ts)
{
	char text[32];

	snprintf(text, sizeof(text), "%s%d", prefix, i);
	return emit(s, text, 2, 6, 1, ts);
}

static int sim_read(void *ctx, uint64_t addr, void *buf, size_t len, struct kit_err *err)
{
	struct sim *s = ctx;
	const struct { uint64_t at; uint8_t *p; size_t n; } areas[] = {
		{ RB_AT, s->rb, sizeof(s->rb) }, { DESCS_AT, s->descs, sizeof(s->descs) },
		{ INFOS_AT, s->infos, sizeof(s->infos) }, { DATA_AT, s->data, sizeof(s->data) },
	};
	size_t i;

	for (i = 0; i < 4; i++)
		if (addr >= areas[i].at && addr - areas[i].at <= areas[i].n &&
		    len <= areas[i].n - (addr - areas[i].at)) {
			memcpy(buf, areas[i].p + (addr - areas[i].at), len);
			return 0;
		}
	return kit_seterr(err, EFAULT, "no memory at 0x%llx", (unsigned long long)addr);
}

static struct lx_prb_layout L;

/* One read of a simulated ring: the log, the error, the dmesg text. */
struct rd {
	struct lx_printk_log log;
	struct kit_err e;
	char *out;
};

/* What R holds freed (R zeroed, or read before). */
static void rd_free(struct rd *r)
{
	free(r->out);
	r->out = NULL;
	lx_printk_log_free(&r->log);
}

/* Read S into R (what R held freed first) and format it (FLAGS): the text,
 * or NULL with R->e filled. */
static const char *rd(struct rd *r, struct sim *s, unsigned flags)
{
	struct lx_mem m = { sim_read, s };
	size_t n = 0;
	FILE *f;

	rd_free(r);
	memset(&r->e, 0, sizeof(r->e));
	if (lx_printk_read(&m, &L, RB_AT, &r->log, &r->e) < 0)
		return NULL;
	f = open_memstream(&r->out, &n);
	if (lx_printk_format(&r->log, flags, f, &r->e) < 0) {
		fclose(f);
		rd_free(r);
		return NULL;
	}
	fclose(f);
	return r->out;
}

/* R's text holds each of the strings up to NULL. */
static int has(const struct rd *r, ...)
{
	const char *want;
	va_list ap;
	int all = r->out != NULL;

	va_start(ap, r);
	while ((want = va_arg(ap, const char *)))
		all = all && strstr(r->out, want);
	va_end(ap);
	return all;
}

/* S read and refused with CODE, its message holding WANT (NULL: any), and
 * nothing left allocated. */
static int refused(struct sim *s, int code, const char *want)
{
	struct rd r = { 0 };
	int as_said = !rd(&r, s, 0) && r.e.code == code && (!want || strstr(r.e.msg, want)) &&
		      r.log.recs == NULL && r.log.n == 0;

	if (!as_said)
		printf("# code %d: %s\n", r.e.code, r.e.msg);
	rd_free(&r);
	return as_said;
}

static void test_layout(struct ksym_btf *k)
{
	struct kit_err e = { 0 };

	ok(!lx_prb_layout_btf(k, &L, &e), "the 6.1 layout from BTF");
	is_int(L.rb_size, 88, "sizeof(struct printk_ringbuffer)");
	is_int(L.head_lpos.off, 64, "text_data_ring.head_lpos at 64");
	is_int(L.level.off, 19, "printk_info.level in byte 19");
	is_int(L.level.bit_off, 5, "printk_info.level from bit 5");
	is_int(L.lsz, 8, "a 64-bit kernel");
}

static void test_ordinary(void)
{
	struct sim s;
	struct rd r = { 0 };

	sim_init(&s);
	emit(&s, "Linux version 6.1.0", 0x2, 5, 0x80000000, 0);
	emit(&s, "Command line: quiet", 0x2, 6, 0x80000000, 1500);
	emit(&s, "two\nlines", 0x2, 4, 1, UINT64_C(2000000000));
	is_str(rd(&r, &s, 0), "[    0.000000] Linux version 6.1.0\n[    0.000001] Command line: quiet\n"
	       "[    2.000000] two\n[    2.000000] lines\n", "ordinary records as dmesg prints them");
	is_int(r.log.n, 4, "the initial descriptor and three records");
	ok(r.log.recs[1].seq == 0 && r.log.recs[3].seq == 2, "seqs 0..2");
	ok(r.log.recs[2].level == 6 && r.log.recs[1].caller_id == 0x80000000 &&
	   r.log.recs[3].flags == LX_LOG_NEWLINE, "level, caller id and flags");
	ok(r.log.dropped == 0 && r.log.gaps == 0 && r.log.nbad == 0, "nothing dropped");
	rd_free(&r);
}

static void test_cont(void)
{
	struct sim s;
	struct rd r = { 0 };

	sim_init(&s);
	emit(&s, "Hello", 0, 6, 5, 1000);
	emit(&s, " world", LX_LOG_CONT | LX_LOG_NEWLINE, 6, 5, 2000);
	emit(&s, "a", 0, 6, 7, 3000);
	emit(&s, "x\x1b[2J", LX_LOG_CONT | LX_LOG_NEWLINE, 6, 8, 4000);
	is_str(rd(&r, &s, 0), "[    0.000001] Hello world\n[    0.000003] a\n[    0.000004] x\\x1b[2J\n",
	       "a continuation of the same caller joins its line, another's does not");
	rd(&r, &s, LX_FMT_NO_JOIN);
	ok(has(&r, "[    0.000001] Hello\n[    0.000002]  world\n", NULL),
	   "LX_FMT_NO_JOIN: a line a record");
	rd_free(&r);
}

static void test_wrap(void)
{
	struct sim s;
	struct rd r = { 0 };
	char text[64];
	uint64_t id = 0;
	int i, wrapped = 0;

	sim_init(&s);
	for (i = 0; i < 7 && !wrapped; i++) {
		snprintf(text, sizeof(text), "record %d %.*s", i, 30, "..............................");
		id = emit(&s, text, 2, 6, 1, (uint64_t)i * 1000000);
		wrapped = (got(DESC(&s, id) + 8) >> SB) != (got(DESC(&s, id) + 16) >> SB);
	}
	ok(wrapped, "the simulated ring wrapped a text block to the start");
	rd(&r, &s, 0);
	ok(has(&r, text, NULL), "the wrapped block's text is read");
	ok(r.log.dropped > 0 && r.log.dropped == r.log.first_seq, "the records pushed out are counted");
	ok(r.log.recs[r.log.n - 1].state == LX_REC_OK && r.log.recs[r.log.n - 1].id == id,
	   "the head record is fine");
	rd_free(&r);

	/* The ring starts DSIZE below 2^64 (as the kernel's does), so that
	 * first wrap is also lpos's own overflow (begin > next).  The next
	 * one is not: begin < next in different wraps. */
	for (wrapped = 0; i < 40 && !wrapped; i++) {
		uint64_t b, n;

		snprintf(text, sizeof(text), "record %d %.*s", i, 30, "..............................");
		id = emit(&s, text, 2, 6, 1, (uint64_t)i * 1000000);
		b = got(DESC(&s, id) + 8);
		n = got(DESC(&s, id) + 16);
		wrapped = (b >> SB) != (n >> SB) && b < n;
	}
	ok(wrapped, "the ring wrapped a text block again, lpos not overflowing");
	rd(&r, &s, 0);
	ok(has(&r, text, NULL), "that block's text is read from the ring's start");
	rd_free(&r);
}

static void test_midwrite(void)
{
	struct sim s;
	struct rd r = { 0 };
	uint64_t id;

	sim_init(&s);
	emit(&s, "one", 2, 6, 1, 0);
	id = emit(&s, "two", 2, 6, 1, 0);
	emit(&s, "three", 2, 6, 1, 0);
	put(DESC(&s, id), SV(id, 0), 8);
	rd(&r, &s, 0);
	ok(has(&r, "] one\n<record id 0x", "being written: caught mid-write (reserved)>\n[",
	       "] three\n", NULL), "a reserved record is reported, the others read");
	is_int(r.log.nwriting, 1, "one record being written");
	is_int(r.log.gaps, 1, "its seq counts as a gap");
	/* the writer moved head_id but has not taken the descriptor yet */
	put(DESC(&s, id), SV(id, 2), 8);
	put(s.rb + 24, HEAD_ID(&s) + 1, 8);
	put(DESC(&s, HEAD_ID(&s)), SV(HEAD_ID(&s) - COUNT, 3), 8);
	rd(&r, &s, 0);
	ok(has(&r, "] two\n[", "still holds its previous id)>\n", NULL),
	   "a head descriptor not yet taken is a record being written");
	rd_free(&r);
}

static void test_corrupt(void)
{
	struct sim s;
	struct rd r = { 0 };
	uint64_t id[6];
	int i;

	sim_init(&s);
	for (i = 0; i < 6; i++)
		id[i] = emit_nth(&s, "r", i, 0);
	put(DESC(&s, id[1]), SV(id[1] + 3, 2), 8);          /* bad id */
	put(INFO(&s, id[2]) + 16, 0xffff, 2);                 /* huge text_len */
	put(DESC(&s, id[3]) + 8, got(DESC(&s, id[3]) + 8) + 4096, 8); /* lpos out of range */
	put(DESC(&s, id[3]) + 16, got(DESC(&s, id[3]) + 16) + 4096, 8);
	put(DESC(&s, id[4]) + 8, got(DESC(&s, id[4]) + 8) + 1, 8); /* misaligned */
	ok(rd(&r, &s, 0) != NULL, "a ring with damaged records is read");
	ok(has(&r, "] r0\n", "] r5\n", NULL) && !strstr(r.out, "] r1") && !strstr(r.out, "] r2") &&
	   !strstr(r.out, "] r3") && !strstr(r.out, "] r4"),
	   "the sound records are read, the damaged ones not");
	ok(has(&r, "holds id 0x", NULL), "a wrong id is named");
	ok(has(&r, "text_len 65535 is more than", NULL), "a huge text_len is named");
	ok(has(&r, "outside the live text", NULL), "an lpos out of range is named");
	is_int(r.log.nbad, 4, "four damaged records");
	rd_free(&r);
}

static void test_dropped(void)
{
	struct sim s;
	struct rd r = { 0 };
	int i;

	sim_init(&s);
	for (i = 0; i < 40; i++)
		emit_nth(&s, "msg ", i, (uint64_t)i * 1000);
	rd(&r, &s, 0);
	ok(r.log.n <= COUNT, "at most the ring's size of records");
	ok(r.log.first_seq > 0 && r.log.dropped == r.log.first_seq && r.log.next_seq == 40,
	   "the tail moved past the first records: dropped = first seq");
	ok(has(&r, "] msg 39\n", NULL) && !strstr(r.out, "] msg 0\n"), "the newest are read");
	ok(r.out && !strchr(r.out, '<'), "no notes for the normally overwritten records");
	is_int(r.log.gaps, 0, "no gaps");
	rd_free(&r);
}

static void test_header(void)
{
	struct sim s;

	sim_init(&s);
	emit(&s, "x", 2, 6, 1, 0);
	put(s.rb, 60, 4);
	ok(refused(&s, LX_ECORRUPT, "2^60 descriptors"), "count_bits 60 refused");
	put(s.rb, CB, 4);
	put(s.rb + 48, 2, 4);
	ok(refused(&s, LX_ECORRUPT, NULL), "size_bits 2 refused");
	put(s.rb + 48, SB, 4);
	put(s.rb + 24, HEAD_ID(&s) + 100, 8);
	ok(refused(&s, LX_ECORRUPT, "head and tail ids"), "head and tail more than the ring apart");
	put(s.rb + 24, HEAD_ID(&s) - 100, 8);
	put(s.rb + 64, HEAD_LPOS(&s) + 4096, 8);
	ok(refused(&s, LX_ECORRUPT, "text head and tail"), "text head and tail too far apart");
	put(s.rb + 64, HEAD_LPOS(&s) - 4096, 8);
	put(s.rb + 8, 0x1000, 8);
	ok(refused(&s, EFAULT, "cannot read the printk ring's descriptors"),
	   "unreadable descriptors: the read error, nothing left allocated");
}

/* Follow the ring as it is written: read_from the id after the last one
 * taken, as a follower does (a record caught mid-write ends the batch; a
 * lost or damaged one is passed).  ORACLE gets what a full read shows of
 * the same records. */
static void follow(struct sim *s, uint64_t *from, char *all, char *oracle,
		   size_t cap, uint64_t *missed)
{
	struct lx_mem m = { sim_read, s };
	struct lx_printk_log log, full;
	struct kit_err e = { 0 };
	uint64_t start = *from & IDMASK;
	size_t i;

	if (lx_printk_read_from(&m, &L, RB_AT, *from, &log, &e) < 0) {
		printf("# %s\n", e.msg);
		return;
	}
	*missed += log.missed;
	for (i = 0; i < log.n && log.recs[i].state != LX_REC_WRITING; i++) {
		if (log.recs[i].state == LX_REC_OK)
			snprintf(all + strlen(all), cap - strlen(all), "%s|", log.recs[i].text);
		*from = log.recs[i].id + 1;
	}
	if (lx_printk_read(&m, &L, RB_AT, &full, &e) == 0) {
		for (i = 0; i < full.n; i++)
			if (((full.recs[i].id - start) & IDMASK) < COUNT &&
			    ((full.recs[i].id - start) & IDMASK) <=
			    ((full.head_id - start) & IDMASK) &&
			    full.recs[i].state == LX_REC_OK)
				snprintf(oracle + strlen(oracle), cap - strlen(oracle),
					 "%s|", full.recs[i].text);
		lx_printk_log_free(&full);
	}
	lx_printk_log_free(&log);
}

static void test_follow(void)
{
	struct sim s;
	char all[8192] = "", oracle[8192] = "", t[64];
	uint64_t from, missed = 0;
	int i, nok = 0;

	sim_init(&s);
	from = (HEAD_ID(&s) + 1) & IDMASK;
	follow(&s, &from, all, oracle, sizeof(all), &missed);
	ok(all[0] == '\0' && missed == 0, "an empty ring: nothing new, no error");
	for (i = 0; i < 40; i++) {
		emit_nth(&s, "line ", i, (uint64_t)i);
		if (i % 3 == 2)
			follow(&s, &from, all, oracle, sizeof(all), &missed);
	}
	follow(&s, &from, all, oracle, sizeof(all), &missed);
	is_str(all, oracle, "read in batches of three: what a full read shows, once, in order");
	for (i = 0; i < 40; i++) {
		snprintf(t, sizeof(t), "line %d|", i);
		nok += strstr(all, t) != NULL;
	}
	printf("# %d of 40 records read\n", nok);
	ok(nok >= 20 && strstr(all, "line 39|"), "most records read, the last one too");
	is_int((long)missed, 0, "none missed");
	follow(&s, &from, all, oracle, sizeof(all), &missed);
	is_str(all, oracle, "read again at the head: nothing new");
	for (i = 0; i < 3 * (int)COUNT; i++) {
		snprintf(t, sizeof(t), "more %d", i);
		emit(&s, t, 2, 6, 1, (uint64_t)i);
	}
	all[0] = '\0';
	follow(&s, &from, all, oracle, sizeof(all), &missed);
	ok(missed > 0 && strstr(all, t) != NULL,
	   "a reader too slow for the ring: the lost records counted, the rest read");
	from = (from + IDMASK / 2 + 5) & IDMASK;
	all[0] = '\0';
	missed = 0;
	follow(&s, &from, all, oracle, sizeof(all), &missed);
	ok(missed == 0 && strstr(all, t) != NULL, "an id ahead of the head: read from the tail");
}

/* The checks at their bounds: what is just inside is read, what is just
 * outside refused or reported. */
static void test_bounds(void)
{
	struct sim s, base;
	struct rd r = { 0 };
	uint64_t a, b, c;

	sim_init(&base);
	a = emit(&base, "abc", 2, 6, 1, 1000);
	b = emit(&base, "defgh", 2, 6, 1, 2000);
	c = emit(&base, "last", 2, 6, 1, 3000);

	/* the head record reserved: caught mid-write, the others read */
	s = base;
	put(DESC(&s, c), SV(c, 0), 8);
	rd(&r, &s, 0);
	ok(has(&r, "] defgh\n<record id 0x", "being written: caught mid-write (reserved)>\n", NULL) &&
	   !strstr(r.out, "last"), "the head record reserved: a note, the records before it read");
	ok(r.log.n && r.log.recs[r.log.n - 1].state == LX_REC_WRITING &&
	   !r.log.recs[r.log.n - 1].seq_valid, "it is LX_REC_WRITING, its seq not trusted");
	is_int(r.log.gaps, 0, "a record at the head being written is no gap");

	/* a text block that names another id, at its begin */
	s = base;
	put(s.data + (got(DESC(&s, b) + 8) & (DSIZE - 1)), a, 8);
	rd(&r, &s, 0);
	ok(has(&r, "damaged: text block at 0x", "belongs to id 0x", "] abc\n", "] last\n", NULL) &&
	   !strstr(r.out, "defgh"), "a text block of another id: damaged, the others read");
	is_int(r.log.nbad, 1, "one damaged record");

	/* text_len: the whole 8 bytes of "abc"'s 16-byte block, then one more */
	s = base;
	put(INFO(&s, a) + 16, 8, 2);
	rd(&r, &s, 0);
	ok(has(&r, "] abc\\x00\\x00\\x00\\x00\\x00\n", NULL), "text_len the size of the block: read");
	put(INFO(&s, a) + 16, 9, 2);
	rd(&r, &s, 0);
	ok(has(&r, "text_len 9 is more than its 8-byte text block holds>\n", NULL),
	   "text_len one byte more than the block: damaged");

	/* head and tail ids: COUNT - 1 apart is a full ring, COUNT is not */
	s = base;
	put(s.rb + 24, (TAIL_ID(&s) + COUNT - 1) & IDMASK, 8);
	ok(rd(&r, &s, 0) != NULL && r.log.n == COUNT, "head COUNT - 1 after the tail: COUNT records read");
	rd_free(&r);
	put(s.rb + 24, (TAIL_ID(&s) + COUNT) & IDMASK, 8);
	ok(refused(&s, LX_ECORRUPT, "head and tail ids"), "head COUNT after the tail: refused");
	put(s.rb + 24, TAIL_ID(&s) | (UINT64_C(1) << 62), 8);
	ok(refused(&s, LX_ECORRUPT, "head and tail ids"), "a head id with state bits set: refused");

	/* count_bits and size_bits at and beyond their bounds */
	s = base;
	put(s.rb, 0, 4);
	ok(refused(&s, LX_ECORRUPT, "2^0 descriptors"), "count_bits 0 refused");
	put(s.rb, LX_PRB_MAX_COUNT_BITS + 1, 4);
	ok(refused(&s, LX_ECORRUPT, "descriptors (1 to 2^18"), "count_bits one above the bound refused");
	put(s.rb, 0xffffffff, 4);
	ok(refused(&s, LX_ECORRUPT, NULL), "count_bits 0xffffffff refused");
	put(s.rb, LX_PRB_MAX_COUNT_BITS, 4);
	ok(refused(&s, EFAULT, NULL),
	   "count_bits at the bound: taken, the descriptors then read (and missing here)");
	s = base;
	put(s.rb + 48, 3, 4);
	ok(refused(&s, LX_ECORRUPT, "2^3 bytes"), "size_bits 3 refused");
	put(s.rb + 48, LX_PRB_MAX_SIZE_BITS + 1, 4);
	ok(refused(&s, LX_ECORRUPT, "2^26 bytes"), "size_bits one above the bound refused");
	put(s.rb + 48, LX_PRB_MAX_SIZE_BITS, 4);
	ok(refused(&s, EFAULT, NULL),
	   "size_bits at the bound: taken, the text then read (and missing here), nothing left allocated");
}

static void test_random(void)
{
	struct sim s, base;
	struct rd r = { 0 };
	char t[32];
	int i, j, ran = 0;

	srand(1);
	sim_init(&base);
	for (i = 0; i < 37; i++) {
		snprintf(t, sizeof(t), "message number %d", i);
		emit(&base, t, i % 3 ? 2 : 8, 6, (uint32_t)(i % 2), (uint64_t)i);
	}
	for (i = 0; i < 3000; i++) {
		uint8_t *area[] = { s.rb, s.descs, s.infos, s.data };
		size_t len[] = { sizeof(s.rb), sizeof(s.descs), sizeof(s.infos), sizeof(s.data) };

		s = base;
		for (j = 0; j < 1 + i % 8; j++) {
			int a = rand() % 4;

			area[a][(size_t)rand() % len[a]] ^= (uint8_t)(1 + rand() % 255);
		}
		ran += rd(&r, &s, 0) != NULL || r.e.code != 0;
		rd_free(&r);
		{
			struct lx_mem m = { sim_read, &s };
			uint64_t from = (HEAD_ID(&base) - (uint64_t)(rand() % 40)) & IDMASK;

			if (lx_printk_read_from(&m, &L, RB_AT, from, &r.log, &r.e) == 0)
				lx_printk_log_free(&r.log);
		}
	}
	is_int(ran, 3000, "3000 randomly damaged rings: each read or refused, none crashed, also read from an id");
}

int main(void)
{
	struct btf *b = build_btf();
	const void *raw;
	uint32_t len;
	struct kit_err e = { 0 };
	struct ksym_btf *k;

	raw = btf__raw_data(b, &len);
	k = ksym_btf_from_raw(raw, len, &e);
	ok(k != NULL, "the test BTF loads");
	if (!k) {
		printf("# %s\n", e.msg);
		return tap_done();
	}
	test_layout(k);
	test_ordinary();
	test_cont();
	test_wrap();
	test_midwrite();
	test_corrupt();
	test_dropped();
	test_header();
	test_follow();
	test_bounds();
	test_random();
	ksym_btf_free(k);
	btf__free(b);
	return tap_done();
}
