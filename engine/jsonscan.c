#include "jsonscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/text.h"
#include "util/xmem.h"

struct js {
	const char			*p;	/* the document */
	size_t				 len;
	size_t				 i;	/* the next byte */
	const struct jsonscan_limits	*lim;
	size_t				 values;	/* in the unit being read */
	size_t				 total;
	const char			*unit;	/* what the unit is, for messages */
	char				*err;
	size_t				 lc_pos, lc_line;	/* js_line_at()'s
							   cursor: lines before it */
};

/* "line L, column C: " + the message, at byte offset at. */
static int
js_fail(const struct js *s, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
js_fail(const struct js *s, size_t at, const char *fmt, ...)
{
	size_t line = 1, col = 1, k;
	char msg[ERR_LEN];
	va_list ap;

	for (k = 0; k < at && k < s->len; k++) {
		if (s->p[k] == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_set(s->err, "line %zu, column %zu: %s", line, col, msg);
	text_escape_err(s->err);
	return -1;
}

/* The line of byte `at`, counted on from the last one asked (units come in
 * order), so that the whole scan stays linear in the file. */
static size_t
js_line_at(struct js *s, size_t at)
{
	if (at < s->lc_pos) {
		s->lc_pos = 0;
		s->lc_line = 1;
	}
	for (; s->lc_pos < at && s->lc_pos < s->len; s->lc_pos++)
		s->lc_line += s->p[s->lc_pos] == '\n';
	return s->lc_line;
}

static void
js_ws(struct js *s)
{
	while (s->i < s->len && (s->p[s->i] == ' ' || s->p[s->i] == '\t' ||
	    s->p[s->i] == '\n' || s->p[s->i] == '\r'))
		s->i++;
}

/* What is at the offset, for "unexpected ..." (escaped by js_fail). */
static const char *
js_what(const struct js *s, size_t at, char buf[16])
{
	if (at >= s->len)
		return "the end of the file";
	snprintf(buf, 16, "'%c'", s->p[at]);
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

/* A string at s->i (its '"'); decoded into out when out is not NULL. */
static int
js_string(struct js *s, struct buf *out)
{
	size_t start = s->i++;
	char w[16];

	for (;;) {
		unsigned char c;

		if (s->i >= s->len)
			return js_fail(s, start, "a string that does not end");
		if (s->i - start > s->lim->max_string)
			return js_fail(s, start, "a string longer than %zu bytes",
			    s->lim->max_string);
		c = (unsigned char)s->p[s->i];
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
		if (s->i + 1 >= s->len)
			return js_fail(s, start, "a string that does not end");
		c = (unsigned char)s->p[s->i + 1];
		if (c == 'u') {
			unsigned cp = 0;
			int k;

			for (k = 0; k < 4; k++) {
				if (s->i + 2 + (size_t)k >= s->len || !js_hex(s->p[s->i + 2 + k]))
					return js_fail(s, s->i, "a \\u escape without four hex digits");
				cp = cp * 16 + (unsigned)(s->p[s->i + 2 + k] <= '9' ?
				    s->p[s->i + 2 + k] - '0' : (s->p[s->i + 2 + k] | 0x20) - 'a' + 10);
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
js_number(struct js *s)
{
	size_t start = s->i, d;
	char w[16];

	if (s->p[s->i] == '-')
		s->i++;
	if (s->i < s->len && s->p[s->i] == '0')
		s->i++;
	else {
		for (d = 0; s->i < s->len && s->p[s->i] >= '0' && s->p[s->i] <= '9'; d++)
			s->i++;
		if (d == 0)
			return js_fail(s, s->i, "a number without digits before %s",
			    js_what(s, s->i, w));
	}
	if (s->i < s->len && s->p[s->i] == '.') {
		s->i++;
		for (d = 0; s->i < s->len && s->p[s->i] >= '0' && s->p[s->i] <= '9'; d++)
			s->i++;
		if (d == 0)
			return js_fail(s, s->i, "a number without digits after its point");
	}
	if (s->i < s->len && (s->p[s->i] == 'e' || s->p[s->i] == 'E')) {
		s->i++;
		if (s->i < s->len && (s->p[s->i] == '+' || s->p[s->i] == '-'))
			s->i++;
		for (d = 0; s->i < s->len && s->p[s->i] >= '0' && s->p[s->i] <= '9'; d++)
			s->i++;
		if (d == 0)
			return js_fail(s, s->i, "a number without digits in its exponent");
	}
	if (s->i - start > s->lim->max_string)
		return js_fail(s, start, "a number longer than %zu bytes", s->lim->max_string);
	return 0;
}

static int js_value(struct js *s, size_t depth);

/* An array or an object at s->i (its '[' or '{'). */
static int
js_container(struct js *s, size_t depth)
{
	char open = s->p[s->i], close = open == '[' ? ']' : '}', w[16];
	size_t start = s->i;

	if (depth >= s->lim->max_depth)
		return js_fail(s, s->i, "more than %zu levels of arrays and objects",
		    s->lim->max_depth);
	s->i++;
	js_ws(s);
	if (s->i < s->len && s->p[s->i] == close) {
		s->i++;
		return 0;
	}
	for (;;) {
		if (open == '{') {
			js_ws(s);
			if (s->i >= s->len || s->p[s->i] != '"')
				return js_fail(s, s->i, "a member name (a string) expected, not %s",
				    js_what(s, s->i, w));
			if (js_string(s, NULL) != 0)
				return -1;
			js_ws(s);
			if (s->i >= s->len || s->p[s->i] != ':')
				return js_fail(s, s->i, "':' expected after a member name, not %s",
				    js_what(s, s->i, w));
			s->i++;
		}
		if (js_value(s, depth + 1) != 0)
			return -1;
		js_ws(s);
		if (s->i < s->len && s->p[s->i] == ',') {
			s->i++;
			continue;
		}
		if (s->i < s->len && s->p[s->i] == close) {
			s->i++;
			return 0;
		}
		if (s->i >= s->len)
			return js_fail(s, start, "%s that does not end",
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
	size_t k;

	js_ws(s);
	if (s->i >= s->len)
		return js_fail(s, s->i, "a value expected, not the end of the file");
	if (js_count(s) != 0)
		return -1;
	switch (s->p[s->i]) {
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

		if (s->len - s->i >= n && memcmp(s->p + s->i, words[k], n) == 0) {
			s->i += n;
			return 0;
		}
	}
	return js_fail(s, s->i, "a value expected, not %s", js_what(s, s->i, w));
}

/* One unit: a value whose values are counted on their own. */
static int
js_unit(struct js *s, size_t depth, struct jsonscan_unit *u)
{
	js_ws(s);
	s->values = 0;
	u->off = s->i;
	u->line = js_line_at(s, s->i);
	if (js_value(s, depth) != 0)
		return -1;
	u->len = s->i - u->off;
	return 0;
}

int
jsonscan_top(const char *data, size_t len, const struct jsonscan_limits *lim,
    struct jsonscan *out, char err[ERR_LEN])
{
	struct js s = { data, len, 0, lim, 0, 0, NULL, err, 0, 1 };
	struct buf key = BUF_INIT, what = BUF_INIT;
	char w[16];
	size_t k;

	memset(out, 0, sizeof(*out));
	js_ws(&s);
	if (s.i >= len || data[s.i] != '{') {
		js_fail(&s, s.i, "a JSON object expected, not %s", js_what(&s, s.i, w));
		goto fail;
	}
	s.i++;
	js_ws(&s);
	if (s.i < len && data[s.i] == '}')
		s.i++;
	else
		for (;;) {
			struct jsonscan_member *m;

			js_ws(&s);
			if (s.i >= len || data[s.i] != '"') {
				js_fail(&s, s.i, "a member name (a string) expected, not %s",
				    js_what(&s, s.i, w));
				goto fail;
			}
			buf_reset(&key);
			if (js_string(&s, &key) != 0)
				goto fail;
			for (k = 0; k < out->nmembers; k++)
				if (strcmp(out->members[k].key, buf_str(&key)) == 0) {
					js_fail(&s, s.i, "\"%.60s\" is there twice", buf_str(&key));
					goto fail;
				}
			if (out->nmembers >= lim->max_members) {
				js_fail(&s, s.i, "more than %zu members in the top-level object",
				    lim->max_members);
				goto fail;
			}
			js_ws(&s);
			if (s.i >= len || data[s.i] != ':') {
				js_fail(&s, s.i, "':' expected after a member name, not %s",
				    js_what(&s, s.i, w));
				goto fail;
			}
			s.i++;
			js_ws(&s);
			out->members = xrealloc(out->members, (out->nmembers + 1) *
			    sizeof(*out->members));
			m = &out->members[out->nmembers++];
			memset(m, 0, sizeof(*m));
			m->key = xstrdup(buf_str(&key));
			buf_reset(&what);
			buf_printf(&what, "\"%.60s\"", m->key);
			s.unit = buf_str(&what);
			if (s.i < len && data[s.i] == '[') {
				size_t cap = 0;

				m->is_array = 1;
				m->value.off = s.i;
				m->value.line = js_line_at(&s, s.i);
				s.i++;
				s.total++;
				js_ws(&s);
				if (s.i < len && data[s.i] == ']')
					s.i++;
				else
					for (;;) {
						if (m->nelements >= lim->max_elements) {
							js_fail(&s, s.i, "more than %zu elements in "
							    "\"%.60s\"", lim->max_elements, m->key);
							goto fail;
						}
						m->elements = xgrow(m->elements, &cap,
						    m->nelements + 1, sizeof(*m->elements));
						buf_reset(&what);
						buf_printf(&what, "element %zu of \"%.60s\"",
						    m->nelements + 1, m->key);
						s.unit = buf_str(&what);
						if (js_unit(&s, 2, &m->elements[m->nelements]) != 0)
							goto fail;
						m->nelements++;
						js_ws(&s);
						if (s.i < len && data[s.i] == ',') {
							s.i++;
							continue;
						}
						if (s.i < len && data[s.i] == ']') {
							s.i++;
							break;
						}
						js_fail(&s, s.i, "',' or ']' expected, not %s",
						    js_what(&s, s.i, w));
						goto fail;
					}
				m->value.len = s.i - m->value.off;
			} else if (js_unit(&s, 1, &m->value) != 0)
				goto fail;
			js_ws(&s);
			if (s.i < len && data[s.i] == ',') {
				s.i++;
				continue;
			}
			if (s.i < len && data[s.i] == '}') {
				s.i++;
				break;
			}
			js_fail(&s, s.i, "',' or '}' expected, not %s", js_what(&s, s.i, w));
			goto fail;
		}
	js_ws(&s);
	if (s.i < len) {
		js_fail(&s, s.i, "%s after the end of the JSON object", js_what(&s, s.i, w));
		goto fail;
	}
	out->values = s.total;
	buf_free(&key);
	buf_free(&what);
	return 0;
fail:
	buf_free(&key);
	buf_free(&what);
	jsonscan_free(out);
	return -1;
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
