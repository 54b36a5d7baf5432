/* reader: gateway log files, one record per line. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "testutil.h"

/* A scratch directory for the tests that need real files. */
static char *dir;

static void
setup(void)
{
	dir = tu_tmpdir();
}

static void
teardown(void)
{
	tu_rmtree(dir);
	free(dir);
	dir = NULL;
}

/* Read a NUL-terminated string from memory. */
static struct reader *
mem(const char *s)
{
	return reader_open_mem("test.log", s, strlen(s));
}

/* Write len bytes to a file in the scratch directory and open it. */
static struct reader *
file(const char *name, const char *data, size_t len, char **pathp)
{
	char path[4096], err[ERR_LEN] = "";
	struct reader *r;

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	tu_write(path, data, len);
	ck_assert_msg(reader_open(path, &r, err) == 0, "reader_open: %s", err);
	ck_assert_ptr_nonnull(r);
	if (pathp)
		*pathp = strdup(path);
	return r;
}

/* The next record, which must exist. */
static const struct reader_record *
next(struct reader *r)
{
	const struct reader_record *rec = NULL;
	char err[ERR_LEN] = "";
	int rc = reader_next(r, &rec, err);

	ck_assert_msg(rc == 1, "reader_next gave %d, want a record (%s)", rc, err);
	ck_assert_ptr_nonnull(rec);
	return rec;
}

/* The end of input, which must stay the end. */
static void
at_end(struct reader *r)
{
	const struct reader_record *rec = NULL;
	char err[ERR_LEN] = "";
	int rc;

	rc = reader_next(r, &rec, err);
	ck_assert_msg(rc == 0, "reader_next gave %d (%s), want the end; line %lu \"%.60s\"",
	    rc, err, rc == 1 ? rec->line : 0, rc == 1 ? rec->raw : "");
	rc = reader_next(r, &rec, err);
	ck_assert_msg(rc == 0, "reader_next gave %d after the end", rc);
}

/* n bytes at p are the string want. */
static void
same(const char *what, const char *p, size_t n, const char *want)
{
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(n == strlen(want) && memcmp(p, want, n) == 0,
	    "%s: \"%.*s\" (%zu bytes), want \"%s\"", what, (int)(n > 200 ? 200 : n), p, n, want);
}

#define RAW(rec, want)	same("raw", (rec)->raw, (rec)->rawlen, (want))
#define TEXT(rec, want)	same("text", (rec)->text, (rec)->len, (want))

/* The next record is line `line` of kind `kind` with message `text`. */
static const struct reader_record *
expect(struct reader *r, unsigned long line, enum reader_kind kind, const char *text,
    const char *when)
{
	const struct reader_record *rec = next(r);

	ck_assert_uint_eq(rec->line, line);
	ck_assert_msg(rec->kind == kind, "line %lu \"%s\": kind %d, want %d", line, rec->raw,
	    rec->kind, kind);
	TEXT(rec, text);
	ck_assert_msg(strcmp(rec->when, when) == 0, "line %lu \"%s\": when \"%s\", want \"%s\"",
	    line, rec->raw, rec->when, when);
	return rec;
}

/* ---- kinds of line ---- */

START_TEST(event_line)
{
	struct reader *r = mem("09:14:07 - Gateway initialized\n");
	const struct reader_record *rec = next(r);

	ck_assert_str_eq(rec->file, "test.log");
	ck_assert_uint_eq(rec->line, 1);
	ck_assert_int_eq(rec->kind, READER_EVENT);
	RAW(rec, "09:14:07 - Gateway initialized");
	TEXT(rec, "Gateway initialized");
	ck_assert_ptr_eq(rec->text, rec->raw + 11);
	ck_assert_uint_eq(rec->len, rec->rawlen - 11);
	ck_assert_str_eq(rec->when, "09:14:07");
	ck_assert_int_eq(rec->truncated, 0);
	ck_assert_int_eq(rec->has_nul, 0);
	ck_assert_ptr_null(rec->peer_host);
	ck_assert_uint_eq(rec->peer_port, 0);
	at_end(r);
	reader_close(r);
}
END_TEST

START_TEST(event_edge_cases)
{
	struct reader *r = mem("00:00:00 - midnight\n"
	    "23:59:59 - last second\n"
	    "12:00:00 - \n"
	    "12:00:01 -   indented\n"
	    "12:00:02 - a - b - c\n");

	expect(r, 1, READER_EVENT, "midnight", "00:00:00");
	expect(r, 2, READER_EVENT, "last second", "23:59:59");
	expect(r, 3, READER_EVENT, "", "12:00:00");
	expect(r, 4, READER_EVENT, "  indented", "12:00:01");
	expect(r, 5, READER_EVENT, "a - b - c", "12:00:02");
	at_end(r);
	reader_close(r);
}
END_TEST

START_TEST(transcript_lines)
{
	struct reader *r = mem("09:16:08 - SMTP_open(socket=257)\n"
	    " [rx] 220 relay.contoso.example ESMTP ready\n"
	    " [tx] HELO mailgw\n"
	    "[tx] MAIL FROM:<a@b>\n"
	    "[rx] 250 Ok\n"
	    " [TX] RCPT TO:<c@d>\n"
	    " [RX] 550 no\n"
	    " [Tx] QUIT\n"
	    "    [rx] 221 bye\n"
	    " [tx] \n");
	const struct reader_record *rec;

	expect(r, 1, READER_EVENT, "SMTP_open(socket=257)", "09:16:08");
	rec = expect(r, 2, READER_RX, "220 relay.contoso.example ESMTP ready", "09:16:08");
	RAW(rec, " [rx] 220 relay.contoso.example ESMTP ready");
	ck_assert_ptr_eq(rec->text, rec->raw + 6);
	expect(r, 3, READER_TX, "HELO mailgw", "09:16:08");
	rec = expect(r, 4, READER_TX, "MAIL FROM:<a@b>", "09:16:08");
	ck_assert_ptr_eq(rec->text, rec->raw + 5);
	expect(r, 5, READER_RX, "250 Ok", "09:16:08");
	expect(r, 6, READER_TX, "RCPT TO:<c@d>", "09:16:08");
	expect(r, 7, READER_RX, "550 no", "09:16:08");
	expect(r, 8, READER_TX, "QUIT", "09:16:08");
	expect(r, 9, READER_RX, "221 bye", "09:16:08");
	expect(r, 10, READER_TX, "", "09:16:08");
	at_end(r);
	/* Transcript lines alone do not make a legacy log. */
	reader_close(r);
	r = mem(" [tx] HELO x\n");
	expect(r, 1, READER_TX, "HELO x", "");
	ck_assert_int_eq(reader_format(r), READER_FORMAT_TEXT);
	reader_close(r);
}
END_TEST

