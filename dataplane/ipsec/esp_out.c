/* ESP outbound: encapsulate, pad, number and encrypt a burst. See esp.h. */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dataplane/ipsec/esp.h"
#include "dataplane/ipsec/sa_count.h"

/* Every mbuf can take the ESP headers and, after them, an Ethernet header. */
_Static_assert(RTE_PKTMBUF_HEADROOM >= FGW_ESP_MAX_HEADROOM + RTE_ETHER_HDR_LEN,
	       "mbuf headroom too small for ESP");

/* The outer IPv4 checksum is summed as this host loads the header's
 * words (encap_one). */
_Static_assert(RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN, "encap_one's checksum is little-endian");

/* CBC runs from the IV field with a zero IV: the first "plaintext" block
 * is the sequence number, so the IV that lands in the packet is its
 * encryption, and the rest is ordinary CBC under that IV. */
static const uint8_t zero_iv[16];

/* A packet needs fewer padding bytes than the cipher's block (at most 16):
 * written as one 16-byte copy of fgw_esp_pad rather than a loop of byte
 * stores. */
const uint8_t fgw_esp_pad[FGW_ESP_PAD_CONST] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

/* ENCAP_GCM4's trailer as one 16-byte copy: GCM aligns to 4, so the
 * padding is 0-3 bytes, and tunnel mode's next header is IPv4 or IPv6
 * (index 1): the padding, its length and the next header, then bytes
 * of the ICV, which GCM writes (callgrind, 64 B and 1420 B GCM
 * outbound: 3 instructions a packet fewer than the copy of fgw_esp_pad
 * and two byte stores). */
static const uint8_t gcm4_trailer[2][4][16] = {
	{ { 0, IPPROTO_IPIP }, { 1, 1, IPPROTO_IPIP }, { 1, 2, 2, IPPROTO_IPIP },
	  { 1, 2, 3, 3, IPPROTO_IPIP } },
	{ { 0, IPPROTO_IPV6 }, { 1, 1, IPPROTO_IPV6 }, { 1, 2, 2, IPPROTO_IPV6 },
	  { 1, 2, 3, 3, IPPROTO_IPV6 } },
};

/* What the burst remembers of a packet until its crypto completed. */
struct out_pkt {
	uint32_t payload;		/* plaintext bytes, for the counters */
	uint16_t udp_off;		/* IPv6 NAT-T: where the UDP header is */
};

/* Sequence numbers for the k packets of a run on one SA: the first's is
 * returned, packet q's is that + q. (Not an array a packet: the loads
 * and stores of it were 3 instructions a packet, callgrind.) A run of
 * one packet's verdict is a store, not a memset of a variable length,
 * which is a call to libc's (with many tunnels a run is a packet). */
