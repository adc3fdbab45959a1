/*
 * test-record: the boot recorder's pure parts (recorder.h): finding the
 * return site in do_one_initcall (plain indirect call, retpoline thunk),
 * whether the recorder can execute its call, decoding and executing the
 * one instruction there, a function's first callee in another page, the
 * values code stores into a variable, register names, the
 * command-line check (decode.c); the initcall schemes' names and
 * order of preference (scheme.h), which --initcall-scheme takes; and the
 * kernel's initcall_debug records paired, their unit and the "calling"
 * record's cost (klog-parse.c); how a recording ended (qclock.c).
 */
#include "recorder.h"
#include "scheme.h"
#include "ksym.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_return_site(void)
{
	/* the test guest's do_one_initcall */
	static const uint8_t guest[] = {
		0x0f, 0x1f, 0x44, 0x00, 0x00,       /* nopl 0(%rax,%rax,1) */
		0x53,                               /* push %rbx */
		0x48, 0x89, 0xfb,                   /* mov %rdi,%rbx */
		0xff, 0xd7,                         /* call *%rdi */
		0x8b, 0x0c, 0x25, 0x08, 0x10, 0x00, 0x00, /* mov 0x1008,%ecx */
		0x5b, 0xc3,
	};
	/* a retpoline call: mov %rdi,%r12; call __x86_indirect_thunk_r12 */
	static const uint8_t thunk[] = {
		0x49, 0x89, 0xfc,
		0xe8, 0xf8, 0x0f, 0x00, 0x00,       /* 0x1003 + 5 + 0xff8 = 0x2000 */
		0x89, 0xc5,                         /* mov %eax,%ebp */
		0xc3,
	};
	/* a thunk through a caller-saved register, fn copied to rbx before */
	static const uint8_t rax_thunk[] = {
		0x48, 0x89, 0xfb,                   /* mov %rdi,%rbx */
		0x48, 0x89, 0xf8,                   /* mov %rdi,%rax */
		0xe8, 0xf5, 0x0f, 0x00, 0x00,       /* 0x1006 + 5 + 0xff5 = 0x2000 */
		0xc3,
	};
	static const uint8_t none[] = { 0x55, 0x48, 0x89, 0xe5, 0x5d, 0xc3 };
	struct rec_retsite rs;
	struct kit_err e = { 0 };
	struct ksym_table *t = ksym_table_new(&e);
	struct ksym_table *t2 = ksym_table_new(&e);

	is_int(rec_find_return_site(guest, sizeof guest, 0x80c0, NULL, &rs, &e), 0,
	       "guest: an indirect call is found");
	is_u64(rs.call_addr, 0x80c9, "guest: the call");
	is_u64(rs.ret_addr, 0x80cb, "guest: the return site after it");
	is_str(rs.call_reg, "rdi", "guest: called through rdi");
	is_str(rs.fn_reg, "rbx", "guest: rdi was copied to callee-saved rbx");
	ok(!rs.thunk, "guest: no thunk");

	ok(t && t2, "symbol tables");
	ksym_table_add(t, 0x1000, 0x100, 'T', "do_one_initcall", 15, &e);
	ksym_table_add(t, 0x2000, 0x20, 'T', "__x86_indirect_thunk_r12", 24, &e);
	ksym_table_finish(t, &e);
	is_int(rec_find_return_site(thunk, sizeof thunk, 0x1000, t, &rs, &e), 0,
	       "retpoline: found");
	ok(rs.thunk, "retpoline: through the thunk");
	is_u64(rs.ret_addr, 0x1008, "retpoline: return site");
	is_str(rs.fn_reg, "r12", "retpoline: r12 is callee-saved");
	is_int(rec_find_return_site(thunk, sizeof thunk, 0x1000, NULL, &rs, &e), -1,
	       "retpoline without symbols: no call is recognised");

	ksym_table_add(t2, 0x2000, 0x20, 'T', "__x86_indirect_thunk_rax", 24, &e);
	ksym_table_finish(t2, &e);
	is_int(rec_find_return_site(rax_thunk, sizeof rax_thunk, 0x1000, t2, &rs, &e), 0,
	       "rax thunk: found");
	is_str(rs.call_reg, "rax", "rax thunk: call register");
	is_str(rs.fn_reg, "rbx", "rax thunk: fn found in rbx through the copies");

	/* the call-site scheme: which calls the recorder can execute */
	{
		struct rec_retsite c = { 0x80c9, 0x80cb, "rdi", "rbx", false };
		char why[160];

		ok(rec_call_emulable(&c, why, sizeof why), "call *%%rdi: executable");
		is_str(why, "call *%rdi, 2 bytes", "and said so");
		c.call_addr = 0x1003;
		c.ret_addr = 0x1008;
		snprintf(c.call_reg, sizeof c.call_reg, "r12");
		c.thunk = true;
		ok(rec_call_emulable(&c, why, sizeof why), "retpoline thunk: executable");
		is_str(why, "call (retpoline thunk) *%r12, 5 bytes", "and said so");
		c.call_reg[0] = '\0';
		ok(!rec_call_emulable(&c, why, sizeof why), "no register: not executable");
		ok(strstr(why, "not a 64-bit general register") != NULL, "the reason says so");
		snprintf(c.call_reg, sizeof c.call_reg, "ebx");
		ok(!rec_call_emulable(&c, NULL, 0), "a 32-bit register: not executable");
		snprintf(c.call_reg, sizeof c.call_reg, "rbx");
		c.ret_addr = 0x1003;
		ok(!rec_call_emulable(&c, why, sizeof why), "no length: not executable");
		ok(strstr(why, "not a form known here") != NULL, "the reason says so");
	}

	is_int(rec_find_return_site(none, sizeof none, 0x3000, t, &rs, &e), -1,
	       "no indirect call: an error");
	ok(strstr(e.msg, "no indirect call") != NULL, "the message says so");
	ksym_free(t);
	ksym_free(t2);
}

