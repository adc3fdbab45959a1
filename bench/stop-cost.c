/*
 * bench/stop-cost: what a breakpoint stop costs the debugger, for
 * gdbstub-client and for gdb doing the same job, side by side.
 *
 *   make bench && bench/stop-cost [--rounds N]       (from the top directory)
 *
 * The job: the test guest (tests/guests) under QEMU 7.2 TCG, a breakpoint
 * on its spin loop (fake_spin's "pause", hit once per iteration), every
 * stop resumed at once: gdb with "commands / silent / continue / end",
 * gdbstub-client with "break ... if 0" (its client-side condition, false:
 * resumed without a word).  The guest spins for fixed TSC time, so the
 * faster each stop is handled, the more stops happen.
 *
 * How it measures: a relay between the debugger and QEMU's gdbstub
 * timestamps packets in both directions.  Stop cost = from the stop reply
 * (the first one after a continue) arriving to the next continue being
 * sent: the debugger's own time, whatever packets it exchanges meanwhile
 * (register reads, stepping over the breakpoint).  Loop rate = stops per
 * second of the whole loop, QEMU's time included (under TCG each debug
 * stop flushes the translation cache: docs/qemu-notes.md).
 *
 * Output: one summary line, then one line per run (medians of each run's
 * stops).  Everything listens on 127.0.0.1 only; no shell is involved.
 */
#include "rsp.h"
#include "clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_STOPS 100000
#define BP_EXPR "*fake_spin+0x42"   /* the "pause" of the spin loop */

struct run {
	double *cost;          /* ms per stop */
	size_t n;
	double first_stop, last_resume;   /* s, monotonic */
	double median_ms, rate;           /* stops/s */
};

/* s, monotonic */
static double now_s(void)
{
	return (double)kit_mono_ns() / 1e9;
}

static int listen_any(int *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    listen(fd, 1) < 0 || getsockname(fd, (struct sockaddr *)&sin, &sl) < 0) {
		perror("stop-cost: listen");
		exit(2);
	}
	*port = ntohs(sin.sin_port);
	return fd;
}


static int connect_retry(int port, double limit_s)
{
	struct sockaddr_in sin;
	double t0 = now_s();
	int one = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	while (now_s() - t0 < limit_s) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			return fd;
		}
		close(fd);
		usleep(20000);
	}
	return -1;
}

static pid_t spawn(char *const argv[], bool quiet)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (quiet) {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	}
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		fprintf(stderr, "stop-cost: cannot run '%s': %s\n", argv[0], strerror(rc));
		exit(2);
	}
	return pid;
}

