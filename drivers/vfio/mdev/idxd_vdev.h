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
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <linux/workqueue.h>

#include "vfio_ims_irqs.h"

#define VDEV_NAME		"idxd_vdev"
/* the WQ driver_name that hands a WQ to vdevs (accel-config --driver-name) */
#define VDEV_WQ_DRIVER_NAME	"vdev"

/*
 * Region N of the device fd starts at N << VDEV_OFFSET_SHIFT, as with
 * vfio-pci (userspace only relies on the offsets region info gives).
 */
#define VDEV_OFFSET_SHIFT	40
#define VDEV_INDEX_TO_OFFSET(i)	((u64)(i) << VDEV_OFFSET_SHIFT)

/* Config space: PCIe-sized, all emulated (vdev_cfg.c). */
#define VDEV_CFG_SIZE		PCI_CFG_SPACE_EXP_SIZE

/*
 * BAR0: registers, then the MSI-X table and PBA where a DSA has them;
 * the rest of the 64 KiB reads as zero (vdev_mmio.c).
 */
#define VDEV_BAR0_SIZE		SZ_64K
#define VDEV_MSIX_TABLE_OFFSET	0x2000
#define VDEV_MSIX_PBA_OFFSET	0x3000
#define VDEV_BAR0_EMU_SIZE	0x4000

/*
 * MSI-X: vector 0 is the emulated misc vector (commands, software
 * errors); vector 1 is the WQ's completion vector, an IMS entry of the
 * parent programmed with the vdev's PASID.
 */
#define VDEV_MSIX_VECS		2

/* BAR2 of a vdev: the guest's four portal pages of its one WQ. */
#define VDEV_PORTAL_SIZE	SZ_4K
#define VDEV_BAR2_SIZE		(4 * VDEV_PORTAL_SIZE)
/* Pages 0 and 1 (unlimited/limited) map to the WQ's IMS portals. */
#define VDEV_BAR2_MMAP_SIZE	(2 * VDEV_PORTAL_SIZE)

/*
 * dsa-1dwq-v1: a dedicated WQ, portals mmapped (no trap per descriptor).
 * dsa-1swq-v1: a trapped portal, each descriptor re-issued by the host
 * with the vdev's PASID: a share of a shared WQ, or a dedicated WQ whose
 * vdev was switched to this type through its type attribute. Either way
 * the guest sees a dedicated WQ, the only kind a stock guest driver
 * without a vIOMMU can use.
 */
enum vdev_type_id {
	VDEV_TYPE_1DWQ,
	VDEV_TYPE_1SWQ,
	VDEV_NR_TYPES,
};

extern const char * const vdev_type_names[VDEV_NR_TYPES];

/* A DSA descriptor. */
#define VDEV_DESC_SIZE		64

/* How many vdevs share one shared WQ. */
#define VDEV_SWQ_SHARES		4

/**
 * struct vdev_wq - a WQ bound to the vdev WQ driver
 * @wq: the parent's WQ
 * @parent: its mdev parent
 * @next: in parent->wqs
 * @dedicated: a dedicated WQ (one vdev) or a shared one (VDEV_SWQ_SHARES)
 * @vdevs: the vdevs it serves (vdev->wq_next); changed under vdev_lock
 *	and @vdevs_lock, read under either (@vdevs_lock: error forwarding)
 * @nr_vdevs: how many
 * @vdevs_lock: see @vdevs
 */
