/* The Encrypted payload (RFC 7296 3.14): AES-CBC with an HMAC ICV, or
 * AES-GCM with its 16-octet tag (RFC 5282). Layout from sk_off on:
 *   generic header (4) | IV | ciphertext (inner chain | padding | pad length) | ICV
 * Both lengths (SK payload's, IKE header's) are final before the ICV or
 * the AAD is computed, since both cover them. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "controlplane/ikev2/crypto_impl.h"

#define GCM_SALT_LEN 4
#define GCM_ICV_LEN 16
#define CBC_BLOCK 16

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, size_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static size_t get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static size_t get32(const uint8_t *p)
{
	return get16(p) << 16 | get16(p + 2);
}

static bool is_gcm(const struct fgw_ike_keys *k)
{
	return k->suite.encr == FGW_IKE_ENCR_ID_AES_GCM_16;
}

static const EVP_CIPHER *cipher_of(const struct fgw_ike_keys *k)
{
	bool big = k->suite.encr_bits == 256;

	if (is_gcm(k))
		return big ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
	return big ? EVP_aes_256_cbc() : EVP_aes_128_cbc();
}

static size_t icv_len(const struct fgw_ike_keys *k)
{
	return is_gcm(k) ? GCM_ICV_LEN : fgw_ike_integ_icv_len(k->suite.integ);
}

/* GCM's 8-octet IV must never repeat under a key (RFC 5282 3.1); one
 * counter for every SA of the process does that without state in the
 * keys. Random start, so two runs are not in lock step. Only the control
 * lcore seals. */
static int gcm_next_iv(uint8_t iv[8])
{
	static uint64_t next;
	static bool seeded;
	uint64_t v;

	if (!seeded) {
		if (fgw_ike_random(&next, sizeof(next)))
			return -1;
		seeded = true;
	}
	v = next++;
	for (int i = 7; i >= 0; i--, v >>= 8)
		iv[i] = (uint8_t)v;
	return 0;
}

