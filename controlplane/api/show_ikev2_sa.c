/* show crypto ikev2 sa [detailed] and show crypto ikev2 session [detailed]:
 * the engine's IKE SAs (controlplane/ikev2/ike_sa.h), and for the session
 * views their CHILD SAs, in IOS's shape. One builder per view feeds both
 * the plain and the detailed text; --json always carries every field.
 *
 * Read on the control lcore, which owns the engine's state, so nothing
 * here locks. Keys, nonces and KE values are never read. Identities came
 * from the peer: they are printed through a filter that keeps printable
 * ASCII only, so neither a terminal nor JSON sees raw bytes from the wire. */
#include "api/commands.h"

#include <string.h>

#include <rte_cycles.h>

#include "common/sa.h"
#include "controlplane/flexvpn/client.h"
#include "controlplane/ikev2/ike_sa.h"
#include "dataplane/tunnel.h"

uint64_t fgw_cmd_seconds_since(uint64_t then)
{
	uint64_t now = rte_get_timer_cycles(), hz = rte_get_timer_hz();

	return hz != 0 && then != 0 && now > then ? (now - then) / hz : 0;
}

/* "AES-CBC" / "AES-GCM" as IOS splits cipher and key size. */
static const char *encr_family(uint16_t encr)
{
	switch (encr) {
	case FGW_IKE_ENCR_ID_AES_CBC: return "AES-CBC";
	case FGW_IKE_ENCR_ID_AES_GCM_16: return "AES-GCM";
	default: return "unknown";
	}
}

/* IOS's words for the hash of an integrity or PRF transform ("Hash:
 * None" with AES-GCM). */
static const char *integ_name(uint16_t integ)
{
	switch (integ) {
	case FGW_IKE_INTEG_NONE: return "None";
	case FGW_IKE_INTEG_HMAC_SHA1_96: return "SHA96";
	case FGW_IKE_INTEG_HMAC_SHA2_256_128: return "SHA256";
	case FGW_IKE_INTEG_HMAC_SHA2_384_192: return "SHA384";
	case FGW_IKE_INTEG_HMAC_SHA2_512_256: return "SHA512";
	default: return "unknown";
	}
}

static const char *prf_name(uint16_t prf)
{
	switch (prf) {
	case FGW_IKE_PRF_HMAC_SHA1: return "SHA1";
	case FGW_IKE_PRF_HMAC_SHA2_256: return "SHA256";
	case FGW_IKE_PRF_HMAC_SHA2_384: return "SHA384";
	case FGW_IKE_PRF_HMAC_SHA2_512: return "SHA512";
	default: return "unknown";
	}
}

/* Printable ASCII of at most len bytes; the rest as '.'. */
static void printable(const uint8_t *d, size_t len, char *buf, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < size; i++)
		buf[n++] = d[i] >= 0x20 && d[i] < 0x7f ? (char)d[i] : '.';
	buf[n] = '\0';
}

json_t *fgw_cmd_ike_identity_json(const struct fgw_ike_identity *id)
{
	char buf[FGW_IKE_ID_MAX * 2 + 16];
	struct fgw_addr a = { 0 };
	size_t len = id->len < sizeof(id->data) ? id->len : sizeof(id->data);

	switch (id->type) {
	case 0:
		return json_null();
	case FGW_IKE_ID_IPV4_ADDR:
	case FGW_IKE_ID_IPV6_ADDR:
		a.family = id->type == FGW_IKE_ID_IPV4_ADDR ? AF_INET : AF_INET6;
		if (len != (a.family == AF_INET ? 4u : 16u))
			return json_string("(malformed address)");
		memcpy(a.bytes, id->data, len);
		return json_string(fgw_addr_str(&a, buf, sizeof(buf)));
	case FGW_IKE_ID_FQDN:
	case FGW_IKE_ID_RFC822_ADDR:
		printable(id->data, len, buf, sizeof(buf));
		return json_string(buf);
	default:
		/* key-id and DNs are opaque octets: hex, as IOS prints a key-id. */
		for (size_t i = 0; i < len; i++) {	/* buf holds 2 * FGW_IKE_ID_MAX */
			buf[2 * i] = "0123456789abcdef"[id->data[i] >> 4];
			buf[2 * i + 1] = "0123456789abcdef"[id->data[i] & 15];
		}
		buf[2 * len] = '\0';
		return json_string(buf);
	}
}

