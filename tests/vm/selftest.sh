#!/bin/bash
# Self-test of tests/vm/run: it passes what it should, and fails what it
# should.  Prints one line per check and ends with "N passed, M failed";
# exits non-zero if any check failed.
#
#   tests/vm/selftest.sh            all checks
#   tests/vm/selftest.sh NAME...    only these (see the names printed)
#
# Runs without the DSA model (--no-dsa), so it depends only on the kernel
# and QEMU in bench.env.  About 4-5 minutes on a 2-core machine before
# the plain checks shared one boot (see there).
# Commands for the guest are single-quoted on purpose:
# shellcheck disable=SC2016
set -euo pipefail

VMDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
TOP=$(cd "$VMDIR/../.." && pwd -P)
RUN=$VMDIR/run
cd "$TOP"

T=$(mktemp -d "${TMPDIR:-/tmp}/vm-selftest.XXXXXX")
trap 'rm -rf "$T"' EXIT

pass=0 fail=0 skip=0
ONLY=("$@")

selected() {
	local n
	[ ${#ONLY[@]} -gt 0 ] || return 0
	for n in "${ONLY[@]}"; do [ "$n" = "$1" ] && return 0; done
	return 1
}

ok() { pass=$((pass + 1)); printf 'PASS  %-14s %s\n' "$1" "$2"; }
skipped() { skip=$((skip + 1)); printf 'SKIP  %-14s %s\n' "$1" "$2"; }
bad() {
	fail=$((fail + 1))
	printf 'FAIL  %-14s %s\n' "$1" "$2"
	if [ -s "$T/err" ]; then
		echo "      --- runner stderr (last 25 lines):"
		tail -n 25 "$T/err" | sed 's/^/      /'
	fi
	if [ -s "$T/console" ]; then
		kept=$(mktemp "${TMPDIR:-/tmp}/vm-selftest-$1.XXXXXX")
		cp "$T/console" "$kept"
		echo "      --- console log kept in $kept"
	fi
}

# vm [run options] -- COMMAND...: run the VM; stdout in $T/out, stderr in
# $T/err, status in $rc, wall time in $secs. 1 GiB instead of the default
# 4: the runner's behaviour does not depend on it, and kmemleak's scan at
# the end of every run takes time in proportion to memory.
vm() {
	local t0
	t0=$(date +%s)
	rc=0
	rm -f "$T/console"
	"$RUN" --no-dsa --mem 1G --console "$T/console" "$@" </dev/null >"$T/out" 2>"$T/err" || rc=$?
	secs=$(($(date +%s) - t0))
}

# expect NAME WANT_RC DESCRIPTION: judge the last vm run by its status
expect() {
	if [ "$rc" = "$2" ]; then
		ok "$1" "$3: exit $rc (${secs}s)"
	else
		bad "$1" "$3: exit $rc, want $2 (${secs}s)"
	fi
}

if [ ! -r "${IDXD_SIOV_CACHE:-/var/cache/idxd-siov}/bench.env" ]; then
	echo "selftest: no bench.env: run 'make build' (tests/build/env.sh) first" >&2
	exit 2
fi

# ------------------------------------------------------------------ host only
if selected no-env; then
	rc=0
	IDXD_SIOV_CACHE=$T/nowhere "$RUN" true </dev/null >"$T/out" 2>"$T/err" || rc=$?
	if [ "$rc" = 2 ] && grep -q 'make build' "$T/err"; then
		ok no-env "missing bench.env: exit 2, says 'make build'"
	else
		bad no-env "missing bench.env: exit $rc, want 2 with 'make build'"
	fi
fi

if selected scanner; then
	# the splat scanner on canned console logs: one clean, and one each
	# with a kmemleak report, a lockdep report, a hung task and a KASAN report
	printf '%s\r\n' '[    1.000000] Linux version 6.12' \
		'[    1.100000] kasan: KernelAddressSanitizer initialized' \
		'vm-init: running the command (uptime 9.1 s)' \
		'vm-init: command exited with status 0 (uptime 9.2 s)' >"$T/clean"
	sc_ok=1
	"$RUN" --check-console "$T/clean" 2>"$T/err" || sc_ok=0
	for splat in \
		'unreferenced object 0xffff888005f6a000 (size 64):' \
		'WARNING: possible circular locking dependency detected' \
		'INFO: task modprobe:123 blocked for more than 120 seconds.' \
		'BUG: KASAN: slab-use-after-free in idxd_wq_free+0x10/0x20' \
		'BUG: sleeping function called from invalid context at mm/slub.c:1' \
		'UBSAN: shift-out-of-bounds in drivers/dma/idxd/device.c:1:2' \
		'BUG kmalloc-64 (Not tainted): Poison overwritten'; do
		{ cat "$T/clean"; printf '[    2.0] %s\r\n' "$splat"; } >"$T/dirty"
		r=0
		"$RUN" --check-console "$T/dirty" 2>"$T/err" || r=$?
		if [ "$r" != 125 ] || ! grep -qF "$splat" "$T/err"; then
			sc_ok=0
			echo "      missed: $splat"
		fi
	done
	if [ "$sc_ok" = 1 ]; then
		ok scanner "console scanner: clean log passes, 7 kinds of splat caught"
	else
		bad scanner "console scanner"
	fi
fi

# ------------------------------------------------------------------ in the VM
# One boot serves the checks of a plain command that exits 0 (true, args,
# env, overlay, modules): a boot costs 20-40 s, its kmemleak scan
# included. The command prints each check's part after a "--- NAME" line;
# the arguments of the args check are the command's own ("$@" of sh -c).
PLAIN=(true args env overlay modules)
plain_selected() {
	local n
	for n in "${PLAIN[@]}"; do selected "$n" && return 0; done
	return 1
}
# part NAME: what the plain command printed for NAME
part() { awk -v n="--- $1" '$0 == n { f = 1; next } /^--- / { f = 0 } f' "$T/out"; }

if plain_selected; then
	args=('a b' "it's" 'say "hi"' '$HOME `id` $(id)' '*' '' 'tab	x' 'back\slash' '-n' 'ünï')
	f=$TOP/.vm-selftest-$$
	vm sh -c 'echo "--- args"; printf "<%s>\n" "$@"
		echo "--- env"; pwd; echo "$PATH"; id -u; echo on-stderr >&2
		echo "--- overlay"
		echo guest >'"'$f'"' && cat '"'$f'"' &&
			echo x >/etc/vm-selftest-'"$$"' && touch /usr/vm-selftest-'"$$"'
		echo "--- modules"
		modprobe dmatest && lsmod | grep -w dmatest && uname -r
		echo "--- end"' sh "${args[@]}"
	plain_rc=$rc
fi

if selected true; then
	rc=$plain_rc
	expect true 0 "run a command that exits 0"
fi

if selected args; then
	want=$(printf '<%s>\n' "${args[@]}")
	if [ "$plain_rc" = 0 ] && [ "$(part args)" = "$want" ]; then
		ok args "${#args[@]} arguments with spaces, quotes, \$, globs arrive intact"
	else
		bad args "arguments mangled (exit $plain_rc): got $(part args | tr '\n' ' ')"
	fi
fi

if selected env; then
	want=$(printf '%s\n%s\n0' "$PWD" "$PATH")
	if [ "$plain_rc" = 0 ] && [ "$(part env)" = "$want" ] && ! grep -q on-stderr "$T/out" &&
	   grep -qx on-stderr "$T/err"; then
		ok env "runs as root in the caller's directory and PATH; stdout/stderr separate"
	else
		bad env "exit $plain_rc; env part: $(part env | tr '\n' ' ')"
	fi
fi

if selected overlay; then
	if [ "$plain_rc" = 0 ] && [ "$(part overlay)" = guest ] && [ ! -e "$f" ] &&
	   [ ! -e "/etc/vm-selftest-$$" ] && [ ! -e "/usr/vm-selftest-$$" ]; then
		ok overlay "guest writes to the checkout, /etc and /usr stay in the guest"
	else
		bad overlay "exit $plain_rc, or a guest file reached the host"
		rm -f "$f" "/etc/vm-selftest-$$" "/usr/vm-selftest-$$"
	fi
fi

if selected modules; then
	if [ "$plain_rc" = 0 ] && part modules | grep -qw '^dmatest'; then
		ok modules "modprobe dmatest works on $(part modules | tail -n 1)"
	else
		bad modules "modprobe dmatest: exit $plain_rc"
	fi
fi

# exit statuses other than 0 pass through: no kmemleak scan needed here
# (the plain boot has one)
if selected false; then
	vm --no-kmemleak false
	expect false 1 "run false"
fi

if selected exit7; then
	vm --no-kmemleak sh -c 'exit 7'
	expect exit7 7 "run sh -c 'exit 7'"
fi

if selected splat; then
	vm sh -c 'modprobe lkdtm && echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT'
	if [ "$rc" = 125 ] && grep -q 'KERNEL SPLAT' "$T/err" && grep -q 'WARNING:' "$T/err"; then
		ok splat "lkdtm WARNING caught: exit 125 (${secs}s)"
	else
		bad splat "lkdtm WARNING: exit $rc, want 125 (${secs}s)"
	fi
fi

if selected kasan; then
	vm sh -c 'modprobe lkdtm && echo READ_AFTER_FREE >/sys/kernel/debug/provoke-crash/DIRECT'
	if [ "$rc" = 125 ] && grep -q 'BUG: KASAN: slab-use-after-free' "$T/err"; then
		ok kasan "lkdtm use-after-free caught by KASAN: exit 125 (${secs}s)"
	else
		bad kasan "lkdtm READ_AFTER_FREE: exit $rc, want 125 with a KASAN report (${secs}s)"
	fi
fi

if selected kmemleak; then
	# lkdtm (6.12) has no leak test and the config has no kmemleak-test
	# module; the scanner check above covers the report format.
	modroot=$(sed -n 's/^MODROOT=//p' "${IDXD_SIOV_CACHE:-/var/cache/idxd-siov}/bench.env")
	if [ -n "$(find "$modroot" -name 'kmemleak-test.ko*' -print -quit)" ]; then
		vm sh -c 'modprobe kmemleak-test && rmmod kmemleak-test'
		if [ "$rc" = 125 ] && grep -q 'unreferenced object' "$T/err"; then
			ok kmemleak "kmemleak-test leaks caught: exit 125 (${secs}s)"
		else
			bad kmemleak "kmemleak-test: exit $rc, want 125 (${secs}s)"
		fi
	else
		skipped kmemleak "no leak provoker in this kernel (lkdtm has none)"
	fi
fi

if selected crash; then
	# the guest powers off under COMMAND's feet: no status reported
	vm sh -c 'echo o >/proc/sysrq-trigger; sleep 60'
	if [ "$rc" = 123 ] && grep -q 'never reported' "$T/err"; then
		ok crash "guest gone without a status: exit 123 (${secs}s)"
	else
		bad crash "guest gone without a status: exit $rc, want 123 (${secs}s)"
	fi
fi

if selected timeout; then
	vm --timeout 30 sleep 600
	if [ "$rc" = 124 ] && grep -q TIMEOUT "$T/err"; then
		ok timeout "--timeout 30 sleep 600: exit 124 (${secs}s)"
	else
		bad timeout "--timeout 30 sleep 600: exit $rc, want 124 (${secs}s)"
	fi
fi

[ "$skip" = 0 ] || echo "($skip skipped)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
