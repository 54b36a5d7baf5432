#include "rank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "evidence.h"
#include "util/xmem.h"

static const struct diag_observation *
rank_observed(const struct diag_incident *inc, const char *source)
{
	size_t i;

	for (i = 0; i < inc->nobservations; i++)
		if (strcmp(inc->observations[i].source, source) == 0)
			return &inc->observations[i];
	return NULL;
}

/* Why the log shows nothing of a log source, as near as it can be told. */
static const char *
rank_log_why(const struct diag_incident *inc, const struct kb_evidence_source *s)
{
	int gateway = inc->origin == NULL || strcmp(inc->origin, "gateway") == 0;

	if (strcmp(s->id, "socket") == 0)
		return inc->origin != NULL && strcmp(inc->origin, "smtpgw") == 0 ?
		    "the event's errno and TCP_INFO snapshot do not tell" :
		    "only smtpgw's events record the socket's state (TCP_INFO)";
	if (strcmp(s->id, "transcript") == 0)
		return gateway && inc->greeting == NULL && inc->helo == NULL ?
		    "the log has no transcript of the session ([tx]/[rx] lines, -LACSY)" :
		    "the session's transcript shows none of these";
	if (strcmp(s->id, "gateway-version") == 0)
		return gateway ? "the log has no start-up banner naming the version" :
		    "only the gateway's start-up banner names it";
	if (strcmp(s->id, "connection") == 0)
		return "the line does not say what happened to the connection";
	if (strcmp(s->id, "delivery") == 0)
		return "no message that failed here is delivered later in the log";
	if (strcmp(s->id, "phase") == 0 && inc->phase == NULL)
		return "the log does not show where in the session it failed";
	return "the log does not show it";
}

/* Why a source nobody observed was not observed (why: room for one). */
static const char *
rank_unchecked_why(const struct diag_incident *inc, const struct kb_evidence_source *s,
    const struct kb *kb, char *why, size_t why_len)
{
	size_t i;

	for (i = 0; i < inc->nprobes; i++) {
		if (inc->probes[i].source == NULL || strcmp(inc->probes[i].source, s->id) != 0)
			continue;
		if (inc->probes[i].status == PROBE_OBSERVED &&
		    evidence_ladder_why(kb, inc->probes, inc->nprobes, i, why, why_len))
			return why;
		if (inc->probes[i].detail != NULL && inc->probes[i].status != PROBE_OBSERVED)
			return inc->probes[i].detail;
	}
	for (i = 0; i < s->nvalues; i++)
		if (s->values[i].nderives > 0)
			return "worked out from other evidence (evidence.xml), which was not "
			    "observed";
	switch (s->kind) {
	case KB_SOURCE_PROBE:
		return inc->nprobes ? "no probe of this round looks at it" :
		    "no live probes ran";
	case KB_SOURCE_FILE:
		return inc->nprobes ? "not found among the DOS client's files" :
		    "the DOS client's files were not read (--dos-root)";
	case KB_SOURCE_LOG:
		return rank_log_why(inc, s);
	case KB_SOURCE_MANUAL:
		break;
	}
	return "only the administrator can check it (--observe, --answers, --ask)";
}

/*
 * The unchecked list as rank_weigh_causes() builds it: each source once,
 * told by its rule-base record (one per id), in room made once for every
 * evidence item of the article (a search by name and an array grown by one
 * for each of some 50 items an incident was most of ranking's cost at
 * 10,000 incidents).
 */
struct rank_unchecked_set {
	const struct kb_evidence_source	**src;	/* of inc->unchecked[i] */
	size_t				  cap;
};

static void
rank_unchecked(struct diag_incident *inc, struct rank_unchecked_set *set,
    const struct kb_evidence_source *s, const struct kb *kb)
{
	struct diag_unchecked *u;
	char why[320];
	size_t i;

	for (i = 0; i < inc->nunchecked; i++)
		if (set->src[i] == s)
			return;
	if (inc->nunchecked == set->cap) {	/* cannot happen: room for every item */
		set->cap = 2 * set->cap + 8;
		set->src = xrealloc(set->src, set->cap * sizeof(*set->src));
		inc->unchecked = xrealloc(inc->unchecked, set->cap * sizeof(*inc->unchecked));
	}
	set->src[inc->nunchecked] = s;
	u = &inc->unchecked[inc->nunchecked++];
	/* borrowed until packed (diag_unchecked_pack()) */
	u->source = (char *)s->id;
	u->title = (char *)s->title;
	u->why = xstrdup(rank_unchecked_why(inc, s, kb, why, sizeof(why)));
}

