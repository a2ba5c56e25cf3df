/* What a forwarded IPv4 packet is checked and changed by, inline for the
 * two loops that take decrypted packets out of a port: the IPv4 inner
 * pass (ipv4.c) and ESP input's stage 3 (esp_input.c), which sends those
 * that take the worker's last way out (fgw_ipv4_way) without a pass of
 * their own. */
#ifndef FLEXGW_DATAPLANE_IPV4_FAST_H
#define FLEXGW_DATAPLANE_IPV4_FAST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>

struct fgw_burst;

/* True when the header's ones' complement sum is all ones (RFC 1071). The
 * usual 20-byte header is added as two 64-bit words and a 32-bit one with
 * end-around carry, which keeps the sum's value modulo 2^64 - 1, a
 * multiple of 0xffff: the 16-bit sum is all ones exactly when that sum is
 * a non-zero multiple of 0xffff (zero only for a header of zeros; the
 * remainder is a multiply and a compare). rte_raw_cksum walks the header
 * 16 bits at a time, about 58 instructions against 29 for five 32-bit
 * words and 24 for this (callgrind). Always inline: with the inner
 * pass's three loops the compiler made it a call, in every loop. */
static __rte_always_inline bool fgw_ipv4_sum_ok(const struct rte_ipv4_hdr *ip, unsigned hlen)
{
	uint64_t a, b, sum;
	uint32_t c;

	if (hlen != sizeof(*ip))
		return rte_raw_cksum(ip, hlen) == 0xffff;
	memcpy(&a, ip, sizeof(a));
	memcpy(&b, (const uint8_t *)ip + 8, sizeof(b));
	memcpy(&c, (const uint8_t *)ip + 16, sizeof(c));
	/* each carry added back in, which cannot carry again */
	sum = a + c;
	sum += sum < c;
	sum += b;
	sum += sum < b;
	return sum != 0 && sum % 0xffff == 0;
}

/* The first octets that set an address apart, 1 for each: those of the
 * martian sources (0, 127, 224-255), which as destinations are not plain
 * unicast either (ipv4.c tells those apart). Filled from
 * fgw_ip4_is_martian_source, the one statement of that set. */
extern uint8_t fgw_ipv4_odd_first_octet[256];

/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), on the 16-bit word that holds
 * the TTL (and the protocol). m' is m less 0x0100 (the TTL is above 1), so
 * ~m + m' is 0xfeff whatever m: one add, and one fold (the carry added
 * back cannot carry again). The same result as the three-term sum. */
static __rte_always_inline void fgw_ipv4_ttl_decrement(struct rte_ipv4_hdr *ip)
{
	uint32_t sum;

	ip->time_to_live--;
	sum = (uint32_t)(uint16_t)~ip->hdr_checksum + rte_cpu_to_be_16(0xfeff);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = (uint16_t)~sum;
}

/* The way decrypted packets to dst last went out of a port, whole: the
 * port's MTU and DPDK port id, and the Ethernet header as two 8-byte
 * words, bytes 0-7 (the neighbour's MAC, the start of ours) and 6-13 (our
 * MAC, the IPv4 EtherType). dst 0: no way (no packet is to 0/8). */
struct fgw_ipv4_way {
	rte_be32_t dst;
	uint16_t mtu, port;
	uint64_t eth_lo, eth_hi;
};

/* The worker's last way (fgw_worker_ctx.inner_way) into *w while the FIB
 * (route_gen, read by the caller before it) and the neighbour table are
 * unchanged and the port is up; else false. */
bool fgw_ipv4_way_get(const struct fgw_burst *b, uint32_t route_gen, struct fgw_ipv4_way *w);

/* Whether the decrypted packet ip takes way w as it stands: a header
 * of 20 bytes, its checksum right, an ordinary source, to w's
 * destination (checked when the way was found), TTL above 1, within the
 * MTU. Any other packet is left to the IPv4 pass's checks, which tell
 * why. */
static __rte_always_inline bool fgw_ipv4_way_takes(const struct fgw_ipv4_way *w,
						   const struct rte_ipv4_hdr *ip)
{
	return ip->dst_addr == w->dst && ip->version_ihl == RTE_IPV4_VHL_DEF &&
	       ip->time_to_live > 1 &&
	       rte_be_to_cpu_16(ip->total_length) <= w->mtu && fgw_ipv4_sum_ok(ip, sizeof(*ip)) &&
	       !fgw_ipv4_odd_first_octet[((const uint8_t *)&ip->src_addr)[0]];
}

/* The packet at ip, which takes way w, onto it: TTL lowered, the
 * Ethernet header in front of ip written whole. The caller sends it. */
static __rte_always_inline void fgw_ipv4_way_send(const struct fgw_ipv4_way *w,
						  struct rte_ipv4_hdr *ip)
{
	uint8_t *eth = (uint8_t *)ip - RTE_ETHER_HDR_LEN;

	fgw_ipv4_ttl_decrement(ip);
	memcpy(eth, &w->eth_lo, sizeof(w->eth_lo));
	memcpy(eth + 6, &w->eth_hi, sizeof(w->eth_hi));
}

#endif
