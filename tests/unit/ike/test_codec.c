/* The IKEv2 message codec (controlplane/ikev2/message.h): build -> parse
 * round trips of every payload, strongSwan's own IKE_SA_INIT messages
 * (tests/vectors/ike/), every truncation, bad lengths, the critical bit,
 * duplicates, the limits, and the summary line. Inputs that the parser
 * reads sit in heap buffers of exactly their length, so that ASan (in
 * build-san) catches any read past the end. */
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "controlplane/ikev2/message.h"
#include "tests/unit/ike/rebuild.h"
#include "tests/unit/unit.h"

#define BUF 4096
#define CHECK(cond) EXPECT(cond, "%s", "")

static struct fgw_ike_msg msg;		/* large: not on the stack */
static uint8_t out[BUF];
static const struct fgw_ike_hdr hdr0 = {
	.spi_i = 0x0102030405060708ull, .spi_r = 0, .version = FGW_IKE_VERSION,
	.exchange = FGW_IKE_SA_INIT, .flags = FGW_IKE_FLAG_INITIATOR, .msg_id = 0,
};

/* Parses a copy of p[0..len) that has nothing after it. */
static int parse_exact(const uint8_t *p, size_t len, struct fgw_ike_msg *m)
{
	static uint8_t *copy;
	int rc;

	free(copy);
	copy = malloc(len ? len : 1);
	memcpy(copy, p, len);
	rc = fgw_ike_parse(copy, len, m);
	return rc;
}

static int inner_exact(struct fgw_ike_msg *m, const uint8_t *p, size_t len, uint8_t first)
{
	static uint8_t *copy;

	free(copy);
	copy = malloc(len ? len : 1);
	memcpy(copy, p, len);
	return fgw_ike_parse_inner(m, copy, len, first);
}

static const char *summary(const struct fgw_ike_msg *m)
{
	static char line[512];

	return fgw_ike_msg_summary(m, line, sizeof(line));
}

/* ---- hand-made messages ------------------------------------------------
 * For inputs the builder would refuse: a header, then payloads whose
 * generic headers the caller writes field by field. */
struct raw {
	uint8_t b[BUF];
	size_t n;
};

static void raw_bytes(struct raw *r, const void *p, size_t n)
{
	if (n)
		memcpy(r->b + r->n, p, n);
	r->n += n;
}

static void raw_u8(struct raw *r, uint8_t v) { raw_bytes(r, &v, 1); }

static void raw_u16(struct raw *r, uint16_t v)
{
	raw_u8(r, v >> 8);
	raw_u8(r, v & 0xff);
}

static void raw_hdr(struct raw *r, uint8_t first)
{
	fgw_ike_build_init(&(struct fgw_ike_buf){ 0 }, r->b, sizeof(r->b), &hdr0);
	r->b[16] = first;
	r->n = 28;
}

/* One payload: generic header (next, flags, length) and body. */
static void raw_pl(struct raw *r, uint8_t next, uint8_t flags, const void *body, size_t len)
{
	raw_u8(r, next);
	raw_u8(r, flags);
	raw_u16(r, (uint16_t)(len + 4));
	raw_bytes(r, body, len);
}

static void raw_done(struct raw *r)
{
	r->b[24] = r->n >> 24;
	r->b[25] = r->n >> 16;
	r->b[26] = r->n >> 8;
	r->b[27] = r->n & 0xff;
}

static int raw_parse(struct raw *r)
{
	raw_done(r);
	return parse_exact(r->b, r->n, &msg);
}

