/* reader_journal: the journal's and docker's forms, through the reader. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logtime.h"
#include "reader.h"
#include "testutil.h"

#define MSG	"4F3A21: to=<a@b.example>, relay=none, delay=30, delays=0/0/30/0, " \
		"dsn=4.4.1, status=deferred (connect to mx.b.example[192.0.2.1]:25: " \
		"Connection timed out)"
/* 1796670387 is 2026-12-07T19:06:27 UTC */
#define T0	1796670387LL

static struct reader *
mem_as(const char *s, size_t n, enum reader_format f)
{
	struct reader_params p;

	reader_params_init(&p);
	p.format = f;
	return reader_open_mem_params("test.log", s, n, &p);
}

static const struct reader_record *
next(struct reader *r)
{
	const struct reader_record *rec = NULL;
	char err[ERR_LEN] = "";
	int rc = reader_next(r, &rec, err);

	ck_assert_msg(rc == 1, "reader_next gave %d, want a record (%s)", rc, err);
	return rec;
}

static void
same(const char *what, const char *p, size_t n, const char *want)
{
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(n == strlen(want) && memcmp(p, want, n) == 0,
	    "%s: \"%.*s\" (%zu bytes), want \"%s\"", what, (int)(n > 200 ? 200 : n), p, n, want);
}

/* An event with this time (or none: t < 0), program, pid, host and message. */
static void
event(const struct reader_record *rec, enum reader_format f, long long t, const char *prog,
    long pid, const char *host, const char *text)
{
	ck_assert_msg(rec->kind == READER_EVENT, "line %lu \"%.80s\": kind %d", rec->line,
	    rec->raw, rec->kind);
	ck_assert_msg(rec->format == f, "line %lu \"%.80s\": format %d, want %d", rec->line,
	    rec->raw, rec->format, f);
	if (t < 0)
		ck_assert_int_eq(rec->has_time, 0);
	else {
		ck_assert_msg(rec->has_time && rec->has_date, "line %lu: no time", rec->line);
		ck_assert_msg(rec->t == t, "line %lu: t %lld, want %lld", rec->line, rec->t, t);
		ck_assert_int_eq(rec->year_inferred, 0);
	}
	if (prog)
		ck_assert_str_eq(rec->program, prog);
	else
		ck_assert_ptr_null(rec->program);
	ck_assert_int_eq(rec->pid, pid);
	if (host)
		ck_assert_str_eq(rec->host, host);
	same("text", rec->text, rec->len, text);
}

START_TEST(journal_json)
{
	static const char in[] =
	    "{\"__REALTIME_TIMESTAMP\":\"1796670387000000\",\"SYSLOG_IDENTIFIER\":\"postfix/smtp\","
	    "\"_PID\":\"123\",\"_HOSTNAME\":\"mx\",\"MESSAGE\":\"" MSG "\"}\n"
	    /* json-seq; SYSLOG_PID before _PID; _COMM without an identifier */
	    "\x1e{\"__REALTIME_TIMESTAMP\":\"1796670388999999\",\"_COMM\":\"exim4\","
	    "\"SYSLOG_PID\":\"7\",\"_PID\":\"8\",\"MESSAGE\":\"a\"}\n"
	    /* not UTF-8: bytes; null: left out by journalctl; several values */
	    "{\"__REALTIME_TIMESTAMP\":\"1796670389000000\",\"MESSAGE\":[104,105,255,10,0,33]}\n"
	    "{\"__REALTIME_TIMESTAMP\":\"1796670390000000\",\"MESSAGE\":null}\n"
	    "{\"__REALTIME_TIMESTAMP\":\"1796670391000000\",\"MESSAGE\":[\"one\",\"two\"]}\n"
	    /* no time, a number out of range, a host with a space: what is good is kept */
	    "{\"MESSAGE\":\"m\",\"__REALTIME_TIMESTAMP\":\"99999999999999999999\",\"_HOSTNAME\":"
	    "\"a b\",\"SYSLOG_IDENTIFIER\":\"p\",\"_PID\":\"-1\"}\n";
	struct reader *r = reader_open_mem("test.log", in, sizeof(in) - 1);
	const struct reader_record *rec = next(r);

	event(rec, READER_FORMAT_JOURNAL, T0, "postfix/smtp", 123, "mx", MSG);
	/* matched as the syslog line would be, without its stamp */
	same("subject", rec->subject, rec->subjectlen, "mx postfix/smtp[123]: " MSG);
	ck_assert_str_eq(rec->when, "2026-12-07T19:06:27");
	ck_assert_int_eq(rec->bad_json, 0);
	rec = next(r);
	event(rec, READER_FORMAT_JOURNAL, T0 + 1, "exim4", 7, NULL, "a");
	same("subject", rec->subject, rec->subjectlen, "exim4[7]: a");
	rec = next(r);
	ck_assert_int_eq(rec->len, 6);
	ck_assert(memcmp(rec->text, "hi\xff\n\0!", 6) == 0);
	rec = next(r);
	event(rec, READER_FORMAT_JOURNAL, T0 + 3, NULL, 0, NULL, "");
	event(next(r), READER_FORMAT_JOURNAL, T0 + 4, NULL, 0, NULL, "one");
	rec = next(r);
	event(rec, READER_FORMAT_JOURNAL, -1, "p", 0, NULL, "m");
	ck_assert_ptr_null(rec->host);
	ck_assert_int_eq(reader_format(r), READER_FORMAT_JOURNAL);
	/* the null MESSAGE is said, once */
	ck_assert_ptr_nonnull(reader_notice(r));
	ck_assert_contains(reader_notice(r), "1 journal entry whose MESSAGE was null");
	reader_close(r);
}
END_TEST

