/*
 * initcalls.c: the initcall table, what every initcall scheme shares, and
 * the choice of scheme (scheme.h).
 *
 * What.  The table comes from the kernel file (kernel-symbols, with
 * levels) or, for a kernel without one (the test guest), from guest
 * memory between __initcall_start and __initcall_end once it can be read.
 * An initcall starts at rec_on_entry() and ends at rec_on_return_data()
 * (rax: its return value; a callee-saved register: which function
 * returned, checked against the one expected); the schemes differ in
 * which stops bring them there.
 *
 * How.  At the first milestone stop after which do_one_initcall's bytes
 * decode (start_kernel for Linux), rec_prepare_initcalls() finds its
 * indirect call and the return site after it (decode.c), and
 * choose_scheme() arms the first scheme whose conditions hold.  After the
 * table's last runnable initcall returns, rec_finish_initcalls() takes
 * the scheme's breakpoints out and puts back the milestones held back, so
 * module inits called later from userspace are neither stopped for nor
 * mis-attributed.
 *
 * Where it breaks.  An initcall that is never called (initcall_blacklist=)
 * is skipped; one whose entry was not seen is resynchronised at its
 * return (IC_MISSED); a return the recorder cannot tie to the table
 * counts as unattributed.  A kernel without nokaslr, or without
 * do_one_initcall, records no initcalls.
 */
#include "scheme.h"
#include "ksym.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The table from the kernel file.  0 (a table without levels is read
 * from memory later, rec_prepare_initcalls()), -1 out of memory.
 */
int rec_load_initcalls(struct rec *r, const char *kpath)
{
	struct ksym_initcall *tab = NULL;
	struct kit_err e;
	size_t n = 0, i;

	if (ksym_initcalls(r->syms, &tab, &n, &e) == 0 && n) {
		r->ics = calloc(n, sizeof *r->ics);
		if (!r->ics) {
			free(tab);
			return error("out of memory");
		}
		for (i = 0; i < n; i++) {
			r->ics[i].addr = tab[i].fn;
			r->ics[i].wstart = -1;
			r->ics[i].fn = tab[i].func;
			snprintf(r->ics[i].level, sizeof r->ics[i].level,
				 "%s", tab[i].level);
			r->ics[i].sync = tab[i].sync;
			memcpy(r->ics[i].module, tab[i].module, sizeof tab[i].module);
		}
		r->nic = n;
	}
	free(tab);
	if (r->mode == IC_BREAKPOINTS && !r->doi_addr &&
	    !ksym_addr(r->syms, "do_one_initcall")) {
		warning("no do_one_initcall in '%s': initcalls are not recorded", kpath);
		r->mode = IC_OFF;
	}
	return 0;
}

static int load_table_from_memory(struct rec *r)
{
	uint64_t a = ksym_addr(r->syms, "__initcall_start");
	uint64_t b = ksym_addr(r->syms, "__initcall_end");
	uint8_t *buf;
	size_t n, i;
	ssize_t got;

	if (!a || b <= a || (b - a) % 4 || b - a > 4 * 65536)
		return -1;
	n = (b - a) / 4;
	buf = malloc(b - a);
	if (!buf)
		return -1;
	got = rec_read_mem(r, a, buf, b - a);
	if (got != (ssize_t)(b - a)) {
		free(buf);
		return -1;
	}
	/* every entry must point at the start of a function */
	for (i = 0; i < n; i++) {
		int32_t off = (int32_t)rsp_le_to_u64(buf + 4 * i, 4);
		uint64_t fn = a + 4 * i + (uint64_t)(int64_t)off, o;
		const struct ksym_sym *s = ksym_lookup_addr(r->syms, fn, &o);

		if (!off || !s || o || (s->type != 'T' && s->type != 't')) {
			free(buf);
			return -1;
		}
	}
	r->ics = calloc(n, sizeof *r->ics);
	if (!r->ics) {
		free(buf);
		return -1;
	}
	for (i = 0; i < n; i++) {
		int32_t off = (int32_t)rsp_le_to_u64(buf + 4 * i, 4);
		uint64_t fn = a + 4 * i + (uint64_t)(int64_t)off, o;

		r->ics[i].addr = fn;
		r->ics[i].wstart = -1;
		r->ics[i].fn = ksym_name(r->syms, ksym_lookup_addr(r->syms, fn, &o));
		snprintf(r->ics[i].level, sizeof r->ics[i].level, "device");
	}
	r->nic = n;
	r->table_from_mem = true;
	free(buf);
	return 0;
}

