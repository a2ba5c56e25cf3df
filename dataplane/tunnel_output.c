/* Into a tunnel: inner packets the FIB sent to a tunnel interface leave as
 * ESP, a burst at a time:
 *   0. per run of frames into one tunnel: this worker's line of the
 *      tunnel (struct fgw_tunnel_worker), then the current SAs are
 *      prefetched, a stage ahead of their use (with many tunnels each
 *      packet brings its own),
 *   1. per run its tunnel's current SA (one atomic load), MSS and kind;
 *      per packet the MSS clamp, for GRE the GRE header and the outer IP
 *      header (ESP transport mode protects that packet),
 *   2. the whole burst through fgw_esp_encap (one IPsec-MB submission),
 *   3. the outer next hop: from the tunnel's cache of it (struct
 *      fgw_outer_hop) while the FIB and neighbours are unchanged, checked
 *      once a run, else outer route and neighbour lookup for the burst,
 *      which refill it; MTU, Ethernet, TX.
 * An outer next hop whose MAC is unknown is punted (NEIGH_MISS) with the
 * finished ESP frame, which the control lcore sends once it resolved. */
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dataplane/dp.h"
#include "dataplane/ipsec/esp.h"
#include "dataplane/private.h"
#include "dataplane/tunnel.h"

/* hop_send_run puts the Ethernet header's words together as this host
 * stores them. */
_Static_assert(RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN, "hop_send_run's header is little-endian");

#define MAX_FRAGMENTS 64
/* Outer TTL / hop limit of GRE packets (IOS sends 255). */
#define GRE_OUTER_TTL 255

struct out_frame {
	struct rte_mbuf *m;
	/* this worker's part of its tunnel: set where the frame leaves the
	 * runs (a drop, fragments, the long way); the cached hop takes it
	 * from the run (callgrind, 64 B GCM outbound: stored for every
	 * frame, 1.9 instructions a packet more) */
	struct fgw_tunnel_worker *tw;
	uint32_t inner_len;
	uint32_t nh;			/* outer next hop */
	uint32_t port_if;
	bool counts;
};

/* Counts the end of a frame that did not make it. */
static void out_drop(struct fgw_burst *b, struct out_frame *f, enum fgw_drop_reason why)
{
	f->tw->tx_drops++;
	if (f->counts)
		fgw_drop(b, f->m, why);
	else
		rte_pktmbuf_free(f->m);
}

/* The outer IPv4/IPv6 header of a GRE packet, in front of the GRE header. */
static void outer_push(struct fgw_burst *b, const struct fgw_tunnel *t, struct rte_mbuf *m,
		       uint8_t tos)
{
	if (t->dst.family == AF_INET) {
		struct rte_ipv4_hdr *ip =
			(struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*ip));

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = tos;
		ip->total_length = rte_cpu_to_be_16((uint16_t)m->pkt_len);
		ip->packet_id = rte_cpu_to_be_16(b->ctx->ip_id++);
		ip->fragment_offset = 0;
		ip->time_to_live = GRE_OUTER_TTL;
		ip->next_proto_id = IPPROTO_GRE;
		ip->src_addr = t->src.v4;
		ip->dst_addr = t->dst.v4;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip =
			(struct rte_ipv6_hdr *)rte_pktmbuf_prepend(m, sizeof(*ip));

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tos << 20);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(m->pkt_len - sizeof(*ip)));
		ip->proto = IPPROTO_GRE;
		ip->hop_limits = GRE_OUTER_TTL;
		memcpy(ip->src_addr, t->src.v6, 16);
		memcpy(ip->dst_addr, t->dst.v6, 16);
	}
}

/* The inner packet's DSCP and ECN byte. */
static uint8_t inner_tos(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if ((p[0] >> 4) == 4)
		return p[1];
	return (uint8_t)((p[0] & 0x0f) << 4 | p[1] >> 4);
}

/* Stage 1 for GRE: the GRE header and the outer IP header, with room
 * left for what transport-mode ESP inserts after it (UDP, ESP header,
 * IV) and the Ethernet header. */
