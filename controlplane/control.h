/* The control lcore: everything it owns, and the entry points of its parts.
 *
 * One struct, one thread: nothing here is touched by a worker, so nothing
 * here takes a lock. Each part (net/: rib, neigh, arp, nd, icmp, punt; api/) keeps
 * its state in this struct and exposes the functions below. */
#ifndef FGW_CONTROL_H
#define FGW_CONTROL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_timer.h>

#include "common/addr.h"
#include "config/config.h"
#include "dataplane/dp.h"

/* ---- RIB: every route the box knows, with where it came from ---------- */

enum fgw_route_origin {
	FGW_RT_CONNECTED = 'C',
	FGW_RT_LOCAL = 'L',
	FGW_RT_STATIC = 'S',
};

struct fgw_rib_entry {
	struct fgw_prefix prefix;
	char origin;			/* enum fgw_route_origin */
	uint8_t distance;
	uint32_t metric;
	uint32_t nh_id;			/* index into dp->nh; 0 when not resolvable */
	bool installed;			/* in the FIB; false when a route with a lower
					 * distance won the prefix or the next hop is
					 * not on a connected subnet */
	uint32_t next;			/* rib.c's index: the prefix's next entry in
					 * the order added, position in v + 1; 0: none */
};

/* v in no particular order (show commands sort); slots: rib.c's index by
 * prefix. */
struct fgw_rib {
	struct fgw_rib_entry *v;
	unsigned n, cap;
	uint32_t *slots;
	unsigned n_slots, n_prefixes;
};

/* ---- neighbours (ARP and IPv6 ND), the master copy --------------------- */

enum fgw_neigh_state {
	FGW_NEIGH_INCOMPLETE,		/* resolution in progress, packets queued */
	FGW_NEIGH_REACHABLE,
	FGW_NEIGH_STALE,		/* aged: still used, re-probed on next use */
	FGW_NEIGH_FAILED,		/* no answer: ICMP unreachable sent */
	FGW_NEIGH_STATIC,
};

/* Packets queued per unresolved neighbour: a few, as Linux queued before
 * 3.3 (unres_qlen 3; it now holds up to unres_qlen_bytes), enough for the
 * first packets of a flow or a datagram the worker split in two or three;
 * more would only let a sender park mbufs here. The table also caps the
 * total (struct fgw_neigh_table). */
#define FGW_NEIGH_PENDING_MAX 3

struct fgw_neigh {
	uint32_t ifindex;
	struct fgw_addr addr;
	struct rte_ether_addr mac;
	uint8_t state;			/* enum fgw_neigh_state */
	uint8_t probes;			/* requests sent for this resolution */
	uint64_t updated;		/* rte_get_timer_cycles() of last confirmation */
	struct rte_mbuf *pending[FGW_NEIGH_PENDING_MAX];
	unsigned n_pending;
	struct rte_timer timer;		/* retry while INCOMPLETE, ageing after */
	bool in_use;
	bool workers_stale;		/* the last SET/DEL did not reach every worker */
};

struct fgw_neigh_table {
	struct rte_hash *index;		/* (ifindex, addr) -> slot */
	struct fgw_neigh *slots;		/* by index position */
	unsigned size;			/* slots */
	unsigned n_used;		/* entries in use, at most the table's limit */
	unsigned pending, pending_max;	/* mbufs queued in all entries, and the cap
					 * (an eighth of the pool the workers'
					 * RX also draws from) */
	unsigned reclaim_hand;		/* where the next search for a victim starts */
	unsigned n_workers_stale;	/* entries with workers_stale set */
	struct rte_timer resend;	/* re-sends to the workers while any are stale */
	uint64_t probe_tokens;		/* probes for new entries (token bucket) */
	uint64_t probe_last_refill;
};

/* ---- control-lcore counters ------------------------------------------- */

