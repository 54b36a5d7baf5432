/*
 * logtime: the calendar and the time-stamp readers, directly (issue 16: the
 * module was only tested through the readers that use it). The calendar is
 * held to libc's gmtime() over the whole range it reads; the readers to
 * times worked out independently (Python's calendar.timegm).
 */
#define _GNU_SOURCE	/* timegm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logtime.h"
#include "reader.h"
#include "testutil.h"

#define T_2026_12_07_091448	1796634888LL	/* 2026-12-07 09:14:48 UTC */

/* Every day from year 1 to 9999: days -> date -> days is the identity, and
 * the date is a valid one that follows the day before it. */
START_TEST(days_and_dates_agree_from_year_1_to_9999)
{
	long long first = logtime_days(1, 1, 1), last = logtime_days(9999, 12, 31), day;
	int y, m, d, py = 0, pm = 12, pd = 31;

	ck_assert_int_eq(logtime_days(1970, 1, 1), 0);
	ck_assert_int_eq(logtime_days(2026, 12, 7), T_2026_12_07_091448 / LOGTIME_DAY);
	for (day = first; day <= last; day++) {
		logtime_civil(day, &y, &m, &d);
		if (logtime_days(y, m, d) != day || !logtime_valid_date(y, m, d))
			ck_abort_msg("day %lld gave %04d-%02d-%02d", day, y, m, d);
		/* the next day of the calendar after the previous one */
		if (!((y == py && m == pm && d == pd + 1) ||
		    (y == py && m == pm + 1 && d == 1) || (y == py + 1 && m == 1 && d == 1)))
			ck_abort_msg("%04d-%02d-%02d follows %04d-%02d-%02d", y, m, d, py, pm, pd);
		py = y, pm = m, pd = d;
	}
	ck_assert_int_eq(py, 9999);
}
END_TEST

START_TEST(valid_dates)
{
	ck_assert(logtime_valid_date(2000, 2, 29));
	ck_assert(logtime_valid_date(2024, 2, 29));
	ck_assert(!logtime_valid_date(1900, 2, 29));
	ck_assert(!logtime_valid_date(2023, 2, 29));
	ck_assert(!logtime_valid_date(2026, 4, 31));
	ck_assert(!logtime_valid_date(2026, 13, 1));
	ck_assert(!logtime_valid_date(2026, 0, 1));
	ck_assert(!logtime_valid_date(2026, 1, 0));
	ck_assert(logtime_valid_date(2026, 12, 31));
}
END_TEST

/* logtime_format() against gmtime(), and ISO parse of the format: seeded
 * random times over years 1970..9999. */
