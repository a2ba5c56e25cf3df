/* The end of a unit-test program's EAL: rte_eal_cleanup() empties the
 * runtime directory (/var/run/dpdk/<file-prefix>) but leaves it behind,
 * one a run, so it is removed here too. */
#ifndef FGW_UNIT_EAL_H
#define FGW_UNIT_EAL_H

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>

static inline void unit_eal_cleanup(void)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
}

#endif
