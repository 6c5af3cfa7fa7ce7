// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace VFIO client for idxd-siov vdevs (suite "vdev"), on the
 * kselftest harness. Each vdev is opened the way QEMU 7.2 does it: a
 * group, a type1v2 container, the device fd. Buffers are mapped into the
 * container; descriptors go straight into the mmapped portal (BAR2 page 0,
 * the parent WQ's IMS portal), so the DMA is the parent's, tagged with the
 * vdev's PASID, translated by the container's domain.
 *
 * usage: vdev_test [harness options]; VDEV_A and VDEV_B name two vdevs
 * (mdev UUIDs) on dedicated WQs.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/idxd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"

#define PAGE		4096UL
#define XFER		PAGE
#define IOVA_A		0x100000UL	/* where vdev A's container maps */
#define IOVA_B		0x200000UL	/* where vdev B's container maps */
#define IOVA_NOWHERE	0x40000000UL	/* mapped in no container */
#define TIMEOUT_NS	10000000000LL

struct vdev {
	int container, group, device;
	void *portal;
	uint8_t *buf;		/* src | dst | completion record */
	uint64_t iova;
};

static int vdev_open(struct vdev *v, const char *uuid, uint64_t iova)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_region_info bar2 = { .argsz = sizeof(bar2),
					 .index = VFIO_PCI_BAR2_REGION_INDEX };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	ssize_t n;

	memset(v, 0, sizeof(*v));
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

	v->buf = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->buf == MAP_FAILED)
		return -errno;
	memset(v->buf, 0, 3 * PAGE);
	map.vaddr = (uintptr_t)v->buf;
	map.iova = iova;
	map.size = 3 * PAGE;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(v->container, VFIO_IOMMU_MAP_DMA, &map))
		return -errno;
	v->iova = iova;

	if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, &bar2))
		return -errno;
	if (!(bar2.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -EINVAL;
	v->portal = mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, v->device,
			 bar2.offset);
	if (v->portal == MAP_FAILED)
		return -errno;
	return 0;
}

static void vdev_close(struct vdev *v)
{
	if (v->portal && v->portal != MAP_FAILED)
		munmap(v->portal, PAGE);
	if (v->buf && v->buf != MAP_FAILED)
		munmap(v->buf, 3 * PAGE);
	if (v->device > 0)
		close(v->device);
	if (v->group > 0)
		close(v->group);
	if (v->container > 0)
		close(v->container);
}

static void movdir64b(void *portal, const void *desc)
{
	/* movdir64b (%rdx), %rax */
	asm volatile(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02"
		     : : "a" (portal), "d" (desc) : "memory");
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Submit one descriptor; returns the completion status (0 on timeout). */
static uint8_t submit(struct vdev *v, struct dsa_hw_desc *desc)
{
	struct dsa_completion_record *cr = (void *)(v->buf + 2 * PAGE);
	int64_t deadline = now_ns() + TIMEOUT_NS;

	memset(cr, 0, sizeof(*cr));
	desc->flags |= IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	desc->completion_addr = v->iova + 2 * PAGE;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	movdir64b(v->portal, desc);
	while (!cr->status && now_ns() < deadline)
		usleep(100);
	return cr->status & DSA_COMP_STATUS_MASK;
}

static struct dsa_completion_record *record(struct vdev *v)
{
	return (void *)(v->buf + 2 * PAGE);
}

FIXTURE(vdev) {
	struct vdev a, b;
};

FIXTURE_SETUP(vdev)
{
	const char *ua = getenv("VDEV_A"), *ub = getenv("VDEV_B");

	ASSERT_NE(NULL, ua);
	ASSERT_NE(NULL, ub);
	ASSERT_EQ(0, vdev_open(&self->a, ua, IOVA_A));
	ASSERT_EQ(0, vdev_open(&self->b, ub, IOVA_B));
}

FIXTURE_TEARDOWN(vdev)
{
	vdev_close(&self->a);
	vdev_close(&self->b);
}

TEST_F(vdev, memmove_through_mmapped_portal)
{
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMMOVE };
	uint8_t *src = self->a.buf, *dst = self->a.buf + PAGE;
	unsigned int i;

	for (i = 0; i < XFER; i++)
		src[i] = i * 7 + 3;
	d.src_addr = IOVA_A;
	d.dst_addr = IOVA_A + PAGE;
	d.xfer_size = XFER;
	ASSERT_EQ(DSA_COMP_SUCCESS, submit(&self->a, &d));
	ASSERT_EQ(XFER, record(&self->a)->bytes_completed);
	ASSERT_EQ(0, memcmp(src, dst, XFER));
}

