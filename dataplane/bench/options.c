/* flexgw-bench's command line (after EAL's arguments and "--"). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/bench/bench.h"
#include "dataplane/dp.h"

const struct bench_alg bench_algs[] = {
	{ "aes-gcm-128", FGW_CIPHER_AES_GCM_128, FGW_INTEG_NONE },
	{ "aes-gcm-256", FGW_CIPHER_AES_GCM_256, FGW_INTEG_NONE },
	{ "aes-cbc-128-sha1", FGW_CIPHER_AES_CBC_128, FGW_INTEG_HMAC_SHA1_96 },
	{ "aes-cbc-256-sha1", FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA1_96 },
	{ "aes-cbc-128-sha256", FGW_CIPHER_AES_CBC_128, FGW_INTEG_HMAC_SHA256_128 },
	{ "aes-cbc-256-sha256", FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA256_128 },
	{ "aes-cbc-128-sha384", FGW_CIPHER_AES_CBC_128, FGW_INTEG_HMAC_SHA384_192 },
	{ "aes-cbc-256-sha384", FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA384_192 },
	{ "aes-cbc-128-sha512", FGW_CIPHER_AES_CBC_128, FGW_INTEG_HMAC_SHA512_256 },
	{ "aes-cbc-256-sha512", FGW_CIPHER_AES_CBC_256, FGW_INTEG_HMAC_SHA512_256 },
};
const unsigned bench_n_algs = sizeof(bench_algs) / sizeof(bench_algs[0]);

const char *bench_sink_name(enum bench_sink s)
{
	return s == BENCH_SINK_RING ? "ring" : "null";
}

const char *bench_rx_name(enum bench_rx r)
{
	return r == BENCH_RX_COPY ? "copy" : r == BENCH_RX_FEEDER ? "feeder" : "staged";
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: flexgw-bench [EAL arguments --] [options]\n"
		"  --alg LIST        comma list of algorithms or 'all' (default aes-gcm-128):\n"
		"                    aes-gcm-128 aes-gcm-256 aes-cbc-{128,256}-{sha1,sha256,sha384,sha512}\n"
		"                    (HMAC truncated to 96/128/192/256 bits as in RFC 2404/4868;\n"
		"                    also aes-cbc-256-sha256-128 or aes-cbc-256-hmac-sha256-128,\n"
		"                    the transform as show crypto ipsec sa prints it)\n"
		"  --dir D           outbound | inbound | both (default outbound)\n"
		"  --size LIST       inner IPv4 sizes: 64,128,256,512,1024,1420,imix (default 64,1420;\n"
		"                    imix = 7x64 4x594 1x1420; any size 64..1420)\n"
		"  --sas N           SAs/tunnels, 1..%u, packets round-robin over them (default 1)\n"
		"  --workers N       worker lcores, 1..%u (default: every EAL lcore but the main\n"
		"                    one, at most %u)\n"
		"  --sink ring|null  where transmitted frames go (default ring): ring = net_ring\n"
		"                    ports the harness empties each turn, freeing the mbufs in\n"
		"                    bulk as a NIC's TX completion does (counted in the measured\n"
		"                    time); null = net_null, which frees each mbuf on its own,\n"
		"                    ~33 instructions a 64 B packet more. The sink moves the\n"
		"                    ratio (64 B GCM by ~3 %%), not the data path: compare only\n"
		"                    runs with the same sink (bench README, session 14)\n"
		"  --rx copy|feeder|staged\n"
		"                    how frames reach the worker (default copy): copy = the\n"
		"                    worker lcore copies them into fresh mbufs itself, in\n"
		"                    the measured time; feeder = a lcore of its own per\n"
		"                    worker does that and enqueues them on the worker's RX\n"
		"                    ring (net_ring), the worker runs flexgw's loop pass;\n"
		"                    needs --sink ring and a spare lcore per worker, else\n"
		"                    copy runs and the output says so (bench README, session 15);\n"
		"                    staged = the worker lcore writes whole frames into mbufs\n"
		"                    512 frames (an RX ring) ahead of their processing, and\n"
		"                    that copy, a NIC's DMA, is left out of the measured time\n"
		"                    (bench README, session 16)\n"
		"  --duration S      seconds per measurement (default 2)\n"
		"  --warmup S        seconds before each measurement (default 0.5)\n"
		"  --compare-paths   outbound ESP through IPsec-MB directly vs DPDK lib/ipsec\n"
		"                    (ipsec_mb cryptodev, CPU-crypto mode), one lcore\n"
		"  --crypto-api      crypto-only through IPsec-MB's burst API, its job API and\n"
		"                    its direct calls (GCM functions, CBC/HMAC bursts), in turns\n"
		"  --no-crypto-only  skip the crypto-only limit\n"
		"  --harness-cost    also measure, in the same turns, the harness alone: mbuf\n"
		"                    alloc, the frame copy and the bulk free, no data path\n"
		"  --json            one JSON object on stdout (the table goes to stderr)\n"
		"  -i, --interactive a prompt: start, stop, show port stats, show crypto stats,\n"
		"                    quit, help (first --alg, --dir and --size)\n"
		"Without EAL arguments: --no-huge --no-shconf -m 1024 --no-pci, a file prefix of\n"
		"our own and --lcores with main lcore 0 and --workers worker lcores (default 1),\n"
		"lcore i on the i-th CPU we may run on, round-robin (2 CPUs, --workers 2: the\n"
		"main lcore, which sleeps while workers measure, shares CPU 0 with lcore 2).\n"
		"With --rx feeder a feeder lcore per worker follows the workers when the CPUs\n"
		"give each its own (2 CPUs, one worker: the feeder is lcore 2 on CPU 0).\n",
		BENCH_MAX_SAS, FGW_DP_MAX_WORKERS, FGW_DP_MAX_WORKERS);
}

/* By its name, or for AES-CBC by the transform show crypto ipsec sa prints
 * joined by a dash, with or without "hmac-" (aes-cbc-256-hmac-sha256-128,
 * aes-cbc-256-sha256-128: the truncated lengths, as RFC 4868 and issue 4
 * name them), which were refused (check19). */
