/* show interfaces virtual-access [N]: the FlexVPN server's per-peer
 * interfaces (controlplane/flexvpn/virtual_access.h) in IOS's shape. */
#include "api/commands.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "controlplane/flexvpn/flexvpn.h"
#include "controlplane/flexvpn/virtual_access.h"
#include "dataplane/tunnel.h"

static const char *mode_name(const struct fgw_vaccess *va)
{
	bool v6 = va->dst.family == AF_INET6;

	if (va->kind == FGW_TUNNEL_GRE)
		return v6 ? "gre ipv6" : "gre ipv4";
	return v6 ? "ipsec ipv6" : "ipsec ipv4";
}

/* ip unnumbered: the lender and its address, or JSON null. */
static json_t *unnumbered_json(const struct fgw_control *c, const char *lender)
{
	char buf[FGW_ADDR_STRLEN];
	int i = lender[0] != '\0' ? fgw_if_by_name(c->dp, lender) : -1;

	if (i < 0)
		return json_null();
	return json_pack("{s:s, s:o}", "interface", lender, "address",
			 fgw_addr_is_set(&c->dp->ifs[i].addr4.addr) ?
			 json_string(fgw_addr_str(&c->dp->ifs[i].addr4.addr, buf, sizeof(buf))) :
			 json_null());
}

static json_t *va_json(const struct fgw_control *c, const struct fgw_vaccess *va)
{
	const struct fgw_if *ifp = &c->dp->ifs[va->ifindex];
	struct fgw_tunnel_counters tc;
	char name[FGW_NAME_MAX], src[FGW_ADDR_STRLEN], dst[FGW_ADDR_STRLEN];
	char pbuf[FGW_ADDR_STRLEN + 4];
	json_t *routes = json_array();
	time_t now = time(NULL);

	for (unsigned i = 0; routes != NULL && i < va->n_routes; i++)
		json_array_append_new(routes, json_string(fgw_prefix_str(&va->routes[i], pbuf,
									 sizeof(pbuf))));
	fgw_tunnel_counters_sum(c->dp, va->ifindex, &tc);
	snprintf(name, sizeof(name), "Virtual-Access%u", va->number);
	return json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:o, s:o, s:i, s:i, s:s, s:s, s:s,"
			 " s:s, s:I, s:o*, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
			 "name", name,
			 "number", (int)va->number,
			 "ifindex", (int)va->ifindex,
			 "status", ifp->up ? "up" : "down",
			 "protocol", ifp->up ? "up" : "down",
			 "template", va->tmpl->name,
			 "unnumbered", unnumbered_json(c, va->tmpl->ip_unnumbered),
			 "ipv6_unnumbered", unnumbered_json(c, va->tmpl->ipv6_unnumbered),
			 "mtu", (int)ifp->mtu,
			 "tcp_adjust_mss", (int)va->tmpl->tcp_adjust_mss,
			 "mode", mode_name(va),
			 "source", fgw_addr_str(&va->src, src, sizeof(src)),
			 "destination", fgw_addr_str(&va->dst, dst, sizeof(dst)),
			 "protection", va->tmpl->tunnel_protection,
			 "created_seconds_ago", (json_int_t)(now > va->created ? now - va->created : 0),
			 "routes", routes,
			 "counters",
			 "rx_packets", (json_int_t)tc.rx_packets, "rx_bytes", (json_int_t)tc.rx_bytes,
			 "tx_packets", (json_int_t)tc.tx_packets, "tx_bytes", (json_int_t)tc.tx_bytes,
			 "drops", (json_int_t)tc.drops,
			 /* as show interfaces gives a tunnel's (show_interfaces.c) */
			 "input_errors", (json_int_t)(tc.rx_sa_drops + tc.rx_drops),
			 "output_errors", (json_int_t)tc.tx_drops);
}

/* "1", "Virtual-Access1", "virtual-access1", "Vi1": the number, else 0. */
static unsigned parse_number(const char *arg)
{
	static const char word[] = "virtual-access";
	size_t letters = strcspn(arg, "0123456789");
	char *end;
	unsigned long n;

	if (letters > 0 && (letters > strlen(word) || strncasecmp(arg, word, letters) != 0))
		return 0;
	n = strtoul(arg + letters, &end, 10);
	return *end == '\0' && arg[letters] != '\0' && n <= UINT32_MAX ? (unsigned)n : 0;
}

