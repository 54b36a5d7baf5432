/*
 * render: diagnoses, query results and the rule base as text, Markdown, HTML
 * or JSON.
 *
 * Output goes into a caller-owned struct buf, so that the caller decides where
 * it lands (and can write a file atomically). Text and Markdown wrap prose at
 * RENDER_WIDTH columns. HTML is built as a libxml2 tree and serialised by it,
 * so everything taken from a log is escaped. JSON is built with jansson; its
 * keys are a promised interface (docs/json.md): keys may be added, never
 * renamed or removed.
 *
 * All strings in a diagnosis are valid UTF-8 already (diagnosis.h); rule base
 * strings are UTF-8 from libxml2.
 */
#ifndef KBDIAG_RENDER_H
#define KBDIAG_RENDER_H

#include <libxml/tree.h>

#include "util/buf.h"
#include "diagnosis.h"
#include "util/err.h"
#include "kb.h"
#include "query.h"
#include "render_format.h"
#include "render_sink.h"

#define RENDER_WIDTH	78

/* "text", "markdown" (or "md"), "html", "json"; 0 or -1 with err. */
int render_format_parse(const char *name, enum render_format *out, char err[ERR_LEN]);
const char *render_format_name(enum render_format f);

/* Each returns 0, or -1 with err when the output cannot be produced. */
int render_diagnosis(const struct diagnosis *d, enum render_format f, struct buf *out,
    char err[ERR_LEN]);
/*
 * The same; with explain set, text and Markdown also show how each confidence
 * came about, every probe with its transcript, and why each piece of evidence
 * was not checked (HTML and JSON always hold all of it).
 */
int render_diagnosis_explain(const struct diagnosis *d, enum render_format f,
    int explain, struct buf *out, char err[ERR_LEN]);
/*
 * The same, written as it is rendered: write(arg, p, n) gets the report in
 * order, a part of some hundred kilobytes at a time (whole incidents; HTML
 * in one part), so that a report of thousands of incidents is never held
 * whole. write returns 0, or nonzero to say the output failed (it keeps its
 * own error): nothing more is written. 0; -1 with err when the report cannot
 * be produced (parts may have been written); 1 when write failed.
 */
int render_diagnosis_stream(const struct diagnosis *d, enum render_format f, int explain,
    int (*write)(void *arg, const char *p, size_t n), void *arg, char err[ERR_LEN]);
/*
 * Word-wrap text for the text format (at 80 columns): the first line
 * continues at column col (where the caller left off), later lines start
 * with indent spaces; ends with a newline.
 */
void render_wrap(struct buf *out, const char *text, size_t col, size_t indent);
/*
 * What a diagnosis did not recognise (struct diag_summary): the lines of a
 * receiving server left out, and the error-looking lines that matched no
 * article grouped by program and shape, the biggest ten with a sample line
 * (the rest counted). Nothing when there are none. diagnose's summary and
 * kbdiag report's, in each format with the same words: text and Markdown
 * appended to out (text with wrap set: its sentences wrapped under a
 * two-space indent, as the report's summary; diagnose's are not), HTML under sec, JSON as the members unmatched_errors,
 * unmatched_samples, unmatched_server_lines, unmatched_groups and
 * unmatched_other of o (docs/json.md).
 */
void render_unmatched_text(struct buf *out, const struct diag_summary *sum, int wrap);
void render_unmatched_md(struct buf *out, const struct diag_summary *sum);
void render_unmatched_html(xmlNodePtr sec, const struct diag_summary *sum);
struct json_t;
void render_unmatched_json(struct json_t *o, const struct diag_summary *sum);
/* Markdown: text with every character Markdown or HTML would read escaped. */
void render_md_text(struct buf *out, const char *s);
/* Markdown: a code span that survives any backticks inside it. */
void render_md_code(struct buf *out, const char *s);
int render_query(const struct query_results *q, enum render_format f, struct buf *out,
    char err[ERR_LEN]);
/* The same, and with explain set, why each result scores what it does. */
int render_query_explain(const struct query_results *q, enum render_format f,
    int explain, struct buf *out, char err[ERR_LEN]);
/* The same written a result at a time, as render_diagnosis_stream(). */
int render_query_stream(const struct query_results *q, enum render_format f, int explain,
    render_write_fn write, void *arg, char err[ERR_LEN]);
/* kb test's report: one row per article, then the totals. */
struct lint_article;
struct lint_totals;
int render_kb_test(const struct kb *kb, const struct lint_article *rows,
    const struct lint_totals *t, enum render_format f, struct buf *out, char err[ERR_LEN]);

int render_kb_list(const struct kb *kb, enum render_format f, struct buf *out,
    char err[ERR_LEN]);
int render_kb_article(const struct kb *kb, const struct kb_article *a,
    enum render_format f, struct buf *out, char err[ERR_LEN]);

/* The plain text of a step (spans joined). Caller frees. */
char *render_step_text(const struct diag_step *s);
struct jw;
/* The incident's "not_checked" member, written by w (render_json.h). */
void render_json_not_checked(struct jw *w, const struct diag_incident *inc);
/* How to tell the step worked, as text ("" when the rule base says nothing). */
char *render_step_worked(const struct diag_step *s, int keep_code);
/* The step's first sentence (for the list of steps not needed). */
char *render_step_brief(const struct diag_step *s);
/*
 * An incident's plan in each format: the steps with what is done, what was
 * found and how to tell each worked, then the steps not needed and why
 * (plan.h). checklist: Markdown as "[ ]" / "[x]" items.
 */
void render_text_steps(struct buf *out, const struct diag_incident *inc);
void render_md_steps(struct buf *out, const struct diag_incident *inc, int checklist);
/*
 * The same for render_wrap(): the spaces inside a command stand for spaces
 * that must not break a line (render_wrap() writes them as spaces), so that
 * `telnet 127.0.0.1 25` stays on one line. Caller frees.
 */
char *render_step_wrappable(const struct diag_step *s);
/* HTML: the step's text under parent, its commands and files as <code>. */
void render_html_step(xmlNodePtr parent, const struct diag_step *s);
void render_html_steps(xmlNodePtr sec, const struct diag_incident *inc);
/* Markdown: the step, its commands and files as code spans. */
void render_md_step(struct buf *out, const struct diag_step *s);

#endif
