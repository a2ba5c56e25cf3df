/* The IKEv2 engine's state: IKE SAs, their CHILD SAs, the table that finds
 * them, and the counters. Private to controlplane/ikev2/ and to the show
 * commands (controlplane/api/), which read it on the control lcore, the
 * only thread that ever touches it: nothing here takes a lock.
 *
 * Keys live in struct fgw_ike_keys inside the IKE SA and are wiped when
 * the SA is freed (ike_sa.c); show code must never print them. */
#ifndef FGW_IKE_SA_H
#define FGW_IKE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_timer.h>

#include "common/addr.h"
#include "common/sa.h"
#include "config/config.h"
#include "controlplane/ikev2/crypto.h"
#include "controlplane/ikev2/message.h"

struct fgw_control;
struct fgw_cp_client;
struct rte_hash;

/* ---- IKE SA states ----------------------------------------------------------
 * The Cisco status `show crypto ikev2 sa` prints is in the name table
 * (fgw_ike_state_status): IN-NEG until established, READY, DELETE. */
#define FGW_IKE_STATES(X) \
	X(INIT_SENT,	"IN-NEG",  "IKE_SA_INIT sent") \
	X(INIT_DONE,	"IN-NEG",  "IKE_SA_INIT answered, waiting for IKE_AUTH") \
	X(AUTH_SENT,	"IN-NEG",  "IKE_AUTH sent") \
	X(ESTABLISHED,	"READY",   "established") \
	X(REKEYED,	"DELETE",  "replaced by a rekey, deleting") \
	X(DELETING,	"DELETE",  "DELETE sent") \
	X(DEAD,		"DELETE",  "failed or deleted, freed shortly")

enum fgw_ike_state {
#define X(n, s, t) FGW_IKE_ST_##n,
	FGW_IKE_STATES(X)
#undef X
	FGW_IKE_ST_MAX
};

static inline const char *fgw_ike_state_status(unsigned s)
{
	static const char *const v[FGW_IKE_ST_MAX] = {
#define X(n, s, t) s,
		FGW_IKE_STATES(X)
#undef X
	};
	return s < FGW_IKE_ST_MAX ? v[s] : "?";
}

static inline const char *fgw_ike_state_text(unsigned s)
{
	static const char *const v[FGW_IKE_ST_MAX] = {
#define X(n, s, t) t,
		FGW_IKE_STATES(X)
#undef X
	};
	return s < FGW_IKE_ST_MAX ? v[s] : "?";
}

/* ---- why a negotiation failed (counters and log lines) --------------------- */
#define FGW_IKE_FAILURES(X) \
	X(AUTH_FAILED,		"authentication failed (our check of the peer's AUTH)") \
	X(AUTH_REJECTED,	"AUTHENTICATION_FAILED from the peer") \
	X(NO_PROPOSAL,		"no proposal chosen") \
	X(NO_PROFILE,		"no profile matches the peer's identity") \
	X(NO_KEY,		"no keyring entry for the peer") \
	X(TS_UNACCEPTABLE,	"traffic selectors unacceptable") \
	X(INVALID_KE,		"INVALID_KE_PAYLOAD (group retry)") \
	X(INVALID_SYNTAX,	"malformed or invalid message") \
	X(DECRYPT,		"SK payload failed its integrity check") \
	X(TIMEOUT,		"no answer after every retransmission") \
	X(PEER_ERROR,		"other error notify from the peer") \
	X(LIMIT_NEGOTIATING,	"over limits.max_in_negotiation_sa") \
	X(LIMIT_SA,		"over limits.max_sa") \
	X(NO_TUNNEL,		"no tunnel to install the CHILD SA on") \
	X(AUTHORIZATION,	"no authorization policy for the peer") \
	X(NO_ADDRESS,		"pool exhausted: INTERNAL_ADDRESS_FAILURE sent") \
	X(VIRTUAL_ACCESS,	"no virtual-access interface for the peer") \
	X(INSTALL,		"data path refused the CHILD SA") \
	X(INTERNAL,		"out of memory or crypto failure")

enum fgw_ike_failure {
#define X(n, t) FGW_IKE_FAIL_##n,
	FGW_IKE_FAILURES(X)
#undef X
	FGW_IKE_FAIL_MAX
};

static inline const char *fgw_ike_failure_name(unsigned f)
{
	static const char *const v[FGW_IKE_FAIL_MAX] = {
#define X(n, t) #n,
		FGW_IKE_FAILURES(X)
#undef X
	};
	return f < FGW_IKE_FAIL_MAX ? v[f] : "?";
}

