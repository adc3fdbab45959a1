/*
 * fake-stub: a scripted GDB remote stub for tests, to show what a real
 * QEMU cannot: NAKs, bad checksums, garbage, over-long replies, a stub that
 * dies mid-packet, a server that is not a stub at all, and KVM-style
 * refusal of software breakpoints.
 *
 *   fake-stub --fd N   [-f SCRIPT] [-e LINE]...   serve the socket on fd N
 *   fake-stub --listen [-f SCRIPT] [-e LINE]...   bind 127.0.0.1 port 0,
 *                                                 print the port, accept one
 *
 * The script runs line by line; the first mismatch prints what was
 * expected and what was seen on stderr and exits 1 (a timeout exits 2).
 * The end of the script closes the connection and exits 0.
 *
 *   expect GLOB      wait for a packet whose payload matches GLOB
 *                    (fnmatch); answer '+' (unless no-ack)
 *   nak GLOB         the same, but answer '-' (the client must resend)
 *   take GLOB        the same, but answer nothing (a lost ack)
 *   reply TEXT       send a packet (C escapes \xNN \n \\ \s for space);
 *                    in ack mode wait for '+' and resend on '-'
 *   send TEXT        send a packet without waiting for an ack
 *   big N TEXT       like reply, with TEXT repeated to N bytes of payload
 *                    (a 4 MB 'g' reply: "big 4194304 00")
 *   raw TEXT         write bytes as they are (C escapes)
 *   expect-ack       wait for '+'
 *   expect-nak       wait for '-'
 *   expect-break     wait for the 0x03 byte
 *   quiet MS         fail if any byte arrives within MS milliseconds
 *                    (the client closing is fine)
 *   noack            stop acking and expecting acks; an ack from the
 *                    client is then an error
 *   sleep MS
 *   close            close now (the end of the script does it too)
 *   drain MS         wait up to MS ms for the client to close (EOF)
 * Lines starting with '#' and empty lines are ignored.
 */
#include "rsp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 5000

struct stub {
	int fd;
	int noack;
	int lineno;
	const char *line;
	struct rsp_parser parser;
	char in[4096];
	size_t ipos, ilen;
	struct rsp_buf pkt;    /* last packet payload */
};

