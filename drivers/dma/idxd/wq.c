// SPDX-License-Identifier: GPL-2.0
/*
 * Work queues for the drivers that bind to them (dmaengine here, the vdev
 * driver later): enable a WQ with the PASID its user needs, disable it,
 * count its clients, and find its portal. A WQ driver calls these from its
 * probe and remove; the state they change is what sysfs shows.
 */
#include <linux/bitfield.h>
#include <linux/io.h>
#include <uapi/linux/idxd.h>

#include "device.h"

/* Disable/drain/abort WQ take a 16-bit mask and the index of the mask. */
u32 siov_idxd_wq_mask_operand(struct siov_idxd_wq *wq)
{
	return BIT(wq->id % 16) | (wq->id / 16) << 16;
}

static void __iomem *siov_wqcfg(struct siov_idxd_wq *wq, unsigned int dw)
{
	struct siov_idxd *idxd = wq->idxd;

	return idxd->regs + idxd->wqcfg_offset + wq->id * idxd->wqcfg_size +
	       dw * sizeof(u32);
}

static void siov_write_wqcfg(struct siov_idxd_wq *wq, ioasid_t pasid)
{
	u32 mode;

	mode = FIELD_PREP(IDXD_WQCFG_PRIORITY, wq->priority);
	if (wq->dedicated)
		mode |= IDXD_WQCFG_DEDICATED;
	if (wq->block_on_fault)
		mode |= IDXD_WQCFG_BOF;
	if (wq->ats_disable)
		mode |= IDXD_WQCFG_ATS_DISABLE;
	if (wq->prs_disable)
		mode |= IDXD_WQCFG_PRS_DISABLE;
	/*
	 * A shared WQ takes the PASID from each descriptor (ENQCMD(S)) and
	 * needs PASID enabled; a dedicated one runs with the WQ's PASID, or
	 * untagged (the device's own DMA domain) with IOMMU_NO_PASID.
	 */
	if (!wq->dedicated || pasid != IOMMU_NO_PASID)
		mode |= IDXD_WQCFG_PASID_EN;
	if (wq->dedicated)
		mode |= FIELD_PREP(IDXD_WQCFG_PASID, pasid);
	/* Kernel descriptors are privileged: they may use any handle. */
	if (wq->type == SIOV_WQT_KERNEL)
		mode |= IDXD_WQCFG_PRIV;

	iowrite32(FIELD_PREP(IDXD_WQCFG_THRESH, wq->threshold),
		  siov_wqcfg(wq, IDXD_WQCFG_THRESH_DW));
	iowrite32(mode, siov_wqcfg(wq, IDXD_WQCFG_MODE_DW));
	iowrite32(FIELD_PREP(IDXD_WQCFG_MAX_XFER_SHIFT,
			     ilog2(wq->max_xfer_bytes)) |
		  FIELD_PREP(IDXD_WQCFG_MAX_BATCH_SHIFT,
			     ilog2(wq->max_batch_size)),
		  siov_wqcfg(wq, IDXD_WQCFG_MAX_DW));
}

/*
 * Refuse with the reason in the log and the software status accel-config
 * decodes in cmd_status.
 */
static int siov_wq_refuse(struct siov_idxd_wq *wq, int err, u32 status,
			  const char *why)
{
	dev_warn(&wq->sdev.dev, "cannot enable: %s\n", why);
	siov_idxd_set_cmd_status(wq->idxd, status);
	return err;
}

/**
 * siov_idxd_wq_enable() - program a WQ's configuration and enable it
 * @wq: a WQ of an enabled device, from its bound driver's probe
 * @pasid: for a dedicated WQ, the PASID its descriptors run with, or
 *	IOMMU_NO_PASID to run untagged in the device's DMA domain; ignored
 *	for a shared WQ, whose descriptors each carry their PASID
 *
 * Return: 0; -ENXIO if the device is not enabled; -EBUSY if the WQ is;
 * -EINVAL if the WQ has no group or size; -EIO if the device refused.
 * The reason is logged and kept in the device's cmd_status.
 */
int siov_idxd_wq_enable(struct siov_idxd_wq *wq, ioasid_t pasid)
{
	struct siov_idxd *idxd = wq->idxd;
	u32 state;
	int rc;

	guard(mutex)(&idxd->lock);
	if (idxd->state != SIOV_IDXD_ENABLED || idxd->stopping)
		return siov_wq_refuse(wq, -ENXIO, IDXD_SCMD_DEV_NOT_ENABLED,
				      "device not enabled");
	if (wq->state != SIOV_WQ_DISABLED)
		return siov_wq_refuse(wq, -EBUSY, IDXD_SCMD_WQ_ENABLED,
				      "already enabled");
	if (!wq->group)
		return siov_wq_refuse(wq, -EINVAL, IDXD_SCMD_WQ_NO_GRP,
				      "no group");
	if (!wq->size)
		return siov_wq_refuse(wq, -EINVAL, IDXD_SCMD_WQ_NO_SIZE,
				      "size 0");
	if (!wq->dedicated && !idxd->pdev->pasid_enabled)
		return siov_wq_refuse(wq, -EOPNOTSUPP,
				      IDXD_SCMD_WQ_NO_SWQ_SUPPORT,
				      "shared WQ without PASID");

	siov_write_wqcfg(wq, pasid);
	rc = siov_idxd_cmd(idxd, IDXD_CMD_ENABLE_WQ, wq->id, NULL);
	if (rc)
		return rc;
	state = FIELD_GET(IDXD_WQCFG_STATE,
			  ioread32(siov_wqcfg(wq, IDXD_WQCFG_STATE_DW)));
	if (state != IDXD_WQCFG_STATE_ENABLED) {
		dev_err(&wq->sdev.dev, "enable wq succeeded but WQCFG state is %u\n",
			state);
		return -EIO;
	}
	wq->pasid = pasid;
	wq->state = SIOV_WQ_ENABLED;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_enable, IDXD_SIOV);

