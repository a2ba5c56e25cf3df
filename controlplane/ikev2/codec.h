/* Private to the message codec (parse.c, payloads.c, sa_payload.c,
 * build.c, names.c): big-endian field access and the per-payload decoders.
 * Every reader here takes a pointer and a length its caller has already
 * checked; nothing reads past what it was given. */
#ifndef FGW_IKE_CODEC_H
#define FGW_IKE_CODEC_H

#include "controlplane/ikev2/message.h"

static inline uint16_t ike_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t ike_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t ike_get64(const uint8_t *p)
{
	return (uint64_t)ike_get32(p) << 32 | ike_get32(p + 4);
}

static inline void ike_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void ike_put32(uint8_t *p, uint32_t v)
{
	ike_put16(p, v >> 16);
	ike_put16(p + 2, v & 0xffff);
}

static inline void ike_put64(uint8_t *p, uint64_t v)
{
	ike_put32(p, v >> 32);
	ike_put32(p + 4, v & 0xffffffff);
}

/* ike_payload_decode's answer for a payload type the codec does not know:
 * the chain walker decides by the critical bit. */
#define IKE_PL_UNKNOWN 1

/* Decodes one payload's body (after its generic header) into msg and
 * records its type in msg->order. 0, IKE_PL_UNKNOWN, or a negative
 * enum fgw_ike_parse_error. SK is the walker's, not this. */
int ike_payload_decode(struct fgw_ike_msg *msg, uint8_t type, const uint8_t *body,
		       size_t len);

/* The SA payload's proposals (RFC 7296 3.3). */
int ike_sa_decode(struct fgw_ike_sa_payload *sa, const uint8_t *body, size_t len);

/* SPI sizes a proposal of this protocol may carry (3.3.1): IKE 0 or 8,
 * AH/ESP 4. */
bool ike_spi_len_ok(uint8_t protocol, uint8_t spi_len);

/* A notify's SPI: none, or its protocol's size. The protocol id of a
 * notify about no SA is ignored (3.10), so with no SPI any value passes. */
static inline bool ike_notify_spi_ok(uint8_t protocol, uint8_t spi_len)
{
	if (spi_len == 0)
		return true;
	return protocol != FGW_IKE_PROTO_IKE ? ike_spi_len_ok(protocol, spi_len) : spi_len == 8;
}

#endif
