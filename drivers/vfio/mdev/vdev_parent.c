// SPDX-License-Identifier: GPL-2.0
/*
 * The vdev WQ driver and the mdev parents. A WQ that accel-config gives
 * driver_name "vdev" binds here; the first such WQ of a DSA function makes
 * the function an mdev parent (mdev_supported_types under its PCI device),
 * the last one to go takes the parent, and every vdev on it, away.
 * A dedicated WQ serves one dsa-1dwq-v1 vdev, a shared one up to
 * VDEV_SWQ_SHARES dsa-1swq-v1 vdevs; available_instances counts what is
 * left of that.
 */
#include <linux/bitfield.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "idxd_vdev.h"

/* parents' WQ lists and which vdev holds which WQ (see idxd_vdev.h) */
DEFINE_MUTEX(vdev_lock);
/*
 * Serialises WQ probe and remove on the parent list: which parents exist,
 * and adding or taking away their mdev registration, so that two WQs of
 * one function never register it twice and a parent is never unregistered
 * while a WQ joins it. Outside vdev_lock; never taken by mdev callbacks,
 * so it can be held across mdev_(un)register_parent().
 */
static DEFINE_MUTEX(vdev_parents_lock);
static LIST_HEAD(vdev_parents);

const char * const vdev_type_names[VDEV_NR_TYPES] = {
	[VDEV_TYPE_1DWQ] = "dsa-1dwq-v1",
	[VDEV_TYPE_1SWQ] = "dsa-1swq-v1",
};

static const char * const vdev_type_descriptions[VDEV_NR_TYPES] = {
	[VDEV_TYPE_1DWQ] = "one dedicated WQ of a DSA, its IMS portals mapped into the guest",
	[VDEV_TYPE_1SWQ] = "a share of a shared WQ of a DSA, seen as a dedicated WQ, trapped",
};

static enum vdev_type_id vdev_type_id(struct mdev_type *mtype)
{
	struct vdev_parent *parent =
		container_of(mtype->parent, struct vdev_parent, mdev);

	return mtype - parent->types;
}

/**
 * vdev_wq_can_serve() - whether a vdev on this WQ may have this type
 * @vwq: the WQ
 * @type: the type
 *
 * A portal may be mapped into a guest only for a dedicated WQ; a trapped
 * portal works on either kind (the host re-issues each descriptor).
 *
 * Return: true if it can.
 */
bool vdev_wq_can_serve(struct vdev_wq *vwq, enum vdev_type_id type)
{
	if (type == VDEV_TYPE_1DWQ)
		return vwq->dedicated;
	/* trapped on a dedicated WQ: the host re-issues with MOVDIR64B */
	return !vwq->dedicated || siov_idxd_cpu_can_submit(true);
}

/* Whether a new vdev of @type may be created on @vwq; under vdev_lock. */
static bool vdev_wq_has_room(struct vdev_wq *vwq, enum vdev_type_id type)
{
	lockdep_assert_held(&vdev_lock);
	if (type == VDEV_TYPE_1DWQ)
		return vwq->dedicated && !vwq->nr_vdevs;
	return !vwq->dedicated && vwq->nr_vdevs < VDEV_SWQ_SHARES;
}

static unsigned int vdev_get_available(struct mdev_type *mtype)
{
	struct vdev_parent *parent =
		container_of(mtype->parent, struct vdev_parent, mdev);
	enum vdev_type_id type = vdev_type_id(mtype);
	struct vdev_wq *vwq;
	unsigned int n = 0;

	guard(mutex)(&vdev_lock);
	list_for_each_entry(vwq, &parent->wqs, next) {
		if (!vdev_wq_has_room(vwq, type))
			continue;
		n += vwq->dedicated ? 1 : VDEV_SWQ_SHARES - vwq->nr_vdevs;
	}
	return n;
}

static ssize_t vdev_show_description(struct mdev_type *mtype, char *buf)
{
	return sysfs_emit(buf, "%s\n", vdev_type_descriptions[vdev_type_id(mtype)]);
}

