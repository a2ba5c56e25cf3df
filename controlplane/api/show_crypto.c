/* show crypto ipsec sa: every tunnel interface with its SAs, in the shape
 * of IOS (interface, local and remote ident, #pkts, then the inbound and
 * outbound ESP SAs). #pkts and the send and receive errors are the
 * interface's, which go on across rekeys as IOS's do; each SA has its own
 * counters, drops by reason; keys are never read here. */
#include "api/commands.h"

#include <string.h>

#include "common/sa.h"
#include "controlplane/ikev2/ike_sa.h"
#include "dataplane/tunnel.h"

static json_t *drops_json(const struct fgw_sa_stats *st)
{
	json_t *o = json_object();

	for (unsigned r = 1; o != NULL && r < FGW_SA_DROP_MAX; r++)
		json_object_set_new(o, fgw_sa_drop_name(r), fgw_json_u64_new(st->drop[r]));
	return o;
}

/* What is left of a hard limit (0: none, JSON null) after `used`. The
 * limits count from the SA's start, not from a "clear counters". */
static json_t *left_json(uint64_t hard, uint64_t used, uint64_t unit)
{
	if (hard == 0)
		return json_null();
	return fgw_json_u64_new(used < hard ? (hard - used) / unit : 0);
}

/* Seconds left of the lifetime of the CHILD SA that installed sa, as
 * show crypto session's flows give it (JSON null: a manual SA has none). */
static json_t *seconds_left_json(const struct fgw_control *c, const struct fgw_sa *sa)
{
	const struct fgw_ike_sa *ike;
	const struct fgw_ike_child *ch;

	if (c->ike == NULL)
		return json_null();
	TAILQ_FOREACH(ike, &c->ike->sas, link)
		TAILQ_FOREACH(ch, &ike->children, link) {
			uint64_t age;

			if ((ch->sa_in != sa && ch->sa_out != sa) || ch->lifetime_s == 0)
				continue;
			age = fgw_cmd_seconds_since(ch->created);
			return fgw_json_u64_new(ch->lifetime_s > age ? ch->lifetime_s - age : 0);
		}
	return json_null();
}

/* What the workers marked: "hard" (a lifetime, or the sequence numbers,
 * ran out: the SA drops), "soft", or null. */
static json_t *expired_json(const struct fgw_sa *sa)
{
	uint32_t state = __atomic_load_n(&sa->state, __ATOMIC_RELAXED);

	if (state & (FGW_SA_HARD_EXPIRED | FGW_SA_SEQ_EXHAUSTED))
		return json_string("hard");
	return state & FGW_SA_SOFT_EXPIRED ? json_string("soft") : json_null();
}

/* Counters since the last "clear counters" (fgw_sa_counters). */
static json_t *sa_json(const struct fgw_control *c, const struct fgw_sa *sa)
{
	char transform[64];
	struct fgw_sa_stats st;
	uint64_t bytes = __atomic_load_n(&sa->stats.bytes, __ATOMIC_RELAXED);
	uint64_t packets = __atomic_load_n(&sa->stats.packets, __ATOMIC_RELAXED);

	fgw_sa_counters(sa, &st);

	snprintf(transform, sizeof(transform), "%s%s%s", fgw_cipher_name(sa->cipher),
		 sa->integ ? " " : "", sa->integ ? fgw_integ_name(sa->integ) : "");
	return json_pack("{s:I, s:s, s:s, s:b, s:o, s:o, s:i, s:b, s:o, s:o, s:o, s:o, s:o}",
			 "spi", (json_int_t)sa->spi,
			 "transform", transform,
			 "mode", sa->mode == FGW_SA_TUNNEL ? "tunnel" : "transport",
			 "natt", sa->natt_dport != 0,
			 "packets", fgw_json_u64_new(st.packets),
			 "bytes", fgw_json_u64_new(st.bytes),
			 "replay_window", (json_int_t)fgw_sa_replay_window(sa),
			 "esn", (sa->flags & FGW_SA_F_ESN) != 0,
			 "lifetime_kb_left", left_json(sa->life.hard_bytes, bytes, 1024),
			 "lifetime_packets_left", left_json(sa->life.hard_packets, packets, 1),
			 "lifetime_seconds_left", seconds_left_json(c, sa),
			 "expired", expired_json(sa),
			 "drops", drops_json(&st));
}