static uint64_t reserve(const struct fgw_crypto *c, struct fgw_sa *sa, unsigned k,
			uint8_t *verdict)
{
	const struct fgw_sa_lifetime *l = &sa->life_out;
	uint64_t first;
	uint64_t last = sa->flags & FGW_SA_F_ESN ? UINT64_MAX : UINT32_MAX;
	uint64_t bytes = __atomic_load_n(&sa->stats.bytes, __ATOMIC_RELAXED);
	uint32_t state = __atomic_load_n(&sa->state, __ATOMIC_RELAXED);
	bool hard = state & FGW_SA_HARD_EXPIRED;
	bool exhausted = state & FGW_SA_SEQ_EXHAUSTED;

	if (c->sole_writer) {
		first = sa->seq + 1;
		__atomic_store_n(&sa->seq, sa->seq + k, __ATOMIC_RELAXED);
	} else {
		first = __atomic_fetch_add(&sa->seq, k, __ATOMIC_RELAXED) + 1;
	}

	/* Byte limits are enforced per burst: at most one burst beyond. */
	if (l->hard_bytes && bytes >= l->hard_bytes) {
		fgw_sa_set_state(sa, FGW_SA_HARD_EXPIRED);
		hard = true;
	}
	if ((l->soft_bytes && bytes >= l->soft_bytes) ||
	    (l->soft_packets && first + k - 1 >= l->soft_packets))
		fgw_sa_set_state(sa, FGW_SA_SOFT_EXPIRED);
	/* The usual run: every number valid, checked once at its last (no
	 * wrap: first <= first + k - 1 <= last, within the packet limit). */
	if (!hard && !exhausted && first + k - 1 >= first && first + k - 1 <= last &&
	    (!l->hard_packets || first + k - 1 <= l->hard_packets)) {
		if (k == 1)
			verdict[0] = FGW_SA_DROP_NONE;
		else
			memset(verdict, FGW_SA_DROP_NONE, k);
		return first;
	}
	for (unsigned q = 0; q < k; q++) {
		uint64_t seq = first + q;

		verdict[q] = FGW_SA_DROP_NONE;
		if (hard) {
			verdict[q] = FGW_SA_DROP_LIFETIME;
		} else if (exhausted || seq > last || seq < first) {
			/* RFC 4303 3.3.3: the counter never cycles. With ESN
			 * the 64-bit counter itself would wrap to 0 (seq < first);
			 * the SEQ_EXHAUSTED state then keeps later bursts out. */
			verdict[q] = FGW_SA_DROP_SEQ_OVERFLOW;
			fgw_sa_set_state(sa, FGW_SA_SEQ_EXHAUSTED);
		} else if (l->hard_packets && seq > l->hard_packets) {
			verdict[q] = FGW_SA_DROP_LIFETIME;
			fgw_sa_set_state(sa, FGW_SA_HARD_EXPIRED);
		}
	}
	return first;
}

/* The outer headers come in four sizes: copies of a constant size stay
 * inline. */
static void copy_outer(uint8_t *to, const struct fgw_sa *sa)
{
	switch (sa->outer_len) {
	case 0: break;
	case 8: memcpy(to, sa->outer, 8); break;
	case 20: memcpy(to, sa->outer, 20); break;
	case 28: memcpy(to, sa->outer, 28); break;
	case 40: memcpy(to, sa->outer, 40); break;
	default: memcpy(to, sa->outer, 48); break;
	}
}

static bool ipv6_extension(uint8_t nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS: case IPPROTO_ROUTING: case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS: case IPPROTO_AH: case IPPROTO_ESP:
	case IPPROTO_MH: case 139: case 140:	/* HIP, shim6 */
		return true;
	default:
		return false;
	}
}

/* What a packet's outer headers take from its SA, worked out once per
 * run of the SA's packets. RFC 4301 5.1.2.1 and RFC 6040 normal mode:
 * the outer DSCP copied or set, ECN copied from the inner header, as
 * (inner TOS & tos_keep) | tos_set; DF copied from the inner IPv4
 * header's flags byte as & df_copy (the DF bit or 0), which is then
 * the big-endian flags word's value. */
struct encap_consts {
	uint8_t tos_keep, tos_set, df_copy;
	rte_be32_t spi;
};

static struct encap_consts encap_consts(const struct fgw_sa *sa)
{
	bool copy = sa->dscp == FGW_SA_DSCP_COPY;

	return (struct encap_consts){
		.tos_keep = copy ? 0xff : 0x03,
		.tos_set = copy ? 0 : (uint8_t)(sa->dscp << 2),
		.df_copy = sa->df == FGW_SA_DF_COPY ? RTE_IPV4_HDR_DF_FLAG >> 8 : 0,
		.spi = rte_cpu_to_be_32(sa->spi),
	};
}

/* What a run of packets on one SA has in common, decided once per run.
 * The usual SAs -- tunnel mode, outer IPv4 without NAT-T, no ESN -- get
 * a kind of their own per cipher family: encap_one, inlined with the
 * kind a constant, then drops the tests and loads those settle
 * (callgrind, 64 B GCM outbound: encap_burst beyond the crypto call 341
 * -> 248 instructions a packet, the worker 1,411 -> 1,318). Any other
 * SA takes the general body, ENCAP_ANY. */
