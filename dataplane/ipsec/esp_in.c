/* ESP inbound: check, decrypt, verify and strip a burst. See esp.h. */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "dataplane/ipsec/esp.h"
#include "dataplane/ipsec/replay.h"
#include "dataplane/ipsec/sa_count.h"

/* What the burst remembers of a packet until its crypto completed. */
struct in_pkt {
	uint64_t seq;			/* full sequence number */
	const uint8_t *received;	/* the ICV the packet carried */
	uint16_t ct_off;		/* ciphertext: payload, padding, trailer */
	uint16_t ct_len;
	uint8_t slot;			/* crypto job, for its scratch */
	uint8_t outer_ecn;		/* the outer header's ECN field */
};

/* rte_pktmbuf_trim would walk the segment chain (the mbuf's second cache
 * line); these packets are one segment. */
static void trim_to(struct rte_mbuf *m, unsigned len)
{
	m->data_len = len;
	m->pkt_len = len;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A run of packets on one SA is decapsulated by a body compiled for its
 * kind: 0, any SA, everything read from it; or, for the usual SA (tunnel
 * mode, no ESN), its cipher, so that the IV, ICV and key lengths, the
 * mode and the job's algorithm are constants and their tests fold away
 * (decap_check, decap_finish). */
static unsigned run_kind(const struct fgw_sa *sa)
{
	if (sa->mode != FGW_SA_TUNNEL || (sa->flags & FGW_SA_F_ESN))
		return 0;
	return sa->cipher;
}

static __rte_always_inline bool kind_aead(const struct fgw_sa *sa, unsigned kind)
{
	return fgw_cipher_is_aead(kind ? kind : sa->cipher);
}

static __rte_always_inline unsigned kind_iv_len(const struct fgw_sa *sa, unsigned kind)
{
	return kind ? fgw_cipher_iv_len(kind) : sa->iv_len;
}

static __rte_always_inline unsigned kind_icv_len(const struct fgw_sa *sa, unsigned kind)
{
	return kind && fgw_cipher_is_aead(kind) ? 16 : sa->icv_len;
}

static __rte_always_inline bool kind_esn(const struct fgw_sa *sa, unsigned kind)
{
	return kind == 0 && (sa->flags & FGW_SA_F_ESN);
}

static __rte_always_inline bool kind_tunnel(const struct fgw_sa *sa, unsigned kind)
{
	return kind != 0 || sa->mode == FGW_SA_TUNNEL;
}

/* Bounds, replay, lifetime; then the crypto job. Nothing is decrypted or
 * moved for a packet that fails here. received: the outer header was
 * checked against the frame by the pass it came in through
 * (fgw_esp_decap_received), so its tests are not made again. l3, l4: the
 * packet's l3_len and l4_len, constants in the usual run's body
 * (check_run). */
static __rte_always_inline unsigned decap_check(struct fgw_crypto *c, struct rte_mbuf *m,
						struct fgw_sa *sa, unsigned user,
						struct in_pkt *in, const unsigned kind,
						const bool received, unsigned l3, unsigned l4)
{
	const unsigned iv_len = kind_iv_len(sa, kind), icv_len = kind_icv_len(sa, kind);
	const bool esn = kind_esn(sa, kind);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), ip_len, esp_off, need, ct_len;
	unsigned verdict;
	struct fgw_crypto_scratch *s;
	struct fgw_crypto_op op;
	uint8_t *esp, *icv;
	rte_be32_t hi;

	if (!rte_pktmbuf_is_contiguous(m))
		return FGW_SA_DROP_CHAINED;
	if (received) {
		/* The IP packet is the segment, Ethernet padding trimmed,
		 * and l3_len is its header's length (IPv4 or IPv6 pass):
		 * what is read past the header is checked against it
		 * below. About 20 instructions a packet (callgrind). */
		ip_len = len;
		/* Version 4 (0100) or 6 (0110), so bit 1 of the version
		 * says which: the ECN field is the second byte's low two bits
		 * or the two above its low nibble, without a branch (about 4
		 * instructions a packet, callgrind). A 20-byte header is
		 * IPv4's (IPv6's is 40 at least): in the usual run's body,
		 * where l3 is that constant, the IPv4 field alone. */
		if (l3 == sizeof(struct rte_ipv4_hdr))
			in->outer_ecn = p[1] & 3;
		else
			in->outer_ecn = p[1] >> ((p[0] >> 3) & 4) & 3;
	} else if (len < sizeof(struct rte_ipv4_hdr)) {
		return FGW_SA_DROP_TRUNCATED;
	} else if (p[0] >> 4 == 4) {
		ip_len = get16(p + 2);
		in->outer_ecn = p[1] & 3;
		if (l3 != (p[0] & 0x0f) * 4u || l3 < sizeof(struct rte_ipv4_hdr))
			return FGW_SA_DROP_TRUNCATED;
	} else if (p[0] >> 4 == 6 && len >= sizeof(struct rte_ipv6_hdr)) {
		ip_len = sizeof(struct rte_ipv6_hdr) + get16(p + 4);
		in->outer_ecn = p[1] >> 4 & 3;
		if (l3 < sizeof(struct rte_ipv6_hdr))
			return FGW_SA_DROP_TRUNCATED;
		/* Removing ESP from behind extension headers would mean
		 * rewriting their chain; our transport SAs carry GRE between
		 * the tunnel endpoints, which sends none. */
		if (!kind_tunnel(sa, kind) && l3 != sizeof(struct rte_ipv6_hdr))
			return FGW_SA_DROP_UNSUPPORTED;
	} else {
		return FGW_SA_DROP_TRUNCATED;
	}
	if (!received) {
		if (ip_len > len || ip_len < l3)
			return FGW_SA_DROP_TRUNCATED;
		if (ip_len < len)
			trim_to(m, ip_len);	/* Ethernet padding */
	}
	if (l4 == sizeof(struct rte_udp_hdr)) {
		if (ip_len < l3 + l4 || get16(p + l3 + 4) != ip_len - l3)
			return FGW_SA_DROP_TRUNCATED;
	} else if (l4 != 0) {
		return FGW_SA_DROP_TRUNCATED;
	}
	esp_off = l3 + l4;
	/* At least the trailer's two bytes, or a whole CBC block. */
	need = esp_off + FGW_ESP_HDR_LEN + iv_len + (iv_len == 16 ? 16 : 2) + icv_len;
	if (ip_len < need)
		return FGW_SA_DROP_TRUNCATED;
	ct_len = ip_len - esp_off - FGW_ESP_HDR_LEN - iv_len - icv_len;
	if (iv_len == 16 && ct_len % 16)
		return FGW_SA_DROP_BAD_LENGTH;

	esp = rte_pktmbuf_mtod_offset(m, uint8_t *, esp_off);
	in->seq = fgw_replay_infer(&sa->replay, get32(esp + 4), esn);
	verdict = fgw_replay_check(&sa->replay, in->seq);
	if (verdict != FGW_SA_DROP_NONE)
		return verdict;
	if (sa->state & FGW_SA_HARD_EXPIRED)
		return FGW_SA_DROP_LIFETIME;

	in->ct_off = esp_off + FGW_ESP_HDR_LEN + iv_len;
	in->ct_len = ct_len;
	in->slot = c->n;
	icv = esp + FGW_ESP_HDR_LEN + iv_len + ct_len;
	in->received = icv;
	s = fgw_crypto_scratch(c);
	hi = rte_cpu_to_be_32((uint32_t)(in->seq >> 32));
	if (kind_aead(sa, kind)) {
		const uint8_t *aad = esp;
		unsigned aad_len = FGW_ESP_HDR_LEN;

		memcpy(s->nonce, sa->salt, FGW_GCM_SALT_LEN);
		memcpy(s->nonce + FGW_GCM_SALT_LEN, esp + FGW_ESP_HDR_LEN, 8);
		if (esn) {
			memcpy(s->aad, esp, 4);
			memcpy(s->aad + 4, &hi, 4);
			memcpy(s->aad + 8, esp + 4, 4);
			aad = s->aad;
			aad_len = 12;
		}
		op = (struct fgw_crypto_op){
			.keys = &sa->keys, .cipher = kind ? kind : sa->cipher, .encrypt = false,
			.buf = rte_pktmbuf_mtod(m, uint8_t *), .cipher_off = in->ct_off,
			.cipher_len = ct_len, .iv = s->nonce, .iv_len = 12,
			.aad = aad, .aad_len = aad_len, .tag = s->icv, .tag_len = icv_len,
			.user = user,
		};
	} else {
		unsigned auth_len = FGW_ESP_HDR_LEN + 16 + ct_len;

		if (esn) {
			/* The high half is authenticated after the payload,
			 * where the ICV sits: keep the ICV aside first. */
			memcpy(s->received, icv, icv_len);
			memcpy(icv, &hi, 4);
			in->received = s->received;
			auth_len += 4;
		}
		op = (struct fgw_crypto_op){
			.keys = &sa->keys, .cipher = kind ? kind : sa->cipher, .integ = sa->integ,
			.encrypt = false, .buf = rte_pktmbuf_mtod(m, uint8_t *),
			.cipher_off = in->ct_off, .cipher_len = ct_len,
			.auth_off = esp_off, .auth_len = auth_len,
			.iv = esp + FGW_ESP_HDR_LEN, .iv_len = 16,
			.tag = s->icv, .tag_len = icv_len, .user = user,
		};
	}
	fgw_crypto_add(c, &op);
	return FGW_SA_DROP_NONE;
}

