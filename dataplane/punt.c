/* Worker -> control: frames the worker does not forward go to the control
 * lcore on the punt ring, with the reason and what the control lcore needs
 * to act on it (ingress interface, next hop, MTU) in an mbuf dynamic field.
 * A full ring drops the frame (PUNT_FULL): the worker never waits. */
#include <rte_ring.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

static void meta_set(struct fgw_burst *b, struct rte_mbuf *m, enum fgw_punt_reason why,
		     uint32_t nh, uint16_t mtu)
{
	struct fgw_punt_meta *pm = fgw_punt_meta(b->dp, m);

	pm->nh = nh;
	pm->in_if = fgw_in_if(b, m);
	pm->mtu = mtu;
	pm->reason = (uint8_t)why;
}

void fgw_punt(struct fgw_burst *b, struct rte_mbuf *m, enum fgw_punt_reason why,
	      uint32_t nh, uint16_t mtu)
{
	meta_set(b, m, why, nh, mtu);
	b->punt_why[b->n_punt] = (uint8_t)why;
	b->punt[b->n_punt++] = m;
}

void fgw_punt_all(struct fgw_burst *b, struct rte_mbuf **frames, unsigned n,
		  enum fgw_punt_reason why, uint32_t nh)
{
	for (unsigned i = 0; i < n; i++)
		meta_set(b, frames[i], why, nh, 0);
	/* All or nothing, so the packet they came from is counted once,
	 * either punted or dropped. */
	if (rte_ring_enqueue_bulk(b->dp->punt, (void **)frames, n, NULL) == 0) {
		b->stats->drop[FGW_DROP_PUNT_FULL]++;
		for (unsigned i = 0; i < n; i++)
			rte_pktmbuf_free(frames[i]);
		return;
	}
	b->stats->punted++;
	b->stats->punt[why]++;
}

void fgw_punt_uncounted(struct fgw_burst *b, struct rte_mbuf *m, enum fgw_punt_reason why,
			uint32_t nh)
{
	meta_set(b, m, why, nh, 0);
	if (rte_ring_enqueue(b->dp->punt, m) != 0)
		rte_pktmbuf_free(m);
}

void fgw_punt_flush(struct fgw_burst *b)
{
	unsigned n;

	if (b->n_punt == 0)
		return;
	n = rte_ring_enqueue_burst(b->dp->punt, (void **)b->punt, b->n_punt, NULL);
	/* Counted from the burst's own copy of the reasons: an enqueued mbuf
	 * belongs to the control lcore, which may have freed it already. */
	for (unsigned i = 0; i < n; i++)
		b->stats->punt[b->punt_why[i]]++;
	b->stats->punted += n;
	for (unsigned i = n; i < b->n_punt; i++)
		fgw_drop(b, b->punt[i], FGW_DROP_PUNT_FULL);
	b->n_punt = 0;
}
