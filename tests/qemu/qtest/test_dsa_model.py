#!/usr/bin/env python3
"""qtest suite for the idxd-dsa device model: no guest kernel involved.

Usage: test_dsa_model.py QEMU_BINARY [TEST_NAME...]

Each test boots a fresh machine under the qtest accelerator, programs
the device through PCI config space and BAR0 like a driver would, puts
descriptors into BAR2 portals and checks guest memory: the data moved,
the completion records, the interrupt messages (MSI-X and IMS entries
are pointed at RAM so each delivered interrupt is a visible write).
"""

import struct
import sys
import traceback

from qtest import Machine

DEVFN = 0x04 << 3
DEV_PATH = "/machine/peripheral/dsa"
BAR0 = 0xC0000000
BAR2 = 0xC0100000
RAM = 0x01000000            # scratch memory for buffers
MMCONFIG = 0xB0000000

# registers
VERSION, GENCAP, WQCAP, GRPCAP, ENGCAP, OPCAP, OFFSETS = \
    0x00, 0x10, 0x20, 0x30, 0x38, 0x40, 0x60
GENCFG, GENCTRL, GENSTS, INTCAUSE, CMD, CMDSTS, CMDCAP, SWERR = \
    0x80, 0x88, 0x90, 0x98, 0xA0, 0xA8, 0xB0, 0xC0
MSIX_TABLE, MSIX_PBA = 0x2000, 0x3000
(ENABLE_DEVICE, DISABLE_DEVICE, DRAIN_ALL, ABORT_ALL, RESET_DEVICE,
 ENABLE_WQ, DISABLE_WQ, DRAIN_WQ, ABORT_WQ, RESET_WQ, DRAIN_PASID,
 ABORT_PASID, REQUEST_INT_HANDLE, RELEASE_INT_HANDLE) = range(1, 15)

# descriptor opcodes and flags
NOOP, BATCH, DRAIN, MEMMOVE, FILL, COMPARE, COMPVAL = 0, 1, 2, 3, 4, 5, 6
DUALCAST, CRCGEN, COPY_CRC = 9, 0x10, 0x11
F_FENCE, F_CRAV, F_RCR, F_RCI = 0x1, 0x4, 0x8, 0x10

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Dsa:
    """Drives one model instance the way a driver would."""

    def __init__(self, qemu, props="", iommu=False):
        extra = []
        if iommu:
            extra += ["-device", "intel-iommu,intremap=on,x-scalable-mode=on,"
                      "x-pasid-mode=on"]
        extra += ["-device", "idxd-dsa,id=dsa,addr=04.0" +
                  ("," + props if props else "")]
        self.m = Machine(qemu, extra, ("/usr/share/seabios", "/usr/share/qemu"))
        m = self.m
        # what firmware would do: map MMCONFIG (Q35 PCIEXBAR, 256 MiB)
        m.cfg_write32(0, 0x64, 0)
        m.cfg_write32(0, 0x60, MMCONFIG | 1)
        self.map_bars()

    def map_bars(self):
        m = self.m
        m.cfg_write32(DEVFN, 0x10, BAR0)
        m.cfg_write32(DEVFN, 0x14, 0)
        m.cfg_write32(DEVFN, 0x18, BAR2)
        m.cfg_write32(DEVFN, 0x1C, 0)
        self.set_command(0x6)               # memory + bus master

    def close(self):
        self.m.close()

    def set_command(self, bits):
        val = self.m.cfg_read32(DEVFN, 0x04)
        self.m.cfg_write32(DEVFN, 0x04, (val & 0xFFFF0000) | bits)

    def r32(self, off):
        return self.m.readl(BAR0 + off)

    def r64(self, off):
        return self.m.readq(BAR0 + off)

    def w32(self, off, val):
        self.m.writel(BAR0 + off, val)

    def w64(self, off, val):
        self.m.writeq(BAR0 + off, val)

    def cmd(self, code, operand=0, int_req=False):
        self.w32(CMD, (code << 20) | operand | (0x80000000 if int_req else 0))
        sts = self.r32(CMDSTS)
        assert not sts & 0x80000000, "CMDSTS still active"
        return sts

    def offsets(self):
        lo = self.r64(OFFSETS)
        return {"grp": (lo & 0xFFFF) * 0x100, "wq": ((lo >> 16) & 0xFFFF) * 0x100,
                "perm": ((lo >> 32) & 0xFFFF) * 0x100,
                "ims": ((lo >> 48) & 0xFFFF) * 0x100}

    def wqcfg(self, wq, dw):
        return BAR0 + self.offsets()["wq"] + wq * 32 + dw * 4

    def config_wq(self, wq=0, size=16, dedicated=True, prio=1, pasid=None,
                  thresh=0, group=0, engines=0x1, xfer_shift=20,
                  batch_shift=5):
        o = self.offsets()
        m = self.m
        m.writel(self.wqcfg(wq, 0), size)
        m.writel(self.wqcfg(wq, 1), thresh)
        mode = (1 if dedicated else 0) | (prio << 4)
        if pasid is not None:
            mode |= (pasid << 8) | (1 << 28)
        m.writel(self.wqcfg(wq, 2), mode)
        m.writel(self.wqcfg(wq, 3), xfer_shift | (batch_shift << 5))
        grp = o["grp"] + group * 64
        self.w64(grp, self.r64(grp) | (1 << wq))
        self.w64(grp + 32, self.r64(grp + 32) | engines)

    def enable(self):
        assert self.cmd(ENABLE_DEVICE) == 0, "enable device"

    def enable_wq(self, wq=0):
        sts = self.cmd(ENABLE_WQ, wq)
        assert sts == 0, "enable wq: 0x%x" % sts

    def portal(self, wq=0, ims=False, limited=False):
        return BAR2 + (wq * 4 + (2 if ims else 0) + (1 if limited else 0)) * 0x1000

    def submit(self, desc, wq=0, ims=False, as_qwords=True, limited=False):
        """Eight 8-byte stores (what a driver without MOVDIR64B does) or
        one 64-byte write that QEMU's memory core splits itself."""
        assert len(desc) == 64
        p = self.portal(wq, ims, limited)
        if as_qwords:
            for i in range(8):
                self.m.writeq(p + 8 * i, struct.unpack_from("<Q", desc, 8 * i)[0])
        else:
            self.m.memwrite(p, desc)

    def run(self, dsc, cra, **submit_args):
        """Clear the completion record, submit, wait for the record."""
        self.m.memset(cra, 32, 0)
        self.submit(dsc, **submit_args)
        return self.wait_cr(cra)

    def wait_cr(self, cra, tries=200):
        for _ in range(tries):
            st = self.m.memread(cra, 1)[0]
            if st:
                return self.cr(cra)
            self.m.step(100000)
        raise AssertionError("no completion record at 0x%x" % cra)

    def cr(self, cra):
        raw = self.m.memread(cra, 32)
        status, result, finfo, _, nbytes, faddr, spec = \
            struct.unpack("<BBBBIQQ8x", raw)
        return {"status": status, "result": result, "fault_info": finfo,
                "bytes": nbytes, "fault_addr": faddr, "spec": spec}


