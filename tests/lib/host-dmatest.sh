# shellcheck shell=bash
# dmatest in the background on a host kernel WQ, for in-VM scripts that
# check the host's WQ keeps working while something else happens (vdev
# and guest suites); sourced after checks.sh and dsa.sh. Needs TMP (a
# directory of the script's own); leaves its files there as dmatest.*.
#
# dmatest runs in rounds of HOST_DMATEST_ROUND copies and is never
# stopped in the middle of one: since Linux 6.4 kthread_stop() breaks a
# kthread's interruptible waits (TIF_NOTIFY_SIGNAL), so "echo 0 > run"
# ends the copy in flight at once as "test timed out", a failure that says
# nothing about the device. A round's copy may take long on a 2-core TCG
# host (speed is the benchmarks' business): 30 s before dmatest calls it
# lost. A lost or failed copy, or wrong data, fails host_dmatest_passed.

HOST_DMATEST=/sys/module/dmatest/parameters
HOST_DMATEST_ROUND=${HOST_DMATEST_ROUND:-500}

# host_dmatest_rounds CHAN NICE: until $TMP/dmatest.stop exists
host_dmatest_rounds() {
	local chan=$1 nice=$2 rounds=0 pid
	while [ ! -e "$TMP/dmatest.stop" ]; do
		echo "$chan" >"$HOST_DMATEST/channel" && echo 1 >"$HOST_DMATEST/run" ||
			{ echo "round $((rounds + 1)) did not start"; break; }
		if [ "$nice" != 0 ]; then
			for pid in $(pgrep "^$chan-copy"); do
				renice -n "$nice" -p "$pid" >/dev/null
			done
		fi
		# "channel" reads empty once the round's thread has ended
		while [ -n "$(cat "$HOST_DMATEST/channel")" ]; do sleep 1; done
		rounds=$((rounds + 1))
		dmesg | grep "dmatest: $chan-.*summary" | tail -n 1 >>"$TMP/dmatest.summaries"
	done
	echo "$rounds" >"$TMP/dmatest.rounds"
}

# host_dmatest_start WQ [NICE]: rounds on WQ's dmaengine channel, in the
# background (niced by NICE, default 0: not)
host_dmatest_start() {
	local wq=$1 chan
	chan=$(dmesg | sed -n "s/.* $wq: dmaengine channel \(dma[0-9]*chan0\):.*/\1/p" | tail -n 1)
	[ -e "/sys/class/dma/$chan" ] || { echo "no channel for $wq"; return 1; }
	rm -f "$TMP"/dmatest.*
	modprobe dmatest timeout=30000 iterations="$HOST_DMATEST_ROUND" threads_per_chan=1 ||
		return 1
	echo "$wq" >"$TMP/dmatest.wq"
	host_dmatest_rounds "$chan" "${2:-0}" >"$TMP/dmatest.out" 2>&1 &
}

# host_dmatest_figure: rounds and copies, once host_dmatest_passed ran
host_dmatest_figure() {
	echo "host dmatest: $(cat "$TMP/dmatest.rounds" 2>/dev/null || echo 0) rounds of" \
		"$HOST_DMATEST_ROUND copies on $(cat "$TMP/dmatest.wq" 2>/dev/null)"
}

# host_dmatest_passed: ends the rounds (the one in progress finishes) and
# checks every round ended with all its copies passed. On failure, every
# dmatest line (each failed test says why) and what the IOMMU and the
# parent reported are shown.
host_dmatest_passed() {
	local rounds tests _
	[ -e "$TMP/dmatest.out" ] || { echo "host dmatest was not started"; return 1; }
	touch "$TMP/dmatest.stop"
	for _ in $(seq 1800); do
		[ -e "$TMP/dmatest.rounds" ] && break
		sleep 0.5
	done
	[ -e "$TMP/dmatest.rounds" ] || { echo "dmatest's last round did not end"; return 1; }
	rounds=$(cat "$TMP/dmatest.rounds")
	cat "$TMP/dmatest.out"
	rmmod dmatest || return 1
	[ "$rounds" -gt 0 ] || { echo "no dmatest round ended"; return 1; }
	expect_eq "dmatest summaries" "$(wc -l <"$TMP/dmatest.summaries")" "$rounds" ||
		return 1
	# (no process substitution: the bench VM has no /dev/fd)
	tests=$(awk '/ tests, 0 failures/ { for (i = 1; i < NF; i++)
		if ($(i + 1) == "tests,") n += $i } END { print n + 0 }' "$TMP/dmatest.summaries")
	expect_eq "copies passed" "$tests" $((rounds * HOST_DMATEST_ROUND)) && return 0
	# what went wrong first: the rounds that did not pass, every failed
	# copy (dmatest says why), then what the IOMMU and the parent said
	grep -v ' tests, 0 failures' "$TMP/dmatest.summaries"
	dmesg | grep 'dmatest: .*result' | head -n 10
	dmesg | grep -E "DMAR|idxd|$(cat "$TMP/dmatest.wq")" | grep -v ' vdev: ' |
		tail -n 10
	return 1
}
