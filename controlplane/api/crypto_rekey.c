/* crypto ipsec rekey install|switch|finish TUNNEL: an operator's rekey of
 * a tunnel's manual SAs to the other key set of its manual_sa, one step
 * at a time so that two gateways can be taken through it without losing
 * a packet (controlplane/tunnel/manual_sa.c says in which order). */
#include "api/commands.h"

#include <stdio.h>

#include "controlplane/tunnel/tunnel.h"

static json_t *rekey(struct fgw_cmd_ctx *x, enum fgw_rekey_step step)
{
	uint32_t spi_in = 0, spi_out = 0;
	json_t *j;

	if (fgw_manual_sa_rekey(x->c, x->arg, step, &spi_in, &spi_out, x->err,
				sizeof(x->err)) < 0)
		return NULL;
	j = json_pack("{s:s, s:I, s:I}", "tunnel", x->arg, "inbound_spi", (json_int_t)spi_in,
		      "outbound_spi", (json_int_t)spi_out);
	return j != NULL ? j : fgw_cmd_nomem(x);
}

json_t *fgw_crypto_ipsec_rekey_install(struct fgw_cmd_ctx *x)
{
	return rekey(x, FGW_REKEY_INSTALL);
}

json_t *fgw_crypto_ipsec_rekey_switch(struct fgw_cmd_ctx *x)
{
	return rekey(x, FGW_REKEY_SWITCH);
}

json_t *fgw_crypto_ipsec_rekey_finish(struct fgw_cmd_ctx *x)
{
	return rekey(x, FGW_REKEY_FINISH);
}
