/* Tunnel interfaces from the configuration: each tunnels[] entry becomes a
 * data-plane tunnel (dataplane/tunnel.h) with its outer endpoints
 * resolved, and its manual SAs installed. Runs before the RIB is built, so
 * that routes and connected prefixes can name the tunnels. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "dataplane/tunnel.h"
#include "tunnel.h"

static int family_of(uint8_t mode)
{
	return mode == FGW_TUNNEL_GRE_IPV6 || mode == FGW_TUNNEL_IPSEC_IPV6 ? AF_INET6 : AF_INET;
}

static const struct fgw_addr *if_addr(const struct fgw_if *ifp, int family)
{
	const struct fgw_prefix *p = family == AF_INET ? &ifp->addr4 : &ifp->addr6;

	return p->addr.family == family ? &p->addr : NULL;
}

/* "tunnel source" not given: the address of the port the destination is
 * on, else of the first port with a default gateway of that family, else
 * of the first port with an address of that family (the RIB does not
 * exist yet, so this is the route lookup it would do). */
static const struct fgw_addr *source_by_route(const struct fgw_control *c, const struct fgw_addr *dst)
{
	const struct fgw_dp *dp = c->dp;
	const struct fgw_addr *first = NULL;

	for (unsigned i = 0; i < dp->n_ifs; i++) {
		const struct fgw_if *ifp = &dp->ifs[i];
		const struct fgw_prefix *p = dst->family == AF_INET ? &ifp->addr4 : &ifp->addr6;

		if (ifp->kind != FGW_IF_PORT || p->addr.family != dst->family)
			continue;
		if (fgw_prefix_contains(p, dst))
			return &p->addr;
		if (first == NULL)
			first = &p->addr;
	}
	for (unsigned i = 0; i < c->cfg->n_ports; i++) {
		const struct fgw_port_cfg *pc = &c->cfg->ports[i];
		const struct fgw_addr *gw = dst->family == AF_INET ? &pc->gateway4 : &pc->gateway6;
		int ifindex = fgw_if_by_name(dp, pc->name);

		if (fgw_addr_is_set(gw) && ifindex >= 0 && if_addr(&dp->ifs[ifindex], dst->family))
			return if_addr(&dp->ifs[ifindex], dst->family);
	}
	return first;
}

static int tunnel_setup(struct fgw_control *c, const struct fgw_tunnel_cfg *t,
			char *err, size_t errlen)
{
	struct fgw_tunnel_params p = { .name = t->name };
	int family = family_of(t->mode);
	const struct fgw_addr *src;
	int ifindex;

	if (!fgw_addr_is_set(&t->destination.address)) {
		/* DNS names and FlexVPN-client destinations need IKE. */
		FGW_WARN("%s: destination %s not supported yet: tunnel not created", t->name,
			 t->destination.dynamic ? "dynamic" : t->destination.fqdn);
		return 0;
	}
	p.dst = t->destination.address;
	if (fgw_addr_is_set(&t->source.address)) {
		src = &t->source.address;
	} else if (t->source.interface[0] != '\0') {
		int i = fgw_if_by_name(c->dp, t->source.interface);

		src = i >= 0 ? if_addr(&c->dp->ifs[i], family) : NULL;
	} else {
		src = source_by_route(c, &p.dst);
	}
	if (src == NULL || src->family != p.dst.family) {
		snprintf(err, errlen, "%s: no tunnel source address of the destination's family",
			 t->name);
		return -1;
	}
	p.src = *src;
	p.kind = t->mode == FGW_TUNNEL_GRE_IPV4 || t->mode == FGW_TUNNEL_GRE_IPV6 ?
		FGW_TUNNEL_GRE : FGW_TUNNEL_IPSEC;
	p.mtu = t->mtu;
	p.tcp_mss = t->tcp_adjust_mss;
	p.gre_key_set = t->gre_key_set;
	p.gre_key = t->gre_key;
	/* ip unnumbered: the tunnel borrows the address for what it
	 * originates; the subnet stays the other interface's. */
	p.addr4 = t->ipv4;
	p.addr6 = t->ipv6;
	p.shutdown = t->shutdown;
	ifindex = fgw_tunnel_add(c->dp, &p, err, errlen);
	if (ifindex < 0)
		return -1;
	if (t->manual_sa.transform_set[0] == '\0') {
		FGW_WARN("%s: no manual_sa: the tunnel carries nothing until IKEv2 exists",
			 t->name);
		return 0;
	}
	return fgw_manual_sa_install(c, t, (uint32_t)ifindex, &p.src, &p.dst, err, errlen);
}

int fgw_tunnels_setup(struct fgw_control *c, char *err, size_t errlen)
{
	for (unsigned i = 0; i < c->cfg->n_tunnels; i++)
		if (tunnel_setup(c, &c->cfg->tunnels[i], err, errlen) < 0)
			return -1;
	return fgw_manual_life_start(c, err, errlen);
}
