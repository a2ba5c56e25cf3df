/* Tunnel interfaces and SA publication (control lcore). See tunnel.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/dp.h"
#include "dataplane/ipsec/sa_setup.h"
#include "dataplane/private.h"
#include "dataplane/tunnel.h"

/* Worst case added in front of and behind an inner packet: outer IPv6,
 * UDP (NAT-T), ESP header, CBC IV, 15 bytes of padding, trailer, 32-byte
 * ICV; plus, for GRE, the GRE header with a key. */
#define ESP_WORST_OVERHEAD (40 + 8 + 8 + 16 + 15 + 2 + 32)
#define GRE_WORST_OVERHEAD 8

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int fgw_tunnels_init(struct fgw_dp *dp, char *err, size_t errlen)
{
	unsigned n = dp->params.max_sas ? dp->params.max_sas : FGW_DEFAULT_SAS;

	if ((n & (n - 1)) != 0 || n > FGW_SPI_MAX_INDEX + 1)
		FAIL("max_sas %u: a power of two up to %u", n, FGW_SPI_MAX_INDEX + 1);
	dp->params.max_sas = n;
	dp->sa_in = rte_zmalloc("fgw_sa_in", n * sizeof(*dp->sa_in), RTE_CACHE_LINE_SIZE);
	if (dp->sa_in == NULL)
		FAIL("cannot allocate %u inbound SA slots", n);
	dp->sa_in_mask = n - 1;
	dp->tunnel_w = rte_zmalloc("fgw_tunnel_w", (size_t)dp->params.max_ifs * dp->n_workers *
				   sizeof(*dp->tunnel_w), RTE_CACHE_LINE_SIZE);
	if (dp->tunnel_w == NULL)
		FAIL("cannot allocate the tunnels' per-worker lines");
	dp->ctl_crypto = rte_zmalloc("fgw_ctl_crypto", sizeof(*dp->ctl_crypto),
				     RTE_CACHE_LINE_SIZE);
	if (dp->ctl_crypto == NULL)
		FAIL("cannot allocate the control lcore's crypto manager");
	return fgw_crypto_init(dp->ctl_crypto, err, errlen);
}

/* Workers have stopped: nothing holds an SA any more. */
void fgw_tunnels_fini(struct fgw_dp *dp)
{
	for (unsigned i = 0; dp->tunnels != NULL && i < dp->n_ifs; i++) {
		if (dp->tunnels[i] == NULL)
			continue;
		fgw_sa_free(dp->tunnels[i]->sa_out);
		free(dp->tunnels[i]->sa_in);
		rte_free(dp->tunnels[i]);
		dp->tunnels[i] = NULL;
	}
	if (dp->sa_in != NULL)
		for (uint32_t i = 0; i <= dp->sa_in_mask; i++)
			fgw_sa_free(dp->sa_in[i]);
	rte_free(dp->sa_in);
	rte_free(dp->tunnel_w);
	dp->tunnel_w = NULL;
	dp->sa_in = NULL;
	if (dp->ctl_crypto != NULL && dp->ctl_crypto->mgr != NULL)
		fgw_crypto_free(dp->ctl_crypto);
	rte_free(dp->ctl_crypto);
	dp->ctl_crypto = NULL;
}

IMB_MGR *fgw_dp_crypto_mgr(struct fgw_dp *dp)
{
	return dp->ctl_crypto ? dp->ctl_crypto->mgr : NULL;
}

static struct fgw_tunnel *tunnel_of(const struct fgw_dp *dp, uint32_t ifindex)
{
	return ifindex < dp->n_ifs ? dp->tunnels[ifindex] : NULL;
}

/* The lowest deleted tunnel's ifindex, else the next new one. The hint
 * keeps this from reading the table at every creation. */
static unsigned free_slot(struct fgw_dp *dp)
{
	if (dp->n_unused_ifs == 0)
		return dp->n_ifs;
	while (dp->ifs[dp->unused_hint].kind != FGW_IF_UNUSED)
		dp->unused_hint++;
	return dp->unused_hint;
}