struct fgw_control_stats {
	uint64_t punt_rx[16];		/* by enum fgw_punt_reason */
	uint64_t arp_requests_rx, arp_replies_rx, arp_requests_tx, arp_replies_tx;
	uint64_t nd_ns_rx, nd_na_rx, nd_ns_tx, nd_na_tx;
	uint64_t nd_ignored;		/* RS, RA, redirects: we neither route by them nor
					 * advertise; NS from off-link sources */
	uint64_t icmp_echo_replies, icmp_errors_tx, icmp_errors_ratelimited;
	uint64_t tcp_resets_tx;		/* TCP to us: nothing listens */
	uint64_t neigh_resolved, neigh_failed, neigh_pending_dropped;
	uint64_t neigh_probes_ratelimited;	/* for new entries, over the probe rate */
	uint64_t neigh_reclaimed;	/* unresolved entries evicted from a full table */
	uint64_t neigh_miss_rerouted;	/* NEIGH_MISS whose route no longer needs a neighbour */
	uint64_t local_dropped;		/* for us, but not answerable (fragments, broadcast...) */
	uint64_t output_dropped;	/* control-originated: no route, interface down, too big */
	uint64_t malformed;		/* punted packets that failed a check */
	uint64_t ctl_requests, ctl_errors;
	uint64_t manual_sa_soft_expired;	/* manual SAs marked soft-expired, */
	uint64_t manual_sa_hard_expired;	/*  hard-expired */
	uint64_t manual_sa_seq_exhausted;	/*  out of sequence numbers */
};

/* ---- the control lcore -------------------------------------------------- */

struct fgw_ctl_server;
struct fgw_control;
struct fgw_ike;
struct fgw_flexvpn;
struct fgw_manual_life;

/* ---- packets for this box ------------------------------------------------ */

/* A packet addressed to one of our addresses, parsed and checked. Offsets are
 * from the start of the Ethernet frame; every byte up to l4_off + l4_len is in
 * the first segment. */
struct fgw_local_pkt {
	uint32_t in_if;
	uint16_t l3_off, l4_off, l4_len;
	uint8_t proto;			/* upper-layer protocol (IPv6: after extension headers) */
	struct fgw_addr src, dst;
	uint16_t sport, dport;		/* UDP and TCP, host byte order */
};

/* A service listening on a UDP port of ours (IKE on 500 and 4500). It borrows
 * m: the caller frees it. The UDP checksum has been verified. */
typedef void fgw_udp_input_fn(struct fgw_control *c, struct rte_mbuf *m,
			      const struct fgw_local_pkt *p, void *arg);

#define FGW_UDP_LISTENERS_MAX 8

struct fgw_udp_listener {
	uint16_t port;
	fgw_udp_input_fn *fn;
	void *arg;
};

struct fgw_control {
	struct fgw_dp *dp;
	const struct fgw_config *cfg;
	struct fgw_rib rib;
	struct fgw_neigh_table neigh;
	struct fgw_control_stats stats;
	struct fgw_ctl_server *ctl;
	struct fgw_ike *ike;		/* the IKEv2 engine (controlplane/ikev2/ike_sa.h) */
	struct fgw_flexvpn *flexvpn;	/* the FlexVPN server (controlplane/flexvpn/) */
	struct fgw_manual_life *manual_life;	/* tunnel/manual_life.c */
	uint64_t started;		/* rte_get_timer_cycles() at start */
	uint64_t icmp_tokens;		/* ICMP error rate limit (token bucket) */
	uint64_t icmp_last_refill;
	struct fgw_udp_listener udp[FGW_UDP_LISTENERS_MAX];
	unsigned n_udp;
	volatile sig_atomic_t stop;	/* set by SIGINT/SIGTERM */
};

/* rib.c: connected, local and static routes from the config into the FIBs. */
int fgw_rib_init(struct fgw_control *c, char *err, size_t errlen);
void fgw_rib_free(struct fgw_control *c);
/* Routes that come and go at run time (a FlexVPN peer's address and the
 * subnets it advertises, through its virtual-access interface): added like
 * a configured route (the lowest distance owns the prefix in the FIB), and
 * removed by prefix, origin and next hop, the next best route for the
 * prefix taking over. 0, or -1 (with a line in err / none matched). */
int fgw_rib_route_add(struct fgw_control *c, const struct fgw_prefix *p, char origin,
		      uint8_t distance, const struct fgw_nexthop *nh, char *err, size_t errlen);
int fgw_rib_route_del(struct fgw_control *c, const struct fgw_prefix *p, char origin,
		      const struct fgw_nexthop *nh);

/* tunnel/: tunnel interfaces and their manual SAs from the config. Before
 * fgw_rib_init, which routes to them. Then the manual SAs' lifetimes are
 * watched until fgw_manual_life_stop (tunnel/manual_life.c; a no-op when
 * nothing was started). */
int fgw_tunnels_setup(struct fgw_control *c, char *err, size_t errlen);
void fgw_manual_life_stop(struct fgw_control *c);

