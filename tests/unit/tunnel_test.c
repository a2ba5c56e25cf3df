/* Tunnel interfaces through fgw_worker_process_burst: the test plays the
 * peer gateway with its own SAs and its own IPsec-MB manager, decrypting
 * what the worker sends into the tunnel and encrypting what it feeds back.
 * Two net_ring ports (a net_ring port's TX feeds its own RX, so what the
 * worker sends is read back with rte_eth_rx_burst). Prints one line per
 * case, then "N passed, M failed".
 *
 *   lan (net_ring0) 192.0.2.1/24 2001:db8:1::1/64, host 192.0.2.10
 *   wan (net_ring1) 203.0.113.1/24, peer 203.0.113.2
 *   Tunnel0 ipsec ipv4 (AES-GCM-128): 198.51.100.0/24, 2001:db8:2::/64
 *   Tunnel1 gre ipv4 key 42 (AES-CBC-256 + HMAC-SHA-256): 198.18.0.0/24 */
#include <arpa/inet.h>
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
#include <rte_tcp.h>
#include <rte_udp.h>

#include "common/sa.h"
#include "dataplane/dp.h"
#include "dataplane/ipsec/crypto.h"
#include "dataplane/ipsec/esp.h"
#include "dataplane/ipsec/sa_setup.h"
#include "dataplane/private.h"
#include "dataplane/tunnel.h"
#include "dataplane/worker.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_addr.h"
#include "tests/unit/unit_eal.h"

static struct fgw_dp dp;
static struct fgw_worker *w;
static int if_lan, if_wan, if_t0, if_t1;
static uint16_t port_lan, port_wan;
static struct fgw_crypto peer;		/* the far gateway's crypto */
static const struct rte_ether_addr host_mac = { { 0x02, 0, 0, 0, 0x0a, 0x01 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0x0b, 0x02 } };

#define SPI_T0_OUT 0x0a000100u		/* we send, the peer receives */
#define SPI_T0_IN 0x0b000101u		/* the peer sends, we receive */
#define SPI_T1_OUT 0x0a000200u
#define SPI_T1_IN 0x0b000201u
#define SPI_T0_IN_NEW 0x0c000102u

static void route(const char *p, uint8_t type, int ifindex, const char *gw)
{
	struct fgw_nexthop nh = { .type = type, .ifindex = ifindex };
	struct fgw_prefix pf = unit_prefix(p);

	if (gw)
		nh.gw = unit_addr(gw);
	if (fgw_route_add(&dp, &pf, fgw_nh_alloc(&dp, &nh)) != 0) {
		fprintf(stderr, "cannot add route %s\n", p);
		exit(2);
	}
}

static void neigh(int ifindex, const char *a, const struct rte_ether_addr *mac)
{
	struct fgw_msg msg = { .type = FGW_MSG_NEIGH_SET, .ifindex = ifindex,
			       .addr = unit_addr(a), .mac = *mac };

	fgw_msg_broadcast(&dp, &msg);
	fgw_worker_service(w);
}

/* An SA of tunnel kind `kind`; keys are a byte pattern of `seed`. Ours
 * (local) or the peer's copy (peer's side: endpoints swapped). */
static struct fgw_sa *sa_new6(uint8_t kind, uint32_t spi, bool inbound, bool peer_side,
			      uint8_t seed, IMB_MGR *mgr, bool v6)
{
	struct fgw_sa *sa = fgw_sa_alloc(inbound ? 128 : 0, SOCKET_ID_ANY);
	struct fgw_sa_keys keys;
	char err[256];
	struct fgw_addr us = unit_addr(v6 ? "2001:db8:ff::1" : "203.0.113.1");
	struct fgw_addr them = unit_addr(v6 ? "2001:db8:ff::2" : "203.0.113.2");

	if (sa == NULL) {
		fprintf(stderr, "SA allocation failed\n");
		exit(2);
	}
	sa->spi = spi;
	sa->flags = inbound ? FGW_SA_F_INBOUND : 0;
	sa->mode = kind == FGW_TUNNEL_IPSEC ? FGW_SA_TUNNEL : FGW_SA_TRANSPORT;
	sa->cipher = kind == FGW_TUNNEL_IPSEC ? FGW_CIPHER_AES_GCM_128 : FGW_CIPHER_AES_CBC_256;
	sa->integ = kind == FGW_TUNNEL_IPSEC ? FGW_INTEG_NONE : FGW_INTEG_HMAC_SHA256_128;
	sa->ttl = 64;
	sa->dscp = FGW_SA_DSCP_COPY;
	/* Outbound from this side: src is this side's address. */
	bool from_us = peer_side ? inbound : !inbound;
	sa->src = from_us ? us : them;
	sa->dst = from_us ? them : us;
	for (unsigned i = 0; i < sizeof(keys.enc); i++)
		keys.enc[i] = (uint8_t)(seed + i);
	for (unsigned i = 0; i < sizeof(keys.auth); i++)
		keys.auth[i] = (uint8_t)(seed * 3 + i);
	if (fgw_sa_prepare(sa, &keys, mgr, err, sizeof(err)) < 0) {
		fprintf(stderr, "SA: %s\n", err);
		exit(2);
	}
	return sa;
}

static struct fgw_sa *sa_new(uint8_t kind, uint32_t spi, bool inbound, bool peer_side,
			     uint8_t seed, IMB_MGR *mgr)
{
	return sa_new6(kind, spi, inbound, peer_side, seed, mgr, false);
}

/* The peer's SAs: it decrypts what we send (peer_in_*) and encrypts what
 * we receive (peer_out_*). */
static struct fgw_sa *peer_in_t0, *peer_out_t0, *peer_in_t1, *peer_out_t1, *peer_out_t0_new;
static struct fgw_sa *peer_in_t2, *peer_out_t2, *peer_in_t3, *peer_out_t3;
static int if_t2, if_t3;
#define SPI_T3_OUT 0x0a000400u
#define SPI_T3_IN 0x0b000401u
#define SPI_T2_OUT 0x0a000300u
#define SPI_T2_IN 0x0b000301u

static void setup(void)
{
	char prefix_arg[64];
	char *argv[] = {
		"tunnel_test", "--no-huge", "--no-shconf", "-m", "512", "--no-pci",
		"--no-telemetry", "-l", "0", "--log-level=warning",
		"--vdev", "net_ring0", "--vdev", "net_ring1", prefix_arg,
	};
	/* Two workers (never launched: the test drives both) so that an SA
	 * owned by the second shows the handoff. */
	struct fgw_dp_params params = { .n_workers = 2, .worker_lcores = { 0, 0 }, .burst = 32,
					.mbufs = 8191, .max_sas = 1024 };
	struct fgw_prefix lan4 = unit_prefix("192.0.2.1/24"), lan6 = unit_prefix("2001:db8:1::1/64");
	struct fgw_prefix wan4 = unit_prefix("203.0.113.1/24"), wan6 = unit_prefix("2001:db8:ff::1/64");
	struct fgw_tunnel_params t3 = {
		.name = "Tunnel3", .kind = FGW_TUNNEL_GRE, .src = unit_addr("2001:db8:ff::1"),
		.dst = unit_addr("2001:db8:ff::2"),
	};
	struct fgw_tunnel_params t2 = {
		.name = "Tunnel2", .kind = FGW_TUNNEL_IPSEC, .src = unit_addr("2001:db8:ff::1"),
		.dst = unit_addr("2001:db8:ff::2"),
	};
	struct fgw_tunnel_params t0 = {
		.name = "Tunnel0", .kind = FGW_TUNNEL_IPSEC, .src = unit_addr("203.0.113.1"),
		.dst = unit_addr("203.0.113.2"), .mtu = 1400, .tcp_mss = 1360,
	};
	struct fgw_tunnel_params t1 = {
		.name = "Tunnel1", .kind = FGW_TUNNEL_GRE, .src = unit_addr("203.0.113.1"),
		.dst = unit_addr("203.0.113.2"), .mtu = 1400, .gre_key_set = true, .gre_key = 42,
	};
	char err[256];

	snprintf(prefix_arg, sizeof(prefix_arg), "--file-prefix=tuntest-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "EAL initialisation failed\n");
		exit(2);
	}
	if (fgw_dp_init(&dp, &params, err, sizeof(err)) < 0 ||
	    (if_lan = fgw_port_add(&dp, "lan", "net_ring0", 1500, &lan4, &lan6, err,
				   sizeof(err))) < 0 ||
	    (if_wan = fgw_port_add(&dp, "wan", "net_ring1", 1500, &wan4, &wan6, err,
				   sizeof(err))) < 0 ||
	    (if_t0 = fgw_tunnel_add(&dp, &t0, err, sizeof(err))) < 0 ||
	    (if_t1 = fgw_tunnel_add(&dp, &t1, err, sizeof(err))) < 0 ||
	    (if_t2 = fgw_tunnel_add(&dp, &t2, err, sizeof(err))) < 0 ||
	    (if_t3 = fgw_tunnel_add(&dp, &t3, err, sizeof(err))) < 0 ||
	    fgw_crypto_init(&peer, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up failed: %s\n", err);
		exit(2);
	}
	w = dp.workers[0];
	port_lan = dp.ifs[if_lan].port_id;
	port_wan = dp.ifs[if_wan].port_id;
	route("192.0.2.0/24", FGW_NH_CONNECTED, if_lan, NULL);
	route("2001:db8:1::/64", FGW_NH_CONNECTED, if_lan, NULL);
	route("203.0.113.0/24", FGW_NH_CONNECTED, if_wan, NULL);
	route("192.0.2.1/32", FGW_NH_LOCAL, if_lan, NULL);
	route("203.0.113.1/32", FGW_NH_LOCAL, if_wan, NULL);
	route("198.51.100.0/24", FGW_NH_TUNNEL, if_t0, NULL);
	route("2001:db8:2::/64", FGW_NH_TUNNEL, if_t0, NULL);
	route("198.18.0.0/24", FGW_NH_TUNNEL, if_t1, NULL);
	route("2001:db8:ff::/64", FGW_NH_CONNECTED, if_wan, NULL);
	route("2001:db8:ff::1/128", FGW_NH_LOCAL, if_wan, NULL);
	route("198.51.100.128/25", FGW_NH_TUNNEL, if_t2, NULL);
	route("198.18.1.0/24", FGW_NH_TUNNEL, if_t3, NULL);
	neigh(if_lan, "192.0.2.10", &host_mac);
	neigh(if_lan, "2001:db8:1::10", &host_mac);
	neigh(if_wan, "203.0.113.2", &peer_mac);
	neigh(if_wan, "2001:db8:ff::2", &peer_mac);

	IMB_MGR *mgr = fgw_dp_crypto_mgr(&dp);
	if (fgw_tunnel_sa_out_set(&dp, (uint16_t)if_t0,
				  sa_new(FGW_TUNNEL_IPSEC, SPI_T0_OUT, false, false, 1, mgr),
				  err, sizeof(err)) < 0 ||
	    fgw_sa_in_add(&dp, (uint16_t)if_t0,
			  sa_new(FGW_TUNNEL_IPSEC, SPI_T0_IN, true, false, 2, mgr), 0,
			  err, sizeof(err)) < 0 ||
	    fgw_tunnel_sa_out_set(&dp, (uint16_t)if_t1,
				  sa_new(FGW_TUNNEL_GRE, SPI_T1_OUT, false, false, 3, mgr),
				  err, sizeof(err)) < 0 ||
	    fgw_sa_in_add(&dp, (uint16_t)if_t1,
			  sa_new(FGW_TUNNEL_GRE, SPI_T1_IN, true, false, 4, mgr), 0,
			  err, sizeof(err)) < 0 ||
	    fgw_tunnel_sa_out_set(&dp, (uint16_t)if_t2,
				  sa_new6(FGW_TUNNEL_IPSEC, SPI_T2_OUT, false, false, 6, mgr, true),
				  err, sizeof(err)) < 0 ||
	    fgw_sa_in_add(&dp, (uint16_t)if_t2,
			  sa_new6(FGW_TUNNEL_IPSEC, SPI_T2_IN, true, false, 7, mgr, true), 0,
			  err, sizeof(err)) < 0 ||
	    fgw_tunnel_sa_out_set(&dp, (uint16_t)if_t3,
				  sa_new6(FGW_TUNNEL_GRE, SPI_T3_OUT, false, false, 8, mgr, true),
				  err, sizeof(err)) < 0 ||
	    fgw_sa_in_add(&dp, (uint16_t)if_t3,
			  sa_new6(FGW_TUNNEL_GRE, SPI_T3_IN, true, false, 10, mgr, true), 0,
			  err, sizeof(err)) < 0) {
		fprintf(stderr, "SA set-up failed: %s\n", err);
		exit(2);
	}
	peer_in_t0 = sa_new(FGW_TUNNEL_IPSEC, SPI_T0_OUT, true, true, 1, peer.mgr);
	peer_out_t0 = sa_new(FGW_TUNNEL_IPSEC, SPI_T0_IN, false, true, 2, peer.mgr);
	peer_in_t1 = sa_new(FGW_TUNNEL_GRE, SPI_T1_OUT, true, true, 3, peer.mgr);
	peer_out_t1 = sa_new(FGW_TUNNEL_GRE, SPI_T1_IN, false, true, 4, peer.mgr);
	peer_out_t0_new = sa_new(FGW_TUNNEL_IPSEC, SPI_T0_IN_NEW, false, true, 5, peer.mgr);
	peer_in_t2 = sa_new6(FGW_TUNNEL_IPSEC, SPI_T2_OUT, true, true, 6, peer.mgr, true);
	peer_out_t2 = sa_new6(FGW_TUNNEL_IPSEC, SPI_T2_IN, false, true, 7, peer.mgr, true);
	peer_in_t3 = sa_new6(FGW_TUNNEL_GRE, SPI_T3_OUT, true, true, 8, peer.mgr, true);
	peer_out_t3 = sa_new6(FGW_TUNNEL_GRE, SPI_T3_IN, false, true, 10, peer.mgr, true);
}

/* ---- frames ------------------------------------------------------------------ */

static struct rte_mbuf *mbuf_new(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);

	if (m == NULL) {
		fprintf(stderr, "mbuf allocation failed\n");
		exit(2);
	}
	return m;
}

