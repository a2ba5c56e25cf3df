/* debug crypto ikev2 / no debug crypto ikev2: the engine then logs every
 * message it sends and receives with its payload names, never a key, a
 * nonce or a pre-shared key (controlplane/ikev2/exchange.c). */
#include "api/commands.h"

#include "controlplane/ikev2/ike_sa.h"

static json_t *debug(struct fgw_cmd_ctx *x, bool on)
{
	json_t *j;

	if (x->c->ike == NULL) {
		snprintf(x->err, sizeof(x->err), "%% IKEv2 is not running");
		return NULL;
	}
	x->c->ike->debug = on;
	j = json_pack("{s:b}", "debug", on);
	return j != NULL ? j : fgw_cmd_nomem(x);
}

json_t *fgw_debug_crypto_ikev2(struct fgw_cmd_ctx *x)
{
	return debug(x, true);
}

json_t *fgw_no_debug_crypto_ikev2(struct fgw_cmd_ctx *x)
{
	return debug(x, false);
}

void fgw_render_debug_crypto_ikev2(const json_t *j, struct fgw_text *t)
{
	fgw_text_printf(t, "IKEv2 default debugging is %s\n",
			json_is_true(json_object_get(j, "debug")) ? "on" : "off");
}
