/* IKE_SA_INIT (RFC 7296 1.2): proposals, Diffie-Hellman, nonces, NAT
 * detection, and the vendor IDs a Cisco FlexVPN router sends. Initiator:
 * follows a COOKIE (2.6) or an INVALID_KE_PAYLOAD naming a group we also
 * allow (1.2), then derives the keys and goes on with IKE_AUTH.
 * Responder: enforces the limits and the cookie threshold before any
 * state exists, picks the proposal, and answers. */
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "engine.h"

/* A responder SA that never sees IKE_AUTH goes after this long. */
#define HALF_OPEN_TIMEOUT_MS 30000

/* shared/interop/CISCO.md */
static const char vid_flexvpn[] = "FLEXVPN-SUPPORTED";
static const char vid_delete_reason[] = "CISCO-DELETE-REASON";
static const char vid_copyright[] = "CISCO(COPYRIGHT)&Copyright (c) 2009 Cisco Systems, Inc.";

/* The peer says it is a FlexVPN peer (route-based: a FlexVPN server keeps
 * its selectors rather than narrowing them to its virtual IP). */
static bool peer_is_flexvpn(const struct fgw_ike_msg *msg)
{
	for (unsigned i = 0; i < msg->n_vendor; i++)
		if (msg->vendor[i].len == strlen(vid_flexvpn) &&
		    memcmp(msg->vendor[i].data, vid_flexvpn, msg->vendor[i].len) == 0)
			return true;
	return false;
}

static void build_vendor_ids(struct fgw_ike_buf *b)
{
	fgw_ike_build_vendor(b, (const uint8_t *)vid_copyright, strlen(vid_copyright));
	fgw_ike_build_vendor(b, (const uint8_t *)vid_delete_reason, strlen(vid_delete_reason));
	fgw_ike_build_vendor(b, (const uint8_t *)vid_flexvpn, strlen(vid_flexvpn));
}

static bool nonce_ok(const struct fgw_ike_msg *msg)
{
	return msg->has_nonce && msg->nonce.len >= 16 && msg->nonce.len <= FGW_IKE_NONCE_MAX;
}

static uint8_t *dup_msg(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len);

	if (d != NULL)
		memcpy(d, p, len);
	return d;
}

/* g^ir, then SKEYSEED and the SK_* keys; the DH private key goes. */
static int derive(struct fgw_ike_sa *sa, const struct fgw_ike_ke *ke)
{
	uint8_t g_ir[FGW_IKE_DH_MAX];
	int n = fgw_ike_dh_shared(sa->dh, ke->data, ke->len, g_ir, sizeof(g_ir));
	int rc;

	if (n < 0)
		return -1;
	sa->keys.suite = sa->suite;
	rc = fgw_ike_keys_derive(&sa->keys, g_ir, (size_t)n, sa->ni, sa->ni_len, sa->nr,
				 sa->nr_len, sa->spi_i, sa->spi_r);
	explicit_bzero(g_ir, sizeof(g_ir));
	fgw_ike_dh_free(sa->dh);
	sa->dh = NULL;
	if (rc < 0)
		return -1;
	sa->keys_valid = true;
	return 0;
}

/* ---- initiator ------------------------------------------------------------------ */

int ike_sa_init_start(struct fgw_ike_sa *sa)
{
	static struct fgw_ike_sa_payload ours;
	const struct fgw_config *cfg = sa->ike->c->cfg;
	uint8_t buf[FGW_IKE_MSG_MAX], pub[FGW_IKE_DH_MAX];
	struct fgw_ike_buf b;
	uint16_t group;
	int n;

	if (ike_proposals_ike(cfg, &sa->local, &ours) == 0) {
		ike_sa_fail(sa, FGW_IKE_FAIL_NO_PROPOSAL, "no IKEv2 proposal for local address");
		return -1;
	}
	group = sa->suite.dh ? sa->suite.dh : ike_proposals_first_group(&ours);
	if (sa->dh == NULL || fgw_ike_dh_group(sa->dh) != group) {
		if (sa->dh != NULL)
			fgw_ike_dh_free(sa->dh);
		sa->dh = fgw_ike_dh_new(group);
	}
	if (sa->dh == NULL || (n = fgw_ike_dh_public(sa->dh, pub, sizeof(pub))) < 0)
		return -1;
	if (sa->ni_len == 0) {
		if (fgw_ike_random(sa->ni, IKE_NONCE_LEN) < 0)
			return -1;
		sa->ni_len = IKE_NONCE_LEN;
	}
	sa->next_msg_id = 0;
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_SA_INIT, false, 0);
	if (sa->cookie_len)
		fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_COOKIE, sa->cookie, sa->cookie_len);
	fgw_ike_build_sa(&b, &ours);
	fgw_ike_build_ke(&b, group, pub, (size_t)n);
	fgw_ike_build_nonce(&b, sa->ni, sa->ni_len);
	ike_natd_build(&b, sa->spi_i, 0, &sa->local, sa->local_port, &sa->remote, sa->remote_port);
	build_vendor_ids(&b);
	if (ike_send_request(sa, &b) < 0)
		return -1;
	free(sa->init_i);
	sa->init_i = dup_msg(sa->req.msg, sa->req.len);
	sa->init_i_len = sa->req.len;
	return sa->init_i ? 0 : -1;
}

