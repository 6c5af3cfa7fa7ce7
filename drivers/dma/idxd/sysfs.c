// SPDX-License-Identifier: GPL-2.0
/*
 * The sysfs ABI of dsaN, groupN.M, engineN.M and wqN.M, as documented in
 * Documentation/ABI/stable/sysfs-driver-dma-idxd and read by accel-config.
 *
 * Every store takes idxd->lock, checks the object's state and the value,
 * and either applies the whole change or none of it. A WQ's stores also
 * take its device lock first: a WQ bound to a driver is read-only
 * (siov_check_wq_unowned()). A rejected write returns -EINVAL (bad
 * value), -EBUSY (enabled device or WQ, bound WQ), -ENOSPC
 * (resources over-committed) or -EOPNOTSUPP (capability missing), and
 * logs why, since the errno alone rarely tells an administrator enough.
 */
#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/kstrtox.h>
#include <linux/log2.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "device.h"

/*
 * Log why a store is refused and evaluate to @err. Every store has a
 * struct device_attribute *attr in scope; its name starts the line, so
 * the log says which file was written.
 */
#define siov_reject(dev, err, fmt, ...)					\
({									\
	dev_warn(dev, "%s: " fmt "\n", attr->attr.name, ##__VA_ARGS__); \
	err;								\
})

static const char * const siov_wq_type_names[] = {
	[SIOV_WQT_NONE] = "none",
	[SIOV_WQT_KERNEL] = "kernel",
	[SIOV_WQT_USER] = "user",
};

/* Groups, engines and WQ sizes only change while the device is disabled. */
static int siov_check_dev_disabled(struct siov_idxd *idxd, struct device *dev,
				   struct device_attribute *attr)
{
	lockdep_assert_held(&idxd->lock);

	if (!idxd->configurable)
		return siov_reject(dev, -EPERM, "device configuration is read-only");
	if (idxd->state != SIOV_IDXD_DISABLED)
		return siov_reject(dev, -EBUSY, "%s is not disabled",
				   dev_name(&idxd->sdev.dev));
	return 0;
}

/*
 * A WQ bound to a driver is that driver's: its configuration is what the
 * driver checked at bind and relies on until unbind (a vdev hands the WQ
 * to a guest on the strength of its mode, type and PASID). So it only
 * changes while no driver is bound, which the device lock makes stable,
 * and while the WQ is disabled.
 */
static int siov_check_wq_unowned(struct siov_idxd_wq *wq, struct device *dev,
				 struct device_attribute *attr)
{
	device_lock_assert(dev);
	lockdep_assert_held(&wq->idxd->lock);

	if (!wq->idxd->configurable)
		return siov_reject(dev, -EPERM, "device configuration is read-only");
	if (dev->driver)
		return siov_reject(dev, -EBUSY, "%s is bound to driver %s",
				   dev_name(dev), dev->driver->name);
	if (wq->state != SIOV_WQ_DISABLED)
		return siov_reject(dev, -EBUSY, "%s is enabled",
				   dev_name(&wq->sdev.dev));
	return 0;
}

static int siov_parse_uint(struct device *dev, struct device_attribute *attr,
			   const char *buf, unsigned int *val)
{
	if (kstrtouint(buf, 0, val))
		return siov_reject(dev, -EINVAL, "not an unsigned number");
	return 0;
}

static int siov_parse_bool(struct device *dev, struct device_attribute *attr,
			   const char *buf, bool *val)
{
	if (kstrtobool(buf, val))
		return siov_reject(dev, -EINVAL, "not a boolean");
	return 0;
}

/* A group id: -1 for none, or an index below @max. */
static int siov_parse_group_id(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       unsigned int max, int *id)
{
	if (kstrtoint(buf, 0, id))
		return siov_reject(dev, -EINVAL, "not a number");
	if (*id < -1 || *id >= (int)max)
		return siov_reject(dev, -EINVAL, "group %d out of range -1..%u",
				   *id, max - 1);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* engineN.M */

static ssize_t engine_group_id_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct siov_idxd_engine *engine = dev_to_engine(dev);

	guard(mutex)(&engine->idxd->lock);
	return sysfs_emit(buf, "%d\n", engine->group ? engine->group->id : -1);
}

static ssize_t engine_group_id_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct siov_idxd_engine *engine = dev_to_engine(dev);
	struct siov_idxd *idxd = engine->idxd;
	int id, rc;

	rc = siov_parse_group_id(dev, attr, buf, idxd->max_groups, &id);
	if (rc)
		return rc;

	guard(mutex)(&idxd->lock);
	rc = siov_check_dev_disabled(idxd, dev, attr);
	if (rc)
		return rc;
	engine->group = id < 0 ? NULL : idxd->groups[id];
	return count;
}

