// SPDX-License-Identifier: GPL-2.0
/*
 * A VFIO user of one vdev for the scripts in this directory (vdev_client.h
 * does the VFIO work):
 *
 *   vdev_user hold UUID READY_FILE [LINGER_MS]
 *	bring the vdev up, then memmove (verified) without pause until the
 *	device request interrupt says the host wants it back; touch
 *	READY_FILE once running. Close LINGER_MS (default 0) after the
 *	request, as a slow VMM would. Exits 0 after the request, 1 on a
 *	wrong result or if no request came within 120 s.
 *   vdev_user swerrs UUID COUNT
 *	COUNT descriptors whose completion record is unmapped: each one a
 *	software error of the parent's WQ, waited for on vector 0 (so each
 *	is forwarded) and cleared. Exits 0 if every one arrived.
 *   vdev_user backlog UUID1 UUID2 READY_FILE GO_FILE
 *	for two dsa-1swq-v1 vdevs on one shared WQ of size 16 whose engines
 *	the caller paused: 16 memmoves on each (the second 16 find the WQ
 *	full: they wait in the vdev's backlog), then a 17th on the second,
 *	which overflows its dedicated-looking WQ and must come back as a
 *	software error (0x32). Touches READY_FILE, waits for GO_FILE (the
 *	caller resumes the engines), then requires all 32 to complete with
 *	their data. Nothing a guest submits may be lost.
 *   vdev_user flood UUID ROUNDS
 *	ROUNDS times: fill the WQ with descriptors and close the device
 *	at once, with them still in flight. Exits 0 if every open, bring-up
 *	and close worked.
 *   vdev_user bench UUID COUNT SIZE
 *	COUNT memmoves of SIZE bytes, one at a time, spinning on the
 *	completion record; prints descriptors/s and the trapped accesses
 *	per descriptor (from the vdev's trapped_accesses attribute).
 */
#include "vdev_client.h"

#define IOVA	0x100000UL

static long long trapped(const char *uuid)
{
	char path[PATH_MAX];
	long long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/trapped_accesses",
		 uuid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

static int up(struct vdev *v, const char *uuid)
{
	int rc = vdev_open(v, uuid, IOVA);

	if (rc) {
		fprintf(stderr, "open %s: %s\n", uuid, strerror(-rc));
		return -1;
	}
	rc = vdev_bring_up(v);
	if (rc) {
		fprintf(stderr, "bring-up %s: %d\n", uuid, rc);
		return -1;
	}
	return 0;
}

static struct dsa_hw_desc memmove_desc(struct vdev *v, uint32_t size)
{
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMMOVE };

	d.src_addr = v->iova;
	d.dst_addr = v->iova + PAGE;
	d.xfer_size = size;
	return d;
}

static int hold(const char *uuid, const char *ready, int linger_ms)
{
	int64_t deadline = now_ns() + 120 * 1000000000LL;
	struct vdev v;
	long n = 0;
	FILE *f;

	if (up(&v, uuid))
		return 1;
	f = fopen(ready, "w");
	if (f)
		fclose(f);
	while (now_ns() < deadline) {
		struct dsa_hw_desc d = memmove_desc(&v, PAGE);

		memset(v.buf, (int)n, PAGE);
		memset(v.buf + PAGE, ~(int)n, PAGE);
		if (vdev_submit(&v, &d, n & 1) != DSA_COMP_SUCCESS ||
		    memcmp(v.buf, v.buf + PAGE, PAGE)) {
			fprintf(stderr, "hold %s: descriptor %ld failed\n", uuid, n);
			return 1;
		}
		n++;
		if (wait_event(v.req, 0)) {
			printf("hold %s: device request after %ld descriptors, all verified\n",
			       uuid, n);
			fflush(stdout);
			usleep(linger_ms * 1000);
			vdev_close(&v);
			return 0;
		}
	}
	fprintf(stderr, "hold %s: no device request in 120 s\n", uuid);
	return 1;
}

/* An IOVA no container maps: the device cannot write a record there. */
#define IOVA_NOWHERE	0x40000000UL

static int swerrs(const char *uuid, int count)
{
	struct vdev v;
	int i;

	if (up(&v, uuid))
		return 1;
	for (i = 0; i < count; i++) {
		struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMFILL };

		drain_event(v.msix[0]);
		d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
		d.completion_addr = IOVA_NOWHERE;
		d.dst_addr = v.iova + PAGE;
		d.xfer_size = 64;
		if (vdev_post(&v, &d) || !wait_event(v.msix[0], 5000) ||
		    !(rd64(&v, v.bar0, R_SWERR) & 1)) {
			fprintf(stderr, "swerrs %s: error %d not forwarded\n",
				uuid, i);
			return 1;
		}
		wr32(&v, v.bar0, R_SWERR, 1);		/* clear the record */
		wr32(&v, v.bar0, R_INTCAUSE, INTC_ERR);
	}
	printf("swerrs %s: %d software errors, each forwarded\n", uuid, count);
	vdev_close(&v);
	return 0;
}

#define BACKLOG_N	16

