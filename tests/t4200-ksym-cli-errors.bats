#!/usr/bin/env bats
# kernel-symbols on bad input: one line on stderr that names the file (or
# the symbol, address, option) and what is wrong, a non-zero exit, nothing
# on stdout; never a crash or a hang (every run is under timeout, and a
# crash would show as a status of 124 or above 128).  The bzImage cases use
# /boot/vmlinuz-* (or KSYM_TEST_KERNEL) and skip without one; everything
# else is built here.

load lib
bats_require_minimum_version 1.5.0

setup() {
	ksym_env <<'MAP'
ffffffff81001000 T start_kernel
ffffffff81002000 t dup
ffffffff81003000 t dup
ffffffff81004000 T _etext
MAP
}

# usage_error GLOB: exit 2, the first stderr line matches, the usage follows.
usage_error() {
	exit_is 2 || return 1
	# shellcheck disable=SC2053
	if [[ "${stderr_lines[0]}" != $1 ]]; then
		echo "# expected a first line matching: $1"
		echo "# saw:                            ${stderr_lines[0]}"
		return 1
	fi
	[[ "${stderr_lines[1]}" == "usage: kernel-symbols "* ]] ||
		{ echo "# expected the usage on the second line, saw: ${stderr_lines[1]}"; return 1; }
}

# The bzImage to damage, or skip.
need_bzimage() {
	BZ=${KSYM_TEST_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | head -1)}
	[ -n "$BZ" ] && [ -r "$BZ" ] || skip "no /boot/vmlinuz-* (set KSYM_TEST_KERNEL)"
}

# le32 at byte offset $2 of file $1 / one byte
le32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
byte() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }

# flip FILE OFFSET COUNT: invert COUNT bytes in place (each XOR 0xff).
flip() {
	local b out=
	for b in $(od -An -tu1 -v -j "$2" -N "$3" "$1"); do
		out+=$(printf '\\%03o' $((b ^ 255)))
	done
	# shellcheck disable=SC2059  # the format is the octal escapes
	printf "$out" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

@test "a missing file: every command says it cannot open it" {
	local cmd
	for cmd in info initcalls milestones; do
		ks --no-cache "$cmd" "$T/nonexistent"
		fails 1 "kernel-symbols: cannot open '$T/nonexistent': No such file or directory"
	done
	ks lookup "$T/nonexistent" start_kernel
	fails 1 "kernel-symbols: cannot open '$T/nonexistent': *"
	ks export "$T/nonexistent" --format=elf -o "$T/out.elf"
	fails 1 "kernel-symbols: cannot open '$T/nonexistent': *"
	[ ! -e "$T/out.elf" ] || { echo "# an output file was created"; return 1; }
}

@test "an empty file, a directory, a FIFO" {
	: >"$T/empty"
	ks --no-cache info "$T/empty"
	fails 1 "kernel-symbols: '$T/empty' is empty"
	mkdir "$T/dir"
	ks --no-cache info "$T/dir"
	fails 1 "kernel-symbols: cannot read '$T/dir': Is a directory"
	# no writer: opening it must not block
	mkfifo "$T/fifo"
	ks --no-cache info "$T/fifo"
	fails 1 "kernel-symbols: '$T/fifo' is not a regular file"
}

@test "wrong magic: binary junk, a bzImage without 'HdrS', a broken ELF, a damaged cache file" {
	head -c 4096 /dev/urandom >"$T/junk"
	printf '\0' | dd of="$T/junk" bs=1 seek=7 conv=notrunc status=none
	ks --no-cache info "$T/junk"
	fails 1 "kernel-symbols: '$T/junk' is not a bzImage, vmlinux ELF, System.map, kallsyms text or kernel-symbols cache (unknown binary data)"

	# a boot sector (0x55 0xaa at 510) with no setup header
	{ head -c 510 /dev/zero; printf '\x55\xaa'; head -c 4096 /dev/zero; } >"$T/bootsector"
	ks --no-cache info "$T/bootsector"
	fails 1 "kernel-symbols: '$T/bootsector': no boot protocol header (magic 'HdrS' missing)"

	# ELF magic, 32-bit class
	{ printf '\x7fELF\x01\x01\x01'; head -c 200 /dev/zero; } >"$T/elf32"
	ks info "$T/elf32"
	fails 1 "kernel-symbols: '$T/elf32' is a 32-bit ELF, not x86-64"

	# the cache's magic, then nothing sensible
	{ printf 'KSYMCACHE'; head -c 300 /dev/zero; } >"$T/damaged.cache"
	ks info "$T/damaged.cache"
	fails 1 "kernel-symbols: '$T/damaged.cache': not a kernel-symbols cache file, or a damaged one"
}

@test "text that is not a System.map, and Debian's System.map stub" {
	printf 'hello world\n' >"$T/hello"
	ks --no-cache info "$T/hello"
	fails 1 "kernel-symbols: '$T/hello': line 1 is not \"ADDRESS TYPE NAME\""

	# what Debian ships in /boot: one line pointing at the -dbg package
	echo 'ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package' >"$T/stub"
	ks --no-cache lookup "$T/stub" start_kernel
	fails 1 "kernel-symbols: '$T/stub': no symbols here: this System.map is a stub (*)"

	local real
	real=$(ls /boot/System.map-* 2>/dev/null | head -1)
	[ -n "$real" ] || skip "no /boot/System.map-*"
	[ "$(wc -l <"$real")" -le 1 ] || skip "$real is a real System.map, not the stub"
	ks --no-cache info "$real"
	fails 1 "kernel-symbols: '$real': no symbols here: this System.map is a stub (*)"
}

@test "a bzImage truncated to its first 64 KiB" {
	need_bzimage
	head -c 65536 "$BZ" >"$T/truncated"
	ks --no-cache --no-discover info "$T/truncated"
	fails 1 "kernel-symbols: '$T/truncated': payload (offset *, length *) runs past the end of the file"
	# the cache cannot hide it either
	ks info "$T/truncated"
	fails 1 "kernel-symbols: '$T/truncated': payload * runs past the end of the file"
}

@test "a bzImage with bytes flipped in the middle of its compressed payload" {
	need_bzimage
	local sects start len mid
	sects=$(byte "$BZ" $((0x1f1)))
	[ "$sects" -ne 0 ] || sects=4
	start=$(( (sects + 1) * 512 + $(le32 "$BZ" $((0x248))) ))
	len=$(le32 "$BZ" $((0x24c)))
	mid=$((start + len / 2))
	cp "$BZ" "$T/corrupt"
	flip "$T/corrupt" "$mid" 64
	cmp -s "$BZ" "$T/corrupt" && { echo "# the copy was not changed"; return 1; }
	[ "$(stat -c %s "$BZ")" -eq "$(stat -c %s "$T/corrupt")" ]
	ks --no-cache --no-discover info "$T/corrupt"
	fails 1 "kernel-symbols: '$T/corrupt': *"
	if [ "$(dd if="$BZ" bs=1 skip="$start" count=6 status=none | od -An -tx1 | tr -d ' ')" = fd377a585a00 ]; then
		[[ "${stderr_lines[0]}" == *"xz payload is corrupt or truncated"* ]] ||
			{ echo "# expected the xz error, saw: ${stderr_lines[0]}"; return 1; }
	fi
}

@test "a bzImage whose payload is in no compressor the kernel uses" {
	need_bzimage
	local sects start
	sects=$(byte "$BZ" $((0x1f1)))
	[ "$sects" -ne 0 ] || sects=4
	start=$(( (sects + 1) * 512 + $(le32 "$BZ" $((0x248))) ))
	cp "$BZ" "$T/unknown"
	printf '\x11\x22\x33\x44\x55\x66' | dd of="$T/unknown" bs=1 seek="$start" conv=notrunc status=none
	ks --no-cache --no-discover info "$T/unknown"
	fails 1 "kernel-symbols: '$T/unknown': payload starts with 11 22 33 44: not a compressor the kernel uses"
}

@test "lookup: an unknown name, a missing duplicate, an address nothing holds" {
	ks lookup "$MAP" no_such_symbol
	fails 1 "kernel-symbols: no symbol 'no_such_symbol' in '$MAP'"
	ks lookup "$MAP" dup@3
	fails 1 "kernel-symbols: no symbol 'dup@3' in '$MAP': 2 called 'dup'"
	ks lookup "$MAP" 0x10
	fails 1 "kernel-symbols: no symbol in '$MAP' holds address '0x10'"
	# the good queries are still answered, the bad one named, exit 1
	ks lookup "$MAP" start_kernel no_such_symbol 0xffffffff81001004
	[ "$status" -eq 1 ] || { echo "# expected exit 1, saw $status"; return 1; }
	[ "${lines[0]}" = "ffffffff81001000 T start_kernel+0x0/0x1000" ] || { echo "# saw: ${lines[0]}"; return 1; }
	[ "${lines[1]}" = "ffffffff81001004 T start_kernel+0x4/0x1000" ] || { echo "# saw: ${lines[1]}"; return 1; }
	[ "$stderr" = "kernel-symbols: no symbol 'no_such_symbol' in '$MAP'" ] || { echo "# saw: $stderr"; return 1; }
	ks kaslr "$MAP" no_such_symbol 0xffffffff81001000
	fails 1 "kernel-symbols: *'no_such_symbol'*"
}

@test "malformed addresses are named as such, not looked up as names" {
	local a
	for a in 0x 0xzz 0x1g 0x123456789abcdef01 0X-1; do
		ks lookup "$MAP" "$a"
		fails 1 "kernel-symbols: '$a' is not an address (0x and 1 to 16 hex digits)"
	done
	ks lookup "$MAP" 12345
	fails 1 "kernel-symbols: '12345' is neither a symbol name nor an address (write addresses as 0x...)"
	ks kaslr "$MAP" start_kernel 0xnothex
	fails 1 "kernel-symbols: '0xnothex' is not a 0x-prefixed address"
}

@test "export to a path that cannot be written: no directory, a file as directory, a full device" {
	ks export "$MAP" --format=map -o "$T/no/such/dir/out.map"
	fails 1 "kernel-symbols: cannot create '$T/no/such/dir/out.map': No such file or directory"
	ks export "$MAP" --format=elf -o "$T/no/such/dir/out.elf"
	fails 1 "kernel-symbols: cannot create '$T/no/such/dir/out.elf': No such file or directory"
	ks export "$MAP" --format=elf -o "$MAP/out.elf"
	fails 1 "kernel-symbols: cannot create '$MAP/out.elf': Not a directory"
	[ -c /dev/full ] || skip "no /dev/full"
	ks export "$MAP" --format=map -o /dev/full
	fails 1 "kernel-symbols: cannot write '/dev/full': No space left on device"
	ks export "$MAP" --format=elf -o /dev/full
	fails 1 "kernel-symbols: cannot write '/dev/full': not a regular file (an ELF is written to a file)"
	[ -c /dev/full ] || { echo "# /dev/full was replaced"; return 1; }
	if [ "$(id -u)" -ne 0 ]; then
		mkdir "$T/ro" && chmod 555 "$T/ro"
		ks export "$MAP" --format=elf -o "$T/ro/out.elf"
		fails 1 "kernel-symbols: cannot create '$T/ro/out.elf': Permission denied"
	fi
}

@test "export: an unknown format, no -o" {
	ks export "$MAP" --format=xml -o "$T/out"
	fails 1 "kernel-symbols: unknown format 'xml' (map or elf)"
	ks export "$MAP"
	fails 1 "kernel-symbols: export needs -o FILE"
}

@test "unknown command, unknown option, missing value, missing or extra arguments" {
	ks frobnicate "$MAP"
	usage_error "kernel-symbols: unknown command 'frobnicate'"
	ks --bogus info "$MAP"
	usage_error "kernel-symbols: unknown option '--bogus'"
	ks info "$MAP" -x
	usage_error "kernel-symbols: unknown option '-x'"
	ks info "$MAP" --format
	usage_error "kernel-symbols: option '--format' needs a value"
	ks info
	usage_error "kernel-symbols: 'info' needs a KERNEL"
	ks
	[ "$status" -eq 2 ] && [[ "${stderr_lines[0]}" == "usage: kernel-symbols "* ]] ||
		{ echo "# no arguments: expected the usage and exit 2, saw $status: $stderr"; return 1; }
	ks info "$MAP" extra
	fails 1 "kernel-symbols: unexpected argument 'extra' after KERNEL for 'info'"
	ks lookup "$MAP"
	fails 1 "kernel-symbols: usage: kernel-symbols lookup KERNEL NAME\[@N]\[+OFF]|0xADDR..."
	ks kaslr "$MAP" start_kernel
	fails 1 "kernel-symbols: usage: kernel-symbols kaslr KERNEL NAME OBSERVED_ADDR"
}
