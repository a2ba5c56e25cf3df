/* The forwarding tables: rte_fib (DIR-24-8) for IPv4 and rte_fib6 (trie)
 * for IPv6, both mapping a destination to a next-hop id; id 0, the default,
 * means no route. The control lcore writes them in place while workers
 * look them up. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

/* tbl8 groups: one per /24 (IPv4) or per trie level (IPv6) that holds a
 * longer prefix. 1 KB each with 4-byte next hops. */
#define TBL8_GROUPS (1 << 14)

int fgw_fib_init(struct fgw_dp *dp, char *err, size_t errlen)
{
	unsigned max_routes = dp->params.max_routes ? dp->params.max_routes : FGW_DEFAULT_ROUTES;
	struct rte_fib_conf c4 = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = 0,
		.max_routes = (int)max_routes,
		.dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_4B, .num_tbl8 = TBL8_GROUPS },
	};
	struct rte_fib6_conf c6 = {
		.type = RTE_FIB6_TRIE,
		.default_nh = 0,
		.max_routes = (int)max_routes,
		.trie = { .nh_sz = RTE_FIB6_TRIE_4B, .num_tbl8 = TBL8_GROUPS },
	};

	dp->route_gen = 1;

	dp->fib4 = rte_fib_create("fgw_fib4", (int)rte_socket_id(), &c4);
	if (dp->fib4 == NULL) {
		snprintf(err, errlen, "cannot create the IPv4 FIB: %s", rte_strerror(rte_errno));
		return -1;
	}
	dp->fib6 = rte_fib6_create("fgw_fib6", (int)rte_socket_id(), &c6);
	if (dp->fib6 == NULL) {
		snprintf(err, errlen, "cannot create the IPv6 FIB: %s", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void fgw_fib_fini(struct fgw_dp *dp)
{
	rte_fib_free(dp->fib4);
	dp->fib4 = NULL;
	rte_fib6_free(dp->fib6);
	dp->fib6 = NULL;
}

/* rte_fib in DPDK 22.11 has no RCU hook, and both adding and deleting a
 * prefix can empty a tbl8 group (its 256 entries collapse back into one
 * tbl24 or parent entry) and return it to the free pool; the next change may
 * hand the same group out again and overwrite it. A worker that read the old
 * parent entry just before the collapse still indexes that group, and
 * would then read a next hop belonging to some other prefix. Waiting for
 * every worker to pass a quiescent state after each change means no worker
 * holds a stale group index when the next change can reuse it. Workers
 * report quiescence once per loop (and go offline while idle), so this
 * costs the control lcore microseconds per route. */
static void fib_changed(struct fgw_dp *dp)
{
	/* Tunnels' cached outer next hops (struct fgw_outer_hop) are now
	 * stale; 0 is never a generation. */
	if (__atomic_add_fetch(&dp->route_gen, 1, __ATOMIC_RELEASE) == 0)
		__atomic_store_n(&dp->route_gen, 1, __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
}

int fgw_route_add(struct fgw_dp *dp, const struct fgw_prefix *p, uint32_t nh)
{
	int rc;

	if (nh >= FGW_MAX_NEXTHOPS)
		return -EINVAL;
	if (p->addr.family == AF_INET && p->len <= 32)
		rc = rte_fib_add(dp->fib4, ntohl(p->addr.v4), p->len, nh);
	else if (p->addr.family == AF_INET6 && p->len <= 128)
		rc = rte_fib6_add(dp->fib6, p->addr.v6, p->len, nh);
	else
		return -EINVAL;
	fib_changed(dp);
	return rc;
}

int fgw_route_del(struct fgw_dp *dp, const struct fgw_prefix *p)
{
	int rc;

	if (p->addr.family == AF_INET && p->len <= 32)
		rc = rte_fib_delete(dp->fib4, ntohl(p->addr.v4), p->len);
	else if (p->addr.family == AF_INET6 && p->len <= 128)
		rc = rte_fib6_delete(dp->fib6, p->addr.v6, p->len);
	else
		return -EINVAL;
	fib_changed(dp);
	return rc;
}

uint32_t fgw_route_lookup(const struct fgw_dp *dp, const struct fgw_addr *a)
{
	uint64_t nh = 0;

	if (a->family == AF_INET) {
		uint32_t ip = ntohl(a->v4);

		rte_fib_lookup_bulk(dp->fib4, &ip, &nh, 1);
	} else if (a->family == AF_INET6) {
		uint8_t ip[1][RTE_FIB6_IPV6_ADDR_SIZE];

		memcpy(ip[0], a->v6, sizeof(ip[0]));
		rte_fib6_lookup_bulk(dp->fib6, ip, &nh, 1);
	}
	return (uint32_t)nh;
}
