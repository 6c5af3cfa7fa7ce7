// SPDX-License-Identifier: GPL-2.0
/*
 * Enabling and disabling a whole device: the "idxd" driver on the dsa bus
 * binds to dsaN when an administrator enables it (accel-config
 * enable-device writes dsaN to /sys/bus/dsa/drivers/idxd/bind). Its probe
 * checks the software configuration, writes it to GRPCFG and WQCFG and
 * enables the device; its remove unbinds every WQ driver first, then
 * disables the device. The configuration stays in software, so the device
 * can be enabled again as it was.
 */
#include <linux/bitfield.h>
#include <linux/device.h>
#include <linux/io.h>
#include <uapi/linux/idxd.h>

#include "device.h"

/*
 * Refuse configurations the device would refuse, with a reason the
 * device's status code alone does not give.
 */
static int siov_check_config(struct siov_idxd *idxd)
{
	struct device *dev = idxd_dev(idxd);
	unsigned int i, wqs = 0;

	for (i = 0; i < idxd->max_wqs; i++) {
		struct siov_idxd_wq *wq = idxd->wqs[i];

		if (!wq->group || !wq->size)
			continue;
		wqs++;
		if (!wq->dedicated && !idxd->pdev->pasid_enabled) {
			dev_warn(dev, "%s: shared %s needs PASID, which is not enabled\n",
				 dev_name(&idxd->sdev.dev),
				 dev_name(&wq->sdev.dev));
			siov_idxd_set_cmd_status(idxd,
						 IDXD_SCMD_WQ_NO_SWQ_SUPPORT);
			return -EOPNOTSUPP;
		}
	}
	if (!wqs) {
		dev_warn(dev, "%s: no WQ has both a group and a size\n",
			 dev_name(&idxd->sdev.dev));
		siov_idxd_set_cmd_status(idxd, IDXD_SCMD_WQ_NONE_CONFIGURED);
		return -ENXIO;
	}

	for (i = 0; i < idxd->max_groups; i++) {
		struct siov_idxd_group *group = idxd->groups[i];
		bool has_wq = false, has_engine = false;
		unsigned int j;

		for (j = 0; j < idxd->max_wqs; j++)
			has_wq |= idxd->wqs[j]->group == group &&
				  idxd->wqs[j]->size;
		for (j = 0; j < idxd->max_engines; j++)
			has_engine |= idxd->engines[j]->group == group;
		if (has_wq && !has_engine) {
			dev_warn(dev, "%s: %s has WQs but no engine\n",
				 dev_name(&idxd->sdev.dev),
				 dev_name(&group->sdev.dev));
			siov_idxd_set_cmd_status(idxd,
						 IDXD_CMDSTS_ERR_GRP_CONFIG);
			return -EINVAL;
		}
	}
	return 0;
}

static void siov_write_grpcfg(struct siov_idxd *idxd,
			      struct siov_idxd_group *group)
{
	void __iomem *cfg = idxd->regs + idxd->grpcfg_offset +
			    group->id * IDXD_GRPCFG_SIZE;
	u64 wqs[IDXD_GRPCFG_WQS_QWORDS] = {};
	u64 engines = 0, flags;
	unsigned int i;

	/* siov_check_caps() made sure max_wqs fits the 256-bit bitmap. */
	for (i = 0; i < idxd->max_wqs; i++)
		if (idxd->wqs[i]->group == group && idxd->wqs[i]->size)
			wqs[i / 64] |= BIT_ULL(i % 64);
	for (i = 0; i < idxd->max_engines; i++)
		if (idxd->engines[i]->group == group)
			engines |= BIT_ULL(i);

	for (i = 0; i < IDXD_GRPCFG_WQS_QWORDS; i++)
		writeq(wqs[i], cfg + IDXD_GRPCFG_WQS_OFFSET + i * sizeof(u64));
	writeq(engines, cfg + IDXD_GRPCFG_ENGINES_OFFSET);

