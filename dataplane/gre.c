/* GRE (RFC 2784) with the key and sequence number extension (RFC 2890),
 * as tunnels use it: we send the key when the tunnel has one and never a
 * checksum or sequence number; we accept a sequence number (ignored: ESP
 * already numbers and orders nothing), and drop what carries a checksum,
 * routing, a version other than 0, or a key that is not the tunnel's. */
#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

#define GRE_C 0x8000	/* checksum present */
#define GRE_R 0x4000	/* routing present (RFC 1701, deprecated) */
#define GRE_K 0x2000	/* key present */
#define GRE_S 0x1000	/* sequence number present */
#define GRE_VERSION 0x0007
/* Everything but K and S must be zero in what we accept (RFC 2784 2.5.1). */
#define GRE_MUST_BE_ZERO (0xffff & ~(GRE_K | GRE_S))

struct gre_hdr {
	rte_be16_t flags;
	rte_be16_t proto;
} __rte_packed;

unsigned fgw_gre_hdr_len(const struct fgw_tunnel *t)
{
	return sizeof(struct gre_hdr) + (t->gre_key_set ? 4 : 0);
}

void fgw_gre_push(const struct fgw_tunnel *t, struct rte_mbuf *m, rte_be16_t proto)
{
	struct gre_hdr *g = (struct gre_hdr *)rte_pktmbuf_prepend(m, (uint16_t)fgw_gre_hdr_len(t));

	g->flags = t->gre_key_set ? RTE_BE16(GRE_K) : 0;
	g->proto = proto;
	if (t->gre_key_set)
		memcpy(g + 1, &t->gre_key, 4);
}

rte_be16_t fgw_gre_pull(const struct fgw_tunnel *t, struct rte_mbuf *m)
{
	const struct gre_hdr *g;
	unsigned len = sizeof(*g);
	uint16_t flags;
	rte_be16_t proto;

	if (rte_pktmbuf_data_len(m) < len)
		return 0;
	g = rte_pktmbuf_mtod(m, const struct gre_hdr *);
	flags = rte_be_to_cpu_16(g->flags);
	proto = g->proto;
	if (flags & GRE_MUST_BE_ZERO)
		return 0;
	if (!(flags & GRE_K) != !t->gre_key_set)
		return 0;
	if (flags & GRE_K) {
		if (rte_pktmbuf_data_len(m) < len + 4 ||
		    memcmp(rte_pktmbuf_mtod_offset(m, const uint8_t *, len), &t->gre_key, 4) != 0)
			return 0;
		len += 4;
	}
	if (flags & GRE_S)
		len += 4;
	if (rte_pktmbuf_data_len(m) < len)
		return 0;
	if (proto != RTE_BE16(RTE_ETHER_TYPE_IPV4) && proto != RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return 0;
	rte_pktmbuf_adj(m, (uint16_t)len);
	return proto;
}
