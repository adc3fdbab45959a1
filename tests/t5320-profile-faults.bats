#!/usr/bin/env bats
# A recording that something breaks (issue 12, items 7 and 8): qemu killed
# or stopped from the host, a stub that says X or just closes, and a
# recorder that is itself stopped for a while.  None of them may pass for
# a complete boot, and a recorder that was late must not book its delay
# as guest time: the guest's time comes from QEMU's own STOP/RESUME event
# times (the wrapper's events file), and the delay shows as held time.
#
# The guest is the test guest (tests/guests) through qemu-wrapper, as in
# t5200.  The fault is injected from the recorder's progress output
# (--progress 1): a watcher reads its stderr and, 5 ms after
# "4/8 initcalls" (fake_init_delta, 30 ms of guest time, has just been
# resumed), signals qemu or the recorder.

load lib

REC=$CLIENT
GUEST_ELF=$KIT/tests/guests/build/guest.elf
GUEST_IMG=$KIT/tests/guests/build/guest.img
MILESTONES=start16,start32,start64,initcalls_done
FAKE=$BATS_TEST_DIRNAME/helpers/fake-stub

setup() {
	[ -f "$GUEST_IMG" ] || skip "test guest not built (make guest)"
	command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64"
	wrapper_env
	export QEMU_WRAPPER_QUIET=1
}

teardown() { kill_tracked; }

start_guest() {
	start_wrapper -machine pc,accel=tcg -nodefaults -display none -no-reboot -m 32 \
		-drive "file=$GUEST_IMG,format=raw,if=ide,cache=unsafe" "${EXIT_DEVICE[@]}"
	wait_until 30 have_session "$WPID"
}

# record OUT [ACTION TARGET]: record the guest to its exit into
# $BATS_TEST_TMPDIR/OUT.json, the recorder's stderr in OUT.err; $rc.  With
# ACTION, 5 ms after the recorder prints "4/8 initcalls": "stop" stops
# the recorder (SIGSTOP) for 3 s, a signal name sends it to TARGET.
# $MS: the milestones (default $MILESTONES).
record() {
	local out=$BATS_TEST_TMPDIR/$1 fifo=$BATS_TEST_TMPDIR/$1.fifo sub pid
	rm -f "$fifo" "$out.rc"
	mkfifo "$fifo"
	# no `timeout` in front: SIGSTOP must reach the recorder itself; its
	# --timeout and the bounded wait below bound it
	( rc=0; "$REC" profile --wait --timeout 30 --kernel "$GUEST_ELF" --milestones "${MS:-$MILESTONES}" \
		--progress 1 -o "$out.json" 2>"$fifo" || rc=$?
	  echo "$rc" >"$out.rc" ) 3>&- &
	sub=$!
	track "$sub"
	# (the subshell's only child: the recorder, opening the fifo)
	wait_until 10 pgrep -P "$sub" >/dev/null
	pid=$(pgrep -P "$sub" | head -1)
	track "$pid"
	python3 - "$fifo" "$out.err" "${2:-none}" "${3:-$pid}" <<'PY' &
import os, re, signal, sys, time
fifo, out, action, target = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
seen = b''
with open(fifo, 'rb', buffering=0) as f, open(out, 'wb', buffering=0) as o:
    while True:
        b = f.read(4096)
        if not b:
            break
        o.write(b)
        if action == 'none':
            continue
        seen += b
        if re.search(rb'4/8 initcalls', seen):
            time.sleep(0.005)
            if action == 'stop':
                os.kill(target, signal.SIGSTOP)
                time.sleep(3)
                os.kill(target, signal.SIGCONT)
            else:
                os.kill(target, getattr(signal, action))
            o.write(b'\n(test: %s sent to %d)\n' % (action.encode(), target))
            action = 'none'
PY
	track $!
	wait_until 90 test -s "$out.rc" || kill -KILL "$pid"
	rc=$(cat "$out.rc" 2>/dev/null || echo timeout)
	wait_until 10 grep -q '^profile: wrote \|^gdbstub-client: ' "$out.err" || true
	sed 's/^/# /' "$out.err"
}

# jq on OUT.json
pj() { jq -r "$2" "$BATS_TEST_TMPDIR/$1.json"; }

@test "qemu killed with SIGKILL mid-profile: incomplete, the cause named, exit 1, the profile written" {
	start_guest
	record k SIGKILL "$(session_get "$WPID" .qemu_pid)"
	[ "$rc" = 1 ] || { echo "# recorder exited $rc, expected 1"; false; }
	[ -s "$BATS_TEST_TMPDIR/k.json" ]
	run pj k '[.complete, .incomplete_reason]|@tsv'
	echo "# $output"
	[ "$output" = "$(printf 'false\tqemu was killed by SIGKILL')" ]
	pj k .environment.tool | grep -q '; ended: qemu was killed by SIGKILL'
	# what was seen is kept; the early-end warning does not blame the guest
	[ "$(pj k '.initcalls|length')" -ge 4 ]
	grep -q '^gdbstub-client: warning: qemu exited in .*, before initcalls_done: qemu was killed by SIGKILL$' \
		"$BATS_TEST_TMPDIR/k.err"
	! grep -q 'the guest ended there' "$BATS_TEST_TMPDIR/k.err"
}