def desc(opcode, flags=F_CRAV | F_RCR, cra=0, src=0, dst=0, size=0,
         handle=0, extra=b"", pasid=0, priv=0):
    d = struct.pack("<IIQQQIHH", pasid | (priv << 31), flags | (opcode << 24),
                    cra, src, dst, size, handle, 0)
    d += extra
    return d + bytes(64 - len(d))


def ready(qemu, props="", **wq):
    d = Dsa(qemu, props)
    d.config_wq(**wq)
    d.enable()
    d.enable_wq(wq.get("wq", 0))
    return d


# ---------------------------------------------------------------- tests --

@test
def pci_identity(qemu):
    d = Dsa(qemu)
    m = d.m
    try:
        assert m.cfg_read32(DEVFN, 0) == 0x0B258086
        assert m.cfg_read32(DEVFN, 0x08) >> 8 == 0x088000, "class"
        # walk standard capabilities: PCIe (RCiEP) and MSI-X with 9 vectors
        caps, ptr = {}, m.cfg_read32(DEVFN, 0x34) & 0xFF
        while ptr:
            hdr = m.cfg_read32(DEVFN, ptr)
            caps[hdr & 0xFF] = ptr
            ptr = (hdr >> 8) & 0xFF
        assert 0x10 in caps and 0x11 in caps, caps
        pcie = m.cfg_read32(DEVFN, caps[0x10])
        assert (pcie >> 20) & 0xF == 9, "device/port type must be RCiEP"
        assert m.cfg_read32(DEVFN, caps[0x10] + 0x24) & 0x200000, "EE prefix"
        assert (m.cfg_read32(DEVFN, caps[0x11]) >> 16) & 0x7FF == 8, "9 vectors"
        # PASID extended capability, 20-bit PASIDs (through MMCONFIG)
        mmcfg = MMCONFIG + (DEVFN << 12)
        assert m.readl(mmcfg + 0x100) & 0xFFFF == 0x1B, "PASID cap id"
        assert (m.readl(mmcfg + 0x104) >> 8) & 0x1F == 20, "PASID width"
    finally:
        d.close()