static void test_emul(void)
{
	struct rec_emul m;

	is_int(rec_decode_emul((const uint8_t *)"\x89\xc5", 2, 0x10, &m), 0, "mov %eax,%ebp decodes");
	is_int(m.kind, REC_EMUL_MOV_REG, "mov reg, reg");
	is_str(m.dst, "rbp", "destination rbp");
	is_str(m.src, "rax", "source rax");
	is_int(m.size, 2, "2 bytes");
	is_u64(rec_emul_result(&m, ~0ull, 0x1fffffff0ull), 0xfffffff0ull,
	       "a 32-bit write zero-extends");

	rec_decode_emul((const uint8_t *)"\x8b\x0c\x25\x08\x10\x00\x00", 7, 0x80cb, &m);
	is_int(m.kind, REC_EMUL_MOV_MEM, "mov abs32, %ecx: a memory load");
	is_u64(m.mem, 0x1008, "from 0x1008");
	is_int(m.src_bytes, 4, "4 bytes");
	is_str(m.dst, "rcx", "into rcx");

	rec_decode_emul((const uint8_t *)"\x8b\x05\x10\x00\x00\x00", 6, 0x100, &m);
	is_int(m.kind, REC_EMUL_MOV_MEM, "rip-relative load");
	is_u64(m.mem, 0x116, "address after the instruction + disp");

	rec_decode_emul((const uint8_t *)"\x48\x63\xc7", 3, 0, &m);
	is_int(m.kind, REC_EMUL_MOV_REG, "movsxd rax, edi");
	ok(m.sext, "sign-extends");
	is_u64(rec_emul_result(&m, 0, 0x80000000ull), 0xffffffff80000000ull,
	       "negative 32-bit value sign-extended");

	rec_decode_emul((const uint8_t *)"\xb8\x05\x00\x00\x00", 5, 0, &m);
	is_int(m.kind, REC_EMUL_MOV_IMM, "mov $5, %eax");
	is_u64(rec_emul_result(&m, ~0ull, 0), 5, "immediate, upper half cleared");

	rec_decode_emul((const uint8_t *)"\x66\x89\xc3", 3, 0, &m);
	is_int(m.kind, REC_EMUL_MOV_REG, "mov %ax, %bx");
	is_u64(rec_emul_result(&m, 0x123456789abcdef0ull, 0x1111), 0x123456789abc1111ull,
	       "a 16-bit write keeps the other bytes");

	rec_decode_emul((const uint8_t *)"\x88\xc4", 2, 0, &m);
	is_int(m.kind, REC_EMUL_NONE, "mov %al, %ah: not emulated (ah)");
	rec_decode_emul((const uint8_t *)"\x85\xc0", 2, 0, &m);
	is_int(m.kind, REC_EMUL_NONE, "test: not emulated (flags)");
	is_int(m.size, 2, "but its size is known");
	rec_decode_emul((const uint8_t *)"\x8b\x04\x24", 3, 0, &m);
	is_int(m.kind, REC_EMUL_NONE, "load through a register: not emulated");
	is_int(rec_decode_emul((const uint8_t *)"\x0f\x0b\xff", 1, 0, &m), -1,
	       "undecodable bytes: -1");
}