int fgw_tunnel_add(struct fgw_dp *dp, const struct fgw_tunnel_params *p,
		   char *err, size_t errlen)
{
	struct fgw_tunnel *t;
	struct fgw_if *ifp;
	unsigned overhead, slot;

	slot = free_slot(dp);
	if (slot >= dp->params.max_ifs)
		FAIL("too many interfaces (%u)", dp->params.max_ifs);
	if (strlen(p->name) >= sizeof(dp->ifs[0].name))
		FAIL("interface name longer than %zu characters", sizeof(dp->ifs[0].name) - 1);
	if (fgw_if_by_name(dp, p->name) >= 0)
		FAIL("interface %s exists already", p->name);
	if (p->kind != FGW_TUNNEL_IPSEC && p->kind != FGW_TUNNEL_GRE)
		FAIL("%s: unknown tunnel kind %u", p->name, p->kind);
	if (!fgw_addr_is_set(&p->src) || p->src.family != p->dst.family)
		FAIL("%s: tunnel source and destination missing or of different families",
		     p->name);
	overhead = ESP_WORST_OVERHEAD + (p->kind == FGW_TUNNEL_GRE ? GRE_WORST_OVERHEAD : 0);
	if (p->mtu != 0 && p->mtu < 576)
		FAIL("%s: MTU %u below 576", p->name, p->mtu);
	t = rte_zmalloc("fgw_tunnel", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		FAIL("%s: out of memory", p->name);
	t->ifindex = slot;
	t->kind = p->kind;
	t->gre_key_set = p->gre_key_set;
	t->gre_key = rte_cpu_to_be_32(p->gre_key);
	t->mss = p->tcp_mss;
	t->src = p->src;
	t->dst = p->dst;
	/* A reused slot: the last tunnel's workers let go of it a grace
	 * period ago. */
	memset(fgw_tunnel_w(dp, slot, 0), 0, dp->n_workers * sizeof(*dp->tunnel_w));
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct fgw_tunnel_worker *tw = fgw_tunnel_w(dp, slot, i);

		tw->kind = t->kind;
		tw->mss = t->mss;
		tw->rx_mss = t->mss;
		tw->mtu = p->mtu ? p->mtu : (uint16_t)(1500 - overhead);
	}

	ifp = &dp->ifs[slot];
	memset(ifp, 0, sizeof(*ifp));
	snprintf(ifp->name, sizeof(ifp->name), "%s", p->name);
	ifp->kind = FGW_IF_TUNNEL;
	ifp->mtu = fgw_tunnel_w(dp, slot, 0)->mtu;
	ifp->addr4 = p->addr4;
	ifp->addr6 = p->addr6;
	dp->tunnels[slot] = t;
	fgw_if_name_add(dp, slot);
	if (slot == dp->n_ifs)
		dp->n_ifs++;
	else
		dp->n_unused_ifs--;
	/* the tunnel is complete before a worker can see the interface up;
	 * a shut-down one is never up, not even for a moment */
	if (!p->shutdown) {
		__atomic_store_n(&ifp->up, true, __ATOMIC_RELEASE);
		for (unsigned i = 0; i < dp->n_workers; i++)
			__atomic_store_n(&fgw_tunnel_w(dp, slot, i)->up, true, __ATOMIC_RELEASE);
	}
	return t->ifindex;
}

int fgw_tunnel_endpoints(const struct fgw_dp *dp, uint32_t ifindex, struct fgw_addr *src,
			 struct fgw_addr *dst)
{
	const struct fgw_tunnel *t = tunnel_of(dp, ifindex);

	if (t == NULL)
		return -1;
	*src = t->src;
	*dst = t->dst;
	return 0;
}

/* Makes sa the tunnel's outbound SA, in each worker's line too; returns
 * the one it replaces. A worker sees the old SA or the new one, never a
 * freed one: the caller frees the old after a grace period. */
