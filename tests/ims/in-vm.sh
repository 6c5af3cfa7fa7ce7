#!/bin/bash
# The IMS irqchip (drivers/irqchip/irq-ims-array.c) and the parent
# driver's IMS vectors on the DSA model, run inside the bench VM through
# the ims_test client (tests/ims/kmod). Slot contents are read back from
# the device (slots.py); the model's trace of every slot write is checked
# by the host afterwards (check-trace.py).
#
# usage: in-vm.sh KMOD_DIR TEST_KO on|off
#   KMOD_DIR  drivers/dma/idxd of the module build (see tests/lib/dsa.sh)
#   TEST_KO   ims_test.ko
#   on|off    whether the VM has interrupt remapping (only the chip's
#             name in /proc/interrupts may differ)
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
KMOD_DIR=${1:?usage: in-vm.sh KMOD_DIR TEST_KO on|off}
TEST_KO=${2:?usage: in-vm.sh KMOD_DIR TEST_KO on|off}
INTREMAP=${3:?usage: in-vm.sh KMOD_DIR TEST_KO on|off}
# shellcheck source=../lib/checks.sh
. "$HERE/../lib/checks.sh"
# shellcheck source=../lib/dsa.sh
. "$HERE/../lib/dsa.sh"

T=/sys/kernel/debug/ims_test
MASK=0x1 PASID_EN=0x8
# check runs each function in a subshell: what they share is set here.
PCIDEV=$(dsa_pci_dir)

ctl() { echo "$*" >"$T/ctl"; }		# ctl COMMAND: fails with its errno

slots() { /usr/bin/python3 "$HERE/slots.py" "$PCIDEV" "$@"; }

wq_pasid() {	# the PASID ims_test gave wq0.0, from its probe line
	dmesg | sed -n 's/.*ims_test: enabled with PASID \([0-9]*\).*/\1/p' | tail -n 1
}

# expect_slot INDEX CTRL: the slot's control word is CTRL
expect_slot() {
	local got
	got=$(slots "$1" 1 | awk '{print $5}')
	expect_eq "slot $1 ctrl" "$got" "$(printf '%#x' "$2")"
}

pasid_ctrl() { echo $((($1 << 12) | PASID_EN)); }	# pasid_ctrl PASID

setup() {
	load_ours "$KMOD_DIR" && insmod "$TEST_KO" || return 1
	[ -e "$PCIDEV/resource0" ] || { echo "no PCI device bound to siov_idxd"; return 1; }
	[ "$(attr dsa0 ims_size)" -gt 0 ] ||
		{ echo "ims_size is $(attr dsa0 ims_size)"; dmesg | grep -i ims; return 1; }
	dmesg -C
	config_dwq wq0.0 imstest ims_test kernel &&
	accel-config enable-device dsa0 &&
	accel-config enable-wq dsa0/wq0.0 || return 1
	expect_eq "wq0.0 state" "$(attr wq0.0 state)" enabled &&
	[ -n "$(wq_pasid)" ] || { echo "no PASID line from ims_test"; return 1; }
}

ims_size_is_the_capability() {	# the model's default ims-mult=1
	expect_eq ims_size "$NSLOTS" 256
}

# Every slot the device has: each one masked with the WQ's PASID as soon
# as it is allocated; one more is refused; freed slots hold nothing.
alloc_every_slot() {
	local want bad n
	ctl free || return 1	# whatever a failed check left
	want=$(pasid_ctrl "$(wq_pasid)")
	ctl "alloc $NSLOTS wq" || return 1
	n=$(awk '{print $1}' "$T/vectors" | sort -un | wc -l)
	expect_eq "distinct slots" "$n" "$NSLOTS" || return 1
	bad=$(slots 0 "$NSLOTS" | awk -v w="$(printf '%#x' $((want | MASK)))" '$5 != w' | head -n 3)
	[ -z "$bad" ] || { echo "slots not masked with PASID ctrl $(printf %#x $((want | MASK))):"; echo "$bad"; return 1; }
	if ctl "alloc 1 wq" 2>"$TMPERR"; then
		echo "slot $((NSLOTS + 1)) allocated"; return 1
	fi
	grep -q "No space left on device" "$TMPERR" ||
		{ echo "extra allocation failed with: $(cat "$TMPERR")"; return 1; }
	ctl free || return 1
	bad=$(slots 0 "$NSLOTS" | awk '$2 != "0x0" || $3 != "0x0" || $4 != "0x0" || $5 != "0x1"' | head -n 3)
	[ -z "$bad" ] || { echo "freed slots not masked and empty:"; echo "$bad"; return 1; }
	# and all of them again
	ctl "alloc $NSLOTS wq" && ctl free
}

