/* ESP encapsulation and decapsulation (dataplane/ipsec/esp_out.c, esp_in.c):
 * round trips for every algorithm, mode, family and NAT-T, the headers
 * they build, the published draft-mcgrew-gcm-test-01 packets decapsulated,
 * and every inbound and outbound drop reason. */
#include <stdlib.h>

#include <rte_ether.h>
#include <rte_udp.h>

#include "dataplane/ipsec/replay.h"
#include "esp_test.h"
#include "tests/unit/unit.h"
#include "vectors.h"
#include "tests/unit/unit_addr.h"

#define CHECK_SA(sa) EXPECT((sa) != NULL, "SA: %s", err)

static struct fgw_sa_keys keys;
static char err[128];

static const struct { unsigned cipher, integ; } algs[] = {
	{ FGW_CIPHER_AES_GCM_128, FGW_INTEG_NONE },
	{ FGW_CIPHER_AES_GCM_256, FGW_INTEG_NONE },
	{ FGW_CIPHER_AES_CBC_128, FGW_INTEG_HMAC_SHA1_96 },
	{ FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA1_96 },
	{ FGW_CIPHER_AES_CBC_128, FGW_INTEG_HMAC_SHA256_128 },
	{ FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA256_128 },
	{ FGW_CIPHER_AES_CBC_128, FGW_INTEG_HMAC_SHA384_192 },
	{ FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA384_192 },
	{ FGW_CIPHER_AES_CBC_128, FGW_INTEG_HMAC_SHA512_256 },
	{ FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA512_256 },
};
#define N_ALGS (sizeof(algs) / sizeof(algs[0]))

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An IPv4 or IPv6 packet of `len` bytes: UDP (tunnel payloads) or GRE
 * between the tunnel endpoints (transport payloads). */
static struct rte_mbuf *packet(int family, unsigned len, uint8_t tos, bool df, bool gre)
{
	uint8_t b[2048];

	memset(b, 0, sizeof(b));
	for (unsigned i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	if (family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;
		struct fgw_addr s = unit_addr(gre ? "192.0.2.1" : "198.51.100.1");
		struct fgw_addr d = unit_addr(gre ? "192.0.2.2" : "198.51.100.2");

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = tos;
		ip->total_length = rte_cpu_to_be_16(len);
		ip->packet_id = rte_cpu_to_be_16(0x1234);
		ip->fragment_offset = df ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
		ip->time_to_live = 63;
		ip->next_proto_id = gre ? IPPROTO_GRE : IPPROTO_UDP;
		ip->src_addr = s.v4;
		ip->dst_addr = d.v4;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)b;
		struct fgw_addr s = unit_addr(gre ? "2001:db8::1" : "2001:db8:1::1");
		struct fgw_addr d = unit_addr(gre ? "2001:db8::2" : "2001:db8:2::1");

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tos << 20 | 0x12345);
		ip->payload_len = rte_cpu_to_be_16(len - sizeof(*ip));
		ip->proto = gre ? IPPROTO_GRE : IPPROTO_UDP;
		ip->hop_limits = 63;
		memcpy(ip->src_addr, s.v6, 16);
		memcpy(ip->dst_addr, d.v6, 16);
	}
	return test_mbuf(b, len);
}

static struct test_sa_spec spec(unsigned a, unsigned mode, int family, bool natt, bool esn)
{
	struct test_sa_spec t = {
		.cipher = algs[a].cipher, .integ = algs[a].integ, .mode = mode, .esn = esn,
		.spi = fgw_spi_make(1000 + a, 0x5a), .window = 64,
		.sport = natt ? 4500 : 0, .dport = natt ? 4500 : 0,
		.ttl = 64, .dscp = FGW_SA_DSCP_COPY, .df = FGW_SA_DF_COPY,
	};

	t.src = unit_addr(family == AF_INET ? "192.0.2.1" : "2001:db8::1");
	t.dst = unit_addr(family == AF_INET ? "192.0.2.2" : "2001:db8::2");
	return t;
}

/* An outbound SA and the matching inbound one. */
static bool pair(struct test_sa_spec t, struct fgw_sa **out, struct fgw_sa **in)
{
	*out = test_sa(&t, &keys, err, sizeof(err));
	t.inbound = true;
	t.seq = 0;
	*in = test_sa(&t, &keys, err, sizeof(err));
	return *out && *in;
}

static bool ipv4_checksum_ok(const uint8_t *p)
{
	return rte_raw_cksum(p, (p[0] & 0x0f) * 4) == 0xffff;
}

/* The encapsulated packet's headers, as built from the SA. */
static bool check_encap(const struct rte_mbuf *m, const struct fgw_sa *sa, uint64_t seq,
			uint8_t inner_tos, bool inner_df, unsigned payload)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned total = rte_pktmbuf_data_len(m), ip_len, esp_off, ct;
	bool natt = sa->natt_sport != 0;
	uint8_t proto = natt ? IPPROTO_UDP : IPPROTO_ESP;
	uint8_t tos = (sa->dscp == FGW_SA_DSCP_COPY ? inner_tos & 0xfc : sa->dscp << 2) |
		      (inner_tos & 3);

	/* encap sets both lengths at once, from its own sum */
	EXPECT(m->nb_segs == 1 && rte_pktmbuf_pkt_len(m) == total, "pkt_len %u, data_len %u",
	       rte_pktmbuf_pkt_len(m), total);
	if (p[0] >> 4 == 4) {
		ip_len = (p[0] & 0x0f) * 4;
		EXPECT(get16(p + 2) == total, "IPv4 total length");
		EXPECT(ipv4_checksum_ok(p), "IPv4 header checksum");
		EXPECT(p[9] == proto, "protocol %u", p[9]);
		if (sa->mode == FGW_SA_TUNNEL) {
			bool df = sa->df == FGW_SA_DF_SET ||
				  (sa->df == FGW_SA_DF_COPY && inner_df);

			EXPECT(p[1] == tos, "TOS %02x want %02x", p[1], tos);
			EXPECT(p[8] == sa->ttl, "TTL %u", p[8]);
			EXPECT(get16(p + 4) == (uint16_t)seq, "ID");
			EXPECT(get16(p + 6) == (df ? 0x4000 : 0), "DF/fragment %04x", get16(p + 6));
			EXPECT(!memcmp(p + 12, &sa->src.v4, 4) && !memcmp(p + 16, &sa->dst.v4, 4),
			       "addresses");
		}
	} else {
		ip_len = sizeof(struct rte_ipv6_hdr);
		EXPECT(get16(p + 4) == total - ip_len, "IPv6 payload length");
		EXPECT(p[6] == proto, "next header %u", p[6]);
		if (sa->mode == FGW_SA_TUNNEL) {
			EXPECT(get32(p) == (6u << 28 | (uint32_t)tos << 20), "version/class/flow");
			EXPECT(p[7] == sa->ttl, "hop limit");
			EXPECT(!memcmp(p + 8, sa->src.v6, 16) && !memcmp(p + 24, sa->dst.v6, 16),
			       "addresses");
		}
	}
	esp_off = ip_len;
	if (natt) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)p;
		const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(p + ip_len);

		EXPECT(get16(p + ip_len) == 4500 && get16(p + ip_len + 2) == 4500, "ports");
		EXPECT(get16(p + ip_len + 4) == total - ip_len, "UDP length");
		if (p[0] >> 4 == 4)
			EXPECT(udp->dgram_cksum == 0, "IPv4 NAT-T checksum is 0 (RFC 3948)");
		else
			EXPECT(rte_ipv6_udptcp_cksum_verify(ip6, udp) == 0, "IPv6 UDP checksum");
		esp_off += 8;
	}
	EXPECT(get32(p + esp_off) == sa->spi, "SPI");
	EXPECT(get32(p + esp_off + 4) == (uint32_t)seq, "sequence number");
	ct = total - esp_off - FGW_ESP_HDR_LEN - sa->iv_len - sa->icv_len;
	EXPECT(ct % sa->align == 0 && (sa->iv_len + ct) % 4 == 0, "alignment, %u bytes", ct);
	EXPECT(ct >= payload + 2 && ct < payload + 2 + sa->align, "padding: %u for %u", ct, payload);
	if (sa->iv_len == 8) {
		rte_be64_t iv = rte_cpu_to_be_64(seq);

		EXPECT(!memcmp(p + esp_off + 8, &iv, 8), "GCM IV is the sequence number");
	} else {
		/* The CBC IV is the sequence number block encrypted. */
		static const uint8_t zero_iv[16];
		uint8_t blk[16] = { 0 }, tag[4], verdict = 0;
		rte_be64_t s = rte_cpu_to_be_64(seq);
		struct fgw_crypto_op op = {
			.keys = &sa->keys, .cipher = sa->cipher, .encrypt = true, .buf = blk,
			.cipher_len = 16, .iv = zero_iv, .iv_len = 16, .tag = tag,
		};

		memcpy(blk + 8, &s, 8);
		fgw_crypto_begin(&test_crypto, 1);
		fgw_crypto_add(&test_crypto, &op);
		fgw_crypto_run(&test_crypto, &verdict);
		EXPECT(verdict == 0 && !memcmp(p + esp_off + 8, blk, 16), "CBC IV = E(seq)");
	}
	return true;
}

