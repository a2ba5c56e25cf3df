/* libFuzzer target for the flexctl command line: a request as the control
 * socket reads it (at most CTL_REQUEST_MAX octets, up to its first line
 * end), through the real command table (fgw_cmd_run: IOS-style word
 * matching, "?", help, --json, arguments), its builders and renderers,
 * against the gateway of tests/fuzz/ike_engine/gateway.json
 * (tests/fuzz/gateway.h) with IKE SAs the peer of tests/fuzz/ike_peer.h
 * set up: a site-to-site SA with two CHILD SAs on Tunnel0, a FlexVPN
 * client on Virtual-Access1 with pool leases, an initiator's SA for the
 * GRE tunnel Tunnel1 (transport mode), and one
 * still in IKE_SA_INIT.
 *
 * A request that succeeds with --json must print one JSON value. The
 * commands that change state (clear crypto ikev2 sa, crypto ikev2 rekey,
 * debug) are undone after the input: the engine is restarted and the SAs
 * set up again, so that every input meets the same box. */
#include <rte_random.h>

#include "api/commands.h"
#include "tests/fuzz/ike_peer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CTL_REQUEST_MAX 4096	/* ctl_server.c's */

static const char *const setup_files[] = { "site-child", "ra-auth", "initiator-gre", "init" };
static uint8_t *setup;
static size_t setup_len;
static unsigned n_sas, n_established;

static void read_setup(void)
{
	for (unsigned i = 0; i < RTE_DIM(setup_files); i++) {
		char path[4096];
		FILE *f;
		long n = 0;

		snprintf(path, sizeof(path), "%s/%s", FGW_FUZZ_CORPUS, setup_files[i]);
		f = fopen(path, "rb");
		if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) <= 0 ||
		    fseek(f, 0, SEEK_SET) < 0 || (setup = realloc(setup, setup_len + (size_t)n)) == NULL ||
		    fread(setup + setup_len, 1, (size_t)n, f) != (size_t)n)
			gw_die("cannot read", path);
		setup_len += (size_t)n;
		fclose(f);
	}
}

static void sas_up(void)
{
	rte_srand(7);
	n_init = 0;
	gw_ike_start();
	peer_run(setup, setup_len);
	gw_service();
	n_sas = gw.ike->n_sas;
	n_established = gw.ike->n_established;
}

/* The box as sas_up left it: same SAs, no request of ours outstanding. */
static bool unchanged(void)
{
	struct fgw_ike_sa *sa;

	if (gw.ike->n_sas != n_sas || gw.ike->n_established != n_established)
		return false;
	TAILQ_FOREACH(sa, &gw.ike->sas, link)
		if (sa->state == FGW_IKE_ST_DEAD || sa->req.msg != NULL)
			return false;
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	gw_up((*argv)[0], FGW_FUZZ_CONFIG);
	gw_ike_stop();
	read_setup();
	sas_up();
	if (n_established != 3)
		gw_die("the setup did not bring up three IKE SAs", NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fgw_counters_baseline baseline;
	static char line[CTL_REQUEST_MAX + 1];
	struct fgw_text out = { 0 };
	bool ok;

	/* What conn_run hands over: the request up to its line end. */
	if (size > CTL_REQUEST_MAX)
		size = CTL_REQUEST_MAX;
	memcpy(line, data, size);
	line[size] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	ok = fgw_cmd_run(&gw, &baseline, line, &out);
	if (out.failed)
		gw_die("output incomplete", line);
	if (ok && out.len > 0 && strstr(line, "--json") != NULL) {
		json_error_t e;
		json_t *j = json_loadb(out.buf, out.len, JSON_DECODE_ANY, &e);

		if (j == NULL) {
			fprintf(stderr, "request \"%s\": not JSON (%s):\n%.*s\n", line, e.text,
				(int)out.len, out.buf);
			abort();
		}
		json_decref(j);
	}
	fgw_text_free(&out);
	gw_service();
	fgw_log_set_level(getenv("FGW_FUZZ_DEBUG") ? FGW_LOG_DEBUG : FGW_LOG_ERR);
	if (!unchanged()) {
		gw_ike_stop();
		sas_up();
	}
	return 0;
}
