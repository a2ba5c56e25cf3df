/* ICMP and ICMPv6 as a router speaks them: echo replies for our addresses
 * and the errors about packets we could not forward or deliver.
 *
 * Errors follow RFC 1812 4.3.2.7 and RFC 4443 2.4: none about an ICMP
 * error, a fragment other than the first, a multicast or broadcast
 * destination (IP or link layer; IPv6 Packet Too Big excepted, so path MTU
 * discovery works for multicast) or a source that is not someone else's
 * unicast address. They quote as much of the offending packet as fits in
 * 576 bytes (IPv4, RFC 1812 4.3.2.3) or 1280 (IPv6), and come from the
 * ingress interface's address, which is what traceroute shows.
 *
 * Rate: one token bucket, ICMP_RATE per second and ICMP_BURST deep, for all
 * errors (and TCP resets, local.c). IOS sends one error per 500 ms, Linux up
 * to 1000/s; 100/s answers traceroutes and a ping to a dead neighbour at
 * once, while a flood of bad packets cannot make us an amplifier or eat the
 * control lcore. */
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>

#include "net.h"

#define ICMP_RATE 100
#define ICMP_BURST 10
#define ICMP4_ERROR_MAX 576
#define ICMP6_ERROR_MAX 1280

#define ICMP4_ECHO_REPLY 0
#define ICMP4_UNREACH 3
#define ICMP4_UNREACH_FRAG_NEEDED 4	/* code */
#define ICMP4_SOURCE_QUENCH 4
#define ICMP4_REDIRECT 5
#define ICMP4_ECHO 8
#define ICMP4_TIME_EXCEEDED 11
#define ICMP4_PARAM_PROBLEM 12
#define ICMP6_UNREACH 1
#define ICMP6_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROBLEM 4
#define ICMP6_ECHO 128
#define ICMP6_ECHO_REPLY 129

/* The common first 8 bytes of ICMP and ICMPv6 messages. */
struct icmp_hdr {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
	rte_be32_t word;		/* id+seq, MTU, pointer, or unused */
} __rte_packed;

struct icmp_error {
	uint8_t type4, code4;
	uint8_t type6, code6;
	uint32_t word;
	bool point_at_proto;		/* IPv6 parameter problem: word = proto_ptr */
	bool to_multicast;		/* may answer a multicast destination (IPv6) */
};

bool fgw_net_bucket_take(uint64_t *tokens, uint64_t *last_refill, unsigned rate,
			 unsigned burst)
{
	uint64_t now = rte_get_timer_cycles();
	uint64_t cost = rte_get_timer_hz() / rate;

	/* Tokens are timer cycles: one event costs a 1/rate second. */
	*tokens += now - *last_refill;
	*last_refill = now;
	if (*tokens > cost * burst)
		*tokens = cost * burst;
	if (*tokens < cost)
		return false;
	*tokens -= cost;
	return true;
}

bool fgw_net_ratelimit(struct fgw_control *c)
{
	if (fgw_net_bucket_take(&c->icmp_tokens, &c->icmp_last_refill, ICMP_RATE, ICMP_BURST))
		return true;
	c->stats.icmp_errors_ratelimited++;
	return false;
}

static bool is_icmp_error(const struct rte_mbuf *m, const struct fgw_net_ip *ip)
{
	uint8_t type;

	if (ip->p.l4_len < 1)
		return true;	/* can't tell: assume the worst */
	type = *rte_pktmbuf_mtod_offset(m, const uint8_t *, ip->p.l4_off);
	if (ip->p.src.family == AF_INET6)
		return type < 128;
	return type == ICMP4_UNREACH || type == ICMP4_SOURCE_QUENCH || type == ICMP4_REDIRECT ||
	       type == ICMP4_TIME_EXCEEDED || type == ICMP4_PARAM_PROBLEM;
}