enum encap_kind {
	ENCAP_ANY,
	ENCAP_GCM4,		/* AES-GCM, tunnel mode, outer IPv4, no NAT-T or ESN */
	ENCAP_CBC4,		/* AES-CBC + HMAC, the same */
};

static enum encap_kind encap_kind(const struct fgw_sa *sa)
{
	/* A 20-byte outer header is IPv4 without UDP (NAT-T makes it 28,
	 * IPv6 40). */
	if (sa->mode != FGW_SA_TUNNEL || sa->outer_len != sizeof(struct rte_ipv4_hdr) ||
	    (sa->flags & FGW_SA_F_ESN))
		return ENCAP_ANY;
	return fgw_cipher_is_aead(sa->cipher) ? ENCAP_GCM4 : ENCAP_CBC4;
}

/* Builds one packet's ESP and queues its crypto job. kind is a constant
 * at each call (encap_run): the SA's fields it fixes are read from it. */
static __rte_always_inline unsigned encap_one(struct fgw_crypto *c, struct rte_mbuf *m,
					      struct fgw_sa *sa, struct encap_consts k,
					      uint64_t seq, unsigned user, struct out_pkt *out,
					      const enum encap_kind kind)
{
	const bool any = kind == ENCAP_ANY;
	const bool aead = any ? fgw_cipher_is_aead(sa->cipher) : kind == ENCAP_GCM4;
	const unsigned outer_len = any ? sa->outer_len : sizeof(struct rte_ipv4_hdr);
	const unsigned iv_len = any ? sa->iv_len : aead ? 8 : 16;
	const unsigned align = any ? sa->align : aead ? 4 : 16;
	const unsigned icv_len = any || !aead ? sa->icv_len : 16;
	const bool esn = any && (sa->flags & FGW_SA_F_ESN);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	bool tunnel = !any || sa->mode == FGW_SA_TUNNEL, v4;
	/* the outer header's DF bit where the IPv4 flags byte has it, and
	 * its TOS, from the inner header's as the SA says (encap_consts):
	 * taken as the header is read, so that the inner values do not
	 * stay live beside the SA's masks (callgrind, 64 B GCM outbound:
	 * encap_burst 182.9 -> 182.0 instructions a packet) */
	uint8_t df;
	unsigned kept, nh, tos, payload, padded, pad, head, tail, ip_len, udp_len, esp_off, total;
	uint8_t *hdr, *trailer, *esp, *icv;
	struct fgw_crypto_op op;

	if (!rte_pktmbuf_is_contiguous(m))
		return FGW_SA_DROP_CHAINED;
	if (len < sizeof(struct rte_ipv4_hdr))
		return FGW_SA_DROP_INNER_HEADER;
	v4 = p[0] >> 4 == 4;
	if (v4) {
		kept = (p[0] & 0x0f) * 4;
		if (kept < sizeof(struct rte_ipv4_hdr) || kept > len)
			return FGW_SA_DROP_INNER_HEADER;
		tos = (p[1] & k.tos_keep) | k.tos_set;
		df = p[6] & k.df_copy;
		nh = tunnel ? IPPROTO_IPIP : p[9];
	} else if (p[0] >> 4 == 6) {
		if (len < sizeof(struct rte_ipv6_hdr))
			return FGW_SA_DROP_INNER_HEADER;
		kept = sizeof(struct rte_ipv6_hdr);
		tos = (((p[0] & 0x0f) << 4 | p[1] >> 4) & k.tos_keep) | k.tos_set;
		/* IPv6 is never fragmented en route */
		df = k.df_copy;
		nh = tunnel ? IPPROTO_IPV6 : p[6];
		if (!tunnel && ipv6_extension(nh))
			return FGW_SA_DROP_UNSUPPORTED;
	} else {
		return FGW_SA_DROP_INNER_HEADER;
	}
	if (tunnel)
		kept = 0;		/* the whole packet is payload */

	payload = len - kept;
	padded = RTE_ALIGN_CEIL(payload + 2, align);
	pad = padded - payload - 2;
	head = outer_len + FGW_ESP_HDR_LEN + iv_len;
	/* The trailer's copy of fgw_esp_pad writes its 16 bytes whatever the
	 * padding: an ICV of 14 bytes or more covers them. With GCM's 16, a
	 * constant, the test folds away (RTE_MAX's could not: pad + 18 may
	 * wrap, as far as the compiler knows; callgrind, 64 B GCM outbound:
	 * encap_burst 190.9 -> 184.9 instructions a packet). */
	tail = pad + 2 + icv_len;
	if (icv_len + 2 < sizeof(fgw_esp_pad) && tail < sizeof(fgw_esp_pad))
		tail = sizeof(fgw_esp_pad);
	/* The Ethernet header counted too: the tunnel output prepends it
	 * without a check of its own. */
	if (rte_pktmbuf_headroom(m) < head + RTE_ETHER_HDR_LEN || rte_pktmbuf_tailroom(m) < tail)
		return FGW_SA_DROP_NO_ROOM;

	/* The trailer and the headers in one update of the lengths, from
	 * values at hand: the room is checked above, and one segment's
	 * data_len is its pkt_len. (rte_pktmbuf_append walks the segment
	 * chain, rte_pktmbuf_prepend tests the headroom again, and each
	 * adds to both lengths; with the trailer's byte stores between
	 * them, which may alias the mbuf, they were reloaded.) */
	trailer = p + len;
	hdr = p - head;
	total = head + len + pad + 2 + icv_len;
	m->data_off -= head;
	m->data_len = total;
	m->pkt_len = total;

	/* Trailer (RFC 4303 2.4): padding, its length, next header. The copy
	 * runs past them into what the ICV overwrites (GCM4: one copy of the
	 * whole pattern; else of the padding, then the two bytes). */
	if (kind == ENCAP_GCM4) {
		memcpy(trailer, gcm4_trailer[nh == IPPROTO_IPV6][pad], sizeof(gcm4_trailer[0][0]));
	} else {
		memcpy(trailer, fgw_esp_pad, sizeof(fgw_esp_pad));
		trailer[pad] = pad;
		trailer[pad + 1] = nh;
	}
	icv = trailer + pad + 2;

	if (kept)
		memmove(hdr, hdr + head, kept);
	if (any)
		copy_outer(hdr + kept, sa);
	else
		memcpy(hdr, sa->outer, sizeof(struct rte_ipv4_hdr));
	udp_len = any && (sa->flags & FGW_SA_F_NATT) ? sizeof(struct rte_udp_hdr) : 0;
	ip_len = tunnel ? outer_len - udp_len : kept;
	esp_off = ip_len + udp_len;

	if (!any || hdr[0] >> 4 == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)hdr;
		uint32_t sum;

		/* The checksum from values at hand: summing the header just
		 * written would wait for those narrow stores to land. */
		if (tunnel) {
			/* The sum is of the header's 16-bit words as this
			 * (little-endian, x86) host loads them: DF, the flags
			 * word's top bit, is its first byte's, so df itself;
			 * the TOS, the second byte of its word, is tos << 8.
			 * The swaps are the compiler's builtin, which it
			 * schedules and folds, not rte_cpu_to_be_16's asm
			 * (callgrind, 64 B GCM outbound: encap_burst 184.9 ->
			 * 182.9 instructions a packet). */
			uint16_t id = __builtin_bswap16((uint16_t)seq);
			uint16_t tot = __builtin_bswap16((uint16_t)total);

			ip->type_of_service = tos;
			ip->packet_id = id;
			ip->fragment_offset |= df;
			ip->total_length = tot;
			sum = (uint32_t)sa->outer_sum + (tos << 8) + id + df + tot;
		} else {
			/* RFC 1624: the kept header's checksum, updated for
			 * the protocol and length words. */
			uint16_t old_proto = rte_cpu_to_be_16(ip->time_to_live << 8 |
							      ip->next_proto_id);
			uint16_t old_len = ip->total_length;

			ip->next_proto_id = udp_len ? IPPROTO_UDP : IPPROTO_ESP;
			ip->total_length = rte_cpu_to_be_16(total);
			sum = (uint16_t)~ip->hdr_checksum + (uint32_t)(uint16_t)~old_proto +
			      (uint16_t)~old_len + ip->total_length +
			      rte_cpu_to_be_16(ip->time_to_live << 8 | ip->next_proto_id);
		}
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		ip->hdr_checksum = (uint16_t)~sum;
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)hdr;

		if (tunnel)
			ip->vtc_flow = rte_cpu_to_be_32(6u << 28 |
						    (uint32_t)tos << 20);
		else
			ip->proto = udp_len ? IPPROTO_UDP : IPPROTO_ESP;
		ip->payload_len = rte_cpu_to_be_16(total - sizeof(*ip));
	}
	if (udp_len) {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(hdr + ip_len);

		udp->dgram_len = rte_cpu_to_be_16(total - ip_len);
		/* IPv6: checksummed once encrypted (finish) */
		out->udp_off = hdr[0] >> 4 == 6 ? ip_len : 0;
	}

	esp = hdr + esp_off;
	{
		rte_be32_t lo = rte_cpu_to_be_32((uint32_t)seq);
		rte_be64_t iv = rte_cpu_to_be_64(seq);

		memcpy(esp, &k.spi, 4);
		memcpy(esp + 4, &lo, 4);
		if (iv_len == 16)
			memset(esp + FGW_ESP_HDR_LEN, 0, 8);
		memcpy(esp + FGW_ESP_HDR_LEN + iv_len - 8, &iv, 8);
	}

	if (aead) {
		struct fgw_crypto_scratch *s = fgw_crypto_scratch(c);
		const uint8_t *aad = esp;
		unsigned aad_len = FGW_ESP_HDR_LEN;

		memcpy(s->nonce, sa->salt, FGW_GCM_SALT_LEN);
		memcpy(s->nonce + FGW_GCM_SALT_LEN, esp + FGW_ESP_HDR_LEN, 8);
		if (esn) {
			/* RFC 4106 section 5: SPI, then all 64 bits. */
			rte_be32_t hi = rte_cpu_to_be_32((uint32_t)(seq >> 32));

			memcpy(s->aad, esp, 4);
			memcpy(s->aad + 4, &hi, 4);
			memcpy(s->aad + 8, esp + 4, 4);
			aad = s->aad;
			aad_len = 12;
		}
		op = (struct fgw_crypto_op){
			.keys = &sa->keys, .cipher = sa->cipher, .encrypt = true, .buf = hdr,
			.cipher_off = esp_off + FGW_ESP_HDR_LEN + 8, .cipher_len = padded,
			.iv = s->nonce, .iv_len = 12, .aad = aad, .aad_len = aad_len,
			.tag = icv, .tag_len = icv_len, .user = user,
		};
	} else {
		unsigned auth_len = FGW_ESP_HDR_LEN + 16 + padded;

		if (esn) {
			/* RFC 4303 2.2.1: the high half is authenticated after
			 * the payload, never sent: it sits where the ICV goes. */
			rte_be32_t hi = rte_cpu_to_be_32((uint32_t)(seq >> 32));

			memcpy(icv, &hi, 4);
			auth_len += 4;
		}
		op = (struct fgw_crypto_op){
			.keys = &sa->keys, .cipher = sa->cipher, .integ = sa->integ,
			.encrypt = true, .buf = hdr,
			.cipher_off = esp_off + FGW_ESP_HDR_LEN, .cipher_len = 16 + padded,
			.auth_off = esp_off, .auth_len = auth_len, .iv = zero_iv, .iv_len = 16,
			.tag = icv, .tag_len = icv_len, .user = user,
		};
	}
	fgw_crypto_add(c, &op);
	out->payload = payload;
	return FGW_SA_DROP_NONE;
}

