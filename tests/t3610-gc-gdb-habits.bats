#!/usr/bin/env bats
# gdb's vocabulary in gdbstub-client, against real QEMU 7.2 (TCG) and the
# test guest (tests/guests): p/FMT, $sp $fp $pc in 16-, 32- and 64-bit
# code, x/NFU in every format and size, watchpoints (Z2-Z4) with old and
# new values, set of registers and memory read back, display, until over
# a loop, advance, info symbol, info registers shaped as gdb's,
# --run-timeout bounding every command that lets the guest run; and, in a
# real terminal (tmux, as t3600), Enter repeating the last command and
# delete asking first.

load lib
bats_require_minimum_version 1.5.0

setup() {
	need_client
	need_guest
}

teardown() {
	[ -n "${SOCK:-}" ] && tmux -L "$SOCK" kill-server 2>/dev/null
	kill_tracked
}

start_guest() {
	start_gdb_qemu -machine pc,accel=tcg -nodefaults -display none \
		-no-reboot -m 32 -drive "file=$GUEST_IMG,format=raw,if=ide" \
		"${EXIT_DEVICE[@]}" -S
}

client() {
	run timeout 60 "$CLIENT" attach "127.0.0.1:$PORT" --kernel "$GUEST_ELF" "$@"
	[ "$status" -eq 0 ] || { echo "# client status $status:"; sed 's/^/#   /' <<<"$output"; false; }
}

# guest_client ARGS...: start_guest and client, again (at most 3 times in
# all) when the guest exited before the commands were done.  On a host
# loaded by other test runs the test guest's PIT calibration can fail:
# it then exits before its initcalls (guest_exit with 0x13, EXIT_PIT, in
# 1 of 8 boots at a load average of 8.9 here), whoever debugs it.
guest_client() {
	local try
	for try in 1 2 3; do
		start_guest
		run timeout 60 "$CLIENT" attach "127.0.0.1:$PORT" --kernel "$GUEST_ELF" "$@"
		grep -q '^\[connection closed by the stub' <<<"$output" || break
		echo "# try $try: the guest exited early; again" >&2
	done
	[ "$status" -eq 0 ] || { echo "# client status $status:"; sed 's/^/#   /' <<<"$output"; false; }
}

# the value after "NAME  0x..." in info registers output: $1 the register
reg_hex() { awk -v r="$1" '$1 == r { print $2; exit }' <<<"$output"; }

@test "p/FMT as gdb prints it, and \$sp \$fp \$pc in the width of 16-, 32- and 64-bit code" {
	start_guest
	client -ex 'p/x 255' -ex 'p/o 8' -ex 'p/t 5' -ex 'p/c 65' -ex 'p/d 0xffffffffffffffff' \
		-ex 'p/u 0xffffffffffffffff' -ex 'p/z 0x1ad40' -ex 'p/a start64+4' -ex 'p/x $1+1' \
		-ex 'p/x $pc' -ex 'info registers rsp rbp' -ex 'p/x $sp' -ex 'p/x $fp' \
		-ex 'break start32' -ex continue -ex 'info registers rsp' -ex 'p/x $sp' \
		-ex 'break start64' -ex continue -ex 'info registers rsp' -ex 'p/x $sp' -ex 'p/x $pc'
	# gdb 13's own answers for the same expressions
	expect_line '^\$1 = 0xff$'
	expect_line '^\$2 = 010$'
	expect_line '^\$3 = 101$'
	expect_line "^\\\$4 = 65 'A'$"
	expect_line '^\$5 = -1$'
	expect_line '^\$6 = 18446744073709551615$'
	expect_line '^\$7 = 0x000000000001ad40$'
	expect_line '^\$8 = 0x7eb4 <start64\+0x4>$'
	expect_line '^\$9 = 0x100$'
	# at the reset vector $pc is linear, $sp the 16-bit sp
	expect_line '^\$10 = 0xfffffff0$'
	local sps
	sps=$(grep -E '^\$(11|13|14) = ' <<<"$output" | sed 's/.* = //')
	# the registers printed before each $sp, masked to the mode's width
	local rsps
	rsps=$(grep -E '^rsp ' <<<"$output" | awk '{ print $2 }')
	local want=() i=0 r
	for r in $rsps; do
		case $i in
		0) want+=("$(printf '0x%x' $((r & 0xffff)))") ;;
		1) want+=("$(printf '0x%x' $((r & 0xffffffff)))") ;;
		2) want+=("$(printf '0x%x' $((r)))") ;;
		esac
		i=$((i + 1))
	done
	[ "$(echo $sps)" = "${want[*]}" ] || { echo "# \$sp per mode: saw '$(echo $sps)', want '${want[*]}'"; echo "$output"; false; }
	expect_line '^\$15 = 0x7eb0$'
}

