/* The IKEv2 engine's life: start (listeners on 500 and 4500, the IKE SA
 * table, an initiator per protected tunnel), the UDP input that strips
 * the non-ESP marker, the IKE SA table itself, inbound SPI slots, and stop.
 * Everything runs on the control lcore. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "controlplane/flexvpn/client_install.h"
#include "controlplane/flexvpn/flexvpn.h"
#include "controlplane/ikev2/ike.h"
#include "dataplane/tunnel.h"
#include "engine.h"

#define IKE_SA_TABLE_SIZE 65536
/* DEAD SAs are freed this long after they died: a timer callback of theirs
 * may be the one that killed them. */
#define GC_MS 100
/* First initiation once the data path runs; back-off after failures. */
#define INITIATE_FIRST_MS 500
#define INITIATE_BACKOFF_MAX_S 60

static struct fgw_ike engine;

uint64_t ike_ms_to_cycles(uint64_t ms)
{
	return rte_get_timer_hz() * ms / 1000;
}

const char *ike_peer_str(const struct fgw_ike_sa *sa)
{
	/* Log lines name one peer at a time: one buffer is enough. */
	static char buf[FGW_ADDR_STRLEN];

	return fgw_addr_str(&sa->remote, buf, sizeof(buf));
}

/* ---- the table ---------------------------------------------------------------- */

struct fgw_ike_sa *ike_sa_find(struct fgw_ike *ike, uint64_t our_spi)
{
	void *v;

	if (rte_hash_lookup_data(ike->by_spi, &our_spi, &v) < 0)
		return NULL;
	return v;
}

struct fgw_ike_sa *ike_sa_find_half_open(struct fgw_ike *ike, uint64_t spi_i,
					 const struct fgw_addr *remote, uint16_t rport)
{
	struct fgw_ike_sa *sa;

	TAILQ_FOREACH(sa, &ike->sas, link)
		if (!sa->initiator && sa->spi_i == spi_i && sa->state == FGW_IKE_ST_INIT_DONE &&
		    sa->remote_port == rport && fgw_addr_eq(&sa->remote, remote))
			return sa;
	return NULL;
}

static uint64_t new_spi(struct fgw_ike *ike)
{
	uint64_t spi;

	do
		spi = rte_rand();
	while (spi == 0 || ike_sa_find(ike, spi) != NULL);
	return spi;
}

struct fgw_ike_sa *ike_sa_new(struct fgw_ike *ike, bool initiator,
			      const struct fgw_addr *local, uint16_t lport,
			      const struct fgw_addr *remote, uint16_t rport, uint32_t in_if)
{
	struct fgw_ike_sa *sa = calloc(1, sizeof(*sa));
	uint64_t spi;

	if (sa == NULL)
		return NULL;
	sa->ike = ike;
	sa->serial = ++ike->next_serial;
	sa->initiator = initiator;
	sa->state = initiator ? FGW_IKE_ST_INIT_SENT : FGW_IKE_ST_INIT_DONE;
	spi = new_spi(ike);
	if (initiator)
		sa->spi_i = spi;
	else
		sa->spi_r = spi;
	sa->local = *local;
	sa->local_port = lport;
	sa->remote = *remote;
	sa->remote_port = rport;
	sa->in_if = in_if;
	sa->window = 1;
	sa->created = rte_get_timer_cycles();
	sa->last_rx = sa->created;
	TAILQ_INIT(&sa->children);
	rte_timer_init(&sa->retx_timer);
	rte_timer_init(&sa->life_timer);
	rte_timer_init(&sa->dpd_timer);
	rte_timer_init(&sa->keepalive_timer);
	if (rte_hash_add_key_data(ike->by_spi, &spi, sa) < 0) {
		free(sa);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&ike->sas, sa, link);
	ike->n_sas++;
	ike->n_negotiating++;
	return sa;
}

static void gc_schedule(struct fgw_ike *ike);

