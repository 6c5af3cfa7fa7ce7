// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of idxd-siov vdevs from userspace (suite "vdev"), on the
 * kselftest harness: each vdev is opened like QEMU 7.2 opens a device
 * (group, type1v2 container, device fd) and brought up through its
 * emulated registers like a guest's idxd driver (vdev_client.h).
 *
 * Environment (mdev UUIDs, all created by in-vm.sh):
 *   VDEV_A, VDEV_B   dsa-1dwq-v1 vdevs on two dedicated WQs
 *   VDEV_S1, VDEV_S2 dsa-1swq-v1 vdevs sharing one shared WQ
 */
#include "vdev_client.h"
#include "kselftest_harness.h"

#define XFER		PAGE
#define IOVA_A		0x100000UL	/* where vdev A's container maps */
#define IOVA_B		0x200000UL	/* where vdev B's container maps */
#define IOVA_NOWHERE	0x40000000UL	/* mapped in no container */

static const char *env(const char *name)
{
	const char *val = getenv(name);

	if (!val)
		fprintf(stderr, "%s is not set\n", name);
	return val;
}

/* Fill src with a pattern, memmove it, check data and record. */
static int memmove_ok(struct vdev *v, int irq)
{
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMMOVE };
	uint8_t *src = v->buf, *dst = v->buf + PAGE;
	unsigned int i;

	for (i = 0; i < XFER; i++)
		src[i] = i * 7 + (uint8_t)v->iova + 3;
	memset(dst, 0, XFER);
	d.src_addr = v->iova;
	d.dst_addr = v->iova + PAGE;
	d.xfer_size = XFER;
	if (vdev_submit(v, &d, irq) != DSA_COMP_SUCCESS)
		return -1;
	if (record(v)->bytes_completed != XFER)
		return -2;
	return memcmp(src, dst, XFER) ? -3 : 0;
}

FIXTURE(vdev) {
	struct vdev a, b;
};

FIXTURE_SETUP(vdev)
{
	const char *ua = env("VDEV_A"), *ub = env("VDEV_B");

	ASSERT_NE(NULL, ua);
	ASSERT_NE(NULL, ub);
	ASSERT_EQ(0, vdev_open(&self->a, ua, IOVA_A));
	ASSERT_EQ(0, vdev_open(&self->b, ub, IOVA_B));
	ASSERT_EQ(0, vdev_bring_up(&self->a));
	ASSERT_EQ(0, vdev_bring_up(&self->b));
}

FIXTURE_TEARDOWN(vdev)
{
	vdev_close(&self->a);
	vdev_close(&self->b);
}

