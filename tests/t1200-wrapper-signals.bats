#!/usr/bin/env bats
# While the guest is paused for a debugger, SIGINT/SIGTERM/SIGHUP/SIGQUIT
# sent to the wrapper are held back and delivered when it resumes.

load lib

setup() {
	wrapper_env
	export QEMU_WRAPPER_QUIET=1
	exit_guest
}
teardown() { kill_tracked; }

rc() { cat "$BATS_TEST_TMPDIR/wrapper.rc"; }

# fake_qemu SECONDS: $BATS_TEST_TMPDIR/qemu, a qemu that writes the signals
# it was started ignoring (SigIgn, hex) to $BATS_TEST_TMPDIR/sigign, waits
# SECONDS (a qemu slow to set its own handlers, as on a loaded host), then
# is qemu.  In perl: bash ignores SIGQUIT itself when it runs a script.
fake_qemu() {
	cat >"$BATS_TEST_TMPDIR/qemu" <<EOF
#!/usr/bin/perl
open(my \$s, "<", "/proc/self/status") or die "status: \$!";
open(my \$o, ">", "$BATS_TEST_TMPDIR/sigign") or die "sigign: \$!";
while (<\$s>) { print \$o "\$1\\n" if /^SigIgn:\\s*([0-9a-f]+)/ }
close(\$o);
select(undef, undef, undef, $1);
exec("$REAL_QEMU", @ARGV) or die "$REAL_QEMU: \$!";
EOF
	chmod +x "$BATS_TEST_TMPDIR/qemu"
}
line_of() { grep -n "$1" "$QEMU_WRAPPER_LOG" | head -1 | cut -d: -f1; }

@test "SIGTERM during the hold is delivered only after the debugger resumes the guest" {
	start_session "${BARE_GUEST[@]}"
	local qpid ep
	qpid=$(session_get "$WPID" .qemu_pid)
	ep=$(session_get "$WPID" .gdb)
	kill -TERM "$WPID"
	sleep 2
	proc_alive "$qpid" || { echo "# qemu died during the hold"; false; }
	proc_alive "$WPID"
	grep -q 'event: held SIGTERM' "$QEMU_WRAPPER_LOG"
	# the guest is still at its reset vector, untouched
	run gdb_batch "$ep" 'p/x $pc' detach
	[[ "$output" == *'$1 = 0xfff0'* ]]
	# detach resumed it: SIGTERM goes to qemu, which shuts down (status 0)
	wait_until 20 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	[ "$(rc)" -eq 0 ] || { echo "# expected 0, saw $(rc)"; false; }
	proc_gone "$qpid"
	local held ended delivered
	held=$(line_of 'event: held SIGTERM')
	ended=$(line_of 'event: hold ended: the guest resumed')
	delivered=$(line_of 'event: delivered SIGTERM to qemu pid .* (held during the hold)')
	[ -n "$held" ] && [ -n "$ended" ] && [ -n "$delivered" ]
	[ "$held" -lt "$ended" ] && [ "$ended" -lt "$delivered" ] || {
		echo "# expected held < ended < delivered, saw $held $ended $delivered"; cat "$QEMU_WRAPPER_LOG"; false; }
	grep -q 'qemu-system-x86_64: terminating on signal 15' "$BATS_TEST_TMPDIR/wrapper.err"
}

@test "outside a hold SIGTERM is forwarded at once" {
	QEMU_WRAPPER_HOLD=0 start_session "${BARE_GUEST[@]}"
	wait_until 10 qemu_ready "$WPID"
	kill -TERM "$WPID"
	wait_until 10 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	[ "$(rc)" -eq 0 ]
	grep -q 'event: delivered SIGTERM to qemu pid .* (forwarded)' "$QEMU_WRAPPER_LOG"
	! grep -q 'event: held' "$QEMU_WRAPPER_LOG"
}

# held_count SIG N: the wrapper's log says it held SIG N times
held_count() { [ "$(grep -c "event: held $1" "$QEMU_WRAPPER_LOG")" -eq "$2" ]; }

@test "a third SIGINT during one hold is delivered at once" {
	start_session "${BARE_GUEST[@]}"
	local qpid
	qpid=$(session_get "$WPID" .qemu_pid)
	# each arrival is waited for in the log: two signals sent before the
	# wrapper took the first would merge into one (a loaded host)
	kill -INT "$WPID"
	wait_until 30 held_count SIGINT 1
	kill -INT "$WPID"
	wait_until 30 held_count SIGINT 2
	proc_alive "$qpid"
	kill -INT "$WPID"
	wait_until 10 proc_gone "$qpid"
	wait_until 10 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	[ "$(grep -c 'event: held SIGINT' "$QEMU_WRAPPER_LOG")" -eq 2 ]
	grep -q 'delivered SIGINT .*third arrival' "$QEMU_WRAPPER_LOG"
}

