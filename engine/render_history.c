/*
 * render_history: a diagnosis's history as JSON and back.
 */
#include "render_history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_sink.h"
#include "util/text.h"
#include "util/xmem.h"

#define HISTORY_TEXT_MAX	4000	/* bytes of one string kept */

int
render_history_outcome_valid(const char *s)
{
	return s && (strcmp(s, "fixed") == 0 || strcmp(s, "not-fixed") == 0 ||
	    strcmp(s, "inconclusive") == 0);
}

/*
 * Written by the JSON writer (render_json.h), a verdict at a time: the
 * members in the order and form the tree of jansson had (a string that is
 * not UTF-8, which jansson refused and so dropped with its key, is written
 * sanitised, as the writer writes every string; a NULL element of a list
 * of strings is left out, as jansson left it).
 */
static void
rh_strs(struct jw *w, const char *key, char *const *v, size_t n)
{
	size_t i;

	jw_key(w, key);
	jw_arr(w);
	for (i = 0; i < n; i++)
		if (v[i] != NULL)
			jw_str(w, v[i]);
	jw_end(w);
}

void
render_history_head_jw(struct jw *w, const struct diag_history *h)
{
	size_t j;

	jw_kstr(w, "when", h->when);
	jw_kstr(w, "outcome", h->outcome);
	jw_kstr(w, "applied_at", h->applied_when);
	jw_key(w, "applied");
	jw_arr(w);
	for (j = 0; j < h->napplied; j++) {
		jw_obj(w);
		jw_kstr(w, "fix", h->applied[j].fix);
		jw_kstr(w, "path", h->applied[j].path);
		jw_kstr(w, "what", h->applied[j].what);
		jw_end(w);
	}
	jw_end(w);
	jw_key(w, "watch");
	if (h->watch == NULL)
		jw_null(w);
	else {
		jw_obj(w);
		jw_kstr(w, "log", h->watch);
		jw_kint(w, "seconds", (long long)h->watch_seconds);
		jw_kint(w, "lines", (long long)h->watch_lines);
		jw_end(w);
	}
}

void
render_history_verdict_jw(struct jw *w, const struct diag_verdict *v)
{
	size_t i;

	jw_obj(w);
	jw_kstr(w, "article", v->article);
	jw_kstr(w, "peer", v->peer);
	jw_kstr(w, "cause", v->cause);
	jw_kstr(w, "outcome", v->outcome);
	jw_kstr(w, "why", v->why);
	jw_key(w, "seen");
	jw_arr(w);
	for (i = 0; i < v->nseen; i++) {
		jw_obj(w);
		jw_kstr(w, "source", v->seen[i].source);
		jw_kstr(w, "value", v->seen[i].value);
		jw_kstr(w, "origin", v->seen[i].origin);
		jw_kstr(w, "detail", v->seen[i].detail);
		jw_end(w);
	}
	jw_end(w);
	jw_key(w, "next");
	if (v->next_cause == NULL)
		jw_null(w);
	else {
		jw_obj(w);
		jw_kstr(w, "cause", v->next_cause);
		jw_kstr(w, "title", v->next_title);
		rh_strs(w, "steps", v->next_steps, v->nnext_steps);
		rh_strs(w, "fixes", v->next_fixes, v->nnext_fixes);
		jw_end(w);
	}
	jw_end(w);
}

void
render_history_jw(struct jw *w, const struct diag_history *h, size_t n,
    struct render_sink *sink)
{
	size_t i, j;

	jw_arr(w);
	for (i = 0; i < n; i++) {
		jw_obj(w);
		render_history_head_jw(w, &h[i]);
		jw_key(w, "incidents");
		jw_arr(w);
		for (j = 0; j < h[i].nverdicts; j++) {
			render_history_verdict_jw(w, &h[i].verdicts[j]);
			render_sink_part(w->out, sink);
		}
		jw_end(w);
		jw_end(w);
	}
	jw_end(w);
}

/* ---------------------------------------------------------------------- */

struct rh_ctx {
	size_t	entry;
	char	*err;
};

