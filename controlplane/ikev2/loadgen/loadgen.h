/* flexgw-ikeload: an IKEv2 initiator that opens many IKE SAs at once
 * against one responder, to measure the responder's setup rate. It speaks
 * through plain kernel UDP sockets (one per simulated peer, as each peer
 * behind a NAT has its own mapping) and uses flexgw's own message codec
 * (message.h) and IKE crypto (crypto.h), so what it sends is what flexgw
 * sends.
 *
 *   options.c   command line, proposal strings (strongSwan or flexgw names)
 *   peer.c      one peer's exchanges: IKE_SA_INIT, IKE_AUTH, INFORMATIONAL
 *   main.c      sockets, the window of peers in flight, retransmission
 *   report.c    counters, rates, latency percentiles, text and JSON */
#ifndef FGW_IKELOAD_H
#define FGW_IKELOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "controlplane/ikev2/crypto.h"
#include "controlplane/ikev2/message.h"

#define LG_NONCE_LEN 32

enum lg_delete_mode {
	LG_DELETE_END,		/* keep every SA until all are done, then DELETE them */
	LG_DELETE_EACH,		/* DELETE each SA as soon as it is up (churn) */
	LG_DELETE_NONE,		/* leave them to the responder */
};

struct lg_opts {
	struct fgw_addr server;
	uint16_t port, natt_port;
	struct fgw_addr local;		/* first source address; unset: any */
	unsigned local_count;		/* peers spread over this many addresses */
	unsigned n, window, first_index;
	double rate;			/* new SAs per second; 0: as the window allows */
	struct fgw_ike_proposal ike, esp;
	const char *id_fmt;		/* "peer%u.example.com", "user%u@example.com" */
	uint8_t id_type;
	const char *psk_fmt;		/* with %u: one key per peer */
	bool force_natt, vip, ts_per_peer;
	bool ike_only;			/* an IKE SA whose CHILD SA was refused counts */
	struct fgw_prefix tsi, tsr;
	unsigned hold_s;		/* keep the SAs up this long, answering DPD */
	enum lg_delete_mode del;
	unsigned retx_ms, retx_tries, timeout_s;
	bool json, verbose;
};

enum lg_state {
	LG_IDLE,
	LG_INIT_SENT,
	LG_AUTH_SENT,
	LG_UP,
	LG_DELETE_SENT,
	LG_DONE,		/* deleted (by us or the peer) */
	LG_FAILED,
};

enum lg_failure {
	LG_FAIL_TIMEOUT,
	LG_FAIL_NO_PROPOSAL,
	LG_FAIL_AUTH,
	LG_FAIL_TS,
	LG_FAIL_ADDRESS,		/* INTERNAL_ADDRESS_FAILURE / FAILED_CP_REQUIRED */
	LG_FAIL_NOTIFY,			/* another error notify */
	LG_FAIL_PROTOCOL,		/* a reply we could not use */
	LG_FAIL_LOCAL,			/* socket, DH or crypto failure here */
	LG_FAIL_MAX,
};

struct lg_peer {
	unsigned index;			/* the N in peerN.example.com */
	enum lg_state state;
	enum lg_failure why;
	int fd;
	struct fgw_addr local;
	uint16_t lport, rport;		/* rport: 500, or 4500 after the float */

	uint64_t spi_i, spi_r;
	uint32_t esp_spi;
	struct fgw_ike_dh *dh;
	uint16_t group;
	unsigned init_tries;		/* COOKIE / INVALID_KE round trips */
	uint8_t cookie[64];
	uint8_t cookie_len;
	uint8_t ni[LG_NONCE_LEN], nr[FGW_IKE_NONCE_MAX];
	uint16_t nr_len;
	uint8_t *init_i, *init_r;	/* IKE_SA_INIT messages, for AUTH */
	uint16_t init_i_len, init_r_len;
	struct fgw_ike_keys keys;
	bool keys_valid;

	uint32_t next_msg_id, peer_msg_id;
	uint8_t *req;			/* our outstanding request, as sent */
	uint16_t req_len;
	uint32_t req_msg_id;
	unsigned tries;
	uint64_t next_retx_ns;
	uint8_t *resp;			/* our last response, for a repeated request */
	uint16_t resp_len;
	uint32_t resp_msg_id;

	uint64_t t_start, t_up, t_del;
	struct fgw_addr vip;
};

struct lg_stats {
	unsigned requested, established, failed, deleted, deleted_by_peer;
	unsigned fails[LG_FAIL_MAX];
	unsigned retransmits, dpd_answered, natt, delete_timeouts, child_refused;
	uint64_t t_begin, t_first_up, t_last_up, t_del_begin, t_del_end;
};

struct lg {
	struct lg_opts o;
	struct lg_peer *peers;
	struct lg_stats st;
	int epfd;
	unsigned launched, in_flight, deleting;
};

/* options.c */
int lg_parse_args(struct lg_opts *o, int argc, char **argv);
/* "aes256-sha256-modp2048", "aes256gcm16-prfsha384-ecp384",
 * "aes-cbc-256-sha512-group14" (IKE); "aes256gcm16", "aes128-sha256",
 * "esp-aes 256-esp-sha256-hmac" (ESP). 0, or -1 with a message. */
int lg_parse_proposal(const char *s, bool esp, struct fgw_ike_proposal *p);

/* peer.c */
uint64_t lg_now_ns(void);
int lg_peer_start(struct lg *lg, struct lg_peer *p);
void lg_peer_input(struct lg *lg, struct lg_peer *p, uint8_t *buf, size_t len);
int lg_peer_delete(struct lg *lg, struct lg_peer *p);
void lg_peer_timer(struct lg *lg, struct lg_peer *p, uint64_t now);
void lg_peer_fail(struct lg *lg, struct lg_peer *p, enum lg_failure why, const char *what);
void lg_peer_free(struct lg_peer *p);
const char *lg_failure_name(enum lg_failure why);

/* report.c */
void lg_report(const struct lg *lg);

#endif
