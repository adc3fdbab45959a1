#!/usr/bin/env bats
# gdbstub-client with several vCPUs (QEMU shows each as a thread): the
# installed Debian kernel under TCG with -smp 4, through qemu-wrapper:
#   - "info threads" in gdb's shape at the reset vector (four threads,
#     CPU 0 running, the others halted) and in kernel_power_off (the
#     stopped thread marked, at kernel_power_off);
#   - "thread N" switches: the registers read are that CPU's;
#   - a continue with another thread selected steps the thread that hit
#     the breakpoint off it (else it would report it again at once): the
#     guest powers off with one hit;
#   - "thread" with no argument, and bad thread ids refused in one line.

load lib
bats_require_minimum_version 1.5.0

setup() {
	linux_guest_setup
	make_poweroff_initrd "$D"
}

teardown() { kill_tracked; }

@test "info threads at the reset vector: four CPUs in gdb's shape" {
	start_linux_guest "$KERNEL" "$D/initrd.cpio" -smp 4
	run --separate-stderr timeout 120 "$CLIENT" attach --latest -ex 'info threads' -ex detach
	expect_status 0
	echo "$output" >&3
	grep -qE '^  Id   Target Id +Frame' <<<"$output"
	grep -qE '^\* 1    Thread 1\.1 \(CPU#0 \[running\]\) 0x00000000fffffff0 in \?\? \(\)$' <<<"$output"
	for n in 2 3 4; do
		grep -qE "^  $n    Thread 1\.$n \(CPU#$((n - 1)) \[halted \]\) 0x[0-9a-f]{16} in " <<<"$output" ||
			{ echo "$output"; false; }
	done
	[ "$(grep -c 'Thread 1\.' <<<"$output")" = 4 ]
}

@test "kernel_power_off on 4 CPUs: the stopped thread, thread N, continue from another thread" {
	start_linux_guest "$KERNEL" "$D/initrd.cpio" -smp 4
	run --separate-stderr timeout 300 "$CLIENT" attach --latest \
		-ex 'break kernel_power_off' -ex continue -ex 'info threads' -ex thread \
		-ex 'thread 1' -ex 'info registers rip' -ex 'thread 4' -ex 'info registers rip' \
		-ex 'thread 2' -ex continue
	expect_status 0
	printf '%s\n' "$output" >"$D/out"
	cat "$D/out" >&3
	# the one stop, and the thread that made it marked, at the breakpoint
	[ "$(grep -c '^Breakpoint 1, ' "$D/out")" = 1 ]
	star=$(sed -n 's/^\* \([0-9]\)  .* in kernel_power_off ()$/\1/p' "$D/out")
	[ -n "$star" ] || { echo "no thread marked at kernel_power_off"; false; }
	grep -qx "\[Current thread is $star (Thread 1\.$star)\]" "$D/out"
	# thread N: the frame and rip of that CPU, as info threads listed it
	for n in 1 4; do
		pc=$(sed -n "s/^[* ] $n    Thread 1\.$n (CPU#$((n - 1)) \[[a-z ]*\]) 0x0*\([0-9a-f]*\) in .*/\1/p" "$D/out")
		[ -n "$pc" ]
		grep -qx "\[Switching to thread $n (Thread 1\.$n)\]" "$D/out"
		grep -qE "^#0  0x0*$pc in " "$D/out"
		grep -qE "^rip +0x0*$pc " "$D/out" || { echo "rip of CPU $((n - 1)) is not 0x$pc"; false; }
	done
	# continued with thread 2 selected: the breakpoint's thread was stepped
	# off it, no second hit, the guest powered off
	grep -q '^\[target exited\|^\[connection closed\|^\[target terminated' "$D/out"
}

@test "thread: bad ids refused in one line" {
	start_linux_guest "$KERNEL" "$D/initrd.cpio" -smp 2
	run --separate-stderr timeout 120 "$CLIENT" attach --latest -ex 'thread 3'
	[ "$status" -ne 0 ]
	[ "$stderr" = "gdbstub-client: invalid thread id '3': the guest has 2 threads (1 to 2)" ] ||
		{ echo "stderr: $stderr"; false; }
	run --separate-stderr timeout 120 "$CLIENT" attach --latest -ex 'thread x1'
	[ "$status" -ne 0 ]
	[ "$stderr" = "gdbstub-client: invalid thread id 'x1': a number from 'info threads'" ]
}
