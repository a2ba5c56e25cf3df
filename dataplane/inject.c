/* Frames the control lcore sends (ARP, ND, ICMP, packets that waited for a
 * neighbour) go out through a worker's TX queue, so every TX queue keeps a
 * single writer. Each port's frames go through one worker, which keeps
 * them in order. */
#include <errno.h>

#include <rte_ring.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

int fgw_inject(struct fgw_dp *dp, struct rte_mbuf *m, uint16_t port)
{
	struct fgw_worker *w;

	if (port >= FGW_MAX_PORTS || dp->port_if[port] == FGW_IF_NONE || dp->n_workers == 0) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	w = dp->workers[port % dp->n_workers];
	m->port = port;
	if (rte_ring_enqueue(w->inject, m) != 0) {
		fgw_count_tx_full(&w->stats, 1);
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

unsigned fgw_inject_drain(struct fgw_worker_ctx *ctx)
{
	struct fgw_worker *w = &ctx->pub;
	struct rte_mbuf *pkts[FGW_MAX_BURST];
	unsigned n;

	n = rte_ring_dequeue_burst(w->inject, (void **)pkts, ctx->dp->params.burst, NULL);
	for (unsigned i = 0; i < n; i++)
		fgw_tx(ctx, pkts[i]->port, pkts[i]);
	w->stats.injected += n;
	return n;
}
