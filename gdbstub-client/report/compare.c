/*
 * compare.c: what got slower or faster between two groups of runs (A, the
 * baseline, and B), in the manner of libguestfs's boot-benchmark-range:
 * every total, phase, initcall level and initcall, the difference of the
 * means, and Welch's t-test.  A change is marked (SLOWER / faster) when
 *   each group has PROF_COMPARE_MIN_RUNS runs or more (one run cannot
 *   tell a change from the noise between boots: then nothing is marked,
 *   and the report says "not enough runs to tell noise from change"), and
 *   |B - A| >= threshold % of A, and
 *   |B - A| >= min_delta_ns (a 2 us initcall doubling is not news), and
 *   Welch's two-sided p < alpha.
 * Ranked: totals first, then by |B - A|.  With the noise of the headline
 * total known, the report also says how many runs a group would let the
 * test see a change of the threshold's size (power.c).
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TOP 20

static void defaults(const struct prof_compare_opts *o,
		     struct prof_compare_opts *d)
{
	*d = *o;
	if (d->threshold_pct <= 0)
		d->threshold_pct = 5;
	if (d->alpha <= 0)
		d->alpha = 0.05;
	if (d->min_delta_ns < 0)
		d->min_delta_ns = 0;
	if (!d->top)
		d->top = DEFAULT_TOP;
}

static int ranked(const void *x, const void *y)
{
	const struct prof_change *a = x, *b = y;
	const struct prof_series *sa = a->a ? a->a : a->b;
	const struct prof_series *sb = b->a ? b->a : b->b;
	int ta = sa->kind == PROF_SERIES_TOTAL, tb = sb->kind == PROF_SERIES_TOTAL;
	double da = fabs(a->delta_ns), db = fabs(b->delta_ns);

	if (ta != tb)
		return tb - ta;
	if (ta)
		return (sa->order > sb->order) - (sa->order < sb->order);
	if (da != db)
		return da < db ? 1 : -1;
	return strcmp(sa->key, sb->key);
}

/*
 * The runs a group the test needs to see a change of the threshold's size
 * in the headline total (the first total both groups have), against the
 * noise its runs show.
 */
static void advise(struct prof_comparison *cmp, const struct prof_compare_opts *o)
{
	const struct prof_change *h = NULL;
	double sa, sb;
	size_t i;

	cmp->noise_a_ns = cmp->noise_b_ns = cmp->effect_ns = NAN;
	for (i = 0; i < cmp->n && !h; i++)
		if (cmp->c[i].a && cmp->c[i].b &&
		    cmp->c[i].a->kind == PROF_SERIES_TOTAL)
			h = &cmp->c[i];
	if (!(cmp->headline = h))
		return;
	cmp->effect_ns = o->threshold_pct / 100 * h->a->st.mean;
	if (cmp->effect_ns < (double)o->min_delta_ns)
		cmp->effect_ns = (double)o->min_delta_ns;
	sa = h->a->st.n >= 2 ? h->a->st.sd : NAN;
	sb = h->b->st.n >= 2 ? h->b->st.sd : NAN;
	/* one group's noise stands for the other's when that has one run */
	cmp->noise_a_ns = isnan(sa) ? sb : sa;
	cmp->noise_b_ns = isnan(sb) ? sa : sb;
	if (!isnan(cmp->noise_a_ns))
		cmp->runs_needed = prof_runs_needed(cmp->noise_a_ns, cmp->noise_b_ns,
						    cmp->effect_ns, o->alpha,
						    PROF_COMPARE_POWER);
}

int prof_compare(const struct prof_runs *a, const struct prof_runs *b,
		 const struct prof_compare_opts *opts,
		 struct prof_comparison *cmp, struct kit_err *err)
{
	struct prof_compare_opts o;
	size_t i, n = 0;

