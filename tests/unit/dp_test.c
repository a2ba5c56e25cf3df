/* The data plane's packet path, driven through fgw_worker_process_burst
 * with crafted frames on two net_ring ports. A net_ring port's TX queue
 * feeds its own RX queue, so what a worker transmits is read back with
 * rte_eth_rx_burst. Prints one line per case, then "N passed, M failed". */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dp.h"
#include "dataplane/worker.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_addr.h"
#include "tests/unit/unit_eal.h"

/* ---- the box under test --------------------------------------------------
 * lan0 (net_ring0) 192.0.2.1/24 2001:db8:1::1/64, MTU 1500
 * lan1 (net_ring1) 198.51.100.1/24 2001:db8:2::1/64, MTU 1280
 * Loopback0 203.0.113.1/32
 * 203.0.113.0/25 and 2001:db8:3::/48 via 198.51.100.2 / 2001:db8:2::2 on lan1
 * 203.0.113.128/26 to Null0 */

static struct fgw_dp dp;
static struct fgw_worker *w;
static int if0, if1;
static uint16_t port0, port1;
static uint32_t nh_local, nh_conn0, nh_conn1, nh_gw4, nh_gw6, nh_null;
static const struct rte_ether_addr host_mac = { { 0x02, 0x00, 0x00, 0x00, 0x0a, 0x01 } };
static const struct rte_ether_addr gw_mac = { { 0x02, 0x00, 0x00, 0x00, 0x0b, 0x02 } };
static const struct rte_ether_addr other_mac = { { 0x02, 0x00, 0x00, 0x00, 0x0c, 0x03 } };
static const struct rte_ether_addr bcast_mac = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

static uint32_t nh_new(uint8_t type, int ifindex, const char *gw)
{
	struct fgw_nexthop nh = { .type = type, .ifindex = ifindex };

	if (gw != NULL)
		nh.gw = unit_addr(gw);
	return fgw_nh_alloc(&dp, &nh);
}

static void route(const char *p, uint32_t nh)
{
	struct fgw_prefix pf = unit_prefix(p);

	if (fgw_route_add(&dp, &pf, nh) != 0) {
		fprintf(stderr, "cannot add route %s\n", p);
		exit(2);
	}
}

static void neigh(uint8_t type, int ifindex, const char *a, const struct rte_ether_addr *mac)
{
	struct fgw_msg msg = { .type = type, .ifindex = ifindex, .addr = unit_addr(a) };

	if (mac != NULL)
		msg.mac = *mac;
	fgw_msg_broadcast(&dp, &msg);
	fgw_worker_service(w);
}

static void setup(void)
{
	char prefix_arg[64];
	char *argv[] = {
		"dp_test", "--no-huge", "--no-shconf", "-m", "512", "--no-pci",
		"--no-telemetry", "-l", "0", "--log-level=warning",
		"--vdev", "net_ring0", "--vdev", "net_ring1", prefix_arg,
	};
	struct fgw_dp_params params = { .n_workers = 1, .worker_lcores = { 0 }, .burst = 32,
					.mbufs = 8191 };
	struct fgw_prefix a0 = unit_prefix("192.0.2.1/24"), a06 = unit_prefix("2001:db8:1::1/64");
	struct fgw_prefix a1 = unit_prefix("198.51.100.1/24"), a16 = unit_prefix("2001:db8:2::1/64");
	struct fgw_prefix lo = unit_prefix("203.0.113.1/32");
	char err[256];

	snprintf(prefix_arg, sizeof(prefix_arg), "--file-prefix=dptest-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "EAL initialisation failed\n");
		exit(2);
	}
	if (fgw_dp_init(&dp, &params, err, sizeof(err)) < 0 ||
	    (if0 = fgw_port_add(&dp, "lan0", "net_ring0", 1500, &a0, &a06, err, sizeof(err))) < 0 ||
	    (if1 = fgw_port_add(&dp, "lan1", "net_ring1", 1280, &a1, &a16, err, sizeof(err))) < 0 ||
	    fgw_loopback_add(&dp, "Loopback0", &lo, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "data plane set-up failed: %s\n", err);
		exit(2);
	}
	w = dp.workers[0];
	port0 = dp.ifs[if0].port_id;
	port1 = dp.ifs[if1].port_id;

	nh_local = nh_new(FGW_NH_LOCAL, 0, NULL);
	nh_conn0 = nh_new(FGW_NH_CONNECTED, if0, NULL);
	nh_conn1 = nh_new(FGW_NH_CONNECTED, if1, NULL);
	nh_gw4 = nh_new(FGW_NH_GATEWAY, if1, "198.51.100.2");
	nh_gw6 = nh_new(FGW_NH_GATEWAY, if1, "2001:db8:2::2");
	nh_null = nh_new(FGW_NH_BLACKHOLE, 0, NULL);
	route("192.0.2.0/24", nh_conn0);
	route("198.51.100.0/24", nh_conn1);
	route("2001:db8:1::/64", nh_conn0);
	route("2001:db8:2::/64", nh_conn1);
	route("192.0.2.1/32", nh_local);
	route("198.51.100.1/32", nh_local);
	route("203.0.113.1/32", nh_local);
	route("2001:db8:1::1/128", nh_local);
	route("2001:db8:2::1/128", nh_local);
	route("203.0.113.0/25", nh_gw4);
	route("2001:db8:3::/48", nh_gw6);
	route("203.0.113.128/26", nh_null);
	neigh(FGW_MSG_NEIGH_SET, if1, "198.51.100.2", &gw_mac);
	neigh(FGW_MSG_NEIGH_SET, if1, "2001:db8:2::2", &gw_mac);
	neigh(FGW_MSG_NEIGH_SET, if0, "192.0.2.10", &host_mac);
}

/* ---- frames --------------------------------------------------------------- */

struct frame {
	uint8_t b[2048];
	unsigned len;
};

static void eth(struct frame *f, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, uint16_t type)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)f->b;

	e->dst_addr = *dst;
	e->src_addr = *src;
	e->ether_type = htons(type);
	f->len = sizeof(*e);
}

static struct rte_ipv4_hdr *ip4_of(struct frame *f)
{
	return (struct rte_ipv4_hdr *)(f->b + RTE_ETHER_HDR_LEN);
}

