#!/bin/bash
# The demo, inside the bench VM: the upstream idxd driver and Debian's
# accel-config bring up the emulated DSA and the kernel's dmatest copies
# memory through it. (Our own parent driver replaces upstream idxd once
# it exists.)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "the emulated device"
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x8086:0x0b25 ] &&
		echo "$(basename "$d") 8086:0b25 Intel DSA (QEMU model), IOMMU group $(basename "$(readlink "$d/iommu_group")")"
done
say "modprobe idxd (upstream driver, built as a module from linux-source-6.12)"
modprobe idxd
accel-config list -i | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
for k in ("dev", "version", "max_groups", "max_engines", "max_work_queues",
          "work_queue_size", "max_transfer_size", "max_batch_size",
          "max_read_buffers", "gen_cap", "pasid_enabled"):
    print("  %-22s %s" % (k, d.get(k)))'
say "accel-config load-config: one dedicated kernel WQ for dmaengine"
accel-config load-config -c "$HERE/../peer/dwq.conf" -e
accel-config list | python3 -c '
import json, sys
for d in json.load(sys.stdin):
    for g in d.get("groups", []):
        for w in g.get("grouped_workqueues", []):
            print("  %s: %s, %s, size %s, driver %s" % (w["dev"], w["state"],
                  w["mode"], w["size"], w.get("driver_name")))'
ls /sys/class/dma/ | sed 's/^/  dma channel: /'
say "dmatest: 2 threads x 500 memcpy of up to 16 KiB, verified"
modprobe dmatest timeout=5000 iterations=500 threads_per_chan=2 max_channels=1
dmesg -C
echo 1 >/sys/module/dmatest/parameters/run
cat /sys/module/dmatest/parameters/wait >/dev/null
dmesg | grep 'dmatest: .*summary' | sed 's/^\[[^]]*\] /  /'
[ "$(dmesg | grep 'dmatest: .*summary' | grep -c ' 0 failures')" = 2 ] ||
	{ echo "dmatest reported failures" >&2; exit 1; }
say "interrupts the device raised"
grep -E 'idxd|dsa' /proc/interrupts | awk '{ s = 0; for (i = 2; i <= 3; i++) s += $i; printf "  %-40s %d\n", $NF, s }'
rmmod dmatest
accel-config disable-wq dsa0/wq0.0 >/dev/null
accel-config disable-device dsa0 >/dev/null
rmmod idxd idxd_bus
say "done: driver unloaded cleanly"