static const uint8_t nonce32[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

/* ---- helpers for built messages ---------------------------------------- */

static struct fgw_ike_buf b;

static void start(void)
{
	fgw_ike_build_init(&b, out, sizeof(out), &hdr0);
}

static int finish_parse(void)
{
	int len = fgw_ike_build_finish(&b);

	if (len < 0)
		return 99;
	return parse_exact(out, (size_t)len, &msg);
}

static struct fgw_ike_sa_payload sa_two(void)
{
	struct fgw_ike_sa_payload sa = { .n = 2 };

	sa.p[0] = (struct fgw_ike_proposal){ .num = 1, .protocol = FGW_IKE_PROTO_IKE, .n_t = 4 };
	sa.p[0].t[0] = (struct fgw_ike_transform){ FGW_IKE_TRANS_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 256 };
	sa.p[0].t[1] = (struct fgw_ike_transform){ FGW_IKE_TRANS_INTEG, FGW_IKE_INTEG_HMAC_SHA2_512_256, 0 };
	sa.p[0].t[2] = (struct fgw_ike_transform){ FGW_IKE_TRANS_PRF, FGW_IKE_PRF_HMAC_SHA2_512, 0 };
	sa.p[0].t[3] = (struct fgw_ike_transform){ FGW_IKE_TRANS_DH, 14, 0 };
	sa.p[1] = (struct fgw_ike_proposal){ .num = 2, .protocol = FGW_IKE_PROTO_IKE, .n_t = 3 };
	sa.p[1].t[0] = (struct fgw_ike_transform){ FGW_IKE_TRANS_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 256 };
	sa.p[1].t[1] = (struct fgw_ike_transform){ FGW_IKE_TRANS_PRF, FGW_IKE_PRF_HMAC_SHA2_384, 0 };
	sa.p[1].t[2] = (struct fgw_ike_transform){ FGW_IKE_TRANS_DH, 20, 0 };
	return sa;
}

static bool sa_equal(const struct fgw_ike_sa_payload *a, const struct fgw_ike_sa_payload *c)
{
	if (a->n != c->n)
		return false;
	for (unsigned i = 0; i < a->n; i++) {
		const struct fgw_ike_proposal *p = &a->p[i], *q = &c->p[i];

		if (p->num != q->num || p->protocol != q->protocol || p->spi_len != q->spi_len ||
		    memcmp(p->spi, q->spi, p->spi_len) || p->n_t != q->n_t)
			return false;
		for (unsigned j = 0; j < p->n_t; j++)
			if (p->t[j].type != q->t[j].type || p->t[j].id != q->t[j].id ||
			    p->t[j].key_len != q->t[j].key_len)
				return false;
	}
	return true;
}

/* ---- header --------------------------------------------------------------- */

static bool header_round_trip(void)
{
	struct fgw_ike_hdr h = { .spi_i = 0x1122334455667788ull, .spi_r = 0x99aabbccddeeff00ull,
		.version = FGW_IKE_VERSION, .exchange = FGW_IKE_INFORMATIONAL,
		.flags = FGW_IKE_FLAG_RESPONSE, .msg_id = 0xfedcba98 }, got;
	int len;

	fgw_ike_build_init(&b, out, sizeof(out), &h);
	len = fgw_ike_build_finish(&b);
	EXPECT(len == 28, "%d", len);
	CHECK(fgw_ike_parse_header(out, 28, &got) == 0);
	CHECK(got.spi_i == h.spi_i && got.spi_r == h.spi_r && got.msg_id == h.msg_id);
	CHECK(got.exchange == h.exchange && got.flags == h.flags && got.length == 28);
	CHECK(got.next_payload == FGW_IKE_PL_NONE && got.version == 0x20);
	EXPECT(out[0] == 0x11 && out[7] == 0x88 && out[20] == 0xfe && out[27] == 28,
	       "big-endian on the wire");
	CHECK(parse_exact(out, 28, &msg) == 0 && msg.n_order == 0);
	return true;
}

static bool header_too_short(void)
{
	struct fgw_ike_hdr h;

	start();
	fgw_ike_build_finish(&b);
	for (size_t n = 0; n < 28; n++)
		EXPECT(fgw_ike_parse_header(out, n, &h) == FGW_IKE_ERR_TRUNCATED, "%zu", n);
	return true;
}

static bool header_major_version(void)
{
	start();
	fgw_ike_build_finish(&b);
	out[17] = 0x30;
	CHECK(parse_exact(out, 28, &msg) == FGW_IKE_ERR_VERSION);
	EXPECT(msg.hdr.spi_i == hdr0.spi_i, "header filled for the INVALID_MAJOR_VERSION answer");
	out[17] = 0x10;
	CHECK(parse_exact(out, 28, &msg) == FGW_IKE_ERR_VERSION);
	out[17] = 0x2f;			/* a later minor version is fine */
	CHECK(parse_exact(out, 28, &msg) == 0);
	return true;
}

static bool header_length_field(void)
{
	start();
	fgw_ike_build_vendor(&b, (const uint8_t *)"x", 1);
	fgw_ike_build_finish(&b);
	out[27] = 34;			/* says more than there is */
	CHECK(parse_exact(out, 33, &msg) == FGW_IKE_ERR_TRUNCATED);
	out[27] = 32;			/* says less: a trailing octet */
	CHECK(parse_exact(out, 33, &msg) == FGW_IKE_ERR_SYNTAX);
	out[27] = 20;			/* shorter than the header */
	CHECK(parse_exact(out, 33, &msg) == FGW_IKE_ERR_SYNTAX);
	return true;
}

static bool header_reserved_flags_ignored(void)
{
	start();
	fgw_ike_build_finish(&b);
	out[19] = 0xff;
	CHECK(parse_exact(out, 28, &msg) == 0 && msg.hdr.flags == 0xff);
	return true;
}

/* ---- every payload, built then parsed --------------------------------- */

static bool sa_round_trip(void)
{
	struct fgw_ike_sa_payload sa = sa_two();

	start();
	fgw_ike_build_sa(&b, &sa);
	CHECK(finish_parse() == 0);
	CHECK(msg.has_sa && sa_equal(&msg.sa, &sa));
	/* key length as the TV attribute 0x800e, transform length 12 */
	CHECK(out[28 + 4 + 8] == 3 && out[28 + 4 + 8 + 3] == 12);
	CHECK(out[28 + 4 + 8 + 8] == 0x80 && out[28 + 4 + 8 + 9] == 0x0e);
	return true;
}

static bool sa_child_and_rekey_spis(void)
{
	struct fgw_ike_sa_payload sa = { .n = 2 };

	sa.p[0] = (struct fgw_ike_proposal){ .num = 1, .protocol = FGW_IKE_PROTO_ESP,
		.spi_len = 4, .spi = { 0xc0, 0xff, 0xee, 0x01 }, .n_t = 2 };
	sa.p[0].t[0] = (struct fgw_ike_transform){ FGW_IKE_TRANS_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 128 };
	sa.p[0].t[1] = (struct fgw_ike_transform){ FGW_IKE_TRANS_ESN, FGW_IKE_ESN_NO, 0 };
	sa.p[1] = (struct fgw_ike_proposal){ .num = 2, .protocol = FGW_IKE_PROTO_IKE,
		.spi_len = 8, .spi = { 1, 2, 3, 4, 5, 6, 7, 8 }, .n_t = 1 };
	sa.p[1].t[0] = (struct fgw_ike_transform){ FGW_IKE_TRANS_DH, 31, 0 };
	start();
	fgw_ike_build_sa(&b, &sa);
	CHECK(finish_parse() == 0);
	CHECK(sa_equal(&msg.sa, &sa));
	return true;
}

static bool ke_round_trip(void)
{
	uint8_t pub[256];

	memset(pub, 0xab, sizeof(pub));
	start();
	fgw_ike_build_ke(&b, 14, pub, sizeof(pub));
	CHECK(finish_parse() == 0);
	CHECK(msg.has_ke && msg.ke.group == 14 && msg.ke.len == 256);
	CHECK(memcmp(msg.ke.data, pub, 256) == 0);
	return true;
}

static bool nonce_round_trip_and_bounds(void)
{
	uint8_t n[257] = { 0 };

	start();
	fgw_ike_build_nonce(&b, nonce32, 32);
	CHECK(finish_parse() == 0 && msg.has_nonce && msg.nonce.len == 32);
	CHECK(memcmp(msg.nonce.data, nonce32, 32) == 0);
	for (size_t len = 14; len <= 257; len++) {
		struct raw r;
		bool ok = len >= 16 && len <= 256;

		raw_hdr(&r, FGW_IKE_PL_NONCE);
		raw_pl(&r, 0, 0, n, len);
		EXPECT((raw_parse(&r) == 0) == ok, "nonce of %zu", len);
		start();
		fgw_ike_build_nonce(&b, n, len);
		EXPECT((fgw_ike_build_finish(&b) > 0) == ok, "builder, nonce of %zu", len);
	}
	return true;
}

static bool id_round_trip(void)
{
	static const uint8_t v4[4] = { 192, 0, 2, 1 };

	start();
	fgw_ike_build_id(&b, FGW_IKE_PL_IDI, FGW_IKE_ID_FQDN, (const uint8_t *)"hq.example", 10);
	fgw_ike_build_id(&b, FGW_IKE_PL_IDR, FGW_IKE_ID_IPV4_ADDR, v4, 4);
	CHECK(finish_parse() == 0);
	CHECK(msg.has_idi && msg.idi.type == FGW_IKE_ID_FQDN && msg.idi.len == 10);
	CHECK(memcmp(msg.idi.data, "hq.example", 10) == 0);
	/* RestOfIDPayload: type, three reserved octets, data */
	CHECK(msg.idi.body_len == 14 && msg.idi.body[0] == FGW_IKE_ID_FQDN);
	CHECK(msg.idi.body == msg.raw + 28 + 4 && msg.idi.data == msg.idi.body + 4);
	CHECK(msg.has_idr && msg.idr.type == FGW_IKE_ID_IPV4_ADDR &&
	       memcmp(msg.idr.data, v4, 4) == 0);
	return true;
}

static bool id_address_lengths(void)
{
	static const uint8_t body5[] = { FGW_IKE_ID_IPV4_ADDR, 0, 0, 0, 1, 2, 3, 4, 5 };
	static const uint8_t body6[] = { FGW_IKE_ID_IPV6_ADDR, 0, 0, 0, 1, 2, 3, 4 };
	struct raw r;

	raw_hdr(&r, FGW_IKE_PL_IDI);
	raw_pl(&r, 0, 0, body5, sizeof(body5));
	CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	raw_hdr(&r, FGW_IKE_PL_IDI);
	raw_pl(&r, 0, 0, body6, sizeof(body6));
	CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	start();
	fgw_ike_build_id(&b, FGW_IKE_PL_IDI, FGW_IKE_ID_IPV6_ADDR, body6, 4);
	EXPECT(fgw_ike_build_finish(&b) == -1, "builder refuses too");
	return true;
}

static bool auth_round_trip(void)
{
	uint8_t mac[64];

	memset(mac, 0x5a, sizeof(mac));
	start();
	fgw_ike_build_auth(&b, FGW_IKE_AUTH_SHARED_KEY_MIC, mac, sizeof(mac));
	CHECK(finish_parse() == 0);
	CHECK(msg.has_auth && msg.auth.method == FGW_IKE_AUTH_SHARED_KEY_MIC);
	CHECK(msg.auth.len == 64 && memcmp(msg.auth.data, mac, 64) == 0);
	return true;
}

static bool notify_round_trip(void)
{
	static const uint8_t spi[4] = { 0xde, 0xad, 0xbe, 0xef };
	static const uint8_t hash[20] = { 9, 9, 9 };
	const struct fgw_ike_notify *n;

	start();
	fgw_ike_build_notify(&b, FGW_IKE_PROTO_ESP, spi, 4, FGW_IKE_N_REKEY_SA, NULL, 0);
	fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_NAT_DETECTION_SOURCE_IP, hash, 20);
	CHECK(finish_parse() == 0 && msg.n_notify == 2);
	n = fgw_ike_msg_notify(&msg, FGW_IKE_N_REKEY_SA);
	CHECK(n && n->protocol == FGW_IKE_PROTO_ESP && n->spi_len == 4 &&
	       memcmp(n->spi, spi, 4) == 0 && n->len == 0);
	n = fgw_ike_msg_notify(&msg, FGW_IKE_N_NAT_DETECTION_SOURCE_IP);
	CHECK(n && n->spi_len == 0 && n->len == 20 && memcmp(n->data, hash, 20) == 0);
	CHECK(fgw_ike_msg_notify(&msg, FGW_IKE_N_COOKIE) == NULL);
	return true;
}

static bool notify_spi_sizes(void)
{
	/* protocol, SPI size: which pass */
	static const struct { uint8_t proto, size; bool ok; } cases[] = {
		{ 0, 0, true }, { 9, 0, true }, { FGW_IKE_PROTO_IKE, 0, true },
		{ FGW_IKE_PROTO_IKE, 8, true }, { FGW_IKE_PROTO_IKE, 4, false },
		{ FGW_IKE_PROTO_ESP, 4, true }, { FGW_IKE_PROTO_ESP, 8, false },
		{ FGW_IKE_PROTO_AH, 4, true }, { 0, 4, false },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t body[16] = { cases[i].proto, cases[i].size, 0x40, 0x04 };
		struct raw r;

		raw_hdr(&r, FGW_IKE_PL_NOTIFY);
		raw_pl(&r, 0, 0, body, 4 + cases[i].size);
		EXPECT((raw_parse(&r) == 0) == cases[i].ok, "case %u", i);
	}
	/* an SPI size running past the payload */
	{
		uint8_t body[6] = { FGW_IKE_PROTO_ESP, 4, 0x40, 0x09 };
		struct raw r;

		raw_hdr(&r, FGW_IKE_PL_NOTIFY);
		raw_pl(&r, 0, 0, body, sizeof(body));
		CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	}
	return true;
}

static bool delete_round_trip(void)
{
	static const uint8_t spis[12] = { 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3 };

	start();
	fgw_ike_build_delete(&b, FGW_IKE_PROTO_ESP, spis, 4, 3);
	fgw_ike_build_delete(&b, FGW_IKE_PROTO_IKE, NULL, 0, 0);
	CHECK(finish_parse() == 0 && msg.n_delete == 2);
	CHECK(msg.del[0].protocol == FGW_IKE_PROTO_ESP && msg.del[0].spi_len == 4 &&
	       msg.del[0].n_spi == 3 && memcmp(msg.del[0].spis, spis, 12) == 0);
	CHECK(msg.del[1].protocol == FGW_IKE_PROTO_IKE && msg.del[1].n_spi == 0);
	return true;
}

