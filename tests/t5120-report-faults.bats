#!/usr/bin/env bats
# `gdbstub-client report` and `compare` when things go wrong: a full disk
# leaves no truncated report and says where and why, standard output that
# cannot be written is an error, a profile whose numbers would overflow is
# refused by name, and control characters in a profile never reach the
# terminal.  Run under `make SANITIZE=address,undefined` too: no sanitizer
# report may appear.

load lib

P=$KIT/tests/data/profiles

setup() {
	[ -x "$CLIENT" ] || skip "gdbstub-client not built"
	M=
}

teardown() {
	kill_tracked
	if [ -n "$M" ] && mountpoint -q "$M"; then
		umount "$M"
	fi
}

# A 64 KiB tmpfs at $M holding old.svg, then filled to the last byte.
full_fs() {
	M=$BATS_TEST_TMPDIR/full
	mkdir -p "$M"
	mount -t tmpfs -o size=64k tmpfs "$M" 2>/dev/null ||
		{ M=; skip "cannot mount a tmpfs (needs root): $(id -un)"; }
	echo "old report" >"$M/old.svg"
	dd if=/dev/zero of="$M/filler" bs=4k 2>/dev/null || true
	dd if=/dev/zero of="$M/filler2" bs=1 2>/dev/null || true
}

no_sanitizer_report() {
	if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' <<<"$output"; then
		echo "# a sanitizer report:"; sed 's/^/#   /' <<<"$output"; false
	fi
}

@test "report -o into a full filesystem: non-zero, path and errno named, no truncated file" {
	local f
	full_fs
	for f in text json svg trace folded; do
		run "$CLIENT" report --format=$f -o "$M/new.$f" "$P/realistic.json"
		[ "$status" -eq 1 ] || { echo "# --format=$f: status $status: $output"; false; }
		[[ "$output" == *"cannot write '$M/new.$f': No space left on device"* ]] ||
			{ echo "# --format=$f: message: $output"; false; }
		no_sanitizer_report
	done
	run "$CLIENT" report --format=svg -o "$M/old.svg" "$P/realistic.json"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot write '$M/old.svg': No space left on device"* ]]
	[ "$(cat "$M/old.svg")" = "old report" ] || { echo "# old.svg was changed"; false; }
	run ls -A "$M"
	[ "$output" = "$(printf 'filler\nfiller2\nold.svg')" ] ||
		{ echo "# expected filler, filler2, old.svg; saw: $output"; false; }
}

@test "report and compare to a full standard output or -o /dev/full: non-zero, errno named" {
	run bash -c '"$0" report "$1" >/dev/full' "$CLIENT" "$P/realistic.json"
	[ "$status" -eq 1 ] || { echo "# status $status: $output"; false; }
	[[ "$output" == *"cannot write to standard output: No space left on device"* ]]
	run bash -c '"$0" report --format=svg -o - "$1" >/dev/full' "$CLIENT" "$P/realistic.json"
	[ "$status" -eq 1 ]
	run "$CLIENT" report --format=trace -o /dev/full "$P/realistic.json"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot write '/dev/full': No space left on device"* ]]
	run bash -c '"$0" compare "$1" -- "$2" >/dev/full' "$CLIENT" "$P/cmp-a1.json" "$P/cmp-b1.json"
	[ "$status" -eq 1 ] || { echo "# compare: status $status: $output"; false; }
	[[ "$output" == *"No space left on device"* ]]
	# a report -o that works still works, and -o - is standard output
	run "$CLIENT" report --format=folded -o - "$P/small.json"
	[ "$status" -eq 0 ]
	[[ "$output" == *"initcalls;core;fake_init_b 6000"* ]]
	[ ! -e ./- ]
}

@test "a profile with start_ns 2^62 and duration_ns 2^63-1 is refused by file and field, in every format" {
	local f j=$BATS_TEST_TMPDIR/overflow.json
	cat >"$j" <<-'J'
	{"version": 1, "complete": true, "end_ns": 1000,
	 "phases": [{"id": "initcalls:core", "start_ns": 4611686018427387904,
	             "duration_ns": 9223372036854775807}],
	 "initcalls": [{"fn": "a", "level": "core", "start_ns": 4611686018427387904,
	                "duration_ns": 9223372036854775807}]}
	J
	for f in text json svg trace folded; do
		run "$CLIENT" report --format=$f "$j"
		[ "$status" -eq 1 ] || { echo "# --format=$f: status $status: $output"; false; }
		no_sanitizer_report
		[ "$output" = "gdbstub-client: $j: 'phases[0].start_ns' is out of range (more than 2^53 ns, 104 days)" ] ||
			{ echo "# --format=$f: $output"; false; }
	done
	run "$CLIENT" compare "$j" -- "$P/cmp-b1.json"
	[ "$status" -eq 1 ]
	no_sanitizer_report
}

@test "an SVG of a far-away, sub-nanosecond-wide initcall stretch is small and ends" {
	local j=$BATS_TEST_TMPDIR/far.json
	cat >"$j" <<-'J'
	{"version": 1, "complete": true, "end_ns": 1000,
	 "phases": [{"id": "firmware", "start_ns": 0, "duration_ns": 10}],
	 "initcalls": [{"fn": "a", "level": "core", "start_ns": 9000000000000000,
	                "duration_ns": 1}]}
	J
	run timeout 20 "$CLIENT" report --format=svg -o "$BATS_TEST_TMPDIR/far.svg" "$j"
	[ "$status" -eq 0 ] || { echo "# status $status (124: it did not end): $output"; false; }
	no_sanitizer_report
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/far.svg")" -lt 100000 ]
	if command -v xmllint >/dev/null; then
		xmllint --noout "$BATS_TEST_TMPDIR/far.svg"
	fi
}

