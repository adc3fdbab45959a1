/*
 * test-prof-memory: a profile's "memory" (qemu's peak RSS, the guest's
 * meminfo points): JSON out and back in, free(1)'s columns, the loader's
 * messages for bad fields, random damage to the object (never a crash, an
 * error or a profile), the series of several runs and compare's marks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "internal.h"
#include "tap.h"

#define HEAD "{\"version\":1,\"complete\":true,\"phases\":[],\"initcalls\":[]," \
	"\"stops\":{\"count\":0,\"debug_stops\":0,\"interrupt_stops\":0," \
	"\"client_ns\":0,\"median_ns\":0,\"p95_ns\":0},"

static struct prof_profile *with_memory(int64_t rss, int64_t used_kb)
{
	struct prof_profile *p = prof_new();
	struct prof_mem_point pt;

	memset(&pt, 0xff, sizeof pt);   /* every figure -1: unknown */
	p->memory.qemu_peak_rss_kb = rss;
	pt.at = "userspace";
	pt.t_ns = 5000000000;
	pt.total_kb = 468416;
	pt.free_kb = 439576;
	pt.available_kb = 468416 - used_kb;
	pt.page_cache_kb = 1940;
	pt.slab_reclaimable_kb = 8684;
	pt.slab_unreclaimable_kb = 5764;
	pt.kernel_stack_kb = 720;
	pt.page_tables_kb = 40;
	pt.shmem_kb = 1932;
	prof_add_mem_point(p, &pt, NULL);
	pt.at = NULL;   /* "read" */
	pt.t_ns = 6000000000;
	prof_add_mem_point(p, &pt, NULL);
	return p;
}

static void test_round_trip(void)
{
	struct prof_profile *p = with_memory(204780, 29296), *q;
	struct prof_mem_free f;
	struct kit_err err = { 0 };
	char *j = prof_json_text(p, NULL);

	ok(j && strstr(j, "\"peak_rss_kb\": 204780"), "peak RSS written");
	ok(j && !strstr(j, "\"buffers_kb\""), "an unknown figure is left out");
	q = j ? prof_parse(j, strlen(j), "x.json", &err) : NULL;
	ok(q, "read back");
	if (q) {
		is_int(q->memory.qemu_peak_rss_kb, 204780, "peak RSS read back");
		is_int(q->memory.npoints, 2, "both points");
		is_str(q->memory.points[1].at, "read", "a point without a name is a read");
		is_int(q->memory.points[0].buffers_kb, -1, "unknown stays unknown");
		ok(prof_mem_find(q, "userspace") == &q->memory.points[0], "found by name");
		prof_mem_free_of(&q->memory.points[0], &f);
		is_int(f.used, 29296, "used = total - available");
		is_int(f.buff_cache, 1940 + 8684, "buff/cache = Buffers + Cached + SReclaimable");
		is_int(f.slab, 8684 + 5764, "slab");
		is_int(f.kernel, 8684 + 5764 + 720 + 40, "kernel: slab, stacks, page tables");
		is_int(f.shared, 1932, "shared = Shmem");
	}
	free(j);
	prof_free(q);
	prof_free(p);
}

static void expect_bad(const char *memory, const char *msg, const char *name)
{
	char buf[2048];
	struct kit_err err = { 0 };
	struct prof_profile *p;

	snprintf(buf, sizeof buf, HEAD "\"memory\":%s}", memory);
	p = prof_parse(buf, strlen(buf), "x.json", &err);
	ok(!p, name);
	is_int(err.code, PROF_ESCHEMA, name);
	is_str(err.msg, msg, name);
	prof_free(p);
}

