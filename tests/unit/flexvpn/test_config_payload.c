/* Authorization policies (authorization.c) and CFG_REQUEST -> CFG_REPLY
 * (config_payload.c): replies built with the IKE codec and parsed back,
 * compared octet for octet with hand-written encodings. */
#include <stdlib.h>

#include "controlplane/flexvpn/authorization.h"
#include "controlplane/flexvpn/config_payload.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_addr.h"

#ifndef FGW_EXAMPLES
#error FGW_EXAMPLES must name config/examples
#endif

/* For arguments that want a pointer. */
static const struct fgw_addr *AP(const char *s)
{
	static struct fgw_addr v[4];
	static unsigned k;
	struct fgw_addr *a = &v[k++ % 4];

	*a = unit_addr(s);
	return a;
}

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; *h; h++) {
		unsigned v;

		if (*h == ' ')
			continue;
		if (sscanf(h, "%2x", &v) != 1)
			abort();
		out[n++] = (uint8_t)v;
		h++;
	}
	return n;
}

static char hexbuf[2 * 160 + 1];

/* The first 160 octets: enough to see where a reply went wrong. */
static const char *hex(const uint8_t *p, size_t n)
{
	hexbuf[0] = '\0';
	for (size_t i = 0; i < n && i < 160; i++)
		sprintf(hexbuf + 2 * i, "%02x", p[i]);
	return hexbuf;
}

/* ---- a configuration by hand --------------------------------------------- */
static struct fgw_pool_cfg pool_cfg[3];
static struct fgw_ikev2_authz_policy_cfg policies[4];
static struct fgw_port_cfg ports[1];
static struct fgw_config cfg;
static struct fgw_pools pools;

static void setup(const char *v4_end)
{
	fgw_pools_free(&pools);
	memset(&cfg, 0, sizeof(cfg));
	memset(pool_cfg, 0, sizeof(pool_cfg));
	pool_cfg[0] = (struct fgw_pool_cfg){ .name = "V4", .start = unit_addr("10.1.0.1"),
					     .end = unit_addr(v4_end) };
	pool_cfg[1] = (struct fgw_pool_cfg){ .name = "V6", .start = unit_addr("2001:db8:100::10"),
					     .end = unit_addr("2001:db8:100::11") };
	cfg.pools = pool_cfg;
	cfg.n_pools = 2;
	ports[0] = (struct fgw_port_cfg){ .name = "GigabitEthernet2", .ipv4 = unit_prefix("192.0.2.1/24"),
					  .ipv6 = unit_prefix("2001:db8:1::1/64") };
	cfg.ports = ports;
	cfg.n_ports = 1;
	cfg.ikev2.authorization_policies = policies;
	cfg.ikev2.n_authorization_policies = 4;
	if (fgw_pools_init(&pools, &cfg, NULL, 0) < 0)
		abort();
}

static struct fgw_ikev2_authz_policy_cfg *policy(unsigned i, const char *name)
{
	memset(&policies[i], 0, sizeof(policies[i]));
	snprintf(policies[i].name, sizeof(policies[i].name), "%s", name);
	return &policies[i];
}

/* ---- requests and replies on the wire ------------------------------------- */
static uint8_t msgbuf[FGW_IKE_MSG_MAX];
static uint8_t req_data[256];

/* A CFG_REQUEST from "type[:hex value]" items. */
static struct fgw_ike_cp request(const char *const *items, unsigned n)
{
	struct fgw_ike_cp cp = { .type = FGW_IKE_CFG_REQUEST, .n = n };
	size_t used = 0;

	for (unsigned i = 0; i < n; i++) {
		const char *colon = strchr(items[i], ':');

		cp.a[i].type = (uint16_t)atoi(items[i]);
		cp.a[i].data = req_data + used;
		cp.a[i].len = colon ? (uint16_t)unhex(colon + 1, req_data + used) : 0;
		used += cp.a[i].len;
	}
	return cp;
}

/* The CP payload as the codec writes it (generic header on), and the
 * message parsed back into *back. */
