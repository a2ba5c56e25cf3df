/* Diffie-Hellman for IKEv2 on OpenSSL 3: MODP groups 14-16 (RFC 3526,
 * OpenSSL's built-in "modp_*" named groups), ECP groups 19-21 (RFC 5903)
 * and Curve25519 (RFC 8031), with the peer's public value checked as
 * RFC 6989 asks before anything is computed from it. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "controlplane/ikev2/crypto_impl.h"

enum kind { MODP, ECP, X25519 };

static const struct group {
	uint16_t id;
	enum kind kind;
	const char *name;	/* OpenSSL group / curve / key type */
	size_t len;		/* prime / field element octets */
} groups[] = {
	{ 14, MODP, "modp_2048", 256 },
	{ 15, MODP, "modp_3072", 384 },
	{ 16, MODP, "modp_4096", 512 },
	{ 19, ECP, "P-256", 32 },
	{ 20, ECP, "P-384", 48 },
	{ 21, ECP, "P-521", 66 },
	{ 31, X25519, "X25519", 32 },
};

struct fgw_ike_dh {
	const struct group *g;
	EVP_PKEY *key;
};

static const struct group *group_of(uint16_t id)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

size_t fgw_ike_dh_public_len(uint16_t group)
{
	const struct group *g = group_of(group);

	return !g ? 0 : g->kind == ECP ? 2 * g->len : g->len;
}

static EVP_PKEY *modp_keygen(const struct group *g)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->name, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY *key = NULL;

	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 || !EVP_PKEY_CTX_set_params(ctx, params) ||
	    EVP_PKEY_generate(ctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

struct fgw_ike_dh *fgw_ike_dh_new(uint16_t group)
{
	const struct group *g = group_of(group);
	struct fgw_ike_dh *dh;

	if (!g || !(dh = OPENSSL_zalloc(sizeof(*dh))))
		return NULL;
	dh->g = g;
	switch (g->kind) {
	case MODP:
		dh->key = modp_keygen(g);
		break;
	case ECP:
		dh->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", g->name);
		break;
	case X25519:
		dh->key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
		break;
	}
	if (!dh->key) {
		OPENSSL_free(dh);
		return NULL;
	}
	return dh;
}

/* ECP from a known scalar: the public point is computed here, so a test
 * checks our encoding against the published one. */
static EVP_PKEY *ecp_from_private(const struct group *g, const uint8_t *priv, size_t len)
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name_ex(NULL, NULL, EC_curve_nist2nid(g->name));
	BIGNUM *d = BN_bin2bn(priv, (int)len, NULL);
	EC_POINT *q = grp ? EC_POINT_new(grp) : NULL;
	uint8_t pub[1 + 2 * 66];
	size_t pub_len = 0;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;

	if (grp && d && q && bld && ctx && EC_POINT_mul(grp, q, d, NULL, NULL, NULL))
		pub_len = EC_POINT_point2oct(grp, q, POINT_CONVERSION_UNCOMPRESSED, pub,
					     sizeof(pub), NULL);
	if (pub_len &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) <= 0)
		key = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	EC_POINT_free(q);
	BN_clear_free(d);
	EC_GROUP_free(grp);
	return key;
}

struct fgw_ike_dh *fgw_ike_dh_new_private(uint16_t group, const uint8_t *priv, size_t len)
{
	const struct group *g = group_of(group);
	struct fgw_ike_dh *dh;

	if (!g || g->kind == MODP || len != g->len || !(dh = OPENSSL_zalloc(sizeof(*dh))))
		return NULL;
	dh->g = g;
	if (g->kind == ECP)
		dh->key = ecp_from_private(g, priv, len);
	else
		dh->key = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, len);
	if (!dh->key) {
		OPENSSL_free(dh);
		return NULL;
	}
	return dh;
}

uint16_t fgw_ike_dh_group(const struct fgw_ike_dh *dh)
{
	return dh->g->id;
}

