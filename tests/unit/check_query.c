/* query: ranking articles for a pasted error text. */
#include <check.h>
#include <string.h>

#include "buf.h"
#include "query.h"
#include "render.h"
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

/*
 * The steps' words are read into the index on the first query with a word
 * the other fields lack: the results of every query are the same before
 * and after, on the same index.
 */
START_TEST(steps_read_late_change_no_result)
{
	/* (words the messages and titles have: none makes the steps be read) */
	static const char *const texts[] = { "Error (119) Network Write Error",
	    "Lost network connection", "ERROR connect: (121) network error",
	    "Socket is not connected", "network write" };
	struct kb *full = tu_kb();
	struct matcher *fm = tu_matcher(full);
	struct query_index *ix = query_index_new(full);
	struct query_results *before[5], *q;
	size_t i, j;

	for (i = 0; i < 5; i++)
		before[i] = query_ask(ix, fm, texts[i], strlen(texts[i]));
	/* a word nobody has: the steps are read now */
	q = query_ask(ix, fm, "zqxv gateway", 12);
	query_free(q);
	for (i = 0; i < 5; i++) {
		q = query_ask(ix, fm, texts[i], strlen(texts[i]));
		ck_assert_msg(q->nresults == before[i]->nresults, "%s: %zu results, then %zu",
		    texts[i], before[i]->nresults, q->nresults);
		for (j = 0; j < q->nresults; j++) {
			ck_assert_ptr_eq(q->results[j].article, before[i]->results[j].article);
			ck_assert_double_eq(q->results[j].score, before[i]->results[j].score);
		}
		ck_assert_uint_eq(q->nforgiven, before[i]->nforgiven);
		query_free(q);
		query_free(before[i]);
	}
	query_index_free(ix);
	match_free(fm);
	kb_free(full);
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

/* A host name, an address or a mail address is one instance of a problem:
 * the text with one scores what the bare text does. */
START_TEST(names_score_like_the_bare_text)
{
	static const char *const named[] = {
		"Network write error to mail.contoso.com",
		"Network write error to 10.1.2.3",
		"Network write error to smarthost.contoso.com:25",
		"Network write error to [2001:db8::25]:25",
		"Network write error to relay.example.net[192.0.2.7]",
		"Network write error for <postmaster@contoso.com>",
	};
	struct query_results *bare = run("Network write error"), *q;
	size_t i;

	ck_assert_uint_ge(bare->nresults, 1);
	ck_assert_int_eq(bare->results[0].how, QUERY_WORDS);
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		q = run(named[i]);
		ck_assert_msg(q->nresults == bare->nresults, "'%s': %zu results, the bare "
		    "text %zu", named[i], q->nresults, bare->nresults);
		ck_assert_str_eq(q->results[0].article->id, bare->results[0].article->id);
		ck_assert_msg(q->results[0].score == bare->results[0].score, "'%s': %.4f, "
		    "the bare text %.4f", named[i], q->results[0].score,
		    bare->results[0].score);
		ck_assert_uint_eq(q->nserver, 0);
		query_free(q);
	}
	query_free(bare);
}
END_TEST

/* A path keeps its file name: "LOCAL.CFG" is what the text is about. */
START_TEST(a_path_keeps_its_file_name)
{
	struct kb *full = tu_kb();
	struct matcher *fm = tu_matcher(full);
	static const char text[] = "cannot open M:\\MAILDATA\\LOCAL.CFG";
	struct query_results *q = query_run(full, fm, text, strlen(text));
	size_t i, k;
	int local = 0;

	for (i = 0; i < q->nresults; i++)
		for (k = 0; k < q->results[i].nwords; k++)
			local |= strcmp(q->results[i].words[k], "local") == 0;
	ck_assert_msg(local, "no result shares the word 'local'");
	for (i = 0; i < q->nresults; i++)
		for (k = 0; k < q->results[i].nwords; k++)
			ck_assert_str_ne(q->results[i].words[k], "maildata");
	query_free(q);
	match_free(fm);
	kb_free(full);
}
END_TEST

