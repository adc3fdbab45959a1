/*
 * milestones.c: the boot's milestones, where the phases start.
 *
 * What.  For a Linux bzImage (kernel-symbols' milestones): setup entry
 * 0x10200 (QEMU -kernel), decompressor startup_32 0x100000, kernel
 * startup_64 at its physical address, start_kernel, run_init_process.
 * The virtual ones need nokaslr on the command line; without it only
 * firmware, setup and the decompressor are split and the rest is one
 * phase.  --milestones NAME,... replaces them with symbols of the given
 * file (the test guest: start16,start32,start64,initcalls_done): the
 * phase that starts at a milestone is named after it.  --until NAME ends
 * the recording at a milestone or a symbol (--save-memory is read there).
 *
 * How.  One breakpoint each, armed at attach, removed once hit.  Under
 * TCG a breakpoint slows the code of its 4 KiB page and, less, all the
 * code while it is armed, so start_kernel's goes on its first callee in
 * another page (resolve_stem()) and, with --initcalls=off,
 * run_init_process's is armed only when the kernel leaves its initcalls
 * (rec_watch_setup()).  While the initcalls run, the milestones ahead are
 * held back for the schemes that answer stops blind
 * (rec_hold_milestones()).
 *
 * Where it breaks.  A milestone symbol missing from the kernel is left
 * out; an unknown --milestones or --until name is an error.  A watch tick
 * that finds the guest in user mode first means run_init_process will
 * not be seen (said so).
 */
#include "recorder-int.h"
#include "ksym.h"

#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_ms(struct rec *r, const char *name, uint64_t addr,
		   const char *phase)
{
	struct rec_ms *m;

	if (r->nms >= REC_MAX_MS || !addr)
		return;
	m = &r->ms[r->nms++];
	snprintf(m->name, sizeof m->name, "%s", name);
	snprintf(m->phase, sizeof m->phase, "%s", phase ? phase : "");
	m->addr = addr;
}

static const struct {
	const char *ksym;     /* ksym_milestones' name */
	const char *phase;    /* phase that starts there */
	const char *alias;    /* what --until accepts besides the name */
	bool virt;
} kernel_ms[] = {
	{ "setup", "setup", NULL, false },
	{ "decompressor startup_32", "decompressor", "startup_32", false },
	{ "startup_64", "kernel-early", NULL, false },
	{ "start_kernel", "kernel-init", NULL, true },
	{ "run_init_process", "userspace", "userspace", true },
};

