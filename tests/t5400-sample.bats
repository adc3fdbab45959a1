#!/usr/bin/env bats
# gdbstub-client sample against QEMU 7.2 under TCG: the test guest's fake initcalls in the ratio of their spin
# times, a guest spinning at 0x7c00, interrupted and dead guests, and the
# Debian kernel from the reset vector to its no-root panic.

load lib

SAMPLE=$CLIENT
GUEST_ARGS=(-machine pc,accel=tcg -nodefaults -display none -no-reboot -m 32
	-drive "file=$GUEST_IMG,format=raw,if=ide")

setup() {
	need_qemu
	wrapper_env
}

teardown() { kill_tracked; }

# spinning_session: $BATS_TEST_TMPDIR/spin.img, a guest spinning at 0x7c00,
# under qemu-wrapper and running at once (QEMU_WRAPPER_HOLD=0 from here
# on), until its session file exists.
spinning_session() {
	make_spin_bootsector "$BATS_TEST_TMPDIR/spin.img"
	export QEMU_WRAPPER_HOLD=0
	start_wrapper "${BARE_GUEST[@]}" \
		-drive "file=$BATS_TEST_TMPDIR/spin.img,format=raw,if=ide"
	wait_until 10 sessions_at_least 1
}

# Run the sampler in the foreground, bounded; output in $output.
sample() {
	run timeout 120 "$SAMPLE" sample "$@"
}

# The top table's rows, the folded file and the summary must agree.
check_table_and_folded() { # $1 = folded file
	local n rows sum
	n=$(sed -nE 's/^sample: ([0-9]+) samples at .*/\1/p' <<<"$output")
	[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "# no summary line:"; echo "$output"; false; }
	expect_line '^rank percent  samples  symbol/region +mode$'
	# every row: rank, percent, count, place, mode
	rows=$(sed -n '/^rank percent/,/^By process/p' <<<"$output" | grep -E '^ *[0-9]+ ' | grep -vE '^ *[0-9]+ +[0-9.]+% +[0-9]+  .+ (real|v86|prot16|prot32|compat16|compat32|long64|unknown)$' || true)
	[ -z "$rows" ] || { echo "# malformed rows:"; echo "$rows"; false; }
	# in order: ranks 1..N in turn, counts never rising, and each percent
	# is its count of the summary's samples (printed to 0.01 %)
	rows=$(sed -n '/^rank percent/,/^By process/p' <<<"$output" | grep -E '^ *[0-9]+ ' |
		awk -v n="$n" '{
			r++; p = $2; sub(/%$/, "", p); c = $3
			if ($1 != r) print "row " r ": rank " $1
			if (r > 1 && c + 0 > prev + 0) print "row " r ": " c " samples after " prev
			d = p - 100 * c / n; if (d < 0) d = -d
			if (d > 0.0051) printf "row %d: %s%%, but %d of %d is %.4f%%\n", r, p, c, n, 100 * c / n
			prev = c
		}
		END { if (!r) print "no rows" }')
	[ -z "$rows" ] || { echo "# top table:"; echo "$rows"; echo "$output"; false; }
	# folded: mode;region[;caller][;symbol|;0xADDR] count, counts add up to the samples
	bad=$(grep -vE '^(real|v86|prot16|prot32|compat16|compat32|long64|unknown);[a-z-]+(;[^ ;]+){0,2} [0-9]+$' "$1" || true)
	[ -z "$bad" ] || { echo "# malformed folded lines:"; echo "$bad"; false; }
	sum=$(awk '{s += $NF} END {print s + 0}' "$1")
	[ "$sum" -eq "$n" ] || { echo "# folded sums to $sum, summary says $n"; false; }
}

# samples whose stack holds frame $2, from folded file $1
frame_count() {
	awk -v f="$2" '{ k = split($1, a, ";"); for (i = 1; i <= k; i++) if (a[i] == f) { s += $2; break } }
		END { print s + 0 }' "$1"
}

