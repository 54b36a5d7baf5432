/*
 * queryeval: the evaluation set of `kbdiag query` (tests/cases/query-eval.tsv,
 * issues 5 and 17). Every query goes through `kbdiag query --format json --top 3`;
 * the suite reports hit@1 (a sure answer with an expected article first),
 * hit@3 (an answer, sure or weak, with one among its three), the weak
 * answers, and the unrelated queries answered surely and weakly, per half
 * (dev, test) and per kind, on
 * standard error, with every miss of the dev half (the test half's misses are
 * counted, not shown: nobody tunes on them).
 *
 * Always asserted: the file parses, each query is in the half its seeded hash
 * puts it in (query-eval.tsv says how), the test half is the frozen one
 * (QUERYEVAL_TEST_SHA256: a changed, added or removed test line fails here,
 * and changing the checksum is a visible decision), its size and spread,
 * every expected article exists, a group of expected articles for issue 5's
 * kinds is one that overlaps.xml declares as sharing a text, every exact text
 * ranks its article first; and on the test half, floors: hit@1 at least
 * QUERYEVAL_MIN_HIT1 over its related queries, QUERYEVAL_MIN_HIT1_QUESTION for
 * questions, QUERYEVAL_MIN_HIT1_SYMPTOM for symptoms in the user's words and
 * QUERYEVAL_MIN_HIT1_FRAGMENT for fragments of the gateway's messages, at most
 * QUERYEVAL_MAX_FALSE_POSITIVES unrelated texts answered surely. Issue 17's
 * "no unrelated text answered" is about sure answers: a weak answer (the
 * closest three, marked weak, for a text the answer model doubts) to an
 * unrelated text is reported apart, and a weak answer to a related text
 * counts for hit@3, never for hit@1. hit@3 (sure or weak answers) has floors
 * of its own: QUERYEVAL_MIN_HIT3 and, for questions and symptoms,
 * QUERYEVAL_MIN_HIT3_QUESTION and QUERYEVAL_MIN_HIT3_SYMPTOM.
 *
 * Issue 17 asked for 0.90, 0.80, 0.80 and none (QUERYEVAL_TARGET_*). Its
 * first round reached 0.73, 0.53, 0.27 and 1 of 77 (fragments 0.62); its
 * second round, measured once at its end, 0.717 (139 of 194), 0.47, 0.23 and
 * 1 of 77 (fragments 0.92); its third, fixing classes of the development
 * half's misses, 0.763 (148 of 194), 0.55, 0.27 and 1 of 77 (fragments 1.00,
 * issue 5's kinds 0.983; docs/benchmarks.md); its fifth (the answer model's
 * new inputs, the gateway's own files, more development texts), 0.814 (158
 * of 194), questions 0.627, symptoms 0.500 and none of 77 (hit@3 0.938,
 * questions 0.863, symptoms 0.846); its sixth (the answer model's UNKNOWN,
 * QUESTION and QASKS inputs, refitted with cross-validation on issue-17data's
 * 214 more development texts and its vocabulary; build/queryeval made to
 * measure the product, which a stale build of it had not: it read 148 of 194
 * for the fifth round's 158), 0.830 (161 of 194), questions 0.627 (32 of 51),
 * symptoms 0.577 (15 of 26) and none of 77 (hit@3 0.954, questions 0.882,
 * symptoms 0.885; issue 5's kinds 59 of 59). The test half was run twice in
 * the sixth round: by a whole make check at 17:38 on an intermediate model,
 * whose only reading was that this suite failed on unrelated texts answered
 * surely (no figure was read), and once at the end, for these floors. The
 * floors are what the scorer
 * reaches now, so that the suite guards against losing ground; the report
 * below prints the targets beside the figures. Raise a floor when the scorer
 * gets better, never lower it to let a change in.
 */
#include <check.h>
#include <jansson.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "util/xmem.h"