static size_t wire(const struct fgw_ike_cp *cp, const uint8_t **pl, struct fgw_ike_msg *back)
{
	static const struct fgw_ike_hdr hdr = { .spi_i = 1, .spi_r = 2, .version = FGW_IKE_VERSION,
		.exchange = FGW_IKE_AUTH, .flags = FGW_IKE_FLAG_RESPONSE, .msg_id = 1 };
	struct fgw_ike_buf b;
	int len;

	fgw_ike_build_init(&b, msgbuf, sizeof(msgbuf), &hdr);
	fgw_ike_build_cp(&b, cp);
	len = fgw_ike_build_finish(&b);
	if (len < 0)
		return 0;
	if (fgw_ike_parse(msgbuf, (size_t)len, back) != 0 || !back->has_cp)
		return 0;
	*pl = msgbuf + FGW_IKE_HDR_LEN;
	return (size_t)len - FGW_IKE_HDR_LEN;
}

static struct fgw_cp_reply reply;
static struct fgw_ike_msg back;

/* Answers items under pol; the reply's attributes (4-octet CP header and
 * generic header off) must be `expect` in hex, and parse back equal. */
static bool answer_is(const struct fgw_ikev2_authz_policy_cfg *pol, const char *const *items,
		      unsigned n, const char *expect, struct fgw_cp_lease *lease)
{
	struct fgw_ike_cp req = request(items, n);
	static uint8_t want[FGW_IKE_MSG_MAX];
	size_t want_len = unhex(expect, want);
	const uint8_t *pl;
	size_t len;
	int rc = fgw_cp_answer(&cfg, pol, &pools, &req, &reply, lease);

	EXPECT(rc == FGW_CP_OK, "rc %d", rc);
	len = wire(&reply.cp, &pl, &back);
	EXPECT(len >= 8, "codec refused the reply");
	EXPECT(pl[4] == FGW_IKE_CFG_REPLY && pl[5] == 0 && pl[6] == 0 && pl[7] == 0, "CP header");
	EXPECT(len - 8 == want_len && memcmp(pl + 8, want, want_len) == 0, "got %s",
	       hex(pl + 8, len - 8));
	EXPECT(back.cp.type == FGW_IKE_CFG_REPLY && back.cp.n == reply.cp.n, "parsed %u of %u",
	       back.cp.n, reply.cp.n);
	for (unsigned i = 0; i < back.cp.n; i++)
		EXPECT(back.cp.a[i].type == reply.cp.a[i].type &&
		       back.cp.a[i].len == reply.cp.a[i].len &&
		       memcmp(back.cp.a[i].data, reply.cp.a[i].data, back.cp.a[i].len) == 0,
		       "attribute %u", i);
	return true;
}

/* ---- authorization ----------------------------------------------------------- */

static bool mangle(uint8_t m, uint8_t type, const char *id, const char *want)
{
	char name[FGW_NAME_MAX];
	bool ok = fgw_authz_mangle(m, type, (const uint8_t *)id, strlen(id), name, sizeof(name));

	if (want == NULL)
		return !ok;
	return ok && strcmp(name, want) == 0;
}

static bool name_manglers(void)
{
	EXPECT(mangle(FGW_MANGLE_FQDN_HOSTNAME, FGW_IKE_ID_FQDN, "spoke1.example.com", "spoke1"), "-");
	EXPECT(mangle(FGW_MANGLE_FQDN_DOMAIN, FGW_IKE_ID_FQDN, "spoke1.example.com", "example.com"),
	       "-");
	EXPECT(mangle(FGW_MANGLE_FQDN_ALL, FGW_IKE_ID_FQDN, "spoke1.example.com",
		      "spoke1.example.com"), "-");
	EXPECT(mangle(FGW_MANGLE_FQDN_HOSTNAME, FGW_IKE_ID_FQDN, "router", "router"), "no dot");
	EXPECT(mangle(FGW_MANGLE_FQDN_DOMAIN, FGW_IKE_ID_FQDN, "router", NULL), "no domain");
	EXPECT(mangle(FGW_MANGLE_EMAIL_USERNAME, FGW_IKE_ID_RFC822_ADDR, "alice@example.com",
		      "alice"), "-");
	EXPECT(mangle(FGW_MANGLE_EMAIL_DOMAIN, FGW_IKE_ID_RFC822_ADDR, "alice@example.com",
		      "example.com"), "-");
	EXPECT(mangle(FGW_MANGLE_EMAIL_ALL, FGW_IKE_ID_RFC822_ADDR, "alice@example.com",
		      "alice@example.com"), "-");
	EXPECT(mangle(FGW_MANGLE_EMAIL_USERNAME, FGW_IKE_ID_FQDN, "alice.example.com", NULL),
	       "type mismatch");
	EXPECT(mangle(FGW_MANGLE_FQDN_ALL, FGW_IKE_ID_IPV4_ADDR, "abcd", NULL), "address id");
	EXPECT(mangle(FGW_MANGLE_EMAIL_USERNAME, FGW_IKE_ID_RFC822_ADDR, "@example.com", NULL),
	       "empty");
	EXPECT(mangle(FGW_MANGLE_FQDN_ALL, FGW_IKE_ID_FQDN, "a b.example", NULL), "space");
	EXPECT(!fgw_authz_mangle(FGW_MANGLE_FQDN_ALL, FGW_IKE_ID_FQDN,
				 (const uint8_t *)"a\0b", 3, (char[16]){ 0 }, 16), "NUL");
	EXPECT(mangle(FGW_MANGLE_FQDN_ALL, FGW_IKE_ID_FQDN,
		      "a-very-long-host-name-that-is-past-the-name-limit.example.com", NULL),
	       "too long");
	return true;
}