static struct device_attribute dev_attr_engine_group_id =
	__ATTR(group_id, 0644, engine_group_id_show, engine_group_id_store);

static struct attribute *siov_engine_attrs[] = {
	&dev_attr_engine_group_id.attr,
	NULL
};
ATTRIBUTE_GROUPS(siov_engine);

const struct device_type siov_engine_device_type = {
	.name = "engine",
	.groups = siov_engine_groups,
};

/* ---------------------------------------------------------------------- */
/* groupN.M */

static ssize_t group_engines_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct siov_idxd_group *group = dev_to_group(dev);
	struct siov_idxd *idxd = group->idxd;
	unsigned int i;
	int pos = 0;

	guard(mutex)(&idxd->lock);
	for (i = 0; i < idxd->max_engines; i++)
		if (idxd->engines[i]->group == group)
			pos += sysfs_emit_at(buf, pos, "engine%d.%u ",
					     idxd->id, i);
	if (pos)
		pos--;		/* no trailing blank */
	pos += sysfs_emit_at(buf, pos, "\n");
	return pos;
}

static struct device_attribute dev_attr_group_engines =
	__ATTR(engines, 0444, group_engines_show, NULL);

static ssize_t group_work_queues_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct siov_idxd_group *group = dev_to_group(dev);
	struct siov_idxd *idxd = group->idxd;
	unsigned int i;
	int pos = 0;

	guard(mutex)(&idxd->lock);
	for (i = 0; i < idxd->max_wqs; i++)
		if (idxd->wqs[i]->group == group)
			pos += sysfs_emit_at(buf, pos, "wq%d.%u ", idxd->id, i);
	if (pos)
		pos--;
	pos += sysfs_emit_at(buf, pos, "\n");
	return pos;
}

static struct device_attribute dev_attr_group_work_queues =
	__ATTR(work_queues, 0444, group_work_queues_show, NULL);

static ssize_t group_rdbufs_reserved_show(struct device *dev,
					  struct device_attribute *attr,
					  char *buf)
{
	struct siov_idxd_group *group = dev_to_group(dev);

	guard(mutex)(&group->idxd->lock);
	return sysfs_emit(buf, "%u\n", group->rdbufs_reserved);
}

static ssize_t group_rdbufs_reserved_store(struct device *dev,
					   struct device_attribute *attr,
					   const char *buf, size_t count)
{
	struct siov_idxd_group *group = dev_to_group(dev);
	struct siov_idxd *idxd = group->idxd;
	unsigned int val, total = 0, i;
	int rc;

	rc = siov_parse_uint(dev, attr, buf, &val);
	if (rc)
		return rc;

	guard(mutex)(&idxd->lock);
	rc = siov_check_dev_disabled(idxd, dev, attr);
	if (rc)
		return rc;
	if (!(idxd->caps.grpcap & IDXD_GRPCAP_RDBUF_CTRL))
		return siov_reject(dev, -EOPNOTSUPP, "no read buffer control");
	for (i = 0; i < idxd->max_groups; i++)
		if (idxd->groups[i] != group)
			total += idxd->groups[i]->rdbufs_reserved;
	if (val > idxd->max_rdbufs || total + val > idxd->max_rdbufs)
		return siov_reject(dev, -ENOSPC,
				   "%u + %u reserved by other groups exceeds %u read buffers",
				   val, total, idxd->max_rdbufs);
	group->rdbufs_reserved = val;
	return count;
}

static struct device_attribute dev_attr_group_read_buffers_reserved =
	__ATTR(read_buffers_reserved, 0644, group_rdbufs_reserved_show,
	       group_rdbufs_reserved_store);
static struct device_attribute dev_attr_group_tokens_reserved =
	__ATTR(tokens_reserved, 0644, group_rdbufs_reserved_show,
	       group_rdbufs_reserved_store);

static ssize_t group_rdbufs_allowed_show(struct device *dev,
					 struct device_attribute *attr,
					 char *buf)
{
	struct siov_idxd_group *group = dev_to_group(dev);

	guard(mutex)(&group->idxd->lock);
	return sysfs_emit(buf, "%u\n", group->rdbufs_allowed);
}

static ssize_t group_rdbufs_allowed_store(struct device *dev,
					  struct device_attribute *attr,
					  const char *buf, size_t count)
{
	struct siov_idxd_group *group = dev_to_group(dev);
	struct siov_idxd *idxd = group->idxd;
	unsigned int val, reserved = 0, min, max, i;
	int rc;

	rc = siov_parse_uint(dev, attr, buf, &val);
	if (rc)
		return rc;

	guard(mutex)(&idxd->lock);
	rc = siov_check_dev_disabled(idxd, dev, attr);
	if (rc)
		return rc;
	if (!(idxd->caps.grpcap & IDXD_GRPCAP_RDBUF_CTRL))
		return siov_reject(dev, -EOPNOTSUPP, "no read buffer control");
	for (i = 0; i < idxd->max_groups; i++)
		reserved += idxd->groups[i]->rdbufs_reserved;
	/*
	 * The specification asks for at least four read buffers per engine;
	 * a group may use its own reservation plus the unreserved pool.
	 */
	min = 4 * idxd->max_engines;
	max = group->rdbufs_reserved + idxd->max_rdbufs - reserved;
	if (val < min || val > max)
		return siov_reject(dev, -EINVAL, "%u outside %u..%u", val, min,
				   max);
	group->rdbufs_allowed = val;
	return count;
}

