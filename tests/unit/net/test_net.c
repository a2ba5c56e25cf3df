/* The control lcore's host networking (controlplane/net/) against a
 * stand-in data plane: frames go in through the punt ring as a worker would
 * punt them; what the control lcore installs, tells the workers and
 * transmits is captured and checked field by field, checksums verified with
 * DPDK's own routines. Needs EAL (mempool, hash, timers): run as root.
 * Built twice: test_net_ageing has a 1 s reachable time and checks only
 * how entries age, which would disturb every other case. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_timer.h>
#include <rte_udp.h>

#include "common/log.h"
#include "controlplane/control.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_addr.h"
#include "tests/unit/unit_eal.h"

#ifdef NEIGH_REACHABLE_S
#define AGEING_VARIANT true
#else
#define AGEING_VARIANT false
#endif

/* ---- the stand-in data plane ------------------------------------------ */

#define MAX_CAPTURE 64

static struct fgw_dp dp;
static struct fgw_if if_table[8];
static struct fgw_nexthop nh_table[FGW_MAX_NEXTHOPS];
static uint32_t nh_next = 1;
static struct { struct fgw_prefix p; uint32_t nh; } fib[64];
static unsigned n_fib;
static struct rte_mbuf *sent[MAX_CAPTURE];
static uint16_t sent_port[MAX_CAPTURE];
static unsigned n_sent;
static struct fgw_msg msgs[MAX_CAPTURE];
static unsigned n_msgs;
static unsigned msgs_refused;	/* the next broadcasts that find a ring full */

uint32_t fgw_nh_alloc(struct fgw_dp *d, const struct fgw_nexthop *nh)
{
	(void)d;
	nh_table[nh_next] = *nh;
	return nh_next++;
}

int fgw_route_add(struct fgw_dp *d, const struct fgw_prefix *p, uint32_t nh)
{
	(void)d;
	for (unsigned i = 0; i < n_fib; i++) {
		if (fib[i].p.len == p->len && fgw_addr_eq(&fib[i].p.addr, &p->addr)) {
			fib[i].nh = nh;
			return 0;
		}
	}
	fib[n_fib].p = *p;
	fib[n_fib++].nh = nh;
	return 0;
}

int fgw_route_del(struct fgw_dp *d, const struct fgw_prefix *p)
{
	(void)d;
	for (unsigned i = 0; i < n_fib; i++) {
		if (fib[i].p.len == p->len && fgw_addr_eq(&fib[i].p.addr, &p->addr)) {
			fib[i] = fib[--n_fib];
			return 0;
		}
	}
	return -1;
}

/* Ids are not reused here: a freed one is poisoned, so a FIB entry still
 * pointing at it reads as no route. */
void fgw_nh_free(struct fgw_dp *d, uint32_t id)
{
	(void)d;
	memset(&nh_table[id], 0xff, sizeof(nh_table[id]));
}

uint32_t fgw_route_lookup(const struct fgw_dp *d, const struct fgw_addr *a)
{
	int best = -1;

	(void)d;
	for (unsigned i = 0; i < n_fib; i++)
		if (fgw_prefix_contains(&fib[i].p, a) && (best < 0 || fib[i].p.len > fib[best].p.len))
			best = (int)i;
	return best < 0 ? 0 : fib[best].nh;
}

int fgw_msg_broadcast(struct fgw_dp *d, const struct fgw_msg *msg)
{
	(void)d;
	if (msgs_refused > 0) {
		msgs_refused--;
		return -ENOBUFS;
	}
	if (n_msgs < MAX_CAPTURE)
		msgs[n_msgs++] = *msg;
	return 0;
}

int fgw_inject(struct fgw_dp *d, struct rte_mbuf *m, uint16_t port)
{
	(void)d;
	if (n_sent == MAX_CAPTURE) {
		rte_pktmbuf_free(m);
		return -1;
	}
	sent_port[n_sent] = port;
	sent[n_sent++] = m;
	return 0;
}

/* These tests have no tunnels: nothing may be routed into one. */
int fgw_tunnel_inject(struct fgw_dp *d, struct rte_mbuf *m, uint32_t ifindex)
{
	(void)d;
	(void)ifindex;
	rte_pktmbuf_free(m);
	return -EINVAL;
}

