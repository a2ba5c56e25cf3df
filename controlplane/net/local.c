/* Packets for one of our addresses. UDP goes to the service listening on
 * its port (fgw_udp_listen: IKE claims 500 and 4500). Otherwise we answer
 * as a router with no services: echo replies; ICMP port unreachable for
 * UDP; a TCP reset for TCP (RFC 793's answer for a closed port, as IOS and
 * Linux give it: a client fails at once instead of retrying SYNs); ICMP
 * protocol unreachable for anything else. Fragments for us are dropped and
 * counted: nothing we serve needs reassembly (IKE fragments its own
 * messages, RFC 7383). */
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "net.h"

int fgw_udp_listen(struct fgw_control *c, uint16_t port, fgw_udp_input_fn *fn, void *arg)
{
	for (unsigned i = 0; i < c->n_udp; i++)
		if (c->udp[i].port == port)
			return -1;
	if (c->n_udp == FGW_UDP_LISTENERS_MAX)
		return -1;
	c->udp[c->n_udp++] = (struct fgw_udp_listener){ .port = port, .fn = fn, .arg = arg };
	return 0;
}

static void udp_input(struct fgw_control *c, struct rte_mbuf *m, struct fgw_local_pkt *p)
{
	const struct rte_udp_hdr *u = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *,
							      p->l4_off);
	uint16_t len;

	if (p->l4_len < sizeof(*u) || (len = rte_be_to_cpu_16(u->dgram_len)) < sizeof(*u) ||
	    len > p->l4_len) {
		c->stats.malformed++;
		return;
	}
	/* A zero checksum means none over IPv4, and is invalid over IPv6. */
	if (u->dgram_cksum == 0 ? p->src.family == AF_INET6
				: fgw_net_l4_cksum(&p->src, &p->dst, IPPROTO_UDP, u, len) != 0) {
		c->stats.malformed++;
		return;
	}
	p->l4_len = len;
	p->sport = rte_be_to_cpu_16(u->src_port);
	p->dport = rte_be_to_cpu_16(u->dst_port);
	for (unsigned i = 0; i < c->n_udp; i++) {
		if (c->udp[i].port == p->dport) {
			c->udp[i].fn(c, m, p, c->udp[i].arg);
			return;
		}
	}
	fgw_icmp_unreachable(c, m, p->in_if, 3);
}

static void tcp_input(struct fgw_control *c, struct rte_mbuf *m, struct fgw_local_pkt *p)
{
	const struct rte_tcp_hdr *t = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
							      p->l4_off);
	struct rte_tcp_hdr *rst;
	struct rte_mbuf *out;
	unsigned hlen;
	uint32_t seg_len;

	if (p->l4_len < sizeof(*t) || (hlen = (t->data_off >> 4) * 4u) < sizeof(*t) ||
	    hlen > p->l4_len ||
	    fgw_net_l4_cksum(&p->src, &p->dst, IPPROTO_TCP, t, p->l4_len) != 0) {
		c->stats.malformed++;
		return;
	}
	/* Never reset a reset, nor answer what no single host sent. */
	if ((t->tcp_flags & RTE_TCP_RST_FLAG) || !fgw_net_is_local(c, &p->dst) ||
	    !fgw_net_is_unicast_source(c, &p->src)) {
		c->stats.local_dropped++;
		return;
	}
	if (!fgw_net_ratelimit(c))
		return;
	out = fgw_net_ip_alloc(c, &p->dst, &p->src, IPPROTO_TCP, 0, sizeof(*rst), (void **)&rst);
	if (out == NULL)
		return;
	memset(rst, 0, sizeof(*rst));
	rst->src_port = t->dst_port;
	rst->dst_port = t->src_port;
	rst->data_off = (sizeof(*rst) / 4) << 4;
	/* RFC 793 "Reset Generation", CLOSED state: take the sequence number
	 * from the ACK if there is one, else acknowledge the segment. */
	if (t->tcp_flags & RTE_TCP_ACK_FLAG) {
		rst->sent_seq = t->recv_ack;
		rst->tcp_flags = RTE_TCP_RST_FLAG;
	} else {
		seg_len = p->l4_len - hlen + !!(t->tcp_flags & RTE_TCP_SYN_FLAG) +
			  !!(t->tcp_flags & RTE_TCP_FIN_FLAG);
		rst->recv_ack = rte_cpu_to_be_32(rte_be_to_cpu_32(t->sent_seq) + seg_len);
		rst->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	rst->cksum = fgw_net_l4_cksum(&p->dst, &p->src, IPPROTO_TCP, rst, sizeof(*rst));
	fgw_net_reply(c, out, p->in_if, &p->src);
	c->stats.tcp_resets_tx++;
}

void fgw_local_input(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex)
{
	struct fgw_net_ip ip;
	bool v6;

	if (!fgw_net_parse(m, ifindex, &ip)) {
		c->stats.malformed++;
		return;
	}
	if (ip.fragment) {
		c->stats.local_dropped++;
		return;
	}
	v6 = ip.p.src.family == AF_INET6;
	switch (ip.p.proto) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (ip.p.proto != (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP))
			break;
		/* Unicast NS and NA are addressed to us like any packet. */
		if (v6 && ip.p.l4_len > 0) {
			uint8_t type = *rte_pktmbuf_mtod_offset(m, const uint8_t *, ip.p.l4_off);

			if (type >= FGW_ICMP6_ND_FIRST && type <= FGW_ICMP6_ND_LAST) {
				fgw_nd_input(c, m, ifindex);
				return;
			}
		}
		fgw_icmp_echo_input(c, m, &ip.p);
		return;
	case IPPROTO_UDP:
		udp_input(c, m, &ip.p);
		return;
	case IPPROTO_TCP:
		tcp_input(c, m, &ip.p);
		return;
	case IPPROTO_NONE:
		if (v6) {
			c->stats.local_dropped++;
			return;
		}
		break;
	}
	fgw_icmp_unreachable(c, m, ifindex, 2);
}
