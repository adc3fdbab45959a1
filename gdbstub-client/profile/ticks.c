/*
 * ticks.c: interrupt stops while the guest runs between two breakpoint
 * stops: --sample HZ, and the watch that arms run_init_process late
 * (milestones.c: rec_watch_setup()).
 *
 * What.  --sample HZ runs `sample` alongside: an interrupt stop every
 * 1/HZ s, each attributed like `sample` does (CS taken as flat: no
 * monitor call) and counted into the profile's samples.
 *
 * How.  One tick is one write (gc_tick_prepare(): 0x03, a 'p' per
 * register, the resume), then the replies.  Each tick's hold, from half
 * way between the write and the stop reply to the resume's '+', is taken
 * out of the guest's time (on QEMU's clock a tick is a STOP and a RESUME
 * like any other stop).
 *
 * Where it breaks.  The holds' spread makes initcall durations less exact
 * (2-6 % at 1 kHz on the test guest, within the test's tolerance at
 * 250 Hz).  A tick can meet a breakpoint stop: QEMU then ignores the
 * 0x03, answers the 'p's and resumes from the breakpoint, which stops
 * again at once; the first stop's time is kept.  A tick that meets a
 * watchpoint stop gets no repeat: the initcall scheme takes it
 * (scheme.h: tick_watch).
 */
#include "scheme.h"
#include "clock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The task layout for time by process, read from the image's BTF in a
 * thread (it takes ~0.5 s) while the firmware runs. */
struct rec_procs_th {
	pthread_t th;
	bool joined;
	int rc;
	char path[4096];
	const struct ksym_table *syms;
	struct gc_procs_layout l;
	char err[512];
};

static void *procs_thread(void *arg)
{
	struct rec_procs_th *p = arg;
	struct kit_err e = { 0 };
	struct ksym_btf *b = ksym_btf_open(p->path, &e);

	if (!b || gc_procs_layout(p->syms, b, &p->l, &e) < 0) {
		snprintf(p->err, sizeof p->err, "%s", e.msg);
		p->rc = -1;
	}
	ksym_btf_free(b);
	return NULL;
}

static void procs_begin(struct rec *r)
{
	struct rec_procs_th *p = calloc(1, sizeof *p);

	if (!p)
		return;
	snprintf(p->path, sizeof p->path, "%s", r->syms->path);
	p->syms = r->syms;
	if (pthread_create(&p->th, NULL, procs_thread, p) != 0) {
		free(p);
		return;
	}
	r->procs_th = p;
}

/* Ticks read tasks from when the layout is known (never, if it is not:
 * said once). */
static void procs_poll(struct rec *r, bool wait)
{
	struct rec_procs_th *p = r->procs_th;

	if (!p || p->joined)
		return;
	if (wait ? pthread_join(p->th, NULL) : pthread_tryjoin_np(p->th, NULL))
		return;
	p->joined = true;
	if (p->rc < 0) {
		rec_progress(r, "--sample: no time by process (%s)", p->err);
		return;
	}
	gc_procs_init(&r->procs, &p->l, (int64_t)(1e9 / r->sample_hz));
	gc_procs_set_cpus(&r->procs, r->ncpu);
	r->procs_on = true;
}

void rec_procs_end(struct rec *r)
{
	procs_poll(r, true);
	free(r->procs_th);
	r->procs_th = NULL;
	if (r->procs_on)
		gc_procs_finish(&r->procs);
}

/* Ticks a second while the guest runs: --sample's, else the watch's. */
double rec_tick_hz(const struct rec *r)
{
	return r->sample_hz > 0 ? r->sample_hz : r->watching ? REC_WATCH_HZ : 0;
}

int rec_sample_setup(struct rec *r)
{
	struct kit_err e;

	gc_sample_layout_default(&r->layout);
	if (r->syms->have_bzimage)
		gc_sample_layout_bzimage(&r->layout, &r->syms->bz);
	gc_sample_layout_symbols(&r->layout, r->syms);
	if (gc_tick_prepare(r->c, &r->sbatch, NULL, 0, &e) < 0)
		return error("--sample: %s", e.msg);
	/* every vCPU (QEMU: a thread each) in each tick */
	r->ncpu = 1;
	if (r->sample_hz > 0) {
		int n = gc_tick_threads(r->c, r->tids, &e);

		if (n > GC_TICK_MAXCPU)
			rec_progress(r, "--sample: %d vCPUs, the first %d sampled", n,
				     GC_TICK_MAXCPU);
		if (n > 1)
			r->ncpu = n > GC_TICK_MAXCPU ? GC_TICK_MAXCPU : (unsigned)n;
		if (r->ncpu > 1)
			rec_progress(r, "--sample: %u vCPUs, each sampled at every tick",
				     r->ncpu);
	}
	procs_begin(r);
	return 0;
}

