/* Address pools (controlplane/flexvpn/pool.c). */
#include <stdlib.h>
#include <time.h>

#include "controlplane/flexvpn/pool.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_addr.h"

static struct fgw_pools pools;

static const char *S(const struct fgw_addr *a)
{
	static char buf[4][FGW_ADDR_STRLEN];
	static unsigned k;

	return fgw_addr_str(a, buf[k++ % 4], FGW_ADDR_STRLEN);
}

/* Pools built through fgw_pools_init from a configuration's pools[]. */
static struct fgw_pool *make(const char *start, const char *end)
{
	struct fgw_pool_cfg pc = { .name = "P", .start = unit_addr(start), .end = unit_addr(end) };
	struct fgw_config cfg = { .pools = &pc, .n_pools = 1 };
	char err[128];

	fgw_pools_free(&pools);
	if (fgw_pools_init(&pools, &cfg, err, sizeof(err)) < 0)
		abort();
	return fgw_pool_find(&pools, "P");
}

static bool exhaustion_v4(void)
{
	struct fgw_pool *p = make("10.0.0.1", "10.0.0.4");
	struct fgw_addr got[5];
	struct fgw_pool_stats st;

	for (int i = 0; i < 4; i++) {
		EXPECT(fgw_pool_alloc(p, NULL, &got[i]) == 0, "alloc %d", i);
		for (int j = 0; j < i; j++)
			EXPECT(!fgw_addr_eq(&got[i], &got[j]), "%s twice", S(&got[i]));
	}
	EXPECT(strcmp(S(&got[0]), "10.0.0.1") == 0 && strcmp(S(&got[3]), "10.0.0.4") == 0,
	       "%s..%s", S(&got[0]), S(&got[3]));
	EXPECT(fgw_pool_alloc(p, NULL, &got[4]) == -1, "fifth address %s", S(&got[4]));
	EXPECT(fgw_pool_alloc(p, NULL, &got[4]) == -1, "sixth");
	fgw_pool_stats(p, &st);
	EXPECT(st.size == 4 && st.in_use == 4 && st.peak == 4 && st.allocs == 4 &&
	       st.exhausted == 2, "size %lu in_use %lu exhausted %lu", (unsigned long)st.size,
	       (unsigned long)st.in_use, (unsigned long)st.exhausted);
	return true;
}

static bool release_reuse(void)
{
	struct fgw_pool *p = make("10.0.0.1", "10.0.0.4");
	struct fgw_addr a, b;
	struct fgw_pool_stats st;

	for (int i = 0; i < 4; i++)
		EXPECT(fgw_pool_alloc(p, NULL, &a) == 0, "alloc %d", i);
	EXPECT(fgw_pool_release(p, &(struct fgw_addr){ 0 }) == -1, "unset address");
	b = unit_addr("10.0.0.2");
	EXPECT(fgw_pool_release(p, &b) == 0, "release");
	EXPECT(!fgw_pool_in_use(p, &b), "still in use");
	EXPECT(fgw_pool_release(p, &b) == -1, "released twice");
	EXPECT(fgw_pool_release(p, &(struct fgw_addr){ .family = AF_INET,
						       .v4 = unit_addr("10.0.0.9").v4 }) == -1, "outside");
	EXPECT(fgw_pool_alloc(p, NULL, &a) == 0 && fgw_addr_eq(&a, &b), "got %s", S(&a));
	EXPECT(fgw_pool_in_use(p, &b), "not in use");
	fgw_pool_stats(p, &st);
	EXPECT(st.releases == 1 && st.bad_releases == 3 && st.in_use == 4 && st.allocs == 5,
	       "releases %lu bad %lu", (unsigned long)st.releases, (unsigned long)st.bad_releases);
	return true;
}

/* A released address waits while others are free. */
static bool next_fit(void)
{
	struct fgw_pool *p = make("10.0.0.1", "10.0.0.10");
	struct fgw_addr a, first;

	EXPECT(fgw_pool_alloc(p, NULL, &first) == 0, "alloc");
	EXPECT(fgw_pool_release(p, &first) == 0, "release");
	EXPECT(fgw_pool_alloc(p, NULL, &a) == 0 && strcmp(S(&a), "10.0.0.2") == 0, "got %s",
	       S(&a));
	return true;
}

static bool wanted(void)
{
	struct fgw_pool *p = make("10.0.0.1", "10.0.0.8");
	struct fgw_addr want = unit_addr("10.0.0.5"), a, b;
	struct fgw_pool_stats st;

	EXPECT(fgw_pool_alloc(p, &want, &a) == 0 && fgw_addr_eq(&a, &want), "got %s", S(&a));
	EXPECT(fgw_pool_alloc(p, &want, &b) == 0 && !fgw_addr_eq(&b, &want), "taken: %s",
	       S(&b));
	want = unit_addr("0.0.0.0");	/* what strongSwan asks for */
	EXPECT(fgw_pool_alloc(p, &want, &b) == 0 && fgw_pool_in_use(p, &b), "any");
	want = unit_addr("192.0.2.1");
	EXPECT(fgw_pool_alloc(p, &want, &b) == 0 && !fgw_addr_eq(&b, &want), "outside: %s",
	       S(&b));
	want = unit_addr("2001:db8::1");
	EXPECT(fgw_pool_alloc(p, &want, &b) == 0 && b.family == AF_INET, "other family");
	fgw_pool_stats(p, &st);
	EXPECT(st.wanted_granted == 1 && st.wanted_refused == 3 && st.in_use == 5,
	       "granted %lu refused %lu", (unsigned long)st.wanted_granted,
	       (unsigned long)st.wanted_refused);
	return true;
}

