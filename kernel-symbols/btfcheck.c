/*
 * btfcheck.c: does a BTF belong to the kernel being debugged?
 *
 * A BTF names no kernel version, and a bzImage's kallsyms give addresses,
 * not sizes or types, so identity cannot be proven; three things are
 * compared between the BTF and the image's symbol table instead:
 *
 * 1. Per-CPU layout.  The kernel's BTF describes the .data..percpu section
 *    (a DATASEC whose VARs carry each per-CPU variable's offset); the
 *    image's symbols put every per-CPU variable at its offset in that
 *    section (0-based on x86-64, or shifted by one constant).  Every VAR
 *    whose name is one unique symbol is compared: all must lie at the same
 *    constant distance from their symbol.  Hundreds of variables, each
 *    offset depending on every size before it: another build almost
 *    always differs somewhere.
 * 2. Sizes.  A few variables of known struct types (init_task is a struct
 *    task_struct ...): the symbol's size (ELF st_size, or for kallsyms the
 *    distance to the next symbol, an upper bound) must be at least the
 *    BTF's sizeof.
 * 3. Functions.  At least 90% of the BTF's FUNC names must be symbols of
 *    the image (their own kernel's BTF: all of them).
 *
 * What it cannot see: a BTF of another build whose per-CPU offsets, those
 * sizes and function names all agree (the same source and config rebuilt,
 * e.g. the next Debian ABI of one upstream release with no per-CPU change)
 * passes, although struct layouts elsewhere may differ.  A BTF without the
 * per-CPU DATASEC is judged by checks 2 and 3 alone (the summary says so).
 */
#include "internal.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>

static const struct {
	const char *sym, *type;
} known_vars[] = {
	{ "init_task", "task_struct" },
	{ "init_mm", "mm_struct" },
	{ "init_nsproxy", "nsproxy" },
	{ "init_files", "files_struct" },
	{ "init_signals", "signal_struct" },
	{ "init_sighand", "sighand_struct" },
	{ "init_uts_ns", "uts_namespace" },
	{ "init_pid_ns", "pid_namespace" },
	{ "init_user_ns", "user_namespace" },
	{ "init_net", "net" },
};

/* The only symbol called NAME, or NULL (none, or several). */
static const struct ksym_sym *unique(const struct ksym_table *t, const char *name)
{
	const struct ksym_sym *m[2];

	return ksym_lookup_name(t, name, m, 2) == 1 ? m[0] : NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct percpu_result {
	size_t vars, checked, agree;
	char first_bad[128];
};

/* Check 1: per-CPU offsets; the DATASEC's id, or -1 when there is none. */
static int check_percpu(const struct btf *btf, const struct ksym_table *t,
			struct percpu_result *r)
{
	int32_t id = btf__find_by_name_kind(btf, ".data..percpu", BTF_KIND_DATASEC);
	const struct btf_type *ds = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
	const struct btf_var_secinfo *vi;
	uint64_t *delta, mode = 0;
	size_t i, n, run, best = 0;

	memset(r, 0, sizeof *r);
	if (!ds)
		return -1;
	n = btf_vlen(ds);
	vi = btf_var_secinfos(ds);
	delta = malloc((n ? n : 1) * sizeof *delta);
	if (!delta)
		return -1;
	r->vars = n;
	for (i = 0; i < n; i++) {
		const struct btf_type *v = btf__type_by_id(btf, vi[i].type);
		const char *name = v ? btf__name_by_offset(btf, v->name_off) : NULL;
		const struct ksym_sym *s = name && *name ? unique(t, name) : NULL;

		if (s)
			delta[r->checked++] = s->addr - vi[i].offset;
	}
	qsort(delta, r->checked, sizeof *delta, cmp_u64);
	for (i = 0; i < r->checked; i += run) {
		for (run = 1; i + run < r->checked && delta[i + run] == delta[i]; run++)
			;
		if (run > best) {
			best = run;
			mode = delta[i];
		}
	}
	r->agree = best;
	for (i = 0; i < n && r->agree < r->checked; i++) {
		const struct btf_type *v = btf__type_by_id(btf, vi[i].type);
		const char *name = v ? btf__name_by_offset(btf, v->name_off) : NULL;
		const struct ksym_sym *s = name && *name ? unique(t, name) : NULL;

		if (s && s->addr - vi[i].offset != mode) {
			int64_t at = (int64_t)(s->addr - mode);

			snprintf(r->first_bad, sizeof r->first_bad, "%.60s at +0x%x in the BTF, "
				 "%s0x%llx in the image", name, vi[i].offset, at < 0 ? "-" : "+",
				 (unsigned long long)(at < 0 ? -(uint64_t)at : (uint64_t)at));
			break;
		}
	}
	free(delta);
	return id;
}

/* Check 3: how many of the BTF's FUNC names the image has. */
static void check_funcs(const struct btf *btf, const struct ksym_table *t,
			size_t *funcs, size_t *found)
{
	uint32_t i, n = btf__type_cnt(btf);
	const struct ksym_sym *m[1];

	*funcs = *found = 0;
	for (i = 1; i < n; i++) {
		const struct btf_type *ty = btf__type_by_id(btf, i);
		const char *name;

		if (!ty || !btf_is_func(ty))
			continue;
		name = btf__name_by_offset(btf, ty->name_off);
		if (!name || !*name)
			continue;
		(*funcs)++;
		if (ksym_lookup_name(t, name, m, 1))
			(*found)++;
	}
}

int ksym_btf_check(const struct ksym_btf *b, const struct ksym_table *t,
		   char *summary, size_t sz, struct kit_err *err)
{
	const struct btf *btf = ksym_btf_libbpf(b);
	struct percpu_result pc;
	size_t i, funcs, found, sizes = 0;
	int have_pc = check_percpu(btf, t, &pc) > 0;

	if (have_pc && pc.checked && pc.agree < pc.checked)
		return kit_seterr(err, KSYM_EFOREIGN, "the BTF is not this kernel's: %zu of %zu "
				  "per-CPU variables are elsewhere in the image (%s)",
				  pc.checked - pc.agree, pc.checked, pc.first_bad);
	for (i = 0; i < sizeof known_vars / sizeof known_vars[0]; i++) {
		const struct ksym_sym *s = unique(t, known_vars[i].sym);
		uint64_t tsz;

		if (!s || !s->size || ksym_btf_type_size(b, known_vars[i].type, &tsz, NULL))
			continue;
		if (tsz > s->size)
			return kit_seterr(err, KSYM_EFOREIGN, "the BTF is not this kernel's: its "
					  "struct %s has %llu bytes, but the image's %s has only %llu",
					  known_vars[i].type, (unsigned long long)tsz,
					  known_vars[i].sym, (unsigned long long)s->size);
		sizes++;
	}
	check_funcs(btf, t, &funcs, &found);
	if (funcs && found * 10 < funcs * 9)
		return kit_seterr(err, KSYM_EFOREIGN, "the BTF is not this kernel's: only %zu of "
				  "its %zu functions are symbols of the image", found, funcs);
	if (!pc.checked && !sizes && !funcs)
		return kit_seterr(err, KSYM_ENOTFOUND, "nothing to compare between the BTF and "
				  "the image's symbols (no per-CPU variables, known structs or functions)");
	snprintf(summary, sz, "%zu per-CPU offsets agree%s, %zu struct sizes fit, %zu of %zu "
		 "functions are symbols", pc.checked, have_pc ? "" : " (no per-CPU DATASEC)",
		 sizes, found, funcs);
	return 0;
}
