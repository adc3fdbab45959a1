#!/usr/bin/env bats
# gdbstub-client's subcommands on bad options: a number that is not one
# ("5x", " 5"), a negative one, one that overflows, an unknown option and an
# option without its value are refused before anything is attached or
# read, with exit status 2, nothing on stdout and one line on stderr that
# names the option.  No guest is needed: the endpoint given is a socket
# that does not exist, so a value wrongly accepted ends in a different
# error (exit 1), not in a wait.  kernel-symbols takes no numeric option
# (its option errors are t4200's).

load lib
bats_require_minimum_version 1.5.0

P=$KIT/tests/data/profiles
# ' 5': strtol would skip the blank; a quoting slip is refused, not guessed
BAD_NUMBERS=(5x ' 5' -1 99999999999999999999)

setup() {
	wrapper_env
	mkdir -p "$QEMU_WRAPPER_RUNDIR"
	NOWHERE=unix:$BATS_TEST_TMPDIR/no-such-socket
	OUT=$BATS_TEST_TMPDIR/out.json
	FAILED=()
}

# refused WHAT ARGS...: run the client; record WHAT unless it exited 2
# with nothing on stdout and one stderr line naming $OPT.
refused() {
	local what=$1
	shift
	run --separate-stderr timeout 20 "$CLIENT" "$@"
	if [ "$status" -ne 2 ] || [ -n "$output" ] ||
	   [ "${#stderr_lines[@]}" -ne 1 ] ||
	   [[ "${stderr_lines[0]}" != "gdbstub-client: "*"$OPT"* ]]; then
		FAILED+=("$what: exit $status, stderr: ${stderr//$'\n'/ | }")
	fi
}

# check_numbers SUBCOMMAND "OPTION..." ARGS...: each OPTION with each bad
# number, then an unknown option and a missing value.
check_numbers() {
	local sub=$1 opts=$2 v
	shift 2
	for OPT in $opts; do
		for v in "${BAD_NUMBERS[@]}"; do
			refused "$sub $OPT $v" "$sub" "$@" "$OPT" "$v"
		done
		refused "$sub $OPT (no value)" "$sub" "$@" "$OPT"
	done
	OPT=--no-such-option
	refused "$sub $OPT" "$sub" "$@" "$OPT"
}

verdict() {
	[ "${#FAILED[@]}" -eq 0 ] && return 0
	printf '# not refused as a usage error: %s\n' "${FAILED[@]}"
	return 1
}

@test "attach: bad numbers and options exit 2 with one line" {
	check_numbers attach "--timeout --run-timeout" "$NOWHERE"
	OPT=-ex
	refused "attach -ex (no value)" attach "$NOWHERE" -ex
	OPT=more
	refused "attach two endpoints" attach "$NOWHERE" "$NOWHERE"
	verdict
}

@test "profile: bad numbers and options exit 2 with one line" {
	check_numbers profile "--timeout --sample --progress" "$NOWHERE" -o "$OUT"
	verdict
}

@test "sample: bad numbers and options exit 2 with one line" {
	check_numbers sample "--timeout --hz --duration --top" "$NOWHERE" -o "$OUT"
	verdict
}

@test "report: bad numbers and options exit 2 with one line" {
	check_numbers report "--warmup --top" "$P/realistic.json"
	verdict
}

@test "compare: bad numbers and options exit 2 with one line" {
	check_numbers compare "--warmup --top --threshold --alpha --min-delta-us" \
		"$P/cmp-a1.json" -- "$P/cmp-b1.json"
	verdict
}

@test "an unknown subcommand exits 2 with one line" {
	OPT=bogus
	refused "bogus" bogus
	verdict
}

@test "good numbers are still taken" {
	run --separate-stderr timeout 20 "$CLIENT" report --top 3 --warmup 0 \
		--color=never "$P/realistic.json"
	[ "$status" -eq 0 ]
	run --separate-stderr timeout 20 "$CLIENT" compare --threshold 2.5 \
		--alpha 0.05 --min-delta-us 0 --color=never \
		"$P"/cmp-a{1,2,3}.json -- "$P"/cmp-b{1,2,3}.json --top 5
	[ "$status" -eq 0 ]
	# attach: the numbers pass, the missing socket is the error (exit 1)
	run --separate-stderr timeout 20 "$CLIENT" attach --timeout 1 \
		--run-timeout 0 "$NOWHERE"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cannot attach"* ]]
}

@test "control characters in a message are written as \\xNN" {
	# a file name that would clear the screen and ring the bell
	local bad=$BATS_TEST_TMPDIR/$'x\e[2J\ay.json'
	run --separate-stderr "$CLIENT" report "$bad"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'x\x1b[2J\x07y.json'* ]] || { echo "# $stderr"; false; }
	[[ "$stderr" != *$'\e'* && "$stderr" != *$'\a'* ]]
	# a C1 control (CSI) in its UTF-8 form too
	run --separate-stderr "$CLIENT" attach --timeout 1 $'unix:/nonexistent/\xc2\x9b2J'
	[[ "$stderr" == *'\xc2\x9b2J'* ]] || { echo "# $stderr"; false; }
}
