#!/usr/bin/env bats
# kernel-symbols against hostile images and failing outputs: nothing is
# lost, no broken result is reported.
#  - a write error on standard output (/dev/full) is an error, exit 1;
#  - export -o FILE on a full file system leaves no FILE (or the old one
#    intact) and no temporary file; a cache that cannot be written costs
#    only time;
#  - an ELF whose .symtab links to a section that is not a string table, or
#    built for another machine, is refused naming the file;
#  - control characters in symbol names, types, paths and arguments never
#    reach the terminal raw.
# The ELFs are the kit's own export, patched by python3.  The full file
# system is a 64 KiB tmpfs (root only; skipped otherwise).

load lib
bats_require_minimum_version 1.5.0

setup() {
	ksym_env <<'MAP'
ffffffff81000100 t f_early
ffffffff81000200 t f_core
ffffffff81000400 t f_dev
ffffffff81001000 T start_kernel
ffffffff81002000 t evilXname
ffffffff81003000 T _etext
ffffffff83000000 D __initcall_start
ffffffff83000000 d __initcall__kmod_foo__1_2_f_earlyearly
ffffffff83000004 D __initcall0_start
ffffffff83000004 D __initcall1_start
ffffffff83000004 d __initcall__kmod_bar__3_4_f_core1
ffffffff8300000c D __initcall2_start
ffffffff8300000c D __initcall3_start
ffffffff8300000c D __initcall4_start
ffffffff8300000c D __initcall5_start
ffffffff8300000c D __initcallrootfs_start
ffffffff8300000c D __initcall6_start
ffffffff8300000c d __initcall_f_dev6
ffffffff83000010 D __initcall7_start
ffffffff83000010 D __initcall_end
MAP
	MNT=
}

teardown() {
	if [ -n "$MNT" ]; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	fi
	return 0
}

# patched_elf NAME PATCH...: $T/NAME.elf, a copy of $T/good.elf patched
# by elfpatch
patched_elf() {
	cp "$T/good.elf" "$T/$1.elf"
	elfpatch "$T/$1.elf" "${@:2}"
}

# no_raw_controls: neither stdout nor stderr of the last run holds a byte
# below 0x20 other than newline and tab, nor DEL.
no_raw_controls() {
	local what
	for what in output stderr; do
		if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' <<<"${!what}"; then
			echo "# raw control characters on $what:"
			printf '%s' "${!what}" | od -c | head -20 | sed 's/^/# /'
			return 1
		fi
	done
}

# A 64 KiB tmpfs at $MNT, or skip.
full_fs() {
	MNT=$T/full
	mkdir -p "$MNT"
	[ "$(id -u)" -eq 0 ] || { MNT=; skip "mounting a tmpfs needs root"; }
	mount -t tmpfs -o size=64k tmpfs "$MNT" 2>/dev/null || { MNT=; skip "cannot mount a tmpfs"; }
}

# A System.map of N symbols (about 60 bytes a line).
big_map() {
	awk -v n="$2" 'BEGIN { printf "ffffffff81000000 T _text\n";
		for (i = 1; i <= n; i++)
			printf "%016x T a_rather_long_function_name_number_%07d\n", 0xffffffff81000000 + i * 16, i }' >"$1"
}