@test "control characters in a profile's names never reach the terminal raw" {
	local f j=$BATS_TEST_TMPDIR/esc.json out=$BATS_TEST_TMPDIR/out
	printf '%s' '{"version": 1, "complete": false, "incomplete_reason": "died\u001b[2J",
	 "end_ns": 40000000,
	 "environment": {"qemu": "/q\u001b]0;title\u0007", "kernel_version": "6.1\u009b31m"},
	 "phases": [{"id": "firmware", "start_ns": 0, "duration_ns": 20000000},
	            {"id": "initcalls:core", "label": "core\u001b[31m", "start_ns": 20000000, "duration_ns": 10000000}],
	 "initcalls": [{"fn": "evil\u001b[2J\u001b]0;pwn\u0007_init", "level": "core",
	                "module": "m\u001bc", "start_ns": 20000000, "duration_ns": 5000000}],
	 "samples": {"rate_hz": 100, "entries": [{"region": "kernel", "symbol": "s\u001b[1m", "count": 3}]}}' >"$j"
	for f in text folded; do
		"$CLIENT" report --color=never --format=$f "$j" >"$out"
		if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$out"; then
			echo "# --format=$f printed a control character:"; cat -v "$out"; false
		fi
		if LC_ALL=C grep -q $'\xc2\x9b' "$out"; then
			echo "# --format=$f printed a C1 control (CSI):"; cat -v "$out"; false
		fi
	done
	"$CLIENT" report --color=never "$j" >"$out"
	grep -qF 'evil\x1b[2J\x1b]0;pwn\x07_init [m\x1bc]' "$out" ||
		{ echo "# the name, escaped, not in:"; cat -v "$out"; false; }
	grep -qF 'INCOMPLETE: died\x1b[2J' "$out"
	grep -qF 'kernel: s\x1b[1m' "$out"
	"$CLIENT" report --samples --format=folded "$j" >"$out"
	grep -qF 'kernel;s\x1b[1m 3' "$out"
	"$CLIENT" report --format=folded "$j" >"$out"
	grep -qF 'initcalls;core;evil\x1b[2J\x1b]0_pwn\x07_init 5000' "$out"
	# compare leaves incomplete runs out
	sed 's/"complete": false/"complete": true/' "$j" >"$BATS_TEST_TMPDIR/esc-complete.json"
	run "$CLIENT" compare --color=never "$BATS_TEST_TMPDIR/esc-complete.json" -- "$BATS_TEST_TMPDIR/esc-complete.json"
	[ "$status" -eq 0 ] || { echo "# compare: status $status: $output"; false; }
	[[ "$output" == *'initcall evil\x1b[2J'* ]] || { echo "# compare: $output"; false; }
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$output"; then
		echo "# compare printed a control character:"; cat -v <<<"$output"; false
	fi
	if command -v xmllint >/dev/null; then
		"$CLIENT" report --format=svg "$j" | xmllint --noout -
	fi
}

@test "JSON and trace output stay UTF-8 when a profile's names are not" {
	command -v python3 >/dev/null || skip "no python3 to parse JSON strictly"
	local f j=$BATS_TEST_TMPDIR/bytes.json
	printf '{"version": 1, "complete": true, "end_ns": 40000000,
	 "phases": [{"id": "firmware", "start_ns": 0, "duration_ns": 20000000}],
	 "initcalls": [{"fn": "bad\xff\xc0_init", "level": "core", "start_ns": 20000000, "duration_ns": 5000000}]}' >"$j"
	for f in json trace; do
		run bash -c '"$0" report --format='$f' "$1" "$1" |
			python3 -c "import json, sys; json.loads(sys.stdin.buffer.read().decode())"' "$CLIENT" "$j"
		[ "$status" -eq 0 ] || { echo "# --format=$f is not UTF-8 JSON: $output"; false; }
	done
	"$CLIENT" report --format=json "$j" | grep -qF $'bad\xef\xbf\xbd\xef\xbf\xbd_init'
}

@test "gdbstub-client profile -o into a full filesystem keeps the recording in \$TMPDIR and says where" {
	local g=$KIT/tests/guests/build
	[ -f "$g/guest.img" ] || skip "test guest not built (make guest)"
	command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64"
	full_fs
	wrapper_env
	export QEMU_WRAPPER_QUIET=1
	start_wrapper -machine pc,accel=tcg -nodefaults -display none -no-reboot -m 32 \
		-drive "file=$g/guest.img,format=raw,if=ide,cache=unsafe" "${EXIT_DEVICE[@]}"
	mkdir -p "$BATS_TEST_TMPDIR/tmp"
	run env TMPDIR="$BATS_TEST_TMPDIR/tmp" timeout 60 "$CLIENT" profile --wait \
		--timeout 30 --kernel "$g/guest.elf" \
		--milestones start16,start32,start64,initcalls_done -o "$M/p.json"
	[ "$status" -eq 1 ] || { echo "# status $status: $output"; false; }
	local kept
	kept=$(sed -nE "s/.*cannot write '[^']*\/p\.json': No space left on device; kept in '([^']*)' instead.*/\1/p" <<<"$output")
	[ -n "$kept" ] || { echo "# no 'kept in' with the path and errno in: $output"; false; }
	[[ "$kept" == "$BATS_TEST_TMPDIR/tmp/p.json."* ]] || { echo "# kept in $kept"; false; }
	[ "$(stat -c %a "$kept")" = 600 ]
	run "$CLIENT" report --color=never "$kept"
	[ "$status" -eq 0 ] || { echo "# the copy kept does not read back: $output"; false; }
	[[ "$output" == *"fake_init"* ]] || { echo "# no initcalls in the copy: $output"; false; }
	[ "$(ls -A "$M")" = "$(printf 'filler\nfiller2\nold.svg')" ]
}
