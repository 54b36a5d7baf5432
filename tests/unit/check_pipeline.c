/*
 * The diagnosis pipeline after the matcher: correlate (incidents, companion
 * lines), rank (confidences), plan (filled steps) and diag (inputs, warnings,
 * progress). The data-driven cases in tests/cases/diagnose.test cover whole
 * logs; these tests cover what a case file cannot express.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "diag.h"
#include "plan.h"
#include "rank.h"
#include "testutil.h"
#include "util/xmem.h"

static struct kb *kb;
static struct matcher *m;
static char *dir;

static void
setup(void)
{
	kb = tu_kb_mini();
	m = tu_matcher(kb);
	dir = tu_tmpdir();
}

static void
teardown(void)
{
	match_free(m);
	kb_free(kb);
	tu_rmtree(dir);
	free(dir);
}

/* Write a log into the test directory; returns its path (caller frees). */
static char *
log_file(const char *name, const char *text)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s/%s", dir, name);
	tu_write_str(buf_str(&b), text);
	return buf_detach(&b);
}

static struct diagnosis *
diagnose_files(const char **files, size_t n)
{
	struct diag_params p = { 0 };
	struct diagnosis *d;

	p.kb = kb;
	p.matcher = m;
	p.files = files;
	p.nfiles = n;
	ck_assert_int_eq(diag_run(&p, &d), 0);
	return d;
}

static struct diagnosis *
diagnose_text(const char *text)
{
	char *path = log_file("one.log", text);
	const char *files[1] = { path };
	struct diagnosis *d = diagnose_files(files, 1);

	free(path);
	return d;
}

/* An article whose primary symptom is Q100709's companion line. */
static const char recv_article[] =
    "<?xml version=\"1.0\"?>\n"
    "<article id=\"Q100512\" kind=\"errmsg\">\n"
    "  <title>SMTP: Err Msg: SMTP_recv:system error</title>\n"
    "  <applies-to><product name=\"Microsoft Mail Gateway to SMTP\" versions=\"2.1, 3.0\"/></applies-to>\n"
    "  <summary>The receive routine failed.</summary>\n"
    "  <symptoms>\n"
    "    <symptom id=\"recv-system\" role=\"primary\">\n"
    "      <message>SMTP_recv: system error</message>\n"
    "      <pattern>\\bSMTP_recv: *system error</pattern>\n"
    "      <example>SMTP_recv: system error</example>\n"
    "    </symptom>\n"
    "  </symptoms>\n"
    "  <causes><cause ref=\"tcpip-layer-error\" prior=\"1\"/></causes>\n"
    "  <resolution><step ref=\"resend\"/><step ref=\"protocol-analyzer\"/></resolution>\n"
    "<provenance archive=\"t\" encoded=\"2026-01-01\"/></article>\n";

static void
add_recv_article(void)
{
	char err[ERR_LEN];

	match_free(m);
	ck_assert_msg(kb_add_article(kb, "Q100512.xml", recv_article, strlen(recv_article),
	    err) == 0, "%s", err);
	m = tu_matcher(kb);
}

START_TEST(companion_line_is_not_another_articles_incident)
{
	struct diagnosis *d;

	add_recv_article();
	d = diagnose_text("09:26:44 - ERROR Network_read: Lost network connection\n"
	    "09:26:44 - SMTP_recv: system error\n");
	ck_assert_uint_eq(d->nincidents, 1);
	ck_assert_str_eq(d->incidents[0].article, "Q100709");
	ck_assert_uint_eq(d->incidents[0].companions, 1);
	diag_free(d);

	/* On its own, the same line is Q100512's. */
	d = diagnose_text("09:26:44 - SMTP_recv: system error\n");
	ck_assert_uint_eq(d->nincidents, 1);
	ck_assert_str_eq(d->incidents[0].article, "Q100512");
	ck_assert_uint_eq(d->incidents[0].count, 1);
	diag_free(d);
}
END_TEST

