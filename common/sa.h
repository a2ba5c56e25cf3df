/* One direction of one IPsec SA, as the control plane hands it to a worker.
 *
 * The control plane allocates it (fgw_sa_alloc), fills the plain fields
 * below, derives the key schedule from the negotiated key material
 * (fgw_sa_prepare, dataplane/ipsec/sa.h) and passes the pointer to a worker
 * in struct fgw_msg.obj. From then on the worker reads the first cache
 * line, writes the counters, and either reserves outbound sequence numbers
 * (an atomic add per burst: several workers may send on one SA) or owns the
 * inbound replay window (one worker per inbound SA). The control plane only
 * reads the counters and `state`, and frees the SA (fgw_sa_free, which wipes
 * it) after an RCU grace period.
 *
 * Keys: the raw key material (struct fgw_sa_keys) never enters the SA;
 * the SA holds only the derived key schedule, wiped on free. Nothing here
 * is ever printed. */
#ifndef FGW_SA_H
#define FGW_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include "common/addr.h"
#include "common/sa_drops.h"

/* ---- inbound SPIs ----------------------------------------------------------
 * Inbound SPIs are ours to choose (RFC 4303 section 2.1), so they carry the
 * SA's slot in the inbound table: the lookup is an array index and one
 * compare, never a hash walk.
 *
 *	 31       24 23                                0
 *	+-----------+-----------------------------------+
 *	| generation|        index into the SA table    |
 *	+-----------+-----------------------------------+
 *
 * The generation is a non-zero byte the control plane changes each time it
 * reuses a slot (random is fine), so a stale SPI from a deleted SA does not
 * hit its successor: the lookup compares the whole SPI with the slot's SA.
 * A non-zero high byte also keeps every SPI clear of the reserved range
 * 0..255. */
#define FGW_SPI_INDEX_BITS 24
#define FGW_SPI_INDEX_MASK ((1u << FGW_SPI_INDEX_BITS) - 1)
#define FGW_SPI_MAX_INDEX FGW_SPI_INDEX_MASK

static inline uint32_t fgw_spi_make(uint32_t index, uint8_t generation)
{
	return (uint32_t)generation << FGW_SPI_INDEX_BITS | (index & FGW_SPI_INDEX_MASK);
}

static inline uint32_t fgw_spi_index(uint32_t spi)
{
	return spi & FGW_SPI_INDEX_MASK;
}

static inline uint8_t fgw_spi_generation(uint32_t spi)
{
	return spi >> FGW_SPI_INDEX_BITS;
}

/* ---- algorithms -------------------------------------------------------------
 * Encryption and integrity are separate, as IKEv2 negotiates them (RFC 7296
 * section 3.3.2). AES-GCM is combined mode and takes FGW_INTEG_NONE;
 * AES-CBC always takes an integrity algorithm (no encryption-only SAs). */
enum fgw_cipher {
	FGW_CIPHER_NONE = 0,
	FGW_CIPHER_AES_CBC_128,		/* RFC 3602 */
	FGW_CIPHER_AES_CBC_256,
	FGW_CIPHER_AES_GCM_128,		/* RFC 4106, 16-byte ICV */
	FGW_CIPHER_AES_GCM_256,
	FGW_CIPHER_MAX
};

enum fgw_integ {
	FGW_INTEG_NONE = 0,
	FGW_INTEG_HMAC_SHA1_96,		/* RFC 2404 */
	FGW_INTEG_HMAC_SHA256_128,	/* RFC 4868 */
	FGW_INTEG_HMAC_SHA384_192,
	FGW_INTEG_HMAC_SHA512_256,
	FGW_INTEG_MAX
};

static inline bool fgw_cipher_is_aead(unsigned c)
{
	return c == FGW_CIPHER_AES_GCM_128 || c == FGW_CIPHER_AES_GCM_256;
}

/* Key length without the GCM salt. */
static inline unsigned fgw_cipher_key_len(unsigned c)
{
	switch (c) {
	case FGW_CIPHER_AES_CBC_128: case FGW_CIPHER_AES_GCM_128: return 16;
	case FGW_CIPHER_AES_CBC_256: case FGW_CIPHER_AES_GCM_256: return 32;
	default: return 0;
	}
}

