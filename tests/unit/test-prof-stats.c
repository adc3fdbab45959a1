/*
 * test-prof-stats: mean, sample sd, Welch's t-test and the regularized
 * incomplete beta function behind its p-value.  Reference values come from
 * elsewhere: closed forms (I_x(a,1) = x^a, the binomial sum for integer a
 * and b, Student's t with 1 and 2 degrees of freedom) and, for Welch, the
 * worked example of the Wikipedia article "Welch's t-test" checked by a
 * separate numerical integration of the t density (Simpson, 2e5 steps).
 */
#include <math.h>
#include <stdio.h>

#include "model.h"
#include "tap.h"

static int near(double got, double want, double tol, const char *name)
{
	int good = fabs(got - want) <= tol ||
		   (isnan(got) && isnan(want));

	if (!tap_ok(good, name))
		printf("#   expected %.15g, saw %.15g (tolerance %g)\n", want, got,
		       tol);
	return good;
}

/* Welch's test of a against b: t, df and p within tol, each named. */
static void welch_is(const struct prof_stat *a, const struct prof_stat *b,
		     const double want[3], const double tol[3],
		     const char *const names[3])
{
	struct prof_welch w;

	prof_welch_test(a, b, &w);
	near(w.t, want[0], tol[0], names[0]);
	near(w.df, want[1], tol[1], names[1]);
	near(w.p, want[2], tol[2], names[2]);
}

static double binom_ibeta(double x, int a, int b)
{
	/* I_x(a, b) = sum_{j=a}^{a+b-1} C(n, j) x^j (1-x)^(n-j), n = a+b-1 */
	int n = a + b - 1, j, k;
	double s = 0;

	for (j = a; j <= n; j++) {
		double c = 1;

		for (k = 1; k <= j; k++)
			c = c * (n - j + k) / k;
		s += c * pow(x, j) * pow(1 - x, n - j);
	}
	return s;
}

