#!/usr/bin/env bats
# profile of a 4-vCPU boot of the installed Debian kernel (TCG, through
# qemu-wrapper, a busybox initramfs that powers off):
#   - the secondary CPUs' bring-up is in the phases (smp:prepare and a
#     phase per CPU, from the kernel's own printk records), between the
#     early initcalls and the others, and its span matches the console's
#     own "Bringing up" .. "Brought up" timestamps (the kernel's clock runs
#     at the profile's rate to the guest time: within 30 %);
#   - the sampler sampled every CPU at every tick: each of CPUs 0..3 has
#     the same number of samples, slices on each, the report's By CPU
#     table has a row for each, the SVG a lane per CPU, the trace a
#     track per CPU;
#   - with lpj= (the appliance's command line) the kernel names all CPUs
#     in one record: a watchpoint on __cpu_online_mask gives each CPU's
#     phase, with a watch stop per CPU online (none at power-off) and no
#     debug stop more;
#   - a one-vCPU profile records no CPU (unchanged format);
#   - `sample` on 4 vCPUs samples them all too, pipelined and the slow
#     way (--callers: each CPU's stack unwound through that CPU);
#   - scripts/boot-profile --smp: refusals, and a plain kernel with 2.

load lib
bats_require_minimum_version 1.5.0

setup() {
	linux_guest_setup
	make_poweroff_initrd "$D"
}

teardown() { kill_tracked; }

# same_count_on_cpus FILE LABEL MIN: FILE's samples by CPU (printed after
# LABEL) are CPUs 0..3 with the same count on each, more than MIN
same_count_on_cpus() {
	jq -c '[.samples.entries[] | {cpu, count}] | group_by(.cpu) | map([.[0].cpu, (map(.count) | add)])' \
		"$1" >"$D/bycpu"
	echo "# $2, by cpu: $(cat "$D/bycpu")" >&3
	python3 - "$D/bycpu" "$3" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
assert [c for c, n in v] == [0, 1, 2, 3], v
assert len({n for c, n in v}) == 1 and v[0][1] > int(sys.argv[2]), v
PY
}

profile_boot() {
	local out=$1
	shift
	start_linux_guest "$KERNEL" "$D/initrd.cpio" "$@"
	run --separate-stderr timeout 300 "$CLIENT" profile --latest --sample 100 -o "$out"
	expect_status 0
}

