#!/usr/bin/env bats
# The main job end to end: scripts/boot-profile on a plain kernel and on a
# real libguestfs appliance (TCG), and the interactive path of the README.

load lib

BP=$KIT/scripts/boot-profile

setup() {
	wrapper_env
	unset QEMU_WRAPPER_LOG
	KERNEL=$(ls /boot/vmlinuz-* 2>/dev/null | head -1)
	[ -n "$KERNEL" ] || skip "no /boot/vmlinuz-* (linux-image-amd64)"
	export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$HOME/.cache}
}
teardown() { kill_tracked; }

# the accounting line "qemu Q s = profiled phases P s + debugger D s, unaccounted U ms":
# |U| must be under 5 % of Q
accounting_closes() {
	local line q u
	line=$(grep -m1 'profiled phases' "$1") || { echo "# no accounting line in $1"; return 1; }
	q=$(echo "$line" | sed -E 's/.*qemu ([0-9.]+) s = .*/\1/')
	u=$(echo "$line" | sed -E 's/.*unaccounted (-?[0-9]+) ms.*/\1/')
	echo "# $line" >&3
	awk -v q="$q" -v u="$u" 'BEGIN { a = u < 0 ? -u : u; exit !(a < q * 1000 * 0.05) }' ||
		{ echo "# unaccounted ${u} ms is 5 % or more of qemu's ${q} s"; return 1; }
}

@test "boot-profile --kernel: a complete profile of every initcall, the report, SVG, trace" {
	local flags
	flags=$(cat "$KIT/.build-flags")
	run timeout 600 "$BP" --kernel "$KERNEL" -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ] || { echo "# exit $status:"; echo "$output" | tail -20; false; }
	# it built nothing anew: the tree's own DEVELOPER/SANITIZE were kept
	[ "$(cat "$KIT/.build-flags")" = "$flags" ] ||
		{ echo "# boot-profile rebuilt the kit with other flags: $(cat "$KIT/.build-flags")"; false; }
	local d=$BATS_TEST_TMPDIR/out p
	p=$d/profile-r01.json
	[ "$(jq -r .complete "$p")" = true ]
	[ "$(jq '.initcalls | length' "$p")" -gt 500 ]
	[ "$(jq '[.initcalls[] | select(.fn == "")] | length' "$p")" -eq 0 ]
	# every phase from qemu to userspace is there
	for ph in qemu firmware setup decompressor kernel-early kernel-init initcalls:device userspace; do
		jq -e --arg ph "$ph" '[.phases[].id] | index($ph)' "$p" >/dev/null ||
			{ echo "# phase $ph missing"; jq -r '.phases[].id' "$p"; false; }
	done
	grep -q '^Boot to userspace: ' "$d/report.txt"
	xmllint --noout "$d/timeline.svg"
	jq -e '.traceEvents | length > 600' "$d/trace.json" >/dev/null
	echo "$output" >"$BATS_TEST_TMPDIR/log"
	accounting_closes "$BATS_TEST_TMPDIR/log"
}

@test "boot-profile --kernel --runs 2 --warmup 1 and --parallel 2: every launch profiled and summarised" {
	run timeout 900 "$BP" --kernel "$KERNEL" --runs 2 --warmup 1 --initcalls off -o "$BATS_TEST_TMPDIR/runs"
	[ "$status" -eq 0 ] || { echo "$output" | tail -20; false; }
	[ "$(ls "$BATS_TEST_TMPDIR"/runs/profile-r0*.json | wc -l)" -eq 3 ]
	# the report is over the two measured runs: mean ± sd with n=2
	grep -q 'n=2\|(n 2)\|  2 runs\|2 profiles' "$BATS_TEST_TMPDIR/runs/report.txt" ||
		grep -qE '±' "$BATS_TEST_TMPDIR/runs/report.txt" ||
		{ echo "# no multi-run statistics in the report:"; head -20 "$BATS_TEST_TMPDIR/runs/report.txt"; false; }
	run timeout 900 "$BP" --kernel "$KERNEL" --parallel 2 --initcalls off -o "$BATS_TEST_TMPDIR/par"
	[ "$status" -eq 0 ] || { echo "$output" | tail -20; false; }
	[ "$(ls "$BATS_TEST_TMPDIR"/par/profile-r01-p0*.json | wc -l)" -eq 2 ]
	for p in "$BATS_TEST_TMPDIR"/par/profile-r01-p0*.json; do
		[ "$(jq -r .complete "$p")" = true ]
	done
}