/* Checks the inner packet, returns its length (0: malformed) and applies
 * the outer ECN to it. */
static __rte_always_inline unsigned tunnel_inner(unsigned outer_ecn, uint8_t *ip,
						 unsigned payload, unsigned nh, unsigned *verdict)
{
	unsigned inner_len;
	int ecn;

	*verdict = FGW_SA_DROP_INNER_HEADER;
	if (nh == IPPROTO_IPIP) {
		/* 0x45, the usual header, needs no working out */
		unsigned ihl = sizeof(struct rte_ipv4_hdr);

		if (payload < sizeof(struct rte_ipv4_hdr))
			return 0;
		if (ip[0] != RTE_IPV4_VHL_DEF) {
			ihl = (ip[0] & 0x0f) * 4u;
			if (ip[0] >> 4 != 4 || ihl < sizeof(struct rte_ipv4_hdr))
				return 0;
		}
		inner_len = get16(ip + 2);
		if (inner_len < ihl || inner_len > payload)
			return 0;
		ecn = fgw_ecn_decap(outer_ecn, ip[1] & 3);
		if (ecn < 0) {
			*verdict = FGW_SA_DROP_ECN;
			return 0;
		}
		if ((unsigned)ecn != (ip[1] & 3u)) {
			struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

			ip[1] = (ip[1] & 0xfc) | ecn;
			h->hdr_checksum = 0;
			h->hdr_checksum = rte_ipv4_cksum(h);
		}
	} else {
		if (payload < sizeof(struct rte_ipv6_hdr) || ip[0] >> 4 != 6)
			return 0;
		inner_len = sizeof(struct rte_ipv6_hdr) + get16(ip + 4);
		if (inner_len > payload)
			return 0;
		ecn = fgw_ecn_decap(outer_ecn, ip[1] >> 4 & 3);
		if (ecn < 0) {
			*verdict = FGW_SA_DROP_ECN;
			return 0;
		}
		ip[1] = (ip[1] & 0xcf) | ecn << 4;
	}
	*verdict = FGW_SA_DROP_NONE;
	return inner_len;
}

