#!/bin/bash
# Suite "host": our parent driver (drivers/dma/idxd) built against the
# bench kernel (tests/host/build.sh) and driven in the VM by Debian's
# accel-config. Needs bench.env (tests/build/env.sh).
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"
. "$TOP/tests/host/build.sh"

load_bench_env
build_parent

run_vm_suite host --timeout 2400 -- "$TOP/tests/host/in-vm.sh" "$PARENT_KMOD"
