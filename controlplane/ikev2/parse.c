/* The IKE header and the generic payload chain (RFC 7296 3.1, 3.2): the
 * walker checks each generic header against what is left of its container
 * and hands the body to the payload's decoder (payloads.c). */
#include "controlplane/ikev2/codec.h"

#include <string.h>

const char *fgw_ike_parse_error_str(int err)
{
	switch (err) {
	case FGW_IKE_OK: return "ok";
	case FGW_IKE_ERR_TRUNCATED: return "truncated";
	case FGW_IKE_ERR_SYNTAX: return "invalid syntax";
	case FGW_IKE_ERR_VERSION: return "unsupported major version";
	case FGW_IKE_ERR_CRITICAL: return "unsupported critical payload";
	case FGW_IKE_ERR_LIMIT: return "over a decoding limit";
	case FGW_IKE_ERR_DUPLICATE: return "duplicate payload";
	}
	return "unknown error";
}

int fgw_ike_parse_header(const uint8_t *buf, size_t len, struct fgw_ike_hdr *hdr)
{
	if (len < FGW_IKE_HDR_LEN)
		return FGW_IKE_ERR_TRUNCATED;
	hdr->spi_i = ike_get64(buf);
	hdr->spi_r = ike_get64(buf + 8);
	hdr->next_payload = buf[16];
	hdr->version = buf[17];
	hdr->exchange = buf[18];
	hdr->flags = buf[19];
	hdr->msg_id = ike_get32(buf + 20);
	hdr->length = ike_get32(buf + 24);
	/* Only the major version matters: a higher minor version is fine
	 * (2.5), and reserved flag bits are ignored on receipt (3.1). The
	 * header is filled first so that the caller can still answer
	 * INVALID_MAJOR_VERSION to the SPIs. */
	if (hdr->version >> 4 != FGW_IKE_VERSION >> 4)
		return FGW_IKE_ERR_VERSION;
	if (len > FGW_IKE_MSG_MAX)
		return FGW_IKE_ERR_LIMIT;
	if (hdr->length > len)
		return FGW_IKE_ERR_TRUNCATED;
	if (hdr->length != len || hdr->length < FGW_IKE_HDR_LEN)
		return FGW_IKE_ERR_SYNTAX;
	return FGW_IKE_OK;
}

/* SK is the last payload of its chain and its Next Payload field names the
 * first inner payload (3.14). We also want it alone: every exchange of RFC
 * 7296 that has SK carries everything inside it, and a known payload next
 * to SK would be read as if it had been authenticated with the rest. */
static int take_sk(struct fgw_ike_msg *m, const uint8_t *h, size_t off, size_t plen,
		   size_t left, size_t base)
{
	if (m->n_order != 0 || plen != left)
		return FGW_IKE_ERR_SYNTAX;
	m->has_sk = true;
	m->sk_off = base + off;
	m->sk_first = h[0];
	m->order[m->n_order++] = FGW_IKE_PL_SK;
	return FGW_IKE_OK;
}

/* Walks one chain: p/len hold exactly the payloads, the first of type
 * `type`. base is p's offset in msg->raw (outer chain); inner is set for
 * the decrypted chain, where SK cannot appear. */
static int walk(struct fgw_ike_msg *m, const uint8_t *p, size_t len, uint8_t type,
		size_t base, bool inner)
{
	size_t off = 0;

	while (type != FGW_IKE_PL_NONE) {
		const uint8_t *h = p + off;
		size_t left = len - off;
		uint16_t plen;
		int rc;

		if (left < FGW_IKE_PAYLOAD_HDR_LEN)
			return FGW_IKE_ERR_TRUNCATED;
		plen = ike_get16(h + 2);
		if (plen < FGW_IKE_PAYLOAD_HDR_LEN)
			return FGW_IKE_ERR_SYNTAX;
		if (plen > left)
			return FGW_IKE_ERR_TRUNCATED;
		if (type == FGW_IKE_PL_SK)
			return inner ? FGW_IKE_ERR_SYNTAX : take_sk(m, h, off, plen, left, base);

		rc = ike_payload_decode(m, type, h + FGW_IKE_PAYLOAD_HDR_LEN,
					plen - FGW_IKE_PAYLOAD_HDR_LEN);
		if (rc == IKE_PL_UNKNOWN) {
			/* The critical bit only speaks of payloads we do not
			 * know (2.5); on known ones it is ignored. */
			if (h[1] & FGW_IKE_CRITICAL) {
				m->unsupported_critical = type;
				return FGW_IKE_ERR_CRITICAL;
			}
			m->n_unknown++;
		} else if (rc < 0) {
			return rc;
		}
		off += plen;
		type = h[0];
	}
	/* Octets after the last payload belong to nothing. */
	return off == len ? FGW_IKE_OK : FGW_IKE_ERR_SYNTAX;
}

int fgw_ike_parse(const uint8_t *buf, size_t len, struct fgw_ike_msg *msg)
{
	int rc;

	memset(msg, 0, sizeof(*msg));
	msg->raw = buf;
	msg->raw_len = len;
	rc = fgw_ike_parse_header(buf, len, &msg->hdr);
	if (rc != FGW_IKE_OK)
		return rc;
	return walk(msg, buf + FGW_IKE_HDR_LEN, len - FGW_IKE_HDR_LEN, msg->hdr.next_payload,
		    FGW_IKE_HDR_LEN, false);
}

int fgw_ike_parse_inner(struct fgw_ike_msg *msg, const uint8_t *plain, size_t len,
			uint8_t first)
{
	if (!msg->has_sk || msg->n_order == 0 || msg->order[msg->n_order - 1] != FGW_IKE_PL_SK)
		return FGW_IKE_ERR_SYNTAX;
	/* The summary shows the inner payloads instead of "SK" from now on. */
	msg->n_order--;
	return walk(msg, plain, len, first, 0, true);
}

const struct fgw_ike_notify *fgw_ike_msg_notify(const struct fgw_ike_msg *msg, uint16_t type)
{
	for (unsigned i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type == type)
			return &msg->notify[i];
	return NULL;
}
