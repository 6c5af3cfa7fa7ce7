// SPDX-License-Identifier: GPL-2.0
/*
 * MSI-X: vector 0 is the misc interrupt (command completion, software
 * errors, halt); vector n + 1 is WQ n's completion vector, requested by the
 * driver bound to the WQ (dma.c).
 */
#include <linux/bitfield.h>
#include <linux/interrupt.h>
#include <linux/io-64-nonatomic-lo-hi.h>

#include "device.h"

/**
 * siov_idxd_read_swerr() - latch and clear the software error register
 * @idxd: the device
 *
 * Keeps a copy for the errors attribute and clears the register at once,
 * so the device can report the next error, then logs the record
 * (ratelimited) and forwards it to the WQ's user. Clearing comes first:
 * a vdev's guest that sees its error may cause the next one at once, and
 * the device records an error that comes while the register is still
 * valid only as the overflow bit. Caller holds no lock; the copy is only
 * ever written from the misc interrupt thread.
 */
void siov_idxd_read_swerr(struct siov_idxd *idxd)
{
	u64 w0;
	int i;

	for (i = 0; i < IDXD_SWERR_QWORDS; i++)
		idxd->swerr[i] = lo_hi_readq(idxd->regs + IDXD_SWERR_OFFSET +
					     i * sizeof(u64));
	w0 = idxd->swerr[0];
	if (!(w0 & IDXD_SWERR_VALID))
		return;
	/* Writing the valid bit back clears the whole record. */
	lo_hi_writeq(IDXD_SWERR_VALID | IDXD_SWERR_OVERFLOW,
		     idxd->regs + IDXD_SWERR_OFFSET);

	/* a guest can cause these at will: never let it flood the log */
	dev_err_ratelimited(idxd_dev(idxd),
			    "software error %#llx%s: op %#llx%s wq %lld%s pasid %#llx addr %#llx\n",
			    FIELD_GET(IDXD_SWERR_ERROR, w0),
			    (w0 & IDXD_SWERR_OVERFLOW) ? " (overflow)" : "",
			    FIELD_GET(IDXD_SWERR_OPERATION, w0),
			    (w0 & IDXD_SWERR_DESC_VALID) ? "" : " (no descriptor)",
			    (w0 & IDXD_SWERR_WQ_IDX_VALID) ?
				(long long)FIELD_GET(IDXD_SWERR_WQ_IDX, w0) : -1LL,
			    (w0 & IDXD_SWERR_BATCH) ? " (batch)" : "",
			    FIELD_GET(IDXD_SWERR_PASID, w0), idxd->swerr[2]);

	siov_idxd_forward_swerr(idxd, idxd->swerr);
}

static irqreturn_t siov_idxd_misc_thread(int irq, void *data)
{
	struct siov_idxd *idxd = data;
	u32 cause, sts;

	cause = ioread32(idxd->regs + IDXD_INTCAUSE_OFFSET);
	if (!cause)
		return IRQ_NONE;
	/* Acknowledge first so that a new cause raises a new interrupt. */
	iowrite32(cause, idxd->regs + IDXD_INTCAUSE_OFFSET);

	if (cause & IDXD_INTC_ERR)
		siov_idxd_read_swerr(idxd);

	if (cause & IDXD_INTC_HALT) {
		sts = ioread32(idxd->regs + IDXD_GENSTS_OFFSET);
		if (FIELD_GET(IDXD_GENSTS_STATE, sts) == IDXD_DEVSTS_HALTED) {
			/*
			 * The state is written without @lock: a halt must be
			 * visible at once, and a reset is the only way out.
			 */
			WRITE_ONCE(idxd->state, SIOV_IDXD_HALTED);
			dev_err(idxd_dev(idxd),
				"device halted (reset type %lu); resetting it\n",
				FIELD_GET(IDXD_GENSTS_RESET_TYPE, sts));
			/* Unbinding waits for WQ drivers: not from here. */
			schedule_work(&idxd->halt_work);
		}
	}

	if (cause & IDXD_INTC_CMD)
		complete(&idxd->cmd_done);

	return IRQ_HANDLED;
}

/**
 * siov_idxd_setup_irqs() - allocate MSI-X and install the misc handler
 * @idxd: the device
 *
 * Return: 0 or a negative errno.
 */
int siov_idxd_setup_irqs(struct siov_idxd *idxd)
{
	struct pci_dev *pdev = idxd->pdev;
	int nvec, rc;

	nvec = pci_msix_vec_count(pdev);
	if (nvec < 1) {
		dev_err(&pdev->dev, "no MSI-X capability (%d)\n", nvec);
		return nvec < 0 ? nvec : -ENODEV;
	}
	nvec = pci_alloc_irq_vectors(pdev, nvec, nvec, PCI_IRQ_MSIX);
	if (nvec < 0) {
		dev_err(&pdev->dev, "cannot allocate MSI-X vectors: %d\n",
			nvec);
		return nvec;
	}
	idxd->num_vectors = nvec;

	idxd->misc_irq = pci_irq_vector(pdev, 0);
	/* Threaded: the handler reads 64-bit records and logs them. */
	rc = request_threaded_irq(idxd->misc_irq, NULL, siov_idxd_misc_thread,
				  IRQF_ONESHOT, dev_name(&idxd->sdev.dev),
				  idxd);
	if (rc) {
		dev_err(&pdev->dev, "cannot request misc interrupt: %d\n", rc);
		pci_free_irq_vectors(pdev);
		return rc;
	}
	return 0;
}

/**
 * siov_idxd_free_irqs() - undo siov_idxd_setup_irqs()
 * @idxd: the device
 */
void siov_idxd_free_irqs(struct siov_idxd *idxd)
{
	free_irq(idxd->misc_irq, idxd);
	pci_free_irq_vectors(idxd->pdev);
}
