/* A growable text buffer: what a command prints, built before any of it is
 * sent, so a reply is complete or replaced by an error, never half-written. */
#ifndef FGW_API_TEXT_H
#define FGW_API_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct fgw_text {
	char *buf;
	size_t len, cap;
	bool failed;			/* an allocation failed: the text is incomplete */
};

void fgw_text_printf(struct fgw_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fgw_text_append(struct fgw_text *t, const char *s, size_t len);
void fgw_text_free(struct fgw_text *t);

#endif
