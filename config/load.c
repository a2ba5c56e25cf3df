/* Entry points: read, parse (jansson), walk the schema, add the smart
 * defaults, check cross references. The first error ends the load. */
#include "config/loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Far above any real configuration; keeps a wrong path (a disk image) from
 * being read into memory. */
#define CONFIG_MAX_BYTES (16u << 20)

static bool blank(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
			return false;
	return true;
}

static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void syntax_error(const char *buf, size_t len, const char *origin,
			 const json_error_t *je, char *err, size_t errlen)
{
	char where[256];
	char text[JSON_ERROR_TEXT_LENGTH];
	char *near;

	/* jansson quotes the token it stopped at ("... near '\"abc'"); inside a
	 * pre-shared key that token is part of the secret, and line:column
	 * already says where, so the quote is dropped. */
	snprintf(text, sizeof(text), "%s", je->text);
	near = strstr(text, " near '");
	if (near != NULL)
		*near = '\0';
	cfg_path_at(buf, len, (size_t)(je->position > 0 ? je->position : 0), where,
		    sizeof(where));
	snprintf(err, errlen, "%s:%d:%d: %s%sinvalid JSON: %s", origin, je->line > 0 ? je->line : 1,
		 je->column > 0 ? je->column : 1, where, where[0] ? ": " : "", text);
	one_line(err);
}

static void ctx_free(struct cfg_ctx *c)
{
	for (int i = 0; i < NS_COUNT; i++)
		free(c->ns[i].v);
	free(c->refs);
}

struct fgw_config *fgw_config_load_buffer(const char *buf, size_t len, const char *origin,
					  char *err, size_t errlen)
{
	struct cfg_ctx c = {
		.origin = origin ? origin : "<buffer>", .text = buf, .len = len,
		.err = err, .errlen = errlen,
	};
	json_error_t je;

	if (errlen)
		err[0] = '\0';
	if (blank(buf, len)) {
		snprintf(err, errlen, "%s:1:1: the configuration is empty", c.origin);
		return NULL;
	}
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);

	if (root == NULL) {
		syntax_error(buf, len, c.origin, &je, err, errlen);
		return NULL;
	}
	struct fgw_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL) {
		snprintf(err, errlen, "%s: out of memory", c.origin);
		json_decref(root);
		return NULL;
	}
	c.cfg = cfg;
	cfg_init_object(&cfg_root_schema, cfg);
	bool ok = cfg_walk_object(&c, &cfg_root_schema, root, cfg) && cfg_apply_defaults(&c) &&
		  cfg_check_references(&c);

	json_decref(root);
	ctx_free(&c);
	if (!ok) {
		fgw_config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct fgw_config *fgw_config_load_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a regular file of at most %u MiB", path,
			 CONFIG_MAX_BYTES >> 20);
		fclose(f);
		return NULL;
	}
	size_t size = (size_t)st.st_size;
	char *buf = malloc(size ? size : 1);
	size_t got = buf ? fread(buf, 1, size, f) : 0;
	bool read_error = ferror(f);

	fclose(f);
	if (buf == NULL || read_error || got != size) {
		snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
		free(buf);
		return NULL;
	}
	struct fgw_config *cfg = fgw_config_load_buffer(buf, size, path, err, errlen);

	/* Pre-shared keys were in there. */
	explicit_bzero(buf, size);
	free(buf);
	return cfg;
}

void fgw_config_free(struct fgw_config *cfg)
{
	if (cfg == NULL)
		return;
	cfg_free_object(&cfg_root_schema, cfg);
	explicit_bzero(cfg, sizeof(*cfg));
	free(cfg);
}
