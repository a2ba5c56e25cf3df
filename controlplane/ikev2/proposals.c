/* Proposals: ours from the configuration (crypto ikev2 policy/proposal,
 * crypto ipsec profile/transform-set) in wire form, and the choice among
 * a peer's. FlexVPN picks the most secure combination both ends allow,
 * whatever order the peer listed its proposals in: for each transform
 * type the strongest we share, then the strongest proposal. */
#include <string.h>

#include "engine.h"

/* ---- configuration ids -> IANA ---------------------------------------------- */

static bool ike_encr_of(uint8_t e, uint16_t *id, uint16_t *bits)
{
	switch (e) {
	case FGW_IKE_ENCR_AES_CBC_128: *id = FGW_IKE_ENCR_ID_AES_CBC; *bits = 128; break;
	case FGW_IKE_ENCR_AES_CBC_192: *id = FGW_IKE_ENCR_ID_AES_CBC; *bits = 192; break;
	case FGW_IKE_ENCR_AES_CBC_256: *id = FGW_IKE_ENCR_ID_AES_CBC; *bits = 256; break;
	case FGW_IKE_ENCR_AES_GCM_128: *id = FGW_IKE_ENCR_ID_AES_GCM_16; *bits = 128; break;
	case FGW_IKE_ENCR_AES_GCM_256: *id = FGW_IKE_ENCR_ID_AES_GCM_16; *bits = 256; break;
	default: return false;
	}
	return true;
}

static uint16_t integ_of(uint8_t h)
{
	switch (h) {
	case FGW_HASH_SHA1: return FGW_IKE_INTEG_HMAC_SHA1_96;
	case FGW_HASH_SHA256: return FGW_IKE_INTEG_HMAC_SHA2_256_128;
	case FGW_HASH_SHA384: return FGW_IKE_INTEG_HMAC_SHA2_384_192;
	case FGW_HASH_SHA512: return FGW_IKE_INTEG_HMAC_SHA2_512_256;
	default: return FGW_IKE_INTEG_NONE;
	}
}

static uint16_t prf_of(uint8_t h)
{
	switch (h) {
	case FGW_HASH_SHA1: return FGW_IKE_PRF_HMAC_SHA1;
	case FGW_HASH_SHA256: return FGW_IKE_PRF_HMAC_SHA2_256;
	case FGW_HASH_SHA384: return FGW_IKE_PRF_HMAC_SHA2_384;
	case FGW_HASH_SHA512: return FGW_IKE_PRF_HMAC_SHA2_512;
	default: return 0;
	}
}

static bool is_aead(uint16_t encr)
{
	return encr == FGW_IKE_ENCR_ID_AES_GCM_8 || encr == FGW_IKE_ENCR_ID_AES_GCM_12 ||
	       encr == FGW_IKE_ENCR_ID_AES_GCM_16;
}

static void add(struct fgw_ike_proposal *p, uint8_t type, uint16_t id, uint16_t key_len)
{
	if (p->n_t < FGW_IKE_MAX_TRANSFORMS)
		p->t[p->n_t++] = (struct fgw_ike_transform){ type, id, key_len };
}

/* ---- strength ranks: higher is stronger; 0 is "not ours to accept" ------- */

static int rank_encr(uint16_t id, uint16_t bits)
{
	int b = bits == 256 ? 3 : bits == 192 ? 2 : bits == 128 ? 1 : 0;

	/* Key length first; at equal length AEAD beats CBC+HMAC. */
	if (b == 0 || (id != FGW_IKE_ENCR_ID_AES_CBC && id != FGW_IKE_ENCR_ID_AES_GCM_16))
		return 0;
	return b * 2 + (id == FGW_IKE_ENCR_ID_AES_GCM_16);
}