void ike_sa_kill(struct fgw_ike_sa *sa)
{
	struct fgw_ike *ike = sa->ike;
	struct fgw_ike_child *ch;
	struct fgw_ike_sa *o;
	uint64_t spi = fgw_ike_sa_our_spi(sa);

	if (sa->state == FGW_IKE_ST_DEAD)
		return;
	rte_timer_stop(&sa->retx_timer);
	rte_timer_stop(&sa->life_timer);
	rte_timer_stop(&sa->dpd_timer);
	rte_timer_stop(&sa->keepalive_timer);
	while ((ch = TAILQ_FIRST(&sa->children)) != NULL)
		ike_child_delete(sa, ch);
	/* Its FlexVPN session, if it carries one, goes: no tunnel restarts. */
	fgw_flexvpn_peer_down(sa);
	/* No other SA keeps pointing at this one; a rekey it had in flight
	 * never completes. */
	TAILQ_FOREACH(o, &ike->sas, link) {
		if (o->peer_rekey_sa == sa)
			o->peer_rekey_sa = NULL;
		if (o->rekeyed_by == sa)
			o->rekeyed_by = NULL;
		if (o->xchg_sa == sa)
			o->xchg_sa = NULL;
	}
	if (sa->xchg_sa != NULL) {
		struct fgw_ike_sa *n = sa->xchg_sa;

		sa->xchg_sa = NULL;
		ike_sa_kill(n);
	}
	rte_hash_del_key(ike->by_spi, &spi);
	if (sa->state < FGW_IKE_ST_ESTABLISHED)
		ike->n_negotiating--;
	else if (sa->state == FGW_IKE_ST_ESTABLISHED)
		ike->n_established--;
	if (sa->state >= FGW_IKE_ST_ESTABLISHED)
		ike->stats.sa_deleted++;
	sa->state = FGW_IKE_ST_DEAD;
	if (sa->tunnel != NULL && sa->tunnel->sa == sa) {
		sa->tunnel->sa = NULL;
		fgw_cp_client_ike_down(ike->c, sa->tunnel);
		ike_tunnel_down(sa->tunnel, sa->failed);
	}
	sa->tunnel = NULL;
	gc_schedule(ike);
}

void ike_sa_fail(struct fgw_ike_sa *sa, enum fgw_ike_failure why, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sa->ike->stats.failures[why]++;
	sa->failed = true;
	sa->last_failure = (uint8_t)why;
	FGW_WARN("IKEv2 SA %u with %s failed: %s", sa->serial, ike_peer_str(sa), msg);
	ike_sa_kill(sa);
}

void ike_sa_established(struct fgw_ike_sa *sa)
{
	struct fgw_ike *ike = sa->ike;

	ike->n_negotiating--;
	ike->n_established++;
	ike->stats.sa_established++;
	sa->state = FGW_IKE_ST_ESTABLISHED;
	sa->established = rte_get_timer_cycles();
	free(sa->init_i);
	free(sa->init_r);
	sa->init_i = sa->init_r = NULL;
	ike_life_start(sa);
	ike_dpd_start(sa);
	ike_keepalive_start(sa);
	if (sa->tunnel != NULL) {
		/* The newest SA serves the tunnel; an older one of ours (both
		 * ends initiated at once) keeps its CHILD SAs until it goes. */
		sa->tunnel->sa = sa;
		sa->tunnel->failures = 0;
		rte_timer_stop(&sa->tunnel->timer);
	}
}

static void sa_free(struct fgw_ike_sa *sa)
{
	fgw_ike_keys_wipe(&sa->keys);
	if (sa->dh != NULL)
		fgw_ike_dh_free(sa->dh);
	if (sa->xchg_dh != NULL)
		fgw_ike_dh_free(sa->xchg_dh);
	explicit_bzero(sa->xchg_nonce, sizeof(sa->xchg_nonce));
	explicit_bzero(sa->ni, sizeof(sa->ni));
	explicit_bzero(sa->nr, sizeof(sa->nr));
	free(sa->init_i);
	free(sa->init_r);
	free(sa->req.msg);
	free(sa->resp.msg);
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
}

