/*
 * render_json: the end of every JSON document kbdiag writes (diagnose,
 * query, probe, report, fix, verify), so that all print alike: two-space
 * indents, keys in the order they were set, reals to 6 significant digits
 * (11.374, not 11.374000000000001), and a final newline. html_doc_end()
 * (html.h) is its HTML counterpart; render_json_part() writes a document
 * a member or an element at a time.
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

/*
 * Append v as render_json_end() would print it at depth indent (in spaces,
 * at most 8) inside a larger document, without the newline, and decref it:
 * a document written part by part (render_sink.h) never holds its whole
 * tree. 0, or -1 with err.
 */
int render_json_part(struct buf *out, json_t *v, size_t indent, char err[ERR_LEN]);

/*
 * A top-level object written a member at a time, as render_json_end()
 * prints the whole: render_json_open() appends "{" and head's members (in
 * order; head is decref'd) and returns how many, or -1 with err;
 * render_json_key() starts member n (counted from 0) named key; an array
 * member's elements each go after render_json_element() (element i) and
 * render_json_part(..., 4, ...), and it ends with render_json_array_end()
 * (n elements); render_json_close() ends the object and the document.
 */
int render_json_open(struct buf *out, json_t *head, char err[ERR_LEN]);
void render_json_key(struct buf *out, size_t n, const char *key);
void render_json_element(struct buf *out, size_t i);
void render_json_array_end(struct buf *out, size_t n);
void render_json_close(struct buf *out, size_t n);

#endif