# elfpatch FILE WHAT: patch an ELF64 that export --format=elf wrote.
#   symtab-link=N|self   the .symtab's sh_link
#   machine=N            e_machine
#   class32 / bigendian  e_ident[EI_CLASS] / e_ident[EI_DATA]
#   rename=OLD:NEW       a name in the string table (same length; \xNN ok)
#   symtab-entsize=N     the .symtab's sh_entsize
elfpatch() {
	python3 - "$@" <<'PY'
import struct, sys
path, what = sys.argv[1], sys.argv[2]
d = bytearray(open(path, 'rb').read())
shoff, = struct.unpack_from('<Q', d, 0x28)
shentsize, shnum = struct.unpack_from('<HH', d, 0x3a)
def sh(i): return shoff + i * shentsize
symtab = [i for i in range(shnum) if struct.unpack_from('<I', d, sh(i) + 4)[0] == 2][0]
key, _, val = what.partition('=')
if key == 'symtab-link':
    struct.pack_into('<I', d, sh(symtab) + 40, symtab if val == 'self' else int(val))
elif key == 'symtab-entsize':
    struct.pack_into('<Q', d, sh(symtab) + 56, int(val))
elif key == 'machine':
    struct.pack_into('<H', d, 18, int(val))
elif key == 'class32':
    d[4] = 1
elif key == 'bigendian':
    d[5] = 2
elif key == 'rename':
    old, new = (s.encode().decode('unicode_escape').encode('latin-1') for s in val.split(':'))
    assert len(old) == len(new) and d.count(old) == 1, 'rename: not found once'
    d = d.replace(old, new)
open(path, 'wb').write(bytes(d))
PY
}

@test "/dev/full as standard output: every command fails and says why" {
	[ -c /dev/full ] || skip "no /dev/full"
	local want="kernel-symbols: cannot write to standard output: No space left on device"
	local args json
	for json in "" --json; do
		for args in "info $MAP" "initcalls $MAP" "milestones $MAP" \
			"lookup $MAP start_kernel 0xffffffff81001004" \
			"kaslr $MAP start_kernel 0xffffffff81201000"; do
			# shellcheck disable=SC2086  # the words of $args
			run --separate-stderr timeout 60 sh -c '"$0" "$@" >/dev/full' "$KS" $json $args
			[ "$status" -eq 1 ] ||
				{ echo "# $json $args >/dev/full: expected exit 1, saw $status; stderr: $stderr"; return 1; }
			[ "$stderr" = "$want" ] ||
				{ echo "# $json $args >/dev/full: expected '$want', saw '$stderr'"; return 1; }
		done
	done
	# export to standard output, and the --json summary of an export
	run --separate-stderr timeout 60 sh -c '"$0" "$@" >/dev/full' "$KS" export "$MAP" --format=map -o -
	[ "$status" -eq 1 ] && [[ "$stderr" == *"No space left on device" ]] ||
		{ echo "# export -o - >/dev/full: exit $status, stderr '$stderr'"; return 1; }
	run --separate-stderr timeout 60 sh -c '"$0" "$@" >/dev/full' "$KS" --json export "$MAP" --format=map -o "$T/out.map"
	[ "$status" -eq 1 ] && [ "$stderr" = "$want" ] ||
		{ echo "# --json export >/dev/full: exit $status, stderr '$stderr'"; return 1; }
}

@test "export -o FILE on a full file system: an error naming FILE, no truncated FILE, no temporary" {
	full_fs
	big_map "$T/big.map" 4000
	local fmt
	for fmt in map elf; do
		ks export "$T/big.map" --format=$fmt -o "$MNT/out.$fmt"
		fails 1 "kernel-symbols: cannot write '$MNT/out.$fmt': No space left on device"
		[ -z "$(ls -A "$MNT")" ] || { echo "# left behind: $(ls -A "$MNT")"; return 1; }
		# an existing FILE keeps its old content
		echo old >"$MNT/out.$fmt"
		ks export "$T/big.map" --format=$fmt -o "$MNT/out.$fmt"
		fails 1 "kernel-symbols: cannot write '$MNT/out.$fmt': No space left on device"
		[ "$(cat "$MNT/out.$fmt")" = old ] || { echo "# out.$fmt was changed"; return 1; }
		[ "$(ls -A "$MNT")" = "out.$fmt" ] || { echo "# left behind: $(ls -A "$MNT")"; return 1; }
		rm "$MNT/out.$fmt"
	done
	# a small export still fits, and is complete
	ks export "$MAP" --format=map -o "$MNT/small.map"
	[ "$status" -eq 0 ] || { echo "# small export: exit $status: $stderr"; return 1; }
	[ "$(wc -l <"$MNT/small.map")" -eq "$(wc -l <"$MAP")" ]
}

