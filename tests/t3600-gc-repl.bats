#!/usr/bin/env bats
# The interactive client as a person uses it: a real terminal (tmux), tab
# completion of commands and symbols, history, Ctrl-C that stops the guest
# and never the client; and attaching over a unix socket.

load lib

setup() {
	wrapper_env
	export QEMU_WRAPPER_QUIET=1
	command -v tmux >/dev/null || skip "tmux is not installed (scripts/install-deps)"
	GUEST_IMG=$KIT/tests/guests/build/guest.img
	GUEST_ELF=$KIT/tests/guests/build/guest.elf
	SOCK=gc-$$-$BATS_TEST_NUMBER
	export HOME=$BATS_TEST_TMPDIR/home XDG_STATE_HOME=$BATS_TEST_TMPDIR/state
	mkdir -p "$HOME"
}

teardown() {
	tmux -L "$SOCK" kill-server 2>/dev/null || true
	kill_tracked
}

screen() { tmux -L "$SOCK" capture-pane -t repl -p; }
screen_has() { screen | grep -qF -- "$1"; }
keys() { tmux -L "$SOCK" send-keys -t repl "$@"; }
last_line() { screen | grep -v '^[[:space:]]*$' | tail -1; }
# the prompt is the last line and holds exactly TEXT after "(gc) "
prompt_is() { [ "$(last_line | sed 's/[[:space:]]*$//')" = "(gc)${1:+ $1}" ]; }

# start_repl ARGS...: gdbstub-client in a 120x40 terminal
start_repl() {
	local a
	a=$(printf '%q ' "$CLIENT" "$@")
	tmux -L "$SOCK" new-session -d -s repl -x 120 -y 40 \
		"env QEMU_WRAPPER_RUNDIR=$QEMU_WRAPPER_RUNDIR HOME=$HOME XDG_STATE_HOME=$XDG_STATE_HOME $a; echo CLIENT-EXIT-\$?; sleep 60"
}

@test "REPL: completion of commands and symbols, history, Ctrl-C stops the guest not the client" {
	make_spin_bootsector "$BATS_TEST_TMPDIR/spin.img"
	start_session "${BARE_GUEST[@]}" -drive "file=$BATS_TEST_TMPDIR/spin.img,format=raw,if=ide"
	start_repl attach --latest --kernel "$GUEST_ELF"
	wait_until 20 screen_has '(gc)' || { screen; false; }
	screen_has 'f000:fff0 = 0xfffffff0'
	# a command completed from "disas", then run (at the reset vector:
	# the read stops at the 4 GiB end and shows what is there)
	keys 'disas' Tab
	wait_until 30 prompt_is disassemble || { echo "# no command completion:"; screen; false; }
	keys Enter
	wait_until 10 prompt_is || { screen; false; }
	screen_has '=> 0xfffffff0:'
	# a symbol completed from "start6" (the guest's ELF has start64)
	keys 'break start6' Tab
	wait_until 30 prompt_is 'break start64' || { echo "# no symbol completion:"; screen; false; }
	keys C-u
	# run the guest: it spins at 0x7c00 forever; Ctrl-C stops it
	# (SeaBIOS takes ~0.5 s; on a loaded host longer: a stop still in
	# the BIOS is continued, up to three times)
	local try
	for try in 1 2 3; do
		keys 'continue' Enter
		sleep 2
		keys C-c
		wait_until 30 prompt_is || { echo "# no prompt after Ctrl-C:"; screen; false; }
		screen_has '0x7c00' && break
	done
	screen_has '0x7c00' || { echo "# Ctrl-C did not stop the guest at 0x7c00:"; screen; false; }
	! screen_has 'CLIENT-EXIT'
	# history: Up recalls "continue"; run it and stop again
	keys Up
	wait_until 30 prompt_is continue || { echo "# Up did not recall continue:"; screen; false; }
	keys Enter
	sleep 1
	keys C-c
	wait_until 10 prompt_is || { screen; false; }
	keys 'mode' Enter
	wait_until 30 screen_has 'real' || { screen; false; }
	keys 'quit' Enter
	wait_until 10 screen_has 'CLIENT-EXIT-0' || { echo "# client did not quit cleanly:"; screen; false; }
	# the history file was written
	ls "$XDG_STATE_HOME"/gdbstub-client/history "$HOME"/.gdbstub_client_history 2>/dev/null | grep -q .
}

@test "attach over a unix socket (the wrapper's QEMU_WRAPPER_GDB=unix)" {
	QEMU_WRAPPER_GDB=unix start_session "${BARE_GUEST[@]}"
	local ep
	ep=$(session_get "$WPID" .gdb)
	[[ "$ep" == unix:* ]]
	run timeout 60 "$CLIENT" attach "$ep" -ex mode -ex 'info registers rip' -ex detach
	[ "$status" -eq 0 ] || { echo "# exit $status: $output"; false; }
	[[ "$output" == *"real"* ]] || { echo "# no real mode: $output"; false; }
	[[ "$output" == *"fff0"* ]] || { echo "# no rip fff0: $output"; false; }
}

@test "attach to a guest that is already running: QEMU's unasked stop report is not taken for an answer" {
	make_spin_bootsector "$BATS_TEST_TMPDIR/spin.img"
	QEMU_WRAPPER_HOLD=0 start_session "${BARE_GUEST[@]}" \
		-drive "file=$BATS_TEST_TMPDIR/spin.img,format=raw,if=ide"
	# (attached again while SeaBIOS still runs: a loaded host)
	local try
	for try in 1 2 3; do
		sleep 1
		run timeout 60 "$CLIENT" attach --latest -ex mode -ex 'info registers rip' -ex detach
		[ "$status" -eq 0 ] || { echo "# exit $status: $output"; false; }
		[[ "$output" == *"0000:7c00 = 0x7c00"* ]] && break
	done
	[[ "$output" == *"0000:7c00 = 0x7c00"* ]] || { echo "# expected a stop in the spinning boot sector: $output"; false; }
	# detached: the guest runs on
	proc_alive "$(session_get "$WPID" .qemu_pid)"
}
