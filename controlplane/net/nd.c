/* IPv6 neighbour discovery (RFC 4861) on our ports, as a router that does
 * not advertise: NS for the receiving interface's addresses (global and
 * link-local) get an NA with the Router flag; NS and NA teach us link-layer
 * addresses; we solicit next hops. RS, RA and redirects are counted and
 * ignored: routes come from the configuration, and we send no RA.
 *
 * Duplicate address detection (RFC 4862): a DAD probe (NS from ::) for an
 * address we hold is answered with an NA to all-nodes, as RFC 4861 7.2.4
 * requires, so the other node finds the duplicate and backs off; we log the
 * conflict. We do not run DAD for our own addresses: they are configured
 * on a router, not autoconfigured. */
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "common/log.h"
#include "net.h"

#define ND_HOP_LIMIT 255
#define ND_NS 135
#define ND_NA 136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define NA_ROUTER 0x80
#define NA_SOLICITED 0x40
#define NA_OVERRIDE 0x20

/* NS and NA share this layout; options follow. */
struct nd_msg {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
	uint8_t flags;
	uint8_t reserved[3];
	uint8_t target[16];
} __rte_packed;

/* Source/target link-layer address option, Ethernet size (RFC 2464). */
struct nd_lla_opt {
	uint8_t type;
	uint8_t len;			/* in 8-byte units */
	uint8_t mac[RTE_ETHER_ADDR_LEN];
} __rte_packed;

struct nd_opts {
	struct rte_ether_addr slla, tlla;
	bool has_slla, has_tlla;
};

/* Every option must have a non-zero length and fit (RFC 4861 4.6); only
 * link-layer options of the Ethernet size are used. */
static bool nd_parse_opts(const uint8_t *o, unsigned len, struct nd_opts *out)
{
	memset(out, 0, sizeof(*out));
	while (len > 0) {
		unsigned olen;

		if (len < 2)
			return false;
		olen = o[1] * 8u;
		if (olen == 0 || olen > len)
			return false;
		if (olen == sizeof(struct nd_lla_opt)) {
			const struct nd_lla_opt *lla = (const struct nd_lla_opt *)o;

			if (o[0] == ND_OPT_SLLA) {
				memcpy(&out->slla, lla->mac, RTE_ETHER_ADDR_LEN);
				out->has_slla = true;
			} else if (o[0] == ND_OPT_TLLA) {
				memcpy(&out->tlla, lla->mac, RTE_ETHER_ADDR_LEN);
				out->has_tlla = true;
			}
		}
		o += olen;
		len -= olen;
	}
	return true;
}

static bool is_solicited_node(const struct fgw_addr *a)
{
	static const uint8_t prefix[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };

	return memcmp(a->v6, prefix, sizeof(prefix)) == 0;
}

static bool if_owns(const struct fgw_if *ifp, const struct fgw_addr *a)
{
	return fgw_addr_eq(&ifp->addr6.addr, a) || fgw_addr_eq(&ifp->ll6, a);
}

/* An ND message from src to dst on ifindex: IPv6 header, nd_msg, one
 * link-layer option carrying our MAC. */
static void nd_send(struct fgw_control *c, uint32_t ifindex, const struct fgw_addr *src,
		    const struct fgw_addr *dst, uint8_t type, uint8_t flags,
		    const struct fgw_addr *target, uint8_t opt)
{
	const struct fgw_if *ifp = &c->dp->ifs[ifindex];
	const uint16_t len = sizeof(struct nd_msg) + sizeof(struct nd_lla_opt);
	struct rte_mbuf *m;
	struct nd_msg *nd;
	struct nd_lla_opt *lla;

	m = fgw_net_ip_alloc(c, src, dst, IPPROTO_ICMPV6, 0, len, (void **)&nd);
	if (m == NULL)
		return;
	rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *)->hop_limits = ND_HOP_LIMIT;
	memset(nd, 0, sizeof(*nd));
	nd->type = type;
	nd->flags = flags;
	memcpy(nd->target, target->v6, 16);
	lla = (struct nd_lla_opt *)(nd + 1);
	lla->type = opt;
	lla->len = 1;
	memcpy(lla->mac, &ifp->mac, RTE_ETHER_ADDR_LEN);
	nd->cksum = fgw_net_l4_cksum(src, dst, IPPROTO_ICMPV6, nd, len);
	fgw_net_output(c, m, ifindex, dst);
}

void fgw_nd_solicit(struct fgw_control *c, uint32_t ifindex, const struct fgw_addr *target)
{
	const struct fgw_if *ifp = fgw_net_port(c, ifindex);
	struct fgw_addr dst = { .family = AF_INET6,
				.v6 = { 0xff, 0x02, [11] = 0x01, [12] = 0xff } };
	const struct fgw_addr *src;
	char buf[FGW_ADDR_STRLEN];

	if (ifp == NULL || ifp->ll6.family != AF_INET6) {
		FGW_DEBUG("cannot solicit %s: interface %u is down or has no IPv6",
			  fgw_addr_str(target, buf, sizeof(buf)), ifindex);
		return;
	}
	/* The address the target can answer on the same terms: our global
	 * one for a neighbour of that subnet, else the link-local one. */
	src = fgw_prefix_contains(&ifp->addr6, target) ? &ifp->addr6.addr : &ifp->ll6;
	memcpy(&dst.v6[13], &target->v6[13], 3);
	nd_send(c, ifindex, src, &dst, ND_NS, 0, target, ND_OPT_SLLA);
	c->stats.nd_ns_tx++;
}

