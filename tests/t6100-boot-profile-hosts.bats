#!/usr/bin/env bats
# The many-machines recipe of docs/gdbstub-client.md ("Runs from many
# machines"), run as written but on this machine only: GNU parallel with
# -S : (the local host, no ssh) runs scripts/boot-profile --runs N once
# per job and per variant, and one `report` and one `compare` go over all
# the profiles the jobs left.  A cheap target: Debian's kernel with the
# busybox initramfs, no initcalls and no samples (a boot to poweroff).
# With real hosts, -S host1,host2 and --return bring each job's directory
# back; locally parallel ignores --return (and says so on stderr).

load lib

BP=$KIT/scripts/boot-profile

setup() {
	wrapper_env
	unset QEMU_WRAPPER_LOG
	command -v parallel >/dev/null || { echo "# GNU parallel missing: run scripts/install-deps"; false; }
	KERNEL=${KERNEL_TEST_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | head -1)}
	[ -n "$KERNEL" ] || { echo "# no /boot/vmlinuz-* (linux-image-amd64)"; false; }
	export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$HOME/.cache}
}
teardown() { kill_tracked; }

@test "GNU parallel -S : runs boot-profile --runs per job; one report and one compare over all of them" {
	local d=$BATS_TEST_TMPDIR/bp v
	mkdir -p "$d"
	cd "$d"
	# the recipe: variant A (the kernel's defaults) and B ('quiet', no
	# console output), two jobs each (-j1: one boot-profile at a time on
	# a host), each job one run
	for v in A B; do
		local extra=
		[ "$v" = B ] && extra="--append quiet"
		run timeout 900 parallel --will-cite -j1 -S : --return "$v-{}" --cleanup \
			"'$BP' --kernel '$KERNEL' --initcalls off --sample 0 --runs 1 $extra -o $v-{} >$v-{}.log 2>&1" ::: 1 2
		[ "$status" -eq 0 ] || { echo "# parallel exited $status: $output"; tail -5 "$d"/$v-*.log; false; }
	done
	ls "$d"/{A,B}-{1,2}/profile-r01.json
	# each profile says where it ran
	for p in "$d"/{A,B}-{1,2}/profile-r01.json; do
		[ "$(jq -r .complete "$p")" = true ]
		[ "$(jq -r .environment.hostname "$p")" = "$(uname -n)" ]
		[ "$(jq -r '.environment.cpu_model | length > 0' "$p")" = true ]
		[ "$(jq -r '.environment.qemu_version | length > 0' "$p")" = true ]
	done
	# B's kernel command line has 'quiet'; A's has not
	jq -r .environment.cmdline "$d"/B-1/profile-r01.json | grep -qw quiet
	! jq -r .environment.cmdline "$d"/A-1/profile-r01.json | grep -qw quiet
	# one report over every run: four runs, one machine, no warning
	run "$CLIENT" report --color=never "$d"/*/profile-r*.json
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "4 runs of one boot;"* ]] || { echo "# ${lines[0]}"; false; }
	! echo "$output" | grep -q 'WARNING: the runs come from'
	# one compare: two runs a group, enough for the test; the machine named
	run "$CLIENT" compare --color=never "$d"/A-*/profile-r*.json -- "$d"/B-*/profile-r*.json
	[ "$status" -eq 0 ]
	echo "$output" | head -8 | sed 's/^/# /'
	echo "$output" | grep -qx 'A: 2 runs: .*'
	! echo "$output" | grep -q 'not enough runs'
	echo "$output" | grep -q "^machines: A on $(uname -n) (.*) (2 runs); B on $(uname -n) (.*) (2 runs)$"
	! echo "$output" | grep -q WARNING
	echo "$output" | grep -Eq '^runs: A 2, B 2; to see a 5% change of boot to userspace .*: ([0-9]+ a group|more than 10000 a group)'
}