/* A string key: *dst sanitised, NULL for null or absent; -1 when required. */
static int
rh_get(const struct rh_ctx *c, const json_t *o, const char *key, int required, char **dst)
{
	const json_t *v = json_object_get(o, key);

	*dst = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return err_set(c->err, "history[%zu]: \"%s\" is missing", c->entry, key);
		return 0;
	}
	if (!json_is_string(v))
		return err_set(c->err, "history[%zu]: \"%s\" is not a string", c->entry, key);
	*dst = text_sanitize(json_string_value(v), json_string_length(v), HISTORY_TEXT_MAX);
	return 0;
}

static int
rh_array(const struct rh_ctx *c, const json_t *o, const char *key, const json_t **a)
{
	/* a verdict per incident held: as many as a diagnosis has */
	size_t max = strcmp(key, "incidents") == 0 ? HISTORY_MAX_VERDICTS : HISTORY_MAX_ITEMS;

	*a = json_object_get(o, key);
	if (*a == NULL || json_is_null(*a)) {
		*a = NULL;
		return 0;
	}
	if (!json_is_array(*a))
		return err_set(c->err, "history[%zu]: \"%s\" is not an array", c->entry, key);
	if (json_array_size(*a) > max)
		return err_set(c->err, "history[%zu]: more than %zu entries in \"%s\"", c->entry,
		    max, key);
	return 0;
}

static unsigned long
rh_count(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
	    (unsigned long)json_integer_value(v) : 0;
}

static int
rh_strings(const struct rh_ctx *c, const json_t *o, const char *key, char ***out,
    size_t *n)
{
	const json_t *a;
	size_t i;

	*out = NULL;
	*n = 0;
	if (rh_array(c, o, key, &a) != 0)
		return -1;
	if (a == NULL)
		return 0;
	*out = xcalloc(json_array_size(a) + 1, sizeof(**out));
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *s = json_array_get(a, i);

		if (!json_is_string(s))
			return err_set(c->err, "history[%zu]: \"%s\" holds a value that is not a "
			    "string", c->entry, key);
		(*out)[(*n)++] = text_sanitize(json_string_value(s), json_string_length(s),
		    HISTORY_TEXT_MAX);
	}
	return 0;
}

static int
rh_verdict(const struct rh_ctx *c, const json_t *o, struct diag_verdict *v)
{
	const json_t *a, *next;
	size_t i;

	if (!json_is_object(o))
		return err_set(c->err, "history[%zu]: an incident is not an object", c->entry);
	if (rh_get(c, o, "article", 1, &v->article) != 0 ||
	    rh_get(c, o, "peer", 0, &v->peer) != 0 ||
	    rh_get(c, o, "cause", 0, &v->cause) != 0 ||
	    rh_get(c, o, "outcome", 1, &v->outcome) != 0 ||
	    rh_get(c, o, "why", 0, &v->why) != 0)
		return -1;
	if (!render_history_outcome_valid(v->outcome))
		return err_set(c->err, "history[%zu]: outcome '%.40s' is not fixed, not-fixed "
		    "or inconclusive", c->entry, v->outcome);
	if (rh_array(c, o, "seen", &a) != 0)
		return -1;
	if (a != NULL) {
		v->seen = xcalloc(json_array_size(a) + 1, sizeof(*v->seen));
		for (i = 0; i < json_array_size(a); i++) {
			const json_t *x = json_array_get(a, i);
			struct diag_observation *ob = &v->seen[v->nseen];

			if (!json_is_object(x))
				return err_set(c->err, "history[%zu]: \"seen\" holds a value that "
				    "is not an object", c->entry);
			v->nseen++;
			if (rh_get(c, x, "source", 1, &ob->source) != 0 ||
			    rh_get(c, x, "value", 0, &ob->value) != 0 ||
			    rh_get(c, x, "origin", 0, &ob->origin) != 0 ||
			    rh_get(c, x, "detail", 0, &ob->detail) != 0)
				return -1;
		}
	}
	next = json_object_get(o, "next");
	if (next != NULL && !json_is_null(next)) {
		if (!json_is_object(next))
			return err_set(c->err, "history[%zu]: \"next\" is not an object",
			    c->entry);
		if (rh_get(c, next, "cause", 1, &v->next_cause) != 0 ||
		    rh_get(c, next, "title", 0, &v->next_title) != 0 ||
		    rh_strings(c, next, "steps", &v->next_steps, &v->nnext_steps) != 0 ||
		    rh_strings(c, next, "fixes", &v->next_fixes, &v->nnext_fixes) != 0)
			return -1;
	}
	return 0;
}

