/* Who the peer is and which configuration applies: crypto ikev2 profile
 * (match identity remote, match address local, identity local) and
 * crypto ikev2 keyring (peers by identity, address or subnet; symmetric or
 * asymmetric pre-shared keys). Keys are only handed to the AUTH
 * computation, never logged. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine.h"

const struct fgw_ikev2_profile_cfg *ike_profile_by_name(const struct fgw_config *cfg,
						       const char *name)
{
	for (unsigned i = 0; i < cfg->ikev2.n_profiles; i++)
		if (strcmp(cfg->ikev2.profiles[i].name, name) == 0)
			return &cfg->ikev2.profiles[i];
	return NULL;
}

const struct fgw_ipsec_profile_cfg *ike_ipsec_profile(const struct fgw_config *cfg,
						     const char *name)
{
	for (unsigned i = 0; i < cfg->ipsec.n_profiles; i++)
		if (strcmp(cfg->ipsec.profiles[i].name, name) == 0)
			return &cfg->ipsec.profiles[i];
	return NULL;
}

static const struct fgw_ikev2_keyring_cfg *keyring(const struct fgw_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->ikev2.n_keyrings; i++)
		if (strcmp(cfg->ikev2.keyrings[i].name, name) == 0)
			return &cfg->ikev2.keyrings[i];
	return NULL;
}

/* ---- identities ---------------------------------------------------------------- */

void ike_identity_from_payload(const struct fgw_ike_id *p, struct fgw_ike_identity *id)
{
	id->type = p->type;
	id->len = p->len < FGW_IKE_ID_MAX ? p->len : FGW_IKE_ID_MAX;
	memcpy(id->data, p->data, id->len);
}

static void identity_set(struct fgw_ike_identity *id, uint8_t type, const void *d, size_t len)
{
	id->type = type;
	id->len = (uint16_t)(len < FGW_IKE_ID_MAX ? len : FGW_IKE_ID_MAX);
	memcpy(id->data, d, id->len);
}

void ike_identity_local(const struct fgw_ikev2_profile_cfg *pr, const struct fgw_addr *local,
			struct fgw_ike_identity *id)
{
	const struct fgw_identity_cfg *ic = pr ? &pr->identity_local : NULL;
	const struct fgw_addr *a = local;

	switch (ic ? ic->type : FGW_ID_NONE) {
	case FGW_ID_FQDN:
		identity_set(id, FGW_IKE_ID_FQDN, ic->value, strlen(ic->value));
		return;
	case FGW_ID_EMAIL:
		identity_set(id, FGW_IKE_ID_RFC822_ADDR, ic->value, strlen(ic->value));
		return;
	case FGW_ID_KEY_ID:
		identity_set(id, FGW_IKE_ID_KEY_ID, ic->value, strlen(ic->value));
		return;
	case FGW_ID_ADDRESS:
		a = &ic->address.addr;
		break;
	}
	if (a->family == AF_INET)
		identity_set(id, FGW_IKE_ID_IPV4_ADDR, &a->v4, 4);
	else
		identity_set(id, FGW_IKE_ID_IPV6_ADDR, a->v6, 16);
}

static bool id_addr(const struct fgw_ike_identity *id, struct fgw_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (id->type == FGW_IKE_ID_IPV4_ADDR && id->len == 4) {
		a->family = AF_INET;
		memcpy(&a->v4, id->data, 4);
		return true;
	}
	if (id->type == FGW_IKE_ID_IPV6_ADDR && id->len == 16) {
		a->family = AF_INET6;
		memcpy(a->v6, id->data, 16);
		return true;
	}
	return false;
}

char *ike_identity_str(const struct fgw_ike_identity *id, char *out, size_t len)
{
	struct fgw_addr a;
	char buf[FGW_ADDR_STRLEN];
	const char *kind;

	if (id_addr(id, &a)) {
		snprintf(out, len, "address %s", fgw_addr_str(&a, buf, sizeof(buf)));
		return out;
	}
	switch (id->type) {
	case FGW_IKE_ID_FQDN: kind = "fqdn"; break;
	case FGW_IKE_ID_RFC822_ADDR: kind = "email"; break;
	case FGW_IKE_ID_KEY_ID: kind = "key-id"; break;
	case 0: snprintf(out, len, "none"); return out;
	default: snprintf(out, len, "id type %u", id->type); return out;
	}
	/* Printable characters only: the text came from the peer. */
	size_t n = (size_t)snprintf(out, len, "%s ", kind);
	for (unsigned i = 0; i < id->len && n + 1 < len; i++)
		out[n++] = id->data[i] >= 0x20 && id->data[i] < 0x7f ? (char)id->data[i] : '?';
	out[n < len ? n : len - 1] = '\0';
	return out;
}

static bool text_eq(const struct fgw_ike_identity *id, const char *s)
{
	return strlen(s) == id->len && strncasecmp((const char *)id->data, s, id->len) == 0;
}

