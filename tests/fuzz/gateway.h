/* A whole flexgw control lcore for the fuzz targets of the IKE engine and
 * the flexctl commands: main.c's bring-up from a configuration
 * (tests/fuzz/ike_engine/gateway.json), on two net_null ports, with
 * neither worker threads nor sockets. The data path's worker is run by
 * hand (gw_service): it applies the control lcore's messages and
 * transmits what the control lcore injected, so every mbuf comes back.
 * No timer fires: nothing calls rte_timer_manage. */
#ifndef FGW_TEST_FUZZ_GATEWAY_H
#define FGW_TEST_FUZZ_GATEWAY_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_memory.h>
#include <rte_timer.h>
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define GW_LSAN 1
#endif
#endif

#include "controlplane/control.h"
#include "controlplane/flexvpn/flexvpn.h"
#include "controlplane/ikev2/engine.h"
#include "controlplane/ikev2/ike.h"
#include "dataplane/dp.h"
#include "dataplane/private.h"
#include "dataplane/worker.h"

static struct fgw_dp gw_dp;
static struct fgw_control gw;
static struct fgw_config *gw_cfg;

static void gw_die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz gateway: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

/* The worker's turn: messages applied, injected frames sent (net_null
 * frees them). */
static void gw_service(void)
{
	while (fgw_worker_service(gw_dp.workers[0]) > 0)
		;
}

/* DPDK's memory holds pointers to malloc'd objects (a tunnel's inbound SA
 * array, IPsec-MB's managers): LeakSanitizer scans it as it scans the
 * heap, else what only DPDK's memory points to would read as leaked. */
static int gw_lsan_root(const struct rte_memseg_list *msl, void *arg)
{
	(void)arg;
#ifdef GW_LSAN
	__lsan_register_root_region(msl->base_va, msl->len);
#else
	(void)msl;
#endif
	return 0;
}

static void gw_ike_start(void)
{
	char err[256];

	/* fgw_ike_stop leaves its UDP ports claimed (flexgw never restarts
	 * the engine): give them back so that the next start claims them. */
	gw.n_udp = 0;
	if (fgw_ike_start(&gw, err, sizeof(err)) < 0)
		gw_die("IKE", err);
}

/* Every IKE SA down without a DELETE (a DELETE would wait for a worker
 * thread to send it), then the engine stops and frees everything. */
static void gw_ike_stop(void)
{
	struct fgw_ike_sa *sa;

	TAILQ_FOREACH(sa, &gw.ike->sas, link)
		ike_sa_kill(sa);
	fgw_ike_stop(&gw);
	gw_service();
}

static void gw_down(void)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	fgw_flexvpn_free(&gw);
	fgw_neigh_free(&gw);
	fgw_rib_free(&gw);
	fgw_dp_stop(&gw_dp);
	fgw_config_free(gw_cfg);
	rte_eal_cleanup();
	rmdir(dir);		/* EAL leaves it behind, empty */
}

static struct fgw_addr gw_addr(const char *s)
{
	struct fgw_addr a;

	if (!fgw_addr_parse(s, &a))
		gw_die("bad address", s);
	return a;
}

/* The peers' MACs are known: what the engine sends leaves at once. */
static void gw_neighbour(const char *port, const char *addr)
{
	static const struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0x0b, 0x02 } };
	struct fgw_addr a = gw_addr(addr);

	fgw_neigh_learn(&gw, (uint32_t)fgw_if_by_name(&gw_dp, port), &a, &mac, true);
}

static void gw_up(const char *prog, const char *config)
{
	char file_prefix[64], err[256];
	char *eal[] = {
		(char *)prog, "--no-huge", "--no-shconf", "-m", "256", "--no-pci",
		"--no-telemetry", "-l", "0", "--log-level=error", file_prefix,
		"--vdev", "net_null0", "--vdev", "net_null1",
	};
	struct fgw_dp_params params = { .n_workers = 1, .worker_lcores = { 0 }, .burst = 32,
					.mbufs = 2047, .max_sas = 256 };

	gw_cfg = fgw_config_load_file(config, err, sizeof(err));
	if (gw_cfg == NULL)
		gw_die("configuration", err);
	/* FGW_FUZZ_DEBUG=1: every IKE message and decision logged, to read
	 * what one input did. */
	fgw_log_set_level(getenv("FGW_FUZZ_DEBUG") ? FGW_LOG_DEBUG : FGW_LOG_ERR);
	snprintf(file_prefix, sizeof(file_prefix), "--file-prefix=fuzzgw-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0 || rte_timer_subsystem_init() < 0)
		gw_die("EAL initialisation failed", NULL);
	rte_memseg_list_walk(gw_lsan_root, NULL);
	if (fgw_dp_init(&gw_dp, &params, err, sizeof(err)) < 0)
		gw_die("data plane", err);
	for (unsigned i = 0; i < gw_cfg->n_ports; i++) {
		const struct fgw_port_cfg *p = &gw_cfg->ports[i];

		if (fgw_port_add(&gw_dp, p->name, p->device, p->mtu, &p->ipv4, &p->ipv6,
				 err, sizeof(err)) < 0)
			gw_die(p->name, err);
	}
	for (unsigned i = 0; i < gw_cfg->n_loopbacks; i++) {
		const struct fgw_loopback_cfg *l = &gw_cfg->loopbacks[i];

		if (fgw_loopback_add(&gw_dp, l->name, &l->ipv4, &l->ipv6, err, sizeof(err)) < 0)
			gw_die(l->name, err);
	}
	gw.dp = &gw_dp;
	gw.cfg = gw_cfg;
	gw.started = rte_get_timer_cycles();
	if (fgw_tunnels_setup(&gw, err, sizeof(err)) < 0 || fgw_rib_init(&gw, err, sizeof(err)) < 0 ||
	    fgw_neigh_init(&gw, err, sizeof(err)) < 0 || fgw_flexvpn_init(&gw, err, sizeof(err)) < 0)
		gw_die("control lcore", err);
	gw_neighbour("GigabitEthernet1", "203.0.113.2");
	gw_neighbour("GigabitEthernet1", "203.0.113.3");
	gw_neighbour("GigabitEthernet1", "203.0.113.9");
	gw_neighbour("GigabitEthernet1", "2001:db8:ff::2");
	gw_ike_start();
	gw_service();
	atexit(gw_down);
}

#endif
