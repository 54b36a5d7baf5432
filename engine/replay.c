#include "replay.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "jsonscan.h"
#include "util/fileio.h"
#include "util/peer.h"
#include "plan.h"
#include "rank.h"
#include "render_history.h"
#include "render_probe.h"
#include "util/text.h"
#include "util/xmem.h"

#define REPLAY_TEXT_MAX		1000	/* bytes of any one string kept */

/* The string at key, sanitised, or NULL when missing or not a string. */
static char *
replay_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return NULL;
	return text_sanitize(json_string_value(v), json_string_length(v), REPLAY_TEXT_MAX);
}

/* A count at key (missing, null or negative: 0). */
static unsigned long long
replay_count(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
	    (unsigned long long)json_integer_value(v) : 0;
}

static int
replay_array(const json_t *o, const char *key, size_t max, const json_t **out,
    size_t index, char err[ERR_LEN])
{
	const json_t *a = json_object_get(o, key);

	*out = NULL;
	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return err_set(err, "incident %zu: \"%s\" is not an array", index + 1, key);
	if (json_array_size(a) > max)
		return err_set(err, "incident %zu: more than %zu entries in \"%s\"", index + 1,
		    max, key);
	*out = a;
	return 0;
}

/* The probe results: read by render_probe.c, which wrote them. */
static int
replay_probes(struct diag_incident *inc, const json_t *a, size_t index, char err[ERR_LEN])
{
	char why[ERR_LEN];
	struct probe_result *r = NULL;
	size_t n = 0;

	if (json_array_size(a) == 0)
		return 0;
	if (probe_results_from_json(a, &r, &n, why) != 0)
		return err_set(err, "incident %zu: %s", index + 1, why);
	/* an incident's probes are packed (diagnosis.h) */
	inc->probes = diag_probes_pack(r, n, inc->strings);
	inc->nprobes = n;
	probe_results_free(r, n);
	return 0;
}

