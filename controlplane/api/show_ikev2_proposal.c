/* show crypto ikev2 proposal [NAME] and show crypto ikev2 policy [NAME]:
 * the configured objects, smart defaults included, as IOS prints them.
 *
 * The JSON keeps the configuration's own words ("aes-cbc-256", "sha512",
 * group numbers) so it reads like the file; the text uses IOS's names. */
#include "api/commands.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

static const char *const encr_names[] = {
	[FGW_IKE_ENCR_AES_CBC_128] = "aes-cbc-128",
	[FGW_IKE_ENCR_AES_CBC_192] = "aes-cbc-192",
	[FGW_IKE_ENCR_AES_CBC_256] = "aes-cbc-256",
	[FGW_IKE_ENCR_AES_GCM_128] = "aes-gcm-128",
	[FGW_IKE_ENCR_AES_GCM_256] = "aes-gcm-256",
};

static const char *const hash_names[] = {
	[FGW_HASH_SHA1] = "sha1",
	[FGW_HASH_SHA256] = "sha256",
	[FGW_HASH_SHA384] = "sha384",
	[FGW_HASH_SHA512] = "sha512",
};

#define N_OF(table) (sizeof(table) / sizeof(table[0]))

static json_t *names_json(const char *const *table, size_t n_table, const uint8_t *v,
			  unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(v[i] < n_table && table[v[i]] != NULL ?
							 table[v[i]] : "unknown")) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* fgw_cmd_config_list reads each object's name first. */
_Static_assert(offsetof(struct fgw_ikev2_proposal_cfg, name) == 0, "name first");
_Static_assert(offsetof(struct fgw_ikev2_policy_cfg, name) == 0, "name first");

static json_t *proposal_json(const struct fgw_cmd_ctx *x, const void *obj)
{
	const struct fgw_ikev2_proposal_cfg *p = obj;
	json_t *groups = json_array();

	(void)x;
	for (unsigned i = 0; groups != NULL && i < p->n_group; i++)
		if (json_array_append_new(groups, json_integer(p->group[i])) != 0) {
			json_decref(groups);
			groups = NULL;
		}
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "name", p->name,
			 "encryption", names_json(encr_names, N_OF(encr_names), p->encryption,
						  p->n_encryption),
			 "integrity", names_json(hash_names, N_OF(hash_names), p->integrity,
						 p->n_integrity),
			 "prf", names_json(hash_names, N_OF(hash_names), p->prf, p->n_prf),
			 "group", groups);
}

json_t *fgw_show_crypto_ikev2_proposal(struct fgw_cmd_ctx *x)
{
	const struct fgw_ikev2_cfg *ike = &x->c->cfg->ikev2;

	return fgw_cmd_config_list(x, "proposals", "IKEv2 proposal", ike->proposals,
				   ike->n_proposals, sizeof(ike->proposals[0]), proposal_json);
}

/* IOS's names: upper case, except that SHA-1 integrity is the 96-bit
 * truncated HMAC and IOS says so. */
static void ios_word(const char *s, bool integrity, char *buf, size_t len)
{
	size_t i;

	if (integrity && strcmp(s, "sha1") == 0) {
		snprintf(buf, len, "SHA96");
		return;
	}
	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)s[i]);
	buf[i] = '\0';
}

static const char *group_name(uint64_t g)
{
	switch (g) {
	case 14: return "DH_GROUP_2048_MODP/Group 14";
	case 15: return "DH_GROUP_3072_MODP/Group 15";
	case 16: return "DH_GROUP_4096_MODP/Group 16";
	case 19: return "DH_GROUP_256_ECP/Group 19";
	case 20: return "DH_GROUP_384_ECP/Group 20";
	case 21: return "DH_GROUP_521_ECP/Group 21";
	case 24: return "DH_GROUP_2048_256_MODP/Group 24";
	case 31: return "DH_GROUP_256_CURVE25519/Group 31";
	default: return NULL;
	}
}

static bool is_aead(const char *encr)
{
	return strncmp(encr, "aes-gcm", 7) == 0;
}

/* "     Label      : A B C"; aead 1 keeps only AEAD ciphers, 0 only the
 * others, -1 every word (integrity, PRF). */
