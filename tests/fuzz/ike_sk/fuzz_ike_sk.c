/* libFuzzer target for the decrypted SK payload chain: what
 * fgw_ike_parse_inner sees once fgw_ike_sk_open has authenticated and
 * decrypted a message. The first input octet is the SK payload's Next
 * Payload (the first inner payload's type), the rest the plaintext chain.
 *
 * The outer message is a fixed IKE_AUTH request with an SK payload. As in
 * fuzz_ike, an inner chain that parsed must build again, parse again to
 * the same summary and build back to the same octets.
 *
 * What parsed is then read as FlexVPN reads it (remote-access.json): the
 * IDi resolved to an authorization policy, a CFG_REQUEST answered from its
 * pools (the lease given back), a CFG_REPLY read as the client does, the
 * peer's subnets taken from either. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane/flexvpn/authorization.h"
#include "controlplane/flexvpn/client.h"
#include "controlplane/flexvpn/config_payload.h"
#include "controlplane/flexvpn/pool.h"
#include "controlplane/ikev2/message.h"
#include "tests/unit/ike/rebuild.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fgw_config *cfg;
static struct fgw_pools pools;

/* HDR (IKE_AUTH request 1, next payload SK), SK with 16 octets of "IV". */
static const uint8_t outer[28 + 4 + 16] = {
	1, 2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1,
	FGW_IKE_PL_SK, FGW_IKE_VERSION, FGW_IKE_AUTH, FGW_IKE_FLAG_INITIATOR,
	0, 0, 0, 1, 0, 0, 0, 48,
	FGW_IKE_PL_NONE, 0, 0, 20,
};

static bool empty_proposal(const struct fgw_ike_msg *m)
{
	for (unsigned i = 0; m->has_sa && i < m->sa.n; i++)
		if (m->sa.p[i].n_t == 0)
			return true;
	return false;
}

/* Parses outer, then `inner` as its SK chain starting with `first`. */
static int parse_both(struct fgw_ike_msg *m, const uint8_t *inner, size_t len, uint8_t first)
{
	if (fgw_ike_parse(outer, sizeof(outer), m) != FGW_IKE_OK || !m->has_sk)
		abort();
	return fgw_ike_parse_inner(m, inner, len, first);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	cfg = fgw_config_load_file(FGW_EXAMPLES "/remote-access.json", err, sizeof(err));
	if (cfg == NULL || cfg->ikev2.n_profiles == 0 || fgw_pools_init(&pools, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_ike_sk: %s\n", err);
		abort();
	}
	return 0;
}

static void flexvpn(const struct fgw_ike_msg *m)
{
	static struct fgw_cp_reply reply;
	static struct fgw_cp_client cl;
	struct fgw_ikev2_authz_policy_cfg pol;
	struct fgw_prefix nets[16];
	struct fgw_cp_lease lease;
	char why[256];
	unsigned bad;

	if (m->has_idi &&
	    fgw_authz_resolve(cfg, &cfg->ikev2.profiles[0], m->idi.type, m->idi.data, m->idi.len,
			      &pol, why, sizeof(why)) == FGW_AUTHZ_OK &&
	    m->has_cp && fgw_cp_answer(cfg, &pol, &pools, &m->cp, &reply, &lease) == FGW_CP_OK)
		fgw_cp_lease_release(&lease);
	if (m->has_cp) {
		if (fgw_cp_peer_subnets(&m->cp, nets, sizeof(nets) / sizeof(nets[0]), &bad) > sizeof(nets) / sizeof(nets[0]))
			abort();
		memset(&cl, 0, sizeof(cl));
		fgw_cp_client_read(&m->cp, &cl);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fgw_ike_msg m, m2;
	static uint8_t again[2 * FGW_IKE_MSG_MAX + 65536], twice[sizeof(again)];
	static char line[1024], line2[1024];
	struct fgw_ike_buf b, b2;
	size_t len;
	int rc;

	if (size < 1)
		return 0;
	rc = parse_both(&m, data + 1, size - 1, data[0]);
	fgw_ike_msg_summary(&m, line, sizeof(line));
	if (rc != FGW_IKE_OK)
		return 0;
	flexvpn(&m);

	ike_rebuild(&m, &b, again, sizeof(again));
	if (b.overflow || b.sk_off != 28) {
		if (!b.overflow || !empty_proposal(&m)) {
			fprintf(stderr, "the builder refused what parsed: %s\n", line);
			abort();
		}
		return 0;
	}
	/* the inner chain as built: after SK's generic header (no IV) */
	len = b.len - 32;
	rc = parse_both(&m2, again + 32, len, again[28]);
	if (rc != FGW_IKE_OK) {
		fprintf(stderr, "rebuilt chain does not parse (%s): %s\n",
			fgw_ike_parse_error_str(rc), line);
		abort();
	}
	fgw_ike_msg_summary(&m2, line2, sizeof(line2));
	if (strcmp(line, line2) != 0) {
		fprintf(stderr, "summary changed:\n  %s\n  %s\n", line, line2);
		abort();
	}
	ike_rebuild(&m2, &b2, twice, sizeof(twice));
	if (b2.overflow || b2.len != b.len || memcmp(again, twice, b.len) != 0) {
		fprintf(stderr, "build(parse(build(x))) differs from build(x): %s\n", line);
		abort();
	}
	return 0;
}
