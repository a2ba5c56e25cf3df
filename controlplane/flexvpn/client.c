/* CFG_REQUEST out, CFG_REPLY in, for a FlexVPN client (see client.h). */
#include <string.h>

#include "client.h"

/* Asked for empty, as IOS's client does: "give me one". */
static const uint16_t wanted4[] = {
	FGW_IKE_CFG_INTERNAL_IP4_ADDRESS, FGW_IKE_CFG_INTERNAL_IP4_NETMASK,
	FGW_IKE_CFG_INTERNAL_IP4_DNS, FGW_IKE_CFG_INTERNAL_IP4_NBNS,
};
static const uint16_t wanted6[] = {
	FGW_IKE_CFG_INTERNAL_IP6_ADDRESS, FGW_IKE_CFG_INTERNAL_IP6_DNS,
};
/* the names, once whatever the families */
static const uint16_t wanted_names[] = {
	FGW_IKE_CFG_INTERNAL_DNS_DOMAIN, FGW_IKE_CFG_MODECFG_DEFDOMAIN,
	FGW_IKE_CFG_MODECFG_SPLITDNS_NAME,
};

static bool put_empty(struct fgw_cp_reply *req, const uint16_t *types, size_t n)
{
	bool ok = true;

	for (size_t i = 0; i < n; i++)
		ok &= fgw_cp_put(req, types[i], NULL, 0);
	return ok;
}

bool fgw_cp_client_request(const struct fgw_config *cfg, const struct fgw_tunnel_cfg *tunnel,
			   const struct fgw_ikev2_authz_policy_cfg *policy,
			   struct fgw_cp_client *cl, struct fgw_cp_reply *req)
{
	bool ok = true;

	memset(cl, 0, sizeof(*cl));
	req->cp.type = FGW_IKE_CFG_REQUEST;
	req->cp.n = 0;
	req->used = 0;
	cl->want_addr = tunnel->ip_address_negotiated;
	cl->want_addr6 = tunnel->ipv6_address_negotiated;
	if (policy != NULL)
		cl->n_advertised = fgw_cp_route_set(cfg, policy, cl->advertised,
						    FGW_CP_ROUTE_SET_MAX);
	if (!cl->want_addr && !cl->want_addr6 && cl->n_advertised == 0)
		return false;
	if (cl->want_addr)
		ok &= put_empty(req, wanted4, sizeof(wanted4) / sizeof(wanted4[0]));
	if (cl->want_addr6)
		ok &= put_empty(req, wanted6, sizeof(wanted6) / sizeof(wanted6[0]));
	if (cl->want_addr || cl->want_addr6)
		ok &= put_empty(req, wanted_names, sizeof(wanted_names) / sizeof(wanted_names[0]));
	for (unsigned i = 0; i < cl->n_advertised; i++)
		ok &= fgw_cp_put_subnet(req, &cl->advertised[i]);
	return ok;
}

static bool addr_of(const struct fgw_ike_cp_attr *a, int family, struct fgw_addr *out)
{
	size_t len = family == AF_INET ? 4 : 16;

	/* an IPv6 address comes with its prefix length */
	if (a->len != (family == AF_INET ? 4 : 17))
		return false;
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	memcpy(family == AF_INET ? (void *)&out->v4 : (void *)out->v6, a->data, len);
	return true;
}

/* A domain name as sent (no NUL): printable, and short enough to keep. */
static bool name_ok(const uint8_t *s, size_t len)
{
	if (len == 0 || len >= FGW_FQDN_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == ',')
			return false;
	return true;
}

/* One split-DNS name, once (the hub sends each both ways). */
static void add_split(struct fgw_cp_client *cl, const uint8_t *s, size_t len)
{
	if (!name_ok(s, len)) {
		cl->bad++;
		return;
	}
	for (unsigned i = 0; i < cl->n_split_dns; i++)
		if (strlen(cl->split_dns[i]) == len && memcmp(cl->split_dns[i], s, len) == 0)
			return;
	if (cl->n_split_dns == FGW_SPLIT_DNS_MAX)
		return;
	memcpy(cl->split_dns[cl->n_split_dns], s, len);
	cl->split_dns[cl->n_split_dns++][len] = '\0';
}

/* Cisco's comma-separated list. */
static void add_split_list(struct fgw_cp_client *cl, const uint8_t *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++)
		if (i == len || s[i] == ',') {
			if (i > start)
				add_split(cl, s + start, i - start);
			start = i + 1;
		}
}

static void read_attr(struct fgw_cp_client *cl, const struct fgw_ike_cp_attr *a)
{
	struct fgw_addr x;

	switch (a->type) {
	case FGW_IKE_CFG_INTERNAL_IP4_ADDRESS:
		if (!addr_of(a, AF_INET, &cl->addr4))
			cl->bad++;
		break;
	case FGW_IKE_CFG_INTERNAL_IP4_NETMASK:
		if (!addr_of(a, AF_INET, &cl->netmask4))
			cl->bad++;
		break;
	case FGW_IKE_CFG_INTERNAL_IP6_ADDRESS:
		if (!addr_of(a, AF_INET6, &cl->addr6))
			cl->bad++;
		break;
	case FGW_IKE_CFG_INTERNAL_IP4_DNS:
	case FGW_IKE_CFG_INTERNAL_IP6_DNS:
		if (a->len == 0)
			break;
		if (a->len != (a->type == FGW_IKE_CFG_INTERNAL_IP4_DNS ? 4 : 16)) {
			cl->bad++;
			break;
		}
		memset(&x, 0, sizeof(x));
		x.family = a->len == 4 ? AF_INET : AF_INET6;
		memcpy(a->len == 4 ? (void *)&x.v4 : (void *)x.v6, a->data, a->len);
		if (cl->n_dns < 4)
			cl->dns[cl->n_dns++] = x;
		break;
	case FGW_IKE_CFG_INTERNAL_IP4_NBNS:
		if (addr_of(a, AF_INET, &x) && cl->n_wins < 2)
			cl->wins[cl->n_wins++] = x;
		else if (a->len != 4)
			cl->bad++;
		break;
	case FGW_IKE_CFG_INTERNAL_DNS_DOMAIN:
		add_split(cl, a->data, a->len);
		break;
	case FGW_IKE_CFG_MODECFG_SPLITDNS_NAME:
		add_split_list(cl, a->data, a->len);
		break;
	case FGW_IKE_CFG_MODECFG_DEFDOMAIN:
		if (name_ok(a->data, a->len)) {
			memcpy(cl->def_domain, a->data, a->len);
			cl->def_domain[a->len] = '\0';
		} else {
			cl->bad++;
		}
		break;
	default:
		break;
	}
}

bool fgw_cp_client_read(const struct fgw_ike_cp *cp, struct fgw_cp_client *cl)
{
	unsigned bad;

	if (cp->type != FGW_IKE_CFG_REPLY)
		return false;
	memset(&cl->addr4, 0, sizeof(cl->addr4));
	memset(&cl->netmask4, 0, sizeof(cl->netmask4));
	memset(&cl->addr6, 0, sizeof(cl->addr6));
	cl->n_dns = cl->n_wins = cl->n_split_dns = cl->bad = 0;
	cl->def_domain[0] = '\0';
	for (unsigned i = 0; i < cp->n; i++)
		read_attr(cl, &cp->a[i]);
	/* the subnets are read as the server reads a client's */
	cl->n_routes = fgw_cp_peer_subnets(cp, cl->routes, FGW_CP_CLIENT_ROUTES, &bad);
	cl->bad += bad;
	return true;
}
