/* SA allocation, validation, derivation and wiping. See sa_setup.h. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "dataplane/ipsec/crypto.h"
#include "dataplane/ipsec/replay.h"
#include "dataplane/ipsec/sa_setup.h"

/* A replay ring of `words` that does not fit in the SA's `ring` follows it. */
static size_t sa_size(unsigned words)
{
	return sizeof(struct fgw_sa) + (words > FGW_SA_RING_INLINE ? words * sizeof(uint64_t) : 0);
}

struct fgw_sa *fgw_sa_alloc(unsigned replay_window, int socket)
{
	unsigned words = fgw_replay_words(replay_window);
	struct fgw_sa *sa;

	if (replay_window != 0 && words == 0)
		return NULL;
	sa = rte_zmalloc_socket("fgw_sa", sa_size(words), RTE_CACHE_LINE_SIZE, socket);
	if (!sa)
		return NULL;
	fgw_replay_init(&sa->replay, replay_window,
			words > FGW_SA_RING_INLINE ? (uint64_t *)(sa + 1) : sa->ring);
	return sa;
}

void fgw_sa_free(struct fgw_sa *sa)
{
	if (!sa)
		return;
	explicit_bzero(sa, sa_size(fgw_sa_replay_window(sa) ? sa->replay.mask + 1 : 0));
	rte_free(sa);
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* The outer headers with every per-packet field zero: lengths, the IPv4
 * ID and checksum, the TOS/traffic class, DF when copied, UDP checksum.
 * Outbound only: inbound's own fields share the template's place. */
static void build_outer(struct fgw_sa *sa)
{
	uint8_t *p = sa->outer;
	uint8_t proto = sa->natt_sport ? IPPROTO_UDP : IPPROTO_ESP;

	memset(sa->outer, 0, sizeof(sa->outer));
	sa->outer_len = 0;
	if (sa->mode == FGW_SA_TUNNEL && sa->src.family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->fragment_offset = sa->df == FGW_SA_DF_SET ?
			rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
		ip->time_to_live = sa->ttl;
		ip->next_proto_id = proto;
		ip->src_addr = sa->src.v4;
		ip->dst_addr = sa->dst.v4;
		sa->outer_len = sizeof(*ip);
		/* Encapsulation adds the per-packet fields to this sum instead
		 * of reading back the header it has just written. */
		sa->outer_sum = (uint16_t)rte_raw_cksum(ip, sizeof(*ip));
	} else if (sa->mode == FGW_SA_TUNNEL) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->proto = proto;
		ip->hop_limits = sa->ttl;
		memcpy(ip->src_addr, sa->src.v6, 16);
		memcpy(ip->dst_addr, sa->dst.v6, 16);
		sa->outer_len = sizeof(*ip);
	}
	if (sa->natt_sport) {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + sa->outer_len);

		udp->src_port = rte_cpu_to_be_16(sa->natt_sport);
		udp->dst_port = rte_cpu_to_be_16(sa->natt_dport);
		sa->outer_len += sizeof(*udp);
	}
}

/* The UDP header ends the template, which starts at an even offset, and
 * every header before it has an even length: its ports are aligned. */
_Static_assert(offsetof(struct fgw_sa, outer) % 2 == 0, "outer template alignment");

void fgw_sa_natt_dport_set(struct fgw_sa *sa, uint16_t dport)
{
	uint16_t *port;

	if (!(sa->flags & FGW_SA_F_NATT) || sa->outer_len < sizeof(struct rte_udp_hdr))
		return;
	port = (uint16_t *)(void *)(sa->outer + sa->outer_len - sizeof(struct rte_udp_hdr) +
				     offsetof(struct rte_udp_hdr, dst_port));
	__atomic_store_n(port, rte_cpu_to_be_16(dport), __ATOMIC_RELAXED);
	sa->natt_dport = dport;
}

int fgw_sa_prepare(struct fgw_sa *sa, const struct fgw_sa_keys *keys, IMB_MGR *mgr,
		   char *err, size_t errlen)
{
	unsigned klen = fgw_cipher_key_len(sa->cipher);
	bool inbound = sa->flags & FGW_SA_F_INBOUND;

	if (sa->cipher == FGW_CIPHER_NONE || sa->cipher >= FGW_CIPHER_MAX)
		FAIL("SA %08x: no encryption algorithm", sa->spi);
	if (fgw_cipher_is_aead(sa->cipher) ? sa->integ != FGW_INTEG_NONE :
	    sa->integ == FGW_INTEG_NONE || sa->integ >= FGW_INTEG_MAX)
		FAIL("SA %08x: %s needs %s", sa->spi, fgw_cipher_name(sa->cipher),
		     fgw_cipher_is_aead(sa->cipher) ? "no integrity algorithm" :
		     "an integrity algorithm");
	if (sa->mode != FGW_SA_TUNNEL && sa->mode != FGW_SA_TRANSPORT)
		FAIL("SA %08x: mode must be tunnel or transport", sa->spi);
	if (sa->mode == FGW_SA_TUNNEL) {
		if (!fgw_addr_is_set(&sa->src) || sa->src.family != sa->dst.family)
			FAIL("SA %08x: tunnel endpoints missing or of different families",
			     sa->spi);
		if (sa->ttl == 0)
			FAIL("SA %08x: outer TTL 0", sa->spi);
	}
	if (!sa->natt_sport != !sa->natt_dport)
		FAIL("SA %08x: NAT-T needs both UDP ports", sa->spi);
	if (sa->dscp != FGW_SA_DSCP_COPY && sa->dscp > 63)
		FAIL("SA %08x: DSCP %u out of range", sa->spi, sa->dscp);
	if (sa->df > FGW_SA_DF_CLEAR)
		FAIL("SA %08x: bad DF policy", sa->spi);
	if (inbound && (sa->flags & FGW_SA_F_ESN) && sa->replay.size == 0)
		FAIL("SA %08x: extended sequence numbers need a replay window", sa->spi);
	if (!inbound && sa->replay.size)
		FAIL("SA %08x: replay window on an outbound SA", sa->spi);

	sa->iv_len = fgw_cipher_iv_len(sa->cipher);
	sa->icv_len = fgw_sa_icv_len(sa->cipher, sa->integ);
	sa->align = fgw_cipher_align(sa->cipher);
	sa->flags &= ~FGW_SA_F_NATT;
	if (sa->natt_sport)
		sa->flags |= FGW_SA_F_NATT;
	/* The per-packet lines take copies: `life` is not on them. An
	 * outbound copy covers `replay`, checked above to be unused. */
	if (inbound) {
		sa->life_in = sa->life;
		sa->outer_len = 0;
		sa->outer_sum = 0;
	} else {
		sa->life_out = sa->life;
		build_outer(sa);
	}
	if (fgw_crypto_keysched(mgr, &sa->keys, sa->cipher, keys->enc, keys->enc + klen,
				sa->integ, keys->auth, fgw_integ_key_len(sa->integ)))
		FAIL("SA %08x: cannot derive keys", sa->spi);
	memcpy(sa->salt, sa->keys.salt, FGW_GCM_SALT_LEN);
	return 0;
}
