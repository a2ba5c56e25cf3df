/* CHILD SAs into the data path: KEYMAT (RFC 7296 2.17) split into the two
 * directions, one fgw_sa each (common/sa.h), the inbound one installed
 * first (its SPI's slot was reserved when we offered it), then the
 * tunnel's outbound switched to the new SA. The key material lives on the
 * stack only as long as the key schedules take to derive, and is wiped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_memory.h>

#include "dataplane/ipsec/sa_setup.h"
#include "dataplane/tunnel.h"
#include "engine.h"

#define OUTER_TTL 255

struct fgw_ike_child *ike_child_new(struct fgw_ike_sa *sa)
{
	struct fgw_ike_child *ch = calloc(1, sizeof(*ch));

	if (ch == NULL)
		return NULL;
	ch->spi_in = ike_spi_alloc(sa->ike, &ch->in_index);
	if (ch->spi_in == 0) {
		free(ch);
		return NULL;
	}
	/* IKE_AUTH's CHILD SA: the exchange's initiator is the IKE SA's. */
	ch->initiator = sa->initiator;
	TAILQ_INSERT_TAIL(&sa->children, ch, link);
	sa->n_children++;
	return ch;
}

struct fgw_ike_child *ike_child_by_spi_out(struct fgw_ike_sa *sa, uint32_t spi)
{
	struct fgw_ike_child *ch;

	TAILQ_FOREACH(ch, &sa->children, link)
		if (ch->state && ch->spi_out == spi)
			return ch;
	return NULL;
}

struct fgw_ike_child *ike_child_by_spi_in(struct fgw_ike_sa *sa, uint32_t spi)
{
	struct fgw_ike_child *ch;

	TAILQ_FOREACH(ch, &sa->children, link)
		if (ch->spi_in == spi)
			return ch;
	return NULL;
}

void ike_child_set_ts(struct fgw_ike_child *ch, const struct fgw_ike_ts_payload *tsi,
		      const struct fgw_ike_ts_payload *tsr)
{
	ch->n_tsi = (uint8_t)(tsi->n < FGW_IKE_CHILD_TS_MAX ? tsi->n : FGW_IKE_CHILD_TS_MAX);
	ch->n_tsr = (uint8_t)(tsr->n < FGW_IKE_CHILD_TS_MAX ? tsr->n : FGW_IKE_CHILD_TS_MAX);
	memcpy(ch->tsi, tsi->ts, ch->n_tsi * sizeof(ch->tsi[0]));
	memcpy(ch->tsr, tsr->ts, ch->n_tsr * sizeof(ch->tsr[0]));
}

bool ike_tunnel_transport(const struct fgw_ike_tunnel *t)
{
	return t->cfg->mode == FGW_TUNNEL_GRE_IPV4 || t->cfg->mode == FGW_TUNNEL_GRE_IPV6;
}

bool ike_child_mode_refused(struct fgw_ike_sa *sa, const struct fgw_ike_tunnel *t,
			    const struct fgw_ike_msg *msg)
{
	if (!ike_tunnel_transport(t) || fgw_ike_msg_notify(msg, FGW_IKE_N_USE_TRANSPORT_MODE) != NULL)
		return false;
	sa->ike->stats.failures[FGW_IKE_FAIL_NO_PROPOSAL]++;
	FGW_WARN("IKEv2 SA %u: %s asks for a tunnel-mode CHILD SA on GRE tunnel %s (transport "
		 "only)", sa->serial, ike_peer_str(sa), t->cfg->name);
	return true;
}

bool ike_child_mode_answered(const struct fgw_ike_tunnel *t, const struct fgw_ike_msg *msg)
{
	return ike_tunnel_transport(t) ==
		(fgw_ike_msg_notify(msg, FGW_IKE_N_USE_TRANSPORT_MODE) != NULL);
}

