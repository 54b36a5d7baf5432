/* ini: the line model of a DOS text file (see ini.h). */
#include <string.h>

#include "ini.h"
#include "xmem.h"

static int
ini_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Narrow [*b, *e) of data to its non-blank part. */
static void
ini_trim(const char *data, size_t *b, size_t *e)
{
	while (*b < *e && ini_blank(data[*b]))
		(*b)++;
	while (*e > *b && ini_blank(data[*e - 1]))
		(*e)--;
}

size_t
ini_text_len(const char *data, size_t len)
{
	const char *z = len ? memchr(data, 0x1a, len) : NULL;

	return z ? (size_t)(z - data) : len;
}

size_t
ini_bom(const char *data, size_t len)
{
	return len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

/* What l (its start and ends set) is, and its offsets. */
static void
ini_classify(const char *data, struct ini_line *l)
{
	size_t b = l->start, e = l->content_end, p;
	const char *hit;

	l->name_start = l->name_end = l->eq = l->content_end;
	l->value_start = l->value_end = l->content_end;
	ini_trim(data, &b, &e);
	if (b == e) {
		l->kind = INI_BLANK;
		return;
	}
	if (data[b] == ';') {
		l->kind = INI_COMMENT;
		return;
	}
	if (data[b] == '[') {
		l->kind = INI_SECTION;
		l->name_start = b + 1;
		hit = memchr(data + b + 1, ']', e - b - 1);
		l->name_end = hit ? (size_t)(hit - data) : e;
		ini_trim(data, &l->name_start, &l->name_end);
		return;
	}
	if ((hit = memchr(data + b, '=', e - b)) == NULL) {
		l->kind = INI_OTHER;
		l->name_start = b;
		l->name_end = e;
		return;
	}
	l->kind = INI_ENTRY;
	l->eq = (size_t)(hit - data);
	l->name_start = b;
	l->name_end = l->eq;
	ini_trim(data, &l->name_start, &l->name_end);
	l->value_start = l->eq + 1;
	l->value_end = e;
	ini_trim(data, &l->value_start, &l->value_end);
	/* a comment after an unquoted value */
	p = l->value_start;
	if (p < l->value_end && data[p] != '"' &&
	    (hit = memchr(data + p, ';', l->value_end - p)) != NULL) {
		l->value_end = (size_t)(hit - data);
		ini_trim(data, &l->value_start, &l->value_end);
	}
}

struct ini_line *
ini_lines(const char *data, size_t len, size_t *n)
{
	struct ini_line *v = NULL;
	size_t cap = 0, p;
	long section = -1;

	len = ini_text_len(data, len);
	p = ini_bom(data, len);	/* an editor's byte order mark: not text */
	*n = 0;
	while (p < len) {
		struct ini_line *l;
		size_t eol = p;

		while (eol < len && data[eol] != '\r' && data[eol] != '\n')
			eol++;
		v = xgrow(v, &cap, *n + 1, sizeof(*v));
		l = &v[*n];
		l->start = p;
		l->content_end = eol;
		p = eol;
		if (p < len && data[p] == '\r')
			p++;
		if (p < len && data[p] == '\n' && (p == eol || data[p - 1] == '\r'))
			p++;
		l->end = p;
		ini_classify(data, l);
		if (l->kind == INI_SECTION)
			section = (long)*n;
		l->section = section;
		(*n)++;
	}
	return v;
}

const char *
ini_kind_to_text(enum ini_kind k)
{
	switch (k) {
	case INI_BLANK:		return "blank";
	case INI_COMMENT:	return "comment";
	case INI_SECTION:	return "section";
	case INI_ENTRY:		return "entry";
	case INI_OTHER:		return "other";
	}
	return "?";
}