/* ---- round trips ----------------------------------------------------------------- */

static const unsigned sizes[] = { 0, 1, 2, 3, 15, 16, 17, 100, 1000, 1400 };
#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/* A burst of every size through encap and decap, headers checked between. */
static bool roundtrip(unsigned a, unsigned mode, int outer, int inner, bool natt, bool esn,
		      uint64_t start_seq)
{
	struct test_sa_spec t = spec(a, mode, outer, natt, esn);
	struct rte_mbuf *m[N_SIZES];
	uint8_t orig[N_SIZES][1500], verdict[N_SIZES], tos = 0xb9;	/* DSCP 46, ECT(1) */
	unsigned len[N_SIZES];
	struct fgw_sa *out, *in, *outs[N_SIZES], *ins[N_SIZES];
	bool ok = true;

	t.seq = start_seq;
	EXPECT(pair(t, &out, &in), "%s", err);
	if (esn)	/* the receiver is where the sender starts */
		in->replay.top = start_seq;
	for (unsigned i = 0; i < N_SIZES; i++) {
		unsigned hdr = inner == AF_INET ? 20 : 40;

		len[i] = hdr + sizes[i];
		m[i] = packet(inner, len[i], tos, i & 1, mode == FGW_SA_TRANSPORT);
		EXPECT(m[i], "mbuf");
		memcpy(orig[i], rte_pktmbuf_mtod(m[i], void *), len[i]);
		outs[i] = out;
		ins[i] = in;
	}
	fgw_esp_encap(&test_crypto, m, outs, N_SIZES, verdict);
	for (unsigned i = 0; i < N_SIZES && ok; i++) {
		unsigned kept = mode == FGW_SA_TRANSPORT ? len[i] - sizes[i] : 0;

		ok = verdict[i] == FGW_SA_DROP_NONE;
		if (!ok)
			snprintf(unit_why, sizeof(unit_why), "encap %u: %s", i,
				 fgw_sa_drop_name(verdict[i]));
		else
			ok = check_encap(m[i], out, start_seq + 1 + i, tos,
					 inner == AF_INET6 || (i & 1), len[i] - kept);
		test_classify(m[i], natt);
	}
	if (ok) {
		fgw_esp_decap(&test_crypto, m, ins, N_SIZES, verdict);
		for (unsigned i = 0; i < N_SIZES && ok; i++) {
			ok = verdict[i] == FGW_SA_DROP_NONE;
			if (!ok)
				snprintf(unit_why, sizeof(unit_why), "decap %u (%u bytes): %s", i,
					 len[i], fgw_sa_drop_name(verdict[i]));
			else if (rte_pktmbuf_data_len(m[i]) != len[i] ||
				 memcmp(rte_pktmbuf_mtod(m[i], void *), orig[i], len[i])) {
				ok = false;
				snprintf(unit_why, sizeof(unit_why), "decap %u: %u bytes differ", i,
					 len[i]);
			}
		}
	}
	if (ok && (out->stats.packets != N_SIZES || in->stats.packets != N_SIZES ||
		   out->stats.bytes != in->stats.bytes)) {
		ok = false;
		snprintf(unit_why, sizeof(unit_why), "counters");
	}
	for (unsigned i = 0; i < N_SIZES; i++)
		rte_pktmbuf_free(m[i]);
	fgw_sa_free(out);
	fgw_sa_free(in);
	return ok;
}

static bool roundtrip_all(void)
{
	static const int fam[] = { AF_INET, AF_INET6 };

	for (unsigned a = 0; a < N_ALGS; a++)
		for (unsigned o = 0; o < 2; o++)
			for (unsigned i = 0; i < 2; i++)
				for (unsigned natt = 0; natt < 2; natt++)
					for (unsigned esn = 0; esn < 2; esn++) {
						char why[sizeof(unit_why)];

						if (roundtrip(a, FGW_SA_TUNNEL, fam[o], fam[i],
							      natt, esn, esn ? 0xfffffff8 : 0))
							continue;
						memcpy(why, unit_why, sizeof(why));
						EXPECT(false, "tunnel %s/%s outer v%u inner v%u natt %u "
						       "esn %u: %.300s", fgw_cipher_name(algs[a].cipher),
						       fgw_integ_name(algs[a].integ), o ? 6 : 4,
						       i ? 6 : 4, natt, esn, why);
					}
	return true;
}

static bool roundtrip_transport(void)
{
	static const int fam[] = { AF_INET, AF_INET6 };

	for (unsigned a = 0; a < N_ALGS; a++)
		for (unsigned f = 0; f < 2; f++)
			for (unsigned natt = 0; natt < 2; natt++)
				for (unsigned esn = 0; esn < 2; esn++) {
					char why[sizeof(unit_why)];

					if (roundtrip(a, FGW_SA_TRANSPORT, fam[f], fam[f], natt,
						      esn, esn ? UINT64_C(0x1fffffffa) : 5))
						continue;
					memcpy(why, unit_why, sizeof(why));
					EXPECT(false, "transport %s/%s v%u natt %u esn %u: %.300s",
					       fgw_cipher_name(algs[a].cipher),
					       fgw_integ_name(algs[a].integ), f ? 6 : 4, natt, esn, why);
				}
	return true;
}

/* Several SAs interleaved in one burst bigger than a crypto burst: each
 * SA's numbers are consecutive in packet order. The SAs are of each kind
 * esp_out.c's encap_kind sorts runs into (GCM and CBC tunnel mode over
 * IPv4, and NAT-T's general one), in runs of 1-3: every header checked. */
static bool interleaved_sas(void)
{
	enum { N = 150, K = 4 };
	struct fgw_sa *out[K], *in[K], *outs[N], *ins[N];
	struct rte_mbuf *m[N];
	uint8_t verdict[N];
	uint32_t next[K];

	for (unsigned k = 0; k < K; k++) {
		struct test_sa_spec t = spec(k * 3 % N_ALGS, FGW_SA_TUNNEL, AF_INET, k & 1, false);

		t.spi = fgw_spi_make(k, 1);
		EXPECT(pair(t, &out[k], &in[k]), "%s", err);
		next[k] = 1;
	}
	for (unsigned i = 0; i < N; i++) {
		unsigned k = (i / 3 + i) % K;	/* runs of 1-3 */

		m[i] = packet(AF_INET6, 60 + i, 0, false, false);
		outs[i] = out[k];
		ins[i] = in[k];
	}
	fgw_esp_encap(&test_crypto, m, outs, N, verdict);
	for (unsigned i = 0; i < N; i++) {
		unsigned k = (i / 3 + i) % K;
		const uint8_t *p = rte_pktmbuf_mtod(m[i], const uint8_t *);
		unsigned off = 20 + (k & 1 ? 8 : 0);

		EXPECT(verdict[i] == FGW_SA_DROP_NONE, "encap %u", i);
		EXPECT(get32(p + off + 4) == next[k], "packet %u sequence %u", i, get32(p + off + 4));
		if (!check_encap(m[i], out[k], next[k]++, 0, true, 60 + i))
			return false;
		test_classify(m[i], k & 1);
	}
	fgw_esp_decap(&test_crypto, m, ins, N, verdict);
	for (unsigned i = 0; i < N; i++) {
		EXPECT(verdict[i] == FGW_SA_DROP_NONE, "decap %u: %s", i, fgw_sa_drop_name(verdict[i]));
		EXPECT(rte_pktmbuf_data_len(m[i]) == 60 + i, "length");
		rte_pktmbuf_free(m[i]);
	}
	for (unsigned k = 0; k < K; k++) {
		fgw_sa_free(out[k]);
		fgw_sa_free(in[k]);
	}
	return true;
}

/* Outer header policy: DSCP set, DF set and cleared. */
static bool outer_policy(void)
{
	static const uint8_t dfs[] = { FGW_SA_DF_SET, FGW_SA_DF_CLEAR, FGW_SA_DF_COPY };

	for (unsigned d = 0; d < 3; d++)
		for (unsigned inner_df = 0; inner_df < 2; inner_df++) {
			struct test_sa_spec t = spec(0, FGW_SA_TUNNEL, AF_INET, false, false);
			struct rte_mbuf *m = packet(AF_INET, 100, 0x03, inner_df, false);
			struct fgw_sa *sa;
			uint8_t v;

			t.df = dfs[d];
			t.dscp = 10;
			t.ttl = 17;
			sa = test_sa(&t, &keys, err, sizeof(err));
			CHECK_SA(sa);
			fgw_esp_encap(&test_crypto, &m, &sa, 1, &v);
			EXPECT(v == FGW_SA_DROP_NONE, "encap");
			if (!check_encap(m, sa, 1, 0x03, inner_df, 100))
				return false;
			rte_pktmbuf_free(m);
			fgw_sa_free(sa);
		}
	return true;
}

