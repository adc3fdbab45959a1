#!/usr/bin/env bats
# compare knows when it has too few runs to tell noise from change, and
# says how many it needs; profiles say which machine they ran on, and
# report and compare over runs of several machines say so.
# (The runs a group compare advises are checked against
# tests/helpers/stats-ref.py in t5110; the quantiles in test-prof-stats.)

load lib

P=$KIT/tests/data/profiles

teardown() { kill_tracked; }

# machine FILE OUT HOST CPU: FILE with the environment of another machine
machine() {
	jq --arg h "$3" --arg c "$4" '.environment += {hostname: $h, cpu_model: $c}' "$1" >"$2"
}

@test "compare: one run against one says it cannot tell noise from change and marks nothing" {
	run "$CLIENT" compare --color=never "$P/cmp-a1.json" -- "$P/cmp-b1.json"
	[ "$status" -eq 0 ]
	echo "$output" | head -6 | sed 's/^/# /'
	[ "${lines[1]}" = "not enough runs to tell noise from change: A has 1 run, B has 1; the test (Welch's t) needs 2 or more in each group, so nothing is marked" ]
	# serial8250_init is 119 ms slower in B: shown first among the
	# initcalls, and not marked
	local row
	row=$(echo "$output" | grep -m1 '^  .*  initcall ')
	[[ "$row" == "          initcall serial8250_init (device) "* ]] || { echo "# $row"; false; }
	! echo "$output" | grep -qE '^  (SLOWER|faster) '
	# nothing tells the noise apart: it says so, and what to run
	echo "$output" | grep -q "^runs: A 1, B 1; how many the test needs depends on the noise between boots, which one run cannot show: run each side 2 or more times"
	run "$CLIENT" compare --format=json "$P/cmp-a1.json" -- "$P/cmp-b1.json"
	jq -e '.marked == 0 and .enough_runs == false and .min_runs == 2 and .runs_needed == null and
		all(.changes[]; .mark == "none")' <<<"$output"
	# three runs against one: still too few, the noise of A sizes the advice
	run "$CLIENT" compare --color=never "$P"/cmp-a{1,2,3}.json -- "$P/cmp-b1.json"
	[[ "${lines[1]}" == "not enough runs to tell noise from change: A has 3 runs, B has 1;"* ]]
	echo "$output" | grep -q '^runs: A 3, B 1; to see a 5% change of boot to userspace .* (sd 9.6 ms in A, 9.6 ms in B, one group.s for both) with 80% power at p < 0.05: 2 a group$'
}

@test "compare: with enough runs it marks as before and says how many a change of the threshold needs" {
	# two runs a group: the test runs, serial8250_init is marked
	run "$CLIENT" compare --color=never "$P"/cmp-a{1,2}.json -- "$P"/cmp-b{1,2}.json
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "3 changes marked: 3 slower, 0 faster" ]
	echo "$output" | grep -q '^  SLOWER  initcall serial8250_init (device) '
	! echo "$output" | grep -q 'not enough runs'
	# noisier runs: more runs needed than given, and the report says a
	# change that size may go unmarked
	local t=$BATS_TEST_TMPDIR i
	for i in 1 2 3; do
		jq --argjson k "$i" '.phases |= map(if .id == "userspace" then .start_ns += ($k * 150000000) else . end)' \
			"$P/cmp-a$i.json" >"$t/noisy$i.json"
	done
	run "$CLIENT" compare --color=never "$t"/noisy{1,2,3}.json -- "$P"/cmp-b{1,2,3}.json
	local line
	line=$(echo "$output" | grep '^runs: ')
	echo "# $line"
	[ "$line" = "runs: A 3, B 3; to see a 5% change of boot to userspace (230.8 ms) against its noise (sd 155.2 ms in A, 3.9 ms in B) with 80% power at p < 0.05: 6 a group (fewer: a change that size may go unmarked)" ]
	run "$CLIENT" compare --format=json "$t"/noisy{1,2,3}.json -- "$P"/cmp-b{1,2,3}.json
	jq -e '.enough_runs and .runs_needed > 3' <<<"$output"
	python3 "$KIT/tests/helpers/stats-ref.py" compare-json <(echo "$output") "$t"/noisy{1,2,3}.json -- "$P"/cmp-b{1,2,3}.json
}

