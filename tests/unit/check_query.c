/* query: ranking articles for a text someone typed or pasted. */
#include <check.h>
#include <ctype.h>
#include <math.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "query.h"
#include "render.h"
#include "testutil.h"

static struct kb *kb;
static struct matcher *m;
static struct query_index *ix;

/* The whole rule base: the answer model is fitted to it. */
static void
setup(void)
{
	kb = tu_kb();
	m = tu_matcher(kb);
	ix = query_index_new(kb);
}

static void
teardown(void)
{
	query_index_free(ix);
	match_free(m);
	kb_free(kb);
}

static struct query_results *
run(const char *text)
{
	return query_ask(ix, m, text, strlen(text));
}

static int
has_word(const struct query_result *r, const char *w)
{
	size_t k;

	for (k = 0; k < r->nwords; k++)
		if (strcmp(r->words[k], w) == 0)
			return 1;
	return 0;
}

START_TEST(exact_message_scores_highest_by_pattern)
{
	struct query_results *q = run("Error (119) Network Write Error");

	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q123827");
	ck_assert_double_ge(q->results[0].score, 0.95);
	ck_assert_int_eq(q->results[0].how, QUERY_PATTERN);
	ck_assert_str_eq(q->results[0].symptom->id, "network-write-119");
	ck_assert_int_eq(q->answer, QUERY_SURE_ANSWER);
	ck_assert_double_ge(q->confidence, QUERY_SURE);
	query_free(q);
}
END_TEST

START_TEST(whole_log_line_matches_too)
{
	struct query_results *q = run("10:52:31 - ERROR Network_read: Lost network connection");

	ck_assert_uint_ge(q->nresults, 2);
	ck_assert_int_eq(q->results[0].how, QUERY_PATTERN);
	ck_assert_msg(strcmp(q->results[0].article->id, "Q100709") == 0 ||
	    strcmp(q->results[0].article->id, "Q102107") == 0, "first: %s",
	    q->results[0].article->id);
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

/* "SMTP_recv: system error" is Q100512's primary text and a companion of
 * Q100709 and Q100706: the primary ranks first. */
START_TEST(companion_scores_below_primary)
{
	struct query_results *q = run("SMTP_recv: system error");
	size_t i;

	ck_assert_uint_ge(q->nresults, 2);
	ck_assert_str_eq(q->results[0].article->id, "Q100512");
	for (i = 1; i < q->nresults; i++)
		if (strcmp(q->results[i].article->id, "Q100709") == 0)
			ck_assert_double_lt(q->results[i].score, q->results[0].score);
	query_free(q);
}
END_TEST

START_TEST(words_rank_the_right_article_first)
{
	/* a piece of the message in its order: answered as a pattern would be */
	struct query_results *q = run("network write error");

	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q123827");
	ck_assert_int_eq(q->results[0].how, QUERY_WORDS);
	ck_assert_double_lt(q->results[0].score, 1.0);
	ck_assert(has_word(&q->results[0], "network"));
	ck_assert(has_word(&q->results[0], "write"));
	ck_assert_uint_gt(q->results[0].nfields, 0);
	query_free(q);
}
END_TEST

START_TEST(results_are_best_first)
{
	static const char *const texts[] = { "network", "lost connection",
	    "what does ForcePushBit=1 do", "gateway hangs" };
	size_t i, k;

	for (k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
		struct query_results *q = run(texts[k]);

		for (i = 1; i < q->nresults; i++)
			ck_assert_double_ge(q->results[i - 1].score, q->results[i].score);
		query_free(q);
	}
}
END_TEST

START_TEST(unrelated_text_has_no_results)
{
	const char *texts[] = { "printer out of paper", "the", "error", "   ",
	    "\xff\xfe\x01", "Microsoft Excel: Insufficient memory to run this application.",
	    "ssh: connect to host 10.0.0.5 port 22: Connection timed out" };
	/* texts the model doubts but that share the gateway's words ("default
	 * gateway"): a weak answer at most, never a sure one */
	const char *doubted[] = { "how do I change the default gateway on windows 10" };
	size_t i;

	for (i = 0; i < sizeof(doubted) / sizeof(doubted[0]); i++) {
		struct query_results *q = run(doubted[i]);

		ck_assert_msg(q->answer != QUERY_SURE_ANSWER && q->nresults <= 3, "'%s': a %s "
		    "answer with %zu results (confidence %.2f)", doubted[i],
		    query_answer_name(q->answer), q->nresults, q->confidence);
		query_free(q);
	}
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct query_results *q = run(texts[i]);

		ck_assert_msg(q->nresults == 0, "'%s' gave %zu results (%s, confidence %.2f)",
		    texts[i], q->nresults, q->nresults ? q->results[0].article->id : "",
		    q->confidence);
		ck_assert_int_eq(q->answer, QUERY_NONE);
		query_free(q);
	}
}
END_TEST

/* A generic message answers only with mail context around it. */
START_TEST(generic_pattern_needs_mail_context)
{
	struct query_results *q = run("Insufficient memory");

	ck_assert_msg(q->nresults == 0 || q->results[0].how != QUERY_PATTERN,
	    "'Insufficient memory' alone matched a pattern");
	query_free(q);
	q = run("Error SMTPGET: 20 - Insufficient memory");
	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q156166");
	query_free(q);
	q = run("the mail gateway says Insufficient memory");
	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_int_eq(q->results[0].how, QUERY_PATTERN);
	query_free(q);
}
END_TEST

/* Q100708's text shares every word with Q123827: its own pattern ranks it
 * first, Q123827 follows on words. */
