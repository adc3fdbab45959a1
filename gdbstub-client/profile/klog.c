/*
 * klog.c: --initcalls=klog, the initcalls timed by the kernel itself.
 *
 * What.  The kernel can report every initcall it runs (initcall_debug:
 * "calling  FN+0x0/0x.. @ PID" before, "initcall FN+0x0/0x.. returned R
 * after N usecs" after, KERN_DEBUG records in its printk ring).  The
 * recorder turns that on without touching the command line, by writing 1
 * into the kernel's `initcall_debug` at start_kernel's stop, before
 * start_kernel tests it (after parse_args(), to register its tracepoint
 * probes: initcall_debug_enable(); Debian's 5.10, 6.1 and 6.12 alike, as
 * tests/t5330 shows on each).  It then reads the new records out of guest
 * memory (linux/: the ring's layout from the image's BTF) at every stop,
 * and at interrupt stops while the guest runs, which flush nothing under
 * TCG: the initcalls run as fast as in a boot without a debugger, and
 * their figures are the kernel's own.  Breakpoints only for the
 * milestones, so a whole boot makes a handful of debug stops.
 *
 * How.  The interrupt stops come at an interval that adapts to how fast
 * the log fills (REC_KLOG_*: a read every 10 to 500 ms of host time, a
 * quarter of the text ring at most between two), so the ring (128 KiB on
 * Debian) never wraps over records not yet read; a record caught
 * mid-write is read again at the next stop.  At the end the records are
 * paired (a "returned" with the open "calling" of the same function),
 * matched to the initcall table in order (levels, modules), and placed on
 * the profile's timeline:
 *   - the kernel's clock (local_clock, TSC-based) and the guest running
 *     time both stop while the guest is stopped, so they differ by a
 *     constant: taken from the run_init_process milestone, whose stop
 *     precedes the "Run /init as init process" record run_init_process
 *     prints at once (so the offset is over by the few us between them);
 *     without that milestone, from the reads (the newest record at each
 *     read is older than the read: a bound, not a figure);
 *   - an initcall ends at its "returned" record's time and lasts the
 *     kernel's figure; before clocksource_done_booting the kernel's ktime
 *     runs on jiffies (4 ms steps on Debian), so there it lasts the time
 *     between its two records less the median gap of the later ones
 *     between that and the kernel's figure (the "calling" record's own
 *     cost).
 * The records themselves go into the profile as messages.
 *
 * Where it breaks.  A kernel without BTF (nor a vmlinux with DWARF), `prb`
 * or `initcall_debug` (checked before attaching) gets the watch scheme, and
 * the profile says why.  A BTF that cannot be used after all (read while
 * the firmware runs, in a thread) leaves the initcalls out, said.  Records
 * lost to a wrap are counted and said; an initcall whose records were
 * lost is missing.  KASLR: not supported (as elsewhere).
 */
#include "recorder-int.h"
#include "lx.h"
#include "ksym.h"
#include "clock.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_KLOG_MIN_NS (10 * 1000000LL)
#define REC_KLOG_MAX_NS (500 * 1000000LL)
#define REC_KLOG_START_NS (50 * 1000000LL)
#define REC_KLOG_SOON_NS (5 * 1000000LL)
#define REC_KLOG_MAX_RECS 1000000

struct klog_read {
	int64_t g;              /* the read's guest time (client clock) */
	int64_t ts;             /* the newest record's time then */
};

struct rec_klog {
	/* the layout, from the image's BTF, found in a thread */
	pthread_t th;
	bool th_started, th_joined;
	char path[4096];
	int th_rc;
	char th_err[600];
	struct lx_prb_layout l;

	uint64_t prb_sym, flag_sym;
	bool on;                /* initcall_debug written */
	uint64_t prb;           /* the ring read last */
	uint64_t from;          /* the next id to read */
	int64_t last_ts;        /* the newest record kept */
	uint64_t next_seq;      /* one past the last record kept */
	int64_t next_read, interval;   /* host ns */
	bool pending;           /* a 0x03 sent for a read */
	bool soon;              /* read every REC_KLOG_SOON_NS until the
				 * anchor's record is in */
	bool anchor_read;       /* "Run ... as init process" read */
	unsigned long nreads;
	uint64_t nmissed, nbad;
	struct rec_klog_rec *recs;
	size_t n, cap;
	struct klog_read *reads;
	size_t nr, capr;
	int64_t anchor_g;
	bool have_anchor;
	/* secondary-CPU bring-up (smp.c), on the profile's timeline */
	struct rec_smp_phase smp[REC_SMP_MAX];
	size_t nsmp;
};

