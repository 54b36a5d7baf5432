/*
 * The examples in docs/ are run, so the documentation cannot drift from the
 * code: each is a fenced block between "<!-- example-NAME: begins -->" and
 * "<!-- example-NAME: ends -->".
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "diag.h"
#include "testutil.h"
#include "util/xmem.h"

/* The fenced block of example NAME in docs/FILE; caller frees. */
static char *
doc_example(const char *file, const char *name)
{
	struct buf marker = BUF_INIT, relb = BUF_INIT;
	char *rel, *path, *doc, *begin, *fence, *end, *out;

	buf_printf(&relb, "docs/%s", file);
	rel = buf_detach(&relb);
	path = tu_src(rel);
	doc = tu_read(path, NULL);
	buf_printf(&marker, "<!-- example-%s: begins -->", name);
	begin = strstr(doc, buf_str(&marker));
	ck_assert_msg(begin, "%s: no example '%s'", rel, name);
	fence = strstr(begin, "```");
	ck_assert_ptr_nonnull(fence);
	fence = strchr(fence, '\n') + 1;
	end = strstr(fence, "\n```");
	ck_assert_ptr_nonnull(end);
	out = xstrndup(fence, (size_t)(end - fence) + 1);
	buf_free(&marker);
	free(doc);
	free(path);
	free(rel);
	return out;
}

static struct diagnosis *
diagnose(struct kb *kb, const char *dir, const char *text)
{
	struct diag_params p = { 0 };
	struct diagnosis *d;
	struct matcher *m = tu_matcher(kb);
	struct buf pb = BUF_INIT;
	const char *files[1];
	char *path;

	buf_printf(&pb, "%s/example.log", dir);
	path = buf_detach(&pb);
	tu_write_str(path, text);
	files[0] = path;
	p.kb = kb;
	p.matcher = m;
	p.files = files;
	p.nfiles = 1;
	diag_run(&p, &d);
	match_free(m);
	free(path);
	return d;
}

START_TEST(kb_format_example_article_loads_and_works)
{
	char *xml = doc_example("kb-format.md", "article"), *kbdir = tu_kb_copy();
	struct kb_load_params p = { 0 };
	struct diagnosis *d;
	struct matcher *m;
	char err[ERR_LEN];
	struct kb *kb;

	tu_write_in(kbdir, "articles/Q999999.xml", xml);
	p.dir = kbdir;
	ck_assert_msg(kb_load(&p, &kb, err) == 0, "%s", err);
	ck_assert_msg(match_compile(kb, &m, err) == 0, "%s", err);
	ck_assert_uint_eq(match_selftest(m, NULL, NULL), 0);
	match_free(m);
	d = diagnose(kb, kbdir, "10:00:00 - ERROR example: (99) failure\n"
	    "10:00:00 - SMTP_example: system error\n");
	ck_assert_uint_eq(d->nincidents, 1);
	ck_assert_str_eq(d->incidents[0].article, "Q999999");
	ck_assert_uint_eq(d->incidents[0].companions, 1);
	ck_assert_str_eq(d->incidents[0].causes[0].id, "peer-host-down");
	ck_assert_str_eq(d->incidents[0].steps[1].id, "example-check");
	diag_free(d);
	kb_free(kb);
	tu_kb_copy_free(kbdir);
	free(xml);
}
END_TEST

START_TEST(log_format_example_gives_what_it_says)
{
	char *log = doc_example("log-format.md", "log"), *dir = tu_tmpdir();
	struct kb *kb = tu_kb();
	struct diagnosis *d = diagnose(kb, dir, log);

	ck_assert_uint_eq(d->nincidents, 2);
	ck_assert_str_eq(d->incidents[1].article, "Q102107");
	ck_assert_str_eq(d->incidents[0].article, "Q100709");
	ck_assert_uint_eq(d->incidents[0].count, 1);
	ck_assert_uint_eq(d->incidents[0].companions, 1);
	ck_assert_str_eq(d->incidents[0].peer.host, "127.0.0.1");
	ck_assert_uint_eq(d->incidents[0].peer.port, 25);
	ck_assert_str_eq(d->incidents[0].first_seen, "1993-02-23T09:03:33");
	ck_assert_str_eq(d->inputs[0].format, "legacy");
	diag_free(d);
	kb_free(kb);
	tu_rmtree(dir);
	free(dir);
	free(log);
}
END_TEST

/* docs/events.md: the example event gives what the text after it says. */
START_TEST(events_example_gives_what_it_says)
{
	char *log = doc_example("events.md", "event"), *dir = tu_tmpdir();
	struct kb *kb = tu_kb();
	struct diagnosis *d = diagnose(kb, dir, log);

	ck_assert_uint_eq(d->nincidents, 1);
	ck_assert_str_eq(d->incidents[0].article, "Q123827");
	ck_assert_str_eq(d->incidents[0].peer.host, "127.0.0.1");
	ck_assert_uint_eq(d->incidents[0].peer.port, 2525);
	ck_assert_str_eq(d->incidents[0].first_seen, "2026-11-23T10:15:02");
	ck_assert_str_eq(d->incidents[0].phase, "body");
	ck_assert_str_eq(d->incidents[0].last_command, "DATA");
	ck_assert_str_eq(d->inputs[0].format, "ndjson");
	diag_free(d);
	kb_free(kb);
	tu_rmtree(dir);
	free(dir);
	free(log);
}
END_TEST

START_TEST(json_query_example_is_the_real_output)
{
	static const char dict[] = "/usr/share/dict/american-english";
	char *want = doc_example("json.md", "query");
	struct tu_run r;

	/* the example was made with wamerican's word list, which it names */
	if (access(dict, R_OK) != 0) {
		fprintf(stderr, "SKIP json_query_example_is_the_real_output: no %s "
		    "(apt-get install wamerican)\n", dict);
		free(want);
		return;
	}
	setenv("KBDIAG_DICT", dict, 1);
	tu_kbdiag(&r, NULL, 0, "--format", "json", "query", "Error (119) Network Write Error",
	    NULL);
	unsetenv("KBDIAG_DICT");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, want);
	tu_run_free(&r);
	free(want);
}
END_TEST

/* The man page says which version it documents: the one being built. */
START_TEST(man_page_version_is_the_binarys)
{
	char *path = tu_src("docs/kbdiag.1"), *man = tu_read(path, NULL);
	struct buf want = BUF_INIT;
	struct tu_run r;
	size_t n;

	tu_kbdiag(&r, NULL, 0, "--version", NULL);
	ck_assert_int_eq(r.status, 0);
	n = strcspn(r.out, "\n");
	buf_printf(&want, ".TH KBDIAG 1 ");
	ck_assert_contains(man, buf_str(&want));
	buf_reset(&want);
	buf_printf(&want, " \"%.*s\" \"User Commands\"\n", (int)n, r.out);
	ck_assert_contains(man, buf_str(&want));
	buf_free(&want);
	tu_run_free(&r);
	free(man);
	free(path);
}
END_TEST

Suite *
docs_suite(void)
{
	Suite *s = suite_create("docs");
	TCase *tc = tcase_create("examples");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, kb_format_example_article_loads_and_works);
	tcase_add_test(tc, log_format_example_gives_what_it_says);
	tcase_add_test(tc, events_example_gives_what_it_says);
	tcase_add_test(tc, json_query_example_is_the_real_output);
	tcase_add_test(tc, man_page_version_is_the_binarys);
	suite_add_tcase(s, tc);
	return s;
}
