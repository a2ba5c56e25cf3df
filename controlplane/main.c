/* flexgw: the gateway process.
 *
 * Loads the configuration, turns it into EAL arguments, brings up the data
 * plane, then runs the control lcore's loop on the main lcore until SIGINT or
 * SIGTERM. Workers run on the other lcores (dataplane/worker.c). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_timer.h>
#include <rte_version.h>

#include "common/log.h"
#include "config/config.h"
#include "controlplane/control.h"
#include "controlplane/flexvpn/flexvpn.h"
#include "controlplane/ikev2/ike.h"
#include "dataplane/dp.h"

#define EAL_ARGV_MAX (FGW_EAL_ARGS_MAX * 2 + 3 * FGW_MAX_PORTS + 32)
/* The control loop sleeps this long when a pass found nothing to do: it
 * keeps one of a small box's cores free for the kernel without adding more
 * than a fraction of a millisecond to ARP, ICMP or flexctl latency. */
#define CONTROL_IDLE_SLEEP_US 50

static struct fgw_control control;

static void on_signal(int sig)
{
	(void)sig;
	control.stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: flexgw -c FILE [--ctl SOCKET] [-v] [-- EAL arguments...]\n"
		"       flexgw --check-config FILE\n"
		"  -c, --config FILE      the configuration (JSON, see config/SCHEMA.md)\n"
		"      --check-config FILE  validate FILE and exit (does not start DPDK)\n"
		"      --ctl SOCKET       control socket for flexctl (default: system.control_socket)\n"
		"  -v, --debug            log at debug level\n"
		"  -h, --help             this text\n");
}

static int check_config(const char *path)
{
	char err[1024];
	struct fgw_config *cfg = fgw_config_load_file(path, err, sizeof(err));

	if (cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s: configuration OK\n", path);
	fgw_config_free(cfg);
	return 0;
}

/* ---- EAL arguments ---------------------------------------------------- */

struct eal_argv {
	char *v[EAL_ARGV_MAX];
	int n;
	char *owned[EAL_ARGV_MAX];	/* strings built here, freed at exit */
	int n_owned;
};

static bool argv_push(struct eal_argv *a, char *s)
{
	if (a->n >= EAL_ARGV_MAX - 1)
		return false;
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return true;
}

static bool argv_pushf(struct eal_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool argv_pushf(struct eal_argv *a, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return false;
	a->owned[a->n_owned++] = s;
	return argv_push(a, s);
}

static bool user_gave(char *const *args, int n, const char *opt)
{
	size_t len = strlen(opt);

	for (int i = 0; i < n; i++)
		if (strncmp(args[i], opt, len) == 0 && (args[i][len] == '\0' || args[i][len] == '='))
			return true;
	return false;
}

/* Every worker owns one RX and one TX queue per port. af_packet's queue
 * count is a device argument, so supply it when the operator did not. */
static bool device_needs_qpairs(const char *device)
{
	return strncmp(device, "net_af_packet", 13) == 0 && strstr(device, "qpairs=") == NULL;
}

static bool build_eal_argv(struct eal_argv *a, const struct fgw_config *cfg,
			   char *const *extra, int n_extra)
{
	const struct fgw_dataplane_cfg *dpc = &cfg->dataplane;
	char *user[FGW_EAL_ARGS_MAX + EAL_ARGV_MAX];
	int n_user = 0;
	char lcores[128];
	int off;
	bool ok = true;

	for (unsigned i = 0; i < dpc->n_eal_args; i++)
		user[n_user++] = dpc->eal_args[i];
	for (int i = 0; i < n_extra && n_user < (int)RTE_DIM(user); i++)
		user[n_user++] = extra[i];

	ok &= argv_push(a, "flexgw");
	if (!user_gave(user, n_user, "-l") && !user_gave(user, n_user, "--lcores")) {
		off = snprintf(lcores, sizeof(lcores), "%u", dpc->control_lcore);
		for (unsigned i = 0; i < dpc->n_workers; i++)
			off += snprintf(lcores + off, sizeof(lcores) - (size_t)off, ",%u",
					dpc->worker_lcores[i]);
		ok &= argv_push(a, "-l") && argv_pushf(a, "%s", lcores);
		ok &= argv_pushf(a, "--main-lcore=%u", dpc->control_lcore);
	}
	/* Defaults for a box without hugepages or a PCI NIC; each is dropped
	 * when the operator says otherwise. */
	if (!user_gave(user, n_user, "--huge-dir") && !user_gave(user, n_user, "--no-huge") &&
	    !user_gave(user, n_user, "--huge"))
		ok &= argv_push(a, "--no-huge");
	if (!user_gave(user, n_user, "--no-shconf"))
		ok &= argv_push(a, "--no-shconf");
	if (!user_gave(user, n_user, "-m") && !user_gave(user, n_user, "--socket-mem"))
		ok &= argv_push(a, "-m") && argv_pushf(a, "%u", dpc->memory_mb);
	if (!user_gave(user, n_user, "--file-prefix"))
		ok &= argv_pushf(a, "--file-prefix=flexgw-%d", (int)getpid());
	/* PCI ports are allow-listed for EAL's probe; virtual devices are
	 * attached one by one after init (attach_vdev) so that a bad one is
	 * reported with the port that names it. */
	bool any_pci = false;
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const char *dev = cfg->ports[i].device;

		if (strcmp(fgw_port_eal_flag(dev), "-a") != 0)
			continue;
		any_pci = true;
		ok &= argv_push(a, "-a") && argv_pushf(a, "%s", dev);
	}
	if (!any_pci && !user_gave(user, n_user, "--no-pci") && !user_gave(user, n_user, "-a"))
		ok &= argv_push(a, "--no-pci");
	for (int i = 0; i < n_user; i++)
		ok &= argv_push(a, user[i]);
	return ok;
}

/* ---- bring-up and the control loop -------------------------------------- */

static int attach_vdev(const struct fgw_port_cfg *p, unsigned n_workers)
{
	char devargs[FGW_DEVARGS_MAX + 16];
	int rc;

	if (device_needs_qpairs(p->device))
		snprintf(devargs, sizeof(devargs), "%s,qpairs=%u", p->device, n_workers);
	else
		snprintf(devargs, sizeof(devargs), "%s", p->device);
	rc = rte_dev_probe(devargs);
	if (rc < 0) {
		/* rte_dev_probe's error codes are not specific enough to name
		 * the cause; EAL's own log line just above this one does. */
		FGW_ERR("port %s: cannot attach device \"%s\": unknown driver, bad device "
			"argument or missing kernel interface", p->name, p->device);
		return -1;
	}
	return 0;
}

static int add_interfaces(struct fgw_dp *dp, const struct fgw_config *cfg)
{
	char err[256];

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct fgw_port_cfg *p = &cfg->ports[i];

		if (strcmp(fgw_port_eal_flag(p->device), "--vdev") == 0 &&
		    attach_vdev(p, cfg->dataplane.n_workers) < 0)
			return -1;
		if (fgw_port_add(dp, p->name, p->device, p->mtu, &p->ipv4, &p->ipv6,
				 err, sizeof(err)) < 0) {
			FGW_ERR("port %s (%s): %s", p->name, p->device, err);
			return -1;
		}
		if (p->shutdown)
			dp->ifs[fgw_if_by_name(dp, p->name)].up = false;
	}
	for (unsigned i = 0; i < cfg->n_loopbacks; i++) {
		const struct fgw_loopback_cfg *l = &cfg->loopbacks[i];

		if (fgw_loopback_add(dp, l->name, &l->ipv4, &l->ipv6, err, sizeof(err)) < 0) {
			FGW_ERR("loopback %s: %s", l->name, err);
			return -1;
		}
	}
	return 0;
}