static const char *nat_t(const struct fgw_ike_sa *sa)
{
	if (sa->nat_local)
		return "inside";	/* a NAT is in front of us */
	if (sa->nat_remote)
		return "outside";	/* a NAT is in front of the peer */
	return "none";
}

static json_t *ts_json(const struct fgw_ike_ts *ts)
{
	char start[FGW_ADDR_STRLEN], end[FGW_ADDR_STRLEN];

	return json_pack("{s:s, s:I, s:s, s:I, s:I}",
			 "start", fgw_addr_str(&ts->start, start, sizeof(start)),
			 "start_port", (json_int_t)ts->start_port,
			 "end", fgw_addr_str(&ts->end, end, sizeof(end)),
			 "end_port", (json_int_t)ts->end_port,
			 "protocol", (json_int_t)ts->ip_proto);
}

static const char *child_state(uint8_t s)
{
	switch (s) {
	case FGW_CHILD_INSTALLED: return "installed";
	case FGW_CHILD_REKEYING: return "rekeying";
	case FGW_CHILD_REKEYED: return "rekeyed";
	case FGW_CHILD_DELETING: return "deleting";
	default: return "unknown";
	}
}

/* Since the last clear counters, as show crypto ipsec sa and show crypto
 * session count them (it read the raw counters, which a clear leaves). */
static uint64_t sa_counter(const struct fgw_sa *sa, bool bytes)
{
	struct fgw_sa_stats st;

	if (sa == NULL)
		return 0;
	fgw_sa_counters(sa, &st);
	return bytes ? st.bytes : st.packets;
}

static json_t *child_json(const struct fgw_ike_child *ch)
{
	/* The selectors are the child exchange's initiator's first. */
	const struct fgw_ike_ts *local = ch->initiator ? &ch->tsi[0] : &ch->tsr[0];
	const struct fgw_ike_ts *remote = ch->initiator ? &ch->tsr[0] : &ch->tsi[0];
	const struct fgw_sa *mode_of = ch->sa_in != NULL ? ch->sa_in : ch->sa_out;

	return json_pack("{s:s, s:b, s:I, s:I, s:s, s:I, s:s, s:I, s:b, s:s*, s:o, s:o,"
			 " s:I, s:I, s:o, s:o, s:o, s:o}",
			 "state", child_state(ch->state),
			 "initiator", ch->initiator,
			 "spi_in", (json_int_t)ch->spi_in, "spi_out", (json_int_t)ch->spi_out,
			 "encryption", encr_family(ch->encr), "keysize", (json_int_t)ch->encr_bits,
			 "integrity", integ_name(ch->integ),
			 "pfs_group", (json_int_t)ch->pfs_group, "esn", ch->esn,
			 "mode", mode_of == NULL ? NULL :
				 mode_of->mode == FGW_SA_TUNNEL ? "tunnel" : "transport",
			 "local_selector", ts_json(local), "remote_selector", ts_json(remote),
			 "lifetime", (json_int_t)ch->lifetime_s,
			 "active_time", (json_int_t)fgw_cmd_seconds_since(ch->created),
			 "packets_in", fgw_json_u64_new(sa_counter(ch->sa_in, false)),
			 "bytes_in", fgw_json_u64_new(sa_counter(ch->sa_in, true)),
			 "packets_out", fgw_json_u64_new(sa_counter(ch->sa_out, false)),
			 "bytes_out", fgw_json_u64_new(sa_counter(ch->sa_out, true)));
}

static json_t *children_json(const struct fgw_ike_sa *sa)
{
	json_t *list = json_array();
	const struct fgw_ike_child *ch;

	if (list == NULL)
		return NULL;
	TAILQ_FOREACH(ch, &sa->children, link)
		if (json_array_append_new(list, child_json(ch)) != 0) {
			json_decref(list);
			return NULL;
		}
	return list;
}

