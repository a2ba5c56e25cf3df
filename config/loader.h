/* The loader's internals, shared by the files of config/ only.
 *
 * The schema is data: every JSON object is a struct cfg_schema, a table of
 * fields (key, type, struct offset, range, enum, reference target). One
 * generic walker (walk.c) fills the C structs from jansson values, and the
 * same tables drive freeing and dumping. What a table cannot say lives in
 * a per-object check (rules.c) or in the cross-reference pass (xref.c). */
#ifndef FGW_CONFIG_LOADER_H
#define FGW_CONFIG_LOADER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config/config.h"

/* ---- JSON paths --------------------------------------------------------- */

/* Deeper than any schema object plus one unknown key. */
#define CFG_PATH_MAX 16

struct cfg_path_elem {
	const char *key;		/* NULL: array element `index` */
	unsigned index;
};

struct cfg_path {
	struct cfg_path_elem e[CFG_PATH_MAX];
	unsigned depth;
};

/* errors.c: "ikev2.profiles[0].keyring" */
void cfg_path_str(const struct cfg_path *p, char *buf, size_t len);

/* position.c: jansson keeps no positions, so errors find theirs by scanning
 * the raw text again. */
enum cfg_at { CFG_AT_VALUE, CFG_AT_KEY };

/* line:column (1-based, columns in characters as jansson counts them) of the
 * value at path, or of its key. False when the path is not in the text. */
bool cfg_locate(const char *text, size_t len, const struct cfg_path *path, enum cfg_at at,
		unsigned *line, unsigned *col);
/* The path of the innermost container open at byte offset: where a syntax
 * error happened. "" at top level. */
void cfg_path_at(const char *text, size_t len, size_t offset, char *buf, size_t buflen);

/* ---- the schema --------------------------------------------------------- */

enum cfg_type {
	T_STRING,	/* char[size] */
	T_STRDUP,	/* char *, owned */
	T_UINT,		/* unsigned integer of `size` bytes in [min, max] */
	T_BOOL,
	T_TRUE,		/* must be true; only its choice tag is stored */
	T_ENUM,		/* a name from `enums`, stored as an integer of `size` bytes */
	T_ADDR,		/* struct fgw_addr */
	T_IFADDR,	/* struct fgw_prefix "addr/len": an interface address */
	T_NETWORK,	/* struct fgw_prefix, host bits zero */
	T_HOST_OR_NET,	/* struct fgw_prefix: "addr" (a host) or a network */
	T_NETMASK,	/* "255.255.255.0" stored as a uint8_t prefix length */
	T_HEX,		/* bytes; their count in the unsigned at aux */
	T_DEST,		/* struct fgw_tunnel_dest_cfg: address, fqdn or "dynamic" */
	T_SOURCE,	/* struct fgw_tunnel_source_cfg: address or interface name */
	T_OBJECT,	/* an embedded struct described by `schema` */
	T_LIST,		/* JSON array of `elem`; count in the unsigned at aux */
};

/* What a string must look like. */
enum cfg_format {
	FMT_TEXT,	/* anything printable */
	FMT_NAME,	/* an object or interface name: [A-Za-z0-9._:/+-], alnum first */
	FMT_FQDN,	/* DNS name */
	FMT_EMAIL,	/* local@domain */
	FMT_HOST,	/* an address or a DNS name */
};

#define F_REQUIRED	0x0001
#define F_SECRET	0x0002	/* never printed unless asked */
#define F_NAME		0x0004	/* the object's name: unique, defines it */
#define F_UNIQUE	0x0008	/* list: no element twice */
#define F_HEAP		0x0010	/* list: a malloc'd array (pointer at offset) */
#define F_V4		0x0020	/* addresses: IPv4 only */
#define F_V6		0x0040	/* addresses: IPv6 only */
#define F_PRESENT	0x0080	/* scalar: a bool at aux says it was given */

struct cfg_enum {
	const char *name;
	int value;
	bool weak;		/* known, refused: see SCHEMA.md */
	bool alias;		/* another spelling of an earlier entry */
};

/* Namespaces: what a name can refer to. */
enum cfg_ns {
	NS_PORT,
	NS_LOOPBACK,
	NS_TUNNEL,
	NS_VIRTUAL_TEMPLATE,
	NS_PROPOSAL,
	NS_POLICY,
	NS_KEYRING,
	NS_IKEV2_PROFILE,
	NS_AUTHZ_POLICY,
	NS_CLIENT_PROFILE,
	NS_TRANSFORM_SET,
	NS_IPSEC_PROFILE,
	NS_POOL,
	NS_COUNT,
	NS_NONE = -1,
};

struct cfg_ref {
	uint32_t targets;	/* 1 << enum cfg_ns */
	const char *noun;	/* "keyring" in `keyring "X" is not defined` */
	const char *builtin;	/* a name that needs no definition ("Null0") */
};

struct cfg_schema;

struct cfg_field {
	const char *key;
	uint8_t type;			/* enum cfg_type */
	uint8_t fmt;			/* enum cfg_format, strings */
	uint16_t flags;
	size_t offset;
	size_t size;			/* bytes of storage at offset */
	size_t aux;			/* list count, hex length, F_PRESENT flag */
	int64_t min, max;		/* integers: range; strings: length; lists: items */
	int64_t def;			/* default of integers, bools, enums */
	const char *defstr;		/* default of strings */
	const struct cfg_enum *enums;	/* T_ENUM names; T_UINT, T_STRING allowed values */
	const struct cfg_schema *schema;	/* T_OBJECT */
	const struct cfg_field *elem;	/* T_LIST: the element, at offset 0 */
	const struct cfg_ref *ref;	/* the string names an object */
	uint8_t tag;			/* choice member: stored at schema->tag_offset */
};