/* What a guest's PCI core and idxd driver read first. */
TEST_F(vdev, config_space)
{
	struct vdev *v = &self->a;
	uint8_t whole[4096];
	unsigned int off;
	uint32_t bar;
	uint16_t msix_flags;
	uint8_t cap;

	ASSERT_EQ(0x0b258086, rd32(v, v->cfg, PCI_VENDOR_ID));
	ASSERT_EQ(0x088000, rd32(v, v->cfg, PCI_CLASS_REVISION) >> 8);
	/* BAR sizing: 64 KiB BAR0, 16 KiB BAR2, both 64-bit memory */
	ASSERT_EQ(0, wr32(v, v->cfg, PCI_BASE_ADDRESS_0, 0xffffffff));
	bar = rd32(v, v->cfg, PCI_BASE_ADDRESS_0);
	ASSERT_EQ(0xffff0000 | PCI_BASE_ADDRESS_MEM_TYPE_64, bar);
	ASSERT_EQ(0, wr32(v, v->cfg, PCI_BASE_ADDRESS_2, 0xffffffff));
	ASSERT_EQ(0xffffc000 | PCI_BASE_ADDRESS_MEM_TYPE_64,
		  rd32(v, v->cfg, PCI_BASE_ADDRESS_2));
	/* capabilities: MSI-X (2 vectors, table/PBA in BAR0), PCIe */
	cap = rd32(v, v->cfg, PCI_CAPABILITY_LIST) & 0xff;
	ASSERT_EQ(PCI_CAP_ID_MSIX, rd32(v, v->cfg, cap) & 0xff);
	msix_flags = rd32(v, v->cfg, cap) >> 16;
	ASSERT_EQ(NVEC - 1, msix_flags & PCI_MSIX_FLAGS_QSIZE);
	ASSERT_EQ(0x2000, rd32(v, v->cfg, cap + PCI_MSIX_TABLE));
	ASSERT_EQ(0x3000, rd32(v, v->cfg, cap + PCI_MSIX_PBA));
	cap = (rd32(v, v->cfg, cap) >> 8) & 0xff;
	ASSERT_EQ(PCI_CAP_ID_EXP, rd32(v, v->cfg, cap) & 0xff);
	ASSERT_NE(0, rd32(v, v->cfg, cap + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLR);
	/* extended: PASID, 20 bits */
	ASSERT_EQ(PCI_EXT_CAP_ID_PASID, rd32(v, v->cfg, 0x100) & 0xffff);
	ASSERT_EQ(20, (rd32(v, v->cfg, 0x100 + PCI_PASID_CAP) >> 8) & 0x1f);
	/* read-only: the IDs do not change */
	ASSERT_EQ(0, wr32(v, v->cfg, PCI_VENDOR_ID, 0x12345678));
	ASSERT_EQ(0x0b258086, rd32(v, v->cfg, PCI_VENDOR_ID));
	/* QEMU's vfio-pci reads the whole space in one pread at realize */
	ASSERT_EQ(sizeof(whole), pread(v->device, whole, sizeof(whole), v->cfg));
	for (off = 0; off < sizeof(whole); off += 4) {
		ASSERT_EQ(rd32(v, v->cfg, off), *(uint32_t *)(whole + off));
	}
	ASSERT_EQ(3, pread(v->device, &bar, 3, v->cfg + 1));
	ASSERT_EQ(0x0b2580, bar & 0xffffff);
	/* beyond the space: an error, nothing read */
	ASSERT_EQ(-1, pread(v->device, &bar, 4, v->cfg + 4094));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, pread(v->device, &bar, 4, v->cfg + 4096));
}

/* One WQ, one group, one engine; configuration owned by the host. */
TEST_F(vdev, capabilities)
{
	struct vdev *v = &self->a;
	uint64_t gencap = rd64(v, v->bar0, R_GENCAP);
	uint64_t wqcap = rd64(v, v->bar0, R_WQCAP);

	ASSERT_EQ(0, gencap & (1ULL << 31));		/* config_en clear */
	ASSERT_NE(0, gencap & (1ULL << 4));		/* cmd_cap */
	ASSERT_EQ(0, (gencap >> 25) & 0x3f);		/* no IMS */
	ASSERT_EQ(16, wqcap & 0xffff);			/* WQ size */
	ASSERT_EQ(1, (wqcap >> 16) & 0xff);		/* one WQ */
	ASSERT_NE(0, wqcap & (1ULL << 49));		/* dedicated */
	ASSERT_EQ(1, rd64(v, v->bar0, R_GRPCAP) & 0xff);
	ASSERT_EQ(1, rd64(v, v->bar0, R_ENGCAP) & 0xff);
	ASSERT_NE(0, rd32(v, v->bar0, R_CMDCAP) & (1u << CMD_REQUEST_INT_HANDLE));
	/* read-only: a write changes nothing */
	ASSERT_EQ(0, wr32(v, v->bar0, R_GENCAP, 0));
	ASSERT_EQ(gencap, rd64(v, v->bar0, R_GENCAP));
	/* WQCFG: enabled (state 1 in bits 31:30 of dword 6), size 16 */
	ASSERT_EQ(1, rd32(v, v->bar0, 0x800 + 6 * 4) >> 30);
	ASSERT_EQ(16, rd32(v, v->bar0, 0x800) & 0xffff);
	/* bad sizes and alignments are refused */
	ASSERT_EQ(-1, pread(v->device, &gencap, 2, v->bar0 + R_GENCAP));
	ASSERT_EQ(-1, pread(v->device, &gencap, 8, v->bar0 + R_GENCAP + 4));
}

