/*
 * svg-int.h: what the SVG writer (svg.c) shares with its names and marks
 * (svg-names.c): the picture's geometry, the bars of an initcall lane,
 * the names placed on them and the legend of marks.  Private to report/.
 */
#ifndef PROF_SVG_INT_H
#define PROF_SVG_INT_H

#include "internal.h"

#define W 1200.0
#define ML 150.0    /* left margin: lane names */
#define MR 30.0
#define PW (W - ML - MR)
#define LANE_H 16.0
#define ROW_H 12.0  /* a row of names under a lane */

/* A failed initcall: its return was seen and is not 0. */
int prof_svg_failed(const struct prof_initcall *ic);

/*
 * The bars of one lane, as svg.c's lane() draws them: an initcall a pixel
 * wide or more is a bar of its own; a run of narrower ones of the level,
 * while they stay within a few pixels of each other, is one merged bar.
 * prof_svg_next_bar() fills b with the bar starting at or after initcall
 * *i of level, on the zoom's scale (x = ML + (start - lo - z0) * scale),
 * and moves *i past it; 0 when the lane has no more.
 */
struct prof_svg_bar {
	size_t first, end;        /* initcalls [first, end) (others' levels
	                             among them are not in it) */
	size_t k;                 /* initcalls of the level in it */
	int64_t sum;              /* their time, ns */
	double x, w;              /* pixels */
	int whole;                /* one initcall a pixel wide or more */
};
int prof_svg_next_bar(const struct prof_profile *p, const char *level,
		      double lo, double z0, double scale, size_t *i,
		      struct prof_svg_bar *b);

/* The zoom on the initcalls, as svg.c lays it out. */
struct prof_svg_zoom {
	double lo, z0, scale;     /* x = ML + (t - lo - z0) * scale */
	int has_zoom;             /* any initcall at all */
	const int *lanes;         /* [10]: a lane for that level */
};

/* The names on the bars (svg-names.c). */
struct prof_svg_label {
	size_t ic;            /* index into p->initcalls */
	int lane;             /* level index */
	int row;              /* 0: in the lane; r > 0: r-th row under it */
	int inside;           /* within its own bar */
	double x, tw;         /* start of the text, its estimated width */
	double lead_x;        /* row > 0: the leader line's x */
};
struct prof_svg_labels {
	struct prof_svg_label *v;
	size_t n, cap;
	int rows[10];         /* rows of names under each level's lane */
};
/* Place the names of every lane: slow holds the nslow slowest initcalls,
 * each named.  0, or -1 out of memory (free lb->v either way). */
int prof_svg_place_labels(const struct prof_profile *p,
			  const struct prof_svg_zoom *z,
			  const struct prof_initcall **slow, size_t nslow,
			  struct prof_svg_labels *lb);
/* The rows of names under all lanes together. */
int prof_svg_label_rows(const struct prof_svg_labels *lb);
/* Lane k's names, the lane drawn at y. */
void prof_svg_draw_labels(FILE *out, const struct prof_profile *p,
			  const struct prof_svg_labels *lb, int k, double y);

/* The legend of marks: what it needs to know of the picture. */
struct prof_svg_marks {
	const struct prof_svg_zoom *z;
	const struct prof_svg_labels *lb;
	const struct prof_proc_row *procs; /* the process lanes */
	size_t nprocs;
};
/* Its height, 0 when the picture has no mark. */
double prof_svg_marks_height(const struct prof_profile *p,
			     const struct prof_svg_marks *m);
/* Draw it from y. */
void prof_svg_marks(FILE *out, const struct prof_profile *p,
		    const struct prof_svg_marks *m, double y);

#endif
