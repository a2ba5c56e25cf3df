/* flexgw-bench: what its parts share. One run measures, for each algorithm,
 * direction and packet size asked for, the crypto-only limit of IPsec-MB on
 * one core and the packet rate of the data path (the worker's own code on
 * in-memory traffic); --compare-paths measures the two ESP crypto paths
 * (our IPsec-MB burst code and DPDK lib/ipsec in CPU-crypto mode) side by
 * side. */
#ifndef FGW_BENCH_H
#define FGW_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <rte_mbuf.h>

#include "common/sa.h"

#define BENCH_BURST 32
/* How far apart prebuilt packet buffers sit: 33 cache lines, an odd
 * number, so their first lines spread over every L1 set. 2,048 bytes
 * apart they all fell into 4 of the 64, and each packet's data was read
 * from L2 (callgrind, 64 B, Zen 5's 48 KB 12-way L1). Room for the
 * largest packet, 1420 B inner plus ESP and outer headers. */
#define BENCH_BUF_STRIDE 2112
#define BENCH_MAX_SAS 1000000
#define BENCH_MAX_SIZES 8
#define BENCH_MAX_ALGS 16
#define BENCH_SIZE_IMIX 0	/* the size list's code for imix */

/* Inner IPv4 packet sizes of imix: 7 x 64, 4 x 594, 1 x 1420, spread out.
 * Classic imix is 64/594/1518-byte frames; 1420 stands for the 1518 one
 * because it is the largest inner packet whose ESP (any algorithm here,
 * CBC + SHA-512 included) fits a 1500-byte outer MTU. */
#define BENCH_IMIX_LEN 12
extern const uint16_t bench_imix[BENCH_IMIX_LEN];

struct bench_alg {
	const char *name;
	uint8_t cipher, integ;		/* enum fgw_cipher, enum fgw_integ */
};
extern const struct bench_alg bench_algs[];
extern const unsigned bench_n_algs;

enum bench_dir { BENCH_OUT, BENCH_IN };

/* Where the worker's transmitted frames go. ring: net_ring ports whose TX
 * rings the harness empties every turn, returning the mbufs to the pool in
 * bulk, as a NIC's PMD does at TX completion (RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE);
 * null: net_null ports, whose TX frees each mbuf on its own. */
enum bench_sink { BENCH_SINK_RING, BENCH_SINK_NULL };
const char *bench_sink_name(enum bench_sink s);

/* How frames reach the worker (the NIC's RX). copy: the worker lcore
 * itself copies the prebuilt frames into fresh mbufs before each burst
 * and hands them to fgw_worker_process_burst, in the measured time.
 * feeder: a lcore of its own per worker allocates the mbufs, copies the
 * frames and enqueues them on the worker's RX ring of a net_ring port;
 * the worker runs the worker loop's own pass (fgw_worker_pass:
 * rte_eth_rx_burst, the burst, the service), so its time holds no RX copy
 * but the cross-lcore transfer of every line the feeder wrote.
 * staged: the worker lcore keeps a NIC RX ring's depth of mbufs filled
 * ahead of their processing, and the time it spends writing frame bytes
 * into them (what a NIC's DMA does without the core) is left out of the
 * measured time; the mbuf allocation, the metadata a PMD's RX writes and
 * everything after stay in it. */
enum bench_rx { BENCH_RX_COPY, BENCH_RX_FEEDER, BENCH_RX_STAGED };
const char *bench_rx_name(enum bench_rx r);

struct bench_opts {
	const struct bench_alg *algs[BENCH_MAX_ALGS];
	unsigned n_algs;
	bool dir[2];			/* by enum bench_dir */
	unsigned sizes[BENCH_MAX_SIZES];	/* BENCH_SIZE_IMIX for imix */
	unsigned n_sizes;
	unsigned sas;
	unsigned workers;		/* 0: every EAL worker lcore */
	enum bench_sink sink;
	enum bench_rx rx;
	double duration;		/* seconds per measurement */
	double warmup;
	bool json;
	bool compare_paths;
	bool crypto_api;
	bool no_crypto_only;
	bool harness_cost;
	bool interactive;
};

int bench_parse(int argc, char **argv, struct bench_opts *o);
/* Whether an inbound run would have more workers than SAs (each worker
 * decrypts SAs of its own), saying so on stderr. */
bool bench_workers_lack_sas(const struct bench_opts *o, unsigned workers);

/* An IPv4 address in host order. (DPDK's RTE_IPV4 shifts a signed int: undefined
 * for a first byte above 127.) */
