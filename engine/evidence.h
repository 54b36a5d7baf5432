/*
 * evidence: what an incident shows, as the rule base's SOURCE:VALUE
 * observations (kb/evidence.xml), from its own log lines and from a probe
 * round. The ranker (rank.h) weighs them; this module only says what holds.
 *
 * Only values the rule base declares are recorded, so that a rule base
 * without a source simply never sees it.
 */
#ifndef KBDIAG_EVIDENCE_H
#define KBDIAG_EVIDENCE_H

#include "diag.h"
#include "kb.h"
#include "probe.h"

/* Bytes of data sent and not acknowledged, from a snapshot; -1 if unknown. */
long long evidence_unacked_bytes(const struct reader_tcp *t);

/*
 * What the socket said, as a value of the "socket" source ("reset",
 * "acked-unanswered", "unacked-retransmits"), or NULL when the snapshot and
 * the errno do not tell. With why, a sentence saying what was seen is written
 * there (why_len bytes).
 */
const char *evidence_socket_value(const char *errno_name, int has_tcp,
    const struct reader_tcp *t, char *why, size_t why_len);

/* Observations from the incident's log lines: phase, frequency, socket, transcript. */
void evidence_from_log(struct diag_incident *inc, const struct kb *kb);

/*
 * Observations from a probe round (copied into inc->probes as well): every
 * result with status observed whose SOURCE:VALUE the rule base declares.
 */
void evidence_from_probes(struct diag_incident *inc, const struct probe_result *r,
    size_t n, const struct kb *kb);

#endif
