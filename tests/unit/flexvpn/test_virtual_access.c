/* Virtual-access interfaces on a real data plane (EAL, no workers
 * launched): created from a template, routed to, SAs attached, destroyed
 * with everything on them, numbers and ifindexes reused; the show command
 * through the real command table; and a printout of creations and
 * deletions per second and memory per interface. */
#include <malloc.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "api/commands.h"
#include "controlplane/flexvpn/flexvpn.h"
#include "controlplane/flexvpn/virtual_access.h"
#include "controlplane/ikev2/ike.h"
#include "dataplane/ipsec/sa_setup.h"
#include "dataplane/private.h"
#include "dataplane/tunnel.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_addr.h"
#include "tests/unit/unit_eal.h"

static struct fgw_dp dp;
static struct fgw_control c;
static struct fgw_config cfg;
static struct fgw_route_cfg routes[1];
static struct fgw_virtual_template_cfg tmpl[2];

/* The command table has "clear crypto ikev2 sa"; no IKE engine here. */
unsigned fgw_ike_clear(struct fgw_control *cc, const struct fgw_addr *remote)
{
	(void)cc;
	(void)remote;
	return 0;
}

unsigned fgw_ike_rekey_now(struct fgw_control *cc)
{
	(void)cc;
	return 0;
}

static const struct fgw_nexthop *route(const char *addr)
{
	struct fgw_addr a = unit_addr(addr);

	return &dp.nh[fgw_route_lookup(&dp, &a)];
}

static unsigned rib_via(uint32_t ifindex)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c.rib.n; i++)
		n += dp.nh[c.rib.v[i].nh_id].type == FGW_NH_TUNNEL &&
		     dp.nh[c.rib.v[i].nh_id].ifindex == ifindex;
	return n;
}

