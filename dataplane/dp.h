/* The state both planes share, and the contract between them.
 *
 * The control lcore is the only writer of everything here. It changes the
 * FIB and next-hop table in place (workers read them lock-free; freed
 * objects wait for an RCU grace period) and tells each worker about
 * per-worker state (neighbours, later SAs) with typed messages on that
 * worker's ring. Workers hand what they don't forward to the control lcore
 * on the punt ring, and the control lcore hands frames it wants sent to a
 * worker's inject ring, so every TX queue has exactly one writer. */
#ifndef FGW_DP_H
#define FGW_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "common/addr.h"
#include "dataplane/stats.h"

#define FGW_MAX_PORTS 16
/* Interfaces (ports, loopbacks, tunnels): the table holds params.max_ifs,
 * by default FGW_DEFAULT_IFS. An ifindex is 32 bits in the data plane so
 * that a hub's tunnels are not bounded by it. */
#define FGW_DEFAULT_IFS 4096
#define FGW_MAX_IFS (1u << 24)
#define FGW_MAX_NEXTHOPS (1u << 18)
#define FGW_DEFAULT_SAS 65536		/* inbound SA slots */
#define FGW_DEFAULT_ROUTES 65536	/* routes per family */
#define FGW_MAX_BURST 64
#define FGW_DP_MAX_WORKERS 8

struct rte_fib;
struct rte_fib6;
struct rte_hash;
struct rte_mempool;
struct rte_rcu_qsbr;
struct rte_ring;
struct fgw_sa;
struct fgw_tunnel;
struct fgw_tunnel_worker;
struct fgw_crypto;

/* ---- interfaces ------------------------------------------------------- */

/* FGW_IF_UNUSED: a deleted tunnel's slot, nameless and down, until
 * fgw_tunnel_add reuses its ifindex. */
enum fgw_if_kind { FGW_IF_PORT, FGW_IF_LOOPBACK, FGW_IF_TUNNEL, FGW_IF_UNUSED };

struct fgw_if {
	char name[48];
	uint8_t kind;			/* enum fgw_if_kind */
	bool up;
	uint16_t port_id;		/* DPDK port (FGW_IF_PORT) */
	uint16_t mtu;			/* IP MTU */
	struct rte_ether_addr mac;
	struct fgw_prefix addr4;	/* family 0: none */
	struct fgw_prefix addr6;
	struct fgw_addr ll6;		/* fe80::/64 EUI-64 of mac (ports) */
};

/* ---- next hops: what a FIB entry points at ---------------------------- */

enum fgw_nh_type {
	FGW_NH_NONE = 0,		/* id 0: no route (the FIBs' default) */
	FGW_NH_LOCAL,			/* one of our addresses: punt */
	FGW_NH_CONNECTED,		/* on-link: the destination is the neighbour */
	FGW_NH_GATEWAY,			/* via gw on ifindex */
	FGW_NH_BLACKHOLE,		/* Null0: drop, counted */
	FGW_NH_TUNNEL,			/* into tunnel interface ifindex (dataplane/tunnel.h) */
};

struct fgw_nexthop {
	uint8_t type;			/* enum fgw_nh_type */
	uint32_t ifindex;
	struct fgw_addr gw;		/* FGW_NH_GATEWAY */
};

/* ---- punt: worker -> control ------------------------------------------ */

#define FGW_PUNT_REASONS(X) \
	X(ARP, "ARP") \
	X(ND, "IPv6 neighbour discovery") \
	X(LOCAL, "for this box") \
	X(TTL_EXCEEDED, "TTL/hop limit exceeded") \
	X(NO_ROUTE, "no route") \
	X(FRAG_NEEDED, "too big, DF set / IPv6") \
	X(NEIGH_MISS, "next hop unresolved")

enum fgw_punt_reason {
#define X(n, s) FGW_PUNT_##n,
	FGW_PUNT_REASONS(X)
#undef X
	FGW_PUNT_MAX
};
extern const char *const fgw_punt_reason_names[FGW_PUNT_MAX];

/* Kept in an mbuf dynamic field of every punted packet. */
struct fgw_punt_meta {
	uint32_t nh;			/* next hop id (NEIGH_MISS, FRAG_NEEDED) */
	uint32_t in_if;			/* ingress ifindex */
	uint16_t mtu;			/* egress MTU (FRAG_NEEDED) */
	uint8_t reason;			/* enum fgw_punt_reason */
};

/* ---- messages: control -> one worker ---------------------------------- */

enum fgw_msg_type {
	FGW_MSG_NEIGH_SET = 1,		/* addr on ifindex is at mac */
	FGW_MSG_NEIGH_DEL,		/* forget addr on ifindex */
};

struct fgw_msg {
	uint16_t type;			/* enum fgw_msg_type */
	uint16_t pad;
	uint32_t ifindex;
	struct rte_ether_addr mac;
	struct fgw_addr addr;
	uint8_t pad2[3];
	void *obj;			/* later messages carry an object (an SA) */
};

/* ---- per worker --------------------------------------------------------- */

struct fgw_worker {
	unsigned index;
	unsigned lcore;
	struct rte_ring *msgs;		/* struct fgw_msg elements, SP/SC */
	struct rte_ring *inject;	/* mbufs to transmit on mbuf->port, SP/SC */
	struct rte_ring *handoff;	/* ESP frames for SAs this worker owns, MP/SC */
	struct rte_hash *neigh;		/* (ifindex, addr) -> mac, this worker's copy */
	uint32_t neigh_gen;		/* changes with neigh (from 1, see fgw_outer_hop) */
	struct fgw_worker_stats stats;	/* written by this worker only */
} __rte_cache_aligned;

