#!/usr/bin/env bats
# gdbstub-client: bad input (dead endpoint, not a stub, unknown symbol,
# malformed address; the REPL survives them) and the KVM-style breakpoint
# fallback against the scripted fake stub (tests/helpers/fake-stub).

load lib

setup() {
	need_client
	[ -x "$FAKE" ] || skip "tests/helpers/fake-stub not built"
}

teardown() { kill_tracked; }

TDESC=$(x86_64_tdesc)

# gregs RIP CR0: a 'g' reply in long mode (efer LMA) or not
gregs() {
	local efer=0
	(( $2 & 0x80000000 )) && efer=$((0x500))
	x86_64_gregs "$1" 0 0 "$2" "$efer" 0x10 0x18
}

# the opening every session has: qSupported, description, vCont?, '?',
# "monitor info kvm" saying enabled, then the first location shown
kvm_opening() { # RIP CR0
	cat <<-EOS
	expect qSupported*
	reply PacketSize=1000;qXfer:features:read+;vContSupported+
	expect qXfer:features:read:target.xml:0,*
	reply $TDESC
	expect vCont?
	reply vCont;c;C;s;S
	expect ?
	reply T05thread:01;
	expect qRcmd,696e666f206b766d
	reply O$(printf 'kvm support: enabled\n' | od -An -tx1 | tr -d ' \n')
	reply OK
	expect g
	reply $(gregs "$1" "$2")
	expect qRcmd,*
	reply OK
	expect m*
	reply 0f1f440000909090
	EOS
}

# the opening up to the first 'g' (attach reads the registers next)
opening_to_g() { kvm_opening 0 0 | head -12; }
# the whole opening, the guest in long mode at 0x1000000
opening_long() { kvm_opening 0x1000000 0x80000011; }

# fake_script OPENING LINE...: $BATS_TEST_TMPDIR/s is what the function
# OPENING prints, then each LINE
fake_script() {
	local opening=$1
	shift
	{ "$opening"; printf '%s\n' "$@"; } >"$BATS_TEST_TMPDIR/s"
}

# attach_fake CLIENT-ARGS...: the fake stub plays $BATS_TEST_TMPDIR/s, the
# client attaches to it (5 s timeout) with CLIENT-ARGS; `run` sets $status
# and $output.
attach_fake() {
	start_fake "$BATS_TEST_TMPDIR/s"
	run timeout 30 "$CLIENT" attach "127.0.0.1:$FPORT" --timeout 5 "$@"
}

@test "dead endpoint: clear error, exit 1" {
	run timeout 20 "$CLIENT" attach "127.0.0.1:$(free_port)" --timeout 3 -ex mode
	[ "$status" -eq 1 ] || { echo "# expected status 1, saw $status: $output"; false; }
	expect_line "^gdbstub-client: cannot attach to '127.0.0.1:[0-9]+': .*refused"
}

@test "a server that is not a GDB stub: clear error" {
	cat >"$BATS_TEST_TMPDIR/s" <<-'EOS'
	raw HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n
	drain 3000
	EOS
	start_fake "$BATS_TEST_TMPDIR/s"
	run timeout 20 "$CLIENT" attach "127.0.0.1:$FPORT" --timeout 2 -ex mode
	[ "$status" -eq 1 ] || { echo "# expected status 1, saw $status: $output"; false; }
	expect_line "^gdbstub-client: cannot attach to '127.0.0.1:$FPORT': "
	! grep -q "^mode:" <<<"$output"
}

@test "no session and no endpoint: says where it looked" {
	export QEMU_WRAPPER_RUNDIR=$BATS_TEST_TMPDIR/run
	run timeout 20 "$CLIENT" attach --latest
	[ "$status" -eq 1 ]
	expect_line "no live qemu-wrapper session .* in '$BATS_TEST_TMPDIR/run'"
	run timeout 20 "$CLIENT" attach --wait --timeout 1
	[ "$status" -eq 1 ]
	expect_line "no qemu-wrapper session appeared in .* within 1 s"
}

@test "unknown symbol, malformed address, unknown command: errors, the REPL goes on" {
	start_gdb_qemu "${BARE_GUEST[@]}" -S
	local port=$PORT
	# commands on a pipe behave like the REPL: every line runs
	run timeout 30 "$CLIENT" attach "127.0.0.1:$port" --kernel "$GUEST_ELF" <<-'EOS'
	break no_such_function
	break 0x12zz
	x/4x f000:fffff0000
	frobnicate
	break start16 if $nosuchreg == 1
	break start16 if $rax ==
	mode
	EOS
	[ "$status" -eq 1 ] || { echo "# expected status 1 (some commands failed), saw $status"; false; }
	expect_line "^gdbstub-client: unknown symbol 'no_such_function'$"
	expect_line "^gdbstub-client: malformed address '0x12zz': not a number"
	expect_line "^gdbstub-client: malformed address 'f000:fffff0000'"
	expect_line "^gdbstub-client: unknown command 'frobnicate'"
	expect_line "^gdbstub-client: unknown register '\\\$nosuchreg'"
	expect_line "^gdbstub-client: malformed condition '\\\$rax ==': empty operand"
	# and after all that, it still answers
	expect_line '^mode: real \(16-bit code\)$'
}

