/* The FlexVPN client's configuration payload (client.c): the spoke of
 * config/examples/spoke.json asks the hub of config/examples/hub.json,
 * through the IKE codec both ways and the server's own answer
 * (config_payload.c); what the spoke reads back is what the hub's policy
 * gives, and what the hub reads of the request is the spoke's route set. */
#include <stdlib.h>

#include "controlplane/flexvpn/authorization.h"
#include "controlplane/flexvpn/client.h"
#include "controlplane/flexvpn/config_payload.h"
#include "tests/unit/unit.h"

#ifndef FGW_EXAMPLES
#error FGW_EXAMPLES must name config/examples
#endif

static struct fgw_config *hub, *spoke;
static struct fgw_pools pools;
static struct fgw_cp_reply req, reply;
static struct fgw_cp_client cl;
static uint8_t msgbuf[2][FGW_IKE_MSG_MAX];
static struct fgw_ike_msg parsed[2];

static struct fgw_prefix P(const char *s)
{
	struct fgw_prefix p;

	if (!fgw_prefix_parse(s, &p, false))
		abort();
	return p;
}

static bool prefix_eq(const struct fgw_prefix *a, const char *b)
{
	struct fgw_prefix p = P(b);

	return a->len == p.len && fgw_addr_eq(&a->addr, &p.addr);
}

/* cp through the codec (a message of its own, slot i); NULL on failure. */
static const struct fgw_ike_cp *on_wire(const struct fgw_ike_cp *cp, unsigned i)
{
	static const struct fgw_ike_hdr hdr = { .spi_i = 1, .spi_r = 2, .version = FGW_IKE_VERSION,
		.exchange = FGW_IKE_AUTH, .msg_id = 1 };
	struct fgw_ike_buf b;
	int len;

	fgw_ike_build_init(&b, msgbuf[i], sizeof(msgbuf[i]), &hdr);
	fgw_ike_build_cp(&b, cp);
	len = fgw_ike_build_finish(&b);
	if (len < 0 || fgw_ike_parse(msgbuf[i], (size_t)len, &parsed[i]) != 0 ||
	    !parsed[i].has_cp)
		return NULL;
	return &parsed[i].cp;
}

static bool load(void)
{
	char err[256];

	hub = fgw_config_load_file(FGW_EXAMPLES "/hub.json", err, sizeof(err));
	EXPECT(hub != NULL, "hub: %s", err);
	spoke = fgw_config_load_file(FGW_EXAMPLES "/spoke.json", err, sizeof(err));
	EXPECT(spoke != NULL, "spoke: %s", err);
	EXPECT(fgw_pools_init(&pools, hub, err, sizeof(err)) == 0, "%s", err);
	return true;
}

static const struct fgw_ikev2_profile_cfg *profile(const struct fgw_config *c, const char *name)
{
	for (unsigned i = 0; i < c->ikev2.n_profiles; i++)
		if (strcmp(c->ikev2.profiles[i].name, name) == 0)
			return &c->ikev2.profiles[i];
	abort();
}

/* The spoke's CFG_REQUEST: the IOS set of empty attributes, then its
 * route set (GigabitEthernet2's subnet and the access list, one network). */
static bool spoke_request(void)
{
	static const uint16_t want[] = { 1, 2, 3, 4, 25, 28674, 28675 };
	struct fgw_ikev2_authz_policy_cfg pol;
	const struct fgw_ike_cp *back;
	char why[128];

	EXPECT(fgw_authz_resolve(spoke, profile(spoke, "HUB"), 0, NULL, 0, &pol, why,
				 sizeof(why)) == FGW_AUTHZ_OK, "%s", why);
	EXPECT(fgw_cp_client_request(spoke, &spoke->tunnels[0], &pol, &cl, &req), "request");
	EXPECT(cl.want_addr && cl.n_advertised == 2, "advertised %u", cl.n_advertised);
	back = on_wire(&req.cp, 0);
	EXPECT(back != NULL && back->type == FGW_IKE_CFG_REQUEST, "codec");
	EXPECT(back->n == 9, "%u attributes", back->n);
	for (unsigned i = 0; i < 7; i++)
		EXPECT(back->a[i].type == want[i] && back->a[i].len == 0, "attribute %u", i);
	EXPECT(back->a[7].type == FGW_IKE_CFG_INTERNAL_IP4_SUBNET && back->a[7].len == 8 &&
	       memcmp(back->a[7].data, "\xc0\x00\x02\x80\xff\xff\xff\xc0", 8) == 0,
	       "192.0.2.128/26 from the interface");
	EXPECT(back->a[8].type == FGW_IKE_CFG_INTERNAL_IP4_SUBNET && back->a[8].len == 8 &&
	       memcmp(back->a[8].data, "\x0a\x0a\x00\x00\xff\xff\x00\x00", 8) == 0,
	       "10.10.0.0/16 from the access list");
	return true;
}

/* The hub answers it; the spoke reads the address, the hub's route set,
 * and the routes the hub accepts are the spoke's. */