@test "test guest from the reset vector: initcall shares in the ratio of their spins, bios-rom, table and folded well-formed" {
	[ -f "$GUEST_IMG" ] || skip "test guest not built (make guest)"
	# Three boots whose samples are added up: a few hundred in all, about
	# 200 in the initcalls.  A boot in which more than a quarter of the
	# ticks were lost (QEMU or the sampler descheduled on a loaded host:
	# the summary's "ticks skipped") cannot show the ratios and is boot
	# again, up to 8 boots; every boot must still be well-formed.
	local run=0 good=0 n k
	while [ "$good" -lt 3 ] && [ "$run" -lt 8 ]; do
		run=$((run + 1))
		rm -f "$BATS_TEST_TMPDIR/wrapper.rc"
		start_wrapper "${GUEST_ARGS[@]}" "${EXIT_DEVICE[@]}"
		# --callers: fake_spin's samples go to the initcall that called it
		# (a stack read per kernel sample, so not the pipelined way)
		sample --wait --kernel "$GUEST_ELF" --until-exit --top 1000 --callers \
			--folded "$BATS_TEST_TMPDIR/b$run.txt" -o "$BATS_TEST_TMPDIR/p$run.json"
		[ "$status" -eq 0 ] || { echo "# boot $run: status $status:"; echo "$output"; false; }
		! grep -q 'pipelined' <<<"$output" || { echo "# --callers was pipelined: $output"; false; }
		wait_until 10 test -s "$BATS_TEST_TMPDIR/wrapper.rc"
		[ "$(cat "$BATS_TEST_TMPDIR/wrapper.rc")" -eq 33 ] || {
			echo "# boot $run: the guest did not finish (status $(cat "$BATS_TEST_TMPDIR/wrapper.rc"))"
			cat "$BATS_TEST_TMPDIR/wrapper.err" "$QEMU_WRAPPER_LOG"; false; }
		check_table_and_folded "$BATS_TEST_TMPDIR/b$run.txt"
		! grep -q INCOMPLETE <<<"$output"
		grep -Eq '^real;bios-rom[; ]' "$BATS_TEST_TMPDIR/b$run.txt" || {
			echo "# no real-mode BIOS samples:"; cat "$BATS_TEST_TMPDIR/b$run.txt"; false; }
		grep -Eq '^ +[0-9]+ +[0-9.]+% +[0-9]+  \[bios-rom\]' <<<"$output"
		n=$(sed -nE 's/^sample: ([0-9]+) samples .*/\1/p' <<<"$output")
		k=$(sed -nE 's/^sample: .* ([0-9]+) ticks skipped.*/\1/p' <<<"$output")
		echo "# boot $run: $n samples, $k ticks skipped" >&3
		if [ $((4 * k)) -le $((n + k)) ]; then
			good=$((good + 1))
			cp "$BATS_TEST_TMPDIR/b$run.txt" "$BATS_TEST_TMPDIR/f$good.txt"
		fi
	done
	[ "$good" -eq 3 ] || skip "host too loaded: only $good of $run boots kept 3/4 of their ticks"
	cat "$BATS_TEST_TMPDIR"/f[123].txt >"$BATS_TEST_TMPDIR/f.txt"

	# The fake initcalls spin 1 4 2 30 8 15 3 6 ms (69 in all).  At 1 kHz
	# of guest time a spin of T ms gets T +- 1 samples per boot (periodic
	# sampling; stop latency, 0.1-0.3 ms, shifts the grid), measured here
	# on an idle host: 27-33, 8-9, 14-16 of 91-101 samples.  On a loaded
	# host the sampler or QEMU's main loop may be descheduled for a few ms
	# and the ticks in between are lost, several in a row: the share of
	# each spin of 8 ms or more, summed over three boots, is checked
	# within +-30 % relative of T / 69.
	local f ms c total=0 lo hi
	declare -A spin=([alpha]=1 [beta]=4 [gamma]=2 [delta]=30 [epsilon]=8
			 [zeta]=15 [eta]=3 [theta]=6)
	declare -A got
	for f in "${!spin[@]}"; do
		c=$(frame_count "$BATS_TEST_TMPDIR/f.txt" "fake_init_$f")
		total=$((total + c))
		got[$f]=$c
	done
	[ "$total" -ge 120 ] || { echo "# only $total samples in the initcalls"; cat "$BATS_TEST_TMPDIR/f.txt"; false; }
	for f in delta zeta epsilon; do
		ms=${spin[$f]}
		c=${got[$f]}
		# c / total within [0.7, 1.3] * ms / 69, in integers
		lo=$((70 * ms * total)); hi=$((130 * ms * total))
		[ $((100 * 69 * c)) -ge "$lo" ] && [ $((100 * 69 * c)) -le "$hi" ] || {
			echo "# fake_init_$f: $c of $total initcall samples, expected $ms/69 +-30 %"
			cat "$BATS_TEST_TMPDIR"/f[123].txt; false; }
	done

	# the profile JSON: complete, the rate, modes, one interrupt stop per
	# resume, the client's time per sample
	run jq -r '[.complete, .samples.rate_hz, (.samples.entries | length > 0),
		    (.samples.entries | all(.mode != null)), .stops.interrupt_stops,
		    (.stops.median_ns > 0), (.end_ns > 0)] | @tsv' "$BATS_TEST_TMPDIR/p1.json"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^true.1000.true.true.[0-9]+.true.true$ ]] || { echo "# json: $output"; false; }
}

