/* match: the rule base's patterns against log lines. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "testutil.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

/*
 * One <symptom> on one line; case_attr is "" or ` case="..."`. The symptom's
 * <pattern> is on the line the symptom is on.
 */
static char *
symptom(const char *id, const char *case_attr, const char *pattern,
    const char *example, const char *counter)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "    <symptom id=\"%s\" role=\"primary\"%s><message>m</message>"
	    "<pattern>%s</pattern><example>%s</example>", id, case_attr, pattern, example);
	if (counter)
		buf_printf(&b, "<counter-example>%s</counter-example>", counter);
	buf_puts(&b, "</symptom>");
	return buf_detach(&b);
}

/* Add article `id` with the given symptoms (each a symptom() result, freed). */
static void
add(struct kb *k, const char *id, ...)
{
	struct buf syms = BUF_INIT, name = BUF_INIT;
	char err[ERR_LEN], *s, *xml;
	va_list ap;

	va_start(ap, id);
	while ((s = va_arg(ap, char *)) != NULL) {
		buf_printf(&syms, "%s%s", syms.len ? "\n" : "", s);
		free(s);
	}
	va_end(ap);
	xml = tu_article(id, buf_str(&syms), NULL, NULL);
	buf_printf(&name, "%s.xml", id);
	ck_assert_msg(kb_add_article(k, buf_str(&name), xml, strlen(xml), err) == 0,
	    "kb_add_article: %s", err);
	free(xml);
	buf_free(&syms);
	buf_free(&name);
}

static const struct kb_symptom *
find_symptom(const struct kb *k, const char *article, const char *id)
{
	const struct kb_article *a = kb_find_article(k, article);
	size_t i;

	ck_assert_msg(a != NULL, "no article %s", article);
	for (i = 0; i < a->nsymptoms; i++)
		if (strcmp(a->symptoms[i].id, id) == 0)
			return &a->symptoms[i];
	ck_abort_msg("article %s has no symptom %s", article, id);
	return NULL;
}

/* match_line on a string (or on len bytes when len is not 0). */
static size_t
hits_of(struct matcher *m, const char *line, size_t len, const struct match_hit **hits,
    const struct kb_symptom **gave_up)
{
	return match_line(m, line, len ? len : strlen(line), hits, gave_up);
}

/* The line must hit exactly one symptom, and nothing must give up. */
static void
assert_one_hit(struct matcher *m, const char *line, const char *article,
    const char *symptom_id)
{
	const struct match_hit *hits = NULL;
	const struct kb_symptom *gave_up = (const struct kb_symptom *)&hits;
	size_t n = hits_of(m, line, 0, &hits, &gave_up);

	ck_assert_msg(n == 1, "\"%s\": %zu hits, expected 1 (%s)", line, n, symptom_id);
	ck_assert_ptr_null(gave_up);
	ck_assert_str_eq(hits[0].article->id, article);
	ck_assert_str_eq(hits[0].symptom->id, symptom_id);
}

static void
assert_no_hit(struct matcher *m, const char *line, size_t len)
{
	const struct match_hit *hits = NULL;
	const struct kb_symptom *gave_up = (const struct kb_symptom *)&hits;
	size_t n = hits_of(m, line, len, &hits, &gave_up);

	ck_assert_msg(n == 0, "\"%s\": %zu hits (%s), expected none", line, n,
	    n ? hits[0].symptom->id : "");
	ck_assert_ptr_nonnull(hits);
	ck_assert_ptr_null(gave_up);
}



/* ---------------------------------------------------------------------- */

static struct kb *kb;
static struct matcher *m;

static void
setup(void)
{
	kb = tu_kb_mini();
	m = tu_matcher(kb);
}

static void
teardown(void)
{
	match_free(m);
	kb_free(kb);
	m = NULL;
	kb = NULL;
}

/* Recompile the fixture's matcher after adding articles to its kb. */
static void
recompile(void)
{
	match_free(m);
	m = tu_matcher(kb);
}

START_TEST(compiles_real_kb)
{
	ck_assert_uint_eq(match_pattern_count(m), 3);
	ck_assert_uint_eq(match_prefiltered_count(m), 3);
}
END_TEST