START_TEST(companions_do_not_reach_into_the_next_log)
{
	char *a = log_file("a.log", "09:26:44 - ERROR Network_read: Lost network connection\n");
	char *b = log_file("b.log", "09:26:44 - SMTP_recv: system error\n");
	const char *files[2] = { a, b };
	struct diagnosis *d = diagnose_files(files, 2);

	ck_assert_uint_eq(d->nincidents, 1);
	ck_assert_uint_eq(d->incidents[0].companions, 0);
	ck_assert_uint_eq(d->ninputs, 2);
	ck_assert_uint_eq(d->inputs[0].lines, 1);
	ck_assert_uint_eq(d->inputs[1].lines, 1);
	diag_free(d);
	free(a);
	free(b);
}
END_TEST

START_TEST(incidents_span_logs_and_keep_the_first_locations)
{
	struct buf text = BUF_INIT;
	char *a, *b;
	const char *files[2];
	struct diagnosis *d;
	int i;

	buf_puts(&text, "08:00:00 -   SMTP Smart-Host IP = \"127.0.0.1\"\n");
	for (i = 0; i < 12; i++)
		buf_printf(&text, "08:%02d:00 - Error (119) Network Write Error,\n", i + 1);
	/* One source: a rotated set (given newest first, read oldest first). */
	a = log_file("gw.log.1", buf_str(&text));
	b = log_file("gw.log", "08:00:00 -   SMTP Smart-Host IP = \"127.0.0.1\"\n"
	    "09:00:00 - Error (119) Network Write Error,\n");
	files[0] = b;
	files[1] = a;
	d = diagnose_files(files, 2);
	ck_assert_uint_eq(d->nincidents, 1);
	ck_assert_uint_eq(d->incidents[0].count, 13);
	ck_assert_uint_eq(d->incidents[0].nlocations, DIAG_MAX_LOCATIONS);
	ck_assert_uint_eq(d->incidents[0].locations[0].line, 2);
	ck_assert_str_eq(d->incidents[0].first_seen, "08:01:00");
	ck_assert_str_eq(d->incidents[0].last_seen, "09:00:00");
	diag_free(d);
	buf_free(&text);
	free(a);
	free(b);
}
END_TEST

START_TEST(a_missing_log_does_not_stop_the_others)
{
	char *good = log_file("good.log", "10:41:07 - Error (119) Network Write Error,\n");
	char *missing = tu_src("tests/no-such.log");
	const char *files[2] = { missing, good };
	struct diagnosis *d = diagnose_files(files, 2);

	ck_assert_uint_eq(diag_input_errors(d), 1);
	ck_assert_ptr_nonnull(d->inputs[0].error);
	ck_assert_contains(d->inputs[0].error, "no-such.log: No such file or directory");
	ck_assert_ptr_null(d->inputs[0].format);
	ck_assert_ptr_null(d->inputs[1].error);
	ck_assert_str_eq(d->inputs[1].format, "legacy");
	ck_assert_uint_eq(d->nincidents, 1);
	diag_free(d);
	free(good);
	free(missing);
}
END_TEST

START_TEST(a_read_error_is_recorded_with_what_was_read)
{
	const char *files[1] = { "/proc/self/mem" };
	struct diagnosis *d = diagnose_files(files, 1);

	ck_assert_uint_eq(diag_input_errors(d), 1);
	ck_assert_contains(d->inputs[0].error, "/proc/self/mem: read error");
	diag_free(d);
}
END_TEST

START_TEST(warnings_are_capped_and_counted)
{
	struct diagnosis *d = xcalloc(1, sizeof(*d));
	size_t i;

	for (i = 0; i < DIAG_MAX_WARNINGS + 5; i++)
		diag_warn(d, "warning %zu", i);
	ck_assert_uint_eq(d->nwarnings, DIAG_MAX_WARNINGS);
	ck_assert_uint_eq(d->warnings_dropped, 5);
	ck_assert_str_eq(d->warnings[0], "warning 0");
	diag_free(d);
}
END_TEST

