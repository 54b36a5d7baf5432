/* kb: loading the rule base, and refusing broken ones with a useful message. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "util/buf.h"
#include "testutil.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */



static int
load(const char *path, struct kb **out, char err[ERR_LEN], struct tu_problems *pr)
{
	struct kb_load_params p = { 0 };

	memset(pr, 0, sizeof(*pr));
	p.dir = path;
	p.on_problem = tu_record_problem;
	p.arg = pr;
	return kb_load(&p, out, err);
}

/* kb_load(dir) must fail; err and the problems are left for the caller. */
static void
load_fails(const char *path, char err[ERR_LEN], struct tu_problems *pr)
{
	struct kb *k = (struct kb *)&k;

	ck_assert_int_eq(load(path, &k, err, pr), -1);
	ck_assert_ptr_null(k);
	ck_assert_int_ge(pr->n, 1);
	/* err is the first problem, maybe with "(and N more problems)" after. */
	ck_assert_msg(strncmp(err, pr->msg[0], strlen(pr->msg[0])) == 0,
	    "err \"%s\" does not start with the first problem \"%s\"", err, pr->msg[0]);
}

static void expect_load_error(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* kb_load(dir) must fail with exactly one problem, the formatted message. */
static void
expect_load_error(const char *path, const char *fmt, ...)
{
	struct tu_problems pr;
	char err[ERR_LEN], want[ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	load_fails(path, err, &pr);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(pr.n, 1);
	ck_assert_str_eq(pr.msg[0], want);
}

static const char *
step_id(const struct kb_article *a, size_t i)
{
	ck_assert_uint_lt(i, a->nsteps);
	return a->steps[i]->id;
}

/*
 * A step as one string: `...` around code, {host} and {port} for the
 * placeholders, so that a test can pin text, spacing and code spans at once.
 */
static char *
render_step(const struct kb_step *s)
{
	struct buf b = BUF_INIT;
	int code = 0;
	size_t i;

	for (i = 0; i < s->nparts; i++) {
		const struct kb_part *p = &s->parts[i];

		if (p->code != code)
			buf_putc(&b, '`');
		code = p->code;
		switch (p->kind) {
		case KB_PART_TEXT:
			ck_assert_ptr_nonnull(p->text);
			buf_puts(&b, p->text);
			break;
		case KB_PART_PEER_HOST:
			ck_assert_ptr_null(p->text);
			buf_puts(&b, "{host}");
			break;
		case KB_PART_PEER_PORT:
			ck_assert_ptr_null(p->text);
			buf_puts(&b, "{port}");
			break;
		case KB_PART_PEER_ADDRESS:
		case KB_PART_QUEUE_ID:
		case KB_PART_FIRST_SEEN:
		case KB_PART_LAST_SEEN:
			ck_assert_ptr_null(p->text);
			buf_puts(&b, p->kind == KB_PART_PEER_ADDRESS ? "{address}" :
			    p->kind == KB_PART_QUEUE_ID ? "{queue-id}" :
			    p->kind == KB_PART_FIRST_SEEN ? "{first}" : "{last}");
			break;
		default:
			ck_abort_msg("part %zu of step %s has kind %d", i, s->id, (int)p->kind);
		}
	}
	if (code)
		buf_putc(&b, '`');
	return buf_detach(&b);
}

static const struct kb_step *
find_step(const struct kb_article *a, const char *id)
{
	size_t i;

	for (i = 0; i < a->nsteps; i++)
		if (strcmp(a->steps[i]->id, id) == 0)
			return a->steps[i];
	ck_abort_msg("article %s has no step %s", a->id, id);
	return NULL;
}

/* Write articles/<id>.xml into base. */
static void
put_article(const char *base, const char *id, const char *symptoms, const char *causes,
    const char *steps)
{
	struct buf rel = BUF_INIT;
	char *xml = tu_article(id, symptoms, causes, steps);

	buf_printf(&rel, "articles/%s.xml", id);
	tu_write_in(base, buf_str(&rel), xml);
	buf_free(&rel);
	free(xml);
}

static void
remove_in(const char *base, const char *rel)
{
	struct buf path = BUF_INIT;

	buf_printf(&path, "%s/%s", base, rel);
	ck_assert_msg(unlink(buf_str(&path)) == 0, "unlink %s", buf_str(&path));
	buf_free(&path);
}


/* ---------------------------------------------------------------------- */
/* The real rule base                                                      */

static struct kb *kb;

static void
setup_real(void)
{
	kb = tu_kb();
}

static void
teardown_real(void)
{
	kb_free(kb);
	kb = NULL;
}

/* Where an article is in kb order. */
static size_t
article_index(const struct kb *k, const char *id)
{
	size_t i;

	for (i = 0; i < kb_article_count(k); i++)
		if (strcmp(kb_article_at(k, i)->id, id) == 0)
			return i;
	ck_abort_msg("%s not in the rule base", id);
	return 0;
}

/* How many articles the source tree's rule base has. */
static size_t
real_articles(void)
{
	char *dir = tu_src("kb");
	size_t n = tu_count_files(dir, "articles", ".xml");

	free(dir);
	return n;
}

START_TEST(real_rule_base_loads)
{
	char *dir = tu_src("kb");

	ck_assert_str_eq(kb_dir(kb), dir);
	ck_assert_uint_eq(kb_article_count(kb), tu_count_files(dir, "articles", ".xml"));
	ck_assert_uint_ge(kb_cause_count(kb), 4);
	free(dir);
}
END_TEST

START_TEST(articles_sorted_by_number)
{
	size_t i, n = kb_article_count(kb);

	/* By number, not by text: Q87022 before Q100709. */
	ck_assert_str_eq(kb_article_at(kb, 0)->id, "Q87022");
	for (i = 1; i < n; i++)
		ck_assert_int_lt(strtol(kb_article_at(kb, i - 1)->id + 1, NULL, 10),
		    strtol(kb_article_at(kb, i)->id + 1, NULL, 10));
	ck_assert_ptr_null(kb_article_at(kb, n));
	ck_assert_ptr_null(kb_article_at(kb, (size_t)-1));
}
END_TEST

START_TEST(article_fields)
{
	const struct kb_article *a = kb_find_article(kb, "Q123827");

	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->id, "Q123827");
	ck_assert_str_eq(a->kind, "errmsg");
	ck_assert_str_eq(a->title, "SMTP: Err Msg: Error (119) Network Write Error");
	ck_assert_str_eq(a->modified, "1999-11-05");
	ck_assert_str_eq(a->products, "Microsoft Mail Gateway to SMTP 2.1, 3.x");
	ck_assert_str_eq(a->summary,
	    "The gateway could not write to its SMTP connection: the data it sent did "
	    "not reach the other host. The same four causes as Q100709 and Q123826 "
	    "apply, from a local TCP/IP fault to a peer that waits for the PUSH flag. "
	    "The article notes that mail sent to IBM TCP/IP Version 2 Release 2 may end "
	    "this way.");
	ck_assert_str_eq(a->keywords, "network write error 119 smart host push flag");
	ck_assert_contains(a->file, "/kb/articles/Q123827.xml");
}
END_TEST

START_TEST(article_symptom)
{
	const struct kb_article *a = kb_find_article(kb, "Q123827");
	const struct kb_symptom *s;

	ck_assert_uint_eq(a->nsymptoms, 1);
	s = &a->symptoms[0];
	ck_assert_str_eq(s->id, "network-write-119");
	ck_assert_int_eq(s->role, KB_ROLE_PRIMARY);
	ck_assert_int_eq(s->caseless, 1);
	ck_assert_str_eq(s->message, "Error (119) Network Write Error");
	ck_assert_str_eq(s->pattern, "\\bError \\(119\\) Network Write Error");
	ck_assert_uint_eq(s->nexamples, 2);
	ck_assert_str_eq(s->examples[0], "10:41:07 - Error (119) Network Write Error,");
	ck_assert_str_eq(s->examples[1], "Error (119) Network Write Error");
	ck_assert_uint_eq(s->ncounters, 2);
	ck_assert_str_eq(s->counters[0], "10:41:07 - ERROR write: (119) network error");
	ck_assert_str_eq(s->counters[1], "10:41:07 - Error (116) Network Read Error");
	ck_assert_str_eq(s->file, a->file);
	ck_assert_int_eq(s->line, 14);	/* the <pattern> element */
}
END_TEST

START_TEST(companion_symptom)
{
	const struct kb_article *a = kb_find_article(kb, "Q100709");

	ck_assert_uint_eq(a->nsymptoms, 2);
	ck_assert_str_eq(a->symptoms[0].id, "network-read-lost");
	ck_assert_int_eq(a->symptoms[0].role, KB_ROLE_PRIMARY);
	ck_assert_str_eq(a->symptoms[1].id, "smtp-recv-system");
	ck_assert_int_eq(a->symptoms[1].role, KB_ROLE_COMPANION);
	ck_assert_str_eq(a->symptoms[1].pattern, "\\bSMTP_recv: *system error");
	ck_assert_uint_eq(a->symptoms[1].nexamples, 1);
	ck_assert_uint_eq(a->symptoms[1].ncounters, 1);
	ck_assert_int_eq(a->symptoms[1].line, 21);
}
END_TEST


/* A knowledge article: its body, its facts, no symptoms. */
START_TEST(knowledge_article_fields)
{
	const struct kb_article *a = kb_find_article(kb, "Q99718");
	size_t i;
	int q = 0;

	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->kind, "reference");
	ck_assert(a->knowledge);
	ck_assert_uint_eq(a->nsymptoms, 0);
	ck_assert_uint_eq(a->ncauses, 0);
	ck_assert_uint_eq(a->nsteps, 0);
	ck_assert_uint_ge(a->nbody, 1);
	ck_assert_uint_ge(a->body[0].nparts, 1);
	for (i = 0; i < a->nfacts; i++)
		q |= strcmp(a->facts[i]->table, "switches") == 0 &&
		    strcmp(a->facts[i]->key, "q") == 0;
	ck_assert_msg(q, "Q99718 does not list switches:q among its facts");
	ck_assert(!kb_find_article(kb, "Q123827")->knowledge);
}
END_TEST

