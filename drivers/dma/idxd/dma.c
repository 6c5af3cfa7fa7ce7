// SPDX-License-Identifier: GPL-2.0
/*
 * The host's WQs through the DMA API: the "dmaengine" driver on the dsa
 * bus turns each kernel WQ bound to it into a dma_device with one private
 * channel (memcpy and memset).
 *
 * Descriptors come from a pool of wq->size entries, so a dedicated WQ can
 * never be overrun and MOVDIR64B needs no flow control; a shared WQ is fed
 * with ENQCMDS, retried enqcmds_retries times when the device says the WQ
 * is full. A descriptor goes to the device in tx_submit (issue_pending has
 * nothing left to start). Completion records are reaped after the WQ's
 * MSI-X interrupt (in a BH work item) and by tx_status, so a client that
 * polls (dmatest polled=1, dma_sync_wait()) needs no interrupt at all.
 *
 * Engines may complete descriptors out of order; the channel's completed
 * cookie is kept one below the oldest descriptor still in flight, so the
 * in-order cookie status dmaengine clients rely on stays true.
 *
 * On unbind the channel is marked dead (new descriptors are refused), the
 * WQ is drained and disabled, descriptors the device never completed are
 * failed with DMA_TRANS_ABORTED, and the dma_device is unregistered. It is
 * freed by its release callback once the last client lets go.
 */
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <uapi/linux/idxd.h>

#include "device.h"
/* drivers/dma/dmaengine.h: the cookie and callback helpers. */
#include "dmaengine.h"

/* The DSA completion record is 32 bytes and must be 32-byte aligned. */
#define SIOV_COMP_SIZE		32

struct siov_dma_desc {
	struct dsa_hw_desc hw;
	struct dma_async_tx_descriptor txd;
	struct dsa_completion_record *comp;
	dma_addr_t comp_dma;
	struct list_head node;
};

struct siov_dma {
	struct dma_device ddev;
	struct dma_chan chan;
	struct siov_idxd_wq *wq;
	void __iomem *portal;
	bool dedicated;
	unsigned int enqcmds_retries;
	/* Shared WQs only: the kernel PASID descriptors carry, privileged. */
	u32 pasid;
	u32 base_flags;
	int vector;
	int irq;
	/* Reaps completions after the WQ's interrupt, in BH context. */
	struct work_struct reap_work;

	/* Protects the lists, @dead and the channel's completed cookie. */
	spinlock_t lock;
	struct list_head free;
	/* Submitted descriptors, oldest (lowest cookie) first. */
	struct list_head inflight;
	bool dead;

	struct siov_dma_desc *descs;
	unsigned int ndescs;
	void *comp_area;
	dma_addr_t comp_area_dma;

	/* On siov_dma_retired once the dma_device is released. */
	struct list_head retired;
};

/*
 * The dma_device's release callback can run inside dma_release_channel(),
 * which still touches the channel after dropping the last reference; the
 * channel is embedded here, so released objects are parked and only freed
 * when the module goes, once no client can hold a channel of ours.
 */
static LIST_HEAD(siov_dma_retired);
static DEFINE_SPINLOCK(siov_dma_retired_lock);

static struct siov_dma *chan_to_dma(struct dma_chan *chan)
{
	return container_of(chan, struct siov_dma, chan);
}

static struct siov_dma_desc *txd_to_desc(struct dma_async_tx_descriptor *txd)
{
	return container_of(txd, struct siov_dma_desc, txd);
}

static struct device *siov_dma_pdev(struct siov_dma *dma)
{
	return idxd_dev(dma->wq->idxd);
}

/* Everything before the oldest descriptor still in flight is complete. */
static void siov_dma_update_completed(struct siov_dma *dma)
{
	struct siov_dma_desc *oldest;
	dma_cookie_t cookie;

	lockdep_assert_held(&dma->lock);
	oldest = list_first_entry_or_null(&dma->inflight,
					  struct siov_dma_desc, node);
	if (!oldest) {
		dma->chan.completed_cookie = dma->chan.cookie;
		return;
	}
	cookie = oldest->txd.cookie - 1;
	/* dma_cookie_assign() wraps from INT_MAX to DMA_MIN_COOKIE. */
	if (cookie < DMA_MIN_COOKIE)
		cookie = INT_MAX;
	dma->chan.completed_cookie = cookie;
}

