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

/*
 * An error a library hands back to its caller, who decides how to say it.
 *
 * Codes never collide, so one comparison tells any error apart whichever
 * library filled the struct: values below KIT_ERRNO_MAX are errno values;
 * each library has its own thousand above:
 *   1001..1999  kernel-symbols (KSYM_E*, ksym.h)
 *   2001..2999  gdbstub-client/report (PROF_E*, model.h)
 *   3001..3999  gdbstub-client/rsp (RSP_ERR_*, rsp.h)
 * and a new library takes the next free thousand.  A failed system call
 * keeps its errno in sys_errno, whether code is that errno or a library's
 * own "system error" code (RSP_ERR_SYS).
 */
#define KIT_ERRNO_MAX 1000

struct kit_err {
	int code;              /* an errno value or a library's code; 0 = none */
	char msg[KIT_ERR_MAX]; /* lower case, no trailing newline */
	int sys_errno;         /* the errno behind it, 0 = none (set by the
	                          kit_seterr* functions) */
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

/* A progress line on stderr, "LABEL: MSG" (control characters as above):
 * what a command says while it works, apart from its errors. */
__attribute__((format(printf, 2, 3)))
void kit_say(const char *label, const char *fmt, ...);
__attribute__((format(printf, 2, 0)))
void kit_vsay(const char *label, const char *fmt, va_list ap);

/* Fill *e (may be NULL) and return -1. */
__attribute__((format(printf, 3, 4)))
int kit_seterr(struct kit_err *e, int code, const char *fmt, ...);
/* The same, with ": strerror(code)" appended. */
__attribute__((format(printf, 3, 4)))
int kit_seterr_errno(struct kit_err *e, int code, const char *fmt, ...);
/* A library's code for a failed system call (RSP_ERR_SYS), errnum kept in
 * sys_errno and ": strerror(errnum)" appended. */
__attribute__((format(printf, 4, 5)))
int kit_seterr_sys(struct kit_err *e, int code, int errnum, const char *fmt,
		   ...);

#endif
