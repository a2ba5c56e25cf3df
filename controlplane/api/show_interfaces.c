/* show interfaces [NAME], show ip interface brief, show ipv6 interface brief. */
#include "api/commands.h"

#include <string.h>
#include <strings.h>

#include <rte_ethdev.h>

#include "dataplane/tunnel.h"

struct if_state {
	const char *status;		/* IOS wording: "up", "down", "administratively down" */
	const char *protocol;		/* "up" or "down" */
	bool link_known;
	struct rte_eth_link link;
};

/* A port is up when configured up; its line protocol when the link is.
 * A loopback's line protocol follows its configuration. */
static void if_state(const struct fgw_if *ifp, struct if_state *st)
{
	bool line_up = ifp->up;

	memset(st, 0, sizeof(*st));
	if (ifp->kind == FGW_IF_PORT) {
		st->link_known = rte_eth_link_get_nowait(ifp->port_id, &st->link) == 0;
		line_up = ifp->up && st->link_known && st->link.link_status == RTE_ETH_LINK_UP;
	}
	st->status = !ifp->up ? "administratively down" : line_up ? "up" : "down";
	st->protocol = line_up ? "up" : "down";
}

static const struct fgw_port_cfg *port_cfg(const struct fgw_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return &cfg->ports[i];
	return NULL;
}

/* IOS accepts "gi1" or "GigabitEthernet1": any prefix of the name's
 * letters followed by exactly its number, ignoring case. */
static bool name_matches(const char *name, const char *arg)
{
	size_t letters = strcspn(name, "0123456789");
	size_t arg_letters = strcspn(arg, "0123456789");

	if (strcasecmp(name, arg) == 0)
		return true;
	return arg_letters > 0 && arg_letters <= letters &&
	       strncasecmp(name, arg, arg_letters) == 0 &&
	       strcmp(name + letters, arg + arg_letters) == 0;
}

static json_t *str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *prefix_json(const struct fgw_prefix *p)
{
	char buf[FGW_ADDR_STRLEN + 4];

	return fgw_addr_is_set(&p->addr) ? json_string(fgw_prefix_str(p, buf, sizeof(buf)))
					 : json_null();
}

static json_t *addr_json(const struct fgw_addr *a)
{
	char buf[FGW_ADDR_STRLEN];

	return fgw_addr_is_set(a) ? json_string(fgw_addr_str(a, buf, sizeof(buf))) : json_null();
}

/* Packets and bytes as the workers counted them, since the last clear;
 * errors and misses as the device counted them. */
static json_t *port_counters(const struct fgw_cmd_ctx *x, uint16_t port)
{
	struct fgw_port_stats sum = { 0 };
	struct rte_eth_stats eth = { 0 };
	bool have_eth;

	for (unsigned w = 0; w < x->c->dp->n_workers && port < FGW_STATS_MAX_PORTS; w++) {
		struct fgw_worker_stats s;

		fgw_counters_worker(x->c, x->baseline, w, &s);
		sum.rx_packets += s.port[port].rx_packets;
		sum.rx_bytes += s.port[port].rx_bytes;
		sum.tx_packets += s.port[port].tx_packets;
		sum.tx_bytes += s.port[port].tx_bytes;
	}
	have_eth = fgw_counters_eth(x->baseline, port, &eth);
	return json_pack("{s:o, s:o, s:o, s:o, s:o*}",
			 "rx_packets", fgw_json_u64_new(sum.rx_packets),
			 "rx_bytes", fgw_json_u64_new(sum.rx_bytes),
			 "tx_packets", fgw_json_u64_new(sum.tx_packets),
			 "tx_bytes", fgw_json_u64_new(sum.tx_bytes),
			 "ethdev", !have_eth ? NULL :
			 json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
				   "ipackets", fgw_json_u64_new(eth.ipackets),
				   "ibytes", fgw_json_u64_new(eth.ibytes),
				   "opackets", fgw_json_u64_new(eth.opackets),
				   "obytes", fgw_json_u64_new(eth.obytes),
				   "imissed", fgw_json_u64_new(eth.imissed),
				   "ierrors", fgw_json_u64_new(eth.ierrors),
				   "oerrors", fgw_json_u64_new(eth.oerrors),
				   "rx_nombuf", fgw_json_u64_new(eth.rx_nombuf)));
}

/* A tunnel's inner packets since the last "clear counters"
 * (dataplane/tunnel.h). Input errors: what arrived for it and was
 * dropped, by its inbound SAs or once decrypted; output errors: what went
 * into it and was not sent. show crypto ipsec sa's #recv and #send
 * errors, the same numbers. */