/* `len` more bytes at the end of m; an mbuf too small is a broken test. */
static void *append(struct rte_mbuf *m, unsigned len)
{
	char *p = rte_pktmbuf_append(m, (uint16_t)len);

	if (p == NULL) {
		fprintf(stderr, "cannot append %u bytes to an mbuf\n", len);
		exit(2);
	}
	return p;
}

/* A UDP-ish IPv4 packet (no Ethernet), payload a counting pattern. */
static struct rte_mbuf *ip4_pkt(const char *src, const char *dst, unsigned payload, bool df,
				uint8_t proto)
{
	struct rte_mbuf *m = mbuf_new();
	struct rte_ipv4_hdr *ip = append(m, sizeof(*ip) + payload);
	struct fgw_addr s = unit_addr(src), d = unit_addr(dst);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(sizeof(*ip) + payload));
	ip->fragment_offset = df ? htons(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = s.v4;
	ip->dst_addr = d.v4;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	for (unsigned i = 0; i < payload; i++)
		((uint8_t *)(ip + 1))[i] = (uint8_t)i;
	return m;
}

static struct rte_mbuf *ip6_pkt(const char *src, const char *dst, unsigned payload)
{
	struct rte_mbuf *m = mbuf_new();
	struct rte_ipv6_hdr *ip = append(m, sizeof(*ip) + payload);
	struct fgw_addr s = unit_addr(src), d = unit_addr(dst);

	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = htonl(6u << 28);
	ip->payload_len = htons((uint16_t)payload);
	ip->proto = IPPROTO_UDP;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, s.v6, 16);
	memcpy(ip->dst_addr, d.v6, 16);
	for (unsigned i = 0; i < payload; i++)
		((uint8_t *)(ip + 1))[i] = (uint8_t)i;
	return m;
}

static void eth_push(struct rte_mbuf *m, const struct rte_ether_addr *dst,
		     const struct rte_ether_addr *src)
{
	uint8_t v = rte_pktmbuf_mtod(m, uint8_t *)[0] >> 4;
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*e));

	e->dst_addr = *dst;
	e->src_addr = *src;
	e->ether_type = htons(v == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
}

/* The peer's GRE packet around inner: outer IPv4 203.0.113.2 -> .1, GRE key 42. */
static void gre_wrap(struct rte_mbuf *m)
{
	uint8_t v = rte_pktmbuf_mtod(m, uint8_t *)[0] >> 4;
	uint8_t *g = (uint8_t *)rte_pktmbuf_prepend(m, 8);
	struct rte_ipv4_hdr *ip;
	uint32_t key = htonl(42);

	g[0] = 0x20;
	g[1] = 0;
	g[2] = v == 4 ? 0x08 : 0x86;
	g[3] = v == 4 ? 0x00 : 0xdd;
	memcpy(g + 4, &key, 4);
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*ip));
	if (ip == NULL) {
		fprintf(stderr, "no headroom for GRE\n");
		exit(2);
	}
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)m->pkt_len);
	ip->time_to_live = 255;
	ip->next_proto_id = IPPROTO_GRE;
	ip->src_addr = unit_addr("203.0.113.2").v4;
	ip->dst_addr = unit_addr("203.0.113.1").v4;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* The peer's GRE over IPv6, no key: 2001:db8:ff::2 -> ::1. */
static void gre6_wrap(struct rte_mbuf *m)
{
	uint8_t v = rte_pktmbuf_mtod(m, uint8_t *)[0] >> 4;
	uint8_t *g = (uint8_t *)rte_pktmbuf_prepend(m, 4);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)rte_pktmbuf_prepend(m, sizeof(*ip));

	if (g == NULL || ip == NULL) {
		fprintf(stderr, "no headroom for GRE\n");
		exit(2);
	}
	g[0] = g[1] = 0;
	g[2] = v == 4 ? 0x08 : 0x86;
	g[3] = v == 4 ? 0x00 : 0xdd;
	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = htonl(6u << 28);
	ip->payload_len = htons((uint16_t)(m->pkt_len - sizeof(*ip)));
	ip->proto = IPPROTO_GRE;
	ip->hop_limits = 255;
	memcpy(ip->src_addr, unit_addr("2001:db8:ff::2").v6, 16);
	memcpy(ip->dst_addr, unit_addr("2001:db8:ff::1").v6, 16);
}

/* The peer encrypts inner (an IP packet) with sa and frames it for our WAN. */
static struct rte_mbuf *peer_encap(struct rte_mbuf *m, struct fgw_sa *sa)
{
	uint8_t verdict;

	if (sa->mode == FGW_SA_TRANSPORT && sa->dst.family == AF_INET6)
		gre6_wrap(m);
	else if (sa->mode == FGW_SA_TRANSPORT)
		gre_wrap(m);
	fgw_esp_encap(&peer, &m, &sa, 1, &verdict);
	if (verdict != FGW_SA_DROP_NONE) {
		fprintf(stderr, "peer encap failed: %s\n", fgw_sa_drop_name(verdict));
		exit(2);
	}
	eth_push(m, &dp.ifs[if_wan].mac, &peer_mac);
	return m;
}

/* The peer decrypts a frame we sent; the verdict. m then starts at the
 * inner packet (tunnel) or the outer IP header (transport). */
static uint8_t peer_decap(struct rte_mbuf *m, struct fgw_sa *sa)
{
	const struct rte_ipv4_hdr *ip;
	uint8_t verdict;

	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	m->l3_len = (ip->version_ihl >> 4) == 6 ? 40 : rte_ipv4_hdr_len(ip);
	m->l4_len = 0;
	fgw_esp_decap(&peer, &m, &sa, 1, &verdict);
	return verdict;
}

/* ---- driving the worker ------------------------------------------------------- */

static struct fgw_worker_stats before;

static void feed(uint16_t port, struct rte_mbuf **m, unsigned n)
{
	before = w->stats;
	fgw_worker_process_burst(&dp, w, port, m, (uint16_t)n);
	fgw_worker_service(w);
}

static unsigned sent(uint16_t port, struct rte_mbuf **out, unsigned max)
{
	return rte_eth_rx_burst(port, 0, out, (uint16_t)max);
}

static void free_all(struct rte_mbuf **m, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

static uint64_t delta_drop(enum fgw_drop_reason r)
{
	return w->stats.drop[r] - before.drop[r];
}

static bool quiet(void)
{
	struct rte_mbuf *m[64];
	unsigned a = sent(port_lan, m, 64), b, c;

	free_all(m, a);
	b = sent(port_wan, m, 64);
	free_all(m, b);
	c = rte_ring_dequeue_burst(dp.punt, (void **)m, 64, NULL);
	free_all(m, c);
	return a + b + c == 0;
}

/* A tunnel configured shut down is down on every worker's line from the
 * start: what is routed into it, IPv4 or IPv6, is dropped as IF_DOWN. */
static bool shutdown_tunnel_drops(void)
{
	struct fgw_tunnel_params p = {
		.name = "TunnelD", .kind = FGW_TUNNEL_IPSEC, .src = unit_addr("203.0.113.1"),
		.dst = unit_addr("203.0.113.2"), .shutdown = true,
	};
	struct fgw_prefix r4 = unit_prefix("198.18.2.0/24"), r6 = unit_prefix("2001:db8:3::/64");
	struct rte_mbuf *m[2];
	char err[256];
	int d = fgw_tunnel_add(&dp, &p, err, sizeof(err));

	EXPECT(d >= 0, "%s", err);
	EXPECT(!dp.ifs[d].up, "the interface is up");
	for (unsigned i = 0; i < dp.n_workers; i++)
		EXPECT(!fgw_tunnel_w(&dp, (uint32_t)d, i)->up, "worker %u sees it up", i);
	route("198.18.2.0/24", FGW_NH_TUNNEL, d, NULL);
	route("2001:db8:3::/64", FGW_NH_TUNNEL, d, NULL);
	m[0] = ip4_pkt("192.0.2.10", "198.18.2.7", 100, false, IPPROTO_UDP);
	m[1] = ip6_pkt("2001:db8:1::10", "2001:db8:3::7", 100);
	for (unsigned i = 0; i < 2; i++)
		eth_push(m[i], &dp.ifs[if_lan].mac, &host_mac);
	feed(port_lan, m, 2);
	EXPECT(delta_drop(FGW_DROP_IF_DOWN) == 2, "%lu dropped as interface down, expected 2",
	       (unsigned long)delta_drop(FGW_DROP_IF_DOWN));
	EXPECT(fgw_route_del(&dp, &r4) == 0 && fgw_route_del(&dp, &r6) == 0, "route delete");
	EXPECT(fgw_tunnel_del(&dp, (uint32_t)d) == 0, "delete");
	return quiet();
}

/* One frame sent on the WAN, ESP from us to the peer with this SPI. */
static struct rte_mbuf *one_esp_out(uint32_t spi)
{
	struct rte_mbuf *m[8];
	unsigned n = sent(port_wan, m, 8);
	const struct rte_ether_hdr *e;
	const struct rte_ipv4_hdr *ip;
	uint32_t got;

	if (n != 1) {
		free_all(m, n);
		snprintf(unit_why, sizeof(unit_why), "%u frames on the WAN, expected 1", n);
		return NULL;
	}
	e = rte_pktmbuf_mtod(m[0], const struct rte_ether_hdr *);
	ip = (const struct rte_ipv4_hdr *)(e + 1);
	memcpy(&got, (const uint8_t *)ip + rte_ipv4_hdr_len(ip), 4);
	if (!rte_is_same_ether_addr(&e->dst_addr, &peer_mac) ||
	    !rte_is_same_ether_addr(&e->src_addr, &dp.ifs[if_wan].mac) ||
	    ip->next_proto_id != IPPROTO_ESP || ip->dst_addr != unit_addr("203.0.113.2").v4 ||
	    ip->src_addr != unit_addr("203.0.113.1").v4 || ntohl(got) != spi ||
	    rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)) != 0xffff) {
		snprintf(unit_why, sizeof(unit_why), "not ESP %08x from us to the peer (spi %08x)", spi,
			 ntohl(got));
		rte_pktmbuf_free(m[0]);
		return NULL;
	}
	return m[0];
}

/* ---- cases ---------------------------------------------------------------------- */

static bool ipsec_out_v4(void)
{
	struct rte_mbuf *m = ip4_pkt("192.0.2.10", "198.51.100.7", 300, false, IPPROTO_UDP);
	const struct rte_ipv4_hdr *ip;

	eth_push(m, &dp.ifs[if_lan].mac, &host_mac);
	feed(port_lan, &m, 1);
	m = one_esp_out(SPI_T0_OUT);
	if (m == NULL)
		return false;
	EXPECT(peer_decap(m, peer_in_t0) == FGW_SA_DROP_NONE, "peer cannot decrypt");
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	EXPECT(m->pkt_len == 320 && ip->time_to_live == 63 &&
	      ip->dst_addr == unit_addr("198.51.100.7").v4 &&
	      rte_raw_cksum(ip, 20) == 0xffff, "inner len %u ttl %u", m->pkt_len,
	      ip->time_to_live);
	EXPECT(((const uint8_t *)(ip + 1))[299] == (uint8_t)299, "payload changed");
	rte_pktmbuf_free(m);
	EXPECT(w->stats.forwarded == before.forwarded + 1 &&
	      w->stats.encrypted == before.encrypted + 1, "not counted");
	return quiet();
}

static bool ipsec_out_v6(void)
{
	struct rte_mbuf *m = ip6_pkt("2001:db8:1::10", "2001:db8:2::7", 100);
	const struct rte_ipv6_hdr *ip;

	eth_push(m, &dp.ifs[if_lan].mac, &host_mac);
	feed(port_lan, &m, 1);
	m = one_esp_out(SPI_T0_OUT);
	if (m == NULL)
		return false;
	EXPECT(peer_decap(m, peer_in_t0) == FGW_SA_DROP_NONE, "peer cannot decrypt");
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	EXPECT(m->pkt_len == 140 && ip->hop_limits == 63, "inner len %u", m->pkt_len);
	rte_pktmbuf_free(m);
	return quiet();
}

/* Inner packet from the peer's side to our LAN host: forwarded on the LAN
 * with the TTL lowered, counted as the outer frame's outcome. */
static bool in_forwards(struct rte_mbuf *m, bool v6)
{
	struct rte_mbuf *out[4];
	unsigned n;

	feed(port_wan, &m, 1);
	n = sent(port_lan, out, 4);
	EXPECT(n == 1, "%u frames on the LAN", n);
	EXPECT(rte_is_same_ether_addr(&rte_pktmbuf_mtod(out[0], struct rte_ether_hdr *)->dst_addr,
				     &host_mac), "not to the host");
	if (v6)
		EXPECT(rte_pktmbuf_mtod_offset(out[0], struct rte_ipv6_hdr *, 14)->hop_limits == 63,
		      "hop limit");
	else
		EXPECT(rte_pktmbuf_mtod_offset(out[0], struct rte_ipv4_hdr *, 14)->time_to_live == 63,
		      "ttl");
	free_all(out, n);
	EXPECT(w->stats.rx == before.rx + 1 && w->stats.forwarded == before.forwarded + 1 &&
	      w->stats.decrypted == before.decrypted + 1, "counters");
	return quiet();
}

static bool ipsec_in_v4(void)
{
	struct fgw_tunnel_counters a, b;
	uint64_t sa_pkts = fgw_sa_in_get(&dp, SPI_T0_IN)->stats.packets;

	fgw_tunnel_counters_sum(&dp, (uint16_t)if_t0, &a);
	if (!in_forwards(peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 200, false,
					     IPPROTO_UDP), peer_out_t0), false))
		return false;
	fgw_tunnel_counters_sum(&dp, (uint16_t)if_t0, &b);
	EXPECT(b.rx_packets == a.rx_packets + 1 && b.rx_bytes == a.rx_bytes + 220,
	      "tunnel rx counters");
	EXPECT(fgw_sa_in_get(&dp, SPI_T0_IN)->stats.packets == sa_pkts + 1, "SA counter");
	return true;
}

