/*
 * correlate: from matched log lines to incidents.
 *
 * An incident is one article at one peer: every line that matches a primary
 * or fallback symptom of the article, while the log names the same smart host,
 * counts towards the same incident (count, first and last time, where). A
 * symptom of severity info (a normal line) never makes an incident.
 *
 * A companion symptom (such as "SMTP_recv: system error" after "ERROR
 * Network_read: Lost network connection") counts only when it follows a
 * primary line of its article within CORRELATE_COMPANION_LINES lines of the
 * same log; such a line is then explained, and any other article for which it
 * is a primary symptom does not get an incident from it.
 *
 * Ownership: the correlator appends incidents to the diagnosis it was given
 * (which owns them); it keeps only indexes into it.
 */
#ifndef KBDIAG_CORRELATE_H
#define KBDIAG_CORRELATE_H

#include "diag.h"
#include "match.h"
#include "reader.h"

#define CORRELATE_COMPANION_LINES	3

struct correlator;

/* fallback: the peer to assume when the log names none (host may be NULL). */
struct correlator *correlate_new(struct diagnosis *d, const struct diag_peer *fallback);
void correlate_record(struct correlator *c, const struct reader_record *rec,
    const struct match_hit *hits, size_t nhits);
/* The log ended: companions never reach back into a previous log. */
void correlate_end_input(struct correlator *c);
void correlate_free(struct correlator *c);

#endif
