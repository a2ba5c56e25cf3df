/* CFG_REQUEST -> CFG_REPLY for the FlexVPN server (see config_payload.h). */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "config_payload.h"

/* What we answer, for SUPPORTED_ATTRIBUTES. */
static const uint16_t supported[] = {
	FGW_IKE_CFG_INTERNAL_IP4_ADDRESS, FGW_IKE_CFG_INTERNAL_IP4_NETMASK,
	FGW_IKE_CFG_INTERNAL_IP4_DNS, FGW_IKE_CFG_INTERNAL_IP4_NBNS,
	FGW_IKE_CFG_INTERNAL_IP6_ADDRESS, FGW_IKE_CFG_INTERNAL_IP6_DNS,
	FGW_IKE_CFG_INTERNAL_IP4_SUBNET, FGW_IKE_CFG_SUPPORTED_ATTRIBUTES,
	FGW_IKE_CFG_INTERNAL_IP6_SUBNET, FGW_IKE_CFG_INTERNAL_DNS_DOMAIN,
	FGW_IKE_CFG_MODECFG_DEFDOMAIN, FGW_IKE_CFG_MODECFG_SPLITDNS_NAME,
	FGW_IKE_CFG_MODECFG_BACKUPSERVERS,
};

bool fgw_cp_put(struct fgw_cp_reply *r, uint16_t type, const void *v, size_t len)
{
	/* 4 octets of attribute header each, 4 more of CP header and 4 of
	 * generic payload header: the whole must fit one message. */
	size_t wire = 8 + (r->cp.n + 1) * 4 + r->used + len;

	if (r->cp.n == FGW_IKE_MAX_CP_ATTRS || len > UINT16_MAX ||
	    r->used + len > sizeof(r->data) || wire > FGW_IKE_MSG_MAX - FGW_IKE_HDR_LEN)
		return false;
	if (len > 0)	/* an empty attribute asks for a value */
		memcpy(r->data + r->used, v, len);
	r->cp.a[r->cp.n++] = (struct fgw_ike_cp_attr){
		.type = type, .data = r->data + r->used, .len = (uint16_t)len };
	r->used += len;
	return true;
}

static bool put_v4(struct fgw_cp_reply *r, uint16_t type, const struct fgw_addr *a)
{
	return fgw_cp_put(r, type, &a->v4, 4);
}

static uint32_t mask4(uint8_t len)
{
	return htonl(len == 0 ? 0 : UINT32_MAX << (32 - len));
}

/* address then mask, or address then prefix length */
bool fgw_cp_put_subnet(struct fgw_cp_reply *r, const struct fgw_prefix *p)
{
	uint8_t v[17];

	if (p->addr.family == AF_INET) {
		uint32_t m = mask4(p->len);

		memcpy(v, &p->addr.v4, 4);
		memcpy(v + 4, &m, 4);
		return fgw_cp_put(r, FGW_IKE_CFG_INTERNAL_IP4_SUBNET, v, 8);
	}
	memcpy(v, p->addr.v6, 16);
	v[16] = p->len;
	return fgw_cp_put(r, FGW_IKE_CFG_INTERNAL_IP6_SUBNET, v, 17);
}

/* Names joined with commas, for Cisco's list attributes. */
static bool put_joined(struct fgw_cp_reply *r, uint16_t type, const char (*names)[FGW_FQDN_MAX],
		       unsigned n)
{
	char s[FGW_SPLIT_DNS_MAX * FGW_FQDN_MAX];
	size_t len = 0;

	for (unsigned i = 0; i < n; i++) {
		int k = snprintf(s + len, sizeof(s) - len, "%s%s", i ? "," : "", names[i]);

		if (k < 0 || (size_t)k >= sizeof(s) - len)
			return false;
		len += (size_t)k;
	}
	return fgw_cp_put(r, type, s, len);
}

static const struct fgw_ike_cp_attr *asked(const struct fgw_ike_cp *req, uint16_t type)
{
	for (unsigned i = 0; i < req->n; i++)
		if (req->a[i].type == type)
			return &req->a[i];
	return NULL;
}

unsigned fgw_cp_interface_networks(const struct fgw_config *cfg, const char *name,
				   struct fgw_prefix out[2])
{
	const struct fgw_prefix *v4 = NULL, *v6 = NULL;
	unsigned n = 0;

	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0) {
			v4 = &cfg->ports[i].ipv4;
			v6 = &cfg->ports[i].ipv6;
		}
	for (unsigned i = 0; i < cfg->n_loopbacks; i++)
		if (strcmp(cfg->loopbacks[i].name, name) == 0) {
			v4 = &cfg->loopbacks[i].ipv4;
			v6 = &cfg->loopbacks[i].ipv6;
		}
	for (unsigned i = 0; i < cfg->n_tunnels; i++)
		if (strcmp(cfg->tunnels[i].name, name) == 0) {
			v4 = &cfg->tunnels[i].ipv4;
			v6 = &cfg->tunnels[i].ipv6;
		}
	if (v4 != NULL && v4->addr.family == AF_INET) {
		out[n] = *v4;
		fgw_prefix_mask(&out[n++]);
	}
	if (v6 != NULL && v6->addr.family == AF_INET6) {
		out[n] = *v6;
		fgw_prefix_mask(&out[n++]);
	}
	return n;
}

