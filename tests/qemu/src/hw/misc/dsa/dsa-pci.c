/*
 * Intel DSA device model: the PCI function.
 *
 * A root-complex integrated endpoint 8086:0b25 with BAR0 (registers,
 * MSI-X table and PBA, IMS table) and BAR2 (WQ portals), and the PCIe,
 * MSI-X and PASID capabilities the Linux idxd driver expects.
 *
 *   -device idxd-dsa[,num-wqs=8][,num-groups=4][,num-engines=4]
 *                   [,total-wq-size=128][,ims-mult=1]
 *
 * Test hooks (QOM properties, not guest visible):
 *   x-engines-paused  queue descriptors without running them
 *   x-halt            write true to halt the device (software error)
 *   x-hang-cmd        a command code: the next such command stays active
 *                     (CMDSTS.active) until a function reset; then 0 again
 *   x-fail-cmd        a command code: the next such command fails with
 *                     status 0x03 (hardware error) and does nothing
 *   cmds-while-active commands written while one was active (each halts)
 *   descs-completed   number of descriptors completed (read-only)
 *   enqcmd-retries    number of ENQCMD submissions answered "retry"
 *
 * Copyright (c) 2026 idxd-siov developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qemu/bitmap.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "dsa.h"
#include "trace.h"


#define DSA_PASID_WIDTH             20

static void dsa_write_config(PCIDevice *pdev, uint32_t addr, uint32_t val,
                             int len)
{
    pci_default_write_config(pdev, addr, val, len);
    pcie_cap_flr_write_config(pdev, addr, val, len);
}

static void dsa_init_pasid_cap(PCIDevice *pdev)
{
    uint8_t *cap = pdev->config + DSA_PASID_CAP_OFFSET;
    uint8_t *wmask = pdev->wmask + DSA_PASID_CAP_OFFSET;

    pcie_add_capability(pdev, PCI_EXT_CAP_ID_PASID, 1, DSA_PASID_CAP_OFFSET,
                        PCI_EXT_CAP_PASID_SIZEOF);
    pci_set_word(cap + PCI_PASID_CAP,
                 PCI_PASID_CAP_PRIV | (DSA_PASID_WIDTH << 8));
    pci_set_word(wmask + PCI_PASID_CTRL,
                 PCI_PASID_CTRL_ENABLE | PCI_PASID_CTRL_PRIV);
}

static void dsa_realize(PCIDevice *pdev, Error **errp)
{
    DSAState *s = IDXD_DSA(pdev);
    uint32_t nvec, nims;
    int pos, i;

    if (s->num_wqs < 1 || s->num_wqs > DSA_MAX_WQS) {
        error_setg(errp, "num-wqs must be 1..%d", DSA_MAX_WQS);
        return;
    }
    if (s->num_groups < 1 || s->num_groups > DSA_MAX_GROUPS) {
        error_setg(errp, "num-groups must be 1..%d", DSA_MAX_GROUPS);
        return;
    }
    if (s->num_engines < 1 || s->num_engines > DSA_MAX_ENGINES) {
        error_setg(errp, "num-engines must be 1..%d", DSA_MAX_ENGINES);
        return;
    }
    if (s->ims_mult < 1 || dsa_num_ims(s) > DSA_MAX_IMS) {
        error_setg(errp, "ims-mult must be 1..%d", DSA_MAX_IMS / 256);
        return;
    }
    if (s->total_wq_size < s->num_wqs) {
        error_setg(errp, "total-wq-size must be at least num-wqs");
        return;
    }
    nvec = dsa_num_msix(s);
    nims = dsa_num_ims(s);

    pci_config_set_vendor_id(pdev->config, DSA_PCI_VENDOR_ID);
    pci_config_set_device_id(pdev->config, DSA_PCI_DEVICE_ID);
    pci_config_set_revision(pdev->config, DSA_PCI_REVISION);
    pci_config_set_class(pdev->config, PCI_CLASS_SYSTEM_OTHER);
    pci_set_word(pdev->config + PCI_SUBSYSTEM_VENDOR_ID, DSA_PCI_VENDOR_ID);
    pci_set_word(pdev->config + PCI_SUBSYSTEM_ID, DSA_PCI_DEVICE_ID);

    memory_region_init(&s->bar0, OBJECT(s), "idxd-dsa-bar0", DSA_BAR0_SIZE);
    memory_region_init_io(&s->regs, OBJECT(s), &dsa_regs_ops, s,
                          "idxd-dsa-regs", DSA_REGS_SIZE);
    memory_region_add_subregion(&s->bar0, 0, &s->regs);
    memory_region_init_io(&s->ims_mr, OBJECT(s), &dsa_ims_ops, s,
                          "idxd-dsa-ims", nims * DSA_IMS_ENTRY_SIZE);
    memory_region_add_subregion(&s->bar0, DSA_IMS_OFFSET, &s->ims_mr);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar0);

    memory_region_init_io(&s->portals, OBJECT(s), &dsa_portal_ops, s,
                          "idxd-dsa-portals",
                          pow2ceil(s->num_wqs * DSA_PORTALS_PER_WQ *
                                   DSA_PORTAL_PAGE));
    pci_register_bar(pdev, 2, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->portals);

    pos = pcie_endpoint_cap_init(pdev, 0);
    if (pos < 0) {
        error_setg(errp, "failed to add the PCIe capability");
        return;
    }
    /* Linux enables PASID only behind end-to-end TLP prefix support */
    pci_long_test_and_set_mask(pdev->config + pos + PCI_EXP_DEVCAP2,
                               PCI_EXP_DEVCAP2_EE_PREFIX);
    pcie_cap_flr_init(pdev);
    dsa_init_pasid_cap(pdev);

    if (msix_init(pdev, nvec, &s->bar0, 0, DSA_MSIX_TABLE_OFFSET,
                  &s->bar0, 0, DSA_MSIX_PBA_OFFSET, 0, errp)) {
        return;
    }
    for (i = 0; i < nvec; i++) {
        msix_vector_use(pdev, i);
    }

    s->msix_perm = g_new0(uint32_t, nvec);
    s->ims = g_new0(typeof(*s->ims), nims);
    s->ims_pending = g_new0(bool, nims);
    s->msix_handles = bitmap_new(nvec);
    s->ims_handles = bitmap_new(nims);
    for (i = 0; i < s->num_wqs; i++) {
        QSIMPLEQ_INIT(&s->wq[i].queue);
    }
    s->engine_bh = qemu_bh_new_guarded(dsa_engine_run, s,
                                       &DEVICE(s)->mem_reentrancy_guard);
    dsa_reset_registers(s);
}