/* An error notify instead of an answer: retry when it asks for a cookie
 * or another group we allow, else fail. true when handled. */
static bool init_error(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg,
		       const struct fgw_ike_sa_payload *ours)
{
	const struct fgw_ike_notify *n;

	if ((n = fgw_ike_msg_notify(msg, FGW_IKE_N_COOKIE)) != NULL) {
		if (n->len == 0 || n->len > sizeof(sa->cookie) || ++sa->ke_retries > IKE_INIT_RETRIES) {
			ike_sa_fail(sa, FGW_IKE_FAIL_PEER_ERROR, "bad or repeated COOKIE");
			return true;
		}
		memcpy(sa->cookie, n->data, n->len);
		sa->cookie_len = n->len;
		ike_request_done(sa);
		if (ike_sa_init_start(sa) < 0 && sa->state != FGW_IKE_ST_DEAD)
			ike_sa_fail(sa, FGW_IKE_FAIL_INTERNAL, "cannot build IKE_SA_INIT");
		return true;
	}
	if ((n = fgw_ike_msg_notify(msg, FGW_IKE_N_INVALID_KE_PAYLOAD)) != NULL) {
		uint16_t g = ike_invalid_ke_group(sa, n, ours, sa->dh ? fgw_ike_dh_group(sa->dh) : 0);

		if (g == 0) {
			ike_sa_fail(sa, FGW_IKE_FAIL_NO_PROPOSAL,
				    "INVALID_KE_PAYLOAD asks for a DH group we do not allow");
			return true;
		}
		sa->suite.dh = g;
		ike_request_done(sa);
		if (ike_sa_init_start(sa) < 0 && sa->state != FGW_IKE_ST_DEAD)
			ike_sa_fail(sa, FGW_IKE_FAIL_INTERNAL, "cannot build IKE_SA_INIT");
		return true;
	}
	for (unsigned i = 0; i < msg->n_notify; i++) {
		uint16_t t = msg->notify[i].type;

		if (t > FGW_IKE_N_ERROR_MAX)
			continue;
		ike_sa_fail(sa, t == FGW_IKE_N_NO_PROPOSAL_CHOSEN ? FGW_IKE_FAIL_NO_PROPOSAL
								  : FGW_IKE_FAIL_PEER_ERROR,
			    "%s from the peer in IKE_SA_INIT", fgw_ike_notify_name(t));
		return true;
	}
	return false;
}