/* ---- before attaching -------------------------------------------------- */

bool rec_klog_possible(struct rec *r, char *why, size_t len)
{
	static const char *const need[] = { "prb", "initcall_debug", "do_one_initcall" };
	size_t i;

	if (!r->nokaslr) {
		snprintf(why, len, "the kernel runs with KASLR");
		return false;
	}
	for (i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!ksym_addr(r->syms, need[i])) {
			snprintf(why, len, "no symbol '%s' in the kernel", need[i]);
			return false;
		}
	if (!ksym_addr(r->syms, "__start_BTF") && !ksym_has_dwarf(r->syms->path)) {
		snprintf(why, len, "the kernel carries no BTF (no __start_BTF), and its "
			 "file no DWARF: the printk ring's layout is unknown");
		return false;
	}
	return true;
}

static void *layout_thread(void *arg)
{
	struct rec_klog *k = arg;
	struct kit_err e = { 0 };
	struct ksym_btf *b = ksym_btf_open(k->path, &e);

	if (!b || lx_prb_layout_btf(b, &k->l, &e) < 0) {
		snprintf(k->th_err, sizeof k->th_err, "%s", e.msg);
		k->th_rc = -1;
	}
	ksym_btf_free(b);
	return NULL;
}

/* The layout is read while the firmware and the decompressor run (the
 * image's BTF takes ~0.5 s to decompress). */
int rec_klog_begin(struct rec *r)
{
	struct rec_klog *k = calloc(1, sizeof *k);

	if (!k)
		return error("out of memory");
	r->klog = k;
	snprintf(k->path, sizeof k->path, "%s", r->syms->path);
	k->prb_sym = ksym_addr(r->syms, "prb");
	k->flag_sym = ksym_addr(r->syms, "initcall_debug");
	k->interval = REC_KLOG_START_NS;
	if (pthread_create(&k->th, NULL, layout_thread, k) != 0)
		return error("cannot start a thread to read the kernel's BTF");
	k->th_started = true;
	return 0;
}

static void join(struct rec_klog *k)
{
	if (k->th_started && !k->th_joined) {
		pthread_join(k->th, NULL);
		k->th_joined = true;
	}
}

void rec_klog_free(struct rec *r)
{
	struct rec_klog *k = r->klog;
	size_t i;

	if (!k)
		return;
	join(k);
	for (i = 0; i < k->n; i++)
		free(k->recs[i].text);
	free(k->recs);
	free(k->reads);
	free(k);
	r->klog = NULL;
}

/* ---- while recording --------------------------------------------------- */

/* start_kernel's stop: initcall_debug on.  0, or -1 on a connection error;
 * a layout that could not be had is said and leaves the initcalls out. */
int rec_klog_start(struct rec *r)
{
	struct rec_klog *k = r->klog;
	uint8_t one = 1, back = 0;

	if (!k || k->on)
		return 0;
	join(k);
	if (k->th_rc < 0) {
		warning("initcalls not recorded: the kernel's printk ring cannot "
			"be read (%s)", k->th_err);
		snprintf(r->scheme, sizeof r->scheme, "none: the printk ring's "
			 "layout is unknown (%.150s)", k->th_err);
		return 0;
	}
	if (rec_write_mem(r, k->flag_sym, &one, 1) < 0 ||
	    rec_read_mem(r, k->flag_sym, &back, 1) != 1)
		return error("cannot set the kernel's initcall_debug at 0x%llx",
			     (unsigned long long)k->flag_sym);
	if (back != 1) {
		warning("initcalls not recorded: initcall_debug at 0x%llx reads %u "
			"after writing 1", (unsigned long long)k->flag_sym, back);
		return 0;
	}
	k->on = true;
	k->next_read = kit_mono_ns() + k->interval;
	rec_progress(r, "initcall_debug set at start_kernel: the kernel times its "
		     "initcalls, read from its printk ring (interrupt stops "
		     "every %lld ms or less)", (long long)(k->interval / 1000000));
	return 0;
}

/* Host ns of the next read while the guest runs; 0 none. */
int64_t rec_klog_due(const struct rec *r)
{
	const struct rec_klog *k = r->klog;

	return k && k->on && !k->pending ? k->next_read : 0;
}

bool rec_klog_pending(const struct rec *r)
{
	return r->klog && r->klog->pending;
}

