/*
 * commands.c: the command-line front ends of the reports,
 * prof_report_main() and prof_compare_main() (model.h).  They parse
 * options, load the profiles, call the library and say what went wrong in
 * one line.  `gdbstub-client report|compare` calls them with argv[0] set
 * to the subcommand.
 *
 * Output goes through prof_write_file(): -o FILE is replaced whole or not
 * at all, and standard output (no -o, or -o -) is flushed and checked, so
 * a full disk or a closed pipe is an error, never a silently short report.
 *
 * Exit status: 0 done, 1 an error (a file missing, not JSON, a schema
 * version this build does not read, the output cannot be written ...), 2 a
 * usage error.
 */
#include "model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPORT_USAGE \
	"usage: gdbstub-client report FILE.json... [--format=text|json|svg|trace|folded]\n" \
	"           [--warmup N] [--top N] [--samples] [--color=auto|always|never] [-o FILE]\n"
#define COMPARE_USAGE \
	"usage: gdbstub-client compare A.json... -- B.json... [--threshold PCT] [--alpha P]\n" \
	"           [--min-delta-us N] [--warmup N] [--top N] [--format=text|json]\n" \
	"           [--color=auto|always|never]\n"

enum fmt { F_TEXT, F_JSON, F_SVG, F_TRACE, F_FOLDED };

struct cli {
	const char *usage;
	enum fmt fmt;
	int allow_fmt_mask;
	const char *color;
	const char *output;
	size_t warmup, top;
	int samples;
	double threshold, alpha;
	long long min_delta_us;
	/* files: before and after "--" (compare); report uses only a */
	char **a, **b;
	size_t na, nb;
	int seen_sep;
	int help;
};

static int usage_error(const struct cli *c, const char *what, const char *arg)
{
	error("%s '%s'", what, arg);
	fputs(c->usage, stderr);
	return 2;
}

/* The value of "--name=V" or "--name V"; NULL when arg is not --name. */
static const char *opt_value(const char *name, int argc, char **argv, int *i,
			     int *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	*missing = 0;
	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!*s || *s == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > 1000000000ULL)
		return -1;
	*out = (size_t)v;
	return 0;
}

static int parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || !*s || *end || !(*out >= 0) ? -1 : 0;
}

static int parse(struct cli *c, int argc, char **argv, int compare)
{
	int i, missing;
	const char *v;

	c->a = calloc((size_t)argc + 1, sizeof *c->a);
	c->b = calloc((size_t)argc + 1, sizeof *c->b);
	if (!c->a || !c->b) {
		error("out of memory");
		return 1;
	}
	c->color = "auto";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			if (!compare || c->seen_sep) {
				/* report: everything after is a file */
				for (i++; i < argc; i++)
					(c->seen_sep ? c->b : c->a)[
						c->seen_sep ? c->nb++ : c->na++] = argv[i];
				break;
			}
			c->seen_sep = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			c->help = 1;
			return 0;
		}
		if (a[0] != '-' || !a[1]) {
			if (c->seen_sep)
				c->b[c->nb++] = argv[i];
			else
				c->a[c->na++] = argv[i];
			continue;
		}
		if ((v = opt_value("--format", argc, argv, &i, &missing))) {
			static const char *const names[] = {
				"text", "json", "svg", "trace", "folded",
			};
			int f;

			for (f = 0; f < 5; f++)
				if (!strcmp(v, names[f]))
					break;
			if (f == 5 || !(c->allow_fmt_mask & (1 << f)))
				return usage_error(c, "unknown format", v);
			c->fmt = (enum fmt)f;
		} else if (!strcmp(a, "--color") ||
			   (v = opt_value("--color", argc, argv, &i, &missing))) {
			if (!strcmp(a, "--color"))
				v = "always"; /* as git: a bare --color forces it */
			if (strcmp(v, "auto") && strcmp(v, "always") &&
			    strcmp(v, "never"))
				return usage_error(c, "--color takes auto, always or never, not", v);
			c->color = v;
		} else if ((v = opt_value("--warmup", argc, argv, &i, &missing))) {
			if (parse_size(v, &c->warmup))
				return usage_error(c, "--warmup takes a count, not", v);
		} else if ((v = opt_value("--top", argc, argv, &i, &missing))) {
			if (parse_size(v, &c->top) || !c->top)
				return usage_error(c, "--top takes a positive count, not", v);
		} else if (!compare && !strcmp(a, "--samples")) {
			c->samples = 1;
		} else if (!compare && ((v = opt_value("--output", argc, argv, &i, &missing)) ||
					(!missing && (v = opt_value("-o", argc, argv, &i, &missing))))) {
			c->output = v;
		} else if (compare && (v = opt_value("--threshold", argc, argv, &i, &missing))) {
			if (parse_double(v, &c->threshold) || c->threshold <= 0)
				return usage_error(c, "--threshold takes a percentage, not", v);
		} else if (compare && (v = opt_value("--alpha", argc, argv, &i, &missing))) {
			if (parse_double(v, &c->alpha) || c->alpha <= 0 || c->alpha > 1)
				return usage_error(c, "--alpha takes a probability in (0, 1], not", v);
		} else if (compare && (v = opt_value("--min-delta-us", argc, argv, &i, &missing))) {
			size_t us;

			if (parse_size(v, &us))
				return usage_error(c, "--min-delta-us takes a count, not", v);
			c->min_delta_us = (long long)us;
		} else if (missing) {
			return usage_error(c, "missing value for", a);
		} else {
			return usage_error(c, "unknown option", a);
		}
	}
	return 0;
}