json_t *fgw_show_interfaces_virtual_access(struct fgw_cmd_ctx *x)
{
	const struct fgw_flexvpn *f = x->c->flexvpn;
	unsigned want = 0;
	json_t *list = json_array(), *j;

	if (list == NULL)
		return fgw_cmd_nomem(x);
	if (x->arg != NULL && (want = parse_number(x->arg)) == 0) {
		json_decref(list);
		snprintf(x->err, sizeof(x->err), "%% Invalid virtual-access number %s", x->arg);
		return NULL;
	}
	for (unsigned i = 0; f != NULL && i < f->va_cap; i++) {
		if (f->va[i] == NULL || (want != 0 && f->va[i]->number != want))
			continue;
		if (json_array_append_new(list, va_json(x->c, f->va[i])) != 0) {
			json_decref(list);
			return fgw_cmd_nomem(x);
		}
	}
	if (want != 0 && json_array_size(list) == 0) {
		json_decref(list);
		snprintf(x->err, sizeof(x->err), "%% No interface Virtual-Access%u", want);
		return NULL;
	}
	j = json_pack("{s:o}", "virtual_access", list);
	return j != NULL ? j : fgw_cmd_nomem(x);
}

static void render_one(const json_t *e, struct fgw_text *t)
{
	const json_t *un = json_object_get(e, "unnumbered");
	const json_t *cn = json_object_get(e, "counters");
	const char *mode = fgw_json_str(e, "mode");
	const json_t *r;
	char ago[32];
	size_t i;

	fgw_text_printf(t, "%s is %s, line protocol is %s\n", fgw_json_str(e, "name"),
			fgw_json_str(e, "status"), fgw_json_str(e, "protocol"));
	fgw_text_printf(t, "  Hardware is Virtual Access interface\n");
	if (json_is_object(un))
		fgw_text_printf(t, "  Interface is unnumbered. Using address of %s (%s)\n",
				fgw_json_str(un, "interface"),
				json_is_string(json_object_get(un, "address")) ?
				fgw_json_str(un, "address") : "unassigned");
	fgw_text_printf(t, "  MTU %" PRIu64 " bytes\n", fgw_json_u64(e, "mtu"));
	if (fgw_json_u64(e, "tcp_adjust_mss") != 0)
		fgw_text_printf(t, "  TCP MSS adjusted to %" PRIu64 "\n",
				fgw_json_u64(e, "tcp_adjust_mss"));
	fgw_text_printf(t, "  Encapsulation TUNNEL\n");
	fgw_text_printf(t, "  Tunnel vaccess, cloned from %s\n", fgw_json_str(e, "template"));
	fgw_text_printf(t, "  Tunnel source %s, destination %s\n", fgw_json_str(e, "source"),
			fgw_json_str(e, "destination"));
	fgw_text_printf(t, "  Tunnel protocol/transport %s/%s\n",
			strncmp(mode, "gre", 3) == 0 ? "GRE" : "IPSEC",
			strstr(mode, "ipv6") != NULL ? "IPV6" : "IP");
	fgw_text_printf(t, "  Tunnel protection via IPSec (profile \"%s\")\n",
			fgw_json_str(e, "protection"));
	json_array_foreach(json_object_get(e, "routes"), i, r)
		fgw_text_printf(t, "  Route %s via this interface\n", json_string_value(r));
	fgw_format_duration(fgw_json_u64(e, "created_seconds_ago"), ago, sizeof(ago));
	fgw_text_printf(t, "  Created %s ago\n", ago);
	/* input errors count what its inbound SAs dropped too, as show
	 * interfaces TunnelN does */
	fgw_text_printf(t, "     %" PRIu64 " packets input, %" PRIu64 " bytes\n",
			fgw_json_u64(cn, "rx_packets"), fgw_json_u64(cn, "rx_bytes"));
	fgw_text_printf(t, "     %" PRIu64 " input errors\n", fgw_json_u64(cn, "input_errors"));
	fgw_text_printf(t, "     %" PRIu64 " packets output, %" PRIu64 " bytes\n",
			fgw_json_u64(cn, "tx_packets"), fgw_json_u64(cn, "tx_bytes"));
	fgw_text_printf(t, "     %" PRIu64 " output errors\n", fgw_json_u64(cn, "output_errors"));
}

void fgw_render_interfaces_virtual_access(const json_t *j, struct fgw_text *t)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(j, "virtual_access"), i, e)
		render_one(e, t);
}
