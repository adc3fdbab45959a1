/*
 * memory.c: memory in and out of the guest, in a profile (docs/profile-
 * schema.md, "memory"): qemu's peak RSS (qemu-wrapper's wait4() of it),
 * and the guest's own figures at milestones and at the end, read from the
 * kernel's counters in guest memory (what /proc/meminfo prints).  Here:
 * the model's part, its JSON, the text report's lines, the series that
 * `report` of several runs and `compare` take (KiB, not ns: their tables
 * are apart from the times').
 *
 * The figures shown are free(1)'s (procps 4, Debian 12): used = total -
 * available, buff/cache = Buffers + Cached + SReclaimable, shared =
 * Shmem; and "kernel", the kernel's own use: slab, stacks, page tables,
 * vmalloc and per-CPU areas.
 */
#include "internal.h"

#include <errno.h>
#include <json.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define KB_MAX ((int64_t)1 << 50)    /* 1 EiB in KiB: more is no figure */
#define MEM_MIN_DELTA_KB 64          /* compare: smaller changes are noise */

static const struct {
	const char *key;
	size_t off;
} pt_fields[] = {
#define F(k, m) { k, offsetof(struct prof_mem_point, m) }
	F("total_kb", total_kb), F("free_kb", free_kb),
	F("available_kb", available_kb), F("buffers_kb", buffers_kb),
	F("cached_kb", cached_kb), F("page_cache_kb", page_cache_kb),
	F("shmem_kb", shmem_kb), F("anon_kb", anon_kb),
	F("slab_reclaimable_kb", slab_reclaimable_kb),
	F("slab_unreclaimable_kb", slab_unreclaimable_kb),
	F("kernel_stack_kb", kernel_stack_kb), F("page_tables_kb", page_tables_kb),
	F("vmalloc_kb", vmalloc_kb), F("percpu_kb", percpu_kb),
#undef F
};
#define NPT (sizeof pt_fields / sizeof pt_fields[0])

static int64_t *pt_at(struct prof_mem_point *pt, size_t i)
{
	return (int64_t *)((char *)pt + pt_fields[i].off);
}

static int64_t pt_get(const struct prof_mem_point *pt, size_t i)
{
	return *(const int64_t *)((const char *)pt + pt_fields[i].off);
}

/* ---- the model ---------------------------------------------------------- */

static int64_t sum_known(const int64_t *v, size_t n)
{
	int64_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] > 0)
			s += v[i];
	return s;
}

void prof_mem_free_of(const struct prof_mem_point *pt, struct prof_mem_free *f)
{
	int64_t k[5] = { pt->slab_reclaimable_kb, pt->slab_unreclaimable_kb,
			 pt->kernel_stack_kb, pt->page_tables_kb, pt->vmalloc_kb };
	int64_t sr = pt->slab_reclaimable_kb > 0 ? pt->slab_reclaimable_kb : 0;

	f->total = pt->total_kb;
	f->free = pt->free_kb;
	f->available = pt->available_kb;
	f->shared = pt->shmem_kb;
	f->buff_cache = pt->page_cache_kb < 0 ? -1 : pt->page_cache_kb + sr;
	if (f->available >= 0)
		f->used = f->total - f->available;
	else if (f->free >= 0 && f->buff_cache >= 0)
		f->used = f->total - f->free - f->buff_cache;
	else
		f->used = -1;
	f->slab = pt->slab_reclaimable_kb < 0 || pt->slab_unreclaimable_kb < 0 ? -1 :
		  pt->slab_reclaimable_kb + pt->slab_unreclaimable_kb;
	f->kernel = f->slab < 0 ? -1 : sum_known(k, 5) +
		    (pt->percpu_kb > 0 ? pt->percpu_kb : 0);
}

const struct prof_mem_point *prof_mem_find(const struct prof_profile *p,
					   const char *at)
{
	size_t i;

	for (i = 0; i < p->memory.npoints; i++)
		if (p->memory.points[i].at && !strcmp(p->memory.points[i].at, at))
			return &p->memory.points[i];
	return NULL;
}

int prof_add_mem_point(struct prof_profile *p, const struct prof_mem_point *in,
		       struct kit_err *err)
{
	struct prof_memory *m = &p->memory;
	struct prof_mem_point *v;