/* Padding 1, 2, 3... (RFC 4303 2.4) at p, `room` bytes readable from p.
 * A cipher block's worth, all our peers send, is compared as two words
 * with fgw_esp_pad (a byte loop cost about 100 instructions a packet at
 * 64 bytes with CBC, callgrind); up to 255 bytes are allowed. The ICV has
 * verified: no secret to time. */
static bool pad_ok(const uint8_t *p, unsigned pad, unsigned room)
{
	uint64_t w[2], c[2], lo, hi;

	if (pad == 0)
		return true;
	if (pad > FGW_ESP_PAD_CONST || room < FGW_ESP_PAD_CONST) {
		for (unsigned i = 0; i < pad; i++)
			if (p[i] != i + 1)
				return false;
		return true;
	}
	memcpy(w, p, sizeof(w));
	memcpy(c, fgw_esp_pad, sizeof(c));
	/* differing bits, the packet's first byte lowest */
	lo = rte_le_to_cpu_64(w[0] ^ c[0]);
	hi = rte_le_to_cpu_64(w[1] ^ c[1]);
	if (pad <= 8)
		return lo << (64 - 8 * pad) == 0;
	return lo == 0 && hi << (128 - 8 * pad) == 0;
}

/* ICV, replay window, trailer, next header; then strip. ct_off: the
 * ciphertext's offset (in->ct_off, or the constant it is in the usual
 * run). */