START_TEST(sample_lines_hit_their_symptom)
{
	assert_one_hit(m, "10:41:07 - Error (119) Network Write Error,", "Q123827",
	    "network-write-119");
	assert_one_hit(m, "Error (119) Network Write Error", "Q123827",
	    "network-write-119");
	assert_one_hit(m, "10:52:31 - ERROR Network_read: Lost network connection",
	    "Q100709", "network-read-lost");
	assert_one_hit(m, "10:52:31 - ERROR Network_read:Lost network connection",
	    "Q100709", "network-read-lost");
	assert_one_hit(m, "10:52:31 - SMTP_recv: system error", "Q100709",
	    "smtp-recv-system");
}
END_TEST

START_TEST(hits_are_in_kb_order)
{
	const char *line = "Error (119) Network Write Error; SMTP_recv: system error; "
	    "Network_read: Lost network connection";
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;
	size_t n = hits_of(m, line, 0, &hits, &gave_up);

	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_null(gave_up);
	ck_assert_str_eq(hits[0].symptom->id, "network-read-lost");
	ck_assert_str_eq(hits[1].symptom->id, "smtp-recv-system");
	ck_assert_str_eq(hits[2].symptom->id, "network-write-119");
	ck_assert_ptr_eq(hits[0].article, kb_find_article(kb, "Q100709"));
	ck_assert_ptr_eq(hits[2].article, kb_find_article(kb, "Q123827"));
	ck_assert_ptr_eq(hits[2].symptom, &hits[2].article->symptoms[0]);
}
END_TEST

START_TEST(normal_traffic_hits_nothing)
{
	static const char *lines[] = {
		"",
		"09:16:08 - Connecting to smart SMTP host",
		" [rx] 250 2.1.0 Ok",
		" [tx] MAIL FROM:<JSMITH@hq.contoso.example>",
		"09:16:11 - SMTP_close(socket=257)",
		"10:41:07 - ERROR write: (119) network error",
		"10:41:07 - Error (116) Network Read Error",
		"10:52:31 - ERROR network_read: timed out",
		"10:52:31 - SMTP_recv: protocol error",
		"xError (119) Network Write Error",	/* \b */
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_no_hit(m, lines[i], 0);
}
END_TEST

/*
 * A delivery that failed, by its MTA's status syntax, looks like an error
 * (so that, unmatched, the summary lists it) whatever its words; a delivery
 * that went, or a line that only looks like the syntax, does not.
 */
START_TEST(delivery_failures_look_like_errors)
{
	static const char *failed[] = {
		"Nov 23 10:15:02 mx1 postfix/smtp[4711]: 4F2A91C03: to=<ops@example.com>, "
		    "relay=none, delay=0.12, dsn=4.4.1, status=deferred (host or domain name "
		    "not found)",
		"Nov 23 10:15:02 mx1 postfix/smtp[4711]: 4F2A91C03: to=<ops@example.com>, "
		    "relay=mx.example.com[192.0.2.7]:25, status=bounced (host said: 550 5.1.1 "
		    "no such user)",
		"Nov 23 10:15:02 mx1 postfix/local[4711]: 4F2A91C03: to=<a@example.com>, "
		    "status=undeliverable (unknown user)",
		"Nov 23 10:15:02 mx1 postfix/qmgr[4711]: 4F2A91C03: from=<a@example.com>, "
		    "status=expired, returned to sender",
		"2026-11-23 10:15:02 1rXyZa-0001Ab-Cd ** ops@example.com R=dnslookup: "
		    "Unrouteable address",
		"2026-11-23 10:15:02 1rXyZa-0001Ab-Cd ** ops@example.com R=dnslookup "
		    "T=remote_smtp: all relevant MX records point to non-existent hosts",
		"2026-11-23 10:15:02 1rXyZa-00000000Ab1-Cd12 == ops@example.com "
		    "R=dnslookup T=remote_smtp defer (-53): retry time not reached",
		"Nov 23 10:15:02 mx1 sendmail[4711]: xANAF2a4711: to=<ops@example.com>, "
		    "delay=00:00:00, mailer=esmtp, pri=30000, relay=example.com, "
		    "dsn=5.1.2, stat=Host unknown (Name server: example.com: host not found)",
		"Nov 23 10:15:02 mx1 sendmail[4711]: xANAF2a4711: to=<ops@example.com>, "
		    "mailer=esmtp, relay=mx.example.com., stat=Deferred: Connection "
		    "closed by mx.example.com.",
		"Nov 23 10:15:02 mx1 sendmail[4711]: xANAF2a4711: to=ops, stat=User unknown",
		"Nov 23 10:15:02 mx1 other[1]: id 7: dsn=5.7.1 (rejected)",
	};
	static const char *fine[] = {
		"Nov 23 10:15:02 mx1 postfix/smtp[4711]: 4F2A91C03: to=<ops@example.com>, "
		    "relay=mx.example.com[192.0.2.7]:25, dsn=2.0.0, status=sent (250 Ok)",
		"Nov 23 10:15:02 mx1 sendmail[4711]: xANAF2a4711: to=<ops@example.com>, "
		    "mailer=esmtp, dsn=2.0.0, stat=Sent (xANAF2b4712 Message accepted)",
		"Nov 23 10:15:02 mx1 sendmail[4711]: xANAF2a4711: to=<ops@example.com>, "
		    "stat=queued",
		"2026-11-23 10:15:02 1rXyZa-0001Ab-Cd => ops@example.com R=dnslookup",
		"2026-11-23 10:15:02 a note ** not after a message id",
		"2026-11-23 10:15:02 x == y",
		"Nov 23 10:15:02 mx1 app[1]: laststatus=deferred, xstat=Host, dsn=2.0.0",
	};
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;
	size_t i;

	for (i = 0; i < sizeof(failed) / sizeof(failed[0]); i++) {
		(void)match_line(m, failed[i], strlen(failed[i]), &hits, &gave_up);
		ck_assert_msg(match_looks_like_error(m), "not an error: %s", failed[i]);
	}
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		(void)match_line(m, fine[i], strlen(fine[i]), &hits, &gave_up);
		ck_assert_msg(!match_looks_like_error(m), "an error: %s", fine[i]);
	}
}
END_TEST

