/* show ip local pool [NAME]: the FlexVPN server's address pools
 * (controlplane/flexvpn/pool.h) as IOS lists them, with how many requests
 * each refused for want of a free address. */
#include "api/commands.h"

#include <string.h>

#include "controlplane/flexvpn/flexvpn.h"

static json_t *pool_json(const struct fgw_pool *p)
{
	char a[FGW_ADDR_STRLEN], b[FGW_ADDR_STRLEN];
	struct fgw_addr start, end;
	struct fgw_pool_stats st;

	fgw_pool_range(p, &start, &end);
	fgw_pool_stats(p, &st);
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "name", fgw_pool_name(p),
			 "family", fgw_pool_family(p) == AF_INET ? "ipv4" : "ipv6",
			 "start", fgw_addr_str(&start, a, sizeof(a)),
			 "end", fgw_addr_str(&end, b, sizeof(b)),
			 "size", fgw_json_u64_new(st.size),
			 "free", fgw_json_u64_new(st.size - st.in_use),
			 "in_use", fgw_json_u64_new(st.in_use),
			 "peak", fgw_json_u64_new(st.peak),
			 "allocs", fgw_json_u64_new(st.allocs),
			 "releases", fgw_json_u64_new(st.releases),
			 "exhausted", fgw_json_u64_new(st.exhausted));
}

json_t *fgw_show_ip_local_pool(struct fgw_cmd_ctx *x)
{
	const struct fgw_flexvpn *f = x->c->flexvpn;
	json_t *list = json_array();
	const struct fgw_pool *p;

	if (list == NULL)
		return fgw_cmd_nomem(x);
	for (unsigned i = 0; f != NULL && (p = fgw_pool_at(&f->pools, i)) != NULL; i++) {
		if (x->arg != NULL && strcmp(x->arg, fgw_pool_name(p)) != 0)
			continue;
		if (json_array_append_new(list, pool_json(p)) != 0) {
			json_decref(list);
			return fgw_cmd_nomem(x);
		}
	}
	if (x->arg != NULL && json_array_size(list) == 0) {
		json_decref(list);
		snprintf(x->err, sizeof(x->err), "%% Pool %s not found", x->arg);
		return NULL;
	}
	return json_pack("{s:o}", "pools", list);
}

void fgw_render_ip_local_pool(const json_t *j, struct fgw_text *t)
{
	const json_t *p;
	size_t i;

	fgw_text_printf(t, " %-24s %-24s %-24s %8s %8s %8s\n", "Pool", "Begin", "End", "Free",
			"In use", "Refused");
	json_array_foreach(json_object_get(j, "pools"), i, p)
		fgw_text_printf(t, " %-24s %-24s %-24s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
				fgw_json_str(p, "name"), fgw_json_str(p, "start"),
				fgw_json_str(p, "end"), fgw_json_u64(p, "free"),
				fgw_json_u64(p, "in_use"), fgw_json_u64(p, "exhausted"));
}
