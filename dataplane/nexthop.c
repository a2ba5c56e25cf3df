/* Next hops: the table FIB entries point into. Only the control lcore
 * allocates and frees; workers read entries lock-free. An id that is freed
 * may still be in a worker's hands (it looked the FIB up a moment before the
 * route went away), so it only becomes allocatable again after an RCU grace
 * period, through an rte_rcu_qsbr defer queue. */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

/* Reclaim in batches: one grace-period check frees many ids. */
#define RECLAIM_TRIGGER 32
#define RECLAIM_MAX 256

/* dp->nh points at `nh`; the free list lives behind it. */
struct nh_table {
	struct fgw_nexthop nh[FGW_MAX_NEXTHOPS];
	uint32_t free_ids[FGW_MAX_NEXTHOPS];	/* a stack */
	uint32_t n_free;
	struct rte_rcu_qsbr_dq *dq;
};

static struct nh_table *nh_table(const struct fgw_dp *dp)
{
	return container_of(dp->nh, struct nh_table, nh[0]);
}

/* Called by the defer queue once no worker can still hold these ids. */
static void nh_reclaim(void *p, void *e, unsigned n)
{
	struct nh_table *t = p;
	const uint32_t *ids = e;

	for (unsigned i = 0; i < n; i++) {
		memset(&t->nh[ids[i]], 0, sizeof(t->nh[0]));
		t->free_ids[t->n_free++] = ids[i];
	}
}

int fgw_nh_init(struct fgw_dp *dp, char *err, size_t errlen)
{
	struct nh_table *t;
	struct rte_rcu_qsbr_dq_parameters params = {
		.name = "fgw_nh",
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,
		.size = FGW_MAX_NEXTHOPS,
		.esize = sizeof(uint32_t),
		.trigger_reclaim_limit = RECLAIM_TRIGGER,
		.max_reclaim_size = RECLAIM_MAX,
		.free_fn = nh_reclaim,
		.v = dp->rcu,
	};

	t = rte_zmalloc("fgw_nh", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL) {
		snprintf(err, errlen, "cannot allocate the next-hop table");
		return -1;
	}
	/* Id 0 is FGW_NH_NONE, every FIB's default; hand out 1 first. */
	for (uint32_t id = FGW_MAX_NEXTHOPS - 1; id >= 1; id--)
		t->free_ids[t->n_free++] = id;
	params.p = t;
	t->dq = rte_rcu_qsbr_dq_create(&params);
	if (t->dq == NULL) {
		snprintf(err, errlen, "cannot create the next-hop defer queue: %s",
			 rte_strerror(rte_errno));
		rte_free(t);
		return -1;
	}
	dp->nh = t->nh;
	return 0;
}

void fgw_nh_fini(struct fgw_dp *dp)
{
	struct nh_table *t;

	if (dp->nh == NULL)
		return;
	t = nh_table(dp);
	rte_rcu_qsbr_dq_delete(t->dq);
	rte_free(t);
	dp->nh = NULL;
}

uint32_t fgw_nh_alloc(struct fgw_dp *dp, const struct fgw_nexthop *nh)
{
	struct nh_table *t = nh_table(dp);
	uint32_t id;

	if (t->n_free == 0)
		rte_rcu_qsbr_dq_reclaim(t->dq, RECLAIM_MAX, NULL, NULL, NULL);
	if (t->n_free == 0)
		return 0;
	id = t->free_ids[--t->n_free];
	t->nh[id] = *nh;
	/* The entry is complete before its id can reach a FIB. */
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	return id;
}

void fgw_nh_free(struct fgw_dp *dp, uint32_t id)
{
	struct nh_table *t = nh_table(dp);

	if (id == 0 || id >= FGW_MAX_NEXTHOPS)
		return;
	/* The queue holds every id there is, so it cannot be full. */
	rte_rcu_qsbr_dq_enqueue(t->dq, &id);
}
