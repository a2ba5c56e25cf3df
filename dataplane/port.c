/* Interfaces: DPDK ports and loopbacks, the names the configuration uses
 * for them, and their addresses. */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dataplane/dp.h"
#include "dataplane/private.h"

#define RX_DESC 1024
#define TX_DESC 1024
#define LOOPBACK_MTU 65535

const char *fgw_port_eal_flag(const char *device)
{
	return strncmp(device, "net_", 4) == 0 ? "--vdev" : "-a";
}

/* Interface names are unique; the control lcore finds them through a
 * hash (a hub has tens of thousands of tunnels). Names never go away. */
#define NAME_KEY 48
_Static_assert(sizeof(((struct fgw_if *)0)->name) == NAME_KEY, "name key size");

int fgw_ifs_init(struct fgw_dp *dp, char *err, size_t errlen)
{
	unsigned n = dp->params.max_ifs ? dp->params.max_ifs : FGW_DEFAULT_IFS;
	struct rte_hash_parameters hp = {
		.name = "fgw_if_names", .key_len = NAME_KEY, .hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	if (n < FGW_MAX_PORTS || n > FGW_MAX_IFS) {
		snprintf(err, errlen, "max_ifs %u: between %u and %u", n, FGW_MAX_PORTS,
			 FGW_MAX_IFS);
		return -1;
	}
	dp->params.max_ifs = n;
	hp.entries = RTE_MAX(n, 8u);
	dp->ifs = rte_zmalloc("fgw_ifs", (size_t)n * sizeof(*dp->ifs), RTE_CACHE_LINE_SIZE);
	dp->tunnels = rte_zmalloc("fgw_tunnels", (size_t)n * sizeof(*dp->tunnels),
				  RTE_CACHE_LINE_SIZE);
	dp->if_names = rte_hash_create(&hp);
	if (dp->ifs == NULL || dp->tunnels == NULL || dp->if_names == NULL) {
		snprintf(err, errlen, "cannot allocate a table of %u interfaces", n);
		return -1;
	}
	return 0;
}

void fgw_ifs_fini(struct fgw_dp *dp)
{
	rte_hash_free(dp->if_names);
	rte_free(dp->tunnels);
	rte_free(dp->ifs);
	dp->if_names = NULL;
	dp->tunnels = NULL;
	dp->ifs = NULL;
	dp->n_ifs = 0;
}

static void name_key(char *key, const char *name)
{
	memset(key, 0, NAME_KEY);
	snprintf(key, NAME_KEY, "%s", name);
}

int fgw_if_by_name(const struct fgw_dp *dp, const char *name)
{
	char key[NAME_KEY];
	void *data;

	if (dp->if_names == NULL || strlen(name) >= NAME_KEY)
		return -1;
	name_key(key, name);
	if (rte_hash_lookup_data(dp->if_names, key, &data) < 0)
		return -1;
	return (int)(uintptr_t)data;
}

/* Makes the interface in the last slot (just filled) findable by name.
 * The hash was sized for every slot, so this cannot fail. */
void fgw_if_name_add(struct fgw_dp *dp, uint32_t ifindex)
{
	char key[NAME_KEY];

	name_key(key, dp->ifs[ifindex].name);
	rte_hash_add_key_data(dp->if_names, key, (void *)(uintptr_t)ifindex);
}

void fgw_if_name_del(struct fgw_dp *dp, uint32_t ifindex)
{
	char key[NAME_KEY];

	name_key(key, dp->ifs[ifindex].name);
	rte_hash_del_key(dp->if_names, key);
}

/* The slot for a new interface, or NULL with err set. */
static struct fgw_if *if_new(struct fgw_dp *dp, const char *name, char *err, size_t errlen)
{
	struct fgw_if *ifp;

	if (dp->n_ifs >= dp->params.max_ifs) {
		snprintf(err, errlen, "too many interfaces (at most %u)", dp->params.max_ifs);
		return NULL;
	}
	if (strlen(name) >= sizeof(ifp->name)) {
		snprintf(err, errlen, "interface name longer than %zu characters",
			 sizeof(ifp->name) - 1);
		return NULL;
	}
	if (fgw_if_by_name(dp, name) >= 0) {
		snprintf(err, errlen, "interface %s exists already", name);
		return NULL;
	}
	ifp = &dp->ifs[dp->n_ifs];
	memset(ifp, 0, sizeof(*ifp));
	snprintf(ifp->name, sizeof(ifp->name), "%s", name);
	return ifp;
}

static void if_set_addrs(struct fgw_if *ifp, const struct fgw_prefix *addr4,
			 const struct fgw_prefix *addr6)
{
	if (addr4 != NULL)
		ifp->addr4 = *addr4;
	if (addr6 != NULL)
		ifp->addr6 = *addr6;
}

/* fe80::/64 with the modified EUI-64 interface identifier of the MAC
 * (RFC 4291 appendix A), the address the port answers ND for. */
static void link_local_from_mac(struct fgw_addr *a, const struct rte_ether_addr *mac)
{
	const uint8_t *m = mac->addr_bytes;

	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->v6[0] = 0xfe;
	a->v6[1] = 0x80;
	a->v6[8] = m[0] ^ 0x02;
	a->v6[9] = m[1];
	a->v6[10] = m[2];
	a->v6[11] = 0xff;
	a->v6[12] = 0xfe;
	a->v6[13] = m[3];
	a->v6[14] = m[4];
	a->v6[15] = m[5];
}

/* The device name is what EAL calls the port: devargs up to the first comma. */
static int port_find(const char *device, uint16_t *port, char *err, size_t errlen)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t len = strcspn(device, ",");

	if (len == 0 || len >= sizeof(name)) {
		snprintf(err, errlen, "bad device string \"%s\"", device);
		return -1;
	}
	memcpy(name, device, len);
	name[len] = '\0';
	if (rte_eth_dev_get_port_by_name(name, port) != 0) {
		snprintf(err, errlen, "no DPDK port \"%s\": the device did not probe "
			 "(wrong name or arguments, missing driver, or not given to EAL)", name);
		return -1;
	}
	if (*port >= FGW_MAX_PORTS) {
		snprintf(err, errlen, "DPDK port %u: at most %u ports are supported", *port,
			 FGW_MAX_PORTS);
		return -1;
	}
	return 0;
}

