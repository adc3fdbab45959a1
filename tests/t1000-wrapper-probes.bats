#!/usr/bin/env bats
# Probes go straight to the real qemu: byte-identical stdout, stderr and
# exit status, the same pid, and no gdbstub added.

load lib

setup() { wrapper_env; }
teardown() { kill_tracked; }

# compare_with_qemu ARGS...: run the real qemu and the wrapper with the same
# arguments (and stdin from $STDIN_FILE if set) and compare everything.
compare_with_qemu() {
	local d=$BATS_TEST_TMPDIR in=${STDIN_FILE:-/dev/null}
	timeout 60 "$REAL_QEMU" "$@" <"$in" >"$d/real.out" 2>"$d/real.err"
	echo $? >"$d/real.rc"
	timeout 60 "$WRAPPER" "$@" <"$in" >"$d/wrap.out" 2>"$d/wrap.err"
	echo $? >"$d/wrap.rc"
	if [ -n "${NORMALIZE:-}" ]; then
		for f in real.out wrap.out; do
			sed -E -i 's/"seconds": [0-9]+, "microseconds": [0-9]+/"seconds": S, "microseconds": U/g' "$d/$f"
		done
	fi
	for f in out err rc; do
		if ! cmp -s "$d/real.$f" "$d/wrap.$f"; then
			echo "# std$f differs between the real qemu and the wrapper:"
			diff "$d/real.$f" "$d/wrap.$f" | head -20
			return 1
		fi
	done
	[ -s "$d/real.out" ] || [ -s "$d/real.err" ] || [ "$(cat "$d/real.rc")" != 0 ]
}

last_log_is_probe() {
	local line
	line=$(grep -v ' event: ' "$QEMU_WRAPPER_LOG" | tail -1)
	case "$line" in
	*" probe rule="*) return 0 ;;
	*) echo "# expected a probe decision in the log, saw: $line"; return 1 ;;
	esac
}

@test "libguestfs probe 1: -display none -help" {
	compare_with_qemu -display none -help
	last_log_is_probe
}

@test "libguestfs probe 2: -device ? with accel=kvm:tcg" {
	compare_with_qemu -display none -machine accel=kvm:tcg -device '?'
	last_log_is_probe
}

@test "libguestfs probes 3 and 4: -qmp stdio answers the same (timestamps aside)" {
	STDIN_FILE=$BATS_TEST_TMPDIR/qmp.in
	printf '%s\n' '{ "execute": "qmp_capabilities" }' \
		'{ "execute": "query-kvm" }' '{ "execute": "query-version" }' \
		'{ "execute": "quit" }' >"$STDIN_FILE"
	NORMALIZE=1 compare_with_qemu -display none -machine accel=kvm:tcg -qmp stdio
	grep -q '"return"' "$BATS_TEST_TMPDIR/wrap.out"
	last_log_is_probe
	! grep -q 'gdbstub' "$QEMU_WRAPPER_LOG"
}

@test "generic help and version forms" {
	local a
	for a in -version --version -h -help; do
		compare_with_qemu "$a"
	done
	compare_with_qemu -machine help
	compare_with_qemu -cpu help
	compare_with_qemu -accel help
	compare_with_qemu -device virtio-blk-pci,help
	compare_with_qemu -device 'virtio-net-pci,?'
	[ "$(grep -c ' probe rule=' "$QEMU_WRAPPER_LOG")" -eq 9 ]
	! grep -q ' launch rule=' "$QEMU_WRAPPER_LOG"
}

