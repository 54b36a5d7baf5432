/*
 * smtpgw: the command line, the legacy table against its documentation and
 * against the rule base, and `kbdiag diagnose` on the gateway's own logs.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "gwpeer.h"
#include "legacy.h"
#include "query.h"
#include "testutil.h"
#include "xmem.h"

/* Run build/smtpgw with the arguments (NULL-terminated). */
static void
smtpgw(struct tu_run *r, const char *in, ...)
{
	char *argv[64];
	va_list ap;
	int n = 0;

	argv[n++] = tu_build("smtpgw");
	va_start(ap, in);
	while ((argv[n] = va_arg(ap, char *)) != NULL && n < 62)
		n++;
	va_end(ap);
	argv[n] = NULL;
	tu_runv(r, in, in ? strlen(in) : 0, argv);
	free(argv[0]);
}

static char *
scratch(const char *name)
{
	return tu_scratch_path(name);
}

/* The table in docs/smtpgw.md is the table of gateway/legacy.def. */
START_TEST(legacy_table_documented)
{
	char *path = tu_src("docs/smtpgw.md"), *doc = tu_read(path, NULL), *at, *end;
	size_t row = 0;

	at = strstr(doc, "<!-- legacy-table: begins -->");
	end = strstr(doc, "<!-- legacy-table: ends -->");
	ck_assert_msg(at && end, "docs/smtpgw.md lacks the legacy-table markers");
	at = strchr(at, '\n') + 1;
	at = strchr(at, '\n') + 1;	/* the header */
	at = strchr(at, '\n') + 1;	/* |---| */
	while (at < end) {
		char *nl = strchr(at, '\n');
		const struct legacy_entry *e;
		struct buf want = BUF_INIT;
		char code[16];

		ck_assert_msg(row < LEGACY_NCONDS, "docs/smtpgw.md has more rows than legacy.def");
		e = &legacy_table[row];
		snprintf(code, sizeof(code), "%d", e->code);
		buf_printf(&want, "| `%s` | %s | `%.*s`%s | %s | %s | %s |", e->name,
		    e->code ? code : "-", (int)(strlen(e->text) -
		    (e->text[strlen(e->text) - 1] == ' ')), e->text,
		    e->text[strlen(e->text) - 1] == ' ' ? " + detail" : "",
		    legacy_class_to_text(e->class), e->rfc3463, e->kb ? "yes" : "no");
		ck_assert_msg(strncmp(at, buf_str(&want), want.len) == 0,
		    "docs/smtpgw.md legacy table row %zu:\n  %.*s\nwant it to start:\n  %s",
		    row + 1, (int)(nl - at), at, buf_str(&want));
		buf_free(&want);
		row++;
		at = nl + 1;
	}
	ck_assert_msg(row == LEGACY_NCONDS, "docs/smtpgw.md has %zu rows, legacy.def %d", row,
	    LEGACY_NCONDS);
	free(doc);
	free(path);
}
END_TEST

/* Every line smtpgw can print is one the rule base knows, by its pattern. */
START_TEST(legacy_lines_known_to_kb)
{
	struct kb *kb = tu_kb();
	struct matcher *m = tu_matcher(kb);
	size_t i, unknown = 0;

	for (i = 0; i < LEGACY_NCONDS; i++) {
		const struct legacy_entry *e = &legacy_table[i];
		struct query_results *q;
		struct buf line = BUF_INIT;

		buf_puts(&line, e->text);
		if (i == LEGACY_RETRY_EXCEEDED)
			buf_puts(&line, "/var/spool/smtpgw/bad/20261124T022345.797498.18444.0");
		if (!e->kb) {
			/* only the SMTP refusals may be unknown: see docs/smtpgw.md */
			ck_assert_msg(i == LEGACY_REPLY_TEMP || i == LEGACY_REPLY_PERM,
			    "%s is marked unknown to the rule base", e->name);
			unknown++;
			buf_free(&line);
			continue;
		}
		q = query_run(kb, m, buf_str(&line), line.len);
		ck_assert_msg(q->nresults > 0, "no article for \"%s\"", buf_str(&line));
		ck_assert_msg(q->results[0].how == QUERY_PATTERN &&
		    q->results[0].score >= QUERY_MIN_SCORE,
		    "\"%s\": the best article (%s, %.2f) is not by a symptom pattern",
		    buf_str(&line), q->results[0].article->id, q->results[0].score);
		query_free(q);
		buf_free(&line);
	}
	ck_assert_uint_eq(unknown, 2);
	match_free(m);
	kb_free(kb);
}
END_TEST

