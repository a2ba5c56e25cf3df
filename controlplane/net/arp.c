/* ARP (RFC 826) on our ports. We answer only for the receiving interface's
 * own address: no proxy ARP (IOS enables it by default; answering for whole
 * networks hides misconfigured hosts and leaks reachability across
 * interfaces). Senders that ask for us are learnt, other senders only
 * refresh an entry we already have. A probe or announcement for one of our
 * addresses (RFC 5227) is an address conflict: logged, and a probe is
 * answered so the prober backs off. */
#include <netinet/in.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>

#include "common/log.h"
#include "net.h"

static void arp_send(struct fgw_control *c, uint32_t ifindex, uint16_t op,
		     const struct rte_ether_addr *eth_dst, const struct rte_ether_addr *tha,
		     uint32_t tip)
{
	const struct fgw_if *ifp = &c->dp->ifs[ifindex];
	struct rte_mbuf *m = rte_pktmbuf_alloc(c->dp->pool);
	struct rte_arp_hdr *arp;

	if (m == NULL || rte_pktmbuf_append(m, RTE_ETHER_HDR_LEN + sizeof(*arp)) == NULL) {
		c->stats.output_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, RTE_ETHER_HDR_LEN);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&ifp->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = ifp->addr4.addr.v4;
	rte_ether_addr_copy(tha, &arp->arp_data.arp_tha);
	arp->arp_data.arp_tip = tip;
	fgw_net_eth_send(c, m, ifindex, eth_dst, RTE_ETHER_TYPE_ARP);
}

void fgw_arp_request(struct fgw_control *c, uint32_t ifindex, const struct fgw_addr *target)
{
	static const struct rte_ether_addr unknown;
	const struct fgw_if *ifp = fgw_net_port(c, ifindex);
	struct rte_ether_addr bcast;
	char buf[FGW_ADDR_STRLEN];

	if (ifp == NULL || ifp->addr4.addr.family != AF_INET) {
		FGW_DEBUG("cannot ARP for %s: interface %u is down or has no IPv4 address",
			  fgw_addr_str(target, buf, sizeof(buf)), ifindex);
		return;
	}
	memset(&bcast, 0xff, sizeof(bcast));
	arp_send(c, ifindex, RTE_ARP_OP_REQUEST, &bcast, &unknown, target->v4);
	c->stats.arp_requests_tx++;
}

/* A sender we may add to the table: a host of the interface's subnet, not
 * its network or broadcast address. */
static bool arp_sender_on_link(const struct fgw_if *ifp, const struct fgw_addr *sip)
{
	uint32_t host_mask = ifp->addr4.len >= 32 ? 0 : UINT32_MAX >> ifp->addr4.len;
	uint32_t host = rte_be_to_cpu_32(sip->v4) & host_mask;

	if (!fgw_prefix_contains(&ifp->addr4, sip))
		return false;
	return ifp->addr4.len >= 31 || (host != 0 && host != host_mask);
}

void fgw_arp_input(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex)
{
	const struct fgw_if *ifp = fgw_net_port(c, ifindex);
	const struct rte_arp_hdr *arp;
	struct fgw_addr sip = { .family = AF_INET };
	struct rte_ether_addr sha;
	char buf[FGW_ADDR_STRLEN];
	uint16_t op;
	bool for_us;

	if (ifp == NULL)
		return;
	if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*arp)) {
		c->stats.malformed++;
		return;
	}
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, RTE_ETHER_HDR_LEN);
	op = rte_be_to_cpu_16(arp->arp_opcode);
	if (rte_be_to_cpu_16(arp->arp_hardware) != RTE_ARP_HRD_ETHER ||
	    rte_be_to_cpu_16(arp->arp_protocol) != RTE_ETHER_TYPE_IPV4 ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
	    (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) ||
	    !rte_is_valid_assigned_ether_addr(&arp->arp_data.arp_sha)) {
		c->stats.malformed++;
		return;
	}
	if (op == RTE_ARP_OP_REQUEST)
		c->stats.arp_requests_rx++;
	else
		c->stats.arp_replies_rx++;
	if (ifp->addr4.addr.family != AF_INET)
		return;
	rte_ether_addr_copy(&arp->arp_data.arp_sha, &sha);
	sip.v4 = arp->arp_data.arp_sip;
	for_us = arp->arp_data.arp_tip == ifp->addr4.addr.v4;
	if (sip.v4 == ifp->addr4.addr.v4 || (sip.v4 == 0 && for_us)) {
		rte_ether_format_addr(buf, sizeof(buf), &sha);
		FGW_WARN("%s: address conflict: %s claims or probes for our address",
			 ifp->name, buf);
		if (sip.v4 == 0 && op == RTE_ARP_OP_REQUEST) {
			arp_send(c, ifindex, RTE_ARP_OP_REPLY, &sha, &sha, 0);
			c->stats.arp_replies_tx++;
		}
		return;
	}
	if (sip.v4 == 0)
		return;
	fgw_neigh_learn(c, ifindex, &sip, &sha,
			op == RTE_ARP_OP_REQUEST && for_us && arp_sender_on_link(ifp, &sip));
	if (op == RTE_ARP_OP_REQUEST && for_us) {
		arp_send(c, ifindex, RTE_ARP_OP_REPLY, &sha, &sha, sip.v4);
		c->stats.arp_replies_tx++;
	}
}
