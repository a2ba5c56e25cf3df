/* The harness: a data plane like flexgw's (fgw_dp_init, two ports,
 * connected routes, neighbours sent as control messages, tunnel
 * interfaces with their SAs and routes into them, dataplane/tunnel.h), and
 * on each worker lcore a loop that copies prebuilt frames into fresh mbufs
 * (as a NIC's RX would hand them over; outbound only their headers, see
 * OUT_COPY), passes each burst to
 * fgw_worker_process_burst -- the worker's own receive path: Ethernet,
 * IPv4, FIB, tunnel output and ESP, or ESP input, decapsulation and the
 * route of the inner packet -- and then runs the worker's between-bursts
 * service (messages, handoff, TX flush) and its RCU quiescent report, as
 * the worker loop does. Transmitted frames go to the TX sink (--sink):
 * ring (default), net_ring ports with one ring per worker and port, which
 * the worker's loop empties each turn and whose mbufs it returns to the
 * pool in bulk -- a NIC's TX completion, modelled in the measured time as
 * the copy into fresh mbufs models its RX; or null, net_null ports, whose
 * TX frees every mbuf on its own (rte_pktmbuf_free per packet: 81
 * instructions a packet by callgrind, the ring sink's dequeue and bulk
 * free 48).
 *
 * That is --rx copy. With --rx feeder the copy moves to a feeder lcore per
 * worker, which enqueues the filled mbufs on the worker's RX ring of the
 * ring sink's port; the worker runs fgw_worker_pass, the worker loop's own
 * pass, and counts the polls that found its ring empty (bench_worker_polled,
 * bench_feeder_main). With --rx staged the worker lcore keeps RX_RING
 * mbufs filled ahead of the one it processes, as a NIC's RX ring at
 * saturation holds them, and leaves the time it spends writing their bytes
 * out of the measured time (bench_worker_staged).
 *
 * Every SA has a tunnel interface of its own (the data plane's interface
 * table is sized for them), each with a /32 route, up to MAX_TUNNELS: the
 * next-hop table bounds the routes. Beyond that many outbound SAs the
 * harness says so and measures the ESP library's burst call followed by
 * the worker's forwarding path (path "esp-lib+forward"), the SA picked
 * from the destination by arithmetic instead of a FIB lookup into a
 * tunnel; inbound SAs then share the tunnels.
 *
 * Traffic, per worker:
 *   outbound  Ethernet/IPv4/UDP frames to the lan port, packet c of the
 *             worker for SA (c * workers + worker) % sas (counted on, not
 *             divided, per packet), its destination
 *             written into the copy (SA k protects one host, bench_sa_dst);
 *   inbound   Ethernet/IPv4/ESP frames to the wan port for the SAs this
 *             worker owns (k % workers == worker), round-robin over them,
 *             sequence numbers 1, 2, 3... per SA, made by encrypting with
 *             the peer's outbound SA. The replay window stays on (64
 *             packets) and checks every packet; when the prebuilt frames
 *             start over, the worker resets its SAs' windows (counted in
 *             the measured time), so replay never drops them. Inbound SAs
 *             share the tunnels round-robin when there are more SAs.
 *
 * With more than one SA, a second task measures in the same run, in turns
 * with the first, the same data plane (all its SAs, tunnels and routes in
 * place) on one SA per worker: outbound every packet of worker w to SA
 * w's destination, inbound frames of the worker's first SA only, as many
 * as the all-SA task's (sequence numbers 1..n): both tasks copy frames from
 * a set of the same size, equally cold (a NIC would have written them into
 * the LLC by DMA), so the ratio is not the one-SA task's 252 frames staying
 * in L1/L2 while the other's 100,000 come from DRAM. The ratio of the two
 * rates is what the SAs cost, free of the slow spells a shared host has
 * between two runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emmintrin.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_eth_ring.h>

#include "dataplane/bench/bench.h"
#include "dataplane/dp.h"
#include "dataplane/ipsec/crypto.h"
#include "dataplane/ipsec/esp.h"
#include "dataplane/ipsec/replay.h"
#include "dataplane/ipsec/sa_setup.h"
#include "dataplane/tunnel.h"
#include "dataplane/worker.h"

#define LAN_DEV "net_null0,no-rx=1"
#define WAN_DEV "net_null1,no-rx=1"
/* A TX ring's slots: the worker sends at most a burst or two between two
 * turns' completions, so it never fills; small, so that its slots stay in
 * L1 as a NIC's descriptor ring stays in the LLC. */
#define SINK_RING 256
/* A worker's RX ring under --rx feeder and --rx staged: 512 descriptors,
 * as a NIC's RX queue commonly has, so the feeder can run ahead by 16
 * bursts, and staged frames wait 16 bursts between their copy and their
 * processing (a 1420 B burst is 48 KB, Zen 5's whole L1: they arrive from
 * L2 or the LLC, as DMA'd frames do, not from L1). */
#define RX_RING 512
_Static_assert((RX_RING & (RX_RING - 1)) == 0, "RX_RING indexes by mask");
/* --rx staged refills the ring once this many slots are free, as a PMD
 * refills its ring in batches (rx_free_thresh): the two fenced TSC reads
 * around a batch's copy take ~170 TSC cycles on this host (2.1 GHz TSC),
 * ~1.3 a packet, all of it counted (tsc_window_cost); the frames wait
 * 384-512 frames between copy and processing. */
#define STAGE_BATCH 128
_Static_assert(STAGE_BATCH >= BENCH_BURST && STAGE_BATCH <= RX_RING, "batch within the ring");
/* --rx staged: a copy window longer than this a frame held something
 * else -- the thread preempted -- and is left in the counted time whole. A
 * 1420 B frame copies in ~35 ns from L2, a few hundred from DRAM (100,000
 * SAs' frame set); a preemption takes milliseconds. */
#define STAGE_SPELL_NS 1000
enum { LAN, WAN };
#define OUT_FRAMES 252		/* a multiple of the imix pattern */
#define REPLAY_WINDOW 64
/* Outbound frames get their headers written, not their payload: what the
 * payload holds does not change the work (it is encrypted either way), and
 * a NIC writes it by DMA, not the core. Inbound frames are copied whole:
 * their ICV must verify. */
#define OUT_COPY 64
/* Tunnels, each with a next hop of its own: the next-hop table's size with
 * room for the ports' routes. */
#define MAX_TUNNELS 250000
_Static_assert(MAX_TUNNELS < FGW_MAX_NEXTHOPS - 64, "tunnels exceed the next-hop table");

static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x02 } };

/* Prebuilt frames and, inbound, the SAs whose windows they fill. */
struct bench_traffic {
	uint8_t *frames;		/* n_frames x stride bytes */
	uint16_t *frame_len;
	unsigned n_frames;
	struct fgw_sa **own;		/* inbound: this worker's SAs */
	unsigned n_own;
};

/* --rx feeder's counters, by turn (enum turn); each written by one lcore
 * when it stops, read by the main lcore after. */
struct bench_rx_turn {
	uint64_t polls, empty;		/* the worker's */
	uint64_t cycles, empty_cycles;	/* TSC, in all its passes / the empty ones */
	uint64_t enqueues, full, fed;	/* the feeder's */
};
#define N_TURNS 3

