/* Runs flexgw's ESP code on packets given as hex, for cross-checks against
 * independent implementations (tests/unit/test_ipsec_scapy.py).
 *
 * Reads commands from stdin, one per line; answers each packet with one
 * line, "ok HEX" (the resulting packet) or "drop REASON":
 *
 *   sa NAME dir=out|in cipher=aes-gcm-128 integ=none key=HEX [authkey=HEX]
 *      spi=HEX mode=tunnel|transport [src=ADDR dst=ADDR] [sport=N dport=N]
 *      [esn=1] [seq=N] [window=N] [top=N] [ttl=N] [dscp=copy|N]
 *      [df=copy|set|clear]                          -> "ok" or "error TEXT"
 *   encap NAME HEX...     one burst: IP packets out through SA NAME
 *   decap NAME HEX...     one burst: ESP packets (outer IP header first) in
 *   stats NAME            -> "packets N bytes N REASON N ..." (non-zero drops)
 *   free NAME             -> "ok"
 *
 * key is the encryption key followed, for GCM, by its 4-byte salt. seq is
 * the last sequence number used (the next packet gets seq + 1); top is the
 * highest sequence number an inbound SA has seen. Decap classifies like a
 * worker: the outer header is IPv4 (IHL) or IPv6 without extension headers,
 * and UDP means ESP in UDP. */
#include <stdlib.h>

#include "esp_test.h"

#define MAX_SAS 64
#define MAX_BURST 256

static struct {
	char name[32];
	struct fgw_sa *sa;
} sas[MAX_SAS];
static unsigned n_sas;

static int slot(const char *name)
{
	for (unsigned i = 0; i < n_sas; i++)
		if (!strcmp(sas[i].name, name))
			return (int)i;
	return -1;
}

static struct fgw_sa *find(const char *name)
{
	int i = slot(name);

	return i < 0 ? NULL : sas[i].sa;
}

static void cmd_free(const char *name)
{
	int i = slot(name);

	fgw_sa_free(sas[i].sa);
	sas[i] = sas[--n_sas];
	puts("ok");
}

static int unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++)
		if (sscanf(s + 2 * i, "%2hhx", &out[i]) != 1)
			return -1;
	return (int)(n / 2);
}

static void print_packet(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	fputs("ok ", stdout);
	for (unsigned i = 0; i < rte_pktmbuf_data_len(m); i++)
		printf("%02x", p[i]);
	putchar('\n');
}

static void cmd_sa(char *name, char *args)
{
	struct test_sa_spec t = { .ttl = 64, .dscp = FGW_SA_DSCP_COPY, .mode = FGW_SA_TUNNEL };
	struct fgw_sa_keys k;
	uint64_t top = 0;
	char err[160] = "", *tok;
	struct fgw_sa *sa;

	memset(&k, 0, sizeof(k));
	for (tok = strtok(args, " \t"); tok; tok = strtok(NULL, " \t")) {
		char *v = strchr(tok, '=');

		if (!v) {
			printf("error %s: not key=value\n", tok);
			return;
		}
		*v++ = '\0';
		if (!strcmp(tok, "dir"))
			t.inbound = !strcmp(v, "in");
		else if (!strcmp(tok, "cipher"))
			t.cipher = fgw_cipher_by_name(v);
		else if (!strcmp(tok, "integ"))
			t.integ = fgw_integ_by_name(v);
		else if (!strcmp(tok, "key"))
			unhex(v, k.enc, sizeof(k.enc));
		else if (!strcmp(tok, "authkey"))
			unhex(v, k.auth, sizeof(k.auth));
		else if (!strcmp(tok, "spi"))
			t.spi = strtoul(v, NULL, 16);
		else if (!strcmp(tok, "mode"))
			t.mode = !strcmp(v, "transport") ? FGW_SA_TRANSPORT : FGW_SA_TUNNEL;
		else if (!strcmp(tok, "src"))
			fgw_addr_parse(v, &t.src);
		else if (!strcmp(tok, "dst"))
			fgw_addr_parse(v, &t.dst);
		else if (!strcmp(tok, "sport"))
			t.sport = atoi(v);
		else if (!strcmp(tok, "dport"))
			t.dport = atoi(v);
		else if (!strcmp(tok, "esn"))
			t.esn = atoi(v);
		else if (!strcmp(tok, "seq"))
			t.seq = strtoull(v, NULL, 0);
		else if (!strcmp(tok, "window"))
			t.window = atoi(v);
		else if (!strcmp(tok, "top"))
			top = strtoull(v, NULL, 0);
		else if (!strcmp(tok, "ttl"))
			t.ttl = atoi(v);
		else if (!strcmp(tok, "dscp"))
			t.dscp = !strcmp(v, "copy") ? FGW_SA_DSCP_COPY : atoi(v);
		else if (!strcmp(tok, "df"))
			t.df = !strcmp(v, "set") ? FGW_SA_DF_SET :
			       !strcmp(v, "clear") ? FGW_SA_DF_CLEAR : FGW_SA_DF_COPY;
		else {
			printf("error unknown field %s\n", tok);
			return;
		}
	}
	if (n_sas == MAX_SAS || find(name)) {
		printf("error SA %s exists or too many SAs\n", name);
		return;
	}
	sa = test_sa(&t, &k, err, sizeof(err));
	explicit_bzero(&k, sizeof(k));
	if (!sa) {
		printf("error %s\n", err);
		return;
	}
	if (sa->flags & FGW_SA_F_INBOUND)
		sa->replay.top = top;
	snprintf(sas[n_sas].name, sizeof(sas[n_sas].name), "%s", name);
	sas[n_sas++].sa = sa;
	puts("ok");
}

