/* One simulated peer: IKE_SA_INIT (following COOKIE and INVALID_KE),
 * IKE_AUTH with a pre-shared key and one CHILD SA, then it answers the
 * responder's INFORMATIONAL requests (liveness, DELETE) until it deletes
 * the IKE SA itself. Every message is built and read by flexgw's codec and
 * sealed and opened by its crypto; only the sequencing is here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#include <openssl/crypto.h>

#include "loadgen.h"

#define INIT_RETRIES 3		/* COOKIE / INVALID_KE round trips per peer */

uint64_t lg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *lg_failure_name(enum lg_failure why)
{
	static const char *const names[LG_FAIL_MAX] = {
		[LG_FAIL_TIMEOUT] = "timeout",
		[LG_FAIL_NO_PROPOSAL] = "no_proposal_chosen",
		[LG_FAIL_AUTH] = "authentication_failed",
		[LG_FAIL_TS] = "ts_unacceptable",
		[LG_FAIL_ADDRESS] = "internal_address_failure",
		[LG_FAIL_NOTIFY] = "other_error_notify",
		[LG_FAIL_PROTOCOL] = "bad_reply",
		[LG_FAIL_LOCAL] = "local_error",
	};
	return why < LG_FAIL_MAX ? names[why] : "?";
}

static bool negotiating(const struct lg_peer *p)
{
	return p->state == LG_INIT_SENT || p->state == LG_AUTH_SENT;
}

static void set_state(struct lg *lg, struct lg_peer *p, enum lg_state s)
{
	if (negotiating(p) && s != LG_INIT_SENT && s != LG_AUTH_SENT)
		lg->in_flight--;
	if (p->state == LG_DELETE_SENT)
		lg->deleting--;
	if (s == LG_DELETE_SENT)
		lg->deleting++;
	p->state = s;
}

static void close_fd(struct lg *lg, struct lg_peer *p)
{
	if (p->fd >= 0) {
		epoll_ctl(lg->epfd, EPOLL_CTL_DEL, p->fd, NULL);
		close(p->fd);
		p->fd = -1;
	}
}

void lg_peer_free(struct lg_peer *p)
{
	if (p->dh != NULL)
		fgw_ike_dh_free(p->dh);
	p->dh = NULL;
	fgw_ike_keys_wipe(&p->keys);
	p->keys_valid = false;
	free(p->init_i);
	free(p->init_r);
	free(p->req);
	free(p->resp);
	p->init_i = p->init_r = p->req = p->resp = NULL;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* The peer is finished with (failed, or deleted): its state goes, the
 * counters stay. */
static void retire(struct lg *lg, struct lg_peer *p, enum lg_state s)
{
	set_state(lg, p, s);
	close_fd(lg, p);
	lg_peer_free(p);
}

void lg_peer_fail(struct lg *lg, struct lg_peer *p, enum lg_failure why, const char *what)
{
	p->why = why;
	lg->st.failed++;
	lg->st.fails[why]++;
	if (lg->o.verbose)
		fprintf(stderr, "flexgw-ikeload: peer %u: %s (%s)\n", p->index, lg_failure_name(why),
			what);
	retire(lg, p, LG_FAILED);
}

static void fmt_one(char *out, size_t cap, const char *fmt, unsigned index)
{
	/* fmt was checked to hold at most one %u (options.c) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(out, cap, fmt, index);
#pragma GCC diagnostic pop
}

static size_t psk_of(const struct lg *lg, const struct lg_peer *p, char *out, size_t cap)
{
	fmt_one(out, cap, lg->o.psk_fmt, p->index);
	return strlen(out);
}

/* RestOfIDPayload (RFC 7296 2.15): type, three reserved octets, the data. */
static size_t id_body(const struct lg *lg, const struct lg_peer *p, uint8_t *out, size_t cap)
{
	char id[256];
	size_t len;

	fmt_one(id, sizeof(id), lg->o.id_fmt, p->index);
	len = strlen(id);
	if (len + 4 > cap)
		len = cap - 4;
	out[0] = lg->o.id_type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, id, len);
	return len + 4;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len);

	if (d != NULL)
		memcpy(d, p, len);
	return d;
}