struct bench_worker {
	struct bench_harness *h;
	struct fgw_worker *w;
	unsigned index, lcore;
	bool feeder;			/* --rx feeder: on lcore feeder_lcore */
	unsigned feeder_lcore;
	struct rte_ring *rx;		/* feeder: this worker's RX ring of the traffic's port */
	struct rte_ring *rx_port[2];	/* by LAN/WAN */
	unsigned turn;			/* enum turn */
	struct bench_rx_turn rxs[N_TURNS];
	struct fgw_crypto crypto;	/* the fallback path's ESP crypto */
	/* --rx staged: the RX ring, staged[(head + i) % RX_RING] for i < held,
	 * oldest first */
	struct rte_mbuf *staged[RX_RING];
	/* traffic */
	enum bench_dir dir;
	unsigned sas, size, stride;
	struct bench_traffic all;	/* over every SA */
	struct bench_traffic one;	/* inbound: this worker's first SA only */
	const struct bench_traffic *tr;	/* this turn's */
	unsigned spread;		/* outbound: SA step from packet to packet */
	unsigned next;			/* the frame to copy next */
	unsigned k;			/* outbound: the SA of the next packet */
	struct rte_ring *sink[2];	/* ring sink: its TX rings, by LAN/WAN */
	bool rx_only;			/* this turn: the harness alone, no data path */
	volatile bool stop;
	struct bench_counter count;
	/* the feeder's, a line of its own: the worker does not read it */
	volatile bool feeder_stop __rte_cache_aligned;
} __rte_cache_aligned;

struct bench_harness {
	struct fgw_dp dp;
	uint16_t lan_port, wan_port;	/* DPDK port ids */
	enum bench_sink sink;
	enum bench_rx rx;		/* copy, feeder (then every bw->feeder) or staged */
	/* ring sink: per port, an RX ring per worker (filled by its feeder,
	 * or by nobody with --rx copy) and a TX ring per worker */
	struct rte_ring *rx_ring[2][FGW_DP_MAX_WORKERS];
	struct rte_ring *tx_ring[2][FGW_DP_MAX_WORKERS];
	uint32_t lan_if, wan_if;
	struct rte_ether_addr lan_mac, wan_mac;
	unsigned n_workers;
	struct bench_worker *bw[FGW_DP_MAX_WORKERS];
	struct fgw_crypto ctl;		/* derives key schedules */
	struct fgw_sa **sa_out;		/* by SA number */
	struct fgw_sa **sa_in;		/* by SPI index (= SA number) */
	unsigned n_sas;
	struct bench_counter *counts[FGW_DP_MAX_WORKERS];
	struct bench_rate rates[FGW_DP_MAX_WORKERS];
	struct bench_rate rates_one[FGW_DP_MAX_WORKERS];	/* the one-SA task's */
	struct bench_rate rates_rx[FGW_DP_MAX_WORKERS];		/* the harness-alone task's */
	bool worker_path;		/* this measurement: tunnels (else esp-lib) */
	struct fgw_worker_stats base;	/* the workers' counters before it */
	uint32_t *tun_if;		/* tunnel interfaces made so far */
	unsigned n_tunnels;
	unsigned routed;		/* SA destinations routed into tunnels */
};

/* ---- the data path call ------------------------------------------------- */

const char *bench_harness_path(bool worker_path)
{
	if (worker_path)
		return "worker: fgw_worker_process_burst on Ethernet frames (Ethernet, IPv4, FIB, "
		       "tunnel interface, ESP; inbound ESP input, SA by SPI, decap, inner route), "
		       "then fgw_worker_service";
	return "esp-lib+forward: fgw_esp_encap/fgw_esp_decap burst call (SA picked by the "
	       "bench: outbound from the destination, inbound by SPI index), then "
	       "fgw_worker_process_burst forwards the result, then fgw_worker_service; used "
	       "outbound above " RTE_STR(MAX_TUNNELS) " SAs (one tunnel interface each)";
}

static void set_ether(struct rte_mbuf *m, const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eth =
		(struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));

	eth->dst_addr = *dst;
	eth->src_addr = peer_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
}

/* The esp-lib+forward path, inlined into each RX loop (out of line, GCC
 * 12 warns that sa[] may be unset, not seeing that a burst is never
 * empty). */
static __rte_always_inline void path_outbound(struct bench_worker *bw,
					      struct rte_mbuf **m, unsigned n)
{
	struct bench_harness *h = bw->h;
	struct fgw_sa *sa[BENCH_BURST];
	uint8_t verdict[BENCH_BURST];
	struct rte_mbuf *ok[BENCH_BURST];
	unsigned n_ok = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip;
		uint32_t k = 0;

		rte_pktmbuf_adj(m[i], sizeof(struct rte_ether_hdr));
		ip = rte_pktmbuf_mtod(m[i], const struct rte_ipv4_hdr *);
		if (bw->sas > 1)
			k = rte_be_to_cpu_32(ip->dst_addr) - bench_ipv4(10, 0, 0, 1);
		sa[i] = h->sa_out[k < bw->sas ? k : 0];
	}
	fgw_esp_encap(&bw->crypto, m, sa, n, verdict);
	for (unsigned i = 0; i < n; i++) {
		if (verdict[i] != FGW_SA_DROP_NONE) {
			bw->count.dropped++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		set_ether(m[i], &h->lan_mac);
		ok[n_ok++] = m[i];
	}
	fgw_worker_process_burst(&h->dp, bw->w, h->lan_port, ok, (uint16_t)n_ok);
}

static __rte_always_inline void path_inbound(struct bench_worker *bw,
					     struct rte_mbuf **m, unsigned n)
{
	struct bench_harness *h = bw->h;
	struct fgw_sa *sa[BENCH_BURST];
	uint8_t verdict[BENCH_BURST];
	struct rte_mbuf *ok[BENCH_BURST];
	unsigned n_ok = 0, n_esp = 0;
	struct rte_mbuf *esp[BENCH_BURST];

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p;
		unsigned ihl;
		uint32_t spi, idx;