@test "a guest spinning at 0x7c00 (already running): --duration 2 says >= 95 % at 0x7c00, with stops (default) and through the monitor" {
	spinning_session
	local t0 top method
	for method in default monitor; do
		t0=$SECONDS
		if [ "$method" = default ]; then
			sample --latest --duration 2 --folded "$BATS_TEST_TMPDIR/f.txt" \
				-o "$BATS_TEST_TMPDIR/$method.json"
		else
			sample --latest --duration 2 --method=monitor --folded "$BATS_TEST_TMPDIR/f.txt" \
				-o "$BATS_TEST_TMPDIR/$method.json"
		fi
		[ "$status" -eq 0 ] || { echo "# $method: status $status:"; echo "$output"; false; }
		if [ "$method" = monitor ]; then
			# the session has the wrapper's human monitor: the CPU state
			# is read there, the guest never stopped
			expect_line '^sample: [0-9]+ samples at 1000 Hz in [0-9.]+ s \(wall, the guest never stopped\); read through the QEMU monitor unix:'
			[ "$(jq -r '[.samples.method, (.stops.list // [] | length)] | @tsv' "$BATS_TEST_TMPDIR/$method.json")" = "monitor	0" ]
		else
			# one write per sample, the client never holds the guest
			expect_line 'pipelined: one write per sample, the client holds the guest 0 us'
			[ "$(jq -r .samples.method "$BATS_TEST_TMPDIR/$method.json")" = stop ]
		fi
		[ $((SECONDS - t0)) -le 8 ] || { echo "# took $((SECONDS - t0)) s"; false; }
		check_table_and_folded "$BATS_TEST_TMPDIR/f.txt"
		top=$(grep -E '^ +1 ' <<<"$output")
		[[ "$top" =~ ^\ +1\ +(9[5-9]|100)\.[0-9]+%\ +[0-9]+\ +\[boot-sector\]\ 0x7c00\ +real$ ]] || {
			echo "# $method: top row: '$top'"; echo "$output"; false; }
		# the guest runs on after the sampler detached
		proc_alive "$(session_get "$WPID" .qemu_pid)"
	done
	if have_jsonschema; then
		validate "$BATS_TEST_TMPDIR/default.json" "$BATS_TEST_TMPDIR/monitor.json"
	fi
	# the text report says how the samples were read
	run "$CLIENT" report "$BATS_TEST_TMPDIR/monitor.json"
	[ "$status" -eq 0 ]
	expect_line "^Samples: [0-9]+ at 1000 Hz \([0-9.]+ s of guest time\), read through QEMU's monitor \(guest not stopped\); top "
	run "$CLIENT" report "$BATS_TEST_TMPDIR/default.json"
	[ "$status" -eq 0 ]
	expect_line "^Samples: [0-9]+ at 1000 Hz \([0-9.]+ s of guest time\); top "
}

