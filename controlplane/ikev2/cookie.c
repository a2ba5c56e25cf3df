/* Stateless cookies (RFC 7296 2.6): past ikev2.cookie_challenge half-open
 * SAs, an IKE_SA_INIT request without a valid COOKIE gets one back and
 * costs us no state. Cookie = version | prf(secret, Ni | IPi | SPIi); the
 * secret changes now and then, and the previous one is still accepted
 * for a while so that initiators caught by the change are not refused. */
#include <string.h>

#include <openssl/crypto.h>
#include <rte_cycles.h>

#include "engine.h"

#define COOKIE_PRF FGW_IKE_PRF_HMAC_SHA2_256
#define COOKIE_HASH_LEN 32
#define COOKIE_LEN (1 + COOKIE_HASH_LEN)
#define SECRET_LIFE_S 300

static uint8_t previous[32];
static bool have_previous;
static uint8_t version;

int ike_cookie_init(struct fgw_ike *ike)
{
	ike->cookie_secret_born = rte_get_timer_cycles();
	return fgw_ike_random(ike->cookie_secret, sizeof(ike->cookie_secret));
}

static int compute(const uint8_t *secret, uint8_t ver, const struct fgw_ike_msg *req,
		   const struct fgw_addr *remote, uint8_t *out)
{
	uint8_t spi[8], h[FGW_IKE_PRF_MAX];
	struct fgw_ike_chunk d[3] = {
		{ req->nonce.data, req->nonce.len },
		{ remote->bytes, remote->family == AF_INET ? 4u : 16u },
		{ spi, sizeof(spi) },
	};

	for (int i = 0; i < 8; i++)
		spi[i] = (uint8_t)(req->hdr.spi_i >> (56 - 8 * i));
	if (fgw_ike_prf(COOKIE_PRF, secret, 32, d, 3, h) < 0)
		return -1;
	out[0] = ver;
	memcpy(out + 1, h, COOKIE_HASH_LEN);
	return 0;
}

static void rotate(struct fgw_ike *ike)
{
	if (rte_get_timer_cycles() - ike->cookie_secret_born <
	    rte_get_timer_hz() * SECRET_LIFE_S)
		return;
	memcpy(previous, ike->cookie_secret, sizeof(previous));
	if (ike_cookie_init(ike) < 0)
		memcpy(ike->cookie_secret, previous, sizeof(previous));
	else {
		version++;
		have_previous = true;
	}
}

size_t ike_cookie_make(struct fgw_ike *ike, const struct fgw_ike_msg *req,
		       const struct fgw_addr *remote, uint8_t *out)
{
	rotate(ike);
	return compute(ike->cookie_secret, version, req, remote, out) < 0 ? 0 : COOKIE_LEN;
}

bool ike_cookie_valid(struct fgw_ike *ike, const struct fgw_ike_msg *req,
		      const struct fgw_addr *remote)
{
	const struct fgw_ike_notify *n = fgw_ike_msg_notify(req, FGW_IKE_N_COOKIE);
	uint8_t want[COOKIE_LEN];

	if (n == NULL || n->len != COOKIE_LEN || !req->has_nonce)
		return false;
	if (n->data[0] != version && (!have_previous || n->data[0] != (uint8_t)(version - 1)))
		return false;
	if (compute(n->data[0] == version ? ike->cookie_secret : previous, n->data[0], req,
		    remote, want) < 0)
		return false;
	return CRYPTO_memcmp(want, n->data, COOKIE_LEN) == 0;
}