static bool delete_bad_fields(void)
{
	static const struct { uint8_t body[12]; size_t len; int rc; } cases[] = {
		{ { FGW_IKE_PROTO_IKE, 8, 0, 0 }, 4, FGW_IKE_ERR_SYNTAX },
		{ { FGW_IKE_PROTO_IKE, 0, 0, 1 }, 4, FGW_IKE_ERR_SYNTAX },
		{ { FGW_IKE_PROTO_ESP, 8, 0, 1 }, 12, FGW_IKE_ERR_SYNTAX },
		{ { FGW_IKE_PROTO_ESP, 4, 0, 2 }, 8, FGW_IKE_ERR_TRUNCATED },
		{ { FGW_IKE_PROTO_ESP, 4, 0, 1 }, 12, FGW_IKE_ERR_SYNTAX },
		{ { 7, 4, 0, 1 }, 8, FGW_IKE_ERR_SYNTAX },
		{ { FGW_IKE_PROTO_ESP, 4 }, 3, FGW_IKE_ERR_SYNTAX },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct raw r;
		int rc;

		raw_hdr(&r, FGW_IKE_PL_DELETE);
		raw_pl(&r, 0, 0, cases[i].body, cases[i].len);
		rc = raw_parse(&r);
		EXPECT(rc == cases[i].rc, "case %u: %d", i, rc);
	}
	return true;
}

static bool vendor_round_trip(void)
{
	static const char flex[] = "FLEXVPN-SUPPORTED";

	start();
	fgw_ike_build_vendor(&b, (const uint8_t *)flex, 17);
	fgw_ike_build_vendor(&b, NULL, 0);
	CHECK(finish_parse() == 0 && msg.n_vendor == 2);
	CHECK(msg.vendor[0].len == 17 && memcmp(msg.vendor[0].data, flex, 17) == 0);
	CHECK(msg.vendor[1].len == 0);
	return true;
}

static bool ts_round_trip(void)
{
	struct fgw_ike_ts ts[2] = {
		{ .type = FGW_IKE_TS_IPV4_ADDR_RANGE, .ip_proto = 0, .start_port = 0,
		  .end_port = 65535 },
		{ .type = FGW_IKE_TS_IPV6_ADDR_RANGE, .ip_proto = 6, .start_port = 443,
		  .end_port = 443 },
	};

	fgw_addr_parse("10.1.0.0", &ts[0].start);
	fgw_addr_parse("10.1.255.255", &ts[0].end);
	fgw_addr_parse("2001:db8::", &ts[1].start);
	fgw_addr_parse("2001:db8::ffff", &ts[1].end);
	start();
	fgw_ike_build_ts(&b, FGW_IKE_PL_TSI, ts, 2);
	fgw_ike_build_ts(&b, FGW_IKE_PL_TSR, ts, 1);
	CHECK(finish_parse() == 0);
	CHECK(msg.has_tsi && msg.tsi.n == 2 && msg.has_tsr && msg.tsr.n == 1);
	for (unsigned i = 0; i < 2; i++) {
		const struct fgw_ike_ts *t = &msg.tsi.ts[i];

		EXPECT(t->type == ts[i].type && t->ip_proto == ts[i].ip_proto &&
		       t->start_port == ts[i].start_port && t->end_port == ts[i].end_port, "%u", i);
		EXPECT(fgw_addr_eq(&t->start, &ts[i].start) && fgw_addr_eq(&t->end, &ts[i].end),
		       "%u", i);
	}
	return true;
}

static bool ts_unknown_type_skipped(void)
{
	/* one TS_SECLABEL-like selector (type 10, 8 octets), one IPv4 range */
	static const uint8_t body[] = { 2, 0, 0, 0,
		10, 0, 0, 8, 'l', 'a', 'b', 0,
		7, 17, 0, 16, 0, 53, 0, 53, 192, 0, 2, 0, 192, 0, 2, 255 };
	struct raw r;

	raw_hdr(&r, FGW_IKE_PL_TSR);
	raw_pl(&r, 0, 0, body, sizeof(body));
	CHECK(raw_parse(&r) == 0);
	CHECK(msg.has_tsr && msg.tsr.n == 1 && msg.tsr.ts[0].ip_proto == 17);
	CHECK(msg.tsr.ts[0].start_port == 53 && msg.tsr.ts[0].start.family == AF_INET);
	return true;
}

static bool ts_bad_lengths(void)
{
	static const struct { uint8_t body[48]; size_t len; int rc; } cases[] = {
		/* IPv4 range that says 20 octets */
		{ { 1, 0, 0, 0, 7, 0, 0, 20 }, 24, FGW_IKE_ERR_SYNTAX },
		/* count 2, one selector */
		{ { 2, 0, 0, 0, 7, 0, 0, 16 }, 20, FGW_IKE_ERR_TRUNCATED },
		/* count 1, a second one's worth of octets after */
		{ { 1, 0, 0, 0, 7, 0, 0, 16 }, 36, FGW_IKE_ERR_SYNTAX },
		/* IPv6 range with IPv4's length */
		{ { 1, 0, 0, 0, 8, 0, 0, 16 }, 20, FGW_IKE_ERR_SYNTAX },
		/* selector length past the payload */
		{ { 1, 0, 0, 0, 8, 0, 0, 40 }, 20, FGW_IKE_ERR_TRUNCATED },
		/* unknown type shorter than its own header */
		{ { 1, 0, 0, 0, 9, 0, 0, 2 }, 8, FGW_IKE_ERR_SYNTAX },
		/* shorter than the TS payload header */
		{ { 0, 0, 0 }, 3, FGW_IKE_ERR_SYNTAX },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct raw r;
		int rc;

		raw_hdr(&r, FGW_IKE_PL_TSI);
		raw_pl(&r, 0, 0, cases[i].body, cases[i].len);
		rc = raw_parse(&r);
		EXPECT(rc == cases[i].rc, "case %u: %d", i, rc);
	}
	return true;
}

static bool cp_round_trip(void)
{
	static const uint8_t addr[4] = { 10, 9, 8, 7 };
	struct fgw_ike_cp cp = { .type = FGW_IKE_CFG_REPLY, .n = 3 };

	cp.a[0] = (struct fgw_ike_cp_attr){ .type = 1, .data = addr, .len = 4 };
	cp.a[1] = (struct fgw_ike_cp_attr){ .type = 3, .data = NULL, .len = 0 };
	cp.a[2] = (struct fgw_ike_cp_attr){ .type = 28675, .data = (const uint8_t *)"a.b", .len = 3 };
	start();
	fgw_ike_build_cp(&b, &cp);
	CHECK(finish_parse() == 0 && msg.has_cp);
	CHECK(msg.cp.type == FGW_IKE_CFG_REPLY && msg.cp.n == 3);
	CHECK(msg.cp.a[0].type == 1 && msg.cp.a[0].len == 4 &&
	       memcmp(msg.cp.a[0].data, addr, 4) == 0);
	CHECK(msg.cp.a[1].type == 3 && msg.cp.a[1].len == 0);
	CHECK(msg.cp.a[2].type == 28675 && memcmp(msg.cp.a[2].data, "a.b", 3) == 0);
	return true;
}

static bool cp_reserved_bit_and_lengths(void)
{
	static const uint8_t ok[] = { 1, 0xff, 0xff, 0xff, 0x80, 1, 0, 0 };
	static const uint8_t over[] = { 1, 0, 0, 0, 0, 1, 0, 4, 1, 2, 3 };
	static const uint8_t stub[] = { 1, 0, 0, 0, 0, 1, 0 };
	struct raw r;

	raw_hdr(&r, FGW_IKE_PL_CP);
	raw_pl(&r, 0, 0, ok, sizeof(ok));
	EXPECT(raw_parse(&r) == 0 && msg.cp.n == 1 && msg.cp.a[0].type == 1, "R bit cleared");
	raw_hdr(&r, FGW_IKE_PL_CP);
	raw_pl(&r, 0, 0, over, sizeof(over));
	CHECK(raw_parse(&r) == FGW_IKE_ERR_TRUNCATED);
	raw_hdr(&r, FGW_IKE_PL_CP);
	raw_pl(&r, 0, 0, stub, sizeof(stub));
	CHECK(raw_parse(&r) == FGW_IKE_ERR_TRUNCATED);
	return true;
}

static bool eap_round_trip(void)
{
	static const uint8_t id_req[] = { 1, 7, 0, 5, 1 };
	static const uint8_t bad[] = { 1, 7, 0, 9, 1 };
	struct raw r;

	start();
	fgw_ike_build_eap(&b, id_req, sizeof(id_req));
	CHECK(finish_parse() == 0 && msg.has_eap && msg.eap.len == 5);
	CHECK(memcmp(msg.eap.data, id_req, 5) == 0);
	raw_hdr(&r, FGW_IKE_PL_EAP);
	raw_pl(&r, 0, 0, bad, sizeof(bad));
	EXPECT(raw_parse(&r) == FGW_IKE_ERR_SYNTAX, "EAP length must be the payload's");
	start();
	fgw_ike_build_eap(&b, bad, sizeof(bad));
	CHECK(fgw_ike_build_finish(&b) == -1);
	return true;
}

static bool cert_round_trip(void)
{
	static const uint8_t der[] = { 0x30, 0x82, 0x01, 0x0a };
	static const uint8_t sha1[20] = { 0xaa };

	start();
	fgw_ike_build_cert(&b, FGW_IKE_PL_CERT, 4, der, sizeof(der));
	fgw_ike_build_cert(&b, FGW_IKE_PL_CERTREQ, 4, sha1, sizeof(sha1));
	fgw_ike_build_cert(&b, FGW_IKE_PL_CERTREQ, 4, NULL, 0);
	CHECK(finish_parse() == 0);
	CHECK(msg.n_cert == 1 && msg.cert[0].encoding == 4 && msg.cert[0].len == 4 &&
	       memcmp(msg.cert[0].data, der, 4) == 0);
	CHECK(msg.n_certreq == 2 && msg.certreq[0].len == 20 && msg.certreq[1].len == 0);
	return true;
}

