/* libFuzzer target: each input is one Ethernet frame received on a port
 * (twice, in one burst), pushed through the worker's real receive path (fgw_worker_process_burst)
 * of a data plane with two ports, a loopback, routes and neighbours, and
 * what the worker punts on to the control lcore's host networking
 * (controlplane/net/: ARP, ND, ICMP echo and errors, UDP and TCP to us,
 * neighbour resolution), whose answers the worker then transmits.
 *
 * The frame sits in a malloc'd buffer of exactly its length, attached to
 * the mbuf as an external buffer, so AddressSanitizer catches any read past
 * the frame (an ordinary mbuf would hide it inside its 2 KB data room).
 * Two tunnels with manual SAs (a VTI and a GRE tunnel) take traffic to
 * 203.0.113.64/26 and decrypt ESP for SPIs 0x01000001 and 0x01000002, so
 * inbound ESP, ESP-in-UDP, GRE and reassembly are reached too.
 * After each input the counters must account for the frame exactly once;
 * then the punt ring goes to the control lcore, the frames queued behind a
 * neighbour resolution and the reassembly table are emptied, and every
 * mbuf must be back in its pool. The neighbours the control lcore learns
 * stay, as on a running box: rebuilding its table for every input would
 * cost more than the input. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ip_frag.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_timer.h>

#include "controlplane/control.h"
#include "dataplane/dp.h"
#include "dataplane/ipsec/sa_setup.h"
#include "dataplane/private.h"
#include "dataplane/tunnel.h"
#include "dataplane/worker.h"

/* The ports' MACs; the seeds (make_seeds.py) are addressed to them. */
static const struct rte_ether_addr port_macs[2] = {
	{ { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } },
	{ { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } },
};
static const struct rte_ether_addr gw_mac = { { 0x02, 0x00, 0x00, 0x00, 0x0b, 0x02 } };

static struct fgw_dp dp;
static struct fgw_control ctl;
static struct fgw_worker *w;
static uint16_t rx_port;
static unsigned pool_free, indirect_free;
static char runtime_dir[PATH_MAX];

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_packet: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static struct fgw_prefix prefix(const char *s)
{
	struct fgw_prefix p;

	if (!fgw_prefix_parse(s, &p, false))
		die("bad prefix", s);
	return p;
}

static struct fgw_addr addr(const char *s)
{
	struct fgw_addr a;

	if (!fgw_addr_parse(s, &a))
		die("bad address", s);
	return a;
}

static void route(const char *p, uint8_t type, int ifindex, const char *gw)
{
	struct fgw_nexthop nh = { .type = type, .ifindex = (uint16_t)ifindex };
	struct fgw_prefix pf = prefix(p);
	uint32_t id;

	if (gw != NULL)
		nh.gw = addr(gw);
	id = fgw_nh_alloc(&dp, &nh);
	if (id == 0 || fgw_route_add(&dp, &pf, id) != 0)
		die("cannot add route", p);
}

static void neighbour(int ifindex, const char *a)
{
	struct fgw_msg msg = {
		.type = FGW_MSG_NEIGH_SET, .ifindex = (uint16_t)ifindex, .mac = gw_mac,
		.addr = addr(a),
	};

	if (fgw_msg_broadcast(&dp, &msg) != 0)
		die("cannot send a neighbour", a);
}

static int port_add(const char *name, const char *device, unsigned i, uint16_t mtu,
		    const char *a4, const char *a6)
{
	struct fgw_prefix p4 = prefix(a4), p6 = prefix(a6);
	struct rte_ether_addr mac = port_macs[i];
	char err[256];
	uint16_t port;
	int ifindex;

	if (rte_eth_dev_get_port_by_name(device, &port) != 0 ||
	    rte_eth_dev_default_mac_addr_set(port, &mac) != 0)
		die("cannot set the MAC of", device);
	ifindex = fgw_port_add(&dp, name, device, mtu, &p4, &p6, err, sizeof(err));
	if (ifindex < 0)
		die(device, err);
	return ifindex;
}

/* A tunnel from our loopback to 198.51.100.2 (a known neighbour) with an
 * outbound and an inbound SA of fixed keys. */
