/*
 * cmds.c: the command table, which drives dispatch, "help" and TAB
 * completion alike, and one function per command.  Commands are named as
 * gdb users expect; addresses are linear everywhere (target.h, addr.c).
 */
#include "cli.h"
#include "ksym.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Helpers.                                                            */

static const char *skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

int cli_no_args(const char *cmd, const char *args)
{
	return *skip_ws(args) ? error("%s takes no arguments", cmd) : 0;
}

int cli_need_target(struct cli *cli)
{
	char why[96];

	if (cli->t && cli->t->exited && rsp_end_state(cli->t->c) != RSP_END_NONE)
		return error("the target is gone: %s",
			     rsp_end_describe(cli->t->c, why, sizeof why));
	if (!cli->t || cli->t->exited)
		return error("the target is gone (exited, detached or the connection closed)");
	return 0;
}

/* $N: the value history of p (p/FMT prints "$N = ..."); else the
 * target's registers. */
static int hist_reg(void *ctx, const char *name, uint64_t *v)
{
	struct cli *cli = ctx;
	char *end;
	unsigned long n;

	if (isdigit((unsigned char)name[0])) {
		n = strtoul(name, &end, 10);
		if (*end || n == 0 || n > cli->nhistory)
			return -1;
		*v = cli->history[n - 1];
		return 0;
	}
	return cli->target_ctx.reg(cli->target_ctx.ctx, name, v);
}

static int hist_sym(void *ctx, const char *name, uint64_t *v)
{
	struct cli *cli = ctx;

	return cli->target_ctx.sym(cli->target_ctx.ctx, name, v);
}

void cli_addr_ctx(struct cli *cli, struct gc_addr_ctx *x)
{
	gc_target_addr_ctx(cli->t, &cli->target_ctx);
	x->reg = hist_reg;
	x->sym = cli->target_ctx.sym ? hist_sym : NULL;
	x->ctx = cli;
}

int cli_parse_addr(struct cli *cli, const char *s, uint64_t *v)
{
	struct gc_addr_ctx x;
	struct kit_err e;

	cli_addr_ctx(cli, &x);
	if (gc_parse_addr(s, &x, v, &e) < 0)
		return error("%s", e.msg);
	return 0;
}

static int parse(struct cli *cli, const char *s, uint64_t *v)
{
	return cli_parse_addr(cli, s, v);
}

/* "f000:fff0 = 0xfffffff0" in real mode, else "0x7e00"; with <sym>. */
static void format_pc(struct cli *cli, const struct gc_mode_info *mi,
		      char *buf, size_t len)
{
	char sym[160];

	gc_symbolize(cli->t, mi->pc, sym, sizeof sym);
	if (x86_mode_is_segmented(mi->mode))
		snprintf(buf, len, "%04x:%04llx = 0x%llx%s%s%s", mi->cs,
			 (unsigned long long)(mi->ip & 0xffff),
			 (unsigned long long)mi->pc, sym[0] ? " <" : "", sym,
			 sym[0] ? ">" : "");
	else
		snprintf(buf, len, "0x%llx%s%s%s", (unsigned long long)mi->pc,
			 sym[0] ? " <" : "", sym, sym[0] ? ">" : "");
}

/* One instruction; a call or jump target named as gdb names it
 * ("call 0xffffffff81234560 <do_one_initcall>"). */
void cli_print_insn(struct cli *cli, const struct gc_insn *in, const char *prefix,
		    const char *where)
{
	char sym[160] = "";

	if (in->has_target)
		gc_symbolize(cli->t, in->target, sym, sizeof sym);
	printf("%s%s:\t%s%s%s%s%s%s\n", prefix, where, in->mnemonic,
	       in->op_str[0] ? " " : "", in->op_str, sym[0] ? " <" : "", sym,
	       sym[0] ? ">" : "");
}

void cli_show_location(struct cli *cli)
{
	const struct gc_mode_info *mi;
	struct gc_insn in;
	struct kit_err e;
	uint8_t code[16];
	char where[256];
	ssize_t n;

	if (!cli->t || cli->t->exited)
		return;
	if (gc_mode(cli->t, false, &mi, &e) < 0) {
		error("cannot read the registers: %s", e.msg);
		return;
	}
	format_pc(cli, mi, where, sizeof where);
	n = gc_read_mem(cli->t, mi->pc, code, sizeof code, &e);
	if (n > 0 && gc_disasm(code, (size_t)n, mi->pc, mi->bits, cli->intel,
			       &in, 1, &e) == 1)
		cli_print_insn(cli, &in, "=> ", where);
	else
		printf("=> %s:\t(cannot read or decode the instruction)\n", where);
}

static int report(struct cli *cli, const struct gc_event *ev);