static void control_loop(struct fgw_control *c)
{
	while (!c->stop) {
		unsigned work = fgw_punt_poll(c);

		work += fgw_ctl_server_poll(c);
		rte_timer_manage();
		if (work == 0)
			usleep(CONTROL_IDLE_SLEEP_US);
	}
}

static enum fgw_log_level log_level_from(const char *name)
{
	static const char *const names[] = { "err", "warn", "notice", "info", "debug" };

	for (unsigned i = 0; i < RTE_DIM(names); i++)
		if (strcmp(name, names[i]) == 0)
			return (enum fgw_log_level)i;
	return FGW_LOG_INFO;
}

/* Tables sized for the configuration: every port, loopback and tunnel an
 * interface, with the default's room left for interfaces made at run time;
 * inbound SA slots as the configuration says (its manual SPIs were checked
 * against that size); per family, the static routes and a connected and a
 * local route per interface. */
static void size_tables(struct fgw_dp_params *p, const struct fgw_config *cfg)
{
	/* a hub clones a virtual-access per peer: as many as limits.max_sa
	 * lets in, 64k when it is unlimited */
	unsigned peers = cfg->n_virtual_templates == 0 ? 0 :
			 cfg->ikev2.limits.max_sa ? cfg->ikev2.limits.max_sa : 1u << 16;
	unsigned ifs = cfg->n_ports + cfg->n_loopbacks + cfg->n_tunnels + peers;
	unsigned routes = cfg->n_routes + 2 * ifs;

	p->max_ifs = ifs + FGW_DEFAULT_IFS;
	p->max_sas = fgw_config_sa_slots(cfg);
	p->max_routes = routes > FGW_DEFAULT_ROUTES ? routes : 0;
}

