/*
 * Intel DSA device model: BAR0 registers, the command interface and the
 * IMS table.
 *
 * Only fields the specification defines as writable can be changed; a
 * write to anything else, or to a table while its owner is enabled, is
 * dropped and logged as a guest error. Commands complete synchronously:
 * CMDSTS is never observed active, unless the x-hang-cmd test hook left a
 * command active; a command written while one is active halts the device.
 *
 * Copyright (c) 2026 idxd-siov developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "qemu/log.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "dsa.h"
#include "trace.h"

#define DSA_MAX_XFER_SHIFT          31
#define DSA_MAX_BATCH_SHIFT         10
#define DSA_TOTAL_RDBUFS            96


static uint64_t dsa_gencap(DSAState *s)
{
    return DSA_GENCAP_OVERLAP_COPY | DSA_GENCAP_CACHE_CTRL_MEM |
           DSA_GENCAP_CACHE_CTRL_CACHE | DSA_GENCAP_CMD_CAP |
           ((uint64_t)DSA_MAX_XFER_SHIFT << DSA_GENCAP_MAX_XFER_SHIFT) |
           ((uint64_t)DSA_MAX_BATCH_SHIFT << DSA_GENCAP_MAX_BATCH_SHIFT) |
           ((uint64_t)s->ims_mult << DSA_GENCAP_IMS_MULT_SHIFT) |
           DSA_GENCAP_CONFIG_EN;
}

static uint64_t dsa_wqcap(DSAState *s)
{
    return s->total_wq_size |
           ((uint64_t)s->num_wqs << DSA_WQCAP_NUM_WQS_SHIFT) |
           DSA_WQCAP_SHARED | DSA_WQCAP_DEDICATED | DSA_WQCAP_PRIORITY |
           DSA_WQCAP_OCCUPANCY;
}

static uint64_t dsa_grpcap(DSAState *s)
{
    return s->num_groups |
           ((uint64_t)DSA_TOTAL_RDBUFS << DSA_GRPCAP_RDBUFS_SHIFT) |
           DSA_GRPCAP_RDBUF_CTRL | DSA_GRPCAP_RDBUF_LIMIT;
}

static uint64_t dsa_opcap(int i)
{
    static const uint64_t opcap0 =
        BIT_ULL(DSA_OP_NOOP) | BIT_ULL(DSA_OP_BATCH) | BIT_ULL(DSA_OP_DRAIN) |
        BIT_ULL(DSA_OP_MEMMOVE) | BIT_ULL(DSA_OP_MEMFILL) |
        BIT_ULL(DSA_OP_COMPARE) | BIT_ULL(DSA_OP_COMPVAL) |
        BIT_ULL(DSA_OP_DUALCAST) | BIT_ULL(DSA_OP_CRCGEN) |
        BIT_ULL(DSA_OP_COPY_CRC) | BIT_ULL(DSA_OP_CFLUSH);

    return i == 0 ? opcap0 : 0;
}

static uint64_t dsa_offsets(int i)
{
    if (i) {
        return 0;   /* no perfmon */
    }
    return (uint64_t)(DSA_GRPCFG_OFFSET / DSA_TABLE_MULT) |
           (uint64_t)(DSA_WQCFG_OFFSET / DSA_TABLE_MULT) << 16 |
           (uint64_t)(DSA_MSIX_PERM_OFFSET / DSA_TABLE_MULT) << 32 |
           (uint64_t)(DSA_IMS_OFFSET / DSA_TABLE_MULT) << 48;
}

static uint32_t dsa_cmdcap(void)
{
    uint32_t cap = 0;
    int cmd;

    for (cmd = DSA_CMD_ENABLE_DEVICE; cmd <= DSA_CMD_MAX; cmd++) {
        cap |= BIT(cmd);
    }
    return cap;
}

