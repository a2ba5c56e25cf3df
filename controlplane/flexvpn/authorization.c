/* Authorization policy lookup and merging (see authorization.h). */
#include <stdio.h>
#include <string.h>

#include "authorization.h"
#include "controlplane/ikev2/wire.h"

bool fgw_authz_mangle(uint8_t mangler, uint8_t id_type, const uint8_t *id, size_t id_len,
		      char *name, size_t name_len)
{
	bool fqdn = mangler == FGW_MANGLE_FQDN_HOSTNAME || mangler == FGW_MANGLE_FQDN_DOMAIN ||
		    mangler == FGW_MANGLE_FQDN_ALL;
	uint8_t sep = fqdn ? '.' : '@';
	const uint8_t *cut;
	const uint8_t *p = id;
	size_t n = id_len;

	if (id_type != (fqdn ? FGW_IKE_ID_FQDN : FGW_IKE_ID_RFC822_ADDR))
		return false;
	cut = memchr(id, sep, id_len);
	switch (mangler) {
	case FGW_MANGLE_FQDN_HOSTNAME:
	case FGW_MANGLE_EMAIL_USERNAME:
		if (cut != NULL)
			n = (size_t)(cut - id);
		break;
	case FGW_MANGLE_FQDN_DOMAIN:
	case FGW_MANGLE_EMAIL_DOMAIN:
		if (cut == NULL)
			return false;
		p = cut + 1;
		n = id_len - (size_t)(p - id);
		break;
	case FGW_MANGLE_FQDN_ALL:
	case FGW_MANGLE_EMAIL_ALL:
		break;
	default:
		return false;
	}
	if (n == 0 || n >= name_len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] >= 0x7f)
			return false;
	memcpy(name, p, n);
	name[n] = '\0';
	return true;
}

static const struct fgw_ikev2_authz_policy_cfg *find_policy(const struct fgw_config *cfg,
							     const char *name)
{
	for (unsigned i = 0; i < cfg->ikev2.n_authorization_policies; i++)
		if (strcmp(cfg->ikev2.authorization_policies[i].name, name) == 0)
			return &cfg->ikev2.authorization_policies[i];
	return NULL;
}

/* The policy one aaa statement gives: NULL with why filled when it names
 * none that exists. */
static const struct fgw_ikev2_authz_policy_cfg *
lookup(const struct fgw_config *cfg, const struct fgw_aaa_authz_cfg *aaa, const char *which,
       uint8_t id_type, const uint8_t *id, size_t id_len, char *why, size_t why_len)
{
	const struct fgw_ikev2_authz_policy_cfg *pol;
	char name[FGW_NAME_MAX];

	if (aaa->source == 1) {
		snprintf(name, sizeof(name), "%s", aaa->policy);
	} else if (!fgw_authz_mangle(aaa->name_mangler, id_type, id, id_len, name,
				     sizeof(name))) {
		snprintf(why, why_len, "aaa authorization %s: the name mangler finds no name "
			 "in the peer's identity", which);
		return NULL;
	}
	pol = find_policy(cfg, name);
	if (pol == NULL)
		snprintf(why, why_len, "aaa authorization %s: no authorization policy \"%s\"",
			 which, name);
	return pol;
}

/* What the user policy sets replaces the group's. */
static void overlay(struct fgw_ikev2_authz_policy_cfg *out,
		    const struct fgw_ikev2_authz_policy_cfg *u)
{
	if (u->pool[0] != '\0')
		memcpy(out->pool, u->pool, sizeof(out->pool));
	if (u->ipv6_pool[0] != '\0')
		memcpy(out->ipv6_pool, u->ipv6_pool, sizeof(out->ipv6_pool));
	if (u->netmask != 0)
		out->netmask = u->netmask;
	if (u->n_dns != 0) {
		memcpy(out->dns, u->dns, sizeof(out->dns));
		out->n_dns = u->n_dns;
	}
	if (u->n_wins != 0) {
		memcpy(out->wins, u->wins, sizeof(out->wins));
		out->n_wins = u->n_wins;
	}
	if (u->n_split_dns != 0) {
		memcpy(out->split_dns, u->split_dns, sizeof(out->split_dns));
		out->n_split_dns = u->n_split_dns;
	}
	if (u->def_domain[0] != '\0')
		memcpy(out->def_domain, u->def_domain, sizeof(out->def_domain));
	if (u->n_backup_gateways != 0) {
		memcpy(out->backup_gateways, u->backup_gateways, sizeof(out->backup_gateways));
		out->n_backup_gateways = u->n_backup_gateways;
	}
	if (u->route_set_interface[0] != '\0')
		memcpy(out->route_set_interface, u->route_set_interface,
		       sizeof(out->route_set_interface));
	if (u->n_route_set_access_list != 0) {
		memcpy(out->route_set_access_list, u->route_set_access_list,
		       sizeof(out->route_set_access_list));
		out->n_route_set_access_list = u->n_route_set_access_list;
	}
	if (u->route_accept.any)
		out->route_accept = u->route_accept;
}

int fgw_authz_resolve(const struct fgw_config *cfg, const struct fgw_ikev2_profile_cfg *prof,
		      uint8_t id_type, const uint8_t *id, size_t id_len,
		      struct fgw_ikev2_authz_policy_cfg *out, char *why, size_t why_len)
{
	const struct fgw_ikev2_authz_policy_cfg *group = NULL, *user = NULL;
	const struct fgw_aaa_authz_cfg *g = &prof->aaa_authorization_group;
	const struct fgw_aaa_authz_cfg *u = &prof->aaa_authorization_user;

	memset(out, 0, sizeof(*out));
	if (g->source == 0 && u->source == 0)
		return FGW_AUTHZ_NONE;
	if (g->source != 0) {
		group = lookup(cfg, g, "group", id_type, id, id_len, why, why_len);
		if (group == NULL)
			return FGW_AUTHZ_FAILED;
	}
	if (u->source != 0) {
		user = lookup(cfg, u, "user", id_type, id, id_len, why, why_len);
		if (user == NULL)
			return FGW_AUTHZ_FAILED;
	}
	if (group != NULL && user != NULL) {
		*out = *group;
		overlay(out, user);
		snprintf(out->name, sizeof(out->name), "%.23s+%.23s", group->name, user->name);
	} else {
		*out = group != NULL ? *group : *user;
	}
	return FGW_AUTHZ_OK;
}
