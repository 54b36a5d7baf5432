#include "query.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "xmem.h"

#define QUERY_COMPANION_SCORE	0.6
/*
 * Bounds that keep a query's time bounded whatever is pasted: the distinct
 * words read from one text (the first ones), and the unknown words that are
 * looked up as typing mistakes.
 */
#define QUERY_MAX_WORDS		256
/* The longest query text echoed back (then "..."). */
#define QUERY_SHOW_MAX		1000
#define QUERY_MAX_FORGIVE	32
#define QUERY_WORDS_MAX		0.9
/* Of the half of a word score that a message decides: its words, then their order. */
#define QUERY_COVER_SHARE	0.45

/*
 * A pattern match scores its role's base plus up to QUERY_PATTERN_SPAN for
 * how much of the symptom's message the text covers, so that of several
 * patterns that match, the one whose message the text spells out ranks first
 * ("ERROR write: (57) Socket is not connected" is about Q100707 before the
 * generic "ERROR write" of Q112237).
 */
#define QUERY_PATTERN_SPAN	0.1
/* How much of a pattern score, for several pasted lines, the lines it explains decide. */
#define QUERY_LINES_SHARE	0.1

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

/* A function word one slip away ("eror", "errror"), or NULL. */
static const char *
query_stopword_near(const char *w)
{
	static const char *const near[] = { "error", "errors" };
	size_t i, la = strlen(w), lb;

	for (i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
		lb = strlen(near[i]);
		if ((la > lb ? la - lb : lb - la) <= 1) {
			/* one letter added, missing or changed */
			size_t a = 0, b = 0, diff = 0;

			while (a < la && b < lb && diff <= 1) {
				if (w[a] == near[i][b]) {
					a++;
					b++;
					continue;
				}
				diff++;
				if (la > lb)
					a++;
				else if (lb > la)
					b++;
				else {
					a++;
					b++;
				}
			}
			diff += (la - a) + (lb - b);
			if (diff <= 1)
				return near[i];
		}
	}
	return NULL;
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

	while (i < len && ws->n < QUERY_MAX_WORDS) {
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

/*
 * Per article, two documents: what it prints and is called (messages,
 * title, keywords), and what it says about the problem (summary, cause
 * titles). A word found only in the second counts QUERY_CONTEXT_WEIGHT of
 * its weight: paraphrases use those words, but so do unrelated texts.
 */
struct query_index {
	const struct kb		*kb;
	struct query_words	*docs;	/* per article, sorted */
	struct query_words	*ctx;	/* sorted */
	struct query_words	**msgs;	/* per article, per symptom: its message */
	size_t			 n;
	char			**vocab;	/* every word of docs and ctx, sorted */
	double			 *idf;		/* of each vocab word */
	size_t			 nvocab;
};

#define QUERY_CONTEXT_WEIGHT	0.5

/* What an article says about the problem, as words. */
static void
query_article_context(const struct kb_article *a, struct query_words *ws)
{
	size_t i;

	query_tokenize(ws, a->summary, strlen(a->summary));
	for (i = 0; i < a->ncauses; i++)
		query_tokenize(ws, a->causes[i].cause->title, strlen(a->causes[i].cause->title));
}

static int
query_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is w in the sorted list v of n words? Its position, or -1. */
static long
query_find(char *const *v, size_t n, const char *w)
{
	char *const *p = bsearch(&w, v, n, sizeof(*v), query_strcmp);

	return p ? (long)(p - v) : -1;
}

/* Is w in an article document (sorted)? */
static int
query_doc_has(const struct query_words *doc, const char *w)
{
	return query_find(doc->v, doc->n, w) >= 0;
}

/* Rarity across the rule base: a word no article has is the rarest. */
static double
query_idf(const struct query_index *ix, const char *w)
{
	long k = query_find(ix->vocab, ix->nvocab, w);

	return k >= 0 ? ix->idf[k] : log(1.0 + (double)(ix->n + 1));
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

/*
 * Word order: the share of the query's adjacent word pairs that stand next
 * to each other, in that order, in the message ("Network Write Error" is
 * Q123827's order; Q100708 has the same words as "write ... network").
 */
static double
query_order(const struct query_words *msg, const struct query_words *q)
{
	size_t i, j, pairs = 0;

	if (q->n < 2)
		return 0;
	for (i = 0; i + 1 < q->n; i++)
		for (j = 0; j + 1 < msg->n; j++)
			if (strcmp(q->v[i], msg->v[j]) == 0 &&
			    strcmp(q->v[i + 1], msg->v[j + 1]) == 0) {
				pairs++;
				break;
			}
	return (double)pairs / (double)(q->n - 1);
}

/* The share of the query's weight the article has, context at its weight. */
static double
query_cover_context(const struct query_index *ix, const struct query_words *q,
    const struct query_words *doc, const struct query_words *ctx)
{
	double all = 0, hit = 0, w;
	size_t i;

	for (i = 0; i < q->n; i++) {
		w = query_idf(ix, q->v[i]);
		all += w;
		if (query_doc_has(doc, q->v[i]))
			hit += w;
		else if (query_doc_has(ctx, q->v[i]))
			hit += QUERY_CONTEXT_WEIGHT * w;
	}
	return all > 0 ? hit / all : 0;
}

static void
query_score_words(const struct query_index *ix, size_t ai, const struct query_words *q,
    struct query_result *r)
{
	const struct kb_article *a = kb_article_at(ix->kb, ai);
	const struct query_words *doc = &ix->docs[ai], *ctx = &ix->ctx[ai];
	double qcov, best = 0, c;
	size_t i;

	qcov = query_cover_context(ix, q, doc, ctx);
	if (qcov <= 0)
		return;
	/* The best message: half for sharing words with the article at all,
	 * half for how much of the message the query covers; a companion
	 * message weighs what a companion pattern match does. */
	for (i = 0; i < a->nsymptoms; i++) {
		double mc = query_cover(ix, &ix->msgs[ai][i], q);
		double o = query_order(&ix->msgs[ai][i], q);

		c = 0.5 + QUERY_COVER_SHARE * mc + (0.5 - QUERY_COVER_SHARE) * o;
		if (a->symptoms[i].role == KB_ROLE_COMPANION)
			c *= QUERY_COMPANION_SCORE;
		if (c > best) {
			best = c;
			r->message_cover = mc;
			r->order = o;
		}
	}
	r->query_cover = qcov;
	r->lines = 1;
	r->score = QUERY_WORDS_MAX * qcov * best;
	r->how = QUERY_WORDS;
	r->words = xcalloc(q->n ? q->n : 1, sizeof(*r->words));
	for (i = 0; i < q->n; i++)
		if (query_doc_has(doc, q->v[i]) || query_doc_has(ctx, q->v[i]))
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

/*
 * Edit distance with adjacent transpositions (optimal string alignment),
 * or max + 1 as soon as it must exceed max.
 */
static size_t
query_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[34][34], best;

	if (la > 32 || lb > 32 || (la > lb ? la - lb : lb - la) > max)
		return max + 1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		best = max + 1;
		for (j = 1; j <= lb; j++) {
			size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
			if (c < best)
				best = c;
		}
		if (best > max)
			return max + 1;
	}
	return d[la][lb];
}

static int
query_alpha(const char *w)
{
	for (; *w; w++)
		if (!isalpha((unsigned char)*w))
			return 0;
	return 1;
}

/*
 * Typing mistakes: a query word of four letters or more that no article has
 * is read as the article word closest to it that starts with the same
 * letter, one letter off (two for words of seven letters or more: a slip, a
 * missing or doubled letter, two letters swapped). A word that becomes a function word ("eror") is dropped. Each
 * word read so is recorded in forgiven.
 */
static void
query_forgive(const struct query_index *ix, struct query_words *q,
    struct query_results *qr)
{
	size_t i, d, k, j, max, dist, cap = 0;
	const char *best;
	int drop, tried = 0;

	for (i = 0; i < q->n && tried < QUERY_MAX_FORGIVE; i++) {
		const char *w = q->v[i];

		if (strlen(w) < 4 || !query_alpha(w))
			continue;
		for (d = 0; d < ix->n && !query_doc_has(&ix->docs[d], w); d++)
			;
		if (d < ix->n)
			continue;	/* a word the rule base knows */
		tried++;
		max = strlen(w) >= 7 ? 2 : 1;
		best = NULL;
		for (d = 0; d < ix->n && max > 0; d++)
			for (k = 0; k < ix->docs[d].n; k++) {
				const char *v = ix->docs[d].v[k];

				/* Slips rarely hit the first letter: "find" is not "bind". */
				if (strlen(v) < 4 || v[0] != w[0] ||
				    (dist = query_distance(w, v, max)) > max)
					continue;
				if (best == NULL || dist < max) {
					best = v;
					max = dist;
				}
			}
		if (best == NULL && query_stopword_near(w))
			best = query_stopword_near(w);
		if (best == NULL)
			continue;
		qr->forgiven = xgrow(qr->forgiven, &cap, qr->nforgiven + 1,
		    sizeof(*qr->forgiven));
		qr->forgiven[qr->nforgiven].typed = xstrdup(w);
		qr->forgiven[qr->nforgiven].as = xstrdup(best);
		qr->nforgiven++;
		drop = query_stopword(best) || query_has(q, best);
		free(q->v[i]);
		if (drop) {
			/* gone, or already there */
			for (j = i; j + 1 < q->n; j++)
				q->v[j] = q->v[j + 1];
			q->n--;
			i--;
		} else
			q->v[i] = xstrdup(best);
	}
}

/* The lines of a pasted text that hold something (at most QUERY_MAX_LINES). */
#define QUERY_MAX_LINES	32

struct query_lines {
	const char	*p[QUERY_MAX_LINES];
	size_t		 len[QUERY_MAX_LINES];
	size_t		 n;
};

static void
query_split_lines(const char *text, size_t len, struct query_lines *l)
{
	size_t i = 0, start, k;

	l->n = 0;
	while (i < len && l->n < QUERY_MAX_LINES) {
		start = i;
		while (i < len && text[i] != '\n' && text[i] != '\r')
			i++;
		for (k = start; k < i && isspace((unsigned char)text[k]); k++)
			;
		if (k < i) {
			l->p[l->n] = text + start;
			l->len[l->n++] = i - start;
		}
		i++;
	}
}

/*
 * Several lines pasted at once are one problem: of the articles whose
 * patterns match, the one that explains more of the lines ranks first (a
 * primary line with its companion is Q100709, not the companion's own
 * article). The share of lines an article's patterns match.
 */
static double
query_lines_explained(struct matcher *m, const struct kb_article *a,
    const struct query_lines *l)
{
	size_t i, j, explained = 0;

	if (l->n < 2)
		return 1;
	for (i = 0; i < l->n; i++)
		for (j = 0; j < a->nsymptoms; j++)
			if (match_symptom(m, &a->symptoms[j], l->p[i], l->len[i]) == 1) {
				explained++;
				break;
			}
	return (double)explained / (double)l->n;
}

struct query_index *
query_index_new(const struct kb *kb)
{
	struct query_index *ix = xcalloc(1, sizeof(*ix));
	size_t i, j, n = kb_article_count(kb), cap = 0, total = 0;

	ix->kb = kb;
	ix->n = n;
	ix->docs = xcalloc(n ? n : 1, sizeof(*ix->docs));
	ix->ctx = xcalloc(n ? n : 1, sizeof(*ix->ctx));
	ix->msgs = xcalloc(n ? n : 1, sizeof(*ix->msgs));
	for (i = 0; i < n; i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		query_article_words(a, &ix->docs[i]);
		query_article_context(a, &ix->ctx[i]);
		qsort(ix->docs[i].v, ix->docs[i].n, sizeof(char *), query_strcmp);
		qsort(ix->ctx[i].v, ix->ctx[i].n, sizeof(char *), query_strcmp);
		ix->msgs[i] = xcalloc(a->nsymptoms ? a->nsymptoms : 1, sizeof(*ix->msgs[i]));
		for (j = 0; j < a->nsymptoms; j++)
			query_tokenize(&ix->msgs[i][j], a->symptoms[j].message,
			    strlen(a->symptoms[j].message));
		total += ix->docs[i].n + ix->ctx[i].n;
	}
	/*
	 * The vocabulary with each word's document frequency: every article's
	 * words once (its document and context merged), sorted, so that the
	 * length of a run of one word is the number of articles that have it.
	 */
	ix->vocab = xcalloc(total ? total : 1, sizeof(*ix->vocab));
	for (i = 0; i < n; i++) {
		const struct query_words *d = &ix->docs[i], *c = &ix->ctx[i];
		size_t a = 0, b = 0;

		while (a < d->n || b < c->n) {
			int cmp = a == d->n ? 1 : b == c->n ? -1 : strcmp(d->v[a], c->v[b]);

			ix->vocab[cap++] = cmp <= 0 ? d->v[a] : c->v[b];
			a += cmp <= 0;
			b += cmp >= 0;
		}
	}
	qsort(ix->vocab, cap, sizeof(*ix->vocab), query_strcmp);
	ix->idf = xcalloc(cap ? cap : 1, sizeof(*ix->idf));
	for (i = 0; i < cap; i = j) {
		for (j = i; j < cap && strcmp(ix->vocab[j], ix->vocab[i]) == 0; j++)
			;
		ix->vocab[ix->nvocab] = ix->vocab[i];	/* not owned: docs own them */
		ix->idf[ix->nvocab++] = log(1.0 + (double)(n + 1) / (double)(j - i + 1));
	}
	return ix;
}

void
query_index_free(struct query_index *ix)
{
	size_t i, j;

	if (ix == NULL)
		return;
	for (i = 0; i < ix->n; i++) {
		const struct kb_article *a = kb_article_at(ix->kb, i);

		query_words_free(&ix->docs[i]);
		query_words_free(&ix->ctx[i]);
		for (j = 0; j < a->nsymptoms; j++)
			query_words_free(&ix->msgs[i][j]);
		free(ix->msgs[i]);
	}
	free(ix->docs);
	free(ix->ctx);
	free(ix->msgs);
	free(ix->vocab);
	free(ix->idf);
	free(ix);
}

struct query_results *
query_run(const struct kb *kb, struct matcher *m, const char *text, size_t len)
{
	struct query_index *ix = query_index_new(kb);
	struct query_results *q = query_ask(ix, m, text, len);

	query_index_free(ix);
	return q;
}

struct query_results *
query_ask(const struct query_index *ix, struct matcher *m, const char *text, size_t len)
{
	const struct kb *kb = ix->kb;
	struct query_results *qr = xcalloc(1, sizeof(*qr));
	struct query_lines lines;
	struct query_words q = { 0 };
	size_t i, j, n = ix->n;

	qr->query = text_sanitize(text, len, QUERY_SHOW_MAX);
	qr->results = xcalloc(n ? n : 1, sizeof(*qr->results));
	query_tokenize(&q, text, len);
	query_forgive(ix, &q, qr);
	query_split_lines(text, len, &lines);

	for (i = 0; i < n; i++) {
		const struct kb_article *a = kb_article_at(kb, i);
		struct query_result r = { 0 };

		r.article = a;
		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];
			double base = query_role_base(s->role), score, mc, explained;

			if (base + QUERY_PATTERN_SPAN <= r.score ||
			    match_symptom(m, s, text, len) != 1)
				continue;
			mc = query_cover(ix, &ix->msgs[i][j], &q);
			explained = query_lines_explained(m, a, &lines);
			score = base + QUERY_PATTERN_SPAN * mc;
			if (lines.n > 1)
				score *= 1 - QUERY_LINES_SHARE + QUERY_LINES_SHARE * explained;
			if (score > r.score) {
				r.score = score;
				r.how = QUERY_PATTERN;
				r.symptom = s;
				r.base = base;
				r.message_cover = mc;
				r.lines = explained;
			}
		}
		if (r.score < QUERY_WORDS_MAX) {
			struct query_result w = { 0 };

			w.article = a;
			query_score_words(ix, i, &q, &w);
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
	query_words_free(&q);
	return qr;
}

void
query_keep(struct query_results *q, size_t n)
{
	while (q->nresults > n)
		query_result_clear(&q->results[--q->nresults]);
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
	for (i = 0; i < q->nforgiven; i++) {
		free(q->forgiven[i].typed);
		free(q->forgiven[i].as);
	}
	free(q->forgiven);
	free(q->query);
	free(q);
}

const char *
query_how_name(enum query_how how)
{
	return how == QUERY_PATTERN ? "pattern" : "words";
}
