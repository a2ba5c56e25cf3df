/* IKE_AUTH (RFC 7296 1.2, 2.15): identities, pre-shared-key AUTH both
 * ways, and the first CHILD SA of a tunnel.
 *
 * As initiator we propose traffic selectors 0.0.0.0/0 <-> 0.0.0.0/0 (::/0
 * for an IPv6 tunnel), as an IOS static VTI does, and accept whatever the
 * responder narrows them to: the tunnel's routes decide what goes in, not
 * the selectors. As responder we accept the initiator's selectors and
 * echo them. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "controlplane/flexvpn/client_install.h"
#include "controlplane/flexvpn/flexvpn.h"
#include "dataplane/tunnel.h"
#include "engine.h"

/* RestOfIDPayload (2.15): ID type, three reserved octets, the data. */
static size_t id_body(const struct fgw_ike_identity *id, uint8_t *out)
{
	out[0] = id->type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, id->data, id->len);
	return 4u + id->len;
}

static int auth_value(struct fgw_ike_sa *sa, bool signer_is_initiator, const char *psk,
		      const uint8_t *body, size_t body_len, uint8_t *out)
{
	const uint8_t *real = signer_is_initiator ? sa->init_i : sa->init_r;
	size_t real_len = signer_is_initiator ? sa->init_i_len : sa->init_r_len;
	const uint8_t *nonce = signer_is_initiator ? sa->nr : sa->ni;
	size_t nonce_len = signer_is_initiator ? sa->nr_len : sa->ni_len;

	if (real == NULL)
		return -1;
	return fgw_ike_auth_psk(&sa->keys, signer_is_initiator, (const uint8_t *)psk,
				strlen(psk), real, real_len, nonce, nonce_len, body, body_len, out);
}

/* The peer's AUTH: a shared-key MIC equal to what its key gives. */
static bool auth_ok(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg, const char *psk,
		    const struct fgw_ike_id *id)
{
	uint8_t want[FGW_IKE_PRF_MAX];
	size_t len = fgw_ike_prf_len(sa->suite.prf);
	bool ok;

	if (msg->auth.method != FGW_IKE_AUTH_SHARED_KEY_MIC || msg->auth.len != len ||
	    auth_value(sa, !sa->initiator, psk, id->body, id->body_len, want) < 0)
		return false;
	ok = CRYPTO_memcmp(want, msg->auth.data, len) == 0;
	explicit_bzero(want, sizeof(want));
	return ok;
}

static void ts_any(struct fgw_ike_ts *ts, int family)
{
	memset(ts, 0, sizeof(*ts));
	ts->ip_proto = 0;
	ts->start_port = 0;
	ts->end_port = 65535;
	ts->start.family = ts->end.family = (uint8_t)family;
	if (family == AF_INET) {
		ts->type = FGW_IKE_TS_IPV4_ADDR_RANGE;
		ts->end.v4 = UINT32_MAX;
	} else {
		ts->type = FGW_IKE_TS_IPV6_ADDR_RANGE;
		memset(ts->end.v6, 0xff, 16);
	}
}

static int inner_family(const struct fgw_ike_tunnel *t)
{
	return t->cfg->mode == FGW_TUNNEL_IPSEC_IPV6 ? AF_INET6 : AF_INET;
}

/* No other IKE SA with this peer: the peer may drop whatever it still
 * holds of ours (INITIAL_CONTACT, 2.4). */
static bool first_contact(const struct fgw_ike_sa *sa)
{
	const struct fgw_ike_sa *o;

	TAILQ_FOREACH(o, &sa->ike->sas, link)
		if (o != sa && o->state == FGW_IKE_ST_ESTABLISHED &&
		    fgw_addr_eq(&o->remote, &sa->remote))
			return false;
	return true;
}

