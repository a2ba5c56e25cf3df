/* libFuzzer target for the IKE message codec: fgw_ike_parse on arbitrary
 * datagrams, the summary line of whatever parsed (even in part), and the
 * builder on what parsed.
 *
 * Besides "never crash, never read past the input", it checks that the
 * builder and the parser agree: a parsed message built again must parse,
 * to the same summary, and build back to the same octets. The builder
 * may refuse only a proposal left without transforms (every transform
 * carried attributes we do not know), which the parser keeps empty. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane/ikev2/message.h"
#include "tests/unit/ike/rebuild.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool empty_proposal(const struct fgw_ike_msg *m)
{
	for (unsigned i = 0; m->has_sa && i < m->sa.n; i++)
		if (m->sa.p[i].n_t == 0)
			return true;
	return false;
}

/* The rebuilt message's length; SK (opened with no IV and nothing we
 * could copy) is closed by hand where fgw_ike_sk_seal would. */
static size_t close_message(struct fgw_ike_buf *b)
{
	if (b->sk_off) {
		size_t sk_len = b->len - b->sk_off;

		b->p[b->sk_off + 2] = sk_len >> 8;
		b->p[b->sk_off + 3] = sk_len & 0xff;
		b->sk_off = 0;
	}
	return (size_t)fgw_ike_build_finish(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fgw_ike_msg m, m2;
	static uint8_t again[2 * FGW_IKE_MSG_MAX + 65536], twice[sizeof(again)];
	static char line[1024], line2[1024];
	struct fgw_ike_buf b, b2;
	size_t len, len2;
	int rc;

	rc = fgw_ike_parse(data, size, &m);
	fgw_ike_msg_summary(&m, line, sizeof(line));	/* partial messages too */
	if (rc != FGW_IKE_OK)
		return 0;
	if (m.has_sk && (m.sk_off < FGW_IKE_HDR_LEN || m.sk_off + 4 > size))
		abort();

	ike_rebuild(&m, &b, again, sizeof(again));
	if (b.overflow) {
		if (!empty_proposal(&m)) {
			fprintf(stderr, "the builder refused what parsed: %s\n", line);
			abort();
		}
		return 0;
	}
	len = close_message(&b);
	rc = fgw_ike_parse(again, len, &m2);
	if (rc != FGW_IKE_OK) {
		fprintf(stderr, "rebuilt message does not parse (%s): %s\n",
			fgw_ike_parse_error_str(rc), line);
		abort();
	}
	fgw_ike_msg_summary(&m2, line2, sizeof(line2));
	if (strcmp(line, line2) != 0) {
		fprintf(stderr, "summary changed:\n  %s\n  %s\n", line, line2);
		abort();
	}
	ike_rebuild(&m2, &b2, twice, sizeof(twice));
	len2 = close_message(&b2);
	if (b2.overflow || len2 != len || memcmp(again, twice, len) != 0) {
		fprintf(stderr, "build(parse(build(x))) differs from build(x): %s\n", line);
		abort();
	}
	return 0;
}