static int
replay_incident(struct diag_incident *inc, const json_t *o, size_t index,
    const struct kb *kb, char err[ERR_LEN])
{
	const json_t *a, *v, *peer;
	const char *key;
	char *article;
	size_t i;

	if (!json_is_object(o))
		return err_set(err, "incident %zu is not an object", index + 1);
	if ((article = replay_str(o, "article")) == NULL)
		return err_set(err, "incident %zu has no \"article\"", index + 1);
	inc->kb_article = kb_find_article(kb, article);
	if (inc->kb_article == NULL) {
		err_set(err, "incident %zu: article %s is not in the rule base %s", index + 1,
		    article, kb_dir(kb));
		free(article);
		return -1;
	}
	inc->article = article;
	inc->title = xstrdup(inc->kb_article->title);
	if ((inc->error = replay_str(o, "error")) == NULL)
		inc->error = xstrdup("");
	inc->count = replay_count(o, "count");
	/* A diagnosis saved before "lines" counted every line as an attempt. */
	inc->lines = json_object_get(o, "lines") ? replay_count(o, "lines") : inc->count;
	inc->companions = replay_count(o, "companions");
	inc->held = replay_count(o, "held");
	/* Saved before "origin": a gateway's. */
	if ((inc->origin = replay_str(o, "origin")) == NULL)
		inc->origin = xstrdup("gateway");
	inc->source = replay_str(o, "source");
	inc->site = replay_str(o, "site");
	inc->file = replay_str(o, "file");
	inc->episode = (unsigned)replay_count(o, "episode");
	if (inc->episode == 0)
		inc->episode = 1;
	inc->year_inferred = json_is_true(json_object_get(o, "year_inferred"));
	inc->failure = replay_str(o, "failure");
	if ((v = json_object_get(o, "messages")) != NULL && json_is_object(v)) {
		inc->messages = replay_count(v, "count");
		inc->delivered_later = replay_count(v, "delivered_later");
		inc->delivered_elsewhere = replay_count(v, "delivered_elsewhere");
		inc->retries_ended = replay_count(v, "retries_ended");
		if ((a = json_object_get(v, "queue_ids")) != NULL && json_is_array(a)) {
			inc->queue_ids = xcalloc(DIAG_MAX_QUEUE_IDS, sizeof(*inc->queue_ids));
			for (i = 0; i < json_array_size(a) &&
			    inc->nqueue_ids < DIAG_MAX_QUEUE_IDS; i++)
				if (json_is_string(json_array_get(a, i)))
					inc->queue_ids[inc->nqueue_ids++] = text_sanitize(
					    json_string_value(json_array_get(a, i)),
					    json_string_length(json_array_get(a, i)), 64);
		}
	}
	if ((inc->first_seen = replay_str(o, "first_seen")) == NULL)
		inc->first_seen = xstrdup("");
	if ((inc->last_seen = replay_str(o, "last_seen")) == NULL)
		inc->last_seen = xstrdup("");
	v = json_object_get(o, "rate_per_hour");
	inc->rate_per_hour = json_is_number(v) && json_number_value(v) > 0 ?
	    json_number_value(v) : 0;
	inc->frequent = json_is_true(json_object_get(o, "frequent"));
	inc->phase = replay_str(o, "phase");
	inc->last_command = replay_str(o, "last_command");
	inc->last_reply = replay_str(o, "last_reply");
	if ((v = json_object_get(o, "transcript")) != NULL && json_is_object(v)) {
		inc->greeting = replay_str(v, "greeting");
		inc->helo = replay_str(v, "helo");
		inc->helo_reply = replay_str(v, "helo_reply");
	}
	inc->gateway_version = replay_str(o, "gateway_version");
	if ((v = json_object_get(o, "ended")) != NULL && json_is_object(v) &&
	    (inc->ended_article = replay_str(v, "article")) != NULL) {
		inc->ended_peer = replay_str(v, "peer");
		inc->ended_first_seen = replay_str(v, "first_seen");
	}
	if ((v = json_object_get(o, "phases")) != NULL && json_is_object(v)) {
		if (json_object_size(v) > REPLAY_MAX_ITEMS)
			return err_set(err, "incident %zu: too many phases", index + 1);
		inc->phases = xcalloc(json_object_size(v) + 1, sizeof(*inc->phases));
		json_object_foreach((json_t *)v, key, a) {
			inc->phases[inc->nphases].phase = text_sanitize(key, strlen(key), 40);
			inc->phases[inc->nphases].count = json_is_integer(a) &&
			    json_integer_value(a) > 0 ? (unsigned long)json_integer_value(a) : 0;
			inc->nphases++;
		}
	}
	peer = json_object_get(o, "peer");
	if (json_is_object(peer)) {
		inc->peer.host = replay_str(peer, "host");
		if (inc->peer.host != NULL && !peer_valid_host(inc->peer.host))
			return err_set(err, "incident %zu: \"%.60s\" is not a host name or "
			    "address", index + 1, inc->peer.host);
		v = json_object_get(peer, "port");
		inc->peer.port = json_is_integer(v) && json_integer_value(v) > 0 &&
		    json_integer_value(v) <= 65535 ? (unsigned)json_integer_value(v) : 0;
		v = json_object_get(peer, "source");
		inc->peer_from_cli = json_is_string(v) &&
		    strcmp(json_string_value(v), "command-line") == 0;
		inc->peer.address = replay_str(peer, "address");
		if (inc->peer.address != NULL && !peer_valid_host(inc->peer.address))
			return err_set(err, "incident %zu: \"%.60s\" is not an address",
			    index + 1, inc->peer.address);
	}
	inc->locations = xcalloc(DIAG_MAX_LOCATIONS, sizeof(*inc->locations));
	if ((a = json_object_get(o, "locations")) != NULL && json_is_array(a))
		for (i = 0; i < json_array_size(a) && inc->nlocations < DIAG_MAX_LOCATIONS;
		    i++) {
			const json_t *l = json_array_get(a, i);
			char *file = replay_str(l, "file");

			if (file == NULL)
				continue;
			inc->locations[inc->nlocations].file = file;
			inc->locations[inc->nlocations].line = replay_count(l, "line");
			inc->nlocations++;
		}
	inc->errno_name = replay_str(o, "errno");
	if ((v = json_object_get(o, "tcp_info")) != NULL && json_is_object(v)) {
		inc->tcp = xcalloc(1, sizeof(*inc->tcp));
		reader_tcp_from_json(inc->tcp, v);
	}
	if (replay_array(o, "observations", REPLAY_MAX_ITEMS, &a, index, err) != 0)
		return -1;
	for (i = 0; a != NULL && i < json_array_size(a); i++) {
		const json_t *ob = json_array_get(a, i);
		char *src = replay_str(ob, "source"), *val = replay_str(ob, "value");
		char *origin = replay_str(ob, "origin"), *detail = replay_str(ob, "detail");

		if (src != NULL && val != NULL)
			diag_observe(inc, src, val, origin ? origin : "probe", detail);
		free(src);
		free(val);
		free(origin);
		free(detail);
		if (src == NULL || val == NULL)
			return err_set(err, "incident %zu: observation %zu has no source or "
			    "value", index + 1, i + 1);
	}
	if (replay_array(o, "probes", REPLAY_MAX_ITEMS, &a, index, err) != 0 ||
	    (a != NULL && replay_probes(inc, a, index, err) != 0))
		return -1;
	return 0;
}

