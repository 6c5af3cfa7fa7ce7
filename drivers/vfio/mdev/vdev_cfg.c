// SPDX-License-Identifier: GPL-2.0
/*
 * The vdev's PCI configuration space, all emulated: what a DSA function
 * shows (IDs, class, a 64-bit register BAR0 and portal BAR2, MSI-X in
 * BAR0, a PCIe endpoint capability with FLR, the PASID capability) and
 * nothing of the parent. A write changes only the bits of cfg_wmask, so
 * BAR sizing, the command register, MSI-X enable/mask and PASID enable
 * work without per-register code; FLR is the one write with a side effect
 * (the vdev's emulated reset, never the parent's).
 */
#include <linux/pci.h>
#include <linux/pci_regs.h>
#include <linux/unaligned.h>

#include "idxd_vdev.h"

#define VDEV_CAP_MSIX		0x40
#define VDEV_CAP_PCIE		0x50
#define VDEV_EXT_CAP_PASID	0x100
#define VDEV_PCI_CLASS		0x088000	/* system peripheral, other */
#define VDEV_PASID_WIDTH	20

static void cfg_set(struct idxd_vdev *vdev, unsigned int off, u32 val,
		    u32 wmask, unsigned int size)
{
	switch (size) {
	case 1:
		vdev->cfg[off] = val;
		vdev->cfg_wmask[off] = wmask;
		break;
	case 2:
		put_unaligned_le16(val, vdev->cfg + off);
		put_unaligned_le16(wmask, vdev->cfg_wmask + off);
		break;
	default:
		put_unaligned_le32(val, vdev->cfg + off);
		put_unaligned_le32(wmask, vdev->cfg_wmask + off);
	}
}

/* A 64-bit memory BAR of @size bytes: the writable bits size it. */
static void cfg_set_bar64(struct idxd_vdev *vdev, unsigned int off, u64 size)
{
	cfg_set(vdev, off, PCI_BASE_ADDRESS_MEM_TYPE_64,
		lower_32_bits(~(size - 1)) & PCI_BASE_ADDRESS_MEM_MASK, 4);
	cfg_set(vdev, off + 4, 0, 0xffffffff, 4);
}

/**
 * vdev_cfg_init() - the configuration space of a vdev out of reset
 * @vdev: the vdev
 */
