/* What a run measured: counts, setup rates, latency percentiles and the
 * initiator's own cost, as text or as one JSON object.
 *
 * The overall rate counts from the first IKE_SA_INIT to the last SA up,
 * ramp-up and stragglers (retransmissions) included; the steady-state
 * rate is the slope between the 10th and the 90th percentile of the
 * moments SAs came up, where the window is full. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <jansson.h>

#include "loadgen.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* q-th quantile of n sorted values (nearest rank). */
static uint64_t quantile(const uint64_t *v, size_t n, double q)
{
	size_t i = (size_t)(q * (double)n);

	return n ? v[i < n ? i : n - 1] : 0;
}

struct figures {
	double duration_s, rate, steady_rate, delete_rate;
	double by_tenth[10];		/* SAs/s over each tenth of the SAs that came up */
	double p50_ms, p90_ms, p99_ms, max_ms;
	double cpu_s;
	long maxrss_kb;
};

static void measure(const struct lg *lg, struct figures *f)
{
	const struct lg_stats *st = &lg->st;
	uint64_t *lat = malloc(sizeof(uint64_t) * (lg->o.n + 1));
	uint64_t *ups = malloc(sizeof(uint64_t) * (lg->o.n + 1));
	struct rusage ru;
	size_t n = 0;

	*f = (struct figures){ 0 };
	if (lat == NULL || ups == NULL)
		goto out;
	for (unsigned i = 0; i < lg->o.n; i++) {
		const struct lg_peer *p = &lg->peers[i];

		if (p->t_up) {
			lat[n] = p->t_up - p->t_start;
			ups[n++] = p->t_up;
		}
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	qsort(ups, n, sizeof(*ups), cmp_u64);
	if (n) {
		uint64_t t10 = quantile(ups, n, 0.1), t90 = quantile(ups, n, 0.9);
		size_t k = (size_t)(0.9 * (double)n) - (size_t)(0.1 * (double)n);

		f->duration_s = (double)(st->t_last_up - st->t_begin) / 1e9;
		f->rate = f->duration_s > 0 ? n / f->duration_s : 0;
		f->steady_rate = t90 > t10 ? k / ((double)(t90 - t10) / 1e9) : f->rate;
		/* a responder that slows down as its tables fill shows here */
		for (size_t t = 0; t < 10 && n >= 10; t++) {
			size_t a = t * n / 10, b = (t + 1) * n / 10 - 1;
			uint64_t from = t ? ups[a - 1] : st->t_begin;

			f->by_tenth[t] = ups[b] > from ? (b - a + 1) / ((double)(ups[b] - from) / 1e9) : 0;
		}
		f->p50_ms = (double)quantile(lat, n, 0.5) / 1e6;
		f->p90_ms = (double)quantile(lat, n, 0.9) / 1e6;
		f->p99_ms = (double)quantile(lat, n, 0.99) / 1e6;
		f->max_ms = (double)lat[n - 1] / 1e6;
	}
	if (st->t_del_end > st->t_del_begin && st->deleted)
		f->delete_rate = st->deleted / ((double)(st->t_del_end - st->t_del_begin) / 1e9);
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		f->cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
			   (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
		f->maxrss_kb = ru.ru_maxrss;
	}
out:
	free(lat);
	free(ups);
}

static void report_json(const struct lg *lg, const struct figures *f)
{
	const struct lg_stats *st = &lg->st;
	json_t *fails = json_object(), *tenths = json_array(), *o;

	for (int i = 0; i < LG_FAIL_MAX; i++)
		if (st->fails[i])
			json_object_set_new(fails, lg_failure_name(i), json_integer(st->fails[i]));
	for (int i = 0; i < 10; i++)
		json_array_append_new(tenths, json_real(f->by_tenth[i]));
	o = json_pack("{s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f,"
		      " s:o, s:{s:f, s:f, s:f, s:f}, s:f, s:f, s:I, s:I}",
		      "requested", (json_int_t)st->requested,
		      "established", (json_int_t)st->established,
		      "failed", (json_int_t)st->failed,
		      "window", (json_int_t)lg->o.window,
		      "failures", fails,
		      "retransmits", (json_int_t)st->retransmits,
		      "natt", (json_int_t)st->natt,
		      "dpd_answered", (json_int_t)st->dpd_answered,
		      "deleted", (json_int_t)st->deleted,
		      "deleted_by_peer", (json_int_t)st->deleted_by_peer,
		      "delete_timeouts", (json_int_t)st->delete_timeouts,
		      "setup_s", f->duration_s,
		      "rate", f->rate,
		      "steady_rate", f->steady_rate,
		      "rate_by_tenth", tenths,
		      "latency_ms", "p50", f->p50_ms, "p90", f->p90_ms, "p99", f->p99_ms,
		      "max", f->max_ms,
		      "delete_rate", f->delete_rate,
		      "initiator_cpu_s", f->cpu_s,
		      "initiator_maxrss_kb", (json_int_t)f->maxrss_kb,
		      "child_refused", (json_int_t)st->child_refused);
	if (o == NULL) {
		fprintf(stderr, "flexgw-ikeload: cannot build the JSON report\n");
		return;
	}
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
}

void lg_report(const struct lg *lg)
{
	const struct lg_stats *st = &lg->st;
	struct figures f;

	measure(lg, &f);
	if (lg->o.json)
		return report_json(lg, &f);
	printf("IKE SAs: %u requested, %u established, %u failed (window %u)\n", st->requested,
	       st->established, st->failed, lg->o.window);
	for (int i = 0; i < LG_FAIL_MAX; i++)
		if (st->fails[i])
			printf("  failed: %u %s\n", st->fails[i], lg_failure_name(i));
	printf("setup: %.2f s, %.1f SAs/s overall, %.1f SAs/s steady state\n", f.duration_s,
	       f.rate, f.steady_rate);
	printf("SAs/s by tenth of the SAs:");
	for (int i = 0; i < 10; i++)
		printf(" %.0f", f.by_tenth[i]);
	printf("\n");
	printf("latency (IKE_SA_INIT sent -> IKE_AUTH answered): p50 %.1f ms, p90 %.1f ms,"
	       " p99 %.1f ms, max %.1f ms\n", f.p50_ms, f.p90_ms, f.p99_ms, f.max_ms);
	if (st->child_refused)
		printf("  of which %u without their CHILD SA (--ike-only)\n", st->child_refused);
	printf("retransmits %u, NAT-T floats %u, liveness checks answered %u\n", st->retransmits,
	       st->natt, st->dpd_answered);
	printf("deleted: %u by us (%.1f/s), %u by the responder, %u unanswered\n", st->deleted,
	       f.delete_rate, st->deleted_by_peer, st->delete_timeouts);
	printf("initiator: %.2f s CPU, max RSS %ld KiB\n", f.cpu_s, f.maxrss_kb);
}
