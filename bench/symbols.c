/*
 * bench/symbols: how fast kernel-symbols loads and answers.
 *
 *   make bench && bench/symbols [BZIMAGE]     (default: the first /boot/vmlinuz-*)
 *
 * Prints the median of several runs of: a cold load of the bzImage
 * (decompress + decode, no cache, no discovery), a cached load (content
 * hash + cache file), parsing System.map-sized text (the same symbols
 * exported as a map), name -> address and address -> name lookups per
 * second, and export --format=elf (the kernel's sections and the symbols:
 * cold, with the symbols cached, and --no-code; KSYM_BENCH_NO_EXPORT=1
 * leaves it out).  The cache and the exports go to a temporary directory,
 * removed at the end.
 */
#include "clock.h"
#include "ksym.h"

#include <glob.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	return (double)kit_mono_ns() / 1e6;
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

static struct ksym_table *must_open(const char *path, unsigned flags);

/* The -dbg vmlinux to time, or NULL; BUF holds the path. */
static const char *find_vmlinux(const char *bz_version, char *buf, size_t bufsz)
{
	static const char *const roots[] = { "", "/tmp/dbg" };
	const char *env = getenv("KSYM_BENCH_VMLINUX");
	const char *versions[2];
	struct utsname u;
	struct stat st;
	size_t r, v;

	if (env && *env) {
		snprintf(buf, bufsz, "%s", env);
		return stat(buf, &st) || !S_ISREG(st.st_mode) ? NULL : buf;
	}
	versions[0] = uname(&u) ? "" : u.release;
	versions[1] = bz_version;
	for (r = 0; r < sizeof roots / sizeof roots[0]; r++)
		for (v = 0; v < 2; v++) {
			if (!versions[v][0])
				continue;
			snprintf(buf, bufsz, "%s/usr/lib/debug/boot/vmlinux-%s", roots[r], versions[v]);
			if (!stat(buf, &st) && S_ISREG(st.st_mode))
				return buf;
		}
	return NULL;
}

static void bench_vmlinux(const char *bz_version)
{
	char buf[1024];
	const char *path = find_vmlinux(bz_version, buf, sizeof buf);
	double v[21], dec[21], idx[21], t0;
	size_t n = 0;
	int r;

	if (!path) {
		printf("-dbg vmlinux:            skipped: no -dbg vmlinux%s%s%s\n",
		       getenv("KSYM_BENCH_VMLINUX") ? " at '" : "",
		       getenv("KSYM_BENCH_VMLINUX") ? getenv("KSYM_BENCH_VMLINUX") : "",
		       getenv("KSYM_BENCH_VMLINUX") ? "'" : " (set KSYM_BENCH_VMLINUX)");
		return;
	}
	ksym_free(must_open(path, KSYM_NO_CACHE | KSYM_NO_DISCOVER));  /* page cache */
	for (r = 0; r < 21; r++) {
		struct ksym_table *t;

		t0 = now_ms();
		t = must_open(path, KSYM_NO_CACHE | KSYM_NO_DISCOVER);
		v[r] = now_ms() - t0;
		dec[r] = t->ms_decode;
		idx[r] = t->ms_index;
		n = t->nsyms;
		ksym_free(t);
	}
	printf("-dbg vmlinux:            %s (%zu symbols)\n", path, n);
	printf("vmlinux load (no cache): %8.1f ms median of 21 (.symtab %.1f, index %.1f)\n",
	       median(v, 21), median(dec, 21), median(idx, 21));
}

/*
 * export --format=elf as the CLI does it: the symbols (CACHE: from the
 * cache, else decoded) and the decompressed payload (ksym_open_code, one
 * decompression at most), then the ELF with code into DIR, fsync'ed and
 * renamed as every export is.  CODE 0: the symbols-only ELF (--no-code).
 */
/* CPU time of the process, ms: on a host shared with other work the
 * wall time is mostly waiting for a core. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double time_export(const char *path, const char *dir, int cache, int code,
			  long long *bytes, double *cpu)
{
	struct kit_err e = { 0 };
	struct ksym_code *c = NULL;
	struct ksym_table *t;
	char file[256];
	struct stat st;
	double t0 = now_ms(), c0 = cpu_ms(), ms;
	unsigned flags = KSYM_NO_DISCOVER | (cache ? 0 : KSYM_NO_CACHE);

	snprintf(file, sizeof file, "%s/k.elf", dir);
	t = code ? ksym_open_code(path, flags, &c, &e) : ksym_open(path, flags, &e);
	if (!t || (code && !c) ||
	    (code ? ksym_export_elf_code(t, c, file, &e) : ksym_export_elf(t, file, &e))) {
		fprintf(stderr, "bench/symbols: export: %s\n", e.msg);
		exit(1);
	}
	ms = now_ms() - t0;
	*cpu = cpu_ms() - c0;
	ksym_code_free(c);
	ksym_free(t);
	*bytes = stat(file, &st) ? -1 : (long long)st.st_size;
	unlink(file);
	return ms;
}

static void bench_export(const char *path, const char *dir)
{
	double cold[5], warm[5], sym[5], ccold[5], cwarm[5], csym[5];
	long long size = 0, symsize = 0;
	int r;

	ksym_free(must_open(path, KSYM_NO_DISCOVER));   /* the cache, for warm */
	for (r = 0; r < 5; r++) {   /* interleaved: the host drifts */
		cold[r] = time_export(path, dir, 0, 1, &size, &ccold[r]);
		warm[r] = time_export(path, dir, 1, 1, &size, &cwarm[r]);
		sym[r] = time_export(path, dir, 1, 0, &symsize, &csym[r]);
	}
	printf("export --format=elf:     %8.1f ms cold (no cache; CPU %.1f ms), %.1f ms cached "
	       "symbols (CPU %.1f ms), median of 5; %.1f MB with code\n", median(cold, 5),
	       median(ccold, 5), median(warm, 5), median(cwarm, 5), (double)size / 1e6);
	printf("export --no-code:        %8.1f ms cached symbols (CPU %.1f ms), median of 5; %.1f MB\n",
	       median(sym, 5), median(csym, 5), (double)symsize / 1e6);
}

static struct ksym_table *must_open(const char *path, unsigned flags)
{
	struct kit_err e = { 0 };
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
	glob_t g = { 0 };
	uint64_t sink = 0, rnd = 88172645463325252ull;
	int r;

	if (path && !strcmp(path, "--help")) {
		printf("usage: bench/symbols [BZIMAGE]   (default: the first /boot/vmlinuz-*)\n"
		       "Symbol loading: cold, cached, and the lookups.\n");
		return 0;
	}
	if (path && !strcmp(path, "--version")) {
		printf("symbols (qemu-boot-debug) %s\n", KIT_VERSION);
		return 0;
	}
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
		struct kit_err e = { 0 };

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
	if (!getenv("KSYM_BENCH_NO_EXPORT"))
		bench_export(path, dir);
	bench_vmlinux(t->version);
	ksym_free(t);
	free(text);
	globfree(&g);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) ? 1 : 0;
}
