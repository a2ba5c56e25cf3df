/* IKE SA rekey proposals (controlplane/ikev2/proposals.c): the PRF of an
 * IKE SA never changes in a rekey. As initiator we offer the suite in use
 * first, then our proposals cut down to its PRF; as responder we keep the
 * suite in use when the peer offers it, else the best choice with its PRF,
 * and refuse a choice that only another PRF allows. The peer proposals are
 * what strongSwan offers for "aes128-sha256-ecp256, aes256-sha512-modp2048". */
#include <string.h>

#include "controlplane/ikev2/engine.h"
#include "tests/unit/unit.h"

enum { AES_CBC = FGW_IKE_ENCR_ID_AES_CBC, P256 = FGW_IKE_PRF_HMAC_SHA2_256,
       P512 = FGW_IKE_PRF_HMAC_SHA2_512, I256 = FGW_IKE_INTEG_HMAC_SHA2_256_128,
       I512 = FGW_IKE_INTEG_HMAC_SHA2_512_256 };

static struct fgw_ike_sa_payload ours, peer, offer;

/* proposals.c names the peer in its INVALID_KE log lines (ike.c, the
 * engine, is not linked here); no case below logs. */
const char *ike_peer_str(const struct fgw_ike_sa *sa)
{
	(void)sa;
	return "peer";
}

static void t(struct fgw_ike_proposal *p, uint8_t type, uint16_t id, uint16_t key_len)
{
	p->t[p->n_t++] = (struct fgw_ike_transform){ type, id, key_len };
}

/* One IKE proposal: AES-AES_CBC at bits1 (and bits2 when not 0), prf/integ
 * pairs for hash1 (and hash2), groups g1 (and g2). */
static void proposal(struct fgw_ike_sa_payload *sa, uint16_t bits1, uint16_t bits2,
		     uint16_t prf1, uint16_t integ1, uint16_t prf2, uint16_t integ2,
		     uint16_t g1, uint16_t g2)
{
	struct fgw_ike_proposal *p = &sa->p[sa->n++];

	memset(p, 0, sizeof(*p));
	p->num = (uint8_t)sa->n;
	p->protocol = FGW_IKE_PROTO_IKE;
	t(p, FGW_IKE_TRANS_ENCR, AES_CBC, bits1);
	if (bits2)
		t(p, FGW_IKE_TRANS_ENCR, AES_CBC, bits2);
	t(p, FGW_IKE_TRANS_PRF, prf1, 0);
	if (prf2)
		t(p, FGW_IKE_TRANS_PRF, prf2, 0);
	t(p, FGW_IKE_TRANS_INTEG, integ1, 0);
	if (integ2)
		t(p, FGW_IKE_TRANS_INTEG, integ2, 0);
	t(p, FGW_IKE_TRANS_DH, g1, 0);
	if (g2)
		t(p, FGW_IKE_TRANS_DH, g2, 0);
}

static unsigned count(const struct fgw_ike_proposal *p, uint8_t type, uint16_t id)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->n_t; i++)
		n += p->t[i].type == type && (id == 0 || p->t[i].id == id);
	return n;
}

/* Ours: one proposal allowing everything (flexgw's "aes256-aes128-
 * sha512-sha256-modp2048-ecp256"). */
static void ours_all(void)
{
	memset(&ours, 0, sizeof(ours));
	proposal(&ours, 256, 128, P512, I512, P256, I256, 14, 19);
}

static void peer_strongswan(void)
{
	memset(&peer, 0, sizeof(peer));
	proposal(&peer, 128, 0, P256, I256, 0, 0, 19, 0);
	proposal(&peer, 256, 0, P512, I512, 0, 0, 14, 0);
	for (unsigned i = 0; i < peer.n; i++) {
		peer.p[i].spi_len = 8;
		memset(peer.p[i].spi, 0x11, 8);
	}
}

static const struct fgw_ike_suite cur256 = { AES_CBC, 128, I256, P256, 19 };

static bool offer_suite_first_then_same_prf(void)
{
	struct fgw_ike_suite s;

	ours_all();
	EXPECT(ike_proposals_rekey(&ours, &cur256, &offer) == 2, "%u", offer.n);
	ike_proposal_suite(&offer.p[0], &s);
	EXPECT(memcmp(&s, &cur256, sizeof(s)) == 0 && offer.p[0].n_t == 4, "first is the suite");
	EXPECT(count(&offer.p[1], FGW_IKE_TRANS_PRF, 0) == 1 &&
	       count(&offer.p[1], FGW_IKE_TRANS_PRF, P256) == 1, "only PRF SHA-256");
	EXPECT(count(&offer.p[1], FGW_IKE_TRANS_ENCR, 0) == 2 &&
	       count(&offer.p[1], FGW_IKE_TRANS_INTEG, 0) == 2 &&
	       count(&offer.p[1], FGW_IKE_TRANS_DH, 0) == 2, "the rest as configured");
	EXPECT(offer.p[0].num == 1 && offer.p[1].num == 2, "numbered");
	return true;
}

