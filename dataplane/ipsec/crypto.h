/* The data path's crypto: Intel IPsec-MB's job API driven a burst at a
 * time. Each worker owns one manager (struct fgw_crypto). A burst is
 * built in place in the manager's job queue -- fgw_crypto_begin takes the
 * slots, fgw_crypto_add fills the next one from an operation that is
 * inlined away, fgw_crypto_run submits them all in one call and flushes --
 * so the multi-buffer lanes (AES-CBC encrypt, HMAC) see the whole burst at
 * once, and nothing is copied or called per packet through a pointer.
 * GCM, which has no lanes, goes to its own functions instead (crypto.c). */
#ifndef FGW_CRYPTO_H
#define FGW_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <rte_common.h>
#include <rte_prefetch.h>

#include "common/sa.h"

/* Jobs in one burst; bigger packet bursts are split. */
#define FGW_CRYPTO_BURST 64
_Static_assert(FGW_CRYPTO_BURST <= IMB_MAX_BURST_SIZE, "burst larger than IPsec-MB's");

/* Memory a job points at until it completes, one per slot. */
struct fgw_crypto_scratch {
	uint8_t nonce[16];		/* GCM: salt || explicit IV */
	uint8_t aad[16];		/* GCM with ESN: SPI || seq hi || seq lo */
	uint8_t icv[32];		/* inbound: the ICV we compute */
	uint8_t received[32];		/* inbound, ESN + HMAC: the packet's ICV */
};

struct fgw_crypto {
	IMB_MGR *mgr;
	IMB_ARCH arch;
	/* Set when this is the only worker sending on any SA (a data plane
	 * of one worker): outbound sequence numbers and counters then take
	 * plain stores instead of atomic adds. */
	bool sole_writer;
	/* The manager runs IPsec-MB's VAES AVX-512 GCM, whose key schedule
	 * keeps the GHASH key powers H^48 ... H^1 last (fgw_crypto_prefetch_keys). */
	bool gcm_powers_last;
	unsigned n;			/* jobs filled in this burst */
	IMB_JOB *jobs[FGW_CRYPTO_BURST];
	uint16_t user[FGW_CRYPTO_BURST];	/* each job's op->user */
	struct fgw_crypto_scratch scratch[FGW_CRYPTO_BURST];
};

/* One manager with the best code paths for this CPU. err gets a line. */
int fgw_crypto_init(struct fgw_crypto *c, char *err, size_t errlen);
void fgw_crypto_free(struct fgw_crypto *c);
const char *fgw_crypto_arch_name(IMB_ARCH arch);

/* Derives a key schedule: AES round keys (CBC) or round keys and GHASH key
 * powers (GCM, `salt` is its 4 bytes), and for HMAC the hash states after
 * the ipad and opad blocks. auth_len may be anything (keys longer than the
 * hash block are hashed first, RFC 2104), though IPsec keys are exactly
 * fgw_integ_key_len. The manager's architecture decides the GCM layout:
 * derive with a manager like the workers'. Returns -1 on a bad algorithm
 * pair. */
int fgw_crypto_keysched(IMB_MGR *mgr, struct fgw_sa_keysched *ks,
			unsigned cipher, const uint8_t *key, const uint8_t *salt,
			unsigned integ, const uint8_t *auth, size_t auth_len);

/* The VAES AVX-512 GCM layout (gcm_powers_last): the GHASH key powers end
 * at FGW_GCM_POWERS_END, H^1 last; a payload of up to len + 5 bytes (an
 * inner packet of len bytes with ESP's padding and trailer) reads none
 * before fgw_crypto_gcm_powers_from(len). */
#define FGW_GCM_POWERS_MAX 48u
#define FGW_GCM_POWERS_END ((unsigned)offsetof(struct gcm_key_data, ghash_keys) + FGW_GCM_POWERS_MAX * 16)

static inline unsigned fgw_crypto_gcm_powers_from(unsigned len)
{
	return FGW_GCM_POWERS_END - RTE_MIN(len / 16 + 2, FGW_GCM_POWERS_MAX) * 16;
}

/* Starts loading into L2 the lines of a key schedule that IPsec-MB reads
 * for about `len` bytes of payload. CBC + HMAC reads its round keys and
 * hash states, 608 bytes. With the VAES AVX-512 GCM code a schedule is
 * 1,008 bytes: the round keys, then H^48 down to H^1, of which n blocks
 * of payload read the last n; so a 64-byte packet needs 5 of its 16 lines, and with many SAs, each line a
 * cache miss, the other 11 would only take memory bandwidth. Other GCM
 * layouts are loaded whole. */
static inline void fgw_crypto_prefetch_keys(const struct fgw_crypto *c,
					    const struct fgw_sa_keysched *ks, unsigned cipher,
					    unsigned len)
{
	const uint8_t *k = (const uint8_t *)ks;
	unsigned rounds_end, first;

	if (!fgw_cipher_is_aead(cipher) || !c->gcm_powers_last) {
		unsigned end = fgw_cipher_is_aead(cipher) ? sizeof(*ks) : sizeof(ks->cbc);

		for (unsigned off = 0; off < end; off += RTE_CACHE_LINE_SIZE)
			rte_prefetch1(k + off);
		return;
	}
	rounds_end = (cipher == FGW_CIPHER_AES_GCM_128 ? 11 : 15) * 16;
	for (unsigned off = 0; off < rounds_end; off += RTE_CACHE_LINE_SIZE)
		rte_prefetch1(k + off);
	first = RTE_ALIGN_FLOOR(fgw_crypto_gcm_powers_from(len), RTE_CACHE_LINE_SIZE);
	for (unsigned off = first; off < FGW_GCM_POWERS_END; off += RTE_CACHE_LINE_SIZE)
		rte_prefetch1(k + off);
}