static void gc(struct rte_timer *tim, void *arg)
{
	struct fgw_ike *ike = arg;
	struct fgw_ike_sa *sa, *next;

	(void)tim;
	for (sa = TAILQ_FIRST(&ike->sas); sa != NULL; sa = next) {
		next = TAILQ_NEXT(sa, link);
		if (sa->state != FGW_IKE_ST_DEAD)
			continue;
		TAILQ_REMOVE(&ike->sas, sa, link);
		ike->n_sas--;
		sa_free(sa);
	}
}

static void gc_schedule(struct fgw_ike *ike)
{
	if (!rte_timer_pending(&ike->gc_timer))
		rte_timer_reset(&ike->gc_timer, ike_ms_to_cycles(GC_MS), SINGLE, rte_lcore_id(),
				gc, ike);
}

/* ---- inbound SPI slots ------------------------------------------------------ */

uint32_t ike_spi_alloc(struct fgw_ike *ike, uint32_t *index)
{
	const struct fgw_dp *dp = ike->c->dp;

	/* Slot 0 stays unused: a zero index would make small SPIs. Slots
	 * taken by manual SAs are skipped. */
	for (uint32_t n = 0; n < ike->max_spi; n++) {
		uint32_t i = ike->spi_hint++ % ike->max_spi;

		if (i == 0 || ike->spi_used[i] || dp->sa_in[i] != NULL)
			continue;
		ike->spi_used[i] = 1;
		*index = i;
		do
			ike->spi_generation = (uint8_t)rte_rand();
		while (ike->spi_generation == 0);
		return fgw_spi_make(i, ike->spi_generation);
	}
	return 0;
}

void ike_spi_free(struct fgw_ike *ike, uint32_t index)
{
	if (index < ike->max_spi)
		ike->spi_used[index] = 0;
}

/* ---- tunnels ------------------------------------------------------------------ */

struct fgw_ike_tunnel *ike_tunnel_by_peer(struct fgw_ike *ike, const struct fgw_addr *local,
					  const struct fgw_addr *remote)
{
	for (unsigned i = 0; i < ike->n_tunnels; i++) {
		struct fgw_ike_tunnel *t = &ike->tunnels[i];

		if (fgw_addr_eq(&t->dst, remote) && (local == NULL || fgw_addr_eq(&t->src, local)))
			return t;
	}
	return NULL;
}

bool ike_over_limits(struct fgw_ike *ike, const struct fgw_addr *peer, bool initiating)
{
	char a[FGW_ADDR_STRLEN];
	const struct fgw_ikev2_limits_cfg *l = &ike->c->cfg->ikev2.limits;
	enum fgw_ike_failure why;

	/* SAs dead but not yet collected hold nothing any more. */
	if (l->max_sa && ike->n_negotiating + ike->n_established >= l->max_sa)
		why = FGW_IKE_FAIL_LIMIT_SA;
	else if (ike->n_negotiating >= l->max_in_negotiation_sa)
		why = FGW_IKE_FAIL_LIMIT_NEGOTIATING;
	else
		return false;
	ike->stats.failures[why]++;
	FGW_WARN("IKEv2: %s %s refused: %s (%u established, %u negotiating)",
		 initiating ? "initiation to" : "IKE_SA_INIT from", fgw_addr_str(peer, a, sizeof(a)),
		 why == FGW_IKE_FAIL_LIMIT_SA ? "limits.max_sa reached"
					      : "limits.max_in_negotiation_sa reached",
		 ike->n_established, ike->n_negotiating);
	return true;
}

static void initiate(struct rte_timer *tim, void *arg)
{
	struct fgw_ike_tunnel *t = arg;
	struct fgw_ike *ike = &engine;
	struct fgw_ike_sa *sa;

	(void)tim;
	if (t->sa != NULL || ike->c->stop)
		return;
	if (ike_over_limits(ike, &t->dst, true)) {
		ike_tunnel_down(t, true);
		return;
	}
	sa = ike_sa_new(ike, true, &t->src, FGW_IKE_PORT, &t->dst, FGW_IKE_PORT, 0);
	if (sa == NULL) {
		ike_tunnel_down(t, true);
		return;
	}
	sa->tunnel = t;
	t->sa = sa;
	ike->stats.sa_initiated++;
	FGW_INFO("%s: initiating IKEv2 SA %u to %s", t->cfg->name, sa->serial,
		 ike_peer_str(sa));
	if (ike_sa_init_start(sa) < 0 && sa->state != FGW_IKE_ST_DEAD)
		ike_sa_fail(sa, FGW_IKE_FAIL_INTERNAL, "cannot build IKE_SA_INIT");
}