static int run(struct fgw_config *cfg, const char *ctl_path, bool debug,
	       char *const *extra, int n_extra)
{
	static struct fgw_dp dp;
	struct eal_argv eal = { 0 };
	struct fgw_dp_params params = { 0 };
	char err[256];
	int rc = 1;

	fgw_log_set_level(debug ? FGW_LOG_DEBUG : log_level_from(cfg->system.log_level));
	if (!build_eal_argv(&eal, cfg, extra, n_extra)) {
		FGW_ERR("too many EAL arguments");
		goto out_argv;
	}
	if (rte_eal_init(eal.n, eal.v) < 0) {
		FGW_ERR("EAL initialisation failed: %s", rte_strerror(rte_errno));
		goto out_argv;
	}
	FGW_NOTICE("flexgw starting: %s, %u worker(s)", rte_version(), cfg->dataplane.n_workers);
	rte_timer_subsystem_init();

	params.n_workers = cfg->dataplane.n_workers;
	memcpy(params.worker_lcores, cfg->dataplane.worker_lcores, sizeof(params.worker_lcores));
	params.burst = cfg->dataplane.burst;
	params.mbufs = cfg->dataplane.mbufs;
	params.idle_sleep_us = cfg->dataplane.idle_sleep_us;
	size_tables(&params, cfg);
	if (fgw_dp_init(&dp, &params, err, sizeof(err)) < 0) {
		FGW_ERR("data plane: %s", err);
		goto out_eal;
	}
	if (add_interfaces(&dp, cfg) < 0)
		goto out_dp;

	control.dp = &dp;
	control.cfg = cfg;
	control.started = rte_get_timer_cycles();
	if (fgw_tunnels_setup(&control, err, sizeof(err)) < 0) {
		FGW_ERR("tunnels: %s", err);
		goto out_dp;
	}
	if (fgw_rib_init(&control, err, sizeof(err)) < 0) {
		FGW_ERR("routes: %s", err);
		goto out_dp;
	}
	if (fgw_neigh_init(&control, err, sizeof(err)) < 0) {
		FGW_ERR("neighbours: %s", err);
		goto out_rib;
	}
	if (fgw_ctl_server_open(&control, ctl_path ? ctl_path : cfg->system.control_socket,
				err, sizeof(err)) < 0) {
		FGW_ERR("control socket: %s", err);
		goto out_neigh;
	}
	if (fgw_telemetry_register(&control) < 0)
		FGW_WARN("DPDK telemetry commands not registered: counters only via flexctl");
	if (fgw_flexvpn_init(&control, err, sizeof(err)) < 0) {
		FGW_ERR("FlexVPN: %s", err);
		goto out_ctl;
	}
	if (fgw_ike_start(&control, err, sizeof(err)) < 0) {
		FGW_ERR("%s", err);
		goto out_flexvpn;
	}

	if (fgw_workers_launch(&dp) < 0) {
		FGW_ERR("cannot launch workers");
		goto out_ike;
	}
	FGW_NOTICE("flexgw up: %u port(s), %u loopback(s), %u route(s); control socket %s",
		   cfg->n_ports, cfg->n_loopbacks, control.rib.n,
		   ctl_path ? ctl_path : cfg->system.control_socket);
	control_loop(&control);
	FGW_NOTICE("flexgw stopping");
	rc = 0;
out_ike:
	/* While the workers still run: the DELETEs go out through them. */
	fgw_ike_stop(&control);
out_flexvpn:
	fgw_flexvpn_free(&control);
out_ctl:
	fgw_ctl_server_close(&control);
out_neigh:
	fgw_neigh_free(&control);
out_rib:
	fgw_rib_free(&control);
out_dp:
	fgw_manual_life_stop(&control);
	fgw_dp_stop(&dp);
out_eal:
	rte_eal_cleanup();
out_argv:
	for (int i = 0; i < eal.n_owned; i++)
		free(eal.owned[i]);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "ctl", required_argument, NULL, 's' },
		{ "debug", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL, *ctl_path = NULL;
	bool debug = false;
	char err[1024];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'C':
			return check_config(optarg);
		case 's':
			ctl_path = optarg;
			break;
		case 'v':
			debug = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (config_path == NULL) {
		usage(stderr);
		return 2;
	}
	struct fgw_config *cfg = fgw_config_load_file(config_path, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* Before anything needs undoing (EAL runtime files, the control
	 * socket): a SIGTERM during start-up then ends it through the same
	 * clean-up as a stop, the control loop returning at once. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	/* Whatever getopt left after "--" belongs to EAL. */
	rc = run(cfg, ctl_path, debug, argv + optind, argc - optind);
	fgw_config_free(cfg);
	return rc;
}