START_TEST(other_lines_are_text)
{
	static const char *lines[] = {
		"Error (119) Network Write Error",
		"",
		"   ",
		" [xx] not a tag",
		" [tx]no space",
		" [tx",
		"[t] x",
		"tx] x",
		"9:00:00 - one digit hour",
		"09:00:00- no space",
		"09:00:00 -no space after",
		"09:00:00 -",
		"09:00:00",
		"09:00 - no seconds",
		"0a:00:00 - letter",
		"09-00-00 - dashes",
		" 09:00:00 - indented",
	};
	struct reader *r;
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const struct reader_record *rec;

		r = mem(lines[i]);
		if (lines[i][0] == '\0') {
			at_end(r);	/* empty input: no line at all */
			reader_close(r);
			continue;
		}
		rec = next(r);
		ck_assert_msg(rec->kind == READER_TEXT, "\"%s\": kind %d", lines[i], rec->kind);
		RAW(rec, lines[i]);
		TEXT(rec, lines[i]);
		ck_assert_ptr_eq(rec->text, rec->raw);
		ck_assert_str_eq(rec->when, "");
		ck_assert_msg(reader_format(r) == READER_FORMAT_TEXT, "\"%s\": legacy", lines[i]);
		at_end(r);
		reader_close(r);
	}
}
END_TEST

START_TEST(out_of_range_stamps_are_not_events)
{
	static const char *lines[] = {
		"25:00:00 - x", "24:00:00 - x", "99:00:00 - x", "09:60:00 - x",
		"09:00:61 - x", "09:99:99 - x",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct reader *r = mem(lines[i]);
		const struct reader_record *rec = next(r);

		ck_assert_msg(rec->kind == READER_TEXT, "\"%s\" taken as an event", lines[i]);
		TEXT(rec, lines[i]);
		ck_assert_str_eq(rec->when, "");
		ck_assert_int_eq(reader_format(r), READER_FORMAT_TEXT);
		reader_close(r);
	}
}
END_TEST

/* smtpgw wraps long lines; a wrapped part may start with a time of day. */
START_TEST(wrapped_lines_with_a_bare_time)
{
	struct reader *r = mem("09:00:00 - Message from x@y dated Mon, 1 Mar 1994\n"
	    "09:00:22 PST\n"
	    "09:00:22 PST - not a stamp either\n"
	    "09:00:23 - next\n");

	expect(r, 1, READER_EVENT, "Message from x@y dated Mon, 1 Mar 1994", "09:00:00");
	expect(r, 2, READER_TEXT, "09:00:22 PST", "09:00:00");
	expect(r, 3, READER_TEXT, "09:00:22 PST - not a stamp either", "09:00:00");
	expect(r, 4, READER_EVENT, "next", "09:00:23");
	at_end(r);
	reader_close(r);
}
END_TEST

/* A leap second is written as it stands, not as the next minute. */
START_TEST(leap_second_stamp)
{
	struct reader *r = mem("23:59:60 - leap\n 00:00:00 - x\n");

	expect(r, 1, READER_EVENT, "leap", "23:59:60");
	expect(r, 2, READER_TEXT, " 00:00:00 - x", "23:59:60");
	reader_close(r);
	r = mem("09:14:07 - Thu Jun 30 09:14:07 1994 Gateway\n23:59:60 - leap\n"
	    "00:00:01 - after\n");
	expect(r, 1, READER_EVENT, "Thu Jun 30 09:14:07 1994 Gateway", "1994-06-30T09:14:07");
	expect(r, 2, READER_EVENT, "leap", "1994-06-30T23:59:60");
	expect(r, 3, READER_EVENT, "after", "1994-07-01T00:00:01");
	reader_close(r);
}
END_TEST

/* ---- time and date ---- */

START_TEST(banner_sets_the_date)
{
	struct reader *r = mem(
	    "09:14:07 - Tue Mar  1 09:14:07 1994 Microsoft Mail Gateway to SMTP V3.0\n"
	    "09:14:07 - Tue Mar  1 09:14:07 1994 Copyright 1991-1992 Microsoft Corporation.\n"
	    "09:16:08 - SMTP_open(socket=257)\n"
	    " [rx] 220 ready\n"
	    "a text line\n");

	expect(r, 1, READER_EVENT,
	    "Tue Mar  1 09:14:07 1994 Microsoft Mail Gateway to SMTP V3.0",
	    "1994-03-01T09:14:07");
	expect(r, 2, READER_EVENT,
	    "Tue Mar  1 09:14:07 1994 Copyright 1991-1992 Microsoft Corporation.",
	    "1994-03-01T09:14:07");
	expect(r, 3, READER_EVENT, "SMTP_open(socket=257)", "1994-03-01T09:16:08");
	expect(r, 4, READER_RX, "220 ready", "1994-03-01T09:16:08");
	expect(r, 5, READER_TEXT, "a text line", "1994-03-01T09:16:08");
	at_end(r);
	reader_close(r);

	r = mem("08:50:03 - Tue Feb 23 08:50:03 1993 Microsoft Mail Gateway to SMTP V3.0\n"
	    "08:51:00 - x\n");
	expect(r, 1, READER_EVENT, "Tue Feb 23 08:50:03 1993 Microsoft Mail Gateway to SMTP V3.0",
	    "1993-02-23T08:50:03");
	expect(r, 2, READER_EVENT, "x", "1993-02-23T08:51:00");
	reader_close(r);

	/* The banner alone, with nothing after the year. */
	r = mem("10:00:00 - Fri Dec 31 10:00:00 1999");
	expect(r, 1, READER_EVENT, "Fri Dec 31 10:00:00 1999", "1999-12-31T10:00:00");
	reader_close(r);
}
END_TEST

START_TEST(later_banner_replaces_the_date)
{
	struct reader *r = mem("09:00:00 - Tue Mar  1 09:00:00 1994 Gateway\n"
	    "10:00:00 - Fri Apr 15 10:00:00 1994 Gateway restarted\n"
	    "10:00:01 - x\n");

	expect(r, 1, READER_EVENT, "Tue Mar  1 09:00:00 1994 Gateway", "1994-03-01T09:00:00");
	expect(r, 2, READER_EVENT, "Fri Apr 15 10:00:00 1994 Gateway restarted",
	    "1994-04-15T10:00:00");
	expect(r, 3, READER_EVENT, "x", "1994-04-15T10:00:01");
	reader_close(r);
}
END_TEST

