// SPDX-License-Identifier: GPL-2.0
/*
 * What the driver does when the device does not confirm that work stopped.
 *
 * A PASID, an IMS slot or memory the device writes to goes to its next
 * owner only once the device has confirmed that nothing can use it any
 * more: a successful Disable, Drain or Abort of the work that used it, or
 * a device reset. When such a command fails or times out, or a command
 * cannot even be issued because the previous one is still active, the
 * driver no longer knows what the device runs. It then:
 *
 *  - marks the device stop_unconfirmed: no WQ is enabled until a reset;
 *  - keeps what is freed from then on (PASIDs, IMS vectors, DMA memory of
 *    the WQ drivers) on a quarantine list instead of handing it back;
 *  - resets the PCI function (recover_work), through the path a sysfs
 *    reset takes: WQ drivers are unbound, the device is reset and comes
 *    back disabled with its configuration kept.
 *
 * A successful device reset (siov_idxd_reset()) is the confirmation: the
 * quarantine is released then. If no reset succeeds, the entries stay
 * until the PCI driver unbinds, when bus mastering is off.
 *
 * /sys/kernel/debug/idxd_siov/dsaN/quarantine shows the state.
 */
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "device.h"

/* A reset attempt found the PCI device locked: try again this much later. */
#define SIOV_RECOVER_RETRY_MS	100

enum siov_quarantine_kind {
	SIOV_Q_PASID,
	SIOV_Q_IMS,
	SIOV_Q_MEMORY,
};

struct siov_quarantined {
	struct list_head next;
	enum siov_quarantine_kind kind;
	ioasid_t pasid;
	struct msi_map map;
	void (*release)(void *data);
	void *data;
};

static struct dentry *siov_debugfs_root;

static void siov_recover_work(struct work_struct *work)
{
	struct siov_idxd *idxd = container_of(to_delayed_work(work),
					      struct siov_idxd, recover_work);
	int rc;

	/* a reset in the meantime (halt recovery, sysfs) confirmed it */
	if (!siov_idxd_stop_unconfirmed(idxd))
		return;
	/* runs the driver's reset_prepare/reset_done (reset.c) */
	rc = pci_try_reset_function(idxd->pdev);
	if (rc == -EAGAIN) {
		/* the driver is unbinding (its own reset confirms) or busy */
		schedule_delayed_work(&idxd->recover_work,
				      msecs_to_jiffies(SIOV_RECOVER_RETRY_MS));
		return;
	}
	if (rc)
		dev_err(idxd_dev(idxd),
			"%s: function reset failed (%d): quarantined PASIDs and IMS entries stay until the driver unbinds\n",
			dev_name(&idxd->sdev.dev), rc);
}

/**
 * siov_idxd_quarantine_init() - set up the quarantine of a device
 * @idxd: the device, not yet visible
 */
void siov_idxd_quarantine_init(struct siov_idxd *idxd)
{
	INIT_LIST_HEAD(&idxd->quarantine);
	spin_lock_init(&idxd->quarantine_lock);
	INIT_DELAYED_WORK(&idxd->recover_work, siov_recover_work);
}

/**
 * siov_idxd_escalate() - the device did not confirm a command
 * @idxd: the device
 * @cmd: the command's name
 * @how: what went wrong ("failed", "timed out", ...)
 *
 * Marks the device stop_unconfirmed and, the first time, schedules the
 * function reset that ends it. Any context that may sleep.
 */
void siov_idxd_escalate(struct siov_idxd *idxd, const char *cmd,
			const char *how)
{
	bool first;

	spin_lock(&idxd->quarantine_lock);
	first = !idxd->stop_unconfirmed;
	idxd->stop_unconfirmed = true;
	spin_unlock(&idxd->quarantine_lock);
	if (!first)
		return;
	dev_err(idxd_dev(idxd),
		"%s: command %s %s: the device may still run work it was told to stop; quarantining PASIDs and IMS entries and resetting the function\n",
		dev_name(&idxd->sdev.dev), cmd, how);
	schedule_delayed_work(&idxd->recover_work, 0);
}

/**
 * siov_idxd_stop_unconfirmed() - whether the device awaits a reset
 * @idxd: the device
 *
 * Return: true between siov_idxd_escalate() and the next successful reset.
 */
bool siov_idxd_stop_unconfirmed(struct siov_idxd *idxd)
{
	bool ret;

	spin_lock(&idxd->quarantine_lock);
	ret = idxd->stop_unconfirmed;
	spin_unlock(&idxd->quarantine_lock);
	return ret;
}

/*
 * Keep @q until the device is reset, if it must wait. Return: true if
 * the quarantine took it (the caller must not release it), else false.
 */
static bool siov_quarantine(struct siov_idxd *idxd, struct siov_quarantined *q)
{
	struct siov_quarantined *copy = kmemdup(q, sizeof(*q), GFP_KERNEL);
	bool held;

	spin_lock(&idxd->quarantine_lock);
	held = idxd->stop_unconfirmed;
	if (held && copy) {
		list_add_tail(&copy->next, &idxd->quarantine);
		idxd->quarantined_total++;
		spin_unlock(&idxd->quarantine_lock);
		return true;
	}
	spin_unlock(&idxd->quarantine_lock);
	kfree(copy);
	/* no memory to remember it: never hand it out again */
	if (held)
		dev_warn(idxd_dev(idxd),
			 "%s: no memory to quarantine a resource: leaking it\n",
			 dev_name(&idxd->sdev.dev));
	return held;
}

/**
 * siov_idxd_quarantine_pasid() - keep a freed PASID until the next reset
 * @idxd: the device the PASID was used on
 * @pasid: the PASID
 *
 * Return: true if it is kept (and freed by the quarantine later); false
 * if the device confirmed its work stopped and the caller frees it now.
 */
