#!/usr/bin/env bats
# kernel-symbols export --format=elf: the kernel's own ELF with a symbol
# table, so that objdump, gdb and nm work offline, on the installed Debian
# kernel and the fetched 5.10 and 6.12 (scripts/fetch-test-kernels):
#   - every allocated section of the export has the name, address, flags
#     and bytes of the image's own decompressed payload (extracted here
#     with python3 and xz/zstd, not with kernel-symbols), and objdump -d at
#     start_kernel prints the same instructions from both; gdb -batch
#     'x/4i start_kernel' shows instructions, not zeros;
#   - nm's letters are those of Debian's -dbg vmlinux for a sample of
#     ~1,000-1,700 symbols per kernel (tests/data/elf/VERSION.txt, made by
#     tests/helpers/elf-truth), and for all of them when the -dbg vmlinux
#     is at hand (/usr/lib/debug/boot or /var/tmp/dbg/x-VERSION/...: only
#     then); function sizes reach at least the real ones up to the next
#     symbol;
#   - lookup answers NAME, NAME+OFF and ADDR in one format, as gdb's
#     'info symbol' places them;
#   - --no-code, --with-code on a symbol list, and hostile kernel ELFs
#     (a section past the end, overlapping, over the headers, an alignment
#     that is no power of two, a truncated bzImage): one line naming the
#     section, exit 1, no file left; a full file system (an 8 MB tmpfs,
#     as root): errno named, an old file kept.

load lib
bats_require_minimum_version 1.5.0

setup() {
	ksym_env <<'MAP'
ffffffff81001000 T start_kernel
ffffffff81002000 t helper
ffffffff81003000 T _etext
ffffffff82000000 D some_data
ffffffff82001000 d other_data
MAP
	KERNEL=${KERNEL_TEST_KERNEL:-$VMLINUZ}
	[ -n "$KERNEL" ] && [ -r "$KERNEL" ] || skip "no readable kernel in /boot"
	local tool
	for tool in objdump nm gdb xz zstd python3; do
		command -v "$tool" >/dev/null || skip "no $tool (scripts/install-deps)"
	done
	MNT=
}

teardown() {
	if [ -n "$MNT" ]; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	fi
	return 0
}

# version K: "6.1.0-57-amd64" of .../vmlinuz-6.1.0-57-amd64
version() { local b; b=$(basename "$1"); echo "${b#vmlinuz-}"; }

# payload_of BZIMAGE OUT: the decompressed payload, read with the boot
# protocol's own fields (setup_sects, payload_offset, payload_length; the
# last four bytes are the size the kernel's build appends) and xz or zstd.
payload_of() {
	python3 - "$1" "$2" <<'PY'
import struct, subprocess, sys
d = open(sys.argv[1], 'rb').read()
pm = ((d[0x1f1] or 4) + 1) * 512
off, length = struct.unpack_from('<II', d, 0x248)
p = d[pm + off:pm + off + length - 4]
tool = ['xz', '-dc'] if p[:6] == b'\xfd7zXZ\x00' else ['zstd', '-dcq'] if p[:4] == b'\x28\xb5\x2f\xfd' else None
if not tool:
    sys.exit('payload of %s starts with %s: not xz or zstd' % (sys.argv[1], p[:6].hex()))
out = subprocess.run(tool, input=p, capture_output=True, check=True).stdout
open(sys.argv[2], 'wb').write(out)
PY
}

# same_sections PAYLOAD EXPORT: every allocated section of PAYLOAD is in
# EXPORT with the same name, type, address, size, flags and bytes.
same_sections() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
def sections(path):
    d = open(path, 'rb').read()
    shoff, = struct.unpack_from('<Q', d, 0x28)
    shnum, shstrndx = struct.unpack_from('<HH', d, 0x3c)
    hdr = [struct.unpack_from('<IIQQQQIIQQ', d, shoff + 64 * i) for i in range(shnum)]
    stroff = hdr[shstrndx][4]
    out = {}
    for name, typ, flags, addr, off, size, *_ in hdr:
        if not flags & 2:
            continue
        n = d[stroff + name:d.index(b'\0', stroff + name)].decode()
        out[n] = (typ, flags, addr, size, None if typ == 8 else d[off:off + size])
    return out
