// SPDX-License-Identifier: GPL-2.0
/*
 * The trapped portal of a dsa-1swq-v1 vdev. The guest's descriptor never
 * reaches the device as the guest wrote it: the host re-issues it on the
 * parent WQ's IMS portal (so completion interrupts use the vdev's IMS
 * handles), on a shared WQ with ENQCMDS carrying the vdev's PASID and
 * user privilege whatever the guest put there, on a dedicated WQ with
 * MOVDIR64B (the WQ's PASID is the vdev's). A descriptor may arrive as one
 * 64-byte write or as eight 8-byte writes in any order (a VMM splits
 * MMIO into 8-byte accesses).
 */
#include <linux/io.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <asm/special_insns.h>

#include "idxd_vdev.h"

/* The descriptor's first dword: PASID (19:0) and privilege (31). */
#define VDEV_DESC_PASID		GENMASK(19, 0)
#define VDEV_DESC_PRIV		BIT(31)
#define VDEV_DESC_SIZE		64

static ssize_t vdev_portal_submit(struct idxd_vdev *vdev, loff_t pos,
				  u8 *desc)
{
	struct siov_idxd_wq *wq = vdev->vwq->wq;
	void __iomem *portal = siov_idxd_wq_ims_portal(wq) +
			       round_down(pos, VDEV_PORTAL_SIZE);
	u32 dw0;

	/* a disabled WQ's portal drops what it is given, as hardware */
	if (!vdev->wq_enabled)
		return 0;
	if (vdev->vwq->dedicated) {
		iosubmit_cmds512(portal, desc, 1);
		return 0;
	}
	dw0 = get_unaligned_le32(desc) & ~(VDEV_DESC_PASID | VDEV_DESC_PRIV);
	put_unaligned_le32(dw0 | vdev->pasid, desc);
	/* the guest's ENQCMD would have seen "retry": so does its VMM */
	return enqcmds(portal, desc) ? -EAGAIN : 0;
}

/**
 * vdev_portal_write() - a write to the trapped portal (BAR2 pages 0-1)
 * @vdev: the vdev
 * @pos: offset in BAR2
 * @buf: the user's data
 * @count: 64 at a 64-byte boundary, or 8 at an 8-byte boundary
 *
 * Return: @count; -EAGAIN if the shared WQ was full (nothing queued);
 * -EINVAL for another size, alignment or page; -EFAULT.
 */
ssize_t vdev_portal_write(struct idxd_vdev *vdev, loff_t pos,
			  const void __user *buf, size_t count)
{
	u8 desc[VDEV_DESC_SIZE] __aligned(VDEV_DESC_SIZE);
	loff_t slot = round_down(pos, VDEV_DESC_SIZE);
	ssize_t rc;

	if (pos < 0 || pos + count > VDEV_BAR2_MMAP_SIZE ||
	    !(count == VDEV_DESC_SIZE || count == 8) || pos & (count - 1))
		return -EINVAL;

	guard(mutex)(&vdev->lock);
	if (count == VDEV_DESC_SIZE) {
		if (copy_from_user(desc, buf, count))
			return -EFAULT;
	} else {
		/* a new slot before the last descriptor was complete: drop it */
		if (vdev->desc_filled && vdev->desc_pos != slot)
			vdev->desc_filled = 0;
		if (copy_from_user(vdev->desc + (pos - slot), buf, count))
			return -EFAULT;
		vdev->desc_pos = slot;
		vdev->desc_filled |= BIT((pos - slot) / 8);
		if (vdev->desc_filled != 0xff)
			return count;
		vdev->desc_filled = 0;
		memcpy(desc, vdev->desc, sizeof(desc));
	}
	rc = vdev_portal_submit(vdev, slot, desc);
	return rc ? rc : count;
}
