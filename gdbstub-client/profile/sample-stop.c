/*
 * sample-stop.c: the stop method of `gdbstub-client sample` (see sample.c
 * for what, how and where it breaks): interrupt stops, pipelined (one
 * write a sample, gc_tick_*) or the slow way (stop, 'g', resume), and the
 * attribution of each sample to a bucket.
 */
#include "sample-internal.h"
#include "clock.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int monitor(struct sampler *s, const char *cmd, struct rsp_buf *out);

/* The CS descriptor for sel in protected/compatibility mode, from the
 * cache or "info registers".  false when the monitor cannot say. */
static bool cs_descriptor(struct sampler *s, uint16_t sel, struct x86_seg *out)
{
	const struct x86_seg *c = sample_cs_cached(s, sel);
	struct rsp_buf text = RSP_BUF_INIT;
	struct x86_segs segs;
	int rc;

	if (c) {
		*out = *c;
		return true;
	}
	if (!s->t->have_monitor)
		return false;
	memset(&segs, 0, sizeof segs);
	rc = monitor(s, "info registers", &text);
	s->monitor_calls++;
	if (rc == -RSP_ERR_UNSUPPORTED)
		s->t->have_monitor = false;
	if (rc == 0 && text.data)
		(void)x86_parse_info_registers(text.data, &segs);
	rsp_buf_free(&text);
	if (!segs.cs.valid || segs.cs.sel != sel)
		return false;
	sample_cs_remember(s, &segs.cs);
	*out = segs.cs;
	return true;
}

/*
 * Send a request and take its reply (quick-ack on: our delayed ACK of the
 * stub's '+' is flushed in between).  The reply is in rsp_reply().
 */
static int exchange(struct sampler *s, const char *payload, struct kit_err *err)
{
	struct rsp_conn *c = s->t->c;
	int rc = rsp_send(c, payload, strlen(payload), err);

	if (rc < 0)
		return rc;
	return rsp_recv(c, rsp_timeout(c), err);
}

/* qRcmd with the same care: its output comes as several 'O' packets. */
static int monitor(struct sampler *s, const char *cmd, struct rsp_buf *out)
{
	struct rsp_conn *c = s->t->c;
	char pkt[256];
	size_t n = strlen(cmd);
	int rc;

	if (6 + 2 * n >= sizeof pkt)
		return -RSP_ERR_INVAL;
	memcpy(pkt, "qRcmd,", 6);
	rsp_hex_encode(pkt + 6, cmd, n);
	for (rc = exchange(s, pkt, NULL); rc == 0;) {
		if (!rsp_is_console(rsp_reply(c)->data, rsp_reply(c)->len))
			break;
		if (rsp_parse_console(rsp_reply(c)->data, rsp_reply(c)->len, out) < 0)
			return -RSP_ERR_NOMEM;
		rc = rsp_recv(c, rsp_timeout(c), NULL);
	}
	if (rc < 0)
		return rc;
	if (!rsp_reply(c)->len)
		return -RSP_ERR_UNSUPPORTED;
	return strcmp(rsp_reply(c)->data, "OK") ? -RSP_ERR_TARGET : 0;
}

static void find_slot(const struct rsp_conn *c, const char *name,
		      struct reg_slot *r)
{
	const struct rsp_reg *reg = rsp_tdesc_find(rsp_tdesc(c), name);

	r->offset = reg && reg->offset >= 0 && reg->bitsize <= 64 ? reg->offset : -1;
	r->bytes = reg ? reg->bitsize / 8 : 0;
}

/* A register from the 'g' reply in rsp_reply(); 0 when absent. */
static uint64_t slot_value(const struct rsp_conn *c, const struct reg_slot *r)
{
	uint64_t v = 0;

	if (r->offset < 0 || (size_t)(r->offset + r->bytes) * 2 > rsp_reply(c)->len ||
	    rsp_hex_le_to_u64(rsp_reply(c)->data + 2 * r->offset, (size_t)r->bytes * 2,
			      &v) < 0)
		return 0;
	return v;
}

