/* Address pools (ip local pool / ipv6 local pool): the addresses the
 * FlexVPN server lends to its peers in CFG_REPLY.
 *
 * One bitmap per pool, one bit per address, so an address is lent to one
 * peer at most by construction. The bitmap is cut into chunks of 4096
 * addresses allocated on first use and freed when empty, so a big IPv6
 * range costs memory only for the part in use; each chunk keeps a count
 * of its addresses in use so a full one is skipped without reading it.
 * Allocation is next-fit from where the last one ended: a released
 * address is not handed out again at once while others are free (a
 * packet still in flight to the old peer then reaches nobody rather than
 * the new one).
 *
 * Plain C (no DPDK): the control lcore is the only caller, nothing locks. */
#ifndef FGW_FLEXVPN_POOL_H
#define FGW_FLEXVPN_POOL_H

#include <stdint.h>
#include <stddef.h>

#include "common/addr.h"
#include "config/config.h"

/* A range larger than this lends its first FGW_POOL_MAX_ADDRS addresses
 * (16 M: 2 MiB of bitmap when all are in use); the log says so. */
#define FGW_POOL_MAX_ADDRS (1u << 24)

struct fgw_pool_stats {
	uint64_t size;			/* addresses the pool lends */
	uint64_t in_use, peak;
	uint64_t allocs, releases;
	uint64_t exhausted;		/* requests refused: no address free */
	uint64_t wanted_granted;	/* a peer asked for an address and got it */
	uint64_t wanted_refused;	/* ... it was taken or not ours: got another */
	uint64_t bad_releases;		/* release of an address not lent: a bug */
	uint64_t chunks;		/* bitmap chunks allocated now */
};

struct fgw_pool;

struct fgw_pools {
	struct fgw_pool *v;
	unsigned n;
};

/* Every cfg->pools entry, all addresses free. 0, or -1 with a line in err. */
int fgw_pools_init(struct fgw_pools *pools, const struct fgw_config *cfg, char *err,
		   size_t errlen);
void fgw_pools_free(struct fgw_pools *pools);
struct fgw_pool *fgw_pool_find(const struct fgw_pools *pools, const char *name);
struct fgw_pool *fgw_pool_at(const struct fgw_pools *pools, unsigned i);

/* Lends an address: `want` when the peer asked for one (a strongSwan
 * client sends 0.0.0.0 or ::, meaning any) and it is ours and free, else
 * the next free one. 0, or -1 when the pool is exhausted (counted). */
int fgw_pool_alloc(struct fgw_pool *p, const struct fgw_addr *want, struct fgw_addr *out);
/* Takes an address back. 0, or -1 (counted) when it was not lent. */
int fgw_pool_release(struct fgw_pool *p, const struct fgw_addr *a);
/* True when a lies in the pool and is lent now. */
bool fgw_pool_in_use(const struct fgw_pool *p, const struct fgw_addr *a);

const char *fgw_pool_name(const struct fgw_pool *p);
uint8_t fgw_pool_family(const struct fgw_pool *p);
/* The configured range (end as configured, even past FGW_POOL_MAX_ADDRS). */
void fgw_pool_range(const struct fgw_pool *p, struct fgw_addr *start, struct fgw_addr *end);
void fgw_pool_stats(const struct fgw_pool *p, struct fgw_pool_stats *s);

#endif