/* The value a watchpoint saw, as gdb prints it by its type. */
static void watch_value(const struct gc_bp *b, bool known, uint64_t v)
{
	char buf[96];

	if (!known) {
		printf("<unreadable>\n");
		return;
	}
	gc_value_format(buf, sizeof buf, v, &b->type, 0, false);
	if (b->type.is_ptr)
		printf("(%s) %s\n", b->type.name, buf);
	else
		printf("%s\n", buf);
}

static const char *watch_kind(const struct gc_bp *b)
{
	return b->as == RSP_WP_READ ? "Hardware read watchpoint" :
	       b->as == RSP_WP_ACCESS ? "Hardware access (read/write) watchpoint" :
	       "Hardware watchpoint";
}

/* Report an event; 0, or -1 when it is a failure for batch mode. */
int cli_report(struct cli *cli, const struct gc_event *ev)
{
	int rc = report(cli, ev);

	if (ev->kind != GC_EV_EXITED && ev->kind != GC_EV_KILLED &&
	    ev->kind != GC_EV_CLOSED && ev->kind != GC_EV_TIMEOUT)
		cli_do_displays(cli);
	return rc;
}

static int report(struct cli *cli, const struct gc_event *ev)
{
	char nb[16];

	/* gdb's note when the stop is in another thread (vCPU) than the last */
	if ((ev->kind == GC_EV_BREAK || ev->kind == GC_EV_SIGNAL) && ev->stop.tid > 0) {
		if (cli->last_tid > 0 && ev->stop.tid != cli->last_tid)
			printf("\n[Switching to Thread 1.%ld]", ev->stop.tid);
		cli->last_tid = ev->stop.tid;
	} else if (ev->kind == GC_EV_STEP && ev->stop.tid > 0) {
		cli->last_tid = ev->stop.tid;
	}
	switch (ev->kind) {
	case GC_EV_WATCH: {
		const struct gc_bp *b = gc_break_find(cli->t, ev->bp_num);

		if (!b)
			return 0;
		/* gdb's shape: the watchpoint, the values, where it stopped */
		printf("\n%s %d: %s\n\n", watch_kind(b), b->num, b->spec);
		if (b->as != RSP_WP_READ && ev->watch_changed) {
			printf("Old value = ");
			watch_value(b, ev->watch_old_known, ev->watch_old);
			printf("New value = ");
		} else {
			printf("Value = ");
		}
		watch_value(b, ev->watch_new_known, ev->watch_new);
		cli_show_location(cli);
		return 0;
	}
	case GC_EV_BREAK:
		printf("\n%s %d, ", ev->temp ? "Temporary breakpoint" :
		       "Breakpoint", ev->bp_num);
		{
			const struct gc_mode_info *mi;
			char where[256];
			struct kit_err e;

			if (gc_mode(cli->t, false, &mi, &e) == 0) {
				format_pc(cli, mi, where, sizeof where);
				printf("%s in %s mode\n", where, x86_mode_name(mi->mode));
			} else {
				printf("\n");
			}
		}
		cli_show_location(cli);
		return 0;
	case GC_EV_FINISH: {
		uint64_t rax = 0;

		(void)gc_reg(cli->t, "rax", &rax, NULL);
		printf("Run till exit: returned, rax = 0x%llx (%lld as int)\n",
		       (unsigned long long)rax, (long long)(int32_t)rax);
		cli_show_location(cli);
		return 0;
	}
	case GC_EV_STEP:
		cli_show_location(cli);
		return 0;
	case GC_EV_SIGNAL:
		printf("\nProgram received signal %s, %s.\n",
		       gc_signal_name(ev->signo, nb), gc_signal_desc(ev->signo));
		cli_show_location(cli);
		return 0;
	case GC_EV_EXITED:
		printf("[target exited with status %d]\n", ev->exit_status);
		cli->quit = true;
		return 0;
	case GC_EV_KILLED:
		printf("[target terminated by signal %s, %s]\n",
		       gc_signal_name(ev->signo, nb), gc_signal_desc(ev->signo));
		cli->quit = true;
		return 0;
	case GC_EV_CLOSED:
		printf("[connection closed by the stub: the target is gone]\n");
		cli->quit = true;
		return 0;
	case GC_EV_TIMEOUT:
		break;
	}
	return -1;
}

/* Wait for the running target's next event, into *ev.  A target still
 * running after --run-timeout is interrupted, its stop reported, and -1
 * returned. */
static int cli_wait_event(struct cli *cli, struct gc_event *ev)
{
	struct kit_err e;

	if (gc_wait(cli->t, cli->run_timeout_ms, ev, &e) < 0)
		return error("%s", e.msg);
	if (ev->kind == GC_EV_TIMEOUT) {
		gc_interrupt(cli->t);
		if (gc_wait(cli->t, 5000, ev, &e) == 0 && ev->kind != GC_EV_TIMEOUT)
			cli_report(cli, ev);
		return error("target still running after %d ms: interrupted",
			     cli->run_timeout_ms);
	}
	return 0;
}