/* One job, in place in buf. GCM authenticates aad then the cipher range;
 * HMAC authenticates [auth_off, auth_off + auth_len) -- after encrypting,
 * before decrypting. The ICV (tag_len bytes) is written to tag in both
 * directions: when decrypting, the caller compares it with the packet's. */
struct fgw_crypto_op {
	const struct fgw_sa_keysched *keys;
	uint8_t cipher;			/* enum fgw_cipher; NONE: hash only */
	uint8_t integ;			/* enum fgw_integ; NONE with GCM or cipher only */
	bool encrypt;
	uint8_t *buf;
	uint32_t cipher_off, cipher_len;
	uint32_t auth_off, auth_len;
	const uint8_t *iv;		/* GCM: the nonce; CBC: 16 bytes */
	uint32_t iv_len;
	const uint8_t *aad;
	uint32_t aad_len;
	uint8_t *tag;
	uint32_t tag_len;
	uint32_t user;			/* index into the verdict array */
};

/* Slots for up to n jobs (at most FGW_CRYPTO_BURST); returns how many.
 * The queue is empty between bursts, so that is n unless n is too big. */
static inline unsigned fgw_crypto_begin(struct fgw_crypto *c, unsigned n)
{
	c->n = 0;
	if (n > FGW_CRYPTO_BURST)
		n = FGW_CRYPTO_BURST;
	return IMB_GET_NEXT_BURST(c->mgr, n, c->jobs);
}

/* The scratch of the job fgw_crypto_add fills next. */
static inline struct fgw_crypto_scratch *fgw_crypto_scratch(struct fgw_crypto *c)
{
	return &c->scratch[c->n];
}

static inline IMB_HASH_ALG fgw_crypto_hash_alg(unsigned integ)
{
	switch (integ) {
	case FGW_INTEG_HMAC_SHA1_96: return IMB_AUTH_HMAC_SHA_1;
	case FGW_INTEG_HMAC_SHA256_128: return IMB_AUTH_HMAC_SHA_256;
	case FGW_INTEG_HMAC_SHA384_192: return IMB_AUTH_HMAC_SHA_384;
	case FGW_INTEG_HMAC_SHA512_256: return IMB_AUTH_HMAC_SHA_512;
	default: return IMB_AUTH_NULL;
	}
}

static inline void fgw_crypto_add(struct fgw_crypto *c, const struct fgw_crypto_op *op)
{
	IMB_JOB *j = c->jobs[c->n];

	c->user[c->n++] = op->user;

	j->src = op->buf;
	j->dst = op->buf + op->cipher_off;	/* output pointer, not offset */
	j->cipher_start_src_offset_in_bytes = op->cipher_off;
	j->msg_len_to_cipher_in_bytes = op->cipher_len;
	j->iv = op->iv;
	j->iv_len_in_bytes = op->iv_len;
	j->cipher_direction = op->encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	/* Encrypt-then-MAC: ESP authenticates the ciphertext both ways. */
	j->chain_order = op->encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	j->auth_tag_output = op->tag;
	j->auth_tag_output_len_in_bytes = op->tag_len;
	j->key_len_in_bytes = fgw_cipher_key_len(op->cipher);
	j->user_data = (void *)(uintptr_t)op->user;

	if (fgw_cipher_is_aead(op->cipher)) {
		j->cipher_mode = IMB_CIPHER_GCM;
		j->hash_alg = IMB_AUTH_AES_GMAC;
		j->enc_keys = &op->keys->gcm;
		j->dec_keys = &op->keys->gcm;
		j->hash_start_src_offset_in_bytes = op->cipher_off;
		j->msg_len_to_hash_in_bytes = op->cipher_len;
		j->u.GCM.aad = op->aad;
		j->u.GCM.aad_len_in_bytes = op->aad_len;
		return;
	}
	if (op->cipher == FGW_CIPHER_NONE) {
		j->cipher_mode = IMB_CIPHER_NULL;
	} else {
		j->cipher_mode = IMB_CIPHER_CBC;
		j->enc_keys = op->keys->cbc.enc;
		j->dec_keys = op->keys->cbc.dec;
	}
	j->hash_alg = fgw_crypto_hash_alg(op->integ);
	j->hash_start_src_offset_in_bytes = op->auth_off;
	j->msg_len_to_hash_in_bytes = op->auth_len;
	j->u.HMAC._hashed_auth_key_xor_ipad = op->keys->cbc.ipad;
	j->u.HMAC._hashed_auth_key_xor_opad = op->keys->cbc.opad;
}

/* Runs the filled jobs to completion. A job that did not complete sets
 * verdict[op->user] = FGW_SA_DROP_CRYPTO; other verdicts are left alone.
 * A burst of GCM jobs only runs through IPsec-MB's GCM functions, one of
 * CBC + HMAC jobs of one kind through its cipher and hash bursts, any
 * other through its burst API. */
void fgw_crypto_run(struct fgw_crypto *c, uint8_t *verdict);
/* The same, always through the burst API (for the benchmark). */
void fgw_crypto_run_burst(struct fgw_crypto *c, uint8_t *verdict);

/* Equal in time independent of where they differ. ICVs are 12 to 32
 * bytes: compared 8 bytes at a time (a byte loop cost about 40
 * instructions a packet, callgrind). */
static inline bool fgw_crypto_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	uint64_t d = 0, x, y;
	unsigned i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	for (; i < len; i++)
		d |= (uint64_t)(a[i] ^ b[i]);
	return d == 0;
}

#endif
