/*
 * stats.c: mean, sample standard deviation, min, max; Welch's t-test with
 * the Welch-Satterthwaite degrees of freedom and a two-sided p-value from
 * Student's t distribution; and the gathering of one boot's runs into
 * series (one per phase, initcall level, initcall and total).
 *
 * The p-value: for T ~ t(df), P(|T| >= |t|) = I_x(df/2, 1/2) with
 * x = df / (df + t^2), I the regularized incomplete beta function.  I is
 * evaluated from its continued fraction (modified Lentz), on the side of
 * the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges
 * fast (x < (a + 1) / (a + b + 2)).
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double prof_mean(const double *x, size_t n)
{
	double s = 0;
	size_t i;

	if (!n)
		return NAN;
	for (i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

double prof_sd(const double *x, size_t n)
{
	double m, ss = 0;
	size_t i;

	if (n < 2)
		return 0;
	m = prof_mean(x, n);
	/* two passes: the sum of squared deviations, not E[x^2] - E[x]^2 */
	for (i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	return sqrt(ss / (double)(n - 1));
}

void prof_stat_of(const double *x, size_t n, struct prof_stat *st)
{
	size_t i;

	memset(st, 0, sizeof *st);
	st->n = n;
	if (!n) {
		st->mean = st->min = st->max = NAN;
		return;
	}
	st->mean = prof_mean(x, n);
	st->sd = prof_sd(x, n);
	st->min = st->max = x[0];
	for (i = 1; i < n; i++) {
		if (x[i] < st->min)
			st->min = x[i];
		if (x[i] > st->max)
			st->max = x[i];
	}
}

#define CF_TINY 1e-300

/* One step of the modified Lentz method with coefficient num: updates c
 * and d and returns the factor d * c the fraction's value takes. */
static double lentz_step(double num, double *c, double *d)
{
	*d = 1 + num * *d;
	if (fabs(*d) < CF_TINY)
		*d = CF_TINY;
	*c = 1 + num / *c;
	if (fabs(*c) < CF_TINY)
		*c = CF_TINY;
	*d = 1 / *d;
	return *d * *c;
}

/* The continued fraction of I_x(a, b) without its prefactor. */
static double betacf(double a, double b, double x)
{
	const double eps = 1e-15;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h, num, delta;
	int m;

	if (fabs(d) < CF_TINY)
		d = CF_TINY;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 10000; m++) {
		/* even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)) */
		num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		h *= lentz_step(num, &c, &d);
		/* odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) */
		num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		delta = lentz_step(num, &c, &d);
		h *= delta;
		if (fabs(delta - 1) < eps)
			break;
	}
	return h;
}

double prof_betainc(double a, double b, double x)
{
	double lfront;

	if (isnan(a) || isnan(b) || isnan(x) || a <= 0 || b <= 0 ||
	    x < 0 || x > 1 || isinf(a) || isinf(b))
		return NAN;
	if (x == 0)
		return 0;
	if (x == 1)
		return 1;
	/* x^a (1-x)^b / (a B(a, b)) is the prefactor; in logs */
	lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		 b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lfront) * betacf(a, b, x) / a;
	return 1 - exp(lfront) * betacf(b, a, 1 - x) / b;
}

double prof_t_p2(double t, double df)
{
	double p;

	if (isnan(t) || isnan(df) || df <= 0)
		return NAN;
	if (isinf(t))
		return 0;
	if (isinf(df)) /* the normal limit */
		return erfc(fabs(t) / sqrt(2));
	p = prof_betainc(df / 2, 0.5, df / (df + t * t));
	return p > 1 ? 1 : p;
}

void prof_welch_test(const struct prof_stat *a, const struct prof_stat *b,
		     struct prof_welch *w)
{
	double va, vb, se;

	w->t = w->df = w->p = NAN;
	if (a->n < 2 || b->n < 2)
		return;
	va = a->sd * a->sd / (double)a->n;
	vb = b->sd * b->sd / (double)b->n;
	se = sqrt(va + vb);
	if (se == 0) {
		/* no spread in either group: any difference is certain */
		if (a->mean == b->mean) {
			w->t = 0;
			w->p = 1;
		} else {
			w->t = b->mean > a->mean ? INFINITY : -INFINITY;
			w->p = 0;
		}
		return;
	}
	w->t = (b->mean - a->mean) / se;
	w->df = (va + vb) * (va + vb) /
		(va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1));
	w->p = prof_t_p2(w->t, w->df);
}

/* ---- series across runs ---- */

static int nomem(struct kit_err *err)
{
	return kit_seterr(err, ENOMEM, "out of memory");
}

static struct prof_series *series_get(struct prof_runs *r, const char *key,
				      const char *label, const char *level,
				      int kind, int64_t order, size_t cap,
				      struct kit_err *err)
{
	struct prof_series *s;
	size_t i;

	for (i = 0; i < r->ns; i++)
		if (r->s[i].kind == kind && !strcmp(r->s[i].key, key))
			return &r->s[i];
	s = realloc(r->s, (r->ns + 1) * sizeof *s);
	if (!s)
		return nomem(err), NULL;
	r->s = s;
	s = &r->s[r->ns];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->order = order;
	s->key = strdup(key);
	s->label = strdup(label);
	s->level = level ? strdup(level) : NULL;
	s->v = calloc(cap, sizeof *s->v);
	if (!s->key || !s->label || (level && !s->level) || !s->v) {
		free(s->key);
		free(s->label);
		free(s->level);
		free(s->v);
		return nomem(err), NULL;
	}
	r->ns++;
	return s;
}