/* The command engine answers with the real CMDSTS codes. */
TEST_F(vdev, command_status_codes)
{
	struct vdev *v = &self->a;

	ASSERT_EQ(0x10, vdev_cmd(v, CMD_ENABLE_DEVICE, 0, 0));	/* enabled */
	ASSERT_EQ(0x02, vdev_cmd(v, CMD_ENABLE_WQ, 1, 0));	/* no WQ 1 */
	ASSERT_EQ(0x21, vdev_cmd(v, CMD_ENABLE_WQ, 0, 0));	/* enabled */
	ASSERT_EQ(0x01, vdev_cmd(v, 0x1f, 0, 0));		/* no such */
	ASSERT_EQ(0x41, vdev_cmd(v, CMD_REQUEST_INT_HANDLE, 0, 0));
	ASSERT_EQ(0x41, vdev_cmd(v, CMD_REQUEST_INT_HANDLE, NVEC, 0));
	ASSERT_EQ(0x41, vdev_cmd(v, CMD_REQUEST_INT_HANDLE, 1 | 1 << 16, 0));
	ASSERT_EQ(0x02, vdev_cmd(v, CMD_DISABLE_WQ, 2, 0));	/* mask */
	/* none of that disturbed the WQ */
	ASSERT_EQ(0, memmove_ok(v, 0));
	/* disable: the WQ, then the device; twice is an error */
	ASSERT_EQ(0, vdev_cmd(v, CMD_DISABLE_WQ, 1, 0));
	ASSERT_EQ(0x32, vdev_cmd(v, CMD_DISABLE_WQ, 1, 0));
	ASSERT_EQ(0, vdev_cmd(v, CMD_DISABLE_DEVICE, 0, 0));
	ASSERT_EQ(0x31, vdev_cmd(v, CMD_DISABLE_DEVICE, 0, 0));
	ASSERT_EQ(0x20, vdev_cmd(v, CMD_ENABLE_WQ, 0, 0));	/* dev off */
	/* bus master off: the device refuses to start */
	ASSERT_EQ(0, wr16(v, v->cfg, PCI_COMMAND, PCI_COMMAND_MEMORY));
	ASSERT_EQ(0x12, vdev_cmd(v, CMD_ENABLE_DEVICE, 0, 0));
	ASSERT_EQ(0, vdev_bring_up(v));
	ASSERT_EQ(0, memmove_ok(v, 0));
}

/* Vector 0 is emulated: a command with INT_REQ raises it. */
TEST_F(vdev, command_interrupt)
{
	struct vdev *v = &self->a;

	drain_event(v->msix[0]);
	wr32(v, v->bar0, R_INTCAUSE, ~0u);
	ASSERT_EQ(0x21, vdev_cmd(v, CMD_ENABLE_WQ, 0, 1));
	ASSERT_NE(0, wait_event(v->msix[0], 5000));
	ASSERT_EQ(INTC_CMD, rd32(v, v->bar0, R_INTCAUSE));
	ASSERT_EQ(0, wr32(v, v->bar0, R_INTCAUSE, INTC_CMD));	/* RW1C */
	ASSERT_EQ(0, rd32(v, v->bar0, R_INTCAUSE));
	ASSERT_EQ(0, wait_event(v->msix[1], 0));
}

