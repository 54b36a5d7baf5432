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

/* The limits of a saved diagnosis (replay.h). */
static const struct jsonscan_limits replay_limits = {
	REPLAY_MAX_DEPTH, REPLAY_MAX_STRING, REPLAY_MAX_MEMBERS, REPLAY_MAX_INCIDENTS,
	REPLAY_MAX_VALUES
};

/*
 * Parse one unit the scan found (jansson, on its bytes only). NULL with err
 * naming what and where; *oom when jansson ran out of memory.
 */
static json_t *
replay_unit(const char *data, const struct jsonscan_unit *u, const char *what,
    int *oom, char err[ERR_LEN])
{
	json_error_t jerr;
	json_t *j;

	j = json_loadb(data + u->off, u->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
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
replay_warnings(struct diagnosis *d, const char *data, const struct jsonscan_member *m,
    int *oom, char err[ERR_LEN])
{
	size_t i;

	if (m == NULL || !m->is_array)
		return 0;
	for (i = 0; i < m->nelements && d->nwarnings < DIAG_MAX_WARNINGS; i++) {
		json_t *w = replay_unit(data, &m->elements[i], "a warning", oom, err);

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

static int
replay_history(struct diagnosis *d, const char *data, const struct jsonscan_member *m,
    int *oom, char err[ERR_LEN])
{
	size_t i;

	if (m == NULL)
		return 0;
	if (!m->is_array) {
		json_t *v = replay_unit(data, &m->value, "\"history\"", oom, err);
		int bad = v == NULL || !json_is_null(v);

		json_decref(v);
		if (v != NULL && bad)
			err_set(err, "\"history\" is not an array");
		return bad ? -1 : 0;
	}
	if (m->nelements > DIAG_MAX_HISTORY)
		return err_set(err, "more than %d entries in \"history\"", DIAG_MAX_HISTORY);
	d->history = xcalloc(m->nelements ? m->nelements : 1, sizeof(*d->history));
	for (i = 0; i < m->nelements; i++) {
		json_t *e = replay_unit(data, &m->elements[i], "an entry of \"history\"", oom,
		    err);
		int rc;

		if (e == NULL)
			return -1;
		d->nhistory++;
		rc = render_history_entry_from_json(e, i, &d->history[i], err);
		json_decref(e);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int
replay_inputs(struct diagnosis *d, const char *data, const struct jsonscan_member *m,
    int *oom, char err[ERR_LEN])
{
	size_t i;

	if (m == NULL || !m->is_array)
		return 0;
	d->inputs = xcalloc(m->nelements + 1, sizeof(*d->inputs));
	for (i = 0; i < m->nelements; i++) {
		json_t *in = replay_unit(data, &m->elements[i], "an element of \"inputs\"", oom,
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

static int
replay_parse(const char *data, size_t len, const struct kb *kb, struct diagnosis **out,
    int *oom, char err[ERR_LEN])
{
	const struct jsonscan_member *inc, *m;
	struct diagnosis *d = NULL;
	struct jsonscan scan;
	char what[64];
	size_t i;
	int rc = -1;

	*out = NULL;
	for (i = 0; i < len && strchr(" \t\r\n", data[i]) && data[i]; i++)
		;
	if (i == len || data[i] != '{')
		return err_set(err, "not a kbdiag diagnosis: %s", i == len ? "the file is empty" :
		    "a JSON object is expected at the top");
	if (jsonscan_top(data, len, &replay_limits, &scan, err) != 0)
		return -1;
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
		if ((o = replay_unit(data, &inc->elements[i], what, oom, err)) == NULL)
			goto out;
		d->nincidents++;
		d->incidents[i].strings = diag_strings_of(d);
		bad = replay_incident(&d->incidents[i], o, i, kb, err);
		json_decref(o);
		if (bad)
			goto out;
	}
	if (replay_inputs(d, data, jsonscan_find(&scan, "inputs"), oom, err) != 0)
		goto out;
	if ((m = jsonscan_find(&scan, "summary")) != NULL) {
		json_t *o = replay_unit(data, &m->value, "\"summary\"", oom, err);

		if (o == NULL)
			goto out;
		replay_summary(d, o);
		json_decref(o);
	}
	/* kbdiag verify's history: kept as it was written. */
	if (replay_history(d, data, jsonscan_find(&scan, "history"), oom, err) != 0 ||
	    replay_warnings(d, data, jsonscan_find(&scan, "warnings"), oom, err) != 0)
		goto out;
	if ((m = jsonscan_find(&scan, "probe_note")) != NULL) {
		json_t *o = replay_unit(data, &m->value, "\"probe_note\"", oom, err);

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

int
replay_load(const char *data, size_t len, const struct kb *kb, struct diagnosis **out,
    char err[ERR_LEN])
{
	int oom = 0;

	if (replay_parse(data, len, kb, out, &oom, err) == 0)
		return 0;
	return oom ? REPLAY_OOM : -1;
}

int
replay_read_file(const char *path, struct buf *out, char err[ERR_LEN])
{
	struct stat st;
	int fd, rc = -1;

	buf_reset(out);
	/* non-blocking: a FIFO put in its place must not hang the open */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		err_set(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, "%s: not a regular file (%s): a saved diagnosis is a file", path,
		    S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" :
		    S_ISCHR(st.st_mode) ? "a character device" : S_ISSOCK(st.st_mode) ?
		    "a socket" : "a device");
		goto out;
	}
	if (fd_read_all(fd, out, REPLAY_MAX_BYTES) != 0) {
		if (errno == EFBIG)
			err_set(err, "%s: larger than %u MiB: not a diagnosis kbdiag wrote", path,
			    REPLAY_MAX_BYTES >> 20);
		else
			err_set(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int
replay_load_file(const char *path, const struct kb *kb, struct diagnosis **out,
    char err[ERR_LEN])
{
	struct buf in = BUF_INIT;
	char why[ERR_LEN];
	int rc;

	*out = NULL;
	if ((rc = replay_read_file(path, &in, err)) == 0 &&
	    (rc = replay_load(in.data ? in.data : "", in.len, kb, out, why)) != 0)
		err_set(err, "%s: %s", path, why);
	buf_free(&in);
	return rc;
}
