/* The unit tests' harness: one line per case, "PASS name" or
 * "FAIL name: where: what", then "N passed, M failed"; the exit status
 * is non-zero when anything failed. */
#ifndef FGW_UNIT_H
#define FGW_UNIT_H

#include <stdbool.h>
#include <stdio.h>

static unsigned unit_passed, unit_failed;
static char unit_why[512];

/* Inside a case (a function returning bool): fail it with a reason. */
#define EXPECT(cond, ...) do { \
	if (!(cond)) { \
		int unit_n_ = snprintf(unit_why, sizeof(unit_why), "%s:%d: %s: ", \
				       __FILE__, __LINE__, #cond); \
		if (unit_n_ > 0 && (size_t)unit_n_ < sizeof(unit_why)) \
			snprintf(unit_why + unit_n_, sizeof(unit_why) - unit_n_, __VA_ARGS__); \
		return false; \
	} \
} while (0)

static inline void unit_report(const char *name, bool ok)
{
	if (ok) {
		unit_passed++;
		printf("PASS %s\n", name);
	} else {
		unit_failed++;
		printf("FAIL %s: %s\n", name, unit_why);
	}
	fflush(stdout);
}

#define RUN(fn) unit_report(#fn, fn())

static inline int unit_summary(void)
{
	printf("%u passed, %u failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
