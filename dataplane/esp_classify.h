/* Whether an IP packet for one of our addresses is ESP, inline: the IPv4
 * and IPv6 passes ask it of every such packet, and the call cost as much
 * as the test (session 12, callgrind). */
#ifndef FLEXGW_DATAPLANE_ESP_CLASSIFY_H
#define FLEXGW_DATAPLANE_ESP_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define FGW_NATT_PORT 4500

/* Whether the IP packet in frame m, with l3_len bytes of IP header and
 * then protocol proto, is ESP: protocol 50, or UDP to port 4500 that does
 * not start with the zero non-ESP marker (that is IKE, for the control
 * lcore). When it is, sets m->l2_len, l3_len and l4_len (8 with UDP, else
 * 0) so that the SPI is at their sum. */
static inline bool fgw_esp_classify(struct rte_mbuf *m, unsigned l3_len, uint8_t proto)
{
	unsigned off = RTE_ETHER_HDR_LEN + l3_len;
	const struct rte_udp_hdr *udp;
	uint32_t marker;

	if (proto == IPPROTO_UDP) {
		/* Shorter than a marker: NAT keepalives (RFC 3948 2.3) and
		 * whatever else, for the control lcore. */
		if (rte_pktmbuf_data_len(m) < off + sizeof(*udp) + sizeof(marker))
			return false;
		udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, off);
		memcpy(&marker, udp + 1, sizeof(marker));
		if (udp->dst_port != RTE_BE16(FGW_NATT_PORT) || marker == 0)
			return false;
	} else if (proto != IPPROTO_ESP) {
		return false;
	}
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = l3_len;
	m->l4_len = proto == IPPROTO_UDP ? sizeof(*udp) : 0;
	return true;
}

#endif
