#!/usr/bin/env bats
# kernel-symbols types: struct layouts from the BTF of the installed
# Debian kernel (newest /boot/vmlinuz-*), checked against pahole reading
# the same .BTF section when pahole, objcopy and xz are installed; a
# foreign --btf refused; hostile and truncated images refused in one line.

load lib
bats_require_minimum_version 1.5.0

setup() {
	ksym_env </dev/null
	[ -n "$VMLINUZ" ] && [ -r "$VMLINUZ" ] || skip "no /boot/vmlinuz-*"
	OTHERS=$(ls "$KIT"/tests/helpers/kernels/vmlinuz-* 2>/dev/null || true)
}

# The raw .BTF of $VMLINUZ into $T/btf.raw (xz payloads only), or skip.
extract_btf() {
	command -v objcopy >/dev/null && command -v xz >/dev/null || skip "no objcopy or xz"
	local setup po pl
	setup=$(( ($(od -An -tu1 -j 497 -N1 "$VMLINUZ") + 1) * 512 ))
	po=$(od -An -tu4 -j $((0x248)) -N4 "$VMLINUZ" | tr -d ' ')
	pl=$(od -An -tu4 -j $((0x24c)) -N4 "$VMLINUZ" | tr -d ' ')
	dd if="$VMLINUZ" bs=1M skip=$((setup + po)) count="$pl" iflag=skip_bytes,count_bytes \
		status=none | xz -dc >"$T/vmlinux" 2>/dev/null || true
	[ -s "$T/vmlinux" ] || skip "payload is not xz"
	objcopy -O binary --only-section=.BTF "$T/vmlinux" "$T/btf.raw"
}

@test "types STRUCT: pahole's members, offsets and sizes" {
	ks types "$VMLINUZ" printk_ringbuffer
	exit_is 0
	[ "${lines[0]}" = "struct printk_ringbuffer {" ]
	[[ "$output" == *"struct prb_desc_ring       desc_ring;"*"/*     0    48 */"* ]]
	[[ "$output" == *"/* size: 88, members: 3 */"* ]]
	command -v pahole >/dev/null || skip "no pahole to compare with"
	extract_btf
	local want got
	want=$(pahole -F btf -C printk_ringbuffer "$T/btf.raw" | grep -o '/\*[ 0-9]*[0-9] *[0-9]* \*/')
	got=$(echo "$output" | grep -o '/\*[ 0-9]*[0-9] *[0-9]* \*/')
	[ "$want" = "$got" ]
}

@test "types STRUCT.MEMBER: task_struct.comm as pahole says" {
	ks types "$VMLINUZ" task_struct.comm
	exit_is 0
	[[ "$output" == "task_struct.comm: offset "*", size 16, type char[16] (16 x char)" ]]
	command -v pahole >/dev/null || skip "no pahole to compare with"
	extract_btf
	local off
	off=$(pahole -F btf -C task_struct "$T/btf.raw" | awk '/ comm\[16\];/{print $(NF-2)}')
	[ "$output" = "task_struct.comm: offset $off ($(printf 0x%x "$off")), size 16, type char[16] (16 x char)" ]
}

@test "types: a bzImage's BTF is cached by content; a bad cache file is rebuilt" {
	local c
	ks types "$VMLINUZ" task_struct.comm
	exit_is 0
	local first=$output
	c=$(ls "$XDG_CACHE_HOME"/qemu-boot-debug/btf-*.raw)
	[ "$(od -An -tx1 -N2 "$c" | tr -d ' ')" = 9feb ]
	# the second run reads the cache: the same answer
	ks types "$VMLINUZ" task_struct.comm
	exit_is 0
	[ "$output" = "$first" ]
	# a damaged cache file: ignored, the BTF read from the image again,
	# and the file rewritten
	printf 'garbage' >"$c"
	ks types "$VMLINUZ" task_struct.comm
	exit_is 0
	[ "$output" = "$first" ]
	[ "$(od -An -tx1 -N2 "$c" | tr -d ' ')" = 9feb ]
	# a raw BTF whose types are not the kernel's (the cache of another
	# image would have another name): a truncated blob is refused by
	# libbpf and rebuilt too
	head -c 100 "$c" >"$c.t" && mv "$c.t" "$c"
	ks types "$VMLINUZ" task_struct.comm
	exit_is 0
	[ "$output" = "$first" ]
}

@test "types: nested members, through anonymous unions, as JSON" {
	ks types "$VMLINUZ" task_struct.se.vruntime
	exit_is 0
	[[ "$output" == "task_struct.se.vruntime: offset "*", size 8, type u64" ]]
	ks --json types "$VMLINUZ" task_struct.comm
	exit_is 0
	[ "$(echo "$output" | jq -r .count)" = 16 ]
	[ "$(echo "$output" | jq -r .element)" = char ]
}

