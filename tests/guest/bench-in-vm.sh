#!/bin/bash
# make bench SUITE=guest, inside the bench VM: the guest's dmatest on a
# dsa-1dwq-v1 and on a dsa-1swq-v1 vdev against the host's dmatest on a
# host kernel WQ of the same device, as ratios; trapped accesses per
# descriptor; and the time from the vdev's creation to the guest's first
# completed descriptor, split into create, QEMU start, guest boot, probe
# and the guest's own setup. One guest at a time (nothing else running),
# so that the figures are the path's, not the contention's. Prints a
# table; exits 1 only if nothing could be measured.
#
# usage: bench-in-vm.sh KMOD_DIR VDEV_DIR GUEST_ENV ITER [COND...]
#   ITER   dmatest copies, one thread, on the host WQ and in each guest
#   COND   lines for the "conditions" block (what the host knows)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KMOD_DIR=$1 VDEV_DIR=$2 GUEST_ENV=$3 ITER=$4
shift 4
# shellcheck source=../lib/dsa.sh
. "$HERE/../lib/dsa.sh"
# shellcheck source=nested.sh
. "$HERE/nested.sh"
nested_load_env "$GUEST_ENV"

DTYPE=siov_idxd-dsa-1dwq-v1
STYPE=siov_idxd-dsa-1swq-v1
UUID_D=5d3a0c1e-0000-4000-8000-0000000000dd
UUID_S=5d3a0c1e-0000-4000-8000-000000000055
TYPES=$(dsa_pci_dir)/mdev_supported_types
MDEV=/sys/bus/mdev/devices
DMATEST=/sys/module/dmatest/parameters
TMP=$(mktemp -d)
LOGS=$TMP/logs
# shellcheck disable=SC2034  # read by start_guest (nested.sh)
ROUNDS=1 THREADS=1

say() { echo "bench: $*" >&2; }

setup() {
	load_ours "$KMOD_DIR" && modprobe mdev &&
	insmod "$VDEV_DIR/vfio_ims_irqs.ko" && insmod "$VDEV_DIR/idxd_vdev.ko" &&
	config_dwq wq0.0 vdev0 vdev user &&
	config_swq wq0.2 vdevs vdev user &&
	config_dwq wq0.3 host dmaengine kernel &&
	accel-config enable-device dsa0 || return 1
	accel-config enable-wq dsa0/wq0.0 >/dev/null 2>&1
	accel-config enable-wq dsa0/wq0.2 dsa0/wq0.3
}

# host_iops: the host's dmatest on wq0.3 as the guest runs it (one thread,
# ITER verified copies of up to 16 KiB, completion by interrupt): iops
host_iops() {
	local chan line
	chan=$(dmesg | sed -n 's/.* wq0.3: dmaengine channel \(dma[0-9]*chan0\):.*/\1/p' | tail -n 1)
	modprobe dmatest timeout=30000 iterations="$ITER" threads_per_chan=1 || return 1
	dmesg -C
	echo "$chan" >"$DMATEST/channel" && echo 1 >"$DMATEST/run" || return 1
	cat "$DMATEST/wait" >/dev/null
	line=$(dmesg | grep 'summary' | tail -n 1)
	rmmod dmatest
	say "host wq0.3 $chan: $line"
	sed -nE "s/.*summary $ITER tests, 0 failures ([0-9.]+) iops.*/\1/p" <<<"$line"
}