	if (in->total_kb <= 0 || in->total_kb > KB_MAX ||
	    in->t_ns < -PROF_NS_MAX || in->t_ns > PROF_NS_MAX)
		return kit_seterr(err, PROF_EUSAGE, "a memory point needs a total and a time");
	v = realloc(m->points, (m->npoints + 1) * sizeof *v);
	if (!v)
		return prof_nomem(err);
	m->points = v;
	v += m->npoints;
	*v = *in;
	v->at = strdup(in->at ? in->at : "read");
	if (!v->at)
		return prof_nomem(err);
	m->npoints++;
	return 0;
}

void prof_memory_free(struct prof_memory *m)
{
	size_t i;

	for (i = 0; i < m->npoints; i++)
		free(m->points[i].at);
	free(m->points);
	free(m->qemu_source);
	memset(m, 0, sizeof *m);
}

/* ---- JSON --------------------------------------------------------------- */

static int bad(struct kit_err *err, const char *name, const char *path,
	       const char *what)
{
	return kit_seterr(err, PROF_ESCHEMA, "%s: '%s' %s", name, path, what);
}

/* An integer member in [0, max] (absent: *out = dflt).  */
static int get_kb(json_object *o, const char *key, const char *path, int64_t max,
		  int64_t dflt, int64_t *out, const char *name, struct kit_err *err)
{
	json_object *v;
	char full[128];
	int64_t x;

	snprintf(full, sizeof full, "%s.%s", path, key);
	if (!json_object_object_get_ex(o, key, &v) || !v) {
		*out = dflt;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return bad(err, name, full, "must be an integer");
	errno = 0;
	x = json_object_get_int64(v);
	if (errno == ERANGE || x > max)
		return bad(err, name, full, "is out of range");
	if (x < 0)
		return bad(err, name, full, "must not be negative");
	*out = x;
	return 0;
}

static int load_qemu(json_object *o, const char *name, struct prof_memory *m,
		     struct kit_err *err)
{
	json_object *q, *src;

	if (!json_object_object_get_ex(o, "qemu", &q) || !q)
		return 0;
	if (!json_object_is_type(q, json_type_object))
		return bad(err, name, "memory.qemu", "must be an object");
	if (get_kb(q, "peak_rss_kb", "memory.qemu", KB_MAX, 0, &m->qemu_peak_rss_kb,
		   name, err) ||
	    get_kb(q, "user_us", "memory.qemu", PROF_NS_MAX / 1000, 0, &m->qemu_user_us,
		   name, err) ||
	    get_kb(q, "system_us", "memory.qemu", PROF_NS_MAX / 1000, 0,
		   &m->qemu_system_us, name, err))
		return -1;
	if (json_object_object_get_ex(q, "source", &src) && src) {
		if (!json_object_is_type(src, json_type_string))
			return bad(err, name, "memory.qemu.source", "must be a string");
		if (json_object_get_string_len(src) > 64)
			return bad(err, name, "memory.qemu.source", "is longer than 64 bytes");
		if (!(m->qemu_source = strdup(json_object_get_string(src))))
			return prof_nomem(err);
	}
	return 0;
}

static int load_point(json_object *e, const char *path, const char *name,
		      struct prof_mem_point *pt, struct kit_err *err)
{
	json_object *v;
	char full[128];
	size_t i;

	if (!json_object_is_type(e, json_type_object))
		return bad(err, name, path, "must be an object");
	snprintf(full, sizeof full, "%s.at", path);
	if (!json_object_object_get_ex(e, "at", &v) || !v)
		return bad(err, name, full, "is missing");
	if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v))
		return bad(err, name, full, "must be a string, not empty");
	if (json_object_get_string_len(v) > 64)
		return bad(err, name, full, "is longer than 64 bytes");
	snprintf(full, sizeof full, "%s.t_ns", path);
	if (!json_object_object_get_ex(e, "t_ns", &v) || !v)
		return bad(err, name, full, "is missing");
	if (!json_object_is_type(v, json_type_int))
		return bad(err, name, full, "must be an integer");
	errno = 0;
	pt->t_ns = json_object_get_int64(v);
	if (errno == ERANGE || pt->t_ns > PROF_NS_MAX || pt->t_ns < -PROF_NS_MAX)
		return bad(err, name, full, "is out of range (more than 2^53 ns, 104 days)");
	for (i = 0; i < NPT; i++)
		if (get_kb(e, pt_fields[i].key, path, KB_MAX, -1, pt_at(pt, i), name, err))
			return -1;
	if (pt->total_kb <= 0) {
		snprintf(full, sizeof full, "%s.total_kb", path);
		return bad(err, name, full, pt->total_kb ? "is missing" : "must be above 0");
	}
	json_object_object_get_ex(e, "at", &v);
	if (!(pt->at = prof_utf8_dup(json_object_get_string(v), 64, NULL)))
		return prof_nomem(err);
	return 0;
}

