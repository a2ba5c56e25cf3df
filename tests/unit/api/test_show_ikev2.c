/* The IKEv2 SA views (controlplane/api/show_ikev2_sa.c, show_ikev2_stats.c,
 * debug_ikev2.c) over engine state built by hand: two IKE SAs, one IPv4
 * established with a CHILD SA and one IPv6 still negotiating, through the
 * real command table (fgw_cmd_run), text and JSON. Needs EAL only for the
 * timer frequency (Life/Active Time).
 *
 * Prints one line per case, then "N passed, M failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_eal.h>

#include "api/commands.h"
#include "common/sa.h"
#include "config/config.h"
#include "controlplane/ikev2/ike_sa.h"
#include "tests/unit/unit_addr.h"
#include "tests/unit/unit_eal.h"

static unsigned passed, failed;

static void check(const char *name, bool ok, const char *out)
{
	if (ok) {
		passed++;
		printf("PASS %s\n", name);
	} else {
		failed++;
		printf("FAIL %s: output was:\n%s\n", name, out);
	}
}

static const char config_text[] =
	"{\"ikev2\": {\"window\": 5, \"fragmentation\": {\"enabled\": true, \"mtu\": 1280},"
	" \"limits\": {\"max_in_negotiation_sa\": 40, \"max_sa\": 100}, \"cookie_challenge\": 20,"
	" \"keyrings\": [{\"name\": \"K\", \"peers\": [{\"name\": \"p\", \"address\": \"0.0.0.0/0\","
	"  \"pre_shared_key\": \"never-printed-psk\"}]}],"
	" \"profiles\": [{\"name\": \"BRANCH1\", \"match_identity_remote\": [{\"any\": true}],"
	"  \"authentication_local\": \"pre-share\", \"authentication_remote\": [\"pre-share\"],"
	"  \"keyring\": \"K\", \"dpd\": {\"interval\": 10, \"retry_interval\": 2}}]}}";

static struct fgw_config *cfg;
static struct fgw_control c;
static struct fgw_ike ike;
static struct fgw_ike_sa sa4, sa6;
static struct fgw_ike_child child;
static struct fgw_sa esp_in, esp_out;

static void identity(struct fgw_ike_identity *id, uint8_t type, const char *v, size_t len)
{
	id->type = type;
	id->len = (uint16_t)len;
	memcpy(id->data, v, len);
}

static void setup(void)
{
	char prefix_arg[64], err[256];
	char *argv[] = { "test_show_ikev2", "--no-huge", "--no-shconf", "-m", "64", "--no-pci",
			 "--no-telemetry", "-l", "0", "--log-level=warning", prefix_arg };
	uint64_t hz;

	snprintf(prefix_arg, sizeof(prefix_arg), "--file-prefix=showike-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "EAL initialisation failed\n");
		exit(2);
	}
	cfg = fgw_config_load_buffer(config_text, strlen(config_text), "test", err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "config: %s\n", err);
		exit(2);
	}
	hz = rte_get_timer_hz();
	c.cfg = cfg;
	c.ike = &ike;
	ike.c = &c;
	TAILQ_INIT(&ike.sas);

	/* IPv4, ours, established 12 s ago, NAT in front of the peer. */
	sa4.serial = 1;
	sa4.initiator = true;
	sa4.state = FGW_IKE_ST_ESTABLISHED;
	sa4.spi_i = 0x0123456789abcdefull;
	sa4.spi_r = 0xfedcba9876543210ull;
	sa4.local = unit_addr("203.0.113.1");
	sa4.remote = unit_addr("203.0.113.2");
	sa4.local_port = 4500;
	sa4.remote_port = 4500;
	sa4.natt = sa4.nat_remote = true;
	sa4.suite = (struct fgw_ike_suite){ .encr = FGW_IKE_ENCR_ID_AES_CBC, .encr_bits = 256,
					    .integ = FGW_IKE_INTEG_HMAC_SHA2_512_256,
					    .prf = FGW_IKE_PRF_HMAC_SHA2_512, .dh = 14 };
	memset(sa4.keys.sk_ei, 0xa5, sizeof(sa4.keys.sk_ei));	/* must never show */
	sa4.next_msg_id = 3;
	sa4.peer_msg_id = 2;
	sa4.window = 5;
	sa4.profile = &cfg->ikev2.profiles[0];
	identity(&sa4.id_local, FGW_IKE_ID_FQDN, "hq.example.com", 14);
	/* A peer's identity with a terminal escape in it. */
	identity(&sa4.id_remote, FGW_IKE_ID_RFC822_ADDR, "br\x1b[2Janch@example.com", 22);
	sa4.lifetime_s = 86400;
	sa4.created = rte_get_timer_cycles() - 13 * hz;
	sa4.established = rte_get_timer_cycles() - 12 * hz;
	TAILQ_INIT(&sa4.children);
	TAILQ_INSERT_TAIL(&sa4.children, &child, link);
	sa4.n_children = 1;

	child.state = FGW_CHILD_INSTALLED;
	child.initiator = false;	/* the peer started it: TSr is ours */
	child.spi_in = 0x1001;
	child.spi_out = 0xc0ffee01;	/* top bit set: an unsigned 32-bit SPI in JSON */
	child.encr = FGW_IKE_ENCR_ID_AES_GCM_16;
	child.encr_bits = 256;
	child.integ = FGW_IKE_INTEG_NONE;
	child.sa_in = &esp_in;
	child.sa_out = &esp_out;
	esp_in.mode = FGW_SA_TUNNEL;
	esp_in.stats.packets = 5;
	esp_in.stats.bytes = 500;
	esp_out.stats.packets = 7;
	esp_out.cleared.packets = 3;	/* clear counters when 3 had gone out */
	child.n_tsr = child.n_tsi = 1;
	child.tsr[0] = (struct fgw_ike_ts){ .type = FGW_IKE_TS_IPV4_ADDR_RANGE, .start_port = 0,
					 .end_port = 65535, .start = unit_addr("10.1.0.0"),
					 .end = unit_addr("10.1.255.255") };
	child.tsi[0] = (struct fgw_ike_ts){ .type = FGW_IKE_TS_IPV4_ADDR_RANGE, .start_port = 0,
					 .end_port = 65535, .start = unit_addr("10.2.0.0"),
					 .end = unit_addr("10.2.255.255") };
	child.lifetime_s = 3600;
	child.created = rte_get_timer_cycles();

	/* IPv6, the peer's, still in IKE_SA_INIT. */
	sa6.serial = 2;
	sa6.state = FGW_IKE_ST_INIT_DONE;
	sa6.local = unit_addr("2001:db8:ff::1");
	sa6.remote = unit_addr("2001:db8:ff::2");
	sa6.local_port = sa6.remote_port = 500;
	sa6.suite = (struct fgw_ike_suite){ .encr = FGW_IKE_ENCR_ID_AES_GCM_16, .encr_bits = 256,
					    .prf = FGW_IKE_PRF_HMAC_SHA2_384, .dh = 20 };
	sa6.created = rte_get_timer_cycles();
	TAILQ_INIT(&sa6.children);

	TAILQ_INSERT_TAIL(&ike.sas, &sa4, link);
	TAILQ_INSERT_TAIL(&ike.sas, &sa6, link);
	ike.n_sas = 2;
	ike.stats.failures[FGW_IKE_FAIL_AUTH_FAILED] = 3;
	ike.stats.failures[FGW_IKE_FAIL_NO_PROPOSAL] = 1;
	ike.stats.sa_established = 1;
	ike.stats.rx_packets = 42;
}

