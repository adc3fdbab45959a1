#!/usr/bin/env bats
# The real libvirt daemon (Debian's libvirt-daemon-system, started here as
# root with its own configuration, state and socket: tests/helpers/
# libvirtd-private) with qemu-wrapper as a domain's <emulator>, and
# libguestfs's libvirt backend through it.  TCG: <domain type='qemu'>.
#
# Shown: libvirt's capability probe of the wrapper caches exactly what it
# caches for the real qemu; a domain with direct kernel boot (the Debian
# kernel and a busybox initramfs that powers off) started paused, attached
# at the reset vector, resumed by virsh; started normally (libvirt resumes
# it itself) and held by the wrapper's breakpoint, profiled to its
# poweroff; virsh destroy during a hold; QEMU_WRAPPER_HOLD=0; guestfish
# with LIBGUESTFS_BACKEND=libvirt held and profiled.

load lib

# The daemon's socket dir and the URI clients use; a short path (the
# daemon's sockets live under it).
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	[ -x /usr/sbin/libvirtd ] && command -v virsh >/dev/null || return 0
	LV=$(mktemp -d /tmp/kit-lv.XXXXXX)
	export LV URI="qemu:///system?socket=$LV/sock/libvirt-sock"
	( "$KIT/tests/helpers/libvirtd-private" "$LV" >"$LV/daemon.out" 2>&1 & echo $! >"$LV/daemon.pid" ) 3>&-
	local i
	for i in $(seq 300); do
		timeout 10 virsh -q -c "$URI" version >/dev/null 2>&1 && break
		sleep 0.1
	done
	scripts_init=$KIT/scripts/make-initramfs
	"$scripts_init" "$LV/poweroff.cpio" >/dev/null
}

