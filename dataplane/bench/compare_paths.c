/* --compare-paths: the two ways DESIGN.md allows the workers to do ESP
 * crypto, measured on the same lcore with the same packets and the same
 * per-packet overhead around them (mbuf alloc, copy of the inner packet,
 * free):
 *   ipsec-mb   fgw_esp_encap: our ESP code, crypto by IPsec-MB's burst API;
 *   lib/ipsec  DPDK lib/ipsec (rte_ipsec_pkt_cpu_prepare + _process) over
 *              an ipsec_mb cryptodev (aesni_mb; for GCM also aesni_gcm) in
 *              CPU-crypto mode (rte_cryptodev_sym_cpu_crypto_process),
 *              plus the outer IPv4 header checksum, which lib/ipsec leaves
 *              to the application (a NIC offload; software here).
 *   none       the alloc, copy and free alone: what the two share, so that
 *              the rest is each path's own cost.
 * Outbound, tunnel mode, one SA, no forwarding: the crypto path alone. */
#include <stdio.h>
#include <string.h>

#include <rte_cryptodev.h>
#include <rte_dev.h>
#include <rte_ip.h>
#include <rte_ipsec.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dataplane/bench/bench.h"
#include "dataplane/dp.h"
#include "dataplane/ipsec/crypto.h"
#include "dataplane/ipsec/esp.h"
#include "dataplane/ipsec/sa_setup.h"

#define N_TEMPLATES 252
#define IV_OFFSET (sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))

/* What both paths use. */
struct cmp_shared {
	struct rte_mempool *pool;
	uint8_t *tmpl;			/* N_TEMPLATES inner packets, BENCH_BUF_STRIDE apart */
	unsigned size, lcore;
	struct fgw_sa *sa;
	struct rte_ipsec_session ss;
	struct fgw_crypto crypto;	/* the lcore's, for fgw_esp_encap */
};

/* One path. */
enum cmp_path { CMP_IPSEC_MB, CMP_LIB_IPSEC, CMP_NONE, CMP_PATHS };

struct cmp {
	struct cmp_shared *sh;
	enum cmp_path path;
	unsigned next;
	volatile bool stop;
	struct bench_counter count;
	struct bench_counter *counts[1];
	struct bench_rate rate;
};

static int cmp_main(void *arg)
{
	struct cmp *c = arg;
	struct cmp_shared *sh = c->sh;
	struct rte_mbuf *m[BENCH_BURST];
	struct fgw_sa *sa[BENCH_BURST];
	uint8_t verdict[BENCH_BURST];
	unsigned next = c->next;
	uint64_t pkts = c->count.packets, dropped = c->count.dropped;

	bench_counter_own(&c->count);
	for (unsigned i = 0; i < BENCH_BURST; i++)
		sa[i] = sh->sa;
	while (!c->stop) {
		unsigned ok = 0;

		if (rte_pktmbuf_alloc_bulk(sh->pool, m, BENCH_BURST) != 0)
			continue;
		for (unsigned i = 0; i < BENCH_BURST; i++) {
			unsigned len = bench_pkt_size(sh->size, next);

			rte_memcpy(rte_pktmbuf_mtod(m[i], void *),
				   sh->tmpl + (size_t)next * BENCH_BUF_STRIDE, len);
			m[i]->data_len = (uint16_t)len;
			m[i]->pkt_len = len;
			m[i]->l2_len = 0;
			m[i]->l3_len = sizeof(struct rte_ipv4_hdr);
			next = next + 1 == N_TEMPLATES ? 0 : next + 1;
		}
		if (c->path == CMP_NONE) {
			ok = BENCH_BURST;
		} else if (c->path == CMP_LIB_IPSEC) {
			ok = rte_ipsec_pkt_cpu_prepare(&sh->ss, m, BENCH_BURST);
			ok = rte_ipsec_pkt_process(&sh->ss, m, (uint16_t)ok);
			for (unsigned i = 0; i < ok; i++) {
				struct rte_ipv4_hdr *ip =
					rte_pktmbuf_mtod(m[i], struct rte_ipv4_hdr *);

				ip->hdr_checksum = 0;
				ip->hdr_checksum = rte_ipv4_cksum(ip);
			}
		} else {
			fgw_esp_encap(&sh->crypto, m, sa, BENCH_BURST, verdict);
			for (unsigned i = 0; i < BENCH_BURST; i++)
				ok += verdict[i] == FGW_SA_DROP_NONE;
		}
		rte_pktmbuf_free_bulk(m, BENCH_BURST);
		pkts += ok;
		dropped += BENCH_BURST - ok;
		c->count.packets = pkts;
		c->count.dropped = dropped;
	}
	c->next = next;
	return 0;
}

