/* SKEYSEED and the seven IKE SA secrets (RFC 7296 2.14), their IKE SA
 * rekey variant (2.18), and CHILD SA KEYMAT (2.17). */
#include <string.h>

#include <openssl/crypto.h>

#include "controlplane/ikev2/crypto_impl.h"

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static bool nonce_ok(size_t len)
{
	return len > 0 && len <= FGW_IKE_NONCE_MAX;
}

/* Lengths from k->suite; false when the suite is not one we support. */
static bool suite_lengths(struct fgw_ike_keys *k)
{
	const struct fgw_ike_suite *s = &k->suite;
	bool aead = s->encr == FGW_IKE_ENCR_ID_AES_GCM_16;

	if (!fgw_ike_prf_supported(s->prf) || !fgw_ike_encr_supported(s->encr, s->encr_bits))
		return false;
	if (aead ? s->integ != FGW_IKE_INTEG_NONE : !fgw_ike_integ_supported(s->integ))
		return false;
	k->prf_len = fgw_ike_prf_len(s->prf);
	k->ei_len = fgw_ike_encr_key_len(s->encr, s->encr_bits);
	k->ai_len = aead ? 0 : fgw_ike_integ_key_len(s->integ);
	return true;
}

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
static int split_keys(struct fgw_ike_keys *k, const uint8_t *skeyseed, size_t skeyseed_len,
		      const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		      uint64_t spi_i, uint64_t spi_r)
{
	uint8_t spis[16], out[3 * FGW_IKE_PRF_MAX + 2 * FGW_IKE_PRF_MAX + 2 * (32 + 4)];
	size_t len = 3 * k->prf_len + 2 * k->ai_len + 2 * k->ei_len, off = 0;
	const struct fgw_ike_chunk seed[] = { { ni, ni_len }, { nr, nr_len }, { spis, 16 } };
	int ret;

	put_be64(spis, spi_i);
	put_be64(spis + 8, spi_r);
	ret = fgw_ike_prf_plus(k->suite.prf, skeyseed, skeyseed_len, seed, 3, out, len);
	if (ret == 0) {
		memcpy(k->sk_d, out + off, k->prf_len), off += k->prf_len;
		memcpy(k->sk_ai, out + off, k->ai_len), off += k->ai_len;
		memcpy(k->sk_ar, out + off, k->ai_len), off += k->ai_len;
		memcpy(k->sk_ei, out + off, k->ei_len), off += k->ei_len;
		memcpy(k->sk_er, out + off, k->ei_len), off += k->ei_len;
		memcpy(k->sk_pi, out + off, k->prf_len), off += k->prf_len;
		memcpy(k->sk_pr, out + off, k->prf_len);
	}
	OPENSSL_cleanse(out, sizeof(out));
	return ret;
}

int fgw_ike_keys_derive(struct fgw_ike_keys *k, const uint8_t *g_ir, size_t g_ir_len,
			const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			uint64_t spi_i, uint64_t spi_r)
{
	uint8_t nonces[2 * FGW_IKE_NONCE_MAX], skeyseed[FGW_IKE_PRF_MAX];
	const struct fgw_ike_chunk data = { g_ir, g_ir_len };
	int ret = -1;

	if (!suite_lengths(k) || !nonce_ok(ni_len) || !nonce_ok(nr_len) ||
	    !g_ir_len || g_ir_len > FGW_IKE_DH_MAX)
		return -1;
	/* SKEYSEED = prf(Ni | Nr, g^ir): the nonces are the HMAC key. */
	memcpy(nonces, ni, ni_len);
	memcpy(nonces + ni_len, nr, nr_len);
	if (fgw_ike_prf(k->suite.prf, nonces, ni_len + nr_len, &data, 1, skeyseed) == 0)
		ret = split_keys(k, skeyseed, k->prf_len, ni, ni_len, nr, nr_len, spi_i, spi_r);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return ret;
}

int fgw_ike_keys_derive_rekey(struct fgw_ike_keys *k, const struct fgw_ike_keys *old,
			      const uint8_t *g_ir, size_t g_ir_len,
			      const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			      uint64_t spi_i, uint64_t spi_r)
{
	uint8_t skeyseed[FGW_IKE_PRF_MAX];
	const struct fgw_ike_chunk data[] = { { g_ir, g_ir_len }, { ni, ni_len }, { nr, nr_len } };
	int ret = -1;

	if (!suite_lengths(k) || !nonce_ok(ni_len) || !nonce_ok(nr_len) ||
	    !g_ir_len || g_ir_len > FGW_IKE_DH_MAX || !old->prf_len)
		return -1;
	/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old SA's
	 * PRF, since the exchange belongs to the old SA; prf+ then runs with
	 * the new SA's PRF, keyed by SKEYSEED at the old PRF's length.
	 * strongSwan runs prf+ with the old PRF too, so a rekey never
	 * changes the PRF (ike_proposals_rekey) and the two agree. */
	if (fgw_ike_prf(old->suite.prf, old->sk_d, old->prf_len, data, 3, skeyseed) == 0)
		ret = split_keys(k, skeyseed, old->prf_len, ni, ni_len, nr, nr_len, spi_i, spi_r);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return ret;
}

void fgw_ike_keys_wipe(struct fgw_ike_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int fgw_ike_child_keymat(const struct fgw_ike_keys *k, const uint8_t *g_ir, size_t g_ir_len,
			 const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			 uint8_t *out, size_t len)
{
	const struct fgw_ike_chunk pfs[] = { { g_ir, g_ir_len }, { ni, ni_len }, { nr, nr_len } };
	const struct fgw_ike_chunk *seed = g_ir ? pfs : pfs + 1;

	if (!k->prf_len || !nonce_ok(ni_len) || !nonce_ok(nr_len) ||
	    (g_ir && (!g_ir_len || g_ir_len > FGW_IKE_DH_MAX)))
		return -1;
	return fgw_ike_prf_plus(k->suite.prf, k->sk_d, k->prf_len, seed, g_ir ? 3 : 2, out, len);
}
