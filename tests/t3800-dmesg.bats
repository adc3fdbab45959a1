#!/usr/bin/env bats
# gdbstub-client dmesg: the kernel log read from guest memory (the printk
# ring through `prb`, layouts from the image's BTF), on the installed
# Debian kernel (newest /boot/vmlinuz-*) under TCG through qemu-wrapper,
# held at the reset vector, its kernel named by the session file, a
# busybox initramfs that powers off at once:
#   - stopped at run_init_process (kernel_init, after do_basic_setup and
#     free_initmem: most of the boot), every line the console printed up
#     to then, timestamp and text, is in dmesg's output, in order (dmesg
#     may hold more: debug lines under the console loglevel);
#   - console=null (no console at all) still gives the log;
#   - at the reset vector: one line "the kernel log is not set up yet",
#     exit status 1, and the guest boots on after it; a guest without BTF is refused before attaching;
#     usage errors are one line and exit status 2.
# KERNEL_TEST_KERNEL=/path overrides the kernel.

load lib
bats_require_minimum_version 1.5.0

setup() {
	need_client
	need_qemu
	KERNEL=${KERNEL_TEST_KERNEL:-$VMLINUZ}
	[ -n "$KERNEL" ] && [ -r "$KERNEL" ] || skip "no readable kernel in /boot"
	BUSYBOX=$(command -v busybox || true)
	[ -n "$BUSYBOX" ] || skip "no busybox (busybox-static)"
	command -v cpio >/dev/null || skip "no cpio"
	wrapper_env
	export QEMU_WRAPPER_QUIET=1 XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
	D=$BATS_TEST_TMPDIR
	make_poweroff_initrd "$D"
}

teardown() { kill_tracked; }

# boot_held APPEND: the kernel held at its reset vector by qemu-wrapper,
# its serial console in $D/console.log.
boot_held() {
	start_session -machine pc,accel=tcg -m 512 -display none -nodefaults \
		-no-reboot -kernel "$KERNEL" -initrd "$D/initrd.cpio" \
		-append "$1 nokaslr panic=-1 rdinit=/init" \
		-serial "file:$D/console.log"
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
# dmesg's lines, in order ($1: dmesg output, $2: console log).
compare_console() {
	python3 - "$1" "$2" <<'PY'
import re, sys
stamp = re.compile(r'\[ *([0-9]+\.[0-9]+)\] ')
dm = [l.rstrip('\n') for l in open(sys.argv[1], errors='replace') if stamp.match(l)]
con = [l.rstrip('\r\n') for l in open(sys.argv[2], errors='replace')]
last = float(stamp.match(dm[-1]).group(1))
want = [l for l in con if stamp.match(l) and float(stamp.match(l).group(1)) <= last]
i = 0
for w in want:
    while i < len(dm) and dm[i] != w:
        i += 1
    if i == len(dm):
        print("# console line not in dmesg (in order): %r" % w)
        sys.exit(1)
    i += 1
print("# %d console lines up to [%.6f], all in dmesg's %d, in order" % (len(want), last, len(dm)))
if len(want) < 200:
    print("# too few console lines to compare")
    sys.exit(1)
PY
}

@test "at run_init_process: every console line is in dmesg, in order" {
	boot_held "console=ttyS0"
	dmesg_at run_init_process
	expect_status 0
	expect_line '^Breakpoint 1, 0x[0-9a-f]+ <run_init_process> in 64-bit mode$'
	expect_line '^\[    0\.000000\] Linux version '
	wait_poweroff
	grep -q 'Run /init as init process' "$D/console.log"
	sed -n '/^\[ *[0-9]*\.[0-9]*\] /p' <<<"$output" >"$D/dmesg.txt"
	echo "# dmesg, last lines:" >&3
	tail -3 "$D/dmesg.txt" | sed 's/^/#   /' >&3
	compare_console "$D/dmesg.txt" "$D/console.log" >&3
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

@test "at the reset vector: one line, the kernel log is not set up yet" {
	boot_held "console=ttyS0"
	run --separate-stderr timeout 60 "$CLIENT" dmesg --latest
	fails 1 "gdbstub-client: the kernel log is not set up yet*"
	# detached: the guest was let go and booted on
	wait_poweroff
	grep -q 'Run /init as init process' "$D/console.log"
}

@test "a kernel without BTF is refused before attaching" {
	[ -f "$GUEST_ELF" ] || skip "test guest not built"
	run --separate-stderr timeout 30 "$CLIENT" dmesg 127.0.0.1:1 --kernel "$GUEST_ELF"
	fails 1 "*carries no BTF*"
}

@test "usage errors: one line, exit status 2" {
	run --separate-stderr "$CLIENT" dmesg --timeout 5x
	fails 2 "*--timeout: '5x' is not a whole number"
	run --separate-stderr "$CLIENT" dmesg a b
	fails 2 "*more than one endpoint*"
	run --separate-stderr "$CLIENT" dmesg --bogus
	fails 2 "*unknown option '--bogus'"
}
