/* Rules within one object that its field table cannot say: fields that
 * exclude or need each other, limits that depend on another field. Each runs
 * after its object is filled, with c->path at the object. */
#include "config/loader.h"

#include <stdio.h>
#include <string.h>

/* An error at c->path.key[index]. */
static bool fail_item(struct cfg_ctx *c, const char *key, unsigned index, const char *msg)
{
	struct cfg_path p = c->path;

	if (p.depth + 2 <= CFG_PATH_MAX) {
		p.e[p.depth++] = (struct cfg_path_elem){ .key = key };
		p.e[p.depth++] = (struct cfg_path_elem){ .index = index };
	}
	return cfg_fail_at(c, &p, CFG_AT_VALUE, "%s", msg);
}

static bool is_ipsec_mode(uint8_t mode)
{
	return mode == FGW_TUNNEL_IPSEC_IPV4 || mode == FGW_TUNNEL_IPSEC_IPV6;
}

/* IPv6 links carry at least 1280 octets (RFC 8200). */
static bool check_ipv6_mtu(struct cfg_ctx *c, bool has_ipv6, unsigned mtu)
{
	if (has_ipv6 && mtu < 1280)
		return cfg_fail_key(c, "mtu", "%u is below 1280, the IPv6 minimum, and the "
				    "interface has IPv6", mtu);
	return true;
}

/* An MSS leaves room for the IPv4 and TCP headers inside the MTU. */
static bool check_mss(struct cfg_ctx *c, unsigned mss, unsigned mtu)
{
	if (mss && mss > mtu - 40)
		return cfg_fail_key(c, "tcp_adjust_mss", "%u does not fit the MTU %u (at most "
				    "%u)", mss, mtu, mtu - 40);
	return true;
}

bool cfg_check_dataplane(struct cfg_ctx *c, void *obj)
{
	const struct fgw_dataplane_cfg *d = obj;

	for (unsigned i = 0; i < d->n_workers; i++) {
		if (d->worker_lcores[i] == d->control_lcore) {
			char msg[96];

			snprintf(msg, sizeof(msg), "lcore %u is the control lcore",
				 d->control_lcore);
			return fail_item(c, "worker_lcores", i, msg);
		}
	}
	return true;
}

bool cfg_check_port(struct cfg_ctx *c, void *obj)
{
	const struct fgw_port_cfg *p = obj;
	char a[FGW_ADDR_STRLEN], n[FGW_ADDR_STRLEN + 8];

	if (!check_ipv6_mtu(c, fgw_addr_is_set(&p->ipv6.addr), p->mtu))
		return false;
	if (fgw_addr_is_set(&p->gateway4)) {
		if (!fgw_addr_is_set(&p->ipv4.addr))
			return cfg_fail_key(c, "gateway4", "needs an ipv4 address on the port");
		if (!fgw_prefix_contains(&p->ipv4, &p->gateway4) ||
		    fgw_addr_eq(&p->ipv4.addr, &p->gateway4))
			return cfg_fail_key(c, "gateway4", "%s is not a neighbour on %s",
					    fgw_addr_str(&p->gateway4, a, sizeof(a)),
					    fgw_prefix_str(&p->ipv4, n, sizeof(n)));
	}
	if (fgw_addr_is_set(&p->gateway6)) {
		/* fe80::/10 is on every IPv6 link; anything else must be on the subnet. */
		bool link_local = p->gateway6.v6[0] == 0xfe && (p->gateway6.v6[1] & 0xc0) == 0x80;

		if (!link_local && (!fgw_prefix_contains(&p->ipv6, &p->gateway6) ||
				    fgw_addr_eq(&p->ipv6.addr, &p->gateway6)))
			return cfg_fail_key(c, "gateway6", "%s is neither link-local nor a "
					    "neighbour on the port's ipv6 subnet",
					    fgw_addr_str(&p->gateway6, a, sizeof(a)));
	}
	return true;
}