START_TEST(format_matches_gmtime_and_parses_back)
{
	unsigned seed = 20261207;
	int i;

	for (i = 0; i < 200000; i++) {
		long long t = ((long long)rand_r(&seed) << 31 | rand_r(&seed)) %
		    253402300800LL, back;
		time_t tt = (time_t)t;
		struct tm tm;
		char want[64], got[32];
		size_t used;

		gmtime_r(&tt, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		logtime_format(t, 1, got);
		ck_assert_msg(strcmp(got, want) == 0, "%lld: %s, gmtime %s", t, got, want);
		ck_assert_int_eq(logtime_parse_iso(got, strlen(got), &back, &used), 0);
		ck_assert_int_eq(back, t);
		ck_assert_uint_eq(used, strlen(got));
	}
}
END_TEST

START_TEST(iso_forms)
{
	static const struct {
		const char *s;
		long long t;
		size_t used;
	} ok[] = {
		{ "2026-12-07T09:14:48Z", T_2026_12_07_091448, 20 },
		{ "2026-12-07 09:14:48", T_2026_12_07_091448, 19 },
		{ "2026-12-07T09:14:48.625240+00:00 host", T_2026_12_07_091448, 32 },
		{ "2026-12-07T10:14:48+01:00", T_2026_12_07_091448, 25 },
		{ "2026-12-07T10:14:48+0100", T_2026_12_07_091448, 24 },
		{ "2026-12-07T04:14:48-05:00", T_2026_12_07_091448, 25 },
		{ "2026-12-07T09:14", T_2026_12_07_091448 - 48, 16 },
		{ "2026-12-07", T_2026_12_07_091448 - (9 * 3600 + 14 * 60 + 48), 10 },
		{ "2024-02-29T12:00:00", 1709208000LL, 19 },
	};
	static const char *const bad[] = { "", "2026", "2026-12", "2026-13-01", "2026-02-30",
	    "2023-02-29", "26-12-07", "x2026-12-07" };
	size_t i, used;
	long long t;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(logtime_parse_iso(ok[i].s, strlen(ok[i].s), &t, &used) == 0,
		    "refused %s", ok[i].s);
		ck_assert_msg(t == ok[i].t, "%s: %lld, want %lld", ok[i].s, t, ok[i].t);
		ck_assert_msg(used == ok[i].used, "%s: used %zu, want %zu", ok[i].s, used,
		    ok[i].used);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(logtime_parse_iso(bad[i], strlen(bad[i]), &t, &used) != 0,
		    "took \"%s\"", bad[i]);
	/* a clock that is not one is not read: the date alone, and the caller
	 * sees that the text goes on (--date refuses what is left over) */
	ck_assert_int_eq(logtime_parse_iso("2026-12-07T25:00:00", 19, &t, &used), 0);
	ck_assert_uint_eq(used, 10);
	ck_assert_int_eq(logtime_parse_iso("2026-12-07T09:60:00", 19, &t, &used), 0);
	ck_assert_uint_eq(used, 10);
	/* the length given is the end: no reading past it */
	ck_assert_int_ne(logtime_parse_iso("2026-12-07T09:14:48Z", 6, &t, &used), 0);
}
END_TEST

/* A year-less syslog stamp goes to the latest year that puts it at or
 * before the anchor: the year before across New Year, the last leap year for
 * February 29. */
START_TEST(bsd_stamps_dated_backwards)
{
	long long anchor = T_2026_12_07_091448, t;
	size_t used;

	ck_assert_int_eq(logtime_parse_bsd_before("Dec  7 09:14:48 host", 20, anchor, &t,
	    &used), 0);
	ck_assert_int_eq(t, anchor);
	ck_assert_uint_eq(used, 15);
	/* one second later than the anchor: a year earlier */
	ck_assert_int_eq(logtime_parse_bsd_before("Dec  7 09:14:49", 15, anchor, &t, &used), 0);
	ck_assert_int_eq(t, anchor + 1 - 365 * LOGTIME_DAY);
	/* Dec 31 read on Jan 1: last year */
	ck_assert_int_eq(logtime_parse_bsd_before("Dec 31 23:59:59", 15, 1798761599LL + 11,
	    &t, &used), 0);
	ck_assert_int_eq(t, 1798761599LL);
	/* Feb 29 read in 2026: 2024 */
	ck_assert_int_eq(logtime_parse_bsd_before("Feb 29 12:00:00", 15, anchor, &t, &used), 0);
	ck_assert_int_eq(t, 1709208000LL);
	/* in a given year */
	ck_assert_int_eq(logtime_parse_bsd("Feb 29 12:00:00", 15, 2024, &t, &used), 0);
	ck_assert_int_eq(t, 1709208000LL);
	ck_assert_int_ne(logtime_parse_bsd("Feb 29 12:00:00", 15, 2023, &t, &used), 0);
	ck_assert_int_ne(logtime_parse_bsd("Foo  7 09:14:48", 15, 2026, &t, &used), 0);
	ck_assert_int_ne(logtime_parse_bsd("Dec 32 09:14:48", 15, 2026, &t, &used), 0);
	ck_assert_int_ne(logtime_parse_bsd("Dec  7 09:14", 12, 2026, &t, &used), 0);
}
END_TEST

START_TEST(ctime_dates_and_months)
{
	long long day;

	ck_assert_int_eq(logtime_parse_ctime("Tue Feb 23 08:50:03 1993", 24, &day), 0);
	ck_assert_int_eq(day, 730425600LL);	/* seconds, at 00:00:00 */
	ck_assert_int_ne(logtime_parse_ctime("Tue Feb 30 08:50:03 1993", 24, &day), 0);
	ck_assert_int_ne(logtime_parse_ctime("Tue Feb 23 08:50:03", 19, &day), 0);
	ck_assert_int_eq(logtime_month("Jan"), 1);
	ck_assert_int_eq(logtime_month("Dec"), 12);
	ck_assert_int_eq(logtime_month("jan"), 0);
	ck_assert_int_eq(logtime_month("Foo"), 0);
}
END_TEST

START_TEST(format_without_date)
{
	char out[32];

	logtime_format(T_2026_12_07_091448, 0, out);
	ck_assert_str_eq(out, "09:14:48");
	logtime_format(0, 1, out);
	ck_assert_str_eq(out, "1970-01-01T00:00:00");
}
END_TEST

/*
 * Stamps as people paste them (issue rl): "May 3" with one space, the year
 * after the clock, mailcow's day-first export. Times worked out apart
 * (Python's calendar.timegm).
 */
START_TEST(pasted_stamp_forms)
{
	long long t;
	size_t used;
	int mo, d;
	long long secs;

	/* 2026-05-03 10:31:22 = 1777804282 */
	ck_assert_int_eq(logtime_parse_bsd("May 3 10:31:22 web", 18, 2026, &t, &used), 0);
	ck_assert_int_eq(t, 1777804282LL);
	ck_assert_uint_eq(used, 14);
	ck_assert_int_eq(logtime_parse_bsd("May  3 10:31:22 web", 19, 2026, &t, &used), 0);
	ck_assert_int_eq(t, 1777804282LL);
	ck_assert_uint_eq(used, 15);
	ck_assert_int_eq(logtime_parse_bsd_fields("May 3 10:31:22 x", 16, &mo, &d, &secs, &used), 0);
	ck_assert_int_eq(mo, 5);
	ck_assert_int_eq(d, 3);
	ck_assert_uint_eq(used, 14);
	/* not a day: three digits, none, a letter */
	ck_assert_int_ne(logtime_parse_bsd_fields("May 123 10:31:22 x", 18, &mo, &d, &secs, &used), 0);
	ck_assert_int_ne(logtime_parse_bsd_fields("May  10:31:22 x", 15, &mo, &d, &secs, &used), 0);
	ck_assert_int_ne(logtime_parse_bsd_fields("May x 10:31:22 x", 16, &mo, &d, &secs, &used), 0);
	ck_assert_int_ne(logtime_parse_bsd_fields("May 0 10:31:22 x", 16, &mo, &d, &secs, &used), 0);
	/* 2016-04-06 15:16:46 = 1459955806 */
	ck_assert_int_eq(logtime_parse_bsd_year("Apr 06 15:16:46 2016 barracuda", 30, &t, &used), 0);
	ck_assert_int_eq(t, 1459955806LL);
	ck_assert_uint_eq(used, 20);
	/* a host name of digits is not a year unless it is one; no space after: none */
	ck_assert_int_ne(logtime_parse_bsd_year("Apr 06 15:16:46 0042 x", 22, &t, &used), 0);
	ck_assert_int_ne(logtime_parse_bsd_year("Apr 06 15:16:46 2016x", 21, &t, &used), 0);
	ck_assert_int_ne(logtime_parse_bsd_year("Feb 29 15:16:46 2015 x", 22, &t, &used), 0);
	/* 2019-12-11 16:53:13 = 1576083193 */
	ck_assert_int_eq(logtime_parse_dmy("11.12.2019, 16:53:13 | info | connect", 37, &t, &used), 0);
	ck_assert_int_eq(t, 1576083193LL);
	ck_assert_uint_eq(used, 29);	/* the level column passed over */
	ck_assert_int_eq(logtime_parse_dmy("11.12.2019, 16:53:13 connect", 28, &t, &used), 0);
	ck_assert_uint_eq(used, 20);
	ck_assert_int_ne(logtime_parse_dmy("31.02.2019, 16:53:13 x", 22, &t, &used), 0);
	ck_assert_int_ne(logtime_parse_dmy("11.12.2019 16:53:13 x", 21, &t, &used), 0);
	/* a time of day alone: one or two digits of hour, then a space */
	ck_assert_int_eq(logtime_parse_clock_alone("3:04:29 host", 12, &secs, &used), 0);
	ck_assert_int_eq(secs, 3 * 3600 + 4 * 60 + 29);
	ck_assert_uint_eq(used, 7);
	ck_assert_int_eq(logtime_parse_clock_alone("13:04:29 host", 13, &secs, &used), 0);
	ck_assert_int_eq(secs, 13 * 3600 + 4 * 60 + 29);
	ck_assert_uint_eq(used, 8);
	ck_assert_int_ne(logtime_parse_clock_alone("13:04:29", 8, &secs, &used), 0);
	ck_assert_int_ne(logtime_parse_clock_alone("3:04:29", 7, &secs, &used), 0);
	ck_assert_int_ne(logtime_parse_clock_alone("24:04:29 x", 10, &secs, &used), 0);
	ck_assert_int_ne(logtime_parse_clock_alone("3:4:29 x", 8, &secs, &used), 0);
	ck_assert_int_ne(logtime_parse_clock_alone("3:04 x", 6, &secs, &used), 0);
	ck_assert_int_ne(logtime_parse_clock_alone("13:04:29.5 x", 12, &secs, &used), 0);
}
END_TEST

static size_t
prefix_of(const char *s)
{
	return logtime_prefix(s, strlen(s));
}

START_TEST(prefixes_the_log_did_not_write)
{
	ck_assert_uint_eq(prefix_of("    Nov  3 18:06:25 mail postfix/smtp[1]: x"), 4);
	ck_assert_uint_eq(prefix_of("\tNov  3 18:06:25 mail postfix/smtp[1]: x"), 1);
	ck_assert_uint_eq(prefix_of("/var/log/mail.log.2.gz:Nov  3 18:06:25 mail x"), 23);
	ck_assert_uint_eq(prefix_of("maillog:2026-11-03T18:06:25+01:00 mail x"), 8);
	ck_assert_uint_eq(prefix_of("postfix-mailcow_1    | Feb  7 11:17:56 mail x"), 23);
	ck_assert_uint_eq(prefix_of("mailcowdockerized-postfix-mailcow-1  | Feb  7 11:17:56 x"), 39);
	ck_assert_uint_eq(prefix_of("exmx1 : Dec 14 05:28:39 exmx1 sendmail[3]: x"), 8);
	/* none: a stamp first, or no stamp after the prefix, or words */
	ck_assert_uint_eq(prefix_of("Nov  3 18:06:25 mail postfix/smtp[1]: x"), 0);
	ck_assert_uint_eq(prefix_of("2026-11-03 18:06:25 1vN3xA-0004Zk-Q1 == a@b"), 0);
	ck_assert_uint_eq(prefix_of("    at java.lang.Thread.run(Thread.java:748)"), 0);
	ck_assert_uint_eq(prefix_of("warning: something: 12 of them"), 0);
	ck_assert_uint_eq(prefix_of("Note: Nov is a month"), 0);
	ck_assert_uint_eq(prefix_of("web | hello"), 0);
	ck_assert_uint_eq(prefix_of(""), 0);
	ck_assert_uint_eq(prefix_of("   "), 0);
}
END_TEST

/* A reader of log in memory, BSD stamps dated back from 2026-12-07. */
static struct reader *
open_anchored(const char *log, size_t len)
{
	struct reader_params p;
	struct reader *r;

	reader_params_init(&p);
	p.has_anchor = 1;
	p.anchor = T_2026_12_07_091448;
	r = reader_open_mem_params("pasted.log", log, len, &p);
	ck_assert_ptr_nonnull(r);
	return r;
}

/* The reader passes the prefixes over: the line's time, host and program are read. */
START_TEST(reader_reads_pasted_lines)
{
	static const char log[] =
	    "postfix-mailcow_1    | Feb  7 11:18:26 mail postfix/smtp[396]: connect to x\n"
	    "/mail/log/info.2.gz:Apr 06 15:16:46 2016 barracuda outbound/error: y\n"
	    "    May 3 10:31:22 web postfix/smtp[19260]: z\n"
	    "11.12.2019, 16:53:13 | info | connect to w\n"
	    "postfix-mailcow_1  | 07.12.2026, 10:00:01 | info | t\n"
	    "3:04:29 c493 mail.info postfix/smtp[2474]: v\n"
	    "13:04:29 gw postfix/smtp[2475]: u\n"
	    "12:00:01 INFO no host and tag\n";
	static const struct {
		const char *when, *host, *program, *text;
	} want[] = {
		{ "2026-02-07T11:18:26", "mail", "postfix/smtp", "connect to x" },
		{ "2016-04-06T15:16:46", "barracuda", "outbound/error", "y" },
		{ "2026-05-03T10:31:22", "web", "postfix/smtp", "z" },
		{ "2019-12-11T16:53:13", NULL, NULL, "connect to w" },
		{ "2026-12-07T10:00:01", NULL, NULL, "t" },
		/* busybox's facility before the tag: passed over */
		{ "03:04:29", "c493", "postfix/smtp", "v" },
		{ "13:04:29", "gw", "postfix/smtp", "u" },
	};
	struct reader *r = open_anchored(log, sizeof(log) - 1);
	const struct reader_record *rec;
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_int_eq(reader_next(r, &rec, err), 1);
		ck_assert_int_eq(rec->kind, READER_EVENT);
		ck_assert_int_eq(rec->has_time, 1);
		ck_assert_int_eq(rec->has_date, strlen(want[i].when) > 8);
		ck_assert_str_eq(rec->when, want[i].when);
		if (want[i].host == NULL)
			ck_assert_ptr_null(rec->program);
		else {
			ck_assert_str_eq(rec->host, want[i].host);
			ck_assert_str_eq(rec->program, want[i].program);
		}
		ck_assert_uint_eq(rec->len, strlen(want[i].text));
		ck_assert_int_eq(memcmp(rec->text, want[i].text, rec->len), 0);
	}
	/*
	 * A clock, then no "host prog[pid]: ": not a syslog line, its own time
	 * not read; as a line with no stamp after a syslog line it is taken
	 * for a wrapped piece of that line, and has its time.
	 */
	ck_assert_int_eq(reader_next(r, &rec, err), 1);
	ck_assert_int_eq(rec->kind, READER_TEXT);
	ck_assert_int_eq(rec->has_time, 1);
	ck_assert_str_eq(rec->when, "13:04:29");
	ck_assert_int_eq(reader_next(r, &rec, err), 0);
	reader_close(r);
}
END_TEST