/* ---- published packets ------------------------------------------------------------ */

/* draft-mcgrew-gcm-test-01 ESP packets behind an IPv4 header, decapsulated
 * in transport mode; ESN cases start with the window just below them. */
static bool gcm_esp_vector(const struct vec *v)
{
	size_t klen, nlen, slen, qlen, ptlen, plen;
	const uint8_t *key = vec_get(v, "key", &klen), *nonce = vec_get(v, "nonce", &nlen);
	const uint8_t *spi = vec_get(v, "spi", &slen), *seq = vec_get(v, "seq", &qlen);
	const uint8_t *pt = vec_get(v, "pt", &ptlen), *packet_ = vec_get(v, "packet", &plen);
	struct test_sa_spec t = {
		.cipher = fgw_cipher_by_name(v->alg), .mode = FGW_SA_TRANSPORT, .inbound = true,
		.esn = qlen == 8, .spi = get32(spi), .window = 64,
	};
	uint8_t b[600] = { 0x45, 0, 0, 0, 0, 0, 0, 0, 64, IPPROTO_ESP, 0, 0,
			   192, 0, 2, 1, 192, 0, 2, 2 };
	struct fgw_sa_keys k;
	struct fgw_sa *sa;
	struct rte_mbuf *m;
	unsigned pad = pt[ptlen - 2], nh = pt[ptlen - 1], payload = ptlen - 2 - pad;
	uint64_t full = qlen == 8 ? (uint64_t)get32(seq) << 32 | get32(seq + 4) : get32(seq);
	const uint8_t *p;
	uint8_t verdict;

	memcpy(k.enc, key, klen);
	memcpy(k.enc + klen, nonce, 4);
	sa = test_sa(&t, &k, err, sizeof(err));
	CHECK_SA(sa);
	sa->replay.top = full - 1;
	memcpy(b + 20, packet_, plen);
	b[2] = (20 + plen) >> 8;
	b[3] = (uint8_t)(20 + plen);
	((struct rte_ipv4_hdr *)b)->hdr_checksum = rte_ipv4_cksum((struct rte_ipv4_hdr *)b);
	m = test_mbuf(b, 20 + plen);
	test_classify(m, false);
	fgw_esp_decap(&test_crypto, &m, &sa, 1, &verdict);
	EXPECT(verdict == FGW_SA_DROP_NONE, "%s", fgw_sa_drop_name(verdict));
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	EXPECT(rte_pktmbuf_data_len(m) == 20 + payload, "length %u", rte_pktmbuf_data_len(m));
	EXPECT(p[9] == nh && get16(p + 2) == 20 + payload && ipv4_checksum_ok(p), "IP header");
	EXPECT(!memcmp(p + 20, pt, payload), "payload");
	EXPECT(sa->replay.top == full, "window at %llx", (unsigned long long)sa->replay.top);
	rte_pktmbuf_free(m);
	fgw_sa_free(sa);
	return true;
}

/* ---- inbound drops ------------------------------------------------------------------ */

/* A GCM-128 tunnel SA pair over IPv4 for the drop tests. */
static struct fgw_sa *drop_out, *drop_in;

static bool drop_pair(unsigned a, bool natt)
{
	struct test_sa_spec t = spec(a, FGW_SA_TUNNEL, AF_INET, natt, false);

	fgw_sa_free(drop_out);
	fgw_sa_free(drop_in);
	return pair(t, &drop_out, &drop_in);
}

/* The next packet from drop_out, ready for drop_in. */
static struct rte_mbuf *sealed(unsigned len)
{
	struct rte_mbuf *m = packet(AF_INET, len, 0, false, false);
	uint8_t v;

	fgw_esp_encap(&test_crypto, &m, &drop_out, 1, &v);
	if (v != FGW_SA_DROP_NONE) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	test_classify(m, drop_out->natt_sport != 0);
	return m;
}

static struct rte_mbuf *copy(const struct rte_mbuf *m)
{
	struct rte_mbuf *c = test_mbuf(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m));

	c->l3_len = m->l3_len;
	c->l4_len = m->l4_len;
	return c;
}

/* Decapsulates one packet, frees it, returns the verdict. */
static unsigned decap1(struct rte_mbuf *m)
{
	uint8_t v;

	fgw_esp_decap(&test_crypto, &m, &drop_in, 1, &v);
	rte_pktmbuf_free(m);
	return v;
}

static bool replayed_and_stale(void)
{
	struct rte_mbuf *m[70], *again;

	EXPECT(drop_pair(0, false), "%s", err);
	for (unsigned i = 0; i < 70; i++)
		m[i] = sealed(100);
	again = copy(m[69]);
	EXPECT(decap1(m[69]) == FGW_SA_DROP_NONE, "seq 70");
	EXPECT(decap1(again) == FGW_SA_DROP_REPLAY, "seq 70 again");
	EXPECT(decap1(m[6]) == FGW_SA_DROP_NONE, "seq 7: 63 behind, in window");
	EXPECT(decap1(m[5]) == FGW_SA_DROP_OUT_OF_WINDOW, "seq 6: 64 behind");
	for (unsigned i = 7; i < 69; i++)
		EXPECT(decap1(m[i]) == FGW_SA_DROP_NONE, "seq %u", i + 1);
	for (unsigned i = 0; i < 5; i++)
		rte_pktmbuf_free(m[i]);
	EXPECT(drop_in->stats.drop[FGW_SA_DROP_REPLAY] == 1 &&
	       drop_in->stats.drop[FGW_SA_DROP_OUT_OF_WINDOW] == 1, "counted on the SA");
	return true;
}

/* A window of up to 64 keeps its ring in the SA's written line, a bigger
 * one after the SA (fgw_sa_alloc); both slide and check the same way. */
static bool replay_ring_inline_or_after(void)
{
	static const unsigned windows[] = { 64, 128, 1024 };

	for (unsigned w = 0; w < RTE_DIM(windows); w++) {
		unsigned win = windows[w], top = win + 76;
		struct test_sa_spec t = spec(0, FGW_SA_TUNNEL, AF_INET, false, false);
		struct rte_mbuf *last = NULL, *oldest = NULL, *stale = NULL, *again;

		t.window = win;
		fgw_sa_free(drop_out);
		fgw_sa_free(drop_in);
		EXPECT(pair(t, &drop_out, &drop_in), "%s", err);
		EXPECT(drop_in->replay.bits == (win <= 64 ? drop_in->ring : (uint64_t *)(drop_in + 1)),
		       "window %u: ring at %p, SA at %p", win, (void *)drop_in->replay.bits,
		       (void *)drop_in);
		for (unsigned seq = 1; seq <= top; seq++) {
			struct rte_mbuf *m = sealed(64);

			EXPECT(m != NULL, "seal %u", seq);
			if (seq == top - win)
				stale = m;
			else if (seq == top - win + 1)
				oldest = m;
			else if (seq == top)
				last = m;
			else
				rte_pktmbuf_free(m);
		}
		again = copy(last);
		EXPECT(decap1(last) == FGW_SA_DROP_NONE, "window %u: seq %u", win, top);
		EXPECT(decap1(again) == FGW_SA_DROP_REPLAY, "window %u: seq %u again", win, top);
		EXPECT(decap1(oldest) == FGW_SA_DROP_NONE, "window %u: %u behind, in window",
		       win, win - 1);
		EXPECT(decap1(stale) == FGW_SA_DROP_OUT_OF_WINDOW, "window %u: %u behind", win, win);
	}
	return true;
}

static bool duplicate_in_one_burst(void)
{
	struct rte_mbuf *m[3];
	struct fgw_sa *sas[3];
	uint8_t v[3];

	EXPECT(drop_pair(2, false), "%s", err);
	m[0] = sealed(200);
	m[1] = copy(m[0]);
	m[2] = sealed(200);
	sas[0] = sas[1] = sas[2] = drop_in;
	fgw_esp_decap(&test_crypto, m, sas, 3, v);
	EXPECT(v[0] == FGW_SA_DROP_NONE && v[1] == FGW_SA_DROP_REPLAY && v[2] == FGW_SA_DROP_NONE,
	       "%s %s %s", fgw_sa_drop_name(v[0]), fgw_sa_drop_name(v[1]), fgw_sa_drop_name(v[2]));
	for (unsigned i = 0; i < 3; i++)
		rte_pktmbuf_free(m[i]);
	return true;
}

