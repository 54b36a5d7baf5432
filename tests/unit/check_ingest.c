/*
 * ingest: reading logs, end to end (issue 4). Every test runs the built
 * kbdiag on logs it writes into a scratch directory, so that each test shows
 * its input beside what it expects, and pins what docs/kbdiag.1 and
 * docs/log-format.md promise:
 *
 *   formats   legacy, smtpgw's NDJSON events, syslog (BSD, RFC 3339, RFC 5424)
 *             and Exim; --input-format
 *   gzip      files, standard input, several members, cut-short and corrupt
 *   inputs    standard input ("-" and none), several logs in one run
 *   time      banner dates and midnight, --date, --since, --until
 *   rate      rate_per_hour and "frequent" (3 lines within 3600 s)
 *   summary   lines, matches per article, lines that look like errors
 *   follow    --follow: growth, rotation, truncation, partial lines, SIGTERM
 *   bytes     over-long lines, NUL bytes, invalid UTF-8
 *   session   the SMTP phase, last command and reply of an error
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <jansson.h>
#include <zlib.h>

#include "util/buf.h"
#include "util/clock.h"
#include "testutil.h"

/* Write a log into tu_scratch; its path (caller frees). */
static char *
put(const char *name, const char *data, size_t len)
{
	char *path = tu_scratch_path(name);

	tu_write(path, data, len);
	return path;
}

static char *
put_str(const char *name, const char *s)
{
	return put(name, s, strlen(s));
}

/*
 * Append to a file, as a program writing its log does: 0, or -1 (the
 * caller fails the test, after stopping what it runs).
 */
static int
append(const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd = open(path, O_WRONLY | O_APPEND), rc = 0;

	if (fd < 0)
		return -1;
	if (write(fd, s, len) != (ssize_t)len)
		rc = -1;
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Running kbdiag                                                           */

#define MAX_ARGS	32

/* A NULL-terminated argument list. */
#define ARGS(...)	((const char *const[]){ __VA_ARGS__, NULL })

/* Run kbdiag with args (without argv[0]), feeding len bytes of in. */
static void
run(struct tu_run *r, const char *in, size_t len, const char *const *args)
{
	const char *argv[MAX_ARGS];
	char *bin = tu_build("kbdiag");
	int n = 0;

	argv[n++] = bin;
	argv[n++] = "--offline";	/* hermetic: no probes (testutil.h) */
	for (; *args; args++) {
		ck_assert(n < MAX_ARGS - 1);
		argv[n++] = *args;
	}
	argv[n] = NULL;
	unsetenv("KBDIAG_KB");
	tu_runv(r, in, len, (char *const *)argv);
	free(bin);
}

/*
 * `kbdiag diagnose --offline --format json ARGS`: check the exit status and
 * return the report (json_decref it; tu_run_free r).
 */
static json_t *
diagnose(struct tu_run *r, int status, const char *in, size_t len, const char *const *args)
{
	const char *argv[MAX_ARGS] = { "diagnose", "--offline", "--format", "json" };
	json_error_t e;
	json_t *j;
	int n = 4;

	for (; *args; args++) {
		ck_assert(n < MAX_ARGS - 1);
		argv[n++] = *args;
	}
	argv[n] = NULL;
	run(r, in, len, argv);
	ck_assert_msg(r->status == status, "exit %d, want %d; stderr:\n%s", r->status, status,
	    r->err);
	j = json_loadb(r->out, r->outlen, 0, &e);
	ck_assert_msg(j != NULL, "output is not JSON (line %d: %s):\n%s", e.line, e.text, r->out);
	return j;
}

/* ---------------------------------------------------------------------- */
/* Looking into the JSON report                                             */

/* The value at a path of keys and indexes ("incidents.0.peer.host"), or NULL. */
static json_t *
jat(json_t *v, const char *path)
{
	char key[128], *end;
	const char *p = path, *dot;
	size_t n;

	while (v != NULL && *p) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		ck_assert(n < sizeof(key));
		memcpy(key, p, n);
		key[n] = '\0';
		if (json_is_array(v)) {
			unsigned long i = strtoul(key, &end, 10);

			v = *end == '\0' ? json_array_get(v, i) : NULL;
		} else
			v = json_object_get(v, key);
		p = dot ? dot + 1 : p + n;
	}
	return v;
}

/* A value as JSON text, for messages (never freed: tests are short). */
static const char *
jshow(json_t *v)
{
	char *s;

	if (v == NULL)
		return "(missing)";
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	return s ? s : "(unprintable)";
}

/* Called through the macros below, which pass the test's line. */
static void
expect_str(int line, json_t *j, const char *path, const char *want)
{
	json_t *v = jat(j, path);

	if (want == NULL)
		ck_assert_msg(json_is_null(v), "line %d: %s is %s, want null", line, path,
		    jshow(v));
	else
		ck_assert_msg(json_is_string(v) && strcmp(json_string_value(v), want) == 0,
		    "line %d: %s is %s, want \"%s\"", line, path, jshow(v), want);
}

static void
expect_int(int line, json_t *j, const char *path, long long want)
{
	json_t *v = jat(j, path);

	ck_assert_msg(json_is_integer(v) && json_integer_value(v) == want,
	    "line %d: %s is %s, want %lld", line, path, jshow(v), want);
}

static void
expect_real(int line, json_t *j, const char *path, double want)
{
	json_t *v = jat(j, path);
	double got = json_number_value(v), d = got - want;

	ck_assert_msg(json_is_number(v) && d < 1e-9 && d > -1e-9,
	    "line %d: %s is %s, want %g", line, path, jshow(v), want);
}

static void
expect_bool(int line, json_t *j, const char *path, int want)
{
	json_t *v = jat(j, path);

	ck_assert_msg(json_is_boolean(v) && json_is_true(v) == !!want,
	    "line %d: %s is %s, want %s", line, path, jshow(v), want ? "true" : "false");
}

/* An array's length, or an object's number of keys. */
static void
expect_size(int line, json_t *j, const char *path, size_t want)
{
	json_t *v = jat(j, path);
	size_t n = json_is_array(v) ? json_array_size(v) : json_is_object(v) ?
	    json_object_size(v) : (size_t)-1;

	ck_assert_msg(n == want, "line %d: %s is %s, want %zu entries", line, path, jshow(v),
	    want);
}

#define JSTR(j, path, want)	expect_str(__LINE__, (j), (path), (want))
#define JNULL(j, path)		expect_str(__LINE__, (j), (path), NULL)
#define JINT(j, path, want)	expect_int(__LINE__, (j), (path), (want))
#define JREAL(j, path, want)	expect_real(__LINE__, (j), (path), (want))
#define JBOOL(j, path, want)	expect_bool(__LINE__, (j), (path), (want))
#define JSIZE(j, path, want)	expect_size(__LINE__, (j), (path), (want))

/* The incident of an article (there must be one). */
static json_t *
incident(json_t *j, const char *article)
{
	json_t *incs = json_object_get(j, "incidents"), *inc;
	size_t i;

	ck_assert_msg(json_is_array(incs), "no incidents array");
	json_array_foreach(incs, i, inc) {
		const char *a = json_string_value(json_object_get(inc, "article"));

		if (a && strcmp(a, article) == 0)
			return inc;
	}
	ck_abort_msg("no %s incident in %s", article, jshow(incs));
	return NULL;
}

/* The incidents' articles in order, space-separated, are `want`. */
static void
expect_articles(json_t *j, const char *want)
{
	json_t *incs = json_object_get(j, "incidents"), *inc;
	struct buf b = BUF_INIT;
	size_t i;

	ck_assert_msg(json_is_array(incs), "no incidents array");
	json_array_foreach(incs, i, inc)
		buf_printf(&b, "%s%s", i ? " " : "",
		    json_string_value(json_object_get(inc, "article")));
	ck_assert_msg(strcmp(buf_str(&b), want) == 0, "incidents are \"%s\", want \"%s\"",
	    buf_str(&b), want);
	buf_free(&b);
}

/* An incident's count and first and last times (NULL: null). */
static void
expect_seen(json_t *inc, long long count, const char *first, const char *last)
{
	JINT(inc, "count", count);
	JSTR(inc, "first_seen", first);
	JSTR(inc, "last_seen", last);
}

/* warnings[] holds exactly want, and standard error says it as a warning. */
static void
expect_warning(json_t *j, const struct tu_run *r, const char *want)
{
	json_t *w = json_object_get(j, "warnings"), *v;
	struct buf line = BUF_INIT;
	size_t i;
	int found = 0;

	json_array_foreach(w, i, v)
		found |= json_is_string(v) && strcmp(json_string_value(v), want) == 0;
	ck_assert_msg(found, "no warning \"%s\" in %s", want, jshow(w));
	buf_printf(&line, "kbdiag: warning: %s\n", want);
	ck_assert_contains(r->err, buf_str(&line));
	buf_free(&line);
}

/* A usage error: exit 2, a message, the hint, nothing on standard output. */
static void
expect_usage(const struct tu_run *r, const char *says)
{
	ck_assert_msg(r->status == 2, "exit %d, want 2; stderr:\n%s", r->status, r->err);
	ck_assert_contains(r->err, says);
	ck_assert_contains(r->err, "Try 'kbdiag --help' for more information.");
	ck_assert_msg(r->outlen == 0, "wrote to stdout:\n%s", r->out);
}

/* ---------------------------------------------------------------------- */
/* 1. Formats                                                               */