/* Wait for the running target's next event and report it. */
int cli_wait_report(struct cli *cli)
{
	struct gc_event ev;

	if (cli_wait_event(cli, &ev) < 0)
		return -1;
	return cli_report(cli, &ev);
}

/* Let the guest run to the internal breakpoints just set (nexti over a
 * call, until, advance) and wait for its next event, into *ev: a stop at
 * one of them ends the step (GC_EV_STEP).  -1 as for cli_wait_event. */
int cli_run_internal(struct cli *cli, struct gc_event *ev)
{
	struct kit_err e;

	if (gc_continue(cli->t, &e) < 0)
		return error("cannot continue: %s", e.msg);
	if (cli_wait_event(cli, ev) < 0)
		return -1;
	if (ev->kind == GC_EV_FINISH)
		ev->kind = GC_EV_STEP;
	return 0;
}

static long count_arg(const char *args, long dflt)
{
	char *end;
	long n;

	args = skip_ws(args);
	if (!*args)
		return dflt;
	n = strtol(args, &end, 0);
	if (*skip_ws(end) || n <= 0)
		return -1;
	return n;
}

/* ------------------------------------------------------------------ */
/* Run control.                                                         */

/* Refuse arguments to NAME, then let the guest run and report the stop. */
static int resume(struct cli *cli, const char *args, const char *name)
{
	struct kit_err e;

	if (*skip_ws(args))
		return error("'%s' takes no argument", name);
	if (gc_continue(cli->t, &e) < 0)
		return error("cannot continue: %s", e.msg);
	return cli_wait_report(cli);
}

static int cmd_continue(struct cli *cli, const char *args)
{
	if (cli_need_target(cli) < 0)
		return -1;
	return resume(cli, args, "continue");
}

int cli_step(struct cli *cli, const char *args, bool over)
{
	long i, n = count_arg(args, 1);
	struct gc_event ev;
	struct kit_err e;

	if (cli_need_target(cli) < 0)
		return -1;
	if (n < 0)
		return error("malformed count '%s'", skip_ws(args));
	for (i = 0; i < n; i++) {
		const struct gc_mode_info *mi;
		struct gc_insn in;
		uint8_t code[16];
		ssize_t got;

		if (over && gc_mode(cli->t, false, &mi, &e) == 0 &&
		    (got = gc_read_mem(cli->t, mi->pc, code, sizeof code, &e)) > 0 &&
		    gc_disasm(code, (size_t)got, mi->pc, mi->bits, false, &in, 1, &e) == 1 &&
		    in.is_call) {
			uint64_t sp = 0;
			struct gc_bp *b;

			(void)gc_reg(cli->t, "rsp", &sp, NULL);
			b = gc_break_add(cli->t, mi->pc + in.size, GC_BP_FINISH,
					 "nexti", NULL, &e);
			if (!b)
				return error("cannot step over the call: %s", e.msg);
			b->frame_sp = sp - 1;  /* back at this depth: sp >= now */
			if (cli_run_internal(cli, &ev) < 0)
				return -1;
		} else if (gc_stepi(cli->t, &ev, &e) < 0) {
			return error("cannot step: %s", e.msg);
		}
		if (ev.kind != GC_EV_STEP || i + 1 == n)
			return cli_report(cli, &ev);
	}
	return 0;
}

static int cmd_stepi(struct cli *cli, const char *args)
{
	return cli_step(cli, args, false);
}

static int cmd_nexti(struct cli *cli, const char *args)
{
	return cli_step(cli, args, true);
}

/*
 * finish: a one-shot breakpoint at the return address, which is at the
 * top of the stack at a function's entry (where a breakpoint on a symbol
 * stops).  It fires only in this frame or an outer one (sp above ours),
 * so recursion does not end it early.
 */
static int cmd_finish(struct cli *cli, const char *args)
{
	const struct gc_mode_info *mi;
	struct kit_err e;
	uint8_t buf[8] = { 0 };
	uint64_t sp, ret, stack;
	struct gc_bp *b;
	unsigned width;
	char sym[160];

	if (cli_need_target(cli) < 0)
		return -1;
	if (gc_mode(cli->t, true, &mi, &e) < 0)
		return error("%s", e.msg);
	if (gc_reg(cli->t, "rsp", &sp, &e) < 0)
		return error("%s", e.msg);
	width = mi->bits == 64 ? 8 : mi->bits == 32 ? 4 : 2;
	stack = mi->bits == 64 ? sp : x86_linear(mi->mode, &mi->segs.ss,
						   mi->bits == 16 ? (sp & 0xffff) : sp);
	if (gc_read_mem(cli->t, stack, buf, width, &e) != (ssize_t)width)
		return error("cannot read the return address at 0x%llx",
			     (unsigned long long)stack);
	ret = rsp_le_to_u64(buf, width);
	if (mi->bits == 16) {   /* a near return: same code segment */
		struct x86_seg cs = mi->segs.cs;

		cs.sel = mi->cs;
		ret = x86_linear(mi->mode, &cs, ret);
	}
	gc_symbolize(cli->t, ret, sym, sizeof sym);
	printf("Run till exit to 0x%llx%s%s%s\n", (unsigned long long)ret,
	       sym[0] ? " <" : "", sym, sym[0] ? ">" : "");
	if (!(b = gc_break_add(cli->t, ret, GC_BP_FINISH, "finish", NULL, &e)))
		return error("cannot set the return breakpoint: %s", e.msg);
	b->frame_sp = sp;
	return resume(cli, args, "finish");
}

