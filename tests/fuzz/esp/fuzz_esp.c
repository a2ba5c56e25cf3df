/* libFuzzer target for inbound ESP (RFC 4303): plain ESP over IPv4 and
 * IPv6 and ESP in UDP 4500 (RFC 3948), through fgw_esp_decap with inbound
 * SAs of every algorithm family, with and without ESN, tunnel and
 * transport mode.
 *
 * The first input byte picks the SA (low six bits) and one of three ways
 * to build the packet (high two bits):
 *
 *   raw        the rest is the packet, from its outer IP header. Random
 *              bytes never carry a valid ICV, so this reaches the checks
 *              before the crypto.
 *   seal       the rest describes a packet the target builds and
 *              encrypts itself under the SA's keys, ICV included, with
 *              the ESP trailer's padding, pad length and next header taken
 *              from the input: the checks after decryption see fuzzed
 *              values behind a valid ICV. See struct seal_in.
 *   roundtrip  the rest is an inner packet that fgw_esp_encap protects
 *              under the SA's outbound twin; decapsulation must give it
 *              back. See struct roundtrip_in.
 *
 * Seal and roundtrip then flip up to two bytes of the outer headers (the
 * ICV does not cover them) before decapsulating.
 *
 * l3_len and l4_len come from the packet as the worker computes them;
 * a packet they cannot be computed for (too short, not ESP, IKE behind
 * the non-ESP marker, an IPv6 fragment) is counted and skipped.
 *
 * The packet sits in a malloc'd buffer of exactly its length, attached
 * to the mbuf as an external buffer, so AddressSanitizer sees any access
 * past it. Each packet is decapsulated twice in one burst. After each
 * input: the verdicts are success or a drop reason decapsulation may
 * give, the second copy fares as the first or is dropped as its replay,
 * the SA counted each copy exactly once, every mbuf is back in its pool,
 * and a packet that made it is a well-formed IP packet inside its buffer
 * (and, for seal and roundtrip, the one that went in). The SAs are reset before every input, so an input always
 * behaves the same. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "common/sa.h"
#include "dataplane/ipsec/crypto.h"
#include "dataplane/ipsec/esp.h"
#include "dataplane/ipsec/replay.h"
#include "dataplane/ipsec/sa_setup.h"

#define NATT_PORT 4500
#define MAX_PACKET 8192		/* bigger inputs are skipped */
#define MAX_INNER 1400		/* roundtrip: fits an mbuf with ESP around it */

/* The SAs: every cipher family, both integrity widths of interest, ESN on
 * and off, both modes, NAT-T or not, windows from none to the largest. */
struct sa_kind {
	uint8_t cipher, integ, mode;
	bool esn, v6, natt;
	uint16_t window;
};

static const struct sa_kind kinds[] = {
	{ FGW_CIPHER_AES_GCM_128, FGW_INTEG_NONE, FGW_SA_TUNNEL, false, false, false, 64 },
	{ FGW_CIPHER_AES_GCM_128, FGW_INTEG_NONE, FGW_SA_TUNNEL, true, true, false, 1024 },
	{ FGW_CIPHER_AES_GCM_128, FGW_INTEG_NONE, FGW_SA_TRANSPORT, true, false, false, 64 },
	{ FGW_CIPHER_AES_GCM_256, FGW_INTEG_NONE, FGW_SA_TUNNEL, true, false, true, 4096 },
	{ FGW_CIPHER_AES_GCM_256, FGW_INTEG_NONE, FGW_SA_TRANSPORT, false, true, true, 0 },
	{ FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA256_128, FGW_SA_TUNNEL, false, false, false, 64 },
	{ FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA256_128, FGW_SA_TUNNEL, true, true, true, 128 },
	{ FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA256_128, FGW_SA_TRANSPORT, false, false, true, 0 },
	{ FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA512_256, FGW_SA_TUNNEL, true, false, false, 64 },
	{ FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA512_256, FGW_SA_TRANSPORT, true, true, false, 4096 },
	{ FGW_CIPHER_AES_CBC_128, FGW_INTEG_HMAC_SHA1_96, FGW_SA_TUNNEL, false, true, false, 64 },
	{ FGW_CIPHER_AES_CBC_128, FGW_INTEG_HMAC_SHA384_192, FGW_SA_TRANSPORT, true, false, true, 256 },
};
#define N_SA RTE_DIM(kinds)

