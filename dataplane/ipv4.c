/* IPv4 forwarding (RFC 791, RFC 1812), a burst at a time:
 *   1. check every header; drop what is malformed or martian,
 *   2. look all destinations up in the FIB at once,
 *   3. decide: punt what is ours or needs an ICMP error, drop what must not
 *      be forwarded,
 *   4. look all next hops up in the neighbour cache at once,
 *   5. decrement TTL, rewrite Ethernet, fragment if needed, transmit.
 * A frame whose neighbour is unknown is punted exactly as received: the
 * control lcore resolves the neighbour and finishes the job.
 * Decrypted tunnel-mode packets take the same stages per packet
 * (fgw_ipv4_inner_input): they come a flow at a time, and a packet to the
 * destination the first one went out to needs only its own checks. */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_fib.h>
#include <rte_ip.h>

#include "dataplane/dp.h"
#include "dataplane/esp_classify.h"
#include "dataplane/ipv4_fast.h"
#include "dataplane/private.h"

/* Enough fragments for the largest frame an mbuf holds at the smallest MTU. */
#define MAX_FRAGMENTS 64

/* A packet that survived the checks, on its way to the next stage. */
struct v4_pkt {
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	const struct fgw_nexthop *hop;	/* fgw_nh_get(nh), looked up once */
	uint32_t nh;			/* next-hop id */
	uint32_t out_if;
	uint8_t at;			/* its destination's index in the lookup */
	bool group;			/* arrived as an Ethernet broadcast/multicast */
	bool frag;			/* larger than the egress MTU, DF clear */
};

/* Stage 1 for a received packet: its length and header fields, and its
 * checksum. True when the packet goes on, its header's length in *hlenp;
 * otherwise it has been dropped. */
static bool ipv4_check_received(struct fgw_burst *b, struct rte_mbuf *m,
				struct rte_ipv4_hdr **ipp, unsigned *hlenp)
{
	uint16_t l3_len = rte_pktmbuf_data_len(m) - RTE_ETHER_HDR_LEN;
	struct rte_ipv4_hdr *ip;
	uint16_t hlen, total;
	uint64_t cksum;

