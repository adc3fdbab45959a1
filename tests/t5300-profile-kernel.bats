#!/usr/bin/env bats
# The boot recorder against the Debian kernel under TCG: one boot, shared by
# every test (setup_file), through qemu-wrapper, with
# "nokaslr initcall_debug ignore_loglevel console=ttyS0" and a busybox
# initramfs whose /init powers off at once.  The kernel's own initcall_debug
# lines on the serial port are the reference:
#   - every initcall it calls (pid != 0: the console initcalls that
#     start_kernel runs itself are not do_one_initcall's) is in the profile,
#     in the same order, with the same return value;
#   - durations of 1 ms and more, from clocksource_done_booting on (before
#     it the kernel's clock is jiffies: 4 ms steps), agree with 'returned R
#     after N usecs' to a median relative error of 5 %, once the cost of
#     the recorder's own return-site stop is taken out of the kernel's
#     number (it is inside the kernel's measurement, after fn returned: see
#     tests/helpers/profile-vs-initcall-debug.py; the uncorrected figure is
#     printed too);
#   - the phases tile the boot: they start where the previous one ended
#     except between initcall levels (SMP bring-up and the like, no phase),
#     and the phases plus those gaps equal the guest running time exactly;
#     the gaps must stay under 2 % of it.
# One boot takes ~14 s of wall time with the recorder (5 s without: the
# 1352 debug stops cost the rest).  KERNEL_TEST_KERNEL=/path overrides.

load lib

REC=$CLIENT
CMP=$KIT/tests/helpers/profile-vs-initcall-debug.py

setup_file() {
	KERNEL=${KERNEL_TEST_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | head -1)}
	BUSYBOX=$(command -v busybox || true)
	export KERNEL BUSYBOX
	D=$BATS_FILE_TMPDIR
	export D
	[ -x "$REC" ] && [ -n "$KERNEL" ] && [ -r "$KERNEL" ] && [ -n "$BUSYBOX" ] || return 0
	command -v qemu-system-x86_64 >/dev/null && command -v cpio >/dev/null || return 0

	make_poweroff_initrd "$D" || return 1

	export QEMU_WRAPPER_RUNDIR=$D/run QEMU_WRAPPER_QUIET=1
	unset QEMU_WRAPPER_APPEND QEMU_WRAPPER_HOLD QEMU_WRAPPER_GDB QEMU_WRAPPER_MODE
	( rc=0; timeout 200 "$KIT/wrapper/qemu-wrapper" -machine accel=tcg -m 512 \
		-display none -monitor none -nodefaults -no-reboot \
		-kernel "$KERNEL" -initrd "$D/initrd.cpio" \
		-append "console=ttyS0 nokaslr initcall_debug ignore_loglevel panic=-1 rdinit=/init" \
		-serial "file:$D/console.log" </dev/null >"$D/qemu.out" 2>&1 || rc=$?
	  echo "$rc" >"$D/qemu.rc" ) 3>&- &
	local rc=0 t0 t1
	t0=$(date +%s%N)
	timeout 200 "$REC" profile --wait --timeout 180 --initcalls=breakpoints -o "$D/profile.json" \
		2>"$D/rec.err" || rc=$?
	echo "$rc" >"$D/rec.rc"
	wait
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000)) >"$D/wall.ms"
	python3 "$CMP" "$D/profile.json" "$D/console.log" 1000 >"$D/cmp.json" || true
}

setup() {
	[ -n "${KERNEL:-}" ] && [ -r "$KERNEL" ] || skip "no readable kernel in /boot"
	[ -n "${BUSYBOX:-}" ] || skip "no busybox (busybox-static)"
	[ -f "$D/rec.rc" ] || skip "no qemu-system-x86_64 or cpio"
}

@test "the recording is complete and the guest powered off" {
	sed 's/^/# /' "$D/rec.err" | grep -v '/666 initcalls' >&3
	echo "# wall time $(cat "$D/wall.ms") ms; qemu exit $(cat "$D/qemu.rc")" >&3
	[ "$(cat "$D/rec.rc")" -eq 0 ] || { echo "# recorder exited $(cat "$D/rec.rc")"; return 1; }
	[ "$(cat "$D/qemu.rc")" -eq 0 ]
	run jq -r '[.complete, .end, .environment.cmdline]|@tsv' "$D/profile.json"
	[[ "$output" == "true	exit	"*nokaslr* ]]
}

@test "every initcall the kernel called, in its order" {
	run jq -r '[.kernel_initcalls, .profile_initcalls, .same_order, (.first_difference|tostring)]|@tsv' "$D/cmp.json"
	echo "# kernel, profile, same order, first difference: $output" >&3
	[ "$(jq .kernel_initcalls "$D/cmp.json")" -gt 500 ]
	[ "$(jq .same_order "$D/cmp.json")" = true ]
	# and nothing the kernel did not call
	[ "$(jq .kernel_initcalls "$D/cmp.json")" -eq "$(jq .profile_initcalls "$D/cmp.json")" ]
}

