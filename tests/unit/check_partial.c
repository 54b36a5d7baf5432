/*
 * A smart host that refuses some recipients of a message: smtpgw delivers to
 * the others and splits the refused ones off as messages of their own,
 * deferred (4xx) or in bad/ (5xx), each with its own legacy line and event.
 * Against build/faultpeer, which refuses recipients named refuse-4... and
 * refuse-5... (tests/peer/README.md), which offers PIPELINING (the relay
 * without it: check_relay_fake).
 */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "gwpeer.h"
#include "testutil.h"
#include "util/xmem.h"

/* The contents of the first file in dir (the caller frees them). */
static char *
first_file(const char *dir)
{
	struct buf path = BUF_INIT;
	struct dirent *e;
	DIR *d = opendir(dir);
	char *text;

	ck_assert_msg(d != NULL, "cannot open %s", dir);
	while ((e = readdir(d)) != NULL && e->d_name[0] == '.')
		;
	ck_assert_msg(e != NULL, "%s is empty", dir);
	buf_printf(&path, "%s/%s", dir, e->d_name);
	closedir(d);
	text = tu_read(buf_str(&path), NULL);
	buf_free(&path);
	return text;
}

/* The queue as JSON: the messages' array (the caller decrefs root). */
static json_t *
queue_json(const char *spool, json_t **root)
{
	struct tu_run r;
	json_error_t jerr;
	json_t *a;

	tu_smtpgw(&r, NULL, "queue", "--spool", spool, "--format", "json", NULL);
	ck_assert_msg(r.status == 0, "queue: %d %s", r.status, r.err);
	*root = json_loads(r.out, 0, &jerr);
	ck_assert_msg(*root != NULL, "queue JSON: %s: %s", jerr.text, r.out);
	tu_run_free(&r);
	a = json_is_array(*root) ? *root : json_object_get(*root, "messages");
	ck_assert_msg(json_is_array(a), "queue JSON has no message array");
	return a;
}

/* The entry of the queue whose one recipient is rcpt, or NULL. */
static json_t *
entry_for(json_t *a, const char *rcpt)
{
	size_t i;

	for (i = 0; i < json_array_size(a); i++) {
		json_t *m = json_array_get(a, i), *rc = json_object_get(m, "rcpts");

		if (json_array_size(rc) == 1 &&
		    strcmp(json_string_value(json_array_get(rc, 0)), rcpt) == 0)
			return m;
	}
	return NULL;
}

