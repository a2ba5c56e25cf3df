/* What the data-plane files share with each other and with nobody else: a
 * worker's private state, the per-burst context the stages pass along, and
 * the set-up helpers dp.c calls. */
#ifndef FGW_DP_PRIVATE_H
#define FGW_DP_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "common/sa.h"
#include "dataplane/dp.h"
#include "dataplane/ipsec/crypto.h"
#include "dataplane/tunnel.h"

/* port_if[] of a DPDK port that is none of ours. */
#define FGW_IF_NONE UINT32_MAX

/* ---- a worker --------------------------------------------------------- */

/* One worker's TX queue on one port, behind an rte_eth_dev_tx_buffer. */
struct fgw_txq {
	struct rte_eth_dev_tx_buffer *buf;
	struct fgw_worker_stats *stats;		/* where refused frames are counted */
	uint16_t port;
};

/* neigh.c's key: compared and hashed as bytes (so every byte is set,
 * padding included); 8-byte aligned and sized because rte_hash_crc reads 8
 * bytes at a time. */
struct fgw_neigh_key {
	uint8_t addr[16];
	uint32_t ifindex;
	uint8_t family;
	uint8_t zero[3];
} __rte_aligned(8);

/* dp->workers[i] points at `pub`; the rest is the worker's own. */
struct fgw_worker_ctx {
	struct fgw_worker pub;
	struct fgw_dp *dp;
	struct fgw_txq tx[FGW_MAX_PORTS];	/* by DPDK port id */
	unsigned n_tx;				/* tx[n_tx..] have no buffer */
	bool launched;
	uint16_t ip_id;				/* IPv4 ID of the GRE outer headers */
	uint32_t frag_id6;			/* IPv6 outer fragments: next ID */
	struct rte_ip_frag_tbl *frags;		/* outer packets in reassembly */
	struct rte_ip_frag_death_row death_row;
	struct fgw_crypto crypto;		/* this worker's IPsec-MB manager */
	/* The neighbour a burst's packets last all went to, and its MAC
	 * (the hash's data), valid while pub.neigh_gen is last_neigh_gen
	 * (0: none; generations start at 1). */
	struct fgw_neigh_key last_neigh;
	void *last_neigh_data;
	uint32_t last_neigh_gen;
	/* The address of ours that ESP on port esp_port last went to
	 * (ipv4.c), valid while dp->route_gen is esp_gen (0: none). */
	rte_be32_t esp_dst;
	uint32_t esp_gen;
	uint16_t esp_port;
	/* The way decrypted IPv4 packets to dst last went out of a port,
	 * whole (ipv4.c's inner pass): interface out_if, to the neighbour
	 * mac. Valid while dp->route_gen is route_gen and pub.neigh_gen
	 * neigh_gen (0: none), as a tunnel's fgw_outer_hop; the interface's
	 * state (up, MTU, MAC) is read a burst. */
	struct {
		rte_be32_t dst;
		uint32_t out_if;
		uint32_t route_gen, neigh_gen;
		struct rte_ether_addr mac;
	} inner_way;
};

static inline struct fgw_worker_ctx *fgw_worker_ctx(struct fgw_worker *w)
{
	return container_of(w, struct fgw_worker_ctx, pub);
}

/* ---- one burst on its way through the stages -------------------------- */

struct fgw_burst {
	struct fgw_dp *dp;
	struct fgw_worker_ctx *ctx;
	struct fgw_worker_stats *stats;
	uint16_t port;				/* ingress DPDK port */
	uint32_t in_if;				/* its ifindex (not for inner packets) */
	bool inner;				/* decapsulated packets: no nested ESP;
						 * each names its tunnel (fgw_in_if) */
	unsigned n_punt;
	struct rte_mbuf *punt[FGW_MAX_BURST];	/* at most one per received frame */
	uint8_t punt_why[FGW_MAX_BURST];	/* enum fgw_punt_reason of each */
};

/* The interface m arrived on. Decrypted packets of one burst come from
 * many tunnels and go through the forwarding path together, so each
 * carries its tunnel in the punt metadata field (set by esp_input.c, kept
 * by fragmentation). */
static inline uint32_t fgw_in_if(const struct fgw_burst *b, struct rte_mbuf *m)
{
	return b->inner ? fgw_punt_meta(b->dp, m)->in_if : b->in_if;
}