static void find_slots(struct sampler *s)
{
	struct rsp_conn *c = s->t->c;

	if (s->have_slots || !rsp_tdesc(c))
		return;
	find_slot(c, "rip", &s->r_rip);
	find_slot(c, "cs", &s->r_cs);
	find_slot(c, "eflags", &s->r_eflags);
	find_slot(c, "cr0", &s->r_cr0);
	find_slot(c, "efer", &s->r_efer);
	find_slot(c, "rsp", &s->r_rsp);
	find_slot(c, "rbp", &s->r_rbp);
	find_slot(c, "rdi", &s->r_rdi);
	find_slot(c, "rdx", &s->r_rdx);
	find_slot(c, "r10", &s->r_r10);
	find_slot(c, "r13", &s->r_r13);
	s->have_slots = s->r_rip.offset >= 0;
}

/* The registers from the 'g' reply in rsp_reply() (or a W/X that came instead). */
static int regs_from_reply(struct sampler *s, struct regs *r, struct kit_err *err)
{
	struct rsp_conn *c = s->t->c;

	if (rsp_reply(c)->len && (rsp_reply(c)->data[0] == 'W' || rsp_reply(c)->data[0] == 'X')) {
		/* QEMU shutting down reports a stop, then the exit */
		struct rsp_stop st;

		if (rsp_parse_stop(rsp_reply(c)->data, rsp_reply(c)->len, &st, NULL) == 0)
			s->exit_stop = st;
		return kit_seterr(err, RSP_ERR_EXITED, "the guest exited");
	}
	if (rsp_reply(c)->len < 2 * (size_t)(s->r_rip.offset + s->r_rip.bytes) ||
	    rsp_reply(c)->data[0] == 'E')
	{
		char q[80];

		return kit_seterr(err, RSP_ERR_PROTOCOL, "bad 'g' reply '%s'",
				  rsp_quote(q, sizeof q, rsp_reply(c)->data,
					    rsp_reply(c)->len, 40));
	}
	r->ip = slot_value(c, &s->r_rip);
	r->cs = slot_value(c, &s->r_cs);
	r->eflags = slot_value(c, &s->r_eflags);
	r->cr0 = slot_value(c, &s->r_cr0);
	r->efer = slot_value(c, &s->r_efer);
	r->sp = slot_value(c, &s->r_rsp);
	r->bp = slot_value(c, &s->r_rbp);
	r->di = slot_value(c, &s->r_rdi);
	r->dx = slot_value(c, &s->r_rdx);
	r->r10 = slot_value(c, &s->r_r10);
	r->r13 = slot_value(c, &s->r_r13);
	return 0;
}

static int read_regs(struct sampler *s, struct regs *r, struct kit_err *err)
{
	memset(r, 0, sizeof *r);
	find_slots(s);
	if (!s->have_slots) {
		/* no description: the library's way (slow on Nagle'd stubs) */
		if (gc_reg(s->t, "rip", &r->ip, NULL) < 0 &&
		    gc_reg(s->t, "eip", &r->ip, err) < 0)
			return -1;
		(void)gc_reg(s->t, "cs", &r->cs, NULL);
		(void)gc_reg(s->t, "eflags", &r->eflags, NULL);
		(void)gc_reg(s->t, "cr0", &r->cr0, NULL);
		(void)gc_reg(s->t, "efer", &r->efer, NULL);
		if (gc_reg(s->t, "rsp", &r->sp, NULL) < 0)
			(void)gc_reg(s->t, "esp", &r->sp, NULL);
		return 0;
	}
	if (exchange(s, "g", err) < 0)
		return -1;
	return regs_from_reply(s, r, err);
}

/*
 * --callers: the guest's stack read for the unwinder in pieces of up to
 * 4 KiB (to the end of the 16 KiB-aligned kernel stack), one 'm' each,
 * while the guest waits; the unwinder's reads are answered from them.
 */
struct stack_cache {
	struct sampler *s;
	uint64_t base;
	uint8_t buf[4096];
	size_t len;
};

static int cached_read(void *ctx, uint64_t addr, void *out, size_t n,
		       struct kit_err *err)
{
	struct stack_cache *sc = ctx;
	struct rsp_conn *c = sc->s->t->c;
	char pkt[48];
	size_t want;
	ssize_t got;

