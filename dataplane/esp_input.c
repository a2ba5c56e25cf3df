/* Out of a tunnel: ESP for one of our addresses, a burst at a time:
 *   1. the SA from the SPI: one slot of the inbound table and a compare of
 *      the whole SPI (the slot is the SPI's low bits, tunnel.h); a packet
 *      whose SA another worker owns goes to that worker's handoff ring,
 *   2. the burst through fgw_esp_decap (replay window, ICV, padding),
 *   3. GRE removed (GRE tunnels), TCP MSS clamped, and the inner packets
 *      sent through the IPv4/IPv6 path as if received on the tunnel; but
 *      IPv4 out of tunnel mode that takes the way the worker's decrypted
 *      packets last went out of a port (fgw_ipv4_way) goes out from here.
 * The outer frame is the received packet: its inner packet's outcome is
 * its outcome (stats.h). */
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "dataplane/dp.h"
#include "dataplane/ipsec/esp.h"
#include "dataplane/ipv4_fast.h"
#include "dataplane/private.h"
#include "dataplane/tunnel.h"

#define HANDOFF_BURST 32

/* Transport mode (GRE): m is the IP header, then GRE. Checks that the
 * packet came from the tunnel's peer to its source, and strips both;
 * the delivery header's ECN field into *ecn. */
static rte_be16_t gre_decap(const struct fgw_tunnel *t, struct rte_mbuf *m, unsigned *ecn)
{
	const uint8_t *l3 = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned hlen;

	if (t->dst.family == AF_INET) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;

		/* The ESP library checked the header it rewrote. */
		hlen = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
		*ecn = l3[1] & 3;
		if ((l3[0] >> 4) != 4 || ip->next_proto_id != IPPROTO_GRE ||
		    ip->src_addr != t->dst.v4 || ip->dst_addr != t->src.v4)
			return 0;
	} else {
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)l3;

		hlen = sizeof(*ip);
		*ecn = l3[1] >> 4 & 3;
		if ((l3[0] >> 4) != 6 || ip->proto != IPPROTO_GRE ||
		    memcmp(ip->src_addr, t->dst.v6, 16) != 0 ||
		    memcmp(ip->dst_addr, t->src.v6, 16) != 0)
			return 0;
	}
	if (rte_pktmbuf_data_len(m) < hlen)
		return 0;
	rte_pktmbuf_adj(m, (uint16_t)hlen);
	return fgw_gre_pull(t, m);
}

/* RFC 6040 section 4.2 at GRE decapsulation (RFC 9601): the delivery
 * header's ECN field, outer, combined into the inner packet at m, of
 * EtherType type, as ESP's tunnel mode does (fgw_ecn_decap). False when
 * the packet is to be dropped (CE on a not-ECT packet). One too short for
 * its header, or of another version, is left to the IPv4 or IPv6 pass,
 * which drops it. */
static bool gre_ecn(struct rte_mbuf *m, rte_be16_t type, unsigned outer)
{
	uint8_t *ip = rte_pktmbuf_mtod(m, uint8_t *);
	bool v4 = type == RTE_BE16(RTE_ETHER_TYPE_IPV4);
	unsigned inner, shift = v4 ? 0 : 4;
	uint16_t before, after;
	int ecn;

	if (rte_pktmbuf_data_len(m) < (v4 ? sizeof(struct rte_ipv4_hdr) :
				       sizeof(struct rte_ipv6_hdr)) ||
	    ip[0] >> 4 != (v4 ? 4 : 6))
		return true;
	inner = ip[1] >> shift & 3;
	if (inner == outer)	/* the usual packet: unchanged */
		return true;
	ecn = fgw_ecn_decap(outer, inner);
	if (ecn < 0)
		return false;
	memcpy(&before, ip, sizeof(before));
	ip[1] = (uint8_t)((ip[1] & ~(3u << shift)) | (unsigned)ecn << shift);
	if (v4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

		/* the word that holds the ECN field */
		memcpy(&after, ip, sizeof(after));
		h->hdr_checksum = fgw_cksum_update(h->hdr_checksum, before, after);
	}
	return true;
}

/* The inner packets of the burst, from whichever tunnels, through the
 * forwarding path (each names its tunnel, fgw_in_if). IPv4 packets out of
 * tunnel mode (v4) had their header's lengths checked by decapsulation
 * (fgw_ipv4_inner_input); those out of GRE (v4_gre) are checked in full. */
