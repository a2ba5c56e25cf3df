/* Counters as flexctl shows them: "since the last clear counters".
 *
 * Workers own their counters and nothing else may write them, so clearing
 * cannot zero them. Like IOS, which clears what `show interfaces` prints
 * without touching the hardware registers, we keep a baseline snapshot and
 * subtract it on every read. DPDK telemetry reads the raw, never-cleared
 * values, the way SNMP counters survive a clear on a router. */
#ifndef FGW_API_COUNTERS_H
#define FGW_API_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>

#include "controlplane/control.h"

struct fgw_counters_baseline {
	bool cleared;
	uint64_t when;			/* rte_get_timer_cycles() of the clear */
	struct fgw_worker_stats worker[FGW_DP_MAX_WORKERS];
	struct rte_eth_stats eth[FGW_MAX_PORTS];
	struct fgw_control_stats control;
};

/* The control lcore's counters by name, for show and telemetry alike. */
struct fgw_counter_field {
	const char *key;		/* JSON and telemetry name */
	const char *label;		/* what the text view calls it */
	size_t offset;			/* of a uint64_t in struct fgw_control_stats */
};
extern const struct fgw_counter_field fgw_control_counters[];
extern const unsigned fgw_n_control_counters;

/* Reads every counter now and makes that the new zero. */
void fgw_counters_clear(const struct fgw_control *c, struct fgw_counters_baseline *b);

/* Worker w's counters since the clear. */
void fgw_counters_worker(const struct fgw_control *c, const struct fgw_counters_baseline *b,
			 unsigned w, struct fgw_worker_stats *out);
/* A DPDK port's ethdev counters since the clear; false when DPDK has none. */
bool fgw_counters_eth(const struct fgw_counters_baseline *b, uint16_t port,
		      struct rte_eth_stats *out);
void fgw_counters_control(const struct fgw_control *c, const struct fgw_counters_baseline *b,
			  struct fgw_control_stats *out);

/* Seconds since the clear, or -1 when counters were never cleared. */
int64_t fgw_counters_cleared_ago(const struct fgw_counters_baseline *b);

/* A copy of a worker's live counters, each read whole while it keeps writing. */
void fgw_counters_read_worker(const struct fgw_worker *w, struct fgw_worker_stats *out);
/* The same for the control lcore's, read from another thread (telemetry). */
void fgw_counters_read_control(const struct fgw_control *c, struct fgw_control_stats *out);

#endif