int main(void)
{
	const double a1[] = { 27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1,
			      21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4 };
	const double a2[] = { 27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0,
			      24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4 };
	const double b1[] = { 10.2, 9.8, 10.5, 10.1, 9.9 };
	const double b2[] = { 12.0, 11.2, 13.5, 12.8 };
	const double one[] = { 42 };
	const double same[] = { 5, 5, 5 };
	const double big[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
	struct prof_stat sa, sb, s1, s5, s6;
	struct prof_welch w;
	double x;
	int i;

	/* descriptive statistics */
	prof_stat_of(a1, 15, &sa);
	near(sa.mean, 20.82, 1e-12, "mean of Wikipedia sample 1");
	near(sa.sd, 2.80489368273, 1e-10, "sample sd (n - 1) of sample 1");
	near(sa.min, 16.9, 0, "min");
	near(sa.max, 27.5, 0, "max");
	is_int(sa.n, 15, "n");
	prof_stat_of(one, 1, &s1);
	near(s1.sd, 0, 0, "sd of one value is 0");
	near(s1.mean, 42, 0, "mean of one value");
	prof_stat_of(big, 3, &s5);
	near(s5.sd, 1, 1e-9, "sd is exact for large values (two-pass)");
	prof_stat_of(NULL, 0, &s6);
	ok(isnan(s6.mean) && s6.n == 0, "no values: mean is NaN");

	/* incomplete beta */
	near(prof_betainc(2, 3, 0), 0, 0, "I_0 = 0");
	near(prof_betainc(2, 3, 1), 1, 0, "I_1 = 1");
	ok(isnan(prof_betainc(0, 3, 0.5)), "a = 0 is NaN");
	ok(isnan(prof_betainc(2, -1, 0.5)), "b < 0 is NaN");
	ok(isnan(prof_betainc(2, 3, -0.1)), "x < 0 is NaN");
	ok(isnan(prof_betainc(2, 3, 1.1)), "x > 1 is NaN");
	ok(isnan(prof_betainc(2, 3, NAN)), "x NaN is NaN");
	for (x = 0.05; x < 1; x += 0.15)
		near(prof_betainc(1, 1, x), x, 1e-13, "I_x(1,1) = x");
	near(prof_betainc(3.5, 1, 0.4), pow(0.4, 3.5), 1e-13, "I_x(a,1) = x^a");
	near(prof_betainc(1, 2.5, 0.4), 1 - pow(0.6, 2.5), 1e-13,
	     "I_x(1,b) = 1 - (1-x)^b");
	near(prof_betainc(7.3, 7.3, 0.5), 0.5, 1e-13, "I_0.5(a,a) = 0.5");
	near(prof_betainc(500, 500, 0.5), 0.5, 1e-10, "I_0.5(500,500) = 0.5");
	near(prof_betainc(5, 7, 0.3), 0.2103046173, 1e-10,
	     "I_0.3(5,7) against the binomial sum (python)");
	near(prof_betainc(5, 7, 0.3), binom_ibeta(0.3, 5, 7), 1e-13,
	     "I_0.3(5,7) against the binomial sum (here)");
	near(prof_betainc(30, 4, 0.9), 0.576943664125693, 1e-12,
	     "I_0.9(30,4), the fraction on the 1-x side");
	for (i = 1; i < 10; i++) {
		x = i / 10.0;
		near(prof_betainc(2.2, 4.7, x) + prof_betainc(4.7, 2.2, 1 - x),
		     1, 1e-13, "symmetry I_x(a,b) = 1 - I_1-x(b,a)");
	}
	near(prof_betainc(0.5, 0.5, 1e-12), 2 / M_PI * asin(sqrt(1e-12)),
	     1e-15, "arcsine law near 0: I_x(.5,.5) = 2/pi asin(sqrt x)");
	near(prof_betainc(200, 1, 0.999), pow(0.999, 200), 1e-12,
	     "large a: I_x(200,1) = x^200");
	ok(isfinite(prof_betainc(1e4, 1e4, 0.5)), "huge a and b stay finite");

	/* Student's t, two-sided */
	near(prof_t_p2(1, 1), 0.5, 1e-13, "t(1): P(|T| > 1) = 0.5 (Cauchy)");
	near(prof_t_p2(3, 1), 1 - 2 / M_PI * atan(3), 1e-13, "t(1) closed form");
	near(prof_t_p2(2, 2), 1 - 2 / sqrt(6), 1e-13, "t(2): 1 - t/sqrt(2+t^2)");
	near(prof_t_p2(-2, 2), 1 - 2 / sqrt(6), 1e-13, "sign does not matter");
	near(prof_t_p2(0, 5), 1, 1e-15, "t = 0: p = 1");
	near(prof_t_p2(2.5, 7.3), 0.0396502346656, 1e-10,
	     "t(7.3), fractional df, against integration");
	near(prof_t_p2(0.7, 30.5), 0.489232602828, 1e-10, "t(30.5)");
	near(prof_t_p2(1.959963984540054, INFINITY), 0.05, 1e-12,
	     "infinite df: the normal 1.96");
	near(prof_t_p2(INFINITY, 3), 0, 0, "infinite t: p = 0");
	ok(isnan(prof_t_p2(1, 0)), "df = 0 is NaN");
	ok(prof_t_p2(1e-8, 1e6) <= 1, "p never above 1");

	/* Welch */
	prof_stat_of(a2, 15, &sb);
	welch_is(&sa, &sb, (const double[]){ 2.45535639829, 24.9885292902, 0.0213780014629 },
		 (const double[]){ 1e-9, 1e-8, 1e-9 },
		 (const char *const[]){ "Welch t, Wikipedia example 1 (B - A)",
					"Welch-Satterthwaite df", "Welch two-sided p" });
	prof_welch_test(&sb, &sa, &w);
	near(w.t, -2.45535639829, 1e-9, "swapped groups: t changes sign");
	near(w.p, 0.0213780014629, 1e-9, "swapped groups: same p");
	prof_stat_of(b1, 5, &sa);
	prof_stat_of(b2, 4, &sb);
	welch_is(&sa, &sb, (const double[]){ 4.44210842324, 3.36569306023, 0.0165940548922 },
		 (const double[]){ 1e-9, 1e-9, 1e-9 },
		 (const char *const[]){ "unequal n and variance: t",
					"unequal n and variance: df",
					"unequal n and variance: p" });
	prof_welch_test(&s1, &sb, &w);
	ok(isnan(w.p) && isnan(w.t), "a group of one: no test");
	prof_stat_of(same, 3, &sa);
	prof_welch_test(&sa, &sa, &w);
	near(w.p, 1, 0, "identical constant groups: p = 1");
	prof_stat_of(big, 3, &sb);
	prof_stat_of(same, 3, &sa);
	sb.sd = 0;
	prof_welch_test(&sa, &sb, &w);
	ok(w.p == 0 && isinf(w.t) && w.t > 0, "different constants: p = 0, t = +inf");

	/* the t quantiles (tables: R's qt), and the runs a comparison needs */
	near(prof_t_inv2(0.05, 10), 2.2281388519649, 1e-9, "t(0.975, 10)");
	near(prof_t_inv2(0.05, 1), 12.7062047361747, 1e-9, "t(0.975, 1)");
	near(prof_t_inv2(0.4, 20), 0.8599644, 1e-6, "t(0.8, 20)");
	near(prof_t_inv2(0.05, INFINITY), 1.959963984540054, 1e-9, "the normal limit");
	ok(isnan(prof_t_inv2(0, 5)) && isnan(prof_t_inv2(0.05, 0)), "p = 0 or df = 0: NaN");
	/* d = 1 (sd 1, change 1), alpha 0.05, power 0.8: 17 a group, as
	 * G*Power's exact t-test gives (the normal approximation says 16) */
	ok(prof_runs_needed(1, 1, 1, 0.05, 0.8) == 17, "d = 1: 17 runs a group");
	ok(prof_runs_needed(2, 2, 1, 0.05, 0.8) == 64, "d = 0.5: 64 runs a group");
	ok(prof_runs_needed(0, 0, 1, 0.05, 0.8) == PROF_COMPARE_MIN_RUNS,
	   "no noise: the fewest the test takes");
	ok(prof_runs_needed(1, 1, 1e-3, 0.05, 0.8) == 0, "past the limit: 0");
	ok(prof_runs_needed(1, 1, 0, 0.05, 0.8) == 0 &&
	   prof_runs_needed(NAN, 1, 1, 0.05, 0.8) == 0 &&
	   prof_runs_needed(1, 1, 1, 0, 0.8) == 0, "nonsense: 0");
	return tap_done();
}