static bool error_allowed(const struct fgw_control *c, const struct rte_mbuf *m,
			  const struct fgw_net_ip *ip, const struct icmp_error *e)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	bool v6 = ip->p.src.family == AF_INET6;
	bool multicast = !rte_is_unicast_ether_addr(&eth->dst_addr) ||
			 fgw_net_is_multicast(&ip->p.dst) ||
			 (!v6 && fgw_net_is_broadcast4(c, ip->p.dst.v4));

	if (ip->later_fragment || (multicast && !(v6 && e->to_multicast)))
		return false;
	if (!fgw_net_is_unicast_source(c, &ip->p.src) || fgw_net_is_local(c, &ip->p.src))
		return false;
	if (ip->p.proto == (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP) && is_icmp_error(m, ip))
		return false;
	return true;
}

/* The ingress interface's address; else any of ours of the family. An IPv6
 * link-local source only reaches a link-local destination on its link. */
static bool error_source(const struct fgw_control *c, uint32_t in_if, const struct fgw_addr *to,
			 struct fgw_addr *out)
{
	const struct fgw_if *ifp = &c->dp->ifs[in_if];
	bool v6 = to->family == AF_INET6;

	if (v6 && fgw_net_is_linklocal6(to) && ifp->ll6.family == AF_INET6) {
		*out = ifp->ll6;
		return true;
	}
	for (unsigned i = 0; i <= c->dp->n_ifs; i++) {
		/* The ingress first, then every interface in order. */
		const struct fgw_if *x = i == 0 ? ifp : &c->dp->ifs[i - 1];
		const struct fgw_prefix *p = v6 ? &x->addr6 : &x->addr4;

		if (p->addr.family == to->family) {
			*out = p->addr;
			return true;
		}
	}
	if (v6 && ifp->ll6.family == AF_INET6) {
		*out = ifp->ll6;
		return true;
	}
	return false;
}

static struct rte_mbuf *icmp_build(struct fgw_control *c, const struct fgw_addr *src,
				   const struct fgw_addr *dst, uint8_t tos, uint16_t len,
				   struct icmp_hdr **icmp)
{
	uint8_t proto = src->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;

	return fgw_net_ip_alloc(c, src, dst, proto, tos, len, (void **)icmp);
}

static void icmp_finish(struct icmp_hdr *icmp, const struct fgw_addr *src,
			const struct fgw_addr *dst, uint16_t len)
{
	icmp->cksum = 0;
	if (src->family == AF_INET)
		icmp->cksum = (rte_be16_t)~rte_raw_cksum(icmp, len);
	else
		icmp->cksum = fgw_net_l4_cksum(src, dst, IPPROTO_ICMPV6, icmp, len);
}

static void icmp_send_error(struct fgw_control *c, struct rte_mbuf *m, uint32_t in_if,
			    const struct icmp_error *e)
{
	struct fgw_net_ip ip;
	struct fgw_addr src;
	struct icmp_hdr *icmp;
	struct rte_mbuf *out;
	uint16_t quote, len;
	bool v6;

	if (in_if >= c->dp->n_ifs || !fgw_net_parse(m, in_if, &ip) ||
	    !error_allowed(c, m, &ip, e) || !error_source(c, in_if, &ip.p.src, &src) ||
	    !fgw_net_ratelimit(c))
		return;
	v6 = src.family == AF_INET6;
	quote = RTE_MIN(ip.l3_len, (v6 ? ICMP6_ERROR_MAX - sizeof(struct rte_ipv6_hdr)
				       : ICMP4_ERROR_MAX - sizeof(struct rte_ipv4_hdr)) -
					   sizeof(struct icmp_hdr));
	len = sizeof(struct icmp_hdr) + quote;
	/* Internetwork control precedence (RFC 1812 4.3.2.5). */
	out = icmp_build(c, &src, &ip.p.src, 0xc0, len, &icmp);
	if (out == NULL)
		return;
	icmp->type = v6 ? e->type6 : e->type4;
	icmp->code = v6 ? e->code6 : e->code4;
	icmp->word = rte_cpu_to_be_32(v6 && e->point_at_proto ? ip.proto_ptr : e->word);
	memcpy(icmp + 1, rte_pktmbuf_mtod_offset(m, const uint8_t *, ip.p.l3_off), quote);
	icmp_finish(icmp, &src, &ip.p.src, len);
	fgw_net_reply(c, out, in_if, &ip.p.src);
	c->stats.icmp_errors_tx++;
}

