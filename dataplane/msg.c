/* Control -> worker messages: one single-producer/single-consumer ring per
 * worker, applied by the worker between bursts, so per-worker state changes
 * without a lock. */
#include <errno.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

#define MSGS_PER_LOOP 32

int fgw_msg_send(struct fgw_dp *dp, unsigned worker, const struct fgw_msg *msg)
{
	struct fgw_msg copy = *msg;	/* the ring API takes a non-const pointer */

	if (worker >= dp->n_workers)
		return -EINVAL;
	if (rte_ring_enqueue_elem(dp->workers[worker]->msgs, &copy, sizeof(copy)) != 0)
		return -ENOBUFS;
	return 0;
}

int fgw_msg_broadcast(struct fgw_dp *dp, const struct fgw_msg *msg)
{
	int rc = 0;

	for (unsigned i = 0; i < dp->n_workers; i++)
		if (fgw_msg_send(dp, i, msg) < 0)
			rc = -ENOBUFS;
	return rc;
}

unsigned fgw_msgs_apply(struct fgw_worker_ctx *ctx)
{
	struct fgw_worker *w = &ctx->pub;
	struct fgw_msg msgs[MSGS_PER_LOOP];
	unsigned n;

	n = rte_ring_dequeue_burst_elem(w->msgs, msgs, sizeof(msgs[0]), MSGS_PER_LOOP, NULL);
	for (unsigned i = 0; i < n; i++) {
		switch (msgs[i].type) {
		case FGW_MSG_NEIGH_SET:
		case FGW_MSG_NEIGH_DEL:
			fgw_neigh_apply(w, &msgs[i]);
			break;
		default:
			break;
		}
	}
	w->stats.msgs += n;
	return n;
}