		rte_pktmbuf_adj(m[i], sizeof(struct rte_ether_hdr));
		p = rte_pktmbuf_mtod(m[i], const uint8_t *);
		ihl = (p[0] & 0x0f) * 4u;
		if (rte_pktmbuf_data_len(m[i]) < 20 || p[9] != IPPROTO_ESP || ihl < 20 ||
		    rte_pktmbuf_data_len(m[i]) < ihl + FGW_ESP_HDR_LEN) {
			bw->count.dropped++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		memcpy(&spi, p + ihl, 4);
		spi = rte_be_to_cpu_32(spi);
		idx = fgw_spi_index(spi);
		if (idx >= h->n_sas || h->sa_in[idx] == NULL || h->sa_in[idx]->spi != spi) {
			bw->count.dropped++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		m[i]->l3_len = ihl;
		m[i]->l4_len = 0;
		sa[n_esp] = h->sa_in[idx];
		esp[n_esp++] = m[i];
	}
	fgw_esp_decap(&bw->crypto, esp, sa, n_esp, verdict);
	for (unsigned i = 0; i < n_esp; i++) {
		if (verdict[i] != FGW_SA_DROP_NONE) {
			bw->count.dropped++;
			rte_pktmbuf_free(esp[i]);
			continue;
		}
		set_ether(esp[i], &h->wan_mac);
		ok[n_ok++] = esp[i];
	}
	fgw_worker_process_burst(&h->dp, bw->w, h->wan_port, ok, (uint16_t)n_ok);
}

/* ---- the worker lcore's loop --------------------------------------------- */

static void replay_reset(const struct bench_traffic *tr)
{
	for (unsigned i = 0; i < tr->n_own; i++) {
		struct fgw_replay *r = &tr->own[i]->replay;

		fgw_replay_init(r, r->size, r->bits);
	}
}

/* The destination of the copy, its checksum updated for it (RFC 1624): a
 * NIC's generator would not sum the header again either. */
static void set_dst(struct rte_ipv4_hdr *ip, rte_be32_t dst)
{
	uint32_t old = ip->dst_addr;
	uint32_t sum = (uint16_t)~ip->hdr_checksum + (uint32_t)(uint16_t)~old +
		       (uint16_t)~(old >> 16) + (dst & 0xffff) + (dst >> 16);

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->dst_addr = dst;
	ip->hdr_checksum = (uint16_t)~sum;
}

/* The ring sink's TX completion: the frames sent since the last turn back
 * to the pool in bulk, as a NIC's PMD does when the application has not
 * promised RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE (the data plane does not):
 * each segment checked (rte_pktmbuf_prefree_seg: a clone or a shared mbuf
 * only loses a reference), the free ones put to the pool together. One
 * dequeue per port takes them all (the ring holds fewer than SINK_RING). */
static void sink_complete(const struct bench_worker *bw)
{
	struct rte_mbuf *done[SINK_RING];

	for (unsigned p = 0; p < 2; p++) {
		unsigned n = bw->sink[p] == NULL ? 0 :
			     rte_ring_sc_dequeue_burst(bw->sink[p], (void **)done, SINK_RING, NULL);

		if (n != 0)
			rte_pktmbuf_free_bulk(done, n);
	}
}

/* Frames next, next + 1... of tr written into m[0..n), outbound with the
 * destination of SA k, k moving on by spread a packet. `dma`: the bytes
 * alone, whole frames in both directions, as a NIC's DMA writes them (the
 * lengths are the PMD's to write, frames_hand_over); else as a NIC's RX
 * hands them over, lengths set, outbound only their headers (OUT_COPY). */
static __rte_always_inline void frames_copy(const struct bench_worker *bw,
					     const struct bench_traffic *tr, struct rte_mbuf **m,
					     unsigned n, unsigned *next, unsigned *k, bool dma)
{
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *f = tr->frames + (size_t)*next * bw->stride;
		unsigned len = tr->frame_len[*next];
		uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);

		rte_memcpy(p, f, dma || bw->dir == BENCH_IN ? len :
				 RTE_MIN(len, (unsigned)OUT_COPY));
		if (!dma) {
			m[i]->data_len = (uint16_t)len;
			m[i]->pkt_len = len;
		}
		if (bw->dir == BENCH_OUT && bw->sas > 1) {
			set_dst((struct rte_ipv4_hdr *)(p + sizeof(struct rte_ether_hdr)),
				bench_sa_dst(bw->sas, *k));
			/* the next SA without a division per packet */
			*k += bw->spread;
			while (*k >= bw->sas)
				*k -= bw->sas;
		}
		if (++*next == tr->n_frames)
			*next = 0;
	}
}

/* The worker's burst: the data path, or with rx_only (the harness-cost
 * task) the frames only counted and freed. */
static __rte_always_inline void burst_process(struct bench_worker *bw, struct rte_mbuf **m,
					       unsigned n, uint64_t *rx)
{
	struct bench_harness *h = bw->h;

	if (bw->rx_only) {
		rte_pktmbuf_free_bulk(m, n);
		*rx += n;
	} else if (h->worker_path)
		fgw_worker_process_burst(&h->dp, bw->w, bw->dir == BENCH_OUT ? h->lan_port :
					 h->wan_port, m, (uint16_t)n);
	else if (bw->dir == BENCH_OUT)
		path_outbound(bw, m, n);
	else
		path_inbound(bw, m, n);
}

/* --rx copy: the worker lcore copies each burst itself. */
static int bench_worker_main(void *arg)
{
	struct bench_worker *bw = arg;
	struct fgw_dp *dp = &bw->h->dp;
	struct fgw_worker *w = bw->w;
	const struct bench_traffic *tr = bw->tr;
	struct rte_mbuf *m[BENCH_BURST];
	unsigned next = bw->next, k = bw->k;
	uint64_t fwd0 = w->stats.forwarded - bw->count.packets;
	uint64_t rx0 = bw->count.packets, rx = 0;	/* rx_only: frames handed over */

	bench_counter_own(&bw->count);
	rte_rcu_qsbr_thread_register(dp->rcu, w->index);
	rte_rcu_qsbr_thread_online(dp->rcu, w->index);
	/* the neighbours the control lcore sent, before the first packet */
	fgw_worker_service(w);
	while (!bw->stop) {
		unsigned n = BENCH_BURST;

		if (bw->dir == BENCH_IN) {
			/* A burst ends where the frames start over, so the
			 * windows are reset between the last sequence numbers
			 * and the first ones, never in the middle of a burst. */
			if (next == 0)
				replay_reset(tr);
			n = RTE_MIN(n, tr->n_frames - next);
		}
		if (rte_pktmbuf_alloc_bulk(dp->pool, m, n) == 0) {
			frames_copy(bw, tr, m, n, &next, &k, false);
			burst_process(bw, m, n, &rx);
		}
		fgw_worker_service(w);
		sink_complete(bw);
		rte_rcu_qsbr_quiescent(dp->rcu, w->index);
		bw->count.packets = bw->rx_only ? rx0 + rx : w->stats.forwarded - fwd0;
	}
	fgw_worker_service(w);
	sink_complete(bw);
	bw->count.packets = bw->rx_only ? rx0 + rx : w->stats.forwarded - fwd0;
	bw->next = next;
	bw->k = k;
	rte_rcu_qsbr_thread_offline(dp->rcu, w->index);
	rte_rcu_qsbr_thread_unregister(dp->rcu, w->index);
	return 0;
}

/* The TSC once every earlier instruction has completed: LFENCE waits for
 * them (Intel; AMD with the MSR bit Linux sets, X86_FEATURE_LFENCE_RDTSC),
 * so an edge of the excluded window does not drift by an out-of-order
 * window -- Zen 5's holds several frames' worth of copy. The copy's stores
 * may still drain after the second read, as a DMA's writes land while the
 * core works. */
static inline uint64_t tsc_fenced(void)
{
	_mm_lfence();
	return rte_rdtsc();
}

/* What a window with nothing in it reads: the part of the two fenced
 * reads that falls inside it, taken off every window so that only the
 * copy is left out. The least of 16 means of 64 windows on this lcore (a
 * mean with a preemption in it is not the least). */
static uint64_t tsc_window_cost(void)
{
	uint64_t least = UINT64_MAX;

	for (unsigned g = 0; g < 16; g++) {
		uint64_t sum = 0;

		for (unsigned i = 0; i < 64; i++) {
			uint64_t t0 = tsc_fenced();

			sum += tsc_fenced() - t0;
		}
		least = RTE_MIN(least, sum / 64);
	}
	return least;
}

/* The copy window of a staging batch: its TSC cycles less the timer's own
 * (`cost`), or none when a spell made it longer than `spell` a frame. */
struct stage_clock {
	uint64_t cost, spell;
	uint64_t excluded;		/* the sum so far */
};

/* --rx staged, the NIC: `want` fresh mbufs (allocated in the counted
 * time, as a PMD refills its ring) get the next frames' bytes, which a
 * NIC's DMA would write, in a window of excluded time; their pointers go
 * into the ring behind the held ones. Returns how many were staged. */
static unsigned frames_stage(struct bench_worker *bw, const struct bench_traffic *tr,
			     unsigned tail, unsigned want, unsigned *next, unsigned *k,
			     struct stage_clock *c)
{
	struct rte_mbuf *m[RX_RING];
	uint64_t t0, t1;

