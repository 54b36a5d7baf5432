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

/*
 * The writer: a JSON document written straight into a struct buf, the same
 * bytes json_dumps() (with the flags of render_json_end()) would print of
 * the same tree, without building one. A renderer opens objects and arrays,
 * names each member with jw_key() and writes its value; the writer puts
 * the separators, newlines and indents where jansson does ("{}" and "[]"
 * when empty). Strings are escaped as jansson escapes them: '"', '\\' and
 * the C0 controls (\b \f \n \r \t, the others \u00XX), '/' and every other
 * character (non-ASCII included) as they are. A string that is not valid
 * UTF-8 (jansson would refuse it) is first made safe by text_sanitize()
 * (util/text.h: invalid bytes and controls as \xNN, trimmed), as
 * render_jstr() did before; NULL is written null. Reals are rounded as
 * jansson's JSON_REAL_PRECISION(6) prints them (%.6g, with ".0" when that
 * looks like an integer; a value that is not finite, which jansson cannot
 * hold, as null). jw_tree() writes a jansson value at the current
 * place, for the parts still built as trees (history, probes).
 *
 * A writer never fails: the buffer grows or the process exits (buf.h).
 */
#define JW_DEPTH	64

struct jw {
	struct buf	*out;
	size_t		 base;		/* indent of the outermost level, in levels */
	size_t		 depth;		/* open objects and arrays */
	size_t		 n[JW_DEPTH];	/* members or elements written at each */
	char		 close[JW_DEPTH];	/* and its closing bracket */
	int		 keyed;		/* a key was just written: its value follows */
};

/* A writer appending to out, at base levels of indent (a part of a document
 * that is written at depth base, as render_json_part() with indent 2 * base). */
void jw_init(struct jw *w, struct buf *out, size_t base);
void jw_obj(struct jw *w);
void jw_arr(struct jw *w);
void jw_end(struct jw *w);		/* closes the innermost object or array */
void jw_key(struct jw *w, const char *key);	/* key: a literal, no escaping needed */
void jw_str(struct jw *w, const char *s);	/* NULL: null */
void jw_strn(struct jw *w, const char *s, size_t n);	/* n bytes, NULs included (valid UTF-8 or sanitised) */
void jw_int(struct jw *w, long long v);
void jw_real(struct jw *w, double v);
void jw_bool(struct jw *w, int v);
void jw_null(struct jw *w);
/* v written at this place, as json_dumps() would; v is not decref'd. */
void jw_tree(struct jw *w, json_t *v);
/* Members and elements: */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, long long v);

/* s (n bytes) as a JSON string, quoted, escaped as above, appended to out. */
void jw_escape(struct buf *out, const char *s, size_t n);

#endif
