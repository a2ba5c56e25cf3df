#include "api/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Big enough for any single reply we can sensibly build; past this a reply
 * is refused instead of letting one request eat the control lcore's memory. */
#define TEXT_MAX (64u << 20)

static bool reserve(struct fgw_text *t, size_t extra)
{
	size_t cap = t->cap ? t->cap : 4096;
	char *buf;

	if (t->failed)
		return false;
	if (extra > TEXT_MAX || t->len + extra + 1 > TEXT_MAX) {
		t->failed = true;
		return false;
	}
	if (t->len + extra + 1 <= t->cap)
		return true;
	while (cap < t->len + extra + 1)
		cap *= 2;
	buf = realloc(t->buf, cap);
	if (buf == NULL) {
		t->failed = true;
		return false;
	}
	t->buf = buf;
	t->cap = cap;
	return true;
}

void fgw_text_append(struct fgw_text *t, const char *s, size_t len)
{
	if (!reserve(t, len))
		return;
	memcpy(t->buf + t->len, s, len);
	t->len += len;
	t->buf[t->len] = '\0';
}

void fgw_text_printf(struct fgw_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->failed = true;
		return;
	}
	if (!reserve(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void fgw_text_free(struct fgw_text *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}
