/* query: ranking articles for a pasted error text. */
#include <check.h>
#include <string.h>

#include "query.h"
#include "testutil.h"

static struct kb *kb;
static struct matcher *m;

static void
setup(void)
{
	kb = tu_kb_mini();
	m = tu_matcher(kb);
}

static void
teardown(void)
{
	match_free(m);
	kb_free(kb);
}

static struct query_results *
run(const char *text)
{
	return query_run(kb, m, text, strlen(text));
}

START_TEST(exact_message_scores_one_by_pattern)
{
	struct query_results *q = run("Error (119) Network Write Error");

	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q123827");
	ck_assert_double_eq(q->results[0].score, 1.0);
	ck_assert_int_eq(q->results[0].how, QUERY_PATTERN);
	ck_assert_str_eq(q->results[0].symptom->id, "network-write-119");
	query_free(q);
}
END_TEST

START_TEST(whole_log_line_matches_too)
{
	struct query_results *q = run("10:52:31 - ERROR Network_read: Lost network connection");

	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q100709");
	ck_assert_double_eq(q->results[0].score, 1.0);
	query_free(q);
}
END_TEST

START_TEST(case_does_not_matter)
{
	struct query_results *q = run("error (119) NETWORK WRITE ERROR");

	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q123827");
	ck_assert_int_eq(q->results[0].how, QUERY_PATTERN);
	query_free(q);
}
END_TEST

START_TEST(companion_alone_scores_below_primary)
{
	struct query_results *q = run("SMTP_recv: system error");

	ck_assert_uint_eq(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q100709");
	ck_assert_int_eq(q->results[0].how, QUERY_PATTERN);
	ck_assert_double_lt(q->results[0].score, 1.0);
	ck_assert_double_ge(q->results[0].score, QUERY_MIN_SCORE);
	query_free(q);
}
END_TEST

START_TEST(words_rank_the_right_article_first)
{
	struct query_results *q = run("network write error");

	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q123827");
	ck_assert_int_eq(q->results[0].how, QUERY_WORDS);
	ck_assert_double_lt(q->results[0].score, 1.0);
	ck_assert_uint_eq(q->results[0].nwords, 2);
	ck_assert_str_eq(q->results[0].words[0], "network");
	ck_assert_str_eq(q->results[0].words[1], "write");
	query_free(q);

	q = run("lost connection");
	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q100709");
	query_free(q);
}
END_TEST

START_TEST(results_are_best_first)
{
	struct query_results *q = run("network");
	size_t i;

	for (i = 1; i < q->nresults; i++)
		ck_assert_double_ge(q->results[i - 1].score, q->results[i].score);
	query_free(q);
}
END_TEST

START_TEST(unrelated_text_has_no_results)
{
	const char *texts[] = { "printer out of paper", "the", "error", "   ",
	    "\xff\xfe\x01" };
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct query_results *q = run(texts[i]);

		ck_assert_msg(q->nresults == 0, "'%s' gave %zu results", texts[i], q->nresults);
		query_free(q);
	}
}
END_TEST

/* Q100708's text shares every word with Q123827 but is another message:
 * a words match, never as strong as a pattern match. */
START_TEST(similar_message_is_a_words_match)
{
	struct query_results *q = run("ERROR write: (119) network error");

	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q123827");
	ck_assert_int_eq(q->results[0].how, QUERY_WORDS);
	ck_assert_double_lt(q->results[0].score, 1.0);
	query_free(q);
}
END_TEST

/* One letter off (two in long words) is forgiven, and said; short words and
 * numbers are not guessed at. */
START_TEST(typing_mistakes_are_forgiven)
{
	struct query_results *q = run("Netwrok Wirte Eror (119)");

	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q123827");
	ck_assert_uint_eq(q->nforgiven, 3);
	ck_assert_str_eq(q->forgiven[0].typed, "netwrok");
	ck_assert_str_eq(q->forgiven[0].as, "network");
	ck_assert_str_eq(q->forgiven[1].typed, "wirte");
	ck_assert_str_eq(q->forgiven[1].as, "write");
	ck_assert_str_eq(q->forgiven[2].typed, "eror");
	ck_assert_str_eq(q->forgiven[2].as, "error");
	query_free(q);

	/* "ror" is too short to guess, "1199" is a number: nothing forgiven. */
	q = run("ror 1199");
	ck_assert_uint_eq(q->nforgiven, 0);
	query_free(q);

	/* Words the rule base has are never changed. */
	q = run("Lost network connection");
	ck_assert_uint_eq(q->nforgiven, 0);
	query_free(q);
}
END_TEST

/* Pasted lines: the article that explains both ranks above the one whose
 * pattern matches only the companion line. */
START_TEST(pasted_lines_are_one_problem)
{
	static const char text[] = "ERROR Network_read: Lost network connection\n"
	    "SMTP_recv: system error\n";
	struct kb *full = tu_kb();
	struct matcher *fm = tu_matcher(full);
	struct query_results *q = query_run(full, fm, text, strlen(text));
	size_t i;

	/* In the whole rule base the second line alone is Q100512's text. */
	ck_assert_uint_ge(q->nresults, 2);
	ck_assert_str_eq(q->results[0].article->id, "Q100709");
	ck_assert_double_eq_tol(q->results[0].score, 1.0, 1e-9);
	for (i = 0; i < q->nresults; i++)
		if (strcmp(q->results[i].article->id, "Q100512") == 0)
			ck_assert_double_lt(q->results[i].score, q->results[0].score);
	query_free(q);
	match_free(fm);
	kb_free(full);
}
END_TEST

START_TEST(query_text_is_sanitised)
{
	struct query_results *q = run("lost\x1b[31m connection");

	ck_assert_str_eq(q->query, "lost\\x1B[31m connection");
	query_free(q);
}
END_TEST

Suite *
query_suite(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("rank");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, exact_message_scores_one_by_pattern);
	tcase_add_test(tc, whole_log_line_matches_too);
	tcase_add_test(tc, case_does_not_matter);
	tcase_add_test(tc, companion_alone_scores_below_primary);
	tcase_add_test(tc, words_rank_the_right_article_first);
	tcase_add_test(tc, results_are_best_first);
	tcase_add_test(tc, unrelated_text_has_no_results);
	tcase_add_test(tc, similar_message_is_a_words_match);
	tcase_add_test(tc, query_text_is_sanitised);
	tcase_add_test(tc, typing_mistakes_are_forgiven);
	tcase_add_test(tc, pasted_lines_are_one_problem);
	suite_add_tcase(s, tc);
	return s;
}