# request_irq() unmasks the slot, free_irq() masks it; the PASID stays.
unmask_mask_reach_the_slot() {
	local want idx
	local -a idxs
	ctl free || return 1	# whatever a failed check left
	want=$(pasid_ctrl "$(wq_pasid)")
	ctl "alloc 4 wq" || return 1
	mapfile -t idxs < <(awk '{print $1}' "$T/vectors")
	for idx in "${idxs[@]}"; do
		expect_slot "$idx" $((want | MASK)) || return 1
	done
	ctl request || return 1
	for idx in "${idxs[@]}"; do
		expect_slot "$idx" "$want" || return 1
		# an unmasked slot holds a real message
		[ "$(slots "$idx" 1 | awk '{print $2}')" != 0x0 ] ||
			{ echo "slot $idx unmasked without a message"; return 1; }
	done
	ctl release || return 1
	for idx in "${idxs[@]}"; do
		expect_slot "$idx" $((want | MASK)) || return 1
	done
	ctl free
}

# expect_last WANT: the outcome of the last submit
expect_last() { expect_eq "submit" "$(cat "$T/last")" "$1"; }

# Descriptors through the IMS portal interrupt the vector whose handle
# they carry, and no other.
interrupts_arrive_on_the_right_vector() {
	local virq before after
	ctl free || return 1	# whatever a failed check left
	ctl "alloc 3 wq" && ctl request || return 1
	ctl "submit 1 8" && expect_last "status=0x01 done=8 copied=8 irqs=8 other_irqs=0" || return 1
	ctl "submit 2 3" && expect_last "status=0x01 done=3 copied=3 irqs=3 other_irqs=0" || return 1
	# the kernel saw them too, on an IMS interrupt of this device
	virq=$(awk 'NR == 2 {print $3}' "$T/vectors")
	grep -E "^ *$virq:.*IMS-0000:.*ims_test" /proc/interrupts ||
		{ echo "IRQ $virq not an IMS interrupt:"; grep -E "^ *$virq:" /proc/interrupts; return 1; }
	before=$(awk -v v="$virq:" '$1 == v {s = 0; for (i = 2; i <= 3; i++) s += $i; print s}' /proc/interrupts)
	ctl "submit 1 2" && expect_last "status=0x01 done=2 copied=2 irqs=2 other_irqs=0" || return 1
	after=$(awk -v v="$virq:" '$1 == v {s = 0; for (i = 2; i <= 3; i++) s += $i; print s}' /proc/interrupts)
	expect_eq "/proc/interrupts count" $((after - before)) 2 || return 1
	ctl free
}

# A descriptor whose PASID is not the slot's raises nothing: the device
# completes it with "invalid interrupt handle" (0x19) and does no work.
wrong_pasid_raises_nothing() {
	ctl free || return 1	# whatever a failed check left
	ctl "alloc 1 wq" && ctl "alloc 1 other" && ctl "alloc 1 none" &&
	ctl request || return 1
	ctl "submit 1 2" && expect_last "status=0x19 done=2 copied=0 irqs=0 other_irqs=0" || return 1
	ctl "submit 2 2" && expect_last "status=0x19 done=2 copied=0 irqs=0 other_irqs=0" || return 1
	# the right PASID still works next to them
	ctl "submit 0 1" && expect_last "status=0x01 done=1 copied=1 irqs=1 other_irqs=0" || return 1
	ctl free
}