static int cmp_start(void *arg)
{
	struct cmp *c = arg;

	c->stop = false;
	return rte_eal_remote_launch(cmp_main, c, c->sh->lcore) == 0 ? 0 : -1;
}

static void cmp_stop(void *arg)
{
	struct cmp *c = arg;

	c->stop = true;
	rte_eal_wait_lcore(c->sh->lcore);
}

/* An ipsec_mb cryptodev (driver crypto_aesni_mb or crypto_aesni_gcm),
 * configured and started; made once, kept for the run. */
static int cryptodev_up(const char *drv, uint8_t *dev_id, char *err, size_t errlen)
{
	char name[64], devargs[96];
	struct rte_cryptodev_info info;
	int id;

	snprintf(name, sizeof(name), "%s_bench", drv);
	id = rte_cryptodev_get_dev_id(name);
	if (id >= 0) {
		*dev_id = (uint8_t)id;
		return 0;
	}
	/* the vdev's name must start with its driver's */
	snprintf(devargs, sizeof(devargs), "%s,max_nb_queue_pairs=1", name);
	if (rte_dev_probe(devargs) != 0 || (id = rte_cryptodev_get_dev_id(name)) < 0) {
		snprintf(err, errlen, "cannot create the %s cryptodev", drv);
		return -1;
	}
	*dev_id = (uint8_t)id;
	rte_cryptodev_info_get(*dev_id, &info);
	if (!(info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO)) {
		snprintf(err, errlen, "%s has no CPU-crypto mode", drv);
		return -1;
	}
	struct rte_cryptodev_config conf = {
		.socket_id = (int)rte_socket_id(), .nb_queue_pairs = 1,
	};
	struct rte_cryptodev_qp_conf qp = { .nb_descriptors = 1024 };
	if (rte_cryptodev_configure(*dev_id, &conf) < 0 ||
	    rte_cryptodev_queue_pair_setup(*dev_id, 0, &qp, conf.socket_id) < 0 ||
	    rte_cryptodev_start(*dev_id) < 0) {
		snprintf(err, errlen, "cannot start the %s cryptodev", drv);
		return -1;
	}
	return 0;
}

static enum rte_crypto_auth_algorithm dpdk_auth(unsigned integ)
{
	switch (integ) {
	case FGW_INTEG_HMAC_SHA1_96: return RTE_CRYPTO_AUTH_SHA1_HMAC;
	case FGW_INTEG_HMAC_SHA256_128: return RTE_CRYPTO_AUTH_SHA256_HMAC;
	case FGW_INTEG_HMAC_SHA384_192: return RTE_CRYPTO_AUTH_SHA384_HMAC;
	default: return RTE_CRYPTO_AUTH_SHA512_HMAC;
	}
}

/* lib/ipsec's outbound SA with the same keys, SPI and tunnel as ours. */
static int libipsec_sa(struct cmp_shared *c, const struct bench_alg *a,
		       const struct fgw_sa_keys *keys, struct rte_mempool *ses_pool, uint8_t dev_id,
		       struct rte_ipsec_sa **out, char *err, size_t errlen)
{
	static struct rte_ipv4_hdr outer = {
		.version_ihl = RTE_IPV4_VHL_DEF, .time_to_live = 64,
		.next_proto_id = IPPROTO_ESP,
	};
	unsigned klen = fgw_cipher_key_len(a->cipher);
	struct rte_crypto_sym_xform xf[2];
	struct rte_ipsec_sa_prm prm;
	int size;