static void setup(void)
{
	char prefix_arg[64];
	char *argv[] = { "test_virtual_access", "--no-huge", "--no-shconf", "-m", "512",
			 "--no-pci", "--no-telemetry", "-l", "0", "--log-level=warning",
			 "--vdev", "net_ring0", prefix_arg };
	struct fgw_dp_params params = { .n_workers = 1, .worker_lcores = { 0 }, .burst = 32,
					.mbufs = 2047, .max_sas = 65536, .max_ifs = 16384 };
	struct fgw_prefix wan4 = unit_prefix("203.0.113.1/24"), wan6 = unit_prefix("2001:db8:ff::1/64");
	struct fgw_prefix lo4 = unit_prefix("198.51.100.1/32"), none = { 0 };
	char err[256];

	snprintf(prefix_arg, sizeof(prefix_arg), "--file-prefix=fvva-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "EAL initialisation failed\n");
		exit(2);
	}
	/* a static route the virtual-access routes beat and give back */
	routes[0] = (struct fgw_route_cfg){ .prefix = unit_prefix("10.9.0.0/16"), .interface = "Null0",
					    .distance = 250 };
	cfg.routes = routes;
	cfg.n_routes = 1;
	tmpl[0] = (struct fgw_virtual_template_cfg){ .name = "Virtual-Template1", .type = 1,
		.ip_unnumbered = "Loopback0", .mtu = 1400, .tcp_adjust_mss = 1360,
		.mode = FGW_TUNNEL_IPSEC_IPV4, .tunnel_protection = "USERS" };
	tmpl[1] = (struct fgw_virtual_template_cfg){ .name = "Virtual-Template2", .type = 1,
		.mtu = 1380, .mode = FGW_TUNNEL_AUTO, .tunnel_protection = "SPOKES" };
	cfg.virtual_templates = tmpl;
	cfg.n_virtual_templates = 2;
	c.dp = &dp;
	c.cfg = &cfg;
	if (fgw_dp_init(&dp, &params, err, sizeof(err)) < 0 ||
	    fgw_port_add(&dp, "GigabitEthernet1", "net_ring0", 1500, &wan4, &wan6, err,
			 sizeof(err)) < 0 ||
	    fgw_loopback_add(&dp, "Loopback0", &lo4, &none, err, sizeof(err)) < 0 ||
	    fgw_rib_init(&c, err, sizeof(err)) < 0 ||
	    fgw_flexvpn_init(&c, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up failed: %s\n", err);
		exit(2);
	}
}

static struct fgw_vaccess *make(unsigned t, const char *peer)
{
	char err[256];
	struct fgw_addr local = unit_addr(strchr(peer, ':') ? "2001:db8:ff::1" : "203.0.113.1");
	struct fgw_addr p = unit_addr(peer);
	struct fgw_vaccess *va = fgw_vaccess_create(&c, &tmpl[t], &local, &p, 0, err, sizeof(err));

	if (va == NULL)
		fprintf(stderr, "create: %s\n", err);
	return va;
}

static struct fgw_sa *sa_new(uint32_t spi, bool inbound, const struct fgw_vaccess *va)
{
	struct fgw_sa *sa = fgw_sa_alloc(inbound ? 128 : 0, SOCKET_ID_ANY);
	struct fgw_sa_keys keys;
	char err[256];

	if (sa == NULL)
		abort();
	sa->spi = spi;
	sa->flags = inbound ? FGW_SA_F_INBOUND : 0;
	sa->mode = FGW_SA_TUNNEL;
	sa->cipher = FGW_CIPHER_AES_GCM_128;
	sa->integ = FGW_INTEG_NONE;
	sa->ttl = 64;
	sa->src = inbound ? va->dst : va->src;
	sa->dst = inbound ? va->src : va->dst;
	memset(&keys, 7, sizeof(keys));
	if (fgw_sa_prepare(sa, &keys, fgw_dp_crypto_mgr(&dp), err, sizeof(err)) < 0)
		abort();
	return sa;
}

static bool addr_is(const struct fgw_addr *a, const char *s)
{
	struct fgw_addr b = unit_addr(s);

	return fgw_addr_eq(a, &b);
}

static struct fgw_vaccess *va1, *va2;

static bool from_template(void)
{
	struct fgw_addr src, dst;
	const struct fgw_if *ifp;

	va1 = make(0, "203.0.113.50");
	EXPECT(va1 != NULL && va1->number == 1, "number");
	ifp = &dp.ifs[va1->ifindex];
	EXPECT(strcmp(ifp->name, "Virtual-Access1") == 0 && ifp->kind == FGW_IF_TUNNEL &&
	       ifp->up && ifp->mtu == 1400, "%s mtu %u", ifp->name, ifp->mtu);
	EXPECT(fgw_tunnel_endpoints(&dp, va1->ifindex, &src, &dst) == 0 &&
	       addr_is(&src, "203.0.113.1") && addr_is(&dst, "203.0.113.50"), "endpoints");
	EXPECT(va1->kind == FGW_TUNNEL_IPSEC && fgw_vaccess_get(&c, 1) == va1, "kind");
	/* auto: the peer's kind and family */
	{
		struct fgw_addr local = unit_addr("2001:db8:ff::1"), peer = unit_addr("2001:db8:ff::9");
		char err[256];

		va2 = fgw_vaccess_create(&c, &tmpl[1], &local, &peer, FGW_TUNNEL_GRE, err,
					 sizeof(err));
		EXPECT(va2 != NULL && va2->number == 2 && va2->kind == FGW_TUNNEL_GRE &&
		       dp.ifs[va2->ifindex].mtu == 1380, "auto GRE over IPv6: %s", err);
		/* a fixed IPv4 mode and an IPv6 peer */
		EXPECT(fgw_vaccess_create(&c, &tmpl[0], &local, &peer, 0, err, sizeof(err)) ==
		       NULL && strstr(err, "IP version") != NULL, "%s", err);
	}
	return true;
}

/* The peer's address and its subnet go through the interface, over a
 * worse static route, and come back to it when the interface goes. */
static bool routes_and_sas_go_with_it(void)
{
	struct fgw_prefix host = unit_prefix("10.9.0.5/32"), net = unit_prefix("10.9.8.0/24");
	uint32_t ifindex = va1->ifindex;
	char err[256];
	struct fgw_sa *in, *in_old, *out, *other;

	EXPECT(route("10.9.8.1")->type == FGW_NH_BLACKHOLE, "static first");
	EXPECT(fgw_vaccess_route_add(&c, va1, &host, 1, err, sizeof(err)) == 0, "%s", err);
	EXPECT(fgw_vaccess_route_add(&c, va1, &net, 2, err, sizeof(err)) == 0, "%s", err);
	EXPECT(route("10.9.0.5")->type == FGW_NH_TUNNEL && route("10.9.0.5")->ifindex == ifindex,
	       "host");
	EXPECT(route("10.9.8.77")->type == FGW_NH_TUNNEL && route("10.9.8.77")->ifindex == ifindex,
	       "subnet");
	EXPECT(route("10.9.9.1")->type == FGW_NH_BLACKHOLE, "the rest of the static");
	EXPECT(rib_via(ifindex) == 2, "RIB");
	/* SAs: a current and a rekeyed-away inbound one, the outbound one;
	 * another interface's SA stays */
	in = sa_new(fgw_spi_make(11, 1), true, va1);
	in_old = sa_new(fgw_spi_make(12, 1), true, va1);
	out = sa_new(0xc0ffee01, false, va1);
	other = sa_new(fgw_spi_make(13, 1), true, va2);
	other->mode = FGW_SA_TRANSPORT;	/* va2 is GRE */
	EXPECT(fgw_sa_in_add(&dp, ifindex, in, 0, err, sizeof(err)) == 0, "%s", err);
	EXPECT(fgw_sa_in_add(&dp, ifindex, in_old, 0, err, sizeof(err)) == 0, "%s", err);
	EXPECT(fgw_tunnel_sa_out_set(&dp, ifindex, out, err, sizeof(err)) == 0, "%s", err);
	EXPECT(fgw_sa_in_add(&dp, va2->ifindex, other, 0, err, sizeof(err)) == 0, "%s", err);
	/* one deleted on its own first (a rekey's old SA): the interface
	 * must not free it again */
	EXPECT(fgw_sa_in_del(&dp, fgw_spi_make(12, 1)) == 0 &&
	       fgw_sa_in_get(&dp, fgw_spi_make(12, 1)) == NULL, "old SA");

	fgw_vaccess_destroy(&c, va1);
	va1 = NULL;
	EXPECT(fgw_vaccess_get(&c, 1) == NULL && c.flexvpn->n_va == 1, "still there");
	EXPECT(route("10.9.0.5")->type == FGW_NH_BLACKHOLE &&
	       route("10.9.8.77")->type == FGW_NH_BLACKHOLE, "static back");
	EXPECT(rib_via(ifindex) == 0, "RIB entries left");
	EXPECT(dp.ifs[ifindex].kind == FGW_IF_UNUSED && !dp.ifs[ifindex].up &&
	       dp.ifs[ifindex].name[0] == '\0' && fgw_if_by_name(&dp, "Virtual-Access1") < 0,
	       "interface");
	EXPECT(fgw_sa_in_get(&dp, fgw_spi_make(11, 1)) == NULL &&
	       fgw_sa_in_get(&dp, fgw_spi_make(12, 1)) == NULL, "inbound SAs");
	EXPECT(fgw_sa_in_get(&dp, fgw_spi_make(13, 1)) == other, "the other's SA");
	EXPECT(fgw_tunnel_endpoints(&dp, ifindex, &(struct fgw_addr){ 0 },
				    &(struct fgw_addr){ 0 }) == -1, "tunnel");
	return true;
}

/* The lowest free number and a free ifindex are reused. */
static bool reuse(void)
{
	unsigned n_ifs = dp.n_ifs;
	struct fgw_vaccess *a = make(0, "203.0.113.60"), *b;

	EXPECT(a != NULL && a->number == 1 && dp.n_ifs == n_ifs, "number %u, %u interfaces",
	       a ? a->number : 0, dp.n_ifs);
	b = make(0, "203.0.113.61");
	EXPECT(b != NULL && b->number == 3 && dp.n_ifs == n_ifs + 1, "number %u",
	       b ? b->number : 0);
	fgw_vaccess_destroy(&c, a);
	fgw_vaccess_destroy(&c, b);
	return true;
}

static char *run_cmd(const char *line, bool *ok)
{
	static struct fgw_counters_baseline baseline;
	struct fgw_text out = { 0 };

	*ok = fgw_cmd_run(&c, &baseline, line, &out);
	return out.buf;
}

static bool show_command(void)
{
	static const char *const want[] = {
		"Virtual-Access1 is up, line protocol is up\n",
		"  Interface is unnumbered. Using address of Loopback0 (198.51.100.1)\n",
		"  MTU 1400 bytes\n",
		"  TCP MSS adjusted to 1360\n",
		"  Tunnel vaccess, cloned from Virtual-Template1\n",
		"  Tunnel source 203.0.113.1, destination 203.0.113.70\n",
		"  Tunnel protocol/transport IPSEC/IP\n",
		"  Tunnel protection via IPSec (profile \"USERS\")\n",
		"  Route 10.9.0.7/32 via this interface\n",
	};
	struct fgw_prefix host = unit_prefix("10.9.0.7/32");
	struct fgw_vaccess *va = make(0, "203.0.113.70");
	struct fgw_sa *in;
	char err[256];
	bool ok;
	char *s;
	json_t *j, *e;

	EXPECT(va != NULL && va->number == 1, "create");
	EXPECT(fgw_vaccess_route_add(&c, va, &host, 1, err, sizeof(err)) == 0, "%s", err);
	/* no SA yet (IKE still at it): show crypto ipsec sa names the
	 * endpoints all the same */
	s = run_cmd("show crypto ipsec sa", &ok);
	EXPECT(ok && strstr(s, "interface: Virtual-Access1\n"
			    "    local  ident (addr): 203.0.113.1\n"
			    "    remote ident (addr): 203.0.113.70\n") != NULL, "%s", s);
	free(s);
	/* errors: what its inbound SA dropped (a replay, an integrity
	 * failure) and a decrypted packet dropped are input errors, an
	 * outbound loss an output error, not "dropped" on the output line */
	in = sa_new(fgw_spi_make(14, 1), true, va);
	EXPECT(fgw_sa_in_add(&dp, va->ifindex, in, 0, err, sizeof(err)) == 0, "%s", err);
	in->stats.drop[FGW_SA_DROP_REPLAY] = 1;
	in->stats.drop[FGW_SA_DROP_AUTH] = 1;
	fgw_tunnel_w(&dp, va->ifindex, 0)->rx_drops = 1;
	fgw_tunnel_w(&dp, va->ifindex, 0)->tx_drops = 4;
	s = run_cmd("show interfaces virtual-access 1", &ok);
	EXPECT(ok && s != NULL, "%s", s ? s : "-");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		EXPECT(strstr(s, want[i]) != NULL, "no \"%s\" in:\n%.300s", want[i], s);
	EXPECT(strstr(s, "     3 input errors\n") != NULL &&
	       strstr(s, "     4 output errors\n") != NULL, "errors in:\n%s", s);
	free(s);
	s = run_cmd("show interfaces Virtual-Access1", &ok);
	EXPECT(ok && strstr(s, "     3 input errors\n") != NULL &&
	       strstr(s, "     4 output errors\n") != NULL, "show interfaces:\n%s", s);
	EXPECT(strstr(s, "Virtual-Access2") == NULL, "only 1");
	free(s);
	s = run_cmd("show interfaces virtual-access --json", &ok);
	j = ok ? json_loads(s, 0, NULL) : NULL;
	free(s);
	EXPECT(j != NULL && json_array_size(json_object_get(j, "virtual_access")) == 2, "json");
	e = json_array_get(json_object_get(j, "virtual_access"), 1);
	EXPECT(strcmp(json_string_value(json_object_get(e, "name")), "Virtual-Access2") == 0 &&
	       strcmp(json_string_value(json_object_get(e, "mode")), "gre ipv6") == 0 &&
	       json_is_null(json_object_get(e, "unnumbered")), "second");
	json_decref(j);
	s = run_cmd("show interfaces virtual-access Virtual-Access2", &ok);
	EXPECT(ok && strstr(s, "Tunnel protocol/transport GRE/IPV6") != NULL, "by name");
	free(s);
	s = run_cmd("show interfaces virtual-access 9", &ok);
	EXPECT(!ok && strstr(s, "No interface Virtual-Access9") != NULL, "%s", s);
	free(s);
	s = run_cmd("show interfaces", &ok);
	EXPECT(ok && strstr(s, "Virtual-Access1 is up") != NULL, "show interfaces");
	free(s);
	fgw_vaccess_destroy(&c, va);
	return true;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t heap_bytes(void)
{
	struct rte_malloc_socket_stats st;
	struct mallinfo2 mi = mallinfo2();
	size_t n = mi.uordblks + mi.hblkhd;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			n += st.heap_allocsz_bytes;
	return n;
}

/* Not a test of speed: the figures are printed. 10,000 interfaces (issue
 * 6's hub), each with its peer's address and a subnet routed through it
 * and an inbound and an outbound SA, then all destroyed; two rounds. The
 * SAs' key schedules are made beforehand (IKE's work, not the
 * interface's). The rates would fall with the number of interfaces if
 * routes or SAs were found by reading every one. */
static bool benchmark(void)
{
	unsigned n = 10000;
	struct fgw_vaccess **v = calloc(n, sizeof(*v));
	struct fgw_sa **in = calloc(n, sizeof(*in)), **out = calloc(n, sizeof(*out));
	double t_create = 0, t_destroy = 0;
	size_t before, after = 0;
	unsigned rib_n = c.rib.n;
	char err[256];

	EXPECT(v != NULL && in != NULL && out != NULL, "memory");
	EXPECT(dp.params.max_ifs - dp.n_ifs >= n, "%u interfaces", dp.params.max_ifs);
	for (int round = 0; round < 2; round++) {
		struct fgw_addr local = unit_addr("203.0.113.1");
		double t0;

		for (unsigned i = 0; i < n; i++) {
			struct fgw_vaccess peer = { .src = local, .dst = { .family = AF_INET,
						    .v4 = htonl(0xc6120000u + i) } }; /* 198.18/15 */

			in[i] = sa_new(fgw_spi_make(1000 + i, 1), true, &peer);
			out[i] = sa_new(0xd0000000u + i, false, &peer);
		}
		before = heap_bytes();
		t0 = now_s();
		for (unsigned i = 0; i < n; i++) {
			struct fgw_prefix host = { .addr = { .family = AF_INET,
							     .v4 = htonl(0x0a400000u + i) }, .len = 32 };
			struct fgw_prefix net = { .addr = { .family = AF_INET,
							    .v4 = htonl(0x0b000000u + (i << 8)) },
						  .len = 24 };

			v[i] = fgw_vaccess_create(&c, &tmpl[0], &local, &in[i]->src, 0, err,
						  sizeof(err));
			EXPECT(v[i] != NULL, "%u: %s", i, err);
			EXPECT(fgw_vaccess_route_add(&c, v[i], &host, 1, err, sizeof(err)) == 0 &&
			       fgw_vaccess_route_add(&c, v[i], &net, 2, err, sizeof(err)) == 0,
			       "%s", err);
			EXPECT(fgw_sa_in_add(&dp, v[i]->ifindex, in[i], 0, err, sizeof(err)) == 0,
			       "%s", err);
			EXPECT(fgw_tunnel_sa_out_set(&dp, v[i]->ifindex, out[i], err,
						     sizeof(err)) == 0, "%s", err);
		}
		t_create += now_s() - t0;
		after = heap_bytes();
		EXPECT(route("10.64.0.9")->ifindex == v[9]->ifindex &&
		       fgw_sa_in_get(&dp, fgw_spi_make(1009, 1)) == in[9], "routed");
		t0 = now_s();
		/* not in the order made: the last made is not always the one to go */
		for (unsigned i = 0; i < n; i++)
			fgw_vaccess_destroy(&c, v[(i * 7919u) % n]);
		t_destroy += now_s() - t0;
		EXPECT(c.flexvpn->n_va == 0 && route("10.64.0.9")->type == FGW_NH_NONE &&
		       route("11.0.9.1")->type == FGW_NH_NONE &&
		       fgw_sa_in_get(&dp, fgw_spi_make(1009, 1)) == NULL, "all gone");
		EXPECT(c.rib.n == rib_n, "%u RIB entries left, %u before", c.rib.n, rib_n);
	}
	printf("# %u virtual-access interfaces x 2 rounds, 2 routes and 2 SAs each: %.0f "
	       "created/s, %.0f destroyed/s, %zu bytes per interface (with its routes and SA "
	       "slots, not the SAs)\n", n, 2 * n / t_create, 2 * n / t_destroy,
	       (after - before) / n);
	free(v);
	free(in);
	free(out);
	return true;
}

/* A manually keyed tunnel is a crypto session (show_crypto_session.c):
 * UP-NO-IKE with its SAs, DOWN without (IOS has no "DOWN-NO-IKE"). */
static bool manual_session_down_without_sa(void)
{
	static struct fgw_tunnel_cfg tc = {
		.name = "Tunnel7", .mode = FGW_TUNNEL_IPSEC_IPV4,
		.manual_sa = { .transform_set = "GCM", .inbound = { .spi = 0x7007 } },
	};
	struct fgw_tunnel_params p = {
		.name = "Tunnel7", .kind = FGW_TUNNEL_IPSEC, .src = unit_addr("203.0.113.1"),
		.dst = unit_addr("203.0.113.77"),
	};
	char err[256];
	json_t *j, *e;
	bool ok;
	char *s;
	int t = fgw_tunnel_add(&dp, &p, err, sizeof(err));

	EXPECT(t >= 0, "%s", err);
	cfg.tunnels = &tc;
	cfg.n_tunnels = 1;
	s = run_cmd("show crypto session --json", &ok);
	j = ok ? json_loads(s, 0, NULL) : NULL;
	free(s);
	e = json_array_get(json_object_get(j, "sessions"), 0);
	EXPECT(j != NULL && json_array_size(json_object_get(j, "sessions")) == 1 &&
	       json_is_true(json_object_get(e, "manual")) &&
	       strcmp(json_string_value(json_object_get(e, "status")), "DOWN") == 0 &&
	       strcmp(json_string_value(json_object_get(e, "peer")), "203.0.113.77") == 0 &&
	       json_integer_value(json_object_get(e, "active_sas")) == 0, "session");
	json_decref(j);
	s = run_cmd("show crypto session", &ok);
	EXPECT(ok && strstr(s, "Interface: Tunnel7\nProfile: (none)\nSession status: DOWN\n"
			    "Peer: 203.0.113.77\n  IPSEC FLOW: permit ip 0.0.0.0/0.0.0.0 "
			    "0.0.0.0/0.0.0.0\n        Active SAs: 0, origin: crypto map\n") != NULL,
	       "%s", s);
	free(s);
	cfg.n_tunnels = 0;
	EXPECT(fgw_tunnel_del(&dp, (uint32_t)t) == 0, "delete");
	return true;
}

int main(void)
{
	setup();
	RUN(from_template);
	RUN(routes_and_sas_go_with_it);
	RUN(reuse);
	RUN(show_command);
	RUN(manual_session_down_without_sa);
	if (va2 != NULL)
		fgw_vaccess_destroy(&c, va2);
	RUN(benchmark);
	fgw_flexvpn_free(&c);
	fgw_rib_free(&c);
	fgw_dp_stop(&dp);
	unit_eal_cleanup();
	return unit_summary();
}