teardown_file() {
	[ -n "${LV:-}" ] && [ -d "$LV" ] || return 0
	local p
	# any wrapper libvirt still runs (its qemu follows: PR_SET_PDEATHSIG)
	for p in "$LV"/run/qemu/*.pid; do
		[ -f "$p" ] && kill -KILL "$(cat "$p")" 2>/dev/null
	done
	p=$(cat "$LV/libvirtd.pid" 2>/dev/null || cat "$LV/daemon.pid")
	kill -TERM "$p" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null
	rm -rf "$LV"
}

setup() {
	need_client
	need_qemu
	wrapper_env
	DOM=kit-$BATS_TEST_NUMBER
}

# need_libvirt: the private daemon is up (else skip: not root, or
# scripts/install-deps has not installed libvirt)
need_libvirt() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (a privileged libvirtd of its own)"
	[ -x /usr/sbin/libvirtd ] || skip "no libvirtd (scripts/install-deps: libvirt-daemon-system)"
	command -v virsh >/dev/null || skip "no virsh (scripts/install-deps: libvirt-clients)"
	[ -S "$LV/sock/libvirt-sock" ] || {
		echo "# the private libvirtd did not start:"; cat "$LV/daemon.out" "$LV/libvirtd.log" 2>/dev/null | tail -20; false; }
	VIRSH=(timeout 120 virsh -q -c "$URI")
}

teardown() {
	local p
	if [ -n "${VIRSH+set}" ]; then
		p="$LV/run/qemu/$DOM.pid"
		[ -f "$p" ] && kill -KILL "$(cat "$p")" 2>/dev/null
		timeout 30 virsh -q -c "$URI" destroy "$DOM" >/dev/null 2>&1
		timeout 30 virsh -q -c "$URI" undefine "$DOM" >/dev/null 2>&1
	fi
	kill_tracked
	return 0
}

# domain_xml [ENV=VALUE...]: a TCG domain booting the installed Debian
# kernel straight into the busybox initramfs, which powers off; qemu-wrapper
# is its emulator, and each ENV=VALUE is set in qemu's environment
# (<qemu:env>: libvirt passes qemu no other variable of ours).
domain_xml() {
	local kv
	cat <<-EOF
	<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
	  <name>$DOM</name>
	  <memory unit='MiB'>256</memory>
	  <vcpu>1</vcpu>
	  <os>
	    <type arch='x86_64' machine='pc'>hvm</type>
	    <kernel>$VMLINUZ</kernel>
	    <initrd>$LV/poweroff.cpio</initrd>
	    <cmdline>console=ttyS0 panic=-1</cmdline>
	  </os>
	  <features><acpi/></features>
	  <on_poweroff>destroy</on_poweroff>
	  <on_reboot>destroy</on_reboot>
	  <on_crash>destroy</on_crash>
	  <devices>
	    <emulator>$WRAPPER</emulator>
	    <serial type='file'><source path='$BATS_TEST_TMPDIR/console.log'/><target port='0'/></serial>
	    <memballoon model='none'/>
	  </devices>
	  <qemu:commandline>
	    <qemu:env name='QEMU_WRAPPER_RUNDIR' value='$QEMU_WRAPPER_RUNDIR'/>
	    <qemu:env name='QEMU_WRAPPER_LOG' value='$QEMU_WRAPPER_LOG'/>
	    <qemu:env name='QEMU_WRAPPER_APPEND' value='nokaslr'/>
	EOF
	for kv in "$@"; do
		echo "    <qemu:env name='${kv%%=*}' value='${kv#*=}'/>"
	done
	cat <<-EOF
	  </qemu:commandline>
	</domain>
	EOF
}

define_domain() {
	domain_xml "$@" >"$BATS_TEST_TMPDIR/dom.xml"
	"${VIRSH[@]}" define "$BATS_TEST_TMPDIR/dom.xml" >/dev/null
}

domstate() { "${VIRSH[@]}" domstate --reason "$DOM"; }
state_is() { [[ "$(domstate)" == "$1"* ]]; }
# the wrapper's pid, from libvirt's own pid file for the domain
domain_pid() { cat "$LV/run/qemu/$DOM.pid"; }
log_has() { grep -q -- "$1" "$QEMU_WRAPPER_LOG"; }
show_state() {
	echo "# domain: $(domstate 2>&1)"
	echo "# wrapper log:"; cut -c1-220 "$QEMU_WRAPPER_LOG" 2>/dev/null | sed 's/^/#   /'
	echo "# qemu log:"; tail -5 "$LV/log/qemu/$DOM.log" 2>/dev/null | sed 's/^/#   /'
}

@test "libvirt's capability probe of the wrapper: the cache it keeps is the real qemu's but for the path and ctime" {
	need_libvirt
	local real=$REAL_QEMU caps=$LV/cache/qemu/capabilities a b
	run "${VIRSH[@]}" domcapabilities --virttype qemu --emulatorbin "$WRAPPER"
	[ "$status" -eq 0 ] || { echo "# $output"; false; }
	echo "$output" | sed "s|$WRAPPER|EMULATOR|" >"$BATS_TEST_TMPDIR/dc-wrapper"
	run "${VIRSH[@]}" domcapabilities --virttype qemu --emulatorbin "$real"
	[ "$status" -eq 0 ]
	echo "$output" | sed "s|$real|EMULATOR|" >"$BATS_TEST_TMPDIR/dc-real"
	diff "$BATS_TEST_TMPDIR/dc-real" "$BATS_TEST_TMPDIR/dc-wrapper"
	grep -q "<machine>pc-i440fx-" "$BATS_TEST_TMPDIR/dc-wrapper"
	# libvirt names each cache file by the SHA-256 of the emulator's path
	a=$caps/$(printf %s "$real" | sha256sum | cut -d' ' -f1).xml
	b=$caps/$(printf %s "$WRAPPER" | sha256sum | cut -d' ' -f1).xml
	[ -s "$a" ] && [ -s "$b" ] || { ls -l "$caps"; false; }
	[ "$(wc -l <"$b")" -gt 1000 ]
	# exactly two lines differ: <emulator> and <qemuctime> (the binary's own)
	run diff "$a" "$b"
	echo "$output" | sed 's/^/#   /'
	[ "$(grep -c '^[<>]' <<<"$output")" -eq 4 ]
	[ "$(grep '^[<>]' <<<"$output" | grep -vc -e '<emulator>' -e '<qemuctime>')" -eq 0 ]
	grep -q "<emulator>$WRAPPER</emulator>" "$b"
}

@test "virsh start --paused: held at the reset vector, attached there; virsh resume stops at the wrapper's breakpoint until a debugger lets it go" {
	need_libvirt
	define_domain
	run "${VIRSH[@]}" start --paused "$DOM"
	[ "$status" -eq 0 ] || { echo "# $output"; show_state; false; }
	state_is "paused" || { show_state; false; }
	local pid f
	pid=$(domain_pid)
	f=$(session_file "$pid")
	wait_until 30 test -s "$f"
	# the wrapper saw libvirt's own -S and monitor, and planted its breakpoint
	wait_until 10 log_has 'reset-vector breakpoint planted' || { show_state; false; }
	log_has "launch rule=\"launch: guest payload -kernel\""
	grep -q "'-S'" <(grep ' launch rule=' "$QEMU_WRAPPER_LOG")
	[[ "$(jq -r .append "$f")" == *nokaslr* ]]
	# libvirt resumes; the guest stops at its first instruction and waits
	"${VIRSH[@]}" resume "$DOM" >/dev/null
	wait_until 60 log_has 'held at the reset vector: the manager resumed' || { show_state; false; }
	sleep 1.5   # longer than the wrapper's 0.5 s look for a gone debugger
	state_is "paused" || { show_state; false; }
	! grep -q 'userspace started' "$BATS_TEST_TMPDIR/console.log"
	run timeout 60 "$CLIENT" attach --latest -ex 'info registers rip' -ex mode -ex detach
	echo "$output" | sed 's/^/#   /'
	[ "$status" -eq 0 ]
	[[ "$output" == *"session: $f "* ]]
	[[ "$output" == *"=> f000:fff0 = 0xfffffff0"* ]]
	[[ "$output" == *"mode: real (16-bit code)"* ]]
	# detached: the guest boots to its poweroff, and libvirt sees it end
	wait_until 120 state_is "shut off" || { show_state; false; }
	grep -q 'boot-profile: userspace started' "$BATS_TEST_TMPDIR/console.log"
	wait_until 30 test -s "$QEMU_WRAPPER_RUNDIR/$pid.exit.json" || { show_state; false; }
	jq . "$QEMU_WRAPPER_RUNDIR/$pid.exit.json" | sed 's/^/#   /'
	log_has 'event: qemu shutting down: guest-shutdown'
}

@test "virsh start (libvirt resumes at once): held by the wrapper, profiled to the kernel's poweroff, shut off" {
	need_libvirt
	define_domain
	"${VIRSH[@]}" start "$DOM" >/dev/null
	wait_until 60 log_has 'held at the reset vector: the manager resumed' || { show_state; false; }
	state_is "paused" || { show_state; false; }
	local pid
	pid=$(domain_pid)
	run timeout 300 "$CLIENT" profile --latest -o "$BATS_TEST_TMPDIR/p.json"
	echo "$output" | sed 's/^/#   /'
	[ "$status" -eq 0 ]
	local p=$BATS_TEST_TMPDIR/p.json
	[ "$(jq -r .complete "$p")" = true ]
	[ "$(jq '.initcalls | length' "$p")" -gt 600 ]
	# the phases run to userspace
	jq -r '.phases[].id' "$p" | grep -qx userspace
	[ "$(jq -r .environment.kernel "$p")" = "$VMLINUZ" ]
	[[ "$(jq -r .environment.cmdline "$p")" == *nokaslr* ]]
	# libvirt runs qemu with -no-shutdown: the poweroff is a stop (T03)
	# and the recording's end; guest time from QEMU's events (the
	# wrapper's events file) all through
	[[ "$output" == *"the connection ended: the guest shut down (the stub's stop for a shutdown, T03"* ]]
	[[ "$output" == *"guest time from QEMU's STOP/RESUME events"* ]]
	run "$CLIENT" report "$p"
	[ "$status" -eq 0 ]
	echo "$output" | grep -E '^Boot to userspace: ' | sed 's/^/#   /'
	grep -q 'boot-profile: userspace started' "$BATS_TEST_TMPDIR/console.log"
	wait_until 60 state_is "shut off" || { show_state; false; }
	proc_gone "$pid"
}

@test "virsh destroy while the wrapper holds the guest: SIGTERM held, libvirt's SIGKILL after its 10 s, qemu ended by the kernel, nothing left" {
	need_libvirt
	define_domain
	"${VIRSH[@]}" start "$DOM" >/dev/null
	wait_until 60 log_has 'held at the reset vector: the manager resumed' || { show_state; false; }
	local pid qpid t0 t1
	pid=$(domain_pid)
	wait_until 10 have_session "$pid"
	qpid=$(session_get "$pid" .qemu_pid)
	t0=$(date +%s%N)
	run "${VIRSH[@]}" destroy "$DOM"
	t1=$(date +%s%N)
	echo "# virsh destroy: exit $status after $(( (t1 - t0) / 1000000 )) ms: $output"
	[ "$status" -eq 0 ]
	# held (the docs: kept while the guest is paused for a debugger) ...
	log_has 'held SIGTERM: the guest is paused for a debugger'
	! log_has 'delivered SIGTERM'
	# ... so libvirt waited its 10 s and sent SIGKILL to the wrapper; the
	# kernel then sent qemu SIGTERM (PR_SET_PDEATHSIG) and it shut down
	[ $(( (t1 - t0) / 1000000 )) -ge 9000 ]
	proc_gone "$pid"
	wait_until 10 proc_gone "$qpid"
	state_is "shut off (destroyed)" || { show_state; false; }
	# a SIGKILLed wrapper writes no exit record; its session file stays
	# for the next launch to remove (gdbstub-client checks the pids)
	[ ! -e "$QEMU_WRAPPER_RUNDIR/$pid.exit.json" ]
	! pgrep -f -- "guest=$DOM," >/dev/null
}

@test "QEMU_WRAPPER_HOLD=0 in the domain: no breakpoint, libvirt's start runs the guest to its poweroff" {
	need_libvirt
	define_domain QEMU_WRAPPER_HOLD=0
	"${VIRSH[@]}" start "$DOM" >/dev/null
	wait_until 120 state_is "shut off" || { show_state; false; }
	grep -q 'boot-profile: userspace started' "$BATS_TEST_TMPDIR/console.log"
	! log_has 'reset-vector breakpoint planted'
	log_has 'event: gdbstub unix:.*(added), hold on'
}

@test "guestfish with LIBGUESTFS_BACKEND=libvirt and LIBGUESTFS_HV=qemu-wrapper: held at the reset vector, profiled, exit 0" {
	need_libvirt
	command -v guestfish >/dev/null || skip "guestfish is not installed (scripts/install-deps)"
	# libvirt gives qemu a clean environment: the wrapper uses its default
	# run directory (root, no XDG_RUNTIME_DIR), and the client reads it
	export QEMU_WRAPPER_RUNDIR=/tmp/qemu-wrapper-$(id -u)
	( rc=0; LIBGUESTFS_BACKEND="libvirt:$URI" LIBGUESTFS_HV=$WRAPPER \
	  LIBGUESTFS_BACKEND_SETTINGS=force_tcg LIBGUESTFS_APPEND=nokaslr \
		timeout 600 guestfish -a /dev/null run >"$BATS_TEST_TMPDIR/gf.out" 2>&1 || rc=$?
	  echo "$rc" >"$BATS_TEST_TMPDIR/gf.rc" ) 3>&- &
	track $!
	local name=
	domain_up() { name=$("${VIRSH[@]}" list --name | grep '^guestfs-' | head -1); [ -n "$name" ]; }
	# (a first run builds the appliance in /var/tmp/.guestfs-UID first)
	wait_until 600 domain_up || { echo "# no guestfs domain:"; cat "$BATS_TEST_TMPDIR/gf.out"; false; }
	DOM=$name
	local pid kernel
	pid=$(domain_pid)
	wait_until 30 have_session "$pid"
	# the launch is the appliance's, under libvirt (its -S and monitor)
	kernel=$(session_get "$pid" .kernel)
	[[ "$kernel" == */appliance.d/kernel ]]
	session_get "$pid" '.argv | join(" ")' | grep -q -- "guest=$name"
	# held: libvirt resumed it, the wrapper's breakpoint stopped it
	wait_until 30 state_is paused || { show_state; false; }
	sleep 2
	state_is paused
	[ ! -e "$BATS_TEST_TMPDIR/gf.rc" ]
	# the newest session here is this one (checked through the profile)
	run timeout 300 "$CLIENT" profile --latest -o "$BATS_TEST_TMPDIR/a.json"
	echo "$output" | tail -3 | sed 's/^/#   /'
	[ "$status" -eq 0 ] || {
		echo "# guestfish:"; tail -5 "$BATS_TEST_TMPDIR/gf.out"
		echo "# the domain's qemu log:"; tail -5 "$LV/log/qemu/$DOM.log"; false; }
	local p=$BATS_TEST_TMPDIR/a.json
	[ "$(jq -r .environment.kernel "$p")" = "$kernel" ]
	[[ "$(jq -r .environment.cmdline "$p")" == *udevtimeout=*nokaslr* ]]
	[ "$(jq -r .complete "$p")" = true ]
	[ "$(jq '.initcalls | length' "$p")" -gt 600 ]
	jq -r '.phases[].id' "$p" | grep -qx userspace
	wait_until 300 test -e "$BATS_TEST_TMPDIR/gf.rc"
	[ "$(cat "$BATS_TEST_TMPDIR/gf.rc")" -eq 0 ] || {
		echo "# guestfish exit $(cat "$BATS_TEST_TMPDIR/gf.rc")"; tail -20 "$BATS_TEST_TMPDIR/gf.out"; false; }
	wait_until 30 proc_gone "$pid"
}

