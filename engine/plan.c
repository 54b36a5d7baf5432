#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/peer.h"
#include "util/xmem.h"

/* Spans under construction: adjacent text of the same kind merges. */
struct plan_spans {
	struct diag_span	*v;
	size_t			 n, cap;
};

static void
plan_add(struct plan_spans *s, int code, const char *text)
{
	struct buf b = BUF_INIT;

	if (text[0] == '\0')
		return;
	if (s->n && s->v[s->n - 1].code == code) {
		buf_puts(&b, s->v[s->n - 1].text);
		buf_puts(&b, text);
		free(s->v[s->n - 1].text);
		s->v[s->n - 1].text = buf_detach(&b);
		return;
	}
	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	s->v[s->n].code = code;
	s->v[s->n].text = xstrdup(text);
	s->n++;
}

/* A value of the incident, or the placeholder for code or prose. */
static const char *
plan_or(const char *v, int code, const char *code_text, const char *prose)
{
	if (v != NULL && v[0] != '\0')
		return v;
	return code ? code_text : prose;
}

/* Step text with the incident's values in its placeholders. */
static void
plan_fill(const struct diag_incident *inc, const struct kb_part *parts, size_t nparts,
    struct plan_spans *spans)
{
	const char *host = inc->peer.host;
	char port[16];
	size_t i;

	for (i = 0; i < nparts; i++) {
		const struct kb_part *p = &parts[i];

		switch (p->kind) {
		case KB_PART_TEXT:
			plan_add(spans, p->code, p->text);
			break;
		case KB_PART_PEER_HOST:
			plan_add(spans, p->code, plan_or(host, p->code,
			    PLAN_UNKNOWN_HOST_CODE, PLAN_UNKNOWN_HOST_TEXT));
			break;
		case KB_PART_PEER_ADDRESS:
			plan_add(spans, p->code, plan_or(inc->peer.address ? inc->peer.address :
			    host, p->code, PLAN_UNKNOWN_HOST_CODE, PLAN_UNKNOWN_HOST_TEXT));
			break;
		case KB_PART_PEER_PORT:
			snprintf(port, sizeof(port), "%u",
			    inc->peer.port ? inc->peer.port : PEER_SMTP_PORT);
			plan_add(spans, p->code, port);
			break;
		case KB_PART_QUEUE_ID:
			plan_add(spans, p->code, plan_or(inc->nqueue_ids ? inc->queue_ids[0] :
			    NULL, p->code, PLAN_UNKNOWN_QUEUE_CODE, PLAN_UNKNOWN_QUEUE_TEXT));
			break;
		case KB_PART_FIRST_SEEN:
			plan_add(spans, p->code, plan_or(inc->first_seen, p->code,
			    PLAN_UNKNOWN_TIME_CODE, PLAN_UNKNOWN_TIME_TEXT));
			break;
		case KB_PART_LAST_SEEN:
			plan_add(spans, p->code, plan_or(inc->last_seen, p->code,
			    PLAN_UNKNOWN_TIME_CODE, PLAN_UNKNOWN_TIME_TEXT));
			break;
		}
	}
}

static const struct diag_observation *
plan_observed(const struct diag_incident *inc, const char *source)
{
	size_t i;

	for (i = 0; i < inc->nobservations; i++)
		if (strcmp(inc->observations[i].source, source) == 0)
			return &inc->observations[i];
	return NULL;
}

/* "yours: DETAIL" (or the observation itself when it has no detail). */
static char *
plan_yours(const struct diag_observation *o, int with_ref)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "yours: ");
	if (o->detail != NULL && o->detail[0] != '\0') {
		buf_puts(&b, o->detail);
		if (with_ref)
			buf_printf(&b, " (%s:%s)", o->source, o->value);
	} else
		buf_printf(&b, "%s:%s", o->source, o->value);
	return buf_detach(&b);
}