/* Runs of SAs of every kind decapsulation tells apart (esp_in.c's
 * run_kind: GCM and CBC of each key size in tunnel mode, and the others:
 * ESN, transport) in bursts bigger than a crypto burst, two SAs of one
 * kind next to each other, IPv6 and NAT-T outer headers: a replayed copy
 * in the middle of a run and a forged packet in another are dropped, and
 * every other packet comes out whole, the SA with most packets crossing
 * a word of its replay window. */
static bool mixed_kinds_in_one_burst(void)
{
	static const struct { unsigned a, mode; int family; bool natt, esn; } sas[] = {
		{ 0, FGW_SA_TUNNEL, AF_INET, false, false },	/* GCM-128 */
		{ 1, FGW_SA_TUNNEL, AF_INET, false, true },	/* GCM-256, ESN */
		{ 5, FGW_SA_TUNNEL, AF_INET6, true, false },	/* CBC-256, SHA-256 */
		{ 2, FGW_SA_TRANSPORT, AF_INET, false, false },	/* CBC-128, SHA-1 */
		{ 0, FGW_SA_TUNNEL, AF_INET, false, false },	/* GCM-128 again */
	};
	static const uint8_t runs[][2] = {	/* SA, packets */
		{ 0, 5 }, { 1, 3 }, { 0, 2 }, { 4, 4 }, { 2, 6 }, { 3, 3 }, { 1, 4 }, { 0, 40 },
		{ 4, 2 }, { 2, 1 }, { 0, 25 }, { 1, 5 }, { 3, 2 }, { 4, 3 },
	};
	enum { K = RTE_DIM(sas), N = 105, DUP = 29, FORGED = 11 };
	struct fgw_sa *out[K], *in[K], *outs[N + 1], *ins[N + 1];
	struct rte_mbuf *m[N + 1];
	uint8_t orig[N + 1][200], verdict[N + 1];
	unsigned len[N + 1], who[N + 1], n = 0, good[K] = { 0 };

	for (unsigned k = 0; k < K; k++) {
		struct test_sa_spec t = spec(sas[k].a, sas[k].mode, sas[k].family, sas[k].natt,
					     sas[k].esn);

		t.spi = fgw_spi_make(100 + k, 7);
		t.seq = sas[k].esn ? 0xfffffff8 : 0;	/* the ESN SA crosses 2^32 */
		EXPECT(pair(t, &out[k], &in[k]), "%s", err);
		in[k]->replay.top = t.seq;
	}
	for (unsigned r = 0; r < RTE_DIM(runs); r++)
		for (unsigned j = 0; j < runs[r][1]; j++)
			who[n++] = runs[r][0];
	EXPECT(n == N, "%u packets", n);
	for (unsigned i = 0; i < N; i++) {
		unsigned k = who[i];

		len[i] = 40 + i % 7 * 19;
		m[i] = packet(sas[k].family, len[i], 0, false, sas[k].mode == FGW_SA_TRANSPORT);
		EXPECT(m[i], "mbuf");
		memcpy(orig[i], rte_pktmbuf_mtod(m[i], void *), len[i]);
		outs[i] = out[k];
	}
	fgw_esp_encap(&test_crypto, m, outs, N, verdict);
	for (unsigned i = 0; i < N; i++) {
		EXPECT(verdict[i] == FGW_SA_DROP_NONE, "encap %u", i);
		test_classify(m[i], sas[who[i]].natt);
	}
	/* Position DUP, in the run of 40 on SA 0: a copy of its first packet. */
	memmove(&m[DUP + 1], &m[DUP], (N - DUP) * sizeof(m[0]));
	memmove(&who[DUP + 1], &who[DUP], (N - DUP) * sizeof(who[0]));
	memmove(&len[DUP + 1], &len[DUP], (N - DUP) * sizeof(len[0]));
	memmove(&orig[DUP + 1], &orig[DUP], (N - DUP) * sizeof(orig[0]));
	m[DUP] = copy(m[0]);
	rte_pktmbuf_mtod(m[FORGED], uint8_t *)[rte_pktmbuf_data_len(m[FORGED]) - 20] ^= 4;
	EXPECT(who[DUP] == 0 && who[DUP - 1] == 0 && who[DUP + 1] == 0 && who[FORGED] == 4 &&
	       who[FORGED - 1] == 4 && who[FORGED + 1] == 4, "the test's layout");
	for (unsigned i = 0; i <= N; i++)
		ins[i] = in[who[i]];
	fgw_esp_decap(&test_crypto, m, ins, N + 1, verdict);
	for (unsigned i = 0; i <= N; i++) {
		unsigned want = i == DUP ? FGW_SA_DROP_REPLAY :
			i == FORGED ? FGW_SA_DROP_AUTH : FGW_SA_DROP_NONE;

		EXPECT(verdict[i] == want, "packet %u (SA %u): %s", i, who[i],
		       fgw_sa_drop_name(verdict[i]));
		if (want != FGW_SA_DROP_NONE)
			continue;
		good[who[i]]++;
		EXPECT(rte_pktmbuf_data_len(m[i]) == len[i] &&
		       memcmp(rte_pktmbuf_mtod(m[i], void *), orig[i], len[i]) == 0,
		       "packet %u (SA %u): not the one sent", i, who[i]);
	}
	for (unsigned k = 0; k < K; k++) {
		EXPECT(in[k]->stats.packets == good[k] && out[k]->stats.packets ==
		       good[k] + (k == 0 ? 0 : k == 4 ? 1 : 0), "SA %u: %llu packets", k,
		       (unsigned long long)in[k]->stats.packets);
		EXPECT(in[k]->stats.drop[FGW_SA_DROP_REPLAY] == (k == 0) &&
		       in[k]->stats.drop[FGW_SA_DROP_AUTH] == (k == 4), "SA %u's drops", k);
	}
	EXPECT(in[0]->replay.top == good[0] && good[0] == 72, "SA 0's window at %llu",
	       (unsigned long long)in[0]->replay.top);
	EXPECT(in[1]->replay.top == UINT64_C(0xfffffff8) + 12, "the ESN SA's window");
	for (unsigned i = 0; i <= N; i++)
		rte_pktmbuf_free(m[i]);
	for (unsigned k = 0; k < K; k++) {
		fgw_sa_free(out[k]);
		fgw_sa_free(in[k]);
	}
	return true;
}

/* A bit flipped anywhere the ICV covers fails it, and the window does not
 * move: the genuine packet is accepted afterwards. */
static bool corrupted(void)
{
	for (unsigned a = 0; a < N_ALGS; a++) {
		struct rte_mbuf *good, *bad;
		unsigned len;

		EXPECT(drop_pair(a, a & 1), "%s", err);
		good = sealed(300);
		len = rte_pktmbuf_data_len(good);
		for (unsigned off = good->l3_len + good->l4_len; off < len; off += 37) {
			bad = copy(good);
			rte_pktmbuf_mtod(bad, uint8_t *)[off] ^= 0x10;
			EXPECT(decap1(bad) == FGW_SA_DROP_AUTH, "%s byte %u",
			       fgw_cipher_name(algs[a].cipher), off);
		}
		bad = copy(good);
		rte_pktmbuf_mtod(bad, uint8_t *)[len - 1] ^= 1;	/* the ICV */
		EXPECT(decap1(bad) == FGW_SA_DROP_AUTH, "ICV");
		EXPECT(drop_in->replay.top == 0, "window moved by a forgery");
		EXPECT(decap1(good) == FGW_SA_DROP_NONE, "genuine packet after forgeries");
	}
	return true;
}