@test "profile records the host name, CPU model and QEMU version of the machine" {
	need_guest_wrapper
	start_wrapped_guest
	timeout 60 "$CLIENT" profile --wait --timeout 30 --kernel "$GUEST_ELF" \
		--milestones "$MILESTONES" -o "$BATS_TEST_TMPDIR/p.json" 2>"$BATS_TEST_TMPDIR/rec.err" ||
		{ sed 's/^/# /' "$BATS_TEST_TMPDIR/rec.err"; false; }
	local p=$BATS_TEST_TMPDIR/p.json want
	jq '.environment | {hostname, cpu_model, qemu_version}' "$p" | sed 's/^/# /'
	[ "$(jq -r .environment.hostname "$p")" = "$(uname -n)" ]
	want=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)
	[ "$(jq -r .environment.cpu_model "$p")" = "$want" ]
	want=$(qemu-system-x86_64 --version | sed -n '1s/.*version //p')
	[ -n "$want" ] && [ "$(jq -r .environment.qemu_version "$p")" = "$want" ]
	python3 -c 'import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$p" "$KIT/docs/profile-schema.json"
	# the text report names the machine under the host line
	"$CLIENT" report --color=never "$p" | grep -qx "machine:  $(uname -n) ($(jq -r .environment.cpu_model "$p"))"
}

@test "report and compare over runs of several machines: grouped, and warned about" {
	local t=$BATS_TEST_TMPDIR i
	for i in 1 2 3; do
		machine "$P/cmp-a$i.json" "$t/a-hostA-$i.json" hostA "Intel Xeon"
		machine "$P/cmp-b$i.json" "$t/b-hostB-$i.json" hostB "AMD EPYC"
		machine "$P/cmp-a$i.json" "$t/a-hostB-$i.json" hostB "AMD EPYC"
	done
	# report: a warning and a line per machine with its runs and boot time
	run "$CLIENT" report --color=never "$t"/a-hostA-{1,2,3}.json "$t"/b-hostB-{1,2}.json
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "WARNING: the runs come from 2 machines: their spread is the machines' as well as the boots'" ]
	[[ "${lines[2]}" =~ ^\ \ hostA\ \(Intel\ Xeon\;\ qemu\ 7\.2\.19\;\ tcg\)\ +3\ runs\ \ boot\ 4316\.6\ ±\ 9\.6\ ms$ ]] || { echo "# ${lines[2]}"; false; }
	[[ "${lines[3]}" =~ ^\ \ hostB\ \(AMD\ EPYC\;\ qemu\ 7\.2\.19\;\ tcg\)\ +2\ runs\ \ boot\ 4437\.0\ ±\ 4\.4\ ms$ ]] || { echo "# ${lines[3]}"; false; }
	run "$CLIENT" report --format=json "$t"/a-hostA-{1,2,3}.json "$t"/b-hostB-{1,2}.json
	jq -e '[.machines[] | [.hostname, .runs]] == [["hostA", 3], ["hostB", 2]]' <<<"$output"
	# runs of one machine: no warning
	run "$CLIENT" report --color=never "$t"/a-hostA-{1,2,3}.json
	! echo "$output" | grep -q 'machines'
	# compare, A on one machine and B on another: warned
	run "$CLIENT" compare --color=never "$t"/a-hostA-{1,2,3}.json -- "$t"/b-hostB-{1,2,3}.json
	echo "$output" | grep -qx "machines: A on hostA (Intel Xeon; qemu 7.2.19; tcg) (3 runs); B on hostB (AMD EPYC; qemu 7.2.19; tcg) (3 runs)"
	echo "$output" | grep -qx "WARNING: A and B ran on different machines: a difference may be the machines', not the boots'"
	run "$CLIENT" compare --format=json "$t"/a-hostA-{1,2,3}.json -- "$t"/b-hostB-{1,2,3}.json
	jq -e '.same_machines == false and (.machines_a | length) == 1 and .machines_b[0].hostname == "hostB"' <<<"$output"
	# two hosts alike but for their name are two machines
	for i in 1 2 3; do
		machine "$P/cmp-b$i.json" "$t/b-hostC-$i.json" hostC "AMD EPYC"
	done
	run "$CLIENT" compare --color=never "$t"/a-hostB-{1,2,3}.json -- "$t"/b-hostC-{1,2,3}.json
	echo "$output" | grep -qx "WARNING: A and B ran on different machines: a difference may be the machines', not the boots'"
	# both groups on the same two machines: no warning, said as noise
	run "$CLIENT" compare --color=never "$t"/a-hostA-{1,2}.json "$t/a-hostB-3.json" -- "$t/a-hostA-3.json" "$t"/b-hostB-{1,2}.json
	! echo "$output" | grep -q WARNING
	echo "$output" | grep -qx "each group ran on the same 2 machines: the spread between machines counts as noise"
	# profiles that never recorded a machine: no machines line at all
	run "$CLIENT" compare --color=never "$P"/cmp-a{1,2,3}.json -- "$P"/cmp-b{1,2,3}.json
	! echo "$output" | grep -q '^machines:'
}