void ike_sa_init_response(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg,
			  const struct fgw_local_pkt *p)
{
	static struct fgw_ike_sa_payload ours;
	const struct fgw_config *cfg = sa->ike->c->cfg;

	if (msg->hdr.msg_id != 0 || sa->req.msg == NULL || sa->req.msg_id != 0 ||
	    !fgw_addr_eq(&p->src, &sa->remote))
		return;
	sa->rx_msgs++;
	ike_proposals_ike(cfg, &sa->local, &ours);
	if (init_error(sa, msg, &ours))
		return;
	if (!msg->has_sa || !msg->has_ke || !nonce_ok(msg) || msg->hdr.spi_r == 0 ||
	    msg->sa.n != 1) {
		ike_sa_fail(sa, FGW_IKE_FAIL_INVALID_SYNTAX, "IKE_SA_INIT response lacks SA, KE or "
			    "Nr");
		return;
	}
	if (!ike_proposal_check(&msg->sa.p[0], &ours)) {
		ike_sa_fail(sa, FGW_IKE_FAIL_NO_PROPOSAL, "the peer chose a proposal we did not offer");
		return;
	}
	ike_proposal_suite(&msg->sa.p[0], &sa->suite);
	if (msg->ke.group != sa->suite.dh || sa->dh == NULL ||
	    fgw_ike_dh_group(sa->dh) != sa->suite.dh) {
		ike_sa_fail(sa, FGW_IKE_FAIL_INVALID_SYNTAX, "KE of group %u for DH group %u",
			    msg->ke.group, sa->suite.dh);
		return;
	}
	ike_request_done(sa);
	sa->spi_r = msg->hdr.spi_r;
	memcpy(sa->nr, msg->nonce.data, msg->nonce.len);
	sa->nr_len = msg->nonce.len;
	if (derive(sa, &msg->ke) < 0) {
		ike_sa_fail(sa, FGW_IKE_FAIL_INVALID_SYNTAX, "invalid KE data or key derivation "
			    "failure");
		return;
	}
	sa->init_r = dup_msg(msg->raw, msg->raw_len);
	sa->init_r_len = msg->raw_len;
	if (sa->init_r == NULL) {
		ike_sa_fail(sa, FGW_IKE_FAIL_INTERNAL, "out of memory");
		return;
	}
	/* 2.23: a NAT on either side moves the initiator to 4500 now. */
	if (ike_natd_check(sa, msg) && (sa->nat_local || sa->nat_remote)) {
		sa->natt = true;
		sa->local_port = FGW_IKE_NATT_PORT;
		sa->remote_port = FGW_IKE_NATT_PORT;
	}
	FGW_DEBUG("IKEv2 SA %u: %s %s %s %s%s", sa->serial,
		  fgw_ike_encr_name(sa->suite.encr, sa->suite.encr_bits),
		  sa->suite.integ ? fgw_ike_integ_name(sa->suite.integ) : "",
		  fgw_ike_prf_name(sa->suite.prf), fgw_ike_dh_name(sa->suite.dh),
		  sa->natt ? ", NAT-T" : "");
	if (ike_auth_start(sa) < 0 && sa->state != FGW_IKE_ST_DEAD)
		ike_sa_fail(sa, FGW_IKE_FAIL_INTERNAL, "cannot build IKE_AUTH");
}

/* ---- responder ------------------------------------------------------------------ */

static void half_open_timeout(struct rte_timer *tim, void *arg)
{
	struct fgw_ike_sa *sa = arg;

	(void)tim;
	if (sa->state == FGW_IKE_ST_INIT_DONE)
		ike_sa_fail(sa, FGW_IKE_FAIL_TIMEOUT, "no IKE_AUTH after IKE_SA_INIT");
}

static void refuse(struct fgw_ike *ike, const struct fgw_ike_msg *msg,
		   const struct fgw_local_pkt *p, enum fgw_ike_failure why, uint16_t notify,
		   const uint8_t *data, size_t len, const char *text)
{
	char a[FGW_ADDR_STRLEN];

	ike->stats.failures[why]++;
	FGW_WARN("IKEv2: IKE_SA_INIT from %s refused: %s", fgw_addr_str(&p->src, a, sizeof(a)),
		 text);
	if (notify)
		ike_send_init_error(ike, msg, p, notify, data, len);
}

