#!/usr/bin/env bats
# kernel-symbols against the real thing: the Debian kernel from /boot is
# booted once under TCG (nokaslr, initcall_debug) with a busybox initramfs
# that copies /proc/kallsyms to a second serial port; the symbols and the
# initcall table decoded from the same bzImage must match what the running
# kernel says.  The boot (~10 s) is cached in tests/helpers/ksym-boot/,
# keyed by the kernel's size and mtime; delete it to boot again.
# KSYM_TEST_KERNEL=/path/to/bzImage tests another kernel.

KS=$BATS_TEST_DIRNAME/../kernel-symbols/kernel-symbols

boot_once() {
	local out=$1 root=$BOOT_DIR/root
	rm -rf "$root" && mkdir -p "$root/bin" "$root/proc" "$root/dev"
	cp "$BUSYBOX" "$root/bin/busybox"
	cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox cat /proc/kallsyms > /dev/ttyS1
/bin/busybox echo KSYM-DUMP-END
/bin/busybox poweroff -f
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$BOOT_DIR/initrd.cpio" || return 1
	timeout 150 qemu-system-x86_64 -machine accel=tcg -m 512 -nographic -no-reboot \
		-kernel "$KERNEL" -initrd "$BOOT_DIR/initrd.cpio" \
		-append "console=ttyS0 nokaslr initcall_debug ignore_loglevel panic=-1 rdinit=/init" \
		-serial "file:$out.console" -serial "file:$out.kallsyms" \
		-monitor none -display none </dev/null >"$out.qemu" 2>&1
	grep -q KSYM-DUMP-END "$out.console" || { echo "# boot did not finish, see $out.console"; return 1; }
	tr -d '\r' <"$out.kallsyms" | grep -v '\[' | sort >"$out.core-kallsyms"
	# do_one_initcall's lines only: a pid after '@', no 'for DEVICE' (PCI fixups),
	# not pid 0 (console initcalls from start_kernel).
	tr -d '\r' <"$out.console" | grep -E '^\[ *[0-9.]+\] calling  .* @ [1-9][0-9]*$' |
		sed 's/.*calling  //; s/+.*//' >"$out.initcalls"
	touch "$out.done"
}

setup_file() {
	KERNEL=${KSYM_TEST_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | head -1)}
	BUSYBOX=$(command -v busybox || true)
	export KERNEL BUSYBOX
	[ -n "$KERNEL" ] && [ -r "$KERNEL" ] || return 0
	[ -n "$BUSYBOX" ] && command -v qemu-system-x86_64 >/dev/null && command -v cpio >/dev/null || return 0
	BOOT_DIR=$BATS_TEST_DIRNAME/helpers/ksym-boot
	mkdir -p "$BOOT_DIR"
	BOOT=$BOOT_DIR/$(basename "$KERNEL")-$(stat -c '%s-%Y' "$KERNEL")
	export BOOT_DIR BOOT
	[ -f "$BOOT.done" ] || boot_once "$BOOT"
}

setup() {
	[ -n "${BOOT:-}" ] || skip "no kernel, busybox, cpio or qemu-system-x86_64"
	[ -f "$BOOT.done" ] || skip "the boot failed (see $BOOT.console)"
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
}

@test "every core-kernel symbol the booted kernel lists is found at the same address with the same type" {
	"$KS" --no-discover export "$KERNEL" --format=map -o "$BATS_TEST_TMPDIR/ours.map"
	sort "$BATS_TEST_TMPDIR/ours.map" >"$BATS_TEST_TMPDIR/ours.sorted"
	local guest ours missing
	guest=$(wc -l <"$BOOT.core-kallsyms")
	ours=$(wc -l <"$BATS_TEST_TMPDIR/ours.sorted")
	missing=$(comm -23 "$BOOT.core-kallsyms" "$BATS_TEST_TMPDIR/ours.sorted" | wc -l)
	echo "# guest lists $guest core symbols, we decode $ours, $missing missing" >&3
	if [ "$missing" -ne 0 ] || [ "$guest" -lt 1000 ]; then
		echo "# expected every guest symbol, these are missing:"
		comm -23 "$BOOT.core-kallsyms" "$BATS_TEST_TMPDIR/ours.sorted" | head -10
		return 1
	fi
}