/* ---- the whole data plane ---------------------------------------------- */

struct fgw_dp_params {
	unsigned n_workers;
	unsigned worker_lcores[FGW_DP_MAX_WORKERS];
	unsigned burst;
	unsigned mbufs;
	unsigned idle_sleep_us;
	unsigned max_sas;		/* inbound SA slots, a power of two; 0: FGW_DEFAULT_SAS */
	unsigned max_ifs;		/* interfaces; 0: FGW_DEFAULT_IFS */
	unsigned max_routes;		/* per family; 0: FGW_DEFAULT_ROUTES */
};

struct fgw_dp {
	struct fgw_dp_params params;
	struct fgw_worker *workers[FGW_DP_MAX_WORKERS];
	unsigned n_workers;

	struct fgw_if *ifs;			/* params.max_ifs, ifindex = position */
	unsigned n_ifs;
	unsigned n_unused_ifs;			/* FGW_IF_UNUSED slots below n_ifs */
	unsigned unused_hint;			/* none of them below this one */
	struct rte_hash *if_names;		/* name -> ifindex (control lcore) */
	uint32_t port_if[FGW_MAX_PORTS];	/* DPDK port id -> ifindex */

	struct rte_fib *fib4;			/* next hop ids */
	struct rte_fib6 *fib6;
	struct fgw_nexthop *nh;			/* FGW_MAX_NEXTHOPS, id 0 unused */
	uint32_t route_gen;			/* changes with the FIBs (from 1) */

	/* IPsec (dataplane/tunnel.h). SAs are published by an atomic store
	 * of their pointer into these tables rather than by a ring message:
	 * a tunnel's outbound SA is shared by every worker and an inbound
	 * SA's slot is read by whichever worker a packet lands on, so one
	 * store reaches them all at once, cannot be lost to a full ring, and
	 * a swap has no window where a worker holds neither SA. Replaced SAs
	 * are freed after an RCU grace period, like next hops. */
	struct fgw_tunnel **tunnels;		/* by ifindex, FGW_IF_TUNNEL */
	/* max_ifs x n_workers: each worker's part of each tunnel, found
	 * from the ifindex without reading the tunnel (fgw_tunnel_w) */
	struct fgw_tunnel_worker *tunnel_w;
	struct fgw_sa **sa_in;			/* max_sas slots, by SPI & sa_in_mask */
	uint32_t sa_in_mask;
	struct fgw_crypto *ctl_crypto;		/* key schedules (control lcore) */

	struct rte_rcu_qsbr *rcu;		/* workers report quiescent per loop */
	struct rte_ring *punt;			/* mbufs, MP/SC */
	struct rte_mempool *pool;		/* packet mbufs */
	struct rte_mempool *indirect_pool;	/* rte_ip_frag fragments */
	int punt_meta_offset;			/* mbuf dynfield of struct fgw_punt_meta */
	volatile bool running;
};

static inline struct fgw_punt_meta *fgw_punt_meta(const struct fgw_dp *dp, struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, dp->punt_meta_offset, struct fgw_punt_meta *);
}

/* A pool of packet mbufs (default data room) whose objects spread over
 * the L1 sets; NULL with rte_errno set on failure. */
struct rte_mempool *fgw_mbuf_pool_create(const char *name, unsigned n, unsigned cache,
					 int socket);
/* Setup, after rte_eal_init. err gets one line on failure. */
int fgw_dp_init(struct fgw_dp *dp, const struct fgw_dp_params *p, char *err, size_t errlen);
/* Adds a port: the device must have been given to EAL (fgw_port_eal_args).
 * Configures n_workers RX and TX queues; fails with a clear message when the
 * device is missing or cannot give that many queues or cannot start. */
int fgw_port_add(struct fgw_dp *dp, const char *name, const char *device, uint16_t mtu,
		 const struct fgw_prefix *addr4, const struct fgw_prefix *addr6,
		 char *err, size_t errlen);
int fgw_loopback_add(struct fgw_dp *dp, const char *name, const struct fgw_prefix *addr4,
		     const struct fgw_prefix *addr6, char *err, size_t errlen);
/* The EAL argument that attaches DEVICE: "--vdev" for net_* devices, "-a" for PCI. */
const char *fgw_port_eal_flag(const char *device);
int fgw_if_by_name(const struct fgw_dp *dp, const char *name);	/* ifindex or -1 */

/* Next hops and FIBs (control lcore only). */
uint32_t fgw_nh_alloc(struct fgw_dp *dp, const struct fgw_nexthop *nh);	/* 0 when full */
void fgw_nh_free(struct fgw_dp *dp, uint32_t id);	/* after an RCU grace period */
int fgw_route_add(struct fgw_dp *dp, const struct fgw_prefix *p, uint32_t nh);
int fgw_route_del(struct fgw_dp *dp, const struct fgw_prefix *p);
uint32_t fgw_route_lookup(const struct fgw_dp *dp, const struct fgw_addr *a);

/* Messages and injection (control lcore only). */
int fgw_msg_send(struct fgw_dp *dp, unsigned worker, const struct fgw_msg *msg);
int fgw_msg_broadcast(struct fgw_dp *dp, const struct fgw_msg *msg);
/* Transmit a complete Ethernet frame on DPDK port `port` through a worker's
 * TX queue. Takes ownership of m (freed and counted on failure). */
int fgw_inject(struct fgw_dp *dp, struct rte_mbuf *m, uint16_t port);

/* Workers. */
int fgw_workers_launch(struct fgw_dp *dp);
void fgw_dp_stop(struct fgw_dp *dp);		/* stops workers, then ports */
void fgw_dp_stats_sum(const struct fgw_dp *dp, struct fgw_worker_stats *out);

#endif
