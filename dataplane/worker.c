/* The worker lcore: poll each port's RX queue that belongs to this worker,
 * push the burst through the stages, and between bursts apply the control
 * lcore's messages, send what it injected, flush TX and report a quiescent
 * state for RCU. Nothing here allocates, locks, logs or makes a system call,
 * except the optional sleep when idle. */
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "common/log.h"
#include "dataplane/dp.h"
#include "dataplane/private.h"
#include "dataplane/worker.h"

/* Consecutive empty polls before an idle worker sleeps (idle_sleep_us):
 * long enough that a steady flow never sees the sleep. */
#define IDLE_POLLS_BEFORE_SLEEP 256

void fgw_drop(struct fgw_burst *b, struct rte_mbuf *m, enum fgw_drop_reason why)
{
	b->stats->drop[why]++;
	rte_pktmbuf_free(m);
}

/* The port's received bytes are added up by fgw_eth_input, in its loop. */
static void burst_process(struct fgw_burst *b, struct rte_mbuf **pkts, unsigned n)
{
	struct fgw_port_stats *ps = &b->stats->port[b->port];

	b->stats->rx += n;
	ps->rx_packets += n;
	fgw_eth_input(b, pkts, n);
	fgw_punt_flush(b);
}

void fgw_worker_process_burst(struct fgw_dp *dp, struct fgw_worker *w, uint16_t port,
			      struct rte_mbuf **pkts, uint16_t n)
{
	/* Field by field: an initializer would zero the punt arrays too, a
	 * memset a burst (callgrind, 64 B GCM outbound: 1.5 instructions a
	 * packet); they are written before they are read (n_punt). */
	struct fgw_burst b;

	b.dp = dp;
	b.ctx = fgw_worker_ctx(w);
	b.stats = &w->stats;
	b.port = port;
	b.in_if = FGW_IF_NONE;
	b.inner = false;
	b.n_punt = 0;

	if (port >= FGW_MAX_PORTS || dp->port_if[port] == FGW_IF_NONE) {
		/* Not a port of ours: nothing to attribute the frames to. */
		w->stats.rx += n;
		w->stats.drop[FGW_DROP_NOT_FOR_US] += n;
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	b.in_if = dp->port_if[port];
	for (unsigned off = 0; off < n; off += FGW_MAX_BURST)
		burst_process(&b, pkts + off, RTE_MIN(n - off, (unsigned)FGW_MAX_BURST));
}

unsigned fgw_worker_service(struct fgw_worker *w)
{
	struct fgw_worker_ctx *ctx = fgw_worker_ctx(w);
	unsigned work;

	work = fgw_msgs_apply(ctx);
	work += fgw_handoff_drain(ctx);
	work += fgw_inject_drain(ctx);
	fgw_tx_flush(ctx);
	return work;
}

void fgw_worker_ports_init(const struct fgw_dp *dp, struct fgw_worker_ports *p)
{
	/* Ports are added before the workers start and never removed while
	 * they run; whether each is up is read on every pass. */
	p->n = 0;
	for (unsigned i = 0; i < dp->n_ifs && p->n < FGW_MAX_PORTS; i++)
		if (dp->ifs[i].kind == FGW_IF_PORT)
			p->ifs[p->n++] = (uint16_t)i;
}

unsigned fgw_worker_pass(struct fgw_dp *dp, struct fgw_worker *w,
			 const struct fgw_worker_ports *p, unsigned *rx)
{
	uint16_t burst = (uint16_t)dp->params.burst;
	uint16_t queue = (uint16_t)w->index;
	struct rte_mbuf *pkts[FGW_MAX_BURST];
	unsigned got = 0, work;

	for (unsigned i = 0; i < p->n; i++) {
		const struct fgw_if *ifp = &dp->ifs[p->ifs[i]];
		uint16_t n;

		if (!ifp->up)
			continue;
		n = rte_eth_rx_burst(ifp->port_id, queue, pkts, burst);
		if (n != 0)
			fgw_worker_process_burst(dp, w, ifp->port_id, pkts, n);
		got += n;
	}
	work = got + fgw_worker_service(w);
	rte_rcu_qsbr_quiescent(dp->rcu, w->index);
	w->stats.polls++;
	w->stats.idle_polls += work == 0;
	*rx = got;
	return work;
}

static int worker_main(void *arg)
{
	struct fgw_worker_ctx *ctx = arg;
	struct fgw_worker *w = &ctx->pub;
	struct fgw_dp *dp = ctx->dp;
	struct fgw_worker_ports ports;
	unsigned idle = 0, rx;

	fgw_worker_ports_init(dp, &ports);
	rte_rcu_qsbr_thread_register(dp->rcu, w->index);
	rte_rcu_qsbr_thread_online(dp->rcu, w->index);
	while (dp->running) {
		if (fgw_worker_pass(dp, w, &ports, &rx) != 0) {
			idle = 0;
			continue;
		}
		if (dp->params.idle_sleep_us != 0 && ++idle >= IDLE_POLLS_BEFORE_SLEEP) {
			/* Offline while asleep, so the control lcore's grace
			 * periods do not wait for the sleep to end. */
			rte_rcu_qsbr_thread_offline(dp->rcu, w->index);
			rte_delay_us_sleep(dp->params.idle_sleep_us);
			rte_rcu_qsbr_thread_online(dp->rcu, w->index);
		}
	}
	fgw_tx_flush(ctx);
	rte_rcu_qsbr_thread_offline(dp->rcu, w->index);
	rte_rcu_qsbr_thread_unregister(dp->rcu, w->index);
	return 0;
}

void fgw_workers_join(struct fgw_dp *dp)
{
	dp->running = false;
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct fgw_worker_ctx *ctx;

		if (dp->workers[i] == NULL)
			continue;
		ctx = fgw_worker_ctx(dp->workers[i]);
		if (ctx->launched)
			rte_eal_wait_lcore(ctx->pub.lcore);
		ctx->launched = false;
	}
}

int fgw_workers_launch(struct fgw_dp *dp)
{
	dp->running = true;
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct fgw_worker_ctx *ctx = fgw_worker_ctx(dp->workers[i]);
		unsigned lcore = ctx->pub.lcore;
		int rc;

		if (lcore == rte_get_main_lcore() || !rte_lcore_is_enabled(lcore)) {
			FGW_ERR("worker %u: lcore %u is not an EAL worker lcore", i, lcore);
			goto fail;
		}
		rc = rte_eal_remote_launch(worker_main, ctx, lcore);
		if (rc != 0) {
			FGW_ERR("worker %u: cannot launch on lcore %u: %s", i, lcore,
				rte_strerror(-rc));
			goto fail;
		}
		ctx->launched = true;
	}
	return 0;
fail:
	fgw_workers_join(dp);
	return -1;
}
