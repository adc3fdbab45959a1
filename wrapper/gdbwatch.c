/*
 * gdbwatch.c: is a debugger still connected to the gdbstub, and releasing
 * the guest one left stopped.
 *
 * QEMU 7.2 does nothing when its gdbstub's client goes away (gdb_chr_event
 * handles only CHR_EVENT_OPENED): a debugger killed with SIGKILL leaves the
 * guest stopped, with its breakpoints still in, for good.  qemu owns the
 * accepted connection, so the wrapper looks at it from outside: the
 * kernel's socket tables name every socket bound to the gdbstub's path or
 * port, the accepted ones included.  Releasing takes what a debugger would
 * send: '?' (QEMU's handle_target_halt removes all breakpoints and
 * watchpoints) and 'c'.
 */
#include "wrap.h"
#include "clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LINES_MAX 100000   /* bound on the lines read from one table */

/*
 * /proc/net/unix: "Num RefCount Protocol Flags Type St Inode Path".  An
 * accepted socket carries its listener's path, St 03 (SS_CONNECTED);
 * the listener has flag __SO_ACCEPTCON (0x10000) and St 01.
 */
static int unix_connections(const char *path)
{
	FILE *f = fopen("/proc/net/unix", "re");
	char line[4096];
	int n = 0, lines = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f) && ++lines < LINES_MAX) {
		unsigned long flags;
		unsigned st;
		int off = 0;
		size_t len;

		if (sscanf(line, "%*s %*x %*x %lx %*x %x %*u %n", &flags, &st,
			   &off) < 2 || !off)
			continue;
		len = strcspn(line + off, "\n");
		if (st == 3 && !(flags & 0x10000) && len == strlen(path) &&
		    !memcmp(line + off, path, len))
			n++;
	}
	fclose(f);
	return n;
}

/* /proc/net/tcp and tcp6: "sl local rem st ...", local "ADDR:PORT" in
 * hex; an accepted connection has the listener's port, st 01. */
static int tcp_connections(const char *table, int port)
{
	FILE *f = fopen(table, "re");
	char line[512], local[64];
	int n = 0, lines = 0;
	unsigned st;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f) && ++lines < LINES_MAX) {
		char *colon;

		if (sscanf(line, "%*s %63s %*s %x", local, &st) < 2)
			continue;
		colon = strrchr(local, ':');
		if (colon && st == 1 && strtol(colon + 1, NULL, 16) == port)
			n++;
	}
	fclose(f);
	return n;
}

int wrap_gdb_connections(const struct wrap_endpoint *ep)
{
	if (ep->transport == WRAP_UNIX)
		return unix_connections(ep->path);
	return tcp_connections("/proc/net/tcp", ep->port) +
	       tcp_connections("/proc/net/tcp6", ep->port);
}

static int gdb_connect(const struct wrap_endpoint *ep, struct kit_err *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	char port[16];
	int fd = -1;

	if (ep->transport == WRAP_UNIX) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", ep->path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
		if (fd >= 0)
			close(fd);
		return kit_seterr_errno(err, errno, "cannot connect to unix:%s",
					ep->path);
	}
	snprintf(port, sizeof port, "%d", ep->port);
	if (getaddrinfo(ep->host, port, &hints, &res))
		return kit_seterr(err, EINVAL, "cannot resolve '%s'", ep->host);
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return kit_seterr_errno(err, errno, "cannot connect to %s:%d",
					ep->host, ep->port);
	return fd;
}

static int64_t mono_ms(void)
{
	return kit_mono_ns() / 1000000;
}

/* Read until "#XX" of a packet (want_packet) or a '+' has come. */
static int await(int fd, bool want_packet, int64_t deadline)
{
	int hash = -1;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - mono_ms();
		char buf[512];
		ssize_t n, i;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		n = read(fd, buf, sizeof buf);
		if (n <= 0)
			return -1;
		for (i = 0; i < n; i++) {
			if (!want_packet && buf[i] == '+')
				return 0;
			if (hash >= 0 && ++hash == 2)
				return 0;
			if (want_packet && buf[i] == '#' && hash < 0)
				hash = 0;
		}
	}
}

int wrap_gdb_release(const struct wrap_endpoint *ep, int timeout_ms,
		     struct kit_err *err)
{
	static const char halt[] = "$?#3f", cont[] = "+$c#63";
	int64_t deadline = mono_ms() + timeout_ms;
	int fd = gdb_connect(ep, err), ret = -1;

	if (fd < 0)
		return -1;
	if (send(fd, halt, sizeof halt - 1, MSG_NOSIGNAL) < 0 ||
	    await(fd, true, deadline) < 0) {
		kit_seterr(err, EIO, "the gdbstub did not answer '?'");
		goto out;
	}
	if (send(fd, cont, sizeof cont - 1, MSG_NOSIGNAL) < 0 ||
	    await(fd, false, deadline) < 0) {
		kit_seterr(err, EIO, "the gdbstub did not take 'c'");
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

int wrap_gdb_plant_send(const struct wrap_endpoint *ep, struct kit_err *err)
{
	/* Z0 (a software breakpoint, all CPUs) at the reset vector's linear
	 * address: TCG compares cs.base + eip, 0xffff0000 + 0xfff0 */
	static const char body[] = "Z0,fffffff0,1";
	char pkt[32];
	unsigned sum = 0;
	size_t i;
	int fd, n;

	for (i = 0; i < sizeof body - 1; i++)
		sum += (unsigned char)body[i];
	n = snprintf(pkt, sizeof pkt, "$%s#%02x", body, sum & 0xff);
	fd = gdb_connect(ep, err);
	if (fd < 0)
		return -1;
	if (send(fd, pkt, (size_t)n, MSG_NOSIGNAL) != n) {
		kit_seterr_errno(err, errno, "cannot send to the gdbstub");
		close(fd);
		return -1;
	}
	return fd;
}

int wrap_gdb_plant_finish(int fd, int timeout_ms, struct kit_err *err)
{
	int64_t deadline = mono_ms() + timeout_ms;
	char reply[64];
	size_t len = 0;
	int ret = -1;

	/* '+' (the packet's ack), then "$OK#9a"; an error is "$Exx#.." */
	while (len < sizeof reply - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			kit_seterr(err, ETIMEDOUT, "the gdbstub did not answer "
				   "the breakpoint in %d ms", timeout_ms);
			goto out;
		}
		n = read(fd, reply + len, sizeof reply - 1 - len);
		if (n <= 0) {
			kit_seterr(err, EIO, "the gdbstub closed the connection");
			goto out;
		}
		len += (size_t)n;
		reply[len] = '\0';
		if (strstr(reply, "$OK#")) {
			ret = 0;
			break;
		}
		if (strchr(reply, '#')) {
			kit_seterr(err, EIO, "the gdbstub refused the breakpoint");
			goto out;
		}
	}
	if (ret < 0)
		kit_seterr(err, EIO, "unexpected reply from the gdbstub");
	else if (send(fd, "+", 1, MSG_NOSIGNAL) != 1)
		ret = kit_seterr_errno(err, errno, "cannot ack the gdbstub");
out:
	close(fd);
	return ret;
}
