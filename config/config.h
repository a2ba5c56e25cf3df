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

/* ---- algorithms --------------------------------------------------------
 * Config-level identifiers; the IKEv2 and ESP code map them to IANA
 * transform ids. Weak algorithms (DES, 3DES, MD5, DH groups 1, 2, 5) have no
 * identifier: the loader rejects them (config/SCHEMA.md). */

enum fgw_ike_encr {
	FGW_IKE_ENCR_AES_CBC_128 = 1,
	FGW_IKE_ENCR_AES_CBC_192,
	FGW_IKE_ENCR_AES_CBC_256,
	FGW_IKE_ENCR_AES_GCM_128,	/* 16-octet ICV */
	FGW_IKE_ENCR_AES_GCM_256,
};

/* IKEv2 integrity and PRF, and ESP integrity (HMAC, truncated per RFC 4868). */
enum fgw_hash {
	FGW_HASH_NONE = 0,
	FGW_HASH_SHA1,
	FGW_HASH_SHA256,
	FGW_HASH_SHA384,
	FGW_HASH_SHA512,
};

enum fgw_esp_encr {
	FGW_ESP_AES_128 = 1,		/* AES-CBC */
	FGW_ESP_AES_192,
	FGW_ESP_AES_256,
	FGW_ESP_GCM_128,		/* AES-GCM, 16-octet ICV */
	FGW_ESP_GCM_256,
};

#define FGW_ALG_MAX 8			/* algorithms per proposal list */
#define FGW_FQDN_MAX 256
#define FGW_PSK_MAX 129			/* 128 characters */
#define FGW_KEY_MAX 64			/* manual SA key bytes */
#define FGW_LIST_MAX 16			/* match statements, sources, peers per list */

/* ---- identities (IKEv2 ID payload, match statements) ------------------ */

enum fgw_id_type {
	FGW_ID_NONE = 0,
	FGW_ID_ADDRESS,			/* address: a host, or a network to match */
	FGW_ID_FQDN,
	FGW_ID_FQDN_DOMAIN,		/* match only: any fqdn in this domain */
	FGW_ID_EMAIL,
	FGW_ID_EMAIL_DOMAIN,		/* match only: any email at this domain */
	FGW_ID_KEY_ID,
	FGW_ID_ANY,			/* match only */
};

struct fgw_identity_cfg {
	uint8_t type;			/* enum fgw_id_type */
	char value[FGW_FQDN_MAX];	/* fqdn, email, key-id or domain */
	struct fgw_prefix address;	/* FGW_ID_ADDRESS: /32 or /128 for a host */
};

/* ---- IKEv2 (crypto ikev2 ...) ----------------------------------------- */

struct fgw_ikev2_proposal_cfg {
	char name[FGW_NAME_MAX];
	uint8_t encryption[FGW_ALG_MAX];	/* enum fgw_ike_encr, preference order */
	unsigned n_encryption;
	uint8_t integrity[FGW_ALG_MAX];		/* enum fgw_hash; used with AES-CBC only */
	unsigned n_integrity;
	uint8_t prf[FGW_ALG_MAX];		/* enum fgw_hash; defaults to integrity */
	unsigned n_prf;
	uint16_t group[FGW_ALG_MAX];		/* IANA DH group numbers */
	unsigned n_group;
};

struct fgw_ikev2_policy_cfg {
	char name[FGW_NAME_MAX];
	char proposals[FGW_ALG_MAX][FGW_NAME_MAX];
	unsigned n_proposals;
	struct fgw_addr match_address_local[FGW_LIST_MAX];	/* none: any */
	unsigned n_match_address_local;
	char match_fvrf[FGW_NAME_MAX];	/* "global", "any" or empty: flexgw has no VRFs */
};

struct fgw_ikev2_keyring_peer_cfg {
	char name[FGW_NAME_MAX];
	char description[128];
	struct fgw_prefix address;	/* family 0: not matched by address */
	char hostname[FGW_FQDN_MAX];
	struct fgw_identity_cfg identity;	/* type NONE: not matched by identity */
	/* Either pre_shared_key, or pre_shared_key_local and _remote. */
	char pre_shared_key[FGW_PSK_MAX];
	char pre_shared_key_local[FGW_PSK_MAX];
	char pre_shared_key_remote[FGW_PSK_MAX];
};

struct fgw_ikev2_keyring_cfg {
	char name[FGW_NAME_MAX];
	struct fgw_ikev2_keyring_peer_cfg *peers;
	unsigned n_peers;
};

enum fgw_auth_method { FGW_AUTH_PRE_SHARE = 1 };
enum fgw_dpd_mode { FGW_DPD_ON_DEMAND = 1, FGW_DPD_PERIODIC };