@test
def capability_registers(qemu):
    d = Dsa(qemu)
    try:
        assert d.r32(VERSION) == 0x100
        gencap = d.r64(GENCAP)
        assert gencap & (1 << 31), "config_en"
        assert gencap & (1 << 4), "cmd_cap"
        assert (gencap >> 16) & 0x1F == 31, "max_xfer_shift"
        assert (gencap >> 21) & 0xF == 10, "max_batch_shift"
        assert (gencap >> 25) & 0x3F == 1, "ims mult"
        wqcap = d.r64(WQCAP)
        assert wqcap & 0xFFFF == 128 and (wqcap >> 16) & 0xFF == 8
        assert wqcap & (1 << 48) and wqcap & (1 << 49), "shared + dedicated"
        assert d.r64(GRPCAP) & 0xFF == 4
        assert d.r64(ENGCAP) & 0xFF == 4
        op = d.r64(OPCAP)
        for opc in (NOOP, BATCH, DRAIN, MEMMOVE, FILL, COMPARE, COMPVAL,
                    DUALCAST, CRCGEN):
            assert op & (1 << opc), "opcode %d not advertised" % opc
        assert d.r32(CMDCAP) == 0x7FFE, hex(d.r32(CMDCAP))
        o = d.offsets()
        assert o == {"grp": 0x400, "wq": 0x800, "perm": 0x300, "ims": 0x4000}, o
        # read-only registers ignore writes
        d.w64(GENCAP, 0)
        d.w64(WQCAP, 0)
        assert d.r64(GENCAP) == gencap and d.r64(WQCAP) == wqcap
        # properties change what is advertised
        d.close()
        d = Dsa(qemu, "num-wqs=2,num-engines=1,total-wq-size=32,ims-mult=2")
        assert d.r64(WQCAP) & 0xFFFFFF == 32 | (2 << 16)
        assert d.r64(ENGCAP) == 1
        assert (d.r64(GENCAP) >> 25) & 0x3F == 2
    finally:
        d.close()


@test
def enable_device_errors(qemu):
    d = Dsa(qemu)
    try:
        d.set_command(0x2)                          # memory only
        assert d.cmd(ENABLE_DEVICE) == 0x12, "bus master not enabled"
        d.set_command(0x6)
        d.m.writel(d.wqcfg(0, 0), 129)              # > total WQ size
        assert d.cmd(ENABLE_DEVICE) == 0x14
        d.m.writel(d.wqcfg(0, 0), 8)                # sized WQ in no group
        assert d.cmd(ENABLE_DEVICE) == 0x18
        grp = d.offsets()["grp"]
        d.w64(grp, 1)                               # group 0 has WQ0 ...
        assert d.cmd(ENABLE_DEVICE) == 0x16         # ... but no engine
        d.w64(grp + 32, 1)
        d.w64(grp + 64, 1)                          # WQ0 in two groups
        d.w64(grp + 64 + 32, 2)
        assert d.cmd(ENABLE_DEVICE) == 0x15
        d.w64(grp + 64, 0)
        assert d.cmd(ENABLE_DEVICE) == 0
        assert d.r32(GENSTS) & 3 == 1
        assert d.cmd(ENABLE_DEVICE) == 0x10, "already enabled"
        # group tables and GENCFG are read-only while enabled
        d.w64(grp, 0)
        assert d.r64(grp) == 1
        assert d.cmd(0x1F) == 0x01, "invalid command"
        assert d.cmd(DISABLE_DEVICE) == 0
        assert d.cmd(DISABLE_DEVICE) == 0x31, "disable when disabled"
    finally:
        d.close()


@test
def enable_wq_errors(qemu):
    d = Dsa(qemu)
    try:
        assert d.cmd(ENABLE_WQ, 0) == 0x20, "device not enabled"
        d.config_wq(wq=0, size=8, prio=0)
        d.config_wq(wq=1, size=8, dedicated=False)  # shared, no PASID
        d.enable()
        assert d.cmd(ENABLE_WQ, 8) == 0x02, "bad WQ index"
        assert d.cmd(ENABLE_WQ, 0) == 0x23, "priority 0"
        assert d.cmd(ENABLE_WQ, 1) == 0x26, "shared WQ needs PASID enable"
        assert d.cmd(ENABLE_WQ, 2) == 0x22, "size 0"
        assert d.cmd(DISABLE_WQ, 1 << 0) == 0x32, "disable a disabled WQ"
        d.cmd(DISABLE_DEVICE)
        d.m.writel(d.wqcfg(0, 2), 1 | (1 << 4))     # fix priority
        d.enable()
        d.enable_wq(0)
        assert d.cmd(ENABLE_WQ, 0) == 0x21, "already enabled"
        state = d.m.readl(d.wqcfg(0, 6))
        assert state >> 30 == 1, "wq_state enabled"
        # WQCFG is read-only while the WQ is enabled
        d.m.writel(d.wqcfg(0, 2), 0)
        assert d.m.readl(d.wqcfg(0, 2)) & 1 == 1
        assert d.cmd(DISABLE_WQ, 1 << 0) == 0
        assert d.m.readl(d.wqcfg(0, 6)) >> 30 == 0
        assert d.cmd(DISABLE_WQ, 1 << 9) == 0x02, "bad WQ mask"
    finally:
        d.close()


