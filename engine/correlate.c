#include "correlate.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "logtime.h"
#include "mta.h"
#include "util/strmap.h"
#include "util/text.h"
#include "util/xmem.h"

/* The longest error text an incident keeps. */
#define CORRELATE_ERROR_MAX	300
/* Attempts remembered per session (Postfix tries several MX hosts in one). */
#define CORRELATE_SESSION_ATTEMPTS	4
/* Incidents remembered per message. */
#define CORRELATE_MESSAGE_INCIDENTS	4

/* Where each article was last seen as a primary line in the current log. */
struct correlate_last {
	const struct kb_article	*article;
	unsigned long		 line;
	size_t			 incident;
};

/* Per incident: the times of its last attempts (frequency), what is named. */
struct correlate_aux {
	long long	 t[CORRELATE_MAX_COUNT];
	size_t		 n, next;
	int		 port_named;
};

/* The current episode of one article, peer and source. */
struct correlate_key {
	size_t		 incident;
	unsigned	 episode;
	int		 timed;
	long long	 last_t;
};

/* One attempt a session made, which its status lines may repeat. */
struct correlate_attempt {
	const struct kb_article	*article;
	size_t			 incident;
	uint64_t		 host;		/* hash of the peer host, 0 none */
	char			 message[MTA_ID_MAX];
	int			 closed;	/* a status line was seen for it */
	int			 from_status;	/* made by a status line, no report before */
	int			 reported;	/* ... whose report line came after it */
	int			 timed;
	long long		 t;
	unsigned		 input;
};

struct correlate_session {
	struct correlate_attempt a[CORRELATE_SESSION_ATTEMPTS];
	size_t			 n, next;
};

/* The incidents where a message failed. */
struct correlate_message {
	size_t		 inc[CORRELATE_MESSAGE_INCIDENTS];
	size_t		 n;
	int		 delivered;	/* told to its incidents */
	int		 gave_up;
};

struct correlator {
	struct diagnosis	*d;
	struct correlate_aux	*aux;		/* parallel to d->incidents */
	size_t			 aux_cap, incidents_cap;
	unsigned		 freq_count, freq_window, gap;
	size_t			 max_incidents;	/* correlate_set_max() */
	struct diag_peer	 fallback;
	char			*set;		/* the current log's rotation set */
	unsigned		 input;
	struct correlate_last	*last;
	size_t			 nlast, last_cap;
	/* incidents by article, peer and source */
	struct strmap		*keys;
	struct correlate_key	*keyv;
	size_t			 nkeys, keys_cap;
	/* attempts by session, failed messages by id, domains to incidents */
	struct strmap		*sessions;
	struct correlate_session *sessv;
	size_t			 nsess, sess_cap;
	struct strmap		*messages;
	struct correlate_message *msgv;
	size_t			 nmsg, msg_cap;
	struct strmap		*domains;
	struct buf		 key;
	size_t			 last_failed;	/* 1 + the incident of the last failed
						   attempt, 0 none */
	const struct mta_line	*pre;		/* correlate_premade() */
	const char		*pre_hint;
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
	c->keys = strmap_new();
	c->sessions = strmap_new();
	c->messages = strmap_new();
	c->domains = strmap_new();
	return c;
}

void
correlate_free(struct correlator *c)
{
	if (c == NULL)
		return;
	free(c->fallback.host);
	free(c->set);
	free(c->last);
	free(c->aux);
	strmap_free(c->keys);
	free(c->keyv);
	strmap_free(c->sessions);
	free(c->sessv);
	strmap_free(c->messages);
	free(c->msgv);
	strmap_free(c->domains);
	buf_free(&c->key);
	free(c);
}

void
correlate_set_frequency(struct correlator *c, unsigned count, unsigned window)
{
	c->freq_count = count > CORRELATE_MAX_COUNT ? CORRELATE_MAX_COUNT : count;
	c->freq_window = window;
}

void
correlate_set_gap(struct correlator *c, unsigned gap)
{
	c->gap = gap;
}

void
correlate_begin_input(struct correlator *c, const char *set)
{
	free(c->set);
	c->set = xstrdup(set ? set : "");
	c->input++;
}

