/*
 * endpoint.c: the gdbstub's address.  The wrapper opens the listening
 * socket itself and hands qemu the fd (-chardev socket,fd=N,server=on), so
 * a port chosen with port 0 cannot be taken by anyone between the choice
 * and qemu's bind, and parallel launches never collide.
 */
#include "wrap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int wrap_endpoint_parse(const char *spec, struct wrap_endpoint *ep,
			struct kit_err *err)
{
	const char *hp, *colon;
	char *end;
	long port;
	size_t hlen;

	memset(ep, 0, sizeof *ep);
	if (strcmp(spec, "unix") == 0) {
		ep->transport = WRAP_UNIX;
		return 0;
	}
	if (strncmp(spec, "unix:", 5) == 0) {
		ep->transport = WRAP_UNIX;
		if (!spec[5])
			return kit_seterr(err, EINVAL,
				"invalid gdb endpoint '%s': empty socket path", spec);
		if (strlen(spec + 5) >= sizeof ep->path)
			return kit_seterr(err, EINVAL,
				"invalid gdb endpoint '%s': socket path longer "
				"than %zu bytes", spec, sizeof ep->path - 1);
		strcpy(ep->path, spec + 5);
		return 0;
	}
	if (strncmp(spec, "tcp:", 4) != 0)
		return kit_seterr(err, EINVAL,
			"invalid gdb endpoint '%s': expected tcp:HOST:PORT or "
			"unix:PATH", spec);
	ep->transport = WRAP_TCP;
	hp = spec + 4;
	if (*hp == '[') {
		const char *close = strchr(hp, ']');

		if (!close || close[1] != ':')
			return kit_seterr(err, EINVAL,
				"invalid gdb endpoint '%s': expected tcp:[ADDR]:PORT",
				spec);
		hlen = (size_t)(close - hp - 1);
		hp++;
		colon = close + 1;
	} else {
		colon = strrchr(hp, ':');
		if (!colon)
			return kit_seterr(err, EINVAL,
				"invalid gdb endpoint '%s': no port (expected "
				"tcp:HOST:PORT)", spec);
		hlen = (size_t)(colon - hp);
	}
	if (hlen == 0)
		return kit_seterr(err, EINVAL,
			"invalid gdb endpoint '%s': empty host (write "
			"127.0.0.1 for loopback, 0.0.0.0 for every interface)", spec);
	if (hlen >= sizeof ep->host)
		return kit_seterr(err, EINVAL,
			"invalid gdb endpoint '%s': host too long", spec);
	memcpy(ep->host, hp, hlen);
	ep->host[hlen] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 0 || port > 65535)
		return kit_seterr(err, EINVAL,
			"invalid gdb endpoint '%s': port '%s' is not a number "
			"from 0 to 65535", spec, colon + 1);
	ep->port = (int)port;
	return 0;
}

void wrap_endpoint_format(const struct wrap_endpoint *ep, char *out, size_t len)
{
	if (ep->transport == WRAP_UNIX)
		snprintf(out, len, "unix:%s", ep->path);
	else if (strchr(ep->host, ':'))
		snprintf(out, len, "tcp:[%s]:%d", ep->host, ep->port);
	else
		snprintf(out, len, "tcp:%s:%d", ep->host, ep->port);
}

bool wrap_endpoint_is_loopback(const struct wrap_endpoint *ep)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (ep->transport == WRAP_UNIX)
		return true;
	if (strcmp(ep->host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, ep->host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, ep->host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

static int listen_tcp(struct wrap_endpoint *ep, struct kit_err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[16];
	int fd = -1, one = 1, gai, saved = 0;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof portstr, "%d", ep->port);
	gai = getaddrinfo(ep->host, portstr, &hints, &res);
	if (gai)
		return kit_seterr(err, EINVAL,
			"cannot resolve gdb endpoint host '%s': %s", ep->host,
			gai_strerror(gai));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 1) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return kit_seterr_errno(err, saved,
			"cannot listen on gdb endpoint tcp:%s:%d", ep->host,
			ep->port);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			ep->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			ep->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return fd;
}

static const char *what(const struct wrap_endpoint *ep)
{
	return ep->what ? ep->what : "gdb";
}

static int private_dir(const char *path, const char *what, struct kit_err *err)
{
	char copy[sizeof ((struct wrap_endpoint *)0)->path];
	struct stat st;
	char *dir;

	snprintf(copy, sizeof copy, "%s", path);
	dir = dirname(copy);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return kit_seterr_errno(err, errno,
			"cannot create directory '%s' for the %s socket", dir, what);
	if (stat(dir, &st) < 0)
		return kit_seterr_errno(err, errno, "cannot use directory '%s'",
					dir);
	if (!S_ISDIR(st.st_mode))
		return kit_seterr(err, ENOTDIR, "'%s' is not a directory", dir);
	/* others may enter (the socket itself is 0600), never write: they
	 * could put their own socket in its place */
	if (st.st_uid != getuid() || (st.st_mode & 022))
		return kit_seterr(err, EPERM,
			"directory '%s' of the %s socket %s (mode %04o): a %s "
			"gives full control of the guest, use a private "
			"directory", dir, what,
			st.st_uid != getuid() ? "belongs to another user"
					      : "is writable by other users",
			(unsigned)(st.st_mode & 07777),
			strcmp(what, "gdb") ? "QEMU monitor" : "gdbstub");
	return 0;
}

/*
 * Something at the socket's path: a socket nobody listens on (a killed
 * launch's) is removed; a live one, or anything that is not a socket, is
 * someone's and stays.
 */
static int stale_socket(const struct wrap_endpoint *ep,
			const struct sockaddr_un *sa, struct kit_err *err)
{
	struct stat st;
	int fd;

	if (lstat(ep->path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return kit_seterr(err, EEXIST,
			"cannot listen on %s endpoint unix:%s: it exists and "
			"is not a socket", what(ep), ep->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0) {
		close(fd);
		return kit_seterr_errno(err, EADDRINUSE,
			"cannot listen on %s endpoint unix:%s", what(ep),
			ep->path);
	}
	if (fd >= 0)
		close(fd);
	unlink(ep->path);
	return 0;
}

static int listen_unix(struct wrap_endpoint *ep, struct kit_err *err)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, rc;

	if (private_dir(ep->path, what(ep), err) < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, ep->path, strlen(ep->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return kit_seterr_errno(err, errno, "cannot create a unix socket");
	if (stale_socket(ep, &sa, err) < 0) {
		close(fd);
		return -1;
	}
	/* connecting needs write permission on the socket: 0600 from the
	 * start (no window between bind and a chmod) */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc < 0 || listen(fd, 1) < 0) {
		int e = errno;

		close(fd);
		return kit_seterr_errno(err, e,
			"cannot listen on %s endpoint unix:%s", what(ep), ep->path);
	}
	return fd;
}

int wrap_endpoint_listen(struct wrap_endpoint *ep, struct kit_err *err)
{
	return ep->transport == WRAP_UNIX ? listen_unix(ep, err)
					  : listen_tcp(ep, err);
}