/**
 * siov_idxd_wq_disable() - stop a WQ
 * @wq: an enabled WQ, from its bound driver's remove
 * @abort: drop the descriptors still queued instead of running them
 *
 * Once this returns the device writes nothing more for the WQ: queued
 * descriptors have completed (drain) or been dropped without a completion
 * record (abort), which the caller must then fail itself. A halted device
 * runs nothing, so a failing command is only logged.
 */
void siov_idxd_wq_disable(struct siov_idxd_wq *wq, bool abort)
{
	struct siov_idxd *idxd = wq->idxd;

	guard(mutex)(&idxd->lock);
	if (wq->state != SIOV_WQ_ENABLED)
		return;
	if (idxd->state == SIOV_IDXD_ENABLED) {
		if (abort)
			siov_idxd_cmd(idxd, IDXD_CMD_ABORT_WQ,
				      siov_idxd_wq_mask_operand(wq), NULL);
		siov_idxd_cmd(idxd, IDXD_CMD_DISABLE_WQ,
			      siov_idxd_wq_mask_operand(wq), NULL);
	}
	wq->pasid = IOMMU_NO_PASID;
	wq->state = SIOV_WQ_DISABLED;
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_disable, IDXD_SIOV);

/**
 * siov_idxd_wq_portal() - the WQ's unlimited, MSI-X-interrupt portal
 * @wq: the WQ
 *
 * Return: the mapped 4 KiB portal page descriptors are written to.
 */
void __iomem *siov_idxd_wq_portal(struct siov_idxd_wq *wq)
{
	return wq->idxd->portals +
	       wq->id * SIOV_PORTALS_PER_WQ * SIOV_PORTAL_SIZE;
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_portal, IDXD_SIOV);

/**
 * siov_idxd_wq_ims_portal() - the WQ's unlimited, IMS-interrupt portal
 * @wq: the WQ
 *
 * Descriptors written here request completion interrupts by IMS handle
 * (see siov_idxd_ims_alloc()) instead of MSI-X vector.
 *
 * Return: the mapped 4 KiB portal page.
 */
void __iomem *siov_idxd_wq_ims_portal(struct siov_idxd_wq *wq)
{
	return siov_idxd_wq_portal(wq) + SIOV_PORTAL_IMS * SIOV_PORTAL_SIZE;
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_ims_portal, IDXD_SIOV);

/**
 * siov_idxd_wq_ims_portal_phys() - bus address of the WQ's IMS portals
 * @wq: the WQ
 *
 * For mapping them into a user (a vdev's BAR2): the unlimited IMS portal
 * page, followed by the limited one.
 *
 * Return: the physical address of the unlimited IMS portal page.
 */
phys_addr_t siov_idxd_wq_ims_portal_phys(struct siov_idxd_wq *wq)
{
	return pci_resource_start(wq->idxd->pdev, IDXD_BAR_PORTALS) +
	       (wq->id * SIOV_PORTALS_PER_WQ + SIOV_PORTAL_IMS) *
	       SIOV_PORTAL_SIZE;
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_ims_portal_phys, IDXD_SIOV);

/**
 * siov_idxd_wq_dedicated() - whether a WQ is in dedicated mode
 * @wq: the WQ
 *
 * Return: true for a dedicated WQ, false for a shared one.
 */
bool siov_idxd_wq_dedicated(struct siov_idxd_wq *wq)
{
	guard(mutex)(&wq->idxd->lock);
	return wq->dedicated;
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_dedicated, IDXD_SIOV);

/**
 * siov_idxd_wq_parent() - the PCI device a WQ belongs to
 * @wq: the WQ
 *
 * For IOMMU and DMA API calls on the WQ's behalf: a PASID attached to
 * this device is what the WQ's descriptors run with.
 *
 * Return: the parent PCI device's struct device.
 */
struct device *siov_idxd_wq_parent(struct siov_idxd_wq *wq)
{
	return idxd_dev(wq->idxd);
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_parent, IDXD_SIOV);

/**
 * siov_idxd_to_wq() - the WQ behind a dsa bus object
 * @sdev: an object a WQ driver was probed with
 *
 * Return: the WQ, or NULL if @sdev is not a WQ.
 */
struct siov_idxd_wq *siov_idxd_to_wq(struct siov_idxd_dev *sdev)
{
	if (sdev->type != SIOV_IDXD_DEV_WQ)
		return NULL;
	return container_of(sdev, struct siov_idxd_wq, sdev);
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_to_wq, IDXD_SIOV);

/**
 * siov_idxd_wq_add_client() - count a user of the WQ
 * @wq: the WQ
 * @delta: +1 when a user comes, -1 when it goes
 *
 * The count is the clients attribute; accel-config refuses to disable a
 * WQ that has clients.
 */
void siov_idxd_wq_add_client(struct siov_idxd_wq *wq, int delta)
{
	guard(mutex)(&wq->idxd->lock);
	wq->clients += delta;
	WARN_ON_ONCE(wq->clients < 0);
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_add_client, IDXD_SIOV);
