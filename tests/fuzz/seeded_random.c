/* fgw_ike_random for the fuzz targets that run the IKE engine: nonces,
 * SPIs, IVs and the cookie secret from rte_rand, which every input seeds
 * the same way, so that one input always takes one path (a rekey
 * collision is decided by comparing nonces). Never linked into flexgw,
 * whose random.c uses OpenSSL's DRBG. */
#include <string.h>

#include <rte_random.h>

#include "controlplane/ikev2/crypto.h"

int fgw_ike_random(void *out, size_t len)
{
	uint8_t *p = out;

	while (len > 0) {
		uint64_t r = rte_rand();
		size_t n = len < sizeof(r) ? len : sizeof(r);

		memcpy(p, &r, n);
		p += n;
		len -= n;
	}
	return 0;
}