static void inner_forward(struct fgw_burst *b, struct rte_mbuf **v4, unsigned n4,
			  struct rte_mbuf **v4_gre, unsigned n4_gre, struct rte_mbuf **v6,
			  unsigned n6)
{
	static const bool unicast[FGW_MAX_BURST];
	/* Field by field, as fgw_worker_process_burst's: an initializer
	 * zeroes the punt arrays too, which are written before they are
	 * read (n_punt). */
	struct fgw_burst ib;

	ib.dp = b->dp;
	ib.ctx = b->ctx;
	ib.stats = b->stats;
	ib.port = b->port;
	ib.in_if = b->in_if;
	ib.inner = true;
	ib.n_punt = 0;

	if (n4 != 0)
		fgw_ipv4_inner_input(&ib, v4, n4);
	if (n4_gre != 0)
		fgw_ipv4_input(&ib, v4_gre, unicast, n4_gre);
	if (n6 != 0)
		fgw_ipv6_input(&ib, v6, unicast, n6);
	fgw_punt_flush(&ib);
}

/* Where stage 3 puts the inner packets, by the pass they take; and the
 * way out of a port that IPv4 packets out of tunnel mode take with no
 * pass, while none of them is on v4 (so that they leave in order): onto
 * out, sent in one run before the passes. */
struct inner_lists {
	struct rte_mbuf *v4[FGW_CRYPTO_BURST], *v4_gre[FGW_CRYPTO_BURST], *v6[FGW_CRYPTO_BURST];
	unsigned n4, n4_gre, n6;
	struct fgw_ipv4_way way;	/* mtu 0: none */
	struct rte_mbuf *out[FGW_CRYPTO_BURST];
	unsigned n_out;
	uint64_t out_bytes;		/* their frames' */
};

/* Stage 3 for one decrypted packet: the inner packet as the IP packet of
 * an Ethernet frame (its header to be written: inner_frame), its IP
 * length into *len, or false when it was dropped. In tunnel mode ESP
 * checked the inner header (fgw_esp_decap): an IPv4 or IPv6 packet of at
 * least its header's length. The mbuf's fields are read before the
 * stores: the Ethernet header's bytes may alias them for the compiler,
 * which reloaded them after each (callgrind). */
static __rte_always_inline bool inner_prepare(struct fgw_burst *b, struct rte_mbuf *m,
					      const struct fgw_tunnel *t, uint16_t rx_mss,
					      const bool tunnel, uint8_t **ip, bool *v6,
					      uint32_t *len)
{
	rte_be16_t type = 0;
	uint32_t ip_len;
	uint8_t *l3;
	bool is_v6;

	/* The NIC's verdict was on the outer header. */
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	if (!tunnel) {
		unsigned outer_ecn;

		type = gre_decap(t, m, &outer_ecn);
		if (type == 0) {
			fgw_drop(b, m, FGW_DROP_GRE);
			return false;
		}
		if (rte_pktmbuf_data_len(m) < 1) {
			fgw_drop(b, m, FGW_DROP_RUNT);
			return false;
		}
		if (!gre_ecn(m, type, outer_ecn)) {
			fgw_drop(b, m, FGW_DROP_ESP_ECN);
			return false;
		}
	}
	if (rx_mss)
		fgw_mss_clamp(m, 0, rx_mss);
	l3 = rte_pktmbuf_mtod(m, uint8_t *);
	ip_len = m->pkt_len;
	is_v6 = tunnel ? l3[0] >> 4 == 6 : type != RTE_BE16(RTE_ETHER_TYPE_IPV4);
	/* Into the room ESP's headers left: no check of the headroom. */
	m->data_off -= RTE_ETHER_HDR_LEN;
	m->data_len += RTE_ETHER_HDR_LEN;
	m->pkt_len = ip_len + RTE_ETHER_HDR_LEN;
	*ip = l3;
	*v6 = is_v6;
	*len = ip_len;
	return true;
}

/* The frame of a packet for the IPv4 or IPv6 pass, its IP packet at l3:
 * the tunnel it came out of, for punts; the Ethernet header's addresses
 * zero, then the EtherType: two 8-byte stores, the second's last two
 * bytes the type (a memset and a 2-byte store of a selected type: 0.9
 * instructions a packet more, callgrind). */
