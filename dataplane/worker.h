/* A worker's receive path as a function, so the unit tests and the packet
 * fuzz target drive exactly the code the worker loop runs. */
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

#endif
