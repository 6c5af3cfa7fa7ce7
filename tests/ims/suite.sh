#!/bin/bash
# Suite "ims": the PCI/IMS kernel patches (patches/linux/0002-0005), the
# ims-array irqchip and the parent driver's IMS vectors, driven by the
# ims_test client (tests/ims/kmod) in the VM, once with interrupt
# remapping and once without: the same checks must pass in both. The
# model traces every IMS slot write; check-trace.py then verifies on the
# host that no slot was ever unmasked with a PASID it did not already
# hold. Needs bench.env (tests/build/env.sh).
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"
. "$TOP/tests/host/build.sh"

load_bench_env
build_parent
kmod="$IDXD_SIOV_CACHE/ims-kmod"
sync_tree "$TOP/tests/ims/kmod" "$kmod"
make -s -C "$KBUILD" M="$kmod" W=1 C=1 IDXD_SIOV_INCLUDE="$TOP/include" \
	KBUILD_EXTRA_SYMBOLS="$PARENT_BUILD/Module.symvers" \
	modules >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
total_p=0 total_f=0
for intremap in on off; do
	opts=(--timeout 1800)
	[ "$intremap" = on ] || opts+=(--no-intremap)
	trace="$work/trace-$intremap.log"
	out="$work/out-$intremap"
	set +e
	run_vm_suite "ims (intremap $intremap)" "${opts[@]}" \
		--qemu-arg -trace --qemu-arg "enable=dsa_ims_write,file=$trace" \
		-- "$TOP/tests/ims/in-vm.sh" "$PARENT_KMOD" "$kmod/ims_test.ko" \
		"$intremap" 2>&1 | tee "$out"
	set -e
	counts=$(summary_of "$out")
	[ -n "$counts" ] || counts="0 1"
	total_p=$((total_p + ${counts% *})) total_f=$((total_f + ${counts#* }))
	if /usr/bin/python3 "$TOP/tests/ims/check-trace.py" "$trace"; then
		echo "ok - ims (intremap $intremap): the model never saw a slot unmasked with a PASID it did not already hold"
		total_p=$((total_p + 1))
	else
		echo "not ok - ims (intremap $intremap): model trace shows a slot unmasked before its PASID was written"
		total_f=$((total_f + 1))
	fi
done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