/* An IPv4 packet with `payload` bytes of a counting pattern after the header. */
static void ipv4(struct frame *f, const char *src, const char *dst, uint8_t ttl,
		 unsigned payload, bool df)
{
	struct rte_ipv4_hdr *ip = ip4_of(f);
	struct fgw_addr s = unit_addr(src), d = unit_addr(dst);

	eth(f, &dp.ifs[if0].mac, &host_mac, RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(sizeof(*ip) + payload));
	ip->packet_id = htons(0x1234);
	ip->fragment_offset = df ? htons(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->time_to_live = ttl;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = s.v4;
	ip->dst_addr = d.v4;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	for (unsigned i = 0; i < payload; i++)
		f->b[RTE_ETHER_HDR_LEN + sizeof(*ip) + i] = (uint8_t)i;
	f->len = RTE_ETHER_HDR_LEN + sizeof(*ip) + payload;
}

static struct rte_ipv6_hdr *ip6_of(struct frame *f)
{
	return (struct rte_ipv6_hdr *)(f->b + RTE_ETHER_HDR_LEN);
}

static void ipv6(struct frame *f, const char *src, const char *dst, uint8_t hops,
		 uint8_t proto, unsigned payload)
{
	struct rte_ipv6_hdr *ip = ip6_of(f);
	struct fgw_addr s = unit_addr(src), d = unit_addr(dst);

	eth(f, &dp.ifs[if0].mac, &host_mac, RTE_ETHER_TYPE_IPV6);
	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = htonl(6u << 28);
	ip->payload_len = htons((uint16_t)payload);
	ip->proto = proto;
	ip->hop_limits = hops;
	memcpy(ip->src_addr, s.v6, 16);
	memcpy(ip->dst_addr, d.v6, 16);
	for (unsigned i = 0; i < payload; i++)
		f->b[RTE_ETHER_HDR_LEN + sizeof(*ip) + i] = (uint8_t)i;
	f->len = RTE_ETHER_HDR_LEN + sizeof(*ip) + payload;
}

/* An ICMPv6 message of `type` (only the type byte matters to the worker). */
static void icmp6(struct frame *f, const char *src, const char *dst, uint8_t type)
{
	ipv6(f, src, dst, 255, IPPROTO_ICMPV6, 24);
	f->b[RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv6_hdr)] = type;
}

static struct rte_mbuf *mbuf_of(const struct frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	char *p;

	if (m == NULL || (p = rte_pktmbuf_append(m, (uint16_t)f->len)) == NULL) {
		fprintf(stderr, "mbuf allocation failed\n");
		exit(2);
	}
	memcpy(p, f->b, f->len);
	return m;
}

/* ---- driving the worker and watching what comes out ---------------------- */

static struct fgw_worker_stats before;

static void receive_on(uint16_t port, const struct frame *f)
{
	struct rte_mbuf *m = mbuf_of(f);

	before = w->stats;
	fgw_worker_process_burst(&dp, w, port, &m, 1);
	fgw_worker_service(w);
}

static void receive(const struct frame *f)
{
	receive_on(port0, f);
}

static uint64_t delta_drop(enum fgw_drop_reason r)
{
	return w->stats.drop[r] - before.drop[r];
}

/* Frames the worker sent on port, at most max. */
static unsigned sent(uint16_t port, struct rte_mbuf **out, unsigned max)
{
	return rte_eth_rx_burst(port, 0, out, (uint16_t)max);
}

static unsigned punted(struct rte_mbuf **out, unsigned max)
{
	return rte_ring_dequeue_burst(dp.punt, (void **)out, max, NULL);
}

static void free_all(struct rte_mbuf **m, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

/* Nothing left over anywhere: every case starts clean. */
static bool quiet(void)
{
	struct rte_mbuf *m[64];
	unsigned a = sent(port0, m, 64), b, c;

	free_all(m, a);
	b = sent(port1, m, 64);
	free_all(m, b);
	c = punted(m, 64);
	free_all(m, c);
	return a + b + c == 0;
}

static bool header_checksum_ok(const struct rte_ipv4_hdr *ip)
{
	return rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)) == 0xffff;
}

/* Expect exactly one punted frame for `reason`; returns it (to be freed). */
static struct rte_mbuf *one_punt(enum fgw_punt_reason reason)
{
	struct rte_mbuf *m[4];
	unsigned n = punted(m, 4);

	if (n != 1) {
		free_all(m, n);
		snprintf(unit_why, sizeof(unit_why), "%u frames punted, expected 1", n);
		return NULL;
	}
	if (fgw_punt_meta(&dp, m[0])->reason != reason) {
		snprintf(unit_why, sizeof(unit_why), "punted as %s, expected %s",
			 fgw_punt_reason_names[fgw_punt_meta(&dp, m[0])->reason],
			 fgw_punt_reason_names[reason]);
		rte_pktmbuf_free(m[0]);
		return NULL;
	}
	return m[0];
}

static bool punts_as(const struct frame *f, enum fgw_punt_reason reason)
{
	struct rte_mbuf *m;

	receive(f);
	m = one_punt(reason);
	if (m == NULL)
		return false;
	EXPECT(fgw_punt_meta(&dp, m)->in_if == (uint32_t)if0, "in_if %u",
	      fgw_punt_meta(&dp, m)->in_if);
	EXPECT(w->stats.punt[reason] == before.punt[reason] + 1, "punt counter");
	rte_pktmbuf_free(m);
	return quiet();
}

static bool drops_as(const struct frame *f, enum fgw_drop_reason reason)
{
	receive(f);
	if (delta_drop(reason) != 1) {
		snprintf(unit_why, sizeof(unit_why), "drop %s counted %lu times",
			 fgw_drop_reason_names[reason], (unsigned long)delta_drop(reason));
		return false;
	}
	if (!quiet()) {
		snprintf(unit_why, sizeof(unit_why), "dropped frame came out somewhere");
		return false;
	}
	return true;
}

/* ---- IPv4 ----------------------------------------------------------------- */

