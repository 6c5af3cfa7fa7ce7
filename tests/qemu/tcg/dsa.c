/*
 * Bare-metal checks of ENQCMD, ENQCMDS and MOVDIR64B against the idxd-dsa
 * model.  Needs q35 with "-device idxd-dsa,addr=04.0,x-engines-paused=on":
 * with the engines paused, accepted descriptors stay queued and the WQ's
 * occupancy shows what the device took.
 *
 * The guest programs the function itself: BARs through ports 0xcf8/0xcfc,
 * the PASID capability through MMCONFIG (after pointing the Q35 PCIEXBAR
 * at it), then one group with WQ0 (shared, size 2, threshold 0, PASID 1)
 * and engine 0 through BAR0.  Reports TAP on COM1 like test.c.
 */
#include "common.h"

#define NCHECKS		7

/* PCI configuration space */
#define PCI_BDF(b, d, f)	((b) << 8 | (d) << 3 | (f))
#define HOST_BRIDGE	PCI_BDF(0, 0, 0)
#define DSA_BDF		PCI_BDF(0, 4, 0)
#define PCI_ADDR_PORT	0xcf8
#define PCI_DATA_PORT	0xcfc
#define PCI_ID		0x00
#define PCI_COMMAND	0x04
#define PCI_BAR0	0x10
#define PCI_BAR2	0x18
#define PCI_CMD_MEMORY	0x2
#define PCI_CMD_MASTER	0x4
#define Q35_PCIEXBAR	0x60
#define PCIEXBAR_EN	0x1
#define DSA_PCI_ID	0x0b258086
#define EXT_CAP_PASID	0x1b
#define DSA_PASID_CAP	0x100
#define PASID_CTRL	(DSA_PASID_CAP + 6)
#define PASID_CTRL_EN	0x1

/* guest physical layout; everything from MMCFG_BASE to UC_END is uncached */
#define MMCFG_BASE	0xb0000000UL
#define BAR0_BASE	0xc0000000UL
#define BAR2_BASE	0xc0100000UL
#define UC_END		0xc0200000UL

/* BAR2: four 4 KiB portals per WQ, MSI-X unlimited first, then limited */
#define PORTAL_UNLIMITED	(BAR2_BASE + 0x0000)
#define PORTAL_LIMITED		(BAR2_BASE + 0x1000)

/* BAR0 registers */
#define REG_GENSTS	0x90
#define REG_CMD		0xa0
#define REG_CMDSTS	0xa8
#define REG_SWERR	0xc0
#define REG_GRPCFG	0x400		/* group 0: qword 0 WQs, 4 engines */
#define REG_WQCFG	0x800		/* WQ 0, 32 bytes */
#define GRPCFG_WQS	(REG_GRPCFG + 0)
#define GRPCFG_ENGINES	(REG_GRPCFG + 32)
#define WQCFG_SIZE	(REG_WQCFG + 0)
#define WQCFG_THRESH	(REG_WQCFG + 4)
#define WQCFG_MODE	(REG_WQCFG + 8)
#define WQCFG_MAXSZ	(REG_WQCFG + 12)
#define WQCFG_OCCUP	(REG_WQCFG + 24)

#define GENSTS_ENABLED		1
#define CMD_CODE_SHIFT		20
#define CMDSTS_ACTIVE		(1u << 31)
#define CMD_ENABLE_DEVICE	1
#define CMD_ENABLE_WQ		6
#define CMD_DISABLE_WQ		7
#define CMD_ABORT_WQ		9
#define WQ0_MASK		0x1	/* operand of disable/abort WQ */

#define WQ_PRIORITY(p)		((p) << 4)
#define WQ_PASID(p)		((p) << 8)
#define WQ_PASID_EN		(1u << 28)
#define WQ_PRIV			(1u << 29)
#define WQ_MAX_XFER_SHIFT(s)	(s)
#define WQ_MAX_BATCH_SHIFT(s)	((s) << 5)
#define WQ_OCCUPANCY(dw)	((dw) & 0xffff)
#define WQ_STATE(dw)		((dw) >> 30)
#define WQ_STATE_ENABLED	1

#define SWERR_VALID		0x1UL
#define SWERR_ERROR(w)		(((w) >> 8) & 0xff)
#define SWERR_PORTAL_WRITE	0x30

#define DESC_PASID(p)		(p)
#define DESC_PRIV		(1u << 31)
#define DESC_OPCODE(op)		((uint32_t)(op) << 24)
#define OP_NOOP			0

#define WQ_PASID_NR		1

/* the descriptor every submission sends */
static uint32_t desc[16] __attribute__((aligned(64)));

