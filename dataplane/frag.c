/* IPv4 fragmentation for packets larger than the egress MTU with DF clear
 * (RFC 791). rte_ip_frag builds each fragment as a fresh header mbuf
 * chained to an indirect mbuf that points into the original packet, so the
 * payload is never copied. */
#include <errno.h>

#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

int fgw_ipv4_fragment(struct fgw_dp *dp, struct rte_mbuf *m, uint16_t mtu,
		      struct rte_mbuf **out, unsigned max)
{
	struct rte_ether_hdr eth = *rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint32_t in_if = fgw_punt_meta(dp, m)->in_if;	/* see fgw_in_if */
	int n;

	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	n = rte_ipv4_fragment_packet(m, out, (uint16_t)max, mtu, dp->pool, dp->indirect_pool);
	/* The fragments hold their own references to the data. */
	rte_pktmbuf_free(m);
	if (n < 0)
		return n == -ENOMEM ? -FGW_DROP_NO_MBUF : -FGW_DROP_FRAGMENT;
	for (int i = 0; i < n; i++) {
		struct rte_ether_hdr *e;
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(out[i], struct rte_ipv4_hdr *);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		/* Header mbufs come from the packet pool with full headroom. */
		e = (struct rte_ether_hdr *)rte_pktmbuf_prepend(out[i], RTE_ETHER_HDR_LEN);
		*e = eth;
		fgw_punt_meta(dp, out[i])->in_if = in_if;
	}
	return n;
}