static bool truncated(void)
{
	struct rte_mbuf *good, *m;

	EXPECT(drop_pair(4, true), "%s", err);	/* CBC-128, SHA-256, NAT-T */
	good = sealed(100);

	/* IP length beyond the frame */
	m = copy(good);
	rte_pktmbuf_trim(m, 1);
	EXPECT(decap1(m) == FGW_SA_DROP_TRUNCATED, "frame shorter than IP length");
	/* ESP shorter than header + IV + one block + ICV */
	{
		uint8_t b[20 + 8 + 8 + 16 + 15 + 16];
		const uint8_t *p = rte_pktmbuf_mtod(good, const uint8_t *);

		memcpy(b, p, sizeof(b));
		b[2] = 0;
		b[3] = sizeof(b);
		b[24] = 0;
		b[25] = sizeof(b) - 20;
		m = test_mbuf(b, sizeof(b));
		test_classify(m, true);
		EXPECT(decap1(m) == FGW_SA_DROP_TRUNCATED, "short ESP");
	}
	/* headers claimed longer than the packet */
	m = copy(good);
	m->l3_len = 24;
	EXPECT(decap1(m) == FGW_SA_DROP_TRUNCATED, "l3_len disagrees with IHL");
	m = copy(good);
	rte_pktmbuf_mtod(m, uint8_t *)[25] ^= 4;	/* UDP length */
	EXPECT(decap1(m) == FGW_SA_DROP_TRUNCATED, "UDP length");
	m = copy(good);
	m->l4_len = 4;
	EXPECT(decap1(m) == FGW_SA_DROP_TRUNCATED, "l4_len");
	m = test_mbuf(rte_pktmbuf_mtod(good, uint8_t *), 10);
	EXPECT(decap1(m) == FGW_SA_DROP_TRUNCATED, "runt");
	/* not a whole number of CBC blocks: drop the last 4 bytes everywhere */
	m = copy(good);
	rte_pktmbuf_trim(m, 4);
	{
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
		unsigned l = rte_pktmbuf_data_len(m);

		p[2] = l >> 8;
		p[3] = (uint8_t)l;
		p[24] = (l - 20) >> 8;
		p[25] = (uint8_t)(l - 20);
	}
	EXPECT(decap1(m) == FGW_SA_DROP_BAD_LENGTH, "CBC length");
	/* Ethernet padding after the IP packet is trimmed, not an error */
	m = copy(good);
	memset(rte_pktmbuf_append(m, 6), 0, 6);
	EXPECT(decap1(m) == FGW_SA_DROP_NONE, "trailing padding");
	rte_pktmbuf_free(good);
	return true;
}

static bool chained_mbuf(void)
{
	struct rte_mbuf *m, *tail = rte_pktmbuf_alloc(test_pool);

	EXPECT(drop_pair(0, false), "%s", err);
	m = sealed(100);
	memset(rte_pktmbuf_append(tail, 10), 0, 10);
	EXPECT(rte_pktmbuf_chain(m, tail) == 0, "chain");
	EXPECT(decap1(m) == FGW_SA_DROP_CHAINED, "inbound");
	m = packet(AF_INET, 100, 0, false, false);
	tail = rte_pktmbuf_alloc(test_pool);
	memset(rte_pktmbuf_append(tail, 10), 0, 10);
	rte_pktmbuf_chain(m, tail);
	{
		uint8_t v;

		fgw_esp_encap(&test_crypto, &m, &drop_out, 1, &v);
		EXPECT(v == FGW_SA_DROP_CHAINED, "outbound");
	}
	rte_pktmbuf_free(m);
	return true;
}

/* ESP packets with chosen plaintext (trailer included), sealed for
 * drop_in (GCM-128) through the crypto layer: what a peer with the key
 * could send. */
static struct rte_mbuf *forge(const uint8_t *pt, unsigned len, uint8_t outer_tos)
{
	uint8_t b[1600] = { 0x45, outer_tos, 0, 0, 0, 0, 0, 0, 64, IPPROTO_ESP, 0, 0,
			    192, 0, 2, 1, 192, 0, 2, 2 };
	uint64_t seq = ++drop_out->seq;
	rte_be32_t spi = rte_cpu_to_be_32(drop_in->spi), lo = rte_cpu_to_be_32((uint32_t)seq);
	rte_be64_t iv = rte_cpu_to_be_64(seq);
	uint8_t nonce[12], verdict = 0;
	unsigned total = 20 + 16 + len + 16;
	struct fgw_crypto_op op = {
		.keys = &drop_in->keys, .cipher = drop_in->cipher, .encrypt = true, .buf = b,
		.cipher_off = 36, .cipher_len = len, .iv = nonce, .iv_len = 12,
		.aad = b + 20, .aad_len = 8, .tag = b + 36 + len, .tag_len = 16,
	};
	struct rte_mbuf *m;

	memcpy(b + 20, &spi, 4);
	memcpy(b + 24, &lo, 4);
	memcpy(b + 28, &iv, 8);
	memcpy(nonce, drop_in->keys.salt, 4);
	memcpy(nonce + 4, &iv, 8);
	memcpy(b + 36, pt, len);
	b[2] = total >> 8;
	b[3] = (uint8_t)total;
	((struct rte_ipv4_hdr *)b)->hdr_checksum = rte_ipv4_cksum((struct rte_ipv4_hdr *)b);
	fgw_crypto_begin(&test_crypto, 1);
	fgw_crypto_add(&test_crypto, &op);
	fgw_crypto_run(&test_crypto, &verdict);
	m = test_mbuf(b, total);
	test_classify(m, false);
	return m;
}

/* An inner IPv4 packet of `len` bytes (its own length field says
 * `claimed`) with `ecn`, then the given trailer bytes. */
static unsigned inner_then(uint8_t *pt, unsigned len, unsigned claimed, uint8_t ecn,
			   const uint8_t *trailer, unsigned tlen)
{
	memset(pt, 0xab, len);
	pt[0] = 0x45;
	pt[1] = ecn;
	pt[2] = claimed >> 8;
	pt[3] = (uint8_t)claimed;
	memset(pt + 4, 0, 16);
	pt[8] = 9;
	((struct rte_ipv4_hdr *)pt)->hdr_checksum = rte_ipv4_cksum((struct rte_ipv4_hdr *)pt);
	memcpy(pt + len, trailer, tlen);
	return len + tlen;
}

static bool bad_trailers(void)
{
	uint8_t pt[256];
	unsigned n;

	EXPECT(drop_pair(0, false), "%s", err);
	n = inner_then(pt, 40, 40, 0, (const uint8_t[]){ 1, 2, 2, 4 }, 4);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_NONE, "well formed");
	n = inner_then(pt, 40, 40, 0, (const uint8_t[]){ 1, 3, 2, 4 }, 4);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_BAD_PADDING, "padding 1, 3");
	n = inner_then(pt, 40, 40, 0, (const uint8_t[]){ 0, 0, 2, 4 }, 4);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_BAD_PADDING, "padding 0, 0");
	n = inner_then(pt, 40, 40, 0, (const uint8_t[]){ 9, 2, 2, 4 }, 4);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_BAD_PADDING, "padding 9, 2");
	n = inner_then(pt, 0, 0, 0, (const uint8_t[]){ 1, 2, 200, 4 }, 4);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_BAD_PADDING, "pad length beyond payload");
	n = inner_then(pt, 0, 0, 0, (const uint8_t[]){ 1, 2, 3, 4, 4 }, 5);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_BAD_PADDING, "pad length one too many");
	/* a block's worth (compared at once) and longer (byte by byte) */
	n = inner_then(pt, 42, 42, 0, (const uint8_t[]){ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
							   13, 14, 15, 16, 16, 4 }, 18);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_NONE, "padding of 16");
	n = inner_then(pt, 42, 42, 0, (const uint8_t[]){ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
							   13, 14, 15, 0, 16, 4 }, 18);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_BAD_PADDING, "16th pad byte wrong");
	n = inner_then(pt, 40, 40, 0, (const uint8_t[]){ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
							   13, 14, 15, 16, 17, 18, 18, 4 }, 20);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_NONE, "padding of 18");
	n = inner_then(pt, 40, 40, 0, (const uint8_t[]){ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
							   13, 14, 15, 16, 17, 1, 18, 4 }, 20);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_BAD_PADDING, "18th pad byte wrong");
	n = inner_then(pt, 40, 40, 0, (const uint8_t[]){ 1, 2, 2, 6 }, 4);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_BAD_NEXT_HEADER, "TCP in tunnel mode");
	n = inner_then(pt, 40, 40, 0, (const uint8_t[]){ 1, 2, 2, 59 }, 4);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_DUMMY, "dummy packet");
	n = inner_then(pt, 40, 41, 0, (const uint8_t[]){ 1, 2, 2, 4 }, 4);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_INNER_HEADER, "inner longer than payload");
	n = inner_then(pt, 40, 40, 0, (const uint8_t[]){ 1, 2, 2, 41 }, 4);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_INNER_HEADER, "IPv4 labelled IPv6");
	n = inner_then(pt, 10, 10, 0, (const uint8_t[]){ 1, 2, 2, 4 }, 4);
	EXPECT(decap1(forge(pt, n, 0)) == FGW_SA_DROP_INNER_HEADER, "inner shorter than a header");
	EXPECT(drop_in->stats.drop[FGW_SA_DROP_BAD_PADDING] == 7 &&
	       drop_in->stats.drop[FGW_SA_DROP_DUMMY] == 1, "counted on the SA");
	return true;
}

/* RFC 4303 2.7 traffic flow confidentiality padding: the inner packet is
 * shorter than the payload and is trimmed to its own length. */