static struct device_attribute dev_attr_group_read_buffers_allowed =
	__ATTR(read_buffers_allowed, 0644, group_rdbufs_allowed_show,
	       group_rdbufs_allowed_store);
static struct device_attribute dev_attr_group_tokens_allowed =
	__ATTR(tokens_allowed, 0644, group_rdbufs_allowed_show,
	       group_rdbufs_allowed_store);

static ssize_t group_use_rdbuf_limit_show(struct device *dev,
					  struct device_attribute *attr,
					  char *buf)
{
	struct siov_idxd_group *group = dev_to_group(dev);

	guard(mutex)(&group->idxd->lock);
	return sysfs_emit(buf, "%u\n", group->use_rdbuf_limit);
}

static ssize_t group_use_rdbuf_limit_store(struct device *dev,
					   struct device_attribute *attr,
					   const char *buf, size_t count)
{
	struct siov_idxd_group *group = dev_to_group(dev);
	struct siov_idxd *idxd = group->idxd;
	bool val;
	int rc;

	rc = siov_parse_bool(dev, attr, buf, &val);
	if (rc)
		return rc;

	guard(mutex)(&idxd->lock);
	rc = siov_check_dev_disabled(idxd, dev, attr);
	if (rc)
		return rc;
	if (val && !idxd->rdbuf_limit)
		return siov_reject(dev, -EINVAL,
				   "set the device's read_buffer_limit first");
	group->use_rdbuf_limit = val;
	return count;
}

static struct device_attribute dev_attr_group_use_read_buffer_limit =
	__ATTR(use_read_buffer_limit, 0644, group_use_rdbuf_limit_show,
	       group_use_rdbuf_limit_store);
static struct device_attribute dev_attr_group_use_token_limit =
	__ATTR(use_token_limit, 0644, group_use_rdbuf_limit_show,
	       group_use_rdbuf_limit_store);

/* Traffic classes and progress limits: small integers in the group. */
static int *siov_group_int(struct siov_idxd_group *group,
			   struct device_attribute *attr, int *max)
{
	const char *name = attr->attr.name;

	if (!strcmp(name, "traffic_class_a")) {
		*max = SIOV_MAX_TRAFFIC_CLASS;
		return &group->tc_a;
	}
	if (!strcmp(name, "traffic_class_b")) {
		*max = SIOV_MAX_TRAFFIC_CLASS;
		return &group->tc_b;
	}
	*max = 3;	/* progress limits are 2-bit fields */
	if (!strcmp(name, "desc_progress_limit"))
		return &group->desc_progress_limit;
	return &group->batch_progress_limit;
}

static ssize_t group_int_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct siov_idxd_group *group = dev_to_group(dev);
	int max;

	guard(mutex)(&group->idxd->lock);
	return sysfs_emit(buf, "%d\n", *siov_group_int(group, attr, &max));
}

static ssize_t group_int_store(struct device *dev,
			       struct device_attribute *attr,
			       const char *buf, size_t count)
{
	struct siov_idxd_group *group = dev_to_group(dev);
	struct siov_idxd *idxd = group->idxd;
	int val, max, rc, *field;

	if (kstrtoint(buf, 0, &val))
		return siov_reject(dev, -EINVAL, "not a number");

	guard(mutex)(&idxd->lock);
	rc = siov_check_dev_disabled(idxd, dev, attr);
	if (rc)
		return rc;
	field = siov_group_int(group, attr, &max);
	if (val < 0 || val > max)
		return siov_reject(dev, -EINVAL, "%d out of range 0..%d", val,
				   max);
	*field = val;
	return count;
}

static struct device_attribute dev_attr_group_traffic_class_a =
	__ATTR(traffic_class_a, 0644, group_int_show, group_int_store);
static struct device_attribute dev_attr_group_traffic_class_b =
	__ATTR(traffic_class_b, 0644, group_int_show, group_int_store);
static struct device_attribute dev_attr_group_desc_progress_limit =
	__ATTR(desc_progress_limit, 0644, group_int_show, group_int_store);
static struct device_attribute dev_attr_group_batch_progress_limit =
	__ATTR(batch_progress_limit, 0644, group_int_show, group_int_store);