bool cfg_check_route(struct cfg_ctx *c, void *obj)
{
	const struct fgw_route_cfg *r = obj;
	bool has_nh = fgw_addr_is_set(&r->next_hop);

	if (!has_nh && r->interface[0] == '\0')
		return cfg_fail(c, "a route needs \"next_hop\", \"interface\" or both");
	if (has_nh && r->next_hop.family != r->prefix.addr.family)
		return cfg_fail_key(c, "next_hop", "the next hop and the prefix are of "
				    "different address families");
	if (has_nh && strcmp(r->interface, "Null0") == 0)
		return cfg_fail_key(c, "next_hop", "a route to Null0 takes no next hop");
	return true;
}

bool cfg_check_identity(struct cfg_ctx *c, void *obj)
{
	const struct fgw_identity_cfg *id = obj;

	if (id->type == FGW_ID_ADDRESS &&
	    id->address.len != (id->address.addr.family == AF_INET ? 32 : 128))
		return cfg_fail_key(c, "address", "an identity is one address, not a network");
	return true;
}

/* match fvrf: the WAN side of flexgw is the global routing table, the
 * only one there is, so IOS's default (global) and `any` are all a policy
 * can match; a VRF name would silently match nothing. */
bool cfg_check_policy(struct cfg_ctx *c, void *obj)
{
	const struct fgw_ikev2_policy_cfg *p = obj;

	if (p->match_fvrf[0] != '\0' && strcmp(p->match_fvrf, "global") != 0 &&
	    strcmp(p->match_fvrf, "any") != 0)
		return cfg_fail_key(c, "match_fvrf", "flexgw has no VRFs: only \"global\" (or "
				    "\"any\") can be matched, not \"%s\"", p->match_fvrf);
	return true;
}

bool cfg_check_proposal(struct cfg_ctx *c, void *obj)
{
	struct fgw_ikev2_proposal_cfg *p = obj;
	bool cbc = false;

	for (unsigned i = 0; i < p->n_encryption; i++)
		cbc |= p->encryption[i] == FGW_IKE_ENCR_AES_CBC_128 ||
		       p->encryption[i] == FGW_IKE_ENCR_AES_CBC_192 ||
		       p->encryption[i] == FGW_IKE_ENCR_AES_CBC_256;
	if (cbc && p->n_integrity == 0)
		return cfg_fail(c, "missing \"integrity\": AES-CBC needs an integrity "
				    "algorithm");
	if (!cbc && p->n_integrity)
		return cfg_fail_key(c, "integrity", "AES-GCM authenticates itself: leave "
				    "integrity out when every encryption is AES-GCM");
	/* IOS derives the PRF list from integrity when none is given. */
	if (p->n_prf == 0) {
		if (p->n_integrity == 0)
			return cfg_fail(c, "missing \"prf\": an AES-GCM-only proposal needs "
					    "a prf");
		memcpy(p->prf, p->integrity, sizeof(p->prf));
		p->n_prf = p->n_integrity;
	}
	return true;
}

bool cfg_check_keyring_peer(struct cfg_ctx *c, void *obj)
{
	const struct fgw_ikev2_keyring_peer_cfg *p = obj;
	bool psk = p->pre_shared_key[0], local = p->pre_shared_key_local[0];
	bool remote = p->pre_shared_key_remote[0];

	if (!fgw_addr_is_set(&p->address.addr) && p->hostname[0] == '\0' &&
	    p->identity.type == FGW_ID_NONE)
		return cfg_fail(c, "a keyring peer needs \"address\", \"hostname\" or "
				"\"identity\" to be found by");
	if (psk && (local || remote))
		return cfg_fail_key(c, local ? "pre_shared_key_local" : "pre_shared_key_remote",
				    "\"pre_shared_key\" and asymmetric keys are mutually "
				    "exclusive");
	if (!psk && !local && !remote)
		return cfg_fail(c, "missing \"pre_shared_key\" (or \"pre_shared_key_local\" "
				"and \"pre_shared_key_remote\")");
	if (local != remote)
		return cfg_fail_key(c, local ? "pre_shared_key_local" : "pre_shared_key_remote",
				    "asymmetric keys come in pairs: \"%s\" is missing",
				    local ? "pre_shared_key_remote" : "pre_shared_key_local");
	return true;
}

