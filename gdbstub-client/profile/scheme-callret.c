/*
 * scheme-callret.c: the call-return scheme (scheme.h), two breakpoint
 * stops per initcall and no round trip.
 *
 * What.  While the initcalls run, exactly one breakpoint is armed: at
 * do_one_initcall's indirect call (before an initcall starts) or at its
 * return site (while it runs).  So a stop is at that one, and what to do
 * there needs no register: remove it, insert the other, resume; the guest
 * executes the call, or the instruction after it, itself.
 *
 * How.  The 'g' that tells which initcall it was (and its return value)
 * is written with the swap and the resume, and its reply read after the
 * resume (rec_flush()), so the client holds the guest for one write.  The
 * removal and insert cost nothing more under TCG: the stop has flushed
 * the translation cache already.  Exceptions go the slow way (read, then
 * act): the first call (the milestones ahead are held back there), the
 * return of the table's last runnable initcall (they come back), and
 * --test-stall's stop.  Best under TCG when the kernel has no watch
 * target (scheme-watch.c) or the stub no read watchpoint.
 *
 * Where it breaks.  Not with hardware breakpoints (each insert a round
 * trip, and no flush to save under KVM) or --until SYMBOL that is no
 * milestone (only one site is armed while the initcalls run): the
 * call-site scheme then.  Should the last initcall return earlier than
 * the table said (one never called), the guest is stopped with 0x03 to
 * put the milestones back (rec_ended_early()).
 */
#include "scheme.h"

#include <stdio.h>
#include <stdlib.h>

enum cr_site { CR_NONE, CR_CALL, CR_RET };

struct cr {
	enum cr_site site;             /* the one armed */
	enum cr_site pending;          /* a stop's 'g' to read after the resume */
};

static int cr_prepare(struct rec *r, const char *why)
{
	struct cr *s = calloc(1, sizeof *s);

	if (!s)
		return error("out of memory");
	r->sch_state = s;
	/* live from the first call on (rec_hold_milestones()) */
	r->last_runnable = rec_last_runnable(r);
	s->site = CR_CALL;
	r->call_armed = true;
	if (rec_bp_want(r, r->rs.call_addr, true, "call site") < 0)
		return -1;
	snprintf(r->scheme, sizeof r->scheme, "call and return site: %s "
		 "breakpoints at do_one_initcall's call and return site, one "
		 "armed at a time, each stop's registers read after its resume",
		 rec_bp_kind(r, r->rs.call_addr));
	rec_progress(r, "%zu initcalls in table order: %s breakpoint at the call "
		     "0x%llx and at the return site 0x%llx, one armed at a time "
		     "(each stop: one write with 'g', the swap and the resume; no "
		     "wait); milestones after the initcalls are armed when the "
		     "last one returns", r->nic, rec_bp_kind(r, r->rs.call_addr),
		     (unsigned long long)r->rs.call_addr,
		     (unsigned long long)r->rs.ret_addr);
	return 1;
}

/* Move the one armed breakpoint from the call site to the return site
 * (to = CR_RET) or back (CR_CALL): queued, it goes out with the resume. */
static int cr_swap(struct rec *r, enum cr_site to)
{
	struct cr *s = r->sch_state;
	bool to_ret = to == CR_RET;

	r->call_armed = !to_ret;
	r->ret_armed = to_ret;
	if (rec_bp_remove(r, to_ret ? r->rs.call_addr : r->rs.ret_addr) < 0 ||
	    rec_bp_want(r, to_ret ? r->rs.ret_addr : r->rs.call_addr, false,
			to_ret ? "return site" : "call site") < 0)
		return -1;
	s->site = to;
	return 0;
}

/* Once the milestones are held back, a breakpoint stop is at the one
 * armed site: answered blind, but for the exceptions above. */
static bool cr_knows(struct rec *r, const struct rsp_stop *st)
{
	struct cr *s = r->sch_state;

	if (!r->ms_held || s->site == CR_NONE || st->signo != 5)
		return false;
	if (s->site == CR_CALL)
		return !(r->stall_at > 0 && (long)r->nseen + 1 == r->stall_at);
	return !(r->entered >= 0 && r->entered == r->last_runnable);
}

static int cr_answer(struct rec *r, const struct rsp_stop *st)
{
	struct cr *s = r->sch_state;
	enum cr_site at = s->site;

	(void)st;
	if (rec_queue_g(r) < 0 || cr_swap(r, at == CR_CALL ? CR_RET : CR_CALL) < 0)
		return -1;
	s->pending = at;
	return 0;
}

/*
 * After the resume of a stop answered blind: its registers are in the
 * connection's 'g' cache.  A call: which initcall starts.  A return:
 * which one ended, with what.  Should that have been the table's last
 * after all (one the recorder thought still to come was never called),
 * the guest is stopped with 0x03 (no debug stop) to put the milestones
 * back.
 */
static int cr_after_resume(struct rec *r)
{
	struct cr *s = r->sch_state;
	enum cr_site site = s->pending;
	int last;

	if (site == CR_NONE)
		return 0;
	s->pending = CR_NONE;
	r->nfast++;
	if (site == CR_CALL) {
		uint64_t fn = rec_reg(r, r->rs.call_reg);
		size_t j;

		for (j = r->next; j < r->nic; j++)
			if (r->ics[j].addr == fn)
				break;
		if (j < r->nic)
			return rec_on_entry(r, j);
		r->nunattributed++;
		return 0;
	}
	last = rec_on_return_data(r);
	if (last <= 0)
		return last;
	return rec_ended_early(r);
}

static bool cr_owns(struct rec *r, uint64_t lin)
{
	return (r->call_armed && lin == r->rs.call_addr) ||
	       (r->ret_armed && lin == r->rs.ret_addr);
}

/* The slow way: at the return site, the last runnable initcall's return;
 * at the call site (the first call, the test stall), the call executed
 * by the recorder, then the return site armed. */
static int cr_at(struct rec *r, uint64_t lin, uint64_t ip)
{
	int rc;

	if (r->ret_armed && lin == r->rs.ret_addr)
		return rec_on_return(r, ip);
	if (!r->ms_held && rec_hold_milestones(r) < 0)
		return -1;
	rc = rec_on_call(r);
	if (rc == 0 && cr_swap(r, CR_RET) < 0)
		return -1;
	return rc;
}

static void cr_finish(struct rec *r)
{
	struct cr *s = r->sch_state;

	s->site = CR_NONE;
}

const struct rec_scheme rec_scheme_callret = {
	.name = "call-return",
	.prepare = cr_prepare,
	.knows = cr_knows,
	.answer = cr_answer,
	.owns = cr_owns,
	.at = cr_at,
	.after_resume = cr_after_resume,
	.finish = cr_finish,
};
