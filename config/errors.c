/* One-line errors: "FILE:LINE:COL: JSON.PATH: what is wrong".
 *
 * Only the first error of a load is kept: later ones are usually its echoes. */
#include "config/loader.h"

#include <stdio.h>
#include <string.h>

void cfg_path_str(const struct cfg_path *p, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < p->depth && used < len; i++) {
		int n = p->e[i].key ? snprintf(buf + used, len - used, "%s%s", i ? "." : "",
					       p->e[i].key)
				    : snprintf(buf + used, len - used, "[%u]", p->e[i].index);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

bool cfg_path_push(struct cfg_ctx *c, const char *key, unsigned index)
{
	if (c->path.depth == CFG_PATH_MAX)
		return cfg_fail(c, "nested too deeply");
	c->path.e[c->path.depth++] = (struct cfg_path_elem){ .key = key, .index = index };
	return true;
}

void cfg_path_pop(struct cfg_ctx *c)
{
	c->path.depth--;
}

/* The path itself may be missing from the text (a required key that is
 * absent): then the nearest enclosing value that is there. */
static void position(const struct cfg_ctx *c, const struct cfg_path *path, enum cfg_at at,
		     unsigned *line, unsigned *col)
{
	struct cfg_path p = *path;

	while (!cfg_locate(c->text, c->len, &p, at, line, col)) {
		if (p.depth == 0) {
			*line = 1;
			*col = 1;
			return;
		}
		p.depth--;
		at = CFG_AT_VALUE;
	}
}

void cfg_where(const struct cfg_ctx *c, const struct cfg_path *path, char *buf, size_t len)
{
	unsigned line, col;

	position(c, path, CFG_AT_VALUE, &line, &col);
	snprintf(buf, len, "%u:%u", line, col);
}

static bool vfail(struct cfg_ctx *c, const struct cfg_path *path, enum cfg_at at,
		  const char *fmt, va_list ap)
{
	char msg[512], where[256];
	unsigned line, col;

	if (c->failed)
		return false;
	c->failed = true;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	cfg_path_str(path, where, sizeof(where));
	position(c, path, at, &line, &col);
	snprintf(c->err, c->errlen, "%s:%u:%u: %s%s%s", c->origin, line, col, where,
		 where[0] ? ": " : "", msg);
	/* One line, whatever the text quoted: keys and values may hold anything. */
	for (char *s = c->err; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	return false;
}

bool cfg_fail_at(struct cfg_ctx *c, const struct cfg_path *path, enum cfg_at at,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, path, at, fmt, ap);
	va_end(ap);
	return false;
}

bool cfg_fail(struct cfg_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, &c->path, CFG_AT_VALUE, fmt, ap);
	va_end(ap);
	return false;
}

bool cfg_fail_key(struct cfg_ctx *c, const char *key, const char *fmt, ...)
{
	struct cfg_path p = c->path;
	va_list ap;

	if (p.depth < CFG_PATH_MAX)
		p.e[p.depth++] = (struct cfg_path_elem){ .key = key };
	va_start(ap, fmt);
	vfail(c, &p, CFG_AT_VALUE, fmt, ap);
	va_end(ap);
	return false;
}
