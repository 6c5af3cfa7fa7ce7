#!/bin/bash
# Usage: run-test.sh QEMU_BINARY [EXTRA_QEMU_ARGS...]
# Builds the bare-metal guests and runs each under TCG with -cpu max on q35:
#   test  MOVDIRI, MOVDIR64B, ENQCMD and ENQCMDS against RAM and plain MMIO
#   dsa   ENQCMD(S) and MOVDIR64B against -device idxd-dsa (engines paused)
# Prints a "# guest NAME" line, then one "ok N name" / "not ok N name" line
# per check of that guest (each guest numbers its checks from 1).  Exits 0
# only if every guest ran every planned check, all passed, and it left
# through isa-debug-exit with its success code.  Extra arguments go after
# the standard ones of every guest (for instance "-cpu max,-enqcmd" to see
# the checks fail).
set -uo pipefail

[ $# -ge 1 ] || { echo "usage: $0 QEMU_BINARY [EXTRA_QEMU_ARGS...]" >&2; exit 2; }
qemu=$1
shift
extra=("$@")
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

make -s -C "$here" OUT="$out" >&2 || { echo "run-test.sh: guest build failed" >&2; exit 1; }

# run_guest NAME [QEMU_ARGS...]: run $out/NAME.elf, print its TAP lines;
# returns non-zero if it failed
run_guest() {
	local name=$1 log=$out/$1 rc status=0 plan nok nnot
	shift

	echo "# guest $name"
	timeout 60 "$qemu" -M q35 -cpu max -accel tcg -nographic -no-reboot -nic none \
		-L /usr/share/seabios -L /usr/share/qemu \
		-kernel "$out/$name.elf" -device isa-debug-exit \
		-serial "file:$log.serial" -monitor none "$@" "${extra[@]}" \
		</dev/null >"$log.qemu" 2>&1
	rc=$?
	tr -d '\r' <"$log.serial" >"$log.txt" 2>/dev/null

	grep -E '^(not )?ok [0-9]+ |^# ' "$log.txt"
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$log.txt" | head -1)
	nok=$(grep -cE '^ok [0-9]+ ' "$log.txt")
	nnot=$(grep -cE '^not ok [0-9]+ ' "$log.txt")
	if [ -z "$plan" ]; then
		echo "run-test.sh: $name: the guest printed no plan" >&2
		status=1
	elif [ "$nok" -ne "$plan" ] || [ "$nnot" -ne 0 ]; then
		echo "run-test.sh: $name: $nok of $plan checks passed" >&2
		status=1
	fi
	# the guest writes 0x10 to isa-debug-exit on success: (0x10 << 1) | 1
	if [ "$rc" -ne 33 ]; then
		echo "run-test.sh: $name: QEMU exited with $rc, want 33 (guest success code)" >&2
		grep -v '^$' "$log.qemu" | sed "s/^/qemu: $name: /" >&2
		grep -E '^Bail out' "$log.txt" >&2
		status=1
	fi
	return $status
}

status=0
run_guest test || status=1
run_guest dsa -device idxd-dsa,addr=04.0,x-engines-paused=on || status=1
exit $status
