// SPDX-License-Identifier: GPL-2.0
/*
 * PCI error recovery and function-level reset. Either way the device
 * loses its configuration registers, so the device is taken down first
 * exactly as a disable would (WQ drivers fail what is in flight), and
 * comes back disabled with the software configuration kept: enabling it
 * again restores it.
 */
#include <linux/pci.h>

#include "device.h"

/* Disabled, unbound until the device is back, no recovery pending. */
static void siov_idxd_quiesce(struct siov_idxd *idxd)
{
	siov_idxd_take_down(idxd);
	cancel_work_sync(&idxd->halt_work);
}

/* The device has been reset: clean state, interrupts on, bindable. */
static int siov_idxd_bring_back(struct siov_idxd *idxd)
{
	int rc;

	scoped_guard(mutex, &idxd->lock) {
		rc = siov_idxd_reset_live(idxd);
		WRITE_ONCE(idxd->state, SIOV_IDXD_DISABLED);
	}
	siov_idxd_set_bindable(idxd, true);
	return rc;
}

static void siov_idxd_reset_prepare(struct pci_dev *pdev)
{
	struct siov_idxd *idxd = pci_get_drvdata(pdev);

	dev_info(&pdev->dev, "%s: function reset, disabling it\n",
		 dev_name(&idxd->sdev.dev));
	siov_idxd_quiesce(idxd);
}

static void siov_idxd_reset_done(struct pci_dev *pdev)
{
	struct siov_idxd *idxd = pci_get_drvdata(pdev);

	if (siov_idxd_bring_back(idxd))
		dev_err(&pdev->dev, "%s: no response after the function reset\n",
			dev_name(&idxd->sdev.dev));
	else
		dev_info(&pdev->dev, "%s: reset done, configuration kept; enable it again\n",
			 dev_name(&idxd->sdev.dev));
}

static pci_ers_result_t siov_idxd_error_detected(struct pci_dev *pdev,
						 pci_channel_state_t state)
{
	struct siov_idxd *idxd = pci_get_drvdata(pdev);

	dev_err(&pdev->dev, "%s: PCI error (channel state %d), disabling it\n",
		dev_name(&idxd->sdev.dev), state);
	siov_idxd_quiesce(idxd);
	if (state == pci_channel_io_perm_failure)
		return PCI_ERS_RESULT_DISCONNECT;
	return PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t siov_idxd_slot_reset(struct pci_dev *pdev)
{
	struct siov_idxd *idxd = pci_get_drvdata(pdev);

	pci_restore_state(pdev);
	pci_save_state(pdev);
	if (siov_idxd_bring_back(idxd))
		return PCI_ERS_RESULT_DISCONNECT;
	return PCI_ERS_RESULT_RECOVERED;
}

static void siov_idxd_resume(struct pci_dev *pdev)
{
	struct siov_idxd *idxd = pci_get_drvdata(pdev);

	dev_info(&pdev->dev, "%s: recovered from the PCI error; enable it again\n",
		 dev_name(&idxd->sdev.dev));
}

const struct pci_error_handlers siov_idxd_err_handlers = {
	.error_detected = siov_idxd_error_detected,
	.slot_reset = siov_idxd_slot_reset,
	.resume = siov_idxd_resume,
	.reset_prepare = siov_idxd_reset_prepare,
	.reset_done = siov_idxd_reset_done,
};
