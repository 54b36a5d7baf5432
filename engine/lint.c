#include "lint.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backtrack.h"
#include "util/buf.h"
#include "util/clock.h"
#include "fix.h"
#include "pattern.h"
#include "probe_dos.h"
#include "query.h"
#include "util/text.h"
#include "util/xmem.h"

static void
lint_report(lint_problem_fn on_problem, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
lint_report(lint_problem_fn on_problem, void *arg, const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	text_escape_err(msg);	/* examples and patterns are quoted */
	if (on_problem)
		on_problem(arg, msg);
}

/*
 * Other articles' patterns that match this line without a declared overlap.
 * Each offending symptom is passed to fn (when not NULL). Returns how many.
 */
static size_t
lint_undeclared(const struct kb *kb, struct matcher *m, const struct kb_article *a,
    const char *line, void (*fn)(void *ctx, const struct match_hit *hit), void *ctx)
{
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;
	size_t i, n, count = 0;

	n = match_line(m, line, strlen(line), &hits, &gave_up);
	for (i = 0; i < n; i++) {
		if (hits[i].article == a || kb_find_overlap(kb, a->id, hits[i].article->id))
			continue;
		count++;
		if (fn)
			fn(ctx, &hits[i]);
	}
	return count;
}

struct lint_overlap_ctx {
	const struct kb_article	*article;
	const struct kb_symptom	*symptom;
	const char		*line;
	const char		*what;		/* "example", "message" */
	lint_problem_fn		 on_problem;
	void			*arg;
	const struct kb_article	**seen;		/* pairs reported: other article */
	size_t			 nseen;
	size_t			 problems;
};

static void
lint_overlap_found(void *ctx, const struct match_hit *hit)
{
	struct lint_overlap_ctx *c = ctx;
	size_t i;

	/* One report per pair of articles is enough. */
	for (i = 0; i < c->nseen; i++)
		if (c->seen[i] == hit->article)
			return;
	c->seen[c->nseen++] = hit->article;
	c->problems++;
	lint_report(c->on_problem, c->arg, "%s:%ld: %s symptom '%s': its %s \"%s\" also "
	    "matches %s symptom '%s' (%s:%ld); declare the overlap in overlaps.xml",
	    c->symptom->file, c->symptom->line, c->article->id, c->symptom->id, c->what,
	    c->line, hit->article->id, hit->symptom->id, hit->symptom->file,
	    hit->symptom->line);
}

static size_t
lint_overlaps(const struct kb *kb, struct matcher *m, lint_problem_fn on_problem,
    void *arg)
{
	struct lint_overlap_ctx c = { 0 };
	size_t i, j, k;

	c.on_problem = on_problem;
	c.arg = arg;
	c.seen = xcalloc(kb_article_count(kb) + 1, sizeof(*c.seen));
	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		c.article = a;
		c.nseen = 0;
		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];

			if (s->role == KB_ROLE_DESCRIPTION)
				continue;
			c.symptom = s;
			c.what = "message";
			c.line = s->message;
			lint_undeclared(kb, m, a, s->message, lint_overlap_found, &c);
			c.what = "example";
			for (k = 0; k < s->nexamples; k++) {
				c.line = s->examples[k];
				lint_undeclared(kb, m, a, s->examples[k], lint_overlap_found,
				    &c);
			}
		}
	}
	free(c.seen);
	return c.problems;
}

/*
 * The word classes of the vocabulary (topics count, message, extension,
 * question, determiner, unit, product, stop, tld: engine/query.c,
 * QUERY_CLASS_LIST) are compared with
 * the words a query reads, lower-case runs of letters and digits: a listed
 * word of another shape ("e-mail", "X.400") would never match, and one listed
 * twice in a class is a slip.
 */
