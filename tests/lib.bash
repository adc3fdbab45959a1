# tests/lib.bash: helpers shared by the bats files.  Every wait is bounded;
# every process a test starts is recorded and killed in teardown.

KIT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
WRAPPER=$KIT/wrapper/qemu-wrapper
CLIENT=$KIT/gdbstub-client/gdbstub-client
REAL_QEMU=$(command -v qemu-system-x86_64)
# the installed Debian kernel, whatever its version (security updates replace it)
VMLINUZ=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)

# The test guest (tests/guests), built by make test-programs.
GUEST_ELF=$KIT/tests/guests/build/guest.elf
GUEST_IMG=$KIT/tests/guests/build/guest.img

# the test guest's milestones, in boot order
MILESTONES=start16,start32,start64,initcalls_done

# need_client, need_qemu, need_guest: skip the test without them.
need_client() { [ -x "$CLIENT" ] || skip "gdbstub-client not built"; }
need_qemu() { command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64"; }
need_guest() {
	[ -f "$GUEST_IMG" ] || skip "test guest not built (make guest)"
	need_qemu
}
# need_guest_wrapper: need_guest, and a quiet wrapper environment (wrapper_env)
need_guest_wrapper() {
	need_guest
	wrapper_env
	export QEMU_WRAPPER_QUIET=1
}

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
# WRAPPER_RUN=(env --ignore-signal=HUP): a command the wrapper is run
# through, which must exec it (the wrapper is the subshell's child).
start_wrapper() {
	# (bats runs with errexit: keep a failing status from ending the subshell)
	( rc=0; ${WRAPPER_RUN[@]+"${WRAPPER_RUN[@]}"} "$WRAPPER" "$@" \
		>"$BATS_TEST_TMPDIR/wrapper.out" \
		2>"$BATS_TEST_TMPDIR/wrapper.err" </dev/null || rc=$?
	  echo "$rc" >"$BATS_TEST_TMPDIR/wrapper.rc" ) 3>&- &
	# $! is the subshell; the wrapper is its only child
	local sub=$!
	track "$sub"
	wait_until 30 pgrep -P "$sub" >/dev/null
	WPID=$(pgrep -P "$sub" | head -1)
	track "$WPID"
}

# start_session ARGS...: start_wrapper, until its session file exists.
start_session() {
	start_wrapper "$@"
	wait_until 10 have_session "$WPID"
}

# exit_guest: $GUEST, a bare guest whose boot sector makes qemu exit 33
exit_guest() {
	make_exit_bootsector "$BATS_TEST_TMPDIR/exit.img" 0x10
	GUEST=("${BARE_GUEST[@]}" "${EXIT_DEVICE[@]}"
	       -drive "file=$BATS_TEST_TMPDIR/exit.img,format=raw,if=ide")
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

# start_wrapped_guest: the test guest held at its reset vector by
# qemu-wrapper, its disk cache=unsafe: a stop (vm_stop) flushes the disk,
# and a real fsync would add milliseconds of jitter to every stop.
start_wrapped_guest() {
	start_wrapper -machine pc,accel=tcg -nodefaults -display none -no-reboot -m 32 \
		-drive "file=$GUEST_IMG,format=raw,if=ide,cache=unsafe" "${EXIT_DEVICE[@]}"
}

# qemu is up and has answered on its monitor (its signal handlers are in).
qemu_ready() { [ "$(session_get "$1" .accel_active)" != null ]; }

# At least N session files exist (a function, so wait_until re-evaluates it).
sessions_at_least() { [ "$(session_count)" -ge "$1" ]; }

# make_poweroff_initrd DIR: DIR/initrd.cpio, a busybox initramfs whose /init
# powers the machine off at once (userspace reached); $BUSYBOX is the binary.
make_poweroff_initrd() {
	make_init_initrd "$1/initrd.cpio" '/bin/busybox poweroff -f'
}

# make_init_initrd OUT LINE...: a busybox ($BUSYBOX) initramfs whose /init
# (a busybox sh script) runs LINE...; sleep, ps and poweroff are applets
# by their own names too (their processes' comm is the name)
make_init_initrd() {
	local out=$1 root
	shift
	root=$(mktemp -d "$(dirname "$out")/root.XXXXXX")
	mkdir -p "$root/bin" "$root/proc" "$root/dev"
	cp "$BUSYBOX" "$root/bin/busybox"
	ln -s busybox "$root/bin/sleep"
	ln -s busybox "$root/bin/ps"
	ln -s busybox "$root/bin/poweroff"
	printf '%s\n' '#!/bin/busybox sh' "$@" >"$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$out"
}

# The Linux kernels to check on: $KERNEL_TEST_KERNEL alone, else $KERNEL
# (the installed one) and every fetched one (scripts/fetch-test-kernels).
test_kernels() {
	if [ -n "${KERNEL_TEST_KERNEL:-}" ]; then
		echo "$KERNEL_TEST_KERNEL"
		return
	fi
	echo "$KERNEL"
	ls "$KIT"/tests/helpers/kernels/vmlinuz-* 2>/dev/null || true
}

# Setup for a test of a Debian kernel booted to a busybox initramfs:
# skips without the client, qemu, a kernel, busybox or cpio; sets KERNEL,
# BUSYBOX, D and the wrapper's environment.
linux_guest_setup() {
	need_client
	need_qemu
	KERNEL=${KERNEL_TEST_KERNEL:-$VMLINUZ}
	[ -n "$KERNEL" ] && [ -r "$KERNEL" ] || skip "no readable kernel in /boot"
	BUSYBOX=$(command -v busybox || true)
	[ -n "$BUSYBOX" ] || skip "no busybox (busybox-static)"
	command -v cpio >/dev/null || skip "no cpio"
	wrapper_env
	export QEMU_WRAPPER_QUIET=1 XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
	D=$BATS_TEST_TMPDIR
}

# start_linux_guest KERNEL INITRD [QEMU ARGS...]: a Debian kernel booted
# to a busybox initramfs under TCG through qemu-wrapper, held at the reset
# vector, its console in $D/console.log; returns once the session exists.
start_linux_guest() {
	local k=$1 initrd=$2
	shift 2
	start_session -machine pc,accel=tcg -m 512 -display none -nodefaults \
		-no-reboot -kernel "$k" -initrd "$initrd" \
		-append "console=ttyS0 nokaslr panic=-1 rdinit=/init" \
		-serial "file:$D/console.log" "$@"
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

# expect_line REGEX: $output has a line matching the extended regex.
expect_line() {
	grep -Eq -- "$1" <<<"$output" || {
		echo "# expected a line matching '$1', saw:"
		sed 's/^/#   /' <<<"$output"
		false
	}
}

# expect_status N: $status (of `run`) is N, or show it and $output.
expect_status() {
	[ "$status" -eq "$1" ] || { echo "# expected status $1, saw $status"; echo "$output"; false; }
}

# --- the scripted fake stub (tests/helpers/fake-stub) ---------------------
FAKE=$KIT/tests/helpers/fake-stub

# start_fake SCRIPTFILE: the fake stub on a free loopback port, playing
# SCRIPTFILE; sets $FPORT.  Its stderr goes to fake.err, its status to
# fake.rc (read by fake_result).
start_fake() {
	rm -f "$BATS_TEST_TMPDIR/fake.port" "$BATS_TEST_TMPDIR/fake.rc"
	( "$FAKE" --listen -f "$1" >"$BATS_TEST_TMPDIR/fake.port" \
		2>"$BATS_TEST_TMPDIR/fake.err"; echo $? >"$BATS_TEST_TMPDIR/fake.rc" ) 3>&- &
	track $!
	wait_until 30 test -s "$BATS_TEST_TMPDIR/fake.port"
	FPORT=$(head -1 "$BATS_TEST_TMPDIR/fake.port")
}

# fake_result: the fake stub played its whole script (else its stderr and
# $output are shown).
fake_result() {
	wait_until 10 test -s "$BATS_TEST_TMPDIR/fake.rc"
	[ "$(cat "$BATS_TEST_TMPDIR/fake.rc")" = 0 ] || {
		echo "# the fake stub's script failed:"; sed 's/^/#   /' "$BATS_TEST_TMPDIR/fake.err"
		echo "# client output:"; sed 's/^/#   /' <<<"$output"
		false
	}
}

# le64 VALUE, le32 VALUE: 16 or 8 hex digits, little-endian
le64() { local v; v=$(printf '%016x' "$1"); echo "${v:14:2}${v:12:2}${v:10:2}${v:8:2}${v:6:2}${v:4:2}${v:2:2}${v:0:2}"; }
le32() { local v; v=$(printf '%08x' "$1"); echo "${v:6:2}${v:4:2}${v:2:2}${v:0:2}"; }

# QEMU's x86-64 target description, as the 'l' reply to qXfer:features:read
x86_64_tdesc() {
	local t r
	t='l<?xml version="1.0"?><target><architecture>i386:x86-64</architecture><feature name="org.gnu.gdb.i386.core">'
	for r in rax rbx rcx rdx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15 rip; do
		t+="<reg name=\"$r\" bitsize=\"64\"/>"
	done
	t+='<reg name="eflags" bitsize="32"/>'
	for r in cs ss ds es fs gs; do t+="<reg name=\"$r\" bitsize=\"32\"/>"; done
	for r in fs_base gs_base k_gs_base cr0 cr2 cr3 cr4 cr8 efer; do
		t+="<reg name=\"$r\" bitsize=\"64\"/>"
	done
	echo "$t</feature></target>"
}

# x86_64_gregs RIP RSP RDI CR0 EFER CS SEG: a 'g' reply in QEMU's x86-64
# layout, every other register 0 (eflags 2), SEG in ss, ds, es, fs and gs.
x86_64_gregs() {
	local g="" n v
	for n in rax rbx rcx rdx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15; do
		v=0; [ $n = rsp ] && v=$2; [ $n = rdi ] && v=$3
		g+=$(le64 "$v")
	done
	g+=$(le64 "$1")$(le32 2)$(le32 "$6")
	for n in 1 2 3 4 5; do g+=$(le32 "$7"); done
	g+=$(le64 0)$(le64 0)$(le64 0)$(le64 "$4")$(le64 0)$(le64 0)$(le64 0)$(le64 0)$(le64 "$5")
	echo "$g"
}

# guest_kvm_script: what the fake stub plays to `profile` on the test guest
# ($GUEST_IMG) like QEMU under KVM, up to the first continue (the last line
# is "expect vCont;c"): software breakpoints refused ('E22'), so the
# milestone start64 and the call and return sites in do_one_initcall become
# hardware ones; the guest's initcall table and code read from its image.
guest_kvm_script() {
	local img i
	img=$(python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); o=0x7c00
print(b[0x9160-o:0x9180-o].hex()); print(b[0x80c0-o:0x80f4-o].hex()); print(b[0x80cb-o:0x80db-o].hex())' "$GUEST_IMG")
	cat <<-EOS
	expect qSupported*
	reply PacketSize=1000;qXfer:features:read+;vContSupported+
	expect qSupported*
	reply PacketSize=1000;qXfer:features:read+;vContSupported+
	expect qXfer:features:read:target.xml:0,*
	reply $(x86_64_tdesc)
	expect vCont?
	reply vCont;c;C;s;S
	expect ?
	reply T05thread:01;
	expect g
	reply $(x86_64_gregs 0xfff0 0 0 0x60000010 0 0 0)
	expect Z0,7eb0,1
	reply E22
	expect Z1,7eb0,1
	reply OK
	expect m9160,20
	reply $(sed -n 1p <<<"$img")
	expect m80c0,34
	reply $(sed -n 2p <<<"$img")
	expect m80cb,10
	reply $(sed -n 3p <<<"$img")
	expect Z0,80cb,1
	reply E22
	expect Z1,80cb,1
	reply OK
	expect Z0,80c9,1
	reply E22
	expect Z1,80c9,1
	reply OK
	EOS
	for i in $(seq 15); do
		echo "expect g"
		echo "reply $(x86_64_gregs 0xfff0 0 0 0x60000010 0 0 0)"
		echo "expect vCont;s*"
		echo "reply T05thread:01;"
	done
	echo "expect vCont;c"
}

# profile_fake OUT.json: `profile` of the test guest ($GUEST_ELF) through
# the fake stub started by start_fake, milestone start64; its status in
# $rc, its stderr in $BATS_TEST_TMPDIR/rec.err.
profile_fake() {
	rc=0
	timeout 30 "$CLIENT" profile "127.0.0.1:$FPORT" --timeout 10 \
		--kernel "$GUEST_ELF" --milestones start64 -o "$1" \
		2>"$BATS_TEST_TMPDIR/rec.err" || rc=$?
}

# --- kernel-symbols (t4xxx) -----------------------------------------------
KS=$KIT/kernel-symbols/kernel-symbols

# ksym_env <MAPLINES: an empty symbol cache private to the test, no
# KSYM_ROOT; $T is the test's directory and $MAP a System.map there: the
# kernel's start (_text and startup_64 at ffffffff81000000), then MAPLINES.
ksym_env() {
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
	unset KSYM_ROOT
	T=$BATS_TEST_TMPDIR
	MAP=$T/System.map
	{
		echo "ffffffff81000000 T _text"
		echo "ffffffff81000000 T startup_64"
		cat
	} >"$MAP"
}

# ks ARGS...: run kernel-symbols, stdout and stderr apart, bounded.
ks() { run --separate-stderr timeout 60 "$KS" "$@"; }

# exit_is STATUS: $status (of `run --separate-stderr`) is STATUS, or show
# it and $stderr.
exit_is() {
	[ "$status" -eq "$1" ] ||
		{ echo "# expected exit $1, saw $status; stderr: $stderr"; return 1; }
}

# fails STATUS GLOB: exit STATUS, nothing on stdout, and one line on stderr
# matching GLOB (bash pattern; quote what must match literally).
fails() {
	exit_is "$1" || return 1
	if [ -n "$output" ]; then
		echo "# expected nothing on stdout, saw: $output"
		return 1
	fi
	if [ "${#stderr_lines[@]}" -ne 1 ]; then
		echo "# expected one line on stderr, saw ${#stderr_lines[@]}: $stderr"
		return 1
	fi
	# shellcheck disable=SC2053  # $2 is a pattern
	if [[ "${stderr_lines[0]}" != $2 ]]; then
		echo "# expected a line matching: $2"
		echo "# saw:                      ${stderr_lines[0]}"
		return 1
	fi
}
