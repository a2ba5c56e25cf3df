/* The stopwatch: the main lcore reads the measuring lcores' counters at
 * the start and end of each turn. Every measuring lcore polls without
 * pause, so its cycles per packet are the turn's TSC cycles over its
 * packets, less the cycles it reports as excluded (--rx staged's frame
 * copy). It also reads each lcore thread's CPU-time clock: packets per
 * CPU second is the rate with the spells another process had the core
 * taken out, which on a shared host is the figure that holds still. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "dataplane/bench/bench.h"

#define SETTLE_S 0.05		/* before a turn after the first */
#define MAX_TURNS 4096
/* A turn in which a measuring lcore was on its CPU for less than this share
 * of the wall time (or counted no packet) was starved by the host: its wall
 * rate says how busy the host was, not what the code does, and with one or
 * two turns a measurement (--duration 0.25 .. 0.5 on a loaded host) its
 * median is that turn, which read ratios of 0 and of 7 (check17). Such a
 * turn is measured again, at most STARVED_RETRIES times; one still starved
 * is kept and counted (bench_task.starved), and main.c then takes the
 * ratios from the CPU-time rates. */
#define STARVED_SHARE 0.5
#define STARVED_RETRIES 2
/* The longest wait for a measuring lcore to name its CPU-time clock. */
#define CLOCK_WAIT_S 1.0

