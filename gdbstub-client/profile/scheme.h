/*
 * scheme.h: the initcall schemes of the boot recorder, one interface.
 *
 * A scheme decides which breakpoints catch each initcall's start and end
 * and how a stop there is answered.  rec_prepare_initcalls()
 * (initcalls.c) chooses one, once do_one_initcall's code can be read:
 * rec_schemes[] in order of preference, each tried when what it needs
 * holds (the --initcalls mode, a call the recorder can execute, software
 * breakpoints, no --until SYMBOL that is no milestone, no --test-stall),
 * its prepare() saying 0 when the kernel or the stub lacks something (the
 * next is tried then).  --initcall-scheme=NAME starts the list at NAME.
 *
 *   watch        a read watchpoint on blacklisted_initcalls (each start,
 *                no translation flush) and a breakpoint on the NOP after
 *                the return site (each end): one flushing stop per
 *                initcall (scheme-watch.c)
 *   call-return  breakpoints at do_one_initcall's call and return site,
 *                one armed at a time, each stop answered in one write
 *                (scheme-callret.c)
 *   call-site    a permanent breakpoint at the call, executed by the
 *                recorder, and one at the return site (scheme-callsite.c)
 *   functions    a breakpoint at the entry of the next initcalls, and
 *                one at the return site (scheme-functions.c)
 *
 * The stop dispatcher (recorder.c: handle_stop()) asks the active scheme:
 * knows() whether it answers a stop without asking where the guest is
 * (answer() does), else, once rip is read and the milestones had their
 * turn, owns() whether the breakpoint there is the scheme's (at() does).
 */
#ifndef GC_SCHEME_H
#define GC_SCHEME_H

#include "recorder-int.h"

struct rec_scheme {
	const char *name;        /* --initcall-scheme=NAME */
	bool entry_bps;          /* entry breakpoints of the initcalls:
				  * rec_arm_window() arms them */
	/* Arm it.  why: what the call in do_one_initcall is, or why the
	 * recorder cannot execute it.  1 armed (r->scheme says how, the
	 * progress output too), 0 not possible here, -1 error. */
	int (*prepare)(struct rec *r, const char *why);
	/* Whether it answers the stop st without reading where the guest
	 * is; answer() then does: 0 resume, -1 error.  NULL: never. */
	bool (*knows)(struct rec *r, const struct rsp_stop *st);
	int (*answer)(struct rec *r, const struct rsp_stop *st);
	/* Whether the breakpoint at lin is the scheme's; at() handles the
	 * stop then: 0 resume, 1 the end, -1 error. */
	bool (*owns)(struct rec *r, uint64_t lin);
	int (*at)(struct rec *r, uint64_t lin, uint64_t ip);
	/* After the resume of a stop answer() answered: its replies.  0 or
	 * -1.  NULL: nothing to do. */
	int (*after_resume)(struct rec *r);
	/* The table's last initcall returned: its own breakpoints out
	 * (queued).  NULL: none (the shared call and return sites come out
	 * in rec_finish_initcalls()). */
	void (*finish)(struct rec *r);
	/* A --sample tick met a watchpoint stop, at guest time g: true when
	 * the scheme took it (an initcall's start).  NULL: never. */
	bool (*tick_watch)(struct rec *r, const struct rsp_stop *st, int64_t g);
	/* Its line of the closing summary; NULL none. */
	void (*summary)(struct rec *r);
};

extern const struct rec_scheme rec_scheme_watch;
extern const struct rec_scheme rec_scheme_callret;
extern const struct rec_scheme rec_scheme_callsite;
extern const struct rec_scheme rec_scheme_functions;

/* In order of preference; NULL-terminated. */
extern const struct rec_scheme *const rec_schemes[];

/* The scheme called name; NULL when none is. */
const struct rec_scheme *rec_scheme_find(const char *name);

#endif