static int rank_hash(uint8_t type, uint16_t id)
{
	if (type == FGW_IKE_TRANS_INTEG) {
		switch (id) {
		case FGW_IKE_INTEG_HMAC_SHA1_96: return 1;
		case FGW_IKE_INTEG_HMAC_SHA2_256_128: return 2;
		case FGW_IKE_INTEG_HMAC_SHA2_384_192: return 3;
		case FGW_IKE_INTEG_HMAC_SHA2_512_256: return 4;
		}
		return 0;
	}
	switch (id) {
	case FGW_IKE_PRF_HMAC_SHA1: return 1;
	case FGW_IKE_PRF_HMAC_SHA2_256: return 2;
	case FGW_IKE_PRF_HMAC_SHA2_384: return 3;
	case FGW_IKE_PRF_HMAC_SHA2_512: return 4;
	}
	return 0;
}

/* By the symmetric strength each group gives (RFC 3526, RFC 5903, RFC 7748). */
static int rank_dh(uint16_t g)
{
	switch (g) {
	case 14: return 1;		/* ~112 bits */
	case 15: return 2;		/* ~128 */
	case 19: return 3;		/* 128, and cheaper than 15 */
	case 31: return 4;		/* 128, cheapest */
	case 16: return 5;		/* ~152 */
	case 20: return 6;		/* 192 */
	case 21: return 7;		/* 256 */
	}
	return 0;
}

static int rank(const struct fgw_ike_transform *t)
{
	switch (t->type) {
	case FGW_IKE_TRANS_ENCR: return rank_encr(t->id, t->key_len);
	case FGW_IKE_TRANS_PRF:
	case FGW_IKE_TRANS_INTEG: return rank_hash(t->type, t->id);
	case FGW_IKE_TRANS_DH: return rank_dh(t->id);
	case FGW_IKE_TRANS_ESN: return t->id == FGW_IKE_ESN_NO ? 2 : 1;
	}
	return 0;
}

/* ---- ours ---------------------------------------------------------------------- */

static const struct fgw_ikev2_proposal_cfg *proposal_by_name(const struct fgw_config *cfg,
							     const char *name)
{
	for (unsigned i = 0; i < cfg->ikev2.n_proposals; i++)
		if (strcmp(cfg->ikev2.proposals[i].name, name) == 0)
			return &cfg->ikev2.proposals[i];
	return NULL;
}

/* The policy for a local address: the first whose match address local
 * lists it, else the first without match statements (IOS: a policy with
 * no match matches all; "default" is one). */
static const struct fgw_ikev2_policy_cfg *policy_for(const struct fgw_config *cfg,
						     const struct fgw_addr *local)
{
	const struct fgw_ikev2_policy_cfg *any = NULL;

	for (unsigned i = 0; i < cfg->ikev2.n_policies; i++) {
		const struct fgw_ikev2_policy_cfg *p = &cfg->ikev2.policies[i];

		if (p->n_match_address_local == 0) {
			if (any == NULL)
				any = p;
			continue;
		}
		for (unsigned j = 0; j < p->n_match_address_local; j++)
			if (fgw_addr_eq(&p->match_address_local[j], local))
				return p;
	}
	return any;
}

/* One configured proposal as one or two wire proposals: AES-GCM and
 * AES-CBC cannot share one (an AEAD proposal carries no integrity,
 * RFC 5282 8). */