@test "4 vCPUs: bring-up phase per CPU, samples and slices on every CPU" {
	profile_boot "$D/p4.json" -smp 4
	validate "$D/p4.json"
	# the bring-up phases, in order, after initcalls:early
	jq -r '.phases[].id' "$D/p4.json" >"$D/ids"
	grep -qx 'smp:prepare' "$D/ids" || { cat "$D/ids"; false; }
	grep -A1 -x 'initcalls:early' "$D/ids" | grep -qx 'smp:prepare'
	# each secondary CPU is named once (alone, or in a merged group)
	for c in 1 2 3; do
		jq -r '.phases[].id' "$D/p4.json" | grep -E "^smp:cpu$c\$|^smp:cpus[0-9]+-[0-9]+\$" |
			awk -v c=$c -F'[s:-]' '/cpus/ { if ($5 <= c && c <= $6) n++; next } { n++ } END { exit !n }' ||
			{ echo "CPU $c has no bring-up phase"; cat "$D/ids"; false; }
	done
	# the span against the console's own timestamps of the same records
	ours=$(jq '[.phases[] | select(.id | startswith("smp:")) | .duration_ns] | add' "$D/p4.json")
	t0=$(sed -n 's/^\[ *\([0-9.]*\)\] smp: Bringing up secondary CPUs.*/\1/p' "$D/console.log")
	t1=$(sed -n 's/^\[ *\([0-9.]*\)\] smp: Brought up.*/\1/p' "$D/console.log")
	[ -n "$t0" ] && [ -n "$t1" ] || { cat "$D/console.log"; false; }
	python3 - "$ours" "$t0" "$t1" <<'PY'
import sys
ours, t0, t1 = float(sys.argv[1]) / 1e6, float(sys.argv[2]), float(sys.argv[3])
console = (t1 - t0) * 1e3
print(f"# bring-up: profile {ours:.1f} ms, console {console:.1f} ms")
assert console > 0 and abs(ours - console) <= 0.3 * console, (ours, console)
PY
	# every CPU sampled at every tick: the same count on each
	same_count_on_cpus "$D/p4.json" samples 100
	# each sample on its own CPU: the decompressor ran on CPU 0 alone (the
	# others wait in the firmware until the kernel starts them)
	[ "$(jq '[.samples.entries[] | select(.region == "decompressor") | .cpu] | unique' -c "$D/p4.json")" = '[0]' ]
	# slices (time by process) on each CPU
	[ "$(jq '[.samples.slices[] | .[4]] | unique' -c "$D/p4.json")" = '[0,1,2,3]' ]
	# the report: a row per CPU, the bring-up line
	run --separate-stderr "$CLIENT" report "$D/p4.json"
	expect_status 0
	grep -q '^By CPU: 4 vCPUs sampled' <<<"$output"
	for c in 0 1 2 3; do
		grep -qE "^ +$c +[0-9]+ +25\.0%" <<<"$output" || { echo "$output"; false; }
	done
	grep -q '^Secondary CPUs: brought up in' <<<"$output"
	# the SVG: a lane per CPU, with its slices
	run --separate-stderr "$CLIENT" report --format=svg "$D/p4.json"
	expect_status 0
	for c in 0 1 2 3; do
		grep -q ">CPU $c</text>" <<<"$output"
		[ "$(grep -c "<title>CPU $c: " <<<"$output")" -gt 0 ] || { echo "no slices on CPU $c's lane"; false; }
	done
	# the trace: a track per CPU, with process slices on it
	run --separate-stderr "$CLIENT" report --format=trace "$D/p4.json"
	expect_status 0
	for c in 0 1 2 3; do
		tid=$(jq --arg n "CPU $c" '.traceEvents[] | select(.ph == "M" and .args.name == $n) | .tid' <<<"$output")
		[ -n "$tid" ]
		[ "$(jq --argjson t "$tid" '[.traceEvents[] | select(.ph == "X" and .tid == $t)] | length' <<<"$output")" -gt 0 ]
	done
}

@test "4 vCPUs with lpj= (as the appliance): one record for all CPUs, each CPU's phase from the watchpoint" {
	start_linux_guest "$KERNEL" "$D/initrd.cpio" -smp 4 \
		-append "console=ttyS0 nokaslr panic=-1 rdinit=/init lpj=10384488"
	run --separate-stderr timeout 300 "$CLIENT" profile --latest -o "$D/pl.json"
	expect_status 0
	grep -q 'a write watchpoint on __cpu_online_mask' <<<"$stderr"
	# start_kernel by its own write watchpoint (one of the watch stops below)
	grep -q '^profile: start_kernel: a write watchpoint on init_stack, which its first call (set_task_stack_end_magic) writes' <<<"$stderr"
	# the kernel printed the CPUs in one record
	grep -q 'CPUs: *#1 #2 #3' "$D/console.log" || { cat "$D/console.log"; false; }
	[ "$(jq -c '[.phases[] | select(.id | startswith("smp:")) | .id]' "$D/pl.json")" = \
	  '["smp:prepare","smp:cpu1","smp:cpu2","smp:cpu3"]' ]
	# start_kernel's watch stop, a watchpoint stop per CPU that came
	# online (the boot CPU's own at start_kernel too; one that meets a
	# tick counts as the tick), then none (removed: the 3 CPUs going
	# offline at power-off would add 3); no more debug stops than one
	# CPU's profile makes
	w=$(jq .stops.watch_stops "$D/pl.json")
	[ "$w" -ge 3 ] && [ "$w" -le 5 ] || { echo "watch stops: $w"; false; }
	[ "$(jq .stops.debug_stops "$D/pl.json")" -le 25 ]
	ours=$(jq '[.phases[] | select(.id | startswith("smp:")) | .duration_ns] | add' "$D/pl.json")
	t0=$(sed -n 's/^\[ *\([0-9.]*\)\] smp: Bringing up secondary CPUs.*/\1/p' "$D/console.log")
	t1=$(sed -n 's/^\[ *\([0-9.]*\)\] smp: Brought up.*/\1/p' "$D/console.log")
	python3 - "$ours" "$t0" "$t1" <<'PY'
import sys
ours, t0, t1 = float(sys.argv[1]) / 1e6, float(sys.argv[2]), float(sys.argv[3])
console = (t1 - t0) * 1e3
print(f"# bring-up (lpj=): profile {ours:.1f} ms, console {console:.1f} ms")
assert console > 0 and abs(ours - console) <= 0.3 * console, (ours, console)
PY
}

