// SPDX-License-Identifier: GPL-2.0
/*
 * A vdev as a VFIO device. Its DMA is the parent's, tagged with a PASID
 * the vdev owns: the PASID is allocated when the mdev is created, VFIO's
 * type1 backend attaches the container's domain at (parent, PASID) when
 * the group joins a container (vfio_register_pasid_iommu_dev()), and the
 * dedicated WQ is enabled with that PASID only while the device is open.
 *
 * Regions today: BAR2, whose first two pages are the WQ's IMS portals,
 * mmapped straight to the user (no trap per descriptor). Config space and
 * BAR0 emulation, and MSI-X backed by IMS, are not there yet.
 */
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "idxd_vdev.h"

static struct idxd_vdev *vfio_to_vdev(struct vfio_device *vfio)
{
	return container_of(vfio, struct idxd_vdev, vfio);
}

static int vdev_open_device(struct vfio_device *vfio)
{
	struct idxd_vdev *vdev = vfio_to_vdev(vfio);
	int rc;

	/* the container's domain is already at (parent, PASID): type1 */
	rc = siov_idxd_wq_enable(vdev->vwq->wq, vdev->pasid);
	if (rc)
		return rc;
	vdev->wq_enabled = true;
	return 0;
}

static void vdev_close_device(struct vfio_device *vfio)
{
	struct idxd_vdev *vdev = vfio_to_vdev(vfio);

	/* nothing of this user may run after close: abort, not drain */
	siov_idxd_wq_disable(vdev->vwq->wq, true);
	vdev->wq_enabled = false;
}

static long vdev_region_info(struct idxd_vdev *vdev, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	if (info.index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	info.offset = VDEV_INDEX_TO_OFFSET(info.index);
	info.flags = 0;
	info.size = 0;
	if (info.index == VFIO_PCI_BAR2_REGION_INDEX) {
		info.size = VDEV_BAR2_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_MMAP;
	}
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static long vdev_ioctl(struct vfio_device *vfio, unsigned int cmd,
		       unsigned long arg)
{
	struct idxd_vdev *vdev = vfio_to_vdev(vfio);
	unsigned long minsz;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info info;

		minsz = offsetofend(struct vfio_device_info, num_irqs);
		if (copy_from_user(&info, (void __user *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		info.flags = VFIO_DEVICE_FLAGS_PCI;
		info.num_regions = VFIO_PCI_NUM_REGIONS;
		info.num_irqs = 0;
		return copy_to_user((void __user *)arg, &info, minsz) ?
		       -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO:
		return vdev_region_info(vdev, arg);
	default:
		return -ENOTTY;
	}
}

static int vdev_mmap(struct vfio_device *vfio, struct vm_area_struct *vma)
{
	struct idxd_vdev *vdev = vfio_to_vdev(vfio);
	u64 index = vma->vm_pgoff >> (VDEV_OFFSET_SHIFT - PAGE_SHIFT);
	u64 pgoff = vma->vm_pgoff &
		    ((1ULL << (VDEV_OFFSET_SHIFT - PAGE_SHIFT)) - 1);
	unsigned long size = vma->vm_end - vma->vm_start;
	phys_addr_t base = siov_idxd_wq_ims_portal_phys(vdev->vwq->wq);

	if (index != VFIO_PCI_BAR2_REGION_INDEX || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if ((pgoff << PAGE_SHIFT) + size > VDEV_BAR2_MMAP_SIZE)
		return -EINVAL;
	/* portals are write-only MMIO; no execution, no copies */
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	return io_remap_pfn_range(vma, vma->vm_start,
				  (base >> PAGE_SHIFT) + pgoff, size,
				  vma->vm_page_prot);
}

/* The PASID is ours, not iommufd's: only the container path serves it. */
static int vdev_bind_iommufd(struct vfio_device *vfio,
			     struct iommufd_ctx *ictx, u32 *out_device_id)
{
	return -EOPNOTSUPP;
}

static const struct vfio_device_ops vdev_ops = {
	.name = VDEV_NAME,
	.open_device = vdev_open_device,
	.close_device = vdev_close_device,
	.ioctl = vdev_ioctl,
	.mmap = vdev_mmap,
	.bind_iommufd = vdev_bind_iommufd,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
};

int vdev_mdev_probe(struct mdev_device *mdev)
{
	struct vdev_parent *parent =
		container_of(mdev->type->parent, struct vdev_parent, mdev);
	enum vdev_type_id type = mdev->type - parent->types;
	struct idxd_vdev *vdev;
	int rc;

	vdev = vfio_alloc_device(idxd_vdev, vfio, &mdev->dev, &vdev_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	vdev->mdev = mdev;

	vdev->vwq = vdev_claim_wq(parent, type, vdev);
	if (!vdev->vwq) {
		dev_err(&mdev->dev, "no free WQ for %s\n", mdev->type->sysfs_name);
		rc = -ENOSPC;
		goto err_put;
	}
	vdev->pasid = iommu_alloc_global_pasid(parent->dev);
	if (vdev->pasid == IOMMU_PASID_INVALID) {
		dev_err(&mdev->dev, "no PASID for the vdev\n");
		rc = -ENOSPC;
		goto err_wq;
	}
	rc = vfio_register_pasid_iommu_dev(&vdev->vfio, parent->dev,
					   vdev->pasid);
	if (rc)
		goto err_pasid;
	dev_set_drvdata(&mdev->dev, vdev);
	dev_info(&mdev->dev, "vdev: %s on %s, PASID %u\n",
		 mdev->type->sysfs_name, dev_name(parent->dev), vdev->pasid);
	return 0;

err_pasid:
	iommu_free_global_pasid(vdev->pasid);
err_wq:
	vdev_release_wq(vdev->vwq);
err_put:
	vfio_put_device(&vdev->vfio);
	return rc;
}

void vdev_mdev_remove(struct mdev_device *mdev)
{
	struct idxd_vdev *vdev = dev_get_drvdata(&mdev->dev);

	/* waits for the user to close; type1 detaches the PASID domain */
	vfio_unregister_group_dev(&vdev->vfio);
	iommu_free_global_pasid(vdev->pasid);
	vdev_release_wq(vdev->vwq);
	vfio_put_device(&vdev->vfio);
}

static int __init vdev_init(void)
{
	int rc;

	rc = mdev_register_driver(&vdev_mdev_driver);
	if (rc)
		return rc;
	rc = vdev_wq_driver_register();
	if (rc)
		mdev_unregister_driver(&vdev_mdev_driver);
	return rc;
}
module_init(vdev_init);

static void __exit vdev_exit(void)
{
	vdev_wq_driver_unregister();
	mdev_unregister_driver(&vdev_mdev_driver);
}
module_exit(vdev_exit);

MODULE_DESCRIPTION("idxd-siov: DSA work queues as mediated VFIO devices");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(IDXD_SIOV);