/* AES-CBC in place, no OpenSSL padding (ours is IKE's). */
static int cbc(const struct fgw_ike_keys *k, const uint8_t *key, const uint8_t *iv,
	       uint8_t *buf, size_t len, bool enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int out = 0, fin = 0, ret = -1;

	if (ctx && EVP_CipherInit_ex2(ctx, cipher_of(k), key, iv, enc, NULL) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	    EVP_CipherUpdate(ctx, buf, &out, buf, (int)len) &&
	    EVP_CipherFinal_ex(ctx, buf + out, &fin) && (size_t)(out + fin) == len)
		ret = 0;
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

/* AES-GCM in place. Nonce = salt (last 4 octets of the key material) |
 * IV (RFC 5282 4). Sealing writes the tag; opening checks it (-1). */
static int gcm(const struct fgw_ike_keys *k, const uint8_t *key, const uint8_t *iv,
	       const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len, uint8_t *tag,
	       bool enc)
{
	size_t key_len = k->suite.encr_bits / 8;
	uint8_t nonce[GCM_SALT_LEN + 8];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	OSSL_PARAM tag_param[] = {
		OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, GCM_ICV_LEN),
		OSSL_PARAM_construct_end(),
	};
	int out = 0, fin = 0, ret = -1;

	memcpy(nonce, key + key_len, GCM_SALT_LEN);
	memcpy(nonce + GCM_SALT_LEN, iv, 8);
	if (!ctx || !EVP_CipherInit_ex2(ctx, cipher_of(k), key, nonce, enc, NULL) ||
	    !EVP_CipherUpdate(ctx, NULL, &out, aad, (int)aad_len) ||
	    (len && !EVP_CipherUpdate(ctx, buf, &out, buf, (int)len)))
		goto done;
	if (!enc && !EVP_CIPHER_CTX_set_params(ctx, tag_param))
		goto done;
	if (!EVP_CipherFinal_ex(ctx, buf + out, &fin))
		goto done;
	if (enc && !EVP_CIPHER_CTX_get_params(ctx, tag_param))
		goto done;
	ret = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int fgw_ike_sk_seal(const struct fgw_ike_keys *k, bool initiator, uint8_t *msg,
		    size_t sk_off, size_t len, size_t cap)
{
	bool aead = is_gcm(k);
	size_t iv_len = fgw_ike_encr_iv_len(k->suite.encr), icv = icv_len(k);
	size_t body = sk_off + FGW_IKE_PAYLOAD_HDR_LEN + iv_len;
	size_t block = aead ? 1 : CBC_BLOCK, plain_len, pad, ct_len, total;
	const uint8_t *key = initiator ? k->sk_ei : k->sk_er;
	const uint8_t *akey = initiator ? k->sk_ai : k->sk_ar;
	uint8_t *iv;

	if (!k->ei_len || !iv_len || sk_off < FGW_IKE_HDR_LEN || sk_off > len || len < body ||
	    len > cap)
		return -1;
	iv = msg + body - iv_len;
	plain_len = len - body;
	pad = (block - (plain_len + 1) % block) % block;
	ct_len = plain_len + pad + 1;
	total = body + ct_len + icv;
	if (total > cap || total - sk_off > 0xffff || total > 0x7fffffff)
		return -1;
	memset(msg + len, 0, pad);
	msg[len + pad] = (uint8_t)pad;
	put16(msg + sk_off + 2, total - sk_off);
	put32(msg + 24, total);

	if (aead) {
		if (gcm_next_iv(iv) ||
		    gcm(k, key, iv, msg, sk_off + FGW_IKE_PAYLOAD_HDR_LEN, msg + body, ct_len,
			msg + body + ct_len, true))
			return -1;
	} else {
		struct fgw_ike_chunk covered = { msg, body + ct_len };

		if (fgw_ike_random(iv, iv_len) || cbc(k, key, iv, msg + body, ct_len, true) ||
		    fgw_ike_hmac(fgw_ike_integ_digest(k->suite.integ), akey, k->ai_len,
				 &covered, 1, msg + body + ct_len, icv))
			return -1;
	}
	return (int)total;
}

int fgw_ike_sk_open(const struct fgw_ike_keys *k, bool initiator, uint8_t *msg,
		    size_t len, size_t sk_off, const uint8_t **plain, size_t *plain_len)
{
	bool aead = is_gcm(k);
	size_t iv_len = fgw_ike_encr_iv_len(k->suite.encr), icv = icv_len(k);
	size_t body = sk_off + FGW_IKE_PAYLOAD_HDR_LEN + iv_len, ct_len, pad;
	/* What the peer sealed: the other role's keys. */
	const uint8_t *key = initiator ? k->sk_er : k->sk_ei;
	const uint8_t *akey = initiator ? k->sk_ar : k->sk_ai;
	uint8_t *iv, *ct;

	if (!k->ei_len || !iv_len || sk_off < FGW_IKE_HDR_LEN || sk_off > len ||
	    len < body + icv + 1 || len > 0x7fffffff)
		return -2;
	iv = msg + body - iv_len;
	ct = msg + body;
	ct_len = len - body - icv;
	if (!aead && ct_len % CBC_BLOCK)
		return -2;

	/* Authenticate first, on sizes that come from len alone: a changed
	 * length field is then an ICV failure like any other changed octet. */
	if (aead) {
		uint8_t tag[GCM_ICV_LEN];

		memcpy(tag, ct + ct_len, GCM_ICV_LEN);
		if (gcm(k, key, iv, msg, sk_off + FGW_IKE_PAYLOAD_HDR_LEN, ct, ct_len, tag,
			false)) {
			OPENSSL_cleanse(ct, ct_len);	/* unauthenticated plaintext */
			return -1;
		}
	} else {
		struct fgw_ike_chunk covered = { msg, body + ct_len };
		uint8_t mac[FGW_IKE_PRF_MAX];

		if (fgw_ike_hmac(fgw_ike_integ_digest(k->suite.integ), akey, k->ai_len,
				 &covered, 1, mac, icv) ||
		    CRYPTO_memcmp(mac, ct + ct_len, icv) != 0)
			return -1;
		if (cbc(k, key, iv, ct, ct_len, false))
			return -1;
	}
	pad = ct[ct_len - 1];
	if (get16(msg + sk_off + 2) != len - sk_off || get32(msg + 24) != len || pad >= ct_len)
		return -2;
	*plain = ct;
	*plain_len = ct_len - pad - 1;
	return 0;
}
