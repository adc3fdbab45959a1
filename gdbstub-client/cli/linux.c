/*
 * linux.c: "dmesg": the kernel log of the stopped guest, read from its
 * memory; "percpu": a per-CPU variable (at the end).  The kernel's `prb` pointer (a symbol, a link-time address like
 * every symbol here: nokaslr) gives the struct printk_ringbuffer; the
 * layouts come from the BTF of the same kernel image (linux/lx.h).
 *
 * Before the kernel runs (reset vector, setup code, the decompressor) its
 * virtual addresses are not mapped: that is "the kernel log is not set up
 * yet", one line, not garbage.  From startup_64 to setup_log_buf() prb
 * points at the kernel's static ring, which is as good as the later one.
 */
#include "cli.h"
#include "ksym.h"
#include "lx-target.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NOT_UP "the kernel log is not set up yet"

/* The kernel's BTF, loaded at the first use. */
int cli_need_btf(struct cli *cli)
{
	struct kit_err e;

	if (cli->btf)
		return 0;
	if (!cli->kernel || !cli->syms)
		return error("dmesg needs the kernel image (--kernel FILE, or a "
			     "session that names its kernel)");
	cli->btf = ksym_btf_open(cli->kernel, &e);
	if (!cli->btf) {
		if (e.code == KSYM_ENOBTF)
			return error("'%s' carries no BTF (CONFIG_DEBUG_INFO_BTF), nor "
				     "DWARF: dmesg needs one for the ring's layout", cli->kernel);
		return error("cannot read the BTF of '%s': %s", cli->kernel, e.msg);
	}
	return 0;
}

/* The kernel's types, and in them the printk ring's: 0, or -1 after
 * saying why (before attaching, for the dmesg subcommand). */
int cli_need_prb_layout(struct cli *cli, struct lx_prb_layout *l)
{
	struct kit_err e;

	if (cli_need_btf(cli) < 0)
		return -1;
	if (lx_prb_layout_btf(cli->btf, l, &e) < 0)
		return error("'%s' (%s): %s", cli->kernel, ksym_btf_origin(cli->btf), e.msg);
	return 0;
}

/* The value of the kernel's prb pointer: 0, or -1 after saying why. */
static int read_prb(struct cli *cli, const struct lx_mem *m,
		    const struct lx_prb_layout *l, uint64_t *prb)
{
	const struct gc_mode_info *mi;
	const struct ksym_sym *s;
	uint8_t b[8] = { 0 };
	struct kit_err e;
	unsigned i;

	s = ksym_find(cli->syms, "prb");
	if (!s)
		return error("no symbol 'prb' in '%s': not a Linux 5.10+ kernel?",
			     cli->kernel);
	if (gc_mode(cli->t, false, &mi, &e) < 0)
		return error("%s", e.msg);
	if (mi->mode != X86_MODE_LONG64 && l->lsz == 8)
		return error(NOT_UP " (the CPU is in %s mode)", x86_mode_name(mi->mode));
	if (l->lsz > sizeof b)
		return error("odd sizeof(long) %u in the BTF", (unsigned)l->lsz);
	if (m->read(m->ctx, s->addr, b, l->lsz, &e) < 0)
		return error(NOT_UP " (prb at 0x%" PRIx64 " is not mapped: %s)",
			     s->addr, e.msg);
	*prb = 0;
	for (i = 0; i < l->lsz; i++)
		*prb |= (uint64_t)b[i] << (8 * i);
	if (!*prb)
		return error(NOT_UP " (prb is NULL)");
	return 0;
}

static void print_notes(const struct lx_printk_log *log)
{
	if (log->dropped)
		printf("<%" PRIu64 " older records overwritten>\n", log->dropped);
	if (log->gaps)
		printf("<%" PRIu64 " records missing between readable ones>\n", log->gaps);
	if (log->fail)
		printf("<%" PRIu64 " records failed to reserve space (prb->fail)>\n",
		       log->fail);
}

static size_t readable_records(const struct lx_printk_log *log)
{
	size_t i, n = 0;

	for (i = 0; i < log->n; i++)
		n += log->recs[i].state == LX_REC_OK || log->recs[i].state == LX_REC_OPEN;
	return n;
}

int cli_dmesg(struct cli *cli, const char *args)
{
	size_t damaged, readable;
	struct lx_printk_log log;
	struct lx_prb_layout l;
	struct lx_mem m;
	struct kit_err e;
	uint64_t prb;
	int r;

	if (cli_no_args("dmesg", args) < 0 || cli_need_prb_layout(cli, &l) < 0 ||
	    cli_need_target(cli) < 0)
		return -1;
	lx_target_mem(cli->t, &m);
	if (read_prb(cli, &m, &l, &prb) < 0)
		return -1;
	memset(&log, 0, sizeof log);
	if (lx_printk_read(&m, &l, prb, &log, &e) < 0) {
		if (e.code == LX_ECORRUPT)
			return error("%s", e.msg);
		return error(NOT_UP " (the ring at 0x%" PRIx64 " cannot be read: %s)",
			     prb, e.msg);
	}
	fflush(stdout);
	print_notes(&log);
	/* a record a line, as the kernel gives them to dmesg (syslog(2),
	 * /dev/kmsg) and to its consoles: a continuation the kernel could
	 * not append to its line is a record, and a line, of its own */
	r = lx_printk_format(&log, LX_FMT_NO_JOIN, stdout, &e);
	damaged = log.nbad + log.nwriting;
	readable = readable_records(&log);
	lx_printk_log_free(&log);
	if (r < 0)
		return error("%s", e.msg);
	if (!readable && damaged)
		return error("no readable record in the kernel log at 0x%" PRIx64
			     " (%zu damaged or being written)", prb, damaged);
	return 0;
}

