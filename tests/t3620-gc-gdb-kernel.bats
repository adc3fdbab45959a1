#!/usr/bin/env bats
# gdb's vocabulary on the installed Debian kernel (the bzImage's own
# symbols, no -dbg package), under TCG through qemu-wrapper:
#   - at the same stop (do_one_initcall's entry), real gdb 13 and
#     gdbstub-client print the same lines for info frame, info symbol,
#     p/FMT, x/NFU and info registers (gdb reads the symbols from
#     kernel-symbols' ELF export; it keeps the guest stopped for us with
#     QEMU_WRAPPER_RELEASE=0 and "disconnect");
#   - set of a register and of kernel stack memory, read back;
#   - watch jiffies: each hit says the old and new value, in the timer
#     code that wrote it, and memory holds the new one.

load lib
bats_require_minimum_version 1.5.0

setup() {
	linux_guest_setup
	command -v gdb >/dev/null || skip "no gdb (scripts/install-deps)"
	make_poweroff_initrd "$D"
}

teardown() { kill_tracked; }

# the lines both debuggers print for the same commands, gdb's section
# names (".text.0" in the export) cut to the kernel's (".text")
same_lines() {
	grep -E '^(0xffff[0-9a-f]+:|\$[0-9]+ = |Stack level 0| rip = |  rip at |rip  |eflags  |cs  |rsp  |do_one_initcall( |$)|jiffies_64 |linux_banner )' |
		sed -E 's/ in section (\.[a-z]+)\.[0-9]+$/ in section \1/'
}

# what both are asked at do_one_initcall's entry (the kthread's stack has
# no symbols, so x's lines carry none in either)
CMDS=('info frame' 'x/4xg $sp' 'x/3xw $sp' 'x/2dg $sp' 'x/4ub $sp' 'x/2tb $sp'
      'x/2ob $sp' 'x/2xh $sp' 'info symbol $pc' 'info symbol $pc+16'
      'info symbol &jiffies' 'p/x $rdi' 'p/d $rdi' 'p/o $rdi' 'p/t $rcx' 'p/c $rdi'
      'p/x $sp' 'p/a $pc' 'info registers rip eflags cs rsp')

@test "at the same stop, gdb 13 and gdbstub-client print the same lines; set reads back" {
	local addr
	addr=$("$KIT/kernel-symbols/kernel-symbols" lookup "$KERNEL" do_one_initcall | awk '{ print $1 }')
	[ -n "$addr" ]
	"$KIT/kernel-symbols/kernel-symbols" export "$KERNEL" --format=elf -o "$D/k.elf"
	QEMU_WRAPPER_RELEASE=0 start_linux_guest "$KERNEL" "$D/initrd.cpio"
	local ep a=() c
	ep=$(session_get "$WPID" .gdb)
	for c in "${CMDS[@]}"; do a+=(-ex "$c"); done
	run timeout 300 gdb -nx -batch -ex "file $D/k.elf" -ex "target remote $(gdb_addr "$ep")" \
		-ex "break *0x$addr" -ex continue "${a[@]}" -ex delete -ex disconnect
	[ "$status" -eq 0 ] || { echo "# gdb: $status"; echo "$output"; false; }
	local gdb_out=$output
	grep -q '^Breakpoint 1, 0x0*'"$addr"' in do_one_initcall ()$' <<<"$gdb_out" ||
		{ echo "# gdb did not stop at do_one_initcall:"; echo "$gdb_out"; false; }
	# the guest waits at the same place for the client
	run --separate-stderr timeout 300 "$CLIENT" attach --latest "${a[@]}" \
		-ex 'set $r11 = 0x1122334455667788' -ex 'p/x $r11' \
		-ex 'set *(long *)($sp-64) = -5' -ex 'x/gd $sp-64' -ex 'p *(long *)($sp-64)' \
		-ex 'set var *(unsigned char *)($sp-64) = 0x41' -ex 'x/c $sp-64' \
		-ex 'info symbol do_one_initcall+0x54' -ex 'info symbol linux_banner'
	expect_status 0
	expect_line "^=> 0x$addr <do_one_initcall>:"
	local want got
	want=$(same_lines <<<"$gdb_out")
	got=$(head -n "$(grep -c '' <<<"$want")" < <(same_lines <<<"$output"))
	[ "$(grep -c '' <<<"$want")" -ge 25 ] || { echo "# too few lines from gdb:"; echo "$gdb_out"; false; }
	[ "$got" = "$want" ] || { echo "# gdb vs gdbstub-client:"; diff <(echo "$want") <(echo "$got") | sed 's/^/#   /'; false; }
	# the frame from the ORC tables: the caller's frame gdb guesses
	# (8 bytes up, no unwind information) is the real one here
	expect_line '^ called by frame at 0xffff[0-9a-f]+$'
	# set: a register and the stack below sp, read back
	expect_line '^\$[0-9]+ = 0x1122334455667788$'
	expect_line '^0xffff[0-9a-f]+:	-5$'
	expect_line '^\$[0-9]+ = -5$'
	expect_line "^0xffff[0-9a-f]+:	65 'A'\$"
	expect_line '^do_one_initcall \+ 84 in section \.text$'
	expect_line '^linux_banner in section \.(data|rodata)$'
}

@test "watch jiffies: old and new value at each hit, in the timer code; memory holds the new one" {
	start_linux_guest "$KERNEL" "$D/initrd.cpio"
	run --separate-stderr timeout 300 "$CLIENT" attach --latest \
		-ex 'break do_one_initcall' -ex continue -ex delete -ex 'watch jiffies' \
		-ex continue -ex continue -ex 'x/gu &jiffies' -ex 'info breakpoints'
	expect_status 0
	expect_line '^Hardware watchpoint 2: jiffies$'
	local vals
	vals=$(grep -A3 '^Hardware watchpoint 2: jiffies$' <<<"$output" |
		sed -n 's/^\(Old\|New\) value = \([0-9]*\)$/\2/p' | tr '\n' ' ')
	read -r o1 n1 o2 n2 <<<"$vals"
	[ -n "$n2" ] || { echo "# expected two hits with values:"; echo "$output"; false; }
	# the count goes up at each hit, and the second starts where the first ended
	[ "$n1" -gt "$o1" ] && [ "$n2" -gt "$o2" ] && [ "$o2" -eq "$n1" ] ||
		{ echo "# values: $vals"; echo "$output"; false; }
	# each stop is right after the write, in the kernel's tick code
	[ "$(grep -cE '^=> 0xffffffff[0-9a-f]+ <(do_timer|tick_do_update_jiffies64)\+0x[0-9a-f]+>:' <<<"$output")" -ge 2 ] ||
		{ echo "# expected stops in do_timer or tick_do_update_jiffies64:"; echo "$output"; false; }
	expect_line "^0xffffffff[0-9a-f]+ <jiffies_64>:	$n2\$"
	expect_line '^2    hw watchpoint   keep  hardware  0xffffffff[0-9a-f]+  jiffies$'
	expect_line '^	breakpoint already hit 2 times$'
}
