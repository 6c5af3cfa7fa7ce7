// SPDX-License-Identifier: GPL-2.0
/*
 * The dsa bus of the idxd-siov stack. It is a module of its own so that
 * drivers for the objects on it (dmaengine, the vdev driver) can be loaded
 * and unloaded independently of the PCI parent driver.
 */
#include <linux/device.h>
#include <linux/idxd_siov.h>
#include <linux/module.h>
#include <linux/string.h>

static bool siov_idxd_driver_has_type(const struct siov_idxd_driver *sdrv,
				      enum siov_idxd_dev_type type)
{
	const enum siov_idxd_dev_type *t;

	for (t = sdrv->types; t && *t != SIOV_IDXD_DEV_NONE; t++)
		if (*t == type)
			return true;
	return false;
}

/*
 * A WQ only binds to the driver its owner named in driver_name: the same
 * WQ may serve the host's dmaengine, user space or a VM, and the choice is
 * the administrator's, never whichever driver happens to probe first.
 * dsaN names its driver only once it is fully registered, so that adding
 * it does not try to enable an unconfigured device.
 */
static int siov_dsa_bus_match(struct device *dev,
			      const struct device_driver *drv)
{
	const struct siov_idxd_driver *sdrv =
		container_of(drv, struct siov_idxd_driver, drv);
	struct siov_idxd_dev *sdev = to_siov_idxd_dev(dev);

	if (!siov_idxd_driver_has_type(sdrv, sdev->type))
		return 0;
	if (sdev->type == SIOV_IDXD_DEV_WQ || sdev->type == SIOV_IDXD_DEV_DSA) {
		const char *name = READ_ONCE(sdev->driver_name);

		return name && !strcmp(name, sdrv->name);
	}
	return 1;
}

static int siov_dsa_bus_probe(struct device *dev)
{
	struct siov_idxd_driver *sdrv = to_siov_idxd_driver(dev->driver);

	return sdrv->probe ? sdrv->probe(to_siov_idxd_dev(dev)) : 0;
}

static void siov_dsa_bus_remove(struct device *dev)
{
	struct siov_idxd_driver *sdrv = to_siov_idxd_driver(dev->driver);

	if (sdrv->remove)
		sdrv->remove(to_siov_idxd_dev(dev));
}

const struct bus_type siov_dsa_bus_type = {
	.name = SIOV_IDXD_BUS_NAME,
	.match = siov_dsa_bus_match,
	.probe = siov_dsa_bus_probe,
	.remove = siov_dsa_bus_remove,
};
EXPORT_SYMBOL_NS_GPL(siov_dsa_bus_type, IDXD_SIOV);

/**
 * __siov_idxd_driver_register() - register a driver on the dsa bus
 * @sdrv: the driver; @sdrv->name and @sdrv->types must be set
 * @owner: the module that provides the driver
 * @mod_name: its name, for the driver's sysfs module link
 *
 * Use siov_idxd_driver_register(), which fills in @owner and @mod_name.
 *
 * Return: 0 or a negative errno from driver_register().
 */
int __siov_idxd_driver_register(struct siov_idxd_driver *sdrv,
				struct module *owner, const char *mod_name)
{
	if (!sdrv->name || !sdrv->types)
		return -EINVAL;

	sdrv->drv.name = sdrv->name;
	sdrv->drv.bus = &siov_dsa_bus_type;
	sdrv->drv.owner = owner;
	sdrv->drv.mod_name = mod_name;
	return driver_register(&sdrv->drv);
}
EXPORT_SYMBOL_NS_GPL(__siov_idxd_driver_register, IDXD_SIOV);

/**
 * siov_idxd_driver_unregister() - remove a driver from the dsa bus
 * @sdrv: a driver registered with siov_idxd_driver_register()
 *
 * Unbinds the driver from every object first.
 */
void siov_idxd_driver_unregister(struct siov_idxd_driver *sdrv)
{
	driver_unregister(&sdrv->drv);
}
EXPORT_SYMBOL_NS_GPL(siov_idxd_driver_unregister, IDXD_SIOV);

static int __init siov_dsa_bus_init(void)
{
	return bus_register(&siov_dsa_bus_type);
}
module_init(siov_dsa_bus_init);

static void __exit siov_dsa_bus_exit(void)
{
	bus_unregister(&siov_dsa_bus_type);
}
module_exit(siov_dsa_bus_exit);

MODULE_DESCRIPTION("idxd-siov: the dsa bus");
MODULE_LICENSE("GPL");
