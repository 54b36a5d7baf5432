/*
 * render_json: the end of a JSON document (render_json.h).
 */
#include "render_json.h"

#include <stdlib.h>

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
