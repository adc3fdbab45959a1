/*
 * test-gc-hmp: the human-monitor client's framing against a peer on a
 * socketpair: an answer split across reads and at the prompt, two answers
 * in one read, output without a prompt past 1 MiB, end of file, a command
 * with a newline.  (A real QEMU is in t5400; this is what it will not send.)
 */
#include "hmp.h"
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

static struct gc_hmp conn(int *peer)
{
	struct gc_hmp m;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	memset(&m, 0, sizeof m);
	m.fd = sv[0];
	strcpy(m.spec, "unix:/test.sock");
	*peer = sv[1];
	return m;
}

int main(void)
{
	struct kit_err e;
	struct gc_hmp m;
	char *text = NULL, buf[64];
	int peer;
	size_t i;

	m = conn(&peer);
	is_int(gc_hmp_fill(&m, &e), 0, "nothing there: 0");
	is_int(gc_hmp_take(&m, &text, &e), 0, "no answer yet");
	peer_says(peer, "info registers\r\nRIP=ffff");
	gc_hmp_fill(&m, &e);
	is_int(gc_hmp_take(&m, &text, &e), 0, "half an answer: nothing yet");
	peer_says(peer, "ffff81000000\r\n(qe");
	gc_hmp_fill(&m, &e);
	is_int(gc_hmp_take(&m, &text, &e), 0, "half a prompt: nothing yet");
	peer_says(peer, "mu) info registers\r\nEIP=0000fff0\r\n(qemu) ");
	gc_hmp_fill(&m, &e);
	is_int(gc_hmp_take(&m, &text, &e), 1, "the first answer, once prompted");
	is_str(text, "info registers\r\nRIP=ffffffff81000000\r\n", "its text, echo included");
	free(text);
	is_int(gc_hmp_take(&m, &text, &e), 1, "the second, from the same read");
	is_str(text, "info registers\r\nEIP=0000fff0\r\n", "its text");
	free(text);
	is_int(gc_hmp_take(&m, &text, &e), 0, "then nothing");
	is_int(gc_hmp_send(&m, "info registers\nquit", &e), -1, "a newline in a command: refused");
	is_int(gc_hmp_send(&m, "info registers", &e), 0, "a command sent");
	is_int((int)read(peer, buf, sizeof buf), 15, "as one line");
	gc_hmp_close(&m);
	close(peer);

	m = conn(&peer);
	memset(buf, 'x', sizeof buf);
	for (i = 0; i < ((size_t)1 << 20) / sizeof buf + 2; ) {
		if (write(peer, buf, sizeof buf) == (ssize_t)sizeof buf)
			i++;
		if (gc_hmp_fill(&m, &e) < 0)
			break;
	}
	ok(gc_hmp_fill(&m, &e) < 0 || gc_hmp_take(&m, &text, &e) < 0,
	   "over 1 MiB without a prompt: an error");
	ok(strstr(e.msg, "without a prompt (not QEMU's human monitor?)") != NULL, "saying so");
	gc_hmp_close(&m);
	close(peer);

	m = conn(&peer);
	close(peer);
	is_int(gc_hmp_fill(&m, &e), 1, "peer gone: end of file");
	ok(m.eof, "eof set");
	gc_hmp_close(&m);
	return tap_done();
}
