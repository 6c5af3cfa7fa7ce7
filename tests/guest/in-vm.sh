#!/bin/bash
# Suite "guest", inside the bench VM: real VMs on vdevs. Our modules drive
# the DSA model; Debian's accel-config gives a dedicated WQ and a shared
# one to the vdev driver and a third WQ to the host's dmaengine, where
# dmatest runs while both guests run theirs. A dsa-1dwq-v1 and a dsa-1swq-v1 vdev are each
# passed to a nested TCG guest by our QEMU binary's vfio-pci (Debian's
# code, unmodified): Debian 12's stock 6.1 kernel, its idxd.ko, Debian's
# accel-config and dmatest.ko (tests/guest/build.sh). Each guest runs
# tests/guest/guest-test.sh on every boot, and tests/guest/watch.py
# answers its markers and samples the vdev's counters on this side.
#
# The guests are busy one at a time, except for what must happen at once:
# two nested boots at once took 2.4 times as long as one alone, and the
# idxd reload (four programs) 90 s each for two at once against 13 s
# alone (2026-12-02), the bench VM's two vCPUs fighting over the host's
# two cores. Gates (watch.py) hold a guest that waits.
#   dwq    (libvirt) boot 1: probe, accel-config, a kernel WQ; waits
#   swq    (our QEMU) boot 1: the same; waits; then both run dmatest
#          together, the host's dmatest with them; swq waits again
#   dwq    idxd reload; system_reset, boot 2 (probe, WQ, dmatest); its
#          vdev removed under the live domain; the domain destroyed
#   swq    idxd reload; a long dmatest, QEMU SIGKILLed in the middle of it
#   swq2   a new QEMU on that vdev: boot 1, system_reset, boot 2; the
#          vdev removed while QEMU holds it
#
# usage: in-vm.sh KMOD_DIR VDEV_DIR GUEST_ENV [LOG_TAG]
#   KMOD_DIR   drivers/dma/idxd of the module build (see tests/lib/dsa.sh)
#   VDEV_DIR   drivers/vfio/mdev of the same build
#   GUEST_ENV  KEY=value lines (tests/guest/suite.sh): QEMU, GUEST_VMLINUX,
#              GUEST_INITRD (base + test cpio), GUEST_APPEND_FILE,
#              GUEST_APPEND (extra words), GUEST_TIMEOUT (s, per QEMU)
#   LOG_TAG    a writable 9p share (mount tag) for the nested consoles,
#              QEMU's messages and the watchers' results, written as the
#              guests run (else they stay in the VM)
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
USAGE="usage: in-vm.sh KMOD_DIR VDEV_DIR GUEST_ENV [LOG_TAG]"
KMOD_DIR=${1:?$USAGE}
VDEV_DIR=${2:?$USAGE}
GUEST_ENV=${3:?$USAGE}
LOG_TAG=${4:-}
# shellcheck source=../lib/checks.sh
. "$HERE/../lib/checks.sh"
# shellcheck source=../lib/dsa.sh
. "$HERE/../lib/dsa.sh"
# rounds of 100 copies: the last one ends soon after the guests' dmatest
HOST_DMATEST_ROUND=100
# shellcheck source=../lib/host-dmatest.sh
. "$HERE/../lib/host-dmatest.sh"
# shellcheck source=libvirt.sh
. "$HERE/libvirt.sh"
# shellcheck source=nested.sh
. "$HERE/nested.sh"
nested_load_env "$GUEST_ENV"

