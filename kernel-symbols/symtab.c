/*
 * symtab.c: the lookup structure.  Symbols live in one array sorted by
 * address (binary search for address -> name+off) and are chained by a
 * hash of their names (name -> address).  Names share one string pool.
 */
#include "internal.h"
#include "clock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

double ksym_now_ms(void)
{
	return (double)kit_mono_ns() / 1e6;
}

struct ksym_table *ksym_table_new(struct kit_err *err)
{
	struct ksym_table *t = calloc(1, sizeof *t);

	if (!t)
		kit_seterr(err, ENOMEM, "out of memory");
	return t;
}

void ksym_free(struct ksym_table *t)
{
	if (!t)
		return;
	free(t->syms);
	free(t->strtab);
	free(t->hash_head);
	free(t->hash_next);
	free(t->ic_pairs);
	free(t);
}

/* Room for at least NSYMS symbols in all and STRBYTES bytes of names. */
static int reserve(struct ksym_table *t, size_t nsyms, size_t strbytes,
		   struct kit_err *err)
{
	if (nsyms > t->syms_cap) {
		void *p = realloc(t->syms, nsyms * sizeof *t->syms);

		if (!p)
			return kit_seterr(err, ENOMEM, "out of memory");
		t->syms = p;
		t->syms_cap = nsyms;
	}
	if (strbytes > t->strtab_cap) {
		void *p;

		if (strbytes > UINT32_MAX)
			return kit_seterr(err, KSYM_EFORMAT, "names too large");
		p = realloc(t->strtab, strbytes);
		if (!p)
			return kit_seterr(err, ENOMEM, "out of memory");
		t->strtab = p;
		t->strtab_cap = strbytes;
	}
	return 0;
}

int ksym_table_reserve(struct ksym_table *t, size_t nsyms, size_t strbytes,
		       struct kit_err *err)
{
	if (nsyms > UINT32_MAX - 1)
		return kit_seterr(err, KSYM_EFORMAT, "too many symbols");
	return reserve(t, t->nsyms + nsyms, t->strtab_len + strbytes, err);
}

int ksym_table_add(struct ksym_table *t, uint64_t addr, uint64_t size,
		   char type, const char *name, size_t namelen,
		   struct kit_err *err)
{
	struct ksym_sym *s;

	if (t->nsyms >= UINT32_MAX - 1 || namelen > 65536)
		return kit_seterr(err, KSYM_EFORMAT, "too many or too long symbols");
	if (t->nsyms >= t->syms_cap &&
	    reserve(t, t->nsyms < 512 ? 1024 : t->nsyms * 2, 0, err))
		return -1;
	if (t->strtab_len + namelen + 1 > t->strtab_cap) {
		size_t cap = t->strtab_cap ? t->strtab_cap : 65536;

		while (cap < t->strtab_len + namelen + 1)
			cap *= 2;
		if (reserve(t, 0, cap, err))
			return -1;
	}
	s = &t->syms[t->nsyms];
	s->addr = addr;
	s->size = size;
	s->type = type;
	s->seq = (uint32_t)t->nsyms;
	s->name = (uint32_t)t->strtab_len;
	memcpy(t->strtab + t->strtab_len, name, namelen);
	t->strtab[t->strtab_len + namelen] = 0;
	t->strtab_len += namelen + 1;
	t->nsyms++;
	return 0;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct ksym_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

const char *ksym_name(const struct ksym_table *t, const struct ksym_sym *s)
{
	return t->strtab + s->name;
}

static size_t printable_width(unsigned char c)
{
	return c >= 0x20 && c < 0x7f ? 1 : 4;
}

char *ksym_printable(const char *s, char *buf, size_t bufsz)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t o = 0, total = 0, room = bufsz - 1;

	for (p = (const unsigned char *)s; *p; p++)
		total += printable_width(*p);
	/* cut short: keep room for "..." */
	if (total > room)
		room = room >= 3 ? room - 3 : 0;
	for (p = (const unsigned char *)s; *p && o + printable_width(*p) <= room; p++) {
		if (printable_width(*p) == 1) {
			buf[o++] = (char)*p;
			continue;
		}
		buf[o++] = '\\';
		buf[o++] = 'x';
		buf[o++] = hex[*p >> 4];
		buf[o++] = hex[*p & 15];
	}
	if (total > bufsz - 1) {
		size_t end = o + 3;

		while (o < end && o + 1 < bufsz)
			buf[o++] = '.';
	}
	buf[o] = 0;
	return buf;
}