static bool gre_prepare(struct fgw_burst *b, struct out_frame *f, const struct fgw_tunnel *t,
			rte_be16_t type)
{
	struct rte_mbuf *m = f->m;
	unsigned need = fgw_gre_hdr_len(t) +
		(t->dst.family == AF_INET ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr)) +
		sizeof(struct rte_udp_hdr) + FGW_ESP_HDR_LEN + 16 + RTE_ETHER_HDR_LEN;
	uint8_t tos;

	if (rte_pktmbuf_headroom(m) < need) {
		out_drop(b, f, FGW_DROP_ESP_NO_ROOM);
		return false;
	}
	tos = inner_tos(m);
	fgw_gre_push(t, m, type);
	outer_push(b, t, m, tos);
	return true;
}

/* Stage 1 for a frame of tunnel ifindex, which has an SA: mss and gre
 * are the tunnel's, read once for its run of frames. True when the
 * frame goes on to ESP; f->m then starts at the packet ESP protects. */
static __rte_always_inline bool tunnel_prepare(struct fgw_burst *b, struct out_frame *f,
					       struct fgw_tunnel_worker *tw, uint32_t ifindex,
					       uint16_t mss, bool gre)
{
	struct rte_mbuf *m = f->m;
	rte_be16_t type = 0;

	/* Fragments of an inner packet come chained to the original's data;
	 * ESP works on one segment (the header mbuf has room for it all). */
	if (m->nb_segs != 1 && rte_pktmbuf_linearize(m) < 0) {
		f->tw = tw;
		out_drop(b, f, FGW_DROP_FRAGMENT);
		return false;
	}
	if (gre)
		type = rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type;
	/* rte_pktmbuf_adj without its test of the length: every frame here
	 * holds an IP header after its Ethernet one (the IP passes read it;
	 * the control lcore's, fgw_tunnel_inject in tunnel.h). Callgrind,
	 * GCM outbound, 64 B and 1420 B: 3.9 instructions a packet. */
	m->data_off += RTE_ETHER_HDR_LEN;
	m->data_len -= RTE_ETHER_HDR_LEN;
	m->pkt_len -= RTE_ETHER_HDR_LEN;
	f->inner_len = m->pkt_len;
	if (mss)
		fgw_mss_clamp(m, 0, mss);
	if (!gre)
		return true;
	f->tw = tw;
	return gre_prepare(b, f, b->dp->tunnels[ifindex], type);
}

/* Stage 1 for frames [i, j), all into tunnel ifindex: appended to f
 * and m from *k on. plain: the tunnel neither clamps the MSS nor is
 * GRE, a constant at the call that drops those tests from the loop
 * (callgrind, 64 B GCM outbound, with the SA tested once a run:
 * output_chunk beyond the encap 128 -> 112 instructions a packet). */
static __rte_always_inline void prepare_run(struct fgw_burst *b, struct rte_mbuf **frames,
					    const bool *counts, unsigned i, unsigned j,
					    struct fgw_tunnel_worker *tw, uint32_t ifindex,
					    struct out_frame *f, struct rte_mbuf **m, unsigned *k,
					    const bool plain)
{
	uint16_t mss = plain ? 0 : tw->mss;
	bool gre = !plain && tw->kind == FGW_TUNNEL_GRE;
	/* the next frame's slots as pointers, not f and m indexed by *k
	 * (callgrind, GCM outbound, 64 B and 1420 B: 4.0 instructions a
	 * packet) */
	struct out_frame *o = f + *k;
	struct rte_mbuf **mo = m + *k;

	for (; i < j; i++) {
		/* inner_len is tunnel_prepare's; tw, nh and port_if are set
		 * where the frame leaves the run */
		o->m = frames[i];
		o->counts = counts[i];
		if (!tunnel_prepare(b, o, tw, ifindex, mss, gre))
			continue;
		*mo++ = o->m;
		o++;
	}
	*k = (unsigned)(o - f);
}

/* Stage 3, after the burst's FIB lookups: the outer next hop id. True
 * when the frame can go out of port f->port_if; then f->m is an Ethernet
 * frame and key the neighbour to look up. */
static bool outer_route(struct fgw_burst *b, struct out_frame *f, uint64_t id,
			struct fgw_neigh_key *key)
{
	const struct fgw_dp *dp = b->dp;
	struct rte_mbuf *m = f->m;
	const uint8_t *l3 = rte_pktmbuf_mtod(m, const uint8_t *);
	bool v4 = (l3[0] >> 4) == 4;
	const struct fgw_nexthop *nh = fgw_nh_get(dp, id);
	const struct fgw_if *out;
	struct rte_ether_hdr *eth;

