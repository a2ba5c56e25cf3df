/* What the files of the IKEv2 engine share among themselves (nothing
 * outside controlplane/ikev2/ includes this; the show commands read
 * ike_sa.h). One file per concept:
 *   ike.c          start/stop, UDP input, the IKE SA table, SPI slots
 *   exchange.c     sending requests (retransmission) and responses (cache),
 *                  decrypting and dispatching what arrives
 *   proposals.c    our proposals from the configuration, and selection
 *   profile.c      profile, keyring and identity matching
 *   natt.c         NAT detection, cookie.c cookies
 *   sa_init.c      IKE_SA_INIT, ike_auth.c IKE_AUTH, child_sa.c CHILD SAs
 *   informational.c DELETE, liveness checks answered, INVALID_IKE_SPI
 *   dpd.c          dead peer detection (periodic, on-demand)
 *   create_child.c CREATE_CHILD_SA (rekeys), life.c lifetimes */
#ifndef FGW_IKE_ENGINE_H
#define FGW_IKE_ENGINE_H

#include <stdarg.h>

#include "common/log.h"
#include "controlplane/control.h"
#include "controlplane/ikev2/ike_sa.h"

/* Retransmission (RFC 7296 2.1): 1 s, doubling, 6 transmissions in all
 * (about a minute) before the peer is given up. */
#define IKE_RETX_BASE_MS	1000
#define IKE_RETX_TRIES		6
/* INVALID_KE_PAYLOAD and COOKIE round trips we follow per initiation. */
#define IKE_INIT_RETRIES	3
/* Nonces we send: 32 octets (at least half the PRF's key size, 2.10). */
#define IKE_NONCE_LEN		32

/* ---- ike.c ------------------------------------------------------------------ */

uint64_t ike_ms_to_cycles(uint64_t ms);
/* A new IKE SA with a fresh SPI of ours, in the table; NULL when out of
 * memory. */
struct fgw_ike_sa *ike_sa_new(struct fgw_ike *ike, bool initiator,
			      const struct fgw_addr *local, uint16_t lport,
			      const struct fgw_addr *remote, uint16_t rport, uint32_t in_if);
struct fgw_ike_sa *ike_sa_find(struct fgw_ike *ike, uint64_t our_spi);
/* A half-open responder SA for this initiator SPI from this peer. */
struct fgw_ike_sa *ike_sa_find_half_open(struct fgw_ike *ike, uint64_t spi_i,
					 const struct fgw_addr *remote, uint16_t rport);
/* The negotiation failed: one log line naming the peer and the reason,
 * the counter, and the SA goes (its CHILD SAs leave the data path). */