	if (l3_len < sizeof(*ip)) {
		fgw_drop(b, m, FGW_DROP_RUNT);
		return false;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	if (likely(ip->version_ihl == RTE_IPV4_VHL_DEF)) {
		/* version 4 without options, the usual header: its 20
		 * bytes are there (l3_len) */
		hlen = sizeof(*ip);
	} else {
		hlen = (uint16_t)((ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) *
				  RTE_IPV4_IHL_MULTIPLIER);
		if ((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip)) {
			fgw_drop(b, m, FGW_DROP_IPV4_HEADER);
			return false;
		}
		if (hlen > l3_len) {
			fgw_drop(b, m, FGW_DROP_RUNT);
			return false;
		}
	}
	total = rte_be_to_cpu_16(ip->total_length);
	if (total > l3_len) {
		fgw_drop(b, m, FGW_DROP_RUNT);
		return false;
	}
	if (total < hlen) {
		fgw_drop(b, m, FGW_DROP_IPV4_HEADER);
		return false;
	}
	/* Short frames arrive padded to the Ethernet minimum. */
	if (total < l3_len)
		rte_pktmbuf_trim(m, l3_len - total);

	/* Not checked by the NIC (a software port's) tested first: one
	 * compare before the sum, not three; GOOD takes three as before. */
	cksum = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (cksum == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN) {
		if (!fgw_ipv4_sum_ok(ip, hlen)) {
			fgw_drop(b, m, FGW_DROP_IPV4_CHECKSUM);
			return false;
		}
	} else if (cksum == RTE_MBUF_F_RX_IP_CKSUM_NONE) {
		/* The NIC checked the header but left the field unfilled. */
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else if (cksum == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
		fgw_drop(b, m, FGW_DROP_IPV4_CHECKSUM);
		return false;
	}
	*ipp = ip;
	*hlenp = hlen;
	return true;
}

uint8_t fgw_ipv4_odd_first_octet[256];

RTE_INIT(odd_first_octet_init)
{
	for (unsigned i = 0; i < RTE_DIM(fgw_ipv4_odd_first_octet); i++) {
		uint32_t a = 0;

		((uint8_t *)&a)[0] = (uint8_t)i;	/* network order */
		fgw_ipv4_odd_first_octet[i] = fgw_ip4_is_martian_source(a);
	}
}

/* ipv4_addrs_ok for a packet with an odd first octet in either address.
 * Out of line: inlined, the octets looked up stayed live in registers
 * for it, three instructions a packet more on the usual path
 * (callgrind). */
static __rte_noinline __rte_cold bool ipv4_addrs_odd(struct fgw_burst *b, struct rte_mbuf *m,
						     const struct rte_ipv4_hdr *ip)
{
	const uint8_t *to = (const uint8_t *)&ip->dst_addr;

	if (fgw_ipv4_odd_first_octet[((const uint8_t *)&ip->src_addr)[0]]) {
		fgw_drop(b, m, FGW_DROP_BAD_SOURCE);
		return false;
	}
	if (!fgw_ipv4_odd_first_octet[to[0]])
		return true;
	if (ip->dst_addr == UINT32_MAX) {
		/* Limited broadcast: for every host on the link, us
		 * included. */
		fgw_punt(b, m, FGW_PUNT_LOCAL, 0, 0);
		return false;
	}
	if ((to[0] >> 4) == 0xe) {
		fgw_drop(b, m, FGW_DROP_MULTICAST);
		return false;
	}
	/* 0/8, 127/8 and 240/4 but the limited broadcast: no packet is ever
	 * sent to these (RFC 1812 4.2.2.11). */
	fgw_drop(b, m, FGW_DROP_IPV4_HEADER);
	return false;
}

/* Stage 1, the addresses: true when the packet goes on to the FIB;
 * otherwise it has been dropped or punted. */
static __rte_always_inline bool ipv4_addrs_ok(struct fgw_burst *b, struct rte_mbuf *m,
					      const struct rte_ipv4_hdr *ip)
{
	const uint8_t *src = (const uint8_t *)&ip->src_addr;
	const uint8_t *to = (const uint8_t *)&ip->dst_addr;

	/* Both addresses ordinary, the usual packet: one test of the two
	 * octets looked up, not the tests below (callgrind, 64 B GCM
	 * outbound: the IPv4 pass 152 -> 141 instructions a packet). */
	if (likely(!(fgw_ipv4_odd_first_octet[src[0]] | fgw_ipv4_odd_first_octet[to[0]])))
		return true;
	return ipv4_addrs_odd(b, m, ip);
}

/* Stage 1. True when the packet goes on to the FIB, its header's length in
 * *hlenp (for fgw_esp_classify: not worked out from the header again);
 * otherwise it has been dropped or punted. */
static bool ipv4_check(struct fgw_burst *b, struct rte_mbuf *m, struct rte_ipv4_hdr **ipp,
		       unsigned *hlenp)
{
	if (!ipv4_check_received(b, m, ipp, hlenp))
		return false;
	return ipv4_addrs_ok(b, m, *ipp);
}

/* Stage 3, what depends on the destination and its next hop alone, before
 * the link-layer check: true when the packet goes on, neither ours nor a
 * directed broadcast. */
static __rte_noinline bool ipv4_not_local(struct fgw_burst *b, const struct v4_pkt *p)
{
	const struct fgw_dp *dp = b->dp;
	const struct fgw_nexthop *nh = p->hop;

	if (nh->type == FGW_NH_LOCAL) {
		fgw_punt(b, p->m, FGW_PUNT_LOCAL, 0, 0);
		return false;
	}
	if ((nh->type == FGW_NH_CONNECTED || nh->type == FGW_NH_GATEWAY) &&
	    nh->ifindex < dp->n_ifs &&
	    fgw_ip4_is_directed_broadcast(&dp->ifs[nh->ifindex].addr4, p->ip->dst_addr)) {
		/* Ours when it arrived on that subnet; directed broadcasts
		 * from elsewhere are not forwarded (RFC 2644). */
		if (nh->ifindex == fgw_in_if(b, p->m))
			fgw_punt(b, p->m, FGW_PUNT_LOCAL, 0, 0);
		else
			fgw_drop(b, p->m, FGW_DROP_MULTICAST);
		return false;
	}
	return true;
}

/* Stage 3, the rest of what depends on the next hop alone: true when it
 * leads out of a port or a tunnel that is up. */
static __rte_noinline bool ipv4_egress_ok(struct fgw_burst *b, const struct v4_pkt *p)
{
	const struct fgw_dp *dp = b->dp;
	const struct fgw_nexthop *nh = p->hop;

	if (nh->type == FGW_NH_BLACKHOLE) {
		fgw_drop(b, p->m, FGW_DROP_BLACKHOLE);
		return false;
	}
	if (nh->type != FGW_NH_CONNECTED && nh->type != FGW_NH_GATEWAY &&
	    nh->type != FGW_NH_TUNNEL) {
		fgw_punt(b, p->m, FGW_PUNT_NO_ROUTE, 0, 0);
		return false;
	}
	if (nh->ifindex >= dp->n_ifs || !fgw_nh_up(dp, nh, b->ctx->pub.index)) {
		fgw_drop(b, p->m, FGW_DROP_IF_DOWN);
		return false;
	}
	if (nh->type == FGW_NH_TUNNEL)
		return true;
	if (dp->ifs[nh->ifindex].kind != FGW_IF_PORT && dp->ifs[nh->ifindex].kind != FGW_IF_TUNNEL) {
		/* A loopback's subnet has nobody behind it but us. */
		fgw_drop(b, p->m, FGW_DROP_BLACKHOLE);
		return false;
	}
	return true;
}

/* Stage 3. True when the packet is to be forwarded through p->out_if.
 * dst_ok: an earlier packet of the burst to the same destination passed
 * the checks of the destination and its next hop, so this one would too:
 * only what depends on the packet itself is checked, against the MTU
 * found for that one, *mtu. Otherwise *mtu is set to the next hop's. */
static __rte_always_inline bool ipv4_route(struct fgw_burst *b, struct v4_pkt *p, bool dst_ok,
					   uint16_t *mtu)
{
	uint16_t total;

	if (!dst_ok && !ipv4_not_local(b, p))
		return false;
	/* A unicast packet that came as a link-layer broadcast or multicast
	 * is neither forwarded nor answered with an ICMP error
	 * (RFC 1812 5.3.4, 4.3.2.7). */
	if (p->group) {
		fgw_drop(b, p->m, FGW_DROP_MULTICAST);
		return false;
	}
	if (!dst_ok && !ipv4_egress_ok(b, p))
		return false;
	if (p->ip->time_to_live <= 1) {
		fgw_punt(b, p->m, FGW_PUNT_TTL_EXCEEDED, 0, 0);
		return false;
	}
	if (!dst_ok)
		*mtu = fgw_nh_mtu(b->dp, p->hop, b->ctx->pub.index);
	total = rte_be_to_cpu_16(p->ip->total_length);
	p->frag = total > *mtu;
	if (p->frag && (p->ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG))) {
		fgw_punt(b, p->m, FGW_PUNT_FRAG_NEEDED, p->nh, *mtu);
		return false;
	}
	p->out_if = p->hop->ifindex;
	return true;
}

/* Stage 5 for a packet that fits out's MTU, neighbour known. Inlined
 * into the loops: a call to ipv4_forward, whose frame holds the
 * fragments' array, costs its prologue and epilogue per packet. */
static __rte_always_inline void ipv4_send(struct fgw_burst *b, struct rte_mbuf *m,
					  struct rte_ipv4_hdr *ip, const struct fgw_if *out,
					  const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	fgw_ipv4_ttl_decrement(ip);
	eth->dst_addr = *mac;
	eth->src_addr = out->mac;
	fgw_tx(b->ctx, out->port_id, m);
	b->stats->forwarded++;
}

/* Stage 5, neighbour known. */
static void ipv4_forward(struct fgw_burst *b, struct v4_pkt *p, const struct rte_ether_addr *mac)
{
	const struct fgw_if *out = &b->dp->ifs[p->out_if];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(p->m, struct rte_ether_hdr *);
	struct rte_mbuf *frags[MAX_FRAGMENTS];
	int n;

	if (!p->frag) {
		ipv4_send(b, p->m, p->ip, out, mac);
		return;
	}
	fgw_ipv4_ttl_decrement(p->ip);
	eth->dst_addr = *mac;
	eth->src_addr = out->mac;
	n = fgw_ipv4_fragment(b->dp, p->m, out->mtu, frags, MAX_FRAGMENTS);
	if (n < 0) {
		b->stats->drop[-n]++;
		return;
	}
	for (int i = 0; i < n; i++)
		fgw_tx(b->ctx, out->port_id, frags[i]);
	b->stats->forwarded++;
	b->stats->fragmented++;
}

/* Stage 5 for a tunnel, a packet larger than its MTU (DF clear): into
 * ESP as fragments, at once. Out of line and cold, as the arrays it
 * needs: in ipv4_to_tunnel they cost its prologue and a call per packet
 * (callgrind, 64 B GCM outbound: 34 instructions a packet). */
static __rte_noinline __rte_cold void ipv4_to_tunnel_fragments(struct fgw_burst *b,
								struct v4_pkt *p)
{
	struct rte_mbuf *frags[MAX_FRAGMENTS];
	uint32_t fifs[MAX_FRAGMENTS];
	bool fcounts[MAX_FRAGMENTS];
	int k;

