/* IPsec-MB managers, key schedules and burst completion. See crypto.h. */
#include <stdio.h>
#include <string.h>

#include "dataplane/ipsec/crypto.h"

int fgw_crypto_init(struct fgw_crypto *c, char *err, size_t errlen)
{
	int e;

	memset(c, 0, sizeof(*c));
	c->mgr = alloc_mb_mgr(0);
	if (!c->mgr) {
		snprintf(err, errlen, "IPsec-MB: cannot allocate a manager");
		return -1;
	}
	init_mb_mgr_auto(c->mgr, &c->arch);
	c->gcm_powers_last = c->arch == IMB_ARCH_AVX512 &&
			     (c->mgr->features & IMB_FEATURE_VAES) &&
			     (c->mgr->features & IMB_FEATURE_VPCLMULQDQ);
	e = imb_get_errno(c->mgr);
	if (e) {
		snprintf(err, errlen, "IPsec-MB: %s", imb_get_strerror(e));
		free_mb_mgr(c->mgr);
		c->mgr = NULL;
		return -1;
	}
	return 0;
}

void fgw_crypto_free(struct fgw_crypto *c)
{
	if (c->mgr)
		free_mb_mgr(c->mgr);
	c->mgr = NULL;
}

const char *fgw_crypto_arch_name(IMB_ARCH arch)
{
	switch (arch) {
	case IMB_ARCH_NOAESNI: return "no-aesni";
	case IMB_ARCH_SSE: return "sse";
	case IMB_ARCH_AVX: return "avx";
	case IMB_ARCH_AVX2: return "avx2";
	case IMB_ARCH_AVX512: return "avx512";
	default: return "none";
	}
}

/* The hash state after one block of key ^ pad, as the HMAC job takes it. */
static void hmac_pad_state(IMB_MGR *mgr, unsigned integ, const uint8_t *block, uint8_t *state)
{
	switch (integ) {
	case FGW_INTEG_HMAC_SHA1_96: IMB_SHA1_ONE_BLOCK(mgr, block, state); break;
	case FGW_INTEG_HMAC_SHA256_128: IMB_SHA256_ONE_BLOCK(mgr, block, state); break;
	case FGW_INTEG_HMAC_SHA384_192: IMB_SHA384_ONE_BLOCK(mgr, block, state); break;
	case FGW_INTEG_HMAC_SHA512_256: IMB_SHA512_ONE_BLOCK(mgr, block, state); break;
	}
}

static void hmac_keysched(IMB_MGR *mgr, unsigned integ, const uint8_t *key, size_t len,
			  uint8_t *ipad, uint8_t *opad)
{
	unsigned bs = integ >= FGW_INTEG_HMAC_SHA384_192 ? 128 : 64;
	uint8_t block[128], digest[64];

	if (len > bs) {
		/* RFC 2104 section 2: a key longer than a block is hashed. */
		switch (integ) {
		case FGW_INTEG_HMAC_SHA1_96: IMB_SHA1(mgr, key, len, digest); len = 20; break;
		case FGW_INTEG_HMAC_SHA256_128: IMB_SHA256(mgr, key, len, digest); len = 32; break;
		case FGW_INTEG_HMAC_SHA384_192: IMB_SHA384(mgr, key, len, digest); len = 48; break;
		default: IMB_SHA512(mgr, key, len, digest); len = 64; break;
		}
		key = digest;
	}
	memset(block, 0, bs);
	memcpy(block, key, len);
	for (unsigned i = 0; i < bs; i++)
		block[i] ^= 0x36;
	hmac_pad_state(mgr, integ, block, ipad);
	for (unsigned i = 0; i < bs; i++)
		block[i] ^= 0x36 ^ 0x5c;
	hmac_pad_state(mgr, integ, block, opad);
	explicit_bzero(block, sizeof(block));
	explicit_bzero(digest, sizeof(digest));
}

int fgw_crypto_keysched(IMB_MGR *mgr, struct fgw_sa_keysched *ks,
			unsigned cipher, const uint8_t *key, const uint8_t *salt,
			unsigned integ, const uint8_t *auth, size_t auth_len)
{
	memset(ks, 0, sizeof(*ks));
	switch (cipher) {
	case FGW_CIPHER_AES_GCM_128:
	case FGW_CIPHER_AES_GCM_256:
		if (integ != FGW_INTEG_NONE)
			return -1;
		if (cipher == FGW_CIPHER_AES_GCM_128)
			IMB_AES128_GCM_PRE(mgr, key, &ks->gcm);
		else
			IMB_AES256_GCM_PRE(mgr, key, &ks->gcm);
		memcpy(ks->salt, salt, FGW_GCM_SALT_LEN);
		return 0;
	case FGW_CIPHER_AES_CBC_128:
		IMB_AES_KEYEXP_128(mgr, key, ks->cbc.enc, ks->cbc.dec);
		break;
	case FGW_CIPHER_AES_CBC_256:
		IMB_AES_KEYEXP_256(mgr, key, ks->cbc.enc, ks->cbc.dec);
		break;
	case FGW_CIPHER_NONE:
		break;
	default:
		return -1;
	}
	if (integ == FGW_INTEG_NONE)
		return cipher == FGW_CIPHER_NONE ? -1 : 0;	/* cipher only */
	if (integ >= FGW_INTEG_MAX)
		return -1;
	hmac_keysched(mgr, integ, auth, auth_len, ks->cbc.ipad, ks->cbc.opad);
	return 0;
}

