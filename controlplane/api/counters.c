#include "api/counters.h"

#include <assert.h>
#include <string.h>

#include <rte_cycles.h>

/* Every counter struct here is nothing but uint64_t, so one loop reads,
 * subtracts or copies all of them and a counter added later is never
 * forgotten. */
#define N_U64(type) (sizeof(type) / sizeof(uint64_t))
static_assert(sizeof(struct fgw_worker_stats) % sizeof(uint64_t) == 0, "worker stats");
static_assert(sizeof(struct rte_eth_stats) % sizeof(uint64_t) == 0, "ethdev stats");
static_assert(sizeof(struct fgw_control_stats) % sizeof(uint64_t) == 0, "control stats");

const struct fgw_counter_field fgw_control_counters[] = {
#define C(field, label) { #field, label, offsetof(struct fgw_control_stats, field) }
	C(arp_requests_rx, "ARP requests received"),
	C(arp_replies_rx, "ARP replies received"),
	C(arp_requests_tx, "ARP requests sent"),
	C(arp_replies_tx, "ARP replies sent"),
	C(nd_ns_rx, "Neighbor solicitations received"),
	C(nd_na_rx, "Neighbor advertisements received"),
	C(nd_ns_tx, "Neighbor solicitations sent"),
	C(nd_na_tx, "Neighbor advertisements sent"),
	C(nd_ignored, "RS, RA, redirects, off-link NS ignored"),
	C(icmp_echo_replies, "ICMP echo replies sent"),
	C(icmp_errors_tx, "ICMP errors sent"),
	C(icmp_errors_ratelimited, "ICMP errors rate-limited"),
	C(tcp_resets_tx, "TCP resets sent"),
	C(neigh_resolved, "Neighbours resolved"),
	C(neigh_failed, "Neighbour resolutions failed"),
	C(neigh_pending_dropped, "Packets dropped awaiting resolution"),
	C(neigh_probes_ratelimited, "Neighbour probes rate-limited"),
	C(neigh_reclaimed, "Unresolved neighbours evicted"),
	C(neigh_miss_rerouted, "Unresolved-next-hop punts rerouted"),
	C(local_dropped, "Packets for us not answerable"),
	C(output_dropped, "Own packets not sent"),
	C(malformed, "Malformed punted packets"),
	C(ctl_requests, "Control socket requests"),
	C(ctl_errors, "Control socket errors"),
	C(manual_sa_soft_expired, "Manual SAs past their soft lifetime"),
	C(manual_sa_hard_expired, "Manual SAs past their hard lifetime"),
	C(manual_sa_seq_exhausted, "Manual SAs out of sequence numbers"),
#undef C
};
const unsigned fgw_n_control_counters =
	sizeof(fgw_control_counters) / sizeof(fgw_control_counters[0]);

static void load_u64s(uint64_t *dst, const uint64_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* A counter read after a clear is never below its baseline, but clamp
 * anyway: a wrapped huge number would be worse than a zero. */
static void sub_u64s(uint64_t *out, const uint64_t *now, const uint64_t *base, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = now[i] >= base[i] ? now[i] - base[i] : 0;
}

void fgw_counters_read_worker(const struct fgw_worker *w, struct fgw_worker_stats *out)
{
	load_u64s((uint64_t *)out, (const uint64_t *)&w->stats, N_U64(*out));
}

void fgw_counters_read_control(const struct fgw_control *c, struct fgw_control_stats *out)
{
	load_u64s((uint64_t *)out, (const uint64_t *)&c->stats, N_U64(*out));
}

static uint64_t outcomes(const struct fgw_worker_stats *s)
{
	uint64_t n = s->forwarded + s->punted;

	for (unsigned r = 0; r < FGW_DROP_MAX; r++)
		n += s->drop[r];
	return n - s->drop[FGW_DROP_TX_FULL];
}

void fgw_counters_clear(const struct fgw_control *c, struct fgw_counters_baseline *b)
{
	const struct fgw_dp *dp = c->dp;

	memset(b, 0, sizeof(*b));
	for (unsigned w = 0; w < dp->n_workers && w < FGW_DP_MAX_WORKERS; w++) {
		fgw_counters_read_worker(dp->workers[w], &b->worker[w]);
		/* A worker counts rx when a burst arrives and the outcome of each
		 * packet a moment later, so a snapshot taken mid-burst holds rx
		 * for packets it has no outcome for yet. Taking the outcomes as
		 * the baseline's rx keeps rx == forwarded + punted + drops -
		 * tx_full exact after the clear: those in-flight packets simply
		 * belong to the new period. */
		b->worker[w].rx = outcomes(&b->worker[w]);
	}
	for (unsigned i = 0; i < dp->n_ifs; i++) {
		const struct fgw_if *ifp = &dp->ifs[i];

		if (ifp->kind == FGW_IF_PORT && ifp->port_id < FGW_MAX_PORTS)
			rte_eth_stats_get(ifp->port_id, &b->eth[ifp->port_id]);
	}
	fgw_counters_read_control(c, &b->control);
	b->when = rte_get_timer_cycles();
	b->cleared = true;
}

void fgw_counters_worker(const struct fgw_control *c, const struct fgw_counters_baseline *b,
			 unsigned w, struct fgw_worker_stats *out)
{
	struct fgw_worker_stats now;

	fgw_counters_read_worker(c->dp->workers[w], &now);
	sub_u64s((uint64_t *)out, (const uint64_t *)&now, (const uint64_t *)&b->worker[w],
		 N_U64(now));
}

bool fgw_counters_eth(const struct fgw_counters_baseline *b, uint16_t port,
		      struct rte_eth_stats *out)
{
	struct rte_eth_stats now;

	if (port >= FGW_MAX_PORTS || rte_eth_stats_get(port, &now) != 0)
		return false;
	sub_u64s((uint64_t *)out, (const uint64_t *)&now, (const uint64_t *)&b->eth[port],
		 N_U64(now));
	return true;
}

void fgw_counters_control(const struct fgw_control *c, const struct fgw_counters_baseline *b,
			  struct fgw_control_stats *out)
{
	struct fgw_control_stats now;

	fgw_counters_read_control(c, &now);
	sub_u64s((uint64_t *)out, (const uint64_t *)&now, (const uint64_t *)&b->control,
		 N_U64(now));
}

int64_t fgw_counters_cleared_ago(const struct fgw_counters_baseline *b)
{
	if (!b->cleared)
		return -1;
	return (int64_t)((rte_get_timer_cycles() - b->when) / rte_get_timer_hz());
}
