/*
 * check_api: libkbdiag's public interface (kbdiag.h): loading, diagnosing
 * files and lines, the accessors, rendering, query, and the error paths.
 * Only kbdiag.h is included: what a program embedding the library sees.
 * (tests/install.sh builds docs/example.c against the installed library.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbdiag.h"
#include "testutil.h"

static struct kbdiag_kb *kb;

static void
api_setup(void)
{
	char err[KBDIAG_ERR_LEN], *dir = tu_src("kb");

	if (kbdiag_kb_load(dir, &kb, err) != 0)
		ck_abort_msg("kbdiag_kb_load: %s", err);
	free(dir);
}

static void
api_teardown(void)
{
	kbdiag_kb_free(kb);
	kb = NULL;
}

START_TEST(version_and_kb)
{
	ck_assert_int_eq(kbdiag_api_version(), KBDIAG_API_VERSION);
	ck_assert_int_eq(KBDIAG_API_VERSION / 1000, KBDIAG_API_MAJOR);
	ck_assert_str_ne(kbdiag_version(), "");
	ck_assert_uint_gt(kbdiag_kb_article_count(kb), 50);
	ck_assert_ptr_nonnull(strstr(kbdiag_kb_dir(kb), "kb"));
}
END_TEST

START_TEST(kb_load_error_names_the_directory)
{
	struct kbdiag_kb *bad = (struct kbdiag_kb *)1;
	char err[KBDIAG_ERR_LEN];

	ck_assert_int_eq(kbdiag_kb_load("/nonexistent/kb", &bad, err), -1);
	ck_assert_ptr_null(bad);
	ck_assert_msg(strstr(err, "/nonexistent/kb") != NULL, "err: %s", err);
	kbdiag_kb_free(NULL);
}
END_TEST

START_TEST(diagnose_sample_file)
{
	char err[KBDIAG_ERR_LEN], *log = tu_src("kb/samples/smtpgate.log");
	const char *files[1] = { log };
	struct kbdiag_result *r;
	const struct kbdiag_incident *inc;
	const struct kbdiag_cause *c;
	const struct kbdiag_step *s;
	size_t i;
	double sum = 0;

	ck_assert_int_eq(kbdiag_diagnose_files(kb, files, 1, NULL, 0, &r, err), 0);
	ck_assert_uint_eq(kbdiag_result_lines(r), 151);
	ck_assert_uint_gt(kbdiag_result_matched(r), 0);
	ck_assert_uint_eq(kbdiag_result_input_errors(r), 0);
	ck_assert_ptr_null(kbdiag_result_input_error(r, 0));
	ck_assert_uint_eq(kbdiag_result_incident_count(r), 3);
	ck_assert_ptr_null(kbdiag_result_incident(r, 3));
	inc = kbdiag_result_incident(r, 0);
	ck_assert_str_eq(kbdiag_incident_article(inc), "Q123827");
	ck_assert_uint_eq(kbdiag_incident_count(inc), 3);
	ck_assert_str_eq(kbdiag_incident_peer_host(inc), "127.0.0.1");
	ck_assert_uint_eq(kbdiag_incident_peer_port(inc), 25);
	ck_assert_str_eq(kbdiag_incident_phase(inc), "body");
	ck_assert_str_eq(kbdiag_incident_last_command(inc), "DATA");
	ck_assert_str_eq(kbdiag_incident_first_seen(inc), "1994-03-01T09:19:42");
	ck_assert_str_eq(kbdiag_incident_last_seen(inc), "1994-03-01T09:30:15");
	ck_assert_uint_eq(kbdiag_incident_cause_count(inc), 4);
	for (i = 0; i < kbdiag_incident_cause_count(inc); i++) {
		c = kbdiag_incident_cause(inc, i);
		sum += kbdiag_cause_confidence(c);
		ck_assert_int_eq(kbdiag_cause_ruled_out(c), 0);
	}
	ck_assert_double_eq_tol(sum, 1.0, 1e-6);
	ck_assert_str_eq(kbdiag_cause_id(kbdiag_incident_cause(inc, 0)), "peer-host-down");
	ck_assert_ptr_null(kbdiag_incident_cause(inc, 4));
	ck_assert_uint_gt(kbdiag_incident_step_count(inc), 2);
	s = kbdiag_incident_step(inc, 0);
	ck_assert_uint_eq(kbdiag_step_number(s), 1);
	ck_assert_str_ne(kbdiag_step_id(s), "");
	/* the step's spans joined, the smart host filled in */
	ck_assert_ptr_nonnull(strstr(kbdiag_step_text(s), "telnet 127.0.0.1 25"));
	ck_assert_ptr_null(kbdiag_incident_step(inc, kbdiag_incident_step_count(inc)));
	kbdiag_result_free(r);
	kbdiag_result_free(NULL);
	free(log);
}
END_TEST