static size_t
lint_word_classes(const struct kb *kb, lint_problem_fn on_problem, void *arg)
{
	static const char *const classes[] = { "count", "message", "extension", "question",
	    "determiner", "unit", "product", "stop", "tld" };
	size_t i, k, problems = 0;

	for (i = 0; i < kb_context_count(kb); i++) {
		const struct kb_context *c = kb_context_at(kb, i);
		const char *w = c->words, *p;

		for (k = 0; k < sizeof(classes) / sizeof(classes[0]) &&
		    strcmp(c->topic, classes[k]) != 0; k++)
			;
		if (k == sizeof(classes) / sizeof(classes[0]))
			continue;
		for (w += strspn(w, " \t\n\r"); *w; w += strspn(w, " \t\n\r")) {
			size_t n = strcspn(w, " \t\n\r"), j;
			int shape = n <= 64;

			for (j = 0; j < n && shape; j++)
				shape = islower((unsigned char)w[j]) || isdigit((unsigned char)w[j]);
			if (!shape) {
				problems++;
				lint_report(on_problem, arg, "%s:%ld: '%.*s' in the word class "
				    "\"%s\" is not one lower-case word of letters and digits, "
				    "as a query reads words, so it never matches", c->file,
				    c->line, (int)(n > 64 ? 64 : n), w, c->topic);
			}
			/* listed before in this class? */
			for (p = c->words; shape && p < w; p += strspn(p, " \t\n\r")) {
				size_t m = strcspn(p, " \t\n\r");

				if (m == n && memcmp(p, w, n) == 0) {
					problems++;
					lint_report(on_problem, arg, "%s:%ld: '%.*s' is listed "
					    "twice in the word class \"%s\"", c->file, c->line,
					    (int)n, w, c->topic);
					break;
				}
				p += m;
			}
			w += n;
		}
	}
	return problems;
}

/*
 * The vocabulary: every word a term means must be a word of the rule base,
 * or the term leads nowhere; no word of another field's (topic "elsewhere")
 * may be one.
 */
static size_t
lint_vocabulary(const struct kb *kb, const struct query_index *ix,
    lint_problem_fn on_problem, void *arg)
{
	size_t i, problems = 0;
	char first[64];

	for (i = 0; i < kb_term_count(kb); i++) {
		const struct kb_term *t = kb_term_at(kb, i);

		if (query_index_unknown(ix, t->means, first, sizeof(first)) == 0)
			continue;
		problems++;
		lint_report(on_problem, arg, "%s:%ld: the term for \"%s\" means \"%s\", "
		    "but no article, step or table has the word '%s'", t->file, t->line,
		    t->said[0], t->means, first);
	}
	problems += lint_word_classes(kb, on_problem, arg);
	/* a word of another field is no word of the rule base's */
	for (i = 0; i < kb_context_count(kb); i++) {
		const struct kb_context *c = kb_context_at(kb, i);
		const char *w = c->words;

		if (strcmp(c->topic, "elsewhere") != 0)
			continue;
		while (*w) {
			char word[64];
			size_t n = strcspn(w, " \t\n\r");

			if (n > 0 && n < sizeof(word)) {
				memcpy(word, w, n);
				word[n] = '\0';
				if (query_index_knows(ix, word)) {
					problems++;
					lint_report(on_problem, arg, "%s:%ld: '%s' is listed as "
					    "another field's word (topic \"elsewhere\"), but the "
					    "rule base has it", c->file, c->line, word);
				}
			}
			w += n;
			w += strspn(w, " \t\n\r");
		}
	}
	return problems;
}

