/*
 * Intel DSA device model: register layout and architectural values.
 *
 * Offsets, field positions and status codes follow the Intel Data
 * Streaming Accelerator Architecture Specification as the Linux idxd
 * driver reads them (drivers/dma/idxd/registers.h, uapi/linux/idxd.h).
 *
 * Copyright (c) 2026 idxd-siov developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_MISC_DSA_REGS_H
#define HW_MISC_DSA_REGS_H

/* PCI identity */
#define DSA_PCI_VENDOR_ID           0x8086
#define DSA_PCI_DEVICE_ID           0x0b25
#define DSA_PCI_REVISION            0x01

/* BAR layout */
#define DSA_BAR0_SIZE               0x10000
#define DSA_REGS_SIZE               0x2000
#define DSA_MSIX_TABLE_OFFSET       0x2000
#define DSA_MSIX_PBA_OFFSET         0x3000
#define DSA_IMS_OFFSET              0x4000
#define DSA_IMS_ENTRY_SIZE          16
#define DSA_PORTAL_PAGE             0x1000
#define DSA_PORTALS_PER_WQ          4
#define DSA_DESC_SIZE               64
#define DSA_CR_SIZE                 32

/* PCI Express extended capability offsets */
#define DSA_PASID_CAP_OFFSET        0x100

/* Portal page within a WQ's four: bit 0 limited, bit 1 IMS */
#define DSA_PORTAL_LIMITED          0x1
#define DSA_PORTAL_IMS              0x2

/* BAR0 registers */
#define DSA_REG_VERSION             0x00
#define DSA_REG_GENCAP              0x10
#define DSA_REG_WQCAP               0x20
#define DSA_REG_GRPCAP              0x30
#define DSA_REG_ENGCAP              0x38
#define DSA_REG_OPCAP               0x40    /* 4 x 64 bits */
#define DSA_REG_OFFSETS             0x60    /* 2 x 64 bits */
#define DSA_REG_GENCFG              0x80
#define DSA_REG_GENCTRL             0x88
#define DSA_REG_GENSTS              0x90
#define DSA_REG_INTCAUSE            0x98
#define DSA_REG_CMD                 0xa0
#define DSA_REG_CMDSTS              0xa8
#define DSA_REG_CMDCAP              0xb0
#define DSA_REG_SWERR               0xc0    /* 4 x 64 bits */

/* Tables inside the register window (offset fields count 0x100 units) */
#define DSA_TABLE_MULT              0x100
#define DSA_MSIX_PERM_OFFSET        0x300
#define DSA_MSIX_PERM_STRIDE        8
#define DSA_GRPCFG_OFFSET           0x400
#define DSA_GRPCFG_SIZE             64
#define DSA_WQCFG_OFFSET            0x800
#define DSA_WQCFG_SIZE              32      /* WQCAP.wqcfg_size = 0 */
#define DSA_WQCFG_DWORDS            (DSA_WQCFG_SIZE / 4)

#define DSA_VERSION_1_0             0x100

/* GENCAP */
#define DSA_GENCAP_OVERLAP_COPY     (1ULL << 1)
#define DSA_GENCAP_CACHE_CTRL_MEM   (1ULL << 2)
#define DSA_GENCAP_CACHE_CTRL_CACHE (1ULL << 3)
#define DSA_GENCAP_CMD_CAP          (1ULL << 4)
#define DSA_GENCAP_MAX_XFER_SHIFT   16
#define DSA_GENCAP_MAX_BATCH_SHIFT  21
#define DSA_GENCAP_IMS_MULT_SHIFT   25
#define DSA_GENCAP_CONFIG_EN        (1ULL << 31)

/* WQCAP */
#define DSA_WQCAP_NUM_WQS_SHIFT     16
#define DSA_WQCAP_SHARED            (1ULL << 48)
#define DSA_WQCAP_DEDICATED         (1ULL << 49)
#define DSA_WQCAP_PRIORITY          (1ULL << 51)
#define DSA_WQCAP_OCCUPANCY         (1ULL << 52)

