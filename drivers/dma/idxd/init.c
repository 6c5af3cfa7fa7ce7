// SPDX-License-Identifier: GPL-2.0
/*
 * PCI probe and remove of the idxd-siov parent driver: map the registers,
 * read the capabilities, reset the device and put dsaN with its groups,
 * engines and WQs on the dsa bus.
 */
#include <linux/bitfield.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "device.h"

#define SIOV_IDXD_NAME		"siov_idxd"
/* Minors for the WQ character devices of every device (user WQs). */
#define SIOV_IDXD_CDEV_MINORS	MINORMASK

static DEFINE_IDA(siov_idxd_ida);
static dev_t siov_idxd_cdev_base;

/**
 * siov_idxd_cdev_major() - the character major of the WQ devices
 *
 * Return: the major number reported by the cdev_major attribute.
 */
unsigned int siov_idxd_cdev_major(void)
{
	return MAJOR(siov_idxd_cdev_base);
}

static void siov_read_caps(struct siov_idxd *idxd)
{
	struct siov_idxd_caps *caps = &idxd->caps;
	void __iomem *r = idxd->regs;
	int i;

	caps->version = ioread32(r + IDXD_VERSION_OFFSET);
	caps->gencap = lo_hi_readq(r + IDXD_GENCAP_OFFSET);
	caps->wqcap = lo_hi_readq(r + IDXD_WQCAP_OFFSET);
	caps->grpcap = lo_hi_readq(r + IDXD_GRPCAP_OFFSET);
	caps->engcap = lo_hi_readq(r + IDXD_ENGCAP_OFFSET);
	for (i = 0; i < IDXD_OPCAP_QWORDS; i++)
		caps->opcap[i] = lo_hi_readq(r + IDXD_OPCAP_OFFSET +
					     i * sizeof(u64));
	caps->table = lo_hi_readq(r + IDXD_TABLE_OFFSET);
	if (caps->gencap & IDXD_GENCAP_CMD_CAP)
		caps->cmdcap = ioread32(r + IDXD_CMDCAP_OFFSET);

	idxd->max_xfer_bytes = 1ULL << FIELD_GET(IDXD_GENCAP_MAX_XFER_SHIFT,
						 caps->gencap);
	idxd->max_batch_size = 1U << FIELD_GET(IDXD_GENCAP_MAX_BATCH_SHIFT,
					       caps->gencap);
	idxd->ims_size = FIELD_GET(IDXD_GENCAP_MAX_IMS_MULT, caps->gencap) *
			 IDXD_IMS_MULT_UNIT;
	idxd->configurable = caps->gencap & IDXD_GENCAP_CONFIG_EN;

	idxd->max_wq_size = FIELD_GET(IDXD_WQCAP_TOTAL_SIZE, caps->wqcap);
	idxd->max_wqs = FIELD_GET(IDXD_WQCAP_NUM_WQS, caps->wqcap);
	idxd->wqcfg_size = 32 << FIELD_GET(IDXD_WQCAP_WQCFG_SIZE, caps->wqcap);

	idxd->max_groups = FIELD_GET(IDXD_GRPCAP_NUM_GROUPS, caps->grpcap);
	idxd->max_rdbufs = FIELD_GET(IDXD_GRPCAP_TOTAL_RDBUFS, caps->grpcap);
	idxd->max_engines = FIELD_GET(IDXD_ENGCAP_NUM_ENGINES, caps->engcap);

	idxd->grpcfg_offset = FIELD_GET(IDXD_TABLE_GRPCFG, caps->table) *
			      IDXD_TABLE_MULT;
	idxd->wqcfg_offset = FIELD_GET(IDXD_TABLE_WQCFG, caps->table) *
			     IDXD_TABLE_MULT;
	idxd->msix_perm_offset = FIELD_GET(IDXD_TABLE_MSIX_PERM, caps->table) *
				 IDXD_TABLE_MULT;
	idxd->ims_offset = FIELD_GET(IDXD_TABLE_IMS, caps->table) *
			   IDXD_TABLE_MULT;

	dev_dbg(idxd_dev(idxd),
		"version %#x gencap %#llx wqcap %#llx grpcap %#llx engcap %#llx cmdcap %#x\n",
		caps->version, caps->gencap, caps->wqcap, caps->grpcap,
		caps->engcap, caps->cmdcap);
}

