/* The first stage: Ethernet. Keeps frames addressed to this port (its MAC,
 * broadcast or multicast), punts ARP, and sorts IPv4 and IPv6 into their
 * own sub-bursts. */
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_prefetch.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

void fgw_eth_input(struct fgw_burst *b, struct rte_mbuf **pkts, unsigned n)
{
	const struct rte_ether_addr *mac = &b->dp->ifs[b->in_if].mac;
	struct rte_mbuf *v4[FGW_MAX_BURST], *v6[FGW_MAX_BURST];
	bool v4_group[FGW_MAX_BURST], v6_group[FGW_MAX_BURST];
	unsigned n4 = 0, n6 = 0;

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth;
		bool group;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		/* No scattered RX is configured, so every header we read
		 * must be in the first segment; a chained frame cannot be
		 * parsed in place and counts with the truncated ones. */
		if (m->nb_segs != 1 || rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN) {
			fgw_drop(b, m, FGW_DROP_RUNT);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		group = rte_is_multicast_ether_addr(&eth->dst_addr);
		/* A frame from our own MAC is one the host sent out of the
		 * interface (af_packet sees outgoing frames too), never one
		 * for us to route. */
		if ((!group && !rte_is_same_ether_addr(&eth->dst_addr, mac)) ||
		    rte_is_same_ether_addr(&eth->src_addr, mac)) {
			fgw_drop(b, m, FGW_DROP_NOT_FOR_US);
			continue;
		}
		switch (eth->ether_type) {
		case RTE_BE16(RTE_ETHER_TYPE_IPV4):
			v4_group[n4] = group;
			v4[n4++] = m;
			break;
		case RTE_BE16(RTE_ETHER_TYPE_IPV6):
			v6_group[n6] = group;
			v6[n6++] = m;
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
	if (n4 != 0)
		fgw_ipv4_input(b, v4, v4_group, n4);
	if (n6 != 0)
		fgw_ipv6_input(b, v6, v6_group, n6);
}
