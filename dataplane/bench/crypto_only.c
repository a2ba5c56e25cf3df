/* The crypto-only limit: IPsec-MB's job API, through the same burst layer
 * the ESP code uses (fgw_crypto_begin/add/run), on prebuilt buffers laid
 * out as ESP packets of the size measured, one SA, one lcore. No mbufs, no
 * headers built, no sequence numbers, no replay window, no ICV compare:
 * just the cipher and integrity work a packet of that size costs, which is
 * the ceiling the data path is held against. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_launch.h>
#include <rte_malloc.h>

#include "dataplane/bench/bench.h"
#include "dataplane/ipsec/crypto.h"
#include "dataplane/ipsec/esp.h"

#define N_BUFS 256

struct bench_crypto_only {
	const struct bench_alg *alg;
	unsigned lcore;
	enum bench_dir dir;
	unsigned size;
	enum bench_crypto_api api;
	struct fgw_sa_keysched *keys;
	IMB_JOB direct[BENCH_BURST];	/* the direct CBC/HMAC bursts' jobs */
	uint8_t *bufs;
	volatile bool stop;
	struct bench_counter count;
	struct bench_counter *counts[1];
	struct bench_rate rate;
	struct fgw_crypto crypto;	/* the lcore's, made here */
};

/* ESP layout of an inner packet of `len` bytes in an outer IPv4 header:
 * IP | SPI seq | IV | payload pad trailer | ICV. */
static void layout(const struct bench_alg *a, unsigned len, uint32_t *cipher_off,
		   uint32_t *cipher_len, uint32_t *auth_off, uint32_t *auth_len)
{
	unsigned iv = fgw_cipher_iv_len(a->cipher), align = fgw_cipher_align(a->cipher);

	*cipher_off = 20 + FGW_ESP_HDR_LEN + iv;
	*cipher_len = RTE_ALIGN_CEIL(len + 2, align);
	*auth_off = 20;
	*auth_len = FGW_ESP_HDR_LEN + iv + *cipher_len;
}

/* One job at a time, as IPsec-MB's original API goes: submit returns a
 * completed job when the lanes are full; the rest are flushed. */
static void run_jobs(struct fgw_crypto *c)
{
	IMB_MGR *mgr = c->mgr;

	for (unsigned k = 0; k < c->n; k++) {
		IMB_JOB *j = IMB_GET_NEXT_JOB(mgr);

		/* the slot fgw_crypto_add filled, unless the queue moved */
		if (j != c->jobs[k])
			*j = *c->jobs[k];
		IMB_SUBMIT_JOB(mgr);
		while (IMB_GET_COMPLETED_JOB(mgr) != NULL)
			;
	}
	while (IMB_FLUSH_JOB(mgr) != NULL)
		;
}

/* CBC + HMAC as two single-algorithm bursts, in ESP's order (encrypt then
 * MAC; MAC then decrypt). */
static void run_cbc_hmac(struct bench_crypto_only *co, struct fgw_crypto *c)
{
	IMB_JOB *jobs = co->direct;
	unsigned n = c->n;
	IMB_KEY_SIZE_BYTES ks = fgw_cipher_key_len(co->alg->cipher) == 16 ?
				IMB_KEY_128_BYTES : IMB_KEY_256_BYTES;
	IMB_HASH_ALG hash = fgw_crypto_hash_alg(co->alg->integ);

	for (unsigned k = 0; k < n; k++)
		jobs[k] = *c->jobs[k];
	if (co->dir == BENCH_OUT) {
		IMB_SUBMIT_CIPHER_BURST(c->mgr, jobs, n, IMB_CIPHER_CBC, IMB_DIR_ENCRYPT, ks);
		IMB_SUBMIT_HASH_BURST(c->mgr, jobs, n, hash);
	} else {
		IMB_SUBMIT_HASH_BURST(c->mgr, jobs, n, hash);
		IMB_SUBMIT_CIPHER_BURST(c->mgr, jobs, n, IMB_CIPHER_CBC, IMB_DIR_DECRYPT, ks);
	}
}

