#include "api/commands.h"

#include <stdio.h>
#include <string.h>

void fgw_format_duration(uint64_t seconds, char *buf, size_t len)
{
	if (seconds < 86400)
		snprintf(buf, len, "%02u:%02u:%02u", (unsigned)(seconds / 3600),
			 (unsigned)(seconds / 60 % 60), (unsigned)(seconds % 60));
	else
		snprintf(buf, len, "%ud%02uh", (unsigned)(seconds / 86400),
			 (unsigned)(seconds / 3600 % 24));
}

const char *fgw_format_mac_ios(const char *mac, char *buf, size_t len)
{
	unsigned b[6];

	if (sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		snprintf(buf, len, "%s", mac);
	else
		snprintf(buf, len, "%02x%02x.%02x%02x.%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	return buf;
}

const char *fgw_cmd_if_name(const struct fgw_control *c, unsigned ifindex)
{
	return ifindex < c->dp->n_ifs ? c->dp->ifs[ifindex].name : "unknown";
}

json_t *fgw_cmd_config_list(struct fgw_cmd_ctx *x, const char *key, const char *kind,
			    const void *v, unsigned n, size_t size,
			    json_t *(*one)(const struct fgw_cmd_ctx *x, const void *obj))
{
	json_t *list = json_array();

	if (list == NULL)
		return fgw_cmd_nomem(x);
	for (unsigned i = 0; i < n; i++) {
		const void *obj = (const char *)v + i * size;

		if (x->arg != NULL && strcmp((const char *)obj, x->arg) != 0)
			continue;
		if (json_array_append_new(list, one(x, obj)) != 0) {
			json_decref(list);
			return fgw_cmd_nomem(x);
		}
	}
	if (x->arg != NULL && json_array_size(list) == 0) {
		json_decref(list);
		snprintf(x->err, sizeof(x->err), "%% No %s named %s", kind, x->arg);
		return NULL;
	}
	return json_pack("{s:o}", key, list);
}