	if (sc->len && addr >= sc->base && addr - sc->base <= sc->len &&
	    n <= sc->len - (addr - sc->base)) {
		memcpy(out, sc->buf + (addr - sc->base), n);
		return 0;
	}
	want = (size_t)(((addr | 0x3fff) + 1) - addr);
	if (want > sizeof sc->buf)
		want = sizeof sc->buf;
	if (want < n)
		want = n;
	if (want > sizeof sc->buf)
		return kit_seterr(err, EINVAL, "read too large");
	snprintf(pkt, sizeof pkt, "m%llx,%zx", (unsigned long long)addr, want);
	sc->s->stack_reads++;
	sc->len = 0;
	if (exchange(sc->s, pkt, err) < 0)
		return -1;
	got = rsp_reply(c)->len && rsp_reply(c)->data[0] != 'E' ?
	      rsp_hex_decode(sc->buf, want, rsp_reply(c)->data, rsp_reply(c)->len) : -1;
	if (got < (ssize_t)n)
		return kit_seterr(err, EFAULT, "unreadable");
	sc->base = addr;
	sc->len = (size_t)got;
	memcpy(out, sc->buf, n);
	return 0;
}

/*
 * Without ORC tables (an image that has none, or not a Linux kernel):
 * the probable caller of a kernel sample, the first word of the 64 bytes
 * at the stack pointer that points inside a text symbol other than at its
 * start (a return address), like Linux's "?" guesses.  One 'm' packet.
 * Right for leaf functions and frames without locals; a stale return
 * address can be taken for the caller elsewhere.
 */
static const char *stack_scan(struct sampler *s, enum x86_mode mode,
			      uint64_t sp)
{
	struct rsp_conn *c = s->t->c;
	uint8_t buf[64];
	char pkt[48];
	size_t n, i, wsz = mode == X86_MODE_LONG64 ? 8 : 4;
	struct gc_where w;
	ssize_t got;

	if (!s->syms || (mode != X86_MODE_LONG64 && mode != X86_MODE_PROT32 &&
			 mode != X86_MODE_COMPAT32))
		return NULL;
	if (wsz == 4)
		sp &= 0xffffffffu;
	snprintf(pkt, sizeof pkt, "m%llx,%zx", (unsigned long long)sp, sizeof buf);
	s->stack_reads++;
	if (exchange(s, pkt, NULL) < 0 || !rsp_reply(c)->len || rsp_reply(c)->data[0] == 'E')
		return NULL;
	got = rsp_hex_decode(buf, sizeof buf, rsp_reply(c)->data, rsp_reply(c)->len);
	if (got <= 0)
		return NULL;
	n = (size_t)got / wsz;
	for (i = 0; i < n; i++) {
		uint64_t v = rsp_le_to_u64(buf + i * wsz, wsz);

		if (v < 0x1000)
			continue;
		memset(&w, 0, sizeof w);
		gc_sample_attribute(&s->layout, s->syms, v, mode, false, 0, &w);
		if (w.region == GC_REGION_KERNEL && w.symbol && v != w.sym_addr)
			return w.symbol;
	}
	return NULL;
}

/* The call stack above a kernel sample, outermost first (interned), or
 * NULL when it cannot be unwound. */
static const struct stack *stack_callers(struct sampler *s, enum x86_mode mode,
					 const struct regs *r)
{
	struct lx_frame f[LX_MAX_FRAMES];
	const char *names[LX_MAX_FRAMES];
	struct lx_regs lr = {
		.ip = r->ip, .sp = r->sp, .bp = r->bp, .di = r->di, .dx = r->dx,
		.r10 = r->r10, .r13 = r->r13, .full = true, .first = true,
	};
	struct stack_cache *sc = calloc(1, sizeof *sc);
	struct lx_mem m = { cached_read, sc };
	const struct stack *st = NULL;
	size_t n = 0, i, k = 0;
	char why[160];

	if (!s->orc) {
		/* no ORC tables: the stack scan's one probable caller */
		free(sc);
		names[0] = stack_scan(s, mode, r->sp);
		return names[0] ? sample_stack(s, names, 1) : NULL;
	}
	if (!sc)
		goto out;
	sc->s = s;
	lx_unwind(&m, s->orc, &s->ul, &lr, f, LX_MAX_FRAMES, &n, why, sizeof why);
	s->unwinds++;
	/* frame 0 is the sample's own function; its callers, outermost first */
	for (i = n; i-- > 1;) {
		struct gc_where w;

		memset(&w, 0, sizeof w);
		gc_sample_attribute(&s->layout, s->syms, f[i].ip - (f[i].regs_frame ? 0 : 1),
				    X86_MODE_LONG64, true, 0, &w);
		if (w.region == GC_REGION_KERNEL && w.symbol)
			names[k++] = w.symbol;
	}
	s->unwind_frames += k;
	st = k ? sample_stack(s, names, k) : NULL;
out:
	free(sc);
	return st;
}