unsigned fgw_cp_route_set(const struct fgw_config *cfg,
			  const struct fgw_ikev2_authz_policy_cfg *pol, struct fgw_prefix *out,
			  unsigned max)
{
	struct fgw_prefix nets[2];
	unsigned n = 0, n_if = pol->route_set_interface[0] ?
		fgw_cp_interface_networks(cfg, pol->route_set_interface, nets) : 0;

	for (unsigned i = 0; i < n_if + pol->n_route_set_access_list && n < max; i++) {
		struct fgw_prefix p = i < n_if ? nets[i] : pol->route_set_access_list[i - n_if];
		bool dup = false;

		fgw_prefix_mask(&p);
		for (unsigned k = 0; k < n; k++)
			dup |= p.len == out[k].len && fgw_addr_eq(&p.addr, &out[k].addr);
		if (!dup)
			out[n++] = p;
	}
	return n;
}

/* Lends the addresses the peer asks for. -1: it asked, a pool was tried,
 * and nothing could be lent. */
static int lend(struct fgw_pools *pools, const struct fgw_ikev2_authz_policy_cfg *pol,
		const struct fgw_ike_cp *req, struct fgw_cp_lease *lease)
{
	const struct fgw_ike_cp_attr *a4 = asked(req, FGW_IKE_CFG_INTERNAL_IP4_ADDRESS);
	const struct fgw_ike_cp_attr *a6 = asked(req, FGW_IKE_CFG_INTERNAL_IP6_ADDRESS);
	struct fgw_pool *p4 = pol->pool[0] ? fgw_pool_find(pools, pol->pool) : NULL;
	struct fgw_pool *p6 = pol->ipv6_pool[0] ? fgw_pool_find(pools, pol->ipv6_pool) : NULL;
	bool tried = false;
	struct fgw_addr want;

	if (a4 != NULL && p4 != NULL) {
		memset(&want, 0, sizeof(want));
		if (a4->len == 4) {
			want.family = AF_INET;
			memcpy(&want.v4, a4->data, 4);
		}
		tried = true;
		if (fgw_pool_alloc(p4, &want, &lease->addr4) == 0)
			lease->pool4 = p4;
		else
			FGW_WARN("pool %s exhausted: no IPv4 address for a peer", pol->pool);
	}
	if (a6 != NULL && p6 != NULL) {
		memset(&want, 0, sizeof(want));
		if (a6->len == 17) {
			want.family = AF_INET6;
			memcpy(want.v6, a6->data, 16);
		}
		tried = true;
		if (fgw_pool_alloc(p6, &want, &lease->addr6) == 0)
			lease->pool6 = p6;
		else
			FGW_WARN("pool %s exhausted: no IPv6 address for a peer", pol->ipv6_pool);
	}
	return tried && lease->pool4 == NULL && lease->pool6 == NULL ? -1 : 0;
}