static uint8_t cipher_of(const struct esp_transform *t)
{
	if (t->encr == FGW_IKE_ENCR_ID_AES_CBC)
		return t->encr_bits == 128 ? FGW_CIPHER_AES_CBC_128
		     : t->encr_bits == 256 ? FGW_CIPHER_AES_CBC_256 : FGW_CIPHER_NONE;
	if (t->encr == FGW_IKE_ENCR_ID_AES_GCM_16)
		return t->encr_bits == 128 ? FGW_CIPHER_AES_GCM_128
		     : t->encr_bits == 256 ? FGW_CIPHER_AES_GCM_256 : FGW_CIPHER_NONE;
	return FGW_CIPHER_NONE;
}

static uint8_t integ_of(uint16_t integ)
{
	switch (integ) {
	case FGW_IKE_INTEG_HMAC_SHA1_96: return FGW_INTEG_HMAC_SHA1_96;
	case FGW_IKE_INTEG_HMAC_SHA2_256_128: return FGW_INTEG_HMAC_SHA256_128;
	case FGW_IKE_INTEG_HMAC_SHA2_384_192: return FGW_INTEG_HMAC_SHA384_192;
	case FGW_IKE_INTEG_HMAC_SHA2_512_256: return FGW_INTEG_HMAC_SHA512_256;
	default: return FGW_INTEG_NONE;
	}
}

static uint8_t df_of(uint8_t df_bit)
{
	switch (df_bit) {
	case FGW_DF_CLEAR: return FGW_SA_DF_CLEAR;
	case FGW_DF_SET: return FGW_SA_DF_SET;
	default: return FGW_SA_DF_COPY;
	}
}

static unsigned replay_window(const struct fgw_ipsec_profile_cfg *ip)
{
	unsigned w = ip->replay_window;

	return w != 0 && w < FGW_REPLAY_MIN ? FGW_REPLAY_MIN : w;
}

static struct fgw_sa *sa_make(struct fgw_ike_sa *sa, struct fgw_ike_child *ch, bool inbound,
			      const struct fgw_sa_keys *keys)
{
	const struct fgw_config *cfg = sa->ike->c->cfg;
	const struct fgw_ike_tunnel *t = sa->tunnel;
	struct fgw_sa *s;
	char err[256];

	s = fgw_sa_alloc(inbound ? replay_window(t->ipsec_profile) : 0, SOCKET_ID_ANY);
	if (s == NULL)
		return NULL;
	s->spi = inbound ? ch->spi_in : ch->spi_out;
	s->flags = inbound ? FGW_SA_F_INBOUND : 0;
	if (ch->esn)
		s->flags |= FGW_SA_F_ESN;
	s->mode = ike_tunnel_transport(t) ? FGW_SA_TRANSPORT : FGW_SA_TUNNEL;
	s->cipher = ch->cipher;
	s->integ = ch->dp_integ;
	s->ttl = OUTER_TTL;
	s->dscp = FGW_SA_DSCP_COPY;
	s->df = df_of(cfg->ipsec.df_bit);
	s->src = inbound ? t->dst : t->src;
	s->dst = inbound ? t->src : t->dst;
	if (ch->natt_sport) {
		s->natt_sport = inbound ? ch->natt_dport : ch->natt_sport;
		s->natt_dport = inbound ? ch->natt_sport : ch->natt_dport;
	}
	if (ch->lifetime_kb) {
		/* Hard at the configured volume; soft (rekey) at 75 %: the
		 * control lcore polls the mark (rekey.c) and needs the rest to
		 * rekey before the data path has to drop. */
		s->life.hard_bytes = ch->lifetime_kb * 1024;
		s->life.soft_bytes = s->life.hard_bytes / 4 * 3;
	}
	if (fgw_sa_prepare(s, keys, fgw_dp_crypto_mgr(sa->ike->c->dp), err, sizeof(err)) < 0) {
		FGW_WARN("IKEv2 SA %u: CHILD SA %08x: %s", sa->serial, s->spi, err);
		fgw_sa_free(s);
		return NULL;
	}
	return s;
}

/* The tunnel's outbound SA is about to be replaced and freed by the data
 * path: whichever CHILD SA pointed at it no longer owns it. */
