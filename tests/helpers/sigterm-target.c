/*
 * sigterm-target: a program to run under "qemu-x86_64 -g PORT" in the
 * signal tests.  It catches SIGTERM, says "ready" on stdout, and waits up
 * to the number of milliseconds in argv[1] (default 3000):
 *
 *   exit 0    the wait ran out without a SIGTERM (the debugger did not
 *             pass it: "handle SIGTERM nopass", the default)
 *   exit 43   the SIGTERM handler ran (the debugger passed it)
 *
 * 143 (128 + SIGTERM) would mean the signal killed it with no handler
 * installed, which this program never allows: a third, distinct outcome.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void on_term(int sig)
{
	(void)sig;
	_exit(43);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct timespec t0, t1, nap = { 0, 20 * 1000 * 1000 };
	long limit_ms = argc > 1 ? atol(argv[1]) : 3000;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= limit_ms)
			break;
	}
	printf("no signal\n");
	return 0;
}
