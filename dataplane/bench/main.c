/* flexgw-bench: testpmd-style benchmark of flexgw's data path on in-memory
 * traffic. `flexgw-bench [EAL arguments --] [options]`; see bench.h for
 * what is measured and harness.c for how. */
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "dataplane/bench/bench.h"
#include "dataplane/dp.h"
#include "dataplane/ipsec/crypto.h"

#define EAL_ARGV_MAX 128

struct eal_args {
	char *v[EAL_ARGV_MAX];
	int n;
	char prefix[64], mem[16];
	char lcores[16 * (FGW_DP_MAX_WORKERS + 1)];
};

static bool gave(char **v, int n, const char *opt)
{
	size_t len = strlen(opt);

	for (int i = 0; i < n; i++)
		if (strncmp(v[i], opt, len) == 0 && (v[i][len] == '\0' || v[i][len] == '='))
			return true;
	return false;
}

static bool push(struct eal_args *a, char *s)
{
	if (a->n >= EAL_ARGV_MAX - 1)
		return false;
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return true;
}

/* Main lcore 0 and `workers` worker lcores, lcore i on the i-th CPU this
 * process may run on, round-robin: --workers 2 on two CPUs runs, as asked,
 * rather than failing for want of a third CPU. The main lcore only sleeps
 * while the workers measure. With --rx feeder, a feeder lcore per worker
 * after them when the CPUs give each worker and each feeder a CPU of its
 * own (the main lcore's sleep leaves its CPU to a feeder): 2 CPUs, one
 * worker, lcores 0@0, 1@1 and the feeder 2@0; else none, and copy runs. */
