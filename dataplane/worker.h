/* A worker's receive path and one pass of its loop as functions, so the
 * unit tests, the packet fuzz target and flexgw-bench drive exactly the
 * code the worker loop runs. */
#ifndef FGW_WORKER_H
#define FGW_WORKER_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dataplane/dp.h"

/* Processes n frames received on DPDK port `port` as worker w does: each
 * ends forwarded (queued on w's TX buffers), punted (on dp->punt) or
 * dropped and counted. Takes ownership of every mbuf. */
void fgw_worker_process_burst(struct fgw_dp *dp, struct fgw_worker *w, uint16_t port,
			      struct rte_mbuf **pkts, uint16_t n);

/* What the worker does between bursts: apply the control lcore's messages,
 * decrypt the ESP frames other workers handed over, transmit the frames
 * the control lcore injected, flush the TX buffers. Returns the number
 * of messages and frames handled. */
unsigned fgw_worker_service(struct fgw_worker *w);

/* The ports a worker polls: every port interface, in interface order. */
struct fgw_worker_ports {
	uint16_t ifs[FGW_MAX_PORTS];
	unsigned n;
};
void fgw_worker_ports_init(const struct fgw_dp *dp, struct fgw_worker_ports *p);

/* One pass of the worker loop: worker w's RX queue of each up port polled
 * once (a burst at most) and what came processed, then fgw_worker_service
 * and w's RCU quiescent report (w registered and online). Counts the pass
 * in w's polls, and in its idle_polls when there was nothing to do.
 * Returns the frames received plus the service's work; the frames alone
 * in *rx. */
unsigned fgw_worker_pass(struct fgw_dp *dp, struct fgw_worker *w,
			 const struct fgw_worker_ports *p, unsigned *rx);

#endif
