/* The master neighbour table (ARP and IPv6 ND share it): the control lcore
 * resolves, ages and re-probes; each worker gets a copy of every usable
 * entry by message.
 *
 * Lifecycle of an entry:
 *   INCOMPLETE  created by a packet that needs it; probed every
 *               NEIGH_RETRANS_MS, NEIGH_PROBES times; packets wait.
 *   REACHABLE   the neighbour answered. After NEIGH_REACHABLE_S it is
 *   STALE       still used by the workers, and re-probed the same way;
 *               an answer makes it REACHABLE again, silence deletes it
 *               (the workers are told), and the next packet for it starts
 *               over.
 *   FAILED      INCOMPLETE without an answer: the waiting packets got
 *               ICMP host unreachable; kept NEIGH_FAILED_HOLD_S for
 *               `show arp`, or restarted by the next packet.
 * Five minutes before a refresh is a middle ground: Linux confirms every
 * 30 s (but only neighbours in use), IOS every 4 hours; one probe per
 * neighbour per five minutes costs nothing, and a neighbour that changed
 * MAC without a gratuitous ARP is found within five minutes.
 *
 * Anyone can make us resolve: every packet to an unused address of a
 * connected subnet creates an INCOMPLETE entry. So what that costs is
 * bounded: a few packets wait per entry and an eighth of the mbuf pool in
 * all (the rest is the workers' RX); probes for new entries share a token
 * bucket; and a full table gives up an unresolved entry for a new one
 * before it refuses (RFC 6583 section 7.1).
 *
 * The workers' copies follow by message. A message that does not fit in a
 * worker's ring marks the entry, and a timer sends the entry's current
 * state (SET or DEL, both idempotent) again until every worker took it. */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "common/log.h"
#include "net.h"

/* Entries kept. The index has room for twice as many: a cuckoo hash near
 * full refuses a key whose buckets are taken, which behind a flood would
 * lock one real neighbour out however many entries are reclaimed. */
#define NEIGH_TABLE_SIZE 4096
#define NEIGH_INDEX_SIZE (2 * NEIGH_TABLE_SIZE)
#define NEIGH_PROBES 3
#define NEIGH_RETRANS_MS 1000
/* tests/unit/net builds a variant with a short one to see entries age. */
#ifndef NEIGH_REACHABLE_S
#define NEIGH_REACHABLE_S 300
#endif
#define NEIGH_FAILED_HOLD_S 20
/* 100 new neighbours a second is more than a gateway meets in normal
 * life; a burst of 50 covers a subnet coming up at once. */
#define NEIGH_PROBE_RATE 100
#define NEIGH_PROBE_BURST 50
#define NEIGH_RESEND_MS 100
/* Slots looked at per attempt to find a victim in a full table: keeps a
 * table full of resolved neighbours from costing a whole scan per packet. */
#define NEIGH_RECLAIM_SCAN 64

struct neigh_key {
	uint32_t ifindex;
	uint8_t family;
	uint8_t pad;
	uint8_t addr[16];
};

static void key_of(struct neigh_key *k, uint32_t ifindex, const struct fgw_addr *a)
{
	memset(k, 0, sizeof(*k));
	k->ifindex = ifindex;
	k->family = a->family;
	memcpy(k->addr, a->bytes, a->family == AF_INET ? 4 : 16);
}

static struct fgw_neigh *neigh_find(struct fgw_neigh_table *t, uint32_t ifindex,
				    const struct fgw_addr *a)
{
	struct neigh_key k;
	int pos;

	key_of(&k, ifindex, a);
	pos = rte_hash_lookup(t->index, &k);
	if (pos < 0 || (unsigned)pos >= t->size)
		return NULL;
	return &t->slots[pos];
}

static void neigh_delete(struct fgw_neigh_table *t, struct fgw_neigh *n);

/* An entry that never resolved makes room: the next one a hand going
 * round the slots finds. Not one whose DEL still has to reach the workers. */
static bool neigh_reclaim(struct fgw_control *c)
{
	struct fgw_neigh_table *t = &c->neigh;

	for (unsigned i = 0; i < NEIGH_RECLAIM_SCAN; i++) {
		struct fgw_neigh *n = &t->slots[t->reclaim_hand];

		t->reclaim_hand = (t->reclaim_hand + 1) % t->size;
		if (!n->in_use || n->workers_stale ||
		    (n->state != FGW_NEIGH_INCOMPLETE && n->state != FGW_NEIGH_FAILED))
			continue;
		c->stats.neigh_pending_dropped += n->n_pending;
		c->stats.neigh_reclaimed++;
		neigh_delete(t, n);
		return true;
	}
	return false;
}