/* GRPCAP */
#define DSA_GRPCAP_RDBUFS_SHIFT     8
#define DSA_GRPCAP_RDBUF_CTRL       (1ULL << 16)
#define DSA_GRPCAP_RDBUF_LIMIT      (1ULL << 17)

/* GENCFG / GENCTRL / GENSTS / INTCAUSE */
#define DSA_GENCFG_RDBUF_LIMIT_MASK 0xffu
#define DSA_GENCFG_USER_INT_EN      (1u << 12)
#define DSA_GENCFG_WRITABLE         (DSA_GENCFG_RDBUF_LIMIT_MASK | \
                                     DSA_GENCFG_USER_INT_EN)
#define DSA_GENCTRL_SOFTERR_INT_EN  (1u << 0)
#define DSA_GENCTRL_HALT_INT_EN     (1u << 1)
#define DSA_GENCTRL_WRITABLE        (DSA_GENCTRL_SOFTERR_INT_EN | \
                                     DSA_GENCTRL_HALT_INT_EN)
#define DSA_GENSTS_DISABLED         0
#define DSA_GENSTS_ENABLED          1
#define DSA_GENSTS_DRAIN            2
#define DSA_GENSTS_HALT             3
#define DSA_GENSTS_RESET_SHIFT      2
#define DSA_INTC_ERR                (1u << 0)
#define DSA_INTC_CMD                (1u << 1)
#define DSA_INTC_OCCUPY             (1u << 2)
#define DSA_INTC_HALT               (1u << 4)

/* CMD / CMDSTS */
#define DSA_CMD_OPERAND_MASK        0xfffffu
#define DSA_CMD_CODE_SHIFT          20
#define DSA_CMD_CODE_MASK           0x1fu
#define DSA_CMD_INT_REQ             (1u << 31)
#define DSA_CMD_INT_HANDLE_IMS      (1u << 16)
#define DSA_CMDSTS_ACTIVE           (1u << 31)
#define DSA_CMDSTS_RESULT_SHIFT     8

enum dsa_cmd {
    DSA_CMD_ENABLE_DEVICE = 1,
    DSA_CMD_DISABLE_DEVICE,
    DSA_CMD_DRAIN_ALL,
    DSA_CMD_ABORT_ALL,
    DSA_CMD_RESET_DEVICE,
    DSA_CMD_ENABLE_WQ,
    DSA_CMD_DISABLE_WQ,
    DSA_CMD_DRAIN_WQ,
    DSA_CMD_ABORT_WQ,
    DSA_CMD_RESET_WQ,
    DSA_CMD_DRAIN_PASID,
    DSA_CMD_ABORT_PASID,
    DSA_CMD_REQUEST_INT_HANDLE,
    DSA_CMD_RELEASE_INT_HANDLE,
    DSA_CMD_MAX = DSA_CMD_RELEASE_INT_HANDLE,
};

enum dsa_cmdsts_err {
    DSA_CMDSTS_SUCCESS = 0,
    DSA_CMDSTS_INVAL_CMD = 0x01,
    DSA_CMDSTS_INVAL_WQIDX = 0x02,
    DSA_CMDSTS_HW_ERR = 0x03,
    DSA_CMDSTS_ERR_DEV_ENABLED = 0x10,
    DSA_CMDSTS_ERR_CONFIG = 0x11,
    DSA_CMDSTS_ERR_BUSMASTER_EN = 0x12,
    DSA_CMDSTS_ERR_PASID_INVAL = 0x13,
    DSA_CMDSTS_ERR_WQ_SIZE_ERANGE = 0x14,
    DSA_CMDSTS_ERR_GRP_CONFIG = 0x15,
    DSA_CMDSTS_ERR_GRP_CONFIG2 = 0x16,
    DSA_CMDSTS_ERR_GRP_CONFIG3 = 0x17,
    DSA_CMDSTS_ERR_GRP_CONFIG4 = 0x18,
    DSA_CMDSTS_ERR_DEV_NOTEN = 0x20,
    DSA_CMDSTS_ERR_WQ_ENABLED = 0x21,
    DSA_CMDSTS_ERR_WQ_SIZE = 0x22,
    DSA_CMDSTS_ERR_WQ_PRIOR = 0x23,
    DSA_CMDSTS_ERR_WQ_MODE = 0x24,
    DSA_CMDSTS_ERR_BOF_EN = 0x25,
    DSA_CMDSTS_ERR_PASID_EN = 0x26,
    DSA_CMDSTS_ERR_MAX_BATCH_SIZE = 0x27,
    DSA_CMDSTS_ERR_MAX_XFER_SIZE = 0x28,
    DSA_CMDSTS_ERR_DIS_DEV_EN = 0x31,
    DSA_CMDSTS_ERR_DEV_NOT_EN = 0x32,
    DSA_CMDSTS_ERR_INVAL_INT_IDX = 0x41,
    DSA_CMDSTS_ERR_NO_HANDLE = 0x42,
};

