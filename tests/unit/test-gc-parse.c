/*
 * test-gc-parse: address expressions (numbers, seg:off, $reg, sym+off),
 * conditions, and the signal table of "handle".
 */
#include "target.h"
#include "tap.h"

#include <string.h>

static int reg(void *ctx, const char *name, uint64_t *v)
{
	(void)ctx;
	if (!strcmp(name, "rdi")) { *v = 0x81b0; return 0; }
	if (!strcmp(name, "cs")) { *v = 0xf000; return 0; }
	if (!strcmp(name, "rip")) { *v = 0xfff0; return 0; }
	if (!strcmp(name, "rax")) { *v = 0; return 0; }
	return -1;
}

static int sym(void *ctx, const char *name, uint64_t *v)
{
	(void)ctx;
	if (!strcmp(name, "start64")) { *v = 0x7eb0; return 0; }
	if (!strcmp(name, "fake_init_delta")) { *v = 0x81b0; return 0; }
	if (!strcmp(name, "foo.cold")) { *v = 0x100; return 0; }
	return -1;
}

static const struct gc_addr_ctx X = { reg, sym, NULL };

static uint64_t val(const char *s, int *rc, char *msg)
{
	struct kit_err e = { 0 };
	uint64_t v = 0;

	*rc = gc_parse_addr(s, &X, &v, &e);
	strcpy(msg, e.msg);
	return v;
}

static void test_addr(void)
{
	char msg[KIT_ERR_MAX];
	int rc;
	uint16_t seg;
	uint64_t off;

	is_u64(val("0x7c00", &rc, msg), 0x7c00, "hex");
	is_u64(val("31744", &rc, msg), 0x7c00, "decimal");
	is_u64(val("0000:7c00", &rc, msg), 0x7c00, "seg:off");
	is_u64(val("f000:fff0", &rc, msg), 0xffff0, "seg:off starting with a letter");
	is_u64(val("0x07c0:0x0010", &rc, msg), 0x7c10, "seg:off with 0x");
	is_u64(val("$cs:$rip", &rc, msg), 0xffff0, "seg:off from registers");
	is_u64(val("start64", &rc, msg), 0x7eb0, "symbol");
	is_u64(val("start64+4", &rc, msg), 0x7eb4, "symbol+off");
	is_u64(val("*start64 + 0x10 - 2", &rc, msg), 0x7ebe, "leading * and spaces");
	is_u64(val("foo.cold", &rc, msg), 0x100, "symbol with a dot");
	is_u64(val("$rdi", &rc, msg), 0x81b0, "register");
	is_int(rc, 0, "register parses");
	val("nosuch", &rc, msg);
	is_int(rc, -1, "unknown symbol fails");
	is_str(msg, "unknown symbol 'nosuch'", "unknown symbol message");
	val("$nosuch", &rc, msg);
	is_str(msg, "unknown register '$nosuch'", "unknown register message");
	val("0x12zz", &rc, msg);
	is_str(msg, "malformed address '0x12zz': not a number (hex needs 0x)", "bad hex");
	val("7c00", &rc, msg);
	is_int(rc, -1, "bare hex without 0x is not decimal");
	val("12345:0", &rc, msg);
	is_int(rc, -1, "segment over 16 bits");
	val("f000:", &rc, msg);
	is_int(rc, -1, "seg: without offset");
	val("", &rc, msg);
	is_int(rc, -1, "empty");
	val("start64 +", &rc, msg);
	is_int(rc, -1, "dangling +");
	val("0x10 0x20", &rc, msg);
	is_str(msg, "malformed address '0x10 0x20': unexpected text at '0x20'", "trailing text");
	val("99999999999999999999999", &rc, msg);
	is_int(rc, -1, "decimal overflow");
	ok(gc_parse_segoff("f000:fff0", &seg, &off) && seg == 0xf000 && off == 0xfff0,
	   "gc_parse_segoff");
	ok(!gc_parse_segoff("start64", &seg, &off), "gc_parse_segoff: not seg:off");
}