@test "--method=monitor: the test guest's 69 ms of spins come out as about 69 samples a boot" {
	[ -f "$GUEST_IMG" ] || skip "test guest not built (make guest)"
	# No stop at all: the guest runs at full speed, the sampler reads the
	# CPU state QEMU last stored (under TCG: where the vCPU last left
	# generated code or took a jump it could not chain; fake_spin's rdtsc
	# stores it).  Wall time is guest time, so a boot's spins (1 4 2 30 8
	# 15 3 6 ms) get ~69 samples at 1 kHz; ticks skipped while QEMU was
	# behind lose a few: 69 -15/+6 of them in fake_spin and the initcalls.
	local run=0 good=0 bios=0 n k c
	while [ "$good" -lt 2 ] && [ "$run" -lt 6 ]; do
		run=$((run + 1))
		rm -f "$BATS_TEST_TMPDIR/wrapper.rc"
		start_wrapper "${GUEST_ARGS[@]}" "${EXIT_DEVICE[@]}"
		sample --wait --kernel "$GUEST_ELF" --until-exit --top 1000 --method=monitor \
			--folded "$BATS_TEST_TMPDIR/m$run.txt" -o "$BATS_TEST_TMPDIR/m$run.json"
		[ "$status" -eq 0 ] || { echo "# boot $run: status $status:"; echo "$output"; false; }
		expect_line 'read through the QEMU monitor'
		wait_until 10 test -s "$BATS_TEST_TMPDIR/wrapper.rc"
		[ "$(cat "$BATS_TEST_TMPDIR/wrapper.rc")" -eq 33 ]
		check_table_and_folded "$BATS_TEST_TMPDIR/m$run.txt"
		! grep -Eq '^real;bios-rom[; ]' "$BATS_TEST_TMPDIR/m$run.txt" || bios=$((bios + 1))
		[ "$(jq -r '[.complete, .samples.method] | @tsv' "$BATS_TEST_TMPDIR/m$run.json")" = "true	monitor" ]
		n=$(sed -nE 's/^sample: ([0-9]+) samples .*/\1/p' <<<"$output")
		k=$(sed -nE 's/^sample: .* ([0-9]+) ticks skipped.*/\1/p' <<<"$output")
		c=$(awk -F'[; ]' '$3 == "fake_spin" || $3 ~ /^fake_init_/ {s += $NF} END {print s + 0}' "$BATS_TEST_TMPDIR/m$run.txt")
		echo "# boot $run: $n samples, $k ticks skipped, $c in the spins" >&3
		[ "$k" -le 10 ] || continue   # a loaded host lost ticks: boot again
		good=$((good + 1))
		[ "$c" -ge 54 ] && [ "$c" -le 75 ] || {
			echo "# boot $run: $c samples in the spins, expected 69 -15/+6"
			cat "$BATS_TEST_TMPDIR/m$run.txt"; false; }
	done
	[ "$good" -eq 2 ] || skip "host too loaded: only $good of $run boots kept their ticks"
	# the firmware is a few ms of the boot: ticks skipped on a loaded
	# host can miss it in one boot, never in every one
	[ "$bios" -ge 1 ] || { echo "# no boot sampled the BIOS"; false; }
}

