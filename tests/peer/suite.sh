#!/bin/bash
# Suite "peer": the upstream idxd driver (built from linux-source-6.12 as
# a module, never committed), Debian's accel-config and dmatest drive the
# DSA model inside the bench VM. Needs bench.env (tests/build/env.sh).
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"

load_bench_env
kmod="$IDXD_SIOV_CACHE/peer-kmod"
sync_tree "$TOP/tests/peer/kmod" "$kmod"
make -s -C "$KBUILD" M="$kmod" CC="ccache gcc" modules >&2

run_vm_suite peer --timeout 2400 -- "$TOP/tests/peer/in-vm.sh" "$kmod"
