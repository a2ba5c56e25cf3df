/* Anti-replay window (dataplane/ipsec/replay.c): window edges for every
 * size class, the check/update split, ESN inference across the 2^32 wrap,
 * and a long randomised run against a plain reference model. */
#include <stdlib.h>
#include <string.h>

#include "dataplane/ipsec/replay.h"
#include "tests/unit/unit.h"

struct window {
	struct fgw_replay r;
	uint64_t bits[128];
};

static bool window_init(struct window *w, unsigned size)
{
	return fgw_replay_init(&w->r, size, w->bits) == 0;
}

/* check, then update as if the ICV had verified. */
static unsigned receive(struct fgw_replay *r, uint64_t seq)
{
	unsigned v = fgw_replay_check(r, seq);

	return v != FGW_SA_DROP_NONE ? v : fgw_replay_update(r, seq);
}

static const unsigned sizes[] = { 64, 65, 100, 127, 128, 129, 1000, 1024, 4095, 4096 };
#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))

static bool sizes_accepted_and_rejected(void)
{
	struct window w;

	/* 64..4096 any value: the check is arithmetic, the ring is rounded
	 * up to a power of two words. 0 turns checking off. */
	for (unsigned s = 64; s <= 4096; s++)
		EXPECT(window_init(&w, s), "size %u", s);
	EXPECT(window_init(&w, 0), "size 0");
	EXPECT(!window_init(&w, 1), "size 1");
	EXPECT(!window_init(&w, 63), "size 63");
	EXPECT(!window_init(&w, 4097), "size 4097");
	EXPECT(!window_init(&w, 1u << 31), "huge");
	EXPECT(fgw_replay_words(64) == 2, "%u", fgw_replay_words(64));
	EXPECT(fgw_replay_words(65) == 4, "%u", fgw_replay_words(65));
	EXPECT(fgw_replay_words(192) == 4, "%u", fgw_replay_words(192));
	EXPECT(fgw_replay_words(193) == 8, "%u", fgw_replay_words(193));
	EXPECT(fgw_replay_words(4096) == 128, "%u", fgw_replay_words(4096));
	return true;
}

static bool first_packet_and_duplicate(void)
{
	struct window w;

	EXPECT(window_init(&w, 64), "init");
	EXPECT(fgw_replay_check(&w.r, 0) == FGW_SA_DROP_OUT_OF_WINDOW, "seq 0 is never valid");
	EXPECT(receive(&w.r, 1) == FGW_SA_DROP_NONE, "first");
	EXPECT(receive(&w.r, 1) == FGW_SA_DROP_REPLAY, "duplicate");
	EXPECT(receive(&w.r, 3) == FGW_SA_DROP_NONE, "gap");
	EXPECT(receive(&w.r, 2) == FGW_SA_DROP_NONE, "late, in window");
	EXPECT(receive(&w.r, 2) == FGW_SA_DROP_REPLAY, "late duplicate");
	EXPECT(w.r.top == 3, "top %llu", (unsigned long long)w.r.top);
	return true;
}

/* For each size: top - (size - 1) is the oldest acceptable, top - size the
 * first rejected. */