/* ---- SK and the inner chain ---------------------------------------------
 * Without the crypto: the SK payload is opened, the inner chain written in
 * the clear, and the lengths fixed by hand where fgw_ike_sk_seal would. */
static size_t sk_message(size_t iv_len)
{
	struct fgw_ike_hdr h = hdr0;
	struct fgw_ike_sa_payload sa = sa_two();
	struct fgw_ike_ts ts = { .type = FGW_IKE_TS_IPV4_ADDR_RANGE, .end_port = 65535 };
	uint8_t mac[32] = { 0 };
	size_t sk;

	fgw_addr_parse("0.0.0.0", &ts.start);
	fgw_addr_parse("255.255.255.255", &ts.end);
	h.exchange = FGW_IKE_AUTH;
	h.msg_id = 1;
	fgw_ike_build_init(&b, out, sizeof(out), &h);
	fgw_ike_build_sk_open(&b, iv_len);
	sk = b.sk_off;
	fgw_ike_build_id(&b, FGW_IKE_PL_IDI, FGW_IKE_ID_RFC822_ADDR, (const uint8_t *)"a@b.c", 5);
	fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_INITIAL_CONTACT, NULL, 0);
	fgw_ike_build_auth(&b, FGW_IKE_AUTH_SHARED_KEY_MIC, mac, sizeof(mac));
	fgw_ike_build_sa(&b, &sa);
	fgw_ike_build_ts(&b, FGW_IKE_PL_TSI, &ts, 1);
	fgw_ike_build_ts(&b, FGW_IKE_PL_TSR, &ts, 1);
	if (b.overflow || sk != 28)
		return 0;
	out[sk + 2] = (b.len - sk) >> 8;
	out[sk + 3] = (b.len - sk) & 0xff;
	out[26] = b.len >> 8;
	out[27] = b.len & 0xff;
	return b.len;
}

static bool sk_outer_then_inner(void)
{
	size_t len = sk_message(16);
	const uint8_t *plain = out + 28 + 4 + 16;
	size_t plain_len = len - 28 - 4 - 16;

	CHECK(len > 0);
	EXPECT(out[16] == FGW_IKE_PL_SK && out[28] == FGW_IKE_PL_IDI, "SK names the first inner payload");
	CHECK(parse_exact(out, len, &msg) == 0);
	CHECK(msg.has_sk && msg.sk_off == 28 && msg.sk_first == FGW_IKE_PL_IDI);
	EXPECT(!msg.has_idi && !msg.has_sa, "nothing inner before decryption");
	EXPECT(strcmp(summary(&msg), "IKE_AUTH request 1 [ SK ]") == 0, "%s", summary(&msg));
	CHECK(inner_exact(&msg, plain, plain_len, msg.sk_first) == 0);
	CHECK(msg.has_idi && msg.idi.type == FGW_IKE_ID_RFC822_ADDR && msg.has_auth &&
	       msg.auth.len == 32 && msg.has_sa && msg.sa.n == 2 && msg.has_tsi && msg.has_tsr);
	CHECK(fgw_ike_msg_notify(&msg, FGW_IKE_N_INITIAL_CONTACT));
	EXPECT(strcmp(summary(&msg), "IKE_AUTH request 1 [ IDi N(INIT_CONTACT) AUTH SA TSi TSr ]") == 0,
	       "%s", summary(&msg));
	EXPECT(fgw_ike_build_finish(&b) == -1, "finish refuses an open SK");
	return true;
}

static bool sk_empty_inner(void)
{
	struct fgw_ike_hdr h = hdr0;

	h.exchange = FGW_IKE_INFORMATIONAL;
	h.msg_id = 7;
	h.flags = FGW_IKE_FLAG_RESPONSE;
	fgw_ike_build_init(&b, out, sizeof(out), &h);
	fgw_ike_build_sk_open(&b, 8);
	CHECK(!b.overflow && b.len == 28 + 4 + 8);
	out[31] = 12;
	out[27] = 40;
	CHECK(parse_exact(out, 40, &msg) == 0 && msg.sk_first == FGW_IKE_PL_NONE);
	CHECK(inner_exact(&msg, out, 0, FGW_IKE_PL_NONE) == 0);
	EXPECT(strcmp(summary(&msg), "INFORMATIONAL response 7 [ ]") == 0, "%s", summary(&msg));
	EXPECT(inner_exact(&msg, out, 0, FGW_IKE_PL_NONE) == FGW_IKE_ERR_SYNTAX, "only once");
	return true;
}

static bool sk_must_be_last_and_alone(void)
{
	static const uint8_t iv_ct[24] = { 0 };
	uint8_t nbody[4] = { 0, 0, 0x40, 0 };
	struct raw r;

	/* SK shorter than the rest of the message: something follows it */
	raw_hdr(&r, FGW_IKE_PL_SK);
	raw_pl(&r, FGW_IKE_PL_NOTIFY, 0, iv_ct, sizeof(iv_ct));
	raw_pl(&r, 0, 0, nbody, sizeof(nbody));
	CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	/* a plaintext notify before SK */
	raw_hdr(&r, FGW_IKE_PL_NOTIFY);
	raw_pl(&r, FGW_IKE_PL_SK, 0, nbody, sizeof(nbody));
	raw_pl(&r, FGW_IKE_PL_IDI, 0, iv_ct, sizeof(iv_ct));
	CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	/* an unknown non-critical payload before SK is skipped like anywhere */
	raw_hdr(&r, 210);
	raw_pl(&r, FGW_IKE_PL_SK, 0, nbody, sizeof(nbody));
	raw_pl(&r, FGW_IKE_PL_IDI, 0, iv_ct, sizeof(iv_ct));
	CHECK(raw_parse(&r) == 0 && msg.has_sk && msg.sk_off == 36 && msg.n_unknown == 1);
	return true;
}

static bool sk_inside_inner_chain(void)
{
	static const uint8_t inner[] = { FGW_IKE_PL_NONE, 0, 0, 8, 1, 2, 3, 4 };

	CHECK(sk_message(16) > 0 && parse_exact(out, sk_message(16), &msg) == 0);
	CHECK(inner_exact(&msg, inner, sizeof(inner), FGW_IKE_PL_SK) == FGW_IKE_ERR_SYNTAX);
	start();
	fgw_ike_build_vendor(&b, (const uint8_t *)"v", 1);
	CHECK(finish_parse() == 0);
	EXPECT(inner_exact(&msg, inner, sizeof(inner), FGW_IKE_PL_VENDOR) == FGW_IKE_ERR_SYNTAX,
	       "no SK, no inner chain");
	return true;
}

/* ---- the generic chain ---------------------------------------------------- */

static bool critical_unknown_payload(void)
{
	uint8_t body[4] = { 1, 2, 3, 4 };
	struct raw r;

	raw_hdr(&r, FGW_IKE_PL_NONCE);
	raw_pl(&r, 200, 0, nonce32, 32);
	raw_pl(&r, 0, FGW_IKE_CRITICAL, body, sizeof(body));
	CHECK(raw_parse(&r) == FGW_IKE_ERR_CRITICAL);
	EXPECT(msg.unsupported_critical == 200, "%u", msg.unsupported_critical);
	/* SKF (fragments, RFC 7383) is not something we negotiate either */
	raw_hdr(&r, FGW_IKE_PL_SKF);
	raw_pl(&r, 0, FGW_IKE_CRITICAL, body, sizeof(body));
	CHECK(raw_parse(&r) == FGW_IKE_ERR_CRITICAL && msg.unsupported_critical == 53);
	return true;
}

static bool noncritical_unknown_skipped(void)
{
	uint8_t body[7] = { 0 };
	struct raw r;

	raw_hdr(&r, 1);			/* reserved type 1, as a cousin of IKEv1's */
	raw_pl(&r, FGW_IKE_PL_NONCE, 0x7f, body, sizeof(body));
	raw_pl(&r, 255, 0, nonce32, 32);
	raw_pl(&r, 0, 0, NULL, 0);
	CHECK(raw_parse(&r) == 0);
	CHECK(msg.n_unknown == 2 && msg.has_nonce && msg.nonce.len == 32);
	EXPECT(strcmp(summary(&msg), "IKE_SA_INIT request 0 [ No ]") == 0, "%s", summary(&msg));
	return true;
}

static bool critical_bit_on_known_payload_ignored(void)
{
	struct raw r;

	raw_hdr(&r, FGW_IKE_PL_NONCE);
	raw_pl(&r, 0, FGW_IKE_CRITICAL | 0x7f, nonce32, 32);
	CHECK(raw_parse(&r) == 0 && msg.has_nonce);
	return true;
}

static bool generic_header_lengths(void)
{
	struct raw r;

	/* payload length 3 */
	raw_hdr(&r, FGW_IKE_PL_VENDOR);
	raw_u8(&r, 0);
	raw_u8(&r, 0);
	raw_u16(&r, 3);
	CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	/* payload length past the message */
	raw_hdr(&r, FGW_IKE_PL_VENDOR);
	raw_u8(&r, 0);
	raw_u8(&r, 0);
	raw_u16(&r, 9);
	raw_u16(&r, 0);
	CHECK(raw_parse(&r) == FGW_IKE_ERR_TRUNCATED);
	/* next payload says more, nothing follows */
	raw_hdr(&r, FGW_IKE_PL_VENDOR);
	raw_pl(&r, FGW_IKE_PL_VENDOR, 0, "ab", 2);
	CHECK(raw_parse(&r) == FGW_IKE_ERR_TRUNCATED);
	/* octets after the last payload */
	raw_hdr(&r, FGW_IKE_PL_VENDOR);
	raw_pl(&r, 0, 0, "ab", 2);
	raw_u8(&r, 0);
	CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	/* no payload at all but octets */
	raw_hdr(&r, FGW_IKE_PL_NONE);
	raw_u16(&r, 0);
	CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	return true;
}

