#!/usr/bin/env bats
# The real libguestfs (direct backend, TCG) with qemu-wrapper as its
# hypervisor: probes pass through, the launch is held and completes once a
# debugger resumes it.

load lib

setup_file() {
	export LIBGUESTFS_CACHEDIR=$BATS_FILE_TMPDIR/cache
	mkdir -p "$LIBGUESTFS_CACHEDIR"
}

setup() {
	wrapper_env
	export QEMU_WRAPPER_QUIET=1
	export LIBGUESTFS_BACKEND=direct LIBGUESTFS_HV=$WRAPPER
	export LIBGUESTFS_BACKEND_SETTINGS=force_tcg
	command -v guestfish >/dev/null || skip "guestfish is not installed (scripts/install-deps)"
}
teardown() { kill_tracked; }

@test "guestfish -a /dev/null run, empty cache, no hold: four probes, one launch, exit 0" {
	QEMU_WRAPPER_HOLD=0 run timeout 600 guestfish -a /dev/null run
	[ "$status" -eq 0 ] || { echo "# guestfish exit $status: $output"; false; }
	grep -v ' event: ' "$QEMU_WRAPPER_LOG" | awk '{print $3}' >"$BATS_TEST_TMPDIR/decisions"
	printf '%s\n' probe probe probe probe launch | diff - "$BATS_TEST_TMPDIR/decisions" || {
		echo "# expected four probes then one launch; log:"; cut -c1-160 "$QEMU_WRAPPER_LOG"; false; }
	# the probes are libguestfs 1.48's, in order
	grep ' probe rule=' "$QEMU_WRAPPER_LOG" | sed 's/.* argv: //' >"$BATS_TEST_TMPDIR/probes"
	sed -n 1p "$BATS_TEST_TMPDIR/probes" | grep -q "'-help'$"
	sed -n 2p "$BATS_TEST_TMPDIR/probes" | grep -q "'-device' '?'$"
	sed -n 3p "$BATS_TEST_TMPDIR/probes" | grep -q "'-qmp' 'stdio'$"
	grep -q 'event: gdbstub unix:.*/[0-9]*\.gdb\.sock (added), hold off' "$QEMU_WRAPPER_LOG"
	grep -q 'event: qemu exited with status 0' "$QEMU_WRAPPER_LOG"
}

@test "guestfish with the hold on: waits at the reset vector, completes once resumed" {
	( rc=0; timeout 600 guestfish -a /dev/null run \
		>"$BATS_TEST_TMPDIR/gf.out" 2>&1 || rc=$?
	  echo "$rc" >"$BATS_TEST_TMPDIR/gf.rc" ) 3>&- &
	track $!
	wait_until 120 sessions_at_least 1 || {
		echo "# no session file; guestfish said:"; cat "$BATS_TEST_TMPDIR/gf.out"
		echo "# wrapper log:"; cut -c1-200 "$QEMU_WRAPPER_LOG"; false; }
	local f ep
	f=$(ls "$QEMU_WRAPPER_RUNDIR"/*[0-9].json | head -1)
	wait_until 10 test -s "$f"
	ep=$(jq -r .gdb "$f")
	# the appliance's kernel and command line are in the session file
	[[ "$(jq -r .kernel "$f")" == */appliance.d/kernel ]]
	[[ "$(jq -r .append "$f")" == *console=ttyS0* ]]
	# held: guestfish is still waiting
	sleep 2
	[ ! -e "$BATS_TEST_TMPDIR/gf.rc" ]
	run gdb_batch "$ep" 'p/x $pc' 'p/x $cs' detach
	[[ "$output" == *'$1 = 0xfff0'* && "$output" == *'$2 = 0xf000'* ]] || {
		echo "# expected f000:fff0: $output"; false; }
	wait_until 300 test -e "$BATS_TEST_TMPDIR/gf.rc"
	[ "$(cat "$BATS_TEST_TMPDIR/gf.rc")" -eq 0 ] || {
		echo "# guestfish exit $(cat "$BATS_TEST_TMPDIR/gf.rc")"; cat "$BATS_TEST_TMPDIR/gf.out"; false; }
	grep -q 'event: hold ended: the guest resumed' "$QEMU_WRAPPER_LOG"
}