/* RFC 7296 2.3: our requests are numbered from 0, so the last one sent is
 * one before the next; likewise the peer's last request we answered. */
static json_t *msg_ids_json(const struct fgw_config *cfg, const struct fgw_ike_sa *sa)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "local_req_msg_id", (json_int_t)(sa->req.msg != NULL ? sa->req.msg_id :
							  sa->next_msg_id ? sa->next_msg_id - 1 : 0),
			 "remote_req_msg_id", (json_int_t)(sa->peer_msg_id ? sa->peer_msg_id - 1 : 0),
			 "local_next_msg_id", (json_int_t)sa->next_msg_id,
			 "remote_next_msg_id", (json_int_t)sa->peer_msg_id,
			 "local_req_queued", (json_int_t)(sa->req.msg != NULL),
			 "remote_req_queued", (json_int_t)0,
			 "local_window", (json_int_t)cfg->ikev2.window,
			 "remote_window", (json_int_t)(sa->window ? sa->window : 1));
}

static json_t *addr_json(const struct fgw_addr *a)
{
	char buf[FGW_ADDR_STRLEN];

	return a->family != 0 ? json_string(fgw_addr_str(a, buf, sizeof(buf))) : json_null();
}

static json_t *prefixes_json(const struct fgw_prefix *p, unsigned n)
{
	json_t *list = json_array();
	char buf[FGW_ADDR_STRLEN + 4];

	for (unsigned i = 0; list != NULL && i < n; i++)
		json_array_append_new(list, json_string(fgw_prefix_str(&p[i], buf, sizeof(buf))));
	return list;
}

/* What a FlexVPN client got in its CFG_REPLY (flexvpn/client.h), on the
 * IKE SA that carries the tunnel; null otherwise. */
static json_t *client_json(const struct fgw_ike_sa *sa)
{
	const struct fgw_cp_client *cl = sa->tunnel != NULL && sa->tunnel->sa == sa ?
					 sa->tunnel->cp : NULL;
	json_t *dns, *wins, *split;

	if (cl == NULL || !cl->installed)
		return json_null();
	dns = json_array();
	wins = json_array();
	split = json_array();
	for (unsigned i = 0; dns != NULL && i < cl->n_dns; i++)
		json_array_append_new(dns, addr_json(&cl->dns[i]));
	for (unsigned i = 0; wins != NULL && i < cl->n_wins; i++)
		json_array_append_new(wins, addr_json(&cl->wins[i]));
	for (unsigned i = 0; split != NULL && i < cl->n_split_dns; i++)
		json_array_append_new(split, json_string(cl->split_dns[i]));
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:s?, s:o, s:o, s:o}",
			 "assigned_ip", addr_json(&cl->addr4), "netmask", addr_json(&cl->netmask4),
			 "assigned_ipv6", addr_json(&cl->addr6), "dns", dns, "wins", wins,
			 "default_domain", cl->def_domain[0] ? cl->def_domain : NULL,
			 "split_dns", split,
			 "routes_received", prefixes_json(cl->routes, cl->n_routes),
			 "routes_advertised", prefixes_json(cl->advertised, cl->n_advertised));
}

