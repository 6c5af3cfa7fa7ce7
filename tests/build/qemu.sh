#!/bin/bash
# Build our QEMU: Debian's qemu source + tests/qemu/patches + tests/qemu/src.
# Prints the path of the qemu-system-x86_64 binary on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"
export PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH	# system meson wants system python

"$TOP/tests/build/deps.sh" >&2
"$TOP/tests/build/deb-src.sh" >&2

ver=$(apt-cache showsrc qemu | awk '/^Version:/ { print $2 }' | sort -V | tail -1)
[ -n "$ver" ] || { echo "qemu.sh: no qemu source package" >&2; exit 1; }
srcroot="$IDXD_SIOV_CACHE/src/qemu-${ver//:/_}"
if [ ! -f "$srcroot/.done" ]; then
	log "qemu: fetching Debian source $ver"
	rm -rf "$srcroot"; mkdir -p "$srcroot"
	(cd "$srcroot" && apt-get source -q "qemu=$ver" >&2)
	touch "$srcroot/.done"
fi
pristine=$(find "$srcroot" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' | head -1)

CONF=(--target-list=x86_64-softmmu --without-default-features
	--disable-docs --disable-tools --disable-guest-agent --disable-werror
	--enable-virtfs --enable-attr --enable-cap-ng
	--enable-trace-backends=log)
key=$(echo "$ver ${CONF[*]}" | sha256sum | cut -c1-12)
work="$IDXD_SIOV_CACHE/qemu-$key"
stage="$work/stage"
mkdir -p "$work"
exec 9>"$work/.lock"
flock 9

# Stage pristine + our changes, then sync only differing files into src/.
rm -rf "$stage"; mkdir -p "$work"
cp -al "$pristine" "$stage"
for p in "$TOP"/tests/qemu/patches/*.patch; do
	[ -f "$p" ] || continue
	patch -s -p1 -d "$stage" --no-backup-if-mismatch <"$p" ||
		{ echo "qemu.sh: $p does not apply" >&2; exit 1; }
done
# our own files: copied (not linked) so the pristine tree stays intact
(cd "$TOP/tests/qemu/src" && find . -type f -print0 |
	while IFS= read -r -d '' f; do
		rm -f "$stage/$f"; mkdir -p "$stage/$(dirname "$f")"
		cp "$f" "$stage/$f"
	done)
sync_tree "$stage" "$work/src"
rm -rf "$stage"; mkdir -p "$work"

if [ ! -f "$work/build/build.ninja" ]; then
	log "qemu: configuring"
	mkdir -p "$work/build"
	(cd "$work/build" && ../src/configure "${CONF[@]}" >&2)
fi
log "qemu: building"
ninja -C "$work/build" -j"$JOBS" qemu-system-x86_64 >&2 ||
	{ echo "qemu.sh: build failed" >&2; exit 1; }
echo "$work/build/qemu-system-x86_64"