static enum dmaengine_tx_result siov_dma_result(struct siov_dma *dma,
						struct siov_dma_desc *d)
{
	struct dsa_completion_record *comp = d->comp;
	u8 status = comp->status & DSA_COMP_STATUS_MASK;

	if (status == DSA_COMP_SUCCESS)
		return DMA_TRANS_NOERROR;
	dev_err_ratelimited(&dma->wq->sdev.dev,
			    "descriptor op %#x failed: status %#x, %u bytes done, fault address %#llx\n",
			    d->hw.opcode, status, comp->bytes_completed,
			    comp->fault_addr);
	/* Status bit 7 or fault info bit 0 says the fault was a write. */
	if (status == DSA_COMP_PAGE_FAULT_NOBOF)
		return (comp->status & DSA_COMP_STATUS_WRITE) ||
		       (comp->fault_info & BIT(0)) ?
		       DMA_TRANS_WRITE_FAILED : DMA_TRANS_READ_FAILED;
	return DMA_TRANS_ABORTED;
}

/*
 * Return finished descriptors to the pool and run their callbacks, with no
 * lock held: a callback may submit the next descriptor at once.
 */
static void siov_dma_finish(struct siov_dma *dma, struct list_head *done,
			    bool aborted)
{
	struct siov_dma_desc *d, *n;
	struct dmaengine_desc_callback cb;
	struct dmaengine_result res = {};
	unsigned long flags;

	list_for_each_entry_safe(d, n, done, node) {
		res.result = aborted ? DMA_TRANS_ABORTED :
				       siov_dma_result(dma, d);
		res.residue = 0;
		dmaengine_desc_get_callback(&d->txd, &cb);
		dma_descriptor_unmap(&d->txd);
		spin_lock_irqsave(&dma->lock, flags);
		list_move(&d->node, &dma->free);
		spin_unlock_irqrestore(&dma->lock, flags);
		dmaengine_desc_callback_invoke(&cb, &res);
	}
}

/* Collect every descriptor whose completion record the device wrote. */
static void siov_dma_reap(struct siov_dma *dma)
{
	struct siov_dma_desc *d, *n;
	unsigned long flags;
	LIST_HEAD(done);

	spin_lock_irqsave(&dma->lock, flags);
	list_for_each_entry_safe(d, n, &dma->inflight, node)
		if (READ_ONCE(d->comp->status))
			list_move_tail(&d->node, &done);
	siov_dma_update_completed(dma);
	spin_unlock_irqrestore(&dma->lock, flags);

	/* The status byte is written last; read the rest after it. */
	dma_rmb();
	siov_dma_finish(dma, &done, false);
}

static void siov_dma_reap_work(struct work_struct *work)
{
	siov_dma_reap(container_of(work, struct siov_dma, reap_work));
}

/*
 * Callbacks must not run in hard interrupt context; a BH work item runs
 * them as soon as the interrupt returns, without the scheduler round trip
 * of a threaded handler (per descriptor, that is most of the latency).
 */
static irqreturn_t siov_dma_irq(int irq, void *data)
{
	struct siov_dma *dma = data;

	queue_work(system_bh_highpri_wq, &dma->reap_work);
	return IRQ_HANDLED;
}

static int siov_dma_push(struct siov_dma *dma, struct siov_dma_desc *d)
{
	unsigned int i;

	/* The descriptor and the client's buffers before the doorbell. */
	wmb();
	if (dma->dedicated) {
		movdir64b_io(dma->portal, &d->hw);
		return 0;
	}
	for (i = 0; i <= dma->enqcmds_retries; i++)
		if (!enqcmds(dma->portal, &d->hw))
			return 0;
	return -EAGAIN;
}

