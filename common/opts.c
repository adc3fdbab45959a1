/* opts.c: see opts.h. */
#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int bad_start(const char *s)
{
	return !s || !*s || isspace((unsigned char)*s);
}

/* "--top: '5x' is not a whole number" */
static int not_a(const char *opt, const char *s, const char *what,
		 struct kit_err *err)
{
	return kit_seterr(err, EINVAL, "%s: '%s' is not a %s", opt, s ? s : "", what);
}

int kit_opt_long(const char *opt, const char *s, long min, long max,
		 long *out, struct kit_err *err)
{
	char *end;
	long v;

	if (bad_start(s) || (errno = 0, v = strtol(s, &end, 10), *end || end == s))
		return not_a(opt, s, "whole number", err);
	if (errno == ERANGE || v < min || v > max)
		return kit_seterr(err, ERANGE, "%s: %s is out of range (%ld to %ld)",
				  opt, s, min, max);
	*out = v;
	return 0;
}

int kit_opt_double(const char *opt, const char *s, double min, double max,
		   double *out, struct kit_err *err)
{
	char *end;
	double v;

	/* hex floats and "infinity" are not what anyone types here */
	if (bad_start(s) || (errno = 0, v = strtod(s, &end), *end || end == s) ||
	    !isfinite(v) || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return not_a(opt, s, "number", err);
	if (errno == ERANGE || v < min || v > max)
		return kit_seterr(err, ERANGE, "%s: %s is out of range (%g to %g)",
				  opt, s, min, max);
	*out = v;
	return 0;
}

void die_usage(const char *fmt, ...)
{
	char buf[KIT_ERR_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	set_die_status(KIT_EXIT_USAGE);
	die("%s", buf);
}

static void usage_unless_ok(int rc, const struct kit_err *e)
{
	if (rc < 0)
		die_usage("%s", e->msg);
}

long kit_opt_long_or_die(const char *opt, const char *s, long min, long max)
{
	struct kit_err e;
	long v = 0;

	usage_unless_ok(kit_opt_long(opt, s, min, max, &v, &e), &e);
	return v;
}

double kit_opt_double_or_die(const char *opt, const char *s, double min,
			     double max)
{
	struct kit_err e;
	double v = 0;

	usage_unless_ok(kit_opt_double(opt, s, min, max, &v, &e), &e);
	return v;
}

void kit_opt_die_getopt(int c, char *const argv[])
{
	const char *a = optind > 0 ? argv[optind - 1] : "";

	if (c == ':')
		die_usage("option '%s' needs a value", a);
	/* a short option in a cluster ("-qz"): name the one letter */
	if (optopt > 0 && optopt < 128 && strncmp(a, "--", 2))
		die_usage("unknown option '-%c'", optopt);
	die_usage("unknown option '%s'", a);
}