	k = fgw_ipv4_fragment(b->dp, p->m, fgw_nh_mtu(b->dp, p->hop, b->ctx->pub.index), frags,
			      MAX_FRAGMENTS);
	if (k < 0) {
		b->stats->drop[-k]++;
		return;
	}
	for (int i = 0; i < k; i++) {
		fifs[i] = p->out_if;
		fcounts[i] = i == 0;
	}
	b->stats->fragmented++;
	fgw_tunnel_output(b, frags, fifs, fcounts, (unsigned)k);
}

/* Stage 5 for a tunnel: the packet's TTL lowered; one larger than the
 * MTU goes into ESP as fragments at once. True when it is to go onto the
 * burst's list for the tunnel output. */
static __rte_always_inline bool ipv4_tunnel_ready(struct fgw_burst *b, struct v4_pkt *p)
{
	fgw_ipv4_ttl_decrement(p->ip);
	if (unlikely(p->frag)) {
		ipv4_to_tunnel_fragments(b, p);
		return false;
	}
	return true;
}

/* Stage 5 for a tunnel, onto a list of frames and their tunnels. */
static __rte_always_inline void ipv4_to_tunnel(struct fgw_burst *b, struct v4_pkt *p,
					       struct rte_mbuf **out, uint32_t *ifs, bool *counts,
					       unsigned *n)
{
	if (!ipv4_tunnel_ready(b, p))
		return;
	out[*n] = p->m;
	ifs[*n] = p->out_if;
	counts[(*n)++] = true;
}

/* The frames of a burst into tunnels, in runs into one tunnel each, as
 * fgw_tunnel_output_runs takes them; the last run's end is set when the
 * list is handed over. Its counts and last tunnel are the caller's
 * locals (ipv4_to_tunnel_run is inlined), so that they stay in
 * registers. */
struct tun_runs {
	struct rte_mbuf *m[FGW_MAX_BURST];
	uint32_t run_if[FGW_MAX_BURST];
	uint8_t end[FGW_MAX_BURST];
};

/* Stage 5 for a tunnel, onto the burst's runs: *n frames in *runs runs,
 * the last into *last (UINT32_MAX before the first). */
static __rte_always_inline void ipv4_to_tunnel_run(struct fgw_burst *b, struct v4_pkt *p,
						   struct tun_runs *t, unsigned *n,
						   unsigned *runs, uint32_t *last)
{
	if (!ipv4_tunnel_ready(b, p))
		return;
	if (p->out_if != *last) {
		if (*runs != 0)
			t->end[*runs - 1] = (uint8_t)*n;
		t->run_if[(*runs)++] = p->out_if;
		*last = p->out_if;
	}
	t->m[(*n)++] = p->m;
}

static bool is_fragment(const struct rte_ipv4_hdr *ip)
{
	return ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK);
}