@test "--monitor for a plain qemu; a monitor that is missing, QMP or silent is an error" {
	make_spin_bootsector "$BATS_TEST_TMPDIR/spin.img"
	local q=$BATS_TEST_TMPDIR/m.sock qmp=$BATS_TEST_TMPDIR/q.sock
	start_gdb_qemu "${BARE_GUEST[@]}" -drive "file=$BATS_TEST_TMPDIR/spin.img,format=raw,if=ide" \
		-monitor "unix:$q,server=on,wait=off" -qmp "unix:$qmp,server=on,wait=off"
	wait_until 30 test -S "$q"
	sample "127.0.0.1:$PORT" --monitor "unix:$q" --duration 1
	[ "$status" -eq 0 ] || { echo "# status $status:"; echo "$output"; false; }
	expect_line 'read through the QEMU monitor unix:'
	expect_line '^ +1 +(9[5-9]|100)\.[0-9]+% +[0-9]+ +\[boot-sector\] 0x7c00 +real$'

	# no monitor known: --method=monitor is a usage error
	sample "127.0.0.1:$PORT" --method=monitor --duration 1
	[ "$status" -eq 2 ]
	expect_line 'needs QEMU.s human monitor: --monitor unix:PATH'
	# nothing there
	sample "127.0.0.1:$PORT" --method=monitor --monitor "unix:$BATS_TEST_TMPDIR/none.sock" --duration 1 \
		-o "$BATS_TEST_TMPDIR/none.json"
	[ "$status" -eq 1 ]
	expect_line "QEMU monitor: cannot connect to 'unix:$BATS_TEST_TMPDIR/none.sock'"
	[ ! -e "$BATS_TEST_TMPDIR/none.json" ]
	# QMP is refused (requests in flight at power-off can hang QEMU 7.2)
	sample "127.0.0.1:$PORT" --method=monitor --monitor "unix:$qmp" --duration 1
	[ "$status" -eq 1 ]
	expect_line "unix:$qmp is a QMP monitor: sampling needs QEMU's human monitor"
	# something that never prompts
	( python3 -c '
import socket, sys, os
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
while True:
    c, _ = s.accept(); c.sendall(b"220 hello, this is not QEMU\r\n")
' "$BATS_TEST_TMPDIR/bad.sock" </dev/null >/dev/null 2>&1 &
	  echo $! >"$BATS_TEST_TMPDIR/bad.pid" ) 3>&-
	track "$(cat "$BATS_TEST_TMPDIR/bad.pid")"
	wait_until 30 test -S "$BATS_TEST_TMPDIR/bad.sock"
	sample "127.0.0.1:$PORT" --method=monitor --monitor "unix:$BATS_TEST_TMPDIR/bad.sock" --duration 1
	[ "$status" -eq 1 ]
	expect_line "unix:$BATS_TEST_TMPDIR/bad.sock: no prompt within 2000 ms"
	# --method=stop wins over a --monitor
	sample "127.0.0.1:$PORT" --monitor "unix:$qmp" --method=stop --duration 1
	[ "$status" -eq 0 ] || { echo "# status $status:"; echo "$output"; false; }
	expect_line 'pipelined: one write per sample'
}

@test "interrupted: SIGINT and SIGTERM write what was collected, marked incomplete; the guest runs on" {
	spinning_session
	local sig pid rc
	for sig in INT TERM; do
		rc=0
		"$SAMPLE" sample --latest --duration 30 -o "$BATS_TEST_TMPDIR/$sig.json" \
			>"$BATS_TEST_TMPDIR/$sig.out" 2>&1 &
		pid=$!
		track "$pid"
		wait_until 30 grep -q '^sample: attached to' "$BATS_TEST_TMPDIR/$sig.out"
		sleep 1
		kill -"$sig" "$pid"
		wait_until 10 proc_gone "$pid"
		wait "$pid" || rc=$?
		[ "$rc" -eq 1 ] || { echo "# SIG$sig: status $rc"; cat "$BATS_TEST_TMPDIR/$sig.out"; false; }
		grep -q "^INCOMPLETE: interrupted (SIG$sig)$" "$BATS_TEST_TMPDIR/$sig.out"
		grep -Eq '^sample: [1-9][0-9]* samples' "$BATS_TEST_TMPDIR/$sig.out"
		run jq -r '[.complete, .incomplete_reason, (.samples.entries | length)] | @tsv' \
			"$BATS_TEST_TMPDIR/$sig.json"
		[ "$output" = "false	interrupted (SIG$sig)	$(jq '.samples.entries | length' "$BATS_TEST_TMPDIR/$sig.json")" ]
		[[ "$output" != *"	0" ]]
		proc_alive "$(session_get "$WPID" .qemu_pid)"
	done
}