static const struct bench_alg *alg_by_name(const char *s)
{
	char full[64], bare[64];

	for (unsigned i = 0; i < bench_n_algs; i++) {
		const struct bench_alg *a = &bench_algs[i];
		const char *integ = fgw_integ_name(a->integ);

		if (strcmp(s, a->name) == 0)
			return a;
		if (a->integ == FGW_INTEG_NONE)
			continue;
		snprintf(full, sizeof(full), "%s-%s", fgw_cipher_name(a->cipher), integ);
		snprintf(bare, sizeof(bare), "%s-%s", fgw_cipher_name(a->cipher),
			 integ + strlen("hmac-"));
		if (strcmp(s, full) == 0 || strcmp(s, bare) == 0)
			return a;
	}
	return NULL;
}

static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Decimal seconds: strtod also took hex ("0x1" ran 1 s) and leading blanks. */
static bool parse_seconds(const char *s, double min, double *out)
{
	char *end;
	double v;

	if ((*s < '0' || *s > '9') && *s != '.')
		return false;
	if (strchr(s, 'x') || strchr(s, 'X'))
		return false;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || !(v >= min) || v > 3600)
		return false;
	*out = v;
	return true;
}

/* The items of a comma list, split on a copy: strtok on optarg itself wrote
 * NULs into the command line that ps and /proc/PID/cmdline show, and it
 * skipped empty items, so "64," and "64,,1420" passed as if the stray comma
 * were not there. Returns the copy (items[] point into it) or NULL after
 * saying why. */
static char *split_list(const char *opt, const char *what, const char *list,
			const char **items, unsigned max, unsigned *n)
{
	char *copy, *t;

	*n = 0;
	if (list[0] == '\0') {
		fprintf(stderr, "flexgw-bench: --%s: an empty list\n", opt);
		return NULL;
	}
	copy = strdup(list);
	if (copy == NULL) {
		fprintf(stderr, "flexgw-bench: --%s: out of memory\n", opt);
		return NULL;
	}
	for (t = copy;;) {
		char *comma = strchr(t, ',');

		if (comma)
			*comma = '\0';
		if (*t == '\0') {
			fprintf(stderr, "flexgw-bench: --%s %s: an empty item (a stray comma)\n",
				opt, list);
			break;
		}
		if (*n == max) {
			fprintf(stderr, "flexgw-bench: --%s %s: at most %u %s\n", opt, list,
				max, what);
			break;
		}
		items[(*n)++] = t;
		if (comma == NULL)
			return copy;
		t = comma + 1;
	}
	free(copy);
	return NULL;
}