	if (want == 0 || rte_pktmbuf_alloc_bulk(bw->h->dp.pool, m, want) != 0)
		return 0;
	t0 = tsc_fenced();
	frames_copy(bw, tr, m, want, next, k, true);
	t1 = tsc_fenced();
	if (t1 - t0 < c->spell * want && t1 - t0 > c->cost)
		c->excluded += t1 - t0 - c->cost;
	for (unsigned i = 0; i < want; i++)
		bw->staged[(tail + i) & (RX_RING - 1)] = m[i];
	return want;
}

/* --rx staged, the PMD's RX: the n oldest staged mbufs, their lengths
 * written as a PMD writes them from the descriptors (the frame set's
 * length table standing in for those); *done follows the frame set's
 * position of the ring's head. */
static __rte_always_inline void frames_hand_over(struct bench_worker *bw,
						  const struct bench_traffic *tr,
						  struct rte_mbuf **m, unsigned n, unsigned head,
						  unsigned *done)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned len = tr->frame_len[*done];

		m[i] = bw->staged[(head + i) & (RX_RING - 1)];
		m[i]->data_len = (uint16_t)len;
		m[i]->pkt_len = len;
		if (++*done == tr->n_frames)
			*done = 0;
	}
}

/* --rx staged: the worker lcore is also the NIC. Its RX ring starts full
 * (RX_RING frames, a NIC's ring at saturation), and each turn of the loop
 * takes the oldest burst, refills the ring behind it when STAGE_BATCH
 * slots are free -- the frame bytes written in the excluded time, the mbuf
 * allocation counted -- and runs the burst, the service, the TX
 * completion and the RCU report as copy does, all counted. count.excluded
 * carries the copy's TSC cycles to the stopwatch.
 * Inbound, a burst ends where the frame set starts over, and the windows
 * are reset before the burst that begins a new round: by the frame the
 * ring hands over, not the one it stages, so the reset falls between the
 * last sequence numbers and the first, as in copy. */
static int bench_worker_staged(void *arg)
{
	struct bench_worker *bw = arg;
	struct fgw_dp *dp = &bw->h->dp;
	struct fgw_worker *w = bw->w;
	const struct bench_traffic *tr = bw->tr;
	struct rte_mbuf *m[BENCH_BURST];
	/* next: the frame to stage next; done: the frame the ring hands over
	 * next (inbound rounds are reset by it) */
	unsigned next = bw->next, k = bw->k, done = bw->next, head = 0, held;
	uint64_t fwd0 = w->stats.forwarded - bw->count.packets;
	uint64_t rx0 = bw->count.packets, rx = 0;
	struct stage_clock clock = {
		.cost = tsc_window_cost(),
		.spell = rte_get_tsc_hz() * STAGE_SPELL_NS / 1000000000,
		.excluded = bw->count.excluded,
	};

	bench_counter_own(&bw->count);
	rte_rcu_qsbr_thread_register(dp->rcu, w->index);
	rte_rcu_qsbr_thread_online(dp->rcu, w->index);
	fgw_worker_service(w);
	held = frames_stage(bw, tr, 0, RX_RING, &next, &k, &clock);
	while (!bw->stop) {
		unsigned n = RTE_MIN(held, (unsigned)BENCH_BURST);

		if (bw->dir == BENCH_IN) {
			if (done == 0)
				replay_reset(tr);
			n = RTE_MIN(n, tr->n_frames - done);
		}
		frames_hand_over(bw, tr, m, n, head, &done);
		head = (head + n) & (RX_RING - 1);
		held -= n;
		if (RX_RING - held >= STAGE_BATCH)
			held += frames_stage(bw, tr, (head + held) & (RX_RING - 1),
					     RX_RING - held, &next, &k, &clock);
		if (n != 0)
			burst_process(bw, m, n, &rx);
		fgw_worker_service(w);
		sink_complete(bw);
		rte_rcu_qsbr_quiescent(dp->rcu, w->index);
		bw->count.packets = bw->rx_only ? rx0 + rx : w->stats.forwarded - fwd0;
		bw->count.excluded = clock.excluded;
	}
	fgw_worker_service(w);
	sink_complete(bw);
	bw->count.packets = bw->rx_only ? rx0 + rx : w->stats.forwarded - fwd0;
	/* what the ring still held, never handed over: each turn starts
	 * over with a full ring */
	for (; held != 0; held--, head = (head + 1) & (RX_RING - 1))
		rte_pktmbuf_free(bw->staged[head]);
	rte_rcu_qsbr_thread_offline(dp->rcu, w->index);
	rte_rcu_qsbr_thread_unregister(dp->rcu, w->index);
	return 0;
}

/* --rx feeder, the NIC: fills bursts as the copy loop does and enqueues
 * them on the worker's RX ring; a burst that does not fit waits (the
 * frames stay in order). Inbound, a burst ends where the frames start
 * over, and the first burst of a new round waits until the worker has
 * dequeued the whole previous round (its RX ring empty), so that no
 * rte_eth_rx_burst returns frames of two rounds: the worker resets the
 * windows between the two (bench_worker_polled). */
static int bench_feeder_main(void *arg)
{
	struct bench_worker *bw = arg;
	struct rte_mempool *pool = bw->h->dp.pool;
	const struct bench_traffic *tr = bw->tr;
	struct rte_ring *ring = bw->rx;
	struct rte_mbuf *m[BENCH_BURST];
	unsigned next = bw->next, k = bw->k, n = 0, off = 0;
	bool round_start = false;
	struct bench_rx_turn st = { 0 };

	while (!bw->feeder_stop) {
		if (off == n) {
			n = BENCH_BURST;
			off = 0;
			if (bw->dir == BENCH_IN) {
				/* the turn's first round needs no wait: the
				 * worker resets the windows before it polls */
				round_start = next == 0 && st.fed != 0;
				n = RTE_MIN(n, tr->n_frames - next);
			}
			if (rte_pktmbuf_alloc_bulk(pool, m, n) != 0) {
				n = 0;
				continue;
			}
			frames_copy(bw, tr, m, n, &next, &k, false);
		}
		if (round_start) {
			if (!rte_ring_empty(ring))
				continue;
			round_start = false;
		}
		unsigned q = rte_ring_sp_enqueue_burst(ring, (void **)(m + off), n - off, NULL);

		st.enqueues++;
		st.full += q < n - off;
		st.fed += q;
		off += q;
	}
	if (off < n)
		rte_pktmbuf_free_bulk(m + off, n - off);
	bw->next = next;
	bw->k = k;
	bw->rxs[bw->turn].enqueues += st.enqueues;
	bw->rxs[bw->turn].full += st.full;
	bw->rxs[bw->turn].fed += st.fed;
	return 0;
}

/* --rx feeder, the worker: the worker loop's own pass (fgw_worker_pass)
 * on the ports' RX queues, then the ring sink's TX completion. Inbound it
 * counts the frames received and resets the windows after each whole
 * round, before the pass that may receive the next round's first frames
 * (the feeder holds them back until the round was all dequeued). */