static bool window_edges_every_size(void)
{
	for (unsigned i = 0; i < N_SIZES; i++) {
		unsigned s = sizes[i];
		uint64_t top = 100000;
		struct window w;

		EXPECT(window_init(&w, s), "init %u", s);
		EXPECT(receive(&w.r, top) == FGW_SA_DROP_NONE, "top, size %u", s);
		EXPECT(fgw_replay_check(&w.r, top - s + 1) == FGW_SA_DROP_NONE,
		       "size-1 behind, size %u", s);
		EXPECT(receive(&w.r, top - s + 1) == FGW_SA_DROP_NONE, "size %u", s);
		EXPECT(fgw_replay_check(&w.r, top - s) == FGW_SA_DROP_OUT_OF_WINDOW,
		       "exactly size behind, size %u", s);
		EXPECT(fgw_replay_update(&w.r, top - s) == FGW_SA_DROP_OUT_OF_WINDOW,
		       "update refuses it too, size %u", s);
		EXPECT(receive(&w.r, top - s + 1) == FGW_SA_DROP_REPLAY, "size %u", s);
		EXPECT(receive(&w.r, top) == FGW_SA_DROP_REPLAY, "size %u", s);
		/* Every never-seen packet inside the window is still new. */
		for (uint64_t q = top - s + 2; q < top; q++)
			EXPECT(fgw_replay_check(&w.r, q) == FGW_SA_DROP_NONE,
			       "size %u seq %llu", s, (unsigned long long)q);
		/* Moving one forward pushes the oldest out. */
		EXPECT(receive(&w.r, top + 1) == FGW_SA_DROP_NONE, "size %u", s);
		EXPECT(fgw_replay_check(&w.r, top - s + 1) == FGW_SA_DROP_OUT_OF_WINDOW,
		       "slid out, size %u", s);
	}
	return true;
}

static bool check_does_not_move_the_window(void)
{
	struct window w;

	EXPECT(window_init(&w, 64), "init");
	EXPECT(receive(&w.r, 10) == FGW_SA_DROP_NONE, "10");
	/* A forged packet far ahead passes the check but fails its ICV: it is
	 * never updated, so the window stays where it was. */
	EXPECT(fgw_replay_check(&w.r, 1000000) == FGW_SA_DROP_NONE, "ahead");
	EXPECT(w.r.top == 10, "top moved on check");
	EXPECT(fgw_replay_check(&w.r, 5) == FGW_SA_DROP_NONE, "5 still fine");
	EXPECT(fgw_replay_check(&w.r, 10) == FGW_SA_DROP_REPLAY, "10 still seen");
	return true;
}

/* Two copies of one packet in one burst both pass the check; the update
 * catches the second. So does a window that slid in between. */
static bool update_rechecks(void)
{
	struct window w;

	EXPECT(window_init(&w, 64), "init");
	EXPECT(receive(&w.r, 100) == FGW_SA_DROP_NONE, "100");
	EXPECT(fgw_replay_check(&w.r, 90) == FGW_SA_DROP_NONE, "first copy");
	EXPECT(fgw_replay_check(&w.r, 90) == FGW_SA_DROP_NONE, "second copy");
	EXPECT(fgw_replay_update(&w.r, 90) == FGW_SA_DROP_NONE, "first update");
	EXPECT(fgw_replay_update(&w.r, 90) == FGW_SA_DROP_REPLAY, "second update");

	EXPECT(fgw_replay_check(&w.r, 50) == FGW_SA_DROP_NONE, "50 in window");
	EXPECT(fgw_replay_update(&w.r, 200) == FGW_SA_DROP_NONE, "200 slides");
	EXPECT(fgw_replay_update(&w.r, 50) == FGW_SA_DROP_OUT_OF_WINDOW, "50 now too old");
	return true;
}

static bool far_ahead_jump(void)
{
	for (unsigned i = 0; i < N_SIZES; i++) {
		unsigned s = sizes[i];
		struct window w;

		EXPECT(window_init(&w, s), "init");
		for (uint64_t q = 1; q <= 5000; q++)
			EXPECT(receive(&w.r, q) == FGW_SA_DROP_NONE, "size %u seq %llu", s,
			       (unsigned long long)q);
		/* Jump by more than the whole ring: every word is cleared. */
		EXPECT(receive(&w.r, 1000000) == FGW_SA_DROP_NONE, "jump, size %u", s);
		EXPECT(fgw_replay_check(&w.r, 5000) == FGW_SA_DROP_OUT_OF_WINDOW, "size %u", s);
		for (uint64_t q = 1000000 - s + 1; q < 1000000; q++)
			EXPECT(fgw_replay_check(&w.r, q) == FGW_SA_DROP_NONE,
			       "stale bit, size %u seq %llu", s, (unsigned long long)q);
		/* Jump by less than the ring, more than the window: the words in
		 * between are cleared, the rest reused correctly. */
		EXPECT(receive(&w.r, 1000000 + s + 70) == FGW_SA_DROP_NONE, "size %u", s);
		for (uint64_t q = 1000000 + 71; q < 1000000 + s + 70; q++)
			EXPECT(fgw_replay_check(&w.r, q) == FGW_SA_DROP_NONE,
			       "size %u seq %llu", s, (unsigned long long)q);
	}
	return true;
}