static bool tfc_padding(void)
{
	uint8_t pt[256];
	struct rte_mbuf *m;
	struct fgw_sa *sa;
	unsigned n;
	uint8_t v;

	EXPECT(drop_pair(0, false), "%s", err);
	n = inner_then(pt, 60, 40, 0, (const uint8_t[]){ 1, 2, 2, 4 }, 4);
	m = forge(pt, n, 0);
	sa = drop_in;
	fgw_esp_decap(&test_crypto, &m, &sa, 1, &v);
	EXPECT(v == FGW_SA_DROP_NONE, "%s", fgw_sa_drop_name(v));
	EXPECT(rte_pktmbuf_data_len(m) == 40, "trimmed to %u", rte_pktmbuf_data_len(m));
	rte_pktmbuf_free(m);
	return true;
}

/* RFC 6040 section 4.2 decapsulation. */
static bool ecn(void)
{
	static const struct { uint8_t outer, inner, result; } t[] = {
		{ 0, 0, 0 }, { 0, 2, 2 }, { 3, 2, 3 }, { 3, 1, 3 }, { 3, 3, 3 },
		{ 1, 2, 1 }, { 2, 1, 1 }, { 1, 0, 0 }, { 2, 0, 0 },
	};
	uint8_t pt[256];

	EXPECT(drop_pair(0, false), "%s", err);
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned n = inner_then(pt, 40, 40, t[i].inner, (const uint8_t[]){ 1, 2, 2, 4 }, 4);
		struct rte_mbuf *m = forge(pt, n, 0xb8 | t[i].outer);
		struct fgw_sa *sa = drop_in;
		const uint8_t *p;
		uint8_t v;

		fgw_esp_decap(&test_crypto, &m, &sa, 1, &v);
		p = rte_pktmbuf_mtod(m, const uint8_t *);
		EXPECT(v == FGW_SA_DROP_NONE, "outer %u inner %u: %s", t[i].outer, t[i].inner,
		       fgw_sa_drop_name(v));
		EXPECT((p[1] & 3) == t[i].result && ipv4_checksum_ok(p),
		       "outer %u inner %u: got %u", t[i].outer, t[i].inner, p[1] & 3);
		rte_pktmbuf_free(m);
	}
	{
		unsigned n = inner_then(pt, 40, 40, 0, (const uint8_t[]){ 1, 2, 2, 4 }, 4);

		EXPECT(decap1(forge(pt, n, 3)) == FGW_SA_DROP_ECN, "CE outer, not-ECT inner");
	}
	return true;
}

static bool transport_ipv6_extensions(void)
{
	struct test_sa_spec t = spec(0, FGW_SA_TRANSPORT, AF_INET6, false, false);
	struct fgw_sa *out, *in;
	struct rte_mbuf *m = packet(AF_INET6, 100, 0, false, true);
	uint8_t v;

	EXPECT(pair(t, &out, &in), "%s", err);
	rte_pktmbuf_mtod(m, uint8_t *)[6] = IPPROTO_DSTOPTS;
	fgw_esp_encap(&test_crypto, &m, &out, 1, &v);
	EXPECT(v == FGW_SA_DROP_UNSUPPORTED, "outbound: %s", fgw_sa_drop_name(v));
	rte_pktmbuf_mtod(m, uint8_t *)[6] = IPPROTO_GRE;
	fgw_esp_encap(&test_crypto, &m, &out, 1, &v);
	EXPECT(v == FGW_SA_DROP_NONE, "outbound");
	test_classify(m, false);
	m->l3_len = 48;
	fgw_esp_decap(&test_crypto, &m, &in, 1, &v);
	EXPECT(v == FGW_SA_DROP_UNSUPPORTED, "inbound: %s", fgw_sa_drop_name(v));
	rte_pktmbuf_free(m);
	fgw_sa_free(out);
	fgw_sa_free(in);
	return true;
}

static bool inbound_hard_lifetime(void)
{
	struct rte_mbuf *m[4];

	EXPECT(drop_pair(1, false), "%s", err);
	/* On a prepared SA: the copy the data path reads. */
	drop_in->life_in.soft_packets = 2;
	drop_in->life_in.hard_packets = 3;
	for (unsigned i = 0; i < 4; i++)
		m[i] = sealed(64);
	EXPECT(decap1(m[0]) == FGW_SA_DROP_NONE && !drop_in->state, "1");
	EXPECT(decap1(m[1]) == FGW_SA_DROP_NONE && drop_in->state == FGW_SA_SOFT_EXPIRED, "2: soft");
	EXPECT(decap1(m[2]) == FGW_SA_DROP_NONE, "3: the last one allowed");
	EXPECT(drop_in->state & FGW_SA_HARD_EXPIRED, "hard state");
	EXPECT(decap1(m[3]) == FGW_SA_DROP_LIFETIME, "4: dropped");
	return true;
}

/* Inbound byte limits, at the boundary: a count equal to a limit reaches
 * it, one below does not, and a limit of 0 (the packet limits here) is
 * none (count_in compares limit - 1 < count). */
static bool inbound_byte_lifetime(void)
{
	struct rte_mbuf *m[4];
	uint64_t b;

	EXPECT(drop_pair(1, false), "%s", err);
	for (unsigned i = 0; i < 4; i++)
		m[i] = sealed(64);
	EXPECT(decap1(m[0]) == FGW_SA_DROP_NONE && !drop_in->state, "1");
	b = drop_in->stats.bytes;
	EXPECT(b != 0 && drop_in->stats.packets == 1, "counted %llu", (unsigned long long)b);
	drop_in->life_in.soft_bytes = 2 * b;
	drop_in->life_in.hard_bytes = 2 * b + 1;
	EXPECT(decap1(m[1]) == FGW_SA_DROP_NONE && drop_in->state == FGW_SA_SOFT_EXPIRED,
	       "2: soft at its limit exactly, state %x", drop_in->state);
	EXPECT(decap1(m[2]) == FGW_SA_DROP_NONE &&
	       drop_in->state == (FGW_SA_SOFT_EXPIRED | FGW_SA_HARD_EXPIRED), "3: hard, state %x",
	       drop_in->state);
	EXPECT(decap1(m[3]) == FGW_SA_DROP_LIFETIME, "4: dropped");
	return true;
}

/* ---- outbound drops -------------------------------------------------------------------- */

static unsigned encap1(struct fgw_sa *sa, struct rte_mbuf **mp)
{
	uint8_t v;

	*mp = packet(AF_INET, 80, 0, false, false);
	fgw_esp_encap(&test_crypto, mp, &sa, 1, &v);
	return v;
}

/* Without ESN the counter stops at 2^32 - 1 (RFC 4303 3.3.3); with ESN it
 * goes on into the next 2^32 block, which the receiver infers. */
static bool sequence_overflow(void)
{
	struct test_sa_spec t = spec(0, FGW_SA_TUNNEL, AF_INET, false, false);
	struct fgw_sa *out, *in, *sas[3];
	struct rte_mbuf *m[3];
	uint8_t v[3];

	t.seq = 0xfffffffe;
	EXPECT(pair(t, &out, &in), "%s", err);
	for (unsigned i = 0; i < 3; i++) {
		m[i] = packet(AF_INET, 80, 0, false, false);
		sas[i] = out;
	}
	fgw_esp_encap(&test_crypto, m, sas, 3, v);
	EXPECT(v[0] == FGW_SA_DROP_NONE && v[1] == FGW_SA_DROP_SEQ_OVERFLOW &&
	       v[2] == FGW_SA_DROP_SEQ_OVERFLOW, "%s %s %s", fgw_sa_drop_name(v[0]),
	       fgw_sa_drop_name(v[1]), fgw_sa_drop_name(v[2]));
	EXPECT(out->state == FGW_SA_SEQ_EXHAUSTED, "state %x", out->state);
	EXPECT(out->stats.drop[FGW_SA_DROP_SEQ_OVERFLOW] == 2 && out->stats.packets == 1, "counted");
	EXPECT(get32(rte_pktmbuf_mtod(m[0], uint8_t *) + 24) == 0xffffffff, "last number");
	for (unsigned i = 0; i < 3; i++)
		rte_pktmbuf_free(m[i]);
	EXPECT(encap1(out, &m[0]) == FGW_SA_DROP_SEQ_OVERFLOW, "stays stopped");
	rte_pktmbuf_free(m[0]);
	fgw_sa_free(out);
	fgw_sa_free(in);

	t.esn = true;
	EXPECT(pair(t, &out, &in), "%s", err);
	in->replay.top = 0xfffffffd;
	for (unsigned i = 0; i < 3; i++) {
		m[i] = packet(AF_INET, 80, 0, false, false);
		sas[i] = out;
	}
	fgw_esp_encap(&test_crypto, m, sas, 3, v);
	EXPECT(v[0] == 0 && v[1] == 0 && v[2] == 0, "ESN goes on");
	EXPECT(get32(rte_pktmbuf_mtod(m[2], uint8_t *) + 24) == 1, "low half wraps");
	for (unsigned i = 0; i < 3; i++) {
		test_classify(m[i], false);
		sas[i] = in;
	}
	fgw_esp_decap(&test_crypto, m, sas, 3, v);
	EXPECT(v[0] == 0 && v[1] == 0 && v[2] == 0, "receiver infers the high half: %s %s %s",
	       fgw_sa_drop_name(v[0]), fgw_sa_drop_name(v[1]), fgw_sa_drop_name(v[2]));
	EXPECT(in->replay.top == UINT64_C(0x100000001), "top %llx",
	       (unsigned long long)in->replay.top);
	for (unsigned i = 0; i < 3; i++)
		rte_pktmbuf_free(m[i]);
	fgw_sa_free(out);
	fgw_sa_free(in);

	/* Even the 64-bit ESN counter never cycles back to 0. */
	t.seq = UINT64_MAX - 1;
	EXPECT(pair(t, &out, &in), "%s", err);
	for (unsigned i = 0; i < 3; i++) {
		m[i] = packet(AF_INET, 80, 0, false, false);
		sas[i] = out;
	}
	fgw_esp_encap(&test_crypto, m, sas, 3, v);
	EXPECT(v[0] == 0 && v[1] == FGW_SA_DROP_SEQ_OVERFLOW && v[2] == FGW_SA_DROP_SEQ_OVERFLOW,
	       "ESN wrap: %s %s %s", fgw_sa_drop_name(v[0]), fgw_sa_drop_name(v[1]),
	       fgw_sa_drop_name(v[2]));
	EXPECT(out->state & FGW_SA_SEQ_EXHAUSTED, "state %x", out->state);
	for (unsigned i = 0; i < 3; i++)
		rte_pktmbuf_free(m[i]);
	EXPECT(encap1(out, &m[0]) == FGW_SA_DROP_SEQ_OVERFLOW, "stays stopped after the wrap");
	rte_pktmbuf_free(m[0]);
	fgw_sa_free(out);
	fgw_sa_free(in);
	return true;
}