/* The CS descriptor for a sample is known without asking the monitor
 * (real mode, v86, or a selector in the cache). */
static bool cs_known(struct sampler *s, const struct regs *r)
{
	uint64_t pe_lma = (r->cr0 & X86_CR0_PE) | (r->efer & X86_EFER_LMA);

	if (pe_lma != s->last_pe_lma)
		return !(r->cr0 & X86_CR0_PE);   /* the cache will be emptied */
	if (!(r->cr0 & X86_CR0_PE) ||
	    ((r->eflags & X86_EFLAGS_VM) && !(r->efer & X86_EFER_LMA)))
		return true;
	return sample_cs_cached(s, (uint16_t)r->cs) || !s->t->have_monitor;
}

/*
 * Attribute one sample.  stopped: the guest is still stopped at it, so the
 * monitor may be asked for a CS descriptor and, with --callers, the stack
 * read for the probable caller.
 */
static int attribute(struct sampler *s, const struct regs *r, bool stopped,
		     struct kit_err *err)
{
	uint64_t addr;
	struct x86_seg seg;
	enum x86_mode mode;
	struct gc_where w;
	const struct stack *caller = NULL;
	unsigned cpl;

	memset(&seg, 0, sizeof seg);
	seg.sel = (uint16_t)r->cs;
	s->cur_cpu = r->cpu;
	sample_cs_mode(s, r->cr0, r->efer);
	if ((r->cr0 & X86_CR0_PE) &&
	    !((r->eflags & X86_EFLAGS_VM) && !(r->efer & X86_EFER_LMA)))
		(void)cs_descriptor(s, (uint16_t)r->cs, &seg);
	mode = x86_mode_derive(r->cr0, r->efer, r->eflags, &seg);
	/* real mode: cs * 16 + ip (x86_linear with an invalid seg) */
	addr = x86_linear(mode, &seg, r->ip);
	cpl = x86_mode_is_segmented(mode) ? (mode == X86_MODE_V86 ? 3 : 0)
					  : (unsigned)(r->cs & 3);
	gc_sample_attribute(&s->layout, s->syms, addr, mode,
			    (r->cr0 & X86_CR0_PG) != 0, cpl, &w);
	if (stopped && s->o.callers && w.region == GC_REGION_KERNEL)
		caller = stack_callers(s, mode, r);
	if (sample_add_bucket(s, mode, &w, caller, addr) < 0)
		return kit_seterr(err, ENOMEM, "out of memory");
	s->nsamples++;
	return 0;
}

/* Samples that waited for a stop to learn their CS base (pipelined mode),
 * then the one just taken; the guest is stopped. */
static int take_pending(struct sampler *s, struct kit_err *err)
{
	size_t i;

	for (i = 0; i < s->npending; i++)
		if (attribute(s, &s->pending[i], true, err) < 0)
			return -1;
	s->npending = 0;
	return 0;
}

/* The slow way's time by process: the reads a pipelined tick would have
 * sent, one round trip each while the guest waits.  ps: each sampled
 * CPU's sample (user mode or not), s->ncpu of them. */
static int sync_procs(struct sampler *s, const struct gc_procs_sample *ps,
		      struct kit_err *err)
{
	struct rsp_conn *c = s->t->c;
	struct gc_tick t;
	char pkt[48];
	size_t i, n = gc_procs_requests(&s->procs, s->treq, GC_TICK_MAXMEM);

	memset(&t, 0, sizeof t);
	for (i = 0; i < n; i++) {
		snprintf(pkt, sizeof pkt, "m%llx,%x", (unsigned long long)s->treq[i].addr,
			 s->treq[i].len);
		if (exchange(s, pkt, err) < 0)
			return -1;
		t.mem_ok[i] = rsp_reply(c)->len == 2 * (size_t)s->treq[i].len &&
			      rsp_hex_decode(t.mem[i], sizeof t.mem[i], rsp_reply(c)->data,
					     rsp_reply(c)->len) == (ssize_t)s->treq[i].len;
	}
	gc_procs_tick(&s->procs, &t, 0, ps);
	return 0;
}