/* Done, or what was found, from the step's condition (kb.h). */
static void
plan_condition(const struct diag_incident *inc, const struct kb_step *ks, struct diag_step *st)
{
	const struct diag_observation *o;
	struct buf ref = BUF_INIT;

	if (ks->done_source == NULL)
		return;
	if ((o = plan_observed(inc, ks->done_source->id)) == NULL) {
		size_t i;

		/*
		 * Read but not told (a TCPTSR.EXE whose size and date disagree):
		 * what was seen still belongs in the step.
		 */
		for (i = 0; i < inc->nprobes; i++) {
			const struct probe_result *r = &inc->probes[i];

			if (r->status == PROBE_ERROR && r->source != NULL &&
			    strcmp(r->source, ks->done_source->id) == 0 &&
			    r->detail != NULL && r->detail[0] != '\0') {
				buf_printf(&ref, "yours: %s (%s: not told)", r->detail, r->source);
				st->found = buf_detach(&ref);
				return;
			}
		}
		return;
	}
	if (ks->done_value == NULL || strcmp(ks->done_value->id, o->value) == 0) {
		buf_printf(&ref, "%s:%s", o->source, o->value);
		st->done_ref = buf_detach(&ref);
		st->done = plan_yours(o, 0);
	} else
		st->found = plan_yours(o, 1);
}

/*
 * A step done by its own condition whose needed step (needs="ID") is not
 * done takes no effect yet (ForcePushBit=1 under a TCPTSR.EXE older than
 * 2.2b): not done, and what was found says both.
 */
static void
plan_needs(const struct diag_incident *inc, const struct kb_step *ks, struct diag_step *st)
{
	const struct kb_step *need;
	struct diag_step ns;
	struct buf b = BUF_INIT;

	if (st->done == NULL || ks->needs_id == NULL || inc->kb_article == NULL ||
	    (need = kb_article_step(inc->kb_article, ks->needs_id)) == NULL)
		return;
	memset(&ns, 0, sizeof(ns));
	plan_condition(inc, need, &ns);
	if (ns.done == NULL) {
		buf_printf(&b, "%s, but without effect until the step it needs is done (%s)",
		    st->done, need->id);
		free(st->found);
		st->found = buf_detach(&b);
		free(st->done);
		free(st->done_ref);
		st->done = st->done_ref = NULL;
	}
	free(ns.done);
	free(ns.done_ref);
	free(ns.found);
}

static void
plan_step(const struct diag_incident *inc, const struct kb_step *ks, struct diag_step *st)
{
	struct plan_spans spans = { 0 }, worked = { 0 };
	size_t i;

	st->id = xstrdup(ks->id);
	plan_fill(inc, ks->parts, ks->nparts, &spans);
	st->spans = spans.v;
	st->nspans = spans.n;
	/* How to tell it worked: the step's own words, else its fix's check. */
	if (ks->nworked)
		plan_fill(inc, ks->worked, ks->nworked, &worked);
	else if (ks->fix != NULL && ks->fix->verify != NULL)
		plan_add(&worked, 0, ks->fix->verify);
	st->worked = worked.v;
	st->nworked = worked.n;
	st->addresses = xcalloc(ks->naddresses ? ks->naddresses : 1, sizeof(char *));
	for (i = 0; i < ks->naddresses; i++)
		st->addresses[i] = xstrdup(ks->addresses[i]);
	st->naddresses = ks->naddresses;
	plan_condition(inc, ks, st);
	plan_needs(inc, ks, st);
}

/* The place of a cause in the ranking, or -1 when the incident has none. */
static long
plan_rank_of(const struct diag_incident *inc, const char *id)
{
	size_t i;

	for (i = 0; i < inc->ncauses; i++)
		if (strcmp(inc->causes[i].id, id) == 0)
			return (long)i;
	return -1;
}

/*
 * The place of the first cause as confident as cause r: causes the evidence
 * does not tell apart share a place, so their steps keep the article's order.
 */
static long
plan_tier(const struct diag_incident *inc, long r)
{
	long i;

	for (i = 0; i < r; i++)
		if (fabs(inc->causes[i].confidence - inc->causes[r].confidence) < 1e-9)
			return i;
	return r;
}

