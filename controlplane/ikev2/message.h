/* The IKEv2 message codec (RFC 7296 section 3): the one place that reads
 * and writes IKE messages, for every exchange.
 *
 * Parsing walks the generic payload chain with a bounds-checked cursor
 * and decodes each known payload into struct fgw_ike_msg, whose pointers
 * point into the caller's buffer (no copies, no allocation). Every length
 * is checked against its container before use. The unencrypted chain
 * stops at SK, which must be the last payload and the only one we know
 * (so nothing unauthenticated is read as if it had been inside); once the
 * SK payload is authenticated and decrypted (crypto.h), fgw_ike_parse_inner
 * decodes the inner chain into the same struct.
 *
 * Building appends payloads to a caller's buffer; the "next payload"
 * field of the previous payload (or of the header) is filled as each
 * payload is added. A message with an SK payload is built by opening SK,
 * adding the inner payloads, and sealing it with fgw_ike_sk_seal
 * (crypto.h), which pads, encrypts and fixes the lengths. */
#ifndef FGW_IKE_MESSAGE_H
#define FGW_IKE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "controlplane/ikev2/wire.h"

/* Largest message we accept (FGW_IKE_ERR_LIMIT above it) or build (the
 * builder never uses more of its buffer): IKE runs over UDP and we do not
 * fragment yet (RFC 7383 comes with the fragmentation issue). */
#define FGW_IKE_MSG_MAX 8192

/* Local decoding limits. A message over one of them is answered as
 * INVALID_SYNTAX (and counted), never truncated silently: a proposal
 * list cut short could change which proposal is chosen. */
#define FGW_IKE_MAX_PROPOSALS	16
#define FGW_IKE_MAX_TRANSFORMS	64	/* per proposal */
#define FGW_IKE_MAX_NOTIFY	32
#define FGW_IKE_MAX_DELETE	8
#define FGW_IKE_MAX_VENDOR	16
#define FGW_IKE_MAX_TS		16	/* per TSi / TSr payload */
#define FGW_IKE_MAX_CP_ATTRS	64
#define FGW_IKE_MAX_CERT	8
#define FGW_IKE_MAX_SPI_LEN	8
/* Every payload type that can be decoded, in msg->order: the ones that
 * may appear once (SA KE Ni/Nr IDi IDr AUTH TSi TSr CP EAP SK) and the
 * repeatable ones up to their limits. */
#define FGW_IKE_MAX_ORDER	(11 + FGW_IKE_MAX_NOTIFY + FGW_IKE_MAX_DELETE + \
				 FGW_IKE_MAX_VENDOR + 2 * FGW_IKE_MAX_CERT)

/* What went wrong, for the counters and the log line. */
enum fgw_ike_parse_error {
	FGW_IKE_OK = 0,
	FGW_IKE_ERR_TRUNCATED = -1,	/* a length runs past its container */
	FGW_IKE_ERR_SYNTAX = -2,	/* a field has a value RFC 7296 forbids */
	FGW_IKE_ERR_VERSION = -3,	/* major version is not 2 */
	FGW_IKE_ERR_CRITICAL = -4,	/* unknown payload with the critical bit:
					 * answer UNSUPPORTED_CRITICAL_PAYLOAD
					 * with msg->unsupported_critical */
	FGW_IKE_ERR_LIMIT = -5,		/* over one of the FGW_IKE_MAX_* limits */
	FGW_IKE_ERR_DUPLICATE = -6,	/* a payload that may appear once appeared twice */
};
const char *fgw_ike_parse_error_str(int err);

struct fgw_ike_hdr {
	uint64_t spi_i, spi_r;		/* as numbers: written big-endian on the wire */
	uint8_t next_payload;
	uint8_t version;		/* FGW_IKE_VERSION */
	uint8_t exchange;		/* enum fgw_ike_exchange */
	uint8_t flags;			/* FGW_IKE_FLAG_* */
	uint32_t msg_id;
	uint32_t length;		/* whole message, header included */
};

/* ---- decoded payloads ---------------------------------------------------- */

struct fgw_ike_transform {
	uint8_t type;			/* enum fgw_ike_transform_type */
	uint16_t id;
	uint16_t key_len;		/* bits, from the Key Length attribute; 0: none */
};

struct fgw_ike_proposal {
	uint8_t num;			/* proposal number, 1.. */
	uint8_t protocol;		/* enum fgw_ike_protocol */
	uint8_t spi_len;		/* 0 (IKE_SA_INIT), 4 (ESP), 8 (IKE rekey) */
	uint8_t spi[FGW_IKE_MAX_SPI_LEN];
	/* A transform with an attribute other than Key Length is left
	 * out: we could not honour it. */
	struct fgw_ike_transform t[FGW_IKE_MAX_TRANSFORMS];
	unsigned n_t;
};