	if ((nh->type != FGW_NH_CONNECTED && nh->type != FGW_NH_GATEWAY) ||
	    nh->ifindex >= dp->n_ifs || dp->ifs[nh->ifindex].kind != FGW_IF_PORT) {
		out_drop(b, f, FGW_DROP_OUTER_NO_ROUTE);
		return false;
	}
	out = &dp->ifs[nh->ifindex];
	if (!out->up) {
		out_drop(b, f, FGW_DROP_IF_DOWN);
		return false;
	}
	if (nh->type == FGW_NH_GATEWAY)
		fgw_neigh_key_set(key, nh->ifindex, nh->gw.family, nh->gw.bytes);
	else if (v4)
		fgw_neigh_key_set(key, nh->ifindex, AF_INET,
				  &((const struct rte_ipv4_hdr *)l3)->dst_addr);
	else
		fgw_neigh_key_set(key, nh->ifindex, AF_INET6,
				  ((const struct rte_ipv6_hdr *)l3)->dst_addr);
	f->nh = (uint32_t)id;
	f->port_if = nh->ifindex;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	memset(&eth->dst_addr, 0, sizeof(eth->dst_addr));
	eth->src_addr = out->mac;
	eth->ether_type = v4 ? RTE_BE16(RTE_ETHER_TYPE_IPV4) : RTE_BE16(RTE_ETHER_TYPE_IPV6);
	return true;
}

/* The outer destinations of k encrypted packets looked up in the FIBs, a
 * family at a time. */
static void outer_lookup(struct fgw_burst *b, const struct out_frame *f, unsigned k,
			 uint64_t *id)
{
	uint32_t dst4[FGW_CRYPTO_BURST];
	uint8_t dst6[FGW_CRYPTO_BURST][RTE_FIB6_IPV6_ADDR_SIZE];
	uint64_t nh4[FGW_CRYPTO_BURST], nh6[FGW_CRYPTO_BURST];
	uint8_t at4[FGW_CRYPTO_BURST], at6[FGW_CRYPTO_BURST];
	unsigned n4 = 0, n6 = 0;

	for (unsigned i = 0; i < k; i++) {
		const uint8_t *l3 = rte_pktmbuf_mtod(f[i].m, const uint8_t *);

		id[i] = 0;
		if ((l3[0] >> 4) == 4) {
			dst4[n4] = rte_be_to_cpu_32(((const struct rte_ipv4_hdr *)l3)->dst_addr);
			at4[n4++] = (uint8_t)i;
		} else {
			memcpy(dst6[n6], ((const struct rte_ipv6_hdr *)l3)->dst_addr, 16);
			at6[n6++] = (uint8_t)i;
		}
	}
	if (n4 != 0)
		rte_fib_lookup_bulk(b->dp->fib4, dst4, nh4, n4);
	if (n6 != 0)
		rte_fib6_lookup_bulk(b->dp->fib6, dst6, nh6, (int)n6);
	for (unsigned i = 0; i < n4; i++)
		id[at4[i]] = nh4[i];
	for (unsigned i = 0; i < n6; i++)
		id[at6[i]] = nh6[i];
}

/* An Identification for the outer IPv6 packet we fragment: a counter per
 * worker, the worker's index in the low bits so that two workers sending
 * to one peer never pick the same. */
static uint32_t frag_id6(struct fgw_worker_ctx *ctx)
{
	return ctx->frag_id6++ * FGW_DP_MAX_WORKERS + ctx->pub.index;
}

/* A frame that left as one or more frames. */
static void outer_sent(struct fgw_burst *b, struct out_frame *f)
{
	f->tw->tx_packets++;
	f->tw->tx_bytes += f->inner_len;
	b->stats->encrypted++;
	if (f->counts)
		b->stats->forwarded++;
}

/* Stage 3 for an outer packet larger than the egress MTU (the tunnel MTU
 * keeps that rare). We are the source of the outer packet: IPv6 fragments
 * it (RFC 8200 4.5; RFC 2473 section 7 has the tunnel entry point do so),
 * IPv4 unless DF is set. Out of line and cold: with it inside
 * outer_tx (then outer_send), the fragments' array and the call's prologue were paid
 * per packet (callgrind, 64 B GCM outbound: 85 instructions a packet in
 * outer_send itself). */
