/*
 * kallsyms.c: decode the kernel's own symbol tables (scripts/kallsyms.c
 * writes them; kernel/kallsyms.c reads them) from a stripped image.
 *
 * The tables, all in .rodata:
 *   kallsyms_num_syms    le32 N
 *   kallsyms_names       N entries: a length (one byte; since 6.1 a byte
 *                        with bit 7 set is followed by a second one:
 *                        len = (b0 & 0x7f) | b1 << 7), then that many
 *                        token indices.  The expansion's first character
 *                        is the symbol type, the rest its name.
 *   kallsyms_markers     ceil(N / 256) offsets into names, of entries
 *                        0, 256, 512 ...: le32, or le64 in older kernels
 *   kallsyms_token_table 256 NUL-terminated strings
 *   kallsyms_token_index 256 le16 offsets into token_table
 *   kallsyms_offsets     N le32 (base relative) with kallsyms_relative_base
 *                        (le64) after them; or kallsyms_addresses, N le64
 *   kallsyms_seqs_of_names  N 3-byte big-endian indices in name order
 *                        (6.2+, backported by Debian to 6.1)
 *
 * Their order changed over the years (offsets first up to 6.3, after
 * token_index since 6.4; seqs_of_names before token_table in 6.2/6.3 and
 * last since 6.4), and each label is aligned to 4 or 8 bytes.  Nothing here
 * trusts a version: each table is found by what its data must satisfy.
 *   1. token_index: 256 increasing le16, the first 0, each pointing just
 *      past the NUL of the token before it in a table that ends (padded
 *      with fewer than 8 zeros) where the index starts.
 *   2. num_syms + names: a le32 N followed by names that decode, entry by
 *      entry, into a letter and printable characters, N times; then the
 *      markers must equal the offsets of every 256th entry, exactly.
 *   3. offsets + relative_base: tried at each place a layout puts them;
 *      the decoded addresses must not decrease and _text must resolve to
 *      the start of the kernel text.
 *   4. seqs_of_names: a permutation of 0..N-1 where a layout puts it.
 * Every read is bounds-checked against the region, and decoding is linear
 * in the table size, so hostile data ends in KSYM_ENOKALLSYMS, never a
 * crash or a loop.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

struct region {
	const uint8_t *d;
	size_t len;
	uint64_t vaddr;
};

struct tokens {
	size_t table, index;       /* offsets in the region */
	const char *tok[256];
	uint8_t toklen[256];
};

struct names {
	size_t num_syms_at, start, end;
	uint32_t n;
	int big;
	char *buf;                 /* expanded "Tname\0" strings */
	size_t buflen, bufcap;
	uint32_t *at;              /* start of each in buf */
	uint32_t *entry_off;       /* offset of every 256th entry */
	long text_idx, stext_idx;  /* index of _text / _stext, or -1 */
};

static size_t align_up(const struct region *r, size_t off, unsigned a)
{
	uint64_t v = r->vaddr + off;

	return off + (size_t)((a - v % a) % a);
}

/* ---- 1. token table ---------------------------------------------------- */

static int try_tokens(const struct region *r, size_t off, struct tokens *tk)
{
	const uint8_t *p = r->d + off;
	uint16_t idx[256];
	size_t i, tt, last, lo;

	if (off + 512 > r->len || p[0] || p[1])
		return 0;
	for (i = 0; i < 256; i++) {
		idx[i] = ksym_le16(p + 2 * i);
		if (i && idx[i] < idx[i - 1] + 2)
			return 0;
	}
	last = idx[255];
	if (off < last + 2)
		return 0;
	lo = off - last - 2 > 72 ? off - last - 2 - 72 : 0;
	for (tt = off - last - 2 + 1; tt-- > lo;) {
		size_t z = tt + last, k;
		int good = 1;

		while (z < off && r->d[z])
			z++;
		if (z >= off || z == tt + last || off - z - 1 >= 8)
			continue;
		for (k = z + 1; k < off; k++)
			if (r->d[k])
				good = 0;
		for (i = 0; good && i < 256; i++) {
			size_t a = tt + idx[i], b = i < 255 ? tt + idx[i + 1] - 1 : z, c;

			if (r->d[b])
				good = 0;
			for (c = a; good && c < b; c++)
				if (r->d[c] < 0x20 || r->d[c] >= 0x7f)
					good = 0;
		}
		if (!good)
			continue;
		tk->table = tt;
		tk->index = off;
		for (i = 0; i < 256; i++) {
			size_t b = i < 255 ? (size_t)idx[i + 1] - 1 : z - tt;

			tk->tok[i] = (const char *)r->d + tt + idx[i];
			tk->toklen[i] = (uint8_t)(b - idx[i] > 255 ? 255 : b - idx[i]);
		}
		return 1;
	}
	return 0;
}

