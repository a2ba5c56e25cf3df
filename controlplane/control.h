/* The control lcore: everything it owns, and the entry points of its parts.
 *
 * One struct, one thread: nothing here is touched by a worker, so nothing
 * here takes a lock. Each part (net/: rib, neigh, arp, nd, icmp, punt; api/) keeps
 * its state in this struct and exposes the functions below. */
#ifndef FGW_CONTROL_H
#define FGW_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

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
	uint32_t nh_id;			/* index into dp->nh */
};

struct fgw_rib {
	struct fgw_rib_entry *v;
	unsigned n, cap;
};

/* ---- neighbours (ARP and IPv6 ND), the master copy --------------------- */

enum fgw_neigh_state {
	FGW_NEIGH_INCOMPLETE,		/* resolution in progress, packets queued */
	FGW_NEIGH_REACHABLE,
	FGW_NEIGH_STALE,		/* aged: still used, re-probed on next use */
	FGW_NEIGH_FAILED,		/* no answer: ICMP unreachable sent */
	FGW_NEIGH_STATIC,
};

#define FGW_NEIGH_PENDING_MAX 16	/* packets queued per unresolved neighbour */

struct fgw_neigh {
	uint16_t ifindex;
	struct fgw_addr addr;
	struct rte_ether_addr mac;
	uint8_t state;			/* enum fgw_neigh_state */
	uint8_t probes;			/* requests sent for this resolution */
	uint64_t updated;		/* rte_get_timer_cycles() of last confirmation */
	struct rte_mbuf *pending[FGW_NEIGH_PENDING_MAX];
	unsigned n_pending;
	struct rte_timer timer;		/* retry while INCOMPLETE, ageing after */
	bool in_use;
};

struct fgw_neigh_table {
	struct rte_hash *index;		/* (ifindex, addr) -> slot */
	struct fgw_neigh *slots;
	unsigned size;
};

/* ---- control-lcore counters ------------------------------------------- */

struct fgw_control_stats {
	uint64_t punt_rx[16];		/* by enum fgw_punt_reason */
	uint64_t arp_requests_rx, arp_replies_rx, arp_requests_tx, arp_replies_tx;
	uint64_t nd_ns_rx, nd_na_rx, nd_ns_tx, nd_na_tx;
	uint64_t icmp_echo_replies, icmp_errors_tx, icmp_errors_ratelimited;
	uint64_t neigh_resolved, neigh_failed, neigh_pending_dropped;
	uint64_t local_dropped;		/* for us, but nothing listens */
	uint64_t malformed;		/* punted packets that failed a check */
	uint64_t ctl_requests, ctl_errors;
};

/* ---- the control lcore -------------------------------------------------- */

struct fgw_ctl_server;

struct fgw_control {
	struct fgw_dp *dp;
	const struct fgw_config *cfg;
	struct fgw_rib rib;
	struct fgw_neigh_table neigh;
	struct fgw_control_stats stats;
	struct fgw_ctl_server *ctl;
	uint64_t started;		/* rte_get_timer_cycles() at start */
	uint64_t icmp_tokens;		/* ICMP error rate limit (token bucket) */
	uint64_t icmp_last_refill;
	volatile bool stop;		/* set by SIGINT/SIGTERM */
};

/* rib.c: connected, local and static routes from the config into the FIBs. */
int fgw_rib_init(struct fgw_control *c, char *err, size_t errlen);
void fgw_rib_free(struct fgw_control *c);

/* neigh.c: the master neighbour table. */
int fgw_neigh_init(struct fgw_control *c, char *err, size_t errlen);
void fgw_neigh_free(struct fgw_control *c);
/* A mapping was learnt (ARP reply/request, NA): store it, push it to every
 * worker, send the packets that waited for it. */
void fgw_neigh_learn(struct fgw_control *c, uint16_t ifindex, const struct fgw_addr *addr,
		     const struct rte_ether_addr *mac, bool solicited);
/* A worker punted m because next hop `addr` on ifindex is unresolved: queue m
 * and resolve. Takes ownership of m. */
void fgw_neigh_resolve(struct fgw_control *c, uint16_t ifindex, const struct fgw_addr *addr,
		       struct rte_mbuf *m);
/* For frames the control lcore itself originates (ICMP, later IKE): route
 * dst, fill the Ethernet header and inject, or queue behind resolution.
 * m starts with room for an Ethernet header (rte_pktmbuf_prepend). */
void fgw_ip_output(struct fgw_control *c, struct rte_mbuf *m, const struct fgw_addr *dst);

/* arp.c and nd.c: answer for our addresses, learn, probe. */
void fgw_arp_input(struct fgw_control *c, struct rte_mbuf *m, uint16_t ifindex);
void fgw_arp_request(struct fgw_control *c, uint16_t ifindex, const struct fgw_addr *target);
void fgw_nd_input(struct fgw_control *c, struct rte_mbuf *m, uint16_t ifindex);
void fgw_nd_solicit(struct fgw_control *c, uint16_t ifindex, const struct fgw_addr *target);

/* icmp.c: echo for our addresses; the errors a router sends, rate-limited.
 * m is the offending packet (Ethernet frame); the error is sent to its source.
 * These never take ownership of m. */
void fgw_icmp_local_input(struct fgw_control *c, struct rte_mbuf *m, uint16_t ifindex);
void fgw_icmp_time_exceeded(struct fgw_control *c, struct rte_mbuf *m, uint16_t ifindex);
void fgw_icmp_unreachable(struct fgw_control *c, struct rte_mbuf *m, uint16_t ifindex,
			  int code);	/* ICMP codes for v4; mapped to ICMPv6 codes */
void fgw_icmp_too_big(struct fgw_control *c, struct rte_mbuf *m, uint16_t ifindex,
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
