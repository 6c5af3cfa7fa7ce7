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

# The command-fault checks set the model's x- hooks from outside the guest:
# the guest prints "$QMP_MARKER {QMP command}" on its console and this
# watcher runs it (tests/lib/qmp-on-marker.py).
QMP_MARKER="idxd-siov-test: qmp"
work=$(mktemp -d)
watcher=
cleanup() {
	[ -z "$watcher" ] || kill "$watcher" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
: >"$work/console.log"
/usr/bin/python3 "$TOP/tests/lib/qmp-on-marker.py" "$work/console.log" \
	"$work/qmp.sock" "$QMP_MARKER" - &
watcher=$!

total_p=0 total_f=0
# run NAME RUNNER-OPTIONS... -- COMMAND...: one VM run, its counts added
run() {
	local log="$work/out" counts
	set +e
	run_vm_suite "$@" 2>&1 | tee "$log"
	set -e
	counts=$(summary_of "$log")
	[ -n "$counts" ] || counts="0 1"
	total_p=$((total_p + ${counts% *})) total_f=$((total_f + ${counts#* }))
}

run vdev --timeout 2400 --console "$work/console.log" \
	--dsa id=dsa --qemu-arg -qmp --qemu-arg "unix:$work/qmp.sock,server=on,wait=off" \
	-- "$TOP/tests/vdev/in-vm.sh" \
	"$PARENT_KMOD" "$PARENT_KMOD/../../vfio/mdev" "$out"

# Without MOVDIR64B and ENQCMD(S) the drivers refuse the WQs they could
# not submit to, instead of taking #UD in the kernel (about a minute).
run "vdev (no MOVDIR64B/ENQCMD)" --timeout 600 --mem 1G \
	--qemu-arg -cpu --qemu-arg max,movdir64b=off,enqcmd=off \
	-- "$TOP/tests/vdev/no-submit-insns.sh" \
	"$PARENT_KMOD" "$PARENT_KMOD/../../vfio/mdev"

echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
