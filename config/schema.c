/* The whole configuration schema, as data.
 *
 * One table per JSON object, leaves first. JSON keys mirror the IOS
 * commands they stand for (config/SCHEMA.md lists them side by side); the
 * foundation objects (system, dataplane, ports, loopbacks, routes) use the
 * names of their struct fields. Ranges are the IOS ones unless the data
 * path needs tighter. */
#include "config/loader.h"

#include <stddef.h>

#define AT(st, m)	.offset = offsetof(st, m), .size = sizeof(((st *)0)->m)
#define COUNT(st, m)	.aux = offsetof(st, m)
#define PRESENT(st, m)	.aux = offsetof(st, m)
#define FIELDS(a)	.fields = (a), .n_fields = sizeof(a) / sizeof((a)[0])
#define NS(n)		(1u << (n))

/* dataplane/dp.h FGW_MAX_PORTS; the config cannot include dp.h (DPDK) but
 * must not promise more than the data path holds. Tunnels: flexgw sizes the
 * interface and inbound SA tables for them; what binds is the next-hop table
 * (FGW_MAX_NEXTHOPS, 2^18): a dual-stack tunnel takes four (connected and
 * local per family), and the 65,536 routes one each. */
#define MAX_PORTS 16
#define MAX_TUNNELS 32768
#define LCORE_MAX 127

/* ---- enumerations --------------------------------------------------------- */

#define E(n, v)		{ .name = (n), .value = (v) }
#define ALIAS(n, v)	{ .name = (n), .value = (v), .alias = true }
#define WEAK(n, v)	{ .name = (n), .value = (v), .weak = true }
#define END		{ .name = NULL }

static const struct cfg_enum log_levels[] = {
	E("err", 0), E("warn", 0), E("notice", 0), E("info", 0), E("debug", 0), END,
};

static const struct cfg_enum ike_encryption[] = {
	E("aes-cbc-128", FGW_IKE_ENCR_AES_CBC_128),
	E("aes-cbc-192", FGW_IKE_ENCR_AES_CBC_192),
	E("aes-cbc-256", FGW_IKE_ENCR_AES_CBC_256),
	E("aes-gcm-128", FGW_IKE_ENCR_AES_GCM_128),
	E("aes-gcm-256", FGW_IKE_ENCR_AES_GCM_256),
	WEAK("des", 0),
	WEAK("3des", 0),
	END,
};

static const struct cfg_enum ike_hash[] = {
	E("sha1", FGW_HASH_SHA1),
	E("sha256", FGW_HASH_SHA256),
	E("sha384", FGW_HASH_SHA384),
	E("sha512", FGW_HASH_SHA512),
	WEAK("md5", 0),
	END,
};

/* IANA numbers; 1, 2 and 5 are MODP groups under 2048 bits. */
static const struct cfg_enum dh_groups[] = {
	E("14", 14), E("15", 15), E("16", 16), E("19", 19), E("20", 20), E("21", 21),
	E("24", 24), E("31", 31),
	WEAK("DH group 1", 1),
	WEAK("DH group 2", 2),
	WEAK("DH group 5", 5),
	END,
};

static const struct cfg_enum esp_encryption[] = {
	E("esp-aes 128", FGW_ESP_AES_128),
	ALIAS("esp-aes", FGW_ESP_AES_128),
	E("esp-aes 192", FGW_ESP_AES_192),
	E("esp-aes 256", FGW_ESP_AES_256),
	E("esp-gcm 128", FGW_ESP_GCM_128),
	ALIAS("esp-gcm", FGW_ESP_GCM_128),
	E("esp-gcm 256", FGW_ESP_GCM_256),
	WEAK("esp-des", 0),
	WEAK("esp-3des", 0),
	WEAK("esp-null", 0),
	END,
};

static const struct cfg_enum esp_integrity[] = {
	E("esp-sha-hmac", FGW_HASH_SHA1),
	E("esp-sha256-hmac", FGW_HASH_SHA256),
	E("esp-sha384-hmac", FGW_HASH_SHA384),
	E("esp-sha512-hmac", FGW_HASH_SHA512),
	WEAK("esp-md5-hmac", 0),
	END,
};

static const struct cfg_enum ipsec_modes[] = {
	E("tunnel", FGW_IPSEC_TUNNEL), E("transport", FGW_IPSEC_TRANSPORT), END,
};

static const struct cfg_enum replay_windows[] = {
	E("0", 0), E("32", 32), E("64", 64), E("128", 128), E("256", 256),
	E("512", 512), E("1024", 1024), E("2048", 2048), E("4096", 4096), END,
};

static const struct cfg_enum df_bits[] = {
	E("copy", FGW_DF_COPY), E("clear", FGW_DF_CLEAR), E("set", FGW_DF_SET), END,
};

static const struct cfg_enum tunnel_modes[] = {
	E("gre ipv4", FGW_TUNNEL_GRE_IPV4),
	ALIAS("gre ip", FGW_TUNNEL_GRE_IPV4),
	E("gre ipv6", FGW_TUNNEL_GRE_IPV6),
	E("ipsec ipv4", FGW_TUNNEL_IPSEC_IPV4),
	E("ipsec ipv6", FGW_TUNNEL_IPSEC_IPV6),
	END,
};

static const struct cfg_enum template_modes[] = {
	E("auto", FGW_TUNNEL_AUTO),
	E("gre ipv4", FGW_TUNNEL_GRE_IPV4),
	ALIAS("gre ip", FGW_TUNNEL_GRE_IPV4),
	E("gre ipv6", FGW_TUNNEL_GRE_IPV6),
	E("ipsec ipv4", FGW_TUNNEL_IPSEC_IPV4),
	E("ipsec ipv6", FGW_TUNNEL_IPSEC_IPV6),
	END,
};

static const struct cfg_enum template_types[] = { E("tunnel", 1), END };

static const struct cfg_enum auth_methods[] = { E("pre-share", FGW_AUTH_PRE_SHARE), END };

static const struct cfg_enum dpd_modes[] = {
	E("on-demand", FGW_DPD_ON_DEMAND), E("periodic", FGW_DPD_PERIODIC), END,
};

static const struct cfg_enum name_manglers[] = {
	E("fqdn-hostname", FGW_MANGLE_FQDN_HOSTNAME),
	E("fqdn-domain", FGW_MANGLE_FQDN_DOMAIN),
	E("fqdn-all", FGW_MANGLE_FQDN_ALL),
	E("email-username", FGW_MANGLE_EMAIL_USERNAME),
	E("email-domain", FGW_MANGLE_EMAIL_DOMAIN),
	E("email-all", FGW_MANGLE_EMAIL_ALL),
	END,
};

static const struct cfg_enum connect_modes[] = {
	E("auto", FGW_CONNECT_AUTO), E("manual", FGW_CONNECT_MANUAL),
	E("track", FGW_CONNECT_TRACK), END,
};

/* ---- references ------------------------------------------------------------ */