/* ---- 2. names and markers ---------------------------------------------- */

/* Length of the entry at *q; advances *q past it.  0 on error. */
static size_t entry_len(const struct region *r, size_t *q, int big)
{
	size_t len;

	if (*q >= r->len)
		return 0;
	len = r->d[*q];
	if (big && (len & 0x80)) {
		if (*q + 1 >= r->len)
			return 0;
		len = (len & 0x7f) | (size_t)r->d[*q + 1] << 7;
		*q += 2;
	} else {
		*q += 1;
	}
	if (len == 0 || len > r->len - *q)
		return 0;
	return len;
}

/* Cheap test of the first few entries at S: letters and printable text. */
static int names_plausible(const struct region *r, const struct tokens *tk,
			   size_t s, uint32_t n, int big)
{
	uint32_t i;
	size_t q = s;

	for (i = 0; i < n && i < 8; i++) {
		size_t len = entry_len(r, &q, big), j, k, chars = 0;

		if (!len)
			return 0;
		for (j = 0; j < len; j++) {
			uint8_t t = r->d[q + j];

			for (k = 0; k < tk->toklen[t]; k++, chars++) {
				int c = (unsigned char)tk->tok[t][k];

				if (chars == 0 ? !isalpha(c) : (c <= 0x20 || c >= 0x7f))
					return 0;
			}
		}
		if (chars < 2)
			return 0;
		q += len;
	}
	return 1;
}

static void names_free(struct names *nm)
{
	free(nm->buf);
	free(nm->at);
	free(nm->entry_off);
	memset(nm, 0, sizeof *nm);
}

/* Decode N names at S; -1 on malformed data, -2 without memory. */
static int names_decode(const struct region *r, const struct tokens *tk,
			size_t s, uint32_t n, int big, struct names *nm)
{
	size_t q = s;
	uint32_t i;

	memset(nm, 0, sizeof *nm);
	nm->at = malloc((size_t)n * sizeof *nm->at);
	nm->entry_off = malloc(((size_t)n / 256 + 1) * sizeof *nm->entry_off);
	nm->bufcap = (size_t)n * 32;
	nm->buf = malloc(nm->bufcap);
	if (!nm->at || !nm->entry_off || !nm->buf)
		return -2;
	nm->text_idx = nm->stext_idx = -1;
	for (i = 0; i < n; i++) {
		size_t len, j, start = nm->buflen;

		if (i % 256 == 0)
			nm->entry_off[i / 256] = (uint32_t)(q - s);
		len = entry_len(r, &q, big);
		if (!len)
			return -1;
		for (j = 0; j < len; j++) {
			uint8_t t = r->d[q + j];

			if (nm->buflen + tk->toklen[t] + 1 > nm->bufcap) {
				void *p = realloc(nm->buf, nm->bufcap * 2);

				if (!p)
					return -2;
				nm->buf = p;
				nm->bufcap *= 2;
			}
			memcpy(nm->buf + nm->buflen, tk->tok[t], tk->toklen[t]);
			nm->buflen += tk->toklen[t];
		}
		if (nm->buflen - start < 2 || !isalpha((unsigned char)nm->buf[start]))
			return -1;
		nm->buf[nm->buflen++] = 0;
		nm->at[i] = (uint32_t)start;
		if (!strcmp(nm->buf + start + 1, "_text"))
			nm->text_idx = i;
		else if (!strcmp(nm->buf + start + 1, "_stext") && nm->stext_idx < 0)
			nm->stext_idx = i;
		q += len;
	}
	nm->start = s;
	nm->end = q;
	nm->n = n;
	nm->big = big;
	return 0;
}

