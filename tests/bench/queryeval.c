/*
 * queryeval: the evaluation set of `kbdiag query` (tests/cases/query-eval.tsv)
 * scored inside one process, by kbdiag's query and by a BM25 baseline, for
 * tests/bench/query.sh (the "before and after" table of docs/benchmarks.md)
 * and for working on the scorer.
 *
 *   build/queryeval [--scorer kbdiag|bm25] [--misses dev|test|all] [--source DIR]
 *                   [--results FILE|-] KBDIR EVAL.tsv
 *   build/queryeval --fit KBDIR EVAL.tsv [MORE.tsv...]
 *
 * Prints one line per split and kind, then per split "all" (the related
 * queries) and "answered" (the unrelated ones):
 *
 *   SPLIT KIND N HIT1 HIT3 ANSWERED WEAK
 *
 * where HIT1 counts the related queries whose sure (confident) answer has
 * an expected article first, HIT3 those whose answer, sure or weak, holds
 * one among its first three, ANSWERED the queries that got a sure answer
 * and WEAK those that got a weak one (the best three, marked weak:
 * QUERY_WEAK_BAND in query.h). For unrelated texts, "no unrelated text
 * answered" is about ANSWERED; WEAK counts the weak answers apart. A
 * revision before the weak band (no QUERY_WEAK_BAND) counts every answer as
 * sure, as it was; the BM25 baseline's answers are all sure.
 * --results writes each query's answer instead, one line per query in file
 * order: its line number, "sure", "weak" or "none", a tab and its first
 * three articles separated by spaces (to FILE, or in place of the table for
 * "-"): check_queryeval compares them with `kbdiag query`'s, so that this
 * tool measures what the product does. `make` builds it with the product.
 * --ranking only ranks without the answer model (every text gets
 * its best articles). --misses prints the related queries of that half whose first
 * result is wrong, and the unrelated ones answered, on standard error: work
 * on the scorer looks at dev only (query-eval.tsv says why).
 *
 * The baseline, --scorer bm25, is Okapi BM25 (k1 1.2, b 0.75) over each
 * article's text: every text node of articles/Q*.xml but its patterns, words
 * lower-cased runs of letters and digits, no stop words, no stemming; it
 * always answers when a word matches. With --source DIR it reads DIR/Q*.txt
 * instead (the source articles themselves, kb-source/articles/), for
 * articles of the rule base only.
 *
 * --fit fits the answer model of query.c (QUERY_MODEL_LIST) on the
 * development half, and on it alone: logistic regression (Newton's method,
 * an L2 penalty of 0.3, QUERYEVAL_LAMBDA, none on the bias) of "the text
 * is about the rule base" on the
 * features query_ask_unjudged() measures, over the related and the
 * unrelated queries of the dev half (and those of MORE.tsv, split "fit":
 * tests/cases/query-calibration.tsv). It prints the coefficients and, for
 * the thresholds QUERY_WEAK and QUERY_SURE, what each would do on dev, and
 * the cross-validated hit@1: the related texts answered by rule with their
 * article first, plus those the model answers surely out of fold with it
 * first, over all the related texts, then the same per kind (split "cv").
 * For working on the model: QUERYEVAL_SEED=N splits the folds by a hash of
 * the row and N instead of its number mod 5; QUERYEVAL_DROP=A,B fits
 * without inputs A and B; QUERYEVAL_UWEIGHT=W weighs each unrelated text W
 * times in the likelihood (a dearer unrelated answer: 1 by default); QUERYEVAL_SURE reads the figures at another sure
 * threshold; QUERYEVAL_DUMP=FILE writes each text's features and
 * QUERYEVAL_CANDS=FILE its ranked articles with both rankers' scores
 * (tests/bench/queryfuse.py; the whole-text score is 0 but in
 * build/querytune).
 *
 * Without --fit only the query API every version of libkbdiag has
 * (query_index_new, query_ask) is used, so that tests/bench/query.sh can
 * build this file (with -DQUERYEVAL_NO_FIT) against an earlier revision's
 * library for the "before" column.
 */
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "kb.h"
#include "match.h"
#include "query.h"

#define QE_TOP		3
#define QE_MAX_IDS	8

struct qe_query {
	char	*split, *kind, *expected, *text;
	char	*ids[QE_MAX_IDS];
	size_t	 nids;
	long	 line;
};

static char *
qe_strdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL) {
		perror("queryeval");
		exit(4);
	}
	return d;
}

static void *
qe_grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	if (*cap < need)
		*cap = need;
	if ((p = realloc(p, *cap * size)) == NULL) {
		perror("queryeval");
		exit(4);
	}
	return p;
}