START_TEST(submit_and_queue)
{
	char *sp = scratch("cli-spool");
	struct tu_run r;
	json_t *a, *m;
	json_error_t je;
	char id[128];

	smtpgw(&r, "From: a@example.org\nTo: B <b@example.org>\nBcc: c@example.org\n"
	    "Subject: s\n\nhello\n", "submit", "--spool", sp, "-f", "a@example.org", "-t", NULL);
	ck_assert_msg(r.status == 0, "submit: %d %s", r.status, r.err);
	snprintf(id, sizeof(id), "%.*s", (int)strcspn(r.out, "\n"), r.out);
	tu_run_free(&r);
	smtpgw(&r, NULL, "queue", "--spool", sp, "--format", "json", NULL);
	ck_assert_int_eq(r.status, 0);
	a = json_loads(r.out, 0, &je);
	ck_assert_msg(json_is_array(a) && json_array_size(a) == 1, "%s", r.out);
	m = json_array_get(a, 0);
	ck_assert_str_eq(json_string_value(json_object_get(m, "id")), id);
	ck_assert_str_eq(json_string_value(json_object_get(m, "state")), "new");
	ck_assert_int_eq(json_integer_value(json_object_get(m, "attempts")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(m, "rcpts")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(m, "rcpts"), 1)),
	    "c@example.org");
	ck_assert_msg(json_is_null(json_object_get(m, "last_error")), "last_error");
	json_decref(a);
	tu_run_free(&r);
	smtpgw(&r, NULL, "queue", "--spool", sp, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, id);
	ck_assert_contains(r.out, " new ");
	tu_run_free(&r);
	free(sp);
}
END_TEST

