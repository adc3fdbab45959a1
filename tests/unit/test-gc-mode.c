/*
 * test-gc-mode: x86 mode derivation, linear addresses and the parsing of
 * QEMU's "info registers", on values seen with QEMU 7.2 and the test guest.
 */
#include "gc.h"
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

int main(void)
{
	test_derive();
	test_linear();
	test_info_registers();
	return tap_done();
}
