#!/usr/bin/env bats
# The recorder judged against boots WITHOUT a debugger.  Comparing a
# profile with initcall_debug in the same boot (t5300) cannot show what the
# debugger costs the guest: the kernel's clock there pays it too.  So, per
# kernel (the installed /boot one, and the 5.10 and 6.12 that
# scripts/fetch-test-kernels puts in tests/helpers/kernels, each skipped
# when absent), through qemu-wrapper to a busybox poweroff:
#   - 4 truth boots, no debugger (QEMU_WRAPPER_HOLD=0), "initcall_debug
#     log_buf_len=4M", whose initramfs writes the guest's own dmesg to its
#     second serial port at the end (scripts/make-initramfs --dmesg): the
#     kernel's 'returned R after N usecs' records, the median of the
#     three per initcall, are the truth (KERN_DEBUG: no console printed
#     them while the initcalls ran; with ignore_loglevel the UART output
#     lands in some initcalls, ~1 ms each);
#   - 4 boots recorded by `gdbstub-client profile` (its default mode) with
#     the same command line minus "initcall_debug log_buf_len=4M", each
#     initcall's median over the four taken as the truth's is (one
#     truth boot against the median of the others is 3-14 % off here: a
#     single profile boot carries that noise; the one-profile figures are
#     printed too);
# and tests/helpers/truth-compare.py over the initcalls of >= 1 ms that ran
# after clocksource_done_booting: the median relative error must be
# <= 10 % and 16 of the 20 slowest initcalls by the truth must be among the
# profile's 20 slowest.  Except that this host's speed drifts from boot to
# boot (up to ~40 % on some initcalls between two minutes; half the truth
# boots against the other half: 3-33 % in runs here), so the error bound
# is the goal or, where the truth itself is further off, what half the
# truth boots show against the other half in the same run (the floor a
# perfect recorder meets; x1.25 for that estimate's own noise), and the
# median signed error within the same bound (the breakpoint schemes were
# +200-400 %).
#
# The default mode is --initcalls=klog (the kernel's own records, read
# from guest memory at stops that flush nothing); the breakpoint schemes
# were ~200-400 % off here.  The 20 slowest by the truth rank the
# initcalls before clocksource_done_booting by the console's timestamps
# (their figures are jiffy-quantized), see truth-compare.py.
#
# Boots run two at a time only with 4 cores or more: a TCG guest keeps one
# core busy with its vCPU and more with QEMU's main loop (and the
# recorder), and two boots side by side on 2 cores made the truth itself
# useless: one truth boot against the median of the others was 45-65 % off
# (17 % one at a time), and the initcall sums nearly doubled.  All
# kernels' boots are queued at once.  About 40 s per kernel one at a time
# (a boot ~4-5 s, eight of them); every boot is bounded by timeout.
# Needs busybox-static, cpio, jq, python3 and qemu-system-x86_64.

load lib

CMP=$KIT/tests/helpers/truth-compare.py
TRUTH_BOOTS=4

# the kernels, by slot: installed, 5.10, 6.12 (empty when absent)
kernel_for() {
	case $1 in
	installed) echo "$VMLINUZ" ;;
	5.10) ls "$KIT"/tests/helpers/kernels/vmlinuz-5.10.* 2>/dev/null | head -1 ;;
	6.12) ls "$KIT"/tests/helpers/kernels/vmlinuz-6.12.* 2>/dev/null | head -1 ;;
	esac
}