/* {"Q123827": 3, ...} into a list of article lines. */
static void
replay_lines(const json_t *a, struct diag_article_lines **v, size_t *n)
{
	const json_t *x;
	const char *key;

	if (a == NULL || !json_is_object(a) || json_object_size(a) > REPLAY_MAX_INCIDENTS)
		return;
	*v = xcalloc(json_object_size(a) + 1, sizeof(**v));
	json_object_foreach((json_t *)a, key, x) {
		(*v)[*n].article = text_sanitize(key, strlen(key), 80);
		(*v)[*n].lines = json_is_integer(x) && json_integer_value(x) > 0 ?
		    (unsigned long)json_integer_value(x) : 0;
		(*n)++;
	}
}

static void
replay_summary(struct diagnosis *d, const json_t *o)
{
	struct diag_summary *sum = &d->summary;
	const json_t *a;
	size_t i;

	if (!json_is_object(o))
		return;
	sum->lines = replay_count(o, "lines");
	sum->bytes = replay_count(o, "bytes");
	sum->matched = replay_count(o, "matched");
	sum->out_of_time = replay_count(o, "out_of_time");
	sum->incidents_not_held = replay_count(o, "incidents_not_held");
	sum->lines_not_held = replay_count(o, "lines_not_held");
	sum->attempts_not_held = replay_count(o, "attempts_not_held");
	sum->unmatched_errors = replay_count(o, "unmatched_errors");
	sum->unmatched_server = replay_count(o, "unmatched_server_lines");
	sum->unmatched_other = replay_count(o, "unmatched_other");
	if ((a = json_object_get(o, "unmatched_groups")) != NULL && json_is_array(a)) {
		sum->unmatched_groups = xcalloc(DIAG_MAX_GROUPS,
		    sizeof(*sum->unmatched_groups));
		for (i = 0; i < json_array_size(a) && sum->nunmatched_groups < DIAG_MAX_GROUPS;
		    i++) {
			const json_t *x = json_array_get(a, i), *sm = json_object_get(x, "sample");
			struct diag_group *g = &sum->unmatched_groups[sum->nunmatched_groups];

			if ((g->shape = replay_str(x, "shape")) == NULL)
				continue;
			if ((g->program = replay_str(x, "program")) == NULL)
				g->program = xstrdup("");
			g->count = replay_count(x, "count");
			if ((g->sample.file = replay_str(sm, "file")) == NULL)
				g->sample.file = xstrdup("");
			if ((g->sample.text = replay_str(sm, "text")) == NULL)
				g->sample.text = xstrdup("");
			g->sample.line = replay_count(sm, "line");
			sum->nunmatched_groups++;
		}
	}
	replay_lines(json_object_get(o, "matched_by_article"), &sum->articles, &sum->narticles);
	replay_lines(json_object_get(o, "matched_lines_by_articles"), &sum->groups,
	    &sum->ngroups);
	if ((a = json_object_get(o, "unmatched_samples")) != NULL && json_is_array(a))
		for (i = 0; i < json_array_size(a) && sum->nsamples < DIAG_MAX_SAMPLES; i++) {
			const json_t *x = json_array_get(a, i);
			struct diag_sample *s = &sum->samples[sum->nsamples];

			if ((s->text = replay_str(x, "text")) == NULL)
				continue;
			if ((s->file = replay_str(x, "file")) == NULL)
				s->file = xstrdup("");
			s->line = replay_count(x, "line");
			sum->nsamples++;
		}
}

