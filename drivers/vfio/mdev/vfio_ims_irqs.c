// SPDX-License-Identifier: GPL-2.0
/*
 * MSI-X of a mediated PCI device, as VFIO presents it to a VMM: every
 * vector is an eventfd. An emulated vector is signalled by the driver
 * (vfio_ims_irqs_signal()); a vector backed by a host interrupt (an IMS
 * entry of the parent, programmed with the device's PASID) gets a handler
 * on that interrupt while it has an eventfd, so the entry stays masked in
 * hardware whenever nobody listens. The request interrupt tells the VMM
 * the device is being taken away (vfio_device_ops.request).
 *
 * A VMM may mask vectors (SET_IRQS ACTION_MASK/UNMASK, or the driver's
 * vfio_ims_irqs_mask()): an interrupt of a masked vector is held pending
 * (vfio_ims_irqs_pending(), for a PBA) and delivered at unmask, as MSI-X
 * requires. The host interrupt stays enabled meanwhile: the IMS entry is
 * masked in hardware only while the vector has no eventfd, and then the
 * entry holds what comes in. An interrupt that reaches the handler while
 * the vector has no eventfd (in the middle of a SET_IRQS) is held too,
 * and delivered when the vector gets one; release drops it.
 */
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "vfio_ims_irqs.h"

/**
 * vfio_ims_irqs_init() - set up the interrupts of a mediated device
 * @irqs: the state to set up
 * @dev_name: the device's name; must outlive @irqs
 * @nvec: MSI-X vectors; all emulated until vfio_ims_irqs_set_host_irq()
 *
 * Return: 0, -EINVAL for no vector, or -ENOMEM.
 */