static bool authz_resolve(void)
{
	struct fgw_ikev2_profile_cfg prof = { .name = "RA" };
	struct fgw_ikev2_authz_policy_cfg out;
	char why[160] = "";
	const uint8_t *id = (const uint8_t *)"alice@example.com";

	setup("10.1.0.10");
	policy(0, "example.com")->n_dns = 1;
	policies[0].dns[0] = unit_addr("192.0.2.53");
	snprintf(policies[0].pool, FGW_NAME_MAX, "V4");
	snprintf(policies[0].def_domain, FGW_FQDN_MAX, "corp.example.com");
	policy(1, "alice")->n_dns = 1;
	policies[1].dns[0] = unit_addr("192.0.2.99");
	policies[1].netmask = 24;
	policy(2, "GROUP");
	policy(3, "unused");

	EXPECT(fgw_authz_resolve(&cfg, &prof, FGW_IKE_ID_RFC822_ADDR, id, 17, &out, why,
				 sizeof(why)) == FGW_AUTHZ_NONE, "none configured");
	prof.aaa_authorization_group = (struct fgw_aaa_authz_cfg){ .source = 1, .policy = "GROUP" };
	EXPECT(fgw_authz_resolve(&cfg, &prof, FGW_IKE_ID_RFC822_ADDR, id, 17, &out, why,
				 sizeof(why)) == FGW_AUTHZ_OK && strcmp(out.name, "GROUP") == 0,
	       "named: %s", out.name);
	prof.aaa_authorization_group = (struct fgw_aaa_authz_cfg){
		.source = 2, .name_mangler = FGW_MANGLE_EMAIL_DOMAIN };
	EXPECT(fgw_authz_resolve(&cfg, &prof, FGW_IKE_ID_RFC822_ADDR, id, 17, &out, why,
				 sizeof(why)) == FGW_AUTHZ_OK && strcmp(out.name, "example.com") == 0,
	       "mangled: %s", out.name);
	/* user over group: the user's DNS and netmask, the group's pool and domain */
	prof.aaa_authorization_user = (struct fgw_aaa_authz_cfg){
		.source = 2, .name_mangler = FGW_MANGLE_EMAIL_USERNAME };
	EXPECT(fgw_authz_resolve(&cfg, &prof, FGW_IKE_ID_RFC822_ADDR, id, 17, &out, why,
				 sizeof(why)) == FGW_AUTHZ_OK, "%s", why);
	EXPECT(strcmp(out.name, "example.com+alice") == 0, "%s", out.name);
	EXPECT(out.n_dns == 1 && fgw_addr_eq(&out.dns[0], &policies[1].dns[0]), "dns");
	EXPECT(out.netmask == 24 && strcmp(out.pool, "V4") == 0 &&
	       strcmp(out.def_domain, "corp.example.com") == 0, "merge");
	/* bob has no user policy: refused, and why says so */
	EXPECT(fgw_authz_resolve(&cfg, &prof, FGW_IKE_ID_RFC822_ADDR,
				 (const uint8_t *)"bob@example.com", 15, &out, why,
				 sizeof(why)) == FGW_AUTHZ_FAILED, "bob");
	EXPECT(strstr(why, "\"bob\"") != NULL, "why: %s", why);
	/* an FQDN identity under email manglers */
	EXPECT(fgw_authz_resolve(&cfg, &prof, FGW_IKE_ID_FQDN, (const uint8_t *)"example.com", 11,
				 &out, why, sizeof(why)) == FGW_AUTHZ_FAILED, "fqdn id");
	EXPECT(strstr(why, "name mangler") != NULL, "why: %s", why);
	return true;
}