/* A fragment for us that may be ESP (or ESP in UDP) is reassembled first:
 * ESP protects whole packets. Not from inside a tunnel (no ESP in ESP).
 * False when the fragment was kept or dropped; else p holds the packet,
 * whole. */
static bool ipv4_outer_fragment(struct fgw_burst *b, struct v4_pkt *p)
{
	if (b->inner || !is_fragment(p->ip) || p->hop->type != FGW_NH_LOCAL || p->group ||
	    (p->ip->next_proto_id != IPPROTO_ESP && p->ip->next_proto_id != IPPROTO_UDP))
		return true;
	p->m = fgw_ipv4_reassemble(b, p->m, &p->ip);
	return p->m != NULL;
}

/* A packet for us that is ESP goes to the tunnel input, except from
 * inside a tunnel (no ESP in ESP). */
static bool ipv4_is_esp(const struct fgw_burst *b, const struct v4_pkt *p)
{
	/* b->inner first: decrypted packets skip the next-hop load. */
	if (b->inner || p->hop->type != FGW_NH_LOCAL || p->group ||
	    is_fragment(p->ip))
		return false;
	return fgw_esp_classify(p->m, (p->ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) *
				RTE_IPV4_IHL_MULTIPLIER, p->ip->next_proto_id);
}

/* Stage 4: the neighbour a routed packet goes to, the gateway or, on a
 * connected subnet, its destination. */
static void ipv4_neigh_key(const struct v4_pkt *p, struct fgw_neigh_key *key)
{
	const struct fgw_nexthop *hop = p->hop;
	rte_be32_t d = p->ip->dst_addr;

	if (hop->type == FGW_NH_GATEWAY)
		fgw_neigh_key_set(key, p->out_if, hop->gw.family, hop->gw.bytes);
	else
		fgw_neigh_key_set(key, p->out_if, AF_INET, &d);
}

