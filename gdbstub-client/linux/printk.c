/*
 * printk.c: the records of the kernel's lockless printk ring buffer
 * (kernel/printk/printk_ringbuffer.[ch], Linux 5.10+), read from a
 * stopped guest.
 *
 * The ring in brief.  A descriptor ring of 2^count_bits descriptors, each
 * with a state_var (the descriptor's id in the low bits, its state in the
 * top two: reserved 0, committed 1, finalized 2, reusable 3) and the
 * logical positions (lpos) of its text block; a parallel array of
 * printk_info (seq, ts_nsec, text_len, ...); and a data ring of
 * 2^size_bits bytes.  Ids and lpos grow without bound (mod 2^BITS_PER_LONG
 * for lpos, mod 2^(BITS_PER_LONG - 2) for ids); id N lives in descriptor
 * N mod count, and so does seq N (the kernel keeps seq = index mod count).
 * The live records are the ids tail_id..head_id.  A text block is a long
 * (the id of its descriptor) and the text; it starts at lpos begin and
 * ends before next.  A block that would cross the end of the data array
 * is put at its start instead: then begin is in the wrap before next's
 * and the block is the first (next mod size) bytes.  begin = next = 1:
 * no data (the reservation failed), begin = next = 3: empty text.
 *
 * Everything read here is checked against those rules; see lx.h.
 */
#include "lx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define FAILED_LPOS 0x1
#define NO_LPOS 0x3

enum { ST_RESERVED, ST_COMMITTED, ST_FINALIZED, ST_REUSABLE };

struct ring {
	const struct lx_prb_layout *l;
	uint64_t lmask, idmask;  /* unsigned long; its id bits */
	unsigned shift;          /* of the state bits in state_var */
	unsigned cb, sb;
	uint64_t count, dsize;
	uint64_t head_id, tail_id, head_lpos, tail_lpos;
	uint8_t *rb, *descs, *infos, *data;
};

static uint64_t get(const uint8_t *base, const struct lx_fld *f)
{
	uint64_t v = 0;
	unsigned i;

	if (!f->present)
		return 0;
	for (i = 0; i < f->size; i++)
		v |= (uint64_t)base[f->off + i] << (8 * i);
	if (f->bit_size) {
		v >>= f->bit_off;
		if (f->bit_size < 64)
			v &= (UINT64_C(1) << f->bit_size) - 1;
	}
	return v;
}

static uint64_t get_long(const struct ring *r, const uint8_t *p)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < r->l->lsz; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Bytes [off, off + len) of the area at BASE into DST + off. */
static int read_part(const struct lx_mem *m, uint64_t base, uint64_t off,
		     uint64_t len, uint8_t *dst, const char *what,
		     struct kit_err *err)
{
	struct kit_err e = { 0 };

	if (!len)
		return 0;
	if (base == 0 || base + off + len < base)
		return kit_seterr(err, LX_ECORRUPT, "the printk ring's %s is at "
				  "0x%llx, not a place to read", what,
				  (unsigned long long)base);
	if (m->read(m->ctx, base + off, dst + off, len, &e) < 0)
		return kit_seterr(err, e.code ? e.code : EIO, "cannot read the printk "
				  "ring's %s (%llu bytes at 0x%llx): %s", what,
				  (unsigned long long)len,
				  (unsigned long long)(base + off), e.msg);
	return 0;
}

