/* Addresses and prefixes that the unit tests write as text. A string that
 * does not parse is a broken test, not a failed case: exit at once. */
#ifndef FGW_UNIT_ADDR_H
#define FGW_UNIT_ADDR_H

#include <stdio.h>
#include <stdlib.h>

#include "common/addr.h"

static inline struct fgw_addr unit_addr(const char *s)
{
	struct fgw_addr a;

	if (!fgw_addr_parse(s, &a)) {
		fprintf(stderr, "bad address in the test: %s\n", s);
		exit(2);
	}
	return a;
}

static inline struct fgw_prefix unit_prefix(const char *s)
{
	struct fgw_prefix p;

	if (!fgw_prefix_parse(s, &p, false)) {
		fprintf(stderr, "bad prefix in the test: %s\n", s);
		exit(2);
	}
	return p;
}

#endif
