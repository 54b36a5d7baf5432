/*
 * Fuzz target: the JSON writer (render_json.h), which writes every string a
 * log brings into a report. The first byte chooses:
 *   even: the rest is one string (cut at its first NUL, as a C string from a
 *         log is): jw_str() must write what jansson's dump writes of it, or,
 *         when jansson refuses it as not UTF-8, of text_sanitize()'s copy;
 *   odd:  the rest is a JSON text; if jansson reads it (any value, NULs in
 *         strings allowed), jw_tree() at (byte >> 1) % 4 levels of indent
 *         must write what jansson's dump writes, re-indented.
 * Any difference aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "render_json.h"
#include "util/buf.h"
#include "util/text.h"

#define FLAGS	(JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6) | \
		 JSON_ENCODE_ANY)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* jansson's dump of v at levels of indent, into b; 0, or -1 when it cannot. */
static int
dump(struct buf *b, json_t *v, size_t levels)
{
	char *s = v ? json_dumps(v, FLAGS) : NULL, *p, *nl;
	size_t i;

	if (s == NULL)
		return -1;
	for (p = s; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		buf_append(b, p, (size_t)(nl - p) + 1);
		for (i = 0; i < 2 * levels; i++)
			buf_putc(b, ' ');
	}
	buf_puts(b, p);
	free(s);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf got = BUF_INIT, want = BUF_INIT;
	struct jw w;
	json_t *v;
	size_t levels;
	char *s, *safe;

	if (size < 1 || size > 1 << 16)
		return 0;
	levels = (size_t)(data[0] >> 1) % 4;
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] % 2 == 0) {
		jw_init(&w, &got, 0);
		jw_str(&w, s);
		if ((v = json_string(s)) == NULL) {
			safe = text_sanitize(s, strlen(s), 0);
			v = json_string(safe);
			free(safe);
		}
		if (dump(&want, v, 0) != 0)
			buf_puts(&want, "null");
		json_decref(v);
	} else if ((v = json_loadb((const char *)data + 1, size - 1,
	    JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)) != NULL) {
		jw_init(&w, &got, levels);
		jw_tree(&w, v);
		if (dump(&want, v, levels) != 0)
			abort();	/* jansson read it: it can print it */
		json_decref(v);
	}
	if (got.len != want.len || memcmp(buf_str(&got), buf_str(&want), got.len) != 0)
		abort();
	buf_free(&got);
	buf_free(&want);
	free(s);
	return 0;
}