START_TEST(similar_message_ranks_below_the_exact_one)
{
	struct query_results *q = run("ERROR write: (119) network error");
	size_t i;

	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q100708");
	ck_assert_int_eq(q->results[0].how, QUERY_PATTERN);
	for (i = 1; i < q->nresults; i++)
		if (strcmp(q->results[i].article->id, "Q123827") == 0)
			ck_assert_int_eq(q->results[i].how, QUERY_WORDS);
	query_free(q);
}
END_TEST

/* The word list the tests read: the system's, when it is installed. */
static const char *
dict_path(void)
{
	static const char path[] = "/usr/share/dict/american-english";
	char *p = getenv("KBDIAG_DICT");

	return p ? p : access(path, R_OK) == 0 ? path : NULL;
}

/* Typing mistakes are read as the nearest word of the rule base, and said;
 * short words and numbers are not guessed at. */
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

	/* Nearest first: SMTPGFT is one letter from SMTPGET, two from SMTPGATE. */
	q = run("SMTPGFT spawn");
	ck_assert_uint_ge(q->nforgiven, 1);
	ck_assert_str_eq(q->forgiven[0].as, "smtpget");
	query_free(q);
}
END_TEST

/* A scanner's confusions: 0 for O, l and I for 1, rn for m. */
START_TEST(ocr_confusions_are_forgiven)
{
	static const struct { const char *text, *typed, *as; } cases[] = {
		{ "Err0r (119) Netw0rk Write Err0r", "netw0rk", "network" },
		{ "ERROR connect: (l2l) network error", "l2l", "121" },
		{ "SMTP_recv: systern error", "systern", "system" },
		{ "Error SMTPGET: 20 - Insufficient rnemory", "rnemory", "memory" },
		{ "WARNING getIine: NL with no CR", "getiine", "getline" },
	};
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct query_results *q = run(cases[i].text);
		int found = 0;

		for (k = 0; k < q->nforgiven; k++)
			if (strcmp(q->forgiven[k].typed, cases[i].typed) == 0) {
				ck_assert_str_eq(q->forgiven[k].as, cases[i].as);
				ck_assert_msg(q->forgiven[k].ocr, "'%s': not an OCR reading",
				    cases[i].typed);
				found = 1;
			}
		ck_assert_msg(found, "'%s': '%s' not forgiven", cases[i].text, cases[i].typed);
		query_free(q);
	}
}
END_TEST

/* With the English word list, an English word is never read as a mistake;
 * without it, kbdiag says so and reads such words as the rule base's. */
START_TEST(english_words_are_not_mistakes)
{
	static const char text[] = "land lagged lantern";
	const char *dict = dict_path();
	struct query_index *nodict;
	struct query_results *q;

	if (dict == NULL) {
		fprintf(stderr, "SKIP english_words_are_not_mistakes: no word list "
		    "(apt-get install wamerican)\n");
		return;
	}
	setenv("KBDIAG_DICT", dict, 1);
	nodict = query_index_new(kb);
	q = query_ask(nodict, m, text, strlen(text));
	ck_assert_uint_eq(q->nforgiven, 0);
	ck_assert_ptr_nonnull(q->dictionary);
	ck_assert_str_eq(q->dictionary, dict);
	query_free(q);
	query_index_free(nodict);

	setenv("KBDIAG_DICT", "", 1);
	nodict = query_index_new(kb);
	q = query_ask(nodict, m, text, strlen(text));
	ck_assert_ptr_null(q->dictionary);
	ck_assert_uint_ge(q->nforgiven, 1);
	query_free(q);
	query_index_free(nodict);
	unsetenv("KBDIAG_DICT");
}
END_TEST

/* Settings are words: FILES=40, -Q90, ForcePushBit=1, builds such as 2.2b. */
START_TEST(settings_are_words)
{
	struct query_results *q = run("FILES=40 config.sys smtpput");

	ck_assert_uint_ge(q->nresults, 1);
	ck_assert(has_word(&q->results[0], "files=40"));
	query_free(q);

	q = run("how long does the gateway retry with -Q90 -W300");
	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q99718");
	ck_assert(has_word(&q->results[0], "-q"));
	ck_assert(has_word(&q->results[0], "-w"));
	query_free(q);

	q = run("tcptsr 2.2b 42,716");
	ck_assert_uint_ge(q->nresults, 1);
	ck_assert(has_word(&q->results[0], "2.2b"));
	ck_assert(has_word(&q->results[0], "42716"));
	query_free(q);
}
END_TEST

/* A question about a fact answers with the table row first. */
START_TEST(fact_questions_answer_with_the_row)
{
	struct query_results *q = run("how big is TCPTSR.EXE 2.2b?");

	ck_assert_ptr_nonnull(q->fact.row);
	ck_assert_str_eq(q->fact.row->table, "tcptsr");
	ck_assert_str_eq(q->fact.row->key, "lanman-2.2b");
	ck_assert_contains(q->fact.text, "42716 bytes, dated 1994-02-01");
	query_free(q);

	q = run("what does ForcePushBit=1 do?");
	ck_assert_ptr_nonnull(q->fact.row);
	ck_assert_str_eq(q->fact.row->key, "ForcePushBit");
	query_free(q);

	/* the retry budget, computed from the switches' values and defaults */
	q = run("how long does the gateway keep retrying with -Q90 -W300");
	ck_assert_ptr_nonnull(q->fact.text);
	ck_assert_contains(q->fact.text, "90 attempts (-Q) 300 seconds apart (-W): 27000 "
	    "seconds, about 7 hours 30 minutes");
	query_free(q);

	/* one row named: that row alone */
	q = run("how big is TCPTSR.EXE 2.2b?");
	ck_assert_uint_eq(q->fact.nalso, 0);
	query_free(q);
	/* the table's subject named, not one of its rows: every row it fits
	 * alike, in one answer */
	q = run("what size is tcptsr.exe");
	ck_assert_ptr_nonnull(q->fact.row);
	ck_assert_str_eq(q->fact.row->table, "tcptsr");
	ck_assert_uint_ge(q->fact.nalso, 1);
	ck_assert_str_eq(q->fact.also[0]->table, "tcptsr");
	ck_assert_str_ne(q->fact.also[0]->key, q->fact.row->key);
	ck_assert_contains(q->fact.text, "42716 bytes");
	ck_assert_contains(q->fact.text, "66816 bytes");
	query_free(q);

	/* an error text is no question: no fact */
	q = run("Error (119) Network Write Error");
	ck_assert_ptr_null(q->fact.row);
	query_free(q);
}
END_TEST