a, b = sections(sys.argv[1]), sections(sys.argv[2])
bad = [n for n in a if b.get(n) != a[n]]
print('# %d allocated sections, %d MB of bytes, identical in the export; %d differ%s'
      % (len(a), sum(len(v[4] or b'') for v in a.values()) >> 20, len(bad),
         (': ' + ' '.join(bad)) if bad else ''))
sys.exit(1 if bad or len(a) < 10 or '.text' not in a else 0)
PY
}

# insns FILE START: objdump's instructions (address, bytes, text) for 64
# bytes from START, without the symbol labels (with none, objdump writes
# targets as 0x...).
insns() {
	objdump -d --no-show-raw-insn --start-address="0x$2" --stop-address=$((0x$2 + 64)) "$1" |
		grep -E '^ *[0-9a-f]+:' | sed -e 's/ *<[^>]*>//g' -e 's/0x\([0-9a-f]\{16\}\)/\1/g'
}

@test "every kernel: the export holds the image's own sections; objdump and gdb disassemble start_kernel" {
	local k sk n
	for k in $(test_kernels); do
		echo "# $(version "$k")" >&3
		ks --no-discover export "$k" --format=elf -o "$T/k.elf"
		exit_is 0
		[ -z "$stderr" ] || { echo "# stderr: $stderr"; return 1; }
		payload_of "$k" "$T/payload"
		same_sections "$T/payload" "$T/k.elf" >&3
		sk=$("$KS" --no-discover lookup "$k" start_kernel | cut -d' ' -f1)
		insns "$T/payload" "$sk" >"$T/want"
		insns "$T/k.elf" "$sk" >"$T/saw"
		n=$(wc -l <"$T/want")
		[ "$n" -ge 8 ] || { echo "# only $n instructions from the payload:"; cat "$T/want"; return 1; }
		diff "$T/want" "$T/saw" || { echo "# objdump of the export differs from the payload's (>)"; return 1; }
		# the symbol labels are ours: objdump names the function
		objdump -d --start-address="0x$sk" --stop-address=$((0x$sk + 16)) "$T/k.elf" |
			grep -q "^$sk <start_kernel>:" || { echo "# objdump names no start_kernel"; return 1; }
		run timeout 120 gdb -batch -nx -ex "file $T/k.elf" -ex 'x/4i start_kernel'
		[ "$status" -eq 0 ] || { echo "# gdb: $output"; return 1; }
		[ "$(grep -cE '^ *0x[0-9a-f]+ <start_kernel(\+[0-9]+)?>:' <<<"$output")" -eq 4 ] ||
			{ echo "# gdb x/4i: $output"; return 1; }
		# the first instruction gdb shows is objdump's
		[[ "$(grep -m1 '<start_kernel>:' <<<"$output" | cut -f2 | awk '{print $1}')" == \
			"$(head -1 "$T/want" | cut -f2 | awk '{print $1}')"* ]] ||
			{ echo "# gdb: $output"; echo "# objdump: $(head -1 "$T/want")"; return 1; }
		! grep -q 'add    %al,(%rax)' <<<"$output" || { echo "# zeros: $output"; return 1; }
		echo "# start_kernel: $(head -1 "$T/want" | cut -f2)" >&3
	done
}

# nm_agrees OURS_NM truth|nm TRUTH: every symbol of TRUTH (a truth file's
# NAME LETTER SIZE lines, or nm -S of the real vmlinux) that is one symbol
# by name in ours has our letter; functions are at least as long as the
# real ones unless another of our symbols starts inside.
nm_agrees() {
	python3 - "$1" "$2" "$3" <<'PY'
import bisect, sys
def nm_S(path):
    for l in open(path):
        f = l.split()
        if len(f) == 4:
            yield f[3], int(f[0], 16), f[2], int(f[1], 16)
        elif len(f) == 3:
            yield f[2], int(f[0], 16), f[1], 0
ours, starts = {}, []
for name, a, letter, size in nm_S(sys.argv[1]):
    ours.setdefault(name, []).append((a, letter, size))
    starts.append(a)
starts.sort()
if sys.argv[2] == 'truth':
    truth = [(f[0], f[1], None if f[2] == '-' else int(f[2], 16))
             for f in (l.split() for l in open(sys.argv[3])) if f and f[0] != '#']
else:
    truth = [(n, letter, size) for n, a, letter, size in nm_S(sys.argv[3])]
    dup = {}
    for n, _, _ in truth:
        dup[n] = dup.get(n, 0) + 1
    truth = [t for t in truth if dup[t[0]] == 1 and t[1] in 'TtDdRrBbWV']
seen = bad = short = 0
for name, letter, size in truth:
    o = ours.get(name)
    if not o or len(o) != 1 or o[0][1] in 'Aa':
        continue
    seen += 1
    if o[0][1] != letter:
        bad += 1
        if bad <= 10:
            print('# %s: nm says %s of the real vmlinux, %s of ours' % (name, letter, o[0][1]))
    if size and letter in 'Tt' and o[0][2] < size:
        a = o[0][0]
        i = bisect.bisect_right(starts, a)
        if i == len(starts) or starts[i] >= a + size:
            short += 1
            if short <= 10:
                print('# %s: size 0x%x, real 0x%x, no symbol in between' % (name, o[0][2], size))
print('# nm letters: %d symbols compared, %d differ; %d functions short' % (seen, bad, short))
# (the -dbg vmlinux has ~30 % more symbols than kallsyms: local labels)
sys.exit(1 if bad or short or seen < (0.9 if sys.argv[2] == 'truth' else 0.6) * len(truth) else 0)
PY
}

