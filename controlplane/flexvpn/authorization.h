/* The authorization policy a peer gets (crypto ikev2 authorization
 * policy, through `aaa authorization group|user psk` of its IKEv2
 * profile, local database).
 *
 * Each of the two aaa statements names a policy, or derives the policy's
 * name from the peer's identity with a name mangler (IOS `name-mangler`:
 * the hostname, the domain or all of an FQDN identity; the user name, the
 * domain or all of an email identity). With both, the group policy is
 * the base and what the user policy sets takes precedence, as on IOS.
 * Plain C: no DPDK. */
#ifndef FGW_FLEXVPN_AUTHORIZATION_H
#define FGW_FLEXVPN_AUTHORIZATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

enum fgw_authz_result {
	FGW_AUTHZ_FAILED = -1,		/* configured, but no policy resolves: refuse the peer */
	FGW_AUTHZ_NONE = 0,		/* the profile has no aaa authorization */
	FGW_AUTHZ_OK = 1,
};

/* The policy name a mangler makes of an identity (id_type an IKE ID type
 * of wire.h; id its data as sent). false when the identity's type does
 * not fit the mangler, or the part is empty, too long, or not printable. */
bool fgw_authz_mangle(uint8_t mangler, uint8_t id_type, const uint8_t *id, size_t id_len,
		      char *name, size_t name_len);

/* The merged policy for a peer of profile prof with this identity, in
 * *out (its name says where it came from: "GROUP" or "GROUP+USER"). On
 * FGW_AUTHZ_FAILED, why says which name did not resolve. */
int fgw_authz_resolve(const struct fgw_config *cfg, const struct fgw_ikev2_profile_cfg *prof,
		      uint8_t id_type, const uint8_t *id, size_t id_len,
		      struct fgw_ikev2_authz_policy_cfg *out, char *why, size_t why_len);

#endif
