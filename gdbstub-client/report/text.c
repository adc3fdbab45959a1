/*
 * text.c: the text report, for people.  Shape, top to bottom:
 *
 *   INCOMPLETE: ... (reason)                  only when complete is false
 *   qemu: /usr/bin/qemu-system-x86_64  [to change set QEMU_WRAPPER_QEMU]
 *   ...                                       the environment, how to change it
 *   Boot to userspace: 4.91 s = 0.31 s (qemu) + 2.68 s (firmware+loader) + ...
 *   Kernel log: N messages in the profile     only when it holds them
 *   Phases                                    time, %, bar
 *   Slowest initcalls                         ranked, --top N
 *   Initcall levels                           count, sum, level phase, %
 *   Samples                                   when the profile has them
 *   Observer effect: ...                      debug stops and their cost
 *
 * With several runs every number is "mean ± sd" with min..max and n.
 * Column layout is part of the golden tests (tests/data/golden/).
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BAR_WIDTH 30
#define DEFAULT_TOP 20
/* Measured (docs/qemu-notes.md): on QEMU 7.2 TCG, 666 breakpoint stops added
 * 4.9 s and 1332 added 6.6 s to a 5.1 s boot; 5 ms is the low end. */
#define TCG_DEBUG_STOP_NS 5000000LL

/* One line of the environment header: "TAG A (B)TAIL", A and B (may be
 * NULL) escaped. */
static void env_line(FILE *out, const char *tag, const char *a,
		     const char *b, const char *tail)
{
	fputs(tag, out);
	prof_esc_puts(out, a);
	if (b) {
		fputs(" (", out);
		prof_esc_puts(out, b);
		fputc(')', out);
	}
	fputs(tail, out);
}

static void env_header(const struct prof_env *e, FILE *out)
{
	if (e->qemu)
		env_line(out, "qemu:     ", e->qemu, e->qemu_version,
			 "  [to change set QEMU_WRAPPER_QEMU]\n");
	if (e->accel)
		env_line(out, "accel:    ", e->accel, NULL,
			 "  [to change pass -machine accel=...]\n");
	if (e->kernel)
		env_line(out, "kernel:   ", e->kernel, e->kernel_version,
			 "  [to change pass -kernel]\n");
	else if (e->kernel_version)
		env_line(out, "kernel:   ", e->kernel_version, NULL, "\n");
	if (e->cmdline)
		env_line(out, "cmdline:  ", e->cmdline, NULL,
			 "  [to add set QEMU_WRAPPER_APPEND]\n");
	if (e->host)
		env_line(out, "host:     ", e->host, NULL, "\n");
	if (e->hostname || e->cpu_model)
		env_line(out, "machine:  ", e->hostname ? e->hostname : e->cpu_model,
			 e->hostname ? e->cpu_model : NULL, "\n");
	if (e->recorded_at || e->tool) {
		fputs("recorded: ", out);
		if (e->recorded_at)
			prof_esc_puts(out, e->recorded_at);
		if (e->recorded_at && e->tool)
			fputs(" by ", out);
		if (e->tool)
			prof_esc_puts(out, e->tool);
		fputc('\n', out);
	}
}

/* The systemd-analyze-shaped line: "TITLE: TOTAL = a (qemu) + b (...)". */
static void summary_parts(FILE *out, const double *group, const int *has,
			  double total)
{
	double sum = 0, other;
	int g, first = 1;
	char b[32];

	for (g = 0; g < 4; g++) {
		if (!has[g])
			continue;
		fprintf(out, "%s%s (%s)", first ? " = " : " + ",
			prof_fmt_s(b, sizeof b, group[g]), prof_group_names[g]);
		sum += group[g];
		first = 0;
	}
	other = total - sum;
	/* gaps between phases the recorder did not attribute */
	if (!first && fabs(other) >= 5e6)
		fprintf(out, " + %s (other)", prof_fmt_s(b, sizeof b, other));
}