static json_t *tunnel_counters(const struct fgw_cmd_ctx *x, const struct fgw_if *ifp)
{
	struct fgw_tunnel_counters tc;

	fgw_tunnel_counters_sum(x->c->dp, (uint32_t)(ifp - x->c->dp->ifs), &tc);
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "rx_packets", fgw_json_u64_new(tc.rx_packets),
			 "rx_bytes", fgw_json_u64_new(tc.rx_bytes),
			 "tx_packets", fgw_json_u64_new(tc.tx_packets),
			 "tx_bytes", fgw_json_u64_new(tc.tx_bytes),
			 "drops", fgw_json_u64_new(tc.drops),
			 "input_errors", fgw_json_u64_new(tc.rx_sa_drops + tc.rx_drops),
			 "output_errors", fgw_json_u64_new(tc.tx_drops));
}

static json_t *interface_json(const struct fgw_cmd_ctx *x, const struct fgw_if *ifp)
{
	const struct fgw_port_cfg *pc = port_cfg(x->c->cfg, ifp->name);
	bool port = ifp->kind == FGW_IF_PORT;
	struct rte_eth_dev_info info;
	bool tunnel = ifp->kind == FGW_IF_TUNNEL;
	const char *hardware = tunnel ? "Tunnel" : "Loopback";
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	struct if_state st;
	bool has_speed;

	if_state(ifp, &st);
	if (port)
		hardware = rte_eth_dev_info_get(ifp->port_id, &info) == 0 &&
			   info.driver_name != NULL ? info.driver_name : "unknown";
	has_speed = port && st.link_known && st.link.link_status == RTE_ETH_LINK_UP &&
		    st.link.link_speed != RTE_ETH_SPEED_NUM_NONE &&
		    st.link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN;
	rte_ether_format_addr(mac, sizeof(mac), &ifp->mac);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i,"
			 " s:o, s:o, s:o*, s:o*}",
			 "name", ifp->name,
			 "kind", port ? "port" : tunnel ? "tunnel" : "loopback",
			 "status", st.status,
			 "protocol", st.protocol,
			 "hardware", hardware,
			 "description", str_or_null(pc != NULL && pc->description[0] != '\0' ?
						    pc->description : NULL),
			 "device", str_or_null(pc != NULL ? pc->device : NULL),
			 "port_id", port ? json_integer(ifp->port_id) : json_null(),
			 "mac", port ? json_string(mac) : json_null(),
			 "ipv4", prefix_json(&ifp->addr4),
			 "ipv6", prefix_json(&ifp->addr6),
			 "ipv6_link_local", addr_json(&ifp->ll6),
			 "mtu", (int)ifp->mtu,
			 "speed_mbps", has_speed ? json_integer(st.link.link_speed) : json_null(),
			 "duplex", !has_speed ? json_null() :
			 json_string(st.link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? "full" : "half"),
			 "counters", port ? port_counters(x, ifp->port_id) :
			 tunnel ? tunnel_counters(x, ifp) : NULL,
			 "counters_cleared_seconds_ago",
			 fgw_counters_cleared_ago(x->baseline) < 0 ? json_null() :
			 json_integer(fgw_counters_cleared_ago(x->baseline)));
}

json_t *fgw_show_interfaces(struct fgw_cmd_ctx *x)
{
	const struct fgw_dp *dp = x->c->dp;
	json_t *list = json_array();
	json_t *j;

	if (list == NULL)
		return fgw_cmd_nomem(x);
	for (unsigned i = 0; i < dp->n_ifs; i++) {
		if (dp->ifs[i].kind == FGW_IF_UNUSED ||
		    (x->arg != NULL && !name_matches(dp->ifs[i].name, x->arg)))
			continue;
		if (json_array_append_new(list, interface_json(x, &dp->ifs[i])) != 0) {
			json_decref(list);
			return fgw_cmd_nomem(x);
		}
	}
	if (x->arg != NULL && json_array_size(list) == 0) {
		json_decref(list);
		snprintf(x->err, sizeof(x->err), "%% No interface named %s", x->arg);
		return NULL;
	}
	j = json_pack("{s:o}", "interfaces", list);
	return j != NULL ? j : fgw_cmd_nomem(x);
}

