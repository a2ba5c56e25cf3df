/* Anti-replay window with extended sequence numbers (RFC 4303 section
 * 3.4.3 and Appendix A), split in two so a forged packet cannot move it:
 * fgw_replay_check before the ICV is verified (cheap reject of duplicates
 * and stale packets), fgw_replay_update only after the ICV verified. The
 * window belongs to the one worker that owns the inbound SA: no atomics. */
#ifndef FGW_REPLAY_H
#define FGW_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "common/sa.h"

/* Ring words a window of `size` packets needs; 0 for a size outside
 * FGW_REPLAY_MIN..FGW_REPLAY_MAX (size 0, "no replay check", needs none). */
unsigned fgw_replay_words(unsigned size);

/* Starts an empty window over `bits` (fgw_replay_words(size) words; NULL
 * for size 0). Returns -1 for a size neither 0 nor 64..4096. */
int fgw_replay_init(struct fgw_replay *r, unsigned size, uint64_t *bits);

/* The 64-bit sequence number a packet carrying the low 32 bits `low`
 * stands for: the one nearest the window (RFC 4303 Appendix A2.2). Without
 * ESN the high half is simply zero. */
static inline uint64_t fgw_replay_infer(const struct fgw_replay *r, uint32_t low, bool esn)
{
	uint32_t tl, th, bottom;

	if (!esn)
		return low;
	tl = (uint32_t)r->top;
	th = (uint32_t)(r->top >> 32);
	bottom = tl - r->size + 1;	/* low half of the window's oldest */
	if (tl >= r->size - 1) {
		/* The window lies within one 2^32 block: below it means the
		 * sender has wrapped into the next block. */
		if (low < bottom)
			th++;
	} else if (low >= bottom && th > 0) {
		/* The window straddles a block boundary and low is in its
		 * older part. (With th == 0 there is no older block.) */
		th--;
	}
	return (uint64_t)th << 32 | low;
}

/* FGW_SA_DROP_NONE when seq may be new, else REPLAY or OUT_OF_WINDOW.
 * Changes nothing. */
static inline unsigned fgw_replay_check(const struct fgw_replay *r, uint64_t seq)
{
	if (r->size == 0)
		return FGW_SA_DROP_NONE;
	if (seq > r->top)
		return FGW_SA_DROP_NONE;
	/* Sequence number 0 is never sent (the first packet is 1). */
	if (seq == 0 || r->top - seq >= r->size)
		return FGW_SA_DROP_OUT_OF_WINDOW;
	if (r->bits[(seq >> 6) & r->mask] & (UINT64_C(1) << (seq & 63)))
		return FGW_SA_DROP_REPLAY;
	return FGW_SA_DROP_NONE;
}

/* fgw_replay_update's general case: checks again, clears the words the
 * top enters, records seq. */
unsigned fgw_replay_slide(struct fgw_replay *r, uint64_t seq);

/* Records seq once its packet authenticated, sliding the window when seq
 * is the newest yet. Checks again first: the window may have moved, or a
 * duplicate may have been accepted, since fgw_replay_check (packets of one
 * burst are all checked before any is updated). A packet in order, newer
 * than the top and in the top's word (63 of 64 of a flow without loss),
 * is new by definition and clears nothing: a bit and the top, inline
 * (the call did 31 instructions a packet, callgrind). */
static inline unsigned fgw_replay_update(struct fgw_replay *r, uint64_t seq)
{
	if (r->size != 0 && seq > r->top && (seq ^ r->top) < 64) {
		r->bits[(seq >> 6) & r->mask] |= UINT64_C(1) << (seq & 63);
		r->top = seq;
		return FGW_SA_DROP_NONE;
	}
	return fgw_replay_slide(r, seq);
}

#endif
