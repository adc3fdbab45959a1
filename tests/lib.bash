# tests/lib.bash: helpers shared by the bats files.  Every wait is bounded;
# every process a test starts is recorded and killed in teardown.

KIT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
WRAPPER=$KIT/wrapper/qemu-wrapper
CLIENT=$KIT/gdbstub-client/gdbstub-client
REAL_QEMU=$(command -v qemu-system-x86_64)

# A clean wrapper environment private to this test.
wrapper_env() {
	unset QEMU_WRAPPER_QEMU QEMU_WRAPPER_MODE QEMU_WRAPPER_HOLD \
		QEMU_WRAPPER_GDB QEMU_WRAPPER_APPEND QEMU_WRAPPER_SHIELD \
		QEMU_WRAPPER_QUIET
	export QEMU_WRAPPER_RUNDIR=$BATS_TEST_TMPDIR/run
	export QEMU_WRAPPER_LOG=$BATS_TEST_TMPDIR/wrapper.log
}

# wait_until SECONDS COMMAND...: poll every 0.1 s; fail with a message.
wait_until() {
	local limit=$(($1 * 10)) i=0
	shift
	while ! "$@" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -ge "$limit" ]; then
			echo "# timed out waiting for: $*" >&2
			return 1
		fi
		sleep 0.1
	done
}

# Remember a pid to kill in teardown.
track() { echo "$1" >>"$BATS_TEST_TMPDIR/pids"; }