/* Counts the drop and frees the packet. Cold and out of line (worker.c):
 * an inlined rte_pktmbuf_free sat in the middle of every forwarding loop,
 * and with the call cold the compiler moves the dropping branches out of
 * them, so a burst's pass through the path fetches fewer instruction
 * lines (callgrind: the IPsec-MB code the path evicts is fetched again
 * every burst). */
__rte_cold void fgw_drop(struct fgw_burst *b, struct rte_mbuf *m, enum fgw_drop_reason why);

/* eth.c: the first stage; frames go on to ARP (punted), IPv4 or IPv6.
 * Adds the frames' bytes to the port's rx_bytes. l2_group[i] is set when
 * frame i was sent to an Ethernet broadcast or multicast address. */
void fgw_eth_input(struct fgw_burst *b, struct rte_mbuf **pkts, unsigned n);
void fgw_ipv4_input(struct fgw_burst *b, struct rte_mbuf **pkts, const bool *l2_group,
		    unsigned n);
void fgw_ipv6_input(struct fgw_burst *b, struct rte_mbuf **pkts, const bool *l2_group,
		    unsigned n);
/* IPv4 packets out of tunnel-mode SAs (b->inner), each behind an
 * Ethernet header: decapsulation checked their version, header and total
 * length and cut the frames to it; the rest of what fgw_ipv4_input checks
 * is checked here, in one pass per packet where they share a destination. */
void fgw_ipv4_inner_input(struct fgw_burst *b, struct rte_mbuf **pkts, unsigned n);

/* frag.c: splits an IPv4 frame (DF clear) into frames that fit mtu, each
 * behind a copy of m's Ethernet header and with its header checksum set.
 * Consumes m. Returns the number of fragments, or a drop reason negated. */
int fgw_ipv4_fragment(struct fgw_dp *dp, struct rte_mbuf *m, uint16_t mtu,
		      struct rte_mbuf **out, unsigned max);
/* The same for an IPv6 frame without extension headers, which we
 * originated: each fragment gets a Fragment header with Identification id. */
int fgw_ipv6_fragment(struct fgw_dp *dp, struct rte_mbuf *m, uint16_t mtu, uint32_t id,
		      struct rte_mbuf **out, unsigned max);

/* punt.c: hand m to the control lcore. Punts are collected per burst and
 * enqueued together by fgw_punt_flush; fgw_punt_all enqueues a set of
 * frames that stand for one received packet (its fragments) at once. */
void fgw_punt(struct fgw_burst *b, struct rte_mbuf *m, enum fgw_punt_reason why,
	      uint32_t nh, uint16_t mtu);
void fgw_punt_all(struct fgw_burst *b, struct rte_mbuf **frames, unsigned n,
		  enum fgw_punt_reason why, uint32_t nh);
void fgw_punt_flush(struct fgw_burst *b);
/* A frame that is not a received packet's outcome (a later fragment of a
 * packet already counted): punted now, or freed, uncounted either way. */
void fgw_punt_uncounted(struct fgw_burst *b, struct rte_mbuf *m, enum fgw_punt_reason why,
			uint32_t nh);

/* neigh.c: the worker's copy of the neighbour table. */
struct rte_hash *fgw_neigh_cache_create(unsigned worker, int socket);
static inline void fgw_neigh_key_set(struct fgw_neigh_key *k, uint32_t ifindex,
				     uint8_t family, const void *addr)
{
	memset(k, 0, sizeof(*k));
	k->ifindex = ifindex;
	k->family = family;
	memcpy(k->addr, addr, family == AF_INET ? 4 : 16);
}
/* Looks up n (<= FGW_MAX_BURST) keys; returns the hit mask, macs[i] filled
 * for each hit. */
uint64_t fgw_neigh_lookup_bulk(struct fgw_worker *w, const struct fgw_neigh_key **keys,
			       unsigned n, struct rte_ether_addr *macs);
void fgw_neigh_apply(struct fgw_worker *w, const struct fgw_msg *msg);

/* msg.c: apply what the control lcore sent; returns how many. */
unsigned fgw_msgs_apply(struct fgw_worker_ctx *ctx);

/* inject.c: transmit what the control lcore handed over; returns how many. */
unsigned fgw_inject_drain(struct fgw_worker_ctx *ctx);

/* tx.c */
int fgw_txq_init(struct fgw_worker_ctx *ctx, uint16_t port, char *err, size_t errlen);
void fgw_txq_free(struct fgw_worker_ctx *ctx);
void fgw_tx_flush(struct fgw_worker_ctx *ctx);

