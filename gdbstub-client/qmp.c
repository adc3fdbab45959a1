/*
 * qmp.c: a small non-blocking QMP client (see qmp.h).
 */
#include "qmp.h"
#include "rsp.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A reply larger than this is not one QEMU sends ("info registers" with
 * all the vector registers is ~3 KiB): the peer is not a QMP monitor. */
#define QMP_MAX_LINE ((size_t)1 << 20)

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void gc_qmp_close(struct gc_qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	free(q->buf);
	q->buf = NULL;
	q->len = q->cap = 0;
}

int gc_qmp_fill(struct gc_qmp *q, struct kit_err *err)
{
	for (;;) {
		ssize_t n;

		if (q->cap - q->len < 4096) {
			size_t cap = q->cap ? q->cap * 2 : 16384;
			char *b;

			if (cap > 2 * QMP_MAX_LINE)
				return kit_seterr(err, EPROTO,
					"QEMU monitor %s: a reply longer than %zu bytes "
					"(not a QMP monitor?)", q->spec, QMP_MAX_LINE);
			if (!(b = realloc(q->buf, cap)))
				return kit_seterr(err, ENOMEM, "out of memory");
			q->buf = b;
			q->cap = cap;
		}
		n = read(q->fd, q->buf + q->len, q->cap - q->len);
		if (n > 0) {
			q->len += (size_t)n;
			continue;
		}
		if (n == 0 || errno == ECONNRESET) {
			/* QEMU quit (a reset when it had our requests unread) */
			q->eof = true;
			return 1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return kit_seterr_errno(err, errno, "QEMU monitor %s: read", q->spec);
	}
}

int gc_qmp_take(struct gc_qmp *q, json_object **out, struct kit_err *err)
{
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
		size_t linelen;
		json_object *o;
		enum json_tokener_error je;

		if (!nl) {
			if (q->len > QMP_MAX_LINE)
				return kit_seterr(err, EPROTO,
					"QEMU monitor %s: a line longer than %zu bytes "
					"(not a QMP monitor?)", q->spec, QMP_MAX_LINE);
			return 0;
		}
		linelen = (size_t)(nl - q->buf);
		*nl = '\0';
		o = json_tokener_parse_verbose(q->buf, &je);
		if (!o || !json_object_is_type(o, json_type_object)) {
			char head[48];

			snprintf(head, sizeof head, "%.40s", q->buf);
			json_object_put(o);
			return kit_seterr(err, EPROTO,
				"QEMU monitor %s: not a QMP message: '%s'%s", q->spec,
				head, linelen > 40 ? "..." : "");
		}
		memmove(q->buf, nl + 1, q->len - linelen - 1);
		q->len -= linelen + 1;
		if (json_object_object_get_ex(o, "event", NULL)) {
			q->events++;
			json_object_put(o);
			continue;
		}
		*out = o;
		return 1;
	}
}

int gc_qmp_wait(struct gc_qmp *q, int timeout_ms, json_object **out,
		struct kit_err *err)
{
	long long deadline = mono_ms() + timeout_ms;

	for (;;) {
		struct pollfd pf = { .fd = q->fd, .events = POLLIN };
		long long left;
		int rc = gc_qmp_take(q, out, err);

		if (rc)
			return rc < 0 ? -1 : 1;
		if (q->eof)
			return kit_seterr(err, EPIPE, "QEMU monitor %s closed the "
					  "connection", q->spec);
		left = deadline - mono_ms();
		if (left <= 0)
			return kit_seterr(err, ETIMEDOUT, "QEMU monitor %s: no reply "
					  "within %d ms", q->spec, timeout_ms);
		rc = poll(&pf, 1, (int)left);
		if (rc < 0 && errno != EINTR)
			return kit_seterr_errno(err, errno, "QEMU monitor %s: poll",
						q->spec);
		if (rc > 0 && gc_qmp_fill(q, err) < 0)
			return -1;
	}
}

