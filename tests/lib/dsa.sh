# shellcheck shell=bash
# Helpers for in-VM scripts that drive a DSA device through the dsa bus
# and accel-config, with either driver stack; sourced after checks.sh.

DSA=/sys/bus/dsa/devices

attr() { cat "$DSA/$1/$2"; }	# attr OBJECT ATTRIBUTE

expect_eq() {	# expect_eq WHAT GOT WANT
	[ "$2" = "$3" ] || { echo "$1: got '$2', want '$3'"; return 1; }
}

disable_all() {	# WQs first: accel-config refuses to disable a busy device
	local wq
	for wq in "$DSA"/wq0.*; do
		[ "$(cat "$wq/state")" = enabled ] || continue
		accel-config disable-wq "dsa0/$(basename "$wq")" || return 1
	done
	if [ "$(attr dsa0 state)" = enabled ]; then
		accel-config disable-device dsa0 || return 1
	fi
	expect_eq "device state" "$(attr dsa0 state)" disabled
}

# Our modules, in load order. KMOD_DIR is drivers/dma/idxd of the module
# build tree (tests/host/build.sh); the IMS irqchip idxd.ko needs sits in
# drivers/irqchip of the same tree.
our_modules() {	# our_modules KMOD_DIR: prints the .ko paths
	echo "$1/../../irqchip/irq-ims-array.ko" "$1/siov_idxd_bus.ko" "$1/idxd.ko"
}

load_ours() {	# load_ours KMOD_DIR: insmod every module not loaded yet
	local ko name
	for ko in $(our_modules "$1"); do
		name=${ko##*/}
		name=${name%.ko}
		[ -d "/sys/module/${name//-/_}" ] && continue
		insmod "$ko" || { echo "insmod $ko failed"; return 1; }
	done
}

unload_ours() {	# rmmod every one of our modules that is loaded
	local name
	for name in idxd siov_idxd_bus irq_ims_array; do
		[ -d "/sys/module/$name" ] || continue
		rmmod "$name" || { echo "rmmod $name failed"; return 1; }
	done
}

dsa_pci_dir() {	# the sysfs directory of the (first) DSA PCI function
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x8086:0x0b25 ] &&
			{ echo "$d"; return 0; }
	done
	return 1
}

# config_swq WQ NAME DRIVER TYPE: WQ shared, size 16, threshold 16, in
# group 0, for DRIVER. Device and WQ are left disabled.
config_swq() {
	accel-config config-engine dsa0/engine0.0 --group-id=0 &&
	accel-config config-wq "dsa0/$1" --group-id=0 --mode=shared \
		--wq-size=16 --threshold=16 --priority=10 --type="$4" \
		--name="$2" --driver-name="$3"
}

# config_dwq WQ NAME DRIVER TYPE: WQ (e.g. wq0.0) dedicated, size 16, in
# group 0 with engine0.0, for DRIVER. Device and WQ are left disabled.
config_dwq() {
	accel-config config-engine dsa0/engine0.0 --group-id=0 &&
	accel-config config-wq "dsa0/$1" --group-id=0 --mode=dedicated \
		--wq-size=16 --priority=10 --type="$4" --name="$2" \
		--driver-name="$3"
}