	memset(xf, 0, sizeof(xf));
	memset(&prm, 0, sizeof(prm));
	outer.src_addr = rte_cpu_to_be_32(bench_ipv4(192, 0, 2, 1));
	outer.dst_addr = rte_cpu_to_be_32(bench_ipv4(192, 0, 2, 2));
	if (fgw_cipher_is_aead(a->cipher)) {
		xf[0].type = RTE_CRYPTO_SYM_XFORM_AEAD;
		xf[0].aead.op = RTE_CRYPTO_AEAD_OP_ENCRYPT;
		xf[0].aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
		xf[0].aead.key.data = keys->enc;
		xf[0].aead.key.length = (uint16_t)klen;
		xf[0].aead.iv.offset = IV_OFFSET;
		xf[0].aead.iv.length = 12;
		xf[0].aead.digest_length = 16;
		xf[0].aead.aad_length = 8;
		memcpy(&prm.ipsec_xform.salt, keys->enc + klen, 4);
	} else {
		xf[0].type = RTE_CRYPTO_SYM_XFORM_CIPHER;
		xf[0].cipher.op = RTE_CRYPTO_CIPHER_OP_ENCRYPT;
		xf[0].cipher.algo = RTE_CRYPTO_CIPHER_AES_CBC;
		xf[0].cipher.key.data = keys->enc;
		xf[0].cipher.key.length = (uint16_t)klen;
		xf[0].cipher.iv.offset = IV_OFFSET;
		xf[0].cipher.iv.length = 16;
		xf[0].next = &xf[1];
		xf[1].type = RTE_CRYPTO_SYM_XFORM_AUTH;
		xf[1].auth.op = RTE_CRYPTO_AUTH_OP_GENERATE;
		xf[1].auth.algo = dpdk_auth(a->integ);
		xf[1].auth.key.data = keys->auth;
		xf[1].auth.key.length = (uint16_t)fgw_integ_key_len(a->integ);
		xf[1].auth.digest_length = (uint16_t)fgw_integ_icv_len(a->integ);
	}
	prm.ipsec_xform.spi = fgw_spi_make(0, 1);
	prm.ipsec_xform.direction = RTE_SECURITY_IPSEC_SA_DIR_EGRESS;
	prm.ipsec_xform.proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
	prm.ipsec_xform.mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
	prm.ipsec_xform.tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV4;
	prm.crypto_xform = xf;
	prm.tun.hdr = &outer;
	prm.tun.hdr_len = sizeof(outer);
	prm.tun.hdr_l3_off = 0;
	prm.tun.next_proto = IPPROTO_IPIP;

	size = rte_ipsec_sa_size(&prm);
	if (size < 0 || (*out = rte_zmalloc("bench_libipsec_sa", (size_t)size, 64)) == NULL) {
		snprintf(err, errlen, "lib/ipsec SA: %s", size < 0 ? "bad parameters" :
			 "out of memory");
		return -1;
	}
	if (rte_ipsec_sa_init(*out, &prm, (uint32_t)size) < 0) {
		snprintf(err, errlen, "rte_ipsec_sa_init failed");
		return -1;
	}
	c->ss.sa = *out;
	c->ss.type = RTE_SECURITY_ACTION_TYPE_CPU_CRYPTO;
	c->ss.crypto.dev_id = dev_id;
	c->ss.crypto.ses = rte_cryptodev_sym_session_create(dev_id, xf, ses_pool);
	if (c->ss.crypto.ses == NULL || rte_ipsec_session_prepare(&c->ss) != 0) {
		snprintf(err, errlen, "lib/ipsec session for %s: %s", a->name,
			 c->ss.crypto.ses == NULL ? "cryptodev refused the transform" :
			 "rte_ipsec_session_prepare failed");
		return -1;
	}
	return 0;
}

void bench_compare_paths_end(void)
{
	for (uint8_t id = 0; id < rte_cryptodev_count(); id++)
		rte_cryptodev_stop(id);
}