/* Does the row name article id among its sources? */
static int
row_from(const struct kb_row *r, const char *id)
{
	const char *src = kb_row_field(r, "sources");

	return src != NULL && strstr(src, id) != NULL;
}

/*
 * A question that names a row by a word of the field's own answers with the
 * row, surely and by rule, and its article first; the text and the JSON
 * say so, and --explain says why. A word that is only part of a row's name
 * ("udp" of UDP_Q_TOTAL) names nothing.
 */
START_TEST(a_question_naming_a_row_answers_with_it)
{
	/* the row's name, the table's subject, the name below QUERY_FACT_MIN
	 * of the text's weight, a switch's name, a name mistyped */
	static const char *const texts[] = { "what is the maximum for maxlmhosts",
	    "how big is the right tcptsr.exe",
	    "which tcptsr version do I need for the push bit fix",
	    "what is the right syntax for the -br switch",
	    "what dose forcepushbitt=1 do" };
	static const char *const tables[] = { "protocol-ini", "tcptsr", "tcptsr", "switches",
	    "protocol-ini" };
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct query_results *q = run(texts[i]);
		const char *text, *answer, *first;
		json_t *root, *fact, *res;

		ck_assert_msg(q->answer == QUERY_SURE_ANSWER, "%s: not sure", texts[i]);
		ck_assert_ptr_nonnull(q->fact.row);
		/* "-br" is a setting the rule base knows too: that rule comes first */
		ck_assert_msg(q->fact.why == QUERY_FACT_NAMED || (i == 3 &&
		    q->fact.why == QUERY_FACT_SETTING), "%s: why %d", texts[i], q->fact.why);
		ck_assert_int_eq(query_decided_by(q), QUERY_BY_RULE);
		ck_assert_uint_ge(q->nresults, 1);
		ck_assert_msg(row_from(q->fact.row, q->results[0].article->id),
		    "%s: the first result, %s, is not the row's (%s)", texts[i],
		    q->results[0].article->id, kb_row_field(q->fact.row, "sources"));
		ck_assert_str_eq(q->fact.row->table, tables[i]);
		if (i == 0)
			ck_assert_str_eq(q->fact.row->key, "MaxLmHosts");
		if (i == 3)
			ck_assert_str_eq(q->fact.row->key, "br");
		if (i == 4)	/* as read: the typing mistake forgiven */
			ck_assert_str_eq(q->fact.row->key, "ForcePushBit");

		/* text: the fact's line first, then the article */
		buf_reset(&out);
		ck_assert_int_eq(render_query(q, RENDER_TEXT, &out, err), 0);
		text = buf_str(&out);
		answer = strstr(text, "Answer: ");
		first = strstr(text, q->results[0].article->id);
		/* after what the reading says ("Read as mistakes: ..."), before
		 * any result */
		ck_assert_msg(answer != NULL && (answer == text || answer[-1] == '\n'),
		    "%s: no fact line:\n%s", texts[i], text);
		ck_assert_ptr_nonnull(first);
		ck_assert_msg(strncmp(answer + 8, q->fact.text, 20) == 0, "%s", text);
		ck_assert(first > answer);

		/* JSON: the row, why it answered, the article first */
		buf_reset(&out);
		ck_assert_int_eq(render_query(q, RENDER_JSON, &out, err), 0);
		root = json_loads(buf_str(&out), 0, NULL);
		ck_assert_ptr_nonnull(root);
		ck_assert_str_eq(json_string_value(json_object_get(root, "answer")), "sure");
		fact = json_object_get(root, "fact");
		ck_assert(json_is_object(fact));
		ck_assert_str_eq(json_string_value(json_object_get(fact, "key")),
		    q->fact.row->key);
		ck_assert_str_eq(json_string_value(json_object_get(fact, "by")),
		    q->fact.why == QUERY_FACT_NAMED ? "named" : "setting");
		ck_assert(json_is_boolean(json_object_get(fact, "lifted")));
		ck_assert_int_eq(json_is_true(json_object_get(fact, "lifted")), q->fact.lifted);
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root,
		    "model"), "by")), "rule");
		res = json_array_get(json_object_get(root, "results"), 0);
		ck_assert_str_eq(json_string_value(json_object_get(res, "article")),
		    q->results[0].article->id);
		json_decref(root);

		/* --explain: which row, and why */
		buf_reset(&out);
		ck_assert_int_eq(render_query_explain(q, RENDER_TEXT, 1, &out, err), 0);
		ck_assert_contains(buf_str(&out), q->fact.why == QUERY_FACT_NAMED ?
		    "Answered by rule: a question that names a row" :
		    "Answered by rule: a question with a setting");
		ck_assert_contains(buf_str(&out), "Fact: the row ");
		ck_assert_contains(buf_str(&out), q->fact.row->key);
		query_free(q);
	}

	/* the article the row is from goes first; its place says so */
	{
		struct query_results *q = run("how big is the right tcptsr.exe");

		if (q->fact.lifted) {
			buf_reset(&out);
			ck_assert_int_eq(render_query_explain(q, RENDER_TEXT, 1, &out, err), 0);
			ck_assert_contains(buf_str(&out), "which it is from, goes before");
		}
		query_free(q);
	}

	/* not a question, or a word that is only part of the row's name: no rule */
	{
		struct query_results *q = run("what is the difference between tcp and udp");

		ck_assert_int_ne(q->fact.why, QUERY_FACT_NAMED);
		ck_assert_msg(q->answer != QUERY_SURE_ANSWER, "a near miss answered surely");
		query_free(q);
		q = run("maxlmhosts");
		ck_assert_int_ne(q->fact.why, QUERY_FACT_NAMED);
		query_free(q);
		/* the row named, but in another product's world */
		q = run("what is the tcpwindowsize default in windows 10");
		ck_assert_int_ne(q->fact.why, QUERY_FACT_NAMED);
		ck_assert_msg(q->answer != QUERY_SURE_ANSWER, "another product's question "
		    "answered surely");
		query_free(q);
	}
	buf_free(&out);
}
END_TEST

