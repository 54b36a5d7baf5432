#include "jsonscan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/text.h"
#include "util/xmem.h"

#define JS_CHUNK	65536	/* bytes read at a time from a reader */

/* A line and column, for messages. */
struct js_pos {
	size_t	line, col;
};

/*
 * The document is seen through a window: bytes [base, base + wlen) are at
 * p. In memory the window is the whole document; from a reader it slides,
 * keeping the bytes from the start of the string or number being read
 * (mark) or from the current byte, whichever is first, so that its size is
 * a chunk plus the longest string (max_string).
 */
struct js {
	const char			*p;
	size_t				 base, wlen;
	int				 eof;	/* no more bytes after the window */
	jsonscan_read_fn		 rd;	/* NULL: all in memory */
	void				*ctx;
	char				*own;	/* the reader's window */
	size_t				 cap;
	int				 rd_errno;	/* the reader failed */
	size_t				 mark;	/* keep bytes from here; SIZE_MAX: none */
	size_t				 i;	/* the next byte */
	const struct jsonscan_limits	*lim;
	size_t				 values;	/* in the unit being read */
	size_t				 total;
	const char			*unit;	/* what the unit is, for messages */
	int				 nest;	/* in an element of lim->nest_member */
	char				*err;
	size_t				 lc_pos;	/* the line cursor: lines and */
	struct js_pos			 lc;	/* column at byte lc_pos */
};

/* Count lines and columns on to byte at (at most the end of the window). */
static void
js_cursor_to(struct js *s, size_t at)
{
	if (at < s->lc_pos && s->base == 0) {	/* in memory: start again */
		s->lc_pos = 0;
		s->lc.line = s->lc.col = 1;
	}
	for (; s->lc_pos < at && s->lc_pos < s->base + s->wlen; s->lc_pos++) {
		if (s->p[s->lc_pos - s->base] == '\n') {
			s->lc.line++;
			s->lc.col = 1;
		} else
			s->lc.col++;
	}
}

static struct js_pos
js_pos(struct js *s, size_t at)
{
	js_cursor_to(s, at);
	return s->lc;
}

/*
 * Is byte x there? From a reader, slide and fill the window until it is or
 * the document ends. x is at most a few bytes past s->i.
 */
static int
js_have(struct js *s, size_t x)
{
	while (x >= s->base + s->wlen) {
		size_t keep = s->mark < s->i ? s->mark : s->i, drop, room;
		ssize_t n;

		if (s->eof || s->rd == NULL)
			return 0;
		if (keep > s->base + s->wlen)
			keep = s->base + s->wlen;
		if (keep > s->base) {
			js_cursor_to(s, keep);
			drop = keep - s->base;
			memmove(s->own, s->own + drop, s->wlen - drop);
			s->base = keep;
			s->wlen -= drop;
		}
		if (s->cap - s->wlen < JS_CHUNK) {
			s->cap = s->wlen + 2 * JS_CHUNK;
			s->own = xrealloc(s->own, s->cap);
		}
		s->p = s->own;
		room = s->cap - s->wlen;
		n = s->rd(s->ctx, s->own + s->wlen, room > JS_CHUNK ? JS_CHUNK : room);
		if (n < 0) {
			s->rd_errno = errno ? errno : EIO;
			s->eof = 1;
			return 0;
		}
		if (n == 0)
			s->eof = 1;
		s->wlen += (size_t)n;
	}
	return 1;
}

static char
js_c(const struct js *s, size_t x)
{
	return s->p[x - s->base];
}

