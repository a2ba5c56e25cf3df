/* The effective configuration back to JSON, from the same tables that
 * loaded it: what `show running-config` would print, smart defaults and
 * inherited values included. Loading the output again gives the same
 * configuration (the fuzz target checks this). */
#include "config/loader.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char redacted[] = "<redacted>";

static json_t *address(const struct fgw_addr *a)
{
	char buf[FGW_ADDR_STRLEN];

	return fgw_addr_is_set(a) ? json_string(fgw_addr_str(a, buf, sizeof(buf))) : NULL;
}

static json_t *prefix(const struct fgw_prefix *p)
{
	char buf[FGW_ADDR_STRLEN + 8];

	return fgw_addr_is_set(&p->addr) ? json_string(fgw_prefix_str(p, buf, sizeof(buf))) : NULL;
}

static json_t *hex(const uint8_t *b, unsigned n)
{
	char buf[2 * FGW_KEY_MAX + 1];

	for (unsigned i = 0; i < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", b[i]);
	buf[2 * n] = '\0';
	json_t *j = json_string(buf);

	explicit_bzero(buf, sizeof(buf));
	return j;
}

/* An embedded object that cannot be written empty (it has required keys)
 * and was never given is left out. */
static bool untouched(const struct cfg_schema *s, const void *obj)
{
	bool needs_keys = s->tag_required;

	for (unsigned i = 0; i < s->n_fields; i++)
		needs_keys |= (s->fields[i].flags & F_REQUIRED) != 0;
	if (!needs_keys)
		return false;
	void *fresh = calloc(1, s->size);

	if (fresh == NULL)
		return false;
	cfg_init_object(s, fresh);
	bool same = memcmp(fresh, obj, s->size) == 0;

	free(fresh);
	return same;
}

static json_t *dump_value(const struct cfg_field *f, const void *base, bool secrets);
static json_t *dump_object(const struct cfg_schema *s, const void *obj, bool secrets);

static json_t *dump_list(const struct cfg_field *f, const void *base, bool secrets)
{
	unsigned n = *(const unsigned *)((const char *)base + f->aux);
	const char *arr = (const char *)base + f->offset;
	json_t *a;

	if (n == 0)
		return NULL;
	if (f->flags & F_HEAP)
		arr = *(const char *const *)arr;
	if ((a = json_array()) == NULL)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		const char *elem = arr + (size_t)i * f->elem->size;
		/* An element was given, even when it equals the defaults. */
		json_t *e = f->elem->type == T_OBJECT ? dump_object(f->elem->schema, elem, secrets)
						      : dump_value(f->elem, elem, secrets);

		json_array_append_new(a, e ? e : json_null());
	}
	return a;
}

static json_t *dump_value(const struct cfg_field *f, const void *base, bool secrets)
{
	const void *p = (const char *)base + f->offset;

	switch (f->type) {
	case T_STRING:
		if (*(const char *)p == '\0')
			return NULL;
		return json_string(f->flags & F_SECRET && !secrets ? redacted : p);
	case T_STRDUP:
		return *(char *const *)p ? json_string(*(char *const *)p) : NULL;
	case T_UINT: {
		uint64_t v = cfg_load_uint(p, f->size);

		return v || f->def || (f->flags & F_PRESENT) ? json_integer((json_int_t)v) : NULL;
	}
	case T_BOOL:
		return *(const bool *)p || f->def ? json_boolean(*(const bool *)p) : NULL;
	case T_TRUE:
		return json_true();
	case T_ENUM: {
		int64_t v = (int64_t)cfg_load_uint(p, f->size);
		const struct cfg_enum *e = cfg_enum_by_value(f->enums, v);

		return e ? json_string(e->name) : NULL;
	}
	case T_ADDR:
		return address(p);
	case T_IFADDR:
	case T_NETWORK:
		return prefix(p);
	case T_HOST_OR_NET: {
		const struct fgw_prefix *pfx = p;

		if (pfx->len == (pfx->addr.family == AF_INET ? 32 : 128))
			return address(&pfx->addr);
		return prefix(pfx);
	}
	case T_NETMASK: {
		uint8_t len = *(const uint8_t *)p;
		struct fgw_addr mask = { .family = AF_INET };

		if (len == 0)
			return NULL;
		mask.v4 = htonl(0xffffffffu << (32 - len));
		return address(&mask);
	}
	case T_HEX: {
		unsigned n = *(const unsigned *)((const char *)base + f->aux);

		if (n == 0)
			return NULL;
		return f->flags & F_SECRET && !secrets ? json_string(redacted) : hex(p, n);
	}
	case T_DEST: {
		const struct fgw_tunnel_dest_cfg *d = p;

		if (d->dynamic)
			return json_string("dynamic");
		return fgw_addr_is_set(&d->address) ? address(&d->address)
			: d->fqdn[0] ? json_string(d->fqdn) : NULL;
	}
	case T_SOURCE: {
		const struct fgw_tunnel_source_cfg *s = p;

		return fgw_addr_is_set(&s->address) ? address(&s->address)
			: s->interface[0] ? json_string(s->interface) : NULL;
	}
	case T_OBJECT:
		if (untouched(f->schema, p))
			return NULL;
		return dump_object(f->schema, p, secrets);
	case T_LIST:
		return dump_list(f, base, secrets);
	}
	return NULL;
}

static json_t *dump_object(const struct cfg_schema *s, const void *obj, bool secrets)
{
	uint8_t tag = s->has_tag ? *((const uint8_t *)obj + s->tag_offset) : 0;
	json_t *o = json_object();

	for (unsigned i = 0; o && i < s->n_fields; i++) {
		const struct cfg_field *f = &s->fields[i];

		if (f->tag && f->tag != tag)
			continue;
		if ((f->flags & F_PRESENT) && !*(const bool *)((const char *)obj + f->aux))
			continue;
		json_t *v = dump_value(f, obj, secrets);

		if (v)
			json_object_set_new(o, f->key, v);
	}
	return o;
}

char *fgw_config_dump(const struct fgw_config *cfg, bool with_secrets)
{
	json_t *j = dump_object(&cfg_root_schema, cfg, with_secrets);
	char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;

	json_decref(j);
	return text;
}
