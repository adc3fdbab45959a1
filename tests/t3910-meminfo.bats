#!/usr/bin/env bats
# The guest's memory read from its kernel's counters (linux/meminfo.c):
# `meminfo` in the REPL and `profile`'s memory points, against the guest's
# own /proc/meminfo, on the installed Debian kernel and the fetched 5.10
# and 6.12, under TCG through qemu-wrapper.
#
# A busybox initramfs mounts /proc and /dev, copies /proc/meminfo line by
# line to its second serial port with shell builtins (no process forked),
# then execs poweroff -f; the client reads the counters stopped at
# kernel_power_off.  Between the two reads the shell's image is replaced
# by poweroff's (its anonymous pages and page tables freed, poweroff's
# mapped) and the kernel's per-CPU counter deltas may be folded in
# (vmstat_update, once a second; up to a stat threshold of pages per CPU
# and counter, which neither reader sees before).  So: MemTotal, Buffers
# and SwapCached exact; every other figure within 512 kB (128 pages).
# Seen on 5.10, 6.1 and 6.12 here: 0 to 112 kB apart (AnonPages 28 kB,
# PageTables <= 40 kB, VmallocUsed 12 kB, MemFree <= 112 kB); the page
# cache (Cached) to the kB.  A wrong counter index or unit is megabytes
# off: Slab's two halves swapped are 3-6 MB apart, NR_FILE_PAGES for
# NR_SHMEM on a boot with a page cache, pages read as kB 4x.
# KERNEL_TEST_KERNEL=/path runs one kernel.

load lib
bats_require_minimum_version 1.5.0

setup() {
	linux_guest_setup
	make_init_initrd "$D/meminfo.cpio" \
		'/bin/busybox mount -t proc proc /proc' \
		'/bin/busybox mount -t devtmpfs dev /dev' \
		'echo "=== meminfo ===" >/dev/ttyS1' \
		'while read -r l; do echo "$l"; done </proc/meminfo >/dev/ttyS1' \
		'echo "=== end ===" >/dev/ttyS1' \
		'exec /bin/poweroff -f'
}

teardown() { kill_tracked; }

# boot K: the kernel K to the meminfo initramfs, held at its reset vector
boot() {
	rm -f "$D/wrapper.rc" "$D/ttyS1.log"
	start_session -machine pc,accel=tcg -m 512 -display none -nodefaults \
		-no-reboot -kernel "$1" -initrd "$D/meminfo.cpio" \
		-append "console=ttyS0 nokaslr panic=-1 rdinit=/init" \
		-serial "file:$D/console.log" -serial "file:$D/ttyS1.log"
}

# agree OURS: OURS (lines "Name: N kB") against the guest's /proc/meminfo
# in ttyS1.log, within the tolerance above; every figure of ours must be
# there and at least the 14 figures meminfo prints here
agree() {
	grep -qx '=== end ===.\?' "$D/ttyS1.log" || { cat "$D/ttyS1.log"; false; }
	python3 - "$D/ttyS1.log" "$1" >&3 <<'PY'
import re, sys
def table(path, marker):
    t, on = {}, marker is None
    for l in open(path, errors='replace'):
        l = l.strip()
        if marker and l.startswith('=== meminfo'):
            on = True
        if on:
            m = re.match(r'([A-Za-z()_]+):\s+(\d+) kB$', l)
            if m:
                t[m.group(1)] = int(m.group(2))
        if marker and l.startswith('=== end'):
            break
    return t
guest, ours = table(sys.argv[1], True), table(sys.argv[2], None)
exact = {'MemTotal', 'Buffers', 'SwapCached'}
bad, worst = 0, 0
for k, v in ours.items():
    if k not in guest:
        print('# %s: ours %d kB, not in the guest\'s /proc/meminfo' % (k, v))
        bad += 1
        continue
    d = abs(v - guest[k])
    if k not in exact:
        worst = max(worst, d)
    if d > (0 if k in exact else 512):
        print('# %s: ours %d kB, the guest\'s %d kB' % (k, v, guest[k]))
        bad += 1
print('#   %d figures, the largest difference %d kB' % (len(ours), worst))
sys.exit(1 if bad or len(ours) < 14 else 0)
PY
}

@test "meminfo in kernel_power_off: the guest's own /proc/meminfo, on every kernel" {
	local k
	for k in $(test_kernels); do
		echo "# $(basename "$k")" >&3
		boot "$k"
		run --separate-stderr timeout 300 "$CLIENT" attach --latest \
			-ex "break kernel_power_off" -ex continue -ex meminfo -ex "info meminfo"
		expect_status 0
		printf '%s\n' "$output" | grep ' kB$' >"$D/ours.txt"
		agree "$D/ours.txt"
		# `info meminfo` prints the same lines
		[ "$(grep -c '^MemTotal: ' <<<"$output")" -eq 2 ]
		wait_until 120 test -s "$D/wrapper.rc"
	done
}