static dma_cookie_t siov_dma_tx_submit(struct dma_async_tx_descriptor *txd)
{
	struct siov_dma *dma = chan_to_dma(txd->chan);
	struct siov_dma_desc *d = txd_to_desc(txd);
	dma_cookie_t cookie;
	unsigned long flags;
	int rc;

	spin_lock_irqsave(&dma->lock, flags);
	rc = dma->dead ? -ENODEV : siov_dma_push(dma, d);
	if (rc) {
		list_add(&d->node, &dma->free);
		spin_unlock_irqrestore(&dma->lock, flags);
		dev_err_ratelimited(&dma->wq->sdev.dev,
				    "descriptor not submitted: %d\n", rc);
		return rc;
	}
	/* Under the lock, so no completion is seen before its cookie. */
	cookie = dma_cookie_assign(txd);
	list_add_tail(&d->node, &dma->inflight);
	spin_unlock_irqrestore(&dma->lock, flags);
	return cookie;
}

/*
 * Fill a free descriptor for @opcode. @operand is the source address of a
 * memmove, the pattern of a fill: the same descriptor field.
 */
static struct dma_async_tx_descriptor *
siov_dma_prep(struct dma_chan *chan, u8 opcode, dma_addr_t dst, u64 operand,
	      size_t len, unsigned long flags)
{
	struct siov_dma *dma = chan_to_dma(chan);
	struct siov_dma_desc *d;
	unsigned long irqflags;
	u32 hwflags;

	if (len > dma->wq->max_xfer_bytes)
		return NULL;

	spin_lock_irqsave(&dma->lock, irqflags);
	d = dma->dead ? NULL : list_first_entry_or_null(&dma->free,
							struct siov_dma_desc,
							node);
	if (d)
		list_del_init(&d->node);
	spin_unlock_irqrestore(&dma->lock, irqflags);
	if (!d)
		return NULL;

	hwflags = dma->base_flags;
	if ((flags & DMA_PREP_INTERRUPT) && dma->irq > 0)
		hwflags |= IDXD_OP_FLAG_RCI;
	memset(&d->hw, 0, sizeof(d->hw));
	if (!dma->dedicated) {
		d->hw.pasid = dma->pasid;
		d->hw.priv = 1;
	}
	d->hw.opcode = opcode;
	d->hw.flags = hwflags;
	d->hw.completion_addr = d->comp_dma;
	d->hw.src_addr = operand;
	d->hw.dst_addr = dst;
	d->hw.xfer_size = len;
	d->hw.int_handle = dma->vector;
	memset(d->comp, 0, SIOV_COMP_SIZE);

	/* No callback or unmap data of the descriptor's last user. */
	memset(&d->txd, 0, sizeof(d->txd));
	dma_async_tx_descriptor_init(&d->txd, &dma->chan);
	d->txd.flags = flags;
	d->txd.tx_submit = siov_dma_tx_submit;
	return &d->txd;
}

static struct dma_async_tx_descriptor *
siov_dma_prep_memcpy(struct dma_chan *chan, dma_addr_t dst, dma_addr_t src,
		     size_t len, unsigned long flags)
{
	return siov_dma_prep(chan, DSA_OPCODE_MEMMOVE, dst, src, len, flags);
}

/* dmaengine fills bytes; the device repeats an 8-byte pattern. */
static struct dma_async_tx_descriptor *
siov_dma_prep_memset(struct dma_chan *chan, dma_addr_t dst, int value,
		     size_t len, unsigned long flags)
{
	return siov_dma_prep(chan, DSA_OPCODE_MEMFILL, dst,
			     0x0101010101010101ULL * (u8)value, len, flags);
}

static void siov_dma_issue_pending(struct dma_chan *chan)
{
	/* tx_submit already gave every descriptor to the device. */
}

static enum dma_status siov_dma_tx_status(struct dma_chan *chan,
					  dma_cookie_t cookie,
					  struct dma_tx_state *state)
{
	enum dma_status status;

	status = dma_cookie_status(chan, cookie, state);
	if (status == DMA_COMPLETE)
		return status;
	siov_dma_reap(chan_to_dma(chan));
	return dma_cookie_status(chan, cookie, state);
}

/*
 * Nothing can be recalled from the device short of aborting the whole
 * WQ; the descriptors stay in flight and are reaped as usual, but their
 * callbacks are dropped as terminate_all promises.
 */