# truth_boot KERNEL KIND DIR: one boot (KIND truth or profile) in its own
# wrapper rundir; DIR/result holds "ok" or "failed REASON".  Always returns
# 0: the caller reads the result.
truth_boot() {
	local k=$1 kind=$2 d=$3 hold=0 wpid crc=0 wrc=0 why=''
	local append="console=ttyS0 nokaslr panic=-1 rdinit=/init" initrd=$BATS_FILE_TMPDIR/initrd.cpio
	mkdir -p "$d"
	if [ "$kind" = truth ]; then
		append="$append initcall_debug log_buf_len=4M"
		initrd=$BATS_FILE_TMPDIR/truth.cpio
	fi
	[ "$kind" = profile ] && hold=1
	QEMU_WRAPPER_RUNDIR=$d/run QEMU_WRAPPER_HOLD=$hold timeout 200 "$WRAPPER" \
		-machine accel=tcg -m 512 -display none -monitor none -nodefaults -no-reboot \
		-kernel "$k" -initrd "$initrd" -append "$append" \
		-serial "file:$d/console" -serial "file:$d/ttyS1" </dev/null >"$d/wrapper.out" 2>&1 &
	wpid=$!
	if [ "$kind" = profile ]; then
		QEMU_WRAPPER_RUNDIR=$d/run timeout 200 "$CLIENT" profile --wait --timeout 180 \
			-o "$d/p.json" </dev/null >"$d/client.out" 2>&1 || crc=$?
		[ "$crc" = 0 ] || kill -TERM "$wpid" 2>/dev/null || true
	fi
	wait "$wpid" || wrc=$?
	if [ "$crc" != 0 ]; then
		why="profile exit $crc: $(tail -1 "$d/client.out")"
	elif [ "$wrc" != 0 ]; then
		why="qemu-wrapper exit $wrc: $(tail -1 "$d/wrapper.out")"
	elif ! grep -q 'reboot: Power down' "$d/console" 2>/dev/null; then
		why="no 'reboot: Power down' on the console"
	elif [ "$kind" = truth ] && ! grep -q '^=== end ===' "$d/ttyS1"; then
		why="the guest's dmesg did not reach ttyS1"
	elif [ "$kind" = profile ] && [ "$(jq -r .complete "$d/p.json" 2>/dev/null)" != true ]; then
		why="incomplete profile"
	fi
	echo "${why:+failed }${why:-ok}" >"$d/result"
	return 0
}

setup_file() {
	D=$BATS_FILE_TMPDIR
	BUSYBOX=$(command -v busybox || true)
	export D BUSYBOX
	[ -x "$CLIENT" ] && [ -n "$BUSYBOX" ] || return 0
	command -v qemu-system-x86_64 >/dev/null && command -v cpio >/dev/null || return 0
	make_poweroff_initrd "$D" || return 1
	"$KIT/scripts/make-initramfs" "$D/truth.cpio" --dmesg || return 1
	unset QEMU_WRAPPER_QEMU QEMU_WRAPPER_MODE QEMU_WRAPPER_HOLD QEMU_WRAPPER_GDB \
		QEMU_WRAPPER_APPEND QEMU_WRAPPER_SHIELD QEMU_WRAPPER_LOG
	export QEMU_WRAPPER_QUIET=1
	local slot k
	for slot in installed 5.10 6.12; do
		k=$(kernel_for "$slot")
		[ -n "$k" ] && [ -r "$k" ] || continue
		boots "$k" "$D/$slot"
	done
	touch "$D/ready"
}

# boots KERNEL DIR: its truth and profile boots, interleaved, $par at a time
boots() {
	local k=$1 d=$2 par=1 i
	[ "$(nproc)" -ge 4 ] && par=2
	for ((i = 1; i <= TRUTH_BOOTS; i++)); do
		while [ "$(jobs -rp | wc -l)" -ge "$par" ]; do wait -n || true; done
		truth_boot "$k" truth "$d/truth-$i" &
		while [ "$(jobs -rp | wc -l)" -ge "$par" ]; do wait -n || true; done
		truth_boot "$k" profile "$d/profile-$i" &
	done
	wait
}

setup() {
	[ -f "$D/ready" ] || skip "no gdbstub-client, busybox, cpio or qemu-system-x86_64"
}

# judge SLOT: its boots judged; once more with fresh boots when they fail
# (a host whose speed drifts can slow the profile boots alone: seen once
# in CI, 6.1's four profiles +28 % where the runs before and after were
# within 5 %); both figures printed.
judge() {
	local slot=$1
	[ -n "$(kernel_for "$slot")" ] || skip "no $slot kernel (scripts/fetch-test-kernels)"
	echo "# kernel $(kernel_for "$slot")" >&3
	judge_dir "$D/$slot" && return 0
	echo "# again, with fresh boots" >&3
	boots "$(kernel_for "$slot")" "$D/$slot-again"
	judge_dir "$D/$slot-again"
}