int rec_setup_milestones(struct rec *r)
{
	struct ksym_milestone km[32];
	size_t n, i, k;

	r->doi_addr = ksym_addr(r->syms, "do_one_initcall");
	if (r->doi_addr) {
		const struct ksym_sym *s = ksym_find(r->syms, "do_one_initcall");

		r->doi_size = s ? s->size : 0;
	}
	if (r->milestones_opt) {
		char *list = strdup(r->milestones_opt), *tok, *save = NULL;

		if (!list)
			return error("out of memory");
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			uint64_t a = ksym_addr(r->syms, tok);

			if (!a) {
				free(list);
				return error("unknown milestone '%s': no such symbol in '%s'",
					     tok, r->syms->path);
			}
			add_ms(r, tok, a, tok);
		}
		free(list);
		r->after_ic_phase = "after-initcalls";
	} else {
		n = ksym_milestones(r->syms, km, sizeof km / sizeof km[0]);
		if (n > sizeof km / sizeof km[0])
			n = sizeof km / sizeof km[0];
		for (k = 0; k < sizeof kernel_ms / sizeof kernel_ms[0]; k++) {
			if (kernel_ms[k].virt && !r->nokaslr)
				continue;
			if (!strcmp(kernel_ms[k].ksym, "startup_64") && !r->nokaslr)
				continue;  /* its physical address moves too */
			for (i = 0; i < n; i++)
				if (!strcmp(km[i].name, kernel_ms[k].ksym))
					add_ms(r, kernel_ms[k].alias && strcmp(kernel_ms[k].alias, "userspace") ?
					       kernel_ms[k].alias : kernel_ms[k].ksym,
					       km[i].addr, kernel_ms[k].phase);
		}
		r->after_ic_phase = "userspace-start";
		for (i = 1; i < r->nms; i++)
			if (!strcmp(r->ms[i].name, "start_kernel") &&
			    !strcmp(r->ms[i - 1].name, "startup_64"))
				r->ms[i].stem = true;
		for (i = 1; i < r->nms && (r->mode == IC_OFF || r->mode == IC_KLOG); i++)
			if (!strcmp(r->ms[i].name, "run_init_process") &&
			    !strcmp(r->ms[i - 1].name, "start_kernel") &&
			    ksym_addr(r->syms, "system_state") &&
			    ksym_addr(r->syms, "kernel_init"))
				r->ms[i].late = r->late_pending = true;
	}
	if (r->until) {
		for (i = 0; i < r->nms; i++) {
			bool match = !strcmp(r->ms[i].name, r->until) ||
				     !strcmp(r->ms[i].phase, r->until);

			if (match) {
				r->ms[i].is_until = true;
				r->nms = i + 1;
				r->have_until_ms = true;
				break;
			}
		}
		if (!r->have_until_ms) {
			uint64_t a = ksym_addr(r->syms, r->until);

			if (!a)
				return error("unknown end '%s': not a milestone or a symbol",
					     r->until);
			add_ms(r, r->until, a, NULL);
			r->ms[r->nms - 1].is_until = true;
			r->have_until_ms = true;
		}
	}
	for (i = 0; i < r->nms; i++) {
		if (r->ms[i].stem || r->ms[i].late)
			continue;
		r->ms[i].armed = true;
		if (rec_bp_want(r, r->ms[i].addr, true, r->ms[i].name) < 0)
			return -1;
	}
	return 0;
}

/*
 * start_kernel's breakpoint, armed at startup_64's stop.  Its own page
 * holds the early boot code that runs before it (x86_64_start_kernel,
 * clear_bss, the early page-fault handler), and a breakpoint makes QEMU
 * run that page one instruction at a time while it is armed (~0.15 s on
 * Debian's 6.1).  So the breakpoint goes on start_kernel's first callee
 * in another page (rec_first_callee(): set_task_stack_end_magic on 6.1,
 * 11 instructions in), whose stop is start_kernel's time; the return address
 * on the stack tells that call from any other.  The code is read from
 * guest memory at startup_64 (the kernel is decompressed then; its
 * physical alias is mapped).  When that fails, start_kernel itself.
 */
/*
 * start_kernel by a write watchpoint, under TCG, when no initcall stops
 * follow (klog, off: the breakpoint schemes flush at every initcall
 * anyway; not as --until's end, which a tick's race must not pass).
 * Its first call (Debian's
 * 5.10, 6.1 and 6.12 alike) is set_task_stack_end_magic(&init_task),
 * which writes STACK_END_MAGIC into the lowest word of init_task's stack,
 * init_stack: nothing writes that word before.  The watchpoint stops the
 * guest a few instructions after the callee's breakpoint would and, unlike
 * a breakpoint stop, flushes none of QEMU's translations: one breakpoint
 * stop at start_kernel moves ~5 ms between initcalls a second later
 * (chr_dev_init 12.1 ms against 7.0 without a debugger on 6.1; see
 * docs/qemu-notes.md and bench/stop-effects).  0 when armed so, 1 when not
 * (the breakpoint is used), -1 on a failed flush.
 */
static int stem_watch(struct rec *r, struct rec_ms *m, const char *callee)
{
	uint64_t w = ksym_addr(r->syms, "init_stack");
	struct kit_err e = { 0 };
	int rc;

	if ((r->mode != IC_KLOG && r->mode != IC_OFF) ||
	    strcmp(m->name, "start_kernel") || m->is_until || !callee ||
	    strcmp(callee, "set_task_stack_end_magic") || !w || r->z0_refused ||
	    strcmp(r->accel, "tcg"))
		return 1;
	rc = rec_wp_insert(r, RSP_WP_WRITE, w, 8, &e);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		rec_progress(r, "%s: a write watchpoint on init_stack, which its first "
			     "call (%s) writes: no translation flush there",
			     m->name, callee);
		m->watch = w;
		m->armed = true;
		return 0;
	}
	rec_progress(r, "%s: no write watchpoint on init_stack (%s): a breakpoint",
		     m->name, e.msg);
	return 1;
}