/* ---- sending ------------------------------------------------------------------ */

static void send_raw(struct lg *lg, struct lg_peer *p, const uint8_t *msg, size_t len)
{
	static const uint8_t marker[FGW_IKE_NON_ESP_MARKER_LEN];
	struct iovec iov[2] = {
		{ (void *)marker, sizeof(marker) },
		{ (void *)msg, len },
	};
	bool natt = p->rport == lg->o.natt_port;

	if (writev(p->fd, natt ? iov : iov + 1, natt ? 2 : 1) < 0 && lg->o.verbose)
		perror("flexgw-ikeload: send");
}

/* Sends (again) the outstanding request; the retransmission clock runs. */
static void transmit(struct lg *lg, struct lg_peer *p)
{
	uint64_t wait = (uint64_t)lg->o.retx_ms * 1000000ull << (p->tries < 16 ? p->tries : 16);

	if (p->tries)
		lg->st.retransmits++;
	p->tries++;
	p->next_retx_ns = lg_now_ns() + wait;
	send_raw(lg, p, p->req, p->req_len);
}

/* Our next request (len octets of buf), kept for retransmission. */
static int request(struct lg *lg, struct lg_peer *p, const uint8_t *buf, int len, uint32_t msg_id)
{
	if (len < 0)
		return -1;
	p->req_msg_id = msg_id;
	free(p->req);
	if ((p->req = dup_bytes(buf, (size_t)len)) == NULL)
		return -1;
	p->req_len = (uint16_t)len;
	p->tries = 0;
	transmit(lg, p);
	return 0;
}

static void begin(const struct lg_peer *p, struct fgw_ike_buf *b, uint8_t *buf, size_t cap,
		  uint8_t exchange, bool response, uint32_t msg_id)
{
	struct fgw_ike_hdr h = {
		.spi_i = p->spi_i,
		.spi_r = p->spi_r,
		.version = FGW_IKE_VERSION,
		.exchange = exchange,
		.flags = FGW_IKE_FLAG_INITIATOR | (response ? FGW_IKE_FLAG_RESPONSE : 0),
		.msg_id = msg_id,
	};

	fgw_ike_build_init(b, buf, cap, &h);
	if (p->keys_valid)
		fgw_ike_build_sk_open(b, fgw_ike_encr_iv_len(p->keys.suite.encr));
}

static int seal(const struct lg_peer *p, struct fgw_ike_buf *b)
{
	if (b->overflow)
		return -1;
	return fgw_ike_sk_seal(&p->keys, true, b->p, b->sk_off, b->len, b->cap);
}

/* ---- IKE_SA_INIT ------------------------------------------------------------------- */

static uint16_t first_group(const struct fgw_ike_proposal *prop)
{
	for (unsigned i = 0; i < prop->n_t; i++)
		if (prop->t[i].type == FGW_IKE_TRANS_DH)
			return prop->t[i].id;
	return 0;
}

