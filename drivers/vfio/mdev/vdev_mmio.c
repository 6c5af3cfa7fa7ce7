// SPDX-License-Identifier: GPL-2.0
/*
 * The vdev's BAR0: the registers of a DSA with one group, one engine and
 * one WQ, emulated. Capabilities are read-only and derived from the
 * parent WQ's limits; configuration is read-only too (GENCAP.config_en is
 * clear, as on a DSA whose configuration the host owns), except for an
 * allow-list the guest's idxd driver writes: GENCFG/GENCTRL interrupt
 * enables, the WQ's PASID/priv fields (the guest's view only: the parent
 * WQ always runs with the vdev's own PASID), the MSI-X permission table
 * and the MSI-X table (storage only: masking is the VMM's, through
 * VFIO_DEVICE_SET_IRQS; the PBA shows what that holds pending). Commands
 * run synchronously: CMDSTS holds the real
 * status code when the write returns.
 *
 * Locking: vdev->lock (a mutex) serialises register accesses and
 * commands; vdev->reg_lock (a spinlock) covers the register file itself,
 * because SWERR forwarding (vdev_forward_swerr()) writes it atomically.
 */
#include <linux/bitfield.h>
#include <linux/unaligned.h>

#include "idxd_vdev.h"

/* The layout the guest finds through OFFSETS, as on the DSA model. */
#define VDEV_MSIX_PERM_OFFSET	0x300
#define VDEV_GRPCFG_OFFSET	0x400
#define VDEV_WQCFG_OFFSET	0x800
#define VDEV_WQCFG_SIZE		32
#define VDEV_VERSION		0x100

#define VDEV_WQCFG(dw)		(VDEV_WQCFG_OFFSET + (dw) * 4)
#define VDEV_MSIX_PERM_WRITABLE	0xfffff009u	/* PASID, PASID_EN, ignore */
#define VDEV_WQCFG_GUEST_MODE	(IDXD_WQCFG_PASID | IDXD_WQCFG_PASID_EN | \
				 IDXD_WQCFG_PRIV)
#define VDEV_GENCAP_PASSED	(IDXD_GENCAP_OVERLAP_COPY | \
				 IDXD_GENCAP_CACHE_CTRL_MEM | \
				 IDXD_GENCAP_CACHE_CTRL_CACHE | \
				 IDXD_GENCAP_DEST_READBACK | \
				 IDXD_GENCAP_DRAIN_READBACK)

#define VDEV_CMDCAP	(BIT(IDXD_CMD_ENABLE_DEVICE) | BIT(IDXD_CMD_DISABLE_DEVICE) | \
			 BIT(IDXD_CMD_DRAIN_ALL) | BIT(IDXD_CMD_ABORT_ALL) | \
			 BIT(IDXD_CMD_RESET_DEVICE) | BIT(IDXD_CMD_ENABLE_WQ) | \
			 BIT(IDXD_CMD_DISABLE_WQ) | BIT(IDXD_CMD_DRAIN_WQ) | \
			 BIT(IDXD_CMD_ABORT_WQ) | BIT(IDXD_CMD_RESET_WQ) | \
			 BIT(IDXD_CMD_DRAIN_PASID) | BIT(IDXD_CMD_ABORT_PASID) | \
			 BIT(IDXD_CMD_REQUEST_INT_HANDLE) | \
			 BIT(IDXD_CMD_RELEASE_INT_HANDLE))

static u32 rd32(struct idxd_vdev *vdev, unsigned int off)
{
	return get_unaligned_le32(vdev->bar0 + off);
}

static void wr32(struct idxd_vdev *vdev, unsigned int off, u32 val)
{
	put_unaligned_le32(val, vdev->bar0 + off);
}

static u64 rd64(struct idxd_vdev *vdev, unsigned int off)
{
	return get_unaligned_le64(vdev->bar0 + off);
}

static void wr64(struct idxd_vdev *vdev, unsigned int off, u64 val)
{
	put_unaligned_le64(val, vdev->bar0 + off);
}

static bool vdev_dev_enabled(struct idxd_vdev *vdev)
{
	return FIELD_GET(IDXD_GENSTS_STATE, rd32(vdev, IDXD_GENSTS_OFFSET)) ==
	       IDXD_DEVSTS_ENABLED;
}