static int backlog(const char *u1, const char *u2, const char *ready,
		   const char *go)
{
	struct vdev v[2];
	int64_t deadline;
	struct dsa_completion_record *cr;
	int i, k, done;
	uint64_t w0;
	FILE *f;

	if (up(&v[0], u1) || up(&v[1], u2))
		return 1;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < BACKLOG_N; i++) {
			struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMFILL };

			/* each a 64-byte fill of its own slot, record per slot */
			d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
			d.pattern = 0x1111111111111111ULL * (i + 1);
			d.dst_addr = v[k].iova + PAGE + 64 * i;
			d.xfer_size = 64;
			d.completion_addr = v[k].iova + 2 * PAGE + 32 * i;
			if (vdev_post(&v[k], &d)) {
				fprintf(stderr, "backlog: post %d/%d refused\n", k, i);
				return 1;
			}
		}
	}
	/* one more than the second vdev's WQ holds: its overflow */
	{
		struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMFILL };

		d.dst_addr = v[1].iova + PAGE;
		d.xfer_size = 64;
		drain_event(v[1].msix[0]);
		if (vdev_post(&v[1], &d) || !wait_event(v[1].msix[0], 5000)) {
			fprintf(stderr, "backlog: no overflow error\n");
			return 1;
		}
		w0 = rd64(&v[1], v[1].bar0, R_SWERR);
		if (!(w0 & 1) || ((w0 >> 8) & 0xff) != 0x32) {
			fprintf(stderr, "backlog: SWERR %#llx, not an overflow\n",
				(unsigned long long)w0);
			return 1;
		}
		wr32(&v[1], v[1].bar0, R_SWERR, 1);
	}
	f = fopen(ready, "w");
	if (f)
		fclose(f);
	deadline = now_ns() + 120 * 1000000000LL;
	while (access(go, F_OK) && now_ns() < deadline)
		usleep(10000);
	for (k = 0; k < 2; k++) {
		done = 0;
		deadline = now_ns() + 60 * 1000000000LL;
		while (done < BACKLOG_N && now_ns() < deadline) {
			done = 0;
			for (i = 0; i < BACKLOG_N; i++) {
				cr = (void *)(v[k].buf + 2 * PAGE + 32 * i);
				done += __atomic_load_n(&cr->status, __ATOMIC_ACQUIRE) ==
					DSA_COMP_SUCCESS;
			}
			usleep(1000);
		}
		for (i = 0; i < BACKLOG_N; i++)
			if (*(uint64_t *)(v[k].buf + PAGE + 64 * i) !=
			    0x1111111111111111ULL * (i + 1))
				break;
		if (done != BACKLOG_N || i != BACKLOG_N) {
			fprintf(stderr, "backlog: vdev %d: %d of %d completed, data up to %d\n",
				k, done, BACKLOG_N, i);
			return 1;
		}
	}
	printf("backlog: %d descriptors on a full shared WQ, all completed; the overflow reported\n",
	       2 * BACKLOG_N);
	vdev_close(&v[0]);
	vdev_close(&v[1]);
	return 0;
}

static int flood(const char *uuid, int rounds)
{
	struct dsa_completion_record *cr;
	int r, i, in_flight = 0;
	struct vdev v;

	for (r = 0; r < rounds; r++) {
		if (up(&v, uuid))
			return 1;
		cr = record(&v);
		memset(cr, 0, 32);
		for (i = 0; i < 16; i++) {
			struct dsa_hw_desc d = memmove_desc(&v, PAGE);

			d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR |
				  IDXD_OP_FLAG_RCI;
			d.int_handle = v.handle;
			d.completion_addr = v.iova + 2 * PAGE;
			if (vdev_post(&v, &d))
				return 1;
		}
		in_flight += !cr->status;
		vdev_close(&v);
	}
	printf("flood %s: %d rounds of 16 descriptors closed at once (%d with the last one still running)\n",
	       uuid, rounds, in_flight);
	return 0;
}

static int bench(const char *uuid, long count, uint32_t size)
{
	long long t0, t1;
	int64_t start, ns;
	struct vdev v;
	long i;

	if (size > PAGE)
		return 1;
	if (up(&v, uuid))
		return 1;
	vdev_busy_poll = 1;
	t0 = trapped(uuid);
	start = now_ns();
	for (i = 0; i < count; i++) {
		struct dsa_hw_desc d = memmove_desc(&v, size);

		if (vdev_submit(&v, &d, 0) != DSA_COMP_SUCCESS) {
			fprintf(stderr, "bench: descriptor %ld failed\n", i);
			return 1;
		}
	}
	ns = now_ns() - start;
	t1 = trapped(uuid);
	printf("vdev %s (%s portal): %ld memmoves of %u B in %.3f s: %.0f descriptors/s, %.2f trapped accesses per descriptor\n",
	       uuid, v.portal ? "mmapped" : "trapped", count, size, ns / 1e9,
	       count / (ns / 1e9), (double)(t1 - t0) / count);
	vdev_close(&v);
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "hold"))
		return hold(argv[2], argv[3], argc == 5 ? atoi(argv[4]) : 0);
	if (argc == 6 && !strcmp(argv[1], "backlog"))
		return backlog(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 4 && !strcmp(argv[1], "swerrs"))
		return swerrs(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "flood"))
		return flood(argv[2], atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "bench"))
		return bench(argv[2], atol(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: vdev_user hold UUID READY_FILE [LINGER_MS] | swerrs UUID COUNT | backlog UUID1 UUID2 READY GO | flood UUID ROUNDS | bench UUID COUNT SIZE\n");
	return 2;
}