static void test_first_callee(void)
{
	/* start_kernel's shape (Debian 6.1): call __fentry__, pushes, a
	 * call within its own page, then the first call elsewhere */
	static const uint8_t code[] = {
		0xe8, 0xbb, 0xff, 0x00, 0x00,   /* 0x10040 call 0x20000 __fentry__ */
		0x41, 0x56,                     /* 0x10045 push %r14 */
		0xe8, 0xc4, 0xff, 0xff, 0xff,   /* 0x10047 call 0x10010 (same page) */
		0x31, 0xdb,                     /* 0x1004c xor %ebx,%ebx */
		0xe8, 0xad, 0xff, 0x01, 0x00,   /* 0x1004e call 0x30000 callee */
		0xc3,                           /* 0x10053 ret */
	};
	static const uint8_t branch[] = {
		0x74, 0x05,                     /* je +5 */
		0xe8, 0xb9, 0xff, 0x01, 0x00,   /* call 0x30000 */
		0xc3,
	};
	static const uint8_t indirect[] = { 0xff, 0xd0, 0xc3 };  /* call *%rax */
	static const uint8_t middle[] = {
		0xe8, 0xbc, 0xff, 0x01, 0x00,   /* 0x10040 call 0x30001 */
		0xc3,
	};
	struct kit_err e = { 0 };
	struct ksym_table *t = ksym_table_new(&e);
	struct rec_callee c;

	ok(t != NULL, "callee: symbol table");
	ksym_table_add(t, 0x10010, 0x30, 't', "helper_same_page", 16, &e);
	ksym_table_add(t, 0x10040, 0x20, 'T', "start_kernel", 12, &e);
	ksym_table_add(t, 0x20000, 0x10, 'T', "__fentry__", 10, &e);
	ksym_table_add(t, 0x30000, 0x40, 'T', "callee", 6, &e);
	ksym_table_finish(t, &e);
	is_int(rec_first_callee(code, sizeof code, 0x10040, t, &c, &e), 0,
	       "callee: found past __fentry__ and a same-page call");
	is_u64(c.target, 0x30000, "callee: its entry");
	is_u64(c.ret_addr, 0x10053, "callee: the return address the call pushes");
	is_int((int)c.insns, 5, "callee: five instructions in");
	is_str(c.name, "callee", "callee: named");
	is_int(rec_first_callee(code, 14, 0x10040, t, &c, &e), -1,
	       "callee: none within the bytes given");
	ok(strstr(e.msg, "no direct call") != NULL, "callee: said so");
	is_int(rec_first_callee(branch, sizeof branch, 0x10040, t, &c, &e), -1,
	       "callee: a branch first");
	ok(strstr(e.msg, "branch") != NULL, "callee: the branch said");
	is_int(rec_first_callee(indirect, sizeof indirect, 0x10040, t, &c, &e), -1,
	       "callee: an indirect call first");
	is_int(rec_first_callee(middle, sizeof middle, 0x10040, t, &c, &e), -1,
	       "callee: a call into the middle of a symbol");
	is_int(rec_first_callee(code, sizeof code, 0x10040, NULL, &c, &e), -1,
	       "callee: no symbols");
	ksym_free(t);
}

