/*
 * Intel DSA device model: the engines that execute descriptors.
 *
 * Descriptors run in submission order per WQ, one WQ after another, from
 * a bottom half. All DMA goes through the address space of the
 * descriptor's (RID, PASID): the device's bus-master space without a
 * PASID, the VT-d per-PASID space with one. Memory is touched a page at
 * a time so a translation fault is reported at the exact address that
 * faulted, with the bytes completed before it.
 *
 * Copyright (c) 2026 idxd-siov developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/crc32c.h"
#include "qemu/log.h"
#include "exec/address-spaces.h"
#include "hw/i386/intel_iommu.h"
#include "hw/i386/x86-iommu.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "dsa.h"
#include "trace.h"

#define DSA_CHUNK                   4096

/* Descriptor field offsets (struct dsa_hw_desc) */
#define DESC_FLAGS                  4
#define DESC_OPCODE                 7
#define DESC_COMPL_ADDR             8
#define DESC_SRC                    16
#define DESC_DST                    24
#define DESC_XFER_SIZE              32
#define DESC_INT_HANDLE             36
#define DESC_RSVD1                  38
#define DESC_OP_SPECIFIC            40

typedef struct DSAResult {
    uint8_t status;
    uint8_t result;
    uint8_t fault_info;
    uint32_t bytes;
    uint64_t fault_addr;
    uint64_t op_specific[2];
} DSAResult;

typedef struct DSAContext {
    DSAState *s;
    DSAJob *job;
    AddressSpace *as;       /* NULL: the PASID has no address space */
    int wqid;
    bool in_batch;
} DSAContext;

static AddressSpace *dsa_job_as(DSAState *s, DSAJob *job)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    X86IOMMUState *x86_iommu;
    IntelIOMMUState *vtd;

    if (!job->has_pasid) {
        /* gated by Bus Master Enable in the PCI core */
        return &pdev->bus_master_as;
    }
    /* a PASID-tagged request needs bus mastering and a PASID-aware IOMMU */
    if (!(pci_get_word(pdev->config + PCI_COMMAND) & PCI_COMMAND_MASTER)) {
        return NULL;
    }
    x86_iommu = x86_iommu_get_default();
    if (!x86_iommu ||
        !object_dynamic_cast(OBJECT(x86_iommu), TYPE_INTEL_IOMMU_DEVICE)) {
        return NULL;
    }
    vtd = INTEL_IOMMU_DEVICE(x86_iommu);
    return &vtd_find_add_as(vtd, pci_get_bus(pdev), pdev->devfn,
                            job->pasid)->as;
}

static bool dsa_dma(DSAContext *c, uint64_t addr, void *buf, uint32_t len,
                    bool write)
{
    MemTxResult r;

    if (!c->as) {
        return false;
    }
    r = address_space_rw(c->as, addr, MEMTXATTRS_UNSPECIFIED, buf, len,
                         write);
    return r == MEMTX_OK;
}

static void dsa_fault(DSAResult *r, uint64_t addr, uint32_t done, bool write)
{
    r->status = DSA_COMP_PAGE_FAULT_NOBOF | (write ? 0x80 : 0);
    r->fault_addr = addr;
    r->fault_info = write ? DSA_CR_FAULT_WRITE : 0;
    r->bytes = done;
}

/*
 * QEMU's crc32c() returns the register inverted; undo that so a CRC can be
 * carried across page-sized pieces.
 */
static uint32_t dsa_crc_update(uint32_t reg, const uint8_t *buf, uint32_t n)
{
    return ~crc32c(reg, buf, n);
}

/* Largest piece starting at both addresses that crosses no page. */
static uint32_t dsa_piece(uint64_t a, uint64_t b, uint64_t left)
{
    uint64_t n = MIN(left, DSA_CHUNK - (a & (DSA_CHUNK - 1)));

    n = MIN(n, DSA_CHUNK - (b & (DSA_CHUNK - 1)));
    return n;
}

/*
 * Copy len bytes, optionally to two destinations and optionally
 * accumulating a CRC of the data. Overlapping forward moves copy from the
 * end so the source is read before it is overwritten.
 */