/* ------------------------------------------------------------------ */
/* Breakpoints.                                                         */

static int add_break(struct cli *cli, const char *args, unsigned flags)
{
	char spec[256];
	const char *cond = NULL, *p;
	struct gc_cond c;
	struct gc_addr_ctx x;
	struct kit_err e;
	struct gc_bp *b;
	uint64_t addr;
	size_t n;

	if (cli_need_target(cli) < 0)
		return -1;
	args = skip_ws(args);
	if (!*args) {
		const struct gc_mode_info *mi;

		if (gc_mode(cli->t, false, &mi, &e) < 0)
			return error("%s", e.msg);
		snprintf(spec, sizeof spec, "0x%llx", (unsigned long long)mi->pc);
	} else {
		/* "SPEC if COND" */
		for (p = args; *p; p++)
			if ((p == args || isspace((unsigned char)p[-1])) &&
			    !strncmp(p, "if", 2) && (isspace((unsigned char)p[2]) || !p[2]))
				break;
		n = (size_t)(p - args);
		while (n && isspace((unsigned char)args[n - 1]))
			n--;
		if (n == 0)
			return error("no location given before 'if'");
		if (n >= sizeof spec)
			return error("location too long");
		memcpy(spec, args, n);
		spec[n] = '\0';
		if (*p)
			cond = skip_ws(p + 2);
	}
	if (parse(cli, spec, &addr) < 0)
		return -1;
	gc_target_addr_ctx(cli->t, &x);
	if (cond && gc_cond_parse(cond, &x, &c, &e) < 0)
		return error("%s", e.msg);
	b = gc_break_add(cli->t, addr, flags, spec, cond ? &c : NULL, &e);
	if (!b)
		return error("cannot insert a breakpoint at 0x%llx: %s",
			     (unsigned long long)addr, e.msg);
	{
		char sym[160];

		gc_symbolize(cli->t, addr, sym, sizeof sym);
		printf("%s %d at 0x%llx%s%s%s%s%s\n",
		       (flags & GC_BP_TEMP) ? "Temporary breakpoint" :
		       (flags & GC_BP_HW) ? "Hardware breakpoint" : "Breakpoint",
		       b->num, (unsigned long long)addr, sym[0] ? " <" : "", sym,
		       sym[0] ? ">" : "",
		       b->want_sw ? ": hardware for now" : "", b->want_sw ? b->why : "");
	}
	return 0;
}

static int cmd_break(struct cli *cli, const char *args)
{
	return add_break(cli, args, 0);
}

static int cmd_hbreak(struct cli *cli, const char *args)
{
	return add_break(cli, args, GC_BP_HW);
}

static int cmd_tbreak(struct cli *cli, const char *args)
{
	return add_break(cli, args, GC_BP_TEMP);
}

static int cmd_delete(struct cli *cli, const char *args)
{
	char buf[256], *save = NULL, *w;
	struct kit_err e;
	int rc = 0;

	if (cli_need_target(cli) < 0)
		return -1;
	args = skip_ws(args);
	if (!strncmp(args, "display", 7) && (!args[7] || isspace((unsigned char)args[7])))
		return cli_undisplay(cli, args + 7);
	if (!strncmp(args, "breakpoints", 11) && (!args[11] || isspace((unsigned char)args[11])))
		args = skip_ws(args + 11);
	if (!*args) {
		size_t i, user = 0;

		for (i = 0; i < cli->t->nbps; i++)
			user += cli->t->bps[i].num > 0;
		/* gdb asks first, on a terminal */
		if (user && !cli_confirm(cli, "Delete all breakpoints? "))
			return 0;
		if (gc_break_delete_all(cli->t, &e) < 0)
			return error("%s", e.msg);
		return 0;
	}
	snprintf(buf, sizeof buf, "%s", args);
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *end;
		long n = strtol(w, &end, 10);

		if (*end || n <= 0)
			rc = error("malformed breakpoint number '%s'", w);
		else if (gc_break_delete(cli->t, (int)n, &e) < 0)
			rc = error("%s", e.msg);
	}
	return rc;
}

