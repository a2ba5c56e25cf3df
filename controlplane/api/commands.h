/* The flexctl command set.
 *
 * One table (commands.c) lists every command as its keywords, an optional
 * argument, a builder and a text renderer. A builder gathers the data into
 * a jansson object; `--json` prints that object, otherwise the renderer
 * prints the IOS-shaped view of the same object, so the two never disagree.
 * Adding a command is one table line plus its builder and renderer. */
#ifndef FGW_API_COMMANDS_H
#define FGW_API_COMMANDS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "api/counters.h"
#include "api/text.h"
#include "controlplane/control.h"

struct fgw_cmd_ctx {
	struct fgw_control *c;
	struct fgw_counters_baseline *baseline;
	const char *arg;		/* the command's argument; NULL when not given */
	char err[256];			/* what to print when the builder fails */
};

struct fgw_cmd {
	const char *words;		/* keywords, one space apart: "show ip route" */
	const char *arg;		/* NULL: none; "NAME": required; "[NAME]": optional */
	json_t *(*build)(struct fgw_cmd_ctx *x);	/* NULL with x->err set on error */
	void (*render)(const json_t *j, struct fgw_text *t);	/* NULL: prints nothing */
	const char *help;
};

/* Runs one request line; out receives exactly what flexctl prints. Returns
 * false when the command failed (out then holds the error message). */
bool fgw_cmd_run(struct fgw_control *c, struct fgw_counters_baseline *b, const char *line,
		 struct fgw_text *out);

/* ---- builders and renderers, one file per topic ----------------------- */

json_t *fgw_show_version(struct fgw_cmd_ctx *x);
void fgw_render_version(const json_t *j, struct fgw_text *t);

json_t *fgw_show_interfaces(struct fgw_cmd_ctx *x);
void fgw_render_interfaces(const json_t *j, struct fgw_text *t);
json_t *fgw_show_ip_interface_brief(struct fgw_cmd_ctx *x);
void fgw_render_ip_interface_brief(const json_t *j, struct fgw_text *t);
json_t *fgw_show_ipv6_interface_brief(struct fgw_cmd_ctx *x);
void fgw_render_ipv6_interface_brief(const json_t *j, struct fgw_text *t);

json_t *fgw_show_interfaces_virtual_access(struct fgw_cmd_ctx *x);
void fgw_render_interfaces_virtual_access(const json_t *j, struct fgw_text *t);

json_t *fgw_show_ip_route(struct fgw_cmd_ctx *x);
void fgw_render_ip_route(const json_t *j, struct fgw_text *t);
json_t *fgw_show_ipv6_route(struct fgw_cmd_ctx *x);
void fgw_render_ipv6_route(const json_t *j, struct fgw_text *t);

json_t *fgw_show_arp(struct fgw_cmd_ctx *x);
void fgw_render_arp(const json_t *j, struct fgw_text *t);
json_t *fgw_show_ipv6_neighbors(struct fgw_cmd_ctx *x);
void fgw_render_ipv6_neighbors(const json_t *j, struct fgw_text *t);

json_t *fgw_show_dataplane_stats(struct fgw_cmd_ctx *x);
void fgw_render_dataplane_stats(const json_t *j, struct fgw_text *t);
json_t *fgw_clear_counters(struct fgw_cmd_ctx *x);

json_t *fgw_crypto_ipsec_rekey_install(struct fgw_cmd_ctx *x);
json_t *fgw_crypto_ipsec_rekey_switch(struct fgw_cmd_ctx *x);
json_t *fgw_crypto_ipsec_rekey_finish(struct fgw_cmd_ctx *x);

json_t *fgw_show_crypto_ipsec_sa(struct fgw_cmd_ctx *x);
void fgw_render_crypto_ipsec_sa(const json_t *j, struct fgw_text *t);
void fgw_render_crypto_ipsec_sa_detail(const json_t *j, struct fgw_text *t);

json_t *fgw_show_crypto_session(struct fgw_cmd_ctx *x);
void fgw_render_crypto_session(const json_t *j, struct fgw_text *t);
void fgw_render_crypto_session_detail(const json_t *j, struct fgw_text *t);
json_t *fgw_show_ip_local_pool(struct fgw_cmd_ctx *x);
void fgw_render_ip_local_pool(const json_t *j, struct fgw_text *t);