size_t
lint_check(const struct kb *kb, struct matcher *m, lint_problem_fn on_problem, void *arg)
{
	size_t i, j, problems = 0;
	int jit = match_jit_available();
	char err[ERR_LEN];

	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];

			if (jit && !match_symptom_jit(m, s)) {
				problems++;
				lint_report(on_problem, arg, "%s:%ld: %s symptom '%s': PCRE2 "
				    "JIT does not compile the pattern", s->file, s->line,
				    a->id, s->id);
			}
			if (s->role != KB_ROLE_DESCRIPTION && !match_symptom_prefiltered(m, s)) {
				problems++;
				lint_report(on_problem, arg, "%s:%ld: %s symptom '%s': the "
				    "pattern has no literal of %d or more bytes that every "
				    "match contains, so it would be tried on every log line "
				    "(see docs/kb-format.md)", s->file, s->line, a->id, s->id,
				    PATTERN_LIT_MIN);
			}
			if (match_symptom(m, s, "", 0) != 0) {
				problems++;
				lint_report(on_problem, arg, "%s:%ld: %s symptom '%s': the "
				    "pattern matches the empty string", s->file, s->line,
				    a->id, s->id);
			}
		}
	}
	problems += lint_overlaps(kb, m, on_problem, arg);
	for (i = 0; i < kb_peer_count(kb); i++) {
		const struct kb_peer *p = kb_peer_at(kb, i);
		int rc = match_text(p->greeting, 1, "", 0, err);

		if (rc < 0) {
			problems++;
			lint_report(on_problem, arg, "%s:%ld: peer '%s': greeting %s", p->file,
			    p->line, p->id, err);
		} else if (rc > 0) {
			problems++;
			lint_report(on_problem, arg, "%s:%ld: peer '%s': the greeting pattern "
			    "matches the empty string", p->file, p->line, p->id);
		}
	}
	for (i = 0; i < kb_cause_count(kb); i++) {
		const struct kb_cause *c = kb_cause_at(kb, i);
		int used = 0;

		for (j = 0; j < kb_article_count(kb) && !used; j++) {
			const struct kb_article *a = kb_article_at(kb, j);
			size_t k;

			for (k = 0; k < a->ncauses; k++)
				used |= a->causes[k].cause == c;
		}
		if (!used) {
			problems++;
			lint_report(on_problem, arg, "%s:%ld: cause '%s' is not used by any "
			    "article", c->file, c->line, c->id);
		}
	}
	/* Every step says how to tell it worked: its own words or its fix's check. */
	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		for (j = 0; j < a->nsteps; j++) {
			const struct kb_step *st = a->steps[j];

			if (st->nworked == 0 && (st->fix == NULL || st->fix->verify == NULL)) {
				problems++;
				lint_report(on_problem, arg, "%s: step '%s' does not say how to "
				    "tell it worked (a <worked> element, or fix=\"ID\")", a->file,
				    st->id);
			}
		}
	}
	{
		struct query_index *ix = query_index_new(kb);

		problems += lint_vocabulary(kb, ix, on_problem, arg);
		query_index_free(ix);
	}
	problems += lint_fixes(kb, on_problem, arg);
	return problems;
}

/* One pattern through backtrack.h; 1 when it is a problem. */
static size_t
lint_backtrack_one(const char *pattern, int caseless, const char *const *examples,
    size_t nexamples, const char *where, lint_problem_fn on_problem, void *arg,
    struct lint_backtrack_stats *st)
{
	struct backtrack_report r;
	double t0;

	char shape[ERR_LEN], err[ERR_LEN];
	int bad_shape = backtrack_shape(pattern, shape);

	t0 = clock_s();
	if (backtrack_measure(pattern, caseless, examples, nexamples, &r, err) != 0)
		return 0;	/* lint_check() reports what does not compile */
	st->patterns++;
	st->lines += r.lines;
	st->usec += (clock_s() - t0) * 1e6;
	if (bad_shape && !r.superlinear) {
		/* PCRE2's optimisations may save this pattern on the lines tried;
		 * the shape is still a trap (another line, grep -E, a new PCRE2) */
		lint_report(on_problem, arg, "%s: %s (on %zu crafted lines PCRE2 stayed "
		    "within %d steps a byte)", where, shape, r.lines, BACKTRACK_STEPS_PER_BYTE);
		return 1;
	}
	if (!r.superlinear)
		return 0;
	if (bad_shape)
		lint_report(on_problem, arg, "%s: %s", where, shape);
	lint_report(on_problem, arg, "%s: backtracks catastrophically: on a line of %s "
	    "(%zu bytes) PCRE2 needs %s%lu steps, more than %d a byte; with four times the "
	    "repeat (%zu bytes) %s%lu steps, %.0f microseconds", where, r.line, r.bytes,
	    r.steps >= BACKTRACK_STEPS_CAP ? "over " : "", r.steps, BACKTRACK_STEPS_PER_BYTE,
	    r.bytes4, r.steps4 >= BACKTRACK_STEPS_CAP ? "over " : "", r.steps4, r.usec4);
	return 1;
}

