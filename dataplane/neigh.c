/* A worker's neighbour cache: (ifindex, address) -> MAC. The control lcore
 * owns the master table (controlplane/net/neigh.c) and sends each worker
 * NEIGH_SET/NEIGH_DEL messages; the worker is the only reader and writer of
 * its copy, so the hash needs no locking and no RCU. The MAC is stored in
 * the hash's data pointer itself: no second allocation, no second load. */
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

#define NEIGH_CACHE_SIZE 16384

_Static_assert(sizeof(struct fgw_neigh_key) == 24, "fgw_neigh_key has implicit padding");

static void *mac_pack(const struct rte_ether_addr *mac)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		v |= (uint64_t)mac->addr_bytes[i] << (8 * i);
	return (void *)(uintptr_t)v;
}

/* Every forwarded packet's MAC comes through here: one 6-byte copy of the
 * little-endian word instead of six shifted byte stores. */
static void mac_unpack(const void *data, struct rte_ether_addr *mac)
{
	uint64_t v = rte_cpu_to_le_64((uint64_t)(uintptr_t)data);

	memcpy(mac->addr_bytes, &v, RTE_ETHER_ADDR_LEN);
}

struct rte_hash *fgw_neigh_cache_create(unsigned worker, int socket)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters params = {
		.name = name,
		.entries = NEIGH_CACHE_SIZE,
		.key_len = sizeof(struct fgw_neigh_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* An overflow table instead of failing an insert when a
		 * bucket pair is full. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(name, sizeof(name), "fgw_neigh%u", worker);
	return rte_hash_create(&params);
}

static bool key_equal(const struct fgw_neigh_key *a, const struct fgw_neigh_key *b)
{
	uint64_t x[3], y[3];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
}

/* Consecutive packets mostly share their next hop (a gateway, a flow's
 * burst, a tunnel's decrypted traffic): a run of equal keys is looked up
 * once. The hash lookup costs about 185 instructions a key (callgrind),
 * the comparison a few. A burst whose packets all go to one neighbour,
 * the one the last such burst went to, is not looked up at all while the
 * table is unchanged (neigh_gen): a tunnel's traffic to one LAN host or
 * gateway, burst after burst. */
uint64_t fgw_neigh_lookup_bulk(struct fgw_worker *w, const struct fgw_neigh_key **keys,
			       unsigned n, struct rte_ether_addr *macs)
{
	struct fgw_worker_ctx *ctx = fgw_worker_ctx(w);
	const struct fgw_neigh_key *uniq[FGW_MAX_BURST];
	void *data[FGW_MAX_BURST];
	uint8_t at[FGW_MAX_BURST];
	uint64_t found = 0, hits = 0;
	unsigned u = 0;

	if (n == 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		if (u == 0 || (keys[i] != uniq[u - 1] && !key_equal(keys[i], uniq[u - 1])))
			uniq[u++] = keys[i];
		at[i] = (uint8_t)(u - 1);
	}
	if (u == 1 && ctx->last_neigh_gen == w->neigh_gen && key_equal(uniq[0], &ctx->last_neigh)) {
		found = 1;
		data[0] = ctx->last_neigh_data;
	} else if (rte_hash_lookup_bulk_data(w->neigh, (const void **)uniq, u, &found, data) < 0) {
		return 0;
	} else if (u == 1 && found) {
		ctx->last_neigh = *uniq[0];
		ctx->last_neigh_data = data[0];
		ctx->last_neigh_gen = w->neigh_gen;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!(found & (1ULL << at[i])))
			continue;
		mac_unpack(data[at[i]], &macs[i]);
		hits |= 1ULL << i;
	}
	return hits;
}

void fgw_neigh_apply(struct fgw_worker *w, const struct fgw_msg *msg)
{
	struct fgw_neigh_key key;

	if (msg->addr.family != AF_INET && msg->addr.family != AF_INET6)
		return;
	fgw_neigh_key_set(&key, msg->ifindex, msg->addr.family, msg->addr.bytes);
	if (msg->type == FGW_MSG_NEIGH_SET)
		/* Fails only when the cache is full: packets for this
		 * neighbour then take the slow path, punted NEIGH_MISS to
		 * the control lcore, which knows the MAC. */
		rte_hash_add_key_data(w->neigh, &key, mac_pack(&msg->mac));
	else
		rte_hash_del_key(w->neigh, &key);
	if (++w->neigh_gen == 0)
		w->neigh_gen = 1;
}
