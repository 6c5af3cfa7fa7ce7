#!/bin/bash
# vdevs (drivers/vfio/mdev) on the DSA model, inside the bench VM. Debian's
# accel-config hands two dedicated WQs and a shared one to the vdev driver
# and a fourth WQ to the host's dmaengine; vdevs are created with the mdev
# sysfs and with Debian's mdevctl, driven by the VFIO client (vdev_test),
# then torn down while in use (vdev_user), with dmatest running on the
# host's WQ from before the first vdev is opened to after the last is gone.
#
# usage: in-vm.sh KMOD_DIR VDEV_DIR TEST_DIR
#   KMOD_DIR   drivers/dma/idxd of the module build (see tests/lib/dsa.sh)
#   VDEV_DIR   drivers/vfio/mdev of the same build
#   TEST_DIR   holds the vdev_test and vdev_user binaries
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
USAGE="usage: in-vm.sh KMOD_DIR VDEV_DIR TEST_DIR"
KMOD_DIR=${1:?$USAGE}
VDEV_DIR=${2:?$USAGE}
TEST_DIR=${3:?$USAGE}
# shellcheck source=../lib/checks.sh
. "$HERE/../lib/checks.sh"
# shellcheck source=../lib/dsa.sh
. "$HERE/../lib/dsa.sh"
# shellcheck source=../lib/host-dmatest.sh
. "$HERE/../lib/host-dmatest.sh"

# mdev names types "<parent driver>-<type>": the PCI driver is siov_idxd
DTYPE=siov_idxd-dsa-1dwq-v1
STYPE=siov_idxd-dsa-1swq-v1
UUID_A=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f01
UUID_B=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f02
UUID_C=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f03
UUID_S1=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f11
UUID_S2=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f12
MDEV=/sys/bus/mdev/devices
# check runs each function in a subshell: what they share is set here.
PCIDEV=$(dsa_pci_dir)
BDF=$(basename "$PCIDEV")
TYPES=$PCIDEV/mdev_supported_types
TMP=$(mktemp -d)

available() { cat "$TYPES/$1/available_instances"; }

# figure TEXT: a measured figure, printed after the checks (a passing
# check's own output is not shown)
FIGURES=$TMP/figures
figure() { echo "figure: $*" >>"$FIGURES"; }

Q=/sys/kernel/debug/idxd_siov/dsa0/quarantine
QMP_MARKER="idxd-siov-test: qmp"

# qmp_set PROPERTY VALUE: set a test hook of the DSA model. tests/vdev/
# suite.sh runs a watcher that sends the QMP command after the marker;
# it polls the console every 0.2 s.
qmp_set() {
	printf '%s {"execute": "qom-set", "arguments": {"path": "/machine/peripheral/dsa", "property": "%s", "value": %s}}\n' \
		"$QMP_MARKER" "$1" "$2" >/dev/kmsg
	sleep 2
}

configure() {
	load_ours "$KMOD_DIR" && modprobe mdev &&
	insmod "$VDEV_DIR/vfio_ims_irqs.ko" && insmod "$VDEV_DIR/idxd_vdev.ko" ||
		return 1
	config_dwq wq0.0 vdev0 vdev user &&
	config_dwq wq0.1 vdev1 vdev user &&
	config_swq wq0.2 vdevs vdev user &&
	config_dwq wq0.3 host dmaengine kernel &&
	config_dwq wq0.4 notuser vdev kernel
}

# A vdev WQ binds only while its device is enabled: a reset of a disabled
# device would wipe what its vdevs programmed (IMS slots) under them.
no_vdev_wq_on_a_disabled_device() {
	expect_eq "dsa0 state" "$(attr dsa0 state)" disabled || return 1
	if echo wq0.0 >/sys/bus/dsa/drivers/vdev/bind 2>/dev/null; then
		echo "wq0.0 bound to vdev while dsa0 is disabled"; return 1
	fi
	[ ! -e "$DSA/wq0.0/driver" ]
}

