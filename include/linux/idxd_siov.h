/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dsa bus of the idxd-siov parent driver: the objects a DSA device
 * exposes (the device itself, its groups, engines and work queues) and the
 * drivers that bind to them (the device driver, dmaengine, later the vdev
 * driver). Symbols live in the IDXD_SIOV namespace.
 */
#ifndef _LINUX_IDXD_SIOV_H
#define _LINUX_IDXD_SIOV_H

#include <linux/device.h>
#include <linux/idxd_siov_regs.h>
#include <linux/iommu.h>
#include <linux/module.h>

/* The bus name is part of the ABI: accel-config walks /sys/bus/dsa. */
#define SIOV_IDXD_BUS_NAME	"dsa"

enum siov_idxd_dev_type {
	SIOV_IDXD_DEV_NONE = 0,
	SIOV_IDXD_DEV_DSA,
	SIOV_IDXD_DEV_GROUP,
	SIOV_IDXD_DEV_ENGINE,
	SIOV_IDXD_DEV_WQ,
};

/**
 * struct siov_idxd_dev - an object on the dsa bus
 * @dev: the device registered on the bus
 * @type: what the object is; drivers match on it
 * @driver_name: for a WQ or a device, the name of the only driver that may
 *	bind to it (a WQ's driver_name attribute); NULL or "" for other
 *	objects or an unassigned WQ. Points into the owner's storage; it is
 *	changed and read by the bus' match function under the device lock.
 */
struct siov_idxd_dev {
	struct device dev;
	enum siov_idxd_dev_type type;
	const char *driver_name;
};

#define to_siov_idxd_dev(d) container_of(d, struct siov_idxd_dev, dev)

/**
 * struct siov_idxd_driver - a driver on the dsa bus
 * @name: driver name, as written into a WQ's driver_name attribute
 * @types: object types this driver binds to, ended by SIOV_IDXD_DEV_NONE
 * @probe: bind to an object
 * @remove: unbind from an object
 * @drv: the driver core's driver
 */
struct siov_idxd_driver {
	const char *name;
	const enum siov_idxd_dev_type *types;
	int (*probe)(struct siov_idxd_dev *sdev);
	void (*remove)(struct siov_idxd_dev *sdev);
	struct device_driver drv;
};

#define to_siov_idxd_driver(d) container_of(d, struct siov_idxd_driver, drv)

extern const struct bus_type siov_dsa_bus_type;

int __siov_idxd_driver_register(struct siov_idxd_driver *sdrv,
				struct module *owner, const char *mod_name);
void siov_idxd_driver_unregister(struct siov_idxd_driver *sdrv);

#define siov_idxd_driver_register(sdrv) \
	__siov_idxd_driver_register(sdrv, THIS_MODULE, KBUILD_MODNAME)

/*
 * Work queues, for the driver bound to them. The structure is private to
 * the parent driver; its bus object is the embedded siov_idxd_dev.
 */
struct siov_idxd_wq;

/**
 * struct siov_idxd_wq_run - how a WQ's driver needs its WQ to run
 * @dedicated: dedicated mode; false for shared (descriptors by ENQCMD(S),
 *	each carrying its PASID)
 * @priv: privileged descriptors (a kernel WQ); false for user ones
 * @pasid: dedicated WQs only: the PASID every descriptor runs with, or
 *	IOMMU_NO_PASID to run untagged in the device's own DMA domain
 */
struct siov_idxd_wq_run {
	bool dedicated;
	bool priv;
	ioasid_t pasid;
};

int siov_idxd_wq_enable(struct siov_idxd_wq *wq,
			const struct siov_idxd_wq_run *run);
int siov_idxd_wq_disable(struct siov_idxd_wq *wq, bool abort);
int siov_idxd_wq_bind_user(struct siov_idxd_wq *wq, bool *dedicated);
bool siov_idxd_cpu_can_submit(bool dedicated);
void siov_idxd_wq_quarantine_memory(struct siov_idxd_wq *wq,
				    void (*release)(void *data), void *data);
void __iomem *siov_idxd_wq_portal(struct siov_idxd_wq *wq);
void siov_idxd_wq_add_client(struct siov_idxd_wq *wq, int delta);
void __iomem *siov_idxd_wq_ims_portal(struct siov_idxd_wq *wq);
phys_addr_t siov_idxd_wq_ims_portal_phys(struct siov_idxd_wq *wq);
struct device *siov_idxd_wq_parent(struct siov_idxd_wq *wq);
struct siov_idxd_wq *siov_idxd_to_wq(struct siov_idxd_dev *sdev);
ioasid_t siov_idxd_pasid_alloc(struct siov_idxd_wq *wq);
void siov_idxd_pasid_free(struct siov_idxd_wq *wq, ioasid_t pasid);

/**
 * struct siov_idxd_wq_limits - what a WQ runs under, for a WQ's user
 * @gencap: the device's GENCAP register
 * @opcap: the device's OPCAP registers: the operations it supports
 * @size: WQ size (entries)
 * @priority: WQ priority
 * @max_xfer_shift: log2 of the WQ's maximum transfer size
 * @max_batch_shift: log2 of the WQ's maximum batch size
 */
struct siov_idxd_wq_limits {
	u64 gencap;
	u64 opcap[IDXD_OPCAP_QWORDS];
	unsigned int size;
	unsigned int priority;
	unsigned int max_xfer_shift;
	unsigned int max_batch_shift;
};

/*
 * Called with a software error record (IDXD_SWERR_QWORDS words) the
 * device reported for the WQ; from the misc interrupt thread, atomically.
 */
typedef void (*siov_idxd_wq_error_fn)(void *data, const u64 *swerr);

void siov_idxd_wq_get_limits(struct siov_idxd_wq *wq,
			     struct siov_idxd_wq_limits *limits);
int siov_idxd_wq_drain(struct siov_idxd_wq *wq, ioasid_t pasid, bool abort);
void siov_idxd_wq_set_error_handler(struct siov_idxd_wq *wq,
				    siov_idxd_wq_error_fn handler, void *data);

/**
 * struct siov_idxd_ims_vector - an IMS vector of the device, for one PASID
 * @virq: Linux interrupt number, to request_irq()
 * @index: the IMS slot
 * @handle: the interrupt handle a descriptor submitted through an IMS
 *	portal carries (int_handle) to raise this vector
 */
struct siov_idxd_ims_vector {
	unsigned int virq;
	unsigned int index;
	u16 handle;
};

int siov_idxd_ims_alloc(struct siov_idxd_wq *wq, ioasid_t pasid,
			struct siov_idxd_ims_vector *vec);
void siov_idxd_ims_free(struct siov_idxd_wq *wq,
			struct siov_idxd_ims_vector *vec);

#endif /* _LINUX_IDXD_SIOV_H */
