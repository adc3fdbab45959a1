/*
 * scheme-watch.c: the watch scheme (scheme.h), one breakpoint stop per
 * initcall.
 *
 * What.  A breakpoint stop flushes QEMU 7.2's translation cache, a
 * watchpoint stop does not (its gdbstub skips tb_flush for them).  Linux's
 * do_one_initcall() calls initcall_blacklisted(fn) just before the
 * initcall, and that reads the list head blacklisted_initcalls once
 * (twice with initcall_blacklist=); a read watchpoint on it is the
 * initcall's start, tied to the initcall whose address a register holds
 * there (ws_watch(); measured: 666 stops for Debian 6.1's 666 initcalls,
 * all tied, and the kernel's clock at power-down as without a debugger).
 * The end is a breakpoint on the NOP after the return site
 * (rec_find_end_nop(): the disabled initcall_finish tracepoint).
 *
 * How.  The end breakpoint is permanent and left by setting rip past the
 * NOP (or to the jump a tracepoint switched on made of it), so a stop is
 * answered by one write ('g', an 'm' of the NOP's bytes, P rip, the
 * resume) and the 'g' (which function returned: fn_reg; rax) is read
 * after the resume.  The first end stop (where the milestones ahead are
 * held back) and the last runnable initcall's are read first.  Best under
 * TCG for a Linux kernel that has blacklisted_initcalls.
 *
 * Where it breaks.  Without the symbol, a callee-saved register holding
 * the function, the NOP, or the stub's Z3, prepare() says 0 and the
 * call-return scheme is used.  Not with --test-stall (a start is known
 * only after the resume).  A --sample tick that meets a watch stop
 * resumes it (no repeat comes, unlike a breakpoint's): ws_tick_watch()
 * takes the start from it.
 */
#include "scheme.h"
#include "ksym.h"

#include <endian.h>
#include <stdio.h>
#include <stdlib.h>

struct ws {
	bool active;                   /* armed, the initcalls not done */
	bool pending;                  /* an end stop's 'g' and 'm' to read */
	bool watch_pending;            /* a watch stop's 'g' to read */
	uint64_t var;                  /* blacklisted_initcalls */
	uint64_t end;                  /* the NOP after the return site */
	unsigned end_len;
	uint64_t nop;                  /* the NOP's bytes as found */
	uint64_t cur;                  /* the bytes there as last read: the
					* NOP, or the jump a tracepoint
					* switched on made of it */
	int64_t start;                 /* guest time of the last watch stop */
	int64_t watch_time;
	unsigned long ntied;           /* starts tied to their initcall */
	unsigned long nstops;          /* watch stops */
};

static int ws_prepare(struct rec *r, const char *why)
{
	struct ws *w;
	uint64_t var = ksym_addr(r->syms, "blacklisted_initcalls");
	uint8_t code[16];
	struct kit_err e;
	uint64_t nop;
	unsigned nlen;
	int rc;

	if (!var || !r->rs.fn_reg[0])
		return 0;
	if (rec_read_mem(r, r->rs.ret_addr, code, sizeof code) != (ssize_t)sizeof code ||
	    rec_find_end_nop(code, sizeof code, r->rs.ret_addr, r->rs.fn_reg,
			     &nop, &nlen) < 0)
		return 0;
	rc = rec_wp_insert(r, RSP_WP_READ, var, 8, &e);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		rec_progress(r, "no read watchpoint on blacklisted_initcalls (%s): "
			     "two breakpoint stops per initcall", e.msg);
		return 0;
	}
	if (rec_bp_want(r, nop, true, "initcall end") < 0)
		return -1;
	w = calloc(1, sizeof *w);
	if (!w)
		return error("out of memory");
	r->sch_state = w;
	w->active = true;
	w->var = var;
	w->end = nop;
	w->end_len = nlen;
	w->nop = rsp_le_to_u64(code + (nop - r->rs.ret_addr), nlen);
	w->cur = w->nop;
	w->start = -1;
	r->last_runnable = rec_last_runnable(r);
	snprintf(r->scheme, sizeof r->scheme, "watch: a read watchpoint on "
		 "blacklisted_initcalls starts each initcall (no cache flush), a %s "
		 "breakpoint on the NOP after do_one_initcall's return site ends it",
		 rec_bp_kind(r, nop));
	rec_progress(r, "%zu initcalls in table order: read watchpoint on "
		     "blacklisted_initcalls 0x%llx (each start; no translation flush) and "
		     "a %s breakpoint at the NOP 0x%llx after the return site (each end: "
		     "one write with 'g', rip past it and the resume); milestones after "
		     "the initcalls are armed when the last one returns", r->nic,
		     (unsigned long long)var, rec_bp_kind(r, nop), (unsigned long long)nop);
	return 1;
}