/* The read is due: stop the guest (its stop comes to the main loop). */
int rec_klog_interrupt(struct rec *r)
{
	struct kit_err e;

	if (rec_flush(r, false) < 0)
		return -1;
	if (rsp_interrupt(r->c, &e) < 0)
		return error("cannot stop the guest to read its log: %s", e.msg);
	r->klog->pending = true;
	return 0;
}

/* Whether the stop st is the one rec_klog_interrupt() asked for. */
bool rec_klog_own_stop(struct rec *r, const struct rsp_stop *st)
{
	struct rec_klog *k = r->klog;
	bool mine = k && k->pending && (st->kind == 'T' || st->kind == 'S') &&
		    st->signo == 2;

	if (k)
		k->pending = false;   /* any stop answers it (QEMU 7.2 ignores a
					 0x03 that meets a stop) */
	return mine;
}

static int mem_read(void *ctx, uint64_t addr, void *buf, size_t len,
		    struct kit_err *err)
{
	ssize_t got = rec_read_mem(ctx, addr, buf, len);

	if (got != (ssize_t)len)
		return kit_seterr(err, EFAULT, "cannot read %zu bytes at 0x%llx",
				  len, (unsigned long long)addr);
	return 0;
}

static int keep(struct rec_klog *k, const struct lx_printk_rec *rec)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 1024;
		struct rec_klog_rec *v;

		if (cap > REC_KLOG_MAX_RECS)
			return 0;      /* enough: the rest is left out */
		v = realloc(k->recs, cap * sizeof *v);
		if (!v)
			return error("out of memory");
		k->recs = v;
		k->cap = cap;
	}
	k->recs[k->n].text = strdup(rec->text ? rec->text : "");
	if (!k->recs[k->n].text)
		return error("out of memory");
	k->recs[k->n].ts = (int64_t)rec->ts_nsec;
	k->recs[k->n].level = (int)rec->level;
	if (k->n && (int64_t)rec->ts_nsec < k->last_ts) {
		/* the clock went back: x86 starts its TSC sched_clock near 0
		 * in setup_arch(), after records stamped by jiffies; the reads
		 * before bound nothing now */
		k->nr = 0;
	}
	if (!strncmp(k->recs[k->n].text, "Run ", 4) &&
	    strstr(k->recs[k->n].text, " as init process"))
		k->anchor_read = true;
	k->n++;
	k->last_ts = (int64_t)rec->ts_nsec;
	k->next_seq = rec->seq + 1;
	return 0;
}

/* Take LOG's records up to the first one still being written; text bytes
 * taken into *bytes.  fresh: a new ring (its copies of records already
 * kept are skipped by time). */
static int take(struct rec_klog *k, const struct lx_printk_log *log, bool fresh,
		size_t *bytes)
{
	size_t i;

	for (i = 0; i < log->n; i++) {
		const struct lx_printk_rec *rec = &log->recs[i];

		if (rec->state == LX_REC_WRITING ||
		    (rec->state == LX_REC_OPEN && i == log->n - 1))
			break;         /* read again at the next stop */
		k->from = rec->id + 1;
		if (rec->state != LX_REC_OK && rec->state != LX_REC_OPEN) {
			/* (a new ring's tail is a dummy: reusable, time 0) */
			k->nbad += rec->state == LX_REC_BAD;
			k->nmissed += rec->state == LX_REC_LOST && rec->ts_nsec;
			continue;
		}
		if (fresh && k->n && rec->seq < k->next_seq)
			continue;      /* copied from the ring before */
		*bytes += rec->text_len + 16;
		if (keep(k, rec) < 0)
			return -1;
	}
	return 0;
}

/* The next read's time, from how much of the text ring the last one found
 * new: a quarter at most between two reads. */
static void pace(struct rec_klog *k, const struct lx_printk_log *log, size_t bytes)
{
	uint64_t ring = log->size_bits ? UINT64_C(1) << log->size_bits : 0;

	if (ring && bytes > ring / 8)
		k->interval /= 2;
	else if (ring && bytes < ring / 32)
		k->interval += k->interval / 2;
	if (k->interval < REC_KLOG_MIN_NS)
		k->interval = REC_KLOG_MIN_NS;
	if (k->interval > REC_KLOG_MAX_NS)
		k->interval = REC_KLOG_MAX_NS;
	if (k->anchor_read)
		k->soon = false;
	k->next_read = kit_mono_ns() + (k->soon ? REC_KLOG_SOON_NS : k->interval);
}

