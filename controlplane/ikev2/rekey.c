/* Lifetimes: every established IKE SA has a quarter-second tick that starts
 * the rekeys its lifetimes call for and finishes what rekeys leave behind.
 *   CHILD SA  rekeyed at 85-90 % of the IPsec profile's lifetime seconds
 *             (random, so both ends rarely start together), or as soon as
 *             the data path marks either direction soft-expired (volume,
 *             FGW_SA_SOFT_EXPIRED at 75 % of lifetime kilobytes); rekeyed at
 *             once if it reaches its hard lifetime anyway (the data path
 *             drops on it then), deleted if even that fails for a while;
 *             a tunnel whose IKE SA has no CHILD SA left gets a new one;
 *   IKE SA    rekeyed at 85-90 % of the profile's lifetime; gone at 100 %.
 * After a rekey the old CHILD SA is deleted with an INFORMATIONAL DELETE
 * (by the rekey's initiator; its responder waits for that DELETE, then
 * deletes it itself after IKE_REKEY_LINGER_MS), the old IKE SA likewise.
 * We keep one request in flight (window 1): what waits for the slot goes
 * on the next tick, or at once when an exchange completes (ike_life_kick). */
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_random.h>

#include "engine.h"
#include "ike.h"

/* Often enough that a CHILD SA at line rate goes from its soft volume
 * mark (75 %, child_sa.c) to a rekey well before its hard one. */
#define TICK_MS 250
#define DEFAULT_IKE_LIFETIME_S 86400

/* A moment 85-90 % of the way through a lifetime from `from`. */
static uint64_t rekey_time(uint64_t from, uint64_t lifetime_s)
{
	uint64_t permille = 850 + rte_rand() % 51;

	return from + ike_ms_to_cycles(lifetime_s * permille);
}

void ike_child_lifetimes(struct fgw_ike_child *ch)
{
	if (ch->lifetime_s == 0) {
		ch->rekey_at = ch->expire_at = 0;
		return;
	}
	ch->rekey_at = rekey_time(ch->created, ch->lifetime_s);
	ch->expire_at = ch->created + ike_ms_to_cycles(ch->lifetime_s * 1000ull);
}

void ike_sa_rekeyed(struct fgw_ike_sa *old, struct fgw_ike_sa *n)
{
	if (old->state == FGW_IKE_ST_ESTABLISHED)
		old->ike->n_established--;
	old->state = FGW_IKE_ST_REKEYED;
	old->rekeyed_by = n;
	old->rekeyed_at = rte_get_timer_cycles();
	old->tunnel = NULL;
	rte_timer_stop(&old->retx_timer);
}

/* ---- the DELETEs a rekey leaves to do ------------------------------------------- */

int ike_child_delete_start(struct fgw_ike_sa *sa, struct fgw_ike_child *ch)
{
	uint8_t buf[256], spi[4];
	struct fgw_ike_buf b;

	if (sa->req.msg != NULL)
		return -1;
	spi[0] = (uint8_t)(ch->spi_in >> 24);
	spi[1] = (uint8_t)(ch->spi_in >> 16);
	spi[2] = (uint8_t)(ch->spi_in >> 8);
	spi[3] = (uint8_t)ch->spi_in;
	/* Our outbound moves to the successor before the peer forgets old. */
	if (ch->successor != NULL)
		ike_child_publish(sa, ch->successor);
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_INFORMATIONAL, false, sa->next_msg_id);
	fgw_ike_build_delete(&b, FGW_IKE_PROTO_ESP, spi, 4, 1);
	sa->xchg_child = ch;
	if (ike_send_request_as(sa, &b, FGW_IKE_REQ_DELETE_CHILD) < 0)
		return -1;
	ch->state = FGW_CHILD_DELETING;
	return 0;
}

int ike_ike_delete_start(struct fgw_ike_sa *sa)
{
	uint8_t buf[256];
	struct fgw_ike_buf b;

	if (sa->req.msg != NULL) {
		ike_delete_send_now(sa);
		ike_sa_kill(sa);
		return 0;
	}
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_INFORMATIONAL, false, sa->next_msg_id);
	fgw_ike_build_delete(&b, FGW_IKE_PROTO_IKE, NULL, 0, 0);
	return ike_send_request_as(sa, &b, FGW_IKE_REQ_DELETE_IKE);
}

/* The answer to one of the DELETEs above. */
void ike_rekey_delete_response(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	struct fgw_ike_child *ch = sa->xchg_child;

	(void)msg;
	sa->xchg_child = NULL;
	if (sa->req.kind == FGW_IKE_REQ_DELETE_IKE) {
		ike_sa_kill(sa);
		return;
	}
	if (ch != NULL && ch->state == FGW_CHILD_DELETING)
		ike_child_delete(sa, ch);
	ike_life_kick(sa);
}

/* ---- the tick --------------------------------------------------------------------- */

static bool soft_expired(const struct fgw_ike_child *ch, uint64_t now)
{
	uint32_t bits = 0;

	if (ch->sa_in != NULL)
		bits |= __atomic_load_n(&ch->sa_in->state, __ATOMIC_RELAXED);
	if (ch->sa_out != NULL)
		bits |= __atomic_load_n(&ch->sa_out->state, __ATOMIC_RELAXED);
	if (now < ch->retry_at)
		return false;
	return (ch->rekey_at && now >= ch->rekey_at) || bits != 0;
}

