/* show version: what runs, since when, on which lcores. */
#include "api/commands.h"

#include <rte_cycles.h>
#include <rte_version.h>

#include "api/version.h"

static json_t *workers_json(const struct fgw_dp *dp)
{
	json_t *a = json_array();

	for (unsigned w = 0; a != NULL && w < dp->n_workers; w++) {
		if (json_array_append_new(a, json_pack("{s:i, s:i}", "worker", (int)w, "lcore",
						       (int)dp->workers[w]->lcore)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *fgw_show_version(struct fgw_cmd_ctx *x)
{
	const struct fgw_control *c = x->c;
	unsigned ports = 0;
	json_t *j;

	for (unsigned i = 0; i < c->dp->n_ifs; i++)
		ports += c->dp->ifs[i].kind == FGW_IF_PORT;
	j = json_pack("{s:s, s:s, s:s, s:I, s:i, s:o, s:i, s:i}",
		      "version", FGW_VERSION,
		      "hostname", c->cfg->system.hostname,
		      "dpdk", rte_version(),
		      "uptime_seconds", (json_int_t)((rte_get_timer_cycles() - c->started) /
						     rte_get_timer_hz()),
		      "control_lcore", (int)c->cfg->dataplane.control_lcore,
		      "workers", workers_json(c->dp),
		      "ports", (int)ports,
		      "loopbacks", (int)(c->dp->n_ifs - ports));
	return j != NULL ? j : fgw_cmd_nomem(x);
}

static void uptime(uint64_t s, struct fgw_text *t)
{
	static const struct { const char *unit; uint64_t seconds; } parts[] = {
		{ "week", 604800 }, { "day", 86400 }, { "hour", 3600 }, { "minute", 60 },
	};
	bool any = false;

	for (unsigned i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		uint64_t n = s / parts[i].seconds;

		s %= parts[i].seconds;
		if (n == 0)
			continue;
		fgw_text_printf(t, "%s%" PRIu64 " %s%s", any ? ", " : "", n, parts[i].unit,
				n == 1 ? "" : "s");
		any = true;
	}
	if (!any)
		fgw_text_printf(t, "%" PRIu64 " second%s", s, s == 1 ? "" : "s");
}

void fgw_render_version(const json_t *j, struct fgw_text *t)
{
	const json_t *workers = json_object_get(j, "workers");
	const json_t *w;
	size_t i;

	fgw_text_printf(t, "flexgw Software, Version %s\n", fgw_json_str(j, "version"));
	fgw_text_printf(t, "Data plane: %s\n\n", fgw_json_str(j, "dpdk"));
	fgw_text_printf(t, "%s uptime is ", fgw_json_str(j, "hostname"));
	uptime(fgw_json_u64(j, "uptime_seconds"), t);
	fgw_text_printf(t, "\n\nControl lcore %" PRIu64 ", %zu worker%s:",
			fgw_json_u64(j, "control_lcore"), json_array_size(workers),
			json_array_size(workers) == 1 ? "" : "s");
	json_array_foreach(workers, i, w)
		fgw_text_printf(t, "%s lcore %" PRIu64, i ? "," : "", fgw_json_u64(w, "lcore"));
	fgw_text_printf(t, "\n%" PRIu64 " port interface%s, %" PRIu64 " loopback interface%s\n",
			fgw_json_u64(j, "ports"), fgw_json_u64(j, "ports") == 1 ? "" : "s",
			fgw_json_u64(j, "loopbacks"), fgw_json_u64(j, "loopbacks") == 1 ? "" : "s");
}