static bool ipsec_in_v6(void)
{
	return in_forwards(peer_encap(ip6_pkt("2001:db8:2::7", "2001:db8:1::10", 64),
				      peer_out_t0), true);
}

/* Tunnel2: IPv4 inside an IPv6 outer header, both ways. */
static bool ipsec_ipv6_outer(void)
{
	struct rte_mbuf *m = ip4_pkt("192.0.2.10", "198.51.100.200", 100, false, IPPROTO_UDP);
	struct rte_mbuf *out[4];
	const struct rte_ipv6_hdr *ip6;
	unsigned n;
	uint32_t spi;

	eth_push(m, &dp.ifs[if_lan].mac, &host_mac);
	feed(port_lan, &m, 1);
	n = sent(port_wan, out, 4);
	EXPECT(n == 1, "%u frames on the WAN", n);
	ip6 = rte_pktmbuf_mtod_offset(out[0], const struct rte_ipv6_hdr *, 14);
	memcpy(&spi, ip6 + 1, 4);
	EXPECT(ip6->proto == IPPROTO_ESP && ntohl(spi) == SPI_T2_OUT &&
	      memcmp(ip6->dst_addr, unit_addr("2001:db8:ff::2").v6, 16) == 0, "not ESP over IPv6");
	EXPECT(peer_decap(out[0], peer_in_t2) == FGW_SA_DROP_NONE, "peer cannot decrypt");
	EXPECT(out[0]->pkt_len == 120, "inner length %u", out[0]->pkt_len);
	free_all(out, n);
	return in_forwards(peer_encap(ip4_pkt("198.51.100.200", "192.0.2.10", 100, false,
					       IPPROTO_UDP), peer_out_t2), false);
}

static bool t0_out_renew(char *err, size_t errlen);

struct burst_dst { const char *dst; unsigned t; };

/* Whether m, decrypted, ends in one of the packets of to[] that go
 * into tunnel t and has not come yet: the i-th is a 20-byte header and
 * 100 + i bytes to to[i].dst, at the end of what ESP protected (after
 * GRE and its outer header for a GRE tunnel). */
static bool came_from(const struct rte_mbuf *m, const struct burst_dst *to, unsigned n,
		      unsigned t, bool *seen)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	for (unsigned i = 0; i < n; i++) {
		rte_be32_t d = unit_addr(to[i].dst).v4;
		unsigned len = 120 + i;

		if (to[i].t == t && !seen[i] && m->pkt_len >= len &&
		    memcmp(p + m->pkt_len - len + 16, &d, 4) == 0) {
			seen[i] = true;
			return true;
		}
	}
	return false;
}

/* One burst's destinations in runs of one to three frames for the four
 * tunnels (t: Tunnel0 ESP and Tunnel1 GRE over IPv4, Tunnel2 ESP and
 * Tunnel3 GRE over IPv6): one_burst_many_tunnels' and runs_change_port's. */
static const struct burst_dst mixed_burst[] = {
	{ "198.51.100.7", 0 }, { "198.51.100.8", 0 }, { "198.18.0.9", 1 },
	{ "198.51.100.9", 0 }, { "198.51.100.200", 2 }, { "198.51.100.201", 2 },
	{ "198.51.100.202", 2 }, { "198.18.1.5", 3 }, { "198.51.100.10", 0 },
};

/* One burst into four tunnels (ESP and GRE, over IPv4 and IPv6) in runs
 * of one to three frames: tunnel_output.c reads and checks a tunnel once
 * a run. Every frame leaves encrypted with its own tunnel's SA; twice,
 * so that one of the bursts finds the outer next hops in the tunnels'
 * caches. A third time with Tunnel0 (first, in the middle and last)
 * without an SA: its frames drop as NO_SA, the runs between them still
 * go to ESP each with its own SA. */
static bool one_burst_many_tunnels(void)
{
	const struct burst_dst *to = mixed_burst;
	enum { N = RTE_DIM(mixed_burst) };
	const uint32_t spi[4] = { SPI_T0_OUT, SPI_T1_OUT, SPI_T2_OUT, SPI_T3_OUT };
	struct fgw_sa *const peer_sa[4] = { peer_in_t0, peer_in_t1, peer_in_t2, peer_in_t3 };
	const int ifs[4] = { if_t0, if_t1, if_t2, if_t3 };

	char err[256];

	for (unsigned round = 0; round < 3; round++) {
		struct rte_mbuf *m[N], *out[2 * N];
		unsigned got[4] = { 0 }, want[4] = { 0 }, n, n_want = N;
		uint64_t inner[4] = { 0 }, tx_pkts[4], tx_bytes[4], sa_pkts[4], sa_bytes[4];
		uint64_t wire = 0;
		struct fgw_port_stats wan;
		bool seen[N] = { false };

		if (round == 2) {
			EXPECT(fgw_tunnel_sa_out_set(&dp, (uint16_t)if_t0, NULL, err,
						    sizeof(err)) == 0, "%s", err);
			fgw_worker_service(w);
		}
		for (unsigned i = 0; i < N; i++) {
			m[i] = ip4_pkt("192.0.2.10", to[i].dst, 100 + i, false, IPPROTO_UDP);
			eth_push(m[i], &dp.ifs[if_lan].mac, &host_mac);
			if (round == 2 && to[i].t == 0) {
				n_want--;
			} else {
				want[to[i].t]++;
				inner[to[i].t] += m[i]->pkt_len - RTE_ETHER_HDR_LEN;
			}
		}
		for (unsigned t = 0; t < 4; t++) {
			struct fgw_tunnel_worker *tw = fgw_tunnel_w(&dp, (uint32_t)ifs[t], 0);
			struct fgw_sa *sa = fgw_tunnel_sa(tw);

			tx_pkts[t] = tw->tx_packets;
			tx_bytes[t] = tw->tx_bytes;
			sa_pkts[t] = sa ? sa->stats.packets : 0;
			sa_bytes[t] = sa ? sa->stats.bytes : 0;
		}
		wan = w->stats.port[port_wan];
		feed(port_lan, m, N);
		n = sent(port_wan, out, 2 * N);
		/* Counted exactly: the frames leave a chunk at a time
		 * (tunnel_output.c's tx_pend), the runs of one and of three
		 * among them still count on their own tunnel and SA. */
		for (unsigned t = 0; t < 4; t++) {
			struct fgw_tunnel_worker *tw = fgw_tunnel_w(&dp, (uint32_t)ifs[t], 0);
			struct fgw_sa *sa = fgw_tunnel_sa(tw);

			EXPECT(tw->tx_packets - tx_pkts[t] == want[t] &&
			       tw->tx_bytes - tx_bytes[t] == inner[t],
			       "round %u tunnel %u: tx %lu packets %lu bytes, expected %u %lu", round,
			       t, (unsigned long)(tw->tx_packets - tx_pkts[t]),
			       (unsigned long)(tw->tx_bytes - tx_bytes[t]), want[t],
			       (unsigned long)inner[t]);
			/* (a GRE tunnel's SA counts GRE and its inner packet) */
			EXPECT(sa == NULL || (sa->stats.packets - sa_pkts[t] == want[t] &&
					      (tw->kind == FGW_TUNNEL_GRE ||
					       sa->stats.bytes - sa_bytes[t] == inner[t])),
			       "round %u tunnel %u: the SA's counters", round, t);
		}
		for (unsigned j = 0; j < n; j++)
			wire += out[j]->pkt_len;
		EXPECT(w->stats.port[port_wan].tx_packets - wan.tx_packets == n &&
		       w->stats.port[port_wan].tx_bytes - wan.tx_bytes == wire,
		       "round %u: the WAN port's tx counters", round);
		EXPECT(w->stats.forwarded - before.forwarded == n_want, "round %u: forwarded", round);
		for (unsigned j = 0; j < n; j++) {
			const uint8_t *l3 = rte_pktmbuf_mtod_offset(out[j], const uint8_t *, 14);
			unsigned off = l3[0] >> 4 == 4 ? (l3[0] & 0x0f) * 4u : 40u, t = 0;
			rte_be16_t type = rte_pktmbuf_mtod(out[j], const struct rte_ether_hdr *)
						  ->ether_type;
			uint32_t v;

			EXPECT(type == htons(l3[0] >> 4 == 4 ? RTE_ETHER_TYPE_IPV4 :
							       RTE_ETHER_TYPE_IPV6),
			       "round %u frame %u: EtherType %04x for IPv%u", round, j, ntohs(type),
			       l3[0] >> 4);
			memcpy(&v, l3 + off, 4);
			while (t < 3 && spi[t] != ntohl(v))
				t++;
			EXPECT(spi[t] == ntohl(v), "round %u frame %u: SPI %08x", round, j, ntohl(v));
			EXPECT(peer_decap(out[j], peer_sa[t]) == FGW_SA_DROP_NONE,
			       "round %u frame %u: tunnel %u's peer cannot decrypt", round, j, t);
			EXPECT(came_from(out[j], to, N, t, seen),
			       "round %u frame %u: not a packet of tunnel %u's", round, j, t);
			got[t]++;
		}
		free_all(out, n);
		EXPECT(n == n_want && !memcmp(got, want, sizeof(got)),
		       "round %u: %u frames, per tunnel %u %u %u %u", round, n, got[0], got[1],
		       got[2], got[3]);
		EXPECT(w->stats.encrypted == before.encrypted + n_want, "round %u: encrypted",
		       round);
		EXPECT(delta_drop(FGW_DROP_NO_SA) == N - n_want, "round %u: NO_SA drops", round);
	}
	EXPECT(t0_out_renew(err, sizeof(err)), "%s", err);	/* for the later cases */
	return quiet();
}

/* The same burst with the IPv4 tunnels' outer next hop on the LAN port,
 * the IPv6 ones' on the WAN port: its runs change port four times.
 * tunnel_output.c gathers the frames it sends from the tunnels' caches
 * while they go out of one port and sends those when the next run's
 * port differs: each port gets its frames in the burst's order, and its
 * tx counters count exactly them. Once the long way (which fills the
 * caches), once from the caches. */
static bool runs_change_port(void)
{
	const struct burst_dst *to = mixed_burst;
	enum { N = RTE_DIM(mixed_burst) };
	const uint32_t spi[4] = { SPI_T0_OUT, SPI_T1_OUT, SPI_T2_OUT, SPI_T3_OUT };
	struct fgw_prefix host = unit_prefix("203.0.113.2/32");

	route("203.0.113.2/32", FGW_NH_CONNECTED, if_lan, NULL);
	neigh(if_lan, "203.0.113.2", &peer_mac);
	for (unsigned round = 0; round < 2; round++) {
		struct rte_mbuf *m[N], *out[2 * N];
		struct fgw_port_stats lan = w->stats.port[port_lan], wan = w->stats.port[port_wan];
		const uint16_t ports[2] = { port_lan, port_wan };
		unsigned n[2];

		for (unsigned i = 0; i < N; i++) {
			m[i] = ip4_pkt("192.0.2.10", to[i].dst, 100 + i, false, IPPROTO_UDP);
			eth_push(m[i], &dp.ifs[if_lan].mac, &host_mac);
		}
		feed(port_lan, m, N);
		for (unsigned p = 0; p < 2; p++) {
			const struct fgw_port_stats *was = p == 0 ? &lan : &wan;
			uint64_t bytes = 0;
			unsigned i = 0;

			n[p] = sent(ports[p], out, 2 * N);
			for (unsigned j = 0; j < n[p]; j++, i++) {
				const uint8_t *l3 = rte_pktmbuf_mtod_offset(out[j], const uint8_t *, 14);
				unsigned off = l3[0] >> 4 == 4 ? (l3[0] & 0x0f) * 4u : 40u;
				uint32_t v;

				/* the burst's next frame for this port */
				while (i < N && (to[i].t < 2) != (p == 0))
					i++;
				memcpy(&v, l3 + off, 4);
				EXPECT(i < N && ntohl(v) == spi[to[i].t],
				       "round %u port %u frame %u: SPI %08x", round, p, j, ntohl(v));
				bytes += out[j]->pkt_len;
			}
			free_all(out, n[p]);
			EXPECT(w->stats.port[ports[p]].tx_packets - was->tx_packets == n[p] &&
			       w->stats.port[ports[p]].tx_bytes - was->tx_bytes == bytes,
			       "round %u port %u: tx counters", round, p);
		}
		EXPECT(n[0] == 5 && n[1] == 4, "round %u: %u frames on the LAN, %u on the WAN",
		       round, n[0], n[1]);
		EXPECT(w->stats.encrypted - before.encrypted == N &&
		       w->stats.forwarded - before.forwarded == N, "round %u: counted", round);
	}
	EXPECT(fgw_route_del(&dp, &host) == 0, "route delete");
	return quiet();
}

/* Tunnel3: GRE without a key over IPv6, IPv4 inside, both ways. */
static bool gre_ipv6_outer(void)
{
	struct rte_mbuf *m = ip4_pkt("192.0.2.10", "198.18.1.9", 100, false, IPPROTO_UDP);
	struct rte_mbuf *out[4];
	const struct rte_ipv6_hdr *ip6;
	const uint8_t *g;
	unsigned n;

	eth_push(m, &dp.ifs[if_lan].mac, &host_mac);
	feed(port_lan, &m, 1);
	n = sent(port_wan, out, 4);
	EXPECT(n == 1, "%u frames on the WAN", n);
	EXPECT(peer_decap(out[0], peer_in_t3) == FGW_SA_DROP_NONE, "peer cannot decrypt");
	ip6 = rte_pktmbuf_mtod(out[0], const struct rte_ipv6_hdr *);
	g = (const uint8_t *)(ip6 + 1);
	EXPECT(ip6->proto == IPPROTO_GRE && g[0] == 0 && g[2] == 0x08 &&
	      out[0]->pkt_len == 40 + 4 + 120, "not GRE over IPv6 (%u bytes)", out[0]->pkt_len);
	free_all(out, n);
	return in_forwards(peer_encap(ip4_pkt("198.18.1.9", "192.0.2.10", 100, false,
					       IPPROTO_UDP), peer_out_t3), false);
}