static struct qe_query *
qe_load(const char *path, size_t *n)
{
	static char line[1 << 16];
	struct qe_query *v = NULL;
	size_t cap = 0;
	long ln = 0;
	FILE *f = fopen(path, "r");

	*n = 0;
	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *col[4], *p = line, *t, *id, *save;
		int k;

		ln++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		for (k = 0; k < 4; k++) {
			col[k] = p;
			if (k < 3 && (p = strchr(p, '\t')) == NULL)
				break;
			if (k < 3)
				*p++ = '\0';
		}
		if (k < 4) {
			fprintf(stderr, "queryeval: %s:%ld: not 4 columns\n", path, ln);
			exit(2);
		}
		v = qe_grow(v, &cap, *n + 1, sizeof(*v));
		memset(&v[*n], 0, sizeof(v[*n]));
		v[*n].line = ln;
		v[*n].split = qe_strdup(col[0]);
		v[*n].kind = qe_strdup(col[1]);
		v[*n].expected = qe_strdup(col[2]);
		v[*n].text = qe_strdup(col[3]);
		for (t = v[*n].text; (t = strstr(t, "\\n")) != NULL;) {
			*t = '\n';
			memmove(t + 1, t + 2, strlen(t + 2) + 1);
		}
		for (id = strtok_r(col[2], "|", &save); id && v[*n].nids < QE_MAX_IDS;
		    id = strtok_r(NULL, "|", &save))
			if (strcmp(id, "-") != 0)
				v[*n].ids[v[*n].nids++] = qe_strdup(id);
		(*n)++;
	}
	fclose(f);
	return v;
}

static void
qe_free(struct qe_query *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		free(v[i].split);
		free(v[i].kind);
		free(v[i].expected);
		free(v[i].text);
		for (j = 0; j < v[i].nids; j++)
			free(v[i].ids[j]);
	}
	free(v);
}

/* ---------------------------------------------------------------------- */
/* The BM25 baseline                                                        */

struct bm25_doc {
	char	 id[16];
	char	**w;		/* its words, sorted */
	size_t	 n;
};

struct bm25 {
	struct bm25_doc	*d;
	size_t		 n, cap;
	double		 avglen;
};

static int
bm25_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append the words of s to the doc. */
static void
bm25_words(struct bm25_doc *d, size_t *cap, const char *s)
{
	char w[65];
	size_t k;

	while (*s) {
		while (*s && !isalnum((unsigned char)*s))
			s++;
		for (k = 0; *s && isalnum((unsigned char)*s); s++)
			if (k < sizeof(w) - 1)
				w[k++] = (char)tolower((unsigned char)*s);
		if (k == 0)
			continue;
		w[k] = '\0';
		d->w = qe_grow(d->w, cap, d->n + 1, sizeof(*d->w));
		d->w[d->n++] = qe_strdup(w);
	}
}

static void
bm25_node(struct bm25_doc *d, size_t *cap, xmlNodePtr n)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "pattern") == 0)
			continue;
		if (n->type == XML_TEXT_NODE && n->content)
			bm25_words(d, cap, (const char *)n->content);
		if (n->type == XML_ELEMENT_NODE) {
			xmlAttrPtr a;

			/* a title is an element, a table's key an attribute */
			for (a = n->properties; a; a = a->next)
				if (a->children && a->children->content &&
				    (xmlStrcmp(a->name, BAD_CAST "id") == 0))
					bm25_words(d, cap, (const char *)a->children->content);
			bm25_node(d, cap, n->children);
		}
	}
}

static int
bm25_load(struct bm25 *b, const char *dir, const char *ext, const struct kb *kb)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	size_t i;

	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL) {
		struct bm25_doc *d;
		size_t len = strlen(e->d_name), cap = 0;
		char path[4096];

		if (e->d_name[0] != 'Q' || len < strlen(ext) + 2 || len > 15 ||
		    strcmp(e->d_name + len - strlen(ext), ext) != 0)
			continue;
		b->d = qe_grow(b->d, &b->cap, b->n + 1, sizeof(*b->d));
		d = &b->d[b->n];
		memset(d, 0, sizeof(*d));
		memcpy(d->id, e->d_name, len - strlen(ext));
		if (kb && kb_find_article(kb, d->id) == NULL)
			continue;	/* only the rule base's articles */
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    sizeof(path))
			continue;
		if (strcmp(ext, ".xml") == 0) {
			xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);

			if (doc == NULL)
				continue;
			bm25_node(d, &cap, xmlDocGetRootElement(doc));
			xmlFreeDoc(doc);
		} else {
			FILE *f = fopen(path, "r");
			char line[4096];

			if (f == NULL)
				continue;
			while (fgets(line, sizeof(line), f))
				bm25_words(d, &cap, line);
			fclose(f);
		}
		qsort(d->w, d->n, sizeof(*d->w), bm25_strcmp);
		b->n++;
	}
	closedir(dp);
	for (i = 0; i < b->n; i++)
		b->avglen += (double)b->d[i].n;
	if (b->n)
		b->avglen /= (double)b->n;
	return b->n ? 0 : -1;
}

