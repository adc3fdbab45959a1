#!/usr/bin/env bats
# Bad input: one line naming the problem, a non-zero exit, nothing started.

load lib
bats_require_minimum_version 1.5.0

setup() { wrapper_env; }
teardown() { kill_tracked; }

one_line() {
	[ "${#lines[@]}" -eq 1 ] || { echo "# expected one line, saw ${#lines[@]}: $output"; false; }
}

@test "no real qemu on PATH: exit 127 and a clear error" {
	PATH=/nonexistent run -127 "$WRAPPER" -version
	[ "$status" -eq 127 ] || { echo "# expected 127, saw $status"; false; }
	one_line
	[[ "$output" == "qemu-wrapper: cannot find the real qemu: "*"(set QEMU_WRAPPER_QEMU)" ]]
}

@test "installed as qemu-system-x86_64 first on PATH: skips itself, finds the real one" {
	mkdir "$BATS_TEST_TMPDIR/bin"
	ln -s "$WRAPPER" "$BATS_TEST_TMPDIR/bin/qemu-system-x86_64"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" run "$BATS_TEST_TMPDIR/bin/qemu-system-x86_64" -version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "QEMU emulator version "* ]]
	grep -q 'probe rule=' "$QEMU_WRAPPER_LOG"
	# and with nothing else on PATH it does not call itself forever
	PATH="$BATS_TEST_TMPDIR/bin" run -127 "$BATS_TEST_TMPDIR/bin/qemu-system-x86_64" -version
	[ "$status" -eq 127 ]
}

@test "QEMU_WRAPPER_QEMU pointing at the wrapper itself or at nothing" {
	QEMU_WRAPPER_QEMU=$WRAPPER run -126 "$WRAPPER" -version
	one_line
	[[ "$output" == "qemu-wrapper: QEMU_WRAPPER_QEMU '$WRAPPER' is qemu-wrapper itself" ]]
	QEMU_WRAPPER_QEMU=/nonexistent/qemu run -127 "$WRAPPER" -version
	one_line
	[[ "$output" == "qemu-wrapper: cannot use QEMU_WRAPPER_QEMU '/nonexistent/qemu': No such file or directory" ]]
}

@test "QEMU_WRAPPER_GDB malformed: exit 2, one line naming it" {
	local spec
	for spec in 1234 tcp:localhost tcp::1234 tcp:h:99999 unix: ftp:x:1; do
		QEMU_WRAPPER_GDB=$spec run "$WRAPPER" "${BARE_GUEST[@]}"
		[ "$status" -eq 2 ] || { echo "# '$spec': expected 2, saw $status: $output"; false; }
		one_line
		[[ "$output" == "qemu-wrapper: QEMU_WRAPPER_GDB: invalid gdb endpoint '$spec': "* ]] ||
			{ echo "# '$spec': $output"; false; }
	done
	# nothing was started
	! grep -q 'qemu started' "$QEMU_WRAPPER_LOG"
}

@test "QEMU_WRAPPER_GDB on a port already taken" {
	QEMU_WRAPPER_GDB=tcp:127.0.0.1:0 start_session "${BARE_GUEST[@]}"
	local taken
	taken=$(session_get "$WPID" .gdb)
	QEMU_WRAPPER_GDB=$taken run "$WRAPPER" "${BARE_GUEST[@]}"
	[ "$status" -ne 0 ]; one_line
	[[ "$output" == "qemu-wrapper: cannot listen on gdb endpoint $taken: Address already in use" ]]
}

