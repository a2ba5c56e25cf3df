/* The RIB: every route the configuration gives, where it came from, and
 * which of them the FIBs hold.
 *
 *   C  each interface address's subnet: on-link (a loopback's subnet is a
 *      sink, as on IOS: no neighbour lives behind a loopback; a tunnel's
 *      goes into the tunnel);
 *   L  each of our addresses, /32 or /128, and each port's IPv6 link-local
 *      address: punted to the control lcore. No fe80::/64 route: that
 *      prefix is on every port, so a link-local destination is only ever
 *      reached through the interface a packet came in on;
 *   S  ports[].gateway4/6 (a default route via that port) and routes[]. A
 *      next hop without an interface must lie in a connected subnet; the
 *      longest one gives the egress. "Null0" drops.
 * When several routes share a prefix the lowest administrative distance
 * wins (connected and local are 0), the first configured among equals;
 * the others stay in the RIB, marked not installed, for `show ip route`. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "net.h"

#define DISTANCE_CONNECTED 0

struct static_route {
	struct fgw_prefix prefix;
	struct fgw_addr next_hop;	/* family 0: interface route */
	const char *interface;		/* "" when not given */
	uint8_t distance;
	unsigned order;			/* position in the configuration */
};

static int rib_push(struct fgw_rib *r, const struct fgw_rib_entry *e)
{
	if (r->n == r->cap) {
		unsigned cap = r->cap ? r->cap * 2 : 32;
		struct fgw_rib_entry *v = realloc(r->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = *e;
	return 0;
}

static bool prefix_installed(const struct fgw_rib *r, const struct fgw_prefix *p)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->v[i].installed && r->v[i].prefix.len == p->len &&
		    fgw_addr_eq(&r->v[i].prefix.addr, &p->addr))
			return true;
	return false;
}

/* Adds the route, installing it unless the prefix is taken already. */
static int rib_add(struct fgw_control *c, const struct fgw_prefix *prefix, char origin,
		   uint8_t distance, const struct fgw_nexthop *nh, char *err, size_t errlen)
{
	struct fgw_rib_entry e = { .prefix = *prefix, .origin = origin, .distance = distance };
	char buf[FGW_ADDR_STRLEN + 4];

	fgw_prefix_mask(&e.prefix);
	if (nh != NULL) {
		e.nh_id = fgw_nh_alloc(c->dp, nh);
		if (e.nh_id == 0) {
			snprintf(err, errlen, "next-hop table full");
			return -1;
		}
		e.installed = !prefix_installed(&c->rib, &e.prefix);
	}
	if (e.installed && fgw_route_add(c->dp, &e.prefix, e.nh_id) < 0) {
		snprintf(err, errlen, "cannot add %s to the FIB",
			 fgw_prefix_str(&e.prefix, buf, sizeof(buf)));
		return -1;
	}
	if (rib_push(&c->rib, &e) < 0) {
		snprintf(err, errlen, "out of memory for routes");
		return -1;
	}
	return 0;
}

static int add_interface_prefix(struct fgw_control *c, uint32_t ifindex,
				const struct fgw_prefix *p, char *err, size_t errlen)
{
	const struct fgw_if *ifp = &c->dp->ifs[ifindex];
	unsigned host_len = p->addr.family == AF_INET ? 32 : 128;
	struct fgw_prefix local = { .addr = p->addr, .len = (uint8_t)host_len };
	struct fgw_nexthop nh = { .ifindex = ifindex };

	if (p->len < host_len) {
		nh.type = ifp->kind == FGW_IF_LOOPBACK ? FGW_NH_BLACKHOLE :
			  ifp->kind == FGW_IF_TUNNEL ? FGW_NH_TUNNEL : FGW_NH_CONNECTED;
		if (rib_add(c, p, FGW_RT_CONNECTED, DISTANCE_CONNECTED, &nh, err, errlen) < 0)
			return -1;
	}
	nh.type = FGW_NH_LOCAL;
	return rib_add(c, &local, FGW_RT_LOCAL, DISTANCE_CONNECTED, &nh, err, errlen);
}

/* The egress of a next hop given without an interface: the longest
 * connected subnet holding it. -1: none. */
static int connected_egress(const struct fgw_control *c, const struct fgw_addr *a)
{
	int best = -1;
	int best_len = -1;

	for (unsigned i = 0; i < c->rib.n; i++) {
		const struct fgw_rib_entry *e = &c->rib.v[i];
		const struct fgw_nexthop *nh = &c->dp->nh[e->nh_id];

		if (e->installed && (nh->type == FGW_NH_CONNECTED || nh->type == FGW_NH_TUNNEL) &&
		    e->prefix.len > best_len &&
		    fgw_prefix_contains(&e->prefix, a)) {
			best = nh->ifindex;
			best_len = e->prefix.len;
		}
	}
	return best;
}

/* The next hop of a static route; false (why says why) when it has none. */
static bool static_nexthop(const struct fgw_control *c, const struct static_route *s,
			   struct fgw_nexthop *nh, const char **why)
{
	int ifindex;

