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

/* ---- the index: prefix -> its entries ------------------------------------
 *
 * Routes come and go at run time, one or more per virtual-access peer; with
 * tens of thousands of peers, finding a prefix's routes must not read the
 * whole RIB. An open-addressed table (linear probing, at most half full)
 * maps each prefix to its first entry; a prefix's entries are chained
 * through `next` in the order they were added, which decides among equal
 * distances. Slots and links hold a position in v plus one (0: none); the
 * key is read from the entry itself. */

static uint32_t prefix_hash(const struct fgw_prefix *p)
{
	unsigned n = p->addr.family == AF_INET ? 4 : 16;
	uint32_t h = 2166136261u ^ p->len ^ ((uint32_t)p->addr.family << 8);

	for (unsigned i = 0; i < n; i++)
		h = (h ^ p->addr.bytes[i]) * 16777619u;
	return h ^ (h >> 15);
}

static bool same_prefix(const struct fgw_prefix *a, const struct fgw_prefix *b)
{
	return a->len == b->len && fgw_addr_eq(&a->addr, &b->addr);
}

/* The slot holding p's first entry, else the empty slot where it goes. */
static uint32_t *slot_of(const struct fgw_rib *r, const struct fgw_prefix *p)
{
	unsigned mask = r->n_slots - 1;

	for (unsigned i = prefix_hash(p) & mask;; i = (i + 1) & mask)
		if (r->slots[i] == 0 || same_prefix(&r->v[r->slots[i] - 1].prefix, p))
			return &r->slots[i];
}

/* The link (the slot or an entry's next) that points at entry i. */
static uint32_t *link_to(const struct fgw_rib *r, unsigned i)
{
	uint32_t *l = slot_of(r, &r->v[i].prefix);

	while (*l != i + 1)
		l = &r->v[*l - 1].next;
	return l;
}

/* Empties slot s, moving up the entries probed past it (no tombstones). */
static void slot_clear(struct fgw_rib *r, uint32_t *s)
{
	unsigned mask = r->n_slots - 1, j = (unsigned)(s - r->slots), k = j;

	for (;;) {
		unsigned home;

		r->slots[j] = 0;
		do {
			k = (k + 1) & mask;
			if (r->slots[k] == 0)
				return;
			home = prefix_hash(&r->v[r->slots[k] - 1].prefix) & mask;
		} while (j < k ? home > j && home <= k : home > j || home <= k);
		r->slots[j] = r->slots[k];
		j = k;
	}
}

static void index_link(struct fgw_rib *r, unsigned i)
{
	uint32_t *l = slot_of(r, &r->v[i].prefix);

	if (*l == 0)
		r->n_prefixes++;
	while (*l != 0)
		l = &r->v[*l - 1].next;
	r->v[i].next = 0;
	*l = i + 1;
}

/* A table twice the size; the chains stay as they are. */
static int index_grow(struct fgw_rib *r)
{
	uint32_t *old = r->slots;
	unsigned n_old = r->n_slots, n_slots = n_old ? 2 * n_old : 64;
	uint32_t *slots = calloc(n_slots, sizeof(*slots));

	if (slots == NULL)
		return -1;
	r->slots = slots;
	r->n_slots = n_slots;
	for (unsigned i = 0; i < n_old; i++)
		if (old[i] != 0)
			*slot_of(r, &r->v[old[i] - 1].prefix) = old[i];
	free(old);
	return 0;
}

/* Every entry again, chained in v's order (after v was sorted). */
static void index_rebuild(struct fgw_rib *r)
{
	memset(r->slots, 0, r->n_slots * sizeof(*r->slots));
	r->n_prefixes = 0;
	for (unsigned i = 0; i < r->n; i++)
		index_link(r, i);
}

/* The prefix's first entry, or NULL. */
static struct fgw_rib_entry *rib_first(const struct fgw_rib *r, const struct fgw_prefix *p)
{
	uint32_t s = r->n_slots ? *slot_of(r, p) : 0;

	return s ? &r->v[s - 1] : NULL;
}