static int resolve_stem(struct rec *r, struct rec_ms *m, const struct rec_ms *s64)
{
	uint64_t s64_virt = ksym_addr(r->syms, "startup_64");
	const struct ksym_sym *sym = ksym_find(r->syms, m->name);
	struct rec_callee cal;
	uint8_t code[256];
	size_t len = sym && sym->size && sym->size < sizeof code ?
		     (size_t)sym->size : sizeof code;
	struct kit_err e = { 0 };
	ssize_t got = -1;

	m->stem = false;
	if (s64_virt && m->addr > s64_virt && !r->z0_refused)
		got = rec_read_mem(r, m->addr - s64_virt + s64->addr, code, len);
	if (got >= 16 &&
	    rec_first_callee(code, (size_t)got, m->addr, r->syms, &cal, &e) == 0) {
		int rc = stem_watch(r, m, cal.name);

		if (rc <= 0)
			return rc;
		rec_progress(r, "%s: breakpoint at its first call, %s (%u instructions "
			     "in): its own page runs early boot code", m->name,
			     cal.name, cal.insns);
		m->addr = cal.target;
		m->ret_check = cal.ret_addr;
	} else if (got >= 16) {
		rec_progress(r, "%s: breakpoint on it (no first callee: %s)", m->name, e.msg);
	}
	m->armed = true;
	return rec_bp_want(r, m->addr, true, m->name);
}

/*
 * The milestones after the initcalls, for --initcalls=off.  A breakpoint
 * armed while the initcalls run costs them time even far from any code
 * that runs (QEMU 7.2 checks its list at every jump it cannot chain:
 * ~0.1 s of Debian 6.1's 1.7 s), so run_init_process's is armed late: at
 * start_kernel's stop, the recorder picks a word that changes once the
 * initcalls are over, and ticks of interrupt stops (no translation flush;
 * REC_WATCH_HZ a second) read it; once it shows the change the guest is
 * stopped and the breakpoint armed.  The word:
 *   - system_state, when kernel_init's code stores two values into it
 *     (rec_stores_to(): SYSTEM_FREEING_INITMEM before free_initmem(), then
 *     SYSTEM_RUNNING just before run_init_process; 5.13 and later): armed
 *     at the first, ~160 ms before run_init_process on Debian's 6.1 under
 *     TCG;
 *   - else x86's kernel_set_to_readonly, which mark_rodata_ro() sets to 1
 *     after free_initmem(), when it still reads 0 and the command line has
 *     no rodata=off (which never sets it): Debian's 5.10.
 * With neither, or no code to read, it is armed at once.  Should a tick
 * find the guest in user mode first, the moment was missed (rec_watch_check()
 * says so).
 */
int rec_arm_late(struct rec *r)
{
	size_t i;

	r->late_pending = false;
	for (i = 0; i < r->nms; i++) {
		if (!r->ms[i].late || r->ms[i].hit)
			continue;
		r->ms[i].late = false;
		r->ms[i].armed = true;
		if (rec_bp_want(r, r->ms[i].addr, true, r->ms[i].name) < 0)
			return -1;
	}
	return 0;
}

static int watch_start(struct rec *r, const char *name, uint64_t var,
		       uint64_t min, const char *how)
{
	struct gc_tick_req q = { var, 4 };
	struct kit_err e;

	if (gc_tick_prepare(r->c, &r->sbatch, &q, 1, &e) < 0) {
		rec_progress(r, "run_init_process: armed now (%s)", e.msg);
		return rec_arm_late(r);
	}
	r->watch_name = name;
	r->watch_var = var;
	r->watch_min = min;
	r->watching = true;
	rec_progress(r, "run_init_process: armed once %s, watched at %d Hz with "
		     "interrupt stops", how, REC_WATCH_HZ);
	return 0;
}

