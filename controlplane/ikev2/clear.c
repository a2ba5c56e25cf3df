/* clear crypto ikev2 sa [remote ADDR] (ike.h): the operator takes IKE SAs
 * down. Each established one tells its peer first (one DELETE, not
 * retransmitted: we are going either way), then leaves both planes like
 * any other SA that ends; a tunnel we initiate for starts again by itself. */
#include "controlplane/ikev2/engine.h"
#include "controlplane/ikev2/ike.h"

unsigned fgw_ike_clear(struct fgw_control *c, const struct fgw_addr *remote)
{
	struct fgw_ike *ike = c->ike;
	struct fgw_ike_sa *sa;
	unsigned n = 0;

	if (ike == NULL)
		return 0;
	/* ike_sa_kill leaves the SA in the list (DEAD) for the collector, so
	 * the walk stays valid. */
	TAILQ_FOREACH(sa, &ike->sas, link) {
		if (sa->state == FGW_IKE_ST_DEAD ||
		    (remote != NULL && !fgw_addr_eq(&sa->remote, remote)))
			continue;
		if (sa->state == FGW_IKE_ST_ESTABLISHED)
			ike_delete_send_now(sa);
		ike_sa_kill(sa);
		n++;
	}
	if (n > 0)
		FGW_NOTICE("IKEv2: %u IKE SA(s) cleared by the operator", n);
	return n;
}
