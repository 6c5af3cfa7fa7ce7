#!/bin/bash
# The host benchmark, run inside the bench VM by tests/host/bench.sh:
# dmatest memcpy throughput through a dedicated kernel WQ, first with the
# upstream idxd driver, then with ours, on the same DSA model in the same
# VM. Prints the figures and the ours/upstream ratios as a table on stdout
# (progress goes to stderr). Not a test: there is no pass/fail count. Exits
# 0 if at least one run was measured, 1 if none was.
#
# usage: bench-in-vm.sh [--iterations SIZE:N[,SIZE:N]] [--rounds N]
#                       [--cond TEXT]... KMOD_DIR KCONFIG
#   KMOD_DIR    holds our siov_idxd_bus.ko and idxd.ko
#   KCONFIG     the guest kernel's .config (for the debug options it has)
#   --rounds    upstream, ours, upstream, ours...: N rounds, and the table
#               shows each cell's best round (default 1). Under TCG the
#               guest slows down with every other job on the host, so
#               noise only ever lowers a figure: the best of a few rounds
#               is the steadier one.
#   --cond      a line for the "conditions" block (what the host knows)
#
# Each run loads dmatest, tests one channel (the WQ's), and unloads it
# again: dmatest holds its channels until it is unloaded, and accel-config
# refuses to disable a WQ with clients.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/dsa.sh
. "$HERE/../lib/dsa.sh"
CONF=$HERE/../peer/dwq.conf
DMATEST=/sys/module/dmatest/parameters
SIZES=(4096 65536)
THREADS=(1 2)
DRIVERS=(upstream ours)
# Per-thread iterations, fixed so that one run takes roughly 10-20 s of
# wall time under TCG with the debug kernel (measured with upstream).
declare -A ITER=([4096]=3000 [65536]=1000)
WARMUP=200
DEADLINE=240		# seconds; a run still going then is stopped
OP_TIMEOUT=20000	# dmatest's per-descriptor timeout, ms

ROUNDS=1
CONDS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--iterations)
		IFS=, read -r -a spec <<<"$2"
		for s in "${spec[@]}"; do ITER[${s%%:*}]=${s#*:}; done
		shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--cond) CONDS+=("$2"); shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
KMOD_DIR=${1:?usage: bench-in-vm.sh [options] KMOD_DIR KCONFIG}
KCONFIG=${2:?usage: bench-in-vm.sh [options] KMOD_DIR KCONFIG}

say() {	# progress, stamped with the guest's uptime
	local up
	read -r up _ </proc/uptime
	echo "bench: [$up] $*" >&2
}
oneline() { tr -s '\n\t ' ' ' | sed -E 's/^ //; s/ $//' | cut -c1-200; }

# RESULT[drv,round,size,threads]="threads_seen tests failures iops KiB/s wall"
declare -A RESULT=() NOTE=() STATE=() SKIP=()
CHAN=''

# ---------------------------------------------------------------- drivers
# Each step returns 1 with the reason in ERR.
ERR=''
# shellcheck disable=SC2317  # called as "drv_load_$drv" / "drv_unload_$drv"
drv_load_upstream() {
	local out
	out=$(modprobe idxd 2>&1) || { ERR="modprobe idxd failed: $(oneline <<<"$out")"; return 1; }
}
# shellcheck disable=SC2317  # called as "drv_load_$drv" / "drv_unload_$drv"
drv_load_ours() {
	local out
	out=$(load_ours "$KMOD_DIR" 2>&1) || { ERR=$(oneline <<<"$out"); return 1; }
}
# shellcheck disable=SC2317  # called as "drv_load_$drv" / "drv_unload_$drv"
drv_unload_upstream() {
	modprobe -r idxd || return 1
	if [ -d /sys/module/idxd_bus ]; then modprobe -r idxd_bus || return 1; fi
}
# shellcheck disable=SC2317  # called as "drv_load_$drv" / "drv_unload_$drv"
drv_unload_ours() {
	unload_ours >/dev/null
}

# new_channel BEFORE: the first channel in /sys/class/dma not in BEFORE
new_channel() {
	local c
	for c in /sys/class/dma/*; do
		[ -e "$c" ] || continue
		c=${c##*/}
		grep -qxF -- "$c" <<<"$1" || { echo "$c"; return 0; }
	done
	return 1
}

