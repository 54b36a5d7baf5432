/*
 * render_report: the fix report of a diagnosis (`kbdiag report`) and the
 * edits of a fix plan (`kbdiag fix`), as text, Markdown, HTML or JSON.
 *
 * The report starts with a summary (incidents, the causes that stand, the
 * edits proposed), then per incident: the article and error, when and how
 * often, the smart host, the cause that stands (the first not ruled out)
 * with its confidence and the evidence for and against, what was not
 * checked, the steps as a numbered checklist, and the proposed edits with
 * their diff (fix.h). HTML is a libxml2 tree (escaped by construction), JSON
 * is built with jansson (keys in docs/json.md, "Fix report").
 *
 * Output is appended to a caller-owned struct buf; each function returns 0,
 * or -1 with err when the output cannot be produced. Each _stream variant
 * writes the same bytes as they are rendered instead, a part at a time
 * (render_sink.h: an incident, a verdict, an edit), so that a report of
 * thousands of incidents is never held whole: 0; -1 with err when the
 * output cannot be produced (parts may have been written); 1 when write
 * failed (it keeps its own error) and nothing more was written.
 */
#ifndef KBDIAG_RENDER_REPORT_H
#define KBDIAG_RENDER_REPORT_H

#include "util/buf.h"
#include "diagnosis.h"
#include "util/err.h"
#include "fix.h"
#include "render.h"
#include "render_sink.h"

/* The whole fix report of d; plan may be NULL (no edits looked at). */
int render_report(const struct diagnosis *d, const struct fix_plan *plan,
    enum render_format f, struct buf *out, char err[ERR_LEN]);
int render_report_stream(const struct diagnosis *d, const struct fix_plan *plan,
    enum render_format f, render_write_fn write, void *arg, char err[ERR_LEN]);

/*
 * `kbdiag verify`: the entry verify_run() appended to d's history (verify.h),
 * with where it was recorded (the diagnosis file, or NULL: not recorded).
 */
int render_verify(const struct diag_history *h, const char *recorded_in,
    enum render_format f, struct buf *out, char err[ERR_LEN]);
int render_verify_stream(const struct diag_history *h, const char *recorded_in,
    enum render_format f, render_write_fn write, void *arg, char err[ERR_LEN]);

/* `kbdiag fix --dry-run`: the plan's edits as diffs, its notes and warnings. */
int render_fix_plan(const struct fix_plan *plan, enum render_format f, struct buf *out,
    char err[ERR_LEN]);
int render_fix_plan_stream(const struct fix_plan *plan, enum render_format f,
    render_write_fn write, void *arg, char err[ERR_LEN]);

#endif
