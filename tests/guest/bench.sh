#!/bin/bash
# make bench SUITE=guest: a real VM on each vdev type against the host's
# own WQ, in one bench VM run (tests/guest/bench-in-vm.sh): the guest's
# dmatest on dsa-1dwq-v1 and on dsa-1swq-v1 as ratios to the host's,
# trapped accesses per descriptor, and the time from the vdev's creation
# to the guest's first completed descriptor, split into its phases. A
# benchmark, not a test: it prints figures (nested TCG: they measure the
# emulators as much as our path; the conditions are printed with them).
#   BENCH_ITER=N   dmatest copies on the host and in each guest (default 200)
# Cost: two nested boots one after the other, each alone (see the
# figures it prints; tests/guest/suite.sh has the boot times).
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"

"$TOP/tests/build/env.sh" >/dev/null
# shellcheck source=prepare.sh
. "$TOP/tests/guest/prepare.sh"
guest_work 2400

mapfile -t conds < <(bench_conditions)
log "bench guest: one VM, two nested guests one after the other (tens of minutes)"
"$TOP/tests/vm/run" --no-kmemleak --timeout 5400 --mem 2G -- \
	"$TOP/tests/guest/bench-in-vm.sh" "$PARENT_KMOD" "$PARENT_KMOD/../../vfio/mdev" \
	"$GUEST_WORK/guest.env" "${BENCH_ITER:-200}" "${conds[@]}"