/* The vocabulary's terms are used, and said. */
START_TEST(vocabulary_terms_are_used)
{
	struct query_results *q = run("mail to the IBM mainframe gets cut off halfway");
	size_t i;
	int mainframe = 0;

	for (i = 0; i < q->nsynonyms; i++)
		mainframe |= strcmp(q->synonyms[i].said, "mainframe") == 0;
	ck_assert_msg(mainframe, "the vocabulary's 'mainframe' was not used");
	query_free(q);
}
END_TEST

/* Does a word class (vocabulary.xml) of topic read "said" in q? */
static int
has_class(const struct query_results *q, const char *topic, const char *said)
{
	size_t i;

	for (i = 0; i < q->nclasses; i++)
		if (strcmp(q->classes[i].topic, topic) == 0 &&
		    strcmp(q->classes[i].said, said) == 0)
			return 1;
	return 0;
}

/*
 * The vocabulary's word classes read the text, and say so: a number before
 * a count noun is a count, not a code (not inside a name: "X.400 people");
 * a file name's extension is no word of the field's own; a question word
 * starts a question; "our mail gateway" is the text's own; a number before
 * a unit or after another field's product is no code.
 */
START_TEST(word_classes_are_used)
{
	struct query_results *q = run("how do 400 staff send through smtpget.exe");

	ck_assert_msg(has_class(q, "count", "400 staff"), "'400 staff' not read as a count");
	ck_assert_msg(has_class(q, "extension", "exe"), "'exe' not read as an extension");
	ck_assert_msg(has_class(q, "question", "how"), "'how' not read as a question");
	ck_assert_int_eq(q->features.question, 1);
	query_free(q);

	/* a measure and another product's version are no codes; the field's
	 * own numbers stay codes */
	q = run("how much memory does windows 95 need");
	ck_assert_msg(has_class(q, "product", "windows 95"), "'windows 95' not a version");
	ck_assert_int_eq(q->features.nspecific, 0);
	ck_assert_int_eq(q->features.domain, 0);
	query_free(q);
	q = run("the gateway times out after 29 seconds on port 25");
	ck_assert_msg(has_class(q, "unit", "29 seconds"), "'29 seconds' not a measure");
	ck_assert_uint_eq(q->nclasses, 2);	/* and "the gateway"; port 25 stays a code */
	query_free(q);

	q = run("X.400 people cannot get mail from our mail gateway");
	ck_assert_msg(!has_class(q, "count", "400 people"), "a number inside a name was a count");
	ck_assert_msg(has_class(q, "determiner", "our mail gateway"), "own gateway not said");
	ck_assert_int_eq(q->features.own, 1);
	query_free(q);
}
END_TEST

/*
 * The answer model's OWN and ELSEWHERE: a gateway of the text's own (a
 * determiner and mail words before it, or a headline's subject), not one of
 * another sense; words of other products and fields, which are never read as
 * typing mistakes ("gmail" stays gmail, no "mail").
 */
START_TEST(own_gateway_and_other_fields)
{
	static const struct {
		const char	*text;
		int		 own, elsewhere;
	} cases[] = {
		{ "our mail gateway hangs every night", 1, 0 },
		{ "the SMTP gateway cannot reach the smart host", 1, 0 },
		{ "gateway won't start after the upgrade", 1, 0 },
		{ "the VoIP gateway rejects calls", 0, 1 },
		{ "502 Bad Gateway", 0, 0 },
		{ "set the default gateway on the router", 0, 0 },
		{ "my iphone will not send mail through gmail", 0, 2 },
		/* a product and its version typed apart, when the rule base's
		 * vocabulary names the two joined ("windows10", "office365") */
		{ "how do I flush the dns cache in windows 10", 0, 1 },
		{ "office 365 read receipts don't come back", 0, 1 },
		{ "the smtp gateway refuses to run under windows 95", 1, 0 },
		/* a host name in another field's domain */
		{ "outlook.com keeps sending my mail to junk", 0, 1 },
		{ "our gateway cannot relay to smtp.gmail.com", 1, 1 },
	};
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct query_results *q = run(cases[i].text);

		ck_assert_msg(q->features.own == cases[i].own, "'%s': own %d, want %d",
		    cases[i].text, q->features.own, cases[i].own);
		ck_assert_msg(q->features.elsewhere == cases[i].elsewhere,
		    "'%s': %d words of other fields, want %d", cases[i].text,
		    q->features.elsewhere, cases[i].elsewhere);
		for (k = 0; k < q->nforgiven; k++)
			ck_assert_msg(strcmp(q->forgiven[k].typed, "gmail") != 0 &&
			    strcmp(q->forgiven[k].typed, "iphone") != 0,
			    "'%s' read as '%s'", q->forgiven[k].typed, q->forgiven[k].as);
		query_free(q);
	}
}
END_TEST