/* The evidence that speaks most against a cause: an exclusion, else the strongest. */
static const struct diag_evidence *
plan_against(const struct diag_cause *c)
{
	const struct diag_evidence *best = NULL;
	size_t i;

	for (i = 0; i < c->nevidence; i++) {
		const struct diag_evidence *e = &c->evidence[i];

		if (e->confirms)
			continue;
		if (e->excludes)
			return e;
		if (best == NULL || e->log_odds < best->log_odds)
			best = e;
	}
	return best;
}

/*
 * Where the step goes: the place of the best-ranked cause it addresses that
 * stands; inc->ncauses for a step of no cause of the incident (after the
 * others). When every cause of the incident it addresses is ruled out: the
 * place of the best of them for a step done already (done), else -1 with
 * why in *because.
 */
static long
plan_key(const struct diag_incident *inc, const struct kb_step *ks, int done,
    char **because)
{
	struct buf b = BUF_INIT;
	long best = -1, out = -1, r;
	size_t i, mine = 0;

	*because = NULL;
	for (i = 0; i < ks->naddresses; i++) {
		if ((r = plan_rank_of(inc, ks->addresses[i])) < 0)
			continue;
		mine++;
		r = plan_tier(inc, r);
		if (!inc->causes[r].ruled_out) {
			if (best < 0 || r < best)
				best = r;
		} else if (out < 0 || r < out)
			out = r;
	}
	if (mine == 0)
		return (long)inc->ncauses;
	if (best >= 0)
		return best;
	if (done)
		return out;
	buf_puts(&b, "only for ");
	for (i = 0, mine = 0; i < ks->naddresses; i++) {
		const struct diag_evidence *e;

		if ((r = plan_rank_of(inc, ks->addresses[i])) < 0)
			continue;
		e = plan_against(&inc->causes[r]);
		buf_printf(&b, "%s%s (%s), ruled out", mine++ ? "; and " : "",
		    inc->causes[r].id, inc->causes[r].title);
		if (e != NULL)
			buf_printf(&b, " by %s%s%s%s", e->ref, e->detail ? " (" : "",
			    e->detail ? e->detail : "", e->detail ? ")" : "");
	}
	*because = buf_detach(&b);
	return -1;
}

void
plan_steps(struct diag_incident *inc)
{
	const struct kb_article *a = inc->kb_article;
	long *key;
	size_t i, j, n = 0, u = 0;

	diag_list_release(inc, inc->steps);
	diag_list_release(inc, inc->unneeded);
	inc->steps = inc->unneeded = NULL;
	inc->nsteps = inc->nunneeded = 0;
	if (a == NULL || a->nsteps == 0)
		return;
	inc->steps = xcalloc(a->nsteps, sizeof(*inc->steps));
	inc->unneeded = xcalloc(a->nsteps, sizeof(*inc->unneeded));
	key = xcalloc(a->nsteps, sizeof(*key));
	for (i = 0; i < a->nsteps; i++) {
		struct diag_step st;
		char *because;
		long k;

		if (inc->origin != NULL && !kb_step_for(a->steps[i], inc->origin))
			continue;
		memset(&st, 0, sizeof(st));
		plan_step(inc, a->steps[i], &st);
		k = plan_key(inc, a->steps[i], st.done != NULL, &because);
		if (k < 0) {
			st.because = because;
			st.n = (unsigned)(u + 1);
			inc->unneeded[u++] = st;
			continue;
		}
		/* Insert by key, stable; a procedure keeps the article's order. */
		if (a->steps_as_written)
			k = 0;
		for (j = n; j > 0 && key[j - 1] > k; j--) {
			inc->steps[j] = inc->steps[j - 1];
			key[j] = key[j - 1];
		}
		inc->steps[j] = st;
		key[j] = k;
		n++;
	}
	for (i = 0; i < n; i++)
		inc->steps[i].n = (unsigned)(i + 1);
	free(key);
	/* complete: each list in one allocation, no spare room (diagnosis.h) */
	inc->steps = diag_steps_pack(inc->steps, n, inc->strings);
	inc->unneeded = diag_steps_pack(inc->unneeded, u, inc->strings);
	inc->nsteps = n;
	inc->nunneeded = u;
}
