/* Cross references and the rules that span objects: every name a field uses
 * is defined, interface names are unique across kinds, and what one object
 * borrows from another (an address, a transform set's key sizes) is there. */
#include "config/loader.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Every named object keeps its name first, so one search serves all kinds. */
static const void *find(const void *array, unsigned n, size_t size, const char *name)
{
	for (unsigned i = 0; i < n; i++) {
		const char *obj = (const char *)array + (size_t)i * size;

		if (strcmp(obj, name) == 0)
			return obj;
	}
	return NULL;
}

#define FIND(arr, n, nm) find((arr), (n), sizeof(*(arr)), (nm))

_Static_assert(offsetof(struct fgw_port_cfg, name) == 0, "name first");
_Static_assert(offsetof(struct fgw_loopback_cfg, name) == 0, "name first");
_Static_assert(offsetof(struct fgw_tunnel_cfg, name) == 0, "name first");
_Static_assert(offsetof(struct fgw_ipsec_transform_set_cfg, name) == 0, "name first");
_Static_assert(offsetof(struct fgw_pool_cfg, name) == 0, "name first");

#define PATH3(a, i, b) { .e = { { .key = a }, { .index = (i) }, { .key = b } }, .depth = 3 }
#define PATH4(a, b, i, d) \
	{ .e = { { .key = a }, { .key = b }, { .index = (i) }, { .key = d } }, .depth = 4 }

static bool resolve(struct cfg_ctx *c)
{
	for (unsigned i = 0; i < c->n_refs; i++) {
		const struct cfg_pending_ref *r = &c->refs[i];

		if (!cfg_lookup(c, r->ref->targets, r->name, NULL))
			return cfg_fail_at(c, &r->path, CFG_AT_VALUE, "%s \"%s\" is not defined",
					   r->ref->noun, r->name);
	}
	return true;
}

/* Ports, loopbacks, tunnels and virtual templates share one name space, as
 * IOS interfaces do; Null0 is always there. */
static bool unique_interfaces(struct cfg_ctx *c)
{
	static const enum cfg_ns kinds[] = { NS_PORT, NS_LOOPBACK, NS_TUNNEL, NS_VIRTUAL_TEMPLATE };

	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const struct cfg_names *names = &c->ns[kinds[k]];

		for (unsigned i = 0; i < names->n; i++) {
			const struct cfg_name *n = &names->v[i];
			uint32_t earlier = 0;
			char where[32];

			if (strcmp(n->name, "Null0") == 0)
				return cfg_fail_at(c, &n->path, CFG_AT_VALUE, "Null0 is reserved");
			for (unsigned j = 0; j < k; j++)
				earlier |= 1u << kinds[j];
			const struct cfg_name *prev = cfg_lookup(c, earlier, n->name, NULL);

			if (prev) {
				cfg_where(c, &prev->path, where, sizeof(where));
				return cfg_fail_at(c, &n->path, CFG_AT_VALUE, "interface name "
						   "\"%s\" is already used at %s", n->name, where);
			}
		}
	}
	return true;
}

/* The address an interface has in family, if it has one. */
static const struct fgw_prefix *if_address(const struct fgw_config *cfg, const char *name,
					   int family)
{
	const struct fgw_port_cfg *p = FIND(cfg->ports, cfg->n_ports, name);
	const struct fgw_loopback_cfg *l = FIND(cfg->loopbacks, cfg->n_loopbacks, name);
	const struct fgw_prefix *v4 = p ? &p->ipv4 : l ? &l->ipv4 : NULL;
	const struct fgw_prefix *v6 = p ? &p->ipv6 : l ? &l->ipv6 : NULL;
	const struct fgw_prefix *a = family == AF_INET ? v4 : v6;

	return a && fgw_addr_is_set(&a->addr) ? a : NULL;
}

static bool is_local(const struct fgw_config *cfg, const struct fgw_addr *a)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (fgw_addr_eq(&cfg->ports[i].ipv4.addr, a) ||
		    fgw_addr_eq(&cfg->ports[i].ipv6.addr, a))
			return true;
	for (unsigned i = 0; i < cfg->n_loopbacks; i++)
		if (fgw_addr_eq(&cfg->loopbacks[i].ipv4.addr, a) ||
		    fgw_addr_eq(&cfg->loopbacks[i].ipv6.addr, a))
			return true;
	return false;
}