#define QUERYEVAL_MIN_HIT1		0.82
#define QUERYEVAL_MIN_HIT1_QUESTION	0.62
#define QUERYEVAL_MIN_HIT1_SYMPTOM	0.57
#define QUERYEVAL_MIN_HIT1_FRAGMENT	1.00	/* 1.00 before issue 17 too */
#define QUERYEVAL_MAX_FALSE_POSITIVES	0
/* hit@3 with weak answers (issue 17's fourth round, the weak band: 0.933,
 * 181 of 194; questions 0.843, symptoms 0.846; the fifth: 0.938, questions
 * 0.863, symptoms 0.846; the sixth: 0.954, questions 0.882, symptoms 0.885) */
#define QUERYEVAL_MIN_HIT3		0.95
#define QUERYEVAL_MIN_HIT3_QUESTION	0.88
#define QUERYEVAL_MIN_HIT3_SYMPTOM	0.88
/* main's floor before issue 17 was 0.97 over issue 5's kinds, none of its
 * unrelated queries answered; held on the test half for those kinds, at the
 * measured 0.983 (58 of 59), then 1.00 (59 of 59, issue 17's sixth round) */
#define QUERYEVAL_MIN_HIT1_ISSUE5	1.00
/* issue 17's targets, not met yet (see above) */
#define QUERYEVAL_TARGET_HIT1		0.90
#define QUERYEVAL_TARGET_HIT1_WORDS	0.80
#define QUERYEVAL_TARGET_FALSE_POSITIVES 0

#define QUERYEVAL_MIN_QUERIES		400
#define QUERYEVAL_MIN_UNRELATED		80
#define QUERYEVAL_MIN_ARTICLES		100
/* issue 17: at least 150 new related queries and 60 new unrelated texts */
#define QUERYEVAL_MIN_NEW		150
#define QUERYEVAL_MIN_NEW_UNRELATED	60
#define QUERYEVAL_TOP			3
#define QUERYEVAL_MAX_EXPECTED		5

/* The split: query-eval.tsv's header. */
#define QUERYEVAL_SEED			"kbdiag-query-eval-17"
/* sha256 of the test half's lines, each with its newline, in file order. */
#define QUERYEVAL_TEST_SHA256 \
	"e1d668ef492c39bcf56c453da4b6653a41a202dd41722f051e40faf695a5e355"

static const struct {
	const char	*name;
	int		 issue;		/* 5 or 17: who wrote them */
	int		 unrelated;	/* no answer is the right one */
} kinds[] = {
	{ "exact", 5, 0 }, { "prefixed", 5, 0 }, { "fragment", 5, 0 }, { "typo", 5, 0 },
	{ "paraphrase", 5, 0 }, { "multiline", 5, 0 }, { "unrelated", 5, 1 },
	{ "question", 17, 0 }, { "keyword", 17, 0 }, { "symptom", 17, 0 },
	{ "misspelt", 17, 0 }, { "paste", 17, 0 }, { "nearmiss", 17, 1 },
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))
#define KIND_EXACT	0

enum { SPLIT_DEV, SPLIT_TEST, NSPLITS };
static const char *const splits[NSPLITS] = { "dev", "test" };

struct evalq {
	size_t	 kind;					/* index in kinds[] */
	int	 split;					/* SPLIT_DEV or SPLIT_TEST */
	char	*expected;				/* as written, for messages */
	char	*ids[QUERYEVAL_MAX_EXPECTED];		/* none for unrelated */
	size_t	 nids;
	char	*query;					/* with real line breaks */
	long	 line;
	char	 got[64];				/* the product's answer: "sure|weak|none"
						   and its first three ids, as
						   build/queryeval --results prints them */
};

