#!/usr/bin/env bats
# Unix conventions on every program, script and subcommand: --help prints
# the usage on stdout and exits 0, --version prints one line with the
# Makefile's VERSION; qemu-wrapper's own are --wrapper-help and
# --wrapper-version, so qemu's --help/--version still reach qemu; the
# scripts' --help leaves no file behind; usage errors exit 2; the
# wrapper's attach hint runs as printed; fetch-test-kernels survives
# apt-cache's long output under pipefail.

load lib
bats_require_minimum_version 1.5.0

setup() { wrapper_env; }
teardown() { kill_tracked; }

VERSION=$(sed -n 's/^VERSION = //p' "$KIT/Makefile")
SUBCOMMANDS=(attach dmesg ps profile sample report compare)
SCRIPTS=(boot-profile make-initramfs fetch-test-kernels install-deps)

# help_ok CMD...: exit 0, a usage on stdout, nothing on stderr
help_ok() {
	run --separate-stderr timeout 30 "$@"
	[ "$status" -eq 0 ] || { echo "# '$*': exit $status, stderr: $stderr"; return 1; }
	[ -z "$stderr" ] || { echo "# '$*' wrote on stderr: $stderr"; return 1; }
	[[ "$output" == *"usage: "* ]] || { echo "# '$*' printed no usage on stdout: $output"; return 1; }
}

# version_ok NAME CMD...: one line "NAME (qemu-boot-debug) VERSION", exit 0
version_ok() {
	local name=$1
	shift
	run --separate-stderr timeout 30 "$@"
	[ "$status" -eq 0 ] && [ "$output" = "$name (qemu-boot-debug) $VERSION" ] ||
		{ echo "# '$*': exit $status, stdout '$output', expected '$name (qemu-boot-debug) $VERSION'"; return 1; }
}