	flags = FIELD_PREP(IDXD_GRPFLG_TC_A, group->tc_a) |
		FIELD_PREP(IDXD_GRPFLG_TC_B, group->tc_b) |
		FIELD_PREP(IDXD_GRPFLG_RDBUFS_RESERVED, group->rdbufs_reserved);
	/* Zero would mean no read buffers; "all" is what the value says. */
	if (idxd->caps.grpcap & IDXD_GRPCAP_RDBUF_CTRL)
		flags |= FIELD_PREP(IDXD_GRPFLG_RDBUFS_ALLOWED,
				    group->rdbufs_allowed);
	if (group->use_rdbuf_limit)
		flags |= IDXD_GRPFLG_USE_RDBUF_LIMIT;
	if (idxd->caps.grpcap & IDXD_GRPCAP_PROGRESS_LIMIT)
		flags |= FIELD_PREP(IDXD_GRPFLG_DESC_PROGRESS,
				    group->desc_progress_limit) |
			 FIELD_PREP(IDXD_GRPFLG_BATCH_PROGRESS,
				    group->batch_progress_limit);
	writeq(flags, cfg + IDXD_GRPCFG_FLAGS_OFFSET);
}

/*
 * The size of every WQ can only be written while the device is disabled;
 * the rest of WQCFG is written again by siov_idxd_wq_enable().
 */
static void siov_write_wq_sizes(struct siov_idxd *idxd)
{
	unsigned int i;

	for (i = 0; i < idxd->max_wqs; i++) {
		struct siov_idxd_wq *wq = idxd->wqs[i];
		u32 size = wq->group ? wq->size : 0;

		iowrite32(FIELD_PREP(IDXD_WQCFG_WQ_SIZE, size),
			  idxd->regs + idxd->wqcfg_offset +
			  i * idxd->wqcfg_size + IDXD_WQCFG_SIZE_DW * 4);
	}
}

static int siov_idxd_device_enable(struct siov_idxd *idxd)
{
	unsigned int i;
	u32 gencfg;
	int rc;

	guard(mutex)(&idxd->lock);
	if (idxd->state == SIOV_IDXD_HALTED) {
		dev_warn(idxd_dev(idxd), "%s is halted; it is being reset\n",
			 dev_name(&idxd->sdev.dev));
		return -EIO;
	}
	if (idxd->state != SIOV_IDXD_DISABLED) {
		siov_idxd_set_cmd_status(idxd, IDXD_SCMD_DEV_ENABLED);
		return -EBUSY;
	}
	rc = siov_check_config(idxd);
	if (rc)
		return rc;

	gencfg = ioread32(idxd->regs + IDXD_GENCFG_OFFSET);
	gencfg &= ~IDXD_GENCFG_RDBUF_LIMIT;
	gencfg |= FIELD_PREP(IDXD_GENCFG_RDBUF_LIMIT, idxd->rdbuf_limit);
	iowrite32(gencfg, idxd->regs + IDXD_GENCFG_OFFSET);
	for (i = 0; i < idxd->max_groups; i++)
		siov_write_grpcfg(idxd, idxd->groups[i]);
	siov_write_wq_sizes(idxd);

	rc = siov_idxd_cmd(idxd, IDXD_CMD_ENABLE_DEVICE, 0, NULL);
	if (rc)
		return rc;
	idxd->stopping = false;
	WRITE_ONCE(idxd->state, SIOV_IDXD_ENABLED);
	dev_info(idxd_dev(idxd), "%s enabled\n", dev_name(&idxd->sdev.dev));
	return 0;
}

static int siov_idxd_device_probe(struct siov_idxd_dev *sdev)
{
	return siov_idxd_device_enable(sdev_to_idxd(sdev));
}

/*
 * Unbind the WQ drivers first: each of them stops its users and disables
 * its WQ. Only then is the device disabled. @stopping keeps a WQ from
 * being bound in between; no configuration lock is held across the
 * unbinds, since a WQ driver's remove takes it.
 */