static void ike_from_cfg(const struct fgw_ikev2_proposal_cfg *pc, struct fgw_ike_sa_payload *out)
{
	for (int aead = 1; aead >= 0; aead--) {
		struct fgw_ike_proposal p = { .protocol = FGW_IKE_PROTO_IKE };
		unsigned n_encr = 0;

		for (unsigned i = 0; i < pc->n_encryption; i++) {
			uint16_t id, bits;

			if (!ike_encr_of(pc->encryption[i], &id, &bits) || is_aead(id) != aead ||
			    !fgw_ike_encr_supported(id, bits))
				continue;
			add(&p, FGW_IKE_TRANS_ENCR, id, bits);
			n_encr++;
		}
		if (n_encr == 0)
			continue;
		for (unsigned i = 0; i < pc->n_prf; i++)
			if (fgw_ike_prf_supported(prf_of(pc->prf[i])))
				add(&p, FGW_IKE_TRANS_PRF, prf_of(pc->prf[i]), 0);
		if (!aead)
			for (unsigned i = 0; i < pc->n_integrity; i++)
				if (fgw_ike_integ_supported(integ_of(pc->integrity[i])))
					add(&p, FGW_IKE_TRANS_INTEG, integ_of(pc->integrity[i]), 0);
		for (unsigned i = 0; i < pc->n_group; i++)
			if (fgw_ike_dh_supported(pc->group[i]))
				add(&p, FGW_IKE_TRANS_DH, pc->group[i], 0);
		if (out->n < FGW_IKE_MAX_PROPOSALS) {
			p.num = (uint8_t)(out->n + 1);
			out->p[out->n++] = p;
		}
	}
}

unsigned ike_proposals_ike(const struct fgw_config *cfg, const struct fgw_addr *local,
			   struct fgw_ike_sa_payload *out)
{
	const struct fgw_ikev2_policy_cfg *pol = policy_for(cfg, local);

	memset(out, 0, sizeof(*out));
	if (pol == NULL)
		return 0;
	for (unsigned i = 0; i < pol->n_proposals; i++) {
		const struct fgw_ikev2_proposal_cfg *pc = proposal_by_name(cfg, pol->proposals[i]);

		if (pc != NULL)
			ike_from_cfg(pc, out);
	}
	return out->n;
}

static const struct fgw_ipsec_transform_set_cfg *transform_set(const struct fgw_config *cfg,
							       const char *name)
{
	for (unsigned i = 0; i < cfg->ipsec.n_transform_sets; i++)
		if (strcmp(cfg->ipsec.transform_sets[i].name, name) == 0)
			return &cfg->ipsec.transform_sets[i];
	return NULL;
}

unsigned ike_proposals_esp(const struct fgw_config *cfg, const struct fgw_ipsec_profile_cfg *ip,
			   uint32_t spi, uint16_t pfs_group, struct fgw_ike_sa_payload *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < ip->n_transform_sets && out->n < FGW_IKE_MAX_PROPOSALS; i++) {
		const struct fgw_ipsec_transform_set_cfg *ts = transform_set(cfg, ip->transform_sets[i]);
		struct fgw_ike_proposal p = { .protocol = FGW_IKE_PROTO_ESP, .spi_len = 4 };

		if (ts == NULL)
			continue;
		switch (ts->esp_encryption) {
		case FGW_ESP_AES_128: add(&p, FGW_IKE_TRANS_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 128); break;
		case FGW_ESP_AES_256: add(&p, FGW_IKE_TRANS_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 256); break;
		case FGW_ESP_GCM_128: add(&p, FGW_IKE_TRANS_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 128); break;
		case FGW_ESP_GCM_256: add(&p, FGW_IKE_TRANS_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 256); break;
		default: continue;	/* AES-192: the data path has none */
		}
		if (!is_aead(p.t[0].id)) {
			if (integ_of(ts->esp_integrity) == FGW_IKE_INTEG_NONE)
				continue;
			add(&p, FGW_IKE_TRANS_INTEG, integ_of(ts->esp_integrity), 0);
		}
		if (pfs_group)
			add(&p, FGW_IKE_TRANS_DH, pfs_group, 0);
		add(&p, FGW_IKE_TRANS_ESN, FGW_IKE_ESN_NO, 0);
		p.num = (uint8_t)(out->n + 1);
		p.spi[0] = (uint8_t)(spi >> 24);
		p.spi[1] = (uint8_t)(spi >> 16);
		p.spi[2] = (uint8_t)(spi >> 8);
		p.spi[3] = (uint8_t)spi;
		out->p[out->n++] = p;
	}
	return out->n;
}