struct fgw_dpd_cfg {
	unsigned interval;		/* seconds; 0: DPD off */
	unsigned retry_interval;	/* seconds between retries (IOS retry-interval) */
	uint8_t mode;			/* enum fgw_dpd_mode */
};

enum fgw_name_mangler {
	FGW_MANGLE_FQDN_HOSTNAME = 1,	/* "spoke1" of spoke1.example.com */
	FGW_MANGLE_FQDN_DOMAIN,		/* "example.com" */
	FGW_MANGLE_FQDN_ALL,
	FGW_MANGLE_EMAIL_USERNAME,	/* "alice" of alice@example.com */
	FGW_MANGLE_EMAIL_DOMAIN,
	FGW_MANGLE_EMAIL_ALL,
};

/* aaa authorization group|user psk: the authorization policy is either named
 * or derived from the peer's identity by a name mangler (local database). */
struct fgw_aaa_authz_cfg {
	uint8_t source;			/* 0: unset, 1: policy, 2: name_mangler */
	char policy[FGW_NAME_MAX];
	uint8_t name_mangler;		/* enum fgw_name_mangler */
};

struct fgw_ikev2_profile_cfg {
	char name[FGW_NAME_MAX];
	char description[128];
	struct fgw_identity_cfg match_identity_remote[FGW_LIST_MAX];
	unsigned n_match_identity_remote;
	struct fgw_addr match_address_local[FGW_LIST_MAX];	/* none: any */
	unsigned n_match_address_local;
	struct fgw_identity_cfg identity_local;	/* NONE: our address */
	uint8_t authentication_local;		/* enum fgw_auth_method */
	uint8_t authentication_remote[4];
	unsigned n_authentication_remote;
	char keyring[FGW_NAME_MAX];		/* keyring local NAME */
	struct fgw_dpd_cfg dpd;			/* inherits ikev2.dpd */
	unsigned lifetime;			/* IKE SA, seconds */
	unsigned nat_keepalive;			/* seconds, 0 off; inherits ikev2 */
	char virtual_template[FGW_NAME_MAX];	/* "": no virtual-access */
	struct fgw_aaa_authz_cfg aaa_authorization_group;
	struct fgw_aaa_authz_cfg aaa_authorization_user;
};

struct fgw_route_accept_cfg {
	bool any;			/* route accept any */
	unsigned tag;
	uint8_t distance;
};

#define FGW_SPLIT_DNS_MAX 10
#define FGW_BACKUP_GW_MAX 10

struct fgw_ikev2_authz_policy_cfg {
	char name[FGW_NAME_MAX];
	char pool[FGW_NAME_MAX];		/* IPv4 pool */
	char ipv6_pool[FGW_NAME_MAX];
	uint8_t netmask;			/* prefix length pushed with the address */
	struct fgw_addr dns[4];			/* up to two per family */
	unsigned n_dns;
	struct fgw_addr wins[2];
	unsigned n_wins;
	char split_dns[FGW_SPLIT_DNS_MAX][FGW_FQDN_MAX];
	unsigned n_split_dns;
	char def_domain[FGW_FQDN_MAX];
	char backup_gateways[FGW_BACKUP_GW_MAX][FGW_FQDN_MAX];	/* address or fqdn */
	unsigned n_backup_gateways;
	char route_set_interface[FGW_NAME_MAX];
	struct fgw_prefix route_set_access_list[FGW_LIST_MAX];	/* the ACL's networks */
	unsigned n_route_set_access_list;
	struct fgw_route_accept_cfg route_accept;
};

/* A destination the client tries: address or fqdn. */
struct fgw_flexvpn_peer_cfg {
	unsigned priority;		/* 1 first */
	uint8_t kind;			/* 1: address, 2: fqdn */
	struct fgw_addr address;
	char fqdn[FGW_FQDN_MAX];
	unsigned track;			/* track object number, 0: none */
};

struct fgw_flexvpn_source_cfg {
	unsigned priority;
	char interface[FGW_NAME_MAX];
	unsigned track;
};

enum fgw_connect_mode { FGW_CONNECT_AUTO = 1, FGW_CONNECT_MANUAL, FGW_CONNECT_TRACK };

struct fgw_backoff_cfg {
	unsigned initial;		/* seconds */
	unsigned maximum;
	bool periodic;
	bool random;
};

struct fgw_ikev2_client_profile_cfg {
	char name[FGW_NAME_MAX];
	struct fgw_flexvpn_peer_cfg peers[FGW_LIST_MAX];
	unsigned n_peers;
	uint8_t connect;		/* enum fgw_connect_mode */
	unsigned connect_track;		/* connect track N */
	char backup_group[FGW_NAME_MAX];
	struct fgw_flexvpn_source_cfg source[FGW_LIST_MAX];
	unsigned n_source;
	char tunnel[FGW_NAME_MAX];	/* client connect TunnelN */
	struct fgw_backoff_cfg backoff;
	bool reactivate;		/* peer reactivate */
};