static bool ipv4_forward_rewrites_and_decrements(void)
{
	/* Many headers, so the incremental checksum update meets carries and
	 * the 0xffff/0x0000 edge (RFC 1624) somewhere along the way. */
	for (unsigned i = 0; i < 4096; i++) {
		struct frame f;
		struct rte_mbuf *m;
		struct rte_ipv4_hdr *ip;
		const struct rte_ether_hdr *e;

		ipv4(&f, "192.0.2.10", "203.0.113.5", (uint8_t)(2 + i % 250), 32, false);
		ip4_of(&f)->packet_id = htons((uint16_t)(i * 7919));
		ip4_of(&f)->type_of_service = (uint8_t)(i >> 4);
		ip4_of(&f)->hdr_checksum = 0;
		ip4_of(&f)->hdr_checksum = rte_ipv4_cksum(ip4_of(&f));
		receive(&f);
		EXPECT(w->stats.forwarded == before.forwarded + 1, "case %u not forwarded", i);
		EXPECT(sent(port1, &m, 1) == 1, "nothing sent on lan1");
		e = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
		bool ok = rte_is_same_ether_addr(&e->dst_addr, &gw_mac) &&
			  rte_is_same_ether_addr(&e->src_addr, &dp.ifs[if1].mac) &&
			  ip->time_to_live == (uint8_t)(1 + i % 250) && header_checksum_ok(ip) &&
			  m->pkt_len == f.len &&
			  memcmp(rte_pktmbuf_mtod_offset(m, uint8_t *, 34), f.b + 34, 32) == 0;
		rte_pktmbuf_free(m);
		EXPECT(ok, "case %u: wrong MACs, TTL, checksum or payload", i);
	}
	EXPECT(w->stats.port[port1].tx_packets >= 4096, "port tx counter");
	return quiet();
}

static bool ipv4_connected_neighbour(void)
{
	struct frame f;
	struct rte_mbuf *m;
	bool ok;

	ipv4(&f, "192.0.2.10", "198.51.100.2", 64, 100, false);
	receive(&f);
	EXPECT(sent(port1, &m, 1) == 1, "nothing sent");
	ok = rte_is_same_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr,
				    &gw_mac);
	rte_pktmbuf_free(m);
	EXPECT(ok, "wrong destination MAC");
	return quiet();
}

static bool ipv4_padding_is_trimmed(void)
{
	struct frame f;
	struct rte_mbuf *m;
	uint32_t len;

	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 8, false);
	memset(f.b + f.len, 0, 60 - f.len);
	f.len = 60;			/* the Ethernet minimum, padded */
	receive(&f);
	EXPECT(sent(port1, &m, 1) == 1, "nothing sent");
	len = m->pkt_len;
	rte_pktmbuf_free(m);
	EXPECT(len == RTE_ETHER_HDR_LEN + 28, "frame length %u", len);
	return quiet();
}

static bool ipv4_ttl_one_punts(void)
{
	struct frame f;
	struct rte_mbuf *m;
	bool same;

	ipv4(&f, "192.0.2.10", "203.0.113.5", 1, 20, false);
	receive(&f);
	m = one_punt(FGW_PUNT_TTL_EXCEEDED);
	if (m == NULL)
		return false;
	same = m->pkt_len == f.len && memcmp(rte_pktmbuf_mtod(m, void *), f.b, f.len) == 0;
	rte_pktmbuf_free(m);
	EXPECT(same, "the punted frame was modified");
	return quiet();
}

static bool ipv4_no_route_punts(void)
{
	struct frame f;

	ipv4(&f, "192.0.2.10", "203.0.113.250", 64, 20, false);
	return punts_as(&f, FGW_PUNT_NO_ROUTE);
}

static bool ipv4_local_punts(void)
{
	struct frame f;

	ipv4(&f, "192.0.2.10", "192.0.2.1", 64, 20, false);
	if (!punts_as(&f, FGW_PUNT_LOCAL))
		return false;
	ipv4(&f, "192.0.2.10", "203.0.113.1", 64, 20, false);	/* the loopback */
	if (!punts_as(&f, FGW_PUNT_LOCAL))
		return false;
	ipv4(&f, "192.0.2.10", "255.255.255.255", 1, 20, false);
	eth(&f, &bcast_mac, &host_mac, RTE_ETHER_TYPE_IPV4);
	f.len = RTE_ETHER_HDR_LEN + 40;
	if (!punts_as(&f, FGW_PUNT_LOCAL))
		return false;
	ipv4(&f, "192.0.2.10", "192.0.2.255", 64, 20, false);	/* our subnet's broadcast */
	eth(&f, &bcast_mac, &host_mac, RTE_ETHER_TYPE_IPV4);
	f.len = RTE_ETHER_HDR_LEN + 40;
	return punts_as(&f, FGW_PUNT_LOCAL);
}

static bool ipv4_blackhole_drops(void)
{
	struct frame f;

	ipv4(&f, "192.0.2.10", "203.0.113.130", 64, 20, false);
	return drops_as(&f, FGW_DROP_BLACKHOLE);
}

static bool ipv4_malformed_drops(void)
{
	struct frame f;

	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20, false);
	f.len = 10;
	if (!drops_as(&f, FGW_DROP_RUNT))
		return false;
	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20, false);
	f.len = RTE_ETHER_HDR_LEN + 12;			/* half a header */
	if (!drops_as(&f, FGW_DROP_RUNT))
		return false;
	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20, false);
	f.len -= 5;					/* total length says 5 more */
	if (!drops_as(&f, FGW_DROP_RUNT))
		return false;
	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20, false);
	ip4_of(&f)->hdr_checksum ^= htons(0x0100);
	if (!drops_as(&f, FGW_DROP_IPV4_CHECKSUM))
		return false;
	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20, false);
	ip4_of(&f)->version_ihl = 0x55;
	if (!drops_as(&f, FGW_DROP_IPV4_HEADER))
		return false;
	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20, false);
	ip4_of(&f)->version_ihl = 0x44;
	if (!drops_as(&f, FGW_DROP_IPV4_HEADER))
		return false;
	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20, false);
	ip4_of(&f)->version_ihl = 0x4f;			/* 60-byte header, 40 bytes there */
	if (!drops_as(&f, FGW_DROP_RUNT))
		return false;
	ipv4(&f, "127.0.0.1", "203.0.113.5", 64, 20, false);
	if (!drops_as(&f, FGW_DROP_BAD_SOURCE))
		return false;
	ipv4(&f, "224.0.0.5", "203.0.113.5", 64, 20, false);
	if (!drops_as(&f, FGW_DROP_BAD_SOURCE))
		return false;
	ipv4(&f, "192.0.2.10", "239.1.2.3", 64, 20, false);
	return drops_as(&f, FGW_DROP_MULTICAST);
}

