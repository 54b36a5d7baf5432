/*
 * check_output: what kbdiag writes, and the surprises of issue 21 that a
 * user met, one test each: -o FILE's extension picks the format; report and
 * fix say what they expected when given something else; nothing on standard
 * output when no log could be read; no empty "Probes:" heading; the
 * summary's counts add up; a command in a step is never split across lines;
 * every format carries the same facts; durations take a unit; one usage-error
 * style; the man page's JSON section names every key the program writes.
 * (probe --offline's "no layer ran" is in check_probe.)
 */
#include <check.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/duration.h"
#include "testutil.h"

static char *
sample(void)
{
	return tu_src("kb/samples/smtpgate.log");
}

static int
file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* The sample's diagnosis saved as JSON in tu_scratch/name; caller frees. */
static char *
saved(const char *name)
{
	char *log = sample(), *path = tu_scratch_path(name);
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "-f", "json", "-o", path, "diagnose", log, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tu_run_free(&r);
	free(log);
	return path;
}

START_TEST(output_extension_picks_the_format)
{
	static const struct {
		const char *name, *starts;
	} want[] = {
		{ "r.html", "<!DOCTYPE html>" }, { "r.HTM", "<!DOCTYPE html>" },
		{ "r.md", "# kbdiag diagnosis" }, { "r.markdown", "# kbdiag diagnosis" },
		{ "r.json", "{" }, { "r.txt", "3 incidents" }, { "r.out", "3 incidents" },
	};
	char *log = sample(), *path, *got;
	struct tu_run r;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		path = tu_scratch_path(want[i].name);
		tu_kbdiag(&r, NULL, 0, "-o", path, "diagnose", log, NULL);
		ck_assert_msg(r.status == 0, "%s: %s", want[i].name, r.err);
		got = tu_read(path, NULL);
		ck_assert_msg(strncmp(got, want[i].starts, strlen(want[i].starts)) == 0,
		    "%s starts: %.40s", want[i].name, got);
		free(got);
		tu_run_free(&r);
		free(path);
	}
	/* --format says otherwise, before or after -o */
	path = tu_scratch_path("forced.html");
	tu_kbdiag(&r, NULL, 0, "-o", path, "-f", "json", "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	got = tu_read(path, NULL);
	ck_assert_msg(got[0] == '{', "%.40s", got);
	free(got);
	tu_run_free(&r);
	free(path);
	/* and for the other commands */
	path = tu_scratch_path("q.json");
	tu_kbdiag(&r, NULL, 0, "-o", path, "query", "Error (119) Network Write Error", NULL);
	ck_assert_int_eq(r.status, 0);
	got = tu_read(path, NULL);
	ck_assert_contains(got, "\"results\"");
	free(got);
	tu_run_free(&r);
	free(path);
	free(log);
}
END_TEST

START_TEST(report_and_fix_name_what_they_expected)
{
	static const struct {
		const char *name, *data, *is;
	} bad[] = {
		{ "d.html", "<!DOCTYPE html>\n<html></html>\n", "HTML or XML (a report?)" },
		{ "d.md", "# kbdiag diagnosis\n", "Markdown (a report?)" },
		{ "d.txt", "3 incidents in 151 lines of 1 log.\n", "text (a report or a log?)" },
		{ "d.gz", "\x1f\x8b\x08\x00", "gzip-compressed (a log?)" },
		{ "d.json", "", "an empty file" },
	};
	static const char *const cmds[] = { "report", "fix" };
	char *path, want[256];
	struct tu_run r;
	size_t i, c;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = tu_scratch_path(bad[i].name);
		tu_write(path, bad[i].data, strlen(bad[i].data) + (bad[i].data[0] == '\x1f'));
		for (c = 0; c < 2; c++) {
			tu_kbdiag(&r, NULL, 0, cmds[c], path, NULL);
			ck_assert_int_eq(r.status, 3);
			ck_assert_uint_eq(r.outlen, 0);
			snprintf(want, sizeof(want), "%s: this is %s, not a saved diagnosis: %s "
			    "reads the JSON that 'kbdiag diagnose --format json' writes", path,
			    bad[i].is, cmds[c]);
			ck_assert_contains(r.err, want);
			tu_run_free(&r);
		}
		free(path);
	}
	/* JSON that is not a diagnosis: named as such, then the parser's reason */
	path = tu_scratch_path("q.json");
	tu_write_str(path, "{\"query\": \"x\", \"results\": []}\n");
	tu_kbdiag(&r, NULL, 0, "report", path, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "q.json: not a saved diagnosis (report reads the JSON that "
	    "'kbdiag diagnose --format json' writes): not a kbdiag diagnosis");
	tu_run_free(&r);
	free(path);
}
END_TEST

