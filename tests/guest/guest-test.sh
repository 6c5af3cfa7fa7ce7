#!/bin/sh
# /guest-test.sh of the nested guest of suite "guest" (tests/guest/in-vm.sh
# puts it in the guest's initramfs with tests/guest/mkcpio.sh).  POSIX sh,
# run by Debian's dash; busybox tools, kmod, accel-config.
#
# The guest has one PCI function of interest, a vdev passed through by
# QEMU's vfio-pci, and Debian's stock 6.1 kernel.  This script drives it as
# a user would: modprobe idxd (nothing autoloads it: no udev), look at it
# with accel-config, make its one WQ a kernel WQ for dmatest, run dmatest,
# unload and reload idxd with kmod's rmmod and modprobe, as on Debian.  It
# runs on every boot (a shorter test on later ones); the orchestrator
# resets the guest between boots.
#
# Marker lines for the orchestrator (tests/guest/watch.py), each alone on
# the console (ttyS0):
#   GUEST-HELLO                      waits for "round N" on ttyS1
#   GUEST-T NAME UPTIME              a point in time (guest uptime, s)
#   GUEST-CHECK ok|fail NAME[: WHY]  the outcome of one step
#   GUEST-SUMMARY TEXT               a dmatest summary line
#   GUEST-IRQ NAME DELTA             idxd-portal interrupts during NAME
#   GUEST-DMATEST-READY NAME THREADS TESTS
#                                    dmatest is set up: waits for "go" on
#                                    ttyS1, starts it, waits for "done"
#   GUEST-DMATEST-DONE NAME TESTS    after "done"
#   GUEST-WAIT NAME                  waits for "go" on ttyS1 before the
#                                    step NAME
#   GUEST-ROUND-DONE rc=N            then idles until reset or quit
# The orchestrator samples the vdev's counters on the host before its
# "go", and again when the console shows every thread's summary, before
# its "done": both samples are taken while the guest waits on the control
# line, idle, so the difference is the dmatest run's alone. (Waiting on
# the line also spares a polling loop: every process costs, see below.)
#
# Knobs, from the kernel command line (init gets dotless words as
# variables): gt_iterations and gt_threads (dmatest per channel thread,
# default 200 and 2), gt_reload_iterations (the dmatest after the reload,
# default 20, one thread), gt_reload=0 (no unload and reload: make
# demo), gt_long_iterations=N (after the other steps, one more dmatest,
# "long", of N per thread: something for the orchestrator to SIGKILL
# QEMU in the middle of), gt_profile=1 (slow initcalls at the end, with
# initcall_debug).
#
# Under nested TCG every process costs seconds (a dynamically linked one,
# kmod or accel-config, ten or more) and every console byte costs too:
# the script uses shell builtins where it can, and prints markers and, on
# failure, what explains it; nothing else.
ITER=${gt_iterations:-200}
THREADS=${gt_threads:-2}
RELOAD_ITER=${gt_reload_iterations:-20}
RELOAD=${gt_reload:-1}
LONG_ITER=${gt_long_iterations:-0}
DSA=/sys/bus/dsa/devices
DMATEST=/sys/module/dmatest/parameters
read -r KVER </proc/sys/kernel/osrelease
DMATEST_KO=/lib/modules/$KVER/extra/dmatest.ko
CHAN=dma0chan0
failed=0

mark() {
	read -r up _ </proc/uptime
	echo "GUEST-T $1 $up"
}
# step NAME FUNCTION ARGS...: run a step, its output straight to the
# console (it prints markers the orchestrator waits for), and report it;
# a failing step says why in WHY.  (sh has no local variables: the step's
# name is kept in step_name, which no step function uses.)
step() {
	step_name=$1
	shift
	WHY=
	if "$@"; then
		echo "GUEST-CHECK ok $step_name"
	else
		echo "GUEST-CHECK fail $step_name: ${WHY:-exit status $?}"
		failed=$((failed + 1))
	fi
}

