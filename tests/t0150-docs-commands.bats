#!/usr/bin/env bats
# Every command in README.md and docs/ works as written on a fresh clone.
#
# tests/helpers/doc-commands.py reads the shell commands out of the
# Markdown code blocks of every tracked *.md file.  This test copies the
# files a clone would have (tracked, and new ones not ignored) to a
# scratch directory, builds the programs there with plain `make`, puts
# them on PATH as README.md says, and runs each file's commands in order,
# as written, in one shell, from the copy's top directory, with no input.
# A command fails the test when it exits non-zero (or not with the status
# the table below expects).
#
# A few cannot run as written here, and the table says why: the test
# suite itself, full appliance boots and rebuilds with other flags (each
# covered by the test it names), templates.  Some run in a cheap form:
# with a guest provided first (the test guest, or Debian's kernel with a
# busybox initramfs, held by qemu-wrapper: `setup:`), or with a
# placeholder filled in (`as:`).  A usage line ([--opt], FILE, ...) is
# checked instead: each option it names is in that command's --help.  A
# command that is not in the table runs as written: new documentation is
# tested without anyone asking.

load lib
bats_require_minimum_version 1.5.0

# Keyed by the command as doc-commands prints its key (no trailing
# comment, blanks squeezed).  skip:WHY  setup:FUNCTION  as:COMMAND
# status:N
declare -gA TABLE=(
	# README.md
	["scripts/install-deps && make && scripts/boot-profile"]="as:scripts/install-deps && make && scripts/boot-profile --kernel \"\$DOC_KERNEL\" --initcalls off --sample 0 && in_out_dir"
	["scripts/install-deps && make check"]="skip:the test suite this test is part of"
	["gdbstub-client profile --latest --sample 1000 -o boot.json"]="setup:held_kernel"
	["gdbstub-client sample --latest --duration 2"]="setup:running_kernel"
	["guestfish -a /dev/null run"]="skip:a whole appliance boot, held for a debugger: t1400 and t6000 run it through the wrapper"
	["qemu-wrapper -machine accel=tcg -kernel bzImage -append console=ttyS0 ..."]="skip:a template (bzImage, ...): t1100 and t3800 launch kernels through the wrapper"
	["gdbstub-client attach --latest -ex 'break hrtimer_interrupt' -ex continue -ex bt"]="setup:held_kernel"
	["export LIBGUESTFS_BACKEND=direct LIBGUESTFS_HV=\$PWD/wrapper/qemu-wrapper"]="skip:part of the two-terminal appliance session t6000 runs ('the README's interactive path')"
	["export LIBGUESTFS_BACKEND_SETTINGS=force_tcg QEMU_WRAPPER_APPEND=nokaslr"]="skip:part of the two-terminal appliance session t6000 runs"
	["gdbstub-client/gdbstub-client attach --wait <<< break start_kernel <<< continue <<< info registers rip <<< mode <<< detach"]="skip:part of the two-terminal appliance session t6000 runs"
	["make check"]="skip:the test suite this test is part of"
	["make DEVELOPER=1"]="skip:a full rebuild with other flags (minutes on 2 cores); .ci/run builds with it"
	["make SANITIZE=address,undefined"]="skip:a full rebuild with other flags (minutes on 2 cores)"
	["make install PREFIX=/usr/local DESTDIR=..."]="as:make install PREFIX=/usr/local DESTDIR=\"\$DOC_TMP/dest\" && test -x \"\$DOC_TMP/dest/usr/local/bin/boot-profile\""
	["make uninstall PREFIX=/usr/local DESTDIR=..."]="as:make uninstall PREFIX=/usr/local DESTDIR=\"\$DOC_TMP/dest\" && test ! -e \"\$DOC_TMP/dest/usr/local/bin/boot-profile\""
	# docs/gdbstub-client.md
	["gdbstub-client attach --latest -ex 'break kernel_power_off' -ex continue -ex meminfo"]="setup:held_kernel"
	["gdbstub-client attach"]="setup:held_guest"
	["gdbstub-client attach --wait --timeout 60"]="setup:held_guest_later"
	["gdbstub-client attach 127.0.0.1:1234 --kernel tests/guests/build/guest.elf"]="as:gdb_qemu && gdbstub-client attach 127.0.0.1:\$DOC_PORT --kernel tests/guests/build/guest.elf"
	["gdbstub-client attach unix:/run/user/0/qemu-wrapper/1234.gdb.sock"]="as:held_guest && gdbstub-client attach \"\$DOC_GDB\""
	["gdbstub-client attach --latest -ex 'break run_init_process' -ex continue -ex dmesg"]="setup:held_kernel"
	["gdbstub-client attach --latest -ex 'break kernel_power_off' -ex continue -ex ps"]="setup:held_kernel"
	["gdbstub-client attach --latest -ex 'break inet_init' -ex continue -ex bt"]="setup:held_kernel"
	["gdbstub-client profile --wait --until-exit -o boot.json"]="setup:held_kernel_later"
	["gdbstub-client report --warmup 1 run1.json run2.json run3.json"]="setup:three_runs"
	["gdbstub-client compare a1.json a2.json -- b1.json b2.json"]="setup:two_by_two"
	# tests/guests/README.md: the guest exits through isa-debug-exit
	["qemu-system-x86_64 -machine pc,accel=tcg -nodefaults -display none -no-reboot -m 32 -drive file=tests/guests/build/guest.img,format=raw,if=ide -device isa-debug-exit,iobase=0xf4,iosize=0x04"]="status:33"
	["qemu-system-x86_64 -machine pc,accel=tcg -nodefaults -display none -no-reboot -m 32 -drive file=tests/guests/build/guest.img,format=raw,if=ide -device isa-debug-exit,iobase=0xf4,iosize=0x04 -S -gdb tcp:127.0.0.1:1234 &"]="as:DOC_PORT=\$(free_port); qemu-system-x86_64 -machine pc,accel=tcg -nodefaults -display none -no-reboot -m 32 -drive file=tests/guests/build/guest.img,format=raw,if=ide -device isa-debug-exit,iobase=0xf4,iosize=0x04 -S -gdb tcp:127.0.0.1:\$DOC_PORT & track \$!; wait_port \$DOC_PORT"
	["gdb -nx -batch tests/guests/build/guest.elf -ex 'target remote 127.0.0.1:1234' -ex 'break *guest_exit' -ex continue -ex 'x/16gx 0x1000' -ex 'x/32gx 0x1080' -ex detach"]="as:gdb -nx -batch tests/guests/build/guest.elf -ex \"target remote 127.0.0.1:\$DOC_PORT\" -ex 'break *guest_exit' -ex continue -ex 'x/16gx 0x1000' -ex 'x/32gx 0x1080' -ex detach"
	# docs/findings.md
	["scripts/boot-profile --runs 3"]="skip:three appliance boots, a benchmark's worth: t6000 runs boot-profile on the appliance"
	["bench/seeds uart 5"]="skip:a benchmark, minutes of boots: run by hand; t0130 checks its --help"
	["bench/seeds probes 5"]="skip:a benchmark, minutes of appliance launches: run by hand"
	["bench/vcpus 3"]="skip:a benchmark, minutes of boots: t5350 profiles a 4-vCPU kernel"
	["MODE=appliance bench/vcpus 3"]="skip:a benchmark, minutes of appliance boots: run by hand"
	["scripts/boot-profile --smp 4"]="skip:an appliance boot on 4 vCPUs (a minute): t5350 runs boot-profile --kernel --smp 2"
	# docs/libvirt.md
	["virsh define slowboot.xml"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["virsh start slowboot"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["virsh domstate --reason slowboot"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["export QEMU_WRAPPER_RUNDIR=/run/qemu-wrapper-root"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["gdbstub-client attach --latest -ex 'info registers rip' -ex detach"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["gdbstub-client profile --latest -o slowboot.json && gdbstub-client report slowboot.json"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["virsh domstate slowboot"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["export LIBGUESTFS_BACKEND=libvirt:qemu:///system LIBGUESTFS_HV=/usr/local/bin/qemu-wrapper"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["export LIBGUESTFS_BACKEND_SETTINGS=force_tcg LIBGUESTFS_APPEND=nokaslr"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["QEMU_WRAPPER_RUNDIR=/tmp/qemu-wrapper-0 gdbstub-client profile --latest -o appliance.json"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["p=\$(printf %s /usr/local/bin/qemu-wrapper | sha256sum | cut -d' ' -f1)"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["q=\$(printf %s /usr/bin/qemu-system-x86_64 | sha256sum | cut -d' ' -f1)"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["diff /var/cache/libvirt/qemu/capabilities/\$q.xml /var/cache/libvirt/qemu/capabilities/\$p.xml"]="skip:the system's libvirtd, which a test session does not run: t1600 runs these steps against a private libvirtd (tests/helpers/libvirtd-private)"
	["tests/helpers/libvirtd-private /tmp/lv &"]="skip:starts a libvirt daemon of its own that would outlive this test: t1600 starts and stops it"
	["virsh -c 'qemu:///system?socket=/tmp/lv/sock/libvirt-sock' version"]="skip:needs the daemon of the line before: t1600"
	["LIBGUESTFS_BACKEND='libvirt:qemu:///system?socket=/tmp/lv/sock/libvirt-sock' ..."]="skip:a template: t1600 runs guestfish so"
)

COPY=${BATS_FILE_TMPDIR:-}/kit

setup_file() {
	local copy=$BATS_FILE_TMPDIR/kit
	mkdir -p "$copy"
	# what a clone of the committed tree (plus new files) holds, nothing built
	(cd "$KIT" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _ |
		cpio -p0dm --quiet "$copy") || return 1
	make -s -C "$copy" -j2 >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ tail -20 "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
}

setup() { wrapper_env; }
teardown() { kill_tracked; }

# The functions the commands' setups call, in the shell that runs them.
doc_lib() {
	cat <<'LIB'
track() { echo "$1" >>"$DOC_TMP/pids"; }
wait_for() { local i; for i in $(seq 100); do eval "$1" && return 0; sleep 0.1; done; echo "doc-test: timed out: $1" >&2; return 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { wait_for "ss -Hltn 'sport = :$1' | grep -q ."; }
# end the guests earlier commands started (the test guest's image takes
# one writer at a time), then a private run directory, so --latest finds
# this command's guest
new_rundir() {
	local p i all
	if [ -s "$DOC_TMP/pids" ]; then
		# the wrappers' qemus too: a SIGKILLed wrapper's qemu gets SIGTERM
		# (PR_SET_PDEATHSIG) and takes a moment to go
		all="$(cat "$DOC_TMP/pids") $(cat "$DOC_TMP"/run.*/*[0-9].json 2>/dev/null | jq -r .qemu_pid)"
		for p in $all; do kill -KILL "$p" 2>/dev/null; done
		for i in $(seq 50); do
			for p in $all; do kill -0 "$p" 2>/dev/null && break; done || break
			sleep 0.1
		done
		: >"$DOC_TMP/pids"
	fi
	export QEMU_WRAPPER_RUNDIR=$DOC_TMP/run.$((++DOC_N))
	mkdir -m 0700 "$QEMU_WRAPPER_RUNDIR"
}
session() { ls "$QEMU_WRAPPER_RUNDIR"/*[0-9].json 2>/dev/null | head -1; }
# the test guest, held at its reset vector by qemu-wrapper
start_guest() {
	qemu-wrapper -machine pc,accel=tcg -nodefaults -display none -no-reboot -m 32 \
		-drive file=tests/guests/build/guest.img,format=raw,if=ide \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 >/dev/null 2>&1 &
	track $!
}
held_guest() {
	new_rundir; start_guest; wait_for '[ -n "$(session)" ]'
	DOC_GDB=$(jq -r .gdb "$(session)")
}
held_guest_later() { new_rundir; (sleep 1; start_guest; wait) & track $!; }
# Debian's kernel with a busybox initramfs that powers off in userspace
start_kernel() {
	[ -f "$DOC_TMP/initrd.cpio" ] || scripts/make-initramfs "$DOC_TMP/initrd.cpio"
	QEMU_WRAPPER_APPEND=nokaslr qemu-wrapper -machine accel=tcg -m 512 -display none \
		-nodefaults -no-reboot -kernel "$DOC_KERNEL" -initrd "$DOC_TMP/initrd.cpio" \
		-append "console=ttyS0 panic=-1" >/dev/null 2>&1 &
	track $!
}
held_kernel() { new_rundir; start_kernel; wait_for '[ -n "$(session)" ]'; }
held_kernel_later() { new_rundir; [ -f "$DOC_TMP/initrd.cpio" ] || scripts/make-initramfs "$DOC_TMP/initrd.cpio"; (sleep 1; start_kernel; wait) & track $!; }
running_kernel() { new_rundir; QEMU_WRAPPER_HOLD=0 start_kernel; wait_for '[ -n "$(session)" ]'; }
# a plain qemu with its gdbstub on a free loopback port
gdb_qemu() {
	new_rundir
	DOC_PORT=$(free_port)
	qemu-system-x86_64 -machine pc,accel=tcg -nodefaults -display none -no-reboot -m 32 \
		-drive file=tests/guests/build/guest.img,format=raw,if=ide \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -S -gdb tcp:127.0.0.1:$DOC_PORT &
	track $!
	wait_port "$DOC_PORT"
}
three_runs() { for f in run1 run2 run3; do cp boot.json $f.json; done; }
two_by_two() { for f in a1 a2 b1 b2; do cp boot.json $f.json; done; }
# boot-profile's default output in the tree: out/, which git ignores
in_out_dir() { ls -d out/boot-profile-*/report.txt >/dev/null && ! ls -d boot-profile-* 2>/dev/null; }
LIB
}

# run_docs FILE...: the commands of FILE... in one shell; prints a line a
# command, "FAIL", "ok", "skip" or "synopsis ok"; exit 1 if any failed.
run_docs() {
	local script=$BATS_TEST_TMPDIR/docs.sh file line kind cmd key act n=0
	{
		echo 'cd "$DOC_COPY" || exit 2'
		doc_lib
		echo 'DOC_N=0; DOC_FAILED=0'
		echo 'trap '\''while read -r p; do kill -KILL "$p" 2>/dev/null; done <"$DOC_TMP/pids" 2>/dev/null; exit $DOC_FAILED'\'' EXIT'
		echo 'doc_end() { local rc=$1 want=$2 where=$3; if [ "$rc" -eq "$want" ]; then echo "ok $where"; else echo "FAIL $where: exit $rc (expected $want)"; DOC_FAILED=1; fi; return "$rc"; }'
		while IFS=$'\t' read -r file line kind cmd key; do
			n=$((n + 1))
			act=${TABLE[$key]-}
			local where="$file:$line: $key"
			if [[ $act == skip:* ]]; then
				printf 'echo %q\n' "skip $where (${act#skip:})"
			elif [ "$kind" = synopsis ]; then
				printf 'synopsis_check %q %q\n' "$where" "$key"
			else
				local want=0 run=$cmd
				case $act in
				setup:*) run="${act#setup:} && { $cmd
}" ;;
				as:*) run=${act#as:} ;;
				status:*) want=${act#status:} ;;
				esac
				printf 'echo %q >&2\n' "# $where"
				printf '%s\n' "$run"
				printf 'doc_end $? %s %q\n' "$want" "$where"
			fi
		done < <(cd "$KIT" && python3 tests/helpers/doc-commands.py "$@")
		# a script that stopped early (a syntax error, an exit) never says this
		echo 'echo "doc-test: all commands done"'
	} >"$script"
	[ "$n" -gt 0 ] || { echo "# no command found in $*"; return 1; }
	# a usage line: its command's --help exists and names each --option
	cat >"$BATS_TEST_TMPDIR/synopsis.sh" <<'SYN'
synopsis_check() {
	local where=$1 line=$2 words help o miss=
	read -r -a words <<<"${line%%[[]*}"
	help=$("${words[@]}" --help 2>&1) || { echo "FAIL $where: '${words[*]} --help' fails"; DOC_FAILED=1; return; }
	for o in $(grep -o -- '--[a-z][a-z-]*' <<<"$line"); do
		grep -q -- "$o" <<<"$help" || miss+=" $o"
	done
	if [ -n "$miss" ]; then echo "FAIL $where: not in '${words[*]} --help':$miss"; DOC_FAILED=1
	else echo "synopsis ok $where"; fi
}
SYN
	: >"$BATS_TEST_TMPDIR/pids"
	local rc=0
	DOC_COPY=$COPY DOC_TMP=$BATS_TEST_TMPDIR DOC_KERNEL=$VMLINUZ \
	PATH="$COPY/wrapper:$COPY/gdbstub-client:$COPY/kernel-symbols:$PATH" \
		timeout 900 bash -c 'source "$1"; source "$2"' _ "$BATS_TEST_TMPDIR/synopsis.sh" "$script" \
		</dev/null >"$BATS_TEST_TMPDIR/docs.out" 2>"$BATS_TEST_TMPDIR/docs.err" || rc=$?
	sed 's/^/# /' "$BATS_TEST_TMPDIR/docs.out"
	grep -qx 'doc-test: all commands done' "$BATS_TEST_TMPDIR/docs.out" ||
		{ echo "# the commands did not all run"; rc=1; }
	if [ "$rc" -ne 0 ]; then
		echo "# exit $rc; the last of stderr:"
		tail -30 "$BATS_TEST_TMPDIR/docs.err" | sed 's/^/#   /'
		return 1
	fi
}

@test "README.md: every command works as written (or as the table says)" {
	need_qemu
	run_docs README.md
}

@test "docs/*.md: every command works as written (or as the table says)" {
	need_qemu
	# shellcheck disable=SC2046
	run_docs $(cd "$KIT" && git ls-files 'docs/*.md')
}

@test "the other READMEs: every command works as written" {
	need_qemu
	# shellcheck disable=SC2046
	run_docs $(cd "$KIT" && git ls-files '*.md' | grep -v '^README.md$' | grep -v '^docs/')
}

@test "the table has no entry that matches no documented command" {
	local keys k stale=
	keys=$(cd "$KIT" && python3 tests/helpers/doc-commands.py $(git ls-files '*.md') | cut -f5)
	for k in "${!TABLE[@]}"; do
		grep -qxF -- "$k" <<<"$keys" || stale+=$'\n'"  $k"
	done
	[ -z "$stale" ] || { echo "# in the table but in no document:$stale"; false; }
}
