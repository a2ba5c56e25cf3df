/* NAT_DETECTION_SOURCE_IP / _DESTINATION_IP data (RFC 7296 2.23):
 * SHA-1(SPIi | SPIr | IP | port), everything in network order. */
#include <string.h>

#include <openssl/evp.h>

#include "controlplane/ikev2/crypto_impl.h"

void fgw_ike_nat_hash(uint64_t spi_i, uint64_t spi_r, const struct fgw_addr *addr,
		      uint16_t port, uint8_t out[FGW_IKE_NAT_HASH_LEN])
{
	uint8_t in[8 + 8 + 16 + 2];
	size_t ip_len = addr->family == AF_INET6 ? 16 : 4, n = 0;
	unsigned int md_len = 0;

	for (int i = 56; i >= 0; i -= 8)
		in[n++] = (uint8_t)(spi_i >> i);
	for (int i = 56; i >= 0; i -= 8)
		in[n++] = (uint8_t)(spi_r >> i);
	memcpy(in + n, addr->bytes, ip_len);
	n += ip_len;
	in[n++] = (uint8_t)(port >> 8);
	in[n++] = (uint8_t)port;
	/* SHA-1 cannot fail short of memory; zeros then never match a peer. */
	if (!EVP_Digest(in, n, out, &md_len, EVP_sha1(), NULL))
		memset(out, 0, FGW_IKE_NAT_HASH_LEN);
}
