/* Anti-replay window: sizing and the slide. See replay.h. */
#include "dataplane/ipsec/replay.h"

unsigned fgw_replay_words(unsigned size)
{
	unsigned need, words;

	if (size < FGW_REPLAY_MIN || size > FGW_REPLAY_MAX)
		return 0;
	/* The window's packets span at most this many words (the oldest
	 * and the newest can each sit in a partial word); a power of two
	 * makes the ring index a mask. */
	need = (size + 63) / 64 + 1;
	for (words = 1; words < need; words <<= 1)
		;
	return words;
}

int fgw_replay_init(struct fgw_replay *r, unsigned size, uint64_t *bits)
{
	unsigned words = fgw_replay_words(size);

	if (size != 0 && words == 0)
		return -1;
	r->top = 0;
	r->size = size;
	r->mask = words ? words - 1 : 0;
	r->bits = size ? bits : NULL;
	for (unsigned i = 0; i < words; i++)
		bits[i] = 0;
	return 0;
}

unsigned fgw_replay_slide(struct fgw_replay *r, uint64_t seq)
{
	unsigned verdict;

	if (r->size == 0) {
		if (seq > r->top)
			r->top = seq;
		return FGW_SA_DROP_NONE;
	}
	verdict = fgw_replay_check(r, seq);
	if (verdict != FGW_SA_DROP_NONE)
		return verdict;
	if (seq > r->top) {
		/* Every word the top enters is cleared: it still holds bits of
		 * sequence numbers a whole ring older, long out of window. */
		uint64_t from = r->top >> 6, to = seq >> 6;
		uint64_t n = to - from;

		if (n > r->mask)
			n = (uint64_t)r->mask + 1;
		for (uint64_t i = 1; i <= n; i++)
			r->bits[(from + i) & r->mask] = 0;
		r->top = seq;
	}
	r->bits[(seq >> 6) & r->mask] |= UINT64_C(1) << (seq & 63);
	return FGW_SA_DROP_NONE;
}
