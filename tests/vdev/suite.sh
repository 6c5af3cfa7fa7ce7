#!/bin/bash
# Suite "vdev": DSA WQs as mediated VFIO devices (drivers/vfio/mdev) over
# the vfio/type1 PASID patch (patches/linux/0006), driven by Debian's
# accel-config and mdevctl and by a VFIO client on the kselftest harness
# (tests/vdev/vdev_test.c). Needs bench.env (tests/build/env.sh).
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"
. "$TOP/tests/host/build.sh"

load_bench_env
build_parent
out="$IDXD_SIOV_CACHE/vdev-test"
mkdir -p "$out"
gcc -O2 -Wall -I"$KSRC/tools/testing/selftests" \
	-o "$out/vdev_test" "$TOP/tests/vdev/vdev_test.c"

run_vm_suite vdev --timeout 1800 -- "$TOP/tests/vdev/in-vm.sh" \
	"$PARENT_KMOD" "$PARENT_KMOD/../../vfio/mdev/idxd_vdev.ko" "$out/vdev_test"