static struct fgw_sa *sa_out_publish(struct fgw_dp *dp, struct fgw_tunnel *t, struct fgw_sa *sa)
{
	struct fgw_sa *old = __atomic_exchange_n(&t->sa_out, sa, __ATOMIC_ACQ_REL);

	for (unsigned i = 0; i < dp->n_workers; i++)
		__atomic_store_n(&fgw_tunnel_w(dp, t->ifindex, i)->sa_out, sa, __ATOMIC_RELEASE);
	return old;
}

/* Waits until no worker can hold a pointer read before now. */
static void grace_period(struct fgw_dp *dp)
{
	rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
}

int fgw_tunnel_del(struct fgw_dp *dp, uint32_t ifindex)
{
	struct fgw_tunnel *t = tunnel_of(dp, ifindex);
	struct fgw_sa *sa_out;

	if (t == NULL)
		return -1;
	/* Inbound SAs name their tunnel: none may outlive it, or a packet
	 * for it would reach whatever reuses the ifindex. */
	__atomic_store_n(&dp->ifs[ifindex].up, false, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < dp->n_workers; i++)
		__atomic_store_n(&fgw_tunnel_w(dp, ifindex, i)->up, false, __ATOMIC_RELEASE);
	sa_out = sa_out_publish(dp, t, NULL);
	for (unsigned i = 0; i < t->n_sa_in; i++)
		__atomic_store_n(&dp->sa_in[t->sa_in[i]->spi & dp->sa_in_mask], NULL,
				 __ATOMIC_RELEASE);
	grace_period(dp);
	/* No worker holds the tunnel, its SAs, or a next hop to it read
	 * while the interface was up. */
	fgw_sa_free(sa_out);
	for (unsigned i = 0; i < t->n_sa_in; i++)
		fgw_sa_free(t->sa_in[i]);
	free(t->sa_in);
	dp->tunnels[ifindex] = NULL;
	rte_free(t);
	fgw_if_name_del(dp, ifindex);
	memset(&dp->ifs[ifindex], 0, sizeof(dp->ifs[ifindex]));
	dp->ifs[ifindex].kind = FGW_IF_UNUSED;
	if (dp->n_unused_ifs++ == 0 || ifindex < dp->unused_hint)
		dp->unused_hint = ifindex;
	return 0;
}

static int sa_check(const struct fgw_tunnel *t, const struct fgw_sa *sa, bool inbound,
		    char *err, size_t errlen)
{
	uint8_t mode = t->kind == FGW_TUNNEL_IPSEC ? FGW_SA_TUNNEL : FGW_SA_TRANSPORT;

	if (!(sa->flags & FGW_SA_F_INBOUND) != !inbound)
		FAIL("SA %08x: not an %s SA", sa->spi, inbound ? "inbound" : "outbound");
	if (sa->mode != mode)
		FAIL("SA %08x: a %s tunnel needs a %s-mode SA", sa->spi,
		     t->kind == FGW_TUNNEL_IPSEC ? "VTI" : "GRE",
		     mode == FGW_SA_TUNNEL ? "tunnel" : "transport");
	if (!inbound && sa->mode == FGW_SA_TUNNEL &&
	    (!fgw_addr_eq(&sa->src, &t->src) || !fgw_addr_eq(&sa->dst, &t->dst)))
		FAIL("SA %08x: endpoints differ from the tunnel's", sa->spi);
	return 0;
}

int fgw_tunnel_sa_out_set(struct fgw_dp *dp, uint32_t ifindex, struct fgw_sa *sa,
			  char *err, size_t errlen)
{
	struct fgw_tunnel *t = tunnel_of(dp, ifindex);
	struct fgw_sa *old;

	if (t == NULL)
		FAIL("interface %u is not a tunnel", ifindex);
	if (sa != NULL) {
		if (sa_check(t, sa, false, err, errlen) < 0)
			return -1;
	}
	old = sa_out_publish(dp, t, sa);
	if (old != NULL) {
		grace_period(dp);
		fgw_sa_free(old);
	}
	return 0;
}