int fgw_if_by_name(const struct fgw_dp *d, const char *name)
{
	for (unsigned i = 0; i < d->n_ifs; i++)
		if (strcmp(d->ifs[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void capture_reset(void)
{
	for (unsigned i = 0; i < n_sent; i++)
		rte_pktmbuf_free(sent[i]);
	n_sent = 0;
	n_msgs = 0;
}

/* ---- the box under test ------------------------------------------------- */

enum { GI1, GI2, LO0 };

static struct fgw_control c;
static struct fgw_config cfg;
static struct fgw_port_cfg ports[2];
static struct fgw_route_cfg routes[7];

static const struct rte_ether_addr host_mac = { { 0x02, 0, 0, 0, 0, 0x10 } };
static const struct rte_ether_addr host2_mac = { { 0x02, 0, 0, 0, 0, 0x20 } };

static void add_if(const char *name, uint8_t kind, uint16_t port, const char *v4, const char *v6)
{
	struct fgw_if *ifp = &dp.ifs[dp.n_ifs];

	snprintf(ifp->name, sizeof(ifp->name), "%s", name);
	ifp->kind = kind;
	ifp->up = true;
	ifp->mtu = 1500;
	if (v4 != NULL)
		ifp->addr4 = unit_prefix(v4);
	if (v6 != NULL)
		ifp->addr6 = unit_prefix(v6);
	if (kind == FGW_IF_PORT) {
		char ll[48];

		ifp->port_id = port;
		ifp->mac = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, (uint8_t)(port + 1) } };
		snprintf(ll, sizeof(ll), "fe80::ff:fe00:%u", port + 1);
		ifp->ll6 = unit_addr(ll);
		dp.port_if[port] = dp.n_ifs;
	}
	dp.n_ifs++;
}

static int setup(void)
{
	char err[256];
	static const struct rte_mbuf_dynfield meta = {
		.name = "fgw_punt_meta_test",
		.size = sizeof(struct fgw_punt_meta),
		.align = __alignof__(struct fgw_punt_meta),
	};

	dp.nh = nh_table;
	dp.ifs = if_table;
	dp.pool = rte_pktmbuf_pool_create("test_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	dp.punt = rte_ring_create("test_punt", 64, (int)rte_socket_id(), RING_F_SC_DEQ);
	dp.punt_meta_offset = rte_mbuf_dynfield_register(&meta);
	if (dp.pool == NULL || dp.punt == NULL || dp.punt_meta_offset < 0)
		return -1;
	add_if("GigabitEthernet1", FGW_IF_PORT, 0, "192.0.2.1/24", "2001:db8:1::1/64");
	add_if("GigabitEthernet2", FGW_IF_PORT, 1, "198.51.100.1/24", "2001:db8:2::1/64");
	add_if("Loopback0", FGW_IF_LOOPBACK, 0, "203.0.113.1/32", NULL);

	snprintf(ports[0].name, sizeof(ports[0].name), "GigabitEthernet1");
	snprintf(ports[1].name, sizeof(ports[1].name), "GigabitEthernet2");
	ports[1].gateway4 = unit_addr("198.51.100.254");
	routes[0] = (struct fgw_route_cfg){ .prefix = unit_prefix("203.0.113.128/25"),
					    .next_hop = unit_addr("192.0.2.2"), .distance = 1 };
	routes[1] = (struct fgw_route_cfg){ .prefix = unit_prefix("203.0.113.128/25"),
					    .next_hop = unit_addr("198.51.100.2"), .distance = 5 };
	routes[2] = (struct fgw_route_cfg){ .prefix = unit_prefix("203.0.113.64/26"),
					    .next_hop = unit_addr("203.0.113.99"), .distance = 1 };
	routes[3] = (struct fgw_route_cfg){ .prefix = unit_prefix("203.0.113.32/27"),
					    .interface = "Null0", .distance = 1 };
	routes[4] = (struct fgw_route_cfg){ .prefix = unit_prefix("2001:db8:99::/48"),
					    .next_hop = unit_addr("2001:db8:2::2"), .distance = 1 };
	routes[5] = (struct fgw_route_cfg){ .prefix = unit_prefix("203.0.113.16/28"),
					    .next_hop = unit_addr("198.51.100.3"), .distance = 10 };
	routes[6] = (struct fgw_route_cfg){ .prefix = unit_prefix("203.0.113.16/28"),
					    .next_hop = unit_addr("192.0.2.3"), .distance = 2 };
	cfg.ports = ports;
	cfg.n_ports = 2;
	cfg.routes = routes;
	cfg.n_routes = 7;

	c.dp = &dp;
	c.cfg = &cfg;
	if (fgw_rib_init(&c, err, sizeof(err)) < 0 || fgw_neigh_init(&c, err, sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

/* ---- frames ------------------------------------------------------------ */

static struct rte_mbuf *frame(const struct rte_ether_addr *src, const struct rte_ether_addr *dst,
			      uint16_t type, const void *l3, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_append(
		m, RTE_ETHER_HDR_LEN + len);

	eth->src_addr = *src;
	eth->dst_addr = *dst;
	eth->ether_type = rte_cpu_to_be_16(type);
	memcpy(eth + 1, l3, len);
	return m;
}

static uint16_t ipv4(uint8_t *buf, const char *src, const char *dst, uint8_t proto, uint8_t ttl,
		     const void *l4, uint16_t l4_len)
{
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)buf;

	memset(h, 0, sizeof(*h));
	h->version_ihl = RTE_IPV4_VHL_DEF;
	h->total_length = rte_cpu_to_be_16(sizeof(*h) + l4_len);
	h->time_to_live = ttl;
	h->next_proto_id = proto;
	h->src_addr = unit_addr(src).v4;
	h->dst_addr = unit_addr(dst).v4;
	h->hdr_checksum = rte_ipv4_cksum(h);
	memcpy(h + 1, l4, l4_len);
	if (proto == IPPROTO_ICMP) {
		struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(h + 1);

		icmp->icmp_cksum = 0;
		icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, l4_len);
	} else if (proto == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(h + 1);

		u->dgram_cksum = 0;
		u->dgram_cksum = rte_ipv4_udptcp_cksum(h, u);
	} else if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(h + 1);

		t->cksum = 0;
		t->cksum = rte_ipv4_udptcp_cksum(h, t);
	}
	return (uint16_t)(sizeof(*h) + l4_len);
}

/* ICMPv6 only: the checksum goes at offset 2 of the payload. */
static uint16_t ipv6(uint8_t *buf, const char *src, const char *dst, uint8_t hop,
		     const void *icmp, uint16_t len)
{
	struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)buf;
	uint16_t *cksum = (uint16_t *)((uint8_t *)(h + 1) + 2);

	memset(h, 0, sizeof(*h));
	h->vtc_flow = rte_cpu_to_be_32(6u << 28);
	h->payload_len = rte_cpu_to_be_16(len);
	h->proto = IPPROTO_ICMPV6;
	h->hop_limits = hop;
	memcpy(h->src_addr, unit_addr(src).v6, 16);
	memcpy(h->dst_addr, unit_addr(dst).v6, 16);
	memcpy(h + 1, icmp, len);
	*cksum = 0;
	*cksum = rte_ipv6_udptcp_cksum(h, h + 1);
	return (uint16_t)(sizeof(*h) + len);
}

static void punt(struct rte_mbuf *m, uint8_t reason, uint32_t in_if, uint32_t nh)
{
	struct fgw_punt_meta *pm = fgw_punt_meta(&dp, m);

	*pm = (struct fgw_punt_meta){ .nh = nh, .in_if = in_if, .reason = reason };
	rte_ring_enqueue(dp.punt, m);
	fgw_punt_poll(&c);
}

static struct rte_mbuf *arp_frame(uint16_t op, const struct rte_ether_addr *sha, const char *sip,
				  const char *tip)
{
	static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	struct rte_arp_hdr a = {
		.arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER),
		.arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4),
		.arp_hlen = 6,
		.arp_plen = 4,
		.arp_opcode = rte_cpu_to_be_16(op),
	};

	a.arp_data.arp_sha = *sha;
	a.arp_data.arp_sip = unit_addr(sip).v4;
	a.arp_data.arp_tip = unit_addr(tip).v4;
	return frame(sha, &bcast, RTE_ETHER_TYPE_ARP, &a, sizeof(a));
}

static struct rte_mbuf *echo4(const char *src, const char *dst, uint8_t ttl)
{
	uint8_t l3[128], icmp[16] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1, 'f', 'l', 'e', 'x' };
	uint16_t len = ipv4(l3, src, dst, IPPROTO_ICMP, ttl, icmp, sizeof(icmp));

	return frame(&host_mac, &dp.ifs[GI1].mac, RTE_ETHER_TYPE_IPV4, l3, len);
}

static struct rte_mbuf *echo6(const char *src, const char *dst, uint8_t hop)
{
	uint8_t l3[128], icmp[12] = { 128, 0, 0, 0, 0, 9, 0, 1, 'f', 'l', 'e', 'x' };
	uint16_t len = ipv6(l3, src, dst, hop, icmp, sizeof(icmp));

	return frame(&host_mac, &dp.ifs[GI1].mac, RTE_ETHER_TYPE_IPV6, l3, len);
}

/* Run the control lcore's timers until `done` or `ms` pass. */
static void run_timers(unsigned ms, bool (*done)(void))
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;

	while (rte_get_timer_cycles() < deadline && (done == NULL || !done())) {
		rte_timer_manage();
		usleep(1000);
	}
}

