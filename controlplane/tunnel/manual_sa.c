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
/* RFC 3948: ESP in UDP from and to the IKE NAT-T port. */
#define NATT_PORT 4500

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

/* The manual_sa block's volume limits. A soft limit not given is 3/4 of
 * the hard one, as for CHILD SAs (ikev2/child_sa.c): the control core
 * hears of an SA before it stops. Bytes count plaintext, as the data path
 * does. */
static struct fgw_sa_lifetime lifetime_of(const struct fgw_manual_sa_cfg *ms)
{
	struct fgw_sa_lifetime l = {
		.hard_packets = ms->lifetime_packets,
		.soft_packets = ms->soft_lifetime_packets,
		.hard_bytes = ms->lifetime_kilobytes * 1024,
		.soft_bytes = ms->soft_lifetime_kilobytes * 1024,
	};

	if (l.soft_packets == 0)
		l.soft_packets = l.hard_packets / 4 * 3;
	if (l.soft_bytes == 0)
		l.soft_bytes = l.hard_bytes / 4 * 3;
	return l;
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
	sa->flags = (inbound ? FGW_SA_F_INBOUND : 0) | (t->manual_sa.esn ? FGW_SA_F_ESN : 0);
	sa->mode = t->mode == FGW_TUNNEL_GRE_IPV4 || t->mode == FGW_TUNNEL_GRE_IPV6 ?
		FGW_SA_TRANSPORT : FGW_SA_TUNNEL;
	sa->cipher = (uint8_t)cipher_of(ts->esp_encryption);
	sa->integ = (uint8_t)integ_of(ts->esp_integrity);
	sa->ttl = OUTER_TTL;
	sa->dscp = FGW_SA_DSCP_COPY;
	sa->df = df_of(c->cfg->ipsec.df_bit);
	sa->life = lifetime_of(&t->manual_sa);
	sa->src = inbound ? *dst : *src;
	sa->dst = inbound ? *src : *dst;
	/* Inbound takes ESP and ESP in UDP alike; natt picks what we send. */
	if (!inbound && t->manual_sa.natt)
		sa->natt_sport = sa->natt_dport = NATT_PORT;

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
			  uint32_t ifindex, const struct fgw_addr *src,
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

/* ---- an operator's rekey ------------------------------------------------
 * Stateless: which key set is current is read from the tunnel's outbound
 * SPI, so the steps can be repeated and go back and forth between the two
 * sets. Lossless when run on both gateways in this order: install on
 * both (each then takes the new SPI as well as the old), switch on both,
 * finish on both (the old inbound SA goes once the peer has switched). */

static const struct fgw_tunnel_cfg *tunnel_cfg(const struct fgw_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_tunnels; i++)
		if (strcmp(cfg->tunnels[i].name, name) == 0)
			return &cfg->tunnels[i];
	return NULL;
}

int fgw_manual_sa_rekey(struct fgw_control *c, const char *name, enum fgw_rekey_step step,
			uint32_t *spi_in, uint32_t *spi_out, char *err, size_t errlen)
{
	const struct fgw_tunnel_cfg *t = tunnel_cfg(c->cfg, name);
	const struct fgw_manual_sa_cfg *ms = t ? &t->manual_sa : NULL;
	const struct fgw_ipsec_transform_set_cfg *ts;
	const struct fgw_sa_keys_cfg *cur_in, *cur_out, *new_in, *new_out;
	struct fgw_addr src, dst;
	struct fgw_sa *out, *sa;
	int ifindex;

	if (ms == NULL || ms->transform_set[0] == '\0')
		FAIL("%s: no tunnel with manual_sa of that name", name);
	if (!ms->rekey_set)
		FAIL("%s: manual_sa has no rekey key set", name);
	ifindex = fgw_if_by_name(c->dp, t->name);
	ts = transform_set(c->cfg, ms->transform_set);
	out = ifindex < 0 ? NULL : fgw_tunnel_sa_out_get(c->dp, (uint32_t)ifindex);
	if (out == NULL || ts == NULL ||
	    fgw_tunnel_endpoints(c->dp, (uint32_t)ifindex, &src, &dst) < 0)
		FAIL("%s: the tunnel has no outbound SA", name);
	cur_in = &ms->inbound;
	cur_out = &ms->outbound;
	new_in = &ms->rekey.inbound;
	new_out = &ms->rekey.outbound;
	if (out->spi == ms->rekey.outbound.spi) {
		cur_in = &ms->rekey.inbound;
		cur_out = &ms->rekey.outbound;
		new_in = &ms->inbound;
		new_out = &ms->outbound;
	}
	*spi_in = new_in->spi;
	*spi_out = new_out->spi;
	switch (step) {
	case FGW_REKEY_INSTALL:
		/* The new inbound SA next to the current one. */
		if (fgw_sa_in_get(c->dp, new_in->spi) != NULL)
			FAIL("%s: inbound SA %08x is installed already", name, new_in->spi);
		sa = sa_make(c, t, ts, new_in, true, &src, &dst, err, errlen);
		if (sa == NULL)
			return -1;
		if (fgw_sa_in_add(c->dp, (uint32_t)ifindex, sa, new_in->spi % c->dp->n_workers,
				  err, errlen) < 0) {
			fgw_sa_free(sa);
			return -1;
		}
		break;
	case FGW_REKEY_SWITCH:
		/* Outbound to the new SA in one pointer store; the old one is
		 * freed after the workers' grace period. */
		if (fgw_sa_in_get(c->dp, new_in->spi) == NULL)
			FAIL("%s: install the new inbound SA %08x first", name, new_in->spi);
		sa = sa_make(c, t, ts, new_out, false, &src, &dst, err, errlen);
		if (sa == NULL)
			return -1;
		if (fgw_tunnel_sa_out_set(c->dp, (uint32_t)ifindex, sa, err, errlen) < 0) {
			fgw_sa_free(sa);
			return -1;
		}
		break;
	case FGW_REKEY_FINISH:
		/* The inbound SA of the key set no longer sent on (after a
		 * switch, the old one), as long as the other one is there. */
		if (fgw_sa_in_get(c->dp, new_in->spi) == NULL ||
		    fgw_sa_in_get(c->dp, cur_in->spi) == NULL)
			FAIL("%s: no second inbound SA to remove", name);
		fgw_sa_in_del(c->dp, new_in->spi);
		*spi_out = cur_out->spi;
		break;
	}
	FGW_INFO("%s: manual SA rekey, %s: in %08x, out %08x", name,
		 step == FGW_REKEY_INSTALL ? "new inbound installed" :
		 step == FGW_REKEY_SWITCH ? "outbound switched" : "old inbound removed",
		 *spi_in, *spi_out);
	return 0;
}
