/*
 * The cap on incidents held in memory (diag.h DIAG_MAX_INCIDENTS,
 * correlate_set_max()): past it a line whose incident is not there yet makes
 * none, and the incidents, lines and attempts that would have been are
 * counted in the summary, in every format, with a warning; the incidents
 * already held go on counting; and at the real cap what diagnose writes is
 * what replay reads.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "util/buf.h"
#include "diag.h"
#include "fix.h"
#include "query.h"
#include "render.h"
#include "render_report.h"
#include "render_sink.h"
#include "replay.h"
#include "testutil.h"

static struct kb *kb;
static struct matcher *m;

static void
setup(void)
{
	kb = tu_kb();
	m = tu_matcher(kb);
}

static void
teardown(void)
{
	match_free(m);
	kb_free(kb);
}

/* An events log: n smart hosts, host k failing `times` times (k < first_many:
 * `many` times). */
static char *
hosts_log(size_t n, size_t first_many, unsigned many)
{
	struct buf b = BUF_INIT;
	size_t k;
	unsigned t;

	for (k = 0; k < n; k++)
		for (t = 0; t < (k < first_many ? many : 1); t++)
			buf_printf(&b, "{\"time\":\"2026-11-23T%02zu:%02zu:%02uZ\",\"text\":\"Error "
			    "(119) Network Write Error\",\"code\":119,\"phase\":\"body\",\"peer\":"
			    "\"10.%zu.%zu.%zu\",\"port\":25}\n", k / 3600 % 24, k / 60 % 60,
			    (unsigned)(k % 60), k / 65536, k / 256 % 256, k % 256);
	return buf_detach(&b);
}

static struct diagnosis *
run(const char *text, size_t max)
{
	struct diag_params p = { 0 };
	struct diagnosis *d;

	p.kb = kb;
	p.matcher = m;
	p.nfiles = 1;
	p.files = (const char *const[]){ "hosts.json" };
	p.text = text;
	p.text_len = strlen(text);
	p.max_incidents = max;
	ck_assert_int_eq(diag_run(&p, &d), 0);
	return d;
}

START_TEST(past_the_cap_counted_not_held)
{
	/* 3 hosts fail 4 times each, then 7 more once: a cap of 5 */
	char *log = hosts_log(10, 3, 4);
	struct diagnosis *d = run(log, 5), *again;
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	json_t *j;
	size_t i;
	int f;

	ck_assert_uint_eq(d->nincidents, 5);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(d->incidents[i].count, 4);
	ck_assert_uint_eq(d->summary.incidents_not_held, 5);
	ck_assert_uint_eq(d->summary.lines_not_held, 5);
	ck_assert_uint_eq(d->summary.attempts_not_held, 5);
	ck_assert_uint_eq(d->summary.lines, 19);
	ck_assert_uint_ge(d->nwarnings, 1);
	ck_assert_contains(d->warnings[d->nwarnings - 1], "5 incidents not held in memory: "
	    "kbdiag keeps at most 5");
	for (f = RENDER_TEXT; f <= RENDER_HTML; f++) {
		buf_reset(&out);
		ck_assert_int_eq(render_diagnosis(d, (enum render_format)f, &out, err), 0);
		ck_assert_contains(buf_str(&out), "5 incidents, and 5 more not held in memory "
		    "(past the 5 kbdiag keeps: their 5 lines and 5 attempts are counted, not shown)");
	}
	buf_reset(&out);
	ck_assert_int_eq(render_diagnosis(d, RENDER_JSON, &out, err), 0);
	j = json_loads(buf_str(&out), 0, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "summary"),
	    "incidents_not_held")), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "summary"),
	    "attempts_not_held")), 5);
	json_decref(j);
	/* and back, as written */
	ck_assert_msg(replay_load(out.data, out.len, kb, &again, err) == 0, "%s", err);
	ck_assert_uint_eq(again->summary.incidents_not_held, 5);
	ck_assert_uint_eq(again->summary.lines_not_held, 5);
	diag_free(again);
	buf_free(&out);
	diag_free(d);
	free(log);
}
END_TEST