/* After the crypto: IPv6 UDP checksums, counters, per run of one SA
 * (end: where each of the burst's runs ends; run_bytes: the plaintext
 * bytes of each run's packets that went to the crypto). When no packet
 * of the burst was dropped (clean), a run without NAT-T is counted from
 * its length and bytes, not a packet at a time (callgrind, 64 B GCM
 * outbound: 12 instructions a packet). */
static void finish(const struct fgw_crypto *c, struct rte_mbuf **m,
		   struct fgw_sa *const *run_sa, const uint8_t *end, const uint64_t *run_bytes,
		   unsigned runs, bool clean, const uint8_t *verdict, const struct out_pkt *out)
{
	for (unsigned r = 0, i = 0; r < runs; r++) {
		struct fgw_sa *s = run_sa[r];
		/* out[].udp_off is only set with NAT-T */
		bool natt = s->flags & FGW_SA_F_NATT;
		uint64_t packets = 0, bytes = 0;

		if (clean && !natt) {
			packets = end[r] - i;
			bytes = run_bytes[r];
			i = end[r];
		}
		for (; i < end[r]; i++) {
			if (verdict[i] != FGW_SA_DROP_NONE) {
				fgw_sa_drop_out(s, verdict[i]);
				continue;
			}
			if (natt && out[i].udp_off) {
				struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m[i], struct rte_ipv6_hdr *);
				struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m[i],
						struct rte_udp_hdr *, out[i].udp_off);

				udp->dgram_cksum = 0;
				udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
			}
			packets++;
			bytes += out[i].payload;
		}
		if (packets && c->sole_writer)
			fgw_sa_count_sole(s, packets, bytes);
		else if (packets)
			fgw_sa_count_out(s, packets, bytes);
	}
}

