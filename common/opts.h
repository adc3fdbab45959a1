/*
 * opts.h: strict numbers for command-line options, shared by every
 * program's getopt_long loop.  A value is taken whole or refused: "5x",
 * "", " 5", "0x", a number out of [min, max] (negatives included where min
 * is 0 or more), an overflow, "nan" and "inf" all fail, with a one-line
 * message naming the option and the value ("--timeout: '5x' is not a
 * number"), which the caller prints and then exits with status 2 (the one
 * usage status of the kit: KIT_EXIT_USAGE).
 */
#ifndef KIT_OPTS_H
#define KIT_OPTS_H

#include "usage.h"

#define KIT_EXIT_USAGE 2

/* A whole number in base 10 in [min, max].  0, or -1 with err set. */
int kit_opt_long(const char *opt, const char *s, long min, long max,
		 long *out, struct kit_err *err);
/* A finite decimal number ("2.5", "1e3") in [min, max]. */
int kit_opt_double(const char *opt, const char *s, double min, double max,
		   double *out, struct kit_err *err);

/* kit_opt_long() and kit_opt_double() where a refused value ends the
 * program: the value, or die_usage() with the message. */
long kit_opt_long_or_die(const char *opt, const char *s, long min, long max);
double kit_opt_double_or_die(const char *opt, const char *s, double min,
			     double max);

/*
 * die_usage() for what getopt_long returned when opterr is 0 and the
 * option string starts with ':': ':' an option without its value
 * ("option '--timeout' needs a value"), anything else an unknown option
 * ("unknown option '--bogus'", "unknown option '-z'").
 */
__attribute__((noreturn))
void kit_opt_die_getopt(int c, char *const argv[]);

/* die() with KIT_EXIT_USAGE: a usage error, one line. */
__attribute__((noreturn, format(printf, 1, 2)))
void die_usage(const char *fmt, ...);

#endif
