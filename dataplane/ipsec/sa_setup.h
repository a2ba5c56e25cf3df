/* Making an SA ready for the workers, and unmaking it. Control plane only:
 * allocates, derives, may fail with a message. */
#ifndef FGW_SA_SETUP_H
#define FGW_SA_SETUP_H

#include <stddef.h>

#include <intel-ipsec-mb.h>

#include "common/sa.h"

/* A zeroed SA with room for a replay window of `replay_window` packets
 * (0 for outbound SAs, or inbound without replay checking), in DPDK memory
 * on `socket`. NULL when out of memory or the window is not 0 or 64..4096. */
struct fgw_sa *fgw_sa_alloc(unsigned replay_window, int socket);

/* Checks the fields the control plane filled, derives the rest (IV and ICV
 * lengths, the outer header template) and the key schedule from `keys`
 * with `mgr` (a manager of the workers' kind, see fgw_crypto_keysched).
 * Returns -1 with a one-line reason in err. Call before publishing. */
int fgw_sa_prepare(struct fgw_sa *sa, const struct fgw_sa_keys *keys, IMB_MGR *mgr,
		   char *err, size_t errlen);

/* A published outbound NAT-T SA now sends to UDP port dport (a NAT in
 * front of the peer gave it a new mapping). The one change a live SA
 * allows: workers copy the outer header template per packet and the port
 * is one aligned 16-bit store, so each packet carries the old port or the
 * new one, never a mix; keys and sequence numbers go on untouched. */
void fgw_sa_natt_dport_set(struct fgw_sa *sa, uint16_t dport);
/* Wipes the SA, keys included, and frees it. After an RCU grace period. */
void fgw_sa_free(struct fgw_sa *sa);

#endif