/* SWERR word 0 */
#define DSA_SWERR_VALID             (1ULL << 0)
#define DSA_SWERR_OVERFLOW          (1ULL << 1)
#define DSA_SWERR_DESC_VALID        (1ULL << 2)
#define DSA_SWERR_WQ_IDX_VALID      (1ULL << 3)
#define DSA_SWERR_BATCH             (1ULL << 4)
#define DSA_SWERR_FAULT_RW          (1ULL << 5)
#define DSA_SWERR_PRIV              (1ULL << 6)
#define DSA_SWERR_ERROR_SHIFT       8
#define DSA_SWERR_WQ_IDX_SHIFT      16
#define DSA_SWERR_OP_SHIFT          32
#define DSA_SWERR_PASID_SHIFT       40

/* SWERR error codes that have no completion-record equivalent */
#define DSA_SWERR_PORTAL_WRITE      0x30    /* MOVDIR64B to a shared WQ */
#define DSA_SWERR_WQ_NOT_ENABLED    0x31    /* descriptor to a disabled WQ */
#define DSA_SWERR_WQ_FULL           0x32    /* dedicated WQ overflow */

/* MSI-X permission entry */
#define DSA_MSIX_PERM_IGNORE        (1u << 2)
#define DSA_MSIX_PERM_PASID_EN      (1u << 3)
#define DSA_MSIX_PERM_PASID_SHIFT   12
#define DSA_MSIX_PERM_WRITABLE      0xfffff00cu

/* IMS entry control word (dword 3) */
#define DSA_IMS_CTRL_MASK           (1u << 0)
/* reads 1 while a masked entry holds an interrupt; writing 1 drops it */
#define DSA_IMS_CTRL_PENDING        (1u << 1)
#define DSA_IMS_CTRL_PASID_EN       (1u << 3)
#define DSA_IMS_CTRL_PASID_SHIFT    12
#define DSA_IMS_CTRL_WRITABLE       0xfffff009u

/* GRPCFG: qwords 0-3 WQ bitmap, 4 engine bitmap, 5 flags */
#define DSA_GRPCFG_ENGINES_QW       4
#define DSA_GRPCFG_FLAGS_QW         5
#define DSA_GRPFLG_RDBUFS_RES_SHIFT 8
#define DSA_GRPFLG_RDBUFS_ALLOWED_SHIFT 20
#define DSA_GRPFLG_WRITABLE         0x0ff0ff3fULL

/* WQCFG dwords */
#define DSA_WQCFG_SIZE_DW           0       /* 15:0 wq_size */
#define DSA_WQCFG_THRESH_DW         1       /* 15:0 wq_thresh */
#define DSA_WQCFG_MODE_DW           2
#define DSA_WQCFG_MAXSZ_DW          3
#define DSA_WQCFG_OCCUP_DW          6
#define DSA_WQCFG_MODE_DEDICATED    (1u << 0)
#define DSA_WQCFG_BOF               (1u << 1)
#define DSA_WQCFG_PRIORITY_SHIFT    4
#define DSA_WQCFG_PRIORITY_MASK     0xfu
#define DSA_WQCFG_PASID_SHIFT       8
#define DSA_WQCFG_PASID_MASK        0xfffffu
#define DSA_WQCFG_PASID_EN          (1u << 28)
#define DSA_WQCFG_PRIV              (1u << 29)
#define DSA_WQCFG_MODE_WRITABLE     0x3ffffff3u
#define DSA_WQCFG_XFER_SHIFT_MASK   0x1fu
#define DSA_WQCFG_BATCH_SHIFT_SHIFT 5
#define DSA_WQCFG_BATCH_SHIFT_MASK  0xfu
#define DSA_WQCFG_MAXSZ_WRITABLE    0x1ffu
#define DSA_WQCFG_MODE_SUPPORT      (1u << 29)
#define DSA_WQCFG_STATE_SHIFT       30
#define DSA_WQ_STATE_ENABLED        1