static void test_bad(void)
{
	expect_bad("[]", "x.json: 'memory' must be an object", "memory not an object");
	expect_bad("{\"qemu\":{\"peak_rss_kb\":-1}}",
		   "x.json: 'memory.qemu.peak_rss_kb' must not be negative", "negative RSS");
	expect_bad("{\"qemu\":{\"peak_rss_kb\":\"1\"}}",
		   "x.json: 'memory.qemu.peak_rss_kb' must be an integer", "RSS a string");
	expect_bad("{\"qemu\":{\"peak_rss_kb\":1125899906842625}}",
		   "x.json: 'memory.qemu.peak_rss_kb' is out of range", "RSS past 2^50 KiB");
	expect_bad("{\"guest\":{}}", "x.json: 'memory.guest' must be an array", "guest not an array");
	expect_bad("{\"guest\":[{\"t_ns\":1,\"total_kb\":1}]}",
		   "x.json: 'memory.guest[0].at' is missing", "a point without at");
	expect_bad("{\"guest\":[{\"at\":\"end\",\"total_kb\":1}]}",
		   "x.json: 'memory.guest[0].t_ns' is missing", "a point without a time");
	expect_bad("{\"guest\":[{\"at\":\"end\",\"t_ns\":1}]}",
		   "x.json: 'memory.guest[0].total_kb' is missing", "a point without a total");
	expect_bad("{\"guest\":[{\"at\":\"end\",\"t_ns\":1,\"total_kb\":0}]}",
		   "x.json: 'memory.guest[0].total_kb' must be above 0", "a total of 0");
	expect_bad("{\"guest\":[{\"at\":\"end\",\"t_ns\":1,\"total_kb\":5,\"free_kb\":-3}]}",
		   "x.json: 'memory.guest[0].free_kb' must not be negative", "negative free");
	expect_bad("{\"guest\":[{\"at\":\"end\",\"t_ns\":9007199254740993,\"total_kb\":5}]}",
		   "x.json: 'memory.guest[0].t_ns' is out of range (more than 2^53 ns, 104 days)",
		   "a time past 2^53");
	expect_bad("{\"guest\":[1]}", "x.json: 'memory.guest[0]' must be an object",
		   "a point not an object");
}

/* Random bytes written over the memory object: an error or a profile,
 * never a crash (the sanitizers say what a wrong read would be). */
static void test_fuzz(void)
{
	const char *good = HEAD "\"memory\":{\"qemu\":{\"peak_rss_kb\":204780,\"user_us\":5,"
		"\"source\":\"wait4\"},\"guest\":[{\"at\":\"userspace\",\"t_ns\":5,"
		"\"total_kb\":468416,\"free_kb\":439576,\"page_cache_kb\":1940}]}}";
	size_t len = strlen(good), at0 = strstr(good, "\"memory\"") - good, n, k;
	char *buf = malloc(len + 1);
	unsigned parsed = 0, refused = 0;
	static const char alphabet[] = "{}[]\":,-0123456789ae \\x";

	srand(7);
	for (n = 0; n < 20000; n++) {
		struct kit_err err = { 0 };
		struct prof_profile *p;

		memcpy(buf, good, len + 1);
		for (k = 0; k < 1 + (size_t)rand() % 4; k++)
			buf[at0 + (size_t)rand() % (len - at0 - 1)] =
				alphabet[(size_t)rand() % (sizeof alphabet - 1)];
		p = prof_parse(buf, len, "f.json", &err);
		if (p) {
			parsed++;
			prof_free(p);
		} else {
			refused += err.msg[0] != '\0';
		}
	}
	free(buf);
	is_int(parsed + refused, 20000, "20000 damaged objects: each parsed or refused with a message");
}

static void test_runs(void)
{
	struct prof_profile *a[3] = { with_memory(200000, 29000), with_memory(201000, 29100),
				      with_memory(199000, 28900) };
	struct prof_profile *b[3] = { with_memory(300000, 29050), with_memory(301000, 28950),
				      with_memory(299000, 29000) };
	struct prof_runs ra, rb;
	const struct prof_series *s;
	struct prof_compare_opts o = { 0 };
	char out[8192];
	FILE *f;
	size_t i;

	is_int(prof_runs_build(&ra, a, 3, 0, NULL), 0, "runs A");
	is_int(prof_runs_build(&rb, b, 3, 0, NULL), 0, "runs B");
	s = prof_runs_find(&ra, "mem:qemu:peak_rss");
	ok(s && s->kind == PROF_SERIES_MEMORY && s->st.n == 3, "peak RSS: a memory series");
	ok(s && fabs(s->st.mean - 200000) < 1e-6 && fabs(s->st.sd - 1000) < 1e-6,
	   "its mean and sample SD");
	s = prof_runs_find(&ra, "mem:userspace:used");
	ok(s && fabs(s->st.mean - 29000) < 1e-6, "used at userspace");
	f = fmemopen(out, sizeof out, "w");
	prof_memory_compare_text(&ra, &rb, &o, f);
	fclose(f);
	/* 200000 -> 300000 KiB: +50 %, p tiny: marked; used: +0.2 %: not */
	ok(strstr(out, "MORE    qemu peak RSS") != NULL, "peak RSS +50%: marked MORE");
	ok(strstr(out, "        guest used at userspace") != NULL, "used +0.2%: not marked");
	ok(strstr(out, "+50.0%") != NULL, "the change in percent");
	prof_runs_free(&ra);
	prof_runs_free(&rb);
	for (i = 0; i < 3; i++) {
		prof_free(a[i]);
		prof_free(b[i]);
	}
}

int main(void)
{
	test_round_trip();
	test_bad();
	test_fuzz();
	test_runs();
	return tap_done();
}