/* Stage 5, neighbour unknown: to the control lcore as received. One that
 * is too big goes as fragments, so that each fits when it is sent. */
static void ipv4_neigh_miss(struct fgw_burst *b, struct v4_pkt *p)
{
	struct rte_mbuf *frags[MAX_FRAGMENTS];
	int n;

	if (!p->frag) {
		fgw_punt(b, p->m, FGW_PUNT_NEIGH_MISS, p->nh, 0);
		return;
	}
	n = fgw_ipv4_fragment(b->dp, p->m, b->dp->ifs[p->out_if].mtu, frags, MAX_FRAGMENTS);
	if (n < 0)
		b->stats->drop[-n]++;
	else
		fgw_punt_all(b, frags, (unsigned)n, FGW_PUNT_NEIGH_MISS, p->nh);
}

void fgw_ipv4_input(struct fgw_burst *b, struct rte_mbuf **pkts, const bool *l2_group,
		    unsigned n)
{
	struct v4_pkt pkt[FGW_MAX_BURST];
	uint32_t dst[FGW_MAX_BURST];
	uint64_t nh[FGW_MAX_BURST];
	const struct fgw_nexthop *hops[FGW_MAX_BURST];
	uint8_t fwd[FGW_MAX_BURST];
	struct fgw_neigh_key keys[FGW_MAX_BURST];
	const struct fgw_neigh_key *key_ptrs[FGW_MAX_BURST];
	struct rte_ether_addr macs[FGW_MAX_BURST];
	struct rte_mbuf *esp[FGW_MAX_BURST];
	struct tun_runs tun;
	unsigned k = 0, u = 0, f = 0, n_esp = 0, n_tun = 0, tun_runs = 0, routed = UINT_MAX;
	/* The destination of the last packet that went to the tunnel input:
	 * ours, and the burst is not from inside a tunnel. */
	unsigned esp_at = UINT_MAX;
	uint32_t tun_last = UINT32_MAX;	/* the tunnel of the last run */
	uint16_t routed_mtu = 0;	/* the MTU out of routed's next hop */
	bool routed_tunnel = false;	/* whether that leads into a tunnel */
	rte_be32_t last_dst = 0;	/* dst[u - 1] as headers hold it */
	uint64_t hits;
	/* Read before the FIB: a generation that changes later only makes
	 * what is remembered under it stale sooner. */
	uint32_t gen = __atomic_load_n(&b->dp->route_gen, __ATOMIC_ACQUIRE);
	/* The burst's ESP to the address of ours the last burst's went to
	 * (FIB unchanged since, the same port) needs no lookup: what
	 * ipv4_is_esp asks of the packet alone, in the first loop (about 30
	 * instructions a packet, callgrind). */
	bool esp_known = !b->inner && b->ctx->esp_gen == gen && b->ctx->esp_port == b->port;
	rte_be32_t esp_dst = b->ctx->esp_dst;

	for (unsigned i = 0; i < n; i++) {
		struct rte_ipv4_hdr *ip;
		unsigned hlen;

		if (!ipv4_check(b, pkts[i], &ip, &hlen))
			continue;
		if (esp_known && ip->dst_addr == esp_dst && !l2_group[i] && !is_fragment(ip) &&
		    fgw_esp_classify(pkts[i], hlen, ip->next_proto_id)) {
			esp[n_esp++] = pkts[i];
			continue;
		}
		pkt[k].m = pkts[i];
		pkt[k].ip = ip;
		pkt[k].group = l2_group[i];
		/* A run of one destination (ESP from one peer, a flow's
		 * packets) is looked up once: about 20 instructions a
		 * lookup against 4 for the comparison (callgrind), the
		 * last destination a local, not loaded and swapped a
		 * packet. */
		if (u == 0 || ip->dst_addr != last_dst) {
			last_dst = ip->dst_addr;
			dst[u++] = rte_be_to_cpu_32(last_dst);
		}
		pkt[k++].at = (uint8_t)(u - 1);
	}
	if (k == 0) {
		if (n_esp != 0)
			fgw_esp_input(b, esp, n_esp);
		return;
	}
	rte_fib_lookup_bulk(b->dp->fib4, dst, nh, u);
	fgw_nh_prefetch(b->dp, b->ctx->pub.index, nh, u);
	for (unsigned j = 0; j < u; j++)
		hops[j] = fgw_nh_get(b->dp, nh[j]);

	for (unsigned i = 0; i < k; i++) {
		struct v4_pkt *p = &pkt[i];
		/* The destination of the last packet routed: its next hop
		 * is neither ours nor closed (ipv4_route). */
		bool dst_ok = p->at == routed;
		const struct fgw_nexthop *hop = hops[p->at];
		uint16_t mtu = routed_mtu;
		bool into_tunnel;

		if (p->at == esp_at && !p->group && !is_fragment(p->ip) &&
		    fgw_esp_classify(p->m, rte_ipv4_hdr_len(p->ip), p->ip->next_proto_id)) {
			/* The next packet of a run of ESP to our address:
			 * what ipv4_is_esp asks of the packet alone (the
			 * next hop's tests once a run; callgrind, 64 B GCM
			 * inbound: 1,339.9 -> 1,326.5 instructions a packet).
			 * Any other packet to it takes the tests below. */
			esp[n_esp++] = p->m;
			continue;
		}
		p->nh = (uint32_t)nh[p->at];
		p->hop = hop;
		if (dst_ok && routed_tunnel) {
			/* The next packet of a run into one tunnel: only its
			 * own checks, and what the run has decided stays
			 * (callgrind, 64 B GCM outbound: 1,148 -> 1,140
			 * instructions a packet). */
			if (ipv4_route(b, p, true, &mtu))
				ipv4_to_tunnel_run(b, p, &tun, &n_tun, &tun_runs, &tun_last);
			continue;
		}
		if (!dst_ok) {
			if (!ipv4_outer_fragment(b, p))
				continue;
			if (ipv4_is_esp(b, p)) {
				esp_at = p->at;
				b->ctx->esp_dst = p->ip->dst_addr;
				b->ctx->esp_gen = gen;
				b->ctx->esp_port = b->port;
				esp[n_esp++] = p->m;
				continue;
			}
		}
		if (!ipv4_route(b, p, dst_ok, &mtu))
			continue;
		into_tunnel = dst_ok ? routed_tunnel : fgw_nh_into_tunnel(b->dp, hop);
		routed = p->at;
		routed_mtu = mtu;
		routed_tunnel = into_tunnel;
		if (into_tunnel) {
			ipv4_to_tunnel_run(b, p, &tun, &n_tun, &tun_runs, &tun_last);
			continue;
		}
		if (f != 0 && (pkt[fwd[f - 1]].at == p->at ||
			       (hop->type == FGW_NH_GATEWAY && pkt[fwd[f - 1]].hop == hop))) {
			/* A run to one destination, or through one gateway (a
			 * tunnel's traffic): one key, which
			 * fgw_neigh_lookup_bulk looks up once. */
			key_ptrs[f] = key_ptrs[f - 1];
		} else {
			ipv4_neigh_key(p, &keys[f]);
			key_ptrs[f] = &keys[f];
		}
		fwd[f++] = (uint8_t)i;
	}
	if (n_esp != 0)
		fgw_esp_input(b, esp, n_esp);
	if (n_tun != 0) {
		tun.end[tun_runs - 1] = (uint8_t)n_tun;
		fgw_tunnel_output_runs(b, tun.m, tun.run_if, tun.end, tun_runs);
	}
	if (f == 0)
		return;
	hits = fgw_neigh_lookup_bulk(&b->ctx->pub, key_ptrs, f, macs);

	for (unsigned i = 0; i < f; i++) {
		if (hits & (1ULL << i))
			ipv4_forward(b, &pkt[fwd[i]], &macs[i]);
		else
			ipv4_neigh_miss(b, &pkt[fwd[i]]);
	}
}