static void render_counters(const json_t *cn, struct fgw_text *t)
{
	const json_t *eth = json_object_get(cn, "ethdev");

	/* a tunnel: its own input and output errors; a NIC's no-buffer
	 * and missed counts mean nothing for it */
	if (json_object_get(cn, "input_errors") != NULL) {
		fgw_text_printf(t, "     %" PRIu64 " packets input, %" PRIu64 " bytes\n",
				fgw_json_u64(cn, "rx_packets"), fgw_json_u64(cn, "rx_bytes"));
		fgw_text_printf(t, "     %" PRIu64 " input errors\n",
				fgw_json_u64(cn, "input_errors"));
		fgw_text_printf(t, "     %" PRIu64 " packets output, %" PRIu64 " bytes\n",
				fgw_json_u64(cn, "tx_packets"), fgw_json_u64(cn, "tx_bytes"));
		fgw_text_printf(t, "     %" PRIu64 " output errors\n",
				fgw_json_u64(cn, "output_errors"));
		return;
	}

	fgw_text_printf(t, "     %" PRIu64 " packets input, %" PRIu64 " bytes, %" PRIu64
			" no buffer\n", fgw_json_u64(cn, "rx_packets"),
			fgw_json_u64(cn, "rx_bytes"), fgw_json_u64(eth, "rx_nombuf"));
	fgw_text_printf(t, "     %" PRIu64 " input errors, %" PRIu64 " missed\n",
			fgw_json_u64(eth, "ierrors"), fgw_json_u64(eth, "imissed"));
	fgw_text_printf(t, "     %" PRIu64 " packets output, %" PRIu64 " bytes\n",
			fgw_json_u64(cn, "tx_packets"), fgw_json_u64(cn, "tx_bytes"));
	fgw_text_printf(t, "     %" PRIu64 " output errors\n", fgw_json_u64(eth, "oerrors"));
}

static void render_interface(const json_t *e, struct fgw_text *t)
{
	const json_t *cleared = json_object_get(e, "counters_cleared_seconds_ago");
	const json_t *counters = json_object_get(e, "counters");
	char mac[32], ago[32];

	fgw_text_printf(t, "%s is %s, line protocol is %s\n", fgw_json_str(e, "name"),
			fgw_json_str(e, "status"), fgw_json_str(e, "protocol"));
	if (json_is_string(json_object_get(e, "mac"))) {
		fgw_format_mac_ios(fgw_json_str(e, "mac"), mac, sizeof(mac));
		fgw_text_printf(t, "  Hardware is %s, address is %s (bia %s)\n",
				fgw_json_str(e, "hardware"), mac, mac);
	} else {
		fgw_text_printf(t, "  Hardware is %s\n", fgw_json_str(e, "hardware"));
	}
	if (json_is_string(json_object_get(e, "description")))
		fgw_text_printf(t, "  Description: %s\n", fgw_json_str(e, "description"));
	if (json_is_string(json_object_get(e, "ipv4")))
		fgw_text_printf(t, "  Internet address is %s\n", fgw_json_str(e, "ipv4"));
	if (json_is_string(json_object_get(e, "ipv6")))
		fgw_text_printf(t, "  IPv6 address is %s\n", fgw_json_str(e, "ipv6"));
	if (json_is_string(json_object_get(e, "ipv6_link_local")))
		fgw_text_printf(t, "  IPv6 link-local address is %s\n",
				fgw_json_str(e, "ipv6_link_local"));
	fgw_text_printf(t, "  MTU %" PRIu64 " bytes", fgw_json_u64(e, "mtu"));
	if (json_is_integer(json_object_get(e, "speed_mbps")))
		fgw_text_printf(t, ", BW %" PRIu64 " Kbit/sec, %s-duplex, %" PRIu64 "Mb/s",
				fgw_json_u64(e, "speed_mbps") * 1000, fgw_json_str(e, "duplex"),
				fgw_json_u64(e, "speed_mbps"));
	fgw_text_printf(t, "\n");
	if (json_is_string(json_object_get(e, "device")))
		fgw_text_printf(t, "  Encapsulation ARPA, DPDK port %" PRIu64 ", device %s\n",
				fgw_json_u64(e, "port_id"), fgw_json_str(e, "device"));
	if (counters == NULL)
		return;
	if (json_is_integer(cleared))
		fgw_format_duration(fgw_json_u64(e, "counters_cleared_seconds_ago"), ago,
				    sizeof(ago));
	fgw_text_printf(t, "  Last clearing of \"show interface\" counters %s\n",
			json_is_integer(cleared) ? ago : "never");
	render_counters(counters, t);
}

void fgw_render_interfaces(const json_t *j, struct fgw_text *t)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(j, "interfaces"), i, e)
		render_interface(e, t);
}

