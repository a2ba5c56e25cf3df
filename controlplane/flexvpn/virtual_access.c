/* Virtual-access interfaces (see virtual_access.h), numbered in the
 * server state (flexvpn.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "dataplane/tunnel.h"
#include "flexvpn.h"
#include "virtual_access.h"

const struct fgw_virtual_template_cfg *fgw_vtemplate_find(const struct fgw_config *cfg,
							 const char *name)
{
	for (unsigned i = 0; i < cfg->n_virtual_templates; i++)
		if (strcmp(cfg->virtual_templates[i].name, name) == 0)
			return &cfg->virtual_templates[i];
	return NULL;
}

struct fgw_vaccess *fgw_vaccess_get(const struct fgw_control *c, unsigned number)
{
	const struct fgw_flexvpn *f = c->flexvpn;

	return f != NULL && number >= 1 && number <= f->va_cap ? f->va[number - 1] : NULL;
}

/* The lowest free number's slot, growing the table when all are taken. */
static int number_take(struct fgw_flexvpn *f)
{
	unsigned i;

	for (i = f->free_hint; i < f->va_cap && f->va[i] != NULL; i++)
		;
	if (i == f->va_cap) {
		unsigned cap = f->va_cap ? 2 * f->va_cap : 64;
		struct fgw_vaccess **v = realloc(f->va, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		memset(v + f->va_cap, 0, (cap - f->va_cap) * sizeof(*v));
		f->va = v;
		f->va_cap = cap;
	}
	f->free_hint = i + 1;
	return (int)i;
}

static uint8_t template_kind(uint8_t mode, uint8_t peer_kind)
{
	switch (mode) {
	case FGW_TUNNEL_GRE_IPV4:
	case FGW_TUNNEL_GRE_IPV6:
		return FGW_TUNNEL_GRE;
	case FGW_TUNNEL_IPSEC_IPV4:
	case FGW_TUNNEL_IPSEC_IPV6:
		return FGW_TUNNEL_IPSEC;
	default:
		return peer_kind ? peer_kind : FGW_TUNNEL_IPSEC;
	}
}

struct fgw_vaccess *fgw_vaccess_create(struct fgw_control *c,
				       const struct fgw_virtual_template_cfg *tmpl,
				       const struct fgw_addr *local, const struct fgw_addr *peer,
				       uint8_t peer_kind, char *err, size_t errlen)
{
	struct fgw_flexvpn *f = c->flexvpn;
	struct fgw_tunnel_params p = { 0 };
	uint8_t family = fgw_tunnel_mode_family(tmpl->mode);
	struct fgw_vaccess *va;
	char name[FGW_NAME_MAX];
	int slot, ifindex;

	if (family != 0 && family != peer->family) {
		snprintf(err, errlen, "%s: its tunnel mode does not carry the peer's IP version",
			 tmpl->name);
		return NULL;
	}
	p.src = *local;
	if (tmpl->tunnel_source[0] != '\0') {
		int i = fgw_if_by_name(c->dp, tmpl->tunnel_source);
		const struct fgw_prefix *a = i < 0 ? NULL : peer->family == AF_INET ?
					     &c->dp->ifs[i].addr4 : &c->dp->ifs[i].addr6;

		if (a == NULL || a->addr.family != peer->family) {
			snprintf(err, errlen, "%s: tunnel source %s has no address of the peer's "
				 "family", tmpl->name, tmpl->tunnel_source);
			return NULL;
		}
		p.src = a->addr;
	}
	va = calloc(1, sizeof(*va));
	slot = va != NULL ? number_take(f) : -1;
	if (slot < 0) {
		free(va);
		snprintf(err, errlen, "%s: out of memory", tmpl->name);
		return NULL;
	}
	snprintf(name, sizeof(name), "Virtual-Access%d", slot + 1);
	p.name = name;
	p.kind = template_kind(tmpl->mode, peer_kind);
	p.dst = *peer;
	p.mtu = tmpl->mtu;
	p.tcp_mss = tmpl->tcp_adjust_mss;
	ifindex = fgw_tunnel_add(c->dp, &p, err, errlen);
	if (ifindex < 0) {
		f->st.va_failed++;
		f->free_hint = (unsigned)slot;
		free(va);
		return NULL;
	}
	va->number = (unsigned)slot + 1;
	va->ifindex = (uint32_t)ifindex;
	va->tmpl = tmpl;
	va->kind = p.kind;
	va->src = p.src;
	va->dst = *peer;
	va->created = time(NULL);
	f->va[slot] = va;
	f->n_va++;
	f->st.va_created++;
	return va;
}

static struct fgw_nexthop va_nexthop(const struct fgw_vaccess *va)
{
	return (struct fgw_nexthop){ .type = FGW_NH_TUNNEL, .ifindex = va->ifindex };
}

int fgw_vaccess_route_add(struct fgw_control *c, struct fgw_vaccess *va,
			  const struct fgw_prefix *p, uint8_t distance, char *err, size_t errlen)
{
	struct fgw_nexthop nh = va_nexthop(va);
	struct fgw_prefix pm = *p;

	fgw_prefix_mask(&pm);
	if (va->n_routes == FGW_VA_MAX_ROUTES) {
		snprintf(err, errlen, "Virtual-Access%u: at most %u routes", va->number,
			 FGW_VA_MAX_ROUTES);
		c->flexvpn->st.routes_failed++;
		return -1;
	}
	if (fgw_rib_route_add(c, &pm, FGW_RT_STATIC, distance, &nh, err, errlen) < 0) {
		c->flexvpn->st.routes_failed++;
		return -1;
	}
	va->routes[va->n_routes] = pm;
	va->distance[va->n_routes++] = distance;
	c->flexvpn->st.routes_added++;
	return 0;
}

void fgw_vaccess_destroy(struct fgw_control *c, struct fgw_vaccess *va)
{
	struct fgw_flexvpn *f = c->flexvpn;
	struct fgw_nexthop nh = va_nexthop(va);

	/* routes first: from now on nothing is routed into the interface */
	for (unsigned i = 0; i < va->n_routes; i++)
		fgw_rib_route_del(c, &va->routes[i], FGW_RT_STATIC, &nh);
	if (fgw_tunnel_del(c->dp, va->ifindex) < 0)
		FGW_ERR("Virtual-Access%u: the data path has no tunnel %u", va->number,
			va->ifindex);
	f->va[va->number - 1] = NULL;
	if (va->number - 1 < f->free_hint)
		f->free_hint = va->number - 1;
	f->n_va--;
	f->st.va_deleted++;
	free(va);
}
