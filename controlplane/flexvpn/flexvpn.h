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

struct fgw_flexvpn_stats {
	uint64_t va_created, va_deleted;
	uint64_t va_failed;		/* the data path refused an interface */
	uint64_t routes_added, routes_failed;
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

/* Pools from the configuration; no virtual-access yet. */
int fgw_flexvpn_init(struct fgw_control *c, char *err, size_t errlen);
/* Destroys every virtual-access (routes, interface), frees the pools. */
void fgw_flexvpn_free(struct fgw_control *c);

#endif