/* Every config, reference and other article of the source index is here. */
START_TEST(knowledge_articles_counted)
{
	size_t i, n = 0;

	for (i = 0; i < kb_article_count(kb); i++)
		n += kb_article_at(kb, i)->knowledge;
	ck_assert_uint_eq(n, 72);
	ck_assert_uint_eq(kb_article_count(kb), 144);
}
END_TEST

/* A diagnosis loads the articles with symptoms only, and no vocabulary. */
START_TEST(problems_only_leaves_out_knowledge)
{
	struct kb_load_params p = { 0 };
	struct kb *pk;
	char err[ERR_LEN], *dir = tu_src("kb");
	size_t i;

	p.dir = dir;
	p.problems_only = 1;
	ck_assert_msg(kb_load(&p, &pk, err) == 0, "%s", err);
	ck_assert_uint_eq(kb_article_count(pk), 72);
	for (i = 0; i < kb_article_count(pk); i++)
		ck_assert(!kb_article_at(pk, i)->knowledge);
	ck_assert_ptr_nonnull(kb_find_article(pk, "Q123827"));
	ck_assert_ptr_null(kb_find_article(pk, "Q99718"));
	ck_assert_uint_eq(kb_term_count(pk), 0);
	ck_assert_ptr_nonnull(kb_find_row(pk, "gateway:conventional-memory"));
	kb_free(pk);
	free(dir);
}
END_TEST

START_TEST(rows_and_their_text)
{
	const struct kb_row *r = kb_find_row(kb, "tcptsr:lanman-2.2b");

	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(kb_row_field(r, "bytes"), "42716");
	ck_assert_ptr_nonnull(kb_row_field(r, "note"));
	ck_assert_ptr_null(kb_row_field(r, "colour"));
	ck_assert_ptr_null(kb_find_row(kb, "tcptsr:nothing"));
	ck_assert_ptr_null(kb_find_row(kb, "nocolon"));
	ck_assert_ptr_nonnull(kb_find_row(kb, "gateway:conventional-memory"));
	ck_assert_ptr_nonnull(kb_find_row(kb, "files:from-nc-api"));
	ck_assert_ptr_nonnull(kb_find_row(kb, "stacks:nt-tcpip"));
	ck_assert_ptr_eq(kb_row_at(kb, kb_row_count(kb)), NULL);
}
END_TEST

START_TEST(vocabulary_loaded)
{
	size_t i, j, n = kb_term_count(kb);
	int mainframe = 0, mail = 0;

	ck_assert_uint_ge(n, 50);
	for (i = 0; i < n; i++) {
		const struct kb_term *t = kb_term_at(kb, i);

		ck_assert_uint_ge(t->nsaid, 1);
		for (j = 0; j < t->nsaid; j++)
			mainframe |= strcmp(t->said[j], "mainframe") == 0;
	}
	for (i = 0; i < kb_context_count(kb); i++)
		mail |= strcmp(kb_context_at(kb, i)->topic, "mail") == 0;
	ck_assert(mainframe);
	ck_assert(mail);
	ck_assert_ptr_null(kb_term_at(kb, n));
}
END_TEST

START_TEST(article_causes_with_priors)
{
	static const char *ids[] = { "tcpip-layer-error", "peer-host-down",
	    "network-path-down", "peer-requires-push" };
	static const double priors[] = { 0.3, 0.3, 0.3, 0.1 };
	const struct kb_article *a = kb_find_article(kb, "Q123827");
	size_t i;

	ck_assert_uint_eq(a->ncauses, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_str_eq(a->causes[i].cause->id, ids[i]);
		ck_assert_ptr_eq(a->causes[i].cause, kb_find_cause(kb, ids[i]));
		ck_assert_double_eq_tol(a->causes[i].prior, priors[i], 1e-9);
	}
}
END_TEST

START_TEST(cause_catalog)
{
	static const char *ids[] = { "tcpip-layer-error", "peer-host-down",
	    "network-path-down", "peer-requires-push" };
	const struct kb_cause *c;
	size_t i;

	for (i = 0; i < 4; i++) {
		c = kb_find_cause(kb, ids[i]);
		ck_assert_msg(c != NULL, "cause %s missing", ids[i]);
		ck_assert_ptr_eq(kb_cause_at(kb, i), c);
		ck_assert_str_eq(c->id, ids[i]);
		ck_assert_uint_gt(strlen(c->title), 0);
		ck_assert_uint_gt(strlen(c->description), 0);
	}
	ck_assert_ptr_null(kb_cause_at(kb, kb_cause_count(kb)));
	ck_assert_ptr_null(kb_find_cause(kb, "gremlins"));
	ck_assert_ptr_null(kb_find_cause(kb, "PEER-HOST-DOWN"));
	c = kb_find_cause(kb, "peer-host-down");
	ck_assert_str_eq(c->title, "The smart host went down");
	ck_assert_str_eq(c->description,
	    "The host the gateway was talking to (usually the smart host, the mail "
	    "routing host that takes all outbound mail) stopped answering in the "
	    "middle of the transfer: it crashed, rebooted, or its SMTP service stopped.");
}
END_TEST

START_TEST(steps_in_order_and_shared)
{
	static const char *ids[] = { "telnet-smarthost", "resend", "protocol-analyzer",
	    "lanman-tcptsr-version", "lanman-force-push" };
	const struct kb_article *a = kb_find_article(kb, "Q123827");
	const struct kb_article *b = kb_find_article(kb, "Q100709");
	const struct kb_step *s;
	size_t i;

	ck_assert_uint_eq(a->nsteps, 5);
	ck_assert_uint_eq(b->nsteps, 5);
	for (i = 0; i < 5; i++) {
		ck_assert_str_eq(step_id(a, i), ids[i]);
		/* Shared steps are loaded once. */
		ck_assert_ptr_eq(a->steps[i], b->steps[i]);
	}
	s = find_step(a, "telnet-smarthost");
	ck_assert_uint_eq(s->naddresses, 3);
	ck_assert_str_eq(s->addresses[0], "tcpip-layer-error");
	ck_assert_str_eq(s->addresses[1], "peer-host-down");
	ck_assert_str_eq(s->addresses[2], "network-path-down");
	s = find_step(a, "lanman-force-push");
	ck_assert_uint_eq(s->naddresses, 1);
	ck_assert_str_eq(s->addresses[0], "peer-requires-push");
}
END_TEST

