/* Counter names, and the sum over workers that readers (flexctl,
 * telemetry) show. */
#include <string.h>

#include "dataplane/dp.h"
#include "dataplane/stats.h"

const char *const fgw_drop_reason_names[FGW_DROP_MAX] = {
#define X(n, s) #n,
	FGW_DROP_REASONS(X)
#undef X
#define X(n, s) "ESP_" #n,
	FGW_SA_DROP_REASONS(X)
#undef X
};

const char *const fgw_drop_reason_text[FGW_DROP_MAX] = {
#define X(n, s) s,
	FGW_DROP_REASONS(X)
#undef X
#define X(n, s) "ESP: " s,
	FGW_SA_DROP_REASONS(X)
#undef X
};

const char *const fgw_punt_reason_names[FGW_PUNT_MAX] = {
#define X(n, s) #n,
	FGW_PUNT_REASONS(X)
#undef X
};

/* Every field of the stats struct is a uint64_t counter, so the sum is
 * taken word by word and stays right as counters are added. */
_Static_assert(sizeof(struct fgw_worker_stats) % sizeof(uint64_t) == 0,
	       "fgw_worker_stats must hold only uint64_t counters");
_Static_assert(FGW_PUNT_MAX <= RTE_DIM(((struct fgw_worker_stats *)0)->punt),
	       "fgw_worker_stats.punt is too small for the punt reasons");
_Static_assert(FGW_STATS_MAX_PORTS >= FGW_MAX_PORTS,
	       "fgw_worker_stats.port must cover every DPDK port flexgw uses");

void fgw_dp_stats_sum(const struct fgw_dp *dp, struct fgw_worker_stats *out)
{
	uint64_t *sum = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < dp->n_workers; i++) {
		const uint64_t *c = (const uint64_t *)&dp->workers[i]->stats;

		for (size_t j = 0; j < sizeof(*out) / sizeof(uint64_t); j++)
			sum[j] += __atomic_load_n(&c[j], __ATOMIC_RELAXED);
	}
}