static struct fgw_neigh *neigh_create(struct fgw_control *c, uint32_t ifindex,
				      const struct fgw_addr *a)
{
	struct fgw_neigh_table *t = &c->neigh;
	struct fgw_neigh *n;
	struct neigh_key k;
	int pos;

	if (t->n_used >= NEIGH_TABLE_SIZE && !neigh_reclaim(c))
		return NULL;
	key_of(&k, ifindex, a);
	pos = rte_hash_add_key(t->index, &k);
	if (pos < 0)
		return NULL;
	if ((unsigned)pos >= t->size) {
		rte_hash_del_key(t->index, &k);
		return NULL;
	}
	t->n_used++;
	n = &t->slots[pos];
	n->ifindex = ifindex;
	n->addr = *a;
	memset(&n->mac, 0, sizeof(n->mac));
	n->state = FGW_NEIGH_INCOMPLETE;
	n->probes = 0;
	n->updated = rte_get_timer_cycles();
	n->n_pending = 0;
	n->in_use = true;
	n->workers_stale = false;
	return n;
}

static void neigh_delete(struct fgw_neigh_table *t, struct fgw_neigh *n)
{
	struct neigh_key k;

	rte_timer_stop(&n->timer);
	for (unsigned i = 0; i < n->n_pending; i++)
		rte_pktmbuf_free(n->pending[i]);
	t->pending -= n->n_pending;
	n->n_pending = 0;
	t->n_used--;
	if (n->workers_stale)
		t->n_workers_stale--;
	n->workers_stale = false;
	n->in_use = false;
	key_of(&k, n->ifindex, &n->addr);
	rte_hash_del_key(t->index, &k);
}

static bool neigh_usable(const struct fgw_neigh *n)
{
	return n->state == FGW_NEIGH_REACHABLE || n->state == FGW_NEIGH_STALE ||
	       n->state == FGW_NEIGH_STATIC;
}

static void neigh_resend(struct rte_timer *tim, void *arg);

/* The workers get the entry as it is now: its MAC while usable, else a
 * DEL. On a full ring the entry is marked and the resend timer tries
 * again; a worker that missed a SET would only punt (and fgw_neigh_resolve
 * tell it again), but one that missed a DEL or a new MAC would keep
 * sending to the old one. */
static void neigh_tell_workers(struct fgw_control *c, struct fgw_neigh *n)
{
	struct fgw_neigh_table *t = &c->neigh;
	struct fgw_msg msg = { .ifindex = n->ifindex, .addr = n->addr };
	char buf[FGW_ADDR_STRLEN];

	msg.type = neigh_usable(n) ? FGW_MSG_NEIGH_SET : FGW_MSG_NEIGH_DEL;
	rte_ether_addr_copy(&n->mac, &msg.mac);
	if (fgw_msg_broadcast(c->dp, &msg) == 0) {
		if (n->workers_stale)
			t->n_workers_stale--;
		n->workers_stale = false;
		return;
	}
	FGW_DEBUG("neighbour %s: a worker's message ring is full, will tell it again",
		  fgw_addr_str(&n->addr, buf, sizeof(buf)));
	if (!n->workers_stale)
		t->n_workers_stale++;
	n->workers_stale = true;
	if (!rte_timer_pending(&t->resend))
		rte_timer_reset(&t->resend, rte_get_timer_hz() * NEIGH_RESEND_MS / 1000, SINGLE,
				rte_lcore_id(), neigh_resend, c);
}

static void neigh_resend(struct rte_timer *tim, void *arg)
{
	struct fgw_control *c = arg;
	struct fgw_neigh_table *t = &c->neigh;

	(void)tim;
	for (unsigned i = 0; i < t->size && t->n_workers_stale > 0; i++) {
		struct fgw_neigh *n = &t->slots[i];

		if (!n->in_use || !n->workers_stale)
			continue;
		neigh_tell_workers(c, n);
		if (n->workers_stale)
			return;		/* still full: the timer is armed again */
	}
}

/* A probe for a new entry over the rate still counts as one of its
 * NEIGH_PROBES, so the entry fails and frees its packets on time. Entries
 * that resolved before are re-probed unlimited: only neighbours that
 * answered us fill those. */