@test "types --btf: its own BTF is accepted, the check is shown" {
	extract_btf
	ks types --btf "$T/btf.raw" "$VMLINUZ" task_struct.comm
	exit_is 0
	[[ "${lines[0]}" == "/* BTF of '$T/btf.raw', checked against '$VMLINUZ': "*" per-CPU offsets agree,"* ]]
	[[ "${lines[1]}" == "task_struct.comm: offset "* ]]
}

@test "types --btf: another kernel's BTF is refused" {
	local f n=0
	for f in $OTHERS; do
		ks types --btf "$f" "$VMLINUZ" task_struct.comm
		fails 1 "kernel-symbols: '$f' does not belong to '$VMLINUZ': the BTF is not this kernel's: *"
		ks types --btf "$VMLINUZ" "$f" task_struct.comm
		fails 1 "kernel-symbols: '$VMLINUZ' does not belong to '$f': the BTF is not this kernel's: *"
		ks types --btf "$f" "$f" task_struct.comm
		exit_is 0
		n=$((n + 1))
	done
	if [ -r /sys/kernel/btf/vmlinux ] && [ "/boot/vmlinuz-$(uname -r)" != "$VMLINUZ" ]; then
		ks types --btf /sys/kernel/btf/vmlinux "$VMLINUZ" task_struct.comm
		fails 1 "kernel-symbols: '/sys/kernel/btf/vmlinux' does not belong to '$VMLINUZ': *"
		n=$((n + 1))
	fi
	[ "$n" -gt 0 ] || skip "no other kernel (scripts/fetch-test-kernels)"
}

@test "types: no such type or member is exit 1, one line" {
	ks types "$VMLINUZ" no_such_struct
	fails 1 "kernel-symbols: no struct or union 'no_such_struct' in the BTF"
	ks types "$VMLINUZ" task_struct.no_such
	fails 1 "kernel-symbols: 'task_struct.no_such': struct task_struct has no member 'no_such'"
}

@test "types: usage errors are exit 2, one line" {
	ks types "$VMLINUZ"
	fails 2 "kernel-symbols: usage: kernel-symbols types *"
	ks types "$VMLINUZ" task_struct..comm
	fails 2 "kernel-symbols: 'task_struct..comm' is not STRUCT or STRUCT.MEMBER*"
	ks --btf "$VMLINUZ" info "$VMLINUZ"
	fails 2 "kernel-symbols: --btf is an option of 'types' only"
}

@test "types: truncated and hostile inputs are refused without a crash" {
	extract_btf
	head -c 100000 "$T/btf.raw" >"$T/trunc.raw"
	ks types "$T/trunc.raw" task_struct
	fails 1 "kernel-symbols: '$T/trunc.raw': corrupt or truncated BTF*"
	head -c 3000000 "$VMLINUZ" >"$T/trunc.bz"
	ks types "$T/trunc.bz" task_struct
	fails 1 "kernel-symbols: '$T/trunc.bz': *"
	head -c 5000000 "$T/vmlinux" >"$T/trunc.elf"
	ks types "$T/trunc.elf" task_struct
	fails 1 "kernel-symbols: '$T/trunc.elf': *"
	cp "$T/btf.raw" "$T/bad.raw"
	printf '\377\377\377\377' | dd of="$T/bad.raw" bs=1 seek=5000 conv=notrunc status=none
	ks types "$T/bad.raw" task_struct
	[ "$status" -lt 124 ]
	printf 'hello' >"$T/junk"
	ks types "$T/junk" task_struct
	fails 1 "kernel-symbols: '$T/junk': not a bzImage, vmlinux ELF or raw BTF file"
}