static struct attribute *siov_group_attrs[] = {
	&dev_attr_group_work_queues.attr,
	&dev_attr_group_engines.attr,
	&dev_attr_group_use_token_limit.attr,
	&dev_attr_group_use_read_buffer_limit.attr,
	&dev_attr_group_tokens_allowed.attr,
	&dev_attr_group_read_buffers_allowed.attr,
	&dev_attr_group_tokens_reserved.attr,
	&dev_attr_group_read_buffers_reserved.attr,
	&dev_attr_group_traffic_class_a.attr,
	&dev_attr_group_traffic_class_b.attr,
	&dev_attr_group_desc_progress_limit.attr,
	&dev_attr_group_batch_progress_limit.attr,
	NULL
};

static umode_t siov_group_attr_visible(struct kobject *kobj,
				       struct attribute *a, int n)
{
	struct siov_idxd_group *group = dev_to_group(kobj_to_dev(kobj));

	if ((a == &dev_attr_group_desc_progress_limit.attr ||
	     a == &dev_attr_group_batch_progress_limit.attr) &&
	    !(group->idxd->caps.grpcap & IDXD_GRPCAP_PROGRESS_LIMIT))
		return 0;
	return a->mode;
}

static const struct attribute_group siov_group_attr_group = {
	.attrs = siov_group_attrs,
	.is_visible = siov_group_attr_visible,
};

static const struct attribute_group *siov_group_groups[] = {
	&siov_group_attr_group,
	NULL
};

const struct device_type siov_group_device_type = {
	.name = "group",
	.groups = siov_group_groups,
};

/* ---------------------------------------------------------------------- */
/* wqN.M */

static ssize_t wq_clients_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%d\n", wq->clients);
}

static struct device_attribute dev_attr_wq_clients =
	__ATTR(clients, 0444, wq_clients_show, NULL);

static ssize_t wq_state_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%s\n", wq->state == SIOV_WQ_ENABLED ?
			  "enabled" : "disabled");
}

static struct device_attribute dev_attr_wq_state =
	__ATTR(state, 0444, wq_state_show, NULL);

static ssize_t wq_group_id_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%d\n", wq->group ? wq->group->id : -1);
}

static ssize_t wq_group_id_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	struct siov_idxd *idxd = wq->idxd;
	int id, rc;

	rc = siov_parse_group_id(dev, attr, buf, idxd->max_groups, &id);
	if (rc)
		return rc;

	guard(device)(dev);
	guard(mutex)(&idxd->lock);
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	/* GRPCFG is read-only while the device is enabled. */
	rc = siov_check_dev_disabled(idxd, dev, attr);
	if (rc)
		return rc;
	wq->group = id < 0 ? NULL : idxd->groups[id];
	return count;
}

static struct device_attribute dev_attr_wq_group_id =
	__ATTR(group_id, 0644, wq_group_id_show, wq_group_id_store);

static ssize_t wq_mode_show(struct device *dev,
			    struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%s\n", wq->dedicated ? "dedicated" : "shared");
}

static ssize_t wq_mode_store(struct device *dev,
			     struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	struct siov_idxd *idxd = wq->idxd;
	bool dedicated;
	int rc;

	if (sysfs_streq(buf, "dedicated"))
		dedicated = true;
	else if (sysfs_streq(buf, "shared"))
		dedicated = false;
	else
		return siov_reject(dev, -EINVAL, "not dedicated or shared");

	guard(device)(dev);
	guard(mutex)(&idxd->lock);
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	if (!(idxd->caps.wqcap & (dedicated ? IDXD_WQCAP_DEDICATED :
					      IDXD_WQCAP_SHARED)))
		return siov_reject(dev, -EOPNOTSUPP, "no %s WQs on this device",
				   dedicated ? "dedicated" : "shared");
	wq->dedicated = dedicated;
	/* A dedicated WQ has no threshold; do not carry a stale one. */
	if (dedicated)
		wq->threshold = 0;
	return count;
}

static struct device_attribute dev_attr_wq_mode =
	__ATTR(mode, 0644, wq_mode_show, wq_mode_store);

static ssize_t wq_size_show(struct device *dev,
			    struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%u\n", wq->size);
}

static ssize_t wq_size_store(struct device *dev,
			     struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	struct siov_idxd *idxd = wq->idxd;
	unsigned int val, others = 0, i;
	int rc;

	rc = siov_parse_uint(dev, attr, buf, &val);
	if (rc)
		return rc;

	guard(device)(dev);
	guard(mutex)(&idxd->lock);
	/* WQ sizes partition the device's storage: only while disabled. */
	rc = siov_check_dev_disabled(idxd, dev, attr);
	if (rc)
		return rc;
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	for (i = 0; i < idxd->max_wqs; i++)
		if (idxd->wqs[i] != wq)
			others += idxd->wqs[i]->size;
	if (val > idxd->max_wq_size || others + val > idxd->max_wq_size)
		return siov_reject(dev, -ENOSPC,
				   "%u + %u used by other WQs exceeds the total %u",
				   val, others, idxd->max_wq_size);
	if (val < wq->threshold)
		return siov_reject(dev, -EINVAL, "%u below threshold %u", val,
				   wq->threshold);
	wq->size = val;
	return count;
}

