#!/bin/bash
# vdevs (drivers/vfio/mdev) on the DSA model, inside the bench VM: two
# dedicated WQs handed to the vdev driver with Debian's accel-config, vdevs
# created with the mdev sysfs and with Debian's mdevctl, then driven by the
# VFIO client (vdev_test) through type1 containers and mmapped portals.
#
# usage: in-vm.sh KMOD_DIR VDEV_KO VDEV_TEST
#   KMOD_DIR   drivers/dma/idxd of the module build (see tests/lib/dsa.sh)
#   VDEV_KO    idxd_vdev.ko;  VDEV_TEST  the vdev_test binary
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
KMOD_DIR=${1:?usage: in-vm.sh KMOD_DIR VDEV_KO VDEV_TEST}
VDEV_KO=${2:?usage: in-vm.sh KMOD_DIR VDEV_KO VDEV_TEST}
VDEV_TEST=${3:?usage: in-vm.sh KMOD_DIR VDEV_KO VDEV_TEST}
# shellcheck source=../lib/checks.sh
. "$HERE/../lib/checks.sh"
# shellcheck source=../lib/dsa.sh
. "$HERE/../lib/dsa.sh"

# mdev names types "<parent driver>-<type>": the PCI driver is siov_idxd
TYPE=siov_idxd-dsa-1dwq-v1
UUID_A=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f01
UUID_B=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f02
UUID_C=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f03
# check runs each function in a subshell: what they share is set here.
PCIDEV=$(dsa_pci_dir)
BDF=$(basename "$PCIDEV")
TYPEDIR=$PCIDEV/mdev_supported_types/$TYPE

available() { cat "$TYPEDIR/available_instances"; }

setup() {
	load_ours "$KMOD_DIR" && modprobe mdev && insmod "$VDEV_KO" || return 1
	config_dwq wq0.0 vdev0 vdev user &&
	config_dwq wq0.1 vdev1 vdev user &&
	accel-config enable-device dsa0 || return 1
	# the WQs stay disabled until a vdev user opens them: enable-wq
	# binds them, and accel-config checks for "enabled" afterwards
	accel-config enable-wq dsa0/wq0.0 dsa0/wq0.1
	expect_eq "wq0.0 driver" "$(basename "$(readlink "$DSA/wq0.0/driver")")" vdev &&
	expect_eq "wq0.1 driver" "$(basename "$(readlink "$DSA/wq0.1/driver")")" vdev
}

types_published() {
	[ -d "$TYPEDIR" ] || { ls "$PCIDEV/mdev_supported_types" 2>&1; return 1; }
	expect_eq "device_api" "$(cat "$TYPEDIR/device_api")" vfio-pci &&
	expect_eq "available_instances" "$(available)" 2
}

create_with_sysfs_and_mdevctl() {
	echo "$UUID_A" >"$TYPEDIR/create" || return 1
	expect_eq "available after one" "$(available)" 1 || return 1
	mdevctl start -u "$UUID_B" -p "$BDF" -t "$TYPE" || return 1
	expect_eq "available after two" "$(available)" 0 || return 1
	mdevctl list | grep -q "$UUID_A" && mdevctl list | grep -q "$UUID_B" ||
		{ echo "mdevctl list:"; mdevctl list; return 1; }
}

no_free_wq_refused() {
	if echo "$UUID_C" >"$TYPEDIR/create" 2>/dev/null; then
		echo "a third vdev was created with two WQs"; return 1
	fi
	[ ! -e "/sys/bus/mdev/devices/$UUID_C" ] || { echo "$UUID_C exists"; return 1; }
	expect_eq "available" "$(available)" 0
}

vfio_client() {
	VDEV_A=$UUID_A VDEV_B=$UUID_B "$VDEV_TEST"
}

wq_disabled_after_close() {
	expect_eq "wq0.0 state" "$(attr wq0.0 state)" disabled &&
	expect_eq "wq0.1 state" "$(attr wq0.1 state)" disabled
}

remove_with_sysfs_and_mdevctl() {
	echo 1 >"/sys/bus/mdev/devices/$UUID_A/remove" || return 1
	mdevctl stop -u "$UUID_B" || return 1
	[ ! -e "/sys/bus/mdev/devices/$UUID_A" ] && [ ! -e "/sys/bus/mdev/devices/$UUID_B" ] ||
		{ ls /sys/bus/mdev/devices; return 1; }
	expect_eq "available" "$(available)" 2
}

teardown() {
	local wq
	for wq in wq0.0 wq0.1; do
		echo "$wq" >"/sys/bus/dsa/drivers/vdev/unbind" || return 1
	done
	[ ! -d "$PCIDEV/mdev_supported_types" ] || { echo "types still published"; return 1; }
	disable_all && rmmod idxd_vdev && unload_ours
}

check "setup: two dedicated WQs bound to the vdev driver" setup
check "mdev type published with 2 instances" types_published
check "vdevs created with the mdev sysfs and with mdevctl" create_with_sysfs_and_mdevctl
check "a vdev with no free WQ is refused" no_free_wq_refused
check "VFIO client: memmove/fill/compare through mmapped portals, faults, isolation" vfio_client
check "WQs disabled again once the client closed" wq_disabled_after_close
check "vdevs removed with the mdev sysfs and with mdevctl" remove_with_sysfs_and_mdevctl
check "WQ unbind takes the mdev parent away; modules unload" teardown
finish_checks