static void test_stores(void)
{
	/* kernel_init's "system_state = SYSTEM_FREEING_INITMEM ... = SYSTEM_RUNNING" */
	static const uint8_t code[] = {
		0xc7, 0x05, 0xf6, 0x3f, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* 0x1000 movl $2,0x5000(%rip) */
		0x90,                                                       /* 0x100a nop */
		0xc7, 0x04, 0x25, 0x00, 0x60, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, /* 0x100b movl $7,0x6000 */
		0xc7, 0x05, 0xe0, 0x3f, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, /* 0x1016 movl $3,0x5000(%rip) */
		0xc3,
	};
	uint64_t v[4] = { 0, 0, 0, 0 };

	is_int((int)rec_stores_to(code, sizeof code, 0x1000, 0x5000, v, 4), 2,
	       "stores: two into the variable");
	is_u64(v[0], 2, "stores: first 2");
	is_u64(v[1], 3, "stores: then 3");
	is_int((int)rec_stores_to(code, sizeof code, 0x1000, 0x6000, v, 4), 1,
	       "stores: an absolute address too");
	is_u64(v[0], 7, "stores: 7 there");
	is_int((int)rec_stores_to(code, sizeof code, 0x1000, 0x5000, v, 1), 1,
	       "stores: at most max");
	is_int((int)rec_stores_to(code, 5, 0x1000, 0x5000, v, 4), 0,
	       "stores: none in a cut instruction");
}

static void test_end_nop(void)
{
	/* Linux 6.1's return site: mov %eax,%ebp; xchg %ax,%ax (66 90) */
	static const uint8_t linux61[] = { 0x89, 0xc5, 0x66, 0x90, 0x65, 0x8b, 0x05 };
	/* the NOP at the return site itself */
	static const uint8_t at_site[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xc3 };
	/* the NOP Linux 5.10 writes at boot in place of 0f 1f 44 00 00 */
	static const uint8_t prefixed[] = { 0x66, 0x66, 0x66, 0x66, 0x90, 0x65 };
	/* a move into rax first: the return value would be lost */
	static const uint8_t clobber[] = { 0x89, 0xd8, 0x66, 0x90 };
	/* a move into the function register */
	static const uint8_t fnreg[] = { 0x89, 0xc3, 0x66, 0x90 };
	/* a load first: not a register move */
	static const uint8_t load[] = { 0x8b, 0x0c, 0x25, 0x08, 0x10, 0x00, 0x00, 0x66, 0x90 };
	uint64_t a = 0;
	unsigned n = 0;

	is_int(rec_find_end_nop(linux61, sizeof linux61, 0x24b9, "rbx", &a, &n), 0,
	       "end NOP: after mov %%eax,%%ebp");
	is_u64(a, 0x24bb, "end NOP: its address");
	is_int((int)n, 2, "end NOP: 2 bytes");
	is_int(rec_find_end_nop(at_site, sizeof at_site, 0x100, "rbx", &a, &n), 0,
	       "end NOP: at the return site");
	is_u64(a, 0x100, "end NOP: there");
	is_int((int)n, 5, "end NOP: 5 bytes");
	is_int(rec_find_end_nop(prefixed, sizeof prefixed, 0x200, NULL, &a, &n), 0,
	       "end NOP: 66 66 66 66 90");
	is_u64(a, 0x200, "end NOP: prefixed, there");
	is_int((int)n, 5, "end NOP: prefixed, 5 bytes");
	is_int(rec_find_end_nop(clobber, sizeof clobber, 0x100, "rbx", &a, &n), -1,
	       "end NOP: not past a move into eax");
	is_int(rec_find_end_nop(fnreg, sizeof fnreg, 0x100, "rbx", &a, &n), -1,
	       "end NOP: not past a move into the function register");
	is_int(rec_find_end_nop(load, sizeof load, 0x100, "rbx", &a, &n), -1,
	       "end NOP: not past a load");
}