void
correlate_end_input(struct correlator *c)
{
	c->nlast = 0;
}

static uint64_t
correlate_hash(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++) {
		h ^= (unsigned char)tolower((unsigned char)*s);
		h *= UINT64_C(1099511628211);
	}
	return h ? h : 1;
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

/* The tables of sessions, messages and domains: emptied when full. */
static void
correlate_bound(struct correlator *c)
{
	if (strmap_count(c->sessions) >= CORRELATE_MAX_TRACKED) {
		strmap_clear(c->sessions);
		c->nsess = 0;
	}
	if (strmap_count(c->messages) >= CORRELATE_MAX_TRACKED) {
		strmap_clear(c->messages);
		c->nmsg = 0;
	}
	if (strmap_count(c->domains) >= CORRELATE_MAX_TRACKED)
		strmap_clear(c->domains);
}

static struct correlate_session *
correlate_session(struct correlator *c, const char *id, int create)
{
	size_t i;

	if (id == NULL || id[0] == '\0')
		return NULL;
	if (strmap_get(c->sessions, id, strlen(id), &i))
		return &c->sessv[i];
	if (!create)
		return NULL;
	c->sessv = xgrow(c->sessv, &c->sess_cap, c->nsess + 1, sizeof(*c->sessv));
	memset(&c->sessv[c->nsess], 0, sizeof(*c->sessv));
	strmap_put(c->sessions, id, strlen(id), c->nsess);
	return &c->sessv[c->nsess++];
}

static struct correlate_message *
correlate_message(struct correlator *c, const char *id, int create)
{
	size_t i;

	if (id == NULL || id[0] == '\0')
		return NULL;
	if (strmap_get(c->messages, id, strlen(id), &i))
		return &c->msgv[i];
	if (!create)
		return NULL;
	c->msgv = xgrow(c->msgv, &c->msg_cap, c->nmsg + 1, sizeof(*c->msgv));
	memset(&c->msgv[c->nmsg], 0, sizeof(*c->msgv));
	strmap_put(c->messages, id, strlen(id), c->nmsg);
	return &c->msgv[c->nmsg++];
}

/* The message failed in incident i: remember it, and name it there. */
static void
correlate_message_failed(struct correlator *c, const char *id, size_t i)
{
	struct diag_incident *inc = &c->d->incidents[i];
	struct correlate_message *m;
	size_t k;

	if ((m = correlate_message(c, id, 1)) == NULL)
		return;
	for (k = 0; k < m->n; k++)
		if (m->inc[k] == i)
			return;
	if (m->n < CORRELATE_MESSAGE_INCIDENTS)
		m->inc[m->n++] = i;
	else {
		memmove(m->inc, m->inc + 1, (CORRELATE_MESSAGE_INCIDENTS - 1) * sizeof(*m->inc));
		m->inc[CORRELATE_MESSAGE_INCIDENTS - 1] = i;
	}
	inc->messages++;
	if (inc->nqueue_ids < DIAG_MAX_QUEUE_IDS) {
		if (inc->queue_ids == NULL)
			inc->queue_ids = xcalloc(DIAG_MAX_QUEUE_IDS, sizeof(*inc->queue_ids));
		inc->queue_ids[inc->nqueue_ids++] = text_sanitize(id, strlen(id), MTA_ID_MAX);
	}
}

/* A session's open attempts that name no message belong to this one. */
static void
correlate_adopt(struct correlator *c, struct correlate_session *s, const char *message)
{
	size_t i;

	if (s == NULL || message == NULL || message[0] == '\0')
		return;
	for (i = 0; i < s->n; i++) {
		struct correlate_attempt *a = &s->a[i];

		if (a->message[0] != '\0' || a->closed)
			continue;
		snprintf(a->message, sizeof(a->message), "%s", message);
		correlate_message_failed(c, message, a->incident);
	}
}

