# shellcheck shell=bash
# Helpers for suite scripts; sourced after tests/build/common.sh.

# load_bench_env: QEMU, KERNEL, KREL, KSRC, KBUILD, MODROOT, FIRMWARE
load_bench_env() {
	local env="$IDXD_SIOV_CACHE/bench.env" key val
	[ -f "$env" ] || { echo "no $env: run 'make build' first" >&2; exit 2; }
	while IFS='=' read -r key val; do
		case "$key" in
		QEMU|KERNEL|KREL|KSRC|KBUILD|MODROOT|FIRMWARE)
			printf -v "$key" '%s' "$val"; export "${key?}" ;;
		esac
	done <"$env"
}

# bench_source: the checkout's commit, for a benchmark's conditions
bench_source() {
	git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo "(not a git checkout)"
}

# bench_conditions: the conditions every benchmark prints with its
# figures, a line each (after load_bench_env): the source, the emulator,
# the host
bench_conditions() {
	echo "source: $(bench_source)"
	echo "accel: TCG (no KVM), $("$QEMU" --version | head -n 1), q35, -cpu max, intel-iommu scalable mode (tests/vm/run)"
	echo "host: $(nproc) CPUs '$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)', load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
}

# summary_of FILE: "P F" from the last "N passed, M failed" line, or "".
summary_of() {
	{ grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" || true; } | tail -n 1 |
		sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\1 \2/'
}

# run_vm_suite NAME [RUNNER OPTIONS...] -- COMMAND...
# Runs COMMAND in the VM and adds one check of its own: the VM ran to the
# end with no kernel splat and a clean kmemleak scan.
run_vm_suite() {
	local name=$1 opts=() out rc=0 counts p f
	shift
	while [ "$1" != "--" ]; do opts+=("$1"); shift; done
	shift
	out=$(mktemp)
	# PIPESTATUS must be read in the else branch: after "|| true" it
	# would describe "true", and a splat (125) would pass as 0.
	if "$TOP/tests/vm/run" "${opts[@]}" "$@" 2>&1 | tee "$out"; then
		rc=0
	else
		rc=${PIPESTATUS[0]}
	fi
	counts=$(summary_of "$out")
	p=${counts% *}; f=${counts#* }
	[ -n "$counts" ] || { p=0; f=1; echo "not ok - $name: no summary from the VM"; }
	# 0: all passed; 1: the command reported failures of its own. Anything
	# else is the runner's (123 VM failure, 124 timeout, 125 splat, 2 usage).
	if [ "$rc" -eq 0 ] || { [ "$rc" -eq 1 ] && [ "$f" -gt 0 ]; }; then
		echo "ok - $name: no kernel splat, kmemleak clean"
		p=$((p + 1))
	else
		echo "not ok - $name: VM ran cleanly (runner exit $rc)"
		f=$((f + 1))
	fi
	rm -f "$out"
	echo "$p passed, $f failed"
	[ "$f" -eq 0 ]
}
