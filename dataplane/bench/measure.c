/* The stopwatch: the main lcore reads the measuring lcores' counters at
 * the start and end of the window. Every measuring lcore polls without
 * pause, so its cycles per packet are the window's TSC cycles over its
 * packets. */
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "dataplane/bench/bench.h"

static void sleep_s(double s)
{
	if (s > 0)
		usleep((useconds_t)(s * 1e6));
}

void bench_measure(struct bench_counter *const *c, unsigned n, double warmup, double duration,
		   double mean_size, struct bench_rate *rates, struct bench_rate *total)
{
	uint64_t p0[n], d0[n], t0, t1;
	double hz = (double)rte_get_tsc_hz(), dt;

	sleep_s(warmup);
	t0 = rte_get_tsc_cycles();
	for (unsigned i = 0; i < n; i++) {
		p0[i] = c[i]->packets;
		d0[i] = c[i]->dropped;
	}
	sleep_s(duration);
	t1 = rte_get_tsc_cycles();
	dt = (double)(t1 - t0) / hz;
	memset(total, 0, sizeof(*total));
	for (unsigned i = 0; i < n; i++) {
		struct bench_rate *r = &rates[i];

		r->packets = c[i]->packets - p0[i];
		r->dropped = c[i]->dropped - d0[i];
		r->seconds = dt;
		r->mpps = (double)r->packets / dt / 1e6;
		r->gbps = r->mpps * mean_size * 8 / 1e3;
		r->cycles_per_pkt = r->packets ? (double)(t1 - t0) / (double)r->packets : 0;
		total->packets += r->packets;
		total->dropped += r->dropped;
		total->mpps += r->mpps;
		total->gbps += r->gbps;
	}
	total->seconds = dt;
	total->cycles_per_pkt = total->packets ? (double)(t1 - t0) * n / (double)total->packets : 0;
}