/*
 * A weak answer (the answer model doubts the text: QUERY_WEAK to QUERY_SURE)
 * says so in every format and shows the closest three at most, each with
 * why and the fields its words were found in; it exits as any answer does
 * (0: something was found), and JSON's "answer" says "weak".
 */
START_TEST(weak_answer_in_every_format)
{
	static const char *const texts[] = {
	    "how to set up DNS on a linksys router",
	    "how do I install a second network card in a netware server",
	    "mail to the IBM mainframe gets cut off halfway every time",
	    "the time on the gateway screen doesn't agree with the server clock" };
	struct query_results *q = NULL;
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	json_t *root;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		q = run(texts[i]);
		if (q->answer == QUERY_WEAK_ANSWER)
			break;
		query_free(q);
		q = NULL;
	}
	ck_assert_msg(q != NULL, "none of the texts got a weak answer");
	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_uint_le(q->nresults, 3);
	ck_assert_double_ge(q->confidence, QUERY_WEAK);
	ck_assert_double_lt(q->confidence, QUERY_SURE);
	ck_assert_int_eq(render_query(q, RENDER_TEXT, &out, err), 0);
	ck_assert_contains(buf_str(&out), "Weak match (confidence ");
	ck_assert_contains(buf_str(&out), "no article is clearly about this text;");
	ck_assert_contains(buf_str(&out), q->results[0].article->id);
	ck_assert_contains(buf_str(&out), "shares the words ");
	ck_assert_contains(buf_str(&out), " (in the ");
	/* a weak answer is no answer to act on: no causes or steps */
	ck_assert_msg(strstr(buf_str(&out), "Causes:") == NULL, "a weak answer shows "
	    "causes: %s", buf_str(&out));
	buf_reset(&out);
	ck_assert_int_eq(render_query(q, RENDER_JSON, &out, err), 0);
	root = json_loads(buf_str(&out), 0, NULL);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(json_string_value(json_object_get(root, "answer")), "weak");
	ck_assert_uint_eq(json_array_size(json_object_get(root, "results")), q->nresults);
	json_decref(root);
	buf_reset(&out);
	ck_assert_int_eq(render_query(q, RENDER_MARKDOWN, &out, err), 0);
	ck_assert_contains(buf_str(&out), "Weak match (confidence ");
	ck_assert_contains(buf_str(&out), " (in the ");
	buf_reset(&out);
	ck_assert_int_eq(render_query(q, RENDER_HTML, &out, err), 0);
	ck_assert_contains(buf_str(&out), "Weak match (confidence ");
	ck_assert_contains(buf_str(&out), q->results[0].article->id);
	buf_free(&out);
	query_free(q);
}
END_TEST

/*
 * A question that names a row of the gateway's facts (tables/gateway.xml,
 * whose names are English) by two of its name's rarer words, with mail or
 * the gateway around them, answers with the row by rule (JSON "by": "name");
 * the same words with another product named, with another field's word, or
 * with no mail context at all are no such question; two everyday words of
 * a row's name ("need", "start") name nothing.
 */
START_TEST(a_question_naming_a_gateway_fact_in_words)
{
	static const char *const not_by_rule[] = {
	    "how long can a mailbox name be in exchange",
	    "how long can a gmail mailbox name be",
	    "how much memory does windows 95 need",
	    "what should FILES= be in config.sys for windows 3.1 mail",
	    "do I need to log on to the network before starting smtpgate" };
	struct query_results *q = run("how long can a mailbox name be");
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	json_t *root;
	size_t i;

	ck_assert_int_eq(q->answer, QUERY_SURE_ANSWER);
	ck_assert_ptr_nonnull(q->fact.row);
	ck_assert_str_eq(q->fact.row->table, "gateway");
	ck_assert_str_eq(q->fact.row->key, "mailbox-name-length");
	ck_assert_int_eq(q->fact.why, QUERY_FACT_WORDS);
	ck_assert_int_eq(query_decided_by(q), QUERY_BY_RULE);
	ck_assert_int_eq(render_query(q, RENDER_JSON, &out, err), 0);
	root = json_loads(buf_str(&out), 0, NULL);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "fact"),
	    "by")), "name");
	json_decref(root);
	buf_reset(&out);
	ck_assert_int_eq(render_query_explain(q, RENDER_TEXT, 1, &out, err), 0);
	ck_assert_contains(buf_str(&out), "Answered by rule: a question that names a row "
	    "of the gateway's facts by words");
	buf_free(&out);
	query_free(q);
	for (i = 0; i < sizeof(not_by_rule) / sizeof(not_by_rule[0]); i++) {
		q = run(not_by_rule[i]);
		ck_assert_msg(q->fact.why != QUERY_FACT_WORDS && !q->fact.worded,
		    "%s: answered by the row %s by rule", not_by_rule[i],
		    q->fact.row ? q->fact.row->key : "-");
		query_free(q);
	}
}
END_TEST

