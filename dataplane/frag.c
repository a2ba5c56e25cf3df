/* Fragmentation of packets larger than the egress MTU: IPv4 with DF clear
 * (RFC 791), and the outer IPv6 packets we originate as a tunnel's entry
 * point (RFC 8200 section 4.5, RFC 2473 section 7). rte_ip_frag builds each
 * fragment as a fresh header mbuf chained to an indirect mbuf that points
 * into the original packet, so the payload is never copied. */
#include <errno.h>

#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

/* Takes the Ethernet header off m for rte_ip_frag; returns it. */
static struct rte_ether_hdr strip(struct rte_mbuf *m)
{
	struct rte_ether_hdr eth = *rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	return eth;
}

/* The fragments behind copies of eth, keeping m's ingress interface (see
 * fgw_in_if); consumes m. */
static int finish(struct fgw_dp *dp, struct rte_mbuf *m, const struct rte_ether_hdr *eth,
		  struct rte_mbuf **out, int n)
{
	uint32_t in_if = fgw_punt_meta(dp, m)->in_if;

	/* The fragments hold their own references to the data. */
	rte_pktmbuf_free(m);
	if (n < 0)
		return n == -ENOMEM ? -FGW_DROP_NO_MBUF : -FGW_DROP_FRAGMENT;
	for (int i = 0; i < n; i++) {
		/* Header mbufs come from the packet pool with full headroom. */
		struct rte_ether_hdr *e =
			(struct rte_ether_hdr *)rte_pktmbuf_prepend(out[i], RTE_ETHER_HDR_LEN);

		*e = *eth;
		fgw_punt_meta(dp, out[i])->in_if = in_if;
	}
	return n;
}

int fgw_ipv4_fragment(struct fgw_dp *dp, struct rte_mbuf *m, uint16_t mtu,
		      struct rte_mbuf **out, unsigned max)
{
	struct rte_ether_hdr eth = strip(m);
	int n = rte_ipv4_fragment_packet(m, out, (uint16_t)max, mtu, dp->pool,
					 dp->indirect_pool);

	for (int i = 0; i < n; i++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(out[i], struct rte_ipv4_hdr *);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	return finish(dp, m, &eth, out, n);
}

int fgw_ipv6_fragment(struct fgw_dp *dp, struct rte_mbuf *m, uint16_t mtu, uint32_t id,
		      struct rte_mbuf **out, unsigned max)
{
	struct rte_ether_hdr eth = strip(m);
	int n = rte_ipv6_fragment_packet(m, out, (uint16_t)max, mtu, dp->pool,
					 dp->indirect_pool);

	/* rte_ip_frag leaves the Identification zero; the peer's reassembly
	 * tells packets apart by it (RFC 8200 4.5: unique per source and
	 * destination among recent packets). */
	for (int i = 0; i < n; i++) {
		struct rte_ipv6_fragment_ext *fh = rte_pktmbuf_mtod_offset(out[i],
				struct rte_ipv6_fragment_ext *, sizeof(struct rte_ipv6_hdr));

		fh->id = rte_cpu_to_be_32(id);
	}
	return finish(dp, m, &eth, out, n);
}