static void
bm25_free(struct bm25 *b)
{
	size_t i, j;

	for (i = 0; i < b->n; i++) {
		for (j = 0; j < b->d[i].n; j++)
			free(b->d[i].w[j]);
		free(b->d[i].w);
	}
	free(b->d);
}

static size_t
bm25_tf(const struct bm25_doc *d, const char *w)
{
	size_t lo = 0, hi = d->n, mid, n = 0;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (strcmp(d->w[mid], w) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < d->n && strcmp(d->w[lo + n], w) == 0)
		n++;
	return n;
}

/* The best QE_TOP articles for text, into top[] (ids); returns how many. */
static size_t
bm25_ask(const struct bm25 *b, const char *text, const char *top[QE_TOP])
{
	struct bm25_doc q = { { 0 }, NULL, 0 };
	double *score = calloc(b->n ? b->n : 1, sizeof(*score));
	size_t cap = 0, i, j, k, n = 0, df;

	bm25_words(&q, &cap, text);
	qsort(q.w, q.n, sizeof(*q.w), bm25_strcmp);
	for (j = 0; j < q.n; j++) {
		if (j > 0 && strcmp(q.w[j], q.w[j - 1]) == 0)
			continue;
		for (df = 0, i = 0; i < b->n; i++)
			df += bm25_tf(&b->d[i], q.w[j]) > 0;
		if (df == 0)
			continue;
		for (i = 0; i < b->n; i++) {
			double tf = (double)bm25_tf(&b->d[i], q.w[j]);
			double idf = log(1 + ((double)b->n - (double)df + 0.5) / ((double)df + 0.5));

			if (tf > 0)
				score[i] += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 *
				    (double)b->d[i].n / b->avglen));
		}
	}
	for (k = 0; k < QE_TOP; k++) {
		size_t best = b->n;

		for (i = 0; i < b->n; i++) {
			int taken = 0;

			for (j = 0; j < n; j++)
				taken |= strcmp(top[j], b->d[i].id) == 0;
			if (!taken && score[i] > 0 && (best == b->n || score[i] > score[best]))
				best = i;
		}
		if (best == b->n)
			break;
		top[n++] = b->d[best].id;
	}
	for (j = 0; j < q.n; j++)
		free(q.w[j]);
	free(q.w);
	free(score);
	return n;
}

/* ---------------------------------------------------------------------- */

struct qe_tally {
	char	split[8], kind[16];
	size_t	n, hit1, hit3, answered, weak;
};

static struct qe_tally *
qe_tally(struct qe_tally **t, size_t *nt, size_t *cap, const char *split, const char *kind)
{
	size_t i;

	for (i = 0; i < *nt; i++)
		if (strcmp((*t)[i].split, split) == 0 && strcmp((*t)[i].kind, kind) == 0)
			return &(*t)[i];
	*t = qe_grow(*t, cap, *nt + 1, sizeof(**t));
	memset(&(*t)[*nt], 0, sizeof(**t));
	snprintf((*t)[*nt].split, sizeof((*t)[*nt].split), "%s", split);
	snprintf((*t)[*nt].kind, sizeof((*t)[*nt].kind), "%s", kind);
	return &(*t)[(*nt)++];
}

static int
qe_unrelated(const char *kind)
{
	return strcmp(kind, "unrelated") == 0 || strcmp(kind, "nearmiss") == 0;
}

#ifndef QUERYEVAL_NO_FIT
#define FIT_N	QUERY_MODEL_MAX	/* inputs beyond the model's stay 0 */

static size_t fit_n;		/* the model's inputs */
static const char *fit_names[FIT_N];

static void
fit_x(const struct query_features *f, double x[FIT_N])
{
	const char *drop = getenv("QUERYEVAL_DROP");
	size_t i;

	memset(x, 0, FIT_N * sizeof(*x));
	fit_n = query_model_inputs(f, x, fit_names);
	/* inputs left out, for trying the model without them: "AGREE,TEXT" */
	for (i = 1; drop != NULL && i < fit_n; i++) {
		const char *p = strstr(drop, fit_names[i]);
		size_t l = strlen(fit_names[i]);

		if (p != NULL && (p == drop || p[-1] == ',') && (p[l] == '\0' || p[l] == ','))
			x[i] = 0;
	}
}

/*
 * The fold of row k: k % 5, or with QUERYEVAL_SEED=N a hash of k and N, for
 * reading how much a figure owes to one split into folds.
 */
