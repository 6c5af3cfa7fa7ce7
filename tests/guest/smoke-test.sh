#!/bin/sh
# A trivial /guest-test.sh (tests/guest/mkcpio.sh smoke-test.sh OUT): checks
# that the nested guest's image is complete, with no DSA device needed.
# Loads idxd (it binds nothing without a device) and dmatest.ko, runs
# accel-config (no devices: it must only run, i.e. find its libraries),
# and prints SMOKE-OK or SMOKE-FAIL.
# Without MOVDIR64B in the CPU (stock QEMU's TCG "max") idxd refuses to
# load: that is reported as a failure, with the reason.
fail=0
say() { echo "smoke: $*"; }

if modprobe idxd; then
	say "idxd loaded"
else
	say "modprobe idxd failed"
	grep -qw movdir64b /proc/cpuinfo || say "this CPU has no MOVDIR64B: stock idxd will not load"
	fail=1
fi
if modprobe dmatest; then
	say "dmatest loaded"
else
	say "modprobe dmatest failed"; fail=1
fi
lsmod
accel-config list
rc=$?
say "accel-config list: exit status $rc"
# with idxd loaded and no device accel-config prints nothing and returns 0
[ "$rc" -eq 0 ] || fail=1
rmmod dmatest || fail=1

if [ "$fail" -eq 0 ]; then
	echo SMOKE-OK
else
	echo SMOKE-FAIL
fi
exit "$fail"