# sample_kill_qemu NAME QEMU-PID SAMPLE-ARGS...: the sampler in the
# background, -o NAME.json, its output in NAME.out; one second after it
# attached qemu is SIGKILLed; it must end with status 1.
sample_kill_qemu() {
	local out=$BATS_TEST_TMPDIR/$1 qpid=$2 pid rc=0
	shift 2
	"$SAMPLE" sample "$@" -o "$out.json" >"$out.out" 2>&1 &
	pid=$!
	track "$pid"
	wait_until 30 grep -q '^sample: attached to' "$out.out"
	sleep 1
	kill -KILL "$qpid"
	wait_until 10 proc_gone "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 1 ] || { echo "# status $rc"; cat "$out.out"; false; }
}

@test "dead guest: qemu killed while sampling, and a connection that drops, are incomplete" {
	spinning_session
	sample_kill_qemu k "$(session_get "$WPID" .qemu_pid)" --latest --duration 30
	grep -Eq '^INCOMPLETE: guest exited \(qemu ended\)$' "$BATS_TEST_TMPDIR/k.out"
	[ "$(jq -r '[.complete, .incomplete_reason] | @tsv' "$BATS_TEST_TMPDIR/k.json")" = \
	  "false	guest exited (qemu ended)" ]

	# a bare endpoint (no session: nobody to ask whether qemu ended)
	start_gdb_qemu "${BARE_GUEST[@]}" -drive "file=$BATS_TEST_TMPDIR/spin.img,format=raw,if=ide"
	sample_kill_qemu d "$QPID" "127.0.0.1:$PORT" --until-exit
	grep -q '^INCOMPLETE: connection dropped$' "$BATS_TEST_TMPDIR/d.out"
	[ "$(jq -r .complete "$BATS_TEST_TMPDIR/d.json")" = false ]

	# nothing listening: an error, no profile
	sample "127.0.0.1:$(free_port)" --duration 1 -o "$BATS_TEST_TMPDIR/none.json"
	[ "$status" -eq 1 ]
	expect_line "cannot attach to '127.0.0.1:[0-9]+'"
	[ ! -e "$BATS_TEST_TMPDIR/none.json" ]
}

@test "usage errors exit 2" {
	sample --hz 0
	[ "$status" -eq 2 ]
	expect_line "^gdbstub-client: --hz: 0 is out of range \\(1 to 100000\\)$"
	sample --duration -1
	[ "$status" -eq 2 ]
	expect_line "^gdbstub-client: --duration: -1 is out of range"
	# strict numbers: trailing junk, overflow, negatives; one line each
	sample --timeout 5x
	[ "$status" -eq 2 ]
	expect_line "^gdbstub-client: --timeout: '5x' is not a whole number$"
	[ "${#lines[@]}" -eq 1 ]
	sample --timeout 99999999999999999999
	[ "$status" -eq 2 ]
	expect_line "^gdbstub-client: --timeout: 99999999999999999999 is out of range"
	sample --top -3
	[ "$status" -eq 2 ]
	expect_line "^gdbstub-client: --top: -3 is out of range"
	sample --hz 1e999
	[ "$status" -eq 2 ]
	expect_line "^gdbstub-client: --hz: '1e999' is not a number$"
	sample --kernel
	[ "$status" -eq 2 ]
	expect_line "option '--kernel' needs a value"
	sample a b
	[ "$status" -eq 2 ]
	expect_line "more than one endpoint: 'a' and 'b'"
	sample --bogus
	[ "$status" -eq 2 ]
	expect_line "unknown option '--bogus'"
	sample --help
	[ "$status" -eq 0 ]
	expect_line '^usage: gdbstub-client sample'
	expect_line 'method=stop\|monitor'
	sample --method=monitor --callers 127.0.0.1:1
	[ "$status" -eq 2 ]
	expect_line 'method=monitor reads no stack'
	sample --method=fast
	[ "$status" -eq 2 ]
	expect_line "^gdbstub-client: --method: 'fast' is not 'stop' or 'monitor'$"
}