int rec_watch_setup(struct rec *r)
{
	uint64_t var = ksym_addr(r->syms, "system_state");
	uint64_t ki = ksym_addr(r->syms, "kernel_init");
	uint64_t ro = ksym_addr(r->syms, "kernel_set_to_readonly");
	const struct ksym_sym *sym = ksym_find(r->syms, "kernel_init");
	uint64_t vals[8];
	uint8_t code[1024];
	uint32_t word;
	size_t len = sym && sym->size && sym->size < sizeof code ?
		     (size_t)sym->size : sizeof code;
	ssize_t got = r->z0_refused ? -1 : rec_read_mem(r, ki, code, len);
	size_t n = got >= 16 ? rec_stores_to(code, (size_t)got, ki, var, vals, 8) : 0;
	char how[128];
	/* mark_rodata_ro() does not run: strtobool's false words */
	bool rodata_off = rec_cmdline_has(r->append, "rodata=off") ||
			  rec_cmdline_has(r->append, "rodata=0") ||
			  rec_cmdline_has(r->append, "rodata=n") ||
			  rec_cmdline_has(r->append, "rodata=N");

	if (got >= 16 && n >= 2 && vals[0] < vals[n - 1]) {
		snprintf(how, sizeof how, "system_state = %llu (kernel_init stores "
			 "%llu, then %llu)", (unsigned long long)vals[0],
			 (unsigned long long)vals[0], (unsigned long long)vals[n - 1]);
		return watch_start(r, "system_state", var, vals[0], how);
	}
	if (got >= 16 && ro && !rodata_off &&
	    rec_read_mem(r, ro, &word, sizeof word) == sizeof word && word == 0) {
		snprintf(how, sizeof how, "kernel_set_to_readonly = 1 (kernel_init "
			 "stores %zu value%s into system_state)", n, n == 1 ? "" : "s");
		return watch_start(r, "kernel_set_to_readonly", ro, 1, how);
	}
	rec_progress(r, "run_init_process: armed now (kernel_init stores %zu "
		     "value%s into system_state%s)", n, n == 1 ? "" : "s",
		     !ro ? ", no kernel_set_to_readonly" :
		     rodata_off ? ", rodata=off: kernel_set_to_readonly is never set" :
		     ", kernel_set_to_readonly unreadable or set");
	return rec_arm_late(r);
}

/* A watch tick's word: when it shows the kernel past its initcalls, stop
 * the guest (an interrupt stop), arm, resume.  A tick in user mode (CPL
 * 3) means the moment was missed: said, and the breakpoints armed anyway
 * (run_init_process then never stops: the phase is missing). */
int rec_watch_check(struct rec *r, const struct gc_tick *t)
{
	bool user = (t->regs[GC_TICK_CR0] & X86_CR0_PG) && (t->regs[GC_TICK_CS] & 3) == 3;

	r->nwatch++;
	if (!(t->mem_ok[0] && gc_tick_word(t, 0, 4) >= r->watch_min) && !user)
		return 0;
	r->watching = false;
	snprintf(r->watch_note, sizeof r->watch_note,
		 "; run_init_process armed late (%lu watch ticks)", r->nwatch);
	if (user) {
		r->watch_missed = true;
		warning("the guest reached user mode before %s showed the "
			"initcalls' end: run_init_process will not be seen",
			r->watch_name);
	}
	rec_halt_running(r);
	if (!r->alive)
		return 1;
	if (rec_arm_late(r) < 0)
		return -1;
	return rec_resume(r) < 0 ? -1 : 0;
}

/* A stop at a milestone's callee: whether the call came from the
 * milestone's function (the return address at [rsp]). */
bool rec_stem_call(struct rec *r, const struct rec_ms *m)
{
	uint64_t ra = 0;

	if (!m->ret_check)
		return true;
	if (rec_read_mem(r, rec_reg(r, "rsp"), &ra, sizeof ra) != (ssize_t)sizeof ra)
		return true;   /* cannot tell: take it */
	return le64toh(ra) == m->ret_check;
}