/* The engine's side of `clear crypto ikev2 sa` (controlplane/ikev2/clear.c
 * is not linked here): records what the command asked for. */
static unsigned clear_calls;
static bool clear_all;
static struct fgw_addr clear_remote;

unsigned fgw_ike_clear(struct fgw_control *cc, const struct fgw_addr *remote)
{
	clear_calls += cc == &c;
	clear_all = remote == NULL;
	if (remote != NULL)
		clear_remote = *remote;
	return 2;
}

/* ... and of `crypto ikev2 rekey` (controlplane/ikev2/rekey.c). */
static unsigned rekey_calls;

unsigned fgw_ike_rekey_now(struct fgw_control *cc)
{
	rekey_calls += cc == &c;
	return 1;
}

/* The reply to one request line; the caller frees it. */
static char *run(const char *line, bool *ok)
{
	struct fgw_text out = { 0 };
	bool r = fgw_cmd_run(&c, NULL, line, &out);
	char *s = strdup(out.buf != NULL ? out.buf : "");

	if (ok != NULL)
		*ok = r;
	fgw_text_free(&out);
	return s;
}

static bool has(const char *out, const char *needle)
{
	return strstr(out, needle) != NULL;
}

/* The IPv4 SA's age in whole seconds now: 12 at setup, more on a host that
 * keeps the test off its CPU, so a check takes any age seen around its run. */
