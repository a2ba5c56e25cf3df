/* The FlexVPN server's side of the configuration payload (RFC 7296 3.15):
 * a peer's CFG_REQUEST and its authorization policy in, the CFG_REPLY
 * attributes out, and the addresses lent to it.
 *
 * An address of a family is lent when the peer asks for one (a zero-length
 * INTERNAL_IP4/IP6_ADDRESS, or the address it would like) and the policy
 * has a pool of that family. When the peer asked and a pool was tried but
 * no address at all could be lent, the answer is INTERNAL_ADDRESS_FAILURE
 * (and no CHILD SA); with one family lent and the other's pool exhausted,
 * the peer comes up with the one (the exhaustion is counted by the pool).
 * Everything else the policy configures is pushed whether asked or not,
 * as IOS does: DNS and WINS servers, the split-DNS names both as RFC 8598
 * INTERNAL_DNS_DOMAIN (one attribute each) and as Cisco's
 * MODECFG_SPLITDNS_NAME (one, comma-separated), the default domain,
 * the backup gateways (comma-separated), and the subnets of `route set
 * interface` and `route set access-list` as INTERNAL_IP4/IP6_SUBNET.
 * Plain C: no DPDK. */
#ifndef FGW_FLEXVPN_CONFIG_PAYLOAD_H
#define FGW_FLEXVPN_CONFIG_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "controlplane/flexvpn/pool.h"
#include "controlplane/ikev2/message.h"

/* Room for the attribute values of one reply; a policy at every limit
 * (ten split-DNS names and ten backup gateways of 255 characters) fits
 * here but not in one IKE message: fgw_cp_answer refuses it then. */
#define FGW_CP_DATA_MAX FGW_IKE_MSG_MAX

struct fgw_cp_reply {
	struct fgw_ike_cp cp;		/* FGW_IKE_CFG_REPLY; values point into data */
	uint8_t data[FGW_CP_DATA_MAX];
	size_t used;
};

/* What a peer holds until its IKE SA goes. */
struct fgw_cp_lease {
	struct fgw_pool *pool4, *pool6;	/* NULL: nothing lent of that family */
	struct fgw_addr addr4, addr6;
	uint8_t prefix4;		/* the netmask pushed with addr4 */
};

enum fgw_cp_result {
	FGW_CP_OK = 0,			/* reply holds the CFG_REPLY */
	FGW_CP_ADDRESS_FAILURE = -1,	/* answer INTERNAL_ADDRESS_FAILURE */
	FGW_CP_TOO_BIG = -2,		/* the reply would not fit an IKE message */
	FGW_CP_NOT_REQUEST = -3,	/* not a CFG_REQUEST: nothing to answer */
};

/* The reply to req under policy; pools are resolved by name in pools.
 * On FGW_CP_OK the lease holds what was lent (release it with
 * fgw_cp_lease_release when the SA goes); otherwise nothing is lent. */
int fgw_cp_answer(const struct fgw_config *cfg, const struct fgw_ikev2_authz_policy_cfg *policy,
		  struct fgw_pools *pools, const struct fgw_ike_cp *req,
		  struct fgw_cp_reply *reply, struct fgw_cp_lease *lease);
void fgw_cp_lease_release(struct fgw_cp_lease *lease);

/* Appends one attribute to r (a request is built in the same container);
 * false once it is full or would not fit one IKE message. */
bool fgw_cp_put(struct fgw_cp_reply *r, uint16_t type, const void *v, size_t len);
/* INTERNAL_IP4_SUBNET (address, mask) or INTERNAL_IP6_SUBNET (address,
 * prefix length). */
bool fgw_cp_put_subnet(struct fgw_cp_reply *r, const struct fgw_prefix *p);

/* The networks of a policy's `route set interface` and `route set
 * access-list`, host bits cleared: what a server pushes and what a client
 * advertises. Returns how many were written to out (at most max). */
#define FGW_CP_ROUTE_SET_MAX (2 + FGW_LIST_MAX)
unsigned fgw_cp_route_set(const struct fgw_config *cfg,
			  const struct fgw_ikev2_authz_policy_cfg *pol, struct fgw_prefix *out,
			  unsigned max);

/* `route accept`: the subnets a peer advertises in its CFG_REQUEST or
 * CFG_SET (INTERNAL_IP4_SUBNET with a contiguous mask, INTERNAL_IP6_SUBNET
 * with a length up to 128), host bits cleared; malformed ones are skipped
 * and counted in *bad. Returns how many were written to out (at most max). */
unsigned fgw_cp_peer_subnets(const struct fgw_ike_cp *cp, struct fgw_prefix *out, unsigned max,
			     unsigned *bad);

/* The networks `route set interface NAME` stands for: the IPv4 and IPv6
 * subnets of that port, loopback or tunnel in cfg. Returns how many. */
unsigned fgw_cp_interface_networks(const struct fgw_config *cfg, const char *name,
				   struct fgw_prefix out[2]);

#endif
