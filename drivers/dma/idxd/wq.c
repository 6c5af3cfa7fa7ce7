// SPDX-License-Identifier: GPL-2.0
/*
 * Work queues for the drivers that bind to them (dmaengine here, the vdev
 * driver later): enable a WQ with the PASID its user needs, disable it,
 * count its clients, and find its portal. A WQ driver calls these from its
 * probe and remove; the state they change is what sysfs shows.
 */
#include <linux/bitfield.h>
#include <linux/io.h>
#include <asm/cpufeature.h>
#include <uapi/linux/idxd.h>

#include "device.h"

/* CPUID.(EAX=7,ECX=0):ECX[29]: ENQCMD and ENQCMDS */
#define SIOV_CPUID_7_ECX_ENQCMD	BIT(29)

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

/*
 * The WQCFG mode bits that decide whose work a WQ runs and with which
 * rights: they must be exactly what the bound driver asked for.
 */
#define SIOV_WQCFG_RUN_BITS	(IDXD_WQCFG_DEDICATED | IDXD_WQCFG_PASID_EN | \
				 IDXD_WQCFG_PASID | IDXD_WQCFG_PRIV)

/*
 * A shared WQ takes the PASID from each descriptor (ENQCMD(S)) and needs
 * PASID enabled; a dedicated one runs with the WQ's PASID, or untagged
 * (the device's own DMA domain) with IOMMU_NO_PASID. Privileged
 * descriptors may use any interrupt handle: kernel WQs only.
 */
static u32 siov_wqcfg_run_bits(const struct siov_idxd_wq_run *run)
{
	u32 mode = 0;

	if (run->dedicated)
		mode |= IDXD_WQCFG_DEDICATED |
			FIELD_PREP(IDXD_WQCFG_PASID, run->pasid);
	if (!run->dedicated || run->pasid != IOMMU_NO_PASID)
		mode |= IDXD_WQCFG_PASID_EN;
	if (run->priv)
		mode |= IDXD_WQCFG_PRIV;
	return mode;
}

