/*
 * render_probe: a probe round as text, Markdown, HTML or JSON, and probe
 * results to and from JSON (for the diagnosis JSON and --replay).
 *
 * The JSON of one result (docs/probes.md; keys may be added, never renamed):
 *   {"probe": "greeting", "source": "greeting", "status": "observed",
 *    "value": "ok", "target": "127.0.0.1:25", "detail": "220 ...",
 *    "transcript": ["S: 220 ..."], "elapsed_ms": 3}
 * value and target are null when absent. A round is
 *   {"host": ..., "port": 25, "address": ..., "elapsed_ms": ...,
 *    "results": [...], "failed": N}
 */
#ifndef KBDIAG_RENDER_PROBE_H
#define KBDIAG_RENDER_PROBE_H

#include <stddef.h>

#include <jansson.h>
#include <libxml/tree.h>

#include "util/buf.h"
#include "util/err.h"
#include "probe_result.h"
#include "render_format.h"

struct jw;

/* Append the round to out; 0, or -1 with err. */
int render_probe_round(const struct probe_round *r, enum render_format f, struct buf *out,
    char err[ERR_LEN]);

/*
 * Is result v[i] the same row as an earlier one of v (protocol-ini gives two
 * results, which say the same when the file is not there)? Renderers show
 * such a row once.
 */
int render_probe_repeated(const struct probe_result *v, size_t i);

/*
 * The results as an HTML table under parent (class "probes"): one row per
 * result but the repeated ones, a failed layer's row of class "failed" and
 * marked in its first cell, transcripts behind a <details>.
 */
void render_probe_html_table(xmlNodePtr parent, const struct probe_result *v, size_t n);

/* How many of the results ran (were not skipped). */
size_t render_probe_ran(const struct probe_result *v, size_t n);
/* "WHAT: reason; other reason." with each distinct reason of the results once. */
void render_probe_why_none(struct buf *t, const char *what, const struct probe_result *v,
    size_t n);

/* The results as a JSON array, written by w (render_json.h) at its place. */
void render_probe_results_jw(struct jw *w, const struct probe_result *r, size_t n);

/*
 * Read results back from such an array: 0 and *out (free with
 * probe_results_free()) and *n, or -1 with err naming the element and key
 * that is wrong. Strings are sanitized again (text.h), so a hand-edited file
 * cannot bring control characters into a report.
 */
int probe_results_from_json(const json_t *j, struct probe_result **out, size_t *n,
    char err[ERR_LEN]);

#endif
