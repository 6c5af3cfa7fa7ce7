// SPDX-License-Identifier: GPL-2.0
/*
 * The command interface: one command at a time is written to CMD with the
 * interrupt-request bit; the device signals completion through the
 * command cause of the misc (MSI-X 0) interrupt, and CMDSTS then holds the
 * status.
 */
#include <linux/bitfield.h>
#include <linux/io.h>
#include <linux/jiffies.h>

#include "device.h"

static const char * const siov_cmd_names[] = {
	[IDXD_CMD_ENABLE_DEVICE] = "enable device",
	[IDXD_CMD_DISABLE_DEVICE] = "disable device",
	[IDXD_CMD_DRAIN_ALL] = "drain all",
	[IDXD_CMD_ABORT_ALL] = "abort all",
	[IDXD_CMD_RESET_DEVICE] = "reset device",
	[IDXD_CMD_ENABLE_WQ] = "enable wq",
	[IDXD_CMD_DISABLE_WQ] = "disable wq",
	[IDXD_CMD_DRAIN_WQ] = "drain wq",
	[IDXD_CMD_ABORT_WQ] = "abort wq",
	[IDXD_CMD_RESET_WQ] = "reset wq",
	[IDXD_CMD_DRAIN_PASID] = "drain pasid",
	[IDXD_CMD_ABORT_PASID] = "abort pasid",
	[IDXD_CMD_REQUEST_INT_HANDLE] = "request int handle",
	[IDXD_CMD_RELEASE_INT_HANDLE] = "release int handle",
};

static const char *siov_cmd_status_str(u32 err)
{
	switch (err) {
	case IDXD_CMDSTS_INVAL_CMD:
		return "invalid command";
	case IDXD_CMDSTS_INVAL_WQIDX:
		return "invalid WQ index";
	case IDXD_CMDSTS_HW_ERR:
		return "device halted or hardware error";
	case IDXD_CMDSTS_ERR_DEV_ENABLED:
		return "device already enabled";
	case IDXD_CMDSTS_ERR_CONFIG:
		return "invalid configuration";
	case IDXD_CMDSTS_ERR_BUSMASTER_EN:
		return "bus master disabled";
	case IDXD_CMDSTS_ERR_PASID_INVAL:
		return "invalid PASID";
	case IDXD_CMDSTS_ERR_WQ_SIZE_ERANGE:
		return "WQ sizes exceed the total";
	case IDXD_CMDSTS_ERR_GRP_CONFIG:
	case IDXD_CMDSTS_ERR_GRP_CONFIG2:
	case IDXD_CMDSTS_ERR_GRP_CONFIG3:
	case IDXD_CMDSTS_ERR_GRP_CONFIG4:
		return "invalid group configuration";
	case IDXD_CMDSTS_ERR_DEV_NOTEN:
	case IDXD_CMDSTS_ERR_DEV_NOT_EN:
		return "device not enabled";
	case IDXD_CMDSTS_ERR_WQ_ENABLED:
		return "WQ already enabled";
	case IDXD_CMDSTS_ERR_WQ_SIZE:
		return "invalid WQ size or threshold";
	case IDXD_CMDSTS_ERR_WQ_PRIOR:
		return "invalid WQ priority";
	case IDXD_CMDSTS_ERR_WQ_MODE:
		return "invalid WQ mode";
	case IDXD_CMDSTS_ERR_BOF_EN:
		return "block on fault not supported";
	case IDXD_CMDSTS_ERR_PASID_EN:
		return "PASID required but not enabled";
	case IDXD_CMDSTS_ERR_MAX_BATCH_SIZE:
		return "WQ max batch size over the device limit";
	case IDXD_CMDSTS_ERR_MAX_XFER_SIZE:
		return "WQ max transfer size over the device limit";
	case IDXD_CMDSTS_ERR_DIS_DEV_EN:
		return "device not enabled";
	case IDXD_CMDSTS_ERR_INVAL_INT_IDX:
		return "invalid interrupt index";
	case IDXD_CMDSTS_ERR_NO_HANDLE:
		return "no interrupt handle available";
	default:
		return "unknown status";
	}
}

/* Commands after whose success the device runs none of the work named. */
static bool siov_cmd_stops_work(enum idxd_cmd cmd)
{
	switch (cmd) {
	case IDXD_CMD_DISABLE_DEVICE:
	case IDXD_CMD_DRAIN_ALL:
	case IDXD_CMD_ABORT_ALL:
	case IDXD_CMD_RESET_DEVICE:
	case IDXD_CMD_DISABLE_WQ:
	case IDXD_CMD_DRAIN_WQ:
	case IDXD_CMD_ABORT_WQ:
	case IDXD_CMD_RESET_WQ:
	case IDXD_CMD_DRAIN_PASID:
	case IDXD_CMD_ABORT_PASID:
		return true;
	default:
		return false;
	}
}

static bool siov_cmd_supported(struct siov_idxd *idxd, enum idxd_cmd cmd)
{
	/* Without CMDCAP every command of the first specification exists. */
	if (!(idxd->caps.gencap & IDXD_GENCAP_CMD_CAP))
		return cmd <= IDXD_CMD_ABORT_PASID;
	return idxd->caps.cmdcap & BIT(cmd);
}