/* Refuse a device whose capabilities the rest of the driver cannot use. */
static int siov_check_caps(struct siov_idxd *idxd)
{
	struct device *dev = idxd_dev(idxd);
	resource_size_t len = pci_resource_len(idxd->pdev, IDXD_BAR_REGS);

	if (!idxd->max_wqs || !idxd->max_groups || !idxd->max_engines ||
	    !idxd->max_wq_size) {
		dev_err(dev, "device reports %u WQs, %u groups, %u engines, WQ size %u\n",
			idxd->max_wqs, idxd->max_groups, idxd->max_engines,
			idxd->max_wq_size);
		return -ENODEV;
	}
	if (idxd->max_wqs > 256 || idxd->max_engines > 256) {
		dev_err(dev, "%u WQs / %u engines exceed a group's bitmap\n",
			idxd->max_wqs, idxd->max_engines);
		return -ENODEV;
	}
	if (!idxd->grpcfg_offset || !idxd->wqcfg_offset ||
	    idxd->grpcfg_offset + idxd->max_groups * 64 > len ||
	    idxd->wqcfg_offset + idxd->max_wqs * idxd->wqcfg_size > len) {
		dev_err(dev, "configuration tables (GRPCFG %#x, WQCFG %#x) outside BAR0\n",
			idxd->grpcfg_offset, idxd->wqcfg_offset);
		return -ENODEV;
	}
	return 0;
}

static void siov_idxd_release(struct device *dev)
{
	struct siov_idxd *idxd = dev_to_idxd(dev);

	ida_free(&siov_idxd_ida, idxd->id);
	kfree(idxd->wqs);
	kfree(idxd->engines);
	kfree(idxd->groups);
	kfree(idxd);
}

static void siov_group_release(struct device *dev)
{
	struct siov_idxd_group *group = dev_to_group(dev);

	put_device(&group->idxd->sdev.dev);
	kfree(group);
}

static void siov_engine_release(struct device *dev)
{
	struct siov_idxd_engine *engine = dev_to_engine(dev);

	put_device(&engine->idxd->sdev.dev);
	kfree(engine);
}

static void siov_wq_release(struct device *dev)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	put_device(&wq->idxd->sdev.dev);
	kfree(wq);
}

/*
 * Set up one child object's device. It takes a reference on dsaN that its
 * release drops, so the parent state outlives every child.
 */
static void siov_init_child(struct siov_idxd *idxd, struct siov_idxd_dev *sdev,
			    enum siov_idxd_dev_type type,
			    const struct device_type *dtype,
			    void (*release)(struct device *dev))
{
	struct device *dev = &sdev->dev;

	device_initialize(dev);
	dev->parent = &idxd->sdev.dev;
	dev->bus = &siov_dsa_bus_type;
	dev->type = dtype;
	dev->release = release;
	sdev->type = type;
	get_device(&idxd->sdev.dev);
}