/* This tick's reads: the watched word, then the processes'.  Their
 * number; *base: where the processes' start. */
static size_t tick_requests(struct rec *r, struct gc_tick_req *req, size_t *base)
{
	size_t n = 0;

	if (r->watching) {
		req[n].addr = r->watch_var;
		req[n++].len = 4;
	}
	*base = n;
	if (r->sample_hz > 0 && r->procs_on)
		n += gc_procs_requests(&r->procs, req + n, GC_TICK_MAXMEM - n);
	return n;
}

/* One CPU's sample into its bucket; *user: it ran in user space. */
static int count_cpu(struct rec *r, const uint64_t *v, unsigned cpu, bool *user)
{
	enum x86_mode mode = x86_mode_derive(v[GC_TICK_CR0], v[GC_TICK_EFER],
					     v[GC_TICK_EFLAGS], NULL);
	struct x86_seg seg = { .sel = (uint16_t)v[GC_TICK_CS] };
	uint64_t addr = x86_linear(mode, &seg, v[GC_TICK_RIP]);
	unsigned cpl = x86_mode_is_segmented(mode) ? (mode == X86_MODE_V86 ? 3 : 0)
						   : (unsigned)(v[GC_TICK_CS] & 3);
	struct gc_where w;
	size_t i;

	memset(&w, 0, sizeof w);
	gc_sample_attribute(&r->layout, r->syms, addr, mode,
			    (v[GC_TICK_CR0] & X86_CR0_PG) != 0, cpl, &w);
	r->nsamples++;
	*user = w.region == GC_REGION_USER;
	for (i = 0; i < r->nsb; i++)
		if (r->sb[i].region == w.region && r->sb[i].symbol == w.symbol &&
		    r->sb[i].mode == mode && r->sb[i].cpu == cpu) {
			r->sb[i].count++;
			return 0;
		}
	if (r->nsb == r->sbcap) {
		size_t cap = r->sbcap ? 2 * r->sbcap : 256;
		struct rec_bucket *b = realloc(r->sb, cap * sizeof *b);

		if (!b)
			return error("out of memory");
		r->sb = b;
		r->sbcap = cap;
	}
	r->sb[r->nsb].region = w.region;
	r->sb[r->nsb].symbol = w.symbol;
	r->sb[r->nsb].mode = mode;
	r->sb[r->nsb].cpu = cpu;
	r->sb[r->nsb].count = 1;
	r->nsb++;
	return 0;
}

/* A tick's samples, one per vCPU read, and their processes. */
static int sample_count(struct rec *r, const struct gc_tick *t, size_t base,
			int64_t g)
{
	struct gc_procs_sample ps[GC_TICK_MAXCPU];
	unsigned k, n = t->ncpu ? t->ncpu : 1;

	for (k = 0; k < n; k++) {
		bool user = false;

		if (count_cpu(r, n > 1 ? t->cregs[k] : t->regs, k, &user) < 0)
			return -1;
		ps[k] = (struct gc_procs_sample){ user, g, r->phase_gen };
	}
	if (r->procs_on)
		gc_procs_tick(&r->procs, t, base, ps);
	return 0;
}

/*
 * One sample while the guest runs (gc_tick_prepare(): 0x03, the 'p's, the
 * resume in one write), its replies read at once.  The guest may have
 * stopped at a breakpoint just before the 0x03 came: QEMU then ignores the
 * 0x03, answers the 'p's and resumes from the breakpoint, where it stops
 * again at once; that first stop's time is kept for rec_stopped().
 * 0 = running again, 1 = the guest ended (r->alive false), -1 = error.
 */
