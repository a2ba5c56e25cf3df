/* IPv6 forwarding (RFC 8200, RFC 4291), in the same stages as IPv4: check,
 * FIB lookup for the burst, decide, neighbour lookup for the burst, then
 * hop limit and Ethernet rewrite. Routers never fragment IPv6: what does
 * not fit is punted so the control lcore answers Packet Too Big.
 * Neighbour discovery, and whatever else is addressed to this box or to the
 * link-scope groups it belongs to, goes to the control lcore. */
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_fib6.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "dataplane/dp.h"
#include "dataplane/esp_classify.h"
#include "dataplane/private.h"


struct v6_pkt {
	struct rte_mbuf *m;
	struct rte_ipv6_hdr *ip;
	uint32_t nh;
	uint32_t out_if;
	bool group;			/* arrived as an Ethernet broadcast/multicast */
	bool nd;			/* an ICMPv6 neighbour discovery message */
};

static bool is_zero(const uint8_t *a, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		if (a[i] != 0)
			return false;
	return true;
}

/* ff02::1 (all nodes), ff02::2 (all routers), or the solicited-node group
 * ff02::1:ffXX:XXXX of one of ifp's addresses. */
static bool link_group_of(const struct fgw_if *ifp, const uint8_t *a)
{
	if (a[0] != 0xff || a[1] != 0x02 || !is_zero(a + 2, 9))
		return false;
	if (a[11] == 0 && a[12] == 0 && a[13] == 0 && a[14] == 0)
		return a[15] == 1 || a[15] == 2;
	if (a[11] != 0x01 || a[12] != 0xff)
		return false;
	return memcmp(a + 13, ifp->ll6.v6 + 13, 3) == 0 ||
	       (ifp->addr6.addr.family == AF_INET6 &&
		memcmp(a + 13, ifp->addr6.addr.v6 + 13, 3) == 0);
}

static bool is_nd(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ip)
{
	const uint8_t *type;

	if (ip->proto != IPPROTO_ICMPV6 ||
	    rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*ip) + 1)
		return false;
	type = rte_pktmbuf_mtod_offset(m, const uint8_t *, RTE_ETHER_HDR_LEN + sizeof(*ip));
	return *type >= FGW_ICMP6_ND_FIRST && *type <= FGW_ICMP6_ND_LAST;
}

/* Stage 1. True when the packet goes on to the FIB. */
static bool ipv6_check(struct fgw_burst *b, struct v6_pkt *p)
{
	struct rte_mbuf *m = p->m;
	uint16_t l3_len = rte_pktmbuf_data_len(m) - RTE_ETHER_HDR_LEN;
	const struct fgw_if *in = &b->dp->ifs[fgw_in_if(b, m)];
	struct rte_ipv6_hdr *ip;
	uint32_t total;

	if (l3_len < sizeof(*ip)) {
		fgw_drop(b, m, FGW_DROP_RUNT);
		return false;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, RTE_ETHER_HDR_LEN);
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6) {
		fgw_drop(b, m, FGW_DROP_IPV6_HEADER);
		return false;
	}
	total = sizeof(*ip) + (uint32_t)rte_be_to_cpu_16(ip->payload_len);
	if (total > l3_len) {
		fgw_drop(b, m, FGW_DROP_RUNT);
		return false;
	}
	if (total < l3_len)
		rte_pktmbuf_trim(m, (uint16_t)(l3_len - total));
	if (fgw_ip6_is_multicast(ip->src_addr) || fgw_ip6_is_loopback(ip->src_addr) ||
	    fgw_ip6_is_v4_mapped(ip->src_addr)) {
		fgw_drop(b, m, FGW_DROP_BAD_SOURCE);
		return false;
	}
	p->ip = ip;
	p->nd = is_nd(m, ip);
	if (fgw_ip6_is_multicast(ip->dst_addr)) {
		if (p->nd)
			fgw_punt(b, m, FGW_PUNT_ND, 0, 0);
		else if (link_group_of(in, ip->dst_addr))
			fgw_punt(b, m, FGW_PUNT_LOCAL, 0, 0);
		else
			fgw_drop(b, m, FGW_DROP_MULTICAST);
		return false;
	}
	if (fgw_ip6_is_link_local(ip->dst_addr)) {
		if (p->nd)
			fgw_punt(b, m, FGW_PUNT_ND, 0, 0);
		else if (memcmp(ip->dst_addr, in->ll6.v6, 16) == 0)
			fgw_punt(b, m, FGW_PUNT_LOCAL, 0, 0);
		else
			fgw_drop(b, m, FGW_DROP_LINK_LOCAL);
		return false;
	}
	if (fgw_ip6_is_unspecified(ip->dst_addr) || fgw_ip6_is_loopback(ip->dst_addr)) {
		fgw_drop(b, m, FGW_DROP_IPV6_HEADER);
		return false;
	}
	return true;
}