@test "\$sp and \$fp in the mode's width: sp in real mode, esp in 32-bit, rsp in 64-bit code" {
	# high bits planted in rsp and rbp, then read through $sp and $fp
	guest_client -ex 'set $rsp = 0x1122334455667788' -ex 'p/x $sp' -ex 'set $rsp = 0' \
		-ex 'break start32' -ex continue -ex 'p/x $rbp' \
		-ex 'set $rbp = 0x1122334400000000 + $2' -ex 'p/x $fp' -ex 'set $rbp = $2' \
		-ex 'break start64' -ex continue -ex 'set $rbp = 0x1122334455667788' -ex 'p/x $fp'
	expect_line '^\$1 = 0x7788$'
	expect_line '^\$4 = 0x1122334455667788$'
	# $2 is rbp at start32, $3 its low 32 bits: the same number
	local r2 r3
	r2=$(sed -n 's/^\$2 = //p' <<<"$output")
	r3=$(sed -n 's/^\$3 = //p' <<<"$output")
	[ -n "$r2" ] && [ "$r2" = "$r3" ] || { echo "# \$fp in 32-bit code: rbp $r2, \$fp $r3"; echo "$output"; false; }
}

@test "x/NFU: sizes b h w g, formats x d u o t z a c s i; x alone goes on; the 4 GiB end is said" {
	guest_client -ex 'x/10i $pc' -ex 'break initcalls_done' -ex continue \
		-ex 'x/4xb guest_log' -ex 'x/2xh guest_log' -ex 'x/1xw guest_log' -ex 'x/1xg guest_log' \
		-ex 'x/2dw guest_log+4' -ex 'x/1uw guest_log+8' -ex 'x/1ow guest_log+8' \
		-ex 'x/1tb guest_log+4' -ex 'x/1zh guest_log+4' -ex 'x/4c guest_log' \
		-ex 'x/s guest_log' -ex 'x/2xw guest_log' -ex 'x' -ex 'x/2a 0x1090' -ex 'x/2i fake_spin'
	# the reset vector: 5 instructions fit below 4 GiB, and it says so
	[ "$(grep -c '^ *\(=>\)\? *0xffffff' <<<"$output")" -ge 5 ]
	expect_line '^\(the 4 GiB address space ends at 0x100000000: 5 of 10 instructions\)$'
	# the log header: "GLOG", version 1, 8 entries, a table of 8
	expect_line '^0x1000 <guest_log>:	0x47	0x4c	0x4f	0x47$'
	expect_line '^0x1000 <guest_log>:	0x4c47	0x474f$'
	expect_line '^0x1000 <guest_log>:	0x474f4c47$'
	expect_line '^0x1000 <guest_log>:	0x00000001474f4c47$'
	expect_line '^0x1004 <guest_log\+0x4>:	1	8$'
	expect_line '^0x1008 <guest_log\+0x8>:	8$'
	expect_line '^0x1008 <guest_log\+0x8>:	010$'
	expect_line '^0x1004 <guest_log\+0x4>:	00000001$'
	expect_line '^0x1004 <guest_log\+0x4>:	0x0001$'
	expect_line "^0x1000 <guest_log>:	71 'G'	76 'L'	79 'O'	71 'G'\$"
	expect_line '^0x1000 <guest_log>:	"GLOG\\001"$'
	# x alone: the next unit in the last format and size
	expect_line '^0x1000 <guest_log>:	0x474f4c47	0x00000001$'
	expect_line '^0x1008 <guest_log\+0x8>:	0x00000008$'
	# x/a: pointers named; the first log entry's function is fake_init_alpha
	expect_line '^0x1090 <guest_log\+0x90>:	0x[0-9a-f]+	0x9060 <fake_init_alpha>$'
	expect_line '^   0x9000 <fake_spin>:	rdtsc$'
}

