/* Reader for the files in tests/vectors/: records of "name = value" lines separated
 * by blank lines, '#' comments. "source" and "alg" stay text; every other
 * value is hex, decoded. */
#ifndef FGW_TEST_VECTORS_H
#define FGW_TEST_VECTORS_H

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define VEC_FIELDS 12
#define VEC_MAX 1024

struct vec {
	char source[128];
	char alg[32];
	unsigned n;
	char name[VEC_FIELDS][16];
	uint8_t val[VEC_FIELDS][VEC_MAX];
	size_t len[VEC_FIELDS];
};

static inline FILE *vec_open(const char *file)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", FGW_VECTORS, file);
	f = fopen(path, "r");
	if (!f)
		fprintf(stderr, "cannot open %s\n", path);
	return f;
}

static inline int vec_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = 0;

	while (isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1])) {
		if (n == max)
			return -1;
		sscanf(s, "%2hhx", &out[n++]);
		s += 2;
	}
	*len = n;
	return *s == '\0' ? 0 : -1;
}

/* The field's value, or NULL (len 0) when the record lacks it. */
static inline const uint8_t *vec_get(const struct vec *v, const char *name, size_t *len)
{
	for (unsigned i = 0; i < v->n; i++)
		if (!strcmp(v->name[i], name)) {
			*len = v->len[i];
			return v->val[i];
		}
	*len = 0;
	return NULL;
}

/* Next record: 1, end of file: 0, malformed: -1. */
static inline int vec_next(FILE *f, struct vec *v)
{
	char line[4096];

	memset(v, 0, sizeof(*v));
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#'), *eq, *name, *value, *end;

		if (hash)
			*hash = '\0';
		for (end = line + strlen(line); end > line && isspace((unsigned char)end[-1]); end--)
			;
		*end = '\0';
		if (line[0] == '\0') {
			if (v->n || v->source[0])
				return 1;
			continue;
		}
		eq = strchr(line, '=');
		if (!eq)
			return -1;
		*eq = '\0';
		for (name = line; isspace((unsigned char)*name); name++)
			;
		for (end = eq; end > name && isspace((unsigned char)end[-1]); end--)
			;
		*end = '\0';
		for (value = eq + 1; isspace((unsigned char)*value); value++)
			;
		if (!strcmp(name, "source")) {
			snprintf(v->source, sizeof(v->source), "%s", value);
		} else if (!strcmp(name, "alg")) {
			snprintf(v->alg, sizeof(v->alg), "%s", value);
		} else {
			if (v->n == VEC_FIELDS || strlen(name) >= sizeof(v->name[0]))
				return -1;
			strcpy(v->name[v->n], name);
			if (vec_hex(value, v->val[v->n], VEC_MAX, &v->len[v->n]))
				return -1;
			v->n++;
		}
	}
	return v->n || v->source[0] ? 1 : 0;
}

#endif
