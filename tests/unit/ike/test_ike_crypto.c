/* IKEv2 crypto (controlplane/ikev2/crypto.h) against published vectors
 * (tests/vectors/, sources named in each file): HMAC PRFs (RFC 2202, 4231,
 * 4868), SKEYSEED / prf+ / KEYMAT (NIST CAVS IKEv2 KDF), ECDH (RFC 5903
 * section 8), X25519 (RFC 7748 6.1); RFC 6989 checks of peer values
 * (MODP against the RFC 3526 primes, off-curve points, low-order X25519
 * points); and the SK payload both ways for every suite, with every octet
 * of a sealed message flipped in turn. */
#include <stdlib.h>
#include <string.h>

#include "controlplane/ikev2/crypto_impl.h"
#include "controlplane/ikev2/message.h"
#include "tests/unit/unit.h"
#include "tests/unit/ipsec/vectors.h"

static const char *hex(const uint8_t *p, size_t n)
{
	static char s[2 * 64 + 4];

	if (n > 64)
		n = 64;
	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	s[2 * n] = '\0';
	return s;
}

static void report(const char *what, const char *source, bool ok)
{
	char name[256];

	snprintf(name, sizeof(name), "%s: %s", what, source);
	unit_report(name, ok);
}

/* Every record of a vector file through each(); a file that cannot be read
 * or holds a malformed record is a failed case of its own. */
static void vectors(const char *file, void (*each)(const struct vec *v))
{
	static struct vec v;
	FILE *f = vec_open(file);
	int r = -1;

	while (f && (r = vec_next(f, &v)) == 1)
		each(&v);
	if (r < 0) {
		snprintf(unit_why, sizeof(unit_why), "cannot read it, or a malformed record");
		unit_report(file, false);
	}
	if (f)
		fclose(f);
}

static uint16_t prf_of(const char *alg)
{
	if (!strcmp(alg, "hmac-sha1"))
		return FGW_IKE_PRF_HMAC_SHA1;
	if (!strcmp(alg, "hmac-sha256"))
		return FGW_IKE_PRF_HMAC_SHA2_256;
	if (!strcmp(alg, "hmac-sha384"))
		return FGW_IKE_PRF_HMAC_SHA2_384;
	if (!strcmp(alg, "hmac-sha512"))
		return FGW_IKE_PRF_HMAC_SHA2_512;
	return 0;
}

/* ---- HMAC / PRF ------------------------------------------------------------ */

/* A full digest through fgw_ike_prf; a truncated one (RFC 2202 digest-96,
 * RFC 4231 case 5, RFC 4868) through the integrity transforms' HMAC. */
static bool hmac_vector(const struct vec *v)
{
	size_t klen, dlen, mlen;
	const uint8_t *key = vec_get(v, "key", &klen), *data = vec_get(v, "data", &dlen);
	const uint8_t *mac = vec_get(v, "mac", &mlen);
	uint16_t prf = prf_of(v->alg);
	struct fgw_ike_chunk c[2] = { { data, dlen / 2 }, { data + dlen / 2, dlen - dlen / 2 } };
	uint8_t out[FGW_IKE_PRF_MAX];

	EXPECT(prf && mac, "record");
	if (mlen == fgw_ike_prf_len(prf)) {
		/* In two chunks: the PRF sees their concatenation. */
		EXPECT(fgw_ike_prf(prf, key, klen, c, 2, out) == 0, "prf failed");
	} else {
		EXPECT(mlen < fgw_ike_prf_len(prf), "mac length");
		EXPECT(fgw_ike_hmac(fgw_ike_prf_digest(prf), key, klen, c, 2, out, mlen) == 0,
		       "hmac failed");
	}
	EXPECT(!memcmp(out, mac, mlen), "got %s", hex(out, mlen));
	return true;
}

/* ---- key derivation ------------------------------------------------------------ */

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

struct kdf {
	uint16_t prf;
	const uint8_t *ni, *nr, *gir, *gir_new, *spii, *spir, *skeyseed, *dkm;
	const uint8_t *dkm_child, *dkm_child_dh, *skeyseed_rekey;
	size_t ni_len, nr_len, gir_len, gir_new_len, spi_len, skeyseed_len, dkm_len;
	size_t child_len, child_dh_len, rekey_len;
};

static bool kdf_load(const struct vec *v, struct kdf *t)
{
	size_t l1, l2;

	memset(t, 0, sizeof(*t));
	t->prf = prf_of(v->alg);
	t->ni = vec_get(v, "ni", &t->ni_len);
	t->nr = vec_get(v, "nr", &t->nr_len);
	t->gir = vec_get(v, "gir", &t->gir_len);
	t->gir_new = vec_get(v, "gir_new", &t->gir_new_len);
	t->spii = vec_get(v, "spii", &l1);
	t->spir = vec_get(v, "spir", &l2);
	t->skeyseed = vec_get(v, "skeyseed", &t->skeyseed_len);
	t->dkm = vec_get(v, "dkm", &t->dkm_len);
	t->dkm_child = vec_get(v, "dkm_child", &t->child_len);
	t->dkm_child_dh = vec_get(v, "dkm_child_dh", &t->child_dh_len);
	t->skeyseed_rekey = vec_get(v, "skeyseed_rekey", &t->rekey_len);
	return t->prf && t->ni && t->nr && t->gir && t->gir_new && l1 == 8 && l2 == 8 &&
	       t->skeyseed_len == fgw_ike_prf_len(t->prf) && t->dkm &&
	       t->rekey_len == fgw_ike_prf_len(t->prf);
}

static bool kdf_skeyseed(const struct kdf *t)
{
	uint8_t nonces[64], out[FGW_IKE_PRF_MAX];
	struct fgw_ike_chunk gir = { t->gir, t->gir_len };

	memcpy(nonces, t->ni, t->ni_len);
	memcpy(nonces + t->ni_len, t->nr, t->nr_len);
	EXPECT(fgw_ike_prf(t->prf, nonces, t->ni_len + t->nr_len, &gir, 1, out) == 0, "prf");
	EXPECT(!memcmp(out, t->skeyseed, t->skeyseed_len), "SKEYSEED %s",
	       hex(out, t->skeyseed_len));
	return true;
}

static bool kdf_prf_plus(const struct kdf *t)
{
	const struct fgw_ike_chunk seed[] = {
		{ t->ni, t->ni_len }, { t->nr, t->nr_len }, { t->spii, 8 }, { t->spir, 8 },
	};
	uint8_t out[VEC_MAX];

	EXPECT(fgw_ike_prf_plus(t->prf, t->skeyseed, t->skeyseed_len, seed, 4, out,
				t->dkm_len) == 0, "prf+");
	EXPECT(!memcmp(out, t->dkm, t->dkm_len), "DKM %s", hex(out, t->dkm_len));
	/* A shorter request is the same stream cut short. */
	EXPECT(fgw_ike_prf_plus(t->prf, t->skeyseed, t->skeyseed_len, seed, 4, out, 15) == 0 &&
	       !memcmp(out, t->dkm, 15), "15-octet DKM");
	return true;
}