# configure: wq0.0 as a dedicated kernel WQ for dmaengine (the peer
# suite's dwq.conf), device and WQ enabled; sets CHAN to the WQ's channel.
configure() {
	local out before
	[ -d "$DSA/dsa0" ] || { ERR="no dsa0 on the dsa bus"; return 1; }
	before=$(ls /sys/class/dma 2>/dev/null)
	out=$(accel-config load-config -c "$CONF" 2>&1) ||
		{ ERR="load-config failed: $(oneline <<<"$out")"; return 1; }
	out=$(accel-config enable-device dsa0 2>&1) ||
		{ ERR="enable-device failed: $(oneline <<<"$out")"; return 1; }
	out=$(accel-config enable-wq dsa0/wq0.0 2>&1) ||
		{ ERR="enable-wq failed: $(oneline <<<"$out")"; return 1; }
	for _ in $(seq 50); do
		CHAN=$(new_channel "$before") && return 0
		sleep 0.1
	done
	ERR="no dmaengine channel appeared after enable-wq dsa0/wq0.0"
	return 1
}

teardown() {
	local wq
	[ ! -d /sys/module/dmatest ] || rmmod dmatest
	for wq in "$DSA"/wq*; do
		if [ -e "$wq/state" ] && [ "$(cat "$wq/state")" = enabled ]; then
			accel-config disable-wq "dsa0/$(basename "$wq")" >/dev/null 2>&1 ||
				say "disable-wq $(basename "$wq") failed"
		fi
	done
	if [ -e "$DSA/dsa0/state" ] && [ "$(cat "$DSA/dsa0/state")" = enabled ]; then
		accel-config disable-device dsa0 >/dev/null 2>&1 || say "disable-device dsa0 failed"
	fi
}

# ---------------------------------------------------------------- dmatest
# Process creation is slow in this guest (TCG, KASAN): while dmatest runs,
# the script waits with bash builtins only (read from sysfs, read -t on a
# FIFO nobody writes, $EPOCHREALTIME, $SECONDS), so it takes no CPU from
# the dmatest threads. ("cat wait" would block too, but holds dmatest's
# parameter lock, so a run that hangs could not be stopped.)
TMP=$(mktemp -d)
mkfifo "$TMP/never"
exec {NEVER}<>"$TMP/never"

# run_dmatest SIZE THREADS ITERATIONS: one dmatest run on $CHAN; sets LAST
# to "threads_seen tests failures iops KiB/s wall" (summed over threads)
# and returns 1, with the reason in ERR, if it could not run or had to be
# stopped (a hung device).
LAST=''
run_dmatest() {
	local size=$1 threads=$2 n=$3 t0 t1 running log deadline rc=0
	LAST=''
	modprobe dmatest || { ERR="modprobe dmatest failed"; return 1; }
	dmesg -C
	echo "$OP_TIMEOUT" >"$DMATEST/timeout"
	echo 0 >"$DMATEST/dmatest"		# memcpy
	echo "$size" >"$DMATEST/test_buf_size"
	echo 1 >"$DMATEST/norandom"		# every copy is SIZE bytes at offset 0
	echo 0 >"$DMATEST/noverify"
	echo "$n" >"$DMATEST/iterations"
	echo "$threads" >"$DMATEST/threads_per_chan"
	echo 1 >"$DMATEST/max_channels"
	echo "$CHAN" >"$DMATEST/channel"
	deadline=$((SECONDS + DEADLINE))
	t0=$EPOCHREALTIME
	echo 1 >"$DMATEST/run"
	# "run" reads N both before the threads first get the CPU ("pending")
	# and after they are done; the summaries (one per thread, printed before
	# a thread counts as done) tell the two apart.
	while read -r running <"$DMATEST/run"; do
		if [ "$running" != Y ]; then
			log=$(dmesg)
			case $log in
			*"dmatest: Started"*) ;;
			*) ERR="dmatest did not start: $(tail -n 1 <<<"$log" | oneline)"; rc=1; break ;;
			esac
			[ "$(grep -c 'dmatest: .*summary' <<<"$log")" -lt "$threads" ] || break
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			ERR="the run did not finish in $DEADLINE s"
			echo 0 >"$DMATEST/run"	# stops the threads
			rc=1
			break
		fi
		read -r -t 0.2 -u "$NEVER" _
	done
	t1=$EPOCHREALTIME
	# "dma0chan0-copy0: summary 1500 tests, 0 failures 123.45 iops 494 KB/s (0)"
	LAST=$(dmesg | sed -nE 's/.*dmatest: .*summary ([0-9]+) tests, ([0-9]+) failures ([0-9.]+) iops ([0-9]+) KB\/s.*/\1 \2 \3 \4/p' |
		awk -v a="$t0" -v b="$t1" '
			{ n++; t += $1; f += $2; i += $3; k += $4 }
			END { printf "%d %d %d %.2f %d %.1f\n", n, t, f, i, k, b - a }')
	rmmod dmatest || { ERR="rmmod dmatest failed"; rc=1; }
	return $rc
}