START_TEST(step_parts_and_placeholders)
{
	const struct kb_article *a = kb_find_article(kb, "Q123827");
	const struct kb_step *s = find_step(a, "telnet-smarthost");
	char *text = render_step(s);
	size_t i, hosts = 0, ports = 0;

	ck_assert_str_eq(text,
	    "From the gateway PC, open an SMTP session by hand: `telnet {host} {port}` "
	    "(the port number goes after the address, separated by a space). A reply "
	    "that starts with 220 proves that IP, TCP and the SMTP service on the smart "
	    "host all work. If nothing answers, run `ping {host}`: no reply points at "
	    "the host or the path, a reply at the SMTP service or the TCP layer.");
	free(text);
	for (i = 0; i < s->nparts; i++) {
		if (s->parts[i].kind == KB_PART_PEER_HOST) {
			hosts++;
			ck_assert_int_eq(s->parts[i].code, 1);
		} else if (s->parts[i].kind == KB_PART_PEER_PORT) {
			ports++;
			ck_assert_int_eq(s->parts[i].code, 1);
		}
	}
	ck_assert_uint_eq(hosts, 2);
	ck_assert_uint_eq(ports, 1);

	/* A placeholder in prose is not code. */
	s = find_step(a, "protocol-analyzer");
	text = render_step(s);
	ck_assert_contains(text, "between the gateway PC and {host} and capture");
	ck_assert_not_contains(text, "`");
	free(text);
	s = find_step(a, "resend");
	ck_assert_uint_eq(s->nparts, 1);
	ck_assert_int_eq(s->parts[0].kind, KB_PART_TEXT);
	ck_assert_int_eq(s->parts[0].code, 0);
}
END_TEST

START_TEST(facts_resolved_at_load_time)
{
	const struct kb_article *a = kb_find_article(kb, "Q123827");
	const struct kb_step *s = find_step(a, "lanman-tcptsr-version");
	char *text = render_step(s);
	size_t i;

	ck_assert_contains(text, "2.2b");
	ck_assert_contains(text, "1994-02-01");
	ck_assert_contains(text, "42716");
	ck_assert_contains(text, "`LANMAN.DOS\\DRIVERS\\PROTOCOL\\TCPIP`");
	ck_assert_contains(text, "it must be version 2.2b or later. Version 2.2b is dated "
	    "1994-02-01 and is 42716 bytes long;");
	ck_assert_contains(text, "The update ships as TCPTSRU.EXE.");
	for (i = 0; i < s->nparts; i++)
		ck_assert_int_eq(s->parts[i].kind, KB_PART_TEXT);
	free(text);

	s = find_step(a, "lanman-force-push");
	text = render_step(s);
	ck_assert_contains(text, "add `ForcePushBit=1` to the TCP/IP section");
	/* "section" is the first of the row's sections. */
	ck_assert_contains(text, "(`[TCPIP]`; LAN Manager 2.x clients");
	ck_assert_contains(text, "The default, 0, sets PUSH");
	free(text);
	for (i = 0; i < s->nparts; i++)
		if (s->parts[i].kind == KB_PART_TEXT && s->parts[i].code &&
		    strstr(s->parts[i].text, "ForcePushBit"))
			break;
	ck_assert_msg(i < s->nparts, "no code part with ForcePushBit");
	ck_assert_str_eq(s->parts[i].text, "ForcePushBit=1");
}
END_TEST

/* No prose anywhere keeps new lines, tabs or runs of spaces. */
static void
assert_prose(const char *what, const char *s)
{
	ck_assert_msg(s != NULL, "%s is NULL", what);
	ck_assert_msg(strpbrk(s, "\n\r\t") == NULL, "%s has a line break or tab: %s",
	    what, s);
	ck_assert_msg(strstr(s, "  ") == NULL, "%s has a run of spaces: %s", what, s);
	ck_assert_msg(s[0] != ' ' && (s[0] == '\0' || s[strlen(s) - 1] != ' '),
	    "%s is not trimmed: \"%s\"", what, s);
}

START_TEST(prose_white_space_collapsed)
{
	size_t i, j;

	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		assert_prose("title", a->title);
		assert_prose("summary", a->summary);
		assert_prose("keywords", a->keywords);
		for (j = 0; j < a->nsteps; j++) {
			char *text = render_step(a->steps[j]);

			assert_prose(a->steps[j]->id, text);
			free(text);
		}
	}
	for (i = 0; i < kb_cause_count(kb); i++) {
		assert_prose("cause title", kb_cause_at(kb, i)->title);
		assert_prose("cause description", kb_cause_at(kb, i)->description);
	}
}
END_TEST

START_TEST(related_ids)
{
	const struct kb_article *a = kb_find_article(kb, "Q123827");

	ck_assert_uint_eq(a->nrelated, 2);
	ck_assert_str_eq(a->related[0], "Q100709");
	ck_assert_str_eq(a->related[1], "Q123826");	/* not in this rule base */
	a = kb_find_article(kb, "Q100709");
	ck_assert_uint_eq(a->nrelated, 3);
	ck_assert_str_eq(a->related[2], "Q102107");
}
END_TEST

START_TEST(find_article_ignores_case)
{
	const struct kb_article *a = kb_find_article(kb, "Q123827");

	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->id, "Q123827");
	ck_assert_ptr_eq(kb_find_article(kb, "q123827"), a);
	ck_assert_str_eq(kb_find_article(kb, "q100709")->id, "Q100709");
	ck_assert_ptr_null(kb_find_article(kb, "Q12382"));
	ck_assert_ptr_null(kb_find_article(kb, "Q1238270"));
	ck_assert_ptr_null(kb_find_article(kb, "Q999999"));
	ck_assert_ptr_null(kb_find_article(kb, ""));
}
END_TEST

START_TEST(add_article_from_memory)
{
	char err[ERR_LEN];
	char *xml = tu_article("Q999999", NULL, NULL, NULL);
	char *small = tu_article("Q10000", NULL, NULL, NULL);
	const struct kb_article *a;
	char *path = tu_src("kb/articles/Q999999.xml");

	size_t n0 = kb_article_count(kb);

	ck_assert_int_eq(kb_add_article(kb, "Q999999.xml", xml, strlen(xml), err), 0);
	ck_assert_uint_eq(kb_article_count(kb), n0 + 1);
	a = kb_find_article(kb, "Q999999");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(kb_article_at(kb, n0), a);
	ck_assert_str_eq(a->file, path);
	ck_assert_str_eq(a->title, "t");
	ck_assert_ptr_null(a->modified);
	ck_assert_ptr_null(a->keywords);
	ck_assert_uint_eq(a->nrelated, 0);
	ck_assert_uint_eq(a->nsymptoms, 1);
	ck_assert_int_eq(a->symptoms[0].line, 7);
	ck_assert_ptr_eq(a->causes[0].cause, kb_find_cause(kb, "peer-host-down"));
	ck_assert_double_eq(a->causes[0].prior, 1.0);
	ck_assert_ptr_eq(a->steps[0], find_step(kb_find_article(kb, "Q123827"), "resend"));

	/* Sorted by number, not by text: Q10000 comes first. */
	ck_assert_int_eq(kb_add_article(kb, "Q10000.xml", small, strlen(small), err), 0);
	ck_assert_uint_eq(kb_article_count(kb), n0 + 2);
	ck_assert_str_eq(kb_article_at(kb, 0)->id, "Q10000");
	ck_assert_str_eq(kb_article_at(kb, 1)->id, "Q87022");
	ck_assert_str_eq(kb_article_at(kb, n0 + 1)->id, "Q999999");
	free(path);
	free(xml);
	free(small);
}
END_TEST

START_TEST(add_article_twice_is_refused)
{
	char err[ERR_LEN];
	char *xml = tu_article("Q123827", NULL, NULL, NULL);
	char *path = tu_src("kb/articles/Q123827.xml");
	struct buf want = BUF_INIT;

	buf_printf(&want, "%s: article Q123827 is already defined in %s", path, path);
	ck_assert_int_eq(kb_add_article(kb, "Q123827.xml", xml, strlen(xml), err), -1);
	ck_assert_str_eq(err, buf_str(&want));
	ck_assert_uint_eq(kb_article_count(kb), real_articles());
	/* The loaded article stays, not the one from memory. */
	ck_assert_ptr_eq(kb_find_article(kb, "Q123827"),
	    kb_article_at(kb, article_index(kb, "Q123827")));
	ck_assert_str_eq(kb_find_article(kb, "Q123827")->title,
	    "SMTP: Err Msg: Error (119) Network Write Error");
	buf_free(&want);
	free(path);
	free(xml);
}
END_TEST

