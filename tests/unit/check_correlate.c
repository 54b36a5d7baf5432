/*
 * correlate: from matched lines to incidents, directly (issue 16: the module
 * was only tested through diag_run and the case files). Records are built
 * here as the reader would give them (legacy lines of the gateway), with hits
 * on real articles of the rule base, so that each rule of correlate.h is held
 * on its own: one incident per article, peer and source; attempts counted;
 * the fallback peer; first and last seen among dated lines only; episodes
 * split by a quiet gap; the frequency threshold; companions within
 * CORRELATE_COMPANION_LINES lines of the same log; info never an incident;
 * the incident cap and what it counts.
 */
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "diag.h"
#include "kb.h"
#include "logtime.h"
#include "testutil.h"
#include "util/xmem.h"

static struct kb *kb;
static struct diagnosis *d;
static struct correlator *c;

static const struct kb_symptom *
symptom(const char *article, const char *id)
{
	const struct kb_article *a = kb_find_article(kb, article);
	size_t i;

	ck_assert_msg(a != NULL, "%s not in the rule base", article);
	for (i = 0; i < a->nsymptoms; i++)
		if (strcmp(a->symptoms[i].id, id) == 0)
			return &a->symptoms[i];
	ck_abort_msg("%s has no symptom %s: update this test", article, id);
	return NULL;
}

static void
setup(void)
{
	kb = tu_kb();
	d = xcalloc(1, sizeof(*d));
	c = NULL;
}

static void
teardown(void)
{
	correlate_free(c);
	diag_free(d);
	kb_free(kb);
}

static void
start(const char *fallback_host, unsigned fallback_port)
{
	struct diag_peer fb = { (char *)fallback_host, fallback_port, NULL };

	c = correlate_new(d, &fb);
}

/*
 * A legacy line as the reader gives it: file, line number, its log time
 * (t < 0: undated), the smart host it names (NULL: none), its text.
 */
static void
record(struct reader_record *r, const char *file, unsigned long n, long long t,
    const char *host, const char *text)
{
	memset(r, 0, sizeof(*r));
	r->file = file;
	r->line = n;
	r->kind = READER_EVENT;
	r->format = READER_FORMAT_LEGACY;
	r->raw = r->text = r->subject = text;
	r->rawlen = r->len = r->subjectlen = strlen(text);
	if (t >= 0) {
		r->has_time = r->has_date = 1;
		r->t = t;
		logtime_format(t, 1, r->when);
	}
	r->peer_host = host;
	r->peer_port = host ? 25 : 0;
}

/* One such line of Error (119), correlated with its hit (article, symptom). */
static void
line(const char *file, unsigned long n, long long t, const char *host,
    const char *article, const char *sym)
{
	struct reader_record r;
	struct match_hit h;

	record(&r, file, n, t, host, "Error (119) Network Write Error");
	h.symptom = symptom(article, sym);
	h.article = kb_find_article(kb, article);
	correlate_record(c, &r, &h, 1);
}

#define W119(file, n, t, host) line(file, n, t, host, "Q123827", "network-write-119")

static const struct diag_incident *
incident(size_t i)
{
	ck_assert_uint_gt(d->nincidents, i);
	return &d->incidents[i];
}

/* The same failure at the same peer: one incident, every line an attempt;
 * first and last seen among the dated lines, an undated one changes neither. */
START_TEST(same_failure_one_incident)
{
	start(NULL, 0);
	correlate_begin_input(c, "gw.log");
	W119("gw.log", 1, 1000, "mx.example");
	W119("gw.log", 2, -1, "mx.example");
	W119("gw.log", 3, 4600, "mx.example");
	correlate_end_input(c);
	ck_assert_uint_eq(d->nincidents, 1);
	ck_assert_str_eq(incident(0)->article, "Q123827");
	ck_assert_uint_eq(incident(0)->count, 3);
	ck_assert_uint_eq(incident(0)->lines, 3);
	ck_assert_str_eq(incident(0)->peer.host, "mx.example");
	ck_assert_str_eq(incident(0)->first_seen, "1970-01-01T00:16:40");
	ck_assert_str_eq(incident(0)->last_seen, "1970-01-01T01:16:40");
	ck_assert(incident(0)->timed);
	ck_assert_int_eq(incident(0)->first_t, 1000);
	ck_assert_int_eq(incident(0)->last_t, 4600);
	ck_assert_uint_eq(incident(0)->episode, 1);
	/* 3 attempts, the first and the last one hour apart: 2 intervals in
	 * the hour (the rate counts the attempts after the first) */
	ck_assert_double_eq_tol(incident(0)->rate_per_hour, 2.0, 1e-9);
}
END_TEST

/* Two smart hosts at one address on two ports are two peers; a line that
 * names port 25 and one that names none are the same peer (25 is SMTP's). */