# probe: seconds a fixed single-threaded loop takes in the guest. The host's
# 2 CPUs are shared, and under TCG the guest slows down with every other
# job on the host: equal probes before and after both drivers' runs say
# the two drivers saw the same machine.
declare -A PROBE=()
probe() {
	local t0=$EPOCHREALTIME
	awk 'BEGIN { for (i = 0; i < 3000000; i++) s += i }'
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", b - a }'
}

# ---------------------------------------------------------------- bench
bench_driver() {	# bench_driver DRV ROUND
	local drv=$1 round=$2 size threads rc
	say "$drv: round $round: load and configure"
	dmesg -C
	ERR=''
	if ! "drv_load_$drv" || ! configure; then
		NOTE[$drv]=$ERR
		SKIP[$drv]=1
		say "$drv: not measured ($ERR)"
		dmesg | tail -n 5 | sed 's/^/bench:   dmesg: /' >&2
		teardown
		"drv_unload_$drv" || say "$drv: unload failed"
		return
	fi
	PROBE[$drv,$round]=$(probe)
	STATE[$drv]="wq0.0 $(cat "$DSA/wq0.0/mode" 2>/dev/null), size $(cat "$DSA/wq0.0/size" 2>/dev/null), channel $CHAN"
	# Not recorded: the first run after a load is the slowest.
	say "$drv: warm-up, $WARMUP x 4096 B"
	if run_dmatest 4096 1 "$WARMUP"; then
		say "$drv:   -> $LAST"
		for size in "${SIZES[@]}"; do
			for threads in "${THREADS[@]}"; do
				say "$drv: dmatest memcpy $size B, $threads thread(s) x ${ITER[$size]}"
				run_dmatest "$size" "$threads" "${ITER[$size]}"
				rc=$?
				RESULT[$drv,$round,$size,$threads]=$LAST
				say "$drv:   -> $LAST (threads tests failures iops KiB/s wall)"
				if [ "$rc" != 0 ]; then
					NOTE[$drv]="stopped at $size B x$threads in round $round: $ERR"
					SKIP[$drv]=1
					break 2
				fi
			done
		done
	else
		NOTE[$drv]="warm-up in round $round: $ERR"
		SKIP[$drv]=1
	fi
	PROBE[$drv,$round]+="/$(probe)"
	teardown
	"drv_unload_$drv" || say "$drv: unload failed"
}

kconfig_opts() {	# the debug options that cost time, as the config has them
	local opt val out=''
	for opt in KASAN KASAN_INLINE PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_KMEMLEAK; do
		val=$(sed -n "s/^CONFIG_$opt=//p" "$KCONFIG" 2>/dev/null)
		out+=" $opt=${val:-n}"
	done
	echo "${out# }"
}

dsa_pci() {	# the DSA model's PCI function
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x8086:0x0b25 ] && { echo "$d"; return 0; }
	done
	return 1
}

# best DRV SIZE THREADS: the round with the most iops, as RESULT has it
best() {
	local round r out='' top=-1
	for round in $(seq "$ROUNDS"); do
		r=${RESULT[$1,$round,$2,$3]:-}
		if [ -z "$r" ] || [ "${r%% *}" = 0 ]; then continue; fi
		if awk -v a="$(cut -d' ' -f4 <<<"$r")" -v b="$top" 'BEGIN { exit !(a > b) }'; then
			out=$r
			top=$(cut -d' ' -f4 <<<"$r")
		fi
	done
	echo "$out"
}