static int send_init(struct lg *lg, struct lg_peer *p)
{
	struct fgw_ike_sa_payload sa = { .n = 1 };
	uint8_t buf[FGW_IKE_MSG_MAX], pub[FGW_IKE_DH_MAX], h[FGW_IKE_NAT_HASH_LEN];
	struct fgw_ike_buf b;
	int n;

	if (p->dh == NULL || fgw_ike_dh_group(p->dh) != p->group) {
		if (p->dh != NULL)
			fgw_ike_dh_free(p->dh);
		p->dh = fgw_ike_dh_new(p->group);
	}
	if (p->dh == NULL || (n = fgw_ike_dh_public(p->dh, pub, sizeof(pub))) < 0)
		return -1;
	sa.p[0] = lg->o.ike;
	begin(p, &b, buf, sizeof(buf), FGW_IKE_SA_INIT, false, 0);
	if (p->cookie_len)
		fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_COOKIE, p->cookie, p->cookie_len);
	fgw_ike_build_sa(&b, &sa);
	fgw_ike_build_ke(&b, p->group, pub, (size_t)n);
	fgw_ike_build_nonce(&b, p->ni, sizeof(p->ni));
	/* A source hash that cannot match tells the responder we are behind
	 * a NAT: it then expects us on 4500 and encapsulates ESP. */
	if (lg->o.force_natt)
		fgw_ike_random(h, sizeof(h));
	else
		fgw_ike_nat_hash(p->spi_i, 0, &p->local, p->lport, h);
	fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	fgw_ike_nat_hash(p->spi_i, 0, &lg->o.server, lg->o.port, h);
	fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
	n = fgw_ike_build_finish(&b);
	if (n < 0 || request(lg, p, buf, n, 0) < 0)
		return -1;
	free(p->init_i);
	p->init_i = dup_bytes(buf, (size_t)n);
	p->init_i_len = (uint16_t)n;
	return p->init_i ? 0 : -1;
}

/* A UDP socket for this peer, connected to the responder's IKE port (so
 * the kernel picks and tells our source address, and filters strangers). */