static unsigned sa4_age(void)
{
	return (unsigned)((rte_get_timer_cycles() - sa4.established) / rte_get_timer_hz());
}

static bool shows_active_time(const char *out, unsigned from, unsigned to)
{
	char line[64];

	for (unsigned age = from; age <= to; age++) {
		snprintf(line, sizeof(line), "      Life/Active Time: 86400/%u sec\n", age);
		if (has(out, line))
			return true;
	}
	return false;
}

/* No sign of the key pattern or the PSK. */
static bool clean(const char *out)
{
	return !has(out, "a5a5a5") && !has(out, "A5A5A5") && !has(out, "never-printed-psk") &&
	       !has(out, "\x1b");
}

static void test_sa(void)
{
	unsigned age = sa4_age();
	char *o = run("show crypto ikev2 sa", NULL);

	check("sa: IPv4 row", has(o, " IPv4 Crypto IKEv2  SA\n") &&
	      has(o, "1         203.0.113.1/4500      203.0.113.2/4500      none/none            "
		  "READY\n"), o);
	check("sa: suite line", has(o, "      Encr: AES-CBC, keysize: 256, PRF: SHA512, Hash: SHA512, "
				 "DH Grp:14, Auth sign: PSK, Auth verify: PSK\n"), o);
	check("sa: life/active", age >= 12 && shows_active_time(o, age, sa4_age()), o);
	check("sa: IPv6 SA under the IPv6 heading, negotiating",
	      has(strstr(o, " IPv6 Crypto IKEv2  SA") ?: "", "2         2001:db8:ff::2/500") ||
	      has(strstr(o, " IPv6 Crypto IKEv2  SA") ?: "", "2         2001:db8:ff::1/500"), o);
	check("sa: GCM has no hash", has(o, "Encr: AES-GCM, keysize: 256, PRF: SHA384, Hash: None, "
					 "DH Grp:20"), o);
	check("sa: IN-NEG", has(o, "IN-NEG"), o);
	check("sa: not detailed", !has(o, "Local spi"), o);
	check("sa: nothing secret", clean(o), o);
	free(o);
}

static void test_sa_detailed(void)
{
	char *o = run("sh cry ikev2 sa det", NULL);

	check("detailed: status description", has(o, "Status Description: Negotiation done\n"), o);
	check("detailed: spis", has(o, "Local spi: 0123456789ABCDEF       Remote spi: "
				 "FEDCBA9876543210\n"), o);
	check("detailed: ids", has(o, "Local id: hq.example.com\n") &&
	      has(o, "Remote id: br.[2Janch@example.com\n"), o);
	check("detailed: message ids", has(o, "Local req msg id:  2") &&
	      has(o, "Remote req msg id:  1\n") && has(o, "Local next msg id: 3") &&
	      has(o, "Remote next msg id: 2\n") && has(o, "Local window:      5"), o);
	check("detailed: dpd from the profile", has(o, "DPD configured for 10 seconds, retry 2\n"), o);
	check("detailed: fragmentation", has(o, "Fragmentation configured, MTU 1280\n"), o);
	check("detailed: nat-t", has(o, "NAT-T is detected outside\n") &&
	      has(o, "NAT-T is not detected\n"), o);
	check("detailed: initiator", has(o, "Initiator of SA : Yes\n") &&
	      has(o, "Initiator of SA : No\n"), o);
	check("detailed: nothing secret", clean(o), o);
	free(o);
}

