// SPDX-License-Identifier: GPL-2.0
/*
 * A vdev as a VFIO device. Its DMA is the parent's, tagged with a PASID
 * the vdev owns: the PASID is allocated when the mdev is created, VFIO's
 * type1 backend attaches the container's domain at (parent, PASID) when
 * the group joins a container (vfio_register_pasid_iommu_dev()), and the
 * parent WQ runs with that PASID only after the guest enabled its WQ
 * through the emulated registers, and only until close.
 *
 * Regions: config space (vdev_cfg.c), BAR0 (vdev_mmio.c), BAR2 (portals:
 * mmapped for dsa-1dwq-v1, trapped for dsa-1swq-v1, vdev_portal.c).
 * Interrupts: MSI-X vector 0 emulated, vector 1 an IMS entry of the
 * parent with the vdev's PASID, and the request interrupt
 * (vfio_ims_irqs.c). Every region access is counted (trapped_accesses).
 */
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

/* Free the IMS vectors behind MSI-X vectors 1..; under vdev->lock. */
static void vdev_free_ims(struct idxd_vdev *vdev, unsigned int n)
{
	while (n--) {
		vfio_ims_irqs_set_host_irq(&vdev->irqs, n + 1, 0);
		siov_idxd_ims_free(vdev->vwq->wq, &vdev->ims[n]);
	}
}

static int vdev_open_device(struct vfio_device *vfio)
{
	struct idxd_vdev *vdev = vfio_to_vdev(vfio);
	unsigned int i;
	int rc;

	guard(mutex)(&vdev->lock);
	/* IMS entries carry our PASID from allocation on: rule 3 */
	for (i = 0; i < VDEV_MSIX_VECS - 1; i++) {
		rc = siov_idxd_ims_alloc(vdev->vwq->wq, vdev->pasid,
					 &vdev->ims[i]);
		if (rc) {
			dev_err(vdev_dev(vdev), "no IMS vector: %d\n", rc);
			vdev_free_ims(vdev, i);
			return rc;
		}
		vfio_ims_irqs_set_host_irq(&vdev->irqs, i + 1,
					   vdev->ims[i].virq);
	}
	siov_idxd_wq_get_limits(vdev->vwq->wq, &vdev->limits);
	rc = vdev_backlog_init(vdev);
	if (rc) {
		vdev_free_ims(vdev, VDEV_MSIX_VECS - 1);
		return rc;
	}
	vdev_cfg_init(vdev);
	vdev_mmio_init(vdev);
	vdev->open = true;
	return 0;
}

static void vdev_close_device(struct vfio_device *vfio)
{
	struct idxd_vdev *vdev = vfio_to_vdev(vfio);

	scoped_guard(mutex, &vdev->lock) {
		/* nothing of this user may run after close: abort, not drain */
		vdev_reset(vdev);
		vfio_ims_irqs_release(&vdev->irqs);
		vdev_free_ims(vdev, VDEV_MSIX_VECS - 1);
		vdev->open = false;
	}
	/* the backlog work takes the lock: waited for outside it */
	vdev_backlog_exit(vdev);
}

/*
 * The part of BAR2 a dsa-1dwq-v1 vdev maps: the portal pages. A VMM maps
 * a whole BAR unless it is told which parts it may (QEMU 7.2 then traps
 * every descriptor), so BAR2's region info describes them.
 */
static int vdev_bar2_sparse_mmap(struct vfio_info_cap *caps)
{
	struct vfio_region_info_cap_sparse_mmap *sparse;
	size_t size = struct_size(sparse, areas, 1);
	int rc;

	sparse = kzalloc(size, GFP_KERNEL);
	if (!sparse)
		return -ENOMEM;
	sparse->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	sparse->header.version = 1;
	sparse->nr_areas = 1;
	sparse->areas[0].offset = 0;
	sparse->areas[0].size = VDEV_BAR2_MMAP_SIZE;
	rc = vfio_info_add_capability(caps, &sparse->header, size);
	kfree(sparse);
	return rc;
}

