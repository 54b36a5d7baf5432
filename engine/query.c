#include "query.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "xmem.h"

#define QUERY_COMPANION_SCORE	0.6
#define QUERY_WORDS_MAX		0.9

/*
 * A pattern match scores its role's base plus up to QUERY_PATTERN_SPAN for
 * how much of the symptom's message the text covers, so that of several
 * patterns that match, the one whose message the text spells out ranks first
 * ("ERROR write: (57) Socket is not connected" is about Q100707 before the
 * generic "ERROR write" of Q112237).
 */
#define QUERY_PATTERN_SPAN	0.1

static double
query_role_base(enum kb_symptom_role role)
{
	switch (role) {
	case KB_ROLE_PRIMARY:		return 0.9;
	case KB_ROLE_DESCRIPTION:	return 0.8;
	case KB_ROLE_FALLBACK:		return 0.7;
	case KB_ROLE_COMPANION:		return 0.5;
	}
	return 0;
}

static const char *const query_stopwords[] = {
	"a", "an", "and", "are", "as", "at", "be", "by", "err", "error", "errors",
	"for", "from", "has", "in", "is", "it", "msg", "of", "on", "or", "the",
	"this", "to", "was", "with",
};

struct query_words {
	char	**v;
	size_t	  n, cap;
};

static int
query_stopword(const char *w)
{
	size_t i;

	for (i = 0; i < sizeof(query_stopwords) / sizeof(query_stopwords[0]); i++)
		if (strcmp(w, query_stopwords[i]) == 0)
			return 1;
	return 0;
}

static int
query_has(const struct query_words *ws, const char *w)
{
	size_t i;

	for (i = 0; i < ws->n; i++)
		if (strcmp(ws->v[i], w) == 0)
			return 1;
	return 0;
}

/* Add the distinct words of s: runs of letters and digits, lower-cased. */
static void
query_tokenize(struct query_words *ws, const char *s, size_t len)
{
	size_t i = 0, start, k;
	char *w;

	while (i < len) {
		while (i < len && !isalnum((unsigned char)s[i]))
			i++;
		start = i;
		while (i < len && isalnum((unsigned char)s[i]))
			i++;
		if (i == start || i - start > 64)
			continue;
		w = xstrndup(s + start, i - start);
		for (k = 0; w[k]; k++)
			w[k] = (char)tolower((unsigned char)w[k]);
		if (query_stopword(w) || query_has(ws, w)) {
			free(w);
			continue;
		}
		ws->v = xgrow(ws->v, &ws->cap, ws->n + 1, sizeof(*ws->v));
		ws->v[ws->n++] = w;
	}
}

static void
query_words_free(struct query_words *ws)
{
	size_t i;

	for (i = 0; i < ws->n; i++)
		free(ws->v[i]);
	free(ws->v);
	memset(ws, 0, sizeof(*ws));
}

/* Everything an article says about itself, as words. */
static void
query_article_words(const struct kb_article *a, struct query_words *ws)
{
	size_t i;

	for (i = 0; i < a->nsymptoms; i++)
		query_tokenize(ws, a->symptoms[i].message, strlen(a->symptoms[i].message));
	query_tokenize(ws, a->title, strlen(a->title));
	if (a->keywords)
		query_tokenize(ws, a->keywords, strlen(a->keywords));
}

struct query_index {
	struct query_words	*docs;	/* per article */
	size_t			 n;
};

static double
query_idf(const struct query_index *ix, const char *w)
{
	size_t i, df = 0;

	for (i = 0; i < ix->n; i++)
		if (query_has(&ix->docs[i], w))
			df++;
	return log(1.0 + (double)(ix->n + 1) / (double)(df + 1));
}

/* Share of the weight of `of` that is also in `in`. */
static double
query_cover(const struct query_index *ix, const struct query_words *of,
    const struct query_words *in)
{
	double all = 0, hit = 0, w;
	size_t i;

	for (i = 0; i < of->n; i++) {
		w = query_idf(ix, of->v[i]);
		all += w;
		if (query_has(in, of->v[i]))
			hit += w;
	}
	return all > 0 ? hit / all : 0;
}