/* Where the stopped guest is, on every sampled vCPU: first each one's
 * registers ('Hg' with several, one 'g'), so that a guest ending half
 * way through a tick leaves no CPU with a sample more than another; then
 * each sample attributed: the monitor when a new CS selector shows up in
 * protected or compatibility mode, and with --callers for kernel samples
 * the stack, read for the unwinder (stack_callers) through that CPU.  The
 * CPUs are taken from the last to the first, so CPU 0 stays selected, as
 * after a pipelined tick. */
static int take_sample(struct sampler *s, struct kit_err *err)
{
	struct gc_procs_sample ps[GC_TICK_MAXCPU];
	struct regs r[GC_TICK_MAXCPU];
	unsigned k, n = s->ncpu > 1 ? s->ncpu : 1;

	if (take_pending(s, err) < 0)
		return -1;
	for (k = n; k-- > 0;) {
		if (n > 1 && rsp_select_thread(s->t->c, s->tids[k], err) < 0)
			return -1;
		if (read_regs(s, &r[k], err) < 0)
			return -1;
		r[k].cpu = k;
		/* the task: CPL 3 with paging is user mode */
		ps[k] = (struct gc_procs_sample){
			(r[k].cr0 & X86_CR0_PG) && (r[k].cs & 3) == 3, s->pace.run_ns, 0
		};
	}
	if (s->procs_on && sync_procs(s, ps, err) < 0)
		return -1;
	for (k = n; k-- > 0;) {
		/* the stack through its own CPU's page tables; a guest gone
		 * by now leaves the sample without its callers */
		bool stopped = n == 1 || !s->o.callers ||
			       rsp_select_thread(s->t->c, s->tids[k], NULL) == 0;

		if (attribute(s, &r[k], stopped, err) < 0)
			return -1;
	}
	return 0;
}

static int record_stop(struct sampler *s, int64_t reported, int64_t resumed)
{
	if (s->nstops == s->stops_cap) {
		size_t cap = s->stops_cap ? s->stops_cap * 2 : 1024;
		struct prof_stop *p = realloc(s->stops, cap * sizeof *p);
		int64_t *c;

		if (!p)
			return -1;
		s->stops = p;
		if (!(c = realloc(s->client_ns, cap * sizeof *c)))
			return -1;
		s->client_ns = c;
		s->stops_cap = cap;
	}
	s->stops[s->nstops].kind = PROF_STOP_INTERRUPT;
	s->stops[s->nstops].reported_ns = reported;
	s->stops[s->nstops].resumed_ns = resumed;
	s->client_ns[s->nstops] = resumed - reported;
	s->nstops++;
	return 0;
}

/*
 * Sleep until deadline (host ns) unless the stub speaks first or a signal
 * comes.  0 = deadline, 1 = the connection is readable, 2 = a signal.
 */
static int wait_until(struct sampler *s, int64_t deadline)
{
	struct rsp_conn *c = s->t->c;
	struct pollfd pf[2];

	/* with a batch's replies unread, the socket is left for the tick */
	if (!s->unread && rsp_buffered(c))
		return 1;
	for (;;) {
		int64_t left = deadline - kit_mono_ns();
		struct timespec ts;
		int n;

		if (sample_got_signal)
			return 2;
		if (left <= 0)
			return 0;
		ts.tv_sec = (time_t)(left / 1000000000);
		ts.tv_nsec = (long)(left % 1000000000);
		pf[0].fd = s->unread ? -1 : rsp_conn_fd(c);
		pf[0].events = POLLIN;
		pf[1].fd = sample_sig_pipe[0];
		pf[1].events = POLLIN;
		n = ppoll(pf, 2, &ts, NULL);
		if (n < 0 && errno != EINTR)
			return 1;   /* let the read report it */
		if (n > 0 && (pf[1].revents & POLLIN))
			return 2;
		if (n > 0 && pf[0].revents)
			return 1;
	}
}

/* The replies to the last tick, the sample attributed.  0; 1 = the guest
 * ended (*ev); -1 = error.  *t_stop: when the stop reply was read. */
static int read_batch(struct sampler *s, struct gc_event *ev, int64_t *t_stop,
		      struct kit_err *err)
{
	struct gc_tick t;
	struct gc_procs_sample ps[GC_TICK_MAXCPU];
	unsigned k, n = s->ncpu > 1 ? s->ncpu : 1;
	int rc = gc_tick_read_cpus(s->t->c, &t, n, s->treq, s->ntreq, err);

