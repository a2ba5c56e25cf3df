/* The IPsec-MB layer (dataplane/ipsec/crypto.c) against published vectors
 * (tests/vectors/, sources in its README), the encrypt-then-MAC chain order
 * both ways, and full mixed bursts whose completions must map back to the
 * right packets. */
#include <stdlib.h>
#include <string.h>

#include "dataplane/ipsec/crypto.h"
#include "tests/unit/unit.h"
#include "vectors.h"

static struct fgw_crypto cr;
static struct fgw_sa_keysched ks;
static const uint8_t zero[64];

static uint8_t run_one(struct fgw_crypto_op *op)
{
	uint8_t verdict = FGW_SA_DROP_NONE;

	op->user = 0;
	if (fgw_crypto_begin(&cr, 1) != 1)
		return 0xff;
	fgw_crypto_add(&cr, op);
	fgw_crypto_run(&cr, &verdict);
	return verdict;
}

static unsigned integ_of(const char *alg, unsigned *digest_len)
{
	static const struct { const char *name; unsigned integ, len; } t[] = {
		{ "hmac-sha1", FGW_INTEG_HMAC_SHA1_96, 20 },
		{ "hmac-sha256", FGW_INTEG_HMAC_SHA256_128, 32 },
		{ "hmac-sha384", FGW_INTEG_HMAC_SHA384_192, 48 },
		{ "hmac-sha512", FGW_INTEG_HMAC_SHA512_256, 64 },
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(alg, t[i].name)) {
			*digest_len = t[i].len;
			return t[i].integ;
		}
	return FGW_INTEG_MAX;
}

/* The first 64 bytes, enough to see where a result went wrong. */
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

/* ---- published vectors ----------------------------------------------------- */

static bool gcm_vector(const struct vec *v)
{
	size_t klen, ivlen, aadlen, ptlen, ctlen, taglen;
	const uint8_t *key = vec_get(v, "key", &klen), *iv = vec_get(v, "iv", &ivlen);
	const uint8_t *aad = vec_get(v, "aad", &aadlen), *pt = vec_get(v, "pt", &ptlen);
	const uint8_t *ct = vec_get(v, "ct", &ctlen), *tag = vec_get(v, "tag", &taglen);
	unsigned cipher = fgw_cipher_by_name(v->alg);
	uint8_t buf[VEC_MAX], out[16];
	struct fgw_crypto_op op = {
		.keys = &ks, .cipher = cipher, .buf = buf, .cipher_len = ptlen,
		.iv = iv, .iv_len = ivlen, .aad = aadlen ? aad : zero, .aad_len = aadlen,
		.tag = out, .tag_len = 16,
	};

	EXPECT(fgw_cipher_is_aead(cipher) && klen == fgw_cipher_key_len(cipher), "alg %s", v->alg);
	EXPECT(ptlen == ctlen && taglen == 16, "record");
	EXPECT(fgw_crypto_keysched(cr.mgr, &ks, cipher, key, zero, FGW_INTEG_NONE, NULL, 0) == 0,
	       "keysched");
	memcpy(buf, pt, ptlen);
	op.encrypt = true;
	EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "encrypt job failed");
	EXPECT(!memcmp(buf, ct, ctlen), "ciphertext %s", hex(buf, ctlen));
	EXPECT(!memcmp(out, tag, 16), "tag %s", hex(out, 16));
	op.encrypt = false;
	memset(out, 0, sizeof(out));
	EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "decrypt job failed");
	EXPECT(!memcmp(buf, pt, ptlen), "plaintext %s", hex(buf, ptlen));
	EXPECT(!memcmp(out, tag, 16), "decrypt tag %s", hex(out, 16));
	return true;
}