# mdev names types "<parent driver>-<type>": the PCI driver is siov_idxd
DTYPE=siov_idxd-dsa-1dwq-v1
STYPE=siov_idxd-dsa-1swq-v1
UUID_D=6b1c2a90-5d3e-4f7a-8c21-0e9f4d3a7b01
UUID_S=6b1c2a90-5d3e-4f7a-8c21-0e9f4d3a7b02
MDEV=/sys/bus/mdev/devices
# check runs each function in a subshell: what they share is set here or
# kept in files under $TMP.
PCIDEV=$(dsa_pci_dir)
TYPES=$PCIDEV/mdev_supported_types
BDF=$(basename "$PCIDEV")
# the dedicated vdev's guest is a libvirt domain on a node device that
# libvirt defined through mdevctl; the shared one's, a QEMU we start
DOMAIN=guest-dwq
NODEDEV_D=$(nodedev_name "$UUID_D" "$BDF")
TMP=$(mktemp -d)
# per guest: $LOGS/NAME/ has serial.log (its console), serial.log.times,
# qemu.log, watch.log and result (the watcher's KEY=VALUE lines); the
# sockets stay in $TMP/NAME/ (9p has none)
LOGS=$TMP/logs
if [ -n "$LOG_TAG" ]; then
	mkdir -p /run/guest-logs &&
	mount -t 9p -o trans=virtio,version=9p2000.L "$LOG_TAG" /run/guest-logs &&
	LOGS=/run/guest-logs
fi
# boots of the guests that reboot (dwq, swq2)
ROUNDS=2
# the guest's dmatest: threads per channel and iterations per thread
THREADS=2
ITER=100

available() { cat "$TYPES/$1/available_instances"; }

configure() {
	load_ours "$KMOD_DIR" && modprobe mdev &&
	insmod "$VDEV_DIR/vfio_ims_irqs.ko" && insmod "$VDEV_DIR/idxd_vdev.ko" ||
		return 1
	config_dwq wq0.0 vdev0 vdev user &&
	config_swq wq0.2 vdevs vdev user &&
	config_dwq wq0.3 host dmaengine kernel
}

setup() {
	accel-config enable-device dsa0 || return 1
	# a dedicated vdev WQ stays disabled until its guest enables it:
	# enable-wq binds it (and complains that it is not "enabled")
	accel-config enable-wq dsa0/wq0.0
	accel-config enable-wq dsa0/wq0.2 dsa0/wq0.3 || return 1
	local wq
	for wq in wq0.0 wq0.2; do
		expect_eq "$wq driver" "$(basename "$(readlink "$DSA/$wq/driver")")" vdev ||
			return 1
	done
	expect_eq "wq0.3 state" "$(attr wq0.3 state)" enabled
}

# The host's own kernel WQ runs dmatest from here to host_dmatest_passed
# (tests/lib/host-dmatest.sh): from just before both guests start theirs
# until both have ended, niced, so that the guests' copies are not the
# ones waiting. Not during the boots: a verified 16 KiB copy costs far
# more CPU than waiting for it, and a nested boot beside it took twice
# as long (2026-12-02: /init at 130-143 s after QEMU's start, 64 s alone).
start_host_dmatest() {
	host_dmatest_start wq0.3 19 || return 1
	# its first round is under way before the guests' go
	local _
	for _ in $(seq 60); do
		[ -n "$(cat "$HOST_DMATEST/channel")" ] && return 0
		sleep 0.5
	done
	echo "host dmatest did not start its first round"
	return 1
}

# libvirtd up (tests/guest/libvirt.sh); its node device driver lists the
# parent's mdev types with their available instances
libvirt_lists_types() {
	local xml
	libvirt_start || return 1
	$VIRSH nodedev-list --cap mdev_types | grep -qx "pci_${BDF//[:.]/_}" ||
		{ echo "no mdev_types parent:"; $VIRSH nodedev-list --cap mdev_types; return 1; }
	xml=$($VIRSH nodedev-dumpxml "pci_${BDF//[:.]/_}") || return 1
	if ! grep -q "<type id='$DTYPE'>" <<<"$xml" || ! grep -q "<type id='$STYPE'>" <<<"$xml"; then
		echo "$xml"
		return 1
	fi
	expect_eq "libvirt's $DTYPE availableInstances" \
		"$(sed -n "/<type id='$DTYPE'>/,/<\/type>/s/.*<availableInstances>\([0-9]*\)<.*/\1/p" <<<"$xml")" \
		"$(available "$DTYPE")"
}