	memset(ev, 0, sizeof *ev);
	*t_stop = t.stop_ns;
	if (rc == 1) {
		ev->kind = t.stop.kind == 'X' ? GC_EV_KILLED :
			   t.stop.kind == 'W' ? GC_EV_EXITED : GC_EV_CLOSED;
		ev->exit_status = t.stop.exit_status;
		ev->signo = t.stop.signo;
		return 1;
	}
	if (rc < 0)
		return -1;
	for (k = 0; k < n; k++) {
		const uint64_t *v = n > 1 ? t.cregs[k] : t.regs;
		struct regs r;

		memset(&r, 0, sizeof r);
		r.ip = v[GC_TICK_RIP];
		r.cs = v[GC_TICK_CS];
		r.eflags = v[GC_TICK_EFLAGS];
		r.cr0 = v[GC_TICK_CR0];
		r.efer = v[GC_TICK_EFER];
		r.cpu = k;
		/* the task: CPL 3 with paging is user mode */
		ps[k] = (struct gc_procs_sample){
			(r.cr0 & X86_CR0_PG) && (r.cs & 3) == 3, s->pace.run_ns, 0
		};
		if (cs_known(s, &r)) {
			if (attribute(s, &r, false, err) < 0)
				return -1;
			continue;
		}
		/* a CS selector never seen: its base comes from the monitor at
		 * the next tick, taken the slow way while the guest waits */
		if (s->npending == sizeof s->pending / sizeof s->pending[0]) {
			if (attribute(s, &r, false, err) < 0)
				return -1;
			continue;
		}
		s->pending[s->npending++] = r;
	}
	if (s->procs_on)
		gc_procs_tick(&s->procs, &t, 0, ps);
	return 0;
}

/* The median measured hold (write -> 'g' reply), 0 before any. */
int64_t sample_hold_estimate(struct sampler *s)
{
	int64_t tmp[SAMPLE_MAX_HOLDS];

	if (!s->nholds)
		return 0;
	if (s->nholds <= 64 || s->nholds % 64 == 0 || !s->hold_median) {
		memcpy(tmp, s->holds, s->nholds * sizeof *tmp);
		s->hold_median = gc_sample_percentile(tmp, s->nholds, 50);
	}
	return s->hold_median;
}

/* The sampling loop's state between ticks (host CLOCK_MONOTONIC ns). */
struct loop {
	struct gc_event ev;
	int64_t t_start;         /* the first resume */
	int64_t t_res;           /* the last resume (measured or estimated) */
	int64_t t_int;           /* this tick */
	int64_t t_stop;          /* when the stop reply was read */
	int why;                 /* wait_until()'s answer */
	bool stopped;            /* the guest is held by us */
	bool gone;               /* the guest ended */
};

/* The guest ended (ev): the loop is over. */
static int loop_gone(struct sampler *s, struct loop *l)
{
	l->gone = true;
	l->stopped = false;
	sample_ended(s, &l->ev);
	return 1;
}

static int loop_error(struct sampler *s, const char *what, const struct kit_err *e)
{
	sample_set_reason(s, "error: %s", e->msg);
	error("%s: %s", what, e->msg);
	return 1;
}

/*
 * A pipelined tick: the replies of the last one, then this one's write
 * (read at once one time in SAMPLE_MEASURE_EVERY, to measure the hold).
 * 0 = go on, 1 = the loop is over.
 */