static inline const char *fgw_ike_failure_text(unsigned f)
{
	static const char *const v[FGW_IKE_FAIL_MAX] = {
#define X(n, t) t,
		FGW_IKE_FAILURES(X)
#undef X
	};
	return f < FGW_IKE_FAIL_MAX ? v[f] : "?";
}

/* ---- identities ----------------------------------------------------------------
 * An ID payload's type and data as sent or received (the data is what
 * AUTH covers, so it is kept byte for byte). */
#define FGW_IKE_ID_MAX 256

struct fgw_ike_identity {
	uint8_t type;			/* enum fgw_ike_id_type; 0: none yet */
	uint16_t len;
	uint8_t data[FGW_IKE_ID_MAX];
};

/* ---- CHILD SAs --------------------------------------------------------------- */
enum fgw_ike_child_state {
	FGW_CHILD_INSTALLED = 1,	/* both directions in the data path */
	FGW_CHILD_REKEYING,		/* a CREATE_CHILD_SA rekey for it is under way */
	FGW_CHILD_REKEYED,		/* replaced; inbound lingers until deleted */
	FGW_CHILD_DELETING,		/* DELETE sent for it */
};

/* Selectors a CHILD SA keeps a side; a peer's extra ones are narrowed away. */
#define FGW_IKE_CHILD_TS_MAX 8

struct fgw_ike_child {
	TAILQ_ENTRY(fgw_ike_child) link;	/* in its IKE SA */
	uint8_t state;			/* enum fgw_ike_child_state */
	bool initiator;			/* we started the exchange that made it */
	uint32_t spi_in, spi_out;	/* host order; spi_in from fgw_spi_make */
	uint32_t in_index;		/* spi_in's slot (ike.c index allocator) */
	/* The negotiated ESP transform in IANA ids (for show) and in the data
	 * path's terms. */
	uint16_t encr, encr_bits, integ, pfs_group;
	bool esn;
	uint8_t cipher, dp_integ;	/* enum fgw_cipher, enum fgw_integ */
	uint32_t ifindex;		/* the tunnel interface */
	uint16_t natt_sport, natt_dport;	/* ESP-in-UDP ports; 0: plain ESP */
	unsigned worker;		/* owner of the inbound SA */
	/* In the data path; read only for their counters and state bits.
	 * sa_out is NULL once a newer CHILD SA took the tunnel's outbound. */
	struct fgw_sa *sa_in, *sa_out;
	/* The narrowed selectors in force, all of them: a dual-stack client
	 * has one pair per family, a site peer one TSi per LAN; a rekey
	 * carries them all again. [0] is what show lists. */
	struct fgw_ike_ts tsi[FGW_IKE_CHILD_TS_MAX], tsr[FGW_IKE_CHILD_TS_MAX];
	uint8_t n_tsi, n_tsr;
	uint32_t lifetime_s;		/* from the IPsec profile */
	uint64_t lifetime_kb;
	uint64_t created;		/* rte_get_timer_cycles() */
	uint64_t rekey_at, expire_at;	/* cycles; 0: never */
	uint64_t retry_at;		/* a refused rekey is tried again from then */
	/* Rekeys (create_child.c): the CHILD SA that replaced this one; as
	 * the rekey's responder our new outbound SA waits in sa_out_pending
	 * until the peer deletes the old CHILD SA (then nothing it sends on
	 * the old SA is lost), at the latest at delete_at. */
	struct fgw_ike_child *successor;
	struct fgw_ike_child *predecessor;	/* the one this CHILD SA rekeyed */
	struct fgw_sa *sa_out_pending;
	uint64_t delete_at;		/* cycles; 0: none */
	/* The lowest nonce of the exchange that made it (RFC 7296 2.8.1:
	 * of two colliding rekeys, the one with the lowest nonce goes). */
	uint8_t min_nonce[FGW_IKE_NONCE_MAX];
	size_t min_nonce_len;
};

TAILQ_HEAD(fgw_ike_child_list, fgw_ike_child);

/* ---- IKE SAs ----------------------------------------------------------------- */

/* The one request we have outstanding (we use a window of 1 for our own
 * requests) and its retransmission state. */
/* What an outstanding request is for, to read its response. */
enum fgw_ike_req_kind {
	FGW_IKE_REQ_OTHER = 0,
	FGW_IKE_REQ_CHILD_NEW,		/* CREATE_CHILD_SA: an additional CHILD SA */
	FGW_IKE_REQ_CHILD_REKEY,	/* CREATE_CHILD_SA: rekey of sa->xchg_child */
	FGW_IKE_REQ_IKE_REKEY,		/* CREATE_CHILD_SA: rekey of the IKE SA */
	FGW_IKE_REQ_DELETE_CHILD,	/* INFORMATIONAL: DELETE of sa->xchg_child */
	FGW_IKE_REQ_DELETE_IKE,		/* INFORMATIONAL: DELETE of the IKE SA */
	FGW_IKE_REQ_LIVENESS,		/* INFORMATIONAL: empty, a DPD check (dpd.c) */
};