static bool replay_off(void)
{
	struct window w;

	EXPECT(window_init(&w, 0), "init");
	EXPECT(receive(&w.r, 5) == FGW_SA_DROP_NONE, "5");
	EXPECT(receive(&w.r, 5) == FGW_SA_DROP_NONE, "5 again: no check");
	EXPECT(receive(&w.r, 1) == FGW_SA_DROP_NONE, "1");
	EXPECT(w.r.top == 5, "top still tracked");
	return true;
}

static bool esn_inference(void)
{
	struct window w;

	EXPECT(window_init(&w, 64), "init");
	EXPECT(fgw_replay_infer(&w.r, 0xfffffff0, false) == 0xfffffff0, "no ESN");

	/* Window inside one block, near its end. */
	w.r.top = UINT64_C(0x1fffffff0);
	EXPECT(fgw_replay_infer(&w.r, 0xfffffff5, true) == UINT64_C(0x1fffffff5), "ahead, same block");
	EXPECT(fgw_replay_infer(&w.r, 0xffffffb1, true) == UINT64_C(0x1ffffffb1), "oldest in window");
	EXPECT(fgw_replay_infer(&w.r, 0x00000005, true) == UINT64_C(0x200000005), "wrapped ahead");
	EXPECT(fgw_replay_infer(&w.r, 0xffffffb0, true) == UINT64_C(0x2ffffffb0),
	       "just below the window counts as the next block");

	/* Window straddling the boundary. */
	w.r.top = UINT64_C(0x200000010);
	EXPECT(fgw_replay_infer(&w.r, 0x20, true) == UINT64_C(0x200000020), "ahead");
	EXPECT(fgw_replay_infer(&w.r, 0x00, true) == UINT64_C(0x200000000), "low 0 in window");
	EXPECT(fgw_replay_infer(&w.r, 0xfffffff0, true) == UINT64_C(0x1fffffff0), "previous block");
	EXPECT(fgw_replay_infer(&w.r, 0xffffffd1, true) == UINT64_C(0x1ffffffd1), "window bottom");
	EXPECT(fgw_replay_infer(&w.r, 0xffffffd0, true) == UINT64_C(0x2ffffffd0), "below bottom");
	EXPECT(fgw_replay_infer(&w.r, 0x80000000, true) == UINT64_C(0x280000000), "far ahead");

	/* Nothing before block 0. */
	w.r.top = 5;
	EXPECT(fgw_replay_infer(&w.r, 0xfffffff0, true) == UINT64_C(0xfffffff0), "block 0");
	return true;
}

