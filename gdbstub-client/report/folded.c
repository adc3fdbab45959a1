/*
 * folded.c: folded stacks for flamegraph.pl (and speedscope,
 * inferno): one "frame;frame;frame count" line per stack.
 *
 * Time (the default), counts in microseconds of guest time:
 *   firmware 2310000                  a phase without initcalls
 *   initcalls;core;fn 1234            an initcall, under its level
 *   initcalls;core 56                 the level's time outside its calls
 * Samples (--samples, and `sample --folded`), counts in samples
 * (prof_folded_sample):
 *   kernel;memset 120
 *   long64;kernel;memset 120          the CPU mode first, when recorded
 *   long64;kernel;kernel_init;do_one_initcall;memset 3
 *                                     `sample --callers`: the call stack
 *   decompressor 80                   a region without a symbol
 *   real;bios-rom;0xfe05b 2           one address only (`sample`)
 * Frames never hold ';', spaces, tabs or newlines (they become '_'), nor
 * other control characters or bytes that are not UTF-8 ("\xNN", see
 * prof_safe_char); lines with a zero count are left out.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void prof_folded_frame(FILE *out, const char *s)
{
	size_t n;

	while (*s) {
		if (*s == ';' || *s == ' ' || *s == '\n' || *s == '\t') {
			fputc('_', out);
			s++;
		} else if ((n = prof_safe_char(s))) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			fprintf(out, "\\x%02x", (unsigned char)*s++);
		}
	}
}

static long long to_us(int64_t ns)
{
	return llround((double)ns / 1e3);
}

static void time_folded(const struct prof_profile *p, FILE *out)
{
	size_t i, j;
	int k;

	for (i = 0; i < p->nphases; i++) {
		const struct prof_phase *ph = &p->phases[i];
		int64_t in_calls = 0;
		const char *level;

		if (strncmp(ph->id, "initcalls:", 10)) {
			if (to_us(ph->duration_ns) > 0) {
				prof_folded_frame(out, ph->id);
				fprintf(out, " %lld\n", to_us(ph->duration_ns));
			}
			continue;
		}
		level = ph->id + 10;
		for (j = 0; j < p->ninitcalls; j++) {
			const struct prof_initcall *ic = &p->initcalls[j];

			if (strcmp(ic->level, level))
				continue;
			in_calls += ic->duration_ns;
			if (to_us(ic->duration_ns) > 0) {
				fputs("initcalls;", out);
				prof_folded_frame(out, level);
				fputc(';', out);
				prof_folded_frame(out, ic->fn);
				fprintf(out, " %lld\n", to_us(ic->duration_ns));
			}
		}
		if (to_us(ph->duration_ns - in_calls) > 0) {
			fputs("initcalls;", out);
			prof_folded_frame(out, level);
			fprintf(out, " %lld\n", to_us(ph->duration_ns - in_calls));
		}
	}
	/* initcalls of levels the profile has no phase for */
	for (j = 0; j < p->ninitcalls; j++) {
		const struct prof_initcall *ic = &p->initcalls[j];
		char id[64];

		snprintf(id, sizeof id, "initcalls:%.50s", ic->level);
		if (prof_find_phase(p, id) || to_us(ic->duration_ns) <= 0)
			continue;
		k = prof_level_index(ic->level);
		fputs("initcalls;", out);
		prof_folded_frame(out, k >= 0 ? ic->level : "other");
		fputc(';', out);
		prof_folded_frame(out, ic->fn);
		fprintf(out, " %lld\n", to_us(ic->duration_ns));
	}
}

int prof_report_folded(const struct prof_profile *p,
		       const struct prof_report_opts *o, FILE *out,
		       struct kit_err *err)
{
	size_t i;

	if (!o->samples) {
		time_folded(p, out);
		return prof_out_check(out, err);
	}
	if (p->samples.rate_hz <= 0)
		return kit_seterr(err, PROF_EUSAGE, "%s: the profile holds no samples",
				  p->source ? p->source : "profile");
	for (i = 0; i < p->samples.n; i++) {
		const struct prof_sample *s = &p->samples.list[i];
		struct prof_sample_row r;

		if (!s->count)
			continue;
		memset(&r, 0, sizeof r);
		r.mode = s->mode;
		r.region = s->region;
		r.symbol = s->symbol;
		r.count = s->count;
		prof_folded_sample(out, &r);
	}
	return prof_out_check(out, err);
}

void prof_folded_sample(FILE *out, const struct prof_sample_row *r)
{
	size_t i;

	if (r->mode) {
		prof_folded_frame(out, r->mode);
		fputc(';', out);
	}
	prof_folded_frame(out, r->region ? r->region : "unknown");
	for (i = 0; r->symbol && i < r->ncallers; i++) {
		fputc(';', out);
		prof_folded_frame(out, r->callers[i]);
	}
	if (r->symbol) {
		fputc(';', out);
		prof_folded_frame(out, r->symbol);
	} else if (r->have_addr && r->lo == r->hi) {
		fprintf(out, ";0x%llx", (unsigned long long)r->lo);
	}
	fprintf(out, " %lld\n", (long long)r->count);
}

/* The name shown for a row: its symbol, else region and addresses. */
static void sample_place(const struct prof_sample_row *r, char *buf, size_t len)
{
	const char *region = r->region ? r->region : "unknown";

	if (r->symbol)
		snprintf(buf, len, "%s", r->symbol);
	else if (!r->have_addr)
		snprintf(buf, len, "[%s]", region);
	else if (r->lo == r->hi)
		snprintf(buf, len, "[%s] 0x%llx", region, (unsigned long long)r->lo);
	else
		snprintf(buf, len, "[%s] 0x%llx-0x%llx", region,
			 (unsigned long long)r->lo, (unsigned long long)r->hi);
}

void prof_sample_table(FILE *out, const struct prof_sample_row *rows,
		       size_t n, size_t top, int64_t total)
{
	size_t i, shown = n < top ? n : top;

	fprintf(out, "%4s %7s %8s  %-48s %s\n", "rank", "percent", "samples",
		"symbol/region", "mode");
	for (i = 0; i < shown; i++) {
		const struct prof_sample_row *r = &rows[i];
		char name[256];

		sample_place(r, name, sizeof name);
		fprintf(out, "%4zu %6.2f%% %8lld  %-48s %s\n", i + 1,
			total ? 100.0 * (double)r->count / (double)total : 0.0,
			(long long)r->count, name, r->mode ? r->mode : "unknown");
	}
	if (n > shown)
		fprintf(out, "(%zu more)\n", n - shown);
}