static bool same_identity(const struct fgw_ike_identity *a, const struct fgw_ike_identity *b)
{
	return a->type == b->type && a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* INITIAL_CONTACT from the peer: it rebooted, so every other IKE SA
 * authenticated with its identity is stale, whatever address it had (a
 * peer behind a NAT comes back from another one). */
static void initial_contact(struct fgw_ike_sa *sa)
{
	struct fgw_ike_sa *o;

	TAILQ_FOREACH(o, &sa->ike->sas, link) {
		if (o == sa || o->state == FGW_IKE_ST_DEAD || !same_identity(&o->id_remote, &sa->id_remote))
			continue;
		FGW_INFO("IKEv2 SA %u with %s: INITIAL_CONTACT, removing stale SA %u", sa->serial,
			 ike_peer_str(sa), o->serial);
		ike_sa_kill(o);
	}
}

/* A peer authenticated again with the identity of an IKE SA it had
 * started before, on the same profile, without INITIAL_CONTACT: as IOS
 * does, the new IKE SA replaces the old one, which goes with its CHILD SAs
 * and a DELETE to where the old one talked. Only SAs the peer initiated:
 * when both ends initiate at once, the one we started is not a duplicate. */
static void duplicate_identity(struct fgw_ike_sa *sa)
{
	struct fgw_ike_sa *o;
	char a[FGW_ADDR_STRLEN], id[300];

	TAILQ_FOREACH(o, &sa->ike->sas, link) {
		if (o == sa || o->initiator || o->state != FGW_IKE_ST_ESTABLISHED ||
		    o->profile != sa->profile || !same_identity(&o->id_remote, &sa->id_remote))
			continue;
		sa->ike->stats.dup_identity++;
		FGW_NOTICE("IKEv2 SA %u with %s: duplicate identity %s on profile %s, replacing "
			   "SA %u with %s[%u]", sa->serial, fgw_addr_str(&sa->remote, a, sizeof(a)),
			   ike_identity_str(&sa->id_remote, id, sizeof(id)), sa->profile->name,
			   o->serial, ike_peer_str(o), o->remote_port);
		ike_delete_send_now(o);
		ike_sa_kill(o);
	}
}

static void log_up(struct fgw_ike_sa *sa, const struct fgw_ike_child *ch)
{
	char id[300];

	FGW_NOTICE("IKEv2 SA %u with %s[%u] up (%s, remote %s, %s%s%s/%s/%s%s); CHILD SA in "
		   "%08x out %08x on %s", sa->serial, ike_peer_str(sa), sa->remote_port,
		   sa->initiator ? "initiator" : "responder",
		   ike_identity_str(&sa->id_remote, id, sizeof(id)),
		   fgw_ike_encr_name(sa->suite.encr, sa->suite.encr_bits),
		   sa->suite.integ ? "/" : "",
		   sa->suite.integ ? fgw_ike_integ_name(sa->suite.integ) : "",
		   fgw_ike_prf_name(sa->suite.prf), fgw_ike_dh_name(sa->suite.dh),
		   sa->natt ? ", NAT-T" : "", ch ? ch->spi_in : 0, ch ? ch->spi_out : 0,
		   sa->tunnel ? sa->tunnel->cfg->name : "-");
}

static uint32_t spi_of(const struct fgw_ike_proposal *p)
{
	return (uint32_t)p->spi[0] << 24 | (uint32_t)p->spi[1] << 16 | (uint32_t)p->spi[2] << 8 |
	       p->spi[3];
}

/* The first error notify of a message, or 0. */
static uint16_t error_notify(const struct fgw_ike_msg *msg)
{
	for (unsigned i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type <= FGW_IKE_N_ERROR_MAX)
			return msg->notify[i].type;
	return 0;
}

/* ---- initiator ------------------------------------------------------------------- */

int ike_auth_start(struct fgw_ike_sa *sa)
{
	static struct fgw_ike_sa_payload esp;
	static struct fgw_cp_reply cp;
	const struct fgw_config *cfg = sa->ike->c->cfg;
	struct fgw_ike_tunnel *t = sa->tunnel;
	uint8_t buf[FGW_IKE_MSG_MAX], body[4 + FGW_IKE_ID_MAX], auth[FGW_IKE_PRF_MAX];
	struct fgw_ike_child *ch;
	struct fgw_ike_ts ts;
	struct fgw_ike_buf b;
	size_t body_len;
	int rc;

	if (t == NULL) {
		ike_sa_fail(sa, FGW_IKE_FAIL_NO_TUNNEL, "the tunnel is gone");
		return -1;
	}
	sa->ipsec_profile = t->ipsec_profile;
	sa->profile = ike_profile_for_peer(cfg, t->ipsec_profile, &sa->remote);
	if (sa->profile == NULL) {
		ike_sa_fail(sa, FGW_IKE_FAIL_NO_PROFILE, "%s: no IKEv2 profile for this peer "
			    "(IPsec profile %s)", t->cfg->name, t->ipsec_profile->name);
		return -1;
	}
	sa->keyring_peer = ike_keyring_peer(cfg, sa->profile, NULL, &sa->remote);
	if (sa->keyring_peer == NULL) {
		ike_sa_fail(sa, FGW_IKE_FAIL_NO_KEY, "profile %s: no keyring entry for this peer",
			    sa->profile->name);
		return -1;
	}
	ike_identity_local(sa->profile, &sa->local, &sa->id_local);
	ch = ike_child_new(sa);
	if (ch == NULL) {
		ike_sa_fail(sa, FGW_IKE_FAIL_INTERNAL, "no inbound SPI left");
		return -1;
	}
	if (ike_proposals_esp(cfg, t->ipsec_profile, ch->spi_in, 0, &esp) == 0) {
		ike_sa_fail(sa, FGW_IKE_FAIL_NO_PROPOSAL, "IPsec profile %s has no usable transform "
			    "set", t->ipsec_profile->name);
		return -1;
	}
	body_len = id_body(&sa->id_local, body);
	rc = auth_value(sa, true, ike_psk_local(sa->keyring_peer), body, body_len, auth);
	if (rc < 0) {
		ike_sa_fail(sa, FGW_IKE_FAIL_INTERNAL, "AUTH computation failed");
		return -1;
	}
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_AUTH, false, sa->next_msg_id);
	fgw_ike_build_id(&b, FGW_IKE_PL_IDI, sa->id_local.type, sa->id_local.data, sa->id_local.len);
	fgw_ike_build_auth(&b, FGW_IKE_AUTH_SHARED_KEY_MIC, auth, fgw_ike_prf_len(sa->suite.prf));
	explicit_bzero(auth, sizeof(auth));
	if (first_contact(sa))
		fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_INITIAL_CONTACT, NULL, 0);
	if (fgw_cp_client_ike_request(sa, &cp))
		fgw_ike_build_cp(&b, &cp.cp);
	/* Also what makes a hub's virtual template in auto mode clone a GRE
	 * virtual-access for us. */
	if (ike_tunnel_transport(t))
		fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	fgw_ike_build_sa(&b, &esp);
	ts_any(&ts, inner_family(t));
	fgw_ike_build_ts(&b, FGW_IKE_PL_TSI, &ts, 1);
	fgw_ike_build_ts(&b, FGW_IKE_PL_TSR, &ts, 1);
	sa->state = FGW_IKE_ST_AUTH_SENT;
	return ike_send_request(sa, &b);
}