static uint32_t dsa_wqcfg_read(DSAState *s, int wqid, int dw)
{
    DSAWq *wq = &s->wq[wqid];

    if (dw == DSA_WQCFG_OCCUP_DW) {
        return (wq->occupancy & 0xffff) | DSA_WQCFG_MODE_SUPPORT |
               ((wq->enabled ? DSA_WQ_STATE_ENABLED : 0)
                << DSA_WQCFG_STATE_SHIFT);
    }
    return wq->cfg[dw];
}

/* Read one aligned dword of the register window. */
static uint32_t dsa_reg_read32(DSAState *s, hwaddr off)
{
    int hi = (off & 4) ? 32 : 0;

    if (off >= DSA_WQCFG_OFFSET &&
        off < DSA_WQCFG_OFFSET + s->num_wqs * DSA_WQCFG_SIZE) {
        hwaddr rel = off - DSA_WQCFG_OFFSET;
        return dsa_wqcfg_read(s, rel / DSA_WQCFG_SIZE,
                              (rel % DSA_WQCFG_SIZE) / 4);
    }
    if (off >= DSA_GRPCFG_OFFSET &&
        off < DSA_GRPCFG_OFFSET + s->num_groups * DSA_GRPCFG_SIZE) {
        hwaddr rel = off - DSA_GRPCFG_OFFSET;
        return s->grpcfg[rel / DSA_GRPCFG_SIZE][(rel % DSA_GRPCFG_SIZE) / 8]
               >> hi;
    }
    if (off >= DSA_MSIX_PERM_OFFSET &&
        off < DSA_MSIX_PERM_OFFSET + dsa_num_msix(s) * DSA_MSIX_PERM_STRIDE) {
        hwaddr rel = off - DSA_MSIX_PERM_OFFSET;
        return hi ? 0 : s->msix_perm[rel / DSA_MSIX_PERM_STRIDE];
    }

    switch (off & ~7ULL) {
    case DSA_REG_VERSION:
        return hi ? 0 : DSA_VERSION_1_0;
    case DSA_REG_GENCAP:
        return dsa_gencap(s) >> hi;
    case DSA_REG_WQCAP:
        return dsa_wqcap(s) >> hi;
    case DSA_REG_GRPCAP:
        return dsa_grpcap(s) >> hi;
    case DSA_REG_ENGCAP:
        return hi ? 0 : s->num_engines;
    case DSA_REG_OPCAP ... DSA_REG_OPCAP + 24:
        return dsa_opcap((off - DSA_REG_OPCAP) / 8) >> hi;
    case DSA_REG_OFFSETS ... DSA_REG_OFFSETS + 8:
        return dsa_offsets((off - DSA_REG_OFFSETS) / 8) >> hi;
    case DSA_REG_GENCFG:
        return hi ? 0 : s->gencfg;
    case DSA_REG_GENCTRL:
        return hi ? 0 : s->genctrl;
    case DSA_REG_GENSTS:
        return hi ? 0 : s->gensts;
    case DSA_REG_INTCAUSE:
        return hi ? 0 : s->intcause;
    case DSA_REG_CMDSTS:
        return hi ? 0 : s->cmdsts;
    case DSA_REG_CMDCAP:
        return hi ? 0 : dsa_cmdcap();
    case DSA_REG_SWERR ... DSA_REG_SWERR + 24:
        return s->swerr[(off - DSA_REG_SWERR) / 8] >> hi;
    default:
        return 0;   /* CMD and reserved space read as zero */
    }
}

static uint64_t dsa_regs_read(void *opaque, hwaddr addr, unsigned size)
{
    DSAState *s = opaque;
    uint64_t val;

    if (size == 8) {
        val = dsa_reg_read32(s, addr) |
              (uint64_t)dsa_reg_read32(s, addr + 4) << 32;
    } else {
        val = dsa_reg_read32(s, addr);
    }
    trace_dsa_reg_read(addr, size, val);
    return val;
}

