/*
 * svg.c: a self-contained SVG timeline of one profile.  No script,
 * no external style or font: <title> children give the names and numbers
 * on hover in any browser.
 *
 *   title line (summary; INCOMPLETE in red)
 *   overview: the whole boot on a time axis (s since QEMU started), phases
 *             as coloured bands; the initcall stretch outlined
 *   zoom:     the initcall stretch on its own axis, the level phases as
 *             bands, then one lane per level with a bar per initcall.  Bars
 *             narrower than a pixel are merged with their tiny neighbours
 *             into one bar whose title lists them (a 6.1 kernel runs 666
 *             initcalls, most of them a few microseconds long)
 *   processes: with samples that name their processes (time by process),
 *             a lane per process on the overview's axis (the most sampled
 *             PROC_LANES, the rest in one "other" lane), a bar per slice
 *             of consecutive samples: kernel threads grey, processes blue
 *   CPUs:     with samples of several vCPUs, a lane per CPU on the same
 *             axis, each slice on its CPU's lane in its process's colour
 *             (the idle task pale), named in its title
 *   slowest initcalls, then the legend: every phase, its colour and time
 */
#include "svg-int.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BAND_H 26.0
#define CHAR_W 6.2  /* average width of an 11 px sans-serif character */
#define MAX_TIP 12  /* names listed in a merged bar's title */
#define PROC_LANES 16

static const char *phase_color(const char *id)
{
	static const struct { const char *id, *c; } tab[] = {
		{ "qemu", "#9e9e9e" },
		{ "firmware", "#e6a23c" },
		{ "setup", "#f0d060" },
		{ "decompressor", "#c678dd" },
		{ "kernel-early", "#61afef" },
		{ "kernel-init", "#56b6c2" },
		{ "userspace-start", "#d19a66" },
		{ "userspace", "#e06c75" },
	};
	static const char *const levels[10] = {
		"#a6d96a", "#66bd63", "#1a9850", "#8fbc5a", "#4d9221",
		"#7fbc41", "#b8e186", "#5aae61", "#3a8f3a", "#9bcf6b",
	};
	size_t i;
	int k;

	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (!strcmp(tab[i].id, id))
			return tab[i].c;
	if (!strncmp(id, "initcalls:", 10) &&
	    (k = prof_level_index(id + 10)) >= 0)
		return levels[k];
	return "#bbbbbb";
}

static const char *level_color(const char *level)
{
	char id[40];

	snprintf(id, sizeof id, "initcalls:%.20s", level);
	return phase_color(id);
}

/* A step of 1, 2 or 5 times a power of ten giving about n ticks. */
static double nice_step(double span, int n)
{
	double raw = span / n, mag, m[] = { 1, 2, 5, 10 };
	int i;

	if (raw <= 0)
		return 1;
	mag = pow(10, floor(log10(raw)));
	for (i = 0; i < 4; i++)
		if (m[i] * mag >= raw)
			return m[i] * mag;
	return 10 * mag;
}

static void tick_label(char *b, size_t len, double t, double step)
{
	if (step >= 1e8) /* seconds */
		snprintf(b, len, "%.*f s", step >= 1e9 ? 0 : 1, t / 1e9);
	else if (step >= 1e6)
		snprintf(b, len, "%.0f ms", t / 1e6);
	else
		snprintf(b, len, "%.3f ms", t / 1e6);
}

/* An axis for [t0, t1] (ns since QEMU start) at y. */
static void axis(FILE *out, double y, double t0, double t1, double h)
{
	double span = t1 - t0 >= 1 ? t1 - t0 : 1;
	double step = nice_step(span, 10), t, x, scale = PW / span, first;
	char b[32];
	int i;

	fprintf(out, "<g class=\"axis\" font-size=\"10\" fill=\"#444\">\n");
	fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
		ML, y, ML + PW, y);
	/* counted, not t += step: far from 0 a small step need not move t */
	first = ceil(t0 / step) * step;
	for (i = 0; i <= 20; i++) {
		t = first + i * step;
		if (t > t1 + step * 1e-9)
			break;
		x = ML + (t - t0) * scale;
		tick_label(b, sizeof b, t, step);
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
			x, y, x, y + h, x, y - 4, b);
	}
	fputs("</g>\n", out);
}