/* ---- the configuration payload ---------------------------------------------- */

/* A client asks for an IPv4 address (0.0.0.0, as strongSwan does), DNS,
 * NBNS, an IPv6 address, IPv6 DNS and split DNS; the policy has every
 * attribute type: each is pushed, in our order. */
static bool every_attribute(void)
{
	struct fgw_ikev2_authz_policy_cfg *pol;
	static const char *const items[] = { "1:00000000", "3", "4", "8", "10", "28675" };
	static const char expect[] =
		/* INTERNAL_IP4_ADDRESS 10.1.0.1, NETMASK /32 */
		"0001 0004 0a010001  0002 0004 ffffffff"
		/* INTERNAL_IP6_ADDRESS 2001:db8:100::10/128 */
		"0008 0011 20010db8010000000000000000000010 80"
		/* IP4_DNS x2, IP6_DNS, NBNS */
		"0003 0004 c0000235  0003 0004 c0000236"
		"000a 0010 20010db8000100000000000000000053"
		"0004 0004 c0000237"
		/* INTERNAL_DNS_DOMAIN x2 */
		"0019 0010 636f72702e6578616d706c652e636f6d"
		"0019 000f 6c61622e6578616d706c652e636f6d"
		/* MODECFG_SPLITDNS_NAME "corp.example.com,lab.example.com" */
		"7003 0020 636f72702e6578616d706c652e636f6d2c6c61622e6578616d706c652e636f6d"
		/* MODECFG_DEFDOMAIN "example.com" */
		"7002 000b 6578616d706c652e636f6d"
		/* MODECFG_BACKUPSERVERS "203.0.113.2,vpn2.example.com" */
		"7009 001c 3230332e302e3131332e322c76706e322e6578616d706c652e636f6d"
		/* route set interface: 192.0.2.0/24, 2001:db8:1::/64 */
		"000d 0008 c0000200 ffffff00"
		"000f 0011 20010db8000100000000000000000000 40"
		/* route set access-list */
		"000d 0008 c6336400 ffffff80"
		"000f 0011 20010db8000200000000000000000000 30";
	struct fgw_cp_lease lease;

	setup("10.1.0.10");
	pol = policy(0, "RA");
	snprintf(pol->pool, FGW_NAME_MAX, "V4");
	snprintf(pol->ipv6_pool, FGW_NAME_MAX, "V6");
	pol->netmask = 32;
	pol->dns[0] = unit_addr("192.0.2.53");
	pol->dns[1] = unit_addr("2001:db8:1::53");
	pol->dns[2] = unit_addr("192.0.2.54");
	pol->n_dns = 3;
	pol->wins[0] = unit_addr("192.0.2.55");
	pol->n_wins = 1;
	snprintf(pol->split_dns[0], FGW_FQDN_MAX, "corp.example.com");
	snprintf(pol->split_dns[1], FGW_FQDN_MAX, "lab.example.com");
	pol->n_split_dns = 2;
	snprintf(pol->def_domain, FGW_FQDN_MAX, "example.com");
	snprintf(pol->backup_gateways[0], FGW_FQDN_MAX, "203.0.113.2");
	snprintf(pol->backup_gateways[1], FGW_FQDN_MAX, "vpn2.example.com");
	pol->n_backup_gateways = 2;
	snprintf(pol->route_set_interface, FGW_NAME_MAX, "GigabitEthernet2");
	pol->route_set_access_list[0] = unit_prefix("198.51.100.0/25");
	pol->route_set_access_list[1] = unit_prefix("2001:db8:2::/48");
	pol->n_route_set_access_list = 2;
	EXPECT(answer_is(pol, items, 6, expect, &lease), "-");
	EXPECT(lease.pool4 && lease.pool6 && lease.prefix4 == 32, "lease");
	fgw_cp_lease_release(&lease);
	EXPECT(!fgw_pool_in_use(fgw_pool_find(&pools, "V4"), AP("10.1.0.1")), "released");
	return true;
}