static void forget_out(struct fgw_ike *ike, const struct fgw_sa *old)
{
	struct fgw_ike_sa *sa;
	struct fgw_ike_child *ch;

	if (old == NULL)
		return;
	TAILQ_FOREACH(sa, &ike->sas, link)
		TAILQ_FOREACH(ch, &sa->children, link)
			if (ch->sa_out == old)
				ch->sa_out = NULL;
}

void ike_child_publish(struct fgw_ike_sa *sa, struct fgw_ike_child *ch)
{
	struct fgw_dp *dp = sa->ike->c->dp;
	char err[256];

	if (ch->sa_out_pending == NULL)
		return;
	forget_out(sa->ike, fgw_tunnel_sa_out_get(dp, ch->ifindex));
	if (fgw_tunnel_sa_out_set(dp, ch->ifindex, ch->sa_out_pending, err, sizeof(err)) < 0) {
		FGW_WARN("IKEv2 SA %u: %s", sa->serial, err);
		fgw_sa_free(ch->sa_out_pending);
	} else {
		ch->sa_out = ch->sa_out_pending;
	}
	ch->sa_out_pending = NULL;
}

int ike_child_install(struct fgw_ike_sa *sa, struct fgw_ike_child *ch,
		      const struct esp_transform *t, const uint8_t *g_ir, size_t g_ir_len,
		      const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		      bool publish)
{
	struct fgw_dp *dp = sa->ike->c->dp;
	struct fgw_ike_tunnel *tun = sa->tunnel;
	uint8_t keymat[2 * (FGW_SA_MAX_ENC_KEY + FGW_SA_MAX_AUTH_KEY)];
	struct fgw_sa_keys k_ir, k_ri;
	size_t enc_len, auth_len;
	char err[256];

	if (tun == NULL)
		return -1;
	ch->encr = t->encr;
	ch->encr_bits = t->encr_bits;
	ch->integ = t->integ;
	ch->pfs_group = t->dh;
	ch->esn = t->esn;
	ch->cipher = cipher_of(t);
	ch->dp_integ = integ_of(t->integ);
	ch->ifindex = tun->ifindex;
	ch->worker = ch->in_index % dp->n_workers;
	ch->lifetime_s = tun->ipsec_profile->lifetime_seconds;
	ch->lifetime_kb = tun->ipsec_profile->lifetime_kilobytes;
	ch->created = rte_get_timer_cycles();
	ike_child_lifetimes(ch);
	/* ESP in UDP once a NAT was seen (RFC 3948), from our 4500 to the
	 * port the peer's IKE now comes from (4500 when IKE did not float). */
	if (sa->natt || sa->nat_local || sa->nat_remote) {
		ch->natt_sport = FGW_IKE_NATT_PORT;
		ch->natt_dport = sa->local_port == FGW_IKE_NATT_PORT ? sa->remote_port
								     : FGW_IKE_NATT_PORT;
	}
	if (ch->cipher == FGW_CIPHER_NONE || (!fgw_cipher_is_aead(ch->cipher) && !ch->dp_integ))
		return -1;
	enc_len = fgw_cipher_key_len(ch->cipher) + fgw_cipher_salt_len(ch->cipher);
	auth_len = fgw_integ_key_len(ch->dp_integ);
	if (fgw_ike_child_keymat(&sa->keys, g_ir, g_ir_len, ni, ni_len, nr, nr_len, keymat,
				 2 * (enc_len + auth_len)) < 0)
		return -1;
	/* KEYMAT: initiator -> responder encryption then integrity key, then
	 * the same for responder -> initiator. */
	memset(&k_ir, 0, sizeof(k_ir));
	memset(&k_ri, 0, sizeof(k_ri));
	memcpy(k_ir.enc, keymat, enc_len);
	memcpy(k_ir.auth, keymat + enc_len, auth_len);
	memcpy(k_ri.enc, keymat + enc_len + auth_len, enc_len);
	memcpy(k_ri.auth, keymat + 2 * enc_len + auth_len, auth_len);
	explicit_bzero(keymat, sizeof(keymat));
	/* The exchange's initiator sends with the i->r keys. */
	ch->sa_in = sa_make(sa, ch, true, ch->initiator ? &k_ri : &k_ir);
	ch->sa_out = sa_make(sa, ch, false, ch->initiator ? &k_ir : &k_ri);
	explicit_bzero(&k_ir, sizeof(k_ir));
	explicit_bzero(&k_ri, sizeof(k_ri));
	if (ch->sa_in == NULL || ch->sa_out == NULL)
		goto fail;
	if (fgw_sa_in_add(dp, ch->ifindex, ch->sa_in, ch->worker, err, sizeof(err)) < 0) {
		FGW_WARN("IKEv2 SA %u: %s", sa->serial, err);
		goto fail;
	}
	ch->state = FGW_CHILD_INSTALLED;
	if (!publish) {
		ch->sa_out_pending = ch->sa_out;
		ch->sa_out = NULL;
	} else {
		forget_out(sa->ike, fgw_tunnel_sa_out_get(dp, ch->ifindex));
		if (fgw_tunnel_sa_out_set(dp, ch->ifindex, ch->sa_out, err, sizeof(err)) < 0) {
			FGW_WARN("IKEv2 SA %u: %s", sa->serial, err);
			fgw_sa_in_del(dp, ch->spi_in);
			ch->sa_in = NULL;
			ch->state = 0;
			goto fail;
		}
	}
	sa->ike->stats.child_created++;
	return 0;
fail:
	if (ch->sa_in != NULL)
		fgw_sa_free(ch->sa_in);
	if (ch->sa_out != NULL)
		fgw_sa_free(ch->sa_out);
	ch->sa_in = ch->sa_out = NULL;
	return -1;
}

