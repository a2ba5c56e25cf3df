/* show crypto ikev2 profile [NAME]: each IKEv2 profile as IOS prints it,
 * with what it inherited (dpd, nat keepalive) already filled in by the
 * loader. Keyrings are named, never opened: no key is read here. */
#include "api/commands.h"

#include <stddef.h>
#include <string.h>

#include "controlplane/ikev2/ike_sa.h"

static const char *const id_types[] = {
	[FGW_ID_ADDRESS] = "address",
	[FGW_ID_FQDN] = "fqdn",
	[FGW_ID_FQDN_DOMAIN] = "fqdn domain",
	[FGW_ID_EMAIL] = "email",
	[FGW_ID_EMAIL_DOMAIN] = "email domain",
	[FGW_ID_KEY_ID] = "key-id",
	[FGW_ID_ANY] = "any",
};

static const char *const manglers[] = {
	[FGW_MANGLE_FQDN_HOSTNAME] = "fqdn hostname",
	[FGW_MANGLE_FQDN_DOMAIN] = "fqdn domain",
	[FGW_MANGLE_FQDN_ALL] = "fqdn all",
	[FGW_MANGLE_EMAIL_USERNAME] = "email username",
	[FGW_MANGLE_EMAIL_DOMAIN] = "email domain",
	[FGW_MANGLE_EMAIL_ALL] = "email all",
};

#define N_OF(table) (sizeof(table) / sizeof(table[0]))

/* An identity as IOS words it after "match identity remote" or "identity
 * local": "fqdn domain example.com", "address 192.0.2.0 255.255.255.0". */
static void identity_text(const struct fgw_identity_cfg *id, char *buf, size_t len)
{
	const char *type = id->type < N_OF(id_types) && id_types[id->type] != NULL ?
			   id_types[id->type] : "unknown";
	char a[FGW_ADDR_STRLEN];

	if (id->type == FGW_ID_ANY) {
		snprintf(buf, len, "any");
	} else if (id->type != FGW_ID_ADDRESS) {
		snprintf(buf, len, "%s %s", type, id->value);
	} else if (id->address.addr.family == AF_INET && id->address.len < 32) {
		struct fgw_addr mask = { .family = AF_INET };
		char m[FGW_ADDR_STRLEN];

		mask.v4 = htonl(id->address.len ? ~0u << (32 - id->address.len) : 0);
		snprintf(buf, len, "address %s %s", fgw_addr_str(&id->address.addr, a, sizeof(a)),
			 fgw_addr_str(&mask, m, sizeof(m)));
	} else if (id->address.addr.family == AF_INET6 && id->address.len < 128) {
		snprintf(buf, len, "address %s", fgw_prefix_str(&id->address, a, sizeof(a)));
	} else {
		snprintf(buf, len, "address %s", fgw_addr_str(&id->address.addr, a, sizeof(a)));
	}
}

static json_t *identity_json(const struct fgw_identity_cfg *id)
{
	char text[FGW_FQDN_MAX + 32];

	if (id->type == FGW_ID_NONE)
		return json_null();
	identity_text(id, text, sizeof(text));
	return json_string(text);
}

static json_t *aaa_json(const struct fgw_aaa_authz_cfg *a)
{
	if (a->source == 1)
		return json_pack("{s:s}", "policy", a->policy);
	if (a->source == 2)
		return json_pack("{s:s}", "name_mangler",
				 a->name_mangler < N_OF(manglers) && manglers[a->name_mangler] ?
				 manglers[a->name_mangler] : "unknown");
	return json_null();
}

static json_t *dpd_json(const struct fgw_dpd_cfg *d)
{
	if (d->interval == 0)
		return json_null();
	return json_pack("{s:I, s:I, s:s}", "interval", (json_int_t)d->interval,
			 "retry_interval", (json_int_t)d->retry_interval,
			 "mode", d->mode == FGW_DPD_PERIODIC ? "periodic" : "on-demand");
}

/* As IOS counts: what holds the profile, here the IPsec profiles naming it
 * and the IKE SAs negotiated under it. */
static unsigned ref_count(const struct fgw_control *c, const struct fgw_ikev2_profile_cfg *p)
{
	const struct fgw_ike_sa *sa;
	unsigned n = 0;

	for (unsigned i = 0; i < c->cfg->ipsec.n_profiles; i++)
		n += strcmp(c->cfg->ipsec.profiles[i].ikev2_profile, p->name) == 0;
	if (c->ike != NULL)
		TAILQ_FOREACH(sa, &c->ike->sas, link)
			n += sa->profile == p && sa->state != FGW_IKE_ST_DEAD;
	return n;
}

/* fgw_cmd_config_list reads each object's name first. */
_Static_assert(offsetof(struct fgw_ikev2_profile_cfg, name) == 0, "name first");