/*
 * Where the guest goes on from the end breakpoint, by the bytes there
 * (bytes, little-endian): past the NOP; or, where a tracepoint switched on
 * has made the NOP a jump (static keys: "jmp rel8" for 2 bytes, "jmp
 * rel32" for 5), to its target, as the guest would.  0 when the bytes are
 * neither: the slow way then steps over.
 */
static uint64_t ws_next_rip(const struct ws *w, uint64_t bytes)
{
	uint64_t mask = w->end_len >= 8 ? ~0ull : (1ull << (8 * w->end_len)) - 1;
	unsigned op = (unsigned)(bytes & 0xff);

	if ((bytes & mask) == (w->nop & mask))
		return w->end + w->end_len;
	if (op == 0xeb && w->end_len == 2)
		return w->end + 2 + (uint64_t)(int64_t)(int8_t)(bytes >> 8);
	if (op == 0xe9 && w->end_len == 5)
		return w->end + 5 + (uint64_t)(int64_t)(int32_t)(uint32_t)(bytes >> 8);
	{
		/* another NOP of the same length: the kernel rewrites its
		 * NOPs at boot (5.10: 0f 1f 44 00 00 -> 66 66 66 66 90) */
		uint8_t b[8];
		uint64_t nop;
		unsigned i, nl;

		for (i = 0; i < 8; i++)
			b[i] = (uint8_t)(bytes >> (8 * i));
		if (rec_find_end_nop(b, sizeof b, w->end, NULL, &nop, &nl) == 0 &&
		    nop == w->end && nl == w->end_len)
			return w->end + nl;
	}
	return 0;
}

/* The watchpoint and the end breakpoint out (queued). */
static void ws_finish(struct rec *r)
{
	struct ws *w = r->sch_state;

	w->active = false;
	rec_wp_remove(r, RSP_WP_READ, w->var, 8);
	rec_bp_drop(r, w->end);
}

/* An end, from the registers of its 'g': the initcall (fn_reg) started at
 * the last watch stop and ended now.  1 = it was the last, 0, -1. */
static int ws_end_data(struct rec *r)
{
	struct ws *w = r->sch_state;
	uint64_t fn = rec_reg(r, r->rs.fn_reg);
	int64_t g = r->g;
	size_t j;
	int rc;

	r->nfast++;
	for (j = r->next; j < r->nic; j++)
		if (r->ics[j].addr == fn)
			break;
	if (j == r->nic) {
		r->nunattributed++;
		w->start = -1;
		return 0;
	}
	if (r->ics[j].wstart >= 0 && r->ics[j].wstart <= g)
		r->g = r->ics[j].wstart;      /* its own watch stop */
	else if (w->start >= 0 && w->start <= g)
		r->g = w->start;           /* the last one seen */
	else
		r->nunattributed++;   /* no start seen: zero length */
	rc = rec_on_entry(r, j);
	r->g = g;
	w->start = -1;
	if (rc < 0)
		return -1;
	rc = rec_on_return_data(r);
	if (rc == 0 && (long)j == r->last_runnable)
		rc = 1;
	return rc;
}

/*
 * After the resume of a watch stop: which initcall starts.  Its address
 * is in a register there (Linux 6.1's initcall_blacklisted(fn) has copied
 * it to rsi, the test guest keeps it in rdi), so the first of these that
 * holds a pending table initcall names it.  A start is then tied to its
 * initcall, not to whatever stop came last: a module's init run from an
 * initcall (request_module) or a blacklisted one does not take it.
 */
static void ws_watch(struct rec *r)
{
	struct ws *w = r->sch_state;
	static const char *const regs[] = { "rdi", "rsi", "rbx", "r12", "rbp",
					    "r13", "r14", "r15", "rdx", "rcx", "rax" };
	size_t k, j;

	for (k = 0; k < sizeof regs / sizeof regs[0]; k++) {
		uint64_t v = rec_reg(r, regs[k]);

		for (j = r->next; v && j < r->nic; j++)
			if (r->ics[j].addr == v) {
				r->ics[j].wstart = w->watch_time;
				w->ntied++;
				return;
			}
	}
}

