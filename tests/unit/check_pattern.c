/*
 * pattern and prefilter: the literals taken from patterns, the ERE
 * translation, the literal scan, and the property that matters: with the
 * prefilter, match_line() finds exactly what trying every pattern finds.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb.h"
#include "match.h"
#include "pattern.h"
#include "prefilter.h"
#include "testutil.h"

/* Expected literals, "|"-separated, or NULL for "none found". */
static const struct {
	const char	*pattern, *literals;
} literal_cases[] = {
	{ "\\bError \\(119\\) Network Write Error", "error (119) network write error" },
	{ "\\bERROR\\s+Network_read:\\s*Lost", "network_read:" },
	/* "smtp" fills normal traffic: the other literal is taken. */
	{ "\\bSMTP_recv\\s*:\\s*system\\s+error", "system" },
	/* An optional byte ends the literal before it. */
	{ "Addressee?", "addresse" },
	{ "colou*r", "colo" },
	/* A required repeat keeps one copy and ends the literal. */
	{ "abcd+efgh", "abcd" },
	{ "ab{2}cdef", "cdef" },
	/* Optional groups are skipped; required ones without | are looked into. */
	{ "(?:unknown )?hostname", "hostname" },
	{ "a(?:zyxwv)b", "zyxwv" },
	{ "x(?:foo|bar)y", NULL },
	{ "(?i:quux)", "quux" },
	{ "(?<name>jqkv)", "jqkv" },
	/* Assertions and option settings consume nothing. */
	{ "^(?!.*\\bskip).*\\bkeepme", "keepme" },
	{ "(?i)Insufficient", "insufficient" },
	/* Classes and class escapes break a literal. */
	{ "net[wW]ork", "ork" },
	{ "\\d+ bytes", " bytes" },
	/* Top-level alternatives: one literal each, or none at all. */
	{ "alpha|beta|gamma", "alpha|beta|gamma" },
	{ "alpha|x", NULL },
	/* Too short, or not understood: no literal, the pattern runs always. */
	{ "ab", NULL },
	{ "(?x) spaced out", NULL },
	{ "\\Qliteral", NULL },
	{ "(*COMMIT)abcdef", NULL },
	{ "abc\\x41def", NULL },
	{ "(foo|baz)(?1)", NULL },
	{ "unbalanced)", NULL },
	{ "a{", NULL },
	/* Counts PCRE2 refuses (over 65535), however many digits: no literal,
	 * and no signed overflow on the way (found by fuzz_pattern). */
	{ "abcdef{99999999999999999999999}", NULL },
	{ "abcdef{1,99999999999999999999999}", NULL },
	{ "abcdef{65536}", NULL },
	{ "abcdefg{65535}", "abcdefg" },
};

START_TEST(literals_of_patterns)
{
	struct pattern_literals lits;
	char got[PATTERN_BRANCH_MAX * (PATTERN_LIT_MAX + 2)];
	size_t i, j;

	for (i = 0; i < sizeof(literal_cases) / sizeof(literal_cases[0]); i++) {
		const char *want = literal_cases[i].literals;
		int rc = pattern_literals(literal_cases[i].pattern, &lits);

		got[0] = '\0';
		for (j = 0; rc == 0 && j < lits.n; j++) {
			strcat(got, j ? "|" : "");
			strcat(got, lits.lit[j]);
		}
		if (want == NULL)
			ck_assert_msg(rc == -1, "%s: expected no literals, got \"%s\"",
			    literal_cases[i].pattern, got);
		else
			ck_assert_msg(rc == 0 && strcmp(got, want) == 0,
			    "%s: expected \"%s\", got \"%s\" (rc %d)",
			    literal_cases[i].pattern, want, got, rc);
	}
}
END_TEST

static const struct {
	const char	*pattern, *ere;
} ere_cases[] = {
	{ "\\bError \\(119\\) Network Write Error", "\\bError \\(119\\) Network Write Error" },
	{ "\\b550\\s+Address(?:ee)?\\s+unknown\\b", "\\b550\\s+Address(ee)?\\s+unknown\\b" },
	{ "\\d{1,2}:\\d{2}", "[0-9]{1,2}:[0-9]{2}" },
	{ "from\\s+\\S+?\\s*:", "from\\s+\\S+\\s*:" },
	{ "\\S.{0,200}?\\s+is", "\\S.{0,200}\\s+is" },
	{ "^(?!.*\\bSMTP(?:GET|PUT)).*\\bInsufficient", "^.*\\bInsufficient" },
	{ "(?<![\\w-])-MR\\b", "-MR\\b" },
	{ "[\\w-]+x", "[[:alnum:]_-]+x" },
	{ "\\S+\\[[^\\]]+\\]", "\\S+\\[[^]]+\\]" },
	{ "[\\[\\\\x]", "[\\[\\\\x]" },
	{ "[^\\s\\[]+", "[^[:space:]\\[]+" },
	{ "a\\/b\\:c\\<d", "a/b:c<d" },
	{ "(?i)abc", "abc" },
	{ "x*+y", "x*y" },
};

START_TEST(ere_translation)
{
	struct buf b = BUF_INIT;
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(ere_cases) / sizeof(ere_cases[0]); i++) {
		buf_reset(&b);
		ck_assert_msg(pattern_to_ere(ere_cases[i].pattern, &b, err) == 0, "%s: %s",
		    ere_cases[i].pattern, err);
		ck_assert_str_eq(buf_str(&b), ere_cases[i].ere);
	}
	buf_reset(&b);
	ck_assert_int_eq(pattern_to_ere("\\Qa.b", &b, err), -1);
	ck_assert_int_eq(pattern_to_ere("a\\x41", &b, err), -1);
	ck_assert_contains(err, "\\x");
	buf_free(&b);
}
END_TEST