static void band(FILE *out, const struct prof_phase *ph, double lo, double t0,
		 double scale, double y)
{
	double x = ML + ((double)(ph->start_ns - lo) - t0) * scale;
	double w = (double)ph->duration_ns * scale;
	char b[32];

	if (w < 0.5)
		w = 0.5;
	fprintf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"><title>",
		x, y, w, BAND_H, phase_color(ph->id));
	prof_xml_puts(out, ph->label);
	fprintf(out, ": %s ms, from %.3f s</title></rect>\n",
		prof_fmt_ms(b, sizeof b, (double)ph->duration_ns, 1),
		(double)(ph->start_ns - lo) / 1e9);
	if (w >= CHAR_W * (double)strlen(ph->label) + 6) {
		fprintf(out, "<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"middle\" pointer-events=\"none\">",
			x + w / 2, y + BAND_H / 2 + 4);
		prof_xml_puts(out, ph->label);
		fputs("</text>\n", out);
	}
}

static void ic_title(FILE *out, const struct prof_initcall *ic, double lo)
{
	char b[32];

	prof_xml_puts(out, ic->fn);
	if (ic->module) {
		fputs(" [", out);
		prof_xml_puts(out, ic->module);
		fputc(']', out);
	}
	fputs(" (", out);
	prof_xml_puts(out, ic->level);
	fprintf(out, "%s): %s ms", ic->sync ? ", sync" : "",
		prof_fmt_ms(b, sizeof b, (double)ic->duration_ns, 3));
	if (ic->has_ret)
		fprintf(out, ", ret %lld", (long long)ic->ret);
	fprintf(out, ", from %.6f s", (double)(ic->start_ns - lo) / 1e9);
}

/* One lane: the initcalls of one level, tiny neighbours merged. */
static void lane(FILE *out, const struct prof_profile *p, const char *level,
		 double lo, double z0, double scale, double y)
{
	size_t i = 0, j;
	struct prof_svg_bar b;
	char s[32];

	while (prof_svg_next_bar(p, level, lo, z0, scale, &i, &b)) {
		const struct prof_initcall *ic = &p->initcalls[b.first];

		if (b.whole) {
			fprintf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"%s><title>",
				b.x, y, b.w, LANE_H - 2, level_color(level),
				/* a failed initcall is outlined in red; the
				 * others get a thin white edge so neighbours
				 * of one colour stay apart */
				prof_svg_failed(ic) ?
				" class=\"failed\" stroke=\"#d00\" stroke-width=\"1.5\"" :
				" stroke=\"#fff\" stroke-width=\"0.5\"");
			ic_title(out, ic, lo);
			fputs("</title></rect>\n", out);
			continue;
		}
		fprintf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\" fill-opacity=\"0.7\"%s><title>",
			b.x, y, b.w, LANE_H - 2, level_color(level),
			b.k > 1 ? " class=\"merged\"" : "");
		if (b.k == 1) {
			ic_title(out, ic, lo);
		} else {
			size_t shown = 0;

			fprintf(out, "%zu %s initcalls, %s ms in calls:", b.k, level,
				prof_fmt_ms(s, sizeof s, (double)b.sum, 3));
			for (j = b.first; j < b.end; j++) {
				const struct prof_initcall *c = &p->initcalls[j];

				if (strcmp(c->level, level))
					continue;
				if (shown++ == MAX_TIP) {
					fputs("\n...", out);
					break;
				}
				fputc('\n', out);
				ic_title(out, c, lo);
			}
		}
		fputs("</title></rect>\n", out);
		/* a failure too narrow for its outline: a red tick, so no
		 * failed initcall is hidden in a merged bar */
		for (j = b.first; j < b.end; j++) {
			const struct prof_initcall *c = &p->initcalls[j];

			if (strcmp(c->level, level) || !prof_svg_failed(c))
				continue;
			fprintf(out, "<rect class=\"failed-tick\" x=\"%.2f\" y=\"%.1f\" width=\"1.5\" height=\"%.1f\" fill=\"#d00\"><title>",
				ML + ((double)(c->start_ns - lo) - z0) * scale, y - 1,
				LANE_H);
			ic_title(out, c, lo);
			fputs("</title></rect>\n", out);
		}
	}
}

