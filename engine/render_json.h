/*
 * render_json: the end of every JSON document kbdiag writes (diagnose,
 * query, probe, report, fix, verify), so that all print alike: two-space
 * indents, keys in the order they were set, reals to 6 significant digits
 * (11.374, not 11.374000000000001), and a final newline. html_doc_end()
 * (html.h) is its HTML counterpart.
 */
#ifndef KBDIAG_RENDER_JSON_H
#define KBDIAG_RENDER_JSON_H

#include <jansson.h>

#include "util/buf.h"
#include "util/err.h"

/*
 * Append root, serialised, and a newline to out; takes root's reference
 * (decrefs it whether or not it could serialise it). 0, or -1 with err.
 */
int render_json_end(json_t *root, struct buf *out, char err[ERR_LEN]);

#endif