static int
bit(const uint64_t *ids, size_t id)
{
	return ids[id / 64] >> (id % 64) & 1;
}

START_TEST(scan_finds_literals_without_case)
{
	struct prefilter *pf = prefilter_new(70);
	uint64_t ids[2];
	static const char line[] = "09:03:33 - ERROR Network_read: Lost network connection";

	ck_assert_uint_eq(prefilter_words(pf), 2);
	prefilter_add(pf, "network_read:", 13, 3);
	prefilter_add(pf, "LOST", 4, 65);
	prefilter_add(pf, "write", 5, 7);
	prefilter_add(pf, "connection", 10, 69);
	memset(ids, 0, sizeof(ids));
	prefilter_scan(pf, line, strlen(line), ids);
	ck_assert(bit(ids, 3) && bit(ids, 65) && bit(ids, 69));
	ck_assert(!bit(ids, 7));
	/* A literal cut by the end of the text is not there. */
	memset(ids, 0, sizeof(ids));
	prefilter_scan(pf, line, strlen(line) - 1, ids);
	ck_assert(!bit(ids, 69) && bit(ids, 3));
	/* At the very start, and the whole text. */
	memset(ids, 0, sizeof(ids));
	prefilter_scan(pf, "Write", 5, ids);
	ck_assert(bit(ids, 7));
	/* Bits already set stay set; nothing is found in nothing. */
	prefilter_scan(pf, "", 0, ids);
	prefilter_scan(pf, "x", 1, ids);
	ck_assert(bit(ids, 7));
	prefilter_free(pf);
}
END_TEST

/* Brute force: every log pattern on its own, with the fallback rule. */
static size_t
expected_hits(const struct kb *kb, struct matcher *m, const char *line,
    const struct kb_symptom **out, size_t max)
{
	size_t i, j, n = 0, kept;
	int primary = 0;

	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];

			if (s->role == KB_ROLE_DESCRIPTION ||
			    match_symptom(m, s, line, strlen(line)) != 1)
				continue;
			ck_assert_uint_lt(n, max);
			out[n++] = s;
			primary |= s->role == KB_ROLE_PRIMARY;
		}
	}
	if (primary) {
		for (i = kept = 0; i < n; i++)
			if (out[i]->role != KB_ROLE_FALLBACK)
				out[kept++] = out[i];
		n = kept;
	}
	return n;
}

static void
assert_same_hits(const struct kb *kb, struct matcher *m, const char *line)
{
	const struct kb_symptom *want[256], *gave_up;
	const struct match_hit *hits;
	size_t n, nwant, i;

	nwant = expected_hits(kb, m, line, want, 256);
	n = match_line(m, line, strlen(line), &hits, &gave_up);
	ck_assert_msg(n == nwant, "\"%s\": %zu hits with the prefilter, %zu without",
	    line, n, nwant);
	for (i = 0; i < n; i++)
		ck_assert_msg(hits[i].symptom == want[i], "\"%s\": hit %zu differs", line, i);
}

/*
 * Every example and counter-example of the whole rule base, as written, in
 * a log line, upper-cased, and cut at each tenth of its length: the
 * prefilter never changes what matches.
 */
START_TEST(prefilter_changes_no_result)
{
	struct kb *kb = tu_kb();
	struct matcher *m = tu_matcher(kb);
	char line[2048];
	size_t i, j, k, c, tried = 0;

	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];

			for (k = 0; k < s->nexamples + s->ncounters; k++) {
				const char *t = k < s->nexamples ? s->examples[k] :
				    s->counters[k - s->nexamples];
				size_t len = strlen(t);

				if (len > 1000)
					continue;
				assert_same_hits(kb, m, t);
				snprintf(line, sizeof(line), "14:07:59 - %s (x)", t);
				assert_same_hits(kb, m, line);
				for (c = 0; line[c]; c++)
					line[c] = (char)(line[c] >= 'a' && line[c] <= 'z' ?
					    line[c] - 32 : line[c]);
				assert_same_hits(kb, m, line);
				for (c = 1; c < 10; c++) {
					snprintf(line, sizeof(line), "%.*s", (int)(len * c / 10), t);
					assert_same_hits(kb, m, line);
				}
				tried++;
			}
		}
	}
	ck_assert_uint_gt(tried, 400);
	/* Every log pattern of the shipped rule base has literals. */
	ck_assert_uint_gt(match_prefiltered_count(m), 60);
	match_free(m);
	kb_free(kb);
}
END_TEST

START_TEST(error_words_flag_unknown_errors)
{
	struct kb *kb = tu_kb_mini();
	struct matcher *m = tu_matcher(kb);
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;
	static const char unknown[] = "10:00:00 - Disk quota exceeded: write FAILED";
	static const char normal[] = "10:00:00 - Gateway initialized";

	ck_assert_uint_eq(match_line(m, unknown, strlen(unknown), &hits, &gave_up), 0);
	ck_assert_int_eq(match_looks_like_error(m), 1);
	ck_assert_uint_eq(match_line(m, normal, strlen(normal), &hits, &gave_up), 0);
	ck_assert_int_eq(match_looks_like_error(m), 0);
	match_free(m);
	kb_free(kb);
}
END_TEST

Suite *
pattern_suite(void)
{
	Suite *s = suite_create("pattern");
	TCase *tc = tcase_create("pattern");

	tcase_add_test(tc, literals_of_patterns);
	tcase_add_test(tc, ere_translation);
	tcase_add_test(tc, scan_finds_literals_without_case);
	tcase_add_test(tc, prefilter_changes_no_result);
	tcase_add_test(tc, error_words_flag_unknown_errors);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
