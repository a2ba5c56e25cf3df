/* Payload bodies (RFC 7296 3.4-3.16; SA is sa_payload.c): each decoder gets
 * the octets after the generic header, exactly as long as the payload
 * said, and checks every inner length against them. Pointers in the
 * result point into those octets. */
#include "controlplane/ikev2/codec.h"

#include <string.h>

/* 3.4: DH Group Num, RESERVED (2), Key Exchange Data. Whether the data's
 * length suits the group is the crypto's check (RFC 6989). */
static int decode_ke(struct fgw_ike_msg *m, const uint8_t *b, size_t len)
{
	if (m->has_ke)
		return FGW_IKE_ERR_DUPLICATE;
	if (len < 4)
		return FGW_IKE_ERR_SYNTAX;
	m->has_ke = true;
	m->ke.group = ike_get16(b);
	m->ke.data = b + 4;
	m->ke.len = (uint16_t)(len - 4);
	return FGW_IKE_OK;
}

/* 3.5: ID Type, RESERVED (3), data. body/body_len keep the whole of it
 * (RestOfIDPayload) for the AUTH computation. Address identities have
 * their address's length. */
static int decode_id(struct fgw_ike_id *id, bool *has, const uint8_t *b, size_t len)
{
	if (*has)
		return FGW_IKE_ERR_DUPLICATE;
	if (len < 4)
		return FGW_IKE_ERR_SYNTAX;
	if ((b[0] == FGW_IKE_ID_IPV4_ADDR && len != 4 + 4) ||
	    (b[0] == FGW_IKE_ID_IPV6_ADDR && len != 4 + 16))
		return FGW_IKE_ERR_SYNTAX;
	*has = true;
	id->type = b[0];
	id->data = b + 4;
	id->len = (uint16_t)(len - 4);
	id->body = b;
	id->body_len = (uint16_t)len;
	return FGW_IKE_OK;
}

/* 3.6, 3.7: Encoding, then the certificate or the CA hashes. */
static int decode_cert(struct fgw_ike_blob *list, unsigned *n, const uint8_t *b, size_t len)
{
	if (len < 1)
		return FGW_IKE_ERR_SYNTAX;
	if (*n == FGW_IKE_MAX_CERT)
		return FGW_IKE_ERR_LIMIT;
	list[*n] = (struct fgw_ike_blob){ .encoding = b[0], .data = b + 1,
					  .len = (uint16_t)(len - 1) };
	(*n)++;
	return FGW_IKE_OK;
}

/* 3.8: Auth Method, RESERVED (3), Authentication Data. */
static int decode_auth(struct fgw_ike_msg *m, const uint8_t *b, size_t len)
{
	if (m->has_auth)
		return FGW_IKE_ERR_DUPLICATE;
	if (len < 4)
		return FGW_IKE_ERR_SYNTAX;
	m->has_auth = true;
	m->auth.method = b[0];
	m->auth.data = b + 4;
	m->auth.len = (uint16_t)(len - 4);
	return FGW_IKE_OK;
}

/* 3.9: 16 to 256 octets. */
static int decode_nonce(struct fgw_ike_msg *m, const uint8_t *b, size_t len)
{
	if (m->has_nonce)
		return FGW_IKE_ERR_DUPLICATE;
	if (len < 16 || len > 256)
		return FGW_IKE_ERR_SYNTAX;
	m->has_nonce = true;
	m->nonce = (struct fgw_ike_blob){ .data = b, .len = (uint16_t)len };
	return FGW_IKE_OK;
}

/* 3.10: Protocol ID, SPI Size, Notify Message Type, SPI, data. */
static int decode_notify(struct fgw_ike_msg *m, const uint8_t *b, size_t len)
{
	struct fgw_ike_notify *n;

	if (len < 4 || len - 4 < b[1])
		return FGW_IKE_ERR_SYNTAX;
	if (!ike_notify_spi_ok(b[0], b[1]))
		return FGW_IKE_ERR_SYNTAX;
	if (m->n_notify == FGW_IKE_MAX_NOTIFY)
		return FGW_IKE_ERR_LIMIT;
	n = &m->notify[m->n_notify++];
	n->protocol = b[0];
	n->spi_len = b[1];
	n->type = ike_get16(b + 2);
	n->spi = b + 4;
	n->data = b + 4 + b[1];
	n->len = (uint16_t)(len - 4 - b[1]);
	return FGW_IKE_OK;
}