static int open_socket(struct lg *lg, struct lg_peer *p, unsigned slot)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = slot };

	if ((p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (lg->o.local.family) {
		sin.sin_addr.s_addr = htonl(ntohl(lg->o.local.v4) + slot % lg->o.local_count);
		if (bind(p->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			return -1;
	}
	sin.sin_addr.s_addr = lg->o.server.v4;
	sin.sin_port = htons(lg->o.port);
	if (connect(p->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(p->fd, (struct sockaddr *)&sin, &sl) < 0)
		return -1;
	p->local.family = AF_INET;
	p->local.v4 = sin.sin_addr.s_addr;
	p->lport = ntohs(sin.sin_port);
	p->rport = lg->o.port;
	return epoll_ctl(lg->epfd, EPOLL_CTL_ADD, p->fd, &ev);
}

int lg_peer_start(struct lg *lg, struct lg_peer *p)
{
	unsigned slot = (unsigned)(p - lg->peers);

	p->state = LG_INIT_SENT;
	lg->in_flight++;
	p->t_start = lg_now_ns();
	p->group = first_group(&lg->o.ike);
	if (open_socket(lg, p, slot) < 0 || fgw_ike_random(&p->spi_i, sizeof(p->spi_i)) < 0 ||
	    fgw_ike_random(p->ni, sizeof(p->ni)) < 0 ||
	    fgw_ike_random(&p->esp_spi, sizeof(p->esp_spi)) < 0 || send_init(lg, p) < 0) {
		lg_peer_fail(lg, p, LG_FAIL_LOCAL, "socket or IKE_SA_INIT");
		return -1;
	}
	return 0;
}

/* The first error notify of a reply, or NULL. */
static const struct fgw_ike_notify *error_notify(const struct fgw_ike_msg *msg)
{
	for (unsigned i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type <= FGW_IKE_N_ERROR_MAX)
			return &msg->notify[i];
	return NULL;
}

static enum lg_failure failure_of(uint16_t type)
{
	switch (type) {
	case FGW_IKE_N_NO_PROPOSAL_CHOSEN: return LG_FAIL_NO_PROPOSAL;
	case FGW_IKE_N_AUTHENTICATION_FAILED: return LG_FAIL_AUTH;
	case FGW_IKE_N_TS_UNACCEPTABLE: return LG_FAIL_TS;
	case FGW_IKE_N_INTERNAL_ADDRESS_FAILURE:
	case FGW_IKE_N_FAILED_CP_REQUIRED: return LG_FAIL_ADDRESS;
	default: return LG_FAIL_NOTIFY;
	}
}

/* The suite the responder chose: one proposal, one transform of each type,
 * all ours. */
static bool chosen_suite(const struct lg *lg, const struct fgw_ike_msg *msg,
			 struct fgw_ike_suite *s)
{
	const struct fgw_ike_proposal *r;

	if (!msg->has_sa || msg->sa.n != 1)
		return false;
	r = &msg->sa.p[0];
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < r->n_t; i++) {
		const struct fgw_ike_transform *t = &r->t[i];
		bool ours = false;

		for (unsigned j = 0; j < lg->o.ike.n_t; j++)
			ours |= lg->o.ike.t[j].type == t->type && lg->o.ike.t[j].id == t->id &&
				lg->o.ike.t[j].key_len == t->key_len;
		if (!ours)
			return false;
		switch (t->type) {
		case FGW_IKE_TRANS_ENCR: s->encr = t->id; s->encr_bits = t->key_len; break;
		case FGW_IKE_TRANS_INTEG: s->integ = t->id; break;
		case FGW_IKE_TRANS_PRF: s->prf = t->id; break;
		case FGW_IKE_TRANS_DH: s->dh = t->id; break;
		default: return false;
		}
	}
	return s->encr && s->prf && s->dh &&
	       (s->integ || s->encr == FGW_IKE_ENCR_ID_AES_GCM_16);
}

/* True when the responder's NAT detection hashes say a NAT is between us
 * (strongSwan's kernel-libipsec claims one on its side on purpose). */
static bool nat_seen(const struct lg_peer *p, const struct lg *lg, const struct fgw_ike_msg *msg)
{
	uint8_t src[FGW_IKE_NAT_HASH_LEN], dst[FGW_IKE_NAT_HASH_LEN];
	bool src_ok = false, dst_ok = false, any = false;

	fgw_ike_nat_hash(p->spi_i, p->spi_r, &lg->o.server, lg->o.port, src);
	fgw_ike_nat_hash(p->spi_i, p->spi_r, &p->local, p->lport, dst);
	for (unsigned i = 0; i < msg->n_notify; i++) {
		const struct fgw_ike_notify *n = &msg->notify[i];

		if (n->type == FGW_IKE_N_NAT_DETECTION_SOURCE_IP) {
			any = true;
			src_ok |= n->len == sizeof(src) && !CRYPTO_memcmp(n->data, src, sizeof(src));
		} else if (n->type == FGW_IKE_N_NAT_DETECTION_DESTINATION_IP) {
			any = true;
			dst_ok |= n->len == sizeof(dst) && !CRYPTO_memcmp(n->data, dst, sizeof(dst));
		}
	}
	return any && (!src_ok || !dst_ok);
}

static int float_to_natt(struct lg *lg, struct lg_peer *p)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = lg->o.server.v4,
		.sin_port = htons(lg->o.natt_port),
	};

	lg->st.natt++;
	p->rport = lg->o.natt_port;
	return connect(p->fd, (struct sockaddr *)&sin, sizeof(sin));
}

static int send_auth(struct lg *lg, struct lg_peer *p);

static void init_response(struct lg *lg, struct lg_peer *p, const struct fgw_ike_msg *msg)
{
	const struct fgw_ike_notify *n;
	uint8_t g_ir[FGW_IKE_DH_MAX];
	int len, rc;

	if ((n = fgw_ike_msg_notify(msg, FGW_IKE_N_COOKIE)) != NULL) {
		if (!n->len || n->len > sizeof(p->cookie) || ++p->init_tries > INIT_RETRIES)
			return lg_peer_fail(lg, p, LG_FAIL_PROTOCOL, "bad or repeated COOKIE");
		memcpy(p->cookie, n->data, n->len);
		p->cookie_len = (uint8_t)n->len;
		if (send_init(lg, p) < 0)
			lg_peer_fail(lg, p, LG_FAIL_LOCAL, "IKE_SA_INIT");
		return;
	}
	if ((n = fgw_ike_msg_notify(msg, FGW_IKE_N_INVALID_KE_PAYLOAD)) != NULL) {
		uint16_t group = n->len == 2 ? (uint16_t)(n->data[0] << 8 | n->data[1]) : 0;
		bool ours = false;

		for (unsigned i = 0; i < lg->o.ike.n_t; i++)
			ours |= lg->o.ike.t[i].type == FGW_IKE_TRANS_DH && lg->o.ike.t[i].id == group;
		if (!ours || group == p->group || ++p->init_tries > INIT_RETRIES)
			return lg_peer_fail(lg, p, LG_FAIL_NO_PROPOSAL, "INVALID_KE_PAYLOAD");
		p->group = group;
		if (send_init(lg, p) < 0)
			lg_peer_fail(lg, p, LG_FAIL_LOCAL, "IKE_SA_INIT");
		return;
	}
	if ((n = error_notify(msg)) != NULL)
		return lg_peer_fail(lg, p, failure_of(n->type), fgw_ike_notify_name(n->type));
	if (!chosen_suite(lg, msg, &p->keys.suite) || !msg->has_ke || !msg->has_nonce ||
	    msg->ke.group != p->group || p->keys.suite.dh != p->group || !msg->hdr.spi_r ||
	    msg->nonce.len < 16 || msg->nonce.len > FGW_IKE_NONCE_MAX)
		return lg_peer_fail(lg, p, LG_FAIL_PROTOCOL, "IKE_SA_INIT response");
	p->spi_r = msg->hdr.spi_r;
	memcpy(p->nr, msg->nonce.data, msg->nonce.len);
	p->nr_len = msg->nonce.len;
	free(p->init_r);
	if ((p->init_r = dup_bytes(msg->raw, msg->raw_len)) == NULL)
		return lg_peer_fail(lg, p, LG_FAIL_LOCAL, "out of memory");
	p->init_r_len = (uint16_t)msg->raw_len;
	len = fgw_ike_dh_shared(p->dh, msg->ke.data, msg->ke.len, g_ir, sizeof(g_ir));
	if (len < 0)
		return lg_peer_fail(lg, p, LG_FAIL_PROTOCOL, "responder's KE");
	rc = fgw_ike_keys_derive(&p->keys, g_ir, (size_t)len, p->ni, sizeof(p->ni), p->nr,
				 p->nr_len, p->spi_i, p->spi_r);
	explicit_bzero(g_ir, sizeof(g_ir));
	fgw_ike_dh_free(p->dh);
	p->dh = NULL;
	if (rc < 0)
		return lg_peer_fail(lg, p, LG_FAIL_LOCAL, "key derivation");
	p->keys_valid = true;
	if ((lg->o.force_natt || nat_seen(p, lg, msg)) && float_to_natt(lg, p) < 0)
		return lg_peer_fail(lg, p, LG_FAIL_LOCAL, "NAT-T socket");
	set_state(lg, p, LG_AUTH_SENT);
	if (send_auth(lg, p) < 0)
		lg_peer_fail(lg, p, LG_FAIL_LOCAL, "IKE_AUTH");
}

/* ---- IKE_AUTH -------------------------------------------------------------------- */

static void ts_of(const struct fgw_prefix *pfx, struct fgw_ike_ts *ts)
{
	uint32_t base = ntohl(pfx->addr.v4);
	uint32_t mask = pfx->len ? UINT32_MAX << (32 - pfx->len) : 0;

	memset(ts, 0, sizeof(*ts));
	ts->type = FGW_IKE_TS_IPV4_ADDR_RANGE;
	ts->end_port = 65535;
	ts->start.family = ts->end.family = AF_INET;
	ts->start.v4 = htonl(base & mask);
	ts->end.v4 = htonl((base & mask) | ~mask);
}

static int send_auth(struct lg *lg, struct lg_peer *p)
{
	uint8_t buf[FGW_IKE_MSG_MAX], body[260], auth[FGW_IKE_PRF_MAX];
	struct fgw_ike_sa_payload esp = { .n = 1 };
	struct fgw_ike_ts tsi, tsr;
	struct fgw_ike_buf b;
	char psk[256];
	size_t body_len = id_body(lg, p, body, sizeof(body)), psk_len = psk_of(lg, p, psk, sizeof(psk));
	int rc, len;

	rc = fgw_ike_auth_psk(&p->keys, true, (const uint8_t *)psk, psk_len, p->init_i,
			      p->init_i_len, p->nr, p->nr_len, body, body_len, auth);
	explicit_bzero(psk, sizeof(psk));
	if (rc < 0)
		return -1;
	esp.p[0] = lg->o.esp;
	esp.p[0].spi_len = 4;
	memcpy(esp.p[0].spi, &p->esp_spi, 4);
	ts_of(&lg->o.tsi, &tsi);
	if (lg->o.ts_per_peer) {
		tsi.start.v4 = htonl(ntohl(lg->o.tsi.addr.v4) + p->index);
		tsi.end = tsi.start;
	}
	ts_of(&lg->o.tsr, &tsr);
	begin(p, &b, buf, sizeof(buf), FGW_IKE_AUTH, false, 1);
	fgw_ike_build_id(&b, FGW_IKE_PL_IDI, body[0], body + 4, body_len - 4);
	fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_INITIAL_CONTACT, NULL, 0);
	fgw_ike_build_auth(&b, FGW_IKE_AUTH_SHARED_KEY_MIC, auth, fgw_ike_prf_len(p->keys.suite.prf));
	explicit_bzero(auth, sizeof(auth));
	if (lg->o.vip) {
		struct fgw_ike_cp cp = { .type = FGW_IKE_CFG_REQUEST, .n = 1 };

		cp.a[0].type = FGW_IKE_CFG_INTERNAL_IP4_ADDRESS;
		fgw_ike_build_cp(&b, &cp);
	}
	fgw_ike_build_sa(&b, &esp);
	fgw_ike_build_ts(&b, FGW_IKE_PL_TSI, &tsi, 1);
	fgw_ike_build_ts(&b, FGW_IKE_PL_TSR, &tsr, 1);
	len = seal(p, &b);
	p->next_msg_id = 2;
	return request(lg, p, buf, len, 1);
}