void ike_tunnel_down(struct fgw_ike_tunnel *t, bool failed)
{
	unsigned s = 1;

	if (t->ipsec_profile != NULL && t->ipsec_profile->responder_only)
		return;
	if (failed) {
		t->failures++;
		for (unsigned i = 1; i < t->failures && s < INITIATE_BACKOFF_MAX_S; i++)
			s *= 2;
		if (s > INITIATE_BACKOFF_MAX_S)
			s = INITIATE_BACKOFF_MAX_S;
	}
	rte_timer_reset(&t->timer, ike_ms_to_cycles(s * 1000ull), SINGLE, rte_lcore_id(),
			initiate, t);
}

static int tunnels_setup(struct fgw_ike *ike, char *err, size_t errlen)
{
	const struct fgw_config *cfg = ike->c->cfg;

	ike->tunnels = calloc(cfg->n_tunnels ? cfg->n_tunnels : 1, sizeof(*ike->tunnels));
	if (ike->tunnels == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < cfg->n_tunnels; i++) {
		const struct fgw_tunnel_cfg *tc = &cfg->tunnels[i];
		struct fgw_ike_tunnel *t = &ike->tunnels[ike->n_tunnels];
		int ifindex;

		if (tc->tunnel_protection[0] == '\0' || tc->manual_sa.transform_set[0] != '\0')
			continue;
		ifindex = fgw_if_by_name(ike->c->dp, tc->name);
		if (ifindex < 0)
			continue;	/* not created (a destination not supported yet) */
		if (fgw_tunnel_endpoints(ike->c->dp, ifindex, &t->src, &t->dst) < 0)
			continue;
		t->cfg = tc;
		t->ifindex = ifindex;
		t->ipsec_profile = ike_ipsec_profile(cfg, tc->tunnel_protection);
		if (t->ipsec_profile == NULL) {
			snprintf(err, errlen, "%s: IPsec profile %s is not defined", tc->name,
				 tc->tunnel_protection);
			return -1;
		}
		rte_timer_init(&t->timer);
		ike->n_tunnels++;
		if (!t->ipsec_profile->responder_only && !tc->shutdown)
			rte_timer_reset(&t->timer, ike_ms_to_cycles(INITIATE_FIRST_MS), SINGLE,
					rte_lcore_id(), initiate, t);
	}
	return 0;
}

/* ---- input ---------------------------------------------------------------------- */

static void udp_input(struct fgw_control *c, struct rte_mbuf *m, const struct fgw_local_pkt *p,
		      void *arg)
{
	static uint8_t buf[FGW_IKE_MSG_MAX];
	struct fgw_ike *ike = arg;
	const uint8_t *d = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l4_off + 8);
	size_t len = p->l4_len - 8u;

	(void)c;
	ike->stats.rx_packets++;
	if (p->dport == FGW_IKE_NATT_PORT) {
		/* RFC 3948: a one-octet 0xff is a NAT keepalive; IKE carries a
		 * zero non-ESP marker (ESP went to the data path). */
		if (len < FGW_IKE_NON_ESP_MARKER_LEN || d[0] | d[1] | d[2] | d[3]) {
			if (len == 1 && d[0] == 0xff)
				ike->stats.nat_keepalives_rx++;
			else
				ike->stats.rx_dropped++;
			return;
		}
		d += FGW_IKE_NON_ESP_MARKER_LEN;
		len -= FGW_IKE_NON_ESP_MARKER_LEN;
	}
	if (len > sizeof(buf)) {
		ike->stats.rx_dropped++;
		return;
	}
	/* A writable copy: the SK payload is decrypted in place. */
	memcpy(buf, d, len);
	ike_receive(ike, buf, len, p);
}