/* Packets [i, j) of the burst, all on sa, numbered from seq. (No
 * prefetch of the next packet's data: the tunnel output read each
 * packet's first line before, so it is in L1; fetching it again cost 8
 * instructions a packet, callgrind.) */
static __rte_always_inline uint64_t encap_run(struct fgw_crypto *c, struct rte_mbuf **m,
					      struct fgw_sa *sa, unsigned i, unsigned j,
					      uint64_t seq, uint8_t *verdict,
					      struct out_pkt *out, const enum encap_kind kind)
{
	struct encap_consts k = encap_consts(sa);
	uint64_t bytes = 0;

	for (; i < j; i++, seq++) {
		if (verdict[i] != FGW_SA_DROP_NONE)
			continue;
		verdict[i] = encap_one(c, m[i], sa, k, seq, i, &out[i], kind);
		if (verdict[i] == FGW_SA_DROP_NONE)
			bytes += out[i].payload;
	}
	return bytes;
}

/* The runs of one SA (run_sa, end: as fgw_esp_encap_runs) as far as the
 * crypto has job slots for: the packets done, from the first; *clean
 * whether ESP dropped none of them. */
static unsigned encap_burst(struct fgw_crypto *c, struct rte_mbuf **m,
			    struct fgw_sa *const *run_sa, const uint8_t *end, unsigned runs,
			    uint8_t *verdict, bool *clean)
{
	uint64_t seq[FGW_CRYPTO_BURST];	/* each run's first */
	struct out_pkt out[FGW_CRYPTO_BURST];
	uint8_t cut[FGW_CRYPTO_BURST];	/* end, cut where the slots end */
	uint64_t run_bytes[FGW_CRYPTO_BURST];
	unsigned n = fgw_crypto_begin(c, end[runs - 1]);

	/* Per run of one SA: its sequence numbers, and its keys' lines on
	 * their way for the crypto call at the end of the burst. (The SA's
	 * own lines came with the tunnel's prefetch and reserve.) */
	if (unlikely(n < end[runs - 1])) {
		unsigned r = 0;

		while (r < runs && end[r] < n) {
			cut[r] = end[r];
			r++;
		}
		cut[r] = (uint8_t)n;
		runs = n == 0 ? 0 : r + 1;
		end = cut;
	}
	for (unsigned r = 0, i = 0; r < runs; i = end[r++]) {
		seq[r] = reserve(c, run_sa[r], end[r] - i, verdict + i);
		fgw_crypto_prefetch_keys(c, &run_sa[r]->keys, run_sa[r]->cipher, m[i]->pkt_len);
	}
	for (unsigned r = 0, i = 0; r < runs; i = end[r++]) {
		switch (encap_kind(run_sa[r])) {
		case ENCAP_GCM4:
			run_bytes[r] = encap_run(c, m, run_sa[r], i, end[r], seq[r], verdict, out,
						 ENCAP_GCM4);
			break;
		case ENCAP_CBC4:
			run_bytes[r] = encap_run(c, m, run_sa[r], i, end[r], seq[r], verdict, out,
						 ENCAP_CBC4);
			break;
		default:
			run_bytes[r] = encap_run(c, m, run_sa[r], i, end[r], seq[r], verdict, out,
						 ENCAP_ANY);
			break;
		}
	}
	fgw_crypto_run(c, verdict);
	*clean = fgw_esp_all_sent(verdict, n);
	finish(c, m, run_sa, end, run_bytes, runs, *clean, verdict, out);
	return n;
}

