# shellcheck shell=bash
# Debian's libvirt 9.0 (unmodified) in the bench VM, started the way a
# user without systemd starts it, for suite "guest"; sourced by in-vm.sh.
#
# The bench VM has no systemd, no D-Bus and no cgroup mounts, and runs
# everything as root on a tmpfs overlay of the host's root: the daemons
# are started by hand (systemd-udevd, so that libvirt's node device driver
# hears of mdevs as they come and go, then libvirtd), and qemu.conf gets
# what a root-only host without cgroups needs. Nothing of libvirt is
# patched or preloaded.

VIRSH="virsh -q -c qemu:///system"

# libvirt_start: udevd and libvirtd up, answering
libvirt_start() {
	local _
	# QEMU runs as root (it opens /dev/vfio/N, owned by root; no DAC
	# relabelling), in no namespace and no cgroup (none are mounted),
	# with no security driver (no AppArmor in the VM) and its stdout in
	# /var/log/libvirt/qemu/ (no virtlogd).
	cat >>/etc/libvirt/qemu.conf <<-'EOF'
	user = "root"
	group = "root"
	dynamic_ownership = 0
	remember_owner = 0
	security_driver = "none"
	cgroup_controllers = [ ]
	namespaces = [ ]
	stdio_handler = "file"
	EOF
	mkdir -p /run/udev /run/libvirt
	/lib/systemd/systemd-udevd --daemon --resolve-names=never || return 1
	libvirtd --daemon || return 1
	for _ in $(seq 120); do
		$VIRSH list >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	echo "libvirtd does not answer"
	return 1
}

libvirt_stop() {
	pkill -x libvirtd
	pkill -x systemd-udevd
	return 0
}

# nodedev_name UUID BDF: libvirt's name of an mdev (mdev_UUID_PARENT)
nodedev_name() {
	local bdf=${2//[:.]/_}
	echo "mdev_${1//-/_}_$bdf"
}

# nodedev_xml UUID TYPE BDF: a persistent mdev for virsh nodedev-define
nodedev_xml() {
	cat <<-EOF
	<device>
	  <parent>pci_${3//[:.]/_}</parent>
	  <capability type='mdev'>
	    <type id='$2'/>
	    <uuid>$1</uuid>
	  </capability>
	</device>
	EOF
}

# domain_xml NAME EMULATOR KERNEL INITRD CMDLINE UUID CON_SOCK CTL_SOCK:
# a TCG domain booting the stock guest kernel straight into the test
# initramfs, the vdev as an mdev hostdev, its console (ttyS0) and control
# line (ttyS1) on unix sockets; the firmware is nested.sh's NESTED_BIOS
# (libvirt passes a <loader type='rom'> as -bios)
domain_xml() {
	cat <<-EOF
	<domain type='qemu'>
	  <name>$1</name>
	  <memory unit='MiB'>256</memory>
	  <vcpu>1</vcpu>
	  <os>
	    <type arch='x86_64' machine='q35'>hvm</type>
	    <loader type='rom'>$NESTED_BIOS</loader>
	    <kernel>$3</kernel>
	    <initrd>$4</initrd>
	    <cmdline>$5</cmdline>
	  </os>
	  <features><acpi/></features>
	  <cpu mode='maximum' check='none'/>
	  <on_poweroff>destroy</on_poweroff>
	  <on_reboot>restart</on_reboot>
	  <on_crash>destroy</on_crash>
	  <devices>
	    <emulator>$2</emulator>
	    <controller type='usb' model='none'/>
	    <memballoon model='none'/>
	    <serial type='unix'>
	      <source mode='bind' path='$7'/>
	      <target port='0'/>
	    </serial>
	    <serial type='unix'>
	      <source mode='bind' path='$8'/>
	      <target port='1'/>
	    </serial>
	    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
	      <source>
	        <address uuid='$6'/>
	      </source>
	    </hostdev>
	  </devices>
	</domain>
	EOF
}