struct fgw_ike_request {
	uint8_t *msg;			/* as sent (encrypted); NULL: none */
	size_t len;
	uint32_t msg_id;
	uint8_t exchange;
	uint8_t kind;			/* enum fgw_ike_req_kind */
	unsigned tries;			/* transmissions so far */
	unsigned max_tries;		/* transmissions before the peer is given up */
	uint32_t retx_ms;		/* fixed interval (DPD); 0: doubling */
	uint64_t sent;			/* cycles of the first transmission */
};

/* The last response we sent, for a retransmitted request (RFC 7296 2.1). */
struct fgw_ike_response {
	uint8_t *msg;
	size_t len;
	uint32_t msg_id;
	bool valid;
};

struct fgw_ike_sa {
	TAILQ_ENTRY(fgw_ike_sa) link;	/* fgw_ike.sas */
	struct fgw_ike *ike;
	uint32_t serial;		/* "Tunnel-id" / conn-id of show, 1.. */

	/* ---- who and where */
	bool initiator;			/* we are the original initiator */
	uint8_t state;			/* enum fgw_ike_state */
	uint64_t spi_i, spi_r;		/* as numbers; ours is the table key */
	struct fgw_addr local, remote;
	uint16_t local_port, remote_port;	/* 500, or 4500 after the float */
	uint32_t in_if;			/* port the peer's packets arrive on */
	bool natt;			/* floated to 4500: non-ESP marker, ESP in UDP */
	bool nat_local, nat_remote;	/* NAT detected in front of us / of the peer */
	bool peer_flexvpn;		/* FLEXVPN-SUPPORTED in its IKE_SA_INIT request */