@test "-x FILE stops at the first failing command, status 1" {
	start_gdb_qemu "${BARE_GUEST[@]}" -S
	local port=$PORT
	printf 'mode\nbreak nowhere\nhelp\n' >"$BATS_TEST_TMPDIR/cmds"
	run timeout 30 "$CLIENT" attach "127.0.0.1:$port" -x "$BATS_TEST_TMPDIR/cmds"
	[ "$status" -eq 1 ]
	expect_line "^mode: real"
	expect_line "stopped at the failing command 'break nowhere'"
	! grep -q "^Commands" <<<"$output" || { echo "# 'help' ran after the failure"; false; }
}

@test "KVM: software breakpoint refused -> hardware, re-armed as software at the next stop" {
	{
		kvm_opening 0x2000 0x80000011
		cat <<-EOS
		expect Z0,1000000,1
		reply E0e
		expect Z1,1000000,1
		reply OK
		expect vCont;c
		reply T05thread:01;
		expect g
		reply $(gregs 0x1000000 0x80000011)
		expect Z0,1000000,1
		reply OK
		expect z1,1000000,1
		reply OK
		expect qRcmd,*
		reply OK
		expect m1000000,*
		reply 0f1f440000909090
		expect z0,1000000,1
		reply OK
		expect D*
		reply OK
		EOS
	} >"$BATS_TEST_TMPDIR/s"
	attach_fake -ex 'break 0x1000000' -ex 'info breakpoints' -ex continue -ex 'info breakpoints'
	[ "$status" -eq 0 ] || { echo "# status $status"; echo "$output"; fake_result; false; }
	fake_result
	expect_line '^attached to .* \(kvm\)$'
	expect_line '^Breakpoint 1 at 0x1000000: hardware for now \(software refused: .*\)$'
	expect_line '^1 +breakpoint +keep +hardware +0x0000000001000000 .*\[software when possible\]$'
	expect_line '^breakpoint 1 at 0x1000000 re-armed as a software breakpoint$'
	expect_line '^Breakpoint 1, 0x1000000 in 64-bit mode$'
	expect_line '^1 +breakpoint +keep +software +0x0000000001000000'
}

@test "KVM before paging: straight to a hardware breakpoint, no Z0 tried" {
	{
		kvm_opening 0x7c00 0x11
		cat <<-EOS
		expect Z1,7e00,1
		reply OK
		expect z1,7e00,1
		reply OK
		expect D*
		reply OK
		EOS
	} >"$BATS_TEST_TMPDIR/s"
	attach_fake -ex 'break 0x7e00'
	[ "$status" -eq 0 ] || { echo "# status $status"; echo "$output"; fake_result; false; }
	fake_result
	expect_line '^Breakpoint 1 at 0x7e00: hardware for now \(KVM before paging\)$'
}

@test "hbreak: at most 4 hardware breakpoints" {
	start_gdb_qemu "${BARE_GUEST[@]}" -S
	local port=$PORT
	run timeout 30 "$CLIENT" attach "127.0.0.1:$port" -ex 'hbreak 0x1000' \
		-ex 'hbreak 0x1001' -ex 'hbreak 0x1002' -ex 'hbreak 0x1003' -ex 'hbreak 0x1004'
	[ "$status" -eq 1 ]
	expect_line '^Hardware breakpoint 4 at 0x1003$'
	expect_line 'all 4 hardware breakpoint slots are in use'
}

# A hostile or broken stub: never report broken results.  Each
# answer the client must refuse ends in a clear error naming the packet,
# a non-zero status, and no byte from the stub reaches the terminal raw.

# no_raw_control: $output holds no ESC, BEL or CSI byte
no_raw_control() {
	! LC_ALL=C grep -q $'[\x1b\x07\x9b]' <<<"$output" || {
		echo "# raw control bytes in the output:"
		cat -v <<<"$output" | sed 's/^/#   /'
		false
	}
}