/* Queues the n frames m (bytes long in all) on this worker's TX queue of
 * port, in order, as fgw_tx does one at a time: counted once for all of
 * them before any is queued, so that a refused one taken back (tx_refused)
 * never takes the counters below what was counted. */
void fgw_tx_run(struct fgw_worker_ctx *ctx, uint16_t port, struct rte_mbuf *const *m,
		unsigned n, uint64_t bytes);

/* Queues m on this worker's TX queue of port; counted in the port's tx
 * counters now and taken back (as TX_FULL) if the queue refuses it. */
static inline void fgw_tx(struct fgw_worker_ctx *ctx, uint16_t port, struct rte_mbuf *m)
{
	struct fgw_port_stats *ps = &ctx->pub.stats.port[port];

	ps->tx_packets++;
	ps->tx_bytes += m->pkt_len;
	rte_eth_tx_buffer(port, (uint16_t)ctx->pub.index, ctx->tx[port].buf, m);
}

/* TX_FULL is the one counter two threads write: the worker when its TX
 * queue refuses frames, the control lcore when a worker's inject ring is
 * full. It is rare, so both add atomically. */
static inline void fgw_count_tx_full(struct fgw_worker_stats *s, unsigned n)
{
	__atomic_fetch_add(&s->drop[FGW_DROP_TX_FULL], n, __ATOMIC_RELAXED);
}

/* ---- tunnels (tunnel.c, tunnel_output.c, esp_input.c, gre.c, mss.c) ---- */

/* Where one worker last sent a tunnel's outer packets: the egress port and
 * the neighbour's MAC. It stays right while the FIB (dp->route_gen) and
 * this worker's neighbour table (fgw_worker.neigh_gen) are unchanged since
 * it was filled, so steady traffic skips the outer FIB and neighbour
 * lookups. Generations start at 1: a zeroed entry is never valid. */
struct fgw_outer_hop {
	uint32_t route_gen, neigh_gen;
	uint32_t port_if;
	struct rte_ether_addr mac;
};

/* What one worker reads and writes on a tunnel, a line per direction,
 * so that with many tunnels a packet brings one line of its tunnel, at
 * an address computed from the ifindex (fgw_tunnel_w): no load of the
 * tunnel's pointer stands between a route and this line.
 * sa_out, kind, mss and rx_mss are copies of the tunnel's, stored by
 * the control lcore with them (a VTI's packets read no other line of
 * the tunnel; GRE's read its key and endpoints from the first); up and
 * mtu are copies of its interface's (struct fgw_if), so that routing a
 * packet into the tunnel reads this line instead of the interface
 * table's entry, another cold line a packet with many tunnels. Counters
 * as in struct fgw_tunnel_counters, drops split by direction. */
struct fgw_tunnel_worker {
	struct fgw_sa *sa_out;			/* atomic, = fgw_tunnel.sa_out */
	uint16_t mss;
	uint8_t kind;
	bool up;				/* atomic, = fgw_if.up */
	struct fgw_outer_hop hop;
	uint64_t tx_packets, tx_bytes, tx_drops;
	uint16_t mtu;				/* = fgw_if.mtu */
	uint64_t rx_packets __rte_cache_aligned;
	uint64_t rx_bytes, rx_drops;
	uint16_t rx_mss;
} __rte_cache_aligned;
_Static_assert(offsetof(struct fgw_tunnel_worker, rx_packets) == RTE_CACHE_LINE_SIZE,
	       "a tunnel's outbound per-worker fields span 2 lines");

struct fgw_tunnel {
	struct fgw_sa *sa_out;			/* atomic: swapped by the control lcore,
						 * then each fgw_tunnel_w's copy */
	uint32_t ifindex;
	uint8_t kind;				/* enum fgw_tunnel_kind */
	bool gre_key_set;
	rte_be32_t gre_key;
	uint16_t mss;				/* 0: no clamping */
	struct fgw_addr src, dst;		/* outer */
	struct fgw_tunnel_counters cleared;	/* control lcore: sums at the last clear */
	/* control lcore: drops of its inbound SAs deleted since the last
	 * clear, so that a rekey does not take them off rx_sa_drops */
	uint64_t sa_in_drops_gone;
	/* control lcore: the inbound SAs bound to the tunnel (fgw_sa_in_add),
	 * so that deleting it does not read every SA slot */
	struct fgw_sa **sa_in;
	unsigned n_sa_in, cap_sa_in;
};