void dsa_raise_intcause(DSAState *s, uint32_t cause)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    s->intcause |= cause;
    if (msix_enabled(pdev)) {
        msix_notify(pdev, 0);
    }
}

void dsa_report_swerr(DSAState *s, uint64_t word0, uint64_t fault_addr)
{
    trace_dsa_swerr(word0, fault_addr);
    if (s->swerr[0] & DSA_SWERR_VALID) {
        s->swerr[0] |= DSA_SWERR_OVERFLOW;
    } else {
        s->swerr[0] = word0 | DSA_SWERR_VALID;
        s->swerr[1] = 0;
        s->swerr[2] = fault_addr;
        s->swerr[3] = 0;
    }
    if (s->genctrl & DSA_GENCTRL_SOFTERR_INT_EN) {
        dsa_raise_intcause(s, DSA_INTC_ERR);
    } else {
        s->intcause |= DSA_INTC_ERR;
    }
}

void dsa_halt(DSAState *s)
{
    int i;

    for (i = 0; i < s->num_wqs; i++) {
        dsa_wq_flush(s, i, false);
        s->wq[i].enabled = false;
    }
    s->gensts = DSA_GENSTS_HALT;
    if (s->genctrl & DSA_GENCTRL_HALT_INT_EN) {
        dsa_raise_intcause(s, DSA_INTC_HALT);
    } else {
        s->intcause |= DSA_INTC_HALT;
    }
}

static bool dsa_pasid_cap_enabled(DSAState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    return pci_get_word(pdev->config + DSA_PASID_CAP_OFFSET +
                        PCI_PASID_CTRL) & PCI_PASID_CTRL_ENABLE;
}

/* The enable-device checks, in the order the specification lists them. */
static uint32_t dsa_validate_config(DSAState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    uint64_t wq_owner = 0, eng_owner = 0;
    uint32_t total = 0, rdbufs = 0;
    int g, i;

    if (!(pci_get_word(pdev->config + PCI_COMMAND) & PCI_COMMAND_MASTER)) {
        return DSA_CMDSTS_ERR_BUSMASTER_EN;
    }
    for (i = 0; i < s->num_wqs; i++) {
        total += dsa_wq_size(&s->wq[i]);
    }
    if (total > s->total_wq_size) {
        return DSA_CMDSTS_ERR_WQ_SIZE_ERANGE;
    }
    for (g = 0; g < s->num_groups; g++) {
        uint64_t wqs = s->grpcfg[g][0];
        uint64_t engines = s->grpcfg[g][DSA_GRPCFG_ENGINES_QW];
        uint64_t flags = s->grpcfg[g][DSA_GRPCFG_FLAGS_QW];

        if ((wqs & wq_owner) || (engines & eng_owner)) {
            return DSA_CMDSTS_ERR_GRP_CONFIG;
        }
        wq_owner |= wqs;
        eng_owner |= engines;
        if (wqs && !engines) {
            return DSA_CMDSTS_ERR_GRP_CONFIG2;
        }
        rdbufs += (flags >> DSA_GRPFLG_RDBUFS_RES_SHIFT) & 0xff;
    }
    if (rdbufs > DSA_TOTAL_RDBUFS) {
        return DSA_CMDSTS_ERR_GRP_CONFIG3;
    }
    for (i = 0; i < s->num_wqs; i++) {
        if (dsa_wq_size(&s->wq[i]) && !(wq_owner & BIT_ULL(i))) {
            return DSA_CMDSTS_ERR_GRP_CONFIG4;
        }
    }
    return DSA_CMDSTS_SUCCESS;
}