START_TEST(no_banner_no_date)
{
	struct reader *r = mem("text before any event\n"
	    " [tx] before any event\n"
	    "10:00:00 - first\n"
	    "more text\n"
	    " [rx] 250 ok\n"
	    "10:00:05 - second\n");

	expect(r, 1, READER_TEXT, "text before any event", "");
	expect(r, 2, READER_TX, "before any event", "");
	expect(r, 3, READER_EVENT, "first", "10:00:00");
	expect(r, 4, READER_TEXT, "more text", "10:00:00");
	expect(r, 5, READER_RX, "250 ok", "10:00:00");
	expect(r, 6, READER_EVENT, "second", "10:00:05");
	at_end(r);
	reader_close(r);
}
END_TEST

/* Only an event whose message is a ctime() date sets the date. */
START_TEST(things_that_are_not_banners)
{
	static const char *logs[] = {
		"Tue Mar  1 09:14:07 1994 as a plain line\n10:00:00 - x\n",
		"10:00:00 - x Tue Mar  1 09:14:07 1994\n",
		"10:00:00 - Tue Foo  1 09:14:07 1994 month\n",
		"10:00:00 - Tue mar  1 09:14:07 1994 month\n",
		"10:00:00 - Tue Mar  0 09:14:07 1994 day\n",
		"10:00:00 - Tue Mar 32 09:14:07 1994 day\n",
		"10:00:00 - Tue Mar  1 09:14:07 1969 year\n",
		"10:00:00 - Tue Mar  1 09:14:07\n",
		"10:00:00 - Tue Mar  1\n",
		"10:00:00 - Sending Mar  1 09:14:07 1994\n",
		/* Days the month does not have. */
		"10:00:00 - Mon Feb 30 09:14:07 1994 day\n",
		"10:00:00 - Tue Feb 29 09:14:07 1994 not a leap year\n",
		"10:00:00 - Sat Apr 31 09:14:07 1994 day\n",
	};
	size_t i;

	for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		struct reader *r = mem(logs[i]);
		const struct reader_record *rec = NULL;
		char err[ERR_LEN], last[32] = "(none)";

		while (reader_next(r, &rec, err) == 1) {
			ck_assert_msg(strchr(rec->when, 'T') == NULL,
			    "log %zu line %lu: \"%s\" gave the date \"%s\"", i, rec->line,
			    rec->raw, rec->when);
			snprintf(last, sizeof(last), "%s", rec->when);
		}
		ck_assert_msg(strcmp(last, "10:00:00") == 0, "log %zu: when \"%s\"", i, last);
		reader_close(r);
	}
}
END_TEST

START_TEST(leap_day_banner)
{
	struct reader *r = mem("10:00:00 - Sat Feb 29 10:00:00 1992 Gateway\n"
	    "23:59:59 - a\n00:00:01 - b\n");

	expect(r, 1, READER_EVENT, "Sat Feb 29 10:00:00 1992 Gateway", "1992-02-29T10:00:00");
	expect(r, 2, READER_EVENT, "a", "1992-02-29T23:59:59");
	expect(r, 3, READER_EVENT, "b", "1992-03-01T00:00:01");
	reader_close(r);
}
END_TEST

/* Check the date after midnight for a banner day. */
static void
check_rollover(const char *banner, const char *before, const char *after)
{
	char log[256];
	struct reader *r;

	snprintf(log, sizeof(log), "23:00:00 - %s Gateway\n23:59:59 - a\n"
	    " [tx] QUIT\n00:00:01 - b\n [rx] 221\n", banner);
	r = mem(log);
	next(r);
	ck_assert_str_eq(next(r)->when, before);
	ck_assert_str_eq(next(r)->when, before);
	ck_assert_str_eq(next(r)->when, after);
	ck_assert_str_eq(next(r)->when, after);
	at_end(r);
	reader_close(r);
}

START_TEST(date_rolls_over_at_midnight)
{
	check_rollover("Tue Mar  1 23:00:00 1994", "1994-03-01T23:59:59", "1994-03-02T00:00:01");
	check_rollover("Mon Jan 31 23:00:00 1994", "1994-01-31T23:59:59", "1994-02-01T00:00:01");
	check_rollover("Mon Feb 28 23:00:00 1994", "1994-02-28T23:59:59", "1994-03-01T00:00:01");
	check_rollover("Fri Feb 28 23:00:00 1992", "1992-02-28T23:59:59", "1992-02-29T00:00:01");
	check_rollover("Tue Feb 29 23:00:00 2000", "2000-02-29T23:59:59", "2000-03-01T00:00:01");
	check_rollover("Wed Feb 28 23:00:00 2100", "2100-02-28T23:59:59", "2100-03-01T00:00:01");
	check_rollover("Thu Jun 30 23:00:00 1994", "1994-06-30T23:59:59", "1994-07-01T00:00:01");
	check_rollover("Fri Dec 31 23:00:00 1993", "1993-12-31T23:59:59", "1994-01-01T00:00:01");
	check_rollover("Fri Dec 31 23:00:00 1999", "1999-12-31T23:59:59", "2000-01-01T00:00:01");
	/* Days around the DST changes of many zones: the date is not local time. */
	check_rollover("Sat Mar 26 23:00:00 1994", "1994-03-26T23:59:59", "1994-03-27T00:00:01");
	check_rollover("Sat Oct 29 23:00:00 1994", "1994-10-29T23:59:59", "1994-10-30T00:00:01");
}
END_TEST

START_TEST(rollover_needs_more_than_an_hour_back)
{
	struct reader *r = mem("10:00:00 - Tue Mar  1 10:00:00 1994 Gateway\n"
	    "10:30:00 - a\n"
	    "09:30:00 - clock set back an hour\n"
	    "10:00:00 - b\n"
	    "08:59:59 - more than an hour back\n"
	    "23:00:00 - c\n"
	    "00:10:00 - past midnight again\n"
	    "00:05:00 - a little back\n");

	next(r);
	ck_assert_str_eq(next(r)->when, "1994-03-01T10:30:00");
	ck_assert_str_eq(next(r)->when, "1994-03-01T09:30:00");
	ck_assert_str_eq(next(r)->when, "1994-03-01T10:00:00");
	ck_assert_str_eq(next(r)->when, "1994-03-02T08:59:59");
	ck_assert_str_eq(next(r)->when, "1994-03-02T23:00:00");
	ck_assert_str_eq(next(r)->when, "1994-03-03T00:10:00");
	ck_assert_str_eq(next(r)->when, "1994-03-03T00:05:00");
	at_end(r);
	reader_close(r);
}
END_TEST

