// SPDX-License-Identifier: GPL-2.0
/*
 * Peer test: a descriptor whose destination is an unmapped IOVA must
 * complete with a page-fault status and write nothing; a good descriptor
 * on the same WQ afterwards must still work.
 *
 * Runs beside the upstream idxd driver, which owns the device and has a
 * dedicated kernel WQ enabled: this module only borrows the WQ's portal
 * and allocates DMA memory against the device, so the addresses it puts
 * in descriptors are real IOVAs of the device's DMA domain. Loading it
 * runs the test; it refuses to load (-EIO) when a check fails.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <uapi/linux/idxd.h>

static int wq;
module_param(wq, int, 0444);
MODULE_PARM_DESC(wq, "dedicated, enabled WQ whose portal is borrowed");

static unsigned long long hole = 0x7000000000ULL;
module_param(hole, ullong, 0444);
MODULE_PARM_DESC(hole, "an IOVA the DMA API never maps");

#define DSA_BAR0_OFFSETS	0x60
#define DSA_WQCFG_STRIDE	32	/* WQCAP.wqcfg_size = 0 */
#define PORTAL_PAGES_PER_WQ	4

static int submit_and_wait(void __iomem *portal, struct dsa_hw_desc *desc,
			   struct dsa_completion_record *cr)
{
	int i;

	memset(cr, 0, sizeof(*cr));
	wmb();	/* the descriptor sees a cleared record */
	iosubmit_cmds512(portal, desc, 1);
	for (i = 0; i < 2000; i++) {
		if (READ_ONCE(cr->status))
			return 0;
		usleep_range(500, 1000);
	}
	return -ETIMEDOUT;
}

static int __init peer_fault_init(void)
{
	struct dsa_completion_record *cr;
	struct dsa_hw_desc desc = {};
	void __iomem *bar0, *portal;
	struct pci_dev *pdev;
	dma_addr_t cr_dma, buf_dma;
	u8 *buf, *canary;
	u32 wqcfg_off, mode, state;
	int ret = -EIO, i;

	pdev = pci_get_device(PCI_VENDOR_ID_INTEL, 0x0b25, NULL);
	if (!pdev)
		return -ENODEV;

	bar0 = pci_iomap(pdev, 0, 0x1000);
	portal = ioremap(pci_resource_start(pdev, 2) +
			 (wq * PORTAL_PAGES_PER_WQ + 1) * PAGE_SIZE, PAGE_SIZE);
	cr = dma_alloc_coherent(&pdev->dev, PAGE_SIZE, &cr_dma, GFP_KERNEL);
	buf = dma_alloc_coherent(&pdev->dev, 2 * PAGE_SIZE, &buf_dma, GFP_KERNEL);
	canary = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!bar0 || !portal || !cr || !buf || !canary) {
		ret = -ENOMEM;
		goto out;
	}

	wqcfg_off = ((ioread32(bar0 + DSA_BAR0_OFFSETS) >> 16) & 0xffff) * 0x100;
	mode = ioread32(bar0 + wqcfg_off + wq * DSA_WQCFG_STRIDE + 8);
	state = ioread32(bar0 + wqcfg_off + wq * DSA_WQCFG_STRIDE + 24) >> 30;
	if (!(mode & 1) || state != 1) {
		pr_err("peer_fault: wq%d is not an enabled dedicated WQ\n", wq);
		ret = -EINVAL;
		goto out;
	}

	for (i = 0; i < PAGE_SIZE; i++) {
		buf[i] = i * 13;
		buf[PAGE_SIZE + i] = 0x5a;
		canary[i] = 0xa5;
	}

	/* 1. memmove to an unmapped IOVA: page fault on the write */
	desc.opcode = DSA_OPCODE_MEMMOVE;
	desc.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	desc.completion_addr = cr_dma;
	desc.src_addr = buf_dma;
	desc.dst_addr = hole;
	desc.xfer_size = PAGE_SIZE;
	if (submit_and_wait(portal, &desc, cr)) {
		pr_err("peer_fault: no completion for the faulting descriptor\n");
		goto out;
	}
	pr_info("peer_fault: status %#x fault_addr %#llx bytes %u\n",
		cr->status, cr->fault_addr, cr->bytes_completed);
	if (DSA_COMP_STATUS(cr->status) != DSA_COMP_PAGE_FAULT_NOBOF ||
	    !(cr->status & DSA_COMP_STATUS_WRITE) || cr->fault_addr != hole ||
	    cr->bytes_completed) {
		pr_err("peer_fault: expected a write page fault at %#llx\n", hole);
		goto out;
	}
	for (i = 0; i < PAGE_SIZE; i++) {
		if (buf[i] != (u8)(i * 13) || buf[PAGE_SIZE + i] != 0x5a ||
		    canary[i] != 0xa5) {
			pr_err("peer_fault: memory changed at offset %d\n", i);
			goto out;
		}
	}

	/* 2. the WQ still works: a good memmove on the same portal */
	desc.dst_addr = buf_dma + PAGE_SIZE;
	if (submit_and_wait(portal, &desc, cr) ||
	    cr->status != DSA_COMP_SUCCESS || memcmp(buf, buf + PAGE_SIZE, PAGE_SIZE)) {
		pr_err("peer_fault: good descriptor after the fault failed (%#x)\n",
		       cr->status);
		goto out;
	}
	pr_info("peer_fault: PASS\n");
	ret = 0;
out:
	kfree(canary);
	if (buf)
		dma_free_coherent(&pdev->dev, 2 * PAGE_SIZE, buf, buf_dma);
	if (cr)
		dma_free_coherent(&pdev->dev, PAGE_SIZE, cr, cr_dma);
	if (portal)
		iounmap(portal);
	if (bar0)
		pci_iounmap(pdev, bar0);
	pci_dev_put(pdev);
	return ret;
}

static void __exit peer_fault_exit(void)
{
}

module_init(peer_fault_init);
module_exit(peer_fault_exit);
MODULE_DESCRIPTION("idxd-siov peer test: DSA page fault on an unmapped IOVA");
MODULE_LICENSE("GPL");
