/* SPDX-License-Identifier: GPL-2.0 */
/*
 * idxd-siov vdevs: work queues of a DSA device handed out as mediated VFIO
 * devices whose DMA is done by the parent with a PASID of their own.
 */
#ifndef _IDXD_VDEV_H
#define _IDXD_VDEV_H

#include <linux/idxd_siov.h>
#include <linux/mdev.h>
#include <linux/mutex.h>
#include <linux/vfio.h>

#define VDEV_NAME		"idxd_vdev"
/* the WQ driver_name that hands a WQ to vdevs (accel-config --driver-name) */
#define VDEV_WQ_DRIVER_NAME	"vdev"

/*
 * Region N of the device fd starts at N << VDEV_OFFSET_SHIFT, as with
 * vfio-pci (userspace only relies on the offsets region info gives).
 */
#define VDEV_OFFSET_SHIFT	40
#define VDEV_INDEX_TO_OFFSET(i)	((u64)(i) << VDEV_OFFSET_SHIFT)

/* BAR2 of a vdev: the guest's four portal pages of its one WQ. */
#define VDEV_PORTAL_SIZE	SZ_4K
#define VDEV_BAR2_SIZE		(4 * VDEV_PORTAL_SIZE)
/* Pages 0 and 1 (unlimited/limited) map to the WQ's IMS portals. */
#define VDEV_BAR2_MMAP_SIZE	(2 * VDEV_PORTAL_SIZE)

enum vdev_type_id {
	VDEV_TYPE_1DWQ,
	VDEV_NR_TYPES,
};

/* A WQ bound to the vdev WQ driver. */
struct vdev_wq {
	struct siov_idxd_wq *wq;
	struct vdev_parent *parent;
	struct list_head next;		/* in parent->wqs */
	struct idxd_vdev *owner;	/* the vdev of a dedicated WQ */
};

/* A DSA PCI function with WQs for vdevs: the mdev parent. */
struct vdev_parent {
	struct mdev_parent mdev;
	struct device *dev;
	struct mdev_type types[VDEV_NR_TYPES];
	struct mdev_type *type_ptrs[VDEV_NR_TYPES];
	struct list_head wqs;		/* vdev_wq, under vdev_lock */
	struct list_head next;		/* in vdev_parents */
};

struct idxd_vdev {
	struct vfio_device vfio;
	struct mdev_device *mdev;
	struct vdev_wq *vwq;
	ioasid_t pasid;
	/* open_device .. close_device: the WQ runs with our PASID */
	bool wq_enabled;
};

/* Taken for any change to parents, their WQs and vdev assignment. */
extern struct mutex vdev_lock;

/* vdev_parent.c */
extern struct mdev_driver vdev_mdev_driver;
int vdev_wq_driver_register(void);
void vdev_wq_driver_unregister(void);
struct vdev_wq *vdev_claim_wq(struct vdev_parent *parent,
			      enum vdev_type_id type, struct idxd_vdev *vdev);
void vdev_release_wq(struct vdev_wq *vwq);

/* vdev_vfio.c */
int vdev_mdev_probe(struct mdev_device *mdev);
void vdev_mdev_remove(struct mdev_device *mdev);

#endif /* _IDXD_VDEV_H */