@test "profile --until kernel_power_off: its memory point is the guest's /proc/meminfo" {
	local k
	for k in $(test_kernels); do
		echo "# $(basename "$k")" >&3
		boot "$k"
		run --separate-stderr timeout 300 "$CLIENT" profile --latest \
			--until kernel_power_off -o "$D/p.json"
		expect_status 0
		# its figures as meminfo names them
		jq -r '.memory.guest[] | select(.at == "kernel_power_off") |
			"MemTotal: \(.total_kb) kB", "MemFree: \(.free_kb) kB",
			"MemAvailable: \(.available_kb) kB", "Buffers: \(.buffers_kb) kB",
			"Cached: \(.cached_kb) kB", "Shmem: \(.shmem_kb) kB",
			"AnonPages: \(.anon_kb) kB", "SReclaimable: \(.slab_reclaimable_kb) kB",
			"SUnreclaim: \(.slab_unreclaimable_kb) kB",
			"KernelStack: \(.kernel_stack_kb) kB", "PageTables: \(.page_tables_kb) kB",
			"VmallocUsed: \(.vmalloc_kb) kB", "Percpu: \(.percpu_kb) kB",
			"Slab: \(.slab_reclaimable_kb + .slab_unreclaimable_kb) kB"' \
			"$D/p.json" >"$D/ours.txt"
		wait_until 120 test -s "$D/wrapper.rc"
		agree "$D/ours.txt"
		# the userspace milestone's point and the end's, in time order;
		# qemu's peak so far (it ran on after the recording)
		jq -e '[.memory.guest[].at] | index("userspace") != null and .[-1] == "end"' "$D/p.json"
		jq -e '[.memory.guest[].t_ns] as $t | $t == ($t | sort)' "$D/p.json"
		jq -e '.memory.qemu.source == "VmHWM" and .memory.qemu.peak_rss_kb > 20000' "$D/p.json"
	done
}

@test "a whole profile: qemu's peak RSS from the exit record, in the report and the SVG" {
	local k=$KERNEL rss
	boot "$k"
	run --separate-stderr timeout 300 "$CLIENT" profile --latest -o "$D/p.json"
	expect_status 0
	wait_until 120 test -s "$D/wrapper.rc"
	rss=$(jq -r '.rusage.max_rss_kb' "$QEMU_WRAPPER_RUNDIR/$WPID.exit.json")
	[ "$(jq -r .memory.qemu.peak_rss_kb "$D/p.json")" = "$rss" ]
	jq -e '.memory.qemu.source == "wait4" and .memory.qemu.user_us > 0' "$D/p.json"
	# the points: the userspace milestone's in full (Buffers, Cached),
	# the end last, every total the same order of size
	jq -e '(.memory.guest[] | select(.at == "userspace") | .buffers_kb != null and
		.cached_kb != null and .available_kb != null) and
		.memory.guest[-1].at == "end" and
		([.memory.guest[].total_kb] | min > 400000 and max < 524288)' "$D/p.json"
	run "$CLIENT" report --color=never "$D/p.json"
	expect_status 0
	expect_line "^Memory: qemu peak RSS $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB; guest at userspace: [0-9.]+ MiB total, [0-9.]+ used, [0-9.]+ free, [0-9.]+ buff/cache, [0-9.]+ available; kernel [0-9.]+ \(slab [0-9.]+\)$"
	expect_line '^  userspace +[0-9]+\.[0-9] +[0-9.]+ '
	"$CLIENT" report --format=svg -o "$D/p.svg" "$D/p.json"
	grep -q '>memory</text>' "$D/p.svg"
	grep -q "qemu peak RSS $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB" "$D/p.svg"
	python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$D/p.svg"
}

@test "meminfo: before the kernel's memory, usage errors, a kernel without the types" {
	boot "$KERNEL"
	run --separate-stderr timeout 120 "$CLIENT" attach --latest -ex meminfo
	[ "$status" -eq 1 ]
	[ "${stderr_lines[-1]}" = "gdbstub-client: the kernel's memory is not set up yet (the CPU is in real mode)" ]
	kill_tracked
	boot "$KERNEL"
	run --separate-stderr timeout 120 "$CLIENT" attach --latest -ex "break start_kernel" \
		-ex continue -ex meminfo
	[ "$status" -eq 1 ]
	[ "${stderr_lines[-1]}" = "gdbstub-client: the kernel's memory is not set up yet (_totalram_pages is 0)" ]
	run --separate-stderr "$CLIENT" meminfo a b
	fails 2 "*more than one endpoint*"
	run --separate-stderr "$CLIENT" attach --latest -ex "meminfo x" -ex detach
	grep -q "meminfo takes no arguments" <<<"$stderr"
	[ -f "$GUEST_ELF" ] || skip "test guest not built"
	run --separate-stderr timeout 30 "$CLIENT" meminfo 127.0.0.1:1 --kernel "$GUEST_ELF"
	fails 1 "*meminfo needs the kernel's symbols, with vm_node_stat*"
}