/* The half the seeded hash puts a query in (query-eval.tsv's header). */
static int
seeded_split(const char *kind, const char *query, int issue)
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	unsigned long v;

	sha256_init(&c);
	sha256_update(&c, strlen(QUERYEVAL_SEED), (const uint8_t *)QUERYEVAL_SEED);
	sha256_update(&c, 1, (const uint8_t *)"\t");
	sha256_update(&c, strlen(kind), (const uint8_t *)kind);
	sha256_update(&c, 1, (const uint8_t *)"\t");
	sha256_update(&c, strlen(query), (const uint8_t *)query);
	sha256_digest(&c, sizeof(d), d);
	v = ((unsigned long)d[0] << 24 | (unsigned long)d[1] << 16 |
	    (unsigned long)d[2] << 8 | d[3]) % 1000;
	return v < (issue == 5 ? 500ul : 340ul) ? SPLIT_DEV : SPLIT_TEST;
}

/* A line break for each backslash-n; every other byte as it is. */
static char *
unescape(const char *s)
{
	char *out = xstrdup(s), *o = out;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

static int
valid_id(const char *id)
{
	size_t i;

	if (id[0] != 'Q' || id[1] == '\0')
		return 0;
	for (i = 1; id[i]; i++)
		if (id[i] < '0' || id[i] > '9')
			return 0;
	return i <= 10;
}

static struct evalq *
load_eval(size_t *n, char sha_hex[2 * SHA256_DIGEST_SIZE + 1])
{
	char *path = tu_src("tests/cases/query-eval.tsv"), *data, *p, *nl, *col[4];
	struct evalq *v = NULL;
	struct sha256_ctx test_half;
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t len, cap = 0, k, c;
	long line = 0;

	sha256_init(&test_half);
	data = tu_read(path, &len);
	*n = 0;
	for (p = data; *p; p = nl + 1) {
		struct evalq *q;
		char *id, *save = NULL;

		line++;
		nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "%s:%ld: no newline at the end", path, line);
		if (strncmp(p, "test\t", 5) == 0)
			sha256_update(&test_half, (size_t)(nl - p) + 1, (const uint8_t *)p);
		*nl = '\0';
		if (*p == '#' || *p == '\0')
			continue;
		col[0] = p;
		for (c = 1; c < 4; c++) {
			col[c] = strchr(col[c - 1], '\t');
			ck_assert_msg(col[c] != NULL, "%s:%ld: not SPLIT<TAB>KIND<TAB>EXPECTED"
			    "<TAB>QUERY", path, line);
			*col[c]++ = '\0';
		}
		ck_assert_msg(strchr(col[3], '\t') == NULL && col[3][0] != '\0',
		    "%s:%ld: not SPLIT<TAB>KIND<TAB>EXPECTED<TAB>QUERY", path, line);
		v = xgrow(v, &cap, *n + 1, sizeof(*v));
		q = &v[*n];
		memset(q, 0, sizeof(*q));
		for (k = 0; k < NKINDS && strcmp(col[1], kinds[k].name) != 0; k++)
			;
		ck_assert_msg(k < NKINDS, "%s:%ld: unknown kind \"%s\"", path, line, col[1]);
		q->kind = k;
		ck_assert_msg(strcmp(col[0], "dev") == 0 || strcmp(col[0], "test") == 0,
		    "%s:%ld: the split is dev or test, not \"%s\"", path, line, col[0]);
		q->split = strcmp(col[0], "dev") == 0 ? SPLIT_DEV : SPLIT_TEST;
		ck_assert_msg(q->split == seeded_split(col[1], col[3], kinds[k].issue),
		    "%s:%ld: the seeded hash puts this query in the %s half, not %s", path,
		    line, splits[seeded_split(col[1], col[3], kinds[k].issue)], col[0]);
		q->expected = xstrdup(col[2]);
		q->line = line;
		q->query = unescape(col[3]);
		if (kinds[k].unrelated) {
			ck_assert_msg(strcmp(q->expected, "-") == 0, "%s:%ld: an unrelated "
			    "query expects \"-\", not \"%s\"", path, line, q->expected);
		} else {
			for (id = strtok_r(col[2], "|", &save); id;
			    id = strtok_r(NULL, "|", &save)) {
				ck_assert_msg(valid_id(id), "%s:%ld: \"%s\" is not an article id",
				    path, line, id);
				ck_assert_msg(q->nids < QUERYEVAL_MAX_EXPECTED, "%s:%ld: more "
				    "than %d expected articles", path, line,
				    QUERYEVAL_MAX_EXPECTED);
				q->ids[q->nids++] = xstrdup(id);
			}
			ck_assert_msg(q->nids > 0, "%s:%ld: no expected article", path, line);
		}
		(*n)++;
	}
	sha256_digest(&test_half, sizeof(d), d);
	for (k = 0; k < sizeof(d); k++)
		snprintf(sha_hex + 2 * k, 3, "%02x", d[k]);
	free(data);
	free(path);
	return v;
}