/* Stage 4 and 5 for one packet that ipv4_route let through, out of a
 * port: its neighbour, one key (the worker's last one skips the hash:
 * fgw_neigh_lookup_bulk). True when it went out whole to *mac. */
static bool ipv4_forward_one(struct fgw_burst *b, struct v4_pkt *p, struct rte_ether_addr *mac)
{
	const struct fgw_neigh_key *kp;
	struct fgw_neigh_key key;

	ipv4_neigh_key(p, &key);
	kp = &key;
	if (!(fgw_neigh_lookup_bulk(&b->ctx->pub, &kp, 1, mac) & 1)) {
		ipv4_neigh_miss(b, p);
		return false;
	}
	ipv4_forward(b, p, mac);
	return !p->frag;
}

/* The decrypted packets' way out of a port, as the last one that went
 * out whole left it (fgw_ipv4_inner_input): a packet to its destination
 * that keeps under the MTU and has TTL to spare is sent the same way
 * (fgw_ipv4_way), out of interface out_if. Into a tunnel, the packets on
 * tun, whose output is the pass's last step. */
struct inner_state {
	struct fgw_ipv4_way way;
	uint32_t out_if;
	unsigned n_tun;
	struct rte_mbuf *tun[FGW_MAX_BURST];
	uint32_t tun_if[FGW_MAX_BURST];
	bool tun_counts[FGW_MAX_BURST];
};