static void tunnel_add(const char *name, uint8_t kind, uint32_t spi_in, uint32_t spi_out)
{
	struct fgw_tunnel_params p = {
		.name = name, .kind = kind, .src = addr("203.0.113.1"),
		.dst = addr("198.51.100.2"), .mtu = 1400, .tcp_mss = 1360,
		.gre_key_set = kind == FGW_TUNNEL_GRE, .gre_key = 42,
	};
	struct fgw_sa_keys keys;
	char err[256];
	int ifindex = fgw_tunnel_add(&dp, &p, err, sizeof(err));

	if (ifindex < 0)
		die("tunnel", err);
	memset(&keys, 0x5a, sizeof(keys));
	for (int inbound = 0; inbound < 2; inbound++) {
		struct fgw_sa *sa = fgw_sa_alloc(inbound ? 64 : 0, SOCKET_ID_ANY);

		if (sa == NULL)
			die("SA allocation", NULL);
		sa->spi = inbound ? spi_in : spi_out;
		sa->flags = inbound ? FGW_SA_F_INBOUND : 0;
		sa->mode = kind == FGW_TUNNEL_IPSEC ? FGW_SA_TUNNEL : FGW_SA_TRANSPORT;
		sa->cipher = kind == FGW_TUNNEL_IPSEC ? FGW_CIPHER_AES_GCM_128 :
			FGW_CIPHER_AES_CBC_128;
		sa->integ = kind == FGW_TUNNEL_IPSEC ? FGW_INTEG_NONE : FGW_INTEG_HMAC_SHA1_96;
		sa->ttl = 64;
		sa->dscp = FGW_SA_DSCP_COPY;
		sa->src = inbound ? p.dst : p.src;
		sa->dst = inbound ? p.src : p.dst;
		if (fgw_sa_prepare(sa, &keys, fgw_dp_crypto_mgr(&dp), err, sizeof(err)) < 0 ||
		    (inbound ? fgw_sa_in_add(&dp, (uint16_t)ifindex, sa, 0, err, sizeof(err)) :
		     fgw_tunnel_sa_out_set(&dp, (uint16_t)ifindex, sa, err, sizeof(err))) < 0)
			die("SA", err);
	}
	route(kind == FGW_TUNNEL_IPSEC ? "203.0.113.64/27" : "203.0.113.96/27", FGW_NH_TUNNEL,
	      ifindex, NULL);
}

/* IKE's ports are claimed, as the engine does: datagrams to them are
 * delivered, not answered with port unreachable. The engine's own parsing
 * is fuzz_ike's. */
static void ike_input(struct fgw_control *c, struct rte_mbuf *m, const struct fgw_local_pkt *p,
		      void *arg)
{
	(void)c;
	(void)arg;
	if (p->l4_len < 8 || p->l4_off + p->l4_len > rte_pktmbuf_data_len(m))
		die("a UDP datagram outside its frame", NULL);
}

static void teardown(void)
{
	fgw_neigh_free(&ctl);
	fgw_dp_stop(&dp);
	rte_eal_cleanup();
	rmdir(runtime_dir);		/* EAL leaves it behind, empty */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char file_prefix[64];
	char *eal[] = {
		"fuzz_packet", "--no-huge", "--no-shconf", "-m", "256", "--no-pci",
		"--no-telemetry", "-l", "0", "--log-level=error", file_prefix,
		"--vdev", "net_null0", "--vdev", "net_null1",
	};
	struct fgw_dp_params params = { .n_workers = 1, .worker_lcores = { 0 }, .burst = 32,
					.mbufs = 2047, .max_sas = 256 };
	struct fgw_prefix lo4 = prefix("203.0.113.1/32"), lo6 = prefix("2001:db8:ff::1/128");
	char err[256];
	int lan0, lan1;

	(void)argc;
	(void)argv;
	snprintf(file_prefix, sizeof(file_prefix), "--file-prefix=fuzzpkt-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0 || rte_timer_subsystem_init() < 0)
		die("EAL initialisation failed", NULL);
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	if (fgw_dp_init(&dp, &params, err, sizeof(err)) < 0)
		die("data plane", err);
	w = dp.workers[0];
	lan0 = port_add("lan0", "net_null0", 0, 1500, "192.0.2.1/24", "2001:db8:1::1/64");
	/* A small MTU on lan1, so forwarded IPv4 gets fragmented. */
	lan1 = port_add("lan1", "net_null1", 1, 576, "198.51.100.1/24", "2001:db8:2::1/64");
	if (fgw_loopback_add(&dp, "Loopback0", &lo4, &lo6, err, sizeof(err)) < 0)
		die("loopback", err);
	rx_port = dp.ifs[lan0].port_id;

	route("192.0.2.0/24", FGW_NH_CONNECTED, lan0, NULL);
	route("198.51.100.0/24", FGW_NH_CONNECTED, lan1, NULL);
	route("2001:db8:1::/64", FGW_NH_CONNECTED, lan0, NULL);
	route("2001:db8:2::/64", FGW_NH_CONNECTED, lan1, NULL);
	route("192.0.2.1/32", FGW_NH_LOCAL, 0, NULL);
	route("198.51.100.1/32", FGW_NH_LOCAL, 0, NULL);
	route("203.0.113.1/32", FGW_NH_LOCAL, 0, NULL);
	route("2001:db8:1::1/128", FGW_NH_LOCAL, 0, NULL);
	route("2001:db8:2::1/128", FGW_NH_LOCAL, 0, NULL);
	route("2001:db8:ff::1/128", FGW_NH_LOCAL, 0, NULL);
	route("203.0.113.0/25", FGW_NH_GATEWAY, lan1, "198.51.100.2");
	route("2001:db8:3::/48", FGW_NH_GATEWAY, lan1, "2001:db8:2::2");
	route("203.0.113.128/26", FGW_NH_BLACKHOLE, 0, NULL);
	route("2001:db8:4::/48", FGW_NH_BLACKHOLE, 0, NULL);
	neighbour(lan1, "198.51.100.2");
	neighbour(lan1, "2001:db8:2::2");
	tunnel_add("Tunnel0", FGW_TUNNEL_IPSEC, 0x01000001, 0x02000001);
	tunnel_add("Tunnel1", FGW_TUNNEL_GRE, 0x01000002, 0x02000002);
	fgw_worker_service(w);
	ctl.dp = &dp;
	if (fgw_neigh_init(&ctl, err, sizeof(err)) < 0 ||
	    fgw_udp_listen(&ctl, 500, ike_input, NULL) < 0 ||
	    fgw_udp_listen(&ctl, 4500, ike_input, NULL) < 0)
		die("control lcore", err);

	pool_free = rte_mempool_avail_count(dp.pool);
	indirect_free = rte_mempool_avail_count(dp.indirect_pool);
	atexit(teardown);
	return 0;
}

static void frame_free(void *buf, void *shinfo)
{
	free(buf);
	free(shinfo);
}

/* An mbuf whose data is a private copy of the input, exactly size bytes. */
static struct rte_mbuf *frame_mbuf(const uint8_t *data, size_t size)
{
	struct rte_mbuf_ext_shared_info *shinfo = calloc(1, sizeof(*shinfo));
	uint8_t *buf = malloc(size ? size : 1);
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);

	if (shinfo == NULL || buf == NULL || m == NULL)
		die("out of memory", NULL);
	memcpy(buf, data, size);
	shinfo->free_cb = frame_free;
	shinfo->fcb_opaque = shinfo;
	rte_mbuf_ext_refcnt_set(shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, buf, RTE_BAD_IOVA, (uint16_t)size, shinfo);
	m->data_len = (uint16_t)size;
	m->pkt_len = (uint32_t)size;
	m->port = rx_port;
	return m;
}