# The dedicated vdev as a user of libvirt makes one: nodedev-define
# (mdevctl define underneath), nodedev-start. The shared one with sysfs.
create_vdevs() {
	available "$DTYPE" >"$TMP/avail-d" && available "$STYPE" >"$TMP/avail-s" ||
		return 1
	echo "$UUID_S" >"$TYPES/$STYPE/create" || return 1
	nodedev_xml "$UUID_D" "$DTYPE" "$BDF" >"$TMP/nodedev.xml" &&
	$VIRSH nodedev-define "$TMP/nodedev.xml" &&
	$VIRSH nodedev-start "$NODEDEV_D" || return 1
	mdevctl list -d | grep -q "^$UUID_D " ||
		{ echo "mdevctl does not list $UUID_D as defined"; mdevctl list -d; return 1; }
	expect_eq "$DTYPE available" "$(available "$DTYPE")" $(($(cat "$TMP/avail-d") - 1)) &&
	expect_eq "$STYPE available" "$(available "$STYPE")" $(($(cat "$TMP/avail-s") - 1)) &&
	expect_eq "vdev_type D" "$(cat "$MDEV/$UUID_D/vdev_type")" dsa-1dwq-v1 &&
	expect_eq "vdev_type S" "$(cat "$MDEV/$UUID_S/vdev_type")" dsa-1swq-v1
}

# start_domain NAME UUID [END]: the same guest as start_guest's (ROUNDS
# boots) as a libvirt domain (virsh define, virsh start) with our QEMU as
# its emulator, and its watcher
start_domain() {
	local n=$1 uuid=$2 end=${3:-quit} w=$LOGS/$1 s=$TMP/$1 t0
	mkdir -p "$w" "$s"
	: >"$w/result"
	domain_xml "$DOMAIN" "$QEMU_LIBVIRT" "$GUEST_VMLINUX" "$GUEST_INITRD" \
		"$(cat "$GUEST_APPEND_FILE") $NESTED_APPEND gt_threads=$THREADS gt_iterations=$ITER${GUEST_APPEND:+ $GUEST_APPEND}" \
		"$uuid" "$s/con.sock" "$s/ctl.sock" >"$s/domain.xml"
	if ! $VIRSH define "$s/domain.xml" >"$w/qemu.log" 2>&1; then
		echo "virsh define failed" >>"$w/qemu.log"
		return
	fi
	t0=$(date +%s.%N)
	echo "$t0" >"$s/t0"
	if ! $VIRSH start "$DOMAIN" >>"$w/qemu.log" 2>&1; then
		echo "virsh start failed" >>"$w/qemu.log"
		return
	fi
	echo "libvirt" >"$s/libvirt"
	/usr/bin/python3 "$HERE/watch.py" "$w/serial.log" \
		"libvirt:$DOMAIN:$s/con.sock" "$s/ctl.sock" "$uuid" "$ROUNDS" \
		"$w/result" "$t0" "$end" >"$w/watch.log" 2>&1 &
	echo $! >"$s/watch.pid"
}