/* Asked for nothing, no pool, no options: an empty reply. */
static bool minimal(void)
{
	struct fgw_cp_lease lease;
	static const char *const items[] = { "3" };

	setup("10.1.0.10");
	EXPECT(answer_is(policy(0, "EMPTY"), items, 1, "", &lease), "-");
	EXPECT(lease.pool4 == NULL && lease.pool6 == NULL, "lent something");
	return true;
}

/* No netmask configured and none asked: address alone; asked: /32. */
static bool netmask(void)
{
	struct fgw_ikev2_authz_policy_cfg *pol;
	static const char *const addr_only[] = { "1" };
	static const char *const with_mask[] = { "1", "2" };
	struct fgw_cp_lease lease;

	setup("10.1.0.10");
	pol = policy(0, "P");
	snprintf(pol->pool, FGW_NAME_MAX, "V4");
	EXPECT(answer_is(pol, addr_only, 1, "0001 0004 0a010001", &lease), "-");
	EXPECT(answer_is(pol, with_mask, 2, "0001 0004 0a010002 0002 0004 ffffffff", &lease), "-");
	pol->netmask = 24;
	EXPECT(answer_is(pol, addr_only, 1, "0001 0004 0a010003 0002 0004 ffffff00", &lease), "-");
	return true;
}

/* A peer asking for a specific free address gets it. */
static bool wanted_address(void)
{
	struct fgw_ikev2_authz_policy_cfg *pol;
	static const char *const want4[] = { "1:0a010005" };
	static const char *const want6[] = { "8:20010db8010000000000000000000011 80" };
	struct fgw_cp_lease lease;

	setup("10.1.0.10");
	pol = policy(0, "P");
	snprintf(pol->pool, FGW_NAME_MAX, "V4");
	snprintf(pol->ipv6_pool, FGW_NAME_MAX, "V6");
	EXPECT(answer_is(pol, want4, 1, "0001 0004 0a010005", &lease), "-");
	EXPECT(answer_is(pol, want4, 1, "0001 0004 0a010006", &lease),
	       "taken: the next free after it");
	EXPECT(answer_is(pol, want6, 1, "0008 0011 20010db8010000000000000000000011 80", &lease),
	       "-");
	return true;
}

/* Ten split-DNS names and ten backup gateways: all of them, both ways. */
static bool ten_of_each(void)
{
	struct fgw_ikev2_authz_policy_cfg *pol;
	static const char *const items[] = { "25" };
	char expect[4096] = "", joined[1024] = "", one[128];
	struct fgw_cp_lease lease;

	setup("10.1.0.10");
	pol = policy(0, "TEN");
	for (unsigned i = 0; i < 10; i++) {
		snprintf(pol->split_dns[i], FGW_FQDN_MAX, "d%u.example", i);
		snprintf(pol->backup_gateways[i], FGW_FQDN_MAX, "192.0.2.%u", 10 + i);
		/* "dN.example" is 10 octets */
		snprintf(one, sizeof(one), "0019 000a 64%02x2e6578616d706c65 ", 0x30 + i);
		strcat(expect, one);
		snprintf(one, sizeof(one), "%s64%02x2e6578616d706c65", i ? "2c" : "", 0x30 + i);
		strcat(joined, one);
	}
	pol->n_split_dns = pol->n_backup_gateways = 10;
	snprintf(one, sizeof(one), "7003 %04x ", 10 * 10 + 9);
	strcat(expect, one);
	strcat(expect, joined);
	/* "192.0.2.10,...,192.0.2.19": 10 x 10 octets and 9 commas */
	snprintf(one, sizeof(one), " 7009 %04x ", 10 * 10 + 9);
	strcat(expect, one);
	for (unsigned i = 0; i < 10; i++) {
		snprintf(one, sizeof(one), "%s3139322e302e322e31%02x", i ? "2c" : "", 0x30 + i);
		strcat(expect, one);
	}
	EXPECT(answer_is(pol, items, 1, expect, &lease), "-");
	EXPECT(back.cp.n == 12, "%u attributes", back.cp.n);
	return true;
}

/* Ten split-DNS names and ten backup gateways of 255 characters fit one
 * message; with every other list at its limit too, the reply would not:
 * refused, nothing lent. */