/* The share of a symptom's message (by word weight) that the query has. */
static double
query_message_cover(const struct query_index *ix, const struct kb_symptom *s,
    const struct query_words *q)
{
	struct query_words msg = { 0 };
	double c;

	query_tokenize(&msg, s->message, strlen(s->message));
	c = query_cover(ix, &msg, q);
	query_words_free(&msg);
	return c;
}

static void
query_score_words(const struct query_index *ix, const struct kb_article *a,
    const struct query_words *doc, const struct query_words *q, struct query_result *r)
{
	double qcov, best = 0, c;
	size_t i;

	qcov = query_cover(ix, q, doc);
	if (qcov <= 0)
		return;
	/* The best message: half for sharing words with the article at all,
	 * half for how much of the message the query covers; a companion
	 * message weighs what a companion pattern match does. */
	for (i = 0; i < a->nsymptoms; i++) {
		c = 0.5 + 0.5 * query_message_cover(ix, &a->symptoms[i], q);
		if (a->symptoms[i].role == KB_ROLE_COMPANION)
			c *= QUERY_COMPANION_SCORE;
		if (c > best)
			best = c;
	}
	r->score = QUERY_WORDS_MAX * qcov * best;
	r->how = QUERY_WORDS;
	r->words = xcalloc(q->n ? q->n : 1, sizeof(*r->words));
	for (i = 0; i < q->n; i++)
		if (query_has(doc, q->v[i]))
			r->words[r->nwords++] = xstrdup(q->v[i]);
}

static int
query_cmp(const void *x, const void *y)
{
	const struct query_result *a = x, *b = y;
	long na, nb;

	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	na = strtol(a->article->id + 1, NULL, 10);
	nb = strtol(b->article->id + 1, NULL, 10);
	return na < nb ? -1 : na > nb;
}

static void
query_result_clear(struct query_result *r)
{
	size_t i;

	for (i = 0; i < r->nwords; i++)
		free(r->words[i]);
	free(r->words);
	memset(r, 0, sizeof(*r));
}

struct query_results *
query_run(const struct kb *kb, struct matcher *m, const char *text, size_t len)
{
	struct query_results *qr = xcalloc(1, sizeof(*qr));
	struct query_index ix = { 0 };
	struct query_words q = { 0 };
	size_t i, j, n = kb_article_count(kb);

	qr->query = text_sanitize(text, len, 0);
	qr->results = xcalloc(n ? n : 1, sizeof(*qr->results));
	ix.n = n;
	ix.docs = xcalloc(n ? n : 1, sizeof(*ix.docs));
	for (i = 0; i < n; i++)
		query_article_words(kb_article_at(kb, i), &ix.docs[i]);
	query_tokenize(&q, text, len);

	for (i = 0; i < n; i++) {
		const struct kb_article *a = kb_article_at(kb, i);
		struct query_result r = { 0 };

		r.article = a;
		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];
			double score = query_role_base(s->role);

			if (score + QUERY_PATTERN_SPAN <= r.score ||
			    match_symptom(m, s, text, len) != 1)
				continue;
			score += QUERY_PATTERN_SPAN * query_message_cover(&ix, s, &q);
			if (score > r.score) {
				r.score = score;
				r.how = QUERY_PATTERN;
				r.symptom = s;
			}
		}
		if (r.score < QUERY_WORDS_MAX) {
			struct query_result w = { 0 };

			w.article = a;
			query_score_words(&ix, a, &ix.docs[i], &q, &w);
			if (w.score > r.score) {
				query_result_clear(&r);
				r = w;
			} else
				query_result_clear(&w);
		}
		if (r.score >= QUERY_MIN_SCORE)
			qr->results[qr->nresults++] = r;
		else
			query_result_clear(&r);
	}
	qsort(qr->results, qr->nresults, sizeof(*qr->results), query_cmp);
	for (i = 0; i < n; i++)
		query_words_free(&ix.docs[i]);
	free(ix.docs);
	query_words_free(&q);
	return qr;
}

void
query_free(struct query_results *q)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->nresults; i++)
		query_result_clear(&q->results[i]);
	free(q->results);
	free(q->query);
	free(q);
}

const char *
query_how_name(enum query_how how)
{
	return how == QUERY_PATTERN ? "pattern" : "words";
}
