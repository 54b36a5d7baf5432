#include "correlate.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "xmem.h"

/* The longest error text an incident keeps. */
#define CORRELATE_ERROR_MAX	300

/* Where each article was last seen as a primary line in the current log. */
struct correlate_last {
	const struct kb_article	*article;
	unsigned long		 line;
	size_t			 incident;
};

/* Per incident: the times of its last lines, for the frequency. */
struct correlate_times {
	long long	 t[CORRELATE_MAX_COUNT];
	size_t		 n, next;
};

struct correlator {
	struct diagnosis	*d;
	struct correlate_times	*times;		/* parallel to d->incidents */
	size_t			 times_cap;
	unsigned		 freq_count, freq_window;
	struct diag_peer	 fallback;
	size_t			 incidents_cap;
	struct correlate_last	*last;
	size_t			 nlast, last_cap;
};

struct correlator *
correlate_new(struct diagnosis *d, const struct diag_peer *fallback)
{
	struct correlator *c = xcalloc(1, sizeof(*c));

	c->d = d;
	c->incidents_cap = d->nincidents;
	if (fallback) {
		c->fallback.host = xstrdup_or_null(fallback->host);
		c->fallback.port = fallback->port;
	}
	return c;
}

void
correlate_free(struct correlator *c)
{
	if (c == NULL)
		return;
	free(c->fallback.host);
	free(c->last);
	free(c->times);
	free(c);
}

void
correlate_set_frequency(struct correlator *c, unsigned count, unsigned window)
{
	c->freq_count = count > CORRELATE_MAX_COUNT ? CORRELATE_MAX_COUNT : count;
	c->freq_window = window;
}

void
correlate_end_input(struct correlator *c)
{
	c->nlast = 0;
}

static struct correlate_last *
correlate_last_of(struct correlator *c, const struct kb_article *a)
{
	size_t i;

	for (i = 0; i < c->nlast; i++)
		if (c->last[i].article == a)
			return &c->last[i];
	return NULL;
}

static void
correlate_peer_of(const struct correlator *c, const struct reader_record *rec,
    const char **host, unsigned *port, int *from_cli)
{
	*from_cli = 0;
	if (rec->peer_host) {
		*host = rec->peer_host;
		*port = rec->peer_port ? rec->peer_port : PEER_SMTP_PORT;
	} else if (c->fallback.host) {
		*host = c->fallback.host;
		*port = c->fallback.port ? c->fallback.port : PEER_SMTP_PORT;
		*from_cli = 1;
	} else {
		*host = NULL;
		*port = 0;
	}
}