/* Descriptor */
#define DSA_DESC_PASID_MASK         0xfffffu
#define DSA_DESC_PRIV               (1u << 31)
#define DSA_DESC_FLAGS_MASK         0xffffffu

enum dsa_opcode {
    DSA_OP_NOOP = 0x00,
    DSA_OP_BATCH = 0x01,
    DSA_OP_DRAIN = 0x02,
    DSA_OP_MEMMOVE = 0x03,
    DSA_OP_MEMFILL = 0x04,
    DSA_OP_COMPARE = 0x05,
    DSA_OP_COMPVAL = 0x06,
    DSA_OP_DUALCAST = 0x09,
    DSA_OP_CRCGEN = 0x10,
    DSA_OP_COPY_CRC = 0x11,
    DSA_OP_CFLUSH = 0x20,
};

#define DSA_FLAG_FENCE              (1u << 0)
#define DSA_FLAG_BOF                (1u << 1)
#define DSA_FLAG_CRAV               (1u << 2)
#define DSA_FLAG_RCR                (1u << 3)
#define DSA_FLAG_RCI                (1u << 4)
#define DSA_FLAG_CRSTS              (1u << 5)
#define DSA_FLAG_CR                 (1u << 7)
#define DSA_FLAG_CC                 (1u << 8)
#define DSA_FLAG_TCS_MASK           (0xfu << 9)
#define DSA_FLAG_STORD              (1u << 13)
#define DSA_FLAG_DRDBK              (1u << 14)
#define DSA_FLAG_DSTS               (1u << 15)
#define DSA_FLAG_CRC_BYPASS_INV     (1u << 16)   /* CRC ops only */
/* flags every operation may carry */
#define DSA_FLAGS_COMMON            (DSA_FLAG_FENCE | DSA_FLAG_CRAV | \
                                     DSA_FLAG_RCR | DSA_FLAG_RCI | \
                                     DSA_FLAG_CC | DSA_FLAG_TCS_MASK | \
                                     DSA_FLAG_STORD)

enum dsa_comp_status {
    DSA_COMP_NONE = 0x00,
    DSA_COMP_SUCCESS = 0x01,
    DSA_COMP_PAGE_FAULT_NOBOF = 0x03,
    DSA_COMP_BATCH_FAIL = 0x05,
    DSA_COMP_BATCH_PAGE_FAULT = 0x06,
    DSA_COMP_BAD_OPCODE = 0x10,
    DSA_COMP_INVALID_FLAGS = 0x11,
    DSA_COMP_NOZERO_RESERVE = 0x12,
    DSA_COMP_XFER_ERANGE = 0x13,
    DSA_COMP_DESC_CNT_ERANGE = 0x14,
    DSA_COMP_OVERLAP_BUFFERS = 0x16,
    DSA_COMP_DCAST_ERR = 0x17,
    DSA_COMP_DESCLIST_ALIGN = 0x18,
    DSA_COMP_INT_HANDLE_INVAL = 0x19,
    DSA_COMP_CRA_XLAT = 0x1a,
    DSA_COMP_CRA_ALIGN = 0x1b,
    DSA_COMP_ADDR_ALIGN = 0x1c,
    DSA_COMP_PRIV_BAD = 0x1d,
};

/* Completion record fault_info */
#define DSA_CR_FAULT_WRITE          (1u << 0)

#endif
