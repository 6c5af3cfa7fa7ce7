#!/bin/bash
# make bench SUITE=host: dmatest memcpy throughput (iops, MiB/s) for 4 KiB
# and 64 KiB copies with 1 and 2 threads, through our parent driver and
# through the upstream idxd driver, on the same DSA model in the same VM
# run, printed with the ours/upstream ratios. A benchmark, not a test: it
# prints figures and exits non-zero only if it could measure nothing.
#
# Builds what it needs (tests/build/env.sh, our modules as the host suite
# does), then runs tests/host/bench-in-vm.sh in one VM.
#   BENCH_DSA=PROPS         properties for the DSA model (tests/vm/run --dsa)
#   BENCH_ITERATIONS=SPEC   per-thread iterations, e.g. 4096:300,65536:100
#                           (default: the in-VM script's, ~10-20 s per run)
#   BENCH_ROUNDS=N          upstream, ours, upstream, ours...; each cell is
#                           the best of its N rounds (default 1). On a busy
#                           host one round's ratios are mostly noise.
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"
. "$TOP/tests/host/build.sh"

"$TOP/tests/build/env.sh" >/dev/null
load_bench_env
build_parent

# What the host knows about the conditions, for the guest's report.
dsa_props=${BENCH_DSA:-}
model=$("$QEMU" -device idxd-dsa,help 2>/dev/null |
	sed -nE 's/^ +(num-[a-z]+|total-wq-size|ims-mult)=[^(]*\(default: ([^)]*)\).*/\1=\2/p' |
	tr '\n' ' ')
src=$(bench_source)
if [ -n "$(git -C "$TOP" status --porcelain -- drivers/dma/idxd include 2>/dev/null)" ]; then
	src+=" + uncommitted changes"
fi
conds=(
	--cond "ours: drivers/dma/idxd at $src; upstream: idxd.ko of our $KREL kernel"
	--cond "accel: TCG (no KVM), $("$QEMU" --version | head -n 1), q35, -cpu max, intel-iommu scalable mode (tests/vm/run)"
	--cond "model: idxd-dsa, defaults ${model% }; overrides: ${dsa_props:-none}"
	--cond "host: $(nproc) CPUs '$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)', load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
)
rounds=${BENCH_ROUNDS:-1}
iters=(--rounds "$rounds")
[ -z "${BENCH_ITERATIONS:-}" ] || iters+=(--iterations "$BENCH_ITERATIONS")
runopts=(--no-kmemleak --timeout $((900 + 1200 * rounds)))
[ -z "$dsa_props" ] || runopts+=(--dsa "$dsa_props")

log "bench host: one VM, upstream idxd then ours (several minutes)"
t0=$(date +%s)
out=$(mktemp)
set +e
"$TOP/tests/vm/run" "${runopts[@]}" -- "$TOP/tests/host/bench-in-vm.sh" \
	"${iters[@]}" "${conds[@]}" "$PARENT_KMOD" "$KBUILD/.config" | tee "$out"
rc=${PIPESTATUS[0]}
set -e
echo "wall time: $(($(date +%s) - t0)) s for the VM run; host load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"

# The guest's last line: "measured: upstream U, ours O of N runs each".
measured=$(sed -nE 's/^measured: upstream ([0-9]+), ours ([0-9]+) .*/\1 \2/p' "$out" | tail -n 1)
rm -f "$out"
case $rc in
0) ;;
1) ;;	# the guest measured nothing; said why above
123|124|125)
	echo "bench: WARNING: the VM runner exited $rc (123 VM failure, 124 timeout, 125 kernel splat): see above" ;;
*)	echo "bench: the VM runner exited $rc" ;;
esac
if [ -z "$measured" ] || [ "$measured" = "0 0" ]; then
	echo "bench: nothing was measured" >&2
	exit 1
fi