/*
 * "percpu VAR[.MEMBER...] [CPU]": where CPU's copy of a per-CPU variable
 * is and its first 8 bytes (or the member's, up to 8), e.g. `percpu
 * current_task` (up to 6.1), `percpu pcpu_hot.current_task` (6.2 and
 * later: the member's offset from the BTF, whose struct is named like the
 * variable).
 */
int cli_percpu(struct cli *cli, const char *args)
{
	char var[128], path[256], extra[8];
	struct ksym_btf_field f;
	unsigned long cpu = 0;
	uint64_t addr, v = 0;
	uint8_t b[8] = { 0 };
	struct lx_mem m;
	struct kit_err e;
	size_t len = 8, i;
	int n = sscanf(args, " %255s %lu %7s", path, &cpu, extra);

	if (n < 1 || n > 2)
		return error("usage: percpu VAR[.MEMBER...] [CPU]");
	if (!cli->syms)
		return error("percpu needs the kernel's symbols (--kernel FILE)");
	if (cli_need_target(cli) < 0)
		return -1;
	snprintf(var, sizeof var, "%.*s", (int)strcspn(path, "."), path);
	lx_target_mem(cli->t, &m);
	if (lx_percpu_addr(&m, cli->syms, var, cpu > 8192 ? 8192 : (unsigned)cpu, &addr, &e) < 0)
		return error("%s", e.msg);
	if (strchr(path, '.')) {
		if (cli_need_btf(cli) < 0)
			return -1;
		if (ksym_btf_member(cli->btf, path, &f, &e) < 0)
			return error("%s", e.msg);
		addr += f.offset;
		len = f.size && f.size < 8 ? (size_t)f.size : 8;
	}
	if (gc_read_mem(cli->t, addr, b, len, &e) != (ssize_t)len)
		return error("cannot read %s of CPU %lu at 0x%" PRIx64, path, cpu, addr);
	for (i = 0; i < len; i++)
		v |= (uint64_t)b[i] << (8 * i);
	printf("%s of CPU %lu at 0x%016" PRIx64 ": 0x%" PRIx64 "\n", path, cpu, addr, v);
	return 0;
}

/* The task layout from the kernel's types: 0, or -1 after saying why
 * (before attaching, for the ps subcommand). */
int cli_need_task_layout(struct cli *cli, struct lx_task_layout *l)
{
	struct kit_err e;

	if (!cli->syms || !ksym_addr(cli->syms, "init_task"))
		return error("ps needs the kernel's symbols, with init_task (--kernel FILE)");
	if (cli_need_btf(cli) < 0)
		return -1;
	if (lx_task_layout_btf(cli->btf, l, &e) < 0)
		return error("'%s' (%s): %s", cli->kernel, ksym_btf_origin(cli->btf), e.msg);
	return 0;
}

/*
 * "ps" (and "info tasks"): the kernel's processes as ps shows them, from
 * the task list at init_task, kernel threads in brackets, the task each
 * CPU runs marked with its CPU number.
 */
int cli_ps(struct cli *cli, const char *args)
{
	struct lx_task_layout l;
	struct lx_task_list tl;
	struct lx_mem m;
	struct kit_err e;
	uint64_t cur[64];
	unsigned ncpu = 0, c;
	size_t i;

	if (cli_no_args("ps", args) < 0 || cli_need_task_layout(cli, &l) < 0 ||
	    cli_need_target(cli) < 0)
		return -1;
	lx_target_mem(cli->t, &m);
	if (lx_ncpus(&m, cli->syms, &ncpu, &e) < 0)
		return error("the kernel's tasks are not set up yet (%s)", e.msg);
	for (c = 0; c < ncpu && c < 64; c++)
		if (lx_current_task(&m, cli->syms, cli->btf, c, &cur[c], &e) < 0)
			cur[c] = 0;
	if (lx_tasks_read(&m, &l, ksym_addr(cli->syms, "init_task"), &tl, &e) < 0)
		return error("the kernel's task list is not set up yet (%s)", e.msg);
	printf("%7s %7s %s %4s  %s\n", "PID", "PPID", "S", "CPU", "COMMAND");
	for (i = 0; i < tl.n; i++) {
		const struct lx_task *t = &tl.v[i];
		char cpu[8] = "";

		for (c = 0; c < ncpu && c < 64; c++)
			if (cur[c] == t->addr)
				snprintf(cpu, sizeof cpu, "%u", c);
		printf("%7d %7d %c %4s  %s", t->pid, t->ppid, t->state, cpu,
		       t->kthread ? "[" : "");
		fflush(stdout);
		kit_fputs_safe(t->comm, stdout);
		printf("%s\n", t->kthread ? "]" : "");
	}
	if (tl.problem[0])
		printf("<the task list ends early: %s>\n", tl.problem);
	lx_task_list_free(&tl);
	return 0;
}