static void dsa_copy(DSAContext *c, uint64_t src, uint64_t dst, uint64_t dst2,
                     uint32_t len, uint32_t *crc, DSAResult *r)
{
    uint8_t buf[DSA_CHUNK];
    bool backward = !crc && !dst2 && dst > src && dst < src + len;
    uint32_t done = 0;

    while (done < len) {
        uint32_t n, off;

        if (backward) {
            uint64_t s_end = src + len - done, d_end = dst + len - done;

            n = MIN(len - done, MIN(((s_end - 1) & (DSA_CHUNK - 1)) + 1,
                                    ((d_end - 1) & (DSA_CHUNK - 1)) + 1));
            off = len - done - n;
        } else {
            off = done;
            n = dsa_piece(src + off, dst + off, len - done);
            if (dst2) {
                n = dsa_piece(src + off, dst2 + off, n);
            }
        }
        if (!dsa_dma(c, src + off, buf, n, false)) {
            dsa_fault(r, src + off, done, false);
            return;
        }
        if (!dsa_dma(c, dst + off, buf, n, true)) {
            dsa_fault(r, dst + off, done, true);
            return;
        }
        if (dst2 && !dsa_dma(c, dst2 + off, buf, n, true)) {
            dsa_fault(r, dst2 + off, done, true);
            return;
        }
        if (crc) {
            *crc = dsa_crc_update(*crc, buf, n);
        }
        done += n;
    }
    r->bytes = done;
    r->status = DSA_COMP_SUCCESS;
}

static void dsa_fill(DSAContext *c, uint64_t dst, uint64_t pattern,
                     uint32_t len, DSAResult *r)
{
    uint8_t buf[DSA_CHUNK];
    uint32_t done = 0, i;

    while (done < len) {
        uint32_t n = dsa_piece(dst + done, dst + done, len - done);

        for (i = 0; i < n; i++) {
            buf[i] = pattern >> (8 * ((done + i) % 8));
        }
        if (!dsa_dma(c, dst + done, buf, n, true)) {
            dsa_fault(r, dst + done, done, true);
            return;
        }
        done += n;
    }
    r->bytes = done;
    r->status = DSA_COMP_SUCCESS;
}

/*
 * Compare against memory (src2 != 0) or an 8-byte pattern. Result 0 means
 * equal; otherwise bytes holds the offset of the first difference.
 */
static void dsa_compare(DSAContext *c, uint64_t src, uint64_t src2,
                        uint64_t pattern, uint32_t len, DSAResult *r)
{
    uint8_t a[DSA_CHUNK], b[DSA_CHUNK];
    uint32_t done = 0, i;

    while (done < len) {
        uint32_t n = dsa_piece(src + done, src2 ? src2 + done : src + done,
                               len - done);

        if (!dsa_dma(c, src + done, a, n, false)) {
            dsa_fault(r, src + done, done, false);
            return;
        }
        if (src2) {
            if (!dsa_dma(c, src2 + done, b, n, false)) {
                dsa_fault(r, src2 + done, done, false);
                return;
            }
        } else {
            for (i = 0; i < n; i++) {
                b[i] = pattern >> (8 * ((done + i) % 8));
            }
        }
        for (i = 0; i < n; i++) {
            if (a[i] != b[i]) {
                r->result = 1;
                r->bytes = done + i;
                r->status = DSA_COMP_SUCCESS;
                return;
            }
        }
        done += n;
    }
    r->result = 0;
    r->bytes = done;
    r->status = DSA_COMP_SUCCESS;
}

static void dsa_crc(DSAContext *c, const uint8_t *d, uint32_t flags,
                    uint64_t dst, uint32_t len, DSAResult *r)
{
    uint8_t buf[DSA_CHUNK];
    uint64_t src = ldq_le_p(d + DESC_SRC);
    uint32_t seed = ldl_le_p(d + DESC_OP_SPECIFIC);
    bool invert = !(flags & DSA_FLAG_CRC_BYPASS_INV);
    uint32_t crc = invert ? ~seed : seed;
    uint32_t done = 0;

    if (dst) {
        dsa_copy(c, src, dst, 0, len, &crc, r);
        if (r->status != DSA_COMP_SUCCESS) {
            return;
        }
    } else {
        while (done < len) {
            uint32_t n = dsa_piece(src + done, src + done, len - done);

            if (!dsa_dma(c, src + done, buf, n, false)) {
                dsa_fault(r, src + done, done, false);
                return;
            }
            crc = dsa_crc_update(crc, buf, n);
            done += n;
        }
        r->bytes = done;
        r->status = DSA_COMP_SUCCESS;
    }
    r->op_specific[0] = invert ? ~crc : crc;
}