static size_t
fit_fold(size_t k)
{
	static long seed = -1;
	unsigned long h;

	if (seed < 0)
		seed = getenv("QUERYEVAL_SEED") ? atol(getenv("QUERYEVAL_SEED")) : 0;
	if (seed == 0)
		return k % 5;
	h = (unsigned long)k * 2654435761ul + (unsigned long)seed * 40503ul;
	h ^= h >> 13;
	h *= 0x5bd1e995ul;
	h ^= h >> 15;
	return (size_t)(h % 5);
}

/* Solve a x = b (n x n) by Gaussian elimination with partial pivoting. */
static int
fit_solve(double a[FIT_N][FIT_N], double b[FIT_N], double x[FIT_N])
{
	int i, j, k, p;

	for (i = 0; i < FIT_N; i++) {
		for (p = i, k = i + 1; k < FIT_N; k++)
			if (fabs(a[k][i]) > fabs(a[p][i]))
				p = k;
		if (fabs(a[p][i]) < 1e-12)
			return -1;
		for (j = 0; j < FIT_N; j++) {
			double t = a[i][j];

			a[i][j] = a[p][j];
			a[p][j] = t;
		}
		{
			double t = b[i];

			b[i] = b[p];
			b[p] = t;
		}
		for (k = i + 1; k < FIT_N; k++) {
			double m = a[k][i] / a[i][i];

			for (j = i; j < FIT_N; j++)
				a[k][j] -= m * a[i][j];
			b[k] -= m * b[i];
		}
	}
	for (i = FIT_N - 1; i >= 0; i--) {
		x[i] = b[i];
		for (j = i + 1; j < FIT_N; j++)
			x[i] -= a[i][j] * x[j];
		x[i] /= a[i][i];
	}
	return 0;
}

/*
 * Newton's method on the penalised log-likelihood (no penalty on the
 * bias), over the rows k with k % 5 != fold - 1 (all rows for fold 0).
 */
static void
fit_newton(double (*x)[FIT_N], const double *y, size_t nd, const int *unused, size_t fold,
    double lambda, double w[FIT_N])
{
	size_t i, j, k, iter;
	const char *uws = getenv("QUERYEVAL_UWEIGHT");
	double uw = uws ? atof(uws) : 1, cw;

	(void)unused;
	for (iter = 0; iter < 50; iter++) {
		double h[FIT_N][FIT_N] = { { 0 } }, g[FIT_N] = { 0 }, d[FIT_N];

		for (i = 0; i < nd; i++) {
			double z = 0, pr;

			if (fold > 0 && fit_fold(i) == fold - 1)
				continue;
			cw = y[i] > 0.5 ? 1 : uw;
			for (j = 0; j < FIT_N; j++)
				z += w[j] * x[i][j];
			pr = 1 / (1 + exp(-z));
			for (j = 0; j < FIT_N; j++) {
				g[j] += cw * (y[i] - pr) * x[i][j];
				for (k = 0; k < FIT_N; k++)
					h[j][k] += cw * pr * (1 - pr) * x[i][j] * x[i][k];
			}
		}
		for (j = 1; j < FIT_N; j++) {
			g[j] -= lambda * w[j];
			h[j][j] += lambda;
		}
		if (fit_solve(h, g, d) != 0)
			break;
		for (j = 0; j < FIT_N; j++)
			w[j] += d[j];
	}
}

/* One line of features per query, for working on the model (QUERYEVAL_DUMP=FILE). */
static void
fit_dump(FILE *f, const struct qe_query *v, const struct query_results *q, int right)
{
	const struct query_features *x = &q->features;

	fprintf(f, "%ld\t%s\t%s\t%d\t%d\t%d\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%d\t%d\t%d\t%d"
	    "\t%.4f\t%.4f\t%.4f\t%d\t%d\t%.4f\t%.4f\t%.4f\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.4f\t%d\t%s\t", v->line, v->split,
	    v->kind, qe_unrelated(v->kind), right, x->matched, x->domain, x->best, x->margin,
	    x->known, x->words, x->mail, x->network, x->pattern, x->question, x->specific,
	    x->cover, x->fragment, x->foreign, x->unknown, x->coherent, x->strong, x->common,
	    (int)q->nsynonyms, x->spread, x->gateway_only, x->nspecific, x->run, x->own, x->elsewhere, x->known_strong, x->program, q->nresults ? q->results[0].article->id : "-");
	for (const char *t = v->text; *t; t++)
		fputc(*t == '\n' || *t == '\t' ? ' ' : *t, f);
	fputc('\n', f);
}

