#!/bin/bash
# tests/guest/boot-host.sh [options] [SCRIPT]
#
# Boot the nested guest's images (tests/guest/build.sh) directly on this
# host, not nested, to measure and debug them: QEMU under TCG with the
# nested guest's machine (q35, -cpu max, 512 MiB, 1 CPU), SCRIPT (default
# smoke-test.sh) as /guest-test.sh.  Prints the console with host
# timestamps (seconds since QEMU started) and a summary:
#   boot: init=<s> test-rc=<status> total=<s> (guest uptime at /init: <s>)
# Exits with the test's status, 123 if it never reported one.
#
#   --qemu PATH        QEMU binary (default: bench.env's QEMU, else
#                      $IDXD_SIOV_CACHE/qemu-*/build/qemu-system-x86_64,
#                      else qemu-system-x86_64 from PATH)
#   --append STRING    extra kernel command line after $GUEST_APPEND_FILE's
#   --cmdline STRING   the whole kernel command line instead of that file's
#   --qemu-arg ARG     extra QEMU argument (repeat for each word)
#   --vmlinux          boot $GUEST_VMLINUX (PVH, uncompressed) instead of
#                      the stock bzImage $GUEST_KERNEL
#   --defaults         without -nodefaults (QEMU's default VGA, NIC, ...)
#   --timeout SECONDS  kill QEMU after SECONDS (default 600)
#   --log FILE         keep the timestamped console in FILE
#   --quiet            print only the summary
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${IDXD_SIOV_CACHE:=/var/cache/idxd-siov}"
ME=guest/boot-host.sh

QEMU='' APPEND='' CMDLINE='' TIMEOUT=600 LOG='' QUIET=0 QEMU_EXTRA=()
VMLINUX=0 DEFAULTS=0
while [ $# -gt 0 ]; do
	case "$1" in
	--qemu) QEMU=$2; shift 2 ;;
	--append) APPEND="$APPEND $2"; shift 2 ;;
	--cmdline) CMDLINE=$2; shift 2 ;;
	--qemu-arg) QEMU_EXTRA+=("$2"); shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--log) LOG=$2; shift 2 ;;
	--quiet) QUIET=1; shift ;;
	--vmlinux) VMLINUX=1; shift ;;
	--defaults) DEFAULTS=1; shift ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "$ME: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
SCRIPT=${1:-$HERE/smoke-test.sh}

ENV=$IDXD_SIOV_CACHE/guest/current.env
[ -r "$ENV" ] || { echo "$ME: no $ENV: run tests/guest/build.sh first" >&2; exit 2; }
GUEST_KERNEL='' GUEST_VMLINUX='' GUEST_INITRD='' GUEST_APPEND_FILE=''
while IFS='=' read -r key val; do
	case "$key" in
	GUEST_KERNEL) GUEST_KERNEL=$val ;;
	GUEST_VMLINUX) GUEST_VMLINUX=$val ;;
	GUEST_INITRD) GUEST_INITRD=$val ;;
	GUEST_APPEND_FILE) GUEST_APPEND_FILE=$val ;;
	esac
done <"$ENV"

if [ -z "$QEMU" ]; then
	QEMU=$(sed -n 's/^QEMU=//p' "$IDXD_SIOV_CACHE/bench.env" 2>/dev/null || true)
	[ -x "$QEMU" ] || QEMU=$(find "$IDXD_SIOV_CACHE" -maxdepth 3 -path '*/qemu-*/build/qemu-system-x86_64' 2>/dev/null | head -n1)
	[ -x "$QEMU" ] || QEMU=$(command -v qemu-system-x86_64 || true)
fi
[ -x "$QEMU" ] || { echo "$ME: no QEMU found (--qemu)" >&2; exit 2; }
[ "$VMLINUX" = 0 ] || GUEST_KERNEL=$GUEST_VMLINUX
[ -n "$CMDLINE" ] || CMDLINE=$(cat "$GUEST_APPEND_FILE")
CMDLINE="$CMDLINE$APPEND"

tmp=$(mktemp -d)
# shellcheck disable=SC2317  # invoked by trap
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
"$HERE/mkcpio.sh" "$SCRIPT" "$tmp/test.cpio"
cat "$GUEST_INITRD" "$tmp/test.cpio" >"$tmp/initrd"
LOG=${LOG:-$tmp/console.log}

# -nodefaults: no VGA, NIC, floppy, CD-ROM, parallel port or monitor to
# emulate and probe; the console is the one serial port, on stdio.
DEV=(-nodefaults -serial stdio)
[ "$DEFAULTS" = 0 ] || DEV=()
CMD=("$QEMU" -accel tcg -M q35 -cpu max -m 512 -smp 1
	-nographic -no-reboot "${DEV[@]}"
	-L /usr/share/seabios -L /usr/share/qemu
	-kernel "$GUEST_KERNEL" -initrd "$tmp/initrd" -append "$CMDLINE"
	"${QEMU_EXTRA[@]}")
[ "$QUIET" = 1 ] || echo "$ME: ${CMD[*]}" >&2

# since START, in seconds with two decimals (EPOCHREALTIME in microseconds)
elapsed() {
	local us=$(( ${EPOCHREALTIME/./} - start ))
	printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000))
}
start=${EPOCHREALTIME/./}
# timestamp every console line with the seconds since QEMU started
timeout -k 5 "$TIMEOUT" "${CMD[@]}" </dev/null 2>&1 |
	while IFS= read -r line; do
		printf '%7s %s\n' "$(elapsed)" "${line%$'\r'}"
	done >"$LOG" &
pid=$!
if [ "$QUIET" = 1 ]; then
	wait "$pid" || true
else
	tail -n +1 -f --pid="$pid" "$LOG" || true
	wait "$pid" || true
fi
total=$(elapsed)

init=$(awk '/guest-init: up / { print $1; exit }' "$LOG")
uptime=$(sed -n 's/.*guest-init: up \([0-9.]*\) s.*/\1/p' "$LOG" | head -n1)
rc=$(sed -n 's/.*GUEST-TEST-RC=\([0-9a-z]*\).*/\1/p' "$LOG" | head -n1)
printf 'boot: init=%ss test-rc=%s total=%ss (guest uptime at /init: %ss) qemu=%s\n' \
	"${init:-?}" "${rc:-?}" "$total" "${uptime:-?}" "$QEMU"
case "$rc" in
''|none) exit 123 ;;
*) exit "$rc" ;;
esac