/* RFC 4106 section 8.1: the last 4 bytes of the KEYMAT are the nonce salt. */
#define FGW_GCM_SALT_LEN 4

static inline unsigned fgw_cipher_salt_len(unsigned c)
{
	return fgw_cipher_is_aead(c) ? FGW_GCM_SALT_LEN : 0;
}

/* The IV carried in every packet: a full block for CBC, 8 bytes for GCM. */
static inline unsigned fgw_cipher_iv_len(unsigned c)
{
	if (fgw_cipher_is_aead(c))
		return 8;
	return c == FGW_CIPHER_NONE ? 0 : 16;
}

/* What payload + padding + trailer must be a multiple of: the cipher block
 * for CBC; 4 bytes (RFC 4303 section 2.4) for GCM, a stream mode. */
static inline unsigned fgw_cipher_align(unsigned c)
{
	return fgw_cipher_is_aead(c) ? 4 : 16;
}

static inline unsigned fgw_integ_key_len(unsigned i)
{
	static const uint8_t len[FGW_INTEG_MAX] = { 0, 20, 32, 48, 64 };
	return i < FGW_INTEG_MAX ? len[i] : 0;
}

/* Truncated ICV lengths: 96 bits (RFC 2404), half the hash (RFC 4868 2.3). */
static inline unsigned fgw_integ_icv_len(unsigned i)
{
	static const uint8_t len[FGW_INTEG_MAX] = { 0, 12, 16, 24, 32 };
	return i < FGW_INTEG_MAX ? len[i] : 0;
}

static inline unsigned fgw_sa_icv_len(unsigned cipher, unsigned integ)
{
	return fgw_cipher_is_aead(cipher) ? 16 : fgw_integ_icv_len(integ);
}

static inline const char *fgw_cipher_name(unsigned c)
{
	static const char *const name[FGW_CIPHER_MAX] = {
		"none", "aes-cbc-128", "aes-cbc-256", "aes-gcm-128", "aes-gcm-256",
	};
	return c < FGW_CIPHER_MAX ? name[c] : "?";
}

static inline const char *fgw_integ_name(unsigned i)
{
	static const char *const name[FGW_INTEG_MAX] = {
		"none", "hmac-sha1-96", "hmac-sha256-128", "hmac-sha384-192",
		"hmac-sha512-256",
	};
	return i < FGW_INTEG_MAX ? name[i] : "?";
}

/* FGW_CIPHER_MAX / FGW_INTEG_MAX when the name is unknown. */
static inline unsigned fgw_cipher_by_name(const char *s)
{
	unsigned c;

	for (c = 0; c < FGW_CIPHER_MAX && strcmp(s, fgw_cipher_name(c)); c++)
		;
	return c;
}

static inline unsigned fgw_integ_by_name(const char *s)
{
	unsigned i;

	for (i = 0; i < FGW_INTEG_MAX && strcmp(s, fgw_integ_name(i)); i++)
		;
	return i;
}

/* ---- key material ----------------------------------------------------------
 * As IKEv2 takes it from KEYMAT (RFC 7296 section 2.17): the encryption key
 * (for GCM followed by its salt), then the integrity key. Lengths follow from
 * the algorithms. Lives with the control plane, which wipes it. */
#define FGW_SA_MAX_ENC_KEY (32 + FGW_GCM_SALT_LEN)
#define FGW_SA_MAX_AUTH_KEY 64

struct fgw_sa_keys {
	uint8_t enc[FGW_SA_MAX_ENC_KEY];
	uint8_t auth[FGW_SA_MAX_AUTH_KEY];
};

/* What the worker computes with: AES round keys (and GHASH powers for
 * GCM), the HMAC inner and outer states after one block of key^ipad and
 * key^opad, as IPsec-MB's job API wants them. */
struct fgw_sa_keysched {
	union {
		struct gcm_key_data gcm;
		struct {
			uint8_t enc[16 * 15] __attribute__((aligned(16)));
			uint8_t dec[16 * 15] __attribute__((aligned(16)));
			uint8_t ipad[64] __attribute__((aligned(16)));
			uint8_t opad[64] __attribute__((aligned(16)));
		} cbc;
	};
	uint8_t salt[FGW_GCM_SALT_LEN];
} __attribute__((aligned(64)));

