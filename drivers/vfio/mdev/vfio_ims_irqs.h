/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSI-X for a mediated PCI device whose vectors are either emulated (the
 * driver raises them, e.g. for register events) or backed by a host
 * interrupt of the parent (an IMS entry), plus the device request
 * interrupt: VFIO_DEVICE_GET_IRQ_INFO and VFIO_DEVICE_SET_IRQS for such a
 * device. Nothing in here knows which device it serves.
 */
#ifndef _VFIO_IMS_IRQS_H
#define _VFIO_IMS_IRQS_H

#include <linux/eventfd.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/**
 * struct vfio_ims_vector - one MSI-X vector of the mediated device
 * @virq: the host interrupt behind the vector; 0 for an emulated one
 * @requested: the handler is installed on @virq
 * @trigger: the eventfd the vector signals, or NULL
 * @name: the interrupt's name while @requested
 * @masked: masked by the VMM (SET_IRQS ACTION_MASK): interrupts are held
 * @pending: an interrupt came while masked; delivered at unmask
 */
struct vfio_ims_vector {
	unsigned int virq;
	bool requested;
	struct eventfd_ctx *trigger;
	char *name;
	bool masked;
	bool pending;
};

/**
 * struct vfio_ims_irqs - the interrupts of a mediated PCI device
 * @dev_name: the device's name, for the host interrupts' names
 * @nvec: MSI-X vectors (MSI-X table size)
 * @vecs: the vectors
 * @req_trigger: the device request (VFIO_PCI_REQ_IRQ_INDEX) eventfd
 * @lock: serialises configuration (SET_IRQS, host IRQ changes)
 * @trigger_lock: lets vectors and requests be signalled from atomic
 *	context while triggers and masks change
 */
struct vfio_ims_irqs {
	const char *dev_name;
	unsigned int nvec;
	struct vfio_ims_vector *vecs;
	struct eventfd_ctx *req_trigger;
	struct mutex lock;		/* configuration */
	spinlock_t trigger_lock;	/* triggers vs. signalling */
};

int vfio_ims_irqs_init(struct vfio_ims_irqs *irqs, const char *dev_name,
		       unsigned int nvec);
void vfio_ims_irqs_exit(struct vfio_ims_irqs *irqs);
int vfio_ims_irqs_set_host_irq(struct vfio_ims_irqs *irqs, unsigned int index,
			       unsigned int virq);
void vfio_ims_irqs_release(struct vfio_ims_irqs *irqs);
int vfio_ims_irqs_get_info(struct vfio_ims_irqs *irqs, unsigned long arg);
int vfio_ims_irqs_set(struct vfio_ims_irqs *irqs, unsigned long arg);
bool vfio_ims_irqs_signal(struct vfio_ims_irqs *irqs, unsigned int index);
bool vfio_ims_irqs_request(struct vfio_ims_irqs *irqs);
void vfio_ims_irqs_mask(struct vfio_ims_irqs *irqs, unsigned int index,
			bool mask);
bool vfio_ims_irqs_pending(struct vfio_ims_irqs *irqs, unsigned int index);

#endif /* _VFIO_IMS_IRQS_H */