/* ok, with the address a case was about in front of its reason. */
static bool about(const char *addr, bool ok)
{
	char why[sizeof(unit_why)];

	if (ok)
		return true;
	memcpy(why, unit_why, sizeof(why));
	snprintf(unit_why, sizeof(unit_why), "%s: %.400s", addr, why);
	return false;
}

/* A packet that the worker forwards out of lan1, one frame. */
static bool forwards(const struct frame *f)
{
	struct rte_mbuf *m;

	receive(f);
	EXPECT(sent(port1, &m, 1) == 1, "not forwarded");
	rte_pktmbuf_free(m);
	EXPECT(quiet(), "more than one frame out");
	return true;
}

/* Every first octet as the source and as the destination, against the
 * classes of RFC 1812 written out here: the worker's quick test of both
 * octets must agree with its full tests for each of the 256. */
static bool ipv4_every_first_octet(void)
{
	struct frame f;

	for (unsigned x = 0; x < 256; x++) {
		bool martian = x == 0 || x == 127 || x >= 224;
		char a[16];
		bool ok;

		snprintf(a, sizeof(a), "%u.1.2.3", x);
		ipv4(&f, a, "203.0.113.5", 64, 20, false);
		ok = martian ? drops_as(&f, FGW_DROP_BAD_SOURCE) : forwards(&f);
		if (!about(a, ok))
			return false;
		snprintf(a, sizeof(a), "%u.0.0.1", x);
		ipv4(&f, "192.0.2.10", a, 64, 20, false);
		if (x >= 224 && x <= 239)
			ok = drops_as(&f, FGW_DROP_MULTICAST);
		else if (martian)
			ok = drops_as(&f, FGW_DROP_IPV4_HEADER);
		else
			ok = punts_as(&f, FGW_PUNT_NO_ROUTE);
		if (!about(a, ok))
			return false;
	}
	/* both odd: the source is tested first */
	ipv4(&f, "127.0.0.1", "224.0.0.5", 64, 20, false);
	return drops_as(&f, FGW_DROP_BAD_SOURCE);
}

/* Headers with every field that is summed drawn at random (a fixed
 * sequence): each with its checksum right is forwarded, and the same with
 * its checksum field changed -- but not to the other form of zero,
 * 0x0000 for 0xffff, which sums the same -- is dropped. The worker sums
 * the header in wide words; this checks it against rte_ipv4_cksum. */
static bool ipv4_checksum_verified(void)
{
	uint32_t r = 12345;

	for (unsigned i = 0; i < 2048; i++) {
		struct frame f;
		struct rte_ipv4_hdr *ip;
		uint16_t good, bad;
		char src[16];

		/* An eighth with their first eight bytes large enough (ID
		 * and flags all ones, the length's low byte 0xfb) that the
		 * wide words' sum carries. */
		bool carry = i % 8 == 0;

		r = r * 1103515245 + 12345;
		snprintf(src, sizeof(src), "192.0.2.%u", 2 + (r >> 8) % 250);
		ipv4(&f, src, "203.0.113.5", (uint8_t)(2 + (r >> 16) % 254), carry ? 231 : 20,
		     false);
		ip = ip4_of(&f);
		r = r * 1103515245 + 12345;
		ip->packet_id = carry ? 0xffff : (uint16_t)(r >> 8);
		ip->type_of_service = (uint8_t)(r >> 24);
		r = r * 1103515245 + 12345;
		/* any flags and offset: a fragment in transit */
		ip->fragment_offset = carry ? 0xffff : (uint16_t)(r >> 12);
		ip->hdr_checksum = 0;
		good = rte_ipv4_cksum(ip);
		ip->hdr_checksum = good;
		if (!about(src, forwards(&f)))
			return false;
		bad = (uint16_t)(good ^ (1 + (r >> 4) % 0xfffe));
		if ((uint16_t)(bad + good) == 0xffff && (bad == 0 || good == 0))
			bad ^= 1;
		ip->hdr_checksum = bad;
		if (!about(src, drops_as(&f, FGW_DROP_IPV4_CHECKSUM)))
			return false;
	}
	return true;
}

/* Frame f received with the NIC's verdict on its IPv4 header in
 * ol_flags; the frame sent on lan1 (to be freed), or NULL. */
static struct rte_mbuf *forwarded_with_flags(const struct frame *f, uint64_t flags)
{
	struct rte_mbuf *m = mbuf_of(f), *out;

	m->ol_flags |= flags;
	before = w->stats;
	fgw_worker_process_burst(&dp, w, port0, &m, 1);
	fgw_worker_service(w);
	return sent(port1, &out, 1) == 1 ? out : NULL;
}

/* Frame f received with ol_flags' verdict: nothing sent, one
 * IPV4_CHECKSUM drop counted. */
static bool checksum_dropped(const struct frame *f, uint64_t flags)
{
	struct rte_mbuf *m = forwarded_with_flags(f, flags);
	bool out = m != NULL;

	rte_pktmbuf_free(m);
	return !out && delta_drop(FGW_DROP_IPV4_CHECKSUM) == 1;
}

/* The NIC's checksum verdict (RX_IP_CKSUM_*): GOOD is trusted, BAD
 * dropped whatever the field, NONE (checked, the field left unfilled) has
 * the field filled in, UNKNOWN has the sum checked. */
static bool ipv4_nic_checksum_verdicts(void)
{
	struct frame f;
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *m;
	uint16_t good;

	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20, false);
	ip = ip4_of(&f);
	good = ip->hdr_checksum;

	ip->hdr_checksum = good ^ 0x0101;
	m = forwarded_with_flags(&f, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	EXPECT(m != NULL, "GOOD with a wrong field not forwarded");
	rte_pktmbuf_free(m);
	EXPECT(quiet(), "GOOD: more than one frame out");

	EXPECT(checksum_dropped(&f, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN),
	       "UNKNOWN with a wrong field not dropped as IPV4_CHECKSUM");
	EXPECT(quiet(), "UNKNOWN: a frame out");

	ip->hdr_checksum = good;
	EXPECT(checksum_dropped(&f, RTE_MBUF_F_RX_IP_CKSUM_BAD),
	       "BAD with a right field not dropped as IPV4_CHECKSUM");
	EXPECT(quiet(), "BAD: a frame out");

	ip->hdr_checksum = 0;
	m = forwarded_with_flags(&f, RTE_MBUF_F_RX_IP_CKSUM_NONE);
	EXPECT(m != NULL, "NONE not forwarded");
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	if (!header_checksum_ok(ip)) {
		rte_pktmbuf_free(m);
		EXPECT(false, "NONE: the field not filled in");
	}
	rte_pktmbuf_free(m);
	return quiet();
}