/* Article id's score for text, ranked by a rule base loaded from dir. */
static double
score_with(const char *dir, const char *text, const char *id)
{
	struct kb_load_params p = { 0 };
	struct kb *k = NULL;
	struct matcher *mk;
	struct query_index *qi;
	struct query_results *q;
	char err[ERR_LEN];
	double s;
	size_t i;

	p.dir = dir;
	ck_assert_msg(kb_load(&p, &k, err) == 0, "%s", err);
	mk = tu_matcher(k);
	qi = query_index_new(k);
	q = query_ask_unjudged(qi, mk, text, strlen(text));
	for (i = 0; i < q->nresults && strcmp(q->results[i].article->id, id) != 0; i++)
		;
	ck_assert_msg(i < q->nresults, "%s: %s is not ranked", text, id);
	s = q->results[i].score;
	query_free(q);
	query_index_free(qi);
	match_free(mk);
	kb_free(k);
	return s;
}

/*
 * The function words and the top-level domains are data (vocabulary.xml's
 * word classes "stop" and "tld"), not lists in the engine: a filler the
 * class lists weighs nothing ("anyway"), and a name of two labels whose last
 * is one is a host, no words ("contoso.com"); taken out of the class, the
 * same texts read them as words the rule base lacks, and score lower.
 */
START_TEST(stop_words_and_domains_are_data)
{
	static const char *const texts[] = { "network write error anyway",
	    "network write error to contoso.com" };
	char *dir = tu_kb_copy();
	double as_listed[2], as_edited[2];
	size_t i;

	for (i = 0; i < 2; i++)
		as_listed[i] = score_with(dir, texts[i], "Q123827");
	tu_edit_in(dir, "vocabulary.xml", " anyway ", " ");
	tu_edit_in(dir, "vocabulary.xml", "<context topic=\"tld\">com ",
	    "<context topic=\"tld\">");
	for (i = 0; i < 2; i++) {
		as_edited[i] = score_with(dir, texts[i], "Q123827");
		ck_assert_msg(as_edited[i] < as_listed[i], "%s: %.3f with the class as "
		    "listed, %.3f without the word", texts[i], as_listed[i], as_edited[i]);
	}
	tu_kb_copy_free(dir);
}
END_TEST

/*
 * A weak answer that holds a row of the tables (JSON's "fact") shows it in
 * text, Markdown and HTML too, marked weak, before the weak answer's line;
 * a sure answer's row is not marked so.
 */
START_TEST(weak_answer_shows_its_row_marked_weak)
{
	static const char *const texts[] = { "how long can a mailbox name be",
	    "what is the import utility for", "what does the import utility do",
	    "what switches does smtpgate accept" };
	static const enum render_format formats[] = { RENDER_TEXT, RENDER_MARKDOWN,
	    RENDER_HTML };
	struct query_results *q = NULL;
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	const char *o, *perhaps, *weak;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		q = run(texts[i]);
		if (q->answer == QUERY_WEAK_ANSWER && q->fact.row != NULL)
			break;
		query_free(q);
		q = NULL;
	}
	ck_assert_msg(q != NULL, "none of the texts got a weak answer with a row");
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		buf_reset(&out);
		ck_assert_int_eq(render_query(q, formats[i], &out, err), 0);
		o = buf_str(&out);
		perhaps = strstr(o, "Perhaps, weakly: ");
		weak = strstr(o, "Weak match (confidence ");
		ck_assert_msg(perhaps != NULL && weak != NULL && perhaps < weak, "format %zu: "
		    "no weak row before the weak answer's line: %s", i, o);
		/* the row's key words are there: its sources end the row's text */
		ck_assert_contains(o, kb_row_field(q->fact.row, "sources"));
	}
	/* --explain says which row, and that it is as weak as the answer */
	buf_reset(&out);
	ck_assert_int_eq(render_query_explain(q, RENDER_TEXT, 1, &out, err), 0);
	{
		/* the lines joined again: where they wrap depends on the row */
		char *flat = strdup(buf_str(&out)), *r, *w;

		ck_assert_ptr_nonnull(flat);
		for (r = w = flat; *r; r++)
			if (!isspace((unsigned char)*r) || (w > flat && w[-1] != ' '))
				*w++ = isspace((unsigned char)*r) ? ' ' : *r;
		*w = '\0';
		ck_assert_contains(flat, "Fact: the row ");
		ck_assert_contains(flat, q->fact.row->key);
		ck_assert_contains(flat, "it is shown first, as weak as the answer");
		free(flat);
	}
	query_free(q);
	/* a sure answer with a row says "Answer:", never "Perhaps" */
	q = run("how big is TCPTSR.EXE 2.2b?");
	ck_assert_int_eq(q->answer, QUERY_SURE_ANSWER);
	ck_assert_ptr_nonnull(q->fact.row);
	buf_reset(&out);
	ck_assert_int_eq(render_query(q, RENDER_TEXT, &out, err), 0);
	ck_assert_contains(buf_str(&out), "Answer: TCPTSR.EXE 2.2b");
	ck_assert_msg(strstr(buf_str(&out), "Perhaps") == NULL, "%s", buf_str(&out));
	buf_free(&out);
	query_free(q);
}
END_TEST