/* w: the way to dst through interface out to the neighbour mac. */
static void way_set(struct fgw_ipv4_way *w, rte_be32_t dst, const struct fgw_if *out,
		    const struct rte_ether_addr *mac)
{
	uint8_t eth[RTE_ETHER_HDR_LEN];

	memcpy(eth, mac, RTE_ETHER_ADDR_LEN);
	memcpy(eth + RTE_ETHER_ADDR_LEN, &out->mac, RTE_ETHER_ADDR_LEN);
	eth[12] = RTE_ETHER_TYPE_IPV4 >> 8;
	eth[13] = RTE_ETHER_TYPE_IPV4 & 0xff;
	memcpy(&w->eth_lo, eth, sizeof(w->eth_lo));
	memcpy(&w->eth_hi, eth + 6, sizeof(w->eth_hi));
	w->dst = dst;
	w->mtu = out->mtu;
	w->port = out->port_id;
}

bool fgw_ipv4_way_get(const struct fgw_burst *b, uint32_t route_gen, struct fgw_ipv4_way *w)
{
	const struct fgw_worker_ctx *ctx = b->ctx;
	const struct fgw_if *out;

	if (ctx->inner_way.route_gen != route_gen || ctx->inner_way.neigh_gen != ctx->pub.neigh_gen)
		return false;
	out = &b->dp->ifs[ctx->inner_way.out_if];
	if (!out->up)
		return false;
	way_set(w, ctx->inner_way.dst, out, &ctx->inner_way.mac);
	return true;
}

/* Stages 2-5 for decrypted packets that passed stage 1 (checksum,
 * addresses), in order: the destinations looked up in the FIB at once,
 * then each packet routed in turn; one to the destination the last went
 * out to takes the fast way. Sets st's fast way to the last packet's
 * that went out of a port whole. */
static void inner_route(struct fgw_burst *b, struct rte_mbuf **ok, unsigned k,
			struct inner_state *st)
{
	uint32_t dst[FGW_MAX_BURST];
	uint64_t nh[FGW_MAX_BURST];
	uint8_t at[FGW_MAX_BURST];
	unsigned u = 0;
	/* routed: the destination of the last packet ipv4_route let through
	 * (its own checks and its next hop's passed: a packet to it needs
	 * only its own). */
	rte_be32_t routed = 0;
	uint16_t routed_mtu = 0;	/* the MTU out of routed's next hop */
	uint64_t fast_sent = 0;
	bool routed_valid = false;

	for (unsigned i = 0; i < k; i++) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(ok[i], const struct rte_ipv4_hdr *,
									RTE_ETHER_HDR_LEN);

		if (u == 0 || dst[u - 1] != ip->dst_addr)
			dst[u++] = ip->dst_addr;
		at[i] = (uint8_t)(u - 1);
	}
	for (unsigned j = 0; j < u; j++)
		dst[j] = rte_be_to_cpu_32(dst[j]);
	rte_fib_lookup_bulk(b->dp->fib4, dst, nh, u);
	fgw_nh_prefetch(b->dp, b->ctx->pub.index, nh, u);

	for (unsigned i = 0; i < k; i++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(ok[i], struct rte_ipv4_hdr *,
								  RTE_ETHER_HDR_LEN);
		struct rte_ether_addr mac;
		struct v4_pkt p;
		uint16_t mtu;

		if (ip->dst_addr == st->way.dst && ip->time_to_live > 1 &&
		    rte_be_to_cpu_16(ip->total_length) <= st->way.mtu) {
			fgw_ipv4_way_send(&st->way, ip);
			fgw_tx(b->ctx, st->way.port, ok[i]);
			fast_sent++;
			continue;
		}
		p = (struct v4_pkt){
			.m = ok[i], .ip = ip, .hop = fgw_nh_get(b->dp, nh[at[i]]),
			.nh = (uint32_t)nh[at[i]], .at = at[i],
		};
		mtu = routed_mtu;
		if (!ipv4_route(b, &p, routed_valid && ip->dst_addr == routed, &mtu))
			continue;
		routed = ip->dst_addr;
		routed_mtu = mtu;
		routed_valid = true;
		if (fgw_nh_into_tunnel(b->dp, p.hop)) {
			ipv4_to_tunnel(b, &p, st->tun, st->tun_if, st->tun_counts, &st->n_tun);
			continue;
		}
		if (!ipv4_forward_one(b, &p, &mac))
			continue;
		way_set(&st->way, ip->dst_addr, &b->dp->ifs[p.out_if], &mac);
		st->out_if = p.out_if;
	}
	b->stats->forwarded += fast_sent;
}