static bool auth_ok(struct lg *lg, struct lg_peer *p, const struct fgw_ike_msg *msg)
{
	uint8_t want[FGW_IKE_PRF_MAX];
	size_t len = fgw_ike_prf_len(p->keys.suite.prf);
	char psk[256];
	size_t psk_len = psk_of(lg, p, psk, sizeof(psk));
	bool ok;

	ok = msg->has_auth && msg->has_idr && msg->auth.method == FGW_IKE_AUTH_SHARED_KEY_MIC &&
	     msg->auth.len == len &&
	     fgw_ike_auth_psk(&p->keys, false, (const uint8_t *)psk, psk_len, p->init_r,
			      p->init_r_len, p->ni, sizeof(p->ni), msg->idr.body,
			      msg->idr.body_len, want) == 0 &&
	     CRYPTO_memcmp(want, msg->auth.data, len) == 0;
	explicit_bzero(psk, sizeof(psk));
	explicit_bzero(want, sizeof(want));
	return ok;
}

static void up(struct lg *lg, struct lg_peer *p)
{
	set_state(lg, p, LG_UP);
	p->t_up = lg_now_ns();
	if (!lg->st.established)
		lg->st.t_first_up = p->t_up;
	lg->st.t_last_up = p->t_up;
	lg->st.established++;
	free(p->init_i);
	free(p->init_r);
	free(p->req);
	p->init_i = p->init_r = p->req = NULL;
	if (lg->o.del == LG_DELETE_EACH)
		lg_peer_delete(lg, p);
}