/* Markers right after the names: width 4 or 8, label aligned 4 or 8. */
static int find_markers(const struct region *r, const struct names *nm,
			struct ksym_kallsyms_layout *lay)
{
	static const unsigned widths[] = { 4, 8 };
	size_t nmark = ((size_t)nm->n + 255) / 256, w, a;

	for (w = 0; w < 2; w++)
		for (a = 4; a <= 8; a += 4) {
			size_t m = align_up(r, nm->end, (unsigned)a), i;
			int good = 1;

			if (m > r->len || nmark > (r->len - m) / widths[w])
				continue;
			for (i = 0; good && i < nmark; i++) {
				uint64_t v = widths[w] == 4 ? ksym_le32(r->d + m + 4 * i)
							    : ksym_le64(r->d + m + 8 * i);
				if (v != nm->entry_off[i])
					good = 0;
			}
			if (good) {
				lay->markers_width = (int)widths[w];
				lay->markers_at = r->vaddr + m;
				return 1;
			}
		}
	return 0;
}

/* Try num_syms at P with names at S; 0 = found (nm filled), 1 = no, -1 = ENOMEM. */
static int try_names(const struct region *r, const struct tokens *tk, size_t p,
		     size_t s, uint32_t n, struct names *nm,
		     struct ksym_kallsyms_layout *lay, size_t markers_must)
{
	int big;

	for (big = 1; big >= 0; big--) {
		int rc;

		if (!names_plausible(r, tk, s, n, big))
			continue;
		rc = names_decode(r, tk, s, n, big, nm);
		if (rc == -2) {
			names_free(nm);
			return -1;
		}
		if (rc == 0 && find_markers(r, nm, lay) &&
		    (markers_must == (size_t)-1 || lay->markers_at == r->vaddr + markers_must)) {
			nm->num_syms_at = p;
			return 0;
		}
		names_free(nm);
	}
	return 1;
}

static uint64_t rdw(const struct region *r, size_t off, unsigned w)
{
	return w == 4 ? ksym_le32(r->d + off) : ksym_le64(r->d + off);
}

#define MAX_ENTRY 514   /* a length of up to two bytes and KSYM_NAME_LEN tokens */

/*
 * Markers first: an array starting with 0 whose steps are each the size
 * of 256 entries (at least 512 bytes); its last value bounds where the
 * names start, and N must be one that needs exactly that many markers.
 * Linear in the region; needs N > 256 (two markers or more).
 */
static int find_names_by_markers(const struct region *r, const struct tokens *tk,
				 struct names *nm, struct ksym_kallsyms_layout *lay)
{
	unsigned w;
	size_t off, i;
	/* Hostile data could make many false starts: bound the work. */
	uint64_t work = 0, budget = 200000000ull + 64ull * r->len;

