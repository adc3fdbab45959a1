/*
 * symtab.c: the lookup structure.  Symbols live in one array sorted by
 * address (binary search for address -> name+off) and are chained by a
 * hash of their names (name -> address).  Names share one string pool.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

double ksym_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
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

int ksym_table_add(struct ksym_table *t, uint64_t addr, uint64_t size,
		   char type, const char *name, size_t namelen,
		   struct kit_err *err)
{
	struct ksym_sym *s;

	if (t->nsyms >= UINT32_MAX - 1 || namelen > 65536)
		return kit_seterr(err, KSYM_EFORMAT, "too many or too long symbols");
	if ((t->nsyms & (t->nsyms - 1)) == 0 || t->nsyms == 0) {
		size_t cap = t->nsyms ? t->nsyms * 2 : 1024;
		void *p = realloc(t->syms, cap * sizeof *t->syms);

		if (!p)
			return kit_seterr(err, ENOMEM, "out of memory");
		t->syms = p;
	}
	if (t->strtab_len + namelen + 1 > t->strtab_cap) {
		size_t cap = t->strtab_cap ? t->strtab_cap : 65536;
		void *p;

		while (cap < t->strtab_len + namelen + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return kit_seterr(err, KSYM_EFORMAT, "names too large");
		p = realloc(t->strtab, cap);
		if (!p)
			return kit_seterr(err, ENOMEM, "out of memory");
		t->strtab = p;
		t->strtab_cap = cap;
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

int ksym_table_finish(struct ksym_table *t, struct kit_err *err)
{
	size_t i, nb = 1;
	int sorted = 1;

	for (i = 1; i < t->nsyms; i++)
		if (cmp_sym(&t->syms[i - 1], &t->syms[i]) > 0) {
			sorted = 0;
			break;
		}
	if (!sorted)
		qsort(t->syms, t->nsyms, sizeof *t->syms, cmp_sym);
	/* Unknown sizes: the distance to the next higher address. */
	for (i = 0; i < t->nsyms; i++) {
		size_t j;

		if (t->syms[i].size)
			continue;
		for (j = i + 1; j < t->nsyms && t->syms[j].addr == t->syms[i].addr; j++)
			;
		if (j < t->nsyms)
			t->syms[i].size = t->syms[j].addr - t->syms[i].addr;
	}
	while (nb < t->nsyms * 2)
		nb <<= 1;
	free(t->hash_head);
	free(t->hash_next);
	t->nbuckets = nb;
	t->hash_head = malloc(nb * sizeof *t->hash_head);
	t->hash_next = malloc((t->nsyms ? t->nsyms : 1) * sizeof *t->hash_next);
	if (!t->hash_head || !t->hash_next)
		return kit_seterr(err, ENOMEM, "out of memory");
	memset(t->hash_head, 0xff, nb * sizeof *t->hash_head);
	/* Insert backwards so each chain lists symbols in address order. */
	for (i = t->nsyms; i-- > 0;) {
		uint32_t b = name_hash(t->strtab + t->syms[i].name) & (uint32_t)(nb - 1);

		t->hash_next[i] = t->hash_head[b];
		t->hash_head[b] = (uint32_t)i;
	}
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

	if (!err || strstr(err->msg, path))
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
