/* The FlexVPN server on the control lcore: its address pools and the
 * virtual-access interfaces cloned for authenticated peers. One struct,
 * reached as c->flexvpn, touched by the control lcore only. */
#ifndef FGW_FLEXVPN_H
#define FGW_FLEXVPN_H

#include <stddef.h>
#include <stdint.h>

#include "controlplane/control.h"
#include "controlplane/flexvpn/pool.h"

struct fgw_vaccess;
struct fgw_ike_sa;
struct fgw_ike_msg;
struct fgw_ike_cp;
struct fgw_ike_ts_payload;
struct fgw_ike_tunnel;
struct fgw_cp_lease;

struct fgw_flexvpn_stats {
	uint64_t va_created, va_deleted;
	uint64_t va_failed;		/* the data path refused an interface */
	uint64_t routes_added, routes_failed;
	uint64_t authz_failed;		/* no authorization policy resolved */
	uint64_t address_failed;	/* INTERNAL_ADDRESS_FAILURE answered */
};

struct fgw_flexvpn {
	struct fgw_pools pools;
	/* Virtual-AccessN is va[N - 1]; NULL: the number is free. */
	struct fgw_vaccess **va;
	unsigned va_cap;
	unsigned n_va;
	unsigned free_hint;		/* no free number below hint + 1 */
	struct fgw_flexvpn_stats st;
};

/* Pools from the configuration; no virtual-access yet (server.c). */
int fgw_flexvpn_init(struct fgw_control *c, char *err, size_t errlen);
/* Ends every session, destroys every virtual-access (routes, interface),
 * frees the pools. */
void fgw_flexvpn_free(struct fgw_control *c);

/* The engine's hooks (server.c). On IKE_AUTH success as responder under
 * a profile with a virtual template and no configured tunnel for the
 * peer: authorization, pool addresses and the CFG_REPLY (*reply, valid
 * until the next call; NULL when the peer sent no CFG_REQUEST), the
 * virtual-access with routes to the peer's addresses and accepted
 * subnets. Returns the tunnel to install the CHILD SAs on; tsi and tsr,
 * when not empty, are the selectors to answer (a remote-access client's
 * narrowed to its addresses, one per family, and the LANs of those
 * families it asked for).
 * NULL: no CHILD SA, answer the notify *notify (AUTHENTICATION_FAILED
 * when authorization fails, INTERNAL_ADDRESS_FAILURE, ...). */
struct fgw_ike_tunnel *fgw_flexvpn_peer_up(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg,
					   const struct fgw_ike_cp **reply,
					   struct fgw_ike_ts_payload *tsi,
					   struct fgw_ike_ts_payload *tsr, uint16_t *notify);
/* When an IKE SA goes: the virtual-access, its routes and the pool
 * addresses of the session it carries, if any; sa->tunnel becomes NULL. */
void fgw_flexvpn_peer_down(struct fgw_ike_sa *sa);
/* What the peer whose CHILD SAs go on tunnel t was lent, and the name of
 * its authorization policy; NULL when t is no FlexVPN session's. */
const struct fgw_cp_lease *fgw_flexvpn_lease(const struct fgw_control *c,
					     const struct fgw_ike_tunnel *t, const char **policy);

#endif