static void test_session(void)
{
	char *o = run("show crypto ikev2 session", NULL);

	check("session: header", has(o, "Session-id:1, Status:UP-ACTIVE, IKE count:1, "
				  "CHILD count:1\n") &&
	      has(o, "Session-id:2, Status:DOWN-NEGOTIATING, IKE count:1, CHILD count:0\n"), o);
	check("session: selectors, ours first",
	      has(o, "Child sa: local selector  10.1.0.0/0 - 10.1.255.255/65535\n"
		     "          remote selector 10.2.0.0/0 - 10.2.255.255/65535\n"
		     "          ESP spi in/out: 0x1001/0xc0ffee01\n"), o);
	check("session: not detailed", !has(o, "esp_hmac"), o);
	free(o);
	o = run("show crypto ikev2 session detailed", NULL);
	check("session detailed: child transform",
	      has(o, "          Encr: AES-GCM, keysize: 256, esp_hmac: None\n"
		     "          ah_hmac: None, comp: IPCOMP_NONE, mode tunnel\n"), o);
	check("session detailed: IKE detail too", has(o, "Local spi: 0123456789ABCDEF"), o);
	check("session detailed: nothing secret", clean(o), o);
	free(o);
}

static void test_json(void)
{
	unsigned age = sa4_age();
	char *o = run("show crypto ikev2 session --json", NULL);
	unsigned age_after = sa4_age();
	json_t *j = json_loads(o, 0, NULL);
	json_t *sa = json_array_get(json_object_get(j, "sas"), 0);
	json_t *ch = json_array_get(json_object_get(sa, "children"), 0);

	check("json: parses, two SAs", json_array_size(json_object_get(j, "sas")) == 2, o);
	check("json: sa fields", json_integer_value(json_object_get(sa, "tunnel_id")) == 1 &&
	      strcmp(json_string_value(json_object_get(sa, "local_spi")) ?: "",
		     "0123456789ABCDEF") == 0 &&
	      strcmp(json_string_value(json_object_get(sa, "profile")) ?: "", "BRANCH1") == 0 &&
	      age >= 12 && json_integer_value(json_object_get(sa, "active_time")) >= age &&
	      json_integer_value(json_object_get(sa, "active_time")) <= age_after, o);
	check("json: child counters and spis",
	      json_integer_value(json_object_get(ch, "spi_in")) == 0x1001 &&
	      json_integer_value(json_object_get(ch, "spi_out")) == 0xc0ffee01 &&
	      json_integer_value(json_object_get(ch, "packets_in")) == 5 &&
	      json_integer_value(json_object_get(ch, "bytes_in")) == 500 &&
	      json_integer_value(json_object_get(ch, "packets_out")) == 4, o);
	check("json: nothing secret", clean(o), o);
	json_decref(j);
	free(o);
	o = run("show crypto ikev2 sa --json", NULL);
	j = json_loads(o, 0, NULL);
	check("json: sa view has no children",
	      j != NULL && json_object_get(json_array_get(json_object_get(j, "sas"), 0),
					   "children") == NULL, o);
	json_decref(j);
	free(o);
}