/*
 * Weigh one cause: fills c->evidence and returns its net log-odds change;
 * -HUGE_VAL when an observation excludes it.
 */
static double
rank_weigh(struct diag_incident *inc, struct rank_unchecked_set *set,
    const struct kb_cause *kc, struct diag_cause *c, const struct kb *kb)
{
	const struct diag_observation *o;
	double net = 0;
	int excluded = 0;
	size_t i;

	for (i = 0; i < kc->nevidence; i++) {
		const struct kb_evidence_item *it = &kc->evidence[i];
		struct diag_evidence *e;
		size_t len;

		if ((o = rank_observed(inc, it->source->id)) == NULL) {
			rank_unchecked(inc, set, it->source, kb);
			continue;
		}
		if (strcmp(o->value, it->value->id) != 0)
			continue;
		c->evidence = xrealloc(c->evidence, (c->nevidence + 1) * sizeof(*c->evidence));
		e = &c->evidence[c->nevidence++];
		len = strlen(it->source->id) + strlen(it->value->id) + 2;
		e->ref = xmalloc(len);
		snprintf(e->ref, len, "%s:%s", it->source->id, it->value->id);
		e->confirms = it->confirms;
		e->excludes = it->excludes;
		e->weight = it->weight;
		e->log_odds = it->excludes ? 0 : it->confirms ? log(it->weight) : -log(it->weight);
		e->why = xstrdup_or_null(it->why);
		e->origin = xstrdup(o->origin);
		e->detail = xstrdup_or_null(o->detail);
		net += e->log_odds;
		excluded |= it->excludes;
	}
	return excluded ? -HUGE_VAL : net;
}

static void
rank_clear(struct diag_incident *inc)
{
	diag_list_release(inc, inc->causes);
	inc->causes = NULL;
	inc->ncauses = 0;
	diag_list_release(inc, inc->unchecked);
	inc->unchecked = NULL;
	inc->nunchecked = 0;
}

double
rank_causes(struct diag_incident *inc)
{
	return rank_causes_kb(inc, NULL);
}

static double rank_weigh_causes(struct diag_incident *inc, const struct kb *kb);

double
rank_causes_kb(struct diag_incident *inc, const struct kb *kb)
{
	double r = rank_weigh_causes(inc, kb);

	/* complete: each list in one allocation (diagnosis.h) */
	inc->causes = diag_causes_pack(inc->causes, inc->ncauses, inc->strings);
	inc->unchecked = diag_unchecked_pack(inc->unchecked, inc->nunchecked, inc->strings);
	return r;
}

static double
rank_weigh_causes(struct diag_incident *inc, const struct kb *kb)
{
	const struct kb_article *a = inc->kb_article;
	struct rank_unchecked_set set = { NULL, 0 };
	double total = 0, top = -HUGE_VAL, sum = 0, *score;
	size_t i, j;

	rank_clear(inc);
	inc->article_confidence = 1;
	if (a == NULL || a->ncauses == 0)
		return 0;
	for (i = 0; i < a->ncauses; i++) {
		total += a->causes[i].prior;
		set.cap += a->causes[i].cause->nevidence;
	}
	/* filled as they come (not zeroed: some 50 items an incident) */
	set.src = xmalloc((set.cap + 1) * sizeof(*set.src));
	inc->unchecked = xmalloc((set.cap + 1) * sizeof(*inc->unchecked));
	inc->causes = xcalloc(a->ncauses, sizeof(*inc->causes));
	inc->ncauses = a->ncauses;
	score = xcalloc(a->ncauses, sizeof(*score));
	for (i = 0; i < a->ncauses; i++) {
		struct diag_cause *c = &inc->causes[i];
		double net;

		c->id = xstrdup(a->causes[i].cause->id);
		c->title = xstrdup(a->causes[i].cause->title);
		c->prior = a->causes[i].prior / total;
		net = rank_weigh(inc, &set, a->causes[i].cause, c, kb);
		c->ruled_out = net <= -log(RANK_RULED_OUT) + 1e-9;
		score[i] = log(c->prior) + net;
		if (score[i] > top)
			top = score[i];
	}
	free(set.src);
	if (top == -HUGE_VAL) {
		/* Every cause excluded: none holds, and the article weighs nothing. */
		for (i = 0; i < a->ncauses; i++)
			inc->causes[i].confidence = 0;
		free(score);
		return -HUGE_VAL;
	}
	for (i = 0; i < a->ncauses; i++)
		sum += exp(score[i] - top);
	for (i = 0; i < a->ncauses; i++)
		inc->causes[i].confidence = exp(score[i] - top) / sum;
	/*
	 * One cause has no other in its article to be weighed against: the
	 * alternative is that the article does not apply. It keeps 100% while
	 * the evidence is for it or silent, and falls with the evidence
	 * against it: 1/L for a net L to 1 against.
	 */
	if (a->ncauses == 1 && score[0] < 0)
		inc->causes[0].confidence = exp(score[0]);
	free(score);
	/* Insertion sort, because it is stable: equals keep the KB's order. */
	for (i = 1; i < inc->ncauses; i++) {
		struct diag_cause t = inc->causes[i];

		for (j = i; j > 0 && inc->causes[j - 1].confidence < t.confidence; j--)
			inc->causes[j] = inc->causes[j - 1];
		inc->causes[j] = t;
	}
	return top + log(sum);
}

