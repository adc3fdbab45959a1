#!/usr/bin/env bats
# Time by process and call stacks, on the installed Debian kernel and the
# fetched 5.10 and 6.12, under TCG through qemu-wrapper:
#   - profile --sample 200: a busybox init that runs md5sum over 32 MiB
#     of zeros and prints the pipeline's pid ($!, md5sum's) to its second
#     serial port.  The profile names md5sum with that pid, in user mode
#     for part of its samples, init (pid 1) and the idle task, kernel
#     threads as such; at least 90 % of the userspace phase's samples are
#     named; the text report has the two tables; the SVG a lane per
#     process; the trace a track per process;
#   - sample --callers on the installed kernel: the folded stacks hold
#     the initcalls' real call chain (ret_from_fork;kernel_init;
#     kernel_init_freeable;do_one_initcall;...), from the ORC tables, and
#     its by-process table names md5sum (the slow way reads tasks too).
# KERNEL_TEST_KERNEL=/path runs one kernel.

load lib
bats_require_minimum_version 1.5.0

setup() {
	linux_guest_setup
	make_init_initrd "$D/md5.cpio" \
		'/bin/busybox mount -t proc proc /proc' \
		'/bin/busybox mount -t devtmpfs dev /dev' \
		'/bin/busybox ln -s busybox /bin/md5sum' \
		'/bin/busybox dd if=/dev/zero bs=1M count=32 2>/dev/null | /bin/md5sum >/dev/null &' \
		'echo "md5sum pid $!" >/dev/ttyS1' \
		'wait' \
		'echo "=== end ===" >/dev/ttyS1' \
		'/bin/poweroff -f'
}

teardown() { kill_tracked; }

# boot KERNEL: one profiled boot; $D/p.json, $D/ttyS1.log
boot() {
	rm -f "$BATS_TEST_TMPDIR/wrapper.rc" "$D/ttyS1.log" "$D/p.json"
	start_wrapper -machine accel=tcg -m 512 -display none -monitor none -nodefaults \
		-no-reboot -kernel "$1" -initrd "$D/md5.cpio" \
		-append "console=ttyS0 nokaslr panic=-1 rdinit=/init" \
		-serial "file:$D/console.log" -serial "file:$D/ttyS1.log"
	run --separate-stderr timeout 300 "$CLIENT" profile --wait --timeout 280 \
		--sample 200 -o "$D/p.json"
	expect_status 0
	wait_until 60 test -s "$BATS_TEST_TMPDIR/wrapper.rc"
}

@test "every kernel: profile --sample names the processes, md5sum by its pid" {
	local k pid named all
	for k in $(test_kernels); do
		echo "# $(basename "$k")" >&3
		boot "$k"
		grep -qx '=== end ===.\?' "$D/ttyS1.log" || { cat "$D/ttyS1.log"; false; }
		pid=$(sed -nE 's/^md5sum pid ([0-9]+).?$/\1/p' "$D/ttyS1.log")
		[ -n "$pid" ]
		jq -c '.samples.processes[] | select(.samples >= 5)' "$D/p.json" | sed 's/^/#   /' >&3
		# md5sum, by the pid the guest printed, in user mode for part of it
		[ "$(jq --argjson p "$pid" '[.samples.processes[] | select(.pid == $p and
			.comm == "md5sum" and (.kernel_thread | not) and .samples >= 5 and
			.user_samples >= 1)] | length' "$D/p.json")" = 1 ]
		# init is pid 1, not a kernel thread; the idle task pid 0, one
		[ "$(jq '[.samples.processes[] | select(.pid == 1 and .comm == "init" and
			(.kernel_thread | not))] | length' "$D/p.json")" = 1 ]
		[ "$(jq '[.samples.processes[] | select(.pid == 0 and .kernel_thread)] | length > 0' \
			"$D/p.json")" = true ]
		# at least 90 % of the userspace phase's samples named
		read -r named all < <(jq -r '(.phases[] | select(.id == "userspace")) as $u |
			[.samples.slices[] | select(.[1] >= $u.start_ns and
				.[1] < $u.start_ns + $u.duration_ns)] |
			"\([.[] | select(.[0] >= 0) | .[3]] | add // 0) \([.[] | .[3]] | add // 0)"' "$D/p.json")
		echo "#   userspace: $named of $all samples named" >&3
		[ "$all" -gt 0 ] && [ $((100 * named)) -ge $((90 * all)) ]
		# the report's tables, the SVG's lanes, the trace's tracks
		run --separate-stderr "$CLIENT" report "$D/p.json"
		expect_status 0
		grep -Eq '^By process, userspace: [0-9]+ samples in ' <<<"$output"
		grep -Eq "^ +[0-9.]+ +[0-9.]+% +[0-9]+ +[0-9]+% +[0-9.]+  $pid +md5sum\$" <<<"$output"
		grep -Eq '^By process, kernel init ' <<<"$output"
		"$CLIENT" report --format=svg -o "$D/t.svg" "$D/p.json"
		grep -q '>processes (samples)</text>' "$D/t.svg"
		grep -q "<title>md5sum (pid $pid): " "$D/t.svg"
		"$CLIENT" report --format=trace -o "$D/t.json" "$D/p.json"
		[ "$(jq --arg n "md5sum (pid $pid)" '[.traceEvents[] | select(.ph == "M" and
			.name == "thread_name" and .args.name == $n)] | length' "$D/t.json")" = 1 ]
	done
}

@test "sample --callers: folded stacks are the kernel's call chains, from ORC" {
	rm -f "$BATS_TEST_TMPDIR/wrapper.rc"
	start_wrapper -machine accel=tcg -m 512 -display none -monitor none -nodefaults \
		-no-reboot -kernel "$KERNEL" -initrd "$D/md5.cpio" \
		-append "console=ttyS0 nokaslr panic=-1 rdinit=/init" \
		-serial "file:$D/console.log" -serial "file:$D/ttyS1.log"
	run --separate-stderr timeout 300 "$CLIENT" sample --wait --hz 200 --callers \
		--folded "$D/f.txt"
	expect_status 0
	[[ "$stderr" != *"stack scan"* ]] || { echo "$stderr"; false; }
	# the slow way (a stop, its reads, a resume) names the processes too
	expect_line '^By process: [0-9]+ samples named, '
	grep -Eq '^ +[0-9]+ +[0-9]+ +[0-9.]+% +[0-9]+%  [0-9]+ +md5sum$' <<<"$output"
	wait_until 60 test -s "$BATS_TEST_TMPDIR/wrapper.rc"
	grep -Eq '^long64;kernel;ret_from_fork;kernel_init;kernel_init_freeable;do_one_initcall;[A-Za-z0-9_.]+(;[A-Za-z0-9_.]+)* [0-9]+$' "$D/f.txt" || {
		head -20 "$D/f.txt"; false; }
	# start_kernel's own work, under the boot CPU's entry
	grep -Eq '^long64;kernel;secondary_startup_64[^;]*;start_kernel;[A-Za-z0-9_.;]+ [0-9]+$' "$D/f.txt"
	# more than one frame above the sample in most kernel lines
	[ "$(grep -c '^long64;kernel;[^ ;]*;[^ ;]*;' "$D/f.txt")" -gt \
	  "$(( $(grep -c '^long64;kernel;' "$D/f.txt") / 2 ))" ]
}