START_TEST(add_article_errors_leave_kb_unchanged)
{
	static const char broken[] =
	    "<?xml version=\"1.0\"?>\n<article id=\"Q999999\" kind=\"errmsg\">\n"
	    "  <title>unclosed\n</article>\n";
	char err[ERR_LEN];
	char *path = tu_src("kb/articles/Q999999.xml");
	char *xml = tu_article("Q999999", NULL, "<cause ref=\"gremlins\" prior=\"1\"/>", NULL);
	struct buf want = BUF_INIT;

	ck_assert_int_eq(kb_add_article(kb, "Q999999.xml", broken, strlen(broken), err), -1);
	buf_printf(&want, "%s:4: ", path);
	ck_assert_msg(strncmp(err, buf_str(&want), want.len) == 0,
	    "expected \"%s...\", got \"%s\"", buf_str(&want), err);
	ck_assert_contains(err, "tag mismatch");

	ck_assert_int_eq(kb_add_article(kb, "Q999999.xml", xml, strlen(xml), err), -1);
	buf_reset(&want);
	buf_printf(&want, "%s:9: unknown cause 'gremlins' (not in causes.xml)", path);
	ck_assert_str_eq(err, buf_str(&want));

	/* The name must be the id's file name. */
	free(xml);
	xml = tu_article("Q999999", NULL, NULL, NULL);
	ck_assert_int_eq(kb_add_article(kb, "Q999998.xml", xml, strlen(xml), err), -1);
	ck_assert_contains(err, "article id 'Q999999' does not match the file name "
	    "'Q999998.xml'");
	ck_assert_int_eq(kb_add_article(kb, "Q999999", xml, strlen(xml), err), -1);
	ck_assert_contains(err, "does not match the file name 'Q999999'");
	ck_assert_int_eq(kb_add_article(kb, "Q999999.xml", "", 0, err), -1);
	ck_assert_contains(err, "Q999999.xml");

	ck_assert_uint_eq(kb_article_count(kb), real_articles());
	ck_assert_ptr_null(kb_find_article(kb, "Q999999"));
	buf_free(&want);
	free(path);
	free(xml);
}
END_TEST