static bool a_message_arrived(void)
{
	return n_msgs > 0;
}

static bool a_frame_was_sent(void)
{
	return n_sent > 0;
}

/* Three ARP requests, then the host unreachable. */
static bool four_frames_were_sent(void)
{
	return n_sent >= 4;
}

/* The IPv4 packet in a captured frame; NULL unless well formed. */
static const struct rte_ipv4_hdr *sent_ipv4(unsigned i)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(sent[i], const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *h = (const struct rte_ipv4_hdr *)(eth + 1);

	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    rte_pktmbuf_data_len(sent[i]) < RTE_ETHER_HDR_LEN + rte_be_to_cpu_16(h->total_length) ||
	    rte_raw_cksum(h, sizeof(*h)) != 0xffff)
		return NULL;
	return h;
}

static const struct rte_ipv6_hdr *sent_ipv6(unsigned i)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(sent[i], const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *h = (const struct rte_ipv6_hdr *)(eth + 1);

	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV6) ||
	    rte_pktmbuf_data_len(sent[i]) <
		    RTE_ETHER_HDR_LEN + sizeof(*h) + rte_be_to_cpu_16(h->payload_len) ||
	    rte_ipv6_udptcp_cksum_verify(h, h + 1) != 0)
		return NULL;
	return h;
}

static bool icmp4_ok(const struct rte_ipv4_hdr *h)
{
	return rte_raw_cksum(h + 1, rte_be_to_cpu_16(h->total_length) - sizeof(*h)) == 0xffff;
}

static const struct fgw_rib_entry *rib_find(const char *prefix, uint8_t distance)
{
	struct fgw_prefix p = unit_prefix(prefix);

	for (unsigned i = 0; i < c.rib.n; i++)
		if (c.rib.v[i].prefix.len == p.len && fgw_addr_eq(&c.rib.v[i].prefix.addr, &p.addr) &&
		    c.rib.v[i].distance == distance)
			return &c.rib.v[i];
	return NULL;
}

static const struct fgw_nexthop *route(const char *addr)
{
	struct fgw_addr a = unit_addr(addr);

	return &nh_table[fgw_route_lookup(&dp, &a)];
}

/* ---- cases ------------------------------------------------------------- */

/* Routes added and removed at run time (FlexVPN virtual-access): the
 * lowest distance owns the prefix, the next best takes over when it goes,
 * and the last one leaves the FIB. */
static bool rib_dynamic(void)
{
	struct fgw_prefix p = unit_prefix("10.77.0.0/16");
	struct fgw_nexthop via2 = { .type = FGW_NH_TUNNEL, .ifindex = 2 };
	struct fgw_nexthop via1 = { .type = FGW_NH_TUNNEL, .ifindex = 1 };
	unsigned n = c.rib.n;
	char err[128];

	EXPECT(route("10.77.1.1")->type == FGW_NH_NONE || route("10.77.1.1")->ifindex != 2,
	       "already routed");
	EXPECT(fgw_rib_route_add(&c, &p, FGW_RT_STATIC, 2, &via2, err, sizeof(err)) == 0, "%s", err);
	EXPECT(route("10.77.1.1")->type == FGW_NH_TUNNEL && route("10.77.1.1")->ifindex == 2,
	       "first");
	EXPECT(fgw_rib_route_add(&c, &p, FGW_RT_STATIC, 1, &via1, err, sizeof(err)) == 0, "%s", err);
	EXPECT(route("10.77.1.1")->ifindex == 1, "better distance takes over");
	EXPECT(fgw_rib_route_add(&c, &p, FGW_RT_STATIC, 5, &via1, err, sizeof(err)) == 0, "%s", err);
	EXPECT(route("10.77.1.1")->ifindex == 1 && c.rib.n == n + 3, "worse one kept aside");
	EXPECT(!rib_find("10.77.0.0/16", 5)->installed, "installed?");
	EXPECT(fgw_rib_route_del(&c, &p, FGW_RT_STATIC, &via1) == 0, "del");
	EXPECT(route("10.77.1.1")->ifindex == 2 && rib_find("10.77.0.0/16", 2)->installed,
	       "distance 2 is back");
	EXPECT(fgw_rib_route_del(&c, &p, FGW_RT_CONNECTED, &via2) == -1, "wrong origin");
	EXPECT(fgw_rib_route_del(&c, &p, FGW_RT_STATIC, &via2) == 0, "del");
	EXPECT(route("10.77.1.1")->ifindex == 1 && rib_find("10.77.0.0/16", 5)->installed,
	       "distance 5 now");
	EXPECT(fgw_rib_route_del(&c, &p, FGW_RT_STATIC, &via1) == 0, "del");
	EXPECT(route("10.77.1.1")->type != FGW_NH_TUNNEL && c.rib.n == n, "gone");
	EXPECT(fgw_rib_route_del(&c, &p, FGW_RT_STATIC, &via1) == -1, "twice");
	return true;
}

/* Many prefixes, several routes each, added interleaved and removed out
 * of order (rib.c's index by prefix, its chains and the entries moved on
 * removal): each prefix keeps the lowest distance, the first added among
 * equals, whatever else came and went. */
static bool rib_many_prefixes(void)
{
	struct fgw_nexthop via[4];
	const uint8_t distance[4] = { 0, 3, 1, 3 };
	unsigned n = c.rib.n;
	struct fgw_prefix p;
	char err[128], buf[32];

	for (unsigned k = 1; k <= 3; k++)
		via[k] = (struct fgw_nexthop){ .type = FGW_NH_TUNNEL, .ifindex = k };
	for (unsigned k = 1; k <= 3; k++)
		for (unsigned i = 0; i < 24; i++) {
			snprintf(buf, sizeof(buf), "10.80.%u.0/24", i);
			p = unit_prefix(buf);
			EXPECT(fgw_rib_route_add(&c, &p, FGW_RT_STATIC, distance[k], &via[k], err,
						 sizeof(err)) == 0, "%s", err);
		}
	for (unsigned i = 0; i < 24; i++) {
		snprintf(buf, sizeof(buf), "10.80.%u.1", i);
		EXPECT(route(buf)->ifindex == 2, "%s: the lowest distance", buf);
	}
	/* odd prefixes lose their best: the first of the two equals takes over */
	for (unsigned i = 23; i < 24; i -= 2) {
		snprintf(buf, sizeof(buf), "10.80.%u.0/24", i);
		p = unit_prefix(buf);
		EXPECT(fgw_rib_route_del(&c, &p, FGW_RT_STATIC, &via[2]) == 0, "del %s", buf);
	}
	for (unsigned i = 0; i < 24; i++) {
		snprintf(buf, sizeof(buf), "10.80.%u.1", i);
		EXPECT(route(buf)->ifindex == (i % 2 ? 1 : 2), "%s: %u", buf, route(buf)->ifindex);
	}
	for (unsigned i = 1; i < 24; i += 2) {
		snprintf(buf, sizeof(buf), "10.80.%u.0/24", i);
		p = unit_prefix(buf);
		EXPECT(fgw_rib_route_del(&c, &p, FGW_RT_STATIC, &via[1]) == 0, "del %s", buf);
		snprintf(buf, sizeof(buf), "10.80.%u.1", i);
		EXPECT(route(buf)->ifindex == 3, "%s: the last one", buf);
	}
	EXPECT(c.rib.n == n + 24 * 3 - 24, "%u entries", c.rib.n);
	/* the rest, in an order unrelated to the one they came in */
	for (unsigned j = 0; j < 24; j++) {
		unsigned i = (j * 7) % 24;

		snprintf(buf, sizeof(buf), "10.80.%u.0/24", i);
		p = unit_prefix(buf);
		for (unsigned k = 3; k >= 1; k--)
			if (i % 2 == 0 || k == 3)
				EXPECT(fgw_rib_route_del(&c, &p, FGW_RT_STATIC, &via[k]) == 0,
				       "del %s via %u", buf, k);
		EXPECT(fgw_rib_route_del(&c, &p, FGW_RT_STATIC, &via[3]) == -1, "twice");
		snprintf(buf, sizeof(buf), "10.80.%u.1", i);
		EXPECT(route(buf)->type != FGW_NH_TUNNEL, "%s gone", buf);
	}
	EXPECT(c.rib.n == n, "%u entries left, %u before", c.rib.n, n);
	return true;
}

