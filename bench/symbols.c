/*
 * bench/symbols: how fast kernel-symbols loads and answers.
 *
 *   make bench && bench/symbols [BZIMAGE]     (default: the first /boot/vmlinuz-*)
 *
 * Prints the median of several runs of: a cold load of the bzImage
 * (decompress + decode, no cache, no discovery), a cached load (content
 * hash + cache file), parsing System.map-sized text (the same symbols
 * exported as a map), and name -> address and address -> name lookups per
 * second.  The cache goes to a temporary XDG_CACHE_HOME, removed at the end.
 */
#include "ksym.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct ksym_table *must_open(const char *path, unsigned flags)
{
	struct kit_err e = { 0, "" };
	struct ksym_table *t = ksym_open(path, flags, &e);

	if (!t) {
		fprintf(stderr, "bench/symbols: %s\n", e.msg);
		exit(1);
	}
	return t;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/bench-ksym-XXXXXX", cmd[128];
	const char *path = argc > 1 ? argv[1] : NULL;
	double v[32], t0;
	struct ksym_table *t, *m;
	char *text = NULL;
	size_t textlen = 0, i, n;
	FILE *f;
	glob_t g;
	uint64_t sink = 0, rnd = 88172645463325252ull;
	int r;

	if (!path) {
		if (glob("/boot/vmlinuz-*", 0, NULL, &g) || !g.gl_pathc) {
			fprintf(stderr, "bench/symbols: no /boot/vmlinuz-*; give a bzImage\n");
			return 1;
		}
		path = g.gl_pathv[0];
	}
	if (!mkdtemp(dir))
		return 1;
	setenv("XDG_CACHE_HOME", dir, 1);

	for (r = 0; r < 5; r++) {
		t0 = now_ms();
		t = must_open(path, KSYM_NO_CACHE | KSYM_NO_DISCOVER);
		v[r] = now_ms() - t0;
		n = t->nsyms;
		ksym_free(t);
	}
	printf("kernel:                  %s (%zu symbols)\n", path, n);
	printf("cold load (no cache):    %8.1f ms median of 5\n", median(v, 5));

	ksym_free(must_open(path, KSYM_NO_DISCOVER));   /* fill the cache */
	for (r = 0; r < 21; r++) {
		t0 = now_ms();
		t = must_open(path, KSYM_NO_DISCOVER);
		v[r] = now_ms() - t0;
		if (t->source != KSYM_SRC_CACHE) {
			fprintf(stderr, "bench/symbols: the cache was not used\n");
			return 1;
		}
		if (r < 20)
			ksym_free(t);
	}
	printf("cached load:             %8.2f ms median of 21\n", median(v, 21));

	f = open_memstream(&text, &textlen);
	ksym_export_map(t, f, NULL);
	fclose(f);
	for (r = 0; r < 11; r++) {
		struct kit_err e = { 0, "" };

		t0 = now_ms();
		m = ksym_load_map(text, textlen, &e);
		v[r] = now_ms() - t0;
		ksym_free(m);
	}
	printf("System.map text (%.1f MB): %6.1f ms median of 11\n", (double)textlen / 1e6, median(v, 11));

	for (r = 0; r < 7; r++) {
		size_t k, iters = 1000000;

		t0 = now_ms();
		for (k = 0; k < iters; k++) {
			rnd ^= rnd << 13; rnd ^= rnd >> 7; rnd ^= rnd << 17;
			sink += ksym_addr(t, ksym_name(t, &t->syms[rnd % t->nsyms]));
		}
		v[r] = (double)iters / ((now_ms() - t0) / 1e3);
	}
	printf("name -> address:         %8.2f M lookups/s median of 7\n", median(v, 7) / 1e6);
	for (r = 0; r < 7; r++) {
		size_t k, iters = 1000000;
		uint64_t lo = t->text_start, span = 0x2000000, off;

		t0 = now_ms();
		for (k = 0; k < iters; k++) {
			rnd ^= rnd << 13; rnd ^= rnd >> 7; rnd ^= rnd << 17;
			sink += ksym_lookup_addr(t, lo + rnd % span, &off) != NULL;
		}
		v[r] = (double)iters / ((now_ms() - t0) / 1e3);
	}
	printf("address -> name+off:     %8.2f M lookups/s median of 7\n", median(v, 7) / 1e6);
	for (i = 0; i < 1; i++)
		if (!sink)
			printf("(no lookups hit)\n");
	ksym_free(t);
	free(text);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) ? 1 : 0;
}
