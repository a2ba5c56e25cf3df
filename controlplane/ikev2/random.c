/* Nonces, SPIs and IVs come from OpenSSL's DRBG (seeded by the kernel). */
#include <limits.h>

#include <openssl/rand.h>

#include "controlplane/ikev2/crypto_impl.h"

int fgw_ike_random(void *out, size_t len)
{
	if (len > INT_MAX)
		return -1;
	return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}
