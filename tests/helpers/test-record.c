/*
 * test-record: the boot recorder's pure parts (record.h): finding the
 * return site in do_one_initcall (plain indirect call, retpoline thunk),
 * whether the recorder can execute its call, decoding and executing the
 * one instruction there, register names, the
 * command-line check.  A unit test kept in tests/helpers/ with the
 * recorder's other test files.
 */
#include "record.h"
#include "ksym.h"
#include "tap.h"

#include <string.h>

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
	struct kit_err e = { 0, "" };
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

int main(void)
{
	test_return_site();
	test_emul();
	test_names();
	return tap_done();
}
