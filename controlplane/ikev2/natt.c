/* NAT detection (RFC 7296 2.23): each end hashes the addresses and ports
 * it sends from and to; a hash that does not match what the receiver sees
 * means a NAT rewrote that side. Then IKE moves to UDP 4500 and ESP goes
 * inside UDP (RFC 3948). strongSwan's userspace ESP (kernel-libipsec)
 * fakes a NAT on its side on purpose, so against it the tunnel always
 * ends up on 4500.
 *
 * The side behind the NAT keeps the NAT's mapping alive with keepalives
 * (RFC 3948 2.3, IOS `crypto ikev2 nat keepalive`): one 0xff octet from
 * 4500, sent only after an interval in which neither IKE nor ESP went to
 * the peer. The side in front of the NAT cannot open a mapping and sends
 * none. */
#include <string.h>
#include <sys/uio.h>

#include <openssl/crypto.h>
#include <rte_cycles.h>
#include <rte_lcore.h>

#include "engine.h"

void ike_natd_build(struct fgw_ike_buf *b, uint64_t spi_i, uint64_t spi_r,
		    const struct fgw_addr *local, uint16_t lport,
		    const struct fgw_addr *remote, uint16_t rport)
{
	uint8_t h[FGW_IKE_NAT_HASH_LEN];

	fgw_ike_nat_hash(spi_i, spi_r, local, lport, h);
	fgw_ike_build_notify(b, 0, NULL, 0, FGW_IKE_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	fgw_ike_nat_hash(spi_i, spi_r, remote, rport, h);
	fgw_ike_build_notify(b, 0, NULL, 0, FGW_IKE_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
}

bool ike_natd_check(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg)
{
	uint8_t src[FGW_IKE_NAT_HASH_LEN], dst[FGW_IKE_NAT_HASH_LEN];
	bool any_src = false, src_ok = false, dst_ok = false, any_dst = false;

	/* The hashes of the message that carries them: its own SPIs. */
	fgw_ike_nat_hash(msg->hdr.spi_i, msg->hdr.spi_r, &sa->remote, sa->remote_port, src);
	fgw_ike_nat_hash(msg->hdr.spi_i, msg->hdr.spi_r, &sa->local, sa->local_port, dst);
	for (unsigned i = 0; i < msg->n_notify; i++) {
		const struct fgw_ike_notify *n = &msg->notify[i];

		/* A peer with several addresses sends one SOURCE per address. */
		if (n->type == FGW_IKE_N_NAT_DETECTION_SOURCE_IP) {
			any_src = true;
			if (n->len == sizeof(src) && CRYPTO_memcmp(n->data, src, sizeof(src)) == 0)
				src_ok = true;
		} else if (n->type == FGW_IKE_N_NAT_DETECTION_DESTINATION_IP) {
			any_dst = true;
			if (n->len == sizeof(dst) && CRYPTO_memcmp(n->data, dst, sizeof(dst)) == 0)
				dst_ok = true;
		}
	}
	if (!any_src || !any_dst)
		return false;
	sa->nat_remote = !src_ok;
	sa->nat_local = !dst_ok;
	return true;
}

static void keepalive_tick(struct rte_timer *tim, void *arg)
{
	static const uint8_t ka = 0xff;
	struct fgw_ike_sa *sa = arg;
	uint64_t interval = ike_ms_to_cycles(sa->profile->nat_keepalive * 1000ull);
	uint64_t in, out;
	struct iovec iov = { (void *)&ka, sizeof(ka) };

	(void)tim;
	if (sa->state != FGW_IKE_ST_ESTABLISHED)
		return;
	ike_child_packets(sa, &in, &out);
	if (out == sa->keepalive_out && rte_get_timer_cycles() - sa->last_tx >= interval &&
	    fgw_udp_output(sa->ike->c, &sa->local, FGW_IKE_NATT_PORT, &sa->remote,
			   sa->remote_port, &iov, 1) == 0) {
		sa->keepalives_sent++;
		sa->ike->stats.nat_keepalives_sent++;
	}
	sa->keepalive_out = out;
	rte_timer_reset(&sa->keepalive_timer, interval, SINGLE, rte_lcore_id(), keepalive_tick,
			sa);
}

void ike_keepalive_start(struct fgw_ike_sa *sa)
{
	uint64_t in;

	if (!sa->nat_local || !sa->natt || sa->profile == NULL || sa->profile->nat_keepalive == 0)
		return;
	ike_child_packets(sa, &in, &sa->keepalive_out);
	rte_timer_reset(&sa->keepalive_timer,
			ike_ms_to_cycles(sa->profile->nat_keepalive * 1000ull), SINGLE,
			rte_lcore_id(), keepalive_tick, sa);
}
