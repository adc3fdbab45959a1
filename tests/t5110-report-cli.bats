#!/usr/bin/env bats
# `gdbstub-client report` and `compare`: what the formats hold and what
# compare ranks first (t5100 holds the golden files of each format).  The
# figures over several runs are checked against tests/helpers/stats-ref.py,
# which computes them from the profiles in plain Python (sample SD with
# n - 1, Welch's t-test, the ranking), never with the client's code.

load lib

P=$KIT/tests/data/profiles
REF=$KIT/tests/helpers/stats-ref.py

@test "gdbstub-client report: text, json and folded each in its own form" {
	run "$CLIENT" report --color=never --format=json "$P/realistic.json"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert isinstance(d, dict), d'
	run "$CLIENT" report --color=never --format=folded "$P/realistic.json"
	[ "$status" -eq 0 ]
	# every line "frame;frame;... COUNT"
	! echo "$output" | grep -Ev '^[^ ;]+(;[^ ;]+)* [0-9]+$'
	run "$CLIENT" report --color=never "$P/realistic.json"
	[[ "${lines[6]}" == "Boot to userspace: "* ]] || { echo "# summary line: ${lines[6]}"; false; }
	# three runs: mean, sample SD, min, max and the top table's order,
	# against the reference computed from the profiles themselves
	local o=$BATS_TEST_TMPDIR/runs
	"$CLIENT" report --format=json "$P"/run{1,2,3}.json >"$o.json"
	python3 "$REF" report-json "$o.json" "$P"/run{1,2,3}.json
	"$CLIENT" report --color=never "$P"/run{1,2,3}.json >"$o.txt"
	python3 "$REF" report-text "$o.txt" "$P"/run{1,2,3}.json
}

@test "gdbstub-client compare ranks the slower initcall" {
	run "$CLIENT" compare --color=never "$P"/cmp-a{1,2,3}.json -- "$P"/cmp-b{1,2,3}.json
	[ "$status" -eq 0 ]
	# B's serial8250_init is ~119 ms slower (tests/data/profiles/make-fixtures.py);
	# no other initcall moves by more than 1 ms: it is the one marked, first
	local first
	first=$(echo "$output" | grep -m1 '^  SLOWER  initcall ')
	[[ "$first" == "  SLOWER  initcall serial8250_init (device) "* ]] || { echo "# $first"; false; }
	[ "$(echo "$output" | grep -c '^  [A-Z]*  initcall ')" -eq 1 ]
	# every figure, mark and the order of the rows, against the reference
	local o=$BATS_TEST_TMPDIR/cmp
	echo "$output" >"$o.txt"
	python3 "$REF" compare-text "$o.txt" "$P"/cmp-a{1,2,3}.json -- "$P"/cmp-b{1,2,3}.json
	"$CLIENT" compare --format=json "$P"/cmp-a{1,2,3}.json -- "$P"/cmp-b{1,2,3}.json >"$o.json"
	python3 "$REF" compare-json "$o.json" "$P"/cmp-a{1,2,3}.json -- "$P"/cmp-b{1,2,3}.json
}

@test "gdbstub-client: unknown subcommand and a missing profile are one-line errors" {
	run "$CLIENT" bogus
	[ "$status" -ne 0 ]
	[ "$output" = "gdbstub-client: unknown subcommand 'bogus' (try 'gdbstub-client help')" ]
	run "$CLIENT" report /nonexistent.json
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"'/nonexistent.json'"* ]]
}

@test "gdbstub-client report: the kernel log in the trace and one text line" {
	local t=$BATS_TEST_TMPDIR/t.json
	"$CLIENT" report --format=trace "$P/messages.json" "$P/small.json" >"$t"
	# three instant events on boot 1's "kernel log" thread, at t_ns less
	# the qemu phase's start (-5 ms), in microseconds
	jq -e '
		([.traceEvents[] | select(.ph == "M" and .name == "thread_name" and
			.args.name == "kernel log")] | map([.pid, .tid]) == [[1, 3]]) and
		([.traceEvents[] | select(.tid == 3 and .ph == "i")] |
			map([.pid, .ts, .s, .args.level]) ==
			[[1, 25000, "t", 5], [1, 32500, "t", 3], [1, 41000, "t", -1]])
	' "$t"
	# the name is the text, cut at 120 bytes; args hold all of it
	jq -e '[.traceEvents[] | select(.tid == 3 and .ph == "i")][1] |
		(.name | length) == 123 and (.name | endswith("error ...")) and
		(.args.text | endswith("(out of memory)"))' "$t"
	# boot 2 (small.json) has no messages and no kernel log thread
	jq -e '[.traceEvents[] | select(.pid == 2 and .tid == 3)] | length == 0' "$t"
	run "$CLIENT" report --color=never "$P/messages.json"
	[ "$status" -eq 0 ]
	[ "${lines[4]}" = "Kernel log: 3 messages in the profile (trace and JSON)" ]
	# and nothing else changes: it is small.json with messages
	diff <(grep -v '^Kernel log:' <<<"$output") "$KIT/tests/data/golden/small.txt"
	run "$CLIENT" report --color=never "$P/small.json"
	[[ "$output" != *"Kernel log"* ]]
}