static bool duplicates(void)
{
	struct fgw_ike_sa_payload sa = sa_two();
	struct fgw_ike_ts ts = { .type = FGW_IKE_TS_IPV4_ADDR_RANGE };
	struct fgw_ike_cp cp = { .type = 1 };
	static const uint8_t eap[] = { 3, 1, 0, 4 };

	ts.start.family = ts.end.family = AF_INET;
	for (int kind = 0; kind < 10; kind++) {
		start();
		for (int twice = 0; twice < 2; twice++) {
			switch (kind) {
			case 0: fgw_ike_build_sa(&b, &sa); break;
			case 1: fgw_ike_build_ke(&b, 19, nonce32, 32); break;
			case 2: fgw_ike_build_nonce(&b, nonce32, 32); break;
			case 3: fgw_ike_build_id(&b, FGW_IKE_PL_IDI, 2, nonce32, 3); break;
			case 4: fgw_ike_build_id(&b, FGW_IKE_PL_IDR, 2, nonce32, 3); break;
			case 5: fgw_ike_build_auth(&b, 2, nonce32, 20); break;
			case 6: fgw_ike_build_ts(&b, FGW_IKE_PL_TSI, &ts, 1); break;
			case 7: fgw_ike_build_ts(&b, FGW_IKE_PL_TSR, &ts, 1); break;
			case 8: fgw_ike_build_cp(&b, &cp); break;
			case 9: fgw_ike_build_eap(&b, eap, sizeof(eap)); break;
			}
			if (twice == 0)
				fgw_ike_build_vendor(&b, NULL, 0);	/* not adjacent */
		}
		EXPECT(finish_parse() == FGW_IKE_ERR_DUPLICATE, "kind %d", kind);
	}
	/* and across the outer/inner boundary: SA outside is refused with SK,
	 * so a second SK inside is the case to check */
	return true;
}

static bool duplicate_across_inner_chain(void)
{
	size_t len = sk_message(16);
	const uint8_t *plain = out + 28 + 4 + 16;
	size_t plain_len = len - 28 - 4 - 16;
	static uint8_t twice[BUF];

	/* the inner chain twice in a row: every single payload repeats */
	memcpy(twice, plain, plain_len);
	memcpy(twice + plain_len, plain, plain_len);
	/* last inner payload (TSr) must now point at IDi */
	CHECK(parse_exact(out, len, &msg) == 0);
	{
		size_t off = 0, last = 0;

		while (off < plain_len) {
			last = off;
			off += (size_t)(twice[off + 2] << 8 | twice[off + 3]);
		}
		twice[last] = FGW_IKE_PL_IDI;
	}
	CHECK(inner_exact(&msg, twice, 2 * plain_len, FGW_IKE_PL_IDI) == FGW_IKE_ERR_DUPLICATE);
	return true;
}

/* ---- limits --------------------------------------------------------------- */

static bool limit_notify_vendor_delete_cert(void)
{
	static const uint8_t spi[4] = { 1 };
	struct {
		unsigned max;
		int kind;
	} l[] = { { FGW_IKE_MAX_NOTIFY, 0 }, { FGW_IKE_MAX_VENDOR, 1 },
		  { FGW_IKE_MAX_DELETE, 2 }, { FGW_IKE_MAX_CERT, 3 }, { FGW_IKE_MAX_CERT, 4 } };

	for (unsigned i = 0; i < 5; i++) {
		for (unsigned n = l[i].max; n <= l[i].max + 1; n++) {
			start();
			for (unsigned k = 0; k < n; k++) {
				switch (l[i].kind) {
				case 0: fgw_ike_build_notify(&b, 0, NULL, 0, 40000 + k, NULL, 0); break;
				case 1: fgw_ike_build_vendor(&b, spi, 4); break;
				case 2: fgw_ike_build_delete(&b, FGW_IKE_PROTO_ESP, spi, 4, 1); break;
				case 3: fgw_ike_build_cert(&b, FGW_IKE_PL_CERT, 4, spi, 4); break;
				case 4: fgw_ike_build_cert(&b, FGW_IKE_PL_CERTREQ, 4, spi, 4); break;
				}
			}
			EXPECT(finish_parse() == (n > l[i].max ? FGW_IKE_ERR_LIMIT : 0),
			       "kind %d, %u of them", l[i].kind, n);
		}
	}
	CHECK(msg.n_order <= FGW_IKE_MAX_ORDER);
	return true;
}

/* An SA payload of n proposals with t transforms each, by hand. */
static void raw_sa(struct raw *r, unsigned n, unsigned t)
{
	struct raw body = { .n = 0 };

	for (unsigned i = 0; i < n; i++) {
		raw_u8(&body, i + 1 == n ? 0 : 2);
		raw_u8(&body, 0);
		raw_u16(&body, (uint16_t)(8 + 8 * t));
		raw_u8(&body, (uint8_t)(i + 1));
		raw_u8(&body, FGW_IKE_PROTO_IKE);
		raw_u8(&body, 0);
		raw_u8(&body, (uint8_t)t);
		for (unsigned j = 0; j < t; j++) {
			raw_u8(&body, j + 1 == t ? 0 : 3);
			raw_u8(&body, 0);
			raw_u16(&body, 8);
			raw_u8(&body, FGW_IKE_TRANS_DH);
			raw_u8(&body, 0);
			raw_u16(&body, (uint16_t)(j + 1));
		}
	}
	raw_hdr(r, FGW_IKE_PL_SA);
	raw_pl(r, 0, 0, body.b, body.n);
}

static bool limit_proposals_and_transforms(void)
{
	struct raw r;

	raw_sa(&r, FGW_IKE_MAX_PROPOSALS, 2);
	CHECK(raw_parse(&r) == 0 && msg.sa.n == FGW_IKE_MAX_PROPOSALS);
	raw_sa(&r, FGW_IKE_MAX_PROPOSALS + 1, 2);
	CHECK(raw_parse(&r) == FGW_IKE_ERR_LIMIT);
	raw_sa(&r, 1, FGW_IKE_MAX_TRANSFORMS);
	CHECK(raw_parse(&r) == 0 && msg.sa.p[0].n_t == FGW_IKE_MAX_TRANSFORMS);
	raw_sa(&r, 1, FGW_IKE_MAX_TRANSFORMS + 1);
	CHECK(raw_parse(&r) == FGW_IKE_ERR_LIMIT);
	return true;
}

static bool limit_ts_and_cp(void)
{
	struct raw r, body;

	for (unsigned n = FGW_IKE_MAX_TS; n <= FGW_IKE_MAX_TS + 1; n++) {
		body.n = 0;
		raw_u8(&body, (uint8_t)n);
		raw_bytes(&body, "\0\0\0", 3);
		for (unsigned i = 0; i < n; i++)
			raw_bytes(&body, "\x07\x00\x00\x10\x00\x00\xff\xff\x0a\x00\x00\x00\x0a\x00\x00\xff", 16);
		raw_hdr(&r, FGW_IKE_PL_TSI);
		raw_pl(&r, 0, 0, body.b, body.n);
		EXPECT(raw_parse(&r) == (n > FGW_IKE_MAX_TS ? FGW_IKE_ERR_LIMIT : 0), "%u", n);
	}
	for (unsigned n = FGW_IKE_MAX_CP_ATTRS; n <= FGW_IKE_MAX_CP_ATTRS + 1; n++) {
		body.n = 0;
		raw_bytes(&body, "\x01\0\0\0", 4);
		for (unsigned i = 0; i < n; i++)
			raw_bytes(&body, "\x00\x03\x00\x00", 4);
		raw_hdr(&r, FGW_IKE_PL_CP);
		raw_pl(&r, 0, 0, body.b, body.n);
		EXPECT(raw_parse(&r) == (n > FGW_IKE_MAX_CP_ATTRS ? FGW_IKE_ERR_LIMIT : 0), "%u", n);
	}
	return true;
}

/* ---- SA payload structure ------------------------------------------------ */

/* One IKE proposal, one ENCR transform with key length, by hand, with
 * fields the caller then breaks. Offsets: proposal at 32, transform 40,
 * attribute at 48. */
static void raw_sa_one(struct raw *r)
{
	static const uint8_t body[] = {
		0, 0, 0, 20, 1, FGW_IKE_PROTO_IKE, 0, 1,
		0, 0, 0, 12, FGW_IKE_TRANS_ENCR, 0, 0, 12, 0x80, 0x0e, 0x01, 0x00,
	};

	raw_hdr(r, FGW_IKE_PL_SA);
	raw_pl(r, 0, 0, body, sizeof(body));
}