@test "every kernel: nm's letters are the real vmlinux's (Debian -dbg), sizes reach the next symbol" {
	local k v want dbg
	for k in $(test_kernels); do
		v=$(version "$k")
		echo "# $v" >&3
		"$KS" --no-discover export "$k" --format=elf -o "$T/k.elf"
		nm -S "$T/k.elf" >"$T/ours.nm"
		# known letters, on any kernel: text, data, read-only, bss
		for want in "T start_kernel" "T _etext" "D init_task" "D jiffies_64" \
			"R __start_pci_fixups_early" "R __start_orc_unwind" "B initcall_debug" \
			"B reset_devices" "B __bss_start"; do
			grep -qE "^[0-9a-f]+ ([0-9a-f]+ )?${want% *} ${want#* }\$" "$T/ours.nm" ||
				{ echo "# expected '$want', saw: $(grep " ${want#* }\$" "$T/ours.nm")"; return 1; }
		done
		# every letter, from the sections' flags (not all 'b' for want of bytes)
		for want in T t D d R r B b; do
			awk '{print $(NF-1)}' "$T/ours.nm" | grep -qx "$want" ||
				{ echo "# no '$want': $(awk '{print $(NF-1)}' "$T/ours.nm" | sort | uniq -c | tr '\n' ' ')"; return 1; }
		done
		if [ -f "$KIT/tests/data/elf/$v.txt" ]; then
			nm_agrees "$T/ours.nm" truth "$KIT/tests/data/elf/$v.txt" >&3
		else
			echo "# no tests/data/elf/$v.txt (tests/helpers/elf-truth makes it): known letters only" >&3
		fi
		for dbg in "/usr/lib/debug/boot/vmlinux-$v" "/var/tmp/dbg/x-$v/usr/lib/debug/boot/vmlinux-$v"; do
			[ -r "$dbg" ] || continue
			echo "# and every symbol against $dbg:" >&3
			nm -S "$dbg" >"$T/real.nm"
			nm_agrees "$T/ours.nm" nm "$T/real.nm" >&3
			break
		done
	done
}

@test "lookup: NAME, NAME+OFF (hex, decimal) and ADDR answer alike, where gdb's info symbol places them" {
	local line a t
	line=$("$KS" --no-discover lookup "$KERNEL" do_one_initcall)
	[[ "$line" =~ ^([0-9a-f]{16})\ ([Tt])\ do_one_initcall\+0x0/0x([0-9a-f]+)$ ]] ||
		{ echo "# saw: $line"; return 1; }
	a=$(printf '%016x' $((0x${BASH_REMATCH[1]} + 0x54)))
	t=${BASH_REMATCH[2]}
	ks --no-discover lookup "$KERNEL" do_one_initcall+0x54 do_one_initcall+84 "0x$a"
	exit_is 0
	[ "${#lines[@]}" -eq 3 ] && [ "${lines[0]}" = "${lines[1]}" ] && [ "${lines[1]}" = "${lines[2]}" ] &&
		[[ "${lines[0]}" == "$a $t do_one_initcall+0x54/0x"* ]] || { echo "# saw: $output"; return 1; }
	"$KS" --no-discover export "$KERNEL" --format=elf -o "$T/k.elf"
	run timeout 120 gdb -batch -nx -ex "file $T/k.elf" -ex "info symbol 0x$a" -ex 'p/x &do_one_initcall'
	[[ "$output" == *"do_one_initcall + 84 in section .text"* ]] || { echo "# gdb: $output"; return 1; }
	# a JSON answer is the same for both kinds of query
	ks --no-discover --json lookup "$KERNEL" do_one_initcall+0x54 "0x$a"
	exit_is 0
	[ "$(jq -c '[.[] | del(.query)] | unique | length' <<<"$output")" = 1 ] &&
		[ "$(jq -r '.[0] | "\(.name) \(.offset) \(.address)"' <<<"$output")" = "do_one_initcall 84 0x$a" ] ||
		{ echo "# saw: $output"; return 1; }
	# duplicates are numbered both ways, so an answer can be looked up back
	printf '%s\n' "ffffffff81000000 T _text" "ffffffff81002000 t dup" "ffffffff81003000 t dup" \
		"ffffffff81004000 T _etext" >"$T/dup.map"
	ks lookup "$T/dup.map" dup 0xffffffff81003010 dup@2+0x10 dup@2+16
	exit_is 0
	[ "$output" = "ffffffff81002000 t dup@1+0x0/0x1000
ffffffff81003000 t dup@2+0x0/0x1000
ffffffff81003010 t dup@2+0x10/0x1000
ffffffff81003010 t dup@2+0x10/0x1000
ffffffff81003010 t dup@2+0x10/0x1000" ] || { echo "# saw: $output"; return 1; }
	ks lookup "$T/dup.map" dup+0xzz
	fails 1 "kernel-symbols: no symbol 'dup+0xzz' in '$T/dup.map' (an offset is NAME+0xHEX or NAME+DECIMAL)"
	ks lookup "$T/dup.map" dup@0
	fails 1 "kernel-symbols: no symbol 'dup@0' in '$T/dup.map': 2 called 'dup'"
	ks lookup "$T/dup.map" _etext+0xffffffffffffffff
	fails 1 "kernel-symbols: '_etext+0xffffffffffffffff' is past the end of the address space"
}

@test "--no-code: symbols only; a symbol list gives symbols only, and refuses --with-code" {
	ks --no-discover --json export "$KERNEL" --format=elf --no-code -o "$T/sym.elf"
	exit_is 0
	[ "$(jq -r .code <<<"$output")" = false ] || { echo "# saw: $output"; return 1; }
	[ "$(stat -c %s "$T/sym.elf")" -lt 20000000 ] || { echo "# $(stat -c %s "$T/sym.elf") bytes"; return 1; }
	! readelf -SW "$T/sym.elf" | grep -q ' PROGBITS ' || { echo "# code in a --no-code export"; return 1; }
	ks --no-discover --json export "$KERNEL" --format=elf -o "$T/code.elf"
	exit_is 0
	[ "$(jq -r .code <<<"$output")" = true ] || { echo "# saw: $output"; return 1; }
	ks --json export "$MAP" --format=elf -o "$T/map.elf"
	exit_is 0
	[ "$(jq -r .code <<<"$output")" = false ] && [ -z "$stderr" ] || { echo "# saw: $output $stderr"; return 1; }
	ks export "$MAP" --format=elf --with-code -o "$T/refused.elf"
	fails 1 "kernel-symbols: '$MAP' is a symbol list, not a kernel image: it holds no code for --with-code (give the bzImage or vmlinux)"
	[ ! -e "$T/refused.elf" ] || { echo "# a file was left"; return 1; }
	ks export "$MAP" --format=map --no-code -o "$T/x.map"
	fails 2 "kernel-symbols: --with-code and --no-code are options of 'export --format=elf' only"
	ks lookup "$MAP" --with-code start_kernel
	fails 2 "kernel-symbols: --with-code and --no-code are options of 'export --format=elf' only"
}

# secpatch FILE INDEX FIELD=VALUE...: set section header fields (type,
# offset, size, align) of section INDEX of an ELF64 in place.
secpatch() {
	python3 - "$@" <<'PY'
import struct, sys
path, idx = sys.argv[1], int(sys.argv[2])
d = bytearray(open(path, 'rb').read())
shoff, = struct.unpack_from('<Q', d, 0x28)
at = shoff + 64 * idx
fields = {'type': (4, '<I'), 'offset': (24, '<Q'), 'size': (32, '<Q'), 'align': (48, '<Q')}
for kv in sys.argv[3:]:
    k, v = kv.split('=')
    o, f = fields[k]
    struct.pack_into(f, d, at + o, int(v, 0))
open(path, 'wb').write(bytes(d))
PY
}

@test "hostile kernel ELFs and a truncated bzImage: one line naming the section, no file left" {
	# an ELF as KERNEL: its .symtab gives the symbols, its sections the code
	"$KS" export "$MAP" --format=elf -o "$T/base.elf"
	readelf -SW "$T/base.elf" | grep -q '\[ 1\] \.text\.0 ' || { readelf -SW "$T/base.elf"; return 1; }
	cp "$T/base.elf" "$T/good.elf"
	secpatch "$T/good.elf" 1 type=1 offset=64 size=16
	ks export "$T/good.elf" --format=elf -o "$T/out.elf"
	exit_is 0
	readelf -SW "$T/out.elf" | grep -qE '\.text\.0 +PROGBITS +ffffffff81000000 000040 000010' ||
		{ readelf -SW "$T/out.elf"; return 1; }
	local size
	size=$(stat -c %s "$T/base.elf")
	cp "$T/base.elf" "$T/past.elf"
	secpatch "$T/past.elf" 1 type=1 offset=$((size - 4)) size=0x1000
	ks export "$T/past.elf" --format=elf -o "$T/bad1.elf"
	fails 1 "kernel-symbols: section '.text.0' of '$T/past.elf' runs past its end (offset 0x$(printf '%x' $((size - 4))), size 0x1000, $size bytes)"
	cp "$T/base.elf" "$T/overlap.elf"
	secpatch "$T/overlap.elf" 1 type=1 offset=64 size=32
	secpatch "$T/overlap.elf" 2 type=1 offset=80 size=16
	ks export "$T/overlap.elf" --format=elf -o "$T/bad2.elf"
	fails 1 "kernel-symbols: sections '.text.0' and '.data.1' of '$T/overlap.elf' overlap in the file"
	cp "$T/base.elf" "$T/hdr.elf"
	secpatch "$T/hdr.elf" 1 type=1 offset=0 size=16
	ks export "$T/hdr.elf" --format=elf -o "$T/bad3.elf"
	fails 1 "kernel-symbols: section '.text.0' of '$T/hdr.elf' overlaps the ELF headers"
	cp "$T/base.elf" "$T/align.elf"
	secpatch "$T/align.elf" 1 align=3
	ks export "$T/align.elf" --format=elf -o "$T/bad4.elf"
	fails 1 "kernel-symbols: section '.text.0' of '$T/align.elf' has alignment 3, not a power of two"
	[ -z "$(ls "$T"/bad*.elf 2>/dev/null)" ] || { echo "# left: $(ls "$T"/bad*.elf)"; return 1; }
	# a bzImage cut in its payload: the decompressor says so
	head -c $(( $(stat -c %s "$KERNEL") / 2 )) "$KERNEL" >"$T/half"
	ks --no-cache --no-discover export "$T/half" --format=elf -o "$T/bad5.elf"
	fails 1 "kernel-symbols: '$T/half': *"
	[ ! -e "$T/bad5.elf" ] && [ -z "$(find "$T" -maxdepth 1 -name '.bad*')" ] ||
		{ echo "# left: $(ls -a "$T")"; return 1; }
}

@test "an export with code to a full file system: errno named, no file, no temporary" {
	[ "$(id -u)" -eq 0 ] || skip "mounting a tmpfs needs root"
	MNT=$T/full
	mkdir -p "$MNT"
	mount -t tmpfs -o size=8m tmpfs "$MNT" || { MNT=; skip "cannot mount a tmpfs"; }
	ks --no-discover export "$KERNEL" --format=elf -o "$MNT/k.elf"
	fails 1 "kernel-symbols: cannot write '$MNT/k.elf': No space left on device"
	[ -z "$(ls -A "$MNT")" ] || { echo "# left: $(ls -A "$MNT")"; return 1; }
	# an old file of that name is kept as it was
	echo old >"$MNT/k.elf"
	ks --no-discover export "$KERNEL" --format=elf -o "$MNT/k.elf"
	fails 1 "kernel-symbols: cannot write '$MNT/k.elf': No space left on device"
	[ "$(cat "$MNT/k.elf")" = old ] && [ "$(ls -A "$MNT")" = k.elf ] ||
		{ echo "# left: $(ls -A "$MNT")"; return 1; }
}