START_TEST(legacy_log)
{
	static const char text[] =
	    "09:14:07 - Tue Mar  1 09:14:07 1994 Microsoft Mail Gateway to SMTP V3.0\n"
	    "09:14:08 -   SMTP Smart-Host IP = \"relay.example.com\"\n"
	    "09:16:08 - Connecting to smart SMTP host\n"
	    "09:16:08 - SMTP_open(socket=257)\n"
	    " [rx] 220 relay.example.com ESMTP ready\n"
	    " [tx] HELO mailgw\n"
	    "09:16:40 - Error (119) Network Write Error,\n"
	    "09:46:40 - Error (119) Network Write Error,\n"
	    "09:50:00 - Error (116) Network Read Error\n";
	char *log = put_str("legacy.log", text);
	struct tu_run r;
	json_t *j = diagnose(&r, 0, NULL, 0, ARGS(log)), *inc;

	JSIZE(j, "inputs", 1);
	JSTR(j, "inputs.0.file", log);
	JINT(j, "inputs.0.lines", 9);
	JSTR(j, "inputs.0.format", "legacy");
	JNULL(j, "inputs.0.error");
	expect_articles(j, "Q123827 Q123826");

	inc = incident(j, "Q123827");
	expect_seen(inc, 2, "1994-03-01T09:16:40", "1994-03-01T09:46:40");
	JSTR(inc, "error", "Error (119) Network Write Error,");
	JSTR(inc, "peer.host", "relay.example.com");
	JINT(inc, "peer.port", 25);
	JSTR(inc, "peer.source", "log");
	JSTR(inc, "phase", "helo");
	JSTR(inc, "last_command", "HELO mailgw");
	JSTR(inc, "last_reply", "220 relay.example.com ESMTP ready");
	JSIZE(inc, "locations", 2);
	JSTR(inc, "locations.0.file", log);
	JINT(inc, "locations.0.line", 7);
	JINT(inc, "locations.1.line", 8);

	inc = incident(j, "Q123826");
	expect_seen(inc, 1, "1994-03-01T09:50:00", "1994-03-01T09:50:00");
	JINT(inc, "locations.0.line", 9);
	JSIZE(j, "warnings", 0);
	ck_assert_uint_eq(r.errlen, 0);
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

/* smtpgw's events: the legacy text in "text", the rest in fields of their own. */
START_TEST(ndjson_log)
{
	static const char text[] =
	    "{\"time\":\"2026-11-23T10:15:02Z\",\"text\":\"Error (119) Network Write Error\","
	    "\"peer\":\"relay.example.com\",\"port\":2525,\"phase\":\"body\","
	    "\"last_command\":\"DATA\",\"last_reply\":\"354 go ahead\"}\n"
	    /* an offset is converted to UTC; the fraction is dropped */
	    "{\"time\":\"2026-11-23T11:45:02.250+01:00\",\"text\":\"Error (119) Network Write "
	    "Error\",\"peer\":\"relay.example.com\",\"port\":2525,\"phase\":\"end-of-data\","
	    "\"last_command\":\".\",\"last_reply\":\"354 go ahead\"}\n"
	    /* another peer: the port comes from "peer" when "port" is missing */
	    "{\"time\":\"2026-11-23T10:50:00Z\",\"text\":\"Error (116) Network Read Error\","
	    "\"peer\":\"[2001:db8::1]:587\",\"phase\":\"rcpt\","
	    "\"last_command\":\"RCPT TO:<a@b.example>\",\"last_reply\":\"250 Ok\"}\n";
	char *log = put_str("events.ndjson", text);
	struct tu_run r;
	json_t *j = diagnose(&r, 0, NULL, 0, ARGS(log)), *inc;

	JSTR(j, "inputs.0.format", "ndjson");
	JINT(j, "inputs.0.lines", 3);
	JNULL(j, "inputs.0.error");
	expect_articles(j, "Q123827 Q123826");

	inc = incident(j, "Q123827");
	expect_seen(inc, 2, "2026-11-23T10:15:02", "2026-11-23T10:45:02");
	JSTR(inc, "error", "Error (119) Network Write Error");
	JSTR(inc, "peer.host", "relay.example.com");
	JINT(inc, "peer.port", 2525);
	JSTR(inc, "peer.source", "log");
	JSTR(inc, "phase", "body");			/* of the first line */
	JSTR(inc, "last_command", "DATA");
	JSTR(inc, "last_reply", "354 go ahead");
	JSIZE(inc, "phases", 2);
	JINT(inc, "phases.body", 1);
	JINT(inc, "phases.end-of-data", 1);
	JREAL(inc, "rate_per_hour", 2.0);		/* 1 interval in 30 minutes */

	inc = incident(j, "Q123826");
	expect_seen(inc, 1, "2026-11-23T10:50:00", "2026-11-23T10:50:00");
	JSTR(inc, "peer.host", "2001:db8::1");
	JINT(inc, "peer.port", 587);
	JSTR(inc, "phase", "rcpt");
	JSTR(inc, "last_command", "RCPT TO:<a@b.example>");
	JSTR(inc, "last_reply", "250 Ok");
	JINT(j, "summary.matched", 3);
	JSIZE(j, "warnings", 0);
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

START_TEST(ndjson_line_that_is_not_json_is_text)
{
	static const char l1[] =
	    "{\"time\":\"2026-11-23T10:15:02Z\",\"text\":\"Error (119) Network Write Error\"}\n";
	static const char l2[] = "{\"time\": cut off Error (116) Network Read Error\n";
	static const char l3[] = "{\"time\": also broken\n";	/* warned about once */
	char want[512], *log, text[sizeof(l1) + sizeof(l2) + sizeof(l3)];
	struct tu_run r;
	json_t *j, *inc;

	snprintf(text, sizeof(text), "%s%s%s", l1, l2, l3);
	log = put_str("broken.ndjson", text);
	j = diagnose(&r, 0, NULL, 0, ARGS(log));
	JSTR(j, "inputs.0.format", "ndjson");
	JINT(j, "inputs.0.lines", 3);
	snprintf(want, sizeof(want), "%s:2: a line that starts like an event is not a JSON "
	    "object (at byte %zu); such lines are examined as text", log, sizeof(l1) - 1);
	expect_warning(j, &r, want);
	JSIZE(j, "warnings", 1);

	/* still matched, as the text it is */
	inc = incident(j, "Q123826");
	expect_seen(inc, 1, NULL, NULL);
	JSTR(inc, "error", "{\"time\": cut off Error (116) Network Read Error");
	JINT(inc, "locations.0.line", 2);
	expect_seen(incident(j, "Q123827"), 1, "2026-11-23T10:15:02", "2026-11-23T10:15:02");
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

/*
 * MTA logs. The MTA-specific patterns come separately; these lines hold a
 * legacy error text in their message part.
 */
START_TEST(syslog_log)
{
	static const char text[] =
	    "Nov 23 10:15:02 gw smtpgw[42]: Error (119) Network Write Error\n"
	    "Nov 23 10:16:02 gw postfix/smtp[4711]: Error (116) Network Read Error while "
	    "sending message body\n"
	    "2026-11-23T10:17:02.123456+01:00 gw smtpgw[42]: ERROR Connect: (121) Network Error\n"
	    "<13>1 2026-11-23T10:18:02Z gw smtpgw 42 - - ERROR Write: (1) (null)\n"
	    "2026-11-23 10:19:02 Error (119) Network Write Error\n";
	char *log = put_str("mail.log", text);
	struct tu_run r;
	json_t *j, *inc;

	/* --date gives BSD time stamps their year: at or before its end */
	j = diagnose(&r, 0, NULL, 0, ARGS("--date", "2026-11-30", log));
	JSTR(j, "inputs.0.format", "syslog");
	JINT(j, "inputs.0.lines", 5);
	JSTR(j, "inputs.0.year.from", "--date");
	JSTR(j, "inputs.0.year.anchor", "2026-11-30T23:59:59");
	expect_articles(j, "Q123827 Q123826 Q99852 Q99857");

	inc = incident(j, "Q123827");		/* BSD, then Exim: one log, one source */
	expect_seen(inc, 2, "2026-11-23T10:15:02", "2026-11-23T10:19:02");
	JSTR(inc, "source", log);
	JNULL(inc, "site");
	JBOOL(inc, "year_inferred", 1);
	JSTR(inc, "error", "Error (119) Network Write Error");	/* the message only */
	JNULL(inc, "phase");
	JNULL(inc, "peer.host");
	JSTR(inc, "peer.source", "none");

	inc = incident(j, "Q123826");		/* Postfix says its phase in words */
	expect_seen(inc, 1, "2026-11-23T10:16:02", "2026-11-23T10:16:02");
	JSTR(inc, "error", "Error (116) Network Read Error while sending message body");
	JSTR(inc, "phase", "body");
	JNULL(inc, "last_command");
	JNULL(inc, "last_reply");

	inc = incident(j, "Q99852");		/* RFC 3339 with an offset: UTC */
	expect_seen(inc, 1, "2026-11-23T09:17:02", "2026-11-23T09:17:02");
	JSTR(inc, "error", "ERROR Connect: (121) Network Error");

	inc = incident(j, "Q99857");		/* RFC 5424 */
	expect_seen(inc, 1, "2026-11-23T10:18:02", "2026-11-23T10:18:02");
	JSTR(inc, "error", "ERROR Write: (1) (null)");
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

/*
 * Without --date the year comes from the file's modification time, backwards:
 * the last line was written at or before it, December before January.
 */
START_TEST(syslog_year_from_the_file)
{
	static const char text[] =
	    "Dec 31 23:59:58 gw smtpgw[42]: Error (119) Network Write Error\n"
	    "Jan  1 00:00:03 gw smtpgw[42]: Error (119) Network Write Error\n";
	/* 2025-06-15 12:00:00 UTC */
	struct timespec times[2] = { { 1749988800, 0 }, { 1749988800, 0 } };
	char *log = put_str("old-mail.log", text);
	struct tu_run r;
	json_t *j;

	ck_assert_msg(utimensat(AT_FDCWD, log, times, 0) == 0, "utimensat: %s", strerror(errno));
	j = diagnose(&r, 0, NULL, 0, ARGS(log));
	expect_seen(incident(j, "Q123827"), 2, "2024-12-31T23:59:58", "2025-01-01T00:00:03");
	JSTR(j, "inputs.0.year.from", "the file's modification time");
	JBOOL(incident(j, "Q123827"), "year_inferred", 1);
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

/* The log's format is the first one found in it; other lines are still read. */
START_TEST(mixed_log_takes_the_first_format)
{
	static const char text[] =
	    "a line of nothing in particular\n"
	    "Nov 23 10:15:02 gw smtpgw[42]: Error (119) Network Write Error\n"
	    "10:20:00 - Error (116) Network Read Error\n";
	char *log = put_str("mixed.log", text);
	struct tu_run r;
	json_t *j = diagnose(&r, 0, NULL, 0, ARGS("--date", "2026-11-23", log));

	JSTR(j, "inputs.0.format", "syslog");
	expect_seen(incident(j, "Q123827"), 1, "2026-11-23T10:15:02", "2026-11-23T10:15:02");
	expect_seen(incident(j, "Q123826"), 1, "2026-11-23T10:20:00", "2026-11-23T10:20:00");
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

START_TEST(input_format_forces_the_reader)
{
	static const char legacy[] =
	    "10:00:00 - Error (119) Network Write Error\n"
	    "10:10:00 - Error (116) Network Read Error\n";
	static const char events[] =
	    "{\"time\":\"2026-11-23T10:15:02Z\",\"text\":\"Error (119) Network Write Error\"}\n"
	    "{not json\n";
	char *log = put_str("forced.log", legacy), *nd = put_str("forced.ndjson", events);
	struct tu_run r;
	json_t *j;

	/* a legacy log read as syslog: its lines are plain text, without times */
	j = diagnose(&r, 0, NULL, 0, ARGS("--input-format", "syslog", log));
	JSTR(j, "inputs.0.format", "text");
	expect_articles(j, "Q123827 Q123826");
	expect_seen(incident(j, "Q123827"), 1, NULL, NULL);
	JSTR(incident(j, "Q123827"), "error", "10:00:00 - Error (119) Network Write Error");
	expect_seen(incident(j, "Q123826"), 1, NULL, NULL);
	json_decref(j);
	tu_run_free(&r);

	/* ... as legacy, and as auto: the same as found by itself */
	j = diagnose(&r, 0, NULL, 0, ARGS("--input-format", "legacy", log));
	JSTR(j, "inputs.0.format", "legacy");
	expect_seen(incident(j, "Q123827"), 1, "10:00:00", "10:00:00");
	json_decref(j);
	tu_run_free(&r);
	j = diagnose(&r, 0, NULL, 0, ARGS("--input-format=auto", log));
	JSTR(j, "inputs.0.format", "legacy");
	expect_seen(incident(j, "Q123826"), 1, "10:10:00", "10:10:00");
	json_decref(j);
	tu_run_free(&r);

	/* events read as text: no times, no warning about the broken line */
	j = diagnose(&r, 0, NULL, 0, ARGS("--input-format", "text", nd));
	JSTR(j, "inputs.0.format", "text");
	expect_seen(incident(j, "Q123827"), 1, NULL, NULL);
	JSIZE(j, "warnings", 0);
	json_decref(j);
	tu_run_free(&r);
	j = diagnose(&r, 0, NULL, 0, ARGS("--input-format", "ndjson", nd));
	JSTR(j, "inputs.0.format", "ndjson");
	expect_seen(incident(j, "Q123827"), 1, "2026-11-23T10:15:02", "2026-11-23T10:15:02");
	JSIZE(j, "warnings", 1);
	json_decref(j);
	tu_run_free(&r);
	free(log);
	free(nd);
}
END_TEST

START_TEST(input_format_bad_value_exits_2)
{
	char *log = put_str("any.log", "10:00:00 - Error (119) Network Write Error\n");
	struct tu_run r;

	run(&r, NULL, 0, ARGS("diagnose", "--input-format", "xml", log));
	expect_usage(&r, "kbdiag: option '--input-format': 'xml' is not auto, legacy, ndjson, syslog, "
	    "journal, docker or text\n");
	tu_run_free(&r);
	run(&r, NULL, 0, ARGS("diagnose", "--input-format", "", log));
	expect_usage(&r, "option '--input-format': '' is not");
	tu_run_free(&r);
	run(&r, NULL, 0, ARGS("diagnose", log, "--input-format"));
	expect_usage(&r, "give it a value");
	tu_run_free(&r);
	free(log);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* 2. gzip                                                                  */

/* Compress into out, all at once: deflate with the given flush until done. */
static void
gz_feed(z_stream *z, struct buf *out, const char *data, size_t n, int flush)
{
	static unsigned char chunk[65536];
	int rc;

	z->next_in = (Bytef *)data;
	z->avail_in = (uInt)n;
	do {
		z->next_out = chunk;
		z->avail_out = sizeof(chunk);
		rc = deflate(z, flush);
		ck_assert_msg(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR,
		    "deflate: %d", rc);
		buf_append(out, chunk, sizeof(chunk) - z->avail_out);
	} while (z->avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
}

/*
 * One gzip member of len bytes at data, appended to out. With split > 0 the
 * first split bytes end in a full flush, so that the rest starts a new
 * deflate block on a byte boundary; *at is then where that block starts.
 */
static void
gzip_mem(struct buf *out, const char *data, size_t len, size_t split, size_t *at)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	ck_assert(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	if (split > 0) {
		gz_feed(&z, out, data, split, Z_FULL_FLUSH);
		*at = out->len;
		data += split;
		len -= split;
	}
	gz_feed(&z, out, data, len, Z_FINISH);
	deflateEnd(&z);
}

/*
 * A log of n lines that compresses poorly (so that it spans many blocks),
 * with Error (119) on line 6 and nothing else known.
 */
static void
noisy_log(struct buf *b, unsigned n)
{
	unsigned long x = 12345;
	unsigned i, k;

	for (i = 0; i < n; i++) {
		if (i == 5) {
			buf_puts(b, "10:00:05 - Error (119) Network Write Error\n");
			continue;
		}
		buf_printf(b, "%02u:%02u:%02u - Idle %u ", 10 + i / 3600 % 10, i / 60 % 60,
		    i % 60, i);
		for (k = 0; k < 40; k++) {
			x = x * 1103515245UL + 12345UL;
			buf_putc(b, (char)('a' + (x >> 16) % 26));
		}
		buf_putc(b, '\n');
	}
}

static const char gz_text[] =
    "10:00:00 - Error (119) Network Write Error\n"
    "10:10:00 - Error (116) Network Read Error\n"
    "10:20:00 - Gateway idle\n";

/* What gz_text gives, however it was read. */
static void
expect_gz_text(json_t *j, const char *name)
{
	JSTR(j, "inputs.0.file", name);
	JINT(j, "inputs.0.lines", 3);
	JSTR(j, "inputs.0.format", "legacy");
	JNULL(j, "inputs.0.error");
	expect_articles(j, "Q123827 Q123826");
	expect_seen(incident(j, "Q123827"), 1, "10:00:00", "10:00:00");
	JSTR(incident(j, "Q123827"), "locations.0.file", name);
	expect_seen(incident(j, "Q123826"), 1, "10:10:00", "10:10:00");
	JINT(j, "summary.lines", 3);
}

START_TEST(gzip_file)
{
	char *log = tu_scratch_path("gateway.log.1.gz"), *data;
	struct tu_run r;
	gzFile gz;
	size_t size;
	json_t *j;

	gz = gzopen(log, "wb9");
	ck_assert_ptr_nonnull(gz);
	ck_assert_int_eq(gzwrite(gz, gz_text, sizeof(gz_text) - 1), (int)sizeof(gz_text) - 1);
	ck_assert_int_eq(gzclose(gz), Z_OK);
	data = tu_read(log, &size);
	ck_assert(size >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b);

	j = diagnose(&r, 0, NULL, 0, ARGS(log));
	expect_gz_text(j, log);
	JINT(j, "summary.bytes", (long long)size);	/* as stored */
	ck_assert_uint_eq(r.errlen, 0);
	json_decref(j);
	tu_run_free(&r);

	/* found by its magic bytes, not its name */
	free(log);
	log = put("gateway.log", data, size);
	j = diagnose(&r, 0, NULL, 0, ARGS(log));
	expect_gz_text(j, log);
	json_decref(j);
	tu_run_free(&r);
	free(data);
	free(log);
}
END_TEST

START_TEST(gzip_on_stdin)
{
	struct buf gz = BUF_INIT;
	struct tu_run r;
	json_t *j;

	gzip_mem(&gz, gz_text, sizeof(gz_text) - 1, 0, NULL);
	j = diagnose(&r, 0, gz.data, gz.len, ARGS("-"));
	expect_gz_text(j, "<stdin>");
	JINT(j, "summary.bytes", (long long)gz.len);
	json_decref(j);
	tu_run_free(&r);
	buf_free(&gz);
}
END_TEST

/* `cat a.gz b.gz`: the members are read in turn, as one log. */
START_TEST(gzip_two_members)
{
	static const char second[] =
	    "10:30:00 - Error (119) Network Write Error\n"
	    "10:40:00 - Error (119) Network Write Error\n";
	struct buf gz = BUF_INIT;
	struct tu_run r;
	char *log;
	json_t *j;

	gzip_mem(&gz, gz_text, sizeof(gz_text) - 1, 0, NULL);
	gzip_mem(&gz, second, sizeof(second) - 1, 0, NULL);
	log = put("two.gz", gz.data, gz.len);
	j = diagnose(&r, 0, NULL, 0, ARGS(log));
	JINT(j, "inputs.0.lines", 5);
	JNULL(j, "inputs.0.error");
	expect_seen(incident(j, "Q123827"), 3, "10:00:00", "10:40:00");
	JINT(incident(j, "Q123827"), "locations.2.line", 5);
	json_decref(j);
	tu_run_free(&r);

	/* the same through a pipe */
	j = diagnose(&r, 0, gz.data, gz.len, ARGS("-"));
	JINT(j, "inputs.0.lines", 5);
	expect_seen(incident(j, "Q123827"), 3, "10:00:00", "10:40:00");
	json_decref(j);
	tu_run_free(&r);
	buf_free(&gz);
	free(log);
}
END_TEST

START_TEST(gzip_cut_short_exits_3)
{
	struct buf text = BUF_INIT, gz = BUF_INIT;
	char want[1024], *log;
	size_t cut;
	struct tu_run r;
	json_t *j;
	long long lines;

	noisy_log(&text, 4000);
	gzip_mem(&gz, text.data, text.len, 0, NULL);
	cut = gz.len / 2;
	log = put("cut.log.gz", gz.data, cut);
	j = diagnose(&r, 3, NULL, 0, ARGS(log));
	snprintf(want, sizeof(want), "%s: the gzip stream is cut short (at byte %zu of the "
	    "file): the rest of the log is missing", log, cut);
	JSTR(j, "inputs.0.error", want);
	JSTR(j, "inputs.0.format", "legacy");
	ck_assert_contains(r.err, want);
	/* what came before the cut is diagnosed */
	expect_seen(incident(j, "Q123827"), 1, "10:00:05", "10:00:05");
	lines = json_integer_value(jat(j, "inputs.0.lines"));
	ck_assert_msg(lines > 100 && lines < 4000, "%lld lines read before the cut", lines);
	json_decref(j);
	tu_run_free(&r);

	/* the same on a pipe, and a member cut in its header */
	j = diagnose(&r, 3, gz.data, cut, ARGS("-"));
	ck_assert_contains(r.err, "kbdiag: <stdin>: the gzip stream is cut short (at byte ");
	expect_seen(incident(j, "Q123827"), 1, "10:00:05", "10:00:05");
	json_decref(j);
	tu_run_free(&r);
	j = diagnose(&r, 3, gz.data, 5, ARGS("-"));
	JSTR(j, "inputs.0.error", "<stdin>: the gzip stream is cut short (at byte 5 of the "
	    "file): the rest of the log is missing");
	JINT(j, "inputs.0.lines", 0);
	json_decref(j);
	tu_run_free(&r);
	buf_free(&text);
	buf_free(&gz);
	free(log);
}
END_TEST

START_TEST(gzip_corrupt_data_exits_3)
{
	struct buf text = BUF_INIT, gz = BUF_INIT;
	char *log, prefix[1024];
	size_t i;
	struct tu_run r;
	json_t *j;

	noisy_log(&text, 4000);
	gzip_mem(&gz, text.data, text.len, 0, NULL);
	for (i = gz.len / 2; i < gz.len / 2 + 64; i++)
		gz.data[i] ^= 0x55;
	log = put("corrupt.log.gz", gz.data, gz.len);
	j = diagnose(&r, 3, NULL, 0, ARGS(log));
	/* deflate may only find out at the CRC: where is up to zlib, but it is said */
	snprintf(prefix, sizeof(prefix), "%s: corrupt gzip data near byte ", log);
	ck_assert_msg(strncmp(json_string_value(jat(j, "inputs.0.error")), prefix,
	    strlen(prefix)) == 0, "inputs.0.error is %s", jshow(jat(j, "inputs.0.error")));
	ck_assert_contains(r.err, prefix);
	/* the lines well before the damage are diagnosed */
	expect_seen(incident(j, "Q123827"), 1, "10:00:05", "10:00:05");
	json_decref(j);
	tu_run_free(&r);
	buf_free(&text);
	buf_free(&gz);
	free(log);
}
END_TEST

/*
 * The lines that the same inflate() call decompressed before it found
 * corrupt data are still read ("the records before it were delivered",
 * reader.h), even in a log smaller than one read.
 */
START_TEST(gzip_corrupt_block_keeps_the_lines_before)
{
	static const char text[] =
	    "10:00:00 - Error (119) Network Write Error\n"
	    "10:00:01 - Gateway idle\n"
	    "10:00:02 - Error (116) Network Read Error\n";
	size_t split = strlen("10:00:00 - Error (119) Network Write Error\n"
	    "10:00:01 - Gateway idle\n"), at = 0;
	struct buf gz = BUF_INIT;
	char *log;
	struct tu_run r;
	json_t *j;

	gzip_mem(&gz, text, sizeof(text) - 1, split, &at);
	gz.data[at] |= 0x06;		/* BTYPE 11: an invalid block type */
	log = put("badblock.gz", gz.data, gz.len);
	j = diagnose(&r, 3, NULL, 0, ARGS(log));
	ck_assert_contains(json_string_value(jat(j, "inputs.0.error")),
	    "corrupt gzip data near byte");
	JINT(j, "inputs.0.lines", 2);
	expect_articles(j, "Q123827");
	json_decref(j);
	tu_run_free(&r);
	buf_free(&gz);
	free(log);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* 3. Standard input and several logs                                       */

START_TEST(stdin_dash_and_no_argument)
{
	static const char text[] = "10:00:00 - Error (119) Network Write Error\n";
	const char *const *ways[] = { ARGS("-"), ARGS("--quiet") };
	struct tu_run r;
	size_t i;
	json_t *j;

	for (i = 0; i < 2; i++) {
		j = diagnose(&r, 0, text, sizeof(text) - 1, ways[i]);
		JSIZE(j, "inputs", 1);
		JSTR(j, "inputs.0.file", "<stdin>");
		JINT(j, "inputs.0.lines", 1);
		JSTR(j, "inputs.0.format", "legacy");
		expect_seen(incident(j, "Q123827"), 1, "10:00:00", "10:00:00");
		JSTR(incident(j, "Q123827"), "locations.0.file", "<stdin>");
		json_decref(j);
		tu_run_free(&r);
	}
}
END_TEST

START_TEST(several_logs_in_order)
{
	char *a = put_str("a.log", "10:00:00 - Error (119) Network Write Error\n"),
	    *c = put_str("c.log", "x\n10:10:00 - Error (119) Network Write Error\n"
		"10:20:00 - Error (119) Network Write Error\n");
	static const char events[] =
	    "{\"time\":\"2026-11-23T10:15:02Z\",\"text\":\"Error (116) Network Read Error\"}\n";
	struct tu_run r;
	json_t *j, *inc;

	j = diagnose(&r, 0, events, sizeof(events) - 1, ARGS(c, "-", a));
	JSIZE(j, "inputs", 3);
	JSTR(j, "inputs.0.file", c);
	JINT(j, "inputs.0.lines", 3);
	JSTR(j, "inputs.0.format", "legacy");
	JSTR(j, "inputs.1.file", "<stdin>");
	JINT(j, "inputs.1.lines", 1);
	JSTR(j, "inputs.1.format", "ndjson");
	JSTR(j, "inputs.2.file", a);
	JINT(j, "inputs.2.lines", 1);
	JSTR(j, "inputs.2.format", "legacy");
	JINT(j, "summary.lines", 5);

	/* the same error in two logs: two sources, two incidents */
	expect_articles(j, "Q123827 Q123826 Q123827");
	inc = incident(j, "Q123827");
	JINT(inc, "count", 2);
	JSTR(inc, "source", c);
	JSIZE(inc, "locations", 2);
	JSTR(inc, "locations.0.file", c);
	JINT(inc, "locations.0.line", 2);
	JSTR(inc, "locations.1.file", c);
	JINT(inc, "locations.1.line", 3);
	JSTR(j, "incidents.2.source", a);
	JINT(j, "incidents.2.count", 1);
	JINT(j, "summary.matched_by_article.Q123827", 3);
	json_decref(j);
	tu_run_free(&r);
	free(a);
	free(c);
}
END_TEST

/* A rotated set is one source, read oldest first whatever the order given. */
START_TEST(rotated_set_is_one_source)
{
	char *now = put_str("gw.log", "10:20:00 - Error (119) Network Write Error\n"),
	    *old = put_str("gw.log.1", "x\n10:10:00 - Error (119) Network Write Error\n");
	struct tu_run r;
	json_t *j, *inc;

	j = diagnose(&r, 0, NULL, 0, ARGS("--date", "2026-11-23", now, old));
	JSTR(j, "inputs.0.file", now);
	JINT(j, "inputs.0.read_order", 2);
	JSTR(j, "inputs.1.file", old);
	JINT(j, "inputs.1.read_order", 1);
	JSTR(j, "inputs.1.set", now);
	expect_articles(j, "Q123827");
	inc = incident(j, "Q123827");
	JINT(inc, "count", 2);
	JSTR(inc, "source", now);
	JSTR(inc, "locations.0.file", old);
	JSTR(inc, "locations.1.file", now);
	json_decref(j);
	tu_run_free(&r);
	free(now);
	free(old);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* 4. Time                                                                  */

START_TEST(banner_date_moves_on_at_midnight)
{
	static const char text[] =
	    "23:59:50 - Tue Mar  1 23:59:50 1994 Microsoft Mail Gateway to SMTP V3.0\n"
	    "23:59:58 - Error (119) Network Write Error\n"
	    "00:00:03 - Error (119) Network Write Error\n";
	char *log = put_str("midnight.log", text);
	struct tu_run r;
	json_t *j, *inc;

	/* the banner wins over --date */
	j = diagnose(&r, 0, NULL, 0, ARGS("--date", "2026-11-23", log));
	inc = incident(j, "Q123827");
	expect_seen(inc, 2, "1994-03-01T23:59:58", "1994-03-02T00:00:03");
	JREAL(inc, "rate_per_hour", 720.0);	/* one interval of 5 s */
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

static const char undated[] =
    "10:00:00 - Error (119) Network Write Error\n"
    "10:30:00 - Error (119) Network Write Error\n"
    "11:00:00 - Error (119) Network Write Error\n"
    "23:59:59 - Error (116) Network Read Error\n";

START_TEST(date_option_dates_a_log_without_banner)
{
	char *log = put_str("undated.log", undated);
	struct tu_run r;
	json_t *j;

	j = diagnose(&r, 0, NULL, 0, ARGS("--date", "2026-11-23", log));
	expect_seen(incident(j, "Q123827"), 3, "2026-11-23T10:00:00", "2026-11-23T11:00:00");
	expect_seen(incident(j, "Q123826"), 1, "2026-11-23T23:59:59", "2026-11-23T23:59:59");
	json_decref(j);
	tu_run_free(&r);

	j = diagnose(&r, 0, NULL, 0, ARGS(log));	/* neither: times of day */
	expect_seen(incident(j, "Q123827"), 3, "10:00:00", "11:00:00");
	expect_seen(incident(j, "Q123826"), 1, "23:59:59", "23:59:59");
	json_decref(j);
	tu_run_free(&r);

	run(&r, NULL, 0, ARGS("diagnose", "--date", "2026-02-30", log));
	expect_usage(&r, "kbdiag: option '--date': '2026-02-30' is not a date (YYYY-MM-DD)\n");
	tu_run_free(&r);
	run(&r, NULL, 0, ARGS("diagnose", "--date", "2026-11-23T10:00", log));
	expect_usage(&r, "option '--date': '2026-11-23T10:00' is not a date");
	tu_run_free(&r);
	free(log);
}
END_TEST

START_TEST(since_and_until_select_lines)
{
	char *log = put_str("window.log", undated);
	struct tu_run r;
	json_t *j;

	j = diagnose(&r, 0, NULL, 0, ARGS("--date", "2026-11-23", "--since", "2026-11-23T10:15",
	    "--until", "2026-11-23T11:00:00", log));
	JINT(j, "summary.lines", 4);
	JINT(j, "summary.out_of_time", 2);
	JINT(j, "summary.matched", 2);
	JINT(j, "summary.matched_by_article.Q123827", 2);
	JSIZE(j, "summary.matched_by_article", 1);
	expect_articles(j, "Q123827");			/* Q123826 is outside */
	expect_seen(incident(j, "Q123827"), 2, "2026-11-23T10:30:00", "2026-11-23T11:00:00");
	JBOOL(incident(j, "Q123827"), "frequent", 0);	/* 2 lines are not 3 */
	json_decref(j);
	tu_run_free(&r);

	/* only --since, with a space for the T */
	j = diagnose(&r, 0, NULL, 0, ARGS("--date", "2026-11-23", "--since", "2026-11-23 11:00",
	    log));
	JINT(j, "summary.out_of_time", 2);
	expect_articles(j, "Q123827 Q123826");
	expect_seen(incident(j, "Q123827"), 1, "2026-11-23T11:00:00", "2026-11-23T11:00:00");
	json_decref(j);
	tu_run_free(&r);

	/* nothing left: exit 1 */
	j = diagnose(&r, 1, NULL, 0, ARGS("--date", "2026-11-23", "--since", "2026-11-24", log));
	JINT(j, "summary.out_of_time", 4);
	JSIZE(j, "incidents", 0);
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

START_TEST(until_a_date_is_the_whole_day)
{
	char *log = put_str("day.log", undated);
	struct tu_run r;
	json_t *j;

	j = diagnose(&r, 0, NULL, 0, ARGS("--date", "2026-11-23", "--until", "2026-11-23", log));
	JINT(j, "summary.out_of_time", 0);
	expect_seen(incident(j, "Q123826"), 1, "2026-11-23T23:59:59", "2026-11-23T23:59:59");
	json_decref(j);
	tu_run_free(&r);

	/* the same day as both ends is fine */
	j = diagnose(&r, 0, NULL, 0, ARGS("--date", "2026-11-23", "--since", "2026-11-23",
	    "--until", "2026-11-23", log));
	JINT(j, "summary.out_of_time", 0);
	json_decref(j);
	tu_run_free(&r);

	j = diagnose(&r, 1, NULL, 0, ARGS("--date", "2026-11-23", "--until", "2026-11-22", log));
	JINT(j, "summary.out_of_time", 4);
	json_decref(j);
	tu_run_free(&r);

	/* with a time, --until is that second */
	j = diagnose(&r, 0, NULL, 0, ARGS("--date", "2026-11-23", "--until", "2026-11-23T23:59",
	    log));
	JINT(j, "summary.out_of_time", 1);
	expect_articles(j, "Q123827");
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

START_TEST(bad_since_and_until_exit_2)
{
	static const char *const bad[] = { "yesterday", "2026-11-23T25:00", "2026-13-01",
	    "2026-11-31", "2026-11-23T10", "2026-11-23T10:00:00 junk", "23.11.2026", "", NULL };
	char *log = put_str("times.log", undated), says[128];
	struct tu_run r;
	size_t i;

	for (i = 0; bad[i]; i++) {
		run(&r, NULL, 0, ARGS("diagnose", "--since", bad[i], log));
		snprintf(says, sizeof(says), "kbdiag: option '--since': '%s' is not a time "
		    "(YYYY-MM-DD[THH:MM[:SS]])\n", bad[i]);
		expect_usage(&r, says);
		tu_run_free(&r);
		run(&r, NULL, 0, ARGS("diagnose", "--until", bad[i], log));
		snprintf(says, sizeof(says), "kbdiag: option '--until': '%s' is not a time", bad[i]);
		expect_usage(&r, says);
		tu_run_free(&r);
	}
	run(&r, NULL, 0, ARGS("diagnose", "--since", "2026-11-24", "--until", "2026-11-23T23:59",
	    log));
	expect_usage(&r, "kbdiag: option '--since': later than --until: no line could be in both\n");
	tu_run_free(&r);
	/* the check does not depend on the order of the options */
	run(&r, NULL, 0, ARGS("diagnose", "--until", "2026-11-23T10:00", "--since",
	    "2026-11-23T10:00:01", log));
	expect_usage(&r, "option '--since': later than --until");
	tu_run_free(&r);
	free(log);
}
END_TEST

START_TEST(since_on_an_undated_log_warns_and_keeps_lines)
{
	char *log = put_str("nodate.log", undated), want[512];
	struct tu_run r;
	json_t *j;

	j = diagnose(&r, 0, NULL, 0, ARGS("--since", "2026-11-23T10:15", log));
	snprintf(want, sizeof(want), "%s:1: the log gives no date (no start-up line; --date "
	    "gives one), so --since and --until do not apply to its undated lines", log);
	expect_warning(j, &r, want);
	JSIZE(j, "warnings", 1);			/* once per log */
	JINT(j, "summary.out_of_time", 0);
	expect_seen(incident(j, "Q123827"), 3, "10:00:00", "11:00:00");
	expect_seen(incident(j, "Q123826"), 1, "23:59:59", "23:59:59");
	json_decref(j);
	tu_run_free(&r);

	/* --quiet keeps the warning off standard error, not out of the report */
	j = diagnose(&r, 0, NULL, 0, ARGS("--quiet", "--until", "2026-11-23", log));
	ck_assert_uint_eq(r.errlen, 0);
	JSIZE(j, "warnings", 1);
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* 5. Rate and frequency                                                    */

/* The Q123827 incident of a log of legacy lines at these times. */
static json_t *
errors_at(struct tu_run *r, const char *name, const char *const *times)
{
	struct buf b = BUF_INIT;
	char *log;
	json_t *j;

	for (; *times; times++)
		buf_printf(&b, "%s - Error (119) Network Write Error\n", *times);
	log = put_str(name, buf_str(&b));
	j = diagnose(r, 0, NULL, 0, ARGS("--date", "2026-11-23", log));
	buf_free(&b);
	free(log);
	return j;
}

START_TEST(three_errors_in_half_an_hour_are_frequent)
{
	struct tu_run r;
	json_t *j = errors_at(&r, "often.log", ARGS("10:00:00", "10:15:00", "10:30:00")), *inc;

	inc = incident(j, "Q123827");
	JINT(inc, "count", 3);
	JREAL(inc, "rate_per_hour", 4.0);	/* 2 intervals in half an hour */
	JBOOL(inc, "frequent", 1);
	json_decref(j);
	tu_run_free(&r);

	/* an hour to the second is within the hour */
	j = errors_at(&r, "hour.log", ARGS("10:00:00", "10:30:00", "11:00:00"));
	JREAL(incident(j, "Q123827"), "rate_per_hour", 2.0);
	JBOOL(incident(j, "Q123827"), "frequent", 1);
	json_decref(j);
	tu_run_free(&r);

	/* any 3 within an hour will do */
	j = errors_at(&r, "later.log", ARGS("08:00:00", "10:00:00", "10:20:00", "10:40:00"));
	JREAL(incident(j, "Q123827"), "rate_per_hour", 1.125);	/* 3 in 2 h 40 */
	JBOOL(incident(j, "Q123827"), "frequent", 1);
	json_decref(j);
	tu_run_free(&r);
}
END_TEST

START_TEST(three_errors_over_three_hours_are_not)
{
	struct tu_run r;
	json_t *j = errors_at(&r, "spread.log", ARGS("10:00:00", "11:30:00", "13:00:00")), *inc;

	inc = incident(j, "Q123827");
	JINT(inc, "count", 3);
	JREAL(inc, "rate_per_hour", 0.667);	/* 2 in 3 hours, to 3 decimals */
	JBOOL(inc, "frequent", 0);
	json_decref(j);
	tu_run_free(&r);

	/* a second more than the hour */
	j = errors_at(&r, "just.log", ARGS("10:00:00", "10:30:00", "11:00:01"));
	JBOOL(incident(j, "Q123827"), "frequent", 0);
	json_decref(j);
	tu_run_free(&r);

	/* once: no rate */
	j = errors_at(&r, "once.log", ARGS("10:00:00"));
	JNULL(incident(j, "Q123827"), "rate_per_hour");
	JBOOL(incident(j, "Q123827"), "frequent", 0);
	json_decref(j);
	tu_run_free(&r);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* 6. Summary                                                               */

START_TEST(summary_counts)
{
	static const char text[] =
	    "09:14:07 - Tue Mar  1 09:14:07 1994 Microsoft Mail Gateway to SMTP V3.0\n"
	    "10:00:00 - Error (119) Network Write Error\n"
	    "10:00:00 - ERROR disk quota exceeded\n"
	    "10:00:10 - Error (119) Network Write Error\n"
	    "10:00:20 - Error (116) Network Read Error\n"
	    "10:00:30 - Gateway idle\n"
	    "10:00:40 - Print server timed out\n";
	char *log = put_str("summary.log", text), want[1024];
	struct tu_run r;
	json_t *j;

	j = diagnose(&r, 0, NULL, 0, ARGS(log));
	JINT(j, "summary.lines", 7);
	JINT(j, "summary.bytes", (long long)sizeof(text) - 1);
	JINT(j, "summary.matched", 3);
	JINT(j, "summary.out_of_time", 0);
	JSIZE(j, "summary.matched_by_article", 2);
	JINT(j, "summary.matched_by_article.Q123827", 2);
	JINT(j, "summary.matched_by_article.Q123826", 1);
	JINT(j, "summary.unmatched_errors", 2);
	JSIZE(j, "summary.unmatched_samples", 2);
	JSTR(j, "summary.unmatched_samples.0.file", log);
	JINT(j, "summary.unmatched_samples.0.line", 3);
	JSTR(j, "summary.unmatched_samples.0.text", "ERROR disk quota exceeded");
	JINT(j, "summary.unmatched_samples.1.line", 7);
	JSTR(j, "summary.unmatched_samples.1.text", "Print server timed out");
	/* the same lines by shape */
	JSIZE(j, "summary.unmatched_groups", 2);
	JSTR(j, "summary.unmatched_groups.0.shape", "ERROR disk quota exceeded");
	JINT(j, "summary.unmatched_groups.0.count", 1);
	JINT(j, "summary.unmatched_groups.0.sample.line", 3);
	JNULL(j, "summary.unmatched_groups.0.program");
	JSTR(j, "summary.unmatched_groups.1.shape", "Print server timed out");
	JINT(j, "summary.unmatched_server_lines", 0);
	json_decref(j);
	tu_run_free(&r);

	/* the text report says the same */
	run(&r, NULL, 0, ARGS("diagnose", "--offline", log));
	ck_assert_int_eq(r.status, 0);
	snprintf(want, sizeof(want), "\nSummary: 7 lines read, 3 matched (Q123827 2, Q123826 1), "
	    "2 incidents.\n2 lines that look like errors matched no article (a gap in the rule "
	    "base?), by program and shape, biggest first:\n"
	    "       1  ERROR disk quota exceeded\n          e.g. %s:3:", log);
	ck_assert_contains(r.out, want);
	ck_assert_contains(r.out, "       1  Print server timed out\n");
	tu_run_free(&r);
	free(log);
}
END_TEST

/* Only the first ten unknown errors are shown; all are counted. */
START_TEST(summary_keeps_ten_samples)
{
	struct buf b = BUF_INIT;
	char *log;
	struct tu_run r;
	json_t *j;
	int i;

	for (i = 1; i <= 12; i++)
		buf_printf(&b, "10:00:%02d - ERROR disk quota exceeded on volume %d\n", i, i);
	log = put_str("quota.log", buf_str(&b));
	j = diagnose(&r, 1, NULL, 0, ARGS(log));
	JINT(j, "summary.lines", 12);
	JINT(j, "summary.matched", 0);
	JINT(j, "summary.unmatched_errors", 12);
	JSIZE(j, "summary.unmatched_samples", 10);
	JINT(j, "summary.unmatched_samples.9.line", 10);
	JSTR(j, "summary.unmatched_samples.9.text", "ERROR disk quota exceeded on volume 10");

	/* one shape: the volume's number is masked */
	JSIZE(j, "summary.unmatched_groups", 1);
	JINT(j, "summary.unmatched_groups.0.count", 12);
	JSTR(j, "summary.unmatched_groups.0.shape", "ERROR disk quota exceeded on volume N");
	json_decref(j);
	tu_run_free(&r);

	run(&r, NULL, 0, ARGS("diagnose", log));
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "\nSummary: 12 lines read, 0 matched, 0 incidents.\n12 lines "
	    "that look like errors matched no article (a gap in the rule base?), by program "
	    "and shape, biggest first:\n      12  ERROR disk quota exceeded on volume N\n");
	tu_run_free(&r);
	buf_free(&b);
	free(log);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* 7. --follow                                                              */

/*
 * kbdiag --follow as a child process, with its standard output and error on
 * pipes that the test reads with poll(). Every failure path kills the child
 * (F_CHECK); on Linux it is also killed when the test process dies, however
 * that happens (a timeout included).
 */
struct follower {
	pid_t		 pid;		/* -1 once reaped */
	int		 fd[2];		/* its standard output and error; -1 at EOF */
	struct buf	 got[2];	/* everything read from each */
};

/* The longest wait for something kbdiag should say (it looks every 200 ms):
 * generous, a loaded machine (or ASan) only makes it take longer. */
#define FOLLOW_MS	TU_WAIT_MS
/* How long to watch for something kbdiag must not say: a few of its rounds. */
#define QUIET_MS	700

/* Start kbdiag with args; its standard input is in, or /dev/null if in < 0. */
static void
follow_start_in(struct follower *f, int in, const char *const *args)
{
	const char *argv[MAX_ARGS];
	char *bin = tu_build("kbdiag");
	int out[2], err[2], null, n = 0;
	pid_t parent = getpid();

	argv[n++] = bin;
	argv[n++] = "--offline";	/* hermetic: no probes (testutil.h) */
	for (; *args; args++) {
		ck_assert(n < MAX_ARGS - 1);
		argv[n++] = *args;
	}
	argv[n] = NULL;
	unsetenv("KBDIAG_KB");
	tu_cache_own();
	ck_assert(pipe(out) == 0 && pipe(err) == 0);
	null = in >= 0 ? dup(in) : open("/dev/null", O_RDONLY);
	ck_assert(null >= 0);
	f->pid = fork();
	ck_assert_msg(f->pid >= 0, "fork: %s", strerror(errno));
	if (f->pid == 0) {
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
#else
		(void)parent;
#endif
		dup2(null, STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		close(null);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(null);
	close(out[1]);
	close(err[1]);
	f->fd[0] = out[0];
	f->fd[1] = err[0];
	buf_init(&f->got[0]);
	buf_init(&f->got[1]);
	free(bin);
}

#define follow_start(f, args)	follow_start_in((f), -1, (args))

/* Read what the child has written, waiting at most ms for something. */
static void
follow_pump(struct follower *f, int ms)
{
	struct pollfd pfd[2];
	char chunk[4096];
	ssize_t n;
	int i;

	for (i = 0; i < 2; i++) {
		pfd[i].fd = f->fd[i];
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (poll(pfd, 2, ms) <= 0)
		return;
	for (i = 0; i < 2; i++) {
		if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(pfd[i].fd, chunk, sizeof(chunk));
		if (n > 0)
			buf_append(&f->got[i], chunk, (size_t)n);
		else if (n == 0 || errno != EINTR) {
			close(f->fd[i]);
			f->fd[i] = -1;
		}
	}
}

/*
 * Wait at most ms until stream s (0: stdout, 1: stderr) holds needle after
 * byte *from, and move *from past it. 0 when it did not come.
 */
static int
follow_wait(struct follower *f, int s, size_t *from, const char *needle, int ms)
{
	long long end = clock_ms() + ms, left;
	const char *all, *hit;

	for (;;) {
		all = buf_str(&f->got[s]);
		if ((hit = strstr(all + *from, needle)) != NULL) {
			*from = (size_t)(hit - all) + strlen(needle);
			return 1;
		}
		if ((left = end - clock_ms()) <= 0 || f->fd[s] < 0)
			return 0;
		follow_pump(f, (int)left);
	}
}

static void
follow_kill(struct follower *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
		f->pid = -1;
	}
}

/*
 * Send sig (0: none, it ends by itself), read everything the child still
 * writes and reap it, within ms: its exit status (128 + the signal if one
 * killed it), or -1 if it did not end in time (it is then killed).
 */
static int
follow_end(struct follower *f, int sig, int ms)
{
	long long end = clock_ms() + ms;
	int status;

	kill(f->pid, sig);
	while ((f->fd[0] >= 0 || f->fd[1] >= 0) && clock_ms() < end)
		follow_pump(f, (int)(end - clock_ms()));
	while (waitpid(f->pid, &status, WNOHANG) != f->pid) {
		if (clock_ms() >= end) {
			follow_kill(f);
			return -1;
		}
		poll(NULL, 0, 10);	/* its output is closed: it is exiting */
	}
	f->pid = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
follow_free(struct follower *f)
{
	follow_kill(f);
	if (f->fd[0] >= 0)
		close(f->fd[0]);
	if (f->fd[1] >= 0)
		close(f->fd[1]);
	buf_free(&f->got[0]);
	buf_free(&f->got[1]);
}

/* Fail the test, killing kbdiag first and showing what it said. */
#define F_CHECK(f, cond, what) do {						\
	if (!(cond)) {								\
		follow_kill(f);							\
		ck_abort_msg("%s\nkbdiag's stdout:\n%s\nkbdiag's stderr:\n%s",	\
		    (what), buf_str(&(f)->got[0]), buf_str(&(f)->got[1]));	\
	}									\
} while (0)

/* Change a followed file (append(), replace_file(), shrink_file()), or fail. */
#define F_WRITE(f, change)							\
	F_CHECK(f, (change) == 0, "cannot change the log: " #change)

/* Wait for needle on stream s after *from, or fail. */
#define F_EXPECT(f, s, from, needle)						\
	F_CHECK(f, follow_wait((f), (s), (from), (needle), FOLLOW_MS),		\
	    (s) ? "kbdiag did not say on stderr: " needle :			\
	    "kbdiag did not say on stdout: " needle)

/* The same with a needle that is not a literal. */
#define F_EXPECT_STR(f, s, from, needle)					\
	F_CHECK(f, follow_wait((f), (s), (from), (needle), FOLLOW_MS),		\
	    (needle))

/*
 * Put a new file that already holds text under the name path, as rotation
 * does (the old one must have been renamed away): 0 or -1.
 */
static int
replace_file(const char *path, const char *text)
{
	struct buf b = BUF_INIT;
	int fd, rc = -1;

	buf_printf(&b, "%s.new", path);
	fd = open(buf_str(&b), O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) == (ssize_t)strlen(text) && close(fd) == 0)
			rc = rename(buf_str(&b), path);
		else
			close(fd);
	}
	buf_free(&b);
	return rc;
}

/*
 * Make path shorter, holding only text (fewer bytes than before, and never
 * empty on the way), as copytruncate leaves a log the writer goes on with:
 * 0 or -1.
 */
static int
shrink_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY), rc = 0;

	if (fd < 0)
		return -1;
	if (pwrite(fd, text, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) != 0)
		rc = -1;
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

START_TEST(follow_reports_incidents_as_they_form)
{
	char *log = put_str("follow.log", "10:00:00 - Gateway initialized\n"),
	    *old = tu_scratch_path("follow.log.1"), want[1024];
	struct follower f;
	size_t o = 0, e = 0;
	int status;

	follow_start(&f, ARGS("diagnose", "--offline", "--follow", log));
	F_WRITE(&f, append(log, "10:00:01 - Error (119) Network Write Error\n"));
	F_EXPECT(&f, 0, &o, "10:00:01  new incident: Q123827 at (smart host not named): "
	    "Error (119) Network Write Error\n");

	/*
	 * Rotation: renamed away, a new file under the name. The new file is
	 * whole before it takes the name (follow_waits_on_an_empty_file
	 * tests an empty one).
	 */
	F_CHECK(&f, rename(log, old) == 0, "rename");
	F_WRITE(&f, replace_file(log, "10:01:00 - Error (116) Network Read Error\n"
	    "10:01:30 - Gateway idle, nothing to send\n"));
	snprintf(want, sizeof(want), "kbdiag: %s: the file was replaced (rotated); reading the "
	    "new one from its start\n", log);
	F_EXPECT_STR(&f, 1, &e, want);
	F_EXPECT(&f, 0, &o, "10:01:00  new incident: Q123826 at (smart host not named): "
	    "Error (116) Network Read Error\n");

	/*
	 * Truncation: shorter than what was read, with an error in it.
	 */
	F_WRITE(&f, shrink_file(log, "10:02:00 - ERROR Connect: (121) Network Error\n"));
	snprintf(want, sizeof(want), "kbdiag: %s: the file was truncated; reading it again from "
	    "its start\n", log);
	F_EXPECT_STR(&f, 1, &e, want);
	F_EXPECT(&f, 0, &o, "10:02:00  new incident: Q99852 at (smart host not named): "
	    "ERROR Connect: (121) Network Error\n");

	/* two more within the hour: frequent, said once */
	F_WRITE(&f, append(log, "10:03:00 - ERROR Connect: (121) Network Error\n"
	    "10:04:00 - ERROR Connect: (121) Network Error\n"));
	F_EXPECT(&f, 0, &o, "10:04:00  Q99852 is now frequent: 3 times, 60.0 per hour\n");

	/* SIGTERM: the whole report, then exit 0 as without --follow */
	status = follow_end(&f, SIGTERM, FOLLOW_MS);
	F_CHECK(&f, status == 0, "kbdiag did not exit 0 on SIGTERM");
	ck_assert_msg(strncmp(f.got[0].data + o, "3 incidents in ", 15) == 0,
	    "after the incident lines:\n%s", f.got[0].data + o);
	ck_assert_contains(f.got[0].data + o, "\nIncident 3 of 3: Q99852 ");
	ck_assert_contains(f.got[0].data + o, "\nSummary: 7 lines read, 5 matched (Q123827 1, "
	    "Q123826 1, Q99852 3), 3 incidents.\n");
	ck_assert_not_contains(f.got[0].data + o, "new incident");
	ck_assert_not_contains(f.got[0].data + o, "now frequent");
	/* two notices, nothing else */
	ck_assert_uint_eq(e, f.got[1].len);
	follow_free(&f);
	free(log);
	free(old);
}
END_TEST

START_TEST(follow_json_prints_an_object_per_incident)
{
	char *log = put_str("events.log", "10:00:00 - Error (119) Network Write Error\n"), *line,
	    *next;
	struct follower f;
	json_error_t err;
	json_t *j;
	size_t o = 0, n = 0;
	int status;

	follow_start(&f, ARGS("--format", "json", "diagnose", "--follow", log));
	F_EXPECT(&f, 0, &o, "{\"event\":\"incident\",\"article\":\"Q123827\",\"count\":1,"
	    "\"when\":\"10:00:00\"}\n");
	F_WRITE(&f, append(log, "10:00:01 - Error (119) Network Write Error\n"
	    "10:00:02 - Error (116) Network Read Error\n"
	    "10:00:03 - Error (119) Network Write Error\n"));
	F_EXPECT(&f, 0, &o, "{\"event\":\"incident\",\"article\":\"Q123826\",\"count\":1,"
	    "\"when\":\"10:00:02\"}\n");
	F_EXPECT(&f, 0, &o, "{\"event\":\"frequent\",\"article\":\"Q123827\",\"count\":3,"
	    "\"when\":\"10:00:03\"}\n");
	status = follow_end(&f, SIGTERM, FOLLOW_MS);
	F_CHECK(&f, status == 0, "kbdiag did not exit 0 on SIGTERM");

	/* each event is one line and one JSON object */
	for (line = f.got[0].data; line < f.got[0].data + o; line = next + 1, n++) {
		next = strchr(line, '\n');
		ck_assert_ptr_nonnull(next);
		j = json_loadb(line, (size_t)(next - line), 0, &err);
		ck_assert_msg(json_is_object(j), "not an object: %.*s", (int)(next - line), line);
		ck_assert_uint_eq(json_object_size(j), 4);
		json_decref(j);
	}
	ck_assert_uint_eq(n, 3);
	/* then the whole diagnosis */
	j = json_loads(f.got[0].data + o, 0, &err);
	ck_assert_msg(j != NULL, "the report is not JSON (%s):\n%s", err.text, f.got[0].data + o);
	JINT(j, "inputs.0.lines", 4);
	expect_articles(j, "Q123827 Q123826");
	expect_seen(incident(j, "Q123827"), 3, "10:00:00", "10:00:03");
	JBOOL(incident(j, "Q123827"), "frequent", 1);
	JREAL(incident(j, "Q123827"), "rate_per_hour", 2400.0);
	json_decref(j);
	follow_free(&f);
	free(log);
}
END_TEST

START_TEST(follow_holds_a_line_until_its_end)
{
	char *log = put_str("partial.log", "10:00:00 - Gateway initialized\n");
	struct follower f;
	size_t o = 0;
	int status;

	follow_start(&f, ARGS("diagnose", "--offline", "--follow", log));
	/* one write: a whole line, then the error text without its line end */
	F_WRITE(&f, append(log, "10:00:01 - Error (119) Network Write Error\n"
	    "10:00:02 - Error (116) Network Read Error"));
	F_EXPECT(&f, 0, &o, "new incident: Q123827 ");
	F_CHECK(&f, !follow_wait(&f, 0, &o, "Q123826", QUIET_MS),
	    "a line without its line end was reported");
	F_WRITE(&f, append(log, ", socket 5\n"));
	/* the whole line, once */
	F_EXPECT(&f, 0, &o, "10:00:02  new incident: Q123826 at (smart host not named): "
	    "Error (116) Network Read Error, socket 5\n");
	status = follow_end(&f, SIGTERM, FOLLOW_MS);
	F_CHECK(&f, status == 0, "kbdiag did not exit 0 on SIGTERM");
	ck_assert_contains(f.got[0].data + o, "\nSummary: 3 lines read, 2 matched (Q123827 1, "
	    "Q123826 1), 2 incidents.\n");
	follow_free(&f);
	free(log);
}
END_TEST

/*
 * --follow waits on a file that is empty when it looks at it: at the start,
 * right after a rotation (logrotate's `create` leaves an empty file) and
 * after a truncation to 0 bytes.
 */
START_TEST(follow_waits_on_an_empty_file)
{
	char *log = put_str("empty.log", ""), *old = tu_scratch_path("empty.log.1");
	struct follower f;
	size_t o = 0, e = 0;

	follow_start(&f, ARGS("diagnose", "--offline", "--follow", log));
	F_CHECK(&f, !follow_wait(&f, 0, &o, "No known gateway error", QUIET_MS),
	    "kbdiag stopped following an empty file");
	F_WRITE(&f, append(log, "10:00:01 - Error (119) Network Write Error\n"));
	F_EXPECT(&f, 0, &o, "new incident: Q123827 ");

	F_CHECK(&f, truncate(log, 0) == 0, "truncate");
	F_EXPECT(&f, 1, &e, "the file was truncated");
	F_WRITE(&f, append(log, "10:00:02 - Error (116) Network Read Error\n"));
	F_EXPECT(&f, 0, &o, "new incident: Q123826 ");

	F_CHECK(&f, rename(log, old) == 0, "rename");
	tu_write_str(log, "");
	F_EXPECT(&f, 1, &e, "rotated");
	F_WRITE(&f, append(log, "10:00:03 - ERROR Connect: (121) Network Error\n"));
	F_EXPECT(&f, 0, &o, "new incident: Q99852 ");
	F_CHECK(&f, follow_end(&f, SIGTERM, FOLLOW_MS) == 0, "exit status");
	follow_free(&f);
	free(log);
	free(old);
}
END_TEST

/*
 * A file truncated and rewritten with more bytes than had been read before
 * kbdiag looks is noticed by its first bytes (GNU tail -F would miss it):
 * it is read again from its start.
 */
/*
 * A followed log replaced by a FIFO: never opened (its open would wait for a
 * writer and hold up every log), said once, and the other log is read on;
 * a FIFO named on the command line is refused, naming it, and the other log
 * is followed.
 */
START_TEST(follow_refuses_what_is_not_a_regular_file)
{
	char *a = put_str("fifo-a.log", "10:00:00 - Gateway initialized\n"),
	    *b = put_str("fifo-b.log", "10:00:00 - Error (116) Network Read Error\n"),
	    *fifo = tu_scratch_path("named.fifo"), *old = tu_scratch_path("fifo-a.log.1");
	struct follower f;
	size_t o = 0, e = 0;

	follow_start(&f, ARGS("diagnose", "--offline", "--follow", a, b));
	F_EXPECT(&f, 0, &o, "new incident: Q123826 ");	/* both are open */
	F_CHECK(&f, rename(a, old) == 0 && mkfifo(a, 0600) == 0, "mkfifo");
	F_EXPECT(&f, 1, &e, "fifo-a.log: replaced by a FIFO, not a regular file: not "
	    "followed");
	F_WRITE(&f, append(b, "10:01:00 - ERROR Network_read: Lost network connection\n"));
	F_EXPECT(&f, 0, &o, "new incident: Q100709 ");
	/* said once */
	F_CHECK(&f, !follow_wait(&f, 1, &e, "replaced by a FIFO", QUIET_MS), "said twice");
	/* a regular file takes the name again: followed */
	F_CHECK(&f, unlink(a) == 0, "unlink");
	F_WRITE(&f, replace_file(a, "10:02:00 - Error (119) Network Write Error\n"));
	F_EXPECT(&f, 0, &o, "new incident: Q123827 ");
	F_CHECK(&f, follow_end(&f, SIGTERM, FOLLOW_MS) == 0, "exit status");
	follow_free(&f);

	o = e = 0;
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	follow_start(&f, ARGS("diagnose", "--offline", "--follow", fifo, b));
	F_EXPECT(&f, 1, &e, "named.fifo: not a regular file (a FIFO): --follow reads only "
	    "regular files");
	F_EXPECT(&f, 0, &o, "new incident: Q123826 ");
	F_WRITE(&f, append(b, "10:03:00 - ERROR Connect: (121) Network Error\n"));
	F_EXPECT(&f, 0, &o, "new incident: Q99852 ");
	/* a log that could not be read: bad input, as without --follow */
	F_CHECK(&f, follow_end(&f, SIGTERM, FOLLOW_MS) == 3, "exit status");
	follow_free(&f);
	free(a);
	free(b);
	free(fifo);
	free(old);
}
END_TEST

START_TEST(follow_notices_a_truncation_rewritten_longer)
{
	char *log = put_str("rewrite.log", "10:00:00 - Error (116) Network Read Error\n");
	struct follower f;
	size_t o = 0, e = 0;
	int fd;

	follow_start(&f, ARGS("diagnose", "--offline", "--follow", log));
	F_EXPECT(&f, 0, &o, "new incident: Q123826 ");
	/* truncate and write in one go: 46 bytes where 42 were read */
	fd = open(log, O_WRONLY | O_TRUNC);
	F_CHECK(&f, fd >= 0, "open");
	F_CHECK(&f, write(fd, "10:02:00 - ERROR Connect: (121) Network Error\n", 46) == 46,
	    "write");
	close(fd);
	F_EXPECT(&f, 1, &e, "the file was truncated");
	F_EXPECT(&f, 0, &o, "new incident: Q99852 ");
	F_CHECK(&f, follow_end(&f, SIGTERM, FOLLOW_MS) == 0, "exit status");
	follow_free(&f);
	free(log);
}
END_TEST

/*
 * Under --follow, standard input is read to its end even when it is a
 * regular file (docs/kbdiag.1).
 */
START_TEST(follow_reads_stdin_to_its_end)
{
	char *log = put_str("stdin.log", "10:00:00 - Error (119) Network Write Error\n");
	struct follower f;
	int fd, status;

	fd = open(log, O_RDONLY);
	ck_assert(fd >= 0);
	follow_start_in(&f, fd, ARGS("diagnose", "--offline", "--follow", "-"));
	close(fd);
	status = follow_end(&f, 0, FOLLOW_MS);
	F_CHECK(&f, status == 0, "kbdiag --follow did not end at the end of standard input");
	follow_free(&f);
	free(log);
}
END_TEST

/*
 * inputs[].lines counts every line read from a followed log, across a
 * rotation (line numbers start again in the new file).
 */
START_TEST(follow_counts_the_lines_of_a_rotated_log)
{
	char *log = put_str("count.log", "10:00:00 - Gateway initialized\n"
	    "10:00:01 - Error (119) Network Write Error\n"), *old = tu_scratch_path("count.log.1"), *s;
	struct follower f;
	size_t o = 0, e = 0;
	json_t *j;

	follow_start(&f, ARGS("diagnose", "--format", "json", "--follow", log));
	F_EXPECT(&f, 0, &o, "\"article\":\"Q123827\"");
	F_CHECK(&f, rename(log, old) == 0, "rename");
	F_WRITE(&f, replace_file(log, "10:01:00 - Error (116) Network Read Error\n"));
	F_EXPECT(&f, 1, &e, "rotated");
	F_EXPECT(&f, 0, &o, "\"article\":\"Q123826\"");
	F_CHECK(&f, follow_end(&f, SIGTERM, FOLLOW_MS) == 0, "exit status");
	s = strstr(f.got[0].data, "\n{\n");
	ck_assert_ptr_nonnull(s);
	j = json_loads(s + 1, 0, NULL);
	ck_assert_ptr_nonnull(j);
	JINT(j, "summary.lines", 3);
	JINT(j, "inputs.0.lines", 3);
	json_decref(j);
	follow_free(&f);
	free(log);
	free(old);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* 8. Bad input                                                             */

/*
 * A pattern that backtracks catastrophically gives up on a line at PCRE2's
 * match limit: the warning names its symptom and where it is defined, and
 * the scan goes on to find the errors after it.
 */
START_TEST(backtracking_pattern_gives_up_and_the_scan_goes_on)
{
	char *kbdir = tu_kb_copy(), *xml, *log, line[200];
	const char *args[] = { "--kb", NULL, NULL, NULL };
	struct tu_run r;
	json_t *j;

	xml = tu_article("Q999999", "    <symptom id=\"slow\" role=\"primary\">"
	    "<message>slowpoke</message><pattern>slowpoke(a+)+b</pattern>"
	    "<example>slowpokeaab</example></symptom>", NULL, NULL);
	tu_write_in(kbdir, "articles/Q999999.xml", xml);
	/* A 'b' after the run, so that PCRE2's required-byte check cannot
	 * rule the line out before it backtracks. */
	snprintf(line, sizeof(line), "10:00:00 - slowpoke%.*sc b\n"
	    "10:00:01 - Error (119) Network Write Error\n", 40,
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	log = put_str("slow.log", line);
	args[1] = kbdir;
	args[2] = log;
	j = diagnose(&r, 0, NULL, 0, args);
	ck_assert_contains(r.err, "slow.log:1: the pattern of symptom 'slow'");
	ck_assert_contains(r.err, "Q999999.xml");
	ck_assert_contains(r.err, "(match limit)");
	expect_articles(j, "Q123827");
	json_decref(j);
	tu_run_free(&r);
	free(log);
	free(xml);
	tu_kb_copy_free(kbdir);
}
END_TEST

START_TEST(twenty_megabyte_line_without_a_line_end)
{
	static const char head[] = "Error (119) Network Write Error ";
	size_t len = 20u * 1024 * 1024;
	char *data = malloc(len), *log, want[1024];
	struct tu_run r;
	json_t *j;

	ck_assert_ptr_nonnull(data);
	memset(data, 'x', len);
	memcpy(data, head, sizeof(head) - 1);
	log = put("oneline.log", data, len);
	free(data);
	j = diagnose(&r, 0, NULL, 0, ARGS(log));
	snprintf(want, sizeof(want), "%s:1: line longer than 1048576 bytes (at byte 0): only "
	    "its first 1048576 bytes were examined", log);
	expect_warning(j, &r, want);
	JINT(j, "inputs.0.lines", 1);		/* the rest is not taken for lines */
	JINT(j, "summary.lines", 1);
	JINT(j, "summary.bytes", (long long)len);
	expect_seen(incident(j, "Q123827"), 1, NULL, NULL);
	/* the error text is cut to 300 bytes */
	ck_assert_uint_eq(strlen(json_string_value(jat(incident(j, "Q123827"), "error"))),
	    300 + 3);
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

/* A long line in the middle: its line and byte, and the next line is line 3. */
START_TEST(long_line_in_the_middle)
{
	static const char first[] = "10:00:00 - Gateway initialized\n";
	static const char last[] = "\n10:00:02 - Error (119) Network Write Error\n";
	size_t big = 2u * 1024 * 1024, len = sizeof(first) - 1 + big + sizeof(last) - 1;
	char *data = malloc(len), *log, want[1024];
	struct tu_run r;
	json_t *j;

	ck_assert_ptr_nonnull(data);
	memcpy(data, first, sizeof(first) - 1);
	memcpy(data + sizeof(first) - 1, "10:00:01 - ", 11);
	memset(data + sizeof(first) - 1 + 11, 'A', big - 11);
	memcpy(data + sizeof(first) - 1 + big, last, sizeof(last) - 1);
	log = put("middle.log", data, len);
	free(data);
	j = diagnose(&r, 0, NULL, 0, ARGS(log));
	snprintf(want, sizeof(want), "%s:2: line longer than 1048576 bytes (at byte %zu): only "
	    "its first 1048576 bytes were examined", log, sizeof(first) - 1);
	expect_warning(j, &r, want);
	JINT(j, "inputs.0.lines", 3);
	expect_seen(incident(j, "Q123827"), 1, "10:00:02", "10:00:02");
	JINT(incident(j, "Q123827"), "locations.0.line", 3);
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

START_TEST(nul_bytes_warn_and_are_shown)
{
	static const char text[] =
	    "10:00:00 - Gateway initialized\n"
	    "10:00:01 - Error (119) Network Write Error\0\0 tail\n"
	    "10:00:02 - \0 again\n";
	char *log = put("nul.log", text, sizeof(text) - 1), want[512];
	struct tu_run r;
	json_t *j;

	j = diagnose(&r, 0, NULL, 0, ARGS(log));
	/* the byte is where the line starts */
	snprintf(want, sizeof(want), "%s:2: NUL bytes (binary data?) at byte 31; lines are "
	    "examined as text", log);
	expect_warning(j, &r, want);
	JSIZE(j, "warnings", 1);		/* once per log */
	JINT(j, "inputs.0.lines", 3);
	JSTR(incident(j, "Q123827"), "error", "Error (119) Network Write Error\\x00\\x00 tail");
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

START_TEST(invalid_utf8_is_escaped_in_json)
{
	static const char text[] =
	    "10:00:01 - Error (119) Network Write Error \xff\xfe caf\xc3\xa9 \x1b[31m\n"
	    "10:00:02 - ERROR disk \xc3 quota\n";
	char *log = put_str("bad\xff.log", text);
	struct tu_run r;
	json_t *j;

	j = diagnose(&r, 0, NULL, 0, ARGS(log));
	JSTR(incident(j, "Q123827"), "error",
	    "Error (119) Network Write Error \\xFF\\xFE caf\xc3\xa9 \\x1B[31m");
	JSTR(j, "summary.unmatched_samples.0.text", "ERROR disk \\xC3 quota");
	/* the file name too */
	ck_assert_contains(json_string_value(jat(j, "inputs.0.file")), "/bad\\xFF.log");
	ck_assert_msg(memchr(r.out, 0xff, r.outlen) == NULL && memchr(r.out, 0x1b, r.outlen) ==
	    NULL, "raw bytes in the output:\n%s", r.out);
	json_decref(j);
	tu_run_free(&r);
	free(log);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* 9. The SMTP phase of an error, from a legacy transcript                  */

/* A session up to its 354, as smtpgate.log shows one. */
#define SESSION_TO_354								\
	"09:14:07 - Tue Mar  1 09:14:07 1994 Microsoft Mail Gateway to SMTP V3.0\n" \
	"09:14:08 -   SMTP Smart-Host IP = \"relay.example.com\"\n"		\
	"09:16:08 - Connecting to smart SMTP host\n"				\
	"09:16:08 - SMTP_open(socket=257)\n"					\
	" [rx] 220 relay.example.com ESMTP ready\n"				\
	" [tx] HELO mailgw\n"							\
	" [rx] 250 relay.example.com\n"						\
	" [tx] MAIL FROM:<jsmith@hq.example>\n"					\
	" [rx] 250 2.1.0 Ok\n"							\
	" [tx] RCPT TO:<orders@fabrikam.example>\n"				\
	" [rx] 250 2.1.5 Ok\n"							\
	" [tx] DATA\n"								\
	" [rx] 354 End data with <CR><LF>.<CR><LF>\n"

/* The first incident of a log: its phase, last command and reply. */
static void
expect_phase(const char *name, const char *text, const char *article, const char *phase,
    const char *command, const char *reply)
{
	char *log = put_str(name, text);
	struct tu_run r;
	json_t *j = diagnose(&r, 0, NULL, 0, ARGS(log)), *inc = incident(j, article);

	JSTR(inc, "phase", phase);
	JSTR(inc, "last_command", command);
	JSTR(inc, "last_reply", reply);
	if (phase) {
		char path[64];

		snprintf(path, sizeof(path), "phases.%s", phase);
		JSIZE(inc, "phases", 1);
		JINT(inc, path, 1);
	} else
		JSIZE(inc, "phases", 0);
	json_decref(j);
	tu_run_free(&r);
	free(log);
}

START_TEST(phase_body_after_354)
{
	expect_phase("body.log", SESSION_TO_354
	    " [tx] Subject: order 4711\n"
	    " [tx] \n"
	    " [tx] QUIT is a word a message may hold\n"	/* not a command */
	    "09:19:42 - Error (119) Network Write Error,\n",
	    "Q123827", "body", "DATA", "354 End data with <CR><LF>.<CR><LF>");
}
END_TEST

START_TEST(phase_end_of_data_after_the_dot)
{
	expect_phase("eod.log", SESSION_TO_354
	    " [tx] Subject: order 4711\n"
	    " [tx] .\n"
	    "09:19:42 - Error (116) Network Read Error\n",
	    "Q123826", "end-of-data", ".", "354 End data with <CR><LF>.<CR><LF>");
}
END_TEST

START_TEST(phase_greeting_before_220)
{
	/* after a whole session, closed: nothing of it is left */
	expect_phase("greeting.log", SESSION_TO_354
	    " [tx] .\n"
	    " [rx] 250 2.0.0 Ok: queued\n"
	    " [tx] QUIT\n"
	    " [rx] 221 2.0.0 Bye\n"
	    "09:16:11 - SMTP_close(socket=257)\n"
	    "09:16:11 - SMTP connection closed\n"
	    "09:18:11 - Connecting to smart SMTP host\n"
	    "09:18:11 - SMTP_open(socket=257)\n"
	    "09:19:42 - Error (116) Network Read Error\n",
	    "Q123826", "greeting", NULL, NULL);
}
END_TEST

START_TEST(phase_connect_before_smtp_open)
{
	expect_phase("connect.log",
	    "09:14:07 - Tue Mar  1 09:14:07 1994 Microsoft Mail Gateway to SMTP V3.0\n"
	    "09:16:08 - Connecting to smart SMTP host\n"
	    "09:16:38 - ERROR Connect: (121) Network Error\n",
	    "Q99852", "connect", NULL, NULL);
}
END_TEST

/*
 * `SMTP connection closed` ends the session: an error after it has no
 * phase, command or reply.
 */
START_TEST(no_session_after_close)
{
	expect_phase("closed.log", SESSION_TO_354
	    " [tx] .\n"
	    " [rx] 250 2.0.0 Ok: queued\n"
	    " [tx] QUIT\n"
	    " [rx] 221 2.0.0 Bye\n"
	    "09:16:11 - SMTP connection closed\n"
	    "09:19:42 - Error (116) Network Read Error\n",
	    "Q123826", NULL, NULL, NULL);
}
END_TEST

Suite *
ingest_suite(void)
{
	Suite *s = suite_create("ingest");
	TCase *tc;

	tc = tcase_create("formats");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, legacy_log);
	tcase_add_test(tc, ndjson_log);
	tcase_add_test(tc, ndjson_line_that_is_not_json_is_text);
	tcase_add_test(tc, syslog_log);
	tcase_add_test(tc, syslog_year_from_the_file);
	tcase_add_test(tc, mixed_log_takes_the_first_format);
	tcase_add_test(tc, input_format_forces_the_reader);
	tcase_add_test(tc, input_format_bad_value_exits_2);
	suite_add_tcase(s, tc);

	tc = tcase_create("gzip");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, gzip_file);
	tcase_add_test(tc, gzip_on_stdin);
	tcase_add_test(tc, gzip_two_members);
	tcase_add_test(tc, gzip_cut_short_exits_3);
	tcase_add_test(tc, gzip_corrupt_data_exits_3);
	tcase_add_test(tc, gzip_corrupt_block_keeps_the_lines_before);
	suite_add_tcase(s, tc);

	tc = tcase_create("inputs");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, stdin_dash_and_no_argument);
	tcase_add_test(tc, several_logs_in_order);
	tcase_add_test(tc, rotated_set_is_one_source);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, banner_date_moves_on_at_midnight);
	tcase_add_test(tc, date_option_dates_a_log_without_banner);
	tcase_add_test(tc, since_and_until_select_lines);
	tcase_add_test(tc, until_a_date_is_the_whole_day);
	tcase_add_test(tc, bad_since_and_until_exit_2);
	tcase_add_test(tc, since_on_an_undated_log_warns_and_keeps_lines);
	tcase_add_test(tc, three_errors_in_half_an_hour_are_frequent);
	tcase_add_test(tc, three_errors_over_three_hours_are_not);
	suite_add_tcase(s, tc);

	tc = tcase_create("summary");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, summary_counts);
	tcase_add_test(tc, summary_keeps_ten_samples);
	suite_add_tcase(s, tc);

	tc = tcase_create("follow");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, follow_reports_incidents_as_they_form);
	tcase_add_test(tc, follow_json_prints_an_object_per_incident);
	tcase_add_test(tc, follow_holds_a_line_until_its_end);
	tcase_add_test(tc, follow_waits_on_an_empty_file);
	tcase_add_test(tc, follow_notices_a_truncation_rewritten_longer);
	tcase_add_test(tc, follow_refuses_what_is_not_a_regular_file);
	tcase_add_test(tc, follow_reads_stdin_to_its_end);
	tcase_add_test(tc, follow_counts_the_lines_of_a_rotated_log);
	suite_add_tcase(s, tc);

	tc = tcase_create("bytes");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, twenty_megabyte_line_without_a_line_end);
	tcase_add_test(tc, backtracking_pattern_gives_up_and_the_scan_goes_on);
	tcase_add_test(tc, long_line_in_the_middle);
	tcase_add_test(tc, nul_bytes_warn_and_are_shown);
	tcase_add_test(tc, invalid_utf8_is_escaped_in_json);
	suite_add_tcase(s, tc);

	tc = tcase_create("session");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, phase_body_after_354);
	tcase_add_test(tc, phase_end_of_data_after_the_dot);
	tcase_add_test(tc, phase_greeting_before_220);
	tcase_add_test(tc, phase_connect_before_smtp_open);
	tcase_add_test(tc, no_session_after_close);
	suite_add_tcase(s, tc);
	return s;
}
