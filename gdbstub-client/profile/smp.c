/*
 * smp.c: secondary-CPU bring-up, from the kernel's own printk records
 * (the ones klog.c reads from the printk ring anyway): no debug stop.
 *
 * What the kernel says (x86, 5.10 to 6.12): smp_init() prints "smp:
 * Bringing up secondary CPUs ..." before it starts the first secondary
 * CPU, announce_cpu() prints ".... node  #0, CPUs:      #1" as it starts
 * CPU 1 and " #N" (a continuation) as it starts each later one, and
 * "smp: Brought up 1 node, 4 CPUs" once the last is online.  A
 * continuation is a record of its own when anything else was printed in
 * between (under TCG each secondary CPU's calibrate_delay() warning
 * does), else it is merged into the record before it, and the CPUs it
 * names share one time: their bring-up is then one phase,
 * "smp:cpusN-M".
 *
 * Phases (kernel clock): "smp:prepare" from "Bringing up" to the first
 * CPU's start, then "smp:cpuN" from CPU N's start to the next start (the
 * last: to "Brought up").  Each CPU's phase is what starting it cost the
 * boot CPU: INIT/SIPI, the wait for it to call in, the TSC sync check
 * (the seeds' ~25 ms per CPU in check_tsc_sync_target), its online
 * callbacks.
 */
#include "recorder.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The "#N" tokens of s into cpus (at most max); their number, or -1 when
 * s holds anything else (not a CPU list). */
static int cpu_tokens(const char *s, int *cpus, int max)
{
	int n = 0;

	for (;;) {
		char *end;
		long v;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			return n;
		if (*s != '#' || !isdigit((unsigned char)s[1]))
			return -1;
		v = strtol(s + 1, &end, 10);
		if (v < 0 || v > 100000)
			return -1;
		if (n < max)
			cpus[n] = (int)v;
		n++;
		s = end;
	}
}

int rec_smp_phases(const struct rec_klog_rec *recs, size_t n,
		   struct rec_smp_phase *out, size_t max)
{
	int64_t t0 = -1, tend = -1;
	struct { int64_t ts; int first, last, count; } st[REC_SMP_MAX];
	size_t i, nst = 0, np = 0;

	for (i = 0; i < n; i++) {
		const char *t = recs[i].text, *c;
		int cpus[REC_SMP_MAX], k;

		if (!t)
			continue;
		if (t0 < 0 && strstr(t, "smp: Bringing up secondary CPUs")) {
			t0 = recs[i].ts;
			continue;
		}
		if (t0 < 0)
			continue;
		if (strstr(t, "smp: Brought up")) {
			tend = recs[i].ts;
			break;
		}
		c = strstr(t, "CPUs:");
		k = cpu_tokens(c ? c + 5 : t, cpus, REC_SMP_MAX);
		if (k <= 0 || (!c && strstr(t, "node")))
			continue;
		if (nst == REC_SMP_MAX)
			break;
		st[nst].ts = recs[i].ts;
		st[nst].first = cpus[0];
		st[nst].last = cpus[k < REC_SMP_MAX ? k - 1 : REC_SMP_MAX - 1];
		st[nst].count = k;
		nst++;
	}
	if (t0 < 0 || tend < t0)
		return 0;
	if (np < max)
		out[np++] = (struct rec_smp_phase){ "smp:prepare", t0,
						    nst ? st[0].ts : tend };
	for (i = 0; i < nst && np < max; i++) {
		int64_t end = i + 1 < nst ? st[i + 1].ts : tend;

		if (st[i].count == 1)
			snprintf(out[np].id, sizeof out[np].id, "smp:cpu%d", st[i].first);
		else
			snprintf(out[np].id, sizeof out[np].id, "smp:cpus%d-%d",
				 st[i].first, st[i].last);
		out[np].start = st[i].ts;
		out[np].end = end < st[i].ts ? st[i].ts : end;
		np++;
	}
	return (int)np;
}