/* Read LEN bytes at ADDR into a new buffer (*out). */
static int read_area(const struct lx_mem *m, uint64_t addr, uint64_t len,
		     const char *what, uint8_t **out, struct kit_err *err)
{
	if (addr == 0 || addr + len < addr)
		return kit_seterr(err, LX_ECORRUPT, "the printk ring's %s is at "
				  "0x%llx, not a place to read %llu bytes", what,
				  (unsigned long long)addr, (unsigned long long)len);
	*out = malloc(len ? len : 1);
	if (!*out)
		return kit_seterr(err, ENOMEM, "out of memory for the printk ring's %s", what);
	if (read_part(m, addr, 0, len, *out, what, err) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static uint64_t wraps(const struct ring *r, uint64_t lpos)
{
	return (lpos & r->lmask) >> r->sb;
}

/* Is LPOS within tail_lpos..head_lpos (both ends included)? */
static int in_window(const struct ring *r, uint64_t lpos)
{
	return ((lpos - r->tail_lpos) & r->lmask) <=
	       ((r->head_lpos - r->tail_lpos) & r->lmask);
}

/* The struct printk_ringbuffer, checked. */
static int read_header(const struct lx_mem *m, uint64_t prb, struct ring *r,
		       struct kit_err *err)
{
	const struct lx_prb_layout *l = r->l;
	uint64_t used;

	if (read_area(m, prb, l->rb_size, "header", &r->rb, err) < 0)
		return -1;
	r->lmask = l->lsz == 8 ? UINT64_MAX : UINT32_MAX;
	r->shift = l->lsz * 8 - 2;
	r->idmask = r->lmask >> 2;
	r->cb = (unsigned)get(r->rb, &l->count_bits);
	r->sb = (unsigned)get(r->rb, &l->size_bits);
	if (r->cb < 1 || r->cb > LX_PRB_MAX_COUNT_BITS)
		return kit_seterr(err, LX_ECORRUPT, "the printk ring claims 2^%u "
				  "descriptors (1 to 2^%d make sense)", r->cb,
				  LX_PRB_MAX_COUNT_BITS);
	if (r->sb < 4 || r->sb > LX_PRB_MAX_SIZE_BITS)
		return kit_seterr(err, LX_ECORRUPT, "the printk ring claims 2^%u bytes "
				  "of text (2^4 to 2^%d make sense)", r->sb,
				  LX_PRB_MAX_SIZE_BITS);
	r->count = UINT64_C(1) << r->cb;
	r->dsize = UINT64_C(1) << r->sb;
	r->head_id = get(r->rb, &l->head_id) & r->lmask;
	r->tail_id = get(r->rb, &l->tail_id) & r->lmask;
	r->head_lpos = get(r->rb, &l->head_lpos);
	r->tail_lpos = get(r->rb, &l->tail_lpos);
	if ((r->head_id & ~r->idmask) || (r->tail_id & ~r->idmask) ||
	    ((r->head_id - r->tail_id) & r->idmask) >= r->count)
		return kit_seterr(err, LX_ECORRUPT, "the printk ring's head and tail "
				  "ids (0x%llx, 0x%llx) are not within %llu of each other",
				  (unsigned long long)r->head_id,
				  (unsigned long long)r->tail_id,
				  (unsigned long long)r->count);
	used = (r->head_lpos - r->tail_lpos) & r->lmask;
	if (used > r->dsize)
		return kit_seterr(err, LX_ECORRUPT, "the printk ring's text head and "
				  "tail (0x%llx, 0x%llx) are more than its %llu bytes apart",
				  (unsigned long long)r->head_lpos,
				  (unsigned long long)r->tail_lpos,
				  (unsigned long long)r->dsize);
	return 0;
}

/* The three areas the header points to, whole. */
static int read_ring(const struct lx_mem *m, uint64_t prb, struct ring *r,
		     struct kit_err *err)
{
	const struct lx_prb_layout *l = r->l;

	if (read_header(m, prb, r, err) < 0 ||
	    read_area(m, get(r->rb, &l->descs), r->count * l->desc_size,
		      "descriptors", &r->descs, err) < 0 ||
	    read_area(m, get(r->rb, &l->infos), r->count * l->info_size,
		      "record infos", &r->infos, err) < 0 ||
	    read_area(m, get(r->rb, &l->data), r->dsize, "text", &r->data, err) < 0)
		return -1;
	return 0;
}

/* Entries [idx, idx + n) mod count of the array at BASE (SIZE bytes each). */
static int read_slots(const struct lx_mem *m, const struct ring *r,
		      uint64_t base, uint32_t size, uint64_t idx, uint64_t n,
		      uint8_t *dst, const char *what, struct kit_err *err)
{
	uint64_t first = n < r->count - idx ? n : r->count - idx;

	if (read_part(m, base, idx * size, first * size, dst, what, err) < 0)
		return -1;
	return read_part(m, base, 0, (n - first) * size, dst, what, err);
}

/* Text bytes [lpos, lpos + len) of the data ring (len <= dsize). */
static int read_text(const struct lx_mem *m, const struct ring *r, uint64_t base,
		     uint64_t lpos, uint64_t len, struct kit_err *err)
{
	uint64_t off = lpos & (r->dsize - 1);
	uint64_t first = len < r->dsize - off ? len : r->dsize - off;

	if (read_part(m, base, off, first, r->data, "text", err) < 0)
		return -1;
	return read_part(m, base, 0, len - first, r->data, "text", err);
}

/*
 * The part of the ring that records FROM..head use: their descriptors and
 * infos, and the text from FROM's block to head_lpos (all of it when
 * FROM's descriptor does not say where its block begins).  The areas are
 * allocated whole, so the record readers index them as usual.
 */
static int read_ring_from(const struct lx_mem *m, uint64_t from, struct ring *r,
			  struct kit_err *err)
{
	const struct lx_prb_layout *l = r->l;
	uint64_t n = ((r->head_id - from) & r->idmask) + 1;
	uint64_t idx = from & (r->count - 1), sv, begin, span;
	const uint8_t *d;

	r->descs = calloc(r->count, l->desc_size);
	r->infos = calloc(r->count, l->info_size);
	r->data = calloc(r->dsize, 1);
	if (!r->descs || !r->infos || !r->data)
		return kit_seterr(err, ENOMEM, "out of memory for the printk ring");
	if (read_slots(m, r, get(r->rb, &l->descs), l->desc_size, idx, n,
		       r->descs, "descriptors", err) < 0 ||
	    read_slots(m, r, get(r->rb, &l->infos), l->info_size, idx, n,
		       r->infos, "record infos", err) < 0)
		return -1;
	d = r->descs + idx * l->desc_size;
	sv = get(d, &l->state_var);
	begin = get(d, &l->begin) & r->lmask;
	span = (r->head_lpos - begin) & r->lmask;
	if ((sv & r->idmask) != from || (begin & 1) || !in_window(r, begin) ||
	    span > r->dsize)
		span = r->dsize;   /* cannot tell: all of it */
	return read_text(m, r, get(r->rb, &l->data),
			 span == r->dsize ? 0 : begin, span, err);
}

__attribute__((format(printf, 3, 4)))
static void set_state(struct lx_printk_rec *rec, enum lx_rec_state st,
		      const char *fmt, ...)
{
	va_list ap;

	rec->state = st;
	va_start(ap, fmt);
	vsnprintf(rec->problem, sizeof(rec->problem), fmt, ap);
	va_end(ap);
}

/* Check the text block BEGIN..NEXT of REC and copy its text. */
static void get_text(const struct ring *r, uint64_t begin, uint64_t next,
		     size_t text_len, struct lx_printk_rec *rec)
{
	uint64_t off, size, blk, lsz = r->l->lsz;

	if ((begin & 1) && (next & 1)) {
		if (begin == NO_LPOS && next == NO_LPOS && text_len == 0) {
			rec->text = strdup("");
			if (!rec->text)
				set_state(rec, LX_REC_BAD, "out of memory");
		} else if (begin == FAILED_LPOS && next == FAILED_LPOS)
			set_state(rec, LX_REC_LOST, "no text: its reservation failed");
		else
			set_state(rec, LX_REC_BAD, "text block 0x%llx..0x%llx with "
				  "text_len %zu is not a data-less block",
				  (unsigned long long)begin, (unsigned long long)next,
				  text_len);
		return;
	}
	if (wraps(r, begin) == wraps(r, next) && begin < next) {
		off = begin & (r->dsize - 1);
		size = next - begin;
	} else if (wraps(r, begin + r->dsize) == wraps(r, next)) {
		off = 0;   /* wrapped: the block is at the start */
		size = next & (r->dsize - 1);
	} else {
		set_state(rec, LX_REC_BAD, "text block 0x%llx..0x%llx is not a "
			  "block of a %llu-byte ring", (unsigned long long)begin,
			  (unsigned long long)next, (unsigned long long)r->dsize);
		return;
	}
	if (begin % lsz || next % lsz || size < lsz || !in_window(r, begin) ||
	    !in_window(r, next)) {
		set_state(rec, LX_REC_BAD, "text block 0x%llx..0x%llx is misaligned, "
			  "too small or outside the live text 0x%llx..0x%llx",
			  (unsigned long long)begin, (unsigned long long)next,
			  (unsigned long long)r->tail_lpos,
			  (unsigned long long)r->head_lpos);
		return;
	}
	/* off is aligned and dsize a multiple of lsz: the id fits. */
	blk = get_long(r, r->data + off);
	if (blk != rec->id || get_long(r, r->data + (begin & (r->dsize - 1))) != rec->id) {
		set_state(rec, LX_REC_BAD, "text block at 0x%llx belongs to id 0x%llx",
			  (unsigned long long)begin, (unsigned long long)blk);
		return;
	}
	if (text_len > size - lsz) {
		set_state(rec, LX_REC_BAD, "text_len %zu is more than its %llu-byte "
			  "text block holds", text_len,
			  (unsigned long long)(size - lsz));
		return;
	}
	rec->text = malloc(text_len + 1);
	if (!rec->text) {
		set_state(rec, LX_REC_BAD, "out of memory");
		return;
	}
	memcpy(rec->text, r->data + off + lsz, text_len);
	rec->text[text_len] = '\0';
	rec->text_len = text_len;
}

/* Record ID (the I-th from the tail; LAST: the head). */
static void read_rec(const struct ring *r, uint64_t id, int last,
		     struct lx_printk_rec *rec)
{
	const struct lx_prb_layout *l = r->l;
	uint64_t idx = id & (r->count - 1);
	const uint8_t *d = r->descs + idx * l->desc_size;
	const uint8_t *in = r->infos + idx * l->info_size;
	uint64_t sv = get(d, &l->state_var), did = sv & r->idmask;
	unsigned st = (unsigned)((sv >> r->shift) & 3);

	rec->id = id;
	if (did != id) {
		if (last && did == ((id - r->count) & r->idmask) && st == ST_REUSABLE)
			set_state(rec, LX_REC_WRITING, "caught mid-write (the head "
				  "descriptor still holds its previous id)");
		else
			set_state(rec, LX_REC_BAD, "descriptor %llu holds id 0x%llx, "
				  "not 0x%llx", (unsigned long long)idx,
				  (unsigned long long)did, (unsigned long long)id);
		return;
	}
	rec->seq = get(in, &l->seq);
	rec->ts_nsec = get(in, &l->ts_nsec);
	rec->level = (unsigned)get(in, &l->level);
	rec->facility = (unsigned)get(in, &l->facility);
	rec->flags = (unsigned)get(in, &l->flags);
	rec->caller_id = (uint32_t)get(in, &l->caller_id);
	rec->seq_valid = (rec->seq & (r->count - 1)) == idx;
	if (st == ST_RESERVED) {
		rec->seq_valid = 0; /* the writer sets seq after reserving */
		set_state(rec, LX_REC_WRITING, "caught mid-write (reserved)");
		return;
	}
	if (st == ST_REUSABLE) {
		set_state(rec, LX_REC_LOST, "overwritten (reusable)");
		return;
	}
	if (!rec->seq_valid) {
		set_state(rec, LX_REC_BAD, "sequence number %llu does not belong to "
			  "descriptor %llu", (unsigned long long)rec->seq,
			  (unsigned long long)idx);
		return;
	}
	rec->state = st == ST_FINALIZED ? LX_REC_OK : LX_REC_OPEN;
	get_text(r, get(d, &l->begin) & r->lmask, get(d, &l->next) & r->lmask,
		 (size_t)get(in, &l->text_len), rec);
}

/* first_seq, dropped, gaps and the counts, from the records read. */
static void account(struct lx_printk_log *log)
{
	int have = 0;
	uint64_t prev = 0;
	size_t i;

	for (i = 0; i < log->n; i++) {
		struct lx_printk_rec *rec = &log->recs[i];

		if (rec->state == LX_REC_OK || rec->state == LX_REC_OPEN) {
			if (have && rec->seq <= prev) {
				set_state(rec, LX_REC_BAD, "sequence number %llu after "
					  "%llu", (unsigned long long)rec->seq,
					  (unsigned long long)prev);
				free(rec->text);
				rec->text = NULL;
				rec->text_len = 0;
			} else {
				if (!have)
					log->first_seq = rec->seq;
				else
					log->gaps += rec->seq - prev - 1;
				have = 1;
				prev = rec->seq;
				log->next_seq = prev + 1;
			}
		}
		log->nbad += rec->state == LX_REC_BAD;
		log->nwriting += rec->state == LX_REC_WRITING;
		log->nlost += rec->state == LX_REC_LOST;
	}
	log->dropped = log->first_seq;
}

/* The records FIRST..head of the ring read into R, into LOG. */
static int take_records(struct ring *r, uint64_t first, struct lx_printk_log *log,
			struct kit_err *err)
{
	uint64_t i, n = ((r->head_id - first) & r->idmask) + 1; /* <= count */

	log->recs = calloc(n, sizeof(*log->recs));
	if (!log->recs)
		return kit_seterr(err, ENOMEM, "out of memory for %llu printk records",
				  (unsigned long long)n);
	log->n = n;
	for (i = 0; i < n; i++)
		read_rec(r, (first + i) & r->idmask, i == n - 1, &log->recs[i]);
	log->count_bits = r->cb;
	log->size_bits = r->sb;
	log->head_id = r->head_id;
	log->tail_id = r->tail_id;
	log->fail = get(r->rb, &r->l->fail);
	account(log);
	return 0;
}

static void ring_free(struct ring *r)
{
	free(r->rb);
	free(r->descs);
	free(r->infos);
	free(r->data);
}

int lx_printk_read(const struct lx_mem *m, const struct lx_prb_layout *l,
		   uint64_t prb, struct lx_printk_log *log, struct kit_err *err)
{
	struct ring r;
	int ret = -1;

	memset(log, 0, sizeof(*log));
	memset(&r, 0, sizeof(r));
	r.l = l;
	if (read_ring(m, prb, &r, err) == 0 && take_records(&r, r.tail_id, log, err) == 0)
		ret = 0;
	ring_free(&r);
	if (ret < 0)
		lx_printk_log_free(log);
	return ret;
}

int lx_printk_read_from(const struct lx_mem *m, const struct lx_prb_layout *l,
			uint64_t prb, uint64_t from, struct lx_printk_log *log,
			struct kit_err *err)
{
	struct ring r;
	uint64_t ahead, span;
	int ret = -1;

	memset(log, 0, sizeof(*log));
	memset(&r, 0, sizeof(r));
	r.l = l;
	if (read_header(m, prb, &r, err) < 0)
		goto out;
	from &= r.idmask;
	ahead = (r.head_id - from) & r.idmask;       /* from .. head */
	span = (r.head_id - r.tail_id) & r.idmask;   /* tail .. head */
	if (ahead == r.idmask) {
		/* from is one past the head: nothing new */
		log->head_id = r.head_id;
		log->tail_id = r.tail_id;
		log->count_bits = r.cb;
		log->size_bits = r.sb;
		ret = 0;
		goto out;
	}
	if (ahead > r.idmask / 4) {
		from = r.tail_id;    /* ahead of the head: a new ring */
	} else if (ahead > span) {
		/* from was overwritten: from the tail, the rest missed */
		log->missed = ahead - span;
		from = r.tail_id;
	}
	if (read_ring_from(m, from, &r, err) == 0 && take_records(&r, from, log, err) == 0)
		ret = 0;
out:
	ring_free(&r);
	if (ret < 0)
		lx_printk_log_free(log);
	return ret;
}

void lx_printk_log_free(struct lx_printk_log *log)
{
	size_t i;

	if (!log)
		return;
	for (i = 0; i < log->n; i++)
		free(log->recs[i].text);
	free(log->recs);
	memset(log, 0, sizeof(*log));
}
