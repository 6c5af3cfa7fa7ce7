// SPDX-License-Identifier: GPL-2.0
/*
 * The trapped portal of a dsa-1swq-v1 vdev. The guest's descriptor never
 * reaches the device as the guest wrote it: the host re-issues it on the
 * parent WQ's unlimited IMS portal (so completion interrupts use the
 * vdev's IMS handles), on a shared WQ with ENQCMDS carrying the vdev's
 * PASID and user privilege whatever the guest put there, on a dedicated
 * WQ with MOVDIR64B (the WQ's PASID is the vdev's). A descriptor may
 * arrive as one 64-byte write or as eight 8-byte writes in any order (a
 * VMM splits MMIO into 8-byte accesses).
 *
 * The guest sees a dedicated WQ: a stock idxd driver without a vIOMMU
 * drives nothing else. A posted descriptor to a dedicated WQ is simply
 * accepted, and the VMM's eight writes return nothing the guest sees, so
 * a shared WQ's "retry" must never reach it. When ENQCMDS says retry, the
 * descriptor goes to the vdev's backlog, in order, and a work item
 * re-issues it; a descriptor arriving while the backlog is not empty
 * joins its tail. The backlog holds the guest-visible WQ size, which a
 * guest never exceeds in flight on a dedicated WQ; a descriptor beyond
 * it overflows, and the vdev reports it as a software error, as a
 * dedicated WQ does. Abort and reset drop the backlog (never run, as an
 * abort's descriptors); drain and disable issue all of it first.
 */
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <asm/special_insns.h>

#include "idxd_vdev.h"

/* The descriptor's first dword: PASID (19:0) and privilege (31). */
#define VDEV_DESC_PASID		GENMASK(19, 0)
#define VDEV_DESC_PRIV		BIT(31)
/* ENQCMDS tries before a descriptor waits in the backlog */
#define VDEV_ENQCMDS_TRIES	8
/* How long a drain waits for the backlog to be accepted. */
#define VDEV_BACKLOG_DRAIN_MS	1000

static void __iomem *vdev_portal(struct idxd_vdev *vdev)
{
	return siov_idxd_wq_ims_portal(vdev->vwq->wq);
}

/* Try to hand one descriptor to the shared WQ. Return: true if taken. */
static bool vdev_enqcmds(struct idxd_vdev *vdev, const u8 *desc)
{
	int i;

	for (i = 0; i < VDEV_ENQCMDS_TRIES; i++) {
		if (!enqcmds(vdev_portal(vdev), desc))
			return true;
		atomic64_inc(&vdev->retries);
	}
	return false;
}

/* Issue from the head of the backlog. Return: 0 once empty, -EAGAIN. */
static int vdev_backlog_issue(struct idxd_vdev *vdev)
{
	lockdep_assert_held(&vdev->lock);
	while (vdev->backlog_len) {
		if (!vdev_enqcmds(vdev, vdev->backlog[vdev->backlog_head]))
			return -EAGAIN;
		vdev->backlog_head = (vdev->backlog_head + 1) % vdev->backlog_size;
		vdev->backlog_len--;
	}
	return 0;
}

static void vdev_backlog_work(struct work_struct *work)
{
	struct idxd_vdev *vdev = container_of(to_delayed_work(work),
					      struct idxd_vdev, backlog_work);

	guard(mutex)(&vdev->lock);
	if (vdev->wq_enabled && vdev_backlog_issue(vdev))
		schedule_delayed_work(&vdev->backlog_work, 1);
}

/**
 * vdev_backlog_init() - allocate the trapped portal's backlog
 * @vdev: the vdev being opened, its limits read
 *
 * Return: 0 or -ENOMEM.
 */