json_t *fgw_show_crypto_ikev2_proposal(struct fgw_cmd_ctx *x);
void fgw_render_crypto_ikev2_proposal(const json_t *j, struct fgw_text *t);
json_t *fgw_show_crypto_ikev2_policy(struct fgw_cmd_ctx *x);
void fgw_render_crypto_ikev2_policy(const json_t *j, struct fgw_text *t);
json_t *fgw_show_crypto_ikev2_profile(struct fgw_cmd_ctx *x);
void fgw_render_crypto_ikev2_profile(const json_t *j, struct fgw_text *t);

json_t *fgw_show_crypto_ikev2_sa(struct fgw_cmd_ctx *x);
void fgw_render_crypto_ikev2_sa(const json_t *j, struct fgw_text *t);
void fgw_render_crypto_ikev2_sa_detailed(const json_t *j, struct fgw_text *t);
json_t *fgw_show_crypto_ikev2_session(struct fgw_cmd_ctx *x);
void fgw_render_crypto_ikev2_session(const json_t *j, struct fgw_text *t);
void fgw_render_crypto_ikev2_session_detailed(const json_t *j, struct fgw_text *t);
json_t *fgw_show_crypto_ikev2_stats(struct fgw_cmd_ctx *x);
void fgw_render_crypto_ikev2_stats(const json_t *j, struct fgw_text *t);
json_t *fgw_clear_crypto_ikev2_sa(struct fgw_cmd_ctx *x);
json_t *fgw_clear_crypto_ikev2_sa_remote(struct fgw_cmd_ctx *x);
json_t *fgw_crypto_ikev2_rekey(struct fgw_cmd_ctx *x);
json_t *fgw_debug_crypto_ikev2(struct fgw_cmd_ctx *x);
json_t *fgw_no_debug_crypto_ikev2(struct fgw_cmd_ctx *x);
void fgw_render_debug_crypto_ikev2(const json_t *j, struct fgw_text *t);

/* ---- helpers the builders and renderers share ------------------------- */

/* A builder that ran out of memory. */
static inline json_t *fgw_cmd_nomem(struct fgw_cmd_ctx *x)
{
	snprintf(x->err, sizeof(x->err), "%% Out of memory");
	return NULL;
}

/* Renderers read what their builder wrote; a missing member reads as empty
 * or zero rather than crashing the control lcore. */
static inline const char *fgw_json_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : "";
}

static inline uint64_t fgw_json_u64(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));
	return v > 0 ? (uint64_t)v : 0;
}

static inline json_t *fgw_json_u64_new(uint64_t v)
{
	return json_integer((json_int_t)v);
}

/* Seconds from rte_get_timer_cycles() value then to now (0: never). */
uint64_t fgw_cmd_seconds_since(uint64_t then);
struct fgw_ike_identity;
/* An IKE identity for show: an address, printable text, or hex (key-id). */
json_t *fgw_cmd_ike_identity_json(const struct fgw_ike_identity *id);

/* "01:02:03" for short spans, "3d04h" past a day, as IOS prints ages. */
void fgw_format_duration(uint64_t seconds, char *buf, size_t len);
/* "5254.0012.3456" from "52:54:00:12:34:56", the way IOS prints a MAC. */
const char *fgw_format_mac_ios(const char *mac, char *buf, size_t len);
/* A configuration collection whose elements each start with their
 * char name[] (v, n of size bytes): every object, or only the one x->arg
 * names, as {key: [one(x, object), ...]}; "% No KIND named ARG" when
 * x->arg names none. */
json_t *fgw_cmd_config_list(struct fgw_cmd_ctx *x, const char *key, const char *kind,
			    const void *v, unsigned n, size_t size,
			    json_t *(*one)(const struct fgw_cmd_ctx *x, const void *obj));
/* An interface's name, or "unknown" for an index past the table. */
const char *fgw_cmd_if_name(const struct fgw_control *c, unsigned ifindex);

#endif
