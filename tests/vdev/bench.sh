#!/bin/bash
# make bench SUITE=vdev: descriptors/s through a vdev's mmapped portal
# (dsa-1dwq-v1), through trapped portals (dsa-1swq-v1 on a shared WQ and
# on a dedicated one) and through the host's own kernel WQ, on the same
# DSA model in one VM, with the vdev/host ratio and the trapped accesses
# per descriptor. A benchmark, not a test: it prints figures.
#   BENCH_COUNT=N    memmoves per run (default 20000; the host WQ gets a quarter)
#   BENCH_ROUNDS=N   runs per cell, the best kept (default 3)
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"
. "$TOP/tests/host/build.sh"

"$TOP/tests/build/env.sh" >/dev/null
load_bench_env
build_parent
out="$IDXD_SIOV_CACHE/vdev-test"
build_vdev_clients "$out"

mapfile -t conds < <(bench_conditions)
log "bench vdev: one VM (a few minutes)"
"$TOP/tests/vm/run" --no-kmemleak --timeout 1800 -- "$TOP/tests/vdev/bench-in-vm.sh" \
	"$PARENT_KMOD" "$PARENT_KMOD/../../vfio/mdev" "$out" \
	"${BENCH_COUNT:-20000}" "${BENCH_ROUNDS:-3}" "${conds[@]}"