/*
 * The pieces of a syslog line wrapped by a mail client have its time; a
 * piece that starts with one of the line's fields is read with the line
 * (mta_continuation()), matched alone; others are plain text with no time.
 */
START_TEST(reader_wrapped_pieces_have_the_lines_time)
{
	static const char log[] =
	    "exmx1 : Dec 14 05:28:39 exmx1 sendmail[31574]: mBDIYhEa031574:\n"
	    "to=<customer at example.com>, delay=00:00:00, xde\n"
	    "lay=00:00:00, mailer=esmtp, pri=41874, relay=mail.example.com.,\n"
	    "and more words\n"
	    "{\"time\":\"2026-12-14T06:00:00Z\",\"event\":\"x\"}\n"
	    "not a piece of a syslog line\n";
	static const char *const whole[] = {
	    "mBDIYhEa031574: to=<customer at example.com>, delay=00:00:00, xde",
	    "mBDIYhEa031574: to=<customer at example.com>, delay=00:00:00, xdelay=00:00:00, "
	    "mailer=esmtp, pri=41874, relay=mail.example.com.,"
	};
	static const char *const piece[] = {
	    "to=<customer at example.com>, delay=00:00:00, xde",
	    "lay=00:00:00, mailer=esmtp, pri=41874, relay=mail.example.com.,"
	};
	struct reader *r = open_anchored(log, sizeof(log) - 1);
	const struct reader_record *rec;
	char err[ERR_LEN];
	int i;

	ck_assert_int_eq(reader_next(r, &rec, err), 1);
	ck_assert_str_eq(rec->program, "sendmail");
	ck_assert_str_eq(rec->when, "2025-12-14T05:28:39");
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(reader_next(r, &rec, err), 1);
		ck_assert_int_eq(rec->kind, READER_EVENT);
		ck_assert_uint_eq(rec->line, (unsigned long)i + 2);
		ck_assert_str_eq(rec->program, "sendmail");
		ck_assert_int_eq(rec->has_time, 1);
		ck_assert_int_eq(rec->has_date, 1);
		ck_assert_int_eq(rec->year_inferred, 1);
		ck_assert_str_eq(rec->when, "2025-12-14T05:28:39");
		ck_assert_uint_eq(rec->len, strlen(whole[i]));
		ck_assert_int_eq(memcmp(rec->text, whole[i], rec->len), 0);
		ck_assert_uint_eq(rec->subjectlen, strlen(piece[i]));
		ck_assert_int_eq(memcmp(rec->subject, piece[i], rec->subjectlen), 0);
	}
	/* no field first: a piece of plain text, with the line's time */
	ck_assert_int_eq(reader_next(r, &rec, err), 1);
	ck_assert_int_eq(rec->kind, READER_TEXT);
	ck_assert_int_eq(rec->has_time, 1);
	ck_assert_str_eq(rec->when, "2025-12-14T05:28:39");
	ck_assert_int_eq(reader_next(r, &rec, err), 1);
	ck_assert_int_eq(reader_next(r, &rec, err), 1);
	ck_assert_int_eq(rec->kind, READER_TEXT);
	ck_assert_int_eq(rec->has_time, 0);
	ck_assert_int_eq(reader_next(r, &rec, err), 0);
	reader_close(r);
}
END_TEST

Suite *
logtime_suite(void)
{
	Suite *s = suite_create("logtime");
	TCase *tc = tcase_create("calendar");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, days_and_dates_agree_from_year_1_to_9999);
	tcase_add_test(tc, valid_dates);
	tcase_add_test(tc, format_matches_gmtime_and_parses_back);
	tcase_add_test(tc, iso_forms);
	tcase_add_test(tc, bsd_stamps_dated_backwards);
	tcase_add_test(tc, ctime_dates_and_months);
	tcase_add_test(tc, format_without_date);
	tcase_add_test(tc, pasted_stamp_forms);
	tcase_add_test(tc, prefixes_the_log_did_not_write);
	tcase_add_test(tc, reader_reads_pasted_lines);
	tcase_add_test(tc, reader_wrapped_pieces_have_the_lines_time);
	suite_add_tcase(s, tc);
	return s;
}