/* The last initcall of the table that initcall_blacklist= does not name:
 * the one whose return ends the initcalls. */
long rec_last_runnable(struct rec *r)
{
	const char *bl = r->have_append ? strstr(r->append, "initcall_blacklist=") : NULL;
	long i;

	for (i = (long)r->nic - 1; i >= 0; i--) {
		const char *fn = r->ics[i].fn, *p;
		size_t n = strlen(fn);
		bool listed = false;

		for (p = bl ? bl + strlen("initcall_blacklist=") : NULL;
		     p && *p && *p != ' '; p += strcspn(p, ", "), p += *p == ',') {
			if (!strncmp(p, fn, n) && (p[n] == ',' || p[n] == ' ' || !p[n]))
				listed = true;
		}
		if (!listed)
			return i;
	}
	return -1;
}

/* Whether anything the recorder still wants sits at addr. */
static bool addr_wanted(struct rec *r, uint64_t addr)
{
	size_t i;

	for (i = 0; i < r->nms; i++)
		if (r->ms[i].armed && r->ms[i].addr == addr)
			return true;
	for (i = r->next; i < r->nic && i < r->next + REC_WINDOW; i++)
		if (r->ics[i].armed && r->ics[i].addr == addr)
			return true;
	if (r->call_armed && r->rs.call_addr == addr)
		return true;
	return r->ret_armed && r->rs.ret_addr == addr;
}

int rec_bp_drop(struct rec *r, uint64_t addr)
{
	return addr_wanted(r, addr) || !rec_bp_at(r, addr) ? 0 : rec_bp_remove(r, addr);
}

/* Arm the entry breakpoints of the window [next, next + REC_WINDOW);
 * disarm those before it. */
int rec_arm_window(struct rec *r)
{
	size_t i;

	if (!r->sch || !r->sch->entry_bps)
		return 0;      /* no entry breakpoints */
	for (i = 0; i < r->nic; i++) {
		struct rec_ic *ic = &r->ics[i];
		bool in = !r->ics_done && i >= r->next && i < r->next + REC_WINDOW &&
			  ic->state == IC_PENDING;

		if (in && !ic->armed) {
			ic->armed = true;
			if (rec_bp_want(r, ic->addr, false, ic->fn) < 0)
				return -1;
		} else if (!in && ic->armed) {
			ic->armed = false;
			if (rec_bp_drop(r, ic->addr) < 0)
				return -1;
		}
		if (i >= r->next + REC_WINDOW && !ic->armed)
			break;
	}
	return 0;
}

/*
 * Where the guest stopped.  At a stop that can only be an initcall's entry
 * (or a later milestone) of a kernel in the upper half, 'p' for rip alone
 * answers (16 hex digits instead of the ~1200 of 'g', and no decoding): an
 * address there cannot be a real-mode IP, so it is the linear address.
 * Anywhere else, or when rip turns out to be the return site after all,
 * 'g' reads everything (rec_on_return() needs rax and the function register).
 */