/* Where everything goes: the time scale of the overview and of the zoom
 * on the initcalls, and which level lanes the zoom has. */
struct layout {
	int64_t lo64;
	double lo, span, scale;   /* overview: ns from lo, pixels per ns */
	double z0, z1, zscale;    /* zoom: ns from lo, pixels per ns */
	int has_zoom;             /* any initcall at all */
	int lanes[10], nlanes;    /* a lane per known level seen */
	int other;                /* initcalls of levels not known */
	size_t nslow;             /* slowest initcalls listed */
	struct prof_proc_row *procs; /* the process lanes, most sampled first */
	size_t nprocs;            /* lanes: min(PROC_LANES, processes) */
	int proc_other;           /* an "other" lane for the rest */
	int64_t ncpu;             /* CPU lanes: vCPUs sampled, 0 for one */
	double h;                 /* the picture's height */
	const struct prof_svg_labels *lab; /* the names on the initcall bars */
};

static void layout(const struct prof_profile *p, struct layout *L)
{
	int64_t hi64, span, unnamed;
	size_t i, n;
	int k;

	memset(L, 0, sizeof *L);
	/* kernel init and userspace (groups 2 to 4); out of memory: none */
	if (prof_proc_rows(p, 1u << 2 | 1u << 3 | 1u << 4, &L->procs, &n, &span,
			   &unnamed, NULL) == 0) {
		L->nprocs = n < PROC_LANES ? n : PROC_LANES;
		L->proc_other = n > PROC_LANES;
	}
	prof_span(p, &L->lo64, &hi64);
	L->lo = (double)L->lo64;
	L->span = (double)(hi64 - L->lo64);
	if (L->span <= 0)
		L->span = 1;
	L->scale = PW / L->span;

	/* the initcall stretch: the initcalls and the level phases */
	for (i = 0; i < p->ninitcalls; i++) {
		const struct prof_initcall *ic = &p->initcalls[i];
		double s = (double)(ic->start_ns - L->lo64);
		double e = s + (double)ic->duration_ns;

		if (!L->has_zoom || s < L->z0)
			L->z0 = s;
		if (!L->has_zoom || e > L->z1)
			L->z1 = e;
		L->has_zoom = 1;
		k = prof_level_index(ic->level);
		if (k >= 0)
			L->lanes[k] = 1;
		else
			L->other = 1;
	}
	for (i = 0; L->has_zoom && i < p->nphases; i++) {
		const struct prof_phase *ph = &p->phases[i];
		double s = (double)(ph->start_ns - L->lo64);

		if (strncmp(ph->id, "initcalls:", 10))
			continue;
		if (s < L->z0)
			L->z0 = s;
		if (s + (double)ph->duration_ns > L->z1)
			L->z1 = s + (double)ph->duration_ns;
	}
	if (L->has_zoom && L->z1 - L->z0 < 1)
		L->z1 = L->z0 + 1;
	if (L->has_zoom)
		L->zscale = PW / (L->z1 - L->z0 >= 1 ? L->z1 - L->z0 : 1);
	for (k = 0; k < 10; k++)
		L->nlanes += L->lanes[k];
	L->nslow = p->ninitcalls < 10 ? p->ninitcalls : 10;

	L->h = 40 + 30 + BAND_H + 30 + prof_svg_memory_height(p);
	if (L->nprocs)
		L->h += 24 + (double)(L->nprocs + L->proc_other) * LANE_H + 20;
	L->ncpu = prof_sample_cpus(p) > 1 && p->samples.nslices ? prof_sample_cpus(p) : 0;
	if (L->ncpu)
		L->h += 24 + (double)L->ncpu * LANE_H + 20;
	if (L->has_zoom)
		L->h += 40 + BAND_H + 8 + (L->nlanes + L->other) * LANE_H + 20;
	L->h += L->nslow ? 24 + 14.0 * (double)L->nslow : 0;
	L->h += 24 + 18.0 * (double)((p->nphases + 2) / 3) + 20;
}

