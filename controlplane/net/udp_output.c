/* UDP datagrams the control lcore originates (IKE on 500 and 4500): one
 * IP packet, routed like every packet of ours (fgw_ip_output). We don't
 * fragment: a datagram that does not fit one mbuf is dropped and counted,
 * and one over the outgoing port's MTU is dropped there. */
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_udp.h>

#include "net.h"

int fgw_udp_output(struct fgw_control *c, const struct fgw_addr *src, uint16_t sport,
		   const struct fgw_addr *dst, uint16_t dport, const struct iovec *iov,
		   unsigned n_iov)
{
	struct rte_udp_hdr *u;
	struct rte_mbuf *m;
	size_t len = sizeof(*u);
	uint8_t *p;

	for (unsigned i = 0; i < n_iov; i++)
		len += iov[i].iov_len;
	if (len > UINT16_MAX - 40 || src->family != dst->family) {
		c->stats.output_dropped++;
		return -1;
	}
	m = fgw_net_ip_alloc(c, src, dst, IPPROTO_UDP, 0, (uint16_t)len, (void **)&u);
	if (m == NULL)
		return -1;
	u->src_port = rte_cpu_to_be_16(sport);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)len);
	u->dgram_cksum = 0;
	p = (uint8_t *)(u + 1);
	for (unsigned i = 0; i < n_iov; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	u->dgram_cksum = fgw_net_l4_cksum(src, dst, IPPROTO_UDP, u, (uint32_t)len);
	/* RFC 768: a computed zero is sent as all ones (zero means none). */
	if (u->dgram_cksum == 0)
		u->dgram_cksum = 0xffff;
	fgw_ip_output(c, m, dst);
	return 0;
}