int vdev_backlog_init(struct idxd_vdev *vdev)
{
	INIT_DELAYED_WORK(&vdev->backlog_work, vdev_backlog_work);
	vdev->backlog_size = max(vdev->limits.size, 1U);
	vdev->backlog = kcalloc(vdev->backlog_size, sizeof(*vdev->backlog),
				GFP_KERNEL);
	vdev->backlog_head = 0;
	vdev->backlog_len = 0;
	return vdev->backlog ? 0 : -ENOMEM;
}

/**
 * vdev_backlog_exit() - free it
 * @vdev: the vdev, closed and its WQ stopped; its lock not held
 */
void vdev_backlog_exit(struct idxd_vdev *vdev)
{
	cancel_delayed_work_sync(&vdev->backlog_work);
	kfree(vdev->backlog);
	vdev->backlog = NULL;
}

/**
 * vdev_backlog_drop() - forget what waits (abort, reset)
 * @vdev: the vdev, its lock held
 */
void vdev_backlog_drop(struct idxd_vdev *vdev)
{
	lockdep_assert_held(&vdev->lock);
	vdev->backlog_len = 0;
	vdev->desc_filled = 0;
}

/**
 * vdev_backlog_flush() - issue everything that waits (drain, disable)
 * @vdev: the vdev, its lock held
 *
 * Return: 0; -ETIMEDOUT if the WQ took nothing for VDEV_BACKLOG_DRAIN_MS
 * (its device halted or disabled): the backlog is then dropped.
 */
int vdev_backlog_flush(struct idxd_vdev *vdev)
{
	unsigned long end = jiffies + msecs_to_jiffies(VDEV_BACKLOG_DRAIN_MS);

	lockdep_assert_held(&vdev->lock);
	while (vdev_backlog_issue(vdev)) {
		if (time_after(jiffies, end)) {
			dev_warn(vdev_dev(vdev), "%u queued descriptors not accepted: dropped\n",
				 vdev->backlog_len);
			vdev_backlog_drop(vdev);
			return -ETIMEDOUT;
		}
		usleep_range(20, 100);
	}
	return 0;
}

static void vdev_portal_submit(struct idxd_vdev *vdev, u8 *desc)
{
	unsigned int tail;
	u32 dw0;

	/* a disabled WQ's portal drops what it is given, as hardware */
	if (!vdev->wq_enabled)
		return;
	if (vdev->vwq->dedicated) {
		iosubmit_cmds512(vdev_portal(vdev), desc, 1);
		return;
	}
	dw0 = get_unaligned_le32(desc) & ~(VDEV_DESC_PASID | VDEV_DESC_PRIV);
	put_unaligned_le32(dw0 | vdev->pasid, desc);
	if (!vdev->backlog_len && vdev_enqcmds(vdev, desc))
		return;
	if (vdev->backlog_len == vdev->backlog_size) {
		/* more in flight than the guest's WQ holds: its overflow */
		vdev_report_overflow(vdev, desc);
		return;
	}
	tail = (vdev->backlog_head + vdev->backlog_len) % vdev->backlog_size;
	memcpy(vdev->backlog[tail], desc, VDEV_DESC_SIZE);
	vdev->backlog_len++;
	mod_delayed_work(system_wq, &vdev->backlog_work, 0);
}

/**
 * vdev_portal_write() - a write to the trapped portal (BAR2 pages 0-1)
 * @vdev: the vdev
 * @pos: offset in BAR2
 * @buf: the user's data
 * @count: 64 at a 64-byte boundary, or 8 at an 8-byte boundary
 *
 * Return: @count; -EINVAL for another size, alignment or page; -EFAULT.
 * A whole descriptor is always accepted (see above).
 */
ssize_t vdev_portal_write(struct idxd_vdev *vdev, loff_t pos,
			  const void __user *buf, size_t count)
{
	u8 desc[VDEV_DESC_SIZE] __aligned(VDEV_DESC_SIZE);
	loff_t slot = round_down(pos, VDEV_DESC_SIZE);

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
	vdev_portal_submit(vdev, desc);
	return count;
}