/* The control lcore's timers do not run here, so a resolution never ends:
 * its queue is dropped now, as the timeout would, so that each input gives
 * back what it took (an mbuf left queued would hold its frame's malloc'd
 * buffer, a leak to libFuzzer). */
static void neigh_unqueue(void)
{
	struct fgw_neigh_table *t = &ctl.neigh;

	for (unsigned i = 0; t->pending != 0 && i < t->size; i++) {
		struct fgw_neigh *n = &t->slots[i];

		for (unsigned k = 0; k < n->n_pending; k++)
			rte_pktmbuf_free(n->pending[k]);
		t->pending -= n->n_pending;
		n->n_pending = 0;
	}
	if (t->pending != 0)
		die("neighbour queues miscounted", NULL);
}

static uint64_t accounted(const struct fgw_worker_stats *s)
{
	uint64_t n = s->forwarded + s->punted + s->handoff_out + s->frag_held;

	for (unsigned i = 0; i < FGW_DROP_MAX; i++)
		if (i != FGW_DROP_TX_FULL)
			n += s->drop[i];
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t injected;	/* their fate is in the books too */
	struct rte_mbuf *burst[2];
	uint64_t before;

	/* An mbuf's buffer length is 16 bits. */
	if (size > UINT16_MAX)
		return 0;
	/* Two copies in one burst: the stages then work on arrays of more
	 * than one packet, as they do under load. */
	burst[0] = frame_mbuf(data, size);
	burst[1] = frame_mbuf(data, size);
	fgw_worker_process_burst(&dp, w, rx_port, burst, 2);
	fgw_worker_service(w);
	if (w->stats.rx + w->stats.handoff_in + injected != accounted(&w->stats))
		die("a frame was not counted exactly once", NULL);

	/* The control lcore's turn, and the worker's for what it sends; the
	 * rate limits start full every time. */
	before = accounted(&w->stats);
	ctl.icmp_tokens = ctl.icmp_last_refill = 0;
	for (unsigned round = 0; rte_ring_count(dp.punt) != 0; round++) {
		if (round == 8)
			die("the punt ring does not drain", NULL);
		while (fgw_punt_poll(&ctl) != 0)
			;
		fgw_worker_service(w);
	}
	injected += accounted(&w->stats) - before;
	neigh_unqueue();

	/* Fragments still waiting for the rest of their packet: time them
	 * all out, so the pools are full again. */
	rte_ip_frag_table_del_expired_entries(fgw_worker_ctx(w)->frags,
					      &fgw_worker_ctx(w)->death_row, UINT64_MAX);
	rte_ip_frag_free_death_row(&fgw_worker_ctx(w)->death_row, 0);
	if (rte_mempool_avail_count(dp.pool) != pool_free ||
	    rte_mempool_avail_count(dp.indirect_pool) != indirect_free)
		die("an mbuf was not returned to its pool", NULL);
	return 0;
}