/* The limits of a saved diagnosis (replay.h); a history entry's verdicts
 * are counted one by one, each as an incident is. */
static const struct jsonscan_limits replay_limits = {
	REPLAY_MAX_DEPTH, REPLAY_MAX_STRING, REPLAY_MAX_MEMBERS, REPLAY_MAX_INCIDENTS,
	REPLAY_MAX_VALUES, "history", "incidents"
};

/* A history entry's own: its members, the elements of its "incidents". */
static const struct jsonscan_limits replay_entry_limits = {
	REPLAY_MAX_DEPTH, REPLAY_MAX_STRING, REPLAY_MAX_MEMBERS, REPLAY_MAX_INCIDENTS,
	REPLAY_MAX_VALUES, NULL, NULL
};

/*
 * Where the units are: a document in memory (data), or a file read again
 * a unit at a time (fd, data NULL), so that no more than a unit's values is
 * held (and not even its bytes: jansson reads them in chunks).
 */
struct replay_src {
	const char	*data;
	size_t		 len;
	int		 fd;
	size_t		 base;		/* the file's offset of a unit's offset 0 */
	int		*changed;	/* the file ended before a unit did: -1,
					   or reading it failed: errno */
	struct replay_ubuf {
		char	*p;
		size_t	 cap;
	}		*unit;		/* a unit's bytes, read at once when small */
};

/* A unit up to this long is read with one pread (into src->unit), a longer
 * one in jansson's chunks, so that its bytes are not all held. */
#define REPLAY_UNIT_READ	(256u << 10)

/* A unit of the file, read for json_loadcb(). */
struct replay_piece {
	struct replay_src	*src;
	size_t			 off, end;
};

static size_t
replay_piece_read(void *buf, size_t n, void *arg)
{
	struct replay_piece *pc = arg;
	ssize_t got;

	if (pc->off >= pc->end)
		return 0;
	if (n > pc->end - pc->off)
		n = pc->end - pc->off;
	do
		got = pread(pc->src->fd, buf, n, (off_t)pc->off);
	while (got < 0 && errno == EINTR);
	if (got <= 0) {
		/* read once already: the file was cut or is failing */
		*pc->src->changed = got == 0 ? -1 : errno;
		return (size_t)-1;
	}
	pc->off += (size_t)got;
	return (size_t)got;
}

/*
 * Parse one unit the scan found (jansson, on its bytes only). NULL with err
 * naming what and where; *oom when jansson ran out of memory.
 */
static json_t *
replay_unit(struct replay_src *src, const struct jsonscan_unit *u, const char *what,
    int *oom, char err[ERR_LEN])
{
	json_error_t jerr;
	json_t *j;

	if (src->data != NULL)
		j = json_loadb(src->data + u->off, u->len, JSON_REJECT_DUPLICATES |
		    JSON_DECODE_ANY, &jerr);
	else if (u->len <= REPLAY_UNIT_READ && src->unit != NULL) {
		struct replay_piece pc = { src, src->base + u->off, src->base + u->off + u->len };
		size_t got = 0, n;

		if (src->unit->cap < u->len + 1) {
			src->unit->cap = u->len + 1;
			src->unit->p = xrealloc(src->unit->p, src->unit->cap);
		}
		while (got < u->len && (n = replay_piece_read(src->unit->p + got, u->len - got,
		    &pc)) != (size_t)-1 && n > 0)
			got += n;
		if (got < u->len) {
			err_set(err, "%s (from line %zu): %s", what, u->line,
			    *src->changed > 0 ? strerror(*src->changed) :
			    "the file changed while it was read (it is shorter now)");
			return NULL;
		}
		j = json_loadb(src->unit->p, u->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
		    &jerr);
	} else {
		struct replay_piece pc = { src, src->base + u->off, src->base + u->off + u->len };

		j = json_load_callback(replay_piece_read, &pc, JSON_REJECT_DUPLICATES |
		    JSON_DECODE_ANY, &jerr);
		if (j == NULL && *src->changed) {
			err_set(err, "%s (from line %zu): %s", what, u->line,
			    *src->changed > 0 ? strerror(*src->changed) :
			    "the file changed while it was read (it is shorter now)");
			return NULL;
		}
	}
	if (j != NULL)
		return j;
	/* jansson says so, or (2.14, when an allocation of its own lexer fails)
	 * gives no text at all: every parse error has one */
	if (json_error_code(&jerr) == json_error_out_of_memory || jerr.text[0] == '\0') {
		*oom = 1;
		err_set(err, "out of memory parsing %s (%zu bytes, from line %zu)", what, u->len,
		    u->line);
	} else
		/* jansson's line is within the unit; its text may quote a byte */
		err_set(err, "%s (from line %zu): line %d of it, column %d: %s", what, u->line,
		    jerr.line, jerr.column, jerr.text);
	text_escape_err(err);
	return NULL;
}

