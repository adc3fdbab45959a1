/*
 * klog-parse.c: the pure part of --initcalls=klog (klog.c): the kernel's
 * initcall_debug records paired into calls, and how their figures read.
 * Exposed in recorder.h for the unit test; never prints or exits.
 */
#include "recorder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "FN+0x0/0x1b0 [MOD] ..." or "FN+0x0/0x1b0 @ PID": FN (its length). */
static size_t fn_len(const char *s)
{
	size_t n = strcspn(s, "+ ");

	return s[n] == '+' ? n : 0;
}

/* A "returned" record: the open call of the same function, the latest. */
static void returned(struct rec_klog_call *c, size_t n, const char *fn, size_t fl,
		     int64_t ts, long ret, long long us)
{
	size_t j;

	for (j = n; j-- > 0;)
		if (!c[j].done && c[j].fnlen == fl && !strncmp(c[j].fn, fn, fl)) {
			c[j].done = true;
			c[j].ts_ret = ts;
			c[j].ret = ret;
			c[j].usecs = us;
			return;
		}
}

int rec_klog_pair(const struct rec_klog_rec *recs, size_t nrec,
		  struct rec_klog_call **out, size_t *nout, struct kit_err *err)
{
	struct rec_klog_call *c = calloc(nrec ? nrec : 1, sizeof *c);
	size_t n = 0, i;

	*out = NULL;
	*nout = 0;
	if (!c)
		return kit_seterr(err, ENOMEM, "out of memory for %zu records", nrec);
	for (i = 0; i < nrec; i++) {
		const char *t = recs[i].text, *at;
		size_t fl;
		long ret;
		long long us;

		if (!t)
			continue;
		if (!strncmp(t, "calling  ", 9) && (fl = fn_len(t + 9)) &&
		    (at = strstr(t + 9, " @ ")) && strcmp(at, " @ 0")) {
			c[n].fn = t + 9;
			c[n].fnlen = fl;
			c[n].ts_call = recs[i].ts;
			n++;
		} else if (!strncmp(t, "initcall ", 9) && (fl = fn_len(t + 9)) &&
			   (at = strstr(t + 9, " returned ")) &&
			   sscanf(at, " returned %ld after %lld usecs", &ret, &us) == 2 &&
			   us >= 0) {
			returned(c, n, t + 9, fl, recs[i].ts, ret, us);
		}
	}
	*out = c;
	*nout = n;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int64_t rec_median_i64(int64_t *d, size_t n)
{
	if (!n)
		return 0;
	qsort(d, n, sizeof *d, cmp_i64);
	return d[n / 2];
}

int rec_klog_figures(const struct rec_klog_call *c, size_t n, size_t *fine,
		     int64_t *unit, int64_t *cost, struct kit_err *err)
{
	int64_t *d = malloc((n ? n : 1) * sizeof *d), small;
	size_t i, m = 0;

	*unit = 1000;
	*cost = 0;
	*fine = 0;
	if (!d)
		return kit_seterr(err, ENOMEM, "out of memory for %zu calls", n);
	for (i = 0; i < n; i++)
		if (c[i].done && c[i].fnlen == strlen("clocksource_done_booting") &&
		    !strncmp(c[i].fn, "clocksource_done_booting", c[i].fnlen))
			*fine = i + 1;
	for (i = *fine; *fine && i < n; i++)
		if (c[i].done && c[i].usecs < 50)
			d[m++] = c[i].ts_ret - c[i].ts_call - c[i].usecs * 1000;
	small = rec_median_i64(d, m);
	for (i = *fine, m = 0; *fine && i < n; i++)
		if (c[i].done && c[i].usecs >= 3000)
			d[m++] = (c[i].ts_ret - c[i].ts_call - small) / c[i].usecs;
	if (m >= 3 && rec_median_i64(d, m) >= 1012 && rec_median_i64(d, m) <= 1040)
		*unit = 1024;
	for (i = *fine, m = 0; *fine && i < n; i++)
		if (c[i].done)
			d[m++] = c[i].ts_ret - c[i].ts_call - c[i].usecs * *unit;
	*cost = rec_median_i64(d, m) > 0 ? rec_median_i64(d, m) : 0;
	free(d);
	return 0;
}
