/* Reading the IP headers of a punted frame. The frame came from the network:
 * every length is checked against the bytes the mbuf really holds. */
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "net.h"

/* More extension headers than this is an attack, not a packet. */
#define IPV6_EXT_MAX 8

static bool parse_ipv4(const uint8_t *l3, uint32_t avail, struct fgw_net_ip *ip)
{
	const struct rte_ipv4_hdr *h = (const struct rte_ipv4_hdr *)l3;
	unsigned hlen, total, frag;

	if (avail < sizeof(*h) || (h->version_ihl >> 4) != 4)
		return false;
	hlen = (h->version_ihl & 0xf) * 4u;
	total = rte_be_to_cpu_16(h->total_length);
	if (hlen < sizeof(*h) || total < hlen || total > avail)
		return false;
	frag = rte_be_to_cpu_16(h->fragment_offset);
	ip->p.src.family = AF_INET;
	ip->p.src.v4 = h->src_addr;
	ip->p.dst.family = AF_INET;
	ip->p.dst.v4 = h->dst_addr;
	ip->p.proto = h->next_proto_id;
	ip->p.l4_off = (uint16_t)(ip->p.l3_off + hlen);
	ip->p.l4_len = (uint16_t)(total - hlen);
	ip->l3_len = (uint16_t)total;
	ip->proto_ptr = offsetof(struct rte_ipv4_hdr, next_proto_id);
	ip->ttl = h->time_to_live;
	ip->later_fragment = (frag & RTE_IPV4_HDR_OFFSET_MASK) != 0;
	ip->fragment = ip->later_fragment || (frag & RTE_IPV4_HDR_MF_FLAG) != 0;
	return true;
}

static bool parse_ipv6(const uint8_t *l3, uint32_t avail, struct fgw_net_ip *ip)
{
	const struct rte_ipv6_hdr *h = (const struct rte_ipv6_hdr *)l3;
	unsigned end, off = sizeof(*h), ptr = offsetof(struct rte_ipv6_hdr, proto);
	uint8_t next;

	if (avail < sizeof(*h) || (rte_be_to_cpu_32(h->vtc_flow) >> 28) != 6)
		return false;
	end = sizeof(*h) + rte_be_to_cpu_16(h->payload_len);
	if (end > avail)
		return false;
	next = h->proto;
	for (unsigned i = 0;; i++) {
		const uint8_t *x = l3 + off;
		unsigned xlen;

		if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS) {
			if (off + 2 > end)
				return false;
			xlen = (x[1] + 1u) * 8;
		} else if (next == IPPROTO_FRAGMENT) {
			xlen = 8;
		} else {
			break;
		}
		if (off + xlen > end || i == IPV6_EXT_MAX)
			return false;
		if (next == IPPROTO_FRAGMENT) {
			ip->fragment = true;
			ip->later_fragment = (((x[2] << 8) | x[3]) & 0xfff8) != 0;
		}
		ptr = off;
		next = x[0];
		off += xlen;
		if (ip->later_fragment)
			break;
	}
	memcpy(ip->p.src.v6, h->src_addr, 16);
	ip->p.src.family = AF_INET6;
	memcpy(ip->p.dst.v6, h->dst_addr, 16);
	ip->p.dst.family = AF_INET6;
	ip->p.proto = next;
	ip->p.l4_off = (uint16_t)(ip->p.l3_off + off);
	ip->p.l4_len = (uint16_t)(end - off);
	ip->l3_len = (uint16_t)end;
	ip->proto_ptr = (uint16_t)ptr;
	ip->ttl = h->hop_limits;
	return true;
}

bool fgw_net_parse(const struct rte_mbuf *m, uint32_t in_if, struct fgw_net_ip *ip)
{
	uint32_t len = rte_pktmbuf_data_len(m);
	const struct rte_ether_hdr *eth;
	const uint8_t *l3;

	memset(ip, 0, sizeof(*ip));
	if (len < FGW_NET_L3_OFF)
		return false;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, FGW_NET_L3_OFF);
	ip->p.in_if = in_if;
	ip->p.l3_off = FGW_NET_L3_OFF;
	switch (rte_be_to_cpu_16(eth->ether_type)) {
	case RTE_ETHER_TYPE_IPV4:
		return parse_ipv4(l3, len - FGW_NET_L3_OFF, ip);
	case RTE_ETHER_TYPE_IPV6:
		return parse_ipv6(l3, len - FGW_NET_L3_OFF, ip);
	default:
		return false;
	}
}

static uint32_t fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
}

uint16_t fgw_net_l4_cksum(const struct fgw_addr *src, const struct fgw_addr *dst,
			  uint8_t proto, const void *l4, uint32_t len)
{
	/* The IPv6 pseudo-header's length and protocol words; summed the
	 * IPv4 way (zero, protocol, 16-bit length) they give the same total. */
	const uint32_t tail[2] = { rte_cpu_to_be_32(len), rte_cpu_to_be_32(proto) };
	size_t alen = src->family == AF_INET ? 4 : 16;
	uint32_t sum;

	sum = rte_raw_cksum(src->bytes, alen);
	sum += rte_raw_cksum(dst->bytes, alen);
	sum += rte_raw_cksum(tail, sizeof(tail));
	sum += rte_raw_cksum(l4, len);
	return (uint16_t)~fold(sum);
}
