/* Building messages (RFC 7296 3): each payload is appended with its
 * generic header, and the Next Payload octet of whatever came before (the
 * IKE header, the previous payload or the open SK payload) is pointed at
 * it. Nothing is written past cap; once something did not fit, nothing
 * more is written at all. */
#include "controlplane/ikev2/codec.h"

#include <string.h>

#define NP_HDR_OFF 16			/* Next Payload octet of the IKE header */

/* Room for n more octets, or the buffer is failed for good. */
static uint8_t *room(struct fgw_ike_buf *b, size_t n)
{
	uint8_t *p;

	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return NULL;
	}
	p = b->p + b->len;
	b->len += n;
	return p;
}

static void put(struct fgw_ike_buf *b, const void *data, size_t n)
{
	uint8_t *p = room(b, n);

	if (p && n)
		memcpy(p, data, n);
}

static void put8(struct fgw_ike_buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put16(struct fgw_ike_buf *b, uint16_t v)
{
	uint8_t p[2];

	ike_put16(p, v);
	put(b, p, 2);
}

static void fail(struct fgw_ike_buf *b)
{
	b->overflow = true;
}

void fgw_ike_build_init(struct fgw_ike_buf *b, uint8_t *p, size_t cap,
			const struct fgw_ike_hdr *hdr)
{
	uint8_t *h;

	/* Never more than we would accept (FGW_IKE_MSG_MAX): this also keeps
	 * every payload's length inside its 16 bits. */
	*b = (struct fgw_ike_buf){ .p = p, .cap = cap < FGW_IKE_MSG_MAX ? cap : FGW_IKE_MSG_MAX,
				   .np_off = NP_HDR_OFF };
	h = room(b, FGW_IKE_HDR_LEN);
	if (!h)
		return;
	ike_put64(h, hdr->spi_i);
	ike_put64(h + 8, hdr->spi_r);
	h[16] = FGW_IKE_PL_NONE;
	h[17] = hdr->version;
	h[18] = hdr->exchange;
	h[19] = hdr->flags;
	ike_put32(h + 20, hdr->msg_id);
	ike_put32(h + 24, 0);
}

/* A payload starts: its generic header with Next Payload NONE until a
 * later payload follows, critical bit clear (every payload we send is
 * one of RFC 7296's). Returns its offset for end(). */
static size_t begin(struct fgw_ike_buf *b, uint8_t type)
{
	size_t off = b->len;
	uint8_t *h = room(b, FGW_IKE_PAYLOAD_HDR_LEN);

	if (!h)
		return 0;
	h[0] = FGW_IKE_PL_NONE;
	h[1] = 0;
	ike_put16(h + 2, 0);
	b->p[b->np_off] = type;
	b->np_off = off;
	return off;
}

static void end(struct fgw_ike_buf *b, size_t off)
{
	if (!b->overflow)
		ike_put16(b->p + off + 2, (uint16_t)(b->len - off));
}

static void build_transform(struct fgw_ike_buf *b, const struct fgw_ike_transform *t,
			    bool last)
{
	uint16_t len = t->key_len ? 12 : 8;

	put8(b, last ? 0 : 3);
	put8(b, 0);
	put16(b, len);
	put8(b, t->type);
	put8(b, 0);
	put16(b, t->id);
	if (t->key_len) {
		put16(b, FGW_IKE_ATTR_TV | FGW_IKE_ATTR_KEY_LENGTH);
		put16(b, t->key_len);
	}
}

static void build_proposal(struct fgw_ike_buf *b, const struct fgw_ike_proposal *p, bool last)
{
	size_t off = b->len;

	if (p->n_t == 0 || p->n_t > FGW_IKE_MAX_TRANSFORMS ||
	    !ike_spi_len_ok(p->protocol, p->spi_len)) {
		fail(b);
		return;
	}
	put8(b, last ? 0 : 2);
	put8(b, 0);
	put16(b, 0);			/* length, below */
	put8(b, p->num);
	put8(b, p->protocol);
	put8(b, p->spi_len);
	put8(b, (uint8_t)p->n_t);
	put(b, p->spi, p->spi_len);
	for (unsigned i = 0; i < p->n_t; i++)
		build_transform(b, &p->t[i], i + 1 == p->n_t);
	if (!b->overflow)
		ike_put16(b->p + off + 2, (uint16_t)(b->len - off));
}

void fgw_ike_build_sa(struct fgw_ike_buf *b, const struct fgw_ike_sa_payload *sa)
{
	size_t off;

	if (sa->n == 0 || sa->n > FGW_IKE_MAX_PROPOSALS) {
		fail(b);
		return;
	}
	off = begin(b, FGW_IKE_PL_SA);
	for (unsigned i = 0; i < sa->n; i++)
		build_proposal(b, &sa->p[i], i + 1 == sa->n);
	end(b, off);
}

void fgw_ike_build_ke(struct fgw_ike_buf *b, uint16_t group, const uint8_t *data, size_t len)
{
	size_t off = begin(b, FGW_IKE_PL_KE);

	put16(b, group);
	put16(b, 0);
	put(b, data, len);
	end(b, off);
}

void fgw_ike_build_nonce(struct fgw_ike_buf *b, const uint8_t *nonce, size_t len)
{
	size_t off;

	if (len < 16 || len > 256) {
		fail(b);
		return;
	}
	off = begin(b, FGW_IKE_PL_NONCE);
	put(b, nonce, len);
	end(b, off);
}

/* Type, then three octets RESERVED, then data: ID and AUTH alike. */
static void typed(struct fgw_ike_buf *b, uint8_t payload, uint8_t type, const uint8_t *data,
		  size_t len)
{
	static const uint8_t zero[3];
	size_t off = begin(b, payload);

	put8(b, type);
	put(b, zero, 3);
	put(b, data, len);
	end(b, off);
}

void fgw_ike_build_id(struct fgw_ike_buf *b, uint8_t payload, uint8_t id_type,
		      const uint8_t *data, size_t len)
{
	if ((payload != FGW_IKE_PL_IDI && payload != FGW_IKE_PL_IDR) ||
	    (id_type == FGW_IKE_ID_IPV4_ADDR && len != 4) ||
	    (id_type == FGW_IKE_ID_IPV6_ADDR && len != 16)) {
		fail(b);
		return;
	}
	typed(b, payload, id_type, data, len);
}

void fgw_ike_build_auth(struct fgw_ike_buf *b, uint8_t method, const uint8_t *data, size_t len)
{
	typed(b, FGW_IKE_PL_AUTH, method, data, len);
}

void fgw_ike_build_notify(struct fgw_ike_buf *b, uint8_t protocol, const uint8_t *spi,
			  size_t spi_len, uint16_t type, const uint8_t *data, size_t len)
{
	size_t off;

	if (spi_len > UINT8_MAX || !ike_notify_spi_ok(protocol, (uint8_t)spi_len)) {
		fail(b);
		return;
	}
	off = begin(b, FGW_IKE_PL_NOTIFY);
	put8(b, protocol);
	put8(b, (uint8_t)spi_len);
	put16(b, type);
	put(b, spi, spi_len);
	put(b, data, len);
	end(b, off);
}

void fgw_ike_build_delete(struct fgw_ike_buf *b, uint8_t protocol, const uint8_t *spis,
			  size_t spi_len, unsigned n_spi)
{
	size_t off;
	bool ok;

	/* Deleting the IKE SA names no SPI; AH/ESP name 4-octet ones. */
	if (protocol == FGW_IKE_PROTO_IKE)
		ok = spi_len == 0 && n_spi == 0;
	else
		ok = spi_len == 4 && ike_spi_len_ok(protocol, 4) && n_spi <= UINT16_MAX;
	if (!ok) {
		fail(b);
		return;
	}
	off = begin(b, FGW_IKE_PL_DELETE);
	put8(b, protocol);
	put8(b, (uint8_t)spi_len);
	put16(b, (uint16_t)n_spi);
	put(b, spis, spi_len * n_spi);
	end(b, off);
}

void fgw_ike_build_vendor(struct fgw_ike_buf *b, const uint8_t *vid, size_t len)
{
	size_t off = begin(b, FGW_IKE_PL_VENDOR);

	put(b, vid, len);
	end(b, off);
}

void fgw_ike_build_ts(struct fgw_ike_buf *b, uint8_t payload, const struct fgw_ike_ts *ts,
		      unsigned n)
{
	static const uint8_t zero[3];
	size_t off;

	if ((payload != FGW_IKE_PL_TSI && payload != FGW_IKE_PL_TSR) || n > FGW_IKE_MAX_TS) {
		fail(b);
		return;
	}
	off = begin(b, payload);
	put8(b, (uint8_t)n);
	put(b, zero, 3);
	for (unsigned i = 0; i < n; i++) {
		const struct fgw_ike_ts *t = &ts[i];
		size_t alen = t->type == FGW_IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
		uint8_t family = alen == 4 ? AF_INET : AF_INET6;

		if ((t->type != FGW_IKE_TS_IPV4_ADDR_RANGE &&
		     t->type != FGW_IKE_TS_IPV6_ADDR_RANGE) ||
		    t->start.family != family || t->end.family != family) {
			fail(b);
			return;
		}
		put8(b, t->type);
		put8(b, t->ip_proto);
		put16(b, (uint16_t)(8 + 2 * alen));
		put16(b, t->start_port);
		put16(b, t->end_port);
		put(b, t->start.bytes, alen);
		put(b, t->end.bytes, alen);
	}
	end(b, off);
}

void fgw_ike_build_cp(struct fgw_ike_buf *b, const struct fgw_ike_cp *cp)
{
	static const uint8_t zero[3];
	size_t off;

	if (cp->n > FGW_IKE_MAX_CP_ATTRS) {
		fail(b);
		return;
	}
	off = begin(b, FGW_IKE_PL_CP);
	put8(b, cp->type);
	put(b, zero, 3);
	for (unsigned i = 0; i < cp->n; i++) {
		put16(b, cp->a[i].type & 0x7fff);
		put16(b, cp->a[i].len);
		put(b, cp->a[i].data, cp->a[i].len);
	}
	end(b, off);
}

void fgw_ike_build_eap(struct fgw_ike_buf *b, const uint8_t *eap, size_t len)
{
	size_t off;

	if (len < 4 || ike_get16(eap + 2) != len) {
		fail(b);
		return;
	}
	off = begin(b, FGW_IKE_PL_EAP);
	put(b, eap, len);
	end(b, off);
}

void fgw_ike_build_cert(struct fgw_ike_buf *b, uint8_t payload, uint8_t encoding,
			const uint8_t *data, size_t len)
{
	size_t off;

	if (payload != FGW_IKE_PL_CERT && payload != FGW_IKE_PL_CERTREQ) {
		fail(b);
		return;
	}
	off = begin(b, payload);
	put8(b, encoding);
	put(b, data, len);
	end(b, off);
}

void fgw_ike_build_sk_open(struct fgw_ike_buf *b, size_t iv_len)
{
	size_t off;
	uint8_t *iv;

	if (b->sk_off) {
		fail(b);
		return;
	}
	off = begin(b, FGW_IKE_PL_SK);
	iv = room(b, iv_len);
	if (!iv)
		return;
	memset(iv, 0, iv_len);		/* fgw_ike_sk_seal writes the IV */
	b->sk_off = off;
}

int fgw_ike_build_finish(struct fgw_ike_buf *b)
{
	if (b->overflow || b->sk_off)
		return -1;
	ike_put32(b->p + 24, (uint32_t)b->len);
	return (int)b->len;
}