# A program built with -g: its DWARF, converted struct by struct (no BTF
# in it), against the compiler's own offsetof and sizeof.
@test "types from DWARF (an ELF without BTF, built with -g) match the compiler's offsetof" {
	command -v cc >/dev/null || skip "no C compiler"
	cat >"$T/d.c" <<'C'
#include <stddef.h>
#include <stdio.h>
typedef struct { long counter; } atomic_long_t;
struct prb_desc_ring { unsigned int count_bits; struct prb_desc *descs;
	struct printk_info *infos; atomic_long_t head_id, tail_id, last_finalized_id; };
struct prb_data_ring { unsigned int size_bits; char *data; atomic_long_t head_lpos, tail_lpos; };
struct printk_ringbuffer { struct prb_desc_ring desc_ring; struct prb_data_ring text_data_ring;
	atomic_long_t fail; };
struct printk_info { unsigned long long seq, ts_nsec; unsigned short text_len;
	unsigned char facility, flags:5, level:3; unsigned int caller_id; char dev[64]; };
struct odd { int a; union { int b; struct { short c, d; }; }; unsigned int e:3, f:13, g:16;
	long h[2][3]; const volatile int *p; void (*fn)(int); enum { X, Y = 5 } en;
	struct odd *next; };
struct printk_ringbuffer v1; struct printk_info v2; struct odd v3;
#define O(s, m) printf("%s.%s %zu %zu\n", #s, #m, offsetof(struct s, m), sizeof(((struct s *)0)->m))
int main(void)
{
	O(printk_ringbuffer, desc_ring.count_bits); O(printk_ringbuffer, desc_ring.tail_id);
	O(printk_ringbuffer, text_data_ring.head_lpos); O(printk_ringbuffer, fail);
	O(printk_info, seq); O(printk_info, text_len); O(printk_info, caller_id);
	O(odd, c); O(odd, d); O(odd, h); O(odd, p); O(odd, fn); O(odd, en); O(odd, next);
	printf("printk_info %zu\nodd %zu\nprintk_ringbuffer %zu\n", sizeof(struct printk_info),
	       sizeof(struct odd), sizeof(struct printk_ringbuffer));
	return 0;
}
C
	cc -g -O0 -o "$T/d" "$T/d.c"
	"$T/d" >"$T/want"
	local path off size n=0
	while read -r path off size; do
		if [ -z "$size" ]; then   # a whole struct's size
			run "$KIT/kernel-symbols/kernel-symbols" types --json "$T/d" "$path"
			[ "$status" -eq 0 ] || { echo "# $path: $output"; false; }
			[ "$(jq .size <<<"$output")" -eq "$off" ] || { echo "# $path: $output, want size $off"; false; }
			continue
		fi
		run "$KIT/kernel-symbols/kernel-symbols" types --json "$T/d" "$path"
		[ "$status" -eq 0 ] || { echo "# $path: $output"; false; }
		[ "$(jq -r '"\(.offset) \(.size)"' <<<"$output")" = "$off $size" ] ||
			{ echo "# $path: $output, want offset $off size $size"; false; }
		n=$((n + 1))
	done <"$T/want"
	echo "# $n members and 3 sizes as the compiler lays them out"
	# bitfields: level is bits 5..7 of byte 19, g bits 0..15 of byte 10
	run "$KIT/kernel-symbols/kernel-symbols" types --json "$T/d" printk_info.level
	[ "$(jq -r '"\(.offset) \(.bit_offset) \(.bit_size)"' <<<"$output")" = "19 5 3" ]
	run "$KIT/kernel-symbols/kernel-symbols" types --json "$T/d" odd.g
	[ "$(jq -r '"\(.offset) \(.bit_offset) \(.bit_size)"' <<<"$output")" = "10 0 16" ]
	# the listing: names and types as C spells them
	run "$KIT/kernel-symbols/kernel-symbols" types "$T/d" odd
	[[ "$output" == *"volatile const int *       p;"* ]] && [[ "$output" == *"struct odd *               next;"* ]]
	# no DWARF and no BTF, or a relocatable object: one line, exit 1
	cc -O0 -o "$T/nodebug" "$T/d.c"
	ks types "$T/nodebug" odd
	fails 1 "kernel-symbols: '$T/nodebug': it has no .BTF section, nor DWARF (libdw: *"
	cc -g -O0 -c -o "$T/d.o" "$T/d.c"
	ks types "$T/d.o" odd
	fails 1 "kernel-symbols: '$T/d.o': it has no .BTF section, and it is a relocatable object*"
	ks types "$T/d" no_such_struct
	fails 1 "kernel-symbols: no struct or union 'no_such_struct' in the DWARF"
}

# ORC: the entry at a function's first instruction says the return address
# is on top of the stack (sp+8), a call frame; the struct's bitfields and
# the type numbers moved in 6.4 (type 0 was CALL with an 'end' bit, then
# UNDEFINED, CALL being 2, with a 'signal' bit).
@test "orc: a function's entry is a call frame, sp+8, on every kernel" {
	local k out
	for k in "$VMLINUZ" $OTHERS; do
		run --separate-stderr timeout 60 "$KS" orc "$k" start_kernel
		[ "$status" -eq 0 ] || { echo "# $k: $stderr"; false; }
		echo "# $(basename "$k"): $(tr '\n' ' ' <<<"$output")" >&3
		[[ "$output" == *"<start_kernel+0x0>: ORC entry from 0x"*" of "* ]]
		expect_line '^  sp: sp\+8$'
		if grep -q 'signal' <<<"$output"; then
			expect_line '^  type: 2, signal: 0$'
		else
			expect_line '^  type: 0, end: 0$'
		fi
	done
	run --separate-stderr "$KS" orc "$VMLINUZ" no_such_symbol_here
	fails 1 "kernel-symbols: no symbol 'no_such_symbol_here' in *"
}
