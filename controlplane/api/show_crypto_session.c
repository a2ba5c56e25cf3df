/* show crypto session [detail]: one session per IKE SA, in IOS's shape:
 * the interface its CHILD SAs go on (Tunnel0, or the peer's
 * Virtual-AccessN), profile, status, peer, the IKE SA and the IPsec flows
 * (one per pair of selectors, with how many SAs carry it). A FlexVPN
 * server's session also names its authorization policy and the
 * addresses lent to the peer. Then one per manually keyed tunnel, which
 * IOS lists too: no IKE SA (UP-NO-IKE), one flow. Keys are never read
 * here. */
#include "api/commands.h"

#include <string.h>

#include "common/sa.h"
#include "controlplane/flexvpn/config_payload.h"
#include "controlplane/flexvpn/flexvpn.h"
#include "controlplane/ikev2/ike_sa.h"
#include "dataplane/tunnel.h"

static unsigned bit(const uint8_t *b, unsigned i)
{
	return b[i / 8] >> (7 - i % 8) & 1;
}

/* A selector as IOS writes a flow's end: "host A", "A/MASK" (IPv4),
 * "A/LEN" (IPv6), or "A - B" for a range that is no prefix. */
static void selector_text(const struct fgw_ike_ts *ts, char *buf, size_t len)
{
	const uint8_t *s = ts->start.bytes, *e = ts->end.bytes;
	unsigned bits = ts->start.family == AF_INET ? 32 : 128, plen = 0, i;
	char a[FGW_ADDR_STRLEN], b[FGW_ADDR_STRLEN];

	fgw_addr_str(&ts->start, a, sizeof(a));
	while (plen < bits && bit(s, plen) == bit(e, plen))
		plen++;
	for (i = plen; i < bits && bit(s, i) == 0 && bit(e, i) == 1; i++)
		;
	if (plen == bits) {
		snprintf(buf, len, "host %s", a);
	} else if (i < bits) {
		snprintf(buf, len, "%s - %s", a, fgw_addr_str(&ts->end, b, sizeof(b)));
	} else if (bits == 32) {
		uint32_t m = plen ? UINT32_MAX << (32 - plen) : 0;

		snprintf(buf, len, "%s/%u.%u.%u.%u", a, m >> 24, (m >> 16) & 255, (m >> 8) & 255,
			 m & 255);
	} else {
		snprintf(buf, len, "%s/%u", a, plen);
	}
}

static bool ts_eq(const struct fgw_ike_ts *a, const struct fgw_ike_ts *b)
{
	return a->ip_proto == b->ip_proto && a->start_port == b->start_port &&
	       a->end_port == b->end_port && fgw_addr_eq(&a->start, &b->start) &&
	       fgw_addr_eq(&a->end, &b->end);
}

static void sa_add(const struct fgw_sa *sa, unsigned *n, uint64_t *pkts, uint64_t *drops)
{
	struct fgw_sa_stats st;

	if (sa == NULL)
		return;
	fgw_sa_counters(sa, &st);
	(*n)++;
	*pkts += st.packets;
	*drops += fgw_sa_stats_drops(&st);
}

/* The session's flows: CHILD SAs with the same selectors (a rekey's old
 * and new) make one flow. */