/* Vector 1 is an IMS entry with the vdev's PASID: completions raise it. */
TEST_F(vdev, completion_interrupt_on_eventfd)
{
	struct vdev *v = &self->a;
	int i;

	drain_event(v->msix[1]);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, memmove_ok(v, 1));
		ASSERT_NE(0, wait_event(v->msix[1], 5000));
	}
	/* no interrupt requested: none comes */
	ASSERT_EQ(0, memmove_ok(v, 0));
	ASSERT_EQ(0, wait_event(v->msix[1], 300));
	/* vdev B's handle is another IMS entry, another PASID */
	ASSERT_NE(self->a.handle, self->b.handle);
	drain_event(self->b.msix[1]);
	ASSERT_EQ(0, memmove_ok(&self->b, 1));
	ASSERT_NE(0, wait_event(self->b.msix[1], 5000));
	ASSERT_EQ(0, wait_event(self->a.msix[1], 300));
}

/*
 * A masked vector holds its interrupt (PBA bit set) and delivers it at
 * unmask: vector 1 (IMS-backed) and vector 0 (emulated).
 */
TEST_F(vdev, masked_vectors_hold_interrupts)
{
	struct vfio_irq_info info = { .argsz = sizeof(info),
				      .index = VFIO_PCI_MSIX_IRQ_INDEX };
	struct vdev *v = &self->a;

	ASSERT_EQ(0, ioctl(v->device, VFIO_DEVICE_GET_IRQ_INFO, &info));
	ASSERT_EQ(NVEC, info.count);
	ASSERT_NE(0, info.flags & VFIO_IRQ_INFO_MASKABLE);
	drain_event(v->msix[0]);
	drain_event(v->msix[1]);

	ASSERT_EQ(0, vdev_mask_vector(v, 1, 1));
	ASSERT_EQ(0, memmove_ok(v, 1));
	ASSERT_EQ(0, wait_event(v->msix[1], 300));
	ASSERT_EQ(2, rd64(v, v->bar0, 0x3000));		/* PBA: vector 1 */
	ASSERT_EQ(0, vdev_mask_vector(v, 1, 0));
	ASSERT_NE(0, wait_event(v->msix[1], 5000));
	ASSERT_EQ(0, rd64(v, v->bar0, 0x3000));

	ASSERT_EQ(0, vdev_mask_vector(v, 0, 1));
	ASSERT_EQ(0x21, vdev_cmd(v, CMD_ENABLE_WQ, 0, 1));
	ASSERT_EQ(0, wait_event(v->msix[0], 300));
	ASSERT_EQ(1, rd64(v, v->bar0, 0x3000));		/* PBA: vector 0 */
	ASSERT_EQ(0, vdev_mask_vector(v, 0, 0));
	ASSERT_NE(0, wait_event(v->msix[0], 5000));
	ASSERT_EQ(0, rd64(v, v->bar0, 0x3000));

	/* unmasked, nothing held: nothing delivered */
	ASSERT_EQ(0, wait_event(v->msix[1], 300));
	/* the request interrupt cannot be masked; no vector 2 */
	struct vfio_irq_set set = { .argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK,
		.index = VFIO_PCI_REQ_IRQ_INDEX, .count = 1 };
	ASSERT_EQ(-1, ioctl(v->device, VFIO_DEVICE_SET_IRQS, &set));
	ASSERT_EQ(-EINVAL, vdev_mask_vector(v, NVEC, 1));
}

TEST_F(vdev, fill)
{
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMFILL };
	uint8_t *dst = self->b.buf + PAGE;
	unsigned int i;

	d.pattern = 0xa5a5a5a5deadbeefULL;
	d.dst_addr = IOVA_B + PAGE;
	d.xfer_size = XFER;
	ASSERT_EQ(DSA_COMP_SUCCESS, vdev_submit(&self->b, &d, 0));
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
	ASSERT_EQ(DSA_COMP_SUCCESS, vdev_submit(&self->a, &d, 0));
	ASSERT_EQ(0, record(&self->a)->result);
	s2[100] = 0x12;
	d.flags = 0;
	ASSERT_EQ(DSA_COMP_SUCCESS, vdev_submit(&self->a, &d, 0));
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
	ASSERT_EQ(DSA_COMP_PAGE_FAULT_NOBOF, vdev_submit(&self->a, &d, 0));
	ASSERT_EQ(IOVA_NOWHERE, record(&self->a)->fault_addr);
	ASSERT_EQ(0x77, dst[0]);
	ASSERT_EQ(0x77, dst[XFER - 1]);
}

