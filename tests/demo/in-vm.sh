#!/bin/bash
# The demo, inside the bench VM (tests/demo.sh): one DSA serving the host
# and a VM. Our parent driver and Debian's accel-config give wq0.3 to the
# host's dmaengine, where dmatest copies, and wq0.0 to the vdev
# driver; a dsa-1dwq-v1 vdev goes to a nested TCG guest through our QEMU's
# vfio-pci (Debian's code), where Debian 12's stock kernel and idxd driver
# probe it and the guest's dmatest copies through it
# (tests/guest/guest-test.sh, answered by tests/guest/watch.py). The
# guest boots first and waits; then both copy at once: the host's dmatest
# starts, the guest's is let go, and the host's stops after the guest's.
# (Not during the boot: the host's verified copies beside it made the
# nested boot take twice as long, 2026-12-02.)
#
# usage: in-vm.sh KMOD_DIR VDEV_DIR GUEST_ENV
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
USAGE="usage: in-vm.sh KMOD_DIR VDEV_DIR GUEST_ENV"
KMOD_DIR=${1:?$USAGE}
VDEV_DIR=${2:?$USAGE}
GUEST_ENV=${3:?$USAGE}
# shellcheck source=../lib/checks.sh
. "$HERE/../lib/checks.sh"
# shellcheck source=../lib/dsa.sh
. "$HERE/../lib/dsa.sh"
# shellcheck source=../lib/host-dmatest.sh
. "$HERE/../lib/host-dmatest.sh"
# shellcheck source=../guest/nested.sh
. "$HERE/../guest/nested.sh"
nested_load_env "$GUEST_ENV"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }
TMP=$(mktemp -d)
LOGS=$TMP/logs
UUID=6b1c2a90-5d3e-4f7a-8c21-0e9f4d3a7b09
PCIDEV=$(dsa_pci_dir)
TYPE=siov_idxd-dsa-1dwq-v1
MDEV=/sys/bus/mdev/devices
# one boot; the guest's dmatest: threads x copies of up to 16 KiB, verified
# shellcheck disable=SC2034  # read by start_guest (tests/guest/nested.sh)
ROUNDS=1 THREADS=2 ITER=100

say "the emulated device: $(basename "$PCIDEV") $(cat "$PCIDEV/vendor"):$(cat "$PCIDEV/device") (DSA model in our QEMU)"
say "our stack: parent driver, IMS irqchip, vdev driver"
load_ours "$KMOD_DIR" && modprobe mdev &&
	insmod "$VDEV_DIR/vfio_ims_irqs.ko" && insmod "$VDEV_DIR/idxd_vdev.ko" ||
	die "cannot load our modules"
say "accel-config: wq0.0 for vdevs, wq0.3 for the host's dmaengine"
config_dwq wq0.0 vdev0 vdev user && config_dwq wq0.3 host dmaengine kernel &&
	accel-config enable-device dsa0 || die "configuration failed"
accel-config enable-wq dsa0/wq0.0 2>/dev/null	# binds; runs when a guest enables it
accel-config enable-wq dsa0/wq0.3 || die "enable-wq wq0.3 failed"
for wq in wq0.0 wq0.3; do
	echo "  $wq: $(attr $wq mode), size $(attr $wq size), type $(attr $wq type), driver $(basename "$(readlink "$DSA/$wq/driver")"), state $(attr $wq state)"
done

say "a dsa-1dwq-v1 vdev for the VM"
echo "$UUID" >"$PCIDEV/mdev_supported_types/$TYPE/create" || die "create failed"
echo "  $UUID: $(cat "$MDEV/$UUID/vdev_type"), IOMMU group $(basename "$(readlink "$MDEV/$UUID/iommu_group")")"

say "the VM: Debian 12's stock kernel on a nested TCG QEMU, the vdev through vfio-pci (takes minutes)"
gate g r1.main
start_guest g "$UUID" 1 quit gt_reload=0
wait_result g r1.t.ready-main >/dev/null ||
	echo "  the guest did not reach its dmatest (see below)"
echo "  guest init $(r g r1.t.init) s after QEMU's start, idxd probed at $(r g r1.t.probed) s, its WQ set up at $(r g r1.t.ready-main) s"

say "both at once: the host's dmatest on wq0.3 (rounds of $HOST_DMATEST_ROUND verified copies), the VM's on its vdev"
host_dmatest_start wq0.3 19 || die "host dmatest did not start"
# the host's first round under way, then the guest's go
for _ in $(seq 60); do
	[ -z "$(cat "$HOST_DMATEST/channel")" ] || break
	sleep 0.5
done
open_gate g r1.main
wait_guest g
qemu_rc=$(cat "$LOGS/g/qemu.rc")
grep -a -E 'idxd|dmatest|GUEST-CHECK' "$LOGS/g/serial.log" | grep -av '^ ' |
	sed 's/^/  guest| /' | tail -n 25

say "figures (nested TCG inside TCG: the absolute numbers measure the emulators)"
echo "  VM: QEMU start to guest init $(r g r1.t.init) s, to idxd probed $(r g r1.t.probed) s, to the first dmatest result $(r g r1.t.first-result) s"
echo "  VM: $(r g r1.tests.main) descriptors through the vdev's mmapped portal; host-side trapped accesses meanwhile: $(r g r1.trapped.main); completion interrupts: guest $(r g r1.irq.main), host IMS vector $(r g r1.ims.main)"
sed -n 's/^r1.summary=/  VM: /p' "$LOGS/g/result"
host_ok=0
host_dmatest_passed >"$TMP/host.out" 2>&1 || host_ok=1
echo "  host: $(host_dmatest_figure), alongside the VM"
tail -n 2 "$TMP/dmatest.summaries" | sed 's/^\[[^]]*\] /  host: /'
[ "$host_ok" = 0 ] || sed 's/^/  host| /' "$TMP/host.out"

say "teardown"
echo 1 >"$MDEV/$UUID/remove"
echo wq0.3 >/sys/bus/dsa/drivers/dmaengine/unbind 2>/dev/null
disable_all >/dev/null && rmmod idxd_vdev vfio_ims_irqs && unload_ours ||
	die "teardown failed"
guest_rc=$(r g r1.rc)
rm -rf "$TMP"
if [ "$qemu_rc" = 0 ] && [ "$guest_rc" = 0 ] && [ "$host_ok" = 0 ]; then
	say "done: the host and the VM shared one device, every copy verified"
	exit 0
fi
echo "demo: something failed (QEMU exit $qemu_rc, guest rc '$guest_rc', host dmatest $host_ok)" >&2
exit 1
