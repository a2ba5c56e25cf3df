/* The command line, and proposals written as strongSwan writes them
 * ("aes256-sha256-modp2048", "aes256gcm16") or as a comma-separated list
 * of flexgw's configuration names ("aes-gcm-256,sha512,19",
 * "esp-gcm 256"), so one string serves both ends of a comparison. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

enum { T_ENCR, T_HASH, T_PRF, T_DH, T_ESN };

struct token {
	const char *name;
	uint8_t kind;
	uint16_t id, bits;
};

static const struct token tokens[] = {
	{ "aes128", T_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 128 },
	{ "aes192", T_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 192 },
	{ "aes256", T_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 256 },
	{ "aes128gcm16", T_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 128 },
	{ "aes256gcm16", T_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 256 },
	{ "aes128gcm", T_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 128 },
	{ "aes256gcm", T_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 256 },
	{ "aes-cbc-128", T_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 128 },
	{ "aes-cbc-192", T_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 192 },
	{ "aes-cbc-256", T_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 256 },
	{ "aes-gcm-128", T_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 128 },
	{ "aes-gcm-256", T_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 256 },
	{ "esp-aes", T_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 128 },
	{ "esp-aes 128", T_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 128 },
	{ "esp-aes 192", T_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 192 },
	{ "esp-aes 256", T_ENCR, FGW_IKE_ENCR_ID_AES_CBC, 256 },
	{ "esp-gcm", T_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 128 },
	{ "esp-gcm 128", T_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 128 },
	{ "esp-gcm 256", T_ENCR, FGW_IKE_ENCR_ID_AES_GCM_16, 256 },
	{ "sha1", T_HASH, 1, 0 },
	{ "sha256", T_HASH, 256, 0 },
	{ "sha384", T_HASH, 384, 0 },
	{ "sha512", T_HASH, 512, 0 },
	{ "esp-sha-hmac", T_HASH, 1, 0 },
	{ "esp-sha256-hmac", T_HASH, 256, 0 },
	{ "esp-sha384-hmac", T_HASH, 384, 0 },
	{ "esp-sha512-hmac", T_HASH, 512, 0 },
	{ "prfsha1", T_PRF, FGW_IKE_PRF_HMAC_SHA1, 0 },
	{ "prfsha256", T_PRF, FGW_IKE_PRF_HMAC_SHA2_256, 0 },
	{ "prfsha384", T_PRF, FGW_IKE_PRF_HMAC_SHA2_384, 0 },
	{ "prfsha512", T_PRF, FGW_IKE_PRF_HMAC_SHA2_512, 0 },
	{ "modp2048", T_DH, 14, 0 },
	{ "modp3072", T_DH, 15, 0 },
	{ "modp4096", T_DH, 16, 0 },
	{ "ecp256", T_DH, 19, 0 },
	{ "ecp384", T_DH, 20, 0 },
	{ "ecp521", T_DH, 21, 0 },
	{ "curve25519", T_DH, 31, 0 },
	{ "x25519", T_DH, 31, 0 },
	{ "14", T_DH, 14, 0 }, { "15", T_DH, 15, 0 }, { "16", T_DH, 16, 0 },
	{ "19", T_DH, 19, 0 }, { "20", T_DH, 20, 0 }, { "21", T_DH, 21, 0 },
	{ "31", T_DH, 31, 0 },
	{ "esn", T_ESN, FGW_IKE_ESN_YES, 0 },
	{ "noesn", T_ESN, FGW_IKE_ESN_NO, 0 },
};

static uint16_t integ_of(uint16_t bits)
{
	switch (bits) {
	case 1: return FGW_IKE_INTEG_HMAC_SHA1_96;
	case 256: return FGW_IKE_INTEG_HMAC_SHA2_256_128;
	case 384: return FGW_IKE_INTEG_HMAC_SHA2_384_192;
	default: return FGW_IKE_INTEG_HMAC_SHA2_512_256;
	}
}

static uint16_t prf_of(uint16_t bits)
{
	switch (bits) {
	case 1: return FGW_IKE_PRF_HMAC_SHA1;
	case 256: return FGW_IKE_PRF_HMAC_SHA2_256;
	case 384: return FGW_IKE_PRF_HMAC_SHA2_384;
	default: return FGW_IKE_PRF_HMAC_SHA2_512;
	}
}

static void add(struct fgw_ike_proposal *p, uint8_t type, uint16_t id, uint16_t key_len)
{
	if (p->n_t < FGW_IKE_MAX_TRANSFORMS)
		p->t[p->n_t++] = (struct fgw_ike_transform){ type, id, key_len };
}

static bool has(const struct fgw_ike_proposal *p, uint8_t type)
{
	for (unsigned i = 0; i < p->n_t; i++)
		if (p->t[i].type == type)
			return true;
	return false;
}

int lg_parse_proposal(const char *s, bool esp, struct fgw_ike_proposal *p)
{
	/* flexgw's names have dashes and spaces in them: a list of those is
	 * comma-separated. */
	const char *sep = strchr(s, ',') || strchr(s, ' ') || !strncmp(s, "aes-", 4) ? "," : "-";
	struct fgw_ike_proposal hashes = { 0 };
	char copy[256], *save = NULL;
	bool aead = false, esn = false;

	if (strlen(s) >= sizeof(copy))
		return -1;
	strcpy(copy, s);
	memset(p, 0, sizeof(*p));
	p->num = 1;
	p->protocol = esp ? FGW_IKE_PROTO_ESP : FGW_IKE_PROTO_IKE;
	for (char *tok = strtok_r(copy, sep, &save); tok; tok = strtok_r(NULL, sep, &save)) {
		const struct token *t = NULL;

		while (*tok == ' ')
			tok++;
		for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
			if (!strcmp(tokens[i].name, tok))
				t = &tokens[i];
		if (t == NULL) {
			fprintf(stderr, "flexgw-ikeload: unknown algorithm \"%s\" in \"%s\"\n", tok, s);
			return -1;
		}
		switch (t->kind) {
		case T_ENCR:
			add(p, FGW_IKE_TRANS_ENCR, t->id, t->bits);
			aead |= t->id == FGW_IKE_ENCR_ID_AES_GCM_16;
			break;
		case T_HASH:
			add(&hashes, 0, t->id, 0);
			break;
		case T_PRF:
			if (esp)
				goto wrong;
			add(p, FGW_IKE_TRANS_PRF, t->id, 0);
			break;
		case T_DH:
			/* ESP in IKE_AUTH carries no KE: a PFS group is for rekeys. */
			if (!esp)
				add(p, FGW_IKE_TRANS_DH, t->id, 0);
			break;
		case T_ESN:
			if (!esp)
				goto wrong;
			add(p, FGW_IKE_TRANS_ESN, t->id, 0);
			esn = true;
			break;
		}
	}
	/* strongSwan's reading of a hash: integrity for a cipher that needs
	 * one, and the PRF too in an IKE proposal that names none. */
	for (unsigned i = 0; i < hashes.n_t; i++) {
		if (!aead)
			add(p, FGW_IKE_TRANS_INTEG, integ_of(hashes.t[i].id), 0);
		if (!esp && !has(p, FGW_IKE_TRANS_PRF))
			add(p, FGW_IKE_TRANS_PRF, prf_of(hashes.t[i].id), 0);
	}
	if (esp && !esn)
		add(p, FGW_IKE_TRANS_ESN, FGW_IKE_ESN_NO, 0);
	if (!has(p, FGW_IKE_TRANS_ENCR) || (!aead && !has(p, FGW_IKE_TRANS_INTEG)) ||
	    (!esp && (!has(p, FGW_IKE_TRANS_PRF) || !has(p, FGW_IKE_TRANS_DH)))) {
		fprintf(stderr, "flexgw-ikeload: proposal \"%s\" is incomplete\n", s);
		return -1;
	}
	return 0;