/* neigh.c: the master neighbour table. */
int fgw_neigh_init(struct fgw_control *c, char *err, size_t errlen);
void fgw_neigh_free(struct fgw_control *c);
/* A mapping was learnt (ARP, NS, NA): store it, push it to every worker,
 * send the packets that waited for it. `create` is set only when the
 * neighbour addressed us (ARP request or NS for our address); otherwise
 * (replies, gratuitous ARP, unsolicited NA) only an existing entry is updated,
 * so nobody can fill the table by talking at us. */
void fgw_neigh_learn(struct fgw_control *c, uint32_t ifindex, const struct fgw_addr *addr,
		     const struct rte_ether_addr *mac, bool create);
/* Send m to next hop `addr` on ifindex once its MAC is known: now if it is,
 * else queue m (FGW_NEIGH_PENDING_MAX per entry and pending_max in all, then
 * dropped and counted) and probe (1 s apart, 3 probes, the probes of new
 * entries rate-limited; then ICMP host unreachable for each queued packet).
 * m is a complete frame but for its Ethernet header, which is rewritten here.
 * Takes ownership of m.
 * NEIGH_MISS contract: a worker punts the frame exactly as received, before
 * any rewrite; punt.c decrements the TTL/hop limit (fixing the IPv4 header
 * checksum) and calls this. A worker punts NEIGH_MISS only after its TTL and
 * MTU checks passed, so the frame needs nothing else. */
void fgw_neigh_resolve(struct fgw_control *c, uint32_t ifindex, const struct fgw_addr *addr,
		       struct rte_mbuf *m);
/* For frames the control lcore itself originates (ICMP, later IKE): route
 * dst, fill the Ethernet header and inject, or queue behind resolution.
 * m starts with room for an Ethernet header (rte_pktmbuf_prepend). */
void fgw_ip_output(struct fgw_control *c, struct rte_mbuf *m, const struct fgw_addr *dst);

/* udp_output.c: a UDP datagram of ours, the payload gathered from iov
 * (IKE: the non-ESP marker, then the message). 0, or -1 (counted) when it
 * cannot be built; routing and MTU drops are counted by fgw_ip_output. */
int fgw_udp_output(struct fgw_control *c, const struct fgw_addr *src, uint16_t sport,
		   const struct fgw_addr *dst, uint16_t dport, const struct iovec *iov,
		   unsigned n_iov);

/* arp.c and nd.c: answer for our addresses, learn, probe. The input
 * functions borrow m: the caller frees it. */
void fgw_arp_input(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex);
void fgw_arp_request(struct fgw_control *c, uint32_t ifindex, const struct fgw_addr *target);
void fgw_nd_input(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex);
void fgw_nd_solicit(struct fgw_control *c, uint32_t ifindex, const struct fgw_addr *target);

/* local.c: a packet for one of our addresses (punt reason LOCAL): ICMP echo,
 * UDP to a listener, or the answer a router gives when nothing listens.
 * Borrows m. */
void fgw_local_input(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex);
/* Claim a UDP port of ours for fn. -1 when the port is taken or the table full. */
int fgw_udp_listen(struct fgw_control *c, uint16_t port, fgw_udp_input_fn *fn, void *arg);

/* icmp.c: echo replies; the errors a router sends, rate-limited.
 * m is the offending packet (Ethernet frame); the error is sent to its source.
 * These never take ownership of m. */
void fgw_icmp_echo_input(struct fgw_control *c, struct rte_mbuf *m,
			 const struct fgw_local_pkt *p);
void fgw_icmp_time_exceeded(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex);
void fgw_icmp_unreachable(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex,
			  int code);	/* ICMP codes for v4; mapped to ICMPv6 codes */
void fgw_icmp_too_big(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex,
		      uint16_t mtu);

/* punt.c: drain the punt ring, dispatch by reason, free. Returns the number
 * of packets handled (0: idle). */
unsigned fgw_punt_poll(struct fgw_control *c);

/* api/: the control socket (flexctl) and DPDK telemetry. */
int fgw_ctl_server_open(struct fgw_control *c, const char *path, char *err, size_t errlen);
unsigned fgw_ctl_server_poll(struct fgw_control *c);	/* never blocks */
void fgw_ctl_server_close(struct fgw_control *c);
int fgw_telemetry_register(struct fgw_control *c);

#endif
