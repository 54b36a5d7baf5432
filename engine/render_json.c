/*
 * render_json: the end of a JSON document (render_json.h).
 */
#include "render_json.h"

#include <stdlib.h>
#include <string.h>

int
render_json_end(json_t *root, struct buf *out, char err[ERR_LEN])
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(6));

	json_decref(root);
	if (s == NULL)
		return err_set(err, "cannot serialise the JSON output");
	buf_puts(out, s);
	buf_putc(out, '\n');
	free(s);
	return 0;
}

int
render_json_part(struct buf *out, json_t *v, size_t indent, char err[ERR_LEN])
{
	static const char spaces[] = "        ";
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6) |
	    JSON_ENCODE_ANY);
	const char *p, *nl;

	json_decref(v);
	if (s == NULL)
		return err_set(err, "cannot serialise the JSON output");
	if (indent > sizeof(spaces) - 1)
		indent = sizeof(spaces) - 1;
	for (p = s; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		buf_append(out, p, (size_t)(nl - p) + 1);
		buf_append(out, spaces, indent);
	}
	buf_puts(out, p);
	free(s);
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