/* Warnings saved with the diagnosis: copied (diag_warn sanitises and caps). */
static int
replay_warnings(struct diagnosis *d, struct replay_src *src, const struct jsonscan_member *m,
    int *oom, char err[ERR_LEN])
{
	size_t i;

	if (m == NULL || !m->is_array)
		return 0;
	for (i = 0; i < m->nelements && d->nwarnings < DIAG_MAX_WARNINGS; i++) {
		json_t *w = replay_unit(src, &m->elements[i], "a warning", oom, err);

		if (w == NULL)
			return -1;
		if (json_is_string(w)) {
			/* made safe to show, as everything in a diagnosis is */
			char *t = text_sanitize(json_string_value(w), json_string_length(w),
			    REPLAY_MAX_STRING);

			diag_warn(d, "%s", t);
			free(t);
		}
		json_decref(w);
	}
	return 0;
}

/* jsonscan_top_read()'s reader on a span of the file. */
struct replay_span {
	int	fd;
	size_t	off, end;
};

static ssize_t
replay_span_read(void *arg, char *buf, size_t n)
{
	struct replay_span *sp = arg;
	ssize_t got;

	if (n > sp->end - sp->off)
		n = sp->end - sp->off;
	if (n == 0)
		return 0;
	do
		got = pread(sp->fd, buf, n, (off_t)sp->off);
	while (got < 0 && errno == EINTR);
	if (got == 0) {
		errno = ENODATA;	/* cut since it was scanned */
		return -1;
	}
	if (got > 0)
		sp->off += (size_t)got;
	return got;
}

/*
 * One entry of "history", u: its members other than "incidents" parsed
 * together, then its verdicts (the elements of "incidents") one at a time,
 * as the scan counted them (replay_limits), so that an entry of a verify
 * after a diagnosis at the cap is read in the memory of a verdict.
 */