static __rte_always_inline void inner_frame(struct rte_mbuf *m, uint8_t *l3, bool v6,
					    uint32_t in_if, int meta_off)
{
	uint8_t *eth = l3 - RTE_ETHER_HDR_LEN;
	uint64_t tail = v6 ? RTE_BE64(RTE_ETHER_TYPE_IPV6) : RTE_BE64(RTE_ETHER_TYPE_IPV4);

	RTE_MBUF_DYNFIELD(m, meta_off, struct fgw_punt_meta *)->in_if = in_if;
	memset(eth, 0, 8);
	memcpy(eth + RTE_ETHER_HDR_LEN - 8, &tail, 8);
}

/* Stage 3 for the run of packets on one SA from i on, in a body for its
 * mode: the inner packets onto l, the counters added once. Returns where
 * the run ends. The lists' counts are locals for the loop, which stay in
 * registers across the stores to the packets. */
static __rte_always_inline unsigned inner_run(struct fgw_burst *b, struct rte_mbuf **m,
					      struct fgw_sa *const *sa, const uint8_t *verdict,
					      unsigned i, unsigned k, struct inner_lists *l,
					      const bool tunnel, const bool one)
{
	struct fgw_dp *dp = b->dp;
	const struct fgw_sa *s = sa[i];
	const struct fgw_tunnel *t = dp->tunnels[s->ifindex];
	struct fgw_tunnel_worker *tw = fgw_tunnel_w(dp, s->ifindex, b->ctx->pub.index);
	const uint16_t rx_mss = tw->rx_mss;
	const uint32_t in_if = s->ifindex;
	const int meta_off = dp->punt_meta_offset;
	uint64_t decrypted = 0, drops = 0, packets = 0, bytes = 0;
	/* IPv4 out of tunnel mode or out of GRE: two passes (inner_forward) */
	struct rte_mbuf **v4 = tunnel ? l->v4 : l->v4_gre, **v6 = l->v6;
	unsigned n4 = tunnel ? l->n4 : l->n4_gre, n6 = l->n6, n_out = l->n_out;
	uint64_t out_bytes = 0;

	for (; i < k && (one || sa[i] == s); i++) {
		struct rte_mbuf *f = m[i];
		uint8_t *ip;
		uint32_t len;
		bool is_v6;

		if (verdict[i] != FGW_SA_DROP_NONE) {
			fgw_drop(b, f, fgw_drop_of_sa(verdict[i]));
			continue;
		}
		decrypted++;
		if (!inner_prepare(b, f, t, rx_mss, tunnel, &ip, &is_v6, &len)) {
			drops++;
			continue;
		}
		packets++;
		bytes += len;
		if (tunnel && !is_v6 && n4 == 0 &&
		    fgw_ipv4_way_takes(&l->way, (const struct rte_ipv4_hdr *)ip)) {
			/* the IPv4 pass's fast way, with no pass of its own:
			 * no frame for it (inner_frame), no list */
			fgw_ipv4_way_send(&l->way, (struct rte_ipv4_hdr *)ip);
			l->out[n_out++] = f;
			out_bytes += len + RTE_ETHER_HDR_LEN;
			continue;
		}
		inner_frame(f, ip, is_v6, in_if, meta_off);
		if (is_v6)
			v6[n6++] = f;
		else
			v4[n4++] = f;
	}
	if (tunnel)
		l->n4 = n4;
	else
		l->n4_gre = n4;
	l->n6 = n6;
	l->n_out = n_out;
	l->out_bytes += out_bytes;
	b->stats->decrypted += decrypted;
	tw->rx_drops += drops;
	tw->rx_packets += packets;
	tw->rx_bytes += bytes;
	return i;
}

/* Where frame f's SPI is, or NULL when it is too short to have one. */
static const void *spi_at(struct rte_mbuf *f)
{
	unsigned off = f->l2_len + f->l3_len + f->l4_len;

	if (rte_pktmbuf_data_len(f) < off + FGW_ESP_HDR_LEN)
		return NULL;
	return rte_pktmbuf_mtod_offset(f, const void *, off);
}

/* Stage 0, the tunnels' lines on their way for stage 3: once a run of
 * one SA. */
static void prefetch_tunnel(struct fgw_dp *dp, const struct fgw_sa *s, unsigned me)
{
	if (s->mode == FGW_SA_TRANSPORT)	/* GRE's key, endpoints */
		rte_prefetch0(dp->tunnels[s->ifindex]);
	rte_prefetch0_write(&fgw_tunnel_w(dp, s->ifindex, me)->rx_packets);
}

/* The SPI of frame f in network order into *v; false when f is too short
 * to have one. */
static bool spi_of(struct rte_mbuf *f, rte_be32_t *v)
{
	const void *p = spi_at(f);

	if (p == NULL)
		return false;
	memcpy(v, p, sizeof(*v));
	return true;
}