static void
free_eval(struct evalq *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < v[i].nids; j++)
			free(v[i].ids[j]);
		free(v[i].expected);
		free(v[i].query);
	}
	free(v);
}

static int
expected(const struct evalq *q, const char *id)
{
	size_t j;

	for (j = 0; j < q->nids; j++)
		if (strcmp(q->ids[j], id) == 0)
			return 1;
	return 0;
}

START_TEST(eval_set_is_sound)
{
	struct kb *kb = tu_kb();
	struct evalq *v;
	char **seen = NULL, sha[2 * SHA256_DIGEST_SIZE + 1];
	size_t n, i, j, k, nseen = 0, cap = 0, unrelated = 0;
	size_t fresh = 0, fresh_unrelated = 0, fresh_test = 0;

	v = load_eval(&n, sha);
	ck_assert_msg(strcmp(sha, QUERYEVAL_TEST_SHA256) == 0, "query-eval.tsv: the test "
	    "half has changed (sha256 %s, frozen at %s): it is not to be edited",
	    sha, QUERYEVAL_TEST_SHA256);
	for (i = 0; i < n; i++) {
		if (kinds[v[i].kind].unrelated)
			unrelated++;
		if (kinds[v[i].kind].issue == 17) {
			if (kinds[v[i].kind].unrelated)
				fresh_unrelated++;
			else
				fresh++;
			fresh_test += v[i].split == SPLIT_TEST;
		}
		for (j = 0; j < v[i].nids; j++) {
			const char *id = v[i].ids[j];

			ck_assert_msg(kb_find_article(kb, id) != NULL, "query-eval.tsv:%ld: %s "
			    "is not an article of the rule base", v[i].line, id);
			/* Several ids for issue 5's kinds: the rule base must say that
			 * they share the text. */
			for (k = 0; k < j && kinds[v[i].kind].issue == 5; k++) {
				const struct kb_overlap *o = kb_find_overlap(kb, v[i].ids[k], id);

				ck_assert_msg(o != NULL && strcmp(o->kind, "conflict") != 0,
				    "query-eval.tsv:%ld: %s and %s: overlaps.xml declares no "
				    "shared text for them", v[i].line, v[i].ids[k], id);
			}
			for (k = 0; k < nseen && strcmp(seen[k], id) != 0; k++)
				;
			if (k == nseen) {
				seen = xgrow(seen, &cap, nseen + 1, sizeof(*seen));
				seen[nseen++] = v[i].ids[j];
			}
		}
	}
	ck_assert_msg(n >= QUERYEVAL_MIN_QUERIES, "query-eval.tsv: %zu queries, at least "
	    "%d wanted", n, QUERYEVAL_MIN_QUERIES);
	ck_assert_msg(unrelated >= QUERYEVAL_MIN_UNRELATED, "query-eval.tsv: %zu unrelated "
	    "queries, at least %d wanted", unrelated, QUERYEVAL_MIN_UNRELATED);
	ck_assert_msg(nseen >= QUERYEVAL_MIN_ARTICLES, "query-eval.tsv: %zu distinct "
	    "articles expected, at least %d wanted", nseen, QUERYEVAL_MIN_ARTICLES);
	ck_assert_msg(fresh >= QUERYEVAL_MIN_NEW && fresh_unrelated >=
	    QUERYEVAL_MIN_NEW_UNRELATED, "query-eval.tsv: %zu related and %zu unrelated "
	    "queries of issue 17, at least %d and %d wanted", fresh, fresh_unrelated,
	    QUERYEVAL_MIN_NEW, QUERYEVAL_MIN_NEW_UNRELATED);
	ck_assert_msg(2 * fresh_test > fresh + fresh_unrelated, "query-eval.tsv: %zu of "
	    "issue 17's %zu queries in the test half: most must be", fresh_test,
	    fresh + fresh_unrelated);
	free(seen);
	free_eval(v, n);
	kb_free(kb);
}
END_TEST