@test "QEMU_WRAPPER_SHIELD=0 forwards even during the hold, under nohup or not" {
	# Under nohup qemu used to inherit an ignored SIGHUP: one the wrapper
	# forwarded before qemu set its own handler was lost, and the held
	# guest waited forever.  Both ways, whatever this suite runs under,
	# and with a qemu that takes 1 s to start, so the SIGHUP comes first.
	local how qpid
	fake_qemu 1
	for how in --default-signal=HUP --ignore-signal=HUP; do
		rm -f "$BATS_TEST_TMPDIR/wrapper.rc"
		WRAPPER_RUN=(env "$how")
		QEMU_WRAPPER_SHIELD=0 QEMU_WRAPPER_QEMU=$BATS_TEST_TMPDIR/qemu \
			start_session "${BARE_GUEST[@]}"
		qpid=$(session_get "$WPID" .qemu_pid)
		kill -HUP "$WPID"
		wait_until 10 test -e "$BATS_TEST_TMPDIR/wrapper.rc" || {
			echo "# env $how: the wrapper did not end"; cat "$QEMU_WRAPPER_LOG"; false; }
		grep -q "qemu-wrapper\\[$WPID\\] event: delivered SIGHUP .*(forwarded)" "$QEMU_WRAPPER_LOG"
		proc_gone "$qpid"
	done
	# and with qemu's own handler in place (no delay): a clean exit
	rm -f "$BATS_TEST_TMPDIR/wrapper.rc"
	WRAPPER_RUN=(env --ignore-signal=HUP)
	QEMU_WRAPPER_SHIELD=0 start_session "${BARE_GUEST[@]}"
	sleep 1
	kill -HUP "$WPID"
	wait_until 10 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	[ "$(rc)" -eq 0 ] || { echo "# expected 0, saw $(rc)"; false; }
}

@test "qemu starts with the forwarded signals at their default, others as inherited" {
	local ign
	fake_qemu 0
	WRAPPER_RUN=(env --ignore-signal=HUP,INT,QUIT,TERM,USR2)
	QEMU_WRAPPER_QEMU=$BATS_TEST_TMPDIR/qemu start_session "${BARE_GUEST[@]}"
	wait_until 10 test -s "$BATS_TEST_TMPDIR/sigign"
	ign=$((16#$(cat "$BATS_TEST_TMPDIR/sigign")))
	# bit N-1 is signal N: HUP 1, INT 2, QUIT 3, TERM 15; USR2 12 stays ignored
	[ $((ign & 0x4007)) -eq 0 ] || { echo "# qemu started ignoring $(cat "$BATS_TEST_TMPDIR/sigign")"; false; }
	[ $((ign & 0x800)) -ne 0 ] || { echo "# USR2 not inherited: $(cat "$BATS_TEST_TMPDIR/sigign")"; false; }
}

@test "a debugger's breakpoint stop holds signals again until it continues" {
	make_spin_bootsector "$BATS_TEST_TMPDIR/spin.img"
	start_session "${BARE_GUEST[@]}" \
		-drive "file=$BATS_TEST_TMPDIR/spin.img,format=raw,if=ide"
	local qpid ep
	qpid=$(session_get "$WPID" .qemu_pid)
	ep=$(session_get "$WPID" .gdb)
	# gdb stops at the boot sector (after SeaBIOS ran: the first hold has
	# ended), then SIGTERM arrives while it sits there
	run gdb_batch "$ep" 'hbreak *0x7c00' continue 'p/x $pc' \
		"shell kill -TERM $WPID" 'shell sleep 1.5' \
		"shell kill -0 $qpid && echo QEMU-STILL-ALIVE" detach
	[[ "$output" == *'$1 = 0x7c00'* ]] || { echo "# expected a stop at 0x7c00: $output"; false; }
	[[ "$output" == *QEMU-STILL-ALIVE* ]] || { echo "# qemu died at the breakpoint: $output"; false; }
	wait_until 20 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	grep -q 'event: held SIGTERM' "$QEMU_WRAPPER_LOG"
	[ "$(grep -c 'event: hold ended: the guest resumed' "$QEMU_WRAPPER_LOG")" -eq 2 ]
	# the guest spins forever: only the delivered SIGTERM ends qemu
	[ "$(rc)" -eq 0 ] || { echo "# expected 0, saw $(rc)"; false; }
	grep -q 'delivered SIGTERM .*(held during the hold)' "$QEMU_WRAPPER_LOG"
}

@test "SIGKILL of the wrapper: the kernel sends qemu SIGTERM and it exits" {
	start_session "${BARE_GUEST[@]}"
	local qpid
	qpid=$(session_get "$WPID" .qemu_pid)
	kill -KILL "$WPID"
	wait_until 10 proc_gone "$qpid" || { echo "# qemu $qpid still running after the wrapper was killed"; false; }
	# the session file is left behind; the next launch removes it
	[ -e "$(session_file "$WPID")" ]
	start_session "${BARE_GUEST[@]}"
	[ "$(session_count)" -eq 1 ]
}

@test "qemu closing its monitor while the wrapper writes to it does not kill the wrapper (SIGPIPE)" {
	# a stand-in for qemu: greets on the wrapper's private monitor, reports
	# STOP (the wrapper answers with query-status), closes the monitor
	# first, and exits 7 a moment later
	cat >"$BATS_TEST_TMPDIR/fake-qemu" <<'SH'
#!/bin/bash
for a; do case $a in socket,id=qwrap-qmp,fd=*) n=${a##*fd=} ;; esac; done
eval "printf '{\"QMP\": {}}\r\n{\"event\": \"STOP\"}\r\n' >&$n"
eval "exec $n>&-"
sleep 1
exit 7
SH
	chmod +x "$BATS_TEST_TMPDIR/fake-qemu"
	QEMU_WRAPPER_QEMU=$BATS_TEST_TMPDIR/fake-qemu run timeout 20 "$WRAPPER" "${BARE_GUEST[@]}"
	[ "$status" -eq 7 ] || { echo "# expected the fake qemu's 7, saw $status (141 is SIGPIPE): $output"; false; }
}