/* Append the capability chain after the info, or ask for more room. */
static int vdev_region_info_caps(struct vfio_region_info *info,
				 struct vfio_info_cap *caps, unsigned long arg)
{
	info->flags |= VFIO_REGION_INFO_FLAG_CAPS;
	if (info->argsz < sizeof(*info) + caps->size) {
		info->argsz = sizeof(*info) + caps->size;
		info->cap_offset = 0;
		return 0;
	}
	vfio_info_cap_shift(caps, sizeof(*info));
	if (copy_to_user((void __user *)arg + sizeof(*info), caps->buf,
			 caps->size))
		return -EFAULT;
	info->cap_offset = sizeof(*info);
	return 0;
}

static long vdev_region_info(struct idxd_vdev *vdev, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct vfio_region_info info;
	u32 rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	int rc = 0;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	if (info.index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	info.offset = VDEV_INDEX_TO_OFFSET(info.index);
	info.flags = 0;
	info.size = 0;
	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.size = VDEV_CFG_SIZE;
		info.flags = rw;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		info.size = VDEV_BAR0_SIZE;
		info.flags = rw;
		break;
	case VFIO_PCI_BAR2_REGION_INDEX:
		info.size = VDEV_BAR2_SIZE;
		/* portals are write-only: reads return zeros */
		info.flags = rw;
		if (!vdev_is_dedicated(vdev))
			break;
		info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
		rc = vdev_bar2_sparse_mmap(&caps);
		if (!rc)
			rc = vdev_region_info_caps(&info, &caps, arg);
		kfree(caps.buf);
		if (rc)
			return rc;
		break;
	}
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static long vdev_device_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static long vdev_ioctl(struct vfio_device *vfio, unsigned int cmd,
		       unsigned long arg)
{
	struct idxd_vdev *vdev = vfio_to_vdev(vfio);

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vdev_device_info(arg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vdev_region_info(vdev, arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_ims_irqs_get_info(&vdev->irqs, arg);
	case VFIO_DEVICE_SET_IRQS:
		return vfio_ims_irqs_set(&vdev->irqs, arg);
	case VFIO_DEVICE_RESET: {
		guard(mutex)(&vdev->lock);
		vdev_reset(vdev);
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static int vdev_split_pos(loff_t ppos, unsigned int *index, loff_t *pos)
{
	*index = ppos >> VDEV_OFFSET_SHIFT;
	*pos = ppos & (VDEV_INDEX_TO_OFFSET(1) - 1);
	return *index < VFIO_PCI_NUM_REGIONS ? 0 : -EINVAL;
}

/* Config space in one read of any size (QEMU reads it whole). */
static ssize_t vdev_read_cfg(struct idxd_vdev *vdev, char __user *ubuf,
			     size_t count, loff_t pos)
{
	u8 chunk[64];
	size_t done;
	ssize_t rc;

	if (pos < 0 || pos >= VDEV_CFG_SIZE || count > VDEV_CFG_SIZE - pos)
		return -EINVAL;
	for (done = 0; done < count; done += rc) {
		rc = vdev_cfg_read(vdev, pos + done, chunk,
				   min(count - done, sizeof(chunk)));
		if (rc < 0)
			return rc;
		if (copy_to_user(ubuf + done, chunk, rc))
			return -EFAULT;
	}
	return count;
}

static ssize_t vdev_read(struct vfio_device *vfio, char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	struct idxd_vdev *vdev = vfio_to_vdev(vfio);
	unsigned int index;
	u8 val[8] = {};
	ssize_t rc;
	loff_t pos;

	if (vdev_split_pos(*ppos, &index, &pos))
		return -EINVAL;
	atomic64_inc(&vdev->trapped);
	if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		rc = vdev_read_cfg(vdev, ubuf, count, pos);
		if (rc > 0)
			*ppos += rc;
		return rc;
	}
	if (count > sizeof(val))
		return -EINVAL;
	switch (index) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		rc = vdev_mmio_read(vdev, pos, val, count);
		break;
	case VFIO_PCI_BAR2_REGION_INDEX:
		rc = pos + count <= VDEV_BAR2_SIZE ? count : -EINVAL;
		break;
	default:
		rc = -EINVAL;
	}
	if (rc > 0 && copy_to_user(ubuf, val, rc))
		return -EFAULT;
	if (rc > 0)
		*ppos += rc;
	return rc;
}

static ssize_t vdev_write(struct vfio_device *vfio, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	struct idxd_vdev *vdev = vfio_to_vdev(vfio);
	unsigned int index;
	u8 val[8];
	ssize_t rc;
	loff_t pos;

	if (vdev_split_pos(*ppos, &index, &pos))
		return -EINVAL;
	atomic64_inc(&vdev->trapped);
	if (index == VFIO_PCI_BAR2_REGION_INDEX) {
		rc = vdev_portal_write(vdev, pos, ubuf, count);
		goto out;
	}
	if (count > sizeof(val))
		return -EINVAL;
	if (copy_from_user(val, ubuf, count))
		return -EFAULT;
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		rc = vdev_cfg_write(vdev, pos, val, count);
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		rc = vdev_mmio_write(vdev, pos, val, count);
		break;
	default:
		rc = -EINVAL;
	}
out:
	if (rc > 0)
		*ppos += rc;
	return rc;
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
	/* a trapped portal is never mapped: the host must see each write */
	if (!vdev_is_dedicated(vdev))
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

/* The vdev is being removed while open: ask the user to let go. */
static void vdev_request(struct vfio_device *vfio, unsigned int count)
{
	struct idxd_vdev *vdev = vfio_to_vdev(vfio);

	if (vfio_ims_irqs_request(&vdev->irqs))
		dev_notice_ratelimited(vdev_dev(vdev),
				       "relaying device request to the user (#%u)\n",
				       count);
	else if (!count)
		dev_notice(vdev_dev(vdev),
			   "no device request channel: blocked until the user closes\n");
}

/* The PASID is ours, not iommufd's: only the container path serves it. */
static int vdev_bind_iommufd(struct vfio_device *vfio,
			     struct iommufd_ctx *ictx, u32 *out_device_id)
{
	return -EOPNOTSUPP;
}

static void vdev_release(struct vfio_device *vfio)
{
	struct idxd_vdev *vdev = vfio_to_vdev(vfio);

	if (vdev->irqs.vecs)	/* probe got that far */
		vfio_ims_irqs_exit(&vdev->irqs);
	mutex_destroy(&vdev->lock);
}

static const struct vfio_device_ops vdev_ops = {
	.name = VDEV_NAME,
	.release = vdev_release,
	.open_device = vdev_open_device,
	.close_device = vdev_close_device,
	.read = vdev_read,
	.write = vdev_write,
	.ioctl = vdev_ioctl,
	.mmap = vdev_mmap,
	.request = vdev_request,
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
	vdev->type = type;
	mutex_init(&vdev->lock);
	spin_lock_init(&vdev->reg_lock);
	/* the release callback undoes this from here on */
	rc = vfio_ims_irqs_init(&vdev->irqs, dev_name(&mdev->dev),
				VDEV_MSIX_VECS);
	if (rc)
		goto err_put;

	vdev->vwq = vdev_claim_wq(parent, type, vdev);
	if (!vdev->vwq) {
		dev_err(&mdev->dev, "no free WQ for %s\n", mdev->type->sysfs_name);
		rc = -ENOSPC;
		goto err_put;
	}
	vdev->pasid = siov_idxd_pasid_alloc(vdev->vwq->wq);
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
	siov_idxd_pasid_free(vdev->vwq->wq, vdev->pasid);
err_wq:
	vdev_release_wq(vdev->vwq, vdev);
err_put:
	vfio_put_device(&vdev->vfio);
	return rc;
}

void vdev_mdev_remove(struct mdev_device *mdev)
{
	struct idxd_vdev *vdev = dev_get_drvdata(&mdev->dev);

	/* asks the user to close (request), waits; type1 detaches the PASID */
	vfio_unregister_group_dev(&vdev->vfio);
	/* kept from the next tenant if the device did not confirm its stop */
	siov_idxd_pasid_free(vdev->vwq->wq, vdev->pasid);
	vdev_release_wq(vdev->vwq, vdev);
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
