/* FlexVPN smart defaults, and values objects inherit from their block.
 *
 * Like IOS, a box with no proposal, policy, transform set or IPsec profile
 * configured still has one of each, named "default"; defining an object of
 * that name replaces it, and "smart_defaults": false in ikev2 or ipsec
 * removes it (IOS: no crypto ikev2 proposal default, ...).
 *
 * The defaults are written in the configuration language itself and go
 * through the same walker as the file, so they obey every rule the file
 * does. What they contain and why: config/SCHEMA.md, "Smart defaults". */
#include "config/loader.h"

#include <string.h>

/* AES-GCM first (one pass, no separate integrity), AES-CBC for peers without
 * it. Only SHA-2, and only groups of at least 128-bit strength: no DES/3DES,
 * no SHA-1, no MODP group under 2048 bits. */
static const char default_proposal[] =
	"{\"name\": \"default\","
	" \"encryption\": [\"aes-gcm-256\", \"aes-cbc-256\"],"
	" \"integrity\": [\"sha512\", \"sha384\"],"
	" \"prf\": [\"sha512\", \"sha384\"],"
	" \"group\": [19, 20, 21, 14]}";

/* Matches any local address, so it applies when no policy of the user does. */
static const char default_policy[] =
	"{\"name\": \"default\", \"proposals\": [\"default\"]}";

static const char default_transform_set[] =
	"{\"name\": \"default\", \"esp_encryption\": \"esp-gcm 256\", \"mode\": \"tunnel\"}";

static const char default_ipsec_profile[] =
	"{\"name\": \"default\", \"transform_sets\": [\"default\"]}";

static bool add_default(struct cfg_ctx *c, const struct cfg_schema *s, void **list, unsigned *n,
			const char *text)
{
	if (cfg_lookup(c, 1u << s->defines, "default", NULL))
		return true;	/* the user's own "default" replaces ours */

	json_t *v = json_loads(text, 0, NULL);
	void *obj = v ? cfg_list_append(list, n, s->size) : NULL;

	if (obj == NULL) {
		json_decref(v);
		return cfg_fail(c, "out of memory");
	}
	/* Errors in here would point into the default's text, not the file's. */
	struct cfg_ctx saved = *c;

	c->origin = "<smart default>";
	c->text = text;
	c->len = strlen(text);
	c->path.depth = 0;
	cfg_init_object(s, obj);
	bool ok = cfg_walk_object(c, s, v, obj);

	c->origin = saved.origin;
	c->text = saved.text;
	c->len = saved.len;
	c->path = saved.path;
	json_decref(v);
	return ok;
}

static bool smart_defaults(struct cfg_ctx *c)
{
	struct fgw_ikev2_cfg *ike = &c->cfg->ikev2;
	struct fgw_ipsec_cfg *ipsec = &c->cfg->ipsec;

	if (ike->smart_defaults &&
	    (!add_default(c, &cfg_proposal_schema, (void **)&ike->proposals, &ike->n_proposals,
			  default_proposal) ||
	     !add_default(c, &cfg_policy_schema, (void **)&ike->policies, &ike->n_policies,
			  default_policy)))
		return false;
	if (ipsec->smart_defaults &&
	    (!add_default(c, &cfg_transform_set_schema, (void **)&ipsec->transform_sets,
			  &ipsec->n_transform_sets, default_transform_set) ||
	     !add_default(c, &cfg_ipsec_profile_schema, (void **)&ipsec->profiles,
			  &ipsec->n_profiles, default_ipsec_profile)))
		return false;
	return true;
}

static bool inherit(struct cfg_ctx *c)
{
	struct fgw_config *cfg = c->cfg;

	for (unsigned i = 0; i < cfg->ikev2.n_profiles; i++) {
		struct fgw_ikev2_profile_cfg *p = &cfg->ikev2.profiles[i];

		if (p->dpd.interval == 0)
			p->dpd = cfg->ikev2.dpd;
		if (p->nat_keepalive == 0)
			p->nat_keepalive = cfg->ikev2.nat_keepalive;
	}
	for (unsigned i = 0; i < cfg->ipsec.n_profiles; i++) {
		struct fgw_ipsec_profile_cfg *p = &cfg->ipsec.profiles[i];

		if (p->lifetime_seconds == 0)
			p->lifetime_seconds = cfg->ipsec.lifetime_seconds;
		if (p->lifetime_kilobytes == 0)
			p->lifetime_kilobytes = cfg->ipsec.lifetime_kilobytes;
		if (!p->replay_window_set) {
			p->replay_window = cfg->ipsec.replay_window;
			p->replay_window_set = true;
		}
		/* IOS: a profile without "set transform-set" uses the default one. */
		if (p->n_transform_sets == 0) {
			struct cfg_path at = {
				.e = { { .key = "ipsec" }, { .key = "profiles" }, { .index = i } },
				.depth = 3,
			};
			struct cfg_path saved = c->path;

			strcpy(p->transform_sets[0], "default");
			p->n_transform_sets = 1;
			c->path = at;
			bool ok = cfg_add_ref(c, &cfg_ref_transform_set, "default");

			c->path = saved;
			if (!ok)
				return false;
		}
	}
	return true;
}

/* The foundation's default: one worker, on the first lcore after control. */
static void default_workers(struct fgw_dataplane_cfg *d)
{
	if (d->n_workers)
		return;
	d->worker_lcores[0] = d->control_lcore == 1 ? 0 : 1;
	d->n_workers = 1;
}

bool cfg_apply_defaults(struct cfg_ctx *c)
{
	default_workers(&c->cfg->dataplane);
	return smart_defaults(c) && inherit(c);
}
