/* Per-worker counters. Each worker writes only its own; readers sum them.
 * Every received packet ends in exactly one of: forwarded, punted, dropped
 * (one reason), so per worker
 *     rx == forwarded + punted + sum(drop[]) - drop[TX_FULL]
 * TX_FULL counts frames that were forwarded or injected and then refused by
 * the TX queue: it is the only drop reason outside the RX path. */
#ifndef FGW_STATS_H
#define FGW_STATS_H

#include <stdint.h>

#include "common/sa_drops.h"

#define FGW_STATS_MAX_PORTS 16

#define FGW_DROP_REASONS(X) \
	X(RUNT, "runt or truncated frame") \
	X(NOT_FOR_US, "unicast frame for another MAC") \
	X(UNKNOWN_ETHERTYPE, "unsupported ethertype") \
	X(IPV4_HEADER, "malformed IPv4 header") \
	X(IPV4_CHECKSUM, "bad IPv4 header checksum") \
	X(IPV6_HEADER, "malformed IPv6 header") \
	X(BAD_SOURCE, "martian source address") \
	X(MULTICAST, "multicast not forwarded") \
	X(LINK_LOCAL, "link-local destination not forwarded") \
	X(BLACKHOLE, "route to Null0") \
	X(IF_DOWN, "egress interface down") \
	X(FRAGMENT, "fragmentation failed") \
	X(PUNT_FULL, "punt ring full") \
	X(TX_FULL, "TX queue full") \
	X(NO_MBUF, "mbuf pool empty") \
	X(NO_SA, "ESP: no SA for this SPI, or tunnel without an SA") \
	X(GRE, "malformed GRE, wrong key or unknown protocol") \
	X(TUNNEL_ENDPOINT, "decrypted packet of another tunnel") \
	X(OUTER_NO_ROUTE, "tunnel destination unreachable") \
	X(OUTER_TOO_BIG, "encrypted packet larger than the egress MTU") \
	X(HANDOFF_FULL, "SA owner's handoff ring full") \
	X(REASSEMBLY, "outer fragment dropped by reassembly")

/* The ESP library's verdicts follow, as ESP_TRUNCATED, ESP_AUTH... in
 * FGW_SA_DROP_REASONS order: fgw_drop_of_sa maps one to the other. */
enum fgw_drop_reason {
#define X(n, s) FGW_DROP_##n,
	FGW_DROP_REASONS(X)
#undef X
#define X(n, s) FGW_DROP_ESP_##n,
	FGW_SA_DROP_REASONS(X)
#undef X
	FGW_DROP_MAX
};

/* verdict: a non-zero enum fgw_sa_drop. */
static inline enum fgw_drop_reason fgw_drop_of_sa(unsigned verdict)
{
	return (enum fgw_drop_reason)(FGW_DROP_ESP_TRUNCATED + verdict - 1);
}
extern const char *const fgw_drop_reason_names[FGW_DROP_MAX];	/* "RUNT", ... */
extern const char *const fgw_drop_reason_text[FGW_DROP_MAX];	/* "runt or ..." */

struct fgw_port_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
};

struct fgw_worker_stats {
	struct fgw_port_stats port[FGW_STATS_MAX_PORTS];	/* by DPDK port id */
	uint64_t rx;			/* all ports */
	uint64_t forwarded;		/* handed to a TX queue (fragments count once) */
	uint64_t fragmented;		/* of those, split into fragments first */
	uint64_t punted;
	uint64_t punt[16];		/* by enum fgw_punt_reason */
	uint64_t drop[FGW_DROP_MAX];	/* rx path and TX_FULL */
	uint64_t injected;		/* frames sent for the control lcore */
	uint64_t msgs;			/* control messages applied */
	uint64_t decrypted;		/* ESP packets in (their fate counts above) */
	uint64_t encrypted;		/* inner packets sent into a tunnel */
	uint64_t handoff_out, handoff_in;	/* see the invariant above */
	uint64_t reassembled;		/* outer packets rebuilt from fragments */
	uint64_t frag_held;		/* outer fragments kept for reassembly */
	uint64_t polls, idle_polls;
};

#endif
