/* ESP (RFC 4303) encapsulation and decapsulation of bursts of mbufs, in
 * place, with the crypto of the whole burst in one IPsec-MB submission.
 *
 * Both take parallel arrays: packets, their SAs, and a verdict per packet
 * (enum fgw_sa_drop; FGW_SA_DROP_NONE for a packet that made it). A dropped
 * packet is counted on its SA and left to the caller, which counts it in
 * its own statistics and frees it. Any burst size works; the crypto runs in
 * bursts of FGW_CRYPTO_BURST. Nothing here allocates, locks, logs or makes
 * a system call.
 *
 * Packets must be single-segment mbufs with their data starting at an IP
 * header (no Ethernet header). */
#ifndef FGW_ESP_H
#define FGW_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "common/sa.h"
#include "dataplane/ipsec/crypto.h"

#define FGW_ESP_HDR_LEN 8	/* SPI + sequence number */

/* Starts loading what ESP reads and writes of sa for a packet: the
 * per-packet fields (FGW_SA_HOT_END, one line) and the line with the
 * sequence number, lifetime copy, replay window and counters (for
 * writing). Called a stage ahead, it turns a cache miss per packet on the
 * SA into misses the burst waits for together. The key schedule is
 * prefetched by ESP itself (fgw_crypto_prefetch_keys) once the SA's
 * algorithm is in cache, and a replay ring too big for the SA's line by
 * decap_burst. */
static inline void fgw_sa_prefetch(const struct fgw_sa *sa)
{
	rte_prefetch0(sa);
	rte_prefetch0_write(&sa->state);
}

/* RFC 4303 2.4's default padding, 1, 2, 3..., as far as a cipher block
 * needs: outbound copies it, inbound compares a packet's padding with it. */
#define FGW_ESP_PAD_CONST 16
extern const uint8_t fgw_esp_pad[FGW_ESP_PAD_CONST];

/* Room encapsulation needs in front of a packet: IPv6 + UDP + ESP + CBC
 * IV. Behind it: up to 15 bytes of padding, 2 of trailer, a 32-byte ICV. */
#define FGW_ESP_MAX_HEADROOM (40 + 8 + FGW_ESP_HDR_LEN + 16)

/* Outbound. m[i] is an IP packet and sa[i] its outbound SA. Tunnel mode
 * wraps the whole packet in the SA's outer header: DSCP copied or set, ECN
 * copied (RFC 6040 normal mode), DF per the SA, TTL from the SA, IPv4 ID
 * the low 16 bits of the sequence number. Transport mode inserts ESP after
 * the IP header (IPv6 without extension headers). With NAT-T, a UDP header
 * (RFC 3948) comes first: checksum 0 over IPv4, computed over IPv6. The
 * sequence numbers of each run of packets on one SA are reserved with one
 * atomic add; an SA whose numbers run out (2^32 - 1 without ESN) drops
 * from then on. IVs are never repeated: GCM uses the 64-bit sequence
 * number (RFC 4106 section 3.1); CBC the encryption of it under the SA's
 * key (unpredictable, NIST SP 800-38A Appendix C). On success m[i] starts
 * at the outer IP header. */
void fgw_esp_encap(struct fgw_crypto *c, struct rte_mbuf **m, struct fgw_sa *const *sa,
		   unsigned n, uint8_t *verdict);

/* fgw_esp_encap for packets in runs of one SA that the caller has found
 * already: run r is m[end[r - 1]] up to m[end[r]] (from m[0] for the
 * first), all on run_sa[r]; end[runs - 1], the packets' number, at most
 * FGW_CRYPTO_BURST. The tunnel output has its runs; finding them again
 * from a per-packet SA array cost 9 instructions a packet (callgrind).
 * True when every verdict is FGW_SA_DROP_NONE (ESP found it out for its
 * counters already). */
bool fgw_esp_encap_runs(struct fgw_crypto *c, struct rte_mbuf **m,
			struct fgw_sa *const *run_sa, const uint8_t *end, unsigned runs,
			uint8_t *verdict);

/* No verdict of the n is a drop (FGW_SA_DROP_NONE is 0: the verdicts
 * ORed 8 at a time). */
_Static_assert(FGW_SA_DROP_NONE == 0, "fgw_esp_all_sent ORs the verdicts");

static inline bool fgw_esp_all_sent(const uint8_t *verdict, unsigned n)
{
	uint64_t any = 0, w;
	unsigned i = 0;

	for (; i + sizeof(w) <= n; i += sizeof(w)) {
		memcpy(&w, verdict + i, sizeof(w));
		any |= w;
	}
	for (; i < n; i++)
		any |= verdict[i];
	return any == 0;
}

#define FGW_ECN_NOT_ECT 0
#define FGW_ECN_ECT1 1
#define FGW_ECN_ECT0 2
#define FGW_ECN_CE 3

/* RFC 6040 section 4.2: the inner ECN field after decapsulation, or -1 to
 * drop (congestion marked on a flow that cannot carry the mark). ESP's
 * tunnel mode and GRE (RFC 9601) both apply it. The same as inner when
 * outer is inner. */
static inline int fgw_ecn_decap(unsigned outer, unsigned inner)
{
	if (inner == FGW_ECN_NOT_ECT)
		return outer == FGW_ECN_CE ? -1 : FGW_ECN_NOT_ECT;
	if (outer == FGW_ECN_CE)
		return FGW_ECN_CE;
	if (outer == FGW_ECN_ECT1 && inner == FGW_ECN_ECT0)
		return FGW_ECN_ECT1;
	return inner;
}

/* Inbound. m[i] starts at the outer IP header; m[i]->l3_len is that
 * header's length up to the UDP or ESP header (IPv6 extension headers
 * included), m[i]->l4_len is 8 for ESP in UDP and 0 for plain ESP; sa[i]
 * is the inbound SA its SPI selected. Every length is checked against the
 * mbuf; the replay window is checked before decrypting and moved only
 * after the ICV verified; padding must be 1, 2, 3...; the next header must
 * suit the mode (tunnel: IPv4 or IPv6; 59, a dummy packet, is dropped).
 * On success m[i] is, in tunnel mode, the inner packet (trimmed to its
 * own length, ECN combined per RFC 6040); in transport mode, the IP
 * header (protocol = next header, lengths and checksum fixed) followed by
 * the payload. SAs must each be owned by the calling worker. */
void fgw_esp_decap(struct fgw_crypto *c, struct rte_mbuf **m, struct fgw_sa *const *sa,
		   unsigned n, uint8_t *verdict);

/* fgw_esp_decap for packets whose outer header the caller has checked
 * against the frame, as the data path's IPv4 and IPv6 passes do: m[i]'s
 * segment is the IP packet (its length field's, Ethernet padding
 * trimmed), whose version is 4 or 6, and l3_len is its header's length
 * (IPv4: the IHL's, at least 20). Those tests are not made again; what lies
 * past the header is checked as fgw_esp_decap checks it. sa[0] to
 * sa[one - 1] are one SA and m[0] to m[one - 1] have one l3_len and
 * l4_len, as the caller found them (0: not known): that run is not looked
 * for again, and its lengths are read once. */
void fgw_esp_decap_received(struct fgw_crypto *c, struct rte_mbuf **m,
			    struct fgw_sa *const *sa, unsigned n, unsigned one,
			    uint8_t *verdict);

#endif