kill_tracked() {
	local p f
	if [ -d "${QEMU_WRAPPER_RUNDIR:-/nonexistent}" ]; then
		for f in "$QEMU_WRAPPER_RUNDIR"/*.json; do
			[ -f "$f" ] && track "$(jq -r .qemu_pid "$f" 2>/dev/null)"
		done
	fi
	[ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
	while read -r p; do
		[ -n "$p" ] && [ "$p" != null ] && kill -KILL "$p" 2>/dev/null
	done <"$BATS_TEST_TMPDIR/pids"
	return 0
}

# Start the wrapper in the background; $WPID is its pid.  Output goes to
# $BATS_TEST_TMPDIR/wrapper.out / .err, its exit status to wrapper.rc.
start_wrapper() {
	# (bats runs with errexit: keep a failing status from ending the subshell)
	( rc=0; "$WRAPPER" "$@" >"$BATS_TEST_TMPDIR/wrapper.out" \
		2>"$BATS_TEST_TMPDIR/wrapper.err" </dev/null || rc=$?
	  echo "$rc" >"$BATS_TEST_TMPDIR/wrapper.rc" ) 3>&- &
	# $! is the subshell; the wrapper is its only child
	local sub=$!
	track "$sub"
	wait_until 30 pgrep -P "$sub" >/dev/null
	WPID=$(pgrep -P "$sub" | head -1)
	track "$WPID"
}

session_file() { echo "$QEMU_WRAPPER_RUNDIR/$1.json"; }
# session files only: PID.json, not PID.exit.json
session_count() { ls "$QEMU_WRAPPER_RUNDIR"/*[0-9].json 2>/dev/null | wc -l; }
have_session() { [ -s "$(session_file "$1")" ]; }
# session_get PID JQ-EXPR
session_get() { jq -r "$2" "$(session_file "$1")"; }

# The address gdb's "target remote" takes for an endpoint.
gdb_addr() {
	case "$1" in
	tcp:*) echo "${1#tcp:}" ;;
	unix:*) echo "${1#unix:}" ;;
	*) echo "$1" ;;
	esac
}

# gdb_batch ENDPOINT CMD...: real gdb, batch mode, one -ex per command.
gdb_batch() {
	local ep=$1 a=()
	shift
	for c in "$@"; do a+=(-ex "$c"); done
	timeout 60 gdb -nx -batch -ex "target remote $(gdb_addr "$ep")" "${a[@]}"
}

# A 512-byte boot sector that writes $2 to isa-debug-exit (port 0xf4):
# qemu then exits with status ($2 << 1) | 1.
#   b0 VV    mov al, VV
#   e6 f4    out 0xf4, al
#   f4       hlt
#   eb fd    jmp $-1
make_exit_bootsector() {
	local v
	v=$(printf '\\x%02x' "$2")
	{ printf "\xb0${v}\xe6\xf4\xf4\xeb\xfd"; head -c 503 /dev/zero; printf '\x55\xaa'; } >"$1"
}

EXIT_DEVICE=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
BARE_GUEST=(-machine accel=tcg -display none -nodefaults)

proc_alive() { kill -0 "$1" 2>/dev/null; }
proc_gone() { ! kill -0 "$1" 2>/dev/null; }

# A TCP port nobody listens on now (for tests that must name one).
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}

listening() { ss -Hltn "sport = :$1" | grep -q .; }

# wait_listening PORT PID [SECONDS]: until something listens on PORT; fails
# at once, with a message, when PID has ended first (default 30 s: a loaded
# CI machine starts qemu slowly, and a fixed few seconds made tests flaky).
listening_or_ended() { listening "$1" || ! kill -0 "$2" 2>/dev/null; }
wait_listening() {
	wait_until "${3:-30}" listening_or_ended "$1" "$2" || return 1
	listening "$1" || { echo "# process $2 ended before listening on port $1" >&2; return 1; }
}

# start_gdb_qemu QEMU-ARGS...: qemu-system-x86_64 with a gdbstub on a free
# loopback port, started in the background; sets $PORT and $QPID, its output
# goes to $BATS_TEST_TMPDIR/qemu.out.  A port someone took between our look
# and qemu's bind is retried on another (three tries); any other failure
# shows qemu's output.
start_gdb_qemu() {
	local try
	for try in 1 2 3; do
		PORT=$(free_port)
		# (started from a subshell: no job of the test's shell)
		( qemu-system-x86_64 "$@" -gdb "tcp:127.0.0.1:$PORT" \
			</dev/null >"$BATS_TEST_TMPDIR/qemu.out" 2>&1 &
		  echo $! >"$BATS_TEST_TMPDIR/qemu.pid" ) 3>&-
		QPID=$(cat "$BATS_TEST_TMPDIR/qemu.pid")
		track "$QPID"
		wait_listening "$PORT" "$QPID" && return 0
		kill -KILL "$QPID" 2>/dev/null || true
		grep -q 'in use' "$BATS_TEST_TMPDIR/qemu.out" || break
	done
	echo "# qemu-system-x86_64 did not start its gdbstub (try $try):" >&2
	sed 's/^/#   /' "$BATS_TEST_TMPDIR/qemu.out" >&2
	return 1
}

# A boot sector that spins forever at 0x7c00 (jmp $).
make_spin_bootsector() {
	{ printf '\xeb\xfe'; head -c 508 /dev/zero; printf '\x55\xaa'; } >"$1"
}

# qemu is up and has answered on its monitor (its signal handlers are in).
qemu_ready() { [ "$(session_get "$1" .accel_active)" != null ]; }

# At least N session files exist (a function, so wait_until re-evaluates it).
sessions_at_least() { [ "$(session_count)" -ge "$1" ]; }

# make_poweroff_initrd DIR: DIR/initrd.cpio, a busybox initramfs whose /init
# powers the machine off at once (userspace reached); $BUSYBOX is the binary.
make_poweroff_initrd() {
	local root=$1/root
	mkdir -p "$root/bin" "$root/proc" "$root/dev"
	cp "$BUSYBOX" "$root/bin/busybox"
	printf '%s\n' '#!/bin/busybox sh' '/bin/busybox poweroff -f' >"$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$1/initrd.cpio"
}

# Debian's python3 first: python3-jsonschema (scripts/install-deps) installs
# there, and another python3 may come earlier on PATH
for PY in /usr/bin/python3 python3; do
	"$PY" -c 'import jsonschema' 2>/dev/null && break
done
have_jsonschema() { "$PY" -c 'import jsonschema' 2>/dev/null; }

# validate FILE...: each against docs/profile-schema.json
validate() {
	"$PY" - "$KIT/docs/profile-schema.json" "$@" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv.pop(1)))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
bad = 0
for f in sys.argv[1:]:
    for e in v.iter_errors(json.load(open(f))):
        print("# %s: %s at %s" % (f, e.message, "/".join(map(str, e.path))))
        bad = 1
sys.exit(bad)
PY
}