static void dsa_exit(PCIDevice *pdev)
{
    DSAState *s = IDXD_DSA(pdev);
    int i;

    for (i = 0; i < s->num_wqs; i++) {
        dsa_wq_flush(s, i, false);
    }
    qemu_bh_delete(s->engine_bh);
    msix_uninit(pdev, &s->bar0, &s->bar0);
    g_free(s->msix_perm);
    g_free(s->ims);
    g_free(s->ims_pending);
    g_free(s->msix_handles);
    g_free(s->ims_handles);
}

/* Function-level and bus reset: the device comes back disabled. */
static void dsa_reset(DeviceState *dev)
{
    DSAState *s = IDXD_DSA(dev);
    PCIDevice *pdev = PCI_DEVICE(dev);
    int i;

    dsa_reset_registers(s);
    msix_reset(pdev);
    msix_unuse_all_vectors(pdev);
    for (i = 0; i < dsa_num_msix(s); i++) {
        msix_vector_use(pdev, i);
    }
}

static bool dsa_get_paused(Object *obj, Error **errp)
{
    return IDXD_DSA(obj)->engines_paused;
}

static void dsa_set_paused(Object *obj, bool value, Error **errp)
{
    DSAState *s = IDXD_DSA(obj);

    s->engines_paused = value;
    if (!value && s->engine_bh) {
        qemu_bh_schedule(s->engine_bh);
    }
}

static bool dsa_get_halted(Object *obj, Error **errp)
{
    return (IDXD_DSA(obj)->gensts & 3) == DSA_GENSTS_HALT;
}

static void dsa_set_halted(Object *obj, bool value, Error **errp)
{
    if (!value) {
        error_setg(errp, "x-halt: only a device reset leaves the halt state");
        return;
    }
    dsa_halt(IDXD_DSA(obj));
}

static void dsa_instance_init(Object *obj)
{
    DSAState *s = IDXD_DSA(obj);

    object_property_add_bool(obj, "x-engines-paused", dsa_get_paused,
                             dsa_set_paused);
    object_property_add_bool(obj, "x-halt", dsa_get_halted, dsa_set_halted);
    object_property_add_uint8_ptr(obj, "x-hang-cmd", &s->hang_cmd,
                                  OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint8_ptr(obj, "x-fail-cmd", &s->fail_cmd,
                                  OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint64_ptr(obj, "cmds-while-active",
                                   &s->cmds_while_active, OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "descs-completed",
                                   &s->descs_completed, OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "enqcmd-retries",
                                   &s->enqcmd_retries, OBJ_PROP_FLAG_READ);
}

static Property dsa_properties[] = {
    DEFINE_PROP_UINT8("num-wqs", DSAState, num_wqs, 8),
    DEFINE_PROP_UINT8("num-groups", DSAState, num_groups, 4),
    DEFINE_PROP_UINT8("num-engines", DSAState, num_engines, 4),
    DEFINE_PROP_UINT16("total-wq-size", DSAState, total_wq_size, 128),
    DEFINE_PROP_UINT8("ims-mult", DSAState, ims_mult, 1),
    DEFINE_PROP_END_OF_LIST(),
};

/*
 * Queued descriptors and half-written portal slots are not part of any
 * migration format; the model is a test bench, so it refuses migration.
 */
static const VMStateDescription dsa_vmstate = {
    .name = "idxd-dsa",
    .unmigratable = 1,
};

static void dsa_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = dsa_realize;
    k->exit = dsa_exit;
    k->config_write = dsa_write_config;
    k->vendor_id = DSA_PCI_VENDOR_ID;
    k->device_id = DSA_PCI_DEVICE_ID;
    k->revision = DSA_PCI_REVISION;
    k->class_id = PCI_CLASS_SYSTEM_OTHER;
    dc->desc = "Intel Data Streaming Accelerator (model)";
    dc->reset = dsa_reset;
    dc->vmsd = &dsa_vmstate;
    device_class_set_props(dc, dsa_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo dsa_info = {
    .name = TYPE_IDXD_DSA,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(DSAState),
    .instance_init = dsa_instance_init,
    .class_init = dsa_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void dsa_register_types(void)
{
    type_register_static(&dsa_info);
}

type_init(dsa_register_types)
