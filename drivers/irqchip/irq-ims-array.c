// SPDX-License-Identifier: GPL-2.0
/*
 * Generic irqchip for an IMS (Interrupt Message Store) that is an array of
 * 16-byte slots in a PCI device's MMIO space:
 *
 *   dword 0  message address, low
 *   dword 1  message address, high
 *   dword 2  message data
 *   dword 3  control: bit 0 mask, bit 1 pending (reads 1 while a masked
 *            slot holds an interrupt; writing 1 drops it), bit 3 PASID
 *            enable, bits 31:12 PASID
 *
 * The device raises a slot's message only for work carrying the slot's
 * PASID, so the PASID is what ties an entry to the subdevice that owns it.
 * It comes from the allocation (the PCI/IMS instance cookie) and is part
 * of every control word this chip writes, the masking one at allocation
 * included: there is no window in which a slot is unmasked with another
 * PASID, and nothing outside this file ever writes a slot. An interrupt
 * a masked slot still holds is dropped when the slot is allocated and
 * when it is freed, so one owner's interrupt never reaches the next.
 */

#include <linux/bitfield.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/irq.h>
#include <linux/irqchip/irq-ims-array.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/pci.h>

/*
 * Per interrupt state lives in the MSI descriptor: dcookie.iobase is the
 * slot, icookie.value the unmasked control word (PASID and PASID enable)
 * once prepare_desc() has turned the allocation's PASID into it.
 */
static void __iomem *ims_array_slot(struct irq_data *data)
{
	return irq_data_get_msi_desc(data)->data.dcookie.iobase;
}

static u32 ims_array_ctrl(struct irq_data *data)
{
	return irq_data_get_msi_desc(data)->data.icookie.value;
}

static void ims_array_write_ctrl(void __iomem *slot, u32 ctrl)
{
	writel(ctrl, slot + IMS_ARRAY_CTRL);
	/* flush the posted write: the caller relies on it having landed */
	readl(slot + IMS_ARRAY_CTRL);
}

static void ims_array_mask_irq(struct irq_data *data)
{
	ims_array_write_ctrl(ims_array_slot(data),
			     ims_array_ctrl(data) | IMS_ARRAY_CTRL_MASK);
}

static void ims_array_unmask_irq(struct irq_data *data)
{
	ims_array_write_ctrl(ims_array_slot(data), ims_array_ctrl(data));
}

static void ims_array_write_msi_msg(struct irq_data *data, struct msi_msg *msg)
{
	void __iomem *slot = ims_array_slot(data);

	writel(msg->address_lo, slot + IMS_ARRAY_ADDR_LO);
	writel(msg->address_hi, slot + IMS_ARRAY_ADDR_HI);
	writel(msg->data, slot + IMS_ARRAY_DATA);
	readl(slot + IMS_ARRAY_DATA);
}

static void ims_array_shutdown(struct irq_data *data)
{
	ims_array_mask_irq(data);
}

/*
 * Runs for every new descriptor before its interrupt is allocated in the
 * parent, so before any message is written or the slot can be unmasked.
 */
static void ims_array_prepare_desc(struct irq_domain *domain,
				   msi_alloc_info_t *arg, struct msi_desc *desc)
{
	struct msi_domain_info *info = domain->host_data;
	struct ims_array_info *ims = info->data;
	void __iomem *slot = ims->slots + desc->msi_index * IMS_ARRAY_SLOT_SIZE;
	u32 pasid = desc->data.icookie.value;
	u32 ctrl = 0;

	if (pasid != IOMMU_NO_PASID)
		ctrl = FIELD_PREP(IMS_ARRAY_CTRL_PASID, pasid) |
		       IMS_ARRAY_CTRL_PASID_EN;

	desc->data.dcookie.iobase = slot;
	desc->data.icookie.value = ctrl;

	writel(0, slot + IMS_ARRAY_ADDR_LO);
	writel(0, slot + IMS_ARRAY_ADDR_HI);
	writel(0, slot + IMS_ARRAY_DATA);
	/* masked, and whatever a previous owner left pending dropped */
	ims_array_write_ctrl(slot, ctrl | IMS_ARRAY_CTRL_MASK |
			     IMS_ARRAY_CTRL_PENDING);
}

/*
 * The hardware interrupt number is the slot: the default set_desc() leaves
 * it 0, which the parent domains take for one interrupt allocated twice.
 */
