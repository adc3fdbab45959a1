#!/usr/bin/env bats
# gdbstub-client dmesg: the kernel log read from guest memory (the printk
# ring through `prb`, layouts from the image's BTF), under TCG through
# qemu-wrapper, held at the reset vector, its kernel named by the session
# file, a busybox initramfs whose /init writes busybox's `dmesg` to the
# second serial port between two markers and powers off.  On every kernel
# at hand: the installed Debian one (newest /boot/vmlinuz-*) and those
# scripts/fetch-test-kernels put in tests/helpers/kernels (5.10, 6.12;
# skipped when absent):
#   - stopped at run_init_process (kernel_init, after do_basic_setup and
#     free_initmem: most of the boot), every line the console printed up
#     to then, timestamp and text, is in dmesg's output, in order (dmesg
#     may hold more: debug lines under the console loglevel);
#   - stopped in kernel_power_off (the reboot syscall of busybox's
#     poweroff, after busybox's dmesg ran): dmesg's lines begin with
#     exactly the lines busybox's dmesg printed, byte for byte;
#   - a guest that panics with no console at all (console=null, no serial,
#     no initramfs: no root to mount), stopped in console_flush_on_panic:
#     dmesg shows the panic message and the stack dump;
#   - a ring damaged by a debugger (gdb writes to guest memory; the
#     guest runs on between steps): damaged records become "<...>"
#     lines among the readable ones, a damaged header is one line and
#     exit status 1, and so is a ring with nothing readable left;
# on the installed kernel only:
#   - console=null (no console at all) still gives the log;
#   - at the reset vector: addresses named by what is there (bios-rom,
#     setup, decompressor, the kernel's physical alias), never by a
#     per-CPU symbol; one line "the kernel log is not set up yet",
#     exit status 1, and the guest boots on after it; a guest without BTF is refused before attaching;
#     usage errors are one line and exit status 2.
# KERNEL_TEST_KERNEL=/path: that kernel alone.  About 6 s a boot.

load lib
bats_require_minimum_version 1.5.0

setup() {
	linux_guest_setup
	make_init_initrd "$D/initrd.cpio" \
		'/bin/busybox mount -t devtmpfs dev /dev' \
		'echo "=== busybox dmesg ===" >/dev/ttyS1' \
		'/bin/busybox dmesg >/dev/ttyS1' \
		'echo "=== end ===" >/dev/ttyS1' \
		'/bin/busybox poweroff -f'
}

teardown() { kill_tracked; }

