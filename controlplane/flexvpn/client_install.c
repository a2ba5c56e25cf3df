/* A FlexVPN client's negotiated configuration on its tunnel interface
 * (client.h): the assigned address, as a /32 (/128) local route, and the
 * hub's route set as routes into the tunnel; all of it comes off again
 * when the SA goes, and the next SA brings its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "controlplane/ikev2/ike_sa.h"
#include "authorization.h"
#include "client.h"
#include "client_install.h"

/* IKEv2-installed routes: static, as IOS installs them (distance 1). */
#define CLIENT_ROUTE_DISTANCE 1

static struct fgw_prefix host_prefix(const struct fgw_addr *a)
{
	return (struct fgw_prefix){ .addr = *a, .len = a->family == AF_INET ? 32 : 128 };
}

static void local_del(struct fgw_control *c, uint32_t ifindex, const struct fgw_addr *a)
{
	struct fgw_prefix p = host_prefix(a);
	struct fgw_nexthop nh = { .type = FGW_NH_LOCAL, .ifindex = ifindex };

	fgw_rib_route_del(c, &p, FGW_RT_LOCAL, &nh);
}

void fgw_cp_client_remove(struct fgw_control *c, struct fgw_cp_client *cl)
{
	struct fgw_nexthop nh = { .type = FGW_NH_TUNNEL, .ifindex = cl->ifindex };
	struct fgw_if *ifp;

	if (!cl->installed)
		return;
	/* routes first: nothing more is sent from an address about to go */
	for (unsigned i = 0; i < cl->n_routes_installed; i++)
		fgw_rib_route_del(c, &cl->routes[i], FGW_RT_STATIC, &nh);
	cl->n_routes_installed = 0;
	ifp = &c->dp->ifs[cl->ifindex];
	if (cl->addr4.family == AF_INET) {
		local_del(c, cl->ifindex, &cl->addr4);
		memset(&ifp->addr4, 0, sizeof(ifp->addr4));
	}
	if (cl->addr6.family == AF_INET6) {
		local_del(c, cl->ifindex, &cl->addr6);
		memset(&ifp->addr6, 0, sizeof(ifp->addr6));
	}
	cl->installed = false;
	FGW_INFO("%s: negotiated address and %u IKEv2 route(s) removed", ifp->name, cl->n_routes);
}

static void address_add(struct fgw_control *c, struct fgw_cp_client *cl,
			const struct fgw_addr *a)
{
	struct fgw_if *ifp = &c->dp->ifs[cl->ifindex];
	struct fgw_prefix p = host_prefix(a);
	struct fgw_nexthop nh = { .type = FGW_NH_LOCAL, .ifindex = cl->ifindex };
	char err[160], buf[FGW_ADDR_STRLEN];

	if (fgw_rib_route_add(c, &p, FGW_RT_LOCAL, 0, &nh, err, sizeof(err)) < 0) {
		FGW_WARN("%s: assigned address %s not installed: %s", ifp->name,
			 fgw_addr_str(a, buf, sizeof(buf)), err);
		return;
	}
	if (a->family == AF_INET)
		ifp->addr4 = p;
	else
		ifp->addr6 = p;
	FGW_NOTICE("%s: assigned address %s", ifp->name, fgw_addr_str(a, buf, sizeof(buf)));
}

void fgw_cp_client_install(struct fgw_control *c, uint32_t ifindex, struct fgw_cp_client *cl)
{
	struct fgw_nexthop nh = { .type = FGW_NH_TUNNEL, .ifindex = ifindex };
	const char *name = c->dp->ifs[ifindex].name;
	char err[160], buf[FGW_ADDR_STRLEN + 4];

	fgw_cp_client_remove(c, cl);
	cl->ifindex = ifindex;
	cl->installed = true;
	if (cl->bad > 0)
		FGW_WARN("%s: %u malformed attribute(s) in the hub's CFG_REPLY skipped", name,
			 cl->bad);
	if (cl->want_addr && cl->addr4.family != AF_INET)
		FGW_WARN("%s: ip address negotiated, but the hub assigned no IPv4 address", name);
	if (cl->want_addr6 && cl->addr6.family != AF_INET6)
		FGW_WARN("%s: ipv6 address negotiated, but the hub assigned no IPv6 address", name);
	if (cl->want_addr && cl->addr4.family == AF_INET)
		address_add(c, cl, &cl->addr4);
	else
		memset(&cl->addr4, 0, sizeof(cl->addr4));
	if (cl->want_addr6 && cl->addr6.family == AF_INET6)
		address_add(c, cl, &cl->addr6);
	else
		memset(&cl->addr6, 0, sizeof(cl->addr6));
	/* routes[0 .. n_routes_installed) are in the RIB: a refused one is
	 * dropped from the list so removal stays exact */
	for (unsigned i = 0; i < cl->n_routes; i++) {
		if (fgw_rib_route_add(c, &cl->routes[i], FGW_RT_STATIC, CLIENT_ROUTE_DISTANCE,
				      &nh, err, sizeof(err)) < 0) {
			FGW_WARN("%s: IKEv2 route %s not installed: %s", name,
				 fgw_prefix_str(&cl->routes[i], buf, sizeof(buf)), err);
			continue;
		}
		cl->routes[cl->n_routes_installed++] = cl->routes[i];
	}
	cl->n_routes = cl->n_routes_installed;
}

/* ---- the IKEv2 engine's initiator side (ike_auth.c, ike.c) ----------------- */

bool fgw_cp_client_ike_request(struct fgw_ike_sa *sa, struct fgw_cp_reply *req)
{
	const struct fgw_config *cfg = sa->ike->c->cfg;
	static struct fgw_ikev2_authz_policy_cfg pol;
	struct fgw_ike_tunnel *t = sa->tunnel;
	char why[200];
	int rc;

	/* the hub's identity is not known yet: a name mangler has nothing to
	 * work on, a named policy resolves */
	rc = fgw_authz_resolve(cfg, sa->profile, 0, NULL, 0, &pol, why, sizeof(why));
	if (rc == FGW_AUTHZ_FAILED)
		FGW_WARN("%s: no authorization policy for the routes to advertise: %s",
			 t->cfg->name, why);
	if (t->cp == NULL) {
		t->cp = calloc(1, sizeof(*t->cp));
		if (t->cp == NULL)
			return false;
	}
	fgw_cp_client_remove(sa->ike->c, t->cp);
	return fgw_cp_client_request(cfg, t->cfg, rc == FGW_AUTHZ_OK ? &pol : NULL, t->cp, req);
}

void fgw_cp_client_ike_reply(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	struct fgw_ike_tunnel *t = sa->tunnel;

	if (t == NULL || t->cp == NULL ||
	    (!t->cp->want_addr && !t->cp->want_addr6 && t->cp->n_advertised == 0))
		return;
	if (!msg->has_cp || !fgw_cp_client_read(&msg->cp, t->cp)) {
		if (t->cp->want_addr || t->cp->want_addr6)
			FGW_WARN("%s: ip address negotiated, but the hub sent no CFG_REPLY",
				 t->cfg->name);
		return;
	}
	fgw_cp_client_install(sa->ike->c, t->ifindex, t->cp);
}

void fgw_cp_client_ike_down(struct fgw_control *c, struct fgw_ike_tunnel *t)
{
	if (t->cp != NULL)
		fgw_cp_client_remove(c, t->cp);
}