	/* ---- negotiation */
	struct fgw_ike_suite suite;	/* chosen; dh is the group in use */
	struct fgw_ike_keys keys;	/* valid from ESTABLISHED-to-be (after SA_INIT) */
	struct fgw_ike_dh *dh;		/* our key pair until g^ir is computed */
	bool keys_valid;
	uint8_t ni[FGW_IKE_NONCE_MAX], nr[FGW_IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	/* The IKE_SA_INIT messages as sent, for AUTH (RFC 7296 2.15);
	 * freed once authenticated. */
	uint8_t *init_i, *init_r;
	size_t init_i_len, init_r_len;
	uint8_t cookie[64];		/* initiator: the responder's COOKIE to echo */
	size_t cookie_len;
	unsigned ke_retries;		/* INVALID_KE_PAYLOAD retries so far */

	/* ---- message ids (RFC 7296 2.3) */
	uint32_t next_msg_id;		/* our next request */
	uint32_t peer_msg_id;		/* the peer's next expected request */
	unsigned window;		/* the peer's (SET_WINDOW_SIZE), for show */
	struct fgw_ike_request req;
	struct fgw_ike_response resp;
	struct rte_timer retx_timer;	/* retransmission of req */

	/* ---- configuration matched (pointers into c->cfg) */
	const struct fgw_ikev2_profile_cfg *profile;
	const struct fgw_ikev2_keyring_peer_cfg *keyring_peer;
	const struct fgw_ipsec_profile_cfg *ipsec_profile;
	struct fgw_ike_tunnel *tunnel;	/* where its CHILD SAs go; NULL: none yet */
	struct fgw_ike_identity id_local, id_remote;

	/* ---- life */
	uint64_t created, established;	/* rte_get_timer_cycles() */
	uint64_t last_rx;		/* last authenticated message from the peer */
	uint32_t lifetime_s;		/* IKE SA lifetime (profile) */
	uint64_t rekey_at;		/* cycles; 0: not scheduled */
	struct rte_timer life_timer;	/* rekey, expiry (rekey.c) */
	unsigned dpd_missed;		/* liveness checks unanswered in a row */
	struct rte_timer dpd_timer;	/* DPD interval (dpd.c) */
	uint64_t dpd_in, dpd_out;	/* CHILD SA packets at the last DPD tick */
	uint64_t last_tx;		/* cycles of our last IKE message to the peer */
	struct rte_timer keepalive_timer;	/* NAT keepalives (natt.c) */
	uint64_t keepalive_out;		/* CHILD SA packets out at the last keepalive tick */
	uint64_t keepalives_sent;
	struct fgw_ike_sa *rekeyed_by;	/* the SA that replaced this one */
	unsigned rekey_failures;	/* CREATE_CHILD_SA attempts refused in a row */

	/* ---- our CREATE_CHILD_SA in flight (create_child.c) */
	struct fgw_ike_child *xchg_child;	/* rekeyed (CHILD_REKEY) or being made */
	struct fgw_ike_child *xchg_new;		/* the CHILD SA it makes */
	struct fgw_ike_sa *xchg_sa;		/* IKE rekey: the new IKE SA, negotiating */
	struct fgw_ike_dh *xchg_dh;		/* our KE (PFS, IKE rekey) */
	uint8_t xchg_nonce[FGW_IKE_NONCE_MAX];
	size_t xchg_nonce_len;
	/* The peer rekeyed this IKE SA while ours was in flight (2.8.2): the
	 * SA its exchange made. */
	struct fgw_ike_sa *peer_rekey_sa;
	/* Made by a rekey: the lowest nonce of that exchange (2.8.2). */
	uint8_t min_nonce[FGW_IKE_NONCE_MAX];
	size_t min_nonce_len;
	uint64_t rekeyed_at;		/* cycles it was replaced (REKEYED) */
	uint64_t last_child_try;	/* cycles of our last new-CHILD-SA attempt */

	struct fgw_ike_child_list children;
	unsigned n_children;

	/* ---- per-SA counters */
	uint64_t rx_msgs, tx_msgs, retransmits, dup_requests;
	uint8_t last_failure;		/* enum fgw_ike_failure, valid if failed */
	bool failed;
};

TAILQ_HEAD(fgw_ike_sa_list, fgw_ike_sa);

static inline uint64_t fgw_ike_sa_our_spi(const struct fgw_ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

/* ---- engine-wide counters (show crypto ikev2 stats) --------------------------- */
struct fgw_ike_stats {
	uint64_t rx_packets, tx_packets;
	uint64_t rx_dropped;		/* not IKE, unknown SPI, out of window... */
	uint64_t rx_invalid_spi;	/* for an IKE SA we don't have */
	uint64_t retransmits;		/* our requests sent again */
	uint64_t dup_requests;		/* peer's requests answered from the cache */
	uint64_t sa_initiated;		/* IKE SAs we started */
	uint64_t sa_responded;		/* IKE_SA_INIT requests accepted */
	uint64_t sa_established;
	uint64_t sa_deleted;
	uint64_t child_created, child_deleted, child_rekeyed, ike_rekeyed;
	uint64_t dpd_sent, dpd_dead;
	uint64_t cookies_sent;
	uint64_t nat_keepalives_sent, nat_keepalives_rx;	/* RFC 3948 2.3 */
	uint64_t dup_identity;		/* IKE SAs replaced by a newer one of the same peer */
	uint64_t failures[FGW_IKE_FAIL_MAX];
};

/* ---- tunnels the engine keeps up --------------------------------------------
 * Each tunnels[] entry with `tunnel_protection` and a destination address:
 * as initiator the engine keeps one IKE SA up with the destination (again
 * after a failure, with back-off); as responder an IKE SA from that
 * address installs its CHILD SA here. */
struct fgw_ike_tunnel {
	const struct fgw_tunnel_cfg *cfg;
	const struct fgw_ipsec_profile_cfg *ipsec_profile;
	uint32_t ifindex;
	struct fgw_addr src, dst;	/* outer endpoints (dataplane/tunnel.h) */
	struct fgw_ike_sa *sa;		/* the IKE SA carrying its CHILD SA; NULL: down */
	struct fgw_cp_client *cp;	/* FlexVPN client: asked and got (flexvpn/client.h) */
	unsigned failures;		/* initiations failed in a row (back-off) */
	struct rte_timer timer;		/* next initiation */
};

/* ---- the engine ------------------------------------------------------------ */
struct fgw_ike {
	struct fgw_control *c;
	struct rte_hash *by_spi;	/* our IKE SPI (uint64_t) -> struct fgw_ike_sa * */
	struct fgw_ike_sa_list sas;	/* every IKE SA, oldest first */
	unsigned n_sas;
	unsigned n_negotiating;		/* half-open: not yet ESTABLISHED */
	unsigned n_established;
	uint32_t next_serial;
	struct fgw_ike_stats stats;
	bool debug;			/* log each exchange (debug crypto ikev2) */

	struct fgw_ike_tunnel *tunnels;
	unsigned n_tunnels;

	/* Inbound SPIs: a slot index per CHILD SA (fgw_spi_make). */
	uint8_t *spi_used;		/* by index, max_spi entries */
	uint32_t max_spi, spi_hint;
	uint8_t spi_generation;

	/* Cookie secret (RFC 7296 2.6), and when it was made. */
	uint8_t cookie_secret[32];
	uint64_t cookie_secret_born;

	struct rte_timer gc_timer;	/* frees DEAD SAs, starts pending initiators */
};

#endif