static void incomplete_marker(const struct prof_profile *p, int color,
			      FILE *out)
{
	char b[32];
	const struct prof_phase *last = NULL;
	size_t i;

	for (i = 0; i < p->nphases; i++)
		if (!last || p->phases[i].start_ns >= last->start_ns)
			last = &p->phases[i];
	fprintf(out, "%sINCOMPLETE: ", sgr(color, C_LOUD));
	prof_esc_puts(out, p->incomplete_reason ? p->incomplete_reason
						: "reason unknown");
	fprintf(out, "; the profile stops at %s",
		prof_fmt_s(b, sizeof b, (double)p->end_ns));
	if (last) {
		fputs(", in '", out);
		prof_esc_puts(out, last->label);
		fputc('\'', out);
	}
	fprintf(out, "%s\n", sgr(color, C_OFF));
}

static void bar(FILE *out, double pct)
{
	int n = (int)lround(pct * BAR_WIDTH / 100), i;

	if (n == 0 && pct > 0)
		fputc('.', out);
	for (i = 0; i < n && i < BAR_WIDTH; i++)
		fputc('#', out);
}

static void summary_single(const struct prof_profile *p, int color, FILE *out)
{
	double group[5] = { 0 }, total;
	int has[5] = { 0 }, g;
	int64_t us = prof_userspace_ns(p), qemu = prof_qemu_ns(p);
	const struct prof_phase *u = prof_find_phase(p, "userspace");
	char b[32];
	size_t i;

	for (i = 0; i < p->nphases; i++) {
		g = prof_phase_group(p->phases[i].id);
		if (g >= 0 && (us < 0 || g < 4)) {
			group[g] += (double)p->phases[i].duration_ns;
			has[g] = 1;
		}
	}
	fputs(sgr(color, C_BOLD), out);
	if (us >= 0) {
		total = (double)(qemu + us);
		fprintf(out, "Boot to userspace: %s", prof_fmt_s(b, sizeof b, total));
		summary_parts(out, group, has, total);
		if (u && u->duration_ns > 0) {
			fprintf(out, "; then %s in userspace",
				prof_fmt_s(b, sizeof b, (double)u->duration_ns));
			if (p->end) {
				fputs(" to '", out);
				prof_esc_puts(out, p->end);
				fputc('\'', out);
			}
		}
	} else {
		total = (double)(qemu + p->end_ns);
		fprintf(out, "Boot did not reach userspace: %s so far",
			prof_fmt_s(b, sizeof b, total));
		summary_parts(out, group, has, total);
	}
	fprintf(out, "%s\n", sgr(color, C_OFF));
}

static void phases_single(const struct prof_profile *p, FILE *out)
{
	int64_t lo, hi, sum = 0;
	double total, pct;
	char b[32], lb[64];
	size_t i;

	if (!p->nphases)
		return;
	prof_span(p, &lo, &hi);
	total = (double)(hi - lo);
	fprintf(out, "\nPhases%*s%12s %7s\n", 30, "", "time (ms)", "%");
	for (i = 0; i < p->nphases; i++) {
		const struct prof_phase *ph = &p->phases[i];

		pct = total > 0 ? 100.0 * (double)ph->duration_ns / total : 0;
		fprintf(out, "  %-34.34s%12s %6.1f%%  ",
			prof_esc(lb, sizeof lb, ph->label),
			prof_fmt_ms(b, sizeof b, (double)ph->duration_ns, 1), pct);
		bar(out, pct);
		fputc('\n', out);
		sum += ph->duration_ns;
	}
	if (hi - lo - sum >= 1000000) {
		pct = 100.0 * (double)(hi - lo - sum) / total;
		fprintf(out, "  %-34s%12s %6.1f%%  ", "(between phases)",
			prof_fmt_ms(b, sizeof b, (double)(hi - lo - sum), 1), pct);
		bar(out, pct);
		fputc('\n', out);
	}
	fprintf(out, "  %-34s%12s\n", "total",
		prof_fmt_ms(b, sizeof b, total, 1));
}

static void initcall_name(const struct prof_initcall *ic, FILE *out)
{
	prof_esc_puts(out, ic->fn);
	if (ic->module) {
		fputs(" [", out);
		prof_esc_puts(out, ic->module);
		fputc(']', out);
	}
	if (ic->sync)
		fputs(" (sync)", out);
}

/* How the initcalls were timed (environment.tool): by the kernel itself
 * (--initcalls=klog), or with breakpoints whose stops cost each figure
 * QEMU's re-translation under TCG (the rows are marked). */
