#!/bin/bash
# Build our kernel: Debian's linux-source-6.12 + patches/linux/*.patch,
# config = defconfig + kvm_guest.config + tests/build/kernel.config.
# Prints KERNEL=, KREL=, KSRC=, KBUILD=, MODROOT= lines on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$TOP/tests/build/deps.sh" >&2

ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
tarball=/usr/src/linux-source-6.12.tar.xz
pristine="$IDXD_SIOV_CACHE/src/linux-source-$ver"
if [ ! -f "$pristine/.done" ]; then
	log "kernel: unpacking linux-source-6.12 $ver"
	rm -rf "$pristine"; mkdir -p "$pristine"
	tar -C "$pristine" --strip-components=1 -xf "$tarball"
	touch "$pristine/.done"
fi

work="$IDXD_SIOV_CACHE/linux-$ver"
stage="$work/stage"
mkdir -p "$work"
exec 9>"$work/.lock"
flock 9

rm -rf "$stage"
cp -al "$pristine" "$stage"
rm -f "$stage/.done"
for p in "$TOP"/patches/linux/*.patch; do
	[ -f "$p" ] || continue
	patch -s -p1 -d "$stage" --no-backup-if-mismatch <"$p" ||
		{ echo "kernel.sh: $p does not apply" >&2; exit 1; }
done
sync_tree "$stage" "$work/src"
rm -rf "$stage"

build="$work/build"
mkdir -p "$build"
MAKE=(make -s -C "$work/src" O="$build" -j"$JOBS" CC="ccache gcc")
# regenerate the config; replace .config only if its content changed so
# kbuild sees no change on a warm tree
cfg=$(mktemp -d)
"${MAKE[@]}" O="$cfg" defconfig >&2
(cd "$work/src" && KCONFIG_CONFIG="$cfg/.config" \
	scripts/kconfig/merge_config.sh -m -O "$cfg" "$cfg/.config" \
	kernel/configs/kvm_guest.config "$TOP/tests/build/kernel.config" >/dev/null)
"${MAKE[@]}" O="$cfg" olddefconfig >&2
# every line of our fragment must have survived (catches typos, deps)
bad=
while IFS= read -r line; do
	case "$line" in ''|'#'*) continue ;; esac
	sym=${line%%=*}; val=${line#*=}
	if [ "$val" = n ]; then
		grep -qx "$sym=.*" "$cfg/.config" && { echo "kernel.sh: $sym still set" >&2; bad=1; }
	else
		grep -qxF "$line" "$cfg/.config" || { echo "kernel.sh: $line not in final config" >&2; bad=1; }
	fi
done <"$TOP/tests/build/kernel.config"
[ -z "${bad:-}" ] || exit 1
cmp -s "$cfg/.config" "$build/.config" || cp "$cfg/.config" "$build/.config"
rm -rf "$cfg"

log "kernel: building"
"${MAKE[@]}" bzImage modules >&2
krel=$(cat "$build/include/config/kernel.release")
modroot="$work/modroot"
if [ ! -f "$modroot/lib/modules/$krel/modules.dep" ] ||
   [ -n "$(find "$build" -name '*.ko' -newer "$modroot/lib/modules/$krel/modules.dep" -print -quit)" ]; then
	log "kernel: installing modules"
	rm -rf "$modroot"
	"${MAKE[@]}" INSTALL_MOD_PATH="$modroot" INSTALL_MOD_STRIP=1 modules_install >&2
fi
echo "KERNEL=$build/arch/x86/boot/bzImage"
echo "KREL=$krel"
echo "KSRC=$work/src"
echo "KBUILD=$build"
echo "MODROOT=$modroot"