@test "a cache that cannot be written is no error; a truncated cache entry is not trusted" {
	BZ=${KSYM_TEST_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | head -1)}
	[ -n "$BZ" ] && [ -r "$BZ" ] || skip "no /boot/vmlinuz-* (set KSYM_TEST_KERNEL)"
	ks --no-discover lookup "$BZ" start_kernel
	[ "$status" -eq 0 ] || { echo "# exit $status: $stderr"; return 1; }
	local want=$output entry
	entry=$(ls "$XDG_CACHE_HOME"/qemu-boot-debug/ksym-*.cache)
	# cut the entry short: the next run decodes the image again
	truncate -s $(($(stat -c %s "$entry") - 16)) "$entry"
	ks --no-discover lookup "$BZ" start_kernel
	[ "$status" -eq 0 ] && [ "$output" = "$want" ] ||
		{ echo "# after truncating the cache: exit $status, '$output' (want '$want'): $stderr"; return 1; }
	full_fs
	XDG_CACHE_HOME=$MNT ks --no-discover lookup "$BZ" start_kernel
	[ "$status" -eq 0 ] && [ "$output" = "$want" ] && [ -z "$stderr" ] ||
		{ echo "# cache on a full disk: exit $status, '$output', stderr '$stderr'"; return 1; }
	[ -z "$(find "$MNT" -type f)" ] || { echo "# left behind: $(find "$MNT" -type f)"; return 1; }
}

@test "an ELF whose .symtab links to itself, to a non-string table, or out of range" {
	ks export "$MAP" --format=elf -o "$T/good.elf"
	[ "$status" -eq 0 ] || { echo "# export: $stderr"; return 1; }
	ks info "$T/good.elf"
	[ "$status" -eq 0 ] || { echo "# the unpatched ELF: $stderr"; return 1; }
	local how
	for how in self 1 60000; do
		patched_elf "link-$how" symtab-link=$how
		ks info "$T/link-$how.elf"
		fails 1 "kernel-symbols: '$T/link-$how.elf': .symtab (section *) links to section *, *"
	done
	patched_elf entsize symtab-entsize=16
	ks info "$T/entsize.elf"
	fails 1 "kernel-symbols: '$T/entsize.elf': .symtab (section *) has entries of 16 bytes, not 24"
}

@test "an ELF for another machine, 32-bit or big-endian is named as such" {
	ks export "$MAP" --format=elf -o "$T/good.elf"
	[ "$status" -eq 0 ] || { echo "# export: $stderr"; return 1; }
	patched_elf arm64 machine=183
	ks info "$T/arm64.elf"
	fails 1 "kernel-symbols: '$T/arm64.elf' is an ELF for AArch64, not x86-64"
	patched_elf arm machine=40
	ks lookup "$T/arm.elf" start_kernel
	fails 1 "kernel-symbols: '$T/arm.elf' is an ELF for ARM, not x86-64"
	patched_elf odd machine=4242
	ks info "$T/odd.elf"
	fails 1 "kernel-symbols: '$T/odd.elf' is an ELF for machine 4242, not x86-64"
	patched_elf be bigendian
	ks info "$T/be.elf"
	fails 1 "kernel-symbols: '$T/be.elf' is a big-endian ELF, not x86-64"
	patched_elf c32 class32
	ks info "$T/c32.elf"
	fails 1 "kernel-symbols: '$T/c32.elf' is a 32-bit ELF, not x86-64"
}