START_TEST(json_that_is_not_the_journal)
{
	static const char in[] =
	    "{\"time\":\"2026-11-23T10:15:02Z\",\"text\":\"Error (119) Network Write Error\"}\n"
	    "{\"foo\":1}\n"
	    "{\"MESSAGE\":\"x\",\n";
	struct reader *r = reader_open_mem("test.log", in, sizeof(in) - 1);
	const struct reader_record *rec = next(r);

	ck_assert_int_eq(rec->format, READER_FORMAT_NDJSON);
	ck_assert_int_eq(rec->kind, READER_EVENT);
	rec = next(r);
	ck_assert_int_eq(rec->kind, READER_TEXT);
	ck_assert_int_eq(rec->bad_json, 2);
	rec = next(r);
	ck_assert_int_eq(rec->kind, READER_TEXT);
	ck_assert_int_eq(rec->bad_json, 1);
	reader_close(r);
}
END_TEST

START_TEST(forced_formats)
{
	static const char j[] = "{\"__REALTIME_TIMESTAMP\":\"1796670387000000\",\"MESSAGE\":\"m\"}\n";
	static const char d[] = "{\"log\":\"m\\n\",\"stream\":\"stderr\",\"time\":"
	    "\"2026-12-07T19:06:27.5Z\"}\n";
	struct reader *r;

	r = mem_as(j, sizeof(j) - 1, READER_FORMAT_NDJSON);
	ck_assert_int_eq(next(r)->bad_json, 2);		/* not smtpgw's */
	reader_close(r);
	r = mem_as(j, sizeof(j) - 1, READER_FORMAT_DOCKER);
	ck_assert_int_eq(next(r)->kind, READER_TEXT);
	reader_close(r);
	r = mem_as(j, sizeof(j) - 1, READER_FORMAT_JOURNAL);
	event(next(r), READER_FORMAT_JOURNAL, T0, NULL, 0, NULL, "m");
	reader_close(r);
	r = mem_as(d, sizeof(d) - 1, READER_FORMAT_JOURNAL);
	ck_assert_int_eq(next(r)->kind, READER_TEXT);
	reader_close(r);
	r = mem_as(d, sizeof(d) - 1, READER_FORMAT_DOCKER);
	event(next(r), READER_FORMAT_DOCKER, T0, NULL, 0, NULL, "m");
	reader_close(r);
	r = mem_as(j, sizeof(j) - 1, READER_FORMAT_TEXT);
	ck_assert_int_eq(next(r)->kind, READER_TEXT);
	reader_close(r);
}
END_TEST

START_TEST(short_forms)
{
	static const char in[] =
	    "2026-12-07T19:06:27+0000 mx postfix/smtp[123]: " MSG "\n"		/* short-iso, old */
	    "2026-12-07T19:06:27.123456+00:00 mx postfix/smtp[123]: " MSG "\n"	/* -iso-precise */
	    "Mon 2026-12-07 19:06:27 UTC mx postfix/smtp[123]: " MSG "\n"	/* short-full */
	    "1796670387.123456 mx postfix/smtp[123]: " MSG "\n"		/* short-unix */
	    "[ 12345.678901] mx postfix/smtp[123]: " MSG "\n"			/* short-monotonic */
	    "Mon 2026-12-07 19:06:27 utc mx p[1]: not a zone\n"
	    "17966703.123456 mx p[1]: too few digits\n"
	    "[12345.67] mx p[1]: not journalctl's\n";
	struct reader *r = reader_open_mem("test.log", in, sizeof(in) - 1);
	const struct reader_record *rec;
	int i;

	for (i = 0; i < 4; i++)
		event(next(r), READER_FORMAT_SYSLOG, T0, "postfix/smtp", 123, "mx", MSG);
	rec = next(r);
	event(rec, READER_FORMAT_SYSLOG, -1, "postfix/smtp", 123, "mx", MSG);
	ck_assert_str_eq(rec->when, "");
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(next(r)->kind, READER_TEXT);
	ck_assert_ptr_nonnull(reader_notice(r));
	ck_assert_contains(reader_notice(r), "short-monotonic");
	reader_close(r);
}
END_TEST