static void test_stats(void)
{
	char *o = run("show crypto ikev2 stats", NULL);
	json_t *j;

	check("stats: heading", has(o, "Crypto IKEv2 SA Statistics\n"), o);
	check("stats: limits", has(o, "Max IKEv2 SAs: 100        Max in-negotiation: 40         "
				  "Cookie threshold: 20\n"), o);
	check("stats: total and in negotiation (we initiate: local; the peer: remote)",
	      has(o, "Total IKEv2 SA Count: 2      Local in negotiation: 0      "
		  "Remote in negotiation: 1\n"), o);
	check("stats: counts by direction",
	      has(o, "Total incoming IKEv2 SA Count: 1      active: 0      negotiating: 1\n") &&
	      has(o, "Total outgoing IKEv2 SA Count: 1      active: 1      negotiating: 0\n"), o);
	check("stats: failures by reason",
	      has(o, "  authentication failed (our check of the peer's AUTH) 3\n") &&
	      has(o, "  no proposal chosen") && has(o, "  over limits.max_sa"), o);
	free(o);
	o = run("show crypto ikev2 stats --json", NULL);
	j = json_loads(o, 0, NULL);
	check("stats json", json_integer_value(json_object_get(json_object_get(j, "failures"),
							       "AUTH_FAILED")) == 3 &&
	      json_integer_value(json_object_get(json_object_get(j, "packets"),
						 "rx_packets")) == 42, o);
	json_decref(j);
	free(o);
}

static void test_debug(void)
{
	bool ok;
	char *o = run("debug crypto ikev2", &ok);

	check("debug on", ok && ike.debug && has(o, "IKEv2 default debugging is on\n"), o);
	free(o);
	o = run("no debug crypto ikev2", &ok);
	check("debug off", ok && !ike.debug && has(o, "IKEv2 default debugging is off\n"), o);
	free(o);
}

static void test_clear(void)
{
	struct fgw_addr want = unit_addr("203.0.113.2");
	bool ok;
	char *o;

	o = run("clear crypto ikev2 sa", &ok);
	check("clear: all", ok && clear_calls == 1 && clear_all && o[0] == '\0', o);
	free(o);
	o = run("cle cry ikev2 sa rem 203.0.113.2 --json", &ok);
	check("clear remote: the address reaches the engine",
	      ok && clear_calls == 2 && !clear_all && fgw_addr_eq(&clear_remote, &want) &&
	      has(o, "\"cleared\": 2"), o);
	free(o);
	o = run("clear crypto ikev2 sa remote branch1", &ok);
	check("clear remote: not an address", !ok && clear_calls == 2 &&
	      has(o, "% Invalid address branch1"), o);
	free(o);
	o = run("clear crypto ikev2 sa remote", &ok);
	check("clear remote: address required", !ok && clear_calls == 2 &&
	      has(o, "% Incomplete command."), o);
	free(o);
}

static void test_rekey(void)
{
	bool ok;
	char *o;

	o = run("crypto ikev2 rekey --json", &ok);
	check("rekey: reaches the engine", ok && rekey_calls == 1 && has(o, "\"rekeying\": 1"), o);
	free(o);
}

static void test_engine_not_running(void)
{
	bool ok;
	char *o;

	c.ike = NULL;
	o = run("show crypto ikev2 sa", &ok);
	check("no engine: sa empty", ok && !has(o, "Tunnel-id"), o);
	free(o);
	o = run("show crypto ikev2 stats", &ok);
	check("no engine: stats say so", ok && has(o, "IKEv2 is not running"), o);
	free(o);
	o = run("debug crypto ikev2", &ok);
	check("no engine: debug refused", !ok && has(o, "IKEv2 is not running"), o);
	free(o);
	o = run("clear crypto ikev2 sa", &ok);
	check("no engine: clear refused", !ok && has(o, "IKEv2 is not running"), o);
	free(o);
	o = run("crypto ikev2 rekey", &ok);
	check("no engine: rekey refused", !ok && rekey_calls == 1 && has(o, "IKEv2 is not running"),
	      o);
	free(o);
	c.ike = &ike;
}

int main(void)
{
	setup();
	test_sa();
	test_sa_detailed();
	test_session();
	test_json();
	test_stats();
	test_debug();
	test_clear();
	test_rekey();
	test_engine_not_running();
	fgw_config_free(cfg);
	unit_eal_cleanup();
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
