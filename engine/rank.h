/*
 * rank: weigh an incident's possible causes by the evidence, best first, with
 * a confidence and the reasons.
 *
 * Each cause starts from its prior in the article (normalised over the
 * article's causes) as log-odds. Every observation (diag_observation) that
 * the cause's evidence list names moves it by the rule base's likelihood
 * ratio: +ln(weight) when it confirms, -ln(weight) when it refutes. An
 * observation the cause does not name, and evidence nobody observed, move
 * nothing: unknown is not negative. The confidences are the resulting
 * weights normalised over the incident's causes (they add up to 1); a cause
 * whose evidence moved it down by RANK_RULED_OUT or more is ruled out.
 * Evidence that would have mattered but was not observed is listed in
 * inc->unchecked with the reason.
 *
 * When several articles explain the same log line (kb/overlaps.xml, shared
 * text), rank_diagnosis() also weighs the articles against each other: each
 * starts equal, takes the total weight of its causes, and each of the
 * overlap's deciders that was observed multiplies the article it points to
 * by RANK_DECIDER_WEIGHT. The result is inc->article_confidence, and the
 * better explained article's incident comes first among those that share the
 * line. docs/ranking.md has the whole model with a worked example.
 *
 * Ranking is a pure function of the observations and the rule base, so a
 * diagnosis read back from JSON ranks exactly as it did (--replay).
 */
#ifndef KBDIAG_RANK_H
#define KBDIAG_RANK_H

#include "diagnosis.h"
#include "kb.h"

#define RANK_DECIDER_WEIGHT	4.0
#define RANK_RULED_OUT		8.0	/* net likelihood ratio against a cause */

/*
 * Rank one incident's causes from inc->kb_article and inc->observations
 * (replacing earlier causes and unchecked lists; nothing when the article is
 * NULL). Returns the log of the incident's total weight (for comparing
 * articles), or 0 when it has no causes.
 */
double rank_causes(struct diag_incident *inc);
/* The same, with the rule base for the reasons of what was not checked. */
double rank_causes_kb(struct diag_incident *inc, const struct kb *kb);

/* Rank every incident, then the articles that share a line (see above). */
void rank_diagnosis(struct diagnosis *d, const struct kb *kb);

/* "evidence" when some evidence moved a cause, else "prior". */
const char *rank_basis(const struct diag_incident *inc);

#endif