static bool ipv4_df_too_big_punts_frag_needed(void)
{
	struct frame f;
	struct rte_mbuf *m;
	struct fgw_punt_meta meta;

	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 1380, true);
	receive(&f);
	m = one_punt(FGW_PUNT_FRAG_NEEDED);
	if (m == NULL)
		return false;
	meta = *fgw_punt_meta(&dp, m);
	rte_pktmbuf_free(m);
	EXPECT(meta.mtu == 1280, "mtu %u", meta.mtu);
	EXPECT(meta.nh == nh_gw4, "nh %u", meta.nh);
	return quiet();
}

/* Reassembles fragments (frames) into buf; returns the payload length or -1. */
static int reassemble(struct rte_mbuf **frags, unsigned n, uint8_t buf[2048], uint8_t ttl)
{
	int total = 0;

	for (unsigned i = 0; i < n; i++) {
		uint8_t hdr[RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr)];
		uint8_t tmp[2048];
		const struct rte_ipv4_hdr *ip;
		const void *data;
		uint16_t fo, len;

		if (frags[i]->pkt_len > RTE_ETHER_HDR_LEN + 1280)
			return -1;
		ip = rte_pktmbuf_read(frags[i], 0, sizeof(hdr), hdr);
		ip = (const struct rte_ipv4_hdr *)((const uint8_t *)ip + RTE_ETHER_HDR_LEN);
		if (!header_checksum_ok(ip) || ip->time_to_live != ttl)
			return -1;
		fo = ntohs(ip->fragment_offset);
		len = (uint16_t)(ntohs(ip->total_length) - sizeof(*ip));
		if (((fo & RTE_IPV4_HDR_MF_FLAG) != 0) != (i + 1 < n))
			return -1;
		/* rte_pktmbuf_read copies only when the bytes span segments. */
		data = rte_pktmbuf_read(frags[i], sizeof(hdr), len, tmp);
		if (data == NULL || (fo & RTE_IPV4_HDR_OFFSET_MASK) * 8u + len > 2048)
			return -1;
		memcpy(buf + (fo & RTE_IPV4_HDR_OFFSET_MASK) * 8, data, len);
		total += len;
	}
	return total;
}

static bool ipv4_fragments_when_df_clear(void)
{
	struct frame f;
	struct rte_mbuf *m[8];
	uint8_t payload[2048];
	unsigned n;
	int len;

	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 1380, false);
	receive(&f);
	EXPECT(w->stats.forwarded == before.forwarded + 1, "not counted forwarded");
	EXPECT(w->stats.fragmented == before.fragmented + 1, "not counted fragmented");
	n = sent(port1, m, 8);
	EXPECT(n == 2, "%u fragments", n);
	len = reassemble(m, n, payload, 63);
	free_all(m, n);
	EXPECT(len == 1380, "reassembled %d bytes (bad fragment?)", len);
	EXPECT(memcmp(payload, f.b + 34, 1380) == 0, "payload differs");
	return quiet();
}

static bool ipv4_neighbour_miss_punts_as_received(void)
{
	struct frame f;
	struct rte_mbuf *m;
	struct fgw_punt_meta meta;
	bool same;

	ipv4(&f, "192.0.2.10", "198.51.100.9", 64, 20, false);
	receive(&f);
	m = one_punt(FGW_PUNT_NEIGH_MISS);
	if (m == NULL)
		return false;
	meta = *fgw_punt_meta(&dp, m);
	same = m->pkt_len == f.len && memcmp(rte_pktmbuf_mtod(m, void *), f.b, f.len) == 0;
	rte_pktmbuf_free(m);
	EXPECT(same, "the punted frame was modified");
	EXPECT(meta.nh == nh_conn1 && meta.in_if == (uint32_t)if0, "meta nh %u in_if %u", meta.nh,
	      meta.in_if);
	return quiet();
}

static bool ipv4_neighbour_miss_too_big_punts_fragments(void)
{
	struct frame f;
	struct rte_mbuf *m[8];
	uint8_t payload[2048];
	unsigned n;
	int len;

	ipv4(&f, "192.0.2.10", "198.51.100.9", 64, 1380, false);
	receive(&f);
	EXPECT(w->stats.punted == before.punted + 1, "punted %lu",
	      (unsigned long)(w->stats.punted - before.punted));
	n = punted(m, 8);
	EXPECT(n == 2, "%u frames punted", n);
	len = reassemble(m, n, payload, 64);
	free_all(m, n);
	EXPECT(len == 1380, "reassembled %d bytes", len);
	EXPECT(memcmp(payload, f.b + 34, 1380) == 0, "payload differs");
	return quiet();
}

/* f received, sent out of port1 to mac. */
static bool sent_to(struct frame *f, const struct rte_ether_addr *mac)
{
	struct rte_mbuf *m;
	bool ok;

	receive(f);
	EXPECT(sent(port1, &m, 1) == 1, "nothing sent");
	ok = rte_is_same_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, mac);
	rte_pktmbuf_free(m);
	return ok;
}

/* Each change is seen by the next burst, also when the burst before went
 * to the same neighbour (the worker keeps the last one it found). */
static bool neighbour_delete_and_set(void)
{
	struct frame f;
	bool ok;

	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20, false);
	EXPECT(sent_to(&f, &gw_mac), "not sent to the gateway");
	neigh(FGW_MSG_NEIGH_DEL, if1, "198.51.100.2", NULL);
	if (!punts_as(&f, FGW_PUNT_NEIGH_MISS))
		return false;
	neigh(FGW_MSG_NEIGH_SET, if1, "198.51.100.2", &other_mac);
	ok = sent_to(&f, &other_mac);
	neigh(FGW_MSG_NEIGH_SET, if1, "198.51.100.2", &gw_mac);
	EXPECT(ok, "new MAC not used");
	EXPECT(sent_to(&f, &gw_mac), "MAC replaced in place not used");
	return quiet();
}