static bool gcm_esp_vector(const struct vec *v)
{
	size_t klen, nlen, aadlen, ptlen, plen;
	const uint8_t *key = vec_get(v, "key", &klen), *nonce = vec_get(v, "nonce", &nlen);
	const uint8_t *aad = vec_get(v, "aad", &aadlen), *pt = vec_get(v, "pt", &ptlen);
	const uint8_t *packet = vec_get(v, "packet", &plen);
	unsigned cipher = fgw_cipher_by_name(v->alg);
	uint8_t buf[VEC_MAX], out[16];
	struct fgw_crypto_op op = {
		.keys = &ks, .cipher = cipher, .encrypt = true, .buf = buf, .cipher_len = ptlen,
		.iv = nonce, .iv_len = nlen, .aad = aad, .aad_len = aadlen,
		.tag = out, .tag_len = 16,
	};

	EXPECT(klen == fgw_cipher_key_len(cipher) && nlen == 12 && plen == 16 + ptlen + 16,
	       "record");
	EXPECT(aadlen == 8 || aadlen == 12, "AAD is SPI || seq (RFC 4106 section 5)");
	EXPECT(fgw_crypto_keysched(cr.mgr, &ks, cipher, key, nonce, FGW_INTEG_NONE, NULL, 0) == 0,
	       "keysched");
	EXPECT(!memcmp(ks.salt, nonce, FGW_GCM_SALT_LEN), "salt kept");
	memcpy(buf, pt, ptlen);
	EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "job failed");
	EXPECT(!memcmp(buf, packet + 16, ptlen), "ciphertext %s", hex(buf, ptlen));
	EXPECT(!memcmp(out, packet + 16 + ptlen, 16), "ICV %s", hex(out, 16));
	return true;
}

static bool cbc_vector(const struct vec *v)
{
	size_t klen, ivlen, ptlen, ctlen;
	const uint8_t *key = vec_get(v, "key", &klen), *iv = vec_get(v, "iv", &ivlen);
	const uint8_t *pt = vec_get(v, "pt", &ptlen), *ct = vec_get(v, "ct", &ctlen);
	unsigned cipher = fgw_cipher_by_name(v->alg);
	uint8_t buf[VEC_MAX], dummy[16];
	struct fgw_crypto_op op = {
		.keys = &ks, .cipher = cipher, .buf = buf, .cipher_len = ptlen,
		.iv = iv, .iv_len = 16, .tag = dummy,
	};

	EXPECT(klen == fgw_cipher_key_len(cipher) && ivlen == 16 && ptlen == ctlen, "record");
	EXPECT(fgw_crypto_keysched(cr.mgr, &ks, cipher, key, NULL, FGW_INTEG_NONE, NULL, 0) == 0,
	       "keysched");
	memcpy(buf, pt, ptlen);
	op.encrypt = true;
	EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "encrypt job failed");
	EXPECT(!memcmp(buf, ct, ctlen), "ciphertext %s", hex(buf, ctlen));
	op.encrypt = false;
	EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "decrypt job failed");
	EXPECT(!memcmp(buf, pt, ptlen), "plaintext %s", hex(buf, ptlen));
	return true;
}

/* A mac as long as the IPsec ICV is checked at that length (RFC 4868
 * 2.7.2, RFC 2202 digest-96): the truncation IPsec-MB applies. Other macs
 * at the full digest length, compared on their own length. */
static bool hmac_vector(const struct vec *v)
{
	size_t klen, dlen, mlen;
	const uint8_t *key = vec_get(v, "key", &klen), *data = vec_get(v, "data", &dlen);
	const uint8_t *mac = vec_get(v, "mac", &mlen);
	unsigned full, integ = integ_of(v->alg, &full);
	uint8_t buf[VEC_MAX], out[64];
	struct fgw_crypto_op op = {
		.keys = &ks, .cipher = FGW_CIPHER_NONE, .integ = integ, .encrypt = true,
		.buf = buf, .auth_len = dlen, .tag = out,
	};

	EXPECT(integ != FGW_INTEG_MAX, "alg %s", v->alg);
	op.tag_len = mlen == fgw_integ_icv_len(integ) ? mlen : full;
	EXPECT(mlen <= op.tag_len, "record");
	EXPECT(fgw_crypto_keysched(cr.mgr, &ks, FGW_CIPHER_NONE, NULL, NULL, integ, key, klen) == 0,
	       "keysched");
	memcpy(buf, data, dlen);
	memset(out, 0, sizeof(out));
	EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "job failed (tag length %u)", op.tag_len);
	EXPECT(!memcmp(out, mac, mlen), "mac %s", hex(out, op.tag_len));
	EXPECT(!memcmp(buf, data, dlen), "hash-only job changed its input");
	return true;
}

static void run_file(const char *file, bool (*fn)(const struct vec *))
{
	static struct vec v;
	FILE *f = vec_open(file);
	int r;

	if (!f) {
		snprintf(unit_why, sizeof(unit_why), "missing");
		unit_report(file, false);
		return;
	}
	while ((r = vec_next(f, &v)) == 1)
		unit_report(v.source, fn(&v));
	if (r < 0) {
		snprintf(unit_why, sizeof(unit_why), "malformed record after %s", v.source);
		unit_report(file, false);
	}
	fclose(f);
}