static void test_cond(void)
{
	static const struct {
		const char *expr, *name;
		int want;
	} evals[] = {
		{ "$rdi == fake_init_delta", "rdi == delta: true", 1 },
		{ "$rdi != fake_init_delta", "!=: false", 0 },
		{ "$rdi > 0x8000 && $rax == 0", "&&: true", 1 },
		{ "$rdi < 0x8000 && $rax == 0 || $rax",
		  "&& binds tighter than ||: false", 0 },
		{ "$rdi < 0x8000 || $rdi >= 0x81b0", "||: true", 1 },
		{ "$rdi <= 0x81b0", "<=", 1 },
		{ "$rax", "bare expression: zero is false", 0 },
	};
	struct gc_cond c;
	struct kit_err e;
	size_t i;

	is_int(gc_cond_parse("$rdi == fake_init_delta", &X, &c, &e), 0, "parse ==");
	gc_cond_parse("$rdi < 0x8000 && $rax == 0 || $rax", &X, &c, &e);
	is_int(c.n, 3, "three terms");
	for (i = 0; i < sizeof evals / sizeof *evals; i++) {
		gc_cond_parse(evals[i].expr, &X, &c, &e);
		is_int(gc_cond_eval(&c, &X, &e), evals[i].want, evals[i].name);
	}
	is_int(gc_cond_parse("$rax ==", &X, &c, &e), -1, "missing operand");
	is_str(e.msg, "malformed condition '$rax ==': empty operand", "message");
	is_int(gc_cond_parse("$rax == 1 &&", &X, &c, &e), -1, "dangling &&");
	is_int(gc_cond_parse("$nosuch == 1", &X, &c, &e), -1, "unknown register checked at parse");
	is_int(gc_cond_parse("$nosuch == 1", NULL, &c, &e), 0, "syntax only: names unchecked");
	is_int(gc_cond_parse("0x1zz == 1", NULL, &c, &e), -1, "syntax only: bad number caught");
}

static void test_signals(void)
{
	struct gc_sigtab t;
	struct kit_err e;
	int sigs[GC_NSIG];
	size_t n;
	char nb[16];

	gc_sigtab_init(&t);
	ok(!t.a[15].stop && !t.a[15].print && !t.a[15].pass, "SIGTERM: nostop noprint nopass");
	ok(!t.a[9].stop && !t.a[9].print && !t.a[9].pass, "SIGKILL: nostop noprint nopass");
	ok(t.a[11].stop && t.a[11].print && t.a[11].pass, "SIGSEGV: stop print pass");
	ok(t.a[2].stop && !t.a[2].pass, "SIGINT: stop, not passed");
	ok(!t.a[14].stop && t.a[14].pass, "SIGALRM: nostop pass");
	is_int(gc_signal_number("SIGTERM"), 15, "SIGTERM");
	is_int(gc_signal_number("term"), 15, "term");
	is_int(gc_signal_number("15"), 15, "15");
	is_int(gc_signal_number("SIGUSR1"), 30, "USR1 is GDB's 30");
	is_int(gc_signal_number("SIGNOPE"), -1, "unknown");
	is_str(gc_signal_name(15, nb), "SIGTERM", "name");
	is_str(gc_signal_name(60, nb), "SIG60", "numbered name");

	is_int(gc_sigtab_handle(&t, "SIGTERM pass", sigs, GC_NSIG, &n, &e), 0, "handle pass");
	ok(n == 1 && sigs[0] == 15 && t.a[15].pass && !t.a[15].stop, "SIGTERM now passed, still nostop");
	gc_sigtab_handle(&t, "SIGTERM stop", sigs, GC_NSIG, &n, &e);
	ok(t.a[15].stop && t.a[15].print, "stop implies print");
	gc_sigtab_handle(&t, "SIGTERM noprint", sigs, GC_NSIG, &n, &e);
	ok(!t.a[15].stop && !t.a[15].print, "noprint implies nostop");
	/* gdb reads the words in order: a later noprint undoes an earlier stop */
	gc_sigtab_handle(&t, "SIGTERM stop noprint", sigs, GC_NSIG, &n, &e);
	ok(!t.a[15].stop && !t.a[15].print, "stop noprint: nostop noprint");
	gc_sigtab_handle(&t, "SIGUSR1 SIGUSR2 nostop", sigs, GC_NSIG, &n, &e);
	ok(n == 2 && !t.a[30].stop && !t.a[31].stop && t.a[30].print, "two signals, nostop keeps print");
	is_int(gc_sigtab_handle(&t, "SIGFOO stop", sigs, GC_NSIG, &n, &e), -1, "unknown signal");
	is_str(e.msg, "unknown signal 'SIGFOO'", "message");
	is_int(gc_sigtab_handle(&t, "SIGTERM stop frob", sigs, GC_NSIG, &n, &e), -1, "unknown action");
	is_str(e.msg, "unknown action 'frob'", "message");
	is_int(gc_sigtab_handle(&t, "stop", sigs, GC_NSIG, &n, &e), -1, "no signal");
}

