/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private state of the idxd-siov parent driver: one struct siov_idxd per
 * PCI function, and the group, engine and WQ objects it exposes on the dsa
 * bus.
 *
 * Lifetime: every object embeds a struct siov_idxd_dev whose struct device
 * is reference counted. A group, engine or WQ holds a reference on its
 * parent dsaN device, so the struct siov_idxd outlives all of them; it is
 * freed by the release of dsaN, after the PCI function is gone.
 *
 * Locking: @lock of struct siov_idxd serialises every configuration change
 * (sysfs stores, enabling and disabling). @cmd_lock serialises the command
 * register; it nests inside @lock.
 */
#ifndef _SIOV_IDXD_DEVICE_H
#define _SIOV_IDXD_DEVICE_H

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/idxd_siov.h>
#include <linux/iommu.h>
#include <linux/irqchip/irq-ims-array.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/pci.h>
#include <linux/types.h>

#include <linux/idxd_siov_regs.h>

/* Sizes of the string attributes, as in the upstream ABI. */
#define SIOV_WQ_NAME_SIZE		1024
#define SIOV_WQ_DRIVER_NAME_SIZE	128

/* Defaults a fresh WQ reports; the same as the upstream driver's. */
#define SIOV_WQ_DEFAULT_MAX_XFER	SZ_2M
#define SIOV_WQ_DEFAULT_MAX_BATCH	32
#define SIOV_WQ_MAX_PRIORITY		15
#define SIOV_ENQCMDS_MAX_RETRIES	32
#define SIOV_ENQCMDS_DEFAULT_RETRIES	32
#define SIOV_MAX_TRAFFIC_CLASS		7

/* BAR2: four 4 KiB portals per WQ; the first is unlimited, MSI-X. */
#define SIOV_PORTAL_SIZE		SZ_4K
#define SIOV_PORTALS_PER_WQ		4
/* Portal page within a WQ's four: bit 0 limited, bit 1 IMS. */
#define SIOV_PORTAL_IMS			2

/* The name of the dsaN driver; accel-config binds devices to it. */
#define SIOV_IDXD_DEVICE_DRIVER		"idxd"

/* A command completes in microseconds; a second means the device is gone. */
#define SIOV_CMD_TIMEOUT_MS		1000

enum siov_idxd_state {
	SIOV_IDXD_DISABLED = 0,
	SIOV_IDXD_ENABLED,
	SIOV_IDXD_HALTED,
};

enum siov_wq_state {
	SIOV_WQ_DISABLED = 0,
	SIOV_WQ_ENABLED,
};

enum siov_wq_type {
	SIOV_WQT_NONE = 0,
	SIOV_WQT_KERNEL,
	SIOV_WQT_USER,
};

struct siov_idxd;

struct siov_idxd_group {
	struct siov_idxd_dev sdev;
	struct siov_idxd *idxd;
	int id;
	unsigned int rdbufs_reserved;
	unsigned int rdbufs_allowed;
	bool use_rdbuf_limit;
	int tc_a;
	int tc_b;
	int desc_progress_limit;
	int batch_progress_limit;
};

struct siov_idxd_engine {
	struct siov_idxd_dev sdev;
	struct siov_idxd *idxd;
	int id;
	struct siov_idxd_group *group;
};

struct siov_idxd_wq {
	struct siov_idxd_dev sdev;
	struct siov_idxd *idxd;
	int id;
	struct siov_idxd_group *group;
	enum siov_wq_state state;
	enum siov_wq_type type;
	bool dedicated;
	bool block_on_fault;
	bool ats_disable;
	bool prs_disable;
	unsigned int size;
	unsigned int threshold;
	unsigned int priority;
	unsigned int max_batch_size;
	u64 max_xfer_bytes;
	unsigned int enqcmds_retries;
	/* The PASID the WQ runs with while enabled; IOMMU_NO_PASID if none. */
	ioasid_t pasid;
	/* Users of the WQ (a dmaengine channel, an open cdev, a vdev). */
	int clients;
	/* Told of the WQ's software errors; under idxd->error_lock. */
	siov_idxd_wq_error_fn error_handler;
	void *error_data;
	char name[SIOV_WQ_NAME_SIZE];
	char driver_name[SIOV_WQ_DRIVER_NAME_SIZE];
};