/* The outer IPv6 fragments out[0..n) put back together as the peer's
 * stack would (Ethernet + IPv6 + payload, one segment); NULL when they are
 * not the fragments of one packet, in order, with the id given back. */
static struct rte_mbuf *reassemble6(struct rte_mbuf **out, unsigned n, uint32_t *id)
{
	struct rte_mbuf *m = mbuf_new();
	uint8_t *p = append(m, 14 + 40);
	unsigned at = 0;
	uint8_t nh = 0;

	for (unsigned i = 0; i < n; i++) {
		uint8_t hdr[14 + 40 + 8];
		const uint8_t *h = rte_pktmbuf_read(out[i], 0, sizeof(hdr), hdr);
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(h + 14);
		const struct rte_ipv6_fragment_ext *fh = (const void *)(ip + 1);
		unsigned off_flags = ntohs(fh->frag_data), len = ntohs(ip->payload_len) - 8;
		uint8_t *to;
		const void *from;

		if (ip->proto != IPPROTO_FRAGMENT || (off_flags & ~7u) != at ||
		    (off_flags & 1) != (i + 1 < n) || (i > 0 && fh->id != htonl(*id)) ||
		    out[i]->pkt_len != 14 + 40 + 8 + len || out[i]->pkt_len > 14 + 1280)
			goto fail;
		if (i == 0) {
			memcpy(p, h, 14 + 40);
			nh = fh->next_header;
			*id = ntohl(fh->id);
		}
		to = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
		if (to == NULL)
			goto fail;
		from = rte_pktmbuf_read(out[i], 14 + 40 + 8, len, to);
		if (from != to)
			memcpy(to, from, len);
		at += len;
	}
	((struct rte_ipv6_hdr *)(p + 14))->proto = nh;
	((struct rte_ipv6_hdr *)(p + 14))->payload_len = htons((uint16_t)at);
	return m;
fail:
	rte_pktmbuf_free(m);
	return NULL;
}

/* The outer IPv6 packet larger than the WAN's MTU (the tunnel's MTU above
 * what the link takes; a 1300-byte inner packet fits Tunnel2's): we are its
 * source, so it leaves in fragments with an Identification of their own,
 * DF on the inner packet or not, and the peer gets the ESP packet whole. */
static bool ipv6_outer_fragmented(void)
{
	uint16_t mtu = dp.ifs[if_wan].mtu;
	uint32_t id[2] = { 0, 0 };

	dp.ifs[if_wan].mtu = 1280;
	for (unsigned k = 0; k < 2; k++) {
		struct rte_mbuf *m = ip4_pkt("192.0.2.10", "198.51.100.200", 1280, k == 1,
					     IPPROTO_UDP);
		struct rte_mbuf *out[4], *whole;
		const struct rte_ipv4_hdr *ip;
		unsigned n;
		bool ok;

		eth_push(m, &dp.ifs[if_lan].mac, &host_mac);
		feed(port_lan, &m, 1);
		n = sent(port_wan, out, 4);
		whole = n == 2 ? reassemble6(out, n, &id[k]) : NULL;
		free_all(out, n);
		ok = whole != NULL && peer_decap(whole, peer_in_t2) == FGW_SA_DROP_NONE;
		if (ok) {
			ip = rte_pktmbuf_mtod(whole, const struct rte_ipv4_hdr *);
			ok = whole->pkt_len == 1300 && ip->dst_addr == unit_addr("198.51.100.200").v4 &&
			     ((const uint8_t *)(ip + 1))[1279] == (uint8_t)1279;
		}
		rte_pktmbuf_free(whole);
		if (!ok) {
			dp.ifs[if_wan].mtu = mtu;
			EXPECT(false, "packet %u: %u frames, not the ESP packet in two fragments", k, n);
		}
	}
	dp.ifs[if_wan].mtu = mtu;
	EXPECT(id[0] != id[1], "both packets' fragments have id %u", id[0]);
	EXPECT(w->stats.encrypted == before.encrypted + 1 &&
	      w->stats.drop[FGW_DROP_OUTER_TOO_BIG] == before.drop[FGW_DROP_OUTER_TOO_BIG],
	      "counters");
	return quiet();
}

/* ESP drops frames in the middle of a run the cached hop sends: frames
 * 0 and 2 of four into Tunnel0 without room in front for the outer
 * headers (NO_ROOM, counted), 1 and 3 leave, in order, each with its
 * Ethernet header (the run's EtherType read past the dropped first). */
static bool esp_drops_inside_a_run(void)
{
	struct rte_mbuf *m[4], *out[4];
	unsigned n;
	bool ok;

	for (unsigned k = 0; k < 4; k++) {
		m[k] = ip4_pkt("192.0.2.10", "198.51.100.7", 100 + k, false, IPPROTO_UDP);
		eth_push(m[k], &dp.ifs[if_lan].mac, &host_mac);
		if (k % 2 == 0) {
			/* 30 bytes of headroom: the Ethernet header's 14
			 * come back, ESP needs 36 and the Ethernet 14 */
			uint8_t *from = rte_pktmbuf_mtod(m[k], uint8_t *);

			m[k]->data_off = 30;
			memmove(rte_pktmbuf_mtod(m[k], uint8_t *), from, m[k]->data_len);
		}
	}
	feed(port_lan, m, 4);
	n = sent(port_wan, out, 4);
	ok = n == 2;
	for (unsigned i = 0; ok && i < n; i++) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(out[i], const struct rte_ether_hdr *);

		ok = eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
		     rte_is_same_ether_addr(&eth->dst_addr, &peer_mac) &&
		     rte_is_same_ether_addr(&eth->src_addr, &dp.ifs[if_wan].mac) &&
		     peer_decap(out[i], peer_in_t0) == FGW_SA_DROP_NONE &&
		     out[i]->pkt_len == 121 + 2 * i;
	}
	free_all(out, n);
	EXPECT(ok, "%u frames, not frames 1 and 3 in order", n);
	EXPECT(delta_drop(FGW_DROP_ESP_NO_ROOM) == 2 && w->stats.encrypted == before.encrypted + 2 &&
	       w->stats.forwarded == before.forwarded + 2, "counters");
	return quiet();
}

/* A burst into one tunnel whose middle packet's outer packet is larger
 * than the WAN's MTU: the frames leave in the burst's order, the one
 * before the fragments first (the cached hop sends a run's frames
 * together, and fragments in between). The peer takes each in order,
 * its replay window moving forward. */
static bool outer_fragments_keep_burst_order(void)
{
	uint16_t mtu = dp.ifs[if_wan].mtu;
	struct rte_mbuf *m[3], *out[5], *whole = NULL;
	uint32_t id;
	unsigned n;
	bool ok;

	dp.ifs[if_wan].mtu = 1280;
	for (unsigned k = 0; k < 3; k++) {
		m[k] = ip4_pkt("192.0.2.10", "198.51.100.200", k == 1 ? 1280 : 100 + k, false,
			       IPPROTO_UDP);
		eth_push(m[k], &dp.ifs[if_lan].mac, &host_mac);
	}
	feed(port_lan, m, 3);
	dp.ifs[if_wan].mtu = mtu;
	n = sent(port_wan, out, 5);
	ok = n == 4 && peer_decap(out[0], peer_in_t2) == FGW_SA_DROP_NONE &&
	     out[0]->pkt_len == 120;
	if (ok) {
		whole = reassemble6(out + 1, 2, &id);
		ok = whole != NULL && peer_decap(whole, peer_in_t2) == FGW_SA_DROP_NONE &&
		     whole->pkt_len == 1300;
	}
	ok = ok && peer_decap(out[3], peer_in_t2) == FGW_SA_DROP_NONE && out[3]->pkt_len == 122;
	rte_pktmbuf_free(whole);
	free_all(out, n);
	EXPECT(ok, "%u frames, not small, two fragments, small in that order", n);
	EXPECT(w->stats.encrypted == before.encrypted + 3 &&
	       w->stats.forwarded == before.forwarded + 3, "counters");
	return quiet();
}

static bool natt_in_and_ike_punted(void)
{
	struct rte_mbuf *m = ip4_pkt("203.0.113.2", "203.0.113.1", 8 + 40, false, IPPROTO_UDP);
	struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 20);
	struct rte_mbuf *p[4];
	unsigned n;

	/* IKE: the four zero bytes of the non-ESP marker. */
	memset((uint8_t *)udp, 0, 8 + 40);
	udp->src_port = htons(4500);
	udp->dst_port = htons(4500);
	udp->dgram_len = htons(48);
	eth_push(m, &dp.ifs[if_wan].mac, &peer_mac);
	feed(port_wan, &m, 1);
	n = rte_ring_dequeue_burst(dp.punt, (void **)p, 4, NULL);
	EXPECT(n == 1 && fgw_punt_meta(&dp, p[0])->reason == FGW_PUNT_LOCAL, "IKE not punted");
	free_all(p, n);
	/* ESP in UDP: a peer SA with NAT-T ports. */
	struct fgw_sa *natt = fgw_sa_alloc(0, SOCKET_ID_ANY);
	struct fgw_sa_keys keys;
	char err[256];

	*natt = *peer_out_t0;	/* the same SPI, keys and numbers, UDP encapsulated */
	natt->natt_sport = 4500;
	natt->natt_dport = 4500;
	for (unsigned i = 0; i < sizeof(keys.enc); i++)
		keys.enc[i] = (uint8_t)(2 + i);
	for (unsigned i = 0; i < sizeof(keys.auth); i++)
		keys.auth[i] = (uint8_t)(6 + i);
	EXPECT(fgw_sa_prepare(natt, &keys, peer.mgr, err, sizeof(err)) == 0, "%s", err);
	m = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 100, false, IPPROTO_UDP), natt);
	peer_out_t0->seq = natt->seq;
	fgw_sa_free(natt);
	return in_forwards(m, false);
}

static bool gre_out_and_in(void)
{
	struct rte_mbuf *m = ip4_pkt("192.0.2.10", "198.18.0.9", 500, false, IPPROTO_UDP);
	const uint8_t *g;
	const struct rte_ipv4_hdr *ip;

	eth_push(m, &dp.ifs[if_lan].mac, &host_mac);
	feed(port_lan, &m, 1);
	m = one_esp_out(SPI_T1_OUT);
	if (m == NULL)
		return false;
	EXPECT(peer_decap(m, peer_in_t1) == FGW_SA_DROP_NONE, "peer cannot decrypt");
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	EXPECT(ip->next_proto_id == IPPROTO_GRE && ip->dst_addr == unit_addr("203.0.113.2").v4,
	      "not GRE to the peer");
	g = (const uint8_t *)(ip + 1);
	EXPECT(g[0] == 0x20 && g[2] == 0x08 && g[3] == 0 && g[7] == 42, "GRE header %02x%02x",
	      g[0], g[1]);
	EXPECT(m->pkt_len == 20 + 8 + 520, "length %u", m->pkt_len);
	rte_pktmbuf_free(m);
	if (!quiet())
		return false;
	if (!in_forwards(peer_encap(ip6_pkt("2001:db8:2::9", "2001:db8:1::10", 80), peer_out_t1),
			 true))
		return false;
	return in_forwards(peer_encap(ip4_pkt("198.18.0.9", "192.0.2.10", 80, false,
					       IPPROTO_UDP), peer_out_t1), false);
}

/* RFC 6040 section 4.2 at GRE decapsulation (RFC 9601), as ESP's tunnel
 * mode applies it: the delivery header's ECN field (outer, the IPv4
 * header ESP's transport mode keeps) combined into the inner IPv4 or IPv6
 * packet; CE on a not-ECT packet dropped as ESP_ECN. An inner IPv4
 * packet forwarded has its checksum right (the IPv4 pass checks GRE's
 * inner packets in full). */
static bool gre_ecn_at_decapsulation(void)
{
	static const struct { uint8_t outer, inner; int want; } c[] = {
		{ 3, 2, 3 }, { 3, 1, 3 }, { 1, 2, 1 }, { 2, 1, 1 }, { 0, 2, 2 }, { 1, 0, 0 },
		{ 2, 2, 2 }, { 3, 3, 3 }, { 3, 0, -1 },
	};

	for (unsigned v6 = 0; v6 < 2; v6++) {
		for (unsigned i = 0; i < RTE_DIM(c); i++) {
			struct rte_mbuf *m = v6 ? ip6_pkt("2001:db8:2::9", "2001:db8:1::10", 80) :
				ip4_pkt("198.18.0.9", "192.0.2.10", 80, false, IPPROTO_UDP);
			uint8_t *b = rte_pktmbuf_mtod(m, uint8_t *), got;
			struct rte_ipv4_hdr *outer;
			struct rte_mbuf *out[4];
			unsigned n;

			if (v6) {
				b[1] = (uint8_t)(b[1] | c[i].inner << 4);
			} else {
				struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;

				ip->type_of_service = c[i].inner;
				ip->hdr_checksum = 0;
				ip->hdr_checksum = rte_ipv4_cksum(ip);
			}
			m = peer_encap(m, peer_out_t1);
			outer = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
			outer->type_of_service = c[i].outer;
			outer->hdr_checksum = 0;
			outer->hdr_checksum = rte_ipv4_cksum(outer);
			feed(port_wan, &m, 1);
			n = sent(port_lan, out, 4);
			if (c[i].want < 0) {
				free_all(out, n);
				EXPECT(n == 0 && delta_drop(FGW_DROP_ESP_ECN) == 1,
				       "IPv%c outer %u inner %u: %u forwarded, not dropped as ECN",
				       v6 ? '6' : '4', c[i].outer, c[i].inner, n);
				continue;
			}
			EXPECT(n == 1, "IPv%c outer %u inner %u: %u forwarded", v6 ? '6' : '4',
			       c[i].outer, c[i].inner, n);
			b = rte_pktmbuf_mtod_offset(out[0], uint8_t *, 14);
			got = v6 ? b[1] >> 4 & 3 : b[1] & 3;
			free_all(out, n);
			EXPECT(got == c[i].want, "IPv%c outer %u inner %u: ECN %u, expected %d",
			       v6 ? '6' : '4', c[i].outer, c[i].inner, got, c[i].want);
		}
	}
	return quiet();
}