/* 3.11: Protocol ID, SPI Size, Num of SPIs, SPIs. Deleting the IKE SA
 * names no SPI (the header has them); AH/ESP SPIs are 4 octets. */
static int decode_delete(struct fgw_ike_msg *m, const uint8_t *b, size_t len)
{
	struct fgw_ike_delete *d;
	uint16_t n_spi;

	if (len < 4)
		return FGW_IKE_ERR_SYNTAX;
	n_spi = ike_get16(b + 2);
	switch (b[0]) {
	case FGW_IKE_PROTO_IKE:
		if (b[1] != 0 || n_spi != 0)
			return FGW_IKE_ERR_SYNTAX;
		break;
	case FGW_IKE_PROTO_AH:
	case FGW_IKE_PROTO_ESP:
		if (b[1] != 4)
			return FGW_IKE_ERR_SYNTAX;
		break;
	default:
		return FGW_IKE_ERR_SYNTAX;
	}
	if (len - 4 != (size_t)n_spi * b[1])
		return (len - 4 < (size_t)n_spi * b[1]) ? FGW_IKE_ERR_TRUNCATED : FGW_IKE_ERR_SYNTAX;
	if (m->n_delete == FGW_IKE_MAX_DELETE)
		return FGW_IKE_ERR_LIMIT;
	d = &m->del[m->n_delete++];
	d->protocol = b[0];
	d->spi_len = b[1];
	d->n_spi = n_spi;
	d->spis = b + 4;
	return FGW_IKE_OK;
}

/* 3.12: any octets; unknown vendors are kept for the caller to ignore. */
static int decode_vendor(struct fgw_ike_msg *m, const uint8_t *b, size_t len)
{
	if (m->n_vendor == FGW_IKE_MAX_VENDOR)
		return FGW_IKE_ERR_LIMIT;
	m->vendor[m->n_vendor++] = (struct fgw_ike_blob){ .data = b, .len = (uint16_t)len };
	return FGW_IKE_OK;
}

/* 3.13.1: TS Type, IP Protocol ID, Selector Length, Start Port, End Port,
 * Starting Address, Ending Address. A selector type we do not know (Fibre
 * Channel, security labels) is skipped by its length: it can only narrow
 * what the peer asks for, never widen it, and the exchange narrows to the
 * selectors it understands. */
static int decode_ts(struct fgw_ike_ts_payload *tp, bool *has, const uint8_t *b, size_t len)
{
	size_t off = 4;
	unsigned count;

	if (*has)
		return FGW_IKE_ERR_DUPLICATE;
	if (len < 4)
		return FGW_IKE_ERR_SYNTAX;
	count = b[0];
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *s = b + off;
		size_t alen;
		uint16_t slen;
		struct fgw_ike_ts *ts;

		if (len - off < 4)
			return FGW_IKE_ERR_TRUNCATED;
		slen = ike_get16(s + 2);
		if (slen > len - off)
			return FGW_IKE_ERR_TRUNCATED;
		if (s[0] == FGW_IKE_TS_IPV4_ADDR_RANGE)
			alen = 4;
		else if (s[0] == FGW_IKE_TS_IPV6_ADDR_RANGE)
			alen = 16;
		else if (slen < 4)
			return FGW_IKE_ERR_SYNTAX;
		else {
			off += slen;
			continue;
		}
		if (slen != 8 + 2 * alen)
			return FGW_IKE_ERR_SYNTAX;
		if (tp->n == FGW_IKE_MAX_TS)
			return FGW_IKE_ERR_LIMIT;
		ts = &tp->ts[tp->n++];
		ts->type = s[0];
		ts->ip_proto = s[1];
		ts->start_port = ike_get16(s + 4);
		ts->end_port = ike_get16(s + 6);
		ts->start.family = ts->end.family = alen == 4 ? AF_INET : AF_INET6;
		memcpy(ts->start.bytes, s + 8, alen);
		memcpy(ts->end.bytes, s + 8 + alen, alen);
		off += slen;
	}
	if (off != len)
		return FGW_IKE_ERR_SYNTAX;
	*has = true;
	return FGW_IKE_OK;
}