START_TEST(nothing_on_stdout_when_no_log_was_read)
{
	char *missing = tu_scratch_path("missing.log"), *out = tu_scratch_path("never.txt");
	char *log = sample();
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "diagnose", missing, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_msg(r.outlen == 0, "stdout: %s", r.out);
	ck_assert_contains(r.err, "missing.log: No such file or directory");
	ck_assert_contains(r.err, "kbdiag: diagnose: no log could be read: no diagnosis");
	tu_run_free(&r);
	/* nor a file: a mailed report must never read as an all-clear */
	tu_kbdiag(&r, NULL, 0, "-o", out, "-f", "html", "diagnose", missing, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert(!file_exists(out));
	tu_run_free(&r);
	/* one log read, one not: the report, which names the other, and exit 3 */
	tu_kbdiag(&r, NULL, 0, "diagnose", log, missing, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.out, "3 incidents in 151 lines of 2 logs.");
	ck_assert_contains(r.out, "missing.log: not read");
	tu_run_free(&r);
	free(missing);
	free(out);
	free(log);
}
END_TEST

START_TEST(no_empty_probes_heading)
{
	char *log = sample();
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "Probes:\n\n") == NULL, "%s", r.out);
	ck_assert_contains(r.out, "\n  No probe ran: offline: no live probes; no DOS client "
	    "files given\n    (--dos-root).\n");
	tu_run_free(&r);
	free(log);
}
END_TEST

/* "Summary: 151 lines read, 6 matched (Q123827 3, ...), 3 incidents." adds up. */
START_TEST(summary_counts_add_up)
{
	char *log = sample(), *sum;
	unsigned long matched, n, total = 0;
	const char *p;
	struct tu_run r;
	json_t *root, *s, *v;
	const char *key;
	json_int_t jtotal = 0;

	tu_kbdiag(&r, NULL, 0, "diagnose", log, NULL);
	sum = strstr(r.out, "\nSummary: ");
	ck_assert_ptr_nonnull(sum);
	p = strstr(sum, " lines read, ");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sscanf(p, " lines read, %lu matched (", &matched), 1);
	/* "(ID N, ID N)": the number after each id */
	for (p = strchr(p, '('); p && *p != ')'; ) {
		p = strchr(p + 1, ' ');
		ck_assert_int_eq(sscanf(p, " %lu", &n), 1);
		total += n;
		p += strspn(p, " 0123456789");
		if (*p == ',')
			p++;
	}
	ck_assert_uint_eq(matched, 6);
	ck_assert_uint_eq(total, matched);
	/* the line of two articles is counted once, under both */
	ck_assert_contains(sum, "Q100709+Q102107 1");
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "-f", "json", "diagnose", log, NULL);
	root = json_loads(r.out, 0, NULL);
	s = json_object_get(root, "summary");
	json_object_foreach(json_object_get(s, "matched_lines_by_articles"), key, v)
		jtotal += json_integer_value(v);
	ck_assert_int_eq(jtotal, json_integer_value(json_object_get(s, "matched")));
	json_decref(root);
	tu_run_free(&r);
	free(log);
}
END_TEST