static __rte_noinline __rte_cold void outer_send_fragments(struct fgw_burst *b,
							   struct out_frame *f,
							   const struct fgw_if *out)
{
	struct rte_mbuf *m = f->m;
	struct rte_mbuf *frags[MAX_FRAGMENTS];
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	int n;

	if ((ip->version_ihl >> 4) == 6) {
		n = fgw_ipv6_fragment(b->dp, m, out->mtu, frag_id6(b->ctx), frags, MAX_FRAGMENTS);
	} else if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) {
		out_drop(b, f, FGW_DROP_OUTER_TOO_BIG);
		return;
	} else {
		n = fgw_ipv4_fragment(b->dp, m, out->mtu, frags, MAX_FRAGMENTS);
	}
	if (n < 0) {
		f->tw->tx_drops++;
		if (f->counts)
			b->stats->drop[-n]++;
		return;
	}
	for (int i = 0; i < n; i++)
		fgw_tx(b->ctx, out->port_id, frags[i]);
	outer_sent(b, f);
}

/* Stage 3, neighbour known: transmit, fragmented when the egress MTU asks
 * for it. True when the frame went out whole: the caller counts it
 * (outer_sent), as outer_send_fragments counts the fragmented ones. */
static __rte_always_inline bool outer_tx(struct fgw_burst *b, struct out_frame *f,
					 const struct fgw_if *out, const struct rte_ether_addr *mac)
{
	struct rte_mbuf *m = f->m;

	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = *mac;
	if (unlikely(m->pkt_len - RTE_ETHER_HDR_LEN > out->mtu)) {
		outer_send_fragments(b, f, out);
		return false;
	}
	fgw_tx(b->ctx, out->port_id, m);
	return true;
}

/* The egress interface of the next hop tw last used, while that entry is
 * still right and the port up (else NULL: the long way, which counts
 * a port that is down). */
static const struct fgw_if *hop_valid(const struct fgw_burst *b,
				      const struct fgw_tunnel_worker *tw, uint32_t route_gen)
{
	const struct fgw_outer_hop *hop = &tw->hop;
	const struct fgw_if *out;

	if (hop->route_gen != route_gen || hop->neigh_gen != b->ctx->pub.neigh_gen)
		return NULL;
	out = &b->dp->ifs[hop->port_if];
	return out->up ? out : NULL;
}

/* The frames stage 3 sends from the cache, gathered over the chunk's
 * runs while they go out of one port: one fgw_tx_run and one add to the
 * worker's encrypted and forwarded counters a chunk, not a run (with
 * many tunnels a run is a packet; callgrind, 64 B GCM outbound, 100,000
 * SAs: see the bench README, session 19). */
struct tx_pend {
	struct rte_mbuf *m[FGW_CRYPTO_BURST];
	unsigned n;
	uint16_t port;
	uint64_t bytes, sent, forwarded;
};

static void tx_pend_flush(struct fgw_burst *b, struct tx_pend *t)
{
	fgw_tx_run(b->ctx, t->port, t->m, t->n, t->bytes);
	t->n = 0;
	t->bytes = 0;
}

/* Stage 3 from the cache for frames [i, j), all of tunnel tw, whose
 * next hop goes out of `out`, and the ones ESP dropped among them:
 * onto t, counted per run, not per frame. clean: ESP dropped none of
 * them, a constant at each call (hop_send) that takes the verdict test
 * out of the loop. */
static __rte_always_inline void hop_send_run(struct fgw_burst *b, struct out_frame *f,
					     const uint8_t *verdict, unsigned i, unsigned j,
					     struct fgw_tunnel_worker *tw, const struct fgw_if *out,
					     struct tx_pend *t, const bool clean)
{
	/* t's fields in registers for the loop, stored once a run */
	uint64_t sent = 0, bytes = 0, forwarded = t->forwarded, tx_bytes = t->bytes;
	unsigned n = t->n;
	rte_be16_t type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	uint32_t dst_lo, src_lo;
	uint16_t dst_hi, src_hi;
	uint64_t head, tail;
	unsigned x = i, mtu = out->mtu;

