/* wlog.c: QEMU_WRAPPER_LOG, one line per invocation and per event. */
#include "wrap.h"
#include "usage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * O_NONBLOCK: a FIFO with no reader fails at once (ENXIO) instead of
 * blocking every qemu invocation, and a reader that stops reading loses
 * lines rather than stalling the guest.  A log that cannot be opened or
 * written is said once on stderr; the wrapper carries on without it.
 */
void wrap_log_open(struct wrap_log *log, const char *path)
{
	log->fd = -1;
	log->path = path;
	log->failed = false;
	if (!path || !*path)
		return;
	log->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		       O_NONBLOCK | O_NOCTTY, 0600);
	if (log->fd < 0) {
		log->failed = true;
		warning("cannot open QEMU_WRAPPER_LOG '%s': %s; not logging",
			path, strerror(errno));
	}
}

void wrap_log_close(struct wrap_log *log)
{
	if (log->fd >= 0)
		close(log->fd);
	log->fd = -1;
}

void wrap_quote(const char *word, char *out, size_t len)
{
	size_t o = 0;
	const char *p;

	if (len < 3) {
		if (len)
			*out = '\0';
		return;
	}
	out[o++] = '\'';
	for (p = word; *p && o + 6 < len; p++) {
		if (*p == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = *p;
		}
	}
	out[o++] = '\'';
	out[o] = '\0';
}

/* "2026-11-22T04:31:11.123Z qemu-wrapper[PID] " */
static size_t prefix(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, len - n, ".%03ldZ qemu-wrapper[%ld] ",
			      ts.tv_nsec / 1000000, (long)getpid());
	return n;
}

static void emit(struct wrap_log *log, char *buf, size_t n, size_t cap)
{
	if (n >= cap - 1)
		n = cap - 2;
	buf[n++] = '\n';
	/* One write, O_APPEND: lines of parallel wrappers never mix. */
	if (write(log->fd, buf, n) != (ssize_t)n && !log->failed) {
		log->failed = true;
		warning("cannot write QEMU_WRAPPER_LOG '%s': %s; lines are lost",
			log->path, errno ? strerror(errno) : "short write");
	}
}

void wrap_log_decision(struct wrap_log *log, const struct wrap_decision *d,
		       char *const *argv)
{
	size_t cap = 65536, n;
	char *buf, *q;
	char *const *a;

	if (log->fd < 0)
		return;
	buf = malloc(cap);
	q = malloc(cap);
	if (!buf || !q)
		goto out;
	n = prefix(buf, cap);
	n += (size_t)snprintf(buf + n, cap - n, "%s rule=\"%s\" argv:",
			      d->mode == WRAP_PROBE ? "probe" : "launch",
			      d->rule);
	for (a = argv; *a && n < cap - 1; a++) {
		wrap_quote(*a, q, cap);
		n += (size_t)snprintf(buf + n, cap - n, " %s", q);
	}
	emit(log, buf, n, cap);
out:
	free(buf);
	free(q);
}

void wrap_log_event(struct wrap_log *log, const char *fmt, ...)
{
	char buf[4096];
	size_t n;
	va_list ap;

	if (log->fd < 0)
		return;
	n = prefix(buf, sizeof buf);
	n += (size_t)snprintf(buf + n, sizeof buf - n, "event: ");
	va_start(ap, fmt);
	if (n < sizeof buf)
		n += (size_t)vsnprintf(buf + n, sizeof buf - n, fmt, ap);
	va_end(ap);
	emit(log, buf, n, sizeof buf);
}
