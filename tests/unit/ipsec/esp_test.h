/* What the ESP tests and the vector tool share: EAL with an mbuf pool and
 * no hardware, SAs made from a short description, mbufs from bytes. */
#ifndef FGW_ESP_TEST_H
#define FGW_ESP_TEST_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "common/sa.h"
#include "dataplane/ipsec/crypto.h"
#include "dataplane/ipsec/esp.h"
#include "dataplane/ipsec/sa_setup.h"
#include "tests/unit/unit_eal.h"

static struct rte_mempool *test_pool;
static struct fgw_crypto test_crypto;

static inline int test_eal_init(const char *prog)
{
	char prefix[64], err[128];
	/* No telemetry: its socket is unlinked by an exit handler, too late
	 * for test_eal_fini to remove the runtime directory. */
	char *argv[] = {
		(char *)prog, "--no-huge", "--no-shconf", "-m", "128", "--no-pci",
		"--no-telemetry", "--file-prefix", prefix, "--log-level", "lib.*:error",
		"-l", "0", NULL,
	};

	snprintf(prefix, sizeof(prefix), "fgw-ipsec-test-%d", (int)getpid());
	if (rte_eal_init(sizeof(argv) / sizeof(argv[0]) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return -1;
	}
	test_pool = rte_pktmbuf_pool_create("test", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    SOCKET_ID_ANY);
	if (!test_pool || fgw_crypto_init(&test_crypto, err, sizeof(err))) {
		fprintf(stderr, "setup failed: %s\n", test_pool ? err : "mbuf pool");
		return -1;
	}
	return 0;
}

static inline void test_eal_fini(void)
{
	fgw_crypto_free(&test_crypto);
	rte_mempool_free(test_pool);
	unit_eal_cleanup();
}

static inline struct rte_mbuf *test_mbuf(const uint8_t *data, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_pool);
	uint8_t *p;

	if (!m)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	if (!p) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, data, len);
	return m;
}

/* One direction of an SA: everything the ESP code reads. */
struct test_sa_spec {
	unsigned cipher, integ;
	unsigned mode;			/* FGW_SA_TUNNEL / FGW_SA_TRANSPORT */
	bool inbound, esn;
	uint32_t spi;
	unsigned window;		/* inbound */
	struct fgw_addr src, dst;	/* tunnel endpoints */
	uint16_t sport, dport;		/* NAT-T, 0 for none */
	uint8_t ttl, dscp, df;
	struct fgw_sa_lifetime life;
	uint64_t seq;			/* outbound: the last one used */
};

static inline struct fgw_sa *test_sa(const struct test_sa_spec *t, const struct fgw_sa_keys *k,
				     char *err, size_t errlen)
{
	struct fgw_sa *sa = fgw_sa_alloc(t->inbound ? t->window : 0, SOCKET_ID_ANY);

	if (!sa) {
		snprintf(err, errlen, "cannot allocate the SA");
		return NULL;
	}
	sa->spi = t->spi;
	sa->flags = (t->inbound ? FGW_SA_F_INBOUND : 0) | (t->esn ? FGW_SA_F_ESN : 0);
	sa->mode = t->mode;
	sa->cipher = t->cipher;
	sa->integ = t->integ;
	sa->src = t->src;
	sa->dst = t->dst;
	sa->natt_sport = t->sport;
	sa->natt_dport = t->dport;
	sa->ttl = t->ttl;
	sa->dscp = t->dscp;
	sa->df = t->df;
	sa->life = t->life;
	sa->seq = t->seq;
	if (fgw_sa_prepare(sa, k, test_crypto.mgr, err, errlen)) {
		fgw_sa_free(sa);
		return NULL;
	}
	return sa;
}

/* Sets l3_len/l4_len on an ESP packet as a classifier would. */
static inline void test_classify(struct rte_mbuf *m, bool natt)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	m->l3_len = p[0] >> 4 == 4 ? (p[0] & 0x0f) * 4 : sizeof(struct rte_ipv6_hdr);
	m->l4_len = natt ? 8 : 0;
}

#endif