static int
fit_main(const char *kbdir, const char *evalpath, const char *const *extra, size_t nextra)
{
	struct kb_load_params p = { 0 };
	struct query_index *ix;
	struct matcher *m;
	struct kb *kb;
	struct qe_query *v;
	char err[ERR_LEN];
	double (*x)[FIT_N], *y, w[FIT_N] = { 0 }, lambda = 0.3;
	const char *l = getenv("QUERYEVAL_LAMBDA");

	if (l != NULL)
		lambda = atof(l);
	size_t n, i, j, k, nd = 0, gated = 0, *idx, f, *qnd;
	int *qhow, *qright, *qright3;	/* per query: 0 none, 1 rule, 2 model */
	size_t nrelated = 0, rule_right = 0, rule_unrelated = 0;
	double *oof;
	/* QUERYEVAL_SURE: read the figures at another sure threshold */
	const double fit_sure = getenv("QUERYEVAL_SURE") ? atof(getenv("QUERYEVAL_SURE")) :
	    QUERY_SURE;
	int *un, *right, *right3;

	p.dir = kbdir;
	if (kb_load(&p, &kb, err) != 0 || match_compile(kb, &m, err) != 0) {
		fprintf(stderr, "queryeval: %s\n", err);
		return 1;
	}
	ix = query_index_new(kb);
	if ((v = qe_load(evalpath, &n)) == NULL)
		return 1;
	const char *dumppath = getenv("QUERYEVAL_DUMP");
	FILE *dump = dumppath ? fopen(dumppath, "w") : NULL;
	/* each query's ranked articles with both rankers' scores (QUERYEVAL_CANDS=FILE) */
	const char *candspath = getenv("QUERYEVAL_CANDS");
	FILE *cands = candspath ? fopen(candspath, "w") : NULL;

	for (size_t e = 0; e < nextra; e++) {
		size_t n2, k2;
		struct qe_query *v2 = qe_load(extra[e], &n2);

		if (v2 == NULL)
			return 1;
		v = realloc(v, (n + n2) * sizeof(*v));
		for (k2 = 0; k2 < n2; k2++)
			v[n + k2] = v2[k2];
		n += n2;
		free(v2);
	}
	x = calloc(n, sizeof(*x));
	y = calloc(n, sizeof(*y));
	un = calloc(n, sizeof(*un));
	right = calloc(n, sizeof(*right));
	right3 = calloc(n, sizeof(*right3));
	idx = calloc(n, sizeof(*idx));
	qnd = calloc(n, sizeof(*qnd));
	qhow = calloc(n, sizeof(*qhow));
	qright = calloc(n, sizeof(*qright));
	qright3 = calloc(n, sizeof(*qright3));
	for (i = 0; i < n; i++) {
		struct query_results *q;

		if (strcmp(v[i].split, "dev") != 0 && strcmp(v[i].split, "fit") != 0)
			continue;	/* never the test half */
		q = query_ask_unjudged(ix, m, v[i].text, strlen(v[i].text));
		if (cands) {
			fprintf(cands, "%ld\t%s\t%s\t%s\t%d\t%d\t%.4f\t%d", v[i].line, v[i].split,
			    v[i].kind, v[i].expected, q->features.matched, q->features.domain,
			    q->confidence, q->features.question);
			for (j = 0; j < q->nresults && j < 40; j++)
				fprintf(cands, "\t%s:%.5f:%d:%.5f:%.5f:%zu", q->results[j].article->id,
				    q->results[j].score, q->results[j].how == QUERY_PATTERN,
				    q->results[j].words_score, q->results[j].text_score,
				    q->results[j].text_rank);
			fputc('\n', cands);
		}
		if (dump) {
			int first = 0;

			for (j = 0; q->nresults > 0 && j < v[i].nids; j++)
				first |= strcmp(q->results[0].article->id, v[i].ids[j]) == 0;
			fit_dump(dump, &v[i], q, first);
		}
		if (!qe_unrelated(v[i].kind))
			nrelated++;
		for (k = 0; k < q->nresults && k < QE_TOP; k++)
			for (j = 0; j < v[i].nids; j++)
				if (strcmp(q->results[k].article->id, v[i].ids[j]) == 0) {
					qright[i] |= k == 0;
					qright3[i] = 1;
				}
		qhow[i] = q->features.matched ? 1 : q->features.domain ? 2 : 0;
		qnd[i] = nd;
		if (q->features.matched) {
			/* answered by its pattern, by rule */
			for (j = 0; q->nresults > 0 && j < v[i].nids; j++)
				rule_right += strcmp(q->results[0].article->id, v[i].ids[j]) == 0;
			rule_unrelated += qe_unrelated(v[i].kind);
			query_free(q);
			continue;
		}
		if (!q->features.domain) {
			/* not in the gateway's world: no answer, by rule */
			if (!qe_unrelated(v[i].kind)) {
				gated++;
				fprintf(stderr, "gated: %s %s: %.70s\n", v[i].kind, v[i].expected,
				    v[i].text);
			}
			query_free(q);
			continue;
		}
		fit_x(&q->features, x[nd]);
		un[nd] = qe_unrelated(v[i].kind);
		idx[nd] = i;
		/* what is fitted: is the text about the rule base at all? For a
		 * related text, a wrong first result and no answer are the same
		 * miss; only an unrelated text answered costs more */
		y[nd] = !un[nd];
		right[nd] = right3[nd] = 0;
		for (k = 0; k < q->nresults && k < QE_TOP; k++)
			for (j = 0; j < v[i].nids; j++)
				if (strcmp(q->results[k].article->id, v[i].ids[j]) == 0) {
					right[nd] |= k == 0;
					right3[nd] = 1;
				}
		nd++;
		query_free(q);
	}
	fit_newton(x, y, nd, NULL, 0, lambda, w);
	/*
	 * Five-fold cross-validation on the dev half: each query's probability
	 * from a model fitted without it, so that the thresholds are read off
	 * queries the model did not see (an in-sample fit is over-sure).
	 */
	oof = calloc(nd ? nd : 1, sizeof(*oof));
	for (f = 0; f < 5; f++) {
		double wf[FIT_N] = { 0 };

		fit_newton(x, y, nd, NULL, f + 1, lambda, wf);
		for (k = 0; k < nd; k++) {
			double z = 0;

			if (fit_fold(k) != f)
				continue;
			for (j = 0; j < FIT_N; j++)
				z += wf[j] * x[k][j];
			oof[k] = 1 / (1 + exp(-z));
		}
	}
	/* the dev unrelated queries the model is least sure of (out of fold),
	 * and the right answers it doubts, for reading */
	for (k = 0; k < nd; k++) {
		if (!((un[k] && oof[k] >= 0.2) || (!un[k] && right[k] && oof[k] < (getenv("QUERYEVAL_DOUBT") ? atof(getenv("QUERYEVAL_DOUBT")) : 0.65))))
			continue;
		i = idx[k];
		fprintf(stderr, "%.2f %s %s: %.60s [", oof[k], v[i].kind, v[i].expected,
		    v[i].text);
		for (j = 1; j < fit_n; j++)
			fprintf(stderr, "%s%s %.2f", j > 1 ? " " : "", fit_names[j], x[k][j]);
		fputs("]\n", stderr);
	}
	{
		double top = 0;
		size_t nright = 0, wrong = 0;

		for (k = 0; k < nd; k++)
			if (un[k] && oof[k] > top)
				top = oof[k];
		for (k = 0; k < nd; k++)
			if (!un[k] && oof[k] > top)
				nright += right[k], wrong += !right[k];
		printf("the highest out-of-fold probability of an unrelated text: %.4f; above "
		    "it, %zu right answers and %zu wrong first results\n", top, nright, wrong);
	}
	{
		size_t sure_right = 0, sure_unrelated = 0;

		for (k = 0; k < nd; k++)
			if (oof[k] >= fit_sure) {
				sure_right += !un[k] && right[k];
				sure_unrelated += un[k];
			}
		printf("cross-validated hit@1 at QUERY_SURE (%.2f): %zu of %zu related texts "
		    "(%zu answered by rule, %zu by the model out of fold): %.3f; unrelated "
		    "texts answered surely: %zu by rule, %zu by the model\n", fit_sure,
		    rule_right + sure_right, nrelated, rule_right, sure_right,
		    nrelated ? (double)(rule_right + sure_right) / (double)nrelated : 0.0,
		    rule_unrelated, sure_unrelated);
	}
	/*
	 * Per kind, as queryeval's table (SPLIT KIND N HIT1 HIT3 ANSWERED
	 * WEAK), split "cv": a text answered by rule, or by the model out of
	 * fold at QUERY_SURE (sure) or QUERY_WEAK (weak).
	 */
	{
		struct qe_tally *t = NULL;
		size_t nt = 0, cap = 0;

		for (i = 0; i < n; i++) {
			struct qe_tally *a, *b;
			int sure, weak, unrel = qe_unrelated(v[i].kind);

			if (strcmp(v[i].split, "dev") != 0 && strcmp(v[i].split, "fit") != 0)
				continue;
			sure = qhow[i] == 1 || (qhow[i] == 2 && oof[qnd[i]] >= fit_sure);
			weak = !sure && qhow[i] == 2 && oof[qnd[i]] >= QUERY_WEAK;
			a = qe_tally(&t, &nt, &cap, "cv", v[i].kind);
			b = qe_tally(&t, &nt, &cap, "cv", unrel ? "answered" : "all");
			a->n++;
			b->n++;
			if (unrel) {
				a->answered += sure;
				b->answered += sure;
				a->weak += weak;
				b->weak += weak;
			} else {
				a->hit1 += sure && qright[i];
				b->hit1 += sure && qright[i];
				a->hit3 += (sure || weak) && qright3[i];
				b->hit3 += (sure || weak) && qright3[i];
				a->answered += sure;
				b->answered += sure;
				a->weak += weak;
				b->weak += weak;
			}
		}
		for (i = 0; i < nt; i++)
			printf("%s %s %zu %zu %zu %zu %zu\n", t[i].split, t[i].kind, t[i].n,
			    t[i].hit1, t[i].hit3, t[i].answered, t[i].weak);
		free(t);
	}
	printf("/* fitted on the dev half: %zu queries (%zu related ones have no "
	    "sign of the gateway's world and are not answered) */\n", nd, gated);
	for (j = 0; j < fit_n; j++)
		printf("\tX(%s,\t%.3f) \\\n", fit_names[j], w[j]);
	/* what the thresholds do on dev */
	{
		static const double ts[] = { 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8,
		    0.85, 0.9, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99 };
		size_t ti;

		printf("threshold  right  wrong  unrelated-answered (dev, out-of-fold)\n");
		for (ti = 0; ti < sizeof(ts) / sizeof(ts[0]); ti++) {
			double t = ts[ti];
			size_t nright = 0, wrong = 0, una = 0;

			for (k = 0; k < nd; k++) {
				if (oof[k] < t)
					continue;
				if (un[k])
					una++;
				else if (right[k])
					nright++;
				else
					wrong++;
			}
			printf("%.2f       %5zu  %5zu  %5zu\n", t, nright, wrong, una);
		}
	}
	/*
	 * The weak band, [t, QUERY_SURE): what a weak answer (the best three,
	 * marked weak) would give for each lower bound t: related texts whose
	 * article is among the three, related ones whose is not, unrelated
	 * texts answered weakly.
	 */
	{
		static const double ts[] = { 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4,
		    0.45, 0.5, 0.6, 0.7, 0.8 };
		size_t ti;

		printf("weak band [t, %.2f): t  related-hit@3  related-missed  unrelated "
		    "(dev, out-of-fold)\n", fit_sure);
		for (ti = 0; ti < sizeof(ts) / sizeof(ts[0]); ti++) {
			size_t h3 = 0, miss = 0, una = 0;

			for (k = 0; k < nd; k++) {
				if (oof[k] < ts[ti] || oof[k] >= fit_sure)
					continue;
				if (un[k])
					una++;
				else if (right3[k])
					h3++;
				else
					miss++;
			}
			printf("%.2f  %5zu  %5zu  %5zu\n", ts[ti], h3, miss, una);
		}
	}
	if (dump)
		fclose(dump);
	if (cands)
		fclose(cands);
	query_index_free(ix);
	match_free(m);
	kb_free(kb);
	return 0;
}
#endif

