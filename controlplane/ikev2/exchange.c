/* Moving IKE messages: our requests (one outstanding, retransmitted with
 * exponential back-off until answered), our responses (the last one kept
 * for a retransmitted request, RFC 7296 2.1), and what arrives: the IKE
 * SA from the header's SPIs, message ID checks (2.3), the SK payload
 * opened, then the exchange's handler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "dataplane/ipsec/sa_setup.h"
#include "engine.h"

void ike_log_msg(struct fgw_ike *ike, const char *dir, const struct fgw_ike_msg *msg,
		 const struct fgw_addr *peer, uint16_t port)
{
	char sum[512], a[FGW_ADDR_STRLEN];

	if (!ike->debug && fgw_log_get_level() < FGW_LOG_DEBUG)
		return;
	fgw_ike_msg_summary(msg, sum, sizeof(sum));
	fgw_log(ike->debug ? FGW_LOG_NOTICE : FGW_LOG_DEBUG, "IKEv2 %s %s[%u]: %s", dir,
		fgw_addr_str(peer, a, sizeof(a)), port, sum);
}

void ike_send_raw(struct fgw_ike *ike, const struct fgw_addr *src, uint16_t sport,
		  const struct fgw_addr *dst, uint16_t dport, const uint8_t *msg, size_t len)
{
	static const uint8_t marker[FGW_IKE_NON_ESP_MARKER_LEN];
	struct iovec iov[2];
	unsigned n = 0;

	/* RFC 3948 2.2: IKE from 4500 carries the non-ESP marker. */
	if (sport == FGW_IKE_NATT_PORT)
		iov[n++] = (struct iovec){ (void *)marker, sizeof(marker) };
	iov[n++] = (struct iovec){ (void *)msg, len };
	if (fgw_udp_output(ike->c, src, sport, dst, dport, iov, n) == 0)
		ike->stats.tx_packets++;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The debug line for a message we built: the outer chain parsed back,
 * the inner chain read from the plaintext before it is sealed. */
static void log_built(struct fgw_ike_sa *sa, struct fgw_ike_buf *b, size_t iv_len)
{
	static struct fgw_ike_msg msg;
	struct fgw_ike *ike = sa->ike;
	size_t inner = b->sk_off + FGW_IKE_PAYLOAD_HDR_LEN + iv_len;

	if ((!ike->debug && fgw_log_get_level() < FGW_LOG_DEBUG) || b->overflow)
		return;
	memset(&msg, 0, sizeof(msg));
	if (b->sk_off == 0) {
		if (fgw_ike_parse(b->p, b->len, &msg) != 0)
			return;
	} else {
		msg.hdr = (struct fgw_ike_hdr){
			.spi_i = be64(b->p), .spi_r = be64(b->p + 8), .next_payload = b->p[16],
			.version = b->p[17], .exchange = b->p[18], .flags = b->p[19],
			.msg_id = (uint32_t)b->p[20] << 24 | (uint32_t)b->p[21] << 16 |
				  (uint32_t)b->p[22] << 8 | b->p[23],
			.length = (uint32_t)b->len,
		};
		msg.has_sk = true;
		if (inner <= b->len)
			fgw_ike_parse_inner(&msg, b->p + inner, b->len - inner, b->p[b->sk_off]);
	}
	ike_log_msg(ike, "send to", &msg, &sa->remote, sa->remote_port);
}

void ike_msg_begin(struct fgw_ike_sa *sa, struct fgw_ike_buf *b, uint8_t *buf, size_t cap,
		   uint8_t exchange, bool response, uint32_t msg_id)
{
	struct fgw_ike_hdr h = {
		.spi_i = sa->spi_i,
		.spi_r = sa->spi_r,
		.version = FGW_IKE_VERSION,
		.exchange = exchange,
		.flags = (uint8_t)((sa->initiator ? FGW_IKE_FLAG_INITIATOR : 0) |
				   (response ? FGW_IKE_FLAG_RESPONSE : 0)),
		.msg_id = msg_id,
	};

	fgw_ike_build_init(b, buf, cap, &h);
	if (exchange != FGW_IKE_SA_INIT)
		fgw_ike_build_sk_open(b, fgw_ike_encr_iv_len(sa->keys.suite.encr));
}