static void auth_response(struct lg *lg, struct lg_peer *p, const struct fgw_ike_msg *msg)
{
	const struct fgw_ike_notify *n = error_notify(msg);
	bool authed = auth_ok(lg, p, msg);
	bool child = msg->has_sa && msg->sa.n == 1 && msg->sa.p[0].protocol == FGW_IKE_PROTO_ESP &&
		     msg->sa.p[0].spi_len == 4 && msg->has_tsi && msg->has_tsr;

	/* --ike-only: the responder authenticated us and we it; only the
	 * CHILD SA was refused (e.g. no tunnel for this peer). */
	if (authed && !child && lg->o.ike_only &&
	    (n == NULL || n->type != FGW_IKE_N_AUTHENTICATION_FAILED)) {
		lg->st.child_refused++;
		return up(lg, p);
	}
	if (n != NULL || !authed || !child) {
		enum lg_failure why = n ? failure_of(n->type) : authed ? LG_FAIL_PROTOCOL
								       : LG_FAIL_AUTH;

		/* An IKE SA that came up without its CHILD SA: take it down
		 * rather than leave it to the responder's liveness check. */
		if (authed)
			lg_peer_delete(lg, p);
		return lg_peer_fail(lg, p, why, n ? fgw_ike_notify_name(n->type) : "IKE_AUTH response");
	}
	if (lg->o.vip && msg->has_cp) {
		for (unsigned i = 0; i < msg->cp.n; i++) {
			if (msg->cp.a[i].type == FGW_IKE_CFG_INTERNAL_IP4_ADDRESS &&
			    msg->cp.a[i].len == 4) {
				p->vip.family = AF_INET;
				memcpy(&p->vip.v4, msg->cp.a[i].data, 4);
			}
		}
	}
	if (lg->o.vip && !p->vip.family)
		return lg_peer_fail(lg, p, LG_FAIL_ADDRESS, "no INTERNAL_IP4_ADDRESS in CFG_REPLY");
	up(lg, p);
}

