/*
 * svg-names.c: the SVG timeline's names on its initcall bars and its
 * legend of marks (svg-int.h; svg.c draws the rest).
 *
 * Names, as bootgraph.pl writes them: a bar that holds its initcall's
 * name gets it; each of the slowest (the list under the picture) is
 * always named, beside its bar or under its lane when the bar is too
 * narrow.  Widths are estimated from DejaVu Sans's advance widths
 * (label_w()); tests/t5130 checks the placement with the font's own.
 */
#include "svg-int.h"

#include <stdlib.h>
#include <string.h>

int prof_svg_next_bar(const struct prof_profile *p, const char *level,
		      double lo, double z0, double scale, size_t *i,
		      struct prof_svg_bar *b)
{
	size_t j;
	double end;

	while (*i < p->ninitcalls && strcmp(p->initcalls[*i].level, level))
		(*i)++;
	if (*i >= p->ninitcalls)
		return 0;
	b->first = *i;
	b->x = ML + ((double)(p->initcalls[*i].start_ns - lo) - z0) * scale;
	b->w = (double)p->initcalls[*i].duration_ns * scale;
	b->whole = b->w >= 1;
	if (b->whole) {
		b->end = ++*i;
		b->k = 1;
		b->sum = p->initcalls[b->first].duration_ns;
		return 1;
	}
	end = b->x + b->w;
	b->sum = 0;
	b->k = 0;
	for (j = *i; j < p->ninitcalls; j++) {
		const struct prof_initcall *c = &p->initcalls[j];
		double cx, cw;

		if (strcmp(c->level, level))
			continue;
		cx = ML + ((double)(c->start_ns - lo) - z0) * scale;
		cw = (double)c->duration_ns * scale;
		if (cw >= 1 || cx > end + 3)
			break;
		if (cx + cw > end)
			end = cx + cw;
		b->sum += c->duration_ns;
		b->k++;
	}
	b->w = end - b->x < 1 ? 1 : end - b->x;
	b->end = *i = j;
	return 1;
}

int prof_svg_failed(const struct prof_initcall *ic)
{
	return ic->has_ret && ic->ret;
}

/*
 * Names on the bars, as bootgraph.pl writes them: an initcall whose bar
 * holds its name gets it inside; each of the slowest (the list under the
 * picture) is always named: inside, else just right or left of its bar
 * when nothing else is there, else on a row of its own under the lane,
 * with a leader line up to the bar.  No name covers another name or
 * another bar; the other narrow bars keep theirs in their hover titles.
 */
#define LABEL_FONT 10.0
#define LABEL_PAD 3.0     /* pixels kept free around a name */

/*
 * The width of s in pixels at LABEL_FONT, a little over what DejaVu Sans
 * (Debian's sans-serif, which librsvg and browsers use here) draws: its
 * advance widths in em, by character, rounded up (docs/gdbstub-client.md,
 * "The picture: names and marks", has the command that reads them from
 * the font).  A character outside ASCII counts as a wide one, a byte
 * written as "\xNN" as those four.
 */
static double label_w(const char *s)
{
	double em = 0;
	size_t n;

	for (; *s; s += n ? n : 1) {
		unsigned char c = (unsigned char)*s;

		n = prof_safe_char(s);
		if (n != 1) {
			/* prof_xml_puts() writes "\xNN" for it, or a
			 * character outside ASCII */
			em += n ? 1.0 : 2.6;
			continue;
		}
		em += strchr("ijl.,:;'|!", c) ? 0.29 :
		      strchr("ftI ", c) ? 0.40 :
		      c == 'r' ? 0.42 : c == 'm' ? 0.98 : c == 'w' ? 0.82 :
		      c >= 'A' && c <= 'Z' ? (c == 'M' || c == 'W' ? 1.0 : 0.78) :
		      c > 0x20 && c < 0x7f ? 0.64 : 1.0;
	}
	return em * LABEL_FONT;
}

static int overlaps(double a0, double a1, double b0, double b1)
{
	return a0 < b1 + LABEL_PAD && b0 < a1 + LABEL_PAD;
}

/* Is [x0, x1] in row row of lane k free of names (and, in the lane
 * itself, of bars other than own)? */
static int label_fits(const struct prof_svg_labels *lb,
		      const struct prof_svg_bar *bars, size_t nbars, size_t own,
		      int k, int row, double x0, double x1)
{
	size_t i;

	/* rows under the lane take what does not fit the picture too (a
	 * name wider than it): a row with no name is always free */
	if (row == 0 && (x0 < ML || x1 > W - MR))
		return 0;
	for (i = 0; i < lb->n; i++)
		if (lb->v[i].lane == k && lb->v[i].row == row &&
		    overlaps(x0, x1, lb->v[i].x, lb->v[i].x + lb->v[i].tw))
			return 0;
	for (i = 0; row == 0 && i < nbars; i++)
		if (i != own && overlaps(x0, x1, bars[i].x, bars[i].x + bars[i].w))
			return 0;
	return 1;
}

