/* show arp (show ip arp) and show ipv6 neighbors, from the control lcore's
 * master neighbour table. */
#include "api/commands.h"

#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

static const char *state_name(uint8_t state)
{
	switch (state) {
	case FGW_NEIGH_INCOMPLETE: return "incomplete";
	case FGW_NEIGH_REACHABLE: return "reachable";
	case FGW_NEIGH_STALE: return "stale";
	case FGW_NEIGH_FAILED: return "failed";
	case FGW_NEIGH_STATIC: return "static";
	default: return "unknown";
	}
}

static json_t *mac_json(const struct rte_ether_addr *mac)
{
	char buf[RTE_ETHER_ADDR_FMT_SIZE];

	rte_ether_format_addr(buf, sizeof(buf), mac);
	return json_string(buf);
}

static json_t *neigh_json(const struct fgw_control *c, const struct fgw_neigh *n)
{
	char addr[FGW_ADDR_STRLEN];
	bool resolved = n->state != FGW_NEIGH_INCOMPLETE && n->state != FGW_NEIGH_FAILED;
	uint64_t age = (rte_get_timer_cycles() - n->updated) / rte_get_timer_hz();

	return json_pack("{s:s, s:s, s:o, s:s, s:o}",
			 "address", fgw_addr_str(&n->addr, addr, sizeof(addr)),
			 "interface", fgw_cmd_if_name(c, n->ifindex),
			 "mac", resolved ? mac_json(&n->mac) : json_null(),
			 "state", state_name(n->state),
			 "age_seconds", n->state == FGW_NEIGH_STATIC ? json_null() :
			 fgw_json_u64_new(age));
}

/* Our own address on a port: IOS lists those in its ARP table too. */
static json_t *own_json(const struct fgw_if *ifp)
{
	char addr[FGW_ADDR_STRLEN];

	return json_pack("{s:s, s:s, s:o, s:s, s:n}",
			 "address", fgw_addr_str(&ifp->addr4.addr, addr, sizeof(addr)),
			 "interface", ifp->name,
			 "mac", mac_json(&ifp->mac),
			 "state", "interface",
			 "age_seconds");
}

struct row {
	struct fgw_addr addr;
	unsigned ifindex;
	json_t *j;
};

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int r = memcmp(x->addr.bytes, y->addr.bytes, 16);

	return r != 0 ? r : (int)x->ifindex - (int)y->ifindex;
}

/* One family's neighbours (and for IPv4 our own addresses), sorted by
 * address. */
static json_t *neighbors_json(struct fgw_cmd_ctx *x, uint8_t family)
{
	const struct fgw_neigh_table *t = &x->c->neigh;
	const struct fgw_dp *dp = x->c->dp;
	size_t n = 0, max = t->size + (family == AF_INET ? dp->n_ifs : 0);
	struct row *rows = calloc(max > 0 ? max : 1, sizeof(*rows));
	json_t *list = json_array(), *j;
	bool failed = rows == NULL || list == NULL;

	for (unsigned s = 0; !failed && s < t->size; s++) {
		const struct fgw_neigh *nb = &t->slots[s];

		if (nb->in_use && nb->addr.family == family)
			rows[n++] = (struct row){ nb->addr, nb->ifindex, neigh_json(x->c, nb) };
	}
	for (unsigned i = 0; !failed && family == AF_INET && i < dp->n_ifs; i++) {
		const struct fgw_if *ifp = &dp->ifs[i];

		if (ifp->kind == FGW_IF_PORT && fgw_addr_is_set(&ifp->addr4.addr))
			rows[n++] = (struct row){ ifp->addr4.addr, i, own_json(ifp) };
	}
	if (!failed)
		qsort(rows, n, sizeof(*rows), cmp_row);
	for (size_t i = 0; i < n; i++)
		failed |= json_array_append_new(list, rows[i].j) != 0;
	free(rows);
	if (failed) {
		json_decref(list);
		return fgw_cmd_nomem(x);
	}
	j = json_pack("{s:o}", "neighbors", list);
	return j != NULL ? j : fgw_cmd_nomem(x);
}

json_t *fgw_show_arp(struct fgw_cmd_ctx *x)
{
	return neighbors_json(x, AF_INET);
}

json_t *fgw_show_ipv6_neighbors(struct fgw_cmd_ctx *x)
{
	return neighbors_json(x, AF_INET6);
}

/* IOS prints ages in whole minutes, "-" for entries that never age. */
static void age_minutes(const json_t *e, char *buf, size_t len)
{
	if (json_is_integer(json_object_get(e, "age_seconds")))
		snprintf(buf, len, "%" PRIu64, fgw_json_u64(e, "age_seconds") / 60);
	else
		snprintf(buf, len, "-");
}

void fgw_render_arp(const json_t *j, struct fgw_text *t)
{
	const json_t *e;
	size_t i;

	fgw_text_printf(t, "%-9s %-16s %9s  %-14s  %-6s %s\n", "Protocol", "Address", "Age (min)",
			"Hardware Addr", "Type", "Interface");
	json_array_foreach(json_object_get(j, "neighbors"), i, e) {
		char age[24], mac[32];

		age_minutes(e, age, sizeof(age));
		if (json_is_string(json_object_get(e, "mac")))
			fgw_format_mac_ios(fgw_json_str(e, "mac"), mac, sizeof(mac));
		else
			snprintf(mac, sizeof(mac), "Incomplete");
		fgw_text_printf(t, "%-9s %-16s %9s  %-14s  %-6s %s\n", "Internet",
				fgw_json_str(e, "address"), age, mac, "ARPA",
				fgw_json_str(e, "interface"));
	}
}

static const char *ios_state(const char *state)
{
	static const struct { const char *name, *ios; } map[] = {
		{ "incomplete", "INCMP" }, { "reachable", "REACH" }, { "stale", "STALE" },
		{ "failed", "FAIL" }, { "static", "REACH" },
	};

	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].name, state) == 0)
			return map[i].ios;
	return "?";
}

void fgw_render_ipv6_neighbors(const json_t *j, struct fgw_text *t)
{
	const json_t *e;
	size_t i;

	fgw_text_printf(t, "%-40s %4s %-15s %-5s %s\n", "IPv6 Address", "Age", "Link-layer Addr",
			"State", "Interface");
	json_array_foreach(json_object_get(j, "neighbors"), i, e) {
		char age[24], mac[32];

		age_minutes(e, age, sizeof(age));
		if (json_is_string(json_object_get(e, "mac")))
			fgw_format_mac_ios(fgw_json_str(e, "mac"), mac, sizeof(mac));
		else
			snprintf(mac, sizeof(mac), "-");
		fgw_text_printf(t, "%-40s %4s %-15s %-5s %s\n", fgw_json_str(e, "address"), age, mac,
				ios_state(fgw_json_str(e, "state")), fgw_json_str(e, "interface"));
	}
}