/* Are two times close enough for a status line to repeat an attempt? */
static int
correlate_near(const struct correlator *c, const struct correlate_attempt *a,
    const struct reader_record *rec)
{
	long long dt;

	if (a->timed && rec->has_time) {
		dt = rec->t - a->t;
		return dt >= -1 && dt <= CORRELATE_ECHO_WINDOW;
	}
	return a->input == c->input;
}

/*
 * The attempt of the session that a status line repeats: same article, the
 * same peer (or the line names none), and not another message's.
 */
static struct correlate_attempt *
correlate_echo_of(struct correlator *c, struct correlate_session *s,
    const struct kb_article *article, uint64_t host, const char *message,
    const struct reader_record *rec)
{
	size_t i, k;

	if (s == NULL)
		return NULL;
	/* The newest first. */
	for (k = 0; k < s->n; k++) {
		struct correlate_attempt *a;

		i = (s->next + CORRELATE_SESSION_ATTEMPTS - 1 - k) % CORRELATE_SESSION_ATTEMPTS;
		a = &s->a[i];
		if (a->article != article || (host != 0 && a->host != 0 && a->host != host))
			continue;
		if (a->message[0] != '\0' && message[0] != '\0' && strcmp(a->message, message) != 0)
			continue;
		if (!correlate_near(c, a, rec))
			continue;
		return a;
	}
	return NULL;
}

/*
 * The attempt of the session whose report line this is, in a log written
 * newest first (mailcow's web UI export): made by a status line at the same
 * peer in the same second, with no report line of its own yet.
 */
static struct correlate_attempt *
correlate_report_of(struct correlate_session *s, const struct kb_article *article,
    uint64_t host, const struct reader_record *rec)
{
	size_t i, k;

	if (s == NULL || host == 0 || !rec->has_time)
		return NULL;
	for (k = 0; k < s->n; k++) {
		struct correlate_attempt *a;

		i = (s->next + CORRELATE_SESSION_ATTEMPTS - 1 - k) % CORRELATE_SESSION_ATTEMPTS;
		a = &s->a[i];
		if (a->article == article && a->from_status && !a->reported && a->host == host &&
		    a->timed && a->t == rec->t)
			return a;
	}
	return NULL;
}

static void
correlate_remember(struct correlator *c, struct correlate_session *s,
    const struct kb_article *article, size_t incident, uint64_t host, const char *message,
    int closed, const struct reader_record *rec)
{
	struct correlate_attempt *a;

	if (s == NULL)
		return;
	a = &s->a[s->next];
	s->next = (s->next + 1) % CORRELATE_SESSION_ATTEMPTS;
	if (s->n < CORRELATE_SESSION_ATTEMPTS)
		s->n++;
	memset(a, 0, sizeof(*a));
	a->article = article;
	a->incident = incident;
	a->host = host;
	snprintf(a->message, sizeof(a->message), "%s", message);
	a->closed = closed;
	a->from_status = closed;
	a->timed = rec->has_time;
	a->t = rec->t;
	a->input = c->input;
}

/* What one line says: its peer, session, message, kind, origin. */
struct correlate_line {
	struct mta_line		 mta;
	int			 parsed;	/* mta holds an MTA's line */
	const char		*host;		/* the peer, or NULL */
	const char		*address;
	unsigned		 port;
	int			 port_named;
	int			 from_cli;
	const char		*session;
	const char		*message;
	enum mta_kind		 kind;
	const char		*origin;
	const char		*source;
	const char		*site;
	const char		*failure;
	const char		*phase;
};