	defaults(opts, &o);
	memset(cmp, 0, sizeof *cmp);
	if (!(cmp->c = calloc(a->ns + b->ns + 1, sizeof *cmp->c)))
		return kit_seterr(err, ENOMEM, "out of memory");
	for (i = 0; i < a->ns; i++) {
		/* memory (KiB) has a table of its own (memory.c) */
		if (a->s[i].kind == PROF_SERIES_MEMORY)
			continue;
		cmp->c[n].a = &a->s[i];
		cmp->c[n].b = prof_runs_find(b, a->s[i].key);
		n++;
	}
	for (i = 0; i < b->ns; i++)
		if (b->s[i].kind != PROF_SERIES_MEMORY && !prof_runs_find(a, b->s[i].key))
			cmp->c[n++].b = &b->s[i];
	cmp->n = n;
	cmp->enough = a->n >= PROF_COMPARE_MIN_RUNS && b->n >= PROF_COMPARE_MIN_RUNS;
	for (i = 0; i < n; i++) {
		struct prof_change *c = &cmp->c[i];
		double ma = c->a ? c->a->st.mean : 0;
		double mb = c->b ? c->b->st.mean : 0;

		c->delta_ns = mb - ma;
		c->delta_pct = ma > 0 ? 100 * (mb - ma) / ma : NAN;
		c->w.t = c->w.df = c->w.p = NAN;
		if (!c->a || !c->b)
			continue;
		prof_welch_test(&c->a->st, &c->b->st, &c->w);
		if (cmp->enough && fabs(c->delta_pct) >= o.threshold_pct &&
		    fabs(c->delta_ns) >= (double)o.min_delta_ns &&
		    c->w.p < o.alpha) {
			c->mark = c->delta_ns > 0 ? 1 : -1;
			cmp->marked++;
		}
	}
	qsort(cmp->c, n, sizeof *cmp->c, ranked);
	advise(cmp, &o);
	return 0;
}

void prof_comparison_free(struct prof_comparison *cmp)
{
	free(cmp->c);
	memset(cmp, 0, sizeof *cmp);
}

static void what(const struct prof_series *s, char *b, size_t len)
{
	char l[256], v[64];

	prof_esc(l, sizeof l, s->label);
	switch (s->kind) {
	case PROF_SERIES_TOTAL:
		snprintf(b, len, "%s", l);
		break;
	case PROF_SERIES_PHASE:
		snprintf(b, len, "phase %s", l);
		break;
	case PROF_SERIES_LEVEL:
		snprintf(b, len, "level %s (in calls)", l);
		break;
	default:
		snprintf(b, len, "initcall %s (%s)", l,
			 s->level ? prof_esc(v, sizeof v, s->level) : "?");
	}
}

static void fmt_p(char *b, size_t len, double p)
{
	if (isnan(p))
		snprintf(b, len, "n/a");
	else if (p < 0.0001)
		snprintf(b, len, "<0.0001");
	else
		snprintf(b, len, "%.4f", p);
}

static void group_line(FILE *out, const char *name,
		       const struct prof_runs *r)
{
	size_t i;

	fprintf(out, "%s: %zu run%s", name, r->n, r->n == 1 ? "" : "s");
	if (r->discarded)
		fprintf(out, " (%zu warm-up discarded)", r->discarded);
	if (r->incomplete)
		fprintf(out, " (%d incomplete left out)", r->incomplete);
	fputs(":", out);
	for (i = 0; i < r->n; i++) {
		fputc(' ', out);
		prof_esc_puts(out, r->p[i]->source ? r->p[i]->source : "-");
	}
	fputc('\n', out);
}

static const char *mark_word(int mark)
{
	return mark > 0 ? "SLOWER" : mark < 0 ? "faster" : "";
}

static const char *mark_color(int color, int mark)
{
	return !color || !mark ? "" : mark > 0 ? C_RED C_BOLD : C_GREEN;
}

static void side(char *b, size_t len, const struct prof_series *s, int d)
{
	if (!s)
		snprintf(b, len, "-");
	else if (s->st.n < 2)
		snprintf(b, len, "%.*f", d, s->st.mean / 1e6);
	else
		prof_fmt_msd(b, len, s->st.mean, s->st.sd, d);
}

/* A and B on the same machines; 1 when that cannot be told (no memory) */
static int compare_same_machines(const struct prof_runs *a,
				 const struct prof_runs *b)
{
	struct prof_machines ma, mb;
	int same = 1;

	if (prof_machines_of(a->p, a->n, &ma, NULL))
		return 1;
	if (!prof_machines_of(b->p, b->n, &mb, NULL)) {
		same = prof_machines_same(&ma, &mb);
		prof_machines_free(&mb);
	}
	prof_machines_free(&ma);
	return same;
}