START_TEST(short_and_its_header)
{
	/* short and short-precise: the year from the header's end, not the anchor */
	static const char in[] =
	    "-- Logs begin at Thu 2024-12-05 10:00:00 UTC, end at Sun 2025-01-05 10:00:00 UTC. --\n"
	    "Dec 31 23:59:59 mx postfix/smtp[1]: a\n"
	    "-- Boot 0f3c6c0b1b1b4d9a9b2e1f4f6a7b8c9d --\n"
	    "Jan 01 00:00:01.500000 mx postfix/smtp[2]: b\n"
	    "-- No entries --\n";
	struct reader_params p;
	struct reader *r;
	const struct reader_record *rec;
	long long anchor;

	reader_params_init(&p);
	r = reader_open_mem_params("test.log", in, sizeof(in) - 1, &p);
	ck_assert_int_eq(next(r)->kind, READER_TEXT);
	rec = next(r);
	ck_assert_int_eq(rec->kind, READER_EVENT);
	ck_assert_str_eq(rec->when, "2024-12-31T23:59:59");
	ck_assert_int_eq(next(r)->kind, READER_TEXT);
	rec = next(r);
	ck_assert_int_eq(rec->kind, READER_EVENT);
	ck_assert_str_eq(rec->when, "2025-01-01T00:00:01");
	ck_assert_str_eq(rec->program, "postfix/smtp");
	ck_assert_int_eq(next(r)->kind, READER_TEXT);
	ck_assert_int_eq(reader_year(r, &anchor), READER_YEAR_HEADER);
	ck_assert_int_eq(anchor, logtime_days(2025, 1, 5) * LOGTIME_DAY + 36000);
	ck_assert_ptr_nonnull(reader_year_from_text(READER_YEAR_HEADER));
	reader_close(r);
	/* --date wins over the header */
	p.has_anchor = 1;
	p.anchor = logtime_days(2030, 6, 1) * LOGTIME_DAY;
	r = reader_open_mem_params("test.log", in, sizeof(in) - 1, &p);
	next(r);
	ck_assert_str_eq(next(r)->when, "2029-12-31T23:59:59");
	ck_assert_int_eq(reader_year(r, NULL), READER_YEAR_OPTION);
	reader_close(r);
}
END_TEST

START_TEST(docker_forms)
{
	static const char in[] =
	    "{\"log\":\"Dec  7 17:06:27 mx postfix/smtp[123]: " MSG "\\n\",\"stream\":\"stdout\","
	    "\"time\":\"2026-12-07T19:06:27.123456789Z\"}\n"
	    "{\"log\":\"plain output\\r\\n\",\"stream\":\"stderr\",\"time\":"
	    "\"2026-12-07T20:06:27.1+01:00\"}\n"
	    "2026-12-07T19:06:27.123456789Z Dec  7 17:06:27 mx postfix/smtp[123]: " MSG "\n"
	    "2026-12-07T19:06:27.123456789Z 2026-12-07T17:06:27+00:00 mx postfix/smtp[123]: "
	    MSG "\n"
	    "2026-12-07T19:06:27.123456789Z plain output\n";
	struct reader *r = reader_open_mem("test.log", in, sizeof(in) - 1);
	const struct reader_record *rec = next(r);

	/* docker's time, with its year; the line's own for who wrote it */
	event(rec, READER_FORMAT_DOCKER, T0, "postfix/smtp", 123, "mx", MSG);
	same("subject", rec->subject, rec->subjectlen,
	    "Dec  7 17:06:27 mx postfix/smtp[123]: " MSG);
	ck_assert_int_eq(reader_year(r, NULL), READER_YEAR_NONE);
	event(next(r), READER_FORMAT_DOCKER, T0, NULL, 0, NULL, "plain output");
	event(next(r), READER_FORMAT_DOCKER, T0, "postfix/smtp", 123, "mx", MSG);
	event(next(r), READER_FORMAT_DOCKER, T0, "postfix/smtp", 123, "mx", MSG);
	event(next(r), READER_FORMAT_DOCKER, T0, NULL, 0, NULL, "plain output");
	ck_assert_int_eq(reader_format(r), READER_FORMAT_DOCKER);
	reader_close(r);
}
END_TEST

/*
 * docker json-file writes a line over 16 kB as entries of 16384 bytes
 * without a line end, then the last: joined, per stream, into the record of
 * the last, placed at the first at its time; the parts are lines counted,
 * never matched. A line whose last entry never came is said at the end.
 */