struct fgw_ike_sa_payload {
	struct fgw_ike_proposal p[FGW_IKE_MAX_PROPOSALS];
	unsigned n;
};

struct fgw_ike_ke {
	uint16_t group;			/* IANA DH group */
	const uint8_t *data;		/* key exchange data */
	uint16_t len;
};

/* IDi, IDr; also what AUTH signs: `body` is the payload after the generic
 * header (type, 3 reserved octets, data) = RestOfIDPayload. */
struct fgw_ike_id {
	uint8_t type;			/* enum fgw_ike_id_type */
	const uint8_t *data;
	uint16_t len;
	const uint8_t *body;
	uint16_t body_len;
};

struct fgw_ike_auth {
	uint8_t method;			/* enum fgw_ike_auth_method */
	const uint8_t *data;
	uint16_t len;
};

struct fgw_ike_blob {			/* nonce, vendor id, EAP, CERT, CERTREQ */
	const uint8_t *data;
	uint16_t len;
	uint8_t encoding;		/* CERT / CERTREQ encoding; else 0 */
};

struct fgw_ike_notify {
	uint8_t protocol;		/* 0 or enum fgw_ike_protocol */
	uint8_t spi_len;
	uint16_t type;			/* enum fgw_ike_notify_type */
	const uint8_t *spi;
	const uint8_t *data;
	uint16_t len;
};

struct fgw_ike_delete {
	uint8_t protocol;		/* IKE (no SPIs) or ESP (4-byte SPIs) */
	uint8_t spi_len;
	uint16_t n_spi;
	const uint8_t *spis;		/* n_spi * spi_len octets */
};

/* One traffic selector; addresses in struct fgw_addr (network order). */
struct fgw_ike_ts {
	uint8_t type;			/* enum fgw_ike_ts_type */
	uint8_t ip_proto;		/* 0: any */
	uint16_t start_port, end_port;	/* host order; 0..65535: any */
	struct fgw_addr start, end;
};

/* Selector types other than the two address ranges are skipped. */
struct fgw_ike_ts_payload {
	struct fgw_ike_ts ts[FGW_IKE_MAX_TS];
	unsigned n;
};

struct fgw_ike_cp_attr {
	uint16_t type;			/* attribute type, R bit cleared */
	const uint8_t *data;
	uint16_t len;			/* 0 in a request: "give me one" */
};

struct fgw_ike_cp {
	uint8_t type;			/* enum fgw_ike_cfg_type */
	struct fgw_ike_cp_attr a[FGW_IKE_MAX_CP_ATTRS];
	unsigned n;
};

/* A parsed message. has_* / n_* say what was present; payloads that may
 * appear once and appear twice are FGW_IKE_ERR_DUPLICATE. */
struct fgw_ike_msg {
	struct fgw_ike_hdr hdr;
	const uint8_t *raw;		/* the whole message as received */
	size_t raw_len;

	bool has_sa, has_ke, has_nonce, has_idi, has_idr, has_auth;
	bool has_tsi, has_tsr, has_cp, has_eap;
	struct fgw_ike_sa_payload sa;
	struct fgw_ike_ke ke;
	struct fgw_ike_blob nonce;
	struct fgw_ike_id idi, idr;
	struct fgw_ike_auth auth;
	struct fgw_ike_ts_payload tsi, tsr;
	struct fgw_ike_cp cp;
	struct fgw_ike_blob eap;
	struct fgw_ike_notify notify[FGW_IKE_MAX_NOTIFY];
	unsigned n_notify;
	struct fgw_ike_delete del[FGW_IKE_MAX_DELETE];
	unsigned n_delete;
	struct fgw_ike_blob vendor[FGW_IKE_MAX_VENDOR];
	unsigned n_vendor;
	struct fgw_ike_blob cert[FGW_IKE_MAX_CERT], certreq[FGW_IKE_MAX_CERT];
	unsigned n_cert, n_certreq;

	/* The SK payload, when the outer chain ended with one: offset of its
	 * generic header in raw, and the type of the first inner payload. */
	bool has_sk;
	size_t sk_off;
	uint8_t sk_first;

	uint8_t unsupported_critical;	/* with FGW_IKE_ERR_CRITICAL */
	unsigned n_unknown;		/* non-critical unknown payloads skipped */

	/* The decoded payloads' types in message order, for the summary:
	 * the outer chain, then the inner chain in place of SK once
	 * fgw_ike_parse_inner has run. The k-th FGW_IKE_PL_NOTIFY here is
	 * notify[k] (and so on for the other repeatable payloads). */
	uint8_t order[FGW_IKE_MAX_ORDER];
	unsigned n_order;
};