int vfio_ims_irqs_init(struct vfio_ims_irqs *irqs, const char *dev_name,
		       unsigned int nvec)
{
	if (!nvec)
		return -EINVAL;
	irqs->vecs = kcalloc(nvec, sizeof(*irqs->vecs), GFP_KERNEL);
	if (!irqs->vecs)
		return -ENOMEM;
	irqs->nvec = nvec;
	irqs->dev_name = dev_name;
	irqs->req_trigger = NULL;
	mutex_init(&irqs->lock);
	spin_lock_init(&irqs->trigger_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_ims_irqs_init);

/*
 * Deliver a vector's interrupt, or hold it while masked or while it has
 * no eventfd: a VMM that re-creates its vectors (QEMU drops the whole
 * MSI-X index and sets it again when the guest unmasks a new vector)
 * gets what came in between once the eventfd is back. Any context.
 */
static bool vfio_ims_irqs_fire_vector(struct vfio_ims_irqs *irqs,
				      struct vfio_ims_vector *vec)
{
	unsigned long flags;
	bool sent = false;

	spin_lock_irqsave(&irqs->trigger_lock, flags);
	if (vec->masked || !vec->trigger) {
		vec->pending = true;
	} else {
		eventfd_signal(vec->trigger);
		sent = true;
	}
	spin_unlock_irqrestore(&irqs->trigger_lock, flags);
	return sent;
}

/* Deliver what a vector holds if it can now; any context. */
static void vfio_ims_irqs_flush_pending(struct vfio_ims_irqs *irqs,
					struct vfio_ims_vector *vec)
{
	unsigned long flags;

	spin_lock_irqsave(&irqs->trigger_lock, flags);
	if (vec->pending && !vec->masked && vec->trigger) {
		vec->pending = false;
		eventfd_signal(vec->trigger);
	}
	spin_unlock_irqrestore(&irqs->trigger_lock, flags);
}

static irqreturn_t vfio_ims_irqs_handler(int irq, void *data)
{
	struct vfio_ims_irqs *irqs = data;
	unsigned int i;

	for (i = 0; i < irqs->nvec; i++)
		if (irqs->vecs[i].virq == irq)
			vfio_ims_irqs_fire_vector(irqs, &irqs->vecs[i]);
	return IRQ_HANDLED;
}

/* Replace an eventfd signalling may be using; puts the old one. */
static void vfio_ims_irqs_swap(struct vfio_ims_irqs *irqs,
			       struct eventfd_ctx **slot,
			       struct eventfd_ctx *new)
{
	struct eventfd_ctx *old;

	spin_lock_irq(&irqs->trigger_lock);
	old = *slot;
	*slot = new;
	spin_unlock_irq(&irqs->trigger_lock);
	if (old)
		eventfd_ctx_put(old);
}

/* Signal the eventfd in @slot if there is one; any context. */
static bool vfio_ims_irqs_fire(struct vfio_ims_irqs *irqs,
			       struct eventfd_ctx **slot)
{
	unsigned long flags;
	bool sent = false;

	spin_lock_irqsave(&irqs->trigger_lock, flags);
	if (*slot) {
		eventfd_signal(*slot);
		sent = true;
	}
	spin_unlock_irqrestore(&irqs->trigger_lock, flags);
	return sent;
}

/* Drop a vector's eventfd (and its host handler); under irqs->lock. */
static void vfio_ims_irqs_clear(struct vfio_ims_irqs *irqs,
				struct vfio_ims_vector *vec)
{
	if (vec->requested) {
		/* masks the IMS entry again; waits for a running handler */
		free_irq(vec->virq, irqs);
		vec->requested = false;
		kfree(vec->name);
		vec->name = NULL;
	}
	vfio_ims_irqs_swap(irqs, &vec->trigger, NULL);
}

/* Install the host handler of a vector that gets an eventfd. */
static int vfio_ims_irqs_request_host(struct vfio_ims_irqs *irqs,
				      unsigned int index)
{
	struct vfio_ims_vector *vec = &irqs->vecs[index];
	int rc;

	if (!vec->virq || vec->requested)
		return 0;
	vec->name = kasprintf(GFP_KERNEL, "vfio-ims[%u](%s)", index,
			      irqs->dev_name);
	if (!vec->name)
		return -ENOMEM;
	/* unmasks the IMS entry: only now can the parent raise it */
	rc = request_irq(vec->virq, vfio_ims_irqs_handler, 0, vec->name, irqs);
	if (rc) {
		kfree(vec->name);
		vec->name = NULL;
		return rc;
	}
	vec->requested = true;
	return 0;
}

/* Remove the host handler of a vector left without an eventfd. */
static void vfio_ims_irqs_free_host(struct vfio_ims_irqs *irqs,
				    struct vfio_ims_vector *vec)
{
	if (!vec->requested || vec->trigger)
		return;
	/* masks the IMS entry again; waits for a running handler */
	free_irq(vec->virq, irqs);
	vec->requested = false;
	kfree(vec->name);
	vec->name = NULL;
}

/*
 * SET_IRQS DATA_EVENTFD on vectors start..start+count: every fd is
 * resolved and every host handler a new eventfd needs is installed before
 * any vector changes, so a failure leaves every vector as it was (as
 * vfio-pci does). fd -1 drops a vector's eventfd. Under irqs->lock.
 */
static int vfio_ims_irqs_set_triggers(struct vfio_ims_irqs *irqs,
				      unsigned int start, unsigned int count,
				      const s32 *fds)
{
	struct eventfd_ctx **new;
	bool *requested_now;
	unsigned int i;
	int rc = 0;

	new = kcalloc(count, sizeof(*new), GFP_KERNEL);
	requested_now = kcalloc(count, sizeof(*requested_now), GFP_KERNEL);
	if (!new || !requested_now) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < count && !rc; i++) {
		if (fds[i] < 0)
			continue;
		new[i] = eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(new[i])) {
			rc = PTR_ERR(new[i]);
			new[i] = NULL;
		}
	}
	for (i = 0; i < count && !rc; i++) {
		if (!new[i] || irqs->vecs[start + i].requested)
			continue;
		rc = vfio_ims_irqs_request_host(irqs, start + i);
		requested_now[i] = !rc;
	}
	if (rc) {
		/* undo the handlers just installed; no trigger changed */
		for (i = 0; i < count; i++)
			if (requested_now[i])
				vfio_ims_irqs_free_host(irqs,
							&irqs->vecs[start + i]);
		goto out;
	}
	/* the point of no return: swap, put the old eventfds */
	for (i = 0; i < count; i++) {
		vfio_ims_irqs_swap(irqs, &irqs->vecs[start + i].trigger, new[i]);
		new[i] = NULL;
		vfio_ims_irqs_free_host(irqs, &irqs->vecs[start + i]);
		vfio_ims_irqs_flush_pending(irqs, &irqs->vecs[start + i]);
	}