START_TEST(docker_partial_entries)
{
	static const char head[] = "Dec  7 17:06:27 mx postfix/smtp[123]: ";
	struct buf in = BUF_INIT, line = BUF_INIT;
	const struct reader_record *rec;
	struct reader *r;
	char err[ERR_LEN];
	size_t i, at;

	/* the failure at the end of a line of 40,000 bytes */
	buf_puts(&line, head);
	while (line.len < 40000 - strlen(MSG))
		buf_putc(&line, 'x');
	buf_puts(&line, " " MSG);
	for (at = 0, i = 0; at < line.len; at += 16384, i++) {
		size_t n = line.len - at < 16384 ? line.len - at : 16384;

		buf_printf(&in, "{\"log\":\"%.*s%s\",\"stream\":\"stdout\",\"time\":"
		    "\"2026-12-07T19:06:%02zu.5Z\"}\n", (int)n, line.data + at,
		    at + n == line.len ? "\\n" : "", 27 + i);
		if (i == 0)	/* the other stream between the parts */
			buf_puts(&in, "{\"log\":\"on stderr\\n\",\"stream\":\"stderr\",\"time\":"
			    "\"2026-12-07T19:06:27Z\"}\n");
	}
	r = reader_open_mem("test.log", in.data, in.len);
	rec = next(r);
	ck_assert_int_eq(rec->inner, 1);
	ck_assert_uint_eq(rec->subjectlen, 0);
	event(next(r), READER_FORMAT_DOCKER, T0, NULL, 0, NULL, "on stderr");
	rec = next(r);
	ck_assert_int_eq(rec->inner, 1);
	rec = next(r);
	ck_assert_int_eq(rec->inner, 0);
	ck_assert_uint_eq(rec->line, 1);	/* at the first part, at its time */
	ck_assert_int_eq(rec->self, 1);
	event(rec, READER_FORMAT_DOCKER, T0, "postfix/smtp", 123, "mx",
	    line.data + strlen(head));
	ck_assert_int_eq(reader_next(r, &rec, err), 0);
	ck_assert_ptr_null(reader_notice(r));
	reader_close(r);
	/* cut after its first part: said, with where it starts */
	r = reader_open_mem("test.log", in.data, strchr(in.data, '\n') + 1 - in.data);
	ck_assert_int_eq(next(r)->inner, 1);
	ck_assert_int_eq(reader_next(r, &rec, err), 0);
	ck_assert_ptr_nonnull(reader_notice(r));
	ck_assert_msg(strstr(reader_notice(r), "test.log: the last line of docker's log (stdout, "
	    "from line 1) has no line end") != NULL, "%s", reader_notice(r));
	reader_close(r);
	buf_free(&in);
	buf_free(&line);
}
END_TEST

/*
 * journalctl -o json-pretty: an entry over several lines, from "{" to "}",
 * is the record of its "}" placed at its MESSAGE line, read as the same
 * object on one line; its lines are counted, never matched. A "{" alone
 * without a field after it is text; an entry cut at the end is said.
 */
START_TEST(json_pretty_entries)
{
	static const char in[] =
	    "{\n"
	    "        \"__CURSOR\" : \"s=1;i=2\",\n"
	    "        \"__REALTIME_TIMESTAMP\" : \"1796670387000000\",\n"
	    "        \"SYSLOG_IDENTIFIER\" : \"postfix/smtp\",\n"
	    "        \"MESSAGE\" : \"" MSG "\",\n"
	    "        \"_PID\" : \"123\",\n"
	    "        \"_HOSTNAME\" : \"mx\"\n"
	    "}\n"
	    "{\n"
	    "\t\"__REALTIME_TIMESTAMP\" : \"1796670387000000\",\n"
	    "\t\"SYSLOG_IDENTIFIER\" : \"postfix/smtp\",\n"
	    "\t\"MESSAGE\" : [\n"
	    "\t\t104,\n"
	    "\t\t105\n"
	    "\t]\n"
	    "}\n"
	    "{\n"
	    "plain text\n"
	    "{\n"
	    "\t\"MESSAGE\" : \"cut\",\n";
	struct reader *r = reader_open_mem("test.log", in, sizeof(in) - 1);
	const struct reader_record *rec;
	char err[ERR_LEN];
	int i;

	for (i = 1; i <= 7; i++) {
		rec = next(r);
		ck_assert_msg(rec->inner == 1 && rec->subjectlen == 0, "line %d", i);
	}
	rec = next(r);
	ck_assert_uint_eq(rec->line, 5);	/* its MESSAGE's */
	ck_assert_int_eq(rec->self, 1);
	event(rec, READER_FORMAT_JOURNAL, T0, "postfix/smtp", 123, "mx", MSG);
	for (i = 9; i <= 15; i++)
		ck_assert_int_eq(next(r)->inner, 1);
	rec = next(r);
	ck_assert_uint_eq(rec->line, 12);
	event(rec, READER_FORMAT_JOURNAL, T0, "postfix/smtp", 0, NULL, "hi");
	ck_assert_int_eq(next(r)->inner, 1);	/* a "{" alone: nothing to match */
	rec = next(r);
	ck_assert_int_eq(rec->inner, 0);
	same("text", rec->text, rec->len, "plain text");
	ck_assert_int_eq(next(r)->inner, 1);
	ck_assert_int_eq(next(r)->inner, 1);
	ck_assert_int_eq(reader_next(r, &rec, err), 0);
	ck_assert_int_eq(reader_format(r), READER_FORMAT_JOURNAL);
	ck_assert_ptr_nonnull(reader_notice(r));
	ck_assert_msg(strstr(reader_notice(r), "test.log: the last journal entry (journalctl -o "
	    "json-pretty, from line 19) is cut short") != NULL, "%s", reader_notice(r));
	reader_close(r);
}
END_TEST

