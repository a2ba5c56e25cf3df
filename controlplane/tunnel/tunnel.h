/* What the tunnel files share: the configuration's SA parameters for one
 * tunnel, turned into data-plane SAs. */
#ifndef FGW_CP_TUNNEL_H
#define FGW_CP_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "controlplane/control.h"

/* manual_sa.c: installs the tunnel's manual_sa (inbound, then outbound)
 * on tunnel ifindex, whose outer endpoints are src (us) and dst. */
int fgw_manual_sa_install(struct fgw_control *c, const struct fgw_tunnel_cfg *t,
			  uint32_t ifindex, const struct fgw_addr *src,
			  const struct fgw_addr *dst, char *err, size_t errlen);

/* manual_life.c: a tick on the control lcore that logs and counts, once
 * per SA, a manual SA's soft or hard expiry (and running out of sequence
 * numbers), as the workers mark them. After the tunnels exist; nothing to
 * do without manual SAs. fgw_manual_life_stop (control.h) ends it. */
int fgw_manual_life_start(struct fgw_control *c, char *err, size_t errlen);

/* The steps of an operator's rekey of a tunnel's manual SAs to the other
 * key set of its manual_sa (rekey), see manual_sa.c. */
enum fgw_rekey_step {
	FGW_REKEY_INSTALL,	/* add the new inbound SA */
	FGW_REKEY_SWITCH,	/* send on the new outbound SA */
	FGW_REKEY_FINISH,	/* remove the old inbound SA */
};
/* spi_in / spi_out: the SPIs the step installed, switched to or removed. */
int fgw_manual_sa_rekey(struct fgw_control *c, const char *name, enum fgw_rekey_step step,
			uint32_t *spi_in, uint32_t *spi_out, char *err, size_t errlen);

#endif