static bool unnumbered(struct cfg_ctx *c, struct cfg_path *p, const char *name, int family)
{
	if (name[0] && !if_address(c->cfg, name, family))
		return cfg_fail_at(c, p, CFG_AT_VALUE, "%s has no %s address to lend", name,
				   family == AF_INET ? "IPv4" : "IPv6");
	return true;
}

static unsigned encryption_key_len(uint8_t alg)
{
	switch (alg) {
	case FGW_ESP_AES_128: return 16;
	case FGW_ESP_AES_256: return 32;
	case FGW_ESP_GCM_128: return 16 + 4;	/* RFC 4106: key, then salt */
	case FGW_ESP_GCM_256: return 32 + 4;
	default: return 0;
	}
}

static unsigned integrity_key_len(uint8_t alg)
{
	switch (alg) {
	case FGW_HASH_SHA1: return 20;
	case FGW_HASH_SHA256: return 32;
	case FGW_HASH_SHA384: return 48;
	case FGW_HASH_SHA512: return 64;
	default: return 0;
	}
}

/* The keys of manual_sa.<dir>, or with rekey of manual_sa.rekey.<dir>. */
static bool manual_keys(struct cfg_ctx *c, unsigned t, bool rekey, const char *dir,
			const struct fgw_sa_keys_cfg *k,
			const struct fgw_ipsec_transform_set_cfg *ts)
{
	struct cfg_path p = { .e = { { .key = "tunnels" }, { .index = t }, { .key = "manual_sa" },
				     { .key = dir }, { .key = "encryption_key" } }, .depth = 5 };
	unsigned want = encryption_key_len(ts->esp_encryption);

	if (rekey) {
		p.e[3].key = "rekey";
		p.e[4].key = dir;
		p.e[5].key = "encryption_key";
		p.depth = 6;
	}
	if (k->encryption_key_len != want)
		return cfg_fail_at(c, &p, CFG_AT_VALUE, "%u bytes, but transform set \"%s\" "
				   "needs %u", k->encryption_key_len, ts->name, want);
	p.e[p.depth - 1].key = "integrity_key";
	want = integrity_key_len(ts->esp_integrity);
	/* left out, it read "integrity_key: 0 bytes" (check19) */
	if (k->integrity_key_len == 0 && want) {
		p.depth--;
		return cfg_fail_at(c, &p, CFG_AT_VALUE, "missing \"integrity_key\": transform "
				   "set \"%s\" needs %u bytes", ts->name, want);
	}
	if (k->integrity_key_len != want)
		return cfg_fail_at(c, &p, CFG_AT_VALUE, want ? "%u bytes, but transform set "
				   "\"%s\" needs %u" : "%u bytes, but transform set \"%s\" has "
				   "no integrity algorithm", k->integrity_key_len, ts->name, want);
	return true;
}

/* The inbound SPIs of tunnel t's manual SAs, the rekey set's second. */
static unsigned manual_spis_in(const struct fgw_tunnel_cfg *t, uint32_t spi[2])
{
	unsigned n = 0;

	if (!t->manual_sa.transform_set[0])
		return 0;
	spi[n++] = t->manual_sa.inbound.spi;
	if (t->manual_sa.rekey_set)
		spi[n++] = t->manual_sa.rekey.inbound.spi;
	return n;
}

static const char *spi_name(unsigned k)
{
	return k == 0 ? "inbound SPI" : "rekey inbound SPI";
}

/* The data path finds an inbound SA by SPI alone, in slot SPI modulo the
 * table's size (fgw_config_sa_slots): two inbound SPIs, of one tunnel or
 * of two, can neither be equal nor share a slot. SPIs IKE chooses are
 * slot indexes, so only manual ones can collide; flexgw would otherwise
 * refuse the second at start or at rekey. */