/*
 * Run the query; the results array of its JSON (caller decrefs root), and in
 * *weak whether the answer is weak (the best three, marked "answer": "weak").
 */
static json_t *
run_query(const struct evalq *q, json_t **rootp, int *weak)
{
	const char *answer;

	struct tu_run r;
	json_error_t jerr;
	json_t *root, *results;

	tu_kbdiag(&r, NULL, 0, "query", "--format", "json", "--top", "3", "--", q->query,
	    (char *)NULL);
	ck_assert_msg(r.status == 0 || r.status == 1, "query-eval.tsv:%ld: \"%s\": exit "
	    "%d, stderr: %s", q->line, q->query, r.status, r.err);
	root = json_loads(r.out, 0, &jerr);
	ck_assert_msg(root != NULL, "query-eval.tsv:%ld: not JSON: %s", q->line, jerr.text);
	results = json_object_get(root, "results");
	ck_assert_msg(json_is_array(results), "query-eval.tsv:%ld: no results array",
	    q->line);
	ck_assert_msg((json_array_size(results) == 0) == (r.status == 1),
	    "query-eval.tsv:%ld: %zu results with exit %d", q->line,
	    json_array_size(results), r.status);
	answer = json_string_value(json_object_get(root, "answer"));
	ck_assert_msg(answer != NULL && (strcmp(answer, "sure") == 0 ? r.status == 0 :
	    strcmp(answer, "weak") == 0 ? r.status == 0 && json_array_size(results) <= 3 :
	    strcmp(answer, "none") == 0 && r.status == 1), "query-eval.tsv:%ld: answer "
	    "\"%s\" with %zu results and exit %d", q->line, answer ? answer : "(none)",
	    json_array_size(results), r.status);
	*weak = strcmp(answer, "weak") == 0;
	tu_run_free(&r);
	*rootp = root;
	return results;
}

static const char *
result_id(json_t *results, size_t i)
{
	const char *id = json_string_value(json_object_get(json_array_get(results, i),
	    "article"));

	return id ? id : "?";
}

