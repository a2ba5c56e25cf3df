/* CREATE_CHILD_SA (RFC 7296 1.3): a new CHILD SA, the rekey of a CHILD SA
 * and the rekey of the IKE SA, as initiator and as responder.
 *
 * Make-before-break: a rekey's new inbound SA is in the data path before
 * the peer can use it (installed before our response / before the peer
 * sees our request answered), the old one stays until the DELETE exchange
 * that ends it. The rekey's initiator switches its outbound to the new SA
 * when the response arrives and then deletes the old one; the responder
 * keeps sending on the old SA until the initiator deletes it (or a few
 * seconds pass), since the initiator installs the new inbound SA only once
 * it has our response. No packet either way meets a missing SA.
 *
 * Collisions (2.8.1, 2.8.2): when both ends rekey the same SA at once,
 * both exchanges complete; the SA made by the exchange with the lowest of
 * the four nonces is redundant and its initiator deletes it, the other
 * end deletes the old one. */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "engine.h"

static bool nonce_ok(const struct fgw_ike_msg *msg)
{
	return msg->has_nonce && msg->nonce.len >= 16 && msg->nonce.len <= FGW_IKE_NONCE_MAX;
}

/* Lexicographic, shorter first on a common prefix. */
static int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

static void set_min_nonce(uint8_t *out, size_t *out_len, const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len)
{
	bool i_low = nonce_cmp(ni, ni_len, nr, nr_len) <= 0;

	*out_len = i_low ? ni_len : nr_len;
	memcpy(out, i_low ? ni : nr, *out_len);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t error_notify(const struct fgw_ike_msg *msg)
{
	for (unsigned i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type <= FGW_IKE_N_ERROR_MAX)
			return msg->notify[i].type;
	return 0;
}

/* g^ir of the exchange with our key pair dh; its length, or -1. */
static int shared(struct fgw_ike_dh *dh, const struct fgw_ike_msg *msg, uint8_t *out)
{
	if (dh == NULL || !msg->has_ke || msg->ke.group != fgw_ike_dh_group(dh))
		return -1;
	return fgw_ike_dh_shared(dh, msg->ke.data, msg->ke.len, out, FGW_IKE_DH_MAX);
}

static void xchg_clear(struct fgw_ike_sa *sa)
{
	if (sa->xchg_dh != NULL)
		fgw_ike_dh_free(sa->xchg_dh);
	sa->xchg_dh = NULL;
	sa->xchg_child = sa->xchg_new = NULL;
	sa->xchg_sa = NULL;
	explicit_bzero(sa->xchg_nonce, sizeof(sa->xchg_nonce));
	sa->xchg_nonce_len = 0;
}

static void respond_error(struct fgw_ike_sa *sa, uint32_t msg_id, uint16_t type,
			  const uint8_t *data, size_t len)
{
	uint8_t buf[256];
	struct fgw_ike_buf b;

	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_CREATE_CHILD_SA, true, msg_id);
	fgw_ike_build_notify(&b, 0, NULL, 0, type, data, len);
	ike_send_response(sa, &b);
}

/* The traffic selectors of the CHILD SA old, all of them, for its rekey
 * that we initiate: TSi is always the initiator's side. */
static void build_ts_of(struct fgw_ike_buf *b, const struct fgw_ike_child *old)
{
	bool same = old->initiator;

	fgw_ike_build_ts(b, FGW_IKE_PL_TSI, same ? old->tsi : old->tsr,
			 same ? old->n_tsi : old->n_tsr);
	fgw_ike_build_ts(b, FGW_IKE_PL_TSR, same ? old->tsr : old->tsi,
			 same ? old->n_tsr : old->n_tsi);
}

/* old was rekeyed by the peer into ch: old lingers for the peer's DELETE. */
static void responder_rekeyed(struct fgw_ike_child *old, struct fgw_ike_child *ch)
{
	old->successor = ch;
	old->state = FGW_CHILD_REKEYED;
	old->delete_at = rte_get_timer_cycles() + ike_ms_to_cycles(IKE_REKEY_LINGER_MS);
}

/* ---- CHILD SAs, initiator ------------------------------------------------------ */