static bool rib_from_config(void)
{
	const struct fgw_rib_entry *e;
	struct fgw_addr gw;

	EXPECT(route("192.0.2.1")->type == FGW_NH_LOCAL, "own address");
	EXPECT(route("192.0.2.77")->type == FGW_NH_CONNECTED && route("192.0.2.77")->ifindex == GI1,
	       "connected");
	EXPECT(route("203.0.113.1")->type == FGW_NH_LOCAL, "loopback address");
	EXPECT(route("fe80::ff:fe00:2")->type == FGW_NH_LOCAL, "link-local address");
	EXPECT(route("2001:db8:2::1")->type == FGW_NH_LOCAL, "own IPv6 address");
	gw = unit_addr("198.51.100.254");
	EXPECT(route("8.8.8.8")->type == FGW_NH_GATEWAY && fgw_addr_eq(&route("8.8.8.8")->gw, &gw),
	       "default from ports[].gateway4");
	EXPECT(route("2001:db8:ffff::1")->type == FGW_NH_NONE, "no IPv6 default");
	gw = unit_addr("192.0.2.2");
	EXPECT(fgw_addr_eq(&route("203.0.113.200")->gw, &gw) &&
	       route("203.0.113.200")->ifindex == GI1, "distance 1 wins over 5");
	e = rib_find("203.0.113.128/25", 5);
	EXPECT(e != NULL && !e->installed && e->origin == FGW_RT_STATIC, "distance 5 kept, not installed");
	gw = unit_addr("192.0.2.3");
	EXPECT(fgw_addr_eq(&route("203.0.113.17")->gw, &gw), "lower distance wins, whatever the order");
	e = rib_find("203.0.113.64/26", 1);
	EXPECT(e != NULL && !e->installed && e->nh_id == 0, "next hop off every connected subnet");
	EXPECT(route("203.0.113.33")->type == FGW_NH_BLACKHOLE, "Null0");
	EXPECT(route("2001:db8:99::5")->type == FGW_NH_GATEWAY && route("2001:db8:99::5")->ifindex == GI2,
	       "IPv6 static resolved through the connected subnet");
	e = rib_find("192.0.2.0/24", 0);
	EXPECT(e != NULL && e->origin == FGW_RT_CONNECTED && e->installed, "C route listed");
	return true;
}

static bool arp_request_answered_and_learnt(void)
{
	const struct rte_arp_hdr *a;

	capture_reset();
	punt(arp_frame(RTE_ARP_OP_REQUEST, &host_mac, "192.0.2.10", "192.0.2.1"), FGW_PUNT_ARP, GI1, 0);
	EXPECT(n_sent == 1 && sent_port[0] == 0, "%u frames sent", n_sent);
	a = rte_pktmbuf_mtod_offset(sent[0], const struct rte_arp_hdr *, RTE_ETHER_HDR_LEN);
	EXPECT(a->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY), "opcode");
	EXPECT(rte_is_same_ether_addr(&a->arp_data.arp_sha, &dp.ifs[GI1].mac), "our MAC");
	EXPECT(a->arp_data.arp_sip == unit_addr("192.0.2.1").v4 && a->arp_data.arp_tip == unit_addr("192.0.2.10").v4,
	       "addresses");
	EXPECT(rte_is_same_ether_addr(&a->arp_data.arp_tha, &host_mac), "target MAC");
	EXPECT(n_msgs == 1 && msgs[0].type == FGW_MSG_NEIGH_SET && msgs[0].ifindex == GI1 &&
	       rte_is_same_ether_addr(&msgs[0].mac, &host_mac), "workers told");
	EXPECT(c.stats.arp_replies_tx == 1 && c.stats.punt_rx[FGW_PUNT_ARP] == 1, "counters");
	return true;
}

static bool arp_only_for_own_address(void)
{
	uint64_t malformed = c.stats.malformed;
	struct rte_mbuf *m;

	capture_reset();
	/* Another host, and another interface's address: no proxy ARP. */
	punt(arp_frame(RTE_ARP_OP_REQUEST, &host2_mac, "192.0.2.11", "192.0.2.50"), FGW_PUNT_ARP, GI1, 0);
	punt(arp_frame(RTE_ARP_OP_REQUEST, &host2_mac, "192.0.2.11", "198.51.100.1"), FGW_PUNT_ARP, GI1, 0);
	/* Gratuitous ARP from a stranger: no entry created. */
	punt(arp_frame(RTE_ARP_OP_REQUEST, &host2_mac, "192.0.2.12", "192.0.2.12"), FGW_PUNT_ARP, GI1, 0);
	EXPECT(n_sent == 0 && n_msgs == 0, "%u sent, %u messages", n_sent, n_msgs);
	m = arp_frame(RTE_ARP_OP_REQUEST, &host2_mac, "192.0.2.11", "192.0.2.1");
	rte_pktmbuf_trim(m, 10);
	punt(m, FGW_PUNT_ARP, GI1, 0);
	EXPECT(n_sent == 0 && c.stats.malformed == malformed + 1, "truncated ARP");
	return true;
}

