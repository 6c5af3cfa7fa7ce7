// SPDX-License-Identifier: GPL-2.0
/*
 * IMS test client for tests/ims: a driver on the dsa bus ("ims_test") that
 * binds to one dedicated WQ and uses the parent driver's IMS API the way
 * the vdev driver does. At probe it gives the WQ a PASID of its own (the
 * parent's DMA domain attached at a new global PASID) and enables it with
 * that PASID. The test script then drives it through debugfs:
 *
 *   /sys/kernel/debug/ims_test/ctl      write one command:
 *     alloc N wq|none|other|PASID   allocate N IMS vectors for the WQ's
 *                                   PASID, for no PASID, for a PASID other
 *                                   than the WQ's, or for PASID
 *     request                       request_irq() every allocated vector
 *     release                       free_irq() every requested vector
 *     free                          release, then free every vector
 *     submit I N                    N memmoves through the WQ's IMS portal,
 *                                   each asking for vector I's interrupt
 *                                   (waited for if vector I is requested)
 *   /sys/kernel/debug/ims_test/vectors  one line per vector:
 *     "index handle virq pasid requested irqs" (pasid -1 for none)
 *   /sys/kernel/debug/ims_test/last     outcome of the last submit:
 *     "status=0x.. done=N copied=N irqs=N other_irqs=N"
 *
 * A command that fails returns its error from write(); nothing here
 * decides pass or fail, the script does.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/idxd_siov.h>
#include <linux/interrupt.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/special_insns.h>
#include <uapi/linux/idxd.h>

#define IMS_TEST_MAX_VECS	4096
#define IMS_TEST_XFER		SZ_4K
#define IMS_TEST_TIMEOUT_MS	10000
/* how long a vector that must stay silent is watched */
#define IMS_TEST_SILENCE_MS	1000

struct ims_test_vec {
	struct siov_idxd_ims_vector v;
	ioasid_t pasid;
	bool requested;
	atomic_t irqs;
};

static struct ims_test {
	struct mutex lock;		/* every field below */
	struct siov_idxd_wq *wq;
	struct device *parent;
	struct iommu_domain *domain;
	ioasid_t pasid;
	struct ims_test_vec *vecs;
	unsigned int nvecs;
	void *buf;			/* src | dst | completion record */
	dma_addr_t buf_dma;
	char last[128];
	struct dentry *dir;
} t = { .lock = __MUTEX_INITIALIZER(t.lock) };

static irqreturn_t ims_test_irq(int irq, void *data)
{
	struct ims_test_vec *vec = data;

	atomic_inc(&vec->irqs);
	return IRQ_HANDLED;
}

static int ims_test_alloc(unsigned int n, const char *which)
{
	ioasid_t pasid;
	int rc;

	if (!strcmp(which, "wq"))
		pasid = t.pasid;
	else if (!strcmp(which, "none"))
		pasid = IOMMU_NO_PASID;
	else if (!strcmp(which, "other"))
		pasid = t.pasid + 1;
	else if (kstrtouint(which, 0, &pasid))
		return -EINVAL;

	while (n--) {
		struct ims_test_vec *vec;

		if (t.nvecs == IMS_TEST_MAX_VECS)
			return -ENOSPC;
		vec = &t.vecs[t.nvecs];
		memset(vec, 0, sizeof(*vec));
		rc = siov_idxd_ims_alloc(t.wq, pasid, &vec->v);
		if (rc)
			return rc;
		vec->pasid = pasid;
		t.nvecs++;
	}
	return 0;
}

static int ims_test_request(void)
{
	unsigned int i;
	int rc;

	for (i = 0; i < t.nvecs; i++) {
		struct ims_test_vec *vec = &t.vecs[i];

		if (vec->requested)
			continue;
		rc = request_irq(vec->v.virq, ims_test_irq, 0, "ims_test", vec);
		if (rc)
			return rc;
		vec->requested = true;
	}
	return 0;
}

static void ims_test_release(void)
{
	unsigned int i;

	for (i = 0; i < t.nvecs; i++) {
		if (!t.vecs[i].requested)
			continue;
		free_irq(t.vecs[i].v.virq, &t.vecs[i]);
		t.vecs[i].requested = false;
	}
}

static void ims_test_free(void)
{
	ims_test_release();
	while (t.nvecs)
		siov_idxd_ims_free(t.wq, &t.vecs[--t.nvecs].v);
}

