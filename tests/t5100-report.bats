#!/usr/bin/env bats
# Reports from boot profiles (gdbstub-client report / compare): text
# golden files, JSON against
# docs/profile-schema.json, SVG parsed and rendered, trace-event JSON,
# folded stacks, multi-run statistics, compare, bad input.
#
# UPDATE_GOLDEN=1 rewrites tests/data/golden/ from the current output
# (then read the diff before committing it).

load lib
bats_require_minimum_version 1.5.0

BR=$CLIENT
D=tests/data/profiles
G=tests/data/golden

setup() { cd "$KIT"; }

# golden NAME ARGS...: the command's stdout must equal $G/NAME
golden() {
	local name=$1 out=$BATS_TEST_TMPDIR/$1
	shift
	"$BR" "$@" >"$out"
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$out" "$G/$name"
	fi
	diff -u "$G/$name" "$out" || {
		echo "# output of: gdbstub-client $* differs from $G/$name (diff above)"
		false
	}
}

one_line() {
	[ "${#lines[@]}" -eq 1 ] || { echo "# expected one line, saw ${#lines[@]}: $output"; false; }
}

@test "text: a small complete profile (golden)" {
	golden small.txt report --color=never $D/small.json
}

@test "text: a realistic profile with samples (golden)" {
	golden realistic.txt report --color=never $D/realistic.json
}

@test "text: --top 5 (golden)" {
	golden realistic-top5.txt report --color=never --top 5 $D/realistic.json
}

@test "text: an incomplete profile is loudly marked first and last (golden)" {
	golden incomplete.txt report --color=never $D/incomplete.json
	run "$BR" report --color=never $D/incomplete.json
	[[ "${lines[0]}" == "INCOMPLETE: interrupted (SIGINT); "* ]]
	[[ "${lines[-1]}" == "INCOMPLETE: interrupted (SIGINT); "* ]]
}

@test "text: the summary line comes right after the environment header" {
	run "$BR" report --color=never $D/realistic.json
	[[ "${lines[0]}" == "qemu:     /usr/bin/qemu-system-x86_64 (7.2.19)  [to change set QEMU_WRAPPER_QEMU]" ]]
	[[ "${lines[6]}" == "Boot to userspace: 4.32 s = 0.31 s (qemu) + 2.68 s (firmware+loader) + "* ]]
}

@test "text: three runs after one warm-up run: mean ± sd (min..max) and n (golden)" {
	golden runs-warmup1.txt report --color=never --warmup 1 $D/run-warm.json $D/run1.json $D/run2.json $D/run3.json
}

@test "--warmup discards the first runs" {
	run "$BR" report --format=json $D/run-warm.json $D/run1.json $D/run2.json $D/run3.json
	[ "$status" -eq 0 ]
	[ "$(jq '.runs' <<<"$output")" -eq 4 ]
	all=$(jq '.series[] | select(.key == "firmware") | .mean_ns' <<<"$output")
	run "$BR" report --format=json --warmup 1 $D/run-warm.json $D/run1.json $D/run2.json $D/run3.json
	[ "$(jq '.runs' <<<"$output")" -eq 3 ]
	[ "$(jq '.discarded' <<<"$output")" -eq 1 ]
	kept=$(jq '.series[] | select(.key == "firmware") | .mean_ns' <<<"$output")
	n=$(jq '.series[] | select(.key == "firmware") | .n' <<<"$output")
	[ "$n" -eq 3 ]
	# the cold run's firmware took 2.9 s, the others about 1.45 s
	[ "$all" -gt 1800000000 ] || { echo "# with the warm-up run: $all"; false; }
	[ "$kept" -lt 1500000000 ] || { echo "# without it: $kept"; false; }
	run "$BR" report --warmup 4 $D/run-warm.json $D/run1.json $D/run2.json $D/run3.json
	[ "$status" -eq 2 ]
	one_line
}

@test "colour: only when asked or on a terminal" {
	run "$BR" report --color=always $D/incomplete.json
	[[ "$output" == *$'\033['* ]]
	run "$BR" report $D/incomplete.json
	[[ "$output" != *$'\033['* ]] || { echo "# colour in a pipe"; false; }
	run "$BR" report --color=never $D/incomplete.json
	[[ "$output" != *$'\033['* ]]
}