/* ---- properties --------------------------------------------------------------- */

static bool rfc4868_lengths(void)
{
	/* RFC 4868 2.1, 2.3: key = full hash length, ICV = half of it. */
	EXPECT(fgw_integ_key_len(FGW_INTEG_HMAC_SHA1_96) == 20 &&
	       fgw_integ_icv_len(FGW_INTEG_HMAC_SHA1_96) == 12, "SHA1-96");
	EXPECT(fgw_integ_key_len(FGW_INTEG_HMAC_SHA256_128) == 32 &&
	       fgw_integ_icv_len(FGW_INTEG_HMAC_SHA256_128) == 16, "SHA-256-128");
	EXPECT(fgw_integ_key_len(FGW_INTEG_HMAC_SHA384_192) == 48 &&
	       fgw_integ_icv_len(FGW_INTEG_HMAC_SHA384_192) == 24, "SHA-384-192");
	EXPECT(fgw_integ_key_len(FGW_INTEG_HMAC_SHA512_256) == 64 &&
	       fgw_integ_icv_len(FGW_INTEG_HMAC_SHA512_256) == 32, "SHA-512-256");
	EXPECT(fgw_sa_icv_len(FGW_CIPHER_AES_GCM_256, FGW_INTEG_NONE) == 16, "GCM ICV");
	return true;
}

static bool keysched_rejects_bad_pairs(void)
{
	uint8_t key[64] = { 1 };

	EXPECT(fgw_crypto_keysched(cr.mgr, &ks, FGW_CIPHER_AES_GCM_128, key, key,
				   FGW_INTEG_HMAC_SHA1_96, key, 20) < 0, "GCM + HMAC");
	EXPECT(fgw_crypto_keysched(cr.mgr, &ks, FGW_CIPHER_NONE, key, key,
				   FGW_INTEG_NONE, key, 20) < 0, "nothing");
	EXPECT(fgw_crypto_keysched(cr.mgr, &ks, FGW_CIPHER_MAX, key, key,
				   FGW_INTEG_NONE, key, 20) < 0, "unknown cipher");
	EXPECT(fgw_crypto_keysched(cr.mgr, &ks, FGW_CIPHER_AES_CBC_128, key, key,
				   FGW_INTEG_MAX, key, 20) < 0, "unknown integ");
	return true;
}

static uint64_t rng_state = 0x2545f4914f6cdd1d;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rng();
}

/* CBC + HMAC as one job must equal CBC, then HMAC over the ciphertext (the
 * separately checked primitives), and decrypting must hash the ciphertext
 * before decrypting it. */
static bool chain_order(void)
{
	static struct fgw_sa_keysched k2;
	uint8_t key[32], auth[64], iv[16], pt[1040], a[1040], b[1040], tag_a[32], tag_b[32];

	for (unsigned c = FGW_CIPHER_AES_CBC_128; c <= FGW_CIPHER_AES_CBC_256; c++)
		for (unsigned i = FGW_INTEG_HMAC_SHA1_96; i < FGW_INTEG_MAX; i++) {
			unsigned len = 16 * (1 + rng() % 64), icv = fgw_integ_icv_len(i);
			struct fgw_crypto_op op = {
				.keys = &ks, .cipher = c, .integ = i, .encrypt = true, .buf = a,
				.cipher_off = 16, .cipher_len = len, .auth_off = 0,
				.auth_len = 16 + len, .iv = iv, .iv_len = 16,
				.tag = tag_a, .tag_len = icv,
			};

			fill(key, sizeof(key));
			fill(auth, sizeof(auth));
			fill(iv, sizeof(iv));
			fill(pt, sizeof(pt));
			EXPECT(fgw_crypto_keysched(cr.mgr, &ks, c, key, NULL, i, auth,
						   fgw_integ_key_len(i)) == 0, "keysched");
			EXPECT(fgw_crypto_keysched(cr.mgr, &k2, c, key, NULL, FGW_INTEG_NONE,
						   NULL, 0) == 0, "keysched");
			memcpy(a, pt, 16 + len);
			EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "chained encrypt");

			memcpy(b, pt, 16 + len);
			op.keys = &k2;
			op.integ = FGW_INTEG_NONE;
			op.buf = b;
			op.tag = tag_b;
			EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "cipher only");
			EXPECT(!memcmp(a, b, 16 + len), "%s: ciphertext differs", fgw_cipher_name(c));
			op = (struct fgw_crypto_op){
				.keys = &ks, .cipher = FGW_CIPHER_NONE, .integ = i, .encrypt = true,
				.buf = b, .auth_len = 16 + len, .tag = tag_b, .tag_len = icv,
			};
			EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "hash only");
			EXPECT(!memcmp(tag_a, tag_b, icv), "%s: encrypt must MAC the ciphertext",
			       fgw_integ_name(i));

			op = (struct fgw_crypto_op){
				.keys = &ks, .cipher = c, .integ = i, .encrypt = false, .buf = a,
				.cipher_off = 16, .cipher_len = len, .auth_len = 16 + len,
				.iv = iv, .iv_len = 16, .tag = tag_b, .tag_len = icv,
			};
			memset(tag_b, 0, sizeof(tag_b));
			EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "chained decrypt");
			EXPECT(!memcmp(a, pt, 16 + len), "decrypt");
			EXPECT(!memcmp(tag_a, tag_b, icv), "%s: decrypt must MAC before decrypting",
			       fgw_integ_name(i));
		}
	return true;
}

