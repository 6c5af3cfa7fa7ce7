#!/bin/bash
# make check [SUITE=name]: run every suite (or one) and end with
# "N passed, M failed". Builds what the chosen suites need first.
set -uo pipefail
. "$(dirname "$0")/build/common.sh"
. "$TOP/tests/lib/suite.sh"

# What "make check" runs: every suite. The guest suite (nested VMs on
# vdevs) is the slowest, see tests/guest/suite.sh for its cost.
ALL_SUITES=(model lint runner peer host ims vdev guest)
KNOWN_SUITES=("${ALL_SUITES[@]}")
declare -A SCRIPT=(
	[model]=tests/qemu/suite.sh		# qtest + TCG guest: no kernel
	[lint]=tests/lint/suite.sh		# checkpatch, kernel-doc, shellcheck
	[runner]=tests/vm/selftest.sh		# the VM runner itself
	[peer]=tests/peer/suite.sh		# upstream idxd + accel-config
	[host]=tests/host/suite.sh		# our parent driver
	[ims]=tests/ims/suite.sh		# PCI/IMS patches + ims-array irqchip
	[vdev]=tests/vdev/suite.sh		# WQs as mdev/VFIO devices, type1 PASID
	[guest]=tests/guest/suite.sh		# nested VMs: stock idxd on vdevs
)
declare -A NEEDS_KERNEL=([model]=0 [lint]=1 [runner]=1 [peer]=1 [host]=1 [ims]=1 [vdev]=1 [guest]=1)

if [ $# -gt 0 ] && [ -n "$1" ]; then
	suites=("$@")
else
	suites=("${ALL_SUITES[@]}")
fi
for s in "${suites[@]}"; do
	[ -n "${SCRIPT[$s]:-}" ] || {
		echo "check: unknown suite '$s' (have: ${KNOWN_SUITES[*]})" >&2
		exit 2
	}
done

need_kernel=0
for s in "${suites[@]}"; do
	[ "${NEEDS_KERNEL[$s]}" = 1 ] && need_kernel=1
done
start=$(date +%s)
if [ "$need_kernel" = 1 ]; then
	"$TOP/tests/build/env.sh" >&2 || { echo "0 passed, 1 failed"; exit 1; }
fi

total_p=0 total_f=0 report=()
for s in "${suites[@]}"; do
	log "suite $s: start"
	t0=$(date +%s)
	out=$(mktemp)
	(cd "$TOP" && "$TOP/${SCRIPT[$s]}") 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	counts=$(summary_of "$out")
	[ -n "$counts" ] || counts="0 1"
	p=${counts% *} f=${counts#* }
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# a suite that failed without saying so still failed
	fi
	rm -f "$out"
	total_p=$((total_p + p)) total_f=$((total_f + f))
	report+=("$(printf '%-8s %3d passed, %d failed  (%ds)' "$s" "$p" "$f" \
		$(($(date +%s) - t0)))")
done
echo "=== summary ($(($(date +%s) - start))s)"
printf '%s\n' "${report[@]}"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