static bool sa_structure_checks(void)
{
	static const struct { size_t off; uint8_t v; int rc; } cases[] = {
		{ 32, 2, FGW_IKE_ERR_TRUNCATED },	/* "more proposals", none */
		{ 32, 1, FGW_IKE_ERR_SYNTAX },		/* last substruc neither 0 nor 2 */
		{ 32, 3, FGW_IKE_ERR_SYNTAX },		/* a transform's "more" */
		{ 35, 21, FGW_IKE_ERR_TRUNCATED },	/* proposal length past the SA */
		{ 35, 19, FGW_IKE_ERR_TRUNCATED },	/* shorter than its transform */
		{ 35, 7, FGW_IKE_ERR_SYNTAX },		/* shorter than its own header */
		{ 38, 4, FGW_IKE_ERR_SYNTAX },		/* IKE proposal with a 4-octet SPI */
		{ 37, FGW_IKE_PROTO_ESP, FGW_IKE_ERR_SYNTAX },	/* ESP without its SPI */
		{ 37, 9, FGW_IKE_ERR_SYNTAX },		/* unknown protocol */
		{ 39, 0, FGW_IKE_ERR_SYNTAX },		/* no transforms */
		{ 39, 2, FGW_IKE_ERR_SYNTAX },		/* two said, the first marked last */
		{ 40, 3, FGW_IKE_ERR_SYNTAX },		/* the only transform says "more" */
		{ 40, 2, FGW_IKE_ERR_SYNTAX },		/* a proposal's "more" on a transform */
		{ 43, 13, FGW_IKE_ERR_TRUNCATED },	/* transform past the proposal */
		{ 43, 7, FGW_IKE_ERR_SYNTAX },		/* transform shorter than 8 */
		{ 43, 10, FGW_IKE_ERR_TRUNCATED },	/* cuts its attribute */
		{ 48, 0x00, FGW_IKE_ERR_TRUNCATED },	/* key length as TLV: value 256 long */
	};
	struct raw r;

	raw_sa_one(&r);
	CHECK(raw_parse(&r) == 0 && msg.sa.p[0].t[0].key_len == 256);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		raw_sa_one(&r);
		r.b[cases[i].off] = cases[i].v;
		rc = raw_parse(&r);
		EXPECT(rc == cases[i].rc, "case %u: %d", i, rc);
	}
	return true;
}

static bool sa_transform_count_vs_lengths(void)
{
	/* Num Transforms 1 but two transforms' worth of octets */
	static const uint8_t body[] = {
		0, 0, 0, 24, 1, FGW_IKE_PROTO_IKE, 0, 1,
		0, 0, 0, 8, FGW_IKE_TRANS_DH, 0, 0, 14,
		0, 0, 0, 8, FGW_IKE_TRANS_DH, 0, 0, 19,
	};
	struct raw r;

	raw_hdr(&r, FGW_IKE_PL_SA);
	raw_pl(&r, 0, 0, body, sizeof(body));
	CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	/* and an octet after the last proposal */
	raw_hdr(&r, FGW_IKE_PL_SA);
	raw_pl(&r, 0, 0, body, 17);
	r.b[35] = 16;
	CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	/* an empty SA payload */
	raw_hdr(&r, FGW_IKE_PL_SA);
	raw_pl(&r, 0, 0, NULL, 0);
	CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	return true;
}

static bool sa_attributes(void)
{
	/* ENCR with key length TV then an unknown TV attribute (left out);
	 * ENCR with an unknown TLV attribute (left out); PRF plain; a
	 * second key length (refused). */
	static const uint8_t good[] = {
		0, 0, 0, 44, 1, FGW_IKE_PROTO_IKE, 0, 3,
		3, 0, 0, 16, 1, 0, 0, 12, 0x80, 0x0e, 0x00, 0x80, 0x80, 0x63, 0x00, 0x01,
		3, 0, 0, 12, 1, 0, 0, 20, 0x00, 0x63, 0x00, 0x00,
		0, 0, 0, 8, 2, 0, 0, 5,
	};
	static const uint8_t twice[] = {
		0, 0, 0, 24, 1, FGW_IKE_PROTO_IKE, 0, 1,
		0, 0, 0, 16, 1, 0, 0, 12, 0x80, 0x0e, 0x00, 0x80, 0x80, 0x0e, 0x01, 0x00,
	};
	static const uint8_t tlv_key_len[] = {
		0, 0, 0, 22, 1, FGW_IKE_PROTO_IKE, 0, 1,
		0, 0, 0, 14, 1, 0, 0, 12, 0x00, 0x0e, 0x00, 0x02, 0x01, 0x00,
	};
	struct raw r;

	raw_hdr(&r, FGW_IKE_PL_SA);
	raw_pl(&r, 0, 0, good, sizeof(good));
	CHECK(raw_parse(&r) == 0);
	EXPECT(msg.sa.p[0].n_t == 1 && msg.sa.p[0].t[0].type == FGW_IKE_TRANS_PRF, "%u",
	       msg.sa.p[0].n_t);
	raw_hdr(&r, FGW_IKE_PL_SA);
	raw_pl(&r, 0, 0, twice, sizeof(twice));
	CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	raw_hdr(&r, FGW_IKE_PL_SA);
	raw_pl(&r, 0, 0, tlv_key_len, sizeof(tlv_key_len));
	CHECK(raw_parse(&r) == FGW_IKE_ERR_SYNTAX);
	return true;
}

static bool reserved_fields_ignored(void)
{
	struct fgw_ike_sa_payload sa = sa_two();
	uint8_t pub[32] = { 0 };
	int len;

	start();
	fgw_ike_build_sa(&b, &sa);
	fgw_ike_build_ke(&b, 31, pub, sizeof(pub));
	fgw_ike_build_id(&b, FGW_IKE_PL_IDI, FGW_IKE_ID_FQDN, (const uint8_t *)"x", 1);
	fgw_ike_build_auth(&b, 2, pub, 20);
	len = fgw_ike_build_finish(&b);
	CHECK(len > 0);
	/* generic header reserved bits, proposal and transform RESERVED,
	 * KE / ID / AUTH reserved octets */
	{
		size_t sa_off = 28, p = sa_off + 4, t = p + 8, sa_len = out[sa_off + 3];
		size_t ke = sa_off + (size_t)(out[sa_off + 2] << 8 | sa_len);
		size_t id = ke + (size_t)(out[ke + 2] << 8 | out[ke + 3]);
		size_t auth = id + 4 + 4 + 1;

		out[sa_off + 1] = 0x7f;
		out[p + 1] = 0xff;
		out[t + 1] = 0xff;
		out[t + 5] = 0xff;
		out[ke + 6] = out[ke + 7] = 0xff;
		out[id + 5] = out[id + 6] = out[id + 7] = 0xff;
		out[auth + 5] = out[auth + 6] = out[auth + 7] = 0xff;
	}
	CHECK(parse_exact(out, (size_t)len, &msg) == 0);
	CHECK(sa_equal(&msg.sa, &sa) && msg.ke.group == 31 && msg.idi.len == 1 &&
	       msg.auth.method == 2 && msg.auth.len == 20);
	return true;
}

/* ---- truncation ------------------------------------------------------------
 * Every proper prefix of a valid message, with the header's length made
 * to agree, must be refused; and so must every prefix of an inner chain. */
static bool all_truncations_rejected(void)
{
	size_t len = sk_message(0);
	static uint8_t plain[BUF], copy[BUF];
	size_t plain_len = len - 32;
	struct fgw_ike_sa_payload sa = sa_two();
	int full;

	CHECK(len > 0);
	memcpy(plain, out + 32, plain_len);
	for (size_t n = 0; n < plain_len; n++) {
		CHECK(parse_exact(out, len, &msg) == 0);
		EXPECT(inner_exact(&msg, plain, n, FGW_IKE_PL_IDI) < 0, "inner prefix %zu", n);
	}
	start();
	fgw_ike_build_sa(&b, &sa);
	fgw_ike_build_ke(&b, 19, nonce32, 32);
	fgw_ike_build_nonce(&b, nonce32, 32);
	fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_NAT_DETECTION_SOURCE_IP, nonce32, 20);
	fgw_ike_build_vendor(&b, nonce32, 16);
	full = fgw_ike_build_finish(&b);
	CHECK(full > 0 && parse_exact(out, (size_t)full, &msg) == 0);
	for (size_t n = 0; n < (size_t)full; n++) {
		memcpy(copy, out, n);
		if (n >= 28) {
			copy[24] = copy[25] = 0;
			copy[26] = n >> 8;
			copy[27] = n & 0xff;
		}
		EXPECT(parse_exact(copy, n, &msg) < 0, "prefix %zu", n);
	}
	return true;
}

/* ---- the builder ---------------------------------------------------------- */

static bool builder_next_payload_chain(void)
{
	int len;

	start();
	fgw_ike_build_nonce(&b, nonce32, 16);
	fgw_ike_build_vendor(&b, nonce32, 1);
	fgw_ike_build_notify(&b, 0, NULL, 0, FGW_IKE_N_COOKIE, nonce32, 8);
	len = fgw_ike_build_finish(&b);
	EXPECT(len == 28 + 20 + 5 + 16, "%d", len);
	CHECK(out[16] == FGW_IKE_PL_NONCE);
	CHECK(out[28] == FGW_IKE_PL_VENDOR && out[31] == 20);
	CHECK(out[48] == FGW_IKE_PL_NOTIFY && out[51] == 5);
	CHECK(out[53] == FGW_IKE_PL_NONE && out[56] == 16);
	EXPECT(out[54] == 0 && out[29] == 0, "critical bit clear");
	CHECK(out[27] == len);
	return true;
}