setup() {
	accel-config enable-device dsa0 || return 1
	# a dedicated vdev WQ stays disabled until its guest enables it:
	# enable-wq binds it (and complains that it is not "enabled")
	accel-config enable-wq dsa0/wq0.0 dsa0/wq0.1
	accel-config enable-wq dsa0/wq0.2 dsa0/wq0.3 || return 1
	local wq
	for wq in wq0.0 wq0.1 wq0.2; do
		expect_eq "$wq driver" "$(basename "$(readlink "$DSA/$wq/driver")")" vdev ||
			return 1
	done
	expect_eq "wq0.2 (shared) state" "$(attr wq0.2 state)" enabled &&
	expect_eq "wq0.3 state" "$(attr wq0.3 state)" enabled
}

# Only a user WQ can serve a guest: a kernel one would run its
# descriptors privileged.
no_vdev_on_a_kernel_wq() {
	if echo wq0.4 >/sys/bus/dsa/drivers/vdev/bind 2>/dev/null; then
		echo "kernel WQ wq0.4 bound to vdev"; return 1
	fi
	[ ! -e "$DSA/wq0.4/driver" ]
}

# A WQ bound to a driver is the driver's: every configuration write is
# refused (EBUSY) and changes nothing, even while it is disabled (a
# dedicated vdev WQ waits for its guest). It used to be possible to make
# a vdev's dedicated WQ shared or kernel, and its guest then chose the
# PASID and privilege of its descriptors.
bound_wq_config_is_read_only() {
	local a v before
	expect_eq "wq0.0 state" "$(attr wq0.0 state)" disabled || return 1
	for a in mode:shared type:kernel priority:3 size:8 name:other \
		 block_on_fault:1 max_batch_size:16 max_transfer_size:4096 \
		 group_id:-1 driver_name:dmaengine threshold:0 ats_disable:1 \
		 prs_disable:1; do
		v=${a#*:} a=${a%%:*}
		before=$(attr wq0.0 "$a")
		if echo "$v" >"$DSA/wq0.0/$a" 2>"$TMP/err"; then
			echo "wq0.0 $a=$v accepted while bound to vdev"; return 1
		fi
		grep -qi busy "$TMP/err" || { echo "$a: $(cat "$TMP/err")"; return 1; }
		expect_eq "wq0.0 $a" "$(attr wq0.0 "$a")" "$before" || return 1
	done
}

types_published() {
	[ -d "$TYPES/$DTYPE" ] && [ -d "$TYPES/$STYPE" ] || { ls "$TYPES" 2>&1; return 1; }
	expect_eq "device_api" "$(cat "$TYPES/$DTYPE/device_api")" vfio-pci &&
	expect_eq "$DTYPE available" "$(available $DTYPE)" 2 &&
	expect_eq "$STYPE available" "$(available $STYPE)" 4
}

create_with_sysfs_and_mdevctl() {
	echo "$UUID_A" >"$TYPES/$DTYPE/create" || return 1
	expect_eq "$DTYPE available after one" "$(available $DTYPE)" 1 || return 1
	mdevctl start -u "$UUID_B" -p "$BDF" -t "$DTYPE" || return 1
	expect_eq "$DTYPE available after two" "$(available $DTYPE)" 0 || return 1
	echo "$UUID_S1" >"$TYPES/$STYPE/create" &&
	mdevctl start -u "$UUID_S2" -p "$BDF" -t "$STYPE" || return 1
	expect_eq "$STYPE available after two" "$(available $STYPE)" 2 || return 1
	local u
	for u in "$UUID_A" "$UUID_B" "$UUID_S1" "$UUID_S2"; do
		mdevctl list | grep -q "$u" || { echo "mdevctl list lacks $u"; mdevctl list; return 1; }
	done
}

no_free_wq_refused() {
	if echo "$UUID_C" >"$TYPES/$DTYPE/create" 2>/dev/null; then
		echo "a third dedicated vdev was created with two WQs"; return 1
	fi
	[ ! -e "$MDEV/$UUID_C" ] || { echo "$UUID_C exists"; return 1; }
	expect_eq "available" "$(available $DTYPE)" 0
}

# write_refused UUID VALUE: writing vdev_type fails and changes nothing
write_refused() {
	local before
	before=$(cat "$MDEV/$1/vdev_type")
	if echo "$2" >"$MDEV/$1/vdev_type" 2>/dev/null; then
		echo "vdev_type '$2' accepted on $1"; return 1
	fi
	expect_eq "$1 vdev_type" "$(cat "$MDEV/$1/vdev_type")" "$before"
}

type_attribute_while_closed() {
	expect_eq "A vdev_type" "$(cat "$MDEV/$UUID_A/vdev_type")" dsa-1dwq-v1 &&
	expect_eq "S1 vdev_type" "$(cat "$MDEV/$UUID_S1/vdev_type")" dsa-1swq-v1 &&
	write_refused "$UUID_A" dsa-9xyz-v1 &&
	write_refused "$UUID_A" "" &&
	# a shared WQ's portal can never be mapped into a guest
	write_refused "$UUID_S1" dsa-1dwq-v1 || return 1
	# a dedicated WQ can serve a trapped portal, and go back
	echo dsa-1swq-v1 >"$MDEV/$UUID_A/vdev_type" &&
	expect_eq "A vdev_type" "$(cat "$MDEV/$UUID_A/vdev_type")" dsa-1swq-v1 &&
	VDEV_S1=$UUID_A VDEV_S2=$UUID_S2 "$TEST_DIR/vdev_test" \
		-t trapped_portal_is_never_mapped -t descriptor_in_eight_pieces &&
	echo dsa-1dwq-v1 >"$MDEV/$UUID_A/vdev_type" &&
	expect_eq "A vdev_type" "$(cat "$MDEV/$UUID_A/vdev_type")" dsa-1dwq-v1
}

# The host's own kernel WQ runs dmatest from here to host_dmatest_passed
# (tests/lib/host-dmatest.sh).
start_host_dmatest() { host_dmatest_start wq0.3; }

# kselftest: every test ran and passed (a skip is not a pass)
vfio_client() {
	local out rc=0
	out=$(VDEV_A=$UUID_A VDEV_B=$UUID_B VDEV_S1=$UUID_S1 VDEV_S2=$UUID_S2 \
		"$TEST_DIR/vdev_test" 2>&1) || rc=$?
	echo "$out"
	[ "$rc" -eq 0 ] && grep -Eq '^# Totals: pass:[1-9][0-9]* fail:0 xfail:0 xpass:0 skip:0 error:0' <<<"$out"
}

wqs_disabled_after_close() {
	expect_eq "wq0.0 state" "$(attr wq0.0 state)" disabled &&
	expect_eq "wq0.1 state" "$(attr wq0.1 state)" disabled &&
	expect_eq "wq0.2 (shared) state" "$(attr wq0.2 state)" enabled
}

# start_holder NAME UUID [LINGER_MS]: vdev_user hold in the background;
# waits until it runs. Its pid is in $TMP/NAME.pid, its output in
# $TMP/NAME.out.
start_holder() {
	local _
	rm -f "$TMP/$1.ready"
	"$TEST_DIR/vdev_user" hold "$2" "$TMP/$1.ready" ${3:+"$3"} >"$TMP/$1.out" 2>&1 &
	echo $! >"$TMP/$1.pid"
	for _ in $(seq 300); do
		[ -e "$TMP/$1.ready" ] && return 0
		kill -0 "$(cat "$TMP/$1.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "holder $1 did not start:"; cat "$TMP/$1.out"; return 1
}

# holder_done NAME: the holder exited 0 after a device request
holder_done() {
	local rc=0
	wait "$(cat "$TMP/$1.pid")" || rc=$?
	cat "$TMP/$1.out"
	[ "$rc" -eq 0 ] && grep -q "device request" "$TMP/$1.out"
}

# Removing a vdev in use asks its user (request interrupt) and waits.
remove_while_open() {
	start_holder a "$UUID_A" || return 1
	write_refused "$UUID_A" dsa-1swq-v1 || { kill "$(cat "$TMP/a.pid")"; return 1; }
	if ! timeout 60 sh -c "echo 1 >$MDEV/$UUID_A/remove"; then
		echo "remove did not finish"; kill "$(cat "$TMP/a.pid")"; return 1
	fi
	holder_done a && [ ! -e "$MDEV/$UUID_A" ] &&
	expect_eq "$DTYPE available" "$(available $DTYPE)" 1
}

# Closing with descriptors in flight aborts them; the vdev stays usable.
close_under_load() {
	"$TEST_DIR/vdev_user" flood "$UUID_B" 20 &&
	"$TEST_DIR/vdev_user" flood "$UUID_S1" 20 &&
	"$TEST_DIR/vdev_user" bench "$UUID_B" 50 4096 &&
	"$TEST_DIR/vdev_user" bench "$UUID_S1" 50 4096
}

# A guest can cause software errors at will; the host logs them
# ratelimited, and forwards every one to the guest.
swerr_log_is_ratelimited() {
	local before lines
	before=$(cat "$MDEV/$UUID_B/swerrs")
	echo "idxd-siov-test: software error flood" >/dev/kmsg
	"$TEST_DIR/vdev_user" swerrs "$UUID_B" 100 || return 1
	expect_eq "software errors forwarded" \
		$(($(cat "$MDEV/$UUID_B/swerrs") - before)) 100 || return 1
	lines=$(dmesg | sed -n '/idxd-siov-test: software error flood/,$p' |
		grep -c 'software error 0x')
	figure "100 guest software errors (each waited for) took $lines host log lines"
	[ "$lines" -le 50 ]
}

# A shared WQ answers ENQCMDS "retry" when full, which a guest that sees
# a dedicated WQ cannot hear: the vdev keeps such descriptors in order
# and re-issues them, and one beyond the guest's WQ size comes back as
# the overflow software error. With the engines paused, S1 fills the WQ,
# S2's 16 wait in its backlog; once resumed all 32 complete.
trapped_backlog_loses_nothing() {
	local i rc=0
	rm -f "$TMP/backlog.ready" "$TMP/backlog.go"
	qmp_set x-engines-paused true
	"$TEST_DIR/vdev_user" backlog "$UUID_S1" "$UUID_S2" "$TMP/backlog.ready" \
		"$TMP/backlog.go" >"$TMP/backlog.out" 2>&1 &
	for i in $(seq 600); do
		[ -e "$TMP/backlog.ready" ] && break
		kill -0 $! 2>/dev/null || break
		sleep 0.1
	done
	qmp_set x-engines-paused false
	touch "$TMP/backlog.go"
	wait $! || rc=1
	cat "$TMP/backlog.out"
	figure "$(grep '^backlog:' "$TMP/backlog.out")"
	return $rc
}

# A WQ being unbound is given to no new vdev: it is off its parent's list
# before its vdevs are asked to go (it used to be handed out, and freed
# under the new vdev). S1's user takes 4 s to let go.
no_vdev_on_a_wq_being_unbound() {
	local unbind rc=0
	start_holder s1 "$UUID_S1" 4000 || return 1
	timeout 60 sh -c "echo wq0.2 >/sys/bus/dsa/drivers/vdev/unbind" &
	unbind=$!
	sleep 1.5
	expect_eq "$STYPE available while wq0.2 goes" "$(available $STYPE)" 0 || rc=1
	if echo "$UUID_C" >"$TYPES/$STYPE/create" 2>/dev/null; then
		echo "a vdev was created on wq0.2 while it was being unbound"
		echo 1 >"$MDEV/$UUID_C/remove"
		rc=1
	fi
	wait "$unbind" || { echo "unbind of wq0.2 failed"; rc=1; }
	holder_done s1 || rc=1
	# back as it was: wq0.2 bound, S1 and S2 on it. A driverless mdev
	# cannot be bound again (the mdev bus matches no driver by itself):
	# they are created anew.
	echo 1 >"$MDEV/$UUID_S1/remove" && echo 1 >"$MDEV/$UUID_S2/remove" &&
	accel-config enable-wq dsa0/wq0.2 &&
	echo "$UUID_S1" >"$TYPES/$STYPE/create" &&
	echo "$UUID_S2" >"$TYPES/$STYPE/create" || rc=1
	return $rc
}

# A command that never completes (the model's x-hang-cmd: the vdev's
# Abort WQ at close) leaves the device's state unknown: the driver issues
# no command on top of it (the model would halt), quarantines the vdev's
# IMS vector and PASID, resets the function, and only then releases
# them. The device then works again.
hung_command_quarantines_until_reset() {
	local q i
	config_dwq wq0.0 vdev0 vdev user && accel-config enable-device dsa0 &&
	echo wq0.0 >/sys/bus/dsa/drivers/vdev/bind &&
	echo "$UUID_A" >"$TYPES/$DTYPE/create" || return 1
	start_holder a "$UUID_A" || return 1
	dmesg -C
	qmp_set x-hang-cmd 9	# Abort WQ
	if ! timeout 60 sh -c "echo 1 >$MDEV/$UUID_A/remove"; then
		echo "remove did not finish"; kill "$(cat "$TMP/a.pid")"; return 1
	fi
	holder_done a || return 1
	for i in $(seq 120); do
		q=$(cat "$Q")
		grep -q '^stop_unconfirmed: 0' <<<"$q" &&
			grep -q '^released: [1-9]' <<<"$q" && break
		sleep 0.5
	done
	echo "$q"
	figure "hung Abort WQ: quarantine $(tr '\n' ' ' <<<"$q")after $((i / 2)) s"
	grep -q '^quarantined: [2-9]' <<<"$q" && grep -q '^stop_unconfirmed: 0' <<<"$q" &&
	! grep -qE '^(pasid|ims|memory)' <<<"$q" ||
		{ echo "not quarantined and released:"; dmesg | tail -n 20; return 1; }
	expect_eq "released" "$(sed -n 's/^released: //p' <<<"$q")" \
		"$(sed -n 's/^quarantined: //p' <<<"$q")" || return 1
	! dmesg | grep -q 'device halted' ||
		{ echo "a command was written on top of the hung one"; return 1; }
	dmesg | grep -q 'dsa0: reset done, configuration kept' ||
		{ echo "no function reset"; dmesg | tail -n 20; return 1; }
	expect_eq "dsa0 state" "$(attr dsa0 state)" disabled &&
	expect_eq "wq0.0 size" "$(attr wq0.0 size)" 16 || return 1
	# and everything works again
	accel-config enable-device dsa0 &&
	echo wq0.0 >/sys/bus/dsa/drivers/vdev/bind &&
	echo "$UUID_A" >"$TYPES/$DTYPE/create" &&
	"$TEST_DIR/vdev_user" bench "$UUID_A" 20 4096 &&
	echo 1 >"$MDEV/$UUID_A/remove"
}

# unbind_wq WQ: unbind it from the vdev driver within 60 s
unbind_wq() {
	timeout 60 sh -c "echo $1 >/sys/bus/dsa/drivers/vdev/unbind" && return 0
	echo "unbind $1 did not finish"
	return 1
}

# Unbinding a vdev WQ asks the users of its open vdevs to let go and
# leaves its vdevs driverless; the last one takes the mdev parent, and
# with it every mdev, away. Nothing hangs.
parent_unbind_while_open() {
	start_holder b "$UUID_B" && start_holder s1 "$UUID_S1" || return 1
	unbind_wq wq0.0 && unbind_wq wq0.1 ||
		{ kill "$(cat "$TMP/b.pid")" "$(cat "$TMP/s1.pid")"; return 1; }
	holder_done b || { kill "$(cat "$TMP/s1.pid")"; return 1; }
	[ -e "$MDEV/$UUID_B" ] && [ ! -e "$MDEV/$UUID_B/driver" ] ||
		{ echo "B should stay, driverless"; ls "$MDEV/$UUID_B"; kill "$(cat "$TMP/s1.pid")"; return 1; }
	unbind_wq wq0.2 || { kill "$(cat "$TMP/s1.pid")"; return 1; }
	holder_done s1 || return 1
	[ ! -d "$TYPES" ] || { echo "types still published"; return 1; }
	[ -z "$(ls $MDEV)" ] || { echo "mdevs left:"; ls $MDEV; return 1; }
}

# Unbinding the parent PCI driver with vdevs open: their users are asked,
# the WQs, the mdev parent and the mdevs go away, nothing hangs; the
# driver binds again to a fresh device.
pci_unbind_while_open() {
	local drv=/sys/bus/pci/drivers/siov_idxd
	accel-config enable-wq dsa0/wq0.0 >/dev/null 2>&1	# stays disabled
	accel-config enable-wq dsa0/wq0.2 &&
	echo "$UUID_A" >"$TYPES/$DTYPE/create" &&
	echo "$UUID_S1" >"$TYPES/$STYPE/create" || return 1
	start_holder a "$UUID_A" && start_holder s1 "$UUID_S1" || return 1
	if ! timeout 120 sh -c "echo $BDF >$drv/unbind"; then
		echo "PCI unbind did not finish"
		kill "$(cat "$TMP/a.pid")" "$(cat "$TMP/s1.pid")"
		return 1
	fi
	holder_done a && holder_done s1 || return 1
	[ -z "$(ls $MDEV)" ] || { echo "mdevs left:"; ls $MDEV; return 1; }
	[ ! -e "$DSA/dsa0" ] || { echo "dsa0 still there"; return 1; }
	echo "$BDF" >"$drv/bind" &&
	expect_eq "dsa0 state after rebind" "$(attr dsa0 state)" disabled
}

teardown() {
	echo wq0.3 >/sys/bus/dsa/drivers/dmaengine/unbind 2>/dev/null
	disable_all && rmmod idxd_vdev vfio_ims_irqs && unload_ours
}

check "configure: 2 dedicated + 1 shared WQ for vdevs, 1 host kernel WQ" configure
check "no vdev WQ binds while its device is disabled" no_vdev_wq_on_a_disabled_device
check "setup: dsa0 enabled, the WQs bound" setup
check "a kernel WQ is refused by the vdev driver" no_vdev_on_a_kernel_wq
check "a bound WQ's configuration is read-only (EBUSY, unchanged)" \
	bound_wq_config_is_read_only
check "mdev types published: 2 dedicated, 4 shared instances" types_published
check "vdevs created with the mdev sysfs and with mdevctl" create_with_sysfs_and_mdevctl
check "a vdev with no free WQ is refused" no_free_wq_refused
check "vdev_type: bad types refused, dedicated <-> trapped while closed" \
	type_attribute_while_closed
check "host dmatest started on its own WQ" start_host_dmatest
check "VFIO client: registers, interrupts, DMA, faults, isolation, resets" vfio_client
check "dedicated WQs disabled again once the client closed" wqs_disabled_after_close
check "removing an open vdev asks its user and finishes (type locked while open)" \
	remove_while_open
check "closing with descriptors in flight, 20 times per vdev" close_under_load
check "100 guest software errors: all forwarded, the host log ratelimited" \
	swerr_log_is_ratelimited
check "trapped portal on a full shared WQ: backlog in order, overflow reported" \
	trapped_backlog_loses_nothing
check "no vdev is created on a WQ being unbound" no_vdev_on_a_wq_being_unbound
check "unbinding the vdev WQs with vdevs open finishes; users asked" \
	parent_unbind_while_open
check "host dmatest ran throughout with 0 failures" host_dmatest_passed
check "unbinding the parent PCI driver with vdevs open finishes; users asked" \
	pci_unbind_while_open
check "a hung command: PASID and IMS quarantined until the function reset" \
	hung_command_quarantines_until_reset
check "teardown: modules unload" teardown
figure "$(host_dmatest_figure)"
[ ! -f "$FIGURES" ] || cat "$FIGURES"
rm -rf "$TMP"
finish_checks