@test "watch, rwatch, awatch through Z2-Z4: old and new values, the stop after the access" {
	# LOG_COUNT (guest_log+8) is read by do_one_initcall and fake_spin and
	# incremented by do_one_initcall after each initcall
	guest_client -ex 'break start64' -ex continue -ex 'watch *(int *)(&guest_log+8)' \
		-ex 'info breakpoints' -ex continue -ex continue -ex 'delete' \
		-ex 'rwatch *(int *)0x1008' -ex continue -ex delete \
		-ex 'awatch *(unsigned int *)(guest_log+8)' -ex continue -ex continue -ex 'info watchpoints'
	expect_line '^Hardware watchpoint 2: \*\(int \*\)\(&guest_log\+8\)$'
	# gdb's Type column holds "hw watchpoint" and "read watchpoint" whole
	expect_line '^2    hw watchpoint   keep  hardware  0x0000000000001008  \*\(int \*\)\(&guest_log\+8\)$'
	# the first and second initcalls count 0 -> 1 -> 2: the stop is right
	# after the incl
	[ "$(grep -A3 '^Hardware watchpoint 2: ' <<<"$output" | grep -E '^(Old|New) value' | tr '\n' ' ')" = \
	  "Old value = 0 New value = 1 Old value = 1 New value = 2 " ] ||
		{ echo "# watch values:"; echo "$output"; false; }
	[ "$(grep -c '^=> 0x80f2 <do_one_initcall+0x32>:	popq %rbx$' <<<"$output")" -ge 2 ] ||
		{ echo "# expected stops after the incl in do_one_initcall:"; echo "$output"; false; }
	# a read: fake_spin reads the count (2) at its start
	expect_line '^Hardware read watchpoint 3: \*\(int \*\)0x1008$'
	grep -A3 '^Hardware read watchpoint 3: ' <<<"$output" | grep -q '^Value = 2$'
	expect_line '^=> 0x9013 <fake_spin\+0x13>:	xorl %r9d, %r9d$'
	# access: a read shows Value, the write Old/New
	expect_line '^Hardware access \(read/write\) watchpoint 4: \*\(unsigned int \*\)\(guest_log\+8\)$'
	# do_one_initcall reads the count (2) back, then increments it
	[ "$(grep -A4 '^Hardware access (read/write) watchpoint 4: ' <<<"$output" |
	     grep -E '^(Old value|New value|Value) = ' | tr '\n' ' ')" = \
	  "Value = 2 Old value = 2 New value = 3 " ] || { echo "# access values:"; echo "$output"; false; }
	expect_line '^=> 0x80d6 <do_one_initcall\+0x16>:	cmpl \$0x10, %ecx$'
	expect_line '^4    acc watchpoint  keep  hardware  0x0000000000001008  '
	expect_line '^	breakpoint already hit 2 times$'
}

@test "a write and a read watchpoint on one word: each stop names the one that fired" {
	# QEMU names one watchpoint per stop, and an incl (read and write)
	# comes as "rwatch": the client tells them apart by the values
	guest_client -ex 'break start64' -ex continue -ex 'watch *(int *)0x1008' \
		-ex 'rwatch *(int *)0x1008' -ex continue -ex continue -ex continue -ex continue \
		-ex 'info watchpoints' -ex 'hbreak start32' -ex 'info breakpoints'
	# every row in gdb's columns, "hw breakpoint" and "read watchpoint" too
	expect_line '^Num  Type            Disp  How       Address             What$'
	expect_line '^1    breakpoint      keep  software  0x0000000000007eb0  start64$'
	expect_line '^4    hw breakpoint   keep  hardware  0x0000000000007e00  start32$'
	# info watchpoints lists the two watchpoints, not breakpoint 1
	expect_line '^2    hw watchpoint   keep  hardware  0x0000000000001008  \*\(int \*\)0x1008$'
	expect_line '^3    read watchpoint keep  hardware  0x0000000000001008  \*\(int \*\)0x1008$'
	[ "$(awk '/^Num/ { n++ } n == 1' <<<"$output" | grep -c '^1    breakpoint')" -eq 0 ] ||
		{ echo "# info watchpoints listed a breakpoint:"; echo "$output"; false; }
	[ "$(grep -E '^(Hardware .*watchpoint [0-9]+: |Value = |Old value = |New value = |=> )' <<<"$output" |
	     sed -n '/^Hardware read watchpoint 3/,$p' | tr '\n' '|')" = \
	  "Hardware read watchpoint 3: *(int *)0x1008|Hardware read watchpoint 3: *(int *)0x1008|Value = 0|=> 0x9013 <fake_spin+0x13>:	xorl %r9d, %r9d|Hardware read watchpoint 3: *(int *)0x1008|Value = 0|=> 0x80d6 <do_one_initcall+0x16>:	cmpl \$0x10, %ecx|Hardware watchpoint 2: *(int *)0x1008|Old value = 0|New value = 1|=> 0x80f2 <do_one_initcall+0x32>:	popq %rbx|Hardware read watchpoint 3: *(int *)0x1008|Value = 1|=> 0x9013 <fake_spin+0x13>:	xorl %r9d, %r9d|" ] ||
		{ echo "# stops:"; echo "$output"; false; }
}