static void render_list(struct fgw_text *t, const char *label, const json_t *list,
			int aead, bool integrity)
{
	const json_t *v;
	size_t i;

	fgw_text_printf(t, "     %-10s :", label);
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		char word[32];

		if (s == NULL || (aead >= 0 && is_aead(s) != (aead == 1)))
			continue;
		ios_word(s, integrity, word, sizeof(word));
		fgw_text_printf(t, " %s", word);
	}
	fgw_text_printf(t, "\n");
}

/* One block per kind of cipher: IOS, like RFC 7296, never puts integrity in
 * an AEAD proposal, so a proposal with both kinds prints as two, AEAD-free
 * block first when its cipher is preferred. */
static void render_block(const json_t *p, bool aead, struct fgw_text *t)
{
	const json_t *g;
	size_t i;

	fgw_text_printf(t, "IKEv2 proposal: %s\n", fgw_json_str(p, "name"));
	render_list(t, "Encryption", json_object_get(p, "encryption"), aead, false);
	if (!aead)
		render_list(t, "Integrity", json_object_get(p, "integrity"), -1, true);
	render_list(t, "PRF", json_object_get(p, "prf"), -1, false);
	fgw_text_printf(t, "     %-10s :", "DH Group");
	json_array_foreach(json_object_get(p, "group"), i, g) {
		json_int_t n = json_integer_value(g);
		const char *name = group_name((uint64_t)n);

		if (name != NULL)
			fgw_text_printf(t, " %s", name);
		else
			fgw_text_printf(t, " Group %" JSON_INTEGER_FORMAT, n);
	}
	fgw_text_printf(t, "\n");
}

void fgw_render_crypto_ikev2_proposal(const json_t *j, struct fgw_text *t)
{
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(j, "proposals"), i, p) {
		const json_t *encr = json_object_get(p, "encryption");
		bool first_aead = is_aead(json_string_value(json_array_get(encr, 0)) ?: "");
		bool has[2] = { false, false };
		const json_t *e;
		size_t k;

		json_array_foreach(encr, k, e)
			has[is_aead(json_string_value(e) ?: "")] = true;
		if (has[first_aead])
			render_block(p, first_aead, t);
		if (has[!first_aead])
			render_block(p, !first_aead, t);
	}
}

/* ---- policies ---------------------------------------------------------- */

static json_t *policy_json(const struct fgw_cmd_ctx *x, const void *obj)
{
	const struct fgw_ikev2_policy_cfg *p = obj;
	json_t *local = json_array(), *props = json_array();

	(void)x;
	for (unsigned i = 0; local != NULL && i < p->n_match_address_local; i++) {
		char buf[FGW_ADDR_STRLEN];

		json_array_append_new(local, json_string(fgw_addr_str(&p->match_address_local[i],
								      buf, sizeof(buf))));
	}
	for (unsigned i = 0; props != NULL && i < p->n_proposals; i++)
		json_array_append_new(props, json_string(p->proposals[i]));
	/* One routing table, so every policy matches the global front-door VRF. */
	return json_pack("{s:s, s:s, s:o, s:o}", "name", p->name, "match_fvrf", "global",
			 "match_address_local", local, "proposals", props);
}

json_t *fgw_show_crypto_ikev2_policy(struct fgw_cmd_ctx *x)
{
	const struct fgw_ikev2_cfg *ike = &x->c->cfg->ikev2;

	return fgw_cmd_config_list(x, "policies", "IKEv2 policy", ike->policies, ike->n_policies,
				   sizeof(ike->policies[0]), policy_json);
}

/* "label : first" then the rest aligned under the first, or "any". */
static void render_column(struct fgw_text *t, const char *label, const json_t *list,
			  const char *none)
{
	const json_t *v;
	size_t i;

	if (json_array_size(list) == 0)
		fgw_text_printf(t, "      %-19s : %s\n", label, none);
	json_array_foreach(list, i, v)
		fgw_text_printf(t, "      %-19s %s %s\n", i == 0 ? label : "", i == 0 ? ":" : " ",
				json_string_value(v) ?: "");
}

void fgw_render_crypto_ikev2_policy(const json_t *j, struct fgw_text *t)
{
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(j, "policies"), i, p) {
		fgw_text_printf(t, "\n IKEv2 policy : %s\n", fgw_json_str(p, "name"));
		fgw_text_printf(t, "      %-19s : %s\n", "Match fvrf", fgw_json_str(p, "match_fvrf"));
		render_column(t, "Match address local", json_object_get(p, "match_address_local"),
			      "any");
		render_column(t, "Proposal", json_object_get(p, "proposals"), "none");
	}
}