/* 3.15: CFG Type, RESERVED (3), then attributes: R bit + type (2), length
 * (2), value. The R bit is reserved and ignored. */
static int decode_cp(struct fgw_ike_msg *m, const uint8_t *b, size_t len)
{
	size_t off = 4;

	if (m->has_cp)
		return FGW_IKE_ERR_DUPLICATE;
	if (len < 4)
		return FGW_IKE_ERR_SYNTAX;
	m->cp.type = b[0];
	while (off < len) {
		const uint8_t *a = b + off;
		uint16_t alen;

		if (len - off < 4)
			return FGW_IKE_ERR_TRUNCATED;
		alen = ike_get16(a + 2);
		if (alen > len - off - 4)
			return FGW_IKE_ERR_TRUNCATED;
		if (m->cp.n == FGW_IKE_MAX_CP_ATTRS)
			return FGW_IKE_ERR_LIMIT;
		m->cp.a[m->cp.n++] = (struct fgw_ike_cp_attr){
			.type = ike_get16(a) & 0x7fff, .data = a + 4, .len = alen };
		off += 4 + (size_t)alen;
	}
	m->has_cp = true;
	return FGW_IKE_OK;
}

/* 3.16: one EAP packet (RFC 3748 4: Code, Identifier, Length, Data), whose
 * own length must be the payload's. */
static int decode_eap(struct fgw_ike_msg *m, const uint8_t *b, size_t len)
{
	if (m->has_eap)
		return FGW_IKE_ERR_DUPLICATE;
	if (len < 4 || ike_get16(b + 2) != len)
		return FGW_IKE_ERR_SYNTAX;
	m->has_eap = true;
	m->eap = (struct fgw_ike_blob){ .data = b, .len = (uint16_t)len };
	return FGW_IKE_OK;
}

static int decode(struct fgw_ike_msg *m, uint8_t type, const uint8_t *b, size_t len)
{
	switch (type) {
	case FGW_IKE_PL_SA:
		if (m->has_sa)
			return FGW_IKE_ERR_DUPLICATE;
		m->has_sa = true;
		return ike_sa_decode(&m->sa, b, len);
	case FGW_IKE_PL_KE: return decode_ke(m, b, len);
	case FGW_IKE_PL_IDI: return decode_id(&m->idi, &m->has_idi, b, len);
	case FGW_IKE_PL_IDR: return decode_id(&m->idr, &m->has_idr, b, len);
	case FGW_IKE_PL_CERT: return decode_cert(m->cert, &m->n_cert, b, len);
	case FGW_IKE_PL_CERTREQ: return decode_cert(m->certreq, &m->n_certreq, b, len);
	case FGW_IKE_PL_AUTH: return decode_auth(m, b, len);
	case FGW_IKE_PL_NONCE: return decode_nonce(m, b, len);
	case FGW_IKE_PL_NOTIFY: return decode_notify(m, b, len);
	case FGW_IKE_PL_DELETE: return decode_delete(m, b, len);
	case FGW_IKE_PL_VENDOR: return decode_vendor(m, b, len);
	case FGW_IKE_PL_TSI: return decode_ts(&m->tsi, &m->has_tsi, b, len);
	case FGW_IKE_PL_TSR: return decode_ts(&m->tsr, &m->has_tsr, b, len);
	case FGW_IKE_PL_CP: return decode_cp(m, b, len);
	case FGW_IKE_PL_EAP: return decode_eap(m, b, len);
	}
	return IKE_PL_UNKNOWN;
}

int ike_payload_decode(struct fgw_ike_msg *m, uint8_t type, const uint8_t *body, size_t len)
{
	int rc = decode(m, type, body, len);

	/* Each type's own limit keeps order[] inside FGW_IKE_MAX_ORDER. */
	if (rc == FGW_IKE_OK && m->n_order < FGW_IKE_MAX_ORDER)
		m->order[m->n_order++] = type;
	return rc;
}