void ike_sa_init_request(struct fgw_ike *ike, const struct fgw_ike_msg *msg,
			 const struct fgw_local_pkt *p)
{
	static struct fgw_ike_sa_payload ours;
	const struct fgw_config *cfg = ike->c->cfg;
	struct fgw_ike_proposal chosen;
	struct fgw_ike_sa_payload answer;
	uint8_t buf[FGW_IKE_MSG_MAX], pub[FGW_IKE_DH_MAX], cookie[64];
	struct fgw_ike_sa *sa;
	struct fgw_ike_buf b;
	size_t cookie_len;
	int n;

	if (msg->hdr.spi_r != 0 || msg->hdr.msg_id != 0 || msg->hdr.spi_i == 0) {
		ike->stats.rx_dropped++;
		return;
	}
	sa = ike_sa_find_half_open(ike, msg->hdr.spi_i, &p->src, p->sport);
	if (sa != NULL) {
		/* Our answer was lost: the same answer again (2.1). */
		if (sa->resp.valid) {
			sa->dup_requests++;
			ike->stats.dup_requests++;
			ike_send_raw(ike, &sa->local, sa->local_port, &sa->remote, sa->remote_port,
				     sa->resp.msg, sa->resp.len);
		}
		return;
	}
	/* Over a limit the request is dropped: no state, no answer (an
	 * answer would only invite the peer to try again at once). */
	if (ike_over_limits(ike, &p->src, false))
		return;
	if (!msg->has_sa || !msg->has_ke || !nonce_ok(msg)) {
		refuse(ike, msg, p, FGW_IKE_FAIL_INVALID_SYNTAX, FGW_IKE_N_INVALID_SYNTAX, NULL, 0,
		       "no SA, KE or Ni payload");
		return;
	}
	if (ike->n_negotiating >= cfg->ikev2.cookie_challenge && !ike_cookie_valid(ike, msg, &p->src)) {
		cookie_len = ike_cookie_make(ike, msg, &p->src, cookie);
		if (cookie_len) {
			ike->stats.cookies_sent++;
			ike_send_init_error(ike, msg, p, FGW_IKE_N_COOKIE, cookie, cookie_len);
		}
		return;
	}
	if (ike_proposals_ike(cfg, &p->dst, &ours) == 0 ||
	    ike_proposal_select(&msg->sa, &ours, FGW_IKE_PROTO_IKE, msg->ke.group, &chosen) < 0) {
		refuse(ike, msg, p, FGW_IKE_FAIL_NO_PROPOSAL, FGW_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0,
		       "no proposal chosen (none of the peer's IKE proposals is allowed by our "
		       "policy)");
		return;
	}
	struct fgw_ike_suite suite;
	ike_proposal_suite(&chosen, &suite);
	if (msg->ke.group != suite.dh) {
		uint8_t g[2] = { (uint8_t)(suite.dh >> 8), (uint8_t)suite.dh };

		ike->stats.failures[FGW_IKE_FAIL_INVALID_KE]++;
		FGW_INFO("IKEv2: IKE_SA_INIT from %s has KE for group %u, asking for group %u",
			 fgw_addr_str(&p->src, (char[FGW_ADDR_STRLEN]){ 0 }, FGW_ADDR_STRLEN),
			 msg->ke.group, suite.dh);
		ike_send_init_error(ike, msg, p, FGW_IKE_N_INVALID_KE_PAYLOAD, g, sizeof(g));
		return;
	}

	sa = ike_sa_new(ike, false, &p->dst, p->dport, &p->src, p->sport, p->in_if);
	if (sa == NULL) {
		ike->stats.failures[FGW_IKE_FAIL_INTERNAL]++;
		return;
	}
	ike->stats.sa_responded++;
	sa->spi_i = msg->hdr.spi_i;
	sa->suite = suite;
	sa->peer_flexvpn = peer_is_flexvpn(msg);
	sa->rx_msgs++;
	memcpy(sa->ni, msg->nonce.data, msg->nonce.len);
	sa->ni_len = msg->nonce.len;
	sa->init_i = dup_msg(msg->raw, msg->raw_len);
	sa->init_i_len = msg->raw_len;
	sa->dh = fgw_ike_dh_new(suite.dh);
	if (sa->init_i == NULL || sa->dh == NULL || fgw_ike_random(sa->nr, IKE_NONCE_LEN) < 0 ||
	    (n = fgw_ike_dh_public(sa->dh, pub, sizeof(pub))) < 0) {
		ike_sa_fail(sa, FGW_IKE_FAIL_INTERNAL, "out of memory or DH failure");
		return;
	}
	sa->nr_len = IKE_NONCE_LEN;
	if (derive(sa, &msg->ke) < 0) {
		ike_sa_fail(sa, FGW_IKE_FAIL_INVALID_SYNTAX, "invalid KE data");
		ike_send_init_error(ike, msg, p, FGW_IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	bool natd = ike_natd_check(sa, msg);

	memset(&answer, 0, sizeof(answer));
	answer.p[0] = chosen;
	answer.n = 1;
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_SA_INIT, true, 0);
	fgw_ike_build_sa(&b, &answer);
	fgw_ike_build_ke(&b, suite.dh, pub, (size_t)n);
	fgw_ike_build_nonce(&b, sa->nr, sa->nr_len);
	if (natd)
		ike_natd_build(&b, sa->spi_i, sa->spi_r, &sa->local, sa->local_port, &sa->remote,
			       sa->remote_port);
	build_vendor_ids(&b);
	if (ike_send_response(sa, &b) < 0)
		return;
	sa->peer_msg_id = 1;
	sa->init_r = dup_msg(sa->resp.msg, sa->resp.len);
	sa->init_r_len = sa->resp.len;
	if (sa->init_r == NULL) {
		ike_sa_fail(sa, FGW_IKE_FAIL_INTERNAL, "out of memory");
		return;
	}
	rte_timer_reset(&sa->life_timer, ike_ms_to_cycles(HALF_OPEN_TIMEOUT_MS), SINGLE,
			rte_lcore_id(), half_open_timeout, sa);
}