static int pipelined_tick(struct sampler *s, struct loop *l)
{
	struct kit_err e;
	int64_t t_g, t_sent = l->t_int;
	int rc = 0;
	bool eager;

	if (s->unread) {
		rc = read_batch(s, &l->ev, &l->t_stop, &e);
		s->unread = false;
	}
	/* the guest ran from the last resume (measured or estimated) to
	 * this tick */
	s->run_lo_ns += l->t_int - l->t_res;
	s->run_hi_ns += l->t_int - l->t_res;
	gc_pace_ran(&s->pace, l->t_int - l->t_res);
	eager = s->nbatches++ % SAMPLE_MEASURE_EVERY == 0;
	if (rc == 0 && s->npending == 0 && s->procs_on) {
		s->ntreq = gc_procs_requests(&s->procs, s->treq, GC_TICK_MAXMEM);
		if (gc_tick_prepare_cpus(s->t->c, &s->batch, s->tids, s->ncpu, s->treq,
					 s->ntreq, &e) < 0)
			rc = -1;
	}
	if (rc == 0 && s->npending == 0) {
		if (rsp_batch_send(s->t->c, &s->batch, NULL) < 0) {
			memset(&l->ev, 0, sizeof l->ev);
			l->ev.kind = GC_EV_CLOSED;
			rc = 1;
		} else if (t_sent = kit_mono_ns(), eager) {
			rc = read_batch(s, &l->ev, &l->t_stop, &e);
		} else {
			s->unread = true;
		}
	}
	if (rc == 1)
		return loop_gone(s, l);
	if (rc < 0)
		return loop_error(s, "while sampling", &e);
	t_g = kit_mono_ns();
	if (eager && s->nholds < SAMPLE_MAX_HOLDS)
		s->holds[s->nholds++] = t_g - t_sent;
	/* the resume: seen (the reply) or the median hold */
	l->t_res = eager ? t_g : t_sent + sample_hold_estimate(s);
	if (s->trace)
		fprintf(stderr, "sample: pipelined%s wait_ns=%lld hold_ns=%lld\n",
			eager ? " measured" : "", (long long)(l->t_int - l->t_res),
			(long long)(l->t_res - t_sent));
	/* in the JSON a stop the client held for no time: it was resumed by
	 * the write that asked for it */
	if (record_stop(s, l->t_res, l->t_res) < 0) {
		sample_set_reason(s, "out of memory");
		return 1;
	}
	/* the client's share of the stop: none, the write that asks for it
	 * also resumes; its work (reading the last replies) was done while
	 * the guest ran */
	s->client_ns[s->nstops - 1] = 0;
	s->work_ns += t_sent - l->t_int;
	/* the end (a signal, --duration): the next tick goes the slow way,
	 * which stops the guest for the detach and says why */
	if (sample_got_signal || (s->o.duration_s > 0 &&
				  t_g - l->t_start >= (int64_t)(s->o.duration_s * 1e9)))
		s->ending = true;
	return 0;
}

/* Interrupt (unless the guest stopped on its own) and wait for the stop.
 * 0 = stopped, 1 = the loop is over. */
static int slow_stop(struct sampler *s, struct loop *l)
{
	struct kit_err e;

	if (s->unread) {
		/* the last batch's replies, before the slow way */
		int rc = read_batch(s, &l->ev, &l->t_stop, &e);

		s->unread = false;
		if (rc == 1)
			return loop_gone(s, l);
	}
	if (l->why != 1)
		gc_interrupt(s->t);
	if (gc_wait(s->t, 2000, &l->ev, &e) < 0) {
		if (e.code != RSP_ERR_CLOSED && e.code != RSP_ERR_TRUNCATED &&
		    e.code != RSP_ERR_SYS)
			return loop_error(s, "while sampling", &e);
		memset(&l->ev, 0, sizeof l->ev);
		l->ev.kind = GC_EV_CLOSED;
	}
	l->t_stop = kit_mono_ns();
	if (l->ev.kind == GC_EV_TIMEOUT) {
		sample_set_reason(s, "the guest did not stop within 2 s of an interrupt");
		error("%s", s->reason);
		return 1;
	}
	if (l->ev.kind == GC_EV_EXITED || l->ev.kind == GC_EV_KILLED ||
	    l->ev.kind == GC_EV_CLOSED) {
		s->pace.run_ns += l->t_stop - l->t_res;
		s->run_lo_ns += l->t_stop - l->t_res;
		s->run_hi_ns += l->t_stop - l->t_res;
		return loop_gone(s, l);
	}
	l->stopped = true;
	s->run_lo_ns += (l->why == 1 ? l->t_stop : l->t_int) - l->t_res;
	s->run_hi_ns += l->t_stop - l->t_res;
	/* the guest stopped between sending 0x03 and the reply */
	gc_pace_ran(&s->pace, (l->why == 1 ? l->t_stop :
			       l->t_int + (l->t_stop - l->t_int) / 2) - l->t_res);
	return 0;
}

