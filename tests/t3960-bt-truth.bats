#!/usr/bin/env bats
# bt against gdb: at each stop of tests/data/bt/KERNEL.txt (written once by
# tests/helpers/bt-truth from real gdb 13 with the Debian -dbg vmlinux and
# its DWARF), the REPL's bt, unwinding the BARE bzImage from its ORC
# tables (no DWARF, no gdb here), gives the same physical frames, pc and
# name, as gdb did.  One boot per kernel that has a truth file
# (test_kernels: the installed Debian kernel, the fetched 5.10 and 6.12;
# another version is said and left out), under TCG through qemu-wrapper,
# with the initramfs bt-truth uses (/init echoes a line, powers off); all
# stops in that boot, in boot order (start_kernel and its callees, the
# early PIT timer interrupt, rest_init, kernel_init, kthreads and a
# workqueue worker, initcalls and their callees, the local APIC timer
# interrupt, system calls of /init, the first page fault after its exec),
# one breakpoint at a time at the function's symbol, "hit N" meaning the
# Nth hit since the breakpoint was set (continue N times; gdb's 'ignore
# N-1').  bt-compare.py checks:
#   - every frame gdb gave is compared, in order, pc and name (any alias
#     at the symbol's address: 5.10's asm_call_*_on_stack are one);
#   - only gdb's frames count where bt gives more: gdb stops at the entry
#     asm, which has no DWARF CFI (after ret_from_fork,
#     secondary_startup_64_no_verify, entry_SYSCALL_64_after_hwframe), and
#     at 6.x's irq stack switch in sysvec_*/common_interrupt ("memory error
#     while unwinding"), where bt goes on from the ORC tables; those frames
#     are not compared, but bt must end cleanly (no "<why>" line);
#   - at an interrupt or exception stop ('irq') frames below the entry
#     (asm_*; 'interrupted' in the truth) depend on timing and are not
#     compared; bt must show the entry, "(interrupted here)" below it;
#   - from the irq stack switch on (sysvec_*, common_interrupt, 5.10's
#     asm_call_*_on_stack) an interrupt's own frames depend on the
#     interrupted context too: a timer interrupt during a softirq run at
#     irq exit (already on the irq stack) calls its handler from another
#     call site, seen about once in 4 boots at 6.1's hrtimer_interrupt:
#     those frames are then compared by name, and said.
# About 20-30 s for the three kernels.  KERNEL_TEST_KERNEL=/path runs one.

load lib
bats_require_minimum_version 1.5.0

setup() {
	linux_guest_setup
	make_init_initrd "$D/initrd.cpio" 'echo bt-truth' '/bin/busybox poweroff -f'
}

teardown() { kill_tracked; }

# truth_of KERNEL: its truth file, or nothing
truth_of() {
	local f=$KIT/tests/data/bt/$(basename "$1" | sed 's/^vmlinuz-//').txt
	[ -f "$f" ] && echo "$f"
	return 0
}

# the client's commands for a truth file: per stop, break, continue HIT
# times, bt, delete
commands_of() {
	local kw fn hit rest i
	while read -r kw fn hit rest; do
		[ "$kw" = stop ] || continue
		printf '%s\n' "break $fn"
		for ((i = 0; i < hit; i++)); do printf '%s\n' continue; done
		printf '%s\n' bt delete
	done <"$1"
}

@test "every kernel with a truth file: bt gives gdb's frames at each stop" {
	local k t n=0 cmds args
	for k in $(test_kernels); do
		t=$(truth_of "$k")
		[ -n "$t" ] || { echo "# $(basename "$k"): no truth file, not checked" >&3; continue; }
		n=$((n + 1))
		echo "# $(basename "$k")" >&3
		rm -f "$D/wrapper.rc"
		start_linux_guest "$k" "$D/initrd.cpio"
		mapfile -t cmds < <(commands_of "$t")
		args=()
		for c in "${cmds[@]}"; do args+=(-ex "$c"); done
		run --separate-stderr timeout 600 "$CLIENT" attach --latest "${args[@]}"
		printf '%s\n' "$output" >"$D/bt.out"
		expect_status 0
		"$PY" "$KIT/tests/helpers/bt-compare.py" "$t" "$D/bt.out" >&3
		wait_until 120 test -s "$D/wrapper.rc"
	done
	[ "$n" -gt 0 ] || skip "no kernel with a truth file in tests/data/bt"
}