/* The capability registers, read once at probe. */
struct siov_idxd_caps {
	u32 version;
	u64 gencap;
	u64 wqcap;
	u64 grpcap;
	u64 engcap;
	u64 opcap[IDXD_OPCAP_QWORDS];
	u64 table;
	u32 cmdcap;
};

struct siov_idxd {
	struct siov_idxd_dev sdev;	/* dsaN */
	struct pci_dev *pdev;
	void __iomem *regs;
	void __iomem *portals;
	int id;

	struct siov_idxd_caps caps;
	unsigned int max_wqs;
	unsigned int max_wq_size;
	unsigned int max_groups;
	unsigned int max_engines;
	unsigned int max_rdbufs;
	unsigned int max_batch_size;
	u64 max_xfer_bytes;
	unsigned int ims_size;
	unsigned int wqcfg_size;
	u32 grpcfg_offset;
	u32 wqcfg_offset;
	u32 msix_perm_offset;
	u32 ims_offset;
	bool configurable;
	/* The IMS slot array the ims-array irqchip drives (ims.c). */
	struct ims_array_info ims_info;
	/* IMS vectors allocated by WQ users; 0 when the driver unbinds. */
	atomic_t ims_in_use;

	/* Protects the configuration below and the state of every object. */
	struct mutex lock;
	enum siov_idxd_state state;
	unsigned int rdbuf_limit;
	/* Set while dsaN's driver takes the device down: no WQ may start. */
	bool stopping;
	/* The PASID kernel shared WQs tag descriptors with, or invalid. */
	ioasid_t kernel_pasid;
	/* Takes the device down and resets it after a halt. */
	struct work_struct halt_work;
	/*
	 * Set when a command that stops work (Disable, Drain, Abort) failed
	 * or timed out, or a command could not be issued: the device may
	 * still run work its drivers gave up on. Until a reset confirms that
	 * nothing runs, no WQ is enabled, and the PASIDs and IMS vectors
	 * freed meanwhile wait in @quarantine instead of being reused
	 * (quarantine.c). Both under @quarantine_lock.
	 */
	bool stop_unconfirmed;
	struct list_head quarantine;
	spinlock_t quarantine_lock;	/* @stop_unconfirmed, @quarantine */
	/* Resets the function after stop_unconfirmed was set. */
	struct delayed_work recover_work;
	/* Totals since probe, for debugfs. */
	unsigned long quarantined_total;
	unsigned long released_total;
	struct dentry *debugfs;
	/* Status of the last failed command, for the cmd_status attribute. */
	u32 cmd_status;
	/* The last software error record the device reported. */
	u64 swerr[IDXD_SWERR_QWORDS];
	/* Serialises WQ error handlers against their (un)registration. */
	spinlock_t error_lock;

	/* One command at a time; cmd_done is completed by the misc IRQ. */
	struct mutex cmd_lock;
	struct completion cmd_done;

	int num_vectors;
	int misc_irq;

	struct siov_idxd_group **groups;
	struct siov_idxd_engine **engines;
	struct siov_idxd_wq **wqs;
};

static inline struct siov_idxd *sdev_to_idxd(struct siov_idxd_dev *sdev)
{
	return container_of(sdev, struct siov_idxd, sdev);
}

static inline struct siov_idxd *dev_to_idxd(struct device *dev)
{
	return sdev_to_idxd(to_siov_idxd_dev(dev));
}

static inline struct siov_idxd_wq *dev_to_wq(struct device *dev)
{
	return container_of(to_siov_idxd_dev(dev), struct siov_idxd_wq, sdev);
}