/* One burst of runs of one and longer runs on three SAs, the verdicts
 * handed in as garbage (reserve stores a run of one's verdict, not a
 * memset): a run of one that is fine goes through, a run that
 * overflows its counter part-way drops only its tail, and a
 * hard-expired SA's run of one drops; every SA counts exactly. */
static bool runs_of_one_among_drops(void)
{
	struct test_sa_spec t = spec(0, FGW_SA_TUNNEL, AF_INET, false, false);
	struct fgw_sa *a, *b, *c, *sas[6];
	struct rte_mbuf *m[6];
	uint8_t v[6];
	const uint8_t want[6] = { FGW_SA_DROP_NONE, FGW_SA_DROP_NONE, FGW_SA_DROP_SEQ_OVERFLOW,
				  FGW_SA_DROP_SEQ_OVERFLOW, FGW_SA_DROP_LIFETIME,
				  FGW_SA_DROP_NONE };

	a = test_sa(&t, &keys, err, sizeof(err));
	CHECK_SA(a);
	t.spi++;
	t.seq = 0xfffffffe;
	b = test_sa(&t, &keys, err, sizeof(err));
	CHECK_SA(b);
	t.spi++;
	t.seq = 3;
	t.life.hard_packets = 3;
	c = test_sa(&t, &keys, err, sizeof(err));
	CHECK_SA(c);
	sas[0] = a;
	sas[1] = sas[2] = sas[3] = b;
	sas[4] = c;
	sas[5] = a;
	for (unsigned i = 0; i < 6; i++)
		m[i] = packet(AF_INET, 80, 0, false, false);
	memset(v, 0xa5, sizeof(v));
	fgw_esp_encap(&test_crypto, m, sas, 6, v);
	for (unsigned i = 0; i < 6; i++)
		EXPECT(v[i] == want[i], "packet %u: %s, expected %s", i, fgw_sa_drop_name(v[i]),
		       fgw_sa_drop_name(want[i]));
	EXPECT(get32(rte_pktmbuf_mtod(m[0], uint8_t *) + 24) == 1 &&
	       get32(rte_pktmbuf_mtod(m[5], uint8_t *) + 24) == 2 &&
	       get32(rte_pktmbuf_mtod(m[1], uint8_t *) + 24) == 0xffffffff, "sequence numbers");
	EXPECT(a->stats.packets == 2 && a->stats.bytes == 160 && a->seq == 2, "SA a counted");
	EXPECT(b->stats.packets == 1 && b->stats.drop[FGW_SA_DROP_SEQ_OVERFLOW] == 2 &&
	       b->state == FGW_SA_SEQ_EXHAUSTED, "SA b counted");
	EXPECT(c->stats.packets == 0 && c->stats.drop[FGW_SA_DROP_LIFETIME] == 1 &&
	       (c->state & FGW_SA_HARD_EXPIRED), "SA c counted");
	for (unsigned i = 0; i < 6; i++)
		rte_pktmbuf_free(m[i]);
	fgw_sa_free(a);
	fgw_sa_free(b);
	fgw_sa_free(c);
	return true;
}

static bool outbound_lifetimes(void)
{
	struct test_sa_spec t = spec(2, FGW_SA_TUNNEL, AF_INET, false, false);
	struct fgw_sa *sa;
	struct rte_mbuf *m;

	t.life.soft_packets = 2;
	t.life.hard_packets = 3;
	sa = test_sa(&t, &keys, err, sizeof(err));
	CHECK_SA(sa);
	EXPECT(encap1(sa, &m) == FGW_SA_DROP_NONE && sa->state == 0, "1");
	rte_pktmbuf_free(m);
	EXPECT(encap1(sa, &m) == FGW_SA_DROP_NONE && sa->state == FGW_SA_SOFT_EXPIRED, "2: soft");
	rte_pktmbuf_free(m);
	EXPECT(encap1(sa, &m) == FGW_SA_DROP_NONE, "3");
	rte_pktmbuf_free(m);
	EXPECT(encap1(sa, &m) == FGW_SA_DROP_LIFETIME && (sa->state & FGW_SA_HARD_EXPIRED), "4");
	rte_pktmbuf_free(m);
	fgw_sa_free(sa);

	t.life = (struct fgw_sa_lifetime){ .soft_bytes = 100, .hard_bytes = 200 };
	sa = test_sa(&t, &keys, err, sizeof(err));
	CHECK_SA(sa);
	for (unsigned i = 0; i < 3; i++) {	/* 80 bytes each */
		EXPECT(encap1(sa, &m) == FGW_SA_DROP_NONE, "bytes %u", i);
		rte_pktmbuf_free(m);
	}
	EXPECT(sa->state == FGW_SA_SOFT_EXPIRED, "soft after 160 bytes");
	EXPECT(encap1(sa, &m) == FGW_SA_DROP_LIFETIME, "hard after 240 bytes");
	rte_pktmbuf_free(m);
	fgw_sa_free(sa);
	return true;
}

/* The per-packet line holds outbound's outer header where inbound keeps
 * its own fields, and outbound's lifetime copy covers the replay window:
 * the widest template (IPv6 + UDP) with every lifetime set, soft_bytes
 * chosen so that its low word reads as a window of 64, still seals
 * packets that open, reports no window, and expires by packets and by
 * bytes; the inbound twin, its lifetime set before fgw_sa_prepare like
 * the control plane's, expires too. */
