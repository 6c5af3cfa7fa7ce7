#!/bin/bash
# Build (or find, on a warm cache) our QEMU and our kernel, and record
# where they are in $IDXD_SIOV_CACHE/bench.env for tests/vm/run, which
# only reads that file and never builds anything itself.
#
# bench.env holds plain KEY=value lines (no quoting, no spaces), so it can
# be parsed by the runner, sourced by sh and included by make:
#   QEMU=     qemu-system-x86_64 binary
#   KERNEL=   bzImage
#   KREL=     kernel release (uname -r in the guest)
#   KSRC=     kernel source tree
#   KBUILD=   kernel build tree (O=)
#   MODROOT=  INSTALL_MOD_PATH: holds lib/modules/$KREL
#   FIRMWARE= colon-separated firmware directories for QEMU's -L
set -euo pipefail
# shellcheck disable=SC1091
. "$(dirname "$0")/common.sh"

qemu=$("$TOP/tests/build/qemu.sh")
kvars=$("$TOP/tests/build/kernel.sh")

declare -A v=()
while IFS='=' read -r key val; do
	case "$key" in
	KERNEL|KREL|KSRC|KBUILD|MODROOT) v[$key]=$val ;;
	esac
done <<<"$kvars"
v[QEMU]=$(printf '%s\n' "$qemu" | tail -n 1)
v[FIRMWARE]=/usr/share/seabios:/usr/share/qemu

for key in QEMU KERNEL KREL KSRC KBUILD MODROOT FIRMWARE; do
	val=${v[$key]:-}
	[ -n "$val" ] || { echo "env.sh: no $key from the build" >&2; exit 1; }
	case "$val" in
	*[[:space:]]*) echo "env.sh: $key='$val' contains whitespace" >&2; exit 1 ;;
	esac
done
[ -x "${v[QEMU]}" ] || { echo "env.sh: ${v[QEMU]} is not executable" >&2; exit 1; }
[ -f "${v[KERNEL]}" ] || { echo "env.sh: no kernel image ${v[KERNEL]}" >&2; exit 1; }
[ -f "${v[MODROOT]}/lib/modules/${v[KREL]}/modules.dep" ] ||
	{ echo "env.sh: no modules.dep under ${v[MODROOT]}" >&2; exit 1; }

out="$IDXD_SIOV_CACHE/bench.env"
tmp=$(mktemp "$out.XXXXXX")
{
	echo "# written by tests/build/env.sh; read by tests/vm/run"
	for key in QEMU KERNEL KREL KSRC KBUILD MODROOT FIRMWARE; do
		echo "$key=${v[$key]}"
	done
} >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$out"
log "env: wrote $out"
cat "$out"
