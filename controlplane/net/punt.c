/* The punt ring: what the workers did not forward, handled by reason. */
#include <netinet/in.h>

#include <rte_ip.h>
#include <rte_ring.h>

#include "net.h"

#define PUNT_BURST 32

/* A worker punts NEIGH_MISS before touching the frame (control.h): this is
 * where it is forwarded, so this is where the TTL goes down. The next hop
 * is looked up again, not taken from the punt meta: next-hop ids are kept
 * alive for the workers only (RCU), and by the time the frame is read here
 * the control lcore may have changed the route and freed or reused the id. */
static void neigh_miss(struct fgw_control *c, struct rte_mbuf *m, uint32_t in_if)
{
	const struct fgw_nexthop *nh;
	const struct fgw_addr *next;
	struct fgw_net_ip ip;
	uint8_t *l3;

	if (!fgw_net_parse(m, in_if, &ip)) {
		c->stats.malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	nh = &c->dp->nh[fgw_route_lookup(c->dp, &ip.p.dst)];
	switch ((enum fgw_nh_type)nh->type) {
	case FGW_NH_CONNECTED:
		next = &ip.p.dst;
		break;
	case FGW_NH_GATEWAY:
		next = &nh->gw;
		break;
	case FGW_NH_NONE:
		/* The route went away meanwhile: as if it never was. */
		c->stats.neigh_miss_rerouted++;
		fgw_icmp_unreachable(c, m, in_if, 0);
		rte_pktmbuf_free(m);
		return;
	default:
		/* Now local, Null0 or a tunnel: the workers' business, and
		 * the next packet will be theirs. */
		c->stats.neigh_miss_rerouted++;
		rte_pktmbuf_free(m);
		return;
	}
	if (ip.ttl <= 1) {
		fgw_icmp_time_exceeded(c, m, in_if);
		rte_pktmbuf_free(m);
		return;
	}
	l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, ip.p.l3_off);
	if (ip.p.src.family == AF_INET) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)l3;

		h->time_to_live--;
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
	} else {
		((struct rte_ipv6_hdr *)l3)->hop_limits--;
	}
	fgw_neigh_resolve(c, nh->ifindex, next, m);
}

static void punt_one(struct fgw_control *c, struct rte_mbuf *m)
{
	const struct fgw_punt_meta meta = *fgw_punt_meta(c->dp, m);

	/* Packets the workers received whole: one segment makes every later
	 * bounds check a check against rte_pktmbuf_data_len. */
	if (meta.reason >= FGW_PUNT_MAX || meta.in_if >= c->dp->n_ifs ||
	    rte_pktmbuf_linearize(m) < 0) {
		c->stats.malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	c->stats.punt_rx[meta.reason]++;
	switch ((enum fgw_punt_reason)meta.reason) {
	case FGW_PUNT_ARP:
		fgw_arp_input(c, m, meta.in_if);
		break;
	case FGW_PUNT_ND:
		fgw_nd_input(c, m, meta.in_if);
		break;
	case FGW_PUNT_LOCAL:
		fgw_local_input(c, m, meta.in_if);
		break;
	case FGW_PUNT_TTL_EXCEEDED:
		fgw_icmp_time_exceeded(c, m, meta.in_if);
		break;
	case FGW_PUNT_NO_ROUTE:
		fgw_icmp_unreachable(c, m, meta.in_if, 0);
		break;
	case FGW_PUNT_FRAG_NEEDED:
		fgw_icmp_too_big(c, m, meta.in_if, meta.mtu);
		break;
	case FGW_PUNT_NEIGH_MISS:
		neigh_miss(c, m, meta.in_if);
		return;
	case FGW_PUNT_MAX:
		break;
	}
	rte_pktmbuf_free(m);
}

unsigned fgw_punt_poll(struct fgw_control *c)
{
	struct rte_mbuf *pkts[PUNT_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(c->dp->punt, (void **)pkts, PUNT_BURST, NULL);

	for (unsigned i = 0; i < n; i++)
		punt_one(c, pkts[i]);
	return n;
}