struct vdev_wq {
	struct siov_idxd_wq *wq;
	struct vdev_parent *parent;
	struct list_head next;
	bool dedicated;
	struct list_head vdevs;
	unsigned int nr_vdevs;
	spinlock_t vdevs_lock;	/* see @vdevs */
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

/**
 * struct idxd_vdev - a vdev
 * @vfio: the VFIO device
 * @mdev: the mdev it is created as
 * @vwq: the parent WQ it runs on
 * @wq_next: in vwq->vdevs
 * @pasid: the PASID its DMA is tagged with (host-allocated)
 * @type: dsa-1dwq-v1 or dsa-1swq-v1; changes only while closed
 * @open: between open_device and close_device
 * @lock: serialises the emulated device (config, BAR0, commands, type)
 * @reg_lock: covers @bar0 words SWERR forwarding writes atomically
 * @limits: the parent WQ's limits, shown in the capabilities
 * @wq_enabled: the guest enabled its WQ: the parent WQ runs for it
 * @cfg: emulated config space
 * @cfg_wmask: its writable bits
 * @bar0: emulated registers, MSI-X table and PBA
 * @ims: the IMS vectors behind MSI-X vectors 1.. while open
 * @irqs: MSI-X and request interrupts (vfio_ims_irqs.c)
 * @desc: a descriptor being written to the trapped portal in pieces
 * @desc_filled: which qwords of @desc arrived
 * @desc_pos: the portal offset @desc is written at
 * @backlog: trapped descriptors a shared WQ answered "retry", in order
 *	(a ring of @backlog_size, @backlog_len from @backlog_head); open only
 * @backlog_size: the guest-visible WQ size
 * @backlog_head: see @backlog
 * @backlog_len: see @backlog
 * @backlog_work: re-issues the backlog
 * @retries: ENQCMDS answered "retry" (vdev_portal.c)
 * @trapped: accesses that reached the host (region reads/writes)
 * @swerrs: software errors forwarded to the guest
 */
struct idxd_vdev {
	struct vfio_device vfio;
	struct mdev_device *mdev;
	struct vdev_wq *vwq;
	struct list_head wq_next;
	ioasid_t pasid;
	enum vdev_type_id type;
	bool open;
	struct mutex lock;	/* the emulated device */
	spinlock_t reg_lock;	/* INTCAUSE, SWERR */
	struct siov_idxd_wq_limits limits;
	bool wq_enabled;
	u8 cfg[VDEV_CFG_SIZE];
	u8 cfg_wmask[VDEV_CFG_SIZE];
	u8 bar0[VDEV_BAR0_EMU_SIZE];
	struct siov_idxd_ims_vector ims[VDEV_MSIX_VECS - 1];
	struct vfio_ims_irqs irqs;
	u8 desc[VDEV_DESC_SIZE];
	u8 desc_filled;
	loff_t desc_pos;
	u8 (*backlog)[VDEV_DESC_SIZE];
	unsigned int backlog_size;
	unsigned int backlog_head;
	unsigned int backlog_len;
	struct delayed_work backlog_work;
	atomic64_t retries;
	atomic64_t trapped;
	atomic_t swerrs;
};

static inline struct device *vdev_dev(struct idxd_vdev *vdev)
{
	return &vdev->mdev->dev;
}

static inline bool vdev_is_dedicated(struct idxd_vdev *vdev)
{
	return vdev->type == VDEV_TYPE_1DWQ;
}

/* Taken for any change to parents, their WQs and vdev assignment. */
extern struct mutex vdev_lock;

/* vdev_parent.c */
extern struct mdev_driver vdev_mdev_driver;
int vdev_wq_driver_register(void);
void vdev_wq_driver_unregister(void);
struct vdev_wq *vdev_claim_wq(struct vdev_parent *parent,
			      enum vdev_type_id type, struct idxd_vdev *vdev);
void vdev_release_wq(struct vdev_wq *vwq, struct idxd_vdev *vdev);
bool vdev_wq_can_serve(struct vdev_wq *vwq, enum vdev_type_id type);

/* vdev_vfio.c */
int vdev_mdev_probe(struct mdev_device *mdev);
void vdev_mdev_remove(struct mdev_device *mdev);
extern const struct attribute_group *vdev_mdev_groups[];

/* vdev_cfg.c */
void vdev_cfg_init(struct idxd_vdev *vdev);
ssize_t vdev_cfg_read(struct idxd_vdev *vdev, loff_t pos, void *buf,
		      size_t count);
ssize_t vdev_cfg_write(struct idxd_vdev *vdev, loff_t pos, const void *buf,
		       size_t count);
bool vdev_cfg_bus_master(struct idxd_vdev *vdev);

/* vdev_mmio.c */
void vdev_mmio_init(struct idxd_vdev *vdev);
void vdev_reset(struct idxd_vdev *vdev);
void vdev_forward_swerr(void *data, const u64 *swerr);
void vdev_report_overflow(struct idxd_vdev *vdev, const u8 *desc);
ssize_t vdev_mmio_read(struct idxd_vdev *vdev, loff_t pos, void *buf,
		       size_t count);
ssize_t vdev_mmio_write(struct idxd_vdev *vdev, loff_t pos, const void *buf,
			size_t count);

/* vdev_portal.c */
ssize_t vdev_portal_write(struct idxd_vdev *vdev, loff_t pos,
			  const void __user *buf, size_t count);
int vdev_backlog_init(struct idxd_vdev *vdev);
void vdev_backlog_exit(struct idxd_vdev *vdev);
void vdev_backlog_drop(struct idxd_vdev *vdev);
int vdev_backlog_flush(struct idxd_vdev *vdev);

#endif /* _IDXD_VDEV_H */