void ike_auth_response(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	static struct fgw_ike_sa_payload esp;
	const struct fgw_config *cfg = sa->ike->c->cfg;
	const struct fgw_ikev2_keyring_peer_cfg *kp;
	struct fgw_ike_child *ch = TAILQ_FIRST(&sa->children);
	struct esp_transform et;
	uint16_t err = error_notify(msg);
	char id[300];

	if (sa->state != FGW_IKE_ST_AUTH_SENT || ch == NULL)
		return;
	if (!msg->has_auth || !msg->has_idr) {
		if (err == FGW_IKE_N_AUTHENTICATION_FAILED)
			ike_sa_fail(sa, FGW_IKE_FAIL_AUTH_REJECTED, "AUTHENTICATION_FAILED from peer "
				    "%s: it does not accept our pre-shared key or identity",
				    ike_peer_str(sa));
		else
			ike_sa_fail(sa, err == FGW_IKE_N_NO_PROPOSAL_CHOSEN ? FGW_IKE_FAIL_NO_PROPOSAL
									   : FGW_IKE_FAIL_PEER_ERROR,
				    "%s from the peer in IKE_AUTH",
				    err ? fgw_ike_notify_name(err) : "no IDr/AUTH");
		return;
	}
	ike_identity_from_payload(&msg->idr, &sa->id_remote);
	ike_identity_str(&sa->id_remote, id, sizeof(id));
	if (sa->profile->n_match_identity_remote &&
	    ike_profile_match(cfg, &sa->id_remote, &sa->local) != sa->profile) {
		ike_notify_send_now(sa, FGW_IKE_N_AUTHENTICATION_FAILED);
		ike_sa_fail(sa, FGW_IKE_FAIL_NO_PROFILE, "the responder's identity %s does not "
			    "match profile %s", id, sa->profile->name);
		return;
	}
	kp = ike_keyring_peer(cfg, sa->profile, &sa->id_remote, &sa->remote);
	if (kp != NULL)
		sa->keyring_peer = kp;
	if (!auth_ok(sa, msg, ike_psk_remote(sa->keyring_peer), &msg->idr)) {
		ike_notify_send_now(sa, FGW_IKE_N_AUTHENTICATION_FAILED);
		ike_sa_fail(sa, FGW_IKE_FAIL_AUTH_FAILED, "auth of %s (%s) failed: its AUTH does not "
			    "match the pre-shared key of keyring peer %s", ike_peer_str(sa), id,
			    sa->keyring_peer->name);
		return;
	}
	if (fgw_ike_msg_notify(msg, FGW_IKE_N_INITIAL_CONTACT) != NULL)
		initial_contact(sa);
	ike_sa_established(sa);
	if (!msg->has_sa || !msg->has_tsi || !msg->has_tsr || msg->sa.n != 1 ||
	    msg->tsi.n == 0 || msg->tsr.n == 0) {
		enum fgw_ike_failure why = err == FGW_IKE_N_TS_UNACCEPTABLE ? FGW_IKE_FAIL_TS_UNACCEPTABLE
			: err == FGW_IKE_N_NO_PROPOSAL_CHOSEN ? FGW_IKE_FAIL_NO_PROPOSAL
			: FGW_IKE_FAIL_PEER_ERROR;

		ike_delete_send_now(sa);
		ike_sa_fail(sa, why, "IKE SA authenticated but no CHILD SA: %s",
			    err ? fgw_ike_notify_name(err) : "no SA/TS payloads");
		return;
	}
	ike_proposals_esp(cfg, sa->ipsec_profile, ch->spi_in, 0, &esp);
	if (msg->sa.p[0].protocol != FGW_IKE_PROTO_ESP || msg->sa.p[0].spi_len != 4 ||
	    !ike_proposal_check(&msg->sa.p[0], &esp)) {
		ike_delete_send_now(sa);
		ike_sa_fail(sa, FGW_IKE_FAIL_NO_PROPOSAL, "the peer chose an ESP proposal we did not "
			    "offer");
		return;
	}
	if (sa->tunnel != NULL && !ike_child_mode_answered(sa->tunnel, msg)) {
		ike_delete_send_now(sa);
		ike_sa_fail(sa, FGW_IKE_FAIL_NO_PROPOSAL, "the peer answered in %s mode, %s needs %s "
			    "mode", ike_tunnel_transport(sa->tunnel) ? "tunnel" : "transport",
			    sa->tunnel->cfg->name, ike_tunnel_transport(sa->tunnel) ? "transport" :
			    "tunnel");
		return;
	}
	ike_proposal_esp(&msg->sa.p[0], &et);
	ch->spi_out = spi_of(&msg->sa.p[0]);
	ike_child_set_ts(ch, &msg->tsi, &msg->tsr);
	if (ike_child_install(sa, ch, &et, NULL, 0, sa->ni, sa->ni_len, sa->nr, sa->nr_len,
			      true) < 0) {
		ike_delete_send_now(sa);
		ike_sa_fail(sa, FGW_IKE_FAIL_INSTALL, "the CHILD SA could not be installed");
		return;
	}
	fgw_cp_client_ike_reply(sa, msg);
	log_up(sa, ch);
}