static const struct cfg_ref ref_proposal = { .targets = NS(NS_PROPOSAL), .noun = "proposal" };
static const struct cfg_ref ref_keyring = { .targets = NS(NS_KEYRING), .noun = "keyring" };
static const struct cfg_ref ref_template = {
	.targets = NS(NS_VIRTUAL_TEMPLATE), .noun = "virtual template",
};
static const struct cfg_ref ref_authz = {
	.targets = NS(NS_AUTHZ_POLICY), .noun = "authorization policy",
};
static const struct cfg_ref ref_tunnel = { .targets = NS(NS_TUNNEL), .noun = "tunnel" };
static const struct cfg_ref ref_ipsec_profile = {
	.targets = NS(NS_IPSEC_PROFILE), .noun = "IPsec profile",
};
static const struct cfg_ref ref_ikev2_profile = {
	.targets = NS(NS_IKEV2_PROFILE), .noun = "IKEv2 profile",
};
static const struct cfg_ref ref_pool = { .targets = NS(NS_POOL), .noun = "pool" };
const struct cfg_ref cfg_ref_transform_set = {
	.targets = NS(NS_TRANSFORM_SET), .noun = "transform set",
};
/* Where a tunnel takes its source or borrows its address: a port or loopback. */
static const struct cfg_ref ref_local_if = {
	.targets = NS(NS_PORT) | NS(NS_LOOPBACK), .noun = "interface",
};
static const struct cfg_ref ref_any_if = {
	.targets = NS(NS_PORT) | NS(NS_LOOPBACK) | NS(NS_TUNNEL), .noun = "interface",
};
static const struct cfg_ref ref_route_if = {
	.targets = NS(NS_PORT) | NS(NS_LOOPBACK) | NS(NS_TUNNEL), .noun = "interface",
	.builtin = "Null0",
};

/* ---- system, dataplane, interfaces, routes --------------------------------- */

static const struct cfg_field system_fields[] = {
	{ .key = "hostname", .type = T_STRING, .fmt = FMT_FQDN,
	  AT(struct fgw_system_cfg, hostname), .defstr = "flexgw" },
	{ .key = "control_socket", .type = T_STRING, .fmt = FMT_TEXT,
	  AT(struct fgw_system_cfg, control_socket), .defstr = "/run/flexgw/flexgw.sock" },
	{ .key = "log_level", .type = T_STRING, .enums = log_levels,
	  AT(struct fgw_system_cfg, log_level), .defstr = "info" },
};

static const struct cfg_schema system_schema = {
	.noun = "system", .size = sizeof(struct fgw_system_cfg), FIELDS(system_fields),
	.defines = NS_NONE,
};

static const struct cfg_field lcore_elem = {
	.type = T_UINT, .size = sizeof(unsigned), .max = LCORE_MAX,
};
static const struct cfg_field eal_arg_elem = {
	.type = T_STRDUP, .fmt = FMT_TEXT, .size = sizeof(char *),
};

static const struct cfg_field dataplane_fields[] = {
	{ .key = "control_lcore", .type = T_UINT, AT(struct fgw_dataplane_cfg, control_lcore),
	  .max = LCORE_MAX },
	{ .key = "worker_lcores", .type = T_LIST, .flags = F_UNIQUE,
	  AT(struct fgw_dataplane_cfg, worker_lcores), COUNT(struct fgw_dataplane_cfg, n_workers),
	  .elem = &lcore_elem, .min = 1, .max = FGW_MAX_WORKERS },
	{ .key = "burst", .type = T_UINT, AT(struct fgw_dataplane_cfg, burst),
	  .min = 1, .max = 64, .def = 32 },
	{ .key = "mbufs", .type = T_UINT, AT(struct fgw_dataplane_cfg, mbufs),
	  .min = 1023, .max = 4194303, .def = 16383 },
	{ .key = "memory_mb", .type = T_UINT, AT(struct fgw_dataplane_cfg, memory_mb),
	  .min = 64, .max = 1048576, .def = 1024 },
	{ .key = "idle_sleep_us", .type = T_UINT, AT(struct fgw_dataplane_cfg, idle_sleep_us),
	  .max = 100000 },
	{ .key = "eal_args", .type = T_LIST, AT(struct fgw_dataplane_cfg, eal_args),
	  COUNT(struct fgw_dataplane_cfg, n_eal_args), .elem = &eal_arg_elem },
};

static const struct cfg_schema dataplane_schema = {
	.noun = "dataplane", .size = sizeof(struct fgw_dataplane_cfg), FIELDS(dataplane_fields),
	.defines = NS_NONE, .check = cfg_check_dataplane,
};

static const struct cfg_field port_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_port_cfg, name) },
	{ .key = "device", .type = T_STRING, .fmt = FMT_TEXT, .flags = F_REQUIRED,
	  AT(struct fgw_port_cfg, device) },
	{ .key = "description", .type = T_STRING, .fmt = FMT_TEXT,
	  AT(struct fgw_port_cfg, description) },
	{ .key = "ipv4", .type = T_IFADDR, .flags = F_V4, AT(struct fgw_port_cfg, ipv4) },
	{ .key = "ipv6", .type = T_IFADDR, .flags = F_V6, AT(struct fgw_port_cfg, ipv6) },
	{ .key = "gateway4", .type = T_ADDR, .flags = F_V4, AT(struct fgw_port_cfg, gateway4) },
	{ .key = "gateway6", .type = T_ADDR, .flags = F_V6, AT(struct fgw_port_cfg, gateway6) },
	{ .key = "mtu", .type = T_UINT, AT(struct fgw_port_cfg, mtu),
	  .min = 576, .max = 9000, .def = 1500 },
	{ .key = "shutdown", .type = T_BOOL, AT(struct fgw_port_cfg, shutdown) },
};

static const struct cfg_schema port_schema = {
	.noun = "port", .size = sizeof(struct fgw_port_cfg), FIELDS(port_fields),
	.defines = NS_PORT, .check = cfg_check_port,
};

static const struct cfg_field loopback_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_loopback_cfg, name) },
	{ .key = "ipv4", .type = T_IFADDR, .flags = F_V4, AT(struct fgw_loopback_cfg, ipv4) },
	{ .key = "ipv6", .type = T_IFADDR, .flags = F_V6, AT(struct fgw_loopback_cfg, ipv6) },
};

static const struct cfg_schema loopback_schema = {
	.noun = "loopback", .size = sizeof(struct fgw_loopback_cfg), FIELDS(loopback_fields),
	.defines = NS_LOOPBACK,
};

static const struct cfg_field route_fields[] = {
	{ .key = "prefix", .type = T_NETWORK, .flags = F_REQUIRED,
	  AT(struct fgw_route_cfg, prefix) },
	{ .key = "next_hop", .type = T_ADDR, AT(struct fgw_route_cfg, next_hop) },
	{ .key = "interface", .type = T_STRING, .fmt = FMT_NAME, .ref = &ref_route_if,
	  AT(struct fgw_route_cfg, interface) },
	{ .key = "distance", .type = T_UINT, AT(struct fgw_route_cfg, distance),
	  .min = 1, .max = 255, .def = 1 },
};

static const struct cfg_schema route_schema = {
	.noun = "route", .size = sizeof(struct fgw_route_cfg), FIELDS(route_fields),
	.defines = NS_NONE, .check = cfg_check_route,
};

/* ---- identities ---------------------------------------------------------------- */