static json_t *profile_json(const struct fgw_cmd_ctx *x, const void *obj)
{
	const struct fgw_ikev2_profile_cfg *p = obj;
	json_t *ids = json_array(), *local = json_array(), *remote_auth = json_array();

	for (unsigned i = 0; ids != NULL && i < p->n_match_identity_remote; i++)
		json_array_append_new(ids, identity_json(&p->match_identity_remote[i]));
	for (unsigned i = 0; local != NULL && i < p->n_match_address_local; i++) {
		char buf[FGW_ADDR_STRLEN];

		json_array_append_new(local, json_string(fgw_addr_str(&p->match_address_local[i],
								      buf, sizeof(buf))));
	}
	/* pre-share is the only method the loader accepts today. */
	for (unsigned i = 0; remote_auth != NULL && i < p->n_authentication_remote; i++)
		json_array_append_new(remote_auth, json_string("pre-share"));
	return json_pack("{s:s, s:s, s:I, s:{s:s, s:o, s:o}, s:o, s:s, s:o, s:s*, s:I, s:o,"
			 " s:I, s:s*, s:o, s:o}",
			 "name", p->name, "description", p->description,
			 "ref_count", (json_int_t)ref_count(x->c, p),
			 "match", "fvrf", "global", "local_address", local, "identities", ids,
			 "local_identity", identity_json(&p->identity_local),
			 "authentication_local", "pre-share",
			 "authentication_remote", remote_auth,
			 "keyring", p->keyring[0] ? p->keyring : NULL,
			 "lifetime", (json_int_t)p->lifetime,
			 "dpd", dpd_json(&p->dpd),
			 "nat_keepalive", (json_int_t)p->nat_keepalive,
			 "virtual_template", p->virtual_template[0] ? p->virtual_template : NULL,
			 "aaa_authorization_group", aaa_json(&p->aaa_authorization_group),
			 "aaa_authorization_user", aaa_json(&p->aaa_authorization_user));
}

json_t *fgw_show_crypto_ikev2_profile(struct fgw_cmd_ctx *x)
{
	const struct fgw_ikev2_cfg *ike = &x->c->cfg->ikev2;

	return fgw_cmd_config_list(x, "profiles", "IKEv2 profile", ike->profiles, ike->n_profiles,
				   sizeof(ike->profiles[0]), profile_json);
}

static const char *str_or(const json_t *o, const char *key, const char *none)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && s[0] != '\0' ? s : none;
}

static void render_aaa(struct fgw_text *t, const char *label, const json_t *a)
{
	if (json_object_get(a, "policy") != NULL)
		fgw_text_printf(t, " %s: psk local %s\n", label, fgw_json_str(a, "policy"));
	else if (json_object_get(a, "name_mangler") != NULL)
		fgw_text_printf(t, " %s: psk local name-mangler %s\n", label,
				fgw_json_str(a, "name_mangler"));
	else
		fgw_text_printf(t, " %s: none\n", label);
}

static void render_profile(const json_t *p, struct fgw_text *t)
{
	const json_t *match = json_object_get(p, "match");
	const json_t *dpd = json_object_get(p, "dpd");
	const json_t *v;
	size_t i;

	fgw_text_printf(t, "\nIKEv2 profile: %s\n", fgw_json_str(p, "name"));
	if (fgw_json_str(p, "description")[0] != '\0')
		fgw_text_printf(t, " Description: %s\n", fgw_json_str(p, "description"));
	fgw_text_printf(t, " Ref Count: %" PRIu64 "\n", fgw_json_u64(p, "ref_count"));
	fgw_text_printf(t, " Match criteria:\n");
	fgw_text_printf(t, "  Fvrf: %s\n", fgw_json_str(match, "fvrf"));
	fgw_text_printf(t, "  Local address/interface:");
	if (json_array_size(json_object_get(match, "local_address")) == 0)
		fgw_text_printf(t, " none");
	json_array_foreach(json_object_get(match, "local_address"), i, v)
		fgw_text_printf(t, " %s", json_string_value(v) ?: "");
	fgw_text_printf(t, "\n  Identities:\n");
	json_array_foreach(json_object_get(match, "identities"), i, v)
		fgw_text_printf(t, "   %s\n", json_string_value(v) ?: "");
	fgw_text_printf(t, "  Certificate maps: none\n");
	fgw_text_printf(t, " Local identity: %s\n", str_or(p, "local_identity", "none"));
	fgw_text_printf(t, " Remote identity: none\n");
	fgw_text_printf(t, " Local authentication method: %s\n",
			fgw_json_str(p, "authentication_local"));
	fgw_text_printf(t, " Remote authentication method(s):");
	json_array_foreach(json_object_get(p, "authentication_remote"), i, v)
		fgw_text_printf(t, " %s", json_string_value(v) ?: "");
	fgw_text_printf(t, "\n EAP options: none\n");
	fgw_text_printf(t, " Keyring: %s\n", str_or(p, "keyring", "none"));
	fgw_text_printf(t, " Trustpoint(s): none\n");
	fgw_text_printf(t, " Lifetime: %" PRIu64 " seconds\n", fgw_json_u64(p, "lifetime"));
	if (json_is_object(dpd))
		fgw_text_printf(t, " DPD: interval %" PRIu64 " retry-interval %" PRIu64 " %s\n",
				fgw_json_u64(dpd, "interval"), fgw_json_u64(dpd, "retry_interval"),
				fgw_json_str(dpd, "mode"));
	else
		fgw_text_printf(t, " DPD: disabled\n");
	if (fgw_json_u64(p, "nat_keepalive"))
		fgw_text_printf(t, " NAT-keepalive: Interval %" PRIu64 " sec\n",
				fgw_json_u64(p, "nat_keepalive"));
	else
		fgw_text_printf(t, " NAT-keepalive: disabled\n");
	fgw_text_printf(t, " Ivrf: none\n");
	fgw_text_printf(t, " Virtual-template: %s\n", str_or(p, "virtual_template", "none"));
	render_aaa(t, "AAA group authorization", json_object_get(p, "aaa_authorization_group"));
	render_aaa(t, "AAA user authorization", json_object_get(p, "aaa_authorization_user"));
}

void fgw_render_crypto_ikev2_profile(const json_t *j, struct fgw_text *t)
{
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(j, "profiles"), i, p)
		render_profile(p, t);
}
