/*
 * render_json: the end of a JSON document (render_json.h).
 */
#include "render_json.h"

#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

int
render_json_end(json_t *root, struct buf *out, char err[ERR_LEN])
{
	if (render_json_part(out, root, 0, err) != 0)
		return -1;
	buf_putc(out, '\n');
	return 0;
}

/*
 * v (not decref'd) as json_dumps() prints it, re-indented to indent spaces:
 * for a tree nested deeper than the writer counts (JW_DEPTH), which no
 * report builds. null if jansson cannot serialise it.
 */
static void
render_json_deep(struct buf *out, json_t *v, size_t indent)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6) |
	    JSON_ENCODE_ANY);
	const char *p, *nl;
	size_t i;

	if (s == NULL) {
		buf_append(out, "null", 4);
		return;
	}
	for (p = s; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		buf_append(out, p, (size_t)(nl - p) + 1);
		for (i = 0; i < indent; i++)
			buf_putc(out, ' ');
	}
	buf_puts(out, p);
	free(s);
}

int
render_json_part(struct buf *out, json_t *v, size_t indent, char err[ERR_LEN])
{
	struct jw w;

	if (v == NULL)
		return err_set(err, "cannot serialise the JSON output");
	jw_init(&w, out, indent / 2);
	jw_tree(&w, v);
	json_decref(v);
	return 0;
}

int
render_json_open(struct buf *out, json_t *head, char err[ERR_LEN])
{
	const char *key;
	json_t *v;
	int n = 0;

	buf_putc(out, '{');
	json_object_foreach(head, key, v) {
		buf_puts(out, n++ ? ",\n  " : "\n  ");
		if (render_json_part(out, json_string(key), 2, err) != 0 ||
		    (buf_puts(out, ": "), render_json_part(out, json_incref(v), 2, err)) != 0) {
			json_decref(head);
			return -1;
		}
	}
	json_decref(head);
	return n;
}

void
render_json_key(struct buf *out, size_t n, const char *key)
{
	buf_printf(out, "%s\"%s\": ", n ? ",\n  " : "\n  ", key);
}

void
render_json_element(struct buf *out, size_t i)
{
	buf_puts(out, i ? ",\n    " : "[\n    ");
}

void
render_json_array_end(struct buf *out, size_t n)
{
	buf_puts(out, n ? "\n  ]" : "[]");
}

void
render_json_close(struct buf *out, size_t n)
{
	buf_puts(out, n ? "\n}\n" : "}\n");
}

/* ---------------------------------------------------------------------- */
/* The writer (render_json.h)                                              */

/*
 * What a byte needs in a JSON string: 0 nothing, 1 an escape ('"', '\\', a
 * C0 control), 2 a check (it starts or continues a multi-byte character).
 */
static const unsigned char jw_class[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/*
 * Length of the UTF-8 character at s (n bytes left, s[0] >= 0x80) as
 * jansson accepts one (utf.c: no overlong forms, no surrogates, nothing
 * above U+10FFFF; C1 controls are characters), or 0.
 */
static size_t
jw_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned long v;

	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	if (s[0] < 0xE0) {
		len = 2;
		v = s[0] & 0x1F;
	} else if (s[0] < 0xF0) {
		len = 3;
		v = s[0] & 0x0F;
	} else {
		len = 4;
		v = s[0] & 0x07;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ||
	    (len == 3 && v < 0x800) || (len == 4 && v < 0x10000))
		return 0;
	return len;
}

/* The first byte at or after p that is not plain ASCII text (class 0). */
static const unsigned char *
jw_plain(const unsigned char *p, const unsigned char *end)
{
#ifdef __SSE2__
	const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
	    backslash = _mm_set1_epi8('\\');

	/* 16 bytes at a time: signed, a byte >= 0x80 is below 0x20 too. */
	for (; end - p >= 16; p += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(x, space),
		    _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash))));

		if (m != 0)
			return p + __builtin_ctz((unsigned)m);
	}
#endif
	while (p < end && jw_class[*p] == 0)
		p++;
	return p;
}

/*
 * s (n bytes) quoted and escaped onto out. With check, a multi-byte
 * character must be one jansson takes (jw_utf8_len()): 0, or -1 with out
 * as it was when s is not UTF-8; without, s is known to be.
 */