static inline uint32_t bench_ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

/* The size of packet i of a run (imix cycles through its pattern). */
static inline unsigned bench_pkt_size(unsigned size, unsigned i)
{
	return size == BENCH_SIZE_IMIX ? bench_imix[i % BENCH_IMIX_LEN] : size;
}

/* Mean inner size, for Gbit/s. */
double bench_mean_size(unsigned size);
const char *bench_size_name(unsigned size, char *buf, unsigned len);

/* ---- keys and addresses ------------------------------------------------- */

/* SA k's keys: fixed bytes with k mixed into the last four, so all differ. */
void bench_sa_keys(unsigned k, struct fgw_sa_keys *keys);
/* The inner destination SA k protects: 203.0.113.1 for one SA, else
 * 10.0.0.0 + k + 1 (network byte order). */
uint32_t bench_sa_dst(unsigned sas, unsigned k);

/* An inner IPv4/UDP packet of `len` bytes from src to dst into p. */
void bench_ipv4_udp(uint8_t *p, unsigned len, uint32_t src, uint32_t dst, uint16_t sport);

/* ---- stopwatch shared by the measuring lcores and the main lcore ------- */

struct bench_counter {
	volatile uint64_t packets;	/* written by one lcore */
	volatile uint64_t dropped;
	/* TSC cycles this lcore spent on work the measurement leaves out
	 * (--rx staged: the frame-byte copy); 0 for every other task */
	volatile uint64_t excluded;
	/* That lcore thread's CPU-time clock (bench_counter_own): a turn's
	 * wall time includes the spells the thread was preempted on a shared
	 * host, its CPU time does not. */
	clockid_t clock;
	volatile bool has_clock;
};

/* Called by the lcore that writes c, before it counts. */
static inline void bench_counter_own(struct bench_counter *c)
{
	if (!c->has_clock && pthread_getcpuclockid(pthread_self(), &c->clock) == 0)
		c->has_clock = true;
}

/* Rates are packets over the counted time: the turn's wall time (or the
 * lcore's CPU time) less the counter's excluded cycles. */
struct bench_rate {
	double mpps, gbps, cycles_per_pkt, seconds;	/* seconds: counted */
	double mpps_cpu;		/* per CPU second of the lcores; 0: unknown */
	double mpps_wall;		/* packets over the wall time, nothing left out */
	double excluded;		/* seconds left out, summed over the lcores */
	uint64_t packets, dropped;
};

/* Something measured: start() launches its lcores, stop() stops and joins
 * them; while it runs, each of its n counters is written by one lcore. */
struct bench_task {
	int (*start)(void *arg);
	void (*stop)(void *arg);
	void *arg;
	struct bench_counter *const *count;
	unsigned n;
	double mean_size;		/* inner bytes, for Gbit/s */
	struct bench_rate *rates;	/* out: per counter (n) */
	struct bench_rate total;	/* out: their sum */
	unsigned starved;		/* out: turns kept though the host starved them */
};

/* Measures the tasks in turns of BENCH_SLICE_S seconds, round-robin,
 * until each has run `duration` seconds (o->warmup before each task's
 * first turn, a short settle before the others), so a slow spell of a
 * noisy host hits them all alike. Each rate is the median over the turns.
 * -1 if a task fails to start. */
#define BENCH_SLICE_S 0.25
int bench_interleave(struct bench_task *t, unsigned n_tasks, const struct bench_opts *o);

/* ---- crypto-only: IPsec-MB alone on prebuilt buffers, one lcore -------- */

/* How the crypto-only loop calls IPsec-MB: as the data path does
 * (fgw_crypto_run: GCM functions for GCM, the cipher and hash bursts for CBC
 * + HMAC of one kind, the burst API for the rest); the
 * burst API (IMB_SUBMIT_BURST); one job at a time (IMB_SUBMIT_JOB,
 * completed jobs taken as they come, flushed per burst); or the direct
 * single-algorithm calls -- GCM's IMB_AES*_GCM_ENC/DEC per packet, CBC +
 * HMAC as one cipher burst and one hash burst (IMB_SUBMIT_CIPHER_BURST,
 * IMB_SUBMIT_HASH_BURST). --crypto-api measures the last three in turns. */
enum bench_crypto_api { BENCH_API_FGW, BENCH_API_BURST, BENCH_API_JOB, BENCH_API_DIRECT };
#define BENCH_N_APIS 3		/* compared by --crypto-api, from BENCH_API_BURST */