START_TEST(port_splits_incidents)
{
	struct reader_record r;
	struct match_hit h;
	static const struct { const char *host; unsigned port; } lines[] = {
		{ "mx.example", 25 }, { "mx.example", 2525 }, { "MX.example", 0 },
		{ "mx.example", 2525 },
	};
	size_t i;

	start(NULL, 0);
	correlate_begin_input(c, "gw.log");
	h.symptom = symptom("Q123827", "network-write-119");
	h.article = kb_find_article(kb, "Q123827");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		record(&r, "gw.log", i + 1, 10 * (long long)(i + 1), lines[i].host,
		    "Error (119) Network Write Error");
		r.peer_port = lines[i].port;
		correlate_record(c, &r, &h, 1);
	}
	correlate_end_input(c);
	ck_assert_uint_eq(d->nincidents, 2);
	ck_assert_str_eq(incident(0)->peer.host, "mx.example");
	ck_assert_uint_eq(incident(0)->peer.port, 25);
	ck_assert_uint_eq(incident(0)->count, 2);
	ck_assert_str_eq(incident(1)->peer.host, "mx.example");
	ck_assert_uint_eq(incident(1)->peer.port, 2525);
	ck_assert_uint_eq(incident(1)->count, 2);
}
END_TEST

/* Another peer, or another log (source), is another incident; a line that
 * names no peer takes the smart host in effect or the fallback. */
START_TEST(peer_and_source_split_incidents)
{
	start("fallback.example", 2525);
	correlate_begin_input(c, "a.log");
	W119("a.log", 1, 10, NULL);		/* the fallback */
	W119("a.log", 2, 20, "mx1.example");
	W119("a.log", 3, 30, "mx2.example");
	W119("a.log", 4, 40, "mx1.example");
	correlate_end_input(c);
	correlate_begin_input(c, "b.log");
	W119("b.log", 1, 50, "mx1.example");
	correlate_end_input(c);
	ck_assert_uint_eq(d->nincidents, 4);
	ck_assert_str_eq(incident(0)->peer.host, "fallback.example");
	ck_assert_uint_eq(incident(0)->peer.port, 2525);
	ck_assert(incident(0)->peer_from_cli);
	ck_assert_str_eq(incident(1)->peer.host, "mx1.example");
	ck_assert_uint_eq(incident(1)->count, 2);
	ck_assert_str_eq(incident(2)->peer.host, "mx2.example");
	ck_assert_str_eq(incident(3)->peer.host, "mx1.example");
	ck_assert_str_eq(incident(3)->source, "b.log");
	ck_assert_str_eq(incident(1)->source, "a.log");
	ck_assert_uint_eq(incident(3)->count, 1);
}
END_TEST

/* A quiet gap longer than the episode gap starts episode 2 of the same
 * article, peer and source; a gap exactly as long does not. */
START_TEST(gap_starts_a_new_episode)
{
	start(NULL, 0);
	correlate_set_gap(c, 600);
	correlate_begin_input(c, "gw.log");
	W119("gw.log", 1, 0, "mx");
	W119("gw.log", 2, 600, "mx");		/* the gap, not longer */
	W119("gw.log", 3, 1201, "mx");		/* 601 s later: a new episode */
	W119("gw.log", 4, 1300, "mx");
	correlate_end_input(c);
	ck_assert_uint_eq(d->nincidents, 2);
	ck_assert_uint_eq(incident(0)->episode, 1);
	ck_assert_uint_eq(incident(0)->count, 2);
	ck_assert_uint_eq(incident(1)->episode, 2);
	ck_assert_uint_eq(incident(1)->count, 2);
	ck_assert_int_eq(incident(1)->first_t, 1201);
}
END_TEST

/* Without a gap (the default), one episode however long the silence. */
START_TEST(no_gap_one_episode)
{
	start(NULL, 0);
	correlate_begin_input(c, "gw.log");
	W119("gw.log", 1, 0, "mx");
	W119("gw.log", 2, 86400LL * 365, "mx");
	correlate_end_input(c);
	ck_assert_uint_eq(d->nincidents, 1);
	ck_assert_uint_eq(incident(0)->count, 2);
}
END_TEST

/* Frequent: COUNT attempts within WINDOW seconds of log time, not fewer,
 * not spread wider; never without a threshold. */
START_TEST(frequency_threshold)
{
	start(NULL, 0);
	correlate_set_frequency(c, 3, 60);
	correlate_begin_input(c, "gw.log");
	/* mx1: 3 attempts in 60 s */
	W119("gw.log", 1, 0, "mx1");
	W119("gw.log", 2, 30, "mx1");
	W119("gw.log", 3, 60, "mx1");
	/* mx2: 3 attempts, but over 121 s: never 3 within 60 */
	W119("gw.log", 4, 0, "mx2");
	W119("gw.log", 5, 61, "mx2");
	W119("gw.log", 6, 121, "mx2");
	/* mx3: 2 attempts at once */
	W119("gw.log", 7, 5, "mx3");
	W119("gw.log", 8, 5, "mx3");
	correlate_end_input(c);
	ck_assert_uint_eq(d->nincidents, 3);
	ck_assert_int_eq(incident(0)->frequent, 1);
	ck_assert_int_eq(incident(1)->frequent, 0);
	ck_assert_int_eq(incident(2)->frequent, 0);
}
END_TEST