static void neigh_probe(struct fgw_control *c, struct fgw_neigh *n)
{
	struct fgw_neigh_table *t = &c->neigh;

	n->probes++;
	if (n->state == FGW_NEIGH_INCOMPLETE &&
	    !fgw_net_bucket_take(&t->probe_tokens, &t->probe_last_refill, NEIGH_PROBE_RATE,
				 NEIGH_PROBE_BURST)) {
		c->stats.neigh_probes_ratelimited++;
		return;
	}
	if (n->addr.family == AF_INET)
		fgw_arp_request(c, n->ifindex, &n->addr);
	else
		fgw_nd_solicit(c, n->ifindex, &n->addr);
}

static void neigh_timer(struct rte_timer *t, void *arg);

static void neigh_arm(struct fgw_control *c, struct fgw_neigh *n, uint64_t ms)
{
	uint64_t ticks = rte_get_timer_hz() * ms / 1000;

	rte_timer_reset(&n->timer, ticks, SINGLE, rte_lcore_id(), neigh_timer, c);
}

static void neigh_xmit(struct fgw_control *c, const struct fgw_neigh *n, struct rte_mbuf *m)
{
	fgw_net_eth_send(c, m, n->ifindex, &n->mac, fgw_net_ethertype(m));
}

/* The waiting packets leave the entry before they are handled: sending one
 * may come back into the table (an ICMP error routed via this neighbour). */
static unsigned neigh_take_pending(struct fgw_neigh_table *t, struct fgw_neigh *n,
				   struct rte_mbuf **out)
{
	unsigned count = n->n_pending;

	memcpy(out, n->pending, count * sizeof(*out));
	t->pending -= count;
	n->n_pending = 0;
	return count;
}

static void neigh_fail(struct fgw_control *c, struct fgw_neigh *n)
{
	struct rte_mbuf *pending[FGW_NEIGH_PENDING_MAX];
	unsigned count = neigh_take_pending(&c->neigh, n, pending);
	char buf[FGW_ADDR_STRLEN];

	FGW_DEBUG("neighbour %s on %s: no answer, %u packet(s) dropped",
		  fgw_addr_str(&n->addr, buf, sizeof(buf)), c->dp->ifs[n->ifindex].name, count);
	n->state = FGW_NEIGH_FAILED;
	c->stats.neigh_failed++;
	neigh_arm(c, n, NEIGH_FAILED_HOLD_S * 1000);
	for (unsigned i = 0; i < count; i++) {
		struct rte_mbuf *m = pending[i];

		fgw_icmp_unreachable(c, m, fgw_punt_meta(c->dp, m)->in_if, 1);
		rte_pktmbuf_free(m);
	}
}

static void neigh_timer(struct rte_timer *t, void *arg)
{
	struct fgw_control *c = arg;
	struct fgw_neigh *n = container_of(t, struct fgw_neigh, timer);

	switch (n->state) {
	case FGW_NEIGH_INCOMPLETE:
		if (n->probes >= NEIGH_PROBES) {
			neigh_fail(c, n);
			return;
		}
		break;
	case FGW_NEIGH_REACHABLE:
		n->state = FGW_NEIGH_STALE;
		n->probes = 0;
		break;
	case FGW_NEIGH_STALE:
		if (n->probes >= NEIGH_PROBES) {
			/* Unusable now: the workers are told DEL. Until
			 * they all took it, the entry stays to be re-sent. */
			n->state = FGW_NEIGH_FAILED;
			neigh_tell_workers(c, n);
			if (n->workers_stale)
				neigh_arm(c, n, NEIGH_FAILED_HOLD_S * 1000);
			else
				neigh_delete(&c->neigh, n);
			return;
		}
		break;
	default:
		if (n->workers_stale)
			neigh_arm(c, n, NEIGH_FAILED_HOLD_S * 1000);
		else
			neigh_delete(&c->neigh, n);
		return;
	}
	neigh_probe(c, n);
	neigh_arm(c, n, NEIGH_RETRANS_MS);
}