/* A tick the slow way: stop, read, resume.  0 = go on, 1 = over. */
static int slow_tick(struct sampler *s, struct loop *l)
{
	struct kit_err e;
	int64_t t_now;

	if (slow_stop(s, l))
		return 1;
	if (s->pipelined)
		s->sync_stops++;
	if (take_sample(s, &e) < 0) {
		memset(&l->ev, 0, sizeof l->ev);
		if (e.code == RSP_ERR_EXITED) {
			l->ev.kind = s->exit_stop.kind == 'X' ? GC_EV_KILLED : GC_EV_EXITED;
			l->ev.exit_status = s->exit_stop.exit_status;
			l->ev.signo = s->exit_stop.signo;
		} else if (e.code == RSP_ERR_CLOSED || e.code == RSP_ERR_TRUNCATED ||
			   e.code == RSP_ERR_SYS) {
			l->ev.kind = GC_EV_CLOSED;
		} else {
			return loop_error(s, "cannot read the registers", &e);
		}
		/* the guest ended just as it stopped for us */
		return loop_gone(s, l);
	}
	t_now = kit_mono_ns();
	if (s->trace)
		fprintf(stderr, "sample: why=%d wait_ns=%lld ran_ns=%lld stop_latency_ns=%lld read_ns=%lld\n",
			l->why, (long long)(l->t_int - l->t_res),
			(long long)((l->t_int + (l->t_stop - l->t_int) / 2) - l->t_res),
			(long long)(l->t_stop - l->t_int), (long long)(t_now - l->t_stop));
	if (sample_got_signal) {
		sample_interrupted(s);
		return 1;
	}
	if (s->o.duration_s > 0 &&
	    t_now - l->t_start >= (int64_t)(s->o.duration_s * 1e9)) {
		s->complete = true;
		return 1;
	}
	if (gc_continue(s->t, &e) < 0) {
		memset(&l->ev, 0, sizeof l->ev);
		l->ev.kind = GC_EV_CLOSED;
		return loop_gone(s, l);
	}
	l->stopped = false;
	l->t_res = kit_mono_ns();
	if (record_stop(s, l->t_stop, l->t_res) < 0) {
		sample_set_reason(s, "out of memory");
		return 1;
	}
	return 0;
}

int sample_run_stop(struct sampler *s)
{
	struct kit_err e;
	struct loop l;

	memset(&l, 0, sizeof l);
	gc_pace_init(&s->pace, s->o.hz);
	/* every vCPU at each tick (QEMU: a thread each), pipelined or the
	 * slow way */
	s->ncpu = 1;
	{
		int n = gc_tick_threads(s->t->c, s->tids, NULL);

		if (n > 1)
			s->ncpu = n > GC_TICK_MAXCPU ? GC_TICK_MAXCPU : (unsigned)n;
		if (s->procs_on)
			gc_procs_set_cpus(&s->procs, s->ncpu);
	}
	if (gc_continue(s->t, &e) < 0)
		return error("cannot resume the guest: %s", e.msg);
	l.t_start = l.t_res = kit_mono_ns();
	find_slots(s);
	s->pipelined = !s->o.sync && !s->o.callers && s->have_slots &&
		       gc_tick_prepare_cpus(s->t->c, &s->batch, s->tids, s->ncpu,
					    NULL, 0, NULL) == 0;
	for (;;) {
		l.why = wait_until(s, l.t_res + gc_pace_wait(&s->pace));
		l.t_int = kit_mono_ns();
		if (s->pipelined && l.why == 0 && !s->npending && !s->ending) {
			if (pipelined_tick(s, &l))
				break;
			continue;
		}
		if (slow_tick(s, &l))
			break;
	}
	s->wall_ns = kit_mono_ns() - l.t_start;
	if (l.gone && s->npending) {
		/* samples still waiting for their CS base when the guest
		 * ended: counted without it (the monitor is gone too), so that
		 * no vCPU loses its last tick's sample */
		size_t i;

		s->t->have_monitor = false;
		for (i = 0; i < s->npending; i++)
			if (attribute(s, &s->pending[i], false, &e) < 0)
				return error("%s", e.msg);
		s->npending = 0;
	}
	if (l.gone) {
		/* --until-exit: the end asked for; else cut short */
		s->complete = s->o.until_exit && s->exited_normally;
	} else if (l.stopped) {
		if (gc_detach(s->t, &e) < 0)
			warning("cannot detach: %s", e.msg);
	}
	if (!s->complete && !s->reason[0])
		sample_set_reason(s, "stopped early");
	return 0;
}
