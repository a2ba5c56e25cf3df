/* The control core's side of manual SAs' volume lifetimes: workers mark an
 * SA soft- or hard-expired (or out of sequence numbers) in its `state`;
 * a tick here reads those bits, and says once per SA what happened, in the
 * log and in the control counters. Nobody rekeys a manual SA by itself:
 * the operator does (flexctl crypto ipsec rekey), which the log line says.
 * IKE's CHILD SAs have their own tick (ikev2/rekey.c). */
#include <inttypes.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_timer.h>

#include "common/log.h"
#include "common/sa.h"
#include "dataplane/tunnel.h"
#include "tunnel.h"

/* As often as IKE's tick: a soft limit at line rate is heard of well
 * before the hard one. */
#define TICK_MS 250

/* An SA as last looked at: which one (an SA key set's SAs come and go
 * with rekeys) and the state bits already told. */
struct watch {
	const struct fgw_sa *sa;
	uint32_t spi;
	uint32_t told;
};

/* The inbound SA, the rekey set's inbound SA, the outbound SA. */
#define WATCHES 3

struct fgw_manual_life {
	struct rte_timer timer;
	int *ifindex;			/* by tunnels[] index; -1: not a manual tunnel */
	struct watch *w;		/* WATCHES by tunnels[] index */
};

static void tell(struct fgw_control *c, const struct fgw_tunnel_cfg *t, struct watch *w,
		 const struct fgw_sa *sa)
{
	const char *dir;
	uint32_t state, fresh;
	uint64_t packets, bytes;

	if (sa == NULL) {
		w->sa = NULL;
		return;
	}
	if (w->sa != sa || w->spi != sa->spi)
		*w = (struct watch){ .sa = sa, .spi = sa->spi };
	state = __atomic_load_n(&sa->state, __ATOMIC_RELAXED);
	fresh = state & ~w->told;
	if (fresh == 0)
		return;
	w->told |= fresh;
	dir = sa->flags & FGW_SA_F_INBOUND ? "inbound" : "outbound";
	packets = __atomic_load_n(&sa->stats.packets, __ATOMIC_RELAXED);
	bytes = __atomic_load_n(&sa->stats.bytes, __ATOMIC_RELAXED);
	if (fresh & FGW_SA_SOFT_EXPIRED) {
		c->stats.manual_sa_soft_expired++;
		FGW_NOTICE("%s: manual SA %s %08x reached its soft lifetime (%" PRIu64 " packets, "
			   "%" PRIu64 " bytes): rekey it before the hard one", t->name, dir,
			   sa->spi, packets, bytes);
	}
	if (fresh & FGW_SA_HARD_EXPIRED) {
		c->stats.manual_sa_hard_expired++;
		FGW_WARN("%s: manual SA %s %08x reached its hard lifetime (%" PRIu64 " packets, "
			 "%" PRIu64 " bytes): it drops every packet from now on", t->name, dir,
			 sa->spi, packets, bytes);
	}
	if (fresh & FGW_SA_SEQ_EXHAUSTED) {
		c->stats.manual_sa_seq_exhausted++;
		FGW_WARN("%s: manual SA %s %08x has used its last sequence number: it drops "
			 "every packet from now on", t->name, dir, sa->spi);
	}
}

static void tick(struct rte_timer *tim, void *arg)
{
	struct fgw_control *c = arg;
	struct fgw_manual_life *l = c->manual_life;

	(void)tim;
	for (unsigned i = 0; i < c->cfg->n_tunnels; i++) {
		const struct fgw_tunnel_cfg *t = &c->cfg->tunnels[i];
		const struct fgw_manual_sa_cfg *ms = &t->manual_sa;
		struct watch *w = &l->w[i * WATCHES];

		if (l->ifindex[i] < 0)
			continue;
		tell(c, t, &w[0], fgw_sa_in_get(c->dp, ms->inbound.spi));
		tell(c, t, &w[1], ms->rekey_set ? fgw_sa_in_get(c->dp, ms->rekey.inbound.spi) : NULL);
		tell(c, t, &w[2], fgw_tunnel_sa_out_get(c->dp, (uint32_t)l->ifindex[i]));
	}
}

int fgw_manual_life_start(struct fgw_control *c, char *err, size_t errlen)
{
	unsigned n = c->cfg->n_tunnels, manual = 0;
	struct fgw_manual_life *l;

	for (unsigned i = 0; i < n; i++)
		manual += c->cfg->tunnels[i].manual_sa.transform_set[0] != '\0';
	if (manual == 0)
		return 0;
	l = calloc(1, sizeof(*l));
	if (l == NULL || (l->ifindex = calloc(n, sizeof(*l->ifindex))) == NULL ||
	    (l->w = calloc((size_t)n * WATCHES, sizeof(*l->w))) == NULL) {
		if (l != NULL)
			free(l->ifindex);
		free(l);
		snprintf(err, errlen, "out of memory for the manual SAs' lifetimes");
		return -1;
	}
	/* Tunnels are made once, at start: their indexes hold. */
	for (unsigned i = 0; i < n; i++)
		l->ifindex[i] = c->cfg->tunnels[i].manual_sa.transform_set[0] ?
				fgw_if_by_name(c->dp, c->cfg->tunnels[i].name) : -1;
	rte_timer_init(&l->timer);
	c->manual_life = l;
	rte_timer_reset(&l->timer, rte_get_timer_hz() * TICK_MS / 1000, PERIODICAL,
			rte_lcore_id(), tick, c);
	return 0;
}

void fgw_manual_life_stop(struct fgw_control *c)
{
	struct fgw_manual_life *l = c->manual_life;

	if (l == NULL)
		return;
	rte_timer_stop_sync(&l->timer);
	free(l->ifindex);
	free(l->w);
	free(l);
	c->manual_life = NULL;
}
