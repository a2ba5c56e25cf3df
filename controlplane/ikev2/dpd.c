/* Dead peer detection (RFC 7296 2.4) as IOS does it under `dpd INTERVAL
 * RETRY periodic|on-demand` of the IKEv2 profile:
 *   periodic   an empty INFORMATIONAL request every INTERVAL seconds;
 *   on-demand  one only when, over the last INTERVAL, the CHILD SAs sent
 *              packets but received none and no IKE message came in (the
 *              data path's SA counters say so).
 * An unanswered check is sent again every RETRY seconds; those
 * retransmissions are the retries, and after DPD_RETRIES of them the peer
 * is declared dead and every SA with it leaves both planes. The peer's own
 * liveness checks are answered in informational.c. */
#include <rte_cycles.h>
#include <rte_lcore.h>

#include "engine.h"

/* IOS sends five retries before it gives a peer up. */
#define DPD_RETRIES 5

void ike_child_packets(const struct fgw_ike_sa *sa, uint64_t *in, uint64_t *out)
{
	const struct fgw_ike_child *ch;

	*in = *out = 0;
	TAILQ_FOREACH(ch, &sa->children, link) {
		if (ch->sa_in != NULL)
			*in += ch->sa_in->stats.packets;
		if (ch->sa_out != NULL)
			*out += ch->sa_out->stats.packets;
	}
}

static void send_check(struct fgw_ike_sa *sa, const struct fgw_dpd_cfg *d)
{
	uint8_t buf[128];
	struct fgw_ike_buf b;

	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_INFORMATIONAL, false, sa->next_msg_id);
	if (ike_send_request_every(sa, &b, FGW_IKE_REQ_LIVENESS, d->retry_interval * 1000u,
				   1 + DPD_RETRIES) < 0)
		return;
	sa->ike->stats.dpd_sent++;
	FGW_DEBUG("IKEv2 SA %u: DPD liveness check to %s", sa->serial, ike_peer_str(sa));
}

static void tick(struct rte_timer *tim, void *arg)
{
	struct fgw_ike_sa *sa = arg;
	const struct fgw_dpd_cfg *d = &sa->profile->dpd;
	uint64_t now = rte_get_timer_cycles(), in, out;
	bool check;

	(void)tim;
	if (sa->state != FGW_IKE_ST_ESTABLISHED)
		return;
	ike_child_packets(sa, &in, &out);
	if (d->mode == FGW_DPD_PERIODIC)
		check = true;
	else
		check = out != sa->dpd_out && in == sa->dpd_in &&
			now - sa->last_rx >= ike_ms_to_cycles(d->interval * 1000ull);
	sa->dpd_in = in;
	sa->dpd_out = out;
	/* A request of ours under way checks the peer already: it is given up
	 * the same way when it goes unanswered. */
	if (check && sa->req.msg == NULL)
		send_check(sa, d);
	rte_timer_reset(&sa->dpd_timer, ike_ms_to_cycles(d->interval * 1000ull), SINGLE,
			rte_lcore_id(), tick, sa);
}

void ike_dpd_start(struct fgw_ike_sa *sa)
{
	if (sa->profile == NULL || sa->profile->dpd.interval == 0)
		return;
	ike_child_packets(sa, &sa->dpd_in, &sa->dpd_out);
	rte_timer_reset(&sa->dpd_timer, ike_ms_to_cycles(sa->profile->dpd.interval * 1000ull),
			SINGLE, rte_lcore_id(), tick, sa);
}

void ike_dpd_dead(struct fgw_ike_sa *sa)
{
	const struct fgw_dpd_cfg *d = &sa->profile->dpd;

	sa->ike->stats.dpd_dead++;
	ike_sa_fail(sa, FGW_IKE_FAIL_TIMEOUT, "peer is dead: DPD liveness check unanswered after "
		    "%u retries %u s apart; %u CHILD SA(s) torn down", sa->req.tries - 1,
		    d->retry_interval, sa->n_children);
}
