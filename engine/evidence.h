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

#include "diagnosis.h"
#include "kb.h"
#include "probe_result.h"

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
 * result with status observed whose SOURCE:VALUE the rule base declares,
 * but the failures the layered test of Q115492 does not weigh
 * (evidence_ladder_why()).
 */
void evidence_from_probes(struct diag_incident *inc, const struct probe_result *r,
    size_t n, const struct kb *kb);

/*
 * The layered test of Q115492 over a round's results r[0..n): the rule
 * base's sources with a layer are its rungs, from the PC's own loopback
 * outwards, and each value reaches the highest layer it shows working. A
 * failure of a rung is weighed only when it is the first one above every
 * layer that worked: below a layer that worked it is no failure (a ping a
 * router drops), and above the first failure it is that failure's
 * consequence. Returns why r[i] is not weighed (written into why), or NULL
 * when it is (or is no failure of a rung).
 */
const char *evidence_ladder_why(const struct kb *kb, const struct probe_result *r,
    size_t n, size_t i, char *why, size_t why_len);

/*
 * A line that says a message gave up (Q129239) is the consequence of the
 * failure whose retries it ended: it takes that incident's log observations
 * (after its own), and names it (inc->ended_*).
 */
void evidence_from_failure(struct diag_incident *inc, const struct diag_incident *failed);

/*
 * Values worked out from others (evidence.xml <derive>): each source not
 * observed yet whose derive rule holds is observed, with the rule as its
 * detail. Idempotent; run before ranking, after any new observation.
 */
void evidence_derive(struct diag_incident *inc, const struct kb *kb);

#endif