int bench_compare_paths(const struct bench_alg *alg, const char *pmd, unsigned size,
			unsigned lcore, const struct bench_opts *o, struct bench_rate *fgw,
			struct bench_rate *libipsec, struct bench_rate *none, char *err,
			size_t errlen)
{
	struct cmp_shared *c = rte_zmalloc("bench_cmp", sizeof(*c), 64);
	struct cmp *path[CMP_PATHS] = { NULL };
	struct bench_task t[CMP_PATHS];
	struct rte_mempool *ses_pool = NULL;
	struct rte_ipsec_sa *lsa = NULL;
	struct fgw_sa_keys keys;
	uint8_t dev_id;
	int rc = -1;

	bench_sa_keys(0, &keys);
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->size = size;
	c->lcore = lcore;
	c->tmpl = rte_zmalloc("bench_cmp_tmpl", (size_t)N_TEMPLATES * BENCH_BUF_STRIDE, 64);
	c->pool = fgw_mbuf_pool_create("bench_cmp", 8191, 256, (int)rte_socket_id());
	c->sa = fgw_sa_alloc(0, SOCKET_ID_ANY);
	for (unsigned p = 0; p < CMP_PATHS; p++)
		path[p] = rte_zmalloc("bench_cmp_path", sizeof(*path[p]), 64);
	if (c->tmpl == NULL || c->pool == NULL || c->sa == NULL || !path[0] || !path[1] ||
	    !path[2]) {
		snprintf(err, errlen, "out of DPDK memory");
		goto out;
	}
	for (unsigned i = 0; i < N_TEMPLATES; i++)
		bench_ipv4_udp(c->tmpl + (size_t)i * BENCH_BUF_STRIDE, bench_pkt_size(size, i),
			       rte_cpu_to_be_32(bench_ipv4(198, 51, 100, 1)), bench_sa_dst(1, 0),
			       (uint16_t)(1024 + i));
	c->sa->spi = fgw_spi_make(0, 1);
	c->sa->mode = FGW_SA_TUNNEL;
	c->sa->cipher = alg->cipher;
	c->sa->integ = alg->integ;
	fgw_addr_parse("192.0.2.1", &c->sa->src);
	fgw_addr_parse("192.0.2.2", &c->sa->dst);
	c->sa->ttl = 64;
	c->sa->dscp = FGW_SA_DSCP_COPY;
	c->sa->df = FGW_SA_DF_COPY;
	if (fgw_crypto_init(&c->crypto, err, errlen) < 0 ||
	    fgw_sa_prepare(c->sa, &keys, c->crypto.mgr, err, errlen) < 0 ||
	    cryptodev_up(pmd, &dev_id, err, errlen) < 0)
		goto out;
	ses_pool = rte_cryptodev_sym_session_pool_create("bench_ses", 16,
		rte_cryptodev_sym_get_private_session_size(dev_id), 0, 0, (int)rte_socket_id());
	if (ses_pool == NULL) {
		snprintf(err, errlen, "cannot create the session pool");
		goto out;
	}
	if (libipsec_sa(c, alg, &keys, ses_pool, dev_id, &lsa, err, errlen) < 0)
		goto out;
	for (unsigned p = 0; p < CMP_PATHS; p++) {
		path[p]->sh = c;
		path[p]->path = (enum cmp_path)p;
		path[p]->counts[0] = &path[p]->count;
		t[p] = (struct bench_task){
			.start = cmp_start, .stop = cmp_stop, .arg = path[p],
			.count = path[p]->counts, .n = 1, .mean_size = bench_mean_size(size),
			.rates = &path[p]->rate,
		};
	}
	if (bench_interleave(t, CMP_PATHS, o) < 0) {
		snprintf(err, errlen, "cannot run on lcore %u", lcore);
		goto out;
	}
	*fgw = t[0].total;
	*libipsec = t[1].total;
	*none = t[2].total;
	rc = 0;
out:
	explicit_bzero(&keys, sizeof(keys));
	if (c->ss.crypto.ses != NULL)
		rte_cryptodev_sym_session_free(c->ss.crypto.dev_id, c->ss.crypto.ses);
	rte_mempool_free(ses_pool);
	rte_free(lsa);
	fgw_crypto_free(&c->crypto);
	fgw_sa_free(c->sa);
	rte_mempool_free(c->pool);
	rte_free(c->tmpl);
	for (unsigned p = 0; p < CMP_PATHS; p++)
		rte_free(path[p]);
	rte_free(c);
	return rc;
}
