#!/usr/bin/env bats
# gdbstub-client: the signal table against a stub that reports signals
# (QEMU user mode, qemu-x86_64 -g PORT, with tests/helpers/sigterm-target),
# and the Debian kernel under TCG: break on start_kernel by name, symbols
# from the bzImage's kallsyms, the second load from the cache.

load lib

TARGET=$BATS_TEST_DIRNAME/helpers/sigterm-target

setup() {
	need_client
}

teardown() { kill_tracked; }

# run_sigterm HANDLE-CMD...: the target under qemu-x86_64 -g, the client
# attached with the given commands then "continue"; a SIGTERM goes to
# qemu once the program said "ready".  Sets $PROG_RC and $output.
run_sigterm() {
	command -v qemu-x86_64 >/dev/null || skip "no qemu-x86_64 (Debian qemu-user)"
	[ -x "$TARGET" ] || skip "tests/helpers/sigterm-target not built"
	local port qp a=() c
	port=$(free_port)
	# (bats runs with errexit: keep a failing status from ending the subshell)
	( rc=0; qemu-x86_64 -g "$port" "$TARGET" 4000 >"$BATS_TEST_TMPDIR/prog.out" 2>&1 </dev/null || rc=$?
	  echo $rc >"$BATS_TEST_TMPDIR/prog.rc" ) 3>&- &
	track $!
	wait_listening "$port" $!
	qp=$(pgrep -f -n "qemu-x86_64 -g $port ")
	track "$qp"
	for c in "$@"; do a+=(-ex "$c"); done
	( rc=0; timeout 30 "$CLIENT" attach "127.0.0.1:$port" "${a[@]}" -ex continue -ex continue \
		>"$BATS_TEST_TMPDIR/client.out" 2>&1 || rc=$?; echo $rc >"$BATS_TEST_TMPDIR/client.rc" ) 3>&- &
	track $!
	wait_until 10 grep -q ready "$BATS_TEST_TMPDIR/prog.out"
	kill -TERM "$qp"
	wait_until 15 test -s "$BATS_TEST_TMPDIR/prog.rc"
	wait_until 15 test -s "$BATS_TEST_TMPDIR/client.rc"
	PROG_RC=$(cat "$BATS_TEST_TMPDIR/prog.rc")
	output=$(cat "$BATS_TEST_TMPDIR/client.out")
}

@test "qemu-user: SIGTERM is nostop noprint nopass by default, the program survives (exit 0)" {
	run_sigterm
	[ "$PROG_RC" = 0 ] || { echo "# expected the program to exit 0 (no signal), saw $PROG_RC"; cat "$BATS_TEST_TMPDIR/prog.out"; echo "$output"; false; }
	grep -q '^no signal$' "$BATS_TEST_TMPDIR/prog.out"
	expect_line '^\[target exited with status 0\]$'
	! grep -q 'SIGTERM' <<<"$output" || { echo "# the stop was not silent: $output"; false; }
}

@test "qemu-user: handle SIGTERM pass delivers it: the handler exits 43" {
	run_sigterm 'handle SIGTERM pass'
	[ "$PROG_RC" = 43 ] || { echo "# expected 43 (the SIGTERM handler ran), saw $PROG_RC"; echo "$output"; false; }
	expect_line '^SIGTERM +No +No +Yes +Terminated$'
	expect_line '^\[target exited with status 43\]$'
}

@test "qemu-user: handle SIGTERM stop shows the stop, and does not pass it" {
	run_sigterm 'handle SIGTERM stop'
	[ "$PROG_RC" = 0 ] || { echo "# expected 0, saw $PROG_RC"; echo "$output"; false; }
	expect_line '^Program received signal SIGTERM, Terminated\.$'
	expect_line '^\[target exited with status 0\]$'
}

@test "qemu-user: handle SIGTERM print nostop pass reports it and passes it" {
	run_sigterm 'handle SIGTERM nostop print pass'
	[ "$PROG_RC" = 43 ] || { echo "# expected 43, saw $PROG_RC"; echo "$output"; false; }
	expect_line '^Program received signal SIGTERM, Terminated \(passed\)\.$'
}

@test "Debian kernel under TCG: break on start_kernel by name; the second symbol load comes from the cache" {
	[ -r "$VMLINUZ" ] || skip "no $VMLINUZ"
	need_qemu
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
	start_gdb_qemu -machine pc,accel=tcg -nodefaults -display none -m 512 \
		-kernel "$VMLINUZ" -append "nokaslr console=ttyS0" -no-reboot -S
	local port=$PORT
	run timeout 120 "$CLIENT" attach "127.0.0.1:$port" --kernel "$VMLINUZ" \
		-ex 'break start_kernel' -ex continue -ex mode -ex 'symbol $pc'
	[ "$status" -eq 0 ] || { echo "# status $status: $output"; false; }
	expect_line "^symbols: 9[0-9]{4} from '$VMLINUZ' \(kallsyms, now cached\)"
	expect_line '^Breakpoint 1 at 0xffffffff8[0-9a-f]{7} <start_kernel>$'
	expect_line '^Breakpoint 1, 0xffffffff8[0-9a-f]{7} <start_kernel> in 64-bit mode$'
	expect_line '^mode: 64-bit'
	expect_line '^0xffffffff8[0-9a-f]{7} = start_kernel$'
	# the second load: from the cache, fast
	run timeout 60 "$CLIENT" attach "127.0.0.1:1" --kernel "$VMLINUZ"
	expect_line "^symbols: 9[0-9]{4} from '$VMLINUZ' \(cache\) in [0-9]+ ms$"
	local ms
	ms=$(sed -n 's/.*(cache) in \([0-9]*\) ms$/\1/p' <<<"$output")
	[ "$ms" -lt 1000 ] || { echo "# expected a cached load under 1000 ms, saw $ms ms"; false; }
}