START_TEST(refused_recipients_are_split_off)
{
	struct gwpeer peer;
	char *dir = tu_tmpdir(), sp[512], md[512], log[512], ev[512], target[64];
	char *text, *delivered;
	struct tu_run r;
	json_t *root, *a, *m;

	snprintf(sp, sizeof(sp), "%s/spool", dir);
	snprintf(md, sizeof(md), "%s/mail", dir);
	snprintf(log, sizeof(log), "%s/gw.log", dir);
	snprintf(ev, sizeof(ev), "%s/gw.json", dir);
	tu_smtpgw(&r, "Subject: partial\nMessage-ID: <partial@smtpgw.test>\n\nhello\n", "submit",
	    "--spool", sp, "-f", "alice@example.org", "ok1@example.org",
	    "refuse-5-nobody@example.org", "refuse-4-busy@example.org", "ok2@example.org", NULL);
	ck_assert_msg(r.status == 0, "submit: %d %s", r.status, r.err);
	tu_run_free(&r);
	gwpeer_start(&peer, "none", md, NULL);
	snprintf(target, sizeof(target), "127.0.0.1:%u", peer.port);
	tu_smtpgw(&r, NULL, "run", "--once", "--spool", sp, "--smarthost", target, "--log", log,
	    "--events", ev, NULL);
	gwpeer_stop(&peer);
	tu_run_free(&r);

	/* one message arrived, for the two accepted recipients only */
	ck_assert_uint_eq(gwpeer_count(md), 1);
	{
		char path[1024];

		snprintf(path, sizeof(path), "%s/new", md);
		delivered = first_file(path);
	}
	ck_assert_contains(delivered, "X-Faultpeer-To: <ok1@example.org>");
	ck_assert_contains(delivered, "X-Faultpeer-To: <ok2@example.org>");
	ck_assert_msg(strstr(delivered, "refuse-") == NULL, "a refused recipient got it:\n%s",
	    delivered);
	ck_assert_contains(delivered, "Message-ID: <partial@smtpgw.test>");
	free(delivered);

	/* the refused ones stay, each as its own message, in the right state */
	a = queue_json(sp, &root);
	ck_assert_uint_eq(json_array_size(a), 2);
	m = entry_for(a, "refuse-4-busy@example.org");
	ck_assert_msg(m != NULL, "no queued copy for the 450 recipient");
	ck_assert_str_eq(json_string_value(json_object_get(m, "state")), "deferred");
	ck_assert_int_eq(json_integer_value(json_object_get(m, "attempts")), 1);
	ck_assert_contains(json_string_value(json_object_get(m, "last_error")),
	    "ERROR Invalid response to RCPT: 450 ");
	m = entry_for(a, "refuse-5-nobody@example.org");
	ck_assert_msg(m != NULL, "no bad/ copy for the 550 recipient");
	ck_assert_str_eq(json_string_value(json_object_get(m, "state")), "bad");
	ck_assert_contains(json_string_value(json_object_get(m, "last_error")),
	    "ERROR Invalid response to RCPT: 550 ");
	json_decref(root);

	/* the legacy lines, one per kind of refusal, and the events */
	text = tu_read(log, NULL);
	ck_assert_contains(text, "ERROR Invalid response to RCPT: 450 4.2.1 <refuse-4-busy@");
	ck_assert_contains(text, "ERROR Invalid response to RCPT: 550 5.1.1 <refuse-5-nobody@");
	ck_assert_contains(text, "sent to 2 recipients");
	free(text);
	text = tu_read(ev, NULL);
	ck_assert_contains(text, "\"class\":\"tempfail\"");
	ck_assert_contains(text, "\"class\":\"permfail\"");
	ck_assert_contains(text, "\"phase\":\"rcpt\"");
	free(text);

	/* the deferred copy goes once the recipient is accepted: same data */
	gwpeer_start(&peer, "none", md, NULL);
	snprintf(target, sizeof(target), "127.0.0.1:%u", peer.port);
	tu_smtpgw(&r, NULL, "flush", "--spool", sp, "--smarthost", target, "--log", log, NULL);
	gwpeer_stop(&peer);
	tu_run_free(&r);
	/* (faultpeer refuses refuse-4 every time: it is tried and deferred again) */
	a = queue_json(sp, &root);
	m = entry_for(a, "refuse-4-busy@example.org");
	ck_assert_msg(m != NULL, "the 450 copy was lost");
	ck_assert_int_eq(json_integer_value(json_object_get(m, "attempts")), 2);
	json_decref(root);
	ck_assert_uint_eq(gwpeer_count(md), 1);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(all_refused_is_one_failure)
{
	char *dir = tu_tmpdir(), sp[512], md[512], log[512], target[64];
	struct gwpeer peer;
	struct tu_run r;
	json_t *root, *a;

	snprintf(sp, sizeof(sp), "%s/spool", dir);
	snprintf(md, sizeof(md), "%s/mail", dir);
	snprintf(log, sizeof(log), "%s/gw.log", dir);
	tu_smtpgw(&r, "Subject: none\n\nhello\n", "submit", "--spool", sp, "-f", "a@example.org",
	    "refuse-5-x@example.org", "refuse-5-y@example.org", NULL);
	ck_assert_int_eq(r.status, 0);
	tu_run_free(&r);
	gwpeer_start(&peer, "none", md, NULL);
	snprintf(target, sizeof(target), "127.0.0.1:%u", peer.port);
	tu_smtpgw(&r, NULL, "run", "--once", "--spool", sp, "--smarthost", target, "--log", log,
	    NULL);
	gwpeer_stop(&peer);
	tu_run_free(&r);
	ck_assert_uint_eq(gwpeer_count(md), 0);
	a = queue_json(sp, &root);
	/* the message itself goes to bad/, both recipients together, no copies */
	ck_assert_uint_eq(json_array_size(a), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 0), "state")),
	    "bad");
	ck_assert_uint_eq(json_array_size(json_object_get(json_array_get(a, 0), "rcpts")), 2);
	json_decref(root);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

Suite *
partial_suite(void)
{
	Suite *s = suite_create("partial");
	TCase *tc = tcase_create("partial");

	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, refused_recipients_are_split_off);
	tcase_add_test(tc, all_refused_is_one_failure);
	suite_add_tcase(s, tc);
	return s;
}