/*
 * A line that names its peer as where the connection came from ("from
 * unknown[198.51.100.23]") is a receiving server's view: its words are not
 * read, so only a pattern can answer it. The same words from a client's
 * view ("with HOST[ADDRESS]") are.
 */
START_TEST(server_view_lines_read_no_words)
{
	static const char *const server[] = {
		"lost connection after DATA from unknown[198.51.100.23]",
		"SSL_accept error from unknown[198.51.100.23]: Connection reset by peer",
		"timeout after DATA (1532 bytes) from client.example[198.51.100.23]",
		"SMTP command timeout on connection from (client.example) [198.51.100.23]",
		"lost connection after EHLO from unknown[IPv6:2001:db8::23]",
	};
	struct kb *full = tu_kb();
	struct matcher *fm = tu_matcher(full);
	struct query_results *q;
	static const char *const client[] = {
		"lost connection with mx.b.example[192.0.2.7] while sending DATA",
		"timeout waiting for input from [198.51.100.25] during client DATA",
	};
	size_t i;

	for (i = 0; i < sizeof(server) / sizeof(server[0]); i++) {
		q = query_run(full, fm, server[i], strlen(server[i]));
		ck_assert_msg(q->nserver == 1, "'%s': not read as a server's view",
		    server[i]);
		ck_assert_msg(q->nresults == 0, "'%s': %s answered", server[i],
		    q->nresults ? q->results[0].article->id : "");
		if (i == 0) {	/* and the output says so */
			struct buf out = BUF_INIT;
			char err[ERR_LEN];

			ck_assert_int_eq(render_query(q, RENDER_TEXT, &out, err), 0);
			ck_assert_contains(buf_str(&out), "1 line is in a receiving server's "
			    "notation");
			buf_reset(&out);
			ck_assert_int_eq(render_query(q, RENDER_JSON, &out, err), 0);
			ck_assert_contains(buf_str(&out), "\"server_lines\": 1");
			buf_free(&out);
		}
		query_free(q);
	}
	for (i = 0; i < sizeof(client) / sizeof(client[0]); i++) {
		q = query_run(full, fm, client[i], strlen(client[i]));
		ck_assert_msg(q->nserver == 0, "'%s': read as a server's view", client[i]);
		ck_assert_msg(q->nresults >= 1, "'%s': no results", client[i]);
		query_free(q);
	}
	match_free(fm);
	kb_free(full);
}
END_TEST

/* What the server-view rule assumes of the rule base: none of its symptoms'
 * example lines is a server's view. */
START_TEST(no_symptom_example_is_a_server_view)
{
	struct kb *full = tu_kb();
	struct matcher *fm = tu_matcher(full);
	size_t i, j, k, n = kb_article_count(full), seen = 0;

	for (i = 0; i < n; i++) {
		const struct kb_article *a = kb_article_at(full, i);

		for (j = 0; j < a->nsymptoms; j++)
			for (k = 0; k < a->symptoms[j].nexamples; k++) {
				const char *ex = a->symptoms[j].examples[k];
				struct query_results *q = query_run(full, fm, ex, strlen(ex));

				ck_assert_msg(q->nserver == 0, "%s symptom %s: example '%s' "
				    "reads as a server's view", a->id, a->symptoms[j].id, ex);
				query_free(q);
				seen++;
			}
	}
	ck_assert_uint_ge(seen, 50);
	match_free(fm);
	kb_free(full);
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
	tcase_add_test(tc, names_score_like_the_bare_text);
	tcase_add_test(tc, a_path_keeps_its_file_name);
	tcase_add_test(tc, server_view_lines_read_no_words);
	tcase_add_test(tc, no_symptom_example_is_a_server_view);
	tcase_add_test(tc, steps_read_late_change_no_result);
	suite_add_tcase(s, tc);
	return s;
}