static int note_read(struct rec *r, struct rec_klog *k)
{
	if (!k->n)
		return 0;
	if (k->nr == k->capr) {
		size_t cap = k->capr ? 2 * k->capr : 256;
		struct klog_read *v = realloc(k->reads, cap * sizeof *v);

		if (!v)
			return error("out of memory");
		k->reads = v;
		k->capr = cap;
	}
	k->reads[k->nr].g = r->g;
	k->reads[k->nr].ts = k->last_ts;
	k->nr++;
	return 0;
}

/* At a stop: the records written since the last read.  0; -1 only when
 * memory runs out (a ring that cannot be read is said once and left). */
int rec_klog_read(struct rec *r)
{
	struct rec_klog *k = r->klog;
	struct lx_mem m = { mem_read, r };
	struct lx_printk_log log;
	struct kit_err e = { 0 };
	uint8_t b[8];
	uint64_t prb = 0;
	size_t bytes = 0, i;
	bool fresh;
	int rc;

	if (!k || !k->on)
		return 0;
	if (rec_read_mem(r, k->prb_sym, b, sizeof b) != (ssize_t)sizeof b)
		return 0;
	for (i = 0; i < sizeof b; i++)
		prb |= (uint64_t)b[i] << (8 * i);
	if (!prb)
		return 0;
	fresh = prb != k->prb;
	rc = fresh ? lx_printk_read(&m, &k->l, prb, &log, &e)
		   : lx_printk_read_from(&m, &k->l, prb, k->from, &log, &e);
	k->nreads++;
	if (rc < 0) {
		if (!k->nbad++)
			warning("the kernel's printk ring at 0x%llx: %s",
				(unsigned long long)prb, e.msg);
		k->next_read = kit_mono_ns() + REC_KLOG_MAX_NS;
		return 0;
	}
	k->prb = prb;
	k->nmissed += log.missed;
	rc = take(k, &log, fresh, &bytes);
	pace(k, &log, bytes);
	lx_printk_log_free(&log);
	return rc < 0 ? -1 : note_read(r, k);
}

/* A milestone reached (its guest time r->g): run_init_process anchors the
 * kernel's clock. */
void rec_klog_milestone(struct rec *r, const char *name)
{
	if (r->klog && !strcmp(name, "run_init_process")) {
		r->klog->anchor_g = r->g;
		r->klog->have_anchor = true;
		/* its "Run ... as init process" record: read it soon */
		r->klog->soon = true;
	}
}

/* ---- at the end --------------------------------------------------------- */

/* The table's entry for the call, from *cur on (table order), else any
 * not taken; nic when none. */
static size_t match(struct rec *r, const struct rec_klog_call *c, size_t *cur)
{
	size_t i;

	for (i = *cur; i < r->nic; i++)
		if (r->ics[i].state == IC_PENDING && strlen(r->ics[i].fn) == c->fnlen &&
		    !strncmp(r->ics[i].fn, c->fn, c->fnlen)) {
			*cur = i + 1;
			return i;
		}
	for (i = 0; i < *cur && i < r->nic; i++)
		if (r->ics[i].state == IC_PENDING && strlen(r->ics[i].fn) == c->fnlen &&
		    !strncmp(r->ics[i].fn, c->fn, c->fnlen))
			return i;
	return r->nic;
}

/* The kernel's clock onto the guest time on QEMU's clock (rec_gmap()):
 * g = g_a - (ts_a - ts) / rate. */
struct klog_map {
	int64_t ts_a, g_a;
	double rate;            /* the kernel's clock per guest ns */
	const char *how;
	int64_t slack;          /* the reads' median distance below the line */
};

static int64_t to_g(const struct klog_map *m, int64_t ts)
{
	return m->g_a - (int64_t)((double)(m->ts_a - ts) / m->rate);
}

/*
 * The line.  Each read bounds it from below (the newest record then is no
 * newer than the read); run_init_process's stop, just before its "Run ...
 * as init process" record, fixes a point on it.  The rate: the steepest
 * line through that point with every read (50 ms or more before it) on or
 * under it, as the reads during the initcalls, a record every few ms, are
 * close under it; the kernel calibrates its TSC against a timer under
 * TCG, ~1 % off here.  Without the point: rate 1 through the highest
 * bound.  false when there is nothing to place by.
 */