static bool manual_spis_distinct(struct cfg_ctx *c)
{
	const struct fgw_config *cfg = c->cfg;
	uint32_t slots = fgw_config_sa_slots(cfg);

	for (unsigned i = 0; i < cfg->n_tunnels; i++) {
		uint32_t mine[2], theirs[2];
		unsigned n = manual_spis_in(&cfg->tunnels[i], mine);

		for (unsigned a = 0; a < n; a++)
			for (unsigned j = 0; j <= i; j++) {
				unsigned m = j < i ? manual_spis_in(&cfg->tunnels[j], theirs) : a;

				if (j == i)
					memcpy(theirs, mine, sizeof(theirs));
				for (unsigned b = 0; b < m; b++) {
					struct cfg_path p = { .e = {
						{ .key = "tunnels" }, { .index = i },
						{ .key = "manual_sa" }, { .key = "inbound" },
						{ .key = "spi" } }, .depth = 5 };

					if ((mine[a] & (slots - 1)) != (theirs[b] & (slots - 1)))
						continue;
					if (a == 1) {
						p.e[3].key = "rekey";
						p.e[4].key = "inbound";
						p.e[5].key = "spi";
						p.depth = 6;
					}
					if (mine[a] == theirs[b])
						return cfg_fail_at(c, &p, CFG_AT_VALUE, "inbound SPI %u "
								   "is tunnel \"%s\"'s already", mine[a],
								   cfg->tunnels[j].name);
					return cfg_fail_at(c, &p, CFG_AT_VALUE, "%s %u of tunnel \"%s\" "
							   "and %s %u of tunnel \"%s\" share inbound "
							   "SA slot %u (SPI modulo %u): make them differ "
							   "in their low %u bits", spi_name(a), mine[a],
							   cfg->tunnels[i].name, spi_name(b), theirs[b],
							   cfg->tunnels[j].name, mine[a] & (slots - 1),
							   slots, (unsigned)__builtin_ctz(slots));
				}
			}
	}
	return true;
}

static bool tunnels(struct cfg_ctx *c)
{
	const struct fgw_config *cfg = c->cfg;

	for (unsigned i = 0; i < cfg->n_tunnels; i++) {
		const struct fgw_tunnel_cfg *t = &cfg->tunnels[i];
		int family = t->mode == FGW_TUNNEL_GRE_IPV6 || t->mode == FGW_TUNNEL_IPSEC_IPV6 ?
			     AF_INET6 : AF_INET;
		struct cfg_path p = PATH3("tunnels", i, "ip_unnumbered");
		char a[FGW_ADDR_STRLEN];

		if (!unnumbered(c, &p, t->ip_unnumbered, AF_INET))
			return false;
		p.e[2].key = "source";
		if (fgw_addr_is_set(&t->source.address) && !is_local(cfg, &t->source.address))
			return cfg_fail_at(c, &p, CFG_AT_VALUE, "%s is not an address of this box",
					   fgw_addr_str(&t->source.address, a, sizeof(a)));
		if (t->source.interface[0] && !if_address(cfg, t->source.interface, family))
			return cfg_fail_at(c, &p, CFG_AT_VALUE, "%s has no %s address to source "
					   "the tunnel from", t->source.interface,
					   family == AF_INET ? "IPv4" : "IPv6");
		if (t->manual_sa.transform_set[0]) {
			const struct fgw_ipsec_transform_set_cfg *ts =
				FIND(cfg->ipsec.transform_sets, cfg->ipsec.n_transform_sets,
				     t->manual_sa.transform_set);

			const struct fgw_manual_sa_cfg *ms = &t->manual_sa;

			/* The data path has no AES-192 (nor does IKE propose it),
			 * so such an SA would pass here and stop flexgw at start. */
			if (ts->esp_encryption == FGW_ESP_AES_192) {
				struct cfg_path e = { .e = { { .key = "tunnels" }, { .index = i },
							     { .key = "manual_sa" },
							     { .key = "transform_set" } },
						      .depth = 4 };

				return cfg_fail_at(c, &e, CFG_AT_VALUE, "transform set \"%s\" is "
						   "esp-aes 192, which the data path does not "
						   "have: use esp-aes 128 or 256", ts->name);
			}
			if (!manual_keys(c, i, false, "inbound", &ms->inbound, ts) ||
			    !manual_keys(c, i, false, "outbound", &ms->outbound, ts))
				return false;
			if (ms->rekey_set &&
			    (!manual_keys(c, i, true, "inbound", &ms->rekey.inbound, ts) ||
			     !manual_keys(c, i, true, "outbound", &ms->rekey.outbound, ts)))
				return false;
			p.e[2].key = "manual_sa";
			/* the inbound SA's window holds the sequence numbers' high half */
			if (ms->esn && cfg->ipsec.replay_window == 0) {
				struct cfg_path e = { .e = { { .key = "tunnels" }, { .index = i },
							     { .key = "manual_sa" }, { .key = "esn" } },
						      .depth = 4 };

				return cfg_fail_at(c, &e, CFG_AT_VALUE, "extended sequence numbers "
						   "need a replay window (ipsec.replay_window is 0)");
			}
			if (ms->rekey_set && (ms->rekey.inbound.spi == ms->inbound.spi ||
					      ms->rekey.outbound.spi == ms->outbound.spi))
				return cfg_fail_at(c, &p, CFG_AT_KEY, "the rekey SPIs must differ "
						   "from the first ones");
		}
	}
	for (unsigned i = 0; i < cfg->n_virtual_templates; i++) {
		const struct fgw_virtual_template_cfg *t = &cfg->virtual_templates[i];
		struct cfg_path p = PATH3("virtual_templates", i, "ip_unnumbered");

		if (!unnumbered(c, &p, t->ip_unnumbered, AF_INET))
			return false;
		p.e[2].key = "ipv6_unnumbered";
		if (!unnumbered(c, &p, t->ipv6_unnumbered, AF_INET6))
			return false;
	}
	return manual_spis_distinct(c);
}

