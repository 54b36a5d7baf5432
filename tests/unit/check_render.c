/*
 * render: every format, with strings from a log that try to break each one
 * (Markdown syntax, HTML markup, backticks, quotes, non-ASCII).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "util/buf.h"
#include "diag.h"
#include "plan.h"
#include "query.h"
#include "rank.h"
#include "render.h"
#include "testutil.h"
#include "util/xmem.h"

#define HOSTILE "<script>alert(1)</script> & *bold* _x_ `tick` [l](u) # \"q\" caf\xc3\xa9"

static struct kb *kb;
static struct diagnosis *d;

/* A diagnosis as the pipeline would build it, with a hostile error text. */
static void
setup(void)
{
	struct diag_incident *inc;

	kb = tu_kb_mini();
	d = xcalloc(1, sizeof(*d));
	d->inputs = xcalloc(1, sizeof(*d->inputs));
	d->ninputs = 1;
	d->inputs[0].name = xstrdup("logs/smtp<gate>.log");
	d->inputs[0].lines = 42;
	d->inputs[0].format = xstrdup("legacy");
	d->incidents = xcalloc(1, sizeof(*d->incidents));
	d->nincidents = 1;
	inc = &d->incidents[0];
	inc->kb_article = kb_find_article(kb, "Q123827");
	inc->article = xstrdup("Q123827");
	inc->title = xstrdup(inc->kb_article->title);
	inc->error = xstrdup(HOSTILE);
	inc->count = 3;
	inc->first_seen = xstrdup("1994-03-01T09:19:42");
	inc->last_seen = xstrdup("1994-03-01T09:30:15");
	inc->peer.host = xstrdup("relay.example");
	inc->peer.port = 25;
	inc->locations = xcalloc(DIAG_MAX_LOCATIONS, sizeof(*inc->locations));
	inc->locations[0].file = xstrdup("logs/smtp<gate>.log");
	inc->locations[0].line = 7;
	inc->nlocations = 1;
	rank_causes(inc);
	plan_steps(inc);
	diag_warn(d, "logs/smtp<gate>.log:9: a warning with <b>markup</b>");
}

static void
teardown(void)
{
	diag_free(d);
	kb_free(kb);
}

static char *
render(enum render_format f)
{
	struct buf out = BUF_INIT;
	char err[ERR_LEN];

	ck_assert_msg(render_diagnosis(d, f, &out, err) == 0, "%s", err);
	return buf_detach(&out);
}

START_TEST(format_names)
{
	enum render_format f;
	char err[ERR_LEN];

	ck_assert_int_eq(render_format_parse("md", &f, err), 0);
	ck_assert_int_eq(f, RENDER_MARKDOWN);
	ck_assert_int_eq(render_format_parse("json", &f, err), 0);
	ck_assert_str_eq(render_format_name(f), "json");
	ck_assert_int_eq(render_format_parse("yaml", &f, err), -1);
	ck_assert_str_eq(err, "unknown format 'yaml' (use text, markdown, html or json)");
}
END_TEST

START_TEST(text_shows_everything_and_wraps)
{
	char *t = render(RENDER_TEXT), *line, *next;
	size_t cols, i;

	ck_assert_contains(t, "1 incident in 42 lines of 1 log.");
	ck_assert_contains(t, "Incident 1 of 1: Q123827");
	ck_assert_contains(t, "  Error:       " HOSTILE "\n");
	ck_assert_contains(t, "3 times, from 1994-03-01T09:19:42 to 1994-03-01T09:30:15");
	ck_assert_contains(t, "relay.example port 25 (named by the log)");
	ck_assert_contains(t, "logs/smtp<gate>.log line 7");
	ck_assert_contains(t, " 30%  Fault in the TCP/IP stack of the gateway PC [tcpip-layer-error]");
	ck_assert_contains(t, "telnet relay.example 25");
	/* Prose is wrapped at RENDER_WIDTH columns (counting characters). */
	for (line = t; line && *line; line = next) {
		next = strchr(line, '\n');
		for (cols = 0, i = 0; line + i < (next ? next : line + strlen(line)); i++)
			if (((unsigned char)line[i] & 0xC0) != 0x80)
				cols++;
		if (strncmp(line, "  Error:", 8) != 0)
			ck_assert_msg(cols <= RENDER_WIDTH, "line too long (%zu): %.*s", cols,
			    (int)(next ? next - line : (long)strlen(line)), line);
		if (next)
			next++;
	}
	free(t);
}
END_TEST

START_TEST(markdown_escapes_what_it_does_not_mean)
{
	char *t = render(RENDER_MARKDOWN);

	ck_assert_contains(t, "# kbdiag diagnosis\n");
	ck_assert_contains(t, "## 1. Q123827: SMTP: Err Msg: Error (119) Network Write Error\n");
	/* The error text is a code span whose fence is longer than any run of
	 * backticks in it, so nothing inside is interpreted. */
	ck_assert_contains(t, "- **Error:** ``" HOSTILE "``\n");
	ck_assert_contains(t, "1. From the gateway PC, open an SMTP session by hand: "
	    "`telnet relay.example 25`");
	ck_assert_contains(t, "logs/smtp\\<gate\\>.log");
	ck_assert_contains(t, "a warning with \\<b\\>markup\\</b\\>");
	ck_assert_contains(t, "(`tcpip-layer-error`): 30%");
	free(t);
}
END_TEST

