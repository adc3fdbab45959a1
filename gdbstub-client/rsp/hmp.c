/*
 * hmp.c: a small non-blocking client of QEMU's human monitor (see hmp.h).
 */
#include "hmp.h"
#include "rsp.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Output this long without a prompt is not QEMU's "info registers"
 * (~3 KiB): the peer is not a human monitor. */
#define HMP_MAX_OUTPUT ((size_t)1 << 20)

void gc_hmp_close(struct gc_hmp *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	free(m->buf);
	m->buf = NULL;
	m->len = m->cap = 0;
}

static int too_long(struct gc_hmp *m, struct kit_err *err)
{
	return kit_seterr(err, EPROTO, "QEMU monitor %s: more than %zu bytes "
			  "without a prompt (not QEMU's human monitor?)", m->spec,
			  HMP_MAX_OUTPUT);
}

int gc_hmp_fill(struct gc_hmp *m, struct kit_err *err)
{
	for (;;) {
		ssize_t n;

		if (m->cap - m->len < 4096) {
			size_t cap = m->cap ? m->cap * 2 : 16384;
			char *b;

			if (m->len > HMP_MAX_OUTPUT)
				return too_long(m, err);
			if (!(b = realloc(m->buf, cap)))
				return kit_seterr(err, ENOMEM, "out of memory");
			m->buf = b;
			m->cap = cap;
		}
		n = read(m->fd, m->buf + m->len, m->cap - m->len);
		if (n > 0) {
			m->len += (size_t)n;
			continue;
		}
		if (n == 0 || errno == ECONNRESET) {
			/* QEMU quit (a reset when it had our commands unread) */
			m->eof = true;
			return 1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return kit_seterr_errno(err, errno, "QEMU monitor %s: read", m->spec);
	}
}

int gc_hmp_take(struct gc_hmp *m, char **text, struct kit_err *err)
{
	size_t plen = strlen(GC_HMP_PROMPT), n;
	const char *p = m->len >= plen ? memmem(m->buf, m->len, GC_HMP_PROMPT, plen)
				       : NULL;
	char *t;

	if (!p)
		return m->len > HMP_MAX_OUTPUT ? too_long(m, err) : 0;
	n = (size_t)(p - m->buf);
	if (!(t = malloc(n + 1)))
		return kit_seterr(err, ENOMEM, "out of memory");
	memcpy(t, m->buf, n);
	t[n] = '\0';
	memmove(m->buf, m->buf + n + plen, m->len - n - plen);
	m->len -= n + plen;
	*text = t;
	return 1;
}

int gc_hmp_send(struct gc_hmp *m, const char *cmd, struct kit_err *err)
{
	char line[256];
	size_t n, off = 0;

	if (strpbrk(cmd, "\r\n") ||
	    (n = (size_t)snprintf(line, sizeof line, "%s\n", cmd)) >= sizeof line)
		return kit_seterr(err, EINVAL, "bad monitor command '%s'", cmd);
	while (off < n) {
		ssize_t w = write(m->fd, line + off, n - off);

		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = { .fd = m->fd, .events = POLLOUT };

			if (poll(&pf, 1, 2000) <= 0)
				return kit_seterr(err, ETIMEDOUT, "QEMU monitor %s "
						  "takes no more commands", m->spec);
			continue;
		}
		return kit_seterr_errno(err, w < 0 ? errno : EPIPE,
					"QEMU monitor %s: write", m->spec);
	}
	return 0;
}

int gc_hmp_open(struct gc_hmp *m, const char *spec, int timeout_ms,
		struct kit_err *err)
{
	char *banner = NULL;
	int rc;

	memset(m, 0, sizeof *m);
	snprintf(m->spec, sizeof m->spec, "%s", spec);
	m->fd = rsp_dial(spec, timeout_ms, err);
	if (m->fd < 0) {
		char msg[sizeof err->msg];

		snprintf(msg, sizeof msg, "%s", err->msg);
		kit_seterr(err, err->code, "QEMU monitor: %s", msg);
		return -1;
	}
	/* "QEMU 7.2.22 monitor - type 'help' for more information\r\n(qemu) " */
	while ((rc = gc_hmp_take(m, &banner, err)) == 0) {
		struct pollfd pf = { .fd = m->fd, .events = POLLIN };
		int n;

		if (m->len && m->buf[0] == '{') {
			kit_seterr(err, EPROTO, "%s is a QMP monitor: sampling needs "
				   "QEMU's human monitor (qemu -monitor "
				   "unix:PATH,server=on,wait=off)", spec);
			goto fail;
		}
		if (m->eof) {
			kit_seterr(err, EPROTO, "QEMU monitor %s closed the connection "
				   "before its prompt", spec);
			goto fail;
		}
		n = poll(&pf, 1, timeout_ms);
		if (n == 0) {
			kit_seterr(err, ETIMEDOUT, "QEMU monitor %s: no prompt within "
				   "%d ms (another client on it, or not QEMU's human "
				   "monitor)", spec, timeout_ms);
			goto fail;
		}
		if (n < 0 && errno != EINTR) {
			kit_seterr_errno(err, errno, "QEMU monitor %s: poll", spec);
			goto fail;
		}
		if (gc_hmp_fill(m, err) < 0)
			goto fail;
	}
	if (rc < 0)
		goto fail;
	if (!strstr(banner, "QEMU")) {
		kit_seterr(err, EPROTO, "%s is not QEMU's human monitor (no banner "
			   "before the prompt)", spec);
		goto fail;
	}
	free(banner);
	return 0;
fail:
	free(banner);
	gc_hmp_close(m);
	return -1;
}