/* An event's errno as the "connection" evidence's words. */
static const char *
correlate_errno_failure(const char *e)
{
	static const char *const map[][2] = {
		{ "ECONNREFUSED", "refused" }, { "ENETUNREACH", "unreachable" },
		{ "EHOSTUNREACH", "no-route" }, { "ECONNRESET", "reset" },
		{ "EPIPE", "lost" },
	};
	size_t i;

	for (i = 0; e != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(e, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

void
correlate_premade(struct correlator *c, const struct mta_line *mta, const char *hint)
{
	c->pre = mta;
	c->pre_hint = hint;
}

/* mta_parse() of the record's line with hint, or what correlate_premade() gave. */
static enum mta_origin
correlate_mta(struct correlator *c, const struct reader_record *rec, const char *hint,
    struct mta_line *out)
{
	if (c->pre != NULL && (hint == c->pre_hint ||
	    (hint != NULL && c->pre_hint != NULL && strcmp(hint, c->pre_hint) == 0))) {
		*out = *c->pre;
		return out->origin;
	}
	return mta_parse(rec->program, rec->pid, rec->text, rec->len, hint, out);
}

static void
correlate_read_line(struct correlator *c, const struct kb_symptom *sym,
    const struct reader_record *rec, struct correlate_line *l)
{
	memset(l, 0, sizeof(*l));
	l->kind = MTA_REPORT;
	l->session = "";
	l->message = rec->queue_id ? rec->queue_id : "";
	if (rec->format != READER_FORMAT_LEGACY && rec->format != READER_FORMAT_NDJSON &&
	    correlate_mta(c, rec, sym->origin, &l->mta) != MTA_UNKNOWN) {
		l->parsed = 1;
		l->kind = l->mta.kind;
		l->session = l->mta.session;
		l->message = l->mta.message;
		l->origin = mta_origin_name(l->mta.origin);
		l->failure = l->mta.failure;
		l->phase = smtp_phase_to_text(l->mta.phase);
		if (l->mta.peer.host[0] != '\0') {
			l->host = l->mta.peer.host;
			l->address = l->mta.peer.addr[0] ? l->mta.peer.addr : NULL;
			l->port = l->mta.peer.port;
			l->port_named = l->port != 0;
		}
	} else {
		l->phase = rec->phase;
		if (rec->format == READER_FORMAT_NDJSON) {
			l->origin = "smtpgw";
			l->failure = correlate_errno_failure(rec->errno_name);
		}
	}
	if (l->origin == NULL)
		l->origin = sym->origin && strcmp(sym->origin, "gateway") != 0 ? sym->origin :
		    "gateway";
	/* The gateway's own "retry count exceeded": a message gave up. */
	if (sym->retries_ended && l->kind == MTA_REPORT)
		l->kind = MTA_GAVE_UP;
	/* The event's site, else the log (its rotation set): one source. */
	l->site = rec->site;
	l->source = l->site ? l->site : c->set;
	if (l->host == NULL && rec->peer_host) {
		l->host = rec->peer_host;
		l->port = rec->peer_port;
		l->port_named = 1;
	}
}

/* A line naming no peer: the peer of its message's or domain's last failure. */
static void
correlate_peer_by_tie(struct correlator *c, struct correlate_line *l)
{
	struct correlate_message *m;
	const struct diag_incident *inc = NULL;
	size_t i;

	if (l->host != NULL)
		return;
	if ((m = correlate_message(c, l->message, 0)) != NULL && m->n > 0)
		inc = &c->d->incidents[m->inc[m->n - 1]];
	else if (l->parsed && l->mta.domain[0] != '\0' &&
	    strmap_get(c->domains, l->mta.domain, strlen(l->mta.domain), &i))
		inc = &c->d->incidents[i];
	if (inc != NULL && inc->peer.host != NULL && !inc->peer_from_cli) {
		l->host = inc->peer.host;
		l->address = inc->peer.address;
		l->port = inc->peer.port;
		l->port_named = 1;
	}
}

static void
correlate_fallback(struct correlator *c, struct correlate_line *l)
{
	if (l->host != NULL || c->fallback.host == NULL)
		return;
	l->host = c->fallback.host;
	l->port = c->fallback.port;
	l->port_named = 1;
	l->from_cli = 1;
}

static size_t
correlate_new_incident(struct correlator *c, const struct kb_article *a,
    const struct reader_record *rec, const struct correlate_line *l, unsigned episode)
{
	struct diagnosis *d = c->d;
	struct diag_incident *inc;

	d->incidents = xgrow(d->incidents, &c->incidents_cap, d->nincidents + 1,
	    sizeof(*d->incidents));
	inc = &d->incidents[d->nincidents];
	memset(inc, 0, sizeof(*inc));
	inc->strings = diag_strings_of(d);
	inc->kb_article = a;
	inc->article = xstrdup(a->id);
	inc->title = xstrdup(a->title);
	inc->error = text_sanitize(rec->text, rec->len, CORRELATE_ERROR_MAX);
	inc->first_seen = xstrdup("");
	inc->last_seen = xstrdup("");
	inc->peer.host = l->host ? text_sanitize(l->host, strlen(l->host), 0) : NULL;
	inc->peer.port = l->host ? (l->port ? l->port : PEER_SMTP_PORT) : 0;
	inc->peer.address = l->address ? text_sanitize(l->address, strlen(l->address), 0) :
	    NULL;
	inc->peer_from_cli = l->from_cli;
	inc->origin = xstrdup(l->origin);
	inc->source = text_sanitize(l->source, strlen(l->source), 0);
	inc->site = l->site ? text_sanitize(l->site, strlen(l->site), 0) : NULL;
	inc->file = text_sanitize(c->set, strlen(c->set), 0);
	inc->episode = episode;
	inc->failure = xstrdup_or_null(l->failure);
	if (l->phase)
		inc->phase = xstrdup(l->phase);
	if (rec->command)
		inc->last_command = text_sanitize(rec->command, strlen(rec->command),
		    CORRELATE_ERROR_MAX);
	if (rec->reply)
		inc->last_reply = text_sanitize(rec->reply, strlen(rec->reply),
		    CORRELATE_ERROR_MAX);
	if (rec->greeting)
		inc->greeting = text_sanitize(rec->greeting, strlen(rec->greeting),
		    CORRELATE_ERROR_MAX);
	if (rec->helo)
		inc->helo = text_sanitize(rec->helo, strlen(rec->helo), CORRELATE_ERROR_MAX);
	if (rec->helo_reply)
		inc->helo_reply = text_sanitize(rec->helo_reply, strlen(rec->helo_reply),
		    CORRELATE_ERROR_MAX);
	if (rec->gateway_version)
		inc->gateway_version = text_sanitize(rec->gateway_version,
		    strlen(rec->gateway_version), 0);
	c->aux = xgrow(c->aux, &c->aux_cap, d->nincidents + 1, sizeof(*c->aux));
	memset(&c->aux[d->nincidents], 0, sizeof(*c->aux));
	c->aux[d->nincidents].port_named = l->port_named;
	return d->nincidents++;
}

/* An incident that is not held (correlate_set_max()). */
#define CORRELATE_NOT_HELD	SIZE_MAX

void
correlate_set_max(struct correlator *c, size_t max)
{
	c->max_incidents = max ? max : DIAG_MAX_INCIDENTS;
}

/* A new incident, or none past the cap: then counted as not held. */
static size_t
correlate_new_or_count(struct correlator *c, const struct kb_article *a,
    const struct reader_record *rec, const struct correlate_line *l, unsigned episode)
{
	if (c->d->nincidents >= (c->max_incidents ? c->max_incidents : DIAG_MAX_INCIDENTS)) {
		c->d->summary.incidents_not_held++;
		return CORRELATE_NOT_HELD;
	}
	return correlate_new_incident(c, a, rec, l, episode);
}

/* The incident of the article, peer and source, in the episode of this line
 * (CORRELATE_NOT_HELD past the cap). */
static size_t
correlate_incident(struct correlator *c, const struct kb_article *a,
    const struct reader_record *rec, const struct correlate_line *l)
{
	struct correlate_key *k;
	const char *h;
	size_t i;

	buf_reset(&c->key);
	buf_puts(&c->key, a->id);
	buf_putc(&c->key, '\x1f');
	for (h = l->host ? l->host : ""; *h; h++)
		buf_putc(&c->key, (char)tolower((unsigned char)*h));
	/* The port the incident shows (correlate_new_incident()): two smart
	 * hosts at one address on two ports are two peers. */
	if (l->host != NULL)
		buf_printf(&c->key, ":%u", l->port ? l->port : PEER_SMTP_PORT);
	buf_putc(&c->key, '\x1f');
	buf_puts(&c->key, l->source);
	if (strmap_get(c->keys, c->key.data, c->key.len, &i)) {
		k = &c->keyv[i];
		if (c->gap > 0 && k->timed && rec->has_time &&
		    rec->t - k->last_t > (long long)c->gap) {
			k->incident = correlate_new_or_count(c, a, rec, l, k->episode + 1);
			k->episode++;
		}
	} else {
		c->keyv = xgrow(c->keyv, &c->keys_cap, c->nkeys + 1, sizeof(*c->keyv));
		k = &c->keyv[c->nkeys];
		memset(k, 0, sizeof(*k));
		k->episode = 1;
		strmap_put(c->keys, c->key.data, c->key.len, c->nkeys++);
		k->incident = correlate_new_or_count(c, a, rec, l, 1);
	}
	if (rec->has_time && (!k->timed || rec->t > k->last_t)) {
		k->timed = 1;
		k->last_t = rec->t;
	}
	return k->incident;
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

/* First and last time, among the dated lines. */
static void
correlate_seen(struct diag_incident *inc, const struct reader_record *rec)
{
	if (!rec->has_time)
		return;
	if (!inc->timed || rec->t < inc->first_t) {
		free(inc->first_seen);
		inc->first_seen = xstrdup(rec->when);
		inc->first_t = rec->t;
	}
	if (!inc->timed || rec->t >= inc->last_t) {
		free(inc->last_seen);
		inc->last_seen = xstrdup(rec->when);
		inc->last_t = rec->t;
	}
	inc->timed = 1;
	inc->dated = rec->has_date;
	inc->year_inferred |= rec->year_inferred;
}

/* The rate over log time, and the frequency threshold: over attempts. */
static void
correlate_time(struct correlator *c, size_t i, const struct reader_record *rec)
{
	struct diag_incident *inc = &c->d->incidents[i];
	struct correlate_aux *x = &c->aux[i];
	long long span;

	if (!rec->has_time)
		return;
	span = inc->last_t - inc->first_t;
	inc->rate_per_hour = span > 0 && inc->count > 1 ?
	    (double)(inc->count - 1) * 3600.0 / (double)span : 0;
	if (c->freq_count == 0)
		return;
	/* The oldest of the last freq_count attempts, this one included. */
	x->t[x->next] = rec->t;
	x->next = (x->next + 1) % c->freq_count;
	if (x->n < c->freq_count)
		x->n++;
	if (x->n == c->freq_count) {
		long long lo = x->t[0], hi = x->t[0];
		size_t k;

		for (k = 1; k < x->n; k++) {
			lo = x->t[k] < lo ? x->t[k] : lo;
			hi = x->t[k] > hi ? x->t[k] : hi;
		}
		if (hi - lo <= (long long)c->freq_window)
			inc->frequent = 1;
	}
}

static void
correlate_locate(struct diag_incident *inc, const struct reader_record *rec)
{
	if (inc->nlocations < DIAG_MAX_LOCATIONS) {
		/* one at a time: most incidents have one line, not the ten kept */
		inc->locations = xrealloc(inc->locations, (inc->nlocations + 1) *
		    sizeof(*inc->locations));
		inc->locations[inc->nlocations].file = text_sanitize(rec->file,
		    strlen(rec->file), 0);
		inc->locations[inc->nlocations].line = rec->line;
		inc->nlocations++;
	}
}

/* The line's peer completes what the incident did not know yet. */
static void
correlate_complete_peer(struct correlator *c, size_t i, const struct correlate_line *l)
{
	struct diag_incident *inc = &c->d->incidents[i];

	if (l->host == NULL || inc->peer.host == NULL)
		return;
	if (!c->aux[i].port_named && l->port_named && l->port) {
		inc->peer.port = l->port;
		c->aux[i].port_named = 1;
	}
	if (inc->peer.address == NULL && l->address != NULL)
		inc->peer.address = text_sanitize(l->address, strlen(l->address), 0);
}

/* A line of an attempt already counted (a repeat of it): one more line of its incident. */
static struct diag_incident *
correlate_add_line(struct correlator *c, size_t i, const struct reader_record *rec,
    const struct correlate_line *l)
{
	struct diag_incident *inc = &c->d->incidents[i];

	inc->lines++;
	correlate_seen(inc, rec);
	correlate_locate(inc, rec);
	correlate_complete_peer(c, i, l);
	return inc;
}

static void
correlate_primary(struct correlator *c, const struct match_hit *hit,
    const struct reader_record *rec)
{
	struct correlate_line l;
	struct correlate_session *s;
	struct correlate_attempt *echo;
	struct correlate_message *m;
	struct diag_incident *inc;
	struct correlate_last *last;
	uint64_t host;
	size_t i, k;
	int counted;

	correlate_read_line(c, hit->symptom, rec, &l);
	correlate_peer_by_tie(c, &l);
	correlate_fallback(c, &l);
	host = correlate_hash(l.host);
	correlate_bound(c);
	s = correlate_session(c, l.session, 1);
	/* A status line that repeats an attempt of its session adds a line. */
	if (l.kind != MTA_REPORT &&
	    (echo = correlate_echo_of(c, s, hit->article, host, l.message, rec)) != NULL) {
		i = echo->incident;
		inc = correlate_add_line(c, i, rec, &l);
		echo->closed = 1;
		if (echo->message[0] == '\0' && l.message[0] != '\0') {
			snprintf(echo->message, sizeof(echo->message), "%s", l.message);
			correlate_message_failed(c, l.message, i);
		}
		correlate_adopt(c, s, l.message);
		if (l.parsed && l.mta.domain[0] != '\0' && inc->peer.host != NULL &&
		    !inc->peer_from_cli)
			strmap_put(c->domains, l.mta.domain, strlen(l.mta.domain), i);
		goto done;
	}
	/* A log written newest first: the report after its status line adds a line. */
	if (l.kind == MTA_REPORT && (echo = correlate_report_of(s, hit->article, host, rec)) != NULL) {
		echo->reported = 1;
		i = echo->incident;
		correlate_add_line(c, i, rec, &l);
		goto done;
	}
	i = correlate_incident(c, hit->article, rec, &l);
	/*
	 * A deferral without an attempt that names the failure adds to held;
	 * a line that is the failure itself counts once. Sendmail's cached host
	 * status proves a failed connection before it: with none of that peer
	 * in the incident yet, the first such line counts as that attempt.
	 */
	counted = !(l.kind == MTA_HELD && l.failure != NULL);
	if (!counted && l.parsed && l.mta.cached && i != CORRELATE_NOT_HELD &&
	    c->d->incidents[i].count == 0)
		counted = 1;
	if (i == CORRELATE_NOT_HELD) {
		/* past the cap: counted, never silently dropped */
		c->d->summary.lines_not_held++;
		c->d->summary.attempts_not_held += counted;
		goto done;
	}
	inc = &c->d->incidents[i];
	inc->lines++;
	if (counted) {
		inc->count++;
		correlate_phase(inc, l.phase);
	} else
		inc->held++;
	correlate_seen(inc, rec);
	if (counted)
		correlate_time(c, i, rec);
	correlate_complete_peer(c, i, &l);
	/* What the socket said: from the first line that says it. */
	if (inc->errno_name == NULL && rec->errno_name != NULL)
		inc->errno_name = xstrdup(rec->errno_name);
	if (inc->failure == NULL && l.failure != NULL)
		inc->failure = xstrdup(l.failure);
	if (inc->tcp == NULL && rec->has_tcp) {
		inc->tcp = xmalloc(sizeof(*inc->tcp));
		*inc->tcp = rec->tcp;
	}
	correlate_locate(inc, rec);
	/* Retries used up: tell the incidents where the message failed. */
	if (l.kind == MTA_GAVE_UP && (m = correlate_message(c, l.message, 0)) != NULL &&
	    !m->gave_up) {
		m->gave_up = 1;
		for (k = 0; k < m->n; k++)
			if (m->inc[k] != i)
				c->d->incidents[m->inc[k]].retries_ended++;
		if (m->n > 0 && m->inc[m->n - 1] != i && inc->ended_index == 0)
			inc->ended_index = m->inc[m->n - 1] + 1;
	} else if (l.kind == MTA_GAVE_UP && l.message[0] == '\0' && c->last_failed != 0 &&
	    c->last_failed - 1 != i) {
		/*
		 * A gateway's line names no message: its retries were those of
		 * the last failure at the same peer in the same log.
		 */
		struct diag_incident *f = &c->d->incidents[c->last_failed - 1];

		inc = &c->d->incidents[i];
		if (strcmp(f->source, inc->source) == 0 && (f->peer.host == NULL ?
		    inc->peer.host == NULL : inc->peer.host != NULL &&
		    strcasecmp(f->peer.host, inc->peer.host) == 0)) {
			f->retries_ended++;
			if (inc->ended_index == 0)
				inc->ended_index = c->last_failed;
		}
	}
	if (counted && l.kind != MTA_GAVE_UP)
		c->last_failed = i + 1;
	if (counted && l.kind != MTA_GAVE_UP) {
		correlate_remember(c, s, hit->article, i, host, l.message, l.kind != MTA_REPORT,
		    rec);
		if (l.message[0] != '\0')
			correlate_message_failed(c, l.message, i);
		correlate_adopt(c, s, l.message);
		if (l.parsed && l.mta.domain[0] != '\0' && l.host != NULL && !l.from_cli)
			strmap_put(c->domains, l.mta.domain, strlen(l.mta.domain), i);
	} else if (counted)
		correlate_remember(c, s, hit->article, i, 0, l.message, 1, rec);
done:
	if ((last = correlate_last_of(c, hit->article)) == NULL) {
		c->last = xgrow(c->last, &c->last_cap, c->nlast + 1, sizeof(*c->last));
		last = &c->last[c->nlast++];
		last->article = hit->article;
	}
	last->line = rec->line;
	last->incident = i;
}

void
correlate_delivery(struct correlator *c, const struct reader_record *rec)
{
	struct mta_line mta;
	struct correlate_message *m;
	uint64_t host;
	size_t k;

	char session[MTA_ID_MAX];
	size_t slen;
	size_t i, n;

	if ((c->nmsg == 0 && c->nsess == 0) || rec->format == READER_FORMAT_LEGACY ||
	    rec->format == READER_FORMAT_NDJSON)
		return;
	/*
	 * Most deliveries are of messages that never failed: a look at the
	 * line's first word (a queue or message id) and its process first.
	 */
	for (n = 0; n < rec->len && n < MTA_ID_MAX && rec->text[n] != ' ' &&
	    rec->text[n] != ':'; n++)
		;
	session[0] = '\0';
	slen = 0;
	if (rec->program != NULL && rec->pid > 0)
		slen = mta_session_name(session, rec->program, rec->pid);
	if (!strmap_get(c->messages, rec->text, n, &i) &&
	    (session[0] == '\0' || !strmap_get(c->sessions, session, slen, &i)))
		return;
	if (correlate_mta(c, rec, NULL, &mta) == MTA_UNKNOWN ||
	    mta.kind != MTA_DELIVERED || mta.message[0] == '\0')
		return;
	correlate_adopt(c, correlate_session(c, mta.session, 0), mta.message);
	if ((m = correlate_message(c, mta.message, 0)) == NULL || m->delivered)
		return;
	m->delivered = 1;
	host = correlate_hash(mta.peer.host);
	for (k = 0; k < m->n; k++) {
		struct diag_incident *inc = &c->d->incidents[m->inc[k]];

		if (host != 0 && host == correlate_hash(inc->peer.host))
			inc->delivered_later++;
		else
			inc->delivered_elsewhere++;
	}
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

	if (c->set == NULL)
		correlate_begin_input(c, rec->file);
	/* First the companions: they may explain the whole line. */
	for (i = 0; i < nhits; i++) {
		if (hits[i].symptom->role != KB_ROLE_COMPANION)
			continue;
		last = correlate_last_of(c, hits[i].article);
		if (last && rec->line > last->line &&
		    rec->line - last->line <= CORRELATE_COMPANION_LINES) {
			if (last->incident != CORRELATE_NOT_HELD)
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