# first_irq UUID FILE: the seconds since the epoch at which the vdev's IMS
# vector 1 first counted an interrupt (a completed descriptor), polled
# once a second with builtins only; in the background until killed
first_irq() {
	local name="vfio-ims[1]($1)" line w total
	while :; do
		while read -r line; do
			[[ $line == *"$name"* ]] || continue
			total=0
			for w in ${line#*:}; do
				[[ $w =~ ^[0-9]+$ ]] || break
				total=$((total + w))
			done
			if [ "$total" -gt 0 ]; then
				echo "$EPOCHREALTIME" >"$2"
				return
			fi
		done </proc/interrupts
		sleep 1
	done
}

# guest NAME TYPE UUID: create the vdev, boot a guest on it, time it all;
# prints "create qemu boot probe setup first-desc total iops trapped tests"
guest() {
	local n=$1 type=$2 uuid=$3 t0 t1 poller first q init probed ready
	t0=$EPOCHREALTIME
	echo "$uuid" >"$TYPES/$type/create" || { say "create $type failed"; return 1; }
	t1=$EPOCHREALTIME
	first_irq "$uuid" "$TMP/$n.first" &
	poller=$!
	start_guest "$n" "$uuid" 1 quit "gt_reload=0 gt_threads=1 gt_iterations=$ITER"
	wait_guest "$n"
	kill "$poller" 2>/dev/null
	wait "$poller" 2>/dev/null
	echo 1 >"$MDEV/$uuid/remove"
	if [ "$(r "$n" r1.check.dmatest)" != ok ]; then
		say "$n: the guest's dmatest did not pass ($(r "$n" r1.check.dmatest))"
		console_tail "$n" >&2
		return 1
	fi
	# QEMU start: until its QMP answered; the rest from the watcher's
	# timestamps (seconds since just before QEMU started)
	q=$(r "$n" t.qmp) init=$(r "$n" r1.t.init) probed=$(r "$n" r1.t.probed)
	ready=$(r "$n" r1.t.ready-main)
	first=$(cat "$TMP/$n.first" 2>/dev/null)
	awk -v t0="$t0" -v t1="$t1" -v q="$q" -v init="$init" -v probed="$probed" \
		-v ready="$ready" -v first="$first" \
		-v iops="$(sed -nE 's/.* ([0-9.]+) iops.*/\1/p' <<<"$(r "$n" r1.summary)")" \
		-v trapped="$(r "$n" r1.trapped.main)" -v tests="$(r "$n" r1.tests.main)" \
		'BEGIN {
			printf "%.2f %.1f %.1f %.1f %.1f %s %s %s %s %s\n",
				t1 - t0, q, init - q, probed - init, ready - probed,
				first ? sprintf("%.1f", first - t1 - ready) : "-",
				first ? sprintf("%.1f", first - t0) : "-",
				iops, trapped, tests
		}'
}

setup || { say "setup failed"; exit 1; }
host=$(host_iops)
declare -A RES
RES[dwq]=$(guest dwq "$DTYPE" "$UUID_D")
RES[swq]=$(guest swq "$STYPE" "$UUID_S")
disable_all >/dev/null && rmmod idxd_vdev vfio_ims_irqs && unload_ours

echo "conditions:"
for c in "$@"; do echo "  $c"; done
echo "  bench VM: $(nproc) vCPUs, $(uname -r); the nested guest: $QEMU, TCG inside this TCG VM, q35, -cpu max, -m 256 -smp 1, qboot,"
echo "    Debian's stock kernel and idxd, one guest at a time, nothing else running"
echo "  dmatest everywhere: 1 thread, $ITER verified memcpy of up to 16 KiB (dmatest's defaults), completion by interrupt;"
echo "    the host on wq0.3 (dedicated, kernel, our dmaengine driver), each guest on its vdev's one WQ (stock idxd)"
echo "  times in seconds: create = the sysfs create; QEMU = its start until its QMP answered; boot = to the guest's /init;"
echo "    probe = modprobe idxd until probed; setup = accel-config and dmatest.ko until the first descriptor is submitted;"
echo "    first-desc = from the dmatest start to the first completion interrupt on the vdev's host IMS vector"
echo "    (polled once a second); total = from the create to that interrupt"
printf '%-40s %9s %8s\n' path iops vs-host
printf '%-40s %9s %8s\n' "host kernel WQ (dmaengine)" "${host:--}" 1.00
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.3f", a / b; else print "-" }'; }
measured=0
for k in dwq:"guest on dsa-1dwq-v1 (mmapped portal)" swq:"guest on dsa-1swq-v1 (trapped portal)"; do
	read -r _ _ _ _ _ _ _ iops trapped tests <<<"${RES[${k%%:*}]:-}"
	printf '%-40s %9s %8s   trapped accesses %s for %s descriptors (%s per descriptor)\n' \
		"${k#*:}" "${iops:--}" "$(ratio "${iops:-0}" "${host:-0}")" "${trapped:--}" "${tests:--}" \
		"$(awk -v t="${trapped:-0}" -v n="${tests:-0}" 'BEGIN { if (n) printf "%.2f", t / n; else print "-" }')"
	[ -n "$iops" ] && measured=$((measured + 1))
done
printf '%-8s %8s %8s %8s %8s %8s %10s %8s\n' vdev create QEMU boot probe setup first-desc total
for k in dwq swq; do
	read -r c q b p s fd t _ <<<"${RES[$k]:-}"
	printf '%-8s %8s %8s %8s %8s %8s %10s %8s\n' "$k" "${c:--}" "${q:--}" "${b:--}" "${p:--}" "${s:--}" "${fd:--}" "${t:--}"
done
rm -rf "$TMP"
echo "measured: $measured guests"
[ "$measured" -gt 0 ]
