/*
 * gwlog: the legacy text log when several sessions write it at once
 * (--concurrency). A failure's line and its companion ("ERROR Network_read:
 * Lost network connection" then "SMTP_recv: system error") are one pair to
 * every reader of the original's log, kbdiag included: nothing may come
 * between them. gw-reliability saw another session's line there under load.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwlog.h"
#include "legacy.h"
#include "testutil.h"

#define WRITERS	8
#define EVENTS	1500

static struct gwlog *shared;

static void *
writer(void *arg)
{
	struct gwlog_event ev;
	int i;

	memset(&ev, 0, sizeof(ev));
	ev.peer = "127.0.0.1";
	ev.port = 25;
	ev.bytes_sent = -1;
	for (i = 0; i < EVENTS; i++) {
		ev.cond = LEGACY_READ_CLOSED;
		gwlog_event(shared, &ev, NULL, 0);
		gwlog_line(shared, "SMTP_close(socket=%d)", (int)(long)arg);
	}
	return NULL;
}

START_TEST(companions_follow_their_line_with_writers_at_once)
{
	char *dir = tu_tmpdir(), path[4096], err[ERR_LEN], *text, *p, *next;
	struct gwlog_params lp;
	pthread_t t[WRITERS];
	long i;
	int errors = 0, companions = 0;
	const char *line = legacy_get(LEGACY_READ_CLOSED)->text;
	const char *companion = legacy_get(LEGACY_RECV_SYSTEM)->text;

	snprintf(path, sizeof(path), "%s/gw.log", dir);
	memset(&lp, 0, sizeof(lp));
	lp.log_path = path;
	ck_assert_msg(gwlog_open(&lp, &shared, err) == 0, "%s", err);
	for (i = 0; i < WRITERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer, (void *)i), 0);
	for (i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	gwlog_close(shared);
	text = tu_read(path, NULL);
	for (p = text; *p != '\0'; p = next) {
		char *nl = strchr(p, '\n'), *msg = p + 11;	/* past "HH:MM:SS - " */

		ck_assert_ptr_nonnull(nl);
		next = nl + 1;
		if ((size_t)(nl - msg) == strlen(line) && strncmp(msg, line, strlen(line)) == 0) {
			errors++;
			ck_assert_msg(strncmp(next + 11, companion, strlen(companion)) == 0 &&
			    next[11 + strlen(companion)] == '\n',
			    "line %d of the error lines is followed by \"%.60s\"", errors, next);
		} else if (strncmp(msg, companion, strlen(companion)) == 0) {
			companions++;
		}
	}
	ck_assert_int_eq(errors, WRITERS * EVENTS);
	ck_assert_int_eq(companions, WRITERS * EVENTS);
	free(text);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

Suite *
gwlog_suite(void)
{
	Suite *s = suite_create("gwlog");
	TCase *tc = tcase_create("concurrent");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, companions_follow_their_line_with_writers_at_once);
	suite_add_tcase(s, tc);
	return s;
}