TEST_F(vdev, fill)
{
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMFILL };
	uint8_t *dst = self->b.buf + PAGE;
	unsigned int i;

	d.pattern = 0xa5a5a5a5deadbeefULL;
	d.dst_addr = IOVA_B + PAGE;
	d.xfer_size = XFER;
	ASSERT_EQ(DSA_COMP_SUCCESS, submit(&self->b, &d));
	for (i = 0; i < XFER; i += 8)
		ASSERT_EQ(d.pattern, *(uint64_t *)(dst + i));
}

TEST_F(vdev, compare)
{
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_COMPARE };
	uint8_t *s1 = self->a.buf, *s2 = self->a.buf + PAGE;

	memset(s1, 0x11, XFER);
	memset(s2, 0x11, XFER);
	d.src_addr = IOVA_A;
	d.src2_addr = IOVA_A + PAGE;
	d.xfer_size = XFER;
	ASSERT_EQ(DSA_COMP_SUCCESS, submit(&self->a, &d));
	ASSERT_EQ(0, record(&self->a)->result);
	s2[100] = 0x12;
	d.flags = 0;
	ASSERT_EQ(DSA_COMP_SUCCESS, submit(&self->a, &d));
	ASSERT_EQ(1, record(&self->a)->result);
	ASSERT_EQ(100U, record(&self->a)->bytes_completed);
}

/* An IOVA no container maps: a page fault, and nothing written. */
TEST_F(vdev, unmapped_iova_faults)
{
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMMOVE };
	uint8_t *dst = self->a.buf + PAGE;

	memset(dst, 0x77, XFER);
	d.src_addr = IOVA_NOWHERE;
	d.dst_addr = IOVA_A + PAGE;
	d.xfer_size = XFER;
	ASSERT_EQ(DSA_COMP_PAGE_FAULT_NOBOF, submit(&self->a, &d));
	ASSERT_EQ(IOVA_NOWHERE, record(&self->a)->fault_addr);
	ASSERT_EQ(0x77, dst[0]);
	ASSERT_EQ(0x77, dst[XFER - 1]);
}

/* Each vdev sees its own container only, though both are the parent's DMA. */
TEST_F(vdev, vdevs_cannot_reach_each_other)
{
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMMOVE };

	memset(self->a.buf, 0xaa, 2 * PAGE);
	memset(self->b.buf, 0xbb, 2 * PAGE);
	/* B reads A's IOVA */
	d.src_addr = IOVA_A;
	d.dst_addr = IOVA_B + PAGE;
	d.xfer_size = XFER;
	ASSERT_EQ(DSA_COMP_PAGE_FAULT_NOBOF, submit(&self->b, &d));
	ASSERT_EQ(IOVA_A, record(&self->b)->fault_addr);
	ASSERT_EQ(0xbb, self->b.buf[PAGE]);
	/* A writes B's IOVA */
	memset(&d, 0, sizeof(d));
	d.opcode = DSA_OPCODE_MEMMOVE;
	d.src_addr = IOVA_A;
	d.dst_addr = IOVA_B + PAGE;
	d.xfer_size = XFER;
	ASSERT_EQ(DSA_COMP_PAGE_FAULT_NOBOF, submit(&self->a, &d));
	ASSERT_EQ(0xbb, self->b.buf[PAGE]);
	ASSERT_EQ(0xbb, self->b.buf[2 * PAGE - 1]);
	/* and each still works on its own */
	d.dst_addr = IOVA_A + PAGE;
	ASSERT_EQ(DSA_COMP_SUCCESS, submit(&self->a, &d));
}

/* The portal is BAR2 pages 0-1 only; the rest cannot be mapped. */
TEST_F(vdev, bar2_mmap_bounds)
{
	struct vfio_region_info bar2 = { .argsz = sizeof(bar2),
					 .index = VFIO_PCI_BAR2_REGION_INDEX };
	void *p;

	ASSERT_EQ(0, ioctl(self->a.device, VFIO_DEVICE_GET_REGION_INFO, &bar2));
	ASSERT_EQ(4 * PAGE, bar2.size);
	p = mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, self->a.device,
		 bar2.offset + 2 * PAGE);
	ASSERT_EQ(MAP_FAILED, p);
	p = mmap(NULL, PAGE, PROT_WRITE, MAP_PRIVATE, self->a.device,
		 bar2.offset);
	ASSERT_EQ(MAP_FAILED, p);
}

TEST_HARNESS_MAIN
