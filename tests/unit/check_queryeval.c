/*
 * queryeval: the evaluation set of `kbdiag query` (tests/cases/query-eval.tsv,
 * issue 5). Every query goes through `kbdiag query --format json --top 3`
 * (without --top when the binary does not know it yet); the suite reports
 * hit@1 (the first result is an expected article), hit@3 and the unrelated
 * queries answered, overall and per kind, on standard error, with every miss.
 *
 * Always asserted: the file parses, its size and spread (queries, unrelated
 * ones, distinct articles), every expected article exists, every group of
 * expected articles is one that overlaps.xml declares as sharing a text, and
 * every exact text ranks its article first, no unrelated query is answered,
 * and hit@1 does not fall below QUERYEVAL_MIN_HIT1.
 *
 * QUERYEVAL_MIN_HIT1 is issue 5's floor, 0.95, which the engine reached with
 * typing mistakes forgiven, word order and pasted lines weighed, and the
 * articles' summaries and causes read at half weight (0.952, 99 of 104; it
 * was 0.798 when the set was written). Raise it as the engine improves,
 * never lower it. Raised to 0.97 at 0.992 (117 of 118: names, stems, the
 * description weighed by the query's words), leaving room for three misses.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "xmem.h"

#define QUERYEVAL_MIN_HIT1		0.97
#define QUERYEVAL_MAX_FALSE_POSITIVES	0

#define QUERYEVAL_MIN_QUERIES		110
#define QUERYEVAL_MIN_UNRELATED		20
#define QUERYEVAL_MIN_ARTICLES		40
#define QUERYEVAL_TOP			3
#define QUERYEVAL_MAX_EXPECTED		8

static const char *const kinds[] = {
	"exact", "prefixed", "fragment", "typo", "paraphrase", "multiline", "unrelated"
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))
#define KIND_EXACT	0
#define KIND_UNRELATED	(NKINDS - 1)

struct evalq {
	size_t	 kind;					/* index in kinds[] */
	char	*expected;				/* as written, for messages */
	char	*ids[QUERYEVAL_MAX_EXPECTED];		/* none for unrelated */
	size_t	 nids;
	char	*query;					/* with real line breaks */
	long	 line;
};

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
load_eval(size_t *n)
{
	char *path = tu_src("tests/cases/query-eval.tsv"), *data, *p, *nl, *t1, *t2;
	struct evalq *v = NULL;
	size_t len, cap = 0, k;
	long line = 0;

	data = tu_read(path, &len);
	*n = 0;
	for (p = data; *p; p = nl + 1) {
		struct evalq *q;
		char *id, *save = NULL;

		line++;
		nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "%s:%ld: no newline at the end", path, line);
		*nl = '\0';
		if (*p == '#' || *p == '\0')
			continue;
		t1 = strchr(p, '\t');
		t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		ck_assert_msg(t2 != NULL && strchr(t2 + 1, '\t') == NULL && t2[1] != '\0',
		    "%s:%ld: not KIND<TAB>EXPECTED<TAB>QUERY", path, line);
		*t1 = *t2 = '\0';
		v = xgrow(v, &cap, *n + 1, sizeof(*v));
		q = &v[*n];
		memset(q, 0, sizeof(*q));
		for (k = 0; k < NKINDS && strcmp(p, kinds[k]) != 0; k++)
			;
		ck_assert_msg(k < NKINDS, "%s:%ld: unknown kind \"%s\"", path, line, p);
		q->kind = k;
		q->expected = xstrdup(t1 + 1);
		q->line = line;
		q->query = unescape(t2 + 1);
		if (k == KIND_UNRELATED) {
			ck_assert_msg(strcmp(q->expected, "-") == 0, "%s:%ld: an unrelated "
			    "query expects \"-\", not \"%s\"", path, line, q->expected);
		} else {
			for (id = strtok_r(t1 + 1, "|", &save); id;
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
	struct tu_run r;
	json_error_t jerr;
	json_t *root, *arts;
	char **seen = NULL;
	size_t n, i, j, k, nseen = 0, cap = 0, unrelated = 0;

	v = load_eval(&n);
	tu_kbdiag(&r, NULL, 0, "kb", "list", "--format", "json", (char *)NULL);
	ck_assert_msg(r.status == 0, "kbdiag kb list: exit %d, stderr: %s", r.status, r.err);
	root = json_loads(r.out, 0, &jerr);
	ck_assert_msg(root != NULL, "kbdiag kb list --format json: not JSON: %s", jerr.text);
	arts = json_object_get(root, "articles");
	ck_assert(json_is_array(arts));
	for (i = 0; i < n; i++) {
		if (v[i].kind == KIND_UNRELATED)
			unrelated++;
		for (j = 0; j < v[i].nids; j++) {
			const char *id = v[i].ids[j];
			int found = 0;

			for (k = 0; k < json_array_size(arts) && !found; k++) {
				const char *a = json_string_value(json_object_get(
				    json_array_get(arts, k), "id"));

				found = a && strcmp(a, id) == 0;
			}
			ck_assert_msg(found, "query-eval.tsv:%ld: %s is not in kbdiag kb list",
			    v[i].line, id);
			/* Several ids: the rule base must say that they share the text. */
			for (k = 0; k < j; k++) {
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
	free(seen);
	json_decref(root);
	tu_run_free(&r);
	free_eval(v, n);
	kb_free(kb);
}
END_TEST

/* Does this kbdiag know --top? Found out on the first query. */
static int has_top = -1;

/* Run the query; the results array of its JSON, NULL-free (caller decrefs root). */
static json_t *
run_query(const struct evalq *q, json_t **rootp)
{
	struct tu_run r;
	json_error_t jerr;
	json_t *root, *results;

	if (has_top != 0) {
		tu_kbdiag(&r, NULL, 0, "query", "--format", "json", "--top", "3", "--",
		    q->query, (char *)NULL);
		if (has_top < 0) {
			has_top = !(r.status == 2 && strstr(r.err, "top") != NULL);
			if (!has_top) {
				fprintf(stderr, "queryeval: this kbdiag has no --top; the "
				    "results are cut to %d here\n", QUERYEVAL_TOP);
				tu_run_free(&r);
			}
		}
	}
	if (has_top == 0)
		tu_kbdiag(&r, NULL, 0, "query", "--format", "json", "--", q->query,
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

START_TEST(eval_set_scores)
{
	struct evalq *v;
	size_t n, i, j, k, hit1 = 0, hit3 = 0, related = 0, unrelated = 0, answered = 0;
	size_t kn[NKINDS] = {0}, khit1[NKINDS] = {0}, khit3[NKINDS] = {0};
	size_t exact_missed = 0;
	char exact_first[256] = "";

	v = load_eval(&n);
	for (i = 0; i < n; i++) {
		json_t *root, *results;
		size_t nres, top;
		int h1 = 0, h3 = 0;
		char text[96];

		results = run_query(&v[i], &root);
		nres = json_array_size(results);
		top = nres < QUERYEVAL_TOP ? nres : QUERYEVAL_TOP;
		k = v[i].kind;
		kn[k]++;
		oneline(text, sizeof(text), v[i].query);
		if (k == KIND_UNRELATED) {
			unrelated++;
			/* For an unrelated query, a hit is no answer at all. */
			h1 = h3 = nres == 0;
			if (nres > 0) {
				answered++;
				fprintf(stderr, "miss: unrelated '%s' -> %s %.2f\n", text,
				    result_id(results, 0), json_number_value(json_object_get(
				    json_array_get(results, 0), "score")));
			}
		} else {
			related++;
			for (j = 0; j < top; j++)
				if (expected(&v[i], result_id(results, j))) {
					h1 = j == 0;
					h3 = 1;
					break;
				}
			hit1 += h1;
			hit3 += h3;
			if (!h1) {
				fprintf(stderr, "miss: %s %s '%s' ->", kinds[k], v[i].expected,
				    text);
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
		khit1[k] += h1;
		khit3[k] += h3;
		json_decref(root);
	}

	fprintf(stderr, "queryeval: %zu queries: hit@1 %.2f hit@3 %.2f unrelated answered "
	    "%zu/%zu\n", n, ratio(hit1, related), ratio(hit3, related), answered, unrelated);
	fprintf(stderr, "  %-10s %3s  %5s %5s\n", "kind", "n", "hit@1", "hit@3");
	for (k = 0; k < NKINDS; k++)
		fprintf(stderr, "  %-10s %3zu  %5.2f %5.2f\n", kinds[k], kn[k],
		    ratio(khit1[k], kn[k]), ratio(khit3[k], kn[k]));
	fprintf(stderr, "  (hit@1 and hit@3 overall are over the %zu related queries; for "
	    "unrelated, a hit is an empty answer)\n", related);

	ck_assert_msg(exact_missed == 0, "query-eval.tsv: %zu exact texts do not rank their "
	    "article first; the first: %s", exact_missed, exact_first);
	ck_assert_msg(ratio(hit1, related) >= QUERYEVAL_MIN_HIT1, "query-eval.tsv: hit@1 "
	    "%.3f, the floor is %.2f", ratio(hit1, related), QUERYEVAL_MIN_HIT1);
	ck_assert_msg(answered <= QUERYEVAL_MAX_FALSE_POSITIVES, "query-eval.tsv: %zu "
	    "unrelated queries answered, at most %d allowed", answered,
	    QUERYEVAL_MAX_FALSE_POSITIVES);
	free_eval(v, n);
}
END_TEST

Suite *
queryeval_suite(void)
{
	Suite *s = suite_create("queryeval");
	TCase *tc = tcase_create("eval");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, eval_set_is_sound);
	tcase_add_test(tc, eval_set_scores);
	suite_add_tcase(s, tc);
	return s;
}