/* The XML and SVG prologue, the title and the headline. */
static void svg_head(FILE *out, const struct prof_profile *p, double h)
{
	char b[32];
	double y;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"11\">\n",
		W, h, W, h);
	fputs("<title>boot timeline", out);
	if (p->env.kernel_version) {
		fputs(": ", out);
		prof_xml_puts(out, p->env.kernel_version);
	}
	fputs("</title>\n", out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n", W, h);

	/* title line */
	y = 24;
	fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"15\" font-weight=\"bold\">", ML, y);
	if (prof_userspace_ns(p) >= 0)
		fprintf(out, "Boot to userspace: %s",
			prof_fmt_s(b, sizeof b, (double)(prof_qemu_ns(p) +
							 prof_userspace_ns(p))));
	else
		fprintf(out, "Boot did not reach userspace: %s so far",
			prof_fmt_s(b, sizeof b, (double)(prof_qemu_ns(p) + p->end_ns)));
	if (p->env.kernel_version) {
		fputs(" \xe2\x80\x94 ", out);
		prof_xml_puts(out, p->env.kernel_version);
	}
	fputs("</text>\n", out);
	if (!p->complete) {
		fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"13\" font-weight=\"bold\" fill=\"#d00\">INCOMPLETE: ",
			ML, y + 18);
		prof_xml_puts(out, p->incomplete_reason ? p->incomplete_reason
							: "reason unknown");
		fputs("</text>\n", out);
	}
}

/* The zoom on the initcalls from y: the level phases, then a lane per
 * level.  The y below it. */
static double svg_zoom(FILE *out, const struct prof_profile *p,
		       const struct layout *L, double y)
{
	size_t i;
	int k;

	fprintf(out, "<text x=\"10\" y=\"%.1f\" font-weight=\"bold\">initcalls</text>\n", y + 12);
	y += 40;
	axis(out, y - 6, L->z0, L->z1, BAND_H + 8 + (L->nlanes + L->other) * LANE_H +
	     prof_svg_label_rows(L->lab) * ROW_H + 6);
	fprintf(out, "<text x=\"10\" y=\"%.1f\">levels</text>\n", y + BAND_H / 2 + 4);
	for (i = 0; i < p->nphases; i++)
		if (!strncmp(p->phases[i].id, "initcalls:", 10))
			band(out, &p->phases[i], L->lo, L->z0, L->zscale, y);
	y += BAND_H + 8;
	for (k = 0; k < 10; k++) {
		if (!L->lanes[k])
			continue;
		fprintf(out, "<text x=\"10\" y=\"%.1f\">%s</text>\n",
			y + LANE_H - 5, prof_levels[k]);
		lane(out, p, prof_levels[k], L->lo, L->z0, L->zscale, y);
		prof_svg_draw_labels(out, p, L->lab, k, y);
		y += LANE_H + L->lab->rows[k] * ROW_H;
	}
	if (L->other) {
		/* levels we do not know get a lane each would be
		 * too many: draw them together */
		fprintf(out, "<text x=\"10\" y=\"%.1f\">other</text>\n", y + LANE_H - 5);
		for (i = 0; i < p->ninitcalls; i++) {
			const struct prof_initcall *ic = &p->initcalls[i];
			double w = (double)ic->duration_ns * L->zscale;

			if (prof_level_index(ic->level) >= 0)
				continue;
			fprintf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"#bbb\"><title>",
				ML + ((double)(ic->start_ns - L->lo64) - L->z0) * L->zscale,
				y, w < 1 ? 1 : w, LANE_H - 2);
			ic_title(out, ic, L->lo);
			fputs("</title></rect>\n", out);
		}
		y += LANE_H;
	}
	return y + 20;
}

/* One process slice as a rect at ytop on the overview's axis, named in
 * its tooltip (with its CPU: "CPU N: "); nothing when it starts outside
 * the axis. */