# wait_domain NAME: until the domain is shut off (the watcher's destroy),
# GUEST_TIMEOUT at most; "0" in $LOGS/NAME/qemu.rc if it was
wait_domain() {
	local w=$LOGS/$1 s=$TMP/$1 _
	if [ ! -e "$s/libvirt" ]; then
		echo "not started" >"$w/qemu.rc"
		return
	fi
	# The watcher's result file says when QEMU went (t.exit), or the
	# watcher itself is gone; only then virsh, which costs the nested
	# guests CPU: polling domstate every 15 s left up to 20 s between
	# the exit and the next guest's step (2026-12-03)
	for _ in $(seq "$((GUEST_TIMEOUT / 2))"); do
		if [ -n "$(r "$1" t.exit)" ] || ! kill -0 "$(cat "$s/watch.pid")" 2>/dev/null; then
			break
		fi
		sleep 2
	done
	for _ in $(seq 30); do
		[ "$($VIRSH domstate "$DOMAIN")" = "shut off" ] && break
		sleep 1
	done
	if [ "$($VIRSH domstate "$DOMAIN")" = "shut off" ]; then
		echo 0 >"$w/qemu.rc"
	else
		$VIRSH destroy "$DOMAIN"
		echo "timeout" >"$w/qemu.rc"
	fi
	cp "/var/log/libvirt/qemu/$DOMAIN.log" "$w/libvirt-qemu.log" 2>/dev/null
	wait "$(cat "$s/watch.pid")" || echo "watcher of $1 exited $?" >>"$w/watch.log"
}

# host_mark TEXT / host_after_mark TEXT REGEX: the bench kernel's log cut
# at a mark, as the guest's after_mark does
host_mark() { echo "guest-suite: $1" >/dev/kmsg; }
host_after_mark() {
	dmesg | awk -v m="guest-suite: $1" 'f && $0 ~ r { print } index($0, m) { f = 1 }' r="$2"
}

# remove_in_background UUID: sysfs remove, which blocks until the vdev's
# user lets go of it, bounded; the pid of that in $TMP/remove.pid
remove_in_background() {
	timeout 900 sh -c "echo 1 >$MDEV/$1/remove" &
	echo $! >"$TMP/remove.pid"
}

# wait_gone UUID SECONDS: the vdev is gone within SECONDS
wait_gone() {
	local i
	for ((i = 0; i < $2; i++)); do
		[ -e "$MDEV/$1" ] || return 0
		sleep 1
	done
	echo "vdev $1 still there after $2 s"
	return 1
}

# The dedicated vdev is removed (sysfs, what mdevctl stop does) while its
# libvirt domain runs, idle after its last boot. The kernel relays the
# request to QEMU (the VFIO request interrupt); libvirt put the hostdev
# behind a pcie-root-port (its q35 default), so QEMU 7.2 unplugs it from
# the guest (the guest's PCIe hotplug, then the stock idxd's remove) and
# lets go of the vdev: the removal completes and the domain keeps running,
# without the hostdev.
remove_under_domain() {
	local rc=0
	wait_result dwq held || return 1
	host_mark "remove $UUID_D"
	remove_in_background "$UUID_D"
	wait_gone "$UUID_D" 600 || rc=1
	wait "$(cat "$TMP/remove.pid")" || { echo "remove exited $?"; rc=1; }
	host_after_mark "remove $UUID_D" 'request' | head -n 3
	[ -n "$(host_after_mark "remove $UUID_D" 'relaying device request')" ] ||
		{ echo "no device request relayed to QEMU"; rc=1; }
	expect_eq "domain state after the removal" "$($VIRSH domstate "$DOMAIN")" running ||
		rc=1
	! $VIRSH dumpxml "$DOMAIN" | grep -q "type='mdev'" ||
		{ echo "libvirt still shows the hostdev in the live domain"; rc=1; }
	return $rc
}

# The first two guests each boot alone up to their dmatest (gated), and
# then run it together, while the host's WQ runs its own: two VMs on two
# kinds of vdev of one device, and the host, all copying at once. Each
# guest's check says whether its copies passed; this one that the runs
# overlapped: each "go" before either run ended.
together() {
	local n
	open_gate dwq r1.main
	open_gate swq r1.main
	for n in dwq swq; do
		wait_result "$n" r1.t.done-main || return 1
	done
	# each watcher's times count from its own QEMU's start ($TMP/NAME/t0)
	awk -v g1="$(r dwq r1.t.go-main)" -v g2="$(r swq r1.t.go-main)" \
		-v d1="$(r dwq r1.t.done-main)" -v d2="$(r swq r1.t.done-main)" \
		-v o1="$(cat "$TMP/dwq/t0")" -v o2="$(cat "$TMP/swq/t0")" '
		BEGIN {
			g = (o1 + g1 > o2 + g2) ? o1 + g1 : o2 + g2
			d = (o1 + d1 < o2 + d2) ? o1 + d1 : o2 + d2
			printf "dwq ran dmatest for %.1f s, swq for %.1f s, both at once for %.1f s\n",
				d1 - g1, d2 - g2, d - g
			exit !(d > g)
		}'
}