@test "the recorder killed with SIGKILL mid-run: the wrapper releases the guest, which boots to its end" {
	start_guest
	record kk SIGKILL
	[ "$rc" = 137 ] || [ "$rc" = timeout ] || true
	# nothing can be written by a SIGKILLed process; the guest must not
	# stay stopped at the recorder's next breakpoint or watchpoint
	wait_until 30 test -e "$BATS_TEST_TMPDIR/wrapper.rc" || {
		echo "# the guest is still held; wrapper log:"; cut -c25-220 "$QEMU_WRAPPER_LOG"; false; }
	grep -q 'event: debugger gone' "$QEMU_WRAPPER_LOG"
	grep -q 'event: qemu exited with status' "$QEMU_WRAPPER_LOG"
	! grep -q 'killed by signal' "$QEMU_WRAPPER_LOG"
}

@test "qemu stopped with SIGTERM mid-profile: W00 came, but the host ended it: incomplete" {
	start_guest
	record t SIGTERM "$(session_get "$WPID" .qemu_pid)"
	[ "$rc" = 1 ] || { echo "# recorder exited $rc, expected 1"; false; }
	run pj t '[.complete, .incomplete_reason]|@tsv'
	echo "# $output"
	[ "$output" = "$(printf 'false\tqemu exited on a signal from the host (shutdown reason host-signal)')" ]
}

@test "SIGTERM once every milestone was reached (how libguestfs ends its appliance): complete, and said" {
	start_guest
	MS=start16,start32,start64 record t2 SIGTERM "$(session_get "$WPID" .qemu_pid)"
	[ "$rc" = 0 ] || { echo "# recorder exited $rc, expected 0"; false; }
	run pj t2 '[.complete, .end]|@tsv'
	echo "# $output"
	[ "$output" = "$(printf 'true\texit')" ]
	pj t2 .environment.tool | grep -q '; ended: qemu exited on a signal from the host (shutdown reason host-signal), after the last milestone (start64)'
}

@test "the recorder stopped for 3 s mid-run: complete, the guest time as undisturbed, the delay held" {
	start_guest
	record plain
	[ "$rc" = 0 ] || { echo "# undisturbed run: recorder exited $rc"; false; }
	wait_until 10 test -s "$BATS_TEST_TMPDIR/wrapper.rc"
	start_guest
	record stopped stop
	[ "$rc" = 0 ] || { echo "# stopped run: recorder exited $rc, expected 0"; false; }
	grep -q '(test: stop sent to ' "$BATS_TEST_TMPDIR/stopped.err"
	[ "$(pj stopped .complete)" = true ]
	pj stopped .environment.tool | grep -q "guest time on QEMU's clock"
	# end_ns: the whole boot, firmware included (its time varies with the
	# host's load by tens of ms); the initcalls: 69 ms of TSC spins
	python3 - "$BATS_TEST_TMPDIR/plain.json" "$BATS_TEST_TMPDIR/stopped.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
ic = lambda p: sum(i['duration_ns'] for i in p['initcalls'])
print('# undisturbed: guest %.1f ms, initcalls %.1f ms, held %.1f ms'
      % (a['end_ns'] / 1e6, ic(a) / 1e6, a['stops']['client_ns'] / 1e6))
print('# stopped 3 s: guest %.1f ms, initcalls %.1f ms, held %.1f ms'
      % (b['end_ns'] / 1e6, ic(b) / 1e6, b['stops']['client_ns'] / 1e6))
bad = []
if abs(b['end_ns'] - a['end_ns']) > 0.5e9:
    bad.append('guest time %.1f ms, undisturbed %.1f ms (over 500 ms apart)'
               % (b['end_ns'] / 1e6, a['end_ns'] / 1e6))
if abs(ic(b) - ic(a)) > 20e6:
    bad.append('initcalls %.1f ms, undisturbed %.1f ms (over 20 ms apart)'
               % (ic(b) / 1e6, ic(a) / 1e6))
if b['stops']['client_ns'] < 2.5e9:
    bad.append('held %.1f ms, expected the 3 s stop in it' % (b['stops']['client_ns'] / 1e6))
for x in bad:
    print('FAIL: ' + x)
sys.exit(1 if bad else 0)
PY
}

