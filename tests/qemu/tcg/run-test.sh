#!/bin/bash
# Usage: run-test.sh QEMU_BINARY [EXTRA_QEMU_ARGS...]
# Builds the bare-metal guest, runs it under TCG with -cpu max and prints one
# "ok N name" / "not ok N name" line per check.  Exits 0 only if the guest
# ran every planned check, all passed, and it left through isa-debug-exit
# with its success code.  Extra arguments go after the standard ones (for
# instance "-cpu max,-enqcmd" to see the checks fail).
set -uo pipefail

[ $# -ge 1 ] || { echo "usage: $0 QEMU_BINARY [EXTRA_QEMU_ARGS...]" >&2; exit 2; }
qemu=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

make -s -C "$here" OUT="$out" >&2 || { echo "run-test.sh: guest build failed" >&2; exit 1; }

timeout 60 "$qemu" -M q35 -cpu max -accel tcg -nographic -no-reboot -nic none \
	-L /usr/share/seabios -L /usr/share/qemu \
	-kernel "$out/test.elf" -device isa-debug-exit \
	-serial "file:$out/serial.log" -monitor none "$@" </dev/null >"$out/qemu.log" 2>&1
rc=$?
tr -d '\r' <"$out/serial.log" >"$out/serial.txt" 2>/dev/null

# the guest writes 0x10 to isa-debug-exit on success: (0x10 << 1) | 1
status=0
grep -E '^(not )?ok [0-9]+ |^# ' "$out/serial.txt"
plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out/serial.txt" | head -1)
nok=$(grep -cE '^ok [0-9]+ ' "$out/serial.txt")
nnot=$(grep -cE '^not ok [0-9]+ ' "$out/serial.txt")
if [ -z "$plan" ]; then
	echo "run-test.sh: the guest printed no plan" >&2
	status=1
elif [ "$nok" -ne "$plan" ] || [ "$nnot" -ne 0 ]; then
	echo "run-test.sh: $nok of $plan checks passed" >&2
	status=1
fi
if [ "$rc" -ne 33 ]; then
	echo "run-test.sh: QEMU exited with $rc, want 33 (guest success code)" >&2
	grep -v '^$' "$out/qemu.log" | sed 's/^/qemu: /' >&2
	grep -E '^Bail out' "$out/serial.txt" >&2
	status=1
fi
exit $status