	memset(nh, 0, sizeof(*nh));
	if (strcmp(s->interface, "Null0") == 0) {
		nh->type = FGW_NH_BLACKHOLE;
		return true;
	}
	if (fgw_addr_is_set(&s->next_hop) && fgw_net_is_local(c, &s->next_hop)) {
		*why = "the next hop is one of our addresses";
		return false;
	}
	if (s->interface[0] != '\0') {
		ifindex = fgw_if_by_name(c->dp, s->interface);
		if (ifindex < 0) {
			*why = "the interface does not exist";
			return false;
		}
		nh->ifindex = ifindex;
		if (c->dp->ifs[ifindex].kind == FGW_IF_LOOPBACK)
			nh->type = FGW_NH_BLACKHOLE;
		else if (c->dp->ifs[ifindex].kind == FGW_IF_TUNNEL)
			nh->type = FGW_NH_TUNNEL;	/* point to point: the gateway is implied */
		else if (fgw_addr_is_set(&s->next_hop))
			nh->type = FGW_NH_GATEWAY;
		else
			nh->type = FGW_NH_CONNECTED;
		nh->gw = s->next_hop;
		return true;
	}
	ifindex = connected_egress(c, &s->next_hop);
	if (ifindex < 0) {
		*why = "the next hop is not on a connected subnet";
		return false;
	}
	nh->type = c->dp->ifs[ifindex].kind == FGW_IF_TUNNEL ? FGW_NH_TUNNEL : FGW_NH_GATEWAY;
	nh->ifindex = ifindex;
	nh->gw = s->next_hop;
	return true;
}

static int cmp_distance(const void *a, const void *b)
{
	const struct static_route *x = a, *y = b;

	/* qsort is not stable: among equals the configuration order decides. */
	if (x->distance != y->distance)
		return x->distance - y->distance;
	return x->order < y->order ? -1 : x->order > y->order;
}

static unsigned collect_statics(const struct fgw_config *cfg, struct static_route *v)
{
	static const struct fgw_prefix default4 = { .addr = { .family = AF_INET } };
	static const struct fgw_prefix default6 = { .addr = { .family = AF_INET6 } };
	unsigned n = 0;

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct fgw_port_cfg *p = &cfg->ports[i];

		if (fgw_addr_is_set(&p->gateway4))
			v[n++] = (struct static_route){ .prefix = default4, .next_hop = p->gateway4,
							.interface = p->name, .distance = 1 };
		if (fgw_addr_is_set(&p->gateway6))
			v[n++] = (struct static_route){ .prefix = default6, .next_hop = p->gateway6,
							.interface = p->name, .distance = 1 };
	}
	for (unsigned i = 0; i < cfg->n_routes; i++) {
		const struct fgw_route_cfg *r = &cfg->routes[i];

		v[n++] = (struct static_route){ .prefix = r->prefix, .next_hop = r->next_hop,
						.interface = r->interface,
						.distance = r->distance };
	}
	for (unsigned i = 0; i < n; i++)
		v[i].order = i;
	return n;
}

static int add_statics(struct fgw_control *c, char *err, size_t errlen)
{
	const struct fgw_config *cfg = c->cfg;
	struct static_route *v = calloc(2 * cfg->n_ports + cfg->n_routes + 1, sizeof(*v));
	char pbuf[FGW_ADDR_STRLEN + 4];
	unsigned n;
	int rc = 0;

	if (v == NULL) {
		snprintf(err, errlen, "out of memory for routes");
		return -1;
	}
	n = collect_statics(cfg, v);
	qsort(v, n, sizeof(*v), cmp_distance);
	for (unsigned i = 0; i < n && rc == 0; i++) {
		struct fgw_nexthop nh;
		const char *why = NULL;
		bool resolved = static_nexthop(c, &v[i], &nh, &why);

		rc = rib_add(c, &v[i].prefix, FGW_RT_STATIC, v[i].distance, resolved ? &nh : NULL,
			     err, errlen);
		fgw_prefix_str(&v[i].prefix, pbuf, sizeof(pbuf));
		if (!resolved)
			FGW_WARN("static route %s not installed: %s", pbuf, why);
		else if (rc == 0 && !c->rib.v[c->rib.n - 1].installed)
			FGW_INFO("static route %s [%u] not installed: a better route exists", pbuf,
				 v[i].distance);
	}
	free(v);
	return rc;
}

static bool same_prefix(const struct fgw_prefix *a, const struct fgw_prefix *b)
{
	return a->len == b->len && fgw_addr_eq(&a->addr, &b->addr);
}