void fgw_esp_encap(struct fgw_crypto *c, struct rte_mbuf **m, struct fgw_sa *const *sa,
		   unsigned n, uint8_t *verdict)
{
	while (n) {
		struct fgw_sa *run_sa[FGW_CRYPTO_BURST];
		uint8_t end[FGW_CRYPTO_BURST];
		unsigned k = RTE_MIN(n, (unsigned)FGW_CRYPTO_BURST), runs = 0, done;
		bool clean;

		for (unsigned i = 0, j; i < k; i = j) {
			for (j = i + 1; j < k && sa[j] == sa[i]; j++)
				;
			run_sa[runs] = sa[i];
			end[runs++] = (uint8_t)j;
		}
		done = encap_burst(c, m, run_sa, end, runs, verdict, &clean);
		if (done == 0) {
			/* No job slots: impossible while every burst is run to
			 * completion, but never leave a verdict unset. */
			for (unsigned i = 0; i < n; i++) {
				verdict[i] = FGW_SA_DROP_CRYPTO;
				fgw_sa_drop_out(sa[i], verdict[i]);
			}
			return;
		}
		m += done;
		sa += done;
		verdict += done;
		n -= done;
	}
}

bool fgw_esp_encap_runs(struct fgw_crypto *c, struct rte_mbuf **m,
			struct fgw_sa *const *run_sa, const uint8_t *end, unsigned runs,
			uint8_t *verdict)
{
	bool clean;
	unsigned n = end[runs - 1], done = encap_burst(c, m, run_sa, end, runs, verdict, &clean);
	struct fgw_sa *sa[FGW_CRYPTO_BURST];

	if (likely(done == n))
		return clean;
	/* Short of job slots (see fgw_esp_encap): the rest as a burst of
	 * its own. */
	for (unsigned r = 0, i = 0; r < runs; i = end[r++])
		for (; i < end[r]; i++)
			sa[i] = run_sa[r];
	fgw_esp_encap(c, m + done, sa + done, n - done, verdict + done);
	return fgw_esp_all_sent(verdict, n);
}