static int label_add(struct prof_svg_labels *lb,
		     const struct prof_svg_label *l)
{
	if (lb->n == lb->cap) {
		size_t cap = lb->cap ? 2 * lb->cap : 32;
		struct prof_svg_label *v = realloc(lb->v, cap * sizeof *v);

		if (!v)
			return -1;
		lb->v = v;
		lb->cap = cap;
	}
	lb->v[lb->n++] = *l;
	return 0;
}

/* The names of lane k's bars into lb.  slow: the nslow slowest. */
static int place_lane(const struct prof_profile *p,
		      const struct prof_svg_zoom *z,
		      const struct prof_initcall **slow, size_t nslow, int k,
		      struct prof_svg_labels *lb)
{
	struct prof_svg_bar *bars = NULL, b, *nb;
	size_t i = 0, n = 0, s, own;
	struct prof_svg_label l;
	int rc = -1;

	while (prof_svg_next_bar(p, prof_levels[k], z->lo, z->z0, z->scale, &i,
				 &b)) {
		if (!(nb = realloc(bars, (n + 1) * sizeof *bars)))
			goto out;
		bars = nb;
		bars[n++] = b;
	}
	/* inside: every bar that holds its name */
	for (i = 0; i < n; i++) {
		const char *fn = p->initcalls[bars[i].first].fn;

		if (!bars[i].whole || bars[i].w < label_w(fn) + 4)
			continue;
		l = (struct prof_svg_label){ .ic = bars[i].first, .lane = k,
					     .inside = 1, .x = bars[i].x + 2,
					     .tw = label_w(fn) };
		if (label_add(lb, &l))
			goto out;
	}
	/* the slowest of this level, slowest first, wherever they fit */
	for (s = 0; s < nslow; s++) {
		size_t ic = (size_t)(slow[s] - p->initcalls);
		double tw = label_w(slow[s]->fn), x0, x1, c;
		int row;

		if (prof_level_index(slow[s]->level) != k)
			continue;
		for (own = 0; own < n; own++)
			if (bars[own].first <= ic && ic < bars[own].end)
				break;
		if (own == n)
			continue;
		if (bars[own].whole && bars[own].w >= tw + 4)
			continue; /* named inside */
		x0 = bars[own].x;
		x1 = bars[own].x + bars[own].w;
		l = (struct prof_svg_label){ .ic = ic, .lane = k, .tw = tw };
		if (label_fits(lb, bars, n, own, k, 0, x1 + 2, x1 + 2 + tw)) {
			l.x = x1 + 2;
		} else if (label_fits(lb, bars, n, own, k, 0, x0 - 2 - tw, x0 - 2)) {
			l.x = x0 - 2 - tw;
		} else {
			/* under the lane: text right of the leader, or left
			 * of it at the picture's right edge */
			c = (x0 + x1) / 2;
			l.lead_x = c;
			l.x = c + 2 + tw <= W - MR ? c + 2 : c - 2 - tw;
			if (l.x < ML)
				l.x = ML;
			for (row = 1; !label_fits(lb, bars, n, own, k, row, l.x,
						   l.x + tw); row++)
				;
			l.row = row;
			if (row > lb->rows[k])
				lb->rows[k] = row;
		}
		if (label_add(lb, &l))
			goto out;
	}
	rc = 0;
out:
	free(bars);
	return rc;
}

int prof_svg_place_labels(const struct prof_profile *p,
			  const struct prof_svg_zoom *z,
			  const struct prof_initcall **slow, size_t nslow,
			  struct prof_svg_labels *lb)
{
	int k;

	memset(lb, 0, sizeof *lb);
	for (k = 0; z->has_zoom && k < 10; k++)
		if (z->lanes[k] && place_lane(p, z, slow, nslow, k, lb))
			return -1;
	return 0;
}

int prof_svg_label_rows(const struct prof_svg_labels *lb)
{
	int k, n = 0;

	for (k = 0; k < 10; k++)
		n += lb->rows[k];
	return n;
}

void prof_svg_draw_labels(FILE *out, const struct prof_profile *p,
			  const struct prof_svg_labels *lb, int k, double y)
{
	size_t i;

	for (i = 0; i < lb->n; i++) {
		const struct prof_svg_label *l = &lb->v[i];
		double ty = y + LANE_H - 5;

		if (l->lane != k)
			continue;
		if (l->row > 0) {
			ty = y + LANE_H + (double)l->row * ROW_H - 3;
			fprintf(out, "<line class=\"leader\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#555\" stroke-width=\"0.7\"/>\n",
				l->lead_x, y + LANE_H - 2, l->lead_x,
				ty - ROW_H / 2 + 2);
		}
		fprintf(out, "<text class=\"ic-label\" data-place=\"%s\" data-fn=\"",
			l->inside ? "in" : l->row ? "row" : "out");
		prof_xml_puts(out, p->initcalls[l->ic].fn);
		fprintf(out, "\" x=\"%.2f\" y=\"%.1f\" font-size=\"%.0f\" pointer-events=\"none\">",
			l->x, ty, LABEL_FONT);
		prof_xml_puts(out, p->initcalls[l->ic].fn);
		fputs("</text>\n", out);
	}
}