/*
 * journalctl -o verbose: a header (the time, the cursor), then the fields 4
 * spaces in; the record is the line that completes what a record needs
 * (its _HOSTNAME after MESSAGE), placed at the MESSAGE line, or the next
 * header for an entry without _HOSTNAME; one left without either at the end
 * is said. A line of neither shape ends an entry.
 */
START_TEST(verbose_entries)
{
	static const char in[] =
	    "Mon 2026-12-07 19:06:27.123456 UTC [s=6a1c;i=1;b=8e1f;m=3e8;t=5ea4;x=3bfe]\n"
	    "    _TRANSPORT=syslog\n"
	    "    SYSLOG_IDENTIFIER=postfix/smtp\n"
	    "    SYSLOG_PID=123\n"
	    "    MESSAGE=" MSG "\n"
	    "    _PID=123\n"
	    "    _HOSTNAME=mx\n"
	    "    _SOURCE_REALTIME_TIMESTAMP=1796670387123000\n"
	    "Mon 2026-12-07 19:06:27.000000 UTC [s=6a1c;i=2;b=8e1f;m=3e9;t=5ea5;x=3bff]\n"
	    "    _COMM=smtp\n"
	    "    MESSAGE=" MSG "\n"
	    "Mon 2026-12-07 19:06:27.000000 UTC [s=6a1c;i=3;b=8e1f;m=3ea;t=5ea6;x=3c00]\n"
	    "    MESSAGE=hi\n"
	    "plain text\n"
	    "Mon 2026-12-07 19:06:27.000000 UTC [s=6a1c;i=4;b=8e1f;m=3eb;t=5ea7;x=3c01]\n"
	    "    MESSAGE=cut\n";
	struct reader *r = reader_open_mem("test.log", in, sizeof(in) - 1);
	const struct reader_record *rec;
	char err[ERR_LEN];
	int i;

	for (i = 1; i <= 6; i++)
		ck_assert_int_eq(next(r)->inner, 1);
	rec = next(r);	/* _HOSTNAME: the record, at MESSAGE's line */
	ck_assert_uint_eq(rec->line, 5);
	ck_assert_int_eq(rec->self, 1);
	event(rec, READER_FORMAT_JOURNAL, T0, "postfix/smtp", 123, "mx", MSG);
	ck_assert_int_eq(next(r)->inner, 1);
	for (i = 9; i <= 11; i++)
		ck_assert_int_eq(next(r)->inner, 1);
	rec = next(r);	/* the next header gives the entry without _HOSTNAME */
	ck_assert_uint_eq(rec->line, 11);
	event(rec, READER_FORMAT_JOURNAL, T0, "smtp", 0, NULL, MSG);
	ck_assert_int_eq(next(r)->inner, 1);
	rec = next(r);	/* ends the entry (MESSAGE=hi, lost: no host, no next header) */
	ck_assert_int_eq(rec->inner, 0);
	same("text", rec->text, rec->len, "plain text");
	ck_assert_int_eq(next(r)->inner, 1);
	ck_assert_int_eq(next(r)->inner, 1);
	ck_assert_int_eq(reader_next(r, &rec, err), 0);
	ck_assert_ptr_nonnull(reader_notice(r));
	ck_assert_msg(strstr(reader_notice(r), "test.log: the last journal entry (journalctl -o "
	    "verbose, from line 15) has no _HOSTNAME") != NULL, "%s", reader_notice(r));
	reader_close(r);
}
END_TEST