	/* The markers sit just before the token table (or seqs_of_names) in
	 * every known layout: search outwards from it. */
	for (w = 4; w <= 8; w += 4)
		for (i = 0; i < r->len / 4; i++) {
			size_t k, m, back = (tk->table & ~(size_t)3) / 4;
			uint64_t m1;

			off = i <= back ? (back - i) * 4 : (i - back - 1) * 4 + ((tk->table + 3) & ~(size_t)3);
			if (off + 2 * (size_t)w > r->len || rdw(r, off, w))
				continue;
			m1 = rdw(r, off + w, w);
			if (m1 < 512 || m1 > 256 * MAX_ENTRY)
				continue;
			for (k = 2; k < 0x10000 && off + (k + 1) * w <= r->len; k++) {
				uint64_t a = rdw(r, off + (k - 1) * w, w), b = rdw(r, off + k * w, w);

				if (b <= a || b - a < 512 || b - a > 256 * MAX_ENTRY)
					break;
			}
			for (m = k; m >= 2; m--) {
				uint64_t last = rdw(r, off + (m - 1) * w, w);
				uint32_t nlo = (uint32_t)(256 * (m - 1) + 1), nhi = (uint32_t)(256 * m);
				size_t shi, slo, sp;

				if (last + 2 > off)
					continue;
				shi = off - (size_t)last - 2;
				slo = shi > 256 * MAX_ENTRY + 8 ? shi - 256 * MAX_ENTRY - 8 : 0;
				for (sp = shi + 1; sp-- > slo && sp >= 4;) {
					size_t p;
					uint32_t n;
					int rc;

					if ((r->vaddr + sp) % 4)
						continue;
					if (++work > budget)
						return 1;
					for (p = sp - 4;; p = sp - 8) {
						n = ksym_le32(r->d + p);
						if (n >= nlo && n <= nhi) {
							work += n;
							rc = try_names(r, tk, p, sp, n, nm, lay, off);
							if (rc <= 0)
								return rc;
						}
						if (p == sp - 8 || sp < 8 || (r->vaddr + sp) % 8 ||
						    ksym_le32(r->d + sp - 4))
							break;
					}
				}
			}
		}
	return 1;
}

static int find_names(const struct region *r, const struct tokens *tk,
		      struct names *nm, struct ksym_kallsyms_layout *lay,
		      struct kit_err *err)
{
	size_t p;
	int rc = find_names_by_markers(r, tk, nm, lay);

	if (rc < 0)
		return kit_seterr(err, ENOMEM, "out of memory");
	if (rc == 0)
		return 0;
	/* At most 256 symbols: one marker (0) says nothing; scan for N. */
	for (p = 0; p + 8 <= r->len; p += 4) {
		uint32_t n = ksym_le32(r->d + p);
		size_t s8 = align_up(r, p + 4, 8);

		if (n == 0 || n > 256)
			continue;
		rc = try_names(r, tk, p, p + 4, n, nm, lay, (size_t)-1);
		if (rc == 1 && s8 != p + 4 && s8 + 4 <= r->len)
			rc = try_names(r, tk, p, s8, n, nm, lay, (size_t)-1);
		if (rc < 0)
			return kit_seterr(err, ENOMEM, "out of memory");
		if (rc == 0)
			return 0;
	}
	return kit_seterr(err, KSYM_ENOKALLSYMS,
			  "found kallsyms_token_table but no kallsyms_names/markers that decode");
}

/* ---- 3. addresses ------------------------------------------------------ */

static int addr_ok(const struct names *nm, const uint64_t *addr, uint64_t text_start)
{
	uint32_t i;
	long ti = nm->text_idx >= 0 ? nm->text_idx : nm->stext_idx;

	for (i = 1; i < nm->n; i++)
		if (addr[i] < addr[i - 1])
			return 0;
	if (ti >= 0 && text_start)
		return addr[ti] == text_start;
	return 1;
}

/*
 * Try offsets (or absolute addresses) at OFF; fills ADDR.  MODE: 0 absolute
 * le64 addresses, 1 offsets with absolute percpu, 2 plain relative offsets.
 */
static int try_offsets(const struct region *r, const struct names *nm, size_t off,
		       size_t rb, int mode, uint64_t text_start, uint64_t *addr)
{
	uint32_t i;
	uint64_t base = 0;
	size_t need = (size_t)nm->n * (mode == 0 ? 8 : 4);

	if (off > r->len || need > r->len - off)
		return 0;
	if (mode) {
		if (rb > r->len || r->len - rb < 8)
			return 0;
		base = ksym_le64(r->d + rb);
	}
	for (i = 0; i < nm->n; i++) {
		if (mode == 0) {
			addr[i] = ksym_le64(r->d + off + 8 * (size_t)i);
		} else {
			int32_t o = (int32_t)ksym_le32(r->d + off + 4 * (size_t)i);

			if (mode == 1)
				addr[i] = o >= 0 ? (uint64_t)o : base - 1 - (uint64_t)(int64_t)o;
			else
				addr[i] = base + (uint32_t)o;
		}
		/* Early out on the first decrease. */
		if (i && addr[i] < addr[i - 1])
			return 0;
	}
	return addr_ok(nm, addr, text_start);
}