static struct device_attribute dev_attr_wq_size =
	__ATTR(size, 0644, wq_size_show, wq_size_store);

static ssize_t wq_priority_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%u\n", wq->priority);
}

static ssize_t wq_priority_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	unsigned int val;
	int rc;

	rc = siov_parse_uint(dev, attr, buf, &val);
	if (rc)
		return rc;

	guard(device)(dev);
	guard(mutex)(&wq->idxd->lock);
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	if (val > SIOV_WQ_MAX_PRIORITY)
		return siov_reject(dev, -EINVAL, "%u over the maximum %u", val,
				   SIOV_WQ_MAX_PRIORITY);
	wq->priority = val;
	return count;
}

static struct device_attribute dev_attr_wq_priority =
	__ATTR(priority, 0644, wq_priority_show, wq_priority_store);

static ssize_t wq_block_on_fault_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%u\n", wq->block_on_fault);
}

static ssize_t wq_block_on_fault_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	bool val;
	int rc;

	rc = siov_parse_bool(dev, attr, buf, &val);
	if (rc)
		return rc;

	guard(device)(dev);
	guard(mutex)(&wq->idxd->lock);
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	if (val && !(wq->idxd->caps.gencap & IDXD_GENCAP_BOF))
		return siov_reject(dev, -EOPNOTSUPP,
				   "the device cannot block on fault");
	wq->block_on_fault = val;
	return count;
}

static struct device_attribute dev_attr_wq_block_on_fault =
	__ATTR(block_on_fault, 0644, wq_block_on_fault_show,
	       wq_block_on_fault_store);

static ssize_t wq_threshold_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%u\n", wq->threshold);
}

static ssize_t wq_threshold_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	unsigned int val;
	int rc;

	rc = siov_parse_uint(dev, attr, buf, &val);
	if (rc)
		return rc;

	guard(device)(dev);
	guard(mutex)(&wq->idxd->lock);
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	if (wq->dedicated)
		return siov_reject(dev, -EINVAL, "a dedicated WQ has no threshold");
	if (val > wq->size)
		return siov_reject(dev, -EINVAL, "%u over the WQ size %u", val,
				   wq->size);
	wq->threshold = val;
	return count;
}

static struct device_attribute dev_attr_wq_threshold =
	__ATTR(threshold, 0644, wq_threshold_show, wq_threshold_store);

static ssize_t wq_type_show(struct device *dev,
			    struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%s\n", siov_wq_type_names[wq->type]);
}

static ssize_t wq_type_store(struct device *dev,
			     struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	int type, rc;

	type = sysfs_match_string(siov_wq_type_names, buf);
	if (type < 0)
		return siov_reject(dev, -EINVAL, "not none, kernel or user");

	guard(device)(dev);
	guard(mutex)(&wq->idxd->lock);
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	wq->type = type;
	return count;
}

static struct device_attribute dev_attr_wq_type =
	__ATTR(type, 0644, wq_type_show, wq_type_store);

/* Copy a sysfs string without its trailing newline into @dst. */
static int siov_store_string(struct device *dev, struct device_attribute *attr,
			     char *dst, size_t size, const char *buf,
			     size_t count)
{
	size_t len = count;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len >= size)
		return siov_reject(dev, -EINVAL, "longer than %zu characters",
				   size - 1);
	memcpy(dst, buf, len);
	dst[len] = '\0';
	return 0;
}

static ssize_t wq_name_show(struct device *dev,
			    struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%s\n", wq->name);
}

static ssize_t wq_name_store(struct device *dev,
			     struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	int rc;

	guard(device)(dev);
	guard(mutex)(&wq->idxd->lock);
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	rc = siov_store_string(dev, attr, wq->name, sizeof(wq->name), buf,
			       count);
	return rc ? rc : count;
}

static struct device_attribute dev_attr_wq_name =
	__ATTR(name, 0644, wq_name_show, wq_name_store);

static ssize_t wq_driver_name_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%s\n", wq->driver_name);
}

static ssize_t wq_driver_name_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	int rc;

	/* The bus' match function reads the name under the device lock. */
	guard(device)(dev);
	guard(mutex)(&wq->idxd->lock);
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	rc = siov_store_string(dev, attr, wq->driver_name,
			       sizeof(wq->driver_name), buf, count);
	return rc ? rc : count;
}