static int
replay_history_entry(struct diagnosis *d, struct replay_src *src,
    const struct jsonscan_unit *u, size_t index, int *oom, char err[ERR_LEN])
{
	struct diag_history *h = &d->history[index];
	struct replay_src sub = *src;
	const struct jsonscan_member *inc = NULL;
	struct jsonscan es;
	char first, why[ERR_LEN];
	json_t *head = NULL;
	size_t i;
	int rc = -1;

	if (src->data != NULL)
		first = src->data[u->off];
	else if (pread(src->fd, &first, 1, (off_t)(src->base + u->off)) != 1)
		first = 0;
	if (first != '{') {
		/* not an object: render_history says so */
		json_t *e = replay_unit(src, u, "an entry of \"history\"", oom, err);

		if (e == NULL)
			return -1;
		d->nhistory++;
		rc = render_history_entry_from_json(e, index, h, err);
		json_decref(e);
		return rc;
	}
	if (src->data != NULL) {
		sub.data = src->data + u->off;
		rc = jsonscan_top(sub.data, u->len, &replay_entry_limits, &es, why);
	} else {
		struct replay_span sp = { src->fd, src->base + u->off, src->base + u->off + u->len };

		sub.base = src->base + u->off;
		rc = jsonscan_top_read(replay_span_read, &sp, &replay_entry_limits, &es, why);
		if (rc != 0 && errno == ENODATA)
			*src->changed = -1;
	}
	if (rc != 0)
		return err_set(err, "an entry of \"history\" (from line %zu): %s", u->line, why);
	rc = -1;
	/* the entry's units by their lines in the file */
	for (i = 0; i < es.nmembers; i++) {
		struct jsonscan_member *m = &es.members[i];
		size_t k;

		m->value.line += u->line - 1;
		for (k = 0; k < m->nelements; k++)
			m->elements[k].line += u->line - 1;
	}
	head = json_object();
	for (i = 0; i < es.nmembers; i++) {
		const struct jsonscan_member *m = &es.members[i];
		json_t *v;

		if (strcmp(m->key, "incidents") == 0 && m->is_array) {
			inc = m;
			continue;
		}
		if ((v = replay_unit(&sub, &m->value, "an entry of \"history\"", oom, err)) == NULL)
			goto out;
		json_object_set_new(head, m->key, v);
	}
	d->nhistory++;
	if (render_history_entry_from_json(head, index, h, err) != 0)
		goto out;
	if (inc != NULL) {
		h->verdicts = xcalloc(inc->nelements + 1, sizeof(*h->verdicts));
		for (i = 0; i < inc->nelements; i++) {
			json_t *v = replay_unit(&sub, &inc->elements[i],
			    "an incident of an entry of \"history\"", oom, err);
			int bad;

			if (v == NULL)
				goto out;
			bad = render_history_verdict_from_json(v, index, h, err);
			json_decref(v);
			if (bad)
				goto out;
		}
	}
	rc = 0;
out:
	json_decref(head);
	jsonscan_free(&es);
	return rc;
}

static int
replay_history(struct diagnosis *d, struct replay_src *src, const struct jsonscan_member *m,
    int *oom, char err[ERR_LEN])
{
	size_t i;

	if (m == NULL)
		return 0;
	if (!m->is_array) {
		json_t *v = replay_unit(src, &m->value, "\"history\"", oom, err);
		int bad = v == NULL || !json_is_null(v);

		json_decref(v);
		if (v != NULL && bad)
			err_set(err, "\"history\" is not an array");
		return bad ? -1 : 0;
	}
	if (m->nelements > DIAG_MAX_HISTORY)
		return err_set(err, "more than %d entries in \"history\"", DIAG_MAX_HISTORY);
	d->history = xcalloc(m->nelements ? m->nelements : 1, sizeof(*d->history));
	for (i = 0; i < m->nelements; i++)
		if (replay_history_entry(d, src, &m->elements[i], i, oom, err) != 0)
			return -1;
	return 0;
}

static int
replay_inputs(struct diagnosis *d, struct replay_src *src, const struct jsonscan_member *m,
    int *oom, char err[ERR_LEN])
{
	size_t i;

	if (m == NULL || !m->is_array)
		return 0;
	d->inputs = xcalloc(m->nelements + 1, sizeof(*d->inputs));
	for (i = 0; i < m->nelements; i++) {
		json_t *in = replay_unit(src, &m->elements[i], "an element of \"inputs\"", oom,
		    err);
		struct diag_input *di = &d->inputs[d->ninputs];

		if (in == NULL)
			return -1;
		if ((di->name = replay_str(in, "file")) != NULL) {
			const json_t *y;

			di->lines = replay_count(in, "lines");
			di->format = replay_str(in, "format");
			di->error = replay_str(in, "error");
			di->set = replay_str(in, "set");
			di->order = (unsigned)replay_count(in, "read_order");
			if ((y = json_object_get(in, "year")) != NULL && json_is_object(y)) {
				di->year_from = replay_str(y, "from");
				di->year_anchor = replay_str(y, "anchor");
			}
			d->ninputs++;
		}
		json_decref(in);
	}
	return 0;
}

/*
 * The diagnosis from the units the scan found (jsonscan.h), read from src,
 * in the order of old: the incidents, then the rest, whatever the order in
 * the file. Frees scan.
 */
static int
replay_parse(struct replay_src *src, struct jsonscan *scan_, const struct kb *kb,
    struct diagnosis **out, int *oom, char err[ERR_LEN])
{
	const struct jsonscan_member *inc, *m;
	struct diagnosis *d = NULL;
	struct jsonscan scan = *scan_;
	char what[64];
	size_t i;
	int rc = -1;