/*
 * A completion record the device cannot write is a software error of
 * the parent's WQ: the guest gets it in its SWERR, with WQ 0 and no
 * host PASID, and an interrupt on vector 0.
 */
TEST_F(vdev, software_error_forwarded)
{
	struct vdev *v = &self->a;
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMFILL };
	uint64_t w0;
	int i;

	drain_event(v->msix[0]);
	wr32(v, v->bar0, R_INTCAUSE, ~0u);
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	d.completion_addr = IOVA_NOWHERE;
	d.dst_addr = IOVA_A + PAGE;
	d.xfer_size = 64;
	ASSERT_EQ(0, vdev_post(v, &d));
	ASSERT_NE(0, wait_event(v->msix[0], 5000));
	ASSERT_NE(0, rd32(v, v->bar0, R_INTCAUSE) & INTC_ERR);
	w0 = rd64(v, v->bar0, R_SWERR);
	ASSERT_EQ(1, w0 & 1);				/* valid */
	ASSERT_EQ(0, (w0 >> 16) & 0xff);		/* WQ 0 */
	ASSERT_EQ(0, w0 >> 40 & 0xfffff);		/* no PASID shown */
	ASSERT_EQ(DSA_OPCODE_MEMFILL, (w0 >> 32) & 0xff);
	/* writing valid back clears the record */
	ASSERT_EQ(0, wr32(v, v->bar0, R_SWERR, 1));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, rd64(v, v->bar0, R_SWERR + 8 * i));
	/* vdev B saw nothing of it */
	ASSERT_EQ(0, rd64(&self->b, self->b.bar0, R_SWERR));
	ASSERT_EQ(0, memmove_ok(v, 0));
}

/*
 * SET_IRQS with eventfds is all or nothing, as with vfio-pci: a bad fd
 * after a good one leaves every vector with the eventfd it had.
 */
TEST_F(vdev, set_irqs_is_all_or_nothing)
{
	char raw[sizeof(struct vfio_irq_set) + NVEC * sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)raw;
	struct vfio_irq_set fire = {
		.argsz = sizeof(fire),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
		.start = 0,
		.count = 1,
	};
	struct vdev *v = &self->a;
	int fresh = eventfd(0, EFD_NONBLOCK);
	int not_eventfd = open("/dev/null", O_RDONLY);

	ASSERT_LE(0, fresh);
	ASSERT_LE(0, not_eventfd);
	drain_event(v->msix[0]);
	drain_event(v->msix[1]);
	set->argsz = sizeof(raw);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->start = 0;
	set->count = NVEC;
	((int32_t *)set->data)[0] = fresh;
	((int32_t *)set->data)[1] = not_eventfd;
	ASSERT_EQ(-1, ioctl(v->device, VFIO_DEVICE_SET_IRQS, set));
	/* vector 0 (emulated) still signals its own eventfd */
	ASSERT_EQ(0, ioctl(v->device, VFIO_DEVICE_SET_IRQS, &fire));
	ASSERT_NE(0, wait_event(v->msix[0], 1000));
	ASSERT_EQ(0, wait_event(fresh, 0));
	/* and vector 1 (an IMS entry) its own */
	ASSERT_EQ(0, memmove_ok(v, 1));
	ASSERT_NE(0, wait_event(v->msix[1], 5000));
	close(fresh);
	close(not_eventfd);
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
	ASSERT_EQ(DSA_COMP_PAGE_FAULT_NOBOF, vdev_submit(&self->b, &d, 0));
	ASSERT_EQ(IOVA_A, record(&self->b)->fault_addr);
	ASSERT_EQ(0xbb, self->b.buf[PAGE]);
	/* A writes B's IOVA */
	memset(&d, 0, sizeof(d));
	d.opcode = DSA_OPCODE_MEMMOVE;
	d.src_addr = IOVA_A;
	d.dst_addr = IOVA_B + PAGE;
	d.xfer_size = XFER;
	ASSERT_EQ(DSA_COMP_PAGE_FAULT_NOBOF, vdev_submit(&self->a, &d, 0));
	ASSERT_EQ(0xbb, self->b.buf[PAGE]);
	ASSERT_EQ(0xbb, self->b.buf[2 * PAGE - 1]);
	/* and each still works on its own */
	d.dst_addr = IOVA_A + PAGE;
	ASSERT_EQ(DSA_COMP_SUCCESS, vdev_submit(&self->a, &d, 0));
}