/*
 * Add run's value v to the series key.  A series takes one value per run
 * (v holds r->n): when a run has key twice (two phases of one id, or an
 * initcall "f#2" beside the second "f"), the later ones go to "KEY#2",
 * "KEY#3" ..., as the k-th initcall of a name does.
 */
static int series_add(struct prof_runs *r, size_t run, const char *key,
		      const char *label, const char *level, int kind,
		      int64_t order, double v, struct kit_err *err)
{
	struct prof_series *s;
	char k[700];
	size_t nth = 1;

	snprintf(k, sizeof k, "%s", key);
	for (;;) {
		if (!(s = series_get(r, k, label, level, kind, order, r->n, err)))
			return -1;
		if (s->seen != run + 1)
			break;
		snprintf(k, sizeof k, "%.600s#%zu", key, ++nth);
	}
	s->seen = run + 1;
	s->v[s->n++] = v;
	return 0;
}

int prof_series_add(struct prof_runs *r, size_t run, const char *key,
		    const char *label, const char *level, int kind,
		    int64_t order, double v, struct kit_err *err)
{
	return series_add(r, run, key, label, level, kind, order, v, err);
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int add_run(struct prof_runs *r, size_t run,
		   const struct prof_profile *p, struct kit_err *err)
{
	int64_t us = prof_userspace_ns(p), qemu = prof_qemu_ns(p);
	double level_sum[10] = { 0 };
	int64_t level_n[10] = { 0 };
	char key[600];
	size_t i, j;
	int k;

	if (us >= 0 && series_add(r, run, "total:userspace", "boot to userspace",
				  NULL, PROF_SERIES_TOTAL, 0,
				  (double)(qemu + us), err))
		return -1;
	if (p->end_ns > 0 && series_add(r, run, "total:end", "boot to end", NULL,
					PROF_SERIES_TOTAL, 1,
					(double)(qemu + p->end_ns), err))
		return -1;
	for (i = 0; i < p->nphases; i++) {
		const struct prof_phase *ph = &p->phases[i];

		if (series_add(r, run, ph->id, ph->label, NULL, PROF_SERIES_PHASE,
			       ph->start_ns, (double)ph->duration_ns, err))
			return -1;
	}
	for (i = 0; i < p->ninitcalls; i++) {
		const struct prof_initcall *ic = &p->initcalls[i];
		size_t nth = 1;

		/* the same name can run twice (static functions of two files):
		 * the k-th run of a name matches the k-th in another profile */
		for (j = 0; j < i; j++)
			nth += !strcmp(p->initcalls[j].fn, ic->fn);
		if (nth > 1)
			snprintf(key, sizeof key, "fn:%.500s#%zu", ic->fn, nth);
		else
			snprintf(key, sizeof key, "fn:%.500s", ic->fn);
		if (series_add(r, run, key, ic->fn, ic->level, PROF_SERIES_INITCALL,
			       ic->order, (double)ic->duration_ns, err))
			return -1;
		k = prof_level_index(ic->level);
		if (k >= 0) {
			level_sum[k] += (double)ic->duration_ns;
			level_n[k]++;
		}
	}
	for (k = 0; k < 10; k++) {
		if (!level_n[k])
			continue;
		snprintf(key, sizeof key, "level:%s", prof_levels[k]);
		if (series_add(r, run, key, prof_levels[k], prof_levels[k],
			       PROF_SERIES_LEVEL, k, level_sum[k], err))
			return -1;
	}
	return prof_memory_add_run(r, run, p, err);
}

int prof_runs_build(struct prof_runs *r, struct prof_profile **p, size_t n,
		    size_t warmup, struct kit_err *err)
{
	size_t i;

	memset(r, 0, sizeof *r);
	if (!n)
		return kit_seterr(err, PROF_EUSAGE, "no profiles");
	if (warmup >= n)
		return kit_seterr(err, PROF_EUSAGE,
				  "--warmup %zu leaves none of the %zu profiles",
				  warmup, n);
	if (!(r->p = calloc(n, sizeof *r->p)))
		return nomem(err);
	r->discarded = warmup;
	for (i = warmup; i < n; i++) {
		/* a run cut short would pull every mean down: leave it out */
		if (!p[i]->complete) {
			r->incomplete++;
			continue;
		}
		r->p[r->n++] = p[i];
	}
	if (!r->n) {
		free(r->p);
		r->p = NULL;
		return kit_seterr(err, PROF_EUSAGE,
				  "no complete profile among the %zu given",
				  n - warmup);
	}
	for (i = 0; i < r->n; i++) {
		if (!same_str(r->p[i]->env.kernel_version,
			      r->p[0]->env.kernel_version))
			r->mixed_kernels = 1;
		if (add_run(r, i, r->p[i], err)) {
			prof_runs_free(r);
			return -1;
		}
	}
	for (i = 0; i < r->ns; i++)
		prof_stat_of(r->s[i].v, r->s[i].n, &r->s[i].st);
	return 0;
}

void prof_runs_free(struct prof_runs *r)
{
	size_t i;

	for (i = 0; i < r->ns; i++) {
		free(r->s[i].key);
		free(r->s[i].label);
		free(r->s[i].level);
		free(r->s[i].v);
	}
	free(r->s);
	free(r->p);
	memset(r, 0, sizeof *r);
}

const struct prof_series *prof_runs_find(const struct prof_runs *r,
					 const char *key)
{
	size_t i;

	for (i = 0; i < r->ns; i++)
		if (!strcmp(r->s[i].key, key))
			return &r->s[i];
	return NULL;
}