	*out = NULL;
	if ((inc = jsonscan_find(&scan, "incidents")) == NULL || !inc->is_array) {
		jsonscan_free(&scan);
		return err_set(err, "not a kbdiag diagnosis: no \"incidents\" array at the top");
	}
	d = xcalloc(1, sizeof(*d));
	d->incidents = xcalloc(inc->nelements ? inc->nelements : 1, sizeof(*d->incidents));
	for (i = 0; i < inc->nelements; i++) {
		json_t *o;
		int bad;

		snprintf(what, sizeof(what), "incident %zu", i + 1);
		if ((o = replay_unit(src, &inc->elements[i], what, oom, err)) == NULL)
			goto out;
		d->nincidents++;
		d->incidents[i].strings = diag_strings_of(d);
		bad = replay_incident(&d->incidents[i], o, i, kb, err);
		json_decref(o);
		if (bad)
			goto out;
	}
	if (replay_inputs(d, src, jsonscan_find(&scan, "inputs"), oom, err) != 0)
		goto out;
	if ((m = jsonscan_find(&scan, "summary")) != NULL) {
		json_t *o = replay_unit(src, &m->value, "\"summary\"", oom, err);

		if (o == NULL)
			goto out;
		replay_summary(d, o);
		json_decref(o);
	}
	/* kbdiag verify's history: kept as it was written. */
	if (replay_history(d, src, jsonscan_find(&scan, "history"), oom, err) != 0 ||
	    replay_warnings(d, src, jsonscan_find(&scan, "warnings"), oom, err) != 0)
		goto out;
	if ((m = jsonscan_find(&scan, "probe_note")) != NULL) {
		json_t *o = replay_unit(src, &m->value, "\"probe_note\"", oom, err);

		if (o == NULL)
			goto out;
		if (json_is_string(o))
			d->probe_note = text_sanitize(json_string_value(o), json_string_length(o),
			    REPLAY_TEXT_MAX);
		json_decref(o);
	}
	diag_rank(d, kb);
	rc = 0;
out:
	jsonscan_free(&scan);
	if (rc == 0)
		*out = d;
	else
		diag_free(d);
	return rc;
}

static void
replay_too_large(const char *path, char err[ERR_LEN])
{
	err_set(err, "%s: larger than %u MiB: not a diagnosis kbdiag wrote", path,
	    REPLAY_MAX_BYTES >> 20);
}

/* The check before the scan's words: there must be an object at the top. */
static int
replay_top_check(int first, char err[ERR_LEN])
{
	if (first == '{')
		return 0;
	return err_set(err, "not a kbdiag diagnosis: %s", first < 0 ? "the file is empty" :
	    "a JSON object is expected at the top");
}

int
replay_load(const char *data, size_t len, const struct kb *kb, struct diagnosis **out,
    char err[ERR_LEN])
{
	int changed = 0;
	struct replay_src src = { data, len, -1, 0, &changed, NULL };
	struct jsonscan scan;
	int oom = 0, first = -1;
	size_t i;

	*out = NULL;
	for (i = 0; i < len && strchr(" \t\r\n", data[i]) && data[i]; i++)
		;
	if (i < len)
		first = (unsigned char)data[i];
	if (replay_top_check(first, err) != 0 ||
	    jsonscan_top(data, len, &replay_limits, &scan, err) != 0)
		return -1;
	if (replay_parse(&src, &scan, kb, out, &oom, err) == 0)
		return 0;
	return oom ? REPLAY_OOM : -1;
}

