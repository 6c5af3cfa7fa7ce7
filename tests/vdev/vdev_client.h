/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal VFIO client for idxd-siov vdevs, shared by the tests
 * (vdev_test.c) and the user tool (vdev_user.c). It opens a vdev the way
 * QEMU 7.2 does (group, type1v2 container, device fd), maps a buffer,
 * and brings the virtual DSA up through its emulated config space and
 * BAR0 as a guest's idxd driver would: bus master, MSI-X eventfds,
 * Enable Device, Request Interrupt Handle, Enable WQ. Descriptors go
 * through the mmapped portal (dsa-1dwq-v1) or are written to the trapped
 * one (dsa-1swq-v1) with pwrite.
 */
#ifndef VDEV_CLIENT_H
#define VDEV_CLIENT_H

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/idxd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define PAGE		4096UL
#define BUF_PAGES	3		/* src | dst | completion record */
#define TIMEOUT_NS	10000000000LL
#define NVEC		2		/* misc + WQ completion */

/* Spin on completion records (benchmarks) instead of sleeping (tests). */
static int vdev_busy_poll;

/* BAR0 registers of a DSA (the spec's offsets) */
#define R_GENCAP	0x10
#define R_WQCAP		0x20
#define R_GRPCAP	0x30
#define R_ENGCAP	0x38
#define R_OFFSETS	0x60
#define R_GENCTRL	0x88
#define R_GENSTS	0x90
#define R_INTCAUSE	0x98
#define R_CMD		0xa0
#define R_CMDSTS	0xa8
#define R_CMDCAP	0xb0
#define R_SWERR		0xc0
#define CMD_ENABLE_DEVICE	1
#define CMD_DISABLE_DEVICE	2
#define CMD_RESET_DEVICE	5
#define CMD_ENABLE_WQ		6
#define CMD_DISABLE_WQ		7
#define CMD_ABORT_WQ		9
#define CMD_REQUEST_INT_HANDLE	13
#define CMD_INT_REQ		(1u << 31)
#define INTC_ERR		(1u << 0)
#define INTC_CMD		(1u << 1)

struct vdev {
	int container, group, device;
	int msix[NVEC];		/* eventfds */
	int req;		/* device request eventfd */
	void *portal;		/* mmapped portal, or NULL: trapped */
	uint64_t bar0, bar2, cfg;	/* region offsets in the device fd */
	uint8_t *buf;
	uint64_t iova;
	uint16_t handle;	/* interrupt handle of MSI-X vector 1 */
};

static inline int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline uint32_t rd32(struct vdev *v, uint64_t region, uint64_t off)
{
	uint32_t val = 0xdeadbeef;

	if (pread(v->device, &val, 4, region + off) != 4)
		return 0xdeadbeef;
	return val;
}

static inline uint64_t rd64(struct vdev *v, uint64_t region, uint64_t off)
{
	uint64_t val = ~0ULL;

	if (pread(v->device, &val, 8, region + off) != 8)
		return ~0ULL;
	return val;
}

static inline int wr32(struct vdev *v, uint64_t region, uint64_t off,
		       uint32_t val)
{
	return pwrite(v->device, &val, 4, region + off) == 4 ? 0 : -errno;
}

static inline int wr16(struct vdev *v, uint64_t region, uint64_t off,
		       uint16_t val)
{
	return pwrite(v->device, &val, 2, region + off) == 2 ? 0 : -errno;
}

/* Run a command; returns CMDSTS (status in 7:0, result in 27:8). */
static inline uint32_t vdev_cmd(struct vdev *v, uint32_t code,
				uint32_t operand, int int_req)
{
	wr32(v, v->bar0, R_CMD, code << 20 | operand |
	     (int_req ? CMD_INT_REQ : 0));
	return rd32(v, v->bar0, R_CMDSTS);
}

/* Wait for an eventfd; returns the count read, 0 on timeout. */
static inline uint64_t wait_event(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t n = 0;

	if (poll(&p, 1, timeout_ms) != 1)
		return 0;
	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

/* Drop whatever an eventfd counted so far. */
static inline void drain_event(int fd)
{
	while (wait_event(fd, 0))
		;
}

static inline int region(struct vdev *v, unsigned int index,
			 struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, info) ? -errno : 0;
}

/* Eventfds for MSI-X vectors 0..NVEC-1 and the request interrupt. */
static inline int vdev_set_irqs(struct vdev *v)
{
	char raw[sizeof(struct vfio_irq_set) + NVEC * sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)raw;
	int i;

	set->argsz = sizeof(raw);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->start = 0;
	set->count = NVEC;
	for (i = 0; i < NVEC; i++)
		((int32_t *)set->data)[i] = v->msix[i];
	if (ioctl(v->device, VFIO_DEVICE_SET_IRQS, set))
		return -errno;
	set->argsz = sizeof(*set) + sizeof(int32_t);
	set->index = VFIO_PCI_REQ_IRQ_INDEX;
	set->count = 1;
	((int32_t *)set->data)[0] = v->req;
	return ioctl(v->device, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
}

/* SET_IRQS ACTION_MASK (mask != 0) or ACTION_UNMASK of one MSI-X vector. */
static inline int vdev_mask_vector(struct vdev *v, unsigned int vector, int mask)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE |
			 (mask ? VFIO_IRQ_SET_ACTION_MASK : VFIO_IRQ_SET_ACTION_UNMASK),
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
		.start = vector,
		.count = 1,
	};

	return ioctl(v->device, VFIO_DEVICE_SET_IRQS, &set) ? -errno : 0;
}