static int
js_vfail(struct js *s, struct js_pos at, const char *fmt, va_list ap)
{
	char msg[ERR_LEN];

	if (s->rd_errno) {	/* the bytes ended because reading failed */
		errno = s->rd_errno;
		return err_set(s->err, "%s", strerror(s->rd_errno));
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	err_set(s->err, "line %zu, column %zu: %s", at.line, at.col, msg);
	text_escape_err(s->err);
	return -1;
}

/* "line L, column C: " + the message, at byte offset at. */
static int
js_fail(struct js *s, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
js_fail(struct js *s, size_t at, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = js_vfail(s, js_pos(s, at), fmt, ap);
	va_end(ap);
	return rc;
}

/* The same, at a position taken before. */
static int
js_fail_at(struct js *s, struct js_pos at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
js_fail_at(struct js *s, struct js_pos at, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = js_vfail(s, at, fmt, ap);
	va_end(ap);
	return rc;
}

static void
js_ws(struct js *s)
{
	while (js_have(s, s->i) && (js_c(s, s->i) == ' ' || js_c(s, s->i) == '\t' ||
	    js_c(s, s->i) == '\n' || js_c(s, s->i) == '\r'))
		s->i++;
}

/* Is the byte at s->i c? */
static int
js_is(struct js *s, char c)
{
	return js_have(s, s->i) && js_c(s, s->i) == c;
}

/* What is at the offset, for "unexpected ..." (escaped by js_fail). */
static const char *
js_what(struct js *s, size_t at, char buf[16])
{
	if (!js_have(s, at))
		return "the end of the file";
	snprintf(buf, 16, "'%c'", js_c(s, at));
	return buf;
}

static int
js_count(struct js *s)
{
	s->total++;
	if (++s->values > s->lim->max_values)
		return js_fail(s, s->i, "%s holds more than %zu values", s->unit,
		    s->lim->max_values);
	return 0;
}

static int
js_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
js_digit(struct js *s)
{
	return js_have(s, s->i) && js_c(s, s->i) >= '0' && js_c(s, s->i) <= '9';
}

/* A string at s->i (its '"'); decoded into out when out is not NULL. */
static int
js_string_at(struct js *s, struct buf *out, size_t start)
{
	char w[16];

	for (;;) {
		unsigned char c;

		if (!js_have(s, s->i))
			return js_fail(s, start, "a string that does not end");
		if (s->i - start > s->lim->max_string)
			return js_fail(s, start, "a string longer than %zu bytes",
			    s->lim->max_string);
		c = (unsigned char)js_c(s, s->i);
		if (c == '"') {
			s->i++;
			return 0;
		}
		if (c < 0x20)
			return js_fail(s, s->i, "a control byte (\\x%02X) inside a string", c);
		if (c != '\\') {
			if (out)
				buf_putc(out, (char)c);
			s->i++;
			continue;
		}
		if (!js_have(s, s->i + 1))
			return js_fail(s, start, "a string that does not end");
		c = (unsigned char)js_c(s, s->i + 1);
		if (c == 'u') {
			unsigned cp = 0;
			int k;

			for (k = 0; k < 4; k++) {
				char h;

				if (!js_have(s, s->i + 2 + (size_t)k) ||
				    !js_hex(h = js_c(s, s->i + 2 + (size_t)k)))
					return js_fail(s, s->i, "a \\u escape without four hex digits");
				cp = cp * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
			}
			s->i += 6;
			if (out) {	/* keys only: a surrogate half stays a U+FFFD */
				if (cp >= 0xD800 && cp <= 0xDFFF)
					cp = 0xFFFD;
				if (cp < 0x80)
					buf_putc(out, (char)cp);
				else if (cp < 0x800) {
					buf_putc(out, (char)(0xC0 | cp >> 6));
					buf_putc(out, (char)(0x80 | (cp & 0x3F)));
				} else {
					buf_putc(out, (char)(0xE0 | cp >> 12));
					buf_putc(out, (char)(0x80 | (cp >> 6 & 0x3F)));
					buf_putc(out, (char)(0x80 | (cp & 0x3F)));
				}
			}
			continue;
		}
		if (strchr("\"\\/bfnrt", c) == NULL)
			return js_fail(s, s->i, "an escape \\%s that JSON does not have",
			    js_what(s, s->i + 1, w));
		if (out) {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";

			buf_putc(out, to[strchr(from, c) - from]);
		}
		s->i += 2;
	}
}

static int
js_string(struct js *s, struct buf *out)
{
	int rc;

	s->mark = s->i++;
	rc = js_string_at(s, out, s->mark);
	s->mark = SIZE_MAX;
	return rc;
}

static int
js_number_at(struct js *s, size_t start)
{
	size_t d;
	char w[16];

	if (js_c(s, s->i) == '-')
		s->i++;
	if (js_is(s, '0'))
		s->i++;
	else {
		for (d = 0; js_digit(s); d++)
			s->i++;
		if (d == 0)
			return js_fail(s, s->i, "a number without digits before %s",
			    js_what(s, s->i, w));
	}
	if (js_is(s, '.')) {
		s->i++;
		for (d = 0; js_digit(s); d++)
			s->i++;
		if (d == 0)
			return js_fail(s, s->i, "a number without digits after its point");
	}
	if (js_is(s, 'e') || js_is(s, 'E')) {
		s->i++;
		if (js_is(s, '+') || js_is(s, '-'))
			s->i++;
		for (d = 0; js_digit(s); d++)
			s->i++;
		if (d == 0)
			return js_fail(s, s->i, "a number without digits in its exponent");
	}
	if (s->i - start > s->lim->max_string)
		return js_fail(s, start, "a number longer than %zu bytes", s->lim->max_string);
	return 0;
}

static int
js_number(struct js *s)
{
	int rc;

	s->mark = s->i;
	rc = js_number_at(s, s->mark);
	s->mark = SIZE_MAX;
	return rc;
}

static int js_value(struct js *s, size_t depth);
static int js_nested(struct js *s, size_t depth);

/* An array or an object at s->i (its '[' or '{'). */
static int
js_container(struct js *s, size_t depth)
{
	char open = js_c(s, s->i), close = open == '[' ? ']' : '}', w[16];
	struct js_pos start;

	if (depth >= s->lim->max_depth)
		return js_fail(s, s->i, "more than %zu levels of arrays and objects",
		    s->lim->max_depth);
	/* where it starts, for "does not end": the window may have moved on */
	start = js_pos(s, s->i);
	s->i++;
	js_ws(s);
	if (js_is(s, close)) {
		s->i++;
		return 0;
	}
	for (;;) {
		int nested = 0;

		if (open == '{') {
			/* the entry's nest_key: its elements are units of their own */
			int at_entry = s->nest && depth == 2;
			struct buf key = BUF_INIT;

			js_ws(s);
			if (!js_is(s, '"'))
				return js_fail(s, s->i, "a member name (a string) expected, not %s",
				    js_what(s, s->i, w));
			if (js_string(s, at_entry ? &key : NULL) != 0) {
				buf_free(&key);
				return -1;
			}
			nested = at_entry && strcmp(buf_str(&key), s->lim->nest_key) == 0;
			buf_free(&key);
			js_ws(s);
			if (!js_is(s, ':'))
				return js_fail(s, s->i, "':' expected after a member name, not %s",
				    js_what(s, s->i, w));
			s->i++;
			js_ws(s);
			nested = nested && js_is(s, '[');
		}
		if (nested ? js_nested(s, depth + 1) : js_value(s, depth + 1))
			return -1;
		js_ws(s);
		if (js_is(s, ',')) {
			s->i++;
			continue;
		}
		if (js_is(s, close)) {
			s->i++;
			return 0;
		}
		if (!js_have(s, s->i))
			return js_fail_at(s, start, "%s that does not end",
			    open == '[' ? "an array" : "an object");
		return js_fail(s, s->i, "',' or '%c' expected, not %s", close,
		    js_what(s, s->i, w));
	}
}

static int
js_value(struct js *s, size_t depth)
{
	static const char *const words[] = { "true", "false", "null" };
	char w[16];
	size_t k, j;

	js_ws(s);
	if (!js_have(s, s->i))
		return js_fail(s, s->i, "a value expected, not the end of the file");
	if (js_count(s) != 0)
		return -1;
	switch (js_c(s, s->i)) {
	case '{':
	case '[':
		return js_container(s, depth);
	case '"':
		return js_string(s, NULL);
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return js_number(s);
	}
	for (k = 0; k < 3; k++) {
		size_t n = strlen(words[k]);

		for (j = 0; j < n && js_have(s, s->i + j) && js_c(s, s->i + j) == words[k][j];
		    j++)
			;
		if (j == n) {
			s->i += n;
			return 0;
		}
	}
	return js_fail(s, s->i, "a value expected, not %s", js_what(s, s->i, w));
}

/*
 * The array at s->i (its '['), the nest_key member of an element of
 * nest_member: counted in that element, while each of its elements is a
 * unit of its own (counted alone, at most max_elements of them).
 */
static int
js_nested(struct js *s, size_t depth)
{
	const char *unit = s->unit;
	struct buf what = BUF_INIT;
	struct js_pos start;
	size_t values, n = 0;
	char w[16];
	int rc = -1;

	if (js_count(s) != 0)
		return -1;
	if (depth >= s->lim->max_depth)
		return js_fail(s, s->i, "more than %zu levels of arrays and objects",
		    s->lim->max_depth);
	start = js_pos(s, s->i);
	s->i++;
	js_ws(s);
	if (js_is(s, ']')) {
		s->i++;
		return 0;
	}
	values = s->values;
	for (;;) {
		if (n >= s->lim->max_elements) {
			js_fail(s, s->i, "more than %zu elements in \"%.60s\" of %s",
			    s->lim->max_elements, s->lim->nest_key, unit);
			goto out;
		}
		buf_reset(&what);
		buf_printf(&what, "element %zu of \"%.60s\" of %s", ++n, s->lim->nest_key, unit);
		s->unit = buf_str(&what);
		s->values = 0;
		if (js_value(s, depth + 1) != 0)
			goto out;
		js_ws(s);
		if (js_is(s, ',')) {
			s->i++;
			continue;
		}
		if (js_is(s, ']')) {
			s->i++;
			rc = 0;
			goto out;
		}
		if (!js_have(s, s->i))
			js_fail_at(s, start, "an array that does not end");
		else
			js_fail(s, s->i, "',' or ']' expected, not %s", js_what(s, s->i, w));
		goto out;
	}
out:
	s->unit = unit;
	s->values = values;
	buf_free(&what);
	return rc;
}

/* One unit: a value whose values are counted on their own. */
static int
js_unit(struct js *s, size_t depth, struct jsonscan_unit *u)
{
	js_ws(s);
	s->values = 0;
	u->off = s->i;
	u->line = js_pos(s, s->i).line;
	if (js_value(s, depth) != 0)
		return -1;
	u->len = s->i - u->off;
	return 0;
}

static int
js_top(struct js *s, struct jsonscan *out)
{
	const struct jsonscan_limits *lim = s->lim;
	struct buf key = BUF_INIT, what = BUF_INIT;
	char w[16];
	size_t k;

	memset(out, 0, sizeof(*out));
	js_ws(s);
	if (!js_is(s, '{')) {
		js_fail(s, s->i, "a JSON object expected, not %s", js_what(s, s->i, w));
		goto fail;
	}
	s->i++;
	js_ws(s);
	if (js_is(s, '}'))
		s->i++;
	else
		for (;;) {
			struct jsonscan_member *m;

			js_ws(s);
			if (!js_is(s, '"')) {
				js_fail(s, s->i, "a member name (a string) expected, not %s",
				    js_what(s, s->i, w));
				goto fail;
			}
			buf_reset(&key);
			if (js_string(s, &key) != 0)
				goto fail;
			for (k = 0; k < out->nmembers; k++)
				if (strcmp(out->members[k].key, buf_str(&key)) == 0) {
					js_fail(s, s->i, "\"%.60s\" is there twice", buf_str(&key));
					goto fail;
				}
			if (out->nmembers >= lim->max_members) {
				js_fail(s, s->i, "more than %zu members in the top-level object",
				    lim->max_members);
				goto fail;
			}
			js_ws(s);
			if (!js_is(s, ':')) {
				js_fail(s, s->i, "':' expected after a member name, not %s",
				    js_what(s, s->i, w));
				goto fail;
			}
			s->i++;
			js_ws(s);
			out->members = xrealloc(out->members, (out->nmembers + 1) *
			    sizeof(*out->members));
			m = &out->members[out->nmembers++];
			memset(m, 0, sizeof(*m));
			m->key = xstrdup(buf_str(&key));
			buf_reset(&what);
			buf_printf(&what, "\"%.60s\"", m->key);
			s->unit = buf_str(&what);
			if (js_is(s, '[')) {
				size_t cap = 0;

				m->is_array = 1;
				m->value.off = s->i;
				m->value.line = js_pos(s, s->i).line;
				s->i++;
				s->total++;
				js_ws(s);
				if (js_is(s, ']'))
					s->i++;
				else
					for (;;) {
						if (m->nelements >= lim->max_elements) {
							js_fail(s, s->i, "more than %zu elements in "
							    "\"%.60s\"", lim->max_elements, m->key);
							goto fail;
						}
						m->elements = xgrow(m->elements, &cap,
						    m->nelements + 1, sizeof(*m->elements));
						buf_reset(&what);
						buf_printf(&what, "element %zu of \"%.60s\"",
						    m->nelements + 1, m->key);
						s->unit = buf_str(&what);
						s->nest = lim->nest_member != NULL &&
						    strcmp(m->key, lim->nest_member) == 0;
						if (js_unit(s, 2, &m->elements[m->nelements]) != 0)
							goto fail;
						s->nest = 0;
						m->nelements++;
						js_ws(s);
						if (js_is(s, ',')) {
							s->i++;
							continue;
						}
						if (js_is(s, ']')) {
							s->i++;
							break;
						}
						js_fail(s, s->i, "',' or ']' expected, not %s",
						    js_what(s, s->i, w));
						goto fail;
					}
				m->value.len = s->i - m->value.off;
			} else if (js_unit(s, 1, &m->value) != 0)
				goto fail;
			js_ws(s);
			if (js_is(s, ',')) {
				s->i++;
				continue;
			}
			if (js_is(s, '}')) {
				s->i++;
				break;
			}
			js_fail(s, s->i, "',' or '}' expected, not %s", js_what(s, s->i, w));
			goto fail;
		}
	js_ws(s);
	if (js_have(s, s->i)) {
		js_fail(s, s->i, "%s after the end of the JSON object", js_what(s, s->i, w));
		goto fail;
	}
	if (s->rd_errno) {	/* the end was a read error */
		err_set(s->err, "%s", strerror(s->rd_errno));
		goto fail;
	}
	out->values = s->total;
	buf_free(&key);
	buf_free(&what);
	return 0;
fail:
	buf_free(&key);
	buf_free(&what);
	jsonscan_free(out);
	return -1;
}

int
jsonscan_top(const char *data, size_t len, const struct jsonscan_limits *lim,
    struct jsonscan *out, char err[ERR_LEN])
{
	struct js s;

	memset(&s, 0, sizeof(s));
	s.p = data;
	s.wlen = len;
	s.eof = 1;
	s.mark = SIZE_MAX;
	s.lim = lim;
	s.err = err;
	s.lc.line = s.lc.col = 1;
	return js_top(&s, out);
}

int
jsonscan_top_read(jsonscan_read_fn rd, void *ctx, const struct jsonscan_limits *lim,
    struct jsonscan *out, char err[ERR_LEN])
{
	struct js s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.rd = rd;
	s.ctx = ctx;
	s.p = "";
	s.mark = SIZE_MAX;
	s.lim = lim;
	s.err = err;
	s.lc.line = s.lc.col = 1;
	rc = js_top(&s, out);
	free(s.own);
	if (rc != 0 && s.rd_errno)
		errno = s.rd_errno;
	return rc;
}

const struct jsonscan_member *
jsonscan_find(const struct jsonscan *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->nmembers; i++)
		if (strcmp(s->members[i].key, key) == 0)
			return &s->members[i];
	return NULL;
}

void
jsonscan_free(struct jsonscan *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nmembers; i++) {
		free(s->members[i].key);
		free(s->members[i].elements);
	}
	free(s->members);
	memset(s, 0, sizeof(*s));
}