/* An IPv4 packet's header edited after ip4_pkt: its checksum set again. */
static struct rte_mbuf *ip4_edited(const char *src, const char *dst, uint8_t ttl,
				   uint8_t version_ihl, unsigned extra_len)
{
	struct rte_mbuf *m = ip4_pkt(src, dst, 60, false, IPPROTO_UDP);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

	ip->time_to_live = ttl;
	ip->version_ihl = version_ihl;
	ip->total_length = htons((uint16_t)(ntohs(ip->total_length) + extra_len));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

/* The checks a router makes of every packet it forwards (RFC 1812) are
 * made of decrypted ones too, in one burst with good packets to the same
 * destination around them: tunnel mode (whose decapsulation checked the
 * version and lengths, fgw_ipv4_inner_input skips those; the peer's encryption
 * refuses the last two packets, test_esp sends them) and GRE (checked in
 * full). */
static bool inner_ipv4_checked_after_decap(void)
{
	struct fgw_sa *sas[] = { peer_out_t0, peer_out_t1 };
	const char *srcs[] = { "198.51.100.7", "198.18.0.9" };

	for (unsigned t = 0; t < 2; t++) {
		const char *src = srcs[t];
		struct rte_mbuf *in[] = {
			ip4_edited(src, "192.0.2.10", 64, 0x45, 0),
			ip4_edited(src, "192.0.2.10", 1, 0x45, 0),	/* TTL_EXCEEDED */
			ip4_edited(src, "192.0.2.10", 64, 0x45, 0),	/* checksum, below */
			ip4_edited(src, "192.0.2.10", 64, 0x45, 0),
			ip4_edited("127.0.0.1", "192.0.2.10", 64, 0x45, 0),
			ip4_edited(src, "224.0.0.5", 64, 0x45, 0),
			ip4_edited(src, "0.1.2.3", 64, 0x45, 0),
			ip4_edited(src, "255.255.255.255", 64, 0x45, 0),
			ip4_edited(src, "192.0.2.10", 64, 0x44, 0),	/* IHL 4 */
			ip4_edited(src, "192.0.2.10", 64, 0x45, 40),	/* longer than sent */
		};
		unsigned n_in = t == 0 ? RTE_DIM(in) - 2 : RTE_DIM(in), n;
		struct rte_mbuf *out[16];
		bool ttl = false, local = false;

		rte_pktmbuf_mtod(in[2], struct rte_ipv4_hdr *)->hdr_checksum ^= 0x0100;
		for (unsigned i = 0; i < n_in; i++)
			in[i] = peer_encap(in[i], sas[t]);
		for (unsigned i = n_in; i < RTE_DIM(in); i++)
			rte_pktmbuf_free(in[i]);
		feed(port_wan, in, n_in);
		n = sent(port_lan, out, 16);
		free_all(out, n);
		EXPECT(n == 2 && w->stats.forwarded == before.forwarded + 2, "%u forwarded", n);
		EXPECT(delta_drop(FGW_DROP_IPV4_CHECKSUM) == 1 && delta_drop(FGW_DROP_BAD_SOURCE) == 1 &&
		      delta_drop(FGW_DROP_MULTICAST) == 1, "checksum, source or multicast drops");
		EXPECT(w->stats.decrypted == before.decrypted + n_in, "decrypted");
		if (t == 0)
			EXPECT(delta_drop(FGW_DROP_IPV4_HEADER) == 1, "header drops");
		else
			EXPECT(delta_drop(FGW_DROP_IPV4_HEADER) == 2 && delta_drop(FGW_DROP_RUNT) == 1,
			      "GRE's header and length drops");
		n = rte_ring_dequeue_burst(dp.punt, (void **)out, 16, NULL);
		for (unsigned i = 0; i < n; i++) {
			ttl |= fgw_punt_meta(&dp, out[i])->reason == FGW_PUNT_TTL_EXCEEDED;
			local |= fgw_punt_meta(&dp, out[i])->reason == FGW_PUNT_LOCAL;
		}
		free_all(out, n);
		EXPECT(n == 2 && ttl && local, "%u punts", n);
		if (!quiet())
			return false;
	}
	return true;
}

/* A decrypted burst leaves in order whichever way its packets go: the
 * IPv4 pass sends the packets that follow its first one's way out of a
 * port at once and takes any other, and every one after that, through
 * the FIB together. Round 0 starts to one LAN host, then another, the
 * first again, one packet back out through Tunnel1 (198.18.0.0/24), a TTL
 * 1 packet; round 1 starts into Tunnel1. The LAN frames carry their
 * lengths in order, TTL 63, checksum right. */
static bool decrypted_burst_leaves_in_order(void)
{
	static const struct {
		const char *dst;
		uint8_t ttl;
	} round[2][6] = {
		{ { "192.0.2.10", 64 }, { "192.0.2.11", 64 }, { "192.0.2.10", 64 },
		  { "198.18.0.5", 64 }, { "192.0.2.10", 1 }, { "192.0.2.10", 64 } },
		{ { "198.18.0.5", 64 }, { "198.18.0.6", 64 }, { "192.0.2.10", 64 },
		  { "198.18.0.7", 64 }, { "192.0.2.11", 64 }, { "192.0.2.10", 64 } },
	};

	neigh(if_lan, "192.0.2.11", &host_mac);

	for (unsigned r = 0; r < 2; r++) {
		struct rte_mbuf *in[6], *out[16];
		unsigned lan = 0, wan = 0, n, want_lan = 0, want_wan = 0, punts;
		uint16_t lens[6];

		for (unsigned i = 0; i < 6; i++) {
			in[i] = ip4_edited("198.51.100.7", round[r][i].dst, round[r][i].ttl, 0x45, 0);
			/* the packet's length names it */
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(in[i], struct rte_ipv4_hdr *);

			rte_pktmbuf_trim(in[i], (uint16_t)(6 - i));
			ip->total_length = htons((uint16_t)(ntohs(ip->total_length) - (6 - i)));
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			if (round[r][i].dst[2] == '2' && round[r][i].ttl > 1)
				lens[want_lan++] = ntohs(ip->total_length);
			else if (round[r][i].ttl > 1)
				want_wan++;
			in[i] = peer_encap(in[i], peer_out_t0);
		}
		feed(port_wan, in, 6);
		n = sent(port_lan, out, 16);
		for (unsigned i = 0; i < n; i++) {
			const struct rte_ipv4_hdr *ip =
				rte_pktmbuf_mtod_offset(out[i], const struct rte_ipv4_hdr *, 14);

			EXPECT(i < want_lan && ntohs(ip->total_length) == lens[i] &&
			       ip->time_to_live == 63 && rte_raw_cksum(ip, sizeof(*ip)) == 0xffff,
			       "round %u: LAN frame %u of length %u, TTL %u", r, i,
			       ntohs(ip->total_length), ip->time_to_live);
			lan++;
		}
		free_all(out, n);
		wan = sent(port_wan, out, 16);
		free_all(out, wan);
		punts = rte_ring_dequeue_burst(dp.punt, (void **)out, 16, NULL);
		for (unsigned i = 0; i < punts; i++)
			EXPECT(fgw_punt_meta(&dp, out[i])->reason == FGW_PUNT_TTL_EXCEEDED,
			       "round %u: punted %u", r, fgw_punt_meta(&dp, out[i])->reason);
		free_all(out, punts);
		EXPECT(lan == want_lan && wan == want_wan && punts == (r == 0 ? 1u : 0u),
		       "round %u: %u LAN, %u WAN frames, %u punts", r, lan, wan, punts);
		EXPECT(w->stats.decrypted == before.decrypted + 6, "round %u: decrypted", r);
		if (!quiet())
			return false;
	}
	return true;
}

static bool gre_wrong_key_drops(void)
{
	struct rte_mbuf *m = ip4_pkt("198.18.0.9", "192.0.2.10", 80, false, IPPROTO_UDP);
	uint8_t verdict;

	gre_wrap(m);
	rte_pktmbuf_mtod_offset(m, uint8_t *, 20)[7] = 43;
	fgw_esp_encap(&peer, &m, &peer_out_t1, 1, &verdict);
	eth_push(m, &dp.ifs[if_wan].mac, &peer_mac);
	feed(port_wan, &m, 1);
	EXPECT(delta_drop(FGW_DROP_GRE) == 1, "not dropped as GRE");
	return quiet();
}

/* Replayed, truncated, corrupted and unknown-SPI packets: each dropped and
 * counted under its reason; nothing comes out. */
static bool bad_esp_dropped(void)
{
	struct rte_mbuf *m = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 100, false,
						IPPROTO_UDP), peer_out_t0);
	struct rte_mbuf *copy = rte_pktmbuf_copy(m, dp.pool, 0, UINT32_MAX);
	struct rte_mbuf *c2 = rte_pktmbuf_copy(m, dp.pool, 0, UINT32_MAX);
	struct rte_mbuf *c3 = rte_pktmbuf_copy(m, dp.pool, 0, UINT32_MAX);
	struct rte_mbuf *out[4];
	unsigned n;
	uint32_t spi;

	EXPECT(copy && c2 && c3, "copies");
	feed(port_wan, &m, 1);
	n = sent(port_lan, out, 4);
	free_all(out, n);
	EXPECT(n == 1, "first copy not forwarded");
	feed(port_wan, &copy, 1);
	EXPECT(delta_drop(FGW_DROP_ESP_REPLAY) == 1, "replay not dropped");
	/* corrupted: a ciphertext byte */
	m = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 100, false, IPPROTO_UDP),
		       peer_out_t0);
	rte_pktmbuf_mtod(m, uint8_t *)[14 + 20 + 8 + 8 + 5] ^= 1;
	feed(port_wan, &m, 1);
	EXPECT(delta_drop(FGW_DROP_ESP_AUTH) == 1, "corruption not dropped as AUTH");
	/* truncated: the outer IP length says more than the frame holds */
	rte_pktmbuf_trim(c2, 30);
	feed(port_wan, &c2, 1);
	EXPECT(delta_drop(FGW_DROP_RUNT) == 1, "truncated frame not dropped as runt");
	/* truncated to the ESP header, with a consistent IP length */
	rte_pktmbuf_trim(c3, (uint16_t)(c3->pkt_len - (14 + 20 + 6)));
	{
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(c3, struct rte_ipv4_hdr *, 14);

		ip->total_length = htons(26);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	feed(port_wan, &c3, 1);
	EXPECT(delta_drop(FGW_DROP_ESP_TRUNCATED) == 1, "short ESP not dropped as truncated");
	/* unknown SPI: right slot, wrong generation */
	m = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 100, false, IPPROTO_UDP),
		       peer_out_t0);
	spi = htonl(SPI_T0_IN ^ 0x01000000u);
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, 14 + 20), &spi, 4);
	feed(port_wan, &m, 1);
	EXPECT(delta_drop(FGW_DROP_NO_SA) == 1, "unknown SPI not dropped as NO_SA");
	return quiet();
}

/* ESP input takes the frames at the head of a chunk that carry one SPI
 * with one SA lookup (esp_input.c, lead_run): a burst of one SA's frames
 * with one odd frame, at each place, whose SPI differs (the same table
 * slot, another generation) or that is too short for an SPI. The odd
 * frame is dropped under its own reason, the others forwarded. */
static bool one_spi_burst_with_odd_frame(void)
{
	enum { N = 5 };

	for (unsigned kind = 0; kind < 2; kind++) {
		for (unsigned at = 0; at < N; at++) {
			struct rte_mbuf *m[N], *out[2 * N];
			unsigned n;

			for (unsigned i = 0; i < N; i++)
				m[i] = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 100 + i, false,
							  IPPROTO_UDP), peer_out_t0);
			if (kind == 0) {
				uint32_t spi = htonl(SPI_T0_IN ^ 0x01000000u);

				memcpy(rte_pktmbuf_mtod_offset(m[at], uint8_t *, 14 + 20), &spi, 4);
			} else {
				struct rte_ipv4_hdr *ip =
					rte_pktmbuf_mtod_offset(m[at], struct rte_ipv4_hdr *, 14);

				rte_pktmbuf_trim(m[at], (uint16_t)(m[at]->pkt_len - (14 + 20 + 6)));
				ip->total_length = htons(26);
				ip->hdr_checksum = 0;
				ip->hdr_checksum = rte_ipv4_cksum(ip);
			}
			feed(port_wan, m, N);
			n = sent(port_lan, out, 2 * N);
			free_all(out, n);
			EXPECT(n == N - 1 && w->stats.decrypted == before.decrypted + N - 1,
			       "odd frame %u at %u: %u forwarded", kind, at, n);
			EXPECT(delta_drop(kind == 0 ? FGW_DROP_NO_SA : FGW_DROP_ESP_TRUNCATED) == 1 &&
			       delta_drop(FGW_DROP_ESP_AUTH) == 0,
			       "odd frame %u at %u: not dropped under its reason", kind, at);
		}
	}
	return quiet();
}

/* Make-before-break: the new inbound SA is added while the old one still
 * works; packets on both, in one burst, all get through; then the old one
 * goes and only its packets stop. The outbound SA is swapped between two
 * bursts without losing one. */
/* Tunnel0 gets a new outbound SA with SPI_T0_OUT's keys: it restarts its
 * sequence numbers, and so does the peer's inbound SA. */
static bool t0_out_renew(char *err, size_t errlen)
{
	if (fgw_tunnel_sa_out_set(&dp, (uint16_t)if_t0,
				  sa_new(FGW_TUNNEL_IPSEC, SPI_T0_OUT, false, false, 1,
					 fgw_dp_crypto_mgr(&dp)), err, errlen) < 0)
		return false;
	fgw_sa_free(peer_in_t0);
	peer_in_t0 = sa_new(FGW_TUNNEL_IPSEC, SPI_T0_OUT, true, true, 1, peer.mgr);
	return true;
}

