#!/usr/bin/env bats
# gdbstub-client ps (and `ps` / `info tasks` in the REPL): the kernel's
# processes read from guest memory (init_task's task list, layouts from
# the image's BTF), on the installed Debian kernel and the fetched 5.10 and
# 6.12, under TCG through qemu-wrapper:
#   - a busybox initramfs starts a sleep, prints the guest's own
#     `ps -o pid,ppid,stat,comm` to its second serial port, and powers off;
#     stopped in kernel_power_off, every process that ps listed (but ps
#     itself, gone by then) is in our list with the same pid, ppid and
#     name (a workqueue worker's /proc name has its workqueue after a
#     '-', the kernel's comm does not), the sleep in state S, kernel
#     threads in brackets; the only process more is poweroff, on CPU 0
#     (in the reboot call), pid 1 waiting for it (S);
#   - a task list damaged in guest memory (gdb writes it): a link out of
#     the kernel, a link that does not come back: the walk stops with a
#     note, what came before is listed, no hang;
#   - usage errors, and a kernel without the types, refused in one line.
# KERNEL_TEST_KERNEL=/path runs one kernel.

load lib
bats_require_minimum_version 1.5.0

setup() {
	linux_guest_setup
	KS=$KIT/kernel-symbols/kernel-symbols
}

teardown() { kill_tracked; }

@test "every kernel, in kernel_power_off: ps lists what the guest's own ps listed" {
	local k
	make_init_initrd "$D/ps.cpio" \
		'/bin/busybox mount -t proc proc /proc' \
		'/bin/busybox mount -t devtmpfs dev /dev' \
		'/bin/sleep 600 &' \
		'echo "=== ps ===" >/dev/ttyS1' \
		'/bin/ps -o pid,ppid,stat,comm >/dev/ttyS1' \
		'echo "=== end ===" >/dev/ttyS1' \
		'/bin/poweroff -f'
	for k in $(test_kernels); do
		echo "# $(basename "$k")" >&3
		rm -f "$D/wrapper.rc" "$D/ttyS1.log"
		start_session -machine pc,accel=tcg -m 512 -display none -nodefaults \
			-no-reboot -kernel "$k" -initrd "$D/ps.cpio" \
			-append "console=ttyS0 nokaslr panic=-1 rdinit=/init" \
			-serial "file:$D/console.log" -serial "file:$D/ttyS1.log"
		run --separate-stderr timeout 300 "$CLIENT" attach --latest \
			-ex "break kernel_power_off" -ex continue -ex ps -ex "info tasks"
		expect_status 0
		grep -qx '=== end ===.\?' "$D/ttyS1.log" || { cat "$D/ttyS1.log"; false; }
		printf '%s\n' "$output" >"$D/ours.txt"
		python3 - "$D/ttyS1.log" "$D/ours.txt" >&3 <<'PY'
import re, sys
guest = []
on = False
for l in open(sys.argv[1], errors='replace'):
    l = l.rstrip('\r\n')
    if l.startswith('=== ps'):
        on = True
        continue
    if l.startswith('=== end'):
        break
    m = re.match(r'\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$', l) if on else None
    if m:
        guest.append((int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)))
out = open(sys.argv[2]).read().split('\n')
first = out.index(next(l for l in out if l.strip().startswith('PID')))
ours = {}
for l in out[first + 1:]:
    m = re.match(r'\s*(\d+)\s+(-?\d+) (\S)\s+(\d*)\s+(\S.*)$', l)
    if not m:
        break
    ours[int(m.group(1))] = (int(m.group(2)), m.group(3), m.group(4), m.group(5))
bad = 0
for pid, ppid, stat, comm in guest:
    if comm == 'ps':
        continue                       # exited before the stop
    o = ours.get(pid)
    name = o[3].strip('[]') if o else None
    # /proc shows a workqueue worker as NAME-WORKQUEUE (wq_worker_comm());
    # the kernel's comm is NAME
    if not o or o[0] != ppid or not (name == comm or comm.startswith(name + '-')):
        print('# guest ps: %d %d %s %s; ours: %s' % (pid, ppid, stat, comm, o))
        bad += 1
    if comm == 'sleep' and o and o[1] != 'S':
        print('# sleep is %s, not S' % o[1])
        bad += 1
    if pid != 1 and o and o[3].startswith('[') != ('W' in stat or ppid == 2 or pid == 2):
        print('# %d %s: kernel thread %s in ours, %s in the guest' % (pid, comm, o[3], stat))
        bad += 1
