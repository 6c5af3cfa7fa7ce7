#!/bin/bash
# Suite "guest": real VMs on vdevs. In the bench VM, our QEMU binary (its
# vfio-pci is Debian's, unmodified) runs two nested TCG guests at once,
# one on a dsa-1dwq-v1 vdev and one on a dsa-1swq-v1 vdev, each with
# Debian 12's stock kernel, idxd.ko, accel-config and dmatest.ko
# (tests/guest/build.sh); each guest probes, configures and tests its vdev
# on two boots, a QMP system_reset between them (tests/guest/in-vm.sh,
# guest-test.sh, watch.py). Needs bench.env (tests/build/env.sh).
#
# Cost: one bench VM run, dominated by nested TCG (a TCG guest inside a
# TCG guest): about 10-15 minutes on an idle 2-core host, more when
# other suites share the cores; a cold guest image build adds about 35 s
# (downloads, see tests/guest/README). The nested consoles of the last
# run are kept in $IDXD_SIOV_CACHE/guest-logs/.
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"
. "$TOP/tests/host/build.sh"

load_bench_env
build_parent
"$TOP/tests/guest/build.sh" >/dev/null
genv=$IDXD_SIOV_CACHE/guest/current.env
GUEST_VMLINUX='' GUEST_INITRD='' GUEST_APPEND_FILE=''
while IFS='=' read -r key val; do
	case "$key" in
	GUEST_VMLINUX|GUEST_INITRD|GUEST_APPEND_FILE) printf -v "$key" '%s' "$val" ;;
	esac
done <"$genv"

work=$(mktemp -d)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
# The guest's initramfs: the base image and our test, made here on the
# host (the VM sees this directory read-only through its 9p root).
"$TOP/tests/guest/mkcpio.sh" "$TOP/tests/guest/guest-test.sh" "$work/test.cpio"
cat "$GUEST_INITRD" "$work/test.cpio" >"$work/initrd.cpio"
# Copies, not the cache's files: a concurrent build may replace those
# while the VM runs (QEMU is the bench's own binary, the one tests/vm/run
# runs).
cp "$QEMU" "$work/qemu-system-x86_64"
cp "$GUEST_VMLINUX" "$work/vmlinux"
cp "$GUEST_APPEND_FILE" "$work/cmdline"
{
	echo "QEMU=$work/qemu-system-x86_64"
	echo "GUEST_VMLINUX=$work/vmlinux"
	echo "GUEST_INITRD=$work/initrd.cpio"
	echo "GUEST_APPEND_FILE=$work/cmdline"
	echo "GUEST_TIMEOUT=${GUEST_TIMEOUT:-1500}"
	# extra guest command line, for a look at a run (e.g. initcall_debug
	# gt_profile=1, see guest-test.sh)
	echo "GUEST_APPEND=${GUEST_APPEND:-}"
} >"$work/guest.env"

# The nested consoles come back through a writable 9p share (the VM's
# root is read-only) and are kept for a look after the run.
logs=$IDXD_SIOV_CACHE/guest-logs
rm -rf "$logs"
mkdir -p "$logs"

# --smp 2: one vCPU per nested guest (the host has two cores); 3 GiB: two
# guests of 512 MiB, pinned by VFIO, and their QEMUs, with room to spare
# (kmemleak scans in proportion to memory).
run_vm_suite guest --timeout "${GUEST_VM_TIMEOUT:-2400}" --mem 3G \
	--qemu-arg -virtfs \
	--qemu-arg "local,path=$logs,mount_tag=guest.logs,security_model=none" \
	-- "$TOP/tests/guest/in-vm.sh" \
	"$PARENT_KMOD" "$PARENT_KMOD/../../vfio/mdev" "$work/guest.env" guest.logs
