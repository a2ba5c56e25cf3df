/* show ip route, show ipv6 route: the RIB as IOS prints it. */
#include "api/commands.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static int cmp_prefix(const struct fgw_prefix *a, const struct fgw_prefix *b)
{
	int r = memcmp(a->addr.bytes, b->addr.bytes, a->addr.family == AF_INET ? 4 : 16);

	return r != 0 ? r : (int)a->len - (int)b->len;
}

static int cmp_entry(const void *a, const void *b)
{
	return cmp_prefix(&(*(const struct fgw_rib_entry *const *)a)->prefix,
			  &(*(const struct fgw_rib_entry *const *)b)->prefix);
}

static const char *nh_type_name(uint8_t type)
{
	switch (type) {
	case FGW_NH_LOCAL: return "local";
	case FGW_NH_CONNECTED: return "connected";
	case FGW_NH_GATEWAY: return "gateway";
	case FGW_NH_BLACKHOLE: return "blackhole";
	case FGW_NH_TUNNEL: return "tunnel";
	default: return "none";
	}
}

static json_t *route_json(const struct fgw_control *c, const struct fgw_rib_entry *e)
{
	const struct fgw_nexthop *nh = &c->dp->nh[e->nh_id];
	char prefix[FGW_ADDR_STRLEN + 4], gw[FGW_ADDR_STRLEN];
	char code[2] = { e->origin, '\0' };
	bool has_if = nh->type == FGW_NH_LOCAL || nh->type == FGW_NH_CONNECTED ||
		      nh->type == FGW_NH_GATEWAY || nh->type == FGW_NH_TUNNEL;

	return json_pack("{s:s, s:s, s:b, s:b, s:i, s:I, s:s, s:o, s:o}",
			 "prefix", fgw_prefix_str(&e->prefix, prefix, sizeof(prefix)),
			 "code", code,
			 "installed", e->installed,
			 "candidate_default", e->prefix.len == 0,
			 "distance", (int)e->distance,
			 "metric", (json_int_t)e->metric,
			 "type", nh_type_name(nh->type),
			 "next_hop", nh->type == FGW_NH_GATEWAY ?
			 json_string(fgw_addr_str(&nh->gw, gw, sizeof(gw))) : json_null(),
			 "interface", nh->type == FGW_NH_BLACKHOLE ? json_string("Null0") :
			 has_if ? json_string(fgw_cmd_if_name(c, nh->ifindex)) : json_null());
}

/* The routes of one family, sorted by prefix as IOS lists them. Routes the
 * FIB does not use (a better distance won, the next hop is not on a
 * connected subnet) are in the JSON with "installed": false; the text, like
 * IOS, shows only the routes in use. */