static uint32_t dsa_validate_wq(DSAState *s, DSAWq *wq)
{
    uint32_t mode = wq->cfg[DSA_WQCFG_MODE_DW];
    uint32_t maxsz = wq->cfg[DSA_WQCFG_MAXSZ_DW];
    uint32_t prio = (mode >> DSA_WQCFG_PRIORITY_SHIFT) &
                    DSA_WQCFG_PRIORITY_MASK;

    if (!dsa_wq_size(wq)) {
        return DSA_CMDSTS_ERR_WQ_SIZE;
    }
    if (!dsa_wq_dedicated(wq) && dsa_wq_threshold(wq) > dsa_wq_size(wq)) {
        return DSA_CMDSTS_ERR_WQ_SIZE;
    }
    if (prio == 0) {
        return DSA_CMDSTS_ERR_WQ_PRIOR;
    }
    if (mode & DSA_WQCFG_BOF) {
        return DSA_CMDSTS_ERR_BOF_EN;   /* no page requests: no BOF */
    }
    if (!dsa_wq_dedicated(wq) && !(mode & DSA_WQCFG_PASID_EN)) {
        return DSA_CMDSTS_ERR_PASID_EN; /* ENQCMD carries a PASID */
    }
    if ((mode & DSA_WQCFG_PASID_EN) && !dsa_pasid_cap_enabled(s)) {
        return DSA_CMDSTS_ERR_PASID_EN;
    }
    if ((maxsz & DSA_WQCFG_XFER_SHIFT_MASK) > DSA_MAX_XFER_SHIFT) {
        return DSA_CMDSTS_ERR_MAX_XFER_SIZE;
    }
    if (((maxsz >> DSA_WQCFG_BATCH_SHIFT_SHIFT) & DSA_WQCFG_BATCH_SHIFT_MASK) >
        DSA_MAX_BATCH_SHIFT) {
        return DSA_CMDSTS_ERR_MAX_BATCH_SIZE;
    }
    return DSA_CMDSTS_SUCCESS;
}

/*
 * Disable/drain/abort/reset WQ operands select WQs as a 16-bit mask
 * (bits 15:0) within a block of 16 (bits 19:16). Returns the mask of WQ
 * ids, or 0 with *err set.
 */
static uint64_t dsa_wq_operand(DSAState *s, uint32_t operand, uint32_t *err)
{
    uint64_t mask = (uint64_t)(operand & 0xffff) << (16 * (operand >> 16));

    if (!mask || (mask >> s->num_wqs)) {
        *err = DSA_CMDSTS_INVAL_WQIDX;
        return 0;
    }
    return mask;
}

static void dsa_clear_wq_config(DSAState *s, int i)
{
    DSAWq *wq = &s->wq[i];

    dsa_wq_flush(s, i, false);
    wq->enabled = false;
    memset(wq->cfg, 0, sizeof(wq->cfg));
}

static uint32_t dsa_alloc_handle(unsigned long *map, uint32_t nr,
                                 uint32_t idx, uint32_t *result)
{
    if (idx >= nr) {
        return DSA_CMDSTS_ERR_INVAL_INT_IDX;
    }
    /* handles are the table indexes: the model has no remapping of its own */
    set_bit(idx, map);
    *result = idx;
    return DSA_CMDSTS_SUCCESS;
}