static int port_configure(struct fgw_dp *dp, uint16_t port, const char *device, uint16_t mtu,
			  char *err, size_t errlen)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nq = (uint16_t)dp->n_workers;
	uint16_t nb_rxd = RX_DESC, nb_txd = TX_DESC;
	int socket = rte_eth_dev_socket_id(port);
	uint32_t room = rte_pktmbuf_data_room_size(dp->pool) - RTE_PKTMBUF_HEADROOM;
	int rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0) {
		snprintf(err, errlen, "cannot read device info: %s", rte_strerror(-rc));
		return -1;
	}
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		snprintf(err, errlen, "the device offers %u RX and %u TX queues; each of the "
			 "%u workers needs one of each%s", info.max_rx_queues, info.max_tx_queues,
			 nq, strncmp(device, "net_af_packet", 13) == 0 ?
			 " (af_packet: add qpairs=N to the device string)" : "");
		return -1;
	}
	if ((uint32_t)mtu + RTE_ETHER_HDR_LEN > room) {
		snprintf(err, errlen, "MTU %u needs frames longer than the %u bytes an mbuf holds",
			 mtu, room);
		return -1;
	}
	if (mtu < info.min_mtu || mtu > info.max_mtu) {
		snprintf(err, errlen, "MTU %u: the device supports %u to %u", mtu, info.min_mtu,
			 info.max_mtu);
		return -1;
	}
	conf.rxmode.mtu = mtu;
	/* Checksums the NIC verified need no second look (ipv4.c). */
	conf.rxmode.offloads = info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	/* IPv4 fragments are chains: a header mbuf, then the data in place. */
	conf.txmode.offloads = info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;

	rc = rte_eth_dev_configure(port, nq, nq, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "cannot configure %u RX/TX queues: %s", nq, rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc != 0) {
		snprintf(err, errlen, "cannot size the queues: %s", rte_strerror(-rc));
		return -1;
	}
	for (uint16_t q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd, (unsigned)socket, NULL, dp->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, nb_txd, (unsigned)socket, NULL);
		if (rc != 0) {
			snprintf(err, errlen, "cannot set up queue %u: %s", q, rte_strerror(-rc));
			return -1;
		}
	}
	return 0;
}

