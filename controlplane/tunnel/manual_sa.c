/* Manually keyed SAs (a tunnel's manual_sa block, like IOS "set
 * session-key"): the transform set gives the algorithms, the block the
 * SPIs and keys. The key material goes from the configuration straight
 * into the SA's key schedule and the copy made on the way is wiped; keys
 * are never logged. */
#include <stdio.h>
#include <string.h>

#include <rte_memory.h>

#include "common/log.h"
#include "common/sa.h"
#include "dataplane/ipsec/sa_setup.h"
#include "dataplane/tunnel.h"
#include "tunnel.h"

/* Outer TTL of tunnel-mode packets, as IOS sends them. */
#define OUTER_TTL 255

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

static const struct fgw_ipsec_transform_set_cfg *transform_set(const struct fgw_config *cfg,
							       const char *name)
{
	for (unsigned i = 0; i < cfg->ipsec.n_transform_sets; i++)
		if (strcmp(cfg->ipsec.transform_sets[i].name, name) == 0)
			return &cfg->ipsec.transform_sets[i];
	return NULL;
}

static unsigned cipher_of(uint8_t encr)
{
	switch (encr) {
	case FGW_ESP_AES_128: return FGW_CIPHER_AES_CBC_128;
	case FGW_ESP_AES_256: return FGW_CIPHER_AES_CBC_256;
	case FGW_ESP_GCM_128: return FGW_CIPHER_AES_GCM_128;
	case FGW_ESP_GCM_256: return FGW_CIPHER_AES_GCM_256;
	default: return FGW_CIPHER_NONE;	/* AES-192: no data-path support */
	}
}

static unsigned integ_of(uint8_t hash)
{
	switch (hash) {
	case FGW_HASH_SHA1: return FGW_INTEG_HMAC_SHA1_96;
	case FGW_HASH_SHA256: return FGW_INTEG_HMAC_SHA256_128;
	case FGW_HASH_SHA384: return FGW_INTEG_HMAC_SHA384_192;
	case FGW_HASH_SHA512: return FGW_INTEG_HMAC_SHA512_256;
	default: return FGW_INTEG_NONE;
	}
}

static uint8_t df_of(uint8_t df_bit)
{
	switch (df_bit) {
	case FGW_DF_CLEAR: return FGW_SA_DF_CLEAR;
	case FGW_DF_SET: return FGW_SA_DF_SET;
	default: return FGW_SA_DF_COPY;
	}
}

/* The replay window of the tunnel's IPsec profile, else the global one;
 * the data path's smallest window is 64 packets. */
static unsigned replay_window(const struct fgw_config *cfg, const struct fgw_tunnel_cfg *t)
{
	unsigned w = cfg->ipsec.replay_window;

	for (unsigned i = 0; i < cfg->ipsec.n_profiles; i++)
		if (strcmp(cfg->ipsec.profiles[i].name, t->tunnel_protection) == 0)
			w = cfg->ipsec.profiles[i].replay_window;
	return w != 0 && w < FGW_REPLAY_MIN ? FGW_REPLAY_MIN : w;
}

static struct fgw_sa *sa_make(struct fgw_control *c, const struct fgw_tunnel_cfg *t,
			      const struct fgw_ipsec_transform_set_cfg *ts,
			      const struct fgw_sa_keys_cfg *k, bool inbound,
			      const struct fgw_addr *src, const struct fgw_addr *dst,
			      char *err, size_t errlen)
{
	struct fgw_sa_keys keys;
	struct fgw_sa *sa;
	int rc;

	sa = fgw_sa_alloc(inbound ? replay_window(c->cfg, t) : 0, SOCKET_ID_ANY);
	if (sa == NULL) {
		snprintf(err, errlen, "SA %08x: out of memory", k->spi);
		return NULL;
	}
	sa->spi = k->spi;
	sa->flags = inbound ? FGW_SA_F_INBOUND : 0;
	sa->mode = t->mode == FGW_TUNNEL_GRE_IPV4 || t->mode == FGW_TUNNEL_GRE_IPV6 ?
		FGW_SA_TRANSPORT : FGW_SA_TUNNEL;
	sa->cipher = (uint8_t)cipher_of(ts->esp_encryption);
	sa->integ = (uint8_t)integ_of(ts->esp_integrity);
	sa->ttl = OUTER_TTL;
	sa->dscp = FGW_SA_DSCP_COPY;
	sa->df = df_of(c->cfg->ipsec.df_bit);
	sa->src = inbound ? *dst : *src;
	sa->dst = inbound ? *src : *dst;

	memset(&keys, 0, sizeof(keys));
	if (k->encryption_key_len > sizeof(keys.enc) || k->integrity_key_len > sizeof(keys.auth)) {
		snprintf(err, errlen, "SA %08x: key too long for %s", k->spi, ts->name);
		fgw_sa_free(sa);
		return NULL;
	}
	memcpy(keys.enc, k->encryption_key, k->encryption_key_len);
	memcpy(keys.auth, k->integrity_key, k->integrity_key_len);
	if (sa->cipher == FGW_CIPHER_NONE) {
		snprintf(err, errlen, "transform set %s: esp-aes 192 is not supported by the "
			 "data path", ts->name);
		rc = -1;
	} else if (k->encryption_key_len != fgw_cipher_key_len(sa->cipher) +
		   fgw_cipher_salt_len(sa->cipher)) {
		snprintf(err, errlen, "SA %08x: encryption key of %u bytes for %s", k->spi,
			 k->encryption_key_len, fgw_cipher_name(sa->cipher));
		rc = -1;
	} else {
		rc = fgw_sa_prepare(sa, &keys, fgw_dp_crypto_mgr(c->dp), err, errlen);
	}
	explicit_bzero(&keys, sizeof(keys));
	if (rc < 0) {
		fgw_sa_free(sa);
		return NULL;
	}
	return sa;
}

int fgw_manual_sa_install(struct fgw_control *c, const struct fgw_tunnel_cfg *t,
			  uint16_t ifindex, const struct fgw_addr *src,
			  const struct fgw_addr *dst, char *err, size_t errlen)
{
	const struct fgw_manual_sa_cfg *ms = &t->manual_sa;
	const struct fgw_ipsec_transform_set_cfg *ts = transform_set(c->cfg, ms->transform_set);
	struct fgw_sa *in, *out;
	/* Inbound SAs are spread over the workers by SPI; each SA's replay
	 * window then lives on one of them (DESIGN.md). */
	unsigned worker = ms->inbound.spi % c->dp->n_workers;

	if (ts == NULL)
		FAIL("transform set %s is not defined", ms->transform_set);
	in = sa_make(c, t, ts, &ms->inbound, true, src, dst, err, errlen);
	if (in == NULL)
		return -1;
	if (fgw_sa_in_add(c->dp, ifindex, in, worker, err, errlen) < 0) {
		fgw_sa_free(in);
		return -1;
	}
	out = sa_make(c, t, ts, &ms->outbound, false, src, dst, err, errlen);
	if (out == NULL)
		return -1;
	if (fgw_tunnel_sa_out_set(c->dp, ifindex, out, err, errlen) < 0) {
		fgw_sa_free(out);
		return -1;
	}
	FGW_INFO("%s: manual SAs in %08x (worker %u), out %08x, %s%s%s", t->name,
		 ms->inbound.spi, worker, ms->outbound.spi, fgw_cipher_name(in->cipher),
		 in->integ ? " " : "", in->integ ? fgw_integ_name(in->integ) : "");
	return 0;
}