out:
	for (i = 0; new && i < count; i++)
		if (new[i])
			eventfd_ctx_put(new[i]);
	kfree(requested_now);
	kfree(new);
	return rc;
}

/**
 * vfio_ims_irqs_set_host_irq() - back a vector by a host interrupt
 * @irqs: the interrupts
 * @index: the MSI-X vector
 * @virq: the host interrupt (an IMS vector of the parent), 0 to make the
 *	vector emulated again
 *
 * The vector's eventfd, if any, is dropped: the VMM sets it again.
 *
 * Return: 0 or -EINVAL for a bad @index.
 */
int vfio_ims_irqs_set_host_irq(struct vfio_ims_irqs *irqs, unsigned int index,
			       unsigned int virq)
{
	if (index >= irqs->nvec)
		return -EINVAL;
	guard(mutex)(&irqs->lock);
	vfio_ims_irqs_clear(irqs, &irqs->vecs[index]);
	irqs->vecs[index].virq = virq;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_ims_irqs_set_host_irq);

/**
 * vfio_ims_irqs_release() - drop every eventfd and host handler
 * @irqs: the interrupts
 *
 * For the device's close: the host interrupts are masked again when this
 * returns and no handler runs.
 */
void vfio_ims_irqs_release(struct vfio_ims_irqs *irqs)
{
	unsigned int i;

	guard(mutex)(&irqs->lock);
	for (i = 0; i < irqs->nvec; i++) {
		vfio_ims_irqs_clear(irqs, &irqs->vecs[i]);
		vfio_ims_irqs_mask(irqs, i, false);
		irqs->vecs[i].pending = false;
	}
	vfio_ims_irqs_swap(irqs, &irqs->req_trigger, NULL);
}
EXPORT_SYMBOL_GPL(vfio_ims_irqs_release);

/**
 * vfio_ims_irqs_exit() - undo vfio_ims_irqs_init()
 * @irqs: the interrupts
 */
void vfio_ims_irqs_exit(struct vfio_ims_irqs *irqs)
{
	vfio_ims_irqs_release(irqs);
	kfree(irqs->vecs);
	irqs->vecs = NULL;
	mutex_destroy(&irqs->lock);
}
EXPORT_SYMBOL_GPL(vfio_ims_irqs_exit);

static unsigned int vfio_ims_irqs_count(struct vfio_ims_irqs *irqs,
					unsigned int index)
{
	switch (index) {
	case VFIO_PCI_MSIX_IRQ_INDEX:
		return irqs->nvec;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return 0;	/* no INTx, MSI or error interrupt */
	}
}

/**
 * vfio_ims_irqs_get_info() - VFIO_DEVICE_GET_IRQ_INFO
 * @irqs: the interrupts
 * @arg: the user's struct vfio_irq_info
 *
 * Return: 0 or a negative errno.
 */