@test "set \$reg, set \$eax, set *(TYPE *)ADDR, set var: read back with p and x" {
	guest_client -ex 'break start64' -ex continue \
		-ex 'set $rax = 0x1122334455667788' -ex 'p/x $rax' \
		-ex 'set $eax = -1' -ex 'p/x $rax' -ex 'set $al = 7' -ex 'p/x $al' -ex 'p/x $rax' \
		-ex 'set var $rbx = $rax + 1' -ex 'p/x $rbx' \
		-ex 'set *(short *)0x1024 = 0x55aa' -ex 'x/hx 0x1024' \
		-ex "set *(char *)0x1026 = 'z'" -ex 'x/c 0x1026' \
		-ex 'set var *(unsigned long *)(guest_log+0x28) = -2' -ex 'x/gd guest_log+0x28' \
		-ex 'p *(unsigned char *)0x1026' -ex 'p *(short *)0x1024' -ex 'p *(void **)0x1090'
	expect_line '^\$1 = 0x1122334455667788$'
	# gdb writes the low 32 bits of rax for $eax
	expect_line '^\$2 = 0x11223344ffffffff$'
	expect_line '^\$3 = 0x7$'
	expect_line '^\$4 = 0x11223344ffffff07$'
	expect_line '^\$5 = 0x11223344ffffff08$'
	expect_line '^0x1024 <guest_log\+0x24>:	0x55aa$'
	expect_line "^0x1026 <guest_log\\+0x26>:	122 'z'\$"
	expect_line '^0x1028 <guest_log\+0x28>:	-2$'
	expect_line "^\\\$6 = 122 'z'\$"
	expect_line '^\$7 = 21930$'
	expect_line '^\$8 = \(void \*\) 0x0$'
}

@test "display, until over a loop, advance, info symbol, info registers shaped as gdb's" {
	guest_client -ex 'tbreak *fake_spin+0x50' -ex continue -ex 'display/x $rcx' -ex 'display/i $pc' \
		-ex until -ex 'info display' -ex 'undisplay 1' -ex 'delete' -ex 'advance fake_init_beta' \
		-ex 'info symbol 0x9065' -ex 'info symbol guest_image_tail' -ex 'info symbol 0x12345678' \
		-ex 'info registers rip eflags cs pc sp'
	# at the jb closing fake_spin's wait loop: until runs the loop out
	expect_line '^=> 0x9050 <fake_spin\+0x50>:	jb 0x9042 <fake_spin\+0x42>$'
	expect_line '^1: /x \$rcx = 0x3e8$'
	expect_line '^2: x/i \$pc$'
	expect_line '^=> 0x9052 <fake_spin\+0x52>:	testq %r9, %r9$'
	expect_line '^1:   y  /x \$rcx$'
	expect_line '^2:   y  /1i \$pc$'
	# advance to the next initcall; display 2 still shows, 1 is gone
	expect_line '^=> 0x9080 <fake_init_beta>:	pushq %rbp$'
	[ "$(grep -c '^1: /x' <<<"$output")" -eq 2 ]
	[ "$(grep -c '^2: x/i' <<<"$output")" -eq 3 ]
	expect_line '^fake_init_alpha \+ 5 in section \.text$'
	expect_line '^guest_image_tail in section \.data$'
	expect_line '^No symbol matches 0x12345678\.$'
	# gdb's columns; rip as a code pointer, never a negative number
	expect_line '^rip            0x9080              0x9080 <fake_init_beta>$'
	expect_line '^eflags         0x[0-9a-f]+ +\[ IOPL=0 .*\]$'
	expect_line '^cs             0x18                24$'
	expect_line '^pc             0x9080              0x9080 <fake_init_beta>$'
}