@test "the Makefile has one VERSION" {
	[ "$(grep -c '^VERSION = ' "$KIT/Makefile")" -eq 1 ]
	[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "gdbstub-client and each subcommand: --help on stdout, exit 0" {
	need_client
	help_ok "$CLIENT" --help
	help_ok "$CLIENT" help
	for s in "${SUBCOMMANDS[@]}"; do
		help_ok "$CLIENT" "$s" --help
		[[ "$output" == *"gdbstub-client $s"* ]] || { echo "# $s --help does not name 'gdbstub-client $s': $output"; false; }
	done
	# the top-level usage lists every subcommand (the completion reads it)
	run "$CLIENT" --help
	for s in "${SUBCOMMANDS[@]}"; do
		[[ "$output" == *"gdbstub-client $s "* ]] || { echo "# --help lacks $s"; false; }
	done
}

@test "gdbstub-client and each subcommand: --version" {
	need_client
	version_ok gdbstub-client "$CLIENT" --version
	for s in "${SUBCOMMANDS[@]}"; do
		version_ok gdbstub-client "$CLIENT" "$s" --version
	done
	# gdb's single-dash long options still read (attach uses getopt_long_only)
	version_ok gdbstub-client "$CLIENT" attach -version
}

@test "--help and --version to a full disk: exit 1, said" {
	need_client
	local c
	for c in "$CLIENT --help" "$CLIENT attach --help" "$CLIENT dmesg --help" \
		 "$CLIENT profile --help" "$CLIENT sample --help" "$CLIENT report --help" \
		 "$CLIENT compare --help" "$CLIENT --version" \
		 "$KIT/kernel-symbols/kernel-symbols --help" "$KIT/kernel-symbols/kernel-symbols --version" \
		 "$WRAPPER --wrapper-help" "$WRAPPER --wrapper-version"; do
		# shellcheck disable=SC2086
		run --separate-stderr bash -c '"$@" >/dev/full' _ $c
		[ "$status" -eq 1 ] && [[ "$stderr" == *"cannot write"*"No space left on device"* ]] ||
			{ echo "# '$c' >/dev/full: exit $status, stderr '$stderr'"; false; }
	done
}

@test "kernel-symbols: --help and --version, also after a command" {
	local ks=$KIT/kernel-symbols/kernel-symbols
	help_ok "$ks" --help
	help_ok "$ks" lookup --help
	help_ok "$ks" types --help
	version_ok kernel-symbols "$ks" --version
	version_ok kernel-symbols "$ks" initcalls --version
}

@test "qemu-wrapper: --wrapper-help and --wrapper-version; qemu's --help and --version go to qemu" {
	need_qemu
	help_ok "$WRAPPER" --wrapper-help
	[[ "$output" == *"qemu: $REAL_QEMU"* ]] || { echo "# no 'qemu: $REAL_QEMU' line: $output"; false; }
	version_ok qemu-wrapper "$WRAPPER" --wrapper-version
	for a in --help --version -help -version; do
		run --separate-stderr "$REAL_QEMU" "$a"
		local real=$output real_status=$status
		run --separate-stderr "$WRAPPER" "$a"
		[ "$status" -eq "$real_status" ] && [ "$output" = "$real" ] ||
			{ echo "# '$a' through the wrapper differs from the real qemu"; false; }
	done
	# only as the one argument: with others it is qemu's business (and qemu
	# refuses it), so a probe never changes meaning
	QEMU_WRAPPER_MODE=probe run "$WRAPPER" --wrapper-version -machine none
	[ "$status" -ne 0 ]
	[[ "$output" != *"qemu-boot-debug"* ]]
}

@test "scripts: --help on stdout, --version, no file left behind" {
	local s d=$BATS_TEST_TMPDIR/cwd before after
	mkdir "$d"
	before=$(cd "$KIT" && git status --porcelain --ignored --untracked-files=all | sort)
	for s in "${SCRIPTS[@]}"; do
		(cd "$d" && help_ok "$KIT/scripts/$s" --help) || { echo "# scripts/$s --help"; false; }
		(cd "$d" && version_ok "$s" "$KIT/scripts/$s" --version) || false
	done
	run ls -A "$d"
	[ -z "$output" ] || { echo "# left in the current directory: $output"; false; }
	after=$(cd "$KIT" && git status --porcelain --ignored --untracked-files=all | sort)
	[ "$before" = "$after" ] || { echo "# the tree changed:"; diff <(echo "$before") <(echo "$after") | head; false; }
}

@test "bench scripts: --help and --version, never taken for a number of runs" {
	local b d=$BATS_TEST_TMPDIR/cwd
	mkdir "$d"
	for b in appliance profile-overhead profile-truth sample-methods sample-overhead seeds stop-effects vcpus; do
		run --separate-stderr timeout 10 "$KIT/bench/$b" --help
		[ "$status" -eq 0 ] && [ -z "$stderr" ] && [[ "$output" == "bench/$b"* ]] ||
			{ echo "# bench/$b --help: exit $status, stderr '$stderr', stdout '${output:0:80}'"; false; }
		version_ok "$b" "$KIT/bench/$b" --version
		run --separate-stderr timeout 10 "$KIT/bench/$b" --bogus
		[ "$status" -eq 2 ] && [ "$stderr" = "$b: unknown option '--bogus' (see --help)" ] ||
			{ echo "# bench/$b --bogus: exit $status: $stderr"; false; }
	done
}

@test "make-initramfs: usage errors exit 2 and write nothing; OUT is written whole" {
	local d=$BATS_TEST_TMPDIR/cwd
	mkdir "$d"
	cd "$d"
	for args in "" "--bogus x.cpio" "a.cpio b.cpio" "--shell"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$KIT/scripts/make-initramfs" $args
		[ "$status" -eq 2 ] || { echo "# '$args': exit $status"; false; }
		[[ "$stderr" == "make-initramfs: "* ]] || { echo "# '$args': $stderr"; false; }
	done
	run "$KIT/scripts/make-initramfs" --dmesg out.cpio
	[ "$status" -eq 0 ]
	[ "$(ls -A)" = out.cpio ] || { echo "# files: $(ls -A)"; false; }
	cpio -it <out.cpio 2>/dev/null | grep -qx init
}

@test "boot-profile: usage errors exit 2" {
	run --separate-stderr "$KIT/scripts/boot-profile" --bogus
	[ "$status" -eq 2 ] && [ "$stderr" = "boot-profile: unknown option '--bogus' (see --help)" ]
	run --separate-stderr "$KIT/scripts/boot-profile" --accel xen
	[ "$status" -eq 2 ]
}

# A fake apt for fetch-test-kernels: apt-cache writes far more than a pipe
# holds after the line awk wants (the real one did: exit 141 on a first run).
fake_apt() {
	local b=$BATS_TEST_TMPDIR/fakebin
	mkdir -p "$b"
	cat >"$b/apt-get" <<'SH'
#!/bin/bash
case " $* " in
*" download "*) : >"${@: -1}_1.0_amd64.deb" ;;
esac
exit 0
SH
	cat >"$b/apt-cache" <<'SH'
#!/bin/bash
case " $* " in
*" madison "*)
	echo " linux-image-amd64 | 5.10.9-1 | http://deb.debian.org/debian bullseye/main amd64 Packages"
	echo " linux-image-amd64 | 6.12.9-1 | http://deb.debian.org/debian trixie/main amd64 Packages"
	for i in $(seq 20000); do echo " linux-image-amd64 | 0.$i | http://example.invalid other/main amd64 Packages"; done ;;
*" depends "*)
	v=${@: -1}; v=${v#*=}
	echo "linux-image-amd64"
	echo "  Depends: linux-image-${v%%.[0-9]-*}.0-1-amd64"
	for i in $(seq 20000); do echo "  Depends: linux-image-9.$i-amd64"; done ;;
*" show "*) exit 1 ;;
esac
exit 0
SH
	cat >"$b/dpkg-deb" <<'SH'