static int
jw_escape_check(struct buf *out, const char *s, size_t n, int check)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
	size_t start = out->len, k;
	char *d;

	/* Room for the string unescaped and its quotes; each escape asks for more. */
	buf_reserve(out, n + 2);
	d = out->data + out->len;
	*d++ = '"';
	for (;;) {
		run = p;
		p = jw_plain(p, end);
		memcpy(d, run, (size_t)(p - run));
		d += p - run;
		if (p == end)
			break;
		if (*p >= 0x80) {
			k = check ? jw_utf8_len(p, (size_t)(end - p)) : 1;
			if (k == 0) {
				out->len = start;
				out->data[start] = '\0';
				return -1;
			}
			memcpy(d, p, k);
			d += k;
			p += k;
			continue;
		}
		out->len = (size_t)(d - out->data);
		buf_reserve(out, 6 + (size_t)(end - p) + 1);
		d = out->data + out->len;
		*d++ = '\\';
		switch (*p) {
		case '"': *d++ = '"'; break;
		case '\\': *d++ = '\\'; break;
		case '\b': *d++ = 'b'; break;
		case '\f': *d++ = 'f'; break;
		case '\n': *d++ = 'n'; break;
		case '\r': *d++ = 'r'; break;
		case '\t': *d++ = 't'; break;
		default:
			memcpy(d, "u00", 3);
			d[3] = hex[*p >> 4];
			d[4] = hex[*p & 0xF];
			d += 5;
			break;
		}
		p++;
	}
	*d++ = '"';
	out->len = (size_t)(d - out->data);
	*d = '\0';
	return 0;
}

void
jw_escape(struct buf *out, const char *s, size_t n)
{
	jw_escape_check(out, s, n, 0);
}

/* The newline and indent before a member, an element or a closing bracket. */
static void
jw_indent(struct jw *w, size_t level)
{
	static const char spaces[] = "\n                                ";
	size_t n = 2 * level, k;

	if (n < sizeof(spaces) - 1) {
		buf_append(w->out, spaces, n + 1);
		return;
	}
	buf_putc(w->out, '\n');
	for (; n > 0; n -= k) {
		k = n < sizeof(spaces) - 2 ? n : sizeof(spaces) - 2;
		buf_append(w->out, spaces + 1, k);
	}
}

/* Before a value: the separator of an element, nothing after a key. */
static void
jw_value(struct jw *w)
{
	if (w->keyed) {
		w->keyed = 0;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->n[w->depth - 1]++)
		buf_putc(w->out, ',');
	jw_indent(w, w->base + w->depth);
}

void
jw_init(struct jw *w, struct buf *out, size_t base)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->base = base;
}

static void
jw_open(struct jw *w, char c)
{
	jw_value(w);
	buf_putc(w->out, c);
	w->n[w->depth] = 0;
	w->close[w->depth] = c == '{' ? '}' : ']';
	w->depth++;
}

void
jw_obj(struct jw *w)
{
	jw_open(w, '{');
}

void
jw_arr(struct jw *w)
{
	jw_open(w, '[');
}

void
jw_end(struct jw *w)
{
	w->depth--;
	if (w->n[w->depth])
		jw_indent(w, w->base + w->depth);
	buf_putc(w->out, w->close[w->depth]);
}

static void
jw_keyn(struct jw *w, const char *key, size_t n)
{
	if (w->n[w->depth - 1]++)
		buf_putc(w->out, ',');
	jw_indent(w, w->base + w->depth);
	jw_escape(w->out, key, n);
	buf_append(w->out, ": ", 2);
	w->keyed = 1;
}

void
jw_key(struct jw *w, const char *key)
{
	jw_keyn(w, key, strlen(key));
}

void
jw_strn(struct jw *w, const char *s, size_t n)
{
	jw_value(w);
	jw_escape(w->out, s, n);
}

void
jw_str(struct jw *w, const char *s)
{
	char *safe;

	if (s == NULL) {
		jw_null(w);
		return;
	}
	jw_value(w);
	if (jw_escape_check(w->out, s, strlen(s), 1) == 0)
		return;
	/* Not UTF-8 after all: never let that lose the whole report. */
	safe = text_sanitize(s, strlen(s), 0);
	if (jw_escape_check(w->out, safe, strlen(safe), 1) != 0)
		buf_append(w->out, "null", 4);
	free(safe);
}