int rec_read_stop_pc(struct rec *r, uint64_t *lin, uint64_t *ip)
{
	uint64_t v;

	if (r->prepared && r->sch->entry_bps && r->doi_addr >= 0xffff800000000000ull &&
	    !(r->ret_armed && r->entered >= 0) && rec_has_reg(r, "rip") &&
	    rec_flush(r, false) == 0) {
		rec_quickack(r);
		if (rsp_read_register_u64(r->c, "rip", &v, NULL) == 0 &&
		    v >= 0xffff800000000000ull &&
		    !(r->ret_armed && v == r->rs.ret_addr)) {
			*lin = *ip = v;
			return 0;
		}
	}
	return rec_read_regs(r, lin, ip);
}

/* The table's last initcall returned (its registers were read after the
 * guest resumed, so it runs): stop it with 0x03 (no debug stop) to arm the
 * milestones after the initcalls, and let it go on. */
int rec_ended_early(struct rec *r)
{
	rec_progress(r, "the last initcall returned earlier than expected: stopping "
		     "the guest to arm the milestones after it");
	rec_halt_running(r);
	if (!r->alive)
		return 0;
	rec_finish_initcalls(r, r->g);
	return rec_resume(r);
}

/* A stop reply for a watchpoint (QEMU 7.2: "rwatch:ADDR" for Z3). */
bool rec_is_watch(const struct rsp_stop *st)
{
	return st->reason == RSP_REASON_RWATCH || st->reason == RSP_REASON_AWATCH ||
	       st->reason == RSP_REASON_WATCH;
}

/*
 * Whether the call-return scheme (and so the watch scheme) may run: not
 * with hardware breakpoints (KVM refused a Z0: each insert is a round
 * trip, bp_insert_now(), and no cache flush to save under KVM), and not
 * when --until names a symbol that is no milestone (it might be reached
 * during the initcalls, when only the call or return site is armed).
 */
static bool fast_allowed(struct rec *r)
{
	size_t i;

	if (r->z0_refused)
		return false;
	for (i = 0; i < r->nms; i++)
		if (r->ms[i].is_until && !r->ms[i].hit && !r->ms[i].phase[0])
			return false;
	return true;
}

/*
 * The choice of scheme: the first of rec_schemes[] (from
 * --initcall-scheme's on) whose conditions hold and whose prepare() arms
 * it.  The watch and call-return schemes need --initcalls=breakpoints, a
 * call the recorder can execute and fast_allowed(); the watch scheme no
 * --test-stall (its starts are known only after the resume); the
 * call-site scheme a call it can execute; the per-function scheme
 * nothing.  callsite: the call can be executed; why: what it is, or why
 * not (the prepare()s print it).  1, or -1 on error.
 */
static int choose_scheme(struct rec *r, bool callsite, const char *why)
{
	bool fast = r->mode == IC_BREAKPOINTS && callsite && fast_allowed(r);
	char forced[80];
	size_t i = 0;
	int rc;

	if (r->scheme_opt) {
		while (rec_schemes[i] && rec_schemes[i] != r->scheme_opt)
			i++;
		rec_progress(r, "initcall scheme '%s' or a fallback after it "
			     "(--initcall-scheme)", r->scheme_opt->name);
	}
	for (; rec_schemes[i]; i++) {
		const struct rec_scheme *s = rec_schemes[i];

		if ((s == &rec_scheme_watch && (!fast || r->stall_at > 0)) ||
		    (s == &rec_scheme_callret && !fast) ||
		    (s == &rec_scheme_callsite && !callsite))
			continue;
		if (s == &rec_scheme_functions && callsite) {
			/* the call could be executed: skipped as asked */
			snprintf(forced, sizeof forced, "--initcall-scheme=%s is given",
				 r->scheme_opt ? r->scheme_opt->name : s->name);
			why = forced;
		}
		r->sch = s;
		rc = s->prepare(r, why);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			r->prepared = true;
			return 1;
		}
		r->sch = NULL;
	}
	return error("no initcall scheme could be armed");
}