/* The first number after key in text, as written; "" when none. */
static void
json_number_text(const char *text, const char *key, char *out, size_t len)
{
	const char *p = strstr(text, key);
	size_t n;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(key);
	p += strspn(p, "\": ");
	n = strspn(p, "0123456789.eE+-");
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/*
 * Every JSON document ends alike (render_json_end): the fix report and the
 * probe round print their reals as the diagnosis does, 6 significant
 * digits, not 11.374000000000001.
 */
START_TEST(json_reals_print_alike)
{
	char *path = saved("reals.json"), *d = tu_read(path, NULL), a[64], b[64];
	struct tu_run r;

	json_number_text(d, "\"rate_per_hour\"", a, sizeof(a));
	ck_assert_str_eq(a, "11.374");
	tu_kbdiag(&r, NULL, 0, "-f", "json", "report", path, NULL);
	ck_assert_int_eq(r.status, 0);
	json_number_text(r.out, "\"rate_per_hour\"", b, sizeof(b));
	ck_assert_str_eq(b, a);
	json_number_text(r.out, "\"confidence\"", b, sizeof(b));
	ck_assert_msg(strlen(b) > 0 && strlen(b) <= 8, "report confidence: %s", b);
	tu_run_free(&r);
	free(d);
	free(path);
}
END_TEST

/* No line of the text reports ends inside "telnet 127.0.0.1 25". */
START_TEST(commands_are_not_split_across_lines)
{
	char *path = saved("d.json");
	struct tu_run r;
	const char *p;
	int n = 0;

	tu_kbdiag(&r, NULL, 0, "report", path, NULL);
	ck_assert_int_eq(r.status, 0);
	for (p = r.out; (p = strstr(p, "telnet")) != NULL; p++, n++)
		ck_assert_msg(strncmp(p, "telnet 127.0.0.1 25", 19) == 0, "split: %.40s", p);
	ck_assert_int_ge(n, 2);	/* the verdict's and the steps' */
	tu_run_free(&r);
	free(path);
}
END_TEST

/* The facts the text shows are in Markdown and HTML too, after the verdict. */
START_TEST(every_format_carries_the_same_facts)
{
	static const char *const formats[] = { "text", "markdown", "html" };
	static const char *const facts[] = {
		"11.4 per hour of log time", "body (3)", "DATA", "354 End data with",
		"Summary", "6 matched", "Q100709+Q102107 1",
		"MAIL FROM:", "250 relay.contoso.example",
	};
	char *log = sample();
	struct tu_run r;
	size_t f, i;

	for (f = 0; f < 3; f++) {
		tu_kbdiag(&r, NULL, 0, "-f", formats[f], "diagnose", log, NULL);
		ck_assert_int_eq(r.status, 0);
		for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
			const char *fact = facts[i];

			if (f == 2 && strcmp(fact, "354 End data with") == 0)
				fact = "354 End data with &lt;CR&gt;";
			ck_assert_msg(strstr(r.out, fact) != NULL, "%s lacks '%s'", formats[f],
			    fact);
		}
		if (f > 0) {
			/* the verdict comes before the first incident */
			const char *v = strstr(r.out, "Verdict"), *inc = strstr(r.out, "Q123827:");

			ck_assert_ptr_nonnull(v);
			ck_assert_ptr_nonnull(inc);
			ck_assert(v < inc);
			ck_assert_contains(r.out, "First thing to do");
			ck_assert_contains(r.out, "The smart host went down (40%), because repeated "
			    "failures over a period fit a host that stays down");
		}
		tu_run_free(&r);
	}
	free(log);
}
END_TEST

/*
 * The lines that look like errors but matched no article, grouped by
 * program and shape, are in text, Markdown and HTML alike: each group's
 * count, program, shape and first line; a receiving server's lines left out;
 * past the ten groups shown, how many more the JSON has.
 */
