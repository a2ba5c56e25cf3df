/* The IKEv2 daemon inside the control lcore: what main.c and the control
 * socket see of it. Everything else of controlplane/ikev2/ is private to
 * the directory.
 *
 * fgw_ike_start claims UDP 500 and 4500 (fgw_udp_listen), reads the
 * configuration's proposals, policies, keyrings, profiles and IPsec
 * profiles, and starts an initiator for every tunnel with `tunnel
 * protection` whose destination is known; CHILD SAs go into the data path
 * through dataplane/tunnel.h. Timers (retransmission, DPD, rekey) run on
 * rte_timer, driven by the control loop's rte_timer_manage. */
#ifndef FGW_IKE_H
#define FGW_IKE_H

#include <stddef.h>

struct fgw_addr;
struct fgw_control;

int fgw_ike_start(struct fgw_control *c, char *err, size_t errlen);
/* Sends DELETE for every IKE SA (best effort), removes their SAs from the
 * data path, frees everything. */
void fgw_ike_stop(struct fgw_control *c);
/* clear crypto ikev2 sa [remote ADDR]: DELETE to the peer and down, for
 * every IKE SA or those with this remote address (remote NULL: all).
 * Returns how many were cleared. */
unsigned fgw_ike_clear(struct fgw_control *c, const struct fgw_addr *remote);
/* crypto ikev2 rekey: every established IKE SA rekeys now, as it would at
 * its lifetime's rekey time (tests use it instead of waiting minutes).
 * Returns how many were asked to. */
unsigned fgw_ike_rekey_now(struct fgw_control *c);

#endif