static void sleep_s(double s)
{
	if (s > 0)
		usleep((useconds_t)(s * 1e6));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double cpu_s(const struct bench_counter *c)
{
	struct timespec ts;

	if (!c->has_clock || clock_gettime(c->clock, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A lcore names its CPU-time clock once it runs (bench_counter_own), and
 * rte_eal_remote_launch returns before that. Read earlier (no warm-up, a
 * host slow to run the lcore), a counter's CPU time was unknown and its
 * turn's CPU rate 0: a one-turn crypto-only rate of 0 per CPU second made
 * a starved row's ratio 0.000 (check19). */
static void wait_clocks(const struct bench_task *t)
{
	uint64_t end = rte_get_tsc_cycles() + (uint64_t)(CLOCK_WAIT_S * (double)rte_get_tsc_hz());

	for (unsigned i = 0; i < t->n; i++)
		while (!t->count[i]->has_clock && rte_get_tsc_cycles() < end)
			usleep(100);
}

/* One turn of task t: rate of each counter in mpps[i], the sum last; per
 * CPU second in cpu[] likewise (0 where unknown), on the wall clock with
 * nothing left out in wall[]. A counter's excluded cycles come off both
 * its wall time and its CPU time (they are spent on the CPU: a window that
 * held a preemption is not excluded, see harness.c); excluded[i] gets
 * them in seconds. */
static int turn(struct bench_task *t, double settle, double slice, double *mpps, double *cpu,
		double *wall, uint64_t *packets, uint64_t *dropped, double *excluded,
		double *seconds, double *share)
{
	uint64_t p0[t->n], d0[t->n], e0[t->n], t0, t1;
	double c0[t->n], dt, hz = (double)rte_get_tsc_hz(), sum = 0, cpu_sum = 0, wall_sum = 0;

	if (t->start(t->arg) < 0)
		return -1;
	*share = 1;
	sleep_s(settle);
	wait_clocks(t);
	t0 = rte_get_tsc_cycles();
	for (unsigned i = 0; i < t->n; i++) {
		p0[i] = t->count[i]->packets;
		d0[i] = t->count[i]->dropped;
		e0[i] = t->count[i]->excluded;
		c0[i] = cpu_s(t->count[i]);
	}
	sleep_s(slice);
	t1 = rte_get_tsc_cycles();
	for (unsigned i = 0; i < t->n; i++) {
		double c1 = cpu_s(t->count[i]);

		packets[i] = t->count[i]->packets - p0[i];
		dropped[i] = t->count[i]->dropped - d0[i];
		excluded[i] = (double)(t->count[i]->excluded - e0[i]) / hz;
		cpu[i] = c0[i] > 0 && c1 - excluded[i] > c0[i] ?
			 (double)packets[i] / (c1 - c0[i] - excluded[i]) / 1e6 : 0;
		cpu_sum += cpu[i];
	}
	t->stop(t->arg);
	dt = (double)(t1 - t0) / hz;
	for (unsigned i = 0; i < t->n; i++) {
		/* the lcore's time on its CPU over the wall time; 1 where
		 * unknown (no CPU-time clock) unless it counted nothing */
		if (packets[i] == 0)
			*share = 0;
		else if (cpu[i] > 0 && dt > excluded[i])
			*share = RTE_MIN(*share, (double)packets[i] / cpu[i] / 1e6 /
						 (dt - excluded[i]));
		mpps[i] = dt > excluded[i] ? (double)packets[i] / (dt - excluded[i]) / 1e6 : 0;
		wall[i] = (double)packets[i] / dt / 1e6;
		sum += mpps[i];
		wall_sum += wall[i];
	}
	mpps[t->n] = sum;
	cpu[t->n] = cpu_sum;
	wall[t->n] = wall_sum;
	*seconds = dt;
	return 0;
}

int bench_interleave(struct bench_task *t, unsigned n_tasks, const struct bench_opts *o)
{
	unsigned turns = (unsigned)(o->duration / BENCH_SLICE_S + 0.5);
	double slice;
	double hz = (double)rte_get_tsc_hz();
	int rc = 0;
	unsigned retried = 0, starved = 0;

	turns = RTE_MAX(1u, RTE_MIN(turns, (unsigned)MAX_TURNS));
	slice = o->duration / turns;
	for (unsigned k = 0; k < n_tasks; k++) {
		memset(&t[k].total, 0, sizeof(t[k].total));
		t[k].starved = 0;
		memset(t[k].rates, 0, t[k].n * sizeof(*t[k].rates));
	}
	/* mpps of every task, counter (and sum) and turn; per CPU second; on
	 * the wall clock */
	double *mpps[n_tasks], *cpu[n_tasks], *wall[n_tasks];
	for (unsigned k = 0; k < n_tasks; k++) {
		mpps[k] = calloc((size_t)(t[k].n + 1) * turns, sizeof(double));
		cpu[k] = calloc((size_t)(t[k].n + 1) * turns, sizeof(double));
		wall[k] = calloc((size_t)(t[k].n + 1) * turns, sizeof(double));
		if (mpps[k] == NULL || cpu[k] == NULL || wall[k] == NULL)
			rc = -1;
	}
	for (unsigned r = 0; r < turns && rc == 0; r++) {
		for (unsigned k = 0; k < n_tasks && rc == 0; k++) {
			struct bench_task *tk = &t[k];
			uint64_t packets[tk->n], dropped[tk->n];
			double one[tk->n + 1], one_cpu[tk->n + 1], one_wall[tk->n + 1];
			double excl[tk->n], dt = 0, excl_sum = 0, share = 1;

			for (unsigned a = 0; rc == 0 && a <= STARVED_RETRIES; a++) {
				rc = turn(tk, r == 0 && a == 0 ? o->warmup : SETTLE_S, slice, one,
					  one_cpu, one_wall, packets, dropped, excl, &dt, &share);
				if (rc != 0 || share >= STARVED_SHARE)
					break;
				if (a < STARVED_RETRIES) {
					retried++;
				} else {
					starved++;
					tk->starved++;
				}
			}
			for (unsigned i = 0; rc == 0 && i <= tk->n; i++) {
				mpps[k][(size_t)i * turns + r] = one[i];
				cpu[k][(size_t)i * turns + r] = one_cpu[i];
				wall[k][(size_t)i * turns + r] = one_wall[i];
			}
			for (unsigned i = 0; rc == 0 && i < tk->n; i++) {
				tk->rates[i].packets += packets[i];
				tk->rates[i].dropped += dropped[i];
				tk->rates[i].seconds += dt - excl[i];
				tk->rates[i].excluded += excl[i];
				tk->total.packets += packets[i];
				tk->total.dropped += dropped[i];
				excl_sum += excl[i];
			}
			/* the lcores' mean counted time */
			tk->total.seconds += dt - excl_sum / tk->n;
			tk->total.excluded += excl_sum;
		}
	}
	if (rc == 0 && (retried > 0 || starved > 0))
		fprintf(stderr, "flexgw-bench: note: the host starved the measuring lcores "
			"(on their CPU < %.0f %% of a turn): %u turn(s) measured again, %u kept "
			"starved after %d tries; the cpu figures hold, the wall ones less so\n",
			STARVED_SHARE * 100, retried, starved, STARVED_RETRIES + 1);
	for (unsigned k = 0; k < n_tasks && rc == 0; k++) {
		struct bench_task *tk = &t[k];
		unsigned idle = 0;

		/* A turn without a packet means the measuring lcores never
		 * ran in it (a host that starved them): say so, since a median
		 * over such turns can read 0. */
		for (unsigned r = 0; r < turns; r++)
			idle += mpps[k][(size_t)tk->n * turns + r] == 0;
		if (idle > 0)
			fprintf(stderr, "flexgw-bench: warning: %u of %u turns of a measurement "
				"counted no packets (the host did not run the worker lcores); "
				"a longer --warmup or --duration helps\n", idle, turns);
		for (unsigned i = 0; i <= tk->n; i++) {
			struct bench_rate *rt = i < tk->n ? &tk->rates[i] : &tk->total;

			rt->mpps = median(mpps[k] + (size_t)i * turns, turns);
			rt->mpps_cpu = median(cpu[k] + (size_t)i * turns, turns);
			rt->mpps_wall = median(wall[k] + (size_t)i * turns, turns);
			rt->gbps = rt->mpps * tk->mean_size * 8 / 1e3;
			/* cycles of the lcores over their packets, whole run */
			rt->cycles_per_pkt = rt->packets ? rt->seconds * hz * (i < tk->n ? 1 : tk->n) /
						   (double)rt->packets : 0;
		}
	}
	for (unsigned k = 0; k < n_tasks; k++) {
		free(mpps[k]);
		free(cpu[k]);
		free(wall[k]);
	}
	return rc;
}
