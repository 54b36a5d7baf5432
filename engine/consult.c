#include "consult.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "rank.h"
#include "util/xmem.h"

/* Already observed in inc? */
static int
consult_observed(const struct diag_incident *inc, const char *source)
{
	size_t i;

	for (i = 0; i < inc->nobservations; i++)
		if (strcmp(inc->observations[i].source, source) == 0)
			return 1;
	return 0;
}

/* Is source e, or a value worked out from s (evidence.xml <derive>), e? */
static int
consult_bears_on(const struct kb_evidence_source *e, const struct kb_evidence_source *s)
{
	size_t i, j, k;

	if (e == s)
		return 1;
	for (i = 0; i < e->nvalues; i++)
		for (j = 0; j < e->values[i].nderives; j++)
			for (k = 0; k < e->values[i].derives[j].n; k++)
				if (e->values[i].derives[j].sources[k] == s)
					return 1;
	return 0;
}

/* Does a cause of inc's article name source, or a value worked out from it? */
static int
consult_named(const struct diag_incident *inc, const struct kb_evidence_source *s)
{
	const struct kb_article *a = inc->kb_article;
	size_t i, j;

	for (i = 0; a != NULL && i < a->ncauses; i++)
		for (j = 0; j < a->causes[i].cause->nevidence; j++)
			if (consult_bears_on(a->causes[i].cause->evidence[j].source, s))
				return 1;
	return 0;
}

/* L(c, v): how much more likely v is under cause c than under no cause. */
static double
consult_likelihood(const struct kb_cause *c, const struct kb_evidence_source *s,
    const struct kb_evidence_value *v)
{
	size_t i;

	for (i = 0; i < c->nevidence; i++) {
		const struct kb_evidence_item *e = &c->evidence[i];

		if (e->source != s || e->value != v)
			continue;
		if (e->excludes)
			return 0;
		return e->confirms ? e->weight : 1.0 / e->weight;
	}
	return 1;
}

/* Drop the observations from n on (a hypothesis), and rank inc again. */
static void
consult_undo(struct diag_incident *inc, size_t n, const struct kb *kb)
{
	while (inc->nobservations > n) {
		struct diag_observation *o = &inc->observations[--inc->nobservations];

		free(o->source);
		free(o->value);
		free(o->origin);
		free(o->detail);
	}
	rank_causes_kb(inc, kb);
}

/*
 * The expected change question s makes in incident inc; *changes set when
 * one answer changes the standing cause, *best to the largest change.
 */
static double
consult_incident(struct diag_incident *inc, const struct kb *kb,
    const struct kb_evidence_source *s, int *changes, double *best)
{
	const struct kb_article *a = inc->kb_article;
	char *top;
	double *p, total = 0, expected = 0, now;
	int out;
	size_t i, j, n0 = inc->nobservations;

	if (inc->ncauses == 0 || s->nvalues == 0)
		return 0;
	top = xstrdup(inc->causes[0].id);	/* the causes are ranked anew below */
	now = inc->causes[0].confidence;
	out = inc->causes[0].ruled_out;
	p = xcalloc(s->nvalues, sizeof(*p));
	for (i = 0; i < s->nvalues; i++) {
		for (j = 0; j < inc->ncauses; j++) {
			const struct kb_cause *c = NULL;
			size_t k;

			for (k = 0; k < a->ncauses; k++)
				if (strcmp(a->causes[k].cause->id, inc->causes[j].id) == 0)
					c = a->causes[k].cause;
			p[i] += inc->causes[j].confidence * (c ? consult_likelihood(c, s,
			    &s->values[i]) : 1.0);
		}
		total += p[i];
	}
	for (i = 0; i < s->nvalues && total > 0; i++) {
		double moved = 0;
		int first_changed = 0;

		if (p[i] <= 0)
			continue;
		/* The hypothesis: v observed (with what follows from it). */
		diag_observe(inc, s->id, s->values[i].id, "manual", NULL);
		evidence_derive(inc, kb);
		rank_causes_kb(inc, kb);
		for (j = 0; j < inc->ncauses; j++)
			if (strcmp(inc->causes[j].id, top) == 0) {
				moved = fabs(inc->causes[j].confidence - now);
				first_changed = j != 0 || inc->causes[j].ruled_out != out;
				break;
			}
		consult_undo(inc, n0, kb);
		if (first_changed)
			*changes = 1;
		if (moved > *best)
			*best = moved;
		expected += p[i] / total * moved;
	}
	free(p);
	free(top);
	return expected;
}

int
consult_next(struct diagnosis *d, const struct kb *kb, const char *const *asked,
    size_t nasked, struct consult_question *q)
{
	size_t si, i, k;
	int found = 0;

	memset(q, 0, sizeof(*q));
	for (si = 0; si < kb_source_count(kb); si++) {
		const struct kb_evidence_source *s = kb_source_at(kb, si);
		double value = 0, most = -1;
		size_t where = 0;
		int changes = 0, open = 0;

		if (s->kind != KB_SOURCE_MANUAL && s->question == NULL)
			continue;
		for (k = 0; k < nasked; k++)
			if (strcmp(asked[k], s->id) == 0)
				break;
		if (k < nasked)
			continue;
		for (i = 0; i < d->nincidents; i++) {
			struct diag_incident *inc = &d->incidents[i];
			double best = 0, v;

			if (inc->kb_article == NULL || consult_observed(inc, s->id) ||
			    !consult_named(inc, s))
				continue;
			open = 1;
			v = consult_incident(inc, kb, s, &changes, &best);
			value += v;
			if (best > most) {
				most = best;
				where = i;
			}
		}
		if (!open || !changes || (found && value <= q->value))
			continue;
		{
			const struct diag_incident *inc = &d->incidents[where];
			const struct kb_cause *c = kb_find_cause(kb, inc->causes[0].id);

			q->source = s;
			q->value = value;
			q->incident = where;
			q->cause_id = c ? c->id : NULL;
			q->cause_title = c ? c->title : NULL;
			q->confidence = inc->causes[0].confidence;
			q->best_change = most;
			found = 1;
		}
	}
	return found;
}