struct cfg_ctx;

struct cfg_schema {
	const char *noun;		/* "keyring", for messages */
	size_t size;
	const struct cfg_field *fields;
	unsigned n_fields;
	int defines;			/* enum cfg_ns its names live in, or NS_NONE */
	bool has_tag;			/* exactly one tagged member may be given ... */
	bool tag_required;		/* ... and must be */
	size_t tag_offset;		/* uint8_t */
	/* Rules a table cannot express; runs after the fields are filled, with
	 * c->path at the object. */
	bool (*check)(struct cfg_ctx *c, void *obj);
};

extern const struct cfg_schema cfg_root_schema;
extern const struct cfg_schema cfg_proposal_schema;
extern const struct cfg_schema cfg_policy_schema;
extern const struct cfg_schema cfg_transform_set_schema;
extern const struct cfg_schema cfg_ipsec_profile_schema;
extern const struct cfg_ref cfg_ref_transform_set;

/* ---- loader state ------------------------------------------------------- */

struct cfg_name {
	char name[FGW_NAME_MAX];
	struct cfg_path path;		/* of its "name" value */
};

struct cfg_names {
	struct cfg_name *v;
	unsigned n, cap;
};

/* A name seen in a referencing field, checked once everything is defined. */
struct cfg_pending_ref {
	const struct cfg_ref *ref;
	char name[FGW_NAME_MAX];
	struct cfg_path path;
};

struct cfg_ctx {
	const char *origin;		/* file name in messages */
	const char *text;		/* the JSON text positions are looked up in */
	size_t len;
	char *err;
	size_t errlen;
	bool failed;
	struct cfg_path path;		/* of the value being walked */
	struct fgw_config *cfg;
	struct cfg_names ns[NS_COUNT];
	struct cfg_pending_ref *refs;
	unsigned n_refs, cap_refs;
};

/* Records the first error, at path (its value or key), and returns false. */
bool cfg_fail_at(struct cfg_ctx *c, const struct cfg_path *path, enum cfg_at at,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* ... at c->path */
bool cfg_fail(struct cfg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ... at c->path + key (the object when key is absent from the text) */
bool cfg_fail_key(struct cfg_ctx *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "12:5" of path, for "first defined at" */
void cfg_where(const struct cfg_ctx *c, const struct cfg_path *path, char *buf, size_t len);

bool cfg_path_push(struct cfg_ctx *c, const char *key, unsigned index);
void cfg_path_pop(struct cfg_ctx *c);

/* walk.c */
uint64_t cfg_load_uint(const void *p, size_t size);
/* The canonical name of an enum value, NULL if none. */
const struct cfg_enum *cfg_enum_by_value(const struct cfg_enum *e, int64_t value);
void cfg_init_object(const struct cfg_schema *s, void *obj);
bool cfg_walk_object(struct cfg_ctx *c, const struct cfg_schema *s, json_t *v, void *obj);
void cfg_free_object(const struct cfg_schema *s, void *obj);
/* A new zeroed element at the end of a heap list. */
void *cfg_list_append(void **array, unsigned *n, size_t size);
/* name defined in namespace ns at c->path; false (and an error) if taken */
bool cfg_define(struct cfg_ctx *c, enum cfg_ns ns, const char *name);
const struct cfg_name *cfg_lookup(const struct cfg_ctx *c, uint32_t targets, const char *name,
				  enum cfg_ns *found);
/* name must be defined in one of ref's targets once loading is done */
bool cfg_add_ref(struct cfg_ctx *c, const struct cfg_ref *ref, const char *name);

/* rules.c: the checks named by the tables */
bool cfg_check_dataplane(struct cfg_ctx *c, void *obj);
bool cfg_check_port(struct cfg_ctx *c, void *obj);
bool cfg_check_route(struct cfg_ctx *c, void *obj);
bool cfg_check_identity(struct cfg_ctx *c, void *obj);
bool cfg_check_proposal(struct cfg_ctx *c, void *obj);
bool cfg_check_policy(struct cfg_ctx *c, void *obj);
bool cfg_check_keyring_peer(struct cfg_ctx *c, void *obj);
bool cfg_check_ikev2_profile(struct cfg_ctx *c, void *obj);
bool cfg_check_authz_policy(struct cfg_ctx *c, void *obj);
bool cfg_check_client_profile(struct cfg_ctx *c, void *obj);
bool cfg_check_transform_set(struct cfg_ctx *c, void *obj);
bool cfg_check_tunnel(struct cfg_ctx *c, void *obj);
bool cfg_check_manual_sa(struct cfg_ctx *c, void *obj);
bool cfg_check_virtual_template(struct cfg_ctx *c, void *obj);
bool cfg_check_pool(struct cfg_ctx *c, void *obj);

/* defaults.c: FlexVPN smart defaults and values inherited from globals */
bool cfg_apply_defaults(struct cfg_ctx *c);

/* xref.c: references and the rules that span objects */
bool cfg_check_references(struct cfg_ctx *c);

#endif