/* Seals (or finishes) b; its length, or -1. */
static int msg_close(struct fgw_ike_sa *sa, struct fgw_ike_buf *b)
{
	size_t iv_len = fgw_ike_encr_iv_len(sa->keys.suite.encr);

	log_built(sa, b, iv_len);
	if (b->sk_off == 0)
		return fgw_ike_build_finish(b);
	if (b->overflow)
		return -1;
	return fgw_ike_sk_seal(&sa->keys, sa->initiator, b->p, b->sk_off, b->len, b->cap);
}

static void transmit(struct fgw_ike_sa *sa, const uint8_t *msg, size_t len)
{
	sa->tx_msgs++;
	sa->last_tx = rte_get_timer_cycles();
	ike_send_raw(sa->ike, &sa->local, sa->local_port, &sa->remote, sa->remote_port, msg, len);
}

static void retransmit(struct rte_timer *tim, void *arg)
{
	struct fgw_ike_sa *sa = arg;
	uint64_t ms = IKE_RETX_BASE_MS;

	(void)tim;
	if (sa->req.msg == NULL || sa->state == FGW_IKE_ST_DEAD)
		return;
	if (sa->req.tries >= sa->req.max_tries) {
		if (sa->req.kind == FGW_IKE_REQ_LIVENESS)
			ike_dpd_dead(sa);
		else
			ike_sa_fail(sa, FGW_IKE_FAIL_TIMEOUT, "no answer to %s request %u after %u "
				    "transmissions", fgw_ike_exchange_name(sa->req.exchange),
				    sa->req.msg_id, sa->req.tries);
		return;
	}
	if (sa->req.retx_ms)
		ms = sa->req.retx_ms;
	else
		for (unsigned i = 0; i < sa->req.tries; i++)
			ms *= 2;
	sa->req.tries++;
	sa->retransmits++;
	sa->ike->stats.retransmits++;
	FGW_DEBUG("IKEv2 SA %u: retransmitting %s request %u (%u)", sa->serial,
		  fgw_ike_exchange_name(sa->req.exchange), sa->req.msg_id, sa->req.tries);
	transmit(sa, sa->req.msg, sa->req.len);
	rte_timer_reset(&sa->retx_timer, ike_ms_to_cycles(ms), SINGLE, rte_lcore_id(),
			retransmit, sa);
}

int ike_send_request(struct fgw_ike_sa *sa, struct fgw_ike_buf *b)
{
	return ike_send_request_as(sa, b, FGW_IKE_REQ_OTHER);
}

int ike_send_request_as(struct fgw_ike_sa *sa, struct fgw_ike_buf *b, uint8_t kind)
{
	return ike_send_request_every(sa, b, kind, 0, IKE_RETX_TRIES);
}

int ike_send_request_every(struct fgw_ike_sa *sa, struct fgw_ike_buf *b, uint8_t kind,
			   uint32_t retx_ms, unsigned max_tries)
{
	uint8_t exchange = b->p[18];
	int len = msg_close(sa, b);
	uint8_t *copy;

	if (len < 0 || (copy = malloc((size_t)len)) == NULL) {
		ike_sa_fail(sa, FGW_IKE_FAIL_INTERNAL, "cannot build a %s request",
			    fgw_ike_exchange_name(exchange));
		return -1;
	}
	memcpy(copy, b->p, (size_t)len);
	free(sa->req.msg);
	sa->req = (struct fgw_ike_request){
		.msg = copy, .len = (size_t)len, .msg_id = sa->next_msg_id,
		.exchange = exchange, .kind = kind, .tries = 1, .max_tries = max_tries,
		.retx_ms = retx_ms, .sent = rte_get_timer_cycles(),
	};
	sa->next_msg_id++;
	transmit(sa, copy, (size_t)len);
	rte_timer_reset(&sa->retx_timer, ike_ms_to_cycles(retx_ms ? retx_ms : IKE_RETX_BASE_MS),
			SINGLE, rte_lcore_id(), retransmit, sa);
	return 0;
}