int fgw_port_add(struct fgw_dp *dp, const char *name, const char *device, uint16_t mtu,
		 const struct fgw_prefix *addr4, const struct fgw_prefix *addr6,
		 char *err, size_t errlen)
{
	struct fgw_if *ifp;
	uint16_t port;
	int rc;

	if (mtu == 0)
		mtu = RTE_ETHER_MTU;
	ifp = if_new(dp, name, err, errlen);
	if (ifp == NULL || port_find(device, &port, err, errlen) < 0)
		return -1;
	if (dp->port_if[port] != FGW_IF_NONE) {
		snprintf(err, errlen, "the device is already interface %s",
			 dp->ifs[dp->port_if[port]].name);
		return -1;
	}
	if (port_configure(dp, port, device, mtu, err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < dp->n_workers; i++)
		if (fgw_txq_init(fgw_worker_ctx(dp->workers[i]), port, err, errlen) < 0)
			return -1;
	rc = rte_eth_macaddr_get(port, &ifp->mac);
	if (rc != 0) {
		snprintf(err, errlen, "cannot read the MAC address: %s", rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the port: %s", rte_strerror(-rc));
		return -1;
	}
	/* Unicast for other MACs is dropped by eth.c anyway, so a device that
	 * cannot turn promiscuous mode off (af_packet sees every frame on its
	 * interface) costs cycles, not correctness. IPv6 neighbour discovery
	 * needs solicited-node multicast, hence all-multicast where the device
	 * filters it. Both are best effort. */
	rte_eth_promiscuous_disable(port);
	rte_eth_allmulticast_enable(port);

	ifp->kind = FGW_IF_PORT;
	ifp->port_id = port;
	ifp->mtu = mtu;
	link_local_from_mac(&ifp->ll6, &ifp->mac);
	if_set_addrs(ifp, addr4, addr6);
	ifp->up = true;
	dp->port_if[port] = dp->n_ifs;
	fgw_if_name_add(dp, dp->n_ifs);
	return (int)dp->n_ifs++;
}

int fgw_loopback_add(struct fgw_dp *dp, const char *name, const struct fgw_prefix *addr4,
		     const struct fgw_prefix *addr6, char *err, size_t errlen)
{
	struct fgw_if *ifp = if_new(dp, name, err, errlen);

	if (ifp == NULL)
		return -1;
	ifp->kind = FGW_IF_LOOPBACK;
	ifp->mtu = LOOPBACK_MTU;
	if_set_addrs(ifp, addr4, addr6);
	ifp->up = true;
	fgw_if_name_add(dp, dp->n_ifs);
	return (int)dp->n_ifs++;
}

void fgw_ports_close(struct fgw_dp *dp)
{
	for (unsigned i = 0; i < dp->n_ifs; i++) {
		struct fgw_if *ifp = &dp->ifs[i];

		if (ifp->kind != FGW_IF_PORT)
			continue;
		ifp->up = false;
		rte_eth_dev_stop(ifp->port_id);
		rte_eth_dev_close(ifp->port_id);
		dp->port_if[ifp->port_id] = FGW_IF_NONE;
	}
}