void
jw_int(struct jw *w, long long v)
{
	char s[24], *p = s + sizeof(s);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	/* Digits from the right: no snprintf() for the thousands of counts a report has. */
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	jw_value(w);
	buf_append(w->out, p, (size_t)(s + sizeof(s) - p));
}

/*
 * The reals of a report are rounded to three decimals (confidences, weights,
 * rates): one below 1000 that is exactly the double nearest N/1000 has at
 * most 6 significant digits, so "%.6g" prints N/1000 in full, fixed point,
 * trailing zeros dropped, and jansson adds ".0" to a whole number. Written
 * here without snprintf(); 1 when it was, 0 for any other value.
 */
static int
jw_real_short(struct jw *w, double v)
{
	char s[16], *p = s + sizeof(s);
	double a = fabs(v);
	unsigned long n, frac;
	int digits = 3;

	if (!(a < 1000.0))
		return 0;
	n = (unsigned long)(a * 1000.0 + 0.5);
	if ((double)n / 1000.0 != a)
		return 0;
	frac = n % 1000;
	n /= 1000;
	while (digits > 0 && frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	if (digits == 0)
		*--p = '0';
	while (digits-- > 0) {
		*--p = (char)('0' + frac % 10);
		frac /= 10;
	}
	*--p = '.';
	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0);
	if (signbit(v))
		*--p = '-';
	jw_value(w);
	buf_append(w->out, p, (size_t)(s + sizeof(s) - p));
	return 1;
}

/* As jansson's jsonp_dtostr() prints a real at precision 6. */
void
jw_real(struct jw *w, double v)
{
	char s[64], *e, *from, *to;
	/* A library caller's locale may print a comma: jansson puts '.' back, so do we
	 * (nl_langinfo(), unlike localeconv(), writes no static buffer: two threads). */
	const char *point;
	int n;

	if (jw_real_short(w, v))
		return;
	point = nl_langinfo(RADIXCHAR);
	n = snprintf(s, sizeof(s), "%.6g", v);

	jw_value(w);
	if (!isfinite(v) || n < 0 || (size_t)n >= sizeof(s) - 3) {
		buf_puts(w->out, "null");
		return;
	}
	if (point[0] != '.' && point[0] != '\0' && point[1] == '\0' &&
	    (e = strchr(s, point[0])) != NULL)
		*e = '.';
	if (strchr(s, '.') == NULL && strchr(s, 'e') == NULL) {
		memcpy(s + n, ".0", 3);
		n += 2;
	}
	if ((e = strchr(s, 'e')) != NULL) {
		from = to = e + 1;
		if (*from == '+')
			from++;
		else if (*from == '-')
			from = to = e + 2;
		while (*from == '0' && from[1] != '\0')
			from++;
		if (from != to) {
			memmove(to, from, strlen(from) + 1);
			n = (int)strlen(s);
		}
	}
	buf_append(w->out, s, (size_t)n);
}

void
jw_bool(struct jw *w, int v)
{
	jw_value(w);
	buf_puts(w->out, v ? "true" : "false");
}

void
jw_null(struct jw *w)
{
	jw_value(w);
	buf_append(w->out, "null", 4);
}

void
jw_kstr(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void
jw_kint(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void
jw_tree(struct jw *w, json_t *v)
{
	void *it;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (w->depth + 1 >= JW_DEPTH) {
			/* Deeper than the writer counts: jansson's own dump. */
			jw_value(w);
			render_json_deep(w->out, v, 2 * (w->base + w->depth));
			return;
		}
		if (json_is_array(v)) {
			jw_arr(w);
			for (i = 0; i < json_array_size(v); i++)
				jw_tree(w, json_array_get(v, i));
		} else {
			jw_obj(w);
			for (it = json_object_iter(v); it != NULL; it = json_object_iter_next(v, it)) {
				jw_keyn(w, json_object_iter_key(it), json_object_iter_key_len(it));
				jw_tree(w, json_object_iter_value(it));
			}
		}
		jw_end(w);
		return;
	case JSON_STRING:
		jw_strn(w, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		jw_int(w, (long long)json_integer_value(v));
		return;
	case JSON_REAL:
		jw_real(w, json_real_value(v));
		return;
	case JSON_TRUE:
		jw_bool(w, 1);
		return;
	case JSON_FALSE:
		jw_bool(w, 0);
		return;
	case JSON_NULL:
	default:
		jw_null(w);
		return;
	}
}
