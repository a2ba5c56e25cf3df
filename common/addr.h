/* IPv4/IPv6 addresses and prefixes as the config, the control plane and the
 * data path all carry them. Plain C, no DPDK: the config loader and its fuzz
 * target link this without EAL. */
#ifndef FGW_ADDR_H
#define FGW_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <string.h>

struct fgw_addr {
	uint8_t family;			/* AF_INET, AF_INET6, or 0 when unset */
	union {
		uint32_t v4;		/* network byte order */
		uint8_t v6[16];
		uint8_t bytes[16];
	};
};

struct fgw_prefix {
	struct fgw_addr addr;
	uint8_t len;			/* 0..32 or 0..128 */
};

/* Longest text form: an IPv6 address with a /128. */
#define FGW_ADDR_STRLEN 48

bool fgw_addr_parse(const char *s, struct fgw_addr *out);
/* "a.b.c.d/n" or "x::/n"; host bits must be zero when strict is set. */
bool fgw_prefix_parse(const char *s, struct fgw_prefix *out, bool strict);
const char *fgw_addr_str(const struct fgw_addr *a, char *buf, size_t len);
const char *fgw_prefix_str(const struct fgw_prefix *p, char *buf, size_t len);
bool fgw_addr_eq(const struct fgw_addr *a, const struct fgw_addr *b);
/* True when a lies inside prefix p (same family). */
bool fgw_prefix_contains(const struct fgw_prefix *p, const struct fgw_addr *a);
/* Clear the host bits of p in place. */
void fgw_prefix_mask(struct fgw_prefix *p);
static inline bool fgw_addr_is_set(const struct fgw_addr *a) { return a->family != 0; }

/* ---- address classes both planes test (raw header bytes) -------------- */

/* "This network", loopback, multicast and class E (which holds the limited
 * broadcast): never a valid sender (RFC 1812 5.3.7). v4 in network order. */
static inline bool fgw_ip4_is_martian_source(uint32_t v4)
{
	uint8_t first = ((const uint8_t *)&v4)[0];

	return first == 0 || first == 127 || first >= 224;
}

/* The directed broadcast of subnet p (p holds an interface address and its
 * length; /31 and /32 have none). v4 in network order. */
static inline bool fgw_ip4_is_directed_broadcast(const struct fgw_prefix *p, uint32_t v4)
{
	return p->addr.family == AF_INET && p->len <= 30 &&
	       v4 == (p->addr.v4 | htonl(UINT32_MAX >> p->len));
}

static inline bool fgw_ip6_is_multicast(const uint8_t *a) { return a[0] == 0xff; }

static inline bool fgw_ip6_is_link_local(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static inline bool fgw_ip6_is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static inline bool fgw_ip6_is_loopback(const uint8_t *a)
{
	static const uint8_t one[16] = { [15] = 1 };

	return memcmp(a, one, 16) == 0;
}

/* ::ffff:0:0/96 stands for IPv4 hosts inside a dual-stack API; on the wire
 * it is never a real source (RFC 4291 2.5.5.2). */
static inline bool fgw_ip6_is_v4_mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, prefix, 12) == 0;
}

/* ICMPv6 neighbour discovery: router solicitation (133) to redirect (137). */
#define FGW_ICMP6_ND_FIRST 133
#define FGW_ICMP6_ND_LAST 137

#endif