/* identity local / a keyring peer's identity: exactly one of these. */
static const struct cfg_field identity_fields[] = {
	{ .key = "address", .type = T_HOST_OR_NET, AT(struct fgw_identity_cfg, address),
	  .tag = FGW_ID_ADDRESS },
	{ .key = "fqdn", .type = T_STRING, .fmt = FMT_FQDN, AT(struct fgw_identity_cfg, value),
	  .tag = FGW_ID_FQDN },
	{ .key = "email", .type = T_STRING, .fmt = FMT_EMAIL, AT(struct fgw_identity_cfg, value),
	  .tag = FGW_ID_EMAIL },
	{ .key = "key_id", .type = T_STRING, .fmt = FMT_TEXT, AT(struct fgw_identity_cfg, value),
	  .tag = FGW_ID_KEY_ID },
};

static const struct cfg_schema identity_schema = {
	.noun = "identity", .size = sizeof(struct fgw_identity_cfg), FIELDS(identity_fields),
	.defines = NS_NONE, .has_tag = true, .tag_required = true,
	.tag_offset = offsetof(struct fgw_identity_cfg, type), .check = cfg_check_identity,
};

/* match identity remote: an identity, a domain, or any. */
static const struct cfg_field match_fields[] = {
	{ .key = "address", .type = T_HOST_OR_NET, AT(struct fgw_identity_cfg, address),
	  .tag = FGW_ID_ADDRESS },
	{ .key = "fqdn", .type = T_STRING, .fmt = FMT_FQDN, AT(struct fgw_identity_cfg, value),
	  .tag = FGW_ID_FQDN },
	{ .key = "fqdn_domain", .type = T_STRING, .fmt = FMT_FQDN,
	  AT(struct fgw_identity_cfg, value), .tag = FGW_ID_FQDN_DOMAIN },
	{ .key = "email", .type = T_STRING, .fmt = FMT_EMAIL, AT(struct fgw_identity_cfg, value),
	  .tag = FGW_ID_EMAIL },
	{ .key = "email_domain", .type = T_STRING, .fmt = FMT_FQDN,
	  AT(struct fgw_identity_cfg, value), .tag = FGW_ID_EMAIL_DOMAIN },
	{ .key = "key_id", .type = T_STRING, .fmt = FMT_TEXT, AT(struct fgw_identity_cfg, value),
	  .tag = FGW_ID_KEY_ID },
	{ .key = "any", .type = T_TRUE, .tag = FGW_ID_ANY },
};

static const struct cfg_schema match_schema = {
	.noun = "identity match", .size = sizeof(struct fgw_identity_cfg), FIELDS(match_fields),
	.defines = NS_NONE, .has_tag = true, .tag_required = true,
	.tag_offset = offsetof(struct fgw_identity_cfg, type),
};

/* ---- IKEv2 ----------------------------------------------------------------------- */

static const struct cfg_field ike_encryption_elem = {
	.type = T_ENUM, .size = sizeof(uint8_t), .enums = ike_encryption,
};
static const struct cfg_field ike_hash_elem = {
	.type = T_ENUM, .size = sizeof(uint8_t), .enums = ike_hash,
};
static const struct cfg_field dh_group_elem = {
	.type = T_UINT, .size = sizeof(uint16_t), .enums = dh_groups, .max = 65535,
};

static const struct cfg_field proposal_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_ikev2_proposal_cfg, name) },
	{ .key = "encryption", .type = T_LIST, .flags = F_REQUIRED | F_UNIQUE, .min = 1,
	  AT(struct fgw_ikev2_proposal_cfg, encryption),
	  COUNT(struct fgw_ikev2_proposal_cfg, n_encryption), .elem = &ike_encryption_elem },
	{ .key = "integrity", .type = T_LIST, .flags = F_UNIQUE, .min = 1,
	  AT(struct fgw_ikev2_proposal_cfg, integrity),
	  COUNT(struct fgw_ikev2_proposal_cfg, n_integrity), .elem = &ike_hash_elem },
	{ .key = "prf", .type = T_LIST, .flags = F_UNIQUE, .min = 1,
	  AT(struct fgw_ikev2_proposal_cfg, prf), COUNT(struct fgw_ikev2_proposal_cfg, n_prf),
	  .elem = &ike_hash_elem },
	{ .key = "group", .type = T_LIST, .flags = F_REQUIRED | F_UNIQUE, .min = 1,
	  AT(struct fgw_ikev2_proposal_cfg, group), COUNT(struct fgw_ikev2_proposal_cfg, n_group),
	  .elem = &dh_group_elem },
};

const struct cfg_schema cfg_proposal_schema = {
	.noun = "proposal", .size = sizeof(struct fgw_ikev2_proposal_cfg), FIELDS(proposal_fields),
	.defines = NS_PROPOSAL, .check = cfg_check_proposal,
};

static const struct cfg_field proposal_name_elem = {
	.type = T_STRING, .fmt = FMT_NAME, .size = FGW_NAME_MAX, .ref = &ref_proposal,
};
static const struct cfg_field address_elem = {
	.type = T_ADDR, .size = sizeof(struct fgw_addr),
};

static const struct cfg_field policy_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_ikev2_policy_cfg, name) },
	{ .key = "proposals", .type = T_LIST, .flags = F_REQUIRED | F_UNIQUE, .min = 1,
	  AT(struct fgw_ikev2_policy_cfg, proposals),
	  COUNT(struct fgw_ikev2_policy_cfg, n_proposals), .elem = &proposal_name_elem },
	{ .key = "match_address_local", .type = T_LIST, .flags = F_UNIQUE,
	  AT(struct fgw_ikev2_policy_cfg, match_address_local),
	  COUNT(struct fgw_ikev2_policy_cfg, n_match_address_local), .elem = &address_elem },
	{ .key = "match_fvrf", .type = T_STRING, .fmt = FMT_NAME,
	  AT(struct fgw_ikev2_policy_cfg, match_fvrf) },
};

const struct cfg_schema cfg_policy_schema = {
	.noun = "policy", .size = sizeof(struct fgw_ikev2_policy_cfg), FIELDS(policy_fields),
	.defines = NS_POLICY, .check = cfg_check_policy,
};

#define PSK_LEN .max = FGW_PSK_MAX - 1

static const struct cfg_field keyring_peer_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_ikev2_keyring_peer_cfg, name) },
	{ .key = "description", .type = T_STRING, .fmt = FMT_TEXT,
	  AT(struct fgw_ikev2_keyring_peer_cfg, description) },
	{ .key = "address", .type = T_HOST_OR_NET,
	  AT(struct fgw_ikev2_keyring_peer_cfg, address) },
	{ .key = "hostname", .type = T_STRING, .fmt = FMT_FQDN,
	  AT(struct fgw_ikev2_keyring_peer_cfg, hostname) },
	{ .key = "identity", .type = T_OBJECT, .schema = &identity_schema,
	  AT(struct fgw_ikev2_keyring_peer_cfg, identity) },
	{ .key = "pre_shared_key", .type = T_STRING, .fmt = FMT_TEXT, .flags = F_SECRET,
	  AT(struct fgw_ikev2_keyring_peer_cfg, pre_shared_key), PSK_LEN },
	{ .key = "pre_shared_key_local", .type = T_STRING, .fmt = FMT_TEXT, .flags = F_SECRET,
	  AT(struct fgw_ikev2_keyring_peer_cfg, pre_shared_key_local), PSK_LEN },
	{ .key = "pre_shared_key_remote", .type = T_STRING, .fmt = FMT_TEXT, .flags = F_SECRET,
	  AT(struct fgw_ikev2_keyring_peer_cfg, pre_shared_key_remote), PSK_LEN },
};