# SIGKILL of the shared vdev's QEMU while its guest runs dmatest (a long
# one: KILL_ITER per thread, gated until now): the vdev stays, and the
# next guest must find it as new (second_guest). "During" is checked: the
# trapped portal's count grew by 10 descriptors since "go", and the guest
# had not ended its dmatest.
KILL_ITER=5000
kill_during_dmatest() {
	local t0 i qpid
	wait_result swq r1.t.ready-long || return 1
	t0=$(cat "$MDEV/$UUID_S/trapped_accesses")
	open_gate swq r1.long
	for ((i = 0; i < 300; i++)); do
		[ "$(cat "$MDEV/$UUID_S/trapped_accesses")" -ge $((t0 + 80)) ] && break
		sleep 1
	done
	echo "trapped accesses $t0 -> $(cat "$MDEV/$UUID_S/trapped_accesses") before the kill"
	[ "$(cat "$MDEV/$UUID_S/trapped_accesses")" -ge $((t0 + 80)) ] ||
		{ echo "no descriptors flowing after the guest's go"; return 1; }
	[ -z "$(r swq r1.t.done-long)" ] ||
		{ echo "the guest's dmatest ended before the kill"; return 1; }
	qpid=$(cat "$TMP/swq/qemu.real.pid")
	kill -KILL "$qpid" || return 1
	for ((i = 0; i < 120; i++)); do
		kill -0 "$qpid" 2>/dev/null || break
		sleep 1
	done
	! kill -0 "$qpid" 2>/dev/null || { echo "QEMU $qpid still alive"; return 1; }
	[ -e "$MDEV/$UUID_S" ] || { echo "the vdev went with QEMU"; return 1; }
}

# second_guest: a new QEMU on the vdev that the killed one had open
second_guest() {
	local s
	wait_result swq2 held || return 1
	for s in probe list wq dmatest; do
		guest_check swq2 1 "$s" || return 1
	done
}

# The shared vdev is removed while a QEMU holds it, on the root bus: QEMU
# 7.2 cannot unplug a device there and says so, and the removal waits,
# asking again, until QEMU quits; nothing hangs in the meantime.
remove_under_qemu() {
	local rc=0 qpid i
	qpid=$(cat "$TMP/swq2/qemu.real.pid")
	host_mark "remove $UUID_S"
	remove_in_background "$UUID_S"
	for ((i = 0; i < 60; i++)); do
		[ -z "$(host_after_mark "remove $UUID_S" 'relaying device request')" ] || break
		sleep 1
	done
	[ -n "$(host_after_mark "remove $UUID_S" 'relaying device request')" ] ||
		{ echo "no device request relayed to QEMU in 60 s"; rc=1; }
	sleep 15
	kill -0 "$qpid" 2>/dev/null || { echo "QEMU died at the request"; rc=1; }
	kill -0 "$(cat "$TMP/remove.pid")" 2>/dev/null ||
		{ echo "the removal did not wait for QEMU"; rc=1; }
	echo "QEMU said: $(grep -i 'unplug\|hotplug' "$LOGS/swq2/qemu.log" | head -n 2)"
	release swq2
	wait_gone "$UUID_S" 120 || rc=1
	wait "$(cat "$TMP/remove.pid")" || { echo "remove exited $?"; rc=1; }
	return $rc
}

