#!/usr/bin/env bats
# `gdbstub-client report` and `compare`: what the formats hold and what
# compare ranks first (t5100 holds the golden files of each format).

load lib

P=$KIT/tests/data/profiles

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
