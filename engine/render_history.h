/*
 * render_history: the history of a saved diagnosis (what each kbdiag verify
 * saw and concluded, diagnosis.h struct diag_history) as JSON, both ways:
 * written by the diagnosis's JSON (render.h) and read back by replay
 * (replay.h), so that a history survives diagnose --replay and report byte
 * for byte. The keys are in docs/json.md ("history").
 *
 * Reading treats the JSON as untrusted: every string is sanitised for
 * display (text.h) and bounded, counts are capped, an outcome must be one of
 * fixed, not-fixed, inconclusive; a malformed entry is an error naming its
 * index and key.
 *
 * Ownership: the history render_history_from_json() makes is the caller's
 * (diag_history_clear() each entry, then free the array).
 */
#ifndef KBDIAG_RENDER_HISTORY_H
#define KBDIAG_RENDER_HISTORY_H

#include <stddef.h>

#include <jansson.h>

#include "diagnosis.h"
#include "render_json.h"
#include "render_sink.h"
#include "util/err.h"

#define HISTORY_MAX_ITEMS	1000	/* observations, steps, fixes per entry */
/* Incidents (verdicts) per entry: one per incident a diagnosis holds, so that
 * kbdiag reads back what verify wrote after a diagnosis at the cap. */
#define HISTORY_MAX_VERDICTS	DIAG_MAX_INCIDENTS

/*
 * Written by the JSON writer (render_json.h) w, never held as a tree:
 * render_history_jw() writes the history (n entries) as a value at w's
 * place, handing out to sink (render_sink.h; NULL: held) between verdicts;
 * for a writer of its own (verify's JSON), render_history_head_jw() writes
 * an entry's members before "incidents" (in order) into the object w has
 * open, and render_history_verdict_jw() one verdict, an element of
 * "incidents".
 */
void render_history_jw(struct jw *w, const struct diag_history *h, size_t n,
    struct render_sink *sink);
void render_history_head_jw(struct jw *w, const struct diag_history *h);
void render_history_verdict_jw(struct jw *w, const struct diag_verdict *v);
int render_history_from_json(const json_t *j, struct diag_history **out, size_t *n,
    char err[ERR_LEN]);

/* One entry (history[index], for messages) into *h; on an error the caller
 * clears h (diag_history_clear()). */
int render_history_entry_from_json(const json_t *o, size_t index, struct diag_history *h,
    char err[ERR_LEN]);

/*
 * One verdict (an element of the entry's "incidents") of history[index]
 * into h->verdicts[h->nverdicts++], which the caller allocated; for a reader
 * that goes a verdict at a time (replay), after the entry without its
 * "incidents" went through render_history_entry_from_json(). On an error the
 * caller clears h.
 */
int render_history_verdict_from_json(const json_t *o, size_t index, struct diag_history *h,
    char err[ERR_LEN]);

/* "fixed", "not-fixed", "inconclusive": is s one of them? */
int render_history_outcome_valid(const char *s);

#endif