/**
 * vdev_claim_wq() - give a vdev a WQ with room for its type
 * @parent: the mdev parent
 * @type: the vdev's type
 * @vdev: the vdev
 *
 * Return: the WQ, or NULL if none has room.
 */
struct vdev_wq *vdev_claim_wq(struct vdev_parent *parent,
			      enum vdev_type_id type, struct idxd_vdev *vdev)
{
	struct vdev_wq *vwq;

	guard(mutex)(&vdev_lock);
	list_for_each_entry(vwq, &parent->wqs, next) {
		if (!vdev_wq_has_room(vwq, type))
			continue;
		spin_lock_irq(&vwq->vdevs_lock);
		list_add_tail(&vdev->wq_next, &vwq->vdevs);
		vwq->nr_vdevs++;
		spin_unlock_irq(&vwq->vdevs_lock);
		/* accel-config refuses to disable a WQ with clients */
		siov_idxd_wq_add_client(vwq->wq, 1);
		return vwq;
	}
	return NULL;
}

/**
 * vdev_release_wq() - give a vdev's WQ (or its share of it) back
 * @vwq: the WQ of vdev_claim_wq()
 * @vdev: the vdev
 */
void vdev_release_wq(struct vdev_wq *vwq, struct idxd_vdev *vdev)
{
	guard(mutex)(&vdev_lock);
	spin_lock_irq(&vwq->vdevs_lock);
	list_del(&vdev->wq_next);
	vwq->nr_vdevs--;
	spin_unlock_irq(&vwq->vdevs_lock);
	siov_idxd_wq_add_client(vwq->wq, -1);
}

/*
 * A software error the device reported for the WQ: the vdev whose
 * PASID it carries gets it (a dedicated WQ has one vdev).
 */
static void vdev_wq_error(void *data, const u64 *swerr)
{
	struct vdev_wq *vwq = data;
	ioasid_t pasid = FIELD_GET(IDXD_SWERR_PASID, swerr[0]);
	struct idxd_vdev *vdev;
	unsigned long flags;

	spin_lock_irqsave(&vwq->vdevs_lock, flags);
	list_for_each_entry(vdev, &vwq->vdevs, wq_next)
		if (vwq->dedicated || vdev->pasid == pasid)
			vdev_forward_swerr(vdev, swerr);
	spin_unlock_irqrestore(&vwq->vdevs_lock, flags);
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
		.dev_groups = vdev_mdev_groups,
	},
};

static struct vdev_parent *vdev_find_parent(struct device *dev)
{
	struct vdev_parent *parent;

	lockdep_assert_held(&vdev_parents_lock);
	list_for_each_entry(parent, &vdev_parents, next)
		if (parent->dev == dev)
			return parent;
	return NULL;
}

static struct vdev_parent *vdev_add_parent(struct device *dev)
{
	struct vdev_parent *parent;
	int i, rc;