static bool lifetime_copies_and_layout(void)
{
	struct test_sa_spec t = spec(2, FGW_SA_TUNNEL, AF_INET6, true, false);
	struct fgw_sa *out, *in, *outs[5], *ins[5];
	struct rte_mbuf *m[5];
	uint8_t v[5];

	t.life = (struct fgw_sa_lifetime){ .soft_packets = 3, .hard_packets = 4,
					   .soft_bytes = UINT64_C(0x700000040),
					   .hard_bytes = UINT64_C(0x800000000) };
	EXPECT(pair(t, &out, &in), "%s", err);
	EXPECT(out->outer_len == 48 && offsetof(struct fgw_sa, outer) + 48 <= 64 &&
	       (out->flags & FGW_SA_F_NATT) && !(in->flags & FGW_SA_F_NATT) == !in->natt_sport,
	       "outer template %u bytes, NAT-T flag", out->outer_len);
	EXPECT(fgw_sa_replay_window(out) == 0 && fgw_sa_replay_window(in) == 64,
	       "windows %u/%u", fgw_sa_replay_window(out), fgw_sa_replay_window(in));
	EXPECT(!memcmp(&out->life_out, &t.life, sizeof(t.life)) &&
	       !memcmp(&in->life_in, &t.life, sizeof(t.life)), "lifetime copies");
	for (unsigned i = 0; i < 5; i++) {
		m[i] = packet(AF_INET, 80, 0, false, false);
		EXPECT(m[i], "mbuf");
		outs[i] = out;
		ins[i] = in;
	}
	/* One burst: the packet limit cuts inside it. */
	fgw_esp_encap(&test_crypto, m, outs, 5, v);
	EXPECT(v[0] == FGW_SA_DROP_NONE && v[3] == FGW_SA_DROP_NONE &&
	       v[4] == FGW_SA_DROP_LIFETIME, "verdicts %u %u %u", v[0], v[3], v[4]);
	EXPECT(out->state == (FGW_SA_SOFT_EXPIRED | FGW_SA_HARD_EXPIRED), "state %x", out->state);
	for (unsigned i = 0; i < 4; i++)
		test_classify(m[i], true);
	/* Inbound counts a run, then tests its limits for the next burst. */
	fgw_esp_decap(&test_crypto, m, ins, 2, v);
	EXPECT(v[0] == FGW_SA_DROP_NONE && v[1] == FGW_SA_DROP_NONE && in->state == 0,
	       "in: %u %u, state %x", v[0], v[1], in->state);
	fgw_esp_decap(&test_crypto, m + 2, ins, 2, v);
	EXPECT(v[0] == FGW_SA_DROP_NONE && v[1] == FGW_SA_DROP_NONE &&
	       in->state == (FGW_SA_SOFT_EXPIRED | FGW_SA_HARD_EXPIRED), "in: %u %u, state %x",
	       v[0], v[1], in->state);
	for (unsigned i = 0; i < 5; i++)
		rte_pktmbuf_free(m[i]);
	fgw_sa_free(out);
	fgw_sa_free(in);

	/* Bytes: the soft mark before the hard one, both per burst. */
	t.life = (struct fgw_sa_lifetime){ .soft_bytes = 64, .hard_bytes = 150 };
	out = test_sa(&t, &keys, err, sizeof(err));
	CHECK_SA(out);
	EXPECT(fgw_sa_replay_window(out) == 0, "window");
	EXPECT(encap1(out, &m[0]) == FGW_SA_DROP_NONE && out->state == 0, "bytes 1");
	rte_pktmbuf_free(m[0]);
	EXPECT(encap1(out, &m[0]) == FGW_SA_DROP_NONE && out->state == FGW_SA_SOFT_EXPIRED,
	       "bytes 2: soft, state %x", out->state);
	rte_pktmbuf_free(m[0]);
	EXPECT(encap1(out, &m[0]) == FGW_SA_DROP_LIFETIME, "bytes 3: hard");
	rte_pktmbuf_free(m[0]);
	fgw_sa_free(out);
	return true;
}

/* `len` bytes starting with `first`, `headroom` bytes into the buffer. */
static struct rte_mbuf *raw(uint16_t headroom, unsigned len, uint8_t first)
{
	uint8_t b[RTE_MBUF_DEFAULT_DATAROOM] = { first, 0, 0, 60 };
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_pool);

	m->data_off = headroom;
	memcpy(rte_pktmbuf_append(m, len), b, len);
	return m;
}

static bool no_room_and_bad_inner(void)
{
	struct test_sa_spec t = spec(9, FGW_SA_TUNNEL, AF_INET6, true, false);
	struct fgw_sa *sa = test_sa(&t, &keys, err, sizeof(err));
	static const struct { uint16_t headroom; unsigned len; uint8_t first, want; } c[] = {
		/* far less headroom than IPv6 + UDP + ESP + IV */
		{ 20, 60, 0x45, FGW_SA_DROP_NO_ROOM },
		/* room for ESP's headers (this SA's are the largest), none
		 * left for the Ethernet header the tunnel output adds */
		{ FGW_ESP_MAX_HEADROOM, 60, 0x45, FGW_SA_DROP_NO_ROOM },
		{ FGW_ESP_MAX_HEADROOM + RTE_ETHER_HDR_LEN, 60, 0x45, FGW_SA_DROP_NONE },
		/* 8 bytes left behind: no room for a 32-byte ICV */
		{ RTE_PKTMBUF_HEADROOM, RTE_MBUF_DEFAULT_DATAROOM - 8, 0x45, FGW_SA_DROP_NO_ROOM },
		{ RTE_PKTMBUF_HEADROOM, 60, 0x55, FGW_SA_DROP_INNER_HEADER },	/* version 5 */
		{ RTE_PKTMBUF_HEADROOM, 60, 0x44, FGW_SA_DROP_INNER_HEADER },	/* IHL 4 */
		{ RTE_PKTMBUF_HEADROOM, 30, 0x60, FGW_SA_DROP_INNER_HEADER },	/* IPv6 runt */
		{ RTE_PKTMBUF_HEADROOM, 10, 0x45, FGW_SA_DROP_INNER_HEADER },	/* IPv4 runt */
	};

	CHECK_SA(sa);
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct rte_mbuf *m = raw(c[i].headroom, c[i].len, c[i].first);
		uint8_t v;

		fgw_esp_encap(&test_crypto, &m, &sa, 1, &v);
		EXPECT(v == c[i].want, "case %u: %s", i, fgw_sa_drop_name(v));
		rte_pktmbuf_free(m);
	}
	EXPECT(sa->stats.drop[FGW_SA_DROP_NO_ROOM] == 3 && sa->stats.drop[FGW_SA_DROP_INNER_HEADER] == 4,
	       "counted");
	fgw_sa_free(sa);
	return true;
}

static bool prepare_rejects(void)
{
	struct test_sa_spec t = spec(0, FGW_SA_TUNNEL, AF_INET, false, false), b;
	struct fgw_sa *sa;

#define REJECT(what, change) do { \
	b = t; change; sa = test_sa(&b, &keys, err, sizeof(err)); \
	EXPECT(!sa, "%s accepted", what); \
} while (0)
	REJECT("GCM with HMAC", b.integ = FGW_INTEG_HMAC_SHA1_96);
	REJECT("CBC without HMAC", b.cipher = FGW_CIPHER_AES_CBC_128);
	REJECT("no cipher", b.cipher = FGW_CIPHER_NONE);
	REJECT("no mode", b.mode = 0);
	REJECT("mixed families", b.dst = unit_addr("2001:db8::2"));
	REJECT("no endpoints", b.src = (struct fgw_addr){ 0 });
	REJECT("TTL 0", b.ttl = 0);
	REJECT("one NAT-T port", b.sport = 4500);
	REJECT("DSCP 64", b.dscp = 64);
	REJECT("ESN without a window", (b.inbound = true, b.esn = true, b.window = 0));
	REJECT("window 63", (b.inbound = true, b.window = 63));
	b = t;
	b.mode = FGW_SA_TRANSPORT;
	b.src = b.dst = (struct fgw_addr){ 0 };
	sa = test_sa(&b, &keys, err, sizeof(err));
	EXPECT(sa, "transport needs no endpoints: %s", err);
	fgw_sa_free(sa);
	return true;
}

int main(int argc, char **argv)
{
	static struct vec v;
	FILE *f;
	int r;

	(void)argc;
	if (test_eal_init(argv[0]))
		return 1;
	for (unsigned i = 0; i < sizeof(keys.enc); i++)
		keys.enc[i] = (uint8_t)(0x11 * i + 1);
	for (unsigned i = 0; i < sizeof(keys.auth); i++)
		keys.auth[i] = (uint8_t)(0x3b * i + 7);

	RUN(roundtrip_all);
	RUN(roundtrip_transport);
	RUN(interleaved_sas);
	RUN(outer_policy);
	f = vec_open("gcm-esp.txt");
	while (f && (r = vec_next(f, &v)) == 1) {
		char name[160];

		snprintf(name, sizeof(name), "decap %s", v.source);
		unit_report(name, gcm_esp_vector(&v));
	}
	if (f)
		fclose(f);
	else
		unit_report("gcm-esp.txt", false);
	RUN(replayed_and_stale);
	RUN(duplicate_in_one_burst);
	RUN(mixed_kinds_in_one_burst);
	RUN(replay_ring_inline_or_after);
	RUN(corrupted);
	RUN(truncated);
	RUN(chained_mbuf);
	RUN(bad_trailers);
	RUN(tfc_padding);
	RUN(ecn);
	RUN(transport_ipv6_extensions);
	RUN(inbound_hard_lifetime);
	RUN(inbound_byte_lifetime);
	RUN(sequence_overflow);
	RUN(runs_of_one_among_drops);
	RUN(outbound_lifetimes);
	RUN(lifetime_copies_and_layout);
	RUN(no_room_and_bad_inner);
	RUN(prepare_rejects);
	fgw_sa_free(drop_out);
	fgw_sa_free(drop_in);
	r = unit_summary();
	test_eal_fini();
	return r;
}