# boot_held APPEND [QEMU-ARGS]: $KERNEL held at its reset vector by
# qemu-wrapper; without QEMU-ARGS the initramfs, the serial console in
# $D/console.log and the second serial port in $D/ttyS1.log.
boot_held() {
	local append=$1
	shift
	[ $# -gt 0 ] || set -- -initrd "$D/initrd.cpio" -serial "file:$D/console.log" \
		-serial "file:$D/ttyS1.log"
	rm -f "$D/wrapper.rc" "$D/console.log" "$D/ttyS1.log"
	start_session -machine pc,accel=tcg -m 512 -display none -nodefaults \
		-no-reboot -kernel "$KERNEL" -append "$append nokaslr panic=-1 rdinit=/init" "$@"
}

# dmesg_at FUNCTION: break there, continue, dmesg (the session's kernel).
dmesg_at() {
	run --separate-stderr timeout 300 "$CLIENT" attach --latest \
		-ex "break $1" -ex continue -ex dmesg
}

# The guest went on after the detach and powered off (console complete).
wait_poweroff() {
	wait_until 120 test -s "$D/wrapper.rc"
}

# Every console line with a timestamp up to dmesg's last one is among
# dmesg's lines, in order ($1: dmesg output, $2: console log; $3: how many
# console lines may be missing, default none).
compare_console() {
	python3 - "$1" "$2" "${3:-0}" <<'PY'
import re, sys
stamp = re.compile(r'\[ *([0-9]+\.[0-9]+)\] ')
dm = [l.rstrip('\n') for l in open(sys.argv[1], errors='replace') if stamp.match(l)]
con = [l.rstrip('\r\n') for l in open(sys.argv[2], errors='replace')]
may_miss = int(sys.argv[3])
last = float(stamp.match(dm[-1]).group(1))
want = [l for l in con if stamp.match(l) and float(stamp.match(l).group(1)) <= last]
i = 0
missing = []
for w in want:
    j = i
    while j < len(dm) and dm[j] != w:
        j += 1
    if j == len(dm):
        missing.append(w)
        if len(missing) > may_miss:
            print("# console line not in dmesg (in order): %r" % w)
            sys.exit(1)
        continue
    i = j + 1
print("# %d console lines up to [%.6f], %d in dmesg's %d, in order" %
      (len(want), last, len(want) - len(missing), len(dm)))
for m in missing:
    print("#   missing: %r" % m)
if len(want) < 200:
    print("# too few console lines to compare")
    sys.exit(1)
PY
}

# the dmesg lines of $output ("[    0.000000] text")
dmesg_lines() { sed -n '/^\[ *[0-9]*\.[0-9]*\] /p' <<<"$output"; }

@test "every kernel, at run_init_process: every console line is in dmesg, in order; percpu finds the current task" {
	local k cur it v
	for k in $(test_kernels); do
		echo "# $(basename "$k")" >&3
		KERNEL=$k
		boot_held "console=ttyS0"
		# the current task: per-CPU current_task up to 6.1, pcpu_hot's on 6.2+
		cur=current_task
		"$KIT/kernel-symbols/kernel-symbols" lookup "$k" current_task >/dev/null 2>&1 ||
			cur=pcpu_hot.current_task
		run --separate-stderr timeout 300 "$CLIENT" attach --latest \
			-ex "break run_init_process" -ex continue -ex dmesg -ex "percpu $cur" \
			-ex 'x/14i $pc'
		expect_status 0
		# call targets named as gdb names them (run_init_process prints)
		expect_line '^   0xffffffff[0-9a-f]+ <run_init_process\+0x[0-9a-f]+>:	callq? 0xffffffff[0-9a-f]+ <_?printk>$'
		# pid 1 (kernel_init), not the idle task: a task_struct of the
		# direct map, not init_task
		v=$(sed -nE "s/^$cur of CPU 0 at 0x[0-9a-f]{16}: 0x([0-9a-f]+)$/\1/p" <<<"$output")
		it=$("$KIT/kernel-symbols/kernel-symbols" lookup "$k" init_task | cut -d' ' -f1)
		echo "# percpu $cur: 0x$v (init_task 0x$it)" >&3
		[[ "$v" == ffff88* ]] && [ "$v" != "$it" ]
		expect_line '^Breakpoint 1, 0x[0-9a-f]+ <run_init_process> in 64-bit mode$'
		expect_line '^\[    0\.000000\] Linux version '
		wait_poweroff
		grep -q 'Run /init as init process' "$D/console.log"
		dmesg_lines >"$D/dmesg.txt"
		echo "# dmesg, last lines:" >&3
		tail -3 "$D/dmesg.txt" | sed 's/^/#   /' >&3
		compare_console "$D/dmesg.txt" "$D/console.log" >&3
	done
}

@test "every kernel, in kernel_power_off: dmesg begins with exactly the lines of the guest's busybox dmesg" {
	local k n
	for k in $(test_kernels); do
		KERNEL=$k
		boot_held "console=ttyS0"
		dmesg_at kernel_power_off
		expect_status 0
		expect_line '^Breakpoint 1, 0x[0-9a-f]+ <kernel_power_off> in 64-bit mode$'
		wait_poweroff
		grep -qx '=== end ===.' "$D/ttyS1.log" ||
			{ echo "# busybox dmesg did not finish:"; tail -3 "$D/ttyS1.log"; false; }
		# the tty wrote \r\n
		sed -n '/^=== busybox dmesg ===/,/^=== end ===/p' "$D/ttyS1.log" |
			sed '1d;$d' | tr -d '\r' >"$D/busybox.txt"
		dmesg_lines >"$D/dmesg.txt"
		n=$(wc -l <"$D/busybox.txt")
		echo "# $(basename "$k"): busybox dmesg $n lines, gdbstub-client dmesg $(wc -l <"$D/dmesg.txt")" >&3
		[ "$n" -gt 200 ]
		head -n "$n" "$D/dmesg.txt" | diff -u "$D/busybox.txt" - ||
			{ echo "# not the lines of busybox dmesg"; false; }
		# no note: nothing overwritten, damaged or caught mid-write
		! grep -q '^<' <<<"$output"
		grep -q '^\[    0\.000000\] Linux version ' "$D/busybox.txt"
	done
}

@test "every kernel, a panic with no console: dmesg shows it" {
	local k
	for k in $(test_kernels); do
		KERNEL=$k
		# no initramfs, no root=: "VFS: Unable to mount root fs"
		boot_held "console=null" -monitor none
		dmesg_at console_flush_on_panic
		expect_status 0
		expect_line '^Breakpoint 1, 0x[0-9a-f]+ <console_flush_on_panic> in 64-bit mode$'
		expect_line '^\[ *[0-9]+\.[0-9]{6}\] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block\(0,0\)$'
		expect_line '^\[ *[0-9]+\.[0-9]{6}\] Call Trace:$'
		expect_line '^\[ *[0-9]+\.[0-9]{6}\] CPU: 0 (UID: 0 )?PID: 1 Comm: swapper/0 '
		echo "# $(basename "$k"): $(grep -o 'Kernel panic - not syncing: .*' <<<"$output")" >&3
		wait_poweroff
	done
}

@test "console=null: the log is there all the same" {
	boot_held "console=null"
	dmesg_at run_init_process
	expect_status 0
	expect_line '^\[    0\.000000\] Linux version '
	expect_line '\] Freeing unused kernel image'
	wait_poweroff
	! grep -q 'Linux version' "$D/console.log"
}

@test "at the reset vector: one line, the kernel log is not set up yet; addresses named by what is there" {
	boot_held "console=ttyS0"
	# before the kernel exists: the firmware, the bzImage's setup code and
	# decompressor by their own offsets, the kernel's physical alias by
	# its symbols, a plain number by nothing: never a per-CPU symbol
	run --separate-stderr timeout 60 "$CLIENT" attach --latest -ex 'p 0xfe05b' \
		-ex 'p 0x10200' -ex 'p 0x100000' -ex 'p $rax+1' -ex 'x/1i $pc' -ex 'p 0x1000000'
	expect_status 0
	expect_line '^0xfe05b  1040475  <bios-rom\+0xe05b>$'
	expect_line '^0x10200  66048  <setup\+0x200>$'
	expect_line '^0x100000  1048576  <decompressor>$'
	expect_line '^0x1  1$'
	expect_line '^=> 0xfffffff0 <bios-rom\+0x3fff0>:	ljmpw '
	expect_line '^0x1000000  16777216  <startup_64>$'
	! grep -qE 'percpu|exception_stacks|fixed_percpu_data|__per_cpu' <<<"$output"
	# (detached: the guest booted on; again from the reset vector)
	wait_poweroff
	boot_held "console=ttyS0"
	run --separate-stderr timeout 60 "$CLIENT" dmesg --latest
	fails 1 "gdbstub-client: the kernel log is not set up yet*"
	# detached: the guest was let go and booted on
	wait_poweroff
	grep -q 'Run /init as init process' "$D/console.log"
}

@test "a kernel without BTF is refused before attaching" {
	[ -f "$GUEST_ELF" ] || skip "test guest not built"
	command -v objcopy >/dev/null || skip "no objcopy"
	# no BTF and no DWARF
	objcopy --strip-debug "$GUEST_ELF" "$D/nodebug.elf"
	run --separate-stderr timeout 30 "$CLIENT" dmesg 127.0.0.1:1 --kernel "$D/nodebug.elf"
	fails 1 "*carries no BTF (CONFIG_DEBUG_INFO_BTF), nor DWARF*"
	# DWARF (the test guest is built with -g), but no printk ring in it
	run --separate-stderr timeout 30 "$CLIENT" dmesg 127.0.0.1:1 --kernel "$GUEST_ELF"
	fails 1 "*'$GUEST_ELF' ?its DWARF ?.debug_info, through libdw??: the kernel's types have no struct printk_ringbuffer*"
}

@test "usage errors: one line, exit status 2" {
	run --separate-stderr "$CLIENT" dmesg --timeout 5x
	fails 2 "*--timeout: '5x' is not a whole number"
	run --separate-stderr "$CLIENT" dmesg a b
	fails 2 "*more than one endpoint*"
	run --separate-stderr "$CLIENT" dmesg --bogus
	fails 2 "*unknown option '--bogus'"
}

# ring_prologue K: gdb's commands that put the ring of the stopped kernel
# K in convenience variables ($rb, $descs, $infos, $data, $cb, $sb, $head,
# $tail, $mask, $dmask, $ds, $is, offsets $ohead, $otail, $obegin, $otlen)
# and print it.  Offsets from K's BTF.
ring_prologue() {
	local k=$1 t rb dr tr
	for t in printk_ringbuffer prb_desc_ring prb_data_ring prb_desc prb_data_blk_lpos printk_info; do
		"$KS" --json types "$k" "$t" >"$D/$t.json"
	done
	o() { jq -r --arg n "$2" '.members[]|select(.name == $n).offset' "$D/$1.json"; }
	dr=$(o printk_ringbuffer desc_ring)
	tr=$(o printk_ringbuffer text_data_ring)
	cat <<-GDB
	set \$rb = *(unsigned long *)0x$("$KS" lookup "$k" prb | cut -d' ' -f1)
	set \$cb = *(unsigned int *)(\$rb + $dr + $(o prb_desc_ring count_bits))
	set \$descs = *(unsigned long *)(\$rb + $dr + $(o prb_desc_ring descs))
	set \$infos = *(unsigned long *)(\$rb + $dr + $(o prb_desc_ring infos))
	set \$ohead = $dr + $(o prb_desc_ring head_id)
	set \$otail = $dr + $(o prb_desc_ring tail_id)
	set \$head = *(unsigned long *)(\$rb + \$ohead)
	set \$tail = *(unsigned long *)(\$rb + \$otail)
	set \$sb = *(unsigned int *)(\$rb + $tr + $(o prb_data_ring size_bits))
	set \$data = *(unsigned long *)(\$rb + $tr + $(o prb_data_ring data))
	set \$mask = (1UL << \$cb) - 1
	set \$dmask = (1UL << \$sb) - 1
	set \$ds = $(jq .size "$D/prb_desc.json")
	set \$is = $(jq .size "$D/printk_info.json")
	set \$obegin = $(o prb_desc text_blk_lpos) + $(o prb_data_blk_lpos begin)
	set \$otlen = $(o printk_info text_len)
	printf "ring at 0x%lx: 2^%u descriptors, 2^%u bytes, ids 0x%lx..0x%lx\\n", \$rb, \$cb, \$sb, \$tail, \$head
	GDB
}

# gdb_run FILE: gdb runs FILE on the stopped (or running: gdb stops it)
# guest at 127.0.0.1:$PORT, then disconnects: QEMU leaves the guest stopped
gdb_run() {
	echo disconnect >>"$1"
	timeout 120 gdb -nx -batch -ex "target remote 127.0.0.1:$PORT" -x "$1" \
		>"$1.out" 2>&1 || { cat "$1.out"; return 1; }
	grep '^ring at' "$1.out" | sed 's/^/#   /' >&3
}

# QEMU (7.2) stays in gdb's multiprocess mode after gdb disconnected and
# then refuses a plain 'D' (E22).  The client retries with 'D;1', which
# QEMU accepts, so the guest runs on between the steps below; a client
# that warned instead would leave that warning out of $stderr_lines.
no_detach_warning() {
	local l a=()
	for l in "${stderr_lines[@]}"; do
		[[ $l == *"warning: cannot detach: 'D' failed: error 22" ]] || a+=("$l")
	done
	stderr_lines=("${a[@]}")
}

@test "every kernel, a ring damaged in guest memory: notes for the damaged records, one line for a damaged header" {
	command -v gdb >/dev/null || skip "no gdb"
	command -v jq >/dev/null || skip "no jq"
	[ -x "$KS" ] || skip "kernel-symbols not built"
	local k
	make_init_initrd "$D/sleep.cpio" '/bin/busybox sleep 600'
	for k in $(test_kernels); do
		echo "# $(basename "$k")" >&3
		start_gdb_qemu -machine pc,accel=tcg -m 512 -display none -nodefaults \
			-no-reboot -kernel "$k" -initrd "$D/sleep.cpio" -S \
			-append "console=ttyS0 nokaslr panic=-1 rdinit=/init" \
			-serial "file:$D/console.log"
		ring_prologue "$k" >"$D/prologue"
		# at run_init_process: three records damaged, each its own way
		{
			echo "hbreak *0x$("$KS" lookup "$k" run_init_process | cut -d' ' -f1)"
			printf '%s\n' continue delete
			cat "$D/prologue"
		} >"$D/g1"
		cat >>"$D/g1" <<-'GDB'
		# the 10th record from the head: its descriptor names another id
		set $d = $descs + (($head - 10) & $mask) * $ds
		set *(unsigned long *)$d = (2UL << 62) | (($head - 10 + 0x123) & 0x3fffffffffffffff)
		# from the 20th on, the first with a text block: the block
		# names another id
		set $i = 20
		while *(unsigned long *)($descs + (($head - $i) & $mask) * $ds + $obegin) & 1
		  set $i = $i + 1
		end
		set $d = $descs + (($head - $i) & $mask) * $ds
		set *(unsigned long *)($data + (*(unsigned long *)($d + $obegin) & $dmask)) = 0x4242
		# the 40th: a text_len larger than its block
		set *(unsigned short *)($infos + (($head - 40) & $mask) * $is + $otlen) = 0xfff0
		GDB
		gdb_run "$D/g1"
		run --separate-stderr timeout 60 "$CLIENT" dmesg "127.0.0.1:$PORT" --kernel "$k"
		expect_status 0
		expect_line '^\[    0\.000000\] Linux version '
		expect_line '^<record id 0x[0-9a-f]+ damaged: descriptor [0-9]+ holds id 0x[0-9a-f]+, not 0x[0-9a-f]+>$'
		expect_line '^<record [0-9]+ damaged: text block at 0x[0-9a-f]+ belongs to id 0x4242>$'
		expect_line '^<record [0-9]+ damaged: text_len 65520 is more than its [0-9]+-byte text block holds>$'
		[ "$(grep -c '^<record ' <<<"$output")" -eq 3 ]
		grep '^<record ' <<<"$output" | sed 's/^/#   /' >&3
		# the others are all there: at most the three records' lines
		# of the console are missing
		dmesg_lines >"$D/dmesg.txt"
		compare_console "$D/dmesg.txt" "$D/console.log" 12 >&3
		no_detach_warning
		[ "${#stderr_lines[@]}" -eq 0 ] || { echo "# stderr: $stderr"; false; }

		# the head and tail ids further apart than the ring is long
		cp "$D/prologue" "$D/g2"
		echo 'set *(unsigned long *)($rb + $ohead) = ($tail + 3 * ($mask + 1)) & 0x3fffffffffffffff' >>"$D/g2"
		gdb_run "$D/g2"
		run --separate-stderr timeout 60 "$CLIENT" dmesg "127.0.0.1:$PORT" --kernel "$k"
		no_detach_warning
		fails 1 "gdbstub-client: the printk ring's head and tail ids (0x*, 0x*) are not within * of each other"

		# one record left (tail = head, as read before), and that one
		# damaged: nothing readable
		head=$(sed -n 's/^ring at .*, ids 0x[0-9a-f]*\.\.\(0x[0-9a-f]*\)$/\1/p' "$D/g2.out")
		[ -n "$head" ]
		cp "$D/prologue" "$D/g3"
		cat >>"$D/g3" <<-GDB
		set *(unsigned long *)(\$rb + \$ohead) = $head
		set *(unsigned long *)(\$rb + \$otail) = $head
		set *(unsigned long *)(\$descs + ($head & \$mask) * \$ds) = (2UL << 62) | ($head + 0x123)
		GDB
		gdb_run "$D/g3"
		run --separate-stderr timeout 60 "$CLIENT" dmesg "127.0.0.1:$PORT" --kernel "$k"
		no_detach_warning
		exit_is 1
		echo "$output" | sed 's/^/#   /' >&3
		echo "#   ${stderr_lines[0]}" >&3
		# The client detached after g2 and the guest ran on with the
		# head out of reach: whatever it printed then failed to reserve
		# space, which the client reports on a line of its own.
		rest=$(grep -v '^<[0-9]* records failed to reserve space (prb->fail)>$' <<<"$output")
		[[ "$rest" =~ ^"<record id "0x[0-9a-f]+" damaged: descriptor "[0-9]+" holds id "0x[0-9a-f]+", not "0x[0-9a-f]+">"$ ]]
		[[ "${stderr_lines[0]}" == "gdbstub-client: no readable record in the kernel log at 0x"*" (1 damaged or being written)" ]]
		kill -KILL "$QPID"
	done
}