struct fgw_ikev2_limits_cfg {
	unsigned max_in_negotiation_sa;	/* half-open IKE SAs */
	unsigned max_sa;		/* 0: no limit */
};

struct fgw_ikev2_fragmentation_cfg {
	bool enabled;
	unsigned mtu;
};

struct fgw_ikev2_cfg {
	struct fgw_ikev2_proposal_cfg *proposals;
	unsigned n_proposals;
	struct fgw_ikev2_policy_cfg *policies;
	unsigned n_policies;
	struct fgw_ikev2_keyring_cfg *keyrings;
	unsigned n_keyrings;
	struct fgw_ikev2_profile_cfg *profiles;
	unsigned n_profiles;
	struct fgw_ikev2_authz_policy_cfg *authorization_policies;
	unsigned n_authorization_policies;
	struct fgw_ikev2_client_profile_cfg *client_profiles;
	unsigned n_client_profiles;
	struct fgw_dpd_cfg dpd;
	unsigned cookie_challenge;	/* half-open SAs before cookies are demanded */
	struct fgw_ikev2_limits_cfg limits;
	struct fgw_ikev2_fragmentation_cfg fragmentation;
	unsigned nat_keepalive;
	unsigned window;
	bool smart_defaults;		/* proposal and policy "default" */
};

/* ---- IPsec (crypto ipsec ...) ----------------------------------------- */

enum fgw_ipsec_mode { FGW_IPSEC_TUNNEL = 1, FGW_IPSEC_TRANSPORT };
enum fgw_df_bit { FGW_DF_COPY = 1, FGW_DF_CLEAR, FGW_DF_SET };

struct fgw_ipsec_transform_set_cfg {
	char name[FGW_NAME_MAX];
	uint8_t esp_encryption;		/* enum fgw_esp_encr */
	uint8_t esp_integrity;		/* enum fgw_hash; NONE with AES-GCM */
	uint8_t mode;			/* enum fgw_ipsec_mode */
};

#define FGW_TS_PER_PROFILE 6

struct fgw_ipsec_profile_cfg {
	char name[FGW_NAME_MAX];
	char transform_sets[FGW_TS_PER_PROFILE][FGW_NAME_MAX];
	unsigned n_transform_sets;
	unsigned lifetime_seconds;	/* inherits ipsec.lifetime_seconds */
	uint64_t lifetime_kilobytes;	/* inherits ipsec.lifetime_kilobytes */
	uint16_t pfs_group;		/* IANA DH group, 0: no PFS */
	bool responder_only;
	char ikev2_profile[FGW_NAME_MAX];	/* "": chosen by identity match */
	unsigned replay_window;		/* packets, 0: replay check off; inherits */
	bool replay_window_set;
};

struct fgw_ipsec_cfg {
	struct fgw_ipsec_transform_set_cfg *transform_sets;
	unsigned n_transform_sets;
	struct fgw_ipsec_profile_cfg *profiles;
	unsigned n_profiles;
	unsigned lifetime_seconds;
	uint64_t lifetime_kilobytes;
	unsigned replay_window;
	uint8_t df_bit;			/* enum fgw_df_bit */
	bool smart_defaults;		/* transform set and profile "default" */
};

/* ---- tunnel and virtual-template interfaces --------------------------- */

enum fgw_tunnel_mode {
	FGW_TUNNEL_GRE_IPV4 = 1,	/* IOS default "gre ip" */
	FGW_TUNNEL_GRE_IPV6,
	FGW_TUNNEL_IPSEC_IPV4,		/* static VTI */
	FGW_TUNNEL_IPSEC_IPV6,
	FGW_TUNNEL_AUTO,		/* virtual templates: follow the peer */
};

/* The address family a mode carries outside; 0 for auto. */
static inline int fgw_tunnel_mode_family(uint8_t mode)
{
	switch (mode) {
	case FGW_TUNNEL_GRE_IPV4:
	case FGW_TUNNEL_IPSEC_IPV4:
		return AF_INET;
	case FGW_TUNNEL_GRE_IPV6:
	case FGW_TUNNEL_IPSEC_IPV6:
		return AF_INET6;
	default:
		return 0;
	}
}

/* tunnel destination: an address, a name to resolve, or dynamic (a FlexVPN
 * client profile supplies the peer). */
struct fgw_tunnel_dest_cfg {
	struct fgw_addr address;
	char fqdn[FGW_FQDN_MAX];
	bool dynamic;
};

/* tunnel source: one of our addresses, or an interface whose address is used. */
struct fgw_tunnel_source_cfg {
	struct fgw_addr address;
	char interface[FGW_NAME_MAX];
};

struct fgw_sa_keys_cfg {
	uint32_t spi;
	uint8_t encryption_key[FGW_KEY_MAX];	/* AES-GCM: key then 4-byte salt */
	unsigned encryption_key_len;
	uint8_t integrity_key[FGW_KEY_MAX];
	unsigned integrity_key_len;
};