/* An export entry with MESSAGE as a binary field of these bytes. */
static void
export_entry(char **buf, size_t *len, const char *msg, size_t n, int binary)
{
	FILE *f = open_memstream(buf, len);
	unsigned char le[8];
	int i;

	fputs("__CURSOR=s=1;i=2\n__REALTIME_TIMESTAMP=1796670387000000\n"
	    "SYSLOG_IDENTIFIER=postfix/smtp\n", f);
	if (binary) {
		for (i = 0; i < 8; i++)
			le[i] = (unsigned char)((unsigned long long)n >> (8 * i));
		fputs("MESSAGE\n", f);
		fwrite(le, 1, 8, f);
		fwrite(msg, 1, n, f);
		fputc('\n', f);
	} else
		fprintf(f, "MESSAGE=%.*s\n", (int)n, msg);
	fputs("_PID=123\n_HOSTNAME=mx\n\n", f);
	fclose(f);
}

START_TEST(export_entries)
{
	/* lengths whose bytes are LF (10, 266) and CR (13, 269), and line ends inside */
	static const char *const msgs[] = {
		"ab\ncd\nefgh", "ab\r\ncd\nefg", "a\nb\nc\nd\nefghi", "x\n\ny",
	};
	char big[300];
	size_t i, len, lines;
	char *buf;

	memset(big, 'q', sizeof(big));
	big[5] = '\n';
	for (i = 0; i < 7; i++) {
		const char *m = i < 4 ? msgs[i] : big;
		size_t n = i < 4 ? strlen(m) : i == 4 ? 266 : i == 5 ? 269 : 13;
		struct reader *r;
		const struct reader_record *rec;

		if (i == 6)
			m = "a\rb\rc\rd\refgh";	/* 13 bytes with lone CRs */
		export_entry(&buf, &len, m, n, 1);
		r = reader_open_mem("test.log", buf, len);
		for (lines = 0; (rec = next(r))->kind != READER_EVENT; lines++) {
			ck_assert_int_eq(rec->inner, 1);
			ck_assert_int_eq(rec->has_nul, 0);
			ck_assert_int_eq(rec->subjectlen, 0);
		}
		ck_assert_int_eq(rec->self, 1);
		ck_assert_int_eq(rec->format, READER_FORMAT_JOURNAL);
		ck_assert_int_eq(rec->line, 4);		/* MESSAGE's */
		ck_assert_int_eq(rec->t, T0);
		ck_assert_str_eq(rec->program, "postfix/smtp");
		ck_assert_str_eq(rec->host, "mx");
		ck_assert_int_eq(rec->pid, 123);
		ck_assert_msg(rec->len == n, "message %zu: %zu bytes, want %zu", i, rec->len, n);
		/* the line ends are read as LF, or CR LF */
		if (i == 0 || i == 4)
			ck_assert(memcmp(rec->text, m, n) == 0);
		ck_assert_int_eq(reader_format(r), READER_FORMAT_JOURNAL);
		free(buf);
		reader_close(r);
	}
	/* a text MESSAGE; then lines of no entry */
	export_entry(&buf, &len, MSG, strlen(MSG), 0);
	buf = realloc(buf, len + 64);
	memcpy(buf + len, "MESSAGE=not in an entry\n\n", 25);
	{
		struct reader *r = reader_open_mem("test.log", buf, len + 25);
		const struct reader_record *rec;

		while ((rec = next(r))->kind != READER_EVENT)
			;
		same("subject", rec->subject, rec->subjectlen, "mx postfix/smtp[123]: " MSG);
		rec = next(r);
		ck_assert_int_eq(rec->kind, READER_TEXT);
		ck_assert_int_eq(rec->inner, 0);
		same("text", rec->text, rec->len, "MESSAGE=not in an entry");
		reader_close(r);
	}
	free(buf);
	{
		/* an entry cut short at the end is said, not lost silently */
		static const char cut[] = "__CURSOR=x\n__REALTIME_TIMESTAMP=1796670387000000\n"
		    "MESSAGE=" MSG "\n";
		struct reader *r = reader_open_mem("test.log", cut, sizeof(cut) - 1);
		const struct reader_record *rec = NULL;
		char err[ERR_LEN];

		while (reader_next(r, &rec, err) == 1)
			ck_assert_int_eq(rec->inner, 1);
		ck_assert_ptr_nonnull(reader_notice(r));
		ck_assert_contains(reader_notice(r), "cut short");
		ck_assert_contains(reader_notice(r), "from line 1");
		reader_close(r);
	}
	{
		/* a hostile length does not swallow the rest of the log */
		static const char h[] = "__CURSOR=x\nMESSAGE\n\xff\xff\xff\xff\xff\xff\xff"
		    "\x7f" "abc\nMay  1 10:00:00 mx postfix/smtp[1]: a\n";
		struct reader *r = reader_open_mem("test.log", h, sizeof(h) - 1);
		const struct reader_record *rec;

		ck_assert_int_eq(next(r)->inner, 1);
		ck_assert_int_eq(next(r)->inner, 1);
		rec = next(r);
		ck_assert_int_eq(rec->inner, 0);
		rec = next(r);
		ck_assert_int_eq(rec->kind, READER_EVENT);
		ck_assert_str_eq(rec->program, "postfix/smtp");
		reader_close(r);
	}
}
END_TEST

