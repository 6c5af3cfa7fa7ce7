// SPDX-License-Identifier: GPL-2.0
/*
 * What a WQ's driver may learn and ask beyond enable/disable: the limits
 * its WQ runs under (a vdev shows them to its guest), drain or abort
 * without disabling (a guest's Drain/Abort WQ commands), and the software
 * errors the device reports for the WQ (a vdev forwards them to its guest).
 */
#include <linux/bitfield.h>
#include <linux/spinlock.h>

#include "device.h"

/**
 * siov_idxd_wq_get_limits() - the capabilities and limits a WQ runs under
 * @wq: the WQ
 * @limits: filled with the device's capability registers and the WQ's
 *	configured size, priority and transfer/batch limits
 */
void siov_idxd_wq_get_limits(struct siov_idxd_wq *wq,
			     struct siov_idxd_wq_limits *limits)
{
	struct siov_idxd *idxd = wq->idxd;

	guard(mutex)(&idxd->lock);
	limits->gencap = idxd->caps.gencap;
	memcpy(limits->opcap, idxd->caps.opcap, sizeof(limits->opcap));
	limits->size = wq->size;
	limits->priority = wq->priority;
	limits->max_xfer_shift = ilog2(wq->max_xfer_bytes);
	limits->max_batch_shift = ilog2(wq->max_batch_size);
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_get_limits, IDXD_SIOV);

/**
 * siov_idxd_wq_drain() - wait for, or drop, the descriptors a WQ holds
 * @wq: the WQ
 * @pasid: only those of this PASID (Drain/Abort PASID: the device's
 *	every WQ), or IOMMU_NO_PASID for all of @wq's (Drain/Abort WQ)
 * @abort: drop them (no completion record) instead of running them
 *
 * The WQ stays enabled. A disabled WQ holds nothing: nothing to do.
 *
 * Return: 0; -ENXIO if the device is not enabled; an error of
 * siov_idxd_cmd() if the device refused.
 */
int siov_idxd_wq_drain(struct siov_idxd_wq *wq, ioasid_t pasid, bool abort)
{
	struct siov_idxd *idxd = wq->idxd;

	guard(mutex)(&idxd->lock);
	if (wq->state != SIOV_WQ_ENABLED)
		return 0;
	if (idxd->state != SIOV_IDXD_ENABLED)
		return -ENXIO;
	if (pasid != IOMMU_NO_PASID)
		return siov_idxd_cmd(idxd, abort ? IDXD_CMD_ABORT_PASID :
					   IDXD_CMD_DRAIN_PASID, pasid, NULL);
	return siov_idxd_cmd(idxd, abort ? IDXD_CMD_ABORT_WQ : IDXD_CMD_DRAIN_WQ,
			     siov_idxd_wq_mask_operand(wq), NULL);
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_drain, IDXD_SIOV);

/**
 * siov_idxd_wq_set_error_handler() - be told of the WQ's software errors
 * @wq: the WQ
 * @handler: called with the SWERR record (IDXD_SWERR_QWORDS words) of
 *	every software error the device reports for @wq, from the misc
 *	interrupt thread with a spinlock held: it must not sleep. NULL stops
 *	the calls; once this returns, none is running.
 * @data: passed to @handler
 */
void siov_idxd_wq_set_error_handler(struct siov_idxd_wq *wq,
				    siov_idxd_wq_error_fn handler, void *data)
{
	struct siov_idxd *idxd = wq->idxd;
	unsigned long flags;

	spin_lock_irqsave(&idxd->error_lock, flags);
	wq->error_handler = handler;
	wq->error_data = data;
	spin_unlock_irqrestore(&idxd->error_lock, flags);
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_wq_set_error_handler, IDXD_SIOV);

/**
 * siov_idxd_forward_swerr() - hand a software error to its WQ's handler
 * @idxd: the device
 * @swerr: the record just read from SWERR
 */
void siov_idxd_forward_swerr(struct siov_idxd *idxd, const u64 *swerr)
{
	struct siov_idxd_wq *wq;
	unsigned long flags;
	unsigned int id;

	if (!(swerr[0] & IDXD_SWERR_WQ_IDX_VALID))
		return;
	id = FIELD_GET(IDXD_SWERR_WQ_IDX, swerr[0]);
	if (id >= idxd->max_wqs)
		return;
	wq = idxd->wqs[id];

	spin_lock_irqsave(&idxd->error_lock, flags);
	if (wq->error_handler)
		wq->error_handler(wq->error_data, swerr);
	spin_unlock_irqrestore(&idxd->error_lock, flags);
}