/* The query on one line, for a message: line breaks shown as \n, cut short. */
static void
oneline(char *out, size_t size, const char *s)
{
	size_t o = 0;

	/* Room left for two bytes, then "..." and the NUL. */
	for (; *s && o + 6 < size; s++) {
		if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else
			out[o++] = *s;
	}
	if (*s) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static double
ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

/*
 * The bench tool measures the product: build/queryeval (make bench-query, and
 * --fit, which fits the answer model on what it measures) asks every query in
 * one process, through kb_load() and one index for all of them; the product
 * is a `kbdiag query` process per text, through the rule base cache. Each
 * query must get the same answer and the same first three articles from
 * both: a stale or differently built tool, another dictionary, a cache that
 * loses a field the query reads, or state one query leaves in the index for
 * the next would each show here. A test-half query that differs is counted,
 * not shown.
 */
static void
same_as_queryeval(const struct evalq *v, size_t n)
{
	char *bin = tu_build("queryeval"), *kb = tu_src("kb");
	char *tsv = tu_src("tests/cases/query-eval.tsv"), *out, *p, *nl;
	char *argv[] = { bin, (char *)"--results", (char *)"-", kb, tsv, NULL };
	struct tu_run r;
	size_t i = 0, ntest = 0, ndev = 0, len;

	ck_assert_msg(access(bin, X_OK) == 0, "%s: not built (make %s)", bin, bin);
	tu_runv(&r, NULL, 0, argv);
	ck_assert_msg(r.status == 0, "build/queryeval: exit %d: %.400s", r.status, r.err);
	out = r.out;
	len = strlen(out);
	for (p = out; p < out + len && *p; p = nl + 1, i++) {
		char *tab;
		long line;

		nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "build/queryeval --results: no newline at the end");
		*nl = '\0';
		line = strtol(p, &tab, 10);
		ck_assert_msg(*tab == '\t' && i < n && line == v[i].line, "build/queryeval "
		    "--results: line %zu is \"%s\", not query-eval.tsv:%ld's result", i + 1, p,
		    i < n ? v[i].line : 0L);
		if (strcmp(tab + 1, v[i].got) == 0)
			continue;
		if (v[i].split == SPLIT_TEST) {
			ntest++;
			continue;
		}
		ndev++;
		fprintf(stderr, "differs: query-eval.tsv:%ld '%.60s': kbdiag query: %s; "
		    "build/queryeval: %s\n", v[i].line, v[i].query, v[i].got, tab + 1);
	}
	ck_assert_msg(i == n, "build/queryeval --results: %zu results for %zu queries", i, n);
	ck_assert_msg(ndev + ntest == 0, "build/queryeval differs from kbdiag query on %zu "
	    "queries of the dev half (shown above) and %zu of the test half", ndev, ntest);
	tu_run_free(&r);
	free(tsv);
	free(kb);
	free(bin);
}