/* ---- Ethernet ------------------------------------------------------------- */

static bool ethernet_filters(void)
{
	struct frame f;

	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20, false);
	eth(&f, &other_mac, &host_mac, RTE_ETHER_TYPE_IPV4);
	f.len = RTE_ETHER_HDR_LEN + 40;
	if (!drops_as(&f, FGW_DROP_NOT_FOR_US))
		return false;
	eth(&f, &dp.ifs[if0].mac, &dp.ifs[if0].mac, RTE_ETHER_TYPE_IPV4);	/* our own */
	f.len = RTE_ETHER_HDR_LEN + 40;
	if (!drops_as(&f, FGW_DROP_NOT_FOR_US))
		return false;
	/* to a MAC one bit off ours in its first or its last byte (eth.c
	 * compares MACs as one word each) */
	for (unsigned at = 0; at < RTE_ETHER_ADDR_LEN; at += RTE_ETHER_ADDR_LEN - 1) {
		struct rte_ether_addr near = dp.ifs[if0].mac;

		near.addr_bytes[at] ^= at ? 1 : 2;	/* not the I/G bit */
		eth(&f, &near, &host_mac, RTE_ETHER_TYPE_IPV4);
		f.len = RTE_ETHER_HDR_LEN + 40;
		if (!drops_as(&f, FGW_DROP_NOT_FOR_US))
			return false;
	}
	eth(&f, &bcast_mac, &host_mac, RTE_ETHER_TYPE_IPV4);	/* unicast IP in a broadcast */
	f.len = RTE_ETHER_HDR_LEN + 40;
	if (!drops_as(&f, FGW_DROP_MULTICAST))
		return false;
	eth(&f, &bcast_mac, &host_mac, 0x88cc);
	f.len = 60;
	if (!drops_as(&f, FGW_DROP_UNKNOWN_ETHERTYPE))
		return false;
	eth(&f, &bcast_mac, &host_mac, RTE_ETHER_TYPE_ARP);
	memset(f.b + f.len, 0, 46);
	f.len = RTE_ETHER_HDR_LEN + 27;			/* one byte short of an ARP packet */
	if (!drops_as(&f, FGW_DROP_RUNT))
		return false;
	f.len = 60;
	return punts_as(&f, FGW_PUNT_ARP);
}

/* ---- IPv6 ----------------------------------------------------------------- */

static bool ipv6_forward_rewrites_and_decrements(void)
{
	struct frame f;
	struct rte_mbuf *m;
	const struct rte_ether_hdr *e;
	bool ok;

	ipv6(&f, "2001:db8:1::10", "2001:db8:3::5", 64, IPPROTO_UDP, 100);
	receive(&f);
	EXPECT(w->stats.forwarded == before.forwarded + 1, "not forwarded");
	EXPECT(sent(port1, &m, 1) == 1, "nothing sent");
	e = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ok = rte_is_same_ether_addr(&e->dst_addr, &gw_mac) &&
	     rte_is_same_ether_addr(&e->src_addr, &dp.ifs[if1].mac) &&
	     rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14)->hop_limits == 63 &&
	     m->pkt_len == f.len &&
	     memcmp(rte_pktmbuf_mtod_offset(m, uint8_t *, 54), f.b + 54, 100) == 0;
	rte_pktmbuf_free(m);
	EXPECT(ok, "wrong MACs, hop limit or payload");
	return quiet();
}

static bool ipv6_punts(void)
{
	struct frame f;
	char ll[FGW_ADDR_STRLEN];

	fgw_addr_str(&dp.ifs[if0].ll6, ll, sizeof(ll));
	ipv6(&f, "2001:db8:1::10", "2001:db8:3::5", 1, IPPROTO_UDP, 20);
	if (!punts_as(&f, FGW_PUNT_TTL_EXCEEDED))
		return false;
	ipv6(&f, "2001:db8:1::10", "2001:db8:ffff::1", 64, IPPROTO_UDP, 20);
	if (!punts_as(&f, FGW_PUNT_NO_ROUTE))
		return false;
	ipv6(&f, "2001:db8:1::10", "2001:db8:1::1", 64, IPPROTO_UDP, 20);
	if (!punts_as(&f, FGW_PUNT_LOCAL))
		return false;
	ipv6(&f, "fe80::10", ll, 64, IPPROTO_UDP, 20);
	if (!punts_as(&f, FGW_PUNT_LOCAL))
		return false;
	icmp6(&f, "::", "ff02::1:ff00:1", 135);		/* DAD for 2001:db8:1::1 */
	eth(&f, &(struct rte_ether_addr){ { 0x33, 0x33, 0xff, 0x00, 0x00, 0x01 } }, &host_mac,
	    RTE_ETHER_TYPE_IPV6);
	f.len = RTE_ETHER_HDR_LEN + 40 + 24;
	if (!punts_as(&f, FGW_PUNT_ND))
		return false;
	icmp6(&f, "fe80::10", ll, 135);
	if (!punts_as(&f, FGW_PUNT_ND))
		return false;
	icmp6(&f, "fe80::10", "2001:db8:1::1", 136);
	if (!punts_as(&f, FGW_PUNT_ND))
		return false;
	icmp6(&f, "fe80::10", "ff02::2", 133);
	if (!punts_as(&f, FGW_PUNT_ND))
		return false;
	ipv6(&f, "2001:db8:1::10", "2001:db8:2::9", 64, IPPROTO_UDP, 20);
	if (!punts_as(&f, FGW_PUNT_NEIGH_MISS))
		return false;
	ipv6(&f, "2001:db8:1::10", "ff02::1", 1, IPPROTO_UDP, 20);
	return punts_as(&f, FGW_PUNT_LOCAL);
}

static bool ipv6_too_big_punts_frag_needed(void)
{
	struct frame f;
	struct rte_mbuf *m;
	struct fgw_punt_meta meta;

	ipv6(&f, "2001:db8:1::10", "2001:db8:3::5", 64, IPPROTO_UDP, 1300);
	receive(&f);
	m = one_punt(FGW_PUNT_FRAG_NEEDED);
	if (m == NULL)
		return false;
	meta = *fgw_punt_meta(&dp, m);
	rte_pktmbuf_free(m);
	EXPECT(meta.mtu == 1280 && meta.nh == nh_gw6, "mtu %u nh %u", meta.mtu, meta.nh);
	return quiet();
}