int gc_qmp_send(struct gc_qmp *q, const char *line, struct kit_err *err)
{
	size_t n = strlen(line), off = 0;

	while (off < n) {
		ssize_t w = write(q->fd, line + off, n - off);

		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = { .fd = q->fd, .events = POLLOUT };

			if (poll(&pf, 1, 2000) <= 0)
				return kit_seterr(err, ETIMEDOUT, "QEMU monitor %s "
						  "takes no more commands", q->spec);
			continue;
		}
		return kit_seterr_errno(err, w < 0 ? errno : EPIPE,
					"QEMU monitor %s: write", q->spec);
	}
	return 0;
}

int gc_qmp_send_hmp(struct gc_qmp *q, const char *hmp, struct kit_err *err)
{
	char line[512];

	if (strpbrk(hmp, "\"\\\n") ||
	    (size_t)snprintf(line, sizeof line,
			     "{\"execute\":\"human-monitor-command\","
			     "\"arguments\":{\"command-line\":\"%s\"}}\n", hmp) >= sizeof line)
		return kit_seterr(err, EINVAL, "bad monitor command '%s'", hmp);
	return gc_qmp_send(q, line, err);
}

const char *gc_qmp_text(json_object *reply, const char **error_desc)
{
	json_object *v, *d;

	*error_desc = NULL;
	if (json_object_object_get_ex(reply, "error", &v)) {
		*error_desc = json_object_object_get_ex(v, "desc", &d) &&
			      json_object_is_type(d, json_type_string)
			      ? json_object_get_string(d) : "an error without a description";
		return NULL;
	}
	if (json_object_object_get_ex(reply, "return", &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

int gc_qmp_open(struct gc_qmp *q, const char *spec, int timeout_ms,
		struct kit_err *err)
{
	json_object *o = NULL;
	const char *desc;

	memset(q, 0, sizeof *q);
	q->fd = -1;
	snprintf(q->spec, sizeof q->spec, "%s", spec);
	q->fd = rsp_dial(spec, timeout_ms, err);
	if (q->fd < 0) {
		char msg[sizeof err->msg];

		snprintf(msg, sizeof msg, "%s", err->msg);
		kit_seterr(err, err->code, "QEMU monitor: %s", msg);
		return -1;
	}
	/* the greeting: {"QMP": {"version": ..., "capabilities": [...]}} */
	for (;;) {
		struct pollfd pf = { .fd = q->fd, .events = POLLIN };
		char *nl;
		int rc;

		nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
		if (nl) {
			size_t linelen = (size_t)(nl - q->buf);

			*nl = '\0';
			o = json_tokener_parse(q->buf);
			memmove(q->buf, nl + 1, q->len - linelen - 1);
			q->len -= linelen + 1;
			break;
		}
		if (q->eof) {
			kit_seterr(err, EPROTO, "QEMU monitor %s closed the connection "
				   "before its greeting (another client on it?)", spec);
			goto fail;
		}
		rc = poll(&pf, 1, timeout_ms);
		if (rc == 0) {
			kit_seterr(err, ETIMEDOUT, "QEMU monitor %s: no greeting within "
				   "%d ms (another client on it, or not a QMP monitor)",
				   spec, timeout_ms);
			goto fail;
		}
		if (rc < 0 && errno != EINTR) {
			kit_seterr_errno(err, errno, "QEMU monitor %s: poll", spec);
			goto fail;
		}
		if (gc_qmp_fill(q, err) < 0)
			goto fail;
	}
	if (!o || !json_object_object_get_ex(o, "QMP", NULL)) {
		kit_seterr(err, EPROTO, "%s is not a QMP monitor (no greeting)", spec);
		goto fail;
	}
	json_object_put(o);
	o = NULL;
	if (gc_qmp_send(q, "{\"execute\":\"qmp_capabilities\"}\n", err) < 0 ||
	    gc_qmp_wait(q, timeout_ms, &o, err) < 0)
		goto fail;
	if (!json_object_object_get_ex(o, "return", NULL)) {
		(void)gc_qmp_text(o, &desc);
		kit_seterr(err, EPROTO, "QEMU monitor %s refused qmp_capabilities: %s",
			   spec, desc ? desc : "no return");
		goto fail;
	}
	json_object_put(o);
	return 0;
fail:
	json_object_put(o);
	gc_qmp_close(q);
	return -1;
}
