#!/bin/bash
# Suite "model": the DSA device model and the TCG instructions it relies
# on, tested without a guest kernel (qtest) and with a bare-metal guest.
set -euo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"

qemu=$("$TOP/tests/build/qemu.sh" | tail -n 1)
out=$(mktemp)
p=0 f=0
for t in "/usr/bin/python3 $TOP/tests/qemu/qtest/test_dsa_model.py" \
	 "$TOP/tests/qemu/tcg/run-test.sh"; do
	$t "$qemu" 2>&1 | tee "$out" || true
	rc=${PIPESTATUS[0]}
	counts=$(summary_of "$out")
	if [ -z "$counts" ]; then
		# the TCG guest prints TAP: count its lines
		counts="$(grep -c '^ok ' "$out" || true) $(grep -c '^not ok ' "$out" || true)"
		[ "$counts" != "0 0" ] || counts="0 1"
	fi
	p=$((p + ${counts% *})); f=$((f + ${counts#* }))
	# a test program that failed without saying so still fails
	if [ "$rc" -ne 0 ] && [ "${counts#* }" -eq 0 ]; then
		echo "not ok - $t exited with $rc"
		f=$((f + 1))
	fi
done
rm -f "$out"
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