static void slice_rect(FILE *out, const struct layout *L, const struct prof_slice *sl,
		       const struct prof_process *pr, double ytop, const char *fill,
		       bool with_cpu)
{
	double x = ML + ((double)(sl->start_ns - L->lo64)) * L->scale;
	double w = (double)(sl->end_ns - sl->start_ns) * L->scale;
	char name[96];

	if (x < ML || x > W - MR)
		return;
	prof_proc_name(pr, name, sizeof name);
	fprintf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
		"fill=\"%s\"><title>", x, ytop, w < 1 ? 1 : w, LANE_H - 2, fill);
	if (with_cpu)
		fprintf(out, "CPU %lld: ", (long long)sl->cpu);
	prof_xml_puts(out, name);
	fprintf(out, " (pid %lld): %lld sample%s from %.3f s</title></rect>\n",
		(long long)pr->pid, (long long)sl->samples,
		sl->samples == 1 ? "" : "s", (double)(sl->start_ns - L->lo64) / 1e9);
}

/* The process lanes from y, on the overview's axis.  The y below. */
static double svg_procs(FILE *out, const struct prof_profile *p,
			const struct layout *L, double y)
{
	const struct prof_samples *s = &p->samples;
	size_t i, k, nlanes = L->nprocs + (size_t)L->proc_other;
	char name[96];

	fprintf(out, "<text x=\"10\" y=\"%.1f\" font-weight=\"bold\">processes "
		"(samples)</text>\n", y + 12);
	y += 24;
	for (k = 0; k < nlanes; k++) {
		if (k < L->nprocs)
			prof_proc_name(L->procs[k].proc, name, sizeof name);
		fprintf(out, "<text x=\"10\" y=\"%.1f\">", y + (double)k * LANE_H + LANE_H - 5);
		if (k < L->nprocs) {
			prof_xml_puts(out, name);
			fprintf(out, " %lld", (long long)L->procs[k].proc->pid);
		} else {
			fputs("other", out);
		}
		fputs("</text>\n", out);
	}
	for (i = 0; i < s->nslices; i++) {
		const struct prof_slice *sl = &s->slices[i];
		const struct prof_process *pr;

		if (sl->process < 0)
			continue;
		pr = &s->procs[sl->process];
		for (k = 0; k < L->nprocs && L->procs[k].proc != pr; k++)
			;
		if (k == L->nprocs && !L->proc_other)
			continue;
		slice_rect(out, L, sl, pr, y + (double)k * LANE_H,
			   pr->kthread ? "#999" : "#4a7bd0", false);
	}
	return y + (double)nlanes * LANE_H + 20;
}

/* The CPU lanes from y (several vCPUs), on the overview's axis.  The y
 * below. */
static double svg_cpus(FILE *out, const struct prof_profile *p,
		       const struct layout *L, double y)
{
	const struct prof_samples *s = &p->samples;
	int64_t c;
	size_t i;

	fprintf(out, "<text x=\"10\" y=\"%.1f\" font-weight=\"bold\">CPUs "
		"(samples)</text>\n", y + 12);
	y += 24;
	for (c = 0; c < L->ncpu; c++)
		fprintf(out, "<text x=\"10\" y=\"%.1f\">CPU %lld</text>\n",
			y + (double)c * LANE_H + LANE_H - 5, (long long)c);
	for (i = 0; i < s->nslices; i++) {
		const struct prof_slice *sl = &s->slices[i];
		const struct prof_process *pr;

		if (sl->process < 0 || sl->cpu < 0 || sl->cpu >= L->ncpu)
			continue;
		pr = &s->procs[sl->process];
		slice_rect(out, L, sl, pr, y + (double)sl->cpu * LANE_H,
			   pr->pid == 0 ? "#d8d8d8" : pr->kthread ? "#999" : "#4a7bd0", true);
	}
	return y + (double)L->ncpu * LANE_H + 20;
}

/* The slowest initcalls, then the legend of every phase, from y.  The y
 * below. */
