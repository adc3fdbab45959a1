/*
 * scheme-functions.c: the per-function scheme (scheme.h), for a call the
 * recorder cannot execute.
 *
 * What.  A breakpoint at the entry of the next initcall in table order
 * (REC_WINDOW armed at a time, so an initcall that is never called, e.g.
 * blacklisted, does not hide the rest), removed once hit, so that
 * continuing from it needs no step; and, with --initcalls=breakpoints,
 * one breakpoint at the return site in do_one_initcall, where rax holds
 * the return value and a callee-saved register the function, checked
 * against the initcall expected.
 *
 * How.  An entry stop reads rip alone ('p', rec_read_stop_pc()); the
 * return site is left by executing its instruction for the guest (a
 * register or memory load, recorder.h: rec_decode_emul) and moving rip
 * on; other instructions are single-stepped, and counted.  Each stop's
 * Z0/z0/P packets and the resume go out in one write (rec_flush()).
 *
 * Where it breaks.  It is the fallback: no condition.  Each entry
 * breakpoint insert flushes QEMU's translation cache (during a debug
 * stop, where that costs little), and the window is two: three initcalls
 * in a row never called lose the next one's entry (resynchronised at its
 * return).
 */
#include "scheme.h"

#include <stdio.h>

static int fn_prepare(struct rec *r, const char *why)
{
	if (r->mode == IC_BREAKPOINTS) {
		r->ret_armed = true;
		if (rec_bp_want(r, r->rs.ret_addr, true, "return site") < 0)
			return -1;
	}
	snprintf(r->scheme, sizeof r->scheme, "per-function entry breakpoints "
		 "(the call in do_one_initcall is not executed by the recorder: %s)",
		 why);
	if (rec_arm_window(r) < 0)
		return -1;
	rec_progress(r, "%zu initcalls armed in table order (%s); per-function entry "
		     "breakpoints, as the call cannot be executed here: %s", r->nic,
		     r->mode == IC_BREAKPOINTS ? "entry and return breakpoints" :
		     "entry breakpoints only", why);
	return 1;
}

/* The armed entry breakpoint at lin: its initcall's index, or nic. */
static size_t fn_entry_at(struct rec *r, uint64_t lin)
{
	size_t i;

	for (i = r->next; i < r->nic && i < r->next + REC_WINDOW; i++)
		if (r->ics[i].armed && r->ics[i].addr == lin)
			return i;
	return r->nic;
}

static bool fn_owns(struct rec *r, uint64_t lin)
{
	return (r->ret_armed && lin == r->rs.ret_addr) ||
	       fn_entry_at(r, lin) < r->nic;
}

static int fn_at(struct rec *r, uint64_t lin, uint64_t ip)
{
	if (r->ret_armed && lin == r->rs.ret_addr)
		return rec_on_return(r, ip);
	return rec_on_entry(r, fn_entry_at(r, lin));
}

const struct rec_scheme rec_scheme_functions = {
	.name = "functions",
	.entry_bps = true,
	.prepare = fn_prepare,
	.owns = fn_owns,
	.at = fn_at,
};
