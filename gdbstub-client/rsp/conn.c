/*
 * conn.c: transports (TCP, unix socket, any fd), the ack/retransmit
 * discipline, timeouts, the 0x03 interrupt, batches of packets written in
 * one go, non-blocking reads, the accessors of the opaque struct rsp_conn
 * (conn-internal.h) and the GDBSTUB_TRACE trace.  Every wait goes through
 * poll() with a deadline; the fd stays non-blocking.
 */
#include "conn-internal.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Garbage bytes tolerated between packets before "not a gdb stub". */
#define RSP_GARBAGE_MAX 64

const char *rsp_strerror(int code)
{
	if (code < 0)
		code = -code;
	switch (code) {
	case RSP_ERR_SYS: return "system error";
	case RSP_ERR_NOMEM: return "out of memory";
	case RSP_ERR_INVAL: return "invalid argument";
	case RSP_ERR_TIMEOUT: return "timed out";
	case RSP_ERR_CLOSED: return "connection closed";
	case RSP_ERR_TRUNCATED: return "connection closed mid-packet";
	case RSP_ERR_PROTOCOL: return "protocol error";
	case RSP_ERR_NAK: return "packet refused";
	case RSP_ERR_UNSUPPORTED: return "not supported by the stub";
	case RSP_ERR_TARGET: return "error reply from the stub";
	case RSP_ERR_RUNNING: return "target is running";
	case RSP_ERR_STATE: return "not allowed in this state";
	case RSP_ERR_INTERRUPTED: return "interrupted";
	case RSP_ERR_EXITED: return "target exited";
	default: return "unknown error";
	}
}

void rsp_trace_stderr(void *ctx, const char *line)
{
	fprintf(stderr, "rsp: %s\n", line);
}

/* "DIR" followed by the escaped bytes. */
static void trace_bytes(struct rsp_conn *c, const char *dir, const void *p,
			size_t n)
{
	struct rsp_buf b = RSP_BUF_INIT;

	if (!c->trace)
		return;
	if (rsp_buf_append(&b, dir, strlen(dir)) == 0 &&
	    rsp_escape_for_trace(&b, p, n, 1024) == 0)
		c->trace(c->trace_ctx, b.data);
	rsp_buf_free(&b);
}

static void trace_packet(struct rsp_conn *c, const char *dir, const char *what,
			 const void *p, size_t n, const char *suffix)
{
	struct rsp_buf b = RSP_BUF_INIT;

	if (!c->trace)
		return;
	if (rsp_buf_append(&b, dir, strlen(dir)) == 0 &&
	    rsp_buf_append(&b, what, strlen(what)) == 0 &&
	    rsp_escape_for_trace(&b, p, n, 1024) == 0 &&
	    rsp_buf_append(&b, suffix, strlen(suffix)) == 0)
		c->trace(c->trace_ctx, b.data);
	rsp_buf_free(&b);
}

static long long now_ms(void)
{
	return kit_mono_ns() / 1000000;
}

/* Milliseconds left before deadline (-1 = no deadline stays -1). */
static int left_ms(long long deadline)
{
	long long l;

	if (deadline < 0)
		return -1;
	l = deadline - now_ms();
	return l < 0 ? 0 : l > 0x7fffffff ? 0x7fffffff : (int)l;
}

