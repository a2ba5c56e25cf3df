/* HMAC (every PRF and integrity transform of ours is one), the PRF and
 * prf+ of RFC 7296 2.13, on OpenSSL 3's EVP_MAC. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "controlplane/ikev2/crypto_impl.h"

/* Fetched once: the control lcore is the only caller, and a fetch per
 * message would repeat a name lookup for nothing. */
static EVP_MAC *hmac_mac(void)
{
	static EVP_MAC *mac;

	if (!mac)
		mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	return mac;
}

int fgw_ike_hmac(const char *digest, const uint8_t *key, size_t key_len,
		 const struct fgw_ike_chunk *data, unsigned n, uint8_t *out, size_t out_len)
{
	uint8_t full[EVP_MAX_MD_SIZE];
	EVP_MAC *mac = hmac_mac();
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	size_t full_len = 0;
	int ret = -1;

	if (!mac || !digest)
		return -1;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* An empty key is legal HMAC; OpenSSL wants a non-NULL pointer. */
	if (!EVP_MAC_init(ctx, key_len ? key : (const uint8_t *)"", key_len, params))
		goto out;
	for (unsigned i = 0; i < n; i++)
		if (data[i].len && !EVP_MAC_update(ctx, data[i].p, data[i].len))
			goto out;
	if (!EVP_MAC_final(ctx, full, &full_len, sizeof(full)) || out_len > full_len)
		goto out;
	memcpy(out, full, out_len);
	ret = 0;
out:
	OPENSSL_cleanse(full, sizeof(full));
	EVP_MAC_CTX_free(ctx);
	return ret;
}

int fgw_ike_prf(uint16_t prf, const uint8_t *key, size_t key_len,
		const struct fgw_ike_chunk *data, unsigned n, uint8_t *out)
{
	return fgw_ike_hmac(fgw_ike_prf_digest(prf), key, key_len, data, n, out,
			    fgw_ike_prf_len(prf));
}

/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n): the seed is passed
 * as chunks between the previous block and the counter, never copied. */
#define SEED_CHUNKS_MAX 8

int fgw_ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len,
		     const struct fgw_ike_chunk *seed, unsigned n, uint8_t *out,
		     size_t out_len)
{
	size_t block = fgw_ike_prf_len(prf), done = 0;
	struct fgw_ike_chunk in[SEED_CHUNKS_MAX + 2];
	uint8_t t[FGW_IKE_PRF_MAX], counter = 1;
	int ret = -1;

	if (!block || n > SEED_CHUNKS_MAX || out_len > 255 * block)
		return -1;
	while (done < out_len) {
		unsigned k = 0;
		size_t take;

		if (done)
			in[k++] = (struct fgw_ike_chunk){ t, block };
		for (unsigned i = 0; i < n; i++)
			in[k++] = seed[i];
		in[k++] = (struct fgw_ike_chunk){ &counter, 1 };
		if (fgw_ike_prf(prf, key, key_len, in, k, t))
			goto out;
		take = out_len - done < block ? out_len - done : block;
		memcpy(out + done, t, take);
		done += take;
		counter++;
	}
	ret = 0;
out:
	OPENSSL_cleanse(t, sizeof(t));
	return ret;
}