static int siov_alloc_objects(struct siov_idxd *idxd)
{
	int node = dev_to_node(idxd_dev(idxd));
	unsigned int i;
	int rc;

	idxd->groups = kcalloc_node(idxd->max_groups, sizeof(*idxd->groups),
				    GFP_KERNEL, node);
	idxd->engines = kcalloc_node(idxd->max_engines, sizeof(*idxd->engines),
				     GFP_KERNEL, node);
	idxd->wqs = kcalloc_node(idxd->max_wqs, sizeof(*idxd->wqs),
				 GFP_KERNEL, node);
	if (!idxd->groups || !idxd->engines || !idxd->wqs)
		return -ENOMEM;

	for (i = 0; i < idxd->max_groups; i++) {
		struct siov_idxd_group *group;

		group = kzalloc_node(sizeof(*group), GFP_KERNEL, node);
		if (!group)
			return -ENOMEM;
		group->idxd = idxd;
		group->id = i;
		group->rdbufs_allowed = idxd->max_rdbufs;
		/*
		 * Version 1.0 devices need traffic class 1 for good
		 * performance (DSA specification); later ones default to 0.
		 */
		group->tc_a = idxd->caps.version < IDXD_VERSION_2_0 ? 1 : 0;
		group->tc_b = group->tc_a;
		siov_init_child(idxd, &group->sdev, SIOV_IDXD_DEV_GROUP,
				&siov_group_device_type, siov_group_release);
		idxd->groups[i] = group;
		rc = dev_set_name(&group->sdev.dev, "group%d.%u", idxd->id, i);
		if (rc)
			return rc;
	}

	for (i = 0; i < idxd->max_engines; i++) {
		struct siov_idxd_engine *engine;

		engine = kzalloc_node(sizeof(*engine), GFP_KERNEL, node);
		if (!engine)
			return -ENOMEM;
		engine->idxd = idxd;
		engine->id = i;
		siov_init_child(idxd, &engine->sdev, SIOV_IDXD_DEV_ENGINE,
				&siov_engine_device_type, siov_engine_release);
		idxd->engines[i] = engine;
		rc = dev_set_name(&engine->sdev.dev, "engine%d.%u", idxd->id, i);
		if (rc)
			return rc;
	}

	for (i = 0; i < idxd->max_wqs; i++) {
		struct siov_idxd_wq *wq;

		wq = kzalloc_node(sizeof(*wq), GFP_KERNEL, node);
		if (!wq)
			return -ENOMEM;
		wq->idxd = idxd;
		wq->id = i;
		wq->max_xfer_bytes = min_t(u64, SIOV_WQ_DEFAULT_MAX_XFER,
					   idxd->max_xfer_bytes);
		wq->max_batch_size = min_t(unsigned int,
					   SIOV_WQ_DEFAULT_MAX_BATCH,
					   idxd->max_batch_size);
		wq->enqcmds_retries = SIOV_ENQCMDS_DEFAULT_RETRIES;
		siov_init_child(idxd, &wq->sdev, SIOV_IDXD_DEV_WQ,
				&siov_wq_device_type, siov_wq_release);
		wq->sdev.driver_name = wq->driver_name;
		idxd->wqs[i] = wq;
		rc = dev_set_name(&wq->sdev.dev, "wq%d.%u", idxd->id, i);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Drop the objects siov_alloc_objects() made; none is registered. The
 * arrays are filled in order, so the first NULL ends each of them.
 */
static void siov_put_objects(struct siov_idxd *idxd)
{
	unsigned int i;

	if (idxd->wqs)
		for (i = 0; i < idxd->max_wqs && idxd->wqs[i]; i++)
			put_device(&idxd->wqs[i]->sdev.dev);
	if (idxd->engines)
		for (i = 0; i < idxd->max_engines && idxd->engines[i]; i++)
			put_device(&idxd->engines[i]->sdev.dev);
	if (idxd->groups)
		for (i = 0; i < idxd->max_groups && idxd->groups[i]; i++)
			put_device(&idxd->groups[i]->sdev.dev);
}

static void siov_unregister_objects(struct siov_idxd *idxd)
{
	unsigned int i;

	for (i = 0; i < idxd->max_wqs; i++)
		device_unregister(&idxd->wqs[i]->sdev.dev);
	for (i = 0; i < idxd->max_engines; i++)
		device_unregister(&idxd->engines[i]->sdev.dev);
	for (i = 0; i < idxd->max_groups; i++)
		device_unregister(&idxd->groups[i]->sdev.dev);
	device_del(&idxd->sdev.dev);
}

/*
 * Register dsaN first: the children's sysfs directories are linked from
 * it. On failure everything added so far is deleted again and each
 * object keeps only the reference siov_put_objects() drops.
 */
static int siov_register_objects(struct siov_idxd *idxd)
{
	unsigned int i, n[3] = {};
	int rc;

	rc = device_add(&idxd->sdev.dev);
	if (rc)
		return rc;

	for (i = 0; i < idxd->max_groups; i++, n[0]++) {
		rc = device_add(&idxd->groups[i]->sdev.dev);
		if (rc)
			goto err;
	}
	for (i = 0; i < idxd->max_engines; i++, n[1]++) {
		rc = device_add(&idxd->engines[i]->sdev.dev);
		if (rc)
			goto err;
	}
	for (i = 0; i < idxd->max_wqs; i++, n[2]++) {
		rc = device_add(&idxd->wqs[i]->sdev.dev);
		if (rc)
			goto err;
	}
	return 0;

err:
	for (i = 0; i < n[2]; i++)
		device_del(&idxd->wqs[i]->sdev.dev);
	for (i = 0; i < n[1]; i++)
		device_del(&idxd->engines[i]->sdev.dev);
	for (i = 0; i < n[0]; i++)
		device_del(&idxd->groups[i]->sdev.dev);
	device_del(&idxd->sdev.dev);
	return rc;
}

static int siov_idxd_pci_probe(struct pci_dev *pdev,
			       const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct siov_idxd *idxd;
	int rc;

	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;

	idxd = kzalloc_node(sizeof(*idxd), GFP_KERNEL, dev_to_node(dev));
	if (!idxd)
		return -ENOMEM;
	rc = ida_alloc(&siov_idxd_ida, GFP_KERNEL);
	if (rc < 0) {
		kfree(idxd);
		return rc;
	}
	idxd->id = rc;
	idxd->pdev = pdev;
	mutex_init(&idxd->lock);
	mutex_init(&idxd->cmd_lock);
	spin_lock_init(&idxd->error_lock);
	init_completion(&idxd->cmd_done);
	INIT_WORK(&idxd->halt_work, siov_idxd_halt_work);
	siov_idxd_quarantine_init(idxd);
	idxd->kernel_pasid = IOMMU_PASID_INVALID;

	/* From here on the release of dsaN frees idxd. */
	device_initialize(&idxd->sdev.dev);
	idxd->sdev.dev.parent = dev;
	idxd->sdev.dev.bus = &siov_dsa_bus_type;
	idxd->sdev.dev.type = &siov_dsa_device_type;
	idxd->sdev.dev.release = siov_idxd_release;
	idxd->sdev.type = SIOV_IDXD_DEV_DSA;
	rc = dev_set_name(&idxd->sdev.dev, "dsa%d", idxd->id);
	if (rc)
		goto err_put;
	siov_idxd_debugfs_add(idxd);

	idxd->regs = pcim_iomap_region(pdev, IDXD_BAR_REGS, SIOV_IDXD_NAME);
	if (IS_ERR(idxd->regs)) {
		rc = PTR_ERR(idxd->regs);
		dev_err(dev, "cannot map BAR%d: %d\n", IDXD_BAR_REGS, rc);
		goto err_put;
	}
	idxd->portals = pcim_iomap_region(pdev, IDXD_BAR_PORTALS,
					  SIOV_IDXD_NAME);
	if (IS_ERR(idxd->portals)) {
		rc = PTR_ERR(idxd->portals);
		dev_err(dev, "cannot map BAR%d: %d\n", IDXD_BAR_PORTALS, rc);
		goto err_put;
	}

	rc = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (rc) {
		dev_err(dev, "no 64-bit DMA: %d\n", rc);
		goto err_put;
	}
	pci_set_master(pdev);

	siov_read_caps(idxd);
	rc = siov_check_caps(idxd);
	if (rc)
		goto err_put;

	rc = siov_idxd_setup_irqs(idxd);
	if (rc)
		goto err_put;
	siov_idxd_setup_ims(idxd);

	/* Whatever a previous driver left configured is not ours. */
	scoped_guard(mutex, &idxd->lock)
		rc = siov_idxd_reset(idxd);
	if (rc)
		goto err_irqs;

	rc = siov_alloc_objects(idxd);
	if (rc)
		goto err_objects;

	pci_set_drvdata(pdev, idxd);
	rc = siov_register_objects(idxd);
	if (rc)
		goto err_objects;
	/* From now on accel-config may bind dsaN to the device driver. */
	siov_idxd_set_bindable(idxd, true);

	dev_info(dev, "%s: version %#x, %u WQs (total size %u), %u groups, %u engines, %u IMS entries, %d MSI-X vectors\n",
		 dev_name(&idxd->sdev.dev), idxd->caps.version,
		 idxd->max_wqs, idxd->max_wq_size, idxd->max_groups,
		 idxd->max_engines, idxd->ims_size, idxd->num_vectors);
	return 0;

err_objects:
	siov_put_objects(idxd);
	scoped_guard(mutex, &idxd->lock)
		siov_idxd_reset(idxd);
err_irqs:
	siov_idxd_free_irqs(idxd);	/* no IMS vector exists yet */
err_put:
	siov_idxd_quarantine_exit(idxd);
	put_device(&idxd->sdev.dev);
	return rc;
}

static void siov_idxd_pci_remove(struct pci_dev *pdev)
{
	struct siov_idxd *idxd = pci_get_drvdata(pdev);

	/*
	 * Take the device down while its WQs still exist, and keep it from
	 * being bound again: the device driver's remove walks the WQs.
	 */
	siov_idxd_take_down(idxd);

	/* No sysfs store or bound driver can run past this point. */
	siov_unregister_objects(idxd);
	/* Leave the device disabled with no configuration behind. */
	scoped_guard(mutex, &idxd->lock)
		siov_idxd_reset(idxd);
	/*
	 * If that reset failed, nothing confirmed the device stopped: once it
	 * can no longer master the bus, what was quarantined is released.
	 */
	pci_clear_master(pdev);
	siov_idxd_quarantine_exit(idxd);
	/* WQ drivers free their IMS vectors before the domain goes away. */
	WARN_ON(atomic_read(&idxd->ims_in_use));
	siov_idxd_free_irqs(idxd);
	/* No halt can be reported any more; wait for the last recovery. */
	cancel_work_sync(&idxd->halt_work);
	put_device(&idxd->sdev.dev);
}

static const struct pci_device_id siov_idxd_pci_ids[] = {
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_DSA_SPR0) },
	{ }
};
MODULE_DEVICE_TABLE(pci, siov_idxd_pci_ids);