int fgw_sa_in_add(struct fgw_dp *dp, uint32_t ifindex, struct fgw_sa *sa, unsigned worker,
		  char *err, size_t errlen)
{
	struct fgw_tunnel *t = tunnel_of(dp, ifindex);
	struct fgw_sa **slot;

	if (t == NULL)
		FAIL("interface %u is not a tunnel", ifindex);
	if (worker >= dp->n_workers)
		FAIL("SA %08x: no worker %u", sa->spi, worker);
	if (sa_check(t, sa, true, err, errlen) < 0)
		return -1;
	slot = &dp->sa_in[sa->spi & dp->sa_in_mask];
	if (*slot != NULL)
		FAIL("SA %08x: its slot is taken by SA %08x", sa->spi, (*slot)->spi);
	if (t->n_sa_in == t->cap_sa_in) {
		unsigned cap = t->cap_sa_in ? 2 * t->cap_sa_in : 2;
		struct fgw_sa **v = realloc(t->sa_in, cap * sizeof(*v));

		if (v == NULL)
			FAIL("SA %08x: out of memory", sa->spi);
		t->sa_in = v;
		t->cap_sa_in = cap;
	}
	t->sa_in[t->n_sa_in++] = sa;
	sa->ifindex = ifindex;
	sa->worker = (uint8_t)worker;
	__atomic_store_n(slot, sa, __ATOMIC_RELEASE);
	return 0;
}

uint64_t fgw_sa_stats_drops(const struct fgw_sa_stats *st)
{
	uint64_t n = 0;

	for (unsigned r = 1; r < FGW_SA_DROP_MAX; r++)
		n += st->drop[r];
	return n;
}

/* An SA's drops since the last clear, every reason. */
static uint64_t sa_drops(const struct fgw_sa *sa)
{
	struct fgw_sa_stats st;

	fgw_sa_counters(sa, &st);
	return fgw_sa_stats_drops(&st);
}

int fgw_sa_in_del(struct fgw_dp *dp, uint32_t spi)
{
	struct fgw_sa **slot = &dp->sa_in[spi & dp->sa_in_mask];
	struct fgw_sa *sa = *slot;
	struct fgw_tunnel *t;

	if (sa == NULL || sa->spi != spi)
		return -1;
	t = tunnel_of(dp, sa->ifindex);
	for (unsigned i = 0; t != NULL && i < t->n_sa_in; i++)
		if (t->sa_in[i] == sa) {
			t->sa_in[i] = t->sa_in[--t->n_sa_in];
			break;
		}
	__atomic_store_n(slot, NULL, __ATOMIC_RELEASE);
	grace_period(dp);
	if (t != NULL)
		t->sa_in_drops_gone += sa_drops(sa);
	fgw_sa_free(sa);
	return 0;
}

struct fgw_sa *fgw_sa_in_get(const struct fgw_dp *dp, uint32_t spi)
{
	struct fgw_sa *sa = dp->sa_in[spi & dp->sa_in_mask];

	return sa != NULL && sa->spi == spi ? sa : NULL;
}

struct fgw_sa *fgw_tunnel_sa_out_get(const struct fgw_dp *dp, uint32_t ifindex)
{
	const struct fgw_tunnel *t = tunnel_of(dp, ifindex);

	return t ? t->sa_out : NULL;
}

struct fgw_sa *const *fgw_tunnel_sa_in_list(const struct fgw_dp *dp, uint32_t ifindex,
					    unsigned *n)
{
	const struct fgw_tunnel *t = tunnel_of(dp, ifindex);

	*n = t ? t->n_sa_in : 0;
	return t ? t->sa_in : NULL;
}

