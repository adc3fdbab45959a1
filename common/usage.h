/*
 * usage.h: the one error module every program of the kit shares, after git's
 * usage.c.
 *
 *   die(fmt, ...)        print "PROG: MSG" and exit with the status set by
 *                        set_die_status() (default 1)
 *   die_errno(fmt, ...)  the same, with ": strerror(errno)" appended
 *   error(fmt, ...)      print "PROG: MSG" and return -1, so a caller writes
 *                        "return error(...)"
 *   error_errno(...)     the same with strerror(errno)
 *   warning(fmt, ...)    print "PROG: warning: MSG"
 *
 * Messages are lower case, no full stop, the subject in quotes:
 *   cannot read 'vmlinuz': permission denied
 * Control characters in a message are written as "\xNN" (kit_fputs_safe):
 * messages quote file names and bytes that others chose.
 *
 * Only CLI code calls these; library code returns error codes and fills a
 * struct kit_err instead.
 */
#ifndef KIT_USAGE_H
#define KIT_USAGE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#define KIT_ERR_MAX 512

/* An error a library hands back to its caller, who decides how to say it. */
struct kit_err {
	int code;              /* errno-style, or a module's own code; 0 = none */
	char msg[KIT_ERR_MAX]; /* lower case, no trailing newline */
};

void set_progname(const char *name);
const char *get_progname(void);
void set_die_status(int status);
/* Called before die() exits, e.g. to restore a terminal. */
void set_die_hook(void (*fn)(void));

__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void die_errno(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) int error(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) int error_errno(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void warning(const char *fmt, ...);

/* Write s with control characters as "\xNN" (every message above goes
 * through it). */
void kit_fputs_safe(const char *s, FILE *out);

/* Fill *e (may be NULL) and return -1. */
__attribute__((format(printf, 3, 4)))
int kit_seterr(struct kit_err *e, int code, const char *fmt, ...);
/* The same, with ": strerror(code)" appended. */
__attribute__((format(printf, 3, 4)))
int kit_seterr_errno(struct kit_err *e, int code, const char *fmt, ...);

#endif