static bool echo_v4_answered(void)
{
	const struct rte_ipv4_hdr *h;
	const struct rte_icmp_hdr *icmp;
	const struct rte_ether_hdr *eth;

	capture_reset();
	punt(echo4("192.0.2.10", "192.0.2.1", 64), FGW_PUNT_LOCAL, GI1, 0);
	EXPECT(n_sent == 1 && (h = sent_ipv4(0)) != NULL, "one IPv4 reply");
	eth = rte_pktmbuf_mtod(sent[0], const struct rte_ether_hdr *);
	EXPECT(rte_is_same_ether_addr(&eth->dst_addr, &host_mac), "to the learnt MAC");
	EXPECT(h->src_addr == unit_addr("192.0.2.1").v4 && h->dst_addr == unit_addr("192.0.2.10").v4, "addresses");
	icmp = (const struct rte_icmp_hdr *)(h + 1);
	EXPECT(icmp->icmp_type == 0 && icmp->icmp_ident == RTE_BE16(0x1234) && icmp4_ok(h),
	       "echo reply, same id, checksum");
	EXPECT(memcmp((const uint8_t *)(icmp + 1), "flex", 4) == 0, "data echoed");
	return true;
}

static bool neighbour_resolved_then_forwarded(void)
{
	struct fgw_nexthop hop = { .type = FGW_NH_CONNECTED, .ifindex = GI2 };
	uint32_t nh = fgw_nh_alloc(&dp, &hop);
	const struct rte_ipv4_hdr *h;
	const struct rte_ether_hdr *eth;

	capture_reset();
	punt(echo4("192.0.2.10", "198.51.100.20", 64), FGW_PUNT_NEIGH_MISS, GI1, nh);
	punt(echo4("192.0.2.10", "198.51.100.20", 64), FGW_PUNT_NEIGH_MISS, GI1, nh);
	EXPECT(n_sent == 1 && sent_port[0] == 1, "one ARP request on Gi2, %u sent", n_sent);
	EXPECT(rte_is_broadcast_ether_addr(&rte_pktmbuf_mtod(sent[0], struct rte_ether_hdr *)->dst_addr),
	       "broadcast");
	capture_reset();
	punt(arp_frame(RTE_ARP_OP_REPLY, &host2_mac, "198.51.100.20", "198.51.100.1"), FGW_PUNT_ARP, GI2, 0);
	EXPECT(n_msgs == 1 && msgs[0].type == FGW_MSG_NEIGH_SET, "workers told");
	EXPECT(n_sent == 2, "both waiting packets sent, %u", n_sent);
	for (unsigned i = 0; i < 2; i++) {
		eth = rte_pktmbuf_mtod(sent[i], const struct rte_ether_hdr *);
		EXPECT((h = sent_ipv4(i)) != NULL, "IPv4 with a valid header checksum");
		EXPECT(h->time_to_live == 63, "TTL decremented once: %u", h->time_to_live);
		EXPECT(rte_is_same_ether_addr(&eth->dst_addr, &host2_mac) &&
		       rte_is_same_ether_addr(&eth->src_addr, &dp.ifs[GI2].mac), "MACs");
		EXPECT(sent_port[i] == 1, "port");
	}
	EXPECT(c.stats.neigh_resolved == 1, "counted");
	return true;
}

static bool neighbour_failure_sends_host_unreachable(void)
{
	struct fgw_nexthop hop = { .type = FGW_NH_CONNECTED, .ifindex = GI2 };
	uint32_t nh = fgw_nh_alloc(&dp, &hop);
	unsigned requests = 0;
	const struct rte_ipv4_hdr *h;
	const struct rte_icmp_hdr *icmp;

	capture_reset();
	punt(echo4("192.0.2.10", "198.51.100.30", 64), FGW_PUNT_NEIGH_MISS, GI1, nh);
	/* The requests go 1 s apart; a loaded host may run the timers late. */
	run_timers(10000, four_frames_were_sent);
	for (unsigned i = 0; i < n_sent; i++)
		requests += sent_port[i] == 1;
	EXPECT(requests == 3, "%u ARP requests", requests);
	EXPECT(n_sent == 4 && (h = sent_ipv4(3)) != NULL, "then one IPv4 packet, %u sent", n_sent);
	icmp = (const struct rte_icmp_hdr *)(h + 1);
	EXPECT(icmp->icmp_type == 3 && icmp->icmp_code == 1 && icmp4_ok(h), "host unreachable");
	EXPECT(h->src_addr == unit_addr("192.0.2.1").v4 && h->dst_addr == unit_addr("192.0.2.10").v4,
	       "from the ingress address to the source");
	EXPECT(((const struct rte_ipv4_hdr *)((const uint8_t *)icmp + 8))->dst_addr ==
		       unit_addr("198.51.100.30").v4, "quotes the packet");
	EXPECT(c.stats.neigh_failed == 1, "counted");
	return true;
}

static bool errors_follow_the_rules(void)
{
	uint8_t l3[128], icmp[8] = { 3, 1 };
	uint16_t len;
	const struct rte_ipv4_hdr *h;

	capture_reset();
	punt(echo4("192.0.2.10", "198.51.100.40", 1), FGW_PUNT_TTL_EXCEEDED, GI1, 0);
	EXPECT(n_sent == 1 && (h = sent_ipv4(0)) != NULL, "time exceeded sent");
	EXPECT(((const struct rte_icmp_hdr *)(h + 1))->icmp_type == 11 && icmp4_ok(h), "type 11");
	EXPECT(rte_be_to_cpu_16(h->total_length) == 20 + 8 + 20 + 16, "quotes all of a small packet");
	capture_reset();
	/* Not about an ICMP error, a broadcast, or a source that is no host. */
	len = ipv4(l3, "192.0.2.10", "198.51.100.40", IPPROTO_ICMP, 1, icmp, sizeof(icmp));
	punt(frame(&host_mac, &dp.ifs[GI1].mac, RTE_ETHER_TYPE_IPV4, l3, len),
	     FGW_PUNT_TTL_EXCEEDED, GI1, 0);
	punt(echo4("192.0.2.10", "192.0.2.255", 1), FGW_PUNT_TTL_EXCEEDED, GI1, 0);
	punt(echo4("0.0.0.0", "198.51.100.40", 1), FGW_PUNT_TTL_EXCEEDED, GI1, 0);
	EXPECT(n_sent == 0, "%u errors sent", n_sent);
	return true;
}

/* Errors the bucket (100 a second) refilled since t0: a loaded host can
 * stretch a loop of punts past 10 ms. */
static unsigned refilled_since(uint64_t t0)
{
	return (unsigned)((rte_get_timer_cycles() - t0) * 100 / rte_get_timer_hz());
}

static void fill_error_bucket(void)
{
	c.icmp_last_refill = rte_get_timer_cycles() - rte_get_timer_hz() * 10;
}

