# shellcheck shell=bash
# Nested guests in the bench VM, shared by the guest suite
# (tests/guest/in-vm.sh), its benchmark (bench-in-vm.sh) and make demo
# (tests/demo/in-vm.sh): each guest is our QEMU's vfio-pci on a vdev,
# Debian's stock kernel and tests/guest/guest-test.sh, followed by
# tests/guest/watch.py. Sourced; the caller sets:
#   TMP      a directory of the VM's own (sockets, pid files)
#   LOGS     where each guest's files go: LOGS/NAME/serial.log (console),
#            serial.log.times, qemu.log, watch.log, result (the
#            watcher's KEY=VALUE lines), qemu.rc
#   MDEV     /sys/bus/mdev/devices
#   ROUNDS, THREADS, ITER   the defaults of boots per QEMU and of the
#            guest's dmatest (threads, iterations per thread)
# and calls nested_load_env GUEST_ENV (tests/guest/prepare.sh writes it).
NESTED_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# nested_load_env FILE: QEMU, QEMU_LIBVIRT, GUEST_VMLINUX, GUEST_INITRD,
# GUEST_APPEND_FILE, GUEST_APPEND (extra guest words), GUEST_TIMEOUT (s,
# per QEMU)
nested_load_env() {
	local key val
	# shellcheck disable=SC2034  # QEMU_LIBVIRT: read by in-vm.sh
	QEMU='' QEMU_LIBVIRT='' GUEST_VMLINUX='' GUEST_INITRD=''
	GUEST_APPEND_FILE='' GUEST_APPEND='' GUEST_TIMEOUT=1200
	while IFS='=' read -r key val; do
		case "$key" in
		QEMU|QEMU_LIBVIRT|GUEST_VMLINUX|GUEST_INITRD|GUEST_APPEND_FILE|GUEST_APPEND|GUEST_TIMEOUT)
			printf -v "$key" '%s' "$val" ;;
		esac
	done <"$1"
}

# Three built-in initcalls that have nothing to do with the test take
# half of the nested boot (initcall_debug, 2026-12-02: 180, 85 and 35 s
# of a 670 s boot to /init; 0.5 s in all on a plain TCG guest): the kdf108
# crypto self-test and the "encrypted" key type (their crypto lookups run
# modprobe, an exec of kmod that costs tens of seconds under nested TCG),
# and the kprobe trace interface. The guest's idxd does not use them.
NESTED_APPEND="initcall_blacklist=crypto_kdf108_init,init_encrypted,init_kprobe_trace"

# The firmware: qboot (qemu-system-data), not SeaBIOS. Nested, SeaBIOS
# took 38 s from its banner to the kernel (2026-12-02, two guests at
# once); qboot only sets up what a Linux boot needs and boots the PVH
# vmlinux itself. The stock idxd probes the same (it enables the BAR's
# memory decoding itself: "enabling device (0000 -> 0002)").
NESTED_BIOS=/usr/share/qemu/qboot.rom
# 256 MiB of guest memory: the test needs a fraction of it, and VFIO pins
# all of it when QEMU starts, page by page in a debug kernel under TCG
# (QEMU took 36-59 s to answer QMP with 512 MiB); the guest kernel also
# initialises a struct page for each.

