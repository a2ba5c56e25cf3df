/* The size of the data path's inbound SA table for a configuration. It is
 * the configuration's business, not only the data path's: an inbound SA
 * sits in slot SPI modulo this size, so whether two manual inbound SPIs
 * can coexist depends on it, and --check-config has to know it without
 * starting a data path. */
#include "config.h"

/* What a small configuration gets: room for IKE's SPIs to spread, and
 * 24-bit SPI indexes to stay unique among 64k SAs. */
#define SA_SLOTS_MIN 65536u

unsigned fgw_config_sa_slots(const struct fgw_config *cfg)
{
	/* A hub clones a virtual-access per peer: as many as limits.max_sa
	 * lets in, 64k when it is unlimited. Each tunnel or peer may hold
	 * four inbound SAs at once (current, rekeyed, and a make-before-break
	 * pair). */
	unsigned peers = cfg->n_virtual_templates == 0 ? 0 :
			 cfg->ikev2.limits.max_sa ? cfg->ikev2.limits.max_sa : 1u << 16;
	unsigned long want = 4ul * (cfg->n_tunnels + peers);
	unsigned n = SA_SLOTS_MIN;

	while (n < want)
		n <<= 1;
	return n;
}