static int siov_dma_terminate_all(struct dma_chan *chan)
{
	struct siov_dma *dma = chan_to_dma(chan);
	struct siov_dma_desc *d;
	unsigned long flags;

	spin_lock_irqsave(&dma->lock, flags);
	list_for_each_entry(d, &dma->inflight, node) {
		d->txd.callback = NULL;
		d->txd.callback_result = NULL;
	}
	spin_unlock_irqrestore(&dma->lock, flags);
	return 0;
}

static void siov_dma_synchronize(struct dma_chan *chan)
{
	struct siov_dma *dma = chan_to_dma(chan);

	if (dma->irq > 0 && !READ_ONCE(dma->dead)) {
		synchronize_irq(dma->irq);
		flush_work(&dma->reap_work);
	}
}

static int siov_dma_alloc_chan_resources(struct dma_chan *chan)
{
	struct siov_dma *dma = chan_to_dma(chan);

	if (READ_ONCE(dma->dead))
		return -ENODEV;
	siov_idxd_wq_add_client(dma->wq, 1);
	dma_cookie_init(chan);
	return dma->ndescs;
}

static void siov_dma_free_chan_resources(struct dma_chan *chan)
{
	siov_idxd_wq_add_client(chan_to_dma(chan)->wq, -1);
}

/* The last reference to the dma_device is gone: clients included. */
static void siov_dma_release(struct dma_device *ddev)
{
	struct siov_dma *dma = container_of(ddev, struct siov_dma, ddev);

	put_device(&dma->wq->sdev.dev);
	dma->wq = NULL;
	spin_lock(&siov_dma_retired_lock);
	list_add_tail(&dma->retired, &siov_dma_retired);
	spin_unlock(&siov_dma_retired_lock);
}

/**
 * siov_idxd_dma_exit() - free the released channels
 *
 * Called at module exit, when no channel of this module can be in use.
 */
void siov_idxd_dma_exit(void)
{
	struct siov_dma *dma, *n;

	list_for_each_entry_safe(dma, n, &siov_dma_retired, retired)
		kfree(dma);
	INIT_LIST_HEAD(&siov_dma_retired);
}

static int siov_dma_alloc_pool(struct siov_dma *dma)
{
	struct device *dev = siov_dma_pdev(dma);
	unsigned int i;

	dma->ndescs = dma->wq->size;
	dma->descs = kcalloc_node(dma->ndescs, sizeof(*dma->descs),
				  GFP_KERNEL, dev_to_node(dev));
	if (!dma->descs)
		return -ENOMEM;
	dma->comp_area = dma_alloc_coherent(dev, dma->ndescs * SIOV_COMP_SIZE,
					    &dma->comp_area_dma, GFP_KERNEL);
	if (!dma->comp_area) {
		kfree(dma->descs);
		return -ENOMEM;
	}
	for (i = 0; i < dma->ndescs; i++) {
		struct siov_dma_desc *d = &dma->descs[i];

		d->comp = dma->comp_area + i * SIOV_COMP_SIZE;
		d->comp_dma = dma->comp_area_dma + i * SIOV_COMP_SIZE;
		list_add_tail(&d->node, &dma->free);
	}
	return 0;
}

/* The memory the device writes completion records to, once detached. */
struct siov_dma_pool {
	struct device *dev;
	size_t size;
	void *comp_area;
	dma_addr_t comp_area_dma;
	struct siov_dma_desc *descs;
};

static void siov_dma_release_pool(void *data)
{
	struct siov_dma_pool *pool = data;

	dma_free_coherent(pool->dev, pool->size, pool->comp_area,
			  pool->comp_area_dma);
	kfree(pool->descs);
	kfree(pool);
}

/*
 * Freed at once if the device confirmed the WQ stopped, else once a reset
 * has: until then the device may still write completion records there.
 */
static void siov_dma_free_pool(struct siov_dma *dma)
{
	struct siov_dma_pool *pool = kmalloc(sizeof(*pool), GFP_KERNEL);

	if (pool) {
		*pool = (struct siov_dma_pool) {
			.dev = siov_dma_pdev(dma),
			.size = dma->ndescs * SIOV_COMP_SIZE,
			.comp_area = dma->comp_area,
			.comp_area_dma = dma->comp_area_dma,
			.descs = dma->descs,
		};
		if (!siov_idxd_quarantine_memory(dma->wq->idxd,
						 siov_dma_release_pool, pool))
			siov_dma_release_pool(pool);
	} else if (!siov_idxd_stop_unconfirmed(dma->wq->idxd)) {
		dma_free_coherent(siov_dma_pdev(dma),
				  dma->ndescs * SIOV_COMP_SIZE, dma->comp_area,
				  dma->comp_area_dma);
		kfree(dma->descs);
	} else {
		dev_warn(&dma->wq->sdev.dev,
			 "no memory to quarantine the descriptor pool: leaking it\n");
	}
	dma->descs = NULL;
	dma->comp_area = NULL;
	INIT_LIST_HEAD(&dma->free);
}

