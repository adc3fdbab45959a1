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
 *
 * When the kernel merged the CPUs into one record (the libguestfs
 * appliance boots with lpj=, so the secondary CPUs print nothing of their
 * own), each CPU's moment comes from a write watchpoint on the first word
 * of __cpu_online_mask, armed before the guest starts: each secondary CPU
 * sets its bit there as it comes online (start_secondary ->
 * set_cpu_online), and the stop's thread id says which CPU.  A watchpoint
 * stop flushes nothing under TCG (unlike a breakpoint); it is removed
 * once every CPU is online.  The phases are then "smp:prepare" as
 * above, and "smp:cpuN" up to the moment CPU N came online, from the
 * moment the CPU before it did (CPU 1: from its start record): what it
 * took to start CPU N (INIT/SIPI, its trampoline, the TSC check) and the
 * online callbacks of the one before.  The stops' times are the guest's,
 * the records' placement the kernel clock's: only the stops' differences
 * are used, counted back from "Brought up", which follows the last CPU
 * online at once, so the two clocks never mix in one figure.  Kernels
 * that start the CPUs in parallel (x86, 6.5 on: Debian's 6.12 announces
 * "#1 #2 #3" at once) get the same phases: up to each CPU online.
 */
#include "recorder-int.h"

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
	if (t0 < 0 || tend < t0 || !nst)
		return 0;   /* one CPU: "Bringing up" and "Brought up" alone */
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

/* ---- the watchpoint (recorder glue) ------------------------------------- */

void rec_smp_setup(struct rec *r)
{
	struct kit_err e;
	long tids[GC_TICK_MAXCPU];
	uint64_t addr = ksym_addr(r->syms, "__cpu_online_mask");
	int n;

	r->smp_addr = 0;
	if (!addr || !r->nokaslr)
		return;
	n = gc_tick_threads(r->c, tids, &e);
	if (n < 2)
		return;
	if (rsp_insert_break(r->c, RSP_WP_WRITE, addr, 8, &e) < 0) {
		rec_progress(r, "secondary CPUs: no watchpoint on __cpu_online_mask "
			     "(%s): their bring-up from the kernel's records only", e.msg);
		return;
	}
	r->smp_addr = addr;
	r->smp_ncpu = n > REC_SMP_MAX ? REC_SMP_MAX : (unsigned)n;
	rec_progress(r, "secondary CPUs: %d vCPUs; a write watchpoint on "
		     "__cpu_online_mask says when each comes online", n);
}

/* Note CPU tid - 1 online at guest time g; the watchpoint goes once all
 * are (when it can: stopped is false in a tick's race, it stays). */
static void online(struct rec *r, const struct rsp_stop *st, int64_t g, bool stopped)
{
	unsigned i;
	int cpu = st->tid > 0 ? (int)st->tid - 1 : -1;

	if (cpu > 0 && r->smp_non < REC_SMP_MAX) {
		for (i = 0; i < r->smp_non && r->smp_on_cpu[i] != cpu; i++)
			;
		if (i == r->smp_non) {
			r->smp_on_cpu[r->smp_non] = cpu;
			r->smp_on_g[r->smp_non++] = g;
		}
	}
	if (stopped && r->smp_non + 1 >= r->smp_ncpu) {
		(void)rsp_remove_break(r->c, RSP_WP_WRITE, r->smp_addr, 8, NULL);
		r->smp_addr = 0;
	}
}

static bool ours(const struct rec *r, const struct rsp_stop *st)
{
	return r->smp_addr && st->reason == RSP_REASON_WATCH &&
	       st->watch_addr >= r->smp_addr && st->watch_addr < r->smp_addr + 8;
}

bool rec_smp_own_stop(struct rec *r, const struct rsp_stop *st)
{
	if (!ours(r, st))
		return false;
	online(r, st, r->g, true);
	return true;
}

bool rec_smp_tick_watch(struct rec *r, const struct rsp_stop *st, int64_t g)
{
	if (!ours(r, st))
		return false;
	online(r, st, g, false);
	return true;
}

size_t rec_smp_online_phases(struct rec *r, int64_t a, int64_t tend,
			     struct rec_smp_phase *out, size_t max)
{
	int64_t at = a, last;
	size_t np = 0;
	unsigned i;

	if (!r->smp_non || r->smp_non + 1 < r->smp_ncpu)
		return 0;
	/* the stops' times are guest time on the recorder's clock; only
	 * their differences are used, counted back from "Brought up" (the
	 * last CPU online is the last thing smp_init waits for) */
	last = rec_gmap(r, r->smp_on_g[r->smp_non - 1]);
	for (i = 0; i < r->smp_non && np < max; i++) {
		int64_t on = i + 1 == r->smp_non ? tend :
			     tend - (last - rec_gmap(r, r->smp_on_g[i]));

		snprintf(out[np].id, sizeof out[np].id, "smp:cpu%d", r->smp_on_cpu[i]);
		out[np].start = at;
		out[np].end = on > at ? on : at;
		at = out[np++].end;
	}
	return np;
}