int fgw_rib_route_add(struct fgw_control *c, const struct fgw_prefix *p, char origin,
		      uint8_t distance, const struct fgw_nexthop *nh, char *err, size_t errlen)
{
	struct fgw_prefix pm = *p;
	struct fgw_rib_entry *owner = NULL;
	uint32_t nh_id;

	fgw_prefix_mask(&pm);
	for (unsigned i = 0; i < c->rib.n; i++)
		if (c->rib.v[i].installed && same_prefix(&c->rib.v[i].prefix, &pm))
			owner = &c->rib.v[i];
	if (owner == NULL || owner->distance <= distance)
		return rib_add(c, &pm, origin, distance, nh, err, errlen);
	/* better than the route in use: it takes the prefix over */
	nh_id = fgw_nh_alloc(c->dp, nh);
	if (nh_id == 0) {
		snprintf(err, errlen, "next-hop table full");
		return -1;
	}
	if (fgw_route_add(c->dp, &pm, nh_id) < 0) {
		fgw_nh_free(c->dp, nh_id);
		snprintf(err, errlen, "cannot change a FIB route");
		return -1;
	}
	owner->installed = false;
	if (rib_push(&c->rib, &(struct fgw_rib_entry){ .prefix = pm, .origin = origin,
						       .distance = distance, .nh_id = nh_id,
						       .installed = true }) < 0) {
		snprintf(err, errlen, "out of memory for routes");
		return -1;
	}
	return 0;
}

int fgw_rib_route_del(struct fgw_control *c, const struct fgw_prefix *p, char origin,
		      const struct fgw_nexthop *nh)
{
	struct fgw_prefix pm = *p;
	struct fgw_rib_entry gone;
	struct fgw_rib_entry *next = NULL;
	unsigned i;

	fgw_prefix_mask(&pm);
	for (i = 0; i < c->rib.n; i++) {
		const struct fgw_rib_entry *e = &c->rib.v[i];
		const struct fgw_nexthop *x = &c->dp->nh[e->nh_id];

		if (e->origin == origin && e->nh_id != 0 && same_prefix(&e->prefix, &pm) &&
		    x->type == nh->type && x->ifindex == nh->ifindex &&
		    (x->type != FGW_NH_GATEWAY || fgw_addr_eq(&x->gw, &nh->gw)))
			break;
	}
	if (i == c->rib.n)
		return -1;
	gone = c->rib.v[i];
	/* keep the order: among equal distances the first added wins */
	memmove(&c->rib.v[i], &c->rib.v[i + 1], (c->rib.n - i - 1) * sizeof(c->rib.v[0]));
	c->rib.n--;
	if (gone.installed) {
		for (i = 0; i < c->rib.n; i++) {
			struct fgw_rib_entry *e = &c->rib.v[i];

			if (e->nh_id != 0 && same_prefix(&e->prefix, &pm) &&
			    (next == NULL || e->distance < next->distance))
				next = e;
		}
		if (next != NULL && fgw_route_add(c->dp, &pm, next->nh_id) == 0)
			next->installed = true;
		else
			fgw_route_del(c->dp, &pm);
	}
	fgw_nh_free(c->dp, gone.nh_id);
	return 0;
}

/* For `show ip route`: by family, then address, then length. */
static int cmp_display(const void *a, const void *b)
{
	const struct fgw_rib_entry *x = a, *y = b;
	int d;

	if (x->prefix.addr.family != y->prefix.addr.family)
		return x->prefix.addr.family - y->prefix.addr.family;
	d = memcmp(x->prefix.addr.bytes, y->prefix.addr.bytes,
		   x->prefix.addr.family == AF_INET ? 4 : 16);
	if (d != 0)
		return d;
	if (x->prefix.len != y->prefix.len)
		return x->prefix.len - y->prefix.len;
	if (x->installed != y->installed)
		return y->installed - x->installed;
	return x->distance - y->distance;
}

int fgw_rib_init(struct fgw_control *c, char *err, size_t errlen)
{
	const struct fgw_dp *dp = c->dp;

	for (unsigned i = 0; i < dp->n_ifs; i++) {
		const struct fgw_if *ifp = &dp->ifs[i];
		const struct fgw_prefix ll6 = { .addr = ifp->ll6, .len = 128 };
		struct fgw_nexthop local = { .type = FGW_NH_LOCAL, .ifindex = (uint32_t)i };

		if (ifp->addr4.addr.family == AF_INET &&
		    add_interface_prefix(c, (uint32_t)i, &ifp->addr4, err, errlen) < 0)
			goto fail;
		if (ifp->addr6.addr.family == AF_INET6 &&
		    add_interface_prefix(c, (uint32_t)i, &ifp->addr6, err, errlen) < 0)
			goto fail;
		if (ifp->ll6.family == AF_INET6 &&
		    rib_add(c, &ll6, FGW_RT_LOCAL, DISTANCE_CONNECTED, &local, err, errlen) < 0)
			goto fail;
	}
	if (add_statics(c, err, errlen) < 0)
		goto fail;
	qsort(c->rib.v, c->rib.n, sizeof(*c->rib.v), cmp_display);
	return 0;
fail:
	fgw_rib_free(c);
	return -1;
}

/* The FIB entries and next hops go with the data plane, which stops after
 * this; only the list is ours. */
void fgw_rib_free(struct fgw_control *c)
{
	free(c->rib.v);
	memset(&c->rib, 0, sizeof(c->rib));
}