void fgw_neigh_learn(struct fgw_control *c, uint32_t ifindex, const struct fgw_addr *addr,
		     const struct rte_ether_addr *mac, bool create)
{
	struct rte_mbuf *pending[FGW_NEIGH_PENDING_MAX];
	struct fgw_neigh *n = neigh_find(&c->neigh, ifindex, addr);
	char buf[FGW_ADDR_STRLEN], macbuf[RTE_ETHER_ADDR_FMT_SIZE];
	unsigned count;
	bool changed;

	if (!rte_is_valid_assigned_ether_addr(mac))
		return;
	if (n == NULL) {
		if (!create)
			return;
		n = neigh_create(c, ifindex, addr);
		if (n == NULL) {
			FGW_DEBUG("neighbour table full: %s not learnt",
				  fgw_addr_str(addr, buf, sizeof(buf)));
			return;
		}
	}
	changed = !neigh_usable(n) || !rte_is_same_ether_addr(&n->mac, mac);
	if (neigh_usable(n) && changed) {
		rte_ether_format_addr(macbuf, sizeof(macbuf), mac);
		FGW_NOTICE("neighbour %s on %s moved to %s", fgw_addr_str(addr, buf, sizeof(buf)),
			   c->dp->ifs[ifindex].name, macbuf);
	}
	if (n->state == FGW_NEIGH_INCOMPLETE && n->probes > 0)
		c->stats.neigh_resolved++;	/* not a fresh entry: an answer to our probe */
	rte_ether_addr_copy(mac, &n->mac);
	n->state = FGW_NEIGH_REACHABLE;
	n->probes = 0;
	n->updated = rte_get_timer_cycles();
	neigh_arm(c, n, NEIGH_REACHABLE_S * 1000);
	if (changed)
		neigh_tell_workers(c, n);
	count = neigh_take_pending(&c->neigh, n, pending);
	for (unsigned i = 0; i < count; i++)
		neigh_xmit(c, n, pending[i]);
}

void fgw_neigh_output(struct fgw_control *c, uint32_t ifindex, const struct fgw_addr *addr,
		      struct rte_mbuf *m)
{
	struct fgw_neigh_table *t = &c->neigh;
	struct fgw_neigh *n = neigh_find(t, ifindex, addr);

	if (n != NULL && neigh_usable(n)) {
		neigh_xmit(c, n, m);
		return;
	}
	if (n == NULL)
		n = neigh_create(c, ifindex, addr);
	if (n == NULL) {
		c->stats.neigh_pending_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	if (n->state == FGW_NEIGH_FAILED) {
		n->state = FGW_NEIGH_INCOMPLETE;
		n->probes = 0;
	}
	/* Over the cap the packet goes, but resolution still starts: the
	 * next packet may find the neighbour known. */
	if (n->n_pending < FGW_NEIGH_PENDING_MAX && t->pending < t->pending_max) {
		n->pending[n->n_pending++] = m;
		t->pending++;
	} else {
		c->stats.neigh_pending_dropped++;
		rte_pktmbuf_free(m);
	}
	if (n->probes == 0) {
		neigh_probe(c, n);
		neigh_arm(c, n, NEIGH_RETRANS_MS);
	}
}

void fgw_neigh_resolve(struct fgw_control *c, uint32_t ifindex, const struct fgw_addr *addr,
		       struct rte_mbuf *m)
{
	struct fgw_neigh *n = neigh_find(&c->neigh, ifindex, addr);

	/* Known here but not to the worker that punted: its copy is behind
	 * (the message is in flight, or its ring was full). */
	if (n != NULL && neigh_usable(n))
		neigh_tell_workers(c, n);
	fgw_neigh_output(c, ifindex, addr, m);
}

int fgw_neigh_init(struct fgw_control *c, char *err, size_t errlen)
{
	struct fgw_neigh_table *t = &c->neigh;
	struct rte_hash_parameters hp = {
		.name = "fgw_neigh",
		.entries = NEIGH_INDEX_SIZE,
		.key_len = sizeof(struct neigh_key),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	t->index = rte_hash_create(&hp);
	if (t->index == NULL) {
		snprintf(err, errlen, "cannot create the neighbour index");
		return -1;
	}
	t->slots = calloc(NEIGH_INDEX_SIZE, sizeof(*t->slots));
	if (t->slots == NULL) {
		rte_hash_free(t->index);
		t->index = NULL;
		snprintf(err, errlen, "out of memory for %u neighbours", NEIGH_INDEX_SIZE);
		return -1;
	}
	t->size = NEIGH_INDEX_SIZE;
	t->pending_max = c->dp->pool->size / 8;
	for (unsigned i = 0; i < t->size; i++)
		rte_timer_init(&t->slots[i].timer);
	rte_timer_init(&t->resend);
	return 0;
}

void fgw_neigh_free(struct fgw_control *c)
{
	struct fgw_neigh_table *t = &c->neigh;

	rte_timer_stop(&t->resend);
	for (unsigned i = 0; i < t->size; i++)
		if (t->slots[i].in_use)
			neigh_delete(t, &t->slots[i]);
	free(t->slots);
	rte_hash_free(t->index);
	memset(t, 0, sizeof(*t));
}