@test "boot-profile (default): a libguestfs appliance launch, guestfish exits 0" {
	command -v guestfish >/dev/null || skip "guestfish is not installed"
	export LIBGUESTFS_CACHEDIR=$BATS_TEST_TMPDIR/gcache
	mkdir -p "$LIBGUESTFS_CACHEDIR"
	run timeout 900 "$BP" -o "$BATS_TEST_TMPDIR/gf"
	[ "$status" -eq 0 ] || { echo "# exit $status:"; echo "$output" | tail -30; false; }
	local p=$BATS_TEST_TMPDIR/gf/profile-r01.json
	[[ "$output" == *"r01      command exit 0"* ]]
	[ "$(jq -r .complete "$p")" = true ]
	[[ "$(jq -r .environment.kernel "$p")" == */appliance.d/kernel ]]
	[ "$(jq '.initcalls | length' "$p")" -gt 500 ]
	[ "$(jq -r .end "$p")" = exit ]
	echo "$output" >"$BATS_TEST_TMPDIR/log"
	accounting_closes "$BATS_TEST_TMPDIR/log"
}

@test "the README's interactive path: attach --wait, break on a kernel function by name, detach; guestfish completes" {
	command -v guestfish >/dev/null || skip "guestfish is not installed"
	export LIBGUESTFS_CACHEDIR=$BATS_TEST_TMPDIR/gcache LIBGUESTFS_BACKEND=direct
	export LIBGUESTFS_HV=$WRAPPER LIBGUESTFS_BACKEND_SETTINGS=force_tcg
	export QEMU_WRAPPER_APPEND=nokaslr QEMU_WRAPPER_QUIET=1
	mkdir -p "$LIBGUESTFS_CACHEDIR"
	( rc=0; timeout 600 guestfish -a /dev/null run >"$BATS_TEST_TMPDIR/gf.out" 2>&1 || rc=$?
	  echo "$rc" >"$BATS_TEST_TMPDIR/gf.rc" ) 3>&- &
	track $!
	run timeout 300 "$CLIENT" attach --wait --timeout 240 \
		-ex 'break start_kernel' -ex continue -ex 'info registers rip' -ex mode -ex detach
	[ "$status" -eq 0 ] || { echo "# exit $status: $output"; false; }
	[[ "$output" == *"<start_kernel>"* ]] || { echo "# no stop at start_kernel: $output"; false; }
	[[ "$output" == *"64-bit"* ]] || { echo "# mode: $output"; false; }
	wait_until 300 test -e "$BATS_TEST_TMPDIR/gf.rc"
	[ "$(cat "$BATS_TEST_TMPDIR/gf.rc")" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/gf.out"; false; }
}

@test "boot-profile: bad input is a one-line error and a non-zero exit" {
	run "$BP" --kernel /nonexistent/vmlinuz
	[ "$status" -ne 0 ]; [ "$output" = "boot-profile: cannot read kernel '/nonexistent/vmlinuz'" ]
	run "$BP" --runs many
	[ "$status" -ne 0 ]; [ "$output" = "boot-profile: --runs needs a whole number, not 'many'" ]
	run "$BP" --bogus
	[ "$status" -ne 0 ]; [ "$output" = "boot-profile: unknown option '--bogus' (see --help)" ]
	run "$BP" -- no-such-command-here
	[ "$status" -ne 0 ]; [ "$output" = "boot-profile: 'no-such-command-here' not found (libguestfs-tools: run scripts/install-deps)" ]
}

@test "boot-profile --accel auto: KVM where it works, else TCG, saying why; the profile completes either way" {
	run timeout 600 "$BP" --kernel "$KERNEL" --accel auto --kvm-timeout 30 --initcalls off -o "$BATS_TEST_TMPDIR/auto"
	[ "$status" -eq 0 ] || { echo "# exit $status:"; echo "$output" | tail -20; false; }
	local p=$BATS_TEST_TMPDIR/auto/profile-r01.json
	[ "$(jq -r .complete "$p")" = true ]
	if [[ "$output" == *"KVM does not work here:"* ]]; then
		# on these machines KVM is present but does not boot Linux
		[ "$(jq -r .environment.accel "$p")" = tcg ]
		[ -s "$BATS_TEST_TMPDIR/auto/stall-r01.txt" ]
	elif [[ "$output" == *"KVM works here"* ]]; then
		[ "$(jq -r .environment.accel "$p")" = kvm ]
	else
		[[ "$output" == *"/dev/kvm is not usable; using TCG"* ]] || { echo "$output" | head; false; }
	fi
}
