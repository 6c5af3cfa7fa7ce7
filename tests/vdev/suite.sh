#!/bin/bash
# Suite "vdev": DSA WQs as mediated VFIO devices (drivers/vfio/mdev) over
# the vfio/type1 PASID patch (patches/linux/0006), driven by Debian's
# accel-config and mdevctl and by VFIO clients (tests/vdev/vdev_test.c on
# the kselftest harness, tests/vdev/vdev_user.c). Needs bench.env
# (tests/build/env.sh).
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"
. "$TOP/tests/host/build.sh"

load_bench_env
build_parent
out="$IDXD_SIOV_CACHE/vdev-test"
build_vdev_clients "$out"

run_vm_suite vdev --timeout 2400 -- "$TOP/tests/vdev/in-vm.sh" \
	"$PARENT_KMOD" "$PARENT_KMOD/../../vfio/mdev" "$out"
