/*
 * test-gc-qmp: the QMP client's framing against a peer on a socketpair:
 * replies split across reads, events passed over, an error reply, a line
 * that is not JSON, a line too long, end of file.  (A real QEMU is in
 * t5400; this is what a real one will not send.)
 */
#include "qmp.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void peer_says(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
}

static struct gc_qmp conn(int *peer)
{
	struct gc_qmp q;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	memset(&q, 0, sizeof q);
	q.fd = sv[0];
	strcpy(q.spec, "unix:/test.sock");
	*peer = sv[1];
	return q;
}

int main(void)
{
	struct kit_err e;
	json_object *o = NULL;
	const char *desc, *text;
	struct gc_qmp q;
	int peer;
	char *big;

	q = conn(&peer);
	is_int(gc_qmp_fill(&q, &e), 0, "nothing there: 0");
	is_int(gc_qmp_take(&q, &o, &e), 0, "no reply yet");
	peer_says(peer, "{\"event\": \"STOP\", \"timestamp\": {}}\r\n{\"return\": \"RIP=ff");
	is_int(gc_qmp_fill(&q, &e), 0, "a read");
	is_int(gc_qmp_take(&q, &o, &e), 0, "an event and half a reply: nothing yet");
	is_int((int)q.events, 1, "the event counted");
	peer_says(peer, "ff\\r\\n\"}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}\r\n");
	gc_qmp_fill(&q, &e);
	is_int(gc_qmp_take(&q, &o, &e), 1, "the reply, once whole");
	text = gc_qmp_text(o, &desc);
	is_str(text, "RIP=ffff\r\n", "its text, JSON escapes undone");
	ok(desc == NULL, "no error");
	json_object_put(o);
	is_int(gc_qmp_take(&q, &o, &e), 1, "the error reply");
	ok(gc_qmp_text(o, &desc) == NULL, "an error has no text");
	is_str(desc, "no", "its description");
	json_object_put(o);

	peer_says(peer, "220 not qemu\r\n");
	gc_qmp_fill(&q, &e);
	is_int(gc_qmp_take(&q, &o, &e), -1, "not JSON: an error");
	is_str(e.msg, "QEMU monitor unix:/test.sock: not a QMP message: '220 not qemu\r'",
	       "naming the monitor and what came");
	gc_qmp_close(&q);
	close(peer);

	q = conn(&peer);
	big = malloc(((size_t)1 << 20) + 2);
	memset(big, 'x', ((size_t)1 << 20) + 1);
	big[((size_t)1 << 20) + 1] = '\0';
	for (size_t off = 0; off < strlen(big); ) {
		ssize_t w = write(peer, big + off, strlen(big) - off);

		if (w > 0)
			off += (size_t)w;
		if (gc_qmp_fill(&q, &e) < 0)
			break;
	}
	is_int(gc_qmp_take(&q, &o, &e), -1, "a line over 1 MiB: an error");
	ok(strstr(e.msg, "not a QMP monitor?") != NULL, "saying so");
	free(big);
	gc_qmp_close(&q);
	close(peer);

	q = conn(&peer);
	close(peer);
	is_int(gc_qmp_fill(&q, &e), 1, "peer gone: end of file");
	ok(q.eof, "eof set");
	is_int(gc_qmp_wait(&q, 100, &o, &e), -1, "waiting after the end: an error");
	is_str(e.msg, "QEMU monitor unix:/test.sock closed the connection", "saying so");
	is_int(gc_qmp_send_hmp(&q, "info \"registers\"", &e), -1, "a quote in an HMP command: refused");
	gc_qmp_close(&q);
	return tap_done();
}