# The control line from the orchestrator: ttyS1, opened once and kept
# open (input that comes while no one has the port open is lost). Left in
# canonical mode, with echo: the echo goes back to the orchestrator's
# socket, which ignores it, and a stty would cost another process.
CTL=0
if [ -c /dev/ttyS1 ] && exec 3</dev/ttyS1; then
	CTL=1
else
	echo "guest-test: no control line on ttyS1"
fi
# wait_for WORD: the next line on the control line must be WORD
wait_for() {
	ans=
	[ "$CTL" = 0 ] || read -r ans <&3
	[ "$ans" = "$1" ] || echo "guest-test: control line said '$ans', not $1"
}
# Which boot this is: the orchestrator answers GUEST-HELLO with "round N".
# The first boot tests everything; a later one (after system_reset) what a
# reboot must bring back: probe, the WQ, dmatest.
ROUND=1
if [ "$CTL" = 1 ]; then
	echo "GUEST-HELLO"
	read -r word n <&3
	[ "$word" = round ] && ROUND=$n
fi

# kmsg_mark TEXT: a line in the kernel log to cut it at (after_mark)
kmsg_mark() { echo "guest-test: $1" >/dev/kmsg; }
# after_mark TEXT REGEX: the kernel log's raw records after the mark that
# match, without their "<facility*8+level>[time] " prefix (the kernel's
# facility is 0, so its errors are <0>..<3>)
after_mark() {
	dmesg -r | awk -v m="guest-test: $1" \
		'f && /'"$2"'/ { sub(/^[^]]*] /, ""); print } index($0, m) { f = 1 }'
}

# the idxd-portal interrupts (vector 1), with builtins only
portal_irqs() {
	n=0
	while read -r _ c rest; do
		case "$rest" in
		*idxd-portal*) case "$c" in *[!0-9]*) ;; *) n=$((n + c)) ;; esac ;;
		esac
	done </proc/interrupts
	echo "$n"
}

# load_idxd TAG: modprobe idxd; the vdev probed with no error, and the
# driver enabled the device (it does so at probe when config_en is clear).
load_idxd() {
	kmsg_mark "load $1"
	modprobe idxd || { WHY="modprobe idxd failed"; return 1; }
	errs=$(after_mark "load $1" '^<[0-3]>')
	[ -z "$errs" ] || { WHY="errors while idxd probed: $errs"; return 1; }
	[ -d $DSA/dsa0 ] || { WHY="no dsa0"; return 1; }
	read -r st <$DSA/dsa0/state
	[ "$st" = enabled ] || { WHY="dsa0 state '$st', want enabled"; return 1; }
}

# list: accel-config sees the device and its one WQ (-i: the WQ is idle,
# i.e. disabled, until enable_wq; a plain list leaves it out)
list() {
	out=$(accel-config list -i 2>&1)
	case "$out" in
	*'"dev":"dsa0"'*'"dev":"wq0.0"'*) ;;
	*) echo "$out"; WHY="accel-config list -i lacks dsa0 or wq0.0"; return 1 ;;
	esac
}

# enable_wq: the vdev's WQ as a kernel WQ for dmaengine, as Debian's
# accel-config does it on a device whose configuration is read-only: only
# type and name are written (6.1 has no driver_name), no enable-device.
enable_wq() {
	accel-config config-wq dsa0/wq0.0 -y kernel -n dmatest ||
		{ WHY="config-wq failed"; return 1; }
	accel-config enable-wq dsa0/wq0.0 || { WHY="enable-wq failed"; return 1; }
	read -r st <$DSA/wq0.0/state
	[ "$st" = enabled ] || { WHY="wq0.0 state '$st'"; return 1; }
	[ -e /sys/class/dma/$CHAN ] || { WHY="no $CHAN"; return 1; }
}

