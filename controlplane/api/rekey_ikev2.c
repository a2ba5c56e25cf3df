/* crypto ikev2 rekey: every established IKE SA rekeys now instead of at
 * 85-90 % of its lifetime (RFC 7296 2.8), e.g. before a planned change or
 * to drive a rekey in a test; the CHILD SAs move to the new IKE SA. */
#include "api/commands.h"

#include "controlplane/ikev2/ike.h"

json_t *fgw_crypto_ikev2_rekey(struct fgw_cmd_ctx *x)
{
	json_t *j;

	if (x->c->ike == NULL) {
		snprintf(x->err, sizeof(x->err), "%% IKEv2 is not running");
		return NULL;
	}
	j = json_pack("{s:I}", "rekeying", (json_int_t)fgw_ike_rekey_now(x->c));
	return j != NULL ? j : fgw_cmd_nomem(x);
}