@test "Debian kernel from the reset vector to its panic: bios, decompressor, then kernel symbols" {
	[ -r "$VMLINUZ" ] || skip "no $VMLINUZ"
	start_wrapper -machine pc,accel=tcg -nodefaults -display none -no-reboot -m 512 \
		-kernel "$VMLINUZ" -append "nokaslr console=ttyS0 panic=-1" \
		-serial "file:$BATS_TEST_TMPDIR/serial.txt"
	sample --wait --until-exit --top 40 --folded "$BATS_TEST_TMPDIR/f.txt" \
		-o "$BATS_TEST_TMPDIR/p.json"
	[ "$status" -eq 0 ] || { echo "# status $status:"; echo "$output"; false; }
	grep -q 'VFS: Unable to mount root fs' "$BATS_TEST_TMPDIR/serial.txt"
	check_table_and_folded "$BATS_TEST_TMPDIR/f.txt"
	local dec kern setup
	dec=$(awk -F'[; ]' '$2 == "decompressor" {s += $NF} END {print s + 0}' "$BATS_TEST_TMPDIR/f.txt")
	kern=$(awk -F'[; ]' '$1 == "long64" && $2 == "kernel" {s += $NF} END {print s + 0}' "$BATS_TEST_TMPDIR/f.txt")
	setup=$(awk -F'[; ]' '$2 == "real-mode-setup" || $2 == "bios-rom" {s += $NF} END {print s + 0}' "$BATS_TEST_TMPDIR/f.txt")
	# xz decompression under TCG is a large part of this boot (about 60 %)
	[ "$dec" -ge 300 ] || { echo "# decompressor: $dec samples"; cat "$BATS_TEST_TMPDIR/f.txt" | sort -t' ' -k2 -nr | head -20; false; }
	[ "$kern" -ge 300 ] || { echo "# kernel: $kern samples"; false; }
	[ "$setup" -ge 1 ]
	# kernel functions by name, at link addresses (nokaslr)
	grep -Eq '^long64;kernel;([^ ;]+;)?(setup_boot_APIC_clock|__x86_return_thunk|clear_page_rep|native_safe_halt|do_one_initcall|[a-z_0-9]+) [0-9]+$' "$BATS_TEST_TMPDIR/f.txt"
	[ "$(grep -Ec '^long64;kernel;' "$BATS_TEST_TMPDIR/f.txt")" -ge 50 ]
	[ "$(jq -r .complete "$BATS_TEST_TMPDIR/p.json")" = true ]
	[ "$(jq '[.samples.entries[] | select(.region == "kernel")] | length' "$BATS_TEST_TMPDIR/p.json")" -ge 50 ]
	# time by process: the table, the idle task and pid 1 among its rows,
	# the processes in the JSON
	expect_line '^By process: [0-9]+ samples named, [0-9]+ in no known process '
	grep -Eq '^ +[0-9]+ +[0-9]+ +[0-9.]+% +[0-9]+%  0 +\[swapper/0\]$' <<<"$output"
	grep -Eq '^ +[0-9]+ +[0-9]+ +[0-9.]+% +[0-9]+%  1 +swapper/0$' <<<"$output"
	[ "$(jq '[.samples.processes[] | select(.pid == 0 and .kernel_thread)] | length > 0' \
		"$BATS_TEST_TMPDIR/p.json")" = true ]
}
