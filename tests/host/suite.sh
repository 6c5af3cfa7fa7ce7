#!/bin/bash
# Suite "host": our parent driver (drivers/dma/idxd) built against the
# bench kernel and driven in the VM by Debian's accel-config. The sources
# are copied to the cache and built there, so no object lands in the
# checkout. Needs bench.env (tests/build/env.sh).
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"

load_bench_env
build="$IDXD_SIOV_CACHE/parent-build"
# The Makefile finds include/linux/idxd_siov.h three levels up.
sync_tree "$TOP/include" "$build/include"
sync_tree "$TOP/drivers/dma/idxd" "$build/drivers/dma/idxd"
make -s -C "$KBUILD" M="$build/drivers/dma/idxd" W=1 C=1 modules >&2

run_vm_suite host --timeout 2400 -- "$TOP/tests/host/in-vm.sh" \
	"$build/drivers/dma/idxd"