/* The bundled log: the five error lines hit, everything else does not. */
START_TEST(sample_log)
{
	char *path = tu_src("kb/samples/smtpgate.log");
	char *log = tu_read(path, NULL), *line, *save = NULL;
	size_t lines = 0, hitting = 0, write119 = 0;

	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const struct match_hit *hits;
		const struct kb_symptom *gave_up;
		size_t n = hits_of(m, line, 0, &hits, &gave_up);

		lines++;
		ck_assert_ptr_null(gave_up);
		ck_assert_uint_le(n, 1);
		if (n == 0)
			continue;
		hitting++;
		if (strcmp(hits[0].symptom->id, "network-write-119") == 0)
			write119++;
	}
	ck_assert_uint_gt(lines, 100);
	ck_assert_uint_eq(hitting, 5);
	ck_assert_uint_eq(write119, 3);
	free(log);
	free(path);
}
END_TEST

START_TEST(caseless_by_default)
{
	ck_assert_int_eq(find_symptom(kb, "Q123827", "network-write-119")->caseless, 1);
	assert_one_hit(m, "error (119) NETWORK WRITE ERROR", "Q123827", "network-write-119");
	assert_one_hit(m, "network_read: LOST NETWORK CONNECTION", "Q100709",
	    "network-read-lost");
}
END_TEST

START_TEST(case_sensitive_respected)
{
	const struct kb_symptom *s;

	/* The sensitive pattern comes first in the prefilter, the caseless after. */
	add(kb, "Q10000",
	    symptom("disk-full", " case=\"sensitive\"", "Disk Full", "Disk Full", "DISK FULL"),
	    symptom("out-of-paper", " case=\"insensitive\"", "Out of paper",
	    "OUT OF PAPER", NULL),
	    NULL);
	recompile();
	s = find_symptom(kb, "Q10000", "disk-full");
	ck_assert_int_eq(s->caseless, 0);
	ck_assert_int_eq(find_symptom(kb, "Q10000", "out-of-paper")->caseless, 1);
	ck_assert_uint_eq(match_pattern_count(m), 5);
	ck_assert_uint_eq(match_prefiltered_count(m), 5);
	assert_one_hit(m, "12:00:00 - Disk Full", "Q10000", "disk-full");
	assert_no_hit(m, "12:00:00 - DISK FULL", 0);
	assert_no_hit(m, "12:00:00 - disk full", 0);
	assert_one_hit(m, "12:00:00 - out OF paper", "Q10000", "out-of-paper");
	assert_one_hit(m, "ERROR (119) NETWORK WRITE ERROR", "Q123827", "network-write-119");
	ck_assert_int_eq(match_symptom(m, s, "DISK FULL", 9), 0);
	ck_assert_int_eq(match_symptom(m, s, "Disk Full", 9), 1);
}
END_TEST

