#!/usr/bin/env bats
# gdbstub-client's protocol library against a real QEMU 7.2 (TCG), held at
# the reset vector with -S, through the test helper tests/helpers/rsp-probe.
# Every test starts its own QEMU on a free loopback port; teardown kills it.

PROBE=$BATS_TEST_DIRNAME/helpers/rsp-probe

load lib

setup() {
	[ -x "$PROBE" ] || skip "tests/helpers/rsp-probe not built (make check builds it)"
	command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64"
	start_gdb_qemu -machine accel=tcg -display none -nodefaults -S
	ADDR=127.0.0.1:$PORT
}

teardown() { kill_tracked; }

# probe CMD...: run rsp-probe against this test's QEMU, bounded to 60 s.
probe() {
	timeout 60 "$PROBE" -w 5000 "$ADDR" "$@"
}

@test "reset state: description read, rip=0xfff0, cs=0xf000, PE clear, far jump at 0xffff0" {
	run probe start regs reg=rip reg=cs "mem=0xffff0,16"
	[ "$status" -eq 0 ] || { echo "# status $status: $output"; false; }
	expect_line '^packetsize=4096 arch=i386:x86-64 nregs=[0-9]+ g_size=608 vcont=1 noack=0$'
	expect_line '^g_bytes=608$'
	expect_line '^rip=0xfff0$'
	expect_line '^cs=0xf000$'
	# p works once the description was read (QEMU answers p empty before)
	[ "$(grep -c '^rip=0xfff0$' <<<"$output")" -eq 2 ] || { echo "# p rip: $output"; false; }
	local cr0
	cr0=$(sed -n 's/^cr0=//p' <<<"$output")
	[ $((cr0 & 1)) -eq 0 ] || { echo "# expected CR0.PE clear, saw cr0=$cr0"; false; }
	# SeaBIOS: ljmp $0xf000,$0xe05b
	expect_line '^mem=ea5be000f0'
}

@test "single steps move rip from the reset vector into SeaBIOS" {
	run probe start step step step
	[ "$status" -eq 0 ] || { echo "# status $status: $output"; false; }
	local pcs
	pcs=$(sed -n 's/^stop kind=T signo=5 tid=1 pc=\(0x[0-9a-f]*\).*/\1/p' <<<"$output" | tr '\n' ' ')
	[ "$pcs" = "0xe05b 0xe062 0xe066 " ] || [ "$(wc -w <<<"$pcs")" -eq 3 -a "${pcs%% *}" = 0xe05b ] || {
		echo "# expected 3 steps starting at 0xe05b, saw: $pcs"; echo "$output"; false; }
	expect_line 'linear=0xfe05b$'
}

@test "breakpoint at 0xfe05b is hit; continuing steps over it instead of re-stopping" {
	run probe start break=0xfe05b cont run=1000
	[ "$status" -eq 0 ] || { echo "# status $status: $output"; false; }
	expect_line '^inserted=0xfe05b$'
	# first continue: stopped at the breakpoint (linear address)
	local first
	first=$(grep '^stop ' <<<"$output" | head -1)
	[[ "$first" == *"signo=5"*"linear=0xfe05b" ]] || { echo "# first stop: $first"; false; }
	# second continue: the guest ran on (no immediate re-stop at 0xfe05b)
	# until interrupted
	expect_line '^running after 1000 ms$'
	local last
	last=$(grep '^stop ' <<<"$output" | tail -1)
	[[ "$last" == *"signo=2"* && "$last" != *"linear=0xfe05b" ]] || {
		echo "# expected a SIGINT stop elsewhere, saw: $last"; false; }
}

@test "without the step-over, QEMU 7.2 stops again at once (why rsp_resume exists)" {
	# rawcont = rsp_continue without rsp_resume's step-over
	run probe start break=0xfe05b cont rawcont
	[ "$status" -eq 0 ] || { echo "# status $status: $output"; false; }
	[ "$(grep -c '^stop kind=T signo=5 .*linear=0xfe05b$' <<<"$output")" -eq 2 ] || {
		echo "# expected two stops at 0xfe05b, saw:"; echo "$output"; false; }
}

