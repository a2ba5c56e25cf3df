/* Why the ESP library dropped a packet, as an X-macro list: common/sa.h
 * makes its verdict enum of it (after NONE), dataplane/stats.h its ESP_*
 * drop reasons, so `show dataplane stats` names every one. No other
 * dependency, so the stats header need not pull in IPsec-MB. */
#ifndef FGW_SA_DROPS_H
#define FGW_SA_DROPS_H

#define FGW_SA_DROP_REASONS(X) \
	X(TRUNCATED, "shorter than its headers or its IP length") \
	X(CHAINED, "chained mbuf") \
	X(NO_ROOM, "no headroom or tailroom for ESP") \
	X(INNER_HEADER, "malformed inner packet") \
	X(UNSUPPORTED, "IPv6 extension headers in transport mode") \
	X(BAD_LENGTH, "ciphertext not a whole number of blocks") \
	X(REPLAY, "sequence number already received") \
	X(OUT_OF_WINDOW, "sequence number behind the replay window") \
	X(AUTH, "integrity check failed") \
	X(BAD_PADDING, "padding longer than the payload or not 1, 2, 3...") \
	X(BAD_NEXT_HEADER, "next header not allowed in this mode") \
	X(DUMMY, "dummy packet (next header 59)") \
	X(ECN, "CE outer, not-ECT inner (RFC 6040)") \
	X(SEQ_OVERFLOW, "sequence numbers exhausted") \
	X(LIFETIME, "hard lifetime reached") \
	X(CRYPTO, "crypto job failed")

#endif