bool siov_idxd_quarantine_pasid(struct siov_idxd *idxd, ioasid_t pasid)
{
	struct siov_quarantined q = { .kind = SIOV_Q_PASID, .pasid = pasid };

	return siov_quarantine(idxd, &q);
}

/**
 * siov_idxd_quarantine_ims() - keep a freed IMS vector until the next reset
 * @idxd: the device
 * @map: the vector; free_irq() has been called, the slot is masked
 *
 * The slot stays allocated, so nobody else is given it or its handle.
 *
 * Return: as siov_idxd_quarantine_pasid().
 */
bool siov_idxd_quarantine_ims(struct siov_idxd *idxd, struct msi_map map)
{
	struct siov_quarantined q = { .kind = SIOV_Q_IMS, .map = map };

	return siov_quarantine(idxd, &q);
}

/**
 * siov_idxd_quarantine_memory() - keep memory the device writes to
 * @idxd: the device
 * @release: frees it once the device is reset
 * @data: passed to @release
 *
 * Return: as siov_idxd_quarantine_pasid().
 */
bool siov_idxd_quarantine_memory(struct siov_idxd *idxd,
				 void (*release)(void *data), void *data)
{
	struct siov_quarantined q = {
		.kind = SIOV_Q_MEMORY, .release = release, .data = data,
	};

	return siov_quarantine(idxd, &q);
}

static void siov_release_quarantined(struct siov_idxd *idxd,
				     struct list_head *list)
{
	struct siov_quarantined *q, *tmp;
	unsigned long n = 0;

	list_for_each_entry_safe(q, tmp, list, next) {
		switch (q->kind) {
		case SIOV_Q_PASID:
			iommu_free_global_pasid(q->pasid);
			break;
		case SIOV_Q_IMS:
			ims_array_free_irq(idxd->pdev, q->map);
			atomic_dec(&idxd->ims_in_use);
			break;
		case SIOV_Q_MEMORY:
			q->release(q->data);
			break;
		}
		list_del(&q->next);
		kfree(q);
		n++;
	}
	if (!n)
		return;
	spin_lock(&idxd->quarantine_lock);
	idxd->released_total += n;
	spin_unlock(&idxd->quarantine_lock);
	dev_info(idxd_dev(idxd), "%s: released %lu quarantined resources\n",
		 dev_name(&idxd->sdev.dev), n);
}

/**
 * siov_idxd_reset_confirmed() - a device reset succeeded
 * @idxd: the device; caller holds idxd->lock
 *
 * Nothing runs on the device any more: what was quarantined is released
 * and WQs may be enabled again.
 */
void siov_idxd_reset_confirmed(struct siov_idxd *idxd)
{
	LIST_HEAD(list);

	lockdep_assert_held(&idxd->lock);
	spin_lock(&idxd->quarantine_lock);
	idxd->stop_unconfirmed = false;
	list_splice_init(&idxd->quarantine, &list);
	spin_unlock(&idxd->quarantine_lock);
	siov_release_quarantined(idxd, &list);
}

/**
 * siov_idxd_quarantine_exit() - the PCI driver unbinds
 * @idxd: the device, reset if it could be, bus mastering off
 *
 * No recovery runs after this; whatever is still quarantined is released:
 * a device that cannot master the bus uses none of it.
 */
void siov_idxd_quarantine_exit(struct siov_idxd *idxd)
{
	LIST_HEAD(list);

	cancel_delayed_work_sync(&idxd->recover_work);
	spin_lock(&idxd->quarantine_lock);
	idxd->stop_unconfirmed = false;
	list_splice_init(&idxd->quarantine, &list);
	spin_unlock(&idxd->quarantine_lock);
	siov_release_quarantined(idxd, &list);
	debugfs_remove_recursive(idxd->debugfs);
	idxd->debugfs = NULL;
}

static int siov_quarantine_show(struct seq_file *m, void *unused)
{
	struct siov_idxd *idxd = m->private;
	struct siov_quarantined *q;

	spin_lock(&idxd->quarantine_lock);
	seq_printf(m, "stop_unconfirmed: %d\nquarantined: %lu\nreleased: %lu\n",
		   idxd->stop_unconfirmed, idxd->quarantined_total,
		   idxd->released_total);
	list_for_each_entry(q, &idxd->quarantine, next) {
		switch (q->kind) {
		case SIOV_Q_PASID:
			seq_printf(m, "pasid %u\n", q->pasid);
			break;
		case SIOV_Q_IMS:
			seq_printf(m, "ims %d\n", q->map.index);
			break;
		case SIOV_Q_MEMORY:
			seq_puts(m, "memory\n");
			break;
		}
	}
	spin_unlock(&idxd->quarantine_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(siov_quarantine);

/**
 * siov_idxd_debugfs_add() - the device's debugfs directory
 * @idxd: the device, named
 */
void siov_idxd_debugfs_add(struct siov_idxd *idxd)
{
	idxd->debugfs = debugfs_create_dir(dev_name(&idxd->sdev.dev),
					   siov_debugfs_root);
	debugfs_create_file("quarantine", 0400, idxd->debugfs, idxd,
			    &siov_quarantine_fops);
}

/** siov_idxd_debugfs_init() - /sys/kernel/debug/idxd_siov, at module load */
void siov_idxd_debugfs_init(void)
{
	siov_debugfs_root = debugfs_create_dir("idxd_siov", NULL);
}

/** siov_idxd_debugfs_exit() - remove it, at module unload */
void siov_idxd_debugfs_exit(void)
{
	debugfs_remove_recursive(siov_debugfs_root);
}