static bool sa_swap_loses_nothing(void)
{
	struct rte_mbuf *m[16], *out[32];
	unsigned n;
	char err[256];

	EXPECT(fgw_sa_in_add(&dp, (uint16_t)if_t0,
			    sa_new(FGW_TUNNEL_IPSEC, SPI_T0_IN_NEW, true, false, 5,
				   fgw_dp_crypto_mgr(&dp)), 0, err, sizeof(err)) == 0, "%s", err);
	for (unsigned i = 0; i < 16; i++)
		m[i] = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 60 + i, false,
					  IPPROTO_UDP), i % 2 ? peer_out_t0_new : peer_out_t0);
	feed(port_wan, m, 16);
	n = sent(port_lan, out, 32);
	free_all(out, n);
	EXPECT(n == 16, "%u of 16 across the swap", n);
	EXPECT(fgw_sa_in_del(&dp, SPI_T0_IN) == 0, "old SA not deleted");
	m[0] = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 60, false, IPPROTO_UDP),
			  peer_out_t0);
	m[1] = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 60, false, IPPROTO_UDP),
			  peer_out_t0_new);
	feed(port_wan, m, 2);
	n = sent(port_lan, out, 32);
	free_all(out, n);
	EXPECT(n == 1 && delta_drop(FGW_DROP_NO_SA) == 1, "after delete: %u through", n);

	/* outbound: bursts before and after a replace */
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < 8; i++) {
			m[i] = ip4_pkt("192.0.2.10", "198.51.100.7", 100, false, IPPROTO_UDP);
			eth_push(m[i], &dp.ifs[if_lan].mac, &host_mac);
		}
		feed(port_lan, m, 8);
		n = sent(port_wan, out, 32);
		for (unsigned i = 0; i < n; i++) {
			uint8_t v = peer_decap(out[i], peer_in_t0);

			EXPECT(v == FGW_SA_DROP_NONE, "round %u: %s", round, fgw_sa_drop_name(v));
		}
		free_all(out, n);
		EXPECT(n == 8, "round %u: %u of 8 encrypted", round, n);
		EXPECT(t0_out_renew(err, sizeof(err)), "%s", err);
	}
	return quiet();
}

/* Each worker reads the tunnel's SA from its own line of the tunnel:
 * a replace reaches both workers' copies, a removal drops on both
 * (NO_SA, counted on the tunnel), and the original comes back. */
static bool every_worker_follows_the_tunnel_sa(void)
{
	const uint32_t spi_new = 0x0a0001aau;
	struct fgw_sa *peer_new = sa_new(FGW_TUNNEL_IPSEC, spi_new, true, true, 7, peer.mgr);
	struct fgw_tunnel_counters c0, c1;
	struct rte_mbuf *m, *out[8];
	char err[256];

	EXPECT(fgw_tunnel_sa_out_set(&dp, (uint16_t)if_t0,
				    sa_new(FGW_TUNNEL_IPSEC, spi_new, false, false, 7,
					   fgw_dp_crypto_mgr(&dp)), err, sizeof(err)) == 0, "%s", err);
	for (unsigned round = 0; round < 3; round++) {
		if (round == 1)
			EXPECT(fgw_tunnel_sa_out_set(&dp, (uint16_t)if_t0, NULL, err,
						    sizeof(err)) == 0, "%s", err);
		if (round == 2)		/* back to what the later cases expect */
			EXPECT(t0_out_renew(err, sizeof(err)), "%s", err);
		for (unsigned i = 0; i < dp.n_workers; i++) {
			struct fgw_worker *wk = dp.workers[i];
			uint64_t no_sa = wk->stats.drop[FGW_DROP_NO_SA];
			unsigned n;

			fgw_worker_service(wk);		/* its neighbour table */
			fgw_tunnel_counters_sum(&dp, (uint32_t)if_t0, &c0);
			m = ip4_pkt("192.0.2.10", "198.51.100.7", 100, false, IPPROTO_UDP);
			eth_push(m, &dp.ifs[if_lan].mac, &host_mac);
			fgw_worker_process_burst(&dp, wk, port_lan, &m, 1);
			fgw_worker_service(wk);
			n = rte_eth_rx_burst(port_wan, (uint16_t)i, out, 8);
			fgw_tunnel_counters_sum(&dp, (uint32_t)if_t0, &c1);
			if (round == 1) {
				free_all(out, n);
				EXPECT(n == 0 && wk->stats.drop[FGW_DROP_NO_SA] == no_sa + 1 &&
				       c1.drops == c0.drops + 1 && c1.tx_packets == c0.tx_packets,
				       "worker %u without an SA: %u sent", i, n);
				continue;
			}
			EXPECT(n == 1, "round %u, worker %u: %u frames", round, i, n);
			{
				struct fgw_sa *want = round == 0 ? peer_new : peer_in_t0;
				uint8_t v = peer_decap(out[0], want);

				rte_pktmbuf_free(out[0]);
				EXPECT(v == FGW_SA_DROP_NONE, "round %u, worker %u: %s", round, i,
				       fgw_sa_drop_name(v));
			}
			EXPECT(c1.tx_packets == c0.tx_packets + 1 && c1.drops == c0.drops,
			       "round %u, worker %u: tunnel counters", round, i);
		}
	}
	fgw_sa_free(peer_new);
	return quiet();
}

/* A deleted tunnel's ifindex taken by the next tunnel: the workers'
 * lines of it (fgw_tunnel_w, a table by ifindex) start over, none of the
 * last tunnel's counters, next-hop cache or SA left in them. */
static bool reused_ifindex_starts_clean(void)
{
	struct fgw_tunnel_params p = {
		.name = "TunnelR", .kind = FGW_TUNNEL_GRE, .src = unit_addr("203.0.113.1"),
		.dst = unit_addr("203.0.113.2"),
	};
	struct fgw_tunnel_counters c;
	char err[256];
	int a, b;

	a = fgw_tunnel_add(&dp, &p, err, sizeof(err));
	EXPECT(a >= 0, "%s", err);
	EXPECT(fgw_tunnel_sa_out_set(&dp, (uint32_t)a,
				    sa_new(FGW_TUNNEL_GRE, 0x0a0001bbu, false, false, 3,
					   fgw_dp_crypto_mgr(&dp)), err, sizeof(err)) == 0, "%s", err);
	for (unsigned i = 0; i < dp.n_workers; i++) {
		struct fgw_tunnel_worker *tw = fgw_tunnel_w(&dp, (uint32_t)a, i);

		EXPECT(tw->sa_out == fgw_tunnel_sa_out_get(&dp, (uint32_t)a) &&
		       tw->kind == FGW_TUNNEL_GRE && tw->mss == 0 && tw->up &&
		       tw->mtu == dp.ifs[a].mtu, "worker %u's copies", i);
		/* what traffic would have left behind */
		tw->tx_packets = tw->rx_bytes = tw->tx_drops = tw->rx_drops = 7;
		tw->hop.route_gen = tw->hop.neigh_gen = 1;
	}
	EXPECT(fgw_tunnel_del(&dp, (uint32_t)a) == 0, "delete");
	for (unsigned i = 0; i < dp.n_workers; i++)
		EXPECT(!fgw_tunnel_w(&dp, (uint32_t)a, i)->up, "worker %u sees it up", i);
	p.name = "TunnelS";
	p.mtu = 1300;
	p.kind = FGW_TUNNEL_IPSEC;
	p.tcp_mss = 1200;
	b = fgw_tunnel_add(&dp, &p, err, sizeof(err));
	EXPECT(b == a, "ifindex %d, the deleted one was %d", b, a);
	fgw_tunnel_counters_sum(&dp, (uint32_t)b, &c);
	EXPECT(c.tx_packets == 0 && c.rx_bytes == 0 && c.drops == 0, "counters carried over");
	for (unsigned i = 0; i < dp.n_workers; i++) {
		const struct fgw_tunnel_worker *tw = fgw_tunnel_w(&dp, (uint32_t)b, i);

		EXPECT(tw->sa_out == NULL && tw->hop.route_gen == 0 && tw->kind == FGW_TUNNEL_IPSEC &&
		       tw->mss == 1200 && tw->rx_mss == 1200 && tw->up && tw->mtu == 1300,
		       "worker %u's line", i);
	}
	EXPECT(fgw_tunnel_del(&dp, (uint32_t)b) == 0, "delete");
	return quiet();
}

static bool too_big_df_punts_tunnel_mtu(void)
{
	struct rte_mbuf *m = ip4_pkt("192.0.2.10", "198.51.100.7", 1400, true, IPPROTO_UDP);
	struct rte_mbuf *p[4];
	unsigned n;

	eth_push(m, &dp.ifs[if_lan].mac, &host_mac);
	feed(port_lan, &m, 1);
	n = rte_ring_dequeue_burst(dp.punt, (void **)p, 4, NULL);
	EXPECT(n == 1 && fgw_punt_meta(&dp, p[0])->reason == FGW_PUNT_FRAG_NEEDED &&
	      fgw_punt_meta(&dp, p[0])->mtu == 1400, "not punted FRAG_NEEDED with MTU 1400");
	free_all(p, n);
	return quiet();
}

static bool too_big_fragments_before_encryption(void)
{
	struct rte_mbuf *m = ip4_pkt("192.0.2.10", "198.51.100.7", 2000, false, IPPROTO_UDP);
	struct rte_mbuf *out[8];
	unsigned n, total = 0;

	eth_push(m, &dp.ifs[if_lan].mac, &host_mac);
	feed(port_lan, &m, 1);
	n = sent(port_wan, out, 8);
	EXPECT(n == 2, "%u ESP frames, expected 2", n);
	for (unsigned i = 0; i < n; i++) {
		EXPECT(out[i]->pkt_len - 14 <= 1500, "ESP frame of %u", out[i]->pkt_len);
		EXPECT(peer_decap(out[i], peer_in_t0) == FGW_SA_DROP_NONE, "fragment %u", i);
		total += out[i]->pkt_len - 20;
	}
	free_all(out, n);
	EXPECT(total == 2000, "fragments carry %u bytes", total);
	EXPECT(w->stats.forwarded == before.forwarded + 1 &&
	      w->stats.fragmented == before.fragmented + 1, "counted once");
	return quiet();
}

/* A TCP SYN's 24 bytes offering an MSS of 1460, its checksum left to
 * the caller's address family. */
static void syn_header(struct rte_tcp_hdr *tcp)
{
	uint8_t *opt = (uint8_t *)(tcp + 1);

	memset(tcp, 0, 24);
	tcp->data_off = 6 << 4;
	tcp->tcp_flags = RTE_TCP_SYN_FLAG;
	opt[0] = 2;
	opt[1] = 4;
	opt[2] = 1460 >> 8;
	opt[3] = 1460 & 0xff;
}

static struct rte_mbuf *syn(const char *src, const char *dst)
{
	struct rte_mbuf *m = ip4_pkt(src, dst, 24, false, IPPROTO_TCP);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);

	syn_header(tcp);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	return m;
}

/* The SYN's MSS is Tunnel0's 1360 and its checksum still right; ip at
 * the IPv4 header. */
static bool mss_is_1360(struct rte_ipv4_hdr *ip)
{
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	const uint8_t *opt = (const uint8_t *)(tcp + 1);

	EXPECT((opt[2] << 8 | opt[3]) == 1360, "MSS %u", opt[2] << 8 | opt[3]);
	EXPECT(rte_ipv4_udptcp_cksum_verify(ip, tcp) == 0, "TCP checksum broken");
	return true;
}

/* Both ways: into the tunnel and out of it (the worker's copies of the
 * tunnel's MSS, one per direction). */
static bool syn_mss_clamped(void)
{
	struct rte_mbuf *m = syn("192.0.2.10", "198.51.100.7");
	struct rte_mbuf *out[4];
	unsigned n;
	bool ok;

	eth_push(m, &dp.ifs[if_lan].mac, &host_mac);
	feed(port_lan, &m, 1);
	n = sent(port_wan, out, 4);
	EXPECT(n == 1, "%u frames", n);
	EXPECT(peer_decap(out[0], peer_in_t0) == FGW_SA_DROP_NONE, "peer cannot decrypt");
	ok = mss_is_1360(rte_pktmbuf_mtod(out[0], struct rte_ipv4_hdr *));
	free_all(out, n);
	if (!ok)
		return false;

	/* sa_swap_loses_nothing left the peer's new SA as Tunnel0's inbound */
	m = peer_encap(syn("198.51.100.7", "192.0.2.10"), peer_out_t0_new);
	feed(port_wan, &m, 1);
	n = sent(port_lan, out, 4);
	EXPECT(n == 1, "inbound: %u frames", n);
	ok = mss_is_1360(rte_pktmbuf_mtod_offset(out[0], struct rte_ipv4_hdr *,
						 RTE_ETHER_HDR_LEN));
	free_all(out, n);
	return ok && quiet();
}

/* The same for IPv6 inner packets, into the tunnel: the SYN announces 20
 * bytes less (1340), so that its segments, 20 bytes of header longer than
 * IPv4's, fit the MTU of 1400 too. */
static bool syn6_mss_clamped(void)
{
	struct rte_mbuf *m = ip6_pkt("2001:db8:1::10", "2001:db8:2::7", 24);
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	const uint8_t *opt;
	struct rte_mbuf *out[4];
	unsigned n, got;

	ip->proto = IPPROTO_TCP;
	syn_header(tcp);
	tcp->cksum = rte_ipv6_udptcp_cksum(ip, tcp);
	eth_push(m, &dp.ifs[if_lan].mac, &host_mac);
	feed(port_lan, &m, 1);
	n = sent(port_wan, out, 4);
	EXPECT(n == 1, "%u frames", n);
	EXPECT(peer_decap(out[0], peer_in_t0) == FGW_SA_DROP_NONE, "peer cannot decrypt");
	ip = rte_pktmbuf_mtod(out[0], struct rte_ipv6_hdr *);
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	opt = (uint8_t *)(tcp + 1);
	got = opt[2] << 8 | opt[3];
	n = rte_ipv6_udptcp_cksum_verify(ip, tcp);
	free_all(out, 1);
	EXPECT(got == 1340, "MSS %u", got);
	EXPECT(n == 0, "TCP checksum broken");
	return quiet();
}

