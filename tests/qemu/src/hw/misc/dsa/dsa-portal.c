/*
 * Intel DSA device model: BAR2 work-queue portals.
 *
 * Each WQ owns four 4 KiB portal pages: MSI-X unlimited, MSI-X limited,
 * IMS unlimited and IMS limited. A 64-byte descriptor reaches a portal
 * either as one MOVDIR64B/ENQCMD(S) store, which QEMU's memory core
 * splits into 8-byte pieces, or as eight plain 8-byte stores from a
 * driver without MOVDIR64B. Both are assembled here per 64-byte slot.
 *
 * Dedicated WQs take plain/MOVDIR64B stores and silently drop a
 * descriptor that overflows them (recorded in SWERR); shared WQs take
 * only ENQCMD(S) and answer "retry" (a failed transaction, which the
 * CPU turns into ZF=1) when full, disabled or over the limited portal's
 * threshold.
 *
 * Copyright (c) 2026 idxd-siov developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "dsa.h"
#include "trace.h"

void dsa_wq_reset_portals(DSAWq *wq)
{
    memset(wq->portal, 0, sizeof(wq->portal));
}

/* Run (drain) or drop (abort) everything queued on a WQ. */
void dsa_wq_flush(DSAState *s, int wqid, bool run)
{
    DSAWq *wq = &s->wq[wqid];
    DSAJob *job;

    while ((job = QSIMPLEQ_FIRST(&wq->queue))) {
        QSIMPLEQ_REMOVE_HEAD(&wq->queue, next);
        wq->occupancy--;
        if (run) {
            dsa_execute(s, wqid, job);
        }
        g_free(job);
    }
}

static uint64_t dsa_portal_read(void *opaque, hwaddr addr, unsigned size)
{
    /* portals are write-only; reads return all ones like an idle bus */
    return ~0ULL;
}

static uint64_t dsa_swerr_word0(int wqid, uint32_t err, const uint8_t *desc)
{
    return DSA_SWERR_DESC_VALID | DSA_SWERR_WQ_IDX_VALID |
           ((uint64_t)err << DSA_SWERR_ERROR_SHIFT) |
           ((uint64_t)wqid << DSA_SWERR_WQ_IDX_SHIFT) |
           ((uint64_t)desc[7] << DSA_SWERR_OP_SHIFT);
}

/*
 * A complete descriptor arrived. Returns false when an ENQCMD must be
 * told to retry.
 */
static bool dsa_portal_submit(DSAState *s, int wqid, int page,
                              const uint8_t *desc, bool enqcmd)
{
    DSAWq *wq = &s->wq[wqid];
    uint32_t dw0 = ldl_le_p(desc);
    uint32_t limit = dsa_wq_size(wq);
    DSAJob *job;

    if (!dsa_wq_dedicated(wq) && (page & DSA_PORTAL_LIMITED)) {
        limit = MIN(limit, dsa_wq_threshold(wq));
    }

    if (!wq->enabled || !dsa_enabled(s)) {
        trace_dsa_portal_drop(wqid, "wq disabled");
        if (enqcmd) {
            s->enqcmd_retries++;
            return false;
        }
        dsa_report_swerr(s, dsa_swerr_word0(wqid, DSA_SWERR_WQ_NOT_ENABLED,
                                            desc), 0);
        return true;
    }
    if (dsa_wq_dedicated(wq) == enqcmd) {
        /*
         * ENQCMD to a dedicated WQ, or a posted store to a shared one: the
         * descriptor is dropped with a software error. An ENQCMD is told
         * it was accepted: "retry" would make its sender spin forever.
         */
        trace_dsa_portal_drop(wqid, "wrong submission type");
        dsa_report_swerr(s, dsa_swerr_word0(wqid, DSA_SWERR_PORTAL_WRITE,
                                            desc), 0);
        return true;
    }
    if (wq->occupancy >= limit) {
        if (enqcmd) {
            trace_dsa_portal_drop(wqid, wq->occupancy >= dsa_wq_size(wq) ?
                                  "shared wq full: retry" :
                                  "limited portal at threshold: retry");
            s->enqcmd_retries++;
            return false;
        }
        trace_dsa_portal_drop(wqid, "dedicated wq overflow");
        dsa_report_swerr(s, dsa_swerr_word0(wqid, DSA_SWERR_WQ_FULL, desc), 0);
        return true;
    }

    job = g_new0(DSAJob, 1);
    memcpy(job->desc, desc, DSA_DESC_SIZE);
    job->ims = page & DSA_PORTAL_IMS;
    if (dsa_wq_dedicated(wq)) {
        /* a dedicated WQ's PASID and privilege come from its WQCFG */
        uint32_t mode = wq->cfg[DSA_WQCFG_MODE_DW];

        job->has_pasid = mode & DSA_WQCFG_PASID_EN;
        job->pasid = (mode >> DSA_WQCFG_PASID_SHIFT) & DSA_WQCFG_PASID_MASK;
        job->priv = mode & DSA_WQCFG_PRIV;
    } else {
        /* ENQCMD(S) put the submitter's PASID in the descriptor */
        job->has_pasid = true;
        job->pasid = dw0 & DSA_DESC_PASID_MASK;
        job->priv = dw0 & DSA_DESC_PRIV;
    }
    trace_dsa_portal_submit(wqid, page, desc[7], job->has_pasid, job->pasid,
                            enqcmd);
    QSIMPLEQ_INSERT_TAIL(&wq->queue, job, next);
    wq->occupancy++;
    if (!s->engines_paused) {
        qemu_bh_schedule(s->engine_bh);
    }
    return true;
}

static MemTxResult dsa_portal_write(void *opaque, hwaddr addr, uint64_t val,
                                    unsigned size, MemTxAttrs attrs)
{
    DSAState *s = opaque;
    uint32_t portal = addr / DSA_PORTAL_PAGE;
    int wqid = portal / DSA_PORTALS_PER_WQ;
    int page = portal % DSA_PORTALS_PER_WQ;
    uint32_t slot = (addr % DSA_PORTAL_PAGE) & ~(DSA_DESC_SIZE - 1);
    uint32_t pos = addr % DSA_DESC_SIZE;
    DSAPortalBuf *buf;
    uint8_t desc[DSA_DESC_SIZE];

    if (wqid >= s->num_wqs) {
        return MEMTX_OK;
    }
    buf = &s->wq[wqid].portal[page];
    if (buf->written && buf->slot != slot) {
        qemu_log_mask(LOG_GUEST_ERROR, "idxd-dsa: WQ%d portal %d: partial "
                      "descriptor at 0x%x abandoned\n", wqid, page, buf->slot);
        buf->written = 0;
    }
    buf->slot = slot;
    stn_le_p(buf->data + pos, size, val);
    buf->written |= MAKE_64BIT_MASK(pos, size);
    if (buf->written != UINT64_MAX) {
        return MEMTX_OK;
    }
    memcpy(desc, buf->data, sizeof(desc));
    buf->written = 0;
    return dsa_portal_submit(s, wqid, page, desc, attrs.enqcmd) ?
           MEMTX_OK : MEMTX_ERROR;
}

static MemTxResult dsa_portal_read_attrs(void *opaque, hwaddr addr,
                                         uint64_t *data, unsigned size,
                                         MemTxAttrs attrs)
{
    *data = dsa_portal_read(opaque, addr, size);
    return MEMTX_OK;
}

const MemoryRegionOps dsa_portal_ops = {
    .read_with_attrs = dsa_portal_read_attrs,
    .write_with_attrs = dsa_portal_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
    },
};
