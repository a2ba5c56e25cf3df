/* What the files behind crypto.h share and nobody else needs: the HMAC
 * every PRF and integrity transform is built on. */
#ifndef FGW_IKE_CRYPTO_IMPL_H
#define FGW_IKE_CRYPTO_IMPL_H

#include "controlplane/ikev2/crypto.h"

/* OpenSSL's digest name for a PRF or an integrity transform; NULL when
 * unsupported. */
const char *fgw_ike_prf_digest(uint16_t prf);
const char *fgw_ike_integ_digest(uint16_t integ);

/* HMAC-<digest>(key, data[0] | ... | data[n-1]), the first out_len octets
 * (at most the digest's length) into out. 0, or -1. */
int fgw_ike_hmac(const char *digest, const uint8_t *key, size_t key_len,
		 const struct fgw_ike_chunk *data, unsigned n, uint8_t *out, size_t out_len);

#endif
