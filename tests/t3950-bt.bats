#!/usr/bin/env bats
# bt / backtrace / where in the REPL: the kernel's call stack from the
# ORC tables of the bare bzImage (no DWARF), on the installed Debian
# kernel and the fetched 5.10 and 6.12, under TCG through qemu-wrapper:
#   - in an initcall (inet_init): inet_init, do_one_initcall,
#     kernel_init_freeable (do_initcalls is inlined there), kernel_init,
#     ret_from_fork, in that order, to the end of the stack;
#   - then in a timer interrupt (__sysvec_apic_timer_interrupt): from the
#     IRQ stack back to the task's (ORC's (sp) + offset) and through the
#     interrupt's pt_regs, with no early stop;
#   - in a system call (do_sys_openat2, busybox opening files): through
#     do_syscall_64 to the entry code, ending at the user-space frame;
#   - at the reset vector: "no unwind information here", one line.
# (Frames against gdb with the Debian -dbg vmlinux, at 26-28 stops per
# kernel: t3960-bt-truth.)

load lib
bats_require_minimum_version 1.5.0

setup() {
	linux_guest_setup
	make_poweroff_initrd "$D"
}

teardown() { kill_tracked; }

# frames_in_order NAME...: the bt lines of $output hold these, in order
frames_in_order() {
	printf '%s\n' "$output" >"$D/bt.txt"
	python3 - "$D/bt.txt" "$@" <<'PY'
import re, sys
want = sys.argv[2:]
got = [m.group(1) for m in (re.match(r'#\d+ +0x[0-9a-f]+ in ([A-Za-z0-9_.]+)', l)
                            for l in open(sys.argv[1])) if m]
i = 0
for w in want:
    while i < len(got) and got[i] != w:
        i += 1
    if i == len(got):
        print('# %s not found in order in %s' % (w, got))
        sys.exit(1)
    i += 1
print('# %s' % ' <- '.join(got))
PY
}

@test "every kernel: bt in an initcall and in a system call, from the ORC tables" {
	local k
	for k in $(test_kernels); do
		echo "# $(basename "$k")" >&3
		rm -f "$D/wrapper.rc"
		start_linux_guest "$k" "$D/initrd.cpio"
		run --separate-stderr timeout 300 "$CLIENT" attach --latest \
			-ex 'break inet_init' -ex continue -ex bt -ex delete \
			-ex 'break __sysvec_apic_timer_interrupt' -ex continue -ex bt -ex delete
		expect_status 0
		frames_in_order inet_init do_one_initcall kernel_init_freeable kernel_init \
			ret_from_fork __sysvec_apic_timer_interrupt sysvec_apic_timer_interrupt \
			asm_sysvec_apic_timer_interrupt >&3
		grep -qE '^#[0-9]+ +0x[0-9a-f]+ in .*  \(interrupted here\)$' <<<"$output"
		! grep -q '^<' <<<"$output" || { echo "$output"; false; }
		run --separate-stderr timeout 300 "$CLIENT" attach --latest \
			-ex 'break do_sys_openat2' -ex continue -ex where -ex delete
		expect_status 0
		frames_in_order do_sys_openat2 do_syscall_64 >&3
		grep -qE '^#[0-9]+ +0x[0-9a-f]+ in entry_SYSCALL_64' <<<"$output"
		wait_until 120 test -s "$D/wrapper.rc"
	done
}

@test "at the reset vector: no unwind information here" {
	start_linux_guest "$KERNEL" "$D/initrd.cpio"
	run --separate-stderr timeout 60 "$CLIENT" attach --latest -ex bt
	exit_is 1
	[[ "$stderr" == *"no unwind information here: the CPU is in real mode at 0xfffffff0"* ]]
}