static void ims_array_set_desc(msi_alloc_info_t *arg, struct msi_desc *desc)
{
	arg->desc = desc;
	arg->hwirq = desc->msi_index;
}

/* A freed slot keeps no message, PASID or interrupt of its last owner. */
static void ims_array_msi_free(struct irq_domain *domain,
			       struct msi_domain_info *info, unsigned int virq)
{
	struct msi_desc *desc = irq_get_msi_desc(virq);
	void __iomem *slot;

	/* not attached yet: the allocation failed, the slot is still masked */
	if (!desc)
		return;
	slot = desc->data.dcookie.iobase;
	ims_array_write_ctrl(slot, IMS_ARRAY_CTRL_MASK | IMS_ARRAY_CTRL_PENDING);
	writel(0, slot + IMS_ARRAY_ADDR_LO);
	writel(0, slot + IMS_ARRAY_ADDR_HI);
	writel(0, slot + IMS_ARRAY_DATA);
	readl(slot + IMS_ARRAY_DATA);
}

static const struct msi_domain_template ims_array_template = {
	.chip = {
		.name			= "IMS",
		.irq_mask		= ims_array_mask_irq,
		.irq_unmask		= ims_array_unmask_irq,
		.irq_write_msi_msg	= ims_array_write_msi_msg,
		.irq_shutdown		= ims_array_shutdown,
		.flags			= IRQCHIP_ONESHOT_SAFE |
					  IRQCHIP_SKIP_SET_WAKE,
	},
	.ops = {
		.prepare_desc		= ims_array_prepare_desc,
		.set_desc		= ims_array_set_desc,
		.msi_free		= ims_array_msi_free,
	},
	.info = {
		.flags			= MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS |
					  MSI_FLAG_FREE_MSI_DESCS,
		.bus_token		= DOMAIN_BUS_PCI_DEVICE_IMS,
	},
};

/**
 * ims_array_create_domain - create the IMS domain of a PCI device
 * @pdev:	the device; MSI or MSI-X must already be enabled on it
 * @info:	where its slot array is; must stay valid until the driver is
 *		unbound (the domain goes away with the driver binding)
 *
 * The slots are expected masked (the device's reset state); this chip
 * never reads a slot it has not allocated.
 *
 * Return: true on success; false if the platform's MSI parent domain does
 * not support IMS or the domain could not be created.
 */
bool ims_array_create_domain(struct pci_dev *pdev, struct ims_array_info *info)
{
	if (!info->slots || !info->max_slots)
		return false;
	return pci_create_ims_domain(pdev, &ims_array_template,
				     info->max_slots, info);
}
EXPORT_SYMBOL_GPL(ims_array_create_domain);

/**
 * ims_array_alloc_irq - allocate a slot for work tagged with a PASID
 * @pdev:	the device whose IMS domain was created
 * @pasid:	the PASID the slot will accept, or %IOMMU_NO_PASID for
 *		untagged work (PASID enable left clear)
 *
 * The slot is written masked, with @pasid, before the allocation returns.
 *
 * Return: the slot index (msi_map::index) and Linux interrupt number
 * (msi_map::virq); on failure msi_map::index is -EINVAL for a PASID wider
 * than a slot holds, -ENOSPC if every slot is taken, or another error.
 */
struct msi_map ims_array_alloc_irq(struct pci_dev *pdev, u32 pasid)
{
	union msi_instance_cookie icookie = { .value = pasid };
	struct msi_map map = { .index = -EINVAL };

	if (pasid > IMS_ARRAY_PASID_MAX)
		return map;
	map = pci_ims_alloc_irq(pdev, &icookie, NULL);
	/* the core's "no free index" is the xarray's -EBUSY */
	if (map.index == -EBUSY)
		map.index = -ENOSPC;
	return map;
}
EXPORT_SYMBOL_GPL(ims_array_alloc_irq);

/**
 * ims_array_free_irq - free a slot allocated by ims_array_alloc_irq()
 * @pdev:	the device
 * @map:	what ims_array_alloc_irq() returned
 *
 * free_irq() must have been called; the slot is left masked, without
 * message or PASID.
 */
void ims_array_free_irq(struct pci_dev *pdev, struct msi_map map)
{
	pci_ims_free_irq(pdev, map);
}
EXPORT_SYMBOL_GPL(ims_array_free_irq);

MODULE_DESCRIPTION("Generic irqchip for MMIO arrays of IMS slots with PASID");
MODULE_LICENSE("GPL");