static json_t *sa_json(const struct fgw_config *cfg, const struct fgw_ike_sa *sa,
		       bool with_children)
{
	char local[FGW_ADDR_STRLEN], remote[FGW_ADDR_STRLEN], spi_l[17], spi_r[17];
	/* No profile yet, or DPD off: nothing configured, retry included. */
	const struct fgw_dpd_cfg *dpd = sa->profile != NULL && sa->profile->dpd.interval ?
					&sa->profile->dpd : NULL;
	uint64_t ours = fgw_ike_sa_our_spi(sa);
	uint64_t theirs = sa->initiator ? sa->spi_r : sa->spi_i;
	json_t *o;

	snprintf(spi_l, sizeof(spi_l), "%016" PRIX64, ours);
	snprintf(spi_r, sizeof(spi_r), "%016" PRIX64, theirs);
	o = json_pack("{s:I, s:s, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:b,"
		      " s:s, s:I, s:s, s:s, s:I, s:s, s:s, s:I, s:I,"
		      " s:s, s:s, s:o, s:o, s:s*, s:o, s:I, s:I, s:s, s:o,"
		      " s:{s:o, s:o, s:o, s:o, s:o}}",
		      "tunnel_id", (json_int_t)sa->serial,
		      "local", fgw_addr_str(&sa->local, local, sizeof(local)),
		      "local_port", (json_int_t)sa->local_port,
		      "remote", fgw_addr_str(&sa->remote, remote, sizeof(remote)),
		      "remote_port", (json_int_t)sa->remote_port,
		      "fvrf", "none", "ivrf", "none",
		      "status", fgw_ike_state_status(sa->state),
		      "status_description", sa->state == FGW_IKE_ST_ESTABLISHED ?
		      "Negotiation done" : fgw_ike_state_text(sa->state),
		      "initiator", sa->initiator,
		      "encryption", encr_family(sa->suite.encr),
		      "keysize", (json_int_t)sa->suite.encr_bits,
		      "prf", prf_name(sa->suite.prf),
		      "integrity", integ_name(sa->suite.integ),
		      "dh_group", (json_int_t)sa->suite.dh,
		      "auth_sign", "PSK", "auth_verify", "PSK",
		      "lifetime", (json_int_t)sa->lifetime_s,
		      "active_time", (json_int_t)fgw_cmd_seconds_since(sa->established ? sa->established :
							       sa->created),
		      "local_spi", spi_l, "remote_spi", spi_r,
		      "local_id", fgw_cmd_ike_identity_json(&sa->id_local),
		      "remote_id", fgw_cmd_ike_identity_json(&sa->id_remote),
		      "profile", sa->profile != NULL ? sa->profile->name : NULL,
		      "msg_ids", msg_ids_json(cfg, sa),
		      "dpd_interval", (json_int_t)(dpd != NULL ? dpd->interval : 0),
		      "dpd_retry", (json_int_t)(dpd != NULL ? dpd->retry_interval : 0),
		      "nat_t", nat_t(sa),
		      "fragmentation_mtu", cfg->ikev2.fragmentation.enabled ?
		      json_integer(cfg->ikev2.fragmentation.mtu) : json_null(),
		      "messages",
		      "rx", fgw_json_u64_new(sa->rx_msgs), "tx", fgw_json_u64_new(sa->tx_msgs),
		      "retransmits", fgw_json_u64_new(sa->retransmits),
		      "dup_requests", fgw_json_u64_new(sa->dup_requests),
		      "nat_keepalives", fgw_json_u64_new(sa->keepalives_sent));
	if (o != NULL && json_object_set_new(o, "config_exchange", client_json(sa)) != 0) {
		json_decref(o);
		return NULL;
	}
	if (o != NULL && with_children &&
	    json_object_set_new(o, "children", children_json(sa)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *build(struct fgw_cmd_ctx *x, bool with_children)
{
	json_t *list = json_array();
	const struct fgw_ike_sa *sa;

	if (list == NULL)
		return fgw_cmd_nomem(x);
	if (x->c->ike != NULL)
		TAILQ_FOREACH(sa, &x->c->ike->sas, link)
			if (json_array_append_new(list, sa_json(x->c->cfg, sa, with_children)) != 0) {
				json_decref(list);
				return fgw_cmd_nomem(x);
			}
	return json_pack("{s:o}", "sas", list);
}

json_t *fgw_show_crypto_ikev2_sa(struct fgw_cmd_ctx *x)
{
	return build(x, false);
}

json_t *fgw_show_crypto_ikev2_session(struct fgw_cmd_ctx *x)
{
	return build(x, true);
}

/* ---- text ----------------------------------------------------------------- */

static bool is_v6(const json_t *sa)
{
	return strchr(fgw_json_str(sa, "local"), ':') != NULL;
}

static void render_sa_head(const json_t *sa, struct fgw_text *t)
{
	char local[FGW_ADDR_STRLEN + 8], remote[FGW_ADDR_STRLEN + 8], vrf[16];

	snprintf(local, sizeof(local), "%s/%" PRIu64, fgw_json_str(sa, "local"),
		 fgw_json_u64(sa, "local_port"));
	snprintf(remote, sizeof(remote), "%s/%" PRIu64, fgw_json_str(sa, "remote"),
		 fgw_json_u64(sa, "remote_port"));
	snprintf(vrf, sizeof(vrf), "%s/%s", fgw_json_str(sa, "fvrf"), fgw_json_str(sa, "ivrf"));
	fgw_text_printf(t, "%-9" PRIu64 " %-21s %-21s %-20s %s\n", fgw_json_u64(sa, "tunnel_id"),
			local, remote, vrf, fgw_json_str(sa, "status"));
	fgw_text_printf(t, "      Encr: %s, keysize: %" PRIu64 ", PRF: %s, Hash: %s, DH Grp:%"
			PRIu64 ", Auth sign: %s, Auth verify: %s\n",
			fgw_json_str(sa, "encryption"), fgw_json_u64(sa, "keysize"),
			fgw_json_str(sa, "prf"), fgw_json_str(sa, "integrity"),
			fgw_json_u64(sa, "dh_group"), fgw_json_str(sa, "auth_sign"),
			fgw_json_str(sa, "auth_verify"));
	fgw_text_printf(t, "      Life/Active Time: %" PRIu64 "/%" PRIu64 " sec\n",
			fgw_json_u64(sa, "lifetime"), fgw_json_u64(sa, "active_time"));
}

static const char *str_or_none(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "none";
}

/* "a.b.c.d/len" as IOS lists subnets: address and mask. */
static void render_subnet(const char *prefix, struct fgw_text *t)
{
	struct fgw_prefix p;
	struct fgw_addr mask = { .family = AF_INET };
	char a[FGW_ADDR_STRLEN], m[FGW_ADDR_STRLEN];

	if (!fgw_prefix_parse(prefix, &p, false) || p.addr.family != AF_INET) {
		fgw_text_printf(t, "      %s\n", prefix);
		return;
	}
	mask.v4 = htonl(p.len ? UINT32_MAX << (32 - p.len) : 0);
	fgw_text_printf(t, "      %s %s\n", fgw_addr_str(&p.addr, a, sizeof(a)),
			fgw_addr_str(&mask, m, sizeof(m)));
}

/* The FlexVPN client's lines, as IOS prints them under the SA. */
static void render_client(const json_t *cx, struct fgw_text *t)
{
	static const char *const dns_word[] = { "Primary", "Secondary", "Tertiary", "4th" };
	const json_t *v;
	size_t i;

	if (!json_is_object(cx))
		return;
	fgw_text_printf(t, "      Push route support : Enabled\n");
	if (json_is_string(json_object_get(cx, "assigned_ip")))
		fgw_text_printf(t, "      Assigned host addr: %s\n", fgw_json_str(cx, "assigned_ip"));
	if (json_is_string(json_object_get(cx, "assigned_ipv6")))
		fgw_text_printf(t, "      Assigned IPv6 host addr: %s\n",
				fgw_json_str(cx, "assigned_ipv6"));
	json_array_foreach(json_object_get(cx, "dns"), i, v)
		fgw_text_printf(t, "      DNS %s: %s\n", dns_word[i < 4 ? i : 3],
				json_string_value(v));
	json_array_foreach(json_object_get(cx, "wins"), i, v)
		fgw_text_printf(t, "      WINS %s: %s\n", dns_word[i < 4 ? i : 3],
				json_string_value(v));
	if (json_is_string(json_object_get(cx, "default_domain")))
		fgw_text_printf(t, "      Default Domain: %s\n", fgw_json_str(cx, "default_domain"));
	json_array_foreach(json_object_get(cx, "split_dns"), i, v)
		fgw_text_printf(t, "      Split DNS: %s\n", json_string_value(v));
	fgw_text_printf(t, "      Remote subnets:\n");
	json_array_foreach(json_object_get(cx, "routes_received"), i, v)
		render_subnet(json_string_value(v), t);
	fgw_text_printf(t, "      Local subnets (advertised):\n");
	json_array_foreach(json_object_get(cx, "routes_advertised"), i, v)
		render_subnet(json_string_value(v), t);
}

static void render_sa_detail(const json_t *sa, struct fgw_text *t)
{
	const json_t *m = json_object_get(sa, "msg_ids");
	const json_t *frag = json_object_get(sa, "fragmentation_mtu");

	fgw_text_printf(t, "      Session-id: %" PRIu64 "\n", fgw_json_u64(sa, "tunnel_id"));
	fgw_text_printf(t, "      Status Description: %s\n",
			fgw_json_str(sa, "status_description"));
	fgw_text_printf(t, "      Local spi: %-16s       Remote spi: %s\n",
			fgw_json_str(sa, "local_spi"), fgw_json_str(sa, "remote_spi"));
	fgw_text_printf(t, "      Local id: %s\n", str_or_none(sa, "local_id"));
	fgw_text_printf(t, "      Remote id: %s\n", str_or_none(sa, "remote_id"));
	fgw_text_printf(t, "      Local req msg id:  %-10" PRIu64 "    Remote req msg id:  %"
			PRIu64 "\n", fgw_json_u64(m, "local_req_msg_id"),
			fgw_json_u64(m, "remote_req_msg_id"));
	fgw_text_printf(t, "      Local next msg id: %-10" PRIu64 "    Remote next msg id: %"
			PRIu64 "\n", fgw_json_u64(m, "local_next_msg_id"),
			fgw_json_u64(m, "remote_next_msg_id"));
	fgw_text_printf(t, "      Local req queued:  %-10" PRIu64 "    Remote req queued:  %"
			PRIu64 "\n", fgw_json_u64(m, "local_req_queued"),
			fgw_json_u64(m, "remote_req_queued"));
	fgw_text_printf(t, "      Local window:      %-10" PRIu64 "    Remote window:      %"
			PRIu64 "\n", fgw_json_u64(m, "local_window"),
			fgw_json_u64(m, "remote_window"));
	fgw_text_printf(t, "      DPD configured for %" PRIu64 " seconds, retry %" PRIu64 "\n",
			fgw_json_u64(sa, "dpd_interval"), fgw_json_u64(sa, "dpd_retry"));
	if (json_is_integer(frag))
		fgw_text_printf(t, "      Fragmentation configured, MTU %" JSON_INTEGER_FORMAT "\n",
				json_integer_value(frag));
	else
		fgw_text_printf(t, "      Fragmentation not configured.\n");
	fgw_text_printf(t, "      Extended Authentication not configured.\n");
	if (strcmp(fgw_json_str(sa, "nat_t"), "none") == 0)
		fgw_text_printf(t, "      NAT-T is not detected\n");
	else
		fgw_text_printf(t, "      NAT-T is detected %s\n", fgw_json_str(sa, "nat_t"));
	/* Behind the NAT: the keepalives that hold its mapping open. */
	if (strcmp(fgw_json_str(sa, "nat_t"), "inside") == 0)
		fgw_text_printf(t, "      NAT keepalives sent: %" PRIu64 "\n",
				fgw_json_u64(json_object_get(sa, "messages"), "nat_keepalives"));
	fgw_text_printf(t, "      Cisco Trust Security SGT is disabled\n");
	fgw_text_printf(t, "      Initiator of SA : %s\n",
			json_is_true(json_object_get(sa, "initiator")) ? "Yes" : "No");
	render_client(json_object_get(sa, "config_exchange"), t);
}

static const char *const column_head =
	"Tunnel-id Local                 Remote                fvrf/ivrf            Status\n";

static void render_sas(const json_t *j, bool detailed, struct fgw_text *t)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		const json_t *sa;
		size_t i;

		fgw_text_printf(t, " %s Crypto IKEv2  SA\n\n", v6 ? "IPv6" : "IPv4");
		json_array_foreach(json_object_get(j, "sas"), i, sa) {
			if (is_v6(sa) != v6)
				continue;
			fgw_text_printf(t, "%s", column_head);
			render_sa_head(sa, t);
			if (detailed)
				render_sa_detail(sa, t);
			fgw_text_printf(t, "\n");
		}
	}
}

void fgw_render_crypto_ikev2_sa(const json_t *j, struct fgw_text *t)
{
	render_sas(j, false, t);
}

void fgw_render_crypto_ikev2_sa_detailed(const json_t *j, struct fgw_text *t)
{
	render_sas(j, true, t);
}

static void selector_text(const json_t *ts, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%" PRIu64 " - %s/%" PRIu64, fgw_json_str(ts, "start"),
		 fgw_json_u64(ts, "start_port"), fgw_json_str(ts, "end"),
		 fgw_json_u64(ts, "end_port"));
}

