#!/usr/bin/env bats
# qemu's peak RSS (and CPU time) in the wrapper's exit record: the
# wrapper reaps qemu with wait4(), whose rusage is qemu's own.  Checked
# against what the kernel says of qemu while it runs (VmHWM in
# /proc/PID/status): the record's figure is at least that (a peak only
# grows) and not much more (qemu's shutdown allocates little), and far
# from the wrapper's own few MiB; a qemu killed by SIGKILL still has one;
# the log says it.

load lib

setup() {
	need_guest_wrapper
	make_spin_bootsector "$BATS_TEST_TMPDIR/spin.img"
}

teardown() { kill_tracked; }

# hwm PID: VmHWM of PID, KiB
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

@test "the exit record holds qemu's peak RSS: its VmHWM, not the wrapper's" {
	local q h rss wrss rec=$QEMU_WRAPPER_RUNDIR
	QEMU_WRAPPER_HOLD=0 start_session "${BARE_GUEST[@]}" -m 64 \
		-drive "file=$BATS_TEST_TMPDIR/spin.img,format=raw,if=ide"
	wait_until 30 qemu_ready "$WPID"
	q=$(session_get "$WPID" .qemu_pid)
	sleep 1
	h=$(hwm "$q")
	wrss=$(hwm "$WPID")
	kill -TERM "$WPID"
	wait_until 30 test -s "$BATS_TEST_TMPDIR/wrapper.rc"
	rss=$(jq -r .rusage.max_rss_kb "$rec/$WPID.exit.json")
	echo "# qemu VmHWM while running: $h KiB; exit record: $rss KiB; the wrapper's own: $wrss KiB" >&3
	[ "$rss" -ge "$h" ] || { echo "# exit record $rss KiB < VmHWM $h KiB"; false; }
	[ "$rss" -le $((h + h / 4 + 8192)) ] || { echo "# exit record $rss KiB >> VmHWM $h KiB"; false; }
	[ "$rss" -gt $((wrss * 4)) ]
	[ "$(jq -r '.rusage.user_us > 0 and .rusage.system_us >= 0' "$rec/$WPID.exit.json")" = true ]
	grep -q "event: qemu exited with status 0 (peak RSS $rss KiB)" "$QEMU_WRAPPER_LOG"
}

@test "a qemu killed by SIGKILL: the record still has its peak RSS" {
	local q rec=$QEMU_WRAPPER_RUNDIR
	QEMU_WRAPPER_HOLD=0 start_session "${BARE_GUEST[@]}" -m 64 \
		-drive "file=$BATS_TEST_TMPDIR/spin.img,format=raw,if=ide"
	wait_until 30 qemu_ready "$WPID"
	q=$(session_get "$WPID" .qemu_pid)
	kill -KILL "$q"
	wait_until 30 test -s "$BATS_TEST_TMPDIR/wrapper.rc"
	[ "$(cat "$BATS_TEST_TMPDIR/wrapper.rc")" -eq 137 ]
	[ "$(jq -r '.signal_name' "$rec/$WPID.exit.json")" = SIGKILL ]
	[ "$(jq -r '.rusage.max_rss_kb > 10000' "$rec/$WPID.exit.json")" = true ]
	grep -q 'event: qemu killed by signal 9 (peak RSS [0-9]* KiB)' "$QEMU_WRAPPER_LOG"
}
