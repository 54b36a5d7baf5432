/*
 * lint: kb lint and kb test (lint.h), and what they lean on in the loader and
 * the matcher: the evidence catalog, overlaps, keep_going, fallback,
 * description and info symptoms. Broken rule bases are private copies
 * (tu_kb_copy) edited by the test; messages are expected exactly, with the
 * file and line they name.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "util/buf.h"
#include "diag.h"
#include "lint.h"
#include "query.h"
#include "testutil.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

/* Every problem passed to on_problem, one a line, and how many. */
struct msgs {
	size_t		n;
	struct buf	all;
};

static void
collect(void *arg, const char *msg)
{
	struct msgs *m = arg;

	m->n++;
	buf_printf(&m->all, "%s\n", msg);
}

/* dir/rel, caller frees. */
static char *
path_in(const char *base, const char *rel)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s/%s", base, rel);
	return buf_detach(&b);
}

/* The 1-based line of the first `needle` in base/rel; fail if absent. */
static long
line_of(const char *base, const char *rel, const char *needle)
{
	char *path = path_in(base, rel), *data = tu_read(path, NULL), *at, *p;
	long line = 1;

	at = strstr(data, needle);
	ck_assert_msg(at != NULL, "%s no longer holds \"%s\": update this test", rel, needle);
	for (p = data; p < at; p++)
		line += *p == '\n';
	free(data);
	free(path);
	return line;
}

/* Write articles/<id>.xml into base (tu_article). */
static void
put_article(const char *base, const char *id, const char *symptoms, const char *causes)
{
	struct buf rel = BUF_INIT;
	char *xml = tu_article(id, symptoms, causes, NULL);

	buf_printf(&rel, "articles/%s.xml", id);
	tu_write_in(base, buf_str(&rel), xml);
	buf_free(&rel);
	free(xml);
}

/* A primary symptom with the given message (also the example) and pattern. */
static char *
symptom(const char *role, const char *message, const char *pattern, const char *example)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "    <symptom id=\"s\" role=\"%s\"><message>%s</message>"
	    "<pattern>%s</pattern><example>%s</example></symptom>", role, message,
	    pattern, example);
	return buf_detach(&b);
}

static int
load(const char *base, int keep_going, struct kb **out, char err[ERR_LEN],
    struct tu_problems *pr)
{
	struct kb_load_params p = { 0 };

	memset(pr, 0, sizeof(*pr));
	p.dir = base;
	p.on_problem = tu_record_problem;
	p.arg = pr;
	p.keep_going = keep_going;
	return kb_load(&p, out, err);
}

/* Load base; fail the test if it does not load. */
static struct kb *
load_ok(const char *base)
{
	struct tu_problems pr;
	char err[ERR_LEN];
	struct kb *k;

	ck_assert_msg(load(base, 0, &k, err, &pr) == 0, "kb_load: %s", err);
	ck_assert_uint_eq(pr.n, 0);
	return k;
}

/* kb_load(base) must fail with exactly one problem, `want`. */
static void
expect_load_error(const char *base, const char *want)
{
	struct tu_problems pr;
	char err[ERR_LEN];
	struct kb *k = (struct kb *)&k;

	ck_assert_int_eq(load(base, 0, &k, err, &pr), -1);
	ck_assert_ptr_null(k);
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(pr.n, 1);
	ck_assert_str_eq(pr.msg[0], want);
}

/* lint_check on the rule base at base; the messages go to *m. */
static size_t
lint_dir(const char *base, struct msgs *m)
{
	struct kb *k = load_ok(base);
	struct matcher *mt = tu_matcher(k);
	size_t n;

	memset(m, 0, sizeof(*m));
	n = lint_check(k, mt, collect, m);
	ck_assert_uint_eq(n, m->n);
	match_free(mt);
	kb_free(k);
	return n;
}

static json_t *
parse_json(const struct tu_run *r)
{
	json_error_t e;
	json_t *j = json_loadb(r->out, r->outlen, 0, &e);

	ck_assert_msg(j != NULL, "not JSON (%s): %s", e.text, r->out);
	return j;
}

/* The kb test row of one article. */
static json_t *
test_row(json_t *root, const char *id)
{
	json_t *rows = json_object_get(root, "articles"), *row;
	size_t i;

	ck_assert_msg(json_is_array(rows), "no articles array");
	json_array_foreach(rows, i, row)
		if (strcmp(json_string_value(json_object_get(row, "id")), id) == 0)
			return row;
	ck_abort_msg("no row for %s", id);
	return NULL;
}

static json_int_t
jint(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	ck_assert_msg(json_is_integer(v), "\"%s\" is not an integer", key);
	return json_integer_value(v);
}

/* Does any of the n hits belong to article id? */
static int
hits_article(const struct match_hit *hits, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(hits[i].article->id, id) == 0)
			return 1;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The real rule base                                                      */

static struct kb *kb;
static struct matcher *m;

static void
setup_real(void)
{
	kb = tu_kb();
	m = tu_matcher(kb);
}

static void
teardown_real(void)
{
	match_free(m);
	m = NULL;
	kb_free(kb);
	kb = NULL;
}