/*
 * At a stop where the kernel's text may be readable: find the call and
 * the return site in do_one_initcall and arm a scheme.  Quietly 0 when
 * not yet possible (memory not there); 1 when prepared.
 */
int rec_prepare_initcalls(struct rec *r)
{
	uint8_t code[1024];
	struct kit_err e;
	ssize_t got;
	char why[160] = "";
	bool callsite = false;

	if (r->prepared || r->mode == IC_OFF || r->mode == IC_KLOG || !r->nokaslr)
		return 0;
	if (!r->ics && load_table_from_memory(r) < 0)
		return 0;
	if (!r->nic)
		return 0;
	if (!r->doi_addr) {
		/* entries only: breakpoints mode was turned off without it */
		snprintf(why, sizeof why, "no do_one_initcall symbol");
	} else {
		size_t len = r->doi_size && r->doi_size < sizeof code ?
			     (size_t)r->doi_size : sizeof code;

		got = rec_read_mem(r, r->doi_addr, code, len);
		if (got < 16)
			return 0;
		if (rec_find_return_site(code, (size_t)got, r->doi_addr, r->syms,
					 &r->rs, &e) < 0) {
			if (r->mode == IC_BREAKPOINTS)
				return 0;   /* maybe not decompressed yet */
			/* entries: the per-function scheme needs no call */
			snprintf(why, sizeof why, "%.150s", e.msg);
		} else {
			r->have_rs = true;
		}
	}
	if (r->mode == IC_BREAKPOINTS && !r->have_rs)
		return 0;
	if (r->have_rs)
		callsite = rec_call_emulable(&r->rs, why, sizeof why);
	if (r->mode == IC_BREAKPOINTS) {
		uint8_t ebytes[16];

		if (rec_read_mem(r, r->rs.ret_addr, ebytes, sizeof ebytes) ==
		    (ssize_t)sizeof ebytes &&
		    rec_decode_emul(ebytes, sizeof ebytes, r->rs.ret_addr,
				    &r->emul) == 0)
			r->emul_ok = r->emul.kind != REC_EMUL_NONE;
	}
	if (r->have_rs)
		rec_progress(r, "do_one_initcall: call%s *%%%s at 0x%llx, return site 0x%llx "
			     "(%s), function in %%%s",
			     r->rs.thunk ? " (retpoline thunk)" : "", r->rs.call_reg,
			     (unsigned long long)r->rs.call_addr,
			     (unsigned long long)r->rs.ret_addr,
			     r->mode != IC_BREAKPOINTS ? "not used: entries" :
			     r->emul_ok ? r->emul.text : r->emul.text[0] ?
				     "not emulated: step over" : "?",
			     r->rs.fn_reg[0] ? r->rs.fn_reg : "(unknown: not checked)");
	return choose_scheme(r, callsite, why);
}

void rec_finish_initcalls(struct rec *r, int64_t t)
{
	size_t i;

	r->ics_done = true;
	if (r->sch && r->sch->finish)
		r->sch->finish(r);
	for (i = 0; i < r->nms; i++) {
		struct rec_ms *m = &r->ms[i];

		if (m->deferred) {
			m->deferred = false;
			m->armed = true;
			rec_bp_want(r, m->addr, true, m->name);
		}
	}
	rec_arm_window(r);
	if (r->call_armed) {
		r->call_armed = false;
		rec_bp_drop(r, r->rs.call_addr);
	}
	if (r->ret_armed) {
		r->ret_armed = false;
		rec_bp_drop(r, r->rs.ret_addr);
	}
	for (i = r->next; i < r->nic; i++)
		if (r->ics[i].state == IC_PENDING)
			r->ics[i].state = IC_SKIPPED;
	if (r->level_phase[0])
		rec_phase_close(r, r->level_last_end);
	rec_phase_open(r, r->after_ic_phase, r->level_last_end ? r->level_last_end : t);
	rec_progress(r, "initcalls done at %.1f ms: %zu called, %zu returned",
		     rec_ms_of(t), r->nseen, r->nreturned);
}

