/* show crypto ikev2 stats: IOS's "Crypto IKEv2 SA Statistics" (SA counts
 * by direction, the limits) and then what flexgw counts beyond it: the
 * engine's packet and exchange counters and every failure by reason, so
 * a refused peer shows up here as well as in the log. */
#include "api/commands.h"

#include <string.h>

#include "controlplane/ikev2/ike_sa.h"

struct sa_counts {
	unsigned total, active, negotiating;
};

static json_t *counts_json(const struct sa_counts *n)
{
	return json_pack("{s:I, s:I, s:I}", "total", (json_int_t)n->total,
			 "active", (json_int_t)n->active, "negotiating", (json_int_t)n->negotiating);
}

static json_t *failures_json(const struct fgw_ike_stats *s)
{
	json_t *o = json_object();

	for (unsigned f = 0; o != NULL && f < FGW_IKE_FAIL_MAX; f++)
		if (json_object_set_new(o, fgw_ike_failure_name(f),
					fgw_json_u64_new(s ? s->failures[f] : 0)) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

#define STAT(name) #name, fgw_json_u64_new(s != NULL ? s->name : 0)

json_t *fgw_show_crypto_ikev2_stats(struct fgw_cmd_ctx *x)
{
	const struct fgw_ike *ike = x->c->ike;
	const struct fgw_ikev2_cfg *cfg = &x->c->cfg->ikev2;
	const struct fgw_ike_stats *s = ike != NULL ? &ike->stats : NULL;
	struct sa_counts in = { 0 }, out = { 0 };
	const struct fgw_ike_sa *sa;
	json_t *j;

	if (ike != NULL)
		TAILQ_FOREACH(sa, &ike->sas, link) {
			struct sa_counts *n = sa->initiator ? &out : &in;

			if (sa->state == FGW_IKE_ST_DEAD)
				continue;	/* gone, waiting to be freed */
			n->total++;
			n->active += sa->state == FGW_IKE_ST_ESTABLISHED;
			n->negotiating += sa->state < FGW_IKE_ST_ESTABLISHED;
		}
	j = json_pack("{s:b, s:I, s:I, s:I, s:o, s:o,"
		      " s:{s:o, s:o, s:o, s:o, s:o, s:o},"
		      " s:{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o},"
		      " s:o}",
		      "running", ike != NULL,
		      "max_sa", (json_int_t)cfg->limits.max_sa,
		      "max_in_negotiation", (json_int_t)cfg->limits.max_in_negotiation_sa,
		      "cookie_threshold", (json_int_t)cfg->cookie_challenge,
		      "incoming", counts_json(&in), "outgoing", counts_json(&out),
		      "packets", STAT(rx_packets), STAT(tx_packets), STAT(rx_dropped),
		      STAT(rx_invalid_spi), STAT(retransmits), STAT(dup_requests),
		      "events", STAT(sa_initiated), STAT(sa_responded), STAT(sa_established),
		      STAT(sa_deleted), STAT(ike_rekeyed), STAT(child_created), STAT(child_deleted),
		      STAT(child_rekeyed), STAT(dpd_sent), STAT(dpd_dead), STAT(cookies_sent),
		      STAT(nat_keepalives_sent), STAT(nat_keepalives_rx), STAT(dup_identity),
		      "failures", failures_json(s));
	return j != NULL ? j : fgw_cmd_nomem(x);
}

static uint64_t u(const json_t *j, const char *obj, const char *key)
{
	return fgw_json_u64(json_object_get(j, obj), key);
}

void fgw_render_crypto_ikev2_stats(const json_t *j, struct fgw_text *t)
{
	static const char rule[] =
		"--------------------------------------------------------------------------------\n";
	const json_t *in = json_object_get(j, "incoming"), *out = json_object_get(j, "outgoing");
	const json_t *fails = json_object_get(j, "failures");
	size_t width = 0;
	const json_t *v;

	fgw_text_printf(t, "%s%*s\n%s", rule, 48, "Crypto IKEv2 SA Statistics", rule);
	fgw_text_printf(t, "Total IKEv2 SA Count: %-6" PRIu64 " Local in negotiation: %-6" PRIu64
			" Remote in negotiation: %" PRIu64 "\n",
			fgw_json_u64(in, "total") + fgw_json_u64(out, "total"),
			fgw_json_u64(out, "negotiating"), fgw_json_u64(in, "negotiating"));
	fgw_text_printf(t, "Max IKEv2 SAs: %-10" PRIu64 " Max in-negotiation: %-10" PRIu64
			" Cookie threshold: %" PRIu64 "\n", fgw_json_u64(j, "max_sa"),
			fgw_json_u64(j, "max_in_negotiation"), fgw_json_u64(j, "cookie_threshold"));
	fgw_text_printf(t, "Total incoming IKEv2 SA Count: %-6" PRIu64 " active: %-6" PRIu64
			" negotiating: %" PRIu64 "\n", fgw_json_u64(in, "total"),
			fgw_json_u64(in, "active"), fgw_json_u64(in, "negotiating"));
	fgw_text_printf(t, "Total outgoing IKEv2 SA Count: %-6" PRIu64 " active: %-6" PRIu64
			" negotiating: %" PRIu64 "\n", fgw_json_u64(out, "total"),
			fgw_json_u64(out, "active"), fgw_json_u64(out, "negotiating"));
	fgw_text_printf(t, "IKEv2 packets received: %" PRIu64 ", sent: %" PRIu64
			", dropped at dispatch: %" PRIu64 " (unknown SPI: %" PRIu64 ")\n",
			u(j, "packets", "rx_packets"), u(j, "packets", "tx_packets"),
			u(j, "packets", "rx_dropped"), u(j, "packets", "rx_invalid_spi"));
	fgw_text_printf(t, "Requests retransmitted: %" PRIu64 ", duplicate requests answered: %"
			PRIu64 ", cookie challenges sent: %" PRIu64 "\n",
			u(j, "packets", "retransmits"), u(j, "packets", "dup_requests"),
			u(j, "events", "cookies_sent"));
	fgw_text_printf(t, "IKE SAs initiated: %" PRIu64 ", responded: %" PRIu64 ", established: %"
			PRIu64 ", deleted: %" PRIu64 ", rekeyed: %" PRIu64 "\n",
			u(j, "events", "sa_initiated"), u(j, "events", "sa_responded"),
			u(j, "events", "sa_established"), u(j, "events", "sa_deleted"),
			u(j, "events", "ike_rekeyed"));
	fgw_text_printf(t, "CHILD SAs created: %" PRIu64 ", deleted: %" PRIu64 ", rekeyed: %" PRIu64
			"\n", u(j, "events", "child_created"), u(j, "events", "child_deleted"),
			u(j, "events", "child_rekeyed"));
	fgw_text_printf(t, "DPD requests sent: %" PRIu64 ", peers declared dead: %" PRIu64 "\n",
			u(j, "events", "dpd_sent"), u(j, "events", "dpd_dead"));
	fgw_text_printf(t, "IKE SAs replaced by a duplicate identity: %" PRIu64 "\n",
			u(j, "events", "dup_identity"));
	fgw_text_printf(t, "NAT keepalives sent: %" PRIu64 ", received: %" PRIu64 "\n",
			u(j, "events", "nat_keepalives_sent"), u(j, "events", "nat_keepalives_rx"));
	if (!json_is_true(json_object_get(j, "running")))
		fgw_text_printf(t, "IKEv2 is not running\n");

	fgw_text_printf(t, "\nNegotiation failures:\n");
	for (unsigned f = 0; f < FGW_IKE_FAIL_MAX; f++)
		if (strlen(fgw_ike_failure_text(f)) > width)
			width = strlen(fgw_ike_failure_text(f));
	/* In the engine's order, by the text an operator reads in the log. */
	for (unsigned f = 0; f < FGW_IKE_FAIL_MAX; f++) {
		v = json_object_get(fails, fgw_ike_failure_name(f));
		fgw_text_printf(t, "  %-*s %" JSON_INTEGER_FORMAT "\n", (int)width,
				fgw_ike_failure_text(f), json_integer_value(v));
	}
}
