/*
 * gwdiag: smtpgw's in-process diagnosis, directly (issue 16: the module was
 * only tested through smtpgw processes, in check_smtpgw). Each test holds a
 * promise of gwdiag.h: the summary line and the two files per failure, the
 * numbering that never overwrites, the quiet period that shares one report
 * and one probe round per smart host, a failure the rule base does not know,
 * and the errors of gwdiag_open().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gwdiag.h"
#include "probe.h"
#include "testutil.h"

/* An Error (119) in the body, as smtpgw's events say it (docs/events.md). */
#define EV_119(peer) "{\"time\":\"2026-11-23T10:15:02Z\",\"text\":\"Error (119) Network " \
	"Write Error\",\"code\":119,\"class\":\"tempfail\",\"phase\":\"body\",\"last_command\":" \
	"\"DATA\",\"last_reply\":\"354 go ahead\",\"errno\":\"EPIPE\",\"peer\":\"" peer "\"," \
	"\"port\":2525}"
#define EV_UNKNOWN "{\"time\":\"2026-11-23T10:15:02Z\",\"text\":\"all is well, nothing " \
	"failed\",\"code\":null,\"class\":\"info\",\"peer\":\"127.0.0.1\",\"port\":2525}"

static char *dir, *reports;
static struct gwdiag *g;

static void
setup(void)
{
	char err[ERR_LEN], *kb = tu_src("kb");

	dir = tu_tmpdir();
	reports = tu_join(dir, "reports");
	ck_assert_msg(gwdiag_open(kb, reports, &g, err) == 0, "%s", err);
	free(kb);
}

static void
teardown(void)
{
	gwdiag_close(g);
	g = NULL;
	tu_rmtree(dir);
	free(reports);
	free(dir);
}

/* One failure: returns 0; summary and report as out-parameters. */
static void
one_failure(const char *ev, const char *qid, char summary[512], char report[512])
{
	char err[ERR_LEN] = "";

	ck_assert_msg(gwdiag_failure(g, ev, qid, summary, 512, report, 512, err) == 0,
	    "%s", err);
}

static int
exists(const char *name)
{
	char *p = tu_join(reports, name);
	int yes = access(p, F_OK) == 0;

	free(p);
	return yes;
}

