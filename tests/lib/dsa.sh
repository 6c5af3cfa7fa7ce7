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