static int save_memory(struct rec *r)
{
	char spec[4200], *c1, *c2, *end;
	unsigned long long addr, len;
	uint8_t *buf;
	ssize_t got;
	FILE *f;
	int ret = -1;

	snprintf(spec, sizeof spec, "%s", r->save_mem);
	c1 = strchr(spec, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2)
		return error("bad --save-memory '%s' (ADDR:LEN:FILE)", r->save_mem);
	*c1 = *c2 = '\0';
	addr = strtoull(spec, &end, 0);
	len = strtoull(c1 + 1, &end, 0);
	if (!len || len > (1u << 24))
		return error("bad --save-memory length '%s'", c1 + 1);
	buf = malloc(len);
	if (!buf)
		return error("out of memory");
	got = rec_read_mem(r, addr, buf, len);
	if (got != (ssize_t)len) {
		error("cannot read %llu bytes at 0x%llx", len, addr);
		goto out;
	}
	f = fopen(c2 + 1, "wb");
	if (!f) {
		error_errno("cannot write '%s'", c2 + 1);
		goto out;
	}
	if (fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		error_errno("cannot write '%s'", c2 + 1);
		goto out;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

/* The armed milestone whose watchpoint (stem_watch()) made stop st; NULL
 * none. */
struct rec_ms *rec_ms_watch_hit(struct rec *r, const struct rsp_stop *st)
{
	size_t i;

	if (!rec_is_watch(st))
		return NULL;
	for (i = 0; i < r->nms; i++) {
		struct rec_ms *m = &r->ms[i];

		if (m->armed && m->watch && st->watch_addr >= m->watch &&
		    st->watch_addr < m->watch + 8)
			return m;
	}
	return NULL;
}

/* A milestone (or several at one address) reached; 1 = the end. */
int rec_on_milestone(struct rec *r, struct rec_ms *m)
{
	return rec_on_milestone_at(r, m, r->g);
}

/* The same, reached at guest time t (earlier than now when its watch stop
 * met a tick: rec_sample_tick()). */
int rec_on_milestone_at(struct rec *r, struct rec_ms *m, int64_t t)
{

	m->hit = true;
	m->armed = false;
	if (m->watch) {
		if (rec_wp_remove(r, RSP_WP_WRITE, m->watch, 8) < 0)
			return -1;
		m->watch = 0;
	} else {
		rec_bp_drop(r, m->addr);
	}
	if (m->phase[0]) {
		if (r->level_phase[0] && r->mode == IC_BREAKPOINTS)
			rec_phase_close(r, r->level_last_end);
		rec_phase_open(r, m->phase, t);
	}
	rec_progress(r, "%s at %.1f ms", m->name, rec_ms_of(t));
	rec_klog_milestone(r, m->name);
	if (rec_mem_milestone(r, m->name, m->is_until) < 0)
		return -1;
	if (!strcmp(m->name, "start_kernel") && rec_klog_start(r) < 0)
		return -1;
	if (m->is_until) {
		snprintf(r->endname, sizeof r->endname, "%s",
			 !strcmp(m->name, "run_init_process") ? "userspace" : m->name);
		r->complete = true;
		if (r->save_mem && save_memory(r) < 0)
			rec_set_incomplete(r, "could not save memory");
		return 1;
	}
	if (m + 1 < r->ms + r->nms && m[1].stem &&
	    resolve_stem(r, m + 1, m) < 0)
		return -1;
	if (m + 1 < r->ms + r->nms && m[1].late && rec_watch_setup(r) < 0)
		return -1;
	if (rec_prepare_initcalls(r) < 0)
		return -1;
	return 0;
}

/*
 * The first initcall is called: the milestones not reached by now come
 * after the initcalls (they are in boot order, and those before, like
 * start_kernel, are behind us).  They are held back until the last one
 * returns, so that from here on a stop can only be at the initcall
 * scheme's breakpoints (scheme-callret.c, scheme-watch.c).
 */
int rec_hold_milestones(struct rec *r)
{
	size_t i;

	for (i = 0; i < r->nms; i++) {
		struct rec_ms *m = &r->ms[i];

		if (m->armed && !m->hit) {
			m->armed = false;
			m->deferred = true;
			if (rec_bp_drop(r, m->addr) < 0)
				return -1;
		}
	}
	r->ms_held = true;
	return 0;
}