extra = [p for p in ours if p not in {g[0] for g in guest}]
# one process more than the kernel threads: poweroff, in the reboot call
# on CPU 0; init (pid 1) waits for it
users = [p for p in extra if not ours[p][3].startswith('[')]
if [ours[p][3] for p in users] != ['poweroff'] or ours[users[0]][2] != '0':
    print('# the processes not in the guest\'s ps: %s' % [ours[p] for p in users])
    bad += 1
if ours.get(1, (0, ''))[1] != 'S':
    print('# pid 1 is not waiting: %s' % (ours.get(1),))
    bad += 1
print('# guest ps %d lines (ps itself among them), ours %d (%d not in it)' % (len(guest), len(ours), len(extra)))
sys.exit(1 if bad or len(guest) < 10 else 0)
PY
		# `info tasks` prints the same table
		[ "$(grep -c '^ *PID  *PPID S  CPU  COMMAND$' <<<"$output")" -eq 2 ]
		wait_until 120 test -s "$D/wrapper.rc"
	done
}

# ks_off K STRUCT.MEMBER: its offset from K's types
ks_off() { "$KS" --json types "$1" "$2" | jq -r .offset; }

# Run the gdb script $D/$1 on the guest at $PORT, then ps with kernel $2:
# it succeeds and lists two tasks (the rest of its output to check).
gdb_then_ps() {
	timeout 120 gdb -nx -batch -ex "target remote 127.0.0.1:$PORT" -x "$D/$1" >"$D/$1.out" 2>&1 ||
		{ cat "$D/$1.out"; false; }
	run --separate-stderr timeout 60 "$CLIENT" ps "127.0.0.1:$PORT" --kernel "$2"
	expect_status 0
	[ "$(grep -cE '^ +[0-9]+ ' <<<"$output")" -eq 2 ]
}

@test "a task list damaged in guest memory: the walk stops with a note, no hang" {
	command -v gdb >/dev/null || skip "no gdb"
	command -v jq >/dev/null || skip "no jq"
	local k=$KERNEL head
	make_init_initrd "$D/sleep.cpio" '/bin/busybox sleep 600'
	start_gdb_qemu -machine pc,accel=tcg -m 512 -display none -nodefaults \
		-no-reboot -kernel "$k" -initrd "$D/sleep.cpio" -S \
		-append "console=ttyS0 nokaslr panic=-1 rdinit=/init" \
		-serial "file:$D/console.log"
	head=$(( 0x$("$KS" lookup "$k" init_task | cut -d' ' -f1) + $(ks_off "$k" task_struct.tasks) ))
	# at run_init_process: the third task's link points out of the kernel
	cat >"$D/g1" <<-GDB
	hbreak *0x$("$KS" lookup "$k" run_init_process | cut -d' ' -f1)
	continue
	delete
	set \$a = *(unsigned long *)$head
	set \$b = *(unsigned long *)\$a
	set *(unsigned long *)\$b = 0x1234
	disconnect
	GDB
	gdb_then_ps g1 "$k"
	echo "$output" | sed 's/^/#   /' >&3
	expect_line '^<the task list ends early: a link points outside the kernel \(0x1234 after 0x[0-9a-f]+\)>$'
	# the second task's link goes back to the first: no link back, no loop
	cat >"$D/g2" <<-GDB
	set \$a = *(unsigned long *)$head
	set \$b = *(unsigned long *)\$a
	set *(unsigned long *)\$b = \$a
	disconnect
	GDB
	gdb_then_ps g2 "$k"
	expect_line '^<the task list ends early: the task at 0x[0-9a-f]+ does not link back to the one before>$'
}

@test "ps: usage errors, and a kernel without the types, in one line" {
	run --separate-stderr "$CLIENT" ps a b
	fails 2 "*more than one endpoint*"
	run --separate-stderr "$CLIENT" ps --bogus
	fails 2 "*unknown option '--bogus'"
	[ -f "$GUEST_ELF" ] || skip "test guest not built"
	run --separate-stderr timeout 30 "$CLIENT" ps 127.0.0.1:1 --kernel "$GUEST_ELF"
	fails 1 "*ps needs the kernel's symbols, with init_task*"
}