static struct device_attribute dev_attr_wq_driver_name =
	__ATTR(driver_name, 0644, wq_driver_name_show, wq_driver_name_store);

static ssize_t wq_cdev_minor_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	/* No character device yet: the ABI says to fail the read. */
	return -ENXIO;
}

static struct device_attribute dev_attr_wq_cdev_minor =
	__ATTR(cdev_minor, 0444, wq_cdev_minor_show, NULL);

static ssize_t wq_max_transfer_size_show(struct device *dev,
					 struct device_attribute *attr,
					 char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%llu\n", wq->max_xfer_bytes);
}

static ssize_t wq_max_transfer_size_store(struct device *dev,
					  struct device_attribute *attr,
					  const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	u64 val;
	int rc;

	if (kstrtou64(buf, 0, &val))
		return siov_reject(dev, -EINVAL, "not an unsigned number");

	guard(device)(dev);
	guard(mutex)(&wq->idxd->lock);
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	if (!val || val > wq->idxd->max_xfer_bytes)
		return siov_reject(dev, -EINVAL, "%llu outside 1..%llu", val,
				   wq->idxd->max_xfer_bytes);
	/* WQCFG holds the limit as a power of two. */
	wq->max_xfer_bytes = roundup_pow_of_two(val);
	return count;
}

static struct device_attribute dev_attr_wq_max_transfer_size =
	__ATTR(max_transfer_size, 0644, wq_max_transfer_size_show,
	       wq_max_transfer_size_store);

static ssize_t wq_max_batch_size_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%u\n", wq->max_batch_size);
}

static ssize_t wq_max_batch_size_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	unsigned int val;
	int rc;

	rc = siov_parse_uint(dev, attr, buf, &val);
	if (rc)
		return rc;

	guard(device)(dev);
	guard(mutex)(&wq->idxd->lock);
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	if (!val || val > wq->idxd->max_batch_size)
		return siov_reject(dev, -EINVAL, "%u outside 1..%u", val,
				   wq->idxd->max_batch_size);
	wq->max_batch_size = roundup_pow_of_two(val);
	return count;
}

static struct device_attribute dev_attr_wq_max_batch_size =
	__ATTR(max_batch_size, 0644, wq_max_batch_size_show,
	       wq_max_batch_size_store);

static ssize_t wq_ats_disable_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%u\n", wq->ats_disable);
}

static ssize_t wq_ats_disable_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	bool val;
	int rc;

	rc = siov_parse_bool(dev, attr, buf, &val);
	if (rc)
		return rc;

	guard(device)(dev);
	guard(mutex)(&wq->idxd->lock);
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	wq->ats_disable = val;
	return count;
}

static struct device_attribute dev_attr_wq_ats_disable =
	__ATTR(ats_disable, 0644, wq_ats_disable_show, wq_ats_disable_store);

static ssize_t wq_prs_disable_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	guard(mutex)(&wq->idxd->lock);
	return sysfs_emit(buf, "%u\n", wq->prs_disable);
}

static ssize_t wq_prs_disable_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	bool val;
	int rc;

	rc = siov_parse_bool(dev, attr, buf, &val);
	if (rc)
		return rc;

	guard(device)(dev);
	guard(mutex)(&wq->idxd->lock);
	rc = siov_check_wq_unowned(wq, dev, attr);
	if (rc)
		return rc;
	wq->prs_disable = val;
	return count;
}

static struct device_attribute dev_attr_wq_prs_disable =
	__ATTR(prs_disable, 0644, wq_prs_disable_show, wq_prs_disable_store);

static ssize_t wq_occupancy_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	struct siov_idxd *idxd = wq->idxd;
	u32 occ;

	/* Dword 6 of the WQ's WQCFG entry, occupancy in the low 16 bits. */
	occ = ioread32(idxd->regs + idxd->wqcfg_offset +
		       wq->id * idxd->wqcfg_size + 6 * sizeof(u32));
	return sysfs_emit(buf, "%u\n", occ & 0xffff);
}

static struct device_attribute dev_attr_wq_occupancy =
	__ATTR(occupancy, 0444, wq_occupancy_show, NULL);

static ssize_t wq_enqcmds_retries_show(struct device *dev,
				       struct device_attribute *attr,
				       char *buf)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(wq->enqcmds_retries));
}

static ssize_t wq_enqcmds_retries_store(struct device *dev,
					struct device_attribute *attr,
					const char *buf, size_t count)
{
	struct siov_idxd_wq *wq = dev_to_wq(dev);
	unsigned int val;
	int rc;

	rc = siov_parse_uint(dev, attr, buf, &val);
	if (rc)
		return rc;
	if (val > SIOV_ENQCMDS_MAX_RETRIES)
		return siov_reject(dev, -EINVAL, "%u over the maximum %u", val,
				   SIOV_ENQCMDS_MAX_RETRIES);
	/* Read at submission time; changing it on a live WQ is harmless. */
	WRITE_ONCE(wq->enqcmds_retries, val);
	return count;
}

