// SPDX-License-Identifier: GPL-2.0
/*
 * IMS for the users of the device's WQs (the vdev driver): the device's
 * IMS table becomes the PCI device's IMS domain, driven by the generic
 * ims-array irqchip, and a WQ user allocates vectors bound to a PASID.
 *
 * Lifetime: the domain lives as long as the PCI driver binding. A vector
 * belongs to the driver bound to a WQ and must be freed by its remove;
 * every path that resets the device (disable, halt recovery, FLR, PCI
 * remove) unbinds the WQ drivers first, so no vector outlives the slot
 * contents the reset clears.
 */
#include <linux/bitfield.h>
#include <linux/irqchip/irq-ims-array.h>
#include <linux/pci.h>

#include "device.h"

/**
 * siov_idxd_setup_ims() - create the device's IMS domain
 * @idxd: the device, with MSI-X enabled
 *
 * Sets ims_size to the number of usable entries: the IMS capability, or 0
 * if the device has none or the platform cannot serve IMS (an interrupt
 * remapping unit in caching mode, a kernel without PCI/IMS support...),
 * which leaves the device usable for everything else.
 */
void siov_idxd_setup_ims(struct siov_idxd *idxd)
{
	struct device *dev = idxd_dev(idxd);
	unsigned int hw_size = idxd->ims_size;
	u64 end = (u64)idxd->ims_offset + hw_size * IMS_ARRAY_SLOT_SIZE;

	idxd->ims_size = 0;
	if (!hw_size)
		return;
	if (end > pci_resource_len(idxd->pdev, IDXD_BAR_REGS)) {
		dev_warn(dev, "IMS table (%u entries at %#x) outside BAR0: no IMS\n",
			 hw_size, idxd->ims_offset);
		return;
	}
	idxd->ims_info.slots = idxd->regs + idxd->ims_offset;
	idxd->ims_info.max_slots = hw_size;
	if (!ims_array_create_domain(idxd->pdev, &idxd->ims_info)) {
		dev_info(dev, "%u IMS entries, but the platform's MSI parent domain does not support PCI/IMS: no IMS\n",
			 hw_size);
		return;
	}
	idxd->ims_size = hw_size;
}

static bool siov_ims_needs_handle(struct siov_idxd *idxd)
{
	return (idxd->caps.gencap & IDXD_GENCAP_CMD_CAP) &&
	       (idxd->caps.cmdcap & BIT(IDXD_CMD_REQUEST_INT_HANDLE));
}

/**
 * siov_idxd_ims_alloc() - allocate an IMS vector for work tagged with a PASID
 * @wq: the WQ the caller is bound to
 * @pasid: the PASID of the descriptors that will raise the vector (the
 *	subdevice's), or IOMMU_NO_PASID for untagged work
 * @vec: filled with the Linux interrupt number, the IMS slot and the
 *	interrupt handle descriptors must carry (through an IMS portal)
 *
 * The slot is masked and already holds @pasid when this returns; it is
 * unmasked by request_irq(). The device raises it only for descriptors
 * running with @pasid.
 *
 * Return: 0; -EOPNOTSUPP without usable IMS; -EINVAL for a PASID wider
 * than 20 bits; -ENOSPC when every slot is taken; -EIO if the device
 * refused an interrupt handle.
 */
int siov_idxd_ims_alloc(struct siov_idxd_wq *wq, ioasid_t pasid,
			struct siov_idxd_ims_vector *vec)
{
	struct siov_idxd *idxd = wq->idxd;
	struct msi_map map;
	u32 handle;
	int rc;

	if (!idxd->ims_size)
		return -EOPNOTSUPP;
	map = ims_array_alloc_irq(idxd->pdev, pasid);
	if (map.index < 0)
		return map.index;

	/* The handle is the slot unless the device translates it. */
	handle = map.index;
	if (siov_ims_needs_handle(idxd)) {
		rc = siov_idxd_cmd(idxd, IDXD_CMD_REQUEST_INT_HANDLE,
				   map.index | IDXD_CMD_INT_HANDLE_IMS, &handle);
		if (rc) {
			ims_array_free_irq(idxd->pdev, map);
			return rc;
		}
	}
	vec->virq = map.virq;
	vec->index = map.index;
	vec->handle = handle;
	atomic_inc(&idxd->ims_in_use);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_ims_alloc, IDXD_SIOV);

/**
 * siov_idxd_ims_free() - free a vector of siov_idxd_ims_alloc()
 * @wq: the WQ it was allocated for
 * @vec: the vector; free_irq() must have been called on it
 *
 * The slot is left masked, with no message, no PASID and no pending
 * interrupt. If the device did not confirm that the work which could
 * raise it stopped, slot and handle stay allocated until the device has
 * been reset (quarantine.c), so nobody else is given them meanwhile.
 */
void siov_idxd_ims_free(struct siov_idxd_wq *wq,
			struct siov_idxd_ims_vector *vec)
{
	struct siov_idxd *idxd = wq->idxd;
	struct msi_map map = { .index = vec->index, .virq = vec->virq };

	vec->virq = 0;
	if (siov_idxd_quarantine_ims(idxd, map))
		return;
	if (siov_ims_needs_handle(idxd))
		siov_idxd_cmd(idxd, IDXD_CMD_RELEASE_INT_HANDLE,
			      vec->handle | IDXD_CMD_INT_HANDLE_IMS, NULL);
	ims_array_free_irq(idxd->pdev, map);
	atomic_dec(&idxd->ims_in_use);
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_ims_free, IDXD_SIOV);