# start_guest NAME UUID [ROUNDS [END [APPEND]]]: the nested QEMU and its
# watcher, in the background (pids in $TMP/NAME/*.pid; qemu.pid is the
# timeout's, qemu.real.pid QEMU's own; $TMP/NAME/t0 the epoch time the
# watcher's times count from). ROUNDS boots (default $ROUNDS),
# END quit or hold (watch.py), APPEND more guest command line (later
# words win: the kernel keeps the last value of an init variable). No
# -no-reboot: system_reset must reset, not quit. The console is a ring in
# QEMU's memory that the watcher drains over QMP into
# $LOGS/NAME/serial.log (a file chardev costs a write(2) per byte here:
# seconds per line); ttyS1 is the control line, a socket the watcher
# connects to; QMP also for system_reset and quit.
start_guest() {
	local n=$1 uuid=$2 rounds=${3:-$ROUNDS} end=${4:-quit} extra=${5:-}
	local w=$LOGS/$1 s=$TMP/$1 t0
	mkdir -p "$w" "$s"
	: >"$w/result"
	if [ ! -e "$MDEV/$uuid" ]; then
		echo "no vdev $uuid: $n not started" >"$w/qemu.log"
		return
	fi
	t0=$(date +%s.%N)
	echo "$t0" >"$s/t0"
	/usr/bin/python3 "$NESTED_LIB/watch.py" "$w/serial.log" "$s/qmp.sock" \
		"$s/ctl.sock" "$uuid" "$rounds" "$w/result" "$t0" "$end" \
		>"$w/watch.log" 2>&1 &
	echo $! >"$s/watch.pid"
	timeout -k 10 "$GUEST_TIMEOUT" "$QEMU" -accel tcg -M q35 -cpu max \
		-m 256 -smp 1 -nodefaults -nographic \
		-chardev ringbuf,id=con,size=1M -serial chardev:con \
		-serial "unix:$s/ctl.sock,server=on,wait=off" \
		-qmp "unix:$s/qmp.sock,server=on,wait=off" \
		-pidfile "$s/qemu.real.pid" \
		-L /usr/share/seabios -L /usr/share/qemu -bios "$NESTED_BIOS" \
		-kernel "$GUEST_VMLINUX" -initrd "$GUEST_INITRD" \
		-append "$(cat "$GUEST_APPEND_FILE") $NESTED_APPEND gt_threads=$THREADS gt_iterations=$ITER${extra:+ $extra}${GUEST_APPEND:+ $GUEST_APPEND}" \
		-device "vfio-pci,sysfsdev=$MDEV/$uuid" \
		</dev/null >"$w/qemu.log" 2>&1 &
	echo $! >"$s/qemu.pid"
}

# wait_guest NAME: QEMU's exit status in $LOGS/NAME/qemu.rc; the watcher's
# end
wait_guest() {
	local w=$LOGS/$1 s=$TMP/$1 rc=0
	if [ ! -e "$s/qemu.pid" ]; then
		echo "not started" >"$w/qemu.rc"
		return
	fi
	wait "$(cat "$s/qemu.pid")" || rc=$?
	echo "$rc" >"$w/qemu.rc"
	wait "$(cat "$s/watch.pid")" || echo "watcher of $1 exited $?" >>"$w/watch.log"
}

# r NAME KEY: the last value the watcher recorded for KEY ("" if none)
r() { sed -n "s/^$2=//p" "$LOGS/$1/result" 2>/dev/null | tail -n 1; }

# wait_result NAME KEY: until NAME's watcher has recorded KEY (0), or its
# QEMU is gone or GUEST_TIMEOUT passed (1)
wait_result() {
	local i
	for ((i = 0; i < GUEST_TIMEOUT; i += 2)); do
		[ -z "$(r "$1" "$2")" ] || return 0
		[ -z "$(r "$1" t.exit)" ] || break
		sleep 2
	done
	echo "$1: no '$2' from its watcher (QEMU exit at '$(r "$1" t.exit)')"
	console_tail "$1"
	return 1
}

# release NAME: a guest its watcher holds (END "hold") may quit now
release() { : >"$LOGS/$1/result.quit"; }

# gate NAME rN.STEP (before start_guest): that dmatest of the guest waits
# at its "go" (watch.py) until open_gate NAME rN.STEP
gate() { mkdir -p "$LOGS/$1" && : >"$LOGS/$1/result.gate.$2"; }
open_gate() { : >"$LOGS/$1/result.go.$2"; }

# the tail of a guest's console, to show why a check failed
console_tail() {
	echo "--- $1: last console lines"
	grep -av '^ ' "$LOGS/$1/serial.log" | tail -n 15
}

