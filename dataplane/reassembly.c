/* Reassembly of fragmented outer IPv4 (RFC 791) and IPv6 (RFC 8200 4.5,
 * a fragment header right after the fixed header) packets for us: ESP or
 * ESP-in-UDP that a path with a small MTU split on the way. ESP protects
 * whole packets, so they are rebuilt before decryption. Memory is bounded:
 * each worker has one small rte_ip_frag table (REASSEMBLY_FLOWS packets in
 * reassembly at once, REASSEMBLY_TIMEOUT_MS each at most); what does not
 * fit, or times out, is freed. */
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

#define REASSEMBLY_BUCKETS 64
#define REASSEMBLY_BUCKET_ENTRIES 4
#define REASSEMBLY_FLOWS 128
#define REASSEMBLY_TIMEOUT_MS 2000

struct rte_ip_frag_tbl *fgw_reassembly_create(int socket)
{
	uint64_t cycles = rte_get_timer_hz() / 1000 * REASSEMBLY_TIMEOUT_MS;

	return rte_ip_frag_table_create(REASSEMBLY_BUCKETS, REASSEMBLY_BUCKET_ENTRIES,
					REASSEMBLY_FLOWS, cycles, socket);
}

/* What both families do once the table has had the fragment. */
static struct rte_mbuf *reassembled(struct fgw_burst *b, struct rte_mbuf *whole)
{
	struct fgw_worker_ctx *ctx = b->ctx;

	if (ctx->death_row.cnt != 0)
		rte_ip_frag_free_death_row(&ctx->death_row, 0);
	if (whole == NULL) {
		/* Kept (or, table full, freed) until its packet is whole. */
		b->stats->frag_held++;
		return NULL;
	}
	b->stats->reassembled++;
	/* The data path parses single segments; the first fragment's buffer
	 * holds any packet the tunnel MTU lets through. */
	if (whole->nb_segs != 1 && rte_pktmbuf_linearize(whole) < 0) {
		fgw_drop(b, whole, FGW_DROP_REASSEMBLY);
		return NULL;
	}
	return whole;
}

struct rte_mbuf *fgw_ipv4_reassemble(struct fgw_burst *b, struct rte_mbuf *m,
				     struct rte_ipv4_hdr **ipp)
{
	struct fgw_worker_ctx *ctx = b->ctx;
	struct rte_mbuf *whole;

	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = rte_ipv4_hdr_len(*ipp);
	whole = reassembled(b, rte_ipv4_frag_reassemble_packet(ctx->frags, &ctx->death_row, m,
								rte_rdtsc(), *ipp));
	if (whole != NULL)
		*ipp = rte_pktmbuf_mtod_offset(whole, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	return whole;
}

struct rte_mbuf *fgw_ipv6_reassemble(struct fgw_burst *b, struct rte_mbuf *m,
				     struct rte_ipv6_hdr **ipp)
{
	struct fgw_worker_ctx *ctx = b->ctx;
	struct rte_ipv6_fragment_ext *frag = (struct rte_ipv6_fragment_ext *)(*ipp + 1);
	struct rte_mbuf *whole;

	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = sizeof(**ipp) + sizeof(*frag);
	whole = reassembled(b, rte_ipv6_frag_reassemble_packet(ctx->frags, &ctx->death_row, m,
								rte_rdtsc(), *ipp, frag));
	if (whole != NULL)
		*ipp = rte_pktmbuf_mtod_offset(whole, struct rte_ipv6_hdr *, RTE_ETHER_HDR_LEN);
	return whole;
}