static void alg_names(FILE *f)
{
	for (unsigned i = 0; i < bench_n_algs; i++)
		fprintf(f, "%s%s", i ? ", " : "", bench_algs[i].name);
}

/* A repeated item measures the same thing twice, in the time of two. */
static int parse_algs(const char *list, struct bench_opts *o)
{
	const char *items[BENCH_MAX_ALGS];
	char *copy;
	unsigned n;

	o->n_algs = 0;
	if (strcmp(list, "all") == 0) {
		for (unsigned i = 0; i < bench_n_algs && i < BENCH_MAX_ALGS; i++)
			o->algs[o->n_algs++] = &bench_algs[i];
		return 0;
	}
	copy = split_list("alg", "algorithms", list, items, BENCH_MAX_ALGS, &n);
	if (copy == NULL)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		const struct bench_alg *a = alg_by_name(items[i]);

		if (a == NULL && strcmp(items[i], "all") == 0) {
			fprintf(stderr, "flexgw-bench: --alg %s: all goes alone\n", list);
			break;
		}
		if (a == NULL) {
			fprintf(stderr, "flexgw-bench: --alg %s: unknown; one of ", items[i]);
			alg_names(stderr);
			fprintf(stderr, " or all\n");
			break;
		}
		for (unsigned j = 0; j < o->n_algs; j++)
			if (o->algs[j] == a) {
				fprintf(stderr, "flexgw-bench: --alg %s: %s given twice\n", list,
					a->name);
				a = NULL;
				break;
			}
		if (a == NULL)
			break;
		o->algs[o->n_algs++] = a;
	}
	free(copy);
	return o->n_algs == n ? 0 : -1;
}

static int parse_sizes(const char *list, struct bench_opts *o)
{
	const char *items[BENCH_MAX_SIZES];
	char *copy, sz[16];
	unsigned n;

	o->n_sizes = 0;
	copy = split_list("size", "sizes", list, items, BENCH_MAX_SIZES, &n);
	if (copy == NULL)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		unsigned v;
		bool twice = false;

		if (strcmp(items[i], "imix") == 0) {
			v = BENCH_SIZE_IMIX;
		} else if (!parse_uint(items[i], 64, 1420, &v)) {
			fprintf(stderr, "flexgw-bench: --size %s: 64..1420 or imix\n", items[i]);
			break;
		}
		/* 64 and 064 are the same size */
		for (unsigned j = 0; j < o->n_sizes; j++)
			twice |= o->sizes[j] == v;
		if (twice) {
			fprintf(stderr, "flexgw-bench: --size %s: %s given twice\n", list,
				bench_size_name(v, sz, sizeof(sz)));
			break;
		}
		o->sizes[o->n_sizes++] = v;
	}
	free(copy);
	return o->n_sizes == n ? 0 : -1;
}

int bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "alg", required_argument, NULL, 'a' },
		{ "dir", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "sas", required_argument, NULL, 'n' },
		{ "workers", required_argument, NULL, 'w' },
		{ "sink", required_argument, NULL, 'k' },
		{ "rx", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "compare-paths", no_argument, NULL, 'c' },
		{ "no-crypto-only", no_argument, NULL, 'C' },
		{ "harness-cost", no_argument, NULL, 'H' },
		{ "crypto-api", no_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'j' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->algs[o->n_algs++] = &bench_algs[0];
	o->dir[BENCH_OUT] = true;
	o->sas = 1;
	o->sink = BENCH_SINK_RING;
	o->rx = BENCH_RX_COPY;
	o->duration = 2;
	o->warmup = 0.5;
	parse_sizes("64,1420", o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "hi", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (parse_algs(optarg, o) < 0)
				return -1;
			break;
		case 'd':
			o->dir[BENCH_OUT] = !strcmp(optarg, "outbound") || !strcmp(optarg, "both");
			o->dir[BENCH_IN] = !strcmp(optarg, "inbound") || !strcmp(optarg, "both");
			if (!o->dir[BENCH_OUT] && !o->dir[BENCH_IN]) {
				fprintf(stderr, "flexgw-bench: --dir %s: outbound, inbound or both\n",
					optarg);
				return -1;
			}
			break;
		case 's':
			if (parse_sizes(optarg, o) < 0)
				return -1;
			break;
		case 'n':
			if (!parse_uint(optarg, 1, BENCH_MAX_SAS, &o->sas)) {
				fprintf(stderr, "flexgw-bench: --sas %s: 1..%u\n", optarg,
					BENCH_MAX_SAS);
				return -1;
			}
			break;
		case 'w':
			if (!parse_uint(optarg, 1, FGW_DP_MAX_WORKERS, &o->workers)) {
				fprintf(stderr, "flexgw-bench: --workers %s: 1..%u\n", optarg,
					FGW_DP_MAX_WORKERS);
				return -1;
			}
			break;
		case 'k':
			if (strcmp(optarg, "ring") == 0) {
				o->sink = BENCH_SINK_RING;
			} else if (strcmp(optarg, "null") == 0) {
				o->sink = BENCH_SINK_NULL;
			} else {
				fprintf(stderr, "flexgw-bench: --sink %s: ring or null\n", optarg);
				return -1;
			}
			break;
		case 'r':
			if (strcmp(optarg, "copy") == 0) {
				o->rx = BENCH_RX_COPY;
			} else if (strcmp(optarg, "feeder") == 0) {
				o->rx = BENCH_RX_FEEDER;
			} else if (strcmp(optarg, "staged") == 0) {
				o->rx = BENCH_RX_STAGED;
			} else {
				fprintf(stderr, "flexgw-bench: --rx %s: copy, feeder or staged\n",
					optarg);
				return -1;
			}
			break;
		case 't':
			if (!parse_seconds(optarg, 0.1, &o->duration)) {
				fprintf(stderr, "flexgw-bench: --duration %s: seconds, 0.1..3600\n",
					optarg);
				return -1;
			}
			break;
		case 'W':
			if (!parse_seconds(optarg, 0, &o->warmup)) {
				fprintf(stderr, "flexgw-bench: --warmup %s: seconds, 0..3600\n", optarg);
				return -1;
			}
			break;
		case 'c':
			o->compare_paths = true;
			break;
		case 'C':
			o->no_crypto_only = true;
			break;
		case 'H':
			o->harness_cost = true;
			break;
		case 'A':
			o->crypto_api = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'i':
			o->interactive = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			/* getopt said what; the whole usage after it scrolled that away */
			fprintf(stderr, "flexgw-bench: --help lists the options\n");
			return -1;
		}
	}
	if (o->interactive && (o->json || o->compare_paths || o->crypto_api)) {
		fprintf(stderr, "flexgw-bench: --interactive goes with neither --json nor "
			"--compare-paths nor --crypto-api\n");
		return -1;
	}
	if (o->rx == BENCH_RX_FEEDER && o->sink != BENCH_SINK_RING) {
		/* the worker's RX queues are net_ring's; net_null has none */
		fprintf(stderr, "flexgw-bench: --rx feeder needs --sink ring\n");
		return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "flexgw-bench: unexpected argument %s\n", argv[optind]);
		return -1;
	}
	/* checked again once the EAL's lcores give the default worker count */
	if (bench_workers_lack_sas(o, o->workers))
		return -1;
	return 0;
}

bool bench_workers_lack_sas(const struct bench_opts *o, unsigned workers)
{
	/* the prompt runs the first direction only */
	bool inbound = o->dir[BENCH_IN] && !(o->interactive && o->dir[BENCH_OUT]);

	if (!inbound || workers <= o->sas)
		return false;
	fprintf(stderr, "flexgw-bench: inbound with %u workers needs --sas %u or more (each "
		"worker decrypts SAs of its own)\n", workers, workers);
	return true;
}