/* Worker `worker`'s part of tunnel ifindex. */
static inline struct fgw_tunnel_worker *fgw_tunnel_w(const struct fgw_dp *dp, uint32_t ifindex,
						     unsigned worker)
{
	return &dp->tunnel_w[(size_t)ifindex * dp->n_workers + worker];
}

/* Whether a tunnel next hop (FGW_NH_TUNNEL, the only kind the RIB points
 * at a tunnel interface) leads into a tunnel that is up, read on the
 * worker's line of it: up is set there once the tunnel is complete
 * (fgw_tunnel_add) and cleared before it goes (fgw_tunnel_del); the
 * line of an ifindex that is no tunnel is zero, so down. */
static inline bool fgw_tunnel_w_up(const struct fgw_tunnel_worker *tw)
{
	return __atomic_load_n(&tw->up, __ATOMIC_ACQUIRE);
}

/* The worker's copy of the published pointers: acquire loads pair with
 * the control lcore's release stores, so the SA's fields are seen set. */
static inline struct fgw_sa *fgw_tunnel_sa(const struct fgw_tunnel_worker *tw)
{
	return __atomic_load_n(&tw->sa_out, __ATOMIC_ACQUIRE);
}

static inline struct fgw_sa *fgw_sa_slot(const struct fgw_dp *dp, uint32_t spi)
{
	return __atomic_load_n(&dp->sa_in[spi & dp->sa_in_mask], __ATOMIC_ACQUIRE);
}

/* tunnel_output.c: frames[i] (Ethernet + inner IP, TTL already
 * decremented, fitting the tunnel MTU) go into tunnel ifs[i]: MSS clamp,
 * GRE, ESP, outer route, neighbour, TX. Only frames with counts[i] set
 * count as a received packet's outcome (the first fragment of a packet
 * stands for all of them). */
void fgw_tunnel_output(struct fgw_burst *b, struct rte_mbuf **frames, const uint32_t *ifs,
		       const bool *counts, unsigned n);
/* The same for frames a caller has in runs into one tunnel each: run r
 * is frames[end[r - 1]] up to frames[end[r]] (from frames[0] for the
 * first), into tunnel run_if[r]; at most FGW_MAX_BURST frames, every one
 * counted. The IPv4 pass knows its runs; the tunnel output finding them
 * again cost about 8 instructions a packet (callgrind). */
void fgw_tunnel_output_runs(struct fgw_burst *b, struct rte_mbuf **frames,
			    const uint32_t *run_if, const uint8_t *end, unsigned runs);

/* esp_input.c (whether a packet is ESP: esp_classify.h): */
/* ESP frames for us, classified: SA by SPI, handed to the owning worker or
 * decrypted, GRE removed, the inner packets forwarded as if received on
 * the tunnel. */
void fgw_esp_input(struct fgw_burst *b, struct rte_mbuf **frames, unsigned n);
/* Frames other workers handed this one. Returns how many. */
unsigned fgw_handoff_drain(struct fgw_worker_ctx *ctx);

/* gre.c: RFC 2784/2890. Prepends the GRE header for an inner packet of
 * ethertype `proto` (0 bytes of headroom short: checked by the caller). */
unsigned fgw_gre_hdr_len(const struct fgw_tunnel *t);
void fgw_gre_push(const struct fgw_tunnel *t, struct rte_mbuf *m, rte_be16_t proto);
/* Strips the GRE header at the start of m, checking version, flags and
 * key; the inner ethertype, or 0 when it must be dropped. */
rte_be16_t fgw_gre_pull(const struct fgw_tunnel *t, struct rte_mbuf *m);

/* reassembly.c: a fragment of an IP packet for us that may be ESP.
 * Returns the whole packet (one segment, *ipp its header) once the last
 * fragment arrived; NULL while it is held (counted frag_held) or when the
 * rebuilt packet was dropped. */
struct rte_ip_frag_tbl *fgw_reassembly_create(int socket);
struct rte_mbuf *fgw_ipv4_reassemble(struct fgw_burst *b, struct rte_mbuf *m,
				     struct rte_ipv4_hdr **ipp);
/* The same for IPv6; the fragment header (checked to be in the first
 * segment) follows the fixed header. */
struct rte_mbuf *fgw_ipv6_reassemble(struct fgw_burst *b, struct rte_mbuf *m,
				     struct rte_ipv6_hdr **ipp);

/* mss.c: lowers the MSS option of a TCP SYN in the IP packet at l3 to at
 * most mss, fixing the TCP checksum. Anything else is left alone. */
void fgw_mss_clamp(struct rte_mbuf *m, unsigned l3_off, uint16_t mss);

