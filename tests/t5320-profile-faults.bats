#!/usr/bin/env bats
# A recording that something breaks: qemu killed
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
setup() { need_guest_wrapper; }

teardown() { kill_tracked; }

start_guest() {
	start_wrapped_guest
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

@test "a plain stub that says X09 or closes mid-run: incomplete with the cause; W00 stays complete" {
	[ -x "$FAKE" ] || skip "tests/helpers/fake-stub not built"
	local end want st
	for end in "send X09" "close" "send W00"; do
		case $end in
		"send X09") want="false	the stub reported the target killed by signal 9 (X09)"; st=1 ;;
		close) want="false	the gdbstub closed the connection without an exit reply"; st=1 ;;
		"send W00") want="true	exit"; st=0 ;;
		esac
		# the Z0-refusal script of t5200 up to the first continue, then END
		{ guest_kvm_script; echo "$end"; } >"$BATS_TEST_TMPDIR/s"
		start_fake "$BATS_TEST_TMPDIR/s"
		profile_fake "$BATS_TEST_TMPDIR/f.json"
		sed "s/^/# [$end] /" "$BATS_TEST_TMPDIR/rec.err"
		fake_result
		[ "$rc" -eq "$st" ] || { echo "# [$end] recorder exited $rc, expected $st"; false; }
		run jq -r 'if .complete then [.complete, .end] else [.complete, .incomplete_reason] end|@tsv' \
			"$BATS_TEST_TMPDIR/f.json"
		echo "# [$end] $output"
		[ "$output" = "$want" ]
		# no session: guest time is the recorder's clock, and it says so
		jq -r .environment.tool "$BATS_TEST_TMPDIR/f.json" | grep -q 'guest time client-clocked (no qemu-wrapper session'
	done
}