/* The starting registers of a backtrace, or -1 after saying why there is
 * no unwinding here (not in the kernel's 64-bit code). */
static int bt_regs(struct cli *cli, struct lx_regs *r)
{
	const struct gc_mode_info *mi;
	struct kit_err e;
	static const char *const names[] = { "rsp", "rbp", "rdi", "rdx", "r10", "r13" };
	uint64_t *dst[] = { &r->sp, &r->bp, &r->di, &r->dx, &r->r10, &r->r13 };
	size_t i;

	memset(r, 0, sizeof *r);
	if (gc_mode(cli->t, false, &mi, &e) < 0)
		return error("%s", e.msg);
	if (mi->mode != X86_MODE_LONG64 || mi->pc < 0xffff800000000000ull)
		return error("no unwind information here: the CPU is in %s mode at 0x%llx, "
			     "not in the kernel's 64-bit code", x86_mode_name(mi->mode),
			     (unsigned long long)mi->pc);
	r->ip = mi->pc;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (gc_reg(cli->t, names[i], dst[i], &e) < 0)
			return error("%s", e.msg);
	r->full = r->first = true;
	return 0;
}

/* The image's ORC tables into cli->orc, once; an image without them (a
 * kernel built with CONFIG_UNWINDER_FRAME_POINTER) is said once, on
 * stderr, and bt walks frame pointers: 0, or -1 after saying why. */
static int bt_need_orc(struct cli *cli)
{
	struct kit_err e;

	if (cli->orc || cli->no_orc)
		return 0;
	cli->orc = ksym_orc_open(cli->kernel, &e);
	if (cli->orc)
		return 0;
	if (e.code != KSYM_ENOTFOUND)
		return error("%s", e.msg);
	cli->no_orc = true;
	fprintf(stderr, "'%s' has no ORC tables (a kernel without CONFIG_UNWINDER_ORC): "
		"frames come from frame pointers, a guess\n", cli->kernel);
	return 0;
}

/* The stopped CPU's kernel stack, frames into f (up to max, *n of them),
 * why the walk stopped early into why: 0, or -1 after saying why not. */
int cli_unwind(struct cli *cli, struct lx_frame *f, size_t max, size_t *n,
	       char *why, size_t wlen)
{
	struct lx_unwind_layout l;
	const struct lx_unwind_layout *lp = NULL;
	struct lx_regs r;
	struct lx_mem m;
	struct kit_err e;

	if (!cli->t || cli->t->exited)
		return error("the target is gone (exited, detached or the connection closed)");
	if (!cli->kernel)
		return error("the kernel's frames need its image (--kernel FILE)");
	if (bt_regs(cli, &r) < 0 || bt_need_orc(cli) < 0)
		return -1;
	if (cli->orc) {
		if (cli_need_btf(cli) < 0)
			return -1;
		if (lx_unwind_layout_btf(cli->btf, &l, &e) < 0)
			return error("'%s': %s", cli->kernel, e.msg);
		lp = &l;
	} else if (cli->btf && lx_unwind_layout_btf(cli->btf, &l, &e) == 0) {
		lp = &l;        /* optional: encoded pt_regs pointers followed */
	}
	lx_target_mem(cli->t, &m);
	lx_unwind(&m, cli->orc, lp, &r, f, max, n, why, wlen);
	return 0;
}

/* "bt" / "backtrace" / "where": the kernel's call stack from its ORC
 * tables (the image's, loaded at the first use), or from its frame
 * pointers when it has none; frames named, those found by frame pointer
 * marked so. */
int cli_bt(struct cli *cli, const char *args)
{
	struct lx_frame f[LX_MAX_FRAMES];
	char why[160], sym[160];
	size_t n, i;

	(void)args;
	if (cli->t && !cli->t->exited && !cli->kernel)
		return error("bt needs the kernel image (--kernel FILE)");
	if (cli_unwind(cli, f, LX_MAX_FRAMES, &n, why, sizeof why) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		gc_symbolize(cli->t, f[i].ip, sym, sizeof sym);
		printf("#%-2zu 0x%016llx in %s%s%s\n", i, (unsigned long long)f[i].ip,
		       sym[0] ? sym : "??", f[i].regs_frame ? "  (interrupted here)" : "",
		       f[i].by_fp ? "  (frame pointer)" : "");
	}
	if (why[0])
		printf("<%s>\n", why);
	return 0;
}