/*
 * Emulated resets (Reset Device, FLR, VFIO_DEVICE_RESET) stop the vdev's
 * WQ and bring its registers back, and nothing else: vdev B goes on.
 */
TEST_F(vdev, emulated_resets)
{
	struct vdev *v = &self->a;
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMFILL };
	uint8_t exp_cap;
	int round;

	for (round = 0; round < 3; round++) {
		if (round == 0) {
			ASSERT_EQ(0, vdev_cmd(v, CMD_RESET_DEVICE, 0, 0));
		} else if (round == 1) {
			exp_cap = rd32(v, v->cfg, PCI_CAPABILITY_LIST) & 0xff;
			exp_cap = (rd32(v, v->cfg, exp_cap) >> 8) & 0xff;
			ASSERT_EQ(0, wr16(v, v->cfg, exp_cap + PCI_EXP_DEVCTL,
					  PCI_EXP_DEVCTL_BCR_FLR));
			ASSERT_EQ(0, rd32(v, v->cfg, exp_cap + PCI_EXP_DEVCTL) &
				  PCI_EXP_DEVCTL_BCR_FLR);
			ASSERT_EQ(0, rd32(v, v->cfg, PCI_COMMAND) &
				  PCI_COMMAND_MASTER);
		} else {
			ASSERT_EQ(0, ioctl(v->device, VFIO_DEVICE_RESET));
		}
		ASSERT_EQ(0, rd32(v, v->bar0, R_GENSTS) & 3);
		ASSERT_EQ(0, rd32(v, v->bar0, 0x800 + 6 * 4) >> 30);
		ASSERT_EQ(0, rd32(v, v->bar0, R_GENCTRL));
		/* a descriptor to a reset vdev's portal is dropped */
		memset(v->buf + PAGE, 0x5a, 64);
		memset(record(v), 0, 32);
		d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
		d.completion_addr = v->iova + 2 * PAGE;
		d.pattern = 0;
		d.dst_addr = IOVA_A + PAGE;
		d.xfer_size = 64;
		ASSERT_EQ(0, vdev_post(v, &d));
		usleep(300000);
		ASSERT_EQ(0, record(v)->status);
		ASSERT_EQ(0x5a, v->buf[PAGE]);
		/* the other vdev never noticed */
		ASSERT_EQ(0, memmove_ok(&self->b, 0));
		/* and this one comes back */
		ASSERT_EQ(0, vdev_bring_up(v));
		ASSERT_EQ(0, memmove_ok(v, 1));
	}
}