static void siov_write_wqcfg(struct siov_idxd_wq *wq,
			     const struct siov_idxd_wq_run *run)
{
	u32 mode;

	mode = FIELD_PREP(IDXD_WQCFG_PRIORITY, wq->priority) |
	       siov_wqcfg_run_bits(run);
	if (wq->block_on_fault)
		mode |= IDXD_WQCFG_BOF;
	if (wq->ats_disable)
		mode |= IDXD_WQCFG_ATS_DISABLE;
	if (wq->prs_disable)
		mode |= IDXD_WQCFG_PRS_DISABLE;

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

/* The configuration an administrator gave the WQ versus what @run needs. */
static const char *siov_wq_run_mismatch(struct siov_idxd_wq *wq,
					const struct siov_idxd_wq_run *run)
{
	bool kernel = wq->type == SIOV_WQT_KERNEL;

	if (wq->dedicated != run->dedicated)
		return run->dedicated ? "the driver needs a dedicated WQ" :
					"the driver needs a shared WQ";
	if (kernel != run->priv)
		return run->priv ? "the driver needs a kernel WQ" :
				   "the driver needs a user WQ";
	if (!run->dedicated && run->pasid != IOMMU_NO_PASID)
		return "a shared WQ has no PASID of its own";
	return NULL;
}

/**
 * siov_idxd_wq_enable() - program a WQ's configuration and enable it
 * @wq: a WQ of an enabled device, from its bound driver
 * @run: how the driver needs the WQ to run. It must match the WQ's
 *	configuration (mode, and type kernel for privileged descriptors),
 *	which cannot change while a driver is bound; and the device must
 *	hold what was written (checked before the WQ is enabled).
 *
 * Return: 0; -ENXIO if the device is not enabled or awaits a reset;
 * -EBUSY if the WQ is enabled; -EINVAL if the WQ has no group or size or
 * does not match @run; -EIO if the device refused. The reason is logged
 * and kept in the device's cmd_status.
 */
int siov_idxd_wq_enable(struct siov_idxd_wq *wq,
			const struct siov_idxd_wq_run *run)
{
	struct siov_idxd *idxd = wq->idxd;
	const char *mismatch;
	u32 state, mode;
	int rc;

	guard(mutex)(&idxd->lock);
	if (idxd->state != SIOV_IDXD_ENABLED || idxd->stopping)
		return siov_wq_refuse(wq, -ENXIO, IDXD_SCMD_DEV_NOT_ENABLED,
				      "device not enabled");
	if (siov_idxd_stop_unconfirmed(idxd))
		return siov_wq_refuse(wq, -ENXIO, IDXD_SCMD_DEV_NOT_ENABLED,
				      "the device awaits a reset");
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
	mismatch = siov_wq_run_mismatch(wq, run);
	if (mismatch)
		return siov_wq_refuse(wq, -EINVAL, IDXD_SCMD_WQ_NO_PRIV,
				      mismatch);

	siov_write_wqcfg(wq, run);
	/* whose work, with which rights: verified before anything can run */
	mode = ioread32(siov_wqcfg(wq, IDXD_WQCFG_MODE_DW)) & SIOV_WQCFG_RUN_BITS;
	if (mode != siov_wqcfg_run_bits(run)) {
		dev_err(&wq->sdev.dev, "WQCFG mode reads %#x, not the %#x written\n",
			mode, siov_wqcfg_run_bits(run));
		return -EIO;
	}
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
	wq->pasid = run->pasid;
	wq->state = SIOV_WQ_ENABLED;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_enable, IDXD_SIOV);

/**
 * siov_idxd_wq_disable() - stop a WQ
 * @wq: an enabled WQ, from its bound driver
 * @abort: drop the descriptors still queued instead of running them
 *
 * Once this returns 0 the device writes nothing more for the WQ: queued
 * descriptors have completed (drain) or been dropped without a completion
 * record (abort), which the caller must then fail itself. A halted device
 * runs nothing: nothing to do.
 *
 * If the device does not confirm it, the WQ stays marked enabled and the
 * device awaits a reset (siov_idxd_escalate()): the caller must not hand
 * out what the WQ's work could still touch except through the quarantine
 * (PASIDs, IMS vectors and memory are taken care of by the
 * siov_idxd_*_free() helpers and siov_idxd_wq_quarantine_memory()).
 *
 * Return: 0, or the error of the command that failed.
 */
int siov_idxd_wq_disable(struct siov_idxd_wq *wq, bool abort)
{
	struct siov_idxd *idxd = wq->idxd;
	int rc = 0;

	guard(mutex)(&idxd->lock);
	if (wq->state != SIOV_WQ_ENABLED)
		return 0;
	if (idxd->state == SIOV_IDXD_ENABLED) {
		if (abort)
			rc = siov_idxd_cmd(idxd, IDXD_CMD_ABORT_WQ,
					   siov_idxd_wq_mask_operand(wq), NULL);
		if (!rc)
			rc = siov_idxd_cmd(idxd, IDXD_CMD_DISABLE_WQ,
					   siov_idxd_wq_mask_operand(wq), NULL);
		if (rc) {
			dev_err(&wq->sdev.dev,
				"not confirmed stopped (%d): kept enabled until the device is reset\n",
				rc);
			return rc;
		}
	}
	wq->pasid = IOMMU_NO_PASID;
	wq->state = SIOV_WQ_DISABLED;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_disable, IDXD_SIOV);

/**
 * siov_idxd_wq_quarantine_memory() - free memory the WQ's work writes to
 * @wq: the WQ
 * @release: frees the memory
 * @data: passed to @release
 *
 * Runs @release now if the device confirmed its work stopped, or once a
 * reset has (see siov_idxd_wq_disable()).
 */
void siov_idxd_wq_quarantine_memory(struct siov_idxd_wq *wq,
				    void (*release)(void *data), void *data)
{
	if (!siov_idxd_quarantine_memory(wq->idxd, release, data))
		release(data);
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_quarantine_memory, IDXD_SIOV);

/**
 * siov_idxd_cpu_can_submit() - whether the CPU can feed a WQ
 * @dedicated: a dedicated WQ (MOVDIR64B) or a shared one (ENQCMDS)
 *
 * X86_FEATURE_ENQCMD stands for user ENQCMD: the kernel clears it
 * without the PASID state's XSAVE support or SVA. ENQCMDS, which takes
 * the PASID from the descriptor, needs neither, so its CPUID bit is read.
 *
 * Return: true if the instruction exists; without it, submitting would
 * take #UD in the kernel.
 */
bool siov_idxd_cpu_can_submit(bool dedicated)
{
	if (dedicated)
		return boot_cpu_has(X86_FEATURE_MOVDIR64B);
	return cpuid_ecx(7) & SIOV_CPUID_7_ECX_ENQCMD;
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_cpu_can_submit, IDXD_SIOV);

/**
 * siov_idxd_wq_bind_user() - let a driver of user WQs take a WQ
 * @wq: the WQ its probe was called for
 * @dedicated: set to the WQ's mode, which stays as it is while bound
 *
 * Return: 0; -ENXIO if the device is not enabled, is being disabled or
 * awaits a reset (a WQ driver must not outlive the device's enablement:
 * a reset would wipe what it programmed); -EINVAL if the WQ's type is
 * not user.
 */
int siov_idxd_wq_bind_user(struct siov_idxd_wq *wq, bool *dedicated)
{
	struct siov_idxd *idxd = wq->idxd;

	guard(mutex)(&idxd->lock);
	if (idxd->state != SIOV_IDXD_ENABLED || idxd->stopping ||
	    siov_idxd_stop_unconfirmed(idxd)) {
		dev_warn(&wq->sdev.dev, "cannot bind: %s is not enabled\n",
			 dev_name(&idxd->sdev.dev));
		siov_idxd_set_cmd_status(idxd, IDXD_SCMD_DEV_NOT_ENABLED);
		return -ENXIO;
	}
	if (wq->type != SIOV_WQT_USER) {
		dev_warn(&wq->sdev.dev, "cannot bind: type is not user\n");
		siov_idxd_set_cmd_status(idxd, IDXD_SCMD_WQ_NO_PRIV);
		return -EINVAL;
	}
	*dedicated = wq->dedicated;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_bind_user, IDXD_SIOV);

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