/*
 * The literals a pattern requires ("zephyr", "quorum", "lost") are searched
 * for in the line 16 positions at a time: a match is found wherever they
 * sit (at the start, across a 16-byte boundary, at the very end, in any
 * case), by the matcher and by its clone, and a line missing one is not.
 */
START_TEST(required_literals_at_any_offset)
{
	struct matcher *c;
	char line[128];
	size_t pad, tail, k;

	add(kb, "Q10001",
	    symptom("zephyr-quorum", "", "\\bZephyr\\s+quorum\\s+lost\\b", "Zephyr quorum lost",
	    NULL),
	    NULL);
	recompile();
	c = match_clone(m);
	for (pad = 0; pad < 40; pad++)
		for (tail = 0; tail < 20; tail += 19) {
			struct matcher *both[2] = { m, c };

			for (k = 0; k < 2; k++) {
				snprintf(line, sizeof(line), "%.*s%s%.*s", (int)pad,
				    "----------------------------------------",
				    pad % 2 ? "ZEPHYR  Quorum\tlost" : "Zephyr quorum lost",
				    (int)tail, " ...................");
				assert_one_hit(both[k], line, "Q10001", "zephyr-quorum");
				snprintf(line, sizeof(line), "%.*sZephyr quorum los", (int)pad,
				    "----------------------------------------");
				assert_no_hit(both[k], line, 0);
				snprintf(line, sizeof(line), "%.*sZephyr quoru lost", (int)pad,
				    "----------------------------------------");
				assert_no_hit(both[k], line, 0);
			}
		}
	/* The bytes after len are not the line's. */
	assert_no_hit(m, "Zephyr quorum lost", 17);
	match_free(c);
}
END_TEST

START_TEST(nul_bytes_in_a_line)
{
	static const char line[] = "\0\0 Error (119) Network Write Error\0tail";
	static const char split[] = "Error (119)\0Network Write Error";
	static const char nuls[64] = { 0 };
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;

	ck_assert_uint_eq(match_line(m, line, sizeof(line) - 1, &hits, &gave_up), 1);
	ck_assert_str_eq(hits[0].symptom->id, "network-write-119");
	/* The bytes after a NUL count too. */
	ck_assert_uint_eq(match_line(m, "x\0SMTP_recv: system error", 25, &hits, &gave_up),
	    1);
	ck_assert_str_eq(hits[0].symptom->id, "smtp-recv-system");
	/* A NUL is not a space. */
	assert_no_hit(m, split, sizeof(split) - 1);
	assert_no_hit(m, nuls, sizeof(nuls));
	/* len is honoured: the match is past the end. */
	assert_no_hit(m, "SMTP_recv: system error", 15);
}
END_TEST

START_TEST(pattern_that_does_not_compile)
{
	char err[ERR_LEN], *path = tu_src("kb/articles/Q999999.xml");
	struct matcher *bad = (struct matcher *)&bad;
	struct buf want = BUF_INIT;

	add(kb, "Q999999",
	    symptom("fine", "", "fine", "fine", NULL),
	    symptom("broken", "", "Network_read: (Lost", "x", NULL),
	    NULL);
	ck_assert_int_eq(match_compile(kb, &bad, err), -1);
	ck_assert_ptr_null(bad);
	buf_printf(&want, "%s:8: Q999999 symptom 'broken': pattern does not compile at "
	    "offset 19: missing closing parenthesis", path);
	ck_assert_str_eq(err, buf_str(&want));
	buf_free(&want);
	free(path);
}
END_TEST