enum ic_timing { IC_TIMED_UNSAID, IC_TIMED_KERNEL, IC_TIMED_BREAKPOINTS };

static enum ic_timing ic_timing(const struct prof_profile *p)
{
	const char *t = p->env.tool;

	if (!t || !p->ninitcalls)
		return IC_TIMED_UNSAID;
	if (strstr(t, "initcalls=klog"))
		return IC_TIMED_KERNEL;
	if ((strstr(t, "initcalls=breakpoints") || strstr(t, "initcalls=entries")) &&
	    (!p->env.accel || !strcmp(p->env.accel, "tcg")) && p->stops.debug_stops > 0)
		return IC_TIMED_BREAKPOINTS;
	return IC_TIMED_UNSAID;
}

static void timing_note(const struct prof_profile *p, FILE *out)
{
	switch (ic_timing(p)) {
	case IC_TIMED_KERNEL:
		fputs("Initcalls: timed by the kernel itself (its initcall_debug records, "
		      "read from guest memory, no debug stop among them): the figures of "
		      "a boot without the debugger\n", out);
		break;
	case IC_TIMED_BREAKPOINTS:
		fputs("Initcalls: timed with breakpoints; under TCG each figure marked * "
		      "includes QEMU's re-translation after a debug stop (see Observer "
		      "effect); --initcalls=klog (a kernel with BTF) gives the figures of "
		      "a boot without the debugger\n", out);
		break;
	case IC_TIMED_UNSAID:
		break;
	}
}

static int slowest_single(const struct prof_profile *p,
			  const struct prof_report_opts *o, FILE *out,
			  struct kit_err *err)
{
	const struct prof_initcall **v;
	size_t top = o->top ? o->top : DEFAULT_TOP, i;
	char b[32], lb[64];
	char mark = ic_timing(p) == IC_TIMED_BREAKPOINTS ? '*' : ' ';

	if (!p->ninitcalls)
		return 0;
	if (!(v = prof_by_duration(p)))
		return kit_seterr(err, ENOMEM, "out of memory");
	if (top > p->ninitcalls)
		top = p->ninitcalls;
	fprintf(out, "\nSlowest initcalls (%zu of %zu)\n", top, p->ninitcalls);
	fprintf(out, "  %4s %12s  %-9s %6s  %s\n", "rank", "time (ms)",
		"level", "ret", "function");
	for (i = 0; i < top; i++) {
		const struct prof_initcall *ic = v[i];

		fprintf(out, "  %4zu %12s%c %-9s ", i + 1,
			prof_fmt_ms(b, sizeof b, (double)ic->duration_ns, 3), mark,
			prof_esc(lb, sizeof lb, ic->level));
		if (!ic->has_ret)
			fprintf(out, "%6s  ", "?");
		else
			fprintf(out, "%s%6lld%s  ",
				sgr(o->color && ic->ret, C_RED),
				(long long)ic->ret,
				sgr(o->color && ic->ret, C_OFF));
		initcall_name(ic, out);
		fputc('\n', out);
	}
	free(v);
	return 0;
}

static void levels_single(const struct prof_profile *p, FILE *out)
{
	int64_t sum[10] = { 0 }, cnt[10] = { 0 }, failed[10] = { 0 };
	int64_t lo, hi, other = 0, other_n = 0;
	char b1[32], b2[32];
	double total;
	size_t i;
	int k;

	if (!p->ninitcalls)
		return;
	prof_span(p, &lo, &hi);
	total = (double)(hi - lo);
	for (i = 0; i < p->ninitcalls; i++) {
		const struct prof_initcall *ic = &p->initcalls[i];

		k = prof_level_index(ic->level);
		if (k < 0) {
			other += ic->duration_ns;
			other_n++;
			continue;
		}
		sum[k] += ic->duration_ns;
		cnt[k]++;
		failed[k] += ic->has_ret && ic->ret != 0;
	}
	fprintf(out, "\nInitcall levels\n  %-10s %5s %13s %13s %7s %7s\n",
		"level", "calls", "in calls (ms)", "phase (ms)", "%", "failed");
	for (k = 0; k < 10; k++) {
		char id[32];
		const struct prof_phase *ph;

		if (!cnt[k])
			continue;
		snprintf(id, sizeof id, "initcalls:%s", prof_levels[k]);
		ph = prof_find_phase(p, id);
		fprintf(out, "  %-10s %5lld %13s %13s %6.1f%% %7lld\n",
			prof_levels[k], (long long)cnt[k],
			prof_fmt_ms(b1, sizeof b1, (double)sum[k], 1),
			ph ? prof_fmt_ms(b2, sizeof b2, (double)ph->duration_ns, 1)
			   : "-",
			total > 0 ? 100.0 * (double)sum[k] / total : 0,
			(long long)failed[k]);
	}
	if (other_n)
		fprintf(out, "  %-10s %5lld %13s %13s %6.1f%%\n", "(other)",
			(long long)other_n,
			prof_fmt_ms(b1, sizeof b1, (double)other, 1), "-",
			total > 0 ? 100.0 * (double)other / total : 0);
}

