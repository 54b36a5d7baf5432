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
 * Ownership: the render_history_json*() functions return new references; the history
 * render_history_from_json() makes is the caller's (diag_history_clear()
 * each entry, then free the array).
 */
#ifndef KBDIAG_RENDER_HISTORY_H
#define KBDIAG_RENDER_HISTORY_H

#include <stddef.h>

#include <jansson.h>

#include "diagnosis.h"
#include "util/err.h"

#define HISTORY_MAX_ITEMS	1000	/* observations, steps, fixes per entry */
/* Incidents (verdicts) per entry: one per incident a diagnosis holds, so that
 * kbdiag reads back what verify wrote after a diagnosis at the cap. */
#define HISTORY_MAX_VERDICTS	DIAG_MAX_INCIDENTS

json_t *render_history_json(const struct diag_history *h, size_t n);
/*
 * The same in pieces, for a writer that goes a verdict at a time
 * (render_json_part()): one entry's object without its "incidents" (its
 * members before them, in order), and one verdict, an element of
 * "incidents". New references.
 */
json_t *render_history_json_head(const struct diag_history *h);
json_t *render_history_verdict_json(const struct diag_verdict *v);
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