@test
def memmove_dedicated_wq(qemu):
    d = ready(qemu)
    m = d.m
    try:
        src, dst, cra = RAM, RAM + 0x10000, RAM + 0x40000
        data = bytes((i * 7 + 3) & 0xFF for i in range(10000))
        m.memwrite(src, data)
        m.memset(dst, 10000, 0xEE)
        d.submit(desc(MEMMOVE, cra=cra, src=src, dst=dst, size=9000))
        cr = d.wait_cr(cra)
        assert cr["status"] == 1 and cr["bytes"] == 9000, cr
        out = m.memread(dst, 10000)
        assert out[:9000] == data[:9000], "data not copied"
        assert out[9000:] == b"\xee" * 1000, "wrote past the end"
        # the same through a single 64-byte write (split by QEMU)
        m.memset(cra, 32, 0)
        m.memset(dst, 4096, 0)
        d.submit(desc(MEMMOVE, cra=cra, src=src, dst=dst, size=4096),
                 as_qwords=False)
        assert d.wait_cr(cra)["status"] == 1
        assert m.memread(dst, 4096) == data[:4096]
        # overlapping move (memmove semantics)
        m.memset(cra, 32, 0)
        d.submit(desc(MEMMOVE, cra=cra, src=src, dst=src + 100, size=3000))
        assert d.wait_cr(cra)["status"] == 1
        assert m.memread(src + 100, 3000) == data[:3000], "overlap"
        assert m.qom_get(DEV_PATH, "descs-completed") == 3
    finally:
        d.close()


@test
def fill_compare_dualcast_crc(qemu):
    d = ready(qemu)
    m = d.m
    try:
        cra, a, b, c = RAM + 0x80000, RAM, RAM + 0x10000, RAM + 0x20000

        def run(dsc):
            return d.run(dsc, cra)

        pat = 0x1122334455667788
        cr = run(desc(FILL, cra=cra, src=pat, dst=a + 3, size=21))
        assert cr["status"] == 1
        assert m.memread(a + 3, 21) == (struct.pack("<Q", pat) * 3)[:21]
        m.memwrite(b, bytes(range(256)))
        m.memwrite(c, bytes(range(256)))
        cr = run(desc(COMPARE, cra=cra, src=b, dst=c, size=256))
        assert cr["status"] == 1 and cr["result"] == 0, cr
        m.memwrite(c + 200, b"\xff")
        cr = run(desc(COMPARE, cra=cra, src=b, dst=c, size=256))
        assert cr["result"] == 1 and cr["bytes"] == 200, cr
        m.memwrite(a, struct.pack("<Q", pat) * 8)
        cr = run(desc(COMPVAL, cra=cra, src=a, dst=pat, size=64))
        assert cr["status"] == 1 and cr["result"] == 0, cr
        cr = run(desc(COMPVAL, cra=cra, src=a, dst=pat ^ (1 << 40), size=64))
        assert cr["result"] == 1 and cr["bytes"] == 5, cr
        # dualcast: both destinations must share address bits 11:0
        m.memset(b, 512, 0)
        m.memset(c, 512, 0)
        cr = run(desc(DUALCAST, cra=cra, src=a, dst=b, size=64,
                      extra=struct.pack("<Q", c)))
        assert cr["status"] == 1, cr
        assert m.memread(b, 64) == m.memread(a, 64) == m.memread(c, 64)
        cr = run(desc(DUALCAST, cra=cra, src=a, dst=b, size=64,
                      extra=struct.pack("<Q", c + 8)))
        assert cr["status"] == 0x17, cr
        # CRC-32C check value of "123456789" is 0xE3069283
        m.memwrite(a, b"123456789")
        cr = run(desc(CRCGEN, cra=cra, src=a, size=9))
        assert cr["status"] == 1 and cr["spec"] & 0xFFFFFFFF == 0xE3069283, \
            hex(cr["spec"])
        m.memset(b, 16, 0)
        cr = run(desc(COPY_CRC, cra=cra, src=a, dst=b, size=9))
        assert cr["spec"] & 0xFFFFFFFF == 0xE3069283
        assert m.memread(b, 9) == b"123456789"
        assert run(desc(NOOP, cra=cra))["status"] == 1
        assert run(desc(DRAIN, cra=cra))["status"] == 1
    finally:
        d.close()