static uint32_t dsa_exec_cmd(DSAState *s, uint32_t code, uint32_t operand,
                             uint32_t *result)
{
    uint32_t err = DSA_CMDSTS_SUCCESS;
    uint64_t mask;
    int i;

    if ((s->gensts & 3) == DSA_GENSTS_HALT && code != DSA_CMD_RESET_DEVICE) {
        return DSA_CMDSTS_HW_ERR;
    }

    switch (code) {
    case DSA_CMD_ENABLE_DEVICE:
        if (dsa_enabled(s)) {
            return DSA_CMDSTS_ERR_DEV_ENABLED;
        }
        err = dsa_validate_config(s);
        if (err == DSA_CMDSTS_SUCCESS) {
            s->gensts = DSA_GENSTS_ENABLED;
        }
        return err;
    case DSA_CMD_DISABLE_DEVICE:
        if (!dsa_enabled(s)) {
            return DSA_CMDSTS_ERR_DIS_DEV_EN;
        }
        for (i = 0; i < s->num_wqs; i++) {
            dsa_wq_flush(s, i, true);
            s->wq[i].enabled = false;
        }
        s->gensts = DSA_GENSTS_DISABLED;
        return DSA_CMDSTS_SUCCESS;
    case DSA_CMD_DRAIN_ALL:
    case DSA_CMD_ABORT_ALL:
        for (i = 0; i < s->num_wqs; i++) {
            dsa_wq_flush(s, i, code == DSA_CMD_DRAIN_ALL);
        }
        return DSA_CMDSTS_SUCCESS;
    case DSA_CMD_RESET_DEVICE:
        dsa_reset_registers(s);
        return DSA_CMDSTS_SUCCESS;
    case DSA_CMD_ENABLE_WQ:
        if (operand >= s->num_wqs) {
            return DSA_CMDSTS_INVAL_WQIDX;
        }
        if (!dsa_enabled(s)) {
            return DSA_CMDSTS_ERR_DEV_NOTEN;
        }
        if (s->wq[operand].enabled) {
            return DSA_CMDSTS_ERR_WQ_ENABLED;
        }
        err = dsa_validate_wq(s, &s->wq[operand]);
        if (err == DSA_CMDSTS_SUCCESS) {
            dsa_wq_reset_portals(&s->wq[operand]);
            s->wq[operand].enabled = true;
        }
        return err;
    case DSA_CMD_DISABLE_WQ:
    case DSA_CMD_DRAIN_WQ:
    case DSA_CMD_ABORT_WQ:
    case DSA_CMD_RESET_WQ:
        mask = dsa_wq_operand(s, operand, &err);
        if (!mask) {
            return err;
        }
        if (code != DSA_CMD_RESET_WQ) {
            if (!dsa_enabled(s)) {
                return DSA_CMDSTS_ERR_DEV_NOT_EN;
            }
            for (i = 0; i < s->num_wqs; i++) {
                if ((mask & BIT_ULL(i)) && !s->wq[i].enabled) {
                    return DSA_CMDSTS_ERR_DEV_NOT_EN;
                }
            }
        }
        for (i = 0; i < s->num_wqs; i++) {
            if (!(mask & BIT_ULL(i))) {
                continue;
            }
            if (code == DSA_CMD_RESET_WQ) {
                dsa_clear_wq_config(s, i);
                continue;
            }
            dsa_wq_flush(s, i, code != DSA_CMD_ABORT_WQ);
            if (code == DSA_CMD_DISABLE_WQ) {
                s->wq[i].enabled = false;
            }
        }
        return DSA_CMDSTS_SUCCESS;
    case DSA_CMD_DRAIN_PASID:
    case DSA_CMD_ABORT_PASID:
        /*
         * Engines run descriptors in submission order, so draining or
         * aborting everything queued covers the PASID's descriptors;
         * other PASIDs' descriptors are drained, never dropped.
         */
        for (i = 0; i < s->num_wqs; i++) {
            DSAJob *job, *tmp;

            if (code == DSA_CMD_DRAIN_PASID) {
                dsa_wq_flush(s, i, true);
                continue;
            }
            QSIMPLEQ_FOREACH_SAFE(job, &s->wq[i].queue, next, tmp) {
                if (job->has_pasid && job->pasid == operand) {
                    QSIMPLEQ_REMOVE(&s->wq[i].queue, job, DSAJob, next);
                    s->wq[i].occupancy--;
                    g_free(job);
                }
            }
        }
        return DSA_CMDSTS_SUCCESS;
    case DSA_CMD_REQUEST_INT_HANDLE:
        if (operand & DSA_CMD_INT_HANDLE_IMS) {
            return dsa_alloc_handle(s->ims_handles, dsa_num_ims(s),
                                    operand & 0xffff, result);
        }
        return dsa_alloc_handle(s->msix_handles, dsa_num_msix(s),
                                operand & 0xffff, result);
    case DSA_CMD_RELEASE_INT_HANDLE: {
        unsigned long *map = (operand & DSA_CMD_INT_HANDLE_IMS) ?
                             s->ims_handles : s->msix_handles;
        uint32_t nr = (operand & DSA_CMD_INT_HANDLE_IMS) ?
                      dsa_num_ims(s) : dsa_num_msix(s);
        uint32_t handle = operand & 0xffff;

        if (handle >= nr || !test_bit(handle, map)) {
            return DSA_CMDSTS_ERR_INVAL_INT_IDX;
        }
        clear_bit(handle, map);
        return DSA_CMDSTS_SUCCESS;
    }
    default:
        return DSA_CMDSTS_INVAL_CMD;
    }
}