size_t
lint_backtracking(const struct kb *kb, lint_problem_fn on_problem, void *arg,
    struct lint_backtrack_stats *stats)
{
	struct lint_backtrack_stats st = { 0, 0, 0 };
	struct buf where = BUF_INIT;
	size_t i, j, problems = 0;

	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];

			buf_reset(&where);
			buf_printf(&where, "%s:%ld: %s symptom '%s'", s->file, s->line, a->id,
			    s->id);
			problems += lint_backtrack_one(s->pattern, s->caseless, s->examples,
			    s->nexamples, buf_str(&where), on_problem, arg, &st);
		}
	}
	for (i = 0; i < kb_peer_count(kb); i++) {
		const struct kb_peer *p = kb_peer_at(kb, i);

		buf_reset(&where);
		buf_printf(&where, "%s:%ld: peer '%s': the greeting pattern", p->file, p->line,
		    p->id);
		problems += lint_backtrack_one(p->greeting, 1, p->examples, p->nexamples,
		    buf_str(&where), on_problem, arg, &st);
	}
	buf_free(&where);
	if (stats)
		*stats = st;
	return problems;
}

/* s with every LF made CR LF (a lone CR or a CR LF stays). */
static char *
lint_crlf(const char *s)
{
	struct buf b = BUF_INIT;

	for (; *s; s++) {
		if (*s == '\n' && (b.len == 0 || b.data[b.len - 1] != '\r'))
			buf_putc(&b, '\r');
		buf_putc(&b, *s);
	}
	buf_puts(&b, "");
	return buf_detach(&b);
}

/* Does the text read as the fix's in-place value? */
static int
lint_in_place(const struct kb_fix *f, const char *s)
{
	char buf[PROBE_DOS_WORD + 16];
	const char *v = probe_dos_text_value(f, s, strlen(s), buf);

	return v != NULL && strcmp(v, f->in_place_value->id) == 0;
}

/* One example with one line-end style; returns the problems. */
static size_t
lint_fix_example(const struct kb_fix *f, const struct kb_fix_example *x, const char *before,
    const char *after, const char *style, lint_problem_fn on_problem, void *arg)
{
	struct buf out = BUF_INIT, again = BUF_INIT;
	char *what = NULL;
	enum fix_status st = fix_edit_text(f, before, strlen(before), &out, &what);
	enum fix_status want = x->outcome == KB_FIX_EDITED ? FIX_EDITED :
	    x->outcome == KB_FIX_ALREADY ? FIX_ALREADY : FIX_NOT_APPLICABLE;
	size_t problems = 0;

	if (st != want) {
		problems++;
		lint_report(on_problem, arg, "%s:%ld: fix '%s': the example (%s) gives %s, not "
		    "%s: %s", f->kbfile, x->line, f->id, style, fix_status_name(st),
		    fix_status_name(want), what ? what : "");
	} else if (want == FIX_EDITED && (out.len != strlen(after) ||
	    memcmp(out.data, after, out.len) != 0)) {
		problems++;
		lint_report(on_problem, arg, "%s:%ld: fix '%s': the example (%s) does not give "
		    "its <after>: the editor wrote \"%.200s\"", f->kbfile, x->line, f->id,
		    style, buf_str(&out));
	} else if (want == FIX_EDITED && fix_edit_text(f, out.data, out.len, &again, NULL) !=
	    FIX_ALREADY) {
		problems++;
		lint_report(on_problem, arg, "%s:%ld: fix '%s': the example (%s) would be "
		    "edited again", f->kbfile, x->line, f->id, style);
	}
	if (f->in_place_value != NULL && (
	    (want == FIX_EDITED && (lint_in_place(f, before) || !lint_in_place(f, after))) ||
	    (want == FIX_ALREADY && !lint_in_place(f, before)) ||
	    (want == FIX_NOT_APPLICABLE && lint_in_place(f, before)))) {
		problems++;
		lint_report(on_problem, arg, "%s:%ld: fix '%s': the probe of %s:%s does not "
		    "agree with the example (%s)", f->kbfile, x->line, f->id,
		    f->in_place_source->id, f->in_place_value->id, style);
	}
	free(what);
	buf_free(&out);
	buf_free(&again);
	return problems;
}