static int find_addresses(const struct region *r, const struct tokens *tk,
			  const struct names *nm, struct ksym_kallsyms_layout *lay,
			  uint64_t text_start, uint64_t *addr)
{
	size_t n4 = (size_t)nm->n * 4, n8 = (size_t)nm->n * 8;
	size_t cands[8][2];   /* table start, relative_base or NONE */
	const size_t NONE = (size_t)-1;
	int nc = 0, c, mode;
	size_t p = nm->num_syms_at, e;
	unsigned a;

	/* Up to 6.3: offsets, relative_base, num_syms (or addresses, num_syms). */
	if (p >= 8) {
		size_t rb = p - 8, n4a = (n4 + 7) & ~(size_t)7;

		if (rb >= n4) {
			cands[nc][0] = rb - n4;
			cands[nc++][1] = rb;
		}
		if (rb >= n4a && n4a != n4) {
			cands[nc][0] = rb - n4a;
			cands[nc++][1] = rb;
		}
		if (p >= n8) {
			cands[nc][0] = p - n8;
			cands[nc++][1] = NONE;
		}
	}
	/* 6.4+: after token_index, relative_base after the offsets. */
	e = tk->index + 512;
	for (a = 4; a <= 8; a += 4) {
		size_t o = align_up(r, e, a);

		if (a == 8 && o == align_up(r, e, 4))
			continue;
		cands[nc][0] = o;
		cands[nc++][1] = align_up(r, o + n4, 8);
		cands[nc][0] = o;
		cands[nc++][1] = NONE;
	}
	for (c = 0; c < nc; c++)
		for (mode = 0; mode < 3; mode++) {
			if ((mode == 0) != (cands[c][1] == NONE))
				continue;
			if (!try_offsets(r, nm, cands[c][0], cands[c][1], mode, text_start, addr))
				continue;
			lay->base_relative = mode != 0;
			lay->absolute_percpu = mode == 1;
			lay->offsets_at = r->vaddr + cands[c][0];
			if (mode) {
				lay->relative_base_at = r->vaddr + cands[c][1];
				lay->relative_base = ksym_le64(r->d + cands[c][1]);
			}
			lay->offsets_after_tokens = cands[c][0] > tk->index;
			return 0;
		}
	return -1;
}

/* ---- 4. seqs_of_names -------------------------------------------------- */

static int is_perm3(const struct region *r, size_t at, uint32_t n, uint8_t *seen)
{
	uint32_t i;

	if (at > r->len || (size_t)n * 3 > r->len - at)
		return 0;
	memset(seen, 0, ((size_t)n + 7) / 8);
	for (i = 0; i < n; i++) {
		const uint8_t *p = r->d + at + 3 * (size_t)i;
		uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

		if (v >= n || (seen[v / 8] & (1u << (v % 8))))
			return 0;
		seen[v / 8] |= (uint8_t)(1u << (v % 8));
	}
	return 1;
}