static void render_child(const json_t *ch, bool detailed, struct fgw_text *t)
{
	char sel[2 * FGW_ADDR_STRLEN + 32];

	selector_text(json_object_get(ch, "local_selector"), sel, sizeof(sel));
	fgw_text_printf(t, "Child sa: local selector  %s\n", sel);
	selector_text(json_object_get(ch, "remote_selector"), sel, sizeof(sel));
	fgw_text_printf(t, "          remote selector %s\n", sel);
	fgw_text_printf(t, "          ESP spi in/out: 0x%" PRIx64 "/0x%" PRIx64 "\n",
			fgw_json_u64(ch, "spi_in"), fgw_json_u64(ch, "spi_out"));
	if (!detailed)
		return;
	fgw_text_printf(t, "          Encr: %s, keysize: %" PRIu64 ", esp_hmac: %s\n",
			fgw_json_str(ch, "encryption"), fgw_json_u64(ch, "keysize"),
			fgw_json_str(ch, "integrity"));
	fgw_text_printf(t, "          ah_hmac: None, comp: IPCOMP_NONE, mode %s\n",
			str_or_none(ch, "mode"));
}

/* An IOS session groups a peer's IKE SAs; flexgw keeps one IKE SA per
 * session, so the count is 1 and the status follows that SA. */
