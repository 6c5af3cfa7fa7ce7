#!/bin/bash
# tests/guest/build.sh: build the nested guest's images from Debian packages.
#
# The nested guest runs inside the bench VM (L1) under TCG, with a vdev
# passed through by vfio-pci, and must see exactly what a Debian 12 user
# gets: Debian's stock kernel, its unmodified idxd driver, Debian's
# accel-config.  So nothing here is built from our trees:
#   vmlinuz     linux-image-6.1.0-NN-amd64 (what linux-image-amd64 resolves to),
#               extracted, never installed on the host
#   initrd      newc cpio: busybox-static, kmod, dash, accel-config and the shared
#               libraries they need (taken from the host's installed Debian
#               packages), idxd.ko + idxd_bus.ko from the image package with
#               their modules.dep closure, dmatest.ko, and tests/guest/init
#   dmatest.ko  Debian's kernel lacks CONFIG_DMATEST, so drivers/dma/dmatest.c,
#               unmodified, from linux-source-6.1 of the image's version, built
#               out of tree against linux-headers-6.1.0-NN-amd64
#
# Everything lands in $IDXD_SIOV_CACHE/guest/<key>/, where <key> hashes the
# package versions as apt resolves them now (image, headers, source,
# busybox-static, and the host packages whose files are copied) and
# build.sh, init and cmdline, so a warm run only resolves versions and
# compares the key (a few seconds, all apt-cache).  The last two builds
# are kept.  Prints (and writes to
# $IDXD_SIOV_CACHE/guest/current.env) plain KEY=value lines:
#   GUEST_KERNEL=      the stock bzImage, as Debian ships it
#   GUEST_VMLINUX=     the same kernel uncompressed: the ELF vmlinux inside
#                      that bzImage, which QEMU's -kernel boots through the
#                      PVH entry point.  It skips the in-guest XZ
#                      decompression, 7.5 s of a 14 s boot under TCG (see
#                      README).  Same kernel code; no KASLR, 4-level paging.
#   GUEST_INITRD=      the base initramfs; append tests/guest/mkcpio.sh's
#                      output to it (cat) to add /guest-test.sh
#   GUEST_KVER=        uname -r in the guest
#   GUEST_APPEND_FILE= a file holding the kernel command line we measured
#                      (kept out of the .env because it contains spaces)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../build/common.sh disable=SC1091
. "$HERE/../build/common.sh"
ME=guest/build.sh

# The stock kernel's meta package, the modules the guest loads (their
# dependencies come from the package's own modules.dep) and the host tools
# copied into the initramfs.
META=linux-image-amd64
GUEST_MODULES=(idxd idxd_bus)
# dash is /bin/sh, as on Debian: busybox-static's ash runs its own applets
# before PATH (FEATURE_SH_STANDALONE), so under it "modprobe" in a script
# would be busybox's modprobe, not kmod's.
HOST_BINS=(/usr/bin/accel-config /usr/bin/kmod /usr/bin/dash)
KMOD_LINKS=(modprobe insmod rmmod lsmod modinfo depmod)

die() { echo "$ME: $*" >&2; exit 1; }

# apt_q CMD...: run an apt command quietly.  Its messages name the mirrors
# it uses; none of that may reach our logs, so its output is dropped and any
# URL in what it says on stderr (its errors) is masked.
apt_q() {
	local rc=0
	"$@" 2>&1 >/dev/null | sed -E 's#[a-z]+://[^ ]+#<apt source>#g' >&2 || rc=$?
	return $rc
}

# policy PKG...: one line per package apt knows: "PKG CANDIDATE VERSION...",
# every version in apt's version table after the candidate.  One apt-cache
# call for all packages: each call costs most of a second.
policy() {
	apt-cache policy "$@" 2>/dev/null | awk '
		function out() { if (p != "" && c != "" && c != "(none)") print p, c v }
		/^[^ ].*:$/ { out(); p = substr($0, 1, length($0) - 1); c = ""; v = ""; next }
		$1 == "Candidate:" { c = $2; next }
		/^ +(\*\*\* )?[^ ]+ [0-9]+$/ { sub(/^ +(\*\*\* )?/, ""); split($0, a, " "); v = v " " a[1] }
		END { out() }'
}