# The fake stub, scripted like QEMU under KVM up to the first continue
# (t5200's Z0-refusal script), which it answers with END: "send X09",
# "send W00" or "close".
fake_stub_script() {
	le64() { local v; v=$(printf '%016x' "$1"); echo "${v:14:2}${v:12:2}${v:10:2}${v:8:2}${v:6:2}${v:4:2}${v:2:2}${v:0:2}"; }
	le32() { local v; v=$(printf '%08x' "$1"); echo "${v:6:2}${v:4:2}${v:2:2}${v:0:2}"; }
	gregs() {
		local g="" n
		for n in rax rbx rcx rdx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15; do
			g+=$(le64 0)
		done
		g+=$(le64 "$1")$(le32 2)
		for n in 1 2 3 4 5 6; do g+=$(le32 0); done
		g+=$(le64 0)$(le64 0)$(le64 0)$(le64 "$2")$(le64 0)$(le64 0)$(le64 0)$(le64 0)$(le64 0)
		echo "$g"
	}
	local tdesc='l<?xml version="1.0"?><target><architecture>i386:x86-64</architecture><feature name="org.gnu.gdb.i386.core">' r i
	for r in rax rbx rcx rdx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15 rip; do
		tdesc+="<reg name=\"$r\" bitsize=\"64\"/>"
	done
	tdesc+='<reg name="eflags" bitsize="32"/>'
	for r in cs ss ds es fs gs; do tdesc+="<reg name=\"$r\" bitsize=\"32\"/>"; done
	for r in fs_base gs_base k_gs_base cr0 cr2 cr3 cr4 cr8 efer; do
		tdesc+="<reg name=\"$r\" bitsize=\"64\"/>"
	done
	tdesc+='</feature></target>'
	local img
	img=$(python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); o=0x7c00
print(b[0x9160-o:0x9180-o].hex()); print(b[0x80c0-o:0x80f4-o].hex()); print(b[0x80cb-o:0x80db-o].hex())' "$GUEST_IMG")
	cat <<-EOS
	expect qSupported*
	reply PacketSize=1000;qXfer:features:read+;vContSupported+
	expect qSupported*
	reply PacketSize=1000;qXfer:features:read+;vContSupported+
	expect qXfer:features:read:target.xml:0,*
	reply $tdesc
	expect vCont?
	reply vCont;c;C;s;S
	expect ?
	reply T05thread:01;
	expect g
	reply $(gregs 0xfff0 0x60000010)
	expect Z0,7eb0,1
	reply E22
	expect Z1,7eb0,1
	reply OK
	expect m9160,20
	reply $(echo "$img" | sed -n 1p)
	expect m80c0,34
	reply $(echo "$img" | sed -n 2p)
	expect m80cb,10
	reply $(echo "$img" | sed -n 3p)
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
		echo "reply $(gregs 0xfff0 0x60000010)"
		echo "expect vCont;s*"
		echo "reply T05thread:01;"
	done
	echo "expect vCont;c"
	echo "$1"
}

@test "a plain stub that says X09 or closes mid-run: incomplete with the cause; W00 stays complete" {
	[ -x "$FAKE" ] || skip "tests/helpers/fake-stub not built"
	local end want st
	for end in "send X09" "close" "send W00"; do
		case $end in
		"send X09") want="false	the stub reported the target killed by signal 9 (X09)"; st=1 ;;
		close) want="false	the gdbstub closed the connection without an exit reply"; st=1 ;;
		"send W00") want="true	exit"; st=0 ;;
		esac
		fake_stub_script "$end" >"$BATS_TEST_TMPDIR/s"
		rm -f "$BATS_TEST_TMPDIR/fake.port" "$BATS_TEST_TMPDIR/fake.rc"
		( "$FAKE" --listen -f "$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/fake.port" \
			2>"$BATS_TEST_TMPDIR/fake.err"; echo $? >"$BATS_TEST_TMPDIR/fake.rc" ) 3>&- &
		track $!
		wait_until 30 test -s "$BATS_TEST_TMPDIR/fake.port"
		rc=0
		timeout 30 "$REC" profile "127.0.0.1:$(head -1 "$BATS_TEST_TMPDIR/fake.port")" --timeout 10 \
			--kernel "$GUEST_ELF" --milestones start64 -o "$BATS_TEST_TMPDIR/f.json" \
			2>"$BATS_TEST_TMPDIR/rec.err" || rc=$?
		sed "s/^/# [$end] /" "$BATS_TEST_TMPDIR/rec.err"
		wait_until 10 test -s "$BATS_TEST_TMPDIR/fake.rc"
		[ "$(cat "$BATS_TEST_TMPDIR/fake.rc")" = 0 ] ||
			{ sed 's/^/# fake-stub: /' "$BATS_TEST_TMPDIR/fake.err"; false; }
		[ "$rc" -eq "$st" ] || { echo "# [$end] recorder exited $rc, expected $st"; false; }
		run jq -r 'if .complete then [.complete, .end] else [.complete, .incomplete_reason] end|@tsv' \
			"$BATS_TEST_TMPDIR/f.json"
		echo "# [$end] $output"
		[ "$output" = "$want" ]
		# no session: guest time is the recorder's clock, and it says so
		jq -r .environment.tool "$BATS_TEST_TMPDIR/f.json" | grep -q 'guest time client-clocked (no qemu-wrapper session'
	done
}