static bool errors_rate_limited(void)
{
	uint64_t limited = c.stats.icmp_errors_ratelimited;
	uint64_t hz = rte_get_timer_hz(), t0;
	bool ok = false;

	capture_reset();
	c.icmp_tokens = 0;
	c.icmp_last_refill = t0 = rte_get_timer_cycles();
	for (unsigned i = 0; i < 5; i++)
		punt(echo4("192.0.2.10", "198.51.100.40", 1), FGW_PUNT_TTL_EXCEEDED, GI1, 0);
	if (n_sent > refilled_since(t0) ||
	    c.stats.icmp_errors_ratelimited != limited + 5 - n_sent) {
		snprintf(unit_why, sizeof(unit_why), "empty bucket: %u sent", n_sent);
		goto out;
	}
	/* 25 ms at 100 per second: two errors' worth. */
	capture_reset();
	c.icmp_tokens = 0;
	t0 = rte_get_timer_cycles();
	c.icmp_last_refill = t0 - hz * 25 / 1000;
	for (unsigned i = 0; i < 5; i++)
		punt(echo4("192.0.2.10", "198.51.100.40", 1), FGW_PUNT_TTL_EXCEEDED, GI1, 0);
	if (n_sent < 2 || n_sent > 2 + refilled_since(t0)) {
		snprintf(unit_why, sizeof(unit_why), "%u errors after 25 ms", n_sent);
		goto out;
	}
	/* A long silence refills only up to the burst. */
	capture_reset();
	fill_error_bucket();
	t0 = rte_get_timer_cycles();
	for (unsigned i = 0; i < 15; i++)
		punt(echo4("192.0.2.10", "198.51.100.40", 1), FGW_PUNT_TTL_EXCEEDED, GI1, 0);
	if (n_sent < 10 || n_sent > 10 + refilled_since(t0)) {
		snprintf(unit_why, sizeof(unit_why), "%u errors in a burst", n_sent);
		goto out;
	}
	ok = true;
out:
	fill_error_bucket();		/* the next cases send errors of their own */
	return ok;
}

static bool udp_and_tcp_to_us(void)
{
	uint8_t l3[128], l4[20];
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;
	const struct rte_ipv4_hdr *h;
	const struct rte_tcp_hdr *rst;
	uint16_t len;

	capture_reset();
	memset(l4, 0, sizeof(l4));
	u->src_port = RTE_BE16(40000);
	u->dst_port = RTE_BE16(33434);
	u->dgram_len = RTE_BE16(12);
	len = ipv4(l3, "192.0.2.10", "192.0.2.1", IPPROTO_UDP, 64, l4, 12);
	punt(frame(&host_mac, &dp.ifs[GI1].mac, RTE_ETHER_TYPE_IPV4, l3, len), FGW_PUNT_LOCAL, GI1, 0);
	EXPECT(n_sent == 1 && (h = sent_ipv4(0)) != NULL, "an error for UDP");
	EXPECT(((const struct rte_icmp_hdr *)(h + 1))->icmp_type == 3 &&
	       ((const struct rte_icmp_hdr *)(h + 1))->icmp_code == 3, "port unreachable");

	capture_reset();
	memset(l4, 0, sizeof(l4));
	t->src_port = RTE_BE16(40000);
	t->dst_port = RTE_BE16(22);
	t->sent_seq = RTE_BE32(1000);
	t->data_off = 5 << 4;
	t->tcp_flags = RTE_TCP_SYN_FLAG;
	len = ipv4(l3, "192.0.2.10", "192.0.2.1", IPPROTO_TCP, 64, l4, 20);
	punt(frame(&host_mac, &dp.ifs[GI1].mac, RTE_ETHER_TYPE_IPV4, l3, len), FGW_PUNT_LOCAL, GI1, 0);
	EXPECT(n_sent == 1 && (h = sent_ipv4(0)) != NULL && h->next_proto_id == IPPROTO_TCP, "a TCP reply");
	rst = (const struct rte_tcp_hdr *)(h + 1);
	EXPECT(rst->tcp_flags == (RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG) &&
	       rst->recv_ack == RTE_BE32(1001) && rst->sent_seq == 0, "RST/ACK acknowledging the SYN");
	EXPECT(rst->src_port == RTE_BE16(22) && rst->dst_port == RTE_BE16(40000), "ports");
	EXPECT(rte_ipv4_udptcp_cksum_verify(h, rst) == 0, "TCP checksum");

	capture_reset();
	len = ipv4(l3, "192.0.2.10", "192.0.2.1", 132, 64, l4, 20);	/* SCTP */
	punt(frame(&host_mac, &dp.ifs[GI1].mac, RTE_ETHER_TYPE_IPV4, l3, len), FGW_PUNT_LOCAL, GI1, 0);
	EXPECT(n_sent == 1 && (h = sent_ipv4(0)) != NULL &&
	       ((const struct rte_icmp_hdr *)(h + 1))->icmp_code == 2, "protocol unreachable");
	return true;
}

static bool ns_answered_with_na(void)
{
	uint8_t l3[128], ns[32] = { 135, 0 };
	const struct rte_ipv6_hdr *h;
	const uint8_t *na;
	uint64_t ignored;
	unsigned used;
	uint16_t len;

	memcpy(ns + 8, unit_addr("2001:db8:1::1").v6, 16);
	ns[24] = 1;	/* source link-layer address option */
	ns[25] = 1;
	memcpy(ns + 26, &host_mac, 6);
	capture_reset();
	len = ipv6(l3, "2001:db8:1::10", "ff02::1:ff00:1", 255, ns, sizeof(ns));
	punt(frame(&host_mac, &host_mac, RTE_ETHER_TYPE_IPV6, l3, len), FGW_PUNT_ND, GI1, 0);
	EXPECT(n_msgs == 1 && msgs[0].addr.family == AF_INET6, "neighbour learnt from SLLA");
	EXPECT(n_sent == 1 && (h = sent_ipv6(0)) != NULL, "an IPv6 reply with a valid checksum");
	na = (const uint8_t *)(h + 1);
	EXPECT(h->hop_limits == 255 && na[0] == 136, "NA, hop limit 255");
	EXPECT(na[4] == 0xe0, "router, solicited, override: %#x", na[4]);
	EXPECT(memcmp(na + 8, unit_addr("2001:db8:1::1").v6, 16) == 0, "target");
	EXPECT(na[24] == 2 && na[25] == 1 && memcmp(na + 26, &dp.ifs[GI1].mac, 6) == 0, "TLLA");
	EXPECT(memcmp(h->dst_addr, unit_addr("2001:db8:1::10").v6, 16) == 0, "unicast to the solicitor");

	capture_reset();
	used = c.neigh.n_used;
	len = ipv6(l3, "2001:db8:1::10", "ff02::1:ff00:1", 64, ns, sizeof(ns));
	punt(frame(&host_mac, &host_mac, RTE_ETHER_TYPE_IPV6, l3, len), FGW_PUNT_ND, GI1, 0);
	EXPECT(n_sent == 0, "hop limit 64 ignored");
	ns[25] = 0;	/* zero-length option */
	len = ipv6(l3, "2001:db8:1::10", "ff02::1:ff00:1", 255, ns, sizeof(ns));
	punt(frame(&host_mac, &host_mac, RTE_ETHER_TYPE_IPV6, l3, len), FGW_PUNT_ND, GI1, 0);
	EXPECT(n_sent == 0, "zero-length option rejected");

	/* On the link (hop limit 255) but from outside Gi1's prefix: neither
	 * learnt nor answered, as ARP does not learn an off-subnet sender. */
	ns[25] = 1;
	ignored = c.stats.nd_ignored;
	len = ipv6(l3, "2001:db8:99::5", "ff02::1:ff00:1", 255, ns, sizeof(ns));
	punt(frame(&host_mac, &host_mac, RTE_ETHER_TYPE_IPV6, l3, len), FGW_PUNT_ND, GI1, 0);
	EXPECT(n_sent == 0 && n_msgs == 0 && c.stats.nd_ignored == ignored + 1,
	       "off-link source: %u sent, %u messages", n_sent, n_msgs);
	EXPECT(c.neigh.n_used == used, "no entry made");
	return true;
}

