/* IKEv2's cryptography, on OpenSSL 3: Diffie-Hellman, the PRF and prf+,
 * the IKE SA and CHILD SA key derivations (RFC 7296 2.13-2.18), the SK
 * payload's encryption (AES-CBC + HMAC, RFC 7296 3.14; AES-GCM, RFC 5282),
 * the pre-shared-key AUTH value (2.15) and the NAT detection hash (2.23).
 *
 * Key material lives in struct fgw_ike_keys, which the owner wipes
 * (fgw_ike_keys_wipe) before freeing; nothing here logs a key. */
#ifndef FGW_IKE_CRYPTO_H
#define FGW_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "controlplane/ikev2/wire.h"

/* ---- algorithms ------------------------------------------------------------
 * One negotiated IKE SA suite, in IANA transform ids. For AES-GCM integ is
 * FGW_IKE_INTEG_NONE. encr_bits is the AES key length (128 or 256). */
struct fgw_ike_suite {
	uint16_t encr;			/* enum fgw_ike_encr_id */
	uint16_t encr_bits;
	uint16_t integ;			/* enum fgw_ike_integ_id */
	uint16_t prf;			/* enum fgw_ike_prf_id */
	uint16_t dh;			/* IANA group */
};

/* What this build supports (the codec accepts anything; selection asks). */
bool fgw_ike_encr_supported(uint16_t encr, uint16_t bits);
bool fgw_ike_integ_supported(uint16_t integ);
bool fgw_ike_prf_supported(uint16_t prf);
bool fgw_ike_dh_supported(uint16_t group);

/* Lengths in octets. */
size_t fgw_ike_prf_len(uint16_t prf);		/* output = preferred key size */
size_t fgw_ike_integ_key_len(uint16_t integ);
size_t fgw_ike_integ_icv_len(uint16_t integ);	/* truncated output */
/* Encryption key length; AES-GCM adds its 4-octet salt (RFC 5282 7.1). */
size_t fgw_ike_encr_key_len(uint16_t encr, uint16_t bits);
size_t fgw_ike_encr_iv_len(uint16_t encr);	/* in the SK payload: 16 CBC, 8 GCM */
size_t fgw_ike_encr_icv_len(uint16_t encr);	/* GCM_16: 16; CBC: 0 (integ does it) */

/* Names for logs and show: "AES-CBC-256", "SHA512", "DH_GROUP_2048_MODP/Group 14". */
const char *fgw_ike_encr_name(uint16_t encr, uint16_t bits);
const char *fgw_ike_integ_name(uint16_t integ);
const char *fgw_ike_prf_name(uint16_t prf);
const char *fgw_ike_dh_name(uint16_t group);

/* ---- Diffie-Hellman ----------------------------------------------------------
 * KE payload data as RFC 7296 3.4 and its references want it: MODP the
 * public value big-endian, zero-padded to the prime's length; ECP x || y,
 * each padded to the field size (RFC 5903 7); Curve25519 the 32-octet
 * u-coordinate (RFC 8031). */
struct fgw_ike_dh;

/* A fresh key pair; NULL when the group is unsupported or OpenSSL fails. */
struct fgw_ike_dh *fgw_ike_dh_new(uint16_t group);
/* A key pair from a known private value (ECP: the scalar, field-size
 * octets; Curve25519: 32 octets; not MODP), for known-answer tests. */
struct fgw_ike_dh *fgw_ike_dh_new_private(uint16_t group, const uint8_t *priv, size_t len);
uint16_t fgw_ike_dh_group(const struct fgw_ike_dh *dh);
size_t fgw_ike_dh_public_len(uint16_t group);
/* Our public value into out (cap octets). Its length, or -1. */
int fgw_ike_dh_public(const struct fgw_ike_dh *dh, uint8_t *out, size_t cap);
/* The shared secret g^ir with the peer's public value. The peer's value is
 * validated first (RFC 6989: length, MODP 1 < y < p-1, ECP point on the
 * curve, Curve25519 not all-zero result). Its length, or -1 when the
 * value is invalid (the caller answers INVALID_SYNTAX) or OpenSSL fails. */
int fgw_ike_dh_shared(struct fgw_ike_dh *dh, const uint8_t *peer, size_t peer_len,
		      uint8_t *out, size_t cap);
void fgw_ike_dh_free(struct fgw_ike_dh *dh);	/* wipes the private key */

/* ---- PRF ------------------------------------------------------------------ */

#define FGW_IKE_PRF_MAX 64		/* SHA-512 */

struct fgw_ike_chunk {
	const uint8_t *p;
	size_t len;
};

/* prf(key, data[0] | data[1] | ...): fgw_ike_prf_len(prf) octets into out.
 * 0, or -1. */
int fgw_ike_prf(uint16_t prf, const uint8_t *key, size_t key_len,
		const struct fgw_ike_chunk *data, unsigned n, uint8_t *out);
/* prf+(key, seed) of RFC 7296 2.13, out_len octets (at most 255 blocks). */
int fgw_ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len,
		     const struct fgw_ike_chunk *seed, unsigned n, uint8_t *out,
		     size_t out_len);

/* ---- IKE SA keys ------------------------------------------------------------ */

