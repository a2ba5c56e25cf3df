/* How the data path counts on an SA and raises its state bits. Outbound
 * SAs are shared by every worker, so their counters take atomic adds (one
 * per run of packets, one per drop); an inbound SA has one owner, whose
 * plain adds are enough. A state bit is read before it is set, so the
 * shared line is written once, not per burst. */
#ifndef FGW_SA_COUNT_H
#define FGW_SA_COUNT_H

#include "common/sa.h"

static inline void fgw_sa_set_state(struct fgw_sa *sa, uint32_t bit)
{
	if (!(__atomic_load_n(&sa->state, __ATOMIC_RELAXED) & bit))
		__atomic_fetch_or(&sa->state, bit, __ATOMIC_RELAXED);
}

static inline void fgw_sa_count_out(struct fgw_sa *sa, uint64_t packets, uint64_t bytes)
{
	__atomic_fetch_add(&sa->stats.packets, packets, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sa->stats.bytes, bytes, __ATOMIC_RELAXED);
}

/* The same, by the only thread that ever writes them: plain adds, each
 * word still stored whole for the readers. */
static inline void fgw_sa_count_sole(struct fgw_sa *sa, uint64_t packets, uint64_t bytes)
{
	__atomic_store_n(&sa->stats.packets, sa->stats.packets + packets, __ATOMIC_RELAXED);
	__atomic_store_n(&sa->stats.bytes, sa->stats.bytes + bytes, __ATOMIC_RELAXED);
}

static inline void fgw_sa_drop_out(struct fgw_sa *sa, unsigned reason)
{
	__atomic_fetch_add(&sa->stats.drop[reason], 1, __ATOMIC_RELAXED);
}

#endif