/**
 * siov_idxd_cmd() - run one device command and wait for it
 * @idxd: the device
 * @cmd: the command
 * @operand: its operand (WQ mask, PASID, interrupt index...)
 * @result: where to store CMDSTS.result, or NULL
 *
 * Sleeps until the command completes or SIOV_CMD_TIMEOUT_MS pass. A
 * failure is logged with the command, the operand and the device's status
 * code, and the status is kept for the cmd_status attribute.
 *
 * A command is never written while the previous one is still active (the
 * specification forbids it, and its outcome would be lost). A timeout, a
 * command that cannot be issued for that reason, and a failed command that
 * stops work leave the device's state unknown: siov_idxd_escalate()
 * quarantines what is freed until a reset confirms that nothing runs.
 *
 * Return: 0; -EOPNOTSUPP if CMDCAP lacks @cmd; -EBUSY if the previous
 * command is still active; -ETIMEDOUT; -EIO if the device reported an
 * error.
 */
int siov_idxd_cmd(struct siov_idxd *idxd, enum idxd_cmd cmd, u32 operand,
		  u32 *result)
{
	const char *name = siov_cmd_names[cmd];
	u32 sts, err;

	if (!siov_cmd_supported(idxd, cmd)) {
		dev_err(idxd_dev(idxd), "command %s not in CMDCAP %#x\n",
			name, idxd->caps.cmdcap);
		return -EOPNOTSUPP;
	}

	guard(mutex)(&idxd->cmd_lock);

	if (ioread32(idxd->regs + IDXD_CMDSTS_OFFSET) & IDXD_CMDSTS_ACTIVE) {
		dev_err(idxd_dev(idxd),
			"command %s (operand %#x) not issued: the previous command is still active\n",
			name, operand);
		siov_idxd_escalate(idxd, name, "could not be issued");
		return -EBUSY;
	}

	reinit_completion(&idxd->cmd_done);
	iowrite32(FIELD_PREP(IDXD_CMD_CODE, cmd) |
		  FIELD_PREP(IDXD_CMD_OPERAND, operand) | IDXD_CMD_INT_REQ,
		  idxd->regs + IDXD_CMD_OFFSET);

	/*
	 * The interrupt may be lost if the device is in a bad state; CMDSTS
	 * is authoritative, so look at it once more before giving up.
	 */
	if (!wait_for_completion_timeout(&idxd->cmd_done,
					 msecs_to_jiffies(SIOV_CMD_TIMEOUT_MS))) {
		sts = ioread32(idxd->regs + IDXD_CMDSTS_OFFSET);
		if (sts & IDXD_CMDSTS_ACTIVE) {
			dev_err(idxd_dev(idxd),
				"command %s (operand %#x) timed out after %d ms\n",
				name, operand, SIOV_CMD_TIMEOUT_MS);
			siov_idxd_escalate(idxd, name, "timed out");
			return -ETIMEDOUT;
		}
		dev_warn(idxd_dev(idxd),
			 "command %s completed without an interrupt\n", name);
	}

	sts = ioread32(idxd->regs + IDXD_CMDSTS_OFFSET);
	if (result)
		*result = FIELD_GET(IDXD_CMDSTS_RESULT, sts);
	err = FIELD_GET(IDXD_CMDSTS_ERR, sts);
	if (err) {
		siov_idxd_set_cmd_status(idxd, err);
		dev_err(idxd_dev(idxd),
			"command %s (operand %#x) failed: status %#x (%s)\n",
			name, operand, err, siov_cmd_status_str(err));
		/* a halted device runs nothing: its recovery resets it */
		if (siov_cmd_stops_work(cmd) &&
		    READ_ONCE(idxd->state) != SIOV_IDXD_HALTED)
			siov_idxd_escalate(idxd, name, "failed");
		return -EIO;
	}
	return 0;
}

/**
 * siov_idxd_reset() - reset the whole device
 * @idxd: the device
 *
 * Returns every WQ, group and register to its reset value, disables the
 * device and clears a halt. The error interrupts are enabled again
 * afterwards, since the reset clears GENCTRL. A successful reset confirms
 * that nothing runs any more, which releases the quarantine
 * (quarantine.c). Callers whose WQ objects exist use
 * siov_idxd_reset_live() instead.
 *
 * Return: 0 or the error of siov_idxd_cmd().
 */
int siov_idxd_reset(struct siov_idxd *idxd)
{
	int rc;

	lockdep_assert_held(&idxd->lock);
	rc = siov_idxd_cmd(idxd, IDXD_CMD_RESET_DEVICE, 0, NULL);
	if (rc)
		return rc;
	iowrite32(IDXD_GENCTRL_SOFTERR_INT_EN | IDXD_GENCTRL_HALT_INT_EN,
		  idxd->regs + IDXD_GENCTRL_OFFSET);
	siov_idxd_reset_confirmed(idxd);
	return 0;
}

/**
 * siov_idxd_reset_live() - reset a device whose WQ objects exist
 * @idxd: the device; caller holds idxd->lock, no WQ driver is bound
 *
 * As siov_idxd_reset(); on success every WQ is disabled in software too,
 * as the reset disabled it in hardware (a WQ whose disable failed was
 * left marked enabled until now).
 *
 * Return: 0 or the error of siov_idxd_cmd().
 */
int siov_idxd_reset_live(struct siov_idxd *idxd)
{
	unsigned int i;
	int rc;

	rc = siov_idxd_reset(idxd);
	if (rc)
		return rc;
	for (i = 0; i < idxd->max_wqs; i++) {
		idxd->wqs[i]->state = SIOV_WQ_DISABLED;
		idxd->wqs[i]->pasid = IOMMU_NO_PASID;
	}
	return 0;
}
