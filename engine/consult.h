/*
 * consult: which question to ask the administrator next (kbdiag diagnose
 * --ask), by the value of information.
 *
 * The candidates are the evidence sources the causes of the incidents name
 * (directly, or through a value worked out from them, <derive>) that only a
 * person can answer (kind manual) or that the rule base gives a question for
 * (<question>), and that no incident has observed. For each,
 * and each incident whose causes name it, every value of the source is
 * weighed by how likely it is now: P(v) is proportional to the sum over the
 * causes of confidence(c) x L(c, v), where L is the rule base's likelihood
 * ratio (weight when c's evidence confirms v, 1/weight when it refutes it,
 * 0 when v excludes c, 1 when c says nothing about v). The incident is
 * ranked again with v observed, and the change is how far the confidence of
 * the cause that stands first now moves. The value of the question is the
 * expected change, summed over the incidents. Only a question one of whose
 * answers would change the standing cause (another cause first, or the
 * first one ruled out or back in) is asked; when none would, asking stops.
 */
#ifndef KBDIAG_CONSULT_H
#define KBDIAG_CONSULT_H

#include "diagnosis.h"
#include "kb.h"

struct consult_question {
	const struct kb_evidence_source	*source;
	double				 value;		/* expected change, 0..n */
	/* The incident it moves most, and its standing cause now: */
	size_t				 incident;
	const char			*cause_id;
	const char			*cause_title;
	double				 confidence;
	double				 best_change;	/* the largest change one
							   answer makes there */
};

/*
 * The most useful question not in asked[0..nasked) (source ids): 1 with *q
 * filled, 0 when no answer to any question could change a standing cause.
 * d's ranking is left as it was.
 */
int consult_next(struct diagnosis *d, const struct kb *kb, const char *const *asked,
    size_t nasked, struct consult_question *q);

#endif