static int compare_json(const struct prof_runs *a, const struct prof_runs *b,
			const struct prof_comparison *cmp,
			const struct prof_compare_opts *o, FILE *out,
			struct kit_err *err)
{
	json_object *root = json_object_new_object(), *arr = NULL;
	size_t i;

#define NUM(x) (isfinite(x) ? json_object_new_double(x) : NULL)
	if (!root)
		goto nomem;
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "kind", json_object_new_string("compare"));
	json_object_object_add(root, "runs_a", json_object_new_int64((int64_t)a->n));
	json_object_object_add(root, "runs_b", json_object_new_int64((int64_t)b->n));
	json_object_object_add(root, "threshold_pct", json_object_new_double(o->threshold_pct));
	json_object_object_add(root, "alpha", json_object_new_double(o->alpha));
	json_object_object_add(root, "min_delta_ns", json_object_new_int64(o->min_delta_ns));
	json_object_object_add(root, "marked", json_object_new_int64((int64_t)cmp->marked));
	json_object_object_add(root, "min_runs", json_object_new_int(PROF_COMPARE_MIN_RUNS));
	json_object_object_add(root, "machines_a", prof_machines_json(a->p, a->n));
	json_object_object_add(root, "machines_b", prof_machines_json(b->p, b->n));
	json_object_object_add(root, "same_machines", json_object_new_boolean(
		compare_same_machines(a, b)));
	json_object_object_add(root, "enough_runs", json_object_new_boolean(cmp->enough));
	json_object_object_add(root, "power", json_object_new_double(PROF_COMPARE_POWER));
	json_object_object_add(root, "effect_ns", NUM(cmp->effect_ns));
	json_object_object_add(root, "noise_sd_a_ns", NUM(cmp->noise_a_ns));
	json_object_object_add(root, "noise_sd_b_ns", NUM(cmp->noise_b_ns));
	json_object_object_add(root, "runs_needed", cmp->runs_needed ?
		json_object_new_int64((int64_t)cmp->runs_needed) : NULL);
	if (!(arr = json_object_new_array()))
		goto nomem;
	json_object_object_add(root, "changes", arr);
	for (i = 0; i < cmp->n; i++) {
		const struct prof_change *c = &cmp->c[i];
		const struct prof_series *sr = c->a ? c->a : c->b;
		json_object *e = json_object_new_object(), *g;
		const struct prof_series *grp[2] = { c->a, c->b };
		int k;

		if (!e || json_object_array_add(arr, e)) {
			json_object_put(e);
			goto nomem;
		}
		json_object_object_add(e, "key", prof_json_string(sr->key));
		json_object_object_add(e, "label", prof_json_string(sr->label));
		json_object_object_add(e, "kind", json_object_new_string(
			sr->kind == PROF_SERIES_TOTAL ? "total" :
			sr->kind == PROF_SERIES_PHASE ? "phase" :
			sr->kind == PROF_SERIES_LEVEL ? "level" : "initcall"));
		for (k = 0; k < 2; k++) {
			const struct prof_series *x = grp[k];

			if (!x) {
				json_object_object_add(e, k ? "b" : "a", NULL);
				continue;
			}
			g = json_object_new_object();
			json_object_object_add(e, k ? "b" : "a", g);
			json_object_object_add(g, "n", json_object_new_int64((int64_t)x->st.n));
			json_object_object_add(g, "mean_ns", NUM(x->st.mean));
			json_object_object_add(g, "sd_ns", NUM(x->st.sd));
			json_object_object_add(g, "min_ns", NUM(x->st.min));
			json_object_object_add(g, "max_ns", NUM(x->st.max));
		}
		json_object_object_add(e, "delta_ns", NUM(c->delta_ns));
		json_object_object_add(e, "delta_pct", NUM(c->delta_pct));
		json_object_object_add(e, "t", NUM(c->w.t));
		json_object_object_add(e, "df", NUM(c->w.df));
		json_object_object_add(e, "p", NUM(c->w.p));
		json_object_object_add(e, "mark", json_object_new_string(
			c->mark > 0 ? "slower" : c->mark < 0 ? "faster" : "none"));
	}
#undef NUM
	if (prof_memory_compare_json(a, b, o, root) < 0)
		goto nomem;
	return prof_json_emit(root, out, err);
nomem:
	json_object_put(root);
	return kit_seterr(err, ENOMEM, "out of memory");
}

/*
 * "runs: ..." the runs a group the test needs for a change of the
 * threshold's size in the headline total, or why that is not known.
 */
static void runs_advice(FILE *out, const struct prof_runs *a,
			const struct prof_runs *b,
			const struct prof_comparison *cmp,
			const struct prof_compare_opts *o)
{
	const struct prof_change *h = cmp->headline;
	char e[32], na[32], nb[32];

	fprintf(out, "runs: A %zu, B %zu", a->n, b->n);
	if (!h) {
		fputs("; no total in both groups to size the runs for\n", out);
		return;
	}
	if (isnan(cmp->noise_a_ns)) {
		fprintf(out, "; how many the test needs depends on the noise between "
			"boots, which one run cannot show: run each side %d or more "
			"times (boot-profile --runs N) and compare says how many\n",
			PROF_COMPARE_MIN_RUNS);
		return;
	}
	prof_fmt_ms(e, sizeof e, cmp->effect_ns, 1);
	prof_fmt_ms(na, sizeof na, cmp->noise_a_ns, 1);
	prof_fmt_ms(nb, sizeof nb, cmp->noise_b_ns, 1);
	fprintf(out, "; to see a %g%% change of %s (%s ms) against its noise (sd %s ms "
		"in A, %s ms in B%s) with %.0f%% power at p < %g: ",
		o->threshold_pct, h->a->label, e, na, nb,
		h->a->st.n < 2 || h->b->st.n < 2 ? ", one group's for both" : "",
		100 * PROF_COMPARE_POWER, o->alpha);
	if (!cmp->runs_needed)
		fprintf(out, "more than %d a group\n", PROF_RUNS_NEEDED_MAX);
	else
		fprintf(out, "%zu a group%s\n", cmp->runs_needed,
			cmp->enough && (a->n < cmp->runs_needed || b->n < cmp->runs_needed) ?
			" (fewer: a change that size may go unmarked)" : "");
}