	/* The run's frames join those of the port before it, else those
	 * leave first. */
	if (t->port != out->port_id) {
		if (n != 0)
			tx_pend_flush(b, t);
		n = 0;
		tx_bytes = 0;
		t->port = out->port_id;
	}
	/* The outer IP version, one for the run: its frames went out
	 * through one SA (tunnel mode: the SA's outer header) of one tunnel
	 * (transport mode: the tunnel's GRE outer header). Read from the
	 * first frame ESP let through, not per frame (callgrind, 64 B GCM
	 * outbound: 8 instructions a packet). */
	while (!clean && x < j && verdict[x] != FGW_SA_DROP_NONE)
		x++;
	if (x < j && (rte_pktmbuf_mtod(f[x].m, const uint8_t *)[0] >> 4) != 4)
		type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	/* So the run's Ethernet header is the same 14 bytes for every
	 * frame: two overlapping 8-byte stores, [0, 8) and [6, 14), their
	 * words put together in registers. (Built in a 14-byte array, each
	 * 8-byte load of it spanned two smaller stores, which the CPU does
	 * not forward: it waited for them to reach L1, once a run, and with
	 * many tunnels a run is a packet.) */
	memcpy(&dst_lo, &tw->hop.mac.addr_bytes[0], sizeof(dst_lo));
	memcpy(&dst_hi, &tw->hop.mac.addr_bytes[4], sizeof(dst_hi));
	memcpy(&src_lo, &out->mac.addr_bytes[0], sizeof(src_lo));
	memcpy(&src_hi, &out->mac.addr_bytes[4], sizeof(src_hi));
	head = dst_lo | (uint64_t)dst_hi << 32 | (uint64_t)(uint16_t)src_lo << 48;
	tail = src_lo | (uint64_t)src_hi << 32 | (uint64_t)type << 48;
	for (; i < j; i++) {
		struct rte_mbuf *m = f[i].m;
		uint32_t len;
		uint8_t *eth;

		if (!clean && verdict[i] != FGW_SA_DROP_NONE) {
			f[i].tw = tw;
			out_drop(b, &f[i], fgw_drop_of_sa(verdict[i]));
			continue;
		}
		/* ESP left the room (its headroom check counts the
		 * Ethernet header): no rte_pktmbuf_prepend and its test. */
		len = m->pkt_len;
		m->data_off -= RTE_ETHER_HDR_LEN;
		m->data_len += RTE_ETHER_HDR_LEN;
		m->pkt_len = len + RTE_ETHER_HDR_LEN;
		eth = rte_pktmbuf_mtod(m, uint8_t *);
		memcpy(eth, &head, sizeof(head));
		memcpy(eth + RTE_ETHER_HDR_LEN - sizeof(tail), &tail, sizeof(tail));
		if (unlikely(len > mtu)) {
			/* the frames before it leave first */
			t->n = n;
			t->bytes = tx_bytes;
			if (n != 0)
				tx_pend_flush(b, t);
			n = 0;
			tx_bytes = 0;
			f[i].tw = tw;
			outer_send_fragments(b, &f[i], out);
			continue;
		}
		t->m[n++] = m;
		tx_bytes += len + RTE_ETHER_HDR_LEN;
		sent++;
		bytes += f[i].inner_len;
		forwarded += f[i].counts;
	}
	t->n = n;
	t->bytes = tx_bytes;
	t->forwarded = forwarded;
	t->sent += sent;
	tw->tx_packets += sent;
	tw->tx_bytes += bytes;
}

static void hop_send(struct fgw_burst *b, struct out_frame *f, const uint8_t *verdict,
		     unsigned i, unsigned j, struct fgw_tunnel_worker *tw,
		     const struct fgw_if *out, struct tx_pend *t)
{
	if (fgw_esp_all_sent(verdict + i, j - i))
		hop_send_run(b, f, verdict, i, j, tw, out, t, true);
	else
		hop_send_run(b, f, verdict, i, j, tw, out, t, false);
}

/* Stage 3 the long way, for the frames the cache did not serve: outer
 * FIB lookups, route checks, neighbour lookups; each hit refills its
 * tunnel's cache with the generations read before the lookups (a change
 * during them leaves the entry stale, never wrong). */
