/* flexgw's IKE crypto on hex arguments, for tests/unit/test_ike_crypto_py.py,
 * which checks each answer against an independent implementation (Python's
 * hmac/hashlib and the cryptography package). Test keys only.
 *
 *   keys PRF ENCR BITS INTEG GIR NI NR SPII SPIR   -> name=hex per key
 *   keymat PRF SK_D GIR|- NI NR LEN                -> hex
 *   seal|open SUITE ROLE SK_EI SK_AI SK_ER SK_AR MSG SK_OFF
 *        SUITE = ENCR,BITS,INTEG,PRF; ROLE = i|r   -> hex (open: plain)
 *   auth PRF SK_P PSK REALMSG NONCE IDBODY         -> hex
 *   natd SPII SPIR ADDR PORT                       -> hex
 *   dh GROUP PEER                                  -> pub=hex shared=hex */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane/ikev2/crypto.h"

#define BUF 4096

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (!strcmp(s, "-"))
		return 0;
	while (s[0] && s[1] && n < cap) {
		if (sscanf(s, "%2hhx", &out[n]) != 1)
			exit(2);
		n++;
		s += 2;
	}
	if (*s)
		exit(2);
	return n;
}

static void puthex(const char *name, const uint8_t *p, size_t n)
{
	if (name)
		printf("%s=", name);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static uint64_t be64(const char *s)
{
	uint8_t b[8];
	uint64_t v = 0;

	if (unhex(s, b, 8) != 8)
		exit(2);
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static int keys(char **a)
{
	static uint8_t g[BUF], ni[BUF], nr[BUF];
	struct fgw_ike_keys k = { .suite = { (uint16_t)atoi(a[1]), (uint16_t)atoi(a[2]),
					     (uint16_t)atoi(a[3]), (uint16_t)atoi(a[0]), 0 } };
	size_t gl = unhex(a[4], g, BUF), nil = unhex(a[5], ni, BUF), nrl = unhex(a[6], nr, BUF);

	if (fgw_ike_keys_derive(&k, g, gl, ni, nil, nr, nrl, be64(a[7]), be64(a[8])))
		return 1;
	puthex("sk_d", k.sk_d, k.prf_len);
	puthex("sk_ai", k.sk_ai, k.ai_len);
	puthex("sk_ar", k.sk_ar, k.ai_len);
	puthex("sk_ei", k.sk_ei, k.ei_len);
	puthex("sk_er", k.sk_er, k.ei_len);
	puthex("sk_pi", k.sk_pi, k.prf_len);
	puthex("sk_pr", k.sk_pr, k.prf_len);
	fgw_ike_keys_wipe(&k);
	return 0;
}

static int keymat(char **a)
{
	static uint8_t g[BUF], ni[BUF], nr[BUF], out[BUF];
	struct fgw_ike_keys k = { .suite = { .prf = (uint16_t)atoi(a[0]) } };
	size_t gl = unhex(a[2], g, BUF), nil = unhex(a[3], ni, BUF), nrl = unhex(a[4], nr, BUF);
	size_t len = (size_t)atoi(a[5]);

	k.prf_len = unhex(a[1], k.sk_d, sizeof(k.sk_d));
	if (len > BUF || fgw_ike_child_keymat(&k, strcmp(a[2], "-") ? g : NULL, gl, ni, nil, nr,
					      nrl, out, len))
		return 1;
	puthex(NULL, out, len);
	return 0;
}

static int sk(bool seal, char **a)
{
	static uint8_t msg[BUF];
	struct fgw_ike_keys k = { 0 };
	unsigned encr, bits, integ, prf;
	size_t len, sk_off = (size_t)atoi(a[7]);
	const uint8_t *plain;
	size_t plain_len;
	int rc;

	if (sscanf(a[0], "%u,%u,%u,%u", &encr, &bits, &integ, &prf) != 4)
		return 2;
	k.suite = (struct fgw_ike_suite){ (uint16_t)encr, (uint16_t)bits, (uint16_t)integ,
					  (uint16_t)prf, 0 };
	k.prf_len = fgw_ike_prf_len(k.suite.prf);
	k.ei_len = unhex(a[2], k.sk_ei, sizeof(k.sk_ei));
	k.ai_len = unhex(a[3], k.sk_ai, sizeof(k.sk_ai));
	unhex(a[4], k.sk_er, sizeof(k.sk_er));
	unhex(a[5], k.sk_ar, sizeof(k.sk_ar));
	len = unhex(a[6], msg, BUF);
	if (seal) {
		rc = fgw_ike_sk_seal(&k, a[1][0] == 'i', msg, sk_off, len, BUF);
		if (rc < 0)
			return 1;
		puthex(NULL, msg, (size_t)rc);
	} else {
		rc = fgw_ike_sk_open(&k, a[1][0] == 'i', msg, len, sk_off, &plain, &plain_len);
		if (rc) {
			printf("%d\n", rc);
			return 1;
		}
		puthex(NULL, plain, plain_len);
	}
	fgw_ike_keys_wipe(&k);
	return 0;
}

static int auth(char **a)
{
	static uint8_t psk[BUF], m[BUF], nonce[BUF], id[BUF];
	struct fgw_ike_keys k = { .suite = { .prf = (uint16_t)atoi(a[0]) } };
	uint8_t out[FGW_IKE_PRF_MAX];
	size_t pl = unhex(a[2], psk, BUF), ml = unhex(a[3], m, BUF);
	size_t nl = unhex(a[4], nonce, BUF), il = unhex(a[5], id, BUF);

	k.prf_len = unhex(a[1], k.sk_pi, sizeof(k.sk_pi));
	if (fgw_ike_auth_psk(&k, true, psk, pl, m, ml, nonce, nl, id, il, out))
		return 1;
	puthex(NULL, out, k.prf_len);
	return 0;
}

static int natd(char **a)
{
	struct fgw_addr addr = { .family = strchr(a[2], ':') ? AF_INET6 : AF_INET };
	uint8_t out[FGW_IKE_NAT_HASH_LEN];

	if (inet_pton(addr.family, a[2], addr.bytes) != 1)
		return 2;
	fgw_ike_nat_hash(be64(a[0]), be64(a[1]), &addr, (uint16_t)atoi(a[3]), out);
	puthex(NULL, out, sizeof(out));
	return 0;
}

static int dh(char **a)
{
	static uint8_t peer[BUF], pub[BUF], s[BUF];
	struct fgw_ike_dh *d = fgw_ike_dh_new((uint16_t)atoi(a[0]));
	size_t pl = unhex(a[1], peer, BUF);
	int n, m;

	if (!d)
		return 1;
	n = fgw_ike_dh_public(d, pub, BUF);
	m = fgw_ike_dh_shared(d, peer, pl, s, BUF);
	fgw_ike_dh_free(d);
	if (n < 0)
		return 1;
	puthex("pub", pub, (size_t)n);
	if (m < 0)
		printf("shared=%d\n", m);
	else
		puthex("shared", s, (size_t)m);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *cmd; int args; } cmds[] = {
		{ "keys", 9 }, { "keymat", 6 }, { "seal", 8 }, { "open", 8 },
		{ "auth", 6 }, { "natd", 4 }, { "dh", 2 },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (argc < 2 || strcmp(argv[1], cmds[i].cmd))
			continue;
		if (argc != cmds[i].args + 2)
			break;
		switch (i) {
		case 0: return keys(argv + 2);
		case 1: return keymat(argv + 2);
		case 2: return sk(true, argv + 2);
		case 3: return sk(false, argv + 2);
		case 4: return auth(argv + 2);
		case 5: return natd(argv + 2);
		case 6: return dh(argv + 2);
		}
	}
	fprintf(stderr, "usage: see the comment at the top of ike_crypto_tool.c\n");
	return 2;
}