@test
def descriptor_errors(qemu):
    d = ready(qemu, xfer_shift=12)
    m = d.m
    try:
        cra = RAM + 0x80000

        def run(dsc):
            return d.run(dsc, cra)

        assert run(desc(0x7F, cra=cra))["status"] == 0x10, "bad opcode"
        cr = run(desc(MEMMOVE, flags=F_CRAV | F_RCR | (1 << 14), cra=cra,
                      src=RAM, dst=RAM + 0x1000, size=8))
        assert cr["status"] == 0x11, cr                 # invalid flags
        cr = run(desc(MEMMOVE, cra=cra, src=RAM, dst=RAM + 0x8000, size=8192))
        assert cr["status"] == 0x13, cr                 # over WQ max xfer
        cr = run(desc(MEMMOVE, cra=cra, src=RAM, dst=RAM + 0x8000, size=8,
                      pasid=0, priv=0, extra=b"") [:38] + b"\x01\x00" +
                 bytes(24))
        assert cr["status"] == 0x12, cr                 # reserved field
        # page fault on the write side, after the first page was copied
        hole = 0x20000000                       # end of the 512 MiB of RAM
        cr = run(desc(MEMMOVE, cra=cra, src=RAM, dst=hole - 2048, size=4096))
        assert cr["status"] == 0x83 and cr["fault_addr"] == hole, cr
        assert cr["bytes"] == 2048 and cr["fault_info"] == 1, cr
        cr = run(desc(MEMMOVE, cra=cra, src=hole, dst=RAM + 0x8000, size=64))
        assert cr["status"] == 3 and cr["fault_addr"] == hole, cr
        assert cr["bytes"] == 0 and cr["fault_info"] == 0
        # no completion record requested: the error lands in SWERR
        d.submit(desc(0x7F, flags=0))
        for _ in range(100):
            if d.r64(SWERR) & 1:
                break
            m.step(100000)
        sw = d.r64(SWERR)
        assert sw & 1 and (sw >> 8) & 0xFF == 0x10 and (sw >> 32) & 0xFF == 0x7F
        assert d.r32(INTCAUSE) & 1
        d.w64(SWERR, 3)
        assert d.r64(SWERR) == 0
        # misaligned completion record address: SWERR, memory untouched
        m.memset(cra, 64, 0xAA)
        d.submit(desc(NOOP, cra=cra + 8))
        m.step(1000000)
        assert m.memread(cra, 64) == b"\xaa" * 64
        assert (d.r64(SWERR) >> 8) & 0xFF == 0x1B
    finally:
        d.close()


@test
def batch(qemu):
    d = ready(qemu)
    m = d.m
    try:
        lst, cra, crs = RAM + 0x20000, RAM + 0x30000, RAM + 0x31000
        m.memwrite(RAM, bytes(range(64)) * 4)
        subs = b"".join([
            desc(MEMMOVE, cra=crs, src=RAM, dst=RAM + 0x1000, size=256),
            desc(FILL, cra=crs + 32, src=0x4242424242424242, dst=RAM + 0x2000,
                 size=32),
            desc(0x7E, cra=crs + 64),
        ])
        m.memwrite(lst, subs)
        d.submit(desc(BATCH, cra=cra, src=lst, size=3))
        cr = d.wait_cr(cra)
        assert cr["status"] == 5 and cr["bytes"] == 3, cr   # one failed
        assert m.memread(RAM + 0x1000, 256) == bytes(range(64)) * 4
        assert m.memread(RAM + 0x2000, 32) == b"\x42" * 32
        assert d.cr(crs)["status"] == 1 and d.cr(crs + 64)["status"] == 0x10
        m.memset(cra, 32, 0)
        d.submit(desc(BATCH, cra=cra, src=lst, size=1))
        assert d.wait_cr(cra)["status"] == 0x14            # count range
        m.memset(cra, 32, 0)
        d.submit(desc(BATCH, cra=cra, src=lst + 8, size=2))
        assert d.wait_cr(cra)["status"] == 0x18            # list alignment
    finally:
        d.close()