START_TEST(diagnose_lines_and_unreadable_file)
{
	static const char lines[] =
	    "09:19:42 - SMTP Smart-Host IP = \"10.9.8.7\"\n"
	    "09:19:43 - Error (119) Network Write Error\n";
	const char *files[2] = { "/nonexistent/smtpgate.log", NULL };
	char err[KBDIAG_ERR_LEN];
	struct kbdiag_result *r;

	ck_assert_int_eq(kbdiag_diagnose_lines(kb, "pasted", lines, strlen(lines), NULL, 0,
	    &r, err), 0);
	ck_assert_uint_eq(kbdiag_result_lines(r), 2);
	ck_assert_uint_eq(kbdiag_result_incident_count(r), 1);
	ck_assert_str_eq(kbdiag_incident_peer_host(kbdiag_result_incident(r, 0)), "10.9.8.7");
	kbdiag_result_free(r);
	/* a log that cannot be read is counted and named, not a failed call */
	ck_assert_int_eq(kbdiag_diagnose_files(kb, files, 1, "192.0.2.1:2525", 0, &r, err), 0);
	ck_assert_uint_eq(kbdiag_result_input_errors(r), 1);
	ck_assert_ptr_nonnull(strstr(kbdiag_result_input_error(r, 0), "/nonexistent/smtpgate.log"));
	ck_assert_uint_eq(kbdiag_result_incident_count(r), 0);
	kbdiag_result_free(r);
}
END_TEST

START_TEST(bad_parameters_are_errors)
{
	const char *files[2] = { "x.log", NULL };
	char err[KBDIAG_ERR_LEN];
	struct kbdiag_result *r = (struct kbdiag_result *)1;
	struct kbdiag_query *q = (struct kbdiag_query *)1;

	ck_assert_int_eq(kbdiag_diagnose_files(kb, files, 0, NULL, 0, &r, err), -1);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err, "no log given");
	ck_assert_int_eq(kbdiag_diagnose_files(kb, files, 2, NULL, 0, &r, err), -1);
	ck_assert_str_eq(err, "log 2 is NULL");
	ck_assert_int_eq(kbdiag_diagnose_files(kb, files, 1, NULL, 0x80, &r, err), -1);
	ck_assert_str_eq(err, "unknown flags 0x80");
	ck_assert_int_eq(kbdiag_diagnose_files(kb, files, 1, "bad host!", 0, &r, err), -1);
	ck_assert_msg(strncmp(err, "smart host ", 11) == 0, "err: %s", err);
	ck_assert_int_eq(kbdiag_diagnose_lines(NULL, NULL, "x", 1, NULL, 0, &r, err), -1);
	ck_assert_int_eq(kbdiag_query(kb, " \n\t", 3, &q, err), -1);
	ck_assert_ptr_null(q);
	ck_assert_str_eq(err, "no error text given");
}
END_TEST

/* kbdiag_result_write()'s output gathered; a write that fails once. */
struct gathered {
	char	*data;
	size_t	 len, calls;
	int	 fail;
};

static int
gather(void *arg, const char *p, size_t n)
{
	struct gathered *g = arg;

	g->calls++;
	if (g->fail)
		return -1;
	g->data = realloc(g->data, g->len + n + 1);
	memcpy(g->data + g->len, p, n);
	g->len += n;
	return 0;
}

/*
 * The report written as it is rendered is the rendered one (many incidents:
 * in parts); a write that fails is not called again and says 1; a bad
 * format or flag writes nothing.
 */
