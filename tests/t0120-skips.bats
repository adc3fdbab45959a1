#!/usr/bin/env bats
# tests/run-all under CI (KIT_STRICT_SKIPS=1, or CI=true): a skipped test
# fails the run unless tests/allowed-skips names it, so a test that stops
# testing (a kernel renamed, a tool gone) is a failure, not a quiet
# "skipped".  Run on a copy of run-all beside fixture bats files.

load lib

setup() {
	R=$BATS_TEST_TMPDIR/kit
	mkdir -p "$R/tests"
	cp "$KIT/tests/run-all" "$R/tests/"
	printf '# none\n' >"$R/tests/allowed-skips"
	# (written with \x40: bats would take "@test" lines of a heredoc as
	# its own)
	printf '\x40test "runs" { true; }\n\x40test "needs a thing" { skip "no thing here"; }\n' \
		>"$R/tests/t0001-x.bats"
}

@test "without CI a skip is counted, the run passes" {
	run env -u CI -u TESTS KIT_STRICT_SKIPS= "$R/tests/run-all"
	[ "$status" -eq 0 ]
	[[ "$output" == *"check: 1 passed, 0 failed, 1 skipped"* ]]
}

@test "under CI a skip not on the list fails the run, named with its reason" {
	run env -u TESTS CI=true "$R/tests/run-all"
	[ "$status" -ne 0 ]
	[[ "$output" == *"check: 1 passed, 1 failed, 1 skipped"* ]]
	[[ "$output" == *"# skipped, and not on tests/allowed-skips (counted as failed): tests/t0001-x.bats: needs a thing (no thing here)"* ]]
	run env -u CI -u TESTS KIT_STRICT_SKIPS=1 "$R/tests/run-all"
	[ "$status" -ne 0 ]
}

@test "a skip the list allows, by glob, passes under CI" {
	printf 'tests/t0001-*: needs a *\tthe fixture has no thing\n' >>"$R/tests/allowed-skips"
	run env -u TESTS CI=true "$R/tests/run-all"
	[ "$status" -eq 0 ]
	[[ "$output" == *"check: 1 passed, 0 failed, 1 skipped"* ]]
}