int prof_memory_load(json_object *root, const char *name, struct prof_memory *m,
		     struct kit_err *err)
{
	json_object *o, *arr;
	size_t i, n;

	if (!json_object_object_get_ex(root, "memory", &o) || !o)
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return bad(err, name, "memory", "must be an object");
	if (load_qemu(o, name, m, err))
		return -1;
	if (!json_object_object_get_ex(o, "guest", &arr) || !arr)
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return bad(err, name, "memory.guest", "must be an array");
	n = json_object_array_length(arr);
	if (n > 1000000)
		return bad(err, name, "memory.guest", "has more than 1000000 entries");
	if (n && !(m->points = calloc(n, sizeof *m->points)))
		return prof_nomem(err);
	for (i = 0; i < n; i++) {
		char path[64];

		snprintf(path, sizeof path, "memory.guest[%zu]", i);
		m->npoints = i + 1;   /* freed by prof_free() even when bad */
		if (load_point(json_object_array_get_idx(arr, i), path, name,
			       &m->points[i], err))
			return -1;
	}
	return 0;
}

static int put_i64(json_object *o, const char *key, int64_t v)
{
	json_object *j = json_object_new_int64(v);

	return !j || json_object_object_add(o, key, j) ? -1 : 0;
}

/* The "memory" object, or NULL with *fail 0 when there is nothing to say. */
json_object *prof_memory_json(const struct prof_memory *m, int *fail)
{
	json_object *o, *q, *arr, *e;
	size_t i, k;

	*fail = 0;
	if (!m->qemu_peak_rss_kb && !m->npoints)
		return NULL;
	*fail = 1;
	if (!(o = json_object_new_object()))
		return NULL;
	if (m->qemu_peak_rss_kb) {
		if (!(q = json_object_new_object()) || json_object_object_add(o, "qemu", q) ||
		    put_i64(q, "peak_rss_kb", m->qemu_peak_rss_kb) ||
		    (m->qemu_user_us && put_i64(q, "user_us", m->qemu_user_us)) ||
		    (m->qemu_system_us && put_i64(q, "system_us", m->qemu_system_us)) ||
		    (m->qemu_source && json_object_object_add(q, "source",
				prof_json_string(m->qemu_source))))
			goto fail;
	}
	if (m->npoints) {
		if (!(arr = json_object_new_array()) ||
		    json_object_object_add(o, "guest", arr))
			goto fail;
		for (i = 0; i < m->npoints; i++) {
			const struct prof_mem_point *pt = &m->points[i];

			if (!(e = json_object_new_object()) || json_object_array_add(arr, e) ||
			    json_object_object_add(e, "at", prof_json_string(pt->at)) ||
			    put_i64(e, "t_ns", pt->t_ns))
				goto fail;
			for (k = 0; k < NPT; k++)
				if (pt_get(pt, k) >= 0 && put_i64(e, pt_fields[k].key, pt_get(pt, k)))
					goto fail;
		}
	}
	*fail = 0;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/* ---- the text report ------------------------------------------------------ */

/* MiB with one decimal, or "-" */
static const char *mib(char *b, size_t len, double kb)
{
	if (kb < 0 || !isfinite(kb))
		snprintf(b, len, "-");
	else
		snprintf(b, len, "%.1f", kb / 1024);
	return b;
}

/* The point the summary line shows: userspace's, else the last. */
static const struct prof_mem_point *headline(const struct prof_profile *p)
{
	const struct prof_mem_point *pt = prof_mem_find(p, "userspace");

	if (!pt && p->memory.npoints)
		pt = &p->memory.points[p->memory.npoints - 1];
	return pt;
}

void prof_text_memory_line(const struct prof_profile *p, FILE *out)
{
	const struct prof_memory *m = &p->memory;
	const struct prof_mem_point *pt = headline(p);
	struct prof_mem_free f;
	char b[7][32];

	if (!m->qemu_peak_rss_kb && !pt)
		return;
	fputs("Memory:", out);
	if (m->qemu_peak_rss_kb)
		fprintf(out, " qemu peak RSS %s MiB%s", mib(b[0], sizeof b[0],
			(double)m->qemu_peak_rss_kb), pt ? ";" : "");
	if (pt) {
		char at[80];

		prof_mem_free_of(pt, &f);
		prof_esc(at, sizeof at, pt->at);
		fprintf(out, " guest at %s: %s MiB total, %s used, %s free, %s "
			"buff/cache, %s available; kernel %s (slab %s)",
			!strcmp(at, "end") ? "the end" : at,
			mib(b[0], sizeof b[0], (double)f.total),
			mib(b[1], sizeof b[1], (double)f.used),
			mib(b[2], sizeof b[2], (double)f.free),
			mib(b[3], sizeof b[3], (double)f.buff_cache),
			mib(b[4], sizeof b[4], (double)f.available),
			mib(b[5], sizeof b[5], (double)f.kernel),
			mib(b[6], sizeof b[6], (double)f.slab));
	}
	fputc('\n', out);
}

void prof_text_memory_table(const struct prof_profile *p, FILE *out)
{
	const struct prof_memory *m = &p->memory;
	struct prof_mem_free f;
	char b[9][32], at[40];
	size_t i;
	int head = 0;

	for (i = 0; i < m->npoints; i++) {
		const struct prof_mem_point *pt = &m->points[i];

		/* the named moments; "read" points are for the SVG */
		if (!strcmp(pt->at, "read"))
			continue;
		if (!head++)
			fprintf(out, "\nGuest memory (MiB, the kernel's own counters; "
				"free(1)'s columns)\n  %-18s %10s %8s %8s %8s %8s %10s %9s %8s %8s\n",
				"at", "time (ms)", "total", "used", "free", "shared",
				"buff/cache", "available", "kernel", "slab");
		prof_mem_free_of(pt, &f);
		fprintf(out, "  %-18.18s %10s %8s %8s %8s %8s %10s %9s %8s %8s\n",
			prof_esc(at, sizeof at, pt->at),
			prof_fmt_ms(b[8], sizeof b[8], (double)pt->t_ns, 1),
			mib(b[0], sizeof b[0], (double)f.total),
			mib(b[1], sizeof b[1], (double)f.used),
			mib(b[2], sizeof b[2], (double)f.free),
			mib(b[3], sizeof b[3], (double)f.shared),
			mib(b[4], sizeof b[4], (double)f.buff_cache),
			mib(b[5], sizeof b[5], (double)f.available),
			mib(b[6], sizeof b[6], (double)f.kernel),
			mib(b[7], sizeof b[7], (double)f.slab));
	}
}

/* ---- several runs, compare ------------------------------------------------ */

static const char *const moments[] = { "userspace", "end" };
static const struct {
	const char *key, *label;
	size_t off;
} free_cols[] = {
#define C(k, l, m) { k, l, offsetof(struct prof_mem_free, m) }
	C("used", "used", used), C("free", "free", free),
	C("buff_cache", "buff/cache", buff_cache), C("kernel", "kernel", kernel),
	C("slab", "slab", slab), C("available", "available", available),
#undef C
};

int prof_memory_add_run(struct prof_runs *r, size_t run,
			const struct prof_profile *p, struct kit_err *err)
{
	const struct prof_memory *m = &p->memory;
	char key[96], label[96];
	size_t i, k;

	if (m->qemu_peak_rss_kb &&
	    prof_series_add(r, run, "mem:qemu:peak_rss", "qemu peak RSS", NULL,
			    PROF_SERIES_MEMORY, 0, (double)m->qemu_peak_rss_kb, err))
		return -1;
	for (i = 0; i < sizeof moments / sizeof moments[0]; i++) {
		const struct prof_mem_point *pt = prof_mem_find(p, moments[i]);
		struct prof_mem_free f;

		if (!pt)
			continue;
		prof_mem_free_of(pt, &f);
		for (k = 0; k < sizeof free_cols / sizeof free_cols[0]; k++) {
			int64_t v = *(const int64_t *)((const char *)&f + free_cols[k].off);

			if (v < 0)
				continue;
			snprintf(key, sizeof key, "mem:%s:%s", moments[i], free_cols[k].key);
			snprintf(label, sizeof label, "guest %s at %s", free_cols[k].label,
				 i ? "the end" : moments[i]);
			if (prof_series_add(r, run, key, label, NULL, PROF_SERIES_MEMORY,
					    (int64_t)(1 + i * 16 + k), (double)v, err))
				return -1;
		}
	}
	return 0;
}

/* Under the summary of several runs: qemu's peak RSS and the guest's
 * used memory at userspace, mean ± sd. */
void prof_text_memory_runs_line(const struct prof_runs *r, FILE *out)
{
	const struct prof_series *q = prof_runs_find(r, "mem:qemu:peak_rss");
	const struct prof_series *u = prof_runs_find(r, "mem:userspace:used");
	const struct prof_series *k = prof_runs_find(r, "mem:userspace:kernel");
	char b[6][24];

	if (!q && !u)
		return;
	fputs("Memory:", out);
	if (q)
		fprintf(out, " qemu peak RSS %s \xc2\xb1 %s MiB (n=%zu)%s",
			mib(b[0], sizeof b[0], q->st.mean), mib(b[1], sizeof b[1], q->st.sd),
			q->st.n, u ? ";" : "");
	if (u) {
		fprintf(out, " guest used at userspace %s \xc2\xb1 %s MiB",
			mib(b[2], sizeof b[2], u->st.mean), mib(b[3], sizeof b[3], u->st.sd));
		if (k)
			fprintf(out, ", kernel %s \xc2\xb1 %s", mib(b[4], sizeof b[4], k->st.mean),
				mib(b[5], sizeof b[5], k->st.sd));
	}
	fputc('\n', out);
}

void prof_text_memory_runs(const struct prof_runs *r, FILE *out)
{
	char b[4][32], lb[64];
	size_t i;
	int head = 0;

	for (i = 0; i < r->ns; i++) {
		const struct prof_series *s = &r->s[i];

		if (s->kind != PROF_SERIES_MEMORY)
			continue;
		if (!head++)
			fprintf(out, "\nMemory (MiB)\n  %-34s%11s %9s %11s %11s %3s\n", "",
				"mean", "sd", "min", "max", "n");
		fprintf(out, "  %-34.34s%11s %9s %11s %11s %3zu\n",
			prof_esc(lb, sizeof lb, s->label),
			mib(b[0], sizeof b[0], s->st.mean), mib(b[1], sizeof b[1], s->st.sd),
			mib(b[2], sizeof b[2], s->st.min), mib(b[3], sizeof b[3], s->st.max),
			s->st.n);
	}
}

/* A memory change is marked (MORE / less) as a time is, in KiB. */
static int mem_mark(const struct prof_series *a, const struct prof_series *b,
		    const struct prof_compare_opts *o, struct prof_welch *w,
		    double *pct)
{
	double d = b->st.mean - a->st.mean;

	*pct = a->st.mean > 0 ? 100 * d / a->st.mean : NAN;
	prof_welch_test(&a->st, &b->st, w);
	if (fabs(*pct) >= (o->threshold_pct > 0 ? o->threshold_pct : 5) &&
	    fabs(d) >= MEM_MIN_DELTA_KB &&
	    (isnan(w->p) || w->p < (o->alpha > 0 ? o->alpha : 0.05)))
		return d > 0 ? 1 : -1;
	return 0;
}

static void side(char *buf, size_t len, const struct prof_series *s)
{
	char m[24], sd[24];

	if (!s)
		snprintf(buf, len, "-");
	else if (s->st.n < 2)
		snprintf(buf, len, "%s", mib(m, sizeof m, s->st.mean));
	else
		snprintf(buf, len, "%s \xc2\xb1 %s", mib(m, sizeof m, s->st.mean),
			 mib(sd, sizeof sd, s->st.sd));
}

void prof_memory_compare_text(const struct prof_runs *a, const struct prof_runs *b,
			      const struct prof_compare_opts *o, FILE *out)
{
	const struct prof_runs *grp[2] = { a, b };
	char b1[80], b2[80], p[32], lb[64];
	size_t g, i;
	int head = 0;

	for (g = 0; g < 2; g++)
		for (i = 0; i < grp[g]->ns; i++) {
			const struct prof_series *s = &grp[g]->s[i];
			const struct prof_series *sa, *sb;
			struct prof_welch w = { NAN, NAN, NAN };
			double pct = NAN;
			int mark = 0;

			if (s->kind != PROF_SERIES_MEMORY || (g && prof_runs_find(a, s->key)))
				continue;
			sa = g ? NULL : s;
			sb = prof_runs_find(b, s->key);
			if (sa && sb)
				mark = mem_mark(sa, sb, o, &w, &pct);
			if (!head++)
				fprintf(out, "\nMemory (MiB): marked when |B - A| >= %g%% and >= %d KiB "
					"and Welch p < %g\n  %-6s  %-40s %20s %20s %12s %8s %8s\n",
					o->threshold_pct > 0 ? o->threshold_pct : 5,
					MEM_MIN_DELTA_KB, o->alpha > 0 ? o->alpha : 0.05, "",
					"what", "A (MiB)", "B (MiB)", "B - A (MiB)", "%", "p");
			side(b1, sizeof b1, sa);
			side(b2, sizeof b2, sb);
			if (isnan(w.p))
				snprintf(p, sizeof p, "n/a");
			else if (w.p < 0.0001)
				snprintf(p, sizeof p, "<0.0001");
			else
				snprintf(p, sizeof p, "%.4f", w.p);
			fprintf(out, "  %-6s  %-40.40s %*s %*s %+12.1f ",
				mark > 0 ? "MORE" : mark < 0 ? "less" : "",
				prof_esc(lb, sizeof lb, s->label),
				strstr(b1, "\xc2\xb1") ? 21 : 20, b1,
				strstr(b2, "\xc2\xb1") ? 21 : 20, b2,
				((sb ? sb->st.mean : 0) - (sa ? sa->st.mean : 0)) / 1024);
			if (isnan(pct))
				fprintf(out, "%8s", !sa ? "new" : "-");
			else
				fprintf(out, "%+7.1f%%", pct);
			fprintf(out, " %8s\n", !sa ? "only B" : !sb ? "only A" : p);
		}
}

static json_object *stat_json(const struct prof_series *s)
{
	json_object *g;

	if (!s || !(g = json_object_new_object()))
		return NULL;
	json_object_object_add(g, "n", json_object_new_int64((int64_t)s->st.n));
	json_object_object_add(g, "mean_kb", json_object_new_double(s->st.mean));
	json_object_object_add(g, "sd_kb", json_object_new_double(s->st.sd));
	json_object_object_add(g, "min_kb", json_object_new_double(s->st.min));
	json_object_object_add(g, "max_kb", json_object_new_double(s->st.max));
	return g;
}

int prof_memory_compare_json(const struct prof_runs *a, const struct prof_runs *b,
			     const struct prof_compare_opts *o, json_object *root)
{
	const struct prof_runs *grp[2] = { a, b };
	json_object *arr = json_object_new_array();
	size_t g, i;

#define NUM(x) (isfinite(x) ? json_object_new_double(x) : NULL)
	if (!arr || json_object_object_add(root, "memory", arr)) {
		json_object_put(arr);
		return -1;
	}
	for (g = 0; g < 2; g++)
		for (i = 0; i < grp[g]->ns; i++) {
			const struct prof_series *s = &grp[g]->s[i], *sa, *sb;
			struct prof_welch w = { NAN, NAN, NAN };
			double pct = NAN;
			int mark = 0;
			json_object *e;

			if (s->kind != PROF_SERIES_MEMORY || (g && prof_runs_find(a, s->key)))
				continue;
			sa = g ? NULL : s;
			sb = prof_runs_find(b, s->key);
			if (sa && sb)
				mark = mem_mark(sa, sb, o, &w, &pct);
			if (!(e = json_object_new_object()) || json_object_array_add(arr, e)) {
				json_object_put(e);
				return -1;
			}
			json_object_object_add(e, "key", prof_json_string(s->key));
			json_object_object_add(e, "label", prof_json_string(s->label));
			json_object_object_add(e, "a", stat_json(sa));
			json_object_object_add(e, "b", stat_json(sb));
			json_object_object_add(e, "delta_kb", NUM((sb ? sb->st.mean : 0) -
								  (sa ? sa->st.mean : 0)));
			json_object_object_add(e, "delta_pct", NUM(pct));
			json_object_object_add(e, "t", NUM(w.t));
			json_object_object_add(e, "df", NUM(w.df));
			json_object_object_add(e, "p", NUM(w.p));
			json_object_object_add(e, "mark", json_object_new_string(
				mark > 0 ? "more" : mark < 0 ? "less" : "none"));
		}
#undef NUM
	return 0;
}

/* ---- the SVG ---------------------------------------------------------------- */

#define MEM_H 60.0     /* the memory panel's chart */

double prof_svg_memory_height(const struct prof_profile *p)
{
	return p->memory.npoints || p->memory.qemu_peak_rss_kb ? 24 + MEM_H + 24 : 0;
}

/*
 * The memory panel from y, on the overview's axis (x = x0 + (t - lo) *
 * scale, up to x1): the guest's memory at each read as stacked steps,
 * used (free(1)'s: total - available) at the bottom, then buff/cache,
 * then free, to the total; qemu's peak RSS in the heading.  The y below.
 */
double prof_svg_memory(FILE *out, const struct prof_profile *p, double lo,
		       double scale, double x0, double x1, double y)
{
	const struct prof_memory *m = &p->memory;
	double top = 1, yb;
	char b[4][32];
	size_t i;

	if (!prof_svg_memory_height(p))
		return y;
	for (i = 0; i < m->npoints; i++)
		if ((double)m->points[i].total_kb > top)
			top = (double)m->points[i].total_kb;
	fprintf(out, "<text x=\"10\" y=\"%.1f\" font-weight=\"bold\">memory</text>"
		"<text x=\"%.0f\" y=\"%.1f\">guest (its own counters): "
		"<tspan fill=\"#c0504d\">\xe2\x96\xa0</tspan> used "
		"<tspan fill=\"#f2c14e\">\xe2\x96\xa0</tspan> buff/cache "
		"<tspan fill=\"#cfe3c6\">\xe2\x96\xa0</tspan> free, of %s MiB",
		y + 12, x0, y + 12, mib(b[0], sizeof b[0], m->npoints ? top : -1));
	if (m->qemu_peak_rss_kb)
		fprintf(out, "; qemu peak RSS %s MiB", mib(b[1], sizeof b[1],
							  (double)m->qemu_peak_rss_kb));
	fputs("</text>\n", out);
	y += 24;
	yb = y + MEM_H;
	for (i = 0; i < m->npoints; i++) {
		const struct prof_mem_point *pt = &m->points[i];
		struct prof_mem_free f;
		double xa = x0 + ((double)pt->t_ns - lo) * scale, xb, h[3], yy = yb;
		const char *col[3] = { "#c0504d", "#f2c14e", "#cfe3c6" };
		int k;

		if (!strcmp(pt->at, "end") && i && m->points[i - 1].t_ns == pt->t_ns)
			continue;      /* the copy of the last read */
		xb = i + 1 < m->npoints ? x0 + ((double)m->points[i + 1].t_ns - lo) * scale
					: xa + 3;
		if (xa < x0 || xa > x1)
			continue;
		if (xb > x1)
			xb = x1;
		if (xb - xa < 1)
			xb = xa + 1;
		prof_mem_free_of(pt, &f);
		h[0] = f.used > 0 ? (double)f.used : 0;
		h[1] = f.buff_cache > 0 ? (double)f.buff_cache : 0;
		h[2] = f.free > 0 ? (double)f.free : 0;
		for (k = 0; k < 3; k++) {
			double hh = h[k] / top * MEM_H;

			if (hh <= 0)
				continue;
			yy -= hh;
			fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
				"fill=\"%s\"><title>", xa, yy, xb - xa, hh, col[k]);
			prof_xml_puts(out, pt->at);
			fprintf(out, " at %.3f s: %s MiB used, %s buff/cache, %s free, "
				"kernel %s</title></rect>\n", ((double)pt->t_ns - lo) / 1e9,
				mib(b[0], sizeof b[0], (double)f.used),
				mib(b[1], sizeof b[1], (double)f.buff_cache),
				mib(b[2], sizeof b[2], (double)f.free),
				mib(b[3], sizeof b[3], (double)f.kernel));
		}
	}
	return yb + 24;
}
