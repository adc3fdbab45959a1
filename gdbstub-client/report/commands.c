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
 * Options are read with getopt_long, anywhere among the files; compare
 * reads each side of its first "--" on its own, so options may follow the
 * B files too.  Numbers are strict (common/opts.h): "--top 5x" is refused.
 *
 * Exit status: 0 done, 1 an error (a file missing, not JSON, a schema
 * version this build does not read, the output cannot be written ...), 2 a
 * usage error, said in one line.
 */
#include "model.h"
#include "opts.h"
#include "version.h"

#include <errno.h>
#include <getopt.h>
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

/* The largest --warmup, --top, --min-delta-us and --threshold. */
#define MAX_COUNT 1000000000L

enum fmt { F_TEXT, F_JSON, F_SVG, F_TRACE, F_FOLDED };

struct cli {
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
	int compare;           /* compare's options, not report's */
};

/* A usage error: one line, exit status 2. */
static int usage_error(const char *what, const char *arg)
{
	error("%s '%s'", what, arg);
	return 2;
}

enum { O_FORMAT = 256, O_COLOR, O_WARMUP, O_TOP, O_SAMPLES, O_THRESHOLD,
       O_ALPHA, O_MIN_DELTA };

/* Both subcommands' options; take_option() refuses the other's. */
static const struct option long_opts[] = {
	{ "format", required_argument, NULL, O_FORMAT },
	{ "color", optional_argument, NULL, O_COLOR },
	{ "warmup", required_argument, NULL, O_WARMUP },
	{ "top", required_argument, NULL, O_TOP },
	{ "samples", no_argument, NULL, O_SAMPLES },
	{ "output", required_argument, NULL, 'o' },
	{ "threshold", required_argument, NULL, O_THRESHOLD },
	{ "alpha", required_argument, NULL, O_ALPHA },
	{ "min-delta-us", required_argument, NULL, O_MIN_DELTA },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* One option's value into c: 0, or 2 after the one-line message. */
static int take_option(struct cli *c, int opt, const char *v)
{
	static const char *const names[] = { "text", "json", "svg", "trace", "folded" };
	struct kit_err e;
	long n;
	int f;

	switch (opt) {
	case O_FORMAT:
		for (f = 0; f < 5; f++)
			if (!strcmp(v, names[f]))
				break;
		if (f == 5 || !(c->allow_fmt_mask & (1 << f)))
			return usage_error("unknown format", v);
		c->fmt = (enum fmt)f;
		return 0;
	case O_COLOR:
		v = v ? v : "always"; /* as git: a bare --color forces it */
		if (strcmp(v, "auto") && strcmp(v, "always") && strcmp(v, "never"))
			return usage_error("--color takes auto, always or never, not", v);
		c->color = v;
		return 0;
	case O_WARMUP:
	case O_TOP:
	case O_MIN_DELTA:
		if (kit_opt_long(opt == O_WARMUP ? "--warmup" : opt == O_TOP ? "--top" :
				 "--min-delta-us", v, opt == O_TOP, MAX_COUNT, &n, &e))
			return (error("%s", e.msg), 2);
		if (opt == O_WARMUP)
			c->warmup = (size_t)n;
		else if (opt == O_TOP)
			c->top = (size_t)n;
		else
			c->min_delta_us = n;
		return 0;
	case O_THRESHOLD:
	case O_ALPHA:
		/* a percentage more than 0; a probability in (0, 1] */
		if (kit_opt_double(opt == O_ALPHA ? "--alpha" : "--threshold", v, 0,
				   opt == O_ALPHA ? 1 : MAX_COUNT,
				   opt == O_ALPHA ? &c->alpha : &c->threshold, &e))
			return (error("%s", e.msg), 2);
		if ((opt == O_ALPHA ? c->alpha : c->threshold) == 0)
			return usage_error(opt == O_ALPHA ? "--alpha must be more than 0, not" :
					   "--threshold must be more than 0, not", v);
		return 0;
	case O_SAMPLES:
		c->samples = 1;
		return 0;
	case 'o':
		c->output = v;
		return 0;
	case 'h':
		c->help = 1;
		return 0;
	case 'V':
		kit_print_version("gdbstub-client");
	}
	return 0;
}

/*
 * getopt_long over one group of arguments (argv[0] a name): the options
 * into c, the files, in order, appended to files[*n].  A "--" inside ends
 * the options: everything after it is a file.
 */
static int parse_group(struct cli *c, int argc, char **argv, char **files,
		       size_t *n)
{
	int opt, rc, i;

	optind = 0; /* glibc: start afresh, each group and each call */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, c->compare ? ":h" : ":ho:",
				  long_opts, &i)) != -1) {
		if (opt == ':' || opt == '?')
			kit_opt_die_getopt(opt, argv);
		if ((c->compare && (opt == O_SAMPLES || opt == 'o')) ||
		    (!c->compare && (opt == O_THRESHOLD || opt == O_ALPHA ||
				     opt == O_MIN_DELTA)))
			die_usage("unknown option '--%s'", long_opts[i].name);
		if ((rc = take_option(c, opt, optarg)))
			return rc;
		if (c->help)
			return 0;
	}
	while (optind < argc)
		files[(*n)++] = argv[optind++];
	return 0;
}