static int by_count(const void *a, const void *b)
{
	const struct prof_sample *x = *(const struct prof_sample *const *)a;
	const struct prof_sample *y = *(const struct prof_sample *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->symbol ? x->symbol : x->region,
		      y->symbol ? y->symbol : y->region);
}

static int samples_single(const struct prof_profile *p,
			  const struct prof_report_opts *o, FILE *out,
			  struct kit_err *err)
{
	const struct prof_sample **v;
	size_t top = o->top ? o->top : DEFAULT_TOP, i;
	int64_t total = 0, ncpu = prof_sample_cpus(p);
	double rate = p->samples.rate_hz;
	struct prof_sample *m;
	size_t nm = 0, j;

	if (rate <= 0 || !p->samples.n)
		return 0;

	if (!(v = malloc(p->samples.n * sizeof *v)))
		return kit_seterr(err, ENOMEM, "out of memory");
	/* the same place on several vCPUs is one row here (by CPU below) */
	if (!(m = calloc(p->samples.n, sizeof *m))) {
		free(v);
		return kit_seterr(err, ENOMEM, "out of memory");
	}
	for (i = 0; i < p->samples.n; i++) {
		const struct prof_sample *x = &p->samples.list[i];

		for (j = 0; j < nm; j++)
			if (!strcmp(m[j].region, x->region) &&
			    !m[j].symbol == !x->symbol &&
			    (!x->symbol || !strcmp(m[j].symbol, x->symbol)) &&
			    !m[j].mode == !x->mode && (!x->mode || !strcmp(m[j].mode, x->mode)))
				break;
		if (j == nm)
			m[nm++] = *x;
		else
			m[j].count += x->count;
		total += x->count;
	}
	for (i = 0; i < nm; i++)
		v[i] = &m[i];
	qsort(v, nm, sizeof *v, by_count);
	if (top > nm)
		top = nm;
	fprintf(out, "\nSamples: %lld at %g Hz (%.2f s of %s)%s; top %zu\n",
		(long long)total, rate, (double)total / rate,
		ncpu > 1 ? "CPU time: every vCPU at each tick" : "guest time",
		p->samples.method && !strcmp(p->samples.method, "monitor") ?
		", read through QEMU's monitor (guest not stopped)" : "", top);
	fprintf(out, "  %4s %7s %7s %10s  %s\n", "rank", "count", "%",
		"est. (ms)", "where");
	for (i = 0; i < top; i++) {
		fprintf(out, "  %4zu %7lld %6.1f%% %10.1f  ", i + 1,
			(long long)v[i]->count,
			total ? 100.0 * (double)v[i]->count / (double)total : 0,
			(double)v[i]->count * 1e3 / rate);
		prof_esc_puts(out, v[i]->region);
		if (v[i]->symbol) {
			fputs(": ", out);
			prof_esc_puts(out, v[i]->symbol);
		}
		fputc('\n', out);
	}
	free(v);
	free(m);
	return 0;
}

/* Several vCPUs: the secondary CPUs' bring-up (the smp:* phases) in one
 * line, and a row per CPU: its samples and where most of them were. */
