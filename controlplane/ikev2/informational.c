/* INFORMATIONAL (RFC 7296 1.4): DELETE of the IKE SA or of CHILD SAs
 * (answered with the DELETE of our halves, then removed from both
 * planes), liveness checks (an empty request, answered empty), error
 * notifies about an SA, and INVALID_IKE_SPI for requests of SAs we do not
 * have (2.21.4). */
#include <string.h>

#include <rte_cycles.h>

#include "engine.h"

/* INVALID_IKE_SPI answers per second at most: they are unauthenticated
 * and anyone can make us send them. */
#define INVALID_SPI_PER_S 10

static void send_now(struct fgw_ike_sa *sa, struct fgw_ike_buf *b)
{
	int len = fgw_ike_sk_seal(&sa->keys, sa->initiator, b->p, b->sk_off, b->len, b->cap);

	if (len > 0 && !b->overflow) {
		sa->tx_msgs++;
		ike_send_raw(sa->ike, &sa->local, sa->local_port, &sa->remote, sa->remote_port,
			     b->p, (size_t)len);
	}
}

void ike_delete_send_now(struct fgw_ike_sa *sa)
{
	uint8_t buf[256];
	struct fgw_ike_buf b;

	if (!sa->keys_valid)
		return;
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_INFORMATIONAL, false, sa->next_msg_id++);
	fgw_ike_build_delete(&b, FGW_IKE_PROTO_IKE, NULL, 0, 0);
	send_now(sa, &b);
}

void ike_notify_send_now(struct fgw_ike_sa *sa, uint16_t type)
{
	uint8_t buf[256];
	struct fgw_ike_buf b;

	if (!sa->keys_valid)
		return;
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_INFORMATIONAL, false, sa->next_msg_id++);
	fgw_ike_build_notify(&b, 0, NULL, 0, type, NULL, 0);
	send_now(sa, &b);
}

void ike_invalid_spi_answer(struct fgw_ike *ike, const struct fgw_ike_msg *req,
			    const struct fgw_local_pkt *p)
{
	static uint64_t second;
	static unsigned sent;
	uint64_t now = rte_get_timer_cycles() / rte_get_timer_hz();
	struct fgw_ike_hdr h = {
		.spi_i = req->hdr.spi_i,
		.spi_r = req->hdr.spi_r,
		.version = FGW_IKE_VERSION,
		.exchange = FGW_IKE_INFORMATIONAL,
		/* We answer as the side the request was sent to. */
		.flags = (uint8_t)(FGW_IKE_FLAG_RESPONSE |
				   (req->hdr.flags & FGW_IKE_FLAG_INITIATOR ? 0 : FGW_IKE_FLAG_INITIATOR)),
		.msg_id = req->hdr.msg_id,
	};

	if (now != second) {
		second = now;
		sent = 0;
	}
	if (sent >= INVALID_SPI_PER_S)
		return;
	sent++;
	ike_send_clear_notify(ike, &h, p, FGW_IKE_N_INVALID_IKE_SPI, NULL, 0);
}

static uint32_t spi_at(const struct fgw_ike_delete *d, unsigned i)
{
	const uint8_t *p = d->spis + (size_t)i * 4;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void ike_informational_request(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	uint8_t buf[FGW_IKE_MSG_MAX], ours[4 * 64];
	unsigned n_ours = 0, n_gone = 0;
	bool delete_ike = false;
	struct fgw_ike_buf b;

	for (unsigned i = 0; i < msg->n_delete; i++) {
		const struct fgw_ike_delete *d = &msg->del[i];

		if (d->protocol == FGW_IKE_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (d->protocol != FGW_IKE_PROTO_ESP || d->spi_len != 4)
			continue;
		for (unsigned j = 0; j < d->n_spi; j++) {
			struct fgw_ike_child *ch = ike_child_by_spi_out(sa, spi_at(d, j));

			if (ch == NULL)
				continue;
			FGW_INFO("IKEv2 SA %u: %s deleted CHILD SA in %08x out %08x", sa->serial,
				 ike_peer_str(sa), ch->spi_in, ch->spi_out);
			/* 1.4.1: answer with the SPIs of our halves, unless we are
			 * deleting them ourselves already. */
			if (ch->state != FGW_CHILD_DELETING && n_ours < sizeof(ours) / 4) {
				ours[4 * n_ours] = (uint8_t)(ch->spi_in >> 24);
				ours[4 * n_ours + 1] = (uint8_t)(ch->spi_in >> 16);
				ours[4 * n_ours + 2] = (uint8_t)(ch->spi_in >> 8);
				ours[4 * n_ours + 3] = (uint8_t)ch->spi_in;
				n_ours++;
			}
			ike_child_delete(sa, ch);
			n_gone++;
		}
	}
	for (unsigned i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type == FGW_IKE_N_AUTHENTICATION_FAILED && !sa->initiator &&
		    sa->state == FGW_IKE_ST_ESTABLISHED) {
			/* The initiator did not accept our AUTH (2.21.2). */
			ike_sa_fail(sa, FGW_IKE_FAIL_AUTH_REJECTED, "AUTHENTICATION_FAILED from peer "
				    "%s: it does not accept our pre-shared key or identity",
				    ike_peer_str(sa));
			return;
		}
	ike_msg_begin(sa, &b, buf, sizeof(buf), FGW_IKE_INFORMATIONAL, true, msg->hdr.msg_id);
	if (n_ours && !delete_ike)
		fgw_ike_build_delete(&b, FGW_IKE_PROTO_ESP, ours, 4, n_ours);
	if (ike_send_response(sa, &b) < 0)
		return;
	if (delete_ike) {
		FGW_NOTICE("IKEv2 SA %u with %s deleted by the peer", sa->serial, ike_peer_str(sa));
		ike_rekey_redundant_deleted(sa);
		ike_sa_kill(sa);
	} else if (n_gone) {
		/* A tunnel left without a CHILD SA gets a new one now (rekey.c),
		 * as IOS brings a protected tunnel back. */
		ike_life_kick(sa);
	}
}

void ike_informational_response(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	(void)msg;
	/* Our DELETE of the IKE SA was acknowledged: it goes now. */
	if (sa->state == FGW_IKE_ST_DELETING)
		ike_sa_kill(sa);
}