static bool hub_reply(void)
{
	struct fgw_ikev2_authz_policy_cfg pol;
	const struct fgw_ike_cp *got;
	struct fgw_prefix nets[8];
	struct fgw_cp_lease lease;
	unsigned bad, n;
	char why[128];

	EXPECT(fgw_authz_resolve(hub, profile(hub, "SPOKES"), 0, NULL, 0, &pol, why,
				 sizeof(why)) == FGW_AUTHZ_OK, "%s", why);
	EXPECT(fgw_cp_answer(hub, &pol, &pools, &parsed[0].cp, &reply, &lease) == FGW_CP_OK,
	       "answer");
	n = fgw_cp_peer_subnets(&parsed[0].cp, nets, 8, &bad);
	EXPECT(n == 2 && bad == 0 && prefix_eq(&nets[0], "192.0.2.128/26") &&
	       prefix_eq(&nets[1], "10.10.0.0/16"), "accepted %u", n);
	got = on_wire(&reply.cp, 1);
	EXPECT(got != NULL && fgw_cp_client_read(got, &cl), "read");
	EXPECT(lease.pool4 != NULL && cl.addr4.family == AF_INET &&
	       fgw_addr_eq(&cl.addr4, &lease.addr4), "address");
	EXPECT(cl.addr6.family == 0 && cl.bad == 0, "bad %u", cl.bad);
	EXPECT(cl.n_dns == 1 && cl.dns[0].family == AF_INET && cl.dns[0].v4 == htonl(0xc0000235),
	       "dns %u", cl.n_dns);
	EXPECT(cl.n_split_dns == 1 && strcmp(cl.split_dns[0], "spokes.example.com") == 0 &&
	       strcmp(cl.def_domain, "example.com") == 0, "domains");
	/* Loopback0's two addresses and the access list */
	EXPECT(cl.n_routes == 3 && prefix_eq(&cl.routes[0], "198.51.100.1/32") &&
	       prefix_eq(&cl.routes[1], "2001:db8:ffff::1/128") &&
	       prefix_eq(&cl.routes[2], "192.0.2.0/26"), "routes %u", cl.n_routes);
	fgw_cp_lease_release(&lease);
	return true;
}

/* Nothing to ask for: no CP payload at all. */
static bool nothing_to_ask(void)
{
	struct fgw_tunnel_cfg t = { .name = "Tunnel9" };

	EXPECT(!fgw_cp_client_request(spoke, &t, NULL, &cl, &req), "sent");
	t.ip_address_negotiated = true;
	EXPECT(fgw_cp_client_request(spoke, &t, NULL, &cl, &req) && req.cp.n == 7, "asked");
	return true;
}

/* ipv6 address negotiated: an IPv6 address and DNS asked for, the names
 * once, IPv4 only when ip address negotiated is set too. */
static bool ipv6_request(void)
{
	static const uint16_t v6[] = { 8, 10, 25, 28674, 28675 };
	static const uint16_t both[] = { 1, 2, 3, 4, 8, 10, 25, 28674, 28675 };
	struct fgw_tunnel_cfg t = { .name = "Tunnel9", .ipv6_address_negotiated = true };

	EXPECT(fgw_cp_client_request(spoke, &t, NULL, &cl, &req), "asked");
	EXPECT(!cl.want_addr && cl.want_addr6 && req.cp.n == 5, "%u attributes", req.cp.n);
	for (unsigned i = 0; i < 5; i++)
		EXPECT(req.cp.a[i].type == v6[i] && req.cp.a[i].len == 0, "attribute %u", i);
	t.ip_address_negotiated = true;
	EXPECT(fgw_cp_client_request(spoke, &t, NULL, &cl, &req), "asked");
	EXPECT(cl.want_addr && cl.want_addr6 && req.cp.n == 9, "%u attributes", req.cp.n);
	for (unsigned i = 0; i < 9; i++)
		EXPECT(req.cp.a[i].type == both[i], "attribute %u", i);
	return true;
}

/* A reply with everything wrong in it: each counted, nothing kept. */
static bool malformed_reply(void)
{
	struct fgw_cp_reply r = { .cp.type = FGW_IKE_CFG_REPLY };

	EXPECT(fgw_cp_put(&r, FGW_IKE_CFG_INTERNAL_IP4_ADDRESS, "\x0a\x00\x00", 3), "-");
	EXPECT(fgw_cp_put(&r, FGW_IKE_CFG_INTERNAL_IP4_DNS, "\x0a\x00\x00\x01\x02", 5), "-");
	EXPECT(fgw_cp_put(&r, FGW_IKE_CFG_MODECFG_DEFDOMAIN, "bad name", 8), "-");
	EXPECT(fgw_cp_put(&r, FGW_IKE_CFG_MODECFG_SPLITDNS_NAME, "a.com,,b\x01,a.com", 15), "-");
	EXPECT(fgw_cp_put(&r, FGW_IKE_CFG_INTERNAL_IP4_SUBNET, "\x0a\x00\x00\x00\xff\x00\xff\x00",
			  8), "-");
	EXPECT(fgw_cp_client_read(&r.cp, &cl), "read");
	EXPECT(cl.addr4.family == 0 && cl.n_dns == 0 && cl.def_domain[0] == '\0', "kept");
	EXPECT(cl.n_split_dns == 1 && strcmp(cl.split_dns[0], "a.com") == 0, "split");
	EXPECT(cl.n_routes == 0 && cl.bad == 5, "bad %u", cl.bad);
	r.cp.type = FGW_IKE_CFG_SET;
	EXPECT(!fgw_cp_client_read(&r.cp, &cl), "not a reply");
	return true;
}

int main(void)
{
	RUN(load);
	RUN(spoke_request);
	RUN(hub_reply);
	RUN(nothing_to_ask);
	RUN(ipv6_request);
	RUN(malformed_reply);
	fgw_pools_free(&pools);
	fgw_config_free(hub);
	fgw_config_free(spoke);
	return unit_summary();
}