static void cpus_single(const struct prof_profile *p, FILE *out)
{
	int64_t ncpu = prof_sample_cpus(p), total = 0, c;
	double sum = 0;
	size_t i, nb = 0;

	for (i = 0; i < p->nphases; i++)
		if (!strncmp(p->phases[i].id, "smp:", 4)) {
			sum += (double)p->phases[i].duration_ns;
			nb += strncmp(p->phases[i].id, "smp:prepare", 11) != 0;
		}
	if (nb) {
		fprintf(out, "\nSecondary CPUs: brought up in %.1f ms (smp_init, from "
			"the kernel's records; ms each):", sum / 1e6);
		for (i = 0; i < p->nphases; i++)
			if (!strncmp(p->phases[i].id, "smp:", 4))
				fprintf(out, " %s %.1f", !strcmp(p->phases[i].id, "smp:prepare") ?
					"prepare" : p->phases[i].id + 4,
					(double)p->phases[i].duration_ns / 1e6);
		fprintf(out, " ms\n");
	}
	if (ncpu < 2)
		return;
	for (i = 0; i < p->samples.n; i++)
		total += p->samples.list[i].count;
	fprintf(out, "\nBy CPU: %lld vCPUs sampled\n", (long long)ncpu);
	fprintf(out, "  %4s %8s %7s  %s\n", "cpu", "samples", "%", "most samples in");
	for (c = 0; c < ncpu; c++) {
		const struct prof_sample *best = NULL;
		int64_t n = 0;

		for (i = 0; i < p->samples.n; i++) {
			const struct prof_sample *x = &p->samples.list[i];

			if (x->cpu != c)
				continue;
			n += x->count;
			if (!best || x->count > best->count)
				best = x;
		}
		fprintf(out, "  %4lld %8lld %6.1f%%  ", (long long)c, (long long)n,
			total ? 100.0 * (double)n / (double)total : 0);
		if (best) {
			prof_esc_puts(out, best->region);
			if (best->symbol) {
				fputs(": ", out);
				prof_esc_puts(out, best->symbol);
			}
			fprintf(out, " (%.0f%%)", n ? 100.0 * (double)best->count / (double)n : 0);
		}
		fputc('\n', out);
	}
}

/* The stops of one run, or their means over several runs (in double:
 * summed over any number of runs, counts and times cannot overflow). */
struct stops_mean {
	double count, debug, interrupt, watch;
	double client_ns, median_ns, p95_ns;
	double per_debug_ns;    /* 0 = not measured */
};

static void stops_add(struct stops_mean *m, const struct prof_stops *s,
		      double runs)
{
	m->count += (double)s->count / runs;
	m->debug += (double)s->debug_stops / runs;
	m->interrupt += (double)s->interrupt_stops / runs;
	m->watch += (double)s->watch_stops / runs;
	m->client_ns += (double)s->client_ns / runs;
	m->median_ns += (double)s->median_ns / runs;
	m->p95_ns += (double)s->p95_ns / runs;
	m->per_debug_ns += (double)s->cost_per_debug_stop_ns / runs;
}

/* Debug stops cost guest time on TCG: each one flushes the translation
 * cache, and the re-translation counts as guest running time. */
static void observer(const struct stops_mean *s, const char *accel,
		     int several, FILE *out)
{
	char b1[32], b2[32], b3[32], ab[64];
	double per = s->per_debug_ns;
	int tcg = !accel || !strcmp(accel, "tcg");

	char wbuf[64] = "";

	if (s->watch)
		snprintf(wbuf, sizeof wbuf, ", %.0f watchpoint stops (no flush)",
			 s->watch);
	fprintf(out, "\nObserver effect: %s%.0f debug stops%s, %.0f interrupt stops; the client held the guest %s ms\n"
		"  (median %s ms, p95 %s ms per stop), left out of the times above\n",
		several ? "mean " : "",
		s->debug, wbuf, s->interrupt,
		prof_fmt_ms(b1, sizeof b1, s->client_ns, 1),
		prof_fmt_ms(b2, sizeof b2, s->median_ns, 3),
		prof_fmt_ms(b3, sizeof b3, s->p95_ns, 3));
	if (!s->debug)
		return;
	if (!tcg && !per) {
		fprintf(out, "  on %s a debug stop costs the guest little beyond that\n",
			prof_esc(ab, sizeof ab, accel));
		return;
	}
	if (!per)
		per = TCG_DEBUG_STOP_NS;
	fprintf(out, "  estimated cost: %s of the guest time above is re-translation after debug stops\n"
		"  (%.0f x %s ms, %s; TCG flushes its translation cache at each debug stop)\n",
		prof_fmt_s(b1, sizeof b1, s->debug * per),
		s->debug,
		prof_fmt_ms(b2, sizeof b2, per, 1),
		s->per_debug_ns ? "measured" : "typical");
}