/* Stage 1 for a decrypted packet (the checksum and addresses:
 * decapsulation checked the rest, RFC 1812 5.2.2): its header, or NULL
 * when it was dropped or punted. */
static __rte_always_inline struct rte_ipv4_hdr *inner_checked(struct fgw_burst *b,
							      struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  RTE_ETHER_HDR_LEN);

	/* (decapsulation checked the version: 0x45 is the usual header,
	 * whose length needs no working out) */
	if (!fgw_ipv4_sum_ok(ip, ip->version_ihl == RTE_IPV4_VHL_DEF ? sizeof(*ip) :
			     rte_ipv4_hdr_len(ip))) {
		fgw_drop(b, m, FGW_DROP_IPV4_CHECKSUM);
		return NULL;
	}
	if (!ipv4_addrs_ok(b, m, ip))
		return NULL;
	return ip;
}

/* The packets that take the way the worker's decrypted packets last went
 * out of a port are sent at once, one loop a packet without arrays
 * between stages (callgrind, 64 B GCM inbound: the pass 105.1 -> 85.1
 * instructions a packet). That way is kept from burst to burst while the
 * FIB and the neighbour table are unchanged (fgw_ipv4_way_get); without
 * it, the first packet that passes stage 1 is routed on its own
 * (inner_route) and sets it. The first packet that does not take it, and
 * every packet after it, go through inner_route together, in order: a
 * flow's packets leave in order, and traffic to many destinations or into
 * a tunnel keeps one FIB lookup and one tunnel output a burst. */
void fgw_ipv4_inner_input(struct fgw_burst *b, struct rte_mbuf **pkts, unsigned n)
{
	struct rte_mbuf *rest[FGW_MAX_BURST];
	struct inner_state st;
	struct fgw_ipv4_way way;
	unsigned n_rest = 0, i = 0;
	uint64_t sent = 0;
	/* Read before the FIB: a change during the lookups leaves the way
	 * stored below stale, never wrong. */
	uint32_t route_gen = __atomic_load_n(&b->dp->route_gen, __ATOMIC_ACQUIRE);
	uint32_t neigh_gen = b->ctx->pub.neigh_gen;

	st.n_tun = 0;
	if (fgw_ipv4_way_get(b, route_gen, &st.way)) {
		st.out_if = b->ctx->inner_way.out_if;
	} else {
		st.way.dst = 0;
		st.way.mtu = 0;
		st.out_if = 0;
		while (i < n) {
			struct rte_mbuf *m = pkts[i++];

			if (inner_checked(b, m) != NULL) {
				inner_route(b, &m, 1, &st);
				break;
			}
		}
	}
	/* The way in a local: st's address went to inner_route, and the
	 * loop's stores (fgw_tx) would reload it. */
	way = st.way;
	for (; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ipv4_hdr *ip = inner_checked(b, m);

		if (ip == NULL)
			continue;
		if (unlikely(ip->dst_addr != way.dst || ip->time_to_live <= 1 ||
			     rte_be_to_cpu_16(ip->total_length) > way.mtu)) {
			rest[n_rest++] = m;
			i++;
			break;
		}
		fgw_ipv4_way_send(&way, ip);
		fgw_tx(b->ctx, way.port, m);
		sent++;
	}
	b->stats->forwarded += sent;
	for (; i < n; i++)
		if (inner_checked(b, pkts[i]) != NULL)
			rest[n_rest++] = pkts[i];
	if (n_rest != 0)
		inner_route(b, rest, n_rest, &st);
	if (st.way.dst != 0) {
		struct fgw_worker_ctx *ctx = b->ctx;

		ctx->inner_way.dst = st.way.dst;
		ctx->inner_way.out_if = st.out_if;
		memcpy(&ctx->inner_way.mac, &st.way.eth_lo, RTE_ETHER_ADDR_LEN);
		ctx->inner_way.route_gen = route_gen;
		ctx->inner_way.neigh_gen = neigh_gen;
	}
	if (st.n_tun != 0)
		fgw_tunnel_output(b, st.tun, st.tun_if, st.tun_counts, st.n_tun);
}