START_TEST(real_base_lints_clean)
{
	struct msgs ms = { 0 };

	ck_assert_uint_eq(lint_check(kb, m, collect, &ms), 0);
	ck_assert_msg(ms.n == 0, "kb lint found:\n%s", buf_str(&ms.all));
	/* NULL on_problem is allowed. */
	ck_assert_uint_eq(lint_check(kb, m, NULL, NULL), 0);
	buf_free(&ms.all);
}
END_TEST

/* No pattern of the rule base, nor peer greeting, backtracks catastrophically. */
START_TEST(real_base_backtracks_linearly)
{
	struct lint_backtrack_stats st;
	struct msgs ms = { 0 };

	ck_assert_uint_eq(lint_backtracking(kb, collect, &ms, &st), 0);
	ck_assert_msg(ms.n == 0, "kb lint found:\n%s", buf_str(&ms.all));
	ck_assert_uint_eq(st.patterns, match_pattern_count(m) + kb_peer_count(kb));
	ck_assert_uint_gt(st.lines, 100 * st.patterns);
	buf_free(&ms.all);
}
END_TEST

START_TEST(real_base_tests_clean)
{
	struct msgs ms = { 0 };
	struct lint_article *rows = NULL;
	struct lint_totals t;
	size_t i, examples = 0;

	ck_assert_uint_eq(lint_test(kb, m, collect, &ms, &rows, &t), 0);
	ck_assert_msg(ms.n == 0, "kb test found:\n%s", buf_str(&ms.all));
	ck_assert_uint_eq(t.failures, 0);
	ck_assert_uint_gt(t.counters, 0);
	ck_assert_uint_gt(t.peer_examples, 0);
	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		ck_assert_ptr_eq(rows[i].article, a);
		ck_assert_uint_eq(rows[i].patterns, a->nsymptoms);
		ck_assert_uint_gt(rows[i].examples, 0);
		ck_assert_uint_eq(rows[i].matched, rows[i].examples);
		ck_assert_uint_eq(rows[i].unexpected, 0);
		ck_assert_uint_eq(rows[i].unexercised, 0);
		examples += rows[i].examples;
	}
	ck_assert_uint_eq(t.examples, examples);
	free(rows);
	buf_free(&ms.all);
}
END_TEST

START_TEST(real_catalogs_and_provenance)
{
	const struct kb_evidence_source *src;
	const struct kb_overlap *o;
	const struct kb_article *a;
	size_t i, j;

	ck_assert_uint_gt(kb_source_count(kb), 0);
	ck_assert_uint_gt(kb_overlap_count(kb), 0);
	for (i = 0; i < kb_cause_count(kb); i++) {
		const struct kb_cause *c = kb_cause_at(kb, i);

		ck_assert_msg(c->nevidence >= 1, "cause %s has no evidence", c->id);
		for (j = 0; j < c->nevidence; j++) {
			const struct kb_evidence_item *e = &c->evidence[j];

			ck_assert_ptr_eq(kb_find_source(kb, e->source->id), e->source);
			/* The value is one of its source's values. */
			ck_assert_msg(e->value >= e->source->values &&
			    e->value < e->source->values + e->source->nvalues,
			    "cause %s: value %s is not of source %s", c->id, e->value->id,
			    e->source->id);
			/* an exclusion has no ratio: the cause cannot hold */
			if (e->excludes)
				ck_assert_double_eq(e->weight, 0);
			else
				ck_assert_double_ge(e->weight, 1.0);
		}
	}
	src = kb_find_source(kb, "tcp-connect");
	ck_assert_ptr_nonnull(src);
	ck_assert_ptr_null(kb_find_source(kb, "bogus"));

	/* An overlap is found from either side; an undeclared pair is not. */
	o = kb_find_overlap(kb, "Q100709", "Q102107");
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(o->id, "lost-connection-text");
	ck_assert_str_eq(o->kind, "shared-text");
	ck_assert_ptr_eq(kb_find_overlap(kb, "Q102107", "Q100709"), o);
	ck_assert_ptr_null(kb_find_overlap(kb, "Q102107", "Q137044"));

	a = kb_find_article(kb, "Q102107");
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->archive, "github.com/jeffpar/kbarchive");
	ck_assert_str_eq(a->encoded, "2026-11-23");
	ck_assert_uint_eq(a->nnotes, 3);
	for (i = 0; i < kb_article_count(kb); i++) {
		a = kb_article_at(kb, i);
		ck_assert_msg(a->archive && a->archive[0], "%s: no archive", a->id);
		ck_assert_msg(a->encoded && strlen(a->encoded) == 10 && a->encoded[4] == '-' &&
		    a->encoded[7] == '-', "%s: encoded \"%s\"", a->id, a->encoded);
	}
}
END_TEST

START_TEST(fallback_dropped_when_a_primary_matches)
{
	static const char spec[] = "10:41:07 - ERROR write: (57) Socket is not connected";
	static const char gen[] = "10:41:07 - ERROR write: (60) Connection timed out";
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;
	size_t n;

	/* Q112237's generic "ERROR write" matches both lines by itself. */
	ck_assert_int_eq(match_symptom(m, &kb_find_article(kb, "Q112237")->symptoms[0],
	    spec, strlen(spec)), 1);

	n = match_line(m, spec, strlen(spec), &hits, &gave_up);
	ck_assert_ptr_null(gave_up);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(hits[0].article->id, "Q100707");
	ck_assert_int_eq(hits[0].symptom->role, KB_ROLE_PRIMARY);

	n = match_line(m, gen, strlen(gen), &hits, &gave_up);
	ck_assert_ptr_null(gave_up);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(hits[0].article->id, "Q112237");
	ck_assert_str_eq(hits[0].symptom->id, "error-write");
	ck_assert_int_eq(hits[0].symptom->role, KB_ROLE_FALLBACK);
}
END_TEST