/* A range across a byte boundary, exhausted and refilled. */
static bool ipv6(void)
{
	struct fgw_pool *p = make("2001:db8::fffe", "2001:db8::1:1");
	const char *want[] = { "2001:db8::fffe", "2001:db8::ffff", "2001:db8::1:0",
			       "2001:db8::1:1" };
	struct fgw_addr a, w;

	for (int i = 0; i < 4; i++)
		EXPECT(fgw_pool_alloc(p, NULL, &a) == 0 && strcmp(S(&a), want[i]) == 0,
		       "%d: %s", i, S(&a));
	EXPECT(fgw_pool_alloc(p, NULL, &a) == -1, "fifth");
	w = unit_addr("2001:db8::ffff");
	EXPECT(fgw_pool_release(p, &w) == 0, "release");
	EXPECT(fgw_pool_alloc(p, &w, &a) == 0 && fgw_addr_eq(&a, &w), "wanted %s", S(&a));
	EXPECT(fgw_pool_family(p) == AF_INET6, "family");
	return true;
}

/* Every address of a 2^20 pool, each once; memory only while in use. */
static bool huge_v4(void)
{
	struct fgw_pool *p = make("10.0.0.0", "10.15.255.255");
	uint32_t n = 1u << 20;
	uint8_t *seen = calloc(n / 8, 1);
	struct fgw_pool_stats st;
	struct fgw_addr a;
	struct timespec t0, t1;
	double s;

	EXPECT(seen != NULL, "memory");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k;

		EXPECT(fgw_pool_alloc(p, NULL, &a) == 0, "alloc %u", i);
		k = ntohl(a.v4) - ntohl(unit_addr("10.0.0.0").v4);
		EXPECT(k < n && !(seen[k / 8] >> (k % 8) & 1), "%s twice", S(&a));
		seen[k / 8] |= (uint8_t)(1 << (k % 8));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(seen);
	EXPECT(fgw_pool_alloc(p, NULL, &a) == -1, "past the end");
	fgw_pool_stats(p, &st);
	EXPECT(st.chunks == n / 4096, "chunks %lu", (unsigned long)st.chunks);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# %u allocations in %.3f s: %.1f M/s\n", n, s, n / s / 1e6);
	for (uint32_t i = 0; i < n; i++) {
		a.family = AF_INET;
		a.v4 = htonl(ntohl(unit_addr("10.0.0.0").v4) + i);
		EXPECT(fgw_pool_release(p, &a) == 0, "release %s", S(&a));
	}
	fgw_pool_stats(p, &st);
	EXPECT(st.chunks == 0 && st.in_use == 0, "chunks %lu", (unsigned long)st.chunks);
	return true;
}

/* A /64 lends its first 2^24 addresses, and costs nothing until used. */
static bool huge_v6(void)
{
	struct fgw_pool *p = make("2001:db8:1::", "2001:db8:1::ffff:ffff:ffff:ffff");
	struct fgw_pool_stats st;
	struct fgw_addr a, w = unit_addr("2001:db8:1::ff:ffff"), beyond = unit_addr("2001:db8:1::100:0");

	fgw_pool_stats(p, &st);
	EXPECT(st.size == FGW_POOL_MAX_ADDRS && st.chunks == 0, "size %lu",
	       (unsigned long)st.size);
	EXPECT(fgw_pool_alloc(p, &w, &a) == 0 && fgw_addr_eq(&a, &w), "last %s", S(&a));
	EXPECT(fgw_pool_alloc(p, &beyond, &a) == 0 && strcmp(S(&a), "2001:db8:1::") == 0,
	       "beyond the cap %s", S(&a));
	for (int i = 0; i < 10000; i++)
		EXPECT(fgw_pool_alloc(p, NULL, &a) == 0, "alloc");
	fgw_pool_stats(p, &st);
	EXPECT(st.chunks == 4 && st.in_use == 10002, "chunks %lu", (unsigned long)st.chunks);
	return true;
}

/* Random lends and releases against a plain model: never an address
 * twice, the pool full exactly when the model is. */
static bool churn(void)
{
	enum { N = 5000 };
	struct fgw_pool *p = make("172.16.0.1", "172.16.19.136");	/* 5000 */
	static bool lent[N];
	unsigned n_lent = 0;
	uint32_t base = ntohl(unit_addr("172.16.0.1").v4);
	struct fgw_addr a;

	srand(7);
	for (int step = 0; step < 200000; step++) {
		if (rand() % 3 != 0) {
			int rc = fgw_pool_alloc(p, NULL, &a);
			uint32_t k = ntohl(a.v4) - base;

			EXPECT((rc == 0) == (n_lent < N), "step %d rc %d lent %u", step, rc, n_lent);
			if (rc == 0) {
				EXPECT(k < N && !lent[k], "step %d: %s twice", step, S(&a));
				lent[k] = true;
				n_lent++;
			}
		} else {
			uint32_t k = (uint32_t)rand() % N;

			a.family = AF_INET;
			a.v4 = htonl(base + k);
			EXPECT((fgw_pool_release(p, &a) == 0) == lent[k], "step %d release", step);
			if (lent[k])
				n_lent--;
			lent[k] = false;
		}
	}
	return true;
}

int main(void)
{
	RUN(exhaustion_v4);
	RUN(release_reuse);
	RUN(next_fit);
	RUN(wanted);
	RUN(ipv6);
	RUN(huge_v4);
	RUN(huge_v6);
	RUN(churn);
	fgw_pools_free(&pools);
	return unit_summary();
}