/* s with each line break and the indentation after it made one space. */
static void
unwrap(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '\n' && s[1] == ' ') {
			*w++ = ' ';
			s += strspn(s + 1, " ");
		} else
			*w++ = *s;
	}
	*w = '\0';
}

/* What diagnose and report both say of the small log's unmatched lines. */
static void
unmatched_said(char *out, size_t f, const char *log, const char *cmd)
{
	static const char *const formats[] = { "text", "markdown", "html" };
	char want[256];

	unwrap(out);	/* the text wraps at 80 columns */
	ck_assert_contains(out, "3 lines that look like errors matched no article "
	    "(a gap in the rule base?), by program and shape, biggest first:");
	ck_assert_contains(out, "1 error-looking line of a receiving server");
	ck_assert_contains(out, "postfix/smtp");
	ck_assert_contains(out, "postfix/qmgr");
	ck_assert_contains(out, f == 2 ? "to=&lt;ADDRESS&gt;, relay=none" :
	    "to=<ADDRESS>, relay=none");
	ck_assert_contains(out, "(odd failure N at host HOST)");
	ck_assert_contains(out, "disk quota failure");
	/* the group's first line, with where it is */
	snprintf(want, sizeof(want), "%s:1: ", log);
	ck_assert_contains(out, want);
	ck_assert_contains(out, "(odd failure 42 at host x.example)");
	/* the second line of the group is counted, not shown */
	ck_assert_msg(strstr(out, "failure 43") == NULL, "%s %s shows a line twice", cmd,
	    formats[f]);
	if (f == 1)
		ck_assert_contains(out, "- 2 lines of `postfix/smtp`: `ID: to=");
	if (f == 2)
		ck_assert_contains(out, "<td>2</td>\n<td>postfix/smtp</td>");
}