/*
 * "handle all" leaves INT and TRAP alone, as gdb's does.  Their defaults
 * already are what "all nopass" would set, so first give them something
 * "all" would change, then check that it changed every other signal and
 * not them.
 */
static void test_handle_all(void)
{
	struct gc_sigtab t;
	struct kit_err e;
	int sigs[GC_NSIG];
	size_t n, i;
	bool others = true, listed_int_trap = false;

	gc_sigtab_init(&t);
	is_int(gc_sigtab_handle(&t, "SIGINT SIGTRAP pass", sigs, GC_NSIG, &n, &e), 0,
	       "INT and TRAP passed");
	is_int(gc_sigtab_handle(&t, "SIGINT SIGTRAP nostop", sigs, GC_NSIG, &n, &e), 0,
	       "INT and TRAP nostop");
	is_int(gc_sigtab_handle(&t, "all nopass stop", sigs, GC_NSIG, &n, &e), 0,
	       "handle all nopass stop");
	ok(t.a[2].pass && !t.a[2].stop && t.a[2].print, "all: INT keeps pass nostop print");
	ok(t.a[5].pass && !t.a[5].stop && t.a[5].print, "all: TRAP keeps pass nostop print");
	for (i = 1; i < GC_NSIG; i++) {
		if (i == 2 || i == 5)
			continue;
		if (t.a[i].pass || !t.a[i].stop || !t.a[i].print) {
			printf("#   signal %zu: stop %d print %d pass %d\n", i,
			       t.a[i].stop, t.a[i].print, t.a[i].pass);
			others = false;
		}
	}
	ok(others, "all: every other signal now stop print nopass");
	for (i = 0; i < n; i++)
		if (sigs[i] == 2 || sigs[i] == 5)
			listed_int_trap = true;
	ok(n == GC_NSIG - 3 && !listed_int_trap, "all: reports all but 0, INT and TRAP");
}

/*
 * gc_sigtab_init's defaults, signal by signal, in GDB's numbering
 * (include/gdb/signals.def), written by hand from gdb's documented
 * defaults rather than from sigtab.c: stubs report GDB numbers, so a
 * default put on a Linux number lands on another signal.
 */