# guests_ran: the QEMUs that were not killed quit at our quit (QMP, or
# virsh destroy) after $ROUNDS boots, and no boot came that we did not ask for
guests_ran() {
	local n rc=0
	for n in dwq swq2; do
		[ "$(cat "$LOGS/$n/qemu.rc")" = 0 ] && [ -n "$(r "$n" quit)" ] &&
			[ -z "$(r "$n" unexpected_boot)" ] && continue
		echo "$n: QEMU exit $(cat "$LOGS/$n/qemu.rc"), boots $(r "$n" boots)," \
			"quit '$(r "$n" quit)', unexpected boot '$(r "$n" unexpected_boot)'"
		cat "$LOGS/$n/qemu.log" "$LOGS/$n/watch.log"
		[ ! -e "$LOGS/$n/libvirt-qemu.log" ] || tail -n 20 "$LOGS/$n/libvirt-qemu.log"
		console_tail "$n"
		rc=1
	done
	return $rc
}

# guest_check NAME ROUND STEP: the guest's own check passed in that round
guest_check() {
	local v
	v=$(r "$1" "r$2.check.$3")
	[ "$v" = ok ] && return 0
	echo "$1 boot $2 $3: ${v:-not reported}"
	console_tail "$1"
	return 1
}

# step_done NAME ROUND STEP: guest_check once the guest has reported STEP
# (or its QEMU is gone)
step_done() { wait_result "$1" "r$2.check.$3" && guest_check "$@"; }

# irqs NAME ROUND: completion interrupts on vector 1 seen by the guest
# (idxd-portal) and by the host (the vdev's IMS vector) during dmatest
irqs() {
	local g h
	g=$(r "$1" "r$2.irq.main") h=$(r "$1" "r$2.ims.main")
	echo "$1 boot $2: guest idxd-portal +${g:-?}, host vfio-ims[1] +${h:-?}" \
		"for $(r "$1" "r$2.tests.main") descriptors"
	[ "${g:-0}" -gt 0 ] && [ "${h:-0}" -gt 0 ]
}

# rebooted NAME: the second boot came after our system_reset (a VFIO
# reset of the vdev) and passed every step again
rebooted() {
	local s
	expect_eq "$1 boots" "$(r "$1" boots)" "$ROUNDS" &&
	expect_eq "$1 resets sent" "$(r "$1" resets)" $((ROUNDS - 1)) || return 1
	# a later boot checks less (guest-test.sh): what a reboot brings back
	for s in probe wq dmatest; do
		guest_check "$1" "$ROUNDS" "$s" || return 1
	done
	expect_eq "$1 boot $ROUNDS rc" "$(r "$1" "r$ROUNDS.rc")" 0
}

# The dedicated vdev's portal is mmapped: a descriptor goes from the
# guest's MOVDIR64B straight to the parent's IMS portal, and no access
# reaches the host. BAR0 register accesses are trapped (every register
# is emulated), so the count is taken only over the dmatest window, whose
# two samples the watcher takes while the guest waits for it (idle
# between them except for dmatest): "0" means that neither the submission
# of N descriptors nor their completion interrupts cost one trap.
no_trap_while_dmatest() {
	local i t n
	for i in $(seq "$ROUNDS"); do
		t=$(r dwq "r$i.trapped.main") n=$(r dwq "r$i.tests.main")
		echo "boot $i: $n descriptors, ${t:-?} trapped accesses"
		[ -n "$n" ] && [ "$t" = 0 ] || return 1
	done
}

# The shared vdev's portal is trapped: QEMU forwards the guest's 64-byte
# MOVDIR64B as MMIO writes, each one a pwrite to the vdev. QEMU's memory
# core splits it into 8-byte pieces (vfio's region ops take at most 8):
# 8 per descriptor, nothing else in the window.
eight_per_descriptor() {
	local g i t n
	for g in swq:1 swq2:1 swq2:2; do
		i=${g#*:} g=${g%:*}
		t=$(r "$g" "r$i.trapped.main") n=$(r "$g" "r$i.tests.main")
		echo "$g boot $i: ${n:-?} descriptors, ${t:-?} trapped accesses" \
			"($(awk "BEGIN { if (${n:-0}) printf \"%.2f\", ${t:-0} / $n }") per descriptor)"
		[ -n "$n" ] && [ -n "$t" ] && [ "$t" -eq $((8 * n)) ] || return 1
	done
}