static bool builder_overflow_is_sticky(void)
{
	uint8_t small[64 + 16];
	struct fgw_ike_buf sb;

	memset(small, 0xee, sizeof(small));
	fgw_ike_build_init(&sb, small, 64, &hdr0);
	fgw_ike_build_nonce(&sb, nonce32, 32);		/* 28 + 36 = 64: fits */
	CHECK(!sb.overflow && sb.len == 64);
	fgw_ike_build_vendor(&sb, NULL, 0);		/* 4 more: does not */
	CHECK(sb.overflow && sb.len == 64);
	fgw_ike_build_vendor(&sb, NULL, 0);
	CHECK(fgw_ike_build_finish(&sb) == -1);
	for (size_t i = 64; i < sizeof(small); i++)
		EXPECT(small[i] == 0xee, "wrote at %zu", i);
	EXPECT(small[16] == FGW_IKE_PL_NONCE && small[28] == FGW_IKE_PL_NONE,
	       "the failed payload left no trace in the chain");
	fgw_ike_build_init(&sb, small, 20, &hdr0);
	EXPECT(sb.overflow && fgw_ike_build_finish(&sb) == -1, "no room for the header");
	return true;
}

static bool builder_refuses_what_parser_refuses(void)
{
	struct fgw_ike_sa_payload sa = sa_two(), empty = { .n = 0 };
	struct fgw_ike_ts ts = { .type = FGW_IKE_TS_IPV6_ADDR_RANGE };
	static uint8_t big[2 * FGW_IKE_MSG_MAX], data[FGW_IKE_MSG_MAX];
	struct fgw_ike_buf bb;

	ts.start.family = ts.end.family = AF_INET;
	start();
	fgw_ike_build_sa(&b, &empty);
	EXPECT(fgw_ike_build_finish(&b) == -1, "empty SA");
	sa.p[0].spi_len = 4;
	start();
	fgw_ike_build_sa(&b, &sa);
	EXPECT(fgw_ike_build_finish(&b) == -1, "IKE proposal with a 4-octet SPI");
	start();
	fgw_ike_build_ts(&b, FGW_IKE_PL_TSI, &ts, 1);
	EXPECT(fgw_ike_build_finish(&b) == -1, "IPv6 range with IPv4 addresses");
	start();
	fgw_ike_build_delete(&b, FGW_IKE_PROTO_IKE, nonce32, 4, 1);
	EXPECT(fgw_ike_build_finish(&b) == -1, "IKE delete with SPIs");
	start();
	fgw_ike_build_notify(&b, FGW_IKE_PROTO_ESP, nonce32, 8, 1, NULL, 0);
	EXPECT(fgw_ike_build_finish(&b) == -1, "ESP notify with an 8-octet SPI");
	/* a message of FGW_IKE_MSG_MAX octets, in a larger buffer; one more
	 * octet does not fit, and the parser refuses such a message too */
	fgw_ike_build_init(&bb, big, sizeof(big), &hdr0);
	fgw_ike_build_vendor(&bb, data, FGW_IKE_MSG_MAX - 32);
	CHECK(fgw_ike_build_finish(&bb) == FGW_IKE_MSG_MAX);
	CHECK(parse_exact(big, FGW_IKE_MSG_MAX, &msg) == 0);
	fgw_ike_build_init(&bb, big, sizeof(big), &hdr0);
	fgw_ike_build_vendor(&bb, data, FGW_IKE_MSG_MAX - 31);
	EXPECT(bb.overflow && fgw_ike_build_finish(&bb) == -1, "over FGW_IKE_MSG_MAX");
	big[24] = 0;
	big[25] = 0;
	big[26] = (FGW_IKE_MSG_MAX + 1) >> 8;
	big[27] = (FGW_IKE_MSG_MAX + 1) & 0xff;
	big[16] = FGW_IKE_PL_VENDOR;
	big[30] = (FGW_IKE_MSG_MAX + 1 - 28) >> 8;
	big[31] = (FGW_IKE_MSG_MAX + 1 - 28) & 0xff;
	CHECK(parse_exact(big, FGW_IKE_MSG_MAX + 1, &msg) == FGW_IKE_ERR_LIMIT);
	start();
	fgw_ike_build_sk_open(&b, 16);
	fgw_ike_build_sk_open(&b, 16);
	EXPECT(b.overflow, "two SK payloads");
	return true;
}

/* ---- strongSwan's messages ------------------------------------------------
 * tests/vectors/ike/messages.txt (capture.py): two charons bringing up,
 * rekeying and deleting SAs, each message with charon's own summary and,
 * when encrypted, its decrypted inner chain; then messages-flexgw.txt
 * (capture.py --flexgw): charon behind a NAT and flexgw in the interop
 * topology, the same exchanges with flexgw's own messages among them. The
 * checks that walk every vector (summaries, rebuild, truncations) cover
 * both; the field checks read the charon <-> charon ones by index. */
struct vector {
	char summary[256];
	uint8_t msg[2048], inner[2048];
	size_t msg_len, inner_len;
};

#define MAX_VEC 48
static struct vector vec[MAX_VEC];
static unsigned n_vec;

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (n < cap && sscanf(s + 2 * n, "%2x", &v) == 1)
		out[n++] = (uint8_t)v;
	return n;
}

static bool load_file(const char *path)
{
	FILE *f = fopen(path, "r");
	static char line[8192];
	unsigned first = n_vec;

	EXPECT(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "msg ", 4) == 0 && n_vec < MAX_VEC)
			snprintf(vec[n_vec++].summary, sizeof(vec[0].summary), "%.255s", line + 4);
		else if (strncmp(line, "hex ", 4) == 0 && n_vec)
			vec[n_vec - 1].msg_len = unhex(line + 4, vec[n_vec - 1].msg, 2048);
		else if (strncmp(line, "inner ", 6) == 0 && n_vec)
			vec[n_vec - 1].inner_len = unhex(line + 6, vec[n_vec - 1].inner, 2048);
	}
	fclose(f);
	EXPECT(n_vec - first >= 14, "%s: %u messages", path, n_vec - first);
	return true;
}

static bool load_vectors(void)
{
	return load_file(FGW_IKE_VECTORS "/messages.txt") &&
	       load_file(FGW_IKE_VECTORS "/messages-flexgw.txt");
}

/* Parses vector v completely (the inner chain too). */
static int parse_vector(const struct vector *v)
{
	int rc = parse_exact(v->msg, v->msg_len, &msg);

	if (rc != 0 || !msg.has_sk)
		return rc;
	return inner_exact(&msg, v->inner, v->inner_len, msg.sk_first);
}

static bool strongswan_summaries(void)
{
	EXPECT(n_vec, "no vectors");
	for (unsigned i = 0; i < n_vec; i++) {
		const struct vector *v = &vec[i];
		int rc = parse_exact(v->msg, v->msg_len, &msg);

		EXPECT(rc == 0, "message %u: %s", i, fgw_ike_parse_error_str(rc));
		EXPECT(msg.has_sk == (v->inner_len > 0 || msg.hdr.exchange != FGW_IKE_SA_INIT),
		       "message %u", i);
		EXPECT(parse_vector(v) == 0, "message %u inner", i);
		EXPECT(strcmp(summary(&msg), v->summary) == 0, "message %u: ours \"%.200s\", charon's \"%.200s\"",
		       i, summary(&msg), v->summary);
		CHECK(msg.n_unknown == 0);
	}
	return true;
}

static bool strongswan_sa_init_fields(void)
{
	const struct fgw_ike_notify *n;
	const struct fgw_ike_proposal *p;
	unsigned chosen;
	bool found = false;

	CHECK(n_vec >= 4);
	/* a's first try: ECP-384 with AES-GCM first, MODP-2048 second */
	CHECK(parse_vector(&vec[0]) == 0);
	CHECK(msg.hdr.exchange == FGW_IKE_SA_INIT && msg.hdr.msg_id == 0 &&
	       msg.hdr.flags == FGW_IKE_FLAG_INITIATOR && msg.hdr.spi_r == 0);
	EXPECT(msg.sa.n == 2, "%u proposals", msg.sa.n);
	p = &msg.sa.p[0];
	CHECK(p->num == 1 && p->protocol == FGW_IKE_PROTO_IKE && p->spi_len == 0);
	CHECK(p->t[0].type == FGW_IKE_TRANS_ENCR && p->t[0].id == FGW_IKE_ENCR_ID_AES_GCM_16 &&
	       p->t[0].key_len == 256);
	p = &msg.sa.p[1];
	CHECK(p->num == 2 && p->t[0].id == FGW_IKE_ENCR_ID_AES_CBC && p->t[0].key_len == 256);
	EXPECT(msg.ke.group == 20 && msg.ke.len == 96, "group %u, %u octets", msg.ke.group, msg.ke.len);
	CHECK(msg.nonce.len == 32);
	n = fgw_ike_msg_notify(&msg, FGW_IKE_N_NAT_DETECTION_SOURCE_IP);
	EXPECT(n && n->len == 20, "SHA-1 of SPIs, address and port");
	EXPECT(msg.n_vendor == 1 && msg.vendor[0].len == 17 &&
	       memcmp(msg.vendor[0].data, "FLEXVPN-SUPPORTED", 17) == 0, "cisco_flexvpn = yes");
	/* b: INVALID_KE_PAYLOAD with the group it wants (2 octets) */
	CHECK(parse_vector(&vec[1]) == 0);
	n = fgw_ike_msg_notify(&msg, FGW_IKE_N_INVALID_KE_PAYLOAD);
	CHECK(n && n->len == 2 && n->data[0] == 0 && n->data[1] == 14);
	CHECK(msg.hdr.flags == FGW_IKE_FLAG_RESPONSE);
	/* the second try and b's answer: MODP-2048, b's choice being one of
	 * a's proposals with that group */
	CHECK(parse_vector(&vec[3]) == 0 && msg.ke.group == 14 && msg.sa.n == 1 &&
	      msg.hdr.spi_r != 0);
	chosen = msg.sa.p[0].num;
	CHECK(parse_vector(&vec[2]) == 0 && msg.ke.group == 14 && msg.ke.len == 256);
	for (unsigned i = 0; i < msg.sa.n; i++)
		if (msg.sa.p[i].num == chosen)
			for (unsigned j = 0; j < msg.sa.p[i].n_t; j++)
				found |= msg.sa.p[i].t[j].type == FGW_IKE_TRANS_DH &&
					 msg.sa.p[i].t[j].id == 14;
	EXPECT(found, "b chose proposal %u", chosen);
	return true;
}