static bool offer_drops_proposals_of_other_prfs(void)
{
	memset(&ours, 0, sizeof(ours));
	proposal(&ours, 256, 0, P512, I512, 0, 0, 14, 0);
	proposal(&ours, 128, 0, P256, I256, 0, 0, 19, 0);
	EXPECT(ike_proposals_rekey(&ours, &cur256, &offer) == 2, "%u", offer.n);
	for (unsigned i = 0; i < offer.n; i++)
		EXPECT(count(&offer.p[i], FGW_IKE_TRANS_PRF, P512) == 0, "proposal %u", i);
	return true;
}

static bool offer_without_the_suite_when_not_allowed(void)
{
	const struct fgw_ike_suite cur20 = { AES_CBC, 128, I256, P256, 20 };

	ours_all();
	EXPECT(ike_proposals_rekey(&ours, &cur20, &offer) == 1, "%u", offer.n);
	EXPECT(count(&offer.p[0], FGW_IKE_TRANS_DH, 20) == 0 &&
	       count(&offer.p[0], FGW_IKE_TRANS_PRF, 0) == 1, "ours, cut to the PRF");
	return true;
}

static bool offer_none_when_prf_gone(void)
{
	memset(&ours, 0, sizeof(ours));
	proposal(&ours, 256, 0, P512, I512, 0, 0, 14, 0);
	EXPECT(ike_proposals_rekey(&ours, &cur256, &offer) == 0, "%u", offer.n);
	return true;
}

static bool responder_keeps_the_suite(void)
{
	struct fgw_ike_proposal chosen;
	struct fgw_ike_suite s;

	ours_all();
	peer_strongswan();
	/* from scratch the strongest: aes256/sha512 */
	EXPECT(ike_proposal_select(&peer, &ours, FGW_IKE_PROTO_IKE, 19, &chosen) == 0, "select");
	ike_proposal_suite(&chosen, &s);
	EXPECT(s.prf == P512 && s.encr_bits == 256, "the strongest");
	/* a rekey keeps what is in use, whatever KE the peer sent */
	for (uint16_t ke = 14; ke <= 19; ke += 5) {
		EXPECT(ike_proposal_select_rekey(&peer, &ours, &cur256, ke, &chosen) == 0, "rekey");
		ike_proposal_suite(&chosen, &s);
		EXPECT(memcmp(&s, &cur256, sizeof(s)) == 0, "ke %u: prf %u bits %u dh %u", ke, s.prf,
		       s.encr_bits, s.dh);
		EXPECT(chosen.num == 1 && chosen.spi_len == 8 && chosen.spi[0] == 0x11,
		       "the peer's number and SPI");
	}
	return true;
}

static bool responder_keeps_the_prf(void)
{
	const struct fgw_ike_suite cur = { AES_CBC, 256, I256, P256, 14 };
	struct fgw_ike_proposal chosen;
	struct fgw_ike_suite s;

	/* the exact suite is not offered: the best with PRF SHA-256 */
	ours_all();
	peer_strongswan();
	EXPECT(ike_proposal_select_rekey(&peer, &ours, &cur, 19, &chosen) == 0, "rekey");
	ike_proposal_suite(&chosen, &s);
	EXPECT(s.prf == P256 && s.encr_bits == 128 && s.dh == 19, "prf %u", s.prf);
	return true;
}

static bool responder_refuses_another_prf(void)
{
	const struct fgw_ike_suite cur512 = { AES_CBC, 256, I512, P512, 14 };
	struct fgw_ike_proposal chosen;

	ours_all();
	memset(&peer, 0, sizeof(peer));
	proposal(&peer, 128, 0, P256, I256, 0, 0, 19, 0);
	peer.p[0].spi_len = 8;
	EXPECT(ike_proposal_select(&peer, &ours, FGW_IKE_PROTO_IKE, 19, &chosen) == 0, "allowed");
	EXPECT(ike_proposal_select_rekey(&peer, &ours, &cur512, 19, &chosen) < 0, "kept PRF");
	return true;
}

int main(void)
{
	RUN(offer_suite_first_then_same_prf);
	RUN(offer_drops_proposals_of_other_prfs);
	RUN(offer_without_the_suite_when_not_allowed);
	RUN(offer_none_when_prf_gone);
	RUN(responder_keeps_the_suite);
	RUN(responder_keeps_the_prf);
	RUN(responder_refuses_another_prf);
	return unit_summary();
}
