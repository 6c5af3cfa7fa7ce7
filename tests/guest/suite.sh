#!/bin/bash
# Suite "guest": real VMs on vdevs. In the bench VM, two nested TCG guests
# at once, each with Debian 12's stock kernel, idxd.ko, accel-config and
# dmatest.ko (tests/guest/build.sh): one on a dsa-1dwq-v1 vdev that
# Debian's libvirt defines (nodedev-define, mdevctl underneath) and runs
# as a domain with our QEMU as its emulator, one on a dsa-1swq-v1 vdev
# that our QEMU's vfio-pci (Debian's code, unmodified) opens directly;
# each guest probes, configures and tests its vdev on two boots, a reset
# between them; then the teardown with live VMs: the dwq vdev removed
# under its running domain, an swq guest's QEMU SIGKILLed during dmatest,
# a second guest on that vdev, the vdev removed under its QEMU
# (tests/guest/in-vm.sh, nested.sh, guest-test.sh, watch.py, libvirt.sh).
# Needs bench.env (tests/build/env.sh).
#
# Cost: one bench VM run, dominated by nested TCG (a TCG guest inside a
# TCG guest), measured on the 2-core host on 2026-12-02:
# - with SeaBIOS and 512 MiB guests: 61 min (34 passed); the pair reached
#   init 602-621 s after their QEMUs started, a guest alone 245-251 s;
# - with qboot and 256 MiB (now): a guest alone reached init 123 s after
#   its QEMU started, its dmatest done at 170 s; the pair's phase took
#   40 min while make demo and make bench SUITE=guest shared the cores.
# Over CI's budget, hence on request only. A cold guest image build adds
# about a minute (downloads, see tests/guest/README). The nested consoles
# of the last run are kept in $IDXD_SIOV_CACHE/guest-logs (GUEST_LOGS).
# GUEST_PHASES=teardown runs only the live-VM teardown checks (minutes).
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"

work=$(mktemp -d)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
# shellcheck source=prepare.sh
. "$TOP/tests/guest/prepare.sh"
# each nested QEMU's limit (the first two guests boot twice, contended)
export GUEST_TIMEOUT=${GUEST_TIMEOUT:-3600}
guest_prepare "$work" "$TOP/tests/guest/guest-test.sh"

# The nested consoles come back through a writable 9p share (the VM's
# root is read-only) and are kept for a look after the run; GUEST_LOGS
# moves them (two runs at once must not share the directory).
logs=${GUEST_LOGS:-$IDXD_SIOV_CACHE/guest-logs}
rm -rf "$logs"
mkdir -p "$logs"

# --smp 2: one vCPU per nested guest (the host has two cores); 3 GiB: two
# guests of 512 MiB, pinned by VFIO, and their QEMUs, with room to spare
# (kmemleak scans in proportion to memory).
run_vm_suite guest --timeout "${GUEST_VM_TIMEOUT:-6000}" --mem 3G \
	--qemu-arg -virtfs \
	--qemu-arg "local,path=$logs,mount_tag=guest.logs,security_model=none" \
	-- "$TOP/tests/guest/in-vm.sh" \
	"$PARENT_KMOD" "$PARENT_KMOD/../../vfio/mdev" "$work/guest.env" guest.logs