static int want_color(const char *mode, FILE *out)
{
	const char *term = getenv("TERM");

	if (!strcmp(mode, "always"))
		return 1;
	if (!strcmp(mode, "never"))
		return 0;
	/* auto: a terminal that is not dumb, and no NO_COLOR (no-color.org) */
	return isatty(fileno(out)) && !getenv("NO_COLOR") &&
	       !(term && !strcmp(term, "dumb"));
}

static void free_all(struct prof_profile **p, size_t n)
{
	size_t i;

	for (i = 0; p && i < n; i++)
		prof_free(p[i]);
	free(p);
}

static struct prof_profile **load_all(char **files, size_t n)
{
	struct prof_profile **p = calloc(n ? n : 1, sizeof *p);
	struct kit_err err = { 0 };
	size_t i;

	if (!p) {
		error("out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (!(p[i] = prof_load(files[i], &err))) {
			error("%s", err.msg);
			free_all(p, i);
			return NULL;
		}
	}
	return p;
}

static void cli_free(struct cli *c)
{
	free(c->a);
	free(c->b);
}

/* What the writer callback of prof_write_file() writes. */
struct job {
	enum fmt fmt;
	struct prof_profile **p;      /* the profiles kept (after warm-up) */
	size_t n;
	const struct prof_runs *runs; /* text and json of several runs */
	const struct prof_report_opts *o;
	const char *first;            /* file name of p[0] */
};

static int write_report(FILE *out, const void *arg, struct kit_err *err)
{
	const struct job *j = arg;

	switch (j->fmt) {
	case F_TEXT:
		return j->runs ? prof_report_text_runs(j->runs, j->o, out, err) :
				 prof_report_text(j->p[0], j->o, out, err);
	case F_JSON:
		return j->runs ? prof_report_json_runs(j->runs, out, err) :
				 prof_write_json(j->p[0], out, err);
	case F_SVG:
		return prof_report_svg(j->p[0], j->o, out, err);
	case F_FOLDED:
		return prof_report_folded(j->p[0], j->o, out, err);
	case F_TRACE:
		return prof_report_trace(j->p, j->n, out, err);
	}
	return 0;
}

