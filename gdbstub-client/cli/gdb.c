/*
 * gdb.c: gdb's vocabulary, for the hands of gdb users, beyond looking
 * (examine.c): set of registers and memory, watchpoints (QEMU's Z2-Z4)
 * with old and new values, display, until and advance, info frame,
 * gdb's confirmation before deleting everything.
 * Shapes follow gdb 13 against QEMU 7.2 (docs/gdbstub-client.md lists
 * each gdb command, here or not, and why).
 */
#include "cli.h"
#include "ksym.h"
#include "lx.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* ------------------------------------------------------------------ */
/* Confirmation and repeat.                                             */

bool cli_confirm(struct cli *cli, const char *question)
{
	char line[64];
	size_t n;

	if (cli->batch || cli->no_confirm || !isatty(STDIN_FILENO))
		return true;
	for (;;) {
		ssize_t r;
		char c;

		printf("%s(y or n) ", question);
		fflush(stdout);
		n = 0;
		/* byte by byte: nothing typed after the answer is swallowed */
		while ((r = read(STDIN_FILENO, &c, 1)) == 1 && c != '\n')
			if (n < sizeof line - 1)
				line[n++] = c;
		if (r == 0) {
			printf("EOF [answered Y; input not from terminal]\n");
			return true;
		}
		if (r < 0) {           /* Ctrl-C: gdb takes it as no */
			printf("\n");
			return false;
		}
		line[n] = '\0';
		if (line[0] == 'y' || line[0] == 'Y')
			return true;
		if (line[0] == 'n' || line[0] == 'N')
			return false;
		printf("Please answer y or n.\n");
	}
}

void cli_gdb_free(struct cli *cli)
{
	free(cli->repeat_line);
	free(cli->history);
	free(cli->displays);
	cli->repeat_line = NULL;
	cli->history = NULL;
	cli->displays = NULL;
}

/* ------------------------------------------------------------------ */
/* set.                                                                 */

/* A value: an address expression, or minus one ("-1"), or 'c'. */
static int parse_value(struct cli *cli, const char *s, uint64_t *v)
{
	bool neg = false;

	s = skip_ws(s);
	if (s[0] == '\'' && s[1] && s[2] == '\'' && !*skip_ws(s + 3)) {
		*v = (unsigned char)s[1];
		return 0;
	}
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (cli_parse_addr(cli, s, v) < 0)
		return -1;
	if (neg)
		*v = -*v;
	return 0;
}

/* Write v to register name: $pc, $sp, $fp and the 32/16/8-bit parts
 * ($eax, $ax, $al) go to the register that holds them. */
static int set_register(struct cli *cli, const char *name, uint64_t v)
{
	static const char *const legacy[] = { "ax", "bx", "cx", "dx", "si", "di",
					      "bp", "sp", NULL };
	const struct rsp_tdesc *td = rsp_tdesc(cli->t->c);
	const struct gc_mode_info *mi;
	char full[300];
	unsigned bits = 64, shift = 0;
	struct kit_err e;
	uint64_t old, mask;
	size_t n = strlen(name), i;

	if (gc_mode(cli->t, false, &mi, &e) < 0)
		return error("%s", e.msg);
	if (!strcmp(name, "pc") || !strcmp(name, "ip")) {
		snprintf(full, sizeof full, "rip");
		if (!strcmp(name, "pc") && x86_mode_is_segmented(mi->mode))
			v -= mi->pc - mi->ip;    /* linear to the offset in CS */
	} else if (!strcmp(name, "sp") || !strcmp(name, "fp")) {
		snprintf(full, sizeof full, "%s", name[0] == 's' ? "rsp" : "rbp");
		bits = (unsigned)mi->bits;
	} else if (rsp_tdesc_find(td, name)) {
		snprintf(full, sizeof full, "%s", name);
	} else if (name[0] == 'e' && n == 3) {
		snprintf(full, sizeof full, "r%s", name + 1);
		bits = 32;
	} else if (name[0] == 'r' && n >= 3 && n <= 4 && isdigit((unsigned char)name[1]) &&
		   strchr("dwl", name[n - 1])) {
		snprintf(full, sizeof full, "%.*s", (int)(n - 1), name);
		bits = name[n - 1] == 'd' ? 32 : name[n - 1] == 'w' ? 16 : 8;
	} else {
		full[0] = '\0';
		for (i = 0; n == 2 && legacy[i]; i++)
			if (!strcmp(legacy[i], name)) {
				snprintf(full, sizeof full, "r%s", name);
				bits = 16;
			}
		if (!full[0] && n == 2 && strchr("abcd", name[0]) &&
		    (name[1] == 'l' || name[1] == 'h')) {
			snprintf(full, sizeof full, "r%cx", name[0]);
			bits = 8;
			shift = name[1] == 'h' ? 8 : 0;
		}
	}
	if (!full[0] || !rsp_tdesc_find(td, full))
		return error("unknown register '$%s'", name);
	if (bits < 64) {   /* the other bits of the register stay */
		if (gc_reg(cli->t, full, &old, &e) < 0)
			return error("cannot read register '%s': %s", full, e.msg);
		mask = ((1ull << bits) - 1) << shift;
		v = (old & ~mask) | ((v << shift) & mask);
	}
	if (gc_reg_write(cli->t, full, v, &e) < 0)
		return error("cannot write register '%s': %s", full, e.msg);
	return 0;
}