static void test_signal_defaults(void)
{
	static const struct {
		int gdb;
		const char *name;
		bool stop, print, pass;
	} quiet[] = {
		/* gdb: "signals that are not errors", nostop noprint pass */
		{ 14, "SIGALRM", false, false, true },
		{ 16, "SIGURG", false, false, true },
		{ 20, "SIGCHLD", false, false, true },
		{ 23, "SIGIO", false, false, true },
		{ 26, "SIGVTALRM", false, false, true },
		{ 27, "SIGPROF", false, false, true },
		{ 28, "SIGWINCH", false, false, true },
		{ 33, "SIGPOLL", false, false, true },
		/* gdb: the debugger's own, stop print nopass */
		{ 2, "SIGINT", true, true, false },
		{ 5, "SIGTRAP", true, true, false },
		/* ours: a kill aimed at QEMU, nostop noprint nopass */
		{ 9, "SIGKILL", false, false, false },
		{ 15, "SIGTERM", false, false, false },
	};
	/*
	 * Linux numbers of signals whose GDB number differs, and the GDB
	 * signal each number is: those keep that signal's default.
	 */
	static const struct {
		int num;
		const char *linux_name, *gdb_name;
		bool stop, print, pass;
	} linux_nums[] = {
		{ 7, "SIGBUS", "SIGEMT", true, true, true },
		{ 10, "SIGUSR1", "SIGBUS", true, true, true },
		{ 12, "SIGUSR2", "SIGSYS", true, true, true },
		{ 17, "SIGCHLD", "SIGSTOP", true, true, true },
		{ 18, "SIGCONT", "SIGTSTP", true, true, true },
		{ 19, "SIGSTOP", "SIGCONT", true, true, true },
		{ 20, "SIGTSTP", "SIGCHLD", false, false, true },
		{ 23, "SIGURG", "SIGIO", false, false, true },
		{ 29, "SIGIO", "SIGLOST", true, true, true },
		{ 30, "SIGPWR", "SIGUSR1", true, true, true },
		{ 31, "SIGSYS", "SIGUSR2", true, true, true },
	};
	struct gc_sigtab t;
	bool special[GC_NSIG] = { false }, rest = true;
	char msg[128];
	size_t i;
	int s;

	gc_sigtab_init(&t);
	for (i = 0; i < sizeof quiet / sizeof quiet[0]; i++) {
		const struct gc_sigaction *a = &t.a[quiet[i].gdb];

		special[quiet[i].gdb] = true;
		snprintf(msg, sizeof msg, "default %s (GDB %d): %sstop %sprint %spass",
			 quiet[i].name, quiet[i].gdb, quiet[i].stop ? "" : "no",
			 quiet[i].print ? "" : "no", quiet[i].pass ? "" : "no");
		ok(a->stop == quiet[i].stop && a->print == quiet[i].print &&
		   a->pass == quiet[i].pass, msg);
		snprintf(msg, sizeof msg, "%s is GDB's %d", quiet[i].name, quiet[i].gdb);
		is_int(gc_signal_number(quiet[i].name), quiet[i].gdb, msg);
	}
	for (s = 1; s < GC_NSIG; s++) {
		if (special[s])
			continue;
		if (!t.a[s].stop || !t.a[s].print || !t.a[s].pass) {
			printf("#   signal %d: stop %d print %d pass %d\n", s,
			       t.a[s].stop, t.a[s].print, t.a[s].pass);
			rest = false;
		}
	}
	ok(rest, "every other signal 1..63: stop print pass");
	for (i = 0; i < sizeof linux_nums / sizeof linux_nums[0]; i++) {
		const struct gc_sigaction *a = &t.a[linux_nums[i].num];

		snprintf(msg, sizeof msg, "%d (Linux %s) is GDB's %s: %sstop %sprint %spass",
			 linux_nums[i].num, linux_nums[i].linux_name,
			 linux_nums[i].gdb_name, linux_nums[i].stop ? "" : "no",
			 linux_nums[i].print ? "" : "no", linux_nums[i].pass ? "" : "no");
		ok(a->stop == linux_nums[i].stop && a->print == linux_nums[i].print &&
		   a->pass == linux_nums[i].pass, msg);
		snprintf(msg, sizeof msg, "%s is GDB's %d", linux_nums[i].gdb_name,
			 linux_nums[i].num);
		is_int(gc_signal_number(linux_nums[i].gdb_name), linux_nums[i].num, msg);
	}
}

/* QEMU's "info registers" comes from the stub: fields too wide for what
 * they hold make the line invalid instead of a cut or saturated value. */
static void test_hostile_monitor_text(void)
{
	struct x86_cpu_state st;
	struct x86_segs s;

	is_int(x86_parse_info_registers("CS =10000 00000000 ffffffff 00cf9b00\n", &s), 0,
	       "selector past 16 bits: not a segment");
	is_int(x86_parse_info_registers("CS =0008 100000000000000000 ffffffff 00cf9b00\n",
					&s), 0, "base past 64 bits: not a segment");
	is_int(x86_parse_info_registers("CS =0008 0 1ffffffff 00cf9b00\n", &s), 0,
	       "limit past 32 bits: not a segment");
	is_int(x86_parse_info_registers("CS =0008 0 ffffffff 00cf9b00\n", &s), 1,
	       "the same line with sane fields parses");
	is_int(x86_parse_cpu_state("RIP=1ffffffffffffffff CR0=11\n"
				   "CS =0008 0 ffffffff 00cf9b00\n", &st), -1,
	       "RIP past 64 bits: refused, not saturated");
}

int main(void)
{
	test_hostile_monitor_text();
	test_addr();
	test_cond();
	test_signals();
	test_signal_defaults();
	test_handle_all();
	return tap_done();
}
