/* The FlexVPN client's side of the configuration payload (a spoke: a
 * tunnel with `ip address negotiated`, or with routes to advertise).
 *
 * In IKE_AUTH the spoke sends a CFG_REQUEST asking, as IOS does, for an
 * IPv4 address and netmask, DNS and WINS servers, the default domain and
 * the split-DNS names (with ipv6_address_negotiated also an IPv6 address
 * and IPv6 DNS servers); it advertises the subnets of its own authorization
 * policy's `route set interface` / `route set access-list` as
 * INTERNAL_IP4/IP6_SUBNET (the hub's `route accept` turns them into
 * routes). From the CFG_REPLY it keeps what the hub gave: the address
 * goes on the tunnel interface (a /32 or /128, as IOS installs it) and the hub's
 * `route set` subnets become routes into the tunnel, until the SA goes.
 * The parsing and building here is plain C (no DPDK); client_install.c
 * puts the result on the interface and in the RIB. */
#ifndef FGW_FLEXVPN_CLIENT_H
#define FGW_FLEXVPN_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "controlplane/flexvpn/config_payload.h"
#include "controlplane/ikev2/message.h"

#define FGW_CP_CLIENT_ROUTES 32

/* What a spoke asked for and got, kept with its tunnel. */
struct fgw_cp_client {
	bool want_addr;			/* ip address negotiated */
	bool want_addr6;		/* ipv6 address negotiated */
	struct fgw_prefix advertised[FGW_CP_ROUTE_SET_MAX];	/* our route set */
	unsigned n_advertised;
	/* from the CFG_REPLY; family 0: not given */
	struct fgw_addr addr4, netmask4, addr6;
	struct fgw_addr dns[4];
	unsigned n_dns;
	struct fgw_addr wins[2];
	unsigned n_wins;
	char def_domain[FGW_FQDN_MAX];
	char split_dns[FGW_SPLIT_DNS_MAX][FGW_FQDN_MAX];
	unsigned n_split_dns;
	struct fgw_prefix routes[FGW_CP_CLIENT_ROUTES];	/* the hub's route set */
	unsigned n_routes;
	unsigned bad;			/* malformed attributes skipped */
	/* client_install.c: what is on the interface and in the RIB now */
	bool installed;
	uint32_t ifindex;
	unsigned n_routes_installed;	/* routes[0 .. n) */
};

/* Fills cl->want_addr / advertised from the tunnel and its profile's
 * authorization policy (NULL: none) and builds the CFG_REQUEST in req.
 * false when there is nothing to ask for (no CP payload is sent). */
bool fgw_cp_client_request(const struct fgw_config *cfg, const struct fgw_tunnel_cfg *tunnel,
			   const struct fgw_ikev2_authz_policy_cfg *policy,
			   struct fgw_cp_client *cl, struct fgw_cp_reply *req);

/* Reads a CFG_REPLY into cl (what was asked for is kept). false when cp
 * is not a CFG_REPLY. */
bool fgw_cp_client_read(const struct fgw_ike_cp *cp, struct fgw_cp_client *cl);

#endif