/* set confirm on|off */
static int set_confirm(struct cli *cli, const char *arg)
{
	arg = skip_ws(arg);
	if (!strcmp(arg, "on") || !*arg)
		cli->no_confirm = false;
	else if (!strcmp(arg, "off"))
		cli->no_confirm = true;
	else
		return error("'set confirm' takes on or off, not '%s'", arg);
	return 0;
}

/*
 * set [var|variable] LVALUE = EXPR: a register ($rax, $eax, $sp, $pc) or
 * memory of the lvalue's type (*(TYPE *)ADDR, *ADDR an int, a bare
 * symbol a word of the mode).  gdb prints nothing; x or p reads it back.
 */
int cli_set(struct cli *cli, const char *args)
{
	char lhs[160];
	const char *eq;
	struct gc_addr_ctx x;
	struct gc_lvalue lv;
	struct kit_err e;
	uint8_t buf[8];
	uint64_t v;
	size_t n;

	args = skip_ws(args);
	if (!strncmp(args, "confirm", 7) && (!args[7] || isspace((unsigned char)args[7])))
		return set_confirm(cli, args + 7);
	if (!strncmp(args, "variable", 8) && isspace((unsigned char)args[8]))
		args = skip_ws(args + 8);
	else if (!strncmp(args, "var", 3) && isspace((unsigned char)args[3]))
		args = skip_ws(args + 3);
	if (!*args)
		return error("'set' needs LVALUE = EXPR (or confirm on|off)");
	if (!(eq = strchr(args, '=')) || eq[1] == '=')
		return error("'set %s': expected LVALUE = EXPR ('set confirm' is the only "
			     "setting here)", args);
	if (cli_need_target(cli) < 0)
		return -1;
	n = (size_t)(eq - args);
	if (n >= sizeof lhs)
		return error("left side too long");
	memcpy(lhs, args, n);
	lhs[n] = '\0';
	cli_addr_ctx(cli, &x);
	if (gc_lvalue_parse(lhs, &x, cli_mode_word(cli), &lv, &e) < 0)
		return error("%s", e.msg);
	if (parse_value(cli, eq + 1, &v) < 0)
		return -1;
	if (lv.is_reg)
		return set_register(cli, lv.reg, v);
	rsp_u64_to_le(buf, lv.type.size, v);
	if (gc_write_mem(cli->t, lv.addr, buf, lv.type.size, &e) < 0)
		return error("%s", e.msg);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Watchpoints.                                                         */

static int add_watch(struct cli *cli, const char *args, enum rsp_bp_type type)
{
	struct gc_addr_ctx x;
	struct gc_lvalue lv;
	struct kit_err e;
	struct gc_bp *b;
	const char *kind;

	if (cli_need_target(cli) < 0)
		return -1;
	args = skip_ws(args);
	/* gdb's -l / -location: watch the address, which is what QEMU does
	 * anyway */
	if (!strncmp(args, "-location", 9) && isspace((unsigned char)args[9]))
		args = skip_ws(args + 9);
	else if (!strncmp(args, "-l", 2) && isspace((unsigned char)args[2]))
		args = skip_ws(args + 2);
	if (!*args)
		return error("'%s' needs an expression: a symbol or *(TYPE *)ADDR",
			     type == RSP_WP_WRITE ? "watch" : type == RSP_WP_READ ?
			     "rwatch" : "awatch");
	cli_addr_ctx(cli, &x);
	if (gc_lvalue_parse(args, &x, cli_mode_word(cli), &lv, &e) < 0)
		return error("%s", e.msg);
	if (lv.is_reg)
		return error("cannot watch a register ('%s'): QEMU's watchpoints watch memory",
			     lv.text);
	b = gc_watch_add(cli->t, type, lv.addr, lv.type.size, &lv.type, lv.text, &e);
	if (!b)
		return error("cannot set a watchpoint on 0x%llx: %s",
			     (unsigned long long)lv.addr, e.msg);
	kind = type == RSP_WP_READ ? "Hardware read watchpoint" :
	       type == RSP_WP_ACCESS ? "Hardware access (read/write) watchpoint" :
	       "Hardware watchpoint";
	printf("%s %d: %s\n", kind, b->num, lv.text);
	return 0;
}

int cli_watch(struct cli *cli, const char *args)
{
	return add_watch(cli, args, RSP_WP_WRITE);
}

int cli_rwatch(struct cli *cli, const char *args)
{
	return add_watch(cli, args, RSP_WP_READ);
}

int cli_awatch(struct cli *cli, const char *args)
{
	return add_watch(cli, args, RSP_WP_ACCESS);
}

/* ------------------------------------------------------------------ */
/* display.                                                             */

static void show_display(struct cli *cli, const struct cli_display *d)
{
	char cmd[200];

	if (d->fmt == 'i' || d->fmt == 's') {
		/* gdb: "3: x/i $pc" then the x output */
		if (d->count > 1)
			printf("%d: x/%ld%c %s\n", d->num, d->count, d->fmt, d->expr);
		else
			printf("%d: x/%c %s\n", d->num, d->fmt, d->expr);
		snprintf(cmd, sizeof cmd, "/%ld%c %s", d->count, d->fmt, d->expr);
		fflush(stdout);
		{   /* x here must not move the user's own x */
			bool valid = cli->x_valid;
			uint64_t next = cli->x_next;
			long count = cli->x_count;
			char fmt = cli->x_fmt;
			unsigned size = cli->x_size;

			(void)cli_x(cli, cmd);
			cli->x_valid = valid;
			cli->x_next = next;
			cli->x_count = count;
			cli->x_fmt = fmt;
			cli->x_size = size;
		}
		return;
	}
	{
		struct gc_ctype type;
		bool typed;
		uint64_t v;
		char out[300];

		if (cli_eval(cli, d->expr, &v, &type, &typed) < 0)
			return;
		if (!d->fmt && !typed) {
			char sym[200];

			printf("%d: %s = 0x%llx%s\n", d->num, d->expr, (unsigned long long)v,
			       cli_sym_suffix(cli, v, sym, sizeof sym));
			return;
		}
		cli_render(cli, out, sizeof out, v, typed ? &type : NULL, d->fmt);
		if (d->fmt)
			printf("%d: /%c %s = %s\n", d->num, d->fmt, d->expr, out);
		else
			printf("%d: %s = %s\n", d->num, d->expr, out);
	}
}

void cli_do_displays(struct cli *cli)
{
	size_t i;

	if (!cli->t || cli->t->exited)
		return;
	for (i = 0; i < cli->ndisplays; i++)
		show_display(cli, &cli->displays[i]);
	fflush(stdout);
}

/* display [/FMT] EXPR (FMT: a p letter, or [N]i / [N]s as x's) */
int cli_display(struct cli *cli, const char *args)
{
	struct cli_display d, *nd;
	const char *p = args;

	if (!*skip_ws(args)) {
		cli_do_displays(cli);
		return 0;
	}
	memset(&d, 0, sizeof d);
	d.count = 1;
	if (*p == '/') {
		const char *f = p + 1;

		if (isdigit((unsigned char)*f))
			d.count = strtol(f, (char **)&f, 10);
		if ((*f == 'i' || *f == 's') && (!f[1] || isspace((unsigned char)f[1]))) {
			d.fmt = *f;
			p = f + 1;
			if (d.count <= 0 || d.count > 4096)
				return error("bad count in 'display/' (1..4096)");
		} else if (cli_parse_print_format(&p, &d.fmt, "display") < 0) {
			return -1;
		}
	}
	p = skip_ws(p);
	if (!*p)
		return error("'display' needs an expression");
	if (strlen(p) >= sizeof d.expr)
		return error("expression too long");
	snprintf(d.expr, sizeof d.expr, "%s", p);
	if (cli_need_target(cli) < 0)
		return -1;
	/* checked once now, as gdb evaluates it at once */
	if (d.fmt != 'i' && d.fmt != 's') {
		struct gc_ctype type;
		bool typed;
		uint64_t v;

		if (cli_eval(cli, d.expr, &v, &type, &typed) < 0)
			return -1;
	}
	nd = realloc(cli->displays, (cli->ndisplays + 1) * sizeof *nd);
	if (!nd)
		return error("out of memory");
	cli->displays = nd;
	d.num = ++cli->next_display;
	nd[cli->ndisplays++] = d;
	show_display(cli, &d);
	return 0;
}

/* undisplay [N...] / delete display [N...] */
int cli_undisplay(struct cli *cli, const char *args)
{
	char buf[256], *save = NULL, *w;
	int rc = 0;

	args = skip_ws(args);
	if (!*args) {
		if (cli->ndisplays && !cli_confirm(cli, "Delete all auto-display expressions? "))
			return 0;
		cli->ndisplays = 0;
		return 0;
	}
	snprintf(buf, sizeof buf, "%s", args);
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *end;
		long n = strtol(w, &end, 10);
		size_t i;

		if (*end || n <= 0) {
			rc = error("malformed display number '%s'", w);
			continue;
		}
		for (i = 0; i < cli->ndisplays && cli->displays[i].num != n; i++)
			;
		if (i == cli->ndisplays) {
			rc = error("no display number %ld", n);
			continue;
		}
		memmove(&cli->displays[i], &cli->displays[i + 1],
			(cli->ndisplays - i - 1) * sizeof cli->displays[0]);
		cli->ndisplays--;
	}
	return rc;
}

