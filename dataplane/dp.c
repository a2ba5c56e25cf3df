/* Bring-up and tear-down of the shared data-plane state: pools, rings, RCU,
 * next hops, FIBs and the workers' private state. Ports come later
 * (port.c), workers start last (worker.c). */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_ip_frag.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

#define DEFAULT_BURST 32
#define DEFAULT_MBUFS 16383
#define MBUF_CACHE 256u
/* Room for a few bursts from every worker while the control lcore is busy. */
#define PUNT_RING_SIZE 4096
#define MSG_RING_SIZE 1024
#define INJECT_RING_SIZE 1024
#define HANDOFF_RING_SIZE 1024

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, rte_strerror(rte_errno));
	return -1;
}

static int punt_meta_register(struct fgw_dp *dp, char *err, size_t errlen)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "fgw_punt_meta",
		.size = sizeof(struct fgw_punt_meta),
		.align = __alignof__(struct fgw_punt_meta),
	};

	dp->punt_meta_offset = rte_mbuf_dynfield_register(&desc);
	if (dp->punt_meta_offset < 0)
		return fail(err, errlen, "cannot register the punt metadata mbuf field");
	return 0;
}

static int pools_create(struct fgw_dp *dp, char *err, size_t errlen)
{
	unsigned n = dp->params.mbufs;
	/* A per-lcore cache must stay well below the pool size, or lcores
	 * can strand most of the pool in their caches. */
	unsigned cache = RTE_MIN(MBUF_CACHE, n / 8);

	dp->pool = fgw_mbuf_pool_create("fgw_mbufs", n, cache, (int)rte_socket_id());
	if (dp->pool == NULL)
		return fail(err, errlen, "cannot create the mbuf pool");
	/* Fragments point into the original packet through indirect mbufs,
	 * which carry no data of their own. */
	dp->indirect_pool = rte_pktmbuf_pool_create("fgw_indirect", n, cache, 0, 0,
						    (int)rte_socket_id());
	if (dp->indirect_pool == NULL)
		return fail(err, errlen, "cannot create the indirect mbuf pool");
	return 0;
}

static int rcu_create(struct fgw_dp *dp, char *err, size_t errlen)
{
	size_t size = rte_rcu_qsbr_get_memsize(dp->n_workers);

	dp->rcu = rte_zmalloc("fgw_rcu", size, RTE_CACHE_LINE_SIZE);
	if (dp->rcu == NULL || rte_rcu_qsbr_init(dp->rcu, dp->n_workers) != 0)
		return fail(err, errlen, "cannot create the RCU state");
	return 0;
}

static int worker_create(struct fgw_dp *dp, unsigned i, char *err, size_t errlen)
{
	unsigned lcore = dp->params.worker_lcores[i];
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct fgw_worker_ctx *ctx;
	struct fgw_worker *w;
	char name[RTE_RING_NAMESIZE];

	ctx = rte_zmalloc_socket("fgw_worker", sizeof(*ctx), RTE_CACHE_LINE_SIZE, socket);
	if (ctx == NULL)
		return fail(err, errlen, "cannot allocate a worker");
	ctx->dp = dp;
	/* not where a restarted gateway's peer still holds fragments from */
	ctx->frag_id6 = (uint32_t)rte_rand();
	w = &ctx->pub;
	w->index = i;
	w->lcore = lcore;
	dp->workers[i] = w;

	snprintf(name, sizeof(name), "fgw_msgs%u", i);
	w->msgs = rte_ring_create_elem(name, sizeof(struct fgw_msg), MSG_RING_SIZE, socket,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->msgs == NULL)
		return fail(err, errlen, "cannot create a worker's message ring");
	snprintf(name, sizeof(name), "fgw_inject%u", i);
	w->inject = rte_ring_create(name, INJECT_RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->inject == NULL)
		return fail(err, errlen, "cannot create a worker's inject ring");
	snprintf(name, sizeof(name), "fgw_handoff%u", i);
	w->handoff = rte_ring_create(name, HANDOFF_RING_SIZE, socket, RING_F_SC_DEQ);
	if (w->handoff == NULL)
		return fail(err, errlen, "cannot create a worker's handoff ring");
	w->neigh = fgw_neigh_cache_create(i, socket);
	w->neigh_gen = 1;
	if (w->neigh == NULL)
		return fail(err, errlen, "cannot create a worker's neighbour cache");
	ctx->frags = fgw_reassembly_create(socket);
	if (ctx->frags == NULL)
		return fail(err, errlen, "cannot create a worker's reassembly table");
	if (fgw_crypto_init(&ctx->crypto, err, errlen) < 0)
		return -1;
	/* Only workers encrypt (the control lcore injects through them). */
	ctx->crypto.sole_writer = dp->n_workers == 1;
	return 0;
}

