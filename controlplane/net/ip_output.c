/* Sending what the control lcore originates: route, pick the next hop, add
 * the Ethernet header, hand the frame to a worker's TX queue. */
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_random.h>

#include "common/log.h"
#include "dataplane/tunnel.h"
#include "net.h"

const struct fgw_if *fgw_net_port(const struct fgw_control *c, uint32_t ifindex)
{
	const struct fgw_if *ifp;

	if (ifindex >= c->dp->n_ifs)
		return NULL;
	ifp = &c->dp->ifs[ifindex];
	return ifp->kind == FGW_IF_PORT && ifp->up ? ifp : NULL;
}

bool fgw_net_is_local(const struct fgw_control *c, const struct fgw_addr *a)
{
	return c->dp->nh[fgw_route_lookup(c->dp, a)].type == FGW_NH_LOCAL;
}

/* Limited broadcast, or the directed broadcast of one of our subnets. */
bool fgw_net_is_broadcast4(const struct fgw_control *c, rte_be32_t a)
{
	if (a == RTE_BE32(UINT32_MAX))
		return true;
	for (unsigned i = 0; i < c->dp->n_ifs; i++) {
		if (fgw_ip4_is_directed_broadcast(&c->dp->ifs[i].addr4, a))
			return true;
	}
	return false;
}

/* Someone's unicast address: a host could have sent from it. */
bool fgw_net_is_unicast_source(const struct fgw_control *c, const struct fgw_addr *a)
{
	if (a->family == AF_INET)
		return !fgw_ip4_is_martian_source(a->v4) && !fgw_net_is_broadcast4(c, a->v4);
	return !fgw_ip6_is_unspecified(a->v6) && !fgw_ip6_is_multicast(a->v6);
}

struct rte_mbuf *fgw_net_ip_alloc(struct fgw_control *c, const struct fgw_addr *src,
				  const struct fgw_addr *dst, uint8_t proto, uint8_t tos,
				  uint16_t len, void **payload)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(c->dp->pool);
	uint16_t hlen = src->family == AF_INET ? sizeof(struct rte_ipv4_hdr)
					       : sizeof(struct rte_ipv6_hdr);
	uint8_t *p;

	if (m == NULL || (uint32_t)hlen + len > rte_pktmbuf_tailroom(m)) {
		c->stats.output_dropped++;
		rte_pktmbuf_free(m);
		return NULL;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hlen + len));
	if (src->family == AF_INET) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)p;

		memset(h, 0, sizeof(*h));
		h->version_ihl = RTE_IPV4_VHL_DEF;
		h->type_of_service = tos;
		h->total_length = rte_cpu_to_be_16(hlen + len);
		h->packet_id = (rte_be16_t)rte_rand();
		h->time_to_live = FGW_NET_TTL;
		h->next_proto_id = proto;
		h->src_addr = src->v4;
		h->dst_addr = dst->v4;
		h->hdr_checksum = rte_ipv4_cksum(h);
	} else {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)p;

		h->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tos << 20);
		h->payload_len = rte_cpu_to_be_16(len);
		h->proto = proto;
		h->hop_limits = FGW_NET_TTL;
		memcpy(h->src_addr, src->v6, 16);
		memcpy(h->dst_addr, dst->v6, 16);
	}
	*payload = p + hlen;
	return m;
}

uint16_t fgw_net_ethertype(const struct rte_mbuf *m)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, FGW_NET_L3_OFF);

	return (l3[0] >> 4) == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;
}

void fgw_net_eth_send(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex,
		      const struct rte_ether_addr *dst, uint16_t ethertype)
{
	const struct fgw_if *ifp = fgw_net_port(c, ifindex);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	if (ifp == NULL) {
		c->stats.output_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(&ifp->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(ethertype);
	fgw_inject(c->dp, m, ifp->port_id);
}

/* RFC 1112 and RFC 2464: multicast IP maps onto multicast MAC. */
static void multicast_mac(const struct fgw_addr *a, struct rte_ether_addr *mac)
{
	if (a->family == AF_INET) {
		const uint8_t *b = (const uint8_t *)&a->v4;
		*mac = (struct rte_ether_addr){ { 0x01, 0x00, 0x5e, b[1] & 0x7f, b[2], b[3] } };
	} else {
		*mac = (struct rte_ether_addr){ { 0x33, 0x33, a->v6[12], a->v6[13], a->v6[14],
						  a->v6[15] } };
	}
}

void fgw_net_output(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex,
		    const struct fgw_addr *next)
{
	const struct fgw_if *ifp = fgw_net_port(c, ifindex);
	struct rte_ether_hdr *eth;
	struct fgw_punt_meta *meta;

	/* We don't fragment what we originate: our errors are short, and an
	 * echo reply is as long as a request that arrived here. */
	if (ifp == NULL || rte_pktmbuf_pkt_len(m) > ifp->mtu) {
		c->stats.output_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	if (eth == NULL) {
		c->stats.output_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	memset(eth, 0, sizeof(*eth));
	/* A queued frame carries its ingress in the punt meta; ours come
	 * from the interface they leave by. */
	meta = fgw_punt_meta(c->dp, m);
	memset(meta, 0, sizeof(*meta));
	meta->in_if = ifindex;
	meta->reason = FGW_PUNT_LOCAL;
	if (fgw_net_is_multicast(next)) {
		struct rte_ether_addr mac;

		multicast_mac(next, &mac);
		fgw_net_eth_send(c, m, ifindex, &mac, fgw_net_ethertype(m));
		return;
	}
	fgw_neigh_output(c, ifindex, next, m);
}

/* Into a tunnel: a worker encrypts it (dataplane/tunnel.h). */
static void tunnel_output(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex)
{
	const struct fgw_if *ifp = ifindex < c->dp->n_ifs ? &c->dp->ifs[ifindex] : NULL;
	struct rte_ether_hdr *eth;

	if (ifp == NULL || !ifp->up || rte_pktmbuf_pkt_len(m) > ifp->mtu ||
	    (eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN)) == NULL) {
		c->stats.output_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	memset(eth, 0, sizeof(*eth));
	eth->ether_type = rte_cpu_to_be_16(fgw_net_ethertype(m));
	if (fgw_tunnel_inject(c->dp, m, ifindex) < 0)
		c->stats.output_dropped++;
}

void fgw_ip_output(struct fgw_control *c, struct rte_mbuf *m, const struct fgw_addr *dst)
{
	const struct fgw_nexthop *nh = &c->dp->nh[fgw_route_lookup(c->dp, dst)];
	char buf[FGW_ADDR_STRLEN];

	switch (nh->type) {
	case FGW_NH_CONNECTED:
		fgw_net_output(c, m, nh->ifindex, dst);
		return;
	case FGW_NH_GATEWAY:
		fgw_net_output(c, m, nh->ifindex, &nh->gw);
		return;
	case FGW_NH_TUNNEL:
		tunnel_output(c, m, nh->ifindex);
		return;
	default:
		FGW_DEBUG("no route to %s for a packet of ours", fgw_addr_str(dst, buf, sizeof(buf)));
		c->stats.output_dropped++;
		rte_pktmbuf_free(m);
	}
}

void fgw_net_reply(struct fgw_control *c, struct rte_mbuf *m, uint32_t in_if,
		   const struct fgw_addr *dst)
{
	if (fgw_net_is_linklocal6(dst))
		fgw_net_output(c, m, in_if, dst);
	else
		fgw_ip_output(c, m, dst);
}
