/*
 * test-gc-mode: x86 mode derivation, linear addresses and the parsing of
 * QEMU's "info registers", on values seen with QEMU 7.2 and the test guest.
 */
#include "target.h"
#include "tap.h"

/* From QEMU 7.2 "info registers" right after reset (real mode). */
static const char reset_text[] =
	"EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000663\n"
	"EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"
	"ES =0000 00000000 0000ffff 00009300\n"
	"CS =f000 ffff0000 0000ffff 00009b00\n"
	"SS =0000 00000000 0000ffff 00009300\n"
	"DS =0000 00000000 0000ffff 00009300\n"
	"FS =0000 00000000 0000ffff 00009300\n"
	"GS =0000 00000000 0000ffff 00009300\n"
	"LDT=0000 00000000 0000ffff 00008200\n"
	"TR =0000 00000000 0000ffff 00008b00\n";

/* Long mode: 16-digit bases. */
static const char long_text[] =
	"RIP=0000000000007eb0 RFL=00000086 [--S--P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"
	"ES =0010 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]\n"
	"CS =0018 0000000000000000 ffffffff 00af9b00 DPL=0 CS64 [-RA]\n"
	"SS =0010 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]\n"
	"DS =0010 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]\n"
	"FS =0000 0000000000000000 0000ffff 00009300 DPL=0 DS16 [-WA]\n"
	"GS =0000 0000000000000000 0000ffff 00009300 DPL=0 DS16 [-WA]\n";

static void test_derive(void)
{
	struct x86_seg cs16 = { 0xf000, 0xffff0000, 0xffff, 0x9b00, true };
	struct x86_seg cs32 = { 0x08, 0, 0xffffffff, 0xcf9b00, true };
	struct x86_seg cs64 = { 0x18, 0, 0xffffffff, 0xaf9b00, true };
	struct x86_seg compat = { 0x23, 0, 0xffffffff, 0xcffb00, true };

	is_int(x86_mode_derive(0x60000010, 0, 2, &cs16), X86_MODE_REAL, "reset: real");
	is_int(x86_mode_derive(0x10, 0, 2, NULL), X86_MODE_REAL, "PE clear without CS: real");
	is_int(x86_mode_derive(0x11, 0, 2, &cs32), X86_MODE_PROT32, "PE, CS.D: 32-bit protected");
	is_int(x86_mode_derive(0x11, 0, 2, &cs16), X86_MODE_PROT16, "PE, CS.D clear: 16-bit protected");
	is_int(x86_mode_derive(0x11, 0, 0x20002, &cs16), X86_MODE_V86, "PE, EFLAGS.VM: virtual-8086");
	is_int(x86_mode_derive(0x80000011, 0x500, 2, &cs64), X86_MODE_LONG64, "LMA, CS.L: 64-bit");
	is_int(x86_mode_derive(0x80000011, 0x500, 2, &compat), X86_MODE_COMPAT32, "LMA, CS.L clear, D: compat32");
	is_int(x86_mode_derive(0x80000011, 0x500, 2, &cs16), X86_MODE_COMPAT16, "LMA, CS.L and D clear: compat16");
	is_int(x86_mode_derive(0x80000011, 0x500, 0x20002, &cs64), X86_MODE_LONG64, "VM ignored in long mode");
	is_int(x86_mode_derive(0x80000011, 0x500, 2, NULL), X86_MODE_LONG64, "LMA without CS: 64-bit assumed");
	is_int(x86_mode_derive(0x11, 0x100, 2, NULL), X86_MODE_PROT32, "LME without LMA: still protected");
	is_int(x86_mode_bits(X86_MODE_REAL), 16, "real is 16-bit");
	is_int(x86_mode_bits(X86_MODE_COMPAT32), 32, "compat32 is 32-bit");
	is_int(x86_mode_bits(X86_MODE_LONG64), 64, "64-bit");
	is_str(x86_mode_name(X86_MODE_PROT16), "16-bit protected", "name");
	ok(!x86_mode_needs_cs(0x11, 0, 0x20002), "v86 needs no descriptor");
	ok(x86_mode_needs_cs(0x10, 0, 0), "real mode needs the CS base");
}

static void test_linear(void)
{
	struct x86_seg reset = { 0xf000, 0xffff0000, 0xffff, 0x9b00, true };
	struct x86_seg nodesc = { 0x07c0, 0, 0, 0, false };
	struct x86_seg based = { 0x10, 0x100000, 0xffffffff, 0xcf9b00, true };

	is_u64(x86_linear(X86_MODE_REAL, &reset, 0xfff0), 0xfffffff0, "reset: f000:fff0 = 0xfffffff0");
	is_u64(x86_linear(X86_MODE_REAL, &nodesc, 0x0), 0x7c00, "no descriptor: sel * 16");
	is_u64(x86_linear(X86_MODE_REAL, &nodesc, 0x1ffff), 0x7c00 + 0xffff, "16-bit offset wraps");
	is_u64(x86_linear(X86_MODE_PROT32, &based, 0x10), 0x100010, "32-bit adds the base");
	is_u64(x86_linear(X86_MODE_PROT32, &based, 0xfff00000), 0x0, "32-bit wraps at 4 GiB");
	is_u64(x86_linear(X86_MODE_LONG64, &based, 0xffffffff81000000ull),
	       0xffffffff81000000ull, "64-bit ignores the base");
}