@test "--run-timeout bounds continue, finish, nexti over a call, until and advance" {
	local call cmd
	# start64's last call: guest_exit, which halts for good when the
	# guest has no isa-debug-exit device
	call=$(objdump -d --no-show-raw-insn "$GUEST_ELF" |
		awk '/<initcalls_done>:/ { f = 1 } f && /call.*<guest_exit>/ { sub(":", "", $1); print $1; exit }')
	[ -n "$call" ]
	for cmd in continue finish nexti until 'advance fake_init_alpha'; do
		start_gdb_qemu -machine pc,accel=tcg -nodefaults -display none \
			-no-reboot -m 32 -drive "file=$GUEST_IMG,format=raw,if=ide" -S
		case $cmd in
		finish) set -- -ex 'break guest_exit' -ex continue ;;
		*) set -- -ex "break *0x$call" -ex continue ;;
		esac
		run timeout 60 "$CLIENT" attach "127.0.0.1:$PORT" --kernel "$GUEST_ELF" \
			--run-timeout 2 "$@" -ex delete -ex "$cmd" -ex 'p $pc'
		echo "# $cmd: status $status, $(grep -c . <<<"$output") lines" >&3
		[ "$status" -eq 1 ] || { sed 's/^/#   /' <<<"$output"; false; }
		expect_line '^gdbstub-client: target still running after 2000 ms: interrupted$'
		# the stop is reported, in guest_exit's halt loop, and the
		# commands after the failing one did not run
		expect_line '^Program received signal SIGINT, Interrupt\.$'
		expect_line '^=> 0x[0-9a-f]+ <guest_exit\+0x[0-9a-f]+>:	'
		! grep -q '^\$1 = ' <<<"$output"
		kill -KILL "$QPID" 2>/dev/null || true
	done
}

@test "bad input: one line naming the thing, status 1" {
	start_guest
	local cmds=() wants=() cmd want
	while IFS='|' read -r cmd want; do
		cmds+=("$cmd")
		wants+=("gdbstub-client: $want")
	done <<'EOF'
p/q 1|malformed format '/q' for 'print' (one of x d u o t z c a f s)
x/4q 0|unknown format letter 'q' in 'x/' (use x d u o t z a c f s i with b h w g)
watch $rax|cannot watch a register ('$rax'): QEMU's watchpoints watch memory
watch *(struct foo *)0x1000|unknown type 'struct foo' (char short int long, signed or unsigned, u8..u64, s8..s64, int8_t..uint64_t, void *)
set $nosuch = 1|unknown register '$nosuch'
set confirm maybe|'set confirm' takes on or off, not 'maybe'
set listsize 5|'set listsize 5': expected LVALUE = EXPR ('set confirm' is the only setting here)
undisplay 7|no display number 7
advance|'advance' needs a location
info symbol|'info symbol' needs an address
p *0x7fffffffffff|cannot access memory at address 0x7fffffffffff
EOF
	# on stdin each command runs even after a failure (status 1 at the end)
	run --separate-stderr timeout 60 "$CLIENT" attach "127.0.0.1:$PORT" --kernel "$GUEST_ELF" \
		< <(printf '%s\n' "${cmds[@]}")
	[ "$status" -eq 1 ] || { echo "# status $status: $output $stderr"; false; }
	[ "$stderr" = "$(printf '%s\n' "${wants[@]}")" ] ||
		{ echo "# expected on stderr:"; printf '#   %s\n' "${wants[@]}"; echo "# saw:"; sed 's/^/#   /' <<<"$stderr"; false; }
}

# --- in a terminal ----------------------------------------------------

screen() { tmux -L "$SOCK" capture-pane -t repl -p -S -200; }
screen_has() { screen | grep -qF -- "$1"; }
keys() { tmux -L "$SOCK" send-keys -t repl "$@"; }
# text typed as it is (send-keys would take "delete" for the Delete key)
type_line() { tmux -L "$SOCK" send-keys -t repl -l "$1"; keys Enter; }
last_line() { screen | grep -v '^[[:space:]]*$' | tail -1; }
prompt_is() { [ "$(last_line | sed 's/[[:space:]]*$//')" = "(gc)${1:+ $1}" ]; }
count_of() { screen | grep -cF -- "$1" || true; }
questions_are() { [ "$(count_of 'Delete all breakpoints? (y or n)')" -eq "$1" ]; }

