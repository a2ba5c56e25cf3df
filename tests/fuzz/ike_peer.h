/* The IKE peer of the fuzz targets (tests/fuzz/gateway.h's gateway on
 * the other side): runs a list of records, each an op octet, a 16-bit
 * big-endian length and that many octets. The op's high nibble picks the
 * peer (203.0.113.2:500, Tunnel0's destination; the NAT'd 203.0.113.9:4501;
 * [2001:db8:ff::2]:500; 203.0.113.3:500, Tunnel1's),
 * its low nibble what to do:
 *   0 RAW     the octets are a datagram, as they are;
 *   1 INIT    a valid IKE_SA_INIT request built here from our proposals,
 *             KE of a fixed private key (octet 0: the group, 0x40 with
 *             the right COOKIE, 0x80 without NAT-D), then one empty notify per 16-bit type that
 *             follows (fragmentation, redirect, signature hashes...);
 *   2 SK      a message inside SK of the newest live IKE SA with keys, in
 *             its keys: octet 0 the exchange, octet 1 flags (1: response
 *             to the engine's request, 2: AUTH payload replaced by the
 *             right pre-shared-key AUTH, 4: message ID one ahead), octet 2
 *             the first inner payload, then the inner chain;
 *   3 TUNNEL  a tunnel's initiation (octet 0: which), as its timer would;
 *   4 PATCH   a datagram with the newest IKE SA's SPIs written in (SPIr
 *             only when the SA has one): the IKE_SA_INIT response of an
 *             initiation, or any message to a known SA;
 *   5 DUE     what the engine starts itself, made due now on the newest
 *             SA (octet 0, bits): 1 its IKE SA rekey, 2 its CHILD SAs'
 *             rekeys, 4 the DELETE of the CHILD SAs a rekey replaced (as
 *             the lifetime tick starts them), 8 a retransmission, 16 a
 *             liveness check (their timers' callbacks), 32 the operator's
 *             clear (DELETE of every IKE SA).
 * Messages go in through ike_receive, as the UDP input hands them over;
 * the keys of SK are read from the engine's IKE SA, so nothing here does
 * Diffie-Hellman with the engine. */
#ifndef FGW_TEST_FUZZ_IKE_PEER_H
#define FGW_TEST_FUZZ_IKE_PEER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane/ikev2/crypto.h"
#include "controlplane/ikev2/message.h"
#include "tests/fuzz/gateway.h"
#include "tests/unit/ike/rebuild.h"

#define PSK "fuzz-psk"		/* gateway.json's keyring, every peer */

enum { OP_RAW, OP_INIT, OP_SK, OP_TUNNEL, OP_PATCH, OP_DUE, OP_N };

struct peer {
	const char *addr, *gw;
	uint16_t port, gw_port;
};

static const struct peer peers[] = {
	{ "203.0.113.2", "203.0.113.1", 500, 500 },
	{ "203.0.113.9", "203.0.113.1", 4501, 4500 },
	{ "2001:db8:ff::2", "2001:db8:ff::1", 500, 500 },
	{ "203.0.113.3", "203.0.113.1", 500, 500 },
};

static uint8_t msg[FGW_IKE_MSG_MAX + 512];
static uint32_t n_init;

static struct fgw_local_pkt pkt_from(unsigned peer)
{
	const struct peer *pe = &peers[peer % RTE_DIM(peers)];
	struct fgw_local_pkt p = {
		.in_if = (uint32_t)fgw_if_by_name(&gw_dp, "GigabitEthernet1"), .proto = 17,
		.src = gw_addr(pe->addr), .dst = gw_addr(pe->gw), .sport = pe->port,
		.dport = pe->gw_port,
	};
	return p;
}

static void deliver(const struct fgw_local_pkt *p, size_t len)
{
	ike_receive(gw.ike, msg, len, p);
}

/* The newest IKE SA still alive (and with keys, when asked). */
static struct fgw_ike_sa *target(bool keys)
{
	struct fgw_ike_sa *sa, *found = NULL;

	TAILQ_FOREACH(sa, &gw.ike->sas, link)
		if (sa->state != FGW_IKE_ST_DEAD && (!keys || sa->keys_valid))
			found = sa;
	return found;
}