START_TEST(no_threshold_never_frequent)
{
	unsigned long i;

	start(NULL, 0);
	correlate_begin_input(c, "gw.log");
	for (i = 1; i <= 50; i++)
		W119("gw.log", i, 0, "mx");
	correlate_end_input(c);
	ck_assert_uint_eq(incident(0)->count, 50);
	ck_assert_int_eq(incident(0)->frequent, 0);
}
END_TEST

/* A companion counts with the primary line within 3 lines of the same log
 * and makes no incident of its own; further away, or in the next log, it
 * counts nowhere. */
START_TEST(companion_within_three_lines)
{
	start(NULL, 0);
	correlate_begin_input(c, "gw.log");
	line("gw.log", 10, 100, "mx", "Q100709", "network-read-lost");
	line("gw.log", 13, 101, "mx", "Q100709", "smtp-recv-system");	/* 3 lines on */
	line("gw.log", 20, 102, "mx", "Q100709", "smtp-recv-system");	/* 10 lines on */
	line("gw.log", 30, 103, "mx", "Q100709", "network-read-lost");
	correlate_end_input(c);
	correlate_begin_input(c, "gw2.log");
	line("gw2.log", 31, 104, "mx", "Q100709", "smtp-recv-system");	/* another log */
	correlate_end_input(c);
	ck_assert_uint_eq(d->nincidents, 1);
	ck_assert_str_eq(incident(0)->article, "Q100709");
	ck_assert_uint_eq(incident(0)->count, 2);
	ck_assert_uint_eq(incident(0)->lines, 2);
	ck_assert_uint_eq(incident(0)->companions, 1);
}
END_TEST

/* A line the companion explains gives no incident to an article for which the
 * same line is primary (Q100512's smtp-recv-system). */
START_TEST(explained_companion_is_no_other_incident)
{
	struct reader_record r;
	struct match_hit h[2];

	start(NULL, 0);
	correlate_begin_input(c, "gw.log");
	line("gw.log", 1, 100, "mx", "Q100709", "network-read-lost");
	record(&r, "gw.log", 2, -1, "mx", "SMTP_recv: system error");
	h[0].article = kb_find_article(kb, "Q100709");
	h[0].symptom = symptom("Q100709", "smtp-recv-system");
	h[1].article = kb_find_article(kb, "Q100512");
	h[1].symptom = symptom("Q100512", "smtp-recv-system");
	correlate_record(c, &r, h, 2);
	/* alone, the same line is Q100512's incident */
	r.line = 50;
	correlate_record(c, &r, h, 2);
	correlate_end_input(c);
	ck_assert_uint_eq(d->nincidents, 2);
	ck_assert_str_eq(incident(0)->article, "Q100709");
	ck_assert_uint_eq(incident(0)->companions, 1);
	ck_assert_str_eq(incident(1)->article, "Q100512");
	ck_assert_uint_eq(incident(1)->count, 1);
}
END_TEST

/* A symptom of severity info (a normal line) never makes an incident. */
START_TEST(info_never_an_incident)
{
	start("mx", 25);
	correlate_begin_input(c, "gw.log");
	line("gw.log", 1, 0, "mx", "Q137044", "start-mail-input-354");
	line("gw.log", 2, 1, "mx", "Q137044", "start-mail-input-354");
	correlate_end_input(c);
	ck_assert_uint_eq(d->nincidents, 0);
}
END_TEST

/* Past the cap no incident is made: each incident not held is counted once,
 * with its lines and attempts; incidents held go on counting. */
START_TEST(cap_counts_what_is_not_held)
{
	start(NULL, 0);
	correlate_set_max(c, 2);
	correlate_begin_input(c, "gw.log");
	W119("gw.log", 1, 0, "mx1");
	W119("gw.log", 2, 0, "mx2");
	W119("gw.log", 3, 0, "mx3");
	W119("gw.log", 4, 0, "mx3");
	W119("gw.log", 5, 0, "mx4");
	W119("gw.log", 6, 0, "mx1");
	correlate_end_input(c);
	ck_assert_uint_eq(d->nincidents, 2);
	ck_assert_uint_eq(incident(0)->count, 2);
	ck_assert_uint_eq(incident(1)->count, 1);
	ck_assert_uint_eq(d->summary.incidents_not_held, 2);
	ck_assert_uint_eq(d->summary.lines_not_held, 3);
	ck_assert_uint_eq(d->summary.attempts_not_held, 3);
}
END_TEST

Suite *
correlate_suite(void)
{
	Suite *s = suite_create("correlate");
	TCase *tc = tcase_create("correlate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, same_failure_one_incident);
	tcase_add_test(tc, peer_and_source_split_incidents);
	tcase_add_test(tc, port_splits_incidents);
	tcase_add_test(tc, gap_starts_a_new_episode);
	tcase_add_test(tc, no_gap_one_episode);
	tcase_add_test(tc, frequency_threshold);
	tcase_add_test(tc, no_threshold_never_frequent);
	tcase_add_test(tc, companion_within_three_lines);
	tcase_add_test(tc, explained_companion_is_no_other_incident);
	tcase_add_test(tc, info_never_an_incident);
	tcase_add_test(tc, cap_counts_what_is_not_held);
	suite_add_tcase(s, tc);
	return s;
}