@test "hostile stub: a 5-byte 'g' reply is refused, not read as registers" {
	fake_script opening_to_g 'reply 0000000000' 'expect g' 'reply 0000000000' 'expect D*' 'reply OK'
	attach_fake -ex 'info registers rip'
	expect_status 1
	expect_line "^gdbstub-client: cannot read register 'rip': stub's 'g' reply is 10 hex digits, expected 472 \(236 bytes of registers, i386:x86-64\)$"
	! grep -Eq '^rip +0x' <<<"$output" || { echo "# a value was printed: $output"; false; }
	fake_result
}

@test "hostile stub: a 4 MB reply is refused with an error, the session goes on" {
	fake_script opening_to_g 'big 4194304 00' 'expect g' 'big 4194304 00' 'expect D*' 'reply OK'
	attach_fake -ex 'info registers rip'
	expect_status 1
	expect_line "^gdbstub-client: cannot read register 'rip': the stub sent a 4194308-byte packet, longer than 65536 bytes: refused$"
	! grep -Eq '^rip +0x' <<<"$output" || { echo "# a value was printed: $output"; false; }
	fake_result
}

@test "hostile stub: ESC bytes in monitor output, an error reply and the trace are escaped" {
	local text
	text=$(printf '\033]0;pwned\007QEMU 7.2\r\n' | od -An -tx1 | tr -d ' \n')
	{
		opening_long
		cat <<-EOS
		expect qRcmd,*
		reply O$text
		reply OK
		expect Z0,2000,1
		reply E.\\x1b[31mboom
		expect Z1,2000,1
		reply E.\\x1b[2J\\x9b
		expect D*
		reply OK
		EOS
	} >"$BATS_TEST_TMPDIR/s"
	GDBSTUB_TRACE=1 attach_fake -ex 'monitor info version' -ex 'break 0x2000'
	[ "$status" -eq 1 ] || { echo "# expected status 1, saw $status"; cat -v <<<"$output"; false; }
	no_raw_control
	# monitor text keeps its line, the escape sequence shown as text
	expect_line '^\\x1b\]0;pwned\\x07QEMU 7\.2$'
	expect_line "^gdbstub-client: .*cannot insert hardware breakpoint at 0x2000: '\\\\x1b\[2J\\\\x9b'"
	expect_line '^rsp: <- \$E\.\\x1b\[31mboom#[0-9a-f]{2}$'
	fake_result
}

@test "hostile stub: X09 instead of the registers: killed by signal 9, status 1" {
	fake_script opening_to_g 'reply X09' 'drain 5000'
	attach_fake -ex 'info registers rip'
	expect_status 1
	expect_line "^gdbstub-client: cannot read the registers: no reply to 'g': the target was killed by signal 9$"
	expect_line '^gdbstub-client: the target is gone: the target was killed by signal 9$'
	fake_result
}

@test "hostile stub: W00 instead of a memory reply: exited, status 1" {
	fake_script opening_long 'expect m1000,*' 'reply W00;process:1' 'drain 5000'
	attach_fake -ex 'x/4x 0x1000'
	expect_status 1
	expect_line "^gdbstub-client: no reply to 'm': the target exited with status 0$"
	fake_result
}

@test "hostile stub: the stub closes mid-session, between and inside packets" {
	fake_script opening_long 'expect m1000,*' 'close'
	attach_fake -ex 'x/4x 0x1000'
	expect_status 1
	expect_line '^gdbstub-client: connection closed by the stub$'
	fake_result

	fake_script opening_long 'expect m1000,*' 'raw $0011' 'close'
	attach_fake -ex 'x/4x 0x1000'
	expect_status 1
	expect_line '^gdbstub-client: connection closed in the middle of a packet'
}

@test "hostile stub: X09 while running is reported as the target killed" {
	fake_script opening_long 'expect vCont;c' 'reply X09' 'drain 5000'
	attach_fake -ex continue -ex 'info registers rip'
	expect_line '^\[target terminated by signal SIGKILL, Killed\]$'
	! grep -Eq '^rip +0x' <<<"$output" || { echo "# registers read after the end: $output"; false; }
	fake_result
}

@test "a stub without watchpoints: watch says so in one line" {
	# QEMU under TCG takes Z2-Z4; a stub that answers Z2 empty does not
	fake_script opening_long 'expect m1000,4' 'reply 2a000000' 'expect Z2,1000,4' 'reply' \
		'expect D*' 'reply OK'
	attach_fake -ex 'watch *(int *)0x1000' -ex 'info watchpoints'
	expect_status 1
	expect_line "^gdbstub-client: cannot set a watchpoint on 0x1000: the stub does not support write watchpoints \(Z2\)$"
	! grep -q 'Hardware watchpoint' <<<"$output"
	fake_result
}