# Every guest kernel message is on its console (init sets the console
# level to 7; loglevel=5 before it still shows warnings and worse).
no_guest_splat() {
	"$HERE/../vm/run" --check-console "$LOGS/$1/serial.log"
}

# figures: printed as comments, with their conditions
figures() {
	local n i k
	echo "# nested guests: $QEMU, TCG in the bench VM (itself TCG), -m 256 -smp 1, qboot;"
	echo "# booted one at a time, dwq's and swq's first dmatest together, with the"
	echo "# host's dmatest (niced) on wq0.3; seconds from each QEMU's start"
	for n in dwq swq swq2; do
		for i in $(seq "$(r "$n" boots)" 2>/dev/null); do
			printf '# %s boot %d:' "$n" "$i"
			for k in init probed first-result dmatest-done round-done; do
				printf ' %s %s' "$k" "$(r "$n" "r$i.t.$k")"
			done
			printf ' (guest uptime at init %s, at probe %s, at first result %s)\n' \
				"$(r "$n" "r$i.uptime.init")" "$(r "$n" "r$i.uptime.probed")" \
				"$(r "$n" "r$i.uptime.first-result")"
			sed -n "s/^r$i.summary=/#   $n boot $i: /p" "$LOGS/$n/result"
			printf '#   %s boot %d: %s descriptors, trapped accesses %s, guest irqs %s, host IMS irqs %s\n' \
				"$n" "$i" "$(r "$n" "r$i.tests.main")" "$(r "$n" "r$i.trapped.main")" \
				"$(r "$n" "r$i.irq.main")" "$(r "$n" "r$i.ims.main")"
		done
		echo "# $n: QEMU exited at $(r "$n" t.exit) s"
	done
}

# What libvirt made goes as a user takes it away: the domain undefined,
# the node device destroyed (unless the live-VM check removed it) and
# undefined (mdevctl stop and undefine); the shared vdev with sysfs if it
# is still there. The counts are back where they were.
remove_vdevs() {
	if $VIRSH dominfo "$DOMAIN" >/dev/null 2>&1; then
		$VIRSH undefine "$DOMAIN" || return 1
	fi
	[ ! -e "$MDEV/$UUID_D" ] || $VIRSH nodedev-destroy "$NODEDEV_D" || return 1
	$VIRSH nodedev-undefine "$NODEDEV_D" || return 1
	[ ! -e "$MDEV/$UUID_S" ] || echo 1 >"$MDEV/$UUID_S/remove" || return 1
	[ ! -e "$MDEV/$UUID_S" ] || { echo "$UUID_S still exists"; return 1; }
	[ ! -e "$MDEV/$UUID_D" ] || { echo "$UUID_D still exists"; return 1; }
	[ -z "$(mdevctl list -d)" ] || { echo "mdevctl still defines:"; mdevctl list -d; return 1; }
	expect_eq "$DTYPE available" "$(available "$DTYPE")" "$(cat "$TMP/avail-d")" &&
	expect_eq "$STYPE available" "$(available "$STYPE")" "$(cat "$TMP/avail-s")"
}

teardown() {
	libvirt_stop
	[ "$LOGS" = "$TMP/logs" ] || umount "$LOGS"
	echo wq0.3 >/sys/bus/dsa/drivers/dmaengine/unbind 2>/dev/null
	disable_all && rmmod idxd_vdev vfio_ims_irqs && unload_ours
}

