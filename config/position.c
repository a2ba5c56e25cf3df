/* Where a JSON value sits in the text.
 *
 * jansson reports positions only for syntax errors, and a message without a
 * line is no help in a 300-line hub configuration. Errors are rare and happen
 * once per load, so instead of indexing every value up front we scan the raw
 * text again when an error needs its position: a small scanner that tracks
 * the path of every value it passes and stops at the one wanted.
 *
 * The scanner trusts nothing: it also runs over text jansson rejected, to
 * name the object a syntax error is in, and stops at the first surprise. */
#include "config/loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frame {
	bool object;
	unsigned index;			/* arrays: the element being scanned */
	const char *key;		/* objects: the raw key of the member, or NULL */
	size_t key_len;			/* between members */
};

struct scanner {
	const char *start, *p, *end;
	unsigned line, col;		/* of *p */
	struct frame *stack;
	unsigned depth, cap;
};

enum state { S_VALUE, S_FIRST_VALUE, S_FIRST_KEY, S_KEY, S_AFTER };

/* Returns true to stop the scan. */
typedef bool (*visit_fn)(void *arg, const struct scanner *s, enum cfg_at at,
			 unsigned line, unsigned col);

/* Columns count characters like jansson does: UTF-8 continuation bytes do
 * not start a new column. */
static void advance(struct scanner *s)
{
	if (*s->p == '\n') {
		s->line++;
		s->col = 1;
		s->p++;
		return;
	}
	s->p++;
	if (s->p < s->end && ((unsigned char)*s->p & 0xc0) == 0x80)
		return;
	s->col++;
}

static void skip_space(struct scanner *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		advance(s);
}

static bool skip_string(struct scanner *s)
{
	advance(s);			/* the opening quote */
	while (s->p < s->end) {
		if (*s->p == '"') {
			advance(s);
			return true;
		}
		if (*s->p == '\\') {
			advance(s);
			if (s->p >= s->end)
				return false;
		}
		advance(s);
	}
	return false;
}

/* Numbers, true, false, null: the scanner need not tell them apart. */
static bool skip_literal(struct scanner *s)
{
	const char *from = s->p;

	while (s->p < s->end && (((*s->p | 0x20) >= 'a' && (*s->p | 0x20) <= 'z') ||
				 (*s->p >= '0' && *s->p <= '9') ||
				 *s->p == '+' || *s->p == '-' || *s->p == '.'))
		advance(s);
	return s->p != from;
}

static bool push(struct scanner *s, bool object)
{
	if (s->depth == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 16;
		struct frame *v = realloc(s->stack, cap * sizeof(*v));

		if (v == NULL)
			return false;
		s->stack = v;
		s->cap = cap;
	}
	s->stack[s->depth++] = (struct frame){ .object = object };
	return true;
}

/* Scans until visit says stop, the text ends or turns out malformed, or
 * `stop` bytes are behind. Returns the state it stopped in. */
static enum state scan(struct scanner *s, size_t stop, visit_fn visit, void *arg)
{
	enum state st = S_VALUE;