uint16_t ike_proposals_first_group(const struct fgw_ike_sa_payload *ours)
{
	for (unsigned i = 0; i < ours->n; i++)
		for (unsigned j = 0; j < ours->p[i].n_t; j++)
			if (ours->p[i].t[j].type == FGW_IKE_TRANS_DH)
				return ours->p[i].t[j].id;
	return 0;
}

bool ike_proposals_have_group(const struct fgw_ike_sa_payload *ours, uint16_t group)
{
	for (unsigned i = 0; i < ours->n; i++)
		for (unsigned j = 0; j < ours->p[i].n_t; j++)
			if (ours->p[i].t[j].type == FGW_IKE_TRANS_DH && ours->p[i].t[j].id == group)
				return true;
	return false;
}

/* RFC 7296 1.2, 1.3: an INVALID_KE_PAYLOAD answer names the group the peer
 * wants; the initiator retries at once with it when it is one we offered
 * (and not the one just refused). Counted either way. */
uint16_t ike_invalid_ke_group(struct fgw_ike_sa *sa, const struct fgw_ike_notify *n,
			      const struct fgw_ike_sa_payload *ours, uint16_t sent)
{
	uint16_t g = n->len == 2 ? (uint16_t)(n->data[0] << 8 | n->data[1]) : 0;

	sa->ike->stats.failures[FGW_IKE_FAIL_INVALID_KE]++;
	if (!ike_proposals_have_group(ours, g) || g == sent) {
		FGW_WARN("IKEv2 SA %u: %s sent INVALID_KE_PAYLOAD for DH group %u (we sent %u): "
			 "no other group of ours to retry with", sa->serial, ike_peer_str(sa), g,
			 sent);
		return 0;
	}
	if (++sa->ke_retries > IKE_INIT_RETRIES) {
		FGW_WARN("IKEv2 SA %u: %s sent INVALID_KE_PAYLOAD again (DH group %u): giving up",
			 sa->serial, ike_peer_str(sa), g);
		return 0;
	}
	FGW_INFO("IKEv2 SA %u: %s wants DH group %u, retrying", sa->serial, ike_peer_str(sa), g);
	return g;
}

/* ---- selection --------------------------------------------------------------------- */

static bool same(const struct fgw_ike_transform *a, const struct fgw_ike_transform *b)
{
	return a->type == b->type && a->id == b->id && a->key_len == b->key_len;
}

static bool in_proposal(const struct fgw_ike_proposal *p, const struct fgw_ike_transform *t)
{
	for (unsigned i = 0; i < p->n_t; i++)
		if (same(&p->t[i], t))
			return true;
	return false;
}

static bool has_type(const struct fgw_ike_proposal *p, uint8_t type)
{
	for (unsigned i = 0; i < p->n_t; i++)
		if (p->t[i].type == type)
			return true;
	return false;
}

/* The best choice from peer proposal pp that our proposal op covers: per
 * type, the strongest transform both list. A type either both list (and
 * share one of) or neither lists. Score: ranks, most significant first
 * encryption, integrity, PRF, DH. */
