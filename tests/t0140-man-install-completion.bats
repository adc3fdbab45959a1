#!/usr/bin/env bats
# Man pages, make install and the bash completion: the four pages render
# with man-db/groff without a warning and name every option the programs'
# --help lists; make install DESTDIR=... installs programs, boot-profile
# and its helper, pages and completion, and make uninstall removes them;
# an installed boot-profile profiles a real boot without the source tree;
# bash with the completion sourced completes subcommands and options.

load lib
bats_require_minimum_version 1.5.0

setup() { wrapper_env; }
teardown() { kill_tracked; }

PAGES=(qemu-wrapper gdbstub-client kernel-symbols boot-profile)

# render PAGE: the page as plain ASCII text
render() { LANG=C MANWIDTH=200 man -l "$KIT/docs/man/$1.1" 2>/dev/null; }

# help_options CMD...: the --long options in the --help of CMD... (each
# argument list given as one string)
help_options() {
	local c
	for c in "$@"; do
		# shellcheck disable=SC2086
		$c --help
	done | grep -o -- '--[a-z][a-z-]*' | sort -u
}

@test "man pages render without warnings, with NAME, SYNOPSIS and DESCRIPTION" {
	command -v man >/dev/null || skip "man-db is not installed (scripts/install-deps)"
	local p err
	for p in "${PAGES[@]}"; do
		err=$(MANWIDTH=80 man --warnings -l "$KIT/docs/man/$p.1" 2>&1 >/dev/null)
		[ -z "$err" ] || { echo "# $p.1: $err"; false; }
		run render "$p"
		for s in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
			[[ "$output" == *$'\n'"$s"$'\n'* ]] || { echo "# $p.1 has no $s section"; false; }
		done
		[[ "$output" == *"$p -- "* ]] || { echo "# $p.1: no '$p -- ...' in NAME"; false; }
	done
}

@test "man pages name every option of the programs' --help" {
	command -v man >/dev/null || skip "man-db is not installed (scripts/install-deps)"
	local g=$CLIENT o missing=
	check() { # PAGE OPTIONS...
		local page=$1 text
		shift
		text=$(render "$page")
		for o in "$@"; do
			grep -q -- "$o" <<<"$text" || missing+=" $page:$o"
		done
	}
	# shellcheck disable=SC2046
	check gdbstub-client $(help_options "$g attach" "$g dmesg" "$g ps" "$g profile" \
		"$g sample" "$g report" "$g compare")
	# shellcheck disable=SC2046
	check kernel-symbols $(help_options "$KIT/kernel-symbols/kernel-symbols")
	# shellcheck disable=SC2046
	check boot-profile $(help_options "$KIT/scripts/boot-profile")
	check qemu-wrapper --wrapper-help --wrapper-version $("$WRAPPER" --wrapper-help |
		grep -o '_[A-Z]*' | grep -vx _WRAPPER | sed 's/^/QEMU_WRAPPER/' | sort -u)
	[ -z "$missing" ] || { echo "# not in the man page:$missing"; false; }
}

@test "make install DESTDIR=...: every file, the versions, and make uninstall" {
	local d=$BATS_TEST_TMPDIR/dest f
	run make -s -C "$KIT" install DESTDIR="$d" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	for f in bin/qemu-wrapper bin/gdbstub-client bin/kernel-symbols bin/boot-profile \
		 libexec/qemu-boot-debug/make-initramfs; do
		[ -x "$d/usr/$f" ] || { echo "# not installed executable: /usr/$f"; false; }
	done
	for f in "${PAGES[@]}"; do
		[ -f "$d/usr/share/man/man1/$f.1" ] || { echo "# no man page $f.1"; false; }
	done
	for f in gdbstub-client kernel-symbols; do
		[ -f "$d/usr/share/bash-completion/completions/$f" ] || { echo "# no completion for $f"; false; }
	done
	# the installed scripts know where they are and their version
	run "$d/usr/bin/boot-profile" --help
	[ "$status" -eq 0 ] && [[ "$output" == "boot-profile: "*"usage: boot-profile"* ]]
	run "$d/usr/bin/boot-profile" --version
	[ "$output" = "boot-profile (qemu-boot-debug) $(sed -n 's/^VERSION = //p' "$KIT/Makefile")" ]
	grep -qx "KIT_BINDIR='/usr/bin'" "$d/usr/bin/boot-profile"
	grep -qx "KIT_LIBEXECDIR='/usr/libexec'" "$d/usr/bin/boot-profile"
	run "$d/usr/libexec/qemu-boot-debug/make-initramfs" --version
	[[ "$output" == "make-initramfs (qemu-boot-debug) "[0-9]* ]]
	for f in qemu-wrapper gdbstub-client kernel-symbols; do
		run "$d/usr/bin/$f" $([ $f = qemu-wrapper ] && echo --wrapper-version || echo --version)
		[[ "$output" == "$f (qemu-boot-debug) "[0-9]* ]] || { echo "# $f: $output"; false; }
	done
	run make -s -C "$KIT" uninstall DESTDIR="$d" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run find "$d" -type f
	[ -z "$output" ] || { echo "# left after make uninstall: $output"; false; }
}