static json_t *flows_json(const struct fgw_ike_sa *sa, unsigned *active)
{
	json_t *list = json_array();
	const struct fgw_ike_child *ch, *o;

	*active = 0;
	TAILQ_FOREACH(ch, &sa->children, link) {
		const struct fgw_ike_ts *local = ch->initiator ? &ch->tsi[0] : &ch->tsr[0];
		const struct fgw_ike_ts *remote = ch->initiator ? &ch->tsr[0] : &ch->tsi[0];
		char l[2 * FGW_ADDR_STRLEN + 8], r[2 * FGW_ADDR_STRLEN + 8];
		uint64_t pin = 0, pout = 0, din = 0, dout = 0;
		uint64_t left = 0;
		unsigned n = 0;
		bool seen = false;

		TAILQ_FOREACH(o, &sa->children, link) {
			if (o == ch)
				break;
			seen |= ts_eq(&o->tsi[0], &ch->tsi[0]) && ts_eq(&o->tsr[0], &ch->tsr[0]);
		}
		if (seen)
			continue;
		TAILQ_FOREACH(o, &sa->children, link) {
			if (!ts_eq(&o->tsi[0], &ch->tsi[0]) || !ts_eq(&o->tsr[0], &ch->tsr[0]))
				continue;
			sa_add(o->sa_in, &n, &pin, &din);
			sa_add(o->sa_out, &n, &pout, &dout);
			if (o->state == FGW_CHILD_INSTALLED && o->lifetime_s)
				left = o->lifetime_s > fgw_cmd_seconds_since(o->created) ?
				       o->lifetime_s - fgw_cmd_seconds_since(o->created) : 0;
		}
		*active += n;
		selector_text(local, l, sizeof(l));
		selector_text(remote, r, sizeof(r));
		if (list != NULL &&
		    json_array_append_new(list, json_pack(
			    "{s:I, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:I}",
			    "protocol", (json_int_t)local->ip_proto, "local", l, "remote", r,
			    "active_sas", (json_int_t)n,
			    "packets_in", fgw_json_u64_new(pin), "drops_in", fgw_json_u64_new(din),
			    "packets_out", fgw_json_u64_new(pout),
			    "drops_out", fgw_json_u64_new(dout),
			    "lifetime_left", (json_int_t)left)) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static const char *session_status(const struct fgw_ike_sa *sa)
{
	const struct fgw_ike_child *ch;

	if (sa->state == FGW_IKE_ST_ESTABLISHED) {
		TAILQ_FOREACH(ch, &sa->children, link)
			if (ch->sa_in != NULL || ch->sa_out != NULL)
				return "UP-ACTIVE";
		return "UP-IDLE";
	}
	return sa->state < FGW_IKE_ST_ESTABLISHED ? "DOWN-NEGOTIATING" : "DOWN";
}

static json_t *assigned_json(const struct fgw_cp_lease *lease)
{
	json_t *list = json_array();
	char a[FGW_ADDR_STRLEN];

	if (lease != NULL && lease->pool4 != NULL)
		json_array_append_new(list, json_string(fgw_addr_str(&lease->addr4, a, sizeof(a))));
	if (lease != NULL && lease->pool6 != NULL)
		json_array_append_new(list, json_string(fgw_addr_str(&lease->addr6, a, sizeof(a))));
	return list;
}

static json_t *session_json(const struct fgw_control *c, const struct fgw_ike_sa *sa)
{
	char local[FGW_ADDR_STRLEN], remote[FGW_ADDR_STRLEN];
	const char *policy = NULL;
	const struct fgw_cp_lease *lease = fgw_flexvpn_lease(c, sa->tunnel, &policy);
	json_t *flows;
	unsigned active;
	uint64_t left = sa->lifetime_s > fgw_cmd_seconds_since(sa->established) ?
			sa->lifetime_s - fgw_cmd_seconds_since(sa->established) : 0;

	flows = flows_json(sa, &active);
	if (flows == NULL)
		return NULL;
	return json_pack("{s:b, s:o, s:o, s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:o,"
			 " s:{s:s, s:I, s:s, s:I, s:s, s:I, s:I}, s:I, s:o}",
			 "manual", false,
			 "interface", sa->tunnel != NULL ? json_string(sa->tunnel->cfg->name)
							 : json_null(),
			 "profile", sa->profile != NULL ? json_string(sa->profile->name)
							: json_null(),
			 "status", session_status(sa),
			 "peer", fgw_addr_str(&sa->remote, remote, sizeof(remote)),
			 "peer_port", (json_int_t)sa->remote_port,
			 "session_id", (json_int_t)sa->serial,
			 "uptime", (json_int_t)fgw_cmd_seconds_since(sa->established ? sa->established
									      : sa->created),
			 "phase1_id", fgw_cmd_ike_identity_json(&sa->id_remote),
			 "policy", policy != NULL && policy[0] ? json_string(policy) : json_null(),
			 "assigned", assigned_json(lease),
			 "ike",
			 "local", fgw_addr_str(&sa->local, local, sizeof(local)),
			 "local_port", (json_int_t)sa->local_port,
			 "remote", remote, "remote_port", (json_int_t)sa->remote_port,
			 "status", sa->state == FGW_IKE_ST_ESTABLISHED ? "Active" :
				   sa->state < FGW_IKE_ST_ESTABLISHED ? "Negotiating" : "Deleting",
			 "conn_id", (json_int_t)sa->serial,
			 "lifetime_left", (json_int_t)(sa->established ? left : 0),
			 "active_sas", (json_int_t)active,
			 "flows", flows);
}

/* The "any" selector of a family, or a host's. */
static struct fgw_ike_ts ts_of(const struct fgw_addr *host, uint8_t family)
{
	struct fgw_ike_ts ts = { .start_port = 0, .end_port = 65535 };

	if (host != NULL) {
		ts.start = ts.end = *host;
		return ts;
	}
	ts.start.family = ts.end.family = family;
	memset(ts.end.bytes, 0xff, family == AF_INET ? 4 : 16);
	return ts;
}

/* A manually keyed tunnel's session. Its flow: everything routed into a
 * VTI (IOS's "permit ip 0.0.0.0/0.0.0.0 0.0.0.0/0.0.0.0"), GRE between
 * the endpoints for a GRE tunnel; its SAs: the outbound one and the
 * inbound ones of either key set (both during a rekey). No IKE SA, no
 * lifetime in seconds: those are null. */
static json_t *manual_json(const struct fgw_control *c, const struct fgw_tunnel_cfg *tc)
{
	const struct fgw_manual_sa_cfg *ms = &tc->manual_sa;
	int ifindex = fgw_if_by_name(c->dp, tc->name);
	bool gre = tc->mode == FGW_TUNNEL_GRE_IPV4 || tc->mode == FGW_TUNNEL_GRE_IPV6;
	struct fgw_addr src, dst;
	struct fgw_ike_ts local, remote;
	char l[2 * FGW_ADDR_STRLEN + 8], r[2 * FGW_ADDR_STRLEN + 8];
	char peer[FGW_ADDR_STRLEN];
	uint64_t pin = 0, pout = 0, din = 0, dout = 0;
	const uint32_t spis[2] = { ms->inbound.spi, ms->rekey_set ? ms->rekey.inbound.spi : 0 };
	unsigned n = 0;

	if (ifindex < 0 || fgw_tunnel_endpoints(c->dp, (uint32_t)ifindex, &src, &dst) < 0)
		return json_null();
	for (unsigned i = 0; i < 2; i++) {
		const struct fgw_sa *sa = spis[i] ? fgw_sa_in_get(c->dp, spis[i]) : NULL;

		if (sa != NULL && sa->ifindex == (uint32_t)ifindex)
			sa_add(sa, &n, &pin, &din);
	}
	sa_add(fgw_tunnel_sa_out_get(c->dp, (uint32_t)ifindex), &n, &pout, &dout);
	local = ts_of(gre ? &src : NULL, src.family);
	remote = ts_of(gre ? &dst : NULL, dst.family);
	selector_text(&local, l, sizeof(l));
	selector_text(&remote, r, sizeof(r));
	return json_pack("{s:b, s:s, s:n, s:s, s:s, s:o, s:n, s:n, s:n, s:n, s:[], s:n, s:I,"
			 " s:[{s:I, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:n}]}",
			 "manual", true,
			 "interface", tc->name,
			 "profile",
			 "status", c->dp->ifs[ifindex].up && n ? "UP-NO-IKE" : "DOWN",
			 "peer", fgw_addr_str(&dst, peer, sizeof(peer)),
			 "peer_port", ms->natt ? json_integer(4500) : json_null(),
			 "session_id", "uptime", "phase1_id", "policy",
			 "assigned",
			 "ike",
			 "active_sas", (json_int_t)n,
			 "flows",
			 "protocol", (json_int_t)(gre ? 47 : 0), "local", l, "remote", r,
			 "active_sas", (json_int_t)n,
			 "packets_in", fgw_json_u64_new(pin), "drops_in", fgw_json_u64_new(din),
			 "packets_out", fgw_json_u64_new(pout), "drops_out", fgw_json_u64_new(dout),
			 "lifetime_left");
}

json_t *fgw_show_crypto_session(struct fgw_cmd_ctx *x)
{
	json_t *list = json_array();
	const struct fgw_ike_sa *sa;

	if (list == NULL)
		return fgw_cmd_nomem(x);
	if (x->c->ike != NULL)
		TAILQ_FOREACH(sa, &x->c->ike->sas, link) {
			/* a rekeyed IKE SA's session lives on in its successor */
			if (sa->state == FGW_IKE_ST_DEAD || sa->state == FGW_IKE_ST_REKEYED)
				continue;
			if (json_array_append_new(list, session_json(x->c, sa)) != 0) {
				json_decref(list);
				return fgw_cmd_nomem(x);
			}
		}
	for (unsigned i = 0; x->c->cfg != NULL && i < x->c->cfg->n_tunnels; i++) {
		const struct fgw_tunnel_cfg *tc = &x->c->cfg->tunnels[i];
		json_t *m;

		if (tc->manual_sa.transform_set[0] == '\0')
			continue;
		m = manual_json(x->c, tc);
		if (m == NULL || (!json_is_null(m) && json_array_append(list, m) != 0)) {
			json_decref(m);
			json_decref(list);
			return fgw_cmd_nomem(x);
		}
		json_decref(m);
	}
	return json_pack("{s:o}", "sessions", list);
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : dflt;
}

static void render(const json_t *j, bool detail, struct fgw_text *t)
{
	const json_t *s, *f, *a;
	size_t i, k, n;
	char buf[32], life[40];

	fgw_text_printf(t, "Crypto session current status\n\n");
	json_array_foreach(json_object_get(j, "sessions"), i, s) {
		const json_t *ike = json_object_get(s, "ike");

		fgw_text_printf(t, "Interface: %s\n", str_or(s, "interface", "(none)"));
		fgw_text_printf(t, "Profile: %s\n", str_or(s, "profile", "(none)"));
		/* a manual session has no IKE SA: no uptime, session id, port
		 * (but NAT-T's) or IKEv2 SA line */
		if (detail && json_is_integer(json_object_get(s, "uptime"))) {
			fgw_format_duration(fgw_json_u64(s, "uptime"), buf, sizeof(buf));
			fgw_text_printf(t, "Uptime: %s\n", buf);
		}
		fgw_text_printf(t, "Session status: %s\n", fgw_json_str(s, "status"));
		fgw_text_printf(t, "Peer: %s", fgw_json_str(s, "peer"));
		if (json_is_integer(json_object_get(s, "peer_port")))
			fgw_text_printf(t, " port %" PRIu64, fgw_json_u64(s, "peer_port"));
		fgw_text_printf(t, "%s\n", detail ? " fvrf: (none) ivrf: (none)" : "");
		if (detail) {
			fgw_text_printf(t, "      Phase1_id: %s\n", str_or(s, "phase1_id", "(none)"));
			if (json_is_string(json_object_get(s, "policy")))
				fgw_text_printf(t, "      Authorization policy: %s\n",
						fgw_json_str(s, "policy"));
			json_array_foreach(json_object_get(s, "assigned"), n, a)
				fgw_text_printf(t, "      Assigned address: %s\n",
						json_string_value(a));
		}
		if (json_is_integer(json_object_get(s, "session_id")))
			fgw_text_printf(t, "  Session ID: %" PRIu64 "\n",
					fgw_json_u64(s, "session_id"));
		if (json_is_object(ike))
			fgw_text_printf(t, "  IKEv2 SA: local %s/%" PRIu64 " remote %s/%" PRIu64
					" %s\n", fgw_json_str(ike, "local"),
					fgw_json_u64(ike, "local_port"), fgw_json_str(ike, "remote"),
					fgw_json_u64(ike, "remote_port"), fgw_json_str(ike, "status"));
		if (detail && json_is_object(ike)) {
			fgw_format_duration(fgw_json_u64(ike, "lifetime_left"), buf, sizeof(buf));
			fgw_text_printf(t, "          Capabilities:(none) connid:%" PRIu64
					" lifetime:%s\n", fgw_json_u64(ike, "conn_id"), buf);
		}
		json_array_foreach(json_object_get(s, "flows"), k, f) {
			uint64_t proto = fgw_json_u64(f, "protocol");

			if (proto == 0)
				snprintf(buf, sizeof(buf), "ip");
			else
				snprintf(buf, sizeof(buf), "%" PRIu64, proto);
			fgw_text_printf(t, "  IPSEC FLOW: permit %s %s %s\n", buf,
					fgw_json_str(f, "local"), fgw_json_str(f, "remote"));
			fgw_text_printf(t, "        Active SAs: %" PRIu64 ", origin: crypto map\n",
					fgw_json_u64(f, "active_sas"));
			if (!detail)
				continue;
			/* manual SAs: no lifetime in seconds */
			life[0] = '\0';
			if (json_is_integer(json_object_get(f, "lifetime_left")))
				snprintf(life, sizeof(life), " life (Sec) %" PRIu64,
					 fgw_json_u64(f, "lifetime_left"));
			fgw_text_printf(t, "        Inbound:  #pkts dec'ed %" PRIu64 " drop %" PRIu64
					"%s\n", fgw_json_u64(f, "packets_in"),
					fgw_json_u64(f, "drops_in"), life);
			fgw_text_printf(t, "        Outbound: #pkts enc'ed %" PRIu64 " drop %" PRIu64
					"%s\n", fgw_json_u64(f, "packets_out"),
					fgw_json_u64(f, "drops_out"), life);
		}
		fgw_text_printf(t, "\n");
	}
}

void fgw_render_crypto_session(const json_t *j, struct fgw_text *t)
{
	render(j, false, t);
}

void fgw_render_crypto_session_detail(const json_t *j, struct fgw_text *t)
{
	render(j, true, t);
}
