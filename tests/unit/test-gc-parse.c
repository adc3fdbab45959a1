/*
 * test-gc-parse: address expressions (numbers, seg:off, $reg, sym+off),
 * conditions, the signal table of "handle", and gdb's casts, lvalues and
 * format letters (value.c).
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

static const char *fmt(uint64_t v, const struct gc_ctype *t, char f, bool pad)
{
	static char buf[128];

	return gc_value_format(buf, sizeof buf, v, t, f, pad);
}

/* gdb 13's own output for the same values (x86-64, QEMU's rax = 109888):
 * p/x $rax = 0x1ad40, p/o = 0326500, p/t = 11010110101000000, p/c =
 * 64 '@', p/d $rdi..., p/c 200 = -56 '\310', p/c 10 = 10 '\n',
 * p/f $rax = 5.42918856902029e-319, x/2tb = 00001101 ... */
static void test_value_format(void)
{
	struct gc_ctype t, u8;

	is_str(fmt(0x1ad40, NULL, 'x', false), "0x1ad40", "p/x");
	is_str(fmt(0x1ad40, NULL, 'o', false), "0326500", "p/o");
	is_str(fmt(0x1ad40, NULL, 't', false), "11010110101000000", "p/t");
	is_str(fmt(0x1ad40, NULL, 'c', false), "64 '@'", "p/c: the low byte");
	is_str(fmt(0x1ad40, NULL, 'd', false), "109888", "p/d");
	is_str(fmt(0x1ad40, NULL, 'f', false), "5.42918856902029e-319", "p/f: the bits as a double");
	is_str(fmt(0x1ad40, NULL, 'z', false), "0x000000000001ad40", "p/z: padded");
	is_str(fmt(200, NULL, 'c', false), "-56 '\\310'", "p/c 200: a signed char in octal");
	is_str(fmt(10, NULL, 'c', false), "10 '\\n'", "p/c 10");
	is_str(fmt(0, NULL, 't', false), "0", "p/t 0");
	is_str(fmt(0, NULL, 'o', false), "0", "p/o 0");
	is_str(fmt(UINT64_MAX, NULL, 'd', false), "-1", "p/d of all ones");
	is_str(fmt(UINT64_MAX, NULL, 'u', false), "18446744073709551615", "p/u of all ones");
	is_str(fmt(UINT64_MAX, NULL, 0, false), "-1", "no format: a register is signed");
	gc_ctype_unsigned(&u8, 1);
	is_str(fmt(13, &u8, 't', true), "00001101", "x/tb: padded to the unit");
	is_str(fmt(13, &u8, 'x', true), "0x0d", "x/xb: padded");
	is_str(fmt(13, &u8, 'o', true), "015", "x/ob: not padded");
	is_str(fmt(0x1ff, &u8, 'u', false), "255", "a value cut to its type's size");
	is_int(gc_ctype_parse("unsigned long", &t, NULL), 0, "unsigned long parses");
	is_int((int)t.size, 8, "unsigned long is 8 bytes");
	is_str(fmt(4294892296u, &t, 0, false), "4294892296", "unsigned long by type: unsigned");
	is_int(gc_ctype_parse("  int  ", &t, NULL), 0, "int parses, spaces around");
	is_str(fmt(0xfffedc58, &t, 0, false), "-74664", "int by type: signed, 4 bytes");
	is_int(gc_ctype_parse("char", &t, NULL), 0, "char parses");
	is_str(fmt(88, &t, 0, false), "88 'X'", "char by type: 88 'X'");
	is_int(gc_ctype_parse("void *", &t, NULL), 0, "void * parses");
	ok(t.is_ptr && t.size == 8 && !strcmp(t.name, "void *"), "void * is an 8-byte pointer");
	is_int(gc_ctype_parse("unsigned   short", &t, NULL), 0, "unsigned   short parses");
	ok(t.size == 2 && !t.is_signed && !strcmp(t.name, "unsigned short"), "unsigned short");
	is_int(gc_ctype_parse("u32", &t, NULL), 0, "u32 parses");
	is_int((int)t.size, 4, "u32 is 4 bytes");
	is_int(gc_ctype_parse("struct foo", &t, NULL), -1, "struct: unknown type");
	is_int(gc_ctype_parse("void", &t, NULL), -1, "void alone is no value");
}

static void test_lvalue(void)
{
	struct gc_lvalue lv;
	struct kit_err e = { 0 };

	is_int(gc_lvalue_parse("*(long *)&start64", &X, 8, &lv, &e), 0, "*(long *)&sym");
	ok(!lv.is_reg && lv.addr == 0x7eb0 && lv.type.size == 8 && lv.type.is_signed,
	   "*(long *)&sym: a long at the symbol");
	is_str(lv.text, "*(long *)&start64", "the text kept as written");
	is_int(gc_lvalue_parse(" *(unsigned char *) start64+4 ", &X, 8, &lv, &e), 0,
	       "*(unsigned char *) sym+4");
	ok(lv.addr == 0x7eb4 && lv.type.size == 1 && lv.type.is_char, "an unsigned char at sym+4");
	is_str(lv.text, "*(unsigned char *) start64+4", "trimmed");
	is_int(gc_lvalue_parse("*(short *)($rdi-16)", &X, 8, &lv, &e), 0,
	       "*(short *)($reg-16): parentheses around the address");
	is_u64(lv.addr, 0x81a0, "($rdi-16)");
	is_int(gc_lvalue_parse("*0x1000", &X, 8, &lv, &e), 0, "*ADDR");
	ok(lv.addr == 0x1000 && lv.type.size == 4 && lv.type.is_signed, "*ADDR: an int, as gdb");
	is_int(gc_lvalue_parse("start64", &X, 4, &lv, &e), 0, "a bare symbol");
	ok(lv.addr == 0x7eb0 && lv.type.size == 4 && !lv.type.is_signed,
	   "a bare symbol: an unsigned word of the mode");
	is_int(gc_lvalue_parse("$rdi", &X, 8, &lv, &e), 0, "$reg");
	ok(lv.is_reg && !strcmp(lv.reg, "rdi"), "$reg: a register");
	is_int(gc_lvalue_parse("$nosuch", &X, 8, &lv, &e), -1, "an unknown register");
	is_str(e.msg, "unknown register '$nosuch'", "unknown register message");
	is_int(gc_lvalue_parse("*(long)0x1000", &X, 8, &lv, &e), -1, "a cast without '*'");
	is_str(e.msg, "malformed cast in '*(long)0x1000': expected '*(TYPE *)ADDR'",
	       "cast without '*' message");
	is_int(gc_lvalue_parse("*(struct task *)0x1000", &X, 8, &lv, &e), -1, "unknown type");
	ok(!strncmp(e.msg, "unknown type 'struct task'", 26), "unknown type named");
	is_int(gc_lvalue_parse("   ", &X, 8, &lv, &e), -1, "empty");
}

int main(void)
{
	test_value_format();
	test_lvalue();
	test_hostile_monitor_text();
	test_addr();
	test_cond();
	test_signals();
	test_signal_defaults();
	test_handle_all();
	return tap_done();
}