wrong:
	fprintf(stderr, "flexgw-ikeload: \"%s\" has no place in an %s proposal\n", s,
		esp ? "ESP" : "IKE");
	return -1;
}

/* A format for one peer's identity or key: text with at most one %u. */
static bool fmt_ok(const char *f)
{
	unsigned n = 0;

	for (const char *c = strchr(f, '%'); c; c = strchr(c + 2, '%')) {
		if (c[1] != 'u' || ++n > 1)
			return false;
	}
	return true;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: flexgw-ikeload --server ADDR --psk KEY [options]\n"
"  -n, --count N          IKE SAs to open (100)\n"
"  -w, --window W         negotiations in flight at once (128)\n"
"      --rate R           start at most R negotiations per second\n"
"      --local ADDR       source address (the first of --local-count)\n"
"      --local-count K    spread the peers over K consecutive source addresses\n"
"      --port P           responder's IKE port (500); --natt-port (4500)\n"
"      --ike PROPOSAL     IKE proposal (aes256gcm16-prfsha512-ecp256)\n"
"      --esp PROPOSAL     ESP proposal (aes256gcm16)\n"
"      --id FMT           identity, %%u = peer number (peer%%u.example.com);\n"
"                         with an @ it is an email (RFC822) identity\n"
"      --psk KEY          pre-shared key; with %%u one key per peer\n"
"      --first N          number of the first peer (1)\n"
"      --nat-t            claim a NAT (float to 4500 even without one)\n"
"      --vip              ask for an IPv4 address (CFG_REQUEST)\n"
"      --tsi PREFIX       our selector (0.0.0.0/0); --ts-per-peer: PREFIX's\n"
"                         address + peer number, /32\n"
"      --tsr PREFIX       the responder's selector (0.0.0.0/0)\n"
"      --ike-only         an IKE SA up without its CHILD SA counts as established\n"
"      --hold S           keep the SAs S seconds (answering liveness checks)\n"
"      --delete MODE      end (all when done), each (as soon as up), none\n"
"      --retransmit MS    first retransmission (1000), doubling; --tries N (5)\n"
"      --timeout S        give up on the whole run after S seconds (300)\n"
"      --json             one JSON object instead of text\n"
"  -v, --verbose          one line per failure\n");
}