int prof_report_text(const struct prof_profile *p,
		     const struct prof_report_opts *o, FILE *out,
		     struct kit_err *err)
{
	if (!p->complete)
		incomplete_marker(p, o->color, out);
	env_header(&p->env, out);
	summary_single(p, o->color, out);
	prof_text_memory_line(p, out);
	timing_note(p, out);
	/* the messages themselves are read beside the phases in the trace;
	 * here only that they are there */
	if (p->nmessages)
		fprintf(out, "Kernel log: %zu message%s in the profile (trace and JSON)\n",
			p->nmessages, p->nmessages == 1 ? "" : "s");
	phases_single(p, out);
	prof_text_memory_table(p, out);
	if (slowest_single(p, o, out, err))
		return -1;
	levels_single(p, out);
	if (samples_single(p, o, out, err))
		return -1;
	cpus_single(p, out);
	if (prof_text_procs(p, o->top ? o->top : 10, out, err) < 0)
		return -1;
	if (p->stops.count) {
		struct stops_mean m = { 0 };

		stops_add(&m, &p->stops, 1);
		observer(&m, p->env.accel, 0, out);
	}
	if (!p->complete)
		incomplete_marker(p, o->color, out);
	return prof_out_check(out, err);
}

/* ---- several runs ---- */

static void stat_cols(FILE *out, const struct prof_stat *st, int d)
{
	char b1[32], b2[32], b3[32], b4[32];

	fprintf(out, "%11s %9s %11s %11s %3zu",
		prof_fmt_ms(b1, sizeof b1, st->mean, d),
		prof_fmt_ms(b2, sizeof b2, st->sd, d),
		prof_fmt_ms(b3, sizeof b3, st->min, d),
		prof_fmt_ms(b4, sizeof b4, st->max, d), st->n);
}

static void stat_head(FILE *out, const char *title, int width)
{
	fprintf(out, "  %-*s%11s %9s %11s %11s %3s\n", width, title,
		"mean (ms)", "sd", "min", "max", "n");
}

static int cmp_series_mean(const void *a, const void *b)
{
	const struct prof_series *x = *(const struct prof_series *const *)a;
	const struct prof_series *y = *(const struct prof_series *const *)b;

	if (x->st.mean != y->st.mean)
		return x->st.mean < y->st.mean ? 1 : -1;
	return (x->order > y->order) - (x->order < y->order);
}

static void summary_runs(const struct prof_runs *r, int color, FILE *out)
{
	const struct prof_series *t = prof_runs_find(r, "total:userspace");
	const struct prof_series *e = prof_runs_find(r, "total:end");
	const struct prof_series *u = prof_runs_find(r, "userspace");
	double group[5] = { 0 };
	int has[5] = { 0 }, g;
	char b[32];
	size_t i;

	for (i = 0; i < r->ns; i++) {
		if (r->s[i].kind != PROF_SERIES_PHASE)
			continue;
		g = prof_phase_group(r->s[i].key);
		if (g >= 0 && g < 4) {
			group[g] += r->s[i].st.mean;
			has[g] = 1;
		}
	}
	fputs(sgr(color, C_BOLD), out);
	if (t) {
		fprintf(out, "Boot to userspace: %.2f \xc2\xb1 %.2f s (%.2f..%.2f, n=%zu)",
			t->st.mean / 1e9, t->st.sd / 1e9, t->st.min / 1e9,
			t->st.max / 1e9, t->st.n);
		summary_parts(out, group, has, t->st.mean);
		if (u && u->st.mean > 0) {
			fprintf(out, "; then %s in userspace",
				prof_fmt_s(b, sizeof b, u->st.mean));
			if (r->p[0]->end) {
				fputs(" to '", out);
				prof_esc_puts(out, r->p[0]->end);
				fputc('\'', out);
			}
		}
	} else if (e) {
		fprintf(out, "Boot to end: %.2f \xc2\xb1 %.2f s (%.2f..%.2f, n=%zu)",
			e->st.mean / 1e9, e->st.sd / 1e9, e->st.min / 1e9,
			e->st.max / 1e9, e->st.n);
	} else {
		fputs("Boot: no totals recorded", out);
	}
	fprintf(out, "%s\n", sgr(color, C_OFF));
}