static void test_info_registers(void)
{
	struct x86_segs s;

	is_int(x86_parse_info_registers(reset_text, &s), 6, "reset: six segments");
	is_int(s.cs.sel, 0xf000, "reset CS selector");
	is_u64(s.cs.base, 0xffff0000, "reset CS base");
	is_u64(s.cs.limit, 0xffff, "reset CS limit");
	is_u64(s.cs.flags, 0x9b00, "reset CS flags");
	is_int(x86_mode_derive(0x60000010, 0, 2, &s.cs), X86_MODE_REAL, "reset mode");
	is_int(x86_parse_info_registers(long_text, &s), 6, "long mode: six segments");
	is_u64(s.cs.flags, 0xaf9b00, "long CS flags");
	is_int(x86_mode_derive(0x80000011, 0x500, 0x86, &s.cs), X86_MODE_LONG64, "long mode from text");
	is_u64(s.ss.flags, 0xcf9300, "SS parsed too");
	is_int(x86_parse_info_registers("garbage\nCS =zz\n", &s), 0, "garbage: nothing");
	ok(!s.cs.valid, "garbage: CS not valid");
	is_int(x86_parse_info_registers("CS =0008 00000000 ffffffff 00cf9b00", &s), 1,
	       "last line without newline");
}

/* QEMU 7.2's "info registers" through QMP (human-monitor-command), as
 * sample --method=monitor reads it: \r\n line ends, vector registers cut. */
static const char *hmp_real =
	"\r\nCPU#0\r\nEAX=00000000 EBX=00000000 ECX=00000000 EDX=00060fb1\r\n"
	"ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000\r\n"
	"EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\r\n"
	"ES =0000 00000000 0000ffff 00009300\r\nCS =f000 ffff0000 0000ffff 00009b00\r\n"
	"SS =0000 00000000 0000ffff 00009300\r\nDS =0000 00000000 0000ffff 00009300\r\n"
	"FS =0000 00000000 0000ffff 00009300\r\nGS =0000 00000000 0000ffff 00009300\r\n"
	"LDT=0000 00000000 0000ffff 00008200\r\nTR =0000 00000000 0000ffff 00008b00\r\n"
	"GDT=     00000000 0000ffff\r\nIDT=     00000000 0000ffff\r\n"
	"CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000\r\n"
	"DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \r\n"
	"DR6=00000000ffff0ff0 DR7=0000000000000400\r\nEFER=0000000000000000\r\n"
	"FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80\r\n";
static const char *hmp_long =
	"\r\nCPU#0\r\nRAX=0000000000000004 RBX=0000000004f59560 RCX=000000000014d98c RDX=0000000004f59ae4\r\n"
	"R8 =0000000000000580 R9 =0000000000000113 R10=0000000000000008 R11=0000000000000800\r\n"
	"RIP=ffffffff81a4f408 RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\r\n"
	"ES =0000 0000000000000000 00000000 00000000\r\n"
	"CS =0010 0000000000000000 ffffffff 00af9a00 DPL=0 CS64 [-R-]\r\n"
	"SS =0000 0000000000000000 00000000 00000000\r\n"
	"CR0=80050033 CR2=0000000000000000 CR3=0000000004f77000 CR4=00000020\r\n"
	"DR6=00000000ffff0ff0 DR7=0000000000000400\r\nEFER=0000000000000d01\r\n";
static const char *hmp_user =
	"EIP=08049000 EFL=00000202 [-------] CPL=3 II=0 A20=1 SMM=0 HLT=0\n"
	"CS =0023 00000000 ffffffff 00cffa00 DPL=3 CS32 [-R-]\n"
	"CR0=80050033 CR2=00000000 CR3=01234000 CR4=00000690\n";

static void test_cpu_state(void)
{
	struct x86_cpu_state st;

	is_int(x86_parse_cpu_state(hmp_real, &st), 0, "reset text parses");
	is_u64(st.ip, 0xfff0, "reset EIP");
	is_u64(st.eflags, 2, "reset EFL");
	is_u64(st.cr0, 0x60000010, "reset CR0");
	is_u64(st.efer, 0, "reset EFER");
	ok(!st.halted, "reset: not halted");
	is_u64(st.segs.cs.base, 0xffff0000, "reset CS base");
	is_u64(x86_linear(x86_mode_derive(st.cr0, st.efer, st.eflags, &st.segs.cs),
			  &st.segs.cs, st.ip), 0xfffffff0, "reset: linear 0xfffffff0");
	is_int(x86_parse_cpu_state(hmp_long, &st), 0, "long mode text parses");
	is_u64(st.ip, 0xffffffff81a4f408ull, "RIP, not R8..R15 or RAX");
	is_u64(st.eflags, 0x246, "RFL");
	is_u64(st.efer, 0xd01, "EFER");
	ok(st.halted, "HLT=1: halted");
	is_int(x86_mode_derive(st.cr0, st.efer, st.eflags, &st.segs.cs), X86_MODE_LONG64, "long64");
	is_int(x86_parse_cpu_state(hmp_user, &st), 0, "\\n line ends, no EFER line");
	is_int((int)st.cpl, 3, "CPL 3");
	is_u64(st.efer, 0, "no EFER: 0");
	is_int(x86_mode_derive(st.cr0, st.efer, st.eflags, &st.segs.cs), X86_MODE_PROT32, "prot32");
	is_int(x86_parse_cpu_state("RIP=0 CR0=11\n", &st), -1, "no CS line: refused");
	is_int(x86_parse_cpu_state("CS =0010 0 ffffffff 00af9a00\nCR0=11\n", &st), -1, "no IP: refused");
	is_int(x86_parse_cpu_state("XRIP=5 EIP= CR0=11\nCS =0010 0 ffffffff 00af9a00\n", &st), -1,
	       "RIP only inside a word, EIP with no value: refused");
	is_int(x86_parse_cpu_state("", &st), -1, "empty: refused");
}

int main(void)
{
	test_derive();
	test_linear();
	test_info_registers();
	test_cpu_state();
	return tap_done();
}
