/* usage.c: see usage.h. */
#include "usage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *progname = "kit";
static int die_status = 1;
static void (*die_hook)(void);

void set_progname(const char *name)
{
	const char *slash = strrchr(name, '/');
	progname = slash ? slash + 1 : name;
}

const char *get_progname(void)
{
	return progname;
}

void set_die_status(int status)
{
	die_status = status;
}

void set_die_hook(void (*fn)(void))
{
	die_hook = fn;
}

/* "HEAD: PREFIX" and the message, on one line of stderr, through
 * kit_fputs_safe(); errnum: ": strerror(errnum)" appended. */
static size_t escape(const unsigned char *p, char *out);

/* S escaped and a newline in one write: stderr is unbuffered, and a
 * progress line written a byte at a time cost the recorder ~3 ms (a
 * syscall a byte) while it held the guest. */
static void say_line(const char *s, FILE *out)
{
	char line[4 * 4096 + 2];
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)s;

	for (; *p && n < sizeof line - 9; p++)
		n += escape(p, line + n), p += (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
	line[n++] = '\n';
	fwrite(line, 1, n, out);
}

static void vsay(const char *head, const char *prefix, const char *fmt,
		 va_list ap, int errnum)
{
	char buf[4096];
	size_t n;

	n = (size_t)snprintf(buf, sizeof buf, "%s: %s", head, prefix);
	if (n < sizeof buf)
		vsnprintf(buf + n, sizeof buf - n, fmt, ap);
	n = strlen(buf);
	if (errnum && n < sizeof buf)
		snprintf(buf + n, sizeof buf - n, ": %s", strerror(errnum));
	say_line(buf, stderr);
}

static void vreport(const char *prefix, const char *fmt, va_list ap, int errnum)
{
	vsay(progname, prefix, fmt, ap, errnum);
}

/*
 * Messages quote what others wrote (a stub's reply, a file name, a guest's
 * string): a control character in it could move the cursor, clear the
 * screen or hide the rest of the line.  ASCII controls, DEL and the C1
 * controls in their UTF-8 form (C2 80-9F, e.g. CSI) become "\xNN".
 */
/* The byte at P (with the next, for a C1 control) as written: into OUT
 * (8 bytes at most), its length. */
static size_t escape(const unsigned char *p, char *out)
{
	if (*p < 0x20 || *p == 0x7f)
		return (size_t)sprintf(out, "\\x%02x", *p);
	if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return (size_t)sprintf(out, "\\x%02x\\x%02x", p[0], p[1]);
	*out = (char)*p;
	return 1;
}

void kit_fputs_safe(const char *s, FILE *out)
{
	const unsigned char *p = (const unsigned char *)s;
	char e[9];

	for (; *p; p++) {
		fwrite(e, 1, escape(p, e), out);
		p += *p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
	}
}

/* die()'s end, once the message is out: the hook, then the exit. */
static __attribute__((noreturn)) void die_now(void)
{
	if (die_hook)
		die_hook();
	exit(die_status);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap, 0);
	va_end(ap);
	die_now();
}

/* errno is read as vreport's argument, before anything can change it. */
void die_errno(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap, errno);
	va_end(ap);
	die_now();
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap, 0);
	va_end(ap);
	return -1;
}

int error_errno(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap, errno);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap, 0);
	va_end(ap);
}

/* errnum > 0: ": strerror(errnum)" appended. */
static int vseterr(struct kit_err *e, int code, int errnum,
		   const char *fmt, va_list ap)
{
	size_t n;

	if (!e)
		return -1;
	e->code = code ? code : -1;
	e->sys_errno = errnum > 0 && errnum < KIT_ERRNO_MAX ? errnum :
		       code > 0 && code < KIT_ERRNO_MAX ? code : 0;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	n = strlen(e->msg);
	if (errnum > 0 && n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(errnum));
	return -1;
}

int kit_seterr(struct kit_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(e, code, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int kit_seterr_errno(struct kit_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(e, code, code, fmt, ap);
	va_end(ap);
	return -1;
}

int kit_seterr_sys(struct kit_err *e, int code, int errnum, const char *fmt,
		   ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(e, code, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

void kit_vsay(const char *label, const char *fmt, va_list ap)
{
	vsay(label, "", fmt, ap, 0);
}

void kit_say(const char *label, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kit_vsay(label, fmt, ap);
	va_end(ap);
}
