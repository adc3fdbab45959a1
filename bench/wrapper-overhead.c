/*
 * bench/wrapper-overhead: what qemu-wrapper adds to a probe.  Runs
 * "qemu -version" and "qemu-wrapper -version" alternately (interleaved, so
 * drift in machine load hits both alike), stdout to /dev/null, and prints
 * the median wall time of each, the median of the per-round ratios, and the
 * milliseconds added: each the median of the per-round differences (a
 * difference of two medians can even come out negative, or larger than
 * the whole it is a part of, on a noisy host).  Goal: ratio <= 1.02.
 *
 *   bench/wrapper-overhead [RUNS] [WRAPPER] [QEMU]
 */
#include "clock.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	return (double)kit_mono_ns() / 1e6;
}

/* wall time of one run of PROG -version, in ms; -1 on failure */
static double run_once(const char *prog)
{
	double t0 = now_ms();
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, 1);
			close(null);
		}
		execl(prog, prog, "-version", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return now_ms() - t0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 101, i;
	const char *wrapper = argc > 2 ? argv[2] : "wrapper/qemu-wrapper";
	const char *qemu = argc > 3 ? argv[3] : "/usr/bin/qemu-system-x86_64";
	const char *floor_prog = argc > 4 ? argv[4] : "bench/exec-floor";
	double *tq, *tw, *tf, *ratio, *fratio, *dwq, *dfq, *dwf, mq, mw, mf;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("usage: bench/wrapper-overhead [RUNS] [WRAPPER] [QEMU] [FLOOR]\n"
		       "qemu -version through the wrapper against the real qemu, interleaved.\n");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("wrapper-overhead (qemu-boot-debug) %s\n", KIT_VERSION);
		return 0;
	}
	if (runs < 3) {
		fprintf(stderr, "wrapper-overhead: RUNS must be at least 3\n");
		return 2;
	}
	unsetenv("QEMU_WRAPPER_LOG");
	setenv("EXEC_FLOOR_TARGET", qemu, 1);
	tq = calloc((size_t)runs, sizeof *tq);
	tw = calloc((size_t)runs, sizeof *tw);
	tf = calloc((size_t)runs, sizeof *tf);
	ratio = calloc((size_t)runs, sizeof *ratio);
	fratio = calloc((size_t)runs, sizeof *fratio);
	dwq = calloc((size_t)runs, sizeof *dwq);
	dfq = calloc((size_t)runs, sizeof *dfq);
	dwf = calloc((size_t)runs, sizeof *dwf);
	if (!tq || !tw || !tf || !ratio || !fratio || !dwq || !dfq || !dwf)
		return 1;
	/* warm the page cache for all three */
	if (run_once(qemu) < 0 || run_once(wrapper) < 0 ||
	    run_once(floor_prog) < 0) {
		fprintf(stderr, "wrapper-overhead: cannot run '%s', '%s' or '%s' "
			"-version\n", qemu, wrapper, floor_prog);
		return 1;
	}
	for (i = 0; i < runs; i++) {
		/* rotate the order, so none always follows another */
		switch (i % 3) {
		case 0:
			tq[i] = run_once(qemu);
			tw[i] = run_once(wrapper);
			tf[i] = run_once(floor_prog);
			break;
		case 1:
			tw[i] = run_once(wrapper);
			tf[i] = run_once(floor_prog);
			tq[i] = run_once(qemu);
			break;
		default:
			tf[i] = run_once(floor_prog);
			tq[i] = run_once(qemu);
			tw[i] = run_once(wrapper);
			break;
		}
		if (tq[i] < 0 || tw[i] < 0 || tf[i] < 0) {
			fprintf(stderr, "wrapper-overhead: a run failed\n");
			return 1;
		}
		ratio[i] = tw[i] / tq[i];
		fratio[i] = tf[i] / tq[i];
		dwq[i] = tw[i] - tq[i];
		dfq[i] = tf[i] - tq[i];
		dwf[i] = tw[i] - tf[i];
	}
	printf("wrapper-overhead: %d interleaved rounds of '-version'\n", runs);
	printf("  qemu:       %s\n  wrapper:    %s\n  exec floor: %s\n",
	       qemu, wrapper, floor_prog);
	mq = median(tq, runs);
	mw = median(tw, runs);
	mf = median(tf, runs);
	printf("  median qemu -version:            %8.2f ms\n", mq);
	printf("  median wrapper -version:         %8.2f ms\n", mw);
	printf("  median exec-floor -version:      %8.2f ms\n", mf);
	printf("  wrapper/qemu, median of ratios:  %8.4f   (goal <= 1.02)\n",
	       median(ratio, runs));
	printf("  floor/qemu, median of ratios:    %8.4f   (one more execve)\n",
	       median(fratio, runs));
	/* medians of the per-round differences: three separate figures, not
	 * parts of one another */
	printf("  wrapper - qemu, median of pairs: %8.2f ms   (added by the wrapper)\n",
	       median(dwq, runs));
	printf("  floor - qemu, median of pairs:   %8.2f ms   (one more execve)\n",
	       median(dfq, runs));
	printf("  wrapper - floor, median of pairs:%8.2f ms   (the wrapper's own work)\n",
	       median(dwf, runs));
	free(tq);
	free(tw);
	free(tf);
	free(ratio);
	free(fratio);
	free(dwq);
	free(dfq);
	free(dwf);
	return 0;
}
