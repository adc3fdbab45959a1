/*
 * power.c: how many runs a comparison needs.
 *
 * Welch's t-test estimates each group's noise from the spread of its own
 * runs: with one run in a group there is no spread and no test, and a
 * single run against a single run cannot tell a change from the noise
 * between two boots (PROF_COMPARE_MIN_RUNS).  With the noise known, the
 * runs per group needed to see a change of delta with probability
 * `power` at level alpha follow from the usual approximation of the
 * t-test's power (the noncentral t replaced by a shifted central one):
 *
 *   delta / se(n) >= t(1 - alpha/2, df(n)) + t(power, df(n)),
 *   se(n) = sqrt((sd_a^2 + sd_b^2) / n),
 *   df(n) = Welch-Satterthwaite with n runs a group,
 *
 * solved for the smallest n by counting up.  For the normal limit this is
 * n = (z(1 - alpha/2) + z(power))^2 (sd_a^2 + sd_b^2) / delta^2, the
 * textbook sample size of a two-sample test.
 */
#include "model.h"

#include <math.h>

double prof_t_inv2(double p, double df)
{
	double lo = 0, hi = 1, mid;
	int i;

	if (isnan(p) || isnan(df) || p <= 0 || p > 1 || df <= 0)
		return NAN;
	/* prof_t_p2 falls as |t| grows: find a t past p, then halve */
	for (i = 0; prof_t_p2(hi, df) > p; i++) {
		if (i == 200)
			return INFINITY;
		lo = hi;
		hi *= 2;
	}
	for (i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
		mid = (lo + hi) / 2;
		if (prof_t_p2(mid, df) > p)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

size_t prof_runs_needed(double sd_a, double sd_b, double delta, double alpha,
			double power)
{
	double va, vb, se, df, need;
	size_t n;

	if (!(delta > 0) || !(alpha > 0 && alpha < 1) ||
	    !(power > 0 && power < 1) || !(sd_a >= 0) || !(sd_b >= 0) ||
	    !isfinite(sd_a) || !isfinite(sd_b) || !isfinite(delta))
		return 0;
	for (n = PROF_COMPARE_MIN_RUNS; n <= PROF_RUNS_NEEDED_MAX; n++) {
		va = sd_a * sd_a / (double)n;
		vb = sd_b * sd_b / (double)n;
		se = sqrt(va + vb);
		if (se == 0)
			return n; /* no noise: any change shows */
		df = (va + vb) * (va + vb) /
		     ((va * va + vb * vb) / (double)(n - 1));
		need = prof_t_inv2(alpha, df) + prof_t_inv2(2 * (1 - power), df);
		if (delta / se >= need)
			return n;
	}
	return 0;
}