/* A sure answer has the confidence for it; a weak one keeps three at most. */
START_TEST(answers_fit_their_confidence)
{
	static const char *const texts[] = { "Error (119) Network Write Error",
	    "gateway hangs", "which header lines does the gateway read",
	    "what does SMTP stand for", "network", "printer out of paper",
	    "mail to the IBM mainframe gets cut off halfway every time" };
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct query_results *q = run(texts[i]);

		switch (q->answer) {
		case QUERY_SURE_ANSWER:
			ck_assert_double_ge(q->confidence, QUERY_SURE);
			ck_assert_uint_ge(q->nresults, 1);
			break;
		case QUERY_WEAK_ANSWER:
			ck_assert_double_ge(q->confidence, QUERY_WEAK);
			ck_assert_double_lt(q->confidence, QUERY_SURE);
			ck_assert_uint_le(q->nresults, 3);
			break;
		case QUERY_NONE:
			ck_assert_uint_eq(q->nresults, 0);
			break;
		}
		query_free(q);
	}
}
END_TEST

/*
 * --explain's account of the answer model is the model: for a text it
 * decides, the weights times the inputs sum to the logit of the confidence;
 * a message of the gateway's own answers by rule, and a text with no sign of
 * the gateway's world is not answered by the model at all. Both renderings
 * say so.
 */
START_TEST(model_explains_its_confidence)
{
	static const char *const texts[] = { "which header lines does the gateway read",
	    "mail to the IBM mainframe gets cut off halfway every time",
	    "the firewall blocks outbound port 25 from the office network" };
	double x[QUERY_MODEL_MAX];
	const char *names[QUERY_MODEL_MAX];
	struct query_results *q;
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	size_t i, j, n;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		double z = 0;

		q = run(texts[i]);
		ck_assert_int_eq(query_decided_by(q), QUERY_BY_MODEL);
		n = query_model_inputs(&q->features, x, names);
		ck_assert_uint_gt(n, 2);
		ck_assert_str_eq(names[0], "BIAS");
		for (j = 0; j < n; j++)
			z += query_model_weight(j) * x[j];
		ck_assert_msg(fabs(1 / (1 + exp(-z)) - q->confidence) < 1e-9, "'%s': the "
		    "model's sum %.4f is not the confidence %.4f", texts[i], z, q->confidence);
		ck_assert_int_eq(render_query_explain(q, RENDER_TEXT, 1, &out, err), 0);
		ck_assert_msg(strstr(buf_str(&out), "Answer model (logistic regression") != NULL,
		    "'%s': --explain does not show the model: %s", texts[i], buf_str(&out));
		buf_reset(&out);
		ck_assert_int_eq(render_query_explain(q, RENDER_JSON, 1, &out, err), 0);
		ck_assert_msg(strstr(buf_str(&out), "\"by\": \"model\"") != NULL, "'%s': %s",
		    texts[i], buf_str(&out));
		buf_reset(&out);
		query_free(q);
	}
	q = run("Error (119) Network Write Error");
	ck_assert_int_eq(query_decided_by(q), QUERY_BY_RULE);
	ck_assert_int_eq(render_query_explain(q, RENDER_TEXT, 1, &out, err), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "Answered by rule"));
	query_free(q);
	buf_free(&out);
}
END_TEST

/* The same index gives the same results whatever was asked before (the
 * word list is opened on the way). */
START_TEST(an_index_answers_the_same_every_time)
{
	static const char *const texts[] = { "Error (119) Network Write Error",
	    "Lost network connection", "ERROR connect: (121) network error",
	    "Socket is not connected", "what does ForcePushBit=1 do" };
	struct query_index *fresh = query_index_new(kb);
	struct query_results *before[5], *q;
	size_t i, j;

	for (i = 0; i < 5; i++)
		before[i] = query_ask(fresh, m, texts[i], strlen(texts[i]));
	q = query_ask(fresh, m, "zqxvw gatewya netwrok", 21);
	query_free(q);
	for (i = 0; i < 5; i++) {
		q = query_ask(fresh, m, texts[i], strlen(texts[i]));
		ck_assert_msg(q->nresults == before[i]->nresults, "%s: %zu results, then %zu",
		    texts[i], before[i]->nresults, q->nresults);
		for (j = 0; j < q->nresults; j++) {
			ck_assert_ptr_eq(q->results[j].article, before[i]->results[j].article);
			ck_assert_double_eq(q->results[j].score, before[i]->results[j].score);
		}
		ck_assert_double_eq(q->confidence, before[i]->confidence);
		query_free(q);
		query_free(before[i]);
	}
	query_index_free(fresh);
}
END_TEST

/* Pasted lines: the article that explains both ranks above the one whose
 * pattern matches only the companion line; every line's words count. */