START_TEST(eval_set_scores)
{
	struct evalq *v;
	char sha[2 * SHA256_DIGEST_SIZE + 1];
	size_t n, i, j, k, s;
	size_t kn[NSPLITS][NKINDS] = {{0}}, khit1[NSPLITS][NKINDS] = {{0}};
	size_t khit3[NSPLITS][NKINDS] = {{0}}, related[NSPLITS] = {0};
	size_t hit1[NSPLITS] = {0}, hit3[NSPLITS] = {0}, answered[NSPLITS] = {0};
	size_t unrelated[NSPLITS] = {0}, exact_missed = 0, weakly[NSPLITS] = {0};
	size_t kweak[NSPLITS][NKINDS] = {{0}};
	char exact_first[256] = "";

	v = load_eval(&n, sha);
	for (i = 0; i < n; i++) {
		json_t *root, *results;
		size_t nres, top;
		int h1 = 0, h3 = 0, weak;
		char text[96];

		results = run_query(&v[i], &root, &weak);
		nres = json_array_size(results);
		top = nres < QUERYEVAL_TOP ? nres : QUERYEVAL_TOP;
		k = v[i].kind;
		s = (size_t)v[i].split;
		kn[s][k]++;
		oneline(text, sizeof(text), v[i].query);
		kweak[s][k] += weak;
		if (kinds[k].unrelated) {
			unrelated[s]++;
			/* For an unrelated query, a hit is no sure answer (hit@1),
			 * and no answer at all (hit@3); a weak answer is counted
			 * apart. */
			h1 = nres == 0 || weak;
			h3 = nres == 0;
			answered[s] += nres > 0 && !weak;
			weakly[s] += weak;
			if (nres > 0) {
				if (s == SPLIT_DEV)
					fprintf(stderr, "miss: dev %s%s '%s' -> %s %.2f\n",
					    kinds[k].name, weak ? " (weak)" : "", text,
					    result_id(results, 0),
					    json_number_value(json_object_get(
					    json_array_get(results, 0), "score")));
			}
		} else {
			related[s]++;
			/* hit@1: a sure answer with the article first; hit@3:
			 * an answer, sure or weak, with it among the three */
			for (j = 0; j < top; j++)
				if (expected(&v[i], result_id(results, j))) {
					h1 = j == 0 && !weak;
					h3 = 1;
					break;
				}
			hit1[s] += h1;
			hit3[s] += h3;
			if (!h1 && s == SPLIT_DEV) {
				fprintf(stderr, "miss: dev %s %s%s '%s' ->", kinds[k].name,
				    v[i].expected, weak ? " (weak)" : "", text);
				if (nres == 0)
					fprintf(stderr, " nothing");
				for (j = 0; j < top; j++)
					fprintf(stderr, " %s %.2f", result_id(results, j),
					    json_number_value(json_object_get(
					    json_array_get(results, j), "score")));
				fprintf(stderr, "%s\n", h3 ? " (hit@3)" : "");
			}
			if (k == KIND_EXACT && !h1 && exact_missed++ == 0)
				snprintf(exact_first, sizeof(exact_first), "line %ld: '%s' -> %s",
				    v[i].line, text, nres ? result_id(results, 0) : "nothing");
		}
		khit1[s][k] += h1;
		khit3[s][k] += h3;
		snprintf(v[i].got, sizeof(v[i].got), "%s", nres == 0 ? "none" : weak ? "weak" :
		    "sure");
		for (j = 0; j < top; j++)
			snprintf(v[i].got + strlen(v[i].got), sizeof(v[i].got) - strlen(v[i].got),
			    "%s%s", j ? " " : "\t", result_id(results, j));
		json_decref(root);
	}

	for (s = 0; s < NSPLITS; s++) {
		fprintf(stderr, "queryeval, %s half: %zu related: hit@1 %.3f (sure answers) "
		    "hit@3 %.3f (sure or weak); unrelated answered %zu/%zu sure, %zu weakly\n",
		    splits[s], related[s], ratio(hit1[s], related[s]),
		    ratio(hit3[s], related[s]), answered[s], unrelated[s], weakly[s]);
		fprintf(stderr, "  %-10s %3s  %5s %5s %5s\n", "kind", "n", "hit@1", "hit@3",
		    "weak");
		for (k = 0; k < NKINDS; k++)
			fprintf(stderr, "  %-10s %3zu  %5.2f %5.2f %5zu\n", kinds[k].name,
			    kn[s][k], ratio(khit1[s][k], kn[s][k]), ratio(khit3[s][k], kn[s][k]),
			    kweak[s][k]);
	}
	fprintf(stderr, "  (hit@1 counts sure answers, hit@3 sure or weak ones, weak the "
	    "weak answers; for unrelated and nearmiss, hit@1 is no sure answer and hit@3 "
	    "no answer at all; the test half's misses are not shown)\n");
	fprintf(stderr, "queryeval, issue 17's targets on the test half: hit@1 %.2f "
	    "(floor %.2f), questions and symptoms %.2f (floors %.2f, %.2f), unrelated "
	    "answered %d (at most %d now); fragments 1.00 before issue 17 (floor %.2f)\n",
	    QUERYEVAL_TARGET_HIT1, QUERYEVAL_MIN_HIT1, QUERYEVAL_TARGET_HIT1_WORDS,
	    QUERYEVAL_MIN_HIT1_QUESTION, QUERYEVAL_MIN_HIT1_SYMPTOM,
	    QUERYEVAL_TARGET_FALSE_POSITIVES, QUERYEVAL_MAX_FALSE_POSITIVES,
	    QUERYEVAL_MIN_HIT1_FRAGMENT);

	same_as_queryeval(v, n);
	ck_assert_msg(exact_missed == 0, "query-eval.tsv: %zu exact texts do not rank their "
	    "article first; the first: %s", exact_missed, exact_first);
	ck_assert_msg(ratio(hit1[SPLIT_TEST], related[SPLIT_TEST]) >= QUERYEVAL_MIN_HIT1,
	    "query-eval.tsv, test half: hit@1 %.3f, the floor is %.2f",
	    ratio(hit1[SPLIT_TEST], related[SPLIT_TEST]), QUERYEVAL_MIN_HIT1);
	for (k = 0; k < NKINDS; k++) {
		double floor = strcmp(kinds[k].name, "question") == 0 ?
		    QUERYEVAL_MIN_HIT1_QUESTION : strcmp(kinds[k].name, "symptom") == 0 ?
		    QUERYEVAL_MIN_HIT1_SYMPTOM : strcmp(kinds[k].name, "fragment") == 0 ?
		    QUERYEVAL_MIN_HIT1_FRAGMENT : 0;

		ck_assert_msg(ratio(khit1[SPLIT_TEST][k], kn[SPLIT_TEST][k]) >= floor,
		    "query-eval.tsv, test half: hit@1 %.3f for %s, the floor is %.2f",
		    ratio(khit1[SPLIT_TEST][k], kn[SPLIT_TEST][k]), kinds[k].name, floor);
		floor = strcmp(kinds[k].name, "question") == 0 ? QUERYEVAL_MIN_HIT3_QUESTION :
		    strcmp(kinds[k].name, "symptom") == 0 ? QUERYEVAL_MIN_HIT3_SYMPTOM : 0;
		ck_assert_msg(ratio(khit3[SPLIT_TEST][k], kn[SPLIT_TEST][k]) >= floor,
		    "query-eval.tsv, test half: hit@3 (sure or weak) %.3f for %s, the floor "
		    "is %.2f", ratio(khit3[SPLIT_TEST][k], kn[SPLIT_TEST][k]), kinds[k].name,
		    floor);
	}
	ck_assert_msg(ratio(hit3[SPLIT_TEST], related[SPLIT_TEST]) >= QUERYEVAL_MIN_HIT3,
	    "query-eval.tsv, test half: hit@3 (sure or weak) %.3f, the floor is %.2f",
	    ratio(hit3[SPLIT_TEST], related[SPLIT_TEST]), QUERYEVAL_MIN_HIT3);
	/* main's own floor, for the kinds issue 5 wrote, on the test half */
	{
		size_t n5 = 0, hit5 = 0, answered5 = 0;

		for (k = 0; k < NKINDS; k++) {
			if (kinds[k].issue != 5)
				continue;
			if (kinds[k].unrelated)
				answered5 += kn[SPLIT_TEST][k] - khit1[SPLIT_TEST][k];
			else {
				n5 += kn[SPLIT_TEST][k];
				hit5 += khit1[SPLIT_TEST][k];
			}
		}
		ck_assert_msg(ratio(hit5, n5) >= QUERYEVAL_MIN_HIT1_ISSUE5, "query-eval.tsv, "
		    "test half: hit@1 %.3f over issue 5's kinds, the floor is %.2f",
		    ratio(hit5, n5), QUERYEVAL_MIN_HIT1_ISSUE5);
		ck_assert_msg(answered5 == 0, "query-eval.tsv, test half: %zu of issue 5's "
		    "unrelated queries answered surely", answered5);
	}
	ck_assert_msg(answered[SPLIT_TEST] <= QUERYEVAL_MAX_FALSE_POSITIVES, "query-eval.tsv, "
	    "test half: %zu unrelated queries answered surely, at most %d allowed",
	    answered[SPLIT_TEST], QUERYEVAL_MAX_FALSE_POSITIVES);
	free_eval(v, n);
}
END_TEST

Suite *
queryeval_suite(void)
{
	Suite *s = suite_create("queryeval");
	TCase *tc = tcase_create("eval");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, eval_set_is_sound);
	tcase_add_test(tc, eval_set_scores);
	suite_add_tcase(s, tc);
	return s;
}