static struct device_attribute dev_attr_wq_enqcmds_retries =
	__ATTR(enqcmds_retries, 0644, wq_enqcmds_retries_show,
	       wq_enqcmds_retries_store);

static struct attribute *siov_wq_attrs[] = {
	&dev_attr_wq_clients.attr,
	&dev_attr_wq_state.attr,
	&dev_attr_wq_group_id.attr,
	&dev_attr_wq_mode.attr,
	&dev_attr_wq_size.attr,
	&dev_attr_wq_priority.attr,
	&dev_attr_wq_block_on_fault.attr,
	&dev_attr_wq_threshold.attr,
	&dev_attr_wq_type.attr,
	&dev_attr_wq_name.attr,
	&dev_attr_wq_cdev_minor.attr,
	&dev_attr_wq_max_transfer_size.attr,
	&dev_attr_wq_max_batch_size.attr,
	&dev_attr_wq_ats_disable.attr,
	&dev_attr_wq_prs_disable.attr,
	&dev_attr_wq_occupancy.attr,
	&dev_attr_wq_enqcmds_retries.attr,
	&dev_attr_wq_driver_name.attr,
	NULL
};

static umode_t siov_wq_attr_visible(struct kobject *kobj, struct attribute *a,
				    int n)
{
	struct siov_idxd *idxd = dev_to_wq(kobj_to_dev(kobj))->idxd;
	u64 wqcap = idxd->caps.wqcap;

	if (a == &dev_attr_wq_ats_disable.attr && !(wqcap & IDXD_WQCAP_ATS))
		return 0;
	if (a == &dev_attr_wq_prs_disable.attr && !(wqcap & IDXD_WQCAP_PRS))
		return 0;
	if (a == &dev_attr_wq_occupancy.attr &&
	    !(wqcap & IDXD_WQCAP_OCCUPANCY))
		return 0;
	return a->mode;
}

static const struct attribute_group siov_wq_attr_group = {
	.attrs = siov_wq_attrs,
	.is_visible = siov_wq_attr_visible,
};

static const struct attribute_group *siov_wq_groups[] = {
	&siov_wq_attr_group,
	NULL
};

const struct device_type siov_wq_device_type = {
	.name = "wq",
	.groups = siov_wq_groups,
};

/* ---------------------------------------------------------------------- */
/* dsaN */

/* Capabilities: fixed after probe, read without the lock. */
static ssize_t max_groups_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_idxd(dev)->max_groups);
}

static DEVICE_ATTR_RO(max_groups);

static ssize_t max_work_queues_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_idxd(dev)->max_wqs);
}

static DEVICE_ATTR_RO(max_work_queues);

static ssize_t max_work_queues_size_show(struct device *dev,
					 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_idxd(dev)->max_wq_size);
}

static DEVICE_ATTR_RO(max_work_queues_size);

static ssize_t max_engines_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_idxd(dev)->max_engines);
}

static DEVICE_ATTR_RO(max_engines);

static ssize_t max_batch_size_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_idxd(dev)->max_batch_size);
}

static DEVICE_ATTR_RO(max_batch_size);

static ssize_t max_read_buffers_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_idxd(dev)->max_rdbufs);
}

static DEVICE_ATTR_RO(max_read_buffers);

static ssize_t configurable_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", (unsigned int)dev_to_idxd(dev)->configurable);
}

static DEVICE_ATTR_RO(configurable);

static ssize_t ims_size_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_idxd(dev)->ims_size);
}

static DEVICE_ATTR_RO(ims_size);

static ssize_t max_tokens_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return max_read_buffers_show(dev, attr, buf);
}

static DEVICE_ATTR_RO(max_tokens);	/* deprecated alias */

static ssize_t version_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%#x\n", dev_to_idxd(dev)->caps.version);
}

static DEVICE_ATTR_RO(version);

static ssize_t numa_node_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", dev_to_node(idxd_dev(dev_to_idxd(dev))));
}

static DEVICE_ATTR_RO(numa_node);

static ssize_t max_transfer_size_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", dev_to_idxd(dev)->max_xfer_bytes);
}

static DEVICE_ATTR_RO(max_transfer_size);

static ssize_t gen_cap_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%#llx\n", dev_to_idxd(dev)->caps.gencap);
}

static DEVICE_ATTR_RO(gen_cap);