START_TEST(usage_errors)
{
	char *sp = scratch("usage-spool");
	struct tu_run r;

	smtpgw(&r, NULL, NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	smtpgw(&r, NULL, "send", "--spool", sp, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "unknown command \"send\"");
	tu_run_free(&r);
	smtpgw(&r, NULL, "queue", NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "--spool DIR is required");
	tu_run_free(&r);
	smtpgw(&r, NULL, "run", "--spool", sp, "--once", NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "--smarthost");
	tu_run_free(&r);
	smtpgw(&r, NULL, "run", "--spool", sp, "--smarthost", "127.0.0.1:99999", NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	smtpgw(&r, "Subject: x\n\n", "submit", "--spool", sp, "-t", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "names no recipient");
	tu_run_free(&r);
	smtpgw(&r, "x\n", "submit", "--spool", sp, "bad<addr>", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "invalid recipient");
	tu_run_free(&r);
	smtpgw(&r, NULL, "flush", "--spool", sp, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "no earlier run saved one");
	tu_run_free(&r);
	free(sp);
}
END_TEST

/* The incident of article in a `kbdiag diagnose --format json` output. */
static json_t *
incident(const char *out, const char *article, json_t **root)
{
	json_error_t je;
	json_t *incs;
	size_t i;

	*root = json_loads(out, 0, &je);
	ck_assert_msg(*root != NULL, "kbdiag output is not JSON: %s", je.text);
	incs = json_object_get(*root, "incidents");
	for (i = 0; i < json_array_size(incs); i++) {
		json_t *inc = json_array_get(incs, i);

		if (strcmp(json_string_value(json_object_get(inc, "article")), article) == 0)
			return inc;
	}
	ck_abort_msg("no %s incident in:\n%s", article, out);
	return NULL;
}

static void
expect_incident(const char *out, const char *article, unsigned port, const char *phase)
{
	json_t *root, *inc = incident(out, article, &root), *peer;

	peer = json_object_get(inc, "peer");
	ck_assert_str_eq(json_string_value(json_object_get(peer, "host")), "127.0.0.1");
	ck_assert_int_eq(json_integer_value(json_object_get(peer, "port")), port);
	ck_assert_msg(json_string_value(json_object_get(inc, "phase")) != NULL &&
	    strcmp(json_string_value(json_object_get(inc, "phase")), phase) == 0,
	    "%s: phase %s, want %s", article, json_string_value(json_object_get(inc, "phase")),
	    phase);
	json_decref(root);
}

/* A real failed run, then kbdiag on its text log and on its events. */
START_TEST(diagnose_own_logs)
{
	char *sp = scratch("diag-spool"), *log = scratch("diag.log"), *ev = scratch("diag.json");
	char *mail = scratch("diag-mail"), host1[64], host2[64];
	struct gwpeer p1, p2;
	struct tu_run r;

	smtpgw(&r, "Subject: x\n\nhello\n", "submit", "--spool", sp, "-f", "a@example.org",
	    "b@example.org", NULL);
	ck_assert_int_eq(r.status, 0);
	tu_run_free(&r);
	gwpeer_start(&p1, "close-after-greeting", mail);
	snprintf(host1, sizeof(host1), "127.0.0.1:%u", p1.port);
	smtpgw(&r, NULL, "run", "--once", "-v", "--spool", sp, "--smarthost", host1, "--log", log,
	    "--events", ev, "-W", "0", NULL);
	ck_assert_msg(r.status == 1, "run: %d %s", r.status, r.err);
	tu_run_free(&r);
	gwpeer_stop(&p1);
	gwpeer_start(&p2, "no-final-reply", mail);
	snprintf(host2, sizeof(host2), "127.0.0.1:%u", p2.port);
	smtpgw(&r, NULL, "run", "--once", "-v", "--spool", sp, "--smarthost", host2, "--log", log,
	    "--events", ev, "--data-timeout", "1", NULL);
	ck_assert_msg(r.status == 1, "run: %d %s", r.status, r.err);
	tu_run_free(&r);
	gwpeer_stop(&p2);

	tu_kbdiag(&r, NULL, 0, "diagnose", "--offline", "--format", "json", log, NULL);
	ck_assert_msg(r.status == 0, "kbdiag diagnose %s: %d %s", log, r.status, r.err);
	expect_incident(r.out, "Q100709", p1.port, "helo");
	expect_incident(r.out, "Q101682", p2.port, "end-of-data");
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "diagnose", "--offline", "--format", "json", ev, NULL);
	ck_assert_msg(r.status == 0, "kbdiag diagnose %s: %d %s", ev, r.status, r.err);
	expect_incident(r.out, "Q100709", p1.port, "helo");
	expect_incident(r.out, "Q101682", p2.port, "end-of-data");
	tu_run_free(&r);

	/* flush with the smart host the last run saved: the message goes */
	gwpeer_start(&p1, "none", mail);
	{
		struct buf b = BUF_INIT;
		char *saved;

		buf_printf(&b, "%s/smarthost", sp);
		tu_write_str(buf_str(&b), "");
		buf_reset(&b);
		buf_printf(&b, "127.0.0.1:%u\n", p1.port);
		saved = buf_detach(&b);
		buf_printf(&b, "%s/smarthost", sp);
		tu_write_str(buf_str(&b), saved);
		free(saved);
		buf_free(&b);
	}
	smtpgw(&r, NULL, "flush", "--spool", sp, NULL);
	ck_assert_msg(r.status == 0, "flush: %d %s", r.status, r.err);
	tu_run_free(&r);
	ck_assert_uint_eq(gwpeer_count(mail), 1);
	gwpeer_stop(&p1);
	free(sp);
	free(log);
	free(ev);
	free(mail);
}
END_TEST

Suite *
smtpgw_suite(void)
{
	Suite *s = suite_create("smtpgw");
	TCase *tc = tcase_create("smtpgw");

	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, legacy_table_documented);
	tcase_add_test(tc, legacy_lines_known_to_kb);
	tcase_add_test(tc, submit_and_queue);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, diagnose_own_logs);
	suite_add_tcase(s, tc);
	return s;
}