@test "a guest that powers off under -no-shutdown (libvirt's way), without libvirt: the profile ends at its shutdown stop, on QEMU's clock" {
	local d=$BATS_TEST_TMPDIR
	"$KIT/scripts/make-initramfs" "$d/poweroff.cpio" >/dev/null
	export QEMU_WRAPPER_QUIET=1
	start_session -machine pc,accel=tcg -m 256 -display none -nodefaults -no-shutdown \
		-kernel "$VMLINUZ" -initrd "$d/poweroff.cpio" \
		-append "console=ttyS0 panic=-1 nokaslr" -serial "file:$d/console.log"
	run timeout 300 "$CLIENT" profile --latest -o "$d/p.json"
	echo "$output" | tail -3 | sed 's/^/#   /'
	[ "$status" -eq 0 ]
	[[ "$output" == *"the connection ended: the guest shut down (the stub's stop for a shutdown, T03"* ]]
	[[ "$output" == *"guest time from QEMU's STOP/RESUME events"* ]]
	[ "$(jq -r .complete "$d/p.json")" = true ]
	[ "$(jq -r .end "$d/p.json")" = exit ]
	# qemu stays after the guest's poweroff (-no-shutdown): still there
	proc_alive "$WPID"
	grep -q 'event: qemu shutting down: guest-shutdown' "$QEMU_WRAPPER_LOG"
}