/* An outer IPv4 fragment of frame f (Ethernet + IPv4): payload bytes
 * [off, off + len). */
static struct rte_mbuf *fragment_of(const struct rte_mbuf *f, unsigned off, unsigned len,
				    bool more)
{
	const uint8_t *src = rte_pktmbuf_mtod(f, const uint8_t *);
	struct rte_mbuf *m = mbuf_new();
	uint8_t *p = append(m, 14 + 20 + len);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + 14);

	memcpy(p, src, 14 + 20);
	memcpy(p + 14 + 20, src + 14 + 20 + off, len);
	ip->total_length = htons((uint16_t)(20 + len));
	ip->fragment_offset = htons((uint16_t)(off / 8 | (more ? RTE_IPV4_HDR_MF_FLAG : 0)));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

static bool fragmented_esp_reassembled(void)
{
	/* (after sa_swap_loses_nothing: the new inbound SA) */
	struct rte_mbuf *whole = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 1200, false,
						    IPPROTO_UDP), peer_out_t0_new);
	unsigned payload = whole->pkt_len - 14 - 20;
	struct rte_mbuf *first = fragment_of(whole, 0, 800, true);
	struct rte_mbuf *last = fragment_of(whole, 800, payload - 800, false);
	struct rte_mbuf *out[4];
	unsigned n;

	rte_pktmbuf_free(whole);
	feed(port_wan, &last, 1);
	EXPECT(w->stats.frag_held == before.frag_held + 1, "last fragment not held");
	EXPECT(sent(port_lan, out, 4) == 0, "something came out early");
	feed(port_wan, &first, 1);
	n = sent(port_lan, out, 4);
	free_all(out, n);
	EXPECT(n == 1 && w->stats.reassembled == before.reassembled + 1 &&
	      w->stats.forwarded == before.forwarded + 1, "%u forwarded after reassembly", n);
	return quiet();
}

/* An inbound SA owned by worker 1: worker 0 hands its packets over, worker
 * 1 decrypts and forwards them (on its own TX queue, 1). */
static bool other_workers_sa_is_handed_off(void)
{
	struct fgw_worker *w1 = dp.workers[1];
	struct fgw_worker_stats b1 = w1->stats;
	struct fgw_sa *peer_sa = sa_new(FGW_TUNNEL_IPSEC, 0x0d000103u, false, true, 9, peer.mgr);
	struct rte_mbuf *m[4], *out[8];
	char err[256];
	unsigned n;

	EXPECT(fgw_sa_in_add(&dp, (uint16_t)if_t0,
			    sa_new(FGW_TUNNEL_IPSEC, 0x0d000103u, true, false, 9,
				   fgw_dp_crypto_mgr(&dp)), 1, err, sizeof(err)) == 0, "%s", err);
	for (unsigned i = 0; i < 4; i++)
		m[i] = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 100, false, IPPROTO_UDP),
				  peer_sa);
	fgw_sa_free(peer_sa);
	feed(port_wan, m, 4);
	EXPECT(w->stats.handoff_out == before.handoff_out + 4, "not handed off");
	EXPECT(sent(port_lan, out, 8) == 0, "worker 0 forwarded them");
	fgw_worker_service(w1);
	n = rte_eth_rx_burst(port_lan, 1, out, 8);
	free_all(out, n);
	EXPECT(n == 4, "worker 1 forwarded %u of 4", n);
	EXPECT(w1->stats.handoff_in == b1.handoff_in + 4 && w1->stats.decrypted == b1.decrypted + 4 &&
	      w1->stats.forwarded == b1.forwarded + 4, "worker 1 counters");
	EXPECT(fgw_sa_in_del(&dp, 0x0d000103u) == 0, "delete");
	return quiet();
}

/* An inbound SA's drops stay its tunnel's (show crypto ipsec sa's #recv
 * errors) once a rekey deletes it, until a clear. */
static bool deleted_sa_drops_stay_on_the_tunnel(void)
{
	struct fgw_sa *sa = sa_new(FGW_TUNNEL_IPSEC, 0x0d000104u, true, false, 9,
				   fgw_dp_crypto_mgr(&dp));
	struct fgw_tunnel_counters c0, c1, c2;
	char err[256];

	fgw_tunnel_counters_sum(&dp, (uint32_t)if_t0, &c0);
	EXPECT(fgw_sa_in_add(&dp, (uint16_t)if_t0, sa, 0, err, sizeof(err)) == 0, "%s", err);
	sa->stats.drop[FGW_SA_DROP_REPLAY] = 2;	/* what a worker would have counted */
	sa->stats.drop[FGW_SA_DROP_AUTH] = 1;
	fgw_tunnel_counters_sum(&dp, (uint32_t)if_t0, &c1);
	EXPECT(c1.rx_sa_drops == c0.rx_sa_drops + 3, "%lu, before %lu",
	       (unsigned long)c1.rx_sa_drops, (unsigned long)c0.rx_sa_drops);
	EXPECT(fgw_sa_in_del(&dp, 0x0d000104u) == 0, "delete");
	fgw_tunnel_counters_sum(&dp, (uint32_t)if_t0, &c2);
	EXPECT(c2.rx_sa_drops == c1.rx_sa_drops, "%lu once deleted, %lu before",
	       (unsigned long)c2.rx_sa_drops, (unsigned long)c1.rx_sa_drops);
	fgw_tunnels_counters_clear(&dp);
	fgw_tunnel_counters_sum(&dp, (uint32_t)if_t0, &c2);
	EXPECT(c2.rx_sa_drops == 0 && c2.drops == 0, "%lu after a clear",
	       (unsigned long)c2.rx_sa_drops);
	return quiet();
}

/* What the control lcore originates into a tunnel: encrypted by the
 * tunnel's worker, outside the RX books. */
static bool control_inject_is_encrypted(void)
{
	struct rte_mbuf *m = ip4_pkt("198.51.100.1", "198.51.100.7", 40, false, IPPROTO_UDP);
	struct fgw_worker *tw = dp.workers[if_t0 % dp.n_workers];
	struct fgw_worker_stats b = tw->stats;
	struct rte_mbuf *out[4];
	unsigned n;

	eth_push(m, &dp.ifs[if_lan].mac, &host_mac);
	EXPECT(fgw_tunnel_inject(&dp, m, (uint16_t)if_t0) == 0, "refused");
	fgw_worker_service(tw);
	n = rte_eth_rx_burst(port_wan, (uint16_t)tw->index, out, 4);
	EXPECT(n == 1, "%u frames on the WAN", n);
	EXPECT(peer_decap(out[0], peer_in_t0) == FGW_SA_DROP_NONE, "peer cannot decrypt");
	EXPECT(out[0]->pkt_len == 60, "inner length %u", out[0]->pkt_len);
	free_all(out, n);
	EXPECT(tw->stats.injected == b.injected + 1 && tw->stats.encrypted == b.encrypted + 1 &&
	      tw->stats.rx == b.rx && tw->stats.forwarded == b.forwarded, "counters");
	return quiet();
}

/* An IPv6 fragment of frame f (Ethernet + IPv6 + payload): payload bytes
 * [off, off + len) behind a fragment header. */
static struct rte_mbuf *fragment6_of(const struct rte_mbuf *f, unsigned off, unsigned len,
				     bool more)
{
	const uint8_t *src = rte_pktmbuf_mtod(f, const uint8_t *);
	struct rte_mbuf *m = mbuf_new();
	uint8_t *p = append(m, 14 + 40 + 8 + len);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(p + 14);
	uint8_t *fh = p + 14 + 40;
	uint16_t off_flags = htons((uint16_t)(off | (more ? 1 : 0)));
	uint32_t id = htonl(0x1234);

	memcpy(p, src, 14 + 40);
	fh[0] = ip->proto;
	fh[1] = 0;
	memcpy(fh + 2, &off_flags, 2);
	memcpy(fh + 4, &id, 4);
	memcpy(fh + 8, src + 14 + 40 + off, len);
	ip->proto = IPPROTO_FRAGMENT;
	ip->payload_len = htons((uint16_t)(8 + len));
	return m;
}

static bool fragmented_esp6_reassembled(void)
{
	struct rte_mbuf *whole = peer_encap(ip4_pkt("198.51.100.200", "192.0.2.10", 1200, false,
						    IPPROTO_UDP), peer_out_t2);
	unsigned payload = whole->pkt_len - 14 - 40;
	struct rte_mbuf *first = fragment6_of(whole, 0, 800, true);
	struct rte_mbuf *last = fragment6_of(whole, 800, payload - 800, false);
	struct rte_mbuf *out[4];
	unsigned n;

	rte_pktmbuf_free(whole);
	feed(port_wan, &first, 1);
	EXPECT(w->stats.frag_held == before.frag_held + 1, "first fragment not held");
	feed(port_wan, &last, 1);
	n = sent(port_lan, out, 4);
	free_all(out, n);
	EXPECT(n == 1 && w->stats.reassembled == before.reassembled + 1 &&
	      w->stats.forwarded == before.forwarded + 1, "%u forwarded after reassembly", n);
	return quiet();
}

/* ESP to our address with other packets to it in the same burst: IKE
 * (NAT-T's zero marker), an ESP frame that came as an Ethernet broadcast,
 * and an ESP packet in two fragments. After the first ESP frame the outer
 * IPv4 pass asks the next frames to that address only what concerns the
 * frame itself (fgw_ipv4_input); each of these must still go its own way:
 * IKE and the broadcast punted as local, the fragments reassembled and
 * decrypted. */
static bool esp_run_with_other_local_packets(void)
{
	/* (after sa_swap_loses_nothing: the new inbound SA) */
	struct rte_mbuf *whole = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 1200, false,
						    IPPROTO_UDP), peer_out_t0_new);
	unsigned payload = whole->pkt_len - 14 - 20, n, np, local = 0;
	struct rte_mbuf *m[7], *out[16], *p[8];
	struct rte_udp_hdr *udp;

	for (unsigned i = 0; i < 7; i += 2)
		m[i] = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 100 + i, false,
					  IPPROTO_UDP), peer_out_t0_new);
	m[1] = ip4_pkt("203.0.113.2", "203.0.113.1", 8 + 40, false, IPPROTO_UDP);
	udp = rte_pktmbuf_mtod_offset(m[1], struct rte_udp_hdr *, 20);
	memset((uint8_t *)udp, 0, 8 + 40);
	udp->src_port = htons(4500);
	udp->dst_port = htons(4500);
	udp->dgram_len = htons(48);
	eth_push(m[1], &dp.ifs[if_wan].mac, &peer_mac);
	m[3] = fragment_of(whole, 0, 800, true);
	memset(rte_pktmbuf_mtod(m[4], uint8_t *), 0xff, RTE_ETHER_ADDR_LEN);
	m[5] = fragment_of(whole, 800, payload - 800, false);
	rte_pktmbuf_free(whole);
	feed(port_wan, m, 7);
	n = sent(port_lan, out, 16);
	free_all(out, n);
	np = rte_ring_dequeue_burst(dp.punt, (void **)p, 8, NULL);
	for (unsigned i = 0; i < np; i++)
		local += fgw_punt_meta(&dp, p[i])->reason == FGW_PUNT_LOCAL;
	free_all(p, np);
	EXPECT(n == 4 && w->stats.decrypted == before.decrypted + 4 &&
	      w->stats.reassembled == before.reassembled + 1, "%u of 4 ESP packets forwarded", n);
	EXPECT(np == 2 && local == 2, "%u punted, %u as local; expected IKE and the broadcast",
	       np, local);
	return quiet();
}

/* Four bytes of IPv4 options into frame m's outer header, `word` their
 * value. */
static void outer_options(struct rte_mbuf *m, rte_be32_t word)
{
	uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(m, 4);
	struct rte_ipv4_hdr *ip;

	if (p == NULL) {
		fprintf(stderr, "no headroom for options\n");
		exit(2);
	}
	ip = (struct rte_ipv4_hdr *)(p + 14);
	memmove(p, p + 4, 14 + 20);
	memcpy(p + 14 + 20, &word, 4);
	ip->version_ihl = 0x46;
	ip->total_length = htons((uint16_t)(ntohs(ip->total_length) + 4));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* A one-SA burst with a frame of another SA (Tunnel1's) at each place, its
 * outer header four bytes longer, and those four bytes (options) the
 * run's SPI: read where the run's frames have their SPI, it would pass
 * for one of them. ESP input's leading run ends at a frame whose header
 * lengths differ; each frame is decrypted with its own SA. */
static bool one_spi_burst_with_longer_header(void)
{
	enum { N = 5 };

	for (unsigned at = 0; at < N; at++) {
		struct rte_mbuf *m[N], *out[2 * N];
		unsigned n;

		for (unsigned i = 0; i < N; i++)
			m[i] = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 100 + i, false,
						  IPPROTO_UDP), i == at ? peer_out_t1 : peer_out_t0_new);
		outer_options(m[at], htonl(SPI_T0_IN_NEW));
		feed(port_wan, m, N);
		n = sent(port_lan, out, 2 * N);
		/* the inner pass's fast path (every packet after the first
		 * to one destination): addresses, TTL, counted */
		for (unsigned i = 0; i < n; i++) {
			const struct rte_ether_hdr *eth =
				rte_pktmbuf_mtod(out[i], const struct rte_ether_hdr *);

			EXPECT(rte_is_same_ether_addr(&eth->dst_addr, &host_mac) &&
			       rte_is_same_ether_addr(&eth->src_addr, &dp.ifs[if_lan].mac) &&
			       eth->ether_type == htons(RTE_ETHER_TYPE_IPV4) &&
			       rte_pktmbuf_mtod_offset(out[i], struct rte_ipv4_hdr *, 14)
			       ->time_to_live == 63, "frame %u of %u: header", i, n);
		}
		free_all(out, n);
		EXPECT(n == N && w->stats.decrypted == before.decrypted + N &&
		       w->stats.forwarded == before.forwarded + N,
		       "longer header at %u: %u of %u forwarded", at, n, N);
	}
	return quiet();
}

/* Frame m's outer IPv4 header edited: its first byte and total length,
 * the checksum made right again. */