void vdev_cfg_init(struct idxd_vdev *vdev)
{
	u8 *msix = vdev->cfg + VDEV_CAP_MSIX;

	memset(vdev->cfg, 0, sizeof(vdev->cfg));
	memset(vdev->cfg_wmask, 0, sizeof(vdev->cfg_wmask));

	cfg_set(vdev, PCI_VENDOR_ID, PCI_VENDOR_ID_INTEL, 0, 2);
	cfg_set(vdev, PCI_DEVICE_ID, PCI_DEVICE_ID_INTEL_DSA_SPR0, 0, 2);
	cfg_set(vdev, PCI_COMMAND, 0,
		PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		PCI_COMMAND_INTX_DISABLE, 2);
	cfg_set(vdev, PCI_STATUS, PCI_STATUS_CAP_LIST, 0, 2);
	cfg_set(vdev, PCI_CLASS_REVISION, VDEV_PCI_CLASS << 8 | 1, 0, 4);
	cfg_set_bar64(vdev, PCI_BASE_ADDRESS_0, VDEV_BAR0_SIZE);
	cfg_set_bar64(vdev, PCI_BASE_ADDRESS_2, VDEV_BAR2_SIZE);
	cfg_set(vdev, PCI_SUBSYSTEM_VENDOR_ID, PCI_VENDOR_ID_INTEL, 0, 2);
	cfg_set(vdev, PCI_SUBSYSTEM_ID, PCI_DEVICE_ID_INTEL_DSA_SPR0, 0, 2);
	cfg_set(vdev, PCI_CAPABILITY_LIST, VDEV_CAP_MSIX, 0, 1);
	cfg_set(vdev, PCI_INTERRUPT_LINE, 0, 0xff, 1);

	/* MSI-X: table and PBA in BAR0, where a DSA has them */
	cfg_set(vdev, VDEV_CAP_MSIX + PCI_CAP_LIST_ID,
		VDEV_CAP_PCIE << 8 | PCI_CAP_ID_MSIX, 0, 2);
	cfg_set(vdev, VDEV_CAP_MSIX + PCI_MSIX_FLAGS, VDEV_MSIX_VECS - 1,
		PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
	put_unaligned_le32(VDEV_MSIX_TABLE_OFFSET | 0, msix + PCI_MSIX_TABLE);
	put_unaligned_le32(VDEV_MSIX_PBA_OFFSET | 0, msix + PCI_MSIX_PBA);

	/* PCIe 2 endpoint, FLR capable: FLR is the vdev's emulated reset */
	cfg_set(vdev, VDEV_CAP_PCIE + PCI_CAP_LIST_ID, PCI_CAP_ID_EXP, 0, 2);
	cfg_set(vdev, VDEV_CAP_PCIE + PCI_EXP_FLAGS,
		PCI_EXP_TYPE_ENDPOINT << 4 | 2, 0, 2);
	cfg_set(vdev, VDEV_CAP_PCIE + PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_FLR, 0, 4);
	cfg_set(vdev, VDEV_CAP_PCIE + PCI_EXP_DEVCTL,
		0,
		PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE |
		PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE |
		PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_PAYLOAD |
		PCI_EXP_DEVCTL_READRQ | PCI_EXP_DEVCTL_BCR_FLR, 2);
	cfg_set(vdev, VDEV_CAP_PCIE + PCI_EXP_DEVCAP2, 0, 0, 4);

	/* PASID: advertised so the guest sees a SIOV-capable DSA */
	cfg_set(vdev, VDEV_EXT_CAP_PASID,
		PCI_EXT_CAP_ID_PASID | 1 << 16, 0, 4);
	cfg_set(vdev, VDEV_EXT_CAP_PASID + PCI_PASID_CAP,
		VDEV_PASID_WIDTH << 8, 0, 2);
	cfg_set(vdev, VDEV_EXT_CAP_PASID + PCI_PASID_CTRL, 0,
		PCI_PASID_CTRL_ENABLE, 2);
}

/**
 * vdev_cfg_read() - read the emulated configuration space
 * @vdev: the vdev
 * @pos: offset
 * @buf: the bytes, little endian
 * @count: any size within the space: reads have no side effects, and a
 *	VMM reads the whole space at once (QEMU's vfio-pci at realize)
 *
 * Return: @count or -EINVAL for a range outside the space.
 */
ssize_t vdev_cfg_read(struct idxd_vdev *vdev, loff_t pos, void *buf,
		      size_t count)
{
	if (pos < 0 || pos >= VDEV_CFG_SIZE || count > VDEV_CFG_SIZE - pos)
		return -EINVAL;
	guard(mutex)(&vdev->lock);
	memcpy(buf, vdev->cfg + pos, count);
	return count;
}

/**
 * vdev_cfg_write() - write the emulated configuration space
 * @vdev: the vdev
 * @pos: offset
 * @buf: the value, little endian
 * @count: 1, 2 or 4, naturally aligned
 *
 * Bits outside cfg_wmask keep their value; setting Initiate FLR resets
 * the vdev (vdev_reset()) and reads back as 0.
 *
 * Return: @count or -EINVAL for a bad access.
 */
ssize_t vdev_cfg_write(struct idxd_vdev *vdev, loff_t pos, const void *buf,
		       size_t count)
{
	unsigned int devctl = VDEV_CAP_PCIE + PCI_EXP_DEVCTL;
	const u8 *val = buf;
	bool flr;
	size_t i;

	if (pos < 0 || pos + count > VDEV_CFG_SIZE || !is_power_of_2(count) ||
	    count > 4 || pos & (count - 1))
		return -EINVAL;
	guard(mutex)(&vdev->lock);
	for (i = 0; i < count; i++) {
		u8 wmask = vdev->cfg_wmask[pos + i];

		vdev->cfg[pos + i] = (vdev->cfg[pos + i] & ~wmask) |
				     (val[i] & wmask);
	}
	flr = get_unaligned_le16(vdev->cfg + devctl) & PCI_EXP_DEVCTL_BCR_FLR;
	if (flr) {
		vdev_reset(vdev);
		/* FLR also clears the command register (bus master off) */
		put_unaligned_le16(0, vdev->cfg + PCI_COMMAND);
		put_unaligned_le16(get_unaligned_le16(vdev->cfg + devctl) &
				   ~PCI_EXP_DEVCTL_BCR_FLR, vdev->cfg + devctl);
	}
	return count;
}

/**
 * vdev_cfg_bus_master() - whether the guest enabled bus mastering
 * @vdev: the vdev, its lock held
 *
 * Return: the command register's Bus Master bit.
 */
bool vdev_cfg_bus_master(struct idxd_vdev *vdev)
{
	return get_unaligned_le16(vdev->cfg + PCI_COMMAND) & PCI_COMMAND_MASTER;
}