START_TEST(every_format_groups_the_unmatched_lines)
{
	static const char *const formats[] = { "text", "markdown", "html" };
	static const char *const words[] = {
		"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
		"india", "juliet", "kilo",
	};
	char *log = tu_scratch_path("unmatched.log"), *many = tu_scratch_path("many.log");
	char *saved = tu_scratch_path("unmatched.json"), *saved_many = tu_scratch_path("many.json");
	struct buf b = BUF_INIT;
	struct tu_run r;
	size_t f, i, cmd;
	json_t *j, *sum, *g;

	tu_write_str(log,
	    "Dec  7 10:00:00 mx postfix/smtp[123]: 4F3A21: to=<a@b.example>, relay=none, "
	    "status=deferred (odd failure 42 at host x.example)\n"
	    "Dec  7 10:00:05 mx postfix/smtp[124]: 4F3A22: to=<c@b.example>, relay=none, "
	    "status=deferred (odd failure 43 at host y.example)\n"
	    "Dec  7 10:00:06 mx postfix/qmgr[1]: error: disk quota failure\n"
	    "Dec  7 10:00:07 mx postfix/smtpd[9]: NOQUEUE: reject: RCPT from "
	    "unknown[192.0.2.1]: 554 5.7.1 error relay denied\n");
	/* 11 shapes, twice as many lines for the first (biggest first) */
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		buf_printf(&b, "10:00:%02zu - ERROR %s subsystem failed\n%s", i, words[i],
		    i == 0 ? "10:00:00 - ERROR alpha subsystem failed\n" : "");
	tu_write_str(many, buf_str(&b));
	/* kbdiag report says it too, from the saved diagnosis: what it hands on */
	tu_kbdiag(&r, NULL, 0, "-f", "json", "-o", saved, "diagnose", log, NULL);
	ck_assert_msg(r.status == 1, "exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "-f", "json", "-o", saved_many, "diagnose", many, NULL);
	ck_assert_msg(r.status == 1, "exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	for (cmd = 0; cmd < 2; cmd++)
		for (f = 0; f < 3; f++) {
			if (cmd == 0)
				tu_kbdiag(&r, NULL, 0, "-f", formats[f], "diagnose", log, NULL);
			else
				tu_kbdiag(&r, NULL, 0, "-f", formats[f], "report", saved, NULL);
			ck_assert_msg(r.status == 1, "%s: exit %d: %s", formats[f], r.status, r.err);
			unmatched_said(r.out, f, log, cmd ? "report" : "diagnose");
			tu_run_free(&r);

			if (cmd == 0)
				tu_kbdiag(&r, NULL, 0, "-f", formats[f], "diagnose", many, NULL);
			else
				tu_kbdiag(&r, NULL, 0, "-f", formats[f], "report", saved_many, NULL);
			ck_assert_msg(r.status == 1, "%s: exit %d: %s", formats[f], r.status, r.err);
			unwrap(r.out);
			ck_assert_contains(r.out, "12 lines that look like errors");
			ck_assert_contains(r.out, "ERROR alpha subsystem failed");
			ck_assert_contains(r.out, "ERROR juliet subsystem failed");
			ck_assert_msg(strstr(r.out, "kilo subsystem") == NULL, "%s shows an 11th "
			    "group", formats[f]);
			ck_assert_contains(r.out, "(and 1 more group in the JSON output)");
			ck_assert(strstr(r.out, "alpha subsystem") < strstr(r.out, "bravo subsystem"));
			tu_run_free(&r);
		}
	/* the report's JSON: the diagnosis's keys, all eleven groups */
	tu_kbdiag(&r, NULL, 0, "-f", "json", "report", saved_many, NULL);
	ck_assert_msg(r.status == 1, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(j = json_loads(r.out, 0, NULL));
	sum = json_object_get(j, "summary");
	g = json_array_get(json_object_get(sum, "unmatched_groups"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "unmatched_errors")), 12);
	ck_assert_uint_eq(json_array_size(json_object_get(sum, "unmatched_groups")), 11);
	ck_assert_str_eq(json_string_value(json_object_get(g, "shape")),
	    "ERROR alpha subsystem failed");
	ck_assert_int_eq(json_integer_value(json_object_get(g, "count")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(g, "sample"),
	    "line")), 1);
	ck_assert(json_is_null(json_object_get(g, "program")));
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "unmatched_server_lines")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "unmatched_other")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(sum, "unmatched_samples")), 10);
	json_decref(j);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "-f", "json", "report", saved, NULL);
	ck_assert_ptr_nonnull(j = json_loads(r.out, 0, NULL));
	sum = json_object_get(j, "summary");
	g = json_array_get(json_object_get(sum, "unmatched_groups"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "unmatched_errors")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "unmatched_server_lines")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(g, "program")), "postfix/smtp");
	json_decref(j);
	tu_run_free(&r);
	buf_free(&b);
	free(log);
	free(many);
	free(saved);
	free(saved_many);
}
END_TEST

