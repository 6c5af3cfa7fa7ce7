/*
 * Intel DSA device model: device state shared by the model's files.
 *
 * Copyright (c) 2026 idxd-siov developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_MISC_DSA_H
#define HW_MISC_DSA_H

#include "hw/pci/pci.h"
#include "qemu/queue.h"
#include "qom/object.h"
#include "dsa-regs.h"

#define TYPE_IDXD_DSA "idxd-dsa"
OBJECT_DECLARE_SIMPLE_TYPE(DSAState, IDXD_DSA)

#define DSA_MAX_WQS                 16
#define DSA_MAX_GROUPS              8
#define DSA_MAX_ENGINES             8
#define DSA_MAX_IMS                 2048

/* A descriptor accepted by a WQ, waiting for an engine. */
typedef struct DSAJob {
    uint8_t desc[DSA_DESC_SIZE];
    bool has_pasid;             /* DMA through the (RID, PASID) space */
    uint32_t pasid;
    bool priv;
    bool ims;                   /* arrived through an IMS portal */
    QSIMPLEQ_ENTRY(DSAJob) next;
} DSAJob;

/* One 64-byte descriptor being assembled from portal stores. */
typedef struct DSAPortalBuf {
    uint8_t data[DSA_DESC_SIZE];
    uint32_t slot;              /* 64-byte-aligned offset in the page */
    uint64_t written;           /* bitmap of bytes received */
} DSAPortalBuf;

typedef struct DSAWq {
    uint32_t cfg[DSA_WQCFG_DWORDS];
    bool enabled;
    uint32_t occupancy;
    QSIMPLEQ_HEAD(, DSAJob) queue;
    DSAPortalBuf portal[DSA_PORTALS_PER_WQ];
} DSAWq;

struct DSAState {
    PCIDevice parent_obj;

    MemoryRegion bar0;          /* container: registers, MSI-X, IMS */
    MemoryRegion regs;
    MemoryRegion ims_mr;
    MemoryRegion portals;       /* BAR2 */
    QEMUBH *engine_bh;

    /* properties */
    uint8_t num_wqs;
    uint8_t num_groups;
    uint8_t num_engines;
    uint16_t total_wq_size;
    uint8_t ims_mult;           /* IMS entries = 256 * ims_mult */
    bool engines_paused;        /* test hook: queue but do not execute */
    uint8_t hang_cmd;           /* test hook: next such command never ends */
    uint8_t fail_cmd;           /* test hook: next such command fails */

    /* registers */
    uint32_t gencfg;
    uint32_t genctrl;
    uint32_t gensts;
    uint32_t intcause;
    uint32_t cmdsts;
    uint64_t swerr[4];
    uint64_t grpcfg[DSA_MAX_GROUPS][DSA_GRPCFG_SIZE / 8];
    uint32_t *msix_perm;
    uint32_t (*ims)[DSA_IMS_ENTRY_SIZE / 4];
    bool *ims_pending;
    unsigned long *msix_handles;    /* bitmap of granted MSI-X handles */
    unsigned long *ims_handles;     /* bitmap of granted IMS handles */

    DSAWq wq[DSA_MAX_WQS];

    /* statistics, readable as QOM properties by tests */
    uint64_t descs_completed;
    uint64_t enqcmd_retries;
    uint64_t cmds_while_active;
};

static inline uint32_t dsa_num_msix(DSAState *s)
{
    return s->num_wqs + 1;
}

static inline uint32_t dsa_num_ims(DSAState *s)
{
    return 256 * s->ims_mult;
}

static inline bool dsa_wq_dedicated(DSAWq *wq)
{
    return wq->cfg[DSA_WQCFG_MODE_DW] & DSA_WQCFG_MODE_DEDICATED;
}

static inline uint32_t dsa_wq_size(DSAWq *wq)
{
    return wq->cfg[DSA_WQCFG_SIZE_DW] & 0xffff;
}

static inline uint32_t dsa_wq_threshold(DSAWq *wq)
{
    return wq->cfg[DSA_WQCFG_THRESH_DW] & 0xffff;
}

static inline bool dsa_enabled(DSAState *s)
{
    return (s->gensts & 3) == DSA_GENSTS_ENABLED;
}

/* dsa-mmio.c */
extern const MemoryRegionOps dsa_regs_ops;
extern const MemoryRegionOps dsa_ims_ops;
void dsa_reset_registers(DSAState *s);
void dsa_report_swerr(DSAState *s, uint64_t word0, uint64_t fault_addr);
void dsa_raise_intcause(DSAState *s, uint32_t cause);
void dsa_halt(DSAState *s);

/* dsa-portal.c */
extern const MemoryRegionOps dsa_portal_ops;
void dsa_wq_flush(DSAState *s, int wqid, bool run);
void dsa_wq_reset_portals(DSAWq *wq);

/* dsa-engine.c */
void dsa_engine_run(void *opaque);
void dsa_execute(DSAState *s, int wqid, DSAJob *job);
void dsa_ims_unmasked(DSAState *s, uint32_t idx);

#endif