# An interrupt a masked slot still holds when it is freed never reaches
# the slot's next owner: the chip drops it (PENDING, ctrl bit 1) at free
# and at allocation, so unmasking the new owner's vector raises nothing.
pending_dropped_between_owners() {
	local want idx again
	ctl free || return 1	# whatever a failed check left
	want=$(pasid_ctrl "$(wq_pasid)")
	ctl "alloc 1 wq" || return 1
	idx=$(awk '{print $1}' "$T/vectors")
	# not requested: the slot is masked and holds the interrupt
	ctl "submit 0 1" && expect_last "status=0x01 done=1 copied=1 irqs=0 other_irqs=0" &&
	expect_slot "$idx" $((want | MASK | 0x2)) || return 1
	ctl free && expect_slot "$idx" "$MASK" || return 1
	ctl "alloc 1 wq" && ctl request || return 1
	again=$(awk '{print $1}' "$T/vectors")
	expect_eq "slot given to the next owner" "$again" "$idx" || return 1
	sleep 1
	expect_eq "interrupts at the next owner's unmask" \
		"$(awk '{print $6}' "$T/vectors")" 0 || return 1
	ctl "submit 0 1" && expect_last "status=0x01 done=1 copied=1 irqs=1 other_irqs=0" || return 1
	ctl free
}

chip_name_for_intremap() {
	local line
	ctl free || return 1	# whatever a failed check left
	ctl "alloc 1 wq" && ctl request || return 1
	line=$(grep ims_test /proc/interrupts)
	ctl free || return 1
	case "$INTREMAP:$line" in
	on:*IR-IMS-0000:*) ;;
	off:*IR-IMS-*) echo "remapped chip without interrupt remapping: $line"; return 1 ;;
	off:*\ IMS-0000:*) ;;
	*) echo "unexpected chip for intremap=$INTREMAP: $line"; return 1 ;;
	esac
}

cycles() {	# 100 alloc/request/submit/release/free rounds
	local i
	ctl free || return 1	# whatever a failed check left
	for i in $(seq 1 100); do
		ctl "alloc 8 wq" && ctl request || { echo "round $i: alloc/request"; return 1; }
		if [ $((i % 25)) -eq 0 ]; then
			ctl "submit 7 1" && expect_last "status=0x01 done=1 copied=1 irqs=1 other_irqs=0" ||
				{ echo "round $i: submit"; return 1; }
		fi
		ctl release && ctl free || { echo "round $i: release/free"; return 1; }
	done
	! grep -q ims_test /proc/interrupts || { echo "ims_test IRQs left"; return 1; }
}

# Disabling the WQ unbinds ims_test with vectors requested: they are
# freed and their slots left masked and empty.
unbind_with_vectors_requested() {
	local bad
	ctl free || return 1	# whatever a failed check left
	ctl "alloc 4 wq" && ctl request || return 1
	accel-config disable-wq dsa0/wq0.0 || return 1
	expect_eq "wq0.0 state" "$(attr wq0.0 state)" disabled || return 1
	! grep -q ims_test /proc/interrupts || { echo "ims_test IRQs left"; return 1; }
	bad=$(slots 0 "$NSLOTS" | awk '$5 != "0x1"' | head -n 3)
	[ -z "$bad" ] || { echo "slots left in use:"; echo "$bad"; return 1; }
}

teardown() {
	disable_all && rmmod ims_test && unload_ours
}

TMPERR=$(mktemp)
check "setup: ims_test bound to a dedicated WQ with its own PASID" setup
NSLOTS=$(attr dsa0 ims_size 2>/dev/null || echo 0)
check "ims_size is the IMS capability" ims_size_is_the_capability
check "allocate every slot, refuse one more, free, again" alloc_every_slot
check "masked at allocation with the PASID; unmask/mask reach the slot" unmask_mask_reach_the_slot
check "IMS-portal descriptors interrupt the right vector" interrupts_arrive_on_the_right_vector
check "a PASID other than the slot's raises no interrupt (status 0x19)" wrong_pasid_raises_nothing
check "an interrupt pending at free never reaches the slot's next owner" \
	pending_dropped_between_owners
check "chip name matches interrupt remapping $INTREMAP" chip_name_for_intremap
check "100 alloc/request/release/free cycles" cycles
check "WQ unbind frees requested vectors" unbind_with_vectors_requested
check "teardown and module unload" teardown
rm -f "$TMPERR"
finish_checks
