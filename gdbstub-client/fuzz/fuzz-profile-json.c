/*
 * fuzz-profile-json.c: libFuzzer target for the profile JSON reader
 * (prof_parse, "make fuzz").  A profile the reader accepts goes through
 * everything the reports do with one: every report format (to /dev/null),
 * the statistics of two runs of it and their comparison, and a round trip:
 * what prof_write_json writes must read back to the same JSON, or the
 * reader lets through something the writer cannot keep (abort).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reports(struct prof_profile *p, FILE *out)
{
	struct prof_report_opts o = { .color = 1, .top = 5 };
	struct prof_compare_opts co = { 0 };
	struct prof_profile *two[2] = { p, p };
	struct prof_runs ra, rb;
	struct prof_comparison cmp = { 0 };

	prof_report_text(p, &o, out, NULL);
	prof_report_svg(p, &o, out, NULL);
	prof_report_folded(p, &o, out, NULL);
	o.samples = 1;
	prof_report_folded(p, &o, out, NULL);
	prof_report_trace(two, 2, out, NULL);
	if (prof_runs_build(&ra, two, 2, 0, NULL))
		return;
	if (!prof_runs_build(&rb, two, 1, 0, NULL)) {
		prof_report_text_runs(&ra, &o, out, NULL);
		prof_report_json_runs(&ra, out, NULL);
		if (!prof_compare(&ra, &rb, &co, &cmp, NULL)) {
			prof_report_compare(&ra, &rb, &cmp, &co, out, NULL);
			co.json = 1;
			prof_report_compare(&ra, &rb, &cmp, &co, out, NULL);
		}
		prof_comparison_free(&cmp);
		prof_runs_free(&rb);
	}
	prof_runs_free(&ra);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct kit_err e = { 0 };
	struct prof_profile *p, *q;
	char *j1, *j2;
	size_t n1, n2;

	if (!null && !(null = fopen("/dev/null", "w")))
		abort();
	p = prof_parse((const char *)data, size, "fuzz.json", &e);
	if (!p)
		return 0;
	reports(p, null);
	clearerr(null);
	if (!(j1 = prof_json_text(p, &n1)))
		abort();
	q = prof_parse(j1, n1, "round-trip.json", &e);
	if (!q) {
		fprintf(stderr, "round trip refused: %s\n%s\n", e.msg, j1);
		abort();
	}
	if (!(j2 = prof_json_text(q, &n2)) || n1 != n2 || memcmp(j1, j2, n1)) {
		fprintf(stderr, "round trip differs:\n%s\n---\n%s\n", j1,
			j2 ? j2 : "(none)");
		abort();
	}
	free(j1);
	free(j2);
	prof_free(q);
	prof_free(p);
	return 0;
}