/* Stage 0 for the frames from the first on that carry its SPI, when the
 * second carries it too (ESP from one peer's SA, the usual chunk; traffic
 * spread over SAs keeps each_sa's prefetches): the SA looked up and
 * checked once, not per frame, and each frame read once. The run also
 * ends at a frame whose header lengths differ from the first's (the
 * tx_offload word that holds them compared whole, not their sum worked
 * out a frame). Returns how many frames went to m, their SA to sa: 0,
 * leaving every frame to each_sa, when the first frame's SA is unknown or
 * another worker's. */
static unsigned lead_run(struct fgw_burst *b, struct rte_mbuf **frames, unsigned n,
			 struct rte_mbuf **m, struct fgw_sa **sa)
{
	unsigned me = b->ctx->pub.index, i, off, need;
	rte_be32_t first, v;
	uint64_t lens;
	struct fgw_sa *s;
	uint32_t spi;

	if (!spi_of(frames[0], &first) || (n > 1 && (!spi_of(frames[1], &v) || v != first)))
		return 0;
	spi = rte_be_to_cpu_32(first);
	s = fgw_sa_slot(b->dp, spi);
	if (s == NULL || s->spi != spi || s->worker != me)
		return 0;
	fgw_sa_prefetch(s);
	prefetch_tunnel(b->dp, s, me);
	lens = frames[0]->tx_offload;
	off = frames[0]->l2_len + frames[0]->l3_len + frames[0]->l4_len;
	need = off + FGW_ESP_HDR_LEN;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *f = frames[i];

		if (f->tx_offload != lens || rte_pktmbuf_data_len(f) < need)
			break;
		memcpy(&v, rte_pktmbuf_mtod_offset(f, const void *, off), sizeof(v));
		if (v != first)
			break;
		/* The Ethernet header off: the frame is longer (need counts
		 * l2_len, which fgw_esp_classify set to the header's length),
		 * so no rte_pktmbuf_adj and its test. */
		f->data_off += RTE_ETHER_HDR_LEN;
		f->data_len -= RTE_ETHER_HDR_LEN;
		f->pkt_len -= RTE_ETHER_HDR_LEN;
		sa[i] = s;
		m[i] = f;
	}
	return i;
}

/* Stage 0 for any frames: each frame's SA from its SPI, the frames dropped
 * or handed off that are not for an SA of this worker; the others to m,
 * their SAs to sa. Returns how many went to m. With many SAs a cache miss
 * or three per frame, taken together: the SPIs and their table slots
 * (one a run of one SPI), then the SAs and their replay windows; the
 * tunnels once the SAs are known to match. */
static unsigned each_sa(struct fgw_burst *b, struct rte_mbuf **frames, unsigned n,
			struct rte_mbuf **m, struct fgw_sa **sa)
{
	struct fgw_dp *dp = b->dp;
	unsigned me = b->ctx->pub.index, k = 0, off = 0;
	uint32_t spi[FGW_CRYPTO_BURST];
	bool runt[FGW_CRYPTO_BURST];
	/* The SPI's offset worked out again only for a frame whose header
	 * lengths (the tx_offload word) differ from the last one's: with
	 * many SAs this loop runs for every frame. A word of 0 is lengths of
	 * 0, the offset's start. */
	uint64_t lens = 0;

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *f = frames[i];
		rte_be32_t v;

		if (f->tx_offload != lens) {
			lens = f->tx_offload;
			off = f->l2_len + f->l3_len + f->l4_len;
		}
		spi[i] = 0;
		runt[i] = rte_pktmbuf_data_len(f) < off + FGW_ESP_HDR_LEN;
		if (runt[i])
			continue;
		memcpy(&v, rte_pktmbuf_mtod_offset(f, const void *, off), sizeof(v));
		spi[i] = rte_be_to_cpu_32(v);
		if (i == 0 || spi[i] != spi[i - 1])
			rte_prefetch0(&dp->sa_in[spi[i] & dp->sa_in_mask]);
	}
	for (unsigned i = 0; i < n; i++) {
		sa[i] = fgw_sa_slot(dp, spi[i]);
		if (sa[i] != NULL && (i == 0 || sa[i] != sa[i - 1])) {
			fgw_sa_prefetch(sa[i]);
		}
	}

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *f = frames[i];
		struct fgw_sa *s = sa[i];

		if (runt[i]) {
			fgw_drop(b, f, FGW_DROP_ESP_TRUNCATED);
			continue;
		}
		if (s == NULL || s->spi != spi[i]) {
			fgw_drop(b, f, FGW_DROP_NO_SA);
			continue;
		}
		if (s->worker != me) {
			/* Its replay window lives with another worker. */
			if (s->worker >= dp->n_workers ||
			    rte_ring_enqueue(dp->workers[s->worker]->handoff, f) != 0) {
				fgw_drop(b, f, FGW_DROP_HANDOFF_FULL);
				continue;
			}
			b->stats->handoff_out++;
			continue;
		}
		/* The Ethernet header off by hand, as lead_run does: the
		 * frame is longer (runt: its offset counts l2_len, which
		 * fgw_esp_classify set to the header's length). */
		f->data_off += RTE_ETHER_HDR_LEN;
		f->data_len -= RTE_ETHER_HDR_LEN;
		f->pkt_len -= RTE_ETHER_HDR_LEN;
		if (k == 0 || s != sa[k - 1])
			prefetch_tunnel(dp, s, me);
		sa[k] = s;
		m[k++] = f;
	}
	return k;
}