int prof_report_compare(const struct prof_runs *a, const struct prof_runs *b,
			const struct prof_comparison *cmp,
			const struct prof_compare_opts *opts, FILE *out,
			struct kit_err *err)
{
	struct prof_compare_opts o;
	size_t i, shown = 0, slower = 0;
	char b1[64], b2[64], b3[32], w[600];

	defaults(opts, &o);
	if (o.json)
		return compare_json(a, b, cmp, &o, out, err);
	for (i = 0; i < cmp->n; i++)
		slower += cmp->c[i].mark > 0;

	/* summary first: the headline total and the count of marks */
	for (i = 0; i < cmp->n; i++) {
		const struct prof_change *c = &cmp->c[i];
		const struct prof_series *s = c->a ? c->a : c->b;

		if (s->kind != PROF_SERIES_TOTAL || !c->a || !c->b)
			continue;
		fmt_p(b3, sizeof b3, c->w.p);
		fprintf(out, "%s%c%s: %.2f s -> %.2f s, %+.1f%% (p %s)%s%s%s%s\n",
			sgr(o.color, C_BOLD), toupper((unsigned char)s->label[0]),
			s->label + 1, c->a->st.mean / 1e9, c->b->st.mean / 1e9,
			c->delta_pct, b3, sgr(o.color, C_OFF),
			c->mark ? "  " : "", mark_color(o.color, c->mark),
			mark_word(c->mark));
		if (o.color && c->mark)
			fputs(C_OFF, out);
		break;
	}
	if (cmp->enough)
		fprintf(out, "%zu change%s marked: %zu slower, %zu faster\n",
			cmp->marked, cmp->marked == 1 ? "" : "s", slower,
			cmp->marked - slower);
	else
		fprintf(out, "%snot enough runs to tell noise from change%s: A has %zu "
			"run%s, B has %zu; the test (Welch's t) needs %d or more in "
			"each group, so nothing is marked\n",
			sgr(o.color, C_YELLOW C_BOLD), sgr(o.color, C_OFF), a->n,
			a->n == 1 ? "" : "s", b->n, PROF_COMPARE_MIN_RUNS);
	group_line(out, "A", a);
	group_line(out, "B", b);
	if (prof_compare_machines(a, b, o.color, out, err))
		return -1;
	if (cmp->enough)
		fprintf(out, "marked: |B - A| >= %g%% and >= %.3f ms and Welch p < %g\n",
			o.threshold_pct, (double)o.min_delta_ns / 1e6, o.alpha);
	runs_advice(out, a, b, cmp, &o);

	fprintf(out, "\n  %-6s  %-40s %20s %20s %12s %8s %8s\n", "", "what",
		"A (ms)", "B (ms)", "B - A (ms)", "%", "p");
	for (i = 0; i < cmp->n; i++) {
		const struct prof_change *c = &cmp->c[i];
		const struct prof_series *s = c->a ? c->a : c->b;
		int d = s->kind == PROF_SERIES_INITCALL ? 3 : 1;

		if (!c->mark && shown >= o.top)
			continue;
		if (!c->mark)
			shown++;
		what(s, w, sizeof w);
		side(b1, sizeof b1, c->a, d);
		side(b2, sizeof b2, c->b, d);
		fmt_p(b3, sizeof b3, c->w.p);
		fprintf(out, "  %s%-6s%s  %-40.40s %*s %*s %+12.*f ",
			mark_color(o.color, c->mark), mark_word(c->mark),
			sgr(o.color && c->mark, C_OFF), w,
			/* "±" is two bytes, one column */
			strstr(b1, "\xc2\xb1") ? 21 : 20, b1,
			strstr(b2, "\xc2\xb1") ? 21 : 20, b2, d,
			c->delta_ns / 1e6);
		if (isnan(c->delta_pct))
			fprintf(out, "%8s", !c->a ? "new" : "-");
		else
			fprintf(out, "%+7.1f%%", c->delta_pct);
		fprintf(out, " %8s\n", !c->a ? "only B" : !c->b ? "only A" : b3);
	}
	prof_memory_compare_text(a, b, &o, out);
	return prof_out_check(out, err);
}