static uint32_t dsa_allowed_flags(uint8_t opcode)
{
    uint32_t f = DSA_FLAGS_COMMON | DSA_FLAG_BOF | DSA_FLAG_CRSTS;

    switch (opcode) {
    case DSA_OP_COMPARE:
    case DSA_OP_COMPVAL:
        return f | DSA_FLAG_CR;
    case DSA_OP_CRCGEN:
    case DSA_OP_COPY_CRC:
        return f | DSA_FLAG_CRC_BYPASS_INV;
    default:
        return f;
    }
}

static void dsa_run_desc(DSAContext *c, const uint8_t *d, DSAResult *r);

static void dsa_batch(DSAContext *c, const uint8_t *d, DSAResult *r)
{
    DSAWq *wq = &c->s->wq[c->wqid];
    uint64_t list = ldq_le_p(d + DESC_SRC);
    uint32_t count = ldl_le_p(d + DESC_XFER_SIZE);
    uint32_t max = 1u << ((wq->cfg[DSA_WQCFG_MAXSZ_DW] >>
                           DSA_WQCFG_BATCH_SHIFT_SHIFT) &
                          DSA_WQCFG_BATCH_SHIFT_MASK);
    bool failed = false;
    uint32_t i;

    if (count < 2 || count > max) {
        r->status = DSA_COMP_DESC_CNT_ERANGE;
        return;
    }
    if (list & (DSA_DESC_SIZE - 1)) {
        r->status = DSA_COMP_DESCLIST_ALIGN;
        return;
    }
    c->in_batch = true;
    for (i = 0; i < count; i++) {
        uint8_t sub[DSA_DESC_SIZE];
        DSAResult sr = { 0 };

        if (!dsa_dma(c, list + i * DSA_DESC_SIZE, sub, sizeof(sub), false)) {
            dsa_fault(r, list + i * DSA_DESC_SIZE, i, false);
            r->status = DSA_COMP_BATCH_PAGE_FAULT;
            c->in_batch = false;
            return;
        }
        if ((ldl_le_p(sub + DESC_FLAGS) & DSA_FLAG_FENCE) && failed) {
            break;
        }
        dsa_run_desc(c, sub, &sr);
        failed |= sr.status != DSA_COMP_SUCCESS;
    }
    c->in_batch = false;
    r->bytes = i;
    r->status = failed ? DSA_COMP_BATCH_FAIL : DSA_COMP_SUCCESS;
}

/* Checks done before any memory is touched; returns a status or 0. */
static uint8_t dsa_check_desc(DSAContext *c, const uint8_t *d, uint32_t flags,
                              uint32_t *invalid)
{
    DSAState *s = c->s;
    DSAJob *job = c->job;
    uint8_t opcode = d[DESC_OPCODE];
    uint16_t handle = lduw_le_p(d + DESC_INT_HANDLE);
    uint32_t bad = flags & ~dsa_allowed_flags(opcode);

    if (bad) {
        *invalid = bad;
        return DSA_COMP_INVALID_FLAGS;
    }
    if ((ldl_le_p(d) & 0x7ff00000) || lduw_le_p(d + DESC_RSVD1)) {
        return DSA_COMP_NOZERO_RESERVE;
    }
    /* privileged requests need privileged mode enabled in the PASID cap */
    if (job->priv && job->has_pasid &&
        !(pci_get_word(PCI_DEVICE(s)->config + DSA_PASID_CAP_OFFSET +
                       PCI_PASID_CTRL) & PCI_PASID_CTRL_PRIV)) {
        return DSA_COMP_PRIV_BAD;
    }
    if (!(flags & DSA_FLAG_RCI)) {
        return 0;
    }
    if (job->ims) {
        uint32_t ctrl;

        if (handle >= dsa_num_ims(s)) {
            return DSA_COMP_INT_HANDLE_INVAL;
        }
        /* the entry's PASID must be the one the descriptor runs with */
        ctrl = s->ims[handle][3];
        if (!!(ctrl & DSA_IMS_CTRL_PASID_EN) != job->has_pasid ||
            (job->has_pasid &&
             (ctrl >> DSA_IMS_CTRL_PASID_SHIFT) != job->pasid)) {
            return DSA_COMP_INT_HANDLE_INVAL;
        }
    } else {
        uint32_t perm;

        if (handle >= dsa_num_msix(s)) {
            return DSA_COMP_INT_HANDLE_INVAL;
        }
        perm = s->msix_perm[handle];
        if ((perm & DSA_MSIX_PERM_PASID_EN) &&
            (!job->has_pasid ||
             (perm >> DSA_MSIX_PERM_PASID_SHIFT) != job->pasid)) {
            return DSA_COMP_INT_HANDLE_INVAL;
        }
    }
    return 0;
}