/*
 * The legend of the picture's marks, each only when the picture has it:
 * what a red outline or tick, a pale bar, a leader line, the dashed box
 * and the process colours mean.
 */
enum { MARK_FAILED, MARK_MERGED, MARK_LEADER, MARK_ZOOM, MARK_KTHREAD,
       MARK_PROCESS, NMARKS };

static int marks_of(const struct prof_profile *p,
		    const struct prof_svg_marks *m, int *have, size_t *nfailed)
{
	size_t i;
	int n = 0, k;

	memset(have, 0, NMARKS * sizeof *have);
	*nfailed = 0;
	for (i = 0; i < p->ninitcalls; i++) {
		*nfailed += (size_t)prof_svg_failed(&p->initcalls[i]);
		if ((double)p->initcalls[i].duration_ns * m->z->scale < 1)
			have[MARK_MERGED] = 1;
	}
	have[MARK_FAILED] = *nfailed > 0;
	for (i = 0; m->lb && i < m->lb->n; i++)
		if (m->lb->v[i].row)
			have[MARK_LEADER] = 1;
	have[MARK_ZOOM] = m->z->has_zoom;
	for (i = 0; i < m->nprocs; i++) {
		if (m->procs[i].proc->kthread)
			have[MARK_KTHREAD] = 1;
		else
			have[MARK_PROCESS] = 1;
	}
	have[MARK_MERGED] &= m->z->has_zoom;
	for (k = 0; k < NMARKS; k++)
		n += have[k];
	return n;
}

/* Initcalls that returned -ENODEV (19 on Linux): a driver whose device
 * is not there, the usual failure of a boot on a virtual machine. */
static size_t nodev(const struct prof_profile *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->ninitcalls; i++)
		n += p->initcalls[i].has_ret && p->initcalls[i].ret == -19;
	return n;
}

double prof_svg_marks_height(const struct prof_profile *p,
			     const struct prof_svg_marks *m)
{
	int have[NMARKS];
	size_t nf;
	int n = marks_of(p, m, have, &nf);

	return n ? 10 + 24 + 18.0 * (double)n : 0;
}

void prof_svg_marks(FILE *out, const struct prof_profile *p,
		    const struct prof_svg_marks *mk, double y)
{
	int have[NMARKS], m, shown = 0;
	size_t nf;

	if (!marks_of(p, mk, have, &nf))
		return;
	y += 10;
	fprintf(out, "<g class=\"legend-marks\"><text x=\"10\" y=\"%.1f\" font-weight=\"bold\">marks</text>\n", y + 12);
	y += 24;
	for (m = 0; m < NMARKS; m++) {
		double x = ML, yy = y + (double)shown * 18; /* a line each */

		if (!have[m])
			continue;
		shown++;
		fprintf(out, "<g class=\"mark-%s\">",
			(const char *const[]){ "failed", "merged", "leader", "zoom",
					       "kthread", "process" }[m]);
		switch (m) {
		case MARK_FAILED:
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" fill=\"#8fbc5a\" stroke=\"#d00\" stroke-width=\"1.5\"/>"
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"1.5\" height=\"14\" fill=\"#d00\"/>"
				"<text x=\"%.1f\" y=\"%.1f\">initcall that returned an error: %zu here",
				x, yy, x + 22, yy - 1, x + 30, yy + 10, nf);
			if (nodev(p))
				fprintf(out, ", %zu of them -19 (ENODEV: a driver that found no device)",
					nodev(p));
			fputs("</text>", out);
			break;
		case MARK_MERGED:
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" fill=\"#8fbc5a\" fill-opacity=\"0.7\"/>"
				"<text x=\"%.1f\" y=\"%.1f\">pale: initcalls under a pixel, merged (hover for the names)</text>",
				x, yy, x + 30, yy + 10);
			break;
		case MARK_LEADER:
			fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-width=\"0.7\"/>"
				"<text x=\"%.1f\" y=\"%.1f\">a slowest initcall too narrow for its name, named under its lane</text>",
				x + 8, yy, x + 8, yy + 12, x + 30, yy + 10);
			break;
		case MARK_ZOOM:
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" fill=\"none\" stroke=\"#000\" stroke-dasharray=\"3,2\"/>"
				"<text x=\"%.1f\" y=\"%.1f\">dashed: the initcalls, drawn again below on their own scale</text>",
				x, yy, x + 30, yy + 10);
			break;
		case MARK_KTHREAD:
		case MARK_PROCESS:
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" fill=\"%s\"/>"
				"<text x=\"%.1f\" y=\"%.1f\">%s</text>",
				x, yy, m == MARK_KTHREAD ? "#999" : "#4a7bd0", x + 30, yy + 10,
				m == MARK_KTHREAD ? "kernel thread (samples)" : "process (samples)");
			break;
		}
		fputs("</g>\n", out);
	}
	fputs("</g>\n", out);
}

