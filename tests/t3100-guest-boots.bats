#!/usr/bin/env bats
# The test guest (tests/guests, built by make check): boots under TCG and
# exits through isa-debug-exit with status 33; its ELF names the milestones
# and its initcall table decodes (PREL32) to the fake initcalls in order;
# and the TSC log it leaves at 0x1000, read back by real gdb stopped at
# guest_exit, holds one entry per initcall with sane, ordered timings.
# The table below is the guest's ground truth: keep it in step with
# tests/guests/initcalls.S and tests/guests/README.md.

load lib

GUEST_DIR=$KIT/tests/guests/build
GUEST_ELF=$GUEST_DIR/guest.elf
GUEST_IMG=$GUEST_DIR/guest.img
GUEST_QEMU=(qemu-system-x86_64 -machine pc,accel=tcg -nodefaults -display none
	-no-reboot -m 32 -drive "file=$GUEST_IMG,format=raw,if=ide" "${EXIT_DEVICE[@]}")
EXIT_OK_STATUS=33	# isa-debug-exit value 0x10
LOG_ADDR=0x1000
LOG_WORDS=48		# 0x80-byte header + 8 entries x 32 bytes, in 8-byte words

INITCALLS=(fake_init_alpha fake_init_beta fake_init_gamma fake_init_delta
	fake_init_epsilon fake_init_zeta fake_init_eta fake_init_theta)
SPIN_MS=(1 4 2 30 8 15 3 6)
RETS=(0 0 0 0 -19 0 0 0)
MILESTONES=(start16 start32 start64 do_one_initcall do_initcalls
	initcalls_done guest_exit __initcall_start __initcall_end guest_log)

setup() {
	[ -f "$GUEST_IMG" ] && [ -f "$GUEST_ELF" ] || {
		echo "# expected $GUEST_IMG and guest.elf, saw none: run make check (or make guest) first"
		return 1
	}
}
teardown() { kill_tracked; }

# sym NAME: the symbol's address in hex (no 0x), empty when absent.
sym() { nm "$GUEST_ELF" | awk -v s="$1" '$3 == s { print $1; exit }'; }

# image_bytes ADDR COUNT: hex bytes of the image at a link address.
image_bytes() {
	od -An -tx1 -v -j $(($1 - 0x7c00)) -N "$2" "$GUEST_IMG" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}

# The first listening TCP address of process $1 ("127.0.0.1:PORT").
listen_addr() { ss -Hltnp | awk -v p="pid=$1," 'index($0, p) { print $4; exit }'; }

# Read the log words gdb printed (between the markers) into W[].
load_log() {
	local f=$BATS_FILE_TMPDIR/gdb.out
	[ -s "$f" ] || { echo "# expected gdb's output from the gdb test in $f, saw none"; return 1; }
	mapfile -t W < <(sed -n '/^LOG-BEGIN/,/^LOG-END/p' "$f" | grep '^0x' |
		sed 's/^[^:]*://' | tr -s ' \t' '\n' | grep '^0x')
	[ "${#W[@]}" -eq "$LOG_WORDS" ] || {
		echo "# expected $LOG_WORDS log words from gdb, saw ${#W[@]}:"; cat "$f"; return 1; }
}
lo32() { echo $(($1 & 0xffffffff)); }
hi32() { echo $((($1 >> 32) & 0xffffffff)); }
s32() { local v=$(($1 & 0xffffffff)); echo $((v >= 0x80000000 ? v - 0x100000000 : v)); }

@test "image: whole sectors, boot signature, same bytes as the ELF's sections" {
	local size end
	size=$(stat -c %s "$GUEST_IMG")
	end=$((0x$(sym __image_end)))
	[ $((size % 512)) -eq 0 ] && [ "$size" -eq $((end - 0x7c00)) ] || {
		echo "# expected a size of __image_end - 0x7c00 = $((end - 0x7c00)) (whole sectors), saw $size"; false; }
	[ "$(image_bytes 0x7dfe 2)" = "55 aa" ] || {
		echo "# expected boot signature 55 aa, saw '$(image_bytes 0x7dfe 2)'"; false; }
	[ "$(sym start16)" = 0000000000007c00 ] || {
		echo "# expected start16 at 0000000000007c00, saw '$(sym start16)'"; false; }
	# the image is the ELF flattened: compare the .text section
	objcopy -O binary -j .text "$GUEST_ELF" "$BATS_TEST_TMPDIR/text.bin"
	local off=$((0x$(sym start32) - 0x7c00)) n
	n=$(stat -c %s "$BATS_TEST_TMPDIR/text.bin")
	cmp -s -i "$off:0" -n "$n" "$GUEST_IMG" "$BATS_TEST_TMPDIR/text.bin" || {
		echo "# expected the ELF's .text ($n bytes) at image offset $off, saw different bytes"; false; }
}

