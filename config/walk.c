/* The generic walker: jansson values into C structs, driven by the tables
 * of schema.c. Also the inverse housekeeping the same tables allow:
 * defaults before a walk, freeing after. */
#include "config/loader.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- storage ------------------------------------------------------------- */

static void store_uint(void *p, size_t size, uint64_t v)
{
	switch (size) {
	case 1: *(uint8_t *)p = (uint8_t)v; break;
	case 2: *(uint16_t *)p = (uint16_t)v; break;
	case 4: *(uint32_t *)p = (uint32_t)v; break;
	default: *(uint64_t *)p = v; break;
	}
}

uint64_t cfg_load_uint(const void *p, size_t size)
{
	switch (size) {
	case 1: return *(const uint8_t *)p;
	case 2: return *(const uint16_t *)p;
	case 4: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

const struct cfg_enum *cfg_enum_by_value(const struct cfg_enum *e, int64_t value)
{
	for (; e->name; e++)
		if (e->value == value && !e->weak && !e->alias)
			return e;
	return NULL;
}

static const struct cfg_enum *enum_by_name(const struct cfg_enum *e, const char *name)
{
	for (; e->name; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static void enum_list(const struct cfg_enum *e, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (; e->name && used < len; e++) {
		if (e->weak || e->alias)
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", e->name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static bool type_error(struct cfg_ctx *c, const json_t *v, const char *want)
{
	return cfg_fail(c, "expected %s, got %s", want, json_type_name(v));
}

/* ---- string formats ------------------------------------------------------ */

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool valid_name(const char *s)
{
	if (!isalnum((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._:/+-", *s))
			return false;
	return true;
}

/* RFC 1123 host names: labels of letters, digits and hyphens. */
static bool valid_fqdn(const char *s)
{
	size_t total = strlen(s), label = 0;

	if (total == 0 || total > 253)
		return false;
	for (const char *p = s; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || label > 63 || p[-1] == '-')
				return false;
			if (*p == '\0')
				return true;
			label = 0;
		} else if (isalnum((unsigned char)*p) || (*p == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
}

static bool valid_email(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; p < at; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return false;
	return valid_fqdn(at + 1);
}

static bool check_format(struct cfg_ctx *c, enum cfg_format fmt, const char *s)
{
	struct fgw_addr a;

	switch (fmt) {
	case FMT_TEXT:
		if (!printable(s))
			return cfg_fail(c, "control characters are not allowed");
		return true;
	case FMT_NAME:
		if (!valid_name(s))
			return cfg_fail(c, "\"%s\" is not a valid name (letters, digits and ._:/+- "
					"starting with a letter or digit)", s);
		return true;
	case FMT_FQDN:
		if (!valid_fqdn(s))
			return cfg_fail(c, "\"%s\" is not a valid DNS name", s);
		return true;
	case FMT_EMAIL:
		if (!valid_email(s))
			return cfg_fail(c, "\"%s\" is not a valid email address", s);
		return true;
	case FMT_HOST:
		if (!fgw_addr_parse(s, &a) && !valid_fqdn(s))
			return cfg_fail(c, "\"%s\" is neither an IP address nor a DNS name", s);
		return true;
	}
	return true;
}

/* ---- addresses ------------------------------------------------------------ */

static const char *family_word(uint16_t flags)
{
	return flags & F_V4 ? "an IPv4" : flags & F_V6 ? "an IPv6" : "an IP";
}

static bool family_ok(uint16_t flags, int family)
{
	return !((flags & F_V4) && family != AF_INET) && !((flags & F_V6) && family != AF_INET6);
}

static bool parse_addr(struct cfg_ctx *c, const struct cfg_field *f, const char *s,
		       struct fgw_addr *out)
{
	if (!fgw_addr_parse(s, out) || !family_ok(f->flags, out->family))
		return cfg_fail(c, "\"%s\" is not %s address", s, family_word(f->flags));
	return true;
}

static bool parse_network(struct cfg_ctx *c, const struct cfg_field *f, const char *s,
			  struct fgw_prefix *out)
{
	char buf[FGW_ADDR_STRLEN + 8];

	if (!fgw_prefix_parse(s, out, false) || !family_ok(f->flags, out->addr.family))
		return cfg_fail(c, "\"%s\" is not %s network (address/length)", s,
				family_word(f->flags));
	struct fgw_prefix masked = *out;

	fgw_prefix_mask(&masked);
	if (!fgw_addr_eq(&masked.addr, &out->addr))
		return cfg_fail(c, "\"%s\" has host bits set (the network is %s)", s,
				fgw_prefix_str(&masked, buf, sizeof(buf)));
	return true;
}

static bool parse_ifaddr(struct cfg_ctx *c, const struct cfg_field *f, const char *s,
			 struct fgw_prefix *out)
{
	if (!fgw_prefix_parse(s, out, false) || !family_ok(f->flags, out->addr.family))
		return cfg_fail(c, "\"%s\" is not %s interface address (address/length, "
				"e.g. %s)", s, family_word(f->flags),
				f->flags & F_V6 ? "2001:db8::1/64" : "192.0.2.1/24");
	if (out->addr.family == AF_INET && out->len <= 30) {
		uint32_t host = ntohl(out->addr.v4) & (0xffffffffu >> out->len);

		if (host == 0)
			return cfg_fail(c, "\"%s\" is a network address, not an interface address",
					s);
		if (host == 0xffffffffu >> out->len)
			return cfg_fail(c, "\"%s\" is a broadcast address, not an interface "
					"address", s);
	}
	return true;
}

static bool parse_netmask(struct cfg_ctx *c, const char *s, uint8_t *len)
{
	struct fgw_addr a;

	if (!fgw_addr_parse(s, &a) || a.family != AF_INET)
		return cfg_fail(c, "\"%s\" is not a netmask (e.g. 255.255.255.0)", s);
	uint32_t inverted = ~ntohl(a.v4);

	if (inverted & (inverted + 1))
		return cfg_fail(c, "netmask \"%s\" is not contiguous", s);
	*len = (uint8_t)(32 - __builtin_popcount(inverted));
	return true;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)(ch | 0x20);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static bool parse_hex(struct cfg_ctx *c, const struct cfg_field *f, const char *s, size_t n,
		      uint8_t *out, unsigned *outlen)
{
	/* Said in this order: an empty key, and one written with colons or
	 * blanks of an odd length, read "expected an even number of hex
	 * digits" (check19). */
	if (n == 0)
		return cfg_fail(c, "an empty key");
	for (size_t i = 0; i < n; i++)
		if (hexval(s[i]) < 0)
			return cfg_fail(c, "expected hex digits only (no 0x, no separators)");
	if (n % 2)
		return cfg_fail(c, "%zu hex digits, an odd number: two a byte", n);
	if (n / 2 > f->size)
		return cfg_fail(c, "key too long (at most %zu bytes)", f->size);
	for (size_t i = 0; i < n; i += 2)
		out[i / 2] = (uint8_t)(hexval(s[i]) << 4 | hexval(s[i + 1]));
	*outlen = (unsigned)(n / 2);
	return true;
}

/* ---- values ----------------------------------------------------------------- */

static bool parse_value(struct cfg_ctx *c, const struct cfg_field *f, json_t *v, void *base);

static bool parse_string(struct cfg_ctx *c, const struct cfg_field *f, json_t *v, char *out)
{
	size_t n = json_string_length(v);
	size_t min = f->min ? (size_t)f->min : 1;
	size_t max = f->max ? (size_t)f->max : f->size - 1;
	const char *s = json_string_value(v);

	if (n < min)
		return n ? cfg_fail(c, "too short (at least %zu characters)", min)
			 : cfg_fail(c, "must not be empty");
	if (n > max)
		return cfg_fail(c, "too long (at most %zu characters)", max);
	if (!check_format(c, (enum cfg_format)f->fmt, s))
		return false;
	if (f->enums && !enum_by_name(f->enums, s)) {
		char names[256];

		enum_list(f->enums, names, sizeof(names));
		return cfg_fail(c, "\"%s\" is not one of: %s", s, names);
	}
	memcpy(out, s, n + 1);
	return f->ref ? cfg_add_ref(c, f->ref, s) : true;
}

static bool weak(struct cfg_ctx *c, const struct cfg_enum *e)
{
	return cfg_fail(c, "%s is a weak algorithm and not supported (see config/SCHEMA.md)",
			e->name);
}

static bool parse_uint(struct cfg_ctx *c, const struct cfg_field *f, json_t *v, void *p)
{
	json_int_t n = json_integer_value(v);

	if (f->enums) {
		const struct cfg_enum *e = f->enums;

		while (e->name && e->value != n)
			e++;
		if (e->name && e->weak)
			return weak(c, e);
		if (e->name == NULL) {
			char names[256];

			enum_list(f->enums, names, sizeof(names));
			return cfg_fail(c, "%lld is not one of: %s", (long long)n, names);
		}
	}
	if (n < f->min || n > f->max)
		return cfg_fail(c, "%lld is out of range %lld..%lld", (long long)n,
				(long long)f->min, (long long)f->max);
	store_uint(p, f->size, (uint64_t)n);
	return true;
}

/* Objects without a namespace of their own (keyring peers) still want names
 * distinct from their siblings'. */
static bool unique_among_siblings(struct cfg_ctx *c, const struct cfg_schema *s,
				  const char *arr, size_t i)
{
	if (s->defines != NS_NONE)
		return true;
	for (unsigned k = 0; k < s->n_fields; k++) {
		const struct cfg_field *f = &s->fields[k];

		if (!(f->flags & F_NAME))
			continue;
		const char *name = arr + i * s->size + f->offset;

		for (size_t j = 0; j < i; j++)
			if (strcmp(arr + j * s->size + f->offset, name) == 0)
				return cfg_fail_key(c, f->key, "duplicate %s name \"%s\" (also at "
						    "[%zu])", s->noun, name, j);
	}
	return true;
}

static bool parse_list(struct cfg_ctx *c, const struct cfg_field *f, json_t *v, void *base)
{
	const struct cfg_field *e = f->elem;
	size_t n = json_array_size(v);
	size_t cap = f->flags & F_HEAP ? (size_t)f->max : f->size / e->size;
	size_t max = f->max && (size_t)f->max < cap ? (size_t)f->max : cap;
	char *arr = (char *)base + f->offset;

	if (n < (size_t)f->min)
		return n ? cfg_fail(c, "needs at least %lld entries", (long long)f->min)
			 : cfg_fail(c, "must not be empty");
	if (n > max)
		return cfg_fail(c, "too many entries (at most %zu)", max);
	if (f->flags & F_HEAP) {
		void *heap = calloc(n ? n : 1, e->size);

		if (heap == NULL)
			return cfg_fail(c, "out of memory");
		*(void **)arr = heap;
		arr = heap;
	}
	/* Counted before filling, so that freeing after a failure sees them all. */
	*(unsigned *)((char *)base + f->aux) = (unsigned)n;

	for (size_t i = 0; i < n; i++) {
		char *elem = arr + i * e->size;

		if (!cfg_path_push(c, NULL, (unsigned)i))
			return false;
		if (e->type == T_OBJECT)
			cfg_init_object(e->schema, elem);
		if (!parse_value(c, e, json_array_get(v, i), elem))
			return false;
		for (size_t j = 0; (f->flags & F_UNIQUE) && j < i; j++)
			if (memcmp(elem, arr + j * e->size, e->size) == 0)
				return cfg_fail(c, "listed twice (also at [%zu])", j);
		if (e->type == T_OBJECT && !unique_among_siblings(c, e->schema, arr, i))
			return false;
		cfg_path_pop(c);
	}
	return true;
}

static bool parse_value(struct cfg_ctx *c, const struct cfg_field *f, json_t *v, void *base)
{
	void *p = (char *)base + f->offset;
	const char *s = json_string_value(v);	/* NULL unless a string */

	switch (f->type) {
	case T_STRING:
		if (s == NULL)
			return type_error(c, v, "a string");
		return parse_string(c, f, v, p);
	case T_STRDUP:
		if (s == NULL)
			return type_error(c, v, "a string");
		if (s[0] == '\0')
			return cfg_fail(c, "must not be empty");
		if (!check_format(c, (enum cfg_format)f->fmt, s))
			return false;
		if ((*(char **)p = strdup(s)) == NULL)
			return cfg_fail(c, "out of memory");
		return true;
	case T_UINT:
		if (!json_is_integer(v))
			return type_error(c, v, "an integer");
		return parse_uint(c, f, v, p);
	case T_BOOL:
		if (!json_is_boolean(v))
			return type_error(c, v, "true or false");
		*(bool *)p = json_is_true(v);
		return true;
	case T_TRUE:
		if (!json_is_true(v))
			return cfg_fail(c, "can only be true (leave it out otherwise)");
		return true;
	case T_ENUM: {
		if (s == NULL)
			return type_error(c, v, "a string");
		const struct cfg_enum *e = enum_by_name(f->enums, s);
		char names[256];

		if (e && e->weak)
			return weak(c, e);
		if (e == NULL) {
			enum_list(f->enums, names, sizeof(names));
			return cfg_fail(c, "\"%s\" is not one of: %s", s, names);
		}
		store_uint(p, f->size, (uint64_t)e->value);
		return true;
	}
	case T_ADDR:
		if (s == NULL)
			return type_error(c, v, "an address string");
		return parse_addr(c, f, s, p);
	case T_IFADDR:
		if (s == NULL)
			return type_error(c, v, "an address/length string");
		return parse_ifaddr(c, f, s, p);
	case T_NETWORK:
		if (s == NULL)
			return type_error(c, v, "a network string");
		return parse_network(c, f, s, p);
	case T_HOST_OR_NET: {
		struct fgw_prefix *pfx = p;

		if (s == NULL)
			return type_error(c, v, "an address or network string");
		if (strchr(s, '/'))
			return parse_network(c, f, s, pfx);
		if (!parse_addr(c, f, s, &pfx->addr))
			return false;
		pfx->len = pfx->addr.family == AF_INET ? 32 : 128;
		return true;
	}
	case T_NETMASK:
		if (s == NULL)
			return type_error(c, v, "a netmask string");
		return parse_netmask(c, s, p);
	case T_HEX:
		if (s == NULL)
			return type_error(c, v, "a hex string");
		return parse_hex(c, f, s, json_string_length(v), p,
				 (unsigned *)((char *)base + f->aux));
	case T_DEST: {
		struct fgw_tunnel_dest_cfg *d = p;

		if (s == NULL)
			return type_error(c, v, "an address, a DNS name or \"dynamic\"");
		if (strcmp(s, "dynamic") == 0)
			d->dynamic = true;
		else if (!fgw_addr_parse(s, &d->address)) {
			if (!valid_fqdn(s) || strlen(s) >= sizeof(d->fqdn))
				return cfg_fail(c, "\"%s\" is not an address, a DNS name or "
						"\"dynamic\"", s);
			memcpy(d->fqdn, s, strlen(s) + 1);
		}
		return true;
	}
	case T_SOURCE: {
		struct fgw_tunnel_source_cfg *src = p;

		if (s == NULL)
			return type_error(c, v, "an address or an interface name");
		if (fgw_addr_parse(s, &src->address))
			return true;
		if (!valid_name(s) || strlen(s) >= sizeof(src->interface))
			return cfg_fail(c, "\"%s\" is neither an address nor an interface name", s);
		memcpy(src->interface, s, strlen(s) + 1);
		return cfg_add_ref(c, f->ref, s);
	}
	case T_OBJECT:
		return cfg_walk_object(c, f->schema, v, p);
	case T_LIST:
		if (!json_is_array(v))
			return type_error(c, v, "an array");
		return parse_list(c, f, v, base);
	}
	return cfg_fail(c, "internal: field type %d", f->type);
}

/* ---- objects ------------------------------------------------------------ */

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (la >= 64 || lb >= 64)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static bool unknown_key(struct cfg_ctx *c, const struct cfg_schema *s, const char *key)
{
	const struct cfg_field *near = NULL;
	unsigned best = 3;
	char keys[512];
	size_t used = 0;

	for (unsigned i = 0; i < s->n_fields; i++) {
		unsigned d = edit_distance(key, s->fields[i].key);

		if (d < best) {
			best = d;
			near = &s->fields[i];
		}
	}
	if (!cfg_path_push(c, key, 0))
		return false;
	if (near)
		return cfg_fail_at(c, &c->path, CFG_AT_KEY, "unknown key in %s (did you mean "
				   "\"%s\"?)", s->noun, near->key);
	keys[0] = '\0';
	for (unsigned i = 0; i < s->n_fields && used < sizeof(keys); i++) {
		int n = snprintf(keys + used, sizeof(keys) - used, "%s%s", i ? ", " : "",
				 s->fields[i].key);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return cfg_fail_at(c, &c->path, CFG_AT_KEY, "unknown key in %s (known: %s)", s->noun,
			   keys);
}

static const struct cfg_field *field_by_key(const struct cfg_schema *s, const char *key)
{
	for (unsigned i = 0; i < s->n_fields; i++)
		if (strcmp(s->fields[i].key, key) == 0)
			return &s->fields[i];
	return NULL;
}

static const struct cfg_field *field_by_tag(const struct cfg_schema *s, uint8_t tag)
{
	for (unsigned i = 0; i < s->n_fields; i++)
		if (s->fields[i].tag == tag)
			return &s->fields[i];
	return NULL;
}

static bool tag_missing(struct cfg_ctx *c, const struct cfg_schema *s)
{
	char keys[256];
	size_t used = 0;

	keys[0] = '\0';
	for (unsigned i = 0; i < s->n_fields && used < sizeof(keys); i++) {
		if (!s->fields[i].tag)
			continue;
		int n = snprintf(keys + used, sizeof(keys) - used, "%s\"%s\"", used ? ", " : "",
				 s->fields[i].key);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return cfg_fail(c, "%s needs one of %s", s->noun, keys);
}

static bool parse_member(struct cfg_ctx *c, const struct cfg_schema *s,
			 const struct cfg_field *f, json_t *v, void *obj)
{
	if (f->tag) {
		uint8_t *tag = (uint8_t *)obj + s->tag_offset;

		if (*tag)
			return cfg_fail_at(c, &c->path, CFG_AT_KEY, "\"%s\" and \"%s\" are "
					   "mutually exclusive", field_by_tag(s, *tag)->key, f->key);
		*tag = f->tag;
	}
	if (!parse_value(c, f, v, obj))
		return false;
	if (f->flags & F_PRESENT)
		*(bool *)((char *)obj + f->aux) = true;
	return true;
}

/* Objects that define a name register it in their namespace. */
static bool define_name(struct cfg_ctx *c, const struct cfg_schema *s, void *obj)
{
	if (s->defines == NS_NONE)
		return true;
	for (unsigned i = 0; i < s->n_fields; i++) {
		const struct cfg_field *f = &s->fields[i];

		if (!(f->flags & F_NAME))
			continue;
		if (!cfg_path_push(c, f->key, 0))
			return false;
		bool ok = cfg_define(c, (enum cfg_ns)s->defines, (const char *)obj + f->offset);

		cfg_path_pop(c);
		return ok;
	}
	return true;
}

bool cfg_walk_object(struct cfg_ctx *c, const struct cfg_schema *s, json_t *v, void *obj)
{
	uint64_t seen = 0;
	const char *key;
	json_t *m;

	if (!json_is_object(v))
		return type_error(c, v, "an object");
	if (s->n_fields > 64)
		return cfg_fail(c, "internal: %s has more fields than the walker tracks", s->noun);
	json_object_foreach(v, key, m) {
		const struct cfg_field *f = field_by_key(s, key);

		if (f == NULL)
			return unknown_key(c, s, key);
		if (!cfg_path_push(c, f->key, 0))
			return false;
		if (!parse_member(c, s, f, m, obj))
			return false;
		cfg_path_pop(c);
		seen |= 1ull << (f - s->fields);
	}
	for (unsigned i = 0; i < s->n_fields; i++)
		if ((s->fields[i].flags & F_REQUIRED) && !(seen & (1ull << i)))
			return cfg_fail(c, "missing required key \"%s\"", s->fields[i].key);
	if (s->tag_required && *((uint8_t *)obj + s->tag_offset) == 0)
		return tag_missing(c, s);
	if (!define_name(c, s, obj))
		return false;
	return s->check ? s->check(c, obj) : true;
}

void cfg_init_object(const struct cfg_schema *s, void *obj)
{
	for (unsigned i = 0; i < s->n_fields; i++) {
		const struct cfg_field *f = &s->fields[i];
		void *p = (char *)obj + f->offset;

		switch (f->type) {
		case T_UINT:
		case T_ENUM:
			if (f->def)
				store_uint(p, f->size, (uint64_t)f->def);
			break;
		case T_BOOL:
			*(bool *)p = f->def != 0;
			break;
		case T_STRING:
			if (f->defstr)
				snprintf(p, f->size, "%s", f->defstr);
			break;
		case T_OBJECT:
			cfg_init_object(f->schema, p);
			break;
		default:
			break;
		}
	}
}

static void free_value(const struct cfg_field *f, void *base);

static void free_list(const struct cfg_field *f, void *base)
{
	const struct cfg_field *e = f->elem;
	unsigned n = *(unsigned *)((char *)base + f->aux);
	char *arr = (char *)base + f->offset;

	if (f->flags & F_HEAP)
		arr = *(char **)arr;
	if (arr == NULL)
		return;
	for (unsigned i = 0; i < n; i++)
		free_value(e, arr + (size_t)i * e->size);
	if (f->flags & F_HEAP) {
		/* Keyrings and manual keys live in these arrays. */
		explicit_bzero(arr, (size_t)n * e->size);
		free(arr);
	}
}

static void free_value(const struct cfg_field *f, void *base)
{
	void *p = (char *)base + f->offset;

	switch (f->type) {
	case T_STRDUP:
		free(*(char **)p);
		break;
	case T_OBJECT:
		cfg_free_object(f->schema, p);
		break;
	case T_LIST:
		free_list(f, base);
		break;
	default:
		break;
	}
}

void cfg_free_object(const struct cfg_schema *s, void *obj)
{
	for (unsigned i = 0; i < s->n_fields; i++)
		free_value(&s->fields[i], obj);
}

void *cfg_list_append(void **array, unsigned *n, size_t size)
{
	char *v = realloc(*array, (*n + 1) * size);

	if (v == NULL)
		return NULL;
	memset(v + *n * size, 0, size);
	*array = v;
	return v + (*n)++ * size;
}