/* ---- INFORMATIONAL ------------------------------------------------------------------- */

int lg_peer_delete(struct lg *lg, struct lg_peer *p)
{
	uint8_t buf[512];
	struct fgw_ike_buf b;

	begin(p, &b, buf, sizeof(buf), FGW_IKE_INFORMATIONAL, false, p->next_msg_id);
	fgw_ike_build_delete(&b, FGW_IKE_PROTO_IKE, NULL, 0, 0);
	if (request(lg, p, buf, seal(p, &b), p->next_msg_id) < 0)
		return -1;
	p->next_msg_id++;
	if (p->state == LG_UP)
		set_state(lg, p, LG_DELETE_SENT);
	return 0;
}

/* A request from the responder: liveness (empty), DELETE, or a CHILD SA
 * we do not take. */
static void peer_request(struct lg *lg, struct lg_peer *p, const struct fgw_ike_msg *msg)
{
	uint8_t buf[512];
	struct fgw_ike_buf b;
	bool ike_deleted = false;
	int len;

	begin(p, &b, buf, sizeof(buf), msg->hdr.exchange, true, msg->hdr.msg_id);
	if (msg->hdr.exchange == FGW_IKE_INFORMATIONAL) {
		for (unsigned i = 0; i < msg->n_delete; i++) {
			if (msg->del[i].protocol == FGW_IKE_PROTO_IKE)
				ike_deleted = true;
			else if (msg->del[i].protocol == FGW_IKE_PROTO_ESP)
				fgw_ike_build_delete(&b, FGW_IKE_PROTO_ESP,
						     (const uint8_t *)&p->esp_spi, 4, 1);
		}
		if (!msg->n_delete && !msg->n_notify)
			lg->st.dpd_answered++;
	} else {
		fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
	}
	if ((len = seal(p, &b)) < 0)
		return;
	free(p->resp);
	p->resp = dup_bytes(buf, (size_t)len);
	p->resp_len = p->resp ? (uint16_t)len : 0;
	p->resp_msg_id = msg->hdr.msg_id;
	p->peer_msg_id = msg->hdr.msg_id + 1;
	send_raw(lg, p, buf, (size_t)len);
	if (ike_deleted) {
		if (p->state == LG_UP || p->state == LG_DELETE_SENT)
			lg->st.deleted_by_peer++;
		retire(lg, p, LG_DONE);
	}
}

