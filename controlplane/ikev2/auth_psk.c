/* The AUTH value of a pre-shared key (RFC 7296 2.15):
 *   prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
 *   SignedOctets = RealMessage | Nonce(peer) | prf(SK_p, RestOfIDPayload) */
#include <openssl/crypto.h>

#include "controlplane/ikev2/crypto_impl.h"

static const char key_pad[] = "Key Pad for IKEv2";	/* 17 octets, no NUL */

int fgw_ike_auth_psk(const struct fgw_ike_keys *k, bool signer_is_initiator,
		     const uint8_t *psk, size_t psk_len,
		     const uint8_t *real_msg, size_t real_msg_len,
		     const uint8_t *nonce, size_t nonce_len,
		     const uint8_t *id_body, size_t id_body_len, uint8_t *out)
{
	uint16_t prf = k->suite.prf;
	uint8_t maced_id[FGW_IKE_PRF_MAX], psk_key[FGW_IKE_PRF_MAX];
	const struct fgw_ike_chunk id = { id_body, id_body_len };
	const struct fgw_ike_chunk pad = { (const uint8_t *)key_pad, sizeof(key_pad) - 1 };
	const struct fgw_ike_chunk signed_octets[] = {
		{ real_msg, real_msg_len }, { nonce, nonce_len }, { maced_id, k->prf_len },
	};
	int ret = -1;

	if (!k->prf_len || !psk_len)
		return -1;
	if (fgw_ike_prf(prf, signer_is_initiator ? k->sk_pi : k->sk_pr, k->prf_len, &id, 1,
			maced_id) == 0 &&
	    fgw_ike_prf(prf, psk, psk_len, &pad, 1, psk_key) == 0 &&
	    fgw_ike_prf(prf, psk_key, k->prf_len, signed_octets, 3, out) == 0)
		ret = 0;
	OPENSSL_cleanse(psk_key, sizeof(psk_key));
	OPENSSL_cleanse(maced_id, sizeof(maced_id));
	return ret;
}