static void cmd_burst(bool encap, struct fgw_sa *sa, char *args)
{
	static uint8_t buf[4096];
	struct rte_mbuf *m[MAX_BURST];
	struct fgw_sa *s[MAX_BURST];
	uint8_t verdict[MAX_BURST];
	unsigned n = 0;

	for (char *tok = strtok(args, " \t"); tok && n < MAX_BURST; tok = strtok(NULL, " \t")) {
		int len = unhex(tok, buf, sizeof(buf));

		if (len <= 0 || !(m[n] = test_mbuf(buf, len))) {
			printf("error bad packet %u\n", n);
			goto out;
		}
		s[n] = sa;
		if (!encap) {
			bool v4 = buf[0] >> 4 == 4;

			test_classify(m[n], len > 9 && (v4 ? buf[9] : buf[6]) == IPPROTO_UDP);
		}
		n++;
	}
	if (encap)
		fgw_esp_encap(&test_crypto, m, s, n, verdict);
	else
		fgw_esp_decap(&test_crypto, m, s, n, verdict);
	for (unsigned i = 0; i < n; i++) {
		if (verdict[i] == FGW_SA_DROP_NONE)
			print_packet(m[i]);
		else
			printf("drop %s\n", fgw_sa_drop_name(verdict[i]));
	}
out:
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

static void cmd_stats(const struct fgw_sa *sa)
{
	printf("packets %llu bytes %llu", (unsigned long long)sa->stats.packets,
	       (unsigned long long)sa->stats.bytes);
	for (unsigned r = 1; r < FGW_SA_DROP_MAX; r++)
		if (sa->stats.drop[r])
			printf(" %s %llu", fgw_sa_drop_name(r), (unsigned long long)sa->stats.drop[r]);
	putchar('\n');
}

int main(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;

	(void)argc;
	if (test_eal_init(argv[0]))
		return 1;
	while (getline(&line, &cap, stdin) > 0) {
		char *cmd = strtok(line, " \t\n"), *name = strtok(NULL, " \t\n");
		char *rest = strtok(NULL, "\n");
		struct fgw_sa *sa = name ? find(name) : NULL;

		if (!cmd || !name)
			puts("error expected: COMMAND NAME ...");
		else if (!strcmp(cmd, "sa"))
			cmd_sa(name, rest ? rest : (char *)"");
		else if (!sa)
			printf("error no SA %s\n", name);
		else if (!strcmp(cmd, "encap") || !strcmp(cmd, "decap"))
			cmd_burst(cmd[0] == 'e', sa, rest ? rest : (char *)"");
		else if (!strcmp(cmd, "stats"))
			cmd_stats(sa);
		else if (!strcmp(cmd, "free"))
			cmd_free(name);
		else
			printf("error unknown command %s\n", cmd);
		fflush(stdout);
	}
	free(line);
	for (unsigned i = 0; i < n_sas; i++)
		fgw_sa_free(sas[i].sa);
	test_eal_fini();
	return 0;
}