# ---------------------------------------------------------------- resolve
# linux-image-amd64 -> linux-image-6.1.0-NN-amd64.  apt-cache needs package
# lists; a fresh machine may have none yet.
resolve_image() {
	apt-cache depends "$META" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
img_pkg=$(resolve_image)
if [ -z "$img_pkg" ]; then
	log "guest: apt does not know $META, running apt-get update"
	apt_q apt-get -qq update
	img_pkg=$(resolve_image)
fi
[ -n "$img_pkg" ] || die "cannot resolve $META to a linux-image-<abi>-amd64 package"
kver=${img_pkg#linux-image-}
hdr_pkg=linux-headers-$kver
# the source package is named by the upstream series: 6.1.0-57 -> 6.1
src_pkg=linux-source-$(echo "$kver" | cut -d. -f1,2)
declare -A cand=() versions=()
while read -r p c v; do
	cand[$p]=$c versions[$p]=" $v "
done < <(policy "$img_pkg" "$src_pkg" busybox-static)
img_ver=${cand[$img_pkg]:-}
bb_ver=${cand[busybox-static]:-}
[ -n "$img_ver" ] || die "no candidate version for $img_pkg"
[ -n "$bb_ver" ] || die "no busybox-static in apt"
[ -n "${cand[$src_pkg]:-}" ] || die "no $src_pkg in apt: cannot build dmatest.ko"
# dmatest.c must come from the image's exact version where apt still has it
# (the security suite keeps several); else the newest, with a warning.
case "${versions[$src_pkg]}" in
*" $img_ver "*) src_ver=$img_ver ;;
*)
	src_ver=${cand[$src_pkg]}
	log "guest: WARNING: $src_pkg $img_ver is not in apt, using $src_ver's dmatest.c"
	;;
esac

# ---------------------------------------------------------------- host deps
# Installed on the host: the tools this script runs, the headers dmatest.ko
# is built against, and the packages whose binaries are copied into the
# initramfs.  The kernel image, linux-source and busybox-static are only
# downloaded (busybox-static would conflict with a host's busybox).
PKGS=(build-essential kmod cpio gzip xz-utils accel-config libaccel-config1
	"$hdr_pkg")
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "guest: installing ${missing[*]}"
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	# the headers are versioned by ABI name only: make sure the lists are
	# current so the headers match the image's version
	apt_q $SUDO apt-get -qq update
	apt_q $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}"
fi
hdr_ver=$(dpkg-query -W -f='${Version}' "$hdr_pkg")
[ "$hdr_ver" = "$img_ver" ] ||
	log "guest: WARNING: $hdr_pkg is $hdr_ver, the image is $img_ver (same ABI, modversions should still match)"
kbuild=/lib/modules/$kver/build
[ -f "$kbuild/Makefile" ] || die "$kbuild is missing ($hdr_pkg installed?)"

# host_libs: every shared object HOST_BINS need (ldd), one path a line
host_libs() {
	local b
	for b in "${HOST_BINS[@]}"; do
		[ -x "$b" ] || die "$b is missing"
		ldd "$b" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
	done | sort -u
}
# (command substitution, not <(...), so that a failure stops the script)
list=$(host_libs)
mapfile -t libs <<<"$list"

# pkg_of FILE: the Debian package owning FILE (merged /usr: try both names)
pkg_of() {
	local f=$1 alt
	alt=$(realpath "$f")
	dpkg-query -S "$f" 2>/dev/null | head -n1 | cut -d: -f1 && return
	dpkg-query -S "$alt" 2>/dev/null | head -n1 | cut -d: -f1 && return
	dpkg-query -S "${alt#/usr}" 2>/dev/null | head -n1 | cut -d: -f1 && return
	die "no Debian package owns $f"
}
list=$(for f in "${HOST_BINS[@]}" "${libs[@]}"; do pkg_of "$f"; done)
mapfile -t host_pkgs < <(sort -u <<<"$list")

# ---------------------------------------------------------------- cache key
manifest=$(
	echo "image $img_pkg $img_ver"
	echo "headers $hdr_pkg $hdr_ver"
	echo "source $src_pkg $src_ver"
	echo "busybox-static $bb_ver"
	for p in "${host_pkgs[@]}"; do
		echo "host $p $(dpkg-query -W -f='${Version}' "$p")"
	done
	# the files that make the images (not the README or the helpers)
	echo "tests/guest $(hash_inputs "$HERE/build.sh" "$HERE/init" "$HERE/cmdline")"
)
key=$(echo "$manifest" | sha256sum | cut -c1-16)
base="$IDXD_SIOV_CACHE/guest"
out="$base/$key"
mkdir -p "$base"

