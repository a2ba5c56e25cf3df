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
			  uint16_t ifindex, const struct fgw_addr *src,
			  const struct fgw_addr *dst, char *err, size_t errlen);

#endif