static int bench_worker_polled(void *arg)
{
	struct bench_worker *bw = arg;
	struct fgw_dp *dp = &bw->h->dp;
	struct fgw_worker *w = bw->w;
	const struct bench_traffic *tr = bw->tr;
	struct fgw_worker_ports ports;
	uint64_t fwd0 = w->stats.forwarded - bw->count.packets;
	uint64_t rx0 = bw->count.packets, got = 0, polls = 0, empty = 0;
	uint16_t port = bw->dir == BENCH_OUT ? bw->h->lan_port : bw->h->wan_port;
	unsigned round = 0;
	/* An empty pass costs far less than a full one: the share of the
	 * worker's time spent in them says how far behind the feeder was. */
	uint64_t t0, t, idle = 0;

	bench_counter_own(&bw->count);
	fgw_worker_ports_init(dp, &ports);
	rte_rcu_qsbr_thread_register(dp->rcu, w->index);
	rte_rcu_qsbr_thread_online(dp->rcu, w->index);
	fgw_worker_service(w);
	if (bw->dir == BENCH_IN)
		replay_reset(tr);
	t0 = t = rte_rdtsc();
	while (!bw->stop) {
		unsigned rx;
		uint64_t now;

		if (bw->rx_only) {
			/* the harness alone: what the feeder delivers when
			 * the worker only takes the frames and frees them */
			struct rte_mbuf *m[BENCH_BURST];

			rx = rte_eth_rx_burst(port, (uint16_t)w->index, m, BENCH_BURST);
			rte_pktmbuf_free_bulk(m, rx);
			fgw_worker_service(w);
			sink_complete(bw);
			rte_rcu_qsbr_quiescent(dp->rcu, w->index);
			got += rx;
			bw->count.packets = rx0 + got;
		} else {
			fgw_worker_pass(dp, w, &ports, &rx);
			sink_complete(bw);
			bw->count.packets = w->stats.forwarded - fwd0;
			round += rx;
			if (bw->dir == BENCH_IN && round >= tr->n_frames) {
				replay_reset(tr);
				round -= tr->n_frames;
			}
		}
		polls++;
		empty += rx == 0;
		now = rte_rdtsc();
		if (rx == 0)
			idle += now - t;
		t = now;
	}
	fgw_worker_service(w);
	sink_complete(bw);
	if (!bw->rx_only)
		bw->count.packets = w->stats.forwarded - fwd0;
	bw->rxs[bw->turn].polls += polls;
	bw->rxs[bw->turn].empty += empty;
	bw->rxs[bw->turn].cycles += t - t0;
	bw->rxs[bw->turn].empty_cycles += idle;
	rte_rcu_qsbr_thread_offline(dp->rcu, w->index);
	rte_rcu_qsbr_thread_unregister(dp->rcu, w->index);
	return 0;
}

/* ---- set-up ----------------------------------------------------------- */

static int port_up(struct bench_harness *h, const char *name, const char *dev,
		   const char *addr, uint16_t *port, uint32_t *ifindex, struct rte_ether_addr *mac,
		   char *err, size_t errlen)
{
	char devname[32];
	struct fgw_prefix p;
	struct fgw_nexthop nh = { 0 };
	uint32_t id;
	int ifi;

	snprintf(devname, sizeof(devname), "%.*s", (int)strcspn(dev, ","), dev);
	if (rte_eth_dev_get_port_by_name(devname, port) != 0 && rte_dev_probe(dev) != 0) {
		snprintf(err, errlen, "cannot attach %s", dev);
		return -1;
	}
	fgw_prefix_parse(addr, &p, false);
	if (fgw_port_add(&h->dp, name, dev, 1500, &p, NULL, err, errlen) < 0)
		return -1;
	ifi = fgw_if_by_name(&h->dp, name);
	*ifindex = (uint32_t)ifi;
	*port = h->dp.ifs[ifi].port_id;
	*mac = h->dp.ifs[ifi].mac;
	/* as the control plane's RIB does: the address itself (local), then
	 * its subnet (connected) */
	for (int i = 0; i < 2; i++) {
		struct fgw_prefix r = p;

		nh.type = i == 0 ? FGW_NH_LOCAL : FGW_NH_CONNECTED;
		nh.ifindex = (uint32_t)ifi;
		r.len = i == 0 ? 32 : p.len;
		fgw_prefix_mask(&r);
		id = fgw_nh_alloc(&h->dp, &nh);
		if (id == 0 || fgw_route_add(&h->dp, &r, id) < 0) {
			snprintf(err, errlen, "cannot add the routes of %s", addr);
			return -1;
		}
	}
	return 0;
}

/* The ring sink's port `name` (LAN or WAN as p): an RX ring and a TX
 * ring per worker (queue i is worker i's, as the data plane's). Its DPDK
 * device name into dev (RTE_ETH_NAME_MAX_LEN). */