static void outer_v4_edit(struct rte_mbuf *m, uint8_t version_ihl, unsigned total)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	ip->version_ihl = version_ihl;
	ip->total_length = htons((uint16_t)total);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* ESP decapsulation leaves the outer header's tests to the IPv4 and IPv6
 * passes (fgw_esp_decap_received): in a one-SA burst, frames whose outer
 * header does not fit the frame are still dropped and counted under the
 * pass's reasons (total length beyond the frame, header length below 20
 * or above the total length), and frames with bytes after the IP packet
 * (Ethernet padding, IPv4 and IPv6 outer) are decrypted at the packet's
 * own length, which a decapsulation reading the frame's would fail (the
 * ICV is not where it looks). */
static bool outer_header_checked_once(void)
{
	enum { N = 7 };
	struct rte_mbuf *m[N], *out[2 * N];
	unsigned n;

	for (unsigned i = 0; i < N; i++)
		m[i] = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 100 + i, false,
					  IPPROTO_UDP), peer_out_t0_new);
	for (unsigned i = 1; i < N; i += 5)
		memset(append(m[i], 10), 0xee, 10);	/* padding: frames 1 and 6 */
	outer_v4_edit(m[2], 0x45, m[2]->pkt_len - 14 + 1);	/* beyond the frame */
	outer_v4_edit(m[4], 0x44, m[4]->pkt_len - 14);		/* IHL 4 */
	outer_v4_edit(m[5], 0x46, 20);				/* total < IHL */
	feed(port_wan, m, N);
	n = sent(port_lan, out, 2 * N);
	free_all(out, n);
	EXPECT(n == 4 && w->stats.decrypted == before.decrypted + 4,
	       "%u of 4 forwarded", n);
	EXPECT(delta_drop(FGW_DROP_RUNT) == 1 && delta_drop(FGW_DROP_IPV4_HEADER) == 2 &&
	       delta_drop(FGW_DROP_ESP_AUTH) == 0 && delta_drop(FGW_DROP_ESP_TRUNCATED) == 0,
	       "runt %lu, header %lu: expected 1 and 2",
	       (unsigned long)delta_drop(FGW_DROP_RUNT),
	       (unsigned long)delta_drop(FGW_DROP_IPV4_HEADER));
	m[0] = peer_encap(ip4_pkt("198.51.100.200", "192.0.2.10", 100, false, IPPROTO_UDP),
			  peer_out_t2);
	memset(append(m[0], 10), 0xee, 10);
	if (!in_forwards(m[0], false))
		return false;
	return quiet();
}

/* The IPv4 pass takes ESP to the address of ours the last burst's ESP
 * went to without a FIB lookup while the FIB is unchanged (ipv4.c): once
 * a route sends that address elsewhere (a blackhole /32 over the local
 * one), the next ESP frame to it follows the route; with the local route
 * back, ESP is decrypted again. */
static bool esp_to_our_address_follows_the_fib(void)
{
	struct fgw_addr wan = unit_addr("203.0.113.1");
	struct fgw_prefix host = unit_prefix("203.0.113.1/32");
	struct fgw_nexthop hole = { .type = FGW_NH_BLACKHOLE };
	uint32_t local = fgw_route_lookup(&dp, &wan), id = 0;
	struct rte_mbuf *m, *out[4];
	unsigned n;

	EXPECT(dp.nh[local].type == FGW_NH_LOCAL, "203.0.113.1 is not local");
	for (unsigned round = 0; round < 3; round++) {
		if (round == 1) {
			id = fgw_nh_alloc(&dp, &hole);
			EXPECT(id != 0 && fgw_route_add(&dp, &host, id) == 0, "blackhole route");
		} else if (round == 2) {
			EXPECT(fgw_route_add(&dp, &host, local) == 0, "local route back");
			fgw_nh_free(&dp, id);
		}
		m = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 100, false, IPPROTO_UDP),
			       peer_out_t0_new);
		feed(port_wan, &m, 1);
		n = sent(port_lan, out, 4);
		free_all(out, n);
		if (round == 1)
			EXPECT(n == 0 && delta_drop(FGW_DROP_BLACKHOLE) == 1 &&
			       w->stats.decrypted == before.decrypted,
			       "round 1: %u forwarded, not dropped as blackhole", n);
		else
			EXPECT(n == 1 && w->stats.decrypted == before.decrypted + 1,
			       "round %u: %u forwarded", round, n);
	}
	return quiet();
}

/* Decrypted packets to one LAN host take the way the last burst's went
 * out of the port only while it holds: after the host's MAC changes,
 * while a /32 route drops its traffic, while the port is down and while
 * its MTU is below the packets' (DF set: FRAG_NEEDED), each burst of
 * three goes the way a first packet would; between those, back out to
 * the host with its current MAC, TTL 63 and the checksum right. */
static bool decrypted_way_follows_changes(void)
{
	static const struct rte_ether_addr moved = { { 0x02, 0, 0, 0, 0x0a, 0x09 } };
	struct fgw_prefix host = unit_prefix("192.0.2.10/32");
	struct fgw_nexthop hole = { .type = FGW_NH_BLACKHOLE };
	uint32_t id = 0;

	for (unsigned round = 0; round < 8; round++) {
		const struct rte_ether_addr *mac = round < 2 ? &host_mac : &moved;
		struct rte_mbuf *in[3], *out[8];
		unsigned n, punts;

		if (round == 2)
			neigh(if_lan, "192.0.2.10", &moved);
		if (round == 3) {
			id = fgw_nh_alloc(&dp, &hole);
			EXPECT(id != 0 && fgw_route_add(&dp, &host, id) == 0, "blackhole route");
		} else if (round == 4) {
			EXPECT(fgw_route_del(&dp, &host) == 0, "blackhole route removed");
			fgw_nh_free(&dp, id);
		}
		dp.ifs[if_lan].up = round != 5;
		dp.ifs[if_lan].mtu = round == 6 ? 100 : 1500;
		for (unsigned i = 0; i < 3; i++)
			in[i] = peer_encap(ip4_pkt("198.51.100.7", "192.0.2.10", 100, true,
						   IPPROTO_UDP), peer_out_t0_new);
		feed(port_wan, in, 3);
		n = sent(port_lan, out, 8);
		for (unsigned i = 0; i < n; i++) {
			const struct rte_ether_hdr *eth =
				rte_pktmbuf_mtod(out[i], const struct rte_ether_hdr *);
			const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);

			EXPECT(rte_is_same_ether_addr(&eth->dst_addr, mac) &&
			       rte_is_same_ether_addr(&eth->src_addr, &dp.ifs[if_lan].mac) &&
			       eth->ether_type == htons(RTE_ETHER_TYPE_IPV4) &&
			       ip->time_to_live == 63 && rte_raw_cksum(ip, sizeof(*ip)) == 0xffff,
			       "round %u: frame %u's header", round, i);
		}
		free_all(out, n);
		punts = rte_ring_dequeue_burst(dp.punt, (void **)out, 8, NULL);
		for (unsigned i = 0; i < punts; i++)
			EXPECT(fgw_punt_meta(&dp, out[i])->reason == FGW_PUNT_FRAG_NEEDED,
			       "round %u: punted %u", round, fgw_punt_meta(&dp, out[i])->reason);
		free_all(out, punts);
		EXPECT(w->stats.decrypted == before.decrypted + 3, "round %u: decrypted", round);
		if (round == 3)
			EXPECT(n == 0 && delta_drop(FGW_DROP_BLACKHOLE) == 3,
			       "round 3: %u sent, not dropped as blackhole", n);
		else if (round == 5)
			EXPECT(n == 0 && delta_drop(FGW_DROP_IF_DOWN) == 3,
			       "round 5: %u sent, not dropped as down", n);
		else if (round == 6)
			EXPECT(n == 0 && punts == 3, "round 6: %u sent, %u punted", n, punts);
		else
			EXPECT(n == 3 && punts == 0 && w->stats.forwarded == before.forwarded + 3,
			       "round %u: %u sent, %u punted", round, n, punts);
		if (!quiet())
			return false;
	}
	neigh(if_lan, "192.0.2.10", &host_mac);
	return true;
}

/* RFC 6040 4.2 at ESP decapsulation of received frames, whose outer
 * header the IPv4 or IPv6 pass checked: the outer ECN field, IPv4
 * (Tunnel0) or IPv6 (Tunnel2), combined into the inner IPv4 packet's
 * (checksum kept right); CE on a not-ECT packet dropped as ESP_ECN. */
static bool esp_outer_ecn_applied(void)
{
	static const struct { uint8_t outer, inner; int want; } c[] = {
		{ 3, 2, 3 }, { 1, 2, 1 }, { 0, 2, 2 }, { 2, 1, 1 }, { 3, 0, -1 },
	};
	struct fgw_sa *sas[] = { peer_out_t0_new, peer_out_t2 };
	const char *srcs[] = { "198.51.100.7", "198.51.100.200" };

	for (unsigned v6 = 0; v6 < 2; v6++) {
		for (unsigned i = 0; i < RTE_DIM(c); i++) {
			struct rte_mbuf *m = ip4_pkt(srcs[v6], "192.0.2.10", 100, false, IPPROTO_UDP);
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
			struct rte_mbuf *out[4];
			uint8_t *outer;
			unsigned n;

			ip->type_of_service = c[i].inner;
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			m = peer_encap(m, sas[v6]);
			outer = rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN);
			if (v6) {
				outer[1] = (uint8_t)((outer[1] & ~0x30) | c[i].outer << 4);
			} else {
				struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)outer;

				o->type_of_service = (uint8_t)((o->type_of_service & ~3) | c[i].outer);
				o->hdr_checksum = 0;
				o->hdr_checksum = rte_ipv4_cksum(o);
			}
			feed(port_wan, &m, 1);
			n = sent(port_lan, out, 4);
			if (c[i].want < 0) {
				EXPECT(n == 0 && delta_drop(FGW_DROP_ESP_ECN) == 1,
				       "IPv%c outer %u inner %u: %u forwarded, not dropped as ECN",
				       v6 ? '6' : '4', c[i].outer, c[i].inner, n);
			} else {
				EXPECT(n == 1, "IPv%c outer %u inner %u: %u forwarded",
				       v6 ? '6' : '4', c[i].outer, c[i].inner, n);
				ip = rte_pktmbuf_mtod_offset(out[0], struct rte_ipv4_hdr *,
							     RTE_ETHER_HDR_LEN);
				EXPECT((ip->type_of_service & 3) == c[i].want &&
				       rte_raw_cksum(ip, sizeof(*ip)) == 0xffff,
				       "IPv%c outer %u inner %u: ECN %u, expected %d",
				       v6 ? '6' : '4', c[i].outer, c[i].inner,
				       ip->type_of_service & 3, c[i].want);
			}
			free_all(out, n);
			if (!quiet())
				return false;
		}
	}
	return true;
}

static bool every_packet_counted_once(void)
{
	struct fgw_worker_stats s;
	uint64_t drops = 0;

	fgw_dp_stats_sum(&dp, &s);
	for (unsigned i = 0; i < FGW_DROP_MAX; i++)
		drops += s.drop[i];
	EXPECT(s.rx + s.handoff_in == s.forwarded + s.punted + drops - s.drop[FGW_DROP_TX_FULL] +
	      s.handoff_out + s.frag_held, "rx %lu forwarded %lu punted %lu drops %lu",
	      (unsigned long)s.rx, (unsigned long)s.forwarded, (unsigned long)s.punted,
	      (unsigned long)drops);
	EXPECT(rte_mempool_avail_count(dp.pool) == dp.params.mbufs, "%u of %u mbufs back",
	      rte_mempool_avail_count(dp.pool), dp.params.mbufs);
	return true;
}

int main(void)
{
	setup();
	RUN(ipsec_out_v4);
	RUN(ipsec_out_v6);
	RUN(ipsec_in_v4);
	RUN(ipsec_in_v6);
	RUN(ipsec_ipv6_outer);
	RUN(gre_ipv6_outer);
	RUN(one_burst_many_tunnels);
	RUN(runs_change_port);
	RUN(ipv6_outer_fragmented);
	RUN(outer_fragments_keep_burst_order);
	RUN(esp_drops_inside_a_run);
	RUN(natt_in_and_ike_punted);
	RUN(gre_out_and_in);
	RUN(gre_ecn_at_decapsulation);
	RUN(gre_wrong_key_drops);
	RUN(inner_ipv4_checked_after_decap);
	RUN(decrypted_burst_leaves_in_order);
	RUN(bad_esp_dropped);
	RUN(one_spi_burst_with_odd_frame);
	RUN(sa_swap_loses_nothing);
	RUN(every_worker_follows_the_tunnel_sa);
	RUN(reused_ifindex_starts_clean);
	RUN(shutdown_tunnel_drops);
	RUN(too_big_df_punts_tunnel_mtu);
	RUN(too_big_fragments_before_encryption);
	RUN(syn_mss_clamped);
	RUN(syn6_mss_clamped);
	RUN(fragmented_esp_reassembled);
	RUN(fragmented_esp6_reassembled);
	RUN(esp_run_with_other_local_packets);
	RUN(one_spi_burst_with_longer_header);
	RUN(outer_header_checked_once);
	RUN(esp_to_our_address_follows_the_fib);
	RUN(decrypted_way_follows_changes);
	RUN(esp_outer_ecn_applied);
	RUN(other_workers_sa_is_handed_off);
	RUN(control_inject_is_encrypted);
	RUN(deleted_sa_drops_stay_on_the_tunnel);
	RUN(every_packet_counted_once);
	int status = unit_summary();

	fgw_sa_free(peer_in_t0);
	fgw_sa_free(peer_out_t0);
	fgw_sa_free(peer_in_t1);
	fgw_sa_free(peer_out_t1);
	fgw_sa_free(peer_out_t0_new);
	fgw_sa_free(peer_in_t2);
	fgw_sa_free(peer_out_t2);
	fgw_sa_free(peer_in_t3);
	fgw_sa_free(peer_out_t3);
	fgw_crypto_free(&peer);
	fgw_dp_stop(&dp);
	unit_eal_cleanup();
	return status;
}