static const struct cfg_schema keyring_peer_schema = {
	.noun = "keyring peer", .size = sizeof(struct fgw_ikev2_keyring_peer_cfg),
	FIELDS(keyring_peer_fields), .defines = NS_NONE, .check = cfg_check_keyring_peer,
};

static const struct cfg_field keyring_peer_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_ikev2_keyring_peer_cfg),
	.schema = &keyring_peer_schema,
};

static const struct cfg_field keyring_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_ikev2_keyring_cfg, name) },
	{ .key = "peers", .type = T_LIST, .flags = F_REQUIRED | F_HEAP, .min = 1, .max = 65536,
	  AT(struct fgw_ikev2_keyring_cfg, peers), COUNT(struct fgw_ikev2_keyring_cfg, n_peers),
	  .elem = &keyring_peer_elem },
};

static const struct cfg_schema keyring_schema = {
	.noun = "keyring", .size = sizeof(struct fgw_ikev2_keyring_cfg), FIELDS(keyring_fields),
	.defines = NS_KEYRING,
};

/* crypto ikev2 dpd / dpd in a profile: "dpd 10 2 on-demand" */
static const struct cfg_field dpd_fields[] = {
	{ .key = "interval", .type = T_UINT, .flags = F_REQUIRED, AT(struct fgw_dpd_cfg, interval),
	  .min = 10, .max = 3600 },
	{ .key = "retry_interval", .type = T_UINT, AT(struct fgw_dpd_cfg, retry_interval),
	  .min = 2, .max = 60, .def = 2 },
	{ .key = "mode", .type = T_ENUM, .enums = dpd_modes, AT(struct fgw_dpd_cfg, mode),
	  .def = FGW_DPD_ON_DEMAND },
};

static const struct cfg_schema dpd_schema = {
	.noun = "dpd", .size = sizeof(struct fgw_dpd_cfg), FIELDS(dpd_fields), .defines = NS_NONE,
};

/* aaa authorization group|user psk: a named policy or a name mangler. */
static const struct cfg_field aaa_fields[] = {
	{ .key = "policy", .type = T_STRING, .fmt = FMT_NAME, .ref = &ref_authz,
	  AT(struct fgw_aaa_authz_cfg, policy), .tag = 1 },
	{ .key = "name_mangler", .type = T_ENUM, .enums = name_manglers,
	  AT(struct fgw_aaa_authz_cfg, name_mangler), .tag = 2 },
};

static const struct cfg_schema aaa_schema = {
	.noun = "aaa authorization", .size = sizeof(struct fgw_aaa_authz_cfg), FIELDS(aaa_fields),
	.defines = NS_NONE, .has_tag = true, .tag_required = true,
	.tag_offset = offsetof(struct fgw_aaa_authz_cfg, source),
};

static const struct cfg_field match_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_identity_cfg), .schema = &match_schema,
};
static const struct cfg_field auth_elem = {
	.type = T_ENUM, .size = sizeof(uint8_t), .enums = auth_methods,
};

static const struct cfg_field ikev2_profile_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_ikev2_profile_cfg, name) },
	{ .key = "description", .type = T_STRING, .fmt = FMT_TEXT,
	  AT(struct fgw_ikev2_profile_cfg, description) },
	{ .key = "match_identity_remote", .type = T_LIST, .flags = F_REQUIRED | F_UNIQUE,
	  .min = 1, AT(struct fgw_ikev2_profile_cfg, match_identity_remote),
	  COUNT(struct fgw_ikev2_profile_cfg, n_match_identity_remote), .elem = &match_elem },
	{ .key = "match_address_local", .type = T_LIST, .flags = F_UNIQUE,
	  AT(struct fgw_ikev2_profile_cfg, match_address_local),
	  COUNT(struct fgw_ikev2_profile_cfg, n_match_address_local), .elem = &address_elem },
	{ .key = "identity_local", .type = T_OBJECT, .schema = &identity_schema,
	  AT(struct fgw_ikev2_profile_cfg, identity_local) },
	{ .key = "authentication_local", .type = T_ENUM, .flags = F_REQUIRED,
	  .enums = auth_methods, AT(struct fgw_ikev2_profile_cfg, authentication_local) },
	{ .key = "authentication_remote", .type = T_LIST, .flags = F_REQUIRED | F_UNIQUE,
	  .min = 1, AT(struct fgw_ikev2_profile_cfg, authentication_remote),
	  COUNT(struct fgw_ikev2_profile_cfg, n_authentication_remote), .elem = &auth_elem },
	{ .key = "keyring", .type = T_STRING, .fmt = FMT_NAME, .ref = &ref_keyring,
	  AT(struct fgw_ikev2_profile_cfg, keyring) },
	{ .key = "dpd", .type = T_OBJECT, .schema = &dpd_schema,
	  AT(struct fgw_ikev2_profile_cfg, dpd) },
	{ .key = "lifetime", .type = T_UINT, AT(struct fgw_ikev2_profile_cfg, lifetime),
	  .min = 120, .max = 86400, .def = 86400 },
	{ .key = "nat_keepalive", .type = T_UINT, AT(struct fgw_ikev2_profile_cfg, nat_keepalive),
	  .min = 5, .max = 3600 },
	{ .key = "virtual_template", .type = T_STRING, .fmt = FMT_NAME, .ref = &ref_template,
	  AT(struct fgw_ikev2_profile_cfg, virtual_template) },
	{ .key = "aaa_authorization_group", .type = T_OBJECT, .schema = &aaa_schema,
	  AT(struct fgw_ikev2_profile_cfg, aaa_authorization_group) },
	{ .key = "aaa_authorization_user", .type = T_OBJECT, .schema = &aaa_schema,
	  AT(struct fgw_ikev2_profile_cfg, aaa_authorization_user) },
};

static const struct cfg_schema ikev2_profile_schema = {
	.noun = "IKEv2 profile", .size = sizeof(struct fgw_ikev2_profile_cfg),
	FIELDS(ikev2_profile_fields), .defines = NS_IKEV2_PROFILE,
	.check = cfg_check_ikev2_profile,
};

static const struct cfg_field route_accept_fields[] = {
	{ .key = "any", .type = T_BOOL, AT(struct fgw_route_accept_cfg, any) },
	{ .key = "tag", .type = T_UINT, AT(struct fgw_route_accept_cfg, tag), .max = 4294967295 },
	{ .key = "distance", .type = T_UINT, AT(struct fgw_route_accept_cfg, distance),
	  .min = 1, .max = 255, .def = 2 },
};

static const struct cfg_schema route_accept_schema = {
	.noun = "route accept", .size = sizeof(struct fgw_route_accept_cfg),
	FIELDS(route_accept_fields), .defines = NS_NONE,
};

static const struct cfg_field fqdn_elem = {
	.type = T_STRING, .fmt = FMT_FQDN, .size = FGW_FQDN_MAX,
};
static const struct cfg_field host_elem = {
	.type = T_STRING, .fmt = FMT_HOST, .size = FGW_FQDN_MAX,
};
static const struct cfg_field ipv4_elem = {
	.type = T_ADDR, .flags = F_V4, .size = sizeof(struct fgw_addr),
};
static const struct cfg_field network_elem = {
	.type = T_NETWORK, .size = sizeof(struct fgw_prefix),
};