static json_t *tunnel_json(const struct fgw_control *c, uint32_t ifindex)
{
	const struct fgw_dp *dp = c->dp;
	struct fgw_sa *out = fgw_tunnel_sa_out_get(dp, ifindex);
	json_t *in_list = json_array(), *out_list = json_array();
	char local[FGW_ADDR_STRLEN] = "", remote[FGW_ADDR_STRLEN] = "";
	struct fgw_sa *const *in;
	struct fgw_addr src, dst;
	struct fgw_tunnel_counters tc;
	uint64_t send, recv;
	unsigned n_in;

	if (in_list == NULL || out_list == NULL) {
		json_decref(in_list);
		json_decref(out_list);
		return NULL;
	}
	/* the tunnel's endpoints, which are the idents also while it has
	 * no SA (IKE still negotiating) */
	if (fgw_tunnel_endpoints(dp, ifindex, &src, &dst) == 0) {
		fgw_addr_str(&src, local, sizeof(local));
		fgw_addr_str(&dst, remote, sizeof(remote));
	}
	/* its own list: a walk of every SA slot for each tunnel took
	 * tunnels x max_sas steps (32,768 x 65,536) */
	in = fgw_tunnel_sa_in_list(dp, ifindex, &n_in);
	for (unsigned i = 0; i < n_in; i++) {
		json_array_append_new(in_list, sa_json(c, in[i]));
		fgw_addr_str(&in[i]->dst, local, sizeof(local));
		fgw_addr_str(&in[i]->src, remote, sizeof(remote));
	}
	if (out != NULL) {
		json_array_append_new(out_list, sa_json(c, out));
		fgw_addr_str(&out->src, local, sizeof(local));
		fgw_addr_str(&out->dst, remote, sizeof(remote));
	}
	fgw_tunnel_counters_sum(dp, ifindex, &tc);
	/* IOS's #send errors: what went into the tunnel and was not sent,
	 * the outbound SA's drops among them; #recv errors: what arrived
	 * for it and was dropped, by its inbound SAs (replay, integrity...)
	 * or once decrypted. errors: the two together. */
	send = tc.tx_drops;
	recv = tc.rx_sa_drops + tc.rx_drops;
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "interface", dp->ifs[ifindex].name,
			 "local", local, "remote", remote,
			 "pkts_encaps", fgw_json_u64_new(tc.tx_packets),
			 "pkts_decaps", fgw_json_u64_new(tc.rx_packets),
			 "send_errors", fgw_json_u64_new(send),
			 "recv_errors", fgw_json_u64_new(recv),
			 "errors", fgw_json_u64_new(send + recv),
			 "inbound", in_list, "outbound", out_list,
			 "status", json_string(dp->ifs[ifindex].up ? "up" : "down"));
}

json_t *fgw_show_crypto_ipsec_sa(struct fgw_cmd_ctx *x)
{
	const struct fgw_dp *dp = x->c->dp;
	json_t *list = json_array();

	if (list == NULL)
		return fgw_cmd_nomem(x);
	for (unsigned i = 0; i < dp->n_ifs; i++) {
		json_t *t;

		if (dp->ifs[i].kind != FGW_IF_TUNNEL)
			continue;
		t = tunnel_json(x->c, (uint32_t)i);
		if (t == NULL || json_array_append_new(list, t) != 0) {
			json_decref(list);
			return fgw_cmd_nomem(x);
		}
	}
	return json_pack("{s:o}", "interfaces", list);
}

/* IOS's "(k/sec)": what is left of each limit; a manual SA's limits are
 * volumes only, "(k/packets)" for it. */
static void render_left(const json_t *sa, struct fgw_text *t)
{
	const json_t *kb = json_object_get(sa, "lifetime_kb_left");
	const json_t *pk = json_object_get(sa, "lifetime_packets_left");
	const json_t *sec = json_object_get(sa, "lifetime_seconds_left");
	char a[24] = "unlimited", b[24] = "unlimited";

	if (json_is_integer(kb))
		snprintf(a, sizeof(a), "%" PRIu64, fgw_json_u64(sa, "lifetime_kb_left"));
	if (json_is_integer(sec)) {
		fgw_text_printf(t, "        sa timing: remaining key lifetime (k/sec): (%s/%" PRIu64
				")\n", a, fgw_json_u64(sa, "lifetime_seconds_left"));
		return;
	}
	if (json_is_integer(pk))
		snprintf(b, sizeof(b), "%" PRIu64, fgw_json_u64(sa, "lifetime_packets_left"));
	fgw_text_printf(t, "        sa timing: remaining key lifetime (k/packets): (%s/%s)\n",
			a, b);
}

/* detail: each reason the SA dropped packets for, by its name in `show
 * dataplane stats` less the ESP_ (REPLAY, AUTH...), as IOS's detail view
 * counts replay and verify failures. */
static void render_drops(const json_t *sa, struct fgw_text *t)
{
	const json_t *d = json_object_get(sa, "drops");
	const char *key;
	const json_t *v;
	const char *sep = "";

	fgw_text_printf(t, "        #pkts dropped:");
	json_object_foreach((json_t *)d, key, v) {
		if (json_integer_value(v) <= 0)
			continue;
		fgw_text_printf(t, "%s %s %" PRIu64, sep, key, fgw_json_u64(d, key));
		sep = ",";
	}
	fgw_text_printf(t, "%s\n", sep[0] ? "" : " 0");
}