/* 256 bits as eight 32-bit words, most significant first, like %*pb. */
static ssize_t siov_emit_256(char *buf, const u64 *qw)
{
	int pos = 0, i;

	for (i = 3; i >= 0; i--)
		pos += sysfs_emit_at(buf, pos, "%08x,%08x%c",
				     upper_32_bits(qw[i]),
				     lower_32_bits(qw[i]), i ? ',' : '\n');
	return pos;
}

static ssize_t op_cap_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return siov_emit_256(buf, dev_to_idxd(dev)->caps.opcap);
}

static DEVICE_ATTR_RO(op_cap);

static ssize_t errors_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct siov_idxd *idxd = dev_to_idxd(dev);

	guard(mutex)(&idxd->lock);
	return siov_emit_256(buf, idxd->swerr);
}

static DEVICE_ATTR_RO(errors);

static ssize_t clients_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct siov_idxd *idxd = dev_to_idxd(dev);
	unsigned int i;
	int count = 0;

	guard(mutex)(&idxd->lock);
	for (i = 0; i < idxd->max_wqs; i++)
		count += idxd->wqs[i]->clients;
	return sysfs_emit(buf, "%d\n", count);
}

static DEVICE_ATTR_RO(clients);

/*
 * Whether the PCI PASID capability is enabled: the precondition for
 * shared WQs and for every subdevice, each of which runs under a PASID.
 */
static ssize_t pasid_enabled_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  (unsigned int)dev_to_idxd(dev)->pdev->pasid_enabled);
}

static DEVICE_ATTR_RO(pasid_enabled);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	static const char * const names[] = {
		[SIOV_IDXD_DISABLED] = "disabled",
		[SIOV_IDXD_ENABLED] = "enabled",
		[SIOV_IDXD_HALTED] = "halted",
	};

	return sysfs_emit(buf, "%s\n", names[READ_ONCE(dev_to_idxd(dev)->state)]);
}

static DEVICE_ATTR_RO(state);

static ssize_t read_buffer_limit_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct siov_idxd *idxd = dev_to_idxd(dev);

	guard(mutex)(&idxd->lock);
	return sysfs_emit(buf, "%u\n", idxd->rdbuf_limit);
}

static ssize_t read_buffer_limit_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	struct siov_idxd *idxd = dev_to_idxd(dev);
	unsigned int val;
	int rc;

	rc = siov_parse_uint(dev, attr, buf, &val);
	if (rc)
		return rc;

	guard(mutex)(&idxd->lock);
	rc = siov_check_dev_disabled(idxd, dev, attr);
	if (rc)
		return rc;
	if (!(idxd->caps.grpcap & IDXD_GRPCAP_RDBUF_LIMIT))
		return siov_reject(dev, -EOPNOTSUPP, "no read buffer limit");
	if (val > idxd->max_rdbufs)
		return siov_reject(dev, -EINVAL, "%u over %u read buffers", val,
				   idxd->max_rdbufs);
	idxd->rdbuf_limit = val;
	return count;
}

static DEVICE_ATTR_RW(read_buffer_limit);

static ssize_t token_limit_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return read_buffer_limit_show(dev, attr, buf);
}

static ssize_t token_limit_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	return read_buffer_limit_store(dev, attr, buf, count);
}

static DEVICE_ATTR_RW(token_limit);	/* deprecated alias */

static ssize_t cdev_major_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", siov_idxd_cdev_major());
}

static DEVICE_ATTR_RO(cdev_major);

static ssize_t cmd_status_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%#x\n", READ_ONCE(dev_to_idxd(dev)->cmd_status));
}

/* Any write clears the status, so a script can check its next command. */
static ssize_t cmd_status_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	WRITE_ONCE(dev_to_idxd(dev)->cmd_status, 0);
	return count;
}

static DEVICE_ATTR_RW(cmd_status);

static struct attribute *siov_dsa_attrs[] = {
	&dev_attr_version.attr,
	&dev_attr_max_groups.attr,
	&dev_attr_max_work_queues.attr,
	&dev_attr_max_work_queues_size.attr,
	&dev_attr_max_engines.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_max_batch_size.attr,
	&dev_attr_max_transfer_size.attr,
	&dev_attr_op_cap.attr,
	&dev_attr_gen_cap.attr,
	&dev_attr_configurable.attr,
	&dev_attr_clients.attr,
	&dev_attr_pasid_enabled.attr,
	&dev_attr_state.attr,
	&dev_attr_errors.attr,
	&dev_attr_max_tokens.attr,
	&dev_attr_max_read_buffers.attr,
	&dev_attr_token_limit.attr,
	&dev_attr_read_buffer_limit.attr,
	&dev_attr_cdev_major.attr,
	&dev_attr_cmd_status.attr,
	&dev_attr_ims_size.attr,
	NULL
};
ATTRIBUTE_GROUPS(siov_dsa);

const struct device_type siov_dsa_device_type = {
	.name = "dsa",
	.groups = siov_dsa_groups,
};