static unsigned long long progress_done, progress_total;
static int progress_calls;

static void
on_progress(void *arg, const char *file, unsigned long long done, unsigned long long total)
{
	(void)arg;
	(void)file;
	progress_calls++;
	progress_done = done;
	progress_total = total;
}

START_TEST(progress_ends_at_the_size_of_the_log)
{
	struct diag_params p = { 0 };
	struct diagnosis *d;
	struct buf text = BUF_INIT;
	char *path;
	const char *files[1];
	int i;

	for (i = 0; i < 200000; i++)
		buf_puts(&text, "09:16:08 - Idling:  51342 bytes, largest 49870\n");
	path = log_file("big.log", buf_str(&text));
	files[0] = path;
	p.kb = kb;
	p.matcher = m;
	p.files = files;
	p.nfiles = 1;
	p.progress = on_progress;
	progress_calls = 0;
	diag_run(&p, &d);
	ck_assert_int_gt(progress_calls, 1);
	ck_assert_uint_eq(progress_done, text.len);
	ck_assert_uint_eq(progress_total, text.len);
	ck_assert_uint_eq(d->inputs[0].lines, 200000);
	diag_free(d);
	buf_free(&text);
	free(path);
}
END_TEST

/* ---------------------------------------------------------------------- */

START_TEST(confidences_sum_to_one_best_first)
{
	struct diag_incident inc;
	double sum = 0;
	size_t i;

	memset(&inc, 0, sizeof(inc));
	inc.kb_article = kb_find_article(kb, "Q123827");
	rank_causes(&inc);
	ck_assert_uint_eq(inc.ncauses, 4);
	for (i = 0; i < inc.ncauses; i++) {
		sum += inc.causes[i].confidence;
		if (i)
			ck_assert_double_ge(inc.causes[i - 1].confidence, inc.causes[i].confidence);
		ck_assert_uint_eq(inc.causes[i].nevidence, 0);
	}
	ck_assert_double_eq_tol(sum, 1.0, 1e-9);
	/* Equal priors keep the article's order. */
	ck_assert_str_eq(inc.causes[0].id, "tcpip-layer-error");
	ck_assert_str_eq(inc.causes[1].id, "peer-host-down");
	ck_assert_str_eq(inc.causes[2].id, "network-path-down");
	ck_assert_str_eq(inc.causes[3].id, "peer-requires-push");
	ck_assert_str_eq(rank_basis(&inc), "prior");
	diag_incident_clear(&inc);
}
END_TEST

START_TEST(higher_prior_ranks_first)
{
	char *art = tu_article("Q999001", NULL,
	    "<cause ref=\"tcpip-layer-error\" prior=\"0.1\"/>"
	    "<cause ref=\"peer-host-down\" prior=\"0.6\"/>"
	    "<cause ref=\"network-path-down\" prior=\"0.3\"/>", NULL);
	struct diag_incident inc;
	char err[ERR_LEN];

	ck_assert_msg(kb_add_article(kb, "Q999001.xml", art, strlen(art), err) == 0, "%s", err);
	free(art);
	memset(&inc, 0, sizeof(inc));
	inc.kb_article = kb_find_article(kb, "Q999001");
	rank_causes(&inc);
	ck_assert_str_eq(inc.causes[0].id, "peer-host-down");
	ck_assert_double_eq_tol(inc.causes[0].confidence, 0.6, 1e-9);
	ck_assert_str_eq(inc.causes[1].id, "network-path-down");
	ck_assert_str_eq(inc.causes[2].id, "tcpip-layer-error");
	diag_incident_clear(&inc);
}
END_TEST