static const struct cfg_field authz_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_ikev2_authz_policy_cfg, name) },
	{ .key = "pool", .type = T_STRING, .fmt = FMT_NAME, .ref = &ref_pool,
	  AT(struct fgw_ikev2_authz_policy_cfg, pool) },
	{ .key = "ipv6_pool", .type = T_STRING, .fmt = FMT_NAME, .ref = &ref_pool,
	  AT(struct fgw_ikev2_authz_policy_cfg, ipv6_pool) },
	{ .key = "netmask", .type = T_NETMASK, AT(struct fgw_ikev2_authz_policy_cfg, netmask) },
	{ .key = "dns", .type = T_LIST, .flags = F_UNIQUE,
	  AT(struct fgw_ikev2_authz_policy_cfg, dns),
	  COUNT(struct fgw_ikev2_authz_policy_cfg, n_dns), .elem = &address_elem },
	{ .key = "wins", .type = T_LIST, .flags = F_UNIQUE,
	  AT(struct fgw_ikev2_authz_policy_cfg, wins),
	  COUNT(struct fgw_ikev2_authz_policy_cfg, n_wins), .elem = &ipv4_elem },
	{ .key = "split_dns", .type = T_LIST, .flags = F_UNIQUE,
	  AT(struct fgw_ikev2_authz_policy_cfg, split_dns),
	  COUNT(struct fgw_ikev2_authz_policy_cfg, n_split_dns), .elem = &fqdn_elem },
	{ .key = "def_domain", .type = T_STRING, .fmt = FMT_FQDN,
	  AT(struct fgw_ikev2_authz_policy_cfg, def_domain) },
	{ .key = "backup_gateways", .type = T_LIST, .flags = F_UNIQUE,
	  AT(struct fgw_ikev2_authz_policy_cfg, backup_gateways),
	  COUNT(struct fgw_ikev2_authz_policy_cfg, n_backup_gateways), .elem = &host_elem },
	{ .key = "route_set_interface", .type = T_STRING, .fmt = FMT_NAME, .ref = &ref_any_if,
	  AT(struct fgw_ikev2_authz_policy_cfg, route_set_interface) },
	{ .key = "route_set_access_list", .type = T_LIST, .flags = F_UNIQUE,
	  AT(struct fgw_ikev2_authz_policy_cfg, route_set_access_list),
	  COUNT(struct fgw_ikev2_authz_policy_cfg, n_route_set_access_list),
	  .elem = &network_elem },
	{ .key = "route_accept", .type = T_OBJECT, .schema = &route_accept_schema,
	  AT(struct fgw_ikev2_authz_policy_cfg, route_accept) },
};

static const struct cfg_schema authz_schema = {
	.noun = "authorization policy", .size = sizeof(struct fgw_ikev2_authz_policy_cfg),
	FIELDS(authz_fields), .defines = NS_AUTHZ_POLICY, .check = cfg_check_authz_policy,
};

static const struct cfg_field flexvpn_peer_fields[] = {
	{ .key = "priority", .type = T_UINT, .flags = F_REQUIRED,
	  AT(struct fgw_flexvpn_peer_cfg, priority), .min = 1, .max = 10 },
	{ .key = "address", .type = T_ADDR, AT(struct fgw_flexvpn_peer_cfg, address), .tag = 1 },
	{ .key = "fqdn", .type = T_STRING, .fmt = FMT_FQDN, AT(struct fgw_flexvpn_peer_cfg, fqdn),
	  .tag = 2 },
	{ .key = "track", .type = T_UINT, AT(struct fgw_flexvpn_peer_cfg, track),
	  .min = 1, .max = 1000 },
};

static const struct cfg_schema flexvpn_peer_schema = {
	.noun = "client peer", .size = sizeof(struct fgw_flexvpn_peer_cfg),
	FIELDS(flexvpn_peer_fields), .defines = NS_NONE, .has_tag = true, .tag_required = true,
	.tag_offset = offsetof(struct fgw_flexvpn_peer_cfg, kind),
};

static const struct cfg_field flexvpn_source_fields[] = {
	{ .key = "priority", .type = T_UINT, .flags = F_REQUIRED,
	  AT(struct fgw_flexvpn_source_cfg, priority), .min = 1, .max = 6 },
	{ .key = "interface", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED,
	  .ref = &ref_local_if, AT(struct fgw_flexvpn_source_cfg, interface) },
	{ .key = "track", .type = T_UINT, AT(struct fgw_flexvpn_source_cfg, track),
	  .min = 1, .max = 1000 },
};

static const struct cfg_schema flexvpn_source_schema = {
	.noun = "client source", .size = sizeof(struct fgw_flexvpn_source_cfg),
	FIELDS(flexvpn_source_fields), .defines = NS_NONE,
};

static const struct cfg_field backoff_fields[] = {
	{ .key = "initial", .type = T_UINT, AT(struct fgw_backoff_cfg, initial),
	  .min = 1, .max = 86400, .def = 1 },
	{ .key = "maximum", .type = T_UINT, AT(struct fgw_backoff_cfg, maximum),
	  .min = 1, .max = 86400, .def = 64 },
	{ .key = "periodic", .type = T_BOOL, AT(struct fgw_backoff_cfg, periodic) },
	{ .key = "random", .type = T_BOOL, AT(struct fgw_backoff_cfg, random) },
};

static const struct cfg_schema backoff_schema = {
	.noun = "backoff", .size = sizeof(struct fgw_backoff_cfg), FIELDS(backoff_fields),
	.defines = NS_NONE,
};

static const struct cfg_field flexvpn_peer_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_flexvpn_peer_cfg),
	.schema = &flexvpn_peer_schema,
};
static const struct cfg_field flexvpn_source_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_flexvpn_source_cfg),
	.schema = &flexvpn_source_schema,
};

static const struct cfg_field client_profile_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_ikev2_client_profile_cfg, name) },
	{ .key = "peers", .type = T_LIST, .flags = F_REQUIRED, .min = 1,
	  AT(struct fgw_ikev2_client_profile_cfg, peers),
	  COUNT(struct fgw_ikev2_client_profile_cfg, n_peers), .elem = &flexvpn_peer_elem },
	{ .key = "connect", .type = T_ENUM, .enums = connect_modes,
	  AT(struct fgw_ikev2_client_profile_cfg, connect), .def = FGW_CONNECT_AUTO },
	{ .key = "connect_track", .type = T_UINT,
	  AT(struct fgw_ikev2_client_profile_cfg, connect_track), .min = 1, .max = 1000 },
	{ .key = "backup_group", .type = T_STRING, .fmt = FMT_NAME,
	  AT(struct fgw_ikev2_client_profile_cfg, backup_group) },
	{ .key = "source", .type = T_LIST, AT(struct fgw_ikev2_client_profile_cfg, source),
	  COUNT(struct fgw_ikev2_client_profile_cfg, n_source), .elem = &flexvpn_source_elem },
	{ .key = "tunnel", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED,
	  .ref = &ref_tunnel, AT(struct fgw_ikev2_client_profile_cfg, tunnel) },
	{ .key = "backoff", .type = T_OBJECT, .schema = &backoff_schema,
	  AT(struct fgw_ikev2_client_profile_cfg, backoff) },
	{ .key = "reactivate", .type = T_BOOL,
	  AT(struct fgw_ikev2_client_profile_cfg, reactivate) },
};