static void vdev_set_wq_state(struct idxd_vdev *vdev, bool enabled)
{
	u32 dw = rd32(vdev, VDEV_WQCFG(IDXD_WQCFG_STATE_DW)) & ~IDXD_WQCFG_STATE;

	if (enabled)
		dw |= FIELD_PREP(IDXD_WQCFG_STATE, IDXD_WQCFG_STATE_ENABLED);
	wr32(vdev, VDEV_WQCFG(IDXD_WQCFG_STATE_DW), dw);
}

/**
 * vdev_mmio_init() - BAR0 out of reset
 * @vdev: the vdev, its lock held (or not yet visible)
 *
 * Capabilities come from the parent WQ; the device and its WQ are
 * disabled; no error, no interrupt cause; every MSI-X vector masked.
 */
void vdev_mmio_init(struct idxd_vdev *vdev)
{
	const struct siov_idxd_wq_limits *l = &vdev->limits;
	unsigned long flags;
	u32 mode;
	int i;

	spin_lock_irqsave(&vdev->reg_lock, flags);
	memset(vdev->bar0, 0, sizeof(vdev->bar0));
	wr32(vdev, 0, VDEV_VERSION);
	/* no configuration, no IMS, no event log: the host owns those */
	wr64(vdev, IDXD_GENCAP_OFFSET,
	     (l->gencap & VDEV_GENCAP_PASSED) | IDXD_GENCAP_CMD_CAP |
	     FIELD_PREP(IDXD_GENCAP_MAX_XFER_SHIFT, l->max_xfer_shift) |
	     FIELD_PREP(IDXD_GENCAP_MAX_BATCH_SHIFT, l->max_batch_shift));
	/* both types look dedicated: trapped descriptors never see a retry */
	wr64(vdev, IDXD_WQCAP_OFFSET,
	     FIELD_PREP(IDXD_WQCAP_TOTAL_SIZE, l->size) |
	     FIELD_PREP(IDXD_WQCAP_NUM_WQS, 1) | IDXD_WQCAP_DEDICATED);
	wr64(vdev, IDXD_GRPCAP_OFFSET, FIELD_PREP(IDXD_GRPCAP_NUM_GROUPS, 1));
	wr64(vdev, IDXD_ENGCAP_OFFSET, FIELD_PREP(IDXD_ENGCAP_NUM_ENGINES, 1));
	for (i = 0; i < IDXD_OPCAP_QWORDS; i++)
		wr64(vdev, IDXD_OPCAP_OFFSET + i * 8, l->opcap[i]);
	wr64(vdev, IDXD_TABLE_OFFSET,
	     FIELD_PREP(IDXD_TABLE_GRPCFG, VDEV_GRPCFG_OFFSET / IDXD_TABLE_MULT) |
	     FIELD_PREP(IDXD_TABLE_WQCFG, VDEV_WQCFG_OFFSET / IDXD_TABLE_MULT) |
	     FIELD_PREP(IDXD_TABLE_MSIX_PERM,
			VDEV_MSIX_PERM_OFFSET / IDXD_TABLE_MULT));
	wr32(vdev, IDXD_CMDCAP_OFFSET, VDEV_CMDCAP);

	/* group 0: WQ 0 and engine 0 */
	wr64(vdev, VDEV_GRPCFG_OFFSET + IDXD_GRPCFG_WQS_OFFSET, 1);
	wr64(vdev, VDEV_GRPCFG_OFFSET + IDXD_GRPCFG_ENGINES_OFFSET, 1);

	/* no PASID: a stock guest without a vIOMMU refuses one */
	mode = FIELD_PREP(IDXD_WQCFG_PRIORITY, l->priority) |
	       IDXD_WQCFG_DEDICATED;
	wr32(vdev, VDEV_WQCFG(IDXD_WQCFG_SIZE_DW),
	     FIELD_PREP(IDXD_WQCFG_WQ_SIZE, l->size));
	wr32(vdev, VDEV_WQCFG(IDXD_WQCFG_MODE_DW), mode);
	wr32(vdev, VDEV_WQCFG(IDXD_WQCFG_MAX_DW),
	     FIELD_PREP(IDXD_WQCFG_MAX_XFER_SHIFT, l->max_xfer_shift) |
	     FIELD_PREP(IDXD_WQCFG_MAX_BATCH_SHIFT, l->max_batch_shift));

	for (i = 0; i < VDEV_MSIX_VECS; i++)
		wr32(vdev, VDEV_MSIX_TABLE_OFFSET + i * PCI_MSIX_ENTRY_SIZE +
		     PCI_MSIX_ENTRY_VECTOR_CTRL, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	spin_unlock_irqrestore(&vdev->reg_lock, flags);
}

/* Set interrupt causes; vector 0 (emulated) tells the guest. */
static void vdev_raise(struct idxd_vdev *vdev, u32 cause)
{
	unsigned long flags;

	spin_lock_irqsave(&vdev->reg_lock, flags);
	wr32(vdev, IDXD_INTCAUSE_OFFSET,
	     rd32(vdev, IDXD_INTCAUSE_OFFSET) | cause);
	spin_unlock_irqrestore(&vdev->reg_lock, flags);
	vfio_ims_irqs_signal(&vdev->irqs, 0);
}

/**
 * vdev_forward_swerr() - show the guest a software error of its WQ
 * @data: the vdev
 * @swerr: the parent's SWERR record
 *
 * A siov_idxd_wq_error_fn: atomic context. The record is the guest's
 * with WQ index 0 and no PASID (the host's PASID is never shown); a
 * record the guest has not cleared yet gets the overflow bit instead.
 */
void vdev_forward_swerr(void *data, const u64 *swerr)
{
	struct idxd_vdev *vdev = data;
	unsigned long flags;
	bool notify;
	u64 w0;
	int i;

	atomic_inc(&vdev->swerrs);
	spin_lock_irqsave(&vdev->reg_lock, flags);
	w0 = rd64(vdev, IDXD_SWERR_OFFSET);
	if (w0 & IDXD_SWERR_VALID) {
		wr64(vdev, IDXD_SWERR_OFFSET, w0 | IDXD_SWERR_OVERFLOW);
	} else {
		w0 = swerr[0] & ~(IDXD_SWERR_WQ_IDX | IDXD_SWERR_PASID |
				  IDXD_SWERR_OVERFLOW);
		wr64(vdev, IDXD_SWERR_OFFSET, w0);
		for (i = 1; i < IDXD_SWERR_QWORDS; i++)
			wr64(vdev, IDXD_SWERR_OFFSET + i * 8, swerr[i]);
	}
	wr32(vdev, IDXD_INTCAUSE_OFFSET,
	     rd32(vdev, IDXD_INTCAUSE_OFFSET) | IDXD_INTC_ERR);
	notify = rd32(vdev, IDXD_GENCTRL_OFFSET) & IDXD_GENCTRL_SOFTERR_INT_EN;
	spin_unlock_irqrestore(&vdev->reg_lock, flags);
	if (notify)
		vfio_ims_irqs_signal(&vdev->irqs, 0);
}

/* The model's code for a descriptor beyond a dedicated WQ's size. */
#define VDEV_SWERR_WQ_OVERFLOW	0x32

/**
 * vdev_report_overflow() - the guest had more in flight than its WQ holds
 * @vdev: the vdev, its lock held
 * @desc: the descriptor that did not fit, dropped
 *
 * Reported as a dedicated WQ reports it: a software error with the
 * descriptor's operation, and the error interrupt.
 */
void vdev_report_overflow(struct idxd_vdev *vdev, const u8 *desc)
{
	u64 swerr[IDXD_SWERR_QWORDS] = {
		IDXD_SWERR_VALID | IDXD_SWERR_DESC_VALID |
		FIELD_PREP(IDXD_SWERR_ERROR, VDEV_SWERR_WQ_OVERFLOW) |
		FIELD_PREP(IDXD_SWERR_OPERATION, desc[7]),
	};

	dev_dbg_ratelimited(vdev_dev(vdev), "trapped portal overflow\n");
	vdev_forward_swerr(vdev, swerr);
}

/*
 * Drain or abort what the guest queued: the whole WQ if it is ours alone,
 * our PASID's descriptors on a shared one.
 */
static int vdev_wq_flush(struct idxd_vdev *vdev, bool abort)
{
	int rc;

	/* the backlog is part of the WQ: dropped by abort, run by drain */
	if (abort) {
		vdev_backlog_drop(vdev);
	} else {
		rc = vdev_backlog_flush(vdev);
		if (rc)
			return rc;
	}
	return siov_idxd_wq_drain(vdev->vwq->wq, vdev->vwq->dedicated ?
				  IOMMU_NO_PASID : vdev->pasid, abort);
}

/*
 * Stop the guest's WQ: a dedicated parent WQ is disabled. The guest's WQ
 * is stopped whatever the device said: if it did not confirm, the parent
 * keeps our PASID and IMS vectors from the next tenant until it has reset
 * the device. Return: 0 or the parent's error.
 */
static int vdev_wq_stop(struct idxd_vdev *vdev, bool abort)
{
	int rc;

	if (!vdev->wq_enabled)
		return 0;
	if (vdev->vwq->dedicated)
		rc = siov_idxd_wq_disable(vdev->vwq->wq, abort);
	else
		rc = vdev_wq_flush(vdev, abort);
	vdev->wq_enabled = false;
	vdev_set_wq_state(vdev, false);
	if (rc)
		dev_warn(vdev_dev(vdev), "parent WQ not confirmed stopped: %d\n",
			 rc);
	return rc;
}

/*
 * Start the guest's WQ: a dedicated parent WQ runs with our PASID, for
 * user (unprivileged) descriptors, whatever the guest wrote in its WQCFG.
 */
static int vdev_wq_start(struct idxd_vdev *vdev)
{
	/* the container's domain is already at (parent, PASID) */
	if (vdev->vwq->dedicated)
		return siov_idxd_wq_enable(vdev->vwq->wq,
					   &(struct siov_idxd_wq_run) {
			.dedicated = true, .priv = false, .pasid = vdev->pasid });
	return 0;	/* a shared WQ runs while bound to the vdev driver */
}

/**
 * vdev_reset() - emulated device reset (Reset Device, FLR, VFIO reset)
 * @vdev: the vdev, its lock held
 *
 * Drops what the guest queued and brings BAR0 back to its reset values.
 * The parent device and its other WQs are untouched.
 */
void vdev_reset(struct idxd_vdev *vdev)
{
	vdev_wq_stop(vdev, true);
	/* pieces of a descriptor written before the reset are dropped */
	vdev->desc_filled = 0;
	vdev_mmio_init(vdev);
}

static u32 vdev_cmd_wq(struct idxd_vdev *vdev, u32 code, u32 operand)
{
	/* a 16-bit WQ mask and the index of the mask: only WQ 0 exists */
	if (operand != BIT(0))
		return IDXD_CMDSTS_INVAL_WQIDX;
	if (code == IDXD_CMD_RESET_WQ) {
		u32 mode = rd32(vdev, VDEV_WQCFG(IDXD_WQCFG_MODE_DW));

		vdev_wq_stop(vdev, true);
		mode &= ~VDEV_WQCFG_GUEST_MODE;
		wr32(vdev, VDEV_WQCFG(IDXD_WQCFG_MODE_DW), mode);
		return IDXD_CMDSTS_SUCCESS;
	}
	if (!vdev_dev_enabled(vdev) || !vdev->wq_enabled)
		return IDXD_CMDSTS_ERR_DEV_NOT_EN;
	if (code == IDXD_CMD_DISABLE_WQ)
		return vdev_wq_stop(vdev, false) ? IDXD_CMDSTS_HW_ERR :
						   IDXD_CMDSTS_SUCCESS;
	return vdev_wq_flush(vdev, code == IDXD_CMD_ABORT_WQ) ?
	       IDXD_CMDSTS_HW_ERR : IDXD_CMDSTS_SUCCESS;
}

static u32 vdev_cmd_int_handle(struct idxd_vdev *vdev, u32 code, u32 operand,
			       u32 *result)
{
	u32 index = operand & 0xffff;

	/* vector 0 is the emulated misc vector; the guest has no IMS */
	if (operand & IDXD_CMD_INT_HANDLE_IMS || !index ||
	    index >= VDEV_MSIX_VECS)
		return IDXD_CMDSTS_ERR_INVAL_INT_IDX;
	if (code == IDXD_CMD_REQUEST_INT_HANDLE)
		*result = vdev->ims[index - 1].handle;
	return IDXD_CMDSTS_SUCCESS;
}

static u32 vdev_cmd(struct idxd_vdev *vdev, u32 code, u32 operand,
		    u32 *result)
{
	int rc;

	switch (code) {
	case IDXD_CMD_ENABLE_DEVICE:
		if (vdev_dev_enabled(vdev))
			return IDXD_CMDSTS_ERR_DEV_ENABLED;
		if (!vdev_cfg_bus_master(vdev))
			return IDXD_CMDSTS_ERR_BUSMASTER_EN;
		wr32(vdev, IDXD_GENSTS_OFFSET,
		     FIELD_PREP(IDXD_GENSTS_STATE, IDXD_DEVSTS_ENABLED));
		return IDXD_CMDSTS_SUCCESS;
	case IDXD_CMD_DISABLE_DEVICE:
		if (!vdev_dev_enabled(vdev))
			return IDXD_CMDSTS_ERR_DIS_DEV_EN;
		vdev_wq_stop(vdev, false);
		wr32(vdev, IDXD_GENSTS_OFFSET, 0);
		return IDXD_CMDSTS_SUCCESS;
	case IDXD_CMD_DRAIN_ALL:
	case IDXD_CMD_ABORT_ALL:
	case IDXD_CMD_DRAIN_PASID:
	case IDXD_CMD_ABORT_PASID:
		/* the guest's PASIDs all map to the vdev's one WQ */
		if (!vdev->wq_enabled)
			return IDXD_CMDSTS_SUCCESS;
		rc = vdev_wq_flush(vdev, code == IDXD_CMD_ABORT_ALL ||
				   code == IDXD_CMD_ABORT_PASID);
		return rc ? IDXD_CMDSTS_HW_ERR : IDXD_CMDSTS_SUCCESS;
	case IDXD_CMD_RESET_DEVICE:
		vdev_reset(vdev);
		return IDXD_CMDSTS_SUCCESS;
	case IDXD_CMD_ENABLE_WQ:
		if (operand != 0)
			return IDXD_CMDSTS_INVAL_WQIDX;
		if (!vdev_dev_enabled(vdev))
			return IDXD_CMDSTS_ERR_DEV_NOTEN;
		if (vdev->wq_enabled)
			return IDXD_CMDSTS_ERR_WQ_ENABLED;
		rc = vdev_wq_start(vdev);
		if (rc) {
			dev_warn(vdev_dev(vdev), "parent WQ refused enable: %d\n",
				 rc);
			return IDXD_CMDSTS_HW_ERR;
		}
		vdev->wq_enabled = true;
		vdev_set_wq_state(vdev, true);
		return IDXD_CMDSTS_SUCCESS;
	case IDXD_CMD_DISABLE_WQ:
	case IDXD_CMD_DRAIN_WQ:
	case IDXD_CMD_ABORT_WQ:
	case IDXD_CMD_RESET_WQ:
		return vdev_cmd_wq(vdev, code, operand);
	case IDXD_CMD_REQUEST_INT_HANDLE:
	case IDXD_CMD_RELEASE_INT_HANDLE:
		return vdev_cmd_int_handle(vdev, code, operand, result);
	default:
		return IDXD_CMDSTS_INVAL_CMD;
	}
}

/* CMD written: run it, post CMDSTS, raise the command interrupt. */
static void vdev_write_cmd(struct idxd_vdev *vdev, u32 val)
{
	u32 code = FIELD_GET(IDXD_CMD_CODE, val);
	u32 result = 0, status;

	status = vdev_cmd(vdev, code, FIELD_GET(IDXD_CMD_OPERAND, val),
			  &result);
	if (status)
		dev_dbg(vdev_dev(vdev), "command %u operand %#lx: status %#x\n",
			code, FIELD_GET(IDXD_CMD_OPERAND, val), status);
	wr32(vdev, IDXD_CMDSTS_OFFSET,
	     FIELD_PREP(IDXD_CMDSTS_ERR, status) |
	     FIELD_PREP(IDXD_CMDSTS_RESULT, result));
	if (val & IDXD_CMD_INT_REQ)
		vdev_raise(vdev, IDXD_INTC_CMD);
}

/* One aligned dword written by the guest: the allow-list. */
static void vdev_write32(struct idxd_vdev *vdev, unsigned int off, u32 val)
{
	unsigned int perm_end = VDEV_MSIX_PERM_OFFSET + VDEV_MSIX_VECS * 8;
	unsigned int table_end = VDEV_MSIX_TABLE_OFFSET +
				 VDEV_MSIX_VECS * PCI_MSIX_ENTRY_SIZE;
	unsigned long flags;
	u32 old;

	if (off == IDXD_CMD_OFFSET) {
		vdev_write_cmd(vdev, val);
		return;
	}

	spin_lock_irqsave(&vdev->reg_lock, flags);
	old = rd32(vdev, off);
	switch (off) {
	case IDXD_GENCFG_OFFSET:
		if (!vdev_dev_enabled(vdev))
			wr32(vdev, off, val & (IDXD_GENCFG_RDBUF_LIMIT |
					       IDXD_GENCFG_USER_INT_EN));
		break;
	case IDXD_GENCTRL_OFFSET:
		wr32(vdev, off, val & (IDXD_GENCTRL_SOFTERR_INT_EN |
				       IDXD_GENCTRL_HALT_INT_EN));
		break;
	case IDXD_INTCAUSE_OFFSET:
		wr32(vdev, off, old & ~val);
		break;
	case IDXD_SWERR_OFFSET:
		/* writing the valid bit back clears the record */
		if (val & IDXD_SWERR_VALID)
			memset(vdev->bar0 + off, 0, IDXD_SWERR_QWORDS * 8);
		else if (val & IDXD_SWERR_OVERFLOW)
			wr32(vdev, off, old & ~IDXD_SWERR_OVERFLOW);
		break;
	case VDEV_WQCFG(IDXD_WQCFG_MODE_DW):
		/* the guest's view of its PASID; never reaches the parent */
		if (!vdev->wq_enabled)
			wr32(vdev, off, (old & ~VDEV_WQCFG_GUEST_MODE) |
					(val & VDEV_WQCFG_GUEST_MODE));
		break;
	default:
		if (off >= VDEV_MSIX_PERM_OFFSET && off < perm_end &&
		    !(off % 8))
			wr32(vdev, off, val & VDEV_MSIX_PERM_WRITABLE);
		else if (off >= VDEV_MSIX_TABLE_OFFSET && off < table_end)
			wr32(vdev, off, val);
		/* anything else is read-only */
	}
	spin_unlock_irqrestore(&vdev->reg_lock, flags);
}

/* The PBA shows the vectors a VMM masked while an interrupt came. */
static void vdev_update_pba(struct idxd_vdev *vdev)
{
	u64 pba = 0;
	int i;

	for (i = 0; i < VDEV_MSIX_VECS; i++)
		if (vfio_ims_irqs_pending(&vdev->irqs, i))
			pba |= BIT_ULL(i);
	wr64(vdev, VDEV_MSIX_PBA_OFFSET, pba);
}

static bool vdev_mmio_access_ok(loff_t pos, size_t count)
{
	return pos >= 0 && (count == 4 || count == 8) && !(pos & (count - 1)) &&
	       pos + count <= VDEV_BAR0_SIZE;
}

/**
 * vdev_mmio_read() - a guest read of BAR0
 * @vdev: the vdev
 * @pos: offset in BAR0
 * @buf: the value, little endian
 * @count: 4 or 8, naturally aligned
 *
 * Return: @count, or -EINVAL for another size or alignment.
 */
ssize_t vdev_mmio_read(struct idxd_vdev *vdev, loff_t pos, void *buf,
		       size_t count)
{
	unsigned long flags;

	if (!vdev_mmio_access_ok(pos, count))
		return -EINVAL;
	if (pos >= VDEV_BAR0_EMU_SIZE) {
		memset(buf, 0, count);	/* unused space reads as zero */
		return count;
	}
	guard(mutex)(&vdev->lock);
	if (pos == VDEV_MSIX_PBA_OFFSET)
		vdev_update_pba(vdev);
	spin_lock_irqsave(&vdev->reg_lock, flags);
	memcpy(buf, vdev->bar0 + pos, count);
	spin_unlock_irqrestore(&vdev->reg_lock, flags);
	return count;
}

/**
 * vdev_mmio_write() - a guest write of BAR0
 * @vdev: the vdev
 * @pos: offset in BAR0
 * @buf: the value, little endian
 * @count: 4 or 8, naturally aligned; a qword is two dwords, low first
 *
 * Writes outside the allow-list change nothing, as on hardware.
 *
 * Return: @count, or -EINVAL for another size or alignment.
 */
ssize_t vdev_mmio_write(struct idxd_vdev *vdev, loff_t pos, const void *buf,
			size_t count)
{
	size_t i;

	if (!vdev_mmio_access_ok(pos, count))
		return -EINVAL;
	if (pos >= VDEV_BAR0_EMU_SIZE)
		return count;
	guard(mutex)(&vdev->lock);
	for (i = 0; i < count; i += 4)
		vdev_write32(vdev, pos + i, get_unaligned_le32(buf + i));
	return count;
}