static bool fill(const struct fgw_config *cfg, const struct fgw_ikev2_authz_policy_cfg *pol,
		 const struct fgw_ike_cp *req, struct fgw_cp_reply *r, struct fgw_cp_lease *lease)
{
	bool ok = true;
	struct fgw_prefix nets[FGW_CP_ROUTE_SET_MAX];
	unsigned n_nets;

	if (lease->pool4 != NULL) {
		bool mask = pol->netmask != 0 || asked(req, FGW_IKE_CFG_INTERNAL_IP4_NETMASK);
		uint32_t m;

		lease->prefix4 = pol->netmask != 0 ? pol->netmask : 32;
		m = mask4(lease->prefix4);
		ok &= put_v4(r, FGW_IKE_CFG_INTERNAL_IP4_ADDRESS, &lease->addr4);
		if (mask)
			ok &= fgw_cp_put(r, FGW_IKE_CFG_INTERNAL_IP4_NETMASK, &m, 4);
	}
	if (lease->pool6 != NULL) {
		uint8_t v[17];

		memcpy(v, lease->addr6.v6, 16);
		v[16] = 128;	/* a host on a point-to-point link */
		ok &= fgw_cp_put(r, FGW_IKE_CFG_INTERNAL_IP6_ADDRESS, v, 17);
	}
	for (unsigned i = 0; i < pol->n_dns; i++)
		if (pol->dns[i].family == AF_INET)
			ok &= put_v4(r, FGW_IKE_CFG_INTERNAL_IP4_DNS, &pol->dns[i]);
	for (unsigned i = 0; i < pol->n_dns; i++)
		if (pol->dns[i].family == AF_INET6)
			ok &= fgw_cp_put(r, FGW_IKE_CFG_INTERNAL_IP6_DNS, pol->dns[i].v6, 16);
	for (unsigned i = 0; i < pol->n_wins; i++)
		ok &= put_v4(r, FGW_IKE_CFG_INTERNAL_IP4_NBNS, &pol->wins[i]);
	for (unsigned i = 0; i < pol->n_split_dns; i++)
		ok &= fgw_cp_put(r, FGW_IKE_CFG_INTERNAL_DNS_DOMAIN, pol->split_dns[i],
			  strlen(pol->split_dns[i]));
	if (pol->n_split_dns > 0)
		ok &= put_joined(r, FGW_IKE_CFG_MODECFG_SPLITDNS_NAME, pol->split_dns,
				 pol->n_split_dns);
	if (pol->def_domain[0] != '\0')
		ok &= fgw_cp_put(r, FGW_IKE_CFG_MODECFG_DEFDOMAIN, pol->def_domain,
			  strlen(pol->def_domain));
	if (pol->n_backup_gateways > 0)
		ok &= put_joined(r, FGW_IKE_CFG_MODECFG_BACKUPSERVERS, pol->backup_gateways,
				 pol->n_backup_gateways);
	n_nets = fgw_cp_route_set(cfg, pol, nets, FGW_CP_ROUTE_SET_MAX);
	for (unsigned i = 0; i < n_nets; i++)
		ok &= fgw_cp_put_subnet(r, &nets[i]);
	if (asked(req, FGW_IKE_CFG_SUPPORTED_ATTRIBUTES)) {
		uint8_t v[sizeof(supported)];

		for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++) {
			v[2 * i] = (uint8_t)(supported[i] >> 8);
			v[2 * i + 1] = (uint8_t)supported[i];
		}
		ok &= fgw_cp_put(r, FGW_IKE_CFG_SUPPORTED_ATTRIBUTES, v, sizeof(v));
	}
	return ok;
}

int fgw_cp_answer(const struct fgw_config *cfg, const struct fgw_ikev2_authz_policy_cfg *policy,
		  struct fgw_pools *pools, const struct fgw_ike_cp *req,
		  struct fgw_cp_reply *reply, struct fgw_cp_lease *lease)
{
	memset(lease, 0, sizeof(*lease));
	reply->cp.type = FGW_IKE_CFG_REPLY;
	reply->cp.n = 0;
	reply->used = 0;
	if (req->type != FGW_IKE_CFG_REQUEST)
		return FGW_CP_NOT_REQUEST;
	if (lend(pools, policy, req, lease) < 0)
		return FGW_CP_ADDRESS_FAILURE;
	if (!fill(cfg, policy, req, reply, lease)) {
		fgw_cp_lease_release(lease);
		reply->cp.n = 0;
		return FGW_CP_TOO_BIG;
	}
	return FGW_CP_OK;
}

void fgw_cp_lease_release(struct fgw_cp_lease *lease)
{
	if (lease->pool4 != NULL)
		fgw_pool_release(lease->pool4, &lease->addr4);
	if (lease->pool6 != NULL)
		fgw_pool_release(lease->pool6, &lease->addr6);
	lease->pool4 = lease->pool6 = NULL;
}

unsigned fgw_cp_peer_subnets(const struct fgw_ike_cp *cp, struct fgw_prefix *out, unsigned max,
			     unsigned *bad)
{
	unsigned n = 0;

	*bad = 0;
	for (unsigned i = 0; i < cp->n; i++) {
		const struct fgw_ike_cp_attr *a = &cp->a[i];
		struct fgw_prefix p = { 0 };

		if (a->type == FGW_IKE_CFG_INTERNAL_IP4_SUBNET && a->len == 8) {
			uint32_t inv;

			memcpy(&inv, a->data + 4, 4);
			inv = ~ntohl(inv);
			if (inv & (inv + 1)) {	/* not contiguous */
				(*bad)++;
				continue;
			}
			p.addr.family = AF_INET;
			memcpy(&p.addr.v4, a->data, 4);
			p.len = (uint8_t)(32 - __builtin_popcount(inv));
		} else if (a->type == FGW_IKE_CFG_INTERNAL_IP6_SUBNET && a->len == 17) {
			if (a->data[16] > 128) {
				(*bad)++;
				continue;
			}
			p.addr.family = AF_INET6;
			memcpy(p.addr.v6, a->data, 16);
			p.len = a->data[16];
		} else {
			/* a zero length asks for ours; another length is wrong */
			if ((a->type == FGW_IKE_CFG_INTERNAL_IP4_SUBNET ||
			     a->type == FGW_IKE_CFG_INTERNAL_IP6_SUBNET) && a->len != 0)
				(*bad)++;
			continue;
		}
		fgw_prefix_mask(&p);
		if (n < max)
			out[n++] = p;
	}
	return n;
}