static void decap_chunk(struct fgw_burst *b, struct rte_mbuf **frames, unsigned n)
{
	struct rte_mbuf *m[FGW_CRYPTO_BURST];
	struct inner_lists l;
	struct fgw_sa *sa[FGW_CRYPTO_BURST];
	uint8_t verdict[FGW_CRYPTO_BURST];
	unsigned k, lead, i = 0;

	/* Stage 0: a leading run of one SA at once, the rest frame by frame. */
	k = lead = lead_run(b, frames, n, m, sa);
	if (k < n)
		k += each_sa(b, frames + k, n - k, m + k, sa + k);
	if (k == 0)
		return;
	/* The IPv4 or IPv6 pass checked the outer headers; the leading
	 * run is one SA. */
	fgw_esp_decap_received(&b->ctx->crypto, m, sa, k, lead, verdict);
	l.n4 = l.n4_gre = l.n6 = l.n_out = 0;
	l.out_bytes = 0;
	if (!fgw_ipv4_way_get(b, __atomic_load_n(&b->dp->route_gen, __ATOMIC_ACQUIRE), &l.way))
		l.way.mtu = 0;

	/* Stage 3, a run of packets on one SA (so one tunnel) at a time;
	 * the leading run is known to be one. */
	if (lead != 0)
		i = sa[0]->mode == FGW_SA_TUNNEL ? inner_run(b, m, sa, verdict, 0, lead, &l, true, true) :
			inner_run(b, m, sa, verdict, 0, lead, &l, false, true);
	while (i < k)
		i = sa[i]->mode == FGW_SA_TUNNEL ? inner_run(b, m, sa, verdict, i, k, &l, true, false) :
			inner_run(b, m, sa, verdict, i, k, &l, false, false);
	if (l.n_out != 0) {
		fgw_tx_run(b->ctx, l.way.port, l.out, l.n_out, l.out_bytes);
		b->stats->forwarded += l.n_out;
	}
	if (l.n4 + l.n4_gre + l.n6 != 0)
		inner_forward(b, l.v4, l.n4, l.v4_gre, l.n4_gre, l.v6, l.n6);
}

void fgw_esp_input(struct fgw_burst *b, struct rte_mbuf **frames, unsigned n)
{
	for (unsigned off = 0; off < n; off += FGW_CRYPTO_BURST)
		decap_chunk(b, frames + off, RTE_MIN(n - off, (unsigned)FGW_CRYPTO_BURST));
}

unsigned fgw_handoff_drain(struct fgw_worker_ctx *ctx)
{
	struct fgw_worker *w = &ctx->pub;
	struct rte_mbuf *m[HANDOFF_BURST];
	struct fgw_burst b;	/* as inner_forward's, field by field */
	unsigned n;

	n = rte_ring_dequeue_burst(w->handoff, (void **)m, HANDOFF_BURST, NULL);
	if (n == 0)
		return 0;
	w->stats.handoff_in += n;
	b.dp = ctx->dp;
	b.ctx = ctx;
	b.stats = &w->stats;
	b.inner = false;
	b.n_punt = 0;
	/* Punts of the outer frame name its port; the inner packets' name
	 * the tunnel. */
	b.port = m[0]->port;
	b.in_if = b.port < FGW_MAX_PORTS ? ctx->dp->port_if[b.port] : 0;
	fgw_esp_input(&b, m, n);
	fgw_punt_flush(&b);
	return n;
}