/* Stage 3. True when the packet is to be forwarded through p->out_if. */
static bool ipv6_route(struct fgw_burst *b, struct v6_pkt *p)
{
	const struct fgw_dp *dp = b->dp;
	const struct fgw_nexthop *nh = fgw_nh_get(dp, p->nh);
	struct rte_mbuf *m = p->m;
	uint16_t mtu;

	if (nh->type == FGW_NH_LOCAL) {
		fgw_punt(b, m, p->nd ? FGW_PUNT_ND : FGW_PUNT_LOCAL, 0, 0);
		return false;
	}
	/* Never forwarded (RFC 4291 2.5.2 and 2.5.6). */
	if (fgw_ip6_is_unspecified(p->ip->src_addr)) {
		fgw_drop(b, m, FGW_DROP_BAD_SOURCE);
		return false;
	}
	if (fgw_ip6_is_link_local(p->ip->src_addr)) {
		fgw_drop(b, m, FGW_DROP_LINK_LOCAL);
		return false;
	}
	/* Unicast sent to a link-layer group: not forwarded, no ICMP error
	 * (RFC 4443 2.4 (e)). */
	if (p->group) {
		fgw_drop(b, m, FGW_DROP_MULTICAST);
		return false;
	}
	if (nh->type == FGW_NH_BLACKHOLE) {
		fgw_drop(b, m, FGW_DROP_BLACKHOLE);
		return false;
	}
	if (nh->type != FGW_NH_CONNECTED && nh->type != FGW_NH_GATEWAY &&
	    nh->type != FGW_NH_TUNNEL) {
		fgw_punt(b, m, FGW_PUNT_NO_ROUTE, 0, 0);
		return false;
	}
	if (nh->ifindex >= dp->n_ifs || !fgw_nh_up(dp, nh, b->ctx->pub.index)) {
		fgw_drop(b, m, FGW_DROP_IF_DOWN);
		return false;
	}
	if (nh->type != FGW_NH_TUNNEL && dp->ifs[nh->ifindex].kind != FGW_IF_PORT &&
	    dp->ifs[nh->ifindex].kind != FGW_IF_TUNNEL) {
		fgw_drop(b, m, FGW_DROP_BLACKHOLE);
		return false;
	}
	if (p->ip->hop_limits <= 1) {
		fgw_punt(b, m, FGW_PUNT_TTL_EXCEEDED, 0, 0);
		return false;
	}
	mtu = fgw_nh_mtu(dp, nh, b->ctx->pub.index);
	if (sizeof(*p->ip) + rte_be_to_cpu_16(p->ip->payload_len) > mtu) {
		fgw_punt(b, m, FGW_PUNT_FRAG_NEEDED, p->nh, mtu);
		return false;
	}
	p->out_if = nh->ifindex;
	return true;
}

static void ipv6_forward(struct fgw_burst *b, struct v6_pkt *p, const struct rte_ether_addr *mac)
{
	const struct fgw_if *out = &b->dp->ifs[p->out_if];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(p->m, struct rte_ether_hdr *);

	p->ip->hop_limits--;
	eth->dst_addr = *mac;
	eth->src_addr = out->mac;
	fgw_tx(b->ctx, out->port_id, p->m);
	b->stats->forwarded++;
}

/* A fragment for us (fragment header right after the fixed header) that
 * may be ESP or ESP in UDP is reassembled first: ESP protects whole
 * packets. Not from inside a tunnel (no ESP in ESP). False when the
 * fragment was kept or dropped; else p holds the packet, whole. */