static __rte_always_inline unsigned decap_finish(struct fgw_crypto *c, struct rte_mbuf *m,
						 struct fgw_sa *sa, const struct in_pkt *in,
						 uint32_t *bytes, const unsigned kind,
						 unsigned ct_off)
{
	const unsigned icv_len = kind_icv_len(sa, kind);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *), *pt = p + ct_off;
	unsigned pad, nh, payload, inner_len, verdict;

	if (!fgw_crypto_equal(c->scratch[in->slot].icv, in->received, icv_len))
		return FGW_SA_DROP_AUTH;
	verdict = fgw_replay_update(&sa->replay, in->seq);
	if (verdict != FGW_SA_DROP_NONE)
		return verdict;

	pad = pt[in->ct_len - 2];
	nh = pt[in->ct_len - 1];
	if (pad + 2u > in->ct_len)
		return FGW_SA_DROP_BAD_PADDING;
	payload = in->ct_len - 2 - pad;
	/* the ICV follows the trailer: readable too */
	if (!pad_ok(pt + payload, pad, pad + 2 + icv_len))
		return FGW_SA_DROP_BAD_PADDING;
	if (nh == IPPROTO_NONE)
		return FGW_SA_DROP_DUMMY;	/* RFC 4303 2.6: discard silently */

	if (kind_tunnel(sa, kind)) {
		if (nh != IPPROTO_IPIP && nh != IPPROTO_IPV6)
			return FGW_SA_DROP_BAD_NEXT_HEADER;
		inner_len = tunnel_inner(in->outer_ecn, pt, payload, nh, &verdict);
		if (verdict != FGW_SA_DROP_NONE)
			return verdict;
		/* The inner packet at pt, within the segment (decap_check):
		 * no rte_pktmbuf_adj and its test of the length. */
		m->data_off += ct_off;
		trim_to(m, inner_len);
	} else {
		unsigned l3 = m->l3_len, hole = ct_off - l3;

		memmove(p + hole, p, l3);
		p = (uint8_t *)rte_pktmbuf_adj(m, hole);
		trim_to(m, l3 + payload);
		if (p[0] >> 4 == 4) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

			ip->next_proto_id = nh;
			ip->total_length = rte_cpu_to_be_16(l3 + payload);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		} else {
			struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;

			ip->proto = nh;
			ip->payload_len = rte_cpu_to_be_16(payload);
		}
		inner_len = payload;
	}
	*bytes = inner_len;
	return FGW_SA_DROP_NONE;
}

/* Whether count reached limit, 0 meaning none: limit - 1 < count, as 0
 * wraps to the largest value, which no count exceeds (one compare, not a
 * test and a compare). */
static __rte_always_inline bool life_reached(uint64_t limit, uint64_t count)
{
	return limit - 1 < count;
}

/* One owner: plain adds, once per run of packets on sa, which with many
 * SAs is once a packet: inline, and the limits without branches. Limits
 * take effect from the next burst: its packets were all checked against
 * the SA's state (decap_check) before any of them was counted. */