	lockdep_assert_held(&vdev_parents_lock);
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

/* The last WQ of @parent is gone: it and its mdevs go. */
static void vdev_remove_parent(struct vdev_parent *parent)
{
	lockdep_assert_held(&vdev_parents_lock);
	list_del(&parent->next);
	mdev_unregister_parent(&parent->mdev);
	put_device(parent->dev);
	kfree(parent);
}

/* Join @vwq to its function's parent, registering the parent if needed. */
static int vdev_attach_wq(struct vdev_wq *vwq)
{
	struct device *dev = siov_idxd_wq_parent(vwq->wq);
	struct vdev_parent *parent;

	guard(mutex)(&vdev_parents_lock);
	parent = vdev_find_parent(dev);
	if (!parent) {
		parent = vdev_add_parent(dev);
		if (IS_ERR(parent))
			return PTR_ERR(parent);
	}
	vwq->parent = parent;
	scoped_guard(mutex, &vdev_lock)
		list_add_tail(&vwq->next, &parent->wqs);
	return 0;
}

static int vdev_wq_probe(struct siov_idxd_dev *sdev)
{
	struct siov_idxd_wq *wq = siov_idxd_to_wq(sdev);
	struct vdev_wq *vwq;
	bool dedicated;
	int rc;

	if (!wq)
		return -ENODEV;
	/* a user WQ of an enabled device; its mode is fixed while bound */
	rc = siov_idxd_wq_bind_user(wq, &dedicated);
	if (rc)
		return rc;
	/* a shared WQ's descriptors are all re-issued by the host */
	if (!dedicated && !siov_idxd_cpu_can_submit(false)) {
		dev_warn(&sdev->dev, "vdev: the CPU lacks ENQCMDS: a shared WQ cannot be served\n");
		return -EOPNOTSUPP;
	}
	vwq = kzalloc(sizeof(*vwq), GFP_KERNEL);
	if (!vwq)
		return -ENOMEM;
	vwq->wq = wq;
	vwq->dedicated = dedicated;
	INIT_LIST_HEAD(&vwq->vdevs);
	spin_lock_init(&vwq->vdevs_lock);
	/*
	 * A shared WQ runs from now on: each descriptor carries its vdev's
	 * PASID. A dedicated one waits for its guest (Enable WQ).
	 */
	if (!dedicated) {
		rc = siov_idxd_wq_enable(wq, &(struct siov_idxd_wq_run) {
			.dedicated = false, .priv = false,
			.pasid = IOMMU_NO_PASID });
		if (rc) {
			kfree(vwq);
			return rc;
		}
	}
	siov_idxd_wq_set_error_handler(wq, vdev_wq_error, vwq);
	rc = vdev_attach_wq(vwq);
	if (rc) {
		siov_idxd_wq_set_error_handler(wq, NULL, NULL);
		if (!dedicated)
			siov_idxd_wq_disable(wq, true);
		kfree(vwq);
		return rc;
	}
	dev_set_drvdata(&sdev->dev, vwq);
	dev_info(&sdev->dev, "vdev: %s available for %s\n", dev_name(&sdev->dev),
		 vdev_type_names[dedicated ? VDEV_TYPE_1DWQ : VDEV_TYPE_1SWQ]);
	return 0;
}

/*
 * Unbind the mdev driver of every vdev on @vwq: their users are asked.
 * @vwq is off its parent's list already, so no vdev can claim it any more
 * and the loop ends once the last one is released.
 */
static void vdev_wq_release_vdevs(struct vdev_wq *vwq)
{
	struct idxd_vdev *vdev;
	struct device *dev;

	for (;;) {
		scoped_guard(mutex, &vdev_lock) {
			vdev = list_first_entry_or_null(&vwq->vdevs,
							struct idxd_vdev,
							wq_next);
			dev = vdev ? get_device(&vdev->mdev->dev) : NULL;
		}
		if (!dev)
			return;
		/* vdev_mdev_remove(): request, wait for close, release */
		device_release_driver(dev);
		put_device(dev);
	}
}

static void vdev_wq_remove(struct siov_idxd_dev *sdev)
{
	struct vdev_wq *vwq = dev_get_drvdata(&sdev->dev);
	struct vdev_parent *parent = vwq->parent;

	/* first of all: no new vdev may be given this WQ */
	scoped_guard(mutex, &vdev_lock)
		list_del(&vwq->next);

	/* the mdevs stay, unbound, until removed */
	vdev_wq_release_vdevs(vwq);
	siov_idxd_wq_set_error_handler(vwq->wq, NULL, NULL);
	if (!vwq->dedicated)
		siov_idxd_wq_disable(vwq->wq, true);
	kfree(vwq);

	guard(mutex)(&vdev_parents_lock);
	scoped_guard(mutex, &vdev_lock)
		if (!list_empty(&parent->wqs))
			return;
	vdev_remove_parent(parent);
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