static struct pci_driver siov_idxd_pci_driver = {
	.name = SIOV_IDXD_NAME,
	.id_table = siov_idxd_pci_ids,
	.probe = siov_idxd_pci_probe,
	.remove = siov_idxd_pci_remove,
	.err_handler = &siov_idxd_err_handlers,
};

/*
 * The bus drivers come first, so every object the PCI probe adds already
 * has the drivers it may be bound to.
 */
static int __init siov_idxd_init(void)
{
	int rc;

	rc = alloc_chrdev_region(&siov_idxd_cdev_base, 0,
				 SIOV_IDXD_CDEV_MINORS, SIOV_IDXD_NAME);
	if (rc)
		return rc;
	siov_idxd_debugfs_init();
	rc = siov_idxd_driver_register(&siov_idxd_device_driver);
	if (rc)
		goto err_chrdev;
	rc = siov_idxd_driver_register(&siov_idxd_dma_driver);
	if (rc)
		goto err_device_driver;
	rc = pci_register_driver(&siov_idxd_pci_driver);
	if (rc)
		goto err_dma_driver;
	return 0;

err_dma_driver:
	siov_idxd_driver_unregister(&siov_idxd_dma_driver);
err_device_driver:
	siov_idxd_driver_unregister(&siov_idxd_device_driver);
err_chrdev:
	siov_idxd_debugfs_exit();
	unregister_chrdev_region(siov_idxd_cdev_base, SIOV_IDXD_CDEV_MINORS);
	return rc;
}
module_init(siov_idxd_init);

static void __exit siov_idxd_exit(void)
{
	pci_unregister_driver(&siov_idxd_pci_driver);
	siov_idxd_driver_unregister(&siov_idxd_dma_driver);
	siov_idxd_driver_unregister(&siov_idxd_device_driver);
	siov_idxd_dma_exit();
	siov_idxd_debugfs_exit();
	unregister_chrdev_region(siov_idxd_cdev_base, SIOV_IDXD_CDEV_MINORS);
}
module_exit(siov_idxd_exit);

MODULE_DESCRIPTION("idxd-siov: Intel DSA parent driver for Scalable IOV");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(IDXD_SIOV);
