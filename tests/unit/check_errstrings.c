/*
 * errstrings: every error string of every errmsg article (tests/cases/
 * error-strings.tsv), as printed and with a "HH:MM:SS - " prefix, through
 * `kbdiag query --format json`: the article must come first, or one that
 * overlaps.xml declares as sharing the text with it. Also: every errmsg and
 * troubleshoot article of the list is in `kbdiag kb list`.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "testutil.h"
#include "xmem.h"

struct errstring {
	char	id[16];
	char	*text;
	long	 line;
};

static struct errstring *
load_strings(size_t *n)
{
	char *path = tu_src("tests/cases/error-strings.tsv"), *data, *p, *nl, *tab;
	struct errstring *v = NULL;
	size_t len, cap = 0;
	long line = 0;

	data = tu_read(path, &len);
	*n = 0;
	for (p = data; *p; p = nl + 1) {
		line++;
		nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "%s:%ld: no newline at the end", path, line);
		*nl = '\0';
		if (*p == '#' || *p == '\0')
			continue;
		tab = strchr(p, '\t');
		ck_assert_msg(tab != NULL && tab - p < 16, "%s:%ld: not ID<TAB>TEXT", path,
		    line);
		v = xgrow(v, &cap, *n + 1, sizeof(*v));
		memcpy(v[*n].id, p, (size_t)(tab - p));
		v[*n].id[tab - p] = '\0';
		v[*n].text = xstrdup(tab + 1);
		v[*n].line = line;
		(*n)++;
	}
	free(data);
	free(path);
	return v;
}

/* Is `got` the expected article, or declared as sharing a text with it? */
static int
acceptable(const struct kb *kb, const char *want, const char *got)
{
	const struct kb_overlap *o;

	if (strcmp(want, got) == 0)
		return 1;
	o = kb_find_overlap(kb, want, got);
	return o != NULL && strcmp(o->kind, "conflict") != 0;
}

static void
check_one(const struct kb *kb, const struct errstring *e, const char *text)
{
	struct tu_run r;
	json_error_t jerr;
	json_t *root, *results, *first;
	const char *got;

	tu_kbdiag(&r, NULL, 0, "query", "--format", "json", text, (char *)NULL);
	ck_assert_msg(r.status == 0, "error-strings.tsv:%ld: %s: \"%s\": exit %d, "
	    "stderr: %s", e->line, e->id, text, r.status, r.err);
	root = json_loads(r.out, 0, &jerr);
	ck_assert_msg(root != NULL, "error-strings.tsv:%ld: not JSON: %s", e->line,
	    jerr.text);
	results = json_object_get(root, "results");
	ck_assert(json_is_array(results) && json_array_size(results) > 0);
	first = json_array_get(results, 0);
	got = json_string_value(json_object_get(first, "article"));
	ck_assert_msg(got && acceptable(kb, e->id, got), "error-strings.tsv:%ld: "
	    "\"%s\": %s first, expected %s (or an article overlaps.xml declares as "
	    "sharing the text)", e->line, text, got ? got : "(none)", e->id);
	json_decref(root);
	tu_run_free(&r);
}

START_TEST(each_error_string_finds_its_article)
{
	struct kb *kb = tu_kb();
	struct errstring *v;
	struct buf prefixed = BUF_INIT;
	size_t n, i;

	v = load_strings(&n);
	ck_assert_uint_ge(n, 75);
	for (i = 0; i < n; i++) {
		check_one(kb, &v[i], v[i].text);
		buf_reset(&prefixed);
		buf_printf(&prefixed, "14:07:59 - %s", v[i].text);
		check_one(kb, &v[i], buf_str(&prefixed));
		free(v[i].text);
	}
	free(v);
	buf_free(&prefixed);
	kb_free(kb);
}
END_TEST

START_TEST(every_article_is_listed)
{
	struct errstring *v;
	struct tu_run r;
	size_t n, i;

	v = load_strings(&n);
	tu_kbdiag(&r, NULL, 0, "kb", "list", (char *)NULL);
	ck_assert_int_eq(r.status, 0);
	for (i = 0; i < n; i++) {
		char want[32];

		snprintf(want, sizeof(want), "\n%s ", v[i].id);
		ck_assert_msg(strstr(r.out, want) != NULL || strncmp(r.out, want + 1,
		    strlen(want + 1)) == 0, "%s is not in kbdiag kb list", v[i].id);
		free(v[i].text);
	}
	free(v);
	tu_run_free(&r);
}
END_TEST

Suite *
errstrings_suite(void)
{
	Suite *s = suite_create("errstrings");
	TCase *tc = tcase_create("query");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, each_error_string_finds_its_article);
	tcase_add_test(tc, every_article_is_listed);
	suite_add_tcase(s, tc);
	return s;
}