void ike_request_done(struct fgw_ike_sa *sa)
{
	rte_timer_stop(&sa->retx_timer);
	free(sa->req.msg);
	sa->req.msg = NULL;
	sa->req.len = 0;
}

int ike_send_response(struct fgw_ike_sa *sa, struct fgw_ike_buf *b)
{
	uint32_t msg_id = sa->peer_msg_id;
	int len = msg_close(sa, b);
	uint8_t *copy;

	if (len < 0 || (copy = malloc((size_t)len)) == NULL) {
		ike_sa_fail(sa, FGW_IKE_FAIL_INTERNAL, "cannot build a response");
		return -1;
	}
	memcpy(copy, b->p, (size_t)len);
	free(sa->resp.msg);
	sa->resp = (struct fgw_ike_response){
		.msg = copy, .len = (size_t)len, .msg_id = msg_id, .valid = true,
	};
	transmit(sa, copy, (size_t)len);
	return 0;
}

void ike_send_clear_notify(struct fgw_ike *ike, const struct fgw_ike_hdr *h,
			   const struct fgw_local_pkt *p, uint16_t type, const uint8_t *data,
			   size_t len)
{
	static struct fgw_ike_msg out;
	uint8_t buf[512];
	struct fgw_ike_buf b;
	int n;

	fgw_ike_build_init(&b, buf, sizeof(buf), h);
	fgw_ike_build_notify(&b, 0, NULL, 0, type, data, len);
	n = fgw_ike_build_finish(&b);
	if (n < 0)
		return;
	if (fgw_ike_parse(buf, (size_t)n, &out) == 0)
		ike_log_msg(ike, "send to", &out, &p->src, p->sport);
	ike_send_raw(ike, &p->dst, p->dport, &p->src, p->sport, buf, (size_t)n);
}

void ike_send_init_error(struct fgw_ike *ike, const struct fgw_ike_msg *req,
			 const struct fgw_local_pkt *p, uint16_t type, const uint8_t *data,
			 size_t len)
{
	struct fgw_ike_hdr h = {
		.spi_i = req->hdr.spi_i,
		.version = FGW_IKE_VERSION,
		.exchange = FGW_IKE_SA_INIT,
		.flags = FGW_IKE_FLAG_RESPONSE,
		.msg_id = 0,
	};

	ike_send_clear_notify(ike, &h, p, type, data, len);
}

/* ---- input ------------------------------------------------------------------------ */

/* The peer's message reached us from where we now talk to it: after the
 * NAT-T float (2.23) a peer behind a NAT may come from a new port. Its
 * CHILD SAs' ESP in UDP follows the port; the address a static tunnel
 * sends to is its configured destination and stays. */
static void follow_peer(struct fgw_ike_sa *sa, const struct fgw_local_pkt *p)
{
	char was[FGW_ADDR_STRLEN], now[FGW_ADDR_STRLEN];
	struct fgw_ike_child *ch;

	if (p->dport == FGW_IKE_NATT_PORT && sa->local_port != FGW_IKE_NATT_PORT) {
		sa->local_port = FGW_IKE_NATT_PORT;
		sa->natt = true;
	}
	if (!sa->nat_remote || (sa->remote_port == p->sport && fgw_addr_eq(&sa->remote, &p->src)))
		return;
	FGW_NOTICE("IKEv2 SA %u: peer moved behind its NAT from %s[%u] to %s[%u]", sa->serial,
		   fgw_addr_str(&sa->remote, was, sizeof(was)), sa->remote_port,
		   fgw_addr_str(&p->src, now, sizeof(now)), p->sport);
	sa->remote = p->src;
	sa->remote_port = p->sport;
	if (sa->local_port != FGW_IKE_NATT_PORT)
		return;
	TAILQ_FOREACH(ch, &sa->children, link) {
		if (!ch->natt_sport || ch->natt_dport == p->sport)
			continue;
		ch->natt_dport = p->sport;
		if (ch->sa_out != NULL)
			fgw_sa_natt_dport_set(ch->sa_out, p->sport);
		if (ch->sa_out_pending != NULL)
			fgw_sa_natt_dport_set(ch->sa_out_pending, p->sport);
	}
}

