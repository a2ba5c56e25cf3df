/* Virtual-access interfaces: a tunnel interface per FlexVPN peer, cloned
 * from a virtual template (interface Virtual-TemplateN -> Virtual-AccessN)
 * when the peer authenticates, destroyed with its IKE SA.
 *
 * The interface takes from the template its MTU, TCP MSS clamp and tunnel
 * mode (auto: the mode the peer negotiated, VTI when it did not say);
 * the outer source is the local address IKE arrived on (or the template's
 * tunnel source) and the destination the peer. It is unnumbered, as
 * virtual-access interfaces are: routes to the peer's assigned addresses
 * and to the subnets it advertises point into it, and go with it.
 * Creating and destroying never pauses other peers' traffic (dataplane
 * fgw_tunnel_add / fgw_tunnel_del); numbers and ifindexes are reused, the
 * lowest free number first, as IOS does. */
#ifndef FGW_FLEXVPN_VIRTUAL_ACCESS_H
#define FGW_FLEXVPN_VIRTUAL_ACCESS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/config.h"
#include "controlplane/control.h"

/* Peer address, pool addresses of both families, and the subnets a peer
 * may advertise (route accept). */
#define FGW_VA_MAX_ROUTES (2 + 16)

struct fgw_vaccess {
	unsigned number;		/* Virtual-Access<number> */
	uint32_t ifindex;
	const struct fgw_virtual_template_cfg *tmpl;
	uint8_t kind;			/* enum fgw_tunnel_kind */
	struct fgw_addr src, dst;	/* outer: us, the peer */
	struct fgw_prefix routes[FGW_VA_MAX_ROUTES];	/* through this interface */
	uint8_t distance[FGW_VA_MAX_ROUTES];
	unsigned n_routes;
	time_t created;
	void *owner;			/* the FlexVPN session (server.c); NULL: none */
};

/* A virtual-access for a peer at `peer` whose IKE SA arrived on our address
 * `local`. peer_kind is the tunnel kind the peer negotiated (enum
 * fgw_tunnel_kind, 0: unknown), used when the template's mode is auto.
 * NULL with a line in err. */
struct fgw_vaccess *fgw_vaccess_create(struct fgw_control *c,
				       const struct fgw_virtual_template_cfg *tmpl,
				       const struct fgw_addr *local, const struct fgw_addr *peer,
				       uint8_t peer_kind, char *err, size_t errlen);
/* A route to p through va, in the RIB as static with this distance (a
 * peer's address: 1; an accepted subnet: route accept's distance). */
int fgw_vaccess_route_add(struct fgw_control *c, struct fgw_vaccess *va,
			  const struct fgw_prefix *p, uint8_t distance, char *err, size_t errlen);
/* Its routes, then the interface and every SA on it; va is freed. */
void fgw_vaccess_destroy(struct fgw_control *c, struct fgw_vaccess *va);
/* Virtual-Access<number>, or NULL. */
struct fgw_vaccess *fgw_vaccess_get(const struct fgw_control *c, unsigned number);
/* The template by name, or NULL. */
const struct fgw_virtual_template_cfg *fgw_vtemplate_find(const struct fgw_config *cfg,
							 const char *name);

#endif