int rec_sample_tick(struct rec *r)
{
	int64_t t0 = kit_mono_ns();
	struct gc_tick_req req[GC_TICK_MAXMEM];
	struct gc_tick t;
	struct kit_err e;
	size_t nreq, base;
	unsigned ncpu;
	struct rec_ms *m;
	int64_t dt;
	int rc;

	procs_poll(r, false);
	nreq = tick_requests(r, req, &base);
	ncpu = r->sample_hz > 0 ? r->ncpu : 1;
	if (gc_tick_prepare_cpus(r->c, &r->sbatch, r->tids, ncpu, req, nreq, &e) < 0)
		return error("--sample: %s", e.msg);
	rec_quickack(r);
	if (rsp_batch_send(r->c, &r->sbatch, &e) < 0) {
		rec_conn_ended(r, 'E', 0);
		return 1;
	}
	rc = gc_tick_read_cpus(r->c, &t, ncpu, req, nreq, &e);
	if (rc == 1) {
		bool wx = t.stop.kind == 'W' || t.stop.kind == 'X';

		rec_conn_ended(r, wx ? t.stop.kind : 'E', !wx ? 0 : t.stop.kind == 'W' ?
			       t.stop.exit_status : t.stop.signo);
		return 1;
	}
	if (rc < 0)
		return error("--sample: %s", e.msg);
	/* QEMU stopped (the tick, or a breakpoint or watchpoint that came
	 * first) and resumed (the tick's resume): a stop and a resume for
	 * QEMU's clock, the guest's time at the stop estimated the way
	 * rec_stopped() counts */
	dt = t.stop_ns - r->resume_host - r->latency - r->sample_hold;
	rec_mark_stop(r, t.stop_ns, false, r->g + (dt > 0 ? dt : 0));
	rec_mark_resume(r, t0, false);
	if (t.stop.signo != 2 && rec_smp_tick_watch(r, &t.stop, r->g + (dt > 0 ? dt : 0))) {
		/* a secondary CPU came online just before the tick: noted;
		 * the tick's resume let it go on */
		r->nraced++;
		r->sample_hold += kit_mono_ns() - t.stop_ns;
		return r->sample_hz > 0 ?
		       (sample_count(r, &t, base, r->g + (dt > 0 ? dt : 0)) < 0 ? -1 : 0) :
		       r->watching ? rec_watch_check(r, &t) : 0;
	}
	if (t.stop.signo != 2 && (m = rec_ms_watch_hit(r, &t.stop)) != NULL) {
		/* start_kernel's watchpoint came first: the tick's resume let
		 * the guest go on, and no repeat comes.  Stopped again at once
		 * (start_kernel's work for the recorder is far from done by
		 * then: initcall_debug is tested after setup_arch()), the
		 * milestone placed at the watch stop's guest time */
		int64_t g = r->g + (dt > 0 ? dt : 0);
		int rc2;

		r->nraced++;
		r->sample_hold += kit_mono_ns() - t.stop_ns;
		if (r->sample_hz > 0 && sample_count(r, &t, base, g) < 0)
			return -1;
		rec_progress(r, "%s's watch stop met a tick: the guest stopped "
			     "again for it", m->name);
		rec_halt_running(r);
		if (!r->alive)
			return 1;
		rc2 = rec_on_milestone_at(r, m, g);   /* never --until's: stem_watch() */
		if (rc2 < 0)
			return -1;
		return rec_resume(r) < 0 ? -1 : 0;
	}
	if (t.stop.signo != 2 && rec_is_watch(&t.stop) && r->sch && r->sch->tick_watch &&
	    r->sch->tick_watch(r, &t.stop, r->g + (dt > 0 ? dt : 0))) {
		/* a watch stop came first (an initcall's start): the tick's
		 * resume let the guest go on, no repeat comes.  Its guest
		 * time, as rec_stopped() would count it; held from then to now */
		r->nraced++;
		r->sample_hold += kit_mono_ns() - t.stop_ns;
		return sample_count(r, &t, base, r->g + (dt > 0 ? dt : 0)) < 0 ? -1 : 0;
	}
	if (t.stop.signo != 2) {
		/* a breakpoint came first: the next stop reply is its repeat */
		if (r->procs_on)
			gc_procs_tick(&r->procs, &t, base, NULL);
		r->raced_stop = t.stop_ns;
		r->nraced++;
		return 0;
	}
	/* the guest was stopped from when the stop took effect, taken half
	 * way between the write and the stop reply (as `sample` paces), to
	 * when the '+' of the resume came */
	r->sample_hold += kit_mono_ns() - (t0 + (t.stop_ns - t0) / 2);
	if (r->sample_hz > 0 && sample_count(r, &t, base, r->g + (dt > 0 ? dt : 0)) < 0)
		return -1;
	return r->watching ? rec_watch_check(r, &t) : 0;
}