/* A second key set for an operator's rekey of manual SAs. */
struct fgw_manual_rekey_cfg {
	struct fgw_sa_keys_cfg inbound;
	struct fgw_sa_keys_cfg outbound;
};

/* Manual keying (no IKE): fixed SPIs and keys both ways. */
struct fgw_manual_sa_cfg {
	char transform_set[FGW_NAME_MAX];	/* "": no manual SA */
	struct fgw_sa_keys_cfg inbound;
	struct fgw_sa_keys_cfg outbound;
	bool rekey_set;
	struct fgw_manual_rekey_cfg rekey;	/* flexctl crypto ipsec rekey */
	bool natt;			/* ESP in UDP 4500 both ways (RFC 3948) */
	bool esn;			/* 64-bit sequence numbers (RFC 4303 2.2.1) */
	/* Each SA's volume limits, 0: none. Hard: the SA drops from then on;
	 * soft: the control core is told (an SA key set, both ways). */
	uint64_t lifetime_packets, soft_lifetime_packets;
	uint64_t lifetime_kilobytes, soft_lifetime_kilobytes;
};

struct fgw_tunnel_cfg {
	char name[FGW_NAME_MAX];	/* e.g. "Tunnel0" */
	char description[128];
	struct fgw_prefix ipv4;
	struct fgw_prefix ipv6;
	char ip_unnumbered[FGW_NAME_MAX];	/* borrow this interface's IPv4 address */
	bool ip_address_negotiated;	/* FlexVPN client: address from the server */
	bool ipv6_address_negotiated;	/* and an IPv6 one */
	uint16_t mtu;			/* IP MTU inside the tunnel */
	uint16_t tcp_adjust_mss;	/* 0: off */
	struct fgw_tunnel_source_cfg source;
	struct fgw_tunnel_dest_cfg destination;
	uint8_t mode;			/* enum fgw_tunnel_mode */
	uint32_t gre_key;
	bool gre_key_set;
	char tunnel_protection[FGW_NAME_MAX];	/* IPsec profile */
	struct fgw_manual_sa_cfg manual_sa;
	bool shutdown;
};

struct fgw_virtual_template_cfg {
	char name[FGW_NAME_MAX];	/* e.g. "Virtual-Template1" */
	char description[128];
	uint8_t type;			/* 1: tunnel */
	char ip_unnumbered[FGW_NAME_MAX];
	char ipv6_unnumbered[FGW_NAME_MAX];
	uint16_t mtu;
	uint16_t tcp_adjust_mss;
	char tunnel_source[FGW_NAME_MAX];	/* "": the address IKE arrived on */
	uint8_t mode;			/* enum fgw_tunnel_mode */
	char tunnel_protection[FGW_NAME_MAX];
};

/* ip local pool / ipv6 local pool: one contiguous range. */
struct fgw_pool_cfg {
	char name[FGW_NAME_MAX];
	struct fgw_addr start;
	struct fgw_addr end;
};

struct fgw_config {
	struct fgw_system_cfg system;
	struct fgw_dataplane_cfg dataplane;
	struct fgw_port_cfg *ports;
	unsigned n_ports;
	struct fgw_loopback_cfg *loopbacks;
	unsigned n_loopbacks;
	struct fgw_route_cfg *routes;
	unsigned n_routes;
	struct fgw_ikev2_cfg ikev2;
	struct fgw_ipsec_cfg ipsec;
	struct fgw_tunnel_cfg *tunnels;
	unsigned n_tunnels;
	struct fgw_virtual_template_cfg *virtual_templates;
	unsigned n_virtual_templates;
	struct fgw_pool_cfg *pools;
	unsigned n_pools;
};

/* Loads and validates FILE. On error returns NULL and writes one line naming
 * the JSON path and line:column to err. */
struct fgw_config *fgw_config_load_file(const char *path, char *err, size_t errlen);
/* The same from memory (the fuzz target and the unit tests use it). */
struct fgw_config *fgw_config_load_buffer(const char *buf, size_t len, const char *origin,
					  char *err, size_t errlen);
/* Wipes (keys live in here) and frees. */
void fgw_config_free(struct fgw_config *cfg);

/* The effective configuration, smart defaults included, as JSON text that
 * loads back to the same configuration. Secrets print as "<redacted>" unless
 * with_secrets. Returns malloc'd text, or NULL on allocation failure. */
char *fgw_config_dump(const struct fgw_config *cfg, bool with_secrets);

/* The inbound SA slots the data path gets for cfg (sa_slots.c): a power of
 * two, and an inbound SA's slot is its SPI modulo it. */
unsigned fgw_config_sa_slots(const struct fgw_config *cfg);

#endif