static inline struct siov_idxd_group *dev_to_group(struct device *dev)
{
	return container_of(to_siov_idxd_dev(dev), struct siov_idxd_group,
			    sdev);
}

static inline struct siov_idxd_engine *dev_to_engine(struct device *dev)
{
	return container_of(to_siov_idxd_dev(dev), struct siov_idxd_engine,
			    sdev);
}

static inline struct device *idxd_dev(struct siov_idxd *idxd)
{
	return &idxd->pdev->dev;
}

/* cmd.c */
int siov_idxd_cmd(struct siov_idxd *idxd, enum idxd_cmd cmd, u32 operand,
		  u32 *result);
int siov_idxd_reset(struct siov_idxd *idxd);
int siov_idxd_reset_live(struct siov_idxd *idxd);

/* quarantine.c */
void siov_idxd_quarantine_init(struct siov_idxd *idxd);
void siov_idxd_escalate(struct siov_idxd *idxd, const char *cmd,
			const char *how);
bool siov_idxd_stop_unconfirmed(struct siov_idxd *idxd);
bool siov_idxd_quarantine_pasid(struct siov_idxd *idxd, ioasid_t pasid);
bool siov_idxd_quarantine_ims(struct siov_idxd *idxd, struct msi_map map);
bool siov_idxd_quarantine_memory(struct siov_idxd *idxd,
				 void (*release)(void *data), void *data);
void siov_idxd_reset_confirmed(struct siov_idxd *idxd);
void siov_idxd_quarantine_exit(struct siov_idxd *idxd);
void siov_idxd_debugfs_add(struct siov_idxd *idxd);
void siov_idxd_debugfs_init(void);
void siov_idxd_debugfs_exit(void);

/* wq.c, wq_user.c */
u32 siov_idxd_wq_mask_operand(struct siov_idxd_wq *wq);
void siov_idxd_forward_swerr(struct siov_idxd *idxd, const u64 *swerr);

/* device.c */
extern struct siov_idxd_driver siov_idxd_device_driver;
void siov_idxd_release_wq_drivers(struct siov_idxd *idxd);
void siov_idxd_halt_work(struct work_struct *work);
void siov_idxd_set_bindable(struct siov_idxd *idxd, bool bindable);
void siov_idxd_take_down(struct siov_idxd *idxd);

/* dma.c */
extern struct siov_idxd_driver siov_idxd_dma_driver;
void siov_idxd_dma_exit(void);

/* ims.c */
void siov_idxd_setup_ims(struct siov_idxd *idxd);

/* init.c */
unsigned int siov_idxd_cdev_major(void);

/* pasid.c */
int siov_idxd_get_kernel_pasid(struct siov_idxd *idxd, ioasid_t *pasid);
void siov_idxd_put_kernel_pasid(struct siov_idxd *idxd);

/* irq.c: vector 0 is the misc interrupt, WQ n completes on n + 1. */
static inline int siov_idxd_wq_vector(struct siov_idxd_wq *wq)
{
	return wq->id + 1 < wq->idxd->num_vectors ? wq->id + 1 : -ENOSPC;
}

int siov_idxd_setup_irqs(struct siov_idxd *idxd);
void siov_idxd_free_irqs(struct siov_idxd *idxd);
void siov_idxd_read_swerr(struct siov_idxd *idxd);

static inline void siov_idxd_set_cmd_status(struct siov_idxd *idxd,
					    u32 status)
{
	WRITE_ONCE(idxd->cmd_status, status);
}

/* reset.c */
extern const struct pci_error_handlers siov_idxd_err_handlers;

/* sysfs.c */
extern const struct device_type siov_dsa_device_type;
extern const struct device_type siov_group_device_type;
extern const struct device_type siov_engine_device_type;
extern const struct device_type siov_wq_device_type;

#endif /* _SIOV_IDXD_DEVICE_H */