START_TEST(description_only_for_queries)
{
	static const char text[] = "WHEN info missing in Schedule+ meeting requests";
	const struct kb_article *a = kb_find_article(kb, "Q107205");
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;
	struct query_results *q;
	size_t n;

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->symptoms[0].role, KB_ROLE_DESCRIPTION);
	/* The pattern matches the text ... */
	ck_assert_int_eq(match_symptom(m, &a->symptoms[0], text, strlen(text)), 1);
	/* ... but a log line is never matched against it. */
	n = match_line(m, text, strlen(text), &hits, &gave_up);
	ck_assert_msg(!hits_article(hits, n, "Q107205"), "a description matched a log line");

	q = query_run(kb, m, text, strlen(text));
	ck_assert_uint_ge(q->nresults, 1);
	ck_assert_str_eq(q->results[0].article->id, "Q107205");
	ck_assert_int_eq(q->results[0].how, QUERY_PATTERN);
	ck_assert_ptr_eq(q->results[0].symptom, &a->symptoms[0]);
	/* a description is words a person uses: it scores as a words match that
	 * spells the message out, below any message's pattern */
	ck_assert_double_ge(q->results[0].score, 0.5);
	ck_assert_double_le(q->results[0].score, 0.9);
	query_free(q);
}
END_TEST

START_TEST(info_line_makes_no_incident)
{
	static const char line[] = "10:07:16 - [tx] 354 start mail input; end with <CRLF>.<CRLF>";
	const struct kb_article *a = kb_find_article(kb, "Q137044");
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;
	struct diag_params p = { 0 };
	struct diagnosis *d = NULL;
	char *tmp = tu_tmpdir(), *log = path_in(tmp, "smtpgate.log");
	const char *files[1];
	struct buf b = BUF_INIT;
	size_t n;

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->symptoms[0].severity, KB_SEVERITY_INFO);
	/* The line is matched: it is the severity that keeps it out. */
	n = match_line(m, line, strlen(line), &hits, &gave_up);
	ck_assert(hits_article(hits, n, "Q137044"));

	buf_printf(&b, "%s\n", line);
	tu_write_str(log, buf_str(&b));
	files[0] = log;
	p.kb = kb;
	p.matcher = m;
	p.files = files;
	p.nfiles = 1;
	ck_assert_int_eq(diag_run(&p, &d), 0);
	ck_assert_uint_eq(d->ninputs, 1);
	ck_assert_ptr_null(d->inputs[0].error);
	ck_assert_uint_eq(d->inputs[0].lines, 1);
	ck_assert_uint_eq(d->nincidents, 0);
	diag_free(d);
	buf_free(&b);
	free(log);
	tu_rmtree(tmp);
	free(tmp);
}
END_TEST

START_TEST(cli_kb_test_json_real)
{
	struct tu_run r;
	json_t *root, *row;
	char *kbdir = tu_src("kb");
	size_t i;

	tu_kbdiag(&r, NULL, 0, "--kb", kbdir, "kb", "test", "-f", "json", NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "");
	root = parse_json(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "articles")), 144);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "articles")),
	    tu_count_files(kbdir, "articles", ".xml"));
	ck_assert_int_eq(jint(root, "failures"), 0);
	ck_assert_int_gt(jint(root, "examples"), 0);
	json_array_foreach(json_object_get(root, "articles"), i, row) {
		ck_assert_int_eq(jint(row, "unexpected"), 0);
		ck_assert_int_eq(jint(row, "matched"), jint(row, "examples"));
	}
	json_decref(root);
	tu_run_free(&r);
	free(kbdir);
}
END_TEST