START_TEST(durations_take_a_unit)
{
	static const struct {
		const char *s;
		unsigned long bare;
		unsigned long long ms;
	} ok[] = {
		{ "500ms", 1, 500 }, { "5s", 1, 5000 }, { "2m", 1, 120000 }, { "1h", 1, 3600000 },
		{ "1.5s", 1, 1500 }, { "250 ms", 1, 250 }, { "30", 1, 30 }, { "30", 1000, 30000 },
		{ "0.25m", 1, 15000 },
	};
	static const char *const bad[] = { "", "s", "5x", "-5s", "5 s s", "1.0001s", "5S",
	    "0", "11m", "99999999999999999999" };
	unsigned long long ms;
	char err[ERR_LEN], buf[32];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(duration_parse(ok[i].s, ok[i].bare, 1, 3600000, &ms, err) == 0,
		    "%s: %s", ok[i].s, err);
		ck_assert_uint_eq(ms, ok[i].ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(duration_parse(bad[i], 1, 1, 600000, &ms, err) == -1, "%s", bad[i]);
	ck_assert_int_eq(duration_parse("11m", 1, 1, 600000, &ms, err), -1);
	ck_assert_str_eq(err, "'11m' is not from 1ms to 10m");
	ck_assert_int_eq(duration_parse("5x", 1, 1, 600000, &ms, err), -1);
	ck_assert_str_eq(err, "'5x' is not a duration (such as 500ms, 5s or 2m)");
	ck_assert_str_eq(duration_format(1500, buf), "1500ms");
	ck_assert_str_eq(duration_format(120000, buf), "2m");
	ck_assert_str_eq(duration_format(0, buf), "0ms");
}
END_TEST

START_TEST(timeout_takes_a_unit_on_the_command_line)
{
	struct tu_run r;

	/* probes skip offline, but the option is read and echoed in the JSON-less text */
	tu_kbdiag(&r, NULL, 0, "--timeout", "2s", "--round-timeout", "1m", "probe",
	    "127.0.0.1", NULL);
	ck_assert_msg(r.status == 1, "exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "--timeout", "30", "probe", "127.0.0.1", NULL);
	ck_assert_msg(r.status == 1, "a bare number is still milliseconds: %s", r.err);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "--timeout", "5 minutes", "probe", "127.0.0.1", NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "kbdiag: option '--timeout': '5 minutes' is not a duration "
	    "(such as 500ms, 5s or 2m)\nTry 'kbdiag --help' for more information.\n");
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "--timeout", "11m", "probe", "127.0.0.1", NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "'11m' is not from 1ms to 10m");
	tu_run_free(&r);
}
END_TEST

/*
 * Every usage error: "kbdiag: SUBJECT: what is wrong" on one line, where the
 * subject is an option ("option '--top'") or a command ("report", "kb show"),
 * then the hint, exit 2, nothing on standard output.
 */
START_TEST(one_usage_error_style)
{
	static const char *const cases[][6] = {
		{ "--top", "0", "query", "x", NULL }, { "--format", "pdf", "diagnose", NULL },
		{ "--timeout", "soon", "probe", "h", NULL }, { "--date", "May", "diagnose", NULL },
		{ "--smarthost", "a b", "diagnose", NULL }, { "--kb", "", "kb", "lint", NULL },
		{ "--syntax", "x", "kb", "patterns", NULL }, { "report", NULL },
		{ "fix", NULL }, { "fix", "--apply", "x.json", NULL }, { "query", NULL },
		{ "probe", NULL }, { "kb", NULL }, { "kb", "show", NULL }, { "frobnicate", NULL },
		{ "--since", "2026-01-02", "--until", "2026-01-01", "diagnose", NULL },
		{ "--bogus", "diagnose", NULL }, { "--format", NULL }, { "-x", "diagnose", NULL },
		{ "--bogus=1", "diagnose", NULL },
		{ "diagnose", "--replay", "x.json", "--follow", NULL }, { NULL },
	};
	regex_t re;
	struct tu_run r;
	size_t i;

	ck_assert_int_eq(regcomp(&re, "^kbdiag: (option '--?[a-z-]+'|no command given|unknown "
	    "command '[a-z]+'|[a-z]+( [a-z]+)?): [^\n]+\nTry 'kbdiag --help' for more "
	    "information\\.\n$", REG_EXTENDED), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i];

		tu_kbdiag(&r, NULL, 0, a[0], a[1], a[2], a[3], a[4], a[5]);
		ck_assert_msg(r.status == 2, "case %zu (%s): exit %d: %s", i, a[0] ? a[0] : "",
		    r.status, r.err);
		ck_assert_msg(r.outlen == 0, "case %zu: stdout %s", i, r.out);
		ck_assert_msg(regexec(&re, r.err, 0, NULL, 0) == 0, "case %zu (%s): '%s'", i,
		    a[0] ? a[0] : "", r.err);
		tu_run_free(&r);
	}
	regfree(&re);
}
END_TEST

