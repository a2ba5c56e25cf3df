/* The whole box's configuration, as loaded from one JSON file.
 *
 * Each struct mirrors one IOS FlexVPN block (see config/SCHEMA.md). The
 * loader fills every field, applying smart defaults, and checks every cross
 * reference, so consumers never re-validate. Arrays are heap-allocated and
 * freed by fgw_config_free(). */
#ifndef FGW_CONFIG_H
#define FGW_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"

#define FGW_NAME_MAX 48
#define FGW_DEVARGS_MAX 256
#define FGW_MAX_WORKERS 8
#define FGW_EAL_ARGS_MAX 32

/* ---- interfaces, addressing, routing -------------------------------- */

struct fgw_port_cfg {
	char name[FGW_NAME_MAX];	/* e.g. "GigabitEthernet1" */
	char device[FGW_DEVARGS_MAX];	/* DPDK devargs: "net_af_packet0,iface=veth0" or a PCI address */
	char description[128];
	struct fgw_prefix ipv4;		/* addr.family == 0: no IPv4 address */
	struct fgw_prefix ipv6;		/* addr.family == 0: no IPv6 address */
	struct fgw_addr gateway4;	/* default route via this port, optional */
	struct fgw_addr gateway6;
	uint16_t mtu;			/* IP MTU, default 1500 */
	bool shutdown;
};

struct fgw_loopback_cfg {
	char name[FGW_NAME_MAX];	/* e.g. "Loopback0" */
	struct fgw_prefix ipv4;
	struct fgw_prefix ipv6;
};

struct fgw_route_cfg {
	struct fgw_prefix prefix;	/* host bits zero */
	struct fgw_addr next_hop;	/* family 0: interface route */
	char interface[FGW_NAME_MAX];	/* "" or a port, loopback, tunnel or "Null0" */
	uint8_t distance;		/* administrative distance, default 1 */
};

struct fgw_dataplane_cfg {
	unsigned control_lcore;		/* default 0 */
	unsigned worker_lcores[FGW_MAX_WORKERS];
	unsigned n_workers;		/* default 1 worker on lcore 1 */
	unsigned burst;			/* default 32, 1..64 */
	unsigned mbufs;			/* packet pool size, default 16383 */
	unsigned memory_mb;		/* EAL -m, default 1024 */
	unsigned idle_sleep_us;		/* 0 = busy poll (default) */
	char *eal_args[FGW_EAL_ARGS_MAX];	/* extra EAL arguments */
	unsigned n_eal_args;
};

struct fgw_system_cfg {
	char hostname[64];		/* default "flexgw" */
	char control_socket[108];	/* default "/run/flexgw/flexgw.sock" */
	char log_level[16];		/* err|warn|notice|info|debug, default info */
};

struct fgw_ikev2_cfg;			/* ikev2.*: defined by the loader, see below */

struct fgw_config {
	struct fgw_system_cfg system;
	struct fgw_dataplane_cfg dataplane;
	struct fgw_port_cfg *ports;
	unsigned n_ports;
	struct fgw_loopback_cfg *loopbacks;
	unsigned n_loopbacks;
	struct fgw_route_cfg *routes;
	unsigned n_routes;
	/* ikev2, ipsec, tunnels, virtual_templates, pools follow (config loader) */
};

/* Loads and validates FILE. On error returns NULL and writes one line naming
 * the JSON path and line:column to err. */
struct fgw_config *fgw_config_load_file(const char *path, char *err, size_t errlen);
/* The same from memory (the fuzz target and the unit tests use it). */
struct fgw_config *fgw_config_load_buffer(const char *buf, size_t len, const char *origin,
					  char *err, size_t errlen);
void fgw_config_free(struct fgw_config *cfg);

#endif