int prof_report_text_runs(const struct prof_runs *r,
			  const struct prof_report_opts *o, FILE *out,
			  struct kit_err *err)
{
	const struct prof_series **v;
	size_t top = o->top ? o->top : DEFAULT_TOP, i, nv = 0, nic = 0;
	struct stops_mean st = { 0 };
	char lb[64], fb[64];
	int k;

	fprintf(out, "%zu runs of one boot", r->n);
	if (r->discarded)
		fprintf(out, ", %zu warm-up run%s discarded", r->discarded,
			r->discarded == 1 ? "" : "s");
	if (r->incomplete)
		fprintf(out, ", %d incomplete run%s left out", r->incomplete,
			r->incomplete == 1 ? "" : "s");
	fputs("; mean \xc2\xb1 sd (sample), min..max\n", out);
	if (r->mixed_kernels)
		fprintf(out, "%sWARNING: the runs are of different kernels%s\n",
			sgr(o->color, C_LOUD), sgr(o->color, C_OFF));
	if (prof_text_machines(r, o->color, out, err))
		return -1;
	env_header(&r->p[0]->env, out);
	summary_runs(r, o->color, out);
	prof_text_memory_runs_line(r, out);

	if (!(v = malloc((r->ns ? r->ns : 1) * sizeof *v)))
		return kit_seterr(err, ENOMEM, "out of memory");

	fputs("\nPhases\n", out);
	stat_head(out, "", 34);
	for (i = 0; i < r->ns; i++) {
		if (r->s[i].kind != PROF_SERIES_PHASE)
			continue;
		fprintf(out, "  %-34.34s", prof_esc(lb, sizeof lb, r->s[i].label));
		stat_cols(out, &r->s[i].st, 1);
		fputc('\n', out);
	}

	for (i = 0; i < r->ns; i++)
		if (r->s[i].kind == PROF_SERIES_INITCALL)
			v[nv++] = &r->s[i];
	nic = nv;
	if (nv) {
		qsort(v, nv, sizeof *v, cmp_series_mean);
		if (top > nv)
			top = nv;
		fprintf(out, "\nSlowest initcalls by mean (%zu of %zu)\n", top, nic);
		fprintf(out, "  %4s %-9s %-24s", "rank", "level", "function");
		fprintf(out, "%11s %9s %11s %11s %3s\n", "mean (ms)", "sd",
			"min", "max", "n");
		for (i = 0; i < top; i++) {
			fprintf(out, "  %4zu %-9s %-24.24s", i + 1,
				prof_esc(lb, sizeof lb, v[i]->level),
				prof_esc(fb, sizeof fb, v[i]->label));
			stat_cols(out, &v[i]->st, 3);
			fputc('\n', out);
		}
	}

	nv = 0;
	for (k = 0; k < 10; k++) {
		char key[32];
		const struct prof_series *s;

		snprintf(key, sizeof key, "level:%s", prof_levels[k]);
		if ((s = prof_runs_find(r, key)))
			v[nv++] = s;
	}
	if (nv) {
		fputs("\nInitcall levels (time in calls)\n", out);
		stat_head(out, "level", 10);
		for (i = 0; i < nv; i++) {
			fprintf(out, "  %-10s", v[i]->label);
			stat_cols(out, &v[i]->st, 1);
			fputc('\n', out);
		}
	}
	free(v);
	prof_text_memory_runs(r, out);

	/* observer effect: means over the runs */
	for (i = 0; i < r->n; i++)
		stops_add(&st, &r->p[i]->stops, (double)r->n);
	if (st.count)
		observer(&st, r->p[0]->env.accel, r->n > 1, out);
	return prof_out_check(out, err);
}