enum build { BUILD_RAW, BUILD_SEAL, BUILD_ROUNDTRIP };	/* 3: raw too */

/* Seal: what follows the selector byte; the ESP payload follows it. */
struct seal_in {
	uint8_t flags;			/* SEAL_* */
	uint8_t pad_len;		/* the trailer's, whatever the padding is */
	uint8_t next_header;
	uint8_t seq[4];			/* low half in the packet */
	uint8_t top[8];			/* the replay window's top before it */
	uint8_t iv[16];
	uint8_t flip[2][2];		/* outer header offset, xor */
} __attribute__((packed));

#define SEAL_V6		0x01	/* outer IPv6 */
#define SEAL_NATT	0x02	/* in UDP 4500 */
#define SEAL_HBH	0x04	/* IPv6: a hop-by-hop header first */
#define SEAL_OWN_PAD	0x08	/* padding bytes from the payload's tail, not 1, 2, 3... */
#define SEAL_UNALIGNED	0x10	/* CBC: leave the ciphertext unaligned */
#define SEAL_ETH_PAD	0x20	/* 4 bytes behind the IP packet */
#define SEAL_EXPIRED	0x40	/* SA past its hard lifetime */

/* Roundtrip: what follows the selector byte; the inner packet follows. */
struct roundtrip_in {
	uint8_t seq[8];			/* the outbound SA's last used */
	uint8_t flip[2][2];
} __attribute__((packed));

static struct rte_mempool *pool;
static struct fgw_crypto crypto;
static struct fgw_sa *in_sa[N_SA], *out_sa[N_SA];
static unsigned pool_free;
static char runtime_dir[PATH_MAX];
static uint8_t work[MAX_PACKET + 512];
static uint64_t inputs, skipped;

