/*
 * test-prof-report: the profile model without files: builders, JSON out
 * and back in, the loader's error messages, the stops summary, runs with
 * warm-up, and compare's marking.  The reports' text is checked by the
 * golden files of tests/t5100-report.bats.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "tap.h"

#define MS 1000000LL

static char *to_json(const struct prof_profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (prof_write_json(p, f, NULL)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

/* A boot with an initcall of the given length, for runs and compare. */
static struct prof_profile *boot(int64_t fw_ms, int64_t slow_us)
{
	struct prof_profile *p = prof_new();
	struct prof_initcall ic = { 0 };

	prof_add_phase(p, "qemu", -10 * MS, 10 * MS, NULL);
	prof_add_phase(p, "firmware", 0, fw_ms * MS, NULL);
	prof_add_phase(p, "initcalls:device", fw_ms * MS, 30 * MS, NULL);
	prof_add_phase(p, "userspace-start", (fw_ms + 30) * MS, 5 * MS, NULL);
	ic.fn = "steady_init";
	ic.level = "device";
	ic.start_ns = fw_ms * MS;
	ic.duration_ns = 10 * MS;
	prof_add_initcall(p, &ic, NULL);
	ic.fn = "slow_init";
	ic.order = 1;
	ic.start_ns += 10 * MS;
	ic.duration_ns = slow_us * 1000;
	prof_add_initcall(p, &ic, NULL);
	p->end_ns = (fw_ms + 35) * MS;
	return p;
}

static void expect_error(const char *json, int code, const char *msg,
			 const char *name)
{
	struct kit_err err = { 0 };
	struct prof_profile *p = prof_parse(json, strlen(json), "x.json", &err);

	ok(!p, name);
	prof_free(p);
	is_int(err.code, code, name);
	is_str(err.msg, msg, name);
}