@test "return values agree with initcall_debug" {
	run jq -r '.n_return_mismatches, (.return_mismatches|tostring)' "$D/cmp.json"
	echo "# mismatches: $output"
	[ "$(jq .n_return_mismatches "$D/cmp.json")" -eq 0 ]
	# (and the kernel printed every return: none skipped by the recorder)
	[ "$(jq .kernel_returned "$D/cmp.json")" -eq "$(jq .kernel_initcalls "$D/cmp.json")" ]
	# some initcalls do fail (-ENODEV and the like): they are seen
	[ "$(jq '[.initcalls[]|select(.ret != 0)]|length' "$D/profile.json")" -gt 5 ]
}

@test "durations of initcalls >= 1 ms agree with initcall_debug (median error <= 5 %)" {
	jq -r '"# \(.n_compared) initcalls >= 1 ms compared; return-site stop cost in the kernel'"'"'s numbers \(.return_stop_cost_us) us (from \(.n_trivial) trivial ones); median error \((.corrected_median_rel_err*1000|round)/10) % corrected, \((.median_rel_err*1000|round)/10) % raw"' "$D/cmp.json" >&3
	jq -r '.worst[:5][]|"#   \(.fn): kernel \(.kernel_us) us, profile \(.profile_us) us"' "$D/cmp.json"
	[ "$(jq '.n_compared' "$D/cmp.json")" -ge 100 ]
	python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["corrected_median_rel_err"]; sys.exit(0 if e <= 0.05 else 1)' "$D/cmp.json"
}

@test "the phases tile the boot's guest running time" {
	python3 - "$D/profile.json" <<'PY' >&3
import json, sys
p = json.load(open(sys.argv[1]))
ph = [x for x in p['phases'] if x['id'] != 'qemu']
want = ['firmware', 'setup', 'decompressor', 'kernel-early', 'kernel-init',
        'initcalls:early', 'initcalls:pure', 'initcalls:core', 'initcalls:postcore',
        'initcalls:arch', 'initcalls:subsys', 'initcalls:fs', 'initcalls:rootfs',
        'initcalls:device', 'initcalls:late', 'userspace-start', 'userspace']
ids = [x['id'] for x in ph]
assert ids == want, 'phases %s, expected %s' % (ids, want)
t, gaps = 0, 0
for x in ph:
    assert x['start_ns'] >= t, '%s starts at %d, before %d' % (x['id'], x['start_ns'], t)
    g = x['start_ns'] - t
    if g:
        assert x['id'].startswith('initcalls:'), 'gap of %d ns before %s' % (g, x['id'])
    gaps += g
    t = x['start_ns'] + x['duration_ns']
total = sum(x['duration_ns'] for x in ph)
end = p['end_ns']
print('# phases %.1f ms + gaps between initcall levels %.1f ms = %.1f ms; guest running time %.1f ms'
      % (total / 1e6, gaps / 1e6, (total + gaps) / 1e6, end / 1e6))
q = [x for x in p['phases'] if x['id'] == 'qemu']
print('# qemu start to first instruction %.1f ms' % (q[0]['duration_ns'] / 1e6) if q else '# no qemu phase')
assert t == end, 'the last phase ends at %d, the recording at %d' % (t, end)
assert total + gaps == end
assert gaps <= 0.02 * end, 'gaps %.1f ms are more than 2 %% of the boot' % (gaps / 1e6)
PY
}

@test "one breakpoint stop and one watch stop per initcall, no single step, no interrupt stop" {
	run jq -r '[.stops.debug_stops, .stops.watch_stops, .stops.interrupt_stops, .stops.client_ns, .stops.median_ns, (.initcalls|length)]|@tsv' "$D/profile.json"
	echo "# debug stops, watch stops, interrupt stops, client ns, median ns per stop, initcalls: $output" >&3
	local n
	n=$(jq '.initcalls|length' "$D/profile.json")
	# + 5 milestones + 15 calibration steps at the reset vector
	[ "$(jq .stops.debug_stops "$D/profile.json")" -eq $((n + 20)) ]
	[ "$(jq .stops.watch_stops "$D/profile.json")" -eq "$n" ]
	[ "$(jq .stops.interrupt_stops "$D/profile.json")" -eq 0 ]
	grep -q '(0 steps)' "$D/rec.err"
	grep -q 'retpoline thunk' "$D/rec.err"
	# half of them watchpoint stops (initcall starts: no translation
	# flush), the other half at the one breakpoint after the return site;
	# with initcall_debug on, the NOP there is the tracepoint's jump, which
	# the recorder follows (the kernel's "returned" lines are all there:
	# test 3 compares them)
	grep -q "^profile: watch stops $n (.*; $n tied to their initcall by a register)" "$D/rec.err"
	grep -q 'read watchpoint on blacklisted_initcalls' "$D/rec.err"
	! grep -q 'changed (a tracepoint switched' "$D/rec.err"
	[ "$(jq '.kernel_returned' "$D/cmp.json")" -eq "$n" ]
}