/* A full burst of mixed algorithms and lengths, users out of order: each
 * result must equal the same job run alone. */
#define MIX FGW_CRYPTO_BURST

static bool mixed_burst(void)
{
	static struct fgw_sa_keysched keys[MIX];
	static uint8_t in[MIX][1600], out[MIX][1600], alone[MIX][1600];
	static uint8_t tags[MIX][32], tags_alone[MIX][32], nonces[MIX][12];
	struct fgw_crypto_op ops[MIX];
	uint8_t verdict[MIX], key[32], auth[64];
	unsigned got;

	for (unsigned j = 0; j < MIX; j++) {
		unsigned c = FGW_CIPHER_AES_CBC_128 + rng() % 4, i = FGW_INTEG_NONE;
		unsigned len = 16 * (1 + rng() % 90);

		if (!fgw_cipher_is_aead(c))
			i = FGW_INTEG_HMAC_SHA1_96 + rng() % 4;
		fill(key, sizeof(key));
		fill(auth, sizeof(auth));
		fill(nonces[j], sizeof(nonces[j]));
		fill(in[j], sizeof(in[j]));
		EXPECT(fgw_crypto_keysched(cr.mgr, &keys[j], c, key, key, i, auth,
					   fgw_integ_key_len(i)) == 0, "keysched");
		ops[j] = (struct fgw_crypto_op){
			.keys = &keys[j], .cipher = c, .integ = i, .encrypt = rng() & 1,
			.cipher_off = 24, .cipher_len = len, .auth_off = 8, .auth_len = 16 + len,
			.iv = fgw_cipher_is_aead(c) ? nonces[j] : in[j] + 8,
			.iv_len = fgw_cipher_is_aead(c) ? 12 : 16,
			.aad = in[j], .aad_len = 8, .tag_len = fgw_sa_icv_len(c, i),
			.user = MIX - 1 - j,
		};
		memcpy(alone[j], in[j], sizeof(in[j]));
		memcpy(out[j], in[j], sizeof(in[j]));
		ops[j].buf = alone[j];
		ops[j].tag = tags_alone[j];
		EXPECT(run_one(&ops[j]) == FGW_SA_DROP_NONE, "job %u alone", j);
	}
	got = fgw_crypto_begin(&cr, MIX);
	EXPECT(got == MIX, "slots %u", got);
	for (unsigned j = 0; j < MIX; j++) {
		ops[j].buf = out[j];
		ops[j].tag = tags[j];
		ops[j].user = MIX - 1 - j;
		if (!fgw_cipher_is_aead(ops[j].cipher))
			ops[j].iv = in[j] + 8;	/* CBC IV from the unmodified copy */
		fgw_crypto_add(&cr, &ops[j]);
		verdict[j] = FGW_SA_DROP_NONE;
	}
	fgw_crypto_run(&cr, verdict);
	for (unsigned j = 0; j < MIX; j++) {
		EXPECT(verdict[j] == FGW_SA_DROP_NONE, "job for user %u failed", j);
		EXPECT(!memcmp(out[j], alone[j], sizeof(out[j])), "job %u output", j);
		EXPECT(!memcmp(tags[j], tags_alone[j], ops[j].tag_len), "job %u ICV", j);
	}
	return true;
}

/* A job IPsec-MB refuses fails the whole burst, counted, and the manager
 * goes on working. */