/* A host past the cap that fails again is still one incident not held. */
START_TEST(each_incident_counted_once)
{
	char *one = hosts_log(4, 0, 1), *log = NULL;
	struct buf b = BUF_INIT;
	struct diagnosis *d;

	buf_puts(&b, one);
	buf_puts(&b, one);	/* every host twice */
	log = buf_detach(&b);
	d = run(log, 2);
	ck_assert_uint_eq(d->nincidents, 2);
	ck_assert_uint_eq(d->incidents[0].count, 2);
	ck_assert_uint_eq(d->summary.incidents_not_held, 2);
	ck_assert_uint_eq(d->summary.lines_not_held, 4);
	diag_free(d);
	free(one);
	free(log);
}
END_TEST

/* At the real cap (10,000), a log of 10,001 hosts: what diagnose writes,
 * replay reads (its limit is the same number). */
START_TEST(reads_what_it_wrote_at_the_cap)
{
	char *log = hosts_log(DIAG_MAX_INCIDENTS + 1, 0, 1);
	struct diagnosis *d = run(log, 0), *again;
	struct buf out = BUF_INIT;
	char err[ERR_LEN];

	ck_assert_uint_eq(d->nincidents, DIAG_MAX_INCIDENTS);
	ck_assert_uint_eq(d->summary.incidents_not_held, 1);
	ck_assert_int_eq(render_diagnosis(d, RENDER_JSON, &out, err), 0);
	ck_assert_msg(replay_load(out.data, out.len, kb, &again, err) == 0, "%s", err);
	ck_assert_uint_eq(again->nincidents, DIAG_MAX_INCIDENTS);
	diag_free(again);
	buf_free(&out);
	diag_free(d);
	free(log);
}
END_TEST

/* What render_diagnosis_stream() wrote, and how often it was called. */
struct parts {
	struct buf	 all;
	size_t		 calls;
	size_t		 fail_at;	/* 1-based call that fails, or 0 */
	size_t		 largest;	/* the largest part */
};

static int
collect(void *arg, const char *p, size_t n)
{
	struct parts *w = arg;

	w->calls++;
	if (n > w->largest)
		w->largest = n;
	if (w->fail_at && w->calls >= w->fail_at)
		return -1;
	buf_append(&w->all, p, n);
	return 0;
}

/*
 * A report written part by part (diagnose's output) is byte for byte the
 * report rendered whole, in every format, with and without --explain; and
 * it did come in parts. A write that fails stops the writing.
 */
START_TEST(streamed_as_rendered)
{
	char *log = hosts_log(600, 0, 1);
	struct diagnosis *d = run(log, 0);
	struct buf whole = BUF_INIT;
	char err[ERR_LEN];
	int f, explain;

	ck_assert_uint_eq(d->nincidents, 600);
	for (f = RENDER_TEXT; f <= RENDER_HTML; f++)
		for (explain = 0; explain <= 1; explain++) {
			struct parts w = { BUF_INIT, 0, 0, 0 };

			buf_reset(&whole);
			ck_assert_int_eq(render_diagnosis_explain(d, (enum render_format)f,
			    explain, &whole, err), 0);
			ck_assert_int_eq(render_diagnosis_stream(d, (enum render_format)f, explain,
			    collect, &w, err), 0);
			ck_assert_msg(w.all.len == whole.len && memcmp(w.all.data, whole.data,
			    whole.len) == 0, "format %d explain %d: %zu bytes streamed, %zu rendered",
			    f, explain, w.all.len, whole.len);
			ck_assert_msg(w.calls > 1, "format %d: %zu bytes in %zu part", f, whole.len,
			    w.calls);
			buf_free(&w.all);
			w.calls = 0;
			w.fail_at = 1;
			ck_assert_int_eq(render_diagnosis_stream(d, (enum render_format)f, explain,
			    collect, &w, err), 1);
			ck_assert_uint_eq(w.calls, 1);
		}
	buf_free(&whole);
	diag_free(d);
	free(log);
}
END_TEST

/*
 * Check a streamed rendering against the whole one: the same bytes, in
 * parts of about RENDER_PART (a unit more at most: 64 KiB here) when
 * several is set, and a write that fails stops it after that call (an
 * empty output has none).
 */