static void find_seqs(const struct region *r, const struct tokens *tk,
		      const struct names *nm, struct ksym_kallsyms_layout *lay)
{
	uint8_t *seen = malloc(((size_t)nm->n + 7) / 8 + 1);
	size_t mend = (size_t)(lay->markers_at - r->vaddr) +
		      (((size_t)nm->n + 255) / 256) * (size_t)lay->markers_width;
	size_t cand[4];
	int nc = 0, i;

	if (!seen)
		return;
	cand[nc++] = align_up(r, mend, 4);
	cand[nc++] = align_up(r, mend, 8);
	if (lay->base_relative) {
		cand[nc++] = (size_t)(lay->relative_base_at - r->vaddr) + 8;
	} else {
		cand[nc++] = (size_t)(lay->offsets_at - r->vaddr) + (size_t)nm->n * 8;
	}
	for (i = 0; i < nc; i++)
		if (is_perm3(r, cand[i], nm->n, seen)) {
			lay->seqs_of_names = 1;
			lay->seqs_at = r->vaddr + cand[i];
			break;
		}
	(void)tk;
	free(seen);
}

/* ---- driver ------------------------------------------------------------ */

int ksym_kallsyms_decode(struct ksym_table *t, const uint8_t *data,
			 size_t len, uint64_t vaddr, uint64_t text_start,
			 struct kit_err *err)
{
	struct region r = { data, len, vaddr };
	struct ksym_kallsyms_layout lay;
	struct names nm;
	struct tokens tk;
	uint64_t *addr = NULL;
	size_t off;
	int found_tokens = 0;
	uint32_t i;

	memset(&nm, 0, sizeof nm);
	for (off = 0; off + 512 <= len; off += 2) {
		if (!try_tokens(&r, off, &tk))
			continue;
		found_tokens = 1;
		memset(&lay, 0, sizeof lay);
		if (find_names(&r, &tk, &nm, &lay, err)) {
			if (err && err->code == ENOMEM)
				return -1;
			continue;
		}
		addr = malloc(((size_t)nm.n ? nm.n : 1) * sizeof *addr);
		if (!addr) {
			names_free(&nm);
			return kit_seterr(err, ENOMEM, "out of memory");
		}
		if (find_addresses(&r, &tk, &nm, &lay, text_start, addr)) {
			kit_seterr(err, KSYM_ENOKALLSYMS,
				   "kallsyms names decode (%u symbols) but no kallsyms_offsets/addresses "
				   "put _text at 0x%llx", nm.n, (unsigned long long)text_start);
			free(addr);
			addr = NULL;
			names_free(&nm);
			continue;
		}
		goto found;
	}
	if (!found_tokens)
		return kit_seterr(err, KSYM_ENOKALLSYMS, "no kallsyms_token_table/token_index in the image");
	return -1;
found:
	find_seqs(&r, &tk, &nm, &lay);
	lay.num_syms = nm.n;
	lay.big_names = nm.big;
	lay.num_syms_at = vaddr + nm.num_syms_at;
	lay.names_at = vaddr + nm.start;
	lay.token_table_at = vaddr + tk.table;
	lay.token_index_at = vaddr + tk.index;
	for (i = 0; i < nm.n; i++) {
		const char *s = nm.buf + nm.at[i];

		if (ksym_table_add(t, addr[i], 0, s[0], s + 1, strlen(s + 1), err)) {
			free(addr);
			names_free(&nm);
			return -1;
		}
	}
	t->layout = lay;
	t->have_layout = 1;
	free(addr);
	names_free(&nm);
	return 0;
}

int ksym_kallsyms_image(struct ksym_table *t, const struct ksym_image *img,
			struct kit_err *err)
{
	size_t i;
	int pass, tried = 0;
	struct kit_err e1;

	memset(&e1, 0, sizeof e1);
	/* .rodata first: that is where the kernel puts the tables. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < img->nsecs; i++) {
			const struct ksym_section *s = &img->secs[i];
			int is_ro = !strcmp(s->name, ".rodata");

			if (s->nobits || s->exec || s->size < 1024 || (pass == 0) != is_ro)
				continue;
			tried++;
			if (!ksym_kallsyms_decode(t, img->data + s->offset, s->size, s->addr,
						  img->text_start, &e1))
				return 0;
			if (e1.code == ENOMEM)
				break;
		}
	if (!tried)
		return kit_seterr(err, KSYM_ENOKALLSYMS, "the image has no data sections to search");
	if (err)
		*err = e1;
	return -1;
}