/* A burst of GCM jobs goes to IPsec-MB's GCM functions directly: GCM has
 * no multi-buffer lanes to fill, and its functions called per packet beat
 * the burst API's dispatch for them (flexgw-bench --crypto-api; about 1.5x
 * at 64 bytes). The jobs carry the parameters; their queue slots are left
 * unsubmitted, and fgw_crypto_begin hands the same ones out again. */
static bool run_gcm(struct fgw_crypto *c)
{
	struct gcm_context_data ctx;

	/* The functions take the 12-byte IVs ESP's nonces are (RFC 4106). */
	for (unsigned i = 0; i < c->n; i++)
		if (c->jobs[i]->cipher_mode != IMB_CIPHER_GCM || c->jobs[i]->iv_len_in_bytes != 12)
			return false;
	for (unsigned i = 0; i < c->n; i++) {
		const IMB_JOB *j = c->jobs[i];
		bool enc = j->cipher_direction == IMB_DIR_ENCRYPT;
		/* what IMB_AES128_GCM_ENC and its kin call */
		aes_gcm_enc_dec_t fn = j->key_len_in_bytes == 16 ?
			(enc ? c->mgr->gcm128_enc : c->mgr->gcm128_dec) :
			(enc ? c->mgr->gcm256_enc : c->mgr->gcm256_dec);

		fn(j->enc_keys, &ctx, j->dst, j->src + j->cipher_start_src_offset_in_bytes,
		   j->msg_len_to_cipher_in_bytes, j->iv, j->u.GCM.aad, j->u.GCM.aad_len_in_bytes,
		   j->auth_tag_output, j->auth_tag_output_len_in_bytes);
	}
	c->n = 0;
	return true;
}

/* A burst of CBC + HMAC jobs of one kind (cipher key size, direction,
 * hash) goes through IPsec-MB's single-algorithm bursts, the cipher for
 * all then the hash for all (ESP's order: encrypt then MAC; MAC then
 * decrypt): no per-job dispatch between the chained halves, about 10 %
 * fewer cycles at 64 bytes than IMB_SUBMIT_BURST (flexgw-bench
 * --crypto-api). Those take an array of jobs: the slots fgw_crypto_begin
 * handed out are used in place when they are consecutive in the
 * manager's queue (checked: a burst that wraps around the queue's end, or
 * follows a fallback that moved it, is not). A burst of mixed kinds (SAs
 * of different algorithms) takes IMB_SUBMIT_BURST whole. */
static bool run_cbc_hmac(struct fgw_crypto *c, uint8_t *verdict)
{
	IMB_JOB *first = c->jobs[0];
	unsigned n = c->n, done;
	IMB_KEY_SIZE_BYTES ks;

	if (first->cipher_mode != IMB_CIPHER_CBC || first->hash_alg == IMB_AUTH_NULL)
		return false;
	for (unsigned i = 1; i < n; i++) {
		const IMB_JOB *j = c->jobs[i];

		if (j != first + i || j->cipher_mode != IMB_CIPHER_CBC ||
		    j->hash_alg != first->hash_alg || j->key_len_in_bytes != first->key_len_in_bytes ||
		    j->cipher_direction != first->cipher_direction)
			return false;
	}
	ks = first->key_len_in_bytes == 16 ? IMB_KEY_128_BYTES : IMB_KEY_256_BYTES;
	if (first->cipher_direction == IMB_DIR_ENCRYPT) {
		done = IMB_SUBMIT_CIPHER_BURST(c->mgr, first, n, IMB_CIPHER_CBC,
					       IMB_DIR_ENCRYPT, ks);
		if (done == n)
			done = IMB_SUBMIT_HASH_BURST(c->mgr, first, n, first->hash_alg);
	} else {
		done = IMB_SUBMIT_HASH_BURST(c->mgr, first, n, first->hash_alg);
		if (done == n)
			done = IMB_SUBMIT_CIPHER_BURST(c->mgr, first, n, IMB_CIPHER_CBC,
						       IMB_DIR_DECRYPT, ks);
	}
	if (done != n) {
		/* A job failed validation: a bug, as in fgw_crypto_run_burst. */
		for (unsigned i = 0; i < n; i++)
			verdict[c->user[i]] = FGW_SA_DROP_CRYPTO;
	}
	c->n = 0;
	return true;
}

void fgw_crypto_run(struct fgw_crypto *c, uint8_t *verdict)
{
	if (c->n && !run_gcm(c) && !run_cbc_hmac(c, verdict))
		fgw_crypto_run_burst(c, verdict);
}

void fgw_crypto_run_burst(struct fgw_crypto *c, uint8_t *verdict)
{
	IMB_JOB **jobs = c->jobs;
	unsigned n = c->n, done;

	if (n == 0)
		return;
	done = IMB_SUBMIT_BURST(c->mgr, n, jobs);
	if (done == 0 && imb_get_errno(c->mgr) != 0) {
		/* A job failed validation and nothing was queued. Our jobs come
		 * from checked SAs, so this is a bug: fail the burst, counted. */
		for (unsigned i = 0; i < n; i++)
			verdict[c->user[i]] = FGW_SA_DROP_CRYPTO;
		c->n = 0;
		return;
	}
	while (done < n) {
		unsigned k = IMB_FLUSH_BURST(c->mgr, n - done, jobs + done);

		if (k == 0)
			break;
		done += k;
	}
	for (unsigned i = 0; i < done; i++)
		if (jobs[i]->status != IMB_STATUS_COMPLETED)
			verdict[(uintptr_t)jobs[i]->user_data] = FGW_SA_DROP_CRYPTO;
	c->n = 0;
}