int fgw_tunnels_init(struct fgw_dp *dp, char *err, size_t errlen);
void fgw_tunnels_fini(struct fgw_dp *dp);

/* port.c: the interface table (params.max_ifs) and its name index;
 * fgw_if_name_add indexes ifs[ifindex] once filled. */
int fgw_ifs_init(struct fgw_dp *dp, char *err, size_t errlen);
void fgw_ifs_fini(struct fgw_dp *dp);
void fgw_if_name_add(struct fgw_dp *dp, uint32_t ifindex);
/* ... and forgets it (a deleted tunnel). */
void fgw_if_name_del(struct fgw_dp *dp, uint32_t ifindex);

/* nexthop.c and fib.c, called by fgw_dp_init / fgw_dp_stop. */
int fgw_nh_init(struct fgw_dp *dp, char *err, size_t errlen);
void fgw_nh_fini(struct fgw_dp *dp);
int fgw_fib_init(struct fgw_dp *dp, char *err, size_t errlen);
void fgw_fib_fini(struct fgw_dp *dp);

/* Called by fgw_dp_stop: worker.c waits for the workers to return, port.c
 * stops and closes the ports. */
void fgw_workers_join(struct fgw_dp *dp);
void fgw_ports_close(struct fgw_dp *dp);

/* The egress next hop, bounds-checked: an id the FIB should never hold reads
 * as "no route" rather than past the table. */
static inline const struct fgw_nexthop *fgw_nh_get(const struct fgw_dp *dp, uint64_t id)
{
	return &dp->nh[id < FGW_MAX_NEXTHOPS ? id : 0];
}

/* Whether next hop nh (ifindex checked) leads out of an interface that
 * is up: a tunnel's, read on the worker's line of it (fgw_tunnel_w_up). */
static inline bool fgw_nh_up(const struct fgw_dp *dp, const struct fgw_nexthop *nh,
			     unsigned worker)
{
	if (nh->type == FGW_NH_TUNNEL)
		return fgw_tunnel_w_up(fgw_tunnel_w(dp, nh->ifindex, worker));
	return dp->ifs[nh->ifindex].up;
}

/* Whether a packet routed through nh goes into a tunnel: a tunnel next
 * hop, or a connected route on a tunnel's own subnet (only then is the
 * interface table's entry read). */
static inline bool fgw_nh_into_tunnel(const struct fgw_dp *dp, const struct fgw_nexthop *nh)
{
	return nh->type == FGW_NH_TUNNEL || dp->ifs[nh->ifindex].kind == FGW_IF_TUNNEL;
}

/* The IP MTU out of next hop nh (route checked): a tunnel's from the
 * worker's line of it, which its packets read anyway. */
static inline uint16_t fgw_nh_mtu(const struct fgw_dp *dp, const struct fgw_nexthop *nh,
				  unsigned worker)
{
	if (nh->type == FGW_NH_TUNNEL)
		return fgw_tunnel_w(dp, nh->ifindex, worker)->mtu;
	return dp->ifs[nh->ifindex].mtu;
}

/* Starts loading the burst's next hops, then what they point at: the
 * egress interface or, for a tunnel, the worker's line of it (what
 * routing and tunnel output read: fgw_tunnel_w). With
 * many routes (a hub's tunnels) each is a cache miss; loops that do
 * nothing but prefetch let a whole burst's misses overlap, where the
 * routing loop, with its per-packet work, would take them one or two at
 * a time. */
static inline void fgw_nh_prefetch(const struct fgw_dp *dp, unsigned worker, const uint64_t *nh,
				   unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_prefetch0(fgw_nh_get(dp, nh[i]));
	for (unsigned i = 0; i < n; i++) {
		const struct fgw_nexthop *hop = fgw_nh_get(dp, nh[i]);

		if (hop->ifindex >= dp->n_ifs)
			continue;
		if (hop->type == FGW_NH_TUNNEL)
			rte_prefetch0(fgw_tunnel_w(dp, hop->ifindex, worker));
		else
			rte_prefetch0(&dp->ifs[hop->ifindex].kind);
	}
}

/* RFC 1624 eqn. 3: a checksum after one 16-bit word it covers changed
 * from old to new (the MSS option, an ECN field). */
static inline rte_be16_t fgw_cksum_update(rte_be16_t cksum, rte_be16_t old, rte_be16_t new)
{
	uint32_t sum = (uint32_t)(uint16_t)~cksum + (uint16_t)~old + new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (rte_be16_t)~sum;
}

#endif
