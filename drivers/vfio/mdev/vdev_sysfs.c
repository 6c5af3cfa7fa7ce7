// SPDX-License-Identifier: GPL-2.0
/*
 * Attributes of a vdev (on its mdev device, while the vdev driver is
 * bound):
 *   vdev_type         the vdev's type, in the style of a vfio-pci variant
 *                     driver: readable always, writable while the vdev is
 *                     not open, only with a type its WQ can serve
 *   trapped_accesses  region reads and writes that reached the host
 *   swerrs            software errors of its WQ forwarded to the guest
 */
#include <linux/string.h>
#include <linux/sysfs.h>

#include "idxd_vdev.h"

static ssize_t vdev_type_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct idxd_vdev *vdev = dev_get_drvdata(dev);

	guard(mutex)(&vdev->lock);
	return sysfs_emit(buf, "%s\n", vdev_type_names[vdev->type]);
}

static ssize_t vdev_type_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	struct idxd_vdev *vdev = dev_get_drvdata(dev);
	int type;

	type = sysfs_match_string(vdev_type_names, buf);
	if (type < 0) {
		dev_info(dev, "vdev_type: unknown type\n");
		return -EINVAL;
	}
	guard(mutex)(&vdev->lock);
	if (vdev->open) {
		dev_info(dev, "vdev_type: the vdev is open\n");
		return -EBUSY;
	}
	if (!vdev_wq_can_serve(vdev->vwq, type)) {
		dev_info(dev, "vdev_type: its WQ cannot serve %s\n",
			 vdev_type_names[type]);
		return -EINVAL;
	}
	vdev->type = type;
	return count;
}
static DEVICE_ATTR_RW(vdev_type);

static ssize_t trapped_accesses_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct idxd_vdev *vdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&vdev->trapped));
}
static DEVICE_ATTR_RO(trapped_accesses);

static ssize_t swerrs_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct idxd_vdev *vdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&vdev->swerrs));
}
static DEVICE_ATTR_RO(swerrs);

static struct attribute *vdev_attrs[] = {
	&dev_attr_vdev_type.attr,
	&dev_attr_trapped_accesses.attr,
	&dev_attr_swerrs.attr,
	NULL
};

static const struct attribute_group vdev_group = {
	.attrs = vdev_attrs,
};

const struct attribute_group *vdev_mdev_groups[] = {
	&vdev_group,
	NULL
};
