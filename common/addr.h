/* IPv4/IPv6 addresses and prefixes as the config, the control plane and the
 * data path all carry them. Plain C, no DPDK: the config loader and its fuzz
 * target link this without EAL. */
#ifndef FGW_ADDR_H
#define FGW_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/socket.h>

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

#endif