START_TEST(rollover_without_a_date_keeps_the_time)
{
	struct reader *r = mem("23:59:59 - a\n00:00:01 - b\n");

	expect(r, 1, READER_EVENT, "a", "23:59:59");
	expect(r, 2, READER_EVENT, "b", "00:00:01");
	reader_close(r);
}
END_TEST

/* ---- the smart host ---- */

START_TEST(smart_host_from_the_log)
{
	struct reader *r = mem("09:14:08 -   SMTP Gateway Host Name = \"mailgw\"\n"
	    "09:14:08 -   SMTP Smart-Host IP = \"127.0.0.1\"\n"
	    "09:16:08 - Connecting to smart SMTP host\n"
	    " [rx] 220 ready\n"
	    "text\n");
	const struct reader_record *rec;

	rec = next(r);
	ck_assert_ptr_null(rec->peer_host);
	ck_assert_uint_eq(rec->peer_port, 0);
	rec = next(r);
	ck_assert_int_eq(rec->kind, READER_EVENT);
	ck_assert_pstr_eq(rec->peer_host, "127.0.0.1");
	ck_assert_uint_eq(rec->peer_port, 0);
	rec = next(r);
	ck_assert_pstr_eq(rec->peer_host, "127.0.0.1");
	ck_assert_uint_eq(rec->peer_port, 0);
	rec = next(r);
	ck_assert_int_eq(rec->kind, READER_RX);
	ck_assert_pstr_eq(rec->peer_host, "127.0.0.1");
	rec = next(r);
	ck_assert_int_eq(rec->kind, READER_TEXT);
	ck_assert_pstr_eq(rec->peer_host, "127.0.0.1");
	at_end(r);
	reader_close(r);
}
END_TEST

/* One smart-host line, then an event: what the event sees. */
static void
check_host(const char *value, const char *want_host, unsigned want_port)
{
	char log[1024];
	struct reader *r;
	const struct reader_record *rec;

	snprintf(log, sizeof(log), "09:14:08 - SMTP Smart-Host IP = \"%s\"\n"
	    "09:14:09 - x\n", value);
	r = mem(log);
	next(r);
	rec = next(r);
	if (want_host == NULL)
		ck_assert_msg(rec->peer_host == NULL, "\"%s\" gave \"%s\"", value, rec->peer_host);
	else {
		ck_assert_msg(rec->peer_host != NULL && strcmp(rec->peer_host, want_host) == 0,
		    "\"%s\" gave \"%s\", want \"%s\"", value,
		    rec->peer_host ? rec->peer_host : "(null)", want_host);
		ck_assert_msg(rec->peer_port == want_port, "\"%s\": port %u, want %u", value,
		    rec->peer_port, want_port);
	}
	reader_close(r);
}

START_TEST(smart_host_forms)
{
	check_host("127.0.0.1", "127.0.0.1", 0);
	check_host("127.0.0.1:2525", "127.0.0.1", 2525);
	check_host("relay.contoso.example", "relay.contoso.example", 0);
	check_host("relay.contoso.example:587", "relay.contoso.example", 587);
	check_host("[::1]", "::1", 0);
	check_host("[::1]:2525", "::1", 2525);
	check_host("[2001:db8::25]:25", "2001:db8::25", 25);
}
END_TEST

START_TEST(bad_smart_host_is_ignored)
{
	char longhost[600];

	check_host("", NULL, 0);
	check_host("a b", NULL, 0);
	check_host("127.0.0.1; rm -rf /", NULL, 0);
	check_host(";rm", NULL, 0);
	check_host("x;rm -rf /", NULL, 0);
	check_host("-oProxyCommand=sh", NULL, 0);
	check_host("'127.0.0.1'", NULL, 0);
	check_host("$(id)", NULL, 0);
	check_host("::1", NULL, 0);
	check_host("127.0.0.1:0", NULL, 0);
	check_host("127.0.0.1:65536", NULL, 0);
	check_host("127.0.0.1:smtp", NULL, 0);
	check_host("\x1b[31mred", NULL, 0);
	memset(longhost, 'a', sizeof(longhost) - 1);
	longhost[sizeof(longhost) - 1] = '\0';
	check_host(longhost, NULL, 0);
	longhost[PEER_HOST_MAX] = '\0';
	check_host(longhost, NULL, 0);
	longhost[PEER_HOST_MAX - 1] = '\0';
	check_host(longhost, longhost, 0);
}
END_TEST

/* Text that does not close the value where the host ends is not a host. */
START_TEST(smart_host_line_must_be_well_formed)
{
#define L(lit)	{ lit, sizeof(lit) - 1 }
	static const struct {
		const char	*s;
		size_t		 n;
	} logs[] = {
		L("09:14:08 - SMTP Smart-Host IP = \"127.0.0.1\n"),	/* no closing quote */
		L("09:14:08 - SMTP Smart-Host IP = \"127.0.0.1\"x\"\n"),	/* quote inside */
		L("09:14:08 - SMTP Smart-Host IP = \"127.0.0.1\"; rm -rf /\n"),
		L("09:14:08 - SMTP Smart-Host IP = \"\"127.0.0.1\"\"\n"),
		L("09:14:08 - SMTP Smart-Host IP = 127.0.0.1\n"),
		L("09:14:08 - SMTP Smart-Host IP = \"\n"),
		L("09:14:08 - SMTP Smart-Host IP = \"127.0.0.1\0; rm\"\n"),
		L("09:14:08 - SMTP Smart-Host IP = \"127.0.0.1\0\"\n"),
		/* Only the gateway's own start-up event names the smart host. */
		L("SMTP Smart-Host IP = \"127.0.0.1\"\n"),
		L(" [rx] SMTP Smart-Host IP = \"127.0.0.1\"\n"),
		L("09:14:08 - Note: SMTP Smart-Host IP = \"127.0.0.1\"\n"),
	};
#undef L
	size_t i;

	for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		struct reader *r;
		const struct reader_record *rec;

		r = reader_open_mem("test.log", logs[i].s, logs[i].n);
		rec = next(r);
		ck_assert_msg(rec->peer_host == NULL, "log %zu: \"%s\" gave \"%s\"", i, rec->raw,
		    rec->peer_host);
		at_end(r);
		reader_close(r);
	}
}
END_TEST

START_TEST(smart_host_trailing_space_is_fine)
{
	struct reader *r = mem("09:14:08 -   SMTP Smart-Host IP = \"10.0.0.1\"  \n");

	ck_assert_pstr_eq(next(r)->peer_host, "10.0.0.1");
	reader_close(r);
}
END_TEST

