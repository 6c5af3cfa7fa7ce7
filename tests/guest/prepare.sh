# shellcheck shell=bash
# guest_prepare WORK TEST: what a run of nested guests in the bench VM
# needs, in WORK (a directory the VM sees through its 9p root): our QEMU
# and the modules built, the guest images (tests/guest/build.sh), an
# initramfs with TEST as /guest-test.sh, and WORK/guest.env for
# tests/guest/in-vm.sh and tests/demo/in-vm.sh. Sourced after
# tests/build/common.sh and tests/lib/suite.sh by suite.sh and
# tests/demo.sh; sets PARENT_KMOD (tests/host/build.sh).
# shellcheck source=../host/build.sh
. "$TOP/tests/host/build.sh"

guest_prepare() {
	local work=$1 genv key val
	load_bench_env
	build_parent
	"$TOP/tests/guest/build.sh" >/dev/null
	genv=$IDXD_SIOV_CACHE/guest/current.env
	GUEST_VMLINUX='' GUEST_INITRD='' GUEST_APPEND_FILE=''
	while IFS='=' read -r key val; do
		case "$key" in
		GUEST_VMLINUX|GUEST_INITRD|GUEST_APPEND_FILE) printf -v "$key" '%s' "$val" ;;
		esac
	done <"$genv"

	# The guest's initramfs: the base image and our test, made here on the
	# host (the VM sees this directory read-only through its 9p root).
	"$TOP/tests/guest/mkcpio.sh" "$2" "$work/test.cpio"
	cat "$GUEST_INITRD" "$work/test.cpio" >"$work/initrd.cpio"
	# Copies, not the cache's files: a concurrent build may replace those
	# while the VM runs (QEMU is the bench's own binary, the one tests/vm/run
	# runs).
	cp "$QEMU" "$work/qemu-system-x86_64"
	# libvirt's <emulator>: the same binary, with the firmware directories of
	# Debian's seabios and qemu-system-data that our build (Debian's source,
	# its ROM blobs stripped) does not hold; libvirt passes no -L
	printf '#!/bin/sh\nexec %s -L /usr/share/seabios -L /usr/share/qemu "$@"\n' \
		"$work/qemu-system-x86_64" >"$work/qemu-libvirt"
	chmod +x "$work/qemu-libvirt"
	cp "$GUEST_VMLINUX" "$work/vmlinux"
	cp "$GUEST_APPEND_FILE" "$work/cmdline"
	{
		echo "QEMU=$work/qemu-system-x86_64"
		echo "QEMU_LIBVIRT=$work/qemu-libvirt"
		echo "GUEST_VMLINUX=$work/vmlinux"
		echo "GUEST_INITRD=$work/initrd.cpio"
		echo "GUEST_APPEND_FILE=$work/cmdline"
		echo "GUEST_TIMEOUT=${GUEST_TIMEOUT:-1500}"
		# extra guest command line, for a look at a run (e.g. initcall_debug
		# gt_profile=1, see guest-test.sh)
		echo "GUEST_APPEND=${GUEST_APPEND:-}"
	} >"$work/guest.env"
}

# guest_work TIMEOUT: guest_prepare in a new directory, GUEST_WORK, which
# goes when the caller exits (an EXIT trap: the caller sets none of its
# own); GUEST_TIMEOUT, each nested QEMU's limit in seconds, is TIMEOUT
# unless the environment sets it
guest_work() {
	GUEST_WORK=$(mktemp -d)
	trap 'rm -rf "$GUEST_WORK"' EXIT
	export GUEST_TIMEOUT=${GUEST_TIMEOUT:-$1}
	guest_prepare "$GUEST_WORK" "$TOP/tests/guest/guest-test.sh"
}