static bool longest(void)
{
	struct fgw_ikev2_authz_policy_cfg *pol;
	static const char *const items[] = { "1" };
	struct fgw_ike_cp req = request(items, 1);
	struct fgw_cp_lease lease;
	struct fgw_pool_stats st;
	const uint8_t *pl;

	setup("10.1.0.10");
	pol = policy(0, "HUGE");
	snprintf(pol->pool, FGW_NAME_MAX, "V4");
	for (unsigned i = 0; i < 10; i++) {
		memset(pol->split_dns[i], 'a', FGW_FQDN_MAX - 1);
		memset(pol->backup_gateways[i], 'b', FGW_FQDN_MAX - 1);
	}
	pol->n_split_dns = pol->n_backup_gateways = 10;
	EXPECT(fgw_cp_answer(&cfg, pol, &pools, &req, &reply, &lease) == FGW_CP_OK, "ten each");
	EXPECT(wire(&reply.cp, &pl, &back) > 7000 && back.cp.n == 13, "%u attributes", back.cp.n);
	EXPECT(back.cp.a[11].len == 10 * 255 + 9, "joined %u", back.cp.a[11].len);
	fgw_cp_lease_release(&lease);
	memset(pol->def_domain, 'c', FGW_FQDN_MAX - 1);
	for (unsigned i = 0; i < FGW_LIST_MAX; i++) {
		char net[32];

		/* distinct: a network given twice is pushed once */
		snprintf(net, sizeof(net), "2001:db8:%x::/48", i);
		pol->route_set_access_list[i] = unit_prefix(net);
	}
	pol->n_route_set_access_list = FGW_LIST_MAX;
	EXPECT(fgw_cp_answer(&cfg, pol, &pools, &req, &reply, &lease) == FGW_CP_TOO_BIG, "fits?");
	fgw_pool_stats(fgw_pool_find(&pools, "V4"), &st);
	EXPECT(st.in_use == 0 && st.allocs == 2 && st.releases == 2, "in use %lu",
	       (unsigned long)st.in_use);
	return true;
}

/* Two addresses, three peers: the third gets INTERNAL_ADDRESS_FAILURE,
 * counted; a dual-stack peer with only its IPv4 pool exhausted comes up
 * with IPv6. */
static bool exhaustion(void)
{
	struct fgw_ikev2_authz_policy_cfg *pol;
	static const char *const v4[] = { "1", "3" };
	static const char *const dual[] = { "1", "8" };
	struct fgw_ike_cp req = request(v4, 2);
	struct fgw_cp_lease l1, l2, l3;
	struct fgw_pool_stats st;

	setup("10.1.0.2");
	pol = policy(0, "P");
	snprintf(pol->pool, FGW_NAME_MAX, "V4");
	snprintf(pol->ipv6_pool, FGW_NAME_MAX, "V6");
	EXPECT(fgw_cp_answer(&cfg, pol, &pools, &req, &reply, &l1) == FGW_CP_OK, "first");
	EXPECT(fgw_cp_answer(&cfg, pol, &pools, &req, &reply, &l2) == FGW_CP_OK, "second");
	EXPECT(!fgw_addr_eq(&l1.addr4, &l2.addr4), "one address twice");
	EXPECT(fgw_cp_answer(&cfg, pol, &pools, &req, &reply, &l3) == FGW_CP_ADDRESS_FAILURE,
	       "third");
	EXPECT(l3.pool4 == NULL && l3.pool6 == NULL, "third holds something");
	fgw_pool_stats(fgw_pool_find(&pools, "V4"), &st);
	EXPECT(st.exhausted == 1 && st.in_use == 2, "exhausted %lu", (unsigned long)st.exhausted);
	req = request(dual, 2);
	EXPECT(answer_is(pol, dual, 2, "0008 0011 20010db8010000000000000000000010 80", &l3),
	       "dual stack");
	fgw_cp_lease_release(&l1);
	req = request(v4, 2);
	EXPECT(fgw_cp_answer(&cfg, pol, &pools, &req, &reply, &l1) == FGW_CP_OK &&
	       fgw_addr_eq(&l1.addr4, AP("10.1.0.1")), "after a release");
	return true;
}

static bool not_a_request(void)
{
	struct fgw_ike_cp req = { .type = FGW_IKE_CFG_SET };
	struct fgw_cp_lease lease;

	setup("10.1.0.10");
	EXPECT(fgw_cp_answer(&cfg, policy(0, "P"), &pools, &req, &reply, &lease) ==
	       FGW_CP_NOT_REQUEST, "-");
	return true;
}

