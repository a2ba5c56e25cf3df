/* show dataplane stats and clear counters.
 *
 * Per worker and in total: what arrived, what became of it (forwarded,
 * punted, dropped by reason), so that for every worker
 *     rx == forwarded + punted + dropped - drops.TX_FULL
 * can be checked from the JSON (see dataplane/stats.h). Then per port
 * traffic and the control lcore's own counters. */
#include "api/commands.h"

#include <string.h>

#include <rte_cycles.h>

#include "dataplane/tunnel.h"

static const char *const punt_text[FGW_PUNT_MAX] = {
#define X(n, s) s,
	FGW_PUNT_REASONS(X)
#undef X
};

static json_t *reasons_json(const uint64_t *v, const char *const *names, unsigned n)
{
	json_t *o = json_object();

	for (unsigned r = 0; o != NULL && r < n; r++) {
		if (json_object_set_new(o, names[r], fgw_json_u64_new(v[r])) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

static json_t *worker_json(const struct fgw_worker_stats *s)
{
	uint64_t dropped = 0;

	for (unsigned r = 0; r < FGW_DROP_MAX; r++)
		dropped += s->drop[r];
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
			 " s:o, s:o, s:o}",
			 "rx", fgw_json_u64_new(s->rx),
			 "decrypted", fgw_json_u64_new(s->decrypted),
			 "encrypted", fgw_json_u64_new(s->encrypted),
			 "handoff_in", fgw_json_u64_new(s->handoff_in),
			 "handoff_out", fgw_json_u64_new(s->handoff_out),
			 "reassembled", fgw_json_u64_new(s->reassembled),
			 "frag_held", fgw_json_u64_new(s->frag_held),
			 "forwarded", fgw_json_u64_new(s->forwarded),
			 "fragmented", fgw_json_u64_new(s->fragmented),
			 "punted", fgw_json_u64_new(s->punted),
			 "punts", reasons_json(s->punt, fgw_punt_reason_names, FGW_PUNT_MAX),
			 "dropped", fgw_json_u64_new(dropped),
			 "drops", reasons_json(s->drop, fgw_drop_reason_names, FGW_DROP_MAX),
			 "injected", fgw_json_u64_new(s->injected),
			 "msgs", fgw_json_u64_new(s->msgs),
			 "polls", fgw_json_u64_new(s->polls),
			 "idle_polls", fgw_json_u64_new(s->idle_polls));
}

static void add_stats(struct fgw_worker_stats *sum, const struct fgw_worker_stats *s)
{
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *v = (const uint64_t *)s;

	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		d[i] += v[i];
}

static json_t *ports_json(const struct fgw_control *c, const struct fgw_worker_stats *total)
{
	json_t *a = json_array();

	for (unsigned i = 0; a != NULL && i < c->dp->n_ifs; i++) {
		const struct fgw_if *ifp = &c->dp->ifs[i];
		const struct fgw_port_stats *p;

		if (ifp->kind != FGW_IF_PORT || ifp->port_id >= FGW_STATS_MAX_PORTS)
			continue;
		p = &total->port[ifp->port_id];
		if (json_array_append_new(a, json_pack("{s:s, s:i, s:o, s:o, s:o, s:o}",
			"interface", ifp->name, "port_id", (int)ifp->port_id,
			"rx_packets", fgw_json_u64_new(p->rx_packets),
			"rx_bytes", fgw_json_u64_new(p->rx_bytes),
			"tx_packets", fgw_json_u64_new(p->tx_packets),
			"tx_bytes", fgw_json_u64_new(p->tx_bytes))) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

static json_t *control_json(const struct fgw_control_stats *s)
{
	json_t *o = json_pack("{s:o}", "punts",
			      reasons_json(s->punt_rx, fgw_punt_reason_names, FGW_PUNT_MAX));

	for (unsigned i = 0; o != NULL && i < fgw_n_control_counters; i++) {
		uint64_t v;

		memcpy(&v, (const char *)s + fgw_control_counters[i].offset, sizeof(v));
		if (json_object_set_new(o, fgw_control_counters[i].key, fgw_json_u64_new(v)) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

json_t *fgw_show_dataplane_stats(struct fgw_cmd_ctx *x)
{
	const struct fgw_control *c = x->c;
	struct fgw_worker_stats total = { 0 };
	struct fgw_control_stats cs;
	int64_t cleared = fgw_counters_cleared_ago(x->baseline);
	json_t *workers = json_array(), *j;

	for (unsigned w = 0; workers != NULL && w < c->dp->n_workers; w++) {
		struct fgw_worker_stats s;
		json_t *o;

		fgw_counters_worker(c, x->baseline, w, &s);
		add_stats(&total, &s);
		o = worker_json(&s);
		if (o == NULL ||
		    json_object_set_new(o, "worker", json_integer(w)) != 0 ||
		    json_object_set_new(o, "lcore", json_integer(c->dp->workers[w]->lcore)) != 0 ||
		    json_array_append_new(workers, o) != 0) {
			json_decref(workers);
			workers = NULL;
		}
	}
	fgw_counters_control(c, x->baseline, &cs);
	j = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}",
		      "uptime_seconds", (json_int_t)((rte_get_timer_cycles() - c->started) /
						     rte_get_timer_hz()),
		      "counters_cleared_seconds_ago",
		      cleared < 0 ? json_null() : json_integer(cleared),
		      "workers", workers,
		      "total", worker_json(&total),
		      "ports", ports_json(c, &total),
		      "control", control_json(&cs));
	return j != NULL ? j : fgw_cmd_nomem(x);
}

json_t *fgw_clear_counters(struct fgw_cmd_ctx *x)
{
	json_t *j;

	fgw_counters_clear(x->c, x->baseline);
	fgw_tunnels_counters_clear(x->c->dp);
	j = json_pack("{s:b}", "cleared", 1);
	return j != NULL ? j : fgw_cmd_nomem(x);
}

/* ---- text ----------------------------------------------------------- */

/* The label column fits the longest reason text, so the counters line up
 * however many reasons later data-path code adds. */
static int label_width(void)
{
	static int width;

	if (width == 0) {
		width = 38;
		for (unsigned r = 0; r < FGW_DROP_MAX; r++)
			width = RTE_MAX(width, 2 + (int)strlen(fgw_drop_reason_text[r]));
	}
	return width;
}

/* One counter across the columns: each worker, then the total. */
static void row(const json_t *cols[], size_t n, const char *label, const char *group,
		const char *key, struct fgw_text *t)
{
	fgw_text_printf(t, "%-*s", label_width(), label);
	for (size_t i = 0; i < n; i++) {
		const json_t *o = group != NULL ? json_object_get(cols[i], group) : cols[i];

		fgw_text_printf(t, " %14" PRIu64, fgw_json_u64(o, key));
	}
	fgw_text_printf(t, "\n");
}

static void render_workers(const json_t *j, struct fgw_text *t)
{
	const json_t *workers = json_object_get(j, "workers");
	const json_t *cols[FGW_DP_MAX_WORKERS + 1], *w;
	size_t n = 0, i;
	char label[64];

	fgw_text_printf(t, "%-*s", label_width(), "");
	json_array_foreach(workers, i, w) {
		if (n == FGW_DP_MAX_WORKERS)
			break;
		cols[n++] = w;
		snprintf(label, sizeof(label), "worker %" PRIu64, fgw_json_u64(w, "worker"));
		fgw_text_printf(t, " %14s", label);
	}
	cols[n++] = json_object_get(j, "total");
	fgw_text_printf(t, " %14s\n%-*s", "total", label_width(), "");
	for (i = 0; i + 1 < n; i++) {
		snprintf(label, sizeof(label), "(lcore %" PRIu64 ")", fgw_json_u64(cols[i], "lcore"));
		fgw_text_printf(t, " %14s", label);
	}
	fgw_text_printf(t, "\n");

	row(cols, n, "Received", NULL, "rx", t);
	row(cols, n, "  of which ESP, decrypted", NULL, "decrypted", t);
	row(cols, n, "  ESP from other workers", NULL, "handoff_in", t);
	row(cols, n, "  outer packets reassembled", NULL, "reassembled", t);
	row(cols, n, "Forwarded", NULL, "forwarded", t);
	row(cols, n, "  of which fragmented", NULL, "fragmented", t);
	row(cols, n, "  into tunnels, encrypted", NULL, "encrypted", t);
	row(cols, n, "ESP handed to their SA's worker", NULL, "handoff_out", t);
	row(cols, n, "Outer fragments held for reassembly", NULL, "frag_held", t);
	row(cols, n, "Punted to the control lcore", NULL, "punted", t);
	for (unsigned r = 0; r < FGW_PUNT_MAX; r++) {
		snprintf(label, sizeof(label), "  %s", punt_text[r]);
		row(cols, n, label, "punts", fgw_punt_reason_names[r], t);
	}
	row(cols, n, "Dropped", NULL, "dropped", t);
	for (unsigned r = 0; r < FGW_DROP_MAX; r++) {
		snprintf(label, sizeof(label), "  %s", fgw_drop_reason_text[r]);
		row(cols, n, label, "drops", fgw_drop_reason_names[r], t);
	}
	row(cols, n, "Injected for the control lcore", NULL, "injected", t);
	row(cols, n, "Control messages applied", NULL, "msgs", t);
	row(cols, n, "Polls", NULL, "polls", t);
	row(cols, n, "  of which idle", NULL, "idle_polls", t);
}

static void render_ports(const json_t *j, struct fgw_text *t)
{
	const json_t *e;
	size_t i;

	fgw_text_printf(t, "\n%-22s %4s %14s %16s %14s %16s\n", "Interface", "Port", "RX packets",
			"RX bytes", "TX packets", "TX bytes");
	json_array_foreach(json_object_get(j, "ports"), i, e)
		fgw_text_printf(t, "%-22s %4" PRIu64 " %14" PRIu64 " %16" PRIu64 " %14" PRIu64
				" %16" PRIu64 "\n", fgw_json_str(e, "interface"),
				fgw_json_u64(e, "port_id"), fgw_json_u64(e, "rx_packets"),
				fgw_json_u64(e, "rx_bytes"), fgw_json_u64(e, "tx_packets"),
				fgw_json_u64(e, "tx_bytes"));
}

static void render_control(const json_t *j, struct fgw_text *t)
{
	const json_t *cs = json_object_get(j, "control");
	const json_t *punts = json_object_get(cs, "punts");

	fgw_text_printf(t, "\nControl lcore\n  Punted packets handled\n");
	for (unsigned r = 0; r < FGW_PUNT_MAX; r++)
		fgw_text_printf(t, "    %-36s %14" PRIu64 "\n", punt_text[r],
				fgw_json_u64(punts, fgw_punt_reason_names[r]));
	for (unsigned i = 0; i < fgw_n_control_counters; i++)
		fgw_text_printf(t, "  %-38s %14" PRIu64 "\n", fgw_control_counters[i].label,
				fgw_json_u64(cs, fgw_control_counters[i].key));
}

void fgw_render_dataplane_stats(const json_t *j, struct fgw_text *t)
{
	const json_t *cleared = json_object_get(j, "counters_cleared_seconds_ago");
	char up[32], ago[32];

	fgw_format_duration(fgw_json_u64(j, "uptime_seconds"), up, sizeof(up));
	if (json_is_integer(cleared))
		fgw_format_duration(fgw_json_u64(j, "counters_cleared_seconds_ago"), ago,
				    sizeof(ago));
	fgw_text_printf(t, "Data plane statistics, uptime %s, last clearing of counters %s\n\n",
			up, json_is_integer(cleared) ? ago : "never");
	render_workers(j, t);
	render_ports(j, t);
	render_control(j, t);
}
