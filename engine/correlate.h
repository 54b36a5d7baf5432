/*
 * correlate: from matched log lines to incidents.
 *
 * An incident is one article at one peer: every line that matches a primary
 * or fallback symptom of the article, while the log names the same smart host,
 * counts towards the same incident (count, first and last time, where). A
 * symptom of severity info (a normal line) never makes an incident.
 *
 * Each incident also keeps where in the SMTP session its first line happened
 * (phase, last command and reply, from the reader), how many of its lines
 * fell in each phase, and its rate over log time: lines per hour between the
 * first and the last, and whether it was "frequent" (the rule base's
 * frequency:frequent evidence: COUNT lines within WINDOW seconds of log
 * time, see correlate_set_frequency()).
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
#define CORRELATE_MAX_COUNT		16

struct correlator;

/* fallback: the peer to assume when the log names none (host may be NULL). */
struct correlator *correlate_new(struct diagnosis *d, const struct diag_peer *fallback);
/*
 * The frequency threshold: count lines (at most CORRELATE_MAX_COUNT) within
 * window seconds. Without it, no incident is frequent.
 */
void correlate_set_frequency(struct correlator *c, unsigned count, unsigned window);
void correlate_record(struct correlator *c, const struct reader_record *rec,
    const struct match_hit *hits, size_t nhits);
/* The log ended: companions never reach back into a previous log. */
void correlate_end_input(struct correlator *c);
void correlate_free(struct correlator *c);

#endif