static void ns_input(struct fgw_control *c, const struct fgw_if *ifp, uint32_t ifindex,
		     const struct fgw_net_ip *ip, const struct fgw_addr *target,
		     const struct nd_opts *opts)
{
	static const struct fgw_addr all_nodes = { .family = AF_INET6,
						   .v6 = { 0xff, 0x02, [15] = 0x01 } };
	char buf[FGW_ADDR_STRLEN];
	bool dad = fgw_ip6_is_unspecified(ip->p.src.v6);

	/* RFC 4861 7.1.1: a DAD probe goes to a solicited-node group and
	 * carries no source link-layer address. */
	if (dad && (!is_solicited_node(&ip->p.dst) || opts->has_slla)) {
		c->stats.malformed++;
		return;
	}
	if (!if_owns(ifp, target))
		return;
	if (dad) {
		FGW_WARN("%s: address conflict: another node runs DAD for our %s", ifp->name,
			 fgw_addr_str(target, buf, sizeof(buf)));
		nd_send(c, ifindex, target, &all_nodes, ND_NA, NA_ROUTER | NA_OVERRIDE, target,
			ND_OPT_TLLA);
		c->stats.nd_na_tx++;
		return;
	}
	if (fgw_net_is_local(c, &ip->p.src)) {
		FGW_WARN("%s: address conflict: a neighbour solicits from our %s", ifp->name,
			 fgw_addr_str(&ip->p.src, buf, sizeof(buf)));
		return;
	}
	/* Only a neighbour on this link gets an entry, as with ARP: and not
	 * answering an off-link source spares the entry that resolving it
	 * for the answer would make. */
	if (!fgw_net_is_linklocal6(&ip->p.src) && !fgw_prefix_contains(&ifp->addr6, &ip->p.src)) {
		FGW_DEBUG("%s: NS from off-link %s ignored", ifp->name,
			  fgw_addr_str(&ip->p.src, buf, sizeof(buf)));
		c->stats.nd_ignored++;
		return;
	}
	if (opts->has_slla) {
		fgw_neigh_learn(c, ifindex, &ip->p.src, &opts->slla, true);
	} else if (fgw_net_is_multicast(&ip->p.dst)) {
		/* Nothing to answer to: the sender left out its address. */
		c->stats.malformed++;
		return;
	}
	nd_send(c, ifindex, target, &ip->p.src, ND_NA, NA_ROUTER | NA_SOLICITED | NA_OVERRIDE,
		target, ND_OPT_TLLA);
	c->stats.nd_na_tx++;
}

static void na_input(struct fgw_control *c, const struct fgw_if *ifp, uint32_t ifindex,
		     const struct fgw_net_ip *ip, const struct nd_msg *nd,
		     const struct fgw_addr *target, const struct nd_opts *opts)
{
	char buf[FGW_ADDR_STRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];

	/* RFC 4861 7.1.2: a multicast NA cannot be solicited. */
	if (fgw_net_is_multicast(&ip->p.dst) && (nd->flags & NA_SOLICITED)) {
		c->stats.malformed++;
		return;
	}
	if (!opts->has_tlla)
		return;
	if (if_owns(ifp, target)) {
		rte_ether_format_addr(mac, sizeof(mac), &opts->tlla);
		FGW_WARN("%s: address conflict: %s advertises our %s", ifp->name, mac,
			 fgw_addr_str(target, buf, sizeof(buf)));
		return;
	}
	fgw_neigh_learn(c, ifindex, target, &opts->tlla, false);
}

void fgw_nd_input(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex)
{
	const struct fgw_if *ifp = fgw_net_port(c, ifindex);
	struct fgw_addr target = { .family = AF_INET6 };
	const struct nd_msg *nd;
	struct fgw_net_ip ip;
	struct nd_opts opts;

	if (ifp == NULL)
		return;
	/* RFC 6980: ND is never fragmented. */
	if (!fgw_net_parse(m, ifindex, &ip) || ip.p.src.family != AF_INET6 ||
	    ip.p.proto != IPPROTO_ICMPV6 || ip.fragment || ip.p.l4_len < 1 ||
	    fgw_net_is_multicast(&ip.p.src)) {
		c->stats.malformed++;
		return;
	}
	nd = rte_pktmbuf_mtod_offset(m, const struct nd_msg *, ip.p.l4_off);
	if (nd->type == ND_NS)
		c->stats.nd_ns_rx++;
	else if (nd->type == ND_NA)
		c->stats.nd_na_rx++;
	else {
		c->stats.nd_ignored++;
		return;
	}
	/* RFC 4861 7.1: hop limit 255 proves the sender is on the link. */
	if (ip.ttl != ND_HOP_LIMIT || ip.p.l4_len < sizeof(*nd) || nd->code != 0 ||
	    fgw_net_l4_cksum(&ip.p.src, &ip.p.dst, IPPROTO_ICMPV6, nd, ip.p.l4_len) != 0 ||
	    !nd_parse_opts((const uint8_t *)(nd + 1), ip.p.l4_len - sizeof(*nd), &opts) ||
	    nd->target[0] == 0xff) {
		c->stats.malformed++;
		return;
	}
	memcpy(target.v6, nd->target, 16);
	if (nd->type == ND_NS)
		ns_input(c, ifp, ifindex, &ip, &target, &opts);
	else
		na_input(c, ifp, ifindex, &ip, nd, &target, &opts);
}
