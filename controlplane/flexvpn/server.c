/* The FlexVPN server (flexvpn.h): its state, and its two hooks into the
 * IKEv2 engine. A peer authenticated under a profile with a virtual
 * template gets its authorization, pool addresses, CFG_REPLY and
 * virtual-access interface; all of it goes with the IKE SA. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "controlplane/ikev2/ike_sa.h"
#include "dataplane/tunnel.h"
#include "authorization.h"
#include "config_payload.h"
#include "flexvpn.h"
#include "virtual_access.h"

/* One peer's server state, owned by its virtual-access (va->owner). The
 * engine sees `tun` as the tunnel its CHILD SAs go on (and moves it to
 * the new IKE SA on a rekey); tcfg gives it the name and mode it reads
 * there. */
struct fgw_flexvpn_session {
	struct fgw_ike_tunnel tun;
	struct fgw_tunnel_cfg tcfg;
	struct fgw_vaccess *va;
	struct fgw_cp_lease lease;
	char policy[2 * FGW_NAME_MAX];	/* the authorization policy, for show */
};

int fgw_flexvpn_init(struct fgw_control *c, char *err, size_t errlen)
{
	struct fgw_flexvpn *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		snprintf(err, errlen, "FlexVPN: out of memory");
		return -1;
	}
	if (fgw_pools_init(&f->pools, c->cfg, err, errlen) < 0) {
		free(f);
		return -1;
	}
	c->flexvpn = f;
	return 0;
}

static void session_end(struct fgw_control *c, struct fgw_flexvpn_session *s)
{
	rte_timer_stop(&s->tun.timer);
	fgw_vaccess_destroy(c, s->va);
	fgw_cp_lease_release(&s->lease);
	free(s);
}

void fgw_flexvpn_free(struct fgw_control *c)
{
	struct fgw_flexvpn *f = c->flexvpn;

	if (f == NULL)
		return;
	for (unsigned i = 0; i < f->va_cap; i++) {
		if (f->va[i] == NULL)
			continue;
		if (f->va[i]->owner != NULL)
			session_end(c, f->va[i]->owner);
		else
			fgw_vaccess_destroy(c, f->va[i]);
	}
	free(f->va);
	fgw_pools_free(&f->pools);
	free(f);
	c->flexvpn = NULL;
}

/* The session whose tunnel t is, or NULL (a configured tunnel). Its name
 * gives the virtual-access number; the owner's own tunnel must be t. */
static struct fgw_flexvpn_session *session_of(const struct fgw_control *c,
					      const struct fgw_ike_tunnel *t)
{
	static const char prefix[] = "Virtual-Access";
	const struct fgw_vaccess *va;
	const struct fgw_flexvpn_session *s;
	char *end;
	unsigned long n;

	if (t == NULL || strncmp(t->cfg->name, prefix, sizeof(prefix) - 1) != 0)
		return NULL;
	n = strtoul(t->cfg->name + sizeof(prefix) - 1, &end, 10);
	if (*end != '\0' || n == 0 || n > UINT32_MAX ||
	    (va = fgw_vaccess_get(c, (unsigned)n)) == NULL || (s = va->owner) == NULL ||
	    &s->tun != t)
		return NULL;
	return va->owner;
}

const struct fgw_cp_lease *fgw_flexvpn_lease(const struct fgw_control *c,
					     const struct fgw_ike_tunnel *t, const char **policy)
{
	const struct fgw_flexvpn_session *s = session_of(c, t);

	if (s != NULL && policy != NULL)
		*policy = s->policy;
	return s != NULL ? &s->lease : NULL;
}

static const struct fgw_ipsec_profile_cfg *ipsec_profile(const struct fgw_config *cfg,
							 const char *name)
{
	for (unsigned i = 0; i < cfg->ipsec.n_profiles; i++)
		if (strcmp(cfg->ipsec.profiles[i].name, name) == 0)
			return &cfg->ipsec.profiles[i];
	return NULL;
}

