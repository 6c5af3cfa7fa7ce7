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
 * Return: 0; -EOPNOTSUPP if CMDCAP lacks @cmd; -ETIMEDOUT; -EIO if the
 * device reported an error.
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
 * afterwards, since the reset clears GENCTRL.
 *
 * Return: 0 or the error of siov_idxd_cmd().
 */
int siov_idxd_reset(struct siov_idxd *idxd)
{
	int rc;

	rc = siov_idxd_cmd(idxd, IDXD_CMD_RESET_DEVICE, 0, NULL);
	if (rc)
		return rc;
	iowrite32(IDXD_GENCTRL_SOFTERR_INT_EN | IDXD_GENCTRL_HALT_INT_EN,
		  idxd->regs + IDXD_GENCTRL_OFFSET);
	return 0;
}
