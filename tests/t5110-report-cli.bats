#!/usr/bin/env bats
# `gdbstub-client report` and `compare` are the report module's entry
# points: the same output as the standalone driver, same exit status.

load lib

P=$KIT/tests/data/profiles

@test "gdbstub-client report: text, json and folded as the report module prints them" {
	local f
	for f in --format=text --format=json --format=folded; do
		run "$CLIENT" report --color=never "$f" "$P/realistic.json"
		[ "$status" -eq 0 ]
		diff <(echo "$output") <("$KIT/gdbstub-client/boot-report" report --color=never "$f" "$P/realistic.json")
	done
	run "$CLIENT" report --color=never "$P/realistic.json"
	[[ "${lines[6]}" == "Boot to userspace: "* ]] || { echo "# summary line: ${lines[6]}"; false; }
}

@test "gdbstub-client compare ranks the slower initcall" {
	run "$CLIENT" compare --color=never "$P"/cmp-a{1,2,3}.json -- "$P"/cmp-b{1,2,3}.json
	[ "$status" -eq 0 ]
	diff <(echo "$output") <("$KIT/gdbstub-client/boot-report" compare --color=never "$P"/cmp-a{1,2,3}.json -- "$P"/cmp-b{1,2,3}.json)
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