int fgw_ike_dh_public(const struct fgw_ike_dh *dh, uint8_t *out, size_t cap)
{
	size_t want = fgw_ike_dh_public_len(dh->g->id), len = 0;
	uint8_t point[1 + 2 * 66];
	BIGNUM *y = NULL;
	int ret = -1;

	if (cap < want)
		return -1;
	switch (dh->g->kind) {
	case MODP:
		/* Big-endian, left-padded to the prime's length (RFC 7296 3.4). */
		if (EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y) &&
		    BN_bn2binpad(y, out, (int)want) == (int)want)
			ret = (int)want;
		BN_free(y);
		break;
	case ECP:
		/* OpenSSL's uncompressed point is 0x04 | x | y; IKE sends x | y. */
		if (EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
						    point, sizeof(point), &len) &&
		    len == want + 1 && point[0] == POINT_CONVERSION_UNCOMPRESSED) {
			memcpy(out, point + 1, want);
			ret = (int)want;
		}
		break;
	case X25519:
		len = cap;
		if (EVP_PKEY_get_raw_public_key(dh->key, out, &len) && len == want)
			ret = (int)want;
		break;
	}
	return ret;
}

/* RFC 6989 2.1: for a safe-prime MODP group, 1 < y < p-1 is the whole
 * check (the length is already the prime's). */
static EVP_PKEY *modp_peer(const struct fgw_ike_dh *dh, const uint8_t *peer, size_t len)
{
	BIGNUM *p = NULL, *y = BN_bin2bn(peer, (int)len, NULL), *pm1 = BN_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY *key = NULL;

	if (y && pm1 && bld && ctx && EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_FFC_P, &p) &&
	    BN_sub(pm1, p, BN_value_one()) && BN_cmp(y, BN_value_one()) > 0 &&
	    BN_cmp(y, pm1) < 0 &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, dh->g->name, 0) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(pm1);
	BN_free(y);
	BN_free(p);
	return key;
}

/* RFC 6989 2.3: the point must be on the curve (OpenSSL refuses to
 * import one that is not, and the peer check below repeats it). */
static EVP_PKEY *ecp_peer(const struct fgw_ike_dh *dh, const uint8_t *peer, size_t len)
{
	uint8_t point[1 + 2 * 66];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)dh->g->name, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, len + 1),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY *key = NULL;

	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1, peer, len);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

int fgw_ike_dh_shared(struct fgw_ike_dh *dh, const uint8_t *peer, size_t peer_len,
		      uint8_t *out, size_t cap)
{
	size_t want = dh->g->len, len = cap;
	int pad = 1;
	OSSL_PARAM params[] = {
		/* MODP g^ir keeps its leading zeros (RFC 7296 2.14). */
		OSSL_PARAM_construct_int(OSSL_EXCHANGE_PARAM_PAD, &pad),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *other = NULL;
	int ret = -1;

	if (peer_len != fgw_ike_dh_public_len(dh->g->id) || cap < want)
		return -1;
	switch (dh->g->kind) {
	case MODP:
		other = modp_peer(dh, peer, peer_len);
		break;
	case ECP:
		other = ecp_peer(dh, peer, peer_len);
		break;
	case X25519:
		other = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, peer_len);
		break;
	}
	if (!other || !(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL)))
		goto out;
	if (EVP_PKEY_derive_init_ex(ctx, dh->g->kind == MODP ? params : NULL) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, other, 1) <= 0 ||
	    EVP_PKEY_derive(ctx, out, &len) <= 0 || len != want)
		goto out;
	/* RFC 7748 6.1 / RFC 8031 2.3: a low-order peer point gives zero. */
	if (dh->g->kind == X25519 && all_zero(out, len))
		goto out;
	ret = (int)len;
out:
	if (ret < 0)
		OPENSSL_cleanse(out, want <= cap ? want : cap);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(other);
	return ret;
}

void fgw_ike_dh_free(struct fgw_ike_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);		/* OpenSSL clears private key material */
	OPENSSL_free(dh);
}