static void render_sas(const json_t *list, bool inbound, bool natt, bool detail,
		       struct fgw_text *t)
{
	size_t i;
	const json_t *sa;

	json_array_foreach(list, i, sa) {
		uint64_t spi = fgw_json_u64(sa, "spi");

		fgw_text_printf(t, "      spi: 0x%" PRIX64 "(%" PRIu64 ")\n", spi, spi);
		fgw_text_printf(t, "        transform: %s ,\n", fgw_json_str(sa, "transform"));
		fgw_text_printf(t, "        in use settings ={%s%s, }\n",
				strcmp(fgw_json_str(sa, "mode"), "tunnel") == 0 ?
				"Tunnel" : "Transport", natt ? " UDP-Encaps" : "");
		fgw_text_printf(t, "        #pkts %" PRIu64 ", #bytes %" PRIu64 "\n",
				fgw_json_u64(sa, "packets"), fgw_json_u64(sa, "bytes"));
		if (detail)
			render_drops(sa, t);
		render_left(sa, t);
		/* an inbound SA without a window says so, as IOS does */
		if (fgw_json_u64(sa, "replay_window"))
			fgw_text_printf(t, "        replay detection support: Y  replay window "
					"size: %" PRIu64 "\n", fgw_json_u64(sa, "replay_window"));
		else if (inbound)
			fgw_text_printf(t, "        replay detection support: N\n");
		fgw_text_printf(t, "        Status: %s\n\n",
				json_is_string(json_object_get(sa, "expired")) &&
				strcmp(fgw_json_str(sa, "expired"), "hard") == 0 ?
				"EXPIRED(EXPIRED)" : "ACTIVE(ACTIVE)");
	}
}

static void render(const json_t *j, bool detail, struct fgw_text *t)
{
	const json_t *list = json_object_get(j, "interfaces");
	const json_t *ifc;
	size_t i;

	json_array_foreach(list, i, ifc) {
		const json_t *in = json_object_get(ifc, "inbound");
		const json_t *out = json_object_get(ifc, "outbound");
		/* the interface's, as the JSON's pkts_encaps: the current SAs'
		 * packets alone started again at every rekey (check19) */
		uint64_t enc = fgw_json_u64(ifc, "pkts_encaps"), dec = fgw_json_u64(ifc, "pkts_decaps");
		bool natt = false;
		size_t k;
		const json_t *sa;

		/* UDP-Encaps for the tunnel as a whole: inbound SAs take ESP in
		 * UDP and plain ESP alike, the outbound one picks */
		json_array_foreach(out, k, sa)
			natt |= json_is_true(json_object_get(sa, "natt"));
		fgw_text_printf(t, "\ninterface: %s\n", fgw_json_str(ifc, "interface"));
		fgw_text_printf(t, "    local  ident (addr): %s\n", fgw_json_str(ifc, "local"));
		fgw_text_printf(t, "    remote ident (addr): %s\n", fgw_json_str(ifc, "remote"));
		fgw_text_printf(t, "     #pkts encaps: %" PRIu64 ", #pkts encrypt: %" PRIu64 "\n",
				enc, enc);
		fgw_text_printf(t, "     #pkts decaps: %" PRIu64 ", #pkts decrypt: %" PRIu64 "\n",
				dec, dec);
		fgw_text_printf(t, "     #send errors %" PRIu64 ", #recv errors %" PRIu64 "\n\n",
				fgw_json_u64(ifc, "send_errors"), fgw_json_u64(ifc, "recv_errors"));
		/* IOS's lines for the endpoints and the SPI sent on; the idents
		 * above alone left an IOS reader looking for them (check19) */
		fgw_text_printf(t, "     local crypto endpt.: %s, remote crypto endpt.: %s\n",
				fgw_json_str(ifc, "local"), fgw_json_str(ifc, "remote"));
		sa = json_array_get(out, 0);
		if (sa != NULL)
			fgw_text_printf(t, "     current outbound spi: 0x%" PRIX64 "(%" PRIu64 ")\n",
					fgw_json_u64(sa, "spi"), fgw_json_u64(sa, "spi"));
		fgw_text_printf(t, "\n     inbound esp sas:\n");
		render_sas(in, true, natt, detail, t);
		fgw_text_printf(t, "     outbound esp sas:\n");
		render_sas(out, false, natt, detail, t);
	}
}

void fgw_render_crypto_ipsec_sa(const json_t *j, struct fgw_text *t)
{
	render(j, false, t);
}

void fgw_render_crypto_ipsec_sa_detail(const json_t *j, struct fgw_text *t)
{
	render(j, true, t);
}