static void dsa_write_cmd(DSAState *s, uint32_t val)
{
    uint32_t code = (val >> DSA_CMD_CODE_SHIFT) & DSA_CMD_CODE_MASK;
    uint32_t operand = val & DSA_CMD_OPERAND_MASK;
    uint32_t result = 0, err;

    /*
     * Software must wait for CMDSTS.active to clear before the next
     * command. A driver that does not has lost track of the device: the
     * model halts, so that the mistake is loud instead of undefined.
     */
    if (s->cmdsts & DSA_CMDSTS_ACTIVE) {
        qemu_log_mask(LOG_GUEST_ERROR, "idxd-dsa: command %u written while "
                      "a command is active: halting\n", code);
        s->cmds_while_active++;
        trace_dsa_cmd_while_active(code, operand);
        dsa_halt(s);
        return;
    }
    /* x-hang-cmd: accepted, never completed; only a function reset ends it */
    if (s->hang_cmd && code == s->hang_cmd) {
        s->hang_cmd = 0;
        s->cmdsts = DSA_CMDSTS_ACTIVE;
        trace_dsa_cmd_hang(code, operand);
        return;
    }
    /* x-fail-cmd: refused as a device error, with no effect */
    if (s->fail_cmd && code == s->fail_cmd) {
        s->fail_cmd = 0;
        err = DSA_CMDSTS_HW_ERR;
    } else {
        err = dsa_exec_cmd(s, code, operand, &result);
    }
    trace_dsa_cmd(code, operand, err, result);
    if (err) {
        qemu_log_mask(LOG_GUEST_ERROR, "idxd-dsa: command %u operand 0x%x "
                      "failed with status 0x%x\n", code, operand, err);
    }
    s->cmdsts = err | (result << DSA_CMDSTS_RESULT_SHIFT);
    if (val & DSA_CMD_INT_REQ) {
        dsa_raise_intcause(s, DSA_INTC_CMD);
    }
}

static void dsa_wqcfg_write(DSAState *s, int wqid, int dw, uint32_t val)
{
    DSAWq *wq = &s->wq[wqid];
    uint32_t mask;

    switch (dw) {
    case DSA_WQCFG_SIZE_DW:
        mask = 0xffff;
        if (dsa_enabled(s)) {
            /* sizes are fixed while the device is enabled */
            mask = 0;
        }
        break;
    case DSA_WQCFG_THRESH_DW:
        mask = 0xffff;
        break;
    case DSA_WQCFG_MODE_DW:
        mask = DSA_WQCFG_MODE_WRITABLE;
        break;
    case DSA_WQCFG_MAXSZ_DW:
        mask = DSA_WQCFG_MAXSZ_WRITABLE;
        break;
    default:
        mask = 0;   /* occupancy, state and reserved dwords */
        break;
    }
    if (wq->enabled) {
        mask = 0;
    }
    if ((val ^ wq->cfg[dw]) & ~mask) {
        qemu_log_mask(LOG_GUEST_ERROR, "idxd-dsa: WQ%d cfg dword %d: write "
                      "0x%08x to read-only bits ignored\n", wqid, dw, val);
    }
    wq->cfg[dw] = (wq->cfg[dw] & ~mask) | (val & mask);
}

