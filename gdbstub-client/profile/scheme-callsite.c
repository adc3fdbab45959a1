/*
 * scheme-callsite.c: the call-site scheme (scheme.h), two breakpoint
 * stops per initcall, no single step, no breakpoint change while the
 * initcalls run.
 *
 * What.  One permanent breakpoint at the indirect call in
 * do_one_initcall ("call *%REG" or "call __x86_indirect_thunk_REG"),
 * where the register holds the initcall (its start), and, with
 * --initcalls=breakpoints, one at the return site (its end: rax the
 * return value, a callee-saved register the function).  With
 * --initcalls=entries the call site alone: one stop per initcall.
 *
 * How.  At the call the recorder executes the call for the guest
 * (rec_on_call(): the return address to [rsp - 8], rsp -= 8, rip = the
 * function; a retpoline thunk is "jmp *%REG"), queued with the resume.
 * At the return site it executes the instruction there when it is a
 * register or memory load (rec_on_return(), recorder.h: rec_decode_emul)
 * and single-steps anything else.  One round trip per stop.  Best with
 * hardware breakpoints (KVM: QEMU refuses int3 before paging, and every
 * insert is a round trip) and with --until SYMBOL that is no milestone.
 *
 * Where it breaks.  A call the recorder cannot execute (recorder.h:
 * rec_call_emulable) leaves the per-function scheme.
 */
#include "scheme.h"

#include <stdio.h>

static int cs_prepare(struct rec *r, const char *why)
{
	bool bps = r->mode == IC_BREAKPOINTS;

	if (bps) {
		r->ret_armed = true;
		if (rec_bp_want(r, r->rs.ret_addr, true, "return site") < 0)
			return -1;
	}
	r->call_armed = true;
	if (rec_bp_want(r, r->rs.call_addr, true, "call site") < 0)
		return -1;
	snprintf(r->scheme, sizeof r->scheme, "call site: permanent %s "
		 "breakpoint%s at do_one_initcall's call%s, the call executed "
		 "by the recorder", rec_bp_kind(r, r->rs.call_addr),
		 bps ? "s" : "", bps ? " and return site" : "");
	rec_progress(r, "%zu initcalls in table order: %s breakpoint at the call "
		     "0x%llx%s%s%s, permanent until the last one %s; the call is "
		     "executed by the recorder (%s): no entry breakpoints",
		     r->nic, rec_bp_kind(r, r->rs.call_addr),
		     (unsigned long long)r->rs.call_addr,
		     bps ? " and " : "", bps ? rec_bp_kind(r, r->rs.ret_addr) : "",
		     bps ? " breakpoint at the return site" : "",
		     bps ? "returns" : "is called", why);
	return 1;
}

static bool cs_owns(struct rec *r, uint64_t lin)
{
	return (r->ret_armed && lin == r->rs.ret_addr) ||
	       (r->call_armed && lin == r->rs.call_addr);
}

static int cs_at(struct rec *r, uint64_t lin, uint64_t ip)
{
	if (r->ret_armed && lin == r->rs.ret_addr)
		return rec_on_return(r, ip);
	return rec_on_call(r);
}

const struct rec_scheme rec_scheme_callsite = {
	.name = "call-site",
	.prepare = cs_prepare,
	.owns = cs_owns,
	.at = cs_at,
};