static bool strongswan_ike_auth_fields(void)
{
	CHECK(n_vec >= 6);
	CHECK(parse_vector(&vec[4]) == 0);
	CHECK(msg.idi.type == FGW_IKE_ID_FQDN && msg.idi.len == 9 &&
	       memcmp(msg.idi.data, "a.example", 9) == 0);
	CHECK(msg.idi.body_len == 13 && msg.idi.body == msg.idi.data - 4);
	EXPECT(msg.auth.method == FGW_IKE_AUTH_SHARED_KEY_MIC && msg.auth.len == 64, "SHA-512 PRF");
	CHECK(msg.sa.n == 2 && msg.sa.p[0].protocol == FGW_IKE_PROTO_ESP &&
	       msg.sa.p[0].spi_len == 4);
	CHECK(msg.tsi.n == 1 && msg.tsi.ts[0].start.v4 == htonl(0x0a010001) &&
	       msg.tsi.ts[0].end.v4 == htonl(0x0a010001) && msg.tsi.ts[0].end_port == 65535);
	CHECK(msg.tsr.ts[0].start.v4 == htonl(0x0a020001));
	return true;
}

/* Built again from what parsed, each message is octet for octet what
 * charon sent: the plaintext ones whole, the encrypted ones' inner chains. */
static bool strongswan_rebuild_identical(void)
{
	static uint8_t again[BUF];

	for (unsigned i = 0; i < n_vec; i++) {
		const struct vector *v = &vec[i];
		struct fgw_ike_buf rb;

		EXPECT(parse_vector(v) == 0, "%u", i);
		ike_rebuild(&msg, &rb, again, sizeof(again));
		EXPECT(!rb.overflow, "%u", i);
		if (msg.has_sk) {
			EXPECT(rb.len - 32 == v->inner_len &&
			       memcmp(again + 32, v->inner, v->inner_len) == 0, "message %u inner", i);
			EXPECT(again[28] == msg.sk_first, "%u", i);
		} else {
			EXPECT(fgw_ike_build_finish(&rb) == (int)v->msg_len &&
			       memcmp(again, v->msg, v->msg_len) == 0, "message %u", i);
		}
	}
	return true;
}

static bool strongswan_truncations(void)
{
	static uint8_t copy[2048];

	for (unsigned i = 0; i < n_vec; i++) {
		const struct vector *v = &vec[i];

		for (size_t n = 0; n < v->msg_len; n++) {
			memcpy(copy, v->msg, n);
			if (n >= 28) {
				copy[24] = copy[25] = 0;
				copy[26] = n >> 8;
				copy[27] = n & 0xff;
			}
			EXPECT(parse_exact(copy, n, &msg) < 0, "message %u cut to %zu", i, n);
		}
		for (size_t n = 0; v->inner_len && n < v->inner_len; n++) {
			CHECK(parse_exact(v->msg, v->msg_len, &msg) == 0);
			EXPECT(inner_exact(&msg, v->inner, n, msg.sk_first) < 0,
			       "message %u inner cut to %zu", i, n);
		}
	}
	return true;
}

/* ---- names and summaries -------------------------------------------------- */

static bool names(void)
{
	CHECK(strcmp(fgw_ike_exchange_name(FGW_IKE_SA_INIT), "IKE_SA_INIT") == 0);
	CHECK(strcmp(fgw_ike_exchange_name(FGW_IKE_CREATE_CHILD_SA), "CREATE_CHILD_SA") == 0);
	CHECK(strcmp(fgw_ike_exchange_name(99), "UNKNOWN_EXCHANGE") == 0);
	CHECK(strcmp(fgw_ike_notify_name(FGW_IKE_N_INVALID_KE_PAYLOAD), "INVAL_KE") == 0);
	CHECK(strcmp(fgw_ike_notify_name(FGW_IKE_N_NAT_DETECTION_DESTINATION_IP), "NATD_D_IP") == 0);
	CHECK(strcmp(fgw_ike_notify_name(12345), "UNKNOWN_NOTIFY") == 0);
	for (int e = FGW_IKE_ERR_DUPLICATE; e <= 0; e++)
		for (int f = FGW_IKE_ERR_DUPLICATE; f < e; f++)
			EXPECT(strcmp(fgw_ike_parse_error_str(e), fgw_ike_parse_error_str(f)) != 0,
			       "%d %d", e, f);
	CHECK(strcmp(fgw_ike_parse_error_str(FGW_IKE_ERR_CRITICAL), "unsupported critical payload") == 0);
	return true;
}

static bool summary_lines(void)
{
	struct fgw_ike_hdr h = hdr0;
	struct fgw_ike_cp cp = { .type = FGW_IKE_CFG_REQUEST, .n = 3 };
	static const uint8_t eap[] = { 2, 1, 0, 6, 26, 0 };
	static const uint8_t dom[1];
	char tiny[12];

	cp.a[0].type = 1;
	cp.a[1].type = 3;
	cp.a[2].type = 28674;
	cp.a[2].data = dom;
	h.exchange = FGW_IKE_AUTH;
	h.flags = FGW_IKE_FLAG_RESPONSE;
	h.msg_id = 3;
	fgw_ike_build_init(&b, out, sizeof(out), &h);
	fgw_ike_build_cp(&b, &cp);
	fgw_ike_build_eap(&b, eap, sizeof(eap));
	fgw_ike_build_notify(&b, 0, NULL, 0, 40001, NULL, 0);
	fgw_ike_build_delete(&b, FGW_IKE_PROTO_IKE, NULL, 0, 0);
	fgw_ike_build_cert(&b, FGW_IKE_PL_CERTREQ, 4, NULL, 0);
	CHECK(finish_parse() == 0);
	EXPECT(strcmp(summary(&msg), "IKE_AUTH response 3 [ CPRQ(ADDR DNS 28674) EAP/RES/26 N(40001) D CERTREQ ]") == 0,
	       "%s", summary(&msg));
	EXPECT(strcmp(fgw_ike_msg_summary(&msg, tiny, sizeof(tiny)), "IKE_AUTH re") == 0,
	       "cut to the buffer: %s", tiny);
	CHECK(fgw_ike_msg_summary(&msg, tiny, 0) == tiny);
	h.exchange = 50;
	h.flags = 0;
	fgw_ike_build_init(&b, out, sizeof(out), &h);
	CHECK(finish_parse() == 0);
	EXPECT(strcmp(summary(&msg), "UNKNOWN_EXCHANGE(50) request 3 [ ]") == 0, "%s", summary(&msg));
	return true;
}

int main(void)
{
	RUN(header_round_trip);
	RUN(header_too_short);
	RUN(header_major_version);
	RUN(header_length_field);
	RUN(header_reserved_flags_ignored);
	RUN(sa_round_trip);
	RUN(sa_child_and_rekey_spis);
	RUN(ke_round_trip);
	RUN(nonce_round_trip_and_bounds);
	RUN(id_round_trip);
	RUN(id_address_lengths);
	RUN(auth_round_trip);
	RUN(notify_round_trip);
	RUN(notify_spi_sizes);
	RUN(delete_round_trip);
	RUN(delete_bad_fields);
	RUN(vendor_round_trip);
	RUN(ts_round_trip);
	RUN(ts_unknown_type_skipped);
	RUN(ts_bad_lengths);
	RUN(cp_round_trip);
	RUN(cp_reserved_bit_and_lengths);
	RUN(eap_round_trip);
	RUN(cert_round_trip);
	RUN(sk_outer_then_inner);
	RUN(sk_empty_inner);
	RUN(sk_must_be_last_and_alone);
	RUN(sk_inside_inner_chain);
	RUN(critical_unknown_payload);
	RUN(noncritical_unknown_skipped);
	RUN(critical_bit_on_known_payload_ignored);
	RUN(generic_header_lengths);
	RUN(duplicates);
	RUN(duplicate_across_inner_chain);
	RUN(limit_notify_vendor_delete_cert);
	RUN(limit_proposals_and_transforms);
	RUN(limit_ts_and_cp);
	RUN(sa_structure_checks);
	RUN(sa_transform_count_vs_lengths);
	RUN(sa_attributes);
	RUN(reserved_fields_ignored);
	RUN(all_truncations_rejected);
	RUN(builder_next_payload_chain);
	RUN(builder_overflow_is_sticky);
	RUN(builder_refuses_what_parser_refuses);
	RUN(names);
	RUN(summary_lines);
	RUN(load_vectors);
	RUN(strongswan_summaries);
	RUN(strongswan_sa_init_fields);
	RUN(strongswan_ike_auth_fields);
	RUN(strongswan_rebuild_identical);
	RUN(strongswan_truncations);
	return unit_summary();
}
