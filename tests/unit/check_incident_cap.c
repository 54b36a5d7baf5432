/*
 * The cap on incidents held in memory (diag.h DIAG_MAX_INCIDENTS,
 * correlate_set_max()): past it a line whose incident is not there yet makes
 * none, and the incidents, lines and attempts that would have been are
 * counted in the summary, in every format, with a warning; the incidents
 * already held go on counting; and at the real cap what diagnose writes is
 * what replay reads.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/buf.h"
#include "diag.h"
#include "render.h"
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

Suite *
incident_cap_suite(void)
{
	Suite *s = suite_create("incident_cap");
	TCase *tc = tcase_create("incident_cap");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, past_the_cap_counted_not_held);
	tcase_add_test(tc, each_incident_counted_once);
	tcase_add_test(tc, reads_what_it_wrote_at_the_cap);
	suite_add_tcase(s, tc);
	return s;
}