START_TEST(numbered_backrefs_rejected)
{
	static const char *patterns[] = { "(ERROR) \\1", "(ERROR) \\g{1}", "(ERROR) \\g1",
	    "(ERROR) \\g{-1}", "(ERROR) (?:x|\\1)",
	    "(ERROR)?(?(1)x|y)" };	/* a condition on a group number, too */
	char err[ERR_LEN], *path = tu_src("kb/articles/Q999999.xml");
	struct buf want = BUF_INIT;
	size_t i;

	buf_printf(&want, "%s:7: Q999999 symptom 'twice': back-references and conditions "
	    "on groups are not allowed in rule patterns", path);
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		struct kb *k = tu_kb_mini();
		struct matcher *bad = (struct matcher *)&bad;

		add(k, "Q999999", symptom("twice", "", patterns[i], "ERROR ERROR", NULL), NULL);
		ck_assert_int_eq(match_compile(k, &bad, err), -1);
		ck_assert_ptr_null(bad);
		ck_assert_msg(strcmp(err, buf_str(&want)) == 0, "pattern %s: got \"%s\"",
		    patterns[i], err);
		kb_free(k);
	}
	buf_free(&want);
	free(path);
}
END_TEST

/*
 * prefix, n times c, then suffix, in a zeroed buffer with room to spare:
 * PCRE2's JIT may read a little past the subject, and valgrind should see
 * initialised bytes there.
 */
static char *
long_line(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t plen = strlen(prefix), slen = strlen(suffix);
	char *line = calloc(1, plen + n + slen + 64);

	ck_assert_ptr_nonnull(line);
	memcpy(line, prefix, plen);
	memset(line + plen, c, n);
	memcpy(line + plen + n, suffix, slen);
	return line;
}

/* A long line of x's then "!y": every start position backtracks exponentially. */
static char *
pathological_line(const char *prefix, size_t n)
{
	return long_line(prefix, 'x', n, "!y");
}

START_TEST(catastrophic_pattern_gives_up)
{
	const struct match_hit *hits;
	const struct kb_symptom *gave_up, *slow;
	char *line = pathological_line("", 5000);
	char *mixed = pathological_line("Error (119) Network Write Error ", 5000);
	size_t n;

	add(kb, "Q10000", symptom("slow", "", "(x+x+)+y", "xxy", NULL), NULL);
	recompile();
	slow = find_symptom(kb, "Q10000", "slow");

	n = match_line(m, line, strlen(line), &hits, &gave_up);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_eq(gave_up, slow);
	ck_assert_int_eq(match_symptom(m, slow, line, strlen(line)), -1);

	/* The other patterns still run on that line. */
	n = match_line(m, mixed, strlen(mixed), &hits, &gave_up);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(hits[0].symptom->id, "network-write-119");
	ck_assert_ptr_eq(gave_up, slow);

	/* And the next, ordinary line is matched as usual. */
	assert_one_hit(m, "xxy", "Q10000", "slow");
	assert_one_hit(m, "Error (119) Network Write Error", "Q123827", "network-write-119");
	ck_assert_int_eq(match_symptom(m, slow, "xxy", 3), 1);
	free(line);
	free(mixed);
}
END_TEST

START_TEST(nested_quantifier_gives_up)
{
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;
	char *line = long_line("", 'a', 5000, "b");

	add(kb, "Q999999", symptom("nested", "", "^(a+)+$", "aaa", NULL), NULL);
	recompile();
	ck_assert_uint_eq(match_line(m, line, strlen(line), &hits, &gave_up), 0);
	ck_assert_ptr_eq(gave_up, find_symptom(kb, "Q999999", "nested"));
	assert_one_hit(m, "aaaa", "Q999999", "nested");
	free(line);
}
END_TEST

/*
 * Patterns that would change the meaning of the whole alternation stay out of
 * the prefilter, and still match. They come first in KB order (Q10000) so
 * that, were they in it, they would swallow the patterns after them.
 */