int prof_report_main(int argc, char **argv)
{
	struct cli c = { .usage = REPORT_USAGE, .allow_fmt_mask = 0x1f };
	struct prof_report_opts o = { 0 };
	struct prof_runs runs = { 0 };
	struct prof_profile **p = NULL;
	struct kit_err err = { 0 };
	struct job j = { 0 };
	const char *output;
	int rc;

	if ((rc = parse(&c, argc, argv, 0)))
		goto out;
	if (c.help) {
		fputs(REPORT_USAGE, stdout);
		goto out;
	}
	if (!c.na) {
		rc = 2;
		error("no profile given");
		fputs(REPORT_USAGE, stderr);
		goto out;
	}
	if (c.warmup >= c.na) {
		error("--warmup %zu leaves none of the %zu profiles",
		      c.warmup, c.na);
		rc = 2;
		goto out;
	}
	if (!(p = load_all(c.a, c.na))) {
		rc = 1;
		goto out;
	}
	/* "-o -" is standard output, as no -o */
	output = c.output ? c.output : "-";
	/* colour only on a terminal: a file never is one */
	o.color = strcmp(output, "-") ? !strcmp(c.color, "always") :
		  want_color(c.color, stdout);
	o.top = c.top;
	o.samples = c.samples;
	j.fmt = c.fmt;
	j.p = p + c.warmup;
	j.n = c.na - c.warmup;
	j.o = &o;
	j.first = c.a[c.warmup];
	if ((c.fmt == F_TEXT || c.fmt == F_JSON) && j.n > 1) {
		/* before the output is created: a failure leaves none */
		if (prof_runs_build(&runs, p, c.na, c.warmup, &err)) {
			rc = (error("%s", err.msg), 1);
			goto out;
		}
		j.runs = &runs;
	}
	if ((c.fmt == F_SVG || c.fmt == F_FOLDED) && j.n > 1)
		warning("--format=%s shows one profile: '%s' (--format=trace shows all)",
			c.fmt == F_SVG ? "svg" : "folded", j.first);
	/* a report can be made again from its profiles: no fallback copy */
	if (prof_write_file(output, write_report, &j, NULL, &err))
		rc = (error("%s", err.msg), 1);
out:
	prof_runs_free(&runs);
	free_all(p, c.na);
	cli_free(&c);
	return rc;
}

/* What compare's writer callback writes. */
struct cmp_job {
	const struct prof_runs *a, *b;
	const struct prof_comparison *cmp;
	const struct prof_compare_opts *o;
};

static int write_compare(FILE *out, const void *arg, struct kit_err *err)
{
	const struct cmp_job *j = arg;

	return prof_report_compare(j->a, j->b, j->cmp, j->o, out, err);
}

int prof_compare_main(int argc, char **argv)
{
	struct cli c = { .usage = COMPARE_USAGE, .allow_fmt_mask = 0x3,
			 .min_delta_us = 100 };
	struct prof_compare_opts o = { 0 };
	struct prof_runs ra = { 0 }, rb = { 0 };
	struct prof_comparison cmp = { 0 };
	struct prof_profile **pa = NULL, **pb = NULL;
	struct kit_err err = { 0 };
	int rc;

	if ((rc = parse(&c, argc, argv, 1)))
		goto out;
	if (c.help) {
		fputs(COMPARE_USAGE, stdout);
		goto out;
	}
	if (!c.seen_sep || !c.na || !c.nb) {
		rc = 2;
		error(!c.seen_sep ? "no '--' between the two groups of profiles"
				  : "a group of profiles is empty");
		fputs(COMPARE_USAGE, stderr);
		goto out;
	}
	if (!(pa = load_all(c.a, c.na)) || !(pb = load_all(c.b, c.nb))) {
		rc = 1;
		goto out;
	}
	o.threshold_pct = c.threshold;
	o.alpha = c.alpha;
	o.min_delta_ns = c.min_delta_us * 1000;
	o.top = c.top;
	o.json = c.fmt == F_JSON;
	o.color = want_color(c.color, stdout);
	if (prof_runs_build(&ra, pa, c.na, c.warmup, &err) ||
	    prof_runs_build(&rb, pb, c.nb, c.warmup, &err) ||
	    prof_compare(&ra, &rb, &o, &cmp, &err) ||
	    prof_write_file("-", write_compare,
			    &(struct cmp_job){ &ra, &rb, &cmp, &o }, NULL, &err)) {
		rc = 1;
		error("%s", err.msg);
	}
out:
	prof_comparison_free(&cmp);
	prof_runs_free(&ra);
	prof_runs_free(&rb);
	free_all(pa, c.na);
	free_all(pb, c.nb);
	cli_free(&c);
	return rc;
}
