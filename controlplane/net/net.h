/* What the parts of net/ share among themselves: parsing a punted frame,
 * checksums, and the steps of sending a frame. Nothing outside net/ uses it. */
#ifndef FGW_NET_H
#define FGW_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "common/addr.h"
#include "controlplane/control.h"

/* Punted frames are untagged Ethernet: the worker classifies nothing else. */
#define FGW_NET_L3_OFF RTE_ETHER_HDR_LEN

/* Our own packets: the default TTL/hop limit of hosts (RFC 1700, RFC 4861). */
#define FGW_NET_TTL 64

/* An IP datagram inside a frame, its headers checked against the frame. */
struct fgw_net_ip {
	struct fgw_local_pkt p;		/* ports are left 0: the L4 header is unchecked */
	uint16_t l3_len;		/* IP header to the end of the datagram */
	uint16_t proto_ptr;		/* from l3: the field naming p.proto (IPv6 parameter problem) */
	uint8_t ttl;			/* or hop limit */
	bool fragment;			/* part of a fragmented datagram */
	bool later_fragment;		/* not the first one: no upper-layer header here */
};

/* false when the frame is not IPv4/IPv6 or a length field disagrees with it.
 * The IPv6 extension header chain is walked up to the upper layer. */
bool fgw_net_parse(const struct rte_mbuf *m, uint32_t in_if, struct fgw_net_ip *ip);

/* The TCP/UDP/ICMPv6 checksum with the pseudo-header. Over a received
 * segment (checksum field included) it is 0 when the segment is intact;
 * over one with the field zeroed it is the value to write. */
uint16_t fgw_net_l4_cksum(const struct fgw_addr *src, const struct fgw_addr *dst,
			  uint8_t proto, const void *l4, uint32_t len);

static inline bool fgw_net_is_multicast(const struct fgw_addr *a)
{
	if (a->family == AF_INET)
		return (rte_be_to_cpu_32(a->v4) >> 28) == 0xe;
	return fgw_ip6_is_multicast(a->v6);
}

static inline bool fgw_net_is_linklocal6(const struct fgw_addr *a)
{
	return a->family == AF_INET6 && fgw_ip6_is_link_local(a->v6);
}

/* The port behind ifindex when it can send: NULL for a loopback, a port
 * that is shut down, or an index out of range. */
const struct fgw_if *fgw_net_port(const struct fgw_control *c, uint32_t ifindex);

/* The FIB says the address is one of ours. */
bool fgw_net_is_local(const struct fgw_control *c, const struct fgw_addr *a);

/* Limited broadcast, or the directed broadcast of one of our subnets. */
bool fgw_net_is_broadcast4(const struct fgw_control *c, rte_be32_t a);
/* Someone's unicast address: a host could have sent from it. */
bool fgw_net_is_unicast_source(const struct fgw_control *c, const struct fgw_addr *a);

/* A new IP packet from src to dst (family of src) with room for len bytes
 * of payload, returned in *payload; TTL/hop limit FGW_NET_TTL. NULL (counted)
 * when out of mbufs or room. */
struct rte_mbuf *fgw_net_ip_alloc(struct fgw_control *c, const struct fgw_addr *src,
				  const struct fgw_addr *dst, uint8_t proto, uint8_t tos,
				  uint16_t len, void **payload);

/* An IP packet we originate (m starts at the IP header) to next hop `next`
 * on ifindex: adds the Ethernet header, maps multicast, or hands it to
 * neighbour resolution. Takes ownership of m. */
void fgw_net_output(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex,
		    const struct fgw_addr *next);
/* An answer to a packet that came in on in_if: a link-local IPv6 destination
 * only means something on that link, anything else is routed. */
void fgw_net_reply(struct fgw_control *c, struct rte_mbuf *m, uint32_t in_if,
		   const struct fgw_addr *dst);
/* fgw_neigh_resolve for our own frames: a known neighbour is no news for
 * the workers. */
void fgw_neigh_output(struct fgw_control *c, uint32_t ifindex, const struct fgw_addr *addr,
		      struct rte_mbuf *m);
/* Fill m's Ethernet header (m starts at it) and transmit on ifindex.
 * Takes ownership of m. */
void fgw_net_eth_send(struct fgw_control *c, struct rte_mbuf *m, uint32_t ifindex,
		      const struct rte_ether_addr *dst, uint16_t ethertype);
/* The ethertype that matches the IP version of the packet behind the
 * Ethernet header. */
uint16_t fgw_net_ethertype(const struct rte_mbuf *m);

/* A token bucket of rate events per second, burst deep, kept in *tokens
 * and *last_refill (zero-initialised: starts full). false: over the rate. */
bool fgw_net_bucket_take(uint64_t *tokens, uint64_t *last_refill, unsigned rate,
			 unsigned burst);
/* Answers to traffic nobody asked for (ICMP errors, TCP resets) share one
 * token bucket. false: over the rate, counted. */
bool fgw_net_ratelimit(struct fgw_control *c);

#endif
