#!/bin/bash
# Install everything the bench needs on a fresh Debian 12 machine.
# Idempotent: a warm machine only pays for the dpkg query.
set -euo pipefail

PKGS=(
	# kernel build
	build-essential bc bison flex libelf-dev libssl-dev dwarves ccache
	rsync cpio kmod xz-utils sparse python3 linux-source-6.12
	# QEMU build
	dpkg-dev meson ninja-build pkg-config libglib2.0-dev libpixman-1-dev
	libfdt-dev zlib1g-dev libattr1-dev libcap-ng-dev seabios
	qemu-system-data
	# software under test that nobody here wrote
	accel-config libaccel-config-dev mdevctl
	# suite guest: libvirt 9.0 runs the dedicated vdev's guest (no
	# Debian QEMU: the domain's emulator is ours)
	libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu
	# suite lint
	shellcheck
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