int
main(int argc, char **argv)
{
	struct kb_load_params p = { 0 };
	struct query_index *ix = NULL;
	struct matcher *m = NULL;
	struct bm25 b = { 0 };
	struct kb *kb;
	struct qe_query *v;
	struct qe_tally *t = NULL;
	const char *scorer = "kbdiag", *misses = NULL, *source = NULL, *results = NULL;
	FILE *rf = NULL;
	int unjudged = 0;
	char err[ERR_LEN], dir[4096];
	size_t n, i, j, nt = 0, cap = 0;
	int a = 1;

#ifndef QUERYEVAL_NO_FIT
	if (argc >= 4 && strcmp(argv[1], "--fit") == 0)
		return fit_main(argv[2], argv[3], (const char *const *)argv + 4,
		    (size_t)argc - 4);
#endif
	for (; a < argc && argv[a][0] == '-' && argv[a][1] == '-' && a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--scorer") == 0)
			scorer = argv[a + 1];
		else if (strcmp(argv[a], "--misses") == 0)
			misses = argv[a + 1];
		else if (strcmp(argv[a], "--source") == 0)
			source = argv[a + 1];
		else if (strcmp(argv[a], "--results") == 0)
			results = argv[a + 1];
#ifndef QUERYEVAL_NO_FIT
		else if (strcmp(argv[a], "--ranking") == 0)
			unjudged = strcmp(argv[a + 1], "only") == 0;
#endif
		else
			break;
	}
	if (argc - a != 2 || (strcmp(scorer, "kbdiag") != 0 && strcmp(scorer, "bm25") != 0)) {
		fputs("usage: queryeval [--scorer kbdiag|bm25] [--misses dev|test|all] "
		    "[--source DIR] [--results FILE|-] KBDIR EVAL.tsv\n", stderr);
		return 2;
	}
	p.dir = argv[a];
	if (kb_load(&p, &kb, err) != 0) {
		fprintf(stderr, "queryeval: %s\n", err);
		return 1;
	}
	if (strcmp(scorer, "kbdiag") == 0) {
		if (match_compile(kb, &m, err) != 0) {
			fprintf(stderr, "queryeval: %s\n", err);
			return 1;
		}
		ix = query_index_new(kb);
	} else {
		snprintf(dir, sizeof(dir), "%s/articles", argv[a]);
		if (bm25_load(&b, source ? source : dir, source ? ".txt" : ".xml", kb) != 0) {
			fprintf(stderr, "queryeval: %s: no articles\n", source ? source : dir);
			return 1;
		}
	}
	if ((v = qe_load(argv[a + 1], &n)) == NULL) {
		fprintf(stderr, "queryeval: %s: cannot read\n", argv[a + 1]);
		return 1;
	}
	if (results != NULL && (rf = strcmp(results, "-") == 0 ? stdout :
	    fopen(results, "w")) == NULL) {
		perror(results);
		return 1;
	}
	for (i = 0; i < n; i++) {
		const char *top[QE_TOP];
		size_t ntop = 0;
		struct query_results *q = NULL;
		struct qe_tally *k = qe_tally(&t, &nt, &cap, v[i].split, v[i].kind);
		struct qe_tally *all = qe_tally(&t, &nt, &cap, v[i].split,
		    qe_unrelated(v[i].kind) ? "answered" : "all");
		int h1 = 0, h3 = 0, show, weak = 0;

		if (ix) {
#ifndef QUERYEVAL_NO_FIT
			q = unjudged ? query_ask_unjudged(ix, m, v[i].text, strlen(v[i].text)) :
			    query_ask(ix, m, v[i].text, strlen(v[i].text));
#else
			q = query_ask(ix, m, v[i].text, strlen(v[i].text));
#endif
			for (j = 0; j < q->nresults && j < QE_TOP; j++)
				top[ntop++] = q->results[j].article->id;
#ifdef QUERY_WEAK_BAND
			weak = q->nresults > 0 && q->answer == QUERY_WEAK_ANSWER;
#endif
		} else
			ntop = bm25_ask(&b, v[i].text, top);
		for (j = 0; j < ntop; j++) {
			size_t e;

			for (e = 0; e < v[i].nids; e++)
				if (strcmp(top[j], v[i].ids[e]) == 0) {
					h1 |= j == 0 && !weak;
					h3 = 1;
				}
		}
		if (rf != NULL) {
			fprintf(rf, "%ld\t%s", v[i].line, ntop == 0 ? "none" : weak ? "weak" :
			    "sure");
			for (j = 0; j < ntop; j++)
				fprintf(rf, "%s%s", j ? " " : "\t", top[j]);
			fputc('\n', rf);
		}
		k->n++;
		all->n++;
		k->hit1 += h1;
		all->hit1 += h1;
		k->hit3 += h3;
		all->hit3 += h3;
		k->answered += ntop > 0 && !weak;
		all->answered += ntop > 0 && !weak;
		k->weak += weak;
		all->weak += weak;
		show = misses && (strcmp(misses, "all") == 0 || strcmp(misses, v[i].split) == 0);
		if (show && (qe_unrelated(v[i].kind) ? ntop > 0 : !h1)) {
			fprintf(stderr, "%ld: %s %s %s%s '", v[i].line, v[i].split, v[i].kind,
			    v[i].expected, weak ? " (weak)" : "");
			for (j = 0; v[i].text[j] && j < 100; j++)
				fputs(v[i].text[j] == '\n' ? "\\n" : (char[2]){ v[i].text[j], 0 },
				    stderr);
			fputs("' ->", stderr);
			for (j = 0; j < ntop; j++)
				if (q)
					fprintf(stderr, " %s %.2f", top[j], q->results[j].score);
				else
					fprintf(stderr, " %s", top[j]);
			fputs(ntop ? "\n" : " nothing\n", stderr);
		}
		query_free(q);
	}
	if (rf != NULL && rf != stdout && fclose(rf) != 0) {
		perror(results);
		return 1;
	}
	for (i = 0; rf != stdout && i < nt; i++)
		printf("%s %s %zu %zu %zu %zu %zu\n", t[i].split, t[i].kind, t[i].n, t[i].hit1,
		    t[i].hit3, t[i].answered, t[i].weak);
	/* everything freed, so that a leak checker (make asan) reads nothing */
	qe_free(v, n);
	free(t);
	bm25_free(&b);
	query_index_free(ix);
	match_free(m);
	kb_free(kb);
	return 0;
}