int vfio_ims_irqs_get_info(struct vfio_ims_irqs *irqs, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	info.count = vfio_ims_irqs_count(irqs, info.index);
	info.flags = info.count ? VFIO_IRQ_INFO_EVENTFD : 0;
	if (info.index == VFIO_PCI_MSIX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_NORESIZE | VFIO_IRQ_INFO_MASKABLE;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}
EXPORT_SYMBOL_GPL(vfio_ims_irqs_get_info);

/* Fire vectors start..start+count for a DATA_NONE/DATA_BOOL trigger. */
static void vfio_ims_irqs_loopback(struct vfio_ims_irqs *irqs,
				   struct vfio_irq_set *hdr, const u8 *bools)
{
	unsigned int i;

	for (i = 0; i < hdr->count; i++)
		if (!bools || bools[i])
			vfio_ims_irqs_signal(irqs, hdr->start + i);
}

/* ACTION_MASK/UNMASK of vectors start..start+count (DATA_NONE/BOOL). */
static int vfio_ims_irqs_set_mask(struct vfio_ims_irqs *irqs,
				  struct vfio_irq_set *hdr, const u8 *bools)
{
	bool mask = hdr->flags & VFIO_IRQ_SET_ACTION_MASK;
	unsigned int i;

	if (hdr->flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return -EINVAL;		/* no unmask eventfds (irqfd) here */
	for (i = 0; i < hdr->count; i++)
		if (!bools || bools[i])
			vfio_ims_irqs_mask(irqs, hdr->start + i, mask);
	return 0;
}

static int vfio_ims_irqs_set_msix(struct vfio_ims_irqs *irqs,
				  struct vfio_irq_set *hdr, const void *data)
{
	const s32 *fds = data;
	unsigned int i;

	if (!(hdr->flags & VFIO_IRQ_SET_ACTION_TRIGGER))
		return vfio_ims_irqs_set_mask(irqs, hdr, data);

	if (hdr->flags & VFIO_IRQ_SET_DATA_NONE && !hdr->count) {
		for (i = 0; i < irqs->nvec; i++)
			vfio_ims_irqs_clear(irqs, &irqs->vecs[i]);
		return 0;
	}
	if (hdr->flags & VFIO_IRQ_SET_DATA_NONE) {
		vfio_ims_irqs_loopback(irqs, hdr, NULL);
		return 0;
	}
	if (hdr->flags & VFIO_IRQ_SET_DATA_BOOL) {
		vfio_ims_irqs_loopback(irqs, hdr, data);
		return 0;
	}
	/* DATA_EVENTFD: all or nothing, as vfio-pci */
	return vfio_ims_irqs_set_triggers(irqs, hdr->start, hdr->count, fds);
}

static int vfio_ims_irqs_set_req(struct vfio_ims_irqs *irqs,
				 struct vfio_irq_set *hdr, const void *data)
{
	struct eventfd_ctx *new = NULL;
	s32 fd;

	if (hdr->flags & VFIO_IRQ_SET_DATA_NONE && !hdr->count) {
		fd = -1;
	} else if (hdr->flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		fd = *(const s32 *)data;
	} else {
		vfio_ims_irqs_request(irqs);
		return 0;
	}
	if (fd >= 0) {
		new = eventfd_ctx_fdget(fd);
		if (IS_ERR(new))
			return PTR_ERR(new);
	}
	vfio_ims_irqs_swap(irqs, &irqs->req_trigger, new);
	return 0;
}

/**
 * vfio_ims_irqs_set() - VFIO_DEVICE_SET_IRQS
 * @irqs: the interrupts
 * @arg: the user's struct vfio_irq_set and its data
 *
 * MSI-X and REQ take ACTION_TRIGGER with DATA_EVENTFD (fd -1 drops one),
 * DATA_NONE with count 0 (drop all) and DATA_NONE/DATA_BOOL (fire); MSI-X
 * also takes ACTION_MASK/ACTION_UNMASK with DATA_NONE/DATA_BOOL.
 *
 * Return: 0 or a negative errno; on error no eventfd changed.
 */
int vfio_ims_irqs_set(struct vfio_ims_irqs *irqs, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	void *data = NULL;
	int rc;

	if (copy_from_user(&hdr, (void __user *)arg, minsz))
		return -EFAULT;
	rc = vfio_set_irqs_validate_and_prepare(&hdr,
						vfio_ims_irqs_count(irqs, hdr.index),
						VFIO_PCI_NUM_IRQS, &data_size);
	if (rc)
		return rc;
	if (hdr.index != VFIO_PCI_MSIX_IRQ_INDEX &&
	    hdr.index != VFIO_PCI_REQ_IRQ_INDEX)
		return -EINVAL;
	if (hdr.index == VFIO_PCI_REQ_IRQ_INDEX &&
	    !(hdr.flags & VFIO_IRQ_SET_ACTION_TRIGGER))
		return -EINVAL;
	if (data_size) {
		data = memdup_user((void __user *)(arg + minsz), data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	mutex_lock(&irqs->lock);
	if (hdr.index == VFIO_PCI_MSIX_IRQ_INDEX)
		rc = vfio_ims_irqs_set_msix(irqs, &hdr, data);
	else
		rc = vfio_ims_irqs_set_req(irqs, &hdr, data);
	mutex_unlock(&irqs->lock);
	kfree(data);
	return rc;
}
EXPORT_SYMBOL_GPL(vfio_ims_irqs_set);

/**
 * vfio_ims_irqs_signal() - raise a vector
 * @irqs: the interrupts
 * @index: the MSI-X vector
 *
 * For emulated vectors (and the DATA_NONE/BOOL loopback); any context.
 * A masked vector holds the interrupt pending instead.
 *
 * Return: true if an eventfd was signalled, false if the vector is
 * masked or nobody listens.
 */
bool vfio_ims_irqs_signal(struct vfio_ims_irqs *irqs, unsigned int index)
{
	if (index >= irqs->nvec)
		return false;
	return vfio_ims_irqs_fire_vector(irqs, &irqs->vecs[index]);
}
EXPORT_SYMBOL_GPL(vfio_ims_irqs_signal);

/**
 * vfio_ims_irqs_mask() - mask or unmask a vector
 * @irqs: the interrupts
 * @index: the MSI-X vector (ignored if out of range)
 * @mask: true to hold its interrupts, false to deliver them again
 *
 * Unmasking delivers an interrupt held meanwhile. Any context.
 */
void vfio_ims_irqs_mask(struct vfio_ims_irqs *irqs, unsigned int index,
			bool mask)
{
	struct vfio_ims_vector *vec;
	unsigned long flags;

	if (index >= irqs->nvec)
		return;
	vec = &irqs->vecs[index];
	spin_lock_irqsave(&irqs->trigger_lock, flags);
	vec->masked = mask;
	spin_unlock_irqrestore(&irqs->trigger_lock, flags);
	vfio_ims_irqs_flush_pending(irqs, vec);
}
EXPORT_SYMBOL_GPL(vfio_ims_irqs_mask);

/**
 * vfio_ims_irqs_pending() - whether a masked vector holds an interrupt
 * @irqs: the interrupts
 * @index: the MSI-X vector
 *
 * For an emulated Pending Bit Array.
 *
 * Return: true if an interrupt waits for the vector's unmask.
 */
bool vfio_ims_irqs_pending(struct vfio_ims_irqs *irqs, unsigned int index)
{
	unsigned long flags;
	bool pending;

	if (index >= irqs->nvec)
		return false;
	spin_lock_irqsave(&irqs->trigger_lock, flags);
	pending = irqs->vecs[index].pending;
	spin_unlock_irqrestore(&irqs->trigger_lock, flags);
	return pending;
}
EXPORT_SYMBOL_GPL(vfio_ims_irqs_pending);

/**
 * vfio_ims_irqs_request() - ask the VMM to give the device back
 * @irqs: the interrupts
 *
 * For vfio_device_ops.request; any context.
 *
 * Return: true if the VMM was told, false if it set no request eventfd.
 */
bool vfio_ims_irqs_request(struct vfio_ims_irqs *irqs)
{
	return vfio_ims_irqs_fire(irqs, &irqs->req_trigger);
}
EXPORT_SYMBOL_GPL(vfio_ims_irqs_request);

MODULE_DESCRIPTION("MSI-X backed by host interrupts (IMS) for mediated VFIO devices");
MODULE_LICENSE("GPL");