int ike_child_rekey_start(struct fgw_ike_sa *sa, struct fgw_ike_child *old)
{
	static struct fgw_ike_sa_payload esp;
	const struct fgw_config *cfg = sa->ike->c->cfg;
	const struct fgw_ike_tunnel *t = sa->tunnel;
	uint8_t buf[FGW_IKE_MSG_MAX], pub[FGW_IKE_DH_MAX], spi[4];
	struct fgw_ike_ts tsi;
	struct fgw_ike_child *ch;
	struct fgw_ike_buf b;
	uint16_t pfs;
	int n = 0;

	if (t == NULL || sa->req.msg != NULL || sa->state != FGW_IKE_ST_ESTABLISHED)
		return -1;
	pfs = t->ipsec_profile->pfs_group;
	ch = ike_child_new(sa);
	if (ch == NULL)
		return -1;
	ch->initiator = true;
	if (ike_proposals_esp(cfg, t->ipsec_profile, ch->spi_in, pfs, &esp) == 0 ||
	    fgw_ike_random(sa->xchg_nonce, IKE_NONCE_LEN) < 0 ||
	    (pfs && ((sa->xchg_dh = fgw_ike_dh_new(pfs)) == NULL ||
		     (n = fgw_ike_dh_public(sa->xchg_dh, pub, sizeof(pub))) < 0))) {
		ike_child_delete(sa, ch);
		xchg_clear(sa);
		return -1;
	}
	sa->xchg_nonce_len = IKE_NONCE_LEN;
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_CREATE_CHILD_SA, false, sa->next_msg_id);
	if (old != NULL) {
		put32(spi, old->spi_in);
		fgw_ike_build_notify(&b, FGW_IKE_PROTO_ESP, spi, 4, FGW_IKE_N_REKEY_SA, NULL, 0);
	}
	fgw_ike_build_sa(&b, &esp);
	fgw_ike_build_nonce(&b, sa->xchg_nonce, sa->xchg_nonce_len);
	if (pfs)
		fgw_ike_build_ke(&b, pfs, pub, (size_t)n);
	/* 1.3.1: repeated in every rekey; the responder answers with it. */
	if (ike_tunnel_transport(t))
		fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	if (old != NULL) {
		build_ts_of(&b, old);
	} else {
		/* A new CHILD SA for the tunnel: any to any, as in IKE_AUTH. */
		memset(&tsi, 0, sizeof(tsi));
		tsi.type = t->src.family == AF_INET6 && t->cfg->mode == FGW_TUNNEL_IPSEC_IPV6 ?
			FGW_IKE_TS_IPV6_ADDR_RANGE : FGW_IKE_TS_IPV4_ADDR_RANGE;
		tsi.end_port = 65535;
		tsi.start.family = tsi.end.family =
			tsi.type == FGW_IKE_TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
		memset(tsi.end.bytes, 0xff, tsi.type == FGW_IKE_TS_IPV4_ADDR_RANGE ? 4 : 16);
		fgw_ike_build_ts(&b, FGW_IKE_PL_TSI, &tsi, 1);
		fgw_ike_build_ts(&b, FGW_IKE_PL_TSR, &tsi, 1);
	}
	sa->xchg_child = old;
	sa->xchg_new = ch;
	if (ike_send_request_as(sa, &b, old ? FGW_IKE_REQ_CHILD_REKEY : FGW_IKE_REQ_CHILD_NEW) < 0)
		return -1;
	if (old != NULL)
		old->state = FGW_CHILD_REKEYING;
	FGW_INFO("IKEv2 SA %u: %s CHILD SA%s%.0x with %s", sa->serial,
		 old ? "rekeying" : "creating a", old ? " in " : "", old ? old->spi_in : 0,
		 ike_peer_str(sa));
	return 0;
}