static bool choose(const struct fgw_ike_proposal *pp, const struct fgw_ike_proposal *op,
		   uint8_t protocol, uint16_t ke_group, struct fgw_ike_proposal *out, long *score)
{
	static const uint8_t types[] = { FGW_IKE_TRANS_ENCR, FGW_IKE_TRANS_INTEG, FGW_IKE_TRANS_PRF,
					 FGW_IKE_TRANS_DH, FGW_IKE_TRANS_ESN };

	memset(out, 0, sizeof(*out));
	out->num = pp->num;
	out->protocol = pp->protocol;
	out->spi_len = pp->spi_len;
	memcpy(out->spi, pp->spi, sizeof(out->spi));
	*score = 0;
	for (unsigned k = 0; k < sizeof(types); k++) {
		const struct fgw_ike_transform *best = NULL;
		int best_rank = 0;

		if (!has_type(pp, types[k]) && !has_type(op, types[k])) {
			*score *= 16;
			continue;
		}
		for (unsigned i = 0; i < pp->n_t; i++) {
			const struct fgw_ike_transform *t = &pp->t[i];
			int r = rank(t);

			if (t->type != types[k] || r == 0 || !in_proposal(op, t))
				continue;
			/* The group the peer sent KE for, when we allow it. */
			if (types[k] == FGW_IKE_TRANS_DH && t->id == ke_group)
				r = 15;
			if (r > best_rank) {
				best = t;
				best_rank = r;
			}
		}
		if (best == NULL) {
			/* ESP without ESN in our proposal: the peer's "no" is fine. */
			if (types[k] == FGW_IKE_TRANS_ESN && !has_type(op, types[k]))
				continue;
			return false;
		}
		add(out, best->type, best->id, best->key_len);
		*score = *score * 16 + best_rank;
	}
	/* IKE needs all of ENCR, PRF, DH, and INTEG unless AEAD. */
	if (protocol == FGW_IKE_PROTO_IKE &&
	    (!has_type(out, FGW_IKE_TRANS_ENCR) || !has_type(out, FGW_IKE_TRANS_PRF) ||
	     !has_type(out, FGW_IKE_TRANS_DH)))
		return false;
	if (!has_type(out, FGW_IKE_TRANS_ENCR))
		return false;
	if (!is_aead(out->t[0].id) && !has_type(out, FGW_IKE_TRANS_INTEG))
		return false;
	return true;
}

int ike_proposal_select(const struct fgw_ike_sa_payload *peer,
			const struct fgw_ike_sa_payload *ours, uint8_t protocol,
			uint16_t ke_group, struct fgw_ike_proposal *chosen)
{
	struct fgw_ike_proposal cand;
	long best = -1, score;

	for (unsigned i = 0; i < peer->n; i++) {
		const struct fgw_ike_proposal *pp = &peer->p[i];

		if (pp->protocol != protocol)
			continue;
		if (protocol == FGW_IKE_PROTO_ESP && pp->spi_len != 4)
			continue;
		for (unsigned j = 0; j < ours->n; j++) {
			if (ours->p[j].protocol != protocol ||
			    !choose(pp, &ours->p[j], protocol, ke_group, &cand, &score))
				continue;
			if (score > best) {
				best = score;
				*chosen = cand;
			}
		}
	}
	return best < 0 ? -1 : 0;
}

bool ike_proposal_check(const struct fgw_ike_proposal *answer,
			const struct fgw_ike_sa_payload *ours)
{
	for (unsigned j = 0; j < ours->n; j++) {
		const struct fgw_ike_proposal *op = &ours->p[j];
		bool ok = op->protocol == answer->protocol;
		uint8_t seen = 0;

		for (unsigned i = 0; ok && i < answer->n_t; i++) {
			const struct fgw_ike_transform *t = &answer->t[i];

			/* One of each type, each one we offered. */
			if (t->type > 7 || (seen & (1u << t->type)) || !in_proposal(op, t))
				ok = false;
			else
				seen |= (uint8_t)(1u << t->type);
		}
		/* Every type we offered (but ESN, optional) is answered. */
		for (unsigned i = 0; ok && i < op->n_t; i++)
			if (op->t[i].type != FGW_IKE_TRANS_ESN && !(seen & (1u << op->t[i].type)))
				ok = false;
		if (ok)
			return true;
	}
	return false;
}

/* ---- IKE SA rekey: the PRF stays ------------------------------------------------ */

/* The suite of an IKE SA as one wire proposal. */
static void suite_proposal(const struct fgw_ike_suite *s, struct fgw_ike_proposal *p)
{
	memset(p, 0, sizeof(*p));
	p->num = 1;
	p->protocol = FGW_IKE_PROTO_IKE;
	add(p, FGW_IKE_TRANS_ENCR, s->encr, s->encr_bits);
	add(p, FGW_IKE_TRANS_PRF, s->prf, 0);
	if (s->integ)
		add(p, FGW_IKE_TRANS_INTEG, s->integ, 0);
	add(p, FGW_IKE_TRANS_DH, s->dh, 0);
}

