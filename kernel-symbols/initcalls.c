/*
 * initcalls.c: the kernel's initcall table (include/linux/init.h,
 * include/asm-generic/vmlinux.lds.h).  The linker lays the entries out as
 *
 *   __initcall_start      .initcallearly.init   (do_pre_smp_initcalls)
 *   __initcall0_start     .initcall0.init .initcall0s.init   pure
 *   __initcall1_start     core       __initcall2_start   postcore
 *   __initcall3_start     arch       __initcall4_start   subsys
 *   __initcall5_start     fs         __initcallrootfs_start  rootfs
 *   __initcall6_start     device     __initcall7_start   late
 *   __initcall_end
 *
 * and do_initcalls() calls them in that order.  With
 * CONFIG_HAVE_ARCH_PREL32_RELOCATIONS (x86_64) an entry is a 32-bit offset
 * from the entry itself to the function; otherwise an absolute pointer.
 * Each entry carries a label, "__initcall__kmod_<mod>__<id>_<line>_<fn><lvl>"
 * (5.13+) or "__initcall_<fn><lvl>" (older), where <lvl> is "early",
 * "rootfs", or a digit with an "s" for the _sync variants.  With the image
 * at hand the entries themselves are read; otherwise (System.map text) the
 * labels alone give the table.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

static const char *const level_name[] = {
	"early", "pure", "core", "postcore", "arch", "subsys", "fs", "rootfs",
	"device", "late",
};
/* The label suffix of each level, in level_name order. */
static const char *const level_tag[] = {
	"early", "0", "1", "2", "3", "4", "5", "rootfs", "6", "7",
};
static const char *const level_start[] = {
	"__initcall_start", "__initcall0_start", "__initcall1_start",
	"__initcall2_start", "__initcall3_start", "__initcall4_start",
	"__initcall5_start", "__initcallrootfs_start", "__initcall6_start",
	"__initcall7_start", "__initcall_end",
};

static int is_boundary(const char *n)
{
	size_t i;

	for (i = 0; i < sizeof level_start / sizeof level_start[0]; i++)
		if (!strcmp(n, level_start[i]))
			return 1;
	return 0;
}

/* Is there a text symbol starting exactly at A? */
static int is_func(const struct ksym_table *t, uint64_t a)
{
	uint64_t off;
	const struct ksym_sym *s = ksym_lookup_addr(t, a, &off);

	return s && off == 0 && (s->type == 't' || s->type == 'T' || s->type == 'W');
}

int ksym_initcalls_read(struct ksym_table *t, const struct ksym_image *img)
{
	uint64_t start = ksym_addr(t, "__initcall_start");
	uint64_t end = ksym_addr(t, "__initcall_end");
	const uint8_t *p;
	size_t n, i, good;
	int width;

	if (!start || end <= start || end - start > (1u << 20))
		return -1;
	p = ksym_image_at(img, start, (size_t)(end - start));
	if (!p)
		return -1;
	for (width = 4; width <= 8; width += 4) {
		n = (size_t)(end - start) / (size_t)width;
		for (i = good = 0; i < n; i++) {
			uint64_t e = start + i * (size_t)width;
			uint64_t fn = width == 4 ? e + (uint64_t)(int64_t)(int32_t)ksym_le32(p + 4 * i)
						 : ksym_le64(p + 8 * i);
			good += is_func(t, fn);
		}
		/* All but a handful must land on functions. */
		if (n && good * 10 >= n * 9)
			break;
	}
	if (width > 8)
		return -1;
	t->ic_pairs = malloc(2 * n * sizeof *t->ic_pairs);
	if (!t->ic_pairs)
		return -1;
	for (i = 0; i < n; i++) {
		uint64_t e = start + i * (size_t)width;

		t->ic_pairs[2 * i] = e;
		t->ic_pairs[2 * i + 1] = width == 4 ?
			e + (uint64_t)(int64_t)(int32_t)ksym_le32(p + 4 * i) : ksym_le64(p + 8 * i);
	}
	t->nic_pairs = n;
	t->initcall_prel32 = width == 4;
	t->have_initcall_data = 1;
	return 0;
}

/* The entry label at address A, or NULL. */
static const char *label_at(const struct ksym_table *t, uint64_t a)
{
	uint64_t off;
	const struct ksym_sym *s = ksym_lookup_addr(t, a, &off);
	size_t i;

	if (!s || off)
		return NULL;
	i = (size_t)(s - t->syms);
	while (i > 0 && t->syms[i - 1].addr == a)
		i--;
	for (; i < t->nsyms && t->syms[i].addr == a; i++) {
		const char *n = ksym_name(t, &t->syms[i]);

		if (!strncmp(n, "__initcall_", 11) && !is_boundary(n))
			return n;
	}
	return NULL;
}

/*
 * Split LABEL for level LVL into module and sync flag (into IC) and the
 * function name (*fn, *fnlen; NULL when the label does not parse).
 */