/* The identity ends with "suffix" right after `sep` (or is it whole). */
static bool text_in_domain(const struct fgw_ike_identity *id, const char *dom, char sep)
{
	size_t n = strlen(dom);

	if (n == 0 || n > id->len)
		return false;
	if (strncasecmp((const char *)id->data + id->len - n, dom, n) != 0)
		return false;
	return n == id->len || id->data[id->len - n - 1] == sep || dom[0] == sep;
}

/* One match statement (or keyring identity) against a peer identity. */
static bool identity_matches(const struct fgw_identity_cfg *m, const struct fgw_ike_identity *id)
{
	struct fgw_addr a;

	switch (m->type) {
	case FGW_ID_ANY:
		return true;
	case FGW_ID_ADDRESS:
		return id_addr(id, &a) && fgw_prefix_contains(&m->address, &a);
	case FGW_ID_FQDN:
		return id->type == FGW_IKE_ID_FQDN && text_eq(id, m->value);
	case FGW_ID_FQDN_DOMAIN:
		return id->type == FGW_IKE_ID_FQDN && text_in_domain(id, m->value, '.');
	case FGW_ID_EMAIL:
		return id->type == FGW_IKE_ID_RFC822_ADDR && text_eq(id, m->value);
	case FGW_ID_EMAIL_DOMAIN:
		return id->type == FGW_IKE_ID_RFC822_ADDR && text_in_domain(id, m->value, '@');
	case FGW_ID_KEY_ID:
		return id->type == FGW_IKE_ID_KEY_ID && id->len == strlen(m->value) &&
		       memcmp(id->data, m->value, id->len) == 0;
	}
	return false;
}

static bool local_matches(const struct fgw_ikev2_profile_cfg *pr, const struct fgw_addr *local)
{
	if (pr->n_match_address_local == 0)
		return true;
	for (unsigned i = 0; i < pr->n_match_address_local; i++)
		if (fgw_addr_eq(&pr->match_address_local[i], local))
			return true;
	return false;
}

const struct fgw_ikev2_profile_cfg *ike_profile_match(const struct fgw_config *cfg,
						     const struct fgw_ike_identity *id,
						     const struct fgw_addr *local)
{
	for (unsigned i = 0; i < cfg->ikev2.n_profiles; i++) {
		const struct fgw_ikev2_profile_cfg *pr = &cfg->ikev2.profiles[i];

		if (!local_matches(pr, local))
			continue;
		for (unsigned j = 0; j < pr->n_match_identity_remote; j++)
			if (identity_matches(&pr->match_identity_remote[j], id))
				return pr;
	}
	return NULL;
}

/* ---- keyrings ------------------------------------------------------------------ */

const struct fgw_ikev2_keyring_peer_cfg *ike_keyring_peer(const struct fgw_config *cfg,
							 const struct fgw_ikev2_profile_cfg *pr,
							 const struct fgw_ike_identity *id,
							 const struct fgw_addr *remote)
{
	const struct fgw_ikev2_keyring_cfg *kr = pr ? keyring(cfg, pr->keyring) : NULL;
	const struct fgw_ikev2_keyring_peer_cfg *best = NULL;

	if (kr == NULL)
		return NULL;
	if (id != NULL && id->type != 0)
		for (unsigned i = 0; i < kr->n_peers; i++)
			if (kr->peers[i].identity.type != FGW_ID_NONE &&
			    identity_matches(&kr->peers[i].identity, id))
				return &kr->peers[i];
	for (unsigned i = 0; i < kr->n_peers; i++) {
		const struct fgw_ikev2_keyring_peer_cfg *p = &kr->peers[i];

		if (p->address.addr.family == 0 || !fgw_prefix_contains(&p->address, remote))
			continue;
		if (best == NULL || p->address.len > best->address.len)
			best = p;
	}
	return best;
}

const char *ike_psk_local(const struct fgw_ikev2_keyring_peer_cfg *p)
{
	return p->pre_shared_key_local[0] ? p->pre_shared_key_local : p->pre_shared_key;
}

const char *ike_psk_remote(const struct fgw_ikev2_keyring_peer_cfg *p)
{
	return p->pre_shared_key_remote[0] ? p->pre_shared_key_remote : p->pre_shared_key;
}

const struct fgw_ikev2_profile_cfg *ike_profile_for_peer(const struct fgw_config *cfg,
							const struct fgw_ipsec_profile_cfg *ip,
							const struct fgw_addr *remote)
{
	if (ip != NULL && ip->ikev2_profile[0] != '\0')
		return ike_profile_by_name(cfg, ip->ikev2_profile);
	for (unsigned i = 0; i < cfg->ikev2.n_profiles; i++)
		if (ike_keyring_peer(cfg, &cfg->ikev2.profiles[i], NULL, remote) != NULL)
			return &cfg->ikev2.profiles[i];
	return NULL;
}