static __rte_always_inline void count_in(struct fgw_sa *sa, uint64_t packets, uint64_t bytes)
{
	const uint64_t p = sa->stats.packets + packets, b = sa->stats.bytes + bytes;

	sa->stats.packets = p;
	sa->stats.bytes = b;
	if (life_reached(sa->life_in.hard_packets, p) | life_reached(sa->life_in.hard_bytes, b))
		fgw_sa_set_state(sa, FGW_SA_HARD_EXPIRED);
	if (life_reached(sa->life_in.soft_packets, p) | life_reached(sa->life_in.soft_bytes, b))
		fgw_sa_set_state(sa, FGW_SA_SOFT_EXPIRED);
}

/* A burst's arrays, for the stages of its runs. */
struct in_burst {
	struct fgw_crypto *c;
	struct rte_mbuf **m;
	struct fgw_sa *const *sa;
	uint8_t *verdict;
	unsigned n;
	struct in_pkt *in;
	bool received;	/* fgw_esp_decap_received */
	unsigned one;	/* sa[0..one) are one SA (fgw_esp_decap_received) */
	unsigned usual;	/* one when check_run took its (20, 0) body, else 0 */
};

/* The bits of the tx_offload word that hold l2_len, l3_len and l4_len;
 * and their values for a frame whose ESP follows a 20-byte IPv4 header
 * (fgw_esp_classify's). Constants once inline. */
static __rte_always_inline uint64_t lens_mask(void)
{
	return rte_mbuf_tx_offload((1u << RTE_MBUF_L2_LEN_BITS) - 1, (1u << RTE_MBUF_L3_LEN_BITS) - 1,
				   (1u << RTE_MBUF_L4_LEN_BITS) - 1, 0, 0, 0, 0);
}

static __rte_always_inline uint64_t usual_lens(void)
{
	return rte_mbuf_tx_offload(RTE_ETHER_HDR_LEN, sizeof(struct rte_ipv4_hdr), 0, 0, 0, 0, 0);
}

/* The checks and jobs of the run of packets on sa from `from` on; returns
 * where it ends. */
static __rte_always_inline unsigned check_run(struct in_burst *b, struct fgw_sa *sa,
					      unsigned from, const unsigned kind,
					      const bool received)
{
	/* Locals: the compiler would reload b's fields after each store
	 * through a byte pointer (the verdicts), which may alias them. */
	struct fgw_crypto *c = b->c;
	struct rte_mbuf **m = b->m;
	struct fgw_sa *const *sas = b->sa;
	uint8_t *verdict = b->verdict;
	struct in_pkt *in = b->in;
	/* A leading run the caller knew of is not walked again. */
	unsigned one = b->one, end = from < one ? one : from + 1, n = b->n, i = from;

	/* The end first, in a loop of its own: tested after each packet's
	 * checks, it cost about 13 instructions a packet (callgrind), the
	 * run's arrays reloaded past the checks' stores. A run of one, every
	 * run with many SAs, is told by one compare. */
	if (end < n && sas[end] == sa) {
		end++;
		while (end + 1 < n && sas[end] == sa && sas[end + 1] == sa)
			end += 2;	/* two a turn: half the loop's tests */
		if (end < n && sas[end] == sa)
			end++;
	}
	if (received && from < one) {
		/* The caller's run has one header length, read once; ESP
		 * straight after a 20-byte IPv4 header, the usual packet, in
		 * a body of its own where the offsets are constants
		 * (callgrind, 64 B GCM inbound: about 20 instructions a
		 * packet fewer than the lengths in variables). */
		const unsigned l3 = m[from]->l3_len, l4 = m[from]->l4_len;

		if (l3 == sizeof(struct rte_ipv4_hdr) && l4 == 0) {
			b->usual = one;
			for (; i < one; i++)
				verdict[i] = decap_check(c, m[i], sa, i, &in[i], kind, true,
							 sizeof(struct rte_ipv4_hdr), 0);
		} else {
			for (; i < one; i++)
				verdict[i] = decap_check(c, m[i], sa, i, &in[i], kind, true, l3, l4);
		}
	}
	for (; i < end; i++) {
		/* The usual packet's constant body here too: with many SAs
		 * every run is one packet long and none is the caller's. Its
		 * lengths as the low bits of the tx_offload word, Ethernet's
		 * with them (fgw_esp_classify's), one compare: the three
		 * bitfields read and tested cost about 12 instructions a
		 * packet (callgrind). */
		if (received && (m[i]->tx_offload & lens_mask()) == usual_lens())
			verdict[i] = decap_check(c, m[i], sa, i, &in[i], kind, true,
						 sizeof(struct rte_ipv4_hdr), 0);
		else
			verdict[i] = decap_check(c, m[i], sa, i, &in[i], kind, received,
						 m[i]->l3_len, m[i]->l4_len);
	}
	return end;
}