int cli_info_display(struct cli *cli, const char *args)
{
	size_t i;

	(void)args;
	if (!cli->ndisplays) {
		printf("There are no auto-display expressions now.\n");
		return 0;
	}
	printf("Auto-display expressions now in effect:\nNum Enb Expression\n");
	for (i = 0; i < cli->ndisplays; i++) {
		const struct cli_display *d = &cli->displays[i];

		if (d->fmt == 'i' || d->fmt == 's')
			printf("%d:   y  /%ld%c %s\n", d->num, d->count, d->fmt, d->expr);
		else if (d->fmt)
			printf("%d:   y  /%c %s\n", d->num, d->fmt, d->expr);
		else
			printf("%d:   y  %s\n", d->num, d->expr);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Frames: info frame, until, advance.                                  */

/* The caller's frame: *ret the return address, *cfa the caller's sp
 * (this frame's canonical frame address).  0, or -1 when not known
 * (said on stderr unless quiet). */
static int caller_frame(struct cli *cli, uint64_t *ret, uint64_t *cfa, bool quiet)
{
	struct lx_frame f[2];
	char why[160];
	size_t n;

	const struct gc_mode_info *mi;

	if (!cli->kernel) {
		if (!quiet)
			error("no frame information without the kernel image (--kernel FILE)");
		return -1;
	}
	/* the unwinder knows the kernel's 64-bit code only */
	if (quiet && (gc_mode(cli->t, false, &mi, NULL) < 0 || mi->mode != X86_MODE_LONG64 ||
		      mi->pc < LX_KERNEL_MIN))
		return -1;
	if (cli_unwind(cli, f, 2, &n, why, sizeof why) < 0)
		return -1;
	if (n < 2) {
		if (!quiet)
			error("no caller frame: %s", why[0] ? why : "the stack ends here");
		return -1;
	}
	*ret = f[1].ip;
	*cfa = f[1].sp;
	return 0;
}

/*
 * info frame: gdb's first lines from the kernel's unwind tables: where
 * the frame is (its CFA, the caller's sp), the saved return address and
 * where it is saved, the caller's frame.
 */
int cli_info_frame(struct cli *cli, const char *args)
{
	struct lx_frame f[3];
	char why[160], sym[160], name[200];
	size_t n;

	(void)args;
	if (!cli->kernel)
		return error("info frame needs the kernel image (--kernel FILE)");
	if (cli_unwind(cli, f, 3, &n, why, sizeof why) < 0)
		return -1;
	gc_symbolize(cli->t, f[0].ip, sym, sizeof sym);
	snprintf(name, sizeof name, "%s", sym);
	name[strcspn(name, "+")] = '\0';
	if (n < 2) {
		printf("Stack level 0, frame at <unknown>:\n rip = 0x%llx%s%s; %s\n",
		       (unsigned long long)f[0].ip, name[0] ? " in " : "", name,
		       why[0] ? why : "outermost frame");
		return 0;
	}
	printf("Stack level 0, frame at 0x%llx:\n", (unsigned long long)f[1].sp);
	printf(" rip = 0x%llx%s%s; saved rip = 0x%llx\n", (unsigned long long)f[0].ip,
	       name[0] ? " in " : "", name, (unsigned long long)f[1].ip);
	if (n > 2)
		printf(" called by frame at 0x%llx\n", (unsigned long long)f[2].sp);
	else if (why[0])
		printf(" caller of this frame unknown: %s\n", why);
	if (f[1].regs_frame) {
		printf(" interrupted: the saved rip is in the entry's pt_regs\n");
	} else {
		printf(" Previous frame's sp is 0x%llx\n", (unsigned long long)f[1].sp);
		printf(" Saved registers:\n  rip at 0x%llx\n",
		       (unsigned long long)(f[1].sp - 8));
	}
	return 0;
}

/*
 * Run to LOC (frame_sp: stop there only with sp above it) or to this
 * function's return (when the unwinder knows it), whichever first; the
 * stop is reported as a step (gdb prints where it is).
 */
static int run_to(struct cli *cli, const char *loc, bool same_frame, const char *name)
{
	const struct gc_mode_info *mi;
	struct gc_event ev;
	struct kit_err e;
	struct gc_bp *b;
	uint64_t addr, sp = 0, ret, cfa;
	bool have_ret;

	if (cli_need_target(cli) < 0)
		return -1;
	if (cli_parse_addr(cli, loc, &addr) < 0)
		return -1;
	if (gc_mode(cli->t, false, &mi, &e) < 0 || gc_reg(cli->t, "rsp", &sp, &e) < 0)
		return error("%s", e.msg);
	have_ret = caller_frame(cli, &ret, &cfa, true) == 0;
	if (!(b = gc_break_add(cli->t, addr, GC_BP_FINISH, name, NULL, &e)))
		return error("cannot set a breakpoint at 0x%llx: %s",
			     (unsigned long long)addr, e.msg);
	b->frame_sp = same_frame && sp ? sp - 1 : 0;
	if (have_ret) {
		if (!(b = gc_break_add(cli->t, ret, GC_BP_FINISH, name, NULL, &e)))
			return error("cannot set a breakpoint at the return address 0x%llx: %s",
				     (unsigned long long)ret, e.msg);
		b->frame_sp = cfa - 1;
	}
	if (cli_run_internal(cli, &ev) < 0)
		return -1;
	return cli_report(cli, &ev);
}

/*
 * until: without LOC, nexti, except that a backward jump (the end of a
 * loop) runs on until the instruction after it is reached in this frame,
 * as gdb's until does not go back into a loop.  until LOC: run to LOC in
 * this frame (sp not below the current one) or until this function
 * returns.
 */
int cli_until(struct cli *cli, const char *args)
{
	const struct gc_mode_info *mi;
	struct gc_insn in;
	struct kit_err e;
	uint8_t code[16];
	ssize_t got;
	char loc[40];

	if (cli_need_target(cli) < 0)
		return -1;
	args = skip_ws(args);
	if (*args)
		return run_to(cli, args, true, "until");
	if (gc_mode(cli->t, false, &mi, &e) < 0)
		return error("%s", e.msg);
	got = gc_read_mem(cli->t, mi->pc, code, sizeof code, &e);
	if (got > 0 && gc_disasm(code, (size_t)got, mi->pc, mi->bits, false, &in, 1, &e) == 1 &&
	    in.has_target && !in.is_call && in.target <= mi->pc) {
		snprintf(loc, sizeof loc, "0x%llx", (unsigned long long)(mi->pc + in.size));
		return run_to(cli, loc, true, "until");
	}
	return cli_step(cli, "", true);
}

int cli_advance(struct cli *cli, const char *args)
{
	args = skip_ws(args);
	if (!*args)
		return error("'advance' needs a location");
	return run_to(cli, args, false, "advance");
}