/* ---- the SA ----------------------------------------------------------------- */

enum fgw_sa_mode {
	FGW_SA_TUNNEL = 1,		/* ESP carries a whole IP packet */
	FGW_SA_TRANSPORT,		/* ESP sits after the IP header (GRE) */
};

#define FGW_SA_F_INBOUND	0x01
#define FGW_SA_F_ESN		0x02	/* 64-bit sequence numbers (RFC 4303 2.2.1) */
#define FGW_SA_F_NATT		0x04	/* derived: natt_sport set (`outer` ends in UDP) */

/* Outer header policy (RFC 4301 section 5.1.2.1). */
#define FGW_SA_DSCP_COPY	0xff	/* dscp: copy the inner DSCP (else the value) */
enum fgw_sa_df {
	FGW_SA_DF_COPY = 0,		/* outer IPv4 DF = inner DF (IPv6 inner: set) */
	FGW_SA_DF_SET,
	FGW_SA_DF_CLEAR,
};

/* Limits; 0 means none. Bytes count plaintext (inner) bytes. */
struct fgw_sa_lifetime {
	uint64_t soft_packets, hard_packets;
	uint64_t soft_bytes, hard_bytes;
};

/* `state` bits, set by workers (atomic or), read by the control plane,
 * which polls them to start a rekey (soft) or delete the SA. */
#define FGW_SA_SOFT_EXPIRED	0x01
#define FGW_SA_HARD_EXPIRED	0x02	/* packets are dropped from now on */
#define FGW_SA_SEQ_EXHAUSTED	0x04	/* no sequence numbers left, same */

/* Why an ESP packet was dropped (common/sa_drops.h). 0 is "not dropped",
 * so a verdict array can carry these directly. */
#define FGW_SA_DROPS(X) \
	X(NONE, "not dropped") \
	FGW_SA_DROP_REASONS(X)

enum fgw_sa_drop {
#define X(n, s) FGW_SA_DROP_##n,
	FGW_SA_DROPS(X)
#undef X
	FGW_SA_DROP_MAX
};

static inline const char *fgw_sa_drop_name(unsigned r)
{
	static const char *const name[FGW_SA_DROP_MAX] = {
#define X(n, s) #n,
		FGW_SA_DROPS(X)
#undef X
	};
	return r < FGW_SA_DROP_MAX ? name[r] : "?";
}

static inline const char *fgw_sa_drop_text(unsigned r)
{
	static const char *const text[FGW_SA_DROP_MAX] = {
#define X(n, s) s,
		FGW_SA_DROPS(X)
#undef X
	};
	return r < FGW_SA_DROP_MAX ? text[r] : "?";
}

/* Outbound: updated with atomic adds once per burst (several workers).
 * Inbound: written by the owning worker only. Readers read each 64-bit
 * word on its own (no tearing on x86-64). */
struct fgw_sa_stats {
	uint64_t packets;		/* encapsulated / decapsulated */
	uint64_t bytes;			/* their plaintext (inner) bytes */
	uint64_t drop[FGW_SA_DROP_MAX];
};

/* Anti-replay window, RFC 4303 section 3.4.3 in the bitmap layout of
 * RFC 6479: a ring of 64-bit words, so the window slides by clearing whole
 * words instead of shifting bits. `size` is the window in packets (any
 * value 64..4096; 0 turns replay checking off); the ring has a power of two
 * words, at least one more than the window needs, so the word the top
 * sequence number is in never shares bits with the oldest one still in the
 * window. */
#define FGW_REPLAY_MIN 64
#define FGW_REPLAY_MAX 4096

struct fgw_replay {
	uint64_t top;			/* highest authenticated sequence number */
	uint32_t size;			/* window, packets */
	uint32_t mask;			/* ring words - 1 */
	uint64_t *bits;			/* ring, mask + 1 words (fgw_sa_alloc) */
};

/* Replay ring words kept in the SA's written line (a window of up to 64
 * packets, the usual one) instead of after the SA: one line fewer for
 * every inbound packet of a cold SA. */
#define FGW_SA_RING_INLINE 2