static void route_send(struct fgw_burst *b, struct out_frame *f, unsigned k,
		       uint32_t route_gen, uint32_t neigh_gen)
{
	struct fgw_neigh_key keys[FGW_CRYPTO_BURST];
	const struct fgw_neigh_key *key_ptrs[FGW_CRYPTO_BURST];
	struct rte_ether_addr macs[FGW_CRYPTO_BURST];
	uint64_t id[FGW_CRYPTO_BURST];
	unsigned r = 0;
	uint64_t hits;

	outer_lookup(b, f, k, id);
	for (unsigned i = 0; i < k; i++) {
		if (!outer_route(b, &f[i], id[i], &keys[r]))
			continue;
		key_ptrs[r] = &keys[r];
		f[r++] = f[i];
	}
	hits = fgw_neigh_lookup_bulk(&b->ctx->pub, key_ptrs, r, macs);
	for (unsigned i = 0; i < r; i++) {
		if (hits & (1ULL << i)) {
			struct fgw_outer_hop *hop = &f[i].tw->hop;

			hop->port_if = f[i].port_if;
			hop->mac = macs[i];
			hop->route_gen = route_gen;
			hop->neigh_gen = neigh_gen;
			if (outer_tx(b, &f[i], &b->dp->ifs[f[i].port_if], &macs[i]))
				outer_sent(b, &f[i]);
			continue;
		}
		/* the tunnel's, as the SA counted it: the control lcore sends it
		 * once the MAC is known, so #pkts encaps agrees with the SA's */
		f[i].tw->tx_packets++;
		f[i].tw->tx_bytes += f[i].inner_len;
		b->stats->encrypted++;
		if (f[i].counts)
			fgw_punt(b, f[i].m, FGW_PUNT_NEIGH_MISS, f[i].nh, 0);
		else
			fgw_punt_uncounted(b, f[i].m, FGW_PUNT_NEIGH_MISS, f[i].nh);
	}
}

/* Frames in runs into one tunnel each (run_if, end: as
 * fgw_tunnel_output_runs), at most FGW_CRYPTO_BURST of them. */