@test "ELF: milestone and initcall symbols are present" {
	local s missing=
	for s in "${MILESTONES[@]}" "${INITCALLS[@]}"; do
		[ -n "$(sym "$s")" ] || missing+=" $s"
	done
	[ -z "$missing" ] || { echo "# expected symbols missing from guest.elf:$missing"; false; }
	[ "$(sym guest_log)" = 0000000000001000 ] || {
		echo "# expected guest_log at 0000000000001000, saw '$(sym guest_log)'"; false; }
	# start32 and start64 follow the boot sector, in order
	[ $((0x$(sym start32))) -ge $((0x7e00)) ] && [ $((0x$(sym start64))) -gt $((0x$(sym start32))) ] || {
		echo "# expected 0x7e00 <= start32 < start64, saw start32=$(sym start32) start64=$(sym start64)"; false; }
}

@test "do_one_initcall begins with the 5-byte NOP 0f 1f 44 00 00" {
	local got
	got=$(image_bytes $((0x$(sym do_one_initcall))) 5)
	[ "$got" = "0f 1f 44 00 00" ] || { echo "# expected '0f 1f 44 00 00', saw '$got'"; false; }
}

@test "initcall table: ${#INITCALLS[@]} PREL32 entries, each decoding to its fake_init_*" {
	local start end n i entry v fn want bad=
	start=$((0x$(sym __initcall_start)))
	end=$((0x$(sym __initcall_end)))
	n=$(((end - start) / 4))
	[ $(((end - start) % 4)) -eq 0 ] && [ "$n" -eq "${#INITCALLS[@]}" ] || {
		echo "# expected ${#INITCALLS[@]} 4-byte entries, saw $((end - start)) bytes"; false; }
	for ((i = 0; i < n; i++)); do
		entry=$((start + 4 * i))
		v=$(od -An -td4 -j $((entry - 0x7c00)) -N 4 "$GUEST_IMG" | tr -d ' ')
		fn=$((entry + v))
		want=$((0x$(sym "${INITCALLS[i]}")))
		[ "$fn" -eq "$want" ] || bad+=$(printf '\n# entry %d at 0x%x: expected %s (0x%x), saw 0x%x (offset %d)' \
			"$i" "$entry" "${INITCALLS[i]}" "$want" "$fn" "$v")
	done
	[ -z "$bad" ] || { echo "$bad"; false; }
}

@test "boots under TCG and exits with status $EXIT_OK_STATUS within 20 s" {
	local t0 t1 ms
	t0=$(date +%s%N)
	run timeout -k 5 20 "${GUEST_QEMU[@]}"
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	[ "$status" -eq "$EXIT_OK_STATUS" ] || {
		echo "# expected qemu exit status $EXIT_OK_STATUS, saw $status after $ms ms (124 means timed out): $output"; false; }
	# the initcalls alone spin 69 ms of real time (TCG's TSC is the host's)
	[ "$ms" -ge 69 ] || { echo "# expected at least 69 ms of wall time, saw $ms ms"; false; }
}

@test "internal failures have their own status: 37 without long mode, 35 on a short image" {
	run timeout -k 5 20 "${GUEST_QEMU[@]}" -cpu qemu32
	[ "$status" -eq 37 ] || { echo "# expected status 37 (0x12, no long mode) with -cpu qemu32, saw $status: $output"; false; }
	# the boot sector alone plus one sector: int 13h cannot read the rest
	head -c 1024 "$GUEST_IMG" >"$BATS_TEST_TMPDIR/short.img"
	run timeout -k 5 20 "${GUEST_QEMU[@]/#file=$GUEST_IMG,/file=$BATS_TEST_TMPDIR/short.img,}"
	[ "$status" -eq 35 ] || { echo "# expected status 35 (0x11, disk read) from a 1024-byte image, saw $status: $output"; false; }
}

