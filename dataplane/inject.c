/* Frames the control lcore sends (ARP, ND, ICMP, packets that waited for a
 * neighbour) go out through a worker's TX queue, so every TX queue keeps a
 * single writer. Each port's frames go through one worker, which keeps
 * them in order. Packets the control lcore sends into a tunnel (ICMP from
 * a tunnel address, errors to hosts behind a tunnel) go the same way and
 * are encrypted by that worker: the control lcore has no data-path
 * crypto. */
#include <errno.h>

#include <rte_ring.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

/* mbuf->port of a frame for a tunnel; the tunnel's ifindex is in its
 * punt meta (in_if). */
#define INJECT_TUNNEL UINT16_MAX

int fgw_tunnel_inject(struct fgw_dp *dp, struct rte_mbuf *m, uint32_t ifindex)
{
	struct fgw_worker *w;

	if (ifindex >= dp->n_ifs || dp->tunnels[ifindex] == NULL || dp->n_workers == 0) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	/* One worker per tunnel keeps a tunnel's own packets in order. */
	w = dp->workers[ifindex % dp->n_workers];
	m->port = INJECT_TUNNEL;
	fgw_punt_meta(dp, m)->in_if = ifindex;
	if (rte_ring_enqueue(w->inject, m) != 0) {
		fgw_count_tx_full(&w->stats, 1);
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

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

	struct rte_mbuf *tun[FGW_MAX_BURST];
	uint32_t tun_if[FGW_MAX_BURST];
	bool counted[FGW_MAX_BURST] = { false };
	unsigned n_tun = 0;

	n = rte_ring_dequeue_burst(w->inject, (void **)pkts, ctx->dp->params.burst, NULL);
	for (unsigned i = 0; i < n; i++) {
		if (pkts[i]->port != INJECT_TUNNEL) {
			fgw_tx(ctx, pkts[i]->port, pkts[i]);
			continue;
		}
		tun_if[n_tun] = fgw_punt_meta(ctx->dp, pkts[i])->in_if;
		tun[n_tun++] = pkts[i];
	}
	if (n_tun != 0) {
		/* Not received packets: their fate is not in the RX books. */
		struct fgw_burst b = { .dp = ctx->dp, .ctx = ctx, .stats = &w->stats };

		fgw_tunnel_output(&b, tun, tun_if, counted, n_tun);
		fgw_punt_flush(&b);
	}
	w->stats.injected += n;
	return n;
}