def msix_entry(d, vec, addr, data, masked=False):
    base = BAR0 + MSIX_TABLE + vec * 16
    d.m.writel(base, addr & 0xFFFFFFFF)
    d.m.writel(base + 4, addr >> 32)
    d.m.writel(base + 8, data)
    d.m.writel(base + 12, 1 if masked else 0)


def enable_msix(d):
    # MSI-X capability: find it and set the enable bit
    ptr = d.m.cfg_read32(DEVFN, 0x34) & 0xFF
    while ptr:
        hdr = d.m.cfg_read32(DEVFN, ptr)
        if hdr & 0xFF == 0x11:
            d.m.cfg_write32(DEVFN, ptr, hdr | (1 << 31))
            return
        ptr = (hdr >> 8) & 0xFF
    raise AssertionError("no MSI-X capability")


@test
def msix_completion_interrupt(qemu):
    d = ready(qemu)
    m = d.m
    try:
        enable_msix(d)
        mbox, cra = RAM + 0x50000, RAM + 0x60000
        m.memset(mbox, 64, 0)
        msix_entry(d, 1, mbox, 0xABCD0001)
        d.submit(desc(NOOP, flags=F_CRAV | F_RCR | F_RCI, cra=cra, handle=1))
        d.wait_cr(cra)
        assert struct.unpack("<I", m.memread(mbox, 4))[0] == 0xABCD0001
        # masked: pending bit, no write; unmask delivers it
        m.memset(mbox, 4, 0)
        m.memset(cra, 32, 0)
        msix_entry(d, 1, mbox, 0xABCD0002, masked=True)
        d.submit(desc(NOOP, flags=F_CRAV | F_RCR | F_RCI, cra=cra, handle=1))
        d.wait_cr(cra)
        assert m.memread(mbox, 4) == b"\0\0\0\0", "masked vector fired"
        assert m.readq(BAR0 + MSIX_PBA) & 2, "pending bit"
        m.writel(BAR0 + MSIX_TABLE + 16 + 12, 0)
        assert struct.unpack("<I", m.memread(mbox, 4))[0] == 0xABCD0002
        # command completion interrupt on vector 0
        msix_entry(d, 0, mbox + 16, 0xC0DE)
        d.cmd(DRAIN_ALL, int_req=True)
        assert struct.unpack("<I", m.memread(mbox + 16, 4))[0] == 0xC0DE
        assert d.r32(INTCAUSE) & 2
        d.w32(INTCAUSE, 2)
        assert d.r32(INTCAUSE) & 2 == 0
        # the MSI-X permission table restricts a vector to one PASID
        perm = BAR0 + d.offsets()["perm"]
        m.writel(perm + 8, (1 << 3) | (5 << 12))
        m.memset(cra, 32, 0)
        m.memset(mbox, 4, 0)
        d.submit(desc(NOOP, flags=F_CRAV | F_RCR | F_RCI, cra=cra, handle=1))
        assert d.wait_cr(cra)["status"] == 0x19
        assert m.memread(mbox, 4) == b"\0\0\0\0"
        # out of range handle
        m.memset(cra, 32, 0)
        d.submit(desc(NOOP, flags=F_CRAV | F_RCR | F_RCI, cra=cra, handle=9))
        assert d.wait_cr(cra)["status"] == 0x19
    finally:
        d.close()


