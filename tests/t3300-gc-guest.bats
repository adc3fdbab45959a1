#!/usr/bin/env bats
# gdbstub-client against real QEMU 7.2 (TCG) and the test guest
# (tests/guests): reset vector in real mode, the boot sector, the first
# 32-bit and 64-bit instructions by symbol, finish out of an initcall,
# the TSC log read with x, conditions, and the wrapper's session file.

load lib

setup() {
	need_client
	need_guest
}

teardown() { kill_tracked; }

# the guest held at the reset vector on a free port: $PORT, $QPID
start_guest() {
	start_gdb_qemu -machine pc,accel=tcg -nodefaults -display none \
		-no-reboot -m 32 -drive "file=$GUEST_IMG,format=raw,if=ide" \
		"${EXIT_DEVICE[@]}" -S
}

client() {
	run timeout 60 "$CLIENT" attach "127.0.0.1:$PORT" --kernel "$GUEST_ELF" "$@"
	[ "$status" -eq 0 ] || { echo "# client status $status:"; sed 's/^/#   /' <<<"$output"; false; }
}

@test "reset vector: real mode, f000:fff0 = 0xfffffff0 (CS base 0xffff0000), 16-bit disassembly, \$cs:\$ip" {
	start_guest
	client -ex mode -ex 'disassemble $pc 1' -ex 'p $cs:$ip' -ex 'p $cs:$ip+0x10' \
		-ex 'p f000:fff0'
	expect_line '^=> f000:fff0 = 0xfffffff0:	ljmpw \$0xf000:\$0xe05b$'
	# $cs:$ip is seg * 16 + off (docs/gdbstub-client.md), not the CS base:
	# 0xf000 * 16 + 0xfff0, as f000:fff0 written out
	[ "$(grep -E '^0x[0-9a-f]+  [0-9]+$' <<<"$output")" = "0xffff0  1048560
0x100000  1048576
0xffff0  1048560" ] || { echo "# p \$cs:\$ip, \$cs:\$ip+0x10, f000:fff0:"; echo "$output"; false; }
	expect_line '^mode: real \(16-bit code\)$'
	expect_line '^  cr0 0x60000010 \(PE=0 PG=0\)'
	expect_line '^  cs f000 base 0xffff0000 limit 0xffff'
	expect_line '^  pc f000:fff0 = 0xfffffff0$'
}

@test "breakpoints at 0000:7c00, start32 and start64: mode and disassembly right at each" {
	start_guest
	client -ex 'break 0000:7c00' -ex continue -ex mode \
		-ex 'break start32' -ex continue -ex mode \
		-ex 'break start64' -ex continue -ex mode -ex 'x/2i $pc'
	expect_line '^Breakpoint 1, 0000:7c00 = 0x7c00 <start16> in real mode$'
	expect_line '^=> 0000:7c00 = 0x7c00 <start16>:	cli$'
	expect_line '^Breakpoint 2, 0x7e00 <start32> in 32-bit protected mode$'
	expect_line '^mode: 32-bit protected \(32-bit code\)$'
	expect_line '^  cs 0008 base 0x0 limit 0xffffffff \(D=1 L=0\)$'
	expect_line '^Breakpoint 3, 0x7eb0 <start64> in 64-bit mode$'
	expect_line '^mode: 64-bit \(64-bit code\)$'
	expect_line '^  cr0 0x80000011 \(PE=1 PG=1\)  efer 0x500 \(LME=1 LMA=1\)'
	expect_line '^  cs 0018 base 0x0 limit 0xffffffff \(D=0 L=1\)$'
	# 64-bit decoding: movabs-free "movq $0x7c00, %rsp" two instructions on
	expect_line '^=> 0x7eb0 <start64>:	movw \$0x10, %ax$'
	[ "$(grep -c '^mode: ' <<<"$output")" -eq 3 ]
}

@test "finish out of one initcall: returns to do_one_initcall with its value" {
	start_guest
	client -ex 'break fake_init_epsilon' -ex continue -ex finish -ex 'p $rax'
	expect_line '^Breakpoint 1, 0x90e0 <fake_init_epsilon> in 64-bit mode$'
	expect_line '^Run till exit to 0x80cb <do_one_initcall\+0xb>$'
	# fake_init_epsilon returns -19 (-ENODEV)
	expect_line '^Run till exit: returned, rax = 0xffffffed \(-19 as int\)$'
	expect_line '^=> 0x80cb <do_one_initcall\+0xb>:'
}

@test "conditional and temporary breakpoints; stepi and nexti" {
	start_guest
	client -ex 'break do_one_initcall if $rdi == fake_init_zeta' -ex continue \
		-ex 'p $rdi' -ex 'info breakpoints' -ex 'delete 1' \
		-ex 'tbreak fake_init_eta' -ex continue -ex 'info breakpoints' \
		-ex 'stepi 3' -ex nexti -ex nexti -ex 'x/wx 0x1008'
	expect_line '^0x9100  37120  <fake_init_zeta>$'
	expect_line '^	stop only if \$rdi == fake_init_zeta$'
	expect_line '^	breakpoint already hit 1 time$'
	expect_line '^Temporary breakpoint 2, 0x9120 <fake_init_eta> in 64-bit mode$'
	expect_line '^No breakpoints\.$'
	# stepi 3 from fake_init_eta: push, mov, mov -> at "mov $ms, %esi"
	expect_line '^=> 0x9129 <fake_init_eta\+0x9>:	movl \$3, %esi$'
	# the first nexti is a plain step, onto the call ...
	expect_line '^=> 0x912e <fake_init_eta\+0xe>:	callq? 0x9000'
	# ... the second runs fake_spin through to its return
	expect_line '^=> 0x9133 <fake_init_eta\+0x13>:	movl \$0, %eax$'
}

@test "x reads the guest's TSC log at 0x1000 at guest_exit; detach lets it exit 33" {
	start_guest
	client -ex 'break guest_exit' -ex continue -ex 'x/4wx guest_log' \
		-ex 'x/2gx 0x1000+0x10' -ex 'x/8gx 0x1080' -ex detach
	# magic "GLOG", version 1, 8 entries, table of 8
	expect_line '^0x1000 <guest_log>:	0x474f4c47	0x00000001	0x00000008	0x00000008$'
	# the first entry: index 0 ... fn = fake_init_alpha
	expect_line '^0x1090 <guest_log\+0x90>:	0x[0-9a-f]{16}	0x0000000000009060$'
	local hz
	hz=$(sed -n 's/^0x1010 <guest_log+0x10>:	\(0x[0-9a-f]*\).*/\1/p' <<<"$output")
	[ -n "$hz" ] && [ $((hz)) -gt 10000000 ] || { echo "# expected a TSC rate, saw '$hz'"; false; }
	wait_until 10 proc_gone "$QPID"
	wait "$QPID" 2>/dev/null || true
}

@test "attach --latest finds the wrapper's session (held launch)" {
	wrapper_env
	export QEMU_WRAPPER_QEMU=$REAL_QEMU QEMU_WRAPPER_HOLD=1
	start_wrapper -machine pc,accel=tcg -nodefaults -display none -m 32 \
		-drive "file=$GUEST_IMG,format=raw,if=ide" "${EXIT_DEVICE[@]}"
	wait_until 10 have_session "$WPID" || { cat "$BATS_TEST_TMPDIR/wrapper.err"; false; }
	run timeout 60 "$CLIENT" attach --latest --kernel "$GUEST_ELF" -ex mode -ex 'symbol start64'
	[ "$status" -eq 0 ] || { echo "# status $status: $output"; cat "$BATS_TEST_TMPDIR/wrapper.err"; false; }
	expect_line "^session: $QEMU_WRAPPER_RUNDIR/$WPID.json"
	expect_line '^mode: real'
	expect_line '^start64 = 0x7eb0'
}