/* The peer answered our rekey of old (NULL: a new CHILD SA) with ch. */
static void child_response(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	static struct fgw_ike_sa_payload esp;
	const struct fgw_config *cfg = sa->ike->c->cfg;
	struct fgw_ike_child *old = sa->xchg_child, *ch = sa->xchg_new, *other = NULL, *c;
	uint8_t g_ir[FGW_IKE_DH_MAX];
	struct esp_transform et;
	uint16_t err = error_notify(msg);
	int g_len = 0;

	if (ch == NULL)
		return;
	if (sa->tunnel == NULL) {
		/* The tunnel moved on (its IKE SA was replaced meanwhile). */
		ike_child_delete(sa, ch);
		xchg_clear(sa);
		return;
	}
	if (old != NULL && old->state == FGW_CHILD_REKEYING)
		old->state = FGW_CHILD_INSTALLED;
	if (old != NULL)
		TAILQ_FOREACH(c, &sa->children, link)
			if (c != ch && c->predecessor == old)
				other = c;
	ike_proposals_esp(cfg, sa->tunnel->ipsec_profile, ch->spi_in,
			  sa->tunnel->ipsec_profile->pfs_group, &esp);
	if (err == FGW_IKE_N_INVALID_KE_PAYLOAD)
		/* Our proposal offers one PFS group at most (IOS's set pfs), so
		 * the peer names one we do not offer: logged, backed off. */
		ike_invalid_ke_group(sa, fgw_ike_msg_notify(msg, err), &esp,
				     sa->xchg_dh ? fgw_ike_dh_group(sa->xchg_dh) : 0);
	if (!msg->has_sa || err) {
		sa->rekey_failures++;
		FGW_WARN("IKEv2 SA %u: %s refused our CREATE_CHILD_SA: %s", sa->serial,
			 ike_peer_str(sa), err ? fgw_ike_notify_name(err) : "no SA payload");
		ike_child_delete(sa, ch);
		if (other != NULL)
			/* The peer's rekey of old, answered meanwhile, stands alone. */
			responder_rekeyed(old, other);
		else if (err == FGW_IKE_N_CHILD_SA_NOT_FOUND && old != NULL)
			ike_child_delete(sa, old);
		else if (old != NULL)
			old->retry_at = rte_get_timer_cycles() +
				ike_ms_to_cycles(1000ull << (sa->rekey_failures < 6 ? sa->rekey_failures : 6));
		xchg_clear(sa);
		return;
	}
	if (msg->sa.n != 1 || msg->sa.p[0].spi_len != 4 || !ike_proposal_check(&msg->sa.p[0], &esp) ||
	    !nonce_ok(msg) || msg->tsi.n == 0 || msg->tsr.n == 0) {
		FGW_WARN("IKEv2 SA %u: CREATE_CHILD_SA response of %s is not acceptable", sa->serial,
			 ike_peer_str(sa));
		sa->ike->stats.failures[FGW_IKE_FAIL_NO_PROPOSAL]++;
		ike_child_delete(sa, ch);
		xchg_clear(sa);
		return;
	}
	ike_proposal_esp(&msg->sa.p[0], &et);
	if (et.dh && (g_len = shared(sa->xchg_dh, msg, g_ir)) < 0) {
		FGW_WARN("IKEv2 SA %u: CREATE_CHILD_SA response of %s: bad KE", sa->serial,
			 ike_peer_str(sa));
		sa->ike->stats.failures[FGW_IKE_FAIL_INVALID_SYNTAX]++;
		ike_child_delete(sa, ch);
		xchg_clear(sa);
		return;
	}
	ch->spi_out = get32(msg->sa.p[0].spi);
	ike_child_set_ts(ch, &msg->tsi, &msg->tsr);
	set_min_nonce(ch->min_nonce, &ch->min_nonce_len, sa->xchg_nonce, sa->xchg_nonce_len,
		      msg->nonce.data, msg->nonce.len);
	/* other: the peer rekeyed old too, through a request we answered.
	 * orphan: old went while our rekey was in flight: the peer's rekey of
	 * it completed first and the peer deleted it; ours replaces nothing. */
	bool orphan = sa->req.kind == FGW_IKE_REQ_CHILD_REKEY && old == NULL;
	bool lost = orphan || (other != NULL &&
			       nonce_cmp(ch->min_nonce, ch->min_nonce_len, other->min_nonce,
					 other->min_nonce_len) < 0);
	/* A GRE rekey answered without USE_TRANSPORT_MODE keeps the mode of
	 * the SA it replaces: some peers (Openswan before 2.6.52) never
	 * repeat the notify in a rekey. A new CHILD SA has to agree. */
	bool inherits = sa->req.kind == FGW_IKE_REQ_CHILD_REKEY && ike_tunnel_transport(sa->tunnel);
	bool wrong_mode = !inherits && !ike_child_mode_answered(sa->tunnel, msg);

	if (inherits && !ike_child_mode_answered(sa->tunnel, msg))
		FGW_NOTICE("IKEv2 SA %u: %s answered a GRE CHILD SA rekey without "
			   "USE_TRANSPORT_MODE: it keeps transport mode", sa->serial,
			   ike_peer_str(sa));
	int rc = ike_child_install(sa, ch, &et, et.dh ? g_ir : NULL, (size_t)(et.dh ? g_len : 0),
				   sa->xchg_nonce, sa->xchg_nonce_len, msg->nonce.data,
				   msg->nonce.len, !lost && !wrong_mode);
	explicit_bzero(g_ir, sizeof(g_ir));
	xchg_clear(sa);
	if (!wrong_mode)
		sa->rekey_failures = 0;		/* the wrong mode's retry backs off */
	if (rc < 0) {
		sa->ike->stats.failures[FGW_IKE_FAIL_INSTALL]++;
		FGW_WARN("IKEv2 SA %u: the new CHILD SA could not be installed", sa->serial);
		ike_child_delete(sa, ch);
		return;
	}
	if (wrong_mode) {
		/* As strongSwan does: the peer's SA goes by a DELETE (the next
		 * tick sends it), the old one stays and is tried again later. */
		sa->rekey_failures++;
		sa->ike->stats.failures[FGW_IKE_FAIL_NO_PROPOSAL]++;
		FGW_WARN("IKEv2 SA %u: %s answered our CREATE_CHILD_SA in %s mode, tunnel %s needs "
			 "%s mode: deleting the new CHILD SA (in %08x)", sa->serial,
			 ike_peer_str(sa), ike_tunnel_transport(sa->tunnel) ? "tunnel" : "transport",
			 sa->tunnel->cfg->name, ike_tunnel_transport(sa->tunnel) ? "transport" :
			 "tunnel", ch->spi_in);
		if (other != NULL)
			responder_rekeyed(old, other);
		else if (old != NULL)
			old->retry_at = rte_get_timer_cycles() +
				ike_ms_to_cycles(1000ull << (sa->rekey_failures < 6 ? sa->rekey_failures : 6));
		ch->predecessor = NULL;
		ch->state = FGW_CHILD_REKEYED;
		return;
	}
	if (old == NULL && !orphan) {
		FGW_INFO("IKEv2 SA %u: new CHILD SA in %08x out %08x", sa->serial, ch->spi_in,
			 ch->spi_out);
		return;
	}
	sa->ike->stats.child_rekeyed++;
	if (lost) {
		/* Ours is the redundant one: we delete it; the peer's (already
		 * answered) takes over as after any rekey we answered: our
		 * outbound moves when the peer, once it has our answer, deletes
		 * old (it may not have it yet). */
		FGW_INFO("IKEv2 SA %u: CHILD SA rekey collision with %s, ours (in %08x) yields",
			 sa->serial, ike_peer_str(sa), ch->spi_in);
		if (other != NULL)
			responder_rekeyed(old, other);
		/* Deleted by the next tick; its outbound never ran, so nothing
		 * moves to a successor then. */
		ch->predecessor = NULL;
		ch->state = FGW_CHILD_REKEYED;
		return;
	}
	if (other != NULL) {
		FGW_INFO("IKEv2 SA %u: CHILD SA rekey collision with %s, ours (in %08x) stays",
			 sa->serial, ike_peer_str(sa), ch->spi_in);
		/* The peer deletes its redundant one; its outbound never runs. */
		other->predecessor = NULL;
	}
	FGW_INFO("IKEv2 SA %u: CHILD SA in %08x out %08x rekeyed to in %08x out %08x", sa->serial,
		 old->spi_in, old->spi_out, ch->spi_in, ch->spi_out);
	old->successor = ch;
	old->state = FGW_CHILD_REKEYED;
}