start_repl() {
	command -v tmux >/dev/null || skip "tmux is not installed (scripts/install-deps)"
	SOCK=gc-$$-$BATS_TEST_NUMBER
	export HOME=$BATS_TEST_TMPDIR/home XDG_STATE_HOME=$BATS_TEST_TMPDIR/state
	mkdir -p "$HOME"
	local a
	a=$(printf '%q ' "$CLIENT" "$@")
	tmux -L "$SOCK" new-session -d -s repl -x 160 -y 50 \
		"env HOME=$HOME XDG_STATE_HOME=$XDG_STATE_HOME $a; echo CLIENT-EXIT-\$?; sleep 60"
}

@test "REPL: Enter repeats si and x (on from where it ended); delete asks, n keeps, y deletes" {
	start_guest
	start_repl attach "127.0.0.1:$PORT" --kernel "$GUEST_ELF"
	wait_until 30 prompt_is || { screen; false; }
	keys 'break start64' Enter 'continue' Enter
	wait_until 60 screen_has '=> 0x7eb0 <start64>:' || { screen; false; }
	wait_until 10 prompt_is || { screen; false; }
	# si, then Enter twice: three single steps
	keys 'si' Enter
	wait_until 10 screen_has '=> 0x7eb4 <start64+0x4>:' || { screen; false; }
	wait_until 10 prompt_is || { screen; false; }
	keys Enter
	wait_until 10 screen_has '=> 0x7eb6 <start64+0x6>:' || { echo "# Enter did not repeat si:"; screen; false; }
	wait_until 10 prompt_is || { screen; false; }
	keys Enter
	wait_until 10 screen_has '=> 0x7eb8 <start64+0x8>:' || { echo "# Enter did not repeat si again:"; screen; false; }
	wait_until 10 prompt_is || { screen; false; }
	# x/2xg, then Enter: the next two giant words, as gdb
	keys 'x/2xg 0x1000' Enter
	wait_until 10 screen_has '0x1000 <guest_log>:' || { screen; false; }
	wait_until 10 prompt_is || { screen; false; }
	keys Enter
	wait_until 10 screen_has '0x1010 <guest_log+0x10>:' || { echo "# Enter did not go on with x:"; screen; false; }
	wait_until 10 prompt_is || { screen; false; }
	# a command that does not repeat (break): Enter does nothing
	keys 'tbreak fake_init_alpha' Enter
	wait_until 10 screen_has 'Temporary breakpoint 2 at 0x9060' || { screen; false; }
	wait_until 10 prompt_is || { screen; false; }
	keys Enter
	sleep 1
	[ "$(count_of 'Temporary breakpoint')" -eq 1 ] || { echo "# Enter repeated break:"; screen; false; }
	# delete with no argument asks; n keeps the breakpoints
	type_line 'delete'
	wait_until 10 screen_has 'Delete all breakpoints? (y or n)' || { echo "# no question:"; screen; false; }
	keys 'n' Enter
	wait_until 10 prompt_is || { screen; false; }
	keys 'info breakpoints' Enter
	wait_until 10 screen_has '2    breakpoint      del' || { echo "# n deleted them:"; screen; false; }
	wait_until 10 prompt_is || { screen; false; }
	type_line 'delete'
	wait_until 10 questions_are 2 || { screen; false; }
	keys 'y' Enter
	wait_until 10 prompt_is || { screen; false; }
	keys 'info breakpoints' Enter
	wait_until 10 screen_has 'No breakpoints.' || { echo "# y did not delete:"; screen; false; }
	wait_until 10 prompt_is || { screen; false; }
	keys 'quit' Enter
	wait_until 10 screen_has 'CLIENT-EXIT-0' || { screen; false; }
}

@test "-batch on a terminal, and commands piped on stdin: delete assumes yes, as gdb" {
	start_guest
	start_repl attach "127.0.0.1:$PORT" --kernel "$GUEST_ELF" -batch \
		-ex 'break start64' -ex 'break start32' -ex delete -ex 'info breakpoints'
	wait_until 30 screen_has 'CLIENT-EXIT-0' || { screen; false; }
	screen_has 'No breakpoints.'
	! screen_has '(y or n)'
	# a second guest (the first holds its image's lock until it exits)
	kill -KILL "$QPID" 2>/dev/null || true
	wait_until 10 proc_gone "$QPID"
	start_guest
	run timeout 60 "$CLIENT" attach "127.0.0.1:$PORT" --kernel "$GUEST_ELF" \
		< <(printf '%s\n' 'break start64' delete 'info breakpoints')
	[ "$status" -eq 0 ] || { echo "# status $status: $output"; false; }
	expect_line '^No breakpoints\.$'
	! grep -q '(y or n)' <<<"$output"
}