/*
 * Do two incidents come from the same line, explained by two articles that
 * the rule base says share its text? (The same file and line number alone
 * is not enough: a followed log that was truncated starts again at line 1.)
 */
static int
rank_same_line(const struct kb *kb, const struct diag_incident *x,
    const struct diag_incident *y)
{
	const struct kb_overlap *o;

	return kb != NULL && x->kb_article != NULL && y->kb_article != NULL &&
	    x->nlocations && y->nlocations &&
	    x->locations[0].line == y->locations[0].line &&
	    strcmp(x->locations[0].file, y->locations[0].file) == 0 &&
	    (o = kb_find_overlap(kb, x->kb_article->id, y->kb_article->id)) != NULL &&
	    strcmp(o->kind, "shared-text") == 0;
}

/* ln of RANK_DECIDER_WEIGHT for each observed decider that points at inc's article. */
static double
rank_deciders(const struct kb *kb, const struct diag_incident *inc,
    const struct diag_incident *other)
{
	const struct kb_overlap *o;
	const struct diag_observation *obs;
	double bonus = 0;
	size_t i;

	if (kb == NULL || inc->kb_article == NULL || other->kb_article == NULL ||
	    (o = kb_find_overlap(kb, inc->kb_article->id, other->kb_article->id)) == NULL)
		return 0;
	for (i = 0; i < o->ndeciders; i++) {
		const struct kb_decider *dc = &o->deciders[i];

		if (dc->article == NULL || strcasecmp(dc->article, inc->kb_article->id) != 0 ||
		    (obs = rank_observed(inc, dc->source->id)) == NULL ||
		    strcmp(obs->value, dc->value->id) != 0)
			continue;
		bonus += log(RANK_DECIDER_WEIGHT);
	}
	return bonus;
}

void
rank_diagnosis(struct diagnosis *d, const struct kb *kb)
{
	double *w;
	size_t i, j, k, end;

	if (d->nincidents == 0)
		return;
	w = xcalloc(d->nincidents, sizeof(*w));
	for (i = 0; i < d->nincidents; i++)
		w[i] = rank_causes_kb(&d->incidents[i], kb);
	/* Incidents are in order of first appearance: a shared line is a run. */
	for (i = 0; i < d->nincidents; i = end) {
		double top = -HUGE_VAL, sum = 0, *s;

		for (end = i + 1; end < d->nincidents &&
		    rank_same_line(kb, &d->incidents[i], &d->incidents[end]); end++)
			;
		if (end - i < 2)
			continue;
		s = xcalloc(end - i, sizeof(*s));
		for (j = i; j < end; j++) {
			s[j - i] = w[j];
			for (k = i; k < end; k++)
				if (k != j)
					s[j - i] += rank_deciders(kb, &d->incidents[j],
					    &d->incidents[k]);
			if (s[j - i] > top)
				top = s[j - i];
		}
		for (j = i; j < end; j++)
			sum += top == -HUGE_VAL ? 1 : exp(s[j - i] - top);
		for (j = i; j < end; j++)
			d->incidents[j].article_confidence = top == -HUGE_VAL ? 1 / sum :
			    exp(s[j - i] - top) / sum;
		free(s);
		/* Stable: the better explained article first, else log order. */
		for (j = i + 1; j < end; j++) {
			struct diag_incident t = d->incidents[j];

			for (k = j; k > i && d->incidents[k - 1].article_confidence <
			    t.article_confidence; k--)
				d->incidents[k] = d->incidents[k - 1];
			d->incidents[k] = t;
		}
	}
	free(w);
}

const char *
rank_basis(const struct diag_incident *inc)
{
	size_t i;

	for (i = 0; i < inc->ncauses; i++)
		if (inc->causes[i].nevidence)
			return "evidence";
	return "prior";
}