static const struct cfg_schema client_profile_schema = {
	.noun = "client profile", .size = sizeof(struct fgw_ikev2_client_profile_cfg),
	FIELDS(client_profile_fields), .defines = NS_CLIENT_PROFILE,
	.check = cfg_check_client_profile,
};

static const struct cfg_field limits_fields[] = {
	{ .key = "max_in_negotiation_sa", .type = T_UINT,
	  AT(struct fgw_ikev2_limits_cfg, max_in_negotiation_sa), .min = 1, .max = 1000000,
	  .def = 1000 },
	{ .key = "max_sa", .type = T_UINT, AT(struct fgw_ikev2_limits_cfg, max_sa),
	  .max = 1000000 },
};

static const struct cfg_schema limits_schema = {
	.noun = "limits", .size = sizeof(struct fgw_ikev2_limits_cfg), FIELDS(limits_fields),
	.defines = NS_NONE,
};

static const struct cfg_field fragmentation_fields[] = {
	{ .key = "enabled", .type = T_BOOL, AT(struct fgw_ikev2_fragmentation_cfg, enabled) },
	{ .key = "mtu", .type = T_UINT, AT(struct fgw_ikev2_fragmentation_cfg, mtu),
	  .min = 68, .max = 1500, .def = 576 },
};

static const struct cfg_schema fragmentation_schema = {
	.noun = "fragmentation", .size = sizeof(struct fgw_ikev2_fragmentation_cfg),
	FIELDS(fragmentation_fields), .defines = NS_NONE,
};

static const struct cfg_field proposal_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_ikev2_proposal_cfg),
	.schema = &cfg_proposal_schema,
};
static const struct cfg_field policy_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_ikev2_policy_cfg), .schema = &cfg_policy_schema,
};
static const struct cfg_field keyring_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_ikev2_keyring_cfg), .schema = &keyring_schema,
};
static const struct cfg_field ikev2_profile_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_ikev2_profile_cfg),
	.schema = &ikev2_profile_schema,
};
static const struct cfg_field authz_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_ikev2_authz_policy_cfg),
	.schema = &authz_schema,
};
static const struct cfg_field client_profile_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_ikev2_client_profile_cfg),
	.schema = &client_profile_schema,
};

#define IKEV2_LIST(k, m, n, el, mx) \
	{ .key = k, .type = T_LIST, .flags = F_HEAP, AT(struct fgw_ikev2_cfg, m), \
	  COUNT(struct fgw_ikev2_cfg, n), .elem = &el, .max = mx }

static const struct cfg_field ikev2_fields[] = {
	IKEV2_LIST("proposals", proposals, n_proposals, proposal_elem, 64),
	IKEV2_LIST("policies", policies, n_policies, policy_elem, 64),
	IKEV2_LIST("keyrings", keyrings, n_keyrings, keyring_elem, 64),
	IKEV2_LIST("profiles", profiles, n_profiles, ikev2_profile_elem, 256),
	IKEV2_LIST("authorization_policies", authorization_policies, n_authorization_policies,
		   authz_elem, 256),
	IKEV2_LIST("client_profiles", client_profiles, n_client_profiles, client_profile_elem, 16),
	{ .key = "dpd", .type = T_OBJECT, .schema = &dpd_schema, AT(struct fgw_ikev2_cfg, dpd) },
	{ .key = "cookie_challenge", .type = T_UINT, AT(struct fgw_ikev2_cfg, cookie_challenge),
	  .min = 1, .max = 1000000, .def = 100 },
	{ .key = "limits", .type = T_OBJECT, .schema = &limits_schema,
	  AT(struct fgw_ikev2_cfg, limits) },
	{ .key = "fragmentation", .type = T_OBJECT, .schema = &fragmentation_schema,
	  AT(struct fgw_ikev2_cfg, fragmentation) },
	{ .key = "nat_keepalive", .type = T_UINT, AT(struct fgw_ikev2_cfg, nat_keepalive),
	  .min = 5, .max = 3600 },
	{ .key = "window", .type = T_UINT, AT(struct fgw_ikev2_cfg, window),
	  .min = 1, .max = 200, .def = 5 },
	{ .key = "smart_defaults", .type = T_BOOL, AT(struct fgw_ikev2_cfg, smart_defaults),
	  .def = 1 },
};

static const struct cfg_schema ikev2_schema = {
	.noun = "ikev2", .size = sizeof(struct fgw_ikev2_cfg), FIELDS(ikev2_fields),
	.defines = NS_NONE,
};

/* ---- IPsec ------------------------------------------------------------------------ */

static const struct cfg_field transform_set_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_ipsec_transform_set_cfg, name) },
	{ .key = "esp_encryption", .type = T_ENUM, .flags = F_REQUIRED, .enums = esp_encryption,
	  AT(struct fgw_ipsec_transform_set_cfg, esp_encryption) },
	{ .key = "esp_integrity", .type = T_ENUM, .enums = esp_integrity,
	  AT(struct fgw_ipsec_transform_set_cfg, esp_integrity) },
	{ .key = "mode", .type = T_ENUM, .enums = ipsec_modes,
	  AT(struct fgw_ipsec_transform_set_cfg, mode), .def = FGW_IPSEC_TUNNEL },
};

const struct cfg_schema cfg_transform_set_schema = {
	.noun = "transform set", .size = sizeof(struct fgw_ipsec_transform_set_cfg),
	FIELDS(transform_set_fields), .defines = NS_TRANSFORM_SET,
	.check = cfg_check_transform_set,
};

static const struct cfg_field transform_set_name_elem = {
	.type = T_STRING, .fmt = FMT_NAME, .size = FGW_NAME_MAX, .ref = &cfg_ref_transform_set,
};

#define LIFETIME_SECONDS .min = 120, .max = 2592000
#define LIFETIME_KILOBYTES .min = 2560, .max = 4294967295

static const struct cfg_field ipsec_profile_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_ipsec_profile_cfg, name) },
	{ .key = "transform_sets", .type = T_LIST, .flags = F_UNIQUE, .min = 1,
	  AT(struct fgw_ipsec_profile_cfg, transform_sets),
	  COUNT(struct fgw_ipsec_profile_cfg, n_transform_sets), .elem = &transform_set_name_elem },
	{ .key = "lifetime_seconds", .type = T_UINT,
	  AT(struct fgw_ipsec_profile_cfg, lifetime_seconds), LIFETIME_SECONDS },
	{ .key = "lifetime_kilobytes", .type = T_UINT,
	  AT(struct fgw_ipsec_profile_cfg, lifetime_kilobytes), LIFETIME_KILOBYTES },
	{ .key = "pfs_group", .type = T_UINT, .enums = dh_groups, .max = 65535,
	  AT(struct fgw_ipsec_profile_cfg, pfs_group) },
	{ .key = "responder_only", .type = T_BOOL,
	  AT(struct fgw_ipsec_profile_cfg, responder_only) },
	{ .key = "ikev2_profile", .type = T_STRING, .fmt = FMT_NAME, .ref = &ref_ikev2_profile,
	  AT(struct fgw_ipsec_profile_cfg, ikev2_profile) },
	{ .key = "replay_window", .type = T_UINT, .flags = F_PRESENT, .enums = replay_windows,
	  .max = 4096, AT(struct fgw_ipsec_profile_cfg, replay_window),
	  PRESENT(struct fgw_ipsec_profile_cfg, replay_window_set) },
};