# dmatest NAME ITERATIONS THREADS: memcpy with verification on the vdev's
# channel, bracketed by the DMATEST markers; every thread must report
# ITERATIONS tests and 0 failures, and idxd-portal must have interrupted.
dmatest() {
	name=$1 iter=$2 thr=$3
	# nested TCG is slow: 30 s per copy before dmatest calls it lost.
	# dmatest is our tool, not under test: busybox (static) loads it,
	# which costs a fraction of kmod (dynamic, with libcrypto) here.
	busybox insmod "$DMATEST_KO" timeout=30000 iterations="$iter" \
		threads_per_chan="$thr" || { WHY="insmod dmatest failed"; return 1; }
	kmsg_mark "dmatest $name"
	echo "GUEST-DMATEST-READY $name $thr $((iter * thr))"
	wait_for go
	# The channel only now: writing it creates the threads, which wait
	# uninterruptibly until "run", and the orchestrator may keep us at
	# "go" for minutes (the hung-task detector's 120 s, 2026-12-02)
	echo $CHAN >$DMATEST/channel || { WHY="dmatest channel $CHAN refused"; return 1; }
	before=$(portal_irqs)
	echo 1 >$DMATEST/run || { WHY="dmatest did not start"; return 1; }
	# The orchestrator says "done" once every thread printed its summary
	# (or after 20 minutes). Not a read of "wait": it blocks
	# uninterruptibly, and a slow run would trip the hung-task detector.
	wait_for "done"
	after=$(portal_irqs)
	echo "GUEST-DMATEST-DONE $name $((iter * thr))"
	echo "GUEST-IRQ $name $((after - before))"
	summaries=$(after_mark "dmatest $name" "dmatest: $CHAN-copy[0-9]*: summary")
	busybox rmmod dmatest || { WHY="rmmod dmatest failed"; return 1; }
	n=0
	while read -r line; do
		echo "GUEST-SUMMARY $line"
		case "$line" in *": summary $iter tests, 0 failures "*) n=$((n + 1)) ;; esac
	done <<EOF
$summaries
EOF
	[ "$n" -eq "$thr" ] || { WHY="$n of $thr threads passed $iter tests"; return 1; }
	[ $((after - before)) -gt 0 ] || { WHY="no idxd-portal interrupt"; return 1; }
}

# pause NAME: wait for the orchestrator's "go" before step NAME (it may
# hold it while another guest is busy: two nested guests busy at once
# each run several times slower than alone)
pause() {
	echo "GUEST-WAIT $1"
	wait_for go
}

# reload: unload and load idxd again; the WQ comes back and works
reload() {
	rmmod idxd || { WHY="rmmod idxd failed"; return 1; }
	[ ! -d $DSA/dsa0 ] || { WHY="dsa0 still there after rmmod"; return 1; }
	load_idxd reload && enable_wq && dmatest reload "$RELOAD_ITER" 1
}

echo "guest-test: boot $ROUND: dmatest $THREADS x $ITER, after the reload 1 x $RELOAD_ITER"
mark start
step probe load_idxd boot
mark probed
[ "$ROUND" != 1 ] || step list list
step wq enable_wq
step dmatest dmatest main "$ITER" "$THREADS"
mark dmatest-done
if [ "$ROUND" = 1 ] && [ "$RELOAD" != 0 ]; then
	pause before-reload
	step reload reload
fi
# a dmatest for the orchestrator to cut short: the WQ is enabled in
# either case (the reload enables it again)
[ "$LONG_ITER" = 0 ] || step long dmatest long "$LONG_ITER" "$THREADS"
mark end
# gt_profile=1 (with initcall_debug on the command line): where the boot's
# time went, for tuning the nested boot
if [ "${gt_profile:-0}" = 1 ]; then
	dmesg | awk '/initcall .* returned .* usecs/ && $(NF-1) > 300000 { print "slow:", $0 }'
fi
echo "GUEST-ROUND-DONE rc=$failed"
# The orchestrator resets the machine (system_reset) or quits QEMU now;
# until then, wait on the control line (nothing comes).
while :; do
	[ "$CTL" = 0 ] || read -r _ <&3 || sleep 60
done