static struct fgw_rib_entry *rib_next(const struct fgw_rib *r, const struct fgw_rib_entry *e)
{
	return e->next ? &r->v[e->next - 1] : NULL;
}

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
	/* before the entry is in v: a failure leaves the RIB as it was */
	if (2 * (r->n_prefixes + 1) > r->n_slots && index_grow(r) < 0)
		return -1;
	r->v[r->n++] = *e;
	index_link(r, r->n - 1);
	return 0;
}

/* Takes entry i out; the last entry moves into its place. */
static void rib_remove(struct fgw_rib *r, unsigned i)
{
	uint32_t *s = slot_of(r, &r->v[i].prefix), *l = link_to(r, i);
	unsigned last = r->n - 1;

	if (l == s && r->v[i].next == 0) {
		slot_clear(r, s);
		r->n_prefixes--;
	} else {
		*l = r->v[i].next;
	}
	if (i != last) {
		*link_to(r, last) = i + 1;
		r->v[i] = r->v[last];
	}
	r->n--;
}

static bool prefix_installed(const struct fgw_rib *r, const struct fgw_prefix *p)
{
	for (const struct fgw_rib_entry *e = rib_first(r, p); e != NULL; e = rib_next(r, e))
		if (e->installed)
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

int fgw_rib_route_add(struct fgw_control *c, const struct fgw_prefix *p, char origin,
		      uint8_t distance, const struct fgw_nexthop *nh, char *err, size_t errlen)
{
	struct fgw_prefix pm = *p;
	struct fgw_rib_entry *owner = NULL;
	uint32_t nh_id, owner_nh;

	fgw_prefix_mask(&pm);
	for (struct fgw_rib_entry *e = rib_first(&c->rib, &pm); e != NULL; e = rib_next(&c->rib, e))
		if (e->installed)
			owner = e;
	if (owner == NULL || owner->distance <= distance)
		return rib_add(c, &pm, origin, distance, nh, err, errlen);
	owner_nh = owner->nh_id;
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
	if (rib_push(&c->rib, &(struct fgw_rib_entry){ .prefix = pm, .origin = origin,
						       .distance = distance, .nh_id = nh_id,
						       .installed = true }) < 0) {
		/* the FIB has it: take it back to the owner's next hop */
		fgw_route_add(c->dp, &pm, owner_nh);
		fgw_nh_free(c->dp, nh_id);
		snprintf(err, errlen, "out of memory for routes");
		return -1;
	}
	/* rib_push may have moved the vector */
	for (struct fgw_rib_entry *e = rib_first(&c->rib, &pm); e != NULL; e = rib_next(&c->rib, e))
		e->installed = e == &c->rib.v[c->rib.n - 1];
	return 0;
}

int fgw_rib_route_del(struct fgw_control *c, const struct fgw_prefix *p, char origin,
		      const struct fgw_nexthop *nh)
{
	struct fgw_prefix pm = *p;
	struct fgw_rib_entry gone, *e, *next = NULL;

	fgw_prefix_mask(&pm);
	for (e = rib_first(&c->rib, &pm); e != NULL; e = rib_next(&c->rib, e)) {
		const struct fgw_nexthop *x = &c->dp->nh[e->nh_id];

		if (e->origin == origin && e->nh_id != 0 &&
		    x->type == nh->type && x->ifindex == nh->ifindex &&
		    (x->type != FGW_NH_GATEWAY || fgw_addr_eq(&x->gw, &nh->gw)))
			break;
	}
	if (e == NULL)
		return -1;
	gone = *e;
	rib_remove(&c->rib, (unsigned)(e - c->rib.v));
	if (gone.installed) {
		/* the lowest distance left, the first added among equals */
		for (e = rib_first(&c->rib, &pm); e != NULL; e = rib_next(&c->rib, e))
			if (e->nh_id != 0 && (next == NULL || e->distance < next->distance))
				next = e;
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
	/* the entries moved: index them again, in their new order */
	if (c->rib.n > 0)
		index_rebuild(&c->rib);
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
	free(c->rib.slots);
	memset(&c->rib, 0, sizeof(c->rib));
}