static uint32_t pci_read(uint32_t bdf, uint32_t off)
{
	outl(PCI_ADDR_PORT, 0x80000000u | bdf << 8 | off);
	return inl(PCI_DATA_PORT);
}

static void pci_write(uint32_t bdf, uint32_t off, uint32_t v)
{
	outl(PCI_ADDR_PORT, 0x80000000u | bdf << 8 | off);
	outl(PCI_DATA_PORT, v);
}

static volatile void *mmcfg(uint32_t bdf, uint32_t off)
{
	return (volatile void *)(MMCFG_BASE + ((uint64_t)bdf << 12) + off);
}

static uint32_t rd_reg(uint32_t off)
{
	return *(volatile uint32_t *)(BAR0_BASE + off);
}

static uint64_t rd_reg64(uint32_t off)
{
	return *(volatile uint64_t *)(BAR0_BASE + off);
}

static void wr_reg(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(BAR0_BASE + off) = v;
}

/* Issue a command; returns the status byte of CMDSTS. */
static uint32_t dsa_cmd(uint32_t code, uint32_t operand)
{
	int i;

	wr_reg(REG_CMD, code << CMD_CODE_SHIFT | operand);
	for (i = 0; i < 1000000 && (rd_reg(REG_CMDSTS) & CMDSTS_ACTIVE); i++) {
		asm volatile("pause");
	}
	return rd_reg(REG_CMDSTS) & 0xff;
}

static void require(int ok, const char *why)
{
	if (!ok) {
		bail_out(why);
	}
}

/* Map MMCONFIG and the BARs uncached (boot.S identity-maps them WB). */
static void setup_pages(void)
{
	uint64_t va;

	for (va = MMCFG_BASE; va < UC_END; va += 1UL << 21) {
		pd[va >> 21] |= PDE_PCD | PDE_PWT;
	}
	flush_tlb();
}

static void setup_pci(void)
{
	volatile uint16_t *pasid_ctrl = mmcfg(DSA_BDF, PASID_CTRL);

	require(expect("00:04.0 vendor/device", pci_read(DSA_BDF, PCI_ID),
		       DSA_PCI_ID),
		"no idxd-dsa at 00:04.0 (-device idxd-dsa,addr=04.0)");

	pci_write(DSA_BDF, PCI_COMMAND, 0);
	pci_write(DSA_BDF, PCI_BAR0, BAR0_BASE);
	pci_write(DSA_BDF, PCI_BAR0 + 4, 0);
	pci_write(DSA_BDF, PCI_BAR2, BAR2_BASE);
	pci_write(DSA_BDF, PCI_BAR2 + 4, 0);
	pci_write(DSA_BDF, PCI_COMMAND, PCI_CMD_MEMORY | PCI_CMD_MASTER);
	require(expect("BAR0 (64-bit memory)", pci_read(DSA_BDF, PCI_BAR0),
		       BAR0_BASE | 0x4) &&
		expect("BAR2 (64-bit memory)", pci_read(DSA_BDF, PCI_BAR2),
		       BAR2_BASE | 0x4),
		"BARs not programmed");

	pci_write(HOST_BRIDGE, Q35_PCIEXBAR + 4, 0);
	pci_write(HOST_BRIDGE, Q35_PCIEXBAR, MMCFG_BASE | PCIEXBAR_EN);
	require(expect("MMCONFIG 00:04.0 vendor/device",
		       *(volatile uint32_t *)mmcfg(DSA_BDF, PCI_ID),
		       DSA_PCI_ID) &&
		expect("extended capability at 0x100",
		       *(volatile uint32_t *)mmcfg(DSA_BDF, DSA_PASID_CAP) &
		       0xffff, EXT_CAP_PASID),
		"no MMCONFIG access to the PASID capability");
	*pasid_ctrl |= PASID_CTRL_EN;
	require(expect("PASID control", *pasid_ctrl & PASID_CTRL_EN,
		       PASID_CTRL_EN),
		"PASID capability not enabled");
}

static void setup_device(void)
{
	uint32_t occup;

	wr_reg(GRPCFG_WQS, 1);
	wr_reg(GRPCFG_ENGINES, 1);
	wr_reg(WQCFG_SIZE, 2);
	wr_reg(WQCFG_THRESH, 0);
	wr_reg(WQCFG_MODE, WQ_PRIORITY(1) | WQ_PASID(WQ_PASID_NR) |
	       WQ_PASID_EN | WQ_PRIV);
	wr_reg(WQCFG_MAXSZ, WQ_MAX_XFER_SHIFT(16) | WQ_MAX_BATCH_SHIFT(5));

	require(expect("enable device: CMDSTS",
		       dsa_cmd(CMD_ENABLE_DEVICE, 0), 0) &&
		expect("GENSTS", rd_reg(REG_GENSTS) & 3, GENSTS_ENABLED),
		"device not enabled");
	require(expect("enable WQ0: CMDSTS", dsa_cmd(CMD_ENABLE_WQ, 0), 0),
		"WQ0 not enabled");
	occup = rd_reg(WQCFG_OCCUP);
	require(expect("WQ0 state", WQ_STATE(occup), WQ_STATE_ENABLED) &&
		expect("WQ0 occupancy", WQ_OCCUPANCY(occup), 0),
		"WQ0 not enabled and empty");
}

