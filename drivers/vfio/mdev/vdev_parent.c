// SPDX-License-Identifier: GPL-2.0
/*
 * The vdev WQ driver and the mdev parents. A WQ that accel-config gives
 * driver_name "vdev" binds here; the first such WQ of a DSA function makes
 * the function an mdev parent (mdev_supported_types under its PCI device),
 * the last one to go takes the parent, and every vdev on it, away.
 * available_instances counts the WQs no vdev holds yet.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "idxd_vdev.h"

/* parents, their WQs and which vdev holds which WQ (see idxd_vdev.h) */
DEFINE_MUTEX(vdev_lock);
static LIST_HEAD(vdev_parents);

static const char * const vdev_type_names[VDEV_NR_TYPES] = {
	[VDEV_TYPE_1DWQ] = "dsa-1dwq-v1",
};

static const char * const vdev_type_descriptions[VDEV_NR_TYPES] = {
	[VDEV_TYPE_1DWQ] = "one dedicated WQ of a DSA, its IMS portals mapped into the guest",
};

static enum vdev_type_id vdev_type_id(struct mdev_type *mtype)
{
	struct vdev_parent *parent =
		container_of(mtype->parent, struct vdev_parent, mdev);

	return mtype - parent->types;
}

static bool vdev_wq_serves(struct vdev_wq *vwq, enum vdev_type_id type)
{
	/* only dedicated WQs bind to the vdev driver today (vdev_wq_probe) */
	return type == VDEV_TYPE_1DWQ && !vwq->owner;
}

static unsigned int vdev_get_available(struct mdev_type *mtype)
{
	struct vdev_parent *parent =
		container_of(mtype->parent, struct vdev_parent, mdev);
	enum vdev_type_id type = vdev_type_id(mtype);
	struct vdev_wq *vwq;
	unsigned int n = 0;

	guard(mutex)(&vdev_lock);
	list_for_each_entry(vwq, &parent->wqs, next)
		n += vdev_wq_serves(vwq, type);
	return n;
}

static ssize_t vdev_show_description(struct mdev_type *mtype, char *buf)
{
	return sysfs_emit(buf, "%s\n", vdev_type_descriptions[vdev_type_id(mtype)]);
}

/**
 * vdev_claim_wq() - give a vdev a free WQ of its type
 * @parent: the mdev parent
 * @type: the vdev's type
 * @vdev: the vdev
 *
 * Return: the WQ, or NULL if none is free.
 */
struct vdev_wq *vdev_claim_wq(struct vdev_parent *parent,
			      enum vdev_type_id type, struct idxd_vdev *vdev)
{
	struct vdev_wq *vwq;

	guard(mutex)(&vdev_lock);
	list_for_each_entry(vwq, &parent->wqs, next) {
		if (!vdev_wq_serves(vwq, type))
			continue;
		vwq->owner = vdev;
		/* accel-config refuses to disable a WQ with clients */
		siov_idxd_wq_add_client(vwq->wq, 1);
		return vwq;
	}
	return NULL;
}

/**
 * vdev_release_wq() - give a vdev's WQ back
 * @vwq: the WQ of vdev_claim_wq()
 */
void vdev_release_wq(struct vdev_wq *vwq)
{
	guard(mutex)(&vdev_lock);
	siov_idxd_wq_add_client(vwq->wq, -1);
	vwq->owner = NULL;
}

struct mdev_driver vdev_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.probe = vdev_mdev_probe,
	.remove = vdev_mdev_remove,
	.get_available = vdev_get_available,
	.show_description = vdev_show_description,
	.driver = {
		.name = VDEV_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
};

static struct vdev_parent *vdev_find_parent(struct device *dev)
{
	struct vdev_parent *parent;

	list_for_each_entry(parent, &vdev_parents, next)
		if (parent->dev == dev)
			return parent;
	return NULL;
}

static struct vdev_parent *vdev_add_parent(struct device *dev)
{
	struct vdev_parent *parent;
	int i, rc;