/* The header alone (to find the IKE SA before anything else): checks the
 * version (hdr is filled even when it is wrong, for the answer), that len
 * is at most FGW_IKE_MSG_MAX, and that length equals len and is at least
 * the header. */
int fgw_ike_parse_header(const uint8_t *buf, size_t len, struct fgw_ike_hdr *hdr);

/* Header and the unencrypted payload chain. msg is zeroed first; raw
 * points at buf, which must outlive msg. 0 or enum fgw_ike_parse_error. */
int fgw_ike_parse(const uint8_t *buf, size_t len, struct fgw_ike_msg *msg);

/* The decrypted inner chain of msg's SK payload (plain, len, first payload
 * type `first`), decoded into msg next to what the outer chain held. */
int fgw_ike_parse_inner(struct fgw_ike_msg *msg, const uint8_t *plain, size_t len,
			uint8_t first);

/* Lookups over the parsed notifies: the first of this type, or NULL. */
const struct fgw_ike_notify *fgw_ike_msg_notify(const struct fgw_ike_msg *msg, uint16_t type);

/* One line for `debug crypto ikev2`, in strongSwan's shape:
 * "IKE_AUTH request 1 [ IDi N(INIT_CONTACT) AUTH SA TSi TSr ]": exchange,
 * request/response, message id, then each payload (notifies by name,
 * inner payloads included once parsed). Never prints payload contents.
 * Returns out. */
char *fgw_ike_msg_summary(const struct fgw_ike_msg *msg, char *out, size_t len);
const char *fgw_ike_exchange_name(uint8_t exchange);
const char *fgw_ike_notify_name(uint16_t type);

/* ---- building -------------------------------------------------------------
 * Errors are sticky: once something did not fit, b->overflow is set, every
 * later call does nothing, and fgw_ike_build_finish returns -1. Input the
 * parser would refuse (a message over FGW_IKE_MSG_MAX, more proposals,
 * transforms or selectors than the limits, a nonce outside 16..256, an
 * SPI size the protocol does not have) sets it too: we never send what we
 * would not accept. */
struct fgw_ike_buf {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
	size_t np_off;			/* offset of the "next payload" octet to fill */
	size_t sk_off;			/* open SK payload's generic header; 0: none */
};

/* Starts a message in p (cap bytes) with this header (length and
 * next_payload are filled later). */
void fgw_ike_build_init(struct fgw_ike_buf *b, uint8_t *p, size_t cap,
			const struct fgw_ike_hdr *hdr);

void fgw_ike_build_sa(struct fgw_ike_buf *b, const struct fgw_ike_sa_payload *sa);
void fgw_ike_build_ke(struct fgw_ike_buf *b, uint16_t group, const uint8_t *data, size_t len);
void fgw_ike_build_nonce(struct fgw_ike_buf *b, const uint8_t *nonce, size_t len);
/* payload FGW_IKE_PL_IDI or _IDR */
void fgw_ike_build_id(struct fgw_ike_buf *b, uint8_t payload, uint8_t id_type,
		      const uint8_t *data, size_t len);
void fgw_ike_build_auth(struct fgw_ike_buf *b, uint8_t method, const uint8_t *data, size_t len);
void fgw_ike_build_notify(struct fgw_ike_buf *b, uint8_t protocol, const uint8_t *spi,
			  size_t spi_len, uint16_t type, const uint8_t *data, size_t len);
void fgw_ike_build_delete(struct fgw_ike_buf *b, uint8_t protocol, const uint8_t *spis,
			  size_t spi_len, unsigned n_spi);
void fgw_ike_build_vendor(struct fgw_ike_buf *b, const uint8_t *vid, size_t len);
/* payload FGW_IKE_PL_TSI or _TSR */
void fgw_ike_build_ts(struct fgw_ike_buf *b, uint8_t payload, const struct fgw_ike_ts *ts,
		      unsigned n);
void fgw_ike_build_cp(struct fgw_ike_buf *b, const struct fgw_ike_cp *cp);
void fgw_ike_build_eap(struct fgw_ike_buf *b, const uint8_t *eap, size_t len);
/* payload FGW_IKE_PL_CERT or _CERTREQ */
void fgw_ike_build_cert(struct fgw_ike_buf *b, uint8_t payload, uint8_t encoding,
			const uint8_t *data, size_t len);

/* Opens the SK payload: writes its generic header and reserves iv_len
 * octets for the IV; payloads added after this form the inner chain.
 * fgw_ike_sk_seal (crypto.h) closes it. */
void fgw_ike_build_sk_open(struct fgw_ike_buf *b, size_t iv_len);

/* Writes the header's length. Returns the message length, or -1 when
 * something did not fit or an SK payload is still open. Messages with an
 * SK payload are finished by fgw_ike_sk_seal instead. */
int fgw_ike_build_finish(struct fgw_ike_buf *b);

#endif