static int crypto_only_main(void *arg)
{
	struct bench_crypto_only *co = arg;
	const struct bench_alg *a = co->alg;
	bool gcm = fgw_cipher_is_aead(a->cipher);
	unsigned tag_len = fgw_sa_icv_len(a->cipher, a->integ), i = 0;
	uint8_t verdict[FGW_CRYPTO_BURST];
	struct fgw_crypto *c = &co->crypto;
	uint64_t pkts = co->count.packets;

	bench_counter_own(&co->count);

	while (!co->stop) {
		unsigned n = fgw_crypto_begin(c, BENCH_BURST);

		for (unsigned k = 0; k < n; k++, i++) {
			uint8_t *buf = co->bufs + (size_t)(i % N_BUFS) * BENCH_BUF_STRIDE;
			unsigned len = bench_pkt_size(co->size, i);
			struct fgw_crypto_scratch *s = fgw_crypto_scratch(c);
			struct fgw_crypto_op op = {
				.keys = co->keys, .cipher = a->cipher, .integ = a->integ,
				.encrypt = co->dir == BENCH_OUT, .buf = buf, .user = k,
				.tag_len = tag_len,
			};

			layout(a, len, &op.cipher_off, &op.cipher_len, &op.auth_off, &op.auth_len);
			op.tag = buf + op.cipher_off + op.cipher_len;
			if (gcm) {
				memcpy(s->nonce, co->keys->salt, 4);
				memcpy(s->nonce + 4, buf + 28, 8);
				op.iv = s->nonce;
				op.iv_len = 12;
				op.aad = buf + 20;
				op.aad_len = 8;
			} else {
				op.iv = buf + 28;
				op.iv_len = 16;
			}
			verdict[k] = FGW_SA_DROP_NONE;
			fgw_crypto_add(c, &op);
		}
		/* The other APIs take the jobs filled in the manager's queue as
		 * their parameters; the queue's slots are left unsubmitted. */
		if (co->api == BENCH_API_FGW)
			fgw_crypto_run(c, verdict);
		else if (co->api == BENCH_API_BURST)
			fgw_crypto_run_burst(c, verdict);
		else if (co->api == BENCH_API_JOB)
			run_jobs(c);
		else if (gcm)
			fgw_crypto_run(c, verdict);	/* GCM's functions, directly */
		else
			run_cbc_hmac(co, c);
		c->n = 0;
		pkts += n;
		co->count.packets = pkts;
	}
	return 0;
}

static int co_start(void *arg)
{
	struct bench_crypto_only *co = arg;

	co->stop = false;
	return rte_eal_remote_launch(crypto_only_main, co, co->lcore) == 0 ? 0 : -1;
}

static void co_stop(void *arg)
{
	struct bench_crypto_only *co = arg;

	co->stop = true;
	rte_eal_wait_lcore(co->lcore);
}

struct bench_crypto_only *bench_crypto_only_create(const struct bench_alg *alg,
						   enum bench_dir dir, unsigned size,
						   enum bench_crypto_api api,
						   unsigned lcore, struct bench_task *t)
{
	struct bench_crypto_only *co;
	struct fgw_sa_keys keys;
	char err[128];

	co = rte_zmalloc("bench_crypto_only", sizeof(*co), 64);
	if (co == NULL)
		return NULL;
	co->alg = alg;
	co->dir = dir;
	co->size = size;
	co->api = api;
	co->lcore = lcore;
	co->keys = rte_zmalloc("bench_keys", sizeof(*co->keys), 64);
	co->bufs = rte_zmalloc("bench_bufs", (size_t)N_BUFS * BENCH_BUF_STRIDE, 64);
	if (co->keys == NULL || co->bufs == NULL ||
	    fgw_crypto_init(&co->crypto, err, sizeof(err)) < 0)
		goto fail;
	bench_sa_keys(0, &keys);
	if (fgw_crypto_keysched(co->crypto.mgr, co->keys, alg->cipher, keys.enc,
				keys.enc + fgw_cipher_key_len(alg->cipher), alg->integ,
				keys.auth, fgw_integ_key_len(alg->integ)) < 0)
		goto fail;
	explicit_bzero(&keys, sizeof(keys));
	for (size_t i = 0; i < (size_t)N_BUFS * BENCH_BUF_STRIDE; i++)
		co->bufs[i] = (uint8_t)(i * 13);
	co->counts[0] = &co->count;
	*t = (struct bench_task){
		.start = co_start, .stop = co_stop, .arg = co, .count = co->counts, .n = 1,
		.mean_size = bench_mean_size(size), .rates = &co->rate,
	};
	return co;
fail:
	explicit_bzero(&keys, sizeof(keys));
	bench_crypto_only_free(co);
	return NULL;
}

void bench_crypto_only_free(struct bench_crypto_only *co)
{
	if (co == NULL)
		return;
	fgw_crypto_free(&co->crypto);
	rte_free(co->bufs);
	rte_free(co->keys);
	rte_free(co);
}