static xmlNodePtr
find_element(xmlNodePtr n, const char *name, const char *attr, const char *value)
{
	xmlNodePtr c, hit;

	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0) {
			xmlChar *v = attr ? xmlGetProp(n, BAD_CAST attr) : NULL;
			int ok = attr == NULL || (v && xmlStrcmp(v, BAD_CAST value) == 0);

			xmlFree(v);
			if (ok)
				return n;
		}
		for (c = n->children; c; c = c->next)
			if ((hit = find_element(c, name, attr, value)) != NULL)
				return hit;
	}
	return NULL;
}

/* Text that starts or ends with a backtick needs a space inside the fence. */
START_TEST(markdown_code_span_edges)
{
	char *t;

	free(d->incidents[0].error);
	d->incidents[0].error = xstrdup("`a`` b`");
	t = render(RENDER_MARKDOWN);
	ck_assert_contains(t, "- **Error:** ``` `a`` b` ```\n");
	free(t);
}
END_TEST

START_TEST(html_is_well_formed_and_escaped)
{
	char *t = render(RENDER_HTML);
	htmlDocPtr doc;
	xmlNodePtr sec, code, li;
	xmlChar *content;

	ck_assert_msg(strncmp(t, "<!DOCTYPE html>\n", 16) == 0, "%.40s", t);
	ck_assert_not_contains(t, "<script>");
	ck_assert_not_contains(t, "<b>markup");
	doc = htmlReadMemory(t, (int)strlen(t), "report.html", "UTF-8",
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	ck_assert_ptr_nonnull(doc);
	sec = find_element(xmlDocGetRootElement(doc), "section", "id", "incident-1");
	ck_assert_ptr_nonnull(sec);
	/* The first <code> of the section holds the error text, intact. */
	code = find_element(sec->children, "code", NULL, NULL);
	ck_assert_ptr_nonnull(code);
	content = xmlNodeGetContent(code);
	ck_assert_str_eq((const char *)content, HOSTILE);
	xmlFree(content);
	li = find_element(sec->children, "li", "data-cause", "peer-requires-push");
	ck_assert_ptr_nonnull(li);
	li = find_element(sec->children, "li", "data-step", "lanman-force-push");
	ck_assert_ptr_nonnull(li);
	content = xmlNodeGetContent(li);
	ck_assert_contains((const char *)content, "ForcePushBit=1");
	xmlFree(content);
	xmlFreeDoc(doc);
	free(t);
}
END_TEST

START_TEST(json_has_the_promised_keys)
{
	char *t = render(RENDER_JSON);
	json_error_t e;
	json_t *root = json_loads(t, 0, &e), *inc, *c, *s;

	ck_assert_msg(root != NULL, "%s at line %d", e.text, e.line);
	inc = json_array_get(json_object_get(root, "incidents"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(inc, "article")), "Q123827");
	ck_assert_str_eq(json_string_value(json_object_get(inc, "error")), HOSTILE);
	ck_assert_int_eq(json_integer_value(json_object_get(inc, "count")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(inc, "first_seen")),
	    "1994-03-01T09:19:42");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(inc, "peer"), "host")),
	    "relay.example");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(inc, "peer"), "port")),
	    25);
	c = json_array_get(json_object_get(inc, "causes"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(c, "id")), "tcpip-layer-error");
	ck_assert_double_eq_tol(json_number_value(json_object_get(c, "confidence")), 0.3, 1e-9);
	ck_assert(json_is_array(json_object_get(c, "evidence")));
	s = json_array_get(json_object_get(inc, "steps"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(s, "n")), 1);
	ck_assert_contains(json_string_value(json_object_get(s, "text")), "telnet relay.example 25");
	ck_assert_contains(json_string_value(json_object_get(s, "markdown")),
	    "`telnet relay.example 25`");
	ck_assert(json_is_array(json_object_get(inc, "probes")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(root, "warnings"), 0)),
	    "logs/smtp<gate>.log:9: a warning with <b>markup</b>");
	json_decref(root);
	free(t);
}
END_TEST