static bool default_lcores(struct eal_args *a, unsigned workers, bool feeder)
{
	cpu_set_t set;
	unsigned cpus[CPU_SETSIZE], n = 0;
	size_t off = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (unsigned c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				cpus[n++] = c;
	if (n == 0)
		cpus[n++] = 0;
	if (feeder && 2 * workers <= n)
		workers *= 2;
	for (unsigned i = 0; i <= workers; i++)
		off += (size_t)snprintf(a->lcores + off, sizeof(a->lcores) - off, "%s%u@%u",
					i ? "," : "", i, cpus[i % n]);
	return push(a, "--lcores") && push(a, a->lcores);
}

/* The operator's EAL arguments, with defaults for a box without
 * hugepages or NIC for each one not given. SAs live in DPDK memory
 * (about 2 KB each with the key schedule), so -m grows with --sas. */
static bool eal_args_build(struct eal_args *a, char **user, int n_user, unsigned sas,
			   unsigned workers, bool feeder)
{
	bool ok = push(a, "flexgw-bench");

	if (!gave(user, n_user, "-l") && !gave(user, n_user, "--lcores") &&
	    !gave(user, n_user, "-c"))
		ok &= default_lcores(a, workers ? workers : 1, feeder);
	if (!gave(user, n_user, "--no-huge") && !gave(user, n_user, "--huge-dir"))
		ok &= push(a, "--no-huge");
	if (!gave(user, n_user, "--no-shconf"))
		ok &= push(a, "--no-shconf");
	if (!gave(user, n_user, "-m") && !gave(user, n_user, "--socket-mem")) {
		snprintf(a->mem, sizeof(a->mem), "%u", 1024 + sas / 256);
		ok &= push(a, "-m") && push(a, a->mem);
	}
	if (!gave(user, n_user, "--no-pci") && !gave(user, n_user, "-a"))
		ok &= push(a, "--no-pci");
	if (!gave(user, n_user, "--telemetry") && !gave(user, n_user, "--no-telemetry"))
		ok &= push(a, "--no-telemetry");
	if (!gave(user, n_user, "--log-level"))
		ok &= push(a, "--log-level=*:warning");
	if (!gave(user, n_user, "--file-prefix")) {
		snprintf(a->prefix, sizeof(a->prefix), "--file-prefix=flexgw-bench-%d",
			 (int)getpid());
		ok &= push(a, a->prefix);
	}
	for (int i = 0; i < n_user; i++)
		ok &= push(a, user[i]);
	return ok;
}

/* rte_eal_init with stdout on stderr: given arguments it refuses, the EAL
 * printf()s its whole usage, ~100 lines that went to stdout, where --json
 * promises one JSON object (check19), and scrolled its error line away
 * from a terminal's stderr. */
static int eal_init(int argc, char **argv)
{
	int out, rc;

	fflush(stdout);
	out = dup(STDOUT_FILENO);
	if (out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		if (out >= 0)
			close(out);
		return rte_eal_init(argc, argv);
	}
	rc = rte_eal_init(argc, argv);
	fflush(stdout);
	dup2(out, STDOUT_FILENO);
	close(out);
	return rc;
}

/* ---- output ---------------------------------------------------------------- */

struct result {
	const struct bench_alg *alg;
	enum bench_dir dir;
	unsigned size, sas, workers;
	struct bench_rate total, per_worker[RTE_MAX_LCORE];
	unsigned lcores[RTE_MAX_LCORE];
	double crypto_only;		/* Mpps, 0 when not measured */
	double crypto_only_cpu;		/* Mpps per CPU second, 0 when unknown */
	double one_sa, one_sa_cpu;	/* sas > 1: one SA per worker, same run */
	double harness, harness_cpu;	/* --harness-cost: the harness alone */
	bool worker_path;		/* see bench_harness_path */
	enum bench_sink sink;
	enum bench_rx rx;		/* what ran */
	struct bench_rx_stats rxs;	/* rx feeder */
	char losses[512];		/* the workers' drops and punts */
	unsigned starved;		/* turns of its tasks the host starved (measure.c) */
};

static const char *dir_name(enum bench_dir d)
{
	return d == BENCH_OUT ? "outbound" : "inbound";
}

/* The same per CPU second of the lcores: what a core that nobody else
 * runs on would see. */
static double ratio_cpu(const struct result *r)
{
	return r->crypto_only_cpu > 0 ? r->total.mpps_cpu / r->workers / r->crypto_only_cpu : 0;
}

/* Whether the ratios come from the CPU-time rates: when a turn the host
 * starved stayed in, the wall rates' ratio says how long the host held
 * each task off its CPU (check17 read 7.2 and 0.07 so), not what the code
 * does. */
static bool ratio_from_cpu(const struct result *r)
{
	/* and only with every CPU-time rate a ratio divides by known: an
	 * unknown one (0) read ratio 0.000 (check19) */
	return r->starved > 0 && r->total.mpps_cpu > 0 &&
	       (r->crypto_only == 0 || r->crypto_only_cpu > 0) &&
	       (r->one_sa == 0 || r->one_sa_cpu > 0);
}

/* Per-worker rate over the one-core crypto limit. */
static double ratio(const struct result *r)
{
	if (ratio_from_cpu(r))
		return ratio_cpu(r);
	return r->crypto_only > 0 ? r->total.mpps / r->workers / r->crypto_only : 0;
}

/* With many SAs: their rate over the same data plane's on one SA. */
static double sas_ratio(const struct result *r)
{
	if (ratio_from_cpu(r))
		return r->one_sa_cpu > 0 ? r->total.mpps_cpu / r->one_sa_cpu : 0;
	return r->one_sa > 0 ? r->total.mpps / r->one_sa : 0;
}

/* --rx staged, per packet of one worker lcore over the measured turns:
 * the frame copy left out, the time counted. */
static double excluded_ns(const struct result *r)
{
	return r->total.packets ? r->total.excluded * 1e9 / (double)r->total.packets : 0;
}

static double counted_ns(const struct result *r)
{
	return r->total.packets ? r->total.seconds * r->workers * 1e9 /
				  (double)r->total.packets : 0;
}

/* The share of the worker's time in passes that found no frame beyond
 * which the feeder, not the data path, set the pace. */
#define FEEDER_BEHIND_PCT 1.0

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static bool feeder_behind(const struct result *r)
{
	return r->rx == BENCH_RX_FEEDER &&
	       pct(r->rxs.empty_cycles, r->rxs.cycles) > FEEDER_BEHIND_PCT;
}

static void table_row(FILE *f, const struct result *r)
{
	char sz[16];

	bench_size_name(r->size, sz, sizeof(sz));
	for (unsigned i = 0; i < r->workers; i++)
		fprintf(f, "%-20s %-8s %5s %7u  lcore %-3u %8.3f %8.2f %8.0f\n", r->alg->name,
			dir_name(r->dir), sz, r->sas, r->lcores[i], r->per_worker[i].mpps,
			r->per_worker[i].gbps, r->per_worker[i].cycles_per_pkt);
	fprintf(f, "%-20s %-8s %5s %7u  total     %8.3f %8.2f %8.0f ", r->alg->name,
		dir_name(r->dir), sz, r->sas, r->total.mpps, r->total.gbps,
		r->total.cycles_per_pkt);
	if (r->crypto_only > 0)
		fprintf(f, "%10.3f %6.3f", r->crypto_only, ratio(r));
	else
		fprintf(f, "%10s %6s", "-", "-");
	if (ratio_cpu(r) > 0)
		fprintf(f, "  cpu: %.3f/%.3f %6.3f", r->total.mpps_cpu, r->crypto_only_cpu,
			ratio_cpu(r));
	fprintf(f, "  (drops %lu)%s\n", (unsigned long)r->total.dropped,
		r->worker_path ? "" : " [esp-lib+forward]");
	if (r->one_sa > 0)
		fprintf(f, "    same run, one SA per worker: %.3f Mpps (cpu %.3f); %u SAs / 1 SA: "
			"%.3f (cpu %.3f)\n", r->one_sa, r->one_sa_cpu, r->sas, sas_ratio(r),
			r->one_sa_cpu > 0 ? r->total.mpps_cpu / r->one_sa_cpu : 0);
	if (r->harness > 0)
		fprintf(f, "    same run, the harness alone (%s): %.3f Mpps "
			"(cpu %.3f), %.1f ns a packet of the data path's %.1f\n",
			r->rx == BENCH_RX_COPY ? "alloc, copy, bulk free" :
			r->rx == BENCH_RX_STAGED ? "alloc, lengths, bulk free; the copy left out" :
			"the feeder's frames, the worker taking and freeing them", r->harness,
			r->harness_cpu, 1e3 / r->harness * r->workers,
			r->total.mpps > 0 ? 1e3 / r->total.mpps * r->workers : 0);
	if (r->rx == BENCH_RX_STAGED)
		fprintf(f, "    rx staged: %.1f ns a packet left out (the frame copy) of %.1f; "
			"on the wall clock, the copy counted: %.3f Mpps\n", excluded_ns(r),
			counted_ns(r) + excluded_ns(r), r->total.mpps_wall);
	if (r->rx == BENCH_RX_FEEDER) {
		fprintf(f, "    rx feeder: worker's RX ring empty in %lu of %lu polls (%.2f %% of "
			"its time), feeder's enqueue found it full %lu of %lu times (%.2f %%), %lu "
			"frames fed\n", (unsigned long)r->rxs.empty, (unsigned long)r->rxs.polls,
			pct(r->rxs.empty_cycles, r->rxs.cycles), (unsigned long)r->rxs.full,
			(unsigned long)r->rxs.enqueues, pct(r->rxs.full, r->rxs.enqueues),
			(unsigned long)r->rxs.fed);
		if (feeder_behind(r))
			fprintf(f, "    rx feeder: THE FEEDER DID NOT KEEP UP (the worker's RX ring "
				"empty more than %.0f %% of its time): this rate is the feeder's, "
				"not the data path's\n", FEEDER_BEHIND_PCT);
	}
	if (r->losses[0])
		fprintf(f, "    worker drops/punts: %s\n", r->losses);
	if (r->starved)
		fprintf(f, "    %u turn(s) kept though the host starved the lcores: the wall "
			"Mpps of this row are the host's; its ratios are the cpu ones\n", r->starved);
}

static void json_size(FILE *f, unsigned size)
{
	if (size == BENCH_SIZE_IMIX)
		fprintf(f, "\"imix\"");
	else
		fprintf(f, "%u", size);
}

static void json_result(FILE *f, const struct result *r, bool first)
{
	fprintf(f, "%s\n  {\"alg\": \"%s\", \"dir\": \"%s\", \"path\": \"%s\", "
		"\"sink\": \"%s\", \"rx\": \"%s\", \"size\": ", first ? "" : ",", r->alg->name,
		dir_name(r->dir), r->worker_path ? "worker" : "esp-lib+forward",
		bench_sink_name(r->sink), bench_rx_name(r->rx));
	json_size(f, r->size);
	fprintf(f, ", \"mean_size\": %.1f, \"sas\": %u, \"workers\": %u, \"mpps\": %.4f, "
		"\"gbps\": %.3f, \"cycles_per_pkt\": %.1f, \"crypto_only_mpps\": %.4f, "
		"\"ratio\": %.4f, \"mpps_cpu\": %.4f, \"crypto_only_mpps_cpu\": %.4f, "
		"\"ratio_cpu\": %.4f, \"dropped\": %lu, \"worker_losses\": \"%s\", "
		"\"seconds\": %.3f, \"starved_turns\": %u, \"ratio_from\": \"%s\", ",
		bench_mean_size(r->size), r->sas, r->workers, r->total.mpps, r->total.gbps,
		r->total.cycles_per_pkt, r->crypto_only, ratio(r), r->total.mpps_cpu,
		r->crypto_only_cpu, ratio_cpu(r), (unsigned long)r->total.dropped,
		r->losses, r->total.seconds, r->starved, ratio_from_cpu(r) ? "cpu" : "wall");
	if (r->one_sa > 0)
		fprintf(f, "\"one_sa_mpps\": %.4f, \"one_sa_mpps_cpu\": %.4f, "
			"\"sas_ratio\": %.4f, ", r->one_sa, r->one_sa_cpu, sas_ratio(r));
	if (r->harness > 0)
		fprintf(f, "\"harness_mpps\": %.4f, \"harness_mpps_cpu\": %.4f, ", r->harness,
			r->harness_cpu);
	if (r->rx == BENCH_RX_STAGED)
		fprintf(f, "\"rx_excluded_ns\": %.2f, \"rx_counted_ns\": %.2f, "
			"\"mpps_wall\": %.4f, ", excluded_ns(r), counted_ns(r), r->total.mpps_wall);
	if (r->rx == BENCH_RX_FEEDER)
		fprintf(f, "\"rx_polls\": %lu, \"rx_empty_polls\": %lu, \"rx_empty_time\": %.4f, "
			"\"feeder_enqueues\": %lu, \"feeder_ring_full\": %lu, \"feeder_fed\": %lu, "
			"\"feeder_behind\": %s, ", (unsigned long)r->rxs.polls,
			(unsigned long)r->rxs.empty, pct(r->rxs.empty_cycles, r->rxs.cycles) / 100,
			(unsigned long)r->rxs.enqueues, (unsigned long)r->rxs.full,
			(unsigned long)r->rxs.fed, feeder_behind(r) ? "true" : "false");
	fprintf(f, "\"per_worker\": [");
	for (unsigned i = 0; i < r->workers; i++)
		fprintf(f, "%s{\"lcore\": %u, \"mpps\": %.4f, \"gbps\": %.3f, "
			"\"cycles_per_pkt\": %.1f}", i ? ", " : "", r->lcores[i],
			r->per_worker[i].mpps, r->per_worker[i].gbps,
			r->per_worker[i].cycles_per_pkt);
	fprintf(f, "]}");
}

/* ---- the runs --------------------------------------------------------------- */

/* Cycles per packet of a rate on one lcore. */
static double cycles(double mpps)
{
	return mpps > 0 ? (double)rte_get_tsc_hz() / (mpps * 1e6) : 0;
}

static int run_compare(const struct bench_opts *o, unsigned lcore, FILE *tab, FILE *js)
{
	static const char *const pmds[] = { "crypto_aesni_mb", "crypto_aesni_gcm" };
	bool first = true;

	fprintf(tab, "\ncrypto path comparison, outbound ESP in mbufs, one SA, lcore %u: both paths "
		"and 'none' (the alloc + copy + free they share) in turns; cyc = cycles per packet "
		"beyond 'none'\n", lcore);
	fprintf(tab, "%-20s %5s %9s %6s %9s %6s %9s %-17s %6s\n", "alg", "size", "IPsec-MB",
		"cyc", "lib/ipsec", "cyc", "none", "lib/ipsec PMD", "ratio");
	if (js)
		fprintf(js, ", \"compare_paths\": [");
	for (unsigned a = 0; a < o->n_algs; a++)
	for (unsigned s = 0; s < o->n_sizes; s++)
	for (unsigned p = 0; p < RTE_DIM(pmds); p++) {
		const struct bench_alg *alg = o->algs[a];
		struct bench_rate fgw, lib, none;
		char err[256], sz[16];
		double ratio, own_fgw, own_lib;

		/* aesni_gcm does GCM only */
		if (p == 1 && !fgw_cipher_is_aead(alg->cipher))
			continue;
		if (bench_compare_paths(alg, pmds[p], o->sizes[s], lcore, o, &fgw, &lib, &none,
					err, sizeof(err)) < 0) {
			fprintf(stderr, "flexgw-bench: compare %s: %s\n", alg->name, err);
			return -1;
		}
		ratio = lib.mpps > 0 ? fgw.mpps / lib.mpps : 0;
		own_fgw = cycles(fgw.mpps) - cycles(none.mpps);
		own_lib = cycles(lib.mpps) - cycles(none.mpps);
		fprintf(tab, "%-20s %5s %9.3f %6.0f %9.3f %6.0f %9.3f %-17s %6.3f\n", alg->name,
			bench_size_name(o->sizes[s], sz, sizeof(sz)), fgw.mpps, own_fgw, lib.mpps,
			own_lib, none.mpps, pmds[p], ratio);
		fflush(tab);
		if (js) {
			fprintf(js, "%s\n  {\"alg\": \"%s\", \"size\": ", first ? "" : ",",
				alg->name);
			json_size(js, o->sizes[s]);
			fprintf(js, ", \"ipsec_mb_mpps\": %.4f, \"lib_ipsec_mpps\": %.4f, "
				"\"lib_ipsec_pmd\": \"%s\", \"ratio\": %.4f, "
				"\"alloc_copy_free_mpps\": %.4f, \"ipsec_mb_cycles\": %.0f, "
				"\"lib_ipsec_cycles\": %.0f}", fgw.mpps, lib.mpps, pmds[p], ratio,
				none.mpps, own_fgw, own_lib);
		}
		first = false;
	}
	bench_compare_paths_end();
	if (js)
		fprintf(js, "]");
	return 0;
}

/* The crypto-only limit through each of IPsec-MB's APIs, in turns. */
static int run_crypto_api(const struct bench_opts *o, unsigned lcore, FILE *tab, FILE *js)
{
	bool first = true;
	int rc = 0;

	fprintf(tab, "\ncrypto-only by IPsec-MB API, one SA, lcore %u, in turns (Mpps): burst = "
		"IMB_SUBMIT_BURST, job = IMB_SUBMIT_JOB, direct (the calls the data path makes) = "
		"IMB_AES*_GCM_ENC/DEC or IMB_SUBMIT_CIPHER_BURST + IMB_SUBMIT_HASH_BURST (here "
		"on a copy of the jobs, which the data path does not make)\n", lcore);
	fprintf(tab, "%-20s %-8s %5s %9s %9s %9s\n", "alg", "dir", "size", "burst", "job",
		"direct");
	if (js)
		fprintf(js, ", \"crypto_api\": [");
	for (unsigned a = 0; a < o->n_algs && rc == 0; a++)
	for (unsigned d = 0; d < 2 && rc == 0; d++)
	for (unsigned s = 0; s < o->n_sizes && rc == 0; s++) {
		struct bench_task t[BENCH_N_APIS];
		struct bench_crypto_only *co[BENCH_N_APIS] = { NULL };
		char sz[16];

		if (!o->dir[d])
			continue;
		for (unsigned i = 0; i < BENCH_N_APIS && rc == 0; i++) {
			co[i] = bench_crypto_only_create(o->algs[a], (enum bench_dir)d, o->sizes[s],
							 (enum bench_crypto_api)(BENCH_API_BURST + i),
							 lcore, &t[i]);
			if (co[i] == NULL)
				rc = -1;
		}
		if (rc == 0)
			rc = bench_interleave(t, BENCH_N_APIS, o);
		for (unsigned i = 0; i < BENCH_N_APIS; i++)
			bench_crypto_only_free(co[i]);
		if (rc < 0) {
			fprintf(stderr, "flexgw-bench: crypto-api %s: cannot run\n", o->algs[a]->name);
			break;
		}
		fprintf(tab, "%-20s %-8s %5s %9.3f %9.3f %9.3f\n", o->algs[a]->name,
			dir_name((enum bench_dir)d), bench_size_name(o->sizes[s], sz, sizeof(sz)),
			t[0].total.mpps, t[1].total.mpps, t[2].total.mpps);
		fflush(tab);
		if (js) {
			fprintf(js, "%s\n  {\"alg\": \"%s\", \"dir\": \"%s\", \"size\": ",
				first ? "" : ",", o->algs[a]->name, dir_name((enum bench_dir)d));
			json_size(js, o->sizes[s]);
			fprintf(js, ", \"burst_mpps\": %.4f, \"job_mpps\": %.4f, "
				"\"direct_mpps\": %.4f}", t[0].total.mpps, t[1].total.mpps,
				t[2].total.mpps);
		}
		first = false;
	}
	if (js)
		fprintf(js, "]");
	return rc;
}

static int run_all(const struct bench_opts *o, FILE *tab, FILE *js)
{
	unsigned lcores[RTE_MAX_LCORE], n = 0, lc, avail;
	struct bench_harness *h;
	struct fgw_crypto probe;
	char err[256], rx_note[160] = "";
	enum bench_rx rx = o->rx;
	bool first = true;
	int rc = 0;

	RTE_LCORE_FOREACH_WORKER(lc)
		lcores[n++] = lc;
	if (n == 0) {
		fprintf(stderr, "flexgw-bench: no worker lcore (give EAL -l with two or more)\n");
		return -1;
	}
	if (o->workers > n) {
		fprintf(stderr, "flexgw-bench: --workers %u: the EAL arguments give %u worker "
			"lcore(s)\n", o->workers, n);
		return -1;
	}
	avail = n;
	if (o->workers)
		n = o->workers;
	else if (rx == BENCH_RX_FEEDER)
		n = RTE_MAX(1u, n / 2);	/* half the lcores feed the other half */
	if (n > FGW_DP_MAX_WORKERS) {
		fprintf(tab, "flexgw-bench: the data plane takes %u workers at most: lcores "
			"beyond the first %u stay idle\n", FGW_DP_MAX_WORKERS, FGW_DP_MAX_WORKERS);
		n = FGW_DP_MAX_WORKERS;
	}
	/* before any measurement: found at the first inbound one, it stopped
	 * a run after its outbound results (check17) */
	if (bench_workers_lack_sas(o, n))
		return -1;
	/* worker i's feeder: the (n + i)-th worker lcore */
	if (rx == BENCH_RX_FEEDER && avail - n < n) {
		snprintf(rx_note, sizeof(rx_note), "--rx feeder needs a spare lcore per worker "
			 "(%u workers, %u worker lcores): --rx copy measured instead", n, avail);
		rx = BENCH_RX_COPY;
	}
	if (fgw_crypto_init(&probe, err, sizeof(err)) < 0) {
		fprintf(stderr, "flexgw-bench: %s\n", err);
		return -1;
	}
	fprintf(tab, "flexgw-bench: %u worker lcore(s), IPsec-MB %s (%s), %g s per "
		"measurement after %g s warm-up\n", n, imb_get_version_str(),
		fgw_crypto_arch_name(probe.arch), o->duration, o->warmup);
	fgw_crypto_free(&probe);
	fprintf(tab, "data path: %s\n", bench_harness_path(true));
	if (o->dir[BENCH_OUT] && !bench_harness_worker_path_possible(o->sas))
		fprintf(tab, "data path for these outbound runs instead: %s\n",
			bench_harness_path(false));
	fprintf(tab, "crypto-only: IPsec-MB jobs alone on prebuilt ESP-shaped buffers, one SA, "
		"lcore %u, in turns of %.2f s with the data path; Mpps = median over the turns; "
		"ratio = Mpps per worker / crypto-only Mpps\n", lcores[0], BENCH_SLICE_S);
	fprintf(tab, "TX sink: %s\n", o->sink == BENCH_SINK_RING ?
		"ring (net_ring; the worker loop returns sent mbufs to the pool in bulk each "
		"turn, as a NIC's TX completion does)" :
		"null (net_null; its TX frees each mbuf on its own, ~33 instructions a 64 B "
		"packet more than ring)");
	if (rx == BENCH_RX_COPY)
		fprintf(tab, "RX: copy (the worker lcore copies the frames into fresh mbufs itself, "
			"in its measured time)%s%s\n", rx_note[0] ? "; " : "", rx_note);
	else if (rx == BENCH_RX_STAGED)
		fprintf(tab, "RX: staged (the worker lcore writes whole frames into mbufs an RX "
			"ring's depth, 512 frames, ahead of their processing; EXCLUDED from the "
			"measured time: that frame-byte copy, a NIC's DMA; counted: the mbuf "
			"allocation, the lengths a PMD writes, the data path, the service, TX "
			"completion, RCU; Mpps = packets / counted time)\n");
	else
		fprintf(tab, "RX: feeder (lcore%s %u%s %s the frames into mbufs and %s them on "
			"the workers' net_ring RX rings; the workers run fgw_worker_pass)\n",
			n > 1 ? "s" : "", lcores[n], n > 1 ? "..." : "", n > 1 ? "copy" : "copies",
			n > 1 ? "enqueue" : "enqueues");
	fprintf(tab, "sizes are inner IPv4 bytes; Gbit/s counts them\n\n");
	h = bench_harness_create(n, lcores, rx, rx == BENCH_RX_FEEDER ? lcores + n : NULL,
				 o->sas, o->sink, err, sizeof(err));
	if (h == NULL) {
		fprintf(stderr, "flexgw-bench: %s\n", err);
		return -1;
	}
	if (o->interactive) {
		/* the prompt writes to the terminal unbuffered: the header first */
		fflush(tab);
		rc = bench_prompt(h, o);
		bench_harness_free(h);
		return rc;
	}
	fprintf(tab, "%-20s %-8s %5s %7s  %-9s %8s %8s %8s %10s %6s\n", "alg", "dir", "size",
		"sas", "worker", "Mpps", "Gbit/s", "cyc/pkt", "crypto Mpps", "ratio");
	if (js)
		fprintf(js, "{\"tool\": \"flexgw-bench\", \"data_path\": \"%s\", "
			"\"sink\": \"%s\", \"rx\": \"%s\", \"rx_note\": \"%s\", \"ipsec_mb\": \"%s\", "
			"\"results\": [", bench_harness_path(true), bench_sink_name(o->sink),
			bench_rx_name(rx), rx_note, imb_get_version_str());
	for (unsigned a = 0; a < o->n_algs && rc == 0; a++)
	for (unsigned d = 0; d < 2 && rc == 0; d++)
	for (unsigned s = 0; s < o->n_sizes && rc == 0; s++) {
		static struct result r;

		if (!o->dir[d])
			continue;
		memset(&r, 0, sizeof(r));
		r.alg = o->algs[a];
		r.dir = (enum bench_dir)d;
		r.size = o->sizes[s];
		r.sas = o->sas;
		r.workers = n;
		r.sink = o->sink;
		r.rx = rx;
		memcpy(r.lcores, lcores, n * sizeof(lcores[0]));
		struct bench_task t[4], one;
		struct bench_crypto_only *co = NULL;
		unsigned nt = 0, co_task = 0, one_task = 0, rx_task = 0;	/* 0: not measured */

		if (bench_harness_prepare(h, r.alg, r.dir, r.size, o->sas, &t[nt++],
					  o->sas > 1 ? &one : NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "flexgw-bench: %s %s: %s\n", r.alg->name, dir_name(r.dir),
				err);
			rc = -1;
			break;
		}
		if (!o->no_crypto_only) {
			co = bench_crypto_only_create(r.alg, r.dir, r.size, BENCH_API_FGW,
						      lcores[0], &t[nt]);
			if (co == NULL) {
				fprintf(stderr, "flexgw-bench: crypto-only %s: cannot set up\n",
					r.alg->name);
				bench_harness_finish(h);
				rc = -1;
				break;
			}
			co_task = nt++;
		}
		if (o->sas > 1) {
			one_task = nt;
			t[nt++] = one;
		}
		if (o->harness_cost) {
			rx_task = nt;
			bench_harness_rx_task(h, &t[0], &t[nt++]);
		}
		r.worker_path = bench_harness_worker_path(h);
		rc = bench_interleave(t, nt, o);
		bench_harness_losses(h, r.losses, sizeof(r.losses));
		bench_harness_rx_stats(h, &r.rxs);
		bench_harness_finish(h);
		bench_crypto_only_free(co);
		if (rc < 0) {
			fprintf(stderr, "flexgw-bench: cannot launch on the worker lcores\n");
			break;
		}
		r.total = t[0].total;
		for (unsigned k = 0; k < nt; k++)
			r.starved += t[k].starved;
		memcpy(r.per_worker, t[0].rates, n * sizeof(r.per_worker[0]));
		if (co_task != 0) {
			r.crypto_only = t[co_task].total.mpps;
			r.crypto_only_cpu = t[co_task].total.mpps_cpu;
		}
		if (one_task != 0) {
			r.one_sa = t[one_task].total.mpps;
			r.one_sa_cpu = t[one_task].total.mpps_cpu;
		}
		if (rx_task != 0) {
			r.harness = t[rx_task].total.mpps;
			r.harness_cpu = t[rx_task].total.mpps_cpu;
		}
		table_row(tab, &r);
		fflush(tab);
		if (js)
			json_result(js, &r, first);
		first = false;
	}
	bench_harness_free(h);
	if (js)
		fprintf(js, "\n]");
	if (rc == 0 && o->compare_paths)
		rc = run_compare(o, lcores[0], tab, js);
	if (rc == 0 && o->crypto_api)
		rc = run_crypto_api(o, lcores[0], tab, js);
	if (js)
		fprintf(js, "}\n");
	return rc;
}

/* The EAL's runtime directory, empty under --no-shconf, which nothing of
 * DPDK removes: one left behind a /var/run/dpdk/flexgw-bench-PID for every
 * run that a SIGINT or SIGTERM (timeout(1), a Ctrl-C) ended (check17), a
 * SIGPIPE (`flexgw-bench | head`) or a SIGHUP (the prompt's terminal
 * closed) (check18). */
static char runtime_dir[PATH_MAX];

static void on_signal(int sig)
{
	bench_prompt_restore_terminal();
	if (runtime_dir[0])
		rmdir(runtime_dir);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A signal ignored when we started stays so: nohup's SIGHUP, a background
 * job's SIGINT; an ignored SIGPIPE makes writes fail with EPIPE instead. */
static void catch_signal(int sig)
{
	if (signal(sig, on_signal) == SIG_IGN)
		signal(sig, SIG_IGN);
}

int main(int argc, char **argv)
{
	struct eal_args eal = { .n = 0 };
	struct bench_opts o;
	int sep = 0, rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	/* options: argv[sep + 1..], with argv[sep] standing in as argv[0]: it
	 * takes argv[0]'s name, which getopt's messages begin with */
	if (sep)
		argv[sep] = argv[0];
	if (bench_parse(argc - sep, argv + sep, &o) < 0)
		return 2;
	/* DPDK refuses --in-memory beside --no-huge, a default without
	 * --huge-dir (as "--legacy-mem is not compatible with --in-memory", an
	 * option nobody gave) */
	if (gave(argv + 1, sep ? sep - 1 : 0, "--in-memory") &&
	    (gave(argv + 1, sep ? sep - 1 : 0, "--no-huge") ||
	     !gave(argv + 1, sep ? sep - 1 : 0, "--huge-dir"))) {
		fprintf(stderr, "flexgw-bench: --in-memory needs hugepages (--huge-dir, and no "
			"--no-huge); without them --no-shconf, a default, keeps no files "
			"either\n");
		return 2;
	}
	if (!eal_args_build(&eal, argv + 1, sep ? sep - 1 : 0, o.sas, o.workers,
			    o.rx == BENCH_RX_FEEDER)) {
		fprintf(stderr, "flexgw-bench: too many EAL arguments\n");
		return 2;
	}
	/* EAL logs to stdout by default; keep stdout for the results. */
	rte_openlog_stream(stderr);
	if (eal_init(eal.n, eal.v) < 0) {
		fprintf(stderr, "flexgw-bench: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		/* the EAL makes its runtime directory before most of its
		 * checks and leaves it on failure: removed when empty */
		if (rte_eal_get_runtime_dir()[0])
			rmdir(rte_eal_get_runtime_dir());
		return 1;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	catch_signal(SIGINT);
	catch_signal(SIGTERM);
	catch_signal(SIGHUP);
	catch_signal(SIGPIPE);
	rc = run_all(&o, o.json ? stderr : stdout, o.json ? stdout : NULL);
	rte_eal_cleanup();
	rmdir(runtime_dir);
	return rc == 0 ? 0 : 1;
}