static void siov_idxd_device_remove(struct siov_idxd_dev *sdev)
{
	struct siov_idxd *idxd = sdev_to_idxd(sdev);

	scoped_guard(mutex, &idxd->lock)
		idxd->stopping = true;

	siov_idxd_release_wq_drivers(idxd);

	guard(mutex)(&idxd->lock);
	if (idxd->state == SIOV_IDXD_ENABLED &&
	    siov_idxd_cmd(idxd, IDXD_CMD_DISABLE_DEVICE, 0, NULL))
		/* The device did not stop on its own: make it. */
		siov_idxd_reset_live(idxd);
	siov_idxd_put_kernel_pasid(idxd);
	if (idxd->state == SIOV_IDXD_HALTED)
		siov_idxd_reset_live(idxd);
	WRITE_ONCE(idxd->state, SIOV_IDXD_DISABLED);
	dev_info(idxd_dev(idxd), "%s disabled\n", dev_name(&idxd->sdev.dev));
}

static const enum siov_idxd_dev_type siov_idxd_device_types[] = {
	SIOV_IDXD_DEV_DSA,
	SIOV_IDXD_DEV_NONE,
};

struct siov_idxd_driver siov_idxd_device_driver = {
	.name = SIOV_IDXD_DEVICE_DRIVER,
	.types = siov_idxd_device_types,
	.probe = siov_idxd_device_probe,
	.remove = siov_idxd_device_remove,
};

/**
 * siov_idxd_release_wq_drivers() - unbind every WQ's driver
 * @idxd: the device
 *
 * Each driver stops its users and disables its WQ. Called with no
 * configuration lock held: a WQ driver's remove takes it.
 */
void siov_idxd_release_wq_drivers(struct siov_idxd *idxd)
{
	unsigned int i;

	for (i = 0; i < idxd->max_wqs; i++)
		device_release_driver(&idxd->wqs[i]->sdev.dev);
}

/**
 * siov_idxd_set_bindable() - let dsaN be bound to the device driver or not
 * @idxd: the device
 * @bindable: whether accel-config may enable it (the bus matches dsaN
 *	only while it names its driver)
 */
void siov_idxd_set_bindable(struct siov_idxd *idxd, bool bindable)
{
	device_lock(&idxd->sdev.dev);
	WRITE_ONCE(idxd->sdev.driver_name,
		   bindable ? SIOV_IDXD_DEVICE_DRIVER : NULL);
	device_unlock(&idxd->sdev.dev);
}

/**
 * siov_idxd_take_down() - disable the device and keep it unbound
 * @idxd: the device
 *
 * Unbinds dsaN's driver, which unbinds every WQ driver first. Called
 * before the WQs go away or the device's registers are lost. WQ drivers
 * are unbound once more on their own: none may bind while dsaN is
 * disabled, but nothing that survives a reset (IMS slots, PASIDs in
 * WQCFG) may depend on that alone.
 */
void siov_idxd_take_down(struct siov_idxd *idxd)
{
	siov_idxd_set_bindable(idxd, false);
	device_release_driver(&idxd->sdev.dev);
	siov_idxd_release_wq_drivers(idxd);
}

/**
 * siov_idxd_halt_work() - recover from a halt
 * @work: the device's halt_work
 *
 * A halted device accepts nothing but a reset. Unbinding dsaN's driver
 * fails every WQ's outstanding work, disables the WQs and resets the
 * device; the configuration is kept, so an administrator only has to
 * enable the device again.
 */
void siov_idxd_halt_work(struct work_struct *work)
{
	struct siov_idxd *idxd = container_of(work, struct siov_idxd,
					      halt_work);

	dev_err(idxd_dev(idxd), "%s halted: disabling its WQs and resetting it\n",
		dev_name(&idxd->sdev.dev));
	device_release_driver(&idxd->sdev.dev);
	siov_idxd_release_wq_drivers(idxd);

	/* Unbound already (never enabled): the reset alone recovers. */
	guard(mutex)(&idxd->lock);
	if (idxd->state == SIOV_IDXD_HALTED) {
		siov_idxd_reset_live(idxd);
		WRITE_ONCE(idxd->state, SIOV_IDXD_DISABLED);
	}
}