#define FGW_IKE_NONCE_MAX 256		/* RFC 7296 3.9: 16..256 octets */
#define FGW_IKE_DH_MAX 1024		/* MODP-4096 public value / shared secret: 512 */

struct fgw_ike_keys {
	struct fgw_ike_suite suite;
	size_t prf_len, ei_len, ai_len;	/* SK_d/SK_p = prf_len; SK_e = ei_len; SK_a = ai_len */
	uint8_t sk_d[FGW_IKE_PRF_MAX];
	uint8_t sk_ai[FGW_IKE_PRF_MAX], sk_ar[FGW_IKE_PRF_MAX];
	uint8_t sk_ei[32 + 4], sk_er[32 + 4];	/* AES-256 key (+ GCM salt) */
	uint8_t sk_pi[FGW_IKE_PRF_MAX], sk_pr[FGW_IKE_PRF_MAX];
};

/* Initial exchange (2.14):
 *   SKEYSEED = prf(Ni | Nr, g^ir)
 *   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *       = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 * For PRFs with a fixed key size (none of ours), Ni|Nr would be cut; HMAC
 * takes the whole. k->suite must be set; fills the rest. 0, or -1. */
int fgw_ike_keys_derive(struct fgw_ike_keys *k, const uint8_t *g_ir, size_t g_ir_len,
			const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			uint64_t spi_i, uint64_t spi_r);
/* IKE SA rekey (2.18): SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr),
 * with the OLD SA's PRF; then prf+ with the NEW suite's PRF as above.
 * Ni, Nr, SPIi, SPIr are the rekeying exchange's. */
int fgw_ike_keys_derive_rekey(struct fgw_ike_keys *k, const struct fgw_ike_keys *old,
			      const uint8_t *g_ir, size_t g_ir_len,
			      const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			      uint64_t spi_i, uint64_t spi_r);
void fgw_ike_keys_wipe(struct fgw_ike_keys *k);

/* CHILD SA KEYMAT (2.17): prf+(SK_d, [g^ir (new) |] Ni | Nr), len octets;
 * g_ir NULL without PFS. The caller splits it: encryption key (+ salt) and
 * integrity key for initiator->responder, then the same for the reverse. */
int fgw_ike_child_keymat(const struct fgw_ike_keys *k, const uint8_t *g_ir, size_t g_ir_len,
			 const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			 uint8_t *out, size_t len);

/* ---- SK payload ----------------------------------------------------------------
 * `initiator` is our role in the IKE SA: it picks SK_ei/SK_ai (ours when
 * sealing as initiator) or SK_er/SK_ar.
 *
 * Seal: msg holds the IKE header, any outer payloads, the SK generic header
 * at sk_off, iv_len reserved octets, then the plaintext inner chain up to
 * len. Writes a random IV (CBC) or a unique 8-octet IV (GCM: a counter is
 * fine, never reused under one key), pads (pad length octet last), encrypts
 * in place, appends the ICV, fixes the SK payload's and the header's
 * lengths. Returns the message length, or -1 when it would not fit cap.
 * For GCM the AAD is the IKE header through the SK generic header
 * (RFC 5282 5.1); for CBC the ICV covers the header through the ciphertext.
 *
 * Open: msg (len octets, writable) was parsed with fgw_ike_parse and has
 * an SK payload at sk_off. Checks the ICV (constant time) and decrypts in
 * place; *plain / *plain_len are the inner chain without padding.
 * 0; -1 ICV mismatch (authentication failed: drop silently, count);
 * -2 malformed (too short, not block aligned, pad length too long). */
int fgw_ike_sk_seal(const struct fgw_ike_keys *k, bool initiator, uint8_t *msg,
		    size_t sk_off, size_t len, size_t cap);
int fgw_ike_sk_open(const struct fgw_ike_keys *k, bool initiator, uint8_t *msg,
		    size_t len, size_t sk_off, const uint8_t **plain, size_t *plain_len);

/* ---- authentication and NAT detection ----------------------------------------
 * AUTH for a pre-shared key (2.15):
 *   prf(prf(PSK, "Key Pad for IKEv2"), RealMessage | Nonce(peer) |
 *       prf(SK_p(signer), RestOfIDPayload(signer)))
 * `signer_is_initiator` picks SK_pi or SK_pr; real_msg is the signer's
 * IKE_SA_INIT message as sent, nonce the other side's. fgw_ike_prf_len
 * octets into out. 0, or -1. */
int fgw_ike_auth_psk(const struct fgw_ike_keys *k, bool signer_is_initiator,
		     const uint8_t *psk, size_t psk_len,
		     const uint8_t *real_msg, size_t real_msg_len,
		     const uint8_t *nonce, size_t nonce_len,
		     const uint8_t *id_body, size_t id_body_len, uint8_t *out);

/* NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | port), 20 octets
 * (port in host order here, hashed in network order). */
#define FGW_IKE_NAT_HASH_LEN 20
void fgw_ike_nat_hash(uint64_t spi_i, uint64_t spi_r, const struct fgw_addr *addr,
		      uint16_t port, uint8_t out[FGW_IKE_NAT_HASH_LEN]);

/* Random octets (nonces, SPIs, IVs) from OpenSSL's DRBG. 0, or -1. */
int fgw_ike_random(void *out, size_t len);

#endif
