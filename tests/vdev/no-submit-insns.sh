#!/bin/bash
# On a CPU without MOVDIR64B and ENQCMD(S) (the bench VM started with
# -cpu max,movdir64b=off,enqcmd=off, see suite.sh), no driver of ours may
# take a WQ it would have to submit to with them: the host would take #UD
# in the kernel on the first descriptor. Each refuses at bind, with the
# instruction named; what needs neither (a dedicated vdev whose portal is
# mapped into the guest) still works.
#
# usage: no-submit-insns.sh KMOD_DIR VDEV_DIR
#   KMOD_DIR   drivers/dma/idxd of the module build (see tests/lib/dsa.sh)
#   VDEV_DIR   drivers/vfio/mdev of the same build
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
USAGE="usage: no-submit-insns.sh KMOD_DIR VDEV_DIR"
KMOD_DIR=${1:?$USAGE}
VDEV_DIR=${2:?$USAGE}
# shellcheck source=../lib/checks.sh
. "$HERE/../lib/checks.sh"
# shellcheck source=../lib/dsa.sh
. "$HERE/../lib/dsa.sh"

DTYPE=siov_idxd-dsa-1dwq-v1
UUID=8a3c4e52-1f0b-4d6e-9a77-3b1c0d2e5f21
MDEV=/sys/bus/mdev/devices
PCIDEV=$(dsa_pci_dir)
TYPES=$PCIDEV/mdev_supported_types

setup() {
	if grep -qw movdir64b /proc/cpuinfo; then
		echo "the CPU has MOVDIR64B: this VM proves nothing"; return 1
	fi
	load_ours "$KMOD_DIR" && modprobe mdev &&
	insmod "$VDEV_DIR/vfio_ims_irqs.ko" && insmod "$VDEV_DIR/idxd_vdev.ko" ||
		return 1
	config_dwq wq0.0 host dmaengine kernel &&
	config_swq wq0.1 hosts dmaengine kernel &&
	config_swq wq0.2 vdevs vdev user &&
	config_dwq wq0.3 vdev0 vdev user &&
	accel-config enable-device dsa0
}

# bind_refused WQ DRIVER MESSAGE: binding fails, the WQ stays unbound and
# disabled, and the kernel says why
bind_refused() {
	dmesg -C
	if echo "$1" >"/sys/bus/dsa/drivers/$2/bind" 2>/dev/null; then
		echo "$1 bound to $2"; return 1
	fi
	[ ! -e "$DSA/$1/driver" ] || { echo "$1 has a driver"; return 1; }
	expect_eq "$1 state" "$(attr "$1" state)" disabled || return 1
	dmesg | grep -q "$3" || { echo "no '$3' in the log:"; dmesg | tail -n 5; return 1; }
}

dedicated_kernel_wq_refused() {
	bind_refused wq0.0 dmaengine "the CPU lacks MOVDIR64B"
}

shared_kernel_wq_refused() {
	bind_refused wq0.1 dmaengine "the CPU lacks ENQCMDS"
}

shared_vdev_wq_refused() {
	bind_refused wq0.2 vdev "the CPU lacks ENQCMDS"
}

# The guest writes descriptors itself into the mapped portal: the host
# needs neither instruction. The trapped type, which the host re-issues
# with MOVDIR64B, is refused.
dedicated_vdev_mapped_only() {
	echo wq0.3 >/sys/bus/dsa/drivers/vdev/bind || return 1
	echo "$UUID" >"$TYPES/$DTYPE/create" || return 1
	if echo dsa-1swq-v1 >"$MDEV/$UUID/vdev_type" 2>/dev/null; then
		echo "trapped type accepted without MOVDIR64B"; return 1
	fi
	expect_eq "vdev_type" "$(cat "$MDEV/$UUID/vdev_type")" dsa-1dwq-v1 &&
	echo 1 >"$MDEV/$UUID/remove"
}

teardown() {
	echo wq0.3 >/sys/bus/dsa/drivers/vdev/unbind 2>/dev/null
	disable_all && rmmod idxd_vdev vfio_ims_irqs && unload_ours
}

check "setup: a CPU without MOVDIR64B, our drivers loaded, dsa0 enabled" setup
check "a dedicated kernel WQ is refused (no MOVDIR64B)" dedicated_kernel_wq_refused
check "a shared kernel WQ is refused (no ENQCMDS)" shared_kernel_wq_refused
check "a shared vdev WQ is refused (no ENQCMDS)" shared_vdev_wq_refused
check "a dedicated vdev WQ serves mapped portals only" dedicated_vdev_mapped_only
check "teardown: modules unload" teardown
finish_checks