static bool pool_family(struct cfg_ctx *c, unsigned i, const char *key, const char *name,
			int family)
{
	const struct fgw_pool_cfg *pool = FIND(c->cfg->pools, c->cfg->n_pools, name);
	struct cfg_path p = PATH4("ikev2", "authorization_policies", i, key);

	if (pool && pool->start.family != family)
		return cfg_fail_at(c, &p, CFG_AT_VALUE, "pool \"%s\" is not an %s pool", name,
				   family == AF_INET ? "IPv4" : "IPv6");
	return true;
}

static bool flexvpn(struct cfg_ctx *c)
{
	const struct fgw_config *cfg = c->cfg;

	for (unsigned i = 0; i < cfg->ikev2.n_authorization_policies; i++) {
		const struct fgw_ikev2_authz_policy_cfg *a = &cfg->ikev2.authorization_policies[i];

		if (!pool_family(c, i, "pool", a->pool, AF_INET) ||
		    !pool_family(c, i, "ipv6_pool", a->ipv6_pool, AF_INET6))
			return false;
	}
	/* A FlexVPN client brings its tunnel up towards whichever peer it picks. */
	for (unsigned i = 0; i < cfg->ikev2.n_client_profiles; i++) {
		const struct fgw_ikev2_client_profile_cfg *p = &cfg->ikev2.client_profiles[i];
		const struct fgw_tunnel_cfg *t = FIND(cfg->tunnels, cfg->n_tunnels, p->tunnel);
		struct cfg_path path = PATH4("ikev2", "client_profiles", i, "tunnel");

		if (t && !t->destination.dynamic)
			return cfg_fail_at(c, &path, CFG_AT_VALUE, "tunnel \"%s\" needs "
					   "destination \"dynamic\" to be driven by a client profile",
					   t->name);
	}
	return true;
}

/* "match address local" names addresses IKE arrives on: ours. */
static bool local_matches(struct cfg_ctx *c, const char *list, unsigned i,
			  const struct fgw_addr *addrs, unsigned n)
{
	struct cfg_path p = { .e = { { .key = "ikev2" }, { .key = list }, { .index = i },
				     { .key = "match_address_local" }, { .index = 0 } },
			      .depth = 5 };
	char a[FGW_ADDR_STRLEN];

	for (unsigned k = 0; k < n; k++) {
		p.e[4].index = k;
		if (!is_local(c->cfg, &addrs[k]))
			return cfg_fail_at(c, &p, CFG_AT_VALUE, "%s is not an address of this box",
					   fgw_addr_str(&addrs[k], a, sizeof(a)));
	}
	return true;
}

static bool ikev2(struct cfg_ctx *c)
{
	const struct fgw_ikev2_cfg *ike = &c->cfg->ikev2;

	for (unsigned i = 0; i < ike->n_policies; i++)
		if (!local_matches(c, "policies", i, ike->policies[i].match_address_local,
				   ike->policies[i].n_match_address_local))
			return false;
	for (unsigned i = 0; i < ike->n_profiles; i++)
		if (!local_matches(c, "profiles", i, ike->profiles[i].match_address_local,
				   ike->profiles[i].n_match_address_local))
			return false;
	return true;
}

bool cfg_check_references(struct cfg_ctx *c)
{
	return resolve(c) && unique_interfaces(c) && ikev2(c) && tunnels(c) && flexvpn(c);
}