static void tunnel_counters_raw(const struct fgw_dp *dp, const struct fgw_tunnel *t,
				struct fgw_tunnel_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < dp->n_workers; i++) {
		const struct fgw_tunnel_worker *s = fgw_tunnel_w(dp, t->ifindex, i);

		out->rx_packets += __atomic_load_n(&s->rx_packets, __ATOMIC_RELAXED);
		out->rx_bytes += __atomic_load_n(&s->rx_bytes, __ATOMIC_RELAXED);
		out->tx_packets += __atomic_load_n(&s->tx_packets, __ATOMIC_RELAXED);
		out->tx_bytes += __atomic_load_n(&s->tx_bytes, __ATOMIC_RELAXED);
		out->rx_drops += __atomic_load_n(&s->rx_drops, __ATOMIC_RELAXED);
		out->tx_drops += __atomic_load_n(&s->tx_drops, __ATOMIC_RELAXED);
	}
	out->drops = out->rx_drops + out->tx_drops;
}

/* Counters only grow, so now >= base; clamp anyway rather than wrap. */
static uint64_t since(uint64_t now, uint64_t base)
{
	return now >= base ? now - base : 0;
}

void fgw_tunnel_counters_sum(const struct fgw_dp *dp, uint32_t ifindex,
			     struct fgw_tunnel_counters *out)
{
	const struct fgw_tunnel *t = tunnel_of(dp, ifindex);
	struct fgw_tunnel_counters now;

	memset(out, 0, sizeof(*out));
	if (t == NULL)
		return;
	tunnel_counters_raw(dp, t, &now);
	out->rx_packets = since(now.rx_packets, t->cleared.rx_packets);
	out->rx_bytes = since(now.rx_bytes, t->cleared.rx_bytes);
	out->tx_packets = since(now.tx_packets, t->cleared.tx_packets);
	out->tx_bytes = since(now.tx_bytes, t->cleared.tx_bytes);
	out->rx_drops = since(now.rx_drops, t->cleared.rx_drops);
	out->tx_drops = since(now.tx_drops, t->cleared.tx_drops);
	out->drops = out->rx_drops + out->tx_drops;
	out->rx_sa_drops = t->sa_in_drops_gone;
	for (unsigned i = 0; i < t->n_sa_in; i++)
		out->rx_sa_drops += sa_drops(t->sa_in[i]);
}

static void sa_stats_read(const struct fgw_sa *sa, struct fgw_sa_stats *out)
{
	out->packets = __atomic_load_n(&sa->stats.packets, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&sa->stats.bytes, __ATOMIC_RELAXED);
	for (unsigned r = 0; r < FGW_SA_DROP_MAX; r++)
		out->drop[r] = __atomic_load_n(&sa->stats.drop[r], __ATOMIC_RELAXED);
}

void fgw_sa_counters(const struct fgw_sa *sa, struct fgw_sa_stats *out)
{
	sa_stats_read(sa, out);
	out->packets = since(out->packets, sa->cleared.packets);
	out->bytes = since(out->bytes, sa->cleared.bytes);
	for (unsigned r = 0; r < FGW_SA_DROP_MAX; r++)
		out->drop[r] = since(out->drop[r], sa->cleared.drop[r]);
}

void fgw_tunnels_counters_clear(struct fgw_dp *dp)
{
	for (unsigned i = 0; dp->tunnels != NULL && i < dp->n_ifs; i++) {
		struct fgw_tunnel *t = dp->tunnels[i];

		if (t == NULL)
			continue;
		tunnel_counters_raw(dp, t, &t->cleared);
		t->sa_in_drops_gone = 0;
		if (t->sa_out != NULL)
			sa_stats_read(t->sa_out, &t->sa_out->cleared);
	}
	for (uint32_t i = 0; dp->sa_in != NULL && i <= dp->sa_in_mask; i++)
		if (dp->sa_in[i] != NULL)
			sa_stats_read(dp->sa_in[i], &dp->sa_in[i]->cleared);
}