int lg_parse_args(struct lg_opts *o, int argc, char **argv)
{
	enum { O_RATE = 256, O_LOCAL, O_LOCAL_COUNT, O_PORT, O_NATT_PORT, O_IKE, O_ESP, O_ID,
	       O_PSK, O_FIRST, O_NATT, O_VIP, O_TSI, O_TSR, O_TS_PER_PEER, O_HOLD, O_DELETE,
	       O_RETX, O_TRIES, O_TIMEOUT, O_JSON, O_SERVER, O_IKE_ONLY };
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "window", required_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "server", required_argument, NULL, O_SERVER },
		{ "rate", required_argument, NULL, O_RATE },
		{ "local", required_argument, NULL, O_LOCAL },
		{ "local-count", required_argument, NULL, O_LOCAL_COUNT },
		{ "port", required_argument, NULL, O_PORT },
		{ "natt-port", required_argument, NULL, O_NATT_PORT },
		{ "ike", required_argument, NULL, O_IKE },
		{ "esp", required_argument, NULL, O_ESP },
		{ "id", required_argument, NULL, O_ID },
		{ "psk", required_argument, NULL, O_PSK },
		{ "first", required_argument, NULL, O_FIRST },
		{ "nat-t", no_argument, NULL, O_NATT },
		{ "vip", no_argument, NULL, O_VIP },
		{ "tsi", required_argument, NULL, O_TSI },
		{ "tsr", required_argument, NULL, O_TSR },
		{ "ts-per-peer", no_argument, NULL, O_TS_PER_PEER },
		{ "hold", required_argument, NULL, O_HOLD },
		{ "delete", required_argument, NULL, O_DELETE },
		{ "retransmit", required_argument, NULL, O_RETX },
		{ "tries", required_argument, NULL, O_TRIES },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "json", no_argument, NULL, O_JSON },
		{ "ike-only", no_argument, NULL, O_IKE_ONLY },
		{ NULL, 0, NULL, 0 },
	};
	const char *ike = "aes256gcm16-prfsha512-ecp256", *esp = "aes256gcm16";
	int c;

	memset(o, 0, sizeof(*o));
	o->port = FGW_IKE_PORT;
	o->natt_port = FGW_IKE_NATT_PORT;
	o->n = 100;
	o->window = 128;
	o->first_index = 1;
	o->local_count = 1;
	o->id_fmt = "peer%u.example.com";
	o->retx_ms = 1000;
	o->retx_tries = 5;
	o->timeout_s = 300;
	fgw_prefix_parse("0.0.0.0/0", &o->tsi, true);
	fgw_prefix_parse("0.0.0.0/0", &o->tsr, true);
	while ((c = getopt_long(argc, argv, "n:w:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'n': o->n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'w': o->window = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		case O_SERVER:
			if (!fgw_addr_parse(optarg, &o->server))
				goto bad;
			break;
		case O_RATE: o->rate = strtod(optarg, NULL); break;
		case O_LOCAL:
			if (!fgw_addr_parse(optarg, &o->local))
				goto bad;
			break;
		case O_LOCAL_COUNT: o->local_count = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_PORT: o->port = (uint16_t)strtoul(optarg, NULL, 10); break;
		case O_NATT_PORT: o->natt_port = (uint16_t)strtoul(optarg, NULL, 10); break;
		case O_IKE: ike = optarg; break;
		case O_ESP: esp = optarg; break;
		case O_ID: o->id_fmt = optarg; break;
		case O_PSK: o->psk_fmt = optarg; break;
		case O_FIRST: o->first_index = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_NATT: o->force_natt = true; break;
		case O_VIP: o->vip = true; break;
		case O_TSI:
			if (!fgw_prefix_parse(optarg, &o->tsi, false))
				goto bad;
			break;
		case O_TSR:
			if (!fgw_prefix_parse(optarg, &o->tsr, false))
				goto bad;
			break;
		case O_TS_PER_PEER: o->ts_per_peer = true; break;
		case O_HOLD: o->hold_s = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_DELETE:
			if (!strcmp(optarg, "end"))
				o->del = LG_DELETE_END;
			else if (!strcmp(optarg, "each"))
				o->del = LG_DELETE_EACH;
			else if (!strcmp(optarg, "none"))
				o->del = LG_DELETE_NONE;
			else
				goto bad;
			break;
		case O_RETX: o->retx_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_TRIES: o->retx_tries = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_TIMEOUT: o->timeout_s = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_JSON: o->json = true; break;
		case O_IKE_ONLY: o->ike_only = true; break;
		default: usage(stderr); return -1;
		}
	}
	if (o->server.family != AF_INET || o->psk_fmt == NULL || !o->n || !o->window ||
	    !o->local_count || !o->retx_ms || !o->retx_tries || optind != argc) {
		fprintf(stderr, "flexgw-ikeload: --server (IPv4) and --psk are needed\n");
		usage(stderr);
		return -1;
	}
	if (o->local.family && o->local.family != AF_INET) {
		fprintf(stderr, "flexgw-ikeload: --local must be IPv4\n");
		return -1;
	}
	if (o->tsi.addr.family != AF_INET || o->tsr.addr.family != AF_INET) {
		fprintf(stderr, "flexgw-ikeload: selectors must be IPv4\n");
		return -1;
	}
	if (!fmt_ok(o->id_fmt) || !fmt_ok(o->psk_fmt)) {
		fprintf(stderr, "flexgw-ikeload: --id and --psk take at most one %%u\n");
		return -1;
	}
	o->id_type = strchr(o->id_fmt, '@') ? FGW_IKE_ID_RFC822_ADDR : FGW_IKE_ID_FQDN;
	if (lg_parse_proposal(ike, false, &o->ike) < 0 || lg_parse_proposal(esp, true, &o->esp) < 0)
		return -1;
	return 0;
bad:
	fprintf(stderr, "flexgw-ikeload: bad value \"%s\"\n", optarg);
	return -1;
}
