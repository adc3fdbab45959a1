#!/usr/bin/env bats
# Another local user gets nothing from a launch: not the guest (the gdbstub
# and the monitor are 0600 unix sockets), not the run directory (it must be
# the user's and closed to writers), not the session files (a reader trusts
# only its own), and cannot stop the wrapper by planting files or taking
# /tmp/qemu-wrapper-UID.  The wrapper removes only what it proves to be a
# gone wrapper's own.  The "other user" is nobody (uid 65534), by setpriv.

load lib

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

setup() {
	wrapper_env
	# a tree nobody can walk into, so the sockets' own modes are tested
	OPEN=$(mktemp -d /tmp/qw-sec.XXXXXX)
	chmod 0755 "$OPEN"
	export QEMU_WRAPPER_RUNDIR=$OPEN/run
	make_exit_bootsector "$OPEN/exit.img" 0x10   # qemu exits 33
	chmod 0644 "$OPEN/exit.img"
	# what nobody runs, where nobody can run it whatever the checkout's
	# modes (a clone in a 0700 mktemp directory)
	mkdir -m 0755 "$OPEN/bin"
	cp "$WRAPPER" "$CLIENT" "$OPEN/bin/"
	NOBODY_WRAPPER=$OPEN/bin/qemu-wrapper NOBODY_CLIENT=$OPEN/bin/gdbstub-client
	GUEST=("${BARE_GUEST[@]}" "${EXIT_DEVICE[@]}"
	       -drive "file=$OPEN/exit.img,format=raw,if=ide")
}
teardown() {
	kill_tracked
	rm -rf "$OPEN"
	if [ -n "${MADE_TMP_DIR:-}" ]; then rm -rf /tmp/qemu-wrapper-65534 /tmp/qemu-wrapper-65534-*; fi
}

@test "nobody cannot connect to root's gdbstub or monitor (unix sockets, 0600, in a 0755 run directory)" {
	mkdir -m 0755 "$QEMU_WRAPPER_RUNDIR"
	start_session "${GUEST[@]}"
	local gdb mon
	gdb=$(session_get "$WPID" .gdb)
	mon=$(session_get "$WPID" .monitor)
	[[ "$gdb" == unix:* && "$mon" == unix:* ]] || { echo "# endpoints $gdb $mon"; false; }
	# the attack of the report: write a root-owned file through the monitor
	run "${NOBODY[@]}" timeout 20 "$NOBODY_CLIENT" attach "$gdb" \
		-ex 'monitor memsave 0xfffffff0 16 "/root/qw-pwned"'
	[ "$status" -ne 0 ] || { echo "# nobody attached: $output"; false; }
	[[ "$output" == *"gdbstub-client: cannot attach"*"Permission denied"* ]] ||
		{ echo "# saw: $output"; false; }
	[ ! -e /root/qw-pwned ]
	run "${NOBODY[@]}" timeout 20 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "${mon#unix:}"
	[ "$status" -ne 0 ] && [[ "$output" == *PermissionError* ]] || { echo "# monitor: $output"; false; }
	# the owner still gets in, and first: the guest runs to its exit
	run gdb_batch "$gdb" 'p/x $pc' detach
	[[ "$output" == *'$1 = 0xfff0'* ]] || { echo "# owner: $output"; false; }
	wait_until 30 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	[ "$(cat "$BATS_TEST_TMPDIR/wrapper.rc")" -eq 33 ]
}

@test "a run directory others can write, or another user's, is refused in one line; so are its session files" {
	mkdir -m 0777 "$QEMU_WRAPPER_RUNDIR"
	run "$WRAPPER" "${GUEST[@]}"
	[ "$status" -ne 0 ]
	[ "$output" = "qemu-wrapper: run directory '$QEMU_WRAPPER_RUNDIR' is writable by other users (mode 0777): they could replace its session files; chmod go-w it or use another" ] ||
		{ echo "# saw: $output"; false; }
	! grep -q 'qemu started' "$QEMU_WRAPPER_LOG"
	# nobody's session file there, pointing at nobody's endpoint and at
	# /etc/shadow: the client refuses the directory
	# (a live pid: files of dead wrappers are skipped anyway)
	sleep 300 & local live=$!
	track "$live"
	printf '{"version":1,"wrapper_pid":%d,"qemu_pid":%d,"gdb":"tcp:127.0.0.1:1","kernel":"/etc/shadow","hold":true,"start":{"realtime_ns":1}}\n' "$live" "$live" \
		>"$QEMU_WRAPPER_RUNDIR/$live.json"
	chown 65534 "$QEMU_WRAPPER_RUNDIR/$live.json"
	run timeout 20 "$CLIENT" attach --latest
	[ "$status" -ne 0 ]
	[[ "$output" == *"run directory '$QEMU_WRAPPER_RUNDIR' is writable by other users"* ]] || { echo "# saw: $output"; false; }

	chmod 0700 "$QEMU_WRAPPER_RUNDIR"
	chown 65534 "$QEMU_WRAPPER_RUNDIR"
	run "$WRAPPER" "${GUEST[@]}"
	[ "$status" -ne 0 ]
	[[ "$output" == "qemu-wrapper: run directory '$QEMU_WRAPPER_RUNDIR' belongs to another user (uid 65534)"* ]] ||
		{ echo "# saw: $output"; false; }

	# our own directory with nobody's file in it: the file is not trusted
	chown 0 "$QEMU_WRAPPER_RUNDIR"
	run timeout 20 "$CLIENT" attach --latest --timeout 1
	[[ "$output" != *"tcp:127.0.0.1:1"* && "$output" != *shadow* ]] || { echo "# used nobody's file: $output"; false; }
	run "$CLIENT" profile --latest --timeout 1 -o "$OPEN/p.json"
	[[ "$output" != *shadow* ]] || { echo "# opened nobody's kernel path: $output"; false; }
}