static uint8_t cfg_mode(const struct fgw_vaccess *va)
{
	bool v6 = va->dst.family == AF_INET6;

	if (va->kind == FGW_TUNNEL_GRE)
		return v6 ? FGW_TUNNEL_GRE_IPV6 : FGW_TUNNEL_GRE_IPV4;
	return v6 ? FGW_TUNNEL_IPSEC_IPV6 : FGW_TUNNEL_IPSEC_IPV4;
}

/* The routes of route accept: the subnets the peer advertised. */
static void accept_routes(struct fgw_control *c, struct fgw_flexvpn_session *s,
			  const struct fgw_ikev2_authz_policy_cfg *pol, const struct fgw_ike_cp *cp)
{
	struct fgw_prefix nets[16];
	unsigned bad, n = fgw_cp_peer_subnets(cp, nets, 16, &bad);
	char err[160], buf[FGW_ADDR_STRLEN + 4];

	if (bad > 0)
		FGW_WARN("%s: %u malformed subnet(s) in the peer's configuration payload",
			 s->tcfg.name, bad);
	for (unsigned i = 0; i < n; i++)
		if (fgw_vaccess_route_add(c, s->va, &nets[i], pol->route_accept.distance, err,
					  sizeof(err)) < 0)
			FGW_WARN("%s: route %s not accepted: %s", s->tcfg.name,
				 fgw_prefix_str(&nets[i], buf, sizeof(buf)), err);
}

static void host_route(struct fgw_control *c, struct fgw_flexvpn_session *s,
		       const struct fgw_addr *a)
{
	struct fgw_prefix p = { .addr = *a, .len = a->family == AF_INET ? 32 : 128 };
	char err[160];

	if (fgw_vaccess_route_add(c, s->va, &p, 1, err, sizeof(err)) < 0)
		FGW_WARN("%s: no route to the peer's address: %s", s->tcfg.name, err);
}

/* A selector as a network: start and end differ only in a host part
 * that is all zeros in start and all ones in end. */
static bool ts_prefix(const struct fgw_ike_ts *ts, struct fgw_prefix *p)
{
	bool v4 = ts->start.family == AF_INET;
	const uint8_t *a = v4 ? (const uint8_t *)&ts->start.v4 : ts->start.v6;
	const uint8_t *b = v4 ? (const uint8_t *)&ts->end.v4 : ts->end.v6;
	unsigned bits = v4 ? 32 : 128, len = 0;
	bool host = false;

	if (ts->start.family != ts->end.family || (!v4 && ts->start.family != AF_INET6))
		return false;
	for (unsigned i = 0; i < bits; i++) {
		unsigned x = a[i / 8] >> (7 - i % 8) & 1, y = b[i / 8] >> (7 - i % 8) & 1;

		if (!host && x == y) {
			len++;
			continue;
		}
		host = true;
		if (x != 0 || y != 1)
			return false;
	}
	p->addr = ts->start;
	p->len = (uint8_t)len;
	return true;
}

/* A site peer (no CFG_REQUEST: strongSwan or a router as a plain spoke)
 * proposes its LANs as TSi; each network becomes a route through its
 * virtual-access, as a dynamic VTI's reverse route does, and goes with
 * it. As many as the CHILD SA takes (ike_child_set_ts); "everything" is
 * no route. */
static void reverse_route(struct fgw_control *c, struct fgw_flexvpn_session *s,
			  const struct fgw_ike_msg *msg)
{
	struct fgw_prefix p;
	char err[160], buf[FGW_ADDR_STRLEN + 4];

	for (unsigned i = 0; msg->has_tsi && i < msg->tsi.n && i < FGW_IKE_CHILD_TS_MAX; i++) {
		if (!ts_prefix(&msg->tsi.ts[i], &p) || p.len == 0)
			continue;
		if (fgw_vaccess_route_add(c, s->va, &p, 1, err, sizeof(err)) < 0)
			FGW_WARN("%s: no route to the peer's selector %s: %s", s->tcfg.name,
				 fgw_prefix_str(&p, buf, sizeof(buf)), err);
	}
}