@test "control characters in an ELF's symbol names never reach the terminal" {
	ks export "$MAP" --format=elf -o "$T/esc.elf"
	[ "$status" -eq 0 ] || { echo "# export: $stderr"; return 1; }
	elfpatch "$T/esc.elf" 'rename=evilXname:evil\x1bname'
	ks lookup "$T/esc.elf" 0xffffffff81002004
	[ "$status" -eq 0 ] || { echo "# exit $status: $stderr"; return 1; }
	no_raw_controls
	[ "$output" = 'ffffffff81002004 t evil\x1bname+0x4/0x1000' ] ||
		{ echo "# saw: $output"; return 1; }
	ks lookup "$T/esc.elf" $'evil\x1bname'
	[ "$status" -eq 0 ] || { echo "# exit $status: $stderr"; return 1; }
	no_raw_controls
	[ "$output" = 'ffffffff81002000 t evil\x1bname+0x0/0x1000' ] || { echo "# saw: $output"; return 1; }
	ks lookup "$T/esc.elf" $'no\x1b[2Jsuch'
	fails 1 "kernel-symbols: no symbol 'no\\\\x1b\\[2Jsuch' in '$T/esc.elf'"
	no_raw_controls
	ks --json lookup "$T/esc.elf" 0xffffffff81002004
	[ "$status" -eq 0 ] || { echo "# exit $status: $stderr"; return 1; }
	no_raw_controls
	[ "$(jq -r '.[0].name' <<<"$output")" = $'evil\x1bname' ] ||
		{ echo "# JSON must carry the name exactly: $output"; return 1; }
	# a map is text too: the name quoted, the line intact
	ks export "$T/esc.elf" --format=map -o -
	[ "$status" -eq 0 ] || { echo "# exit $status: $stderr"; return 1; }
	no_raw_controls
	[[ "$output" == *$'\n''ffffffff81002000 t evil\x1bname'$'\n'* ]] || { echo "# saw: $output"; return 1; }
	# a newline in a name does not forge a line
	elfpatch "$T/esc.elf" 'rename=startup_64:startup\n64'
	ks export "$T/esc.elf" --format=map -o "$T/nl.map"
	[ "$status" -eq 0 ] || { echo "# exit $status: $stderr"; return 1; }
	[ "$(wc -l <"$T/nl.map")" -eq "$(wc -l <"$MAP")" ] && grep -qF 'T startup\x0a64' "$T/nl.map" ||
		{ echo "# the map:"; sed 's/^/# /' "$T/nl.map"; return 1; }
}

@test "control characters in System.map and kallsyms text, in paths and arguments" {
	# DEL is a name character for the parser: it must be escaped on output
	printf 'ffffffff81000000 T _text\nffffffff81000100 \x7f del\x7fname\nffffffff81000200 t x [mod\x7f]\n' >"$T/kallsyms"
	ks lookup "$T/kallsyms" 0xffffffff81000101
	[ "$status" -eq 0 ] || { echo "# exit $status: $stderr"; return 1; }
	no_raw_controls
	[ "$output" = 'ffffffff81000101 \x7f del\x7fname+0x1/0x0' ] || { echo "# saw: $output"; return 1; }
	ks info "$T/kallsyms"
	no_raw_controls
	# (the first 0x210 bytes decide whether a file is text: the
	# control characters come after them)
	# a line with ESC in its name is refused
	{ cat "$MAP"; printf 'ffffffff81004000 T _te\x1b[2Jxt\n'; } >"$T/esc.map"
	ks info "$T/esc.map"
	fails 1 "kernel-symbols: '$T/esc.map': line 23 is not \"ADDRESS TYPE NAME\""
	# the stub's words are quoted in the message, safely
	{ head -c 600 /dev/zero | tr '\0' '\n'
	  printf 'ffffffffffffffff B The real \x1b]0;pwned\x07 System.map is elsewhere\n'; } >"$T/stub"
	ks info "$T/stub"
	fails 1 "kernel-symbols: '$T/stub': no symbols here: this System.map is a stub (*)"
	no_raw_controls
	[[ "$stderr" == *'\x1b]0;pwned\x07'* ]] || { echo "# saw: $stderr"; return 1; }
	# a path with ESC in it
	ks info "$T/"$'\x1b[31mred'
	fails 1 "kernel-symbols: cannot open '$T/\\\\x1b\\[31mred': No such file or directory"
	no_raw_controls
	cp "$MAP" "$T/"$'\x1b[31mred'
	ks info "$T/"$'\x1b[31mred'
	[ "$status" -eq 0 ] || { echo "# exit $status: $stderr"; return 1; }
	no_raw_controls
}
