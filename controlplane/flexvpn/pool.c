/* Address pools: a lazily allocated bitmap per pool (see pool.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "pool.h"

#define CHUNK_ADDRS 4096u
#define CHUNK_WORDS (CHUNK_ADDRS / 64)

typedef unsigned __int128 u128;

struct fgw_pool {
	char name[FGW_NAME_MAX];
	struct fgw_addr start, end;
	uint32_t size;			/* addresses lent from start on */
	uint32_t n_chunks;
	uint64_t **chunk;		/* NULL: every address of the chunk free */
	uint16_t *chunk_used;		/* addresses in use per chunk */
	uint32_t cursor;		/* next index to try */
	struct fgw_pool_stats st;
};

/* An address as a number, so ranges are plain arithmetic. */
static u128 addr_num(const struct fgw_addr *a)
{
	unsigned n = a->family == AF_INET ? 4 : 16;
	u128 v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | a->bytes[i];
	return v;
}

static void num_addr(uint8_t family, u128 v, struct fgw_addr *a)
{
	unsigned n = family == AF_INET ? 4 : 16;

	memset(a, 0, sizeof(*a));
	a->family = family;
	for (unsigned i = n; i-- > 0; v >>= 8)
		a->bytes[i] = (uint8_t)v;
}

/* The index of a in p, or -1 when a is not one of the addresses p lends. */
static int64_t addr_index(const struct fgw_pool *p, const struct fgw_addr *a)
{
	u128 v, s;

	if (a->family != p->start.family)
		return -1;
	v = addr_num(a);
	s = addr_num(&p->start);
	if (v < s || v - s >= p->size)
		return -1;
	return (int64_t)(v - s);
}

static uint32_t chunk_addrs(const struct fgw_pool *p, uint32_t c)
{
	return c + 1 < p->n_chunks ? CHUNK_ADDRS : p->size - c * CHUNK_ADDRS;
}

static bool bit_get(const struct fgw_pool *p, uint32_t i)
{
	const uint64_t *w = p->chunk[i / CHUNK_ADDRS];

	return w != NULL && (w[i % CHUNK_ADDRS / 64] >> (i % 64) & 1);
}

static int bit_set(struct fgw_pool *p, uint32_t i)
{
	uint32_t c = i / CHUNK_ADDRS;

	if (p->chunk[c] == NULL) {
		p->chunk[c] = calloc(CHUNK_WORDS, sizeof(uint64_t));
		if (p->chunk[c] == NULL)
			return -1;
		p->st.chunks++;
	}
	p->chunk[c][i % CHUNK_ADDRS / 64] |= UINT64_C(1) << (i % 64);
	p->chunk_used[c]++;
	return 0;
}

static void bit_clear(struct fgw_pool *p, uint32_t i)
{
	uint32_t c = i / CHUNK_ADDRS;

	p->chunk[c][i % CHUNK_ADDRS / 64] &= ~(UINT64_C(1) << (i % 64));
	if (--p->chunk_used[c] == 0) {
		free(p->chunk[c]);
		p->chunk[c] = NULL;
		p->st.chunks--;
	}
}

/* The first free index of chunk c at or after `from` (an index inside c),
 * or -1. */
static int64_t chunk_first_free(const struct fgw_pool *p, uint32_t c, uint32_t from)
{
	const uint64_t *w = p->chunk[c];
	uint32_t base = c * CHUNK_ADDRS;
	uint32_t end = base + chunk_addrs(p, c);

	if (w == NULL)
		return from < end ? (int64_t)from : -1;
	for (uint32_t i = from; i < end; i = (i | 63) + 1) {
		/* the free bits of this word from i on */
		uint64_t freebits = ~w[(i - base) / 64] & (UINT64_MAX << (i % 64));

		if (freebits != 0) {
			uint32_t hit = (i & ~63u) + (uint32_t)__builtin_ctzll(freebits);

			return hit < end ? (int64_t)hit : -1;
		}
	}
	return -1;
}

/* The next free index from the cursor on, wrapping once; -1: full. */
static int64_t next_free(const struct fgw_pool *p)
{
	uint32_t c0 = p->cursor / CHUNK_ADDRS;

	for (uint32_t k = 0; k <= p->n_chunks; k++) {
		uint32_t c = (c0 + k) % p->n_chunks;
		uint32_t from = k == 0 ? p->cursor : c * CHUNK_ADDRS;
		int64_t i;

		if (p->chunk_used[c] == chunk_addrs(p, c))
			continue;
		/* k == n_chunks: back in the first chunk, before the cursor */
		if (k == p->n_chunks)
			from = c * CHUNK_ADDRS;
		i = chunk_first_free(p, c, from);
		if (i >= 0)
			return i;
	}
	return -1;
}