static bool clock_map(struct rec *r, struct klog_map *m)
{
	struct rec_klog *k = r->klog;
	int64_t *d, bound = INT64_MIN;
	double best = 1.1;
	size_t i, nd = 0;

	m->rate = 1;
	m->ts_a = m->g_a = 0;
	m->how = NULL;
	for (i = 0; k->have_anchor && i < k->n && !m->how; i++)
		if (!strncmp(k->recs[i].text, "Run ", 4) &&
		    strstr(k->recs[i].text, " as init process")) {
			m->ts_a = k->recs[i].ts;
			m->g_a = rec_gmap(r, k->anchor_g);
			m->how = "run_init_process's stop and its \"Run ... as init "
				 "process\" record";
		}
	for (i = 0; i < k->nr; i++) {
		int64_t g = rec_gmap(r, k->reads[i].g), b = k->reads[i].ts - g;

		if (b > bound) {
			bound = b;
			if (!m->how) {
				m->ts_a = k->reads[i].ts;
				m->g_a = g;
			}
		}
		if (m->how && m->g_a - g > 50000000 && k->reads[i].ts < m->ts_a &&
		    (double)(m->ts_a - k->reads[i].ts) / (double)(m->g_a - g) < best)
			best = (double)(m->ts_a - k->reads[i].ts) / (double)(m->g_a - g);
	}
	if (!m->how && bound == INT64_MIN)
		return false;
	if (!m->how)
		m->how = "the newest record at each read (a bound: rate 1)";
	else if (best >= 0.9 && best < 1.1)
		m->rate = best;
	d = malloc((k->nr ? k->nr : 1) * sizeof *d);
	m->slack = 0;
	if (d) {
		for (i = 0; i < k->nr; i++)
			d[nd++] = rec_gmap(r, k->reads[i].g) - to_g(m, k->reads[i].ts);
		if (nd) {
			m->slack = rec_median_i64(d, nd);
		}
		free(d);
	}
	return true;
}

/* The calls into the table: start, end, return value (QEMU's clock). */
static size_t place(struct rec *r, const struct rec_klog_call *c, size_t n,
		    const struct klog_map *map, int64_t unit, int64_t cost, size_t fine)
{
	size_t i, cur = 0, matched = 0;

	for (i = 0; i < n; i++) {
		int64_t dur;
		size_t j;

		if (!c[i].done)
			continue;
		j = match(r, &c[i], &cur);
		if (j == r->nic)
			continue;
		dur = i >= fine ? c[i].usecs * unit : c[i].ts_ret - c[i].ts_call - cost;
		if (dur < 0)
			dur = 0;
		r->ics[j].end = to_g(map, c[i].ts_ret);
		r->ics[j].start = r->ics[j].end - dur;
		r->ics[j].ret = c[i].ret;
		r->ics[j].has_ret = true;
		r->ics[j].state = IC_DONE;
		matched++;
	}
	for (i = 0; i < r->nic; i++)
		if (r->ics[i].state == IC_PENDING)
			r->ics[i].state = IC_SKIPPED;
	return matched;
}

/* The profile's messages: every record kept, on QEMU's clock. */
static int add_messages(struct rec *r, const struct klog_map *map)
{
	struct kit_err e;
	size_t i;

	for (i = 0; i < r->klog->n; i++)
		if (prof_add_message(r->p, to_g(map, r->klog->recs[i].ts),
				     r->klog->recs[i].level, r->klog->recs[i].text, &e) < 0)
			return error("%s", e.msg);
	return 0;
}

/*
 * At the end, before the profile is written: the initcalls from the
 * records, the messages, and what environment.tool says of them
 * (r->scheme).  0, or -1 out of memory.
 */