check "configure: a dedicated and a shared WQ for vdevs, a host kernel WQ" configure
check "setup: dsa0 enabled, the WQs bound" setup
check "libvirt: nodedev-list shows the vdev types and their instances" libvirt_lists_types
check "a dsa-1dwq-v1 vdev defined and started by libvirt, a dsa-1swq-v1 one with sysfs" \
	create_vdevs
# Started here, not inside a check: check runs its function in a
# subshell, and the guests must outlive it.
gate dwq r1.main
start_domain dwq "$UUID_D" hold
check "dwq guest (libvirt domain) up to its dmatest: the stock idxd probed, the WQ set up" \
	wait_result dwq r1.t.ready-main
gate swq r1.main
gate swq r1.before-reload
gate swq r1.long
start_guest swq "$UUID_S" 1 hold "gt_long_iterations=$KILL_ITER"
check "swq guest (our QEMU) up to its dmatest, the dwq guest idle" \
	wait_result swq r1.t.ready-main
check "host dmatest started on its own WQ" start_host_dmatest
check "two guests at once (dwq a libvirt domain, swq our QEMU): their dmatest runs overlapped" \
	together
check "host dmatest ran all along the guests' dmatest with 0 failures" host_dmatest_passed
echo "# $(host_dmatest_figure), while the two guests ran theirs"
# (whatever that check found: neither guest may wait at its gate forever)
open_gate dwq r1.main
open_gate swq r1.main
for n in dwq swq; do
	check "$n guest: the stock idxd probed the vdev, no error" guest_check "$n" 1 probe
	check "$n guest: accel-config list shows dsa0 and wq0.0" guest_check "$n" 1 list
	check "$n guest: WQ configured as a kernel WQ and enabled (dma0chan0)" \
		guest_check "$n" 1 wq
	check "$n guest: dmatest memcpy ${THREADS}x$ITER verified, 0 failures" \
		step_done "$n" 1 dmatest
	check "$n guest: completion interrupts on vector 1, in the guest and on the host IMS vector" \
		irqs "$n" 1
done
check "dwq guest: rmmod/modprobe idxd, the WQ enabled again, dmatest passes" \
	step_done dwq 1 reload
check "dwq vdev removed under its live libvirt domain: QEMU unplugged it, the domain runs on" \
	remove_under_domain
check "dwq guest: after system_reset it rebooted, probed and passed dmatest again" \
	rebooted dwq
release dwq
wait_domain dwq
open_gate swq r1.before-reload
check "swq guest: rmmod/modprobe idxd, the WQ enabled again, dmatest passes" \
	step_done swq 1 reload
check "SIGKILL of QEMU during the guest's dmatest: QEMU gone, the vdev kept" \
	kill_during_dmatest
# (if that check failed before its SIGKILL, the guest is still there)
kill -KILL "$(cat "$TMP/swq/qemu.real.pid" 2>/dev/null)" 2>/dev/null
wait_guest swq
start_guest swq2 "$UUID_S" "$ROUNDS" hold "gt_reload=0"
check "the vdev reused after the SIGKILL: a second guest probed it and passed dmatest" \
	second_guest
check "swq2 guest: after system_reset it rebooted, probed and passed dmatest again" \
	rebooted swq2
check "swq vdev removed while QEMU holds it: request relayed, the removal waits, then completes" \
	remove_under_qemu
wait_guest swq2
check "the guests not killed ran $ROUNDS boots each and quit at our quit" guests_ran
check "dwq vdev: no trapped access while the guest runs dmatest (portal mmapped)" \
	no_trap_while_dmatest
check "swq vdev: 8 trapped accesses per descriptor (8-byte pieces of each 64-byte write)" \
	eight_per_descriptor
for n in dwq swq swq2; do
	check "$n guest: no kernel splat on its console" no_guest_splat "$n"
done
figures
check "domain undefined, vdevs destroyed and undefined (libvirt) or removed, instances back" \
	remove_vdevs
check "teardown: modules unload" teardown
rm -rf "$TMP"
finish_checks