size_t
lint_fixes(const struct kb *kb, lint_problem_fn on_problem, void *arg)
{
	size_t i, j, problems = 0;

	for (i = 0; i < kb_fix_count(kb); i++) {
		const struct kb_fix *f = kb_fix_at(kb, i);
		int edited = 0;

		for (j = 0; j < f->nexamples; j++) {
			const struct kb_fix_example *x = &f->examples[j];
			char *b2 = lint_crlf(x->before), *a2 = x->after ? lint_crlf(x->after) : NULL;

			edited |= x->outcome == KB_FIX_EDITED;
			problems += lint_fix_example(f, x, x->before, x->after, "LF", on_problem, arg);
			problems += lint_fix_example(f, x, b2, a2, "CR LF", on_problem, arg);
			free(b2);
			free(a2);
		}
		if (!edited && f->kind != KB_FIX_REPLACE) {
			problems++;
			lint_report(on_problem, arg, "%s:%ld: fix '%s' has no example of an edit",
			    f->kbfile, f->line, f->id);
		}
		/* The values the autoexec probe can report for an order fix. */
		for (j = 1; f->kind == KB_FIX_ORDER && f->in_place_source && j < f->ncommands;
		    j++) {
			const char *ends[2] = { "first", "missing" };
			size_t e, v;

			for (e = 0; e < (f->commands[j].insert ? 2u : 1u); e++) {
				char want[PROBE_DOS_WORD + 16];
				size_t k;

				snprintf(want, sizeof(want), "%s-%s", f->commands[j].name, ends[e]);
				for (k = 0; want[k]; k++)
					want[k] = (char)(want[k] >= 'A' && want[k] <= 'Z' ?
					    want[k] - 'A' + 'a' : want[k]);
				for (v = 0; v < f->in_place_source->nvalues; v++)
					if (strcmp(f->in_place_source->values[v].id, want) == 0)
						break;
				if (v == f->in_place_source->nvalues) {
					problems++;
					lint_report(on_problem, arg, "%s:%ld: fix '%s': the probe can "
					    "report %s:%s, which evidence.xml does not have", f->kbfile,
					    f->line, f->id, f->in_place_source->id, want);
				}
			}
		}
	}
	return problems;
}

static size_t
lint_test_peers(const struct kb *kb, lint_problem_fn on_problem, void *arg,
    struct lint_totals *t)
{
	size_t i, j, failures = 0;
	char err[ERR_LEN];
	int rc;

	for (i = 0; i < kb_peer_count(kb); i++) {
		const struct kb_peer *p = kb_peer_at(kb, i);

		for (j = 0; j < p->nexamples; j++) {
			t->peer_examples++;
			if ((rc = match_text(p->greeting, 1, p->examples[j],
			    strlen(p->examples[j]), err)) == 1)
				continue;
			failures++;
			lint_report(on_problem, arg, "%s:%ld: peer '%s': %s example \"%s\"",
			    p->file, p->line, p->id, rc < 0 ? err : "greeting does not match",
			    p->examples[j]);
		}
		for (j = 0; j < p->ncounters; j++) {
			t->peer_examples++;
			if ((rc = match_text(p->greeting, 1, p->counters[j],
			    strlen(p->counters[j]), err)) == 0)
				continue;
			failures++;
			lint_report(on_problem, arg, "%s:%ld: peer '%s': %s counter-example "
			    "\"%s\"", p->file, p->line, p->id,
			    rc < 0 ? err : "greeting matches", p->counters[j]);
		}
	}
	return failures;
}

/* kb test: a pattern of one article matched another's example, undeclared. */
struct lint_foreign_ctx {
	const struct kb		*kb;
	struct lint_article	*rows;		/* in kb order */
	const struct kb_article	*owner;		/* whose example it is */
	const char		*example;
	lint_problem_fn		 on_problem;
	void			*arg;
};

static void
lint_foreign_found(void *ctx, const struct match_hit *hit)
{
	struct lint_foreign_ctx *c = ctx;
	size_t i;

	for (i = 0; c->rows[i].article != hit->article; i++)
		;
	c->rows[i].unexpected++;
	lint_report(c->on_problem, c->arg, "%s:%ld: %s symptom '%s' matches %s's example "
	    "\"%s\" and no overlap declares the pair", hit->symptom->file,
	    hit->symptom->line, hit->article->id, hit->symptom->id, c->owner->id,
	    c->example);
}