@test
def ims_interrupts(qemu):
    d = ready(qemu)
    m = d.m
    try:
        ims = BAR0 + d.offsets()["ims"]
        n = 256
        for i in (0, 17, n - 1):
            assert m.readl(ims + i * 16 + 12) & 1, "IMS entry %d not masked" % i
        mbox, cra = RAM + 0x50000, RAM + 0x60000

        def entry(i, data, ctrl):
            m.writel(ims + i * 16, mbox & 0xFFFFFFFF)
            m.writel(ims + i * 16 + 4, 0)
            m.writel(ims + i * 16 + 8, data)
            m.writel(ims + i * 16 + 12, ctrl)

        def fire(handle):
            m.memset(cra, 32, 0)
            d.submit(desc(NOOP, flags=F_CRAV | F_RCR | F_RCI, cra=cra,
                          handle=handle), ims=True)
            return d.wait_cr(cra)

        m.memset(mbox, 4, 0)
        entry(17, 0x1717, 0)
        assert fire(17)["status"] == 1
        assert struct.unpack("<I", m.memread(mbox, 4))[0] == 0x1717
        # masked entry: held pending, delivered at unmask
        m.memset(mbox, 4, 0)
        entry(18, 0x1818, 1)
        fire(18)
        assert m.memread(mbox, 4) == b"\0\0\0\0"
        m.writel(ims + 18 * 16 + 12, 0)
        assert struct.unpack("<I", m.memread(mbox, 4))[0] == 0x1818
        # PENDING shows a held interrupt; writing it back drops it
        m.memset(mbox, 4, 0)
        m.writel(ims + 18 * 16 + 12, 1)
        fire(18)
        assert m.readl(ims + 18 * 16 + 12) == 1 | 2, "pending not shown"
        m.writel(ims + 18 * 16 + 12, 1 | 2)
        assert m.readl(ims + 18 * 16 + 12) == 1, "pending not dropped"
        m.writel(ims + 18 * 16 + 12, 0)
        assert m.memread(mbox, 4) == b"\0\0\0\0", "dropped interrupt fired"
        # an entry bound to PASID 5 refuses a descriptor without a PASID
        m.memset(mbox, 4, 0)
        entry(19, 0x1919, (1 << 3) | (5 << 12))
        assert m.readl(ims + 19 * 16 + 12) == (1 << 3) | (5 << 12)
        assert fire(19)["status"] == 0x19
        assert m.memread(mbox, 4) == b"\0\0\0\0", "mismatched PASID fired"
        assert fire(n)["status"] == 0x19, "handle beyond the IMS table"
        # request/release interrupt handle commands
        sts = d.cmd(REQUEST_INT_HANDLE, (1 << 16) | 200)
        assert sts & 0xFF == 0 and (sts >> 8) & 0xFFFF == 200, hex(sts)
        assert d.cmd(REQUEST_INT_HANDLE, (1 << 16) | 256) & 0xFF == 0x41
        assert d.cmd(RELEASE_INT_HANDLE, (1 << 16) | 200) == 0
        assert d.cmd(RELEASE_INT_HANDLE, (1 << 16) | 200) & 0xFF == 0x41
        sts = d.cmd(REQUEST_INT_HANDLE, 3)
        assert (sts >> 8) & 0xFFFF == 3
    finally:
        d.close()


@test
def occupancy_overflow_drain_abort(qemu):
    d = ready(qemu, size=4)
    m = d.m
    try:
        m.qom_set(DEV_PATH, "x-engines-paused", True)
        cra = RAM + 0x70000
        m.memset(cra, 32 * 8, 0)
        for i in range(4):
            d.submit(desc(NOOP, cra=cra + 32 * i))
        assert m.readl(d.wqcfg(0, 6)) & 0xFFFF == 4, "occupancy"
        d.submit(desc(NOOP, cra=cra + 32 * 4))          # overflow
        sw = d.r64(SWERR)
        assert sw & 1 and (sw >> 8) & 0xFF == 0x32, hex(sw)
        assert d.cmd(ABORT_WQ, 1) == 0
        assert m.readl(d.wqcfg(0, 6)) & 0xFFFF == 0
        m.step(1000000)
        assert m.memread(cra, 32 * 5) == bytes(160), "aborted work ran"
        for i in range(3):
            d.submit(desc(NOOP, cra=cra + 32 * i))
        assert d.cmd(DRAIN_WQ, 1) == 0                  # runs while paused
        assert all(d.cr(cra + 32 * i)["status"] == 1 for i in range(3))
        m.qom_set(DEV_PATH, "x-engines-paused", False)
    finally:
        d.close()


@test
def shared_wq_rejects_posted_writes(qemu):
    d = Dsa(qemu)
    m = d.m
    try:
        mmcfg = MMCONFIG + (DEVFN << 12)
        m.writel(mmcfg + 0x104, 1 << 16)                # PASID enable
        d.config_wq(size=8, dedicated=False, pasid=0, thresh=4)
        d.enable()
        d.enable_wq(0)
        cra = RAM + 0x70000
        m.memset(cra, 32, 0)
        d.submit(desc(NOOP, cra=cra))                   # not an ENQCMD
        m.step(1000000)
        assert m.memread(cra, 1) == b"\0"
        sw = d.r64(SWERR)
        assert sw & 1 and (sw >> 8) & 0xFF == 0x30, hex(sw)
    finally:
        d.close()