START_TEST(cli_kb_show_overlap_source_evidence)
{
	struct tu_run r;
	char *kbdir = tu_src("kb");

	tu_kbdiag(&r, NULL, 0, "--kb", kbdir, "kb", "show", "Q102107", NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_contains(r.out, "\n  Overlap:     lost-connection-text (shared-text with "
	    "Q100709): ");
	ck_assert_contains(r.out, "\n  Source:      Microsoft Knowledge Base Q102107, read "
	    "from\n               github.com/jeffpar/kbarchive, encoded 2026-11-23\n");
	ck_assert_contains(r.out, "confirmed by peer-product:ibm-vm-smtp-v2r2 (x10)");
	ck_assert_contains(r.out, "refuted by");
	ck_assert_contains(r.out, "\n  Note:        ");
	tu_run_free(&r);

	/* An article in no overlap has no Overlap line, but still its source. */
	tu_kbdiag(&r, NULL, 0, "--kb", kbdir, "kb", "show", "Q137044", NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_not_contains(r.out, "Overlap:");
	ck_assert_contains(r.out, "\n  Source:      Microsoft Knowledge Base Q137044, read ");
	tu_run_free(&r);
	free(kbdir);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Copies of the rule base                                                 */

static char *dir;	/* a private copy of the rule base: TMP/kb */

static void
setup_copy(void)
{
	dir = tu_kb_copy();
}

static void
teardown_copy(void)
{
	tu_kb_copy_free(dir);
	dir = NULL;
}

START_TEST(copy_lints_clean)
{
	struct msgs ms;

	ck_assert_uint_eq(lint_dir(dir, &ms), 0);
	buf_free(&ms.all);
}
END_TEST

START_TEST(lint_empty_match)
{
	char *s = symptom("primary", "xx", "x*", "xx");
	struct buf want = BUF_INIT;
	struct msgs ms;

	put_article(dir, "Q999001", s, NULL);
	ck_assert_uint_ge(lint_dir(dir, &ms), 1);
	buf_printf(&want, "%s/articles/Q999001.xml:7: Q999001 symptom 's': the pattern "
	    "matches the empty string\n", dir);
	ck_assert_contains(buf_str(&ms.all), buf_str(&want));
	buf_free(&ms.all);
	buf_free(&want);
	free(s);
}
END_TEST

/*
 * kb lint finds catastrophic backtracking and names the rule: a nested
 * quantifier (the (a+)+$ behind a literal), overlapping alternatives
 * repeated without bound, and a polynomial one no shape rule knows (.*.*.*),
 * found by the crafted lines; a peer greeting too. The CLI fails (3).
 */
START_TEST(lint_catastrophic_backtracking)
{
	char *s1 = symptom("primary", "Error (666) aaa", "\\bError \\(666\\) (a+)+$",
	    "Error (666) aaa");
	char *s2 = symptom("primary", "Error (667) ab", "\\bError \\(667\\) (?:a|ab)*c",
	    "Error (667) abc");
	char *s3 = symptom("primary", "Error (668) x", "\\bError \\(668\\).*.*.*z",
	    "Error (668) xyz");
	struct buf want = BUF_INIT;
	struct msgs ms = { 0 };
	struct tu_run r;
	struct kb *k;

	put_article(dir, "Q999001", s1, NULL);
	put_article(dir, "Q999002", s2, NULL);
	put_article(dir, "Q999003", s3, NULL);
	tu_edit_in(dir, "tables/peers.xml", "<greeting>\\bIBM\\s+VM\\s+SMTP\\s+V2R2\\b",
	    "<greeting>\\bIBM\\s+VM\\s+SMTP\\s+V2R2\\b(?:\\s*\\w+\\s*)*$");
	k = load_ok(dir);
	ck_assert_uint_eq(lint_backtracking(k, collect, &ms, NULL), 4);
	buf_printf(&want, "%s/articles/Q999001.xml:7: Q999001 symptom 's': nested "
	    "quantifiers: the group at offset 16 repeats without bound and the quantifier "
	    "at offset 18 inside it does too", dir);
	ck_assert_contains(buf_str(&ms.all), buf_str(&want));
	buf_reset(&want);
	buf_printf(&want, "%s/articles/Q999001.xml:7: Q999001 symptom 's': backtracks "
	    "catastrophically: on a line of ", dir);
	ck_assert_contains(buf_str(&ms.all), buf_str(&want));
	buf_reset(&want);
	buf_printf(&want, "%s/articles/Q999002.xml:7: Q999002 symptom 's': overlapping "
	    "alternatives: the group at offset 16 repeats without bound and its "
	    "alternatives 1 and 2 can begin with the same byte", dir);
	ck_assert_contains(buf_str(&ms.all), buf_str(&want));
	buf_reset(&want);
	buf_printf(&want, "%s/articles/Q999003.xml:7: Q999003 symptom 's': backtracks "
	    "catastrophically: on a line of ", dir);
	ck_assert_contains(buf_str(&ms.all), buf_str(&want));
	ck_assert_contains(buf_str(&ms.all), "peer 'ibm-vm-smtp-v2r2': the greeting pattern: "
	    "nested quantifiers");
	ck_assert_contains(buf_str(&ms.all), "microseconds");
	kb_free(k);

	tu_kbdiag(&r, NULL, 0, "--kb", dir, "kb", "lint", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "Q999001 symptom 's': nested quantifiers");
	ck_assert_contains(r.err, "invalid: 4 problems");
	tu_run_free(&r);
	buf_free(&ms.all);
	buf_free(&want);
	free(s1);
	free(s2);
	free(s3);
}
END_TEST

START_TEST(lint_undeclared_overlap)
{
	char *s = symptom("primary", "Error (119)", "\\bError \\(119\\)", "Error (119) x");
	struct buf want = BUF_INIT;
	struct lint_article *rows;
	struct lint_totals t;
	struct msgs ms;
	struct kb *k;
	struct matcher *mt;
	/* A symptom's line is that of its pattern. */
	long line = line_of(dir, "articles/Q123827.xml", "<pattern>\\bError \\(119\\)");

	put_article(dir, "Q999001", s, NULL);
	ck_assert_uint_eq(lint_dir(dir, &ms), 1);
	buf_printf(&want, "%s/articles/Q123827.xml:%ld: Q123827 symptom 'network-write-119': "
	    "its message \"Error (119) Network Write Error\" also matches Q999001 symptom "
	    "'s' (%s/articles/Q999001.xml:7); declare the overlap in overlaps.xml\n",
	    dir, line, dir);
	ck_assert_str_eq(buf_str(&ms.all), buf_str(&want));
	buf_free(&ms.all);

	/* kb test counts Q123827's two examples against Q999001. */
	k = load_ok(dir);
	mt = tu_matcher(k);
	memset(&ms, 0, sizeof(ms));
	ck_assert_uint_eq(lint_test(k, mt, collect, &ms, &rows, &t), 2);
	ck_assert_uint_eq(t.failures, 2);
	for (size_t i = 0; i < kb_article_count(k); i++)
		ck_assert_uint_eq(rows[i].unexpected,
		    strcmp(rows[i].article->id, "Q999001") == 0 ? 2 : 0);
	ck_assert_contains(buf_str(&ms.all), "Q999001 symptom 's' matches Q123827's example "
	    "\"Error (119) Network Write Error\" and no overlap declares the pair");
	free(rows);
	buf_free(&ms.all);
	match_free(mt);
	kb_free(k);

	/* Declared, it is no longer a problem for either. */
	tu_edit_in(dir, "overlaps.xml", "</overlaps>",
	    "  <overlap id=\"test-119\" kind=\"shared-text\" articles=\"Q999001 Q123827\">"
	    "<summary>s</summary><resolution>r</resolution></overlap>\n</overlaps>");
	ck_assert_uint_eq(lint_dir(dir, &ms), 0);
	buf_free(&ms.all);
	k = load_ok(dir);
	mt = tu_matcher(k);
	ck_assert_ptr_nonnull(kb_find_overlap(k, "Q123827", "Q999001"));
	ck_assert_uint_eq(lint_test(k, mt, NULL, NULL, &rows, &t), 0);
	free(rows);
	match_free(mt);
	kb_free(k);
	buf_free(&want);
	free(s);
}
END_TEST

START_TEST(lint_unused_cause)
{
	struct buf want = BUF_INIT;
	struct msgs ms;
	long line;

	tu_edit_in(dir, "causes.xml", "</causes>",
	    "  <cause id=\"orphan-cause\">\n"
	    "    <title>t</title><description>d</description>\n"
	    "    <evidence><confirms ref=\"tcp-connect:refused\" weight=\"2\">w</confirms>"
	    "</evidence>\n"
	    "  </cause>\n</causes>");
	line = line_of(dir, "causes.xml", "<cause id=\"orphan-cause\">");
	ck_assert_uint_eq(lint_dir(dir, &ms), 1);
	buf_printf(&want, "%s/causes.xml:%ld: cause 'orphan-cause' is not used by any "
	    "article\n", dir, line);
	ck_assert_str_eq(buf_str(&ms.all), buf_str(&want));
	buf_free(&ms.all);
	buf_free(&want);
}
END_TEST

/*
 * A word listed as another field's (vocabulary.xml, topic "elsewhere") must
 * not be a word of the rule base: the answer model counts it against
 * answering, and a query never reads it as a typing mistake.
 */
START_TEST(lint_elsewhere_word_the_rule_base_has)
{
	struct buf want = BUF_INIT;
	struct msgs ms;
	long line;

	tu_edit_in(dir, "vocabulary.xml", "<context topic=\"elsewhere\">outlook",
	    "<context topic=\"elsewhere\">smtpgate outlook");
	line = line_of(dir, "vocabulary.xml", "<context topic=\"elsewhere\">");
	ck_assert_uint_eq(lint_dir(dir, &ms), 1);
	buf_printf(&want, "%s/vocabulary.xml:%ld: 'smtpgate' is listed as another field's "
	    "word (topic \"elsewhere\"), but the rule base has it\n", dir, line);
	ck_assert_str_eq(buf_str(&ms.all), buf_str(&want));
	buf_free(&ms.all);
	buf_free(&want);
}
END_TEST

/*
 * A word of a word class (vocabulary.xml: count, message, extension,
 * question, determiner) is compared with the words a query reads: one of
 * another shape never matches, and one listed twice is a slip.
 */
START_TEST(lint_word_class_shapes)
{
	struct buf want = BUF_INIT;
	struct msgs ms;
	long line;

	tu_edit_in(dir, "vocabulary.xml", "<context topic=\"count\">accounts",
	    "<context topic=\"count\">Staff e-mails accounts staff");
	line = line_of(dir, "vocabulary.xml", "<context topic=\"count\">");
	ck_assert_uint_eq(lint_dir(dir, &ms), 3);
	buf_printf(&want, "%s/vocabulary.xml:%ld: 'Staff' in the word class \"count\" is not "
	    "one lower-case word of letters and digits, as a query reads words, so it "
	    "never matches\n"
	    "%s/vocabulary.xml:%ld: 'e-mails' in the word class \"count\" is not one "
	    "lower-case word of letters and digits, as a query reads words, so it never "
	    "matches\n"
	    "%s/vocabulary.xml:%ld: 'staff' is listed twice in the word class \"count\"\n",
	    dir, line, dir, line, dir, line);
	ck_assert_str_eq(buf_str(&ms.all), buf_str(&want));
	buf_free(&ms.all);
	buf_free(&want);
}
END_TEST

/* The function words and the top-level domains are word classes too. */
START_TEST(lint_stop_and_tld_classes)
{
	struct buf want = BUF_INIT;
	struct msgs ms;
	long stop, tld;

	tu_edit_in(dir, "vocabulary.xml", "<context topic=\"stop\">a ",
	    "<context topic=\"stop\">Don't a ");
	tu_edit_in(dir, "vocabulary.xml", "<context topic=\"tld\">com ",
	    "<context topic=\"tld\">co.uk com com ");
	stop = line_of(dir, "vocabulary.xml", "<context topic=\"stop\">");
	tld = line_of(dir, "vocabulary.xml", "<context topic=\"tld\">");
	ck_assert_uint_eq(lint_dir(dir, &ms), 3);
	buf_printf(&want, "%s/vocabulary.xml:%ld: 'Don't' in the word class \"stop\" is not "
	    "one lower-case word of letters and digits, as a query reads words, so it "
	    "never matches\n"
	    "%s/vocabulary.xml:%ld: 'co.uk' in the word class \"tld\" is not one "
	    "lower-case word of letters and digits, as a query reads words, so it never "
	    "matches\n"
	    "%s/vocabulary.xml:%ld: 'com' is listed twice in the word class \"tld\"\n",
	    dir, stop, dir, tld, dir, tld);
	ck_assert_str_eq(buf_str(&ms.all), buf_str(&want));
	buf_free(&ms.all);
	buf_free(&want);
}
END_TEST

START_TEST(cause_evidence_unknown_value)
{
	struct buf want = BUF_INIT;
	long line = line_of(dir, "causes.xml", "\"tcp-connect:refused\"");

	tu_edit_in(dir, "causes.xml", "\"tcp-connect:refused\"", "\"tcp-connect:bogus\"");
	buf_printf(&want, "%s/causes.xml:%ld: evidence source 'tcp-connect' has no value "
	    "'bogus' (see evidence.xml)", dir, line);
	expect_load_error(dir, buf_str(&want));
	buf_free(&want);
}
END_TEST

START_TEST(cause_evidence_unknown_source)
{
	struct buf want = BUF_INIT;
	long line = line_of(dir, "causes.xml", "\"tcp-connect:refused\"");

	tu_edit_in(dir, "causes.xml", "\"tcp-connect:refused\"", "\"tcp-bogus:refused\"");
	buf_printf(&want, "%s/causes.xml:%ld: unknown evidence source 'tcp-bogus' (not in "
	    "evidence.xml)", dir, line);
	expect_load_error(dir, buf_str(&want));
	buf_free(&want);
}
END_TEST

/* kb lint runs every fix's examples: a wrong <after> is found, with LF and CR LF;
 * the message is one line (line ends escaped, as every byte a file gives). */
START_TEST(lint_fix_example_wrong)
{
	struct buf want = BUF_INIT;
	struct msgs ms;
	long line;

	tu_edit_in(dir, "fixes.xml", "DOS=HIGH\nFILES=40\nBUFFERS=30\n</after>",
	    "DOS=HIGH\nFILES=50\nBUFFERS=30\n</after>");
	line = line_of(dir, "fixes.xml", "DEVICE=C:\\DOS\\HIMEM.SYS\nDOS=HIGH") - 1;
	ck_assert_uint_eq(lint_dir(dir, &ms), 2);
	buf_printf(&want, "%s/fixes.xml:%ld: fix 'dos-files': the example (LF) does not give "
	    "its <after>: the editor wrote \"DEVICE=C:\\DOS\\HIMEM.SYS\\x0ADOS=HIGH\\x0AFILES=40",
	    dir, line);
	ck_assert_contains(buf_str(&ms.all), buf_str(&want));
	ck_assert_contains(buf_str(&ms.all), "the example (CR LF) does not give its <after>");
	buf_free(&ms.all);
	buf_free(&want);
}
END_TEST

/* An outcome the editor does not reach, and a fix for a cause that is not there. */
START_TEST(lint_fix_outcome_and_load_errors)
{
	struct buf want = BUF_INIT;
	struct msgs ms;
	long line;

	tu_edit_in(dir, "fixes.xml", "<example outcome=\"already\">\n      <before>FILES=60",
	    "<example outcome=\"already\">\n      <before>FILES=6");
	ck_assert_uint_ge(lint_dir(dir, &ms), 2);
	ck_assert_contains(buf_str(&ms.all), "fix 'dos-files': the example (LF) gives edited, "
	    "not already");
	ck_assert_contains(buf_str(&ms.all), "fix 'dos-files': the probe of "
	    "config-sys:files-ok does not agree with the example (LF)");
	buf_free(&ms.all);
	line = line_of(dir, "fixes.xml", "<fix id=\"dos-files\"");
	tu_edit_in(dir, "fixes.xml", "resolves=\"dos-files-too-low\"",
	    "resolves=\"dos-files-too-few\"");
	buf_printf(&want, "%s/fixes.xml:%ld: fix 'dos-files' resolves unknown cause "
	    "'dos-files-too-few' (not in causes.xml)", dir, line);
	expect_load_error(dir, buf_str(&want));
	buf_free(&want);
}
END_TEST

START_TEST(overlap_names_absent_article)
{
	struct buf want = BUF_INIT;
	struct tu_problems pr;
	char err[ERR_LEN];
	struct kb *k;
	size_t real;
	long line;

	k = load_ok(dir);
	real = kb_overlap_count(k);
	kb_free(k);
	tu_edit_in(dir, "overlaps.xml", "</overlaps>",
	    "  <overlap id=\"ghost\" kind=\"shared-text\" articles=\"Q123827 Q999998\">"
	    "<summary>s</summary><resolution>r</resolution></overlap>\n</overlaps>");
	line = line_of(dir, "overlaps.xml", "<overlap id=\"ghost\"");
	buf_printf(&want, "%s/overlaps.xml:%ld: overlap 'ghost' names article Q999998, "
	    "which is not in the rule base", dir, line);
	expect_load_error(dir, buf_str(&want));

	/* keep_going: loaded without it, and said so. */
	ck_assert_msg(load(dir, 1, &k, err, &pr) == 0, "%s", err);
	ck_assert_uint_eq(kb_skipped(k), 1);
	ck_assert_uint_eq(pr.n, 1);
	ck_assert_str_eq(pr.msg[0], buf_str(&want));
	ck_assert_uint_eq(kb_overlap_count(k), real);
	ck_assert_ptr_null(kb_find_overlap(k, "Q123827", "Q999998"));
	kb_free(k);

	/* A conflict may cite an article the rule base does not encode. */
	tu_edit_in(dir, "overlaps.xml", "id=\"ghost\" kind=\"shared-text\"",
	    "id=\"ghost\" kind=\"conflict\"");
	k = load_ok(dir);
	ck_assert_uint_eq(kb_overlap_count(k), real + 1);
	ck_assert_ptr_nonnull(kb_find_overlap(k, "Q123827", "Q999998"));
	ck_assert_uint_eq(kb_skipped(k), 0);
	kb_free(k);
	buf_free(&want);
}
END_TEST

START_TEST(keep_going_skips_broken_article)
{
	struct buf want = BUF_INIT;
	struct tu_problems pr;
	char err[ERR_LEN];
	struct kb *k;
	size_t real = tu_count_files(dir, "articles", ".xml");

	put_article(dir, "Q999002", NULL, "<cause ref=\"no-such-cause\" prior=\"1\"/>");
	buf_printf(&want, "%s/articles/Q999002.xml:9: unknown cause 'no-such-cause' (not in "
	    "causes.xml)", dir);
	expect_load_error(dir, buf_str(&want));

	ck_assert_msg(load(dir, 1, &k, err, &pr) == 0, "%s", err);
	ck_assert_uint_eq(kb_article_count(k), real);
	ck_assert_ptr_null(kb_find_article(k, "Q999002"));
	ck_assert_ptr_nonnull(kb_find_article(k, "Q123827"));
	ck_assert_uint_eq(kb_skipped(k), 1);
	ck_assert_uint_eq(pr.n, 1);
	ck_assert_str_eq(pr.msg[0], buf_str(&want));
	kb_free(k);
	buf_free(&want);
}
END_TEST

START_TEST(keep_going_cli)
{
	struct buf want = BUF_INIT;
	struct tu_run r;

	put_article(dir, "Q999002", NULL, "<cause ref=\"no-such-cause\" prior=\"1\"/>");
	tu_kbdiag(&r, NULL, 0, "--kb", dir, "query", "Error (119) Network Write Error", NULL);
	ck_assert_int_eq(r.status, 3);
	buf_printf(&want, "kbdiag: invalid rule base: %s/articles/Q999002.xml:9: unknown "
	    "cause 'no-such-cause' (not in causes.xml)\n", dir);
	ck_assert_contains(r.err, buf_str(&want));
	ck_assert_contains(r.err, "--keep-going");
	ck_assert_str_eq(r.out, "");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "--kb", dir, "--keep-going", "query",
	    "Error (119) Network Write Error", NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	buf_reset(&want);
	buf_printf(&want, "kbdiag: skipped (--keep-going): %s/articles/Q999002.xml:9: "
	    "unknown cause 'no-such-cause' (not in causes.xml)\n", dir);
	ck_assert_contains(r.err, buf_str(&want));
	buf_reset(&want);
	buf_printf(&want, "kbdiag: rule base %s: skipped 1 invalid article or overlap; "
	    "using 144 articles\n", dir);
	ck_assert_contains(r.err, buf_str(&want));
	ck_assert_contains(r.out, "Q123827");
	tu_run_free(&r);
	buf_free(&want);
}
END_TEST

START_TEST(keep_going_drops_uncompilable_article)
{
	char *s = symptom("primary", "m", "a(", "m");
	const struct kb_article *a;
	struct matcher *mt;
	char err[ERR_LEN];
	struct tu_run r;
	struct kb *k;
	size_t n;

	put_article(dir, "Q999003", s, NULL);
	/* The loader does not compile patterns: the article loads. */
	k = load_ok(dir);
	n = kb_article_count(k);
	a = kb_find_article(k, "Q999003");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(match_article_compiles(a, err), -1);
	ck_assert_contains(err, "Q999003");
	ck_assert_int_eq(match_compile(k, &mt, err), -1);
	ck_assert_contains(err, "Q999003");
	ck_assert_int_eq(match_article_compiles(kb_find_article(k, "Q123827"), err), 0);

	kb_drop_article(k, a);
	ck_assert_uint_eq(kb_article_count(k), n - 1);
	ck_assert_ptr_null(kb_find_article(k, "Q999003"));
	ck_assert_uint_eq(kb_skipped(k), 1);
	mt = tu_matcher(k);
	match_free(mt);
	kb_free(k);

	tu_kbdiag(&r, NULL, 0, "--kb", dir, "query", "Error (119) Network Write Error", NULL);
	ck_assert_int_eq(r.status, 3);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "--kb", dir, "--keep-going", "query",
	    "Error (119) Network Write Error", NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_contains(r.err, "kbdiag: skipped (--keep-going): ");
	ck_assert_contains(r.err, "skipped 1 invalid article or overlap; using 144 articles");
	tu_run_free(&r);
	free(s);
}
END_TEST

START_TEST(cli_info_line_no_incident)
{
	char *log = path_in(dir, "../smtpgate.log");
	json_t *root, *incs;
	struct tu_run r;

	tu_write_str(log, "10:07:16 - [tx] 354 start mail input; end with <CRLF>.<CRLF>\n");
	tu_kbdiag(&r, NULL, 0, "--kb", dir, "diagnose", log, "-f", "json", NULL);
	ck_assert_msg(r.status == 1, "exit %d: %s", r.status, r.err);
	root = parse_json(&r);
	incs = json_object_get(root, "incidents");
	ck_assert_msg(json_is_array(incs), "no incidents array");
	ck_assert_uint_eq(json_array_size(incs), 0);
	json_decref(root);
	tu_run_free(&r);

	/* The same line at the default severity is an incident. */
	tu_edit_in(dir, "articles/Q137044.xml", "role=\"primary\" severity=\"info\"",
	    "role=\"primary\"");
	tu_kbdiag(&r, NULL, 0, "--kb", dir, "diagnose", log, "-f", "json", NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	root = parse_json(&r);
	incs = json_object_get(root, "incidents");
	ck_assert_uint_eq(json_array_size(incs), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(incs, 0),
	    "article")), "Q137044");
	json_decref(root);
	tu_run_free(&r);
	free(log);
}
END_TEST

START_TEST(cli_kb_test_counter_example_matches)
{
	json_t *root, *row;
	struct tu_run r;

	tu_edit_in(dir, "articles/Q123827.xml",
	    "<counter-example>10:41:07 - Error (116) Network Read Error</counter-example>",
	    "<counter-example>10:41:07 - Error (119) Network Write Error!</counter-example>");
	tu_kbdiag(&r, NULL, 0, "--kb", dir, "kb", "test", "-f", "json", NULL);
	ck_assert_int_eq(r.status, 3);
	root = parse_json(&r);
	ck_assert_int_eq(jint(root, "failures"), 1);
	row = test_row(root, "Q123827");
	ck_assert_int_eq(jint(row, "unexpected"), 1);
	ck_assert_int_eq(jint(row, "matched"), jint(row, "examples"));
	ck_assert_int_eq(jint(test_row(root, "Q123826"), "unexpected"), 0);
	ck_assert_contains(r.err, "Q123827 symptom 'network-write-119': pattern matches "
	    "counter-example \"10:41:07 - Error (119) Network Write Error!\"");
	json_decref(root);
	tu_run_free(&r);
}
END_TEST

Suite *
lint_suite(void)
{
	Suite *s = suite_create("lint");
	TCase *real = tcase_create("real");
	TCase *copy = tcase_create("copy");

	tcase_add_checked_fixture(real, setup_real, teardown_real);
	tcase_add_test(real, real_base_lints_clean);
	tcase_add_test(real, real_base_tests_clean);
	tcase_add_test(real, real_base_backtracks_linearly);
	tcase_add_test(real, real_catalogs_and_provenance);
	tcase_add_test(real, fallback_dropped_when_a_primary_matches);
	tcase_add_test(real, description_only_for_queries);
	tcase_add_test(real, info_line_makes_no_incident);
	tcase_add_test(real, cli_kb_test_json_real);
	tcase_add_test(real, cli_kb_show_overlap_source_evidence);
	suite_add_tcase(s, real);

	tcase_add_checked_fixture(copy, setup_copy, teardown_copy);
	tcase_set_timeout(copy, 30);
	tcase_add_test(copy, copy_lints_clean);
	tcase_add_test(copy, lint_empty_match);
	tcase_add_test(copy, lint_catastrophic_backtracking);
	tcase_add_test(copy, lint_undeclared_overlap);
	tcase_add_test(copy, lint_unused_cause);
	tcase_add_test(copy, lint_elsewhere_word_the_rule_base_has);
	tcase_add_test(copy, lint_word_class_shapes);
	tcase_add_test(copy, lint_stop_and_tld_classes);
	tcase_add_test(copy, cause_evidence_unknown_value);
	tcase_add_test(copy, cause_evidence_unknown_source);
	tcase_add_test(copy, overlap_names_absent_article);
	tcase_add_test(copy, lint_fix_example_wrong);
	tcase_add_test(copy, lint_fix_outcome_and_load_errors);
	tcase_add_test(copy, keep_going_skips_broken_article);
	tcase_add_test(copy, keep_going_cli);
	tcase_add_test(copy, keep_going_drops_uncompilable_article);
	tcase_add_test(copy, cli_info_line_no_incident);
	tcase_add_test(copy, cli_kb_test_counter_example_matches);
	suite_add_tcase(s, copy);
	return s;
}