static void dsa_grpcfg_write(DSAState *s, int g, int qw, bool hi, uint32_t val)
{
    uint64_t mask, v = hi ? (uint64_t)val << 32 : val;
    uint64_t *reg = &s->grpcfg[g][qw];

    if (qw < DSA_GRPCFG_ENGINES_QW) {
        mask = qw == 0 ? MAKE_64BIT_MASK(0, s->num_wqs) : 0;
    } else if (qw == DSA_GRPCFG_ENGINES_QW) {
        mask = MAKE_64BIT_MASK(0, s->num_engines);
    } else if (qw == DSA_GRPCFG_FLAGS_QW) {
        mask = DSA_GRPFLG_WRITABLE;
    } else {
        mask = 0;
    }
    mask &= hi ? 0xffffffff00000000ULL : 0xffffffffULL;
    if (dsa_enabled(s)) {
        mask = 0;   /* group tables are read-only while enabled */
    }
    if ((v ^ *reg) & ~mask & (hi ? 0xffffffff00000000ULL : 0xffffffffULL)) {
        qemu_log_mask(LOG_GUEST_ERROR, "idxd-dsa: GRPCFG%d qword %d: write "
                      "to read-only bits ignored\n", g, qw);
    }
    *reg = (*reg & ~mask) | (v & mask);
}

static void dsa_reg_write32(DSAState *s, hwaddr off, uint32_t val)
{
    if (off >= DSA_WQCFG_OFFSET &&
        off < DSA_WQCFG_OFFSET + s->num_wqs * DSA_WQCFG_SIZE) {
        hwaddr rel = off - DSA_WQCFG_OFFSET;
        dsa_wqcfg_write(s, rel / DSA_WQCFG_SIZE, (rel % DSA_WQCFG_SIZE) / 4,
                        val);
        return;
    }
    if (off >= DSA_GRPCFG_OFFSET &&
        off < DSA_GRPCFG_OFFSET + s->num_groups * DSA_GRPCFG_SIZE) {
        hwaddr rel = off - DSA_GRPCFG_OFFSET;
        dsa_grpcfg_write(s, rel / DSA_GRPCFG_SIZE, (rel % DSA_GRPCFG_SIZE) / 8,
                         off & 4, val);
        return;
    }
    if (off >= DSA_MSIX_PERM_OFFSET &&
        off < DSA_MSIX_PERM_OFFSET + dsa_num_msix(s) * DSA_MSIX_PERM_STRIDE) {
        if (!(off & 4)) {
            s->msix_perm[(off - DSA_MSIX_PERM_OFFSET) / DSA_MSIX_PERM_STRIDE] =
                val & DSA_MSIX_PERM_WRITABLE;
        }
        return;
    }

    switch (off) {
    case DSA_REG_GENCFG:
        if (dsa_enabled(s)) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "idxd-dsa: GENCFG write while enabled ignored\n");
            return;
        }
        s->gencfg = val & DSA_GENCFG_WRITABLE;
        return;
    case DSA_REG_GENCTRL:
        s->genctrl = val & DSA_GENCTRL_WRITABLE;
        return;
    case DSA_REG_INTCAUSE:
        s->intcause &= ~val;    /* write 1 to clear */
        return;
    case DSA_REG_CMD:
        dsa_write_cmd(s, val);
        return;
    case DSA_REG_SWERR:
        if (val & DSA_SWERR_VALID) {
            memset(s->swerr, 0, sizeof(s->swerr));
        } else if (val & DSA_SWERR_OVERFLOW) {
            s->swerr[0] &= ~DSA_SWERR_OVERFLOW;
        }
        return;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "idxd-dsa: write 0x%x to read-only "
                      "register 0x%" HWADDR_PRIx " ignored\n", val, off);
        return;
    }
}