#define STREAMED_SAME(whole_call, stream_call, several, what, f)			\
	do {									\
		struct parts w_ = { BUF_INIT, 0, 0, 0 };				\
		struct parts *w = &w_;						\
										\
		buf_reset(&whole);						\
		ck_assert_msg((whole_call) == 0, "%s %d: %s", what, f, err);	\
		ck_assert_msg((stream_call) == 0, "%s %d: %s", what, f, err);	\
		ck_assert_msg(w->all.len == whole.len && (whole.len == 0 ||	\
		    memcmp(w->all.data, whole.data, whole.len) == 0), "%s format %d: "	\
		    "%zu bytes streamed, "						\
		    "%zu rendered", what, f, w->all.len, whole.len);		\
		if (several)							\
			ck_assert_msg(w->calls > 1 && w->largest <= RENDER_PART +	\
			    64 * 1024, "%s format %d: %zu bytes in %zu parts, the "	\
			    "largest %zu", what, f, whole.len, w->calls, w->largest);	\
		buf_free(&w->all);						\
		w_ = (struct parts){ BUF_INIT, 0, 1, 0 };			\
		ck_assert_int_eq((stream_call), whole.len > 0);		\
		ck_assert_uint_eq(w->calls, whole.len > 0);			\
	} while (0)

/*
 * kbdiag report, verify, fix and query write as they render too (the
 * CLI's cli_out, the library's kbdiag_result_write()): byte for byte what
 * the whole rendering is, in every format, in parts for a report of 600
 * incidents and a verification of 3,000 (HTML's last verdict ends its list:
 * serialised as in the whole document).
 */
START_TEST(reports_streamed_as_rendered)
{
	char *log = hosts_log(600, 0, 1);
	struct diagnosis *d = run(log, 0);
	struct diag_verdict *v = calloc(3000, sizeof(*v));
	char *steps[] = { "Check the smart host.", "Resend." }, peers[3000][32];
	struct diag_history h = { 0 };
	struct query_results *q;
	struct fix_plan *plan;
	struct buf whole = BUF_INIT;
	char err[ERR_LEN];
	size_t i;
	int f;

	ck_assert_int_eq(fix_plan(d, NULL, kb, &plan, err), 0);
	for (i = 0; i < 3000; i++) {
		snprintf(peers[i], sizeof(peers[i]), "10.0.%zu.%zu:25", i / 256, i % 256);
		v[i].article = "Q123827";
		v[i].peer = peers[i];
		v[i].cause = "peer-requires-push";
		v[i].outcome = i % 2 ? "not-fixed" : "inconclusive";
		v[i].why = "the error came back in the log <after> the fix & \"before\"";
		if (i % 2) {
			v[i].next_cause = "tcpip-layer-error";
			v[i].next_title = "The TCP/IP layer";
			v[i].next_steps = steps;
			v[i].nnext_steps = 2;
		}
	}
	h.when = "2026-11-23T10:04:00Z";
	h.outcome = "not-fixed";
	h.watch = "smtpgate.log";
	h.verdicts = v;
	h.nverdicts = 3000;
	q = query_run(kb, m, "Error (119) Network Write Error", 31);
	for (f = RENDER_TEXT; f <= RENDER_HTML; f++) {
		enum render_format rf = (enum render_format)f;

		STREAMED_SAME(render_report(d, plan, rf, &whole, err),
		    render_report_stream(d, plan, rf, collect, w, err), 1, "report", f);
		STREAMED_SAME(render_verify(&h, "d.json", rf, &whole, err),
		    render_verify_stream(&h, "d.json", rf, collect, w, err), 1, "verify", f);
		STREAMED_SAME(render_verify(&h, NULL, rf, &whole, err),
		    render_verify_stream(&h, NULL, rf, collect, w, err), 1, "verify", f);
		STREAMED_SAME(render_fix_plan(plan, rf, &whole, err),
		    render_fix_plan_stream(plan, rf, collect, w, err), 0, "fix", f);
		STREAMED_SAME(render_query_explain(q, rf, 1, &whole, err),
		    render_query_stream(q, rf, 1, collect, w, err), 0, "query", f);
	}
	/* one verdict, one result, none: the short lists as the whole has them */
	for (i = 2; i-- > 0;) {
		h.nverdicts = i;
		query_keep(q, i);
		for (f = RENDER_TEXT; f <= RENDER_HTML; f++) {
			enum render_format rf = (enum render_format)f;

			STREAMED_SAME(render_verify(&h, NULL, rf, &whole, err),
			    render_verify_stream(&h, NULL, rf, collect, w, err), 0, "verify", f);
			STREAMED_SAME(render_query_explain(q, rf, 0, &whole, err),
			    render_query_stream(q, rf, 0, collect, w, err), 0, "query", f);
		}
	}
	query_free(q);
	buf_free(&whole);
	fix_plan_free(plan);
	free(v);
	diag_free(d);
	free(log);
}
END_TEST

/* Resident memory is not comparable under AddressSanitizer (its shadow and
 * quarantine): there the memory bound is reported as skipped. */