/* An `ip unnumbered` tunnel borrows its IPv4 address: IOS lists the lender's
 * address for it in the brief view. NULL when ifp numbers itself. */
static const struct fgw_if *unnumbered_lender(const struct fgw_control *c,
					      const struct fgw_if *ifp)
{
	for (unsigned k = 0; k < c->cfg->n_tunnels; k++) {
		const struct fgw_tunnel_cfg *tc = &c->cfg->tunnels[k];
		int lender;

		if (strcmp(tc->name, ifp->name) != 0 || tc->ip_unnumbered[0] == '\0')
			continue;
		lender = fgw_if_by_name(c->dp, tc->ip_unnumbered);
		return lender < 0 ? NULL : &c->dp->ifs[lender];
	}
	return NULL;
}

json_t *fgw_show_ip_interface_brief(struct fgw_cmd_ctx *x)
{
	const struct fgw_dp *dp = x->c->dp;
	json_t *list = json_array();
	json_t *j;

	for (unsigned i = 0; list != NULL && i < dp->n_ifs; i++) {
		const struct fgw_if *ifp = &dp->ifs[i];
		const struct fgw_if *lender = unnumbered_lender(x->c, ifp);
		const struct fgw_prefix *a4 = lender != NULL ? &lender->addr4 : &ifp->addr4;
		bool has = fgw_addr_is_set(&a4->addr);
		char addr[FGW_ADDR_STRLEN];
		struct if_state st;

		if (ifp->kind == FGW_IF_UNUSED)
			continue;
		if_state(ifp, &st);
		if (json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
			"interface", ifp->name,
			"ip_address", has ? fgw_addr_str(&a4->addr, addr, sizeof(addr))
					  : "unassigned",
			"ok", "YES",
			"method", has && lender == NULL ? "manual" : "unset",
			"status", st.status,
			"protocol", st.protocol)) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	j = json_pack("{s:o}", "interfaces", list);
	return j != NULL ? j : fgw_cmd_nomem(x);
}

void fgw_render_ip_interface_brief(const json_t *j, struct fgw_text *t)
{
	const json_t *e;
	size_t i;

	fgw_text_printf(t, "%-22s %-15s %-3s %-6s %-21s %s\n", "Interface", "IP-Address", "OK?",
			"Method", "Status", "Protocol");
	json_array_foreach(json_object_get(j, "interfaces"), i, e)
		fgw_text_printf(t, "%-22s %-15s %-3s %-6s %-21s %s\n",
				fgw_json_str(e, "interface"), fgw_json_str(e, "ip_address"),
				fgw_json_str(e, "ok"), fgw_json_str(e, "method"),
				fgw_json_str(e, "status"), fgw_json_str(e, "protocol"));
}

json_t *fgw_show_ipv6_interface_brief(struct fgw_cmd_ctx *x)
{
	const struct fgw_dp *dp = x->c->dp;
	json_t *list = json_array();
	json_t *j;

	for (unsigned i = 0; list != NULL && i < dp->n_ifs; i++) {
		const struct fgw_if *ifp = &dp->ifs[i];
		json_t *addrs;
		struct if_state st;

		if (ifp->kind == FGW_IF_UNUSED)
			continue;
		addrs = json_array();
		if_state(ifp, &st);
		if (addrs != NULL && fgw_addr_is_set(&ifp->ll6))
			json_array_append_new(addrs, addr_json(&ifp->ll6));
		if (addrs != NULL && fgw_addr_is_set(&ifp->addr6.addr))
			json_array_append_new(addrs, addr_json(&ifp->addr6.addr));
		if (json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o}",
			"interface", ifp->name, "status", st.status, "protocol", st.protocol,
			"addresses", addrs)) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	j = json_pack("{s:o}", "interfaces", list);
	return j != NULL ? j : fgw_cmd_nomem(x);
}

void fgw_render_ipv6_interface_brief(const json_t *j, struct fgw_text *t)
{
	const json_t *e, *a;
	size_t i, k;

	json_array_foreach(json_object_get(j, "interfaces"), i, e) {
		const json_t *addrs = json_object_get(e, "addresses");
		char state[64];

		snprintf(state, sizeof(state), "[%s/%s]", fgw_json_str(e, "status"),
			 fgw_json_str(e, "protocol"));
		fgw_text_printf(t, "%-22s %s\n", fgw_json_str(e, "interface"), state);
		json_array_foreach(addrs, k, a)
			fgw_text_printf(t, "    %s\n", json_string_value(a));
		if (json_array_size(addrs) == 0)
			fgw_text_printf(t, "    unassigned\n");
	}
}