const struct cfg_schema cfg_ipsec_profile_schema = {
	.noun = "IPsec profile", .size = sizeof(struct fgw_ipsec_profile_cfg),
	FIELDS(ipsec_profile_fields), .defines = NS_IPSEC_PROFILE,
};

static const struct cfg_field transform_set_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_ipsec_transform_set_cfg),
	.schema = &cfg_transform_set_schema,
};
static const struct cfg_field ipsec_profile_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_ipsec_profile_cfg),
	.schema = &cfg_ipsec_profile_schema,
};

static const struct cfg_field ipsec_fields[] = {
	{ .key = "transform_sets", .type = T_LIST, .flags = F_HEAP, .max = 64,
	  AT(struct fgw_ipsec_cfg, transform_sets), COUNT(struct fgw_ipsec_cfg, n_transform_sets),
	  .elem = &transform_set_elem },
	{ .key = "profiles", .type = T_LIST, .flags = F_HEAP, .max = 256,
	  AT(struct fgw_ipsec_cfg, profiles), COUNT(struct fgw_ipsec_cfg, n_profiles),
	  .elem = &ipsec_profile_elem },
	{ .key = "lifetime_seconds", .type = T_UINT, AT(struct fgw_ipsec_cfg, lifetime_seconds),
	  LIFETIME_SECONDS, .def = 3600 },
	{ .key = "lifetime_kilobytes", .type = T_UINT,
	  AT(struct fgw_ipsec_cfg, lifetime_kilobytes), LIFETIME_KILOBYTES, .def = 4608000 },
	{ .key = "replay_window", .type = T_UINT, .enums = replay_windows, .max = 4096,
	  AT(struct fgw_ipsec_cfg, replay_window), .def = 64 },
	{ .key = "df_bit", .type = T_ENUM, .enums = df_bits, AT(struct fgw_ipsec_cfg, df_bit),
	  .def = FGW_DF_COPY },
	{ .key = "smart_defaults", .type = T_BOOL, AT(struct fgw_ipsec_cfg, smart_defaults),
	  .def = 1 },
};

static const struct cfg_schema ipsec_schema = {
	.noun = "ipsec", .size = sizeof(struct fgw_ipsec_cfg), FIELDS(ipsec_fields),
	.defines = NS_NONE,
};

/* ---- tunnels, virtual templates, pools ---------------------------------------------- */

static const struct cfg_field sa_keys_fields[] = {
	{ .key = "spi", .type = T_UINT, .flags = F_REQUIRED, AT(struct fgw_sa_keys_cfg, spi),
	  .min = 256, .max = 4294967295 },
	{ .key = "encryption_key", .type = T_HEX, .flags = F_REQUIRED | F_SECRET,
	  AT(struct fgw_sa_keys_cfg, encryption_key),
	  COUNT(struct fgw_sa_keys_cfg, encryption_key_len) },
	{ .key = "integrity_key", .type = T_HEX, .flags = F_SECRET,
	  AT(struct fgw_sa_keys_cfg, integrity_key),
	  COUNT(struct fgw_sa_keys_cfg, integrity_key_len) },
};

static const struct cfg_schema sa_keys_schema = {
	.noun = "manual SA keys", .size = sizeof(struct fgw_sa_keys_cfg), FIELDS(sa_keys_fields),
	.defines = NS_NONE,
};

static const struct cfg_field manual_rekey_fields[] = {
	{ .key = "inbound", .type = T_OBJECT, .flags = F_REQUIRED, .schema = &sa_keys_schema,
	  AT(struct fgw_manual_rekey_cfg, inbound) },
	{ .key = "outbound", .type = T_OBJECT, .flags = F_REQUIRED, .schema = &sa_keys_schema,
	  AT(struct fgw_manual_rekey_cfg, outbound) },
};

static const struct cfg_schema manual_rekey_schema = {
	.noun = "manual SA rekey", .size = sizeof(struct fgw_manual_rekey_cfg),
	FIELDS(manual_rekey_fields), .defines = NS_NONE,
};

/* Sequence numbers run out at 2^64 - 1 with ESN; JSON integers stop at
 * 2^63 - 1 here. */
#define MANUAL_PACKETS .min = 1, .max = INT64_MAX
#define MANUAL_KILOBYTES .min = 1, .max = 4294967295

static const struct cfg_field manual_sa_fields[] = {
	{ .key = "transform_set", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED,
	  .ref = &cfg_ref_transform_set, AT(struct fgw_manual_sa_cfg, transform_set) },
	{ .key = "inbound", .type = T_OBJECT, .flags = F_REQUIRED, .schema = &sa_keys_schema,
	  AT(struct fgw_manual_sa_cfg, inbound) },
	{ .key = "outbound", .type = T_OBJECT, .flags = F_REQUIRED, .schema = &sa_keys_schema,
	  AT(struct fgw_manual_sa_cfg, outbound) },
	{ .key = "rekey", .type = T_OBJECT, .flags = F_PRESENT, .schema = &manual_rekey_schema,
	  AT(struct fgw_manual_sa_cfg, rekey), PRESENT(struct fgw_manual_sa_cfg, rekey_set) },
	{ .key = "natt", .type = T_BOOL, AT(struct fgw_manual_sa_cfg, natt) },
	{ .key = "esn", .type = T_BOOL, AT(struct fgw_manual_sa_cfg, esn) },
	/* IOS "set security-association lifetime kilobytes", and packets as
	 * RFC 4301 4.4.2.1 counts them too; no lower bound such as IOS's
	 * 2560 kB: a manual SA's limit may be small on purpose (tests). */
	{ .key = "lifetime_kilobytes", .type = T_UINT,
	  AT(struct fgw_manual_sa_cfg, lifetime_kilobytes), MANUAL_KILOBYTES },
	{ .key = "soft_lifetime_kilobytes", .type = T_UINT,
	  AT(struct fgw_manual_sa_cfg, soft_lifetime_kilobytes), MANUAL_KILOBYTES },
	{ .key = "lifetime_packets", .type = T_UINT,
	  AT(struct fgw_manual_sa_cfg, lifetime_packets), MANUAL_PACKETS },
	{ .key = "soft_lifetime_packets", .type = T_UINT,
	  AT(struct fgw_manual_sa_cfg, soft_lifetime_packets), MANUAL_PACKETS },
};

static const struct cfg_schema manual_sa_schema = {
	.noun = "manual SA", .size = sizeof(struct fgw_manual_sa_cfg), FIELDS(manual_sa_fields),
	.defines = NS_NONE, .check = cfg_check_manual_sa,
};

#define TUNNEL_MTU .min = 576, .max = 9000, .def = 1400
#define ADJUST_MSS .min = 500, .max = 1460

