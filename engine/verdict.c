/*
 * verdict: the three sentences a report opens with.
 */
#include "verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "rank.h"
#include "util/xmem.h"

const struct diag_cause *
verdict_standing(const struct diag_incident *inc)
{
	size_t i;

	for (i = 0; i < inc->ncauses; i++)
		if (!inc->causes[i].ruled_out)
			return &inc->causes[i];
	return NULL;
}

/*
 * The incident that matters most: the most attempts, and among equals the
 * one with a cause the evidence moved, then the first.
 */
static size_t
verdict_pick(const struct diagnosis *d)
{
	size_t i, best = 0;

	for (i = 1; i < d->nincidents; i++) {
		const struct diag_incident *a = &d->incidents[i], *b = &d->incidents[best];

		if (a->count > b->count ||
		    (a->count == b->count && a->article_confidence > b->article_confidence))
			best = i;
	}
	return best;
}

static void
verdict_what(struct buf *b, const struct diag_incident *inc)
{
	size_t n = strlen(inc->error);

	/* "Error (119) Network Write Error," as the gateway wrote it: no comma. */
	while (n > 0 && strchr(",.:; ", inc->error[n - 1]))
		n--;
	buf_printf(b, "%.*s", (int)n, inc->error);
	if (inc->peer.host)
		buf_printf(b, " at the smart host %s port %u", inc->peer.host, inc->peer.port);
	buf_printf(b, ", %lu %s", inc->count, inc->count == 1 ? "time" : "times");
	if (inc->first_seen[0] && inc->count > 1 && strcmp(inc->first_seen, inc->last_seen))
		buf_printf(b, " from %s to %s", inc->first_seen, inc->last_seen);
	else if (inc->first_seen[0])
		buf_printf(b, " at %s", inc->first_seen);
	if (inc->rate_per_hour > 0)
		buf_printf(b, " (%.1f per hour%s)", inc->rate_per_hour,
		    inc->frequent ? ", frequent" : "");
	if (inc->phase && inc->last_command)
		buf_printf(b, ", in the %s phase after %s", inc->phase, inc->last_command);
	else if (inc->phase)
		buf_printf(b, ", in the %s phase", inc->phase);
	buf_printf(b, " (%s).", inc->article);
}

/* The confirming evidence that moved c most, or NULL. */
static const struct diag_evidence *
verdict_strongest(const struct diag_cause *c)
{
	const struct diag_evidence *best = NULL;
	size_t i;

	for (i = 0; i < c->nevidence; i++)
		if (c->evidence[i].confirms && (best == NULL ||
		    c->evidence[i].weight > best->weight))
			best = &c->evidence[i];
	return best;
}

static void
verdict_cause(struct buf *b, const struct diag_incident *inc, const struct diag_cause *c)
{
	const struct diag_evidence *e;
	const struct diag_cause *next = NULL;
	size_t i;
	char *why;

	if (c == NULL) {
		buf_puts(b, "The evidence rules out every cause the article names: read the "
		    "incident's causes and probes below.");
		return;
	}
	for (i = 0; i < inc->ncauses; i++)
		if (&inc->causes[i] != c && !inc->causes[i].ruled_out) {
			next = &inc->causes[i];
			break;
		}
	buf_printf(b, "%s (%ld%%", c->title ? c->title : c->id, lround(c->confidence * 100));
	if (next && lround(next->confidence * 100) == lround(c->confidence * 100))
		buf_printf(b, ", as likely as: %s", next->title ? next->title : next->id);
	buf_puts(b, ")");
	if ((e = verdict_strongest(c)) != NULL && e->why) {
		why = xstrdup(e->why);
		/* the rule base's reason is a sentence: continue it in lower case */
		if (why[0] >= 'A' && why[0] <= 'Z' && (why[1] < 'A' || why[1] > 'Z'))
			why[0] = (char)(why[0] - 'A' + 'a');
		buf_printf(b, ", because %s", why);
		if (why[0] && why[strlen(why) - 1] == '.')
			b->len--, b->data[b->len] = '\0';
		if (e->detail)
			buf_printf(b, " (%s: %s)", e->origin, e->detail);
		buf_putc(b, '.');
		free(why);
	} else if (strcmp(rank_basis(inc), "prior") == 0)
		buf_puts(b, ", by the rule base's priors alone: nothing observed yet tells the "
		    "causes apart (see what was not checked).");
	else
		buf_puts(b, ", because the evidence speaks less against it than against the "
		    "other causes (see them below).");
}

void
verdict_make(const struct diagnosis *d, struct verdict *v)
{
	struct buf b = BUF_INIT;
	unsigned long long lines = d->summary.lines;
	size_t unread = diag_input_errors(d);
	size_t i;

	memset(v, 0, sizeof(*v));
	if (d->nincidents == 0) {
		v->kind = unread ? VERDICT_UNREAD : VERDICT_CLEAR;
		if (unread)
			buf_printf(&b, "%zu of %zu %s could not be read (see the summary), and no "
			    "known gateway error is in the %llu %s that could.", unread,
			    d->ninputs, d->ninputs == 1 ? "log" : "logs", lines,
			    lines == 1 ? "line" : "lines");
		else
			buf_printf(&b, "No known gateway error in %llu %s of %zu %s.", lines,
			    lines == 1 ? "line" : "lines", d->ninputs,
			    d->ninputs == 1 ? "log" : "logs");
		if (d->summary.unmatched_errors)
			buf_printf(&b, " %llu %s that look%s like errors matched no article "
			    "(see the summary).", d->summary.unmatched_errors,
			    d->summary.unmatched_errors == 1 ? "line" : "lines",
			    d->summary.unmatched_errors == 1 ? "s" : "");
		v->what = buf_detach(&b);
		return;
	}
	v->kind = VERDICT_INCIDENT;
	v->index = verdict_pick(d);
	v->inc = &d->incidents[v->index];
	v->others = d->nincidents - 1;
	verdict_what(&b, v->inc);
	v->what = buf_detach(&b);
	v->standing = verdict_standing(v->inc);
	verdict_cause(&b, v->inc, v->standing);
	v->cause = buf_detach(&b);
	/* The first thing to do: the first step not done already. */
	v->step = NULL;
	for (i = 0; i < v->inc->nsteps && v->step == NULL; i++)
		if (v->inc->steps[i].done == NULL)
			v->step = &v->inc->steps[i];
}

void
verdict_clear(struct verdict *v)
{
	free(v->what);
	free(v->cause);
	memset(v, 0, sizeof(*v));
}