# write_env: current.env + stdout (plain KEY=value, like bench.env)
write_env() {
	local tmp
	tmp=$(mktemp "$base/current.env.XXXXXX")
	{
		echo "GUEST_KERNEL=$out/vmlinuz"
		echo "GUEST_VMLINUX=$out/vmlinux"
		echo "GUEST_INITRD=$out/initrd.cpio"
		echo "GUEST_KVER=$kver"
		echo "GUEST_APPEND_FILE=$out/cmdline"
	} >"$tmp"
	chmod 0644 "$tmp"
	mv -f "$tmp" "$base/current.env"
	cat "$base/current.env"
}

if [ -f "$out/.done" ]; then
	write_env
	exit 0
fi

exec 9>"$base/.lock"
flock 9
if [ -f "$out/.done" ]; then	# another run built it while we waited
	write_env
	exit 0
fi
log "guest: building $key ($img_pkg $img_ver)"
rm -rf "$out"
work=$(mktemp -d "$base/work.XXXXXX")
# shellcheck disable=SC2317  # invoked by trap
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# ---------------------------------------------------------------- downloads
# fetch PKG VER: path of PKG_VER's .deb under $base/debs (downloaded once).
# apt's sandbox user cannot write to our cache; the download is verified by
# apt all the same, so run it as root.
debs="$base/debs"
mkdir -p "$debs"
fetch() {
	local pkg=$1 ver=$2 f
	f=$(find "$debs" -maxdepth 1 -name "${pkg}_*.deb" -print | while read -r d; do
		[ "$(dpkg-deb -f "$d" Version)" = "$ver" ] && echo "$d"
	done | head -n1)
	if [ -z "$f" ]; then
		log "guest: downloading $pkg $ver"
		(cd "$debs" && apt_q apt-get -qq -o APT::Sandbox::User=root download "$pkg=$ver")
		f=$(find "$debs" -maxdepth 1 -name "${pkg}_*.deb" -print | while read -r d; do
			[ "$(dpkg-deb -f "$d" Version)" = "$ver" ] && echo "$d"
		done | head -n1)
		[ -n "$f" ] || die "apt-get download $pkg=$ver left no .deb"
		# other versions of it are dead weight (the image is 70 MB)
		find "$debs" -maxdepth 1 -name "${pkg}_*.deb" ! -path "$f" -delete
	fi
	echo "$f"
}
img_deb=$(fetch "$img_pkg" "$img_ver")
bb_deb=$(fetch busybox-static "$bb_ver")

# dmatest.c from linux-source: 140 MB .deb holding a .tar.xz of the whole
# tree; keep only the one file we build (and the top Makefile, which
# records the upstream version), then drop the .deb.
srcdir="$base/src/$src_pkg-$src_ver"
if [ ! -f "$srcdir/.done" ]; then
	src_deb=$(fetch "$src_pkg" "$src_ver")
	log "guest: extracting dmatest.c from $src_pkg $src_ver"
	rm -rf "$srcdir"; mkdir -p "$srcdir"
	dpkg-deb --fsys-tarfile "$src_deb" |
		tar -xO "./usr/src/$src_pkg.tar.xz" |
		tar -C "$srcdir" --strip-components=1 -xJ \
			"$src_pkg/drivers/dma/dmatest.c" "$src_pkg/Makefile"
	[ -f "$srcdir/drivers/dma/dmatest.c" ] || die "no drivers/dma/dmatest.c in $src_deb"
	touch "$srcdir/.done"
	rm -f "$src_deb"
fi

