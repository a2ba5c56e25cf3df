/* The first stage: Ethernet. Keeps frames addressed to this port (its MAC,
 * broadcast or multicast), punts ARP, and sorts IPv4 and IPv6 into their
 * own sub-bursts. */
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_prefetch.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

/* The 6 bytes at p in the top 48 bits of a word (x86 is little-endian:
 * the 8 bytes loaded from p, shifted up by the 2 that follow them). Two
 * such loads cover an Ethernet header, its MACs compared as one word
 * each: the byte-pair compares of rte_is_same_ether_addr cost about 15
 * instructions a frame more (callgrind). */
_Static_assert(RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN, "mac_word takes a little-endian CPU");

static uint64_t mac_word(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w << 16;
}

/* One frame of fgw_eth_input's loop: onto v4 or v6 (with whether it came
 * as an Ethernet group frame), punted or dropped. */
static __rte_always_inline void eth_one(struct fgw_burst *b, struct rte_mbuf *m, uint64_t ours,
					uint64_t *bytes, struct rte_mbuf **v4, bool *v4_group,
					unsigned *n4, struct rte_mbuf **v6, bool *v6_group,
					unsigned *n6)
{
	const uint8_t *eth;
	uint64_t src_type;
	bool group;

	*bytes += m->pkt_len;
	/* No scattered RX is configured, so every header we read
	 * must be in the first segment; a chained frame cannot be
	 * parsed in place and counts with the truncated ones. */
	if (m->nb_segs != 1 || rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN) {
		fgw_drop(b, m, FGW_DROP_RUNT);
		return;
	}
	eth = rte_pktmbuf_mtod(m, const uint8_t *);
	/* the source MAC, then the EtherType in the word's top 16 bits */
	memcpy(&src_type, eth + RTE_ETHER_ADDR_LEN, sizeof(src_type));
	group = eth[0] & 1;	/* the I/G bit */
	/* A frame from our own MAC is one the host sent out of the
	 * interface (af_packet sees outgoing frames too), never one
	 * for us to route. */
	if ((!group && mac_word(eth) != ours) || src_type << 16 == ours) {
		fgw_drop(b, m, FGW_DROP_NOT_FOR_US);
		return;
	}
	/* IPv4 tested first: the switch compared ARP and IPv6 before
	 * it (callgrind, 64 B GCM outbound: 3 instructions a frame). */
	if ((rte_be16_t)(src_type >> 48) == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		v4_group[*n4] = group;
		v4[(*n4)++] = m;
		return;
	}
	switch ((rte_be16_t)(src_type >> 48)) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		v6_group[*n6] = group;
		v6[(*n6)++] = m;
		break;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		/* The control lcore parses the rest; an ARP packet
		 * for IPv4 over Ethernet is never shorter. */
		if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr))
			fgw_drop(b, m, FGW_DROP_RUNT);
		else
			fgw_punt(b, m, FGW_PUNT_ARP, 0, 0);
		break;
	default:
		fgw_drop(b, m, FGW_DROP_UNKNOWN_ETHERTYPE);
		break;
	}
}

void fgw_eth_input(struct fgw_burst *b, struct rte_mbuf **pkts, unsigned n)
{
	const struct rte_ether_addr *mac = &b->dp->ifs[b->in_if].mac;
	struct rte_mbuf *v4[FGW_MAX_BURST], *v6[FGW_MAX_BURST];
	bool v4_group[FGW_MAX_BURST], v6_group[FGW_MAX_BURST];
	unsigned n4 = 0, n6 = 0, i;
	uint64_t ours = 0, bytes = 0;

	memcpy((uint8_t *)&ours + 2, mac, RTE_ETHER_ADDR_LEN);
	/* The next frame's header prefetched, the last frame on its own:
	 * no test a frame of whether there is a next (callgrind). */
	for (i = 0; i + 1 < n; i++) {
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		eth_one(b, pkts[i], ours, &bytes, v4, v4_group, &n4, v6, v6_group, &n6);
	}
	if (i < n)
		eth_one(b, pkts[i], ours, &bytes, v4, v4_group, &n4, v6, v6_group, &n6);
	b->stats->port[b->port].rx_bytes += bytes;
	if (n4 != 0)
		fgw_ipv4_input(b, v4, v4_group, n4);
	if (n6 != 0)
		fgw_ipv6_input(b, v6, v6_group, n6);
}