static void dsa_interrupt(DSAContext *c, uint16_t handle)
{
    DSAState *s = c->s;
    PCIDevice *pdev = PCI_DEVICE(s);

    trace_dsa_interrupt(c->job->ims, handle);
    if (!c->job->ims) {
        if (!(s->msix_perm[handle] & DSA_MSIX_PERM_IGNORE) &&
            msix_enabled(pdev)) {
            msix_notify(pdev, handle);
        }
        return;
    }
    if (s->ims[handle][3] & DSA_IMS_CTRL_MASK) {
        s->ims_pending[handle] = true;
        return;
    }
    msi_send_message(pdev, (MSIMessage) {
        .address = (uint64_t)s->ims[handle][1] << 32 | s->ims[handle][0],
        .data = s->ims[handle][2],
    });
}

void dsa_ims_unmasked(DSAState *s, uint32_t idx)
{
    if (s->ims_pending[idx]) {
        s->ims_pending[idx] = false;
        msi_send_message(PCI_DEVICE(s), (MSIMessage) {
            .address = (uint64_t)s->ims[idx][1] << 32 | s->ims[idx][0],
            .data = s->ims[idx][2],
        });
    }
}

static void dsa_complete(DSAContext *c, const uint8_t *d, uint32_t flags,
                         DSAResult *r, uint32_t invalid)
{
    DSAState *s = c->s;
    uint64_t cra = ldq_le_p(d + DESC_COMPL_ADDR);
    bool ok = r->status == DSA_COMP_SUCCESS;
    uint8_t cr[DSA_CR_SIZE] = { 0 };
    uint64_t swerr;

    trace_dsa_desc_done(c->wqid, d[DESC_OPCODE], r->status, r->bytes);
    swerr = DSA_SWERR_DESC_VALID | DSA_SWERR_WQ_IDX_VALID |
            (c->in_batch ? DSA_SWERR_BATCH : 0) |
            (c->job->priv ? DSA_SWERR_PRIV : 0) |
            ((uint64_t)c->wqid << DSA_SWERR_WQ_IDX_SHIFT) |
            ((uint64_t)d[DESC_OPCODE] << DSA_SWERR_OP_SHIFT) |
            ((uint64_t)c->job->pasid << DSA_SWERR_PASID_SHIFT);

    if (!(flags & DSA_FLAG_CRAV)) {
        if (!ok) {
            dsa_report_swerr(s, swerr | ((uint64_t)(r->status & 0x7f) <<
                                         DSA_SWERR_ERROR_SHIFT),
                             r->fault_addr);
        }
    } else if (ok && !(flags & DSA_FLAG_RCR)) {
        /* success without a requested record: nothing to write */
    } else if (cra & (DSA_CR_SIZE - 1)) {
        dsa_report_swerr(s, swerr | ((uint64_t)DSA_COMP_CRA_ALIGN <<
                                     DSA_SWERR_ERROR_SHIFT), cra);
        return;
    } else {
        cr[1] = r->result;
        cr[2] = r->fault_info;
        stl_le_p(cr + 4, r->bytes);
        stq_le_p(cr + 8, r->fault_addr);
        if (r->status == DSA_COMP_INVALID_FLAGS) {
            stl_le_p(cr + 16, invalid);
        } else {
            stq_le_p(cr + 16, r->op_specific[0]);
            stq_le_p(cr + 24, r->op_specific[1]);
        }
        /* the status byte goes last: software polls on it */
        if (!dsa_dma(c, cra + 1, cr + 1, DSA_CR_SIZE - 1, true)) {
            dsa_report_swerr(s, swerr | ((uint64_t)DSA_COMP_CRA_XLAT <<
                                         DSA_SWERR_ERROR_SHIFT), cra);
            return;
        }
        cr[0] = r->status;
        dsa_dma(c, cra, cr, 1, true);
    }
    s->descs_completed++;
    if ((flags & DSA_FLAG_RCI) && (!ok || (flags & DSA_FLAG_RCR)) &&
        r->status != DSA_COMP_INT_HANDLE_INVAL) {
        dsa_interrupt(c, lduw_le_p(d + DESC_INT_HANDLE));
    }
}

