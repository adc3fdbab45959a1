#!/usr/bin/env bats
# A launch is held at the reset vector with a gdbstub on a free loopback
# port, described by a session file; it runs once a debugger resumes it.

load lib

setup() {
	wrapper_env
	exit_guest
}
teardown() { kill_tracked; }

@test "a launch is held at the reset vector: f000:fff0, and runs once resumed" {
	start_session "${GUEST[@]}"
	local ep qpid
	ep=$(session_get "$WPID" .gdb)
	qpid=$(session_get "$WPID" .qemu_pid)
	# by default a unix socket only this user can connect to
	[ "$ep" = "unix:$QEMU_WRAPPER_RUNDIR/$WPID.gdb.sock" ] || { echo "# endpoint: $ep"; false; }
	[ "$(stat -c %a "${ep#unix:}")" = 600 ] || { echo "# socket mode $(stat -c %a "${ep#unix:}")"; false; }
	# nothing has run: still held after a moment
	sleep 1
	[ ! -e "$BATS_TEST_TMPDIR/wrapper.rc" ]
	run gdb_batch "$ep" 'p/x $pc' 'p/x $cs' 'p/x $eflags' detach
	[[ "$output" == *'$1 = 0xfff0'* ]] || { echo "# expected pc 0xfff0, saw: $output"; false; }
	[[ "$output" == *'$2 = 0xf000'* ]] || { echo "# expected cs 0xf000, saw: $output"; false; }
	# detached: the guest runs its boot sector, which exits qemu with 33
	wait_until 30 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	[ "$(cat "$BATS_TEST_TMPDIR/wrapper.rc")" -eq 33 ] || {
		echo "# expected exit 33, saw $(cat "$BATS_TEST_TMPDIR/wrapper.rc")"; false; }
	proc_gone "$qpid"
	[ ! -e "$(session_file "$WPID")" ] || { echo "# session file left behind"; false; }
	grep -q 'event: hold ended: the guest resumed' "$QEMU_WRAPPER_LOG"
	grep -q 'event: qemu exited with status 33' "$QEMU_WRAPPER_LOG"
}

@test "the session file: mode 0600 in a 0700 directory, every documented field" {
	local kernel
	kernel=$(ls /boot/vmlinuz-* | head -1)
	QEMU_WRAPPER_APPEND="nokaslr quiet" start_session "${BARE_GUEST[@]}" \
		-kernel "$kernel" -append "console=ttyS0"
	local f
	f=$(session_file "$WPID")
	[ "$(stat -c %a "$f")" = 600 ]
	[ "$(stat -c %a "$QEMU_WRAPPER_RUNDIR")" = 700 ]
	[ "$(jq -r .version "$f")" = 1 ]
	[ "$(jq -r .wrapper_pid "$f")" = "$WPID" ]
	proc_alive "$(jq -r .qemu_pid "$f")"
	[ "$(jq -r .qemu "$f")" = "$REAL_QEMU" ]
	[ "$(jq -r .kernel "$f")" = "$kernel" ]
	[ "$(jq -r .append "$f")" = "console=ttyS0 nokaslr quiet" ]
	[ "$(jq -r .accel "$f")" = tcg ]
	wait_until 10 test "$(jq -r .accel_active "$f")" = tcg
	[ "$(jq -r .hold "$f")" = true ]
	[ "$(jq -r .gdb_added "$f")" = true ]
	[ "$(jq -r '.start.monotonic_ns > 0' "$f")" = true ]
	# the real argv: the appended -append, one -S, the gdbstub on an fd
	jq -r '.argv[]' "$f" >"$BATS_TEST_TMPDIR/argv"
	[ "$(grep -cx -- -S "$BATS_TEST_TMPDIR/argv")" -eq 1 ]
	grep -qx 'console=ttyS0 nokaslr quiet' "$BATS_TEST_TMPDIR/argv"
	grep -qx 'chardev:qwrap-gdb' "$BATS_TEST_TMPDIR/argv"
	# TCP_NODELAY on the gdbstub's connection, as qemu's own -gdb tcp: sets
	# it (without it every reply waits ~40 ms: Nagle + delayed ACK)
	grep -qE '^socket,id=qwrap-gdb,fd=[0-9]+,server=on,wait=off,nodelay=on$' "$BATS_TEST_TMPDIR/argv"
	# the qemu process really has that argv
	tr '\0' '\n' <"/proc/$(jq -r .qemu_pid "$f")/cmdline" | diff - "$BATS_TEST_TMPDIR/argv"
}

@test "four launches at once get four endpoints, each attachable" {
	local pids=() i
	for i in 1 2 3 4; do
		start_wrapper "${BARE_GUEST[@]}"
		pids+=("$WPID")
		mv "$BATS_TEST_TMPDIR/wrapper.out" "$BATS_TEST_TMPDIR/wrapper.out.$i"
	done
	for i in "${pids[@]}"; do wait_until 10 have_session "$i"; done
	local eps
	eps=$(for i in "${pids[@]}"; do session_get "$i" .gdb; done | sort -u | wc -l)
	[ "$eps" -eq 4 ] || { echo "# expected 4 distinct endpoints, saw $eps"; false; }
	for i in "${pids[@]}"; do
		run gdb_batch "$(session_get "$i" .gdb)" 'p/x $pc' 'kill'
		[[ "$output" == *'$1 = 0xfff0'* ]] || {
			echo "# wrapper $i: expected pc 0xfff0, saw: $output"; false; }
	done
}

@test "QEMU_WRAPPER_HOLD=0: no -S, the guest runs at once, the gdbstub is still there" {
	QEMU_WRAPPER_HOLD=0 run timeout 60 "$WRAPPER" "${GUEST[@]}"
	[ "$status" -eq 33 ] || { echo "# expected 33, saw $status: $output"; false; }
	grep -q 'event: gdbstub unix:.*/[0-9]*\.gdb\.sock (added), hold off' "$QEMU_WRAPPER_LOG"
	! grep -q "launch rule=.*'-S'" "$QEMU_WRAPPER_LOG"
	# no note about a paused guest on stderr
	[[ "$output" != *"paused at its reset vector"* ]]
}

@test "a user's own -S and -gdb are not given a second" {
	local port
	port=$(free_port)
	start_session "${BARE_GUEST[@]}" -S -gdb "tcp:127.0.0.1:$port"
	[ "$(session_get "$WPID" .gdb)" = "tcp:127.0.0.1:$port" ]
	[ "$(session_get "$WPID" .gdb_added)" = false ]
	[ "$(session_get "$WPID" '[.argv[] | select(. == "-S")] | length')" -eq 1 ]
	[ "$(session_get "$WPID" '[.argv[] | select(. == "-gdb")] | length')" -eq 1 ]
	run gdb_batch "tcp:127.0.0.1:$port" 'p/x $pc' kill
	[[ "$output" == *'$1 = 0xfff0'* ]]
}

@test "QEMU_WRAPPER_GDB=unix: a socket in the private run directory" {
	QEMU_WRAPPER_GDB=unix start_session "${BARE_GUEST[@]}"
	local ep
	ep=$(session_get "$WPID" .gdb)
	[ "$ep" = "unix:$QEMU_WRAPPER_RUNDIR/$WPID.gdb.sock" ] || { echo "# endpoint $ep"; false; }
	[ -S "${ep#unix:}" ]
	run gdb_batch "$ep" 'p/x $pc' 'p/x $cs' kill
	[[ "$output" == *'$1 = 0xfff0'* && "$output" == *'$2 = 0xf000'* ]]
	wait_until 10 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	[ ! -e "${ep#unix:}" ] || { echo "# socket left behind"; false; }
}

@test "the clients' human monitor: a socket in the private run directory, in the session; QEMU_WRAPPER_MONITOR=0 leaves it out" {
	start_session "${BARE_GUEST[@]}"
	local ep sock
	ep=$(session_get "$WPID" .monitor)
	sock=$QEMU_WRAPPER_RUNDIR/$WPID.mon.sock
	[ "$ep" = "unix:$sock" ] || { echo "# monitor $ep"; false; }
	[ -S "$sock" ]
	# QEMU's human monitor, and the guest is still held there (prelaunch)
	run python3 - "$sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
buf = b''
while buf.count(b'(qemu) ') < 1: buf += s.recv(4096)
s.sendall(b'info status\n')
while buf.count(b'(qemu) ') < 2: buf += s.recv(4096)
print(buf.decode().split('(qemu) ')[1].splitlines()[1].strip())
PY
	[ "$status" -eq 0 ] && [ "$output" = "VM status: paused (prelaunch)" ] || { echo "# $output"; false; }
	jq -r '.argv[]' "$(session_file "$WPID")" >"$BATS_TEST_TMPDIR/argv"
	grep -qE '^socket,id=qwrap-cmon,fd=[0-9]+,server=on,wait=off$' "$BATS_TEST_TMPDIR/argv"
	grep -qx 'chardev=qwrap-cmon,mode=readline' "$BATS_TEST_TMPDIR/argv"
	run gdb_batch "$(session_get "$WPID" .gdb)" kill
	wait_until 10 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	[ ! -e "$sock" ] || { echo "# socket left behind"; false; }

	rm -f "$BATS_TEST_TMPDIR/wrapper.rc"
	QEMU_WRAPPER_MONITOR=0 start_session "${BARE_GUEST[@]}"
	[ "$(session_get "$WPID" .monitor)" = null ]
	[ ! -e "$QEMU_WRAPPER_RUNDIR/$WPID.mon.sock" ]
}

@test "QEMU_WRAPPER_GDB=unix:PATH in a directory others can write is refused; one they can enter gets a 0600 socket" {
	mkdir -m 0777 "$BATS_TEST_TMPDIR/open"
	QEMU_WRAPPER_GDB=unix:$BATS_TEST_TMPDIR/open/g.sock run "$WRAPPER" "${BARE_GUEST[@]}"
	[ "$status" -ne 0 ]
	[[ "$output" == "qemu-wrapper: directory '$BATS_TEST_TMPDIR/open' of the gdb socket is writable by other users (mode 0777)"* ]] ||
		{ echo "# saw: $output"; false; }
	mkdir -m 0755 "$BATS_TEST_TMPDIR/enter"
	QEMU_WRAPPER_GDB=unix:$BATS_TEST_TMPDIR/enter/g.sock start_wrapper "${BARE_GUEST[@]}"
	wait_until 10 test -S "$BATS_TEST_TMPDIR/enter/g.sock"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/enter/g.sock")" = 600 ]
}

@test "QEMU_WRAPPER_GDB=tcp: on loopback, with a first line that says every local user can connect" {
	QEMU_WRAPPER_GDB=tcp:127.0.0.1:0 start_session "${BARE_GUEST[@]}"
	local ep
	ep=$(session_get "$WPID" .gdb)
	[[ "$ep" =~ ^tcp:127\.0\.0\.1:[0-9]+$ ]] || { echo "# endpoint: $ep"; false; }
	wait_until 10 grep -q 'paused at its reset vector' "$BATS_TEST_TMPDIR/wrapper.err"
	grep -q "warning: the gdbstub listens on $ep: every local user can connect" "$BATS_TEST_TMPDIR/wrapper.err"
	grep -q "gdbstub on $ep, every local user can connect" "$BATS_TEST_TMPDIR/wrapper.err"
	run gdb_batch "$ep" 'p/x $pc' kill
	[[ "$output" == *'$1 = 0xfff0'* ]]
}

@test "a qemu killed by a signal is reported the way a shell would (128+N)" {
	QEMU_WRAPPER_HOLD=0 start_session "${BARE_GUEST[@]}"
	kill -KILL "$(session_get "$WPID" .qemu_pid)"
	wait_until 10 test -e "$BATS_TEST_TMPDIR/wrapper.rc"
	[ "$(cat "$BATS_TEST_TMPDIR/wrapper.rc")" -eq 137 ]
	grep -q 'event: qemu killed by signal 9' "$QEMU_WRAPPER_LOG"
}

@test "stale session files of dead wrappers are removed by the next launch" {
	mkdir -m 0700 -p "$QEMU_WRAPPER_RUNDIR"
	# a session file of a gone wrapper names its own pid
	printf '{"version":1,"wrapper_pid":999999999}\n' >"$QEMU_WRAPPER_RUNDIR/999999999.json"
	start_session "${BARE_GUEST[@]}"
	[ ! -e "$QEMU_WRAPPER_RUNDIR/999999999.json" ]
}