@test
def disabled_wq_and_bus_master(qemu):
    d = Dsa(qemu)
    m = d.m
    try:
        d.config_wq()
        d.enable()
        cra = RAM + 0x70000
        m.memset(cra, 32, 0)
        d.submit(desc(NOOP, cra=cra))                   # WQ not enabled
        sw = d.r64(SWERR)
        assert sw & 1 and (sw >> 8) & 0xFF == 0x31 and sw & 8, hex(sw)
        d.w64(SWERR, 1)
        d.enable_wq(0)
        d.set_command(0x2)                              # bus master off
        m.memwrite(RAM, b"x" * 64)
        m.memset(RAM + 0x1000, 64, 0)
        d.submit(desc(MEMMOVE, cra=cra, src=RAM, dst=RAM + 0x1000, size=64))
        m.step(1000000)
        assert m.memread(RAM + 0x1000, 64) == bytes(64), "DMA without BME"
        assert m.memread(cra, 1) == b"\0"
        assert (d.r64(SWERR) >> 8) & 0xFF == 0x1A      # CR not writable
    finally:
        d.close()


@test
def reset_and_halt(qemu):
    d = ready(qemu)
    m = d.m
    try:
        d.w32(GENCTRL, 3)
        m.qom_set(DEV_PATH, "x-halt", True)
        assert d.r32(GENSTS) & 3 == 3
        assert d.r32(INTCAUSE) & 0x10
        assert d.cmd(ENABLE_WQ, 0) == 0x03, "commands fail while halted"
        assert d.cmd(RESET_DEVICE) == 0
        assert d.r32(GENSTS) == 0
        assert m.readl(d.wqcfg(0, 0)) == 0, "reset clears WQCFG"
        assert d.r64(d.offsets()["grp"]) == 0
        assert d.r32(GENCTRL) == 0
        d.config_wq()
        d.enable()
        d.enable_wq(0)
        assert d.cmd(RESET_WQ, 1) == 0
        assert m.readl(d.wqcfg(0, 6)) >> 30 == 0 and m.readl(d.wqcfg(0, 0)) == 0
        # bad register writes change nothing
        d.w32(GENSTS, 1)
        assert d.r32(GENSTS) & 3 == 1
        d.w32(CMDSTS, 0x12345678)
        assert d.r32(CMDSTS) == 0
    finally:
        d.close()


def pcie_cap(m):
    pos = m.cfg_read32(DEVFN, 0x34) & 0xFF
    while pos:
        hdr = m.cfg_read32(DEVFN, pos)
        if hdr & 0xFF == 0x10:
            return pos
        pos = (hdr >> 8) & 0xFF
    raise AssertionError("no PCIe capability")


@test
def command_fault_hooks(qemu):
    d = ready(qemu)
    m = d.m
    try:
        # x-fail-cmd: the next Disable WQ fails and changes nothing
        m.qom_set(DEV_PATH, "x-fail-cmd", DISABLE_WQ)
        assert d.cmd(DISABLE_WQ, 1) == 0x03
        assert m.readl(d.wqcfg(0, 6)) >> 30 == 1, "failed disable disabled"
        assert m.qom_get(DEV_PATH, "x-fail-cmd") == 0, "not one-shot"
        assert d.cmd(DISABLE_WQ, 1) == 0
        d.enable_wq(0)
        # x-hang-cmd: Abort WQ stays active, without an interrupt
        d.w32(GENCTRL, 3)
        d.w32(INTCAUSE, d.r32(INTCAUSE))
        m.qom_set(DEV_PATH, "x-hang-cmd", ABORT_WQ)
        d.w32(CMD, (ABORT_WQ << 20) | 1 | 0x80000000)
        m.step(1000000)
        assert d.r32(CMDSTS) & 0x80000000, "hung command not active"
        assert not d.r32(INTCAUSE) & 2, "hung command interrupted"
        assert d.r32(GENSTS) & 3 == 1
        # a command on top of an active one halts the device
        d.w32(CMD, DISABLE_WQ << 20 | 1)
        assert d.r32(GENSTS) & 3 == 3, "command while active did not halt"
        assert m.qom_get(DEV_PATH, "cmds-while-active") == 1
        # a function reset ends it all
        devctl = pcie_cap(m) + 8
        m.cfg_write32(DEVFN, devctl, m.cfg_read32(DEVFN, devctl) | 0x8000)
        d.map_bars()
        assert d.r32(VERSION) != 0, "BAR0 not mapped again"
        assert d.r32(CMDSTS) == 0 and d.r32(GENSTS) == 0
        assert m.qom_get(DEV_PATH, "x-hang-cmd") == 0
    finally:
        d.close()


def main():
    qemu = sys.argv[1]
    names = sys.argv[2:]
    passed = failed = 0
    for t in TESTS:
        if names and t.__name__ not in names:
            continue
        try:
            t(qemu)
            print("ok - %s" % t.__name__)
            passed += 1
        except Exception:
            print("not ok - %s" % t.__name__)
            traceback.print_exc(file=sys.stdout)
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
