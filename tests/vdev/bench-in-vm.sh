#!/bin/bash
# In the bench VM: descriptors per second through a vdev's portal and
# through the host's own WQ on the same DSA model, and the accesses each
# descriptor costs the host (trapped_accesses). Prints a table; exits 1
# only if nothing could be measured.
#
# usage: bench-in-vm.sh KMOD_DIR VDEV_DIR TEST_DIR COUNT ROUNDS [COND...]
#   COUNT   memmoves per run; ROUNDS runs per cell, the best one kept
#   COND    lines for the "conditions" block (what the host knows)
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
KMOD_DIR=$1 VDEV_DIR=$2 TEST_DIR=$3 COUNT=$4 ROUNDS=$5
HOST_COUNT=$((COUNT / 4))
shift 5
# shellcheck source=../lib/dsa.sh
. "$HERE/../lib/dsa.sh"

DTYPE=siov_idxd-dsa-1dwq-v1
STYPE=siov_idxd-dsa-1swq-v1
UUID_D=5d3a0c1e-0000-4000-8000-00000000000d
UUID_S=5d3a0c1e-0000-4000-8000-000000000005
DMATEST=/sys/module/dmatest/parameters
TYPES=$(dsa_pci_dir)/mdev_supported_types

say() { echo "bench: $*" >&2; }

setup() {
	load_ours "$KMOD_DIR" && modprobe mdev &&
	insmod "$VDEV_DIR/vfio_ims_irqs.ko" && insmod "$VDEV_DIR/idxd_vdev.ko" &&
	config_dwq wq0.0 vdev0 vdev user &&
	config_swq wq0.1 vdevs vdev user &&
	config_dwq wq0.2 host dmaengine kernel &&
	accel-config enable-device dsa0 || return 1
	accel-config enable-wq dsa0/wq0.0 >/dev/null 2>&1
	accel-config enable-wq dsa0/wq0.1 dsa0/wq0.2 &&
	echo "$UUID_D" >"$TYPES/$DTYPE/create" &&
	echo "$UUID_S" >"$TYPES/$STYPE/create"
}

# vdev_rate UUID SIZE: best "descriptors/s trapped-per-descriptor"
vdev_rate() {
	local line rate trapped best=0 best_trapped=-
	for _ in $(seq "$ROUNDS"); do
		line=$("$TEST_DIR/vdev_user" bench "$1" "$COUNT" "$2") || { say "failed: $line"; continue; }
		say "$line"
		# no process substitution: the VM has no /dev/fd
		read -r rate trapped <<<"$(sed -nE 's/.*: ([0-9]+) descriptors\/s, ([0-9.]+) trapped.*/\1 \2/p' <<<"$line")"
		if [ "${rate:-0}" -gt "$best" ]; then
			best=$rate best_trapped=$trapped
		fi
	done
	echo "$best $best_trapped"
}

# host_rate SIZE: best dmatest iops (1 thread, polled, no verify) on wq0.2,
# HOST_COUNT copies per run (dmatest is slower: fewer keep runs short)
host_rate() {
	local chan best=0 iops
	chan=$(dmesg | sed -n 's/.* wq0.2: dmaengine channel \(dma[0-9]*chan0\):.*/\1/p' | tail -n 1)
	for _ in $(seq "$ROUNDS"); do
		modprobe dmatest timeout=5000 iterations="$HOST_COUNT" threads_per_chan=1 \
			test_buf_size="$1" noverify=1 polled=1 norandom=1 || return 1
		dmesg -C
		echo "$chan" >"$DMATEST/channel" && echo 1 >"$DMATEST/run"
		cat "$DMATEST/wait" >/dev/null
		iops=$(dmesg | sed -nE 's/.*summary ([0-9]+) tests, 0 failures ([0-9]+)(\.[0-9]+)? iops.*/\2/p' | tail -n 1)
		say "host wq0.2 $chan: dmatest $HOST_COUNT x $1 B: ${iops:-failed} iops"
		rmmod dmatest
		[ "${iops:-0}" -gt "$best" ] && best=$iops
	done
	echo "$best"
}

setup || { say "setup failed"; exit 1; }
declare -A RES
for size in 64 4096; do
	RES[host,$size]=$(host_rate "$size")
	RES[dwq,$size]=$(vdev_rate "$UUID_D" "$size")
	RES[swq,$size]=$(vdev_rate "$UUID_S" "$size")
done
echo dsa-1swq-v1 >"/sys/bus/mdev/devices/$UUID_D/vdev_type"
for size in 64 4096; do
	RES[dtrap,$size]=$(vdev_rate "$UUID_D" "$size")
done

echo "conditions:"
for c in "$@"; do echo "  $c"; done
echo "  guest: $(nproc) vCPUs, $(uname -r); one descriptor in flight, completion polled; best of $ROUNDS runs per cell"
echo "  host WQ: dmatest ($HOST_COUNT copies per run) on a dedicated kernel WQ through dmaengine, 1 thread, polled=1 noverify=1:"
echo "    the DMA API path the host's own users take, with its per-descriptor kernel work (prep, submit, dma_sync_wait)"
echo "  vdev: vdev_user bench ($COUNT memmoves per run), a userspace VFIO client in a type1 container, spinning on the record"
printf '%-44s %8s %14s %10s %14s\n' path size descriptors/s vs-host trapped/desc
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
measured=0
for size in 64 4096; do
	h=${RES[host,$size]}
	printf '%-44s %8s %14s %10s %14s\n' "host kernel WQ (dmaengine)" "$size" "$h" 1.00 -
	for k in dwq:"vdev dsa-1dwq-v1, mmapped portal" swq:"vdev dsa-1swq-v1, shared WQ, trapped" \
		 dtrap:"vdev dsa-1swq-v1 type on a dedicated WQ"; do
		read -r rate trapped <<<"${RES[${k%%:*},$size]}"
		printf '%-44s %8s %14s %10s %14s\n' "${k#*:}" "$size" "$rate" "$(ratio "$rate" "$h")" "$trapped"
		[ "$rate" -gt 0 ] && measured=$((measured + 1))
	done
done
echo "measured: $measured vdev cells"
[ "$measured" -gt 0 ]