/* After the resume of an end stop answered in one write. */
static int ws_end_after(struct rec *r, struct ws *w)
{
	uint64_t mask = w->end_len >= 8 ? ~0ull : (1ull << (8 * w->end_len)) - 1;
	int last;

	if (r->qm_ok && (r->qm_val & mask) != (w->cur & mask) &&
	    ws_next_rip(w, r->qm_val) != ws_next_rip(w, w->cur)) {
		/* a tracepoint was switched during this initcall: its end
		 * went on as the bytes were before */
		warning("the instruction after do_one_initcall's return site changed "
			"(a tracepoint switched on or off) during the initcall that "
			"ended at %.1f ms: that end went on as before the change",
			rec_ms_of(r->g));
	}
	if (r->qm_ok)
		w->cur = r->qm_val;
	last = ws_end_data(r);

	if (last <= 0)
		return last;
	return rec_ended_early(r);
}

/* The replies of the stop answered before the resume. */
static int ws_after_resume(struct rec *r)
{
	struct ws *w = r->sch_state;

	if (w->watch_pending) {
		w->watch_pending = false;
		ws_watch(r);
	}
	if (!w->pending)
		return 0;
	w->pending = false;
	return ws_end_after(r, w);
}

/*
 * Stops answered without a round trip: a watch stop (the access is done:
 * nothing to step over), and, once the milestones are held back, an end
 * stop whose way on is known, up to the last runnable initcall's.
 */
static bool ws_knows(struct rec *r, const struct rsp_stop *st)
{
	struct ws *w = r->sch_state;

	if (!w->active)
		return false;
	if (rec_is_watch(st))
		return true;
	return r->ms_held && st->signo == 5 && (long)r->next < r->last_runnable &&
	       ws_next_rip(w, w->cur);
}

static int ws_answer(struct rec *r, const struct rsp_stop *st)
{
	struct ws *w = r->sch_state;

	if (rec_is_watch(st)) {
		w->nstops++;
		if (st->watch_addr != w->var)
			return 0;
		/* whose start: the register that holds a pending initcall
		 * (ws_watch()), read after the resume; meanwhile the last
		 * start seen stands for it */
		w->start = r->g;
		w->watch_time = r->g;
		if (rec_queue_g(r) < 0)
			return -1;
		w->watch_pending = true;
		return 0;
	}
	/* the bytes at the end are read too, to see a tracepoint switch */
	if (rec_queue_g(r) < 0 || rec_queue_m(r, w->end, 8) < 0 ||
	    rec_write_reg(r, "rip", ws_next_rip(w, w->cur)) < 0)
		return -1;
	w->pending = true;
	return 0;
}

static bool ws_owns(struct rec *r, uint64_t lin)
{
	struct ws *w = r->sch_state;

	return w->active && lin == w->end;
}

/* An end stop the slow way (registers read): the first (the milestones
 * are held back from here on) and the last runnable one's. */
static int ws_at(struct rec *r, uint64_t lin, uint64_t ip)
{
	struct ws *w = r->sch_state;
	uint64_t b;
	int last;

	if (!r->ms_held && rec_hold_milestones(r) < 0)
		return -1;
	last = ws_end_data(r);
	if (last < 0)
		return -1;
	if (last)
		rec_finish_initcalls(r, r->g);
	if (rec_read_mem(r, w->end, &b, sizeof b) == (ssize_t)sizeof b)
		w->cur = le64toh(b);
	if (!ws_next_rip(w, w->cur))
		return rec_bp_at(r, w->end) ? rec_step_over(r) : 0;
	return rec_write_reg(r, "rip", ws_next_rip(w, w->cur));
}

/* A --sample tick met a watch stop (an initcall's start): the tick's
 * resume let the guest go on, no repeat comes; its time is g. */
static bool ws_tick_watch(struct rec *r, const struct rsp_stop *st, int64_t g)
{
	struct ws *w = r->sch_state;

	if (!w->active)
		return false;
	w->nstops++;
	if (st->watch_addr == w->var)
		w->start = g;
	return true;
}

static void ws_summary(struct rec *r)
{
	struct ws *w = r->sch_state;

	if (w->nstops)
		rec_progress(r, "watch stops %lu (initcall starts: no translation flush; "
			     "%lu tied to their initcall by a register)",
			     w->nstops, w->ntied);
}

const struct rec_scheme rec_scheme_watch = {
	.name = "watch",
	.prepare = ws_prepare,
	.knows = ws_knows,
	.answer = ws_answer,
	.owns = ws_owns,
	.at = ws_at,
	.after_resume = ws_after_resume,
	.finish = ws_finish,
	.tick_watch = ws_tick_watch,
	.summary = ws_summary,
};