# cell DRV SIZE THREADS: "iops MiB/s failures wall" of the best round, or
# four dashes
cell() {
	local r
	r=$(best "$@")
	if [ -z "$r" ]; then
		echo "- - - -"
		return
	fi
	awk '{ printf "%.2f %.2f %d %s\n", $4, $5 / 1024, $3, $6 }' <<<"$r"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'; }

report() {
	local size threads u o ui um uf uw oi om of ow fmt drv r n round ok measured=0 per=()
	echo
	echo "== dmatest memcpy through one dedicated kernel WQ: ours vs upstream idxd"
	echo "conditions:"
	for r in "${CONDS[@]}"; do echo "  $r"; done
	echo "  guest: $(nproc) CPUs, $(awk '/^MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)," \
		"kernel $(uname -r), CPU '$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)'"
	echo "  kernel debug options: $(kconfig_opts) (kmemleak scan skipped)"
	r=$(dsa_pci) && echo "  DSA $(basename "$r"): IOMMU default domain $(cat "$r/iommu_group/type" 2>/dev/null || echo '?')"
	echo "  WQ: tests/peer/dwq.conf (dedicated, size 16, priority 10, 1 engine in group0, type kernel)"
	for drv in "${DRIVERS[@]}"; do
		[ -z "${STATE[$drv]:-}" ] || echo "  $drv: ${STATE[$drv]}"
	done
	echo "  host contention probe (a fixed awk loop in the guest, seconds, before/after each driver's runs):" \
		"$(for round in $(seq "$ROUNDS"); do
			for drv in "${DRIVERS[@]}"; do
				[ -z "${PROBE[$drv,$round]:-}" ] || printf '%s%s %s, ' "$drv" \
					"$([ "$ROUNDS" = 1 ] || echo " (round $round)")" "${PROBE[$drv,$round]}"
			done
		done | sed 's/, $//')"
	echo "  dmatest: memcpy, norandom=1 (every copy is the full size at offset 0), verify on," \
		"interrupt completion, timeout ${OP_TIMEOUT} ms, 1 channel;" \
		"iterations per thread: $(for s in "${SIZES[@]}"; do printf '%s B: %s, ' "$s" "${ITER[$s]}"; done | sed 's/, $//')"
	echo "  figures: dmatest's per-thread summaries (buffer fill and verify time excluded), summed over threads;" \
		"MiB/s = dmatest's KB/s / 1024; wall = the whole run in seconds;" \
		"$([ "$ROUNDS" = 1 ] && echo "1 round (upstream, then ours)" ||
			echo "$ROUNDS rounds (upstream, ours, upstream, ...), each cell the round with the most iops")"
	echo
	fmt='%5s %3s | %9s %8s %4s %5s | %9s %8s %4s %5s | %6s %6s\n'
	printf '%9s | %-30s | %-30s | %s\n' "" "upstream idxd" "ours" "ours/upstream"
	# shellcheck disable=SC2059
	printf "$fmt" size thr iops MiB/s fail wall iops MiB/s fail wall iops MiB/s
	printf '%s\n' "----------+--------------------------------+--------------------------------+--------------"
	for size in "${SIZES[@]}"; do
		for threads in "${THREADS[@]}"; do
			read -r ui um uf uw <<<"$(cell upstream "$size" "$threads")"
			read -r oi om of ow <<<"$(cell ours "$size" "$threads")"
			# shellcheck disable=SC2059
			printf "$fmt" "$((size / 1024))KiB" "$threads" "$ui" "$um" "$uf" "$uw" "$oi" "$om" "$of" "$ow" \
				"$(ratio "$oi" "$ui")" "$(ratio "$om" "$um")"
		done
	done
	if [ "$ROUNDS" != 1 ]; then
		echo
		echo "iops in each round:"
		for size in "${SIZES[@]}"; do
			for threads in "${THREADS[@]}"; do
				printf '%5s %3s |' "$((size / 1024))KiB" "$threads"
				for drv in "${DRIVERS[@]}"; do
					printf ' %s' "$drv"
					for round in $(seq "$ROUNDS"); do
						r=${RESULT[$drv,$round,$size,$threads]:-}
						printf ' %s' "$(awk '{ print $1 ? $4 : "-" }' <<<"${r:-0}")"
					done
					printf ' |'
				done
				echo
			done
		done
	fi
	echo
	for drv in "${DRIVERS[@]}"; do
		n=0
		for size in "${SIZES[@]}"; do
			for threads in "${THREADS[@]}"; do
				ok=0
				for round in $(seq "$ROUNDS"); do
					r=${RESULT[$drv,$round,$size,$threads]:-}
					[ -n "$r" ] || continue
					read -r u o _ <<<"$r"
					if [ "$u" = "$threads" ] && [ "$o" = $((ITER[$size] * threads)) ]; then
						ok=1
					elif [ "$u" != 0 ]; then
						echo "$drv: round $round: $size B x$threads incomplete: $o of $((ITER[$size] * threads)) copies from $u of $threads threads"
					fi
				done
				n=$((n + ok))
			done
		done
		per+=("$drv $n")
		measured=$((measured + n))
		if [ -n "${NOTE[$drv]:-}" ]; then
			if [ "$n" = 0 ]; then
				echo "$drv: not measured (${NOTE[$drv]})"
			else
				echo "$drv: ${NOTE[$drv]}"
			fi
		fi
	done
	echo "measured: $(printf '%s, ' "${per[@]}" | sed 's/, $//') of $((${#SIZES[@]} * ${#THREADS[@]})) runs each"
	[ "$measured" -gt 0 ]
}

say "iterations per thread: $(for s in "${SIZES[@]}"; do printf '%s B: %s, ' "$s" "${ITER[$s]}"; done)$ROUNDS round(s)"
for round in $(seq "$ROUNDS"); do
	for drv in "${DRIVERS[@]}"; do
		[ -n "${SKIP[$drv]:-}" ] || bench_driver "$drv" "$round"
	done
done
rc=0
report || rc=1
exec {NEVER}>&-
rm -rf "$TMP"
exit $rc