/* Charge every undeclared foreign match to the article whose pattern matched. */
static void
lint_test_foreign(const struct kb *kb, struct matcher *m, struct lint_article *rows,
    lint_problem_fn on_problem, void *arg)
{
	struct lint_foreign_ctx c = { kb, rows, NULL, NULL, on_problem, arg };
	size_t i, j, k;

	for (i = 0; i < kb_article_count(kb); i++) {
		c.owner = kb_article_at(kb, i);
		for (j = 0; j < c.owner->nsymptoms; j++) {
			const struct kb_symptom *s = &c.owner->symptoms[j];

			if (s->role == KB_ROLE_DESCRIPTION)
				continue;
			for (k = 0; k < s->nexamples; k++) {
				c.example = s->examples[k];
				lint_undeclared(kb, m, c.owner, c.example, lint_foreign_found, &c);
			}
		}
	}
}

/* Does kbdiag query find a knowledge article by its title, among the first three? */
static int
lint_title_finds(struct query_index *ix, struct matcher *m, const struct kb_article *a,
    lint_problem_fn on_problem, void *arg)
{
	struct query_results *q = query_ask_unjudged(ix, m, a->title, strlen(a->title));
	size_t i;
	int found = 0;

	for (i = 0; i < q->nresults && i < 3 && !found; i++)
		found = q->results[i].article == a;
	if (!found)
		lint_report(on_problem, arg, "%s: %s: kbdiag query does not find the article "
		    "by its title \"%s\" among the first three results (first: %s)", a->file,
		    a->id, a->title, q->nresults ? q->results[0].article->id : "none");
	query_free(q);
	return found;
}

size_t
lint_test(const struct kb *kb, struct matcher *m, lint_problem_fn on_problem, void *arg,
    struct lint_article **out, struct lint_totals *t)
{
	struct lint_article *r = xcalloc(kb_article_count(kb) + 1, sizeof(*r));
	struct query_index *ix = NULL;
	size_t i, j, k;
	int rc;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		r[i].article = a;
		r[i].patterns = a->nsymptoms;
		if (a->knowledge) {
			/* its title is its example: a query finds the article by it */
			if (ix == NULL)
				ix = query_index_new(kb);
			r[i].examples++;
			r[i].matched += lint_title_finds(ix, m, a, on_problem, arg);
			continue;
		}
		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];
			size_t hit = 0;

			for (k = 0; k < s->nexamples; k++) {
				r[i].examples++;
				rc = match_symptom(m, s, s->examples[k], strlen(s->examples[k]));
				if (rc == 1) {
					r[i].matched++;
					hit++;
					continue;
				}
				lint_report(on_problem, arg, "%s:%ld: %s symptom '%s': %s "
				    "example \"%s\"", s->file, s->line, a->id, s->id,
				    rc < 0 ? "pattern gives up (match limit) on" :
				    "pattern does not match", s->examples[k]);
			}
			for (k = 0; k < s->ncounters; k++) {
				r[i].counters++;
				rc = match_symptom(m, s, s->counters[k], strlen(s->counters[k]));
				if (rc == 0)
					continue;
				r[i].unexpected++;
				lint_report(on_problem, arg, "%s:%ld: %s symptom '%s': %s "
				    "counter-example \"%s\"", s->file, s->line, a->id, s->id,
				    rc < 0 ? "pattern gives up (match limit) on" :
				    "pattern matches", s->counters[k]);
			}
			if (hit == 0)
				r[i].unexercised++;	/* its failing examples said why */
		}
	}
	query_index_free(ix);
	lint_test_foreign(kb, m, r, on_problem, arg);
	for (i = 0; i < kb_article_count(kb); i++) {
		t->examples += r[i].examples;
		t->counters += r[i].counters;
		t->failures += r[i].examples - r[i].matched + r[i].unexpected;
	}
	t->failures += lint_test_peers(kb, on_problem, arg, t);
	*out = r;
	return t->failures;
}