int
replay_open(const char *path, struct replay_file *f, char err[ERR_LEN])
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	/* non-blocking: a FIFO put in its place must not hang the open */
	if ((f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	if (fstat(f->fd, &st) != 0) {
		err_set(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, "%s: not a regular file (%s): a saved diagnosis is a file", path,
		    S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" :
		    S_ISCHR(st.st_mode) ? "a character device" : S_ISSOCK(st.st_mode) ?
		    "a socket" : "a device");
		goto fail;
	}
	if (st.st_size > (off_t)REPLAY_MAX_BYTES) {
		replay_too_large(path, err);
		goto fail;
	}
	f->path = xstrdup(path);
	f->size = st.st_size;
	f->mtime = st.st_mtim;
	return 0;
fail:
	close(f->fd);
	f->fd = -1;
	return -1;
}

int
replay_peek(struct replay_file *f, int loose, unsigned char head[2], size_t *n,
    char err[ERR_LEN])
{
	unsigned char b[4096];
	size_t off = 0;

	*n = 0;
	for (;;) {
		ssize_t got = pread(f->fd, b, sizeof(b), (off_t)off), i = 0;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return err_set(err, "%s: %s", f->path, strerror(errno));
		if (got == 0)
			return 0;
		if (off == 0 && loose && got >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0)
			i = 3;
		for (; i < got; i++) {
			if (*n == 0 && (strchr(" \t\r\n", b[i]) != NULL && (loose || b[i] != '\0')))
				continue;
			head[(*n)++] = b[i];
			if (*n == 2)
				return 0;
		}
		off += (size_t)got;
	}
}

/* jsonscan_top_read()'s reader on a replay_file, from its start. */
struct replay_reader {
	struct replay_file	*f;
	size_t			 got;
	int			 failed;	/* its errno */
};

static ssize_t
replay_reader_read(void *arg, char *buf, size_t n)
{
	struct replay_reader *r = arg;
	ssize_t got;

	do
		got = read(r->f->fd, buf, n);
	while (got < 0 && errno == EINTR);
	if (got > 0 && (size_t)got > REPLAY_MAX_BYTES - r->got)
		errno = EFBIG;	/* it grew past the limit since it was opened */
	else if (got >= 0) {
		r->got += (size_t)got;
		return got;
	}
	r->failed = errno;
	return -1;
}

int
replay_load_open(struct replay_file *f, const struct kb *kb, struct diagnosis **out,
    char err[ERR_LEN])
{
	int changed = 0;
	struct replay_ubuf unit = { NULL, 0 };
	struct replay_src src = { NULL, 0, f->fd, 0, &changed, &unit };
	struct replay_reader rd = { f, 0, 0 };
	struct jsonscan scan;
	struct stat st;
	unsigned char head[2];
	size_t nhead;
	int oom = 0, rc;

	*out = NULL;
	if (replay_peek(f, 0, head, &nhead, err) != 0)
		return REPLAY_IO;
	if (replay_top_check(nhead ? head[0] : -1, err) != 0)
		return -1;
	if (lseek(f->fd, 0, SEEK_SET) != 0)
		return err_set(err, "%s: %s", f->path, strerror(errno)), REPLAY_IO;
	if (jsonscan_top_read(replay_reader_read, &rd, &replay_limits, &scan, err) != 0) {
		if (rd.failed == EFBIG)
			replay_too_large(f->path, err);
		else if (rd.failed)
			err_set(err, "%s: %s", f->path, strerror(rd.failed));
		return rd.failed ? REPLAY_IO : -1;
	}
	rc = replay_parse(&src, &scan, kb, out, &oom, err);
	free(unit.p);
	if (rc == 0 && fstat(f->fd, &st) == 0 && (st.st_size != f->size ||
	    st.st_mtim.tv_sec != f->mtime.tv_sec || st.st_mtim.tv_nsec != f->mtime.tv_nsec)) {
		diag_free(*out);
		*out = NULL;
		err_set(err, "%s: the file changed while it was read", f->path);
		return REPLAY_IO;
	}
	if (rc != 0 && changed) {
		char why[ERR_LEN];

		snprintf(why, sizeof(why), "%s", err);
		err_set(err, "%s: %s", f->path, why);
		return REPLAY_IO;
	}
	return rc == 0 ? 0 : oom ? REPLAY_OOM : -1;
}

void
replay_close(struct replay_file *f)
{
	if (f == NULL)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

int
replay_load_file(const char *path, const struct kb *kb, struct diagnosis **out,
    char err[ERR_LEN])
{
	struct replay_file f;
	char why[ERR_LEN];
	int rc;

	*out = NULL;
	if (replay_open(path, &f, err) != 0)
		return -1;
	if ((rc = replay_load_open(&f, kb, out, why)) == REPLAY_IO)
		snprintf(err, ERR_LEN, "%s", why), rc = -1;
	else if (rc != 0)
		err_set(err, "%s: %s", path, why);
	replay_close(&f);
	return rc;
}