static bool ipv6_outer_fragment(struct fgw_burst *b, struct v6_pkt *p)
{
	const struct rte_ipv6_fragment_ext *frag;

	if (p->ip->proto != IPPROTO_FRAGMENT || fgw_nh_get(b->dp, p->nh)->type != FGW_NH_LOCAL ||
	    b->inner || p->group ||
	    rte_pktmbuf_data_len(p->m) < RTE_ETHER_HDR_LEN + sizeof(*p->ip) + sizeof(*frag))
		return true;
	frag = (const struct rte_ipv6_fragment_ext *)(p->ip + 1);
	if (frag->next_header != IPPROTO_ESP && frag->next_header != IPPROTO_UDP)
		return true;
	p->m = fgw_ipv6_reassemble(b, p->m, &p->ip);
	return p->m != NULL;
}

/* A packet for us that is ESP right after the fixed header goes to the
 * tunnel input (not from inside a tunnel: no ESP in ESP). Other extension
 * headers leave it to the control lcore. */
static bool ipv6_is_esp(const struct fgw_burst *b, const struct v6_pkt *p)
{
	if (b->inner || fgw_nh_get(b->dp, p->nh)->type != FGW_NH_LOCAL || p->group)
		return false;
	return fgw_esp_classify(p->m, sizeof(*p->ip), p->ip->proto);
}

void fgw_ipv6_input(struct fgw_burst *b, struct rte_mbuf **pkts, const bool *l2_group,
		    unsigned n)
{
	struct v6_pkt pkt[FGW_MAX_BURST];
	uint8_t dst[FGW_MAX_BURST][RTE_FIB6_IPV6_ADDR_SIZE];
	uint64_t nh[FGW_MAX_BURST];
	struct fgw_neigh_key keys[FGW_MAX_BURST];
	const struct fgw_neigh_key *key_ptrs[FGW_MAX_BURST];
	struct rte_ether_addr macs[FGW_MAX_BURST];
	struct rte_mbuf *esp[FGW_MAX_BURST], *tun[FGW_MAX_BURST];
	uint32_t tun_if[FGW_MAX_BURST];
	bool tun_counts[FGW_MAX_BURST];
	unsigned k = 0, f = 0, n_esp = 0, n_tun = 0;
	uint64_t hits;

	for (unsigned i = 0; i < n; i++) {
		pkt[k].m = pkts[i];
		pkt[k].group = l2_group[i];
		if (!ipv6_check(b, &pkt[k]))
			continue;
		memcpy(dst[k], pkt[k].ip->dst_addr, RTE_FIB6_IPV6_ADDR_SIZE);
		k++;
	}
	if (k == 0)
		return;
	rte_fib6_lookup_bulk(b->dp->fib6, dst, nh, (int)k);
	fgw_nh_prefetch(b->dp, b->ctx->pub.index, nh, k);

	for (unsigned i = 0; i < k; i++) {
		const struct fgw_nexthop *hop;

		pkt[i].nh = (uint32_t)nh[i];
		if (!ipv6_outer_fragment(b, &pkt[i]))
			continue;
		if (ipv6_is_esp(b, &pkt[i])) {
			esp[n_esp++] = pkt[i].m;
			continue;
		}
		if (!ipv6_route(b, &pkt[i]))
			continue;
		if (fgw_nh_into_tunnel(b->dp, fgw_nh_get(b->dp, pkt[i].nh))) {
			pkt[i].ip->hop_limits--;
			tun[n_tun] = pkt[i].m;
			tun_if[n_tun] = pkt[i].out_if;
			tun_counts[n_tun++] = true;
			continue;
		}
		hop = fgw_nh_get(b->dp, pkt[i].nh);
		if (hop->type == FGW_NH_GATEWAY)
			fgw_neigh_key_set(&keys[f], pkt[i].out_if, hop->gw.family, hop->gw.bytes);
		else
			fgw_neigh_key_set(&keys[f], pkt[i].out_if, AF_INET6, pkt[i].ip->dst_addr);
		key_ptrs[f] = &keys[f];
		pkt[f++] = pkt[i];
	}
	if (n_esp != 0)
		fgw_esp_input(b, esp, n_esp);
	if (n_tun != 0)
		fgw_tunnel_output(b, tun, tun_if, tun_counts, n_tun);
	if (f == 0)
		return;
	hits = fgw_neigh_lookup_bulk(&b->ctx->pub, key_ptrs, f, macs);

	for (unsigned i = 0; i < f; i++) {
		if (hits & (1ULL << i))
			ipv6_forward(b, &pkt[i], &macs[i]);
		else
			fgw_punt(b, pkt[i].m, FGW_PUNT_NEIGH_MISS, pkt[i].nh, 0);
	}
}