@test "gdb stopped at guest_exit reads the log; the guest then exits with $EXIT_OK_STATUS" {
	local pidfile=$BATS_TEST_TMPDIR/qemu.pid rcfile=$BATS_TEST_TMPDIR/qemu.rc qpid addr
	rm -f "$BATS_FILE_TMPDIR/gdb.out"
	# the gdbstub binds port 0 on 127.0.0.1; the port is read back with ss
	( rc=0; timeout -k 5 60 "${GUEST_QEMU[@]}" -S -gdb tcp:127.0.0.1:0 -pidfile "$pidfile" \
		</dev/null >"$BATS_TEST_TMPDIR/qemu.out" 2>&1 || rc=$?
	  echo "$rc" >"$rcfile" ) 3>&- &
	track $!
	wait_until 10 test -s "$pidfile" || { echo "# expected a qemu pid file, saw none"; cat "$BATS_TEST_TMPDIR/qemu.out"; false; }
	qpid=$(cat "$pidfile")
	track "$qpid"
	wait_until 10 test -n "$(listen_addr "$qpid")" || {
		echo "# expected qemu $qpid to listen, saw:"; ss -Hltnp; cat "$BATS_TEST_TMPDIR/qemu.out"; false; }
	addr=$(listen_addr "$qpid")
	[[ "$addr" == 127.0.0.1:[0-9]* ]] || { echo "# expected a listener on 127.0.0.1, saw '$addr'"; false; }

	run timeout 60 gdb -nx -batch "$GUEST_ELF" -ex "target remote $addr" \
		-ex 'break *guest_exit' -ex continue -ex 'p/x $rdi' -ex 'p/x $pc' \
		-ex 'echo LOG-BEGIN\n' -ex "x/${LOG_WORDS}gx $LOG_ADDR" -ex 'echo LOG-END\n' \
		-ex detach
	echo "$output" >"$BATS_FILE_TMPDIR/gdb.out"
	[ "$status" -eq 0 ] || { echo "# expected gdb exit 0, saw $status: $output"; false; }
	[[ "$output" == *"\$2 = 0x$(sym guest_exit | sed 's/^0*//')"* ]] || {
		echo "# expected a stop at guest_exit (pc 0x$(sym guest_exit)), saw: $output"; false; }
	[[ "$output" == *'$1 = 0x10'* ]] || {
		echo "# expected guest_exit called with rdi = 0x10 (success), saw: $output"; false; }
	load_log
	# after detach the guest runs on to isa-debug-exit
	wait_until 20 test -s "$rcfile" || { echo "# expected qemu to exit after detach, saw it running"; false; }
	[ "$(cat "$rcfile")" -eq "$EXIT_OK_STATUS" ] || {
		echo "# expected qemu exit status $EXIT_OK_STATUS, saw $(cat "$rcfile")"; cat "$BATS_TEST_TMPDIR/qemu.out"; false; }
}

@test "log header: magic, counts, TSC rate from the PIT, milestones in order, under 1 s" {
	load_log
	local hz bad=
	[ "$(lo32 "${W[0]}")" -eq $((0x474f4c47)) ] && [ "$(hi32 "${W[0]}")" -eq 1 ] ||
		bad+=$'\n'"# expected magic 0x474f4c47 version 1, saw word 0 = ${W[0]}"
	[ "$(lo32 "${W[1]}")" -eq 8 ] && [ "$(hi32 "${W[1]}")" -eq 8 ] ||
		bad+=$'\n'"# expected 8 entries written and 8 in the table, saw $(lo32 "${W[1]}") and $(hi32 "${W[1]}")"
	hz=$((W[2]))
	[ "$hz" -ge 100000000 ] && [ "$hz" -le 10000000000 ] ||
		bad+=$'\n'"# expected a TSC rate between 100 MHz and 10 GHz, saw $hz Hz"
	# tsc_hz = calibration cycles * 1193182 / PIT ticks (11932, 10 ms)
	[ "$(lo32 "${W[4]}")" -eq 11932 ] && [ "$hz" -eq $((W[3] * 1193182 / 11932)) ] ||
		bad+=$'\n'"# expected tsc_hz = $((W[3])) * 1193182 / 11932 = $((W[3] * 1193182 / 11932)) over 11932 PIT ticks, saw $hz over $(lo32 "${W[4]}")"
	local tries=$(lo32 "${W[10]}")
	[ "$tries" -ge 1 ] && [ "$tries" -le 8 ] ||
		bad+=$'\n'"# expected 1 to 8 calibration attempts, saw $tries"
	# at guest_exit the exit word is not written yet
	[ "$(hi32 "${W[4]}")" -eq 0 ] || bad+=$'\n'"# expected exit word 0 before guest_exit runs, saw $(hi32 "${W[4]}")"
	# start16 < start32 < start64 < first initcall < last initcall's end <= done
	local first=$((W[18])) last=$((W[16 + 4 * 7 + 2]))
	[ $((W[5])) -gt 0 ] && [ $((W[5])) -lt $((W[6])) ] && [ $((W[6])) -lt $((W[7])) ] &&
		[ $((W[7] + W[3])) -le "$first" ] && [ "$last" -le $((W[8])) ] ||
		bad+=$'\n'"# expected start16 < start32 < start64 (+ calibration) < initcalls < initcalls_done, saw $((W[5])) $((W[6])) $((W[7])) (+$((W[3]))) $first..$last $((W[8]))"
	# TCG's TSC counts from the machine's start: guest time at initcalls_done
	local ms=$((W[8] * 1000 / (hz > 0 ? hz : 1)))
	[ "$ms" -lt 1000 ] || bad+=$'\n'"# expected initcalls_done under 1000 ms of guest time, saw $ms ms"
	[ -z "$bad" ] || { echo "$bad"; false; }
}