static void enter_level(struct rec *r, const struct rec_ic *ic, int64_t t)
{
	char id[48];

	snprintf(id, sizeof id, "initcalls:%s", ic->level);
	if (r->level_phase[0] && !strcmp(r->level_phase, id))
		return;
	if (r->level_phase[0])
		/* the level ends at its last return; the gap is no phase */
		rec_phase_close(r, r->mode == IC_BREAKPOINTS ? r->level_last_end : t);
	rec_phase_open(r, id, t);
	snprintf(r->level_phase, sizeof r->level_phase, "%s", id);
}

/* --test-stall: hold the guest for up to 10 s (a signal, or the stub
 * closing, ends it earlier), so that a test can interrupt a recording at
 * a known point. */
static void stall_for_test(struct rec *r)
{
	rec_progress(r, "stalling (--test-stall) with the guest held");
	rec_wait_input(r, 10000);
}

/* A stop at the entry breakpoint of initcall i. */
int rec_on_entry(struct rec *r, size_t i)
{
	struct rec_ic *ic = &r->ics[i];
	int64_t t = r->g;
	size_t j;

	for (j = r->next; j < i; j++)
		if (r->ics[j].state == IC_PENDING)
			r->ics[j].state = IC_SKIPPED;
	if (r->entered >= 0) {
		struct rec_ic *prev = &r->ics[r->entered];

		/* entries: runs to here; breakpoints: its return was missed */
		prev->end = t;
		prev->state = IC_DONE;
		if (r->mode == IC_BREAKPOINTS)
			r->nunattributed++;
		r->level_last_end = t;
	}
	enter_level(r, ic, t);
	ic->state = IC_ENTERED;
	ic->start = t;
	r->entered = (long)i;
	r->next = i + 1;
	r->nseen++;
	if (r->progress_every && r->nseen % r->progress_every == 0)
		rec_progress(r, "%zu/%zu initcalls, at %s (%.1f ms)", r->nseen, r->nic,
			     ic->fn, rec_ms_of(t));
	if (r->stall_at > 0 && (long)r->nseen == r->stall_at)
		stall_for_test(r);
	if (r->mode == IC_ENTRIES && i + 1 == r->nic && r->call_armed) {
		/* the last one ends at the next stop, whatever it is; no
		 * more calls to stop for (module inits from userspace) */
		r->call_armed = false;
		if (rec_bp_drop(r, r->rs.call_addr) < 0)
			return -1;
	}
	if (!r->sch->entry_bps)
		return 0;      /* no entry breakpoint to leave */
	if (rec_arm_window(r) < 0)
		return -1;
	if (rec_bp_at(r, ic->addr))
		return rec_step_over(r);
	/* The breakpoint is gone (its z0 goes out with the resume, ahead
	 * of it), so continuing from here does not stop again: no step, no
	 * rip to move (the first instruction, ftrace's NOP or not, runs). */
	return 0;
}

/*
 * A stop at the call in do_one_initcall (the call-site scheme): the
 * function is in the call's register.  The call is executed here, with no
 * single step and no breakpoint change: the return address goes to
 * [rsp - 8], rsp -= 8 and rip = the function (a retpoline thunk is "jmp
 * *%REG", so going straight to the function is the same), queued and
 * written with the resume.
 */
int rec_on_call(struct rec *r)
{
	uint64_t fn = rec_reg(r, r->rs.call_reg), sp = rec_reg(r, "rsp") - 8;
	uint8_t b[8];
	char pkt[64];
	size_t j;
	int n;

	for (j = r->next; j < r->nic; j++)
		if (r->ics[j].addr == fn)
			break;
	if (j < r->nic) {
		if (rec_on_entry(r, j) < 0)
			return -1;
	} else {
		r->nunattributed++;
	}
	rsp_u64_to_le(b, sizeof b, r->rs.ret_addr);
	n = snprintf(pkt, sizeof pkt, "M%llx,8:", (unsigned long long)sp);
	rsp_hex_encode(pkt + n, b, sizeof b);
	if (rec_queue(r, pkt, "cannot write the return address at 0x%llx",
		      (unsigned long long)sp) < 0 ||
	    rec_write_reg(r, "rsp", sp) < 0 || rec_write_reg(r, "rip", fn) < 0)
		return -1;
	r->ncalls++;
	return 0;
}