static void test_names(void)
{
	int b = 0;

	is_str(rec_gpr64("r12d", &b), "r12", "r12d is r12");
	is_int(b, 4, "4 bytes");
	is_str(rec_gpr64("sil", &b), "rsi", "sil is rsi");
	ok(rec_gpr64("xmm0", &b) == NULL, "xmm0 is not a GPR");
	ok(rec_cmdline_has("console=ttyS0 nokaslr initcall_debug", "nokaslr"), "nokaslr in the middle");
	ok(rec_cmdline_has("nokaslr", "nokaslr"), "nokaslr alone");
	ok(!rec_cmdline_has("nokaslrx quiet", "nokaslr"), "not a prefix");
	ok(!rec_cmdline_has("xnokaslr", "nokaslr"), "not a suffix");
	ok(!rec_cmdline_has(NULL, "nokaslr"), "no command line");
}

static void test_schemes(void)
{
	static const char *const order[] = { "watch", "call-return", "call-site",
					     "functions" };
	char name[80];
	size_t i;

	for (i = 0; i < 4; i++) {
		const struct rec_scheme *s = rec_schemes[i];

		snprintf(name, sizeof name, "scheme %zu is %s, found by name", i, order[i]);
		ok(s && !strcmp(s->name, order[i]) && rec_scheme_find(order[i]) == s, name);
		snprintf(name, sizeof name, "%s: prepare, owns and at; knows with answer",
			 order[i]);
		ok(s && s->prepare && s->owns && s->at && !s->knows == !s->answer, name);
	}
	ok(!rec_schemes[4], "four schemes");
	ok(!rec_scheme_find("fast") && !rec_scheme_find(""), "unknown names");
	ok(rec_scheme_functions.entry_bps && !rec_scheme_callsite.entry_bps &&
	   !rec_scheme_callret.entry_bps && !rec_scheme_watch.entry_bps,
	   "only the per-function scheme arms entry breakpoints");
}

static void test_klog_pair(void)
{
	static char t[][80] = {
		"calling  con_init+0x0/0x2f0 @ 0",                 /* start_kernel's */
		"initcall con_init+0x0/0x2f0 returned 0 after 0 usecs",
		"calling  pci_init+0x0/0x3c @ 1",
		"Some message in between",
		"initcall pci_init+0x0/0x3c returned -19 after 12 usecs",
		"initcall stray_init+0x0/0x10 returned 0 after 3 usecs", /* no call */
		"calling  foo_init+0x0/0x1000 [foo] @ 123",
		"calling  never_returns+0x0/0x20 @ 1",
		"initcall foo_init+0x0/0x1000 [foo] returned 0 after 5 usecs",
		"calling  pci_init+0x0/0x3c @ 1",                  /* a second one */
		"initcall pci_init+0x0/0x3c returned 0 after 7 usecs",
	};
	struct rec_klog_rec r[sizeof t / sizeof t[0]];
	struct rec_klog_call *c;
	struct kit_err e = { 0 };
	size_t n, i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		r[i].ts = (int64_t)i * 1000;
		r[i].level = 7;
		r[i].text = t[i];
	}
	ok(rec_klog_pair(r, sizeof t / sizeof t[0], &c, &n, &e) == 0, "klog: records paired");
	is_int((long)n, 4, "klog: four calls (pid 0 and a stray return left out)");
	ok(c[0].fnlen == 8 && !strncmp(c[0].fn, "pci_init", 8) && c[0].done &&
	   c[0].ret == -19 && c[0].usecs == 12 && c[0].ts_call == 2000 && c[0].ts_ret == 4000,
	   "klog: pci_init returned -19 after 12 usecs, its two records' times");
	ok(c[1].fnlen == 8 && !strncmp(c[1].fn, "foo_init", 8) && c[1].done && c[1].usecs == 5,
	   "klog: a module's init ([foo]) paired by name");
	ok(c[2].fnlen == 13 && !c[2].done, "klog: a call with no return stays open");
	ok(c[3].done && c[3].usecs == 7 && c[3].ts_call == 9000,
	   "klog: a second call of the same name pairs with its own return");
	free(c);
}