@test "the initcall table has the count and order of the calls the kernel made" {
	"$KS" --no-discover --json initcalls "$KERNEL" >"$BATS_TEST_TMPDIR/ic.json"
	python3 -c 'import json,sys; [print(c["function"]) for c in json.load(open(sys.argv[1]))["initcalls"]]' \
		"$BATS_TEST_TMPDIR/ic.json" >"$BATS_TEST_TMPDIR/ours.initcalls"
	local want saw
	want=$(wc -l <"$BOOT.initcalls")
	saw=$(wc -l <"$BATS_TEST_TMPDIR/ours.initcalls")
	echo "# the kernel called $want initcalls, the table has $saw" >&3
	if ! diff "$BOOT.initcalls" "$BATS_TEST_TMPDIR/ours.initcalls" >"$BATS_TEST_TMPDIR/diff"; then
		echo "# expected the initcall_debug order (<), saw (>):"
		head -20 "$BATS_TEST_TMPDIR/diff"
		return 1
	fi
	[ "$want" -gt 100 ]
	# every level is named in full (a char[8] once cut "postcore" short)
	python3 -c 'import json,sys; print("\n".join(sorted({c["level"] for c in json.load(open(sys.argv[1]))["initcalls"]})))' \
		"$BATS_TEST_TMPDIR/ic.json" >"$BATS_TEST_TMPDIR/levels"
	grep -qx postcore "$BATS_TEST_TMPDIR/levels" || { echo "# levels seen:"; cat "$BATS_TEST_TMPDIR/levels"; return 1; }
	! grep -vxE 'early|pure|core|postcore|arch|subsys|fs|rootfs|device|late' "$BATS_TEST_TMPDIR/levels" ||
		{ echo "# unexpected level names above"; return 1; }
}

@test "the second load comes from the cache and answers the same" {
	"$KS" --no-discover lookup "$KERNEL" start_kernel >"$BATS_TEST_TMPDIR/cold"
	"$KS" --no-discover --json info "$KERNEL" >"$BATS_TEST_TMPDIR/info.json"
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["source"] != "cache")' \
		"$BATS_TEST_TMPDIR/info.json" ||
		{ echo "# expected source cache, saw:"; cat "$BATS_TEST_TMPDIR/info.json"; return 1; }
	"$KS" --no-discover lookup "$KERNEL" start_kernel >"$BATS_TEST_TMPDIR/warm"
	cmp "$BATS_TEST_TMPDIR/cold" "$BATS_TEST_TMPDIR/warm"
	grep -q " start_kernel+0x0/0x[0-9a-f]*$" "$BATS_TEST_TMPDIR/warm"
}

@test "lookups agree with the guest both ways, and gdb loads the exported ELF" {
	local line addr type
	line=$(grep ' do_one_initcall$' "$BOOT.core-kallsyms")
	addr=${line%% *}; type=$(echo "$line" | cut -d' ' -f2)
	run "$KS" --no-discover lookup "$KERNEL" do_one_initcall "0x$(printf '%x' $((0x$addr + 5)))"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "$addr $type do_one_initcall+0x0/0x"* ]] || { echo "# expected '$addr $type do_one_initcall+0x0/0x...', saw '${lines[0]}'"; return 1; }
	[[ "${lines[1]}" == "$(printf '%016x' $((0x$addr + 5))) $type do_one_initcall+0x5/0x"* ]] || { echo "# saw '${lines[1]}'"; return 1; }
	command -v gdb >/dev/null || skip "no gdb"
	"$KS" --no-discover export "$KERNEL" --format=elf -o "$BATS_TEST_TMPDIR/k.elf"
	run timeout 60 gdb -batch -nx -ex "symbol-file $BATS_TEST_TMPDIR/k.elf" \
		-ex "info symbol 0x$(printf '%x' $((0x$addr + 5)))" -ex 'p/x &start_kernel'
	[[ "$output" == *"do_one_initcall + 5 in section"* ]] || { echo "# gdb said: $output"; return 1; }
	line=$(grep ' start_kernel$' "$BOOT.core-kallsyms")
	[[ "$output" == *"= 0x${line%% *}"* ]] || { echo "# gdb said: $output"; return 1; }
}

@test "milestones: the kernel's startup_64 at LOAD_PHYSICAL_ADDR, start_kernel as booted" {
	local line s64 text phys
	line=$(grep ' start_kernel$' "$BOOT.core-kallsyms")
	# the kernel is entered at LOAD_PHYSICAL_ADDR + (startup_64 - _text):
	# 0x1000000 up to 6.1; 6.12 puts startup_64 at _text+0xc43 (checked with
	# a hardware breakpoint: the first instruction run is there)
	s64=$(grep ' startup_64$' "$BOOT.core-kallsyms"); s64=${s64%% *}
	text=$(grep ' _text$' "$BOOT.core-kallsyms"); text=${text%% *}
	phys=$(printf '0x%x' $((0x1000000 + 0x$s64 - 0x$text)))
	"$KS" --no-discover --json milestones "$KERNEL" >"$BATS_TEST_TMPDIR/m.json"
	run python3 -c 'import json,sys; m={x["name"]: x["address"] for x in json.load(open(sys.argv[1]))}; print(m["startup_64"], m["start_kernel"], m["setup"])' \
		"$BATS_TEST_TMPDIR/m.json"
	[ "$output" = "$phys 0x$(echo "${line%% *}" | sed 's/^0*//') 0x10200" ] ||
		{ echo "# expected '$phys 0x${line%% *} 0x10200', saw '$output'"; return 1; }
}