int rec_klog_finish(struct rec *r)
{
	struct rec_klog *k = r->klog;
	struct rec_klog_call *c = NULL;
	struct klog_map map;
	struct kit_err e;
	size_t n = 0, fine, matched, i, ncalled = 0;
	int64_t cost, unit;

	if (!k || !k->on)
		return 0;
	if (!clock_map(r, &map)) {
		snprintf(r->scheme, sizeof r->scheme, "klog: no records read (%lu reads)",
			 k->nreads);
		return 0;
	}
	if (rec_klog_pair(k->recs, k->n, &c, &n, &e) < 0 ||
	    rec_klog_figures(c, n, &fine, &unit, &cost, &e) < 0) {
		free(c);
		return error("%s", e.msg);
	}
	matched = place(r, c, n, &map, unit, cost, fine);
	{
		int np = rec_smp_phases(k->recs, k->n, k->smp, REC_SMP_MAX);
		bool merged = false;

		for (i = 0; np > 0 && i < (size_t)np; i++) {
			k->smp[i].start = to_g(&map, k->smp[i].start);
			k->smp[i].end = to_g(&map, k->smp[i].end);
			merged |= !strncmp(k->smp[i].id, "smp:cpus", 8);
		}
		k->nsmp = np > 0 ? (size_t)np : 0;
		/* CPUs the records do not tell apart: when each came online */
		if (merged && np >= 2 && !strcmp(k->smp[0].id, "smp:prepare")) {
			struct rec_smp_phase w[REC_SMP_MAX - 1];
			size_t nw = rec_smp_online_phases(r, k->smp[1].start,
							  k->smp[np - 1].end, w,
							  REC_SMP_MAX - 1);

			if (nw) {
				memcpy(k->smp + 1, w, nw * sizeof *w);
				k->nsmp = 1 + nw;
			}
		}
	}
	for (i = 0; i < n; i++)
		ncalled += c[i].done;
	free(c);
	r->nseen = r->nreturned = matched;
	snprintf(r->scheme, sizeof r->scheme,
		 "klog: the kernel's initcall_debug records, %zu read in %lu reads, "
		 "%" PRIu64 " lost; %zu of %zu calls in the table; placed by the kernel's "
		 "clock (%.4f of guest time), from %s, the reads a median %.3f ms "
		 "under it; the kernel's figures in %s; before clocksource_done_booting, "
		 "durations between the records less %.1f us", k->n,
		 k->nreads, k->nmissed + k->nbad, matched, ncalled, map.rate, map.how,
		 map.slack / 1e6, unit == 1024 ? "units of 1.024 us (ns >> 10, before "
		 "5.18)" : "us", cost / 1e3);
	return add_messages(r, &map);
}

/* Phases: kernel-init split by initcall level, as the breakpoint schemes
 * open them (each level from its first initcall's start to its last
 * one's end; what is between two levels is in none), on QEMU's clock. */
int rec_klog_phases(struct rec *r)
{
	struct prof_phase *ph = r->p->phases;
	size_t n = r->p->nphases, i, j;
	int ret = 0;

	if (!r->klog || !r->klog->on || !r->nseen)
		return 0;
	r->p->phases = NULL;
	r->p->nphases = 0;
	for (i = 0; i < n; i++) {
		int64_t a = ph[i].start_ns, b = a + ph[i].duration_ns, t = a;
		char id[48] = "";
		int64_t ls = 0, le = 0;

		if (strcmp(ph[i].id, "kernel-init")) {
			ret |= prof_add_phase(r->p, ph[i].id, a, ph[i].duration_ns, NULL);
			continue;
		}
		for (j = 0; j < r->nic; j++) {
			const struct rec_ic *ic = &r->ics[j];
			char lid[48];

			if (ic->state != IC_DONE || ic->start < a || ic->end > b)
				continue;
			snprintf(lid, sizeof lid, "initcalls:%s", ic->level);
			if (strcmp(lid, id)) {
				if (id[0])
					ret |= prof_add_phase(r->p, id, ls, le - ls, NULL);
				else
					ret |= prof_add_phase(r->p, "kernel-init", a,
							      ic->start - a, NULL);
				snprintf(id, sizeof id, "%s", lid);
				ls = ic->start;
			}
			le = ic->end > le ? ic->end : le;
			t = le;
		}
		if (id[0]) {
			ret |= prof_add_phase(r->p, id, ls, le - ls, NULL);
			ret |= prof_add_phase(r->p, r->after_ic_phase, t, b - t, NULL);
		} else {
			ret |= prof_add_phase(r->p, "kernel-init", a, b - a, NULL);
		}
	}
	for (i = 0; i < n; i++) {
		free(ph[i].id);
		free(ph[i].label);
	}
	free(ph);
	/* the bring-up of the secondary CPUs, between the early initcalls and
	 * the others (smp_init), in its place in time */
	for (i = 0; i < r->klog->nsmp; i++)
		ret |= prof_add_phase(r->p, r->klog->smp[i].id, r->klog->smp[i].start,
				      r->klog->smp[i].end - r->klog->smp[i].start, NULL);
	for (i = 1; i < r->p->nphases; i++) {
		struct prof_phase x = r->p->phases[i];

		for (j = i; j > 0 && r->p->phases[j - 1].start_ns > x.start_ns; j--)
			r->p->phases[j] = r->p->phases[j - 1];
		r->p->phases[j] = x;
	}
	return ret ? error("out of memory") : 0;
}
