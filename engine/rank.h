/*
 * rank: order an incident's possible causes, best first, with a confidence.
 *
 * Each cause starts from the prior its article gives it in the rule base;
 * confidences are the priors normalised over the article's causes, and ties
 * keep the article's order. Evidence from live probes (when the prober
 * exists) will move these by likelihood ratios in log-odds space; until then
 * every cause's evidence list is empty and rank_basis() says "prior".
 */
#ifndef KBDIAG_RANK_H
#define KBDIAG_RANK_H

#include "diag.h"

/* Fill inc->causes from inc->kb_article (nothing when that is NULL). */
void rank_causes(struct diag_incident *inc);

/* How the confidences of a ranked incident were arrived at, for display. */
const char *rank_basis(const struct diag_incident *inc);

#endif
