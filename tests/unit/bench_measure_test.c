/* flexgw-bench's stopwatch (dataplane/bench/measure.c) on a stand-in task:
 * a plain thread that counts packets, slow to start as a lcore is on a
 * host that keeps it off its CPU. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "dataplane/bench/bench.h"
#include "unit.h"
#include "unit_eal.h"

struct slow_task {
	struct bench_counter count;
	struct bench_counter *counts[1];
	struct bench_rate rates[1];
	pthread_t thread;
	volatile bool stop;
	unsigned start_delay_us;
};

static void *slow_main(void *arg)
{
	struct slow_task *s = arg;
	uint64_t pkts = s->count.packets;

	/* what a lcore does between rte_eal_remote_launch's return and
	 * its first count, drawn out */
	usleep(s->start_delay_us);
	bench_counter_own(&s->count);
	while (!s->stop)
		s->count.packets = ++pkts;
	return NULL;
}

static int slow_start(void *arg)
{
	struct slow_task *s = arg;

	s->stop = false;
	/* a thread of its own each turn, where a lcore's stays */
	s->count.has_clock = false;
	return pthread_create(&s->thread, NULL, slow_main, s) == 0 ? 0 : -1;
}

static void slow_stop(void *arg)
{
	struct slow_task *s = arg;

	s->stop = true;
	pthread_join(s->thread, NULL);
}

/* A lcore names its CPU-time clock once it runs; with no warm-up the
 * first turn read the clock before that, its CPU rate came out 0, and a
 * one-turn measurement's crypto-only rate per CPU second was 0: a row
 * the host starved then read ratio 0.000 (check19). */
static bool cpu_rate_known_without_warmup(void)
{
	static struct slow_task s;
	struct bench_opts o;
	struct bench_task t;

	memset(&s, 0, sizeof(s));
	s.counts[0] = &s.count;
	s.start_delay_us = 50 * 1000;
	t = (struct bench_task){ .start = slow_start, .stop = slow_stop, .arg = &s,
				 .count = s.counts, .n = 1, .mean_size = 64, .rates = s.rates };
	memset(&o, 0, sizeof(o));
	o.duration = BENCH_SLICE_S;
	o.warmup = 0;
	EXPECT(bench_interleave(&t, 1, &o) == 0, "interleave failed");
	EXPECT(t.total.packets > 0, "no packets counted");
	EXPECT(t.total.mpps_cpu > 0, "CPU rate %.3f with %lu packets", t.total.mpps_cpu,
	       (unsigned long)t.total.packets);
	EXPECT(t.rates[0].mpps_cpu > 0, "per-counter CPU rate %.3f", t.rates[0].mpps_cpu);
	return true;
}

int main(void)
{
	char prefix[64];
	char *argv[] = {
		"bench_measure_test", "--no-huge", "--no-shconf", "-m", "64", "--no-pci",
		"--no-telemetry", "-l", "0", "--log-level=warning", prefix,
	};
	int status;

	snprintf(prefix, sizeof(prefix), "--file-prefix=bench-measure-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "EAL initialisation failed\n");
		return 2;
	}
	RUN(cpu_rate_known_without_warmup);
	status = unit_summary();
	unit_eal_cleanup();
	return status;
}
