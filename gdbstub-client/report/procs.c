/*
 * procs.c: time by process in the reports: which processes the samples
 * of a group of phases ran in (prof_proc_rows(), for the text report,
 * the SVG and the trace), and the text report's tables.
 *
 * A process's time in a group of phases is the group's duration times its
 * share of the group's named samples (the samples' pacing is in guest
 * time, so a share of samples is a share of time).  A sample counts to
 * the phase its slice starts in: slices never span two phases.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The phase group (prof_phase_group) of time t, -1 outside the phases. */
static int group_at(const struct prof_profile *p, int64_t t)
{
	size_t i;

	for (i = 0; i < p->nphases; i++)
		if (t >= p->phases[i].start_ns &&
		    t < p->phases[i].start_ns + p->phases[i].duration_ns)
			return prof_phase_group(p->phases[i].id);
	return -1;
}

static int by_samples(const void *a, const void *b)
{
	const struct prof_proc_row *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	return (x->first_ns > y->first_ns) - (x->first_ns < y->first_ns);
}

int prof_proc_rows(const struct prof_profile *p, unsigned groups,
		   struct prof_proc_row **out, size_t *n, int64_t *span_ns,
		   int64_t *unnamed, struct kit_err *err)
{
	const struct prof_samples *s = &p->samples;
	struct prof_proc_row *v;
	int64_t total = 0;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	*span_ns = 0;
	*unnamed = 0;
	for (i = 0; i < p->nphases; i++) {
		int g = prof_phase_group(p->phases[i].id);

		if (g >= 0 && (groups & (1u << g)))
			*span_ns += p->phases[i].duration_ns;
	}
	if (!s->nprocs || !s->nslices)
		return 0;
	if (!(v = calloc(s->nprocs, sizeof *v)))
		return kit_seterr(err, ENOMEM, "out of memory");
	for (i = 0; i < s->nprocs; i++) {
		v[i].proc = &s->procs[i];
		v[i].first_ns = INT64_MAX;
	}
	for (i = 0; i < s->nslices; i++) {
		const struct prof_slice *sl = &s->slices[i];
		int g = group_at(p, sl->start_ns);

		if (g < 0 || !(groups & (1u << g)))
			continue;
		if (sl->process < 0) {
			*unnamed += sl->samples;
			continue;
		}
		v[sl->process].samples += sl->samples;
		if (sl->start_ns < v[sl->process].first_ns)
			v[sl->process].first_ns = sl->start_ns;
		total += sl->samples;
	}
	for (i = 0; i < s->nprocs; i++)
		if (v[i].samples) {
			v[i].share = (double)v[i].samples / (double)total;
			v[i].time_ns = v[i].share * (double)*span_ns;
			v[k++] = v[i];
		}
	qsort(v, k, sizeof *v, by_samples);
	if (!k) {
		free(v);
		v = NULL;
	}
	*out = v;
	*n = k;
	return 0;
}

void prof_proc_name(const struct prof_process *pr, char *buf, size_t len)
{
	char c[80];

	prof_esc(c, sizeof c, pr->comm);
	if (pr->kthread)
		snprintf(buf, len, "[%s]", c);
	else
		snprintf(buf, len, "%s", c);
}

static int table(const struct prof_profile *p, unsigned groups, const char *title,
		 size_t top, FILE *out, struct kit_err *err)
{
	struct prof_proc_row *v;
	int64_t span, total = 0, unnamed;
	char t[32], f[32], name[96];
	size_t n, i;

	if (prof_proc_rows(p, groups, &v, &n, &span, &unnamed, err) < 0)
		return -1;
	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		total += v[i].samples;
	fprintf(out, "\nBy process, %s: %lld samples in %s ms", title,
		(long long)total, prof_fmt_ms(t, sizeof t, (double)span, 1));
	if (unnamed)
		fprintf(out, "; %lld more (%.1f%%) in no known process", (long long)unnamed,
			100.0 * (double)unnamed / (double)(unnamed + total));
	fputc('\n', out);
	fprintf(out, "  %10s %6s %7s %6s %10s  %-7s %s\n", "time (ms)", "%",
		"samples", "user", "first (ms)", "pid", "process");
	for (i = 0; i < n && i < top; i++) {
		const struct prof_process *pr = v[i].proc;

		prof_proc_name(pr, name, sizeof name);
		fprintf(out, "  %10s %5.1f%% %7lld %5.0f%% %10s  %-7lld %s\n",
			prof_fmt_ms(t, sizeof t, v[i].time_ns, 1), 100.0 * v[i].share,
			(long long)v[i].samples,
			pr->samples ? 100.0 * (double)pr->user_samples /
				      (double)pr->samples : 0,
			prof_fmt_ms(f, sizeof f, (double)v[i].first_ns, 1),
			(long long)pr->pid, name);
	}
	if (n > top)
		fprintf(out, "  (%zu more)\n", n - top);
	free(v);
	return 0;
}

int prof_text_procs(const struct prof_profile *p, size_t top, FILE *out,
		    struct kit_err *err)
{
	/* groups: 2 kernel, 3 initcalls; 4 userspace */
	if (table(p, 1u << 2 | 1u << 3, "kernel init (kernel-early to userspace-start)",
		  top, out, err) < 0)
		return -1;
	return table(p, 1u << 4, "userspace", top, out, err);
}