static char *
step_text(const struct diag_step *s, int code_only)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < s->nspans; i++)
		if (!code_only || s->spans[i].code)
			buf_printf(&b, "%s|", s->spans[i].text);
	return buf_detach(&b);
}

START_TEST(steps_are_filled_from_the_peer)
{
	struct diag_incident inc;
	char *code;

	memset(&inc, 0, sizeof(inc));
	inc.kb_article = kb_find_article(kb, "Q123827");
	inc.peer.host = xstrdup("mail.example.net");
	inc.peer.port = 2525;
	plan_steps(&inc);
	ck_assert_uint_eq(inc.nsteps, 5);
	ck_assert_uint_eq(inc.steps[0].n, 1);
	ck_assert_uint_eq(inc.steps[4].n, 5);
	ck_assert_str_eq(inc.steps[0].id, "telnet-smarthost");
	code = step_text(&inc.steps[0], 1);
	ck_assert_str_eq(code, "telnet mail.example.net 2525|ping mail.example.net|");
	free(code);
	code = step_text(&inc.steps[2], 0);
	ck_assert_contains(code, "between the gateway PC and mail.example.net and capture");
	free(code);
	ck_assert_uint_eq(inc.steps[0].naddresses, 3);
	ck_assert_str_eq(inc.steps[4].addresses[0], "peer-requires-push");
	diag_incident_clear(&inc);
}
END_TEST

START_TEST(unknown_peer_reads_as_a_placeholder)
{
	struct diag_incident inc;
	char *all, *code;

	memset(&inc, 0, sizeof(inc));
	inc.kb_article = kb_find_article(kb, "Q123827");
	plan_steps(&inc);
	code = step_text(&inc.steps[0], 1);
	ck_assert_str_eq(code, "telnet " PLAN_UNKNOWN_HOST_CODE " 25|ping "
	    PLAN_UNKNOWN_HOST_CODE "|");
	all = step_text(&inc.steps[2], 0);
	ck_assert_contains(all, "gateway PC and " PLAN_UNKNOWN_HOST_TEXT " and capture");
	free(code);
	free(all);
	diag_incident_clear(&inc);
}
END_TEST

START_TEST(facts_reach_the_steps)
{
	struct diag_incident inc;
	char *t;

	memset(&inc, 0, sizeof(inc));
	inc.kb_article = kb_find_article(kb, "Q100709");
	plan_steps(&inc);
	t = step_text(&inc.steps[3], 0);
	ck_assert_contains(t, "LANMAN.DOS\\DRIVERS\\PROTOCOL\\TCPIP");
	ck_assert_contains(t, "dated 1994-02-01");
	ck_assert_contains(t, "42716 bytes");
	free(t);
	t = step_text(&inc.steps[4], 1);
	ck_assert_str_eq(t, "ForcePushBit=1|[TCPIP]|[TCPIP_XIF]|");
	free(t);
	diag_incident_clear(&inc);
}
END_TEST

Suite *
pipeline_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("correlate");
	TCase *tr = tcase_create("rank-plan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, companion_line_is_not_another_articles_incident);
	tcase_add_test(tc, companions_do_not_reach_into_the_next_log);
	tcase_add_test(tc, incidents_span_logs_and_keep_the_first_locations);
	tcase_add_test(tc, a_missing_log_does_not_stop_the_others);
	tcase_add_test(tc, a_read_error_is_recorded_with_what_was_read);
	tcase_add_test(tc, warnings_are_capped_and_counted);
	tcase_add_test(tc, progress_ends_at_the_size_of_the_log);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_test(tr, confidences_sum_to_one_best_first);
	tcase_add_test(tr, higher_prior_ranks_first);
	tcase_add_test(tr, steps_are_filled_from_the_peer);
	tcase_add_test(tr, unknown_peer_reads_as_a_placeholder);
	tcase_add_test(tr, facts_reach_the_steps);
	suite_add_tcase(s, tr);
	return s;
}