/* ---- responder ------------------------------------------------------------------- */

/* Answers the IKE_AUTH request with one error notify and ends the SA. */
static void refuse(struct fgw_ike_sa *sa, uint16_t notify, enum fgw_ike_failure why,
		   const char *text)
{
	uint8_t buf[512];
	struct fgw_ike_buf b;

	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_AUTH, true, sa->peer_msg_id);
	fgw_ike_build_notify(&b, 0, NULL, 0, notify, NULL, 0);
	if (ike_send_response(sa, &b) == 0)
		ike_sa_fail(sa, why, "%s", text);
}

void ike_auth_request(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	static struct fgw_ike_sa_payload esp, answer;
	const struct fgw_config *cfg = sa->ike->c->cfg;
	uint8_t buf[FGW_IKE_MSG_MAX], body[4 + FGW_IKE_ID_MAX], auth[FGW_IKE_PRF_MAX];
	struct fgw_ike_child *ch = NULL;
	struct fgw_ike_proposal chosen;
	struct esp_transform et;
	struct fgw_ike_tunnel *t;
	const struct fgw_ike_cp *cp = NULL;
	static struct fgw_ike_ts_payload tsi, tsr;	/* a FlexVPN server's answer */
	struct fgw_ike_buf b;
	uint16_t child_err = 0;
	char id[300], text[512];

	if (sa->state != FGW_IKE_ST_INIT_DONE) {
		sa->ike->stats.rx_dropped++;
		return;
	}
	rte_timer_stop(&sa->life_timer);
	tsi.n = tsr.n = 0;
	if (!msg->has_idi || !msg->has_auth) {
		refuse(sa, FGW_IKE_N_INVALID_SYNTAX, FGW_IKE_FAIL_INVALID_SYNTAX,
		       "IKE_AUTH request without IDi or AUTH (EAP is not supported)");
		return;
	}
	ike_identity_from_payload(&msg->idi, &sa->id_remote);
	ike_identity_str(&sa->id_remote, id, sizeof(id));
	sa->profile = ike_profile_match(cfg, &sa->id_remote, &sa->local);
	if (sa->profile == NULL) {
		snprintf(text, sizeof(text), "identity %s of peer %s matches no IKEv2 profile", id,
			 ike_peer_str(sa));
		refuse(sa, FGW_IKE_N_AUTHENTICATION_FAILED, FGW_IKE_FAIL_NO_PROFILE, text);
		return;
	}
	sa->keyring_peer = ike_keyring_peer(cfg, sa->profile, &sa->id_remote, &sa->remote);
	if (sa->keyring_peer == NULL) {
		snprintf(text, sizeof(text), "profile %s: no keyring entry for peer %s (%s)",
			 sa->profile->name, ike_peer_str(sa), id);
		refuse(sa, FGW_IKE_N_AUTHENTICATION_FAILED, FGW_IKE_FAIL_NO_KEY, text);
		return;
	}
	if (!auth_ok(sa, msg, ike_psk_remote(sa->keyring_peer), &msg->idi)) {
		snprintf(text, sizeof(text), "auth of %s (%s) failed: its AUTH does not match the "
			 "pre-shared key of keyring peer %s", ike_peer_str(sa), id,
			 sa->keyring_peer->name);
		refuse(sa, FGW_IKE_N_AUTHENTICATION_FAILED, FGW_IKE_FAIL_AUTH_FAILED, text);
		return;
	}
	if (fgw_ike_msg_notify(msg, FGW_IKE_N_INITIAL_CONTACT) != NULL)
		initial_contact(sa);
	else
		duplicate_identity(sa);

	/* The CHILD SA goes to the tunnel whose destination is this peer,
	 * else to a virtual-access cloned for it (the FlexVPN server). */
	t = ike_tunnel_by_peer(sa->ike, &sa->local, &sa->remote);
	if (!msg->has_sa || !msg->has_tsi || !msg->has_tsr || msg->tsi.n == 0 || msg->tsr.n == 0) {
		child_err = FGW_IKE_N_INVALID_SYNTAX;
	} else if (t == NULL && sa->profile->virtual_template[0] != '\0' &&
		   (sa->tunnel = t = fgw_flexvpn_peer_up(sa, msg, &cp, &tsi, &tsr,
							 &child_err)) == NULL) {
		if (child_err == FGW_IKE_N_AUTHENTICATION_FAILED) {
			snprintf(text, sizeof(text), "peer %s (%s): no authorization policy",
				 ike_peer_str(sa), id);
			refuse(sa, child_err, FGW_IKE_FAIL_AUTHORIZATION, text);
			return;
		}
		if (child_err != FGW_IKE_N_INTERNAL_ADDRESS_FAILURE)
			sa->ike->stats.failures[FGW_IKE_FAIL_VIRTUAL_ACCESS]++;
	} else if (t == NULL) {
		sa->ike->stats.failures[FGW_IKE_FAIL_NO_TUNNEL]++;
		/* As on IOS: a static tunnel takes only the peer its tunnel
		 * destination names, also when a known identity moves. */
		FGW_WARN("IKEv2 SA %u: no tunnel has %s (%s) as its destination: no CHILD SA",
			 sa->serial, ike_peer_str(sa), id);
		child_err = FGW_IKE_N_TS_UNACCEPTABLE;
	} else if ((ch = ike_child_new(sa)) == NULL) {
		child_err = FGW_IKE_N_NO_ADDITIONAL_SAS;
	} else if (ike_proposals_esp(cfg, t->ipsec_profile, ch->spi_in, 0, &esp) == 0 ||
		   ike_proposal_select(&msg->sa, &esp, FGW_IKE_PROTO_ESP, 0, &chosen) < 0) {
		sa->ike->stats.failures[FGW_IKE_FAIL_NO_PROPOSAL]++;
		FGW_WARN("IKEv2 SA %u: no ESP proposal of %s is allowed by IPsec profile %s",
			 sa->serial, ike_peer_str(sa), t->ipsec_profile->name);
		child_err = FGW_IKE_N_NO_PROPOSAL_CHOSEN;
	} else if (ike_child_mode_refused(sa, t, msg)) {
		child_err = FGW_IKE_N_NO_PROPOSAL_CHOSEN;
	}
	if (child_err && ch != NULL) {
		ike_child_delete(sa, ch);
		ch = NULL;
	}
	if (child_err)
		fgw_flexvpn_peer_down(sa);
	if (ch != NULL) {
		sa->tunnel = t;
		sa->ipsec_profile = t->ipsec_profile;
		ike_proposal_esp(&chosen, &et);
		ch->spi_out = spi_of(&chosen);
		ike_child_set_ts(ch, tsi.n > 0 ? &tsi : &msg->tsi, tsr.n > 0 ? &tsr : &msg->tsr);
		if (ike_child_install(sa, ch, &et, NULL, 0, sa->ni, sa->ni_len, sa->nr,
				      sa->nr_len, true) < 0) {
			refuse(sa, FGW_IKE_N_NO_ADDITIONAL_SAS, FGW_IKE_FAIL_INSTALL,
			       "the CHILD SA could not be installed");
			return;
		}
		/* Answer with our SPI in the peer's proposal. */
		memset(&answer, 0, sizeof(answer));
		answer.p[0] = chosen;
		answer.p[0].spi[0] = (uint8_t)(ch->spi_in >> 24);
		answer.p[0].spi[1] = (uint8_t)(ch->spi_in >> 16);
		answer.p[0].spi[2] = (uint8_t)(ch->spi_in >> 8);
		answer.p[0].spi[3] = (uint8_t)ch->spi_in;
		answer.n = 1;
	}

	ike_identity_local(sa->profile, &sa->local, &sa->id_local);
	if (auth_value(sa, false, ike_psk_local(sa->keyring_peer), body,
		       id_body(&sa->id_local, body), auth) < 0) {
		refuse(sa, FGW_IKE_N_AUTHENTICATION_FAILED, FGW_IKE_FAIL_INTERNAL,
		       "AUTH computation failed");
		return;
	}
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_AUTH, true, sa->peer_msg_id);
	fgw_ike_build_id(&b, FGW_IKE_PL_IDR, sa->id_local.type, sa->id_local.data, sa->id_local.len);
	fgw_ike_build_auth(&b, FGW_IKE_AUTH_SHARED_KEY_MIC, auth, fgw_ike_prf_len(sa->suite.prf));
	explicit_bzero(auth, sizeof(auth));
	if (cp != NULL && ch != NULL)
		fgw_ike_build_cp(&b, cp);
	if (ch != NULL) {
		if (fgw_ike_msg_notify(msg, FGW_IKE_N_USE_TRANSPORT_MODE) != NULL &&
		    ike_tunnel_transport(t))
			fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_USE_TRANSPORT_MODE, NULL, 0);
		fgw_ike_build_sa(&b, &answer);
		fgw_ike_build_ts(&b, FGW_IKE_PL_TSI, ch->tsi, ch->n_tsi);
		fgw_ike_build_ts(&b, FGW_IKE_PL_TSR, ch->tsr, ch->n_tsr);
	} else {
		fgw_ike_build_notify(&b, 0, NULL, 0, child_err, NULL, 0);
	}
	if (ike_send_response(sa, &b) < 0)
		return;
	ike_sa_established(sa);
	if (child_err == FGW_IKE_N_INTERNAL_ADDRESS_FAILURE) {
		/* A client without an address has nothing to carry: its IKE SA
		 * goes too, rather than idle on both ends. The DELETE is a
		 * request we retransmit: the peer may see it before our answer. */
		sa->ike->stats.failures[FGW_IKE_FAIL_NO_ADDRESS]++;
		FGW_WARN("IKEv2 SA %u with %s: no pool address for the peer (%s): "
			 "INTERNAL_ADDRESS_FAILURE answered, deleting the IKE SA", sa->serial,
			 ike_peer_str(sa), id);
		if (ike_ike_delete_start(sa) < 0)
			ike_sa_kill(sa);
		return;
	}
	log_up(sa, ch);
}