__attribute__((noreturn, format(printf, 3, 4)))
static void fail(struct stub *s, int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fake-stub: line %d '%s': ", s->lineno, s->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* Next event; returns kind, RSP_EV_NONE on EOF, exits on timeout. */
static enum rsp_event_kind next_event(struct stub *s, int wait_ms)
{
	for (;;) {
		struct rsp_event ev;
		size_t used;

		if (s->ipos == s->ilen) {
			struct pollfd pfd = { s->fd, POLLIN, 0 };
			ssize_t r;

			if (poll(&pfd, 1, wait_ms) == 0)
				return (enum rsp_event_kind)-1;
			r = read(s->fd, s->in, sizeof s->in);
			if (r <= 0)
				return RSP_EV_NONE;
			s->ipos = 0;
			s->ilen = (size_t)r;
		}
		used = rsp_parser_feed(&s->parser, s->in + s->ipos,
				       s->ilen - s->ipos, &ev);
		s->ipos += used;
		if (ev.kind == RSP_EV_NONE)
			continue;
		rsp_buf_reset(&s->pkt);
		if (ev.data)
			rsp_buf_append(&s->pkt, ev.data, ev.len);
		else
			rsp_buf_append(&s->pkt, "", 0);
		return ev.kind;
	}
}

static const char *kind_name(enum rsp_event_kind k, struct stub *s)
{
	static char tmp[300];

	switch ((int)k) {
	case -1: return "nothing (timeout)";
	case RSP_EV_NONE: return "end of file";
	case RSP_EV_ACK: return "'+'";
	case RSP_EV_NAK: return "'-'";
	case RSP_EV_INTERRUPT: return "0x03";
	case RSP_EV_PACKET:
		snprintf(tmp, sizeof tmp, "packet '%.256s'", s->pkt.data);
		return tmp;
	default:
		snprintf(tmp, sizeof tmp, "bad input (event %d)", (int)k);
		return tmp;
	}
}

static void write_all(struct stub *s, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(s->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == ENOTSOCK)
			w = write(s->fd, p, n);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			fail(s, 1, "write failed: %s%s", strerror(errno), "");
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Decode C escapes in place; returns the length. */
static size_t unescape(char *t)
{
	char *d = t, *p = t;

	while (*p) {
		if (*p == '\\' && p[1]) {
			p++;
			switch (*p) {
			case 'n': *d++ = '\n'; p++; break;
			case 'r': *d++ = '\r'; p++; break;
			case 's': *d++ = ' '; p++; break;
			case '\\': *d++ = '\\'; p++; break;
			case 'x': {
				char hex[3] = { p[1], p[1] ? p[2] : 0, 0 };

				*d++ = (char)strtol(hex, NULL, 16);
				p += 3;
				break;
			}
			default: *d++ = *p++; break;
			}
		} else {
			*d++ = *p++;
		}
	}
	*d = '\0';
	return (size_t)(d - t);
}

static void send_packet(struct stub *s, const char *payload, size_t n, int wait_ack)
{
	struct rsp_buf b = RSP_BUF_INIT;
	int tries;

	rsp_packet_encode(&b, payload, n);
	for (tries = 0; tries < 5; tries++) {
		enum rsp_event_kind k;

		write_all(s, b.data, b.len);
		if (!wait_ack || s->noack)
			break;
		k = next_event(s, WAIT_MS);
		if (k == RSP_EV_ACK)
			break;
		if (k != RSP_EV_NAK)
			fail(s, k == (enum rsp_event_kind)-1 ? 2 : 1,
			     "expected '+' for our reply, got %s%s", kind_name(k, s), "");
	}
	rsp_buf_free(&b);
}

/* nak: 0 = ack, 1 = '-', 2 = nothing */
static void expect_packet(struct stub *s, const char *glob, int nak)
{
	enum rsp_event_kind k = next_event(s, WAIT_MS);

	/* Late acks from the client are fine, but not in no-ack mode. */
	while (k == RSP_EV_ACK && !s->noack)
		k = next_event(s, WAIT_MS);
	if (k != RSP_EV_PACKET)
		fail(s, k == (enum rsp_event_kind)-1 ? 2 : 1,
		     "expected a packet matching '%s', got %s", glob, kind_name(k, s));
	if (fnmatch(glob, s->pkt.data, 0) != 0)
		fail(s, 1, "expected a packet matching '%s', got '%s'", glob,
		     s->pkt.data);
	if (nak == 1)
		write_all(s, "-", 1);
	else if (nak == 2)
		return;
	else if (!s->noack)
		write_all(s, "+", 1);
}

static void expect_byte(struct stub *s, enum rsp_event_kind want, const char *name)
{
	enum rsp_event_kind k = next_event(s, WAIT_MS);

	if (k != want)
		fail(s, k == (enum rsp_event_kind)-1 ? 2 : 1, "expected %s, got %s",
		     name, kind_name(k, s));
}

static void run_line(struct stub *s, char *line)
{
	char *arg = strchr(line, ' ');
	size_t n;

	if (arg)
		*arg++ = '\0';
	else
		arg = line + strlen(line);
	if (!strcmp(line, "expect")) {
		expect_packet(s, arg, 0);
	} else if (!strcmp(line, "nak")) {
		expect_packet(s, arg, 1);
	} else if (!strcmp(line, "take")) {
		expect_packet(s, arg, 2);
	} else if (!strcmp(line, "reply") || !strcmp(line, "send")) {
		n = unescape(arg);
		send_packet(s, arg, n, line[0] == 'r');
	} else if (!strcmp(line, "big")) {
		char *text = strchr(arg, ' ');
		size_t want = strtoul(arg, NULL, 10), tl, i;
		char *big;

		if (!text || !*++text)
			fail(s, 1, "usage: big N TEXT%s%s", "", "");
		tl = unescape(text);
		big = malloc(want + 1);
		if (!big)
			fail(s, 1, "out of memory%s%s", "", "");
		for (i = 0; i < want; i++)
			big[i] = text[i % tl];
		send_packet(s, big, want, 1);
		free(big);
	} else if (!strcmp(line, "raw")) {
		n = unescape(arg);
		write_all(s, arg, n);
	} else if (!strcmp(line, "expect-ack")) {
		expect_byte(s, RSP_EV_ACK, "'+'");
	} else if (!strcmp(line, "expect-nak")) {
		expect_byte(s, RSP_EV_NAK, "'-'");
	} else if (!strcmp(line, "expect-break")) {
		expect_byte(s, RSP_EV_INTERRUPT, "0x03");
	} else if (!strcmp(line, "quiet")) {
		enum rsp_event_kind k = next_event(s, atoi(arg));

		if (k != (enum rsp_event_kind)-1 && k != RSP_EV_NONE)
			fail(s, 1, "expected silence, got %s%s", kind_name(k, s), "");
	} else if (!strcmp(line, "noack")) {
		s->noack = 1;
	} else if (!strcmp(line, "sleep")) {
		struct timespec ts = { atoi(arg) / 1000, (atoi(arg) % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	} else if (!strcmp(line, "close")) {
		close(s->fd);
		exit(0);
	} else if (!strcmp(line, "drain")) {
		enum rsp_event_kind k;

		while ((k = next_event(s, atoi(arg))) != RSP_EV_NONE)
			if (k == (enum rsp_event_kind)-1)
				fail(s, 2, "client did not close%s%s", "", "");
	} else {
		fail(s, 1, "unknown command '%s'%s", line, "");
	}
}

static int listen_local(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	struct pollfd pfd;
	int lfd, fd, one = 1;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		return -1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);   /* 127.0.0.1 only */
	sin.sin_port = 0;
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl) < 0)
		return -1;
	printf("%d\n", ntohs(sin.sin_port));
	fflush(stdout);
	pfd.fd = lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 10000) != 1) {
		fprintf(stderr, "fake-stub: nobody connected within 10 s\n");
		exit(2);
	}
	fd = accept(lfd, NULL, NULL);
	close(lfd);
	return fd;
}