static bool ipv6_drops(void)
{
	struct frame f;
	char ll[FGW_ADDR_STRLEN];

	fgw_addr_str(&dp.ifs[if0].ll6, ll, sizeof(ll));
	ipv6(&f, "2001:db8:1::10", "2001:db8:3::5", 64, IPPROTO_UDP, 20);
	f.len -= 1;
	if (!drops_as(&f, FGW_DROP_RUNT))
		return false;
	ipv6(&f, "2001:db8:1::10", "2001:db8:3::5", 64, IPPROTO_UDP, 20);
	f.len = RTE_ETHER_HDR_LEN + 30;
	if (!drops_as(&f, FGW_DROP_RUNT))
		return false;
	ipv6(&f, "2001:db8:1::10", "2001:db8:3::5", 64, IPPROTO_UDP, 20);
	ip6_of(&f)->vtc_flow = htonl(4u << 28);
	if (!drops_as(&f, FGW_DROP_IPV6_HEADER))
		return false;
	ipv6(&f, "ff02::1", "2001:db8:3::5", 64, IPPROTO_UDP, 20);
	if (!drops_as(&f, FGW_DROP_BAD_SOURCE))
		return false;
	ipv6(&f, "::", "2001:db8:3::5", 64, IPPROTO_UDP, 20);
	if (!drops_as(&f, FGW_DROP_BAD_SOURCE))
		return false;
	ipv6(&f, "fe80::10", "2001:db8:3::5", 64, IPPROTO_UDP, 20);
	if (!drops_as(&f, FGW_DROP_LINK_LOCAL))
		return false;
	ipv6(&f, "2001:db8:1::10", "fe80::99", 64, IPPROTO_UDP, 20);
	if (!drops_as(&f, FGW_DROP_LINK_LOCAL))
		return false;
	ipv6(&f, "2001:db8:1::10", "ff05::1:3", 64, IPPROTO_UDP, 20);
	return drops_as(&f, FGW_DROP_MULTICAST);
}

/* ---- bursts ------------------------------------------------------------------ */

/* A full burst mixing every outcome, so each stage works on many packets at
 * once and compacts its survivors. */
static bool mixed_burst_sorts_every_packet(void)
{
	struct rte_mbuf *in[64], *out[64];
	struct fgw_worker_stats s0 = w->stats;
	unsigned n_fwd = 0, n_punt = 0, n_drop = 0, n;

	for (unsigned i = 0; i < 64; i++) {
		struct frame f;

		switch (i % 8) {
		case 0:
			ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20 + i, false);
			n_fwd++;
			break;
		case 1:
			ipv6(&f, "2001:db8:1::10", "2001:db8:3::5", 64, IPPROTO_UDP, 20 + i);
			n_fwd++;
			break;
		case 2:
			ipv4(&f, "192.0.2.10", "198.51.100.2", 64, 20, false);
			n_fwd++;
			break;
		case 3:
			ipv4(&f, "192.0.2.10", "203.0.113.5", 1, 20, false);
			n_punt++;
			break;
		case 4:
			ipv6(&f, "2001:db8:1::10", "2001:db8:2::9", 64, IPPROTO_UDP, 20);
			n_punt++;
			break;
		case 5:
			ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20, false);
			ip4_of(&f)->hdr_checksum ^= 1;
			n_drop++;
			break;
		case 6:
			ipv4(&f, "192.0.2.10", "203.0.113.130", 64, 20, false);
			n_drop++;
			break;
		default:
			ipv6(&f, "2001:db8:1::10", "2001:db8:2::2", 64, IPPROTO_UDP, 20);
			n_fwd++;
			break;
		}
		in[i] = mbuf_of(&f);
	}
	fgw_worker_process_burst(&dp, w, port0, in, 64);
	fgw_worker_service(w);
	EXPECT(w->stats.forwarded - s0.forwarded == n_fwd, "forwarded %lu of %u",
	      (unsigned long)(w->stats.forwarded - s0.forwarded), n_fwd);
	EXPECT(w->stats.punted - s0.punted == n_punt, "punted %lu of %u",
	      (unsigned long)(w->stats.punted - s0.punted), n_punt);
	n = sent(port1, out, 64);
	free_all(out, n);
	EXPECT(n == n_fwd, "%u frames sent, %u forwarded", n, n_fwd);
	n = punted(out, 64);
	free_all(out, n);
	EXPECT(n == n_punt, "%u frames punted", n);
	EXPECT(w->stats.drop[FGW_DROP_IPV4_CHECKSUM] - s0.drop[FGW_DROP_IPV4_CHECKSUM] +
	      w->stats.drop[FGW_DROP_BLACKHOLE] - s0.drop[FGW_DROP_BLACKHOLE] == n_drop, "drops");
	return quiet();
}

/* ---- control lcore interfaces ----------------------------------------------- */

static bool inject_transmits_on_port(void)
{
	struct frame f;
	struct rte_mbuf *m;
	uint64_t injected = w->stats.injected;
	bool same;

	ipv4(&f, "198.51.100.1", "198.51.100.2", 64, 20, false);
	EXPECT(fgw_inject(&dp, mbuf_of(&f), port1) == 0, "inject refused");
	fgw_worker_service(w);
	EXPECT(w->stats.injected == injected + 1, "not counted");
	EXPECT(sent(port1, &m, 1) == 1, "nothing sent");
	same = m->pkt_len == f.len && memcmp(rte_pktmbuf_mtod(m, void *), f.b, f.len) == 0;
	rte_pktmbuf_free(m);
	EXPECT(same, "frame changed on the way");
	EXPECT(fgw_inject(&dp, mbuf_of(&f), FGW_MAX_PORTS + 1) < 0, "bad port accepted");
	return quiet();
}

