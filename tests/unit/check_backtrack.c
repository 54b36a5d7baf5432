/*
 * backtrack: the shapes that backtrack exponentially, read from a pattern's
 * text, and the crafted lines that show a pattern super-linear in PCRE2.
 * The table is the property: each pattern, and what each check says of it.
 */
#include <check.h>
#include <string.h>

#include "backtrack.h"
#include "testutil.h"

static const struct {
	const char	*pattern;
	int		 shape;		/* backtrack_shape() finds one */
	int		 superlinear;	/* backtrack_measure() shows it */
	const char	*why;		/* in the shape's message, or NULL */
} cases[] = {
	/* the issue's: nested quantifiers */
	{ "(a+)+$", 1, 1, "nested quantifiers: the group at offset 0" },
	{ "^(\\d+)*$", 1, 1, "the quantifier at offset 4 inside it" },
	{ "(\\w+\\s?)+$", 1, 1, NULL },
	{ "(x+x+)+y", 1, 1, NULL },
	{ "([a-z]+[0-9]*)+!", 1, 1, NULL },
	{ "((?:ab)+c?)*d", 1, 0, NULL },
	/* shapes PCRE2 happens to save (auto-possessive): still traps */
	{ "(?:\\s+\\S+)+$", 1, 0, NULL },
	{ "(?:[^,]*,)*x", 1, 0, NULL },
	/* overlapping alternatives repeated without bound */
	{ "(a|a)*b", 1, 1, "overlapping alternatives: the group at offset 0" },
	{ "(?:a|ab)*c", 1, 0, "alternatives 1 and 2" },
	{ "(?:\\d|[0-9a-f])+z", 1, 1, NULL },
	/* polynomial: no shape rule, the crafted lines find it */
	{ ".*.*.*x", 0, 1, NULL },
	/* safe: atomic, possessive, bounded, disjoint alternatives, plain */
	{ "(?>a+)+$", 0, 0, NULL },
	{ "(a++)+$", 0, 0, NULL },
	{ "(a+)++$", 0, 0, NULL },
	{ "(?:foo|bar)+baz", 0, 0, NULL },
	{ "\\b(?:\\w+\\s+){0,2}?receive", 0, 0, NULL },
	{ "\\bError \\(119\\) Network Write Error", 0, 0, NULL },
	{ "\\bERROR\\s+Network_read:\\s*Lost", 0, 0, NULL },
	{ "[(]a+[)]+", 0, 0, NULL },
	{ "\\(a+\\)+", 0, 0, NULL },
	{ "(?=a+)+b", 0, 0, NULL },
	{ "(?i)(?:x|y)*z", 0, 0, NULL },
};

START_TEST(shapes_and_measures)
{
	static const char *const examples[] = { "aaaa", "foo bar baz 12" };
	struct backtrack_report r;
	char why[ERR_LEN], err[ERR_LEN];
	int shape;

	shape = backtrack_shape(cases[_i].pattern, why);
	ck_assert_msg(shape == cases[_i].shape, "%s: shape %d, want %d (%s)",
	    cases[_i].pattern, shape, cases[_i].shape, shape ? why : "");
	if (cases[_i].why)
		ck_assert_contains(why, cases[_i].why);
	ck_assert_int_eq(backtrack_measure(cases[_i].pattern, 1, examples, 2, &r, err), 0);
	ck_assert_msg(r.superlinear == cases[_i].superlinear, "%s: superlinear %d, want %d "
	    "(%s: %lu steps)", cases[_i].pattern, r.superlinear, cases[_i].superlinear,
	    r.line, r.steps);
	/* every line was run, or the first that was over stopped it */
	ck_assert_uint_gt(r.lines, r.superlinear ? 0 : 50);
	if (r.superlinear) {
		ck_assert_uint_gt(r.steps, (unsigned long)r.bytes * BACKTRACK_STEPS_PER_BYTE);
		ck_assert_uint_ge(r.steps4, r.steps);
		ck_assert_uint_gt(r.bytes4, 3 * BACKTRACK_PUMP);
		ck_assert(r.usec4 > 0);
		ck_assert_msg(strstr(r.line, " x 1000, then ") != NULL, "%s", r.line);
	}
}
END_TEST

START_TEST(does_not_compile)
{
	struct backtrack_report r;
	char err[ERR_LEN];

	ck_assert_int_eq(backtrack_measure("(a", 0, NULL, 0, &r, err), -1);
	ck_assert_contains(err, "does not compile");
}
END_TEST

/* Texts that are not patterns at all still give an answer, quickly. */
START_TEST(odd_texts)
{
	static const char *const odd[] = { "", "(", ")", "\\", "[", "[]", "[^]", "(?", "(*",
	    "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((a))))",
	    "a{", "a{1,", "\\Q(a+)+", "(?#(a+)+)x",
	    /* a range to an escape that the text cuts (read past its end
	     * before: found by fuzz_pattern) */
	    "[a-\\", "[]^\x01-\\" };
	char why[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		(void)backtrack_shape(odd[i], why);
	ck_assert_int_eq(backtrack_shape("\\Q(a+)+\\E", why), 0);
	ck_assert_int_eq(backtrack_shape("(?#(a+)+)x", why), 0);
}
END_TEST

Suite *
backtrack_suite(void)
{
	Suite *s = suite_create("backtrack");
	TCase *tc = tcase_create("backtrack");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, shapes_and_measures, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, does_not_compile);
	tcase_add_test(tc, odd_texts);
	suite_add_tcase(s, tc);
	return s;
}