/* Without FLEXVPN-SUPPORTED the peer is a software client: its selectors
 * are narrowed to the addresses it was lent, as IOS does (one per family
 * it proposed and got an address of), and of its TSr we keep those of
 * these families (a dual-stack client asks for both LANs); a FlexVPN peer
 * routes into its tunnel and keeps what it proposed. */
static void narrow_ts(const struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg,
		      const struct fgw_cp_lease *lease, struct fgw_ike_ts_payload *tsi,
		      struct fgw_ike_ts_payload *tsr)
{
	bool fam4 = false, fam6 = false;

	for (unsigned i = 0; !sa->peer_flexvpn && msg->has_tsi && i < msg->tsi.n; i++) {
		const struct fgw_ike_ts *ts = &msg->tsi.ts[i];
		bool v6 = ts->type == FGW_IKE_TS_IPV6_ADDR_RANGE;
		const struct fgw_addr *a = v6 ? (lease->pool6 ? &lease->addr6 : NULL) :
						(lease->pool4 ? &lease->addr4 : NULL);

		if (a == NULL || (v6 ? fam6 : fam4))
			continue;
		tsi->ts[tsi->n] = *ts;
		tsi->ts[tsi->n].start = tsi->ts[tsi->n].end = *a;
		tsi->n++;
		*(v6 ? &fam6 : &fam4) = true;
	}
	for (unsigned i = 0; tsi->n > 0 && msg->has_tsr && i < msg->tsr.n; i++) {
		bool v6 = msg->tsr.ts[i].type == FGW_IKE_TS_IPV6_ADDR_RANGE;

		if (v6 ? fam6 : fam4)
			tsr->ts[tsr->n++] = msg->tsr.ts[i];
	}
}

static void log_session(const char *what, const struct fgw_ike_sa *sa,
			const struct fgw_flexvpn_session *s)
{
	char peer[FGW_ADDR_STRLEN], a4[FGW_ADDR_STRLEN] = "", a6[FGW_ADDR_STRLEN] = "";

	if (s->lease.pool4 != NULL)
		fgw_addr_str(&s->lease.addr4, a4, sizeof(a4));
	if (s->lease.pool6 != NULL)
		fgw_addr_str(&s->lease.addr6, a6, sizeof(a6));
	FGW_NOTICE("%s %s for IKEv2 SA %u with %s (template %s%s%s%s%s%s%s)", s->tcfg.name,
		   what, sa->serial, fgw_addr_str(&s->va->dst, peer, sizeof(peer)),
		   s->va->tmpl->name, s->policy[0] ? ", policy " : "", s->policy,
		   a4[0] ? ", address " : "", a4, a6[0] ? ", address " : "", a6);
}

struct fgw_ike_tunnel *fgw_flexvpn_peer_up(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg,
					   const struct fgw_ike_cp **reply,
					   struct fgw_ike_ts_payload *tsi,
					   struct fgw_ike_ts_payload *tsr, uint16_t *notify)
{
	static struct fgw_ikev2_authz_policy_cfg pol;
	static struct fgw_cp_reply cp;
	struct fgw_control *c = sa->ike->c;
	const struct fgw_virtual_template_cfg *tmpl;
	struct fgw_flexvpn_session *s;
	char err[256], peer[FGW_ADDR_STRLEN];
	int rc;

