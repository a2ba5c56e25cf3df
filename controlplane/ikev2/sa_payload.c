/* The SA payload (RFC 7296 3.3): proposals, each with its transforms, each
 * with its attributes. Every substructure's length has to fit its
 * container exactly, and the "last substructure" octets and the counts
 * have to agree with what the lengths say: a proposal list read two ways
 * could make us choose something the peer did not offer. */
#include "controlplane/ikev2/codec.h"

#include <string.h>

#define LAST		0
#define MORE_PROPOSALS	2
#define MORE_TRANSFORMS	3

bool ike_spi_len_ok(uint8_t protocol, uint8_t spi_len)
{
	switch (protocol) {
	case FGW_IKE_PROTO_IKE: return spi_len == 0 || spi_len == 8;
	case FGW_IKE_PROTO_AH:
	case FGW_IKE_PROTO_ESP: return spi_len == 4;
	}
	return false;
}

/* 3.3.5: attributes, AF bit set for the 2-octet TV form, clear for TLV.
 * Key Length is the only one RFC 7296 defines and it is TV. *usable goes
 * false when an attribute we do not know is present: we cannot honour a
 * transform we do not fully understand, so it is left out (3.3.6). */
static int decode_attrs(struct fgw_ike_transform *t, const uint8_t *a, size_t len,
			bool *usable)
{
	size_t off = 0;
	bool have_key_len = false;

	while (off < len) {
		uint16_t type;
		size_t vlen;

		if (len - off < 4)
			return FGW_IKE_ERR_TRUNCATED;
		type = ike_get16(a + off);
		if (type & FGW_IKE_ATTR_TV) {
			vlen = 0;
			if ((type & ~FGW_IKE_ATTR_TV) == FGW_IKE_ATTR_KEY_LENGTH) {
				if (have_key_len)
					return FGW_IKE_ERR_SYNTAX;
				have_key_len = true;
				t->key_len = ike_get16(a + off + 2);
			} else {
				*usable = false;
			}
		} else {
			vlen = ike_get16(a + off + 2);
			if (vlen > len - off - 4)
				return FGW_IKE_ERR_TRUNCATED;
			if (type == FGW_IKE_ATTR_KEY_LENGTH)
				return FGW_IKE_ERR_SYNTAX;
			*usable = false;
		}
		off += 4 + vlen;
	}
	return FGW_IKE_OK;
}

/* 3.3.2: transforms fill the rest of the proposal, n of them, the last
 * one marked last. */
static int decode_transforms(struct fgw_ike_proposal *p, const uint8_t *b, size_t len,
			     unsigned n)
{
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *t = b + off;
		uint16_t tlen;
		bool usable = true;
		struct fgw_ike_transform tr = { 0 };
		int rc;

		if (len - off < 8)
			return FGW_IKE_ERR_TRUNCATED;
		tlen = ike_get16(t + 2);
		if (tlen < 8)
			return FGW_IKE_ERR_SYNTAX;
		if (tlen > len - off)
			return FGW_IKE_ERR_TRUNCATED;
		if (t[0] != (i + 1 == n ? LAST : MORE_TRANSFORMS))
			return FGW_IKE_ERR_SYNTAX;
		tr.type = t[4];
		tr.id = ike_get16(t + 6);
		rc = decode_attrs(&tr, t + 8, tlen - 8, &usable);
		if (rc != FGW_IKE_OK)
			return rc;
		if (usable) {
			if (p->n_t == FGW_IKE_MAX_TRANSFORMS)
				return FGW_IKE_ERR_LIMIT;
			p->t[p->n_t++] = tr;
		}
		off += tlen;
	}
	return off == len ? FGW_IKE_OK : FGW_IKE_ERR_SYNTAX;
}

/* 3.3.1: Last Substruc, RESERVED, Proposal Length, Proposal Num, Protocol
 * ID, SPI Size, Num Transforms, SPI, transforms. */
int ike_sa_decode(struct fgw_ike_sa_payload *sa, const uint8_t *b, size_t len)
{
	size_t off = 0;
	bool last = false;

	if (len == 0)
		return FGW_IKE_ERR_SYNTAX;
	while (!last) {
		const uint8_t *h = b + off;
		struct fgw_ike_proposal *p;
		uint16_t plen;
		int rc;

		if (len - off < 8)
			return FGW_IKE_ERR_TRUNCATED;
		plen = ike_get16(h + 2);
		if (plen < 8)
			return FGW_IKE_ERR_SYNTAX;
		if (plen > len - off)
			return FGW_IKE_ERR_TRUNCATED;
		if (h[0] != LAST && h[0] != MORE_PROPOSALS)
			return FGW_IKE_ERR_SYNTAX;
		last = h[0] == LAST;
		if (!ike_spi_len_ok(h[5], h[6]) || h[7] == 0)
			return FGW_IKE_ERR_SYNTAX;
		if (plen - 8 < h[6])
			return FGW_IKE_ERR_TRUNCATED;
		if (sa->n == FGW_IKE_MAX_PROPOSALS)
			return FGW_IKE_ERR_LIMIT;
		p = &sa->p[sa->n++];
		memset(p, 0, sizeof(*p));
		p->num = h[4];
		p->protocol = h[5];
		p->spi_len = h[6];
		memcpy(p->spi, h + 8, h[6]);
		rc = decode_transforms(p, h + 8 + h[6], plen - 8 - h[6], h[7]);
		if (rc != FGW_IKE_OK)
			return rc;
		off += plen;
	}
	return off == len ? FGW_IKE_OK : FGW_IKE_ERR_SYNTAX;
}
