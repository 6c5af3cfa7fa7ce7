// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's PASID: descriptors a shared WQ receives through ENQCMDS
 * must carry a PASID. The host's own DMA runs in the device's default DMA
 * domain, so that domain is attached once more at a PASID from the global
 * allocator, and kernel descriptors carry that PASID with the privileged
 * bit. Dedicated kernel WQs do not need it: they run untagged.
 *
 * WQ users (vdevs) get PASIDs of their own from siov_idxd_pasid_alloc();
 * a PASID is only handed back to the allocator once the device confirmed
 * that no work of it runs (see quarantine.c).
 */
#include <linux/iommu.h>

#include "device.h"

/**
 * siov_idxd_get_kernel_pasid() - the PASID kernel descriptors carry
 * @idxd: the device; caller holds idxd->lock
 * @pasid: where to store it
 *
 * Allocated and attached on first use; kept until the device is disabled.
 *
 * Return: 0, or -EOPNOTSUPP, -ENOSPC or the attach error.
 */
int siov_idxd_get_kernel_pasid(struct siov_idxd *idxd, ioasid_t *pasid)
{
	struct device *dev = idxd_dev(idxd);
	struct iommu_domain *domain;
	ioasid_t id;
	int rc;

	lockdep_assert_held(&idxd->lock);
	if (idxd->kernel_pasid != IOMMU_PASID_INVALID) {
		*pasid = idxd->kernel_pasid;
		return 0;
	}

	domain = iommu_get_domain_for_dev(dev);
	if (!domain || !idxd->pdev->pasid_enabled) {
		dev_warn(dev, "no IOMMU domain or PASID: no kernel PASID\n");
		return -EOPNOTSUPP;
	}
	id = iommu_alloc_global_pasid(dev);
	if (id == IOMMU_PASID_INVALID) {
		dev_warn(dev, "no free PASID for kernel descriptors\n");
		return -ENOSPC;
	}
	rc = iommu_attach_device_pasid(domain, dev, id, NULL);
	if (rc) {
		dev_warn(dev, "cannot attach the DMA domain at PASID %u: %d\n",
			 id, rc);
		iommu_free_global_pasid(id);
		return rc;
	}
	idxd->kernel_pasid = id;
	*pasid = id;
	dev_dbg(dev, "kernel descriptors use PASID %u\n", id);
	return 0;
}

/**
 * siov_idxd_put_kernel_pasid() - release the kernel PASID, if any
 * @idxd: the device, with no WQ enabled; caller holds idxd->lock
 */
void siov_idxd_put_kernel_pasid(struct siov_idxd *idxd)
{
	struct device *dev = idxd_dev(idxd);

	lockdep_assert_held(&idxd->lock);
	if (idxd->kernel_pasid == IOMMU_PASID_INVALID)
		return;
	iommu_detach_device_pasid(iommu_get_domain_for_dev(dev), dev,
				  idxd->kernel_pasid);
	iommu_free_global_pasid(idxd->kernel_pasid);
	idxd->kernel_pasid = IOMMU_PASID_INVALID;
}

/**
 * siov_idxd_pasid_alloc() - a PASID for a user of a WQ (a subdevice)
 * @wq: the WQ the user is bound to
 *
 * From the global allocator, so that the parent device never sees the same
 * PASID in two domains.
 *
 * Return: the PASID, or IOMMU_PASID_INVALID if none is free.
 */
ioasid_t siov_idxd_pasid_alloc(struct siov_idxd_wq *wq)
{
	return iommu_alloc_global_pasid(idxd_dev(wq->idxd));
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_pasid_alloc, IDXD_SIOV);

/**
 * siov_idxd_pasid_free() - give back a PASID of siov_idxd_pasid_alloc()
 * @wq: the WQ it was allocated for
 * @pasid: the PASID; its domain is detached, its work stopped
 *
 * If the device did not confirm that the work stopped, the PASID is kept
 * until the device has been reset, so that no other user is given a PASID
 * the device may still run work with.
 */
void siov_idxd_pasid_free(struct siov_idxd_wq *wq, ioasid_t pasid)
{
	if (!siov_idxd_quarantine_pasid(wq->idxd, pasid))
		iommu_free_global_pasid(pasid);
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_pasid_free, IDXD_SIOV);