/* The portal is BAR2 pages 0-1 only; the rest cannot be mapped. */
TEST_F(vdev, bar2_mmap_bounds)
{
	char raw[sizeof(struct vfio_region_info) + 256];
	struct vfio_region_info *info = (void *)raw;
	struct vfio_region_info_cap_sparse_mmap *sparse;
	struct vfio_region_info bar2;
	void *p;

	ASSERT_EQ(0, region(&self->a, VFIO_PCI_BAR2_REGION_INDEX, &bar2));
	ASSERT_EQ(4 * PAGE, bar2.size);
	ASSERT_NE(0, bar2.flags & VFIO_REGION_INFO_FLAG_MMAP);
	/*
	 * A VMM maps only what a sparse-mmap capability names (else it maps
	 * the whole BAR, fails, and traps every descriptor): the two portal
	 * pages.
	 */
	ASSERT_NE(0, bar2.flags & VFIO_REGION_INFO_FLAG_CAPS);
	ASSERT_LT(sizeof(bar2), bar2.argsz);
	ASSERT_GE(sizeof(raw), bar2.argsz);
	memset(raw, 0, sizeof(raw));
	info->argsz = sizeof(raw);
	info->index = VFIO_PCI_BAR2_REGION_INDEX;
	ASSERT_EQ(0, ioctl(self->a.device, VFIO_DEVICE_GET_REGION_INFO, info));
	ASSERT_EQ(sizeof(*info), info->cap_offset);
	sparse = (void *)(raw + info->cap_offset);
	ASSERT_EQ(VFIO_REGION_INFO_CAP_SPARSE_MMAP, sparse->header.id);
	ASSERT_EQ(0, sparse->header.next);
	ASSERT_EQ(1, sparse->nr_areas);
	ASSERT_EQ(0, sparse->areas[0].offset);
	ASSERT_EQ(2 * PAGE, sparse->areas[0].size);
	p = mmap(NULL, 2 * PAGE, PROT_WRITE, MAP_SHARED, self->a.device,
		 bar2.offset);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, 2 * PAGE);
	p = mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, self->a.device,
		 bar2.offset + 2 * PAGE);
	ASSERT_EQ(MAP_FAILED, p);
	p = mmap(NULL, PAGE, PROT_WRITE, MAP_PRIVATE, self->a.device,
		 bar2.offset);
	ASSERT_EQ(MAP_FAILED, p);
}

/* Two dsa-1swq-v1 vdevs on one shared WQ: trapped, each with its PASID. */
FIXTURE(shared) {
	struct vdev s1, s2;
};

FIXTURE_SETUP(shared)
{
	const char *u1 = env("VDEV_S1"), *u2 = env("VDEV_S2");

	ASSERT_NE(NULL, u1);
	ASSERT_NE(NULL, u2);
	ASSERT_EQ(0, vdev_open(&self->s1, u1, IOVA_A));
	ASSERT_EQ(0, vdev_open(&self->s2, u2, IOVA_B));
	ASSERT_EQ(0, vdev_bring_up(&self->s1));
	ASSERT_EQ(0, vdev_bring_up(&self->s2));
}

FIXTURE_TEARDOWN(shared)
{
	vdev_close(&self->s1);
	vdev_close(&self->s2);
}

TEST_F(shared, trapped_portal_is_never_mapped)
{
	struct vfio_region_info bar2;

	ASSERT_EQ(NULL, self->s1.portal);
	ASSERT_EQ(0, region(&self->s1, VFIO_PCI_BAR2_REGION_INDEX, &bar2));
	ASSERT_EQ(0, bar2.flags & VFIO_REGION_INFO_FLAG_MMAP);
	ASSERT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED,
				   self->s1.device, bar2.offset));
	/*
	 * The guest sees a dedicated WQ without PASID: a stock idxd without
	 * a vIOMMU refuses a shared or PASID-enabled one at probe.
	 */
	ASSERT_NE(0, rd64(&self->s1, self->s1.bar0, R_WQCAP) & (1ULL << 49));
	ASSERT_EQ(0, rd64(&self->s1, self->s1.bar0, R_WQCAP) & (1ULL << 48));
	ASSERT_NE(0, rd32(&self->s1, self->s1.bar0, 0x800 + 2 * 4) & 1);
	ASSERT_EQ(0, rd32(&self->s1, self->s1.bar0, 0x800 + 2 * 4) & (1u << 3));
}

/*
 * Same IOVAs would be ambiguous if the PASID were the guest's to choose:
 * each vdev maps its own buffer at its own IOVA, claims the other's PASID
 * (and privilege) in the descriptor, and still DMAs in its own container.
 */