static void dsa_regs_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    DSAState *s = opaque;

    trace_dsa_reg_write(addr, size, val);
    dsa_reg_write32(s, addr, val);
    if (size == 8) {
        dsa_reg_write32(s, addr + 4, val >> 32);
    }
}

const MemoryRegionOps dsa_regs_ops = {
    .read = dsa_regs_read,
    .write = dsa_regs_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
        .unaligned = false,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
};

/*
 * IMS: 16-byte entries (address lo/hi, data, control) of 32-bit fields.
 * The control word shows whether a masked entry holds an interrupt
 * (PENDING); writing PENDING back drops it, so that software handing the
 * entry to a new owner can make sure the old owner's interrupt never
 * reaches the new one.
 */
static uint32_t dsa_ims_read32(DSAState *s, uint32_t idx, int dw)
{
    uint32_t val = s->ims[idx][dw];

    if (dw == 3 && s->ims_pending[idx]) {
        val |= DSA_IMS_CTRL_PENDING;
    }
    return val;
}

static uint64_t dsa_ims_read(void *opaque, hwaddr addr, unsigned size)
{
    DSAState *s = opaque;
    uint32_t idx = addr / DSA_IMS_ENTRY_SIZE;
    int dw = (addr % DSA_IMS_ENTRY_SIZE) / 4;
    uint64_t val;

    if (idx >= dsa_num_ims(s)) {
        return 0;
    }
    val = dsa_ims_read32(s, idx, dw);
    if (size == 8 && dw < 3) {      /* accesses are aligned: dw is 0 or 2 */
        val |= (uint64_t)dsa_ims_read32(s, idx, dw + 1) << 32;
    }
    return val;
}

static void dsa_ims_write32(DSAState *s, uint32_t idx, int dw, uint32_t val)
{
    uint32_t old = s->ims[idx][3];

    if (dw == 3) {
        if (val & DSA_IMS_CTRL_PENDING) {
            s->ims_pending[idx] = false;
        }
        val &= DSA_IMS_CTRL_WRITABLE;
    }
    s->ims[idx][dw] = val;
    trace_dsa_ims_write(idx, dw, val);
    if (dw == 3 && (old & DSA_IMS_CTRL_MASK) && !(val & DSA_IMS_CTRL_MASK)) {
        dsa_ims_unmasked(s, idx);
    }
}

static void dsa_ims_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    DSAState *s = opaque;
    uint32_t idx = addr / DSA_IMS_ENTRY_SIZE;
    int dw = (addr % DSA_IMS_ENTRY_SIZE) / 4;

    if (idx >= dsa_num_ims(s)) {
        return;
    }
    dsa_ims_write32(s, idx, dw, val);
    if (size == 8) {
        dsa_ims_write32(s, idx, dw + 1, val >> 32);
    }
}

const MemoryRegionOps dsa_ims_ops = {
    .read = dsa_ims_read,
    .write = dsa_ims_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
};

/* Device reset: registers and tables to their power-on values. */
void dsa_reset_registers(DSAState *s)
{
    int i;

    for (i = 0; i < s->num_wqs; i++) {
        dsa_clear_wq_config(s, i);
        dsa_wq_reset_portals(&s->wq[i]);
    }
    memset(s->grpcfg, 0, sizeof(s->grpcfg));
    s->gencfg = 0;
    s->genctrl = 0;
    s->gensts = DSA_GENSTS_DISABLED;
    s->intcause = 0;
    s->cmdsts = 0;
    memset(s->swerr, 0, sizeof(s->swerr));
    memset(s->msix_perm, 0, dsa_num_msix(s) * sizeof(*s->msix_perm));
    for (i = 0; i < dsa_num_ims(s); i++) {
        memset(s->ims[i], 0, sizeof(s->ims[i]));
        s->ims[i][3] = DSA_IMS_CTRL_MASK;
        s->ims_pending[i] = false;
    }
    bitmap_zero(s->msix_handles, dsa_num_msix(s));
    bitmap_zero(s->ims_handles, dsa_num_ims(s));
}