	for (;;) {
		skip_space(s);
		if (s->p >= s->end || (size_t)(s->p - s->start) >= stop)
			return st;
		struct frame *top = s->depth ? &s->stack[s->depth - 1] : NULL;
		char ch = *s->p;

		switch (st) {
		case S_FIRST_VALUE:
			if (ch == ']') {
				s->depth--;
				advance(s);
				st = S_AFTER;
				break;
			}
			st = S_VALUE;
			/* fall through */
		case S_VALUE:
			if (visit && visit(arg, s, CFG_AT_VALUE, s->line, s->col))
				return st;
			if (ch == '{' || ch == '[') {
				if (!push(s, ch == '{'))
					return st;
				advance(s);
				st = ch == '{' ? S_FIRST_KEY : S_FIRST_VALUE;
			} else if (ch == '"') {
				if (!skip_string(s))
					return st;
				st = S_AFTER;
			} else {
				if (!skip_literal(s))
					return st;
				st = S_AFTER;
			}
			break;
		case S_FIRST_KEY:
			if (ch == '}') {
				s->depth--;
				advance(s);
				st = S_AFTER;
				break;
			}
			/* fall through */
		case S_KEY: {
			if (ch != '"')
				return st;
			unsigned line = s->line, col = s->col;
			const char *from = s->p;

			if (!skip_string(s))
				return st;
			top->key = from + 1;
			top->key_len = (size_t)(s->p - from) - 2;
			if (visit && visit(arg, s, CFG_AT_KEY, line, col))
				return S_VALUE;
			skip_space(s);
			if (s->p >= s->end || *s->p != ':')
				return S_VALUE;
			advance(s);
			st = S_VALUE;
			break;
		}
		case S_AFTER:
			if (top == NULL)
				return st;
			if (ch == ',') {
				advance(s);
				if (top->object) {
					top->key = NULL;
					st = S_KEY;
				} else {
					top->index++;
					st = S_VALUE;
				}
			} else if (ch == (top->object ? '}' : ']')) {
				s->depth--;
				advance(s);
			} else {
				return st;
			}
			break;
		}
	}
}

static void scanner_init(struct scanner *s, const char *text, size_t len)
{
	*s = (struct scanner){ .start = text, .p = text, .end = text + len, .line = 1, .col = 1 };
}

/* Compares a raw key from the text with a decoded one; keys with escapes
 * are decoded by jansson so both sides agree on what a key is. */
static bool key_equal(const char *raw, size_t len, const char *key)
{
	if (memchr(raw, '\\', len) == NULL)
		return strlen(key) == len && memcmp(raw, key, len) == 0;
	json_t *j = json_loadb(raw - 1, len + 2, JSON_DECODE_ANY, NULL);
	bool eq = json_is_string(j) && strcmp(json_string_value(j), key) == 0;

	json_decref(j);
	return eq;
}

struct locate {
	const struct cfg_path *path;
	enum cfg_at at;
	unsigned line, col;
	bool found;
};

static bool locate_visit(void *arg, const struct scanner *s, enum cfg_at at,
			 unsigned line, unsigned col)
{
	struct locate *l = arg;

	if (at != l->at || s->depth != l->path->depth)
		return false;
	for (unsigned i = 0; i < s->depth; i++) {
		const struct frame *f = &s->stack[i];
		const struct cfg_path_elem *e = &l->path->e[i];

		if (f->object != (e->key != NULL))
			return false;
		if (f->object ? f->key == NULL || !key_equal(f->key, f->key_len, e->key)
			      : f->index != e->index)
			return false;
	}
	l->line = line;
	l->col = col;
	l->found = true;
	return true;
}

bool cfg_locate(const char *text, size_t len, const struct cfg_path *path, enum cfg_at at,
		unsigned *line, unsigned *col)
{
	struct scanner s;
	struct locate l = { .path = path, .at = path->depth ? at : CFG_AT_VALUE };

	scanner_init(&s, text, len);
	scan(&s, len, locate_visit, &l);
	free(s.stack);
	*line = l.line;
	*col = l.col;
	return l.found;
}

void cfg_path_at(const char *text, size_t len, size_t offset, char *buf, size_t buflen)
{
	struct scanner s;
	size_t used = 0;

	scanner_init(&s, text, len);
	enum state st = scan(&s, offset, NULL, NULL);
	/* A member that was complete is not where the error is: name its container. */
	unsigned depth = s.depth;
	bool drop_last = st == S_AFTER;

	buf[0] = '\0';
	for (unsigned i = 0; i < depth && used < buflen; i++) {
		const struct frame *f = &s.stack[i];
		int n;

		if (drop_last && i == depth - 1)
			break;
		if (f->object && f->key == NULL)
			break;
		if (f->object)
			n = snprintf(buf + used, buflen - used, "%s%.*s", used ? "." : "",
				     (int)(f->key_len > 64 ? 64 : f->key_len), f->key);
		else
			n = snprintf(buf + used, buflen - used, "[%u]", f->index);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	free(s.stack);
}