void fgw_icmp_time_exceeded(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex)
{
	const struct icmp_error e = { .type4 = ICMP4_TIME_EXCEEDED, .type6 = ICMP6_TIME_EXCEEDED };

	icmp_send_error(c, m, ifindex, &e);
}

void fgw_icmp_unreachable(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex, int code)
{
	/* RFC 4443 2.4: ICMPv6 names these differently; protocol
	 * unreachable is a parameter problem pointing at the Next Header. */
	struct icmp_error e = { .type4 = ICMP4_UNREACH, .code4 = (uint8_t)code,
				.type6 = ICMP6_UNREACH };

	switch (code) {
	case 1:			/* host */
		e.code6 = 3;	/* address unreachable */
		break;
	case 2:			/* protocol */
		e.type6 = ICMP6_PARAM_PROBLEM;
		e.code6 = 1;	/* unrecognized next header */
		e.point_at_proto = true;
		break;
	case 3:			/* port */
		e.code6 = 4;
		break;
	default:		/* 0, network: no route to destination */
		e.code6 = 0;
	}
	icmp_send_error(c, m, ifindex, &e);
}

void fgw_icmp_too_big(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex, uint16_t mtu)
{
	const struct icmp_error e = { .type4 = ICMP4_UNREACH,
				      .code4 = ICMP4_UNREACH_FRAG_NEEDED,
				      .type6 = ICMP6_TOO_BIG,
				      .word = mtu,
				      .to_multicast = true };

	icmp_send_error(c, m, ifindex, &e);
}

void fgw_icmp_echo_input(struct fgw_control *c, struct rte_mbuf *m, const struct fgw_local_pkt *p)
{
	const struct icmp_hdr *req = rte_pktmbuf_mtod_offset(m, const struct icmp_hdr *, p->l4_off);
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l3_off);
	bool v6 = p->src.family == AF_INET6;
	struct icmp_hdr *icmp;
	struct rte_mbuf *out;
	uint8_t tos;

	if (p->l4_len < sizeof(*req)) {
		c->stats.malformed++;
		return;
	}
	/* Echo replies, errors about our own packets: nothing asks us to act. */
	if (req->type != (v6 ? ICMP6_ECHO : ICMP4_ECHO)) {
		c->stats.local_dropped++;
		return;
	}
	if ((v6 ? fgw_net_l4_cksum(&p->src, &p->dst, IPPROTO_ICMPV6, req, p->l4_len)
		: (uint16_t)~rte_raw_cksum(req, p->l4_len)) != 0) {
		c->stats.malformed++;
		return;
	}
	/* No answer to a broadcast or multicast ping (RFC 1812 4.3.3.6 allows
	 * silence, and it is what keeps us out of smurf attacks), nor to a
	 * source nobody can own. */
	if (!fgw_net_is_local(c, &p->dst) || !fgw_net_is_unicast_source(c, &p->src)) {
		c->stats.local_dropped++;
		return;
	}
	tos = v6 ? (uint8_t)(rte_be_to_cpu_32(((const struct rte_ipv6_hdr *)l3)->vtc_flow) >> 20)
		 : ((const struct rte_ipv4_hdr *)l3)->type_of_service;
	out = icmp_build(c, &p->dst, &p->src, tos, p->l4_len, &icmp);
	if (out == NULL)
		return;
	memcpy(icmp, req, p->l4_len);
	icmp->type = v6 ? ICMP6_ECHO_REPLY : ICMP4_ECHO_REPLY;
	icmp->code = 0;
	icmp_finish(icmp, &p->dst, &p->src, p->l4_len);
	fgw_net_reply(c, out, p->in_if, &p->src);
	c->stats.icmp_echo_replies++;
}
