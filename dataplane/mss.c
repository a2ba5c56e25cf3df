/* TCP MSS clamping ("ip tcp adjust-mss"): a SYN through a tunnel
 * announces at most the MSS that fits the tunnel MTU, so the two ends never
 * send segments that would have to be fragmented or dropped. Applied to
 * SYNs going into a tunnel and coming out of it.
 *
 * The configured MSS is IOS's "ip tcp adjust-mss": the MTU less the 40
 * bytes of IPv4 and TCP headers. An IPv6 header is 20 bytes longer, so an
 * IPv6 SYN gets 20 less (what IOS's separate "ipv6 tcp adjust-mss" would
 * be set to): its full segments then fit the same tunnel MTU, where an
 * IPv6 router may not fragment them. */
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2

void fgw_mss_clamp(struct rte_mbuf *m, unsigned l3_off, uint16_t mss)
{
	unsigned len = rte_pktmbuf_data_len(m), l4_off, hlen;
	const uint8_t *l3;
	struct rte_tcp_hdr *tcp;
	uint8_t *opt;

	if (len < l3_off + sizeof(struct rte_ipv4_hdr))
		return;
	l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, l3_off);
	if ((l3[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;

		/* Only a first fragment holds the TCP header. */
		if (ip->next_proto_id != IPPROTO_TCP ||
		    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)))
			return;
		l4_off = l3_off + (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * 4u;
	} else if ((l3[0] >> 4) == 6 && len >= l3_off + sizeof(struct rte_ipv6_hdr)) {
		if (((const struct rte_ipv6_hdr *)l3)->proto != IPPROTO_TCP)
			return;
		l4_off = l3_off + sizeof(struct rte_ipv6_hdr);
		mss -= sizeof(struct rte_ipv6_hdr) - sizeof(struct rte_ipv4_hdr);
	} else {
		return;
	}
	if (len < l4_off + sizeof(*tcp))
		return;
	tcp = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	if (!(tcp->tcp_flags & RTE_TCP_SYN_FLAG))
		return;
	hlen = (tcp->data_off >> 4) * 4u;
	if (hlen < sizeof(*tcp) || len < l4_off + hlen)
		return;
	opt = (uint8_t *)(tcp + 1);
	for (unsigned i = 0; i < hlen - sizeof(*tcp);) {
		unsigned olen;

		if (opt[i] == TCPOPT_EOL)
			return;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 2 > hlen - sizeof(*tcp))
			return;
		olen = opt[i + 1];
		if (olen < 2 || i + olen > hlen - sizeof(*tcp))
			return;
		if (opt[i] == TCPOPT_MSS && olen == 4) {
			rte_be16_t old, new;

			memcpy(&old, opt + i + 2, 2);
			if (rte_be_to_cpu_16(old) <= mss)
				return;
			new = rte_cpu_to_be_16(mss);
			memcpy(opt + i + 2, &new, 2);
			/* The option may sit at an odd offset: its two bytes
			 * are then each half of a checksum word. */
			if (i % 2 == 0) {
				tcp->cksum = fgw_cksum_update(tcp->cksum, old, new);
			} else {
				tcp->cksum = 0;
				tcp->cksum = (l3[0] >> 4) == 4 ?
					rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)l3, tcp) :
					rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)l3, tcp);
			}
			return;
		}
		i += olen;
	}
}
