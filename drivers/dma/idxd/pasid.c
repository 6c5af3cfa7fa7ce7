// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's PASID: descriptors a shared WQ receives through ENQCMDS
 * must carry a PASID. The host's own DMA runs in the device's default DMA
 * domain, so that domain is attached once more at a PASID from the global
 * allocator, and kernel descriptors carry that PASID with the privileged
 * bit. Dedicated kernel WQs do not need it: they run untagged.
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