static bool supported_attributes(void)
{
	static const char *const items[] = { "14" };
	struct fgw_cp_lease lease;

	setup("10.1.0.10");
	EXPECT(answer_is(policy(0, "P"), items, 1,
			 "000e 001a 0001 0002 0003 0004 0008 000a 000d 000e 000f 0019 7002 7003 7009",
			 &lease), "-");
	return true;
}

/* route accept: what a spoke advertises. */
static bool peer_subnets(void)
{
	static const char *const items[] = {
		"13:0a000000ffffff00",			/* 10.0.0.0/24 */
		"13:0a0001ffffffff00",			/* host bits set: 10.0.1.0/24 */
		"13:0a000200ff00ff00",			/* mask not contiguous */
		"13:0a000300ffffff",			/* short */
		"13",					/* asks for ours */
		"15:20010db8000a00000000000000000000 40",	/* 2001:db8:a::/64 */
		"15:20010db8000a00000000000000000000 81",	/* /129 */
		"1:0a000001",				/* not a subnet */
		"13:00000000 00000000",			/* default route */
	};
	struct fgw_ike_cp cp = request(items, 9);
	struct fgw_prefix out[8];
	char buf[FGW_ADDR_STRLEN + 4];
	unsigned bad, n = fgw_cp_peer_subnets(&cp, out, 8, &bad);

	EXPECT(n == 4 && bad == 3, "n %u bad %u", n, bad);
	EXPECT(strcmp(fgw_prefix_str(&out[0], buf, sizeof(buf)), "10.0.0.0/24") == 0, "%s", buf);
	EXPECT(strcmp(fgw_prefix_str(&out[1], buf, sizeof(buf)), "10.0.1.0/24") == 0, "%s", buf);
	EXPECT(strcmp(fgw_prefix_str(&out[2], buf, sizeof(buf)), "2001:db8:a::/64") == 0, "%s",
	       buf);
	EXPECT(strcmp(fgw_prefix_str(&out[3], buf, sizeof(buf)), "0.0.0.0/0") == 0, "%s", buf);
	n = fgw_cp_peer_subnets(&cp, out, 2, &bad);
	EXPECT(n == 2, "max: %u", n);
	return true;
}

/* The example configuration, through the loader. */
static bool remote_access_example(void)
{
	char err[256];
	struct fgw_config *ra = fgw_config_load_file(FGW_EXAMPLES "/remote-access.json", err,
						     sizeof(err));
	struct fgw_ikev2_authz_policy_cfg pol;
	struct fgw_pools p;
	struct fgw_ike_cp req;
	struct fgw_cp_lease lease;
	static const char *const items[] = { "1:00000000", "8", "3", "10" };
	const uint8_t *pl;
	int rc;

	EXPECT(ra != NULL, "%s", err);
	EXPECT(fgw_pools_init(&p, ra, err, sizeof(err)) == 0, "%s", err);
	rc = fgw_authz_resolve(ra, &ra->ikev2.profiles[0], FGW_IKE_ID_RFC822_ADDR,
			       (const uint8_t *)"alice@example.com", 17, &pol, err, sizeof(err));
	EXPECT(rc == FGW_AUTHZ_OK && strcmp(pol.name, "USERS") == 0, "%d %s", rc, err);
	req = request(items, 4);
	EXPECT(fgw_cp_answer(ra, &pol, &p, &req, &reply, &lease) == FGW_CP_OK, "answer");
	EXPECT(wire(&reply.cp, &pl, &back) > 0, "codec");
	EXPECT(fgw_addr_eq(&lease.addr4, AP("198.51.100.10")) &&
	       fgw_addr_eq(&lease.addr6, AP("2001:db8:100::10")), "addresses");
	/* addr, mask, addr6, 2 DNS, 1 DNS6, WINS, 2 domains, split, def, backup, 2 subnets */
	EXPECT(back.cp.n == 14, "%u attributes", back.cp.n);
	fgw_cp_lease_release(&lease);
	fgw_pools_free(&p);
	fgw_config_free(ra);
	return true;
}

int main(void)
{
	RUN(name_manglers);
	RUN(authz_resolve);
	RUN(every_attribute);
	RUN(minimal);
	RUN(netmask);
	RUN(wanted_address);
	RUN(ten_of_each);
	RUN(longest);
	RUN(exhaustion);
	RUN(not_a_request);
	RUN(supported_attributes);
	RUN(peer_subnets);
	RUN(remote_access_example);
	fgw_pools_free(&pools);
	return unit_summary();
}