/* info breakpoints (watch_only: info watchpoints, as gdb's) */
static int info_breakpoints(struct cli *cli, bool watch_only)
{
	size_t i, shown = 0;

	for (i = 0; i < cli->t->nbps; i++) {
		const struct gc_bp *b = &cli->t->bps[i];
		char sym[160];

		if (b->num <= 0 || (watch_only && !(b->flags & GC_BP_WATCH)))
			continue;
		if (!shown++)
			printf("Num  Type            Disp  How       Address             What\n");
		gc_symbolize(cli->t, b->addr, sym, sizeof sym);
		/* gdb's type names; watchpoints show what the user wrote */
		printf("%-4d %-15s %-5s %-9s 0x%016llx  %s%s%s\n", b->num,
		       (b->flags & GC_BP_WATCH) ? (b->as == RSP_WP_READ ? "read watchpoint" :
						  b->as == RSP_WP_ACCESS ? "acc watchpoint" :
						  "hw watchpoint") :
		       (b->flags & GC_BP_HW) ? "hw breakpoint" : "breakpoint",
		       (b->flags & GC_BP_TEMP) ? "del" : "keep",
		       b->as == RSP_BP_SW ? "software" : "hardware",
		       (unsigned long long)b->addr,
		       (b->flags & GC_BP_WATCH) || !sym[0] ? b->spec : sym,
		       b->want_sw ? "  [software when possible" : "",
		       b->want_sw ? "]" : "");
		if (b->want_sw && b->why[0])
			printf("\tfallback:%s\n", b->why);
		if (b->has_cond)
			printf("\tstop only if %s\n", b->cond.text);
		if (b->hits)
			printf("\tbreakpoint already hit %lu time%s\n", b->hits,
			       b->hits == 1 ? "" : "s");
	}
	if (!shown)
		printf(watch_only ? "No watchpoints.\n" : "No breakpoints.\n");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Registers, memory, modes.                                            */

static int cmd_mode(struct cli *cli, const char *args)
{
	const struct gc_mode_info *mi;
	struct kit_err e;
	char where[256];

	if (cli_need_target(cli) < 0)
		return -1;
	if (gc_mode(cli->t, true, &mi, &e) < 0)
		return error("%s", e.msg);
	format_pc(cli, mi, where, sizeof where);
	printf("mode: %s (%d-bit code)\n", x86_mode_name(mi->mode), mi->bits);
	printf("  cr0 0x%llx (PE=%d PG=%d)  efer 0x%llx (LME=%d LMA=%d)  eflags 0x%llx (VM=%d)\n",
	       (unsigned long long)mi->cr0, !!(mi->cr0 & X86_CR0_PE),
	       !!(mi->cr0 & X86_CR0_PG), (unsigned long long)mi->efer,
	       !!(mi->efer & X86_EFER_LME), !!(mi->efer & X86_EFER_LMA),
	       (unsigned long long)mi->eflags, !!(mi->eflags & X86_EFLAGS_VM));
	if (mi->segs_valid)
		printf("  cs %04x base 0x%llx limit 0x%x (D=%d L=%d)\n", mi->segs.cs.sel,
		       (unsigned long long)mi->segs.cs.base, mi->segs.cs.limit,
		       !!(mi->segs.cs.flags & X86_DESC_B), !!(mi->segs.cs.flags & X86_DESC_L));
	else
		printf("  cs %04x (descriptor unknown: no monitor; flat assumed)\n", mi->cs);
	printf("  pc %s\n", where);
	if (cli->t->kvm >= 0)
		printf("  accelerator: %s\n", cli->t->kvm ? "kvm" : "not kvm (tcg)");
	return 0;
}

/* disassemble [ADDR [COUNT]] */
static int cmd_disassemble(struct cli *cli, const char *args)
{
	char buf[300], cmd[320], *sp;
	long count = 10;

	if (cli_need_target(cli) < 0)
		return -1;
	snprintf(buf, sizeof buf, "%s", skip_ws(args));
	sp = strrchr(buf, ' ');
	if (sp && count_arg(sp + 1, -1) > 0 && strpbrk(buf, " ") == sp) {
		count = count_arg(sp + 1, 10);
		*sp = '\0';
	}
	if (!buf[0])
		strcpy(buf, "$pc");
	snprintf(cmd, sizeof cmd, "/%ldi %s", count, buf);
	return cli_x(cli, cmd);
}

static int cmd_symbol(struct cli *cli, const char *args)
{
	const struct ksym_sym *s;
	uint64_t v;
	char sym[160];

	args = skip_ws(args);
	if (!*args)
		return error("'symbol' needs an address or a name");
	if (!cli->syms)
		return error("no symbols loaded (use --kernel FILE)");
	if ((s = ksym_find(cli->syms, args))) {
		printf("%s = 0x%llx (%c, %llu bytes)\n", args, (unsigned long long)s->addr,
		       s->type, (unsigned long long)s->size);
		return 0;
	}
	if (cli_need_target(cli) < 0 || parse(cli, args, &v) < 0)
		return -1;
	gc_symbolize(cli->t, v, sym, sizeof sym);
	if (!sym[0])
		return error("no symbol matches 0x%llx", (unsigned long long)v);
	printf("0x%llx = %s\n", (unsigned long long)v, sym);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Signals, monitor, session.                                           */

static void sig_row(struct cli *cli, int s)
{
	const struct gc_sigaction *a = &cli->t->sigs.a[s];
	char nb[16];

	printf("%-12s %-5s %-6s %-5s %s\n", gc_signal_name(s, nb), a->stop ? "Yes" : "No",
	       a->print ? "Yes" : "No", a->pass ? "Yes" : "No", gc_signal_desc(s));
}

static int cmd_handle(struct cli *cli, const char *args)
{
	int sigs[GC_NSIG];
	size_t n, i;
	struct kit_err e;

	if (!cli->t)
		return error("not attached");
	args = skip_ws(args);
	printf("Signal       Stop  Print  Pass  Description\n");
	if (!*args) {
		for (i = 1; i <= 33; i++)
			sig_row(cli, (int)i);
		return 0;
	}
	if (gc_sigtab_handle(&cli->t->sigs, args, sigs, GC_NSIG, &n, &e) < 0)
		return error("%s", e.msg);
	for (i = 0; i < n; i++)
		sig_row(cli, sigs[i]);
	return 0;
}

static int cmd_monitor(struct cli *cli, const char *args)
{
	struct rsp_buf out = RSP_BUF_INIT;
	struct kit_err e;
	int rc;

	if (cli_need_target(cli) < 0)
		return -1;
	rc = rsp_monitor(cli->t->c, skip_ws(args), &out, &e);
	if (out.len) {
		/* The stub's text: lines and tabs kept, any other control
		 * byte (an ESC sequence...) shown as \xNN */
		struct rsp_buf shown = RSP_BUF_INIT;

		if (rsp_escape(&shown, out.data, out.len, out.len, RSP_ESC_TEXT) == 0)
			fwrite(shown.data, 1, shown.len, stdout);
		rsp_buf_free(&shown);
	}
	rsp_buf_free(&out);
	if (rc < 0)
		return error("monitor command failed: %s", e.msg);
	return 0;
}

static int cmd_detach(struct cli *cli, const char *args)
{
	struct kit_err e;

	if (cli_need_target(cli) < 0)
		return -1;
	if (gc_detach(cli->t, &e) < 0)
		return error("cannot detach: %s", e.msg);
	printf("Detached; the guest runs on.\n");
	cli->quit = true;
	return 0;
}

static int cmd_quit(struct cli *cli, const char *args)
{
	struct kit_err e;

	if (cli->t && !cli->t->exited && gc_detach(cli->t, &e) < 0)
		warning("cannot detach: %s", e.msg);
	cli->quit = true;
	return 0;
}

static const char *const info_subs[] = { "breakpoints", "registers", "signals",
					 "mode", "tasks", "symbol", "frame", "display",
					 "watchpoints", "meminfo", "threads", NULL };

static int cmd_info(struct cli *cli, const char *args)
{
	char sub[32];
	size_t n = 0, i, len;
	const char *rest;

	args = skip_ws(args);
	while (args[n] && !isspace((unsigned char)args[n]) && n < sizeof sub - 1)
		n++;
	memcpy(sub, args, n);
	sub[n] = '\0';
	rest = args + n;
	len = strlen(sub);
	if (!len)
		return error("'info' needs one of: breakpoints registers signals mode tasks "
			     "symbol frame display watchpoints meminfo threads");
	for (i = 0; info_subs[i]; i++)
		if (!strncmp(info_subs[i], sub, len))
			break;
	if (!info_subs[i])
		return error("unknown 'info' subcommand '%s' (breakpoints registers signals "
			     "mode tasks symbol frame display watchpoints meminfo threads)", sub);
	if (i == 2)
		return cmd_handle(cli, "");
	if (cli_need_target(cli) < 0)
		return -1;
	switch (i) {
	case 0: return info_breakpoints(cli, false);
	case 1: return cli_info_registers(cli, rest);
	case 4: return cli_ps(cli, rest);
	case 5: return cli_info_symbol(cli, rest);
	case 6: return cli_info_frame(cli, rest);
	case 7: return cli_info_display(cli, rest);
	case 8: return info_breakpoints(cli, true);
	case 9: return cli_meminfo(cli, rest);
	case 10: return cli_info_threads(cli, rest);
	default: return cmd_mode(cli, rest);
	}
}

static int cmd_help(struct cli *cli, const char *args);

const struct cli_cmd cli_cmds[] = {
	{ "continue", "c", cmd_continue, "", "resume until a breakpoint, a signal or Ctrl-C", 0 },
	{ "stepi", "si", cmd_stepi, "[N]", "execute N instructions (default 1)", 0 },
	{ "nexti", "ni", cmd_nexti, "[N]", "like stepi, but run calls through to their return", 0 },
	{ "until", "u", cli_until, "[LOC]", "like nexti, but a backward jump runs on (a loop ends); LOC: run to LOC in this frame or until it returns", CLI_COMPLETE_SYMBOL },
	{ "advance", NULL, cli_advance, "LOC", "run to LOC in any frame, or until this function returns", CLI_COMPLETE_SYMBOL },
	{ "finish", NULL, cmd_finish, "", "run until the current function returns (at its entry: the return address is on top of the stack)", 0 },
	{ "break", "b", cmd_break, "[LOC] [if COND]", "breakpoint at a symbol, linear address or seg:off; sw, hw when sw is refused", CLI_COMPLETE_SYMBOL },
	{ "hbreak", NULL, cmd_hbreak, "LOC [if COND]", "hardware breakpoint (at most 4)", CLI_COMPLETE_SYMBOL },
	{ "tbreak", NULL, cmd_tbreak, "LOC [if COND]", "breakpoint deleted when hit", CLI_COMPLETE_SYMBOL },
	{ "watch", NULL, cli_watch, "EXPR", "stop when EXPR's memory is written and its value changes (Z2): sym, *(TYPE *)ADDR", CLI_COMPLETE_SYMBOL },
	{ "rwatch", NULL, cli_rwatch, "EXPR", "stop when EXPR's memory is read (Z3)", CLI_COMPLETE_SYMBOL },
	{ "awatch", NULL, cli_awatch, "EXPR", "stop when EXPR's memory is read or written (Z4)", CLI_COMPLETE_SYMBOL },
	{ "delete", "d", cmd_delete, "[N...] | display [N...]", "delete breakpoints and watchpoints (all without N: asks on a terminal)", 0 },
	{ "info", "i", cmd_info, "breakpoints|watchpoints|registers [REG...]|signals|mode|tasks|symbol ADDR|frame|display|meminfo|threads", "show state", CLI_COMPLETE_INFO },
	{ "x", NULL, cli_x, "/NFU [ADDR]", "examine memory: N units, F in x d u o t z a c f s i, U in b h w g; no ADDR (or Enter): on from the last", CLI_COMPLETE_SYMBOL },
	{ "thread", NULL, cli_thread, "[N]", "select thread N (QEMU: vCPU N-1) for registers, memory and stepi; none: which is selected", 0 },
	{ "disassemble", "disas", cmd_disassemble, "[ADDR [N]]", "N instructions (10) at ADDR (pc) in the current mode's width", CLI_COMPLETE_SYMBOL },
	{ "mode", NULL, cmd_mode, "", "CPU mode, control registers, CS descriptor, pc", 0 },
	{ "print", "p", cli_print, "[/FMT] EXPR", "value of an address expression ($reg, sym+off, seg:off, $N) or of memory (*(TYPE *)ADDR); FMT in x d u o t z c a f s", CLI_COMPLETE_SYMBOL },
	{ "set", NULL, cli_set, "[var] LVALUE = EXPR | confirm on|off", "write a register ($rax, $sp, $eax) or memory (*(TYPE *)ADDR, sym)", CLI_COMPLETE_SYMBOL },
	{ "display", NULL, cli_display, "[/FMT] [EXPR]", "show EXPR at every stop (FMT as p's, or i, s: as x's); no EXPR: show them all now", CLI_COMPLETE_SYMBOL },
	{ "undisplay", NULL, cli_undisplay, "[N...]", "delete displays (all without N: asks on a terminal)", 0 },
	{ "symbol", NULL, cmd_symbol, "ADDR|NAME", "the symbol holding ADDR, or NAME's address", CLI_COMPLETE_SYMBOL },
	{ "handle", NULL, cmd_handle, "SIG [no]stop [no]print [no]pass", "what a stop for a signal does; no argument lists the table", CLI_COMPLETE_SIGNAL },
	{ "monitor", NULL, cmd_monitor, "CMD", "a QEMU monitor command (info registers, info mtree...)", 0 },
	{ "dmesg", NULL, cli_dmesg, "", "the kernel log, read from guest memory (symbols and BTF of the kernel image)", 0 },
	{ "backtrace", "bt", cli_bt, "", "the kernel's call stack (ORC tables, or frame pointers)", 0 },
	{ "where", NULL, cli_bt, "", "the same as backtrace", 0 },
	{ "ps", NULL, cli_ps, "", "the kernel's processes, read from guest memory (as ps shows them; the task each CPU runs marked)", 0 },
	{ "meminfo", NULL, cli_meminfo, "", "the guest's memory as its /proc/meminfo shows it, from the kernel's counters in guest memory", 0 },
	{ "percpu", NULL, cli_percpu, "VAR[.MEMBER] [CPU]", "a per-CPU variable of CPU (0): where it is and its value", CLI_COMPLETE_SYMBOL },
	{ "detach", NULL, cmd_detach, "", "remove breakpoints, let the guest run, end the session", 0 },
	{ "quit", "q", cmd_quit, "", "detach (the guest runs on) and leave", 0 },
	{ "help", "h", cmd_help, "[COMMAND]", "this list, or one command's", CLI_COMPLETE_COMMAND },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};

static const struct cli_cmd *find_cmd(const char *name, size_t len)
{
	const struct cli_cmd *c, *prefix = NULL;
	int nprefix = 0;

	for (c = cli_cmds; c->name; c++) {
		if ((strlen(c->name) == len && !strncmp(c->name, name, len)) ||
		    (c->alias && strlen(c->alias) == len && !strncmp(c->alias, name, len)))
			return c;
		if (!strncmp(c->name, name, len)) {
			prefix = c;
			nprefix++;
		}
	}
	return nprefix == 1 ? prefix : NULL;
}

static int cmd_help(struct cli *cli, const char *args)
{
	const struct cli_cmd *c;

	args = skip_ws(args);
	if (*args) {
		if (!(c = find_cmd(args, strlen(args))))
			return error("no command '%s' (try 'help')", args);
		printf("%s %s\n  %s%s%s%s\n", c->name, c->usage, c->help,
		       c->alias ? " (short: " : "", c->alias ? c->alias : "",
		       c->alias ? ")" : "");
		return 0;
	}
	printf("Commands (unique prefixes work; addresses are linear: 0x7c00, 0000:7c00, start64+4, $rsp):\n");
	for (c = cli_cmds; c->name; c++) {
		char head[64];

		snprintf(head, sizeof head, "%s%s%s%s", c->name, c->alias ? " (" : "",
			 c->alias ? c->alias : "", c->alias ? ")" : "");
		printf("  %-18s %-34s %s\n", head, c->usage, c->help);
	}
	return 0;
}

int cli_exec(struct cli *cli, const char *line)
{
	const struct cli_cmd *c;
	const char *p = skip_ws(line), *args;
	size_t n = 0;

	if (!*p || *p == '#')
		return 0;
	/* "x/4gx" glues its format to the name */
	while (p[n] && !isspace((unsigned char)p[n]) && p[n] != '/')
		n++;
	args = p + n;
	if (!(c = find_cmd(p, n)))
		return error("unknown command '%.*s' (try 'help')", (int)n, p);
	if (*args != '/' || (c->fn != cli_x && c->fn != cli_print && c->fn != cli_display))
		args = skip_ws(args);
	/* what Enter runs again (gdb: a command that does not repeat makes
	 * Enter do nothing) */
	if (!cli->repeating) {
		free(cli->repeat_line);
		cli->repeat_line = cli_repeats(c->name) ? strdup(p) : NULL;
	}
	fflush(stdout);
	n = (size_t)c->fn(cli, args);
	fflush(stdout);
	return (int)n;
}

/* The commands Enter runs again, as gdb's do (gdb: run, delete, set and
 * the like do not repeat: an Enter after them does nothing). */
bool cli_repeats(const char *name)
{
	static const char *const names[] = { "continue", "stepi", "nexti", "until",
					     "x", "print", "info", "backtrace",
					     "where", NULL };
	size_t i;

	for (i = 0; names[i]; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

int cli_exec_repeat(struct cli *cli)
{
	char *line = cli->repeat_line ? strdup(cli->repeat_line) : NULL;
	int rc;

	if (!line)
		return 0;
	cli->repeating = true;
	rc = cli_exec(cli, line);
	cli->repeating = false;
	free(line);
	return rc;
}

void cli_interrupt(struct cli *cli)
{
	if (cli->t && cli->t->c && rsp_running(cli->t->c))
		gc_interrupt(cli->t);
}

char *cli_complete(struct cli *cli, int what, const char *text, int state)
{
	static size_t idx;   /* readline's generator protocol keeps state */
	size_t len = strlen(text);

	if (!state)
		idx = 0;
	switch (what) {
	case CLI_COMPLETE_COMMAND:
		while (cli_cmds[idx].name) {
			const char *name = cli_cmds[idx++].name;

			if (!strncmp(name, text, len))
				return strdup(name);
		}
		return NULL;
	case CLI_COMPLETE_INFO:
		while (info_subs[idx]) {
			const char *name = info_subs[idx++];

			if (!strncmp(name, text, len))
				return strdup(name);
		}
		return NULL;
	case CLI_COMPLETE_SIGNAL:
		while (idx < 34) {
			char nb[16];
			const char *name = gc_signal_name((int)idx++, nb);

			if (idx > 1 && !strncasecmp(name, text, len))
				return strdup(name);
		}
		return NULL;
	case CLI_COMPLETE_SYMBOL:
		if (!cli->syms || text[0] == '$' || isdigit((unsigned char)text[0]))
			return NULL;
		while (idx < cli->syms->nsyms) {
			const char *name = ksym_name(cli->syms, &cli->syms->syms[idx++]);

			if (!strncmp(name, text, len))
				return strdup(name);
		}
		return NULL;
	}
	return NULL;
}