static void op_init(const struct fgw_local_pkt *p, const uint8_t *d, size_t n)
{
	static const uint16_t groups[] = { 31, 19, 20, 14 };
	static struct fgw_ike_sa_payload sa;
	uint8_t priv[48], pub[FGW_IKE_DH_MAX], nonce[32];
	uint16_t group = groups[(n ? d[0] : 0) % RTE_DIM(groups)];
	struct fgw_ike_hdr h = {
		.spi_i = 0x0a0b0c0d00000000ull | ++n_init, .version = FGW_IKE_VERSION,
		.exchange = FGW_IKE_SA_INIT, .flags = FGW_IKE_FLAG_INITIATOR,
	};
	struct fgw_ike_dh *dh;
	struct fgw_ike_buf b;
	int len = -1;

	memset(priv, 0x11, sizeof(priv));
	memset(nonce, 0x4e, sizeof(nonce));
	/* MODP has no fixed private key here: a fresh one (its value is not
	 * what is fuzzed). */
	dh = group == 14 ? fgw_ike_dh_new(group) :
		fgw_ike_dh_new_private(group, priv, fgw_ike_dh_public_len(group) / (group == 31 ? 1 : 2));
	if (dh == NULL || (len = fgw_ike_dh_public(dh, pub, sizeof(pub))) < 0)
		gw_die("DH", NULL);
	fgw_ike_dh_free(dh);
	fgw_ike_build_init(&b, msg, sizeof(msg), &h);
	if (n > 0 && d[0] & 0x40) {
		/* The cookie the engine asks of this request, first (2.6). */
		static struct fgw_ike_msg req;
		uint8_t cookie[64];
		size_t clen;

		req.hdr.spi_i = h.spi_i;
		req.nonce.data = nonce;
		req.nonce.len = sizeof(nonce);
		clen = ike_cookie_make(gw.ike, &req, &p->src, cookie);
		fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_COOKIE, cookie, clen);
	}
	sa.n = ike_proposals_ike(gw_cfg, &p->dst, &sa);
	fgw_ike_build_sa(&b, &sa);
	fgw_ike_build_ke(&b, group, pub, (size_t)len);
	fgw_ike_build_nonce(&b, nonce, sizeof(nonce));
	if (n == 0 || !(d[0] & 0x80))
		ike_natd_build(&b, h.spi_i, 0, &p->src, p->sport, &p->dst, p->dport);
	for (size_t i = 1; i + 1 < n && i < 17; i += 2)
		fgw_ike_build_notify(&b, 0, NULL, 0, (uint16_t)(d[i] << 8 | d[i + 1]), NULL, 0);
	len = fgw_ike_build_finish(&b);
	if (len < 0)
		gw_die("IKE_SA_INIT request does not fit", NULL);
	deliver(p, (size_t)len);
}

/* The AUTH a peer of this SA signs its message with: the initiator's over
 * the IKE_SA_INIT request and Nr, the responder's over the response and
 * Ni. */
static void fix_auth(struct fgw_ike_sa *sa, struct fgw_ike_msg *m, uint8_t *auth)
{
	bool peer_initiates = !sa->initiator;
	const struct fgw_ike_id *id = peer_initiates ? &m->idi : &m->idr;
	const uint8_t *real = peer_initiates ? sa->init_i : sa->init_r;
	size_t real_len = peer_initiates ? sa->init_i_len : sa->init_r_len;

	if (!m->has_auth || real == NULL || !(peer_initiates ? m->has_idi : m->has_idr))
		return;
	if (fgw_ike_auth_psk(&sa->keys, peer_initiates, (const uint8_t *)PSK, strlen(PSK), real,
			     real_len, peer_initiates ? sa->nr : sa->ni,
			     peer_initiates ? sa->nr_len : sa->ni_len, id->body, id->body_len,
			     auth) < 0)
		return;
	m->auth.method = FGW_IKE_AUTH_SHARED_KEY_MIC;
	m->auth.data = auth;
	m->auth.len = (uint16_t)sa->keys.prf_len;
}