START_TEST(write_as_rendered)
{
	static const char *const formats[] = { "text", "markdown", "html", "json" };
	char err[KBDIAG_ERR_LEN], *out, *lines = NULL;
	struct kbdiag_result *r;
	size_t i, len, n = 0;
	FILE *f = open_memstream(&lines, &n);

	for (i = 0; i < 500; i++)
		fprintf(f, "{\"time\":\"2026-11-23T10:%02zu:%02zuZ\",\"text\":\"Error (119) "
		    "Network Write Error\",\"code\":119,\"phase\":\"body\",\"peer\":"
		    "\"10.0.%zu.%zu\",\"port\":25}\n", i / 60, i % 60, i / 256, i % 256);
	fclose(f);
	ck_assert_int_eq(kbdiag_diagnose_lines(kb, NULL, lines, n, NULL, 0, &r, err), 0);
	for (i = 0; i < 4; i++) {
		struct gathered g = { NULL, 0, 0, 0 };

		ck_assert_int_eq(kbdiag_result_render(r, formats[i], KBDIAG_EXPLAIN, &out, &len,
		    err), 0);
		ck_assert_msg(kbdiag_result_write(r, formats[i], KBDIAG_EXPLAIN, gather, &g,
		    err) == 0, "%s: %s", formats[i], err);
		ck_assert_msg(g.len == len && memcmp(g.data, out, len) == 0, "%s: %zu bytes "
		    "written, %zu rendered", formats[i], g.len, len);
		ck_assert_msg(g.calls > 1, "%s: %zu bytes in one part", formats[i], len);
		free(out);
		free(g.data);
		g = (struct gathered){ NULL, 0, 0, 1 };
		ck_assert_int_eq(kbdiag_result_write(r, formats[i], 0, gather, &g, err), 1);
		ck_assert_uint_eq(g.calls, 1);
	}
	{
		struct gathered g = { NULL, 0, 0, 0 };

		ck_assert_int_eq(kbdiag_result_write(r, "pdf", 0, gather, &g, err), -1);
		ck_assert_int_eq(kbdiag_result_write(r, "text", 0x10, gather, &g, err), -1);
		ck_assert_int_eq(kbdiag_result_write(r, "text", 0, NULL, &g, err), -1);
		ck_assert_uint_eq(g.calls, 0);
	}
	kbdiag_result_free(r);
	free(lines);
}
END_TEST

START_TEST(render_every_format)
{
	static const char lines[] = "09:19:43 - Error (119) Network Write Error <b>x</b>\n";
	static const char *const formats[] = { "text", "markdown", "html", "json" };
	char err[KBDIAG_ERR_LEN], *out;
	struct kbdiag_result *r;
	size_t i, len;

	ck_assert_int_eq(kbdiag_diagnose_lines(kb, NULL, lines, strlen(lines), "10.1.1.1", 0,
	    &r, err), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(kbdiag_result_render(r, formats[i], 0, &out, &len, err), 0);
		ck_assert_uint_eq(strlen(out), len);
		ck_assert_msg(strstr(out, "Q123827") != NULL, "%s: %s", formats[i], out);
		free(out);
	}
	ck_assert_int_eq(kbdiag_result_render(r, "text", KBDIAG_EXPLAIN, &out, &len, err), 0);
	ck_assert_ptr_nonnull(strstr(out, "after weighing against the other causes"));
	free(out);
	ck_assert_int_eq(kbdiag_result_render(r, "pdf", 0, &out, &len, err), -1);
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(err, "pdf") != NULL, "err: %s", err);
	ck_assert_int_eq(kbdiag_result_render(r, "text", 0x10, &out, &len, err), -1);
	kbdiag_result_free(r);
}
END_TEST

START_TEST(query_ranks_articles)
{
	static const char text[] = "Error (119) Network Write Error";
	char err[KBDIAG_ERR_LEN];
	struct kbdiag_query *q;

	ck_assert_int_eq(kbdiag_query(kb, text, strlen(text), &q, err), 0);
	ck_assert_uint_gt(kbdiag_query_count(q), 0);
	ck_assert_str_eq(kbdiag_query_article(q, 0), "Q123827");
	ck_assert_double_eq_tol(kbdiag_query_score(q, 0), 1.0, 1e-9);
	ck_assert_ptr_nonnull(strstr(kbdiag_query_title(q, 0), "Network Write Error"));
	ck_assert_ptr_null(kbdiag_query_article(q, kbdiag_query_count(q)));
	kbdiag_query_free(q);
	ck_assert_int_eq(kbdiag_query(kb, "the printer is on fire", 22, &q, err), 0);
	ck_assert_uint_eq(kbdiag_query_count(q), 0);
	kbdiag_query_free(q);
	kbdiag_query_free(NULL);
}
END_TEST

Suite *
api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("api");

	tcase_add_unchecked_fixture(tc, api_setup, api_teardown);
	tcase_add_test(tc, version_and_kb);
	tcase_add_test(tc, kb_load_error_names_the_directory);
	tcase_add_test(tc, diagnose_sample_file);
	tcase_add_test(tc, diagnose_lines_and_unreadable_file);
	tcase_add_test(tc, bad_parameters_are_errors);
	tcase_add_test(tc, render_every_format);
	tcase_add_test(tc, write_as_rendered);
	tcase_add_test(tc, query_ranks_articles);
	suite_add_tcase(s, tc);
	return s;
}