/* --help: the usage on standard output (parse's result rc passes through). */
static int help(const struct cli *c, int rc)
{
	if (!rc && c->help) {
		fputs(c->compare ? COMPARE_USAGE : REPORT_USAGE, stdout);
		kit_help_done();
	}
	return rc;
}

/*
 * report: options and files in any order.  compare: the same on each side
 * of the first "--", the files before it are group A, after it group B.
 */
static int parse(struct cli *c, int argc, char **argv, int compare)
{
	char **rest;
	int sep, rc;

	c->a = calloc((size_t)argc + 1, sizeof *c->a);
	c->b = calloc((size_t)argc + 1, sizeof *c->b);
	if (!c->a || !c->b) {
		error("out of memory");
		return 1;
	}
	c->color = "auto";
	c->compare = compare;
	for (sep = 1; compare && sep < argc && strcmp(argv[sep], "--"); sep++)
		;
	if (!compare || sep == argc)
		return help(c, parse_group(c, argc, argv, c->a, &c->na));
	c->seen_sep = 1;
	if ((rc = parse_group(c, sep, argv, c->a, &c->na)) || c->help)
		return help(c, rc);
	/* group B gets argv[0] for a name; c->b has room for argc entries */
	rest = calloc((size_t)(argc - sep) + 1, sizeof *rest);
	if (!rest) {
		error("out of memory");
		return 1;
	}
	rest[0] = argv[0];
	memcpy(rest + 1, argv + sep + 1, (size_t)(argc - sep - 1) * sizeof *rest);
	rc = parse_group(c, argc - sep, rest, c->b, &c->nb);
	free(rest);
	return help(c, rc);
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
	struct cli c = { .allow_fmt_mask = 0x1f };
	struct prof_report_opts o = { 0 };
	struct prof_runs runs = { 0 };
	struct prof_profile **p = NULL;
	struct kit_err err = { 0 };
	struct job j = { 0 };
	const char *output;
	int rc;

	if ((rc = parse(&c, argc, argv, 0)) || c.help)
		goto out;
	if (!c.na) {
		rc = 2;
		error("no profile given");
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
	struct cli c = { .allow_fmt_mask = 0x3,
			 .min_delta_us = 100 };
	struct prof_compare_opts o = { 0 };
	struct prof_runs ra = { 0 }, rb = { 0 };
	struct prof_comparison cmp = { 0 };
	struct prof_profile **pa = NULL, **pb = NULL;
	struct kit_err err = { 0 };
	int rc;

	if ((rc = parse(&c, argc, argv, 1)) || c.help)
		goto out;
	if (!c.seen_sep || !c.na || !c.nb) {
		rc = 2;
		error(!c.seen_sep ? "no '--' between the two groups of profiles"
				  : "a group of profiles is empty");
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
