#!/bin/bash
# make demo: the main job. One emulated DSA serves the host and a VM at
# once: in the bench VM our driver gives the host a kernel WQ (dmatest
# copies through dmaengine) and a dedicated WQ to a vdev, which QEMU's
# vfio-pci passes to a nested guest running Debian 12's stock kernel and
# idxd driver (its own dmatest). Prints both sides' figures.
#
# Cost: the nested TCG boot dominates. 2026-12-03, warm, nothing else
# running, from a clean clone: 8 min 44 s in all; the guest reached init
# 217.8 s after its QEMU started and probed idxd at 258.6 s. A cold machine
# first builds the bench (about 25 minutes).
set -euo pipefail
. "$(dirname "$0")/build/common.sh"
. "$TOP/tests/lib/suite.sh"
"$TOP/tests/build/env.sh" >/dev/null
# shellcheck source=guest/prepare.sh
. "$TOP/tests/guest/prepare.sh"
guest_work 3600
# one vCPU for the nested guest, one for the host's side
"$TOP/tests/vm/run" --timeout 4200 --mem 2G \
	"$TOP/tests/demo/in-vm.sh" "$PARENT_KMOD" "$PARENT_KMOD/../../vfio/mdev" \
	"$GUEST_WORK/guest.env"
