#!/bin/bash
# Peer validation, run inside the bench VM by tests/peer/suite.sh: the
# upstream idxd driver, Debian's accel-config and the kernel's dmatest
# must configure and drive the DSA model. Prints one "ok"/"not ok" line
# per check and a "N passed, M failed" summary.
#
# usage: in-vm.sh KMOD_DIR   (KMOD_DIR holds dsa_peer_fault.ko)
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
KMOD_DIR=${1:?usage: in-vm.sh KMOD_DIR}
DMATEST=/sys/module/dmatest/parameters
TMP=$(mktemp -d)
# shellcheck source=../lib/checks.sh
. "$HERE/../lib/checks.sh"
# shellcheck source=../lib/dsa.sh
. "$HERE/../lib/dsa.sh"



load_driver() {
	modprobe idxd || return 1
	[ -d "$DSA/dsa0" ] || { echo "no dsa0 on the dsa bus"; return 1; }
}

list_device() {
	accel-config list -i >"$TMP/list.json" || return 1
	python3 - "$TMP/list.json" <<'PY'
import json, sys
devs = json.load(open(sys.argv[1]))
dev = next(d for d in devs if d["dev"] == "dsa0")
want = {"max_groups": 4, "max_work_queues": 8, "max_engines": 4,
        "work_queue_size": 128, "version": "0x100", "max_read_buffers": 96,
        "max_batch_size": 1024, "max_transfer_size": 2 ** 31,
        "gen_cap": "0x835f001e", "configurable": 1}
bad = {k: (dev.get(k), v) for k, v in want.items()
       if str(dev.get(k)).lower() != str(v).lower()}
if bad:
    sys.exit("accel-config list: got/want %s" % bad)
PY
}

config_by_commands() {
	accel-config config-engine dsa0/engine0.0 --group-id=0 &&
	accel-config config-wq dsa0/wq0.0 --group-id=0 --mode=dedicated \
		--wq-size=16 --priority=10 --type=kernel --name=dmaengine \
		--driver-name=dmaengine &&
	accel-config enable-device dsa0 &&
	accel-config enable-wq dsa0/wq0.0 || return 1
	expect_eq "device state" "$(attr dsa0 state)" enabled &&
	expect_eq "wq state" "$(attr wq0.0 state)" enabled &&
	expect_eq "wq mode" "$(attr wq0.0 mode)" dedicated &&
	compgen -G "/sys/class/dma/dma*chan*" >/dev/null
}

# dmatest keeps its channels (a client of the WQ) until it is unloaded, and
# accel-config refuses to disable a WQ with clients: load it per run.
run_dmatest() {	# run_dmatest THREADS ITERATIONS
	local threads=$1 iterations=$2 summaries rc=0
	modprobe dmatest || return 1
	dmesg -C
	echo 2000 >"$DMATEST/timeout"
	echo "$iterations" >"$DMATEST/iterations"
	echo "$threads" >"$DMATEST/threads_per_chan"
	echo 1 >"$DMATEST/max_channels"
	echo "" >"$DMATEST/channel"
	echo 1 >"$DMATEST/run"
	cat "$DMATEST/wait" >/dev/null
	summaries=$(dmesg | grep 'dmatest: .*summary')
	echo "$summaries"
	[ "$(grep -c ' 0 failures' <<<"$summaries")" -eq "$threads" ] &&
	[ "$(grep -c "summary $iterations tests" <<<"$summaries")" -eq "$threads" ] ||
		rc=1
	rmmod dmatest || rc=1
	return $rc
}


# The driver forgets a WQ's configuration when the WQ is disabled, so each
# cycle configures it again.
enable_cycles() {
	local i
	for i in 1 2 3 4 5; do
		disable_all && config_by_commands || { echo "cycle $i"; return 1; }
	done
}

load_config() {
	disable_all || return 1
	accel-config load-config -c "$HERE/dwq.conf" -e || return 1
	expect_eq "device state" "$(attr dsa0 state)" enabled &&
	expect_eq "wq state" "$(attr wq0.0 state)" enabled &&
	expect_eq "wq size" "$(attr wq0.0 size)" 16 &&
	expect_eq "wq priority" "$(attr wq0.0 priority)" 10
}

save_config_round_trip() {
	accel-config save-config -s "$TMP/saved.conf" || return 1
	python3 - "$HERE/dwq.conf" "$TMP/saved.conf" <<'PY'
import json, sys
want = json.load(open(sys.argv[1]))[0]["groups"][0]["grouped_workqueues"][0]
got = json.load(open(sys.argv[2]))
wqs = [w for d in got for g in d.get("groups", [])
       for w in g.get("grouped_workqueues", []) if w["dev"] == "wq0.0"]
if not wqs:
    sys.exit("saved config has no wq0.0")
for k in ("mode", "size", "priority", "type", "name", "driver_name"):
    if str(wqs[0].get(k)) != str(want[k]):
        sys.exit("%s: saved %r, loaded %r" % (k, wqs[0].get(k), want[k]))
PY
}

page_fault() {
	insmod "$KMOD_DIR/dsa_peer_fault.ko" wq=0 || { dmesg | tail -5; return 1; }
	dmesg | grep 'peer_fault:'
	rmmod dsa_peer_fault
}

unload() {
	disable_all && rmmod idxd && rmmod idxd_bus || return 1
	[ ! -d /sys/bus/dsa ] || { echo "dsa bus still registered"; return 1; }
}

check "upstream idxd binds the model" load_driver
check "accel-config list shows dsa0 and its capabilities" list_device
check "config-*/enable-* make a dedicated kernel WQ" config_by_commands
check "dmatest loads and unloads" sh -c 'modprobe dmatest && rmmod dmatest'
check "dmatest memcpy 2 threads x 2000, 0 failures" run_dmatest 2 2000
check "5 disable/enable cycles" enable_cycles
check "dmatest after the cycles" run_dmatest 1 200
check "load-config of a JSON file" load_config
check "save-config reproduces the loaded WQ" save_config_round_trip
check "dmatest after load-config" run_dmatest 2 500
check "unmapped IOVA: page-fault completion, memory untouched" page_fault
check "module unload is clean" unload
rm -rf "$TMP"
finish_checks