@test "run directory unusable: not a directory, cannot be created, not writable" {
	touch "$BATS_TEST_TMPDIR/file"
	QEMU_WRAPPER_RUNDIR=$BATS_TEST_TMPDIR/file run "$WRAPPER" "${BARE_GUEST[@]}"
	[ "$status" -ne 0 ]; one_line
	[ "$output" = "qemu-wrapper: run directory '$BATS_TEST_TMPDIR/file' is not a directory" ]

	QEMU_WRAPPER_RUNDIR=$BATS_TEST_TMPDIR/file/sub run "$WRAPPER" "${BARE_GUEST[@]}"
	[ "$status" -ne 0 ]; one_line
	[ "$output" = "qemu-wrapper: cannot create run directory '$BATS_TEST_TMPDIR/file/sub': Not a directory" ]

	# a directory this user cannot write (run as nobody: root writes
	# anywhere); it must sit where nobody can reach it
	local top ro
	top=$(mktemp -d /tmp/qw-ro.XXXXXX)
	chmod 0755 "$top"
	ro=$top/run
	mkdir -m 0755 "$ro"
	echo "$top" >"$BATS_TEST_TMPDIR/ro-dir"
	if [ "$(id -u)" -eq 0 ]; then
		# nobody may not reach the checkout (a private CI clone): a copy
		cp "$WRAPPER" "$top/qemu-wrapper"
		run setpriv --reuid=65534 --regid=65534 --clear-groups \
			env QEMU_WRAPPER_RUNDIR="$ro" QEMU_WRAPPER_LOG= \
			"$top/qemu-wrapper" "${BARE_GUEST[@]}"
	else
		chmod 0555 "$ro"
		QEMU_WRAPPER_RUNDIR=$ro run "$WRAPPER" "${BARE_GUEST[@]}"
	fi
	rm -rf "$top"
	[ "$status" -ne 0 ]; one_line
	if [ "$(id -u)" -eq 0 ]; then
		# root's directory, to nobody: another user's
		[ "$output" = "qemu-wrapper: run directory '$ro' belongs to another user (uid 0): whoever owns it controls the guests started there" ] ||
			{ echo "# saw: $output"; false; }
	else
		[ "$output" = "qemu-wrapper: run directory '$ro' is not writable: Permission denied" ] ||
			{ echo "# saw: $output"; false; }
	fi
}

@test "the default run directory must be private: a planted open one is refused" {
	unset QEMU_WRAPPER_RUNDIR
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/xdg
	mkdir -p -m 0777 "$XDG_RUNTIME_DIR/qemu-wrapper"
	chmod 0777 "$XDG_RUNTIME_DIR/qemu-wrapper"
	run "$WRAPPER" "${BARE_GUEST[@]}"
	[ "$status" -ne 0 ]; one_line
	[ "$output" = "qemu-wrapper: run directory '$XDG_RUNTIME_DIR/qemu-wrapper' is writable by other users (mode 0777): they could replace its session files; chmod go-w it or use another" ]
	# a fresh default one is made 0700 and used
	rm -rf "$XDG_RUNTIME_DIR/qemu-wrapper"
	QEMU_WRAPPER_RUNDIR=$XDG_RUNTIME_DIR/qemu-wrapper start_wrapper "${BARE_GUEST[@]}"
	export QEMU_WRAPPER_RUNDIR=$XDG_RUNTIME_DIR/qemu-wrapper
	wait_until 10 have_session "$WPID"
	[ "$(stat -c %a "$QEMU_WRAPPER_RUNDIR")" = 700 ]
}

@test "invalid QEMU_WRAPPER_HOLD and QEMU_WRAPPER_SHIELD values" {
	QEMU_WRAPPER_HOLD=maybe run "$WRAPPER" "${BARE_GUEST[@]}"
	[ "$status" -eq 2 ]; one_line
	[ "$output" = "qemu-wrapper: invalid QEMU_WRAPPER_HOLD 'maybe': expected 1 or 0" ]
	QEMU_WRAPPER_SHIELD=sometimes run "$WRAPPER" "${BARE_GUEST[@]}"
	[ "$status" -eq 2 ]; one_line
	[ "$output" = "qemu-wrapper: invalid QEMU_WRAPPER_SHIELD 'sometimes': expected auto, 1 or 0" ]
}

@test "a qemu that cannot be executed: exit 126 naming it" {
	printf '#!/nonexistent/interpreter\n' >"$BATS_TEST_TMPDIR/badqemu"
	chmod +x "$BATS_TEST_TMPDIR/badqemu"
	QEMU_WRAPPER_QEMU=$BATS_TEST_TMPDIR/badqemu run "$WRAPPER" "${BARE_GUEST[@]}"
	[ "$status" -eq 126 ] || { echo "# expected 126, saw $status: $output"; false; }
	[[ "$output" == *"qemu-wrapper: cannot run '$BATS_TEST_TMPDIR/badqemu': No such file or directory" ]]
	[ ! -e "$QEMU_WRAPPER_RUNDIR/"*[0-9].json ]
}