/* nested calls of one name (a module's init loading another module whose
 * init has the same name): a return closes the latest open call, and a
 * closed call is not closed again */
static void test_klog_pair_nested(void)
{
	static const char *const nest[] = {
		"calling  mod_init+0x0/0x40 [outer] @ 200",
		"calling  mod_init+0x0/0x80 [inner] @ 200",
		"initcall mod_init+0x0/0x80 [inner] returned 0 after 1 usecs",
		"initcall mod_init+0x0/0x40 [outer] returned -5 after 3 usecs",
	};
	struct rec_klog_rec rn[sizeof nest / sizeof nest[0]];
	struct rec_klog_call *c;
	struct kit_err e = { 0 };
	size_t n, i;

	for (i = 0; i < sizeof nest / sizeof nest[0]; i++) {
		rn[i].ts = (int64_t)i * 1000;
		rn[i].level = 7;
		rn[i].text = (char *)nest[i];
	}
	ok(rec_klog_pair(rn, sizeof nest / sizeof nest[0], &c, &n, &e) == 0 && n == 2,
	   "klog nested: two calls");
	ok(c[1].done && c[1].ret == 0 && c[1].ts_ret == 2000,
	   "klog nested: the first return closes the inner (latest) call");
	ok(c[0].done && c[0].ret == -5 && c[0].ts_ret == 3000,
	   "klog nested: the second closes the outer one");
	free(c);
}

/* calls whose records are SCALE ns a printed "usec" apart, plus COST */
static void klog_calls(struct rec_klog_call *c, int64_t scale, int64_t cost)
{
	static const long long us[] = { 0, 3, 10, 4000, 5000, 9000, 20, 3100 };
	size_t i;

	memset(c, 0, 9 * sizeof *c);
	c[0].fn = "clocksource_done_booting";
	c[0].fnlen = strlen(c[0].fn);
	c[0].done = true;
	for (i = 0; i < 8; i++) {
		c[i + 1].fn = "x";
		c[i + 1].fnlen = 1;
		c[i + 1].done = true;
		c[i + 1].usecs = us[i];
		c[i + 1].ts_call = (int64_t)i * 100000000;
		c[i + 1].ts_ret = c[i + 1].ts_call + cost + us[i] * scale;
	}
}

static void test_klog_figures(void)
{
	struct rec_klog_call c[9];
	struct kit_err e = { 0 };
	int64_t unit, cost;
	size_t fine;

	klog_calls(c, 1024, 8000);
	ok(rec_klog_figures(c, 9, &fine, &unit, &cost, &e) == 0, "klog: figures read");
	is_int((long)fine, 1, "klog: exact figures from after clocksource_done_booting");
	is_int((long)unit, 1024, "klog: ns >> 10 printed as usecs (before 5.18) told apart");
	is_int((long)cost, 8000, "klog: the calling record's cost, 8 us");
	klog_calls(c, 1000, 8000);
	rec_klog_figures(c, 9, &fine, &unit, &cost, &e);
	is_int((long)unit, 1000, "klog: true microseconds (5.18 on)");
	is_int((long)cost, 8000, "klog: the same cost");
	c[0].fn = "something_else";
	c[0].fnlen = strlen(c[0].fn);
	rec_klog_figures(c, 9, &fine, &unit, &cost, &e);
	ok(fine == 0 && unit == 1000 && cost == 0,
	   "klog: no clocksource_done_booting: every figure kept as it is");
}