void ike_sa_fail(struct fgw_ike_sa *sa, enum fgw_ike_failure why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Takes the SA down now (without telling the peer): CHILD SAs out of the
 * data path, out of the table, freed on the next collection pass. */
void ike_sa_kill(struct fgw_ike_sa *sa);
/* Moves an SA to ESTABLISHED (counters, timers, the tunnel it serves). */
void ike_sa_established(struct fgw_ike_sa *sa);
const char *ike_peer_str(const struct fgw_ike_sa *sa);
/* A new IKE SA with peer would exceed limits.max_sa or
 * max_in_negotiation_sa: counted and logged. */
bool ike_over_limits(struct fgw_ike *ike, const struct fgw_addr *peer, bool initiating);

/* Inbound SPIs: a free slot of the data path's inbound table. 0 when
 * there is none. */
uint32_t ike_spi_alloc(struct fgw_ike *ike, uint32_t *index);
void ike_spi_free(struct fgw_ike *ike, uint32_t index);

/* The tunnel with this peer as its destination (and `local` as source
 * when given). */
struct fgw_ike_tunnel *ike_tunnel_by_peer(struct fgw_ike *ike, const struct fgw_addr *local,
					  const struct fgw_addr *remote);
/* The tunnel's IKE SA went away: initiate again after a back-off. */
void ike_tunnel_down(struct fgw_ike_tunnel *t, bool failed);

/* ---- exchange.c -------------------------------------------------------------- */

/* Starts a message of sa's: header with our flags, SK opened when the
 * SA has keys (every exchange after IKE_SA_INIT). */
void ike_msg_begin(struct fgw_ike_sa *sa, struct fgw_ike_buf *b, uint8_t *buf, size_t cap,
		   uint8_t exchange, bool response, uint32_t msg_id);
/* Closes (seals) b and sends it as our next request, retransmitted until
 * answered. 0, or -1 (the SA is failed as INTERNAL). */
int ike_send_request(struct fgw_ike_sa *sa, struct fgw_ike_buf *b);
/* The same, saying what the request is for (enum fgw_ike_req_kind). */
int ike_send_request_as(struct fgw_ike_sa *sa, struct fgw_ike_buf *b, uint8_t kind);
/* The same with a fixed retransmission interval (ms) and max_tries
 * transmissions in all (DPD). */
int ike_send_request_every(struct fgw_ike_sa *sa, struct fgw_ike_buf *b, uint8_t kind,
			   uint32_t retx_ms, unsigned max_tries);
/* Closes b and sends it as the response to the peer's request msg_id,
 * keeping a copy for a retransmitted request. */
int ike_send_response(struct fgw_ike_sa *sa, struct fgw_ike_buf *b);
/* A message outside any SA's window (IKE_SA_INIT errors, cookies). */
void ike_send_raw(struct fgw_ike *ike, const struct fgw_addr *src, uint16_t sport,
		  const struct fgw_addr *dst, uint16_t dport, const uint8_t *msg, size_t len);
/* An unprotected message of header h with one notify, back to where p
 * came from. */
void ike_send_clear_notify(struct fgw_ike *ike, const struct fgw_ike_hdr *h,
			   const struct fgw_local_pkt *p, uint16_t type, const uint8_t *data,
			   size_t len);
/* Answers an unencrypted error notify to an IKE_SA_INIT request. */
void ike_send_init_error(struct fgw_ike *ike, const struct fgw_ike_msg *req,
			 const struct fgw_local_pkt *p, uint16_t type, const uint8_t *data, size_t len);
/* The request we had outstanding was answered: stop retransmitting. */
void ike_request_done(struct fgw_ike_sa *sa);
/* One line per message at debug level (payload names only). */
void ike_log_msg(struct fgw_ike *ike, const char *dir, const struct fgw_ike_msg *msg,
		 const struct fgw_addr *peer, uint16_t port);
/* Dispatches a received datagram (non-ESP marker already removed). */
void ike_receive(struct fgw_ike *ike, uint8_t *buf, size_t len, const struct fgw_local_pkt *p);

/* ---- proposals.c ------------------------------------------------------------- */

/* Our IKE proposals for a local address (the matching policy's, or the
 * default policy's), in wire form. 0 when there are none. */
unsigned ike_proposals_ike(const struct fgw_config *cfg, const struct fgw_addr *local,
			   struct fgw_ike_sa_payload *out);
/* ESP proposals of an IPsec profile (one per transform set), with spi. */
unsigned ike_proposals_esp(const struct fgw_config *cfg, const struct fgw_ipsec_profile_cfg *p,
			   uint32_t spi, uint16_t pfs_group, struct fgw_ike_sa_payload *out);
/* The most secure proposal both sides allow: the strongest of each
 * transform type in every peer proposal that ours cover, then the
 * strongest such proposal. For IKE, the peer's KE group wins over a
 * stronger one we both allow (saves an INVALID_KE round trip) when
 * ke_group is in the chosen proposal. Returns the chosen proposal (one
 * transform per type, the peer's number and SPI) in *chosen, 0; -1 when
 * nothing matches. */
int ike_proposal_select(const struct fgw_ike_sa_payload *peer,
			const struct fgw_ike_sa_payload *ours, uint8_t protocol,
			uint16_t ke_group, struct fgw_ike_proposal *chosen);
/* A responder's answer is acceptable: one proposal, each of its transforms
 * in one proposal of ours. */
bool ike_proposal_check(const struct fgw_ike_proposal *answer,
			const struct fgw_ike_sa_payload *ours);
/* IKE SA rekey (RFC 7296 2.18). The PRF of an IKE SA never changes in a
 * rekey: the RFC runs the new SA's prf+ with the new SA's PRF, strongSwan
 * with the old SA's, and only one PRF makes both the same. The offer: the
 * suite in use first (when ours still allow it), then ours cut down to its
 * PRF; 0 when ours no longer allow that PRF. */
unsigned ike_proposals_rekey(const struct fgw_ike_sa_payload *ours, const struct fgw_ike_suite *cur,
			     struct fgw_ike_sa_payload *out);
/* The answer to a peer's IKE SA rekey: the suite in use when the peer
 * offers all of it (a FlexVPN box keeps its suite across a rekey), else
 * the most secure choice with its PRF; -1 when none keeps the PRF. */
int ike_proposal_select_rekey(const struct fgw_ike_sa_payload *peer,
			      const struct fgw_ike_sa_payload *ours, const struct fgw_ike_suite *cur,
			      uint16_t ke_group, struct fgw_ike_proposal *chosen);
/* Reads a chosen proposal's transforms. */
void ike_proposal_suite(const struct fgw_ike_proposal *p, struct fgw_ike_suite *s);
struct esp_transform {
	uint16_t encr, encr_bits, integ, dh;
	bool esn;
};
void ike_proposal_esp(const struct fgw_ike_proposal *p, struct esp_transform *t);
/* The first DH group of our proposals (what an initiator sends KE for). */
uint16_t ike_proposals_first_group(const struct fgw_ike_sa_payload *ours);
bool ike_proposals_have_group(const struct fgw_ike_sa_payload *ours, uint16_t group);
/* The group to retry with after INVALID_KE_PAYLOAD n answered our KE of
 * group sent, 0 when there is none (logged, counted). */
uint16_t ike_invalid_ke_group(struct fgw_ike_sa *sa, const struct fgw_ike_notify *n,
			      const struct fgw_ike_sa_payload *ours, uint16_t sent);

/* ---- profile.c ---------------------------------------------------------------- */

/* The profile for a peer that identified itself as `id`, arriving on
 * local: the first whose match statements accept both. */
const struct fgw_ikev2_profile_cfg *ike_profile_match(const struct fgw_config *cfg,
						     const struct fgw_ike_identity *id,
						     const struct fgw_addr *local);
const struct fgw_ikev2_profile_cfg *ike_profile_by_name(const struct fgw_config *cfg,
						       const char *name);
/* The profile an initiator uses towards a tunnel's peer: the IPsec
 * profile's ikev2_profile, else the first profile whose keyring has an
 * entry for the peer's address. */
const struct fgw_ikev2_profile_cfg *ike_profile_for_peer(const struct fgw_config *cfg,
							const struct fgw_ipsec_profile_cfg *ip,
							const struct fgw_addr *remote);
/* The keyring entry of the profile's keyring for this peer: by identity,
 * else by address (longest prefix). NULL when none. */
const struct fgw_ikev2_keyring_peer_cfg *ike_keyring_peer(const struct fgw_config *cfg,
							 const struct fgw_ikev2_profile_cfg *pr,
							 const struct fgw_ike_identity *id,
							 const struct fgw_addr *remote);
/* The key we sign with / the peer signs with (asymmetric keys, or the one
 * shared key). */
const char *ike_psk_local(const struct fgw_ikev2_keyring_peer_cfg *p);
const char *ike_psk_remote(const struct fgw_ikev2_keyring_peer_cfg *p);
/* Our identity under a profile (identity local, else our address). */
void ike_identity_local(const struct fgw_ikev2_profile_cfg *pr, const struct fgw_addr *local,
			struct fgw_ike_identity *id);
void ike_identity_from_payload(const struct fgw_ike_id *p, struct fgw_ike_identity *id);
/* For logs and show: "fqdn branch1.example.com", "address 203.0.113.2". */
char *ike_identity_str(const struct fgw_ike_identity *id, char *out, size_t len);
/* The IPsec profile of a name. */
const struct fgw_ipsec_profile_cfg *ike_ipsec_profile(const struct fgw_config *cfg,
						     const char *name);

/* ---- natt.c and cookie.c ------------------------------------------------------- */

/* Adds NAT_DETECTION_SOURCE_IP and _DESTINATION_IP for this message's SPIs. */
void ike_natd_build(struct fgw_ike_buf *b, uint64_t spi_i, uint64_t spi_r,
		    const struct fgw_addr *local, uint16_t lport,
		    const struct fgw_addr *remote, uint16_t rport);
/* Reads the peer's NAT detection notifies into sa->nat_local/nat_remote.
 * false when the message has none (the peer does not do NAT-T). */
bool ike_natd_check(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg);
/* NAT keepalives (RFC 3948 2.3) from an SA that sees a NAT in front of
 * us, every profile nat_keepalive seconds in which nothing else went to
 * the peer. */
void ike_keepalive_start(struct fgw_ike_sa *sa);
int ike_cookie_init(struct fgw_ike *ike);
/* The cookie we demand from this initiator (RFC 7296 2.6). Its length. */
size_t ike_cookie_make(struct fgw_ike *ike, const struct fgw_ike_msg *req,
		       const struct fgw_addr *remote, uint8_t *out);
bool ike_cookie_valid(struct fgw_ike *ike, const struct fgw_ike_msg *req,
		      const struct fgw_addr *remote);

/* ---- the exchanges ------------------------------------------------------------- */

/* sa_init.c */
int ike_sa_init_start(struct fgw_ike_sa *sa);
void ike_sa_init_request(struct fgw_ike *ike, const struct fgw_ike_msg *msg,
			 const struct fgw_local_pkt *p);
void ike_sa_init_response(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg,
			  const struct fgw_local_pkt *p);

/* ike_auth.c */
int ike_auth_start(struct fgw_ike_sa *sa);
void ike_auth_request(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg);
void ike_auth_response(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg);

/* child_sa.c: KEYMAT (with g^ir when PFS), the data path SAs, the
 * tunnel's outbound switched to the new CHILD SA. */
struct fgw_ike_child *ike_child_new(struct fgw_ike_sa *sa);
int ike_child_install(struct fgw_ike_sa *sa, struct fgw_ike_child *ch,
		      const struct esp_transform *t, const uint8_t *g_ir, size_t g_ir_len,
		      const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		      bool publish);
/* publish false (a rekey's responder): the outbound SA waits in
 * ch->sa_out_pending until this makes it the tunnel's. */
void ike_child_publish(struct fgw_ike_sa *sa, struct fgw_ike_child *ch);
/* Out of the data path and freed (its inbound SPI slot released). */
void ike_child_delete(struct fgw_ike_sa *sa, struct fgw_ike_child *ch);
struct fgw_ike_child *ike_child_by_spi_out(struct fgw_ike_sa *sa, uint32_t spi);
struct fgw_ike_child *ike_child_by_spi_in(struct fgw_ike_sa *sa, uint32_t spi);
/* Keeps all the selectors of an exchange (up to FGW_IKE_CHILD_TS_MAX a
 * side): they are those of every rekey of the CHILD SA. */
void ike_child_set_ts(struct fgw_ike_child *ch, const struct fgw_ike_ts_payload *tsi,
		      const struct fgw_ike_ts_payload *tsr);
/* GRE rides ESP in transport mode, said with USE_TRANSPORT_MODE in
 * IKE_AUTH and in every CREATE_CHILD_SA of the tunnel (RFC 7296 1.3.1). */
bool ike_tunnel_transport(const struct fgw_ike_tunnel *t);
/* A request for a CHILD SA of t (IKE_AUTH or CREATE_CHILD_SA) asking for
 * tunnel mode on GRE: logged and counted, to be refused with
 * NO_PROPOSAL_CHOSEN, as strongSwan refuses a mode it cannot take.
 * Transport asked of an IPsec tunnel is no refusal: the answer, without
 * the notify, says tunnel mode. */
bool ike_child_mode_refused(struct fgw_ike_sa *sa, const struct fgw_ike_tunnel *t,
			    const struct fgw_ike_msg *msg);
/* The peer's answer is in t's mode: as strongSwan's initiator, we take no
 * CHILD SA in a mode we did not ask for (and GRE cannot carry tunnel mode). */
bool ike_child_mode_answered(const struct fgw_ike_tunnel *t, const struct fgw_ike_msg *msg);

/* create_child.c: CREATE_CHILD_SA, both roles. old NULL: a new CHILD SA. */
int ike_child_rekey_start(struct fgw_ike_sa *sa, struct fgw_ike_child *old);
int ike_ike_rekey_start(struct fgw_ike_sa *sa, uint16_t group);
void ike_create_child_request(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg);
void ike_create_child_response(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg);
/* The peer deletes sa during an IKE SA rekey collision (2.8.2). sa is the
 * SA its rekey made while ours of the same old SA was in flight: its
 * exchange had the lowest nonce, so ours stands; what moved to sa goes
 * back to the old SA until our answer comes (then to our new SA, as after
 * any rekey). Or sa is the old SA and the peer's new one won: logged. */
void ike_rekey_redundant_deleted(struct fgw_ike_sa *sa);

/* rekey.c: lifetimes and what rekeys leave to do, on a 1 s tick per IKE
 * SA (life_timer) from ESTABLISHED on. An old SA lingers this long for
 * the DELETE that ends it. */
#define IKE_REKEY_LINGER_MS 10000
void ike_life_start(struct fgw_ike_sa *sa);
/* Runs the tick now: an exchange finished, the request slot is free. */
void ike_life_kick(struct fgw_ike_sa *sa);
void ike_child_lifetimes(struct fgw_ike_child *ch);
/* old was replaced by n (an IKE SA rekey). */
void ike_sa_rekeyed(struct fgw_ike_sa *old, struct fgw_ike_sa *n);
int ike_child_delete_start(struct fgw_ike_sa *sa, struct fgw_ike_child *ch);
int ike_ike_delete_start(struct fgw_ike_sa *sa);
void ike_rekey_delete_response(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg);

/* informational.c */
void ike_informational_request(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg);
void ike_informational_response(struct fgw_ike_sa *sa, const struct fgw_ike_msg *msg);
/* Tells the peer the IKE SA goes (once, no retransmission: we are going). */
void ike_delete_send_now(struct fgw_ike_sa *sa);
/* An INFORMATIONAL request with one notify, sent once (AUTHENTICATION_FAILED
 * to a responder we did not accept, 2.21.2). */
void ike_notify_send_now(struct fgw_ike_sa *sa, uint16_t type);
/* Answers a request for an IKE SA we do not have with an unprotected
 * INVALID_IKE_SPI (2.21.4), at a limited rate. */
void ike_invalid_spi_answer(struct fgw_ike *ike, const struct fgw_ike_msg *req,
			    const struct fgw_local_pkt *p);

/* dpd.c: dead peer detection (2.4) under the profile's dpd settings. */
/* Packets in and out of the IKE SA's CHILD SAs so far (data path counters). */
void ike_child_packets(const struct fgw_ike_sa *sa, uint64_t *in, uint64_t *out);
void ike_dpd_start(struct fgw_ike_sa *sa);
/* The peer did not answer a liveness check: declared dead, its SAs go. */
void ike_dpd_dead(struct fgw_ike_sa *sa);

#endif