#!/bin/bash
d=$(mktemp -d); mkdir -p "$d/boot"
v=$(basename "${@: -1}"); v=${v#linux-image-}; v=${v%%_*}
echo kernel >"$d/boot/vmlinuz-$v"
tar -C "$d" -c ./boot; rm -rf "$d"
SH
	chmod +x "$b"/*
	echo "$b"
}

@test "fetch-test-kernels: apt-cache's long output does not end the script (SIGPIPE)" {
	local b dir=$BATS_TEST_TMPDIR/kernels
	b=$(fake_apt)
	PATH=$b:$PATH run timeout 60 "$KIT/scripts/fetch-test-kernels" "$dir"
	[ "$status" -eq 0 ] || { echo "# exit $status: $output"; false; }
	[ -f "$dir/vmlinuz-5.10.0-1-amd64" ] && [ -f "$dir/vmlinuz-6.12.0-1-amd64" ] ||
		{ echo "# $output; in $dir: $(ls "$dir")"; false; }
	run "$KIT/scripts/fetch-test-kernels" --bogus
	[ "$status" -eq 2 ]
}

# hint_of: the attach command in the wrapper's first line
hint_of() { sed -n 's/.*(attach: \(.*\))$/\1/p' "$BATS_TEST_TMPDIR/wrapper.err"; }

@test "the wrapper's attach hint runs as printed, from a build tree" {
	need_guest
	need_client
	unset QEMU_WRAPPER_QUIET
	# PATH without the kit: the hint names the client by its path
	PATH=/usr/bin:/bin start_wrapped_guest
	wait_until 10 have_session "$WPID"
	local hint
	hint=$(hint_of)
	[ "$hint" = "QEMU_WRAPPER_RUNDIR=$QEMU_WRAPPER_RUNDIR $KIT/gdbstub-client/gdbstub-client attach --latest" ] ||
		{ echo "# hint: '$hint'"; cat "$BATS_TEST_TMPDIR/wrapper.err"; false; }
	# as a user would: another directory, another shell, the run directory
	# only from the hint
	cd "$BATS_TEST_TMPDIR"
	run env -u QEMU_WRAPPER_RUNDIR PATH=/usr/bin:/bin timeout 30 bash -c "$hint -ex 'info registers rip'" </dev/null
	[ "$status" -eq 0 ] || { echo "# '$hint': exit $status: $output"; false; }
	[[ "$output" == *"attached to unix:$QEMU_WRAPPER_RUNDIR/$WPID.gdb.sock"* ]] || { echo "$output"; false; }
}

@test "the wrapper's attach hint: the bare name when PATH finds the same client" {
	need_guest
	need_client
	unset QEMU_WRAPPER_QUIET
	local bin=$BATS_TEST_TMPDIR/bin
	mkdir "$bin"
	ln -s "$CLIENT" "$bin/gdbstub-client"
	PATH=$bin:/usr/bin:/bin start_wrapped_guest
	wait_until 10 have_session "$WPID"
	[ "$(hint_of)" = "QEMU_WRAPPER_RUNDIR=$QEMU_WRAPPER_RUNDIR gdbstub-client attach --latest" ] ||
		{ echo "# hint: '$(hint_of)'"; false; }
	run env PATH="$bin:/usr/bin:/bin" timeout 30 bash -c "$(hint_of) -ex detach" </dev/null
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}