static const char *session_status(const json_t *sa)
{
	const char *s = fgw_json_str(sa, "status");

	if (strcmp(s, "READY") == 0)
		return json_array_size(json_object_get(sa, "children")) ? "UP-ACTIVE" : "UP-IDLE";
	return strcmp(s, "IN-NEG") == 0 ? "DOWN-NEGOTIATING" : "DOWN";
}

static void render_sessions(const json_t *j, bool detailed, struct fgw_text *t)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		const json_t *sa, *ch;
		size_t i, k;

		fgw_text_printf(t, " %s Crypto IKEv2 Session\n\n", v6 ? "IPv6" : "IPv4");
		json_array_foreach(json_object_get(j, "sas"), i, sa) {
			const json_t *children = json_object_get(sa, "children");

			if (is_v6(sa) != v6)
				continue;
			fgw_text_printf(t, "Session-id:%" PRIu64 ", Status:%s, IKE count:1, "
					"CHILD count:%zu\n\n", fgw_json_u64(sa, "tunnel_id"),
					session_status(sa), json_array_size(children));
			fgw_text_printf(t, "%s", column_head);
			render_sa_head(sa, t);
			if (detailed)
				render_sa_detail(sa, t);
			json_array_foreach(children, k, ch)
				render_child(ch, detailed, t);
			fgw_text_printf(t, "\n");
		}
	}
}

void fgw_render_crypto_ikev2_session(const json_t *j, struct fgw_text *t)
{
	render_sessions(j, false, t);
}

void fgw_render_crypto_ikev2_session_detailed(const json_t *j, struct fgw_text *t)
{
	render_sessions(j, true, t);
}