static json_t *routes_json(struct fgw_cmd_ctx *x, uint8_t family)
{
	const struct fgw_rib *rib = &x->c->rib;
	const struct fgw_rib_entry **v = NULL;
	const char *last_resort = NULL;
	char gw[FGW_ADDR_STRLEN];
	json_t *list, *j;
	unsigned n = 0;

	if (rib->n > 0 && (v = calloc(rib->n, sizeof(*v))) == NULL)
		return fgw_cmd_nomem(x);
	for (unsigned i = 0; i < rib->n; i++)
		if (rib->v[i].prefix.addr.family == family)
			v[n++] = &rib->v[i];
	qsort(v, n, sizeof(*v), cmp_entry);

	list = json_array();
	for (unsigned i = 0; list != NULL && i < n; i++) {
		const struct fgw_nexthop *nh = &x->c->dp->nh[v[i]->nh_id];

		if (v[i]->installed && v[i]->prefix.len == 0 && nh->type == FGW_NH_GATEWAY)
			last_resort = fgw_addr_str(&nh->gw, gw, sizeof(gw));
		if (json_array_append_new(list, route_json(x->c, v[i])) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	free(v);
	j = json_pack("{s:o, s:o}", "gateway_of_last_resort",
		      last_resort != NULL ? json_string(last_resort) : json_null(),
		      "routes", list);
	return j != NULL ? j : fgw_cmd_nomem(x);
}

json_t *fgw_show_ip_route(struct fgw_cmd_ctx *x)
{
	return routes_json(x, AF_INET);
}

json_t *fgw_show_ipv6_route(struct fgw_cmd_ctx *x)
{
	return routes_json(x, AF_INET6);
}

/* ---- IPv4 text: IOS groups subnets under their classful network ------ */

static unsigned classful_len(uint32_t addr)
{
	uint8_t first = (uint8_t)(addr >> 24);

	return first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : 32;
}

struct route4 {
	const json_t *j;
	uint32_t addr;			/* host order */
	unsigned len;
};

static void route4_line(const struct route4 *r, bool indented, struct fgw_text *t)
{
	const json_t *e = r->j;
	char code[8];

	snprintf(code, sizeof(code), "%s%s", fgw_json_str(e, "code"),
		 json_is_true(json_object_get(e, "candidate_default")) ? "*" : "");
	fgw_text_printf(t, "%-*s%s", indented ? 9 : 6, code, fgw_json_str(e, "prefix"));
	if (json_is_string(json_object_get(e, "next_hop")))
		fgw_text_printf(t, " [%" PRIu64 "/%" PRIu64 "] via %s\n",
				fgw_json_u64(e, "distance"), fgw_json_u64(e, "metric"),
				fgw_json_str(e, "next_hop"));
	else
		fgw_text_printf(t, " is directly connected, %s\n", fgw_json_str(e, "interface"));
}

/* Routes [first, end) inside one classful network; a header names the
 * network when it holds subnets, as IOS does. */
static void route4_group(const struct route4 *r, size_t first, size_t end, unsigned major_len,
			 struct fgw_text *t)
{
	bool subnets = false, variable = false;
	unsigned masks = 0;

	for (size_t i = first; i < end; i++) {
		bool seen = false;

		subnets |= r[i].len > major_len;
		variable |= r[i].len != r[first].len;
		for (size_t k = first; k < i; k++)
			seen |= r[k].len == r[i].len;
		masks += !seen;
	}
	if (subnets) {
		struct in_addr major = { htonl(r[first].addr & (0xffffffffu << (32 - major_len))) };
		char net[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &major, net, sizeof(net));
		if (variable)
			fgw_text_printf(t, "      %s/%u is variably subnetted, %zu subnets, %u masks\n",
					net, major_len, end - first, masks);
		else
			fgw_text_printf(t, "      %s/%u is subnetted, %zu subnet%s\n", net,
					r[first].len, end - first, end - first == 1 ? "" : "s");
	}
	for (size_t i = first; i < end; i++)
		route4_line(&r[i], subnets, t);
}

void fgw_render_ip_route(const json_t *j, struct fgw_text *t)
{
	const json_t *routes = json_object_get(j, "routes");
	size_t n = json_array_size(routes), i = 0, k;
	struct route4 *r = calloc(n > 0 ? n : 1, sizeof(*r));
	const json_t *e;

	if (r == NULL) {
		t->failed = true;
		return;
	}
	fgw_text_printf(t, "Codes: L - local, C - connected, S - static\n"
			   "       * - candidate default\n\n");
	if (json_is_string(json_object_get(j, "gateway_of_last_resort")))
		fgw_text_printf(t, "Gateway of last resort is %s to network 0.0.0.0\n\n",
				fgw_json_str(j, "gateway_of_last_resort"));
	else
		fgw_text_printf(t, "Gateway of last resort is not set\n\n");

	n = 0;
	json_array_foreach(routes, k, e) {
		struct fgw_prefix p;

		if (!json_is_true(json_object_get(e, "installed")) ||
		    !fgw_prefix_parse(fgw_json_str(e, "prefix"), &p, false))
			continue;
		r[n++] = (struct route4){ e, ntohl(p.addr.v4), p.len };
	}
	while (i < n) {
		unsigned major = classful_len(r[i].addr);
		uint32_t mask = 0xffffffffu << (32 - major);
		size_t end = i + 1;

		/* Shorter than its class (a supernet, the default): alone. */
		if (r[i].len < major) {
			route4_line(&r[i++], false, t);
			continue;
		}
		while (end < n && r[end].len >= major && (r[end].addr & mask) == (r[i].addr & mask))
			end++;
		route4_group(r, i, end, major, t);
		i = end;
	}
	free(r);
}

/* ---- IPv6 text ------------------------------------------------------- */

void fgw_render_ipv6_route(const json_t *j, struct fgw_text *t)
{
	const json_t *routes = json_object_get(j, "routes");
	const json_t *e;
	size_t i, n = 0;

	json_array_foreach(routes, i, e)
		n += json_is_true(json_object_get(e, "installed"));
	fgw_text_printf(t, "IPv6 Routing Table - default - %zu entr%s\n", n, n == 1 ? "y" : "ies");
	fgw_text_printf(t, "Codes: C - Connected, L - Local, S - Static\n\n");
	json_array_foreach(routes, i, e) {
		const char *type = fgw_json_str(e, "type");

		if (!json_is_true(json_object_get(e, "installed")))
			continue;

		fgw_text_printf(t, "%-4s%s [%" PRIu64 "/%" PRIu64 "]\n", fgw_json_str(e, "code"),
				fgw_json_str(e, "prefix"), fgw_json_u64(e, "distance"),
				fgw_json_u64(e, "metric"));
		if (strcmp(type, "gateway") == 0 &&
		    strncmp(fgw_json_str(e, "next_hop"), "fe80:", 5) == 0)
			fgw_text_printf(t, "     via %s, %s\n", fgw_json_str(e, "next_hop"),
					fgw_json_str(e, "interface"));
		else if (strcmp(type, "gateway") == 0)
			fgw_text_printf(t, "     via %s\n", fgw_json_str(e, "next_hop"));
		else
			fgw_text_printf(t, "     via %s, %s\n", fgw_json_str(e, "interface"),
					strcmp(type, "local") == 0 ? "receive" : "directly connected");
	}
}