bool cfg_check_ikev2_profile(struct cfg_ctx *c, void *obj)
{
	const struct fgw_ikev2_profile_cfg *p = obj;
	bool psk = p->authentication_local == FGW_AUTH_PRE_SHARE;

	for (unsigned i = 0; i < p->n_authentication_remote; i++)
		psk |= p->authentication_remote[i] == FGW_AUTH_PRE_SHARE;
	if (psk && p->keyring[0] == '\0')
		return cfg_fail(c, "missing \"keyring\": pre-share authentication needs a "
				    "keyring");
	return true;
}

bool cfg_check_authz_policy(struct cfg_ctx *c, void *obj)
{
	const struct fgw_ikev2_authz_policy_cfg *p = obj;
	unsigned per_family[2] = { 0, 0 };

	/* MODECFG carries two name servers per family. */
	for (unsigned i = 0; i < p->n_dns; i++) {
		unsigned *n = &per_family[p->dns[i].family == AF_INET6];

		if (++*n > 2)
			return fail_item(c, "dns", i, "at most two DNS servers per address family");
	}
	return true;
}

bool cfg_check_client_profile(struct cfg_ctx *c, void *obj)
{
	const struct fgw_ikev2_client_profile_cfg *p = obj;
	char msg[96];

	for (unsigned i = 0; i < p->n_peers; i++) {
		for (unsigned j = 0; j < i; j++) {
			if (p->peers[i].priority == p->peers[j].priority) {
				snprintf(msg, sizeof(msg), "priority %u is also peers[%u]'s",
					 p->peers[i].priority, j);
				return fail_item(c, "peers", i, msg);
			}
		}
	}
	for (unsigned i = 0; i < p->n_source; i++) {
		for (unsigned j = 0; j < i; j++) {
			if (p->source[i].priority == p->source[j].priority) {
				snprintf(msg, sizeof(msg), "priority %u is also source[%u]'s",
					 p->source[i].priority, j);
				return fail_item(c, "source", i, msg);
			}
		}
	}
	if (p->connect == FGW_CONNECT_TRACK && p->connect_track == 0)
		return cfg_fail(c, "missing \"connect_track\": connect \"track\" needs the "
				    "track object");
	if (p->connect != FGW_CONNECT_TRACK && p->connect_track)
		return cfg_fail_key(c, "connect_track", "only used with connect \"track\"");
	if (p->backoff.initial > p->backoff.maximum)
		return cfg_fail_key(c, "backoff", "initial %u is above maximum %u",
				    p->backoff.initial, p->backoff.maximum);
	return true;
}

bool cfg_check_transform_set(struct cfg_ctx *c, void *obj)
{
	const struct fgw_ipsec_transform_set_cfg *t = obj;
	bool gcm = t->esp_encryption == FGW_ESP_GCM_128 || t->esp_encryption == FGW_ESP_GCM_256;

	if (gcm && t->esp_integrity)
		return cfg_fail_key(c, "esp_integrity", "esp-gcm authenticates itself: leave "
				    "esp_integrity out");
	if (!gcm && !t->esp_integrity)
		return cfg_fail(c, "missing \"esp_integrity\": esp-aes needs an integrity "
				    "algorithm");
	return true;
}