@test "log entries: call order, function addresses, return values, end > start" {
	load_log
	local i base idx ret start end fn want prev_end=0 bad=
	for ((i = 0; i < ${#INITCALLS[@]}; i++)); do
		base=$((16 + 4 * i))
		idx=$(lo32 "${W[base]}")
		ret=$(s32 $((W[base] >> 32)))
		start=$((W[base + 1]))
		end=$((W[base + 2]))
		fn=$((W[base + 3]))
		want=$((0x$(sym "${INITCALLS[i]}")))
		[ "$idx" -eq "$i" ] || bad+=$'\n'"# entry $i: expected index $i, saw $idx"
		[ "$fn" -eq "$want" ] || bad+=$(printf '\n# entry %d: expected fn %s (0x%x), saw 0x%x' "$i" "${INITCALLS[i]}" "$want" "$fn")
		[ "$ret" -eq "${RETS[i]}" ] || bad+=$'\n'"# entry $i (${INITCALLS[i]}): expected return ${RETS[i]}, saw $ret"
		[ "$end" -gt "$start" ] || bad+=$'\n'"# entry $i: expected end > start, saw start $start end $end"
		[ "$start" -ge "$prev_end" ] || bad+=$'\n'"# entry $i: expected start >= previous end $prev_end, saw $start"
		prev_end=$end
	done
	[ -z "$bad" ] || { echo "$bad"; false; }
}

@test "log durations: each initcall spun its milliseconds (loose tolerance)" {
	load_log
	local i base us want_us hz=$((W[2])) bad= report=
	[ "$hz" -gt 0 ] || { echo "# expected a TSC rate, saw 0"; false; }
	for ((i = 0; i < ${#INITCALLS[@]}; i++)); do
		base=$((16 + 4 * i))
		us=$(((W[base + 2] - W[base + 1]) * 1000000 / hz))
		want_us=$((SPIN_MS[i] * 1000))
		report+=" ${INITCALLS[i]#fake_init_}=${us}us"
		# A spin ends at the first rdtsc past its target, so it is never
		# short: the lower bound is exact, and since the spin amounts are
		# distinct, any mix-up of amounts makes some entry short.  It runs
		# late when the host deschedules qemu (several ms on a loaded
		# host), hence the loose upper bound.
		[ "$us" -ge $((want_us * 99 / 100)) ] && [ "$us" -le $((want_us * 2 + 20000)) ] ||
			bad+=$'\n'"# ${INITCALLS[i]}: expected ${want_us} us (-1%, x2 +20 ms), saw $us us"
	done
	[ -z "$bad" ] || { echo "$bad"; echo "# all:$report"; false; }
}

@test "the guest's TSC rate agrees with the host's (TCG passes the host TSC through)" {
	load_log
	local host_khz hz=$((W[2]))
	host_khz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: \(Detected\|Refined TSC clocksource calibration:\) \([0-9]*\)\.\([0-9]\{3\}\) MHz.*/\2\3/p' | tail -1)
	[ -n "$host_khz" ] || skip "the host kernel's TSC rate is not in dmesg"
	# 1%: the guest's 0.2% plus the host kernel's own calibration
	[ $((hz / 1000)) -ge $((host_khz * 99 / 100)) ] && [ $((hz / 1000)) -le $((host_khz * 101 / 100)) ] || {
		echo "# expected the host's TSC rate $host_khz kHz within 1%, saw $((hz / 1000)) kHz"; false; }
}