/* decap_finish for one packet that passed its checks (verdict NONE), and
 * its count. */
static __rte_always_inline void finish_one(struct fgw_crypto *c, struct rte_mbuf *m,
					   struct fgw_sa *sa, const struct in_pkt *in,
					   uint8_t *verdict, uint64_t *packets, uint64_t *bytes,
					   const unsigned kind, unsigned ct_off)
{
	/* a local: stored through a byte pointer, the verdict was loaded
	 * again */
	unsigned v = *verdict;
	uint32_t len = 0;

	if (v == FGW_SA_DROP_NONE) {
		v = decap_finish(c, m, sa, in, &len, kind, ct_off);
		*verdict = (uint8_t)v;
	}
	if (v != FGW_SA_DROP_NONE) {
		sa->stats.drop[v]++;
		return;
	}
	(*packets)++;
	*bytes += len;
}

/* After the crypto: packets from..to-1, all on sa, finished and counted. */
static __rte_always_inline void finish_run(struct in_burst *b, struct fgw_sa *sa, unsigned from,
					   unsigned to, const unsigned kind)
{
	struct fgw_crypto *c = b->c;	/* as in check_run */
	struct rte_mbuf **m = b->m;
	uint8_t *verdict = b->verdict;
	const struct in_pkt *in = b->in;
	uint64_t packets = 0, bytes = 0;
	unsigned i = from, usual = b->usual;

	/* check_run's usual body: the ciphertext's offset a constant too
	 * (callgrind, 64 B GCM inbound: 2.5 instructions a packet) */
	if (kind != 0 && from < usual)
		for (; i < usual; i++)
			finish_one(c, m[i], sa, &in[i], &verdict[i], &packets, &bytes, kind,
				   sizeof(struct rte_ipv4_hdr) + FGW_ESP_HDR_LEN + kind_iv_len(sa, kind));
	for (; i < to; i++)
		finish_one(c, m[i], sa, &in[i], &verdict[i], &packets, &bytes, kind, in[i].ct_off);
	if (packets)
		count_in(sa, packets, bytes);
}

/* check_run in the body for the run's kind; one for packets whose outer
 * header was checked already (fgw_esp_decap_received) and one for any.
 * The any-SA body checks every packet in full: it takes transport mode,
 * whose IPv6 extension headers decap_check refuses. */
static __rte_always_inline unsigned check_by_kind(struct in_burst *b, unsigned from,
						  unsigned kind)
{
	struct fgw_sa *sa = b->sa[from];

	switch (kind) {
	case FGW_CIPHER_AES_GCM_128:
		return b->received ? check_run(b, sa, from, FGW_CIPHER_AES_GCM_128, true) :
			check_run(b, sa, from, FGW_CIPHER_AES_GCM_128, false);
	case FGW_CIPHER_AES_GCM_256:
		return b->received ? check_run(b, sa, from, FGW_CIPHER_AES_GCM_256, true) :
			check_run(b, sa, from, FGW_CIPHER_AES_GCM_256, false);
	case FGW_CIPHER_AES_CBC_128:
		return b->received ? check_run(b, sa, from, FGW_CIPHER_AES_CBC_128, true) :
			check_run(b, sa, from, FGW_CIPHER_AES_CBC_128, false);
	case FGW_CIPHER_AES_CBC_256:
		return b->received ? check_run(b, sa, from, FGW_CIPHER_AES_CBC_256, true) :
			check_run(b, sa, from, FGW_CIPHER_AES_CBC_256, false);
	default:
		return check_run(b, sa, from, 0, false);
	}
}