int main(int argc, char **argv)
{
	struct stub s;
	char **lines = calloc((size_t)argc + 4096, sizeof *lines);
	size_t nlines = 0, i;
	int fd = -1, lsn = 0;

	memset(&s, 0, sizeof s);
	rsp_parser_init(&s.parser);
	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--fd") && i + 1 < (size_t)argc) {
			fd = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--listen")) {
			lsn = 1;
		} else if (!strcmp(argv[i], "-e") && i + 1 < (size_t)argc) {
			lines[nlines++] = strdup(argv[++i]);
		} else if (!strcmp(argv[i], "-f") && i + 1 < (size_t)argc) {
			FILE *f = fopen(argv[++i], "r");
			char buf[8192];

			if (!f) {
				perror(argv[i]);
				return 2;
			}
			while (nlines < 4096 && fgets(buf, sizeof buf, f)) {
				buf[strcspn(buf, "\n")] = '\0';
				lines[nlines++] = strdup(buf);
			}
			fclose(f);
		} else {
			fprintf(stderr, "usage: fake-stub (--fd N | --listen) "
				"[-f SCRIPT] [-e LINE]...\n");
			return 2;
		}
	}
	if (lsn)
		fd = listen_local();
	if (fd < 0) {
		fprintf(stderr, "fake-stub: no connection\n");
		return 2;
	}
	s.fd = fd;
	for (i = 0; i < nlines; i++) {
		char *l = lines[i];

		s.lineno = (int)i + 1;
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l || *l == '#')
			continue;
		s.line = strdup(l);
		run_line(&s, l);
		free((char *)s.line);
	}
	close(fd);
	for (i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
	rsp_parser_free(&s.parser);
	rsp_buf_free(&s.pkt);
	return 0;
}