@test "a probe keeps the pid: the wrapper execs the real qemu" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	"$WRAPPER" -display none -machine accel=tcg -qmp stdio \
		<"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 3>&- &
	local pid=$!
	track "$pid"
	exec 5>"$BATS_TEST_TMPDIR/in"
	wait_until 10 grep -q QMP "$BATS_TEST_TMPDIR/out"
	local exe
	exe=$(readlink "/proc/$pid/exe")
	[ "$exe" = "$(readlink -f "$REAL_QEMU")" ] || {
		echo "# expected pid $pid to be $REAL_QEMU, it is $exe"; false; }
	# no gdbstub, no -S in the real argv
	! tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qE '^(-S|-gdb|-s)$'
	echo '{"execute":"qmp_capabilities"}{"execute":"quit"}' >&5
	exec 5>&-
	wait "$pid"
}

@test "libvirt-style capability probe (-machine none, QMP on a unix socket, -daemonize)" {
	local d=$BATS_TEST_TMPDIR args
	args=(-S -no-user-config -nodefaults -nographic -machine none,accel=kvm:tcg
	      -qmp "unix:$d/qmp.sock,server=on,wait=off" -pidfile "$d/qemu.pid" -daemonize)
	run "$WRAPPER" "${args[@]}"
	[ "$status" -eq 0 ] || { echo "# wrapper exit $status: $output"; false; }
	[ -z "$output" ]
	local pid
	pid=$(cat "$d/qemu.pid")
	track "$pid"
	[ -S "$d/qmp.sock" ]
	# what runs is qemu with exactly the probe's argv: nothing added
	local n
	n=$(tr '\0' '\n' <"/proc/$pid/cmdline" | wc -l)
	[ "$n" -eq $((${#args[@]} + 1)) ] || {
		echo "# expected $((${#args[@]} + 1)) words, saw:"; tr '\0' ' ' <"/proc/$pid/cmdline"; false; }
	last_log_is_probe
	grep -q "query: '-qmp unix:" "$QEMU_WRAPPER_LOG"
	kill "$pid"
	wait_until 10 proc_gone "$pid"
	# the real qemu behaves the same
	run "$REAL_QEMU" "${args[@]/qemu.pid/qemu2.pid}"
	[ "$status" -eq 0 ] && [ -z "$output" ]
	pid=$(cat "$d/qemu2.pid"); track "$pid"; kill "$pid"
}

@test "QEMU_WRAPPER_MODE=probe forces a probe, =launch a launch" {
	QEMU_WRAPPER_MODE=probe QEMU_WRAPPER_QUIET=1 timeout 10 "$WRAPPER" \
		"${BARE_GUEST[@]}" -version >/dev/null
	grep -q 'probe rule="QEMU_WRAPPER_MODE=probe"' "$QEMU_WRAPPER_LOG"
	# a query run forced to be a launch gets the gdbstub
	echo '{"execute":"qmp_capabilities"}{"execute":"quit"}' |
		QEMU_WRAPPER_MODE=launch QEMU_WRAPPER_HOLD=0 timeout 20 "$WRAPPER" \
		-display none -machine accel=tcg -nodefaults -qmp stdio >/dev/null
	grep -q 'launch rule="QEMU_WRAPPER_MODE=launch"' "$QEMU_WRAPPER_LOG"
	grep -q 'event: gdbstub unix:.*/[0-9]*\.gdb\.sock (added), hold off' "$QEMU_WRAPPER_LOG"
	# ... but not on a machine without CPUs, where qemu refuses one
	echo '{"execute":"qmp_capabilities"}{"execute":"quit"}' |
		QEMU_WRAPPER_MODE=launch timeout 20 "$WRAPPER" \
		-display none -machine none,accel=tcg -qmp stdio >/dev/null
	grep -q 'event: -machine none has no CPU: no gdbstub and no -S added' "$QEMU_WRAPPER_LOG"
	grep -q 'event: qemu exited with status 0' "$QEMU_WRAPPER_LOG"
	run env QEMU_WRAPPER_MODE=bogus "$WRAPPER" -version
	[ "$status" -eq 2 ]
	[ "$output" = "qemu-wrapper: invalid QEMU_WRAPPER_MODE 'bogus': expected probe or launch" ]
}