static void dispatch(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	bool response = msg->hdr.flags & FGW_IKE_FLAG_RESPONSE;

	switch (msg->hdr.exchange) {
	case FGW_IKE_AUTH:
		if (response)
			ike_auth_response(sa, msg);
		else
			ike_auth_request(sa, msg);
		return;
	case FGW_IKE_INFORMATIONAL:
		if (response && (sa->req.kind == FGW_IKE_REQ_DELETE_CHILD ||
				 sa->req.kind == FGW_IKE_REQ_DELETE_IKE))
			ike_rekey_delete_response(sa, msg);
		else if (response)
			ike_informational_response(sa, msg);
		else
			ike_informational_request(sa, msg);
		return;
	case FGW_IKE_CREATE_CHILD_SA:
		if (response)
			ike_create_child_response(sa, msg);
		else
			ike_create_child_request(sa, msg);
		return;
	default:
		sa->ike->stats.rx_dropped++;
	}
}

void ike_receive(struct fgw_ike *ike, uint8_t *buf, size_t len, const struct fgw_local_pkt *p)
{
	static struct fgw_ike_msg msg;
	struct fgw_ike_sa *sa;
	const uint8_t *plain;
	size_t plain_len;
	bool response;
	uint64_t our_spi;
	int rc;

	rc = fgw_ike_parse(buf, len, &msg);
	if (rc != 0) {
		ike->stats.failures[FGW_IKE_FAIL_INVALID_SYNTAX]++;
		ike->stats.rx_dropped++;
		/* 2.5: an initiator's first message is answered in the clear. */
		if (rc == FGW_IKE_ERR_CRITICAL && msg.hdr.exchange == FGW_IKE_SA_INIT &&
		    !(msg.hdr.flags & FGW_IKE_FLAG_RESPONSE) && msg.hdr.spi_r == 0)
			ike_send_init_error(ike, &msg, p, FGW_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
					    &msg.unsupported_critical, 1);
		FGW_DEBUG("IKEv2: dropped a malformed message from %s: %s",
			  fgw_addr_str(&p->src, (char[FGW_ADDR_STRLEN]){ 0 }, FGW_ADDR_STRLEN),
			  fgw_ike_parse_error_str(rc));
		return;
	}
	response = msg.hdr.flags & FGW_IKE_FLAG_RESPONSE;
	if (msg.hdr.exchange == FGW_IKE_SA_INIT) {
		ike_log_msg(ike, "received from", &msg, &p->src, p->sport);
		if (!response) {
			ike_sa_init_request(ike, &msg, p);
			return;
		}
		sa = ike_sa_find(ike, msg.hdr.spi_i);
		if (sa == NULL || !sa->initiator || sa->state != FGW_IKE_ST_INIT_SENT) {
			ike->stats.rx_invalid_spi++;
			return;
		}
		ike_sa_init_response(sa, &msg, p);
		return;
	}
	/* The I flag says who sent it: the original initiator, so we are the
	 * responder and our SPI is SPIr; or the other way round. */
	our_spi = msg.hdr.flags & FGW_IKE_FLAG_INITIATOR ? msg.hdr.spi_r : msg.hdr.spi_i;
	sa = ike_sa_find(ike, our_spi);
	if (sa == NULL || sa->initiator == !!(msg.hdr.flags & FGW_IKE_FLAG_INITIATOR) ||
	    (sa->initiator ? sa->spi_r : sa->spi_i) !=
	    (sa->initiator ? msg.hdr.spi_r : msg.hdr.spi_i)) {
		ike->stats.rx_invalid_spi++;
		ike_log_msg(ike, "received (unknown SPI) from", &msg, &p->src, p->sport);
		if (!response)
			ike_invalid_spi_answer(ike, &msg, p);
		return;
	}
	if (!msg.has_sk || !sa->keys_valid) {
		ike->stats.rx_dropped++;
		return;
	}
	/* Message IDs before the ICV: a retransmitted request gets the
	 * cached response (its ICV was checked the first time). A response
	 * is of its request's exchange (RFC 7296 1.2): another one would
	 * free the request slot and leave the exchange's state (its DH key,
	 * the CHILD SA it makes) to the next exchange to overwrite. */
	if (response) {
		if (sa->req.msg == NULL || msg.hdr.msg_id != sa->req.msg_id ||
		    msg.hdr.exchange != sa->req.exchange) {
			ike->stats.rx_dropped++;
			return;
		}
	} else if (msg.hdr.msg_id != sa->peer_msg_id) {
		if (sa->resp.valid && msg.hdr.msg_id == sa->resp.msg_id) {
			sa->dup_requests++;
			ike->stats.dup_requests++;
			transmit(sa, sa->resp.msg, sa->resp.len);
		} else {
			ike->stats.rx_dropped++;
		}
		return;
	}
	rc = fgw_ike_sk_open(&sa->keys, sa->initiator, buf, len, msg.sk_off, &plain, &plain_len);
	if (rc != 0) {
		/* Anyone can send garbage with our SPIs: count, never fail the SA. */
		ike->stats.failures[rc == -1 ? FGW_IKE_FAIL_DECRYPT : FGW_IKE_FAIL_INVALID_SYNTAX]++;
		ike->stats.rx_dropped++;
		FGW_DEBUG("IKEv2 SA %u: dropped a message from %s: %s", sa->serial,
			  ike_peer_str(sa), rc == -1 ? "integrity check failed" : "bad SK payload");
		return;
	}
	rc = fgw_ike_parse_inner(&msg, plain, plain_len, msg.sk_first);
	ike_log_msg(ike, "received from", &msg, &p->src, p->sport);
	if (rc != 0) {
		ike->stats.failures[FGW_IKE_FAIL_INVALID_SYNTAX]++;
		if (!response) {
			struct fgw_ike_buf b;
			uint8_t out[256];
			uint8_t crit = msg.unsupported_critical;

			ike_msg_begin(sa, &b, out, sizeof(out), msg.hdr.exchange, true,
				      msg.hdr.msg_id);
			if (rc == FGW_IKE_ERR_CRITICAL)
				fgw_ike_build_notify(&b, 0, NULL, 0,
						     FGW_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, &crit, 1);
			else
				fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_INVALID_SYNTAX, NULL, 0);
			ike_send_response(sa, &b);
			sa->peer_msg_id++;
		}
		if (sa->state < FGW_IKE_ST_ESTABLISHED && sa->state != FGW_IKE_ST_DEAD)
			ike_sa_fail(sa, FGW_IKE_FAIL_INVALID_SYNTAX, "malformed %s %s: %s",
				    fgw_ike_exchange_name(msg.hdr.exchange),
				    response ? "response" : "request", fgw_ike_parse_error_str(rc));
		return;
	}
	sa->rx_msgs++;
	sa->last_rx = rte_get_timer_cycles();
	sa->dpd_missed = 0;
	follow_peer(sa, p);
	if (response) {
		ike_request_done(sa);
	}
	dispatch(sa, &msg);
	/* The handler answered the request (or the SA died doing so). */
	if (!response && sa->state != FGW_IKE_ST_DEAD && sa->resp.valid &&
	    sa->resp.msg_id == msg.hdr.msg_id)
		sa->peer_msg_id = msg.hdr.msg_id + 1;
}