/* ---- start and stop ------------------------------------------------------------- */

int fgw_ike_start(struct fgw_control *c, char *err, size_t errlen)
{
	struct fgw_ike *ike = &engine;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = IKE_SA_TABLE_SIZE,
		.key_len = sizeof(uint64_t),
		.socket_id = (int)rte_socket_id(),
	};

	memset(ike, 0, sizeof(*ike));
	ike->c = c;
	TAILQ_INIT(&ike->sas);
	rte_timer_init(&ike->gc_timer);
	snprintf(name, sizeof(name), "fgw_ike_sa");
	ike->by_spi = rte_hash_create(&hp);
	ike->max_spi = c->dp->sa_in_mask + 1;
	ike->spi_used = calloc(ike->max_spi, 1);
	if (ike->by_spi == NULL || ike->spi_used == NULL) {
		snprintf(err, errlen, "IKEv2: out of memory for the SA tables");
		goto fail;
	}
	ike->spi_hint = 1 + (uint32_t)(rte_rand() % (ike->max_spi - 1));
	if (ike_cookie_init(ike) < 0) {
		snprintf(err, errlen, "IKEv2: no random octets for the cookie secret");
		goto fail;
	}
	if (fgw_udp_listen(c, FGW_IKE_PORT, udp_input, ike) < 0 ||
	    fgw_udp_listen(c, FGW_IKE_NATT_PORT, udp_input, ike) < 0) {
		snprintf(err, errlen, "IKEv2: UDP port 500 or 4500 is taken");
		goto fail;
	}
	if (tunnels_setup(ike, err, errlen) < 0)
		goto fail;
	c->ike = ike;
	FGW_INFO("IKEv2 listening on UDP 500 and 4500; %u protected tunnel(s)", ike->n_tunnels);
	return 0;
fail:
	rte_hash_free(ike->by_spi);
	free(ike->spi_used);
	free(ike->tunnels);
	memset(ike, 0, sizeof(*ike));
	return -1;
}

/* What we just sent waits in the workers' inject rings: give it a moment
 * to leave before the workers stop (at most 200 ms). */
static void flush_output(struct fgw_dp *dp)
{
	uint64_t end = rte_get_timer_cycles() + ike_ms_to_cycles(200);
	bool pending = true;

	while (pending && rte_get_timer_cycles() < end) {
		pending = false;
		for (unsigned i = 0; i < dp->n_workers; i++)
			if (!rte_ring_empty(dp->workers[i]->inject))
				pending = true;
		if (pending)
			rte_delay_us_sleep(200);
	}
}

void fgw_ike_stop(struct fgw_control *c)
{
	struct fgw_ike *ike = c->ike;
	struct fgw_ike_sa *sa;
	bool sent = false;

	if (ike == NULL)
		return;
	for (unsigned i = 0; i < ike->n_tunnels; i++) {
		rte_timer_stop_sync(&ike->tunnels[i].timer);
		free(ike->tunnels[i].cp);	/* the RIB goes with the box */
		ike->tunnels[i].cp = NULL;
	}
	/* No tunnel restarts what stops now. */
	ike->n_tunnels = 0;
	TAILQ_FOREACH(sa, &ike->sas, link) {
		sa->tunnel = NULL;
		if (sa->state == FGW_IKE_ST_ESTABLISHED) {
			ike_delete_send_now(sa);
			sent = true;
		}
		ike_sa_kill(sa);
	}
	if (sent)
		flush_output(c->dp);
	rte_timer_stop_sync(&ike->gc_timer);
	gc(&ike->gc_timer, ike);
	rte_hash_free(ike->by_spi);
	free(ike->spi_used);
	free(ike->tunnels);
	explicit_bzero(ike->cookie_secret, sizeof(ike->cookie_secret));
	memset(ike, 0, sizeof(*ike));
	c->ike = NULL;
}