@test "step-over works for a hardware breakpoint too" {
	run probe start hbreak=0xfe05b cont run=500
	[ "$status" -eq 0 ] || { echo "# status $status: $output"; false; }
	[[ "$(grep '^stop ' <<<"$output" | head -1)" == *"linear=0xfe05b" ]] || { echo "$output"; false; }
	expect_line '^running after 500 ms$'
	[[ "$(grep '^stop ' <<<"$output" | tail -1)" == *"signo=2"* ]] || { echo "$output"; false; }
}

@test "g round trip against QEMU (figure for the report)" {
	run probe start time-g=1000
	[ "$status" -eq 0 ] || { echo "# status $status: $output"; false; }
	expect_line '^g_round_trip_us=[0-9]+$'
	local us
	us=$(sed -n 's/^g_round_trip_us=//p' <<<"$output")
	echo "# g round trip: $us us" >&3
	# Nagle + delayed ack would make it ~40000 us: TCP_NODELAY is set
	[ "$us" -lt 5000 ] || { echo "# g round trip $us us"; false; }
}

@test "'?' is refused while a breakpoint is inserted (QEMU would drop it)" {
	run probe start break=0xfe05b halt
	[ "$status" -eq 1 ] || { echo "# expected failure, saw status $status: $output"; false; }
	expect_line "^error: refusing '\\?' with 1 breakpoint inserted"
}

@test "qRcmd 'info registers' output arrives through O packets" {
	run probe start "monitor=info registers"
	[ "$status" -eq 0 ] || { echo "# status $status: $output"; false; }
	expect_line '^CS =f000 ffff0000'
	expect_line '^EIP=0000fff0'
}

@test "interrupting a running guest with 0x03 gives a stop reply" {
	run probe start run=300 threads
	[ "$status" -eq 0 ] || { echo "# status $status: $output"; false; }
	expect_line '^running after 300 ms$'
	expect_line '^stop kind=T signo=2 tid=1 pc=0x[0-9a-f]+ linear=0x[0-9a-f]+$'
	expect_line '^thread pid=-1 tid=1$'
}

@test "GDBSTUB_TRACE=1 traces packets both ways on stderr" {
	GDBSTUB_TRACE=1 timeout 60 "$PROBE" -w 5000 "$ADDR" start regs \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/trace"
	local t=$BATS_TEST_TMPDIR/trace
	grep -q '^rsp: -> \$qSupported:.*#[0-9a-f][0-9a-f]$' "$t" || { echo "# no sent qSupported:"; head -5 "$t"; false; }
	grep -q '^rsp: <- \$PacketSize=1000;.*#[0-9a-f][0-9a-f]$' "$t" || { echo "# no received qSupported reply"; head -5 "$t"; false; }
	grep -q '^rsp: <- +$' "$t" || { echo "# no ack received"; false; }
	grep -q '^rsp: -> +$' "$t" || { echo "# no ack sent"; false; }
	grep -q '^rsp: -> \$g#67$' "$t" || { echo "# no g"; false; }
	# binary XML with newlines is escaped
	grep -q '\\x0a' "$t" || { echo "# nothing escaped"; false; }
	# without the variable: silent
	timeout 60 "$PROBE" "$ADDR" start regs >/dev/null 2>"$BATS_TEST_TMPDIR/quiet"
	[ ! -s "$BATS_TEST_TMPDIR/quiet" ] || { echo "# trace without GDBSTUB_TRACE:"; cat "$BATS_TEST_TMPDIR/quiet"; false; }
}

@test "kill ends QEMU and counts as success" {
	run probe start kill
	[ "$status" -eq 0 ] || { echo "# status $status: $output"; false; }
	local i
	for i in $(seq 50); do
		kill -0 "$QPID" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$QPID" 2>/dev/null || { echo "# qemu still alive after k"; false; }
}