@test "1 vCPU: no CPU recorded, no bring-up phase" {
	profile_boot "$D/p1.json"
	[ "$(jq '[.samples.entries[] | select(has("cpu"))] | length' "$D/p1.json")" = 0 ]
	[ "$(jq '[.samples.slices[] | select(length != 4)] | length' "$D/p1.json")" = 0 ]
	[ "$(jq '[.phases[] | select(.id | startswith("smp:"))] | length' "$D/p1.json")" = 0 ]
	run --separate-stderr "$CLIENT" report "$D/p1.json"
	! grep -q 'By CPU' <<<"$output"
}

@test "sample on 4 vCPUs: every CPU sampled, slices on every CPU" {
	start_linux_guest "$KERNEL" "$D/initrd.cpio" -smp 4
	run --separate-stderr timeout 300 "$CLIENT" sample --latest --hz 200 --until-exit -o "$D/s4.json"
	expect_status 0
	validate "$D/s4.json"
	# every CPU at every tick, pipelined or taken the slow way (a CS
	# selector never seen): the same count on each
	same_count_on_cpus "$D/s4.json" sample 100
	[ "$(jq '[.samples.slices[] | .[4]] | unique' -c "$D/s4.json")" = '[0,1,2,3]' ]
}

@test "sample --callers on 4 vCPUs: every tick the slow way, every CPU sampled and unwound" {
	start_linux_guest "$KERNEL" "$D/initrd.cpio" -smp 4
	run --separate-stderr timeout 300 "$CLIENT" sample --latest --hz 50 --until-exit --callers \
		--folded "$D/s4.folded" -o "$D/s4c.json"
	expect_status 0
	validate "$D/s4c.json"
	same_count_on_cpus "$D/s4c.json" "sample --callers" 20
	# one entry a place and CPU, however many call stacks led there
	[ "$(jq '[.samples.entries[] | [.cpu, .region, .symbol, .mode]] | (length == (unique | length))' "$D/s4c.json")" = true ]
	# the secondary CPUs sit in the idle loop, unwound to their caller:
	# stacks through do_idle on CPUs other than 0 show in the folded file
	grep -q 'do_idle' "$D/s4.folded"
	[ "$(jq '[.samples.slices[] | .[4]] | unique' -c "$D/s4c.json")" = '[0,1,2,3]' ]
	run "$CLIENT" report "$D/s4c.json"
	expect_status 0
	grep -q '^By CPU: 4 vCPUs sampled' <<<"$output"
}

@test "boot-profile --smp: bad values and a command of its own refused" {
	run --separate-stderr "$KIT/scripts/boot-profile" --smp 0
	[ "$status" -ne 0 ]
	grep -q "boot-profile: --smp takes 1 to 255 vCPUs, not '0'" <<<"$stderr"
	run --separate-stderr "$KIT/scripts/boot-profile" --smp x
	[ "$status" -ne 0 ]
	grep -q "boot-profile: --smp needs a whole number, not 'x'" <<<"$stderr"
	run --separate-stderr "$KIT/scripts/boot-profile" --smp 2 -- guestfish -a /dev/null run
	[ "$status" -ne 0 ]
	grep -q "boot-profile: --smp goes with the default command" <<<"$stderr"
}

@test "boot-profile --kernel --smp 2: the plain kernel with 2 vCPUs, both sampled" {
	run --separate-stderr timeout 600 "$KIT/scripts/boot-profile" --kernel "$KERNEL" \
		--smp 2 --sample 100 -o "$D/bp"
	expect_status 0
	grep -q -- "'-smp' '2'" "$D"/bp/wrapper-*.log
	f=$(ls "$D"/bp/profile-*.json | head -1)
	[ "$(jq '[.samples.entries[] | .cpu] | unique' -c "$f")" = '[0,1]' ]
	grep -q '^By CPU: 2 vCPUs sampled' "$D/bp/report.txt"
	grep -q '^Secondary CPUs: brought up in' "$D/bp/report.txt"
}