static long long deadline_in(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

static struct rsp_conn *conn_new(int fd, struct kit_err *err)
{
	struct rsp_conn *c = calloc(1, sizeof *c);
	const char *t;
	int fl;

	if (!c) {
		kit_seterr(err, RSP_ERR_NOMEM, "out of memory");
		return NULL;
	}
	c->fd = fd;
	c->wake_fd = -1;
	c->timeout_ms = RSP_DEFAULT_TIMEOUT_MS;
	c->retries = RSP_DEFAULT_RETRIES;
	rsp_parser_init(&c->parser);
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	t = getenv("GDBSTUB_TRACE");
	if (t && *t && strcmp(t, "0") != 0)
		c->trace = rsp_trace_stderr;
	return c;
}

struct rsp_conn *rsp_conn_from_fd(int fd, struct kit_err *err)
{
	struct rsp_conn *c = conn_new(fd, err);

	if (!c)
		close(fd);
	return c;
}

void rsp_close(struct rsp_conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	rsp_parser_free(&c->parser);
	rsp_buf_free(&c->reply);
	rsp_buf_free(&c->pending);
	rsp_buf_free(&c->out);
	rsp_buf_free(&c->g);
	rsp_buf_free(&c->g_avail);
	rsp_tdesc_free(&c->tdesc);
	free(c);
}

int rsp_conn_fd(const struct rsp_conn *c)
{
	return c->fd;
}

const struct rsp_buf *rsp_reply(const struct rsp_conn *c)
{
	return &c->reply;
}

int rsp_timeout(const struct rsp_conn *c)
{
	return c->timeout_ms;
}

void rsp_set_timeout(struct rsp_conn *c, int ms)
{
	c->timeout_ms = ms;
}

void rsp_set_max_packet(struct rsp_conn *c, size_t max)
{
	c->parser.max = max;
}

bool rsp_noack(const struct rsp_conn *c)
{
	return c->noack;
}

bool rsp_running(const struct rsp_conn *c)
{
	return c->running;
}

void rsp_set_running(struct rsp_conn *c, bool running)
{
	c->running = running;
}

void rsp_set_wake_fd(struct rsp_conn *c, int fd)
{
	c->wake_fd = fd;
}

bool rsp_tracing(const struct rsp_conn *c)
{
	return c->trace != NULL;
}

void rsp_set_quickack(struct rsp_conn *c, bool on)
{
	c->quickack = on;
}

void rsp_set_trace(struct rsp_conn *c,
		   void (*fn)(void *ctx, const char *line), void *ctx)
{
	c->trace = fn;
	c->trace_ctx = ctx;
}

void rsp_set_console(struct rsp_conn *c,
		     void (*fn)(void *ctx, const char *text, size_t len),
		     void *ctx)
{
	c->console = fn;
	c->console_ctx = ctx;
}

const struct rsp_qSupported *rsp_features(const struct rsp_conn *c)
{
	return c->have_features ? &c->features : NULL;
}

const struct rsp_tdesc *rsp_tdesc(const struct rsp_conn *c)
{
	return c->have_tdesc ? &c->tdesc : NULL;
}

bool rsp_vcont_known(const struct rsp_conn *c)
{
	return c->vcont_known;
}

bool rsp_vcont_has(const struct rsp_conn *c, char action)
{
	return c->vcont & vcont_bit(action);
}

const struct rsp_buf *rsp_g(const struct rsp_conn *c)
{
	return &c->g;
}

const struct rsp_stop *rsp_last_stop(const struct rsp_conn *c)
{
	return c->have_stop ? &c->last_stop : NULL;
}

int rsp_target_errno(const struct rsp_conn *c)
{
	return c->last_errno;
}

size_t rsp_breakpoints(const struct rsp_conn *c, const struct rsp_bp **list)
{
	if (list)
		*list = c->bps;
	return c->nbps;
}

int rsp_note_break(struct rsp_conn *c, enum rsp_bp_type type, uint64_t addr,
		   unsigned kind, bool inserted)
{
	size_t i;

	if (inserted) {
		if (c->nbps == RSP_MAX_BREAKPOINTS)
			return -RSP_ERR_STATE;
		c->bps[c->nbps].type = type;
		c->bps[c->nbps].addr = addr;
		c->bps[c->nbps].kind = kind;
		c->nbps++;
		return 0;
	}
	for (i = 0; i < c->nbps; i++)
		if (c->bps[i].type == type && c->bps[i].addr == addr) {
			c->bps[i] = c->bps[--c->nbps];
			break;
		}
	return 0;
}

void rsp_resumed(struct rsp_conn *c)
{
	c->running = true;
	c->have_stop = false;
}

/* Non-blocking connect to one address, waiting at most until deadline. */
static int connect_one(const struct sockaddr *sa, socklen_t salen, int family,
		       long long deadline, const char *spec, struct kit_err *err)
{
	struct pollfd pfd;
	int fd, rc, soerr = 0;
	socklen_t sl = sizeof soerr;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		kit_seterr_sys(err, RSP_ERR_SYS, errno,
			       "cannot create socket for '%s'", spec);
		return -1;
	}
	if (family != AF_UNIX) {
		int one = 1;

		/* Small request/ack/reply packets: without this, Nagle and
		 * delayed acks cost 40 ms a round trip. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	if (connect(fd, sa, salen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		kit_seterr_sys(err, RSP_ERR_SYS, errno, "cannot connect to '%s'",
			       spec);
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	do {
		rc = poll(&pfd, 1, left_ms(deadline));
	} while (rc < 0 && errno == EINTR);
	if (rc == 0) {
		kit_seterr(err, RSP_ERR_TIMEOUT, "cannot connect to '%s': timed out",
			   spec);
		close(fd);
		return -1;
	}
	if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr) {
		kit_seterr_sys(err, RSP_ERR_SYS, soerr, "cannot connect to '%s'",
			       spec);
		close(fd);
		return -1;
	}
	return fd;
}

int rsp_dial(const char *spec, int timeout_ms, struct kit_err *err)
{
	long long deadline;
	const char *hp = spec;
	char host[256], port[32];
	const char *colon;
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, rc;

	if (timeout_ms < 0)
		timeout_ms = RSP_DEFAULT_TIMEOUT_MS;
	deadline = deadline_in(timeout_ms);
	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		if (strlen(spec + 5) == 0 || strlen(spec + 5) >= sizeof sun.sun_path) {
			kit_seterr(err, RSP_ERR_INVAL, "bad unix socket path in '%s'", spec);
			return -1;
		}
		strcpy(sun.sun_path, spec + 5);
		return connect_one((struct sockaddr *)&sun, sizeof sun, AF_UNIX,
				   deadline, spec, err);
	}
	if (!strncmp(hp, "tcp:", 4))
		hp += 4;
	if (hp[0] == '[') {
		const char *rb = strchr(hp, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - hp - 1) >= sizeof host)
			goto bad;
		memcpy(host, hp + 1, (size_t)(rb - hp - 1));
		host[rb - hp - 1] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(hp, ':');
		if (!colon || (size_t)(colon - hp) >= sizeof host)
			goto bad;
		memcpy(host, hp, (size_t)(colon - hp));
		host[colon - hp] = '\0';
	}
	if (strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof port)
		goto bad;
	strcpy(port, colon + 1);
	if (!host[0])
		strcpy(host, "localhost");

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		kit_seterr(err, RSP_ERR_INVAL, "cannot resolve '%s': %s", spec,
			   gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = connect_one(ai->ai_addr, ai->ai_addrlen, ai->ai_family,
				 deadline, spec, err);
		if (fd >= 0 || (err && err->code == RSP_ERR_TIMEOUT))
			break;
	}
	freeaddrinfo(res);
	return fd;
bad:
	kit_seterr(err, RSP_ERR_INVAL,
		   "bad address '%s': expected host:port, tcp:host:port or unix:PATH",
		   spec);
	return -1;
}

struct rsp_conn *rsp_connect(const char *spec, int timeout_ms,
			     struct kit_err *err)
{
	int fd = rsp_dial(spec, timeout_ms, err);

	return fd < 0 ? NULL : rsp_conn_from_fd(fd, err);
}

/* RSP_ERR_SYS with errno kept in err->sys_errno (and c->sys_errno). */
static int sys_fail(struct rsp_conn *c, const char *what, struct kit_err *err)
{
	int e = errno;

	c->sys_errno = e;
	kit_seterr_sys(err, RSP_ERR_SYS, e, "%s", what);
	return -RSP_ERR_SYS;
}

/* Write all of p, waiting for the socket at most c->timeout_ms. */
static int write_all(struct rsp_conn *c, const void *p, size_t n,
		     struct kit_err *err)
{
	const char *s = p;
	long long deadline = deadline_in(c->timeout_ms);

	while (n > 0) {
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
		struct pollfd pfd;
		int rc;

		if (w < 0 && errno == ENOTSOCK)
			w = write(c->fd, s, n);
		if (w > 0) {
			s += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			if (errno == EPIPE || errno == ECONNRESET) {
				c->closed = true;
				kit_seterr(err, RSP_ERR_CLOSED,
					   "connection closed by the stub");
				return -RSP_ERR_CLOSED;
			}
			return sys_fail(c, "cannot send to the stub", err);
		}
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		rc = poll(&pfd, 1, left_ms(deadline));
		if (rc == 0) {
			kit_seterr(err, RSP_ERR_TIMEOUT,
				   "timed out sending to the stub");
			return -RSP_ERR_TIMEOUT;
		}
	}
	return 0;
}

/*
 * Read more bytes into c->rbuf, waiting until deadline.  0, or a negative
 * code: timeout, closed/truncated, interrupted (wake fd), system error.
 */
static int fill(struct rsp_conn *c, long long deadline, struct kit_err *err)
{
	for (;;) {
		struct pollfd pfd[2];
		ssize_t r = recv(c->fd, c->rbuf, sizeof c->rbuf, 0);
		int rc, nfd = 1;

		if (r < 0 && errno == ENOTSOCK)
			r = read(c->fd, c->rbuf, sizeof c->rbuf);
		if (r > 0) {
			c->rpos = 0;
			c->rlen = (size_t)r;
			return 0;
		}
		if (r == 0 || (r < 0 && errno == ECONNRESET)) {
			c->closed = true;
			if (rsp_parser_midpacket(&c->parser)) {
				kit_seterr(err, RSP_ERR_TRUNCATED,
					   "connection closed in the middle of a packet "
					   "(after %zu bytes of it)", c->parser.received);
				return -RSP_ERR_TRUNCATED;
			}
			if (c->garbage && !c->got_any) {
				kit_seterr(err, RSP_ERR_PROTOCOL,
					   "not a gdb stub: it sent '%s' and closed",
					   c->garbage_text);
				return -RSP_ERR_PROTOCOL;
			}
			kit_seterr(err, RSP_ERR_CLOSED, "connection closed by the stub");
			return -RSP_ERR_CLOSED;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return sys_fail(c, "cannot read from the stub", err);
		pfd[0].fd = c->fd;
		pfd[0].events = POLLIN;
		/* Only a wait for a stop can be abandoned: an ack or reply
		 * wait left half-way would desynchronise the stream. */
		if (c->wake_fd >= 0 && c->running) {
			pfd[1].fd = c->wake_fd;
			pfd[1].events = POLLIN;
			nfd = 2;
		}
		rc = poll(pfd, (nfds_t)nfd, left_ms(deadline));
		if (rc < 0 && errno != EINTR)
			return sys_fail(c, "cannot poll the stub", err);
		if (rc == 0) {
			if (rsp_parser_midpacket(&c->parser))
				kit_seterr(err, RSP_ERR_TIMEOUT,
					   "timed out in the middle of a packet "
					   "(after %zu bytes of it)", c->parser.received);
			else if (c->garbage && !c->got_any)
				kit_seterr(err, RSP_ERR_PROTOCOL,
					   "not a gdb stub: it sent '%s'", c->garbage_text);
			else
				kit_seterr(err, RSP_ERR_TIMEOUT,
					   "timed out waiting for the stub");
			return c->garbage && !c->got_any ? -RSP_ERR_PROTOCOL :
							   -RSP_ERR_TIMEOUT;
		}
		if (nfd == 2 && rc > 0 && (pfd[1].revents & POLLIN)) {
			kit_seterr(err, RSP_ERR_INTERRUPTED, "wait interrupted");
			return -RSP_ERR_INTERRUPTED;
		}
	}
}

static void note_garbage(struct rsp_conn *c, const char *p, size_t n)
{
	size_t have = strlen(c->garbage_text);
	struct rsp_buf b = RSP_BUF_INIT;

	trace_bytes(c, "<- garbage: ", p, n);
	if (have < sizeof c->garbage_text - 1 &&
	    rsp_escape_for_trace(&b, p, n, 40) == 0) {
		snprintf(c->garbage_text + have, sizeof c->garbage_text - have,
			 "%s", b.data);
	}
	rsp_buf_free(&b);
	c->garbage += n;
}

static void clear_garbage(struct rsp_conn *c)
{
	c->garbage = 0;
	c->garbage_text[0] = '\0';
	c->got_any = true;
}

/* Next event from the stub, reading as needed. */
static int next_event(struct rsp_conn *c, long long deadline,
		      struct rsp_event *ev, struct kit_err *err)
{
	for (;;) {
		size_t used;
		int rc;

		if (c->rpos == c->rlen) {
			rc = fill(c, deadline, err);
			if (rc < 0)
				return rc;
		}
		used = rsp_parser_feed(&c->parser, c->rbuf + c->rpos,
				       c->rlen - c->rpos, ev);
		c->rpos += used;
		if (ev->kind == RSP_EV_NONE)
			continue;
		/* "SSH-2.0-..." holds '-': after garbage, '+' and '-' are
		 * more garbage until a good packet proves a stub. */
		if ((ev->kind == RSP_EV_ACK || ev->kind == RSP_EV_NAK) &&
		    c->garbage && !c->got_any) {
			ev->kind = RSP_EV_GARBAGE;
		}
		if (ev->kind == RSP_EV_GARBAGE) {
			note_garbage(c, ev->data, ev->len);
			/* A stub never sends text between packets; a web
			 * server, ssh or a serial console does. */
			if (c->garbage >= RSP_GARBAGE_MAX ||
			    memchr(ev->data, '\n', ev->len)) {
				kit_seterr(err, RSP_ERR_PROTOCOL,
					   c->got_any ? "unexpected bytes from the stub: '%s'"
						      : "not a gdb stub: it sent '%s'",
					   c->garbage_text);
				return -RSP_ERR_PROTOCOL;
			}
			continue;
		}
		return 0;
	}
}

static int send_raw(struct rsp_conn *c, const char *p, size_t n,
		    struct kit_err *err)
{
	trace_bytes(c, "-> ", p, n);
	return write_all(c, p, n, err);
}

static int recv_packet(struct rsp_conn *c, int timeout_ms,
		       struct kit_err *err);

/* See rsp_set_quickack(). */
static void quickack(struct rsp_conn *c)
{
	int one = 1;

	if (c->quickack &&
	    setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one) < 0 &&
	    (errno == ENOTSOCK || errno == EOPNOTSUPP || errno == ENOPROTOOPT))
		c->quickack = false;   /* not TCP: never again */
}

int rsp_write_batch(struct rsp_conn *c, const void *bytes, size_t n,
		    struct kit_err *err)
{
	const char *a = bytes, *end = a + n;

	/* one trace line a packet, as single sends print them */
	while (c->trace && a < end) {
		const char *h = memchr(a, '#', (size_t)(end - a));
		size_t k = h && end - h >= 3 ? (size_t)(h + 3 - a) : (size_t)(end - a);

		trace_bytes(c, "-> ", a, k);
		a += k;
	}
	quickack(c);
	return write_all(c, bytes, n, err);
}

void rsp_batch_reset(struct rsp_batch *b)
{
	rsp_buf_reset(&b->bytes);
	b->npackets = 0;
}

void rsp_batch_free(struct rsp_batch *b)
{
	rsp_buf_free(&b->bytes);
	b->npackets = 0;
}

int rsp_batch_interrupt(struct rsp_batch *b)
{
	return rsp_buf_append(&b->bytes, "\x03", 1);
}

int rsp_batch_add(struct rsp_batch *b, const void *payload, size_t n)
{
	if (rsp_packet_encode(&b->bytes, payload, n) < 0)
		return -1;
	b->npackets++;
	return 0;
}

/* A payload formatted for rsp_batch_addf() and rsp_exchangef(). */
struct fmt_payload {
	char s[512];
	int n;          /* its length, or -1 when it does not fit */
};

/* Format into P; too long: ERR filled, or without one errno EINVAL. */
static void payload_vformat(struct fmt_payload *p, struct kit_err *err,
			    const char *fmt, va_list ap)
{
	p->n = vsnprintf(p->s, sizeof p->s, fmt, ap);
	if (p->n < 0 || (size_t)p->n >= sizeof p->s) {
		p->n = -1;
		if (err)
			kit_seterr(err, RSP_ERR_INVAL, "packet too long");
		else
			errno = EINVAL;
	}
}

int rsp_batch_addf(struct rsp_batch *b, const char *fmt, ...)
{
	struct fmt_payload p;
	va_list ap;

	va_start(ap, fmt);
	payload_vformat(&p, NULL, fmt, ap);
	va_end(ap);
	return p.n < 0 ? -1 : rsp_batch_add(b, p.s, (size_t)p.n);
}

int rsp_batch_send(struct rsp_conn *c, const struct rsp_batch *b,
		   struct kit_err *err)
{
	return rsp_write_batch(c, b->bytes.data, b->bytes.len, err);
}

int rsp_batch_recv(struct rsp_conn *c, int timeout_ms, struct kit_err *err)
{
	bool saved = c->noack;
	int rc;

	c->noack = true;
	do {
		rc = recv_packet(c, timeout_ms, err);
	} while (rc == 0 && rsp_is_console(c->reply.data, c->reply.len));
	c->noack = saved;
	return rc;
}

bool rsp_buffered(const struct rsp_conn *c)
{
	return c->have_pending || c->rpos < c->rlen;
}

/* One non-blocking read into the empty c->rbuf: >0 bytes, 0 none, -1
 * closed (errno 0) or failed (errno). */
static ssize_t read_now(struct rsp_conn *c)
{
	ssize_t r;

	do {
		r = recv(c->fd, c->rbuf, sizeof c->rbuf, MSG_DONTWAIT);
		if (r < 0 && errno == ENOTSOCK)
			r = read(c->fd, c->rbuf, sizeof c->rbuf);
	} while (r < 0 && errno == EINTR);
	if (r > 0) {
		c->rpos = 0;
		c->rlen = (size_t)r;
		return r;
	}
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (r == 0)
		errno = 0;
	return -1;
}

int rsp_read_available(struct rsp_conn *c, struct kit_err *err)
{
	if (rsp_buffered(c))
		return 1;
	if (read_now(c) > 0)
		return 1;
	if (errno == 0 || errno == ECONNRESET) {
		c->closed = true;
		kit_seterr(err, RSP_ERR_CLOSED, "connection closed by the stub");
		return -RSP_ERR_CLOSED;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	return sys_fail(c, "cannot read from the stub", err);
}

int rsp_take_ack(struct rsp_conn *c, int timeout_ms)
{
	int tries;

	for (tries = 0; tries < 2; tries++) {
		struct pollfd pf = { .fd = c->fd, .events = POLLIN };

		if (c->rpos < c->rlen) {
			if (c->rbuf[c->rpos] != '+')
				return 0;
			c->rpos++;
			return 1;
		}
		if (poll(&pf, 1, timeout_ms) <= 0)
			return 0;
		if (read_now(c) <= 0)
			return 0;   /* a close shows again at the next wait */
	}
	return 0;
}

int rsp_interrupt(struct rsp_conn *c, struct kit_err *err)
{
	static const char brk = 0x03;

	for (;;) {
		ssize_t w = send(c->fd, &brk, 1, MSG_NOSIGNAL);

		if (w < 0 && errno == ENOTSOCK)
			w = write(c->fd, &brk, 1);

		if (w == 1)
			break;
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			c->closed = true;
			kit_seterr(err, RSP_ERR_CLOSED, "connection closed by the stub");
			return -RSP_ERR_CLOSED;
		}
		/* Async-signal-safe: no strerror (kit_seterr formats); the
		 * errno is kept for the caller. */
		c->sys_errno = w < 0 ? errno : EAGAIN;
		if (err)
			return sys_fail(c, "cannot send the interrupt", err);
		return -RSP_ERR_SYS;
	}
	c->interrupt_sent = 1;
	return 0;
}

int rsp_send(struct rsp_conn *c, const void *payload, size_t len,
	     struct kit_err *err)
{
	long long deadline;
	int tries = 0, rc;

	if (c->running) {
		kit_seterr(err, RSP_ERR_RUNNING,
			   "target is running: only an interrupt may be sent");
		return -RSP_ERR_RUNNING;
	}
	rsp_buf_reset(&c->out);
	if (rsp_packet_encode(&c->out, payload, len) < 0) {
		kit_seterr(err, RSP_ERR_NOMEM, "out of memory");
		return -RSP_ERR_NOMEM;
	}
again:
	rc = send_raw(c, c->out.data, c->out.len, err);
	if (rc < 0 || c->noack)
		return rc;
	deadline = deadline_in(c->timeout_ms);
	for (;;) {
		struct rsp_event ev;

		rc = next_event(c, deadline, &ev, err);
		if (rc < 0) {
			if (rc == -RSP_ERR_TIMEOUT) {
				char tmp[200];

				kit_seterr(err, RSP_ERR_TIMEOUT,
					   "timed out waiting for the stub to acknowledge '%s'",
					   rsp_quote(tmp, sizeof tmp, c->out.data,
						     c->out.len, 40));
			}
			return rc;
		}
		switch (ev.kind) {
		case RSP_EV_ACK:
			trace_bytes(c, "<- ", "+", 1);
			clear_garbage(c);
			return 0;
		case RSP_EV_NAK:
			trace_bytes(c, "<- ", "-", 1);
			clear_garbage(c);
			if (++tries > c->retries) {
				char tmp[200];

				kit_seterr(err, RSP_ERR_NAK,
					   "the stub refused '%s' %d times",
					   rsp_quote(tmp, sizeof tmp, c->out.data,
						     c->out.len, 40), tries);
				return -RSP_ERR_NAK;
			}
			goto again;
		case RSP_EV_PACKET:
			/* A reply before the ack: the ack was lost. */
			trace_packet(c, "<- ", "$", ev.data, ev.len, " (no ack seen)");
			clear_garbage(c);
			rsp_buf_reset(&c->pending);
			if (rsp_buf_append(&c->pending, ev.data, ev.len) < 0) {
				kit_seterr(err, RSP_ERR_NOMEM, "out of memory");
				return -RSP_ERR_NOMEM;
			}
			c->have_pending = true;
			rc = send_raw(c, "+", 1, err);
			return rc;
		default:
			/* Bad packets before the ack: ignore, the stub resends
			 * replies that are not acked. */
			trace_bytes(c, "<- bad packet: ", ev.data ? ev.data : "",
				    ev.data ? ev.len : 0);
			continue;
		}
	}
}

static int recv_packet(struct rsp_conn *c, int timeout_ms, struct kit_err *err)
{
	long long deadline = deadline_in(timeout_ms);
	int bad = 0, rc;

	if (c->have_pending) {
		c->have_pending = false;
		rsp_buf_reset(&c->reply);
		if (rsp_buf_append(&c->reply, c->pending.data ? c->pending.data : "",
				   c->pending.len) < 0) {
			kit_seterr(err, RSP_ERR_NOMEM, "out of memory");
			return -RSP_ERR_NOMEM;
		}
		return 0;
	}
	for (;;) {
		struct rsp_event ev;

		if (c->interrupt_sent) {
			c->interrupt_sent = 0;
			trace_bytes(c, "-> ", "\x03", 1);
		}
		rc = next_event(c, deadline, &ev, err);
		if (rc < 0)
			return rc;
		switch (ev.kind) {
		case RSP_EV_PACKET: {
			char sfx[8];

			snprintf(sfx, sizeof sfx, "#%02x", ev.sum_got);
			trace_packet(c, "<- ", "$", ev.data, ev.len, sfx);
			clear_garbage(c);
			rsp_buf_reset(&c->reply);
			if (rsp_buf_append(&c->reply, ev.data, ev.len) < 0) {
				kit_seterr(err, RSP_ERR_NOMEM, "out of memory");
				return -RSP_ERR_NOMEM;
			}
			/* While running, not even '+' may be sent (QEMU stops
			 * the guest on any byte but 0x03); a stop reply ends
			 * the run, so its ack is safe. */
			if (!c->noack && !(c->running && rsp_is_console(ev.data, ev.len))) {
				rc = send_raw(c, "+", 1, err);
				if (rc < 0)
					return rc;
			}
			return 0;
		}
		case RSP_EV_ACK:
		case RSP_EV_NAK:
			/* A late or duplicate ack: nothing to do. */
			trace_bytes(c, "<- ", ev.data, 1);
			continue;
		case RSP_EV_BADSUM:
		case RSP_EV_BADPKT:
			trace_bytes(c, ev.kind == RSP_EV_BADSUM ?
				    "<- bad checksum: $" : "<- malformed packet: $",
				    ev.data, ev.len);
			clear_garbage(c);
			if (c->noack || ++bad > c->retries) {
				if (ev.kind == RSP_EV_BADSUM)
					kit_seterr(err, RSP_ERR_PROTOCOL,
						   "bad checksum from the stub (got %02x, computed %02x)%s",
						   ev.sum_got, ev.sum_want,
						   c->noack ? "" : ", too many times");
				else
					kit_seterr(err, RSP_ERR_PROTOCOL,
						   "malformed packet from the stub%s",
						   c->noack ? "" : ", too many times");
				return -RSP_ERR_PROTOCOL;
			}
			if (c->running)
				continue;   /* cannot NAK while running */
			rc = send_raw(c, "-", 1, err);
			if (rc < 0)
				return rc;
			continue;
		case RSP_EV_TOOLONG:
			clear_garbage(c);
			trace_bytes(c, "<- ", "(packet too long, dropped)",
				    strlen("(packet too long, dropped)"));
			/* It arrived intact: ack it so the stub does not resend. */
			if (!c->noack && !c->running)
				send_raw(c, "+", 1, NULL);
			kit_seterr(err, RSP_ERR_PROTOCOL,
				   "the stub sent a %zu-byte packet, longer than %zu bytes: "
				   "refused", c->parser.received,
				   c->parser.max ? c->parser.max : (size_t)RSP_MAX_PACKET);
			return -RSP_ERR_PROTOCOL;
		case RSP_EV_INTERRUPT:
			trace_bytes(c, "<- ", "\x03", 1);
			continue;
		default:
			continue;
		}
	}
}

int rsp_send_resume(struct rsp_conn *c, const void *payload, size_t len,
		    struct kit_err *err)
{
	int rc = rsp_send(c, payload, len, err);

	if (rc < 0)
		return rc;
	rsp_resumed(c);
	return 0;
}

int rsp_recv(struct rsp_conn *c, int timeout_ms, struct kit_err *err)
{
	if (!c->running)
		quickack(c);
	return recv_packet(c, timeout_ms, err);
}

int rsp_exchange(struct rsp_conn *c, const char *payload, size_t len,
		 struct kit_err *err)
{
	int rc = rsp_send(c, payload, len, err);

	if (rc < 0)
		return rc;
	rc = rsp_recv(c, c->timeout_ms, err);
	if (rc == -RSP_ERR_TIMEOUT) {
		char tmp[200];

		kit_seterr(err, RSP_ERR_TIMEOUT,
			   "timed out waiting for the reply to '%s'",
			   rsp_quote(tmp, sizeof tmp, payload, len, 40));
	}
	return rc;
}

int rsp_exchangef(struct rsp_conn *c, struct kit_err *err, const char *fmt, ...)
{
	struct fmt_payload p;
	va_list ap;

	va_start(ap, fmt);
	payload_vformat(&p, err, fmt, ap);
	va_end(ap);
	return p.n < 0 ? -RSP_ERR_INVAL : rsp_exchange(c, p.s, (size_t)p.n, err);
}