/* What a stop at the return site says, from the registers of its 'g': the
 * initcall that returned and its value.  1 when it was the table's last,
 * 0 if not, -1 on error. */
int rec_on_return_data(struct rec *r)
{
	int64_t t = r->g;
	uint64_t rax = rec_reg(r, "rax");
	uint64_t fnv = r->rs.fn_reg[0] ? rec_reg(r, r->rs.fn_reg) : 0;
	struct rec_ic *ic = r->entered >= 0 ? &r->ics[r->entered] : NULL;
	bool last = false;

	if (ic && (!r->rs.fn_reg[0] || fnv == ic->addr)) {
		ic->end = t;
		ic->ret = (int64_t)(int32_t)(uint32_t)rax;
		ic->has_ret = true;
		ic->state = IC_DONE;
		r->nreturned++;
		r->level_last_end = t;
		last = (size_t)r->entered + 1 == r->nic;
		r->entered = -1;
	} else if (r->rs.fn_reg[0]) {
		size_t j;

		/* A table initcall whose entry we did not see (two skipped
		 * in a row): resynchronise; anything else is not ours. */
		for (j = r->next; j < r->nic; j++)
			if (r->ics[j].addr == fnv)
				break;
		if (j < r->nic) {
			size_t k;

			for (k = r->next; k < j; k++)
				r->ics[k].state = IC_SKIPPED;
			r->ics[j].state = IC_MISSED;
			r->next = j + 1;
			last = j + 1 == r->nic;
			if (rec_arm_window(r) < 0)
				return -1;
		} else {
			r->nunattributed++;
		}
	} else {
		r->nunattributed++;
	}
	return last;
}

/* A stop at the return site in do_one_initcall. */
int rec_on_return(struct rec *r, uint64_t ip)
{
	int last = rec_on_return_data(r);

	if (last < 0)
		return -1;
	if (last)
		rec_finish_initcalls(r, r->g);
	if (!rec_bp_at(r, ip))
		return 0;
	if (r->emul_ok && ip == r->rs.ret_addr) {
		uint64_t src = 0, old = rec_reg(r, r->emul.dst);

		if (r->emul.kind == REC_EMUL_MOV_REG) {
			src = rec_reg(r, r->emul.src);
		} else if (r->emul.kind == REC_EMUL_MOV_MEM) {
			uint8_t m[8];

			if (rec_read_mem(r, r->emul.mem, m,
					    (size_t)r->emul.src_bytes) !=
			    r->emul.src_bytes)
				return rec_step_over(r);
			src = rsp_le_to_u64(m, (size_t)r->emul.src_bytes);
		}
		if (rec_write_reg(r, r->emul.dst, rec_emul_result(&r->emul, old, src)) < 0 ||
		    rec_write_reg(r, "rip", ip + r->emul.size) < 0)
			return -1;
		r->nemul++;
		return 0;
	}
	return rec_step_over(r);
}

const struct rec_scheme *const rec_schemes[] = {
	&rec_scheme_watch,
	&rec_scheme_callret,
	&rec_scheme_callsite,
	&rec_scheme_functions,
	NULL,
};

const struct rec_scheme *rec_scheme_find(const char *name)
{
	size_t i;

	for (i = 0; rec_schemes[i]; i++)
		if (!strcmp(rec_schemes[i]->name, name))
			return rec_schemes[i];
	return NULL;
}