static void siov_dma_init_device(struct siov_dma *dma)
{
	struct dma_device *ddev = &dma->ddev;

	dma_cap_set(DMA_MEMCPY, ddev->cap_mask);
	dma_cap_set(DMA_MEMSET, ddev->cap_mask);
	/* Only clients that ask for a channel get one, never async_tx. */
	dma_cap_set(DMA_PRIVATE, ddev->cap_mask);
	ddev->dev = siov_dma_pdev(dma);
	ddev->device_alloc_chan_resources = siov_dma_alloc_chan_resources;
	ddev->device_free_chan_resources = siov_dma_free_chan_resources;
	ddev->device_prep_dma_memcpy = siov_dma_prep_memcpy;
	ddev->device_prep_dma_memset = siov_dma_prep_memset;
	ddev->device_issue_pending = siov_dma_issue_pending;
	ddev->device_tx_status = siov_dma_tx_status;
	ddev->device_terminate_all = siov_dma_terminate_all;
	ddev->device_synchronize = siov_dma_synchronize;
	ddev->device_release = siov_dma_release;
	INIT_LIST_HEAD(&ddev->channels);
	dma->chan.device = ddev;
	list_add_tail(&dma->chan.device_node, &ddev->channels);
}

/* Where descriptors go and what they carry. */
static int siov_dma_init_submission(struct siov_dma *dma)
{
	struct siov_idxd_wq *wq = dma->wq;
	struct siov_idxd *idxd = wq->idxd;
	int rc = 0;

	dma->portal = siov_idxd_wq_portal(wq);
	dma->dedicated = wq->dedicated;
	dma->enqcmds_retries = wq->enqcmds_retries;
	dma->base_flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	if (idxd->caps.gencap & IDXD_GENCAP_CACHE_CTRL_CACHE)
		dma->base_flags |= IDXD_OP_FLAG_CC;

	if (!dma->dedicated) {
		scoped_guard(mutex, &idxd->lock)
			rc = siov_idxd_get_kernel_pasid(idxd, &dma->pasid);
		if (rc) {
			siov_idxd_set_cmd_status(idxd, IDXD_SCMD_WQ_NO_SVM);
			return rc;
		}
	}

	dma->vector = siov_idxd_wq_vector(wq);
	dma->irq = dma->vector < 0 ? 0 :
		   pci_irq_vector(idxd->pdev, dma->vector);
	if (dma->irq < 0)
		return dma->irq;
	if (!dma->irq)
		dma->vector = 0;
	return 0;
}

/* Fail what the device will never complete; the channel is dead. */
static void siov_dma_abort_inflight(struct siov_dma *dma)
{
	unsigned long flags;
	LIST_HEAD(done);

	spin_lock_irqsave(&dma->lock, flags);
	list_splice_init(&dma->inflight, &done);
	siov_dma_update_completed(dma);
	spin_unlock_irqrestore(&dma->lock, flags);
	if (!list_empty(&done))
		dev_warn(&dma->wq->sdev.dev,
			 "failing descriptors the device did not complete\n");
	siov_dma_finish(dma, &done, true);
}