static int ims_test_irq_sum(unsigned int except)
{
	unsigned int i;
	int sum = 0;

	for (i = 0; i < t.nvecs; i++)
		if (i != except)
			sum += atomic_read(&t.vecs[i].irqs);
	return sum;
}

/* One memmove asking for @vec's interrupt; returns its completion status. */
static u8 ims_test_one(struct ims_test_vec *vec, unsigned int seq, bool *copied)
{
	struct dsa_hw_desc desc __aligned(64) = { };
	u8 *src = t.buf, *dst = t.buf + IMS_TEST_XFER;
	struct dsa_completion_record *cr = t.buf + 2 * IMS_TEST_XFER;
	unsigned long timeout = jiffies + msecs_to_jiffies(IMS_TEST_TIMEOUT_MS);
	u8 status;

	memset(src, 0x5a ^ seq, IMS_TEST_XFER);
	memset(dst, 0, IMS_TEST_XFER);
	memset(cr, 0, sizeof(*cr));

	desc.opcode = DSA_OPCODE_MEMMOVE;
	desc.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_RCI;
	desc.completion_addr = t.buf_dma + 2 * IMS_TEST_XFER;
	desc.src_addr = t.buf_dma;
	desc.dst_addr = t.buf_dma + IMS_TEST_XFER;
	desc.xfer_size = IMS_TEST_XFER;
	desc.int_handle = vec->v.handle;
	/* the buffers must be visible to the device before the descriptor */
	wmb();
	movdir64b_io(siov_idxd_wq_ims_portal(t.wq), &desc);

	while (!(status = READ_ONCE(cr->status))) {
		if (time_after(jiffies, timeout))
			return 0;
		usleep_range(100, 200);
	}
	/* the record is written last: the data is there when it is */
	dma_rmb();
	*copied = !memcmp(src, dst, IMS_TEST_XFER);
	return status & DSA_COMP_STATUS_MASK;
}

static int ims_test_submit(unsigned int idx, unsigned int n)
{
	unsigned int done = 0, copied = 0, i;
	int before, others, irqs;
	unsigned long timeout;
	u8 status = 0, st;
	bool ok;

	if (idx >= t.nvecs || !n)
		return -EINVAL;
	before = atomic_read(&t.vecs[idx].irqs);
	others = ims_test_irq_sum(idx);

	for (i = 0; i < n; i++) {
		int seen = atomic_read(&t.vecs[idx].irqs);

		ok = false;
		st = ims_test_one(&t.vecs[idx], i, &ok);
		if (!st)
			break;		/* timed out: report what we have */
		if (i && st != status)
			status = 0xff;	/* mixed outcomes */
		else
			status = st;
		done++;
		copied += ok;
		/*
		 * The interrupt trails the completion record. Wait for it
		 * before the next descriptor: two messages reaching the same
		 * vector before the CPU takes the first are one interrupt
		 * (edge MSI), and each descriptor's must be counted. A
		 * descriptor that must stay silent is watched for a while. A
		 * vector nobody requested is masked: the slot holds it.
		 */
		timeout = jiffies + msecs_to_jiffies(st == DSA_COMP_SUCCESS ?
						     IMS_TEST_TIMEOUT_MS :
						     IMS_TEST_SILENCE_MS);
		while (t.vecs[idx].requested &&
		       atomic_read(&t.vecs[idx].irqs) == seen &&
		       time_before(jiffies, timeout))
			usleep_range(1000, 2000);
	}

	irqs = atomic_read(&t.vecs[idx].irqs) - before;
	snprintf(t.last, sizeof(t.last),
		 "status=0x%02x done=%u copied=%u irqs=%d other_irqs=%d\n",
		 status, done, copied, irqs, ims_test_irq_sum(idx) - others);
	return 0;
}

static ssize_t ims_test_ctl_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	char cmd[64], which[16];
	unsigned int a, b;
	int rc;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	strim(cmd);

	guard(mutex)(&t.lock);
	if (!t.wq)
		return -ENODEV;
	if (sscanf(cmd, "alloc %u %15s", &a, which) == 2)
		rc = ims_test_alloc(a, which);
	else if (!strcmp(cmd, "request"))
		rc = ims_test_request();
	else if (!strcmp(cmd, "release"))
		rc = (ims_test_release(), 0);
	else if (!strcmp(cmd, "free"))
		rc = (ims_test_free(), 0);
	else if (sscanf(cmd, "submit %u %u", &a, &b) == 2)
		rc = ims_test_submit(a, b);
	else
		rc = -EINVAL;
	return rc ? rc : len;
}