# ---------------------------------------------------------------- kernel
img="$work/img"
mkdir -p "$img"
dpkg-deb -x "$img_deb" "$img"
mods="$img/lib/modules/$kver"
[ -f "$img/boot/vmlinuz-$kver" ] || die "no /boot/vmlinuz-$kver in $img_deb"
[ -d "$mods/kernel" ] || die "no /lib/modules/$kver in $img_deb"
cfg="$img/boot/config-$kver"
# Facts the rest of this script relies on, checked rather than assumed:
# unsigned dmatest.ko loads only without MODULE_SIG_FORCE (Debian 6.1 has
# MODULE_SIG=y, not forced: loading taints, with a notice); the console is
# the builtin 8250; /init mounts devtmpfs itself.
grep -qx 'CONFIG_MODULE_SIG_FORCE=y' "$cfg" && die "$kver forces module signatures: unsigned dmatest.ko cannot load"
grep -qx 'CONFIG_SERIAL_8250_CONSOLE=y' "$cfg" || die "$kver has no builtin 8250 console"
grep -qx 'CONFIG_DEVTMPFS=y' "$cfg" || die "$kver has no devtmpfs"
grep -qx 'CONFIG_DMATEST=[ym]' "$cfg" && log "guest: note: $kver has its own dmatest now"
# The package ships no modules.dep (postinst runs depmod): make one.
depmod -b "$img" "$kver"
# The closure of GUEST_MODULES, in load order, as modprobe sees it.
list=$(for m in "${GUEST_MODULES[@]}"; do
	modprobe -d "$img" -S "$kver" --show-depends "$m"
done)
mapfile -t need < <(awk '$1 == "insmod" && !seen[$2]++ { print $2 }' <<<"$list")
[ ${#need[@]} -gt 0 ] || die "modprobe found none of ${GUEST_MODULES[*]} in $img_pkg"

# ---------------------------------------------------------------- dmatest
dmt="$work/dmatest"
mkdir -p "$dmt"
cp "$srcdir/drivers/dma/dmatest.c" "$dmt/"
echo 'obj-m := dmatest.o' >"$dmt/Kbuild"
log "guest: building dmatest.ko against $hdr_pkg"
make -s -C "$kbuild" M="$dmt" modules >&2
# Debian strips its modules' debug info; do the same (520 KB -> 60 KB)
strip --strip-debug "$dmt/dmatest.ko"
[ "$(modinfo -F vermagic "$dmt/dmatest.ko")" = "$(modinfo -F vermagic "${need[0]}")" ] ||
	die "dmatest.ko's vermagic differs from $img_pkg's"

# extract_vmlinux BZIMAGE OUT: the compressed kernel a bzImage carries is
# the ELF vmlinux (objcopy -S, plus the relocations appended after it),
# at setup size + payload_offset, payload_length bytes long (x86 boot
# protocol >= 2.08: setup_sects at 0x1f1, payload_offset at 0x248,
# payload_length at 0x24c).  Debian compresses it with XZ.  QEMU boots the
# ELF through its Xen PVH note (XEN_ELFNOTE_PHYS32_ENTRY, type 0x12),
# which exists only with CONFIG_PVH.
extract_vmlinux() {
	local bz=$1 to=$2 sects off len magic
	le32() { od -An -tu4 -j "$1" -N4 "$bz" | tr -d ' '; }
	sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$bz" | tr -d ' ')
	off=$(( (sects + 1) * 512 + $(le32 $((0x248))) ))
	len=$(le32 $((0x24c)))
	magic=$(od -An -tx1 -j "$off" -N6 "$bz" | tr -d ' ')
	[ "$magic" = fd377a585a00 ] || die "$bz: payload is not XZ (magic $magic): extend extract_vmlinux"
	grep -qx 'CONFIG_PVH=y' "$cfg" || die "$kver has no CONFIG_PVH: it cannot boot as an ELF"
	# --single-stream: the payload ends with the kernel's 4-byte size
	dd if="$bz" iflag=skip_bytes,count_bytes skip="$off" count="$len" bs=1M status=none |
		xz -dc --single-stream >"$to"
	readelf -n "$to" | grep -q 'Xen.*(0x00000012)' ||
		die "$to has no PVH entry note"
}

# ---------------------------------------------------------------- initramfs
# Merged-/usr layout like Debian 12's own: /bin, /sbin, /lib, /lib64 are
# links into /usr, so ldd's and depmod's paths are valid as they are.
root="$work/root"
mkdir -p "$root"/usr/{bin,sbin,lib/x86_64-linux-gnu,lib64} \
	"$root"/{dev,proc,sys,tmp,run,mnt,root,etc/modprobe.d}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
chmod 1777 "$root/tmp"

bbx="$work/busybox"
dpkg-deb -x "$bb_deb" "$bbx"
install -m 0755 "$bbx/bin/busybox" "$root/usr/bin/busybox"
# one link per applet; kmod's tools below take precedence over busybox's
for a in $("$root/usr/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -sf busybox "$root/usr/bin/$a"
done
for b in "${HOST_BINS[@]}"; do
	install -m 0755 "$b" "$root/usr/bin/"
done
for a in "${KMOD_LINKS[@]}"; do
	rm -f "$root/usr/bin/$a"
	ln -s ../bin/kmod "$root/usr/sbin/$a"
done
ln -sf dash "$root/usr/bin/sh"
# every library flat in the multiarch directory, under its soname
for l in "${libs[@]}"; do
	case "$l" in
	*/ld-linux-x86-64.so.2) ;;
	/lib/x86_64-linux-gnu/*|/usr/lib/x86_64-linux-gnu/*) ;;
	*) die "unexpected library path $l: extend the initramfs layout" ;;
	esac
	cp -L "$l" "$root/usr/lib/x86_64-linux-gnu/$(basename "$l")"
done
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/usr/lib64/ld-linux-x86-64.so.2"

groot="$root/lib/modules/$kver"
mkdir -p "$groot/extra"
for m in "${need[@]}"; do
	rel=${m#"$mods"/}
	mkdir -p "$groot/$(dirname "$rel")"
	cp "$m" "$groot/$rel"
done
cp "$dmt/dmatest.ko" "$groot/extra/"
# modules.builtin lets modprobe succeed on builtin drivers (8250, ...);
# modules.order (load order for depmod) reduced to what we ship
cp "$mods/modules.builtin" "$mods/modules.builtin.modinfo" "$groot/"
{
	grep -xF -f <(printf '%s\n' "${need[@]#"$mods"/}") "$mods/modules.order" || true
	echo extra/dmatest.ko
} >"$groot/modules.order"
depmod -b "$root" "$kver"

printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
ln -s ../proc/self/mounts "$root/etc/mtab"
install -m 0755 "$HERE/init" "$root/init"
# The kernel opens /dev/console for init before init can mount devtmpfs.
mknod -m 0600 "$root/dev/console" c 5 1
mknod -m 0666 "$root/dev/null" c 1 3

# Sanity checks on the host, in the initramfs as root directory: every
# dynamic binary finds its libraries, and modprobe resolves our modules.
# (accel-config itself fails without a loaded idxd, so ask the loader)
for b in "${HOST_BINS[@]}"; do
	if ! ldout=$(chroot "$root" /lib64/ld-linux-x86-64.so.2 --list "$b" 2>&1) ||
	   grep -q 'not found' <<<"$ldout"; then
		die "$b does not link in the initramfs: $ldout"
	fi
done
for m in "${GUEST_MODULES[@]}" dmatest; do
	chroot "$root" /usr/sbin/modprobe -S "$kver" --show-depends "$m" >/dev/null ||
		die "modprobe cannot resolve $m in the initramfs"
done
chroot "$root" /usr/bin/sh -n /init || die "init does not parse under sh"
for a in "${KMOD_LINKS[@]}"; do
	[ "$(chroot "$root" /usr/bin/sh -c "PATH=/usr/sbin:/usr/bin; command -v $a")" = "/usr/sbin/$a" ] ||
		die "$a in the initramfs is not kmod's"
done

# Uncompressed: QEMU copies it into guest RAM at host speed, while gunzip
# would run in the guest under (nested) TCG.  An uncompressed archive also
# lets a second one be appended with plain cat (after a gzip member the
# kernel only accepts the next archive at a 4-byte aligned offset).
mkdir -p "$out"
(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null --quiet -o -H newc -R 0:0 --reproducible) >"$out/initrd.cpio"
cp "$img/boot/vmlinuz-$kver" "$out/vmlinuz"
extract_vmlinux "$out/vmlinuz" "$out/vmlinux"
cp "$cfg" "$out/config-$kver"
cp "$dmt/dmatest.ko" "$out/dmatest.ko"
# one line, without the file's comments
sed 's/#.*//' "$HERE/cmdline" | tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//' >"$out/cmdline"
{
	echo "$manifest"
	printf 'module %s\n' "${need[@]#"$mods"/}" extra/dmatest.ko
} >"$out/manifest"
touch "$out/.done"
# Drop older builds (85 MB each) but the one current.env named until now,
# which a caller may still be using.
prev=$(sed -n 's#^GUEST_INITRD=\(.*\)/initrd.cpio$#\1#p' "$base/current.env" 2>/dev/null || true)
find "$base" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended \
	-regex '.*/[0-9a-f]{16}' ! -name "$key" ! -path "${prev:-/nonexistent}" \
	-exec rm -rf {} +
log "guest: done: $out ($(du -h "$out/initrd.cpio" | cut -f1) initramfs)"
write_env