# judge_dir DIR: the figures of the boots in DIR, printed, and the
# assertions.
judge_dir() {
	local d=$1 consoles=() profiles=() r bad=0
	for r in "$d"/truth-*/result "$d"/profile-*/result; do
		if [ "$(cat "$r")" = ok ]; then
			[[ $r == */truth-* ]] && consoles+=("${r%/result}/ttyS1")
			[[ $r == */profile-* ]] && profiles+=(--profile "${r%/result}/p.json")
		else
			echo "# ${r#"$D"/}: $(cat "$r")" >&3
			[[ $r == */profile-* ]] && bad=1
		fi
	done
	[ "$bad" = 0 ] || return 1
	[ "${#consoles[@]}" -ge 2 ] || { echo "# fewer than 2 truth boots ended well" >&3; return 1; }
	# one profile, as a user has it (its figures carry one boot's noise)
	python3 "$CMP" "${consoles[@]}" --profile "$d/profile-1/p.json" | sed 's/^/#   one profile: /' >&3
	# all of them, each initcall's median, as the truth is taken
	python3 "$CMP" "${consoles[@]}" "${profiles[@]}" | sed 's/^/#   /' >&3
	python3 "$CMP" "${consoles[@]}" "${profiles[@]}" --json >"$d/cmp.json" || return 1
	# the comparison itself must be sound, whatever the mode
	# (every check returns: judge calls this in an && list, where a
	# failing command would not end the function)
	[ "$(jq .n_missing "$d/cmp.json")" -eq 0 ] || return 1
	# (5.10 has 19-26 initcalls of >= 1 ms after clocksource_done_booting)
	[ "$(jq .n_compared "$d/cmp.json")" -ge 15 ] || return 1
	[ "$(jq .top "$d/cmp.json")" -eq 20 ] || return 1
	# the default on a Debian kernel is klog
	jq -r '.profile_tool // ""' "$d/cmp.json" | grep -q 'initcalls=klog' || return 1
	# median relative error <= 10 %, or no worse than half the truth boots
	# against the other half (the same comparison of medians, without a
	# debugger: the floor, measured in the same run, as the host's speed
	# drifts; x1.25 for that estimate's own noise: 4 profiles against 4
	# truths met it within 0-3 points in runs here); no bias: the median
	# signed error within the same bound (the breakpoint schemes were
	# +200-400 %); top-20 overlap >= 16, or no worse than one truth boot's
	# less 2
	python3 - "$d/cmp.json" <<'PY' >&3
import json, sys
c = json.load(open(sys.argv[1]))
e, s, floor = c['median_rel_err'], c['median_signed_err'], c['truth_split_err'] or 0
k, kfloor = c['top_overlap'], c['top_self_overlap'] or 20
ok_e = e <= max(0.10, 1.25 * floor)
ok_s = abs(s) <= max(0.10, 1.25 * floor)
ok_k = k >= min(16, kfloor - 2)
print('# median error %.1f %% (goal 10 %%, floor %.1f %%): %s; signed %+.1f %%: %s; '
      'top-20 %d (goal 16, a truth boot %g): %s' % (
          100 * e, 100 * floor, 'ok' if ok_e else 'FAILED', 100 * s, 'ok' if ok_s else 'FAILED',
          k, kfloor, 'ok' if ok_k else 'FAILED'))
sys.exit(0 if ok_e and ok_s and ok_k else 1)
PY
}

@test "installed kernel: profile durations against 4 boots without a debugger" {
	[ -n "$VMLINUZ" ] || skip "no kernel in /boot"
	judge installed
}

@test "5.10 (fetched): profile durations against 4 boots without a debugger" {
	judge 5.10
}

@test "6.12 (fetched): profile durations against 4 boots without a debugger" {
	judge 6.12
}