static const struct cfg_field tunnel_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_tunnel_cfg, name) },
	{ .key = "description", .type = T_STRING, .fmt = FMT_TEXT,
	  AT(struct fgw_tunnel_cfg, description) },
	{ .key = "ipv4", .type = T_IFADDR, .flags = F_V4, AT(struct fgw_tunnel_cfg, ipv4) },
	{ .key = "ipv6", .type = T_IFADDR, .flags = F_V6, AT(struct fgw_tunnel_cfg, ipv6) },
	{ .key = "ip_unnumbered", .type = T_STRING, .fmt = FMT_NAME, .ref = &ref_local_if,
	  AT(struct fgw_tunnel_cfg, ip_unnumbered) },
	{ .key = "ip_address_negotiated", .type = T_BOOL,
	  AT(struct fgw_tunnel_cfg, ip_address_negotiated) },
	{ .key = "ipv6_address_negotiated", .type = T_BOOL,
	  AT(struct fgw_tunnel_cfg, ipv6_address_negotiated) },
	{ .key = "mtu", .type = T_UINT, AT(struct fgw_tunnel_cfg, mtu), TUNNEL_MTU },
	{ .key = "tcp_adjust_mss", .type = T_UINT, AT(struct fgw_tunnel_cfg, tcp_adjust_mss),
	  ADJUST_MSS },
	{ .key = "source", .type = T_SOURCE, .ref = &ref_local_if,
	  AT(struct fgw_tunnel_cfg, source) },
	{ .key = "destination", .type = T_DEST, .flags = F_REQUIRED,
	  AT(struct fgw_tunnel_cfg, destination) },
	{ .key = "mode", .type = T_ENUM, .enums = tunnel_modes, AT(struct fgw_tunnel_cfg, mode),
	  .def = FGW_TUNNEL_GRE_IPV4 },
	{ .key = "gre_key", .type = T_UINT, .flags = F_PRESENT, AT(struct fgw_tunnel_cfg, gre_key),
	  PRESENT(struct fgw_tunnel_cfg, gre_key_set), .max = 4294967295 },
	{ .key = "tunnel_protection", .type = T_STRING, .fmt = FMT_NAME,
	  .ref = &ref_ipsec_profile, AT(struct fgw_tunnel_cfg, tunnel_protection) },
	{ .key = "manual_sa", .type = T_OBJECT, .schema = &manual_sa_schema,
	  AT(struct fgw_tunnel_cfg, manual_sa) },
	{ .key = "shutdown", .type = T_BOOL, AT(struct fgw_tunnel_cfg, shutdown) },
};

static const struct cfg_schema tunnel_schema = {
	.noun = "tunnel", .size = sizeof(struct fgw_tunnel_cfg), FIELDS(tunnel_fields),
	.defines = NS_TUNNEL, .check = cfg_check_tunnel,
};

static const struct cfg_field template_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_virtual_template_cfg, name) },
	{ .key = "description", .type = T_STRING, .fmt = FMT_TEXT,
	  AT(struct fgw_virtual_template_cfg, description) },
	{ .key = "type", .type = T_ENUM, .enums = template_types,
	  AT(struct fgw_virtual_template_cfg, type), .def = 1 },
	{ .key = "ip_unnumbered", .type = T_STRING, .fmt = FMT_NAME, .ref = &ref_local_if,
	  AT(struct fgw_virtual_template_cfg, ip_unnumbered) },
	{ .key = "ipv6_unnumbered", .type = T_STRING, .fmt = FMT_NAME, .ref = &ref_local_if,
	  AT(struct fgw_virtual_template_cfg, ipv6_unnumbered) },
	{ .key = "mtu", .type = T_UINT, AT(struct fgw_virtual_template_cfg, mtu), TUNNEL_MTU },
	{ .key = "tcp_adjust_mss", .type = T_UINT,
	  AT(struct fgw_virtual_template_cfg, tcp_adjust_mss), ADJUST_MSS },
	{ .key = "tunnel_source", .type = T_STRING, .fmt = FMT_NAME, .ref = &ref_local_if,
	  AT(struct fgw_virtual_template_cfg, tunnel_source) },
	{ .key = "mode", .type = T_ENUM, .enums = template_modes,
	  AT(struct fgw_virtual_template_cfg, mode), .def = FGW_TUNNEL_AUTO },
	{ .key = "tunnel_protection", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED,
	  .ref = &ref_ipsec_profile, AT(struct fgw_virtual_template_cfg, tunnel_protection) },
};

static const struct cfg_schema template_schema = {
	.noun = "virtual template", .size = sizeof(struct fgw_virtual_template_cfg),
	FIELDS(template_fields), .defines = NS_VIRTUAL_TEMPLATE,
	.check = cfg_check_virtual_template,
};

static const struct cfg_field pool_fields[] = {
	{ .key = "name", .type = T_STRING, .fmt = FMT_NAME, .flags = F_REQUIRED | F_NAME,
	  AT(struct fgw_pool_cfg, name) },
	{ .key = "start", .type = T_ADDR, .flags = F_REQUIRED, AT(struct fgw_pool_cfg, start) },
	{ .key = "end", .type = T_ADDR, .flags = F_REQUIRED, AT(struct fgw_pool_cfg, end) },
};

static const struct cfg_schema pool_schema = {
	.noun = "pool", .size = sizeof(struct fgw_pool_cfg), FIELDS(pool_fields),
	.defines = NS_POOL, .check = cfg_check_pool,
};

/* ---- the file ------------------------------------------------------------------------ */

static const struct cfg_field port_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_port_cfg), .schema = &port_schema,
};
static const struct cfg_field loopback_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_loopback_cfg), .schema = &loopback_schema,
};
static const struct cfg_field route_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_route_cfg), .schema = &route_schema,
};
static const struct cfg_field tunnel_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_tunnel_cfg), .schema = &tunnel_schema,
};
static const struct cfg_field template_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_virtual_template_cfg),
	.schema = &template_schema,
};
static const struct cfg_field pool_elem = {
	.type = T_OBJECT, .size = sizeof(struct fgw_pool_cfg), .schema = &pool_schema,
};

#define ROOT_LIST(k, m, n, el, mx) \
	{ .key = k, .type = T_LIST, .flags = F_HEAP, AT(struct fgw_config, m), \
	  COUNT(struct fgw_config, n), .elem = &el, .max = mx }

static const struct cfg_field root_fields[] = {
	{ .key = "system", .type = T_OBJECT, .schema = &system_schema,
	  AT(struct fgw_config, system) },
	{ .key = "dataplane", .type = T_OBJECT, .schema = &dataplane_schema,
	  AT(struct fgw_config, dataplane) },
	ROOT_LIST("ports", ports, n_ports, port_elem, MAX_PORTS),
	ROOT_LIST("loopbacks", loopbacks, n_loopbacks, loopback_elem, 64),
	ROOT_LIST("routes", routes, n_routes, route_elem, 65536),
	{ .key = "ikev2", .type = T_OBJECT, .schema = &ikev2_schema,
	  AT(struct fgw_config, ikev2) },
	{ .key = "ipsec", .type = T_OBJECT, .schema = &ipsec_schema,
	  AT(struct fgw_config, ipsec) },
	ROOT_LIST("tunnels", tunnels, n_tunnels, tunnel_elem, MAX_TUNNELS),
	ROOT_LIST("virtual_templates", virtual_templates, n_virtual_templates, template_elem, 64),
	ROOT_LIST("pools", pools, n_pools, pool_elem, 256),
};

const struct cfg_schema cfg_root_schema = {
	.noun = "configuration", .size = sizeof(struct fgw_config), FIELDS(root_fields),
	.defines = NS_NONE,
};