TEST_F(shared, each_vdev_dmas_with_its_own_pasid)
{
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMMOVE };

	ASSERT_EQ(0, memmove_ok(&self->s1, 1));
	ASSERT_NE(0, wait_event(self->s1.msix[1], 5000));
	ASSERT_EQ(0, memmove_ok(&self->s2, 1));
	ASSERT_NE(0, wait_event(self->s2.msix[1], 5000));
	/* S2 names S1's IOVA and forges a PASID: its own domain faults */
	memset(self->s1.buf + PAGE, 0x33, XFER);
	d.pasid = 1;
	d.priv = 1;
	d.src_addr = IOVA_B;
	d.dst_addr = IOVA_A + PAGE;
	d.xfer_size = XFER;
	ASSERT_EQ(DSA_COMP_PAGE_FAULT_NOBOF, vdev_submit(&self->s2, &d, 0));
	ASSERT_EQ(0x33, self->s1.buf[PAGE]);
}

/* A descriptor may arrive as eight 8-byte writes (a VMM's MMIO). */
TEST_F(shared, descriptor_in_eight_pieces)
{
	struct vdev *v = &self->s1;
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMFILL };
	struct dsa_completion_record *cr = record(v);
	uint64_t q[8];
	int64_t deadline;
	int i;

	memset(v->buf + PAGE, 0, 256);
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	d.completion_addr = v->iova + 2 * PAGE;
	d.pattern = 0x0102030405060708ULL;
	d.dst_addr = v->iova + PAGE;
	d.xfer_size = 256;
	memset(cr, 0, sizeof(*cr));
	memcpy(q, &d, sizeof(q));
	for (i = 7; i >= 0; i--) {	/* any order */
		ASSERT_EQ(8, pwrite(v->device, &q[i], 8, v->bar2 + 8 * i));
		if (i)
			ASSERT_EQ(0, cr->status);
	}
	deadline = now_ns() + TIMEOUT_NS;
	while (!__atomic_load_n(&cr->status, __ATOMIC_ACQUIRE) && now_ns() < deadline)
		usleep(50);
	ASSERT_EQ(DSA_COMP_SUCCESS, cr->status & DSA_COMP_STATUS_MASK);
	ASSERT_EQ(d.pattern, *(uint64_t *)(v->buf + PAGE + 248));
	/* bad trapped writes: an error, nothing submitted */
	ASSERT_EQ(-1, pwrite(v->device, &d, 32, v->bar2));
	ASSERT_EQ(-1, pwrite(v->device, &d, 64, v->bar2 + 8));
	ASSERT_EQ(-1, pwrite(v->device, &d, 64, v->bar2 + 2 * PAGE));
}

/*
 * Pieces of a descriptor written before a reset never combine with the
 * pieces written after it into a descriptor nobody wrote whole.
 */
TEST_F(shared, reset_drops_a_partial_descriptor)
{
	struct vdev *v = &self->s1;
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMFILL };
	struct dsa_completion_record *cr = record(v);
	uint64_t q[8];
	int i;

	memset(v->buf + PAGE, 0, 256);
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	d.completion_addr = v->iova + 2 * PAGE;
	d.pattern = 0x0102030405060708ULL;
	d.dst_addr = v->iova + PAGE;
	d.xfer_size = 256;
	memset(cr, 0, sizeof(*cr));
	memcpy(q, &d, sizeof(q));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(8, pwrite(v->device, &q[i], 8, v->bar2 + 8 * i));
	}
	ASSERT_EQ(0, ioctl(v->device, VFIO_DEVICE_RESET));
	ASSERT_EQ(0, vdev_bring_up(v));
	for (i = 4; i < 8; i++) {
		ASSERT_EQ(8, pwrite(v->device, &q[i], 8, v->bar2 + 8 * i));
	}
	usleep(500000);
	ASSERT_EQ(0, __atomic_load_n(&cr->status, __ATOMIC_ACQUIRE));
	ASSERT_EQ(0, *(uint64_t *)(v->buf + PAGE + 248));
	/* a whole descriptor after it runs */
	ASSERT_EQ(0, memmove_ok(v, 0));
}

TEST_HARNESS_MAIN