/* ---- input ------------------------------------------------------------------------- */

void lg_peer_input(struct lg *lg, struct lg_peer *p, uint8_t *buf, size_t len)
{
	static struct fgw_ike_msg msg;		/* large: one at a time */
	const uint8_t *plain;
	size_t plain_len;
	bool response;

	if (p->rport == lg->o.natt_port) {
		/* keepalives (one 0xff) and ESP are not for us */
		if (len < FGW_IKE_NON_ESP_MARKER_LEN || buf[0] | buf[1] | buf[2] | buf[3])
			return;
		buf += FGW_IKE_NON_ESP_MARKER_LEN;
		len -= FGW_IKE_NON_ESP_MARKER_LEN;
	}
	if (fgw_ike_parse(buf, len, &msg) != 0 || msg.hdr.spi_i != p->spi_i ||
	    (msg.hdr.flags & FGW_IKE_FLAG_INITIATOR))
		return;
	response = msg.hdr.flags & FGW_IKE_FLAG_RESPONSE;
	if (msg.hdr.exchange == FGW_IKE_SA_INIT) {
		if (response && p->state == LG_INIT_SENT && msg.hdr.msg_id == 0)
			init_response(lg, p, &msg);
		return;
	}
	if (!p->keys_valid || msg.hdr.spi_r != p->spi_r || !msg.has_sk)
		return;
	if (response) {
		if (p->req == NULL || msg.hdr.msg_id != p->req_msg_id)
			return;
	} else if (msg.hdr.msg_id != p->peer_msg_id) {
		if (p->resp && msg.hdr.msg_id == p->resp_msg_id)
			send_raw(lg, p, p->resp, p->resp_len);
		return;
	}
	if (fgw_ike_sk_open(&p->keys, true, buf, len, msg.sk_off, &plain, &plain_len) != 0 ||
	    fgw_ike_parse_inner(&msg, plain, plain_len, msg.sk_first) != 0)
		return;
	if (!response)
		return peer_request(lg, p, &msg);
	free(p->req);
	p->req = NULL;
	if (p->state == LG_AUTH_SENT && msg.hdr.exchange == FGW_IKE_AUTH) {
		auth_response(lg, p, &msg);
	} else if (p->state == LG_DELETE_SENT && msg.hdr.exchange == FGW_IKE_INFORMATIONAL) {
		p->t_del = lg_now_ns();
		lg->st.deleted++;
		retire(lg, p, LG_DONE);
	}
}

/* Retransmission, and giving up after the last try. */
void lg_peer_timer(struct lg *lg, struct lg_peer *p, uint64_t now)
{
	if (p->req == NULL || now < p->next_retx_ns ||
	    (!negotiating(p) && p->state != LG_DELETE_SENT))
		return;
	if (p->tries < lg->o.retx_tries)
		return transmit(lg, p);
	if (p->state == LG_DELETE_SENT) {
		lg->st.delete_timeouts++;
		return retire(lg, p, LG_DONE);
	}
	lg_peer_fail(lg, p, LG_FAIL_TIMEOUT, p->state == LG_INIT_SENT ? "IKE_SA_INIT" : "IKE_AUTH");
}