static void __attribute__((noreturn)) die(const char *what, unsigned detail)
{
	fprintf(stderr, "fuzz_esp: %s (%u)\n", what, detail);
	abort();
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static struct fgw_sa *make_sa(const struct sa_kind *k, unsigned i, bool inbound)
{
	struct fgw_sa_keys keys;
	struct fgw_sa *sa = fgw_sa_alloc(inbound ? k->window : 0, SOCKET_ID_ANY);
	const char *a = k->v6 ? "2001:db8:e::1" : "198.51.100.1";
	const char *b = k->v6 ? "2001:db8:e::2" : "198.51.100.2";
	char err[256];

	if (sa == NULL)
		die("cannot allocate an SA", i);
	/* The same keys for all: make_seeds.py uses them too. */
	for (unsigned j = 0; j < sizeof(keys.enc); j++)
		keys.enc[j] = (uint8_t)(0xa0 + j);
	for (unsigned j = 0; j < sizeof(keys.auth); j++)
		keys.auth[j] = (uint8_t)(0x40 + j);
	sa->spi = fgw_spi_make(i + 1, 0x5a);
	sa->flags = (inbound ? FGW_SA_F_INBOUND : 0) | (k->esn ? FGW_SA_F_ESN : 0);
	sa->mode = k->mode;
	sa->cipher = k->cipher;
	sa->integ = k->integ;
	if (!fgw_addr_parse(inbound ? b : a, &sa->src) || !fgw_addr_parse(inbound ? a : b, &sa->dst))
		die("bad address", i);
	if (k->natt) {
		sa->natt_sport = NATT_PORT;
		sa->natt_dport = NATT_PORT;
	}
	sa->ttl = 64;
	sa->dscp = FGW_SA_DSCP_COPY;
	sa->df = FGW_SA_DF_COPY;
	if (fgw_sa_prepare(sa, &keys, crypto.mgr, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_esp: %s\n", err);
		die("cannot prepare an SA", i);
	}
	return sa;
}

static void teardown(void)
{
	for (unsigned i = 0; i < N_SA; i++) {
		fgw_sa_free(in_sa[i]);
		fgw_sa_free(out_sa[i]);
	}
	fgw_crypto_free(&crypto);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	rmdir(runtime_dir);		/* EAL leaves it behind, empty */
	fprintf(stderr, "fuzz_esp: %llu of %llu packets skipped (no ESP header to find)\n",
		(unsigned long long)skipped, (unsigned long long)inputs);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char file_prefix[64], err[256];
	char *eal[] = {
		"fuzz_esp", "--no-huge", "--no-shconf", "-m", "128", "--no-pci",
		"--no-telemetry", "-l", "0", "--log-level=error", file_prefix,
	};

	(void)argc;
	(void)argv;
	snprintf(file_prefix, sizeof(file_prefix), "--file-prefix=fuzzesp-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0)
		die("EAL initialisation failed", 0);
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	pool = rte_pktmbuf_pool_create("fuzz_esp", 63, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		die("no mbuf pool", 0);
	if (fgw_crypto_init(&crypto, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_esp: %s\n", err);
		die("no crypto", 0);
	}
	for (unsigned i = 0; i < N_SA; i++) {
		in_sa[i] = make_sa(&kinds[i], i, true);
		out_sa[i] = make_sa(&kinds[i], i, false);
	}
	pool_free = rte_mempool_avail_count(pool);
	atexit(teardown);
	return 0;
}

/* Back to the state right after setup, with the window's top at `top`. */
static void reset_sa(unsigned i, uint64_t top, bool expired)
{
	struct fgw_sa *sa = in_sa[i];

	if (fgw_replay_init(&sa->replay, kinds[i].window, sa->replay.bits) != 0)
		die("cannot reset the replay window", i);
	sa->replay.top = kinds[i].esn ? top : (uint32_t)top;
	/* The top was authenticated once: a repeat of it is a replay. */
	if (sa->replay.size && sa->replay.top)
		sa->replay.bits[(sa->replay.top >> 6) & sa->replay.mask] |=
			UINT64_C(1) << (sa->replay.top & 63);
	memset(&sa->stats, 0, sizeof(sa->stats));
	sa->state = expired ? FGW_SA_HARD_EXPIRED : 0;
	out_sa[i]->seq = 0;
	memset(&out_sa[i]->stats, 0, sizeof(out_sa[i]->stats));
	out_sa[i]->state = 0;
}

/* l3_len and l4_len as the worker computes them: the IP header up to the
 * ESP or UDP header, IPv6 extension headers included. False for what
 * never reaches decapsulation. */
static bool classify(const uint8_t *p, unsigned len, unsigned *l3, unsigned *l4)
{
	unsigned off, proto;

	if (len >= 20 && p[0] >> 4 == 4) {
		off = (p[0] & 0x0f) * 4u;
		if (off < 20 || off > len)
			return false;
		proto = p[9];
	} else if (len >= 40 && p[0] >> 4 == 6) {
		off = 40;
		proto = p[6];
		for (unsigned n = 0; n < 8; n++) {
			if (proto != IPPROTO_HOPOPTS && proto != IPPROTO_ROUTING &&
			    proto != IPPROTO_DSTOPTS)
				break;	/* fragments go to reassembly first */
			if (off + 8 > len)
				return false;
			proto = p[off];
			off += (p[off + 1] + 1u) * 8;
		}
		if (off > len)
			return false;
	} else {
		return false;
	}
	*l3 = off;
	if (proto == IPPROTO_ESP) {
		*l4 = 0;
		return true;
	}
	/* RFC 3948 section 2.2: ESP in UDP 4500 starts with a non-zero SPI;
	 * four zero bytes mark IKE, a single 0xff byte a keepalive. */
	if (proto != IPPROTO_UDP || off + 8 + 4 > len || get16(p + off + 2) != NATT_PORT)
		return false;
	if (p[off + 8] == 0 && p[off + 9] == 0 && p[off + 10] == 0 && p[off + 11] == 0)
		return false;
	*l4 = 8;
	return true;
}

static void ext_free(void *buf, void *shinfo)
{
	free(buf);
	free(shinfo);
}

/* An mbuf whose data is a private copy of p, exactly len bytes. */
static struct rte_mbuf *exact_mbuf(const uint8_t *p, unsigned len)
{
	struct rte_mbuf_ext_shared_info *shinfo = calloc(1, sizeof(*shinfo));
	uint8_t *buf = malloc(len ? len : 1);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (shinfo == NULL || buf == NULL || m == NULL)
		die("out of memory", len);
	memcpy(buf, p, len);
	shinfo->free_cb = ext_free;
	shinfo->fcb_opaque = shinfo;
	rte_mbuf_ext_refcnt_set(shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, buf, RTE_BAD_IOVA, (uint16_t)len, shinfo);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return m;
}

static bool decap_may_give(unsigned v)
{
	switch (v) {
	case FGW_SA_DROP_NONE: case FGW_SA_DROP_TRUNCATED: case FGW_SA_DROP_INNER_HEADER:
	case FGW_SA_DROP_UNSUPPORTED: case FGW_SA_DROP_BAD_LENGTH: case FGW_SA_DROP_REPLAY:
	case FGW_SA_DROP_OUT_OF_WINDOW: case FGW_SA_DROP_AUTH: case FGW_SA_DROP_BAD_PADDING:
	case FGW_SA_DROP_BAD_NEXT_HEADER: case FGW_SA_DROP_DUMMY: case FGW_SA_DROP_ECN:
	case FGW_SA_DROP_LIFETIME:
		return true;
	default:
		return false;
	}
}

/* What a decapsulated packet must look like. `orig` is the outer header
 * it came in with (transport mode keeps it). */
static void check_output(const struct rte_mbuf *m, const struct fgw_sa *sa,
			 const uint8_t *orig, unsigned l3)
{
	const uint8_t *buf = m->buf_addr, *p = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned len = rte_pktmbuf_data_len(m);

	if (m->pkt_len != len || p < buf || p + len > buf + m->buf_len)
		die("output outside its buffer", len);
	if (len < 20 || (p[0] >> 4 != 4 && p[0] >> 4 != 6))
		die("output is not an IP packet", len);
	if (p[0] >> 4 == 4) {
		unsigned ihl = (p[0] & 0x0f) * 4u;
		/* rte_ipv4_cksum covers the options too. */
		uint8_t h[60] __attribute__((aligned(4)));

		if (ihl < 20 || len < ihl || get16(p + 2) != len)
			die("IPv4 output length wrong", len);
		memcpy(h, p, ihl);
		h[10] = h[11] = 0;
		if (sa->mode == FGW_SA_TRANSPORT &&
		    rte_be_to_cpu_16(rte_ipv4_cksum((struct rte_ipv4_hdr *)h)) != get16(p + 10))
			die("IPv4 output checksum wrong", len);
	} else if (len < 40 || 40u + get16(p + 4) != len) {
		die("IPv6 output length wrong", len);
	}
	if (sa->mode == FGW_SA_TRANSPORT && (p[0] >> 4 != orig[0] >> 4 ||
					     memcmp(p + 12, orig + 12, l3 - 12 < 8 ? l3 - 12 : 8)))
		die("transport output lost its header", len);
}

/* Decapsulates p (len bytes) on SA i and checks everything after. Returns
 * the verdict; *out receives the output's bytes on success. */
/* What a drop after the ICV verified may be: the window has moved. */
static bool after_icv(unsigned v)
{
	return v == FGW_SA_DROP_NONE || v == FGW_SA_DROP_BAD_PADDING ||
	       v == FGW_SA_DROP_BAD_NEXT_HEADER || v == FGW_SA_DROP_DUMMY ||
	       v == FGW_SA_DROP_INNER_HEADER || v == FGW_SA_DROP_ECN;
}

static uint64_t counted(const struct fgw_sa *sa)
{
	uint64_t n = sa->stats.packets;

	for (unsigned r = 0; r < FGW_SA_DROP_MAX; r++)
		n += sa->stats.drop[r];
	return n;
}

/* Decapsulates p (len bytes) on SA i, twice in one burst, and checks
 * everything after: the copy must fare as the first, or be a replay of it.
 * Returns the first's verdict; *out receives its bytes on success. */
static unsigned decap(unsigned i, const uint8_t *p, unsigned len, uint8_t *out, unsigned *out_len)
{
	struct fgw_sa *sa = in_sa[i], *sas[2] = { sa, sa };
	uint64_t before = counted(sa);
	unsigned l3, l4;
	struct rte_mbuf *m[2];
	uint8_t verdict[2] = { 0xff, 0xff };

	inputs++;
	if (!classify(p, len, &l3, &l4)) {
		skipped++;
		return FGW_SA_DROP_MAX;
	}
	for (unsigned k = 0; k < 2; k++) {
		m[k] = exact_mbuf(p, len);
		m[k]->l3_len = l3;
		m[k]->l4_len = l4;
	}
	fgw_esp_decap(&crypto, m, sas, 2, verdict);
	if (!decap_may_give(verdict[0]) || !decap_may_give(verdict[1]))
		die("unexpected verdict", verdict[0] << 8 | verdict[1]);
	if (counted(sa) != before + 2)
		die("packets not counted exactly once", verdict[0]);
	if (verdict[1] != verdict[0] &&
	    !(sa->replay.size && verdict[1] == FGW_SA_DROP_REPLAY && after_icv(verdict[0])))
		die("a copy fared differently", verdict[0] << 8 | verdict[1]);
	for (unsigned k = 0; k < 2; k++) {
		if (verdict[k] == FGW_SA_DROP_NONE)
			check_output(m[k], sa, p, l3);
	}
	if (verdict[0] == FGW_SA_DROP_NONE) {
		*out_len = rte_pktmbuf_data_len(m[0]);
		memcpy(out, rte_pktmbuf_mtod(m[0], const uint8_t *), *out_len);
		if (verdict[1] == FGW_SA_DROP_NONE &&
		    (rte_pktmbuf_data_len(m[1]) != *out_len ||
		     memcmp(rte_pktmbuf_mtod(m[1], const uint8_t *), out, *out_len)))
			die("copies decapsulated differently", *out_len);
	}
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);
	if (rte_mempool_avail_count(pool) != pool_free)
		die("an mbuf was not returned to its pool", verdict[0]);
	return verdict[0];
}

/* Flips bytes of the headers in front of ESP, which the ICV does not
 * cover. True if anything changed. */
static bool flip(uint8_t *p, unsigned esp_off, const uint8_t f[2][2])
{
	bool changed = false;

	for (unsigned k = 0; k < 2; k++) {
		if (f[k][1] == 0)
			continue;
		p[f[k][0] % esp_off] ^= f[k][1];
		changed = true;
	}
	return changed;
}

/* The outer IP (and UDP) header for an ESP packet of esp_len bytes. */
static unsigned outer_header(uint8_t *p, unsigned flags, unsigned esp_len)
{
	unsigned udp = flags & SEAL_NATT ? 8 : 0, proto = udp ? IPPROTO_UDP : IPPROTO_ESP, off;

	if (flags & SEAL_V6) {
		unsigned hbh = flags & SEAL_HBH ? 8 : 0;

		memset(p, 0, 40 + hbh);
		p[0] = 0x60;
		put16(p + 4, hbh + udp + esp_len);
		p[6] = hbh ? IPPROTO_HOPOPTS : proto;
		p[7] = 64;
		p[8] = 0x20; p[9] = 0x01; p[10] = 0x0d; p[11] = 0xb8; p[23] = 2;
		p[24] = 0x20; p[25] = 0x01; p[26] = 0x0d; p[27] = 0xb8; p[39] = 1;
		if (hbh) {
			p[40] = proto;
			p[42] = 1;	/* PadN, 4 bytes */
			p[43] = 4;
		}
		off = 40 + hbh;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		memset(p, 0, 20);
		p[0] = 0x45;
		put16(p + 2, 20 + udp + esp_len);
		p[8] = 64;
		p[9] = proto;
		put32(p + 12, 0xc6336402);	/* 198.51.100.2 */
		put32(p + 16, 0xc6336401);	/* 198.51.100.1 */
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		off = 20;
	}
	if (udp) {
		put16(p + off, NATT_PORT);
		put16(p + off + 2, NATT_PORT);
		put16(p + off + 4, 8 + esp_len);
		put16(p + off + 6, 0);
		off += 8;
	}
	return off;
}

/* Builds and encrypts an ESP packet on SA i from the input; the ICV is
 * right unless the ciphertext could not be encrypted (CBC, unaligned). */
static void seal(unsigned i, const uint8_t *data, size_t size)
{
	const struct seal_in *s = (const struct seal_in *)data;
	struct fgw_sa *sa = in_sa[i];
	const uint8_t *payload = data + sizeof(*s);
	unsigned plen = size - sizeof(*s), ct_len, pad = s->pad_len, esp_off, total;
	static uint8_t out[MAX_PACKET + 512], plain[MAX_PACKET + 512];
	uint32_t low;
	uint8_t *esp, *ct, *icv, verdict = FGW_SA_DROP_NONE, tag[32];
	struct fgw_crypto_op op;
	unsigned out_len = 0, v;
	uint64_t seq;
	bool flipped;

	low = (uint32_t)s->seq[0] << 24 | s->seq[1] << 16 | s->seq[2] << 8 | s->seq[3];
	reset_sa(i, get64(s->top), s->flags & SEAL_EXPIRED);
	seq = fgw_replay_infer(&sa->replay, low, sa->flags & FGW_SA_F_ESN);

	/* Payload, padding, pad length, next header: aligned for CBC by
	 * zeros after the payload, which stay part of it. */
	ct_len = plen + pad + 2;
	if (sa->iv_len == 16 && !(s->flags & SEAL_UNALIGNED))
		ct_len = RTE_ALIGN_CEIL(ct_len, 16u);
	esp_off = outer_header(work, s->flags, FGW_ESP_HDR_LEN + sa->iv_len + ct_len + sa->icv_len);
	esp = work + esp_off;
	put32(esp, sa->spi);
	put32(esp + 4, low);
	memcpy(esp + FGW_ESP_HDR_LEN, s->iv, sa->iv_len);
	ct = esp + FGW_ESP_HDR_LEN + sa->iv_len;
	memset(ct, 0, ct_len);
	memcpy(ct, payload, plen);
	plen = ct_len - pad - 2;
	for (unsigned k = 0; k < pad; k++)
		ct[plen + k] = s->flags & SEAL_OWN_PAD && k < size - sizeof(*s) ?
			payload[size - sizeof(*s) - 1 - k] : (uint8_t)(k + 1);
	ct[ct_len - 2] = (uint8_t)pad;
	ct[ct_len - 1] = s->next_header;
	memcpy(plain, ct, ct_len);
	icv = ct + ct_len;
	total = esp_off + FGW_ESP_HDR_LEN + sa->iv_len + ct_len + sa->icv_len;
	memset(icv, 0, sa->icv_len);

	if (fgw_cipher_is_aead(sa->cipher)) {
		struct fgw_crypto_scratch *sc;
		uint8_t aad[12];
		unsigned aad_len = 8;

		put32(aad, sa->spi);
		put32(aad + 4, low);
		if (sa->flags & FGW_SA_F_ESN) {
			put32(aad + 4, (uint32_t)(seq >> 32));
			put32(aad + 8, low);
			aad_len = 12;
		}
		if (fgw_crypto_begin(&crypto, 1) != 1)
			die("no crypto job", 0);
		sc = fgw_crypto_scratch(&crypto);
		memcpy(sc->nonce, sa->keys.salt, FGW_GCM_SALT_LEN);
		memcpy(sc->nonce + FGW_GCM_SALT_LEN, s->iv, 8);
		op = (struct fgw_crypto_op){
			.keys = &sa->keys, .cipher = sa->cipher, .encrypt = true, .buf = work,
			.cipher_off = (uint32_t)(ct - work), .cipher_len = ct_len,
			.iv = sc->nonce, .iv_len = 12, .aad = aad, .aad_len = aad_len,
			.tag = icv, .tag_len = sa->icv_len,
		};
		fgw_crypto_add(&crypto, &op);
		fgw_crypto_run(&crypto, &verdict);
	} else if (ct_len % 16 == 0) {
		unsigned auth_len = FGW_ESP_HDR_LEN + 16 + ct_len;

		if (sa->flags & FGW_SA_F_ESN) {
			put32(icv, (uint32_t)(seq >> 32));	/* authenticated, not sent */
			auth_len += 4;
		}
		if (fgw_crypto_begin(&crypto, 1) != 1)
			die("no crypto job", 0);
		op = (struct fgw_crypto_op){
			.keys = &sa->keys, .cipher = sa->cipher, .integ = sa->integ,
			.encrypt = true, .buf = work, .cipher_off = (uint32_t)(ct - work),
			.cipher_len = ct_len, .auth_off = esp_off, .auth_len = auth_len,
			.iv = s->iv, .iv_len = 16, .tag = tag, .tag_len = sa->icv_len,
		};
		fgw_crypto_add(&crypto, &op);
		fgw_crypto_run(&crypto, &verdict);
		memcpy(icv, tag, sa->icv_len);
	}
	if (verdict != FGW_SA_DROP_NONE)
		die("sealing failed", verdict);
	if (s->flags & SEAL_ETH_PAD) {
		memset(work + total, 0xee, 4);
		total += 4;
	}
	flipped = flip(work, esp_off, s->flip);

	v = decap(i, work, total, out, &out_len);
	if (v == FGW_SA_DROP_BAD_PADDING && !flipped && !(s->flags & SEAL_OWN_PAD))
		die("padding 1, 2, 3... refused", pad);
	if (v != FGW_SA_DROP_NONE || flipped)
		return;
	/* What went in must come out: the outer ECN is not-ECT, so the inner
	 * header is untouched. */
	if (sa->mode == FGW_SA_TUNNEL) {
		if (out_len > plen || memcmp(out, plain, out_len))
			die("tunnel output is not the sealed payload", out_len);
	} else {
		unsigned l3 = esp_off - (s->flags & SEAL_NATT ? 8 : 0);

		if (out_len != l3 + plen || memcmp(out + l3, plain, plen) ||
		    out[out[0] >> 4 == 4 ? 9 : 6] != s->next_header)
			die("transport output is not the sealed payload", out_len);
	}
}

/* Encapsulates the inner packet on SA i's outbound twin, decapsulates it
 * on SA i: unless a header was flipped, it must come back. */
static void roundtrip(unsigned i, const uint8_t *data, size_t size)
{
	const struct roundtrip_in *r = (const struct roundtrip_in *)data;
	const uint8_t *inner = data + sizeof(*r);
	unsigned ilen = size - sizeof(*r), len, l3, l4, out_len = 0, v, kept;
	static uint8_t out[MAX_PACKET + 512];
	uint64_t seq = get64(r->seq);
	struct rte_mbuf *m;
	uint8_t verdict = 0xff;
	bool flipped, tunnel = kinds[i].mode == FGW_SA_TUNNEL;
	uint8_t *p;

	if (ilen > MAX_INNER)
		return;
	/* One more packet after 2^64 - 1 would wrap the counter to 0; a
	 * sender never gets there (2^64 packets), so neither do we. */
	if (seq == UINT64_MAX)
		seq--;
	reset_sa(i, seq, false);
	out_sa[i]->seq = seq;
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL || (p = (uint8_t *)rte_pktmbuf_append(m, ilen)) == NULL)
		die("out of mbufs", ilen);
	memcpy(p, inner, ilen);
	fgw_esp_encap(&crypto, &m, &out_sa[i], 1, &verdict);
	if (verdict != FGW_SA_DROP_NONE) {
		rte_pktmbuf_free(m);
		if (verdict != FGW_SA_DROP_INNER_HEADER && verdict != FGW_SA_DROP_UNSUPPORTED &&
		    verdict != FGW_SA_DROP_SEQ_OVERFLOW)
			die("unexpected encapsulation verdict", verdict);
		return;
	}
	len = rte_pktmbuf_data_len(m);
	memcpy(work, rte_pktmbuf_mtod(m, const uint8_t *), len);
	rte_pktmbuf_free(m);
	if (!classify(work, len, &l3, &l4))
		die("encapsulated packet not recognised as ESP", len);
	flipped = flip(work, l3 + l4, r->flip);

	v = decap(i, work, len, out, &out_len);
	if (flipped)
		return;
	kept = tunnel ? 0 : inner[0] >> 4 == 4 ? (inner[0] & 0x0f) * 4u : 40;
	if (v == FGW_SA_DROP_NONE) {
		if (tunnel ? out_len > ilen || memcmp(out, inner, out_len) :
		    out_len != ilen || memcmp(out + kept, inner + kept, ilen - kept))
			die("roundtrip changed the packet", out_len);
	} else if (!(tunnel && v == FGW_SA_DROP_INNER_HEADER) &&
		   !(!tunnel && v == FGW_SA_DROP_DUMMY)) {
		die("roundtrip lost the packet", v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[MAX_PACKET + 512];
	unsigned i, out_len;

	if (size < 1 || size > MAX_PACKET)
		return 0;
	i = (data[0] & 0x3f) % N_SA;
	switch (data[0] >> 6) {
	case BUILD_SEAL:
		if (size < 1 + sizeof(struct seal_in))
			return 0;
		seal(i, data + 1, size - 1);
		break;
	case BUILD_ROUNDTRIP:
		if (size < 1 + sizeof(struct roundtrip_in))
			return 0;
		roundtrip(i, data + 1, size - 1);
		break;
	default:
		reset_sa(i, 0, false);
		decap(i, data + 1, size - 1, out, &out_len);
		break;
	}
	return 0;
}