	*reply = NULL;
	tsi->n = tsr->n = 0;
	*notify = FGW_IKE_N_TS_UNACCEPTABLE;
	tmpl = fgw_vtemplate_find(c->cfg, sa->profile->virtual_template);
	if (c->flexvpn == NULL || tmpl == NULL)
		return NULL;
	rc = fgw_authz_resolve(c->cfg, sa->profile, sa->id_remote.type, sa->id_remote.data,
			       sa->id_remote.len, &pol, err, sizeof(err));
	if (rc == FGW_AUTHZ_FAILED) {
		c->flexvpn->st.authz_failed++;
		FGW_WARN("IKEv2 SA %u: %s", sa->serial, err);
		*notify = FGW_IKE_N_AUTHENTICATION_FAILED;
		return NULL;
	}
	if (rc == FGW_AUTHZ_NONE)
		memset(&pol, 0, sizeof(pol));
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		*notify = FGW_IKE_N_TEMPORARY_FAILURE;
		return NULL;
	}
	if (rc == FGW_AUTHZ_OK)
		snprintf(s->policy, sizeof(s->policy), "%s", pol.name);
	if (msg->has_cp && msg->cp.type == FGW_IKE_CFG_REQUEST) {
		rc = fgw_cp_answer(c->cfg, &pol, &c->flexvpn->pools, &msg->cp, &cp, &s->lease);
		if (rc != FGW_CP_OK) {
			/* the pool and the engine log an exhaustion */
			c->flexvpn->st.address_failed += rc == FGW_CP_ADDRESS_FAILURE;
			if (rc != FGW_CP_ADDRESS_FAILURE)
				FGW_WARN("IKEv2 SA %u with %s: the configuration reply does not "
					 "fit a message", sa->serial,
					 fgw_addr_str(&sa->remote, peer, sizeof(peer)));
			*notify = FGW_IKE_N_INTERNAL_ADDRESS_FAILURE;
			free(s);
			return NULL;
		}
		*reply = &cp.cp;
	}
	s->va = fgw_vaccess_create(c, tmpl, &sa->local, &sa->remote,
				   fgw_ike_msg_notify(msg, FGW_IKE_N_USE_TRANSPORT_MODE) ?
				   FGW_TUNNEL_GRE : FGW_TUNNEL_IPSEC, err, sizeof(err));
	if (s->va == NULL) {
		FGW_WARN("IKEv2 SA %u: no virtual-access: %s", sa->serial, err);
		fgw_cp_lease_release(&s->lease);
		free(s);
		*reply = NULL;
		*notify = FGW_IKE_N_TEMPORARY_FAILURE;
		return NULL;
	}
	s->va->owner = s;
	snprintf(s->tcfg.name, sizeof(s->tcfg.name), "Virtual-Access%u", s->va->number);
	s->tcfg.mode = cfg_mode(s->va);
	s->tun = (struct fgw_ike_tunnel){ .cfg = &s->tcfg, .ifindex = s->va->ifindex,
		.ipsec_profile = ipsec_profile(c->cfg, tmpl->tunnel_protection),
		.src = s->va->src, .dst = s->va->dst };
	rte_timer_init(&s->tun.timer);
	if (s->lease.pool4 != NULL)
		host_route(c, s, &s->lease.addr4);
	if (s->lease.pool6 != NULL)
		host_route(c, s, &s->lease.addr6);
	if (pol.route_accept.any && msg->has_cp)
		accept_routes(c, s, &pol, &msg->cp);
	if (*reply == NULL)
		reverse_route(c, s, msg);
	narrow_ts(sa, msg, &s->lease, tsi, tsr);
	log_session("up", sa, s);
	*notify = 0;
	return &s->tun;
}

void fgw_flexvpn_peer_down(struct fgw_ike_sa *sa)
{
	struct fgw_control *c = sa->ike->c;
	struct fgw_flexvpn_session *s = session_of(c, sa->tunnel);

	/* Only the IKE SA that carries the session ends it: one rekeyed away
	 * has handed the tunnel on (t->sa is its successor). NULL: it never
	 * got established. */
	if (s == NULL || (s->tun.sa != NULL && s->tun.sa != sa))
		return;
	log_session("down", sa, s);
	session_end(c, s);
	sa->tunnel = NULL;
}
