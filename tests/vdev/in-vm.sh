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

# mdev names types "<parent driver>-<type>": the PCI driver is siov_idxd
DTYPE=siov_idxd-dsa-1dwq-v1
STYPE=siov_idxd-dsa-1swq-v1
UUID_A=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f01
UUID_B=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f02
UUID_C=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f03
UUID_S1=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f11
UUID_S2=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f12
MDEV=/sys/bus/mdev/devices
DMATEST=/sys/module/dmatest/parameters
# check runs each function in a subshell: what they share is set here.
PCIDEV=$(dsa_pci_dir)
BDF=$(basename "$PCIDEV")
TYPES=$PCIDEV/mdev_supported_types
TMP=$(mktemp -d)

available() { cat "$TYPES/$1/available_instances"; }

setup() {
	load_ours "$KMOD_DIR" && modprobe mdev &&
	insmod "$VDEV_DIR/vfio_ims_irqs.ko" && insmod "$VDEV_DIR/idxd_vdev.ko" ||
		return 1
	config_dwq wq0.0 vdev0 vdev user &&
	config_dwq wq0.1 vdev1 vdev user &&
	config_swq wq0.2 vdevs vdev user &&
	config_dwq wq0.3 host dmaengine kernel &&
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

# The host's own kernel WQ runs dmatest from here to host_dmatest_passed.
# A copy may take long on a 2-core TCG host busy with the vdev tests (speed
# is the benchmark's business): 30 s before dmatest calls it lost. A lost
# or failed copy, or wrong data, still fails the check.
start_host_dmatest() {
	local chan
	chan=$(dmesg | sed -n 's/.* wq0.3: dmaengine channel \(dma[0-9]*chan0\):.*/\1/p' | tail -n 1)
	[ -e "/sys/class/dma/$chan" ] || { echo "no channel for wq0.3"; return 1; }
	modprobe dmatest timeout=30000 iterations=0 threads_per_chan=1 &&
	echo "$chan" >"$DMATEST/channel" && echo 1 >"$DMATEST/run"
}

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

# start_holder NAME UUID: vdev_user hold in the background; waits until
# it runs. Its pid is in $TMP/NAME.pid, its output in $TMP/NAME.out.
start_holder() {
	local _
	rm -f "$TMP/$1.ready"
	"$TEST_DIR/vdev_user" hold "$2" "$TMP/$1.ready" >"$TMP/$1.out" 2>&1 &
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

# On failure, every dmatest line (each failed test says why) and what the
# IOMMU and the parent reported are shown.
host_dmatest_passed() {
	local summary
	echo 0 >"$DMATEST/run" && cat "$DMATEST/wait" >/dev/null
	summary=$(dmesg | grep 'dmatest: .*summary' | tail -n 1)
	rmmod dmatest || return 1
	grep -Eq 'summary [1-9][0-9]* tests, 0 failures' <<<"$summary" && return 0
	dmesg | grep -E 'dmatest:|DMAR|idxd|wq0\.3' | grep -v ' vdev: ' | tail -n 25
	return 1
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

check "setup: 2 dedicated + 1 shared WQ for vdevs, 1 host kernel WQ" setup
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
check "unbinding the vdev WQs with vdevs open finishes; users asked" \
	parent_unbind_while_open
check "host dmatest ran throughout with 0 failures" host_dmatest_passed
check "unbinding the parent PCI driver with vdevs open finishes; users asked" \
	pci_unbind_while_open
check "teardown: modules unload" teardown
rm -rf "$TMP"
finish_checks