void ike_child_delete(struct fgw_ike_sa *sa, struct fgw_ike_child *ch)
{
	struct fgw_dp *dp = sa->ike->c->dp;
	struct fgw_ike_child *c, *next = ch->successor;

	/* A rekey we answered while our own rekey of ch was in flight has no
	 * successor link yet (our answer was to decide, 2.8.1): the peer
	 * deleting ch means its exchange completed first and its SA stays. */
	if (next == NULL)
		TAILQ_FOREACH(c, &sa->children, link)
			if (c->predecessor == ch && c->sa_out_pending != NULL)
				next = c;
	/* A rekey's responder: the peer deleted the old SA, so the new
	 * outbound takes over now, before the old one goes. */
	if (next != NULL && next->sa_out_pending != NULL &&
	    ch->sa_out != NULL && fgw_tunnel_sa_out_get(dp, ch->ifindex) == ch->sa_out)
		ike_child_publish(sa, next);
	TAILQ_FOREACH(c, &sa->children, link) {
		if (c->successor == ch)
			c->successor = NULL;
		if (c->predecessor == ch)
			c->predecessor = NULL;
	}
	if (sa->xchg_child == ch)
		sa->xchg_child = NULL;
	if (sa->xchg_new == ch)
		sa->xchg_new = NULL;
	if (ch->sa_out_pending != NULL)
		fgw_sa_free(ch->sa_out_pending);	/* never published */
	ch->sa_out_pending = NULL;

	if (ch->sa_out != NULL && fgw_tunnel_sa_out_get(dp, ch->ifindex) == ch->sa_out) {
		char err[128];

		fgw_tunnel_sa_out_set(dp, ch->ifindex, NULL, err, sizeof(err));
	}
	ch->sa_out = NULL;
	if (ch->sa_in != NULL)
		fgw_sa_in_del(dp, ch->spi_in);
	ch->sa_in = NULL;
	if (ch->state)
		sa->ike->stats.child_deleted++;
	ike_spi_free(sa->ike, ch->in_index);
	TAILQ_REMOVE(&sa->children, ch, link);
	sa->n_children--;
	explicit_bzero(ch, sizeof(*ch));
	free(ch);
}