static double svg_lists(FILE *out, const struct prof_profile *p,
		      const struct prof_initcall **slow, size_t nslow, double y)
{
	char b[32];
	size_t i;

	if (nslow) {
		fprintf(out, "<text x=\"10\" y=\"%.1f\" font-weight=\"bold\">slowest initcalls</text>\n", y + 12);
		y += 24;
		for (i = 0; i < nslow; i++) {
			fprintf(out, "<text x=\"%.0f\" y=\"%.1f\"><tspan fill=\"%s\">\xe2\x96\xa0</tspan> %s ms  ",
				ML, y + 10, level_color(slow[i]->level),
				prof_fmt_ms(b, sizeof b, (double)slow[i]->duration_ns, 3));
			prof_xml_puts(out, slow[i]->fn);
			fputs(" (", out);
			prof_xml_puts(out, slow[i]->level);
			fputs(")</text>\n", out);
			y += 14;
		}
	}

	/* legend: every phase */
	y += 10;
	fprintf(out, "<g class=\"legend\"><text x=\"10\" y=\"%.1f\" font-weight=\"bold\">phases</text>\n", y + 12);
	y += 24;
	for (i = 0; i < p->nphases; i++) {
		const struct prof_phase *ph = &p->phases[i];
		double x = ML + (double)(i % 3) * (PW / 3);
		double yy = y + (double)(i / 3) * 18;

		fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%.1f\" y=\"%.1f\">", x, yy, phase_color(ph->id),
			x + 16, yy + 10);
		prof_xml_puts(out, ph->label);
		fprintf(out, " %s ms</text>\n",
			prof_fmt_ms(b, sizeof b, (double)ph->duration_ns, 1));
	}
	fputs("</g>\n", out);
	return y + 18.0 * (double)((p->nphases + 2) / 3);
}

int prof_report_svg(const struct prof_profile *p,
		    const struct prof_report_opts *o, FILE *out,
		    struct kit_err *err)
{
	const struct prof_initcall **slow = NULL;
	struct prof_svg_labels lab = { 0 };
	struct prof_svg_zoom z;
	struct prof_svg_marks mk;
	struct layout L;
	double y;
	size_t i;

	layout(p, &L);
	z = (struct prof_svg_zoom){ L.lo, L.z0, L.zscale, L.has_zoom, L.lanes };
	mk = (struct prof_svg_marks){ &z, &lab, L.procs, L.nprocs };
	if ((L.nslow && !(slow = prof_by_duration(p))) ||
	    prof_svg_place_labels(p, &z, slow, L.nslow, &lab)) {
		free(lab.v);
		free(slow);
		free(L.procs);
		return kit_seterr(err, ENOMEM, "out of memory");
	}
	L.lab = &lab;
	L.h += prof_svg_label_rows(&lab) * ROW_H + prof_svg_marks_height(p, &mk);
	svg_head(out, p, L.h);

	/* overview */
	y = 40 + 30;
	fprintf(out, "<text x=\"10\" y=\"%.1f\">boot phases</text>\n", y + BAND_H / 2 + 4);
	axis(out, y - 6, 0, L.span, BAND_H + 12);
	for (i = 0; i < p->nphases; i++)
		band(out, &p->phases[i], L.lo, 0, L.scale, y);
	if (L.has_zoom)
		fprintf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"none\" stroke=\"#000\" stroke-dasharray=\"3,2\"><title>initcalls: %.3f s to %.3f s (zoomed below)</title></rect>\n",
			ML + L.z0 * L.scale, y - 2,
			(L.z1 - L.z0) * L.scale < 1 ? 1 : (L.z1 - L.z0) * L.scale,
			BAND_H + 4, L.z0 / 1e9, L.z1 / 1e9);
	y += BAND_H + 30;
	y = prof_svg_memory(out, p, L.lo, L.scale, ML, W - MR, y);

	if (L.nprocs)
		y = svg_procs(out, p, &L, y);
	if (L.ncpu)
		y = svg_cpus(out, p, &L, y);
	if (L.has_zoom)
		y = svg_zoom(out, p, &L, y);
	y = svg_lists(out, p, slow, L.nslow, y);
	prof_svg_marks(out, p, &mk, y);
	fputs("</svg>\n", out);
	free(lab.v);
	free(slow);
	free(L.procs);
	(void)o;
	return prof_out_check(out, err);
}
