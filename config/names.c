/* Names: who defines what, and who refers to what.
 *
 * Objects register their name in a namespace as they are walked; a field
 * that names another object only records the reference, because JSON order
 * is free (a profile may come before the keyring it uses). xref.c resolves
 * the records once everything, smart defaults included, is defined. */
#include "config/loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ns_noun[NS_COUNT] = {
	[NS_PORT] = "port",
	[NS_LOOPBACK] = "loopback",
	[NS_TUNNEL] = "tunnel",
	[NS_VIRTUAL_TEMPLATE] = "virtual template",
	[NS_PROPOSAL] = "proposal",
	[NS_POLICY] = "policy",
	[NS_KEYRING] = "keyring",
	[NS_IKEV2_PROFILE] = "IKEv2 profile",
	[NS_AUTHZ_POLICY] = "authorization policy",
	[NS_CLIENT_PROFILE] = "client profile",
	[NS_TRANSFORM_SET] = "transform set",
	[NS_IPSEC_PROFILE] = "IPsec profile",
	[NS_POOL] = "pool",
};

static bool grow(void **v, unsigned n, unsigned *cap, size_t size)
{
	if (n < *cap)
		return true;
	unsigned ncap = *cap ? *cap * 2 : 16;
	void *nv = realloc(*v, ncap * size);

	if (nv == NULL)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

const struct cfg_name *cfg_lookup(const struct cfg_ctx *c, uint32_t targets, const char *name,
				  enum cfg_ns *found)
{
	for (int ns = 0; ns < NS_COUNT; ns++) {
		if (!(targets & (1u << ns)))
			continue;
		for (unsigned i = 0; i < c->ns[ns].n; i++) {
			if (strcmp(c->ns[ns].v[i].name, name) == 0) {
				if (found)
					*found = (enum cfg_ns)ns;
				return &c->ns[ns].v[i];
			}
		}
	}
	return NULL;
}

bool cfg_define(struct cfg_ctx *c, enum cfg_ns ns, const char *name)
{
	const struct cfg_name *prev = cfg_lookup(c, 1u << ns, name, NULL);
	struct cfg_names *names = &c->ns[ns];

	if (prev) {
		char where[32];

		cfg_where(c, &prev->path, where, sizeof(where));
		return cfg_fail(c, "duplicate %s name \"%s\" (first defined at %s)", ns_noun[ns],
				name, where);
	}
	if (!grow((void **)&names->v, names->n, &names->cap, sizeof(*names->v)))
		return cfg_fail(c, "out of memory");
	struct cfg_name *e = &names->v[names->n++];

	snprintf(e->name, sizeof(e->name), "%s", name);
	e->path = c->path;
	return true;
}

bool cfg_add_ref(struct cfg_ctx *c, const struct cfg_ref *ref, const char *name)
{
	if (ref->builtin && strcmp(name, ref->builtin) == 0)
		return true;
	if (!grow((void **)&c->refs, c->n_refs, &c->cap_refs, sizeof(*c->refs)))
		return cfg_fail(c, "out of memory");
	struct cfg_pending_ref *r = &c->refs[c->n_refs++];

	r->ref = ref;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->path = c->path;
	return true;
}
