/* The transforms this build supports, their lengths and their names, in
 * one table per transform type. Names follow what IOS prints in `show
 * crypto ikev2 sa detailed` / `show crypto ikev2 proposal`. */
#include "controlplane/ikev2/crypto_impl.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct hash_alg {
	uint16_t id;
	const char *digest;	/* OpenSSL name */
	const char *name;
	size_t len;		/* PRF output / integrity key */
	size_t icv_len;		/* truncated integrity output (RFC 4868) */
};

/* PRF HMAC-<hash> (RFC 2104, 4868): output and preferred key = digest. */
static const struct hash_alg prfs[] = {
	{ FGW_IKE_PRF_HMAC_SHA1, "SHA1", "SHA1", 20, 0 },
	{ FGW_IKE_PRF_HMAC_SHA2_256, "SHA256", "SHA256", 32, 0 },
	{ FGW_IKE_PRF_HMAC_SHA2_384, "SHA384", "SHA384", 48, 0 },
	{ FGW_IKE_PRF_HMAC_SHA2_512, "SHA512", "SHA512", 64, 0 },
};

/* Integrity HMAC-<hash>-<icv bits>: key = digest length (RFC 2404, 4868). */
static const struct hash_alg integs[] = {
	{ FGW_IKE_INTEG_HMAC_SHA1_96, "SHA1", "SHA1", 20, 12 },
	{ FGW_IKE_INTEG_HMAC_SHA2_256_128, "SHA256", "SHA256", 32, 16 },
	{ FGW_IKE_INTEG_HMAC_SHA2_384_192, "SHA384", "SHA384", 48, 24 },
	{ FGW_IKE_INTEG_HMAC_SHA2_512_256, "SHA512", "SHA512", 64, 32 },
};

static const struct hash_alg *find(const struct hash_alg *t, size_t n, uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

static const struct {
	uint16_t group;
	const char *name;
} groups[] = {
	{ 14, "DH_GROUP_2048_MODP/Group 14" },
	{ 15, "DH_GROUP_3072_MODP/Group 15" },
	{ 16, "DH_GROUP_4096_MODP/Group 16" },
	{ 19, "DH_GROUP_256_ECP/Group 19" },
	{ 20, "DH_GROUP_384_ECP/Group 20" },
	{ 21, "DH_GROUP_521_ECP/Group 21" },
	{ 31, "DH_GROUP_256_CURVE25519/Group 31" },
};

bool fgw_ike_encr_supported(uint16_t encr, uint16_t bits)
{
	return (encr == FGW_IKE_ENCR_ID_AES_CBC || encr == FGW_IKE_ENCR_ID_AES_GCM_16) &&
	       (bits == 128 || bits == 256);
}

bool fgw_ike_integ_supported(uint16_t integ)
{
	return find(integs, COUNT(integs), integ) != NULL;
}

bool fgw_ike_prf_supported(uint16_t prf)
{
	return find(prfs, COUNT(prfs), prf) != NULL;
}

bool fgw_ike_dh_supported(uint16_t group)
{
	for (size_t i = 0; i < COUNT(groups); i++)
		if (groups[i].group == group)
			return true;
	return false;
}

size_t fgw_ike_prf_len(uint16_t prf)
{
	const struct hash_alg *a = find(prfs, COUNT(prfs), prf);

	return a ? a->len : 0;
}

size_t fgw_ike_integ_key_len(uint16_t integ)
{
	const struct hash_alg *a = find(integs, COUNT(integs), integ);

	return a ? a->len : 0;
}

size_t fgw_ike_integ_icv_len(uint16_t integ)
{
	const struct hash_alg *a = find(integs, COUNT(integs), integ);

	return a ? a->icv_len : 0;
}

const char *fgw_ike_prf_digest(uint16_t prf)
{
	const struct hash_alg *a = find(prfs, COUNT(prfs), prf);

	return a ? a->digest : NULL;
}

const char *fgw_ike_integ_digest(uint16_t integ)
{
	const struct hash_alg *a = find(integs, COUNT(integs), integ);

	return a ? a->digest : NULL;
}

size_t fgw_ike_encr_key_len(uint16_t encr, uint16_t bits)
{
	if (!fgw_ike_encr_supported(encr, bits))
		return 0;
	return bits / 8 + (encr == FGW_IKE_ENCR_ID_AES_GCM_16 ? 4 : 0);
}

size_t fgw_ike_encr_iv_len(uint16_t encr)
{
	switch (encr) {
	case FGW_IKE_ENCR_ID_AES_CBC:
		return 16;
	case FGW_IKE_ENCR_ID_AES_GCM_16:
		return 8;
	default:
		return 0;
	}
}

size_t fgw_ike_encr_icv_len(uint16_t encr)
{
	return encr == FGW_IKE_ENCR_ID_AES_GCM_16 ? 16 : 0;
}

const char *fgw_ike_encr_name(uint16_t encr, uint16_t bits)
{
	if (encr == FGW_IKE_ENCR_ID_AES_CBC && bits == 128)
		return "AES-CBC-128";
	if (encr == FGW_IKE_ENCR_ID_AES_CBC && bits == 256)
		return "AES-CBC-256";
	if (encr == FGW_IKE_ENCR_ID_AES_GCM_16 && bits == 128)
		return "AES-GCM-128";
	if (encr == FGW_IKE_ENCR_ID_AES_GCM_16 && bits == 256)
		return "AES-GCM-256";
	return "unknown";
}

const char *fgw_ike_integ_name(uint16_t integ)
{
	const struct hash_alg *a = find(integs, COUNT(integs), integ);

	return a ? a->name : integ == FGW_IKE_INTEG_NONE ? "none" : "unknown";
}

const char *fgw_ike_prf_name(uint16_t prf)
{
	const struct hash_alg *a = find(prfs, COUNT(prfs), prf);

	return a ? a->name : "unknown";
}

const char *fgw_ike_dh_name(uint16_t group)
{
	for (size_t i = 0; i < COUNT(groups); i++)
		if (groups[i].group == group)
			return groups[i].name;
	return "unknown";
}