struct bench_crypto_only;
struct bench_crypto_only *bench_crypto_only_create(const struct bench_alg *alg,
						   enum bench_dir dir, unsigned size,
						   enum bench_crypto_api api,
						   unsigned lcore, struct bench_task *t);
void bench_crypto_only_free(struct bench_crypto_only *co);

/* ---- the harness: the worker's code on in-memory traffic --------------- */

struct bench_harness;
/* sas: the most SAs any measurement of the run will use; rx: the RX
 * model, with BENCH_RX_FEEDER feeders[i] worker i's feeder lcore. */
struct bench_harness *bench_harness_create(unsigned n_workers, const unsigned *lcores,
					   enum bench_rx rx, const unsigned *feeders, unsigned sas,
					   enum bench_sink sink, char *err, size_t errlen);
void bench_harness_free(struct bench_harness *h);
/* What the data path call is (the worker's, or the ESP library's plus the
 * worker's forwarding), for the output; which one a measurement used is
 * bench_harness_worker_path after bench_harness_prepare. */
const char *bench_harness_path(bool worker_path);
bool bench_harness_worker_path(const struct bench_harness *h);
/* Whether outbound with this many SAs can go through tunnel interfaces. */
bool bench_harness_worker_path_possible(unsigned sas);
/* SAs and prebuilt traffic for one measurement, and the task that runs it;
 * with `one` (sas > 1), a second task that runs the same data plane with
 * its traffic on one SA per worker, to measure in turns with t.
 * bench_harness_finish frees them. */
int bench_harness_prepare(struct bench_harness *h, const struct bench_alg *alg,
			  enum bench_dir dir, unsigned size, unsigned sas, struct bench_task *t,
			  struct bench_task *one, char *err, size_t errlen);
void bench_harness_finish(struct bench_harness *h);
/* For --harness-cost: a task on t's traffic that runs the harness alone
 * -- mbufs allocated, frames copied as for t, the mbufs freed in bulk as
 * the ring sink frees them -- without the data path; its rate counts the
 * frames handed over. */
void bench_harness_rx_task(struct bench_harness *h, const struct bench_task *t,
			   struct bench_task *rx);
/* --rx feeder, summed over the workers and the turns of the measurement's
 * main task (t of bench_harness_prepare): the worker's loop passes and
 * those that found its RX ring empty (the feeder behind) and the TSC
 * cycles of both, the feeder's
 * enqueue attempts and those that found the ring full (the worker behind),
 * the frames it fed. Zero with --rx copy. Before bench_harness_finish. */
struct bench_rx_stats {
	uint64_t polls, empty, cycles, empty_cycles, enqueues, full, fed;
};
void bench_harness_rx_stats(const struct bench_harness *h, struct bench_rx_stats *s);
/* The workers' drops by reason and punts since bench_harness_prepare, as
 * "REASON=n,...", empty when none. Before bench_harness_finish. */
void bench_harness_losses(const struct bench_harness *h, char *buf, size_t len);
/* For the prompt: the ports' counters; the prepared SAs' counters summed. */
void bench_harness_show_ports(const struct bench_harness *h, FILE *f);
void bench_harness_show_crypto(const struct bench_harness *h, FILE *f);

/* ---- the interactive prompt (--interactive) ------------------------------ */

/* testpmd-like: start / stop / show port stats / show crypto stats / quit,
 * on the first algorithm, direction and size of the options. */
int bench_prompt(struct bench_harness *h, const struct bench_opts *o);
/* Gives the terminal back as it was before the prompt; async-signal-safe,
 * for a signal that ends the run there. */
void bench_prompt_restore_terminal(void);

/* ---- --compare-paths ----------------------------------------------------- */

/* Outbound ESP in mbufs on one lcore: (a) fgw_esp_encap (IPsec-MB burst
 * API), (b) DPDK lib/ipsec over the ipsec_mb cryptodev `pmd`
 * (crypto_aesni_mb or crypto_aesni_gcm) in CPU-crypto mode. Same packets,
 * same allocation and copy, same free; interleaved with (c) `none`, the
 * allocation, copy and free alone. */
int bench_compare_paths(const struct bench_alg *alg, const char *pmd, unsigned size,
			unsigned lcore, const struct bench_opts *o, struct bench_rate *fgw,
			struct bench_rate *libipsec, struct bench_rate *none, char *err,
			size_t errlen);
/* Stops the cryptodevs the comparison started. */
void bench_compare_paths_end(void);

#endif