bool cfg_check_tunnel(struct cfg_ctx *c, void *obj)
{
	const struct fgw_tunnel_cfg *t = obj;
	int family = fgw_tunnel_mode_family(t->mode);
	const char *mode = family == AF_INET ? "IPv4" : "IPv6";

	if (fgw_addr_is_set(&t->ipv4.addr) && t->ip_unnumbered[0])
		return cfg_fail_key(c, "ip_unnumbered", "\"ipv4\" and \"ip_unnumbered\" are "
				    "mutually exclusive");
	if (t->ip_address_negotiated && (fgw_addr_is_set(&t->ipv4.addr) || t->ip_unnumbered[0]))
		return cfg_fail_key(c, "ip_address_negotiated", "a negotiated address excludes "
				    "\"ipv4\" and \"ip_unnumbered\"");
	if (t->ipv6_address_negotiated && fgw_addr_is_set(&t->ipv6.addr))
		return cfg_fail_key(c, "ipv6_address_negotiated", "a negotiated address excludes "
				    "\"ipv6\"");
	if (!check_ipv6_mtu(c, fgw_addr_is_set(&t->ipv6.addr), t->mtu) ||
	    !check_mss(c, t->tcp_adjust_mss, t->mtu))
		return false;
	if (fgw_addr_is_set(&t->destination.address) && t->destination.address.family != family)
		return cfg_fail_key(c, "destination", "the tunnel mode carries it over %s", mode);
	if (fgw_addr_is_set(&t->source.address) && t->source.address.family != family)
		return cfg_fail_key(c, "source", "the tunnel mode carries it over %s", mode);
	if (t->gre_key_set && is_ipsec_mode(t->mode))
		return cfg_fail_key(c, "gre_key", "only GRE tunnels have a key");
	if (t->tunnel_protection[0] && t->manual_sa.transform_set[0])
		return cfg_fail_key(c, "manual_sa", "\"tunnel_protection\" and \"manual_sa\" are "
				    "mutually exclusive");
	/* Without IKE nothing resolves a name or learns a dynamic peer: flexgw
	 * left such a tunnel out at start with a warning, after
	 * --check-config had passed it (check19). */
	if (t->manual_sa.transform_set[0] && !fgw_addr_is_set(&t->destination.address))
		return cfg_fail_key(c, "destination", "a manual SA needs the peer's address, not "
				    "%s%s%s (found by IKE, which manual keying has not)",
				    t->destination.dynamic ? "" : "\"",
				    t->destination.dynamic ? "dynamic" : t->destination.fqdn,
				    t->destination.dynamic ? "" : "\"");
	if (is_ipsec_mode(t->mode) && !t->tunnel_protection[0] && !t->manual_sa.transform_set[0])
		return cfg_fail(c, "missing \"tunnel_protection\": an IPsec tunnel needs "
				    "\"tunnel_protection\" or \"manual_sa\"");
	return true;
}

/* RFC 4301 4.4.2.1: with both, the hard lifetime is the longer. */
static bool soft_below_hard(struct cfg_ctx *c, const char *soft_key, uint64_t soft,
			    const char *hard_key, uint64_t hard)
{
	if (soft && hard && soft >= hard)
		return cfg_fail_key(c, soft_key, "%llu is not below %s %llu: the soft lifetime "
				    "warns before the hard one stops the SA",
				    (unsigned long long)soft, hard_key, (unsigned long long)hard);
	return true;
}

bool cfg_check_manual_sa(struct cfg_ctx *c, void *obj)
{
	const struct fgw_manual_sa_cfg *m = obj;

	return soft_below_hard(c, "soft_lifetime_packets", m->soft_lifetime_packets,
			       "lifetime_packets", m->lifetime_packets) &&
	       soft_below_hard(c, "soft_lifetime_kilobytes", m->soft_lifetime_kilobytes,
			       "lifetime_kilobytes", m->lifetime_kilobytes);
}

bool cfg_check_virtual_template(struct cfg_ctx *c, void *obj)
{
	const struct fgw_virtual_template_cfg *t = obj;

	return check_ipv6_mtu(c, t->ipv6_unnumbered[0] != '\0', t->mtu) &&
	       check_mss(c, t->tcp_adjust_mss, t->mtu);
}

bool cfg_check_pool(struct cfg_ctx *c, void *obj)
{
	const struct fgw_pool_cfg *p = obj;

	if (p->start.family != p->end.family)
		return cfg_fail_key(c, "end", "start and end are of different address families");
	if (memcmp(p->start.bytes, p->end.bytes, p->start.family == AF_INET ? 4 : 16) > 0)
		return cfg_fail_key(c, "end", "the range ends before it starts");
	return true;
}
