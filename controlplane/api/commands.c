/* The command table and IOS-style matching.
 *
 * Each word of a request may be any unique prefix of a keyword, ignoring
 * case ("sh ip ro" is "show ip route"); a word that is a whole keyword wins
 * over longer keywords it also starts ("ip" is not ambiguous with "ipv6").
 * "--json" may appear anywhere. A trailing "?" lists the commands that
 * start with the words before it; "help" lists them all. The errors read
 * as IOS prints them, so an operator's eyes and scripts know them. */
#include "api/commands.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static json_t *help_build(struct fgw_cmd_ctx *x);
static void help_render(const json_t *j, struct fgw_text *t);

static const struct fgw_cmd commands[] = {
	{ "show version", NULL, fgw_show_version, fgw_render_version,
	  "Software versions, uptime and lcores" },
	{ "show interfaces", "[NAME]", fgw_show_interfaces, fgw_render_interfaces,
	  "Interface status, addresses and counters" },
	{ "show interfaces virtual-access", "[N]", fgw_show_interfaces_virtual_access,
	  fgw_render_interfaces_virtual_access, "FlexVPN per-peer virtual-access interfaces" },
	{ "show ip interface brief", NULL, fgw_show_ip_interface_brief,
	  fgw_render_ip_interface_brief, "IPv4 address and state of every interface" },
	{ "show ipv6 interface brief", NULL, fgw_show_ipv6_interface_brief,
	  fgw_render_ipv6_interface_brief, "IPv6 addresses and state of every interface" },
	{ "show ip route", NULL, fgw_show_ip_route, fgw_render_ip_route,
	  "IPv4 routing table" },
	{ "show ipv6 route", NULL, fgw_show_ipv6_route, fgw_render_ipv6_route,
	  "IPv6 routing table" },
	{ "show arp", NULL, fgw_show_arp, fgw_render_arp, "ARP table" },
	{ "show ip arp", NULL, fgw_show_arp, fgw_render_arp, "ARP table" },
	{ "show ipv6 neighbors", NULL, fgw_show_ipv6_neighbors, fgw_render_ipv6_neighbors,
	  "IPv6 neighbour cache" },
	{ "show dataplane stats", NULL, fgw_show_dataplane_stats, fgw_render_dataplane_stats,
	  "Per-worker packet, punt and drop counters" },
	{ "show ip local pool", "[NAME]", fgw_show_ip_local_pool, fgw_render_ip_local_pool,
	  "FlexVPN address pools: addresses lent, free, refused" },
	{ "show crypto session", NULL, fgw_show_crypto_session, fgw_render_crypto_session,
	  "Crypto sessions: interface, peer, IKE SA and IPsec flows" },
	{ "show crypto session detail", NULL, fgw_show_crypto_session,
	  fgw_render_crypto_session_detail, "Crypto sessions with identities, addresses, counters" },
	{ "show crypto ipsec sa", NULL, fgw_show_crypto_ipsec_sa, fgw_render_crypto_ipsec_sa,
	  "Tunnel interfaces and their IPsec SAs with counters" },
	{ "show crypto ipsec sa detail", NULL, fgw_show_crypto_ipsec_sa,
	  fgw_render_crypto_ipsec_sa_detail, "The same with each SA's drops by reason" },
	{ "show crypto ikev2 proposal", "[NAME]", fgw_show_crypto_ikev2_proposal,
	  fgw_render_crypto_ikev2_proposal, "IKEv2 proposals, smart default included" },
	{ "show crypto ikev2 policy", "[NAME]", fgw_show_crypto_ikev2_policy,
	  fgw_render_crypto_ikev2_policy, "IKEv2 policies, smart default included" },
	{ "show crypto ikev2 profile", "[NAME]", fgw_show_crypto_ikev2_profile,
	  fgw_render_crypto_ikev2_profile, "IKEv2 profiles" },
	{ "show crypto ikev2 sa", NULL, fgw_show_crypto_ikev2_sa, fgw_render_crypto_ikev2_sa,
	  "IKE SAs" },
	{ "show crypto ikev2 sa detailed", NULL, fgw_show_crypto_ikev2_sa,
	  fgw_render_crypto_ikev2_sa_detailed, "IKE SAs with SPIs, identities, message ids" },
	{ "show crypto ikev2 session", NULL, fgw_show_crypto_ikev2_session,
	  fgw_render_crypto_ikev2_session, "IKE SAs with their CHILD SAs" },
	{ "show crypto ikev2 session detailed", NULL, fgw_show_crypto_ikev2_session,
	  fgw_render_crypto_ikev2_session_detailed, "IKE and CHILD SAs in detail" },
	{ "show crypto ikev2 stats", NULL, fgw_show_crypto_ikev2_stats,
	  fgw_render_crypto_ikev2_stats, "IKEv2 SA counts, limits, exchange and failure counters" },
	{ "clear crypto ikev2 sa", NULL, fgw_clear_crypto_ikev2_sa, NULL,
	  "Delete every IKE SA (DELETE to the peer); tunnels come back up" },
	{ "clear crypto ikev2 sa remote", "ADDR", fgw_clear_crypto_ikev2_sa_remote, NULL,
	  "Delete the IKE SAs with this peer" },
	{ "crypto ikev2 rekey", NULL, fgw_crypto_ikev2_rekey, NULL,
	  "Rekey every IKE SA now (CHILD SAs move to the new one)" },
	{ "debug crypto ikev2", NULL, fgw_debug_crypto_ikev2, fgw_render_debug_crypto_ikev2,
	  "Log every IKEv2 message with its payloads (never keys)" },
	{ "no debug crypto ikev2", NULL, fgw_no_debug_crypto_ikev2, fgw_render_debug_crypto_ikev2,
	  "Stop logging IKEv2 messages" },
	{ "clear counters", NULL, fgw_clear_counters, NULL,
	  "Zero the counters flexctl shows, tunnels and SAs included (telemetry keeps counting)" },
	{ "crypto ipsec rekey install", "TUNNEL", fgw_crypto_ipsec_rekey_install, NULL,
	  "Manual SAs: add the inbound SA of the other key set (manual_sa.rekey)" },
	{ "crypto ipsec rekey switch", "TUNNEL", fgw_crypto_ipsec_rekey_switch, NULL,
	  "Manual SAs: send on the other key set's outbound SA" },
	{ "crypto ipsec rekey finish", "TUNNEL", fgw_crypto_ipsec_rekey_finish, NULL,
	  "Manual SAs: remove the inbound SA of the key set no longer sent on" },
	{ "help", NULL, help_build, help_render, "List commands" },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

#define MAX_WORDS 32

struct words {
	unsigned n;
	const char *w[MAX_WORDS];
	unsigned col[MAX_WORDS];	/* where each word starts in the request */
};

/* Keyword i of a command, copied out of its words string. */
static bool keyword(const struct fgw_cmd *cmd, unsigned i, char *buf, size_t len)
{
	const char *p = cmd->words;

	for (;;) {
		size_t n = strcspn(p, " ");

		if (i-- == 0) {
			if (n == 0 || n >= len)
				return false;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return true;
		}
		if (p[n] == '\0')
			return false;
		p += n + 1;
	}
}

static unsigned n_keywords(const struct fgw_cmd *cmd)
{
	unsigned n = 1;

	for (const char *p = cmd->words; *p != '\0'; p++)
		n += *p == ' ';
	return n;
}

static bool starts_with(const char *kw, const char *w)
{
	return strncasecmp(kw, w, strlen(w)) == 0;
}

/* How many leading characters of w some candidate's keyword i accepts:
 * where IOS puts its caret. */
static size_t matched_chars(const bool *cand, unsigned i, const char *w)
{
	size_t best = 0;
	char kw[64];

	for (unsigned k = 0; k < N_COMMANDS; k++) {
		size_t n = 0;

		if (!cand[k] || !keyword(&commands[k], i, kw, sizeof(kw)))
			continue;
		while (kw[n] != '\0' && w[n] != '\0' && tolower((unsigned char)kw[n]) ==
		       tolower((unsigned char)w[n]))
			n++;
		if (n > best)
			best = n;
	}
	return best;
}

/* The request echoed (control characters as '?', tabs as the spaces they
 * separate) with a caret under column col. */
static void invalid_input(const char *line, unsigned col, struct fgw_text *out)
{
	for (const char *p = line; *p != '\0'; p++)
		fgw_text_printf(out, "%c", *p == '\t' ? ' ' : iscntrl((unsigned char)*p) ? '?' : *p);
	fgw_text_printf(out, "\n%*s^\n%% Invalid input detected at '^' marker.\n", (int)col, "");
}

static bool arg_required(const struct fgw_cmd *cmd)
{
	return cmd->arg != NULL && cmd->arg[0] != '[';
}

/* The commands whose words start with the request's, for "?" and help. */
static json_t *command_list(const bool *cand)
{
	json_t *list = json_array();

	if (list == NULL)
		return NULL;
	for (unsigned k = 0; k < N_COMMANDS; k++) {
		char usage[128];

		if (!cand[k])
			continue;
		snprintf(usage, sizeof(usage), "%s%s%s", commands[k].words,
			 commands[k].arg != NULL ? " " : "",
			 commands[k].arg != NULL ? commands[k].arg : "");
		if (json_array_append_new(list, json_pack("{s:s, s:s}", "command", usage,
							  "help", commands[k].help)) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static json_t *help_build(struct fgw_cmd_ctx *x)
{
	bool all[N_COMMANDS];
	json_t *j;

	for (unsigned k = 0; k < N_COMMANDS; k++)
		all[k] = true;
	j = json_pack("{s:o}", "commands", command_list(all));
	return j != NULL ? j : fgw_cmd_nomem(x);
}

static void help_render(const json_t *j, struct fgw_text *t)
{
	const json_t *cmds = json_object_get(j, "commands");
	size_t width = 0, i;
	json_t *e;

	json_array_foreach(cmds, i, e)
		if (strlen(fgw_json_str(e, "command")) > width)
			width = strlen(fgw_json_str(e, "command"));
	json_array_foreach(cmds, i, e)
		fgw_text_printf(t, "  %-*s  %s\n", (int)width, fgw_json_str(e, "command"),
				fgw_json_str(e, "help"));
	fgw_text_printf(t, "Every show command takes --json.\n");
}

static bool split(char *buf, struct words *ws, bool *json, struct fgw_text *out,
		  const char *line)
{
	char *save = NULL;

	ws->n = 0;
	for (char *w = strtok_r(buf, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (strcmp(w, "--json") == 0) {
			*json = true;
			continue;
		}
		if (ws->n == MAX_WORDS) {
			invalid_input(line, (unsigned)(w - buf), out);
			return false;
		}
		ws->col[ws->n] = (unsigned)(w - buf);
		ws->w[ws->n++] = w;
	}
	return true;
}

/* Prints j as JSON or through its renderer; takes j. */
static void emit(json_t *j, bool as_json, void (*render)(const json_t *, struct fgw_text *),
		 struct fgw_text *out)
{
	if (as_json) {
		char *s = json_dumps(j, JSON_INDENT(2));

		if (s == NULL)
			out->failed = true;
		else
			fgw_text_printf(out, "%s\n", s);
		free(s);
	} else if (render != NULL) {
		render(j, out);
	}
	json_decref(j);
}

static bool run(const struct fgw_cmd *cmd, struct fgw_cmd_ctx *x, bool as_json,
		struct fgw_text *out)
{
	json_t *j = cmd->build(x);

	if (j == NULL) {
		fgw_text_printf(out, "%s\n", x->err[0] != '\0' ? x->err : "% Command failed");
		return false;
	}
	emit(j, as_json, cmd->render, out);
	return true;
}

/* Narrows the candidates to those whose keyword i the word selects.
 * Returns false, with the error printed, when none or several do. */
static bool match_word(bool *cand, unsigned i, const struct words *ws, const char *line,
		       struct fgw_text *out)
{
	const char *w = ws->w[i];
	bool exact = false, several = false;
	char kw[64], first[64] = "";

	for (unsigned k = 0; k < N_COMMANDS; k++) {
		if (!cand[k] || !keyword(&commands[k], i, kw, sizeof(kw)) || !starts_with(kw, w))
			continue;
		exact |= strcasecmp(kw, w) == 0;
		if (first[0] == '\0')
			memcpy(first, kw, sizeof(first));
		else if (strcasecmp(kw, first) != 0)
			several = true;
	}
	if (first[0] == '\0') {
		invalid_input(line, ws->col[i] + (unsigned)matched_chars(cand, i, w), out);
		return false;
	}
	if (several && !exact) {
		fgw_text_printf(out, "%% Ambiguous command: \"%.*s\"\n",
				(int)(ws->col[i] + strlen(w)), line);
		return false;
	}
	for (unsigned k = 0; k < N_COMMANDS; k++)
		if (cand[k])
			cand[k] = keyword(&commands[k], i, kw, sizeof(kw)) &&
				  (exact ? strcasecmp(kw, w) == 0 : starts_with(kw, w));
	return true;
}

static bool list_candidates(const bool *cand, bool as_json, struct fgw_text *out)
{
	json_t *j = json_pack("{s:o}", "commands", command_list(cand));

	if (j == NULL) {
		out->failed = true;
		return false;
	}
	emit(j, as_json, help_render, out);
	return true;
}

static bool takes_keyword(const bool *cand, unsigned i, const char *w)
{
	char kw[64];

	for (unsigned k = 0; k < N_COMMANDS; k++)
		if (cand[k] && keyword(&commands[k], i, kw, sizeof(kw)) && starts_with(kw, w))
			return true;
	return false;
}

/* The candidate that ends after n keywords and takes an argument. */
static const struct fgw_cmd *takes_arg(const bool *cand, unsigned n)
{
	for (unsigned k = 0; k < N_COMMANDS; k++)
		if (cand[k] && n_keywords(&commands[k]) == n && commands[k].arg != NULL)
			return &commands[k];
	return NULL;
}

static const struct fgw_cmd *complete(const bool *cand, unsigned n)
{
	for (unsigned k = 0; k < N_COMMANDS; k++)
		if (cand[k] && n_keywords(&commands[k]) == n)
			return &commands[k];
	return NULL;
}

bool fgw_cmd_run(struct fgw_control *c, struct fgw_counters_baseline *b, const char *line,
		 struct fgw_text *out)
{
	struct fgw_cmd_ctx x = { .c = c, .baseline = b };
	bool cand[N_COMMANDS], as_json = false, ok = false;
	const struct fgw_cmd *cmd = NULL;
	struct words ws;
	char *buf;

	buf = strdup(line);
	if (buf == NULL) {
		out->failed = true;
		goto done;
	}
	if (!split(buf, &ws, &as_json, out, line))
		goto done;
	for (unsigned k = 0; k < N_COMMANDS; k++)
		cand[k] = true;

	for (unsigned i = 0; i < ws.n && cmd == NULL; i++) {
		if (strcmp(ws.w[i], "?") == 0 && i + 1 == ws.n) {
			ok = list_candidates(cand, as_json, out);
			goto done;
		}
		/* A word no keyword takes may be the argument of a command that
		 * ends here; keywords come first, as in IOS. */
		if (!takes_keyword(cand, i, ws.w[i]) && (cmd = takes_arg(cand, i)) != NULL) {
			if (i + 1 < ws.n) {
				invalid_input(line, ws.col[i + 1], out);
				goto done;
			}
			x.arg = ws.w[i];
		} else if (!match_word(cand, i, &ws, line, out)) {
			goto done;
		}
	}
	if (cmd == NULL)
		cmd = complete(cand, ws.n);
	if (ws.n == 0 || cmd == NULL || (x.arg == NULL && arg_required(cmd))) {
		fgw_text_printf(out, "%% Incomplete command.\n");
		goto done;
	}
	ok = run(cmd, &x, as_json, out);
done:
	free(buf);
	if (out->failed) {
		/* Whatever was built is incomplete: say so instead. */
		out->len = 0;
		out->failed = false;
		fgw_text_printf(out, "%% Out of memory building the reply\n");
		ok = false;
	}
	return ok;
}