static int
rh_entry(const struct rh_ctx *c, const json_t *o, struct diag_history *h)
{
	const json_t *a, *w;
	size_t i;

	if (!json_is_object(o))
		return err_set(c->err, "history[%zu] is not an object", c->entry);
	if (rh_get(c, o, "when", 1, &h->when) != 0 ||
	    rh_get(c, o, "outcome", 1, &h->outcome) != 0 ||
	    rh_get(c, o, "applied_at", 0, &h->applied_when) != 0)
		return -1;
	if (!render_history_outcome_valid(h->outcome))
		return err_set(c->err, "history[%zu]: outcome '%.40s' is not fixed, not-fixed or "
		    "inconclusive", c->entry, h->outcome);
	if (rh_array(c, o, "applied", &a) != 0)
		return -1;
	if (a != NULL) {
		h->applied = xcalloc(json_array_size(a) + 1, sizeof(*h->applied));
		for (i = 0; i < json_array_size(a); i++) {
			const json_t *x = json_array_get(a, i);
			struct diag_applied *e = &h->applied[h->napplied];

			if (!json_is_object(x))
				return err_set(c->err, "history[%zu]: \"applied\" holds a value "
				    "that is not an object", c->entry);
			h->napplied++;
			if (rh_get(c, x, "fix", 1, &e->fix) != 0 ||
			    rh_get(c, x, "path", 0, &e->path) != 0 ||
			    rh_get(c, x, "what", 0, &e->what) != 0)
				return -1;
		}
	}
	w = json_object_get(o, "watch");
	if (w != NULL && !json_is_null(w)) {
		if (!json_is_object(w))
			return err_set(c->err, "history[%zu]: \"watch\" is not an object",
			    c->entry);
		if (rh_get(c, w, "log", 1, &h->watch) != 0)
			return -1;
		h->watch_seconds = rh_count(w, "seconds");
		h->watch_lines = rh_count(w, "lines");
	}
	if (rh_array(c, o, "incidents", &a) != 0)
		return -1;
	if (a != NULL) {
		h->verdicts = xcalloc(json_array_size(a) + 1, sizeof(*h->verdicts));
		for (i = 0; i < json_array_size(a); i++) {
			h->nverdicts++;
			if (rh_verdict(c, json_array_get(a, i), &h->verdicts[i]) != 0)
				return -1;
		}
	}
	return 0;
}

int
render_history_entry_from_json(const json_t *o, size_t index, struct diag_history *h,
    char err[ERR_LEN])
{
	struct rh_ctx c;

	c.err = err;
	c.entry = index;
	return rh_entry(&c, o, h);
}

int
render_history_verdict_from_json(const json_t *o, size_t index, struct diag_history *h,
    char err[ERR_LEN])
{
	struct rh_ctx c;

	c.err = err;
	c.entry = index;
	if (h->nverdicts >= HISTORY_MAX_VERDICTS)
		return err_set(err, "history[%zu]: more than %d entries in \"incidents\"", index,
		    HISTORY_MAX_VERDICTS);
	return rh_verdict(&c, o, &h->verdicts[h->nverdicts++]);
}

int
render_history_from_json(const json_t *j, struct diag_history **out, size_t *n,
    char err[ERR_LEN])
{
	struct diag_history *h;
	struct rh_ctx c;
	size_t i, count;

	*out = NULL;
	*n = 0;
	if (!json_is_array(j))
		return err_set(err, "\"history\" is not an array");
	count = json_array_size(j);
	if (count > DIAG_MAX_HISTORY)
		return err_set(err, "more than %d entries in \"history\"", DIAG_MAX_HISTORY);
	h = xcalloc(count ? count : 1, sizeof(*h));
	c.err = err;
	for (i = 0; i < count; i++) {
		c.entry = i;
		if (rh_entry(&c, json_array_get(j, i), &h[i]) != 0) {
			for (; ; i--) {
				diag_history_clear(&h[i]);
				if (i == 0)
					break;
			}
			free(h);
			return -1;
		}
	}
	*out = h;
	*n = count;
	return 0;
}