/*
 * Sort by address, then by seq, as cmp_sym orders them: an LSD radix sort
 * of the symbols themselves, 11 bits a pass, stable, so equal keys keep
 * their order.  Symbols from ksym_table_add have increasing seqs and need
 * only the address passes; otherwise (a cache file) seq is sorted first.
 * A pass whose digit is the same for every symbol is skipped.  Moving
 * whole records in sequential passes beats sorting (address, index) keys
 * and permuting after: that permutation is a cache miss per symbol.
 * On a 127,000-symbol vmlinux qsort took about 20 ms, this 3 to 6 (the
 * most of it the first touch of the second buffer's pages).
 */
#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
#define RADIX_PASSES 9  /* 3 for the 32-bit seq, then 6 for the 64-bit addr */

static unsigned radix_digit(const struct ksym_sym *s, int pass)
{
	if (pass < 3)
		return (s->seq >> (pass * RADIX_BITS)) & (RADIX_SIZE - 1);
	return (unsigned)(s->addr >> ((pass - 3) * RADIX_BITS)) & (RADIX_SIZE - 1);
}

static int sort_syms(struct ksym_table *t, int seq_sorted, struct kit_err *err)
{
	size_t n = t->nsyms, i;
	uint32_t (*count)[RADIX_SIZE];
	struct ksym_sym *a = t->syms, *b, *tmp;
	int pass, first = seq_sorted ? 3 : 0;

	if (n >= UINT32_MAX)
		return kit_seterr(err, KSYM_EFORMAT, "too many symbols");
	b = malloc(n * sizeof *b);
	count = calloc(RADIX_PASSES, sizeof *count);
	if (!b || !count) {
		free(b);
		free(count);
		return kit_seterr(err, ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		for (pass = first; pass < RADIX_PASSES; pass++)
			count[pass][radix_digit(&a[i], pass)]++;
	for (pass = first; pass < RADIX_PASSES; pass++) {
		uint32_t *c = count[pass], sum = 0;
		unsigned d;

		if (c[radix_digit(&a[0], pass)] == n)
			continue;
		for (d = 0; d < RADIX_SIZE; d++) {
			uint32_t k = c[d];

			c[d] = sum;
			sum += k;
		}
		for (i = 0; i < n; i++)
			b[c[radix_digit(&a[i], pass)]++] = a[i];
		tmp = a;
		a = b;
		b = tmp;
	}
	/* The sorted symbols are in A, the other buffer is free. */
	t->syms = a;
	t->syms_cap = n;
	free(b);
	free(count);
	return 0;
}

int ksym_table_finish(struct ksym_table *t, struct kit_err *err)
{
	size_t i, nb = 1, n = t->nsyms;
	uint64_t next = 0;
	uint32_t *hash = NULL;
	int sorted = 1, seq_sorted = 1, seq_is_index = 1, have_next = 0;

	for (i = 0; i < n; i++) {
		seq_is_index &= t->syms[i].seq == i;
		if (i && t->syms[i - 1].seq > t->syms[i].seq)
			seq_sorted = 0;
		if (i && cmp_sym(&t->syms[i - 1], &t->syms[i]) > 0)
			sorted = 0;
	}
	/*
	 * Hash the names in the order they were added, the order of the
	 * string pool: sequential reads, where after the sort by address
	 * there would be a cache miss per name.  Found again by seq.
	 */
	if (!sorted && seq_is_index) {
		hash = malloc(n * sizeof *hash);
		if (!hash)
			return kit_seterr(err, ENOMEM, "out of memory");
		for (i = 0; i < n; i++)
			hash[i] = name_hash(t->strtab + t->syms[i].name);
	}
	if (!sorted && sort_syms(t, seq_sorted, err)) {
		free(hash);
		return -1;
	}
	/*
	 * Unknown sizes: the distance to the next higher address.  One pass
	 * from the end, keeping that address: a -dbg vmlinux has 10,000
	 * size-0 labels at one address (__kstrtabns_*), where scanning the
	 * run of equal addresses from each of them was quadratic (50 ms).
	 */
	for (i = n; i-- > 0;) {
		struct ksym_sym *s = &t->syms[i];

		if (i + 1 < n && t->syms[i + 1].addr != s->addr) {
			next = t->syms[i + 1].addr;
			have_next = 1;
		}
		if (!s->size && have_next)
			s->size = next - s->addr;
	}
	while (nb < n * 2)
		nb <<= 1;
	free(t->hash_head);
	free(t->hash_next);
	t->nbuckets = nb;
	t->hash_head = malloc(nb * sizeof *t->hash_head);
	t->hash_next = malloc((n ? n : 1) * sizeof *t->hash_next);
	if (!t->hash_head || !t->hash_next) {
		free(hash);
		return kit_seterr(err, ENOMEM, "out of memory");
	}
	memset(t->hash_head, 0xff, nb * sizeof *t->hash_head);
	/* Insert backwards so each chain lists symbols in address order. */
	for (i = n; i-- > 0;) {
		const struct ksym_sym *s = &t->syms[i];
		uint32_t b = (hash ? hash[s->seq] : name_hash(t->strtab + s->name)) &
			     (uint32_t)(nb - 1);

		t->hash_next[i] = t->hash_head[b];
		t->hash_head[b] = (uint32_t)i;
	}
	free(hash);
	return 0;
}

size_t ksym_lookup_name(const struct ksym_table *t, const char *name,
			const struct ksym_sym **out, size_t max)
{
	uint32_t i;
	size_t n = 0;

	if (!t->nbuckets)
		return 0;
	for (i = t->hash_head[name_hash(name) & (t->nbuckets - 1)];
	     i != UINT32_MAX; i = t->hash_next[i]) {
		if (strcmp(t->strtab + t->syms[i].name, name))
			continue;
		if (n < max)
			out[n] = &t->syms[i];
		n++;
	}
	return n;
}

const struct ksym_sym *ksym_find(const struct ksym_table *t, const char *name)
{
	const struct ksym_sym *s = NULL;

	return ksym_lookup_name(t, name, &s, 1) ? s : NULL;
}

uint64_t ksym_addr(const struct ksym_table *t, const char *name)
{
	const struct ksym_sym *s = ksym_find(t, name);

	return s ? s->addr : 0;
}

/* Rank aliases at one address: a global function beats a local label. */
static int alias_rank(const struct ksym_table *t, const struct ksym_sym *s)
{
	const char *n = t->strtab + s->name;
	int r = 0;

	if (s->type >= 'A' && s->type <= 'Z')
		r += 4;
	if (s->type == 'T' || s->type == 't')
		r += 2;
	if (n[0] != '_' && n[0] != '.')
		r += 1;
	return r;
}

const struct ksym_sym *ksym_lookup_addr(const struct ksym_table *t,
					uint64_t addr, uint64_t *off)
{
	size_t lo = 0, hi = t->nsyms, i, best;
	const struct ksym_sym *s;

	/* First symbol with address > addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	best = lo - 1;
	for (i = best; i > 0 && t->syms[i - 1].addr == t->syms[best].addr; i--)
		if (alias_rank(t, &t->syms[i - 1]) > alias_rank(t, &t->syms[best]))
			best = i - 1;
	s = &t->syms[best];
	/* The last symbol has no known end: allow one page past it. */
	if (lo == t->nsyms && s->size == 0 && addr - s->addr >= 4096)
		return NULL;
	if (lo == t->nsyms && s->size && addr - s->addr >= s->size)
		return NULL;
	if (off)
		*off = addr - s->addr;
	return s;
}

char *ksym_format_addr(const struct ksym_table *t, uint64_t addr,
		       char *buf, size_t bufsz)
{
	uint64_t off;
	const struct ksym_sym *s = ksym_lookup_addr(t, addr, &off);

	if (!s)
		return NULL;
	snprintf(buf, bufsz, "%s+0x%llx/0x%llx", ksym_name(t, s),
		 (unsigned long long)off, (unsigned long long)s->size);
	return buf;
}

void ksym_err_prefix(struct kit_err *err, const char *path)
{
	char m[KIT_ERR_MAX];
	size_t pl, ml;

	/* Named already as 'PATH'?  (Not merely containing its letters: a
	   file called "empty" or "corrupt" must still be named.) */
	if (!err)
		return;
	snprintf(m, sizeof m, "'%s'", path);
	if (strstr(err->msg, m))
		return;
	pl = strlen(path);
	if (pl > KIT_ERR_MAX / 2)
		pl = KIT_ERR_MAX / 2;
	m[0] = '\'';
	memcpy(m + 1, path, pl);
	memcpy(m + 1 + pl, "': ", 3);
	ml = strlen(err->msg);
	if (ml > KIT_ERR_MAX - pl - 5)
		ml = KIT_ERR_MAX - pl - 5;
	memcpy(m + pl + 4, err->msg, ml);
	m[pl + 4 + ml] = 0;
	memcpy(err->msg, m, sizeof m);
}