static void ring_free_mbufs(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r);
}

static void dp_free(struct fgw_dp *dp)
{
	for (unsigned i = 0; i < FGW_DP_MAX_WORKERS; i++) {
		struct fgw_worker *w = dp->workers[i];

		if (w == NULL)
			continue;
		rte_ring_free(w->msgs);
		if (w->inject != NULL)
			ring_free_mbufs(w->inject);
		if (w->handoff != NULL)
			ring_free_mbufs(w->handoff);
		rte_hash_free(w->neigh);
		if (fgw_worker_ctx(w)->frags != NULL)
			rte_ip_frag_table_destroy(fgw_worker_ctx(w)->frags);
		rte_ip_frag_free_death_row(&fgw_worker_ctx(w)->death_row, 0);
		fgw_crypto_free(&fgw_worker_ctx(w)->crypto);
		fgw_txq_free(fgw_worker_ctx(w));
		rte_free(fgw_worker_ctx(w));
		dp->workers[i] = NULL;
	}
	fgw_tunnels_fini(dp);
	fgw_ifs_fini(dp);
	fgw_fib_fini(dp);
	fgw_nh_fini(dp);
	if (dp->punt != NULL)
		ring_free_mbufs(dp->punt);
	dp->punt = NULL;
	rte_free(dp->rcu);
	dp->rcu = NULL;
	rte_mempool_free(dp->indirect_pool);
	dp->indirect_pool = NULL;
	rte_mempool_free(dp->pool);
	dp->pool = NULL;
}

int fgw_dp_init(struct fgw_dp *dp, const struct fgw_dp_params *p, char *err, size_t errlen)
{
	memset(dp, 0, sizeof(*dp));
	dp->params = *p;
	if (dp->params.burst == 0)
		dp->params.burst = DEFAULT_BURST;
	if (dp->params.mbufs == 0)
		dp->params.mbufs = DEFAULT_MBUFS;
	if (p->n_workers == 0 || p->n_workers > FGW_DP_MAX_WORKERS) {
		snprintf(err, errlen, "%u workers: between 1 and %u are supported",
			 p->n_workers, FGW_DP_MAX_WORKERS);
		return -1;
	}
	if (dp->params.burst > FGW_MAX_BURST) {
		snprintf(err, errlen, "burst %u: at most %u", dp->params.burst, FGW_MAX_BURST);
		return -1;
	}
	dp->n_workers = p->n_workers;
	for (unsigned i = 0; i < FGW_MAX_PORTS; i++)
		dp->port_if[i] = FGW_IF_NONE;

	if (punt_meta_register(dp, err, errlen) < 0 || pools_create(dp, err, errlen) < 0 ||
	    rcu_create(dp, err, errlen) < 0)
		goto error;
	dp->punt = rte_ring_create("fgw_punt", PUNT_RING_SIZE, (int)rte_socket_id(),
				   RING_F_SC_DEQ);
	if (dp->punt == NULL) {
		fail(err, errlen, "cannot create the punt ring");
		goto error;
	}
	if (fgw_nh_init(dp, err, errlen) < 0 || fgw_fib_init(dp, err, errlen) < 0 ||
	    fgw_ifs_init(dp, err, errlen) < 0 || fgw_tunnels_init(dp, err, errlen) < 0)
		goto error;
	for (unsigned i = 0; i < dp->n_workers; i++)
		if (worker_create(dp, i, err, errlen) < 0)
			goto error;
	return 0;
error:
	dp_free(dp);
	dp->n_workers = 0;
	return -1;
}

void fgw_dp_stop(struct fgw_dp *dp)
{
	fgw_workers_join(dp);
	fgw_ports_close(dp);
	dp_free(dp);
	dp->n_workers = 0;
}