@test "an installed boot-profile profiles a kernel boot, away from the source tree" {
	need_qemu
	[ -n "$VMLINUZ" ] || skip "no /boot/vmlinuz-*"
	local p=$BATS_TEST_TMPDIR/prefix w=$BATS_TEST_TMPDIR/work
	run make -s -C "$KIT" install PREFIX="$p"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	mkdir "$w"
	cd "$w"
	# no kit on PATH, no make: the installed programs only (a make would
	# fail: its directory is not a kit)
	mkdir "$w/nomake"
	printf '#!/bin/sh\necho "make was called: $*" >&2\nexit 1\n' >"$w/nomake/make"
	chmod +x "$w/nomake/make"
	run env PATH="$w/nomake:/usr/bin:/bin" timeout 300 "$p/bin/boot-profile" \
		--kernel "$VMLINUZ" --initcalls off --sample 0
	[ "$status" -eq 0 ] || { echo "# exit $status:"; echo "$output" | tail -20; false; }
	# the default output directory: here
	local out
	out=$(ls -d "$w"/boot-profile-*/)
	[ -s "$out/report.txt" ] && [ -s "$out/timeline.svg" ] || { ls -la "$out"; false; }
	grep -q '^Boot to userspace: ' "$out/report.txt"
	# it was the installed wrapper that held the launch
	grep -q "argv: '$p/bin/qemu-wrapper'" "$out"/wrapper-r01.log ||
		{ head -3 "$out"/wrapper-r01.log; false; }
}

# complete WORD...: COMPREPLY for the command line WORD... (the last one
# being completed), in a bash with the completion sourced
complete_words() {
	PATH="$KIT/gdbstub-client:$KIT/kernel-symbols:$PATH" bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_qbd_complete
		printf "%s\n" "${COMPREPLY[@]}"' _ "$KIT/scripts/completion/qemu-boot-debug.bash" "$@"
}

@test "bash completion: gdbstub-client's subcommands and options" {
	need_client
	run complete_words gdbstub-client ""
	local s
	for s in attach dmesg ps profile sample report compare; do
		grep -qx "$s" <<<"$output" || { echo "# '$s' not offered: $output"; false; }
	done
	run complete_words gdbstub-client pro
	[ "$output" = profile ]
	run complete_words gdbstub-client profile --init
	grep -qx -- '--initcalls=' <<<"$output" || { echo "$output"; false; }
	run complete_words gdbstub-client attach --la
	[ "$output" = --latest ]
	run complete_words gdbstub-client profile --initcalls ""
	[ "$(echo $output)" = "klog breakpoints entries off" ]
	# the completion is registered for both commands
	run bash -c 'source "$1"; complete -p gdbstub-client kernel-symbols' _ "$KIT/scripts/completion/qemu-boot-debug.bash"
	[ "$status" -eq 0 ] && [[ "$output" == *"_qbd_complete gdbstub-client"* ]]
}

@test "bash completion: kernel-symbols' commands, options and files" {
	run complete_words kernel-symbols ""
	local s
	for s in lookup initcalls milestones export info kaslr types; do
		grep -qx "$s" <<<"$output" || { echo "# '$s' not offered: $output"; false; }
	done
	run complete_words kernel-symbols --js
	[ "$output" = --json ]
	run complete_words kernel-symbols export k --format ""
	[ "$(echo $output)" = "map elf" ]
	touch "$BATS_TEST_TMPDIR/vmlinuz-test"
	run complete_words kernel-symbols info "$BATS_TEST_TMPDIR/vmlinuz-t"
	[ "$output" = "$BATS_TEST_TMPDIR/vmlinuz-test" ]
}