static bool echo_v6_to_link_local(void)
{
	uint8_t l3[128], icmp[12] = { 128, 0, 0, 0, 0, 7, 0, 1, 'p', 'i', 'n', 'g' };
	const struct rte_ipv6_hdr *h;
	uint16_t len;

	capture_reset();
	len = ipv6(l3, "fe80::10", "fe80::ff:fe00:1", 64, icmp, sizeof(icmp));
	punt(frame(&host_mac, &dp.ifs[GI1].mac, RTE_ETHER_TYPE_IPV6, l3, len), FGW_PUNT_LOCAL, GI1, 0);
	/* fe80::10 is unknown: an NS goes first, from our link-local address. */
	EXPECT(n_sent == 1 && (h = sent_ipv6(0)) != NULL && ((const uint8_t *)(h + 1))[0] == 135,
	       "NS for the link-local neighbour");
	EXPECT(memcmp(h->src_addr, dp.ifs[GI1].ll6.v6, 16) == 0, "from our link-local");
	EXPECT(memcmp(h->dst_addr, unit_addr("ff02::1:ff00:10").v6, 16) == 0, "to the solicited-node group");
	capture_reset();
	{
		uint8_t na[32] = { 136, 0, 0, 0, 0x60 };
		const uint8_t *reply;

		memcpy(na + 8, unit_addr("fe80::10").v6, 16);
		na[24] = 2;
		na[25] = 1;
		memcpy(na + 26, &host_mac, 6);
		len = ipv6(l3, "fe80::10", "fe80::ff:fe00:1", 255, na, sizeof(na));
		punt(frame(&host_mac, &dp.ifs[GI1].mac, RTE_ETHER_TYPE_IPV6, l3, len), FGW_PUNT_ND,
		     GI1, 0);
		EXPECT(n_sent == 1 && (h = sent_ipv6(0)) != NULL, "the echo reply follows the NA");
		reply = (const uint8_t *)(h + 1);
		EXPECT(reply[0] == 129 && memcmp(reply + 8, "ping", 4) == 0, "echo reply");
		EXPECT(memcmp(h->src_addr, dp.ifs[GI1].ll6.v6, 16) == 0 && sent_port[0] == 0,
		       "from our link-local, on the ingress port");
	}
	return true;
}

static bool neighbour_ages_and_is_reprobed(void)
{
	unsigned probes = 0;

	capture_reset();
	punt(arp_frame(RTE_ARP_OP_REQUEST, &host_mac, "192.0.2.10", "192.0.2.1"), FGW_PUNT_ARP, GI1, 0);
	EXPECT(n_msgs == 1 && msgs[0].type == FGW_MSG_NEIGH_SET, "learnt");
	capture_reset();
	/* Reachable for 1 s, then a probe; the answer makes it reachable again. */
	run_timers(5000, a_frame_was_sent);
	EXPECT(n_sent == 1 && rte_pktmbuf_mtod_offset(sent[0], const struct rte_arp_hdr *,
			RTE_ETHER_HDR_LEN)->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST), "re-probed");
	punt(arp_frame(RTE_ARP_OP_REPLY, &host_mac, "192.0.2.10", "192.0.2.1"), FGW_PUNT_ARP, GI1, 0);
	EXPECT(n_msgs == 0, "same MAC: the workers are not told again");
	/* Then silence: three probes and the workers forget it, even when
	 * the first DEL finds a worker's ring full. */
	capture_reset();
	msgs_refused = 1;
	run_timers(15000, a_message_arrived);
	for (unsigned i = 0; i < n_sent; i++)
		probes += sent_port[i] == 0;
	EXPECT(probes == 3, "%u probes", probes);
	EXPECT(msgs_refused == 0, "the first DEL met a full ring");
	EXPECT(n_msgs == 1 && msgs[0].type == FGW_MSG_NEIGH_DEL &&
	       fgw_addr_eq(&msgs[0].addr, &(struct fgw_addr){ .family = AF_INET,
							      .v4 = unit_addr("192.0.2.10").v4 }),
	       "workers told to forget it");
	return true;
}

static bool arp_request_for(const char *target)
{
	for (unsigned i = 0; i < n_sent; i++) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(sent[i], const struct rte_ether_hdr *);
		const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(eth + 1);

		if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP) &&
		    a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) && a->arp_data.arp_tip == unit_addr(target).v4)
			return true;
	}
	return false;
}

/* The next-hop id in a NEIGH_MISS punt may have been freed and reused by
 * the time the control lcore reads it: the route decides, not the id. */
static bool neigh_miss_routed_again(void)
{
	struct fgw_nexthop hop = { .type = FGW_NH_GATEWAY, .ifindex = GI1, .gw = unit_addr("192.0.2.99") };
	uint32_t reused = fgw_nh_alloc(&dp, &hop);
	uint64_t rerouted = c.stats.neigh_miss_rerouted;

	capture_reset();
	punt(echo4("192.0.2.10", "198.51.100.70", 64), FGW_PUNT_NEIGH_MISS, GI1, reused);
	EXPECT(n_sent == 1 && sent_port[0] == 1 && arp_request_for("198.51.100.70"),
	       "resolved on Gi2 by its route, %u sent", n_sent);
	capture_reset();
	punt(echo4("192.0.2.10", "203.0.113.40", 64), FGW_PUNT_NEIGH_MISS, GI1, reused);
	EXPECT(n_sent == 0 && c.stats.neigh_miss_rerouted == rerouted + 1,
	       "the route is Null0 now: dropped, counted");
	return true;
}

