/*
 * compare.c: what got slower or faster between two groups of runs (A, the
 * baseline, and B), in the manner of libguestfs's boot-benchmark-range:
 * every total, phase, initcall level and initcall, the difference of the
 * means, and Welch's t-test.  A change is marked (SLOWER / faster) when
 *   |B - A| >= threshold % of A, and
 *   |B - A| >= min_delta_ns (a 2 us initcall doubling is not news), and
 *   Welch's two-sided p < alpha, or p is undefined because a group has a
 *   single run (then the threshold alone decides; the report says so).
 * Ranked: totals first, then by |B - A|.
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
		if (fabs(c->delta_pct) >= o.threshold_pct &&
		    fabs(c->delta_ns) >= (double)o.min_delta_ns &&
		    (isnan(c->w.p) || c->w.p < o.alpha)) {
			c->mark = c->delta_ns > 0 ? 1 : -1;
			cmp->marked++;
		}
	}
	qsort(cmp->c, n, sizeof *cmp->c, ranked);
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

int prof_report_compare(const struct prof_runs *a, const struct prof_runs *b,
			const struct prof_comparison *cmp,
			const struct prof_compare_opts *opts, FILE *out,
			struct kit_err *err)
{
	struct prof_compare_opts o;
	size_t i, shown = 0, slower = 0;
	char b1[64], b2[64], b3[32], w[600];
	int single;

	defaults(opts, &o);
	if (o.json)
		return compare_json(a, b, cmp, &o, out, err);
	for (i = 0; i < cmp->n; i++)
		slower += cmp->c[i].mark > 0;
	single = a->n < 2 || b->n < 2;

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
	fprintf(out, "%zu change%s marked: %zu slower, %zu faster\n",
		cmp->marked, cmp->marked == 1 ? "" : "s", slower,
		cmp->marked - slower);
	group_line(out, "A", a);
	group_line(out, "B", b);
	fprintf(out, "marked: |B - A| >= %g%% and >= %.3f ms and Welch p < %g%s\n",
		o.threshold_pct, (double)o.min_delta_ns / 1e6, o.alpha,
		single ? " (one run in a group: no t-test, the threshold alone decides)" : "");

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