static void output_chunk(struct fgw_burst *b, struct rte_mbuf **frames, const bool *counts,
			 const uint32_t *run_if, const uint8_t *end, unsigned runs)
{
	struct fgw_dp *dp = b->dp;
	unsigned me = b->ctx->pub.index;
	struct out_frame f[FGW_CRYPTO_BURST];
	struct rte_mbuf *m[FGW_CRYPTO_BURST];
	uint8_t verdict[FGW_CRYPTO_BURST];
	/* Per run of frames into one tunnel: where it ends among those
	 * that go to ESP, the tunnel's line for this worker, its SA. What
	 * is the tunnel's is read and checked once a run. The runs that
	 * have frames for ESP go to it as they are (enc_sa, enc_end). */
	uint8_t esp_end[FGW_CRYPTO_BURST], enc_end[FGW_CRYPTO_BURST];
	struct fgw_tunnel_worker *tws[FGW_CRYPTO_BURST];
	struct fgw_sa *sas[FGW_CRYPTO_BURST], *enc_sa[FGW_CRYPTO_BURST];
	uint32_t route_gen = __atomic_load_n(&dp->route_gen, __ATOMIC_ACQUIRE);
	uint32_t neigh_gen = b->ctx->pub.neigh_gen;
	struct tx_pend t;
	unsigned k = 0, slow = 0, enc_runs = 0;
	bool clean;

	/* Stage 0: this worker's line of each tunnel, then (a loop later,
	 * once those arrived) each SA. */
	for (unsigned r = 0; r < runs; r++) {
		tws[r] = fgw_tunnel_w(dp, run_if[r], me);
		rte_prefetch0(tws[r]);
	}
	for (unsigned r = 0; r < runs; r++) {
		sas[r] = fgw_tunnel_sa(tws[r]);
		if (sas[r] != NULL && (r == 0 || sas[r] != sas[r - 1]))
			fgw_sa_prefetch(sas[r]);
	}
	for (unsigned r = 0, i = 0; r < runs; i = end[r++]) {
		struct fgw_tunnel_worker *tw = tws[r];

		if (sas[r] == NULL) {
			for (unsigned j = i; j < end[r]; j++) {
				f[k] = (struct out_frame){ .m = frames[j], .tw = tw,
							   .counts = counts[j] };
				out_drop(b, &f[k], FGW_DROP_NO_SA);
			}
		} else if (tw->mss == 0 && tw->kind != FGW_TUNNEL_GRE) {
			/* A run of one frame (with many tunnels, most
			 * of them) without the loop: i + 1 a constant
			 * beside i unrolls it (callgrind, see the bench
			 * README, session 19) */
			if (end[r] - i == 1)
				prepare_run(b, frames, counts, i, i + 1, tw, run_if[r], f, m, &k,
					    true);
			else
				prepare_run(b, frames, counts, i, end[r], tw, run_if[r], f, m, &k,
					    true);
		} else {
			prepare_run(b, frames, counts, i, end[r], tw, run_if[r], f, m, &k, false);
		}
		if (k != (r == 0 ? 0 : esp_end[r - 1])) {
			enc_sa[enc_runs] = sas[r];
			enc_end[enc_runs++] = (uint8_t)k;
		}
		esp_end[r] = (uint8_t)k;
	}
	if (k == 0)
		return;
	/* ESP dropped none of the chunk's frames: every run is clean,
	 * known once a chunk, not tested once a run */
	clean = fgw_esp_encap_runs(&b->ctx->crypto, m, enc_sa, enc_end, enc_runs, verdict);

	/* Stage 3, a run of one tunnel at a time: from its cached next hop
	 * when that is still right, else the long way below. */
	t.n = 0;
	t.port = UINT16_MAX;
	t.bytes = t.sent = t.forwarded = 0;
	for (unsigned r = 0, i = 0; r < runs; i = esp_end[r++]) {
		const struct fgw_if *out;

		if (i == esp_end[r])
			continue;
		out = hop_valid(b, tws[r], route_gen);
		if (out != NULL) {
			if (!clean)
				hop_send(b, f, verdict, i, esp_end[r], tws[r], out, &t);
			else if (esp_end[r] - i == 1)
				hop_send_run(b, f, verdict, i, i + 1, tws[r], out, &t, true);
			else
				hop_send_run(b, f, verdict, i, esp_end[r], tws[r], out, &t, true);
			continue;
		}
		for (unsigned x = i; x < esp_end[r]; x++) {
			f[x].tw = tws[r];
			if (verdict[x] != FGW_SA_DROP_NONE)
				out_drop(b, &f[x], fgw_drop_of_sa(verdict[x]));
			else
				f[slow++] = f[x];
		}
	}
	if (t.n != 0)
		tx_pend_flush(b, &t);
	b->stats->encrypted += t.sent;
	b->stats->forwarded += t.forwarded;
	if (slow != 0)
		route_send(b, f, slow, route_gen, neigh_gen);
}

void fgw_tunnel_output(struct fgw_burst *b, struct rte_mbuf **frames, const uint32_t *ifs,
		       const bool *counts, unsigned n)
{
	for (unsigned off = 0; off < n; off += FGW_CRYPTO_BURST) {
		unsigned c = RTE_MIN(n - off, (unsigned)FGW_CRYPTO_BURST), runs = 0;
		uint32_t run_if[FGW_CRYPTO_BURST];
		uint8_t end[FGW_CRYPTO_BURST];

		for (unsigned i = 0, j; i < c; i = j) {
			for (j = i + 1; j < c && ifs[off + j] == ifs[off + i]; j++)
				;
			run_if[runs] = ifs[off + i];
			end[runs++] = (uint8_t)j;
		}
		output_chunk(b, frames + off, counts + off, run_if, end, runs);
	}
}

/* Every frame of fgw_tunnel_output_runs counts; they are one chunk. */
_Static_assert(FGW_MAX_BURST <= FGW_CRYPTO_BURST, "fgw_tunnel_output_runs takes one chunk");
static const bool all_count[FGW_CRYPTO_BURST] = { [0 ... FGW_CRYPTO_BURST - 1] = true };

void fgw_tunnel_output_runs(struct fgw_burst *b, struct rte_mbuf **frames,
			    const uint32_t *run_if, const uint8_t *end, unsigned runs)
{
	output_chunk(b, frames, all_count, run_if, end, runs);
}
