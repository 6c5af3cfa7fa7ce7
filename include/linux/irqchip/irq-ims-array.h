/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic irqchip for an Interrupt Message Store (IMS) that is an array of
 * 16-byte slots in a PCI device's MMIO space, each slot carrying a PASID
 * (Intel DSA and IAX layout). See Documentation/driver-api/ims-array.rst.
 */
#ifndef _LINUX_IRQCHIP_IRQ_IMS_ARRAY_H
#define _LINUX_IRQCHIP_IRQ_IMS_ARRAY_H

#include <linux/bits.h>
#include <linux/msi_api.h>
#include <linux/types.h>

/* One slot: four little-endian dwords. */
#define IMS_ARRAY_SLOT_SIZE		16
#define IMS_ARRAY_ADDR_LO		0x0
#define IMS_ARRAY_ADDR_HI		0x4
#define IMS_ARRAY_DATA			0x8
#define IMS_ARRAY_CTRL			0xc
#define  IMS_ARRAY_CTRL_MASK		BIT(0)
/* reads 1 while a masked slot holds an interrupt; writing 1 drops it */
#define  IMS_ARRAY_CTRL_PENDING		BIT(1)
#define  IMS_ARRAY_CTRL_PASID_EN	BIT(3)
#define  IMS_ARRAY_CTRL_PASID		GENMASK(31, 12)

/* Largest PASID a slot can hold (20 bits, as PCIe PASIDs). */
#define IMS_ARRAY_PASID_MAX		(IMS_ARRAY_CTRL_PASID >> 12)

struct pci_dev;

/**
 * struct ims_array_info - an IMS slot array in a device's MMIO space
 * @slots:	the first slot, mapped (e.g. BAR0 + the IMS table offset)
 * @max_slots:	the number of slots
 *
 * Owned by the device driver; it must stay valid until the device's MSI
 * domains are gone, i.e. until the driver is unbound.
 */
struct ims_array_info {
	void __iomem	*slots;
	unsigned int	max_slots;
};

bool ims_array_create_domain(struct pci_dev *pdev, struct ims_array_info *info);
struct msi_map ims_array_alloc_irq(struct pci_dev *pdev, u32 pasid);
void ims_array_free_irq(struct pci_dev *pdev, struct msi_map map);

#endif /* _LINUX_IRQCHIP_IRQ_IMS_ARRAY_H */