/* A sender crossing 2^32 with reordering, only the low half on the wire. */
static bool esn_wrap_run(void)
{
	struct window w;
	uint64_t start = UINT64_C(0xffffff00), end = UINT64_C(0x100000100);

	EXPECT(window_init(&w, 64), "init");
	EXPECT(receive(&w.r, start - 1) == FGW_SA_DROP_NONE, "prime");
	for (uint64_t q = start; q < end; q += 2) {
		/* pairs arrive swapped */
		uint64_t order[2] = { q + 1, q };

		for (int k = 0; k < 2; k++) {
			uint64_t s = fgw_replay_infer(&w.r, (uint32_t)order[k], true);

			EXPECT(s == order[k], "inferred %llx for %llx", (unsigned long long)s,
			       (unsigned long long)order[k]);
			EXPECT(receive(&w.r, s) == FGW_SA_DROP_NONE, "%llx", (unsigned long long)s);
		}
	}
	/* Replays of packets just before and after the wrap. */
	for (uint64_t q = end - 40; q < end; q++) {
		uint64_t s = fgw_replay_infer(&w.r, (uint32_t)q, true);

		EXPECT(s == q, "%llx", (unsigned long long)q);
		EXPECT(fgw_replay_check(&w.r, s) == FGW_SA_DROP_REPLAY, "%llx", (unsigned long long)q);
	}
	EXPECT(w.r.top == end - 1, "top %llx", (unsigned long long)w.r.top);
	return true;
}

/* ---- random run against a model ------------------------------------------- */

#define MODEL_SEQS (1u << 22)

struct model {
	uint64_t top;
	unsigned size;
	uint8_t *seen;			/* one byte per sequence number */
};

static unsigned model_check(const struct model *m, uint64_t seq)
{
	if (seq > m->top)
		return FGW_SA_DROP_NONE;
	if (seq == 0 || m->top - seq >= m->size)
		return FGW_SA_DROP_OUT_OF_WINDOW;
	return m->seen[seq] ? FGW_SA_DROP_REPLAY : FGW_SA_DROP_NONE;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool random_against_model(void)
{
	struct model m = { .seen = calloc(MODEL_SEQS, 1) };

	EXPECT(m.seen, "calloc");
	for (unsigned i = 0; i < N_SIZES; i++) {
		struct window w;
		unsigned ops = 0;

		m.size = sizes[i];
		m.top = 0;
		memset(m.seen, 0, MODEL_SEQS);
		EXPECT(window_init(&w, m.size), "init");
		while (m.top < MODEL_SEQS - 20000 && ops++ < 400000) {
			uint64_t r = rng(), seq;

			switch (r % 8) {
			case 0: case 1: case 2:
				seq = m.top + 1;
				break;
			case 3:		/* around the window's bottom edge */
				seq = m.top - m.size + (r >> 8) % 5;
				break;
			case 4: case 5:	/* reordered or duplicate */
				seq = m.top - (r >> 8) % (m.size + 16);
				break;
			case 6:		/* ahead, sometimes by more than the ring */
				seq = m.top + 1 + (r >> 8) % (16 * m.size);
				break;
			default:
				seq = m.top;
				break;
			}
			if (seq > m.top + 2 * MODEL_SEQS || seq >= MODEL_SEQS)
				continue;	/* underflowed or past the model */
			unsigned want = model_check(&m, seq);
			unsigned got = fgw_replay_check(&w.r, seq);

			EXPECT(got == want, "size %u op %u seq %llu top %llu: got %s want %s",
			       m.size, ops, (unsigned long long)seq, (unsigned long long)m.top,
			       fgw_sa_drop_name(got), fgw_sa_drop_name(want));
			/* one in eight fails its ICV: no update */
			if (got != FGW_SA_DROP_NONE || (r >> 40) % 8 == 0)
				continue;
			EXPECT(fgw_replay_update(&w.r, seq) == FGW_SA_DROP_NONE, "update");
			m.seen[seq] = 1;
			if (seq > m.top)
				m.top = seq;
			EXPECT(w.r.top == m.top, "top");
		}
	}
	free(m.seen);
	return true;
}

int main(void)
{
	RUN(sizes_accepted_and_rejected);
	RUN(first_packet_and_duplicate);
	RUN(window_edges_every_size);
	RUN(check_does_not_move_the_window);
	RUN(update_rechecks);
	RUN(far_ahead_jump);
	RUN(replay_off);
	RUN(esn_inference);
	RUN(esn_wrap_run);
	RUN(random_against_model);
	return unit_summary();
}