static int occupancy_is(uint32_t want)
{
	return expect("WQ0 occupancy", WQ_OCCUPANCY(rd_reg(WQCFG_OCCUP)),
		      want);
}

/*
 * Send the descriptor to @portal with @fn, at CPL3 if @user, starting from
 * every arithmetic flag set; check it did not fault and left @flags.
 */
static int submit(void (*fn)(void), uint64_t portal, int user,
		  uint64_t flags)
{
	long vector;

	g_src = (uint64_t)desc;
	g_dst = portal;
	g_flags_in = 0x2 | FLAGS_ARITH;
	vector = user ? run_user(fn) : try_call(fn);
	return expect_vector(vector, NO_FAULT) &&
		expect("flags", g_flags_out & FLAGS_ARITH, flags);
}

static void test_shared_wq(void)
{
	uint64_t swerr;
	uint32_t occup;
	int ok;

	desc[0] = DESC_PASID(WQ_PASID_NR) | DESC_PRIV;
	desc[1] = DESC_OPCODE(OP_NOOP);

	ok = submit(do_enqcmds, PORTAL_UNLIMITED, 0, 0) && occupancy_is(1);
	check(ok, "enqcmds noop to a shared WQ: accepted (ZF=0), occupancy 1");

	ok = submit(do_enqcmds, PORTAL_UNLIMITED, 0, 0) && occupancy_is(2);
	check(ok, "second enqcmds: accepted (ZF=0), occupancy 2");

	ok = submit(do_enqcmds, PORTAL_UNLIMITED, 0, FLAG_ZF) &&
		occupancy_is(2);
	check(ok, "enqcmds to the full WQ: retry (ZF=1), occupancy stays 2");

	/* empty the WQ first, or the retry would only say it is full */
	ok = expect("abort WQ0: CMDSTS", dsa_cmd(CMD_ABORT_WQ, WQ0_MASK), 0) &&
		occupancy_is(0);
	ok = ok && submit(do_enqcmds, PORTAL_LIMITED, 0, FLAG_ZF) &&
		occupancy_is(0);
	check(ok, "abort empties the WQ; enqcmds to the limited portal "
	      "at threshold 0: retry (ZF=1)");

	set_pasid(0x80000000 | WQ_PASID_NR);
	ok = expect("IA32_PASID", rdmsr_pasid(), 0x80000000 | WQ_PASID_NR) &&
		submit(do_enqcmd, PORTAL_UNLIMITED, 1, 0) && occupancy_is(1);
	check(ok, "enqcmd at CPL3 with IA32_PASID 0x80000001: accepted "
	      "(ZF=0), occupancy 1");

	wr_reg(REG_SWERR, SWERR_VALID);
	occup = WQ_OCCUPANCY(rd_reg(WQCFG_OCCUP));
	ok = expect("SWERR before", rd_reg64(REG_SWERR), 0) &&
		submit(do_movdir64b, PORTAL_UNLIMITED, 0, FLAGS_ARITH) &&
		occupancy_is(occup);
	swerr = rd_reg64(REG_SWERR);
	ok = ok && expect("SWERR valid", swerr & SWERR_VALID, SWERR_VALID) &&
		expect("SWERR error code", SWERR_ERROR(swerr),
		       SWERR_PORTAL_WRITE);
	check(ok, "movdir64b to a shared WQ: not queued, SWERR error 0x30");

	ok = expect("disable WQ0: CMDSTS",
		    dsa_cmd(CMD_DISABLE_WQ, WQ0_MASK), 0) &&
		expect("WQ0 state", WQ_STATE(rd_reg(WQCFG_OCCUP)), 0) &&
		submit(do_enqcmds, PORTAL_UNLIMITED, 0, FLAG_ZF) &&
		occupancy_is(0);
	check(ok, "enqcmds to a disabled WQ: retry (ZF=1)");
}

void kmain(void)
{
	start_guest(NCHECKS);
	setup_pages();
	setup_pci();
	setup_device();

	test_shared_wq();

	finish_guest();
}