static int ims_test_vectors_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	guard(mutex)(&t.lock);
	for (i = 0; i < t.nvecs; i++) {
		struct ims_test_vec *vec = &t.vecs[i];

		seq_printf(m, "%u %u %u %d %d %d\n", vec->v.index,
			   vec->v.handle, vec->v.virq,
			   vec->pasid == IOMMU_NO_PASID ? -1 : (int)vec->pasid,
			   vec->requested, atomic_read(&vec->irqs));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ims_test_vectors);

static int ims_test_last_show(struct seq_file *m, void *unused)
{
	guard(mutex)(&t.lock);
	seq_puts(m, t.last);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ims_test_last);

static const struct file_operations ims_test_ctl_fops = {
	.owner = THIS_MODULE,
	.write = ims_test_ctl_write,
};

static void ims_test_put_pasid(void)
{
	iommu_detach_device_pasid(t.domain, t.parent, t.pasid);
	iommu_free_global_pasid(t.pasid);
}

static int ims_test_probe(struct siov_idxd_dev *sdev)
{
	struct siov_idxd_wq *wq = siov_idxd_to_wq(sdev);
	struct device *parent;
	int rc;

	if (!wq)
		return -ENODEV;
	parent = siov_idxd_wq_parent(wq);

	guard(mutex)(&t.lock);
	if (t.wq)
		return -EBUSY;	/* one WQ at a time */
	t.buf = dma_alloc_coherent(parent, 3 * IMS_TEST_XFER, &t.buf_dma,
				   GFP_KERNEL);
	if (!t.buf)
		return -ENOMEM;
	t.domain = iommu_get_domain_for_dev(parent);
	t.pasid = iommu_alloc_global_pasid(parent);
	if (!t.domain || t.pasid == IOMMU_PASID_INVALID) {
		rc = -ENOSPC;
		goto err_buf;
	}
	t.parent = parent;
	rc = iommu_attach_device_pasid(t.domain, parent, t.pasid, NULL);
	if (rc) {
		iommu_free_global_pasid(t.pasid);
		goto err_buf;
	}
	rc = siov_idxd_wq_enable(wq, &(struct siov_idxd_wq_run) {
		.dedicated = true, .priv = true, .pasid = t.pasid });
	if (rc) {
		ims_test_put_pasid();
		goto err_buf;
	}
	t.wq = wq;
	t.last[0] = '\0';
	dev_info(&sdev->dev, "ims_test: enabled with PASID %u\n", t.pasid);
	return 0;

err_buf:
	dma_free_coherent(parent, 3 * IMS_TEST_XFER, t.buf, t.buf_dma);
	return rc;
}

static void ims_test_remove(struct siov_idxd_dev *sdev)
{
	guard(mutex)(&t.lock);
	ims_test_free();
	siov_idxd_wq_disable(t.wq, true);
	ims_test_put_pasid();
	dma_free_coherent(t.parent, 3 * IMS_TEST_XFER, t.buf, t.buf_dma);
	t.wq = NULL;
}

static const enum siov_idxd_dev_type ims_test_types[] = {
	SIOV_IDXD_DEV_WQ, SIOV_IDXD_DEV_NONE
};

static struct siov_idxd_driver ims_test_driver = {
	.name = "ims_test",
	.types = ims_test_types,
	.probe = ims_test_probe,
	.remove = ims_test_remove,
};

static int __init ims_test_init(void)
{
	int rc;

	t.vecs = kvcalloc(IMS_TEST_MAX_VECS, sizeof(*t.vecs), GFP_KERNEL);
	if (!t.vecs)
		return -ENOMEM;
	t.dir = debugfs_create_dir("ims_test", NULL);
	debugfs_create_file("ctl", 0200, t.dir, NULL, &ims_test_ctl_fops);
	debugfs_create_file("vectors", 0400, t.dir, NULL,
			    &ims_test_vectors_fops);
	debugfs_create_file("last", 0400, t.dir, NULL, &ims_test_last_fops);
	rc = siov_idxd_driver_register(&ims_test_driver);
	if (rc) {
		debugfs_remove_recursive(t.dir);
		kvfree(t.vecs);
	}
	return rc;
}
module_init(ims_test_init);

static void __exit ims_test_exit(void)
{
	siov_idxd_driver_unregister(&ims_test_driver);
	debugfs_remove_recursive(t.dir);
	kvfree(t.vecs);
}
module_exit(ims_test_exit);

MODULE_DESCRIPTION("idxd-siov IMS test client (tests/ims)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(IDXD_SIOV);