static void op_sk(const struct fgw_local_pkt *p, const uint8_t *d, size_t n)
{
	static uint8_t plain[FGW_IKE_MSG_MAX], built[FGW_IKE_MSG_MAX + 512];
	static struct fgw_ike_msg m;
	struct fgw_ike_sa *sa = target(true);
	uint8_t auth[FGW_IKE_PRF_MAX];
	size_t iv, inner_len, len;
	struct fgw_ike_hdr h;
	struct fgw_ike_buf b;
	bool response;
	uint8_t first;
	int sealed;

	if (sa == NULL || n < 3 || n - 3 > sizeof(plain))
		return;
	response = d[1] & 1;
	h = (struct fgw_ike_hdr){
		.spi_i = sa->spi_i, .spi_r = sa->spi_r, .next_payload = FGW_IKE_PL_SK,
		.version = FGW_IKE_VERSION, .exchange = d[0],
		.flags = (uint8_t)((sa->initiator ? 0 : FGW_IKE_FLAG_INITIATOR) |
				   (response ? FGW_IKE_FLAG_RESPONSE : 0)),
		.msg_id = (response ? sa->req.msg_id : sa->peer_msg_id) + !!(d[1] & 4),
	};
	iv = fgw_ike_encr_iv_len(sa->keys.suite.encr);
	inner_len = n - 3;
	first = d[2];
	memcpy(plain, d + 3, inner_len);
	/* The outer message: header, SK (next payload: the first inner one). */
	fgw_ike_build_init(&b, built, sizeof(built), &h);
	built[16] = FGW_IKE_PL_SK;
	memset(built + 28, 0, 4 + 16);
	built[28] = d[2];
	built[30] = 0;
	built[31] = 20;
	built[27] = 48;
	if (d[1] & 2 && fgw_ike_parse(built, 48, &m) == FGW_IKE_OK &&
	    fgw_ike_parse_inner(&m, plain, inner_len, d[2]) == FGW_IKE_OK) {
		fix_auth(sa, &m, auth);
		ike_rebuild(&m, &b, built, sizeof(built));
		if (b.overflow || b.len < 32)
			return;
		first = built[28];
		memcpy(plain, built + 32, b.len - 32);
		inner_len = b.len - 32;
	}
	if (28 + 4 + iv + inner_len + 64 > sizeof(msg))
		return;
	fgw_ike_build_init(&b, msg, sizeof(msg), &h);
	msg[16] = FGW_IKE_PL_SK;
	msg[28] = first;
	msg[29] = 0;
	memset(msg + 32, 0, iv);
	memcpy(msg + 32 + iv, plain, inner_len);
	len = 32 + iv + inner_len;
	/* The peer seals in its role: initiator when we are not. */
	sealed = fgw_ike_sk_seal(&sa->keys, !sa->initiator, msg, 28, len, sizeof(msg));
	if (sealed < 0)
		return;
	deliver(p, (size_t)sealed);
}

static void op_tunnel(const uint8_t *d, size_t n)
{
	struct fgw_ike_tunnel *t;

	if (gw.ike->n_tunnels == 0)
		return;
	t = &gw.ike->tunnels[(n ? d[0] : 0) % gw.ike->n_tunnels];
	if (t->sa != NULL || t->timer.f == NULL)
		return;
	rte_timer_stop(&t->timer);
	t->timer.f(&t->timer, t->timer.arg);
}

static void op_patch(const struct fgw_local_pkt *p, const uint8_t *d, size_t n)
{
	struct fgw_ike_sa *sa = target(false);

	if (n > FGW_IKE_MSG_MAX)
		return;
	memcpy(msg, d, n);
	if (sa != NULL && n >= 16) {
		for (unsigned i = 0; i < 8; i++)
			msg[i] = (uint8_t)(sa->spi_i >> (56 - 8 * i));
		if (sa->spi_r != 0)
			for (unsigned i = 0; i < 8; i++)
				msg[8 + i] = (uint8_t)(sa->spi_r >> (56 - 8 * i));
	}
	deliver(p, n);
}

static void fire(struct rte_timer *t)
{
	if (rte_timer_pending(t)) {
		rte_timer_stop(t);
		t->f(t, t->arg);
	}
}

static void op_due(const uint8_t *d, size_t n)
{
	struct fgw_ike_sa *sa = target(true);
	uint64_t now = rte_get_timer_cycles();
	struct fgw_ike_child *ch;
	uint8_t what = n ? d[0] : 1;

	if (sa == NULL)
		return;
	if (what & 1)
		sa->rekey_at = now;
	TAILQ_FOREACH(ch, &sa->children, link) {
		if (what & 2)
			ch->rekey_at = now;
		if (what & 4 && ch->delete_at)
			ch->delete_at = now;
	}
	ike_life_kick(sa);
	if (what & 8)
		fire(&sa->retx_timer);
	if (what & 16)
		fire(&sa->dpd_timer);
	if (what & 32)
		fgw_ike_clear(&gw, NULL);
}

/* Runs an input's records (the format in fuzz_ike_engine.c). */
static void peer_run(const uint8_t *data, size_t size)
{
	while (size >= 3) {
		uint8_t op = data[0];
		size_t n = (size_t)data[1] << 8 | data[2];
		const uint8_t *d = data + 3;
		struct fgw_local_pkt p = pkt_from(op >> 4);

		if (n > size - 3)
			n = size - 3;
		switch ((op & 15) % OP_N) {
		case OP_RAW:
			if (n <= FGW_IKE_MSG_MAX) {
				memcpy(msg, d, n);
				deliver(&p, n);
			}
			break;
		case OP_INIT: op_init(&p, d, n); break;
		case OP_SK: op_sk(&p, d, n); break;
		case OP_TUNNEL: op_tunnel(d, n); break;
		case OP_PATCH: op_patch(&p, d, n); break;
		case OP_DUE: op_due(d, n); break;
		}
		gw_service();
		data += 3 + n;
		size -= 3 + n;
	}
}

#endif