/* Add every key of o (and of the objects and arrays of objects in it) to keys. */
static void
collect_keys(json_t *o, json_t *keys)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_array(o)) {
		json_array_foreach(o, i, v)
			collect_keys(v, keys);
		return;
	}
	if (!json_is_object(o))
		return;
	json_object_foreach(o, key, v) {
		json_object_set_new(keys, key, json_true());
		/* values of these are data (article ids, phases), not keys */
		if (strcmp(key, "matched_by_article") && strcmp(key, "matched_lines_by_articles") &&
		    strcmp(key, "phases") && strcmp(key, "tcp_info"))
			collect_keys(v, keys);
	}
}

/* The keys of a JSON document (which must parse) into keys. */
static void
collect_json_keys(const char *text, json_t *keys)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);

	ck_assert_msg(doc != NULL, "not JSON: %s", jerr.text);
	collect_keys(doc, keys);
	json_decref(doc);
}

/* The man page's JSON section names every key diagnose, query and report write. */
START_TEST(man_page_names_every_json_key)
{
	char *page = tu_src("docs/kbdiag.1"), *man = tu_read(page, NULL), *log = sample();
	char *path = saved("keys.json");
	json_t *keys = json_object(), *v;
	const char *key, *from, *to;
	struct tu_run r;
	struct buf want = BUF_INIT;

	from = strstr(man, ".SH OUTPUT FORMATS");
	to = strstr(man, ".SH FILES");
	ck_assert(from && to && from < to);
	man[to - man] = '\0';
	tu_kbdiag(&r, NULL, 0, "-f", "json", "diagnose", log, NULL);
	collect_json_keys(r.out, keys);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "-f", "json", "query", "--explain", "netwrok eror 119", NULL);
	collect_json_keys(r.out, keys);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "-f", "json", "report", path, NULL);
	collect_json_keys(r.out, keys);
	tu_run_free(&r);
	json_object_foreach(keys, key, v) {
		/* as .B key, or as a word of a .BR line */
		buf_reset(&want);
		buf_printf(&want, "\n.B %s\n", key);
		if (strstr(from, buf_str(&want)))
			continue;
		buf_reset(&want);
		buf_printf(&want, ".BR %s ", key);
		if (strstr(from, buf_str(&want)))
			continue;
		buf_reset(&want);
		buf_printf(&want, " %s ,", key);
		if (strstr(from, buf_str(&want)))
			continue;
		buf_reset(&want);
		buf_printf(&want, "\" %s\n", key);
		if (strstr(from, buf_str(&want)))
			continue;
		buf_reset(&want);
		buf_printf(&want, " %s )", key);
		ck_assert_msg(strstr(from, buf_str(&want)) != NULL,
		    "docs/kbdiag.1, OUTPUT FORMATS, does not name the JSON key \"%s\"", key);
	}
	buf_free(&want);
	json_decref(keys);
	free(man);
	free(page);
	free(log);
	free(path);
}
END_TEST

Suite *
output_suite(void)
{
	Suite *s = suite_create("output");
	TCase *tc = tcase_create("output");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, output_extension_picks_the_format);
	tcase_add_test(tc, report_and_fix_name_what_they_expected);
	tcase_add_test(tc, nothing_on_stdout_when_no_log_was_read);
	tcase_add_test(tc, no_empty_probes_heading);
	tcase_add_test(tc, summary_counts_add_up);
	tcase_add_test(tc, commands_are_not_split_across_lines);
	tcase_add_test(tc, json_reals_print_alike);
	tcase_add_test(tc, every_format_carries_the_same_facts);
	tcase_add_test(tc, every_format_groups_the_unmatched_lines);
	tcase_add_test(tc, durations_take_a_unit);
	tcase_add_test(tc, timeout_takes_a_unit_on_the_command_line);
	tcase_add_test(tc, one_usage_error_style);
	tcase_add_test(tc, man_page_names_every_json_key);
	suite_add_tcase(s, tc);
	return s;
}