@test "a FIFO planted at the session file's temporary name does not block the wrapper" {
	mkdir -m 0700 "$QEMU_WRAPPER_RUNDIR"
	# the subshell's pid is the wrapper's after exec: plant what the old
	# wrapper opened, RUNDIR/PID.json.tmp, and a regular file too
	( mkfifo "$QEMU_WRAPPER_RUNDIR/$BASHPID.json.tmp"
	  exec "$WRAPPER" "${GUEST[@]}" ) >"$BATS_TEST_TMPDIR/w.out" 2>&1 &
	local sub=$!
	track "$sub"
	wait_until 30 sessions_at_least 1 || {
		echo "# no session file within 30 s (blocked on the FIFO?)"; cat "$BATS_TEST_TMPDIR/w.out"; false; }
	local f
	f=$(ls "$QEMU_WRAPPER_RUNDIR"/*[0-9].json)
	[ "$(stat -c '%u %a' "$f")" = "0 600" ]
	run gdb_batch "$(jq -r .gdb "$f")" detach
	wait "$sub" || [ $? -eq 33 ]
}

@test "a /tmp/qemu-wrapper-UID made by another user does not stop the wrapper" {
	[ ! -e /tmp/qemu-wrapper-65534 ] || skip "/tmp/qemu-wrapper-65534 exists on this machine"
	MADE_TMP_DIR=1
	mkdir -m 0777 /tmp/qemu-wrapper-65534          # root's, open to all
	chmod 0666 "$OPEN/exit.img"                    # qemu opens it read-write
	run env -u XDG_RUNTIME_DIR -u QEMU_WRAPPER_RUNDIR -u QEMU_WRAPPER_LOG \
		QEMU_WRAPPER_HOLD=0 "${NOBODY[@]}" timeout 60 "$NOBODY_WRAPPER" "${GUEST[@]}"
	[ "$status" -eq 33 ] || { echo "# expected 33, saw $status: $output"; false; }
	# nobody's own directory was used instead, and is found again
	local d
	d=$(ls -d /tmp/qemu-wrapper-65534-* | head -1)
	[ "$(stat -c '%u %a' "$d")" = "65534 700" ] || { echo "# $d: $(stat -c '%u %a' "$d")"; false; }
	[ -e "$d"/*.exit.json ]
}

@test "only what is proved a gone wrapper's own is removed: other N.json stay, stale sockets go" {
	mkdir -m 0700 "$QEMU_WRAPPER_RUNDIR"
	echo '{}' >"$QEMU_WRAPPER_RUNDIR/999999.json"
	printf '{"version":1,"wrapper_pid":999998}\n' >"$QEMU_WRAPPER_RUNDIR/999998.json"
	printf '{"version":1,"wrapper_pid":999996}\n' >"$QEMU_WRAPPER_RUNDIR/999997.json"
	python3 -c '
import socket, sys
for p in sys.argv[1:]:
    socket.socket(socket.AF_UNIX).bind(p)' "$QEMU_WRAPPER_RUNDIR/999998.mon.sock" "$QEMU_WRAPPER_RUNDIR/999998.gdb.sock"
	touch "$QEMU_WRAPPER_RUNDIR/999995.mon.sock"       # not a socket: stays
	QEMU_WRAPPER_HOLD=0 run timeout 60 "$WRAPPER" "${GUEST[@]}"
	[ "$status" -eq 33 ]
	[ -e "$QEMU_WRAPPER_RUNDIR/999999.json" ] || { echo "# '{}' was removed"; false; }
	[ -e "$QEMU_WRAPPER_RUNDIR/999997.json" ] || { echo "# a file naming another pid was removed"; false; }
	[ -e "$QEMU_WRAPPER_RUNDIR/999995.mon.sock" ]
	[ ! -e "$QEMU_WRAPPER_RUNDIR/999998.json" ] || { echo "# a stale session file stayed"; false; }
	[ ! -e "$QEMU_WRAPPER_RUNDIR/999998.mon.sock" ] && [ ! -e "$QEMU_WRAPPER_RUNDIR/999998.gdb.sock" ] ||
		{ echo "# stale sockets stayed"; ls -l "$QEMU_WRAPPER_RUNDIR"; false; }
}

@test "a SIGKILLed wrapper's sockets are removed by the next launch" {
	start_session "${BARE_GUEST[@]}"
	local dead=$WPID qpid
	qpid=$(session_get "$WPID" .qemu_pid)
	# both killed (as by kill -KILL of the process group), the wrapper
	# stopped first so it cannot tidy up, nor qemu on the SIGTERM the
	# wrapper's death sends it (a qemu that exits removes its sockets)
	kill -STOP "$WPID"
	kill -KILL "$qpid"
	kill -KILL "$WPID"
	wait_until 10 proc_gone "$dead"
	wait_until 10 proc_gone "$qpid"
	[ -S "$QEMU_WRAPPER_RUNDIR/$dead.mon.sock" ] || { ls -l "$QEMU_WRAPPER_RUNDIR"; cat "$QEMU_WRAPPER_LOG"; false; }
	QEMU_WRAPPER_HOLD=0 run timeout 60 "$WRAPPER" "${GUEST[@]}"
	[ ! -e "$QEMU_WRAPPER_RUNDIR/$dead.mon.sock" ] && [ ! -e "$QEMU_WRAPPER_RUNDIR/$dead.gdb.sock" ] &&
		[ ! -e "$QEMU_WRAPPER_RUNDIR/$dead.json" ] || { echo "# left:"; ls -l "$QEMU_WRAPPER_RUNDIR"; false; }
}

@test "QEMU_WRAPPER_LOG: a FIFO with no reader does not hang even -version; an unusable log is said once" {
	mkfifo "$OPEN/fifo"
	QEMU_WRAPPER_LOG=$OPEN/fifo run timeout 20 "$WRAPPER" -version
	[ "$status" -eq 0 ] || { echo "# status $status (124: hung): $output"; false; }
	[[ "$output" == *"QEMU emulator version"* ]]
	[ "$(grep -c "cannot open QEMU_WRAPPER_LOG '$OPEN/fifo'" <<<"$output")" -eq 1 ] || { echo "# saw: $output"; false; }
	QEMU_WRAPPER_LOG=/nonexistent/dir/log run timeout 20 "$WRAPPER" -version
	[ "$status" -eq 0 ]
	[[ "$output" == *"qemu-wrapper: warning: cannot open QEMU_WRAPPER_LOG '/nonexistent/dir/log': No such file or directory; not logging"* ]] ||
		{ echo "# saw: $output"; false; }
	QEMU_WRAPPER_LOG=/dev/full QEMU_WRAPPER_HOLD=0 run timeout 60 "$WRAPPER" "${GUEST[@]}"
	[ "$status" -eq 33 ]
	[ "$(grep -c "cannot write QEMU_WRAPPER_LOG '/dev/full': No space left on device" <<<"$output")" -eq 1 ] ||
		{ echo "# saw: $output"; false; }
}

@test "a debugger SIGKILLed at a breakpoint: the guest is released, the held SIGTERM delivered" {
	start_session "${GUEST[@]}"
	local ep
	ep=$(session_get "$WPID" .gdb)
	( timeout 120 gdb -nx -batch -ex "target remote $(gdb_addr "$ep")" \
		-ex 'break *0x7c00' -ex continue -ex 'shell sleep 100' \
		>"$BATS_TEST_TMPDIR/gdb.out" 2>&1 & echo $! >"$BATS_TEST_TMPDIR/gdb.pid" ) 3>&-
	local gpid
	gpid=$(cat "$BATS_TEST_TMPDIR/gdb.pid")
	track "$gpid"
	wait_until 60 grep -q 'Breakpoint 1,' "$BATS_TEST_TMPDIR/gdb.out" || { cat "$BATS_TEST_TMPDIR/gdb.out"; false; }
	# the guest is held at 0x7c00 by a debugger: SIGTERM is held
	kill -TERM "$WPID"
	wait_until 10 grep -q 'held SIGTERM' "$QEMU_WRAPPER_LOG"
	pkill -KILL -P "$gpid" -x gdb || kill -KILL "$gpid"
	pkill -KILL -f "target remote $(gdb_addr "$ep")" || true
	# released: breakpoint removed, guest resumed, SIGTERM delivered; the
	# wrapper ends instead of waiting for good
	wait_until 30 test -e "$BATS_TEST_TMPDIR/wrapper.rc" || {
		echo "# the wrapper still waits; log:"; cut -c25-200 "$QEMU_WRAPPER_LOG"; false; }
	grep -q 'event: debugger gone' "$QEMU_WRAPPER_LOG"
	grep -q 'delivered SIGTERM to qemu .*(held during the hold)' "$QEMU_WRAPPER_LOG"
	grep -q 'the debugger left the guest stopped and is gone' "$BATS_TEST_TMPDIR/wrapper.err"
}

@test "a debugger SIGKILLed while the guest runs: its breakpoint's stop is released" {
	start_session "${GUEST[@]}"
	local ep
	ep=$(session_get "$WPID" .gdb)
	# a breakpoint that is hit ~1 s later: gdb is killed before, while the
	# guest runs in SeaBIOS
	( timeout 120 gdb -nx -batch -ex "target remote $(gdb_addr "$ep")" \
		-ex 'break *0x7c00' -ex 'continue &' -ex 'shell sleep 100' \
		>"$BATS_TEST_TMPDIR/gdb.out" 2>&1 & echo $! >"$BATS_TEST_TMPDIR/gdb.pid" ) 3>&-
	wait_until 30 grep -q 'RESUME' "$QEMU_WRAPPER_RUNDIR/$WPID.events"
	pkill -KILL -f "target remote $(gdb_addr "$ep")"
	wait_until 60 test -e "$BATS_TEST_TMPDIR/wrapper.rc" || {
		echo "# the guest was never released; log:"; cut -c25-200 "$QEMU_WRAPPER_LOG"; false; }
	[ "$(cat "$BATS_TEST_TMPDIR/wrapper.rc")" -eq 33 ]
}

@test "SIGUSR1 ends a hold even when three SIGTERMs merged into one" {
	start_session "${GUEST[@]}"
	wait_until 30 qemu_ready "$WPID"
	# three at once: standard signals merge while pending
	kill -STOP "$WPID"; kill -TERM "$WPID"; kill -TERM "$WPID"; kill -TERM "$WPID"; kill -CONT "$WPID"
	wait_until 10 grep -q 'held SIGTERM' "$QEMU_WRAPPER_LOG"
	sleep 0.5
	[ ! -e "$BATS_TEST_TMPDIR/wrapper.rc" ]
	[ "$(grep -c 'held SIGTERM' "$QEMU_WRAPPER_LOG")" -eq 1 ]
	grep -q "or SIGUSR1 to pid $WPID, to deliver it now" "$BATS_TEST_TMPDIR/wrapper.err"
	kill -USR1 "$WPID"
	wait_until 30 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	grep -q 'hold ended: SIGUSR1: released by the user' "$QEMU_WRAPPER_LOG"
	grep -q 'delivered SIGTERM' "$QEMU_WRAPPER_LOG"
}

@test "qemu's end and QEMU's stop/resume times are left for profilers: PID.exit.json, PID.events" {
	start_session "${GUEST[@]}"
	local ev ex
	ev=$(session_get "$WPID" .events)
	ex=$(session_get "$WPID" .exit_file)
	[ "$ev" = "$QEMU_WRAPPER_RUNDIR/$WPID.events" ] && [ "$ex" = "$QEMU_WRAPPER_RUNDIR/$WPID.exit.json" ]
	run gdb_batch "$(session_get "$WPID" .gdb)" 'break *0x7c00' continue detach
	wait_until 30 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	# RESUME (continue), STOP (breakpoint), RESUME (detach), in order, in ns
	awk '{print $1}' "$ev" | head -3 | tr '\n' ' ' | grep -qx 'RESUME STOP RESUME ' || { cat "$ev"; false; }
	awk 'NR > 1 && $2 < prev { exit 1 } { prev = $2 }' "$ev"
	[ "$(jq -r '.status, .code, .shutdown_reason' "$ex" | tr '\n' ' ')" = "exited 33 null " ] ||
		{ cat "$ex"; false; }
	[ "$(stat -c %a "$ex")" = 600 ]

	# qemu SIGKILLed: the exit record says so
	rm -f "$BATS_TEST_TMPDIR/wrapper.rc"
	start_session "${GUEST[@]}"
	ex=$(session_get "$WPID" .exit_file)
	kill -KILL "$(session_get "$WPID" .qemu_pid)"
	wait_until 30 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	[ "$(jq -r '.status, .signal, .signal_name' "$ex" | tr '\n' ' ')" = "signaled 9 SIGKILL " ] || { cat "$ex"; false; }
}