START_TEST(bad_smart_host_keeps_the_previous_one)
{
	struct reader *r = mem("09:14:08 - SMTP Smart-Host IP = \"127.0.0.1:2525\"\n"
	    "09:14:09 - SMTP Smart-Host IP = \"bad host\"\n"
	    "09:14:10 - SMTP Smart-Host IP = \";rm\"\n"
	    "09:14:11 - SMTP Smart-Host IP = \"\"\n"
	    "09:14:12 - SMTP Smart-Host IP = \"10.0.0.1\"\n"
	    "09:14:13 - SMTP Smart-Host IP = \"\\\"quoted\\\"\"\n");
	const struct reader_record *rec;
	int i;

	rec = next(r);
	ck_assert_pstr_eq(rec->peer_host, "127.0.0.1");
	ck_assert_uint_eq(rec->peer_port, 2525);
	for (i = 0; i < 3; i++) {
		rec = next(r);
		ck_assert_pstr_eq(rec->peer_host, "127.0.0.1");
		ck_assert_uint_eq(rec->peer_port, 2525);
	}
	/* A new good host replaces host and port. */
	rec = next(r);
	ck_assert_pstr_eq(rec->peer_host, "10.0.0.1");
	ck_assert_uint_eq(rec->peer_port, 0);
	rec = next(r);
	ck_assert_pstr_eq(rec->peer_host, "10.0.0.1");
	ck_assert_uint_eq(rec->peer_port, 0);
	at_end(r);
	reader_close(r);
}
END_TEST

/* ---- line ends ---- */

/* Read all of data and compare the lines with want (NULL-terminated). */
static void
check_lines(const char *data, size_t len, const char *const *want)
{
	struct reader *r = reader_open_mem("test.log", data, len);
	const struct reader_record *rec;
	unsigned long i;

	for (i = 0; want[i] != NULL; i++) {
		rec = next(r);
		ck_assert_uint_eq(rec->line, i + 1);
		RAW(rec, want[i]);
		ck_assert_int_eq(rec->truncated, 0);
	}
	at_end(r);
	ck_assert_uint_eq(reader_bytes(r), len);
	reader_close(r);
}

#define LINES(lit, ...)	do { \
	static const char *const w_[] = { __VA_ARGS__ }; \
	check_lines((lit), sizeof(lit) - 1, w_); \
} while (0)

START_TEST(line_ends)
{
	LINES("a\nb\n", "a", "b", NULL);
	LINES("a\r\nb\r\n", "a", "b", NULL);
	LINES("a\rb\r", "a", "b", NULL);
	LINES("a\nb\r\nc\rd\n", "a", "b", "c", "d", NULL);
	LINES("a\n\nb\n", "a", "", "b", NULL);
	LINES("\r\n\r\n", "", "", NULL);
	LINES("\n\r", "", "", NULL);		/* LF then a lone CR: two ends */
	LINES("\r\r\n", "", "", NULL);		/* lone CR, then CR LF */
	LINES("a\n\r\nb", "a", "", "b", NULL);
	LINES("\n", "", NULL);
	LINES("\r", "", NULL);
	LINES("a\r\r\rb", "a", "", "", "b", NULL);
}
END_TEST

START_TEST(no_final_line_end)
{
	LINES("a\nb", "a", "b", NULL);
	LINES("a\r\nb", "a", "b", NULL);
	LINES("only", "only", NULL);
	LINES("09:00:00 - x", "09:00:00 - x", NULL);
}
END_TEST

/*
 * A file truncated while it is read (not followed): the reader reaches the
 * end where the file ends now, and says the file shrank.
 */
START_TEST(file_that_shrinks_while_read)
{
	static const char line[] = "10:00:00 - Gateway idle, nothing to send\n";
	size_t n = 5000, i, len = n * (sizeof(line) - 1);
	char *data = malloc(len), *path = NULL, err[ERR_LEN];
	const struct reader_record *rec;
	struct reader *r;
	unsigned long lines = 0;
	int rc;

	ck_assert_ptr_nonnull(data);
	for (i = 0; i < n; i++)
		memcpy(data + i * (sizeof(line) - 1), line, sizeof(line) - 1);
	r = file("shrink.log", data, len, &path);
	next(r);		/* the first 64 KiB are in the reader now */
	ck_assert_int_eq(truncate(path, 100), 0);
	while ((rc = reader_next(r, &rec, err)) == 1)
		lines++;
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_lt(lines + 1, n);
	ck_assert_ptr_nonnull(reader_notice(r));
	ck_assert_contains(reader_notice(r), "shrank to 100 bytes");
	reader_close(r);

	/* A file that keeps its size says nothing. */
	r = file("steady.log", data, len, NULL);
	while (reader_next(r, &rec, err) == 1)
		;
	ck_assert_ptr_null(reader_notice(r));
	reader_close(r);
	free(path);
	free(data);
}
END_TEST

START_TEST(empty_input)
{
	struct reader *r = reader_open_mem("empty.log", "", 0);

	at_end(r);
	ck_assert_uint_eq(reader_bytes(r), 0);
	ck_assert_uint_eq(reader_size(r), 0);
	ck_assert_int_eq(reader_format(r), READER_FORMAT_TEXT);
	reader_close(r);

	r = file("empty.log", "", 0, NULL);
	at_end(r);
	ck_assert_uint_eq(reader_bytes(r), 0);
	reader_close(r);
}
END_TEST

START_TEST(line_ends_in_a_file)
{
	static const char data[] = "09:00:00 - a\r\n [tx] b\r\n\rc\nd";
	struct reader *r = file("ends.log", data, sizeof(data) - 1, NULL);

	expect(r, 1, READER_EVENT, "a", "09:00:00");
	expect(r, 2, READER_TX, "b", "09:00:00");
	expect(r, 3, READER_TEXT, "", "09:00:00");
	expect(r, 4, READER_TEXT, "c", "09:00:00");
	expect(r, 5, READER_TEXT, "d", "09:00:00");
	at_end(r);
	ck_assert_uint_eq(reader_bytes(r), sizeof(data) - 1);
	reader_close(r);
}
END_TEST

/*
 * The reader reads files in 64 KiB chunks. Put the line end at every
 * position around a chunk boundary (CHUNK is the reader's read size).
 */
#define CHUNK	(64 * 1024)