/* The seven keys laid end to end, as prf+ produced them. */
static size_t keys_concat(const struct fgw_ike_keys *k, uint8_t *out)
{
	size_t n = 0;

#define PUT(f, l) (memcpy(out + n, k->f, l), n += l)
	PUT(sk_d, k->prf_len);
	PUT(sk_ai, k->ai_len);
	PUT(sk_ar, k->ai_len);
	PUT(sk_ei, k->ei_len);
	PUT(sk_er, k->ei_len);
	PUT(sk_pi, k->prf_len);
	PUT(sk_pr, k->prf_len);
#undef PUT
	return n;
}

static const uint16_t integ_for_prf[][2] = {
	{ FGW_IKE_PRF_HMAC_SHA1, FGW_IKE_INTEG_HMAC_SHA1_96 },
	{ FGW_IKE_PRF_HMAC_SHA2_256, FGW_IKE_INTEG_HMAC_SHA2_256_128 },
	{ FGW_IKE_PRF_HMAC_SHA2_384, FGW_IKE_INTEG_HMAC_SHA2_384_192 },
	{ FGW_IKE_PRF_HMAC_SHA2_512, FGW_IKE_INTEG_HMAC_SHA2_512_256 },
};

static uint16_t integ_of(uint16_t prf)
{
	for (size_t i = 0; i < sizeof(integ_for_prf) / sizeof(integ_for_prf[0]); i++)
		if (integ_for_prf[i][0] == prf)
			return integ_for_prf[i][1];
	return 0;
}

/* fgw_ike_keys_derive splits the published DKM (AES-CBC-128 with the
 * PRF's own hash: 132 octets for SHA-1, a prefix of ours otherwise). */
static bool kdf_keys(const struct kdf *t)
{
	struct fgw_ike_keys k = { .suite = { FGW_IKE_ENCR_ID_AES_CBC, 128, integ_of(t->prf),
					     t->prf, 14 } };
	uint8_t all[512];
	size_t n, cmp;

	EXPECT(fgw_ike_keys_derive(&k, t->gir, t->gir_len, t->ni, t->ni_len, t->nr, t->nr_len,
				   be64(t->spii), be64(t->spir)) == 0, "derive");
	EXPECT(k.prf_len == fgw_ike_prf_len(t->prf) && k.ei_len == 16 &&
	       k.ai_len == fgw_ike_prf_len(t->prf), "lengths %zu %zu %zu", k.prf_len, k.ei_len,
	       k.ai_len);
	n = keys_concat(&k, all);
	cmp = n < t->dkm_len ? n : t->dkm_len;
	EXPECT(!memcmp(all, t->dkm, cmp), "keys %s", hex(all, cmp));
	fgw_ike_keys_wipe(&k);
	EXPECT(k.prf_len == 0 && k.sk_d[0] == 0 && k.sk_pr[0] == 0, "wipe");
	return true;
}

/* IKE SA rekey: SKEYSEED(Rekey) from the published value checks the
 * first step; the keys must then be prf+ of it (checked above). */
static bool kdf_rekey(const struct kdf *t)
{
	struct fgw_ike_keys old = { .suite = { FGW_IKE_ENCR_ID_AES_GCM_16, 256, 0, t->prf, 19 } };
	struct fgw_ike_keys k = { .suite = { FGW_IKE_ENCR_ID_AES_CBC, 256,
					     FGW_IKE_INTEG_HMAC_SHA2_512_256,
					     FGW_IKE_PRF_HMAC_SHA2_512, 31 } };
	const struct fgw_ike_chunk seed[] = {
		{ t->ni, t->ni_len }, { t->nr, t->nr_len }, { t->spii, 8 }, { t->spir, 8 },
	};
	uint8_t stream[512], got[512];
	size_t n;

	old.prf_len = fgw_ike_prf_len(t->prf);
	memcpy(old.sk_d, t->dkm, old.prf_len);
	/* The new SA has another PRF (SHA-512): SKEYSEED still comes from the
	 * old SA's PRF, prf+ from the new one's. */
	EXPECT(fgw_ike_keys_derive_rekey(&k, &old, t->gir_new, t->gir_new_len, t->ni, t->ni_len,
					 t->nr, t->nr_len, be64(t->spii), be64(t->spir)) == 0,
	       "derive_rekey");
	n = 3 * 64 + 2 * 64 + 2 * 32;
	EXPECT(fgw_ike_prf_plus(FGW_IKE_PRF_HMAC_SHA2_512, t->skeyseed_rekey, t->rekey_len, seed,
				4, stream, n) == 0, "prf+");
	EXPECT(keys_concat(&k, got) == n && !memcmp(got, stream, n), "keys %s", hex(got, n));
	return true;
}

static bool kdf_child(const struct kdf *t)
{
	struct fgw_ike_keys k = { .suite = { FGW_IKE_ENCR_ID_AES_CBC, 128, integ_of(t->prf),
					     t->prf, 14 } };
	uint8_t out[VEC_MAX];

	EXPECT(t->dkm_child && t->dkm_child_dh, "record");
	k.prf_len = fgw_ike_prf_len(t->prf);
	memcpy(k.sk_d, t->dkm, k.prf_len);
	EXPECT(fgw_ike_child_keymat(&k, NULL, 0, t->ni, t->ni_len, t->nr, t->nr_len, out,
				    t->child_len) == 0, "keymat");
	EXPECT(!memcmp(out, t->dkm_child, t->child_len), "DKM(Child SA) %s",
	       hex(out, t->child_len));
	EXPECT(fgw_ike_child_keymat(&k, t->gir_new, t->gir_new_len, t->ni, t->ni_len, t->nr,
				    t->nr_len, out, t->child_dh_len) == 0, "keymat pfs");
	EXPECT(!memcmp(out, t->dkm_child_dh, t->child_dh_len), "DKM(Child SA D-H) %s",
	       hex(out, t->child_dh_len));
	return true;
}

static void kdf_record(const struct vec *v)
{
	struct kdf t;
	bool ok = kdf_load(v, &t);

	if (!ok)
		snprintf(unit_why, sizeof(unit_why), "malformed record");
	report("SKEYSEED", v->source, ok && kdf_skeyseed(&t));
	report("prf+ DKM", v->source, ok && kdf_prf_plus(&t));
	report("keys_derive", v->source, ok && kdf_keys(&t));
	report("keys_derive_rekey", v->source, ok && kdf_rekey(&t));
	if (ok && t.dkm_child)
		report("child_keymat", v->source, kdf_child(&t));
}