/* rec_exit_read() of an exit record: its "rusage" (qemu's peak RSS) as
 * qemu-wrapper writes it, and every malformed form of it taken as none. */
static void test_exit_rusage(void)
{
	static const struct { const char *rusage; int have; long long rss, user; } c[] = {
		{ "{\"max_rss_kb\":204780,\"user_us\":4183138,\"system_us\":412909}", 1, 204780, 4183138 },
		{ NULL, 0, 0, 0 },                  /* an older wrapper: absent */
		{ "null", 0, 0, 0 },                /* no wait4 to take it from */
		{ "[1]", 0, 0, 0 },
		{ "{\"max_rss_kb\":\"204780\"}", 0, 0, 0 },
		{ "{\"max_rss_kb\":-5,\"user_us\":-1}", 0, 0, 0 },
		{ "{\"max_rss_kb\":0}", 0, 0, 0 },
		/* past what a profile may hold (2^50 KiB): none */
		{ "{\"max_rss_kb\":9223372036854775807}", 0, 0, 0 },
		{ "{\"max_rss_kb\":1125899906842624,\"user_us\":1.5}", 1,
		  1125899906842624LL, 0 },
	};
	char path[] = "/tmp/test-gc-record-XXXXXX";
	struct rec_exit x;
	struct kit_err e;
	size_t i;
	int fd = mkstemp(path);
	FILE *f;

	ok(fd >= 0, "a temporary exit record");
	if (fd < 0)
		return;
	close(fd);
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		char name[96];

		f = fopen(path, "w");
		fprintf(f, "{\"version\":1,\"status\":\"exited\",\"code\":0%s%s}",
			c[i].rusage ? ",\"rusage\":" : "", c[i].rusage ? c[i].rusage : "");
		fclose(f);
		snprintf(name, sizeof name, "exit record %zu: read", i);
		is_int(rec_exit_read(path, &x, &e), 0, name);
		snprintf(name, sizeof name, "exit record %zu: peak RSS %s", i,
			 c[i].have ? "taken" : "none");
		ok(x.have_rusage == c[i].have && x.max_rss_kb == c[i].rss &&
		   x.user_us == c[i].user, name);
	}
	unlink(path);
}

/* How a recording ended, for a domain under libvirt: the guest powered
 * off (T03 under -no-shutdown), then libvirt's SIGTERM ended qemu. */
static void test_end_cause(void)
{
	struct rec_exit x = { .code = 0 };
	char buf[200];

	snprintf(x.shutdown_reason, sizeof x.shutdown_reason, "host-signal");
	ok(!rec_end_cause('W', 0, &x, buf, sizeof buf),
	   "end: W00 with host-signal: the host ended it, not the guest");
	ok(strstr(buf, "host-signal") != NULL, "end: ... and says so");
	ok(rec_end_cause('Q', 3, &x, buf, sizeof buf),
	   "end: a shutdown stop (T03) is the guest's end, whatever ended qemu after");
	ok(strstr(buf, "the guest shut down") && strstr(buf, "-no-shutdown"),
	   "end: ... said as a shutdown under -no-shutdown");
	ok(rec_end_cause('Q', 3, NULL, buf, sizeof buf),
	   "end: a shutdown stop needs no exit record");
}

int main(void)
{
	test_exit_rusage();
	test_return_site();
	test_emul();
	test_first_callee();
	test_stores();
	test_end_nop();
	test_names();
	test_schemes();
	test_klog_pair();
	test_klog_pair_nested();
	test_klog_figures();
	test_end_cause();
	return tap_done();
}