@test "json: fixtures and report output validate against docs/profile-schema.json" {
	have_jsonschema || skip "python3-jsonschema not installed"
	validate $D/*.json
	for f in $D/*.json; do
		"$BR" report --format=json "$f" >"$BATS_TEST_TMPDIR/$(basename "$f")"
	done
	validate "$BATS_TEST_TMPDIR"/*.json
}

@test "json: the schema rejects what the reader rejects" {
	have_jsonschema || skip "python3-jsonschema not installed"
	jq '.version = 2' $D/small.json >"$BATS_TEST_TMPDIR/v2.json"
	jq 'del(.incomplete_reason)' $D/incomplete.json >"$BATS_TEST_TMPDIR/noreason.json"
	jq '.initcalls[0].duration_ns = -1' $D/small.json >"$BATS_TEST_TMPDIR/neg.json"
	jq '.messages[0].level = 8' $D/messages.json >"$BATS_TEST_TMPDIR/level8.json"
	jq '.messages[1].text = 5' $D/messages.json >"$BATS_TEST_TMPDIR/text5.json"
	for f in v2 noreason neg level8 text5; do
		run validate "$BATS_TEST_TMPDIR/$f.json"
		[ "$status" -ne 0 ] || { echo "# schema accepted $f.json"; false; }
	done
}

@test "json: one profile is written back unchanged (normalized, stable)" {
	"$BR" report --format=json $D/realistic.json >"$BATS_TEST_TMPDIR/a.json"
	"$BR" report --format=json "$BATS_TEST_TMPDIR/a.json" >"$BATS_TEST_TMPDIR/b.json"
	cmp "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/b.json"
	# and it holds what the fixture holds
	diff <(jq -S 'del(.phases[].label)' $D/realistic.json) \
		<(jq -S 'del(.phases[].label)' "$BATS_TEST_TMPDIR/a.json")
}

@test "svg: well-formed XML, renders to PNG, shows every phase" {
	for f in small realistic incomplete; do
		svg=$BATS_TEST_TMPDIR/$f.svg
		"$BR" report --format=svg $D/$f.json >"$svg"
		xmllint --noout "$svg"
		rsvg-convert -o "$BATS_TEST_TMPDIR/$f.png" "$svg"
		[ "$(head -c 8 "$BATS_TEST_TMPDIR/$f.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
		texts=$(xmllint --xpath "//*[local-name()='text']" "$svg")
		while read -r label; do
			[[ "$texts" == *">$label "* || "$texts" == *">$label<"* ]] ||
				{ echo "# $f.svg: phase '$label' not shown"; false; }
		done < <("$BR" report --format=json $D/$f.json | jq -r '.phases[].label')
		# no script needed: names are in <title> elements
		! grep -q '<script' "$svg"
		grep -q '<title>' "$svg"
	done
	grep -q 'INCOMPLETE: interrupted (SIGINT)' "$BATS_TEST_TMPDIR/incomplete.svg"
}

@test "svg: 666 initcalls, most of them tiny, stay readable and bounded" {
	jq '.initcalls as $ic | .initcalls = [range(0; 666) as $i |
		($ic[$i % ($ic | length)]) + {fn: ("init_\($i)"), order: $i,
		start_ns: (3400000000 + $i * 1200000), duration_ns: (if $i % 50 == 0 then 900000 else 3000 end)}]' \
		$D/realistic.json >"$BATS_TEST_TMPDIR/many.json"
	"$BR" report --format=svg "$BATS_TEST_TMPDIR/many.json" >"$BATS_TEST_TMPDIR/many.svg"
	xmllint --noout "$BATS_TEST_TMPDIR/many.svg"
	rsvg-convert -o "$BATS_TEST_TMPDIR/many.png" "$BATS_TEST_TMPDIR/many.svg"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/many.svg")" -lt 2000000 ]
	grep -q 'init_665' "$BATS_TEST_TMPDIR/many.svg"
}

@test "trace: valid trace-event JSON, every event has ph/ts/pid/tid, X events dur >= 0" {
	"$BR" report --format=trace $D/realistic.json $D/incomplete.json >"$BATS_TEST_TMPDIR/t.json"
	jq -e '
		(.displayTimeUnit == "ms") and
		(.traceEvents | type == "array" and length > 0) and
		(.traceEvents | all(.[]; has("ph") and has("ts") and has("pid") and has("tid") and has("name"))) and
		(.traceEvents | map(select(.ph == "X")) | all(.[]; (.dur | type) == "number" and .dur >= 0 and .ts >= 0)) and
		(.traceEvents | map(select(.ph == "M" and .name == "process_name")) | length == 2) and
		(.traceEvents | map(select(.ph == "M" and .name == "thread_name")) | length == 4)
	' "$BATS_TEST_TMPDIR/t.json"
	# one X event per phase and per initcall of the first profile
	want=$(jq '(.phases | length) + (.initcalls | length)' $D/realistic.json)
	got=$(jq '[.traceEvents[] | select(.ph == "X" and .pid == 1)] | length' "$BATS_TEST_TMPDIR/t.json")
	[ "$got" -eq "$want" ] || { echo "# expected $want X events, saw $got"; false; }
	jq -e '[.traceEvents[] | select(.ph == "i")] | length == 1' "$BATS_TEST_TMPDIR/t.json"
}

@test "folded: phase;level;fn microseconds, and samples (golden)" {
	golden small.folded report --format=folded $D/small.json
	golden realistic.folded report --format=folded $D/realistic.json
	golden realistic-samples.folded report --format=folded --samples $D/realistic.json
	# every line is "frames count" with no spaces inside the frames
	! grep -vE '^[^ ]+ [0-9]+$' "$G/realistic.folded"
	run "$BR" report --format=folded --samples $D/small.json
	[ "$status" -eq 1 ]
	one_line
	[ "$output" = "gdbstub-client: $D/small.json: the profile holds no samples" ]
}

@test "compare: a clearly slower initcall is marked, an unchanged one is not (golden)" {
	golden compare.txt compare --color=never $D/cmp-a1.json $D/cmp-a2.json $D/cmp-a3.json -- $D/cmp-b1.json $D/cmp-b2.json $D/cmp-b3.json
	run "$BR" compare --color=never $D/cmp-a1.json $D/cmp-a2.json $D/cmp-a3.json -- $D/cmp-b1.json $D/cmp-b2.json $D/cmp-b3.json
	[[ "$output" == *"  SLOWER  initcall serial8250_init (device) "* ]]
	line=$(grep 'initcall acpi_init (subsys)' <<<"$output")
	[[ "$line" == "          initcall acpi_init"* ]] || { echo "# acpi_init marked: $line"; false; }
	# the same group against itself: nothing marked
	run "$BR" compare --format=json $D/cmp-a1.json $D/cmp-a2.json $D/cmp-a3.json -- $D/cmp-a1.json $D/cmp-a2.json $D/cmp-a3.json
	[ "$(jq '.marked' <<<"$output")" -eq 0 ]
	# json: the slower initcall with its test
	run "$BR" compare --format=json $D/cmp-a1.json $D/cmp-a2.json $D/cmp-a3.json -- $D/cmp-b1.json $D/cmp-b2.json $D/cmp-b3.json
	jq -e '.changes[] | select(.key == "fn:serial8250_init") | .mark == "slower" and .p < 0.001 and .a.n == 3' <<<"$output"
	jq -e '.changes[] | select(.key == "fn:acpi_init") | .mark == "none"' <<<"$output"
	# a threshold above the change marks nothing
	run "$BR" compare --format=json --threshold 300 $D/cmp-a1.json $D/cmp-a2.json $D/cmp-a3.json -- $D/cmp-b1.json $D/cmp-b2.json $D/cmp-b3.json
	[ "$(jq '.marked' <<<"$output")" -eq 0 ]
}

@test "bad input: one clear line and a non-zero exit" {
	printf '{"version": 1,\n  "complete": true,\n  "phases": [\n' >"$BATS_TEST_TMPDIR/trunc.json"
	run "$BR" report "$BATS_TEST_TMPDIR/trunc.json"
	[ "$status" -eq 1 ]; one_line
	[ "$output" = "gdbstub-client: $BATS_TEST_TMPDIR/trunc.json: not valid JSON at line 4: unexpected end of file" ]

	printf '{"version": 1, "complete": yes}' >"$BATS_TEST_TMPDIR/bad.json"
	run "$BR" report "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 1 ]; one_line
	[[ "$output" == "gdbstub-client: $BATS_TEST_TMPDIR/bad.json: not valid JSON at line 1: "* ]]

	jq '.version = 2' $D/small.json >"$BATS_TEST_TMPDIR/v2.json"
	run "$BR" report "$BATS_TEST_TMPDIR/v2.json"
	[ "$status" -eq 1 ]; one_line
	[ "$output" = "gdbstub-client: $BATS_TEST_TMPDIR/v2.json: profile schema version 2 is not supported (this build reads version 1)" ]

	run "$BR" report $D/small.json "$BATS_TEST_TMPDIR/missing.json"
	[ "$status" -eq 1 ]; one_line
	[ "$output" = "gdbstub-client: cannot read '$BATS_TEST_TMPDIR/missing.json': No such file or directory" ]

	jq '.initcalls[1].start_ns = "soon"' $D/small.json >"$BATS_TEST_TMPDIR/type.json"
	run "$BR" report "$BATS_TEST_TMPDIR/type.json"
	[ "$status" -eq 1 ]; one_line
	[ "$output" = "gdbstub-client: $BATS_TEST_TMPDIR/type.json: 'initcalls[1].start_ns' must be an integer" ]

	run "$BR" compare $D/small.json -- "$BATS_TEST_TMPDIR/v2.json"
	[ "$status" -eq 1 ]; one_line
}

@test "usage errors exit 2" {
	run "$BR" report
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "gdbstub-client: no profile given" ]
	run "$BR" report --format=pdf $D/small.json
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "gdbstub-client: unknown format 'pdf'" ]
	run "$BR" report --bogus $D/small.json
	[ "$status" -eq 2 ]
	run "$BR" compare $D/small.json $D/small.json
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "gdbstub-client: no '--' between the two groups of profiles" ]
	run "$BR" compare --format=svg $D/small.json -- $D/small.json
	[ "$status" -eq 2 ]
	run "$BR" report --help
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: gdbstub-client report "* ]]
}