START_TEST(unsafe_patterns_kept_out_of_prefilter)
{
	add(kb, "Q10000",
	    symptom("commit", "", "Disk (*COMMIT)full", "Disk full", NULL),
	    symptom("quoted", "", "\\QPaper [out]", "Paper [out]", NULL),
	    symptom("extended", "", "(?x) Toner \\s+ low  # a comment", "Toner  low", NULL),
	    symptom("comment", "", "Fan(?# not here) stopped", "Fan stopped", NULL),
	    symptom("safe", "", "Lid open", "Lid open", NULL),
	    NULL);
	recompile();
	ck_assert_uint_eq(match_pattern_count(m), 8);
	ck_assert_uint_eq(match_prefiltered_count(m), 4);
	assert_one_hit(m, "Disk full", "Q10000", "commit");
	assert_one_hit(m, "- Paper [out] -", "Q10000", "quoted");
	assert_one_hit(m, "Toner \t low", "Q10000", "extended");
	assert_one_hit(m, "Fan stopped", "Q10000", "comment");
	assert_one_hit(m, "LID OPEN", "Q10000", "safe");
	/* The patterns after them in the prefilter are unharmed. */
	assert_one_hit(m, "Disk Error (119) Network Write Error", "Q123827",
	    "network-write-119");
	assert_one_hit(m, "SMTP_recv: system error", "Q100709", "smtp-recv-system");
	assert_no_hit(m, "Paper out", 0);
	assert_no_hit(m, "Disk is full", 0);
}
END_TEST

/*
 * Group numbers are absolute: inside the prefilter's alternation, (?1) would
 * call another pattern's group, (?R) the whole alternation and (?&w) another
 * pattern's group of the same name. Such patterns must still find every line
 * they match on their own. Their examples do not show the difference, so the
 * prefilter's check of the examples cannot catch it.
 */