/*
 * An entry cut by the end of the log (journalctl -o export, json-pretty,
 * verbose) is not examined: what was read of it may lack its program and
 * host (written after MESSAGE) or the end of MESSAGE. The warning says so
 * with how much was left out (its lines; export: what was read of its
 * MESSAGE), the same whichever way the lines were read (KBDIAG_SCAN=plain,
 * or the two-thread scan), and no incident comes of its failure line. (The
 * report is JSON: the warning's quotes are escaped there.)
 */
START_TEST(entries_cut_by_the_end)
{
	static const struct {
		const char *in, *want;
	} c[] = {
		{ "__CURSOR=x\n__REALTIME_TIMESTAMP=1796670387000000\nSYSLOG_IDENTIFIER="
		    "postfix/smtp\nMESSAGE=" MSG "\n_PID=123\n",
		    "(journalctl -o export, from line 1) is cut short: it has no empty line "
		    "after it, and was not examined (what was read of it may lack its program "
		    "and host, which journald writes after MESSAGE, or MESSAGE itself), 5 lines: "
		    "its MESSAGE among them (%zu bytes)" },
		{ "__CURSOR=x\n\n__CURSOR=y\nSYSLOG_IDENTIFIER=postfix/smtp\nMESSAGE\n"
		    "\x2c\x01\x00\x00\x00\x00\x00\x00" "abc",
		    "(journalctl -o export, from line 3) is cut short: it has no empty line "
		    "after it, and was not examined (what was read of it may lack its program "
		    "and host, which journald writes after MESSAGE, or MESSAGE itself), 4 lines: "
		    "its MESSAGE among them, 3 of its 300 bytes read" },
		{ "__CURSOR=x\n__REALTIME_TIMESTAMP=1796670387000000\n",
		    "(journalctl -o export, from line 1) is cut short: it has no empty line "
		    "after it, and was not examined (what was read of it may lack its program "
		    "and host, which journald writes after MESSAGE, or MESSAGE itself), 2 lines: "
		    "no MESSAGE among them" },
		{ "{\n\t\"__REALTIME_TIMESTAMP\" : \"1796670387000000\",\n\t\"SYSLOG_IDENTIFIER\" "
		    ": \"postfix/smtp\",\n\t\"MESSAGE\" : \"" MSG "\",\n\t\"_PID\" : \"123\",\n",
		    "(journalctl -o json-pretty, from line 1) is cut short: it has no line "
		    "\\\"}\\\" after it, and was not examined (what was read of it may lack "
		    "its program and host, which journald writes after MESSAGE, or MESSAGE itself), 5 lines: "
		    "its MESSAGE among them" },
		{ "Mon 2026-12-07 17:06:27.123456 UTC [s=1;i=2]\n    SYSLOG_IDENTIFIER="
		    "postfix/smtp\n    MESSAGE=" MSG "\n    _PID=123\n",
		    "(journalctl -o verbose, from line 1) has no _HOSTNAME and no entry after "
		    "it: it was not examined (what was read of it may lack its program and host, "
		    "which journald writes after MESSAGE, or MESSAGE itself), 4 lines, its "
		    "MESSAGE among them" },
	};
	char want[1024], *dir = tu_tmpdir(), *file = tu_join(dir, "cut.log");
	struct tu_run r;
	size_t i;
	int plain;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		/* (a binary field's bytes hold NULs: its 62 bytes of lines, 8 of
		 * length and 3 of MESSAGE) */
		size_t len = i == 1 ? 62 + 8 + 3 : strlen(c[i].in);

		snprintf(want, sizeof(want), c[i].want, strlen(MSG));
		tu_write(file, c[i].in, len);
		for (plain = 0; plain < 2; plain++) {
			if (plain)
				setenv("KBDIAG_SCAN", "plain", 1);
			tu_kbdiag(&r, NULL, 0, "--offline", "-f", "json", "diagnose", file,
			    (char *)NULL);
			unsetenv("KBDIAG_SCAN");
			ck_assert_msg(strstr(r.out, want) != NULL, "case %zu%s: \"%s\" not in "
			    "\"%.3000s\"", i, plain ? " (plain)" : "", want, r.out);
			/* not examined: no incident of the failure it holds */
			ck_assert_msg(strstr(r.out, "\"incidents\": []") != NULL, "case %zu%s: "
			    "%.2000s", i, plain ? " (plain)" : "", r.out);
			tu_run_free(&r);
		}
	}
	tu_rmtree(dir);
	free(file);
	free(dir);
}
END_TEST

