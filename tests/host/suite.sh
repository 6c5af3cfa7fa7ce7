#!/bin/bash
# Suite "host": our parent driver (drivers/dma/idxd) built against the
# bench kernel (tests/host/build.sh) and driven in the VM by Debian's
# accel-config. Needs bench.env (tests/build/env.sh).
#
# The halt-recovery and failed-command checks need the model's test hooks
# set from outside the guest: a watcher follows the console and sends the
# QMP command the guest prints after QMP_MARKER (tests/lib/qmp-on-marker.py).
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"
. "$TOP/tests/host/build.sh"

# The guest prints "$QMP_MARKER {QMP command}"; the watcher runs it.
QMP_MARKER="idxd-siov-test: qmp"

load_bench_env
build_parent

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

run_vm_suite host --timeout 2400 --console "$work/console.log" \
	--dsa id=dsa --qemu-arg -qmp --qemu-arg "unix:$work/qmp.sock,server=on,wait=off" \
	-- "$TOP/tests/host/in-vm.sh" "$PARENT_KMOD"