int fgw_pool_alloc(struct fgw_pool *p, const struct fgw_addr *want, struct fgw_addr *out)
{
	int64_t i = -1;

	if (want != NULL && fgw_addr_is_set(want) &&
	    !(want->family == AF_INET ? want->v4 == 0 : fgw_ip6_is_unspecified(want->v6))) {
		i = addr_index(p, want);
		if (i >= 0 && bit_get(p, (uint32_t)i))
			i = -1;
		if (i >= 0)
			p->st.wanted_granted++;
		else
			p->st.wanted_refused++;
	}
	if (i < 0)
		i = next_free(p);
	if (i < 0 || bit_set(p, (uint32_t)i) < 0) {
		p->st.exhausted++;
		return -1;
	}
	p->cursor = (uint32_t)((i + 1) % p->size);
	num_addr(p->start.family, addr_num(&p->start) + (u128)i, out);
	p->st.allocs++;
	if (++p->st.in_use > p->st.peak)
		p->st.peak = p->st.in_use;
	return 0;
}

int fgw_pool_release(struct fgw_pool *p, const struct fgw_addr *a)
{
	int64_t i = addr_index(p, a);

	if (i < 0 || !bit_get(p, (uint32_t)i)) {
		p->st.bad_releases++;
		return -1;
	}
	bit_clear(p, (uint32_t)i);
	p->st.releases++;
	p->st.in_use--;
	return 0;
}

bool fgw_pool_in_use(const struct fgw_pool *p, const struct fgw_addr *a)
{
	int64_t i = addr_index(p, a);

	return i >= 0 && bit_get(p, (uint32_t)i);
}

static int pool_init(struct fgw_pool *p, const struct fgw_pool_cfg *cfg, char *err,
		     size_t errlen)
{
	u128 span = addr_num(&cfg->end) - addr_num(&cfg->start);

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", cfg->name);
	p->start = cfg->start;
	p->end = cfg->end;
	/* the loader checked start <= end, same family */
	if (span >= FGW_POOL_MAX_ADDRS) {
		p->size = FGW_POOL_MAX_ADDRS;
		FGW_WARN("pool %s: only the first %u addresses of the range are lent", p->name,
			 FGW_POOL_MAX_ADDRS);
	} else {
		p->size = (uint32_t)span + 1;
	}
	p->n_chunks = (p->size + CHUNK_ADDRS - 1) / CHUNK_ADDRS;
	p->chunk = calloc(p->n_chunks, sizeof(*p->chunk));
	p->chunk_used = calloc(p->n_chunks, sizeof(*p->chunk_used));
	if (p->chunk == NULL || p->chunk_used == NULL) {
		snprintf(err, errlen, "pool %s: out of memory", p->name);
		return -1;
	}
	p->st.size = p->size;
	return 0;
}

static void pool_free(struct fgw_pool *p)
{
	if (p->chunk != NULL)
		for (uint32_t c = 0; c < p->n_chunks; c++)
			free(p->chunk[c]);
	free(p->chunk);
	free(p->chunk_used);
}

int fgw_pools_init(struct fgw_pools *pools, const struct fgw_config *cfg, char *err,
		   size_t errlen)
{
	memset(pools, 0, sizeof(*pools));
	if (cfg->n_pools == 0)
		return 0;
	pools->v = calloc(cfg->n_pools, sizeof(*pools->v));
	if (pools->v == NULL) {
		snprintf(err, errlen, "pools: out of memory");
		return -1;
	}
	for (unsigned i = 0; i < cfg->n_pools; i++) {
		pools->n = i + 1;
		if (pool_init(&pools->v[i], &cfg->pools[i], err, errlen) < 0) {
			fgw_pools_free(pools);
			return -1;
		}
	}
	return 0;
}

void fgw_pools_free(struct fgw_pools *pools)
{
	for (unsigned i = 0; i < pools->n; i++)
		pool_free(&pools->v[i]);
	free(pools->v);
	memset(pools, 0, sizeof(*pools));
}

struct fgw_pool *fgw_pool_find(const struct fgw_pools *pools, const char *name)
{
	for (unsigned i = 0; i < pools->n; i++)
		if (strcmp(pools->v[i].name, name) == 0)
			return &pools->v[i];
	return NULL;
}

struct fgw_pool *fgw_pool_at(const struct fgw_pools *pools, unsigned i)
{
	return i < pools->n ? &pools->v[i] : NULL;
}

const char *fgw_pool_name(const struct fgw_pool *p)
{
	return p->name;
}

uint8_t fgw_pool_family(const struct fgw_pool *p)
{
	return p->start.family;
}

void fgw_pool_range(const struct fgw_pool *p, struct fgw_addr *start, struct fgw_addr *end)
{
	*start = p->start;
	*end = p->end;
}

void fgw_pool_stats(const struct fgw_pool *p, struct fgw_pool_stats *s)
{
	*s = p->st;
}
