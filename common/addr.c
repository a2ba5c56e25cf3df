#include "common/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool fgw_addr_parse(const char *s, struct fgw_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->v4) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, out->v6) == 1) {
		out->family = AF_INET6;
		return true;
	}
	memset(out, 0, sizeof(*out));
	return false;
}

void fgw_prefix_mask(struct fgw_prefix *p)
{
	unsigned bits = p->addr.family == AF_INET ? 32 : 128;
	for (unsigned i = p->len; i < bits; i++)
		p->addr.bytes[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

bool fgw_prefix_parse(const char *s, struct fgw_prefix *out, bool strict)
{
	char buf[FGW_ADDR_STRLEN + 8];
	const char *slash = strchr(s, '/');
	char *end;

	memset(out, 0, sizeof(*out));
	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf) || slash[1] == '\0')
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (!fgw_addr_parse(buf, &out->addr))
		return false;
	unsigned long len = strtoul(slash + 1, &end, 10);
	unsigned max = out->addr.family == AF_INET ? 32 : 128;
	if (*end != '\0' || len > max || slash[1] < '0' || slash[1] > '9')
		return false;
	out->len = (uint8_t)len;
	if (strict) {
		struct fgw_prefix masked = *out;
		fgw_prefix_mask(&masked);
		if (memcmp(masked.addr.bytes, out->addr.bytes, 16) != 0)
			return false;
	}
	return true;
}

const char *fgw_addr_str(const struct fgw_addr *a, char *buf, size_t len)
{
	if (a->family == 0 || inet_ntop(a->family, a->bytes, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "unset");
	return buf;
}

const char *fgw_prefix_str(const struct fgw_prefix *p, char *buf, size_t len)
{
	char a[FGW_ADDR_STRLEN];
	snprintf(buf, len, "%s/%u", fgw_addr_str(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

bool fgw_addr_eq(const struct fgw_addr *a, const struct fgw_addr *b)
{
	if (a->family != b->family)
		return false;
	return memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

bool fgw_prefix_contains(const struct fgw_prefix *p, const struct fgw_addr *a)
{
	struct fgw_prefix x = { .addr = *a, .len = p->len };
	struct fgw_prefix y = *p;

	if (a->family != p->addr.family)
		return false;
	fgw_prefix_mask(&x);
	fgw_prefix_mask(&y);
	return fgw_addr_eq(&x.addr, &y.addr);
}