#if defined(__SANITIZE_ADDRESS__)
#define MEMORY_CHECKED	0
#else
#define MEMORY_CHECKED	1
#endif

/*
 * The memory of kbdiag diagnose at the cap, 10,000 incidents, in each
 * format: under 96 MiB of peak resident memory (docs/benchmarks.md,
 * "Memory per incident": 49-55 MiB in every format, the margin for another
 * machine's allocator and cores; before, 209 MiB for text, 323 MiB for JSON
 * and 1.1 GiB for HTML).
 */
/* Run kbdiag with argv (argv[0] its path), output to /dev/null: its exit
 * code, and its peak resident memory in kB in *kb_peak. */
static int
peak_of(char **argv, long *kb_peak)
{
	struct rusage ru;
	int status, null;
	pid_t pid = fork();

	ck_assert(pid >= 0);
	if (pid == 0) {
		if ((null = open("/dev/null", O_RDWR)) < 0 || dup2(null, 1) < 0 ||
		    dup2(null, 2) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	ck_assert_int_eq(wait4(pid, &status, 0, &ru), pid);
	*kb_peak = ru.ru_maxrss;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

START_TEST(memory_at_the_cap)
{
	static const char *const formats[] = { "text", "markdown", "json", "html" };
	char *log = hosts_log(DIAG_MAX_INCIDENTS, 0, 1), *dir = tu_tmpdir(), *in, *out;
	char *prog = tu_build("kbdiag");
	size_t i;

	in = tu_join(dir, "hosts.json");
	out = tu_join(dir, "report");
	tu_write_str(in, log);
	for (i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
		char *argv[] = { prog, "--offline", "-f", (char *)formats[i], "-o", out,
		    "diagnose", in, NULL };
		long peak;
		int rc = peak_of(argv, &peak);

		/* 0: incidents found */
		ck_assert_msg(rc == 0, "%s: exit %d", formats[i], rc);
		fprintf(stderr, "memory_at_the_cap: %s, 10,000 incidents: peak RSS %ld kB\n",
		    formats[i], peak);
		if (MEMORY_CHECKED)
			ck_assert_msg(peak < 96 * 1024, "%s: %ld kB for 10,000 incidents",
			    formats[i], peak);
	}
	if (!MEMORY_CHECKED)
		tu_skip("incident_cap/memory_at_the_cap", "the memory bound (not measurable under ASan)");
	tu_rmtree(dir);
	free(in);
	free(out);
	free(dir);
	free(prog);
	free(log);
}
END_TEST

/*
 * kbdiag report (every format) and verify (which also writes the saved
 * diagnosis again, some 150 MB) at the cap: their peak resident memory at
 * most 48 MiB over that of reading the saved diagnosis (diagnose --replay,
 * streamed since it was written), and reading it under 64 MiB: it is read
 * an incident at a time, never whole (39 MiB here; 187 MiB when the 156 MB
 * file was read whole, docs/benchmarks.md). Before they streamed: report
 * 331 MiB in JSON and 350 MiB in HTML, verify 288 MiB.
 *
 * verify holds what it read and ranks each incident again from a copy of
 * it as its probe round comes, a batch of copies at a time (verify.c
 * verify_one()): at most 24 MiB over the reading (54-57 MiB here against a
 * reading of 37-38: its 10,000 verdicts, some 5 MiB, and the probe
 * workers' malloc arenas, some 8; 71-79 MiB when every copy was ranked
 * before the first verdict, 145 MiB when the copies kept their own strings,
 * docs/benchmarks.md "verify at the cap").
 */
START_TEST(report_memory_at_the_cap)
{
	static const char *const formats[] = { "text", "markdown", "json", "html" };
	char *log = hosts_log(DIAG_MAX_INCIDENTS, 0, 1), *dir = tu_tmpdir(), *in, *saved;
	char *prog = tu_build("kbdiag"), *out, *copy;
	long base, peak;
	size_t i;
	int rc;

	in = tu_join(dir, "hosts.json");
	saved = tu_join(dir, "saved.json");
	copy = tu_join(dir, "verified.json");
	out = tu_join(dir, "report");
	tu_write_str(in, log);
	{
		char *argv[] = { prog, "--offline", "-f", "json", "-o", saved, "diagnose", in,
		    NULL };

		ck_assert_int_eq(peak_of(argv, &base), 0);
	}
	{
		char *argv[] = { prog, "--offline", "-f", "json", "-o", out, "diagnose",
		    "--replay", saved, NULL };

		ck_assert_int_eq(peak_of(argv, &base), 0);
		fprintf(stderr, "report_memory_at_the_cap: diagnose --replay: peak RSS %ld kB\n",
		    base);
		if (MEMORY_CHECKED)
			ck_assert_msg(base < 64 * 1024, "diagnose --replay: %ld kB to read 10,000 "
			    "incidents", base);
	}
	for (i = 0; i <= sizeof(formats) / sizeof(*formats); i++) {
		const char *what = i < 4 ? formats[i] : "verify";
		char *argv[] = { prog, "--offline", "-f", (char *)(i < 4 ? formats[i] : "json"),
		    "-o", out, i < 4 ? "report" : "verify", i < 4 ? saved : copy, NULL };

		if (i == 4) {
			size_t len;
			char *b = tu_read(saved, &len);

			tu_write(copy, b, len);
			free(b);
		}
		rc = peak_of(argv, &peak);
		/* report: 0, incidents; verify --offline: 1, inconclusive */
		ck_assert_msg(rc == (i < 4 ? 0 : 1), "%s: exit %d", what, rc);
		fprintf(stderr, "report_memory_at_the_cap: %s, 10,000 incidents: peak RSS %ld "
		    "kB\n", what, peak);
		if (MEMORY_CHECKED)
			ck_assert_msg(peak < base + (i < 4 ? 48 : 24) * 1024,
			    "%s: %ld kB for 10,000 incidents, reading them %ld kB", what, peak,
			    base);
	}
	/*
	 * The diagnosis verify wrote back holds a history of 10,000 verdicts:
	 * its JSON (report, diagnose --replay) is written a verdict at a time,
	 * as its text is, so within 8 MiB of the text's peak (when the history
	 * was one tree of jansson: 18 MiB over it, and 40 MiB with two
	 * observations a verdict).
	 */
	{
		char *text[] = { prog, "--offline", "-f", "text", "-o", out, "report", copy,
		    NULL };
		char *json[] = { prog, "--offline", "-f", "json", "-o", out, "report", copy,
		    NULL };
		char *replay[] = { prog, "--offline", "-f", "json", "-o", out, "diagnose",
		    "--replay", copy, NULL };
		long tpeak;

		ck_assert_int_eq(peak_of(text, &tpeak), 0);
		fprintf(stderr, "report_memory_at_the_cap: report -f text, 10,000 incidents and "
		    "verdicts: peak RSS %ld kB\n", tpeak);
		ck_assert_int_eq(peak_of(json, &peak), 0);
		fprintf(stderr, "report_memory_at_the_cap: report -f json, 10,000 incidents and "
		    "verdicts: peak RSS %ld kB\n", peak);
		if (MEMORY_CHECKED)
			ck_assert_msg(peak < tpeak + 8 * 1024, "report -f json: %ld kB with a "
			    "history of 10,000 verdicts, -f text %ld kB", peak, tpeak);
		ck_assert_int_eq(peak_of(replay, &peak), 0);
		fprintf(stderr, "report_memory_at_the_cap: diagnose --replay -f json, 10,000 "
		    "incidents and verdicts: peak RSS %ld kB\n", peak);
		if (MEMORY_CHECKED)
			ck_assert_msg(peak < tpeak + 8 * 1024, "diagnose --replay -f json: %ld kB "
			    "with a history of 10,000 verdicts, report -f text %ld kB", peak,
			    tpeak);
	}
	if (!MEMORY_CHECKED)
		tu_skip("incident_cap/report_memory_at_the_cap",
		    "the memory bound (not measurable under ASan)");
	tu_rmtree(dir);
	free(in);
	free(saved);
	free(copy);
	free(out);
	free(dir);
	free(prog);
	free(log);
}
END_TEST

Suite *
incident_cap_suite(void)
{
	Suite *s = suite_create("incident_cap");
	TCase *tc = tcase_create("incident_cap");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, past_the_cap_counted_not_held);
	tcase_add_test(tc, each_incident_counted_once);
	tcase_add_test(tc, reads_what_it_wrote_at_the_cap);
	tcase_add_test(tc, streamed_as_rendered);
	tcase_add_test(tc, memory_at_the_cap);
	tcase_add_test(tc, reports_streamed_as_rendered);
	tcase_add_test(tc, report_memory_at_the_cap);
	suite_add_tcase(s, tc);
	return s;
}