int main(void)
{
	struct prof_profile *p = prof_new(), *q, *runs[4], *ga[3], *gb[3];
	struct prof_initcall ic = { 0 };
	struct kit_err err = { 0 };
	struct prof_runs ra, rb;
	struct prof_comparison cmp;
	struct prof_compare_opts co = { 0 };
	const struct prof_series *s;
	char *j1, *j2;
	size_t i;
	int found;

	/* builders and a round trip */
	ok(!prof_add_phase(p, "qemu", -300 * MS, 300 * MS, &err), "add qemu phase");
	ok(!prof_add_phase(p, "firmware", 0, 1400 * MS, &err), "add firmware");
	ok(!prof_add_phase(p, "newfangled", 1400 * MS, 1 * MS, &err),
	   "an unknown phase id is kept");
	is_str(p->phases[1].label, "firmware (SeaBIOS)", "label from the id");
	is_str(p->phases[2].label, "newfangled", "unknown id is its own label");
	ok(prof_add_phase(p, "bad", 0, -1, &err) && err.code == PROF_EUSAGE,
	   "negative duration refused");
	ic.fn = "acpi_init";
	ic.level = "subsys";
	ic.module = "acpi";
	ic.ret = -19;
	ic.has_ret = 1;
	ic.sync = 1;
	ic.start_ns = 1401 * MS;
	ic.duration_ns = 180 * MS;
	ok(!prof_add_initcall(p, &ic, &err), "add initcall");
	ok(!prof_add_stop(p, PROF_STOP_DEBUG, 100, 300, &err), "stop 1");
	ok(!prof_add_stop(p, PROF_STOP_DEBUG, 400, 500, &err), "stop 2");
	ok(!prof_add_stop(p, PROF_STOP_INTERRUPT, 600, 1000, &err), "stop 3");
	ok(prof_add_stop(p, PROF_STOP_DEBUG, 10, 5, &err), "resume before report refused");
	prof_stops_summarize(&p->stops);
	is_int(p->stops.count, 3, "stops counted");
	is_int(p->stops.debug_stops, 2, "debug stops");
	is_int(p->stops.interrupt_stops, 1, "interrupt stops");
	is_int(p->stops.client_ns, 700, "client time summed");
	is_int(p->stops.median_ns, 200, "median of 100, 200, 400");
	is_int(p->stops.p95_ns, 400, "p95 (nearest rank)");
	ok(!prof_add_sample(p, "kernel", "memset", 12, &err), "add sample");
	ok(!prof_add_sample(p, "bios-rom", NULL, 40, &err), "add region sample");
	p->samples.rate_hz = 99.5;
	ok(!prof_set_incomplete(p, "guest died", &err), "mark incomplete");
	prof_set_str(&p->env.qemu, "/usr/bin/qemu-system-x86_64", NULL);
	prof_set_str(&p->env.cmdline, "console=ttyS0 \"quoted\" a/b", NULL);
	p->end_ns = 1581 * MS;

	j1 = to_json(p);
	ok(j1 != NULL, "written as JSON");
	q = j1 ? prof_parse(j1, strlen(j1), "mem.json", &err) : NULL;
	ok(q != NULL, "read back");
	if (!q)
		printf("#   %s\n", err.msg);
	j2 = q ? to_json(q) : NULL;
	ok(j1 && j2 && !strcmp(j1, j2), "JSON -> model -> JSON is identical");
	if (q) {
		is_int(q->complete, 0, "incomplete survives");
		is_str(q->incomplete_reason, "guest died", "reason survives");
		is_int(q->phases[0].start_ns, -300 * MS, "negative start (qemu)");
		is_str(q->initcalls[0].module, "acpi", "module");
		is_int(q->initcalls[0].ret, -19, "ret");
		is_int(q->initcalls[0].sync, 1, "sync");
		is_int(q->stops.nlist, 3, "stop list");
		is_int(q->stops.list[2].kind, PROF_STOP_INTERRUPT, "stop kind");
		ok(q->samples.rate_hz == 99.5, "fractional sample rate");
		is_str(q->samples.list[1].symbol, NULL, "region sample has no symbol");
		is_str(q->env.cmdline, "console=ttyS0 \"quoted\" a/b", "escaping");
		is_str(q->source, "mem.json", "source name");
		is_int(prof_userspace_ns(q), -1, "no userspace reached");
		is_int(prof_qemu_ns(q), 300 * MS, "qemu time");
	}
	free(j1);
	free(j2);
	prof_free(q);
	prof_free(p);

	/* the loader's errors: one line, the file, the field */
	expect_error("{\"version\": 1,\n \"complete\": tru }", PROF_EJSON,
		     "x.json: not valid JSON at line 2: boolean expected",
		     "malformed JSON names the line");
	expect_error("{\"version\": 1, \"complete\": true", PROF_EJSON,
		     "x.json: not valid JSON at line 1: unexpected end of file",
		     "truncated JSON");
	expect_error("{\"version\": 1} {}", PROF_EJSON,
		     "x.json: not valid JSON at line 1: text after the end",
		     "trailing text");
	expect_error("", PROF_EJSON,
		     "x.json: not valid JSON at line 1: unexpected end of file",
		     "empty file");
	expect_error("[1, 2]", PROF_ESCHEMA,
		     "x.json: not a profile (the top level is not an object)",
		     "array at the top");
	expect_error("{\"complete\": true}", PROF_EVERSION,
		     "x.json: not a profile (no integer 'version')", "no version");
	expect_error("{\"version\": 2, \"complete\": true, \"phases\": [], \"initcalls\": []}",
		     PROF_EVERSION,
		     "x.json: profile schema version 2 is not supported (this build reads version 1)",
		     "a newer version");
	expect_error("{\"version\": 1, \"complete\": true, \"phases\": [], \"initcalls\": ["
		     "{\"fn\": \"a\", \"level\": \"core\", \"start_ns\": 0, \"duration_ns\": 1},"
		     "{\"fn\": \"b\", \"level\": \"core\", \"start_ns\": 0, \"duration_ns\": 1.5}]}",
		     PROF_ESCHEMA,
		     "x.json: 'initcalls[1].duration_ns' must be an integer",
		     "wrong type names the path");
	expect_error("{\"version\": 1, \"complete\": true, \"initcalls\": []}",
		     PROF_ESCHEMA, "x.json: 'phases' is missing", "missing array");
	expect_error("{\"version\": 1, \"complete\": true, \"initcalls\": [], \"phases\": ["
		     "{\"id\": \"qemu\", \"start_ns\": 0, \"duration_ns\": -5}]}",
		     PROF_ESCHEMA, "x.json: 'phases[0].duration_ns' must not be negative",
		     "negative duration");
	expect_error("{\"version\": 1, \"complete\": true, \"phases\": [], \"initcalls\": [],"
		     "\"stops\": {\"count\": 1, \"debug_stops\": 1, \"interrupt_stops\": 0,"
		     "\"client_ns\": 5, \"list\": [{\"kind\": \"weird\", \"reported_ns\": 1, \"resumed_ns\": 2}]}}",
		     PROF_ESCHEMA,
		     "x.json: 'stops.list[0].kind' must be \"debug\" or \"interrupt\"",
		     "bad stop kind");
	j1 = "{\"version\": 1, \"complete\": false, \"phases\": [], "
	     "\"initcalls\": [], \"future_field\": {\"x\": 1}}";
	q = prof_parse(j1, strlen(j1), NULL, &err);
	ok(q && !q->complete && !strcmp(q->incomplete_reason, "reason not recorded"),
	   "unknown fields ignored; a missing reason is filled in");
	prof_free(q);
	q = prof_load("/nonexistent/p.json", &err);
	ok(!q && err.code == ENOENT, "missing file: ENOENT");
	is_str(err.msg, "cannot read '/nonexistent/p.json': No such file or directory",
	       "missing file message");

	/* runs: warm-up discarded, incomplete left out */
	runs[0] = boot(3000, 5000);
	runs[1] = boot(1000, 5000);
	runs[2] = boot(1010, 5000);
	runs[3] = boot(990, 5000);
	ok(!prof_runs_build(&ra, runs, 4, 1, &err), "runs with --warmup 1");
	is_int(ra.n, 3, "three runs kept");
	is_int(ra.discarded, 1, "one discarded");
	s = prof_runs_find(&ra, "firmware");
	ok(s && fabs(s->st.mean - 1000 * MS) < 1 && fabs(s->st.sd - 10 * MS) < 1,
	   "firmware mean 1000 ms, sd 10 ms without the warm-up run");
	ok(s && s->st.min == 990 * MS && s->st.max == 1010 * MS, "min and max");
	s = prof_runs_find(&ra, "total:userspace");
	ok(s && fabs(s->st.mean - 1045 * MS) < 1, "boot to userspace total");
	s = prof_runs_find(&ra, "level:device");
	ok(s && fabs(s->st.mean - 15 * MS) < 1, "level sums its initcalls");
	prof_runs_free(&ra);
	ok(prof_runs_build(&ra, runs, 4, 4, &err) && err.code == PROF_EUSAGE,
	   "--warmup of every run is an error");
	prof_set_incomplete(runs[3], "connection dropped", NULL);
	ok(!prof_runs_build(&ra, runs, 4, 1, &err) && ra.n == 2 && ra.incomplete == 1,
	   "an incomplete run is left out");
	prof_runs_free(&ra);
	for (i = 0; i < 4; i++)
		prof_free(runs[i]);

	/* compare: slow_init triples in B, steady_init does not move */
	for (i = 0; i < 3; i++) {
		ga[i] = boot(1000 + (int64_t)i, 5000 + (int64_t)i * 10);
		gb[i] = boot(1001 - (int64_t)i, 15000 + (int64_t)i * 10);
	}
	prof_runs_build(&ra, ga, 3, 0, NULL);
	prof_runs_build(&rb, gb, 3, 0, NULL);
	co.threshold_pct = 5;
	ok(!prof_compare(&ra, &rb, &co, &cmp, &err), "compare");
	found = 0;
	for (i = 0; i < cmp.n; i++) {
		const struct prof_series *x = cmp.c[i].a;

		if (!x)
			continue;
		if (!strcmp(x->key, "fn:slow_init")) {
			found |= 1;
			is_int(cmp.c[i].mark, 1, "slow_init marked slower");
			ok(cmp.c[i].w.p < 0.001, "slow_init: small p");
		}
		if (!strcmp(x->key, "fn:steady_init")) {
			found |= 2;
			is_int(cmp.c[i].mark, 0, "steady_init not marked");
		}
		if (!strcmp(x->key, "firmware")) {
			found |= 4;
			is_int(cmp.c[i].mark, 0, "firmware within noise");
		}
	}
	is_int(found, 7, "all three series compared");
	ok(cmp.n > 0 && cmp.c[0].a->kind == PROF_SERIES_TOTAL, "totals ranked first");
	prof_comparison_free(&cmp);
	prof_runs_free(&ra);
	prof_runs_free(&rb);
	for (i = 0; i < 3; i++) {
		prof_free(ga[i]);
		prof_free(gb[i]);
	}
	return tap_done();
}