/* One of ours with every PRF but prf left out; false when it lacks prf. */
static bool keep_prf(const struct fgw_ike_proposal *in, uint16_t prf, struct fgw_ike_proposal *out)
{
	struct fgw_ike_transform want = { FGW_IKE_TRANS_PRF, prf, 0 };

	if (!in_proposal(in, &want))
		return false;
	*out = *in;
	out->n_t = 0;
	for (unsigned i = 0; i < in->n_t; i++)
		if (in->t[i].type != FGW_IKE_TRANS_PRF || in->t[i].id == prf)
			out->t[out->n_t++] = in->t[i];
	return true;
}

unsigned ike_proposals_rekey(const struct fgw_ike_sa_payload *ours, const struct fgw_ike_suite *cur,
			     struct fgw_ike_sa_payload *out)
{
	struct fgw_ike_proposal p;

	memset(out, 0, sizeof(*out));
	suite_proposal(cur, &p);
	if (ike_proposal_check(&p, ours))
		out->p[out->n++] = p;
	for (unsigned i = 0; i < ours->n && out->n < FGW_IKE_MAX_PROPOSALS; i++)
		if (ours->p[i].protocol == FGW_IKE_PROTO_IKE && keep_prf(&ours->p[i], cur->prf, &p)) {
			p.num = (uint8_t)(out->n + 1);
			out->p[out->n++] = p;
		}
	return out->n;
}

int ike_proposal_select_rekey(const struct fgw_ike_sa_payload *peer,
			      const struct fgw_ike_sa_payload *ours, const struct fgw_ike_suite *cur,
			      uint16_t ke_group, struct fgw_ike_proposal *chosen)
{
	static struct fgw_ike_sa_payload keep;

	if (ike_proposals_rekey(ours, cur, &keep) == 0)
		return -1;
	/* The first is the suite itself when we still allow it: alone, it
	 * matches only a peer proposal that holds all of it. */
	if (keep.n > 1) {
		unsigned n = keep.n;
		struct fgw_ike_suite s;

		keep.n = 1;
		if (ike_proposal_select(peer, &keep, FGW_IKE_PROTO_IKE, ke_group, chosen) == 0) {
			ike_proposal_suite(chosen, &s);
			if (memcmp(&s, cur, sizeof(s)) == 0)
				return 0;
		}
		keep.n = n;
	}
	return ike_proposal_select(peer, &keep, FGW_IKE_PROTO_IKE, ke_group, chosen);
}

void ike_proposal_suite(const struct fgw_ike_proposal *p, struct fgw_ike_suite *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < p->n_t; i++) {
		const struct fgw_ike_transform *t = &p->t[i];

		switch (t->type) {
		case FGW_IKE_TRANS_ENCR: s->encr = t->id; s->encr_bits = t->key_len; break;
		case FGW_IKE_TRANS_INTEG: s->integ = t->id; break;
		case FGW_IKE_TRANS_PRF: s->prf = t->id; break;
		case FGW_IKE_TRANS_DH: s->dh = t->id; break;
		}
	}
}

void ike_proposal_esp(const struct fgw_ike_proposal *p, struct esp_transform *e)
{
	memset(e, 0, sizeof(*e));
	for (unsigned i = 0; i < p->n_t; i++) {
		const struct fgw_ike_transform *t = &p->t[i];

		switch (t->type) {
		case FGW_IKE_TRANS_ENCR: e->encr = t->id; e->encr_bits = t->key_len; break;
		case FGW_IKE_TRANS_INTEG: e->integ = t->id; break;
		case FGW_IKE_TRANS_DH: e->dh = t->id; break;
		case FGW_IKE_TRANS_ESN: e->esn = t->id == FGW_IKE_ESN_YES; break;
		}
	}
}