static bool invalid_job_fails_the_burst(void)
{
	uint8_t buf[64] = { 0 }, tag[16], iv[16] = { 0 }, verdict[3] = { 0, 0, 0 };
	uint8_t key[16] = { 0 };
	struct fgw_crypto_op op = {
		.keys = &ks, .cipher = FGW_CIPHER_AES_CBC_128, .encrypt = true, .buf = buf,
		.cipher_len = 32, .iv = iv, .iv_len = 16, .tag = tag,
	};

	EXPECT(fgw_crypto_keysched(cr.mgr, &ks, FGW_CIPHER_AES_CBC_128, key, NULL,
				   FGW_INTEG_NONE, NULL, 0) == 0, "keysched");
	EXPECT(fgw_crypto_begin(&cr, 3) == 3, "slots");
	for (unsigned j = 0; j < 3; j++) {
		op.user = j;
		op.cipher_len = j == 1 ? 31 : 32;	/* not whole blocks */
		fgw_crypto_add(&cr, &op);
	}
	fgw_crypto_run(&cr, verdict);
	EXPECT(verdict[1] == FGW_SA_DROP_CRYPTO, "bad job not reported");
	op.cipher_len = 32;
	EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "manager unusable afterwards");
	return true;
}

/* fgw_crypto_prefetch_keys loads, with the VAES AVX-512 GCM layout, only
 * the GHASH key powers an ESP payload needs: no power before the first it
 * loads may change the tag, and H^1, the last, must (else the layout is not
 * the one assumed: the prefetch would miss lines, though nothing computed
 * would be wrong). */
static bool gcm_prefetch_covers_the_powers_read(void)
{
	static const unsigned lens[] = { 0, 1, 11, 12, 15, 16, 63, 64, 100, 252, 500, 740, 741, 1420 };
	static const uint8_t key[16] = { 0x42, 1, 2, 3 }, iv[12] = { 7 };
	static struct fgw_sa_keysched clean;
	uint8_t pt[2048], buf[2048], tag[16], tag2[16];
	struct fgw_crypto_op op = {
		.keys = &ks, .cipher = FGW_CIPHER_AES_GCM_128, .encrypt = true, .buf = buf,
		.iv = iv, .iv_len = sizeof(iv), .aad = zero, .aad_len = 8, .tag_len = 16,
	};

	if (!cr.gcm_powers_last)
		return true;	/* another layout: loaded whole */
	fill(pt, sizeof(pt));
	EXPECT(fgw_crypto_keysched(cr.mgr, &clean, FGW_CIPHER_AES_GCM_128, key, zero,
				   FGW_INTEG_NONE, NULL, 0) == 0, "keysched");
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		unsigned from = fgw_crypto_gcm_powers_from(lens[i]);

		op.cipher_len = lens[i] + 5;
		ks = clean;
		memcpy(buf, pt, op.cipher_len);
		op.tag = tag;
		EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "encrypt");
		for (unsigned off = offsetof(struct gcm_key_data, ghash_keys); off <= from;
		     off += 16) {
			bool read;

			ks = clean;
			/* from itself is not loaded for nothing: H^1 stands in */
			((uint8_t *)&ks)[off < from ? off : FGW_GCM_POWERS_END - 16] ^= 0x5a;
			memcpy(buf, pt, op.cipher_len);
			op.tag = tag2;
			EXPECT(run_one(&op) == FGW_SA_DROP_NONE, "encrypt");
			read = memcmp(tag, tag2, sizeof(tag)) != 0;
			EXPECT(read == (off == from), "payload %u: power at byte %u %s", op.cipher_len,
			       off < from ? off : FGW_GCM_POWERS_END - 16,
			       read ? "read, not prefetched" : "(H^1) not read: layout changed?");
		}
	}
	ks = clean;
	return true;
}

int main(void)
{
	char err[128];

	if (fgw_crypto_init(&cr, err, sizeof(err))) {
		printf("FAIL init: %s\n0 passed, 1 failed\n", err);
		return 1;
	}
	printf("# IPsec-MB %s, %s code paths\n", imb_get_version_str(),
	       fgw_crypto_arch_name(cr.arch));
	run_file("gcm-spec.txt", gcm_vector);
	run_file("gcm-esp.txt", gcm_esp_vector);
	run_file("aes-cbc.txt", cbc_vector);
	run_file("hmac.txt", hmac_vector);
	RUN(rfc4868_lengths);
	RUN(keysched_rejects_bad_pairs);
	RUN(chain_order);
	RUN(mixed_burst);
	RUN(invalid_job_fails_the_burst);
	RUN(gcm_prefetch_covers_the_powers_read);
	fgw_crypto_free(&cr);
	return unit_summary();
}