struct fgw_sa {
	/* Read-only once published. This first line is everything per-packet
	 * code reads before the written line, in either direction: the
	 * common fields, then outbound's outer header or inbound's own
	 * fields. With many SAs each is a cold line; an SA costs a packet
	 * two. */
	uint32_t spi;			/* host byte order */
	uint8_t flags;			/* FGW_SA_F_* */
	uint8_t mode;			/* enum fgw_sa_mode */
	uint8_t cipher;			/* enum fgw_cipher */
	uint8_t integ;			/* enum fgw_integ */
	uint8_t iv_len;			/* derived by fgw_sa_prepare */
	uint8_t icv_len;		/* derived */
	uint8_t align;			/* derived: payload alignment */
	uint8_t outer_len;		/* derived: bytes of `outer` used */
	uint8_t dscp;			/* outer DSCP or FGW_SA_DSCP_COPY */
	uint8_t df;			/* enum fgw_sa_df */
	uint16_t outer_sum;		/* derived: ones' complement sum of the
					 * IPv4 `outer` as built (tunnel mode) */
	union {
		/* Outbound, derived: the outer IPv4/IPv6 header (tunnel
		 * mode) and the UDP header (NAT-T) with everything
		 * per-packet left zero. */
		uint8_t outer[40 + 8];
		struct {			/* inbound */
			uint32_t ifindex;	/* its tunnel (fgw_sa_in_add) */
			uint8_t worker;		/* the worker that owns it */
			/* Derived: a copy of `life`, for the per-run test. */
			struct fgw_sa_lifetime life_in;
		};
	};

	/* Not read per packet: `outer` and the copies hold them. */
	struct fgw_sa_lifetime life;	/* copied by fgw_sa_prepare */
	struct fgw_addr src;		/* tunnel endpoints: outbound src is us, */
	struct fgw_addr dst;		/*  inbound dst is us */
	uint8_t ttl;			/* outer TTL / hop limit (tunnel mode) */
	uint16_t natt_sport;		/* RFC 3948 UDP ports, host order; */
	uint16_t natt_dport;		/*  both 0: plain ESP (protocol 50) */

	/* Written per burst. */
	uint32_t state __attribute__((aligned(64)));	/* FGW_SA_*_EXPIRED... (atomic) */
	/* Derived: GCM's salt, a copy of keys.salt on a line the packet
	 * reads anyway, so that building its nonce does not wait for the
	 * key schedule's last line (a cold SA's keys arrive during the
	 * burst, for the crypto call at its end). Wiped on free like the
	 * keys. */
	uint8_t salt[FGW_GCM_SALT_LEN];
	union {
		struct {			/* inbound */
			/* the replay ring when it fits (fgw_sa_alloc) */
			uint64_t ring[FGW_SA_RING_INLINE];
			struct fgw_replay replay;
		};
		struct {			/* outbound */
			uint64_t seq;		/* last used */
			/* Derived: a copy of `life`, for the per-burst test.
			 * It covers `replay`: an outbound SA's window is
			 * fgw_sa_replay_window's 0, not replay.size. */
			struct fgw_sa_lifetime life_out;
		};
	};
	struct fgw_sa_stats stats;

	struct fgw_sa_keysched keys;	/* derived, wiped on free */
	/* Control lcore only: `stats` when counters were last cleared (they
	 * show as stats minus this; lifetimes go by stats itself). */
	struct fgw_sa_stats cleared;
	/* a replay ring too big for `ring` follows (fgw_sa_alloc) */
} __attribute__((aligned(64)));

/* What per-packet code reads of an SA before the written line. */
#define FGW_SA_HOT_END offsetof(struct fgw_sa, life)
_Static_assert(FGW_SA_HOT_END <= 64, "an SA's per-packet fields span 2 lines");
_Static_assert(offsetof(struct fgw_sa, stats.drop) - offsetof(struct fgw_sa, state) <= 64,
	       "an SA's per-packet written fields span 2 lines");
_Static_assert(offsetof(struct fgw_sa, life_out) + sizeof(struct fgw_sa_lifetime) <=
	       offsetof(struct fgw_sa, stats), "outbound's lifetime copy overlaps the counters");

/* The replay window in packets (0: none), outbound SAs included. */
static inline unsigned fgw_sa_replay_window(const struct fgw_sa *sa)
{
	return sa->flags & FGW_SA_F_INBOUND ? sa->replay.size : 0;
}

#endif