static void
check_boundary(const char *name, size_t first, const char *end, const char *rest,
    const char *const *want)
{
	size_t elen = strlen(end), rlen = strlen(rest), len = first + elen + rlen;
	char *data = malloc(len);
	struct reader *r;
	const struct reader_record *rec;
	size_t i;

	ck_assert_ptr_nonnull(data);
	memset(data, 'x', first);
	memcpy(data + first, end, elen);
	memcpy(data + first + elen, rest, rlen);
	r = file(name, data, len, NULL);
	rec = next(r);
	ck_assert_uint_eq(rec->line, 1);
	ck_assert_uint_eq(rec->rawlen, first);
	ck_assert_int_eq(rec->truncated, 0);
	for (i = 0; want[i] != NULL; i++) {
		rec = next(r);
		ck_assert_msg(rec->line == i + 2, "%s: line %lu, want %zu", name, rec->line,
		    i + 2);
		RAW(rec, want[i]);
	}
	at_end(r);
	ck_assert_uint_eq(reader_bytes(r), len);
	reader_close(r);
	free(data);
}

START_TEST(crlf_split_across_reads)
{
	static const char *const one[] = { "next", NULL };
	static const char *const two[] = { "", "next", NULL };
	size_t first;

	/* The CR last in the first chunk, the LF first in the next. */
	check_boundary("split.log", CHUNK - 1, "\r\n", "next\r\n", one);
	/* Around that: CR LF wholly in one chunk or the other. */
	for (first = CHUNK - 3; first <= CHUNK + 1; first++) {
		check_boundary("crlf.log", first, "\r\n", "next\r\n", one);
		check_boundary("cr.log", first, "\r", "next\r", one);
		check_boundary("lf.log", first, "\n", "next\n", one);
		check_boundary("crcr.log", first, "\r\r", "next", two);
		check_boundary("lfcr.log", first, "\n\r", "next", two);
	}
	/* A lone CR last in the chunk and last in the file. */
	check_boundary("crend.log", CHUNK - 1, "\r", "", (const char *const[]){ NULL });
	/* A CR LF pair at the boundary of the second chunk too. */
	check_boundary("split2.log", 2 * CHUNK - 1, "\r\n", "next\r\n", one);
}
END_TEST

/* ---- long lines ---- */

static void
check_long_line(struct reader *r, size_t len)
{
	const struct reader_record *rec = next(r);
	size_t i;

	ck_assert_uint_eq(rec->line, 1);
	ck_assert_int_eq(rec->truncated, len > READER_MAX_LINE);
	ck_assert_uint_eq(rec->rawlen, len > READER_MAX_LINE ? READER_MAX_LINE : len);
	for (i = 0; i < rec->rawlen; i++)
		if (rec->raw[i] != 'a')
			ck_abort_msg("byte %zu of the long line is 0x%02X", i,
			    (unsigned char)rec->raw[i]);
	ck_assert_int_eq(rec->has_nul, 0);
	rec = next(r);
	ck_assert_uint_eq(rec->line, 2);
	ck_assert_int_eq(rec->kind, READER_EVENT);
	TEXT(rec, "after");
	ck_assert_int_eq(rec->truncated, 0);
	rec = next(r);
	ck_assert_uint_eq(rec->line, 3);
	RAW(rec, "last");
	at_end(r);
}

static char *
long_log(size_t len, size_t *total)
{
	static const char tail[] = "\r\n09:00:00 - after\nlast\n";
	char *data = malloc(len + sizeof(tail));

	ck_assert_ptr_nonnull(data);
	memset(data, 'a', len);
	memcpy(data + len, tail, sizeof(tail));
	*total = len + sizeof(tail) - 1;
	return data;
}

START_TEST(long_line_is_cut)
{
	static const size_t lens[] = {
		READER_MAX_LINE - 1, READER_MAX_LINE, READER_MAX_LINE + 1,
		READER_MAX_LINE + CHUNK + 7,
	};
	size_t i, total;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char *data = long_log(lens[i], &total);
		struct reader *r = reader_open_mem("long.log", data, total);

		check_long_line(r, lens[i]);
		ck_assert_uint_eq(reader_bytes(r), total);
		reader_close(r);
		r = file("long.log", data, total, NULL);
		check_long_line(r, lens[i]);
		ck_assert_uint_eq(reader_bytes(r), total);
		reader_close(r);
		free(data);
	}
}
END_TEST

START_TEST(ten_megabyte_line)
{
	size_t len = 10 * 1024 * 1024, total;
	char *data = long_log(len, &total);
	struct reader *r = file("huge.log", data, total, NULL);

	check_long_line(r, len);
	ck_assert_uint_eq(reader_bytes(r), total);
	ck_assert_uint_eq(reader_size(r), total);
	reader_close(r);
	free(data);
}
END_TEST

START_TEST(long_event_line_is_still_an_event)
{
	size_t len = READER_MAX_LINE + 100;
	char *data = malloc(len + 1);
	struct reader *r;
	const struct reader_record *rec;

	ck_assert_ptr_nonnull(data);
	memset(data, 'e', len);
	memcpy(data, "09:00:00 - ", 11);
	data[len] = '\0';		/* no line end at all */
	r = mem(data);
	rec = next(r);
	ck_assert_int_eq(rec->kind, READER_EVENT);
	ck_assert_int_eq(rec->truncated, 1);
	ck_assert_uint_eq(rec->rawlen, READER_MAX_LINE);
	ck_assert_uint_eq(rec->len, READER_MAX_LINE - 11);
	at_end(r);
	reader_close(r);
	free(data);
}
END_TEST

/* ---- bytes ---- */

START_TEST(nul_bytes)
{
	static const char data[] = "ab\0cd\n09:00:00 - x\0y\n\0\nplain\n";
	struct reader *r = reader_open_mem("nul.log", data, sizeof(data) - 1);
	const struct reader_record *rec;

	rec = next(r);
	ck_assert_uint_eq(rec->rawlen, 5);
	ck_assert_int_eq(memcmp(rec->raw, "ab\0cd", 5), 0);
	ck_assert_int_eq(rec->has_nul, 1);
	ck_assert_int_eq(rec->kind, READER_TEXT);
	rec = next(r);
	ck_assert_int_eq(rec->kind, READER_EVENT);
	ck_assert_uint_eq(rec->rawlen, 14);
	ck_assert_uint_eq(rec->len, 3);
	ck_assert_int_eq(memcmp(rec->text, "x\0y", 3), 0);
	ck_assert_int_eq(rec->has_nul, 1);
	rec = next(r);
	ck_assert_uint_eq(rec->rawlen, 1);
	ck_assert_int_eq(rec->has_nul, 1);
	rec = next(r);
	RAW(rec, "plain");
	ck_assert_int_eq(rec->has_nul, 0);
	at_end(r);
	reader_close(r);
}
END_TEST