/* Boundaries of the API: prf+ stops at 255 blocks, nonces within 3.9. */
static bool kdf_limits(void)
{
	static uint8_t big[255 * 20 + 1];
	struct fgw_ike_keys k = { .suite = { FGW_IKE_ENCR_ID_AES_CBC, 128,
					     FGW_IKE_INTEG_HMAC_SHA1_96, FGW_IKE_PRF_HMAC_SHA1,
					     14 } };
	const struct fgw_ike_chunk seed = { big, 4 };
	uint8_t n[FGW_IKE_NONCE_MAX + 1] = { 1 }, g[32] = { 2 };

	EXPECT(fgw_ike_prf_plus(FGW_IKE_PRF_HMAC_SHA1, big, 20, &seed, 1, big, 255 * 20) == 0,
	       "255 blocks");
	EXPECT(fgw_ike_prf_plus(FGW_IKE_PRF_HMAC_SHA1, big, 20, &seed, 1, big, 255 * 20 + 1) < 0,
	       "256 blocks");
	EXPECT(fgw_ike_prf_plus(99, big, 20, &seed, 1, big, 20) < 0, "unknown prf");
	EXPECT(fgw_ike_keys_derive(&k, g, 32, n, FGW_IKE_NONCE_MAX, n, 16, 1, 2) == 0, "max nonce");
	EXPECT(fgw_ike_keys_derive(&k, g, 32, n, FGW_IKE_NONCE_MAX + 1, n, 16, 1, 2) < 0,
	       "nonce too long");
	EXPECT(fgw_ike_keys_derive(&k, g, 32, n, 0, n, 16, 1, 2) < 0, "empty nonce");
	k.suite.integ = FGW_IKE_INTEG_NONE;
	EXPECT(fgw_ike_keys_derive(&k, g, 32, n, 16, n, 16, 1, 2) < 0, "CBC without integrity");
	k.suite = (struct fgw_ike_suite){ FGW_IKE_ENCR_ID_AES_GCM_16, 256,
					  FGW_IKE_INTEG_HMAC_SHA1_96, FGW_IKE_PRF_HMAC_SHA1, 14 };
	EXPECT(fgw_ike_keys_derive(&k, g, 32, n, 16, n, 16, 1, 2) < 0, "GCM with integrity");
	k.suite.integ = FGW_IKE_INTEG_NONE;
	EXPECT(fgw_ike_keys_derive(&k, g, 32, n, 16, n, 16, 1, 2) == 0 && k.ei_len == 36 &&
	       k.ai_len == 0, "GCM key + salt");
	fgw_ike_keys_wipe(&k);
	return true;
}

/* ---- Diffie-Hellman ------------------------------------------------------------- */