static void dsa_run_desc(DSAContext *c, const uint8_t *d, DSAResult *r)
{
    uint32_t flags = ldl_le_p(d + DESC_FLAGS) & DSA_DESC_FLAGS_MASK;
    uint8_t opcode = d[DESC_OPCODE];
    uint64_t src = ldq_le_p(d + DESC_SRC);
    uint64_t dst = ldq_le_p(d + DESC_DST);
    uint32_t len = ldl_le_p(d + DESC_XFER_SIZE);
    DSAWq *wq = &c->s->wq[c->wqid];
    uint64_t max_xfer = 1ULL << (wq->cfg[DSA_WQCFG_MAXSZ_DW] &
                                 DSA_WQCFG_XFER_SHIFT_MASK);
    uint32_t invalid = 0;

    trace_dsa_desc_exec(c->wqid, opcode, flags, src, dst, len);
    memset(r, 0, sizeof(*r));
    r->status = dsa_check_desc(c, d, flags, &invalid);
    if (r->status) {
        goto done;
    }
    if (opcode != DSA_OP_BATCH && opcode != DSA_OP_NOOP &&
        opcode != DSA_OP_DRAIN && opcode != DSA_OP_CFLUSH && len > max_xfer) {
        r->status = DSA_COMP_XFER_ERANGE;
        goto done;
    }

    switch (opcode) {
    case DSA_OP_NOOP:
    case DSA_OP_CFLUSH:     /* no caches to flush in the model */
        r->status = DSA_COMP_SUCCESS;
        break;
    case DSA_OP_DRAIN:
        /* in-order engines: everything before it has completed */
        r->status = c->in_batch ? DSA_COMP_BAD_OPCODE : DSA_COMP_SUCCESS;
        break;
    case DSA_OP_BATCH:
        if (c->in_batch) {
            r->status = DSA_COMP_BAD_OPCODE;
        } else {
            dsa_batch(c, d, r);
        }
        break;
    case DSA_OP_MEMMOVE:
        dsa_copy(c, src, dst, 0, len, NULL, r);
        break;
    case DSA_OP_MEMFILL:
        /* the pattern sits in the source address field */
        dsa_fill(c, dst, src, len, r);
        break;
    case DSA_OP_COMPARE:
        dsa_compare(c, src, dst, 0, len, r);
        break;
    case DSA_OP_COMPVAL:
        /* the pattern sits in the second address field */
        dsa_compare(c, src, 0, dst, len, r);
        break;
    case DSA_OP_DUALCAST: {
        uint64_t dst2 = ldq_le_p(d + DESC_OP_SPECIFIC);

        if ((dst ^ dst2) & 0xfff) {
            r->status = DSA_COMP_DCAST_ERR;
        } else {
            dsa_copy(c, src, dst, dst2, len, NULL, r);
        }
        break;
    }
    case DSA_OP_CRCGEN:
        dsa_crc(c, d, flags, 0, len, r);
        break;
    case DSA_OP_COPY_CRC:
        dsa_crc(c, d, flags, dst, len, r);
        break;
    default:
        r->status = DSA_COMP_BAD_OPCODE;
        break;
    }
done:
    dsa_complete(c, d, flags, r, invalid);
}

void dsa_execute(DSAState *s, int wqid, DSAJob *job)
{
    DSAContext c = {
        .s = s,
        .job = job,
        .wqid = wqid,
        .as = dsa_job_as(s, job),
    };
    DSAResult r;

    dsa_run_desc(&c, job->desc, &r);
}

void dsa_engine_run(void *opaque)
{
    DSAState *s = opaque;
    bool busy = true;
    int i;

    while (busy && !s->engines_paused) {
        busy = false;
        for (i = 0; i < s->num_wqs; i++) {
            DSAWq *wq = &s->wq[i];
            DSAJob *job = QSIMPLEQ_FIRST(&wq->queue);

            if (!job) {
                continue;
            }
            QSIMPLEQ_REMOVE_HEAD(&wq->queue, next);
            wq->occupancy--;
            dsa_execute(s, i, job);
            g_free(job);
            busy = true;
        }
    }
}