START_TEST(other_bytes_pass_through)
{
	static const char data[] = "09:00:00 - Z\xFCrich \xC3\xA9\x1b[31m\x7F\xFF\n";
	struct reader *r = reader_open_mem("bytes.log", data, sizeof(data) - 1);

	expect(r, 1, READER_EVENT, "Z\xFCrich \xC3\xA9\x1b[31m\x7F\xFF", "09:00:00");
	reader_close(r);
}
END_TEST

/* ---- the reader object ---- */

START_TEST(format_follows_the_stamps)
{
	struct reader *r = mem("some text\n [tx] HELO\n09:00:00 - event\nmore text\n");

	ck_assert_int_eq(reader_format(r), READER_FORMAT_TEXT);
	next(r);
	next(r);
	ck_assert_int_eq(reader_format(r), READER_FORMAT_TEXT);
	next(r);
	ck_assert_int_eq(reader_format(r), READER_FORMAT_LEGACY);
	next(r);
	at_end(r);
	ck_assert_int_eq(reader_format(r), READER_FORMAT_LEGACY);
	reader_close(r);

	r = mem("Error (119) Network Write Error\n25:00:00 - x\n");
	next(r);
	next(r);
	at_end(r);
	ck_assert_int_eq(reader_format(r), READER_FORMAT_TEXT);
	reader_close(r);

	ck_assert_str_eq(reader_format_name(READER_FORMAT_LEGACY), "legacy");
	ck_assert_str_eq(reader_format_name(READER_FORMAT_TEXT), "text");
}
END_TEST

START_TEST(bytes_and_size)
{
	static const char data[] = "a\nbc\r\n\rdef";
	struct reader *r = reader_open_mem("m.log", data, sizeof(data) - 1);

	ck_assert_uint_eq(reader_size(r), 10);
	ck_assert_uint_eq(reader_bytes(r), 0);
	next(r);
	ck_assert_uint_eq(reader_bytes(r), 2);
	next(r);
	ck_assert_uint_eq(reader_bytes(r), 6);
	next(r);
	ck_assert_uint_eq(reader_bytes(r), 7);
	next(r);
	ck_assert_uint_eq(reader_bytes(r), 10);
	at_end(r);
	ck_assert_uint_eq(reader_bytes(r), 10);
	reader_close(r);

	r = file("f.log", data, sizeof(data) - 1, NULL);
	ck_assert_uint_eq(reader_size(r), 10);
	ck_assert_uint_eq(reader_bytes(r), 0);
	next(r);
	ck_assert_uint_eq(reader_bytes(r), 2);
	next(r);
	ck_assert_uint_eq(reader_bytes(r), 6);
	next(r);
	ck_assert_uint_eq(reader_bytes(r), 7);
	next(r);
	ck_assert_uint_eq(reader_bytes(r), 10);
	at_end(r);
	reader_close(r);
}
END_TEST

START_TEST(open_mem_uses_only_len_bytes)
{
	static const char data[] = "abc\ndef\nghi\n";
	struct reader *r = reader_open_mem("part.log", data, 5);
	const struct reader_record *rec;

	ck_assert_str_eq(reader_name(r), "part.log");
	rec = next(r);
	ck_assert_str_eq(rec->file, "part.log");
	RAW(rec, "abc");
	rec = next(r);
	RAW(rec, "d");
	at_end(r);
	ck_assert_uint_eq(reader_size(r), 5);
	reader_close(r);
}
END_TEST

START_TEST(file_name_in_records)
{
	char *path = NULL;
	struct reader *r = file("named.log", "x\n", 2, &path);

	ck_assert_str_eq(reader_name(r), path);
	ck_assert_str_eq(next(r)->file, path);
	reader_close(r);
	free(path);
	reader_close(NULL);
}
END_TEST

/* Put fd on standard input for one call, then restore it. */
static int saved_stdin = -1;

static void
stdin_from(int fd)
{
	saved_stdin = dup(STDIN_FILENO);
	ck_assert_int_ge(saved_stdin, 0);
	ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
}

static void
stdin_restore(void)
{
	ck_assert_int_eq(dup2(saved_stdin, STDIN_FILENO), STDIN_FILENO);
	close(saved_stdin);
	saved_stdin = -1;
}

START_TEST(dash_is_stdin)
{
	static const char data[] = "09:00:00 - from stdin\n";
	char path[4096], err[ERR_LEN] = "";
	struct reader *r;
	int fd;

	snprintf(path, sizeof(path), "%s/stdin.log", dir);
	tu_write(path, data, sizeof(data) - 1);
	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	stdin_from(fd);
	ck_assert_msg(reader_open("-", &r, err) == 0, "%s", err);
	ck_assert_str_eq(reader_name(r), "<stdin>");
	ck_assert_uint_eq(reader_size(r), sizeof(data) - 1);
	ck_assert_str_eq(next(r)->file, "<stdin>");
	at_end(r);
	reader_close(r);
	/* Closing the reader leaves standard input open. */
	ck_assert_int_ne(fcntl(STDIN_FILENO, F_GETFD), -1);
	stdin_restore();
}
END_TEST

START_TEST(pipe_has_no_size)
{
	static const char data[] = "a\r\nb\n";
	const struct reader_record *rec;
	char err[ERR_LEN] = "";
	struct reader *r;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], data, sizeof(data) - 1), sizeof(data) - 1);
	close(p[1]);
	stdin_from(p[0]);
	ck_assert_msg(reader_open("-", &r, err) == 0, "%s", err);
	ck_assert_uint_eq(reader_size(r), 0);
	rec = next(r);
	RAW(rec, "a");
	rec = next(r);
	RAW(rec, "b");
	at_end(r);
	ck_assert_uint_eq(reader_bytes(r), sizeof(data) - 1);
	reader_close(r);
	stdin_restore();
}
END_TEST

/* ---- errors ---- */

START_TEST(missing_file)
{
	char path[4096], err[ERR_LEN] = "";
	struct reader *r = NULL;

	snprintf(path, sizeof(path), "%s/no-such.log", dir);
	ck_assert_int_eq(reader_open(path, &r, err), -1);
	ck_assert_contains(err, path);
	ck_assert_contains(err, strerror(ENOENT));
}
END_TEST

START_TEST(directory_is_refused)
{
	char err[ERR_LEN] = "";
	struct reader *r = NULL;

	ck_assert_int_eq(reader_open(dir, &r, err), -1);
	ck_assert_contains(err, dir);
	ck_assert_contains(err, "directory");
}
END_TEST