/* A SET lost to a full ring is sent again; so is a new MAC. */
static bool lost_message_sent_again(void)
{
	capture_reset();
	msgs_refused = 1;
	punt(arp_frame(RTE_ARP_OP_REQUEST, &host2_mac, "192.0.2.13", "192.0.2.1"), FGW_PUNT_ARP,
	     GI1, 0);
	EXPECT(n_msgs == 0 && msgs_refused == 0 && c.neigh.n_workers_stale == 1, "refused once");
	run_timers(5000, a_message_arrived);
	EXPECT(n_msgs == 1 && msgs[0].type == FGW_MSG_NEIGH_SET &&
	       rte_is_same_ether_addr(&msgs[0].mac, &host2_mac), "SET sent again");
	EXPECT(c.neigh.n_workers_stale == 0, "nothing left to send");

	capture_reset();
	msgs_refused = 2;
	punt(arp_frame(RTE_ARP_OP_REPLY, &host_mac, "192.0.2.13", "192.0.2.1"), FGW_PUNT_ARP, GI1, 0);
	run_timers(5000, a_message_arrived);
	EXPECT(n_msgs == 1 && msgs[0].type == FGW_MSG_NEIGH_SET &&
	       rte_is_same_ether_addr(&msgs[0].mac, &host_mac), "the new MAC, on the third try");
	EXPECT(msgs_refused == 0 && c.neigh.n_workers_stale == 0, "settled");
	return true;
}

static unsigned pending_in_entries(void)
{
	unsigned sum = 0;

	for (unsigned i = 0; i < c.neigh.size; i++)
		if (c.neigh.slots[i].in_use)
			sum += c.neigh.slots[i].n_pending;
	return sum;
}

/* A remote sender aims at 6000 unused addresses of a connected /64: more
 * than the table holds. The mbufs held for resolution stay under the cap,
 * the probes under their rate, and a real neighbour still resolves. */
static bool flood_of_unresolved_destinations_is_bounded(void)
{
	struct fgw_nexthop hop = { .type = FGW_NH_CONNECTED, .ifindex = GI2 };
	uint32_t nh = fgw_nh_alloc(&dp, &hop);
	uint64_t ns_tx = c.stats.nd_ns_tx, start = rte_get_timer_cycles(), hz = rte_get_timer_hz();
	unsigned in_use = rte_mempool_in_use_count(dp.pool), peak = 0;
	const struct rte_ipv4_hdr *h;
	bool forwarded = false;
	char dst[64];

	capture_reset();
	EXPECT(c.neigh.pending_max > 0 && c.neigh.pending_max <= dp.pool->size / 8,
	       "cap %u", c.neigh.pending_max);
	for (unsigned i = 0; i < 6000; i++) {
		snprintf(dst, sizeof(dst), "2001:db8:2::1:%x", i);
		for (unsigned j = 0; j < (i < 10 ? 5u : 1u); j++) {
			punt(echo6("2001:db8:1::10", dst, 64), FGW_PUNT_NEIGH_MISS, GI1, nh);
			EXPECT(c.neigh.pending <= c.neigh.pending_max, "%u pending after %u",
			       c.neigh.pending, i);
			peak = RTE_MAX(peak, c.neigh.pending);
		}
	}
	EXPECT(peak == c.neigh.pending_max, "the cap was reached: %u", peak);
	EXPECT(pending_in_entries() == c.neigh.pending, "%u counted, %u held", c.neigh.pending,
	       pending_in_entries());
	for (unsigned i = 0; i < c.neigh.size; i++)
		EXPECT(c.neigh.slots[i].n_pending <= FGW_NEIGH_PENDING_MAX, "%u in slot %u",
		       c.neigh.slots[i].n_pending, i);
	EXPECT(rte_mempool_in_use_count(dp.pool) <= in_use + c.neigh.pending_max + MAX_CAPTURE,
	       "%u mbufs in use", rte_mempool_in_use_count(dp.pool));
	EXPECT(c.neigh.n_used == 4096 && c.stats.neigh_reclaimed >= 6000 - 4096,
	       "%u entries, %" PRIu64 " reclaimed", c.neigh.n_used, c.stats.neigh_reclaimed);
	EXPECT(c.stats.nd_ns_tx - ns_tx <=
		       50 + 100 * (rte_get_timer_cycles() - start) / hz + 1,
	       "%" PRIu64 " solicitations", c.stats.nd_ns_tx - ns_tx);

	/* A second later a real neighbour comes along: it is probed, and
	 * once it answers the workers learn it and its packets flow. */
	capture_reset();
	c.neigh.probe_last_refill = rte_get_timer_cycles() - hz;
	punt(echo4("192.0.2.10", "198.51.100.60", 64), FGW_PUNT_NEIGH_MISS, GI1, nh);
	EXPECT(arp_request_for("198.51.100.60"), "probed in a full table");
	capture_reset();
	punt(arp_frame(RTE_ARP_OP_REPLY, &host2_mac, "198.51.100.60", "198.51.100.1"), FGW_PUNT_ARP,
	     GI2, 0);
	EXPECT(n_msgs == 1 && msgs[0].type == FGW_MSG_NEIGH_SET &&
	       rte_is_same_ether_addr(&msgs[0].mac, &host2_mac), "resolved, workers told");
	capture_reset();
	punt(echo4("192.0.2.10", "198.51.100.60", 64), FGW_PUNT_NEIGH_MISS, GI1, nh);
	for (unsigned i = 0; i < n_sent; i++)
		forwarded |= (h = sent_ipv4(i)) != NULL && h->dst_addr == unit_addr("198.51.100.60").v4 &&
			     rte_is_same_ether_addr(&rte_pktmbuf_mtod(sent[i], struct rte_ether_hdr *)
							     ->dst_addr, &host2_mac);
	EXPECT(forwarded, "forwarded to its MAC");
	return true;
}

int main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "--no-shconf", "-m", "64", "-l", "0",
			"--no-telemetry", "--log-level", "lib.*:error", prefix };

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=test-net-%d", (int)getpid());
	fgw_log_set_level(FGW_LOG_ERR);
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0 || rte_timer_subsystem_init() < 0 ||
	    setup() < 0) {
		fprintf(stderr, "test_net: cannot set up EAL (run as root)\n");
		return 1;
	}
	if (AGEING_VARIANT) {
		RUN(neighbour_ages_and_is_reprobed);
		goto out;
	}
	RUN(rib_from_config);
	RUN(rib_dynamic);
	RUN(rib_many_prefixes);
	RUN(arp_request_answered_and_learnt);
	RUN(arp_only_for_own_address);
	RUN(echo_v4_answered);
	RUN(neighbour_resolved_then_forwarded);
	RUN(neighbour_failure_sends_host_unreachable);
	RUN(errors_follow_the_rules);
	RUN(errors_rate_limited);
	RUN(udp_and_tcp_to_us);
	RUN(ns_answered_with_na);
	RUN(echo_v6_to_link_local);
	RUN(neigh_miss_routed_again);
	RUN(lost_message_sent_again);
	RUN(flood_of_unresolved_destinations_is_bounded);
out:
	capture_reset();
	fgw_neigh_free(&c);
	fgw_rib_free(&c);
	unit_eal_cleanup();
	return unit_summary();
}
