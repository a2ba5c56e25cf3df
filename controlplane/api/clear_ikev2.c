/* clear crypto ikev2 sa [remote ADDR]: tells each peer (DELETE) and takes
 * its SAs out of both planes; a tunnel we initiate for comes back up on
 * its own, as on IOS. */
#include "api/commands.h"

#include "controlplane/ikev2/ike.h"

static json_t *clear(struct fgw_cmd_ctx *x, const struct fgw_addr *remote)
{
	json_t *j;

	if (x->c->ike == NULL) {
		snprintf(x->err, sizeof(x->err), "%% IKEv2 is not running");
		return NULL;
	}
	j = json_pack("{s:I}", "cleared", (json_int_t)fgw_ike_clear(x->c, remote));
	return j != NULL ? j : fgw_cmd_nomem(x);
}

json_t *fgw_clear_crypto_ikev2_sa(struct fgw_cmd_ctx *x)
{
	return clear(x, NULL);
}

json_t *fgw_clear_crypto_ikev2_sa_remote(struct fgw_cmd_ctx *x)
{
	struct fgw_addr remote;

	if (!fgw_addr_parse(x->arg, &remote)) {
		snprintf(x->err, sizeof(x->err), "%% Invalid address %s", x->arg);
		return NULL;
	}
	return clear(x, &remote);
}