/* Real output (tests/samples/journal/README.md): every entry an event with a time. */
/*
 * The reader's notices (lines of short-monotonic, a null MESSAGE, an export
 * entry cut at the end) are warnings of the report under --follow too, on
 * standard input (read to its end) as without --follow; they were lost.
 */
START_TEST(notices_when_following_stdin)
{
	static const struct {
		const char *in, *want;
	} c[] = {
		{ "[ 12345.678901] mx postfix/smtp[123]: " MSG "\n",
		    "warning: <stdin>: lines stamped with the time since boot" },
		{ "{\"__REALTIME_TIMESTAMP\":\"1796670387000000\",\"SYSLOG_IDENTIFIER\":"
		    "\"postfix/smtp\",\"MESSAGE\":null}\n",
		    "warning: <stdin>: 1 journal entry whose MESSAGE was null" },
		{ "__CURSOR=s=1;i=2\n__REALTIME_TIMESTAMP=1796670387000000\nMESSAGE=" MSG "\n",
		    "warning: <stdin>: the last journal entry (journalctl -o export, from line 1) "
		    "is cut short" },
	};
	struct tu_run r;
	size_t i;
	int follow;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		for (follow = 0; follow < 2; follow++) {
			if (follow)
				tu_kbdiag(&r, c[i].in, strlen(c[i].in), "--offline", "-f", "text",
				    "diagnose", "--follow", "-", (char *)NULL);
			else
				tu_kbdiag(&r, c[i].in, strlen(c[i].in), "--offline", "-f", "text",
				    "diagnose", "-", (char *)NULL);
			ck_assert_msg(strstr(r.err, c[i].want) != NULL, "case %zu%s: \"%s\" not in "
			    "\"%s\"", i, follow ? " (--follow)" : "", c[i].want, r.err);
			tu_run_free(&r);
		}
}
END_TEST

START_TEST(real_samples)
{
	static const struct {
		const char *file;
		enum reader_format f;
		size_t events;
		long long first;
		const char *program;
	} s[] = {
		{ "tests/samples/journal/lnav-journald.json", READER_FORMAT_JOURNAL, 2,
		  1534860261, "python" },
		{ "tests/samples/journal/beats-journalctl.json", READER_FORMAT_JOURNAL, 2,
		  1724080855, "TestRestartsJournalctlOnError" },
		{ "tests/samples/journal/beats-journal1.export", READER_FORMAT_JOURNAL, 3,
		  1758137056, "journald-test-1" },
		{ "tests/samples/journal/plaso-docker-container.json", READER_FORMAT_DOCKER, 10,
		  1452185350, NULL },
	};
	size_t i, events;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		char *path = tu_src(s[i].file), err[ERR_LEN] = "";
		const struct reader_record *rec;
		struct reader *r;
		int rc;

		ck_assert_msg(reader_open(path, &r, err) == 0, "%s", err);
		for (events = 0; (rc = reader_next(r, &rec, err)) == 1;) {
			ck_assert_int_eq(rec->bad_json, 0);
			if (rec->inner)
				continue;
			ck_assert_msg(rec->kind == READER_EVENT && rec->has_time, "%s:%lu: not an "
			    "event with a time", s[i].file, rec->line);
			ck_assert_int_eq(rec->format, s[i].f);
			if (events++ == 0) {
				ck_assert_int_eq(rec->t, s[i].first);
				if (s[i].program)
					ck_assert_str_eq(rec->program, s[i].program);
			}
		}
		ck_assert_msg(rc == 0, "%s: %s", s[i].file, err);
		ck_assert_uint_eq(events, s[i].events);
		reader_close(r);
		free(path);
	}
}
END_TEST

Suite *
reader_journal_suite(void)
{
	Suite *s = suite_create("reader_journal");
	TCase *tc = tcase_create("forms");

	tcase_add_test(tc, journal_json);
	tcase_add_test(tc, json_that_is_not_the_journal);
	tcase_add_test(tc, forced_formats);
	tcase_add_test(tc, short_forms);
	tcase_add_test(tc, short_and_its_header);
	tcase_add_test(tc, docker_forms);
	tcase_add_test(tc, docker_partial_entries);
	tcase_add_test(tc, json_pretty_entries);
	tcase_add_test(tc, verbose_entries);
	tcase_add_test(tc, export_entries);
	tcase_add_test(tc, real_samples);
	tcase_add_test(tc, notices_when_following_stdin);
	tcase_add_test(tc, entries_cut_by_the_end);
	suite_add_tcase(s, tc);
	return s;
}