/* finish_run in the body for the run's kind. */
static __rte_always_inline void finish_by_kind(struct in_burst *b, unsigned from, unsigned to,
					       unsigned kind)
{
	struct fgw_sa *sa = b->sa[from];

	switch (kind) {
	case FGW_CIPHER_AES_GCM_128:
		finish_run(b, sa, from, to, FGW_CIPHER_AES_GCM_128);
		break;
	case FGW_CIPHER_AES_GCM_256:
		finish_run(b, sa, from, to, FGW_CIPHER_AES_GCM_256);
		break;
	case FGW_CIPHER_AES_CBC_128:
		finish_run(b, sa, from, to, FGW_CIPHER_AES_CBC_128);
		break;
	case FGW_CIPHER_AES_CBC_256:
		finish_run(b, sa, from, to, FGW_CIPHER_AES_CBC_256);
		break;
	default:
		finish_run(b, sa, from, to, 0);
	}
}

static unsigned decap_burst(struct fgw_crypto *c, struct rte_mbuf **m, struct fgw_sa *const *sa,
			    unsigned n, uint8_t *verdict, bool received, unsigned one)
{
	struct in_pkt in[FGW_CRYPTO_BURST];
	struct in_burst burst = {
		.c = c, .m = m, .sa = sa, .verdict = verdict, .n = fgw_crypto_begin(c, n), .in = in,
		.received = received, .usual = 0,
	}, *b = &burst;

	b->one = RTE_MIN(one, b->n);
	uint8_t end[FGW_CRYPTO_BURST];	/* where each run of one SA ends */
	uint8_t kind[FGW_CRYPTO_BURST];	/* its run_kind, for the finish too */
	unsigned runs = 0;

	/* A run at a time: the keys' lines, on their way for the crypto call
	 * after the checks; the replay word of the window's top, when the
	 * ring is too big for the SA's own line (fgw_sa_alloc); the checks.
	 * (The SAs' other lines and the packets' headers are in cache: the
	 * data path's caller, fgw_esp_input, has read them.) */
	for (unsigned i = 0; i < b->n; runs++) {
		struct fgw_sa *s = b->sa[i];
		const struct fgw_replay *r = &s->replay;

		fgw_crypto_prefetch_keys(c, &s->keys, s->cipher, m[i]->pkt_len);
		if (r->size && r->bits != s->ring)
			rte_prefetch0(&r->bits[(r->top >> 6) & r->mask]);
		kind[runs] = (uint8_t)run_kind(s);
		i = check_by_kind(b, i, kind[runs]);
		end[runs] = (uint8_t)i;
	}
	fgw_crypto_run(c, verdict);
	for (unsigned r = 0, from = 0; r < runs; from = end[r++])
		finish_by_kind(b, from, end[r], kind[r]);
	return b->n;
}

static void decap(struct fgw_crypto *c, struct rte_mbuf **m, struct fgw_sa *const *sa,
		  unsigned n, uint8_t *verdict, bool received, unsigned one)
{
	while (n) {
		unsigned done = decap_burst(c, m, sa, n, verdict, received, one);

		if (done == 0) {
			for (unsigned i = 0; i < n; i++) {
				verdict[i] = FGW_SA_DROP_CRYPTO;
				sa[i]->stats.drop[verdict[i]]++;
			}
			return;
		}
		one = one > done ? one - done : 0;
		m += done;
		sa += done;
		verdict += done;
		n -= done;
	}
}

void fgw_esp_decap(struct fgw_crypto *c, struct rte_mbuf **m, struct fgw_sa *const *sa,
		   unsigned n, uint8_t *verdict)
{
	decap(c, m, sa, n, verdict, false, 0);
}

void fgw_esp_decap_received(struct fgw_crypto *c, struct rte_mbuf **m, struct fgw_sa *const *sa,
			    unsigned n, unsigned one, uint8_t *verdict)
{
	decap(c, m, sa, n, verdict, true, one);
}