static int siov_dma_probe(struct siov_idxd_dev *sdev)
{
	struct siov_idxd_wq *wq = container_of(sdev, struct siov_idxd_wq, sdev);
	struct device *dev = &sdev->dev;
	struct siov_dma *dma;
	int rc;

	if (wq->type != SIOV_WQT_KERNEL) {
		dev_warn(dev, "dmaengine serves kernel WQs; type is not kernel\n");
		return -EINVAL;
	}
	/* wq->dedicated cannot change while bound, nor during probe */
	if (!siov_idxd_cpu_can_submit(wq->dedicated)) {
		dev_warn(dev, "the CPU lacks %s: it cannot submit to a %s WQ\n",
			 wq->dedicated ? "MOVDIR64B" : "ENQCMDS",
			 wq->dedicated ? "dedicated" : "shared");
		siov_idxd_set_cmd_status(wq->idxd, IDXD_SCMD_WQ_PORTAL_ERR);
		return -EOPNOTSUPP;
	}

	dma = kzalloc_node(sizeof(*dma), GFP_KERNEL, dev_to_node(dev));
	if (!dma)
		return -ENOMEM;
	dma->wq = wq;
	spin_lock_init(&dma->lock);
	INIT_WORK(&dma->reap_work, siov_dma_reap_work);
	INIT_LIST_HEAD(&dma->free);
	INIT_LIST_HEAD(&dma->inflight);

	rc = siov_dma_init_submission(dma);
	if (rc)
		goto err_free;
	/* First: it refuses WQs without group or size, with the reason. */
	rc = siov_idxd_wq_enable(wq, &(struct siov_idxd_wq_run) {
		.dedicated = dma->dedicated, .priv = true,
		.pasid = IOMMU_NO_PASID });
	if (rc)
		goto err_free;
	rc = siov_dma_alloc_pool(dma);
	if (rc) {
		siov_idxd_set_cmd_status(wq->idxd, IDXD_SCMD_WQ_RES_ALLOC_ERR);
		goto err_disable;
	}
	if (dma->irq) {
		rc = request_irq(dma->irq, siov_dma_irq, 0, dev_name(dev),
				 dma);
		if (rc) {
			siov_idxd_set_cmd_status(wq->idxd,
						 IDXD_SCMD_WQ_IRQ_ERR);
			goto err_pool;
		}
	}

	siov_dma_init_device(dma);
	get_device(dev);
	rc = dma_async_device_register(&dma->ddev);
	if (rc) {
		put_device(dev);
		siov_idxd_set_cmd_status(wq->idxd, IDXD_SCMD_DMA_CHAN_ERR);
		goto err_irq;
	}
	dev_set_drvdata(dev, dma);
	dev_info(dev, "dmaengine channel %s: %s, %u descriptors, %s%d\n",
		 dma_chan_name(&dma->chan),
		 dma->dedicated ? "dedicated (MOVDIR64B)" : "shared (ENQCMDS)",
		 dma->ndescs, dma->irq ? "MSI-X vector " : "polled, ",
		 dma->vector);
	return 0;

err_irq:
	if (dma->irq) {
		free_irq(dma->irq, dma);
		cancel_work_sync(&dma->reap_work);
	}
err_pool:
	siov_dma_free_pool(dma);
err_disable:
	siov_idxd_wq_disable(wq, false);
err_free:
	kfree(dma);
	return rc;
}

static void siov_dma_remove(struct siov_idxd_dev *sdev)
{
	struct siov_dma *dma = dev_get_drvdata(&sdev->dev);
	unsigned long flags;

	spin_lock_irqsave(&dma->lock, flags);
	dma->dead = true;
	spin_unlock_irqrestore(&dma->lock, flags);

	/*
	 * Drain: whatever the device holds completes before this returns.
	 * If the device does not confirm it, what is in flight is failed all
	 * the same and the pool waits for the device's reset.
	 */
	siov_idxd_wq_disable(dma->wq, false);
	if (dma->irq) {
		free_irq(dma->irq, dma);
		cancel_work_sync(&dma->reap_work);
	}
	siov_dma_reap(dma);
	siov_dma_abort_inflight(dma);
	siov_dma_free_pool(dma);
	dev_set_drvdata(&sdev->dev, NULL);
	/* May free dma through siov_dma_release(). */
	dma_async_device_unregister(&dma->ddev);
}

static const enum siov_idxd_dev_type siov_dma_types[] = {
	SIOV_IDXD_DEV_WQ,
	SIOV_IDXD_DEV_NONE,
};

struct siov_idxd_driver siov_idxd_dma_driver = {
	.name = "dmaengine",
	.types = siov_dma_types,
	.probe = siov_dma_probe,
	.remove = siov_dma_remove,
};