/* Prose is collapsed; messages, patterns and examples are kept as written. */
START_TEST(prose_collapsed_patterns_verbatim)
{
	static const char xml[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<article id=\"Q999999\" kind=\"troubleshoot\" modified=\"2024-02-29\">\n"
	    "  <title>\n\tTwo\n     lines  </title>\n"
	    "  <applies-to><product name=\"A\" versions=\"1\"/>"
	    "<product name=\"B\" versions=\"2, 3\"/></applies-to>\n"
	    "  <summary>a\t\tb\n\n  c</summary>\n"
	    "  <symptoms>\n"
	    "    <symptom id=\"spaced\" role=\"primary\" case=\"sensitive\">\n"
	    "      <message>ERROR  two\tspaces </message>\n"
	    "      <pattern>ERROR  two\\s+spaces &lt;x&gt; <![CDATA[a<b]]></pattern>\n"
	    "      <example> ERROR  two\tspaces &lt;x&gt; a&lt;b</example>\n"
	    "      <counter-example>ERROR two spaces</counter-example>\n"
	    "    </symptom>\n"
	    "  </symptoms>\n"
	    "  <causes><cause ref=\"peer-host-down\" prior=\"0.25\"/></causes>\n"
	    "  <resolution><step id=\"inline\" addresses=\"peer-host-down\">  Run\n"
	    "     <code>ping   <peer-host/></code>   then  <code><fact "
	    "ref=\"tcptsr:tcptsru-1995\" field=\"version\"/></code>\n  </step></resolution>\n"
	    "  <keywords>  some\n  words </keywords>\n"
	    "<provenance archive=\"t\" encoded=\"2026-01-01\"/></article>\n";
	char err[ERR_LEN];
	const struct kb_article *a;
	const struct kb_symptom *s;
	char *text;

	ck_assert_msg(kb_add_article(kb, "Q999999.xml", xml, strlen(xml), err) == 0,
	    "%s", err);
	a = kb_find_article(kb, "Q999999");
	ck_assert_str_eq(a->kind, "troubleshoot");
	ck_assert_str_eq(a->modified, "2024-02-29");
	ck_assert_str_eq(a->title, "Two lines");
	ck_assert_str_eq(a->summary, "a b c");
	ck_assert_str_eq(a->keywords, "some words");
	ck_assert_str_eq(a->products, "A 1; B 2, 3");
	s = &a->symptoms[0];
	ck_assert_int_eq(s->caseless, 0);
	ck_assert_str_eq(s->message, "ERROR  two\tspaces ");
	ck_assert_str_eq(s->pattern, "ERROR  two\\s+spaces <x> a<b");
	ck_assert_str_eq(s->examples[0], " ERROR  two\tspaces <x> a<b");
	ck_assert_str_eq(s->counters[0], "ERROR two spaces");
	ck_assert_int_eq(s->line, 13);
	ck_assert_double_eq_tol(a->causes[0].prior, 0.25, 1e-12);
	ck_assert_uint_eq(a->nsteps, 1);
	ck_assert_str_eq(a->steps[0]->id, "inline");
	ck_assert_uint_eq(a->steps[0]->naddresses, 1);
	text = render_step(a->steps[0]);
	ck_assert_str_eq(text, "Run `ping {host}` then `TCPTSRU 1995`");
	free(text);
}
END_TEST

START_TEST(free_null)
{
	kb_free(NULL);
	/* The fixture's kb is still fine afterwards: nothing was shared. */
	ck_assert_uint_eq(kb_article_count(kb), real_articles());
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Broken rule bases                                                       */

static char *dir;	/* a private copy of the rule base */

static void
setup_copy(void)
{
	dir = tu_kb_copy();
}

static void
teardown_copy(void)
{
	char *slash = strrchr(dir, '/');

	/* tu_kb_copy() made DIR/kb; remove DIR. */
	*slash = '\0';
	tu_rmtree(dir);
	free(dir);
	dir = NULL;
}

START_TEST(copy_loads)
{
	struct tu_problems pr;
	char err[ERR_LEN];
	struct kb *k;

	ck_assert_msg(load(dir, &k, err, &pr) == 0, "%s", err);
	ck_assert_int_eq(pr.n, 0);
	ck_assert_str_eq(kb_dir(k), dir);
	ck_assert_uint_eq(kb_article_count(k), real_articles());
	kb_free(k);
}
END_TEST

/*
 * kbvalid.h: the build knows the digests of its own rule base's documents,
 * so loading that rule base validates none of them against the schema; an
 * edited document is validated (and only it: schema_violation_element shows
 * its error), a changed schema validates everything, and so does
 * validate_all (kb lint).
 */
static void
count_valid(void *arg, const char *path, const unsigned char sha256[32])
{
	(void)path;
	(void)sha256;
	(*(size_t *)arg)++;
}

static size_t
validated(const char *kbdir, int validate_all)
{
	struct kb_load_params p = { 0 };
	char err[ERR_LEN];
	size_t n = 0;
	struct kb *k;

	p.dir = kbdir;
	p.validate_all = validate_all;
	p.on_valid = count_valid;
	p.arg = &n;
	ck_assert_msg(kb_load(&p, &k, err) == 0, "%s", err);
	kb_free(k);
	return n;
}

START_TEST(known_documents_skip_the_schema)
{
	size_t all = validated(dir, 1);

	ck_assert_uint_gt(all, real_articles());
	ck_assert_uint_eq(validated(dir, 0), 0);
	tu_edit_in(dir, "articles/Q123827.xml", "</article>", "<!-- edited --></article>");
	ck_assert_uint_eq(validated(dir, 0), 1);
	tu_edit_in(dir, "schema/kb.rng", "</grammar>", "<!-- edited --></grammar>");
	ck_assert_uint_eq(validated(dir, 0), all);
}
END_TEST

START_TEST(missing_directory)
{
	struct buf d = BUF_INIT;

	buf_printf(&d, "%s/nope", dir);
	expect_load_error(buf_str(&d), "%s/nope: No such file or directory", dir);
	buf_free(&d);
}
END_TEST

START_TEST(file_instead_of_directory)
{
	struct buf d = BUF_INIT;

	buf_printf(&d, "%s/causes.xml", dir);
	expect_load_error(buf_str(&d), "%s/causes.xml: not a directory", dir);
	buf_free(&d);
}
END_TEST

START_TEST(no_directory_given)
{
	struct kb_load_params p = { 0 };
	char err[ERR_LEN];
	struct kb *k = (struct kb *)&k;

	ck_assert_int_eq(kb_load(&p, &k, err), -1);
	ck_assert_ptr_null(k);
	ck_assert_str_eq(err, "no rule base directory given");
	p.dir = "";
	ck_assert_int_eq(kb_load(&p, &k, err), -1);
	ck_assert_str_eq(err, "no rule base directory given");
}
END_TEST

START_TEST(missing_schema)
{
	remove_in(dir, "schema/kb.rng");
	expect_load_error(dir, "%s/schema/kb.rng: No such file or directory "
	    "(is %s a kbdiag rule base?)", dir, dir);
}
END_TEST

START_TEST(broken_schema)
{
	struct tu_problems pr;
	char err[ERR_LEN];

	tu_write_in(dir, "schema/kb.rng", "<grammar xmlns=\"http://relaxng.org/ns/"
	    "structure/1.0\"><start><ref name=\"nowhere\"/></start></grammar>\n");

	load_fails(dir, err, &pr);
	ck_assert_contains(err, "schema/kb.rng");
	ck_assert_int_eq(pr.n, 1);
}
END_TEST

START_TEST(missing_causes)
{
	remove_in(dir, "causes.xml");
	expect_load_error(dir, "%s/causes.xml: No such file or directory", dir);
}
END_TEST

START_TEST(missing_table)
{
	remove_in(dir, "tables/protocol-ini.xml");
	expect_load_error(dir, "%s/tables/protocol-ini.xml: No such file or directory", dir);
}
END_TEST

START_TEST(wrong_document_kind)
{
	struct buf steps = BUF_INIT;
	char *text;

	buf_printf(&steps, "%s/steps.xml", dir);
	text = tu_read(buf_str(&steps), NULL);
	tu_write_in(dir, "causes.xml", text);
	expect_load_error(dir, "%s/causes.xml:9: expected a <causes> document, found <steps>",
	    dir);
	free(text);
	buf_free(&steps);
}
END_TEST

static int line_of(const char *top, const char *rel, const char *needle);

START_TEST(cause_defined_twice)
{
	int line = line_of(dir, "causes.xml", "<cause id=\"network-path-down\">");

	tu_edit_in(dir, "causes.xml", "<cause id=\"network-path-down\">",
	    "<cause id=\"peer-host-down\">");
	expect_load_error(dir, "%s/causes.xml:%d: cause 'peer-host-down' is defined twice",
	    dir, line);
}
END_TEST

START_TEST(shared_step_defined_twice)
{
	tu_edit_in(dir, "steps.xml", "<step id=\"resend\"", "<step id=\"telnet-smarthost\"");
	expect_load_error(dir, "%s/steps.xml:18: step 'telnet-smarthost' is defined twice",
	    dir);
}
END_TEST

START_TEST(malformed_article)
{
	struct tu_problems pr;
	char err[ERR_LEN];
	struct buf want = BUF_INIT;

	tu_write_in(dir, "articles/Q123827.xml",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<article id=\"Q123827\" kind=\"errmsg\">\n"
	    "  <title>unclosed\n"
	    "<provenance archive=\"t\" encoded=\"2026-01-01\"/></article>\n");
	load_fails(dir, err, &pr);
	buf_printf(&want, "%s/articles/Q123827.xml:4: ", dir);
	ck_assert_msg(strncmp(err, buf_str(&want), want.len) == 0,
	    "expected \"%s...\", got \"%s\"", buf_str(&want), err);
	ck_assert_contains(err, "Opening and ending tag mismatch: title line 3 and article");
	ck_assert_int_eq(pr.n, 1);
	buf_free(&want);
}
END_TEST

START_TEST(empty_article_file)
{
	struct tu_problems pr;
	char err[ERR_LEN];
	struct buf want = BUF_INIT;

	tu_write_in(dir, "articles/Q123827.xml", "");
	load_fails(dir, err, &pr);
	buf_printf(&want, "%s/articles/Q123827.xml", dir);
	ck_assert_contains(err, buf_str(&want));
	ck_assert_int_eq(pr.n, 1);
	buf_free(&want);
}
END_TEST

START_TEST(schema_violation_element)
{
	tu_edit_in(dir, "articles/Q123827.xml", "  <keywords>", "  <bogus/><keywords>");
	expect_load_error(dir, "%s/articles/Q123827.xml:37: Did not expect element bogus "
	    "there (schema)", dir);
}
END_TEST

/* RelaxNG first says "failed to validate attributes" with no place at all. */
START_TEST(schema_violation_attribute)
{
	tu_edit_in(dir, "articles/Q100709.xml", "kind=\"errmsg\"", "kind=\"nonsense\"");
	expect_load_error(dir, "%s/articles/Q100709.xml:2: Invalid attribute kind for "
	    "element article (schema)", dir);
}
END_TEST

START_TEST(schema_violation_prior)
{
	struct tu_problems pr;
	char err[ERR_LEN];
	struct buf want = BUF_INIT;

	tu_edit_in(dir, "articles/Q100709.xml", "prior=\"0.1\"", "prior=\"0\"");
	load_fails(dir, err, &pr);
	buf_printf(&want, "%s/articles/Q100709.xml:30: ", dir);
	ck_assert_msg(strncmp(err, buf_str(&want), want.len) == 0,
	    "expected \"%s...\", got \"%s\"", buf_str(&want), err);
	ck_assert_contains(err, "(schema)");
	buf_free(&want);
}
END_TEST

/* The line of the first occurrence of needle in dir/rel (1-based). */
static int
line_of(const char *top, const char *rel, const char *needle)
{
	struct buf path = BUF_INIT;
	char *text, *at;
	int line = 1;

	buf_printf(&path, "%s/%s", top, rel);
	text = tu_read(buf_str(&path), NULL);
	at = strstr(text, needle);
	ck_assert_msg(at != NULL, "%s is not in %s", needle, buf_str(&path));
	for (char *p = text; p < at; p++)
		line += *p == '\n';
	free(text);
	buf_free(&path);
	return line;
}

/*
 * The identifiers' patterns are checked by kbschema (lifted out of the
 * schema, compiled once): the message names the place, the value and the
 * pattern, for a single value and for a word of a list.
 */
START_TEST(schema_violation_identifier)
{
	tu_edit_in(dir, "articles/Q100709.xml", "<cause ref=\"peer-host-down\"",
	    "<cause ref=\"Peer_Host_Down\"");
	expect_load_error(dir, "%s/articles/Q100709.xml:%d: <cause ref=\"Peer_Host_Down\">: "
	    "the value does not match the schema's pattern [a-z0-9]+(-[a-z0-9]+)* (schema)",
	    dir, line_of(dir, "articles/Q100709.xml", "Peer_Host_Down"));
}
END_TEST

START_TEST(schema_violation_list_word)
{
	tu_edit_in(dir, "overlaps.xml", "articles=\"Q123827 ", "articles=\"Q123827 q12 ");
	expect_load_error(dir, "%s/overlaps.xml:%d: <overlap articles=\"Q123827 q12 Q100709 "
	    "Q123826\">: a word of the value does not match the schema's pattern Q[0-9]{5,6} "
	    "(schema)", dir, line_of(dir, "overlaps.xml", "q12"));
}
END_TEST

/* A rule base's bytes quoted in a message are escaped: a C1 CSI (U+009B)
 * in an identifier reaches no terminal, in the error or through lint. */
START_TEST(schema_violation_quotes_no_control)
{
	tu_edit_in(dir, "causes.xml", "<cause id=\"tcpip-layer-error\"",
	    "<cause id=\"tcpip-\xC2\x9B" "2J-layer-error\"");
	expect_load_error(dir, "%s/causes.xml:%d: <cause id=\"tcpip-\\xC2\\x9B2J-layer-error\">: "
	    "the value does not match the schema's pattern [a-z0-9]+(-[a-z0-9]+)* (schema)",
	    dir, line_of(dir, "causes.xml", "tcpip-\xC2\x9B"));
}
END_TEST

/* The rule base is shown on terminals: a C1 control or DEL in its text,
 * which XML allows, is refused with the file and line. */
START_TEST(control_characters_refused)
{
	int line = line_of(dir, "causes.xml", "Fault in the TCP/IP stack of the gateway PC");

	tu_edit_in(dir, "causes.xml", "Fault in the TCP/IP stack of the gateway PC",
	    "Fault in the TCP/IP stack \xC2\x9B" "2J of the gateway PC");
	expect_load_error(dir, "%s/causes.xml:%d: a control character (U+009B) in the text: "
	    "the rule base is shown on terminals", dir, line);
}
END_TEST

/*
 * With keep_going an overlap refused after some of its deciders were read
 * leaves nothing to the next overlap, which is read into the same place (its
 * count of deciders was added to the next one's: found by fuzz_kb_overlaps).
 */
START_TEST(refused_overlap_leaves_nothing_behind)
{
	struct kb_load_params p = { 0 };
	struct tu_problems pr;
	char err[ERR_LEN];
	struct kb *k;
	size_t i, seen = 0;

	tu_edit_in(dir, "overlaps.xml", "<decides ref=\"transcript:helo-named\" article=\"Q100709\">",
	    "<decides ref=\"transcript:helo-named\" article=\"Q999999\">");
	memset(&pr, 0, sizeof(pr));
	p.dir = dir;
	p.on_problem = tu_record_problem;
	p.arg = &pr;
	p.keep_going = 1;
	ck_assert_msg(kb_load(&p, &k, err) == 0, "%s", err);
	ck_assert_uint_eq(pr.n, 1);
	ck_assert_contains(pr.msg[0], "overlap 'lost-connection-text' decides for Q999999");
	for (i = 0; i < kb_overlap_count(k); i++) {
		const struct kb_overlap *o = kb_overlap_at(k, i);

		ck_assert_str_ne(o->id, "lost-connection-text");
		if (strcmp(o->id, "smtp-recv-system-error") == 0) {
			ck_assert_uint_eq(o->ndeciders, 0);
			seen = 1;
		}
	}
	ck_assert(seen);
	kb_free(k);
}
END_TEST

START_TEST(unknown_cause_ref)
{
	put_article(dir, "Q100709", NULL, "<cause ref=\"gremlins\" prior=\"1\"/>", NULL);
	expect_load_error(dir, "%s/articles/Q100709.xml:9: unknown cause 'gremlins' "
	    "(not in causes.xml)", dir);
}
END_TEST

START_TEST(unknown_step_ref)
{
	put_article(dir, "Q100709", NULL, NULL, "<step ref=\"reboot\"/>");
	expect_load_error(dir, "%s/articles/Q100709.xml:10: unknown step 'reboot' "
	    "(not in steps.xml)", dir);
}
END_TEST

START_TEST(step_addresses_unknown_cause)
{
	tu_edit_in(dir, "steps.xml", "<step id=\"resend\" addresses=\"peer-host-down",
	    "<step id=\"resend\" addresses=\"gremlins");
	expect_load_error(dir, "%s/steps.xml:18: unknown cause 'gremlins' (not in causes.xml)",
	    dir);
}
END_TEST

/* needs="ID" names a step of the same article, or the load stops. */
START_TEST(step_needs_unknown_step)
{
	tu_edit_in(dir, "steps.xml", "needs=\"lanman-tcptsr-version\"", "needs=\"reboot\"");
	expect_load_error(dir, "%s/articles/Q100709.xml: article Q100709: step "
	    "'lanman-force-push' needs step 'reboot', which the article does not have", dir);
}
END_TEST

START_TEST(unknown_fact)
{
	tu_edit_in(dir, "steps.xml", "<fact ref=\"tcptsr:lanman-2.2b\" field=\"version\"/>",
	    "<fact ref=\"tcptsr:lanman-9.9\" field=\"version\"/>");
	expect_load_error(dir, "%s/steps.xml:33: unknown fact 'tcptsr:lanman-9.9' "
	    "(no such row in tables/)", dir);
}
END_TEST

START_TEST(unknown_fact_table)
{
	/* The key exists, but in the other table. */
	tu_edit_in(dir, "steps.xml", "<fact ref=\"protocol-ini:ForcePushBit\" field=\"name\"/>",
	    "<fact ref=\"tcptsr:ForcePushBit\" field=\"name\"/>");
	expect_load_error(dir, "%s/steps.xml:41: unknown fact 'tcptsr:ForcePushBit' "
	    "(no such row in tables/)", dir);
}
END_TEST

START_TEST(unknown_fact_field)
{
	tu_edit_in(dir, "steps.xml", "<fact ref=\"tcptsr:lanman-2.2b\" field=\"date\"/>",
	    "<fact ref=\"tcptsr:lanman-2.2b\" field=\"colour\"/>");
	expect_load_error(dir, "%s/steps.xml:35: fact tcptsr:lanman-2.2b has no field "
	    "'colour' (it has: id, version, date, bytes, stack, push, dir, package, "
	    "sources, note)", dir);
}
END_TEST

START_TEST(missing_optional_fact_field)
{
	/* TCPSEGMENTSIZE has no default; the message lists what it has. */
	put_article(dir, "Q100709", NULL, NULL, "<step id=\"seg\">Default <fact "
	    "ref=\"protocol-ini:TCPSEGMENTSIZE\" field=\"default\"/></step>");
	expect_load_error(dir, "%s/articles/Q100709.xml:10: fact protocol-ini:TCPSEGMENTSIZE "
	    "has no field 'default' (it has: name, sections, section, max, sources, "
	    "description)", dir);
}
END_TEST

START_TEST(article_id_not_file_name)
{
	put_article(dir, "Q100709", NULL, NULL, NULL);
	tu_edit_in(dir, "articles/Q100709.xml", "id=\"Q100709\"", "id=\"Q100708\"");
	expect_load_error(dir, "%s/articles/Q100709.xml:2: article id 'Q100708' does not "
	    "match the file name 'Q100709.xml'", dir);
}
END_TEST

START_TEST(symptom_defined_twice)
{
	put_article(dir, "Q100709", TU_SYMPTOM "\n" TU_SYMPTOM, NULL, NULL);
	expect_load_error(dir, "%s/articles/Q100709.xml:8: symptom 's' is defined twice", dir);
}
END_TEST

START_TEST(cause_listed_twice)
{
	put_article(dir, "Q100709", NULL, TU_CAUSE "\n    "
	    "<cause ref=\"peer-host-down\" prior=\"0.5\"/>", NULL);
	expect_load_error(dir, "%s/articles/Q100709.xml:10: cause 'peer-host-down' is "
	    "listed twice", dir);
}
END_TEST

START_TEST(step_listed_twice)
{
	put_article(dir, "Q100709", NULL, NULL, TU_STEP "\n" TU_STEP);
	expect_load_error(dir, "%s/articles/Q100709.xml:11: step 'resend' is listed twice",
	    dir);
}
END_TEST

START_TEST(no_primary_symptom)
{
	put_article(dir, "Q100709", "    <symptom id=\"s\" role=\"companion\"><message>m"
	    "</message><pattern>m</pattern><example>m</example></symptom>", NULL, NULL);
	expect_load_error(dir, "%s/articles/Q100709.xml:6: article Q100709 has no primary, "
	    "fallback or description symptom", dir);
}
END_TEST

START_TEST(article_of_another_kind)
{
	tu_write_in(dir, "articles/Q100709.xml", "<?xml version=\"1.0\"?>\n"
	    "<steps><step id=\"x\">t</step></steps>\n");
	expect_load_error(dir, "%s/articles/Q100709.xml:2: expected a <article> document, "
	    "found <steps>", dir);
}
END_TEST


/* The parts must fit the kind. */
START_TEST(knowledge_article_with_symptoms)
{
	tu_edit_in(dir, "articles/Q100709.xml", "kind=\"errmsg\"", "kind=\"reference\"");
	expect_load_error(dir, "%s/articles/Q100709.xml:%d: article Q100709 of kind "
	    "reference has <symptoms>: only errmsg and troubleshoot articles have "
	    "symptoms, causes and a resolution", dir, line_of(dir, "articles/Q100709.xml",
	    "<symptoms>"));
}
END_TEST

START_TEST(errmsg_article_with_a_body)
{
	tu_edit_in(dir, "articles/Q99718.xml", "kind=\"reference\"", "kind=\"errmsg\"");
	expect_load_error(dir, "%s/articles/Q99718.xml:2: article Q99718 of kind errmsg "
	    "has no <symptoms>", dir);
}
END_TEST

START_TEST(knowledge_article_unknown_fact)
{
	tu_edit_in(dir, "articles/Q99718.xml", "switches:q", "switches:nothing");
	expect_load_error(dir, "%s/articles/Q99718.xml:%d: unknown fact 'switches:nothing' "
	    "(no such row in tables/)", dir, line_of(dir, "articles/Q99718.xml", "<facts"));
}
END_TEST

START_TEST(vocabulary_said_twice)
{
	tu_edit_in(dir, "vocabulary.xml", "<said>big iron</said>", "<said>RAM</said>");
	expect_load_error(dir, "%s/vocabulary.xml:%d: 'RAM' is said for two terms "
	    "(line %d too)", dir, line_of(dir, "vocabulary.xml", "<said>ram</said>"),
	    line_of(dir, "vocabulary.xml", "<said>mainframe</said>"));
}
END_TEST

START_TEST(vocabulary_missing)
{
	remove_in(dir, "vocabulary.xml");
	expect_load_error(dir, "%s/vocabulary.xml: No such file or directory", dir);
}
END_TEST

/* Line numbers past 65535 (libxml2 stores 16 bits unless told otherwise). */
START_TEST(big_line_numbers)
{
	struct buf syms = BUF_INIT;
	size_t i;

	for (i = 0; i < 70000; i++)
		buf_putc(&syms, '\n');
	buf_puts(&syms, TU_SYMPTOM "\n" TU_SYMPTOM);
	put_article(dir, "Q100709", buf_str(&syms), NULL, NULL);
	expect_load_error(dir, "%s/articles/Q100709.xml:70008: symptom 's' is defined twice",
	    dir);
	buf_free(&syms);
}
END_TEST

/* An external entity must not be read, and its contents must not leak. */
START_TEST(external_entity_rejected)
{
	static const char secret[] = "s3cr3t-Tr0ub4dor-and-3";
	char *tmp = tu_tmpdir();
	struct buf secret_path = BUF_INIT, xml = BUF_INIT;
	struct tu_problems pr;
	char err[ERR_LEN];
	int i;

	buf_printf(&secret_path, "%s/secret.txt", tmp);
	tu_write_str(buf_str(&secret_path), secret);
	buf_printf(&xml,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!DOCTYPE article [\n"
	    "  <!ENTITY xxe SYSTEM \"file://%s\">\n"
	    "]>\n"
	    "<article id=\"Q123827\" kind=\"errmsg\">\n"
	    "  <title>&xxe;</title>\n"
	    "  <applies-to><product name=\"&xxe;\" versions=\"1\"/></applies-to>\n"
	    "  <summary>&xxe;</summary>\n"
	    "  <symptoms><symptom id=\"s\" role=\"primary\"><message>&xxe;</message>"
	    "<pattern>&xxe;</pattern><example>&xxe; &xxe;</example></symptom></symptoms>\n"
	    "  <causes>" TU_CAUSE "</causes>\n"
	    "  <resolution>" TU_STEP "</resolution>\n"
	    "<provenance archive=\"t\" encoded=\"2026-01-01\"/></article>\n", buf_str(&secret_path));
	tu_write_in(dir, "articles/Q123827.xml", buf_str(&xml));

	load_fails(dir, err, &pr);
	ck_assert_int_eq(pr.n, 1);
	ck_assert_contains(err, "/articles/Q123827.xml:2: DOCTYPE declarations are not "
	    "allowed in the rule base");
	ck_assert_not_contains(err, secret);
	for (i = 0; (size_t)i < pr.n && i < TU_MAX_PROBLEMS; i++)
		ck_assert_not_contains(pr.msg[i], secret);

	/* The same from memory, and with an external DTD instead. */
	{
		struct kb *k = tu_kb();
		struct buf ext = BUF_INIT;

		ck_assert_int_eq(kb_add_article(k, "Q123827.xml", xml.data, xml.len, err), -1);
		ck_assert_contains(err, ":2: DOCTYPE declarations are not allowed");
		ck_assert_not_contains(err, secret);
		buf_printf(&ext, "<?xml version=\"1.0\"?>\n\n<!DOCTYPE article SYSTEM "
		    "\"file://%s\">\n<article id=\"Q999999\" kind=\"errmsg\"/>\n",
		    buf_str(&secret_path));
		ck_assert_int_eq(kb_add_article(k, "Q999999.xml", ext.data, ext.len, err), -1);
		ck_assert_contains(err, "Q999999.xml:3: DOCTYPE declarations are not allowed");
		ck_assert_not_contains(err, secret);
		ck_assert_uint_eq(kb_article_count(k), real_articles());
		buf_free(&ext);
		kb_free(k);
	}
	tu_rmtree(tmp);
	free(tmp);
	buf_free(&secret_path);
	buf_free(&xml);
}
END_TEST

/*
 * Ten levels of ten references: expanded, a billion "lol"s. Refused at the
 * DOCTYPE, before any entity is declared (the test's time limit would catch
 * an expansion).
 */
START_TEST(billion_laughs_rejected)
{
	struct buf xml = BUF_INIT, want = BUF_INIT;
	struct tu_problems pr;
	char err[ERR_LEN];
	struct kb *k;
	int i, j;

	buf_puts(&xml, "<?xml version=\"1.0\"?>\n<!DOCTYPE article [\n"
	    "  <!ENTITY lol0 \"lol\">\n");
	for (i = 1; i < 10; i++) {
		buf_printf(&xml, "  <!ENTITY lol%d \"", i);
		for (j = 0; j < 10; j++)
			buf_printf(&xml, "&lol%d;", i - 1);
		buf_puts(&xml, "\">\n");
	}
	buf_puts(&xml, "]>\n<article id=\"Q100709\" kind=\"errmsg\" modified=\"&lol9;\">"
	    "<title>&lol9;</title></article>\n");
	tu_write_in(dir, "articles/Q100709.xml", buf_str(&xml));

	ck_assert_int_eq(load(dir, &k, err, &pr), -1);
	buf_printf(&want, "%s/articles/Q100709.xml:2: DOCTYPE declarations are not allowed "
	    "in the rule base", dir);
	ck_assert_str_eq(err, buf_str(&want));
	ck_assert_int_eq(pr.n, 1);

	k = tu_kb();
	ck_assert_int_eq(kb_add_article(k, "Q100709.xml", xml.data, xml.len, err), -1);
	ck_assert_contains(err, "Q100709.xml:2: DOCTYPE declarations are not allowed");
	kb_free(k);
	buf_free(&xml);
	buf_free(&want);
}
END_TEST

/* Remove every article of the copy, leaving an empty articles/. */
static void
remove_articles(const char *kbdir)
{
	struct buf d = BUF_INIT;

	buf_printf(&d, "%s/articles", kbdir);
	tu_rmtree(buf_str(&d));
	ck_assert_int_eq(mkdir(buf_str(&d), 0755), 0);
	buf_free(&d);
}

START_TEST(empty_articles_dir)
{
	remove_articles(dir);
	tu_write_in(dir, "articles/README", "not an article\n");
	expect_load_error(dir, "%s/articles: no articles (*.xml)", dir);
}
END_TEST

START_TEST(missing_articles_dir)
{
	remove_articles(dir);
	{
		struct buf d = BUF_INIT;

		buf_printf(&d, "%s/articles", dir);
		ck_assert_int_eq(rmdir(buf_str(&d)), 0);
		buf_free(&d);
	}
	expect_load_error(dir, "%s/articles: No such file or directory", dir);
}
END_TEST

START_TEST(non_xml_files_ignored)
{
	struct tu_problems pr;
	char err[ERR_LEN];
	struct kb *k;

	tu_write_in(dir, "articles/README", "<not xml");
	tu_write_in(dir, "articles/Q999999.xml~", "<not xml");
	tu_write_in(dir, "articles/Q999999.xml.bak", "<not xml");
	tu_write_in(dir, "articles/.Q999999.xml", "<not xml");
	tu_write_in(dir, "articles/.xml", "<not xml");
	tu_write_in(dir, "articles/notes.txt", "<not xml");
	ck_assert_msg(load(dir, &k, err, &pr) == 0, "%s", err);
	ck_assert_int_eq(pr.n, 0);
	ck_assert_uint_eq(kb_article_count(k), real_articles());
	kb_free(k);
}
END_TEST

START_TEST(directory_named_like_an_article)
{
	struct buf sub = BUF_INIT;

	buf_printf(&sub, "%s/articles/Q555555.xml", dir);
	ck_assert_int_eq(mkdir(buf_str(&sub), 0755), 0);
	expect_load_error(dir, "%s: is a directory", buf_str(&sub));
	buf_free(&sub);
}
END_TEST

START_TEST(goes_on_after_a_bad_article)
{
	struct tu_problems pr;
	char err[ERR_LEN];
	struct buf first = BUF_INIT, second = BUF_INIT, want = BUF_INIT;

	put_article(dir, "Q100709", NULL, "<cause ref=\"gremlins\" prior=\"1\"/>", NULL);
	put_article(dir, "Q123827", NULL, NULL, "<step ref=\"reboot\"/>");
	load_fails(dir, err, &pr);
	ck_assert_int_eq(pr.n, 2);
	buf_printf(&first, "%s/articles/Q100709.xml:9: unknown cause 'gremlins' "
	    "(not in causes.xml)", dir);
	buf_printf(&second, "%s/articles/Q123827.xml:10: unknown step 'reboot' "
	    "(not in steps.xml)", dir);
	ck_assert_str_eq(pr.msg[0], buf_str(&first));
	ck_assert_str_eq(pr.msg[1], buf_str(&second));
	buf_printf(&want, "%s (and 1 more problems)", buf_str(&first));
	ck_assert_str_eq(err, buf_str(&want));

	/* A third bad article, of another kind. */
	tu_write_in(dir, "articles/Q200000.xml", "<article");
	load_fails(dir, err, &pr);
	ck_assert_int_eq(pr.n, 3);
	buf_reset(&want);
	buf_printf(&want, "%s (and 2 more problems)", buf_str(&first));
	ck_assert_str_eq(err, buf_str(&want));
	ck_assert_contains(pr.msg[2], "/articles/Q200000.xml:1: ");
	buf_free(&first);
	buf_free(&second);
	buf_free(&want);
}
END_TEST

START_TEST(one_bad_article_fails_the_load)
{
	struct tu_problems pr;
	char err[ERR_LEN];

	put_article(dir, "Q123827", NULL, NULL, "<step ref=\"reboot\"/>");
	load_fails(dir, err, &pr);
	ck_assert_int_eq(pr.n, 1);
	ck_assert_not_contains(err, "more problems");
	ck_assert_contains(err, "unknown step 'reboot'");
}
END_TEST

START_TEST(on_problem_may_be_null)
{
	struct kb_load_params p = { 0 };
	char err[ERR_LEN];
	struct kb *k;

	put_article(dir, "Q100709", NULL, "<cause ref=\"gremlins\" prior=\"1\"/>", NULL);
	put_article(dir, "Q123827", NULL, "<cause ref=\"gremlins\" prior=\"1\"/>", NULL);
	p.dir = dir;
	ck_assert_int_eq(kb_load(&p, &k, err), -1);
	ck_assert_ptr_null(k);
	ck_assert_contains(err, "Q100709.xml:9: unknown cause 'gremlins'");
	ck_assert_contains(err, "(and 1 more problems)");
}
END_TEST

/* libxml2 must not print, and the caller's error handlers must survive. */
static int caller_errors;

static void
caller_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
	caller_errors++;
}

static void
caller_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
	caller_errors++;
}

START_TEST(library_stays_quiet)
{
	struct tu_problems pr;
	char err[ERR_LEN];
	char *tmp = tu_tmpdir(), *log;
	struct buf path = BUF_INIT;
	int saved;
	size_t len;
	FILE *f;

	tu_write_in(dir, "articles/Q100709.xml", "<article><title>unclosed</article>\n");
	tu_edit_in(dir, "articles/Q123827.xml", "kind=\"errmsg\"", "kind=\"nonsense\"");
	xmlSetGenericErrorFunc(&caller_errors, caller_generic);
	xmlSetStructuredErrorFunc(&caller_errors, caller_structured);

	buf_printf(&path, "%s/stderr", tmp);
	fflush(stderr);
	saved = dup(2);
	ck_assert_int_ge(saved, 0);
	f = fopen(buf_str(&path), "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(dup2(fileno(f), 2), 0);
	load_fails(dir, err, &pr);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(f);

	log = tu_read(buf_str(&path), &len);
	ck_assert_msg(len == 0, "kb_load printed: %s", log);
	ck_assert_int_eq(pr.n, 2);
	ck_assert_int_eq(caller_errors, 0);
	ck_assert_msg(xmlGenericError == caller_generic,
	    "kb_load did not restore the generic error handler");
	ck_assert_ptr_eq(xmlGenericErrorContext, &caller_errors);
	ck_assert_msg(xmlStructuredError == caller_structured,
	    "kb_load did not restore the structured error handler");
	ck_assert_ptr_eq(xmlStructuredErrorContext, &caller_errors);
	xmlSetGenericErrorFunc(NULL, NULL);
	xmlSetStructuredErrorFunc(NULL, NULL);
	free(log);
	tu_rmtree(tmp);
	free(tmp);
	buf_free(&path);
}
END_TEST

Suite *
kb_suite(void)
{
	Suite *s = suite_create("kb");
	TCase *tc = tcase_create("real");
	TCase *bad = tcase_create("broken");

	tcase_add_checked_fixture(tc, setup_real, teardown_real);
	tcase_add_test(tc, real_rule_base_loads);
	tcase_add_test(tc, articles_sorted_by_number);
	tcase_add_test(tc, article_fields);
	tcase_add_test(tc, article_symptom);
	tcase_add_test(tc, companion_symptom);
	tcase_add_test(tc, article_causes_with_priors);
	tcase_add_test(tc, knowledge_article_fields);
	tcase_add_test(tc, knowledge_articles_counted);
	tcase_add_test(tc, problems_only_leaves_out_knowledge);
	tcase_add_test(tc, rows_and_their_text);
	tcase_add_test(tc, vocabulary_loaded);
	tcase_add_test(tc, cause_catalog);
	tcase_add_test(tc, steps_in_order_and_shared);
	tcase_add_test(tc, step_parts_and_placeholders);
	tcase_add_test(tc, facts_resolved_at_load_time);
	tcase_add_test(tc, prose_white_space_collapsed);
	tcase_add_test(tc, related_ids);
	tcase_add_test(tc, find_article_ignores_case);
	tcase_add_test(tc, add_article_from_memory);
	tcase_add_test(tc, add_article_twice_is_refused);
	tcase_add_test(tc, add_article_errors_leave_kb_unchanged);
	tcase_add_test(tc, prose_collapsed_patterns_verbatim);
	tcase_add_test(tc, free_null);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(bad, setup_copy, teardown_copy);
	tcase_add_test(bad, copy_loads);
	tcase_add_test(bad, known_documents_skip_the_schema);
	tcase_add_test(bad, missing_directory);
	tcase_add_test(bad, file_instead_of_directory);
	tcase_add_test(bad, no_directory_given);
	tcase_add_test(bad, missing_schema);
	tcase_add_test(bad, broken_schema);
	tcase_add_test(bad, missing_causes);
	tcase_add_test(bad, missing_table);
	tcase_add_test(bad, wrong_document_kind);
	tcase_add_test(bad, cause_defined_twice);
	tcase_add_test(bad, shared_step_defined_twice);
	tcase_add_test(bad, malformed_article);
	tcase_add_test(bad, empty_article_file);
	tcase_add_test(bad, schema_violation_element);
	tcase_add_test(bad, schema_violation_attribute);
	tcase_add_test(bad, schema_violation_prior);
	tcase_add_test(bad, schema_violation_identifier);
	tcase_add_test(bad, schema_violation_list_word);
	tcase_add_test(bad, schema_violation_quotes_no_control);
	tcase_add_test(bad, control_characters_refused);
	tcase_add_test(bad, refused_overlap_leaves_nothing_behind);
	tcase_add_test(bad, unknown_cause_ref);
	tcase_add_test(bad, unknown_step_ref);
	tcase_add_test(bad, step_addresses_unknown_cause);
	tcase_add_test(bad, step_needs_unknown_step);
	tcase_add_test(bad, unknown_fact);
	tcase_add_test(bad, unknown_fact_table);
	tcase_add_test(bad, unknown_fact_field);
	tcase_add_test(bad, missing_optional_fact_field);
	tcase_add_test(bad, article_id_not_file_name);
	tcase_add_test(bad, symptom_defined_twice);
	tcase_add_test(bad, cause_listed_twice);
	tcase_add_test(bad, step_listed_twice);
	tcase_add_test(bad, no_primary_symptom);
	tcase_add_test(bad, article_of_another_kind);
	tcase_add_test(bad, knowledge_article_with_symptoms);
	tcase_add_test(bad, errmsg_article_with_a_body);
	tcase_add_test(bad, knowledge_article_unknown_fact);
	tcase_add_test(bad, vocabulary_said_twice);
	tcase_add_test(bad, vocabulary_missing);
	tcase_add_test(bad, big_line_numbers);
	tcase_add_test(bad, external_entity_rejected);
	tcase_add_test(bad, billion_laughs_rejected);
	tcase_add_test(bad, empty_articles_dir);
	tcase_add_test(bad, missing_articles_dir);
	tcase_add_test(bad, non_xml_files_ignored);
	tcase_add_test(bad, directory_named_like_an_article);
	tcase_add_test(bad, goes_on_after_a_bad_article);
	tcase_add_test(bad, one_bad_article_fails_the_load);
	tcase_add_test(bad, on_problem_may_be_null);
	tcase_add_test(bad, library_stays_quiet);
	suite_add_tcase(s, bad);
	return s;
}
