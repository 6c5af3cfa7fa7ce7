#!/bin/bash
# tests/guest/mkcpio.sh SCRIPT OUT [FILE...]
#
# Make the small second initramfs that carries the nested guest's test:
# SCRIPT becomes /guest-test.sh (run by tests/guest/init, by sh, so it need
# not be executable), each FILE is copied into /guest/ under its basename.
# OUT is an uncompressed newc cpio to append to the base image:
#   cat "$GUEST_INITRD" OUT >combined.cpio; qemu ... -initrd combined.cpio
# The kernel unpacks concatenated archives in order, later files winning.
# The base image is uncompressed, so plain concatenation is enough (after a
# gzip member the kernel would want the next archive 4-byte aligned).
set -euo pipefail

if [ $# -lt 2 ]; then
	echo "usage: tests/guest/mkcpio.sh SCRIPT OUT [FILE...]" >&2
	exit 2
fi
script=$1 out=$2
shift 2
[ -f "$script" ] || { echo "mkcpio.sh: no such file: $script" >&2; exit 2; }

tmp=$(mktemp -d)
# shellcheck disable=SC2317  # invoked by trap
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

install -m 0755 "$script" "$tmp/guest-test.sh"
if [ $# -gt 0 ]; then
	mkdir "$tmp/guest"
	for f in "$@"; do
		[ -f "$f" ] || { echo "mkcpio.sh: no such file: $f" >&2; exit 2; }
		install -m 0644 "$f" "$tmp/guest/$(basename "$f")"
	done
fi
# -R 0:0: owned by root in the guest whoever built it
(cd "$tmp" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null --quiet -o -H newc -R 0:0 --reproducible) >"$out.tmp"
mv -f "$out.tmp" "$out"