/*
 * Open the vdev (mdev UUID) into its own container with BUF_PAGES mapped
 * at @iova; the device is left as out of reset.
 */
static inline int vdev_open(struct vdev *v, const char *uuid, uint64_t iova)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_region_info info;
	ssize_t n;
	int i;

	memset(v, 0, sizeof(*v));
	v->container = v->group = v->device = v->req = -1;
	for (i = 0; i < NVEC; i++)
		v->msix[i] = -1;
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/iommu_group", uuid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(link));

	v->container = open("/dev/vfio/vfio", O_RDWR);
	v->group = open(path, O_RDWR);
	if (v->container < 0 || v->group < 0)
		return -errno;
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    !ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU))
		return -EINVAL;
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &status) ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EINVAL;
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) ||
	    ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -errno;
	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	if (v->device < 0)
		return -errno;

	v->buf = mmap(NULL, BUF_PAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->buf == MAP_FAILED)
		return -errno;
	memset(v->buf, 0, BUF_PAGES * PAGE);
	map.vaddr = (uintptr_t)v->buf;
	map.iova = iova;
	map.size = BUF_PAGES * PAGE;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(v->container, VFIO_IOMMU_MAP_DMA, &map))
		return -errno;
	v->iova = iova;

	if (region(v, VFIO_PCI_CONFIG_REGION_INDEX, &info))
		return -errno;
	v->cfg = info.offset;
	if (region(v, VFIO_PCI_BAR0_REGION_INDEX, &info))
		return -errno;
	v->bar0 = info.offset;
	if (region(v, VFIO_PCI_BAR2_REGION_INDEX, &info))
		return -errno;
	v->bar2 = info.offset;
	if (info.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		v->portal = mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, v->device,
				 v->bar2);
		if (v->portal == MAP_FAILED) {
			v->portal = NULL;
			return -errno;
		}
	}
	for (i = 0; i < NVEC; i++)
		v->msix[i] = eventfd(0, EFD_NONBLOCK);
	v->req = eventfd(0, EFD_NONBLOCK);
	return vdev_set_irqs(v);
}

/*
 * What a guest's idxd driver does at probe: bus master on, software
 * error interrupts on, device enabled, a handle for vector 1, WQ 0
 * enabled. Returns 0 or the first failing CMDSTS (or -errno).
 */
static inline int vdev_bring_up(struct vdev *v)
{
	uint32_t sts;
	int rc;

	rc = wr16(v, v->cfg, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if (rc)
		return rc;
	wr32(v, v->bar0, R_GENCTRL, 1);	/* software error interrupt */
	sts = vdev_cmd(v, CMD_ENABLE_DEVICE, 0, 0);
	if (sts)
		return sts;
	sts = vdev_cmd(v, CMD_REQUEST_INT_HANDLE, 1, 0);
	if (sts & 0xff)
		return sts;
	v->handle = sts >> 8;
	return vdev_cmd(v, CMD_ENABLE_WQ, 0, 0);
}

static inline void vdev_close(struct vdev *v)
{
	int i;

	if (v->portal)
		munmap(v->portal, PAGE);
	if (v->buf && v->buf != MAP_FAILED)
		munmap(v->buf, BUF_PAGES * PAGE);
	for (i = 0; i < NVEC; i++)
		if (v->msix[i] >= 0)
			close(v->msix[i]);
	if (v->req >= 0)
		close(v->req);
	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	memset(v, 0, sizeof(*v));
}

static inline void movdir64b(void *portal, const void *desc)
{
	/* movdir64b (%rdx), %rax */
	asm volatile(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02"
		     : : "a" (portal), "d" (desc) : "memory");
}

static inline struct dsa_completion_record *record(struct vdev *v)
{
	return (void *)(v->buf + 2 * PAGE);
}

/* Hand a descriptor to the device: portal store or trapped write. */
static inline int vdev_post(struct vdev *v, const struct dsa_hw_desc *desc)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (v->portal) {
		movdir64b(v->portal, desc);
		return 0;
	}
	return pwrite(v->device, desc, 64, v->bar2) == 64 ? 0 : -errno;
}

/*
 * Submit one descriptor with a completion record (and, with @irq, a
 * completion interrupt on vector 1); returns the completion status, 0 on
 * timeout.
 */
static inline uint8_t vdev_submit(struct vdev *v, struct dsa_hw_desc *desc,
				  int irq)
{
	struct dsa_completion_record *cr = record(v);
	int64_t deadline = now_ns() + TIMEOUT_NS;

	memset(cr, 0, sizeof(*cr));
	desc->flags |= IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	if (irq) {
		desc->flags |= IDXD_OP_FLAG_RCI;
		desc->int_handle = v->handle;
	}
	desc->completion_addr = v->iova + 2 * PAGE;
	if (vdev_post(v, desc))
		return 0;
	while (!__atomic_load_n(&cr->status, __ATOMIC_ACQUIRE) && now_ns() < deadline)
		if (!vdev_busy_poll)
			usleep(50);
	return cr->status & DSA_COMP_STATUS_MASK;
}

#endif /* VDEV_CLIENT_H */