START_TEST(an_empty_diagnosis_in_every_format)
{
	struct diagnosis *empty = xcalloc(1, sizeof(*empty));
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	json_t *root;

	ck_assert_int_eq(render_diagnosis(empty, RENDER_TEXT, &out, err), 0);
	ck_assert_contains(buf_str(&out), "No known gateway error in 0 lines of 0 logs.");
	buf_reset(&out);
	ck_assert_int_eq(render_diagnosis(empty, RENDER_JSON, &out, err), 0);
	root = json_loads(buf_str(&out), 0, NULL);
	ck_assert_ptr_nonnull(root);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "incidents")), 0);
	json_decref(root);
	buf_reset(&out);
	ck_assert_int_eq(render_diagnosis(empty, RENDER_HTML, &out, err), 0);
	ck_assert_contains(buf_str(&out), "No known gateway error");
	buf_reset(&out);
	ck_assert_int_eq(render_diagnosis(empty, RENDER_MARKDOWN, &out, err), 0);
	ck_assert_contains(buf_str(&out), "No known gateway error");
	buf_free(&out);
	diag_free(empty);
}
END_TEST

START_TEST(query_results_in_every_format)
{
	struct matcher *m = tu_matcher(kb);
	struct query_results *q = query_run(kb, m, "Error (119) Network Write Error", 31);
	struct query_results *none = query_run(kb, m, "printer <jam>", 13);
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	json_t *root;

	ck_assert_int_eq(render_query(q, RENDER_TEXT, &out, err), 0);
	ck_assert_contains(buf_str(&out), "Q123827  1.00  SMTP: Err Msg: Error (119) Network Write Error");
	ck_assert_contains(buf_str(&out), "matches the primary symptom \"Error (119) Network Write Error\"");
	buf_reset(&out);
	ck_assert_int_eq(render_query(q, RENDER_JSON, &out, err), 0);
	root = json_loads(buf_str(&out), 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(root, "query")),
	    "Error (119) Network Write Error");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(root, "results"), 0), "article")), "Q123827");
	json_decref(root);
	buf_reset(&out);
	ck_assert_int_eq(render_query(none, RENDER_TEXT, &out, err), 0);
	ck_assert_str_eq(buf_str(&out), "No article in the rule base is about \"printer <jam>\".\n");
	buf_reset(&out);
	ck_assert_int_eq(render_query(none, RENDER_HTML, &out, err), 0);
	ck_assert_contains(buf_str(&out), "printer &lt;jam&gt;");
	buf_reset(&out);
	ck_assert_int_eq(render_query(none, RENDER_MARKDOWN, &out, err), 0);
	ck_assert_contains(buf_str(&out), "`printer <jam>`");
	buf_free(&out);
	query_free(q);
	query_free(none);
	match_free(m);
}
END_TEST

START_TEST(rule_base_listing_and_article)
{
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	json_t *root, *rel;

	ck_assert_int_eq(render_kb_list(kb, RENDER_TEXT, &out, err), 0);
	ck_assert_contains(buf_str(&out), "Q100709  errmsg       SMTP: Err Msg: Network_read");
	buf_reset(&out);
	ck_assert_int_eq(render_kb_list(kb, RENDER_HTML, &out, err), -1);
	ck_assert_str_eq(err, "kb list supports the text and json formats");
	ck_assert_int_eq(render_kb_article(kb, kb_find_article(kb, "Q100709"), RENDER_TEXT,
	    &out, err), 0);
	ck_assert_contains(buf_str(&out), "companion   SMTP_recv: system error");
	ck_assert_contains(buf_str(&out), "confirmed by tcp-connect:refused (x6)");
	ck_assert_contains(buf_str(&out), "Source:      Microsoft Knowledge Base Q100709");
	ck_assert_contains(buf_str(&out), "telnet SMART-HOST 25");
	ck_assert_contains(buf_str(&out), "Q102107 (not in this rule base)");
	buf_reset(&out);
	ck_assert_int_eq(render_kb_article(kb, kb_find_article(kb, "Q100709"), RENDER_JSON,
	    &out, err), 0);
	root = json_loads(buf_str(&out), 0, NULL);
	ck_assert_ptr_nonnull(root);
	rel = json_object_get(root, "related");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rel, 0), "id")),
	    "Q123827");
	ck_assert(json_is_true(json_object_get(json_array_get(rel, 0), "in_kb")));
	ck_assert(json_is_false(json_object_get(json_array_get(rel, 2), "in_kb")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "provenance"),
	    "archive")), "github.com/jeffpar/kbarchive");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
	    json_array_get(json_object_get(root, "causes"), 1), "evidence"), 0), "ref")),
	    "tcp-connect:refused");
	json_decref(root);
	buf_free(&out);
}
END_TEST

Suite *
render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("formats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, format_names);
	tcase_add_test(tc, text_shows_everything_and_wraps);
	tcase_add_test(tc, markdown_escapes_what_it_does_not_mean);
	tcase_add_test(tc, markdown_code_span_edges);
	tcase_add_test(tc, html_is_well_formed_and_escaped);
	tcase_add_test(tc, json_has_the_promised_keys);
	tcase_add_test(tc, an_empty_diagnosis_in_every_format);
	tcase_add_test(tc, query_results_in_every_format);
	tcase_add_test(tc, rule_base_listing_and_article);
	suite_add_tcase(s, tc);
	return s;
}
