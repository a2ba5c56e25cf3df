/* A FlexVPN client's negotiated configuration on its tunnel interface and
 * in the RIB (client_install.c); control lcore only. */
#ifndef FGW_FLEXVPN_CLIENT_INSTALL_H
#define FGW_FLEXVPN_CLIENT_INSTALL_H

#include <stdint.h>

#include "controlplane/control.h"
#include "controlplane/flexvpn/client.h"

/* The assigned address (if asked for) on ifindex and the hub's route set
 * as routes into it; what an earlier SA installed goes first. */
void fgw_cp_client_install(struct fgw_control *c, uint32_t ifindex, struct fgw_cp_client *cl);
/* Takes off whatever install put on; nothing when nothing is on. */
void fgw_cp_client_remove(struct fgw_control *c, struct fgw_cp_client *cl);

/* The IKEv2 initiator's hooks. Before IKE_AUTH: the CFG_REQUEST for
 * sa's tunnel in req (false: none to send). On the IKE_AUTH answer: its
 * CFG_REPLY installed. When the tunnel's IKE SA goes: all of it off. */
struct fgw_ike_sa;
struct fgw_ike_tunnel;
bool fgw_cp_client_ike_request(struct fgw_ike_sa *sa, struct fgw_cp_reply *req);
void fgw_cp_client_ike_reply(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg);
void fgw_cp_client_ike_down(struct fgw_control *c, struct fgw_ike_tunnel *t);

#endif