static bool hard_expired(const struct fgw_ike_child *ch, uint64_t now)
{
	uint32_t bits = 0;

	if (ch->sa_in != NULL)
		bits |= __atomic_load_n(&ch->sa_in->state, __ATOMIC_RELAXED);
	if (ch->sa_out != NULL)
		bits |= __atomic_load_n(&ch->sa_out->state, __ATOMIC_RELAXED);
	if (now < ch->retry_at)
		return false;
	return (ch->expire_at && now >= ch->expire_at) ||
	       (bits & (FGW_SA_HARD_EXPIRED | FGW_SA_SEQ_EXHAUSTED));
}

static void run(struct fgw_ike_sa *sa)
{
	uint64_t now = rte_get_timer_cycles();
	struct fgw_ike_child *ch, *next;

	if (sa->state == FGW_IKE_ST_REKEYED) {
		/* Replaced: its DELETE (ours or the peer's) ends it; if neither
		 * comes, it goes quietly. */
		if (now - sa->rekeyed_at >= ike_ms_to_cycles(IKE_REKEY_LINGER_MS * 3))
			ike_sa_kill(sa);
		return;
	}
	if (sa->state != FGW_IKE_ST_ESTABLISHED)
		return;
	if (now >= sa->established + ike_ms_to_cycles(sa->lifetime_s * 1000ull)) {
		FGW_NOTICE("IKEv2 SA %u with %s reached its lifetime of %u s without a rekey",
			   sa->serial, ike_peer_str(sa), sa->lifetime_s);
		ike_delete_send_now(sa);
		ike_sa_kill(sa);
		return;
	}
	bool carrying = false;

	for (ch = TAILQ_FIRST(&sa->children); ch != NULL; ch = next) {
		next = TAILQ_NEXT(ch, link);
		if (ch->state == FGW_CHILD_INSTALLED || ch->state == FGW_CHILD_REKEYING)
			carrying = true;
		if (ch->state == FGW_CHILD_INSTALLED && ch->successor == NULL && ch->expire_at &&
		    now >= ch->expire_at + ike_ms_to_cycles(IKE_REKEY_LINGER_MS)) {
			FGW_NOTICE("IKEv2 SA %u: CHILD SA in %08x out %08x is past its lifetime and "
				   "could not be rekeyed: deleted", sa->serial, ch->spi_in, ch->spi_out);
			if (ike_child_delete_start(sa, ch) < 0)
				ike_child_delete(sa, ch);
			continue;
		}
		if (sa->req.msg != NULL)
			continue;
		if (ch->state == FGW_CHILD_REKEYED && (ch->delete_at == 0 || now >= ch->delete_at)) {
			ike_child_delete_start(sa, ch);
			continue;
		}
		/* A CHILD SA some other one replaced (a collision's loser on
		 * the peer's side) is not ours to rekey. */
		if (ch->state == FGW_CHILD_INSTALLED && ch->predecessor == NULL &&
		    ch->sa_out_pending == NULL && (soft_expired(ch, now) || hard_expired(ch, now)))
			ike_child_rekey_start(sa, ch);
	}
	/* The tunnel's IKE SA without a CHILD SA (it expired, or the peer's
	 * refused): a new one over this IKE SA. */
	if (!carrying && sa->req.msg == NULL && sa->tunnel != NULL && sa->tunnel->sa == sa &&
	    now - sa->last_child_try >= ike_ms_to_cycles(IKE_REKEY_LINGER_MS)) {
		sa->last_child_try = now;
		ike_child_rekey_start(sa, NULL);
	}
	if (sa->req.msg == NULL && sa->rekey_at && now >= sa->rekey_at)
		ike_ike_rekey_start(sa, 0);
}

static void tick(struct rte_timer *tim, void *arg)
{
	(void)tim;
	run(arg);
}

void ike_life_kick(struct fgw_ike_sa *sa)
{
	if (sa->state == FGW_IKE_ST_ESTABLISHED || sa->state == FGW_IKE_ST_REKEYED)
		run(sa);
}

void ike_life_start(struct fgw_ike_sa *sa)
{
	sa->lifetime_s = sa->profile && sa->profile->lifetime ? sa->profile->lifetime
							       : DEFAULT_IKE_LIFETIME_S;
	sa->rekey_at = rekey_time(sa->established, sa->lifetime_s);
	rte_timer_reset(&sa->life_timer, ike_ms_to_cycles(TICK_MS), PERIODICAL, rte_lcore_id(),
			tick, sa);
}

unsigned fgw_ike_rekey_now(struct fgw_control *c)
{
	struct fgw_ike_sa *sa;
	unsigned n = 0;

	if (c->ike == NULL)
		return 0;
	/* Due now: the tick starts it as a lifetime would, once the request
	 * slot is free (a rekey already under way is left to finish). */
	TAILQ_FOREACH(sa, &c->ike->sas, link) {
		if (sa->state != FGW_IKE_ST_ESTABLISHED)
			continue;
		sa->rekey_at = rte_get_timer_cycles();
		ike_life_kick(sa);
		n++;
	}
	if (n > 0)
		FGW_NOTICE("IKEv2: rekey of %u IKE SA(s) asked by the operator", n);
	return n;
}