static void parse_label(const char *label, int lvl,
			struct ksym_initcall *ic, const char **fn, size_t *fnlen)
{
	const char *rest = label + strlen("__initcall_");
	const char *tag = level_tag[lvl];
	size_t rl, tl = strlen(tag);

	*fn = NULL;
	*fnlen = 0;
	if (!strncmp(rest, "_kmod_", 6)) {
		const char *m = rest + 6, *e = strstr(m, "__");
		int k;

		if (!e)
			return;
		snprintf(ic->module, sizeof ic->module, "%.*s", (int)(e - m), m);
		rest = e + 2;
		/* <id>_<line>_ */
		for (k = 0; k < 2; k++) {
			while (isdigit((unsigned char)*rest))
				rest++;
			if (*rest != '_')
				return;
			rest++;
		}
	}
	rl = strlen(rest);
	/* "<fn>4s" is a _sync initcall; "<fn>4" a plain one, whatever <fn>. */
	if (lvl >= 1 && lvl <= 9 && lvl != 7 && rl > tl + 1 && rest[rl - 1] == 's' &&
	    !strncmp(rest + rl - tl - 1, tag, tl)) {
		ic->sync = 1;
		*fn = rest;
		*fnlen = rl - tl - 1;
		return;
	}
	if (rl > tl && !strcmp(rest + rl - tl, tag)) {
		*fn = rest;
		*fnlen = rl - tl;
	}
}

int ksym_initcalls(const struct ksym_table *t, struct ksym_initcall **out,
		   size_t *nout, struct kit_err *err)
{
	uint64_t bound[11];
	struct ksym_initcall *v = NULL;
	size_t n = 0, cap = 0, i, nlab = 0;
	const uint64_t *labs = NULL;
	uint64_t *labv = NULL;
	int k;

	*out = NULL;
	*nout = 0;
	for (k = 0; k < 11; k++) {
		bound[k] = ksym_addr(t, level_start[k]);
		if (!bound[k])
			return kit_seterr(err, KSYM_ENOTFOUND, "no symbol '%s': cannot delimit the initcall levels",
					  level_start[k]);
		if (k && bound[k] < bound[k - 1])
			return kit_seterr(err, KSYM_EFORMAT, "initcall level boundaries out of order at '%s'",
					  level_start[k]);
	}
	if (!t->have_initcall_data) {
		/* Entries from the labels, in address order. */
		size_t lo = 0, hi = t->nsyms;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (t->syms[mid].addr < bound[0])
				lo = mid + 1;
			else
				hi = mid;
		}
		for (i = lo; i < t->nsyms && t->syms[i].addr < bound[10]; i++) {
			const char *nm = ksym_name(t, &t->syms[i]);
			void *p;

			if (strncmp(nm, "__initcall_", 11) || is_boundary(nm))
				continue;
			if (nlab && labv[2 * (nlab - 1)] == t->syms[i].addr)
				continue;
			p = realloc(labv, 2 * (nlab + 1) * sizeof *labv);
			if (!p) {
				free(labv);
				return kit_seterr(err, ENOMEM, "out of memory");
			}
			labv = p;
			labv[2 * nlab] = t->syms[i].addr;
			labv[2 * nlab + 1] = 0;
			nlab++;
		}
		labs = labv;
	} else {
		labs = t->ic_pairs;
		nlab = t->nic_pairs;
	}
	for (i = 0; i < nlab; i++) {
		uint64_t e = labs[2 * i], fnaddr = labs[2 * i + 1];
		struct ksym_initcall *ic;
		const char *label = label_at(t, e), *fn = NULL, *known = NULL;
		size_t fnlen = 0;
		int lvl;

		for (lvl = 9; lvl > 0 && e < bound[lvl]; lvl--)
			;
		if (n == cap) {
			void *p;

			cap = cap ? cap * 2 : 256;
			p = realloc(v, cap * sizeof *v);
			if (!p) {
				free(v);
				free(labv);
				return kit_seterr(err, ENOMEM, "out of memory");
			}
			v = p;
		}
		ic = &v[n++];
		memset(ic, 0, sizeof *ic);
		ic->entry = e;
		snprintf(ic->level, sizeof ic->level, "%s", level_name[lvl]);
		if (fnaddr) {
			uint64_t off;
			const struct ksym_sym *s = ksym_lookup_addr(t, fnaddr, &off);

			if (s && off == 0)
				known = ksym_name(t, s);
		}
		if (label)
			parse_label(label, lvl, ic, &fn, &fnlen);
		if (!fnaddr && fn) {
			char buf[512];
			const struct ksym_sym *s;

			snprintf(buf, sizeof buf, "%.*s", (int)fnlen, fn);
			s = ksym_find(t, buf);
			if (s) {
				fnaddr = s->addr;
				known = ksym_name(t, s);
			}
		}
		ic->fn = fnaddr;
		ic->func = known;
		if (!ic->func && label)
			ic->func = label;    /* the best name there is */
	}
	free(labv);
	*out = v;
	*nout = n;
	return 0;
}