START_TEST(group_references_survive_prefilter)
{
	static const struct {
		const char	*pattern, *example, *line;
	} cases[] = {
		{ "(foo|baz)(?1)", "foofoo", "bazbaz" },
		{ "(foo|baz)(?-1)", "foofoo", "bazbaz" },
		{ "(?&lt;w&gt;foo|baz)(?&amp;w)", "foofoo", "bazbaz" },
		{ "(?P&lt;w&gt;foo|baz)(?P&gt;w)", "foofoo", "bazbaz" },
		{ "(foo|baz)\\g&lt;1&gt;", "foofoo", "bazbaz" },
		{ "&lt;(?:[^&lt;&gt;]|(?R))*&gt;", "&lt;a&gt;", "<<a><b>>" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kb *k = tu_kb_mini();
		struct matcher *mm;
		const struct match_hit *hits;
		const struct kb_symptom *gave_up;
		const struct kb_symptom *s;
		size_t n;

		/* Q10000 comes first: its group is group 1 of the alternation. */
		add(k, "Q10000", symptom("first", "", "(?&lt;w&gt;foo|bar)!", "foo!", NULL),
		    NULL);
		add(k, "Q999999", symptom("refs", "", cases[i].pattern, cases[i].example,
		    NULL), NULL);
		mm = tu_matcher(k);
		/*
		 * The mini base's three patterns have literals; "first" and
		 * "refs" have none of three bytes, so they run on every line.
		 */
		ck_assert_msg(match_prefiltered_count(mm) == 3, "pattern %s: %zu prefiltered",
		    cases[i].pattern, match_prefiltered_count(mm));
		s = find_symptom(k, "Q999999", "refs");
		ck_assert_int_eq(match_symptom(mm, s, cases[i].line, strlen(cases[i].line)), 1);
		n = match_line(mm, cases[i].line, strlen(cases[i].line), &hits, &gave_up);
		ck_assert_msg(n == 1 && hits[0].symptom == s,
		    "pattern %s: line \"%s\" gave %zu hits", cases[i].pattern, cases[i].line,
		    n);
		match_free(mm);
		kb_free(k);
	}
}
END_TEST

START_TEST(selftest_passes_on_real_kb)
{
	struct tu_problems pr = { 0 };

	ck_assert_uint_eq(match_selftest(m, tu_record_problem, &pr), 0);
	ck_assert_uint_eq(pr.n, 0);
	ck_assert_uint_eq(match_selftest(m, NULL, NULL), 0);
}
END_TEST

START_TEST(selftest_reports_failures)
{
	struct tu_problems pr = { 0 };
	char *path = tu_src("kb/articles/Q999999.xml");
	struct buf want = BUF_INIT;

	add(kb, "Q999999",
	    symptom("good", "", "Disk full", "Disk full", "Disk fine"),
	    symptom("bad", "", "Disk full", "Disk empty", "DISK FULL"),
	    NULL);
	recompile();
	ck_assert_uint_eq(match_selftest(m, tu_record_problem, &pr), 2);
	ck_assert_uint_eq(pr.n, 2);
	buf_printf(&want, "%s:8: Q999999 symptom 'bad': pattern does not match example "
	    "\"Disk empty\"", path);
	ck_assert_str_eq(pr.msg[0], buf_str(&want));
	buf_reset(&want);
	buf_printf(&want, "%s:8: Q999999 symptom 'bad': pattern matches counter-example "
	    "\"DISK FULL\"", path);
	ck_assert_str_eq(pr.msg[1], buf_str(&want));
	/* Without a callback it still counts. */
	ck_assert_uint_eq(match_selftest(m, NULL, NULL), 2);
	buf_free(&want);
	free(path);
}
END_TEST

START_TEST(selftest_reports_giving_up)
{
	struct tu_problems pr = { 0 };
	char *line = pathological_line("", 3000);

	add(kb, "Q999999", symptom("slow", "", "(x+x+)+y", line, NULL), NULL);
	recompile();
	ck_assert_uint_eq(match_selftest(m, tu_record_problem, &pr), 1);
	ck_assert_uint_eq(pr.n, 1);
	ck_assert_contains(pr.msg[0], "/kb/articles/Q999999.xml:7: Q999999 symptom 'slow': "
	    "pattern gives up (match limit) on example \"xxx");
	free(line);
}
END_TEST

START_TEST(match_one_symptom)
{
	const struct kb_symptom *s = find_symptom(kb, "Q100709", "network-read-lost");
	struct kb_symptom stranger = *s;

	ck_assert_int_eq(match_symptom(m, s, "ERROR Network_read: Lost network connection",
	    43), 1);
	ck_assert_int_eq(match_symptom(m, s, "ERROR network_read: timed out", 29), 0);
	ck_assert_int_eq(match_symptom(m, s, "Error (119) Network Write Error", 31), 0);
	ck_assert_int_eq(match_symptom(m, s, "", 0), 0);
	/* A symptom that is not the matcher's matches nothing. */
	ck_assert_int_eq(match_symptom(m, &stranger,
	    "ERROR Network_read: Lost network connection", 43), 0);
}
END_TEST

START_TEST(free_null)
{
	match_free(NULL);
	ck_assert_uint_eq(match_pattern_count(m), 3);
}
END_TEST

Suite *
match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("match");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, compiles_real_kb);
	tcase_add_test(tc, sample_lines_hit_their_symptom);
	tcase_add_test(tc, hits_are_in_kb_order);
	tcase_add_test(tc, normal_traffic_hits_nothing);
	tcase_add_test(tc, delivery_failures_look_like_errors);
	tcase_add_test(tc, sample_log);
	tcase_add_test(tc, caseless_by_default);
	tcase_add_test(tc, case_sensitive_respected);
	tcase_add_test(tc, required_literals_at_any_offset);
	tcase_add_test(tc, nul_bytes_in_a_line);
	tcase_add_test(tc, pattern_that_does_not_compile);
	tcase_add_test(tc, numbered_backrefs_rejected);
	tcase_add_test(tc, catastrophic_pattern_gives_up);
	tcase_add_test(tc, nested_quantifier_gives_up);
	tcase_add_test(tc, unsafe_patterns_kept_out_of_prefilter);
	tcase_add_test(tc, group_references_survive_prefilter);
	tcase_add_test(tc, selftest_passes_on_real_kb);
	tcase_add_test(tc, selftest_reports_failures);
	tcase_add_test(tc, selftest_reports_giving_up);
	tcase_add_test(tc, match_one_symptom);
	tcase_add_test(tc, free_null);
	suite_add_tcase(s, tc);
	return s;
}