/* /proc/self/mem opens, but reading at offset 0 (unmapped) fails with EIO. */
START_TEST(read_error)
{
	const struct reader_record *rec = NULL;
	char err[ERR_LEN] = "";
	struct reader *r;

	ck_assert_msg(reader_open("/proc/self/mem", &r, err) == 0, "%s", err);
	ck_assert_int_eq(reader_next(r, &rec, err), -1);
	ck_assert_contains(err, "/proc/self/mem");
	ck_assert_contains(err, strerror(EIO));
	reader_close(r);
}
END_TEST


/*
 * The scan's worker guesses where a line's message starts (scan.h) and the
 * caller uses what it read of it only when its reader split the line so:
 * on the common forms of the MTAs' logs the guess is the reader's, program
 * and pid too (else the work silently goes back to the caller's thread); a
 * gateway line is no syslog line.
 */
START_TEST(guess_is_the_readers_split)
{
	static const char *const lines[] = {
		"Feb 21 09:21:54 xxx postfix/smtpd[14398]: NOQUEUE: reject: RCPT from "
		    "example.com[192.0.43.10]: 450 4.7.1 : Helo command rejected",
		"Jun  3 10:40:57 mail postfix/submission/smtpd[9708]: connect from "
		    "some.domain.name[1.2.3.4]",
		"Feb 16 23:33:20 smtp1 sm-mta[5133]: s1GNXHYB005133: [190.5.230.178]: "
		    "possible SMTP attack: command=AUTH, count=5",
		"2024-03-01T10:00:00.123456+01:00 mx1 postfix/smtp[77]: 4Q9: to=<a@b.example>, "
		    "relay=none, status=deferred (connect to b.example[10.0.0.1]:25: "
		    "Connection refused)",
		"Dec  8 01:02:03 host exim[12]: 1rXyz1-000abc-12 == x@y.example R=dnslookup "
		    "defer (111): Connection refused",
		"1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** x@y.example: Unrouteable "
		    "address",
		"2013-01-04 17:03:46 login authenticator failed for rrcs.example "
		    "([192.168.2.33]) [24.106.174.74]: 535 Incorrect authentication data",
		"2022-06-29 16:04:05.123 +0000 1rXyz1-000abc-12 H=mx.example [10.0.0.2] "
		    "Connection timed out",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const struct reader_record *rec;
		struct reader_guess g;
		char err[ERR_LEN];
		struct reader *r = mem(lines[i]);

		ck_assert_int_eq(reader_next(r, &rec, err), 1);
		ck_assert_msg(reader_guess_text(lines[i], strlen(lines[i]), &g) == 1,
		    "no guess: %s", lines[i]);
		ck_assert_msg(rec->text == rec->raw + g.text && rec->len == strlen(lines[i]) - g.text,
		    "the message of %s: guessed at %zu, read at %td", lines[i], g.text,
		    rec->text - rec->raw);
		if (g.prog_len == 0)
			ck_assert_ptr_null(rec->program);
		else {
			ck_assert_ptr_nonnull(rec->program);
			ck_assert_uint_eq(strlen(rec->program), g.prog_len);
			ck_assert(memcmp(rec->program, lines[i] + g.prog, g.prog_len) == 0);
		}
		ck_assert_int_eq(rec->pid, g.pid);
		reader_close(r);
	}
	{
		const char *gw = "07:06:54 - Error (119) Network Write Error";
		struct reader_guess g;

		ck_assert_int_eq(reader_guess_text(gw, strlen(gw), &g), 0);
		ck_assert_int_eq(reader_guess_text("", 0, &g), 0);
		ck_assert_int_eq(reader_guess_text("a: ", 3, &g), 0);
	}
}
END_TEST

Suite *
reader_suite(void)
{
	Suite *s = suite_create("reader");
	TCase *tc = tcase_create("kinds");

	tcase_add_test(tc, event_line);
	tcase_add_test(tc, event_edge_cases);
	tcase_add_test(tc, transcript_lines);
	tcase_add_test(tc, other_lines_are_text);
	tcase_add_test(tc, out_of_range_stamps_are_not_events);
	tcase_add_test(tc, wrapped_lines_with_a_bare_time);
	tcase_add_test(tc, leap_second_stamp);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_test(tc, banner_sets_the_date);
	tcase_add_test(tc, later_banner_replaces_the_date);
	tcase_add_test(tc, no_banner_no_date);
	tcase_add_test(tc, things_that_are_not_banners);
	tcase_add_test(tc, leap_day_banner);
	tcase_add_test(tc, date_rolls_over_at_midnight);
	tcase_add_test(tc, rollover_needs_more_than_an_hour_back);
	tcase_add_test(tc, rollover_without_a_date_keeps_the_time);
	suite_add_tcase(s, tc);

	tc = tcase_create("smart_host");
	tcase_add_test(tc, smart_host_from_the_log);
	tcase_add_test(tc, smart_host_forms);
	tcase_add_test(tc, bad_smart_host_is_ignored);
	tcase_add_test(tc, smart_host_line_must_be_well_formed);
	tcase_add_test(tc, smart_host_trailing_space_is_fine);
	tcase_add_test(tc, bad_smart_host_keeps_the_previous_one);
	suite_add_tcase(s, tc);

	tc = tcase_create("lines");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, line_ends);
	tcase_add_test(tc, guess_is_the_readers_split);
	tcase_add_test(tc, no_final_line_end);
	tcase_add_test(tc, empty_input);
	tcase_add_test(tc, file_that_shrinks_while_read);
	tcase_add_test(tc, line_ends_in_a_file);
	tcase_add_test(tc, crlf_split_across_reads);
	tcase_add_test(tc, long_line_is_cut);
	tcase_add_test(tc, ten_megabyte_line);
	tcase_add_test(tc, long_event_line_is_still_an_event);
	tcase_add_test(tc, nul_bytes);
	tcase_add_test(tc, other_bytes_pass_through);
	suite_add_tcase(s, tc);

	tc = tcase_create("object");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, format_follows_the_stamps);
	tcase_add_test(tc, bytes_and_size);
	tcase_add_test(tc, open_mem_uses_only_len_bytes);
	tcase_add_test(tc, file_name_in_records);
	tcase_add_test(tc, dash_is_stdin);
	tcase_add_test(tc, pipe_has_no_size);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, directory_is_refused);
	tcase_add_test(tc, read_error);
	suite_add_tcase(s, tc);
	return s;
}