static uint16_t group_of(const char *alg)
{
	static const struct { const char *name; uint16_t group; } t[] = {
		{ "ecp256", 19 }, { "ecp384", 20 }, { "ecp521", 21 }, { "x25519", 31 },
		{ "modp2048", 14 }, { "modp3072", 15 }, { "modp4096", 16 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(alg, t[i].name))
			return t[i].group;
	return 0;
}

/* Each side from its published private value: our KE encoding must be
 * the published one, and each side must reach the published g^ir. */
static bool dh_vector(const struct vec *v)
{
	size_t li, lr, lpi, lpr, ls;
	const uint8_t *pi = vec_get(v, "priv_i", &li), *pr = vec_get(v, "priv_r", &lr);
	const uint8_t *gi = vec_get(v, "pub_i", &lpi), *gr = vec_get(v, "pub_r", &lpr);
	const uint8_t *gir = vec_get(v, "shared", &ls);
	uint16_t group = group_of(v->alg);
	struct fgw_ike_dh *a = fgw_ike_dh_new_private(group, pi, li);
	struct fgw_ike_dh *b = fgw_ike_dh_new_private(group, pr, lr);
	uint8_t pub[FGW_IKE_DH_MAX], s[FGW_IKE_DH_MAX];
	bool ok = false;

	if (!a || !b) {
		snprintf(unit_why, sizeof(unit_why), "key from private value failed");
		goto out;
	}
	if (fgw_ike_dh_group(a) != group || fgw_ike_dh_public_len(group) != lpi) {
		snprintf(unit_why, sizeof(unit_why), "group / public length");
		goto out;
	}
	if (fgw_ike_dh_public(a, pub, sizeof(pub)) != (int)lpi || memcmp(pub, gi, lpi)) {
		snprintf(unit_why, sizeof(unit_why), "initiator KE %s", hex(pub, lpi));
		goto out;
	}
	if (fgw_ike_dh_public(b, pub, sizeof(pub)) != (int)lpr || memcmp(pub, gr, lpr)) {
		snprintf(unit_why, sizeof(unit_why), "responder KE %s", hex(pub, lpr));
		goto out;
	}
	if (fgw_ike_dh_shared(a, gr, lpr, s, sizeof(s)) != (int)ls || memcmp(s, gir, ls)) {
		snprintf(unit_why, sizeof(unit_why), "initiator g^ir %s", hex(s, ls));
		goto out;
	}
	if (fgw_ike_dh_shared(b, gi, lpi, s, sizeof(s)) != (int)ls || memcmp(s, gir, ls)) {
		snprintf(unit_why, sizeof(unit_why), "responder g^ir %s", hex(s, ls));
		goto out;
	}
	ok = true;
out:
	fgw_ike_dh_free(a);
	fgw_ike_dh_free(b);
	return ok;
}

/* RFC 6989 on the published peer value, broken in each way it can be. */
static bool ecp_invalid(const struct vec *v)
{
	size_t li, lpr;
	const uint8_t *pi = vec_get(v, "priv_i", &li), *gr = vec_get(v, "pub_r", &lpr);
	uint16_t group = group_of(v->alg);
	struct fgw_ike_dh *a = fgw_ike_dh_new_private(group, pi, li);
	uint8_t bad[FGW_IKE_DH_MAX + 1], s[FGW_IKE_DH_MAX];
	bool ok = false;

	if (!a)
		goto out;
	memcpy(bad, gr, lpr);
	bad[lpr - 1] ^= 1;		/* y changed: off the curve */
	if (fgw_ike_dh_shared(a, bad, lpr, s, sizeof(s)) != -1) {
		snprintf(unit_why, sizeof(unit_why), "off-curve point accepted");
		goto out;
	}
	memset(bad, 0, lpr);		/* (0, 0): no curve point, nor infinity */
	if (fgw_ike_dh_shared(a, bad, lpr, s, sizeof(s)) != -1) {
		snprintf(unit_why, sizeof(unit_why), "all-zero point accepted");
		goto out;
	}
	memset(bad, 0xff, lpr);		/* coordinates >= p */
	if (fgw_ike_dh_shared(a, bad, lpr, s, sizeof(s)) != -1) {
		snprintf(unit_why, sizeof(unit_why), "coordinates past p accepted");
		goto out;
	}
	memcpy(bad, gr, lpr);
	bad[lpr] = 0;
	if (fgw_ike_dh_shared(a, bad, lpr + 1, s, sizeof(s)) != -1 ||
	    fgw_ike_dh_shared(a, bad, lpr - 1, s, sizeof(s)) != -1 ||
	    fgw_ike_dh_shared(a, bad, lpr / 2, s, sizeof(s)) != -1) {
		snprintf(unit_why, sizeof(unit_why), "wrong length accepted");
		goto out;
	}
	/* The good value still works with the same key after all that. */
	if (fgw_ike_dh_shared(a, gr, lpr, s, sizeof(s)) != (int)lpr / 2) {
		snprintf(unit_why, sizeof(unit_why), "valid point refused after bad ones");
		goto out;
	}
	ok = true;
out:
	fgw_ike_dh_free(a);
	return ok;
}

static void dh_record(const struct vec *v)
{
	report("DH known answer", v->source, dh_vector(v));
	if (strcmp(v->alg, "x25519"))
		report("ECP peer value checks", v->source, ecp_invalid(v));
}

/* RFC 7748 section 6.1 / RFC 8031 2.3: points of small order give an
 * all-zero secret, which must be refused. */
static const char *x25519_low_order[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

static bool x25519_rejects_low_order(void)
{
	struct fgw_ike_dh *a = fgw_ike_dh_new(31);
	uint8_t u[32], s[32];
	size_t len;

	EXPECT(a, "keygen");
	for (size_t i = 0; i < sizeof(x25519_low_order) / sizeof(x25519_low_order[0]); i++) {
		vec_hex(x25519_low_order[i], u, sizeof(u), &len);
		if (fgw_ike_dh_shared(a, u, 32, s, sizeof(s)) != -1) {
			fgw_ike_dh_free(a);
			EXPECT(false, "low-order point %zu accepted", i);
		}
	}
	EXPECT(fgw_ike_dh_shared(a, u, 31, s, sizeof(s)) == -1, "short value");
	fgw_ike_dh_free(a);
	return true;
}

/* Two fresh key pairs of every group agree, and the KE values have the
 * RFC's lengths. */
static bool dh_agree(uint16_t group)
{
	struct fgw_ike_dh *a = fgw_ike_dh_new(group), *b = fgw_ike_dh_new(group);
	uint8_t pa[FGW_IKE_DH_MAX], pb[FGW_IKE_DH_MAX], sa[FGW_IKE_DH_MAX], sb[FGW_IKE_DH_MAX];
	int la, lb, ka, kb;
	bool ok = false;

	if (!a || !b) {
		snprintf(unit_why, sizeof(unit_why), "keygen");
		goto out;
	}
	la = fgw_ike_dh_public(a, pa, sizeof(pa));
	lb = fgw_ike_dh_public(b, pb, sizeof(pb));
	ka = fgw_ike_dh_shared(a, pb, lb, sa, sizeof(sa));
	kb = fgw_ike_dh_shared(b, pa, la, sb, sizeof(sb));
	if (la != (int)fgw_ike_dh_public_len(group) || lb != la) {
		snprintf(unit_why, sizeof(unit_why), "public length %d", la);
		goto out;
	}
	if (ka <= 0 || ka != kb || memcmp(sa, sb, ka) || !memcmp(pa, pb, la)) {
		snprintf(unit_why, sizeof(unit_why), "no agreement (%d, %d)", ka, kb);
		goto out;
	}
	/* g^ir is as long as the prime / field (zero-padded, RFC 7296 2.14). */
	if ((group <= 16 && ka != la) || (group >= 19 && group <= 21 && ka != la / 2)) {
		snprintf(unit_why, sizeof(unit_why), "g^ir length %d", ka);
		goto out;
	}
	if (fgw_ike_dh_public(a, pa, la - 1) != -1) {
		snprintf(unit_why, sizeof(unit_why), "public into a short buffer");
		goto out;
	}
	ok = true;
out:
	fgw_ike_dh_free(a);
	fgw_ike_dh_free(b);
	return ok;
}

/* The value big-endian in len octets, minus `sub` (0 or 1; p is odd). */
static void modp_value(uint8_t *out, const uint8_t *p, size_t len, unsigned sub)
{
	memcpy(out, p, len);
	out[len - 1] -= sub;
}

/* RFC 6989 2.1: 0, 1, p-1, p and anything longer or shorter refused;
 * 2 (the generator) passes. */
static bool modp_invalid(const struct vec *v)
{
	size_t plen, n;
	const uint8_t *p = vec_get(v, "p", &plen);
	uint16_t group = group_of(v->alg);
	struct fgw_ike_dh *a = fgw_ike_dh_new(group);
	uint8_t y[FGW_IKE_DH_MAX + 1], s[FGW_IKE_DH_MAX];
	bool ok = false;

	if (!a || !p || plen != fgw_ike_dh_public_len(group)) {
		snprintf(unit_why, sizeof(unit_why), "record / keygen");
		goto out;
	}
	n = plen;
	memset(y, 0, n);
	if (fgw_ike_dh_shared(a, y, n, s, sizeof(s)) != -1) {
		snprintf(unit_why, sizeof(unit_why), "0 accepted");
		goto out;
	}
	y[n - 1] = 1;
	if (fgw_ike_dh_shared(a, y, n, s, sizeof(s)) != -1) {
		snprintf(unit_why, sizeof(unit_why), "1 accepted");
		goto out;
	}
	y[n - 1] = 2;
	if (fgw_ike_dh_shared(a, y, n, s, sizeof(s)) != (int)n) {
		snprintf(unit_why, sizeof(unit_why), "2 refused");
		goto out;
	}
	modp_value(y, p, n, 1);
	if (fgw_ike_dh_shared(a, y, n, s, sizeof(s)) != -1) {
		snprintf(unit_why, sizeof(unit_why), "p-1 accepted");
		goto out;
	}
	modp_value(y, p, n, 0);
	if (fgw_ike_dh_shared(a, y, n, s, sizeof(s)) != -1) {
		snprintf(unit_why, sizeof(unit_why), "p accepted");
		goto out;
	}
	memset(y, 0xff, n);
	if (fgw_ike_dh_shared(a, y, n, s, sizeof(s)) != -1) {
		snprintf(unit_why, sizeof(unit_why), "2^n-1 accepted");
		goto out;
	}
	/* p-2 = -2 lies outside the order-q subgroup that 2 generates (-1 is
	 * no square mod p): refused too, by the subgroup check OpenSSL adds. */
	modp_value(y, p, n, 1);
	y[n - 1] -= 1;
	if (fgw_ike_dh_shared(a, y, n, s, sizeof(s)) != -1) {
		snprintf(unit_why, sizeof(unit_why), "p-2 accepted");
		goto out;
	}
	/* 2 written in one octet less or one more than the prime. */
	memset(y, 0, n + 1);
	y[n - 2] = 2;
	y[n] = 2;
	if (fgw_ike_dh_shared(a, y, n - 1, s, sizeof(s)) != -1 ||
	    fgw_ike_dh_shared(a, y, n + 1, s, sizeof(s)) != -1) {
		snprintf(unit_why, sizeof(unit_why), "wrong length accepted");
		goto out;
	}
	ok = true;
out:
	fgw_ike_dh_free(a);
	return ok;
}

static void modp_record(const struct vec *v)
{
	report("MODP peer value checks", v->source, modp_invalid(v));
}

static bool dh_unsupported(void)
{
	EXPECT(!fgw_ike_dh_new(2) && !fgw_ike_dh_new(5) && !fgw_ike_dh_new(24) &&
	       !fgw_ike_dh_new(0), "legacy or unknown group created");
	EXPECT(!fgw_ike_dh_new_private(14, (const uint8_t *)"x", 1), "MODP from private");
	EXPECT(fgw_ike_dh_public_len(2) == 0, "public length of an unknown group");
	return true;
}

/* ---- SK payload ------------------------------------------------------------------ */

static const struct fgw_ike_suite sk_suites[] = {
	{ FGW_IKE_ENCR_ID_AES_CBC, 128, FGW_IKE_INTEG_HMAC_SHA1_96, FGW_IKE_PRF_HMAC_SHA1, 14 },
	{ FGW_IKE_ENCR_ID_AES_CBC, 128, FGW_IKE_INTEG_HMAC_SHA2_256_128,
	  FGW_IKE_PRF_HMAC_SHA2_256, 31 },
	{ FGW_IKE_ENCR_ID_AES_CBC, 256, FGW_IKE_INTEG_HMAC_SHA2_384_192,
	  FGW_IKE_PRF_HMAC_SHA2_384, 20 },
	{ FGW_IKE_ENCR_ID_AES_CBC, 256, FGW_IKE_INTEG_HMAC_SHA2_512_256,
	  FGW_IKE_PRF_HMAC_SHA2_512, 14 },
	{ FGW_IKE_ENCR_ID_AES_CBC, 256, FGW_IKE_INTEG_HMAC_SHA1_96, FGW_IKE_PRF_HMAC_SHA2_256, 14 },
	{ FGW_IKE_ENCR_ID_AES_GCM_16, 128, FGW_IKE_INTEG_NONE, FGW_IKE_PRF_HMAC_SHA2_256, 19 },
	{ FGW_IKE_ENCR_ID_AES_GCM_16, 256, FGW_IKE_INTEG_NONE, FGW_IKE_PRF_HMAC_SHA2_384, 20 },
	{ FGW_IKE_ENCR_ID_AES_GCM_16, 256, FGW_IKE_INTEG_NONE, FGW_IKE_PRF_HMAC_SHA2_512, 21 },
};

static bool sk_keys(const struct fgw_ike_suite *s, struct fgw_ike_keys *k)
{
	uint8_t g[64], ni[32], nr[32];

	fgw_ike_random(g, sizeof(g));
	fgw_ike_random(ni, sizeof(ni));
	fgw_ike_random(nr, sizeof(nr));
	memset(k, 0, sizeof(*k));
	k->suite = *s;
	return fgw_ike_keys_derive(k, g, sizeof(g), ni, sizeof(ni), nr, sizeof(nr), 0x1122,
				   0x3344) == 0;
}

/* An IKE header (exchange IKE_AUTH), an unencrypted Notify before SK so
 * the AAD is more than the header, then SK and `plain_len` octets. */
static size_t sk_build(const struct fgw_ike_keys *k, uint8_t *msg, size_t plain_len,
		       size_t *sk_off)
{
	size_t iv = fgw_ike_encr_iv_len(k->suite.encr), off = 0;

	memset(msg, 0, FGW_IKE_HDR_LEN);
	for (int i = 0; i < 16; i++)
		msg[i] = (uint8_t)(0xa0 + i);
	msg[16] = FGW_IKE_PL_NOTIFY;
	msg[17] = FGW_IKE_VERSION;
	msg[18] = FGW_IKE_AUTH;
	msg[19] = FGW_IKE_FLAG_INITIATOR;
	msg[23] = 1;
	off = FGW_IKE_HDR_LEN;
	/* Notify: next SK, length 8, protocol 0, spi 0, type 16384 */
	msg[off] = FGW_IKE_PL_SK;
	msg[off + 3] = 8;
	msg[off + 6] = 0x40;
	off += 8;
	*sk_off = off;
	msg[off] = FGW_IKE_PL_IDI;	/* first inner payload */
	off += FGW_IKE_PAYLOAD_HDR_LEN + iv;
	for (size_t i = 0; i < plain_len; i++)
		msg[off + i] = (uint8_t)(i * 7 + 3);
	return off + plain_len;
}

static bool sk_round_trip(const struct fgw_ike_suite *s)
{
	struct fgw_ike_keys k;
	uint8_t msg[2048], copy[2048];
	const uint8_t *plain;
	size_t sk_off, len, plain_len;
	int total;

	EXPECT(sk_keys(s, &k), "derive");
	for (size_t pl = 0; pl <= 70; pl += (pl < 40 ? 1 : 15)) {
		for (int dir = 0; dir < 2; dir++) {
			bool init = dir == 0;
			size_t iv = fgw_ike_encr_iv_len(s->encr);

			len = sk_build(&k, msg, pl, &sk_off);
			total = fgw_ike_sk_seal(&k, init, msg, sk_off, len, sizeof(msg));
			EXPECT(total > (int)len, "seal %zu", pl);
			EXPECT((msg[sk_off + 2] << 8 | msg[sk_off + 3]) == total - (int)sk_off,
			       "SK length");
			EXPECT((size_t)(msg[24] << 24 | msg[25] << 16 | msg[26] << 8 | msg[27]) ==
			       (size_t)total, "header length");
			EXPECT(s->encr != FGW_IKE_ENCR_ID_AES_CBC ||
			       (total - sk_off - 4 - iv - fgw_ike_integ_icv_len(s->integ)) % 16 == 0,
			       "CBC blocks");
			memcpy(copy, msg, total);
			/* The sealer cannot open its own direction. */
			EXPECT(fgw_ike_sk_open(&k, init, copy, total, sk_off, &plain, &plain_len) == -1,
			       "opened with the sender's role");
			memcpy(copy, msg, total);
			EXPECT(fgw_ike_sk_open(&k, !init, copy, total, sk_off, &plain, &plain_len) == 0,
			       "open %zu", pl);
			EXPECT(plain_len == pl && plain == copy + sk_off + 4 + iv, "plain length %zu",
			       plain_len);
			for (size_t i = 0; i < pl; i++)
				EXPECT(plain[i] == (uint8_t)(i * 7 + 3), "plain octet %zu", i);
		}
	}
	fgw_ike_keys_wipe(&k);
	return true;
}

/* Every octet of a sealed message (header, outer payload, SK header,
 * IV, ciphertext, ICV) flipped in turn: authentication fails each time. */
static bool sk_tamper(const struct fgw_ike_suite *s)
{
	struct fgw_ike_keys k;
	uint8_t msg[512], copy[512];
	const uint8_t *plain;
	size_t sk_off, len, plain_len;
	int total;

	EXPECT(sk_keys(s, &k), "derive");
	len = sk_build(&k, msg, 45, &sk_off);
	total = fgw_ike_sk_seal(&k, false, msg, sk_off, len, sizeof(msg));
	EXPECT(total > 0, "seal");
	for (int i = 0; i < total; i++)
		for (int bit = 0; bit < 8; bit += 7) {
			int rc;

			memcpy(copy, msg, total);
			copy[i] ^= (uint8_t)(1 << bit);
			rc = fgw_ike_sk_open(&k, true, copy, total, sk_off, &plain, &plain_len);
			EXPECT(rc == -1, "octet %d bit %d: %d", i, bit, rc);
		}
	memcpy(copy, msg, total);
	EXPECT(fgw_ike_sk_open(&k, true, copy, total, sk_off, &plain, &plain_len) == 0,
	       "untouched copy");
	fgw_ike_keys_wipe(&k);
	return true;
}

/* Sizes that cannot be a sealed message are malformed (-2), not an ICV
 * failure; a message that would not fit the buffer is not sealed. */
static bool sk_malformed(const struct fgw_ike_suite *s)
{
	struct fgw_ike_keys k;
	uint8_t msg[512], copy[512];
	const uint8_t *plain;
	size_t sk_off, len, plain_len, iv = fgw_ike_encr_iv_len(s->encr);
	size_t icv = s->encr == FGW_IKE_ENCR_ID_AES_CBC ? fgw_ike_integ_icv_len(s->integ) : 16;
	int total;

	EXPECT(sk_keys(s, &k), "derive");
	len = sk_build(&k, msg, 20, &sk_off);
	total = fgw_ike_sk_seal(&k, true, msg, sk_off, len, sizeof(msg));
	EXPECT(total > 0, "seal");
	memcpy(copy, msg, total);
	EXPECT(fgw_ike_sk_open(&k, false, copy, sk_off + 4 + iv + icv, sk_off, &plain,
			       &plain_len) == -2, "nothing encrypted");
	EXPECT(fgw_ike_sk_open(&k, false, copy, sk_off + 3, sk_off, &plain, &plain_len) == -2,
	       "cut in the SK header");
	EXPECT(fgw_ike_sk_open(&k, false, copy, total, 10, &plain, &plain_len) == -2,
	       "SK inside the IKE header");
	if (s->encr == FGW_IKE_ENCR_ID_AES_CBC)
		EXPECT(fgw_ike_sk_open(&k, false, copy, total - 1, sk_off, &plain, &plain_len) == -2,
		       "not block aligned");
	/* Any length and SK offset over random octets: refused, never read
	 * past len (the sanitizer build watches). */
	for (size_t l = 0; l <= 160; l++)
		for (size_t off = 0; off <= l + 4; off += 4) {
			uint8_t *junk = malloc(l ? l : 1);
			int rc;

			fgw_ike_random(junk, l);
			rc = fgw_ike_sk_open(&k, false, junk, l, off, &plain, &plain_len);
			free(junk);
			EXPECT(rc == -1 || rc == -2, "len %zu sk_off %zu: %d", l, off, rc);
		}
	len = sk_build(&k, msg, 20, &sk_off);
	EXPECT(fgw_ike_sk_seal(&k, true, msg, sk_off, len, total - 1) == -1, "sealed past cap");
	EXPECT(fgw_ike_sk_seal(&k, true, msg, sk_off, len, total) == total, "exact cap");
	fgw_ike_keys_wipe(&k);
	return true;
}

/* A GCM IV never repeats: two seals of the same message differ in IV. */
static bool sk_gcm_iv_unique(void)
{
	struct fgw_ike_keys k;
	uint8_t a[256], b[256];
	size_t sk_off, len;

	EXPECT(sk_keys(&sk_suites[5], &k), "derive");
	len = sk_build(&k, a, 10, &sk_off);
	sk_build(&k, b, 10, &sk_off);
	EXPECT(fgw_ike_sk_seal(&k, true, a, sk_off, len, sizeof(a)) > 0 &&
	       fgw_ike_sk_seal(&k, true, b, sk_off, len, sizeof(b)) > 0, "seal");
	EXPECT(memcmp(a + sk_off + 4, b + sk_off + 4, 8) != 0, "IV repeated");
	fgw_ike_keys_wipe(&k);
	return true;
}

/* The codec and the crypto agree on the SK layout: a message built with
 * fgw_ike_build_sk_open and sealed parses, opens at the codec's sk_off
 * and decodes back to what was put in. */
static bool sk_with_codec(const struct fgw_ike_suite *s)
{
	struct fgw_ike_keys k;
	struct fgw_ike_hdr hdr = { .spi_i = 0x0102030405060708ull, .spi_r = 0x1112131415161718ull,
				   .version = FGW_IKE_VERSION, .exchange = FGW_IKE_AUTH,
				   .flags = FGW_IKE_FLAG_INITIATOR, .msg_id = 1 };
	static struct fgw_ike_msg m;
	struct fgw_ike_buf b;
	uint8_t buf[1024], auth[48];
	const uint8_t *plain;
	size_t plain_len;
	int total;

	EXPECT(sk_keys(s, &k), "derive");
	fgw_ike_random(auth, sizeof(auth));
	fgw_ike_build_init(&b, buf, sizeof(buf), &hdr);
	fgw_ike_build_sk_open(&b, fgw_ike_encr_iv_len(s->encr));
	fgw_ike_build_id(&b, FGW_IKE_PL_IDI, FGW_IKE_ID_FQDN, (const uint8_t *)"a.example", 9);
	fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_INITIAL_CONTACT, NULL, 0);
	fgw_ike_build_auth(&b, FGW_IKE_AUTH_SHARED_KEY_MIC, auth, sizeof(auth));
	EXPECT(!b.overflow && b.sk_off == FGW_IKE_HDR_LEN, "build");
	total = fgw_ike_sk_seal(&k, true, b.p, b.sk_off, b.len, b.cap);
	EXPECT(total > 0, "seal");
	EXPECT(fgw_ike_parse(buf, (size_t)total, &m) == FGW_IKE_OK, "parse");
	EXPECT(m.has_sk && m.sk_off == FGW_IKE_HDR_LEN && m.sk_first == FGW_IKE_PL_IDI, "SK found");
	EXPECT(fgw_ike_sk_open(&k, false, buf, (size_t)total, m.sk_off, &plain, &plain_len) == 0,
	       "open");
	EXPECT(fgw_ike_parse_inner(&m, plain, plain_len, m.sk_first) == FGW_IKE_OK, "inner");
	EXPECT(m.has_idi && m.idi.len == 9 && !memcmp(m.idi.data, "a.example", 9), "IDi");
	EXPECT(m.has_auth && m.auth.len == sizeof(auth) && !memcmp(m.auth.data, auth, sizeof(auth)),
	       "AUTH");
	EXPECT(fgw_ike_msg_notify(&m, FGW_IKE_N_INITIAL_CONTACT), "notify");
	fgw_ike_keys_wipe(&k);
	return true;
}

static void sk_tests(void)
{
	for (size_t i = 0; i < sizeof(sk_suites) / sizeof(sk_suites[0]); i++) {
		const struct fgw_ike_suite *s = &sk_suites[i];
		char name[64];

		snprintf(name, sizeof(name), "%s/%s/PRF %s", fgw_ike_encr_name(s->encr, s->encr_bits),
			 fgw_ike_integ_name(s->integ), fgw_ike_prf_name(s->prf));
		report("SK round trip", name, sk_round_trip(s));
		report("SK every octet flipped", name, sk_tamper(s));
		report("SK malformed", name, sk_malformed(s));
		report("SK with the codec", name, sk_with_codec(s));
	}
}

/* ---- strongSwan's own sessions ------------------------------------------------- */

/* The body of the first payload of `type` in a chain starting with
 * `first`, or NULL. */
static const uint8_t *find_payload(const uint8_t *p, size_t len, uint8_t first, uint8_t type,
				   size_t *body_len)
{
	size_t off = 0;
	uint8_t t = first;

	while (t && off + 4 <= len) {
		size_t plen = (size_t)p[off + 2] << 8 | p[off + 3];

		if (plen < 4 || off + plen > len)
			return NULL;
		if (t == type) {
			*body_len = plen - 4;
			return p + off + 4;
		}
		t = p[off];
		off += plen;
	}
	return NULL;
}

static bool suite_of(const char *alg, struct fgw_ike_suite *s)
{
	return sscanf(alg, "%hu,%hu,%hu,%hu,%hu", &s->encr, &s->encr_bits, &s->integ, &s->prf,
		      &s->dh) == 5;
}

/* Opens strongSwan's IKE_AUTH message (SK first, at 28) with our keys and
 * checks its AUTH against ours: prf(prf(PSK, pad), msg | nonce | prf(SK_p, ID)). */
static bool check_auth(const struct fgw_ike_keys *k, const uint8_t *sealed, size_t len,
		       bool from_initiator, const uint8_t *psk, size_t psk_len,
		       const uint8_t *init, size_t init_len, const uint8_t *nonce, size_t nonce_len)
{
	uint8_t msg[VEC_MAX], want[FGW_IKE_PRF_MAX];
	const uint8_t *plain, *id, *auth;
	size_t plain_len = 0, id_len = 0, auth_len = 0;

	EXPECT(len <= sizeof(msg) && sealed[16] == FGW_IKE_PL_SK, "record");
	memcpy(msg, sealed, len);
	EXPECT(fgw_ike_sk_open(k, !from_initiator, msg, len, FGW_IKE_HDR_LEN, &plain, &plain_len) == 0,
	       "open IKE_AUTH %s", from_initiator ? "request" : "response");
	id = find_payload(plain, plain_len, msg[FGW_IKE_HDR_LEN],
			  from_initiator ? FGW_IKE_PL_IDI : FGW_IKE_PL_IDR, &id_len);
	auth = find_payload(plain, plain_len, msg[FGW_IKE_HDR_LEN], FGW_IKE_PL_AUTH, &auth_len);
	EXPECT(id && auth && auth_len == 4 + k->prf_len && auth[0] == FGW_IKE_AUTH_SHARED_KEY_MIC,
	       "IDx / AUTH in the inner chain");
	EXPECT(fgw_ike_auth_psk(k, from_initiator, psk, psk_len, init, init_len, nonce, nonce_len,
				id, id_len, want) == 0, "auth_psk");
	EXPECT(!memcmp(want, auth + 4, k->prf_len), "AUTH %s", hex(want, k->prf_len));
	return true;
}

/* IKE_SA_INIT's g^ir -> our SK_* equal charon's; both IKE_AUTH messages
 * open with them and carry the AUTH we compute; the first CHILD SA's
 * KEYMAT equals charon's ESP keys. */
static bool strongswan_ike_sa(const struct vec *v)
{
	size_t gl, nil, nrl, sl, kl, iql, isl, aql, asl, pl, ml;
	const uint8_t *gir = vec_get(v, "gir", &gl), *ni = vec_get(v, "ni", &nil);
	const uint8_t *nr = vec_get(v, "nr", &nrl), *spis = vec_get(v, "spis", &sl);
	const uint8_t *keys = vec_get(v, "keys", &kl), *psk = vec_get(v, "psk", &pl);
	const uint8_t *init_req = vec_get(v, "init_req", &iql);
	const uint8_t *init_resp = vec_get(v, "init_resp", &isl);
	const uint8_t *auth_req = vec_get(v, "auth_req", &aql);
	const uint8_t *auth_resp = vec_get(v, "auth_resp", &asl);
	const uint8_t *keymat = vec_get(v, "keymat", &ml);
	struct fgw_ike_keys k = { 0 };
	uint8_t all[512], out[256];

	EXPECT(suite_of(v->alg, &k.suite) && gir && ni && nr && sl == 16 && keys && psk &&
	       init_req && init_resp && auth_req && auth_resp && keymat && ml <= sizeof(out),
	       "record");
	EXPECT(fgw_ike_keys_derive(&k, gir, gl, ni, nil, nr, nrl, be64(spis), be64(spis + 8)) == 0,
	       "derive");
	EXPECT(keys_concat(&k, all) == kl && !memcmp(all, keys, kl), "keys %s", hex(all, kl));
	if (!check_auth(&k, auth_req, aql, true, psk, pl, init_req, iql, nr, nrl) ||
	    !check_auth(&k, auth_resp, asl, false, psk, pl, init_resp, isl, ni, nil))
		return false;
	EXPECT(fgw_ike_child_keymat(&k, NULL, 0, ni, nil, nr, nrl, out, ml) == 0 &&
	       !memcmp(out, keymat, ml), "KEYMAT %s", hex(out, ml));
	fgw_ike_keys_wipe(&k);
	return true;
}

/* The IKE SA rekey: our new SK_* equal charon's, and a message charon
 * sealed under the new SA opens. */
static bool strongswan_ike_rekey(const struct vec *v)
{
	size_t dl, gl, nil, nrl, sl, kl, ml, plain_len;
	const uint8_t *sk_d = vec_get(v, "sk_d", &dl), *gir = vec_get(v, "gir", &gl);
	const uint8_t *ni = vec_get(v, "ni", &nil), *nr = vec_get(v, "nr", &nrl);
	const uint8_t *spis = vec_get(v, "spis", &sl), *keys = vec_get(v, "keys", &kl);
	const uint8_t *sealed = vec_get(v, "msg", &ml), *plain;
	struct fgw_ike_keys old = { 0 }, k = { 0 };
	uint8_t all[512], msg[VEC_MAX];

	EXPECT(suite_of(v->alg, &k.suite) && sk_d && gir && ni && nr && sl == 16 && keys && sealed &&
	       ml <= sizeof(msg) && sealed[16] == FGW_IKE_PL_SK, "record");
	old.suite = k.suite;
	old.prf_len = dl;
	memcpy(old.sk_d, sk_d, dl);
	EXPECT(fgw_ike_keys_derive_rekey(&k, &old, gir, gl, ni, nil, nr, nrl, be64(spis),
					 be64(spis + 8)) == 0, "derive_rekey");
	EXPECT(keys_concat(&k, all) == kl && !memcmp(all, keys, kl), "keys %s", hex(all, kl));
	memcpy(msg, sealed, ml);
	/* the I flag names the sender's role; we open as the other one */
	EXPECT(fgw_ike_sk_open(&k, !(msg[19] & FGW_IKE_FLAG_INITIATOR), msg, ml, FGW_IKE_HDR_LEN,
			       &plain, &plain_len) == 0, "open under the new SA");
	fgw_ike_keys_wipe(&k);
	return true;
}

static void strongswan_session(const struct vec *v)
{
	if (vec_get(v, "sk_d", &(size_t){ 0 }))
		report("strongSwan IKE rekey", v->source, strongswan_ike_rekey(v));
	else
		report("strongSwan IKE SA", v->source, strongswan_ike_sa(v));
}

/* ---- algorithms, AUTH, NAT-D, random -------------------------------------------- */

static bool algorithm_tables(void)
{
	EXPECT(fgw_ike_encr_supported(FGW_IKE_ENCR_ID_AES_CBC, 128) &&
	       fgw_ike_encr_supported(FGW_IKE_ENCR_ID_AES_GCM_16, 256) &&
	       !fgw_ike_encr_supported(FGW_IKE_ENCR_ID_AES_CBC, 64) &&
	       !fgw_ike_encr_supported(FGW_IKE_ENCR_ID_AES_GCM_8, 128) &&
	       !fgw_ike_encr_supported(3, 192), "encr");
	EXPECT(fgw_ike_encr_key_len(FGW_IKE_ENCR_ID_AES_GCM_16, 256) == 36 &&
	       fgw_ike_encr_key_len(FGW_IKE_ENCR_ID_AES_CBC, 128) == 16, "encr key");
	EXPECT(fgw_ike_encr_iv_len(FGW_IKE_ENCR_ID_AES_CBC) == 16 &&
	       fgw_ike_encr_iv_len(FGW_IKE_ENCR_ID_AES_GCM_16) == 8 &&
	       fgw_ike_encr_icv_len(FGW_IKE_ENCR_ID_AES_GCM_16) == 16 &&
	       fgw_ike_encr_icv_len(FGW_IKE_ENCR_ID_AES_CBC) == 0, "iv / icv");
	EXPECT(fgw_ike_integ_icv_len(FGW_IKE_INTEG_HMAC_SHA1_96) == 12 &&
	       fgw_ike_integ_icv_len(FGW_IKE_INTEG_HMAC_SHA2_256_128) == 16 &&
	       fgw_ike_integ_icv_len(FGW_IKE_INTEG_HMAC_SHA2_384_192) == 24 &&
	       fgw_ike_integ_icv_len(FGW_IKE_INTEG_HMAC_SHA2_512_256) == 32 &&
	       fgw_ike_integ_key_len(FGW_IKE_INTEG_HMAC_SHA2_384_192) == 48 &&
	       !fgw_ike_integ_supported(1), "integ");
	EXPECT(fgw_ike_prf_len(FGW_IKE_PRF_HMAC_SHA1) == 20 &&
	       fgw_ike_prf_len(FGW_IKE_PRF_HMAC_SHA2_512) == 64 && !fgw_ike_prf_supported(4) &&
	       fgw_ike_prf_len(4) == 0, "prf");
	for (uint16_t g = 0; g < 40; g++)
		EXPECT(fgw_ike_dh_supported(g) == (g == 14 || g == 15 || g == 16 || g == 19 ||
						   g == 20 || g == 21 || g == 31), "group %u", g);
	EXPECT(!strcmp(fgw_ike_encr_name(FGW_IKE_ENCR_ID_AES_CBC, 256), "AES-CBC-256") &&
	       !strcmp(fgw_ike_integ_name(FGW_IKE_INTEG_HMAC_SHA2_512_256), "SHA512") &&
	       !strcmp(fgw_ike_prf_name(FGW_IKE_PRF_HMAC_SHA2_384), "SHA384") &&
	       !strcmp(fgw_ike_dh_name(14), "DH_GROUP_2048_MODP/Group 14") &&
	       !strcmp(fgw_ike_dh_name(99), "unknown"), "names");
	return true;
}

static bool random_differs(void)
{
	uint8_t a[32], b[32];

	EXPECT(fgw_ike_random(a, sizeof(a)) == 0 && fgw_ike_random(b, sizeof(b)) == 0, "random");
	EXPECT(memcmp(a, b, sizeof(a)) != 0, "same 32 octets twice");
	return true;
}

/* AUTH depends on every input (the value itself is checked against a
 * computation in Python by tests/unit/test_ike_crypto_py.py). */
static bool auth_psk_inputs(void)
{
	struct fgw_ike_keys k;
	const uint8_t psk[] = "secret", msg[] = "IKE_SA_INIT", nonce[] = "nonce-nonce-nonce";
	const uint8_t id[] = { 2, 0, 0, 0, 'a', '.', 'b' };
	uint8_t a[64], b[64];

	EXPECT(sk_keys(&sk_suites[2], &k), "derive");
	EXPECT(fgw_ike_auth_psk(&k, true, psk, 6, msg, 11, nonce, 17, id, 7, a) == 0, "auth");
	EXPECT(fgw_ike_auth_psk(&k, false, psk, 6, msg, 11, nonce, 17, id, 7, b) == 0 &&
	       memcmp(a, b, 48), "SK_pi / SK_pr");
	EXPECT(fgw_ike_auth_psk(&k, true, psk, 5, msg, 11, nonce, 17, id, 7, b) == 0 &&
	       memcmp(a, b, 48), "psk");
	EXPECT(fgw_ike_auth_psk(&k, true, psk, 6, msg, 10, nonce, 17, id, 7, b) == 0 &&
	       memcmp(a, b, 48), "message");
	EXPECT(fgw_ike_auth_psk(&k, true, psk, 6, msg, 11, nonce, 16, id, 7, b) == 0 &&
	       memcmp(a, b, 48), "nonce");
	EXPECT(fgw_ike_auth_psk(&k, true, psk, 6, msg, 11, nonce, 17, id, 6, b) == 0 &&
	       memcmp(a, b, 48), "id");
	EXPECT(fgw_ike_auth_psk(&k, true, psk, 6, msg, 11, nonce, 17, id, 7, b) == 0 &&
	       !memcmp(a, b, 48), "deterministic");
	EXPECT(fgw_ike_auth_psk(&k, true, psk, 0, msg, 11, nonce, 17, id, 7, b) == -1, "empty psk");
	fgw_ike_keys_wipe(&k);
	return true;
}

static void hmac_record(const struct vec *v)
{
	report("HMAC", v->source, hmac_vector(v));
}

int main(void)
{
	vectors("hmac.txt", hmac_record);
	vectors("ikev2-kdf.txt", kdf_record);
	RUN(kdf_limits);
	vectors("ecdh.txt", dh_record);
	RUN(x25519_rejects_low_order);
	for (uint16_t g = 14; g <= 31; g++)
		if (fgw_ike_dh_supported(g)) {
			char name[16];

			snprintf(name, sizeof(name), "group %u", g);
			report("DH agreement", name, dh_agree(g));
		}
	vectors("modp.txt", modp_record);
	RUN(dh_unsupported);
	sk_tests();
	RUN(sk_gcm_iv_unique);
	vectors("ike/strongswan-keys.txt", strongswan_session);
	RUN(algorithm_tables);
	RUN(random_differs);
	RUN(auth_psk_inputs);
	return unit_summary();
}