/* The reports directory is made; the rule base's directory and quiet period. */
START_TEST(open_makes_the_reports_directory)
{
	struct stat st;
	char *kb = tu_src("kb");

	ck_assert_int_eq(stat(reports, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_str_eq(gwdiag_kb_dir(g), kb);
	ck_assert_uint_gt(gwdiag_quiet(g), 0);	/* the rule base's, or the default */
	gwdiag_set_quiet(g, 7);
	ck_assert_uint_eq(gwdiag_quiet(g), 7);
	ck_assert_uint_eq(gwdiag_rounds(g), 0);
	free(kb);
}
END_TEST

/* A known failure: the summary names the article, a cause with its share and
 * the first step; QUEUEID.1.json holds the event, QUEUEID.1.md the report. */
START_TEST(failure_writes_event_and_report)
{
	char summary[512], report[512], *md, *json, *p;

	one_failure(EV_119("127.0.0.1"), "Q1", summary, report);
	ck_assert_msg(strncmp(summary, "Q", 1) == 0 && strstr(summary, "%); first step: "),
	    "summary: %s", summary);
	p = tu_join(reports, "Q1.1.md");
	ck_assert_str_eq(report, p);
	md = tu_read(p, NULL);
	ck_assert_msg(strstr(md, "Error (119)") != NULL, "report: %.400s", md);
	free(p);
	p = tu_join(reports, "Q1.1.json");
	json = tu_read(p, NULL);
	ck_assert_str_eq(json, EV_119("127.0.0.1") "\n");
	ck_assert(!exists("Q1.1.json.tmp") && !exists("Q1.1.md.tmp"));
	free(p);
	free(json);
	free(md);
}
END_TEST

/* In one quiet period, the same article on the same smart host shares the
 * first report: no new files, the log line counts the failure. */
START_TEST(quiet_period_shares_the_report)
{
	char s1[512], r1[512], s2[512], r2[512], s3[512], r3[512];

	gwdiag_set_quiet(g, 3600);
	one_failure(EV_119("127.0.0.1"), "Q", s1, r1);
	one_failure(EV_119("127.0.0.1"), "Q", s2, r2);
	ck_assert_str_eq(r2, r1);
	ck_assert_msg(strncmp(s2, s1, strlen(s1)) == 0 &&
	    strstr(s2, "(failure 2 of this quiet period of 127.0.0.1:2525, since "),
	    "%s", s2);
	ck_assert_uint_eq(tu_count_files(reports, ".", ".md"), 1);
	ck_assert_uint_eq(tu_count_files(reports, ".", ".json"), 1);
	/* another smart host has a period of its own; N counts the message's
	 * reports (the shared second failure made none), so this is the second */
	one_failure(EV_119("192.0.2.7"), "Q", s3, r3);
	ck_assert_str_ne(r3, r1);
	ck_assert(exists("Q.2.md") && exists("Q.2.json"));
	ck_assert_uint_eq(tu_count_files(reports, ".", ".md"), 2);
}
END_TEST

/* Without a quiet period every failure has its own report, numbered on. */
START_TEST(no_quiet_period_reports_each)
{
	char s[512], r[512];

	gwdiag_set_quiet(g, 0);
	one_failure(EV_119("127.0.0.1"), "Q", s, r);
	one_failure(EV_119("127.0.0.1"), "Q", s, r);
	one_failure(EV_119("127.0.0.1"), "Q", s, r);
	ck_assert(strstr(s, "quiet period") == NULL);
	ck_assert(exists("Q.1.md") && exists("Q.2.md") && exists("Q.3.md"));
	ck_assert_uint_eq(tu_count_files(reports, ".", ".json"), 3);
}
END_TEST

/* Each message numbers its own reports: another's in between leave no gap. */
START_TEST(numbering_is_per_message)
{
	char s[512], r[512];

	gwdiag_set_quiet(g, 0);
	one_failure(EV_119("127.0.0.1"), "Q1", s, r);
	one_failure(EV_119("127.0.0.1"), "Q2", s, r);
	one_failure(EV_119("127.0.0.1"), "Q1", s, r);
	one_failure(EV_119("127.0.0.1"), "Q2", s, r);
	ck_assert_msg(strstr(r, "/Q2.2.md") != NULL, "%s", r);
	ck_assert(exists("Q1.1.md") && exists("Q1.2.md") && exists("Q2.1.md") &&
	    exists("Q2.2.json"));
	ck_assert(!exists("Q1.3.md") && !exists("Q2.3.md") && !exists("Q2.4.md"));
	ck_assert_uint_eq(tu_count_files(reports, ".", ".md"), 4);
}
END_TEST

/* A later process never overwrites an earlier one's reports: the first N
 * whose files are both free; no queue id names the files "gateway". */
START_TEST(numbering_skips_existing_files)
{
	char s[512], r[512], *old = tu_join(reports, "Q.1.md"), *old2 = tu_join(reports, "Q.2.json");
	char *data;

	tu_write_str(old, "earlier run\n");
	tu_write_str(old2, "earlier run\n");
	one_failure(EV_119("127.0.0.1"), "Q", s, r);
	ck_assert(exists("Q.3.md") && exists("Q.3.json"));
	ck_assert(!exists("Q.1.json") && !exists("Q.2.md"));
	data = tu_read(old, NULL);
	ck_assert_str_eq(data, "earlier run\n");
	free(data);
	gwdiag_set_quiet(g, 0);
	one_failure(EV_119("127.0.0.1"), NULL, s, r);
	ck_assert_msg(strstr(r, "/gateway.") != NULL, "%s", r);
	free(old);
	free(old2);
}
END_TEST

/* A line the rule base does not know: said so, no files. */
START_TEST(unknown_failure_writes_nothing)
{
	char s[512] = "x", r[512] = "x";

	one_failure(EV_UNKNOWN, "Q", s, r);
	ck_assert_str_eq(s, "no article of the rule base is about this failure");
	ck_assert_str_eq(r, "");
	ck_assert_uint_eq(tu_count_files(reports, ".", ".md"), 0);
	ck_assert_uint_eq(tu_count_files(reports, ".", ".json"), 0);
}
END_TEST

/* With probes: one round per smart host per quiet period, however many
 * failures; a new period (quiet 0: each failure) runs a new one. The round is
 * offline (no network here): what is counted is the rounds, not their result. */
START_TEST(one_probe_round_per_quiet_period)
{
	struct probe_params tmpl;
	char s[512], r[512];

	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.offline = 1;
	tmpl.timeout_ms = 200;
	gwdiag_set_probes(g, &tmpl, "127.0.0.1", 2525);
	gwdiag_set_quiet(g, 3600);
	one_failure(EV_119("127.0.0.1"), "Q", s, r);
	ck_assert_uint_eq(gwdiag_rounds(g), 1);
	one_failure(EV_119("127.0.0.1"), "Q", s, r);
	one_failure(EV_119("127.0.0.1"), "Q", s, r);
	ck_assert_uint_eq(gwdiag_rounds(g), 1);
	ck_assert_msg(strstr(s, "failure 3 of this quiet period") != NULL, "%s", s);
	gwdiag_set_quiet(g, 0);
	one_failure(EV_119("127.0.0.1"), "Q", s, r);
	ck_assert_uint_eq(gwdiag_rounds(g), 2);
	one_failure(EV_119("127.0.0.1"), "Q", s, r);
	ck_assert_uint_eq(gwdiag_rounds(g), 3);
}
END_TEST

/* gwdiag_open's errors: a reports path that cannot be made, a rule base that
 * is not there; nothing is returned with them. */
START_TEST(open_errors)
{
	char err[ERR_LEN], *file = tu_join(dir, "plain"), *under = tu_join(file, "reports");
	char *kb = tu_src("kb"), *nokb = tu_join(dir, "no-kb");
	struct gwdiag *h = (struct gwdiag *)&h;

	tu_write_str(file, "a file, not a directory\n");
	ck_assert_int_eq(gwdiag_open(kb, under, &h, err), -1);
	ck_assert_ptr_null(h);
	ck_assert_msg(strstr(err, "--reports ") && strstr(err, "Not a directory"), "%s", err);
	h = (struct gwdiag *)&h;
	ck_assert_int_eq(gwdiag_open(nokb, reports, &h, err), -1);
	ck_assert_ptr_null(h);
	ck_assert_msg(strncmp(err, "--diagnose: invalid rule base: ", 31) == 0, "%s", err);
	gwdiag_close(NULL);
	free(nokb);
	free(kb);
	free(under);
	free(file);
}
END_TEST

Suite *
gwdiag_suite(void)
{
	Suite *s = suite_create("gwdiag");
	TCase *tc = tcase_create("gwdiag");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, open_makes_the_reports_directory);
	tcase_add_test(tc, failure_writes_event_and_report);
	tcase_add_test(tc, quiet_period_shares_the_report);
	tcase_add_test(tc, no_quiet_period_reports_each);
	tcase_add_test(tc, numbering_is_per_message);
	tcase_add_test(tc, numbering_skips_existing_files);
	tcase_add_test(tc, unknown_failure_writes_nothing);
	tcase_add_test(tc, one_probe_round_per_quiet_period);
	tcase_add_test(tc, open_errors);
	suite_add_tcase(s, tc);
	return s;
}