static int ring_port(struct bench_harness *h, unsigned p, const char *name, char *dev,
		     char *err, size_t errlen)
{
	char rname[RTE_RING_NAMESIZE];
	int port;

	for (unsigned i = 0; i < h->n_workers; i++) {
		snprintf(rname, sizeof(rname), "bench_%s_rx%u", name, i);
		h->rx_ring[p][i] = rte_ring_create(rname, RX_RING, SOCKET_ID_ANY,
						   RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rname, sizeof(rname), "bench_%s_tx%u", name, i);
		h->tx_ring[p][i] = rte_ring_create(rname, SINK_RING, SOCKET_ID_ANY,
						   RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (h->rx_ring[p][i] == NULL || h->tx_ring[p][i] == NULL) {
			snprintf(err, errlen, "cannot make the %s port's rings: %s", name,
				 rte_strerror(rte_errno));
			return -1;
		}
	}
	port = rte_eth_from_rings(name, h->rx_ring[p], h->n_workers, h->tx_ring[p],
				  h->n_workers, rte_socket_id());
	if (port < 0 || rte_eth_dev_get_name_by_port((uint16_t)port, dev) != 0) {
		snprintf(err, errlen, "cannot make the ring port %s: %s", name,
			 rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int neighbour(struct bench_harness *h, uint32_t ifindex, const char *addr)
{
	struct fgw_msg msg = { .type = FGW_MSG_NEIGH_SET, .ifindex = ifindex, .mac = peer_mac };

	fgw_addr_parse(addr, &msg.addr);
	return fgw_msg_broadcast(&h->dp, &msg);
}

struct bench_harness *bench_harness_create(unsigned n_workers, const unsigned *lcores,
					   enum bench_rx rx, const unsigned *feeders, unsigned sas,
					   enum bench_sink sink, char *err, size_t errlen)
{
	char lan_dev[RTE_ETH_NAME_MAX_LEN] = LAN_DEV, wan_dev[RTE_ETH_NAME_MAX_LEN] = WAN_DEV;
	unsigned tunnels = RTE_MIN(sas, (unsigned)MAX_TUNNELS);
	struct fgw_dp_params p = {
		.n_workers = n_workers, .mbufs = 32767,
		.max_sas = rte_align32pow2(RTE_MAX(sas, 65536u)),
		.max_ifs = RTE_MAX(tunnels + 16, (unsigned)FGW_DEFAULT_IFS),
		.max_routes = RTE_MAX(tunnels + 1024, 65536u),
	};
	struct bench_harness *h = rte_zmalloc("bench_harness", sizeof(*h), 64);

	if (h != NULL)
		h->tun_if = calloc(tunnels, sizeof(*h->tun_if));
	if (h == NULL || h->tun_if == NULL) {
		rte_free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (unsigned i = 0; i < n_workers; i++)
		p.worker_lcores[i] = lcores[i];
	if (fgw_dp_init(&h->dp, &p, err, errlen) < 0) {
		free(h->tun_if);
		rte_free(h);
		return NULL;
	}
	h->n_workers = n_workers;
	h->sink = sink;
	h->rx = rx == BENCH_RX_FEEDER && sink != BENCH_SINK_RING ? BENCH_RX_COPY : rx;
	if (sink == BENCH_SINK_RING &&
	    (ring_port(h, LAN, "lan", lan_dev, err, errlen) < 0 ||
	     ring_port(h, WAN, "wan", wan_dev, err, errlen) < 0))
		goto fail;
	if (fgw_crypto_init(&h->ctl, err, errlen) < 0 ||
	    port_up(h, "lan", lan_dev, "198.51.100.254/24", &h->lan_port, &h->lan_if,
		    &h->lan_mac, err, errlen) < 0 ||
	    port_up(h, "wan", wan_dev, "192.0.2.1/24", &h->wan_port, &h->wan_if, &h->wan_mac,
		    err, errlen) < 0 ||
	    neighbour(h, h->wan_if, "192.0.2.2") < 0 || neighbour(h, h->lan_if, "198.51.100.1") < 0)
		goto fail;
	for (unsigned i = 0; i < n_workers; i++) {
		struct bench_worker *bw = rte_zmalloc("bench_worker", sizeof(*bw), 64);

		h->bw[i] = bw;
		if (bw == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		bw->h = h;
		bw->w = h->dp.workers[i];
		bw->index = i;
		bw->lcore = lcores[i];
		bw->sink[LAN] = h->tx_ring[LAN][i];
		bw->sink[WAN] = h->tx_ring[WAN][i];
		bw->rx_port[LAN] = h->rx_ring[LAN][i];
		bw->rx_port[WAN] = h->rx_ring[WAN][i];
		bw->feeder = h->rx == BENCH_RX_FEEDER;
		bw->feeder_lcore = feeders != NULL ? feeders[i] : 0;
		if (fgw_crypto_init(&bw->crypto, err, errlen) < 0)
			goto fail;
	}
	return h;
fail:
	bench_harness_free(h);
	return NULL;
}

void bench_harness_free(struct bench_harness *h)
{
	if (h == NULL)
		return;
	for (unsigned i = 0; i < FGW_DP_MAX_WORKERS; i++) {
		if (h->bw[i] == NULL)
			continue;
		fgw_crypto_free(&h->bw[i]->crypto);
		rte_free(h->bw[i]);
	}
	fgw_crypto_free(&h->ctl);
	fgw_dp_stop(&h->dp);
	/* after the ports that use them are closed */
	for (unsigned p = 0; p < 2; p++) {
		for (unsigned i = 0; i < FGW_DP_MAX_WORKERS; i++) {
			rte_ring_free(h->rx_ring[p][i]);
			rte_ring_free(h->tx_ring[p][i]);
		}
	}
	free(h->tun_if);
	rte_free(h);
}

/* ---- SAs and traffic for one measurement ---------------------------------- */

/* SA k: ours outbound (us -> peer), ours inbound (peer -> us), or the
 * peer's outbound that makes the inbound traffic (peer -> us, same SPI and
 * keys as our inbound one). */
static struct fgw_sa *make_sa(struct bench_harness *h, const struct bench_alg *a, unsigned k,
			      bool inbound, bool from_peer, char *err, size_t errlen)
{
	struct fgw_sa *sa = fgw_sa_alloc(inbound ? REPLAY_WINDOW : 0, SOCKET_ID_ANY);
	struct fgw_sa_keys keys;
	int rc;

	if (sa == NULL) {
		snprintf(err, errlen, "SA %u: out of DPDK memory (give EAL more with -m)", k);
		return NULL;
	}
	sa->spi = fgw_spi_make(k, 1);
	sa->flags = inbound ? FGW_SA_F_INBOUND : 0;
	sa->mode = FGW_SA_TUNNEL;
	sa->cipher = a->cipher;
	sa->integ = a->integ;
	fgw_addr_parse(from_peer ? "192.0.2.2" : "192.0.2.1", &sa->src);
	fgw_addr_parse(from_peer ? "192.0.2.1" : "192.0.2.2", &sa->dst);
	sa->ttl = 64;
	sa->dscp = FGW_SA_DSCP_COPY;
	sa->df = FGW_SA_DF_COPY;
	bench_sa_keys(k, &keys);
	rc = fgw_sa_prepare(sa, &keys, fgw_dp_crypto_mgr(&h->dp), err, errlen);
	explicit_bzero(&keys, sizeof(keys));
	if (rc < 0) {
		fgw_sa_free(sa);
		return NULL;
	}
	return sa;
}

static void traffic_free(struct bench_traffic *tr)
{
	free(tr->frames);
	free(tr->frame_len);
	free(tr->own);
	memset(tr, 0, sizeof(*tr));
}

/* SAs handed to the data plane are taken back through it, which frees
 * them; the others are ours to free. */
static void sas_free(struct bench_harness *h)
{
	for (unsigned k = 0; k < h->n_sas; k++) {
		struct fgw_sa *out = h->sa_out ? h->sa_out[k] : NULL;
		struct fgw_sa *in = h->sa_in ? h->sa_in[k] : NULL;

		if (out != NULL && h->worker_path)
			fgw_tunnel_sa_out_set(&h->dp, h->tun_if[k], NULL, NULL, 0);
		else
			fgw_sa_free(out);
		if (in != NULL && h->worker_path && fgw_sa_in_get(&h->dp, in->spi) == in)
			fgw_sa_in_del(&h->dp, in->spi);
		else
			fgw_sa_free(in);
	}
	free(h->sa_out);
	free(h->sa_in);
	h->sa_out = h->sa_in = NULL;
	h->n_sas = 0;
	for (unsigned i = 0; i < h->n_workers; i++) {
		traffic_free(&h->bw[i]->all);
		traffic_free(&h->bw[i]->one);
	}
}

static unsigned frame_stride(unsigned size)
{
	unsigned max = size == BENCH_SIZE_IMIX ? 1420 : size;

	return RTE_ALIGN_CEIL(sizeof(struct rte_ether_hdr) + FGW_ESP_MAX_HEADROOM + max + 64, 64);
}

static int frames_alloc(const struct bench_worker *bw, struct bench_traffic *tr, unsigned n,
			char *err, size_t errlen)
{
	tr->n_frames = n;
	tr->frames = malloc((size_t)n * bw->stride);
	tr->frame_len = malloc(n * sizeof(*tr->frame_len));
	if (tr->frames == NULL || tr->frame_len == NULL) {
		snprintf(err, errlen, "no memory for %u prebuilt frames", n);
		return -1;
	}
	return 0;
}

static void frame_plain(struct bench_worker *bw, unsigned i, unsigned len, uint32_t dst,
			const struct rte_ether_addr *to)
{
	uint8_t *f = bw->all.frames + (size_t)i * bw->stride;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;

	eth->dst_addr = *to;
	eth->src_addr = peer_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	bench_ipv4_udp(f + sizeof(*eth), len, rte_cpu_to_be_32(bench_ipv4(198, 51, 100, 1)), dst,
		       (uint16_t)(1024 + i % 60000));
	bw->all.frame_len[i] = (uint16_t)(sizeof(*eth) + len);
}

static int traffic_outbound(struct bench_harness *h, struct bench_worker *bw, char *err,
			    size_t errlen)
{
	if (frames_alloc(bw, &bw->all, OUT_FRAMES, err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < OUT_FRAMES; i++)
		frame_plain(bw, i, bench_pkt_size(bw->size, i), bench_sa_dst(bw->sas, 0),
			    &h->lan_mac);
	return 0;
}

/* The first n_own of this worker's inbound SAs, and for each of them
 * `per` frames encrypted by the peer's SA (sequence numbers 1..per), laid
 * out round-robin over the SAs. */
static int traffic_inbound(struct bench_harness *h, struct bench_worker *bw,
			   struct bench_traffic *tr, const struct bench_alg *a, unsigned n_own,
			   unsigned per, char *err, size_t errlen)
{
	uint8_t verdict[BENCH_BURST];

	tr->own = calloc(n_own, sizeof(*tr->own));
	if (tr->own == NULL || frames_alloc(bw, tr, n_own * per, err, errlen) < 0) {
		snprintf(err, errlen, "no memory for %u SAs' frames", n_own);
		return -1;
	}
	for (unsigned j = 0; j < n_own; j++) {
		unsigned k = bw->index + j * h->n_workers;
		struct fgw_sa *peer = make_sa(h, a, k, false, true, err, errlen);

		if (peer == NULL)
			return -1;
		tr->own[tr->n_own++] = h->sa_in[k];
		for (unsigned q = 0; q < per; q += BENCH_BURST) {
			unsigned n = RTE_MIN(per - q, (unsigned)BENCH_BURST);
			struct rte_mbuf *m[BENCH_BURST];
			struct fgw_sa *sa[BENCH_BURST];

			if (rte_pktmbuf_alloc_bulk(h->dp.pool, m, n) != 0) {
				fgw_sa_free(peer);
				snprintf(err, errlen, "mbuf pool empty");
				return -1;
			}
			for (unsigned i = 0; i < n; i++) {
				unsigned len = bench_pkt_size(bw->size, (q + i) * n_own + j);
				uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[i], len);

				bench_ipv4_udp(p, len, bench_sa_dst(bw->sas, k),
					       rte_cpu_to_be_32(bench_ipv4(198, 51, 100, 1)),
					       (uint16_t)(1024 + q + i));
				sa[i] = peer;
			}
			fgw_esp_encap(&bw->crypto, m, sa, n, verdict);
			for (unsigned i = 0; i < n; i++) {
				unsigned f = (q + i) * n_own + j;
				uint8_t *to = tr->frames + (size_t)f * bw->stride;
				struct rte_ether_hdr *eth = (struct rte_ether_hdr *)to;

				eth->dst_addr = h->wan_mac;
				eth->src_addr = peer_mac;
				eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
				memcpy(eth + 1, rte_pktmbuf_mtod(m[i], void *), m[i]->data_len);
				tr->frame_len[f] = (uint16_t)(sizeof(*eth) + m[i]->data_len);
				if (verdict[i] != FGW_SA_DROP_NONE)
					snprintf(err, errlen, "peer encap failed: %s",
						 fgw_sa_drop_name(verdict[i]));
			}
			rte_pktmbuf_free_bulk(m, n);
			for (unsigned i = 0; i < n; i++)
				if (verdict[i] != FGW_SA_DROP_NONE) {
					fgw_sa_free(peer);
					return -1;
				}
		}
		fgw_sa_free(peer);
	}
	return 0;
}

/* Tunnel interfaces Tunnel0..n-1 (192.0.2.1 -> 192.0.2.2), made once and
 * kept for the run; with `route`, SA k's destination routed into tunnel k. */
static int tunnels_make(struct bench_harness *h, unsigned n, unsigned sas, bool route,
			char *err, size_t errlen)
{
	/* MTU 1420: the largest inner packet whose ESP fits the wan port's 1500
	 * with every algorithm here (the default leaves room for the worst
	 * case, IPv6 outer and 15 bytes of padding, 1379) */
	struct fgw_tunnel_params p = { .kind = FGW_TUNNEL_IPSEC, .mtu = 1420 };
	char name[32];

	fgw_addr_parse("192.0.2.1", &p.src);
	fgw_addr_parse("192.0.2.2", &p.dst);
	p.name = name;
	for (; h->n_tunnels < n; h->n_tunnels++) {
		int ifi;

		snprintf(name, sizeof(name), "Tunnel%u", h->n_tunnels);
		ifi = fgw_tunnel_add(&h->dp, &p, err, errlen);
		if (ifi < 0)
			return -1;
		h->tun_if[h->n_tunnels] = (uint32_t)ifi;
	}
	for (; route && h->routed < sas; h->routed++) {
		struct fgw_nexthop nh = { .type = FGW_NH_TUNNEL, .ifindex = h->tun_if[h->routed] };
		struct fgw_prefix pfx = { .len = 32 };
		uint32_t id = fgw_nh_alloc(&h->dp, &nh);

		pfx.addr.family = AF_INET;
		pfx.addr.v4 = bench_sa_dst(sas, h->routed);
		if (id == 0 || fgw_route_add(&h->dp, &pfx, id) < 0) {
			snprintf(err, errlen, "cannot route SA %u's destination", h->routed);
			return -1;
		}
	}
	return 0;
}

static int sas_make(struct bench_harness *h, const struct bench_alg *a, enum bench_dir dir,
		    unsigned sas, char *err, size_t errlen)
{
	struct fgw_sa ***table = dir == BENCH_OUT ? &h->sa_out : &h->sa_in;

	h->worker_path = dir == BENCH_IN || sas <= MAX_TUNNELS;
	if (h->worker_path &&
	    tunnels_make(h, RTE_MIN(sas, (unsigned)MAX_TUNNELS), sas, dir == BENCH_OUT,
			 err, errlen) < 0)
		return -1;
	*table = calloc(sas, sizeof(**table));
	if (*table == NULL) {
		snprintf(err, errlen, "no memory for %u SAs", sas);
		return -1;
	}
	h->n_sas = sas;
	for (unsigned k = 0; k < sas; k++) {
		struct fgw_sa *sa = make_sa(h, a, k, dir == BENCH_IN, dir == BENCH_IN, err, errlen);
		int rc = 0;

		if (sa == NULL)
			return -1;
		if (h->worker_path && dir == BENCH_OUT)
			rc = fgw_tunnel_sa_out_set(&h->dp, h->tun_if[k], sa, err, errlen);
		else if (h->worker_path)
			rc = fgw_sa_in_add(&h->dp, h->tun_if[k % h->n_tunnels], sa,
					   k % h->n_workers, err, errlen);
		if (rc < 0) {
			fgw_sa_free(sa);
			return -1;
		}
		(*table)[k] = sa;
	}
	return 0;
}

enum turn { TURN_ALL, TURN_ONE_SA, TURN_RX_ONLY };

static void workers_stop(struct bench_harness *h, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		h->bw[i]->stop = true;
		h->bw[i]->feeder_stop = true;
	}
	for (unsigned i = 0; i < n; i++) {
		struct bench_worker *bw = h->bw[i];
		struct rte_mbuf *m[BENCH_BURST];
		unsigned got;

		rte_eal_wait_lcore(bw->lcore);
		if (!bw->feeder)
			continue;
		rte_eal_wait_lcore(bw->feeder_lcore);
		/* what the worker did not take: the next turn starts over */
		while ((got = rte_ring_sc_dequeue_burst(bw->rx, (void **)m, BENCH_BURST,
							NULL)) != 0)
			rte_pktmbuf_free_bulk(m, got);
	}
}

/* Each turn starts its traffic over, so that inbound windows are reset
 * before the first frames: the other task's turns moved them. */
static int workers_start(struct bench_harness *h, enum turn turn)
{
	bool one_sa = turn == TURN_ONE_SA;

	for (unsigned i = 0; i < h->n_workers; i++) {
		struct bench_worker *bw = h->bw[i];

		bw->tr = one_sa && bw->dir == BENCH_IN ? &bw->one : &bw->all;
		/* outbound SA k of worker w: k = w mod sas, then every
		 * workers-th; one SA: k = w, a step of 0 */
		bw->spread = one_sa ? 0 : h->n_workers;
		bw->k = bw->index % bw->sas;
		bw->next = 0;
		bw->rx_only = turn == TURN_RX_ONLY;
		bw->turn = turn;
		bw->rx = bw->rx_port[bw->dir == BENCH_OUT ? LAN : WAN];
		bw->stop = false;
		bw->feeder_stop = false;
		if (rte_eal_remote_launch(bw->feeder ? bench_worker_polled :
					  h->rx == BENCH_RX_STAGED ? bench_worker_staged :
					  bench_worker_main, bw, bw->lcore) != 0) {
			workers_stop(h, i);
			return -1;
		}
		if (bw->feeder && rte_eal_remote_launch(bench_feeder_main, bw,
							bw->feeder_lcore) != 0) {
			bw->stop = true;
			rte_eal_wait_lcore(bw->lcore);
			workers_stop(h, i);
			return -1;
		}
	}
	return 0;
}

static int harness_start(void *arg)
{
	return workers_start(arg, TURN_ALL);
}

static int harness_start_one(void *arg)
{
	return workers_start(arg, TURN_ONE_SA);
}

static int harness_start_rx(void *arg)
{
	return workers_start(arg, TURN_RX_ONLY);
}

void bench_harness_rx_task(struct bench_harness *h, const struct bench_task *t,
			   struct bench_task *rx)
{
	*rx = *t;
	rx->start = harness_start_rx;
	rx->rates = h->rates_rx;
}

static void harness_stop(void *arg)
{
	struct bench_harness *h = arg;

	workers_stop(h, h->n_workers);
}

void bench_harness_rx_stats(const struct bench_harness *h, struct bench_rx_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < h->n_workers; i++) {
		const struct bench_rx_turn *r = &h->bw[i]->rxs[TURN_ALL];

		s->polls += r->polls;
		s->empty += r->empty;
		s->cycles += r->cycles;
		s->empty_cycles += r->empty_cycles;
		s->enqueues += r->enqueues;
		s->full += r->full;
		s->fed += r->fed;
	}
}

int bench_harness_prepare(struct bench_harness *h, const struct bench_alg *alg,
			  enum bench_dir dir, unsigned size, unsigned sas, struct bench_task *t,
			  struct bench_task *one, char *err, size_t errlen)
{
	if (sas < h->n_workers && dir == BENCH_IN) {
		snprintf(err, errlen, "inbound: at least one SA per worker (%u workers)",
			 h->n_workers);
		return -1;
	}
	if (sas_make(h, alg, dir, sas, err, errlen) < 0)
		goto fail;
	for (unsigned i = 0; i < h->n_workers; i++) {
		struct bench_worker *bw = h->bw[i];

		bw->dir = dir;
		bw->sas = sas;
		bw->size = size;
		bw->stride = frame_stride(size);
		bw->next = 0;
		memset(&bw->count, 0, sizeof(bw->count));
		memset(bw->rxs, 0, sizeof(bw->rxs));
		h->counts[i] = &bw->count;
		if (dir == BENCH_OUT) {
			if (traffic_outbound(h, bw, err, errlen) < 0)
				goto fail;
			continue;
		}
		unsigned n_own = (sas - i + h->n_workers - 1) / h->n_workers;

		if (traffic_inbound(h, bw, &bw->all, alg, n_own, (OUT_FRAMES + n_own - 1) / n_own,
				    err, errlen) < 0 ||
		    (one != NULL && traffic_inbound(h, bw, &bw->one, alg, 1, bw->all.n_frames,
						    err, errlen) < 0))
			goto fail;
	}
	fgw_dp_stats_sum(&h->dp, &h->base);
	*t = (struct bench_task){
		.start = harness_start, .stop = harness_stop, .arg = h, .count = h->counts,
		.n = h->n_workers, .mean_size = bench_mean_size(size), .rates = h->rates,
	};
	if (one != NULL) {
		*one = *t;
		one->start = harness_start_one;
		one->rates = h->rates_one;
	}
	return 0;
fail:
	sas_free(h);
	return -1;
}

void bench_harness_finish(struct bench_harness *h)
{
	sas_free(h);
}

bool bench_harness_worker_path(const struct bench_harness *h)
{
	return h->worker_path;
}

bool bench_harness_worker_path_possible(unsigned sas)
{
	return sas <= MAX_TUNNELS;
}

void bench_harness_losses(const struct bench_harness *h, char *buf, size_t len)
{
	struct fgw_worker_stats now;
	size_t off = 0;

	fgw_dp_stats_sum(&h->dp, &now);
	buf[0] = '\0';
	for (unsigned r = 0; r < FGW_DROP_MAX && off < len; r++) {
		uint64_t d = now.drop[r] - h->base.drop[r];

		if (d != 0)
			off += (size_t)snprintf(buf + off, len - off, "%s%s=%lu", off ? "," : "",
						fgw_drop_reason_names[r], (unsigned long)d);
	}
	if (now.punted != h->base.punted && off < len)
		snprintf(buf + off, len - off, "%spunted=%lu", off ? "," : "",
			 (unsigned long)(now.punted - h->base.punted));
}

/* ---- for the interactive prompt ------------------------------------------ */

void bench_harness_show_ports(const struct bench_harness *h, FILE *f)
{
	struct fgw_worker_stats s;
	const uint16_t ports[2] = { h->lan_port, h->wan_port };
	const char *const names[2] = { "lan", "wan" };

	fgw_dp_stats_sum(&h->dp, &s);
	for (unsigned i = 0; i < 2; i++) {
		struct rte_eth_stats e;
		const struct fgw_port_stats *ps = &s.port[ports[i]];

		memset(&e, 0, sizeof(e));
		rte_eth_stats_get(ports[i], &e);
		fprintf(f, "port %u (%s, net_%s)\n"
			"  worker RX: %lu packets %lu bytes (frames the bench handed in)\n"
			"  worker TX: %lu packets %lu bytes\n"
			"  ethdev TX: %lu packets %lu bytes, %lu errors%s\n", ports[i], names[i],
			bench_sink_name(h->sink),
			(unsigned long)ps->rx_packets, (unsigned long)ps->rx_bytes,
			(unsigned long)ps->tx_packets, (unsigned long)ps->tx_bytes,
			(unsigned long)e.opackets, (unsigned long)e.obytes, (unsigned long)e.oerrors,
			e.obytes == 0 && e.opackets != 0 ? " (the driver counts no bytes)" : "");
	}
}

void bench_harness_show_crypto(const struct bench_harness *h, FILE *f)
{
	struct fgw_sa_stats sum;
	struct fgw_sa **table = h->sa_out ? h->sa_out : h->sa_in;

	memset(&sum, 0, sizeof(sum));
	for (unsigned k = 0; table != NULL && k < h->n_sas; k++) {
		const struct fgw_sa_stats *st = &table[k]->stats;

		sum.packets += __atomic_load_n(&st->packets, __ATOMIC_RELAXED);
		sum.bytes += __atomic_load_n(&st->bytes, __ATOMIC_RELAXED);
		for (unsigned r = 0; r < FGW_SA_DROP_MAX; r++)
			sum.drop[r] += __atomic_load_n(&st->drop[r], __ATOMIC_RELAXED);
	}
	fprintf(f, "%u %s SA(s): %lu packets %s, %lu plaintext bytes\n", h->n_sas,
		h->sa_out ? "outbound" : "inbound", (unsigned long)sum.packets,
		h->sa_out ? "encrypted" : "decrypted", (unsigned long)sum.bytes);
	for (unsigned r = 1; r < FGW_SA_DROP_MAX; r++)
		if (sum.drop[r] != 0)
			fprintf(f, "  dropped, %s: %lu\n", fgw_sa_drop_text(r),
				(unsigned long)sum.drop[r]);
}