static bool routes_add_lookup_delete(void)
{
	struct fgw_prefix p4 = unit_prefix("203.0.113.192/27"), p6 = unit_prefix("2001:db8:4::/64");
	struct fgw_addr a4 = unit_addr("203.0.113.200"), a6 = unit_addr("2001:db8:4::1");
	uint32_t nh = nh_new(FGW_NH_GATEWAY, if1, "198.51.100.2");

	EXPECT(nh != 0, "no next hop");
	EXPECT(fgw_route_lookup(&dp, &a4) == 0, "route before add");
	EXPECT(fgw_route_add(&dp, &p4, nh) == 0 && fgw_route_add(&dp, &p6, nh) == 0, "add");
	EXPECT(fgw_route_lookup(&dp, &a4) == nh && fgw_route_lookup(&dp, &a6) == nh, "lookup");
	EXPECT(fgw_route_del(&dp, &p4) == 0 && fgw_route_del(&dp, &p6) == 0, "delete");
	EXPECT(fgw_route_lookup(&dp, &a4) == 0 && fgw_route_lookup(&dp, &a6) == 0,
	      "route after delete");
	EXPECT(fgw_route_del(&dp, &p4) != 0, "deleting a missing route succeeded");
	fgw_nh_free(&dp, nh);
	return true;
}

static bool full_punt_ring_drops(void)
{
	struct frame f;
	unsigned filled = 0;
	void *dummy;

	/* Fill the ring with placeholders; none is ever dereferenced. */
	while (rte_ring_enqueue(dp.punt, &filled) == 0)
		filled++;
	ipv4(&f, "192.0.2.10", "203.0.113.5", 1, 20, false);
	receive(&f);
	while (rte_ring_dequeue(dp.punt, &dummy) == 0)
		;
	EXPECT(filled > 0, "ring never filled");
	EXPECT(delta_drop(FGW_DROP_PUNT_FULL) == 1, "not counted PUNT_FULL");
	EXPECT(w->stats.punted == before.punted, "counted as punted");
	return quiet();
}

static bool full_tx_queue_drops(void)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;
	struct frame f;
	unsigned filled = 0;
	void *dummy;
	struct fgw_port_stats tx = w->stats.port[port1];

	snprintf(name, sizeof(name), "ETH_RXTX0_net_ring1");
	r = rte_ring_lookup(name);
	EXPECT(r != NULL, "net_ring1's ring not found");
	while (rte_ring_enqueue(r, &filled) == 0)
		filled++;
	ipv4(&f, "192.0.2.10", "203.0.113.5", 64, 20, false);
	receive(&f);
	while (rte_ring_dequeue(r, &dummy) == 0)
		;
	EXPECT(delta_drop(FGW_DROP_TX_FULL) == 1, "not counted TX_FULL");
	EXPECT(w->stats.forwarded == before.forwarded + 1, "not counted forwarded");
	EXPECT(w->stats.port[port1].tx_packets == tx.tx_packets &&
	      w->stats.port[port1].tx_bytes == tx.tx_bytes, "port tx counters kept the frame");
	return quiet();
}

/* A burst's packets must not start in the same L1 set: DPDK's default
 * layout without hugepages put one mbuf at the start of every 4 KB page,
 * and so every packet in one set of Zen 5's 64 (see mbuf_pool.c). */
static bool pool_mbufs_spread_over_l1_sets(void)
{
	enum { BURST = 32, L1_SETS = 64 };
	struct rte_mbuf *m[BURST];
	bool used[L1_SETS] = { false };
	unsigned sets = 0;

	EXPECT(rte_pktmbuf_alloc_bulk(dp.pool, m, BURST) == 0, "no mbufs");
	for (unsigned i = 0; i < BURST; i++) {
		unsigned set = (unsigned)(rte_pktmbuf_mtod(m[i], uintptr_t) / RTE_CACHE_LINE_SIZE) %
			       L1_SETS;

		sets += !used[set];
		used[set] = true;
	}
	rte_pktmbuf_free_bulk(m, BURST);
	EXPECT(sets >= BURST / 2, "a burst's packet data starts in %u L1 sets of %u", sets,
	       L1_SETS);
	return true;
}

static bool every_packet_counted_once(void)
{
	struct fgw_worker_stats s;
	uint64_t drops = 0;

	fgw_dp_stats_sum(&dp, &s);
	for (unsigned i = 0; i < FGW_DROP_MAX; i++)
		drops += s.drop[i];
	EXPECT(s.rx > 0, "nothing received");
	EXPECT(s.rx == s.forwarded + s.punted + drops - s.drop[FGW_DROP_TX_FULL],
	      "rx %lu != forwarded %lu + punted %lu + drops %lu - tx_full %lu",
	      (unsigned long)s.rx, (unsigned long)s.forwarded, (unsigned long)s.punted,
	      (unsigned long)drops, (unsigned long)s.drop[FGW_DROP_TX_FULL]);
	EXPECT(s.port[port0].rx_packets == s.rx, "port rx %lu",
	      (unsigned long)s.port[port0].rx_packets);
	EXPECT(rte_mempool_avail_count(dp.pool) == dp.params.mbufs,
	      "%u of %u mbufs back in the pool", rte_mempool_avail_count(dp.pool),
	      dp.params.mbufs);
	return true;
}

int main(void)
{
	setup();
	RUN(pool_mbufs_spread_over_l1_sets);
	RUN(ipv4_forward_rewrites_and_decrements);
	RUN(ipv4_connected_neighbour);
	RUN(ipv4_padding_is_trimmed);
	RUN(ipv4_ttl_one_punts);
	RUN(ipv4_no_route_punts);
	RUN(ipv4_local_punts);
	RUN(ipv4_blackhole_drops);
	RUN(ipv4_malformed_drops);
	RUN(ipv4_every_first_octet);
	RUN(ipv4_checksum_verified);
	RUN(ipv4_nic_checksum_verdicts);
	RUN(ipv4_df_too_big_punts_frag_needed);
	RUN(ipv4_fragments_when_df_clear);
	RUN(ipv4_neighbour_miss_punts_as_received);
	RUN(ipv4_neighbour_miss_too_big_punts_fragments);
	RUN(neighbour_delete_and_set);
	RUN(ethernet_filters);
	RUN(ipv6_forward_rewrites_and_decrements);
	RUN(ipv6_punts);
	RUN(ipv6_too_big_punts_frag_needed);
	RUN(ipv6_drops);
	RUN(mixed_burst_sorts_every_packet);
	RUN(inject_transmits_on_port);
	RUN(routes_add_lookup_delete);
	RUN(full_punt_ring_drops);
	RUN(full_tx_queue_drops);
	RUN(every_packet_counted_once);
	int status = unit_summary();

	fgw_dp_stop(&dp);
	unit_eal_cleanup();
	return status;
}