START_TEST(pasted_lines_are_one_problem)
{
	static const char text[] = "ERROR Network_read: Lost network connection\n"
	    "SMTP_recv: system error\n";
	static const char vm[] = "14:02:10 - Connecting to smart SMTP host\n"
	    " [rx] 220 VMHOST.EXAMPLE.COM running IBM VM SMTP V2R2\n"
	    " [tx] HELO\n"
	    " [rx] 501 Syntax Error. Domain name missing\n"
	    "14:02:41 - ERROR Network_read: Lost network connection\n";
	struct query_results *q = run(text);
	size_t i;

	ck_assert_uint_ge(q->nresults, 2);
	ck_assert_msg(strcmp(q->results[0].article->id, "Q100709") == 0 ||
	    strcmp(q->results[0].article->id, "Q102107") == 0, "first: %s",
	    q->results[0].article->id);
	for (i = 0; i < q->nresults; i++)
		if (strcmp(q->results[i].article->id, "Q100512") == 0)
			ck_assert_double_lt(q->results[i].score, q->results[0].score);
	query_free(q);
	/* the transcript's other lines tell Q102107 from Q100709 */
	q = run(vm);
	ck_assert_uint_ge(q->nresults, 2);
	ck_assert_str_eq(q->results[0].article->id, "Q102107");
	query_free(q);
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
	/* the scores, whether or not the answer model would answer */
	struct query_results *bare = query_ask_unjudged(ix, m, "Network write error", 19), *q;
	size_t i;

	ck_assert_uint_ge(bare->nresults, 1);
	ck_assert_int_eq(bare->results[0].how, QUERY_WORDS);
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		q = query_ask_unjudged(ix, m, named[i], strlen(named[i]));
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
	static const char text[] = "cannot open M:\\MAILDATA\\LOCAL.CFG";
	struct query_results *q = query_ask_unjudged(ix, m, text, strlen(text));
	size_t i;
	int local = 0;

	for (i = 0; i < q->nresults && i < 5; i++)
		local |= strcmp(q->results[i].article->id, "Q127733") == 0;
	ck_assert_msg(local, "Q127733 (LOCAL.CFG) is not among the first five");
	query_free(q);
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
	static const char *const client[] = {
		"lost connection with mx.b.example[192.0.2.7] while sending DATA",
		"timeout waiting for input from [198.51.100.25] during client DATA",
	};
	struct query_results *q;
	size_t i;

	for (i = 0; i < sizeof(server) / sizeof(server[0]); i++) {
		q = run(server[i]);
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
		q = run(client[i]);
		ck_assert_msg(q->nserver == 0, "'%s': read as a server's view", client[i]);
		ck_assert_msg(q->nresults >= 1, "'%s': no results", client[i]);
		query_free(q);
	}
}
END_TEST

/* What the server-view rule assumes of the rule base: none of its symptoms'
 * example lines is a server's view. */
START_TEST(no_symptom_example_is_a_server_view)
{
	size_t i, j, k, n = kb_article_count(kb), seen = 0;

	for (i = 0; i < n; i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		for (j = 0; j < a->nsymptoms; j++)
			for (k = 0; k < a->symptoms[j].nexamples; k++) {
				const char *ex = a->symptoms[j].examples[k];
				struct query_results *q = query_ask_unjudged(ix, m, ex, strlen(ex));

				ck_assert_msg(q->nserver == 0, "%s symptom %s: example '%s' "
				    "reads as a server's view", a->id, a->symptoms[j].id, ex);
				query_free(q);
				seen++;
			}
	}
	ck_assert_uint_ge(seen, 50);
}
END_TEST

/* The index knows the rule base's words (kb lint's vocabulary check). */
START_TEST(index_knows_the_words)
{
	ck_assert(query_index_knows(ix, "network"));
	ck_assert(query_index_knows(ix, "Networks"));
	ck_assert(query_index_knows(ix, "ForcePushBit"));
	ck_assert(!query_index_knows(ix, "zqxvw"));
	ck_assert(!query_index_knows(ix, ""));
}
END_TEST

Suite *
query_suite(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("rank");

	/*
	 * The rule base, its patterns and the index are loaded once, in the
	 * parent (an unchecked fixture), so each test only asks questions: the
	 * slowest, no_symptom_example_is_a_server_view, asks 403 of them in
	 * about 50 ms. It used to load and JIT-compile the whole rule base
	 * itself and build a scorer per example inside the 4 s a test has,
	 * which a loaded machine overran; check's default timeout is enough.
	 */
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, exact_message_scores_highest_by_pattern);
	tcase_add_test(tc, weak_answer_in_every_format);
	tcase_add_test(tc, weak_answer_shows_its_row_marked_weak);
	tcase_add_test(tc, own_gateway_and_other_fields);
	tcase_add_test(tc, whole_log_line_matches_too);
	tcase_add_test(tc, case_does_not_matter);
	tcase_add_test(tc, companion_scores_below_primary);
	tcase_add_test(tc, words_rank_the_right_article_first);
	tcase_add_test(tc, results_are_best_first);
	tcase_add_test(tc, unrelated_text_has_no_results);
	tcase_add_test(tc, generic_pattern_needs_mail_context);
	tcase_add_test(tc, similar_message_ranks_below_the_exact_one);
	tcase_add_test(tc, query_text_is_sanitised);
	tcase_add_test(tc, typing_mistakes_are_forgiven);
	tcase_add_test(tc, ocr_confusions_are_forgiven);
	tcase_add_test(tc, english_words_are_not_mistakes);
	tcase_add_test(tc, settings_are_words);
	tcase_add_test(tc, fact_questions_answer_with_the_row);
	tcase_add_test(tc, a_question_naming_a_row_answers_with_it);
	tcase_add_test(tc, a_question_naming_a_gateway_fact_in_words);
	tcase_add_test(tc, vocabulary_terms_are_used);
	tcase_add_test(tc, word_classes_are_used);
	tcase_add_test(tc, stop_words_and_domains_are_data);
	tcase_add_test(tc, answers_fit_their_confidence);
	tcase_add_test(tc, model_explains_its_confidence);
	tcase_add_test(tc, an_index_answers_the_same_every_time);
	tcase_add_test(tc, pasted_lines_are_one_problem);
	tcase_add_test(tc, names_score_like_the_bare_text);
	tcase_add_test(tc, a_path_keeps_its_file_name);
	tcase_add_test(tc, server_view_lines_read_no_words);
	tcase_add_test(tc, no_symptom_example_is_a_server_view);
	tcase_add_test(tc, index_knows_the_words);
	suite_add_tcase(s, tc);
	return s;
}