	parent = kzalloc(sizeof(*parent), GFP_KERNEL);
	if (!parent)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&parent->wqs);
	parent->dev = get_device(dev);
	for (i = 0; i < VDEV_NR_TYPES; i++) {
		parent->types[i].sysfs_name = vdev_type_names[i];
		parent->types[i].pretty_name = vdev_type_names[i];
		parent->type_ptrs[i] = &parent->types[i];
	}
	rc = mdev_register_parent(&parent->mdev, dev, &vdev_mdev_driver,
				  parent->type_ptrs, VDEV_NR_TYPES);
	if (rc) {
		put_device(dev);
		kfree(parent);
		return ERR_PTR(rc);
	}
	list_add(&parent->next, &vdev_parents);
	return parent;
}

static int vdev_wq_probe(struct siov_idxd_dev *sdev)
{
	struct siov_idxd_wq *wq = siov_idxd_to_wq(sdev);
	struct vdev_parent *parent;
	struct vdev_wq *vwq;

	if (!wq)
		return -ENODEV;
	if (!siov_idxd_wq_dedicated(wq)) {
		dev_err(&sdev->dev, "vdev: shared WQs are not supported yet\n");
		return -EOPNOTSUPP;
	}
	vwq = kzalloc(sizeof(*vwq), GFP_KERNEL);
	if (!vwq)
		return -ENOMEM;
	vwq->wq = wq;

	/* mdev_register_parent() takes no lock of ours: none is held here */
	mutex_lock(&vdev_lock);
	parent = vdev_find_parent(siov_idxd_wq_parent(wq));
	if (!parent) {
		mutex_unlock(&vdev_lock);
		parent = vdev_add_parent(siov_idxd_wq_parent(wq));
		if (IS_ERR(parent)) {
			kfree(vwq);
			return PTR_ERR(parent);
		}
		mutex_lock(&vdev_lock);
	}
	vwq->parent = parent;
	list_add_tail(&vwq->next, &parent->wqs);
	mutex_unlock(&vdev_lock);
	dev_set_drvdata(&sdev->dev, vwq);
	dev_info(&sdev->dev, "vdev: %s available for %s\n", dev_name(&sdev->dev),
		 vdev_type_names[VDEV_TYPE_1DWQ]);
	return 0;
}

static void vdev_wq_remove(struct siov_idxd_dev *sdev)
{
	struct vdev_wq *vwq = dev_get_drvdata(&sdev->dev);
	struct vdev_parent *parent = vwq->parent;
	struct idxd_vdev *owner;
	bool last;

	/*
	 * A vdev still on this WQ loses its driver: its VFIO user is asked to
	 * let go (request), then the mdev stays, unbound, until removed.
	 */
	mutex_lock(&vdev_lock);
	owner = vwq->owner;
	if (owner)
		get_device(&owner->mdev->dev);
	mutex_unlock(&vdev_lock);
	if (owner) {
		device_release_driver(&owner->mdev->dev);
		put_device(&owner->mdev->dev);
	}

	mutex_lock(&vdev_lock);
	list_del(&vwq->next);
	last = list_empty(&parent->wqs);
	if (last)
		list_del(&parent->next);
	mutex_unlock(&vdev_lock);
	kfree(vwq);
	if (last) {
		mdev_unregister_parent(&parent->mdev);
		put_device(parent->dev);
		kfree(parent);
	}
}

static const enum siov_idxd_dev_type vdev_wq_types[] = {
	SIOV_IDXD_DEV_WQ, SIOV_IDXD_DEV_NONE
};

static struct siov_idxd_driver vdev_wq_driver = {
	.name = VDEV_WQ_DRIVER_NAME,
	.types = vdev_wq_types,
	.probe = vdev_wq_probe,
	.remove = vdev_wq_remove,
};

int vdev_wq_driver_register(void)
{
	return siov_idxd_driver_register(&vdev_wq_driver);
}

void vdev_wq_driver_unregister(void)
{
	siov_idxd_driver_unregister(&vdev_wq_driver);
}