/* ---- CHILD SAs, responder ------------------------------------------------------ */

static void child_request(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	static struct fgw_ike_sa_payload esp, answer;
	const struct fgw_config *cfg = sa->ike->c->cfg;
	const struct fgw_ike_notify *rn = fgw_ike_msg_notify(msg, FGW_IKE_N_REKEY_SA);
	struct fgw_ike_tunnel *t = sa->tunnel;
	uint8_t buf[FGW_IKE_MSG_MAX], pub[FGW_IKE_DH_MAX], g_ir[FGW_IKE_DH_MAX], nr[IKE_NONCE_LEN];
	struct fgw_ike_child *old = NULL, *ch;
	struct fgw_ike_proposal chosen;
	struct fgw_ike_dh *dh = NULL;
	struct esp_transform et;
	struct fgw_ike_buf b;
	uint32_t id = msg->hdr.msg_id;
	int n = 0, g_len = 0, rc;

	if (!msg->has_sa || !nonce_ok(msg) || !msg->has_tsi || !msg->has_tsr || msg->tsi.n == 0 ||
	    msg->tsr.n == 0) {
		sa->ike->stats.failures[FGW_IKE_FAIL_INVALID_SYNTAX]++;
		respond_error(sa, id, FGW_IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (t == NULL) {
		respond_error(sa, id, FGW_IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return;
	}
	if (rn != NULL) {
		if (rn->protocol != FGW_IKE_PROTO_ESP || rn->spi_len != 4 ||
		    (old = ike_child_by_spi_out(sa, get32(rn->spi))) == NULL ||
		    old->state == FGW_CHILD_DELETING) {
			respond_error(sa, id, FGW_IKE_N_CHILD_SA_NOT_FOUND, NULL, 0);
			return;
		}
		/* Already replaced by a rekey of ours that completed first. */
		if (old->state == FGW_CHILD_REKEYED) {
			respond_error(sa, id, FGW_IKE_N_TEMPORARY_FAILURE, NULL, 0);
			return;
		}
	}
	/* A rekey without USE_TRANSPORT_MODE keeps its SA's mode (see
	 * child_response); a new CHILD SA of a GRE tunnel must ask for it. */
	if (old == NULL && ike_child_mode_refused(sa, t, msg)) {
		respond_error(sa, id, FGW_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	ch = ike_child_new(sa);
	if (ch == NULL) {
		respond_error(sa, id, FGW_IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return;
	}
	ch->initiator = false;
	if (ike_proposals_esp(cfg, t->ipsec_profile, ch->spi_in, t->ipsec_profile->pfs_group,
			      &esp) == 0 ||
	    ike_proposal_select(&msg->sa, &esp, FGW_IKE_PROTO_ESP,
				msg->has_ke ? msg->ke.group : 0, &chosen) < 0) {
		sa->ike->stats.failures[FGW_IKE_FAIL_NO_PROPOSAL]++;
		FGW_WARN("IKEv2 SA %u: no ESP proposal of %s's CREATE_CHILD_SA is allowed by IPsec "
			 "profile %s", sa->serial, ike_peer_str(sa), t->ipsec_profile->name);
		ike_child_delete(sa, ch);
		respond_error(sa, id, FGW_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	ike_proposal_esp(&chosen, &et);
	if (et.dh && (!msg->has_ke || msg->ke.group != et.dh)) {
		uint8_t g[2] = { (uint8_t)(et.dh >> 8), (uint8_t)et.dh };

		sa->ike->stats.failures[FGW_IKE_FAIL_INVALID_KE]++;
		ike_child_delete(sa, ch);
		respond_error(sa, id, FGW_IKE_N_INVALID_KE_PAYLOAD, g, sizeof(g));
		return;
	}
	if (fgw_ike_random(nr, sizeof(nr)) < 0 ||
	    (et.dh && ((dh = fgw_ike_dh_new(et.dh)) == NULL ||
		       (n = fgw_ike_dh_public(dh, pub, sizeof(pub))) < 0 ||
		       (g_len = shared(dh, msg, g_ir)) < 0))) {
		if (dh != NULL)
			fgw_ike_dh_free(dh);
		ike_child_delete(sa, ch);
		respond_error(sa, id, et.dh ? FGW_IKE_N_INVALID_SYNTAX : FGW_IKE_N_NO_ADDITIONAL_SAS,
			      NULL, 0);
		return;
	}
	if (dh != NULL)
		fgw_ike_dh_free(dh);
	ch->spi_out = get32(chosen.spi);
	ike_child_set_ts(ch, &msg->tsi, &msg->tsr);
	set_min_nonce(ch->min_nonce, &ch->min_nonce_len, msg->nonce.data, msg->nonce.len, nr,
		      sizeof(nr));
	/* A rekey's new outbound waits for the peer to delete old. */
	rc = ike_child_install(sa, ch, &et, et.dh ? g_ir : NULL, (size_t)(et.dh ? g_len : 0),
			       msg->nonce.data, msg->nonce.len, nr, sizeof(nr), old == NULL);
	explicit_bzero(g_ir, sizeof(g_ir));
	if (rc < 0) {
		sa->ike->stats.failures[FGW_IKE_FAIL_INSTALL]++;
		ike_child_delete(sa, ch);
		respond_error(sa, id, FGW_IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return;
	}
	memset(&answer, 0, sizeof(answer));
	answer.p[0] = chosen;
	put32(answer.p[0].spi, ch->spi_in);
	answer.n = 1;
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_CREATE_CHILD_SA, true, id);
	fgw_ike_build_sa(&b, &answer);
	fgw_ike_build_nonce(&b, nr, sizeof(nr));
	if (et.dh)
		fgw_ike_build_ke(&b, et.dh, pub, (size_t)n);
	if (ike_tunnel_transport(t))
		fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	fgw_ike_build_ts(&b, FGW_IKE_PL_TSI, ch->tsi, ch->n_tsi);
	fgw_ike_build_ts(&b, FGW_IKE_PL_TSR, ch->tsr, ch->n_tsr);
	if (ike_send_response(sa, &b) < 0)
		return;
	if (old == NULL) {
		FGW_INFO("IKEv2 SA %u: %s created CHILD SA in %08x out %08x", sa->serial,
			 ike_peer_str(sa), ch->spi_in, ch->spi_out);
		return;
	}
	ch->predecessor = old;
	sa->ike->stats.child_rekeyed++;
	FGW_INFO("IKEv2 SA %u: %s rekeyed CHILD SA in %08x out %08x to in %08x out %08x",
		 sa->serial, ike_peer_str(sa), old->spi_in, old->spi_out, ch->spi_in, ch->spi_out);
	/* While our own rekey of old is in flight, its answer decides (2.8.1). */
	if (old->state == FGW_CHILD_REKEYING)
		return;
	responder_rekeyed(old, ch);
}

/* ---- the IKE SA ----------------------------------------------------------------- */

/* What the new IKE SA inherits from the one it rekeys; the CHILD SAs and
 * the tunnel move over. */
static void ike_inherit(struct fgw_ike_sa *n, struct fgw_ike_sa *old)
{
	struct fgw_ike_child *ch;

	n->natt = old->natt;
	n->nat_local = old->nat_local;
	n->nat_remote = old->nat_remote;
	n->peer_flexvpn = old->peer_flexvpn;
	n->local_port = old->local_port;
	n->remote_port = old->remote_port;
	n->profile = old->profile;
	n->keyring_peer = old->keyring_peer;
	n->ipsec_profile = old->ipsec_profile;
	n->id_local = old->id_local;
	n->id_remote = old->id_remote;
	n->window = old->window;
	while ((ch = TAILQ_FIRST(&old->children)) != NULL) {
		TAILQ_REMOVE(&old->children, ch, link);
		TAILQ_INSERT_TAIL(&n->children, ch, link);
		old->n_children--;
		n->n_children++;
	}
	n->tunnel = old->tunnel;
	old->tunnel = NULL;
	old->xchg_child = old->xchg_new = NULL;
}

/* Moves everything of from (a redundant new SA) to to. */
static void ike_move_children(struct fgw_ike_sa *to, struct fgw_ike_sa *from)
{
	struct fgw_ike_child *ch;

	while ((ch = TAILQ_FIRST(&from->children)) != NULL) {
		TAILQ_REMOVE(&from->children, ch, link);
		TAILQ_INSERT_TAIL(&to->children, ch, link);
		from->n_children--;
		to->n_children++;
	}
	if (from->tunnel != NULL) {
		to->tunnel = from->tunnel;
		from->tunnel = NULL;
		to->tunnel->sa = to;
	}
}

void ike_rekey_redundant_deleted(struct fgw_ike_sa *sa)
{
	struct fgw_ike_sa *o;

	/* The old SA itself: the peer's new SA won and its DELETE of the old
	 * one overtook its answer to ours, which never completes. */
	if (sa->xchg_sa != NULL && sa->peer_rekey_sa != NULL &&
	    sa->peer_rekey_sa->state == FGW_IKE_ST_ESTABLISHED)
		FGW_INFO("IKEv2 SA %u: IKE SA rekey collision with %s, ours (SA %u) yields to SA %u "
			 "(the peer deleted SA %u first)", sa->serial, ike_peer_str(sa),
			 sa->xchg_sa->serial, sa->peer_rekey_sa->serial, sa->serial);

	TAILQ_FOREACH(o, &sa->ike->sas, link)
		if (o->peer_rekey_sa == sa && o->xchg_sa != NULL &&
		    o->state == FGW_IKE_ST_ESTABLISHED) {
			FGW_INFO("IKEv2 SA %u: IKE SA rekey collision with %s, ours (SA %u) stays "
				 "(the peer deletes its SA %u)", o->serial, ike_peer_str(o),
				 o->xchg_sa->serial, sa->serial);
			ike_move_children(o, sa);
			o->peer_rekey_sa = NULL;
			return;
		}
}

/* What we offer in a rekey of sa's IKE SA (and check its answer against). */
static unsigned rekey_offer(struct fgw_ike_sa *sa, struct fgw_ike_sa_payload *offer)
{
	static struct fgw_ike_sa_payload ours;

	if (ike_proposals_ike(sa->ike->c->cfg, &sa->local, &ours) == 0)
		return 0;
	return ike_proposals_rekey(&ours, &sa->suite, offer);
}

int ike_ike_rekey_start(struct fgw_ike_sa *sa, uint16_t group)
{
	static struct fgw_ike_sa_payload ours;
	uint8_t buf[FGW_IKE_MSG_MAX], pub[FGW_IKE_DH_MAX];
	struct fgw_ike_sa *n;
	struct fgw_ike_buf b;
	int len;

	if (sa->req.msg != NULL || sa->state != FGW_IKE_ST_ESTABLISHED)
		return -1;
	if (rekey_offer(sa, &ours) == 0) {
		/* Our proposals changed and lost the PRF in use: no rekey; the
		 * SA runs to its lifetime, then the tunnel starts afresh. */
		FGW_WARN("IKEv2 SA %u: our proposals no longer allow its PRF %s: not rekeyed, a new "
			 "IKE SA with %s when it expires", sa->serial, fgw_ike_prf_name(sa->suite.prf),
			 ike_peer_str(sa));
		sa->rekey_at = 0;
		return -1;
	}
	n = ike_sa_new(sa->ike, true, &sa->local, sa->local_port, &sa->remote, sa->remote_port,
		       sa->in_if);
	if (n == NULL)
		return -1;
	for (unsigned i = 0; i < ours.n; i++) {
		ours.p[i].spi_len = 8;
		put64(ours.p[i].spi, n->spi_i);
	}
	/* The group in use (the peer accepted it once already) unless the
	 * peer asked for another. */
	if (group == 0) {
		group = sa->suite.dh;
		sa->ke_retries = 0;
	}
	sa->xchg_dh = fgw_ike_dh_new(group);
	if (sa->xchg_dh == NULL || (len = fgw_ike_dh_public(sa->xchg_dh, pub, sizeof(pub))) < 0 ||
	    fgw_ike_random(sa->xchg_nonce, IKE_NONCE_LEN) < 0) {
		ike_sa_kill(n);
		xchg_clear(sa);
		return -1;
	}
	sa->xchg_nonce_len = IKE_NONCE_LEN;
	sa->xchg_sa = n;
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_CREATE_CHILD_SA, false, sa->next_msg_id);
	fgw_ike_build_sa(&b, &ours);
	fgw_ike_build_nonce(&b, sa->xchg_nonce, sa->xchg_nonce_len);
	fgw_ike_build_ke(&b, group, pub, (size_t)len);
	if (ike_send_request_as(sa, &b, FGW_IKE_REQ_IKE_REKEY) < 0)
		return -1;
	FGW_INFO("IKEv2 SA %u: rekeying the IKE SA with %s (new SA %u, DH group %u)", sa->serial,
		 ike_peer_str(sa), n->serial, group);
	return 0;
}

static void ike_rekey_response(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	static struct fgw_ike_sa_payload ours;
	struct fgw_ike_sa *n = sa->xchg_sa, *other = sa->peer_rekey_sa;
	const struct fgw_ike_notify *ke = fgw_ike_msg_notify(msg, FGW_IKE_N_INVALID_KE_PAYLOAD);
	uint8_t g_ir[FGW_IKE_DH_MAX];
	uint16_t err = error_notify(msg), g;
	int g_len, rc;

	if (n == NULL)
		return;
	rekey_offer(sa, &ours);
	if (ke != NULL && sa->xchg_dh != NULL &&
	    (g = ike_invalid_ke_group(sa, ke, &ours, fgw_ike_dh_group(sa->xchg_dh))) != 0) {
		/* At once, as in IKE_SA_INIT; a failure falls back to the tick. */
		ike_sa_kill(n);
		xchg_clear(sa);
		if (ike_ike_rekey_start(sa, g) < 0)
			xchg_clear(sa);
		return;
	}
	if (!msg->has_sa || err || msg->sa.n != 1 || msg->sa.p[0].spi_len != 8 ||
	    !ike_proposal_check(&msg->sa.p[0], &ours) || !nonce_ok(msg)) {
		sa->rekey_failures++;
		FGW_WARN("IKEv2 SA %u: %s refused our IKE SA rekey: %s", sa->serial, ike_peer_str(sa),
			 err ? fgw_ike_notify_name(err) : "unacceptable response");
		ike_sa_kill(n);
		xchg_clear(sa);
		sa->rekey_at = rte_get_timer_cycles() +
			ike_ms_to_cycles(1000ull << (sa->rekey_failures < 6 ? sa->rekey_failures : 6));
		return;
	}
	ike_proposal_suite(&msg->sa.p[0], &n->suite);
	n->spi_r = get64(msg->sa.p[0].spi);
	g_len = sa->xchg_dh != NULL && n->suite.dh == fgw_ike_dh_group(sa->xchg_dh) ?
		shared(sa->xchg_dh, msg, g_ir) : -1;
	n->keys.suite = n->suite;
	rc = g_len < 0 || n->spi_r == 0 ? -1 :
		fgw_ike_keys_derive_rekey(&n->keys, &sa->keys, g_ir, (size_t)g_len, sa->xchg_nonce,
					  sa->xchg_nonce_len, msg->nonce.data, msg->nonce.len,
					  n->spi_i, n->spi_r);
	explicit_bzero(g_ir, sizeof(g_ir));
	if (rc < 0) {
		sa->ike->stats.failures[FGW_IKE_FAIL_INVALID_SYNTAX]++;
		FGW_WARN("IKEv2 SA %u: IKE SA rekey with %s: bad KE or key derivation failure",
			 sa->serial, ike_peer_str(sa));
		ike_sa_kill(n);
		xchg_clear(sa);
		return;
	}
	n->keys_valid = true;
	set_min_nonce(n->min_nonce, &n->min_nonce_len, sa->xchg_nonce, sa->xchg_nonce_len,
		      msg->nonce.data, msg->nonce.len);
	xchg_clear(sa);
	sa->rekey_failures = 0;
	if (other != NULL && other->state == FGW_IKE_ST_ESTABLISHED &&
	    nonce_cmp(n->min_nonce, n->min_nonce_len, other->min_nonce, other->min_nonce_len) < 0) {
		/* 2.8.2: ours has the lowest nonce, so it is redundant: up only
		 * to be deleted by us; the peer's SA keeps everything and the
		 * peer deletes the old one. */
		ike_inherit(n, sa);
		ike_sa_established(n);
		ike_move_children(other, n);
		FGW_INFO("IKEv2 SA %u: IKE SA rekey collision with %s, ours (SA %u) yields to SA %u",
			 sa->serial, ike_peer_str(sa), n->serial, other->serial);
		ike_sa_rekeyed(sa, other);
		ike_ike_delete_start(n);
		return;
	}
	ike_inherit(n, sa);
	if (other != NULL && other->state == FGW_IKE_ST_ESTABLISHED) {
		/* Ours stays: what moved to the peer's SA comes back; the peer
		 * deletes its SA, we delete the old one. When our DELETE of the
		 * old one reaches the peer before our answer to its rekey, the
		 * peer cannot finish its exchange, so its SA here also goes by
		 * itself after the linger. */
		ike_move_children(n, other);
		ike_sa_rekeyed(other, n);
		FGW_INFO("IKEv2 SA %u: IKE SA rekey collision with %s, ours (SA %u) stays",
			 sa->serial, ike_peer_str(sa), n->serial);
	}
	ike_sa_established(n);
	sa->ike->stats.ike_rekeyed++;
	ike_sa_rekeyed(sa, n);
	FGW_NOTICE("IKEv2 SA %u with %s rekeyed: now SA %u", sa->serial, ike_peer_str(sa),
		   n->serial);
	ike_ike_delete_start(sa);
}

static void ike_rekey_request(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	static struct fgw_ike_sa_payload ours, answer;
	uint8_t buf[FGW_IKE_MSG_MAX], pub[FGW_IKE_DH_MAX], g_ir[FGW_IKE_DH_MAX], nr[IKE_NONCE_LEN];
	struct fgw_ike_proposal chosen;
	struct fgw_ike_suite suite;
	struct fgw_ike_sa *n;
	struct fgw_ike_buf b;
	uint32_t id = msg->hdr.msg_id;
	int len, g_len, rc;

	/* 2.25.2: being deleted or already rekeyed; and, as strongSwan does,
	 * not while a CHILD SA exchange of ours runs on it (its answer must
	 * find the CHILD SAs where it left them). */
	if (sa->state != FGW_IKE_ST_ESTABLISHED ||
	    (sa->req.msg != NULL && sa->req.kind != FGW_IKE_REQ_OTHER &&
	     sa->req.kind != FGW_IKE_REQ_IKE_REKEY && sa->req.kind != FGW_IKE_REQ_DELETE_IKE)) {
		respond_error(sa, id, FGW_IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (!msg->has_ke || !nonce_ok(msg) ||
	    ike_proposals_ike(sa->ike->c->cfg, &sa->local, &ours) == 0 ||
	    ike_proposal_select_rekey(&msg->sa, &ours, &sa->suite, msg->ke.group, &chosen) < 0 ||
	    chosen.spi_len != 8) {
		sa->ike->stats.failures[FGW_IKE_FAIL_NO_PROPOSAL]++;
		if (msg->has_ke && ike_proposal_select(&msg->sa, &ours, FGW_IKE_PROTO_IKE,
						       msg->ke.group, &chosen) == 0) {
			/* Only another PRF: the two ends could derive different
			 * keys (RFC 7296 2.18 vs strongSwan), so no new SA; this
			 * one runs to its lifetime, then the tunnel starts afresh. */
			ike_proposal_suite(&chosen, &suite);
			FGW_WARN("IKEv2 SA %u: %s's IKE SA rekey would change the PRF from %s to %s: "
				 "refused", sa->serial, ike_peer_str(sa),
				 fgw_ike_prf_name(sa->suite.prf), fgw_ike_prf_name(suite.prf));
		} else {
			FGW_WARN("IKEv2 SA %u: no proposal of %s's IKE SA rekey is allowed",
				 sa->serial, ike_peer_str(sa));
		}
		respond_error(sa, id, FGW_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	ike_proposal_suite(&chosen, &suite);
	if (msg->ke.group != suite.dh) {
		uint8_t g[2] = { (uint8_t)(suite.dh >> 8), (uint8_t)suite.dh };

		sa->ike->stats.failures[FGW_IKE_FAIL_INVALID_KE]++;
		respond_error(sa, id, FGW_IKE_N_INVALID_KE_PAYLOAD, g, sizeof(g));
		return;
	}
	if (memcmp(&suite, &sa->suite, sizeof(suite)) == 0)
		FGW_INFO("IKEv2 SA %u: %s's IKE SA rekey keeps the IKE SA's proposal", sa->serial,
			 ike_peer_str(sa));
	n = ike_sa_new(sa->ike, false, &sa->local, sa->local_port, &sa->remote, sa->remote_port,
		       sa->in_if);
	if (n == NULL) {
		respond_error(sa, id, FGW_IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return;
	}
	n->spi_i = get64(chosen.spi);
	n->suite = suite;
	n->dh = fgw_ike_dh_new(suite.dh);
	if (n->spi_i == 0 || n->dh == NULL || fgw_ike_random(nr, sizeof(nr)) < 0 ||
	    (len = fgw_ike_dh_public(n->dh, pub, sizeof(pub))) < 0 ||
	    (g_len = shared(n->dh, msg, g_ir)) < 0) {
		ike_sa_kill(n);
		sa->ike->stats.failures[FGW_IKE_FAIL_INVALID_SYNTAX]++;
		respond_error(sa, id, FGW_IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	fgw_ike_dh_free(n->dh);
	n->dh = NULL;
	n->keys.suite = suite;
	rc = fgw_ike_keys_derive_rekey(&n->keys, &sa->keys, g_ir, (size_t)g_len, msg->nonce.data,
				       msg->nonce.len, nr, sizeof(nr), n->spi_i, n->spi_r);
	explicit_bzero(g_ir, sizeof(g_ir));
	if (rc < 0) {
		ike_sa_kill(n);
		respond_error(sa, id, FGW_IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return;
	}
	n->keys_valid = true;
	set_min_nonce(n->min_nonce, &n->min_nonce_len, msg->nonce.data, msg->nonce.len, nr,
		      sizeof(nr));
	memset(&answer, 0, sizeof(answer));
	answer.p[0] = chosen;
	put64(answer.p[0].spi, n->spi_r);
	answer.n = 1;
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_CREATE_CHILD_SA, true, id);
	fgw_ike_build_sa(&b, &answer);
	fgw_ike_build_nonce(&b, nr, sizeof(nr));
	fgw_ike_build_ke(&b, suite.dh, pub, (size_t)len);
	if (ike_send_response(sa, &b) < 0) {
		ike_sa_kill(n);
		return;
	}
	ike_inherit(n, sa);
	ike_sa_established(n);
	sa->ike->stats.ike_rekeyed++;
	FGW_NOTICE("IKEv2 SA %u with %s rekeyed by the peer: now SA %u", sa->serial,
		   ike_peer_str(sa), n->serial);
	if (sa->xchg_sa != NULL) {
		/* Ours is in flight too: its answer decides which SA stays. */
		sa->peer_rekey_sa = n;
		return;
	}
	ike_sa_rekeyed(sa, n);
}

/* ---- dispatch -------------------------------------------------------------------- */

static bool is_ike_rekey(const struct fgw_ike_msg *msg)
{
	return msg->has_sa && msg->sa.n > 0 && msg->sa.p[0].protocol == FGW_IKE_PROTO_IKE;
}

void ike_create_child_request(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	if (sa->state != FGW_IKE_ST_ESTABLISHED) {
		respond_error(sa, msg->hdr.msg_id, FGW_IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (is_ike_rekey(msg))
		ike_rekey_request(sa, msg);
	else
		child_request(sa, msg);
	ike_life_kick(sa);
}

void ike_create_child_response(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	if (sa->req.kind == FGW_IKE_REQ_IKE_REKEY)
		ike_rekey_response(sa, msg);
	else if (sa->req.kind == FGW_IKE_REQ_CHILD_REKEY || sa->req.kind == FGW_IKE_REQ_CHILD_NEW)
		child_response(sa, msg);
	if (sa->state != FGW_IKE_ST_DEAD)
		ike_life_kick(sa);
}