static int reap(pid_t pid, double limit_s)
{
	double t0 = now_s();
	int st;

	while (now_s() - t0 < limit_s) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Relay bytes between the debugger and QEMU, timing stops and resumes. */
static void relay(int cfd, int qfd, struct run *r)
{
	struct rsp_parser pc, pq;
	char buf[65536];
	bool pending = false, after_continue = false;
	double t_stop = 0;

	rsp_parser_init(&pc);
	rsp_parser_init(&pq);
	for (;;) {
		struct pollfd p[2] = { { cfd, POLLIN, 0 }, { qfd, POLLIN, 0 } };
		int i;

		if (poll(p, 2, 120000) <= 0)
			break;
		for (i = 0; i < 2; i++) {
			int from = i ? qfd : cfd, to = i ? cfd : qfd;
			struct rsp_parser *ps = i ? &pq : &pc;
			ssize_t n, off = 0;
			double t;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(from, buf, sizeof buf);
			if (n <= 0)
				goto out;
			t = now_s();
			while (off < n) {
				struct rsp_event ev;

				off += (ssize_t)rsp_parser_feed(ps, buf + off, (size_t)(n - off), &ev);
				if (ev.kind != RSP_EV_PACKET || !ev.len)
					continue;
				if (i == 1 && (ev.data[0] == 'T' || ev.data[0] == 'S') &&
				    after_continue) {
					t_stop = t;
					pending = true;
					after_continue = false;
				} else if (i == 0) {
					bool cont = ev.data[0] == 'c' || ev.data[0] == 'C' ||
						    !strncmp(ev.data, "vCont;c", 7) ||
						    !strncmp(ev.data, "vCont;C", 7);
					if (cont) {
						after_continue = true;
						if (pending && r->n < MAX_STOPS) {
							if (!r->n)
								r->first_stop = t_stop;
							r->cost[r->n++] = (t - t_stop) * 1e3;
							r->last_resume = t;
						}
						pending = false;
					}
				}
			}
			if (write(to, buf, (size_t)n) != n)
				goto out;
		}
	}
out:
	rsp_parser_free(&pc);
	rsp_parser_free(&pq);
}

static void one_run(const char *tool, const char *kit, struct run *r)
{
	char img[4200], elf[4200], client[4200], drive[4300], chardev[96], target[80];
	char script[] = "/tmp/stop-cost-XXXXXX";
	int qport, qlfd, pport, lfd, cfd, qfd, st;
	pid_t qemu, dbg;
	bool gdb = !strcmp(tool, "gdb");

	snprintf(img, sizeof img, "%s/tests/guests/build/guest.img", kit);
	snprintf(elf, sizeof elf, "%s/tests/guests/build/guest.elf", kit);
	snprintf(client, sizeof client, "%s/gdbstub-client/gdbstub-client", kit);
	snprintf(drive, sizeof drive, "file=%s,format=raw,if=ide", img);
	if (access(img, R_OK) < 0 || access(elf, R_OK) < 0 || access(client, X_OK) < 0) {
		fprintf(stderr, "stop-cost: no test guest or client ('%s', '%s'): "
			"run 'make bench' in the kit's top directory first\n", img, client);
		exit(2);
	}
	/* qemu's gdbstub listens on a socket opened here and inherited, so no
	 * other process can take the port between choosing and binding it */
	qlfd = listen_any(&qport);
	if (fcntl(qlfd, F_SETFD, 0) < 0) {
		perror("stop-cost: fcntl");
		exit(2);
	}
	snprintf(chardev, sizeof chardev, "socket,id=gdb0,fd=%d,server=on,wait=off,nodelay=on", qlfd);
	{
		char *qargv[] = { "qemu-system-x86_64", "-machine", "pc,accel=tcg",
			"-nodefaults", "-display", "none", "-no-reboot", "-m", "32",
			"-drive", drive, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
			"-S", "-chardev", chardev, "-gdb", "chardev:gdb0", NULL };
		qemu = spawn(qargv, false);
	}
	close(qlfd);
	lfd = listen_any(&pport);
	snprintf(target, sizeof target, "127.0.0.1:%d", pport);
	if (gdb) {
		FILE *f;
		int fd = mkstemp(script);

		if (fd < 0 || !(f = fdopen(fd, "w"))) {
			perror("stop-cost: script");
			exit(2);
		}
		fprintf(f, "set pagination off\ntarget remote %s\nbreak %s\n"
			"commands\nsilent\ncontinue\nend\ncontinue\n", target, BP_EXPR);
		fclose(f);
		{
			char *gargv[] = { "gdb", "-nx", "-batch", elf, "-x", script, NULL };
			dbg = spawn(gargv, true);
		}
	} else {
		char *cargv[] = { client, "attach", target, "--kernel", elf,
			"-ex", "break " BP_EXPR " if 0", "-ex", "continue", NULL };
		dbg = spawn(cargv, true);
	}
	{
		struct pollfd p = { lfd, POLLIN, 0 };

		if (poll(&p, 1, 30000) != 1) {
			fprintf(stderr, "stop-cost: %s did not connect\n", tool);
			exit(2);
		}
	}
	cfd = accept(lfd, NULL, NULL);
	close(lfd);
	qfd = connect_retry(qport, 10);
	if (cfd < 0 || qfd < 0) {
		if (waitpid(qemu, &st, WNOHANG) == qemu)
			fprintf(stderr, "stop-cost: qemu exited (status %d) before its "
				"gdbstub could be reached\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		else
			fprintf(stderr, "stop-cost: cannot connect the relay: %s\n",
				cfd < 0 ? "the debugger's connection" : "qemu's gdbstub");
		exit(2);
	}
	{
		int one = 1;

		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	relay(cfd, qfd, r);
	close(cfd);
	close(qfd);
	reap(dbg, 60);
	reap(qemu, 30);
	if (gdb)
		unlink(script);
	r->rate = r->n > 1 && r->last_resume > r->first_stop
		? (double)r->n / (r->last_resume - r->first_stop) : 0;
	r->median_ms = median(r->cost, r->n);
}

int main(int argc, char **argv)
{
	const char *tools[2] = { "gdbstub-client", "gdb" };
	int rounds = 5, i, t;
	char kit[4096];
	struct run *runs[2];
	double med[2][64], rate[2][64], mm[2], mr[2];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			printf("usage: bench/stop-cost [--rounds N]   (after make bench, from the top directory)\n"
			       "A breakpoint stop's cost to gdbstub-client and to gdb, side by side.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("stop-cost (qemu-boot-debug) %s\n", KIT_VERSION);
			return 0;
		}
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench/stop-cost [--rounds N]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > 64)
		rounds = 5;
	/* the kit's top directory: bench/.. of this program */
	snprintf(kit, sizeof kit, "%s", argv[0]);
	if (strrchr(kit, '/'))
		*strrchr(kit, '/') = '\0';
	else
		snprintf(kit, sizeof kit, ".");
	strncat(kit, "/..", sizeof kit - strlen(kit) - 1);
	signal(SIGPIPE, SIG_IGN);
	for (t = 0; t < 2; t++)
		runs[t] = calloc((size_t)rounds, sizeof *runs[t]);
	for (i = 0; i < rounds; i++) {
		for (t = 0; t < 2; t++) {   /* side by side: alternate */
			struct run *r = &runs[t][i];

			r->cost = malloc(MAX_STOPS * sizeof *r->cost);
			one_run(tools[t], kit, r);
			med[t][i] = r->median_ms;
			rate[t][i] = r->rate;
		}
	}
	for (t = 0; t < 2; t++) {
		mm[t] = median(med[t], (size_t)rounds);
		mr[t] = median(rate[t], (size_t)rounds);
	}
	printf("stop cost (stop reply -> resume sent), median of %d runs: "
	       "gdbstub-client %.3f ms, gdb %.3f ms: gdb/gdbstub-client = %.1fx; "
	       "loop rate %.0f vs %.0f stops/s (%.2fx)\n", rounds, mm[0], mm[1],
	       mm[0] > 0 ? mm[1] / mm[0] : 0, mr[0], mr[1], mr[1] > 0 ? mr[0] / mr[1] : 0);
	printf("%-16s %5s %8s %12s %12s\n", "tool", "run", "stops", "median ms", "stops/s");
	for (i = 0; i < rounds; i++)
		for (t = 0; t < 2; t++)
			printf("%-16s %5d %8zu %12.3f %12.0f\n", tools[t], i + 1,
			       runs[t][i].n, runs[t][i].median_ms, runs[t][i].rate);
	printf("(QEMU 7.2 TCG, test guest, breakpoint %s; each debug stop flushes "
	       "QEMU's translation cache, counted in the loop rate)\n", BP_EXPR);
	for (t = 0; t < 2; t++) {
		for (i = 0; i < rounds; i++)
			free(runs[t][i].cost);
		free(runs[t]);
	}
	return 0;
}