static int
correlate_same_host(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static size_t
correlate_incident(struct correlator *c, const struct kb_article *a,
    const struct reader_record *rec)
{
	struct diagnosis *d = c->d;
	struct diag_incident *inc;
	const char *host;
	unsigned port;
	int from_cli;
	size_t i;

	correlate_peer_of(c, rec, &host, &port, &from_cli);
	for (i = 0; i < d->nincidents; i++) {
		inc = &d->incidents[i];
		if (inc->kb_article == a && correlate_same_host(inc->peer.host, host) &&
		    inc->peer.port == port)
			return i;
	}
	d->incidents = xgrow(d->incidents, &c->incidents_cap, d->nincidents + 1,
	    sizeof(*d->incidents));
	inc = &d->incidents[d->nincidents];
	memset(inc, 0, sizeof(*inc));
	inc->kb_article = a;
	inc->article = xstrdup(a->id);
	inc->title = xstrdup(a->title);
	inc->error = text_sanitize(rec->text, rec->len, CORRELATE_ERROR_MAX);
	inc->first_seen = xstrdup(rec->when);
	inc->peer.host = xstrdup_or_null(host);
	inc->peer.port = port;
	inc->peer_from_cli = from_cli;
	inc->locations = xcalloc(DIAG_MAX_LOCATIONS, sizeof(*inc->locations));
	if (rec->phase)
		inc->phase = xstrdup(rec->phase);
	if (rec->command)
		inc->last_command = text_sanitize(rec->command, strlen(rec->command),
		    CORRELATE_ERROR_MAX);
	if (rec->reply)
		inc->last_reply = text_sanitize(rec->reply, strlen(rec->reply),
		    CORRELATE_ERROR_MAX);
	c->times = xgrow(c->times, &c->times_cap, d->nincidents + 1, sizeof(*c->times));
	memset(&c->times[d->nincidents], 0, sizeof(*c->times));
	return d->nincidents++;
}

static void
correlate_phase(struct diag_incident *inc, const char *phase)
{
	size_t i;

	if (phase == NULL)
		return;
	for (i = 0; i < inc->nphases; i++)
		if (strcmp(inc->phases[i].phase, phase) == 0)
			break;
	if (i == inc->nphases) {
		/* A handful of phases exist: growing one by one is fine. */
		inc->phases = xrealloc(inc->phases, (i + 1) * sizeof(*inc->phases));
		inc->phases[i].phase = xstrdup(phase);
		inc->phases[i].count = 0;
		inc->nphases++;
	}
	inc->phases[i].count++;
}

/* The rate over log time, and the frequency threshold. */
static void
correlate_time(struct correlator *c, size_t i, long long t)
{
	struct diag_incident *inc = &c->d->incidents[i];
	struct correlate_times *tt = &c->times[i];
	long long span;

	if (!inc->timed) {
		inc->timed = 1;
		inc->first_t = t;
	}
	inc->last_t = t;
	span = inc->last_t - inc->first_t;
	inc->rate_per_hour = span > 0 && inc->count > 1 ?
	    (double)(inc->count - 1) * 3600.0 / (double)span : 0;
	if (c->freq_count == 0)
		return;
	/* The oldest of the last freq_count lines, this one included. */
	tt->t[tt->next] = t;
	tt->next = (tt->next + 1) % c->freq_count;
	if (tt->n < c->freq_count)
		tt->n++;
	if (tt->n == c->freq_count && t - tt->t[tt->next] <= (long long)c->freq_window)
		inc->frequent = 1;
}

static void
correlate_primary(struct correlator *c, const struct match_hit *hit,
    const struct reader_record *rec)
{
	size_t i = correlate_incident(c, hit->article, rec);
	struct diag_incident *inc = &c->d->incidents[i];
	struct correlate_last *last;

	inc->count++;
	free(inc->last_seen);
	inc->last_seen = xstrdup(rec->when);
	correlate_phase(inc, rec->phase);
	if (rec->has_time)
		correlate_time(c, i, rec->t);
	/* What the socket said: from the first line that says it. */
	if (inc->errno_name == NULL && rec->errno_name != NULL)
		inc->errno_name = xstrdup(rec->errno_name);
	if (!inc->has_tcp && rec->has_tcp) {
		inc->has_tcp = 1;
		inc->tcp = rec->tcp;
	}
	if (inc->nlocations < DIAG_MAX_LOCATIONS) {
		inc->locations[inc->nlocations].file = text_sanitize(rec->file,
		    strlen(rec->file), 0);
		inc->locations[inc->nlocations].line = rec->line;
		inc->nlocations++;
	}
	if ((last = correlate_last_of(c, hit->article)) == NULL) {
		c->last = xgrow(c->last, &c->last_cap, c->nlast + 1, sizeof(*c->last));
		last = &c->last[c->nlast++];
		last->article = hit->article;
	}
	last->line = rec->line;
	last->incident = i;
}

/* A primary or fallback symptom that is not a normal (info) line. */
static int
correlate_makes_incident(const struct kb_symptom *s)
{
	return (s->role == KB_ROLE_PRIMARY || s->role == KB_ROLE_FALLBACK) &&
	    s->severity != KB_SEVERITY_INFO;
}

void
correlate_record(struct correlator *c, const struct reader_record *rec,
    const struct match_hit *hits, size_t nhits)
{
	struct correlate_last *last;
	size_t i, j;
	int any_explained = 0;

	/* First the companions: they may explain the whole line. */
	for (i = 0; i < nhits; i++) {
		if (hits[i].symptom->role != KB_ROLE_COMPANION)
			continue;
		last = correlate_last_of(c, hits[i].article);
		if (last && rec->line > last->line &&
		    rec->line - last->line <= CORRELATE_COMPANION_LINES) {
			c->d->incidents[last->incident].companions++;
			any_explained = 1;
		}
	}
	for (i = 0; i < nhits; i++) {
		if (!correlate_makes_incident(hits[i].symptom) || any_explained)
			continue;
		/* One incident per article per line, however many symptoms hit. */
		for (j = 0; j < i; j++)
			if (hits[j].article == hits[i].article &&
			    correlate_makes_incident(hits[j].symptom))
				break;
		if (j == i)
			correlate_primary(c, &hits[i], rec);
	}
}
