/*
 * cli: the kbdiag command end to end. Every test runs the built binary
 * (tu_kbdiag) and checks its exit code, standard output and standard error
 * against the promises of docs/kbdiag.1: options, JSON keys, exit codes.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "util/buf.h"
#include "testutil.h"

/* Write a log into tu_scratch and return its path (caller frees). */
static char *
tmp_log(const char *name, const char *data, size_t len)
{
	char *path = tu_scratch_path(name);

	tu_write(path, data, len);
	return path;
}

static char *
sample(void)
{
	return tu_src("kb/samples/smtpgate.log");
}

/* Run kbdiag with a NULL-terminated argument vector (without argv[0]). */
static void
run_args(struct tu_run *r, const char *in, size_t len, const char *const *args)
{
	const char *argv[64];
	char *bin = tu_build("kbdiag");
	int n = 0;

	argv[n++] = bin;
	for (; *args; args++) {
		ck_assert(n < 63);
		argv[n++] = *args;
	}
	argv[n] = NULL;
	unsetenv("KBDIAG_KB");
	tu_runv(r, in, len, (char *const *)argv);
	free(bin);
}

static json_t *
parse_json(const struct tu_run *r)
{
	json_error_t e;
	json_t *j = json_loadb(r->out, r->outlen, 0, &e);

	ck_assert_msg(j != NULL, "output is not JSON (line %d: %s):\n%s", e.line, e.text,
	    r->out);
	return j;
}

/* root.incidents[] whose article is id, or NULL. */
static json_t *
incident_of(json_t *root, const char *id)
{
	json_t *incs = json_object_get(root, "incidents"), *inc;
	size_t i;

	ck_assert_msg(json_is_array(incs), "no incidents array");
	json_array_foreach(incs, i, inc) {
		const char *a = json_string_value(json_object_get(inc, "article"));

		if (a && strcmp(a, id) == 0)
			return inc;
	}
	return NULL;
}

static const char *
jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	ck_assert_msg(json_is_string(v), "\"%s\" is not a string", key);
	return json_string_value(v);
}

static void
assert_usage(const struct tu_run *r, const char *what)
{
	ck_assert_msg(r->status == 2, "%s: exit %d, not 2; stderr:\n%s", what, r->status,
	    r->err);
	ck_assert_msg(strncmp(r->err, "kbdiag: ", 8) == 0, "%s: no message:\n%s", what,
	    r->err);
	ck_assert_contains(r->err, "Try 'kbdiag --help' for more information.");
	ck_assert_msg(r->outlen == 0, "%s: wrote to stdout:\n%s", what, r->out);
}

static int
has_byte(const char *s, size_t n, char c)
{
	return memchr(s, c, n) != NULL;
}

/* A log with the error but no smart-host line, so that no peer is known. */
static const char bare_log[] = "09:19:42 - Error (119) Network Write Error,\n";

/* ---------------------------------------------------------------------- */
/* Help, version, usage errors                                              */

START_TEST(help_names_every_command_and_option)
{
	static const char *const opts[] = { "--help", "-h", "help", NULL };
	static const char *const words[] = { "diagnose", "query", "kb lint", "kb test",
	    "kb list", "kb show", "--kb", "--format", "--output", "--smarthost",
	    "--offline", "--quiet", "--help", "--version", "Exit status", NULL };
	struct tu_run r;
	size_t i, j;

	for (i = 0; opts[i]; i++) {
		const char *args[] = { opts[i], NULL };

		run_args(&r, NULL, 0, args);
		ck_assert_msg(r.status == 0, "%s: exit %d", opts[i], r.status);
		ck_assert_msg(r.errlen == 0, "%s: stderr: %s", opts[i], r.err);
		ck_assert_msg(strncmp(r.out, "Usage: kbdiag", 13) == 0, "%s:\n%s", opts[i],
		    r.out);
		for (j = 0; words[j]; j++)
			ck_assert_contains(r.out, words[j]);
		tu_run_free(&r);
	}
}
END_TEST

START_TEST(version_prints_the_version)
{
	static const char *const opts[] = { "--version", "-V", "--vers", NULL };
	struct tu_run r;
	unsigned a, b, c;
	size_t i;

	for (i = 0; opts[i]; i++) {
		const char *args[] = { opts[i], NULL };

		run_args(&r, NULL, 0, args);
		ck_assert_int_eq(r.status, 0);
		ck_assert_uint_eq(r.errlen, 0);
		ck_assert_msg(sscanf(r.out, "kbdiag %u.%u.%u\n", &a, &b, &c) == 3,
		    "%s: %s", opts[i], r.out);
		tu_run_free(&r);
	}
}
END_TEST

START_TEST(usage_errors_exit_2)
{
	static const struct {
		const char	*args[6];
		const char	*says;		/* part of the message */
	} cases[] = {
		{ { NULL }, "no command" },
		{ { "frob", NULL }, "unknown command 'frob'" },
		{ { "--frob", "diagnose", NULL }, "kbdiag: option '--frob': unknown option\n" },
		{ { "-x", "diagnose", NULL }, "kbdiag: option '-x': unknown option\n" },
		{ { "-qx", "diagnose", NULL }, "kbdiag: option '-x': unknown option\n" },
		{ { "diagnose", "--frob", NULL }, "option '--frob': unknown option" },
		{ { "--help=yes", NULL }, "option '--help': takes no value" },
		{ { "--o", "x", "diagnose", NULL }, "option '--o': ambiguous (--output, --offline, --observe)" },
		{ { "--offl=1", "diagnose", NULL }, "option '--offline': takes no value" },
		{ { "diagnose", "--kb", NULL }, "option '--kb': give it a value" },
		{ { "--kb=", "diagnose", NULL }, "--kb" },
		{ { "diagnose", "-f", NULL }, "option '-f': give it a value" },
		{ { "diagnose", "-qf", NULL }, "option '-f': give it a value" },
		{ { "diagnose", "-o", NULL }, "option '-o': give it a value" },
		{ { "query", "x", "--smarthost", NULL }, "option '--smarthost': give it a value" },
		{ { "--format", "yaml", "diagnose", NULL }, "unknown format 'yaml'" },
		{ { "-f", "", "diagnose", NULL }, "unknown format" },
		{ { "--smarthost", "bad host", "diagnose", NULL }, "not a valid host" },
		{ { "--smarthost", "relay:0", "diagnose", NULL }, "1 to 65535" },
		{ { "--smarthost", "relay:smtp", "diagnose", NULL }, "must be a number" },
		{ { "--smarthost", "::1", "diagnose", NULL }, "brackets" },
		{ { "query", NULL }, "query" },
		{ { "query", "  ", "\t", NULL }, "query" },
		{ { "kb", NULL }, "subcommand" },
		{ { "kb", "frob", NULL }, "unknown subcommand 'frob'" },
		{ { "kb", "frob", "x", NULL }, "unknown subcommand 'frob'" },
		{ { "kb", "show", NULL }, "kb show" },
		{ { "kb", "show", "Q123827", "Q100709", NULL }, "kb show" },
		{ { "kb", "lint", "extra", NULL }, "'extra'" },
		{ { "-f", "html", "kb", "list", NULL }, "kb list" },
		{ { "-f", "markdown", "kb", "show", "Q123827", NULL }, "kb show" },
	};
	struct tu_run r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "case %zu (%s)", i,
		    cases[i].args[0] ? cases[i].args[0] : "no arguments");
		run_args(&r, NULL, 0, cases[i].args);
		assert_usage(&r, what);
		ck_assert_msg(strstr(r.err, cases[i].says) != NULL,
		    "%s: expected \"%s\" in:\n%s", what, cases[i].says, r.err);
		tu_run_free(&r);
	}
}
END_TEST

/* A full disk on standard output is an error, not a silent success. */
START_TEST(unwritable_stdout_exits_3)
{
	static const char *const cmds[] = { "--help", "--version", "kb list",
	    "diagnose \"$1\"", NULL };
	char *bin = tu_build("kbdiag"), *log = sample();
	struct tu_run r;
	size_t i;

	ck_assert_msg(access("/dev/full", W_OK) == 0, "no /dev/full on this machine");
	for (i = 0; cmds[i]; i++) {
		char script[128];
		char *argv[] = { "/bin/sh", "-c", script, bin, log, NULL };

		snprintf(script, sizeof(script), "exec \"$0\" %s > /dev/full", cmds[i]);
		unsetenv("KBDIAG_KB");
		tu_runv(&r, NULL, 0, argv);
		ck_assert_msg(r.status == 3, "%s: exit %d", cmds[i], r.status);
		ck_assert_contains(r.err, "No space left on device");
		tu_run_free(&r);
	}
	free(log);
	free(bin);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* diagnose                                                                 */

START_TEST(diagnose_sample_as_text)
{
	char *log = sample();
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "diagnose", log, NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_uint_eq(r.errlen, 0);
	/* Q100709 and Q102107 both explain the lost connection at line 124. */
	ck_assert_contains(r.out, "3 incidents");
	ck_assert_contains(r.out, "Q123827");
	ck_assert_contains(r.out, "Q100709");
	ck_assert_contains(r.out, "Q102107");
	ck_assert_contains(r.out, "Error (119) Network Write Error");
	ck_assert_contains(r.out, "3 times");
	/* the steps are filled with the smart host the log names */
	ck_assert_contains(r.out, "telnet 127.0.0.1 25");
	ck_assert_contains(r.out, "ping 127.0.0.1");
	ck_assert_not_contains(r.out, "SMART-HOST");
	ck_assert_msg(strstr(r.out, "Q123827") < strstr(r.out, "Q100709"),
	    "incidents not in the order of their first line");
	tu_run_free(&r);
	free(log);
}
END_TEST

static const char *const shared_causes[] = { "tcpip-layer-error", "peer-host-down",
    "network-path-down", "peer-requires-push", NULL };

/* Checks one incident object against the promised keys. */
static void
check_incident(json_t *inc, const char *article, json_int_t count)
{
	json_t *peer, *causes, *steps, *c, *s;
	double prev = 2.0;
	size_t i;

	ck_assert_msg(inc != NULL, "no incident for %s", article);
	ck_assert_str_eq(jstr(inc, "article"), article);
	ck_assert_msg(strlen(jstr(inc, "error")) > 0, "empty error");
	ck_assert_msg(json_is_integer(json_object_get(inc, "count")), "count");
	ck_assert_int_eq(json_integer_value(json_object_get(inc, "count")), count);
	ck_assert_msg(strncmp(jstr(inc, "first_seen"), "1994-03-01T09:", 14) == 0,
	    "first_seen %s", jstr(inc, "first_seen"));
	ck_assert_msg(strcmp(jstr(inc, "first_seen"), jstr(inc, "last_seen")) <= 0,
	    "first_seen after last_seen");
	peer = json_object_get(inc, "peer");
	ck_assert_msg(json_is_object(peer), "no peer object");
	ck_assert_str_eq(jstr(peer, "host"), "127.0.0.1");
	ck_assert_int_eq(json_integer_value(json_object_get(peer, "port")), 25);
	ck_assert_str_eq(jstr(peer, "source"), "log");

	causes = json_object_get(inc, "causes");
	ck_assert_msg(json_is_array(causes) && json_array_size(causes) >= 1, "causes");
	json_array_foreach(causes, i, c) {
		json_t *conf = json_object_get(c, "confidence");

		ck_assert_msg(strlen(jstr(c, "id")) > 0, "cause without id");
		(void)jstr(c, "title");
		ck_assert_msg(json_is_number(conf), "confidence is not a number");
		ck_assert_double_ge(json_number_value(conf), 0.0);
		ck_assert_double_le(json_number_value(conf), 1.0);
		ck_assert_msg(json_number_value(conf) <= prev, "causes not best first");
		prev = json_number_value(conf);
		ck_assert_msg(json_is_array(json_object_get(c, "evidence")), "evidence");
	}
	/* the four causes DESIGN.md promises for these articles are all there */
	for (i = 0; shared_causes[i]; i++) {
		size_t j;

		json_array_foreach(causes, j, c)
			if (strcmp(jstr(c, "id"), shared_causes[i]) == 0)
				break;
		ck_assert_msg(j < json_array_size(causes), "no cause %s", shared_causes[i]);
	}

	steps = json_object_get(inc, "steps");
	ck_assert_msg(json_is_array(steps) && json_array_size(steps) >= 1, "steps");
	json_array_foreach(steps, i, s) {
		ck_assert_int_eq(json_integer_value(json_object_get(s, "n")), (json_int_t)i + 1);
		ck_assert_msg(strlen(jstr(s, "text")) > 0, "empty step");
	}
	json_array_foreach(steps, i, s)
		if (strstr(jstr(s, "text"), "telnet 127.0.0.1 25"))
			break;
	ck_assert_msg(i < json_array_size(steps), "no step filled with the smart host");
	ck_assert_msg(json_is_array(json_object_get(inc, "probes")), "probes");
}

START_TEST(diagnose_sample_as_json)
{
	char *log = sample();
	json_t *root, *inputs;
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "--format", "json", "diagnose", log, NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	root = parse_json(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "incidents")), 3);
	check_incident(incident_of(root, "Q123827"), "Q123827", 3);
	check_incident(incident_of(root, "Q100709"), "Q100709", 1);
	ck_assert_str_eq(jstr(incident_of(root, "Q100709"), "error"),
	    "ERROR Network_read: Lost network connection");
	inputs = json_object_get(root, "inputs");
	ck_assert_uint_eq(json_array_size(inputs), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(inputs, 0),
	    "lines")), 151);
	ck_assert(json_is_null(json_object_get(json_array_get(inputs, 0), "error")));
	json_decref(root);
	tu_run_free(&r);

	/* options after the command, and -f=... spelled the other way */
	tu_kbdiag(&r, NULL, 0, "diagnose", log, "-f", "json", NULL);
	ck_assert_int_eq(r.status, 0);
	root = parse_json(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "incidents")), 3);
	json_decref(root);
	tu_run_free(&r);
	free(log);
}
END_TEST

START_TEST(diagnose_sample_as_markdown)
{
	char *log = sample();
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "-f", "markdown", "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strncmp(r.out, "# ", 2) == 0, "no heading:\n%s", r.out);
	ck_assert_contains(r.out, "\n## 1. Q123827");
	ck_assert_contains(r.out, "\n## 2. Q100709");
	ck_assert_contains(r.out, "`telnet 127.0.0.1 25`");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "-f", "md", "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "\n## 1. Q123827");
	tu_run_free(&r);
	free(log);
}
END_TEST

/* Elements called name in node, its siblings and below, depth first: appended
 * to v (n of max used so far); returns the new count. */
static size_t
html_find(xmlNodePtr node, const char *name, xmlNodePtr *v, size_t max, size_t n)
{
	for (; node; node = node->next) {
		if (node->type == XML_ELEMENT_NODE &&
		    xmlStrcasecmp(node->name, BAD_CAST name) == 0 && n < max)
			v[n++] = node;
		n = html_find(node->children, name, v, max, n);
	}
	return n;
}

static htmlDocPtr
parse_html(const struct tu_run *r)
{
	htmlDocPtr doc = htmlReadMemory(r->out, (int)r->outlen, NULL, "UTF-8",
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);

	ck_assert_msg(doc != NULL, "not HTML:\n%s", r->out);
	return doc;
}

static char *
html_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *s = v ? strdup((char *)v) : NULL;

	xmlFree(v);
	return s;
}

static char *
html_text(xmlNodePtr n)
{
	xmlChar *v = xmlNodeGetContent(n);
	char *s = strdup(v ? (char *)v : "");

	xmlFree(v);
	return s;
}

START_TEST(diagnose_sample_as_html)
{
	static const char *const want[] = { "Q123827", "Q100709", "Q102107" };
	xmlNodePtr sections[8], h2[2];
	char *log = sample();
	htmlDocPtr doc;
	struct tu_run r;
	size_t i, n;

	tu_kbdiag(&r, NULL, 0, "-f", "html", "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strncmp(r.out, "<!DOCTYPE html>", 15) == 0, "%s", r.out);
	doc = parse_html(&r);
	n = html_find(xmlDocGetRootElement(doc), "section", sections, 8, 0);
	/* the verdict first, then the three incidents, then the summary */
	ck_assert_uint_eq(n, 5);
	{
		char *first = html_attr(sections[0], "id"), *last = html_attr(sections[4], "id");

		ck_assert_str_eq(first, "verdict");
		ck_assert_str_eq(last, "summary");
		free(first);
		free(last);
	}
	for (i = 0; i < 3; i++) {
		char id[32], *got = html_attr(sections[i + 1], "id"), *title;

		snprintf(id, sizeof(id), "incident-%zu", i + 1);
		ck_assert_msg(got && strcmp(got, id) == 0, "section id %s", got);
		ck_assert_uint_eq(html_find(sections[i + 1]->children, "h2", h2, 2, 0), 1);
		title = html_text(h2[0]);
		ck_assert_contains(title, want[i]);
		free(title);
		free(got);
	}
	xmlFreeDoc(doc);
	tu_run_free(&r);
	free(log);
}
END_TEST

/* Markup characters from a log are text in every format, never markup. */
START_TEST(markup_from_the_log_is_escaped)
{
	static const char err[] =
	    "Error (119) Network Write Error <b>bold</b> & \"q\" <script>x</script>";
	static const char line[] = "09:19:42 - Error (119) Network Write Error "
	    "<b>bold</b> & \"q\" <script>x</script>\n";
	char *log = tmp_log("markup.log", line, sizeof(line) - 1);
	xmlNodePtr nodes[16];
	htmlDocPtr doc;
	json_t *root;
	struct tu_run r;
	size_t i, n;
	int found = 0;

	tu_kbdiag(&r, NULL, 0, "-f", "html", "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "&lt;b&gt;bold&lt;/b&gt; &amp;");
	doc = parse_html(&r);
	ck_assert_uint_eq(html_find(xmlDocGetRootElement(doc), "b", nodes, 16, 0), 0);
	ck_assert_uint_eq(html_find(xmlDocGetRootElement(doc), "script", nodes, 16, 0), 0);
	n = html_find(xmlDocGetRootElement(doc), "code", nodes, 16, 0);
	for (i = 0; i < n; i++) {
		char *t = html_text(nodes[i]);

		found |= strcmp(t, err) == 0;
		free(t);
	}
	ck_assert_msg(found, "the error text is not a <code> of the report:\n%s", r.out);
	xmlFreeDoc(doc);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "-f", "json", "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	root = parse_json(&r);
	ck_assert_str_eq(jstr(incident_of(root, "Q123827"), "error"), err);
	json_decref(root);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, err);
	tu_run_free(&r);
	free(log);
}
END_TEST

START_TEST(log_without_known_error_exits_1)
{
	static const char *const formats[] = { "text", "markdown", "html", "json", NULL };
	static const char quiet[] = "09:00:00 - Gateway initialized\nhello\n";
	char *log = tmp_log("quiet.log", quiet, sizeof(quiet) - 1);
	json_t *root;
	struct tu_run r;
	size_t i;

	for (i = 0; formats[i]; i++) {
		tu_kbdiag(&r, NULL, 0, "-f", formats[i], "diagnose", log, NULL);
		ck_assert_msg(r.status == 1, "%s: exit %d", formats[i], r.status);
		ck_assert_msg(r.outlen > 0, "%s: no report", formats[i]);
		ck_assert_uint_eq(r.errlen, 0);
		tu_run_free(&r);
	}
	tu_kbdiag(&r, NULL, 0, "-f", "json", "diagnose", log, NULL);
	root = parse_json(&r);
	ck_assert_msg(json_is_array(json_object_get(root, "incidents")), "incidents");
	ck_assert_uint_eq(json_array_size(json_object_get(root, "incidents")), 0);
	json_decref(root);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "diagnose", log, NULL);
	ck_assert_contains(r.out, "No known gateway error");
	tu_run_free(&r);
	free(log);
}
END_TEST

START_TEST(log_from_stdin)
{
	static const char *const dash[] = { "-f", "json", "diagnose", "-", NULL };
	static const char *const none[] = { "-f", "json", "diagnose", NULL };
	const char *const *argv[] = { dash, none };
	char *log = sample(), *data;
	json_t *root;
	struct tu_run r;
	size_t len, i;

	data = tu_read(log, &len);
	for (i = 0; i < 2; i++) {
		run_args(&r, data, len, argv[i]);
		ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
		root = parse_json(&r);
		ck_assert_str_eq(jstr(json_array_get(json_object_get(root, "inputs"), 0),
		    "file"), "<stdin>");
		check_incident(incident_of(root, "Q123827"), "Q123827", 3);
		json_decref(root);
		tu_run_free(&r);
	}
	/* empty standard input: nothing found */
	tu_kbdiag(&r, NULL, 0, "diagnose", NULL);
	ck_assert_int_eq(r.status, 1);
	tu_run_free(&r);
	free(data);
	free(log);
}
END_TEST

START_TEST(missing_log_exits_3)
{
	char *missing = tu_scratch_path("no-such.log");
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "diagnose", missing, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, missing);
	ck_assert_contains(r.err, "No such file or directory");
	tu_run_free(&r);
	free(missing);
}
END_TEST

START_TEST(missing_log_beside_a_good_one)
{
	char *missing = tu_scratch_path("no-such.log"), *log = sample();
	json_t *root, *inputs;
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "diagnose", missing, log, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, missing);
	ck_assert_contains(r.out, "Q123827");
	ck_assert_contains(r.out, "Q100709");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "-f", "json", "diagnose", log, missing, NULL);
	ck_assert_int_eq(r.status, 3);
	root = parse_json(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "incidents")), 3);
	inputs = json_object_get(root, "inputs");
	ck_assert_uint_eq(json_array_size(inputs), 2);
	ck_assert(json_is_null(json_object_get(json_array_get(inputs, 0), "error")));
	ck_assert_contains(jstr(json_array_get(inputs, 1), "error"), "no-such.log");
	json_decref(root);
	tu_run_free(&r);
	free(missing);
	free(log);
}
END_TEST

START_TEST(directory_as_log_exits_3)
{
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "diagnose", tu_scratch, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, tu_scratch);
	ck_assert_contains(r.err, "directory");
	tu_run_free(&r);
}
END_TEST

/* Opening /proc/self/mem works, but reading at offset 0 fails (EIO). */
START_TEST(read_error_exits_3)
{
	json_t *root;
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "diagnose", "/proc/self/mem", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "/proc/self/mem");
	ck_assert_contains(r.err, "read error");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "-f", "json", "diagnose", "/proc/self/mem", NULL);
	ck_assert_int_eq(r.status, 3);
	root = parse_json(&r);
	ck_assert_contains(jstr(json_array_get(json_object_get(root, "inputs"), 0), "error"),
	    "read error");
	json_decref(root);
	tu_run_free(&r);
}
END_TEST

START_TEST(smarthost_fills_a_missing_peer)
{
	char *log = tmp_log("bare.log", bare_log, sizeof(bare_log) - 1), *good = sample();
	json_t *root, *peer;
	struct tu_run r;

	/* no smart host anywhere: unknown */
	tu_kbdiag(&r, NULL, 0, "-f", "json", "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	root = parse_json(&r);
	peer = json_object_get(incident_of(root, "Q123827"), "peer");
	ck_assert(json_is_null(json_object_get(peer, "host")));
	ck_assert_str_eq(jstr(peer, "source"), "none");
	json_decref(root);
	tu_run_free(&r);

	/* the log names none: --smarthost is used */
	tu_kbdiag(&r, NULL, 0, "-f", "json", "--smarthost", "relay.example:2525",
	    "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	root = parse_json(&r);
	peer = json_object_get(incident_of(root, "Q123827"), "peer");
	ck_assert_str_eq(jstr(peer, "host"), "relay.example");
	ck_assert_int_eq(json_integer_value(json_object_get(peer, "port")), 2525);
	ck_assert_str_eq(jstr(peer, "source"), "command-line");
	json_decref(root);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "--smarthost", "[::1]", "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "telnet ::1 25");
	tu_run_free(&r);

	/* the log names its own: that one wins */
	tu_kbdiag(&r, NULL, 0, "-f", "json", "--smarthost", "relay.example:2525",
	    "diagnose", good, NULL);
	ck_assert_int_eq(r.status, 0);
	root = parse_json(&r);
	peer = json_object_get(incident_of(root, "Q123827"), "peer");
	ck_assert_str_eq(jstr(peer, "host"), "127.0.0.1");
	ck_assert_int_eq(json_integer_value(json_object_get(peer, "port")), 25);
	ck_assert_str_eq(jstr(peer, "source"), "log");
	json_decref(root);
	tu_run_free(&r);
	free(log);
	free(good);
}
END_TEST

/* Escape sequences and invalid UTF-8 in a log never reach the output raw. */
START_TEST(terminal_escapes_and_bad_utf8_are_neutralised)
{
	static const char *const formats[] = { "text", "markdown", "html", "json", NULL };
	static const char data[] =
	    "09:19:40 - \x1b]0;owned\x07 title\n"
	    "09:19:42 - Error (119) Network Write Error \x1b[31mRED\x1b[0m \xff\xfe\xc3 end\n"
	    "\x1b[2J\xc0\x80 junk\n";
	char *log = tmp_log("esc.log", data, sizeof(data) - 1);
	char *missing = tu_scratch_path("esc\x1b[31m.log");
	json_t *root;
	struct tu_run r;
	size_t i;

	for (i = 0; formats[i]; i++) {
		tu_kbdiag(&r, NULL, 0, "-f", formats[i], "diagnose", log, NULL);
		ck_assert_msg(r.status == 0, "%s: exit %d", formats[i], r.status);
		ck_assert_msg(!has_byte(r.out, r.outlen, '\x1b'), "%s: raw ESC in:\n%s",
		    formats[i], r.out);
		ck_assert_msg(!has_byte(r.err, r.errlen, '\x1b'), "%s: raw ESC on stderr",
		    formats[i]);
		ck_assert_msg(!has_byte(r.out, r.outlen, '\xff'), "%s: raw 0xFF", formats[i]);
		ck_assert_contains(r.out, "\\x1B[31mRED");
		tu_run_free(&r);

		tu_kbdiag(&r, NULL, 0, "-f", formats[i], "query",
		    "Error (119) Network Write Error\x1b[31m lost\xff", NULL);
		ck_assert_msg(r.status == 0, "query %s: exit %d", formats[i], r.status);
		ck_assert_msg(!has_byte(r.out, r.outlen, '\x1b'), "query %s: raw ESC in:\n%s",
		    formats[i], r.out);
		tu_run_free(&r);
	}
	tu_kbdiag(&r, NULL, 0, "-f", "json", "diagnose", log, NULL);
	root = parse_json(&r);
	ck_assert_str_eq(jstr(incident_of(root, "Q123827"), "error"),
	    "Error (119) Network Write Error \\x1B[31mRED\\x1B[0m \\xFF\\xFE\\xC3 end");
	json_decref(root);
	tu_run_free(&r);

	/* nor through the name of a log that cannot be read */
	tu_kbdiag(&r, NULL, 0, "diagnose", missing, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_msg(!has_byte(r.err, r.errlen, '\x1b'), "raw ESC on stderr: %s", r.err);
	ck_assert_msg(!has_byte(r.out, r.outlen, '\x1b'), "raw ESC on stdout");
	tu_run_free(&r);
	free(missing);
	free(log);
}
END_TEST

START_TEST(ten_megabyte_line_warns)
{
	static const char tail[] = "\n09:19:42 - Error (119) Network Write Error,\n";
	size_t big = 10u * 1024 * 1024, len = 11 + big + sizeof(tail) - 1;
	char *data = malloc(len), *log;
	struct tu_run r;

	ck_assert(data != NULL);
	memcpy(data, "09:19:40 - ", 11);
	memset(data + 11, 'A', big);
	memcpy(data + 11 + big, tail, sizeof(tail) - 1);
	log = tmp_log("long.log", data, len);

	tu_kbdiag(&r, NULL, 0, "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);		/* the line after it still counts */
	ck_assert_contains(r.out, "Q123827");
	ck_assert_contains(r.err, "warning");
	ck_assert_contains(r.err, "long.log:1:");
	ck_assert_contains(r.err, "longer than");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "-q", "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(r.errlen == 0, "--quiet printed: %s", r.err);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "--quiet", "-f", "json", "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(r.errlen, 0);
	json_decref(parse_json(&r));
	tu_run_free(&r);

	/* nothing known in it: still exit 1, with the warning */
	tu_kbdiag(&r, data, 11 + big, "diagnose", NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "longer than");
	tu_run_free(&r);
	free(data);
	free(log);
}
END_TEST

/* Entries in dir. */
static size_t
dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	ck_assert(d != NULL);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

START_TEST(output_file_is_replaced_only_on_success)
{
	char *log = sample(), *dir = tu_scratch_path("out"), *out = tu_scratch_path("out/report.html");
	char *bad = tu_scratch_path("out/nodir/x.txt"), *missing_kb = tu_scratch_path("no-kb"), *got;
	char msg[4200];
	struct tu_run r, ref;
	size_t len;

	ck_assert(mkdir(dir, 0700) == 0);
	tu_write_str(out, "old report\n");
	tu_kbdiag(&ref, NULL, 0, "-f", "html", "diagnose", log, NULL);
	ck_assert_int_eq(ref.status, 0);

	tu_kbdiag(&r, NULL, 0, "-f", "html", "-o", out, "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(r.outlen, 0);
	got = tu_read(out, &len);
	ck_assert_uint_eq(len, ref.outlen);
	ck_assert_msg(memcmp(got, ref.out, len) == 0, "-o wrote something else");
	free(got);
	tu_run_free(&r);
	ck_assert_uint_eq(dir_entries(dir), 1);

	/* a run that fails before any result leaves the old file alone */
	tu_write_str(out, "old report\n");
	tu_kbdiag(&r, NULL, 0, "--kb", missing_kb, "-o", out, "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 3);
	got = tu_read(out, NULL);
	ck_assert_str_eq(got, "old report\n");
	free(got);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "--output", out, "-f", "yaml", "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 2);
	got = tu_read(out, NULL);
	ck_assert_str_eq(got, "old report\n");
	free(got);
	tu_run_free(&r);

	/* output that cannot be written: exit 3, named, no temporary left */
	tu_kbdiag(&r, NULL, 0, "-o", bad, "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 3);
	snprintf(msg, sizeof(msg), "kbdiag: cannot write %s: No such file or directory", bad);
	ck_assert_contains(r.err, msg);
	ck_assert_uint_eq(r.outlen, 0);
	tu_run_free(&r);
	ck_assert_uint_eq(dir_entries(dir), 1);

	/* other commands write there too (--format over the name's .html); "-" is
	 * standard output */
	tu_kbdiag(&r, NULL, 0, "-o", out, "-f", "text", "query", "Error (119) Network Write Error",
	    NULL);
	ck_assert_int_eq(r.status, 0);
	got = tu_read(out, NULL);
	ck_assert_msg(strncmp(got, "Q123827", 7) == 0, "%s", got);
	free(got);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "-o", "-", "kb", "list", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "Q123827");
	tu_run_free(&r);
	ck_assert_uint_eq(dir_entries(dir), 1);

	tu_run_free(&ref);
	free(missing_kb);
	free(bad);
	free(out);
	free(dir);
	free(log);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* query                                                                    */

START_TEST(query_exact_text)
{
	json_t *root, *res, *first;
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "query", "Error (119) Network Write Error", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strncmp(r.out, "Q123827", 7) == 0, "%s", r.out);
	ck_assert_contains(r.out, "1.00");
	tu_run_free(&r);

	/* several words make one text */
	tu_kbdiag(&r, NULL, 0, "-f", "json", "query", "Error", "(119)", "Network", "Write",
	    "Error", NULL);
	ck_assert_int_eq(r.status, 0);
	root = parse_json(&r);
	ck_assert_str_eq(jstr(root, "query"), "Error (119) Network Write Error");
	res = json_object_get(root, "results");
	ck_assert_msg(json_is_array(res) && json_array_size(res) >= 1, "results");
	first = json_array_get(res, 0);
	ck_assert_str_eq(jstr(first, "article"), "Q123827");
	ck_assert_msg(strlen(jstr(first, "title")) > 0, "title");
	ck_assert_msg(json_is_number(json_object_get(first, "score")), "score");
	ck_assert_double_eq(json_number_value(json_object_get(first, "score")), 1.0);
	json_decref(root);
	tu_run_free(&r);
}
END_TEST

/* --top cuts the list; --explain says what a score is made of; the best
 * result brings its causes and first steps. */
START_TEST(query_top_and_explain)
{
	json_t *root, *res;
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "-f", "json", "query", "--top", "1",
	    "Error (119) Network Write Error", NULL);
	ck_assert_int_eq(r.status, 0);
	root = parse_json(&r);
	res = json_object_get(root, "results");
	ck_assert_uint_eq(json_array_size(res), 1);
	ck_assert_double_eq(json_number_value(json_object_get(json_object_get(
	    json_array_get(res, 0), "explain"), "base")), 0.9);
	json_decref(root);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "query", "--explain", "Error (119) Network Write Error", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "why: pattern [network-write-119] of a primary symptom");
	ck_assert_contains(r.out, "Causes: ");
	ck_assert_contains(r.out, "Step 1: ");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "query", "--top", "0", "x", NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "kbdiag: option '--top': '0' is not a number from 1 to 1000");
	tu_run_free(&r);
}
END_TEST

/* query -: the text from standard input, bounded. */
START_TEST(query_from_standard_input)
{
	static const char lines[] = "14:07:59 - ERROR Network_read: Lost network connection\n"
	    "14:07:59 - SMTP_recv: system error\n";
	size_t big = 2 * 1024 * 1024, i;
	char *junk = malloc(big);
	struct tu_run r;

	tu_kbdiag(&r, lines, sizeof(lines) - 1, "query", "--top", "1", "-", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strncmp(r.out, "Q100709", 7) == 0, "%s", r.out);
	tu_run_free(&r);

	/* 2 MiB of bytes of every value: the first 1 MiB is read, said so. */
	ck_assert_ptr_nonnull(junk);
	for (i = 0; i < big; i++)
		junk[i] = (char)(i * 7919 % 251);
	tu_kbdiag(&r, junk, big, "query", "-", NULL);
	ck_assert_msg(r.status == 0 || r.status == 1, "exit %d", r.status);
	ck_assert_contains(r.err, "only the first 1048576 bytes of standard input are used");
	tu_run_free(&r);
	/* exactly 1 MiB: all of it, no note */
	tu_kbdiag(&r, junk, 1024 * 1024, "query", "-", NULL);
	ck_assert_msg(r.status == 0 || r.status == 1, "exit %d", r.status);
	ck_assert_msg(strstr(r.err, "only the first") == NULL, "%s", r.err);
	tu_run_free(&r);
	free(junk);
}
END_TEST

START_TEST(query_without_match)
{
	json_t *root, *res;
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "-f", "json", "query", "printer out of paper", NULL);
	ck_assert_int_eq(r.status, 1);
	root = parse_json(&r);
	ck_assert_str_eq(jstr(root, "query"), "printer out of paper");
	res = json_object_get(root, "results");
	ck_assert_msg(json_is_array(res), "no results array");
	ck_assert_uint_eq(json_array_size(res), 0);
	json_decref(root);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "query", "printer out of paper", NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "printer out of paper");
	tu_run_free(&r);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* The rule base                                                            */


START_TEST(missing_rule_base_exits_3)
{
	char *dir = tu_scratch_path("nowhere/kb"), *log = sample();
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "--kb", dir, "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, dir);
	ck_assert_uint_eq(r.outlen, 0);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "--kb", dir, "query", "anything", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, dir);
	tu_run_free(&r);

	/* a directory that is no rule base */
	tu_kbdiag(&r, NULL, 0, "--kb", tu_scratch, "kb", "list", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "kb.rng");
	tu_run_free(&r);
	free(dir);
	free(log);
}
END_TEST

START_TEST(malformed_xml_names_file_and_line)
{
	char *kb = tu_kb_copy(), *log = sample();
	struct tu_run r;

	tu_write_in(kb, "articles/Q123827.xml", "<?xml version=\"1.0\"?>\n"
	    "<article id=\"Q123827\" kind=\"errmsg\">\n"
	    "  <title>broken</titel>\n"
	    "<provenance archive=\"t\" encoded=\"2026-01-01\"/></article>\n");
	tu_kbdiag(&r, NULL, 0, "--kb", kb, "diagnose", log, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "articles/Q123827.xml:3");
	ck_assert_uint_eq(r.outlen, 0);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "--kb", kb, "kb", "lint", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "articles/Q123827.xml:3");
	ck_assert_not_contains(r.out, "valid");
	tu_run_free(&r);
	tu_kb_copy_free(kb);
	free(log);
}
END_TEST


START_TEST(bad_pattern_names_article_and_symptom)
{
	char *kb = tu_kb_copy();
	struct tu_run r;

	tu_edit_in(kb, "articles/Q123827.xml",
	    "<pattern>\\bError \\(119\\) Network Write Error</pattern>",
	    "<pattern>\\bError \\(119\\) Network (Write Error</pattern>");
	tu_kbdiag(&r, NULL, 0, "--kb", kb, "query", "Error (119) Network Write Error", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "Q123827");
	ck_assert_contains(r.err, "network-write-119");
	ck_assert_contains(r.err, "Q123827.xml:");
	ck_assert_uint_eq(r.outlen, 0);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "--kb", kb, "kb", "lint", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "network-write-119");
	tu_run_free(&r);
	tu_kb_copy_free(kb);
}
END_TEST

/* kb lint lists every bad pattern, not only the first. */
START_TEST(lint_lists_every_bad_pattern)
{
	char *kb = tu_kb_copy();
	struct tu_run r;

	tu_edit_in(kb, "articles/Q123827.xml",
	    "<pattern>\\bError \\(119\\) Network Write Error</pattern>",
	    "<pattern>\\bError \\(119\\) Network (Write Error</pattern>");
	tu_edit_in(kb, "articles/Q100709.xml",
	    "<pattern>\\bSMTP_recv: *system error</pattern>",
	    "<pattern>(SMTP_recv) \\1</pattern>");
	tu_kbdiag(&r, NULL, 0, "--kb", kb, "kb", "lint", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "Q123827 symptom 'network-write-119': pattern does not compile");
	ck_assert_contains(r.err, "Q100709 symptom 'smtp-recv-system': back-references");
	ck_assert_uint_eq(r.outlen, 0);
	tu_run_free(&r);

	/* Other commands report the first, and how many more. */
	tu_kbdiag(&r, NULL, 0, "--kb", kb, "query", "x", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "(and 1 more problems)");
	tu_run_free(&r);
	tu_kb_copy_free(kb);
}
END_TEST

START_TEST(kb_subcommands)
{
	json_t *root;
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "kb", "lint", NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_contains(r.out, ": valid: ");
	ck_assert_contains(r.out, " articles, ");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "kb", "test", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, " 0 failures");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "kb", "list", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "Q100709");
	ck_assert_contains(r.out, "Q123827");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "-f", "json", "kb", "list", NULL);
	ck_assert_int_eq(r.status, 0);
	root = parse_json(&r);
	ck_assert_uint_ge(json_array_size(json_object_get(root, "articles")), 2);
	json_decref(root);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "kb", "show", "Q123827", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "Q123827");
	ck_assert_contains(r.out, "Error (119) Network Write Error");
	ck_assert_contains(r.out, "peer-requires-push");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "-f", "json", "kb", "show", "q123827", NULL);
	ck_assert_int_eq(r.status, 0);
	root = parse_json(&r);
	ck_assert_str_eq(jstr(root, "id"), "Q123827");
	json_decref(root);
	tu_run_free(&r);

	/* a knowledge article: what it says, its facts, who cites it */
	tu_kbdiag(&r, NULL, 0, "kb", "show", "Q99718", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "Kind:        reference");
	ck_assert_contains(r.out, "What it says:");
	ck_assert_contains(r.out, "switches:q  SMTPGATE.EXE -Q (count): default 180.");
	ck_assert_contains(r.out, "Cited by:");
	ck_assert_contains(r.out, "Q129239");
	ck_assert(strstr(r.out, "Messages:") == NULL);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "-f", "json", "kb", "show", "Q99718", NULL);
	ck_assert_int_eq(r.status, 0);
	root = parse_json(&r);
	ck_assert_uint_ge(json_array_size(json_object_get(root, "body")), 1);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(root, "facts"), 0), "key"), "q");
	ck_assert_uint_ge(json_array_size(json_object_get(root, "cited_by")), 1);
	json_decref(root);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "kb", "show", "Q999999", NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.err, "Q999999");
	ck_assert_uint_eq(r.outlen, 0);
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "kb", "frobnicate", NULL);
	assert_usage(&r, "kb frobnicate");
	tu_run_free(&r);
}
END_TEST

START_TEST(kb_test_failure_exits_3)
{
	char *kb = tu_kb_copy();
	struct tu_run r;

	tu_edit_in(kb, "articles/Q123827.xml",
	    "<example>Error (119) Network Write Error</example>",
	    "<example>Error (911) Network Wrote Error</example>");
	tu_kbdiag(&r, NULL, 0, "--kb", kb, "kb", "test", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.out, "1 failure");
	ck_assert_contains(r.err, "Network Wrote Error");
	tu_run_free(&r);
	tu_kb_copy_free(kb);
}
END_TEST

START_TEST(kbdiag_kb_variable_is_honoured)
{
	char *kb = tu_kb_copy(), *bin = tu_build("kbdiag"), *missing = tu_scratch_path("gone");
	char *lint[] = { bin, "kb", "lint", NULL };
	char *over[] = { bin, "--kb", NULL, "kb", "lint", NULL };
	struct tu_run r;
	char *src = tu_src("kb");

	setenv("KBDIAG_KB", kb, 1);
	tu_runv(&r, NULL, 0, lint);
	unsetenv("KBDIAG_KB");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strncmp(r.out, kb, strlen(kb)) == 0, "not %s: %s", kb, r.out);
	tu_run_free(&r);

	setenv("KBDIAG_KB", missing, 1);
	tu_runv(&r, NULL, 0, lint);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, missing);
	tu_run_free(&r);

	/* --kb wins over the variable */
	over[2] = src;
	tu_runv(&r, NULL, 0, over);
	unsetenv("KBDIAG_KB");
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, src);
	tu_run_free(&r);

	/* an empty value is ignored: the build tree's kb/ is found */
	setenv("KBDIAG_KB", "", 1);
	tu_runv(&r, NULL, 0, lint);
	unsetenv("KBDIAG_KB");
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "valid");
	tu_run_free(&r);

	free(src);
	free(missing);
	free(bin);
	tu_kb_copy_free(kb);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* The manual page                                                          */

/* The man page source with roff's \- turned into plain hyphens. */
static char *
man_source(void)
{
	char *path = tu_src("docs/kbdiag.1"), *s, *p, *q;

	s = tu_read(path, NULL);
	for (p = q = s; *p; p++) {
		if (p[0] == '\\' && p[1] == '-')
			p++;
		*q++ = *p;
	}
	*q = '\0';
	free(path);
	return s;
}

START_TEST(man_page_documents_every_option_and_exit_code)
{
	char *man = man_source(), *exit_sec, *end, *p;
	struct tu_run r;
	size_t n = 0;
	int code;

	tu_kbdiag(&r, NULL, 0, "--help", NULL);
	ck_assert_int_eq(r.status, 0);
	for (p = r.out; (p = strstr(p, "--")) != NULL; ) {
		char opt[64];
		size_t len = 2;

		while (len < sizeof(opt) - 1 && (p[len] == '-' || (p[len] >= 'a' && p[len] <= 'z')))
			len++;
		memcpy(opt, p, len);
		opt[len] = '\0';
		p += len;
		if (len <= 2)
			continue;
		n++;
		ck_assert_msg(strstr(man, opt) != NULL, "%s is not in docs/kbdiag.1", opt);
	}
	ck_assert_uint_ge(n, 8);

	exit_sec = strstr(man, "\n.SH EXIT STATUS\n");
	ck_assert_msg(exit_sec != NULL, "no EXIT STATUS section");
	end = strstr(exit_sec + 1, "\n.SH ");
	ck_assert_msg(end != NULL, "EXIT STATUS is the last section");
	*end = '\0';
	for (code = 0; code <= 4; code++) {
		char tag[32];

		snprintf(tag, sizeof(tag), "\n.TP\n.B %d\n", code);
		ck_assert_msg(strstr(exit_sec, tag) != NULL, "exit code %d is not in EXIT STATUS",
		    code);
	}
	*end = '\n';
	for (p = (char *)"NAME\0SYNOPSIS\0DESCRIPTION\0COMMANDS\0OPTIONS\0OUTPUT FORMATS\0"
	    "FILES\0ENVIRONMENT\0EXIT STATUS\0EXAMPLES\0SEE ALSO\0"; *p; p += strlen(p) + 1) {
		char sec[64];

		snprintf(sec, sizeof(sec), "\n.SH %s\n", p);
		ck_assert_msg(strstr(man, sec) != NULL, "no section %s", p);
	}
	tu_run_free(&r);
	free(man);
}
END_TEST

START_TEST(man_page_renders_without_warnings)
{
	char *page = tu_src("docs/kbdiag.1");
	char *argv[] = { "/usr/bin/groff", "-man", "-ww", "-z", page, NULL };
	struct tu_run r;

	ck_assert_msg(access(argv[0], X_OK) == 0,
	    "/usr/bin/groff is missing: run 'make deps-test' (it installs groff-base)");
	tu_runv(&r, NULL, 0, argv);
	ck_assert_msg(r.status == 0, "groff exit %d: %s", r.status, r.err);
	ck_assert_msg(r.errlen == 0, "groff warns:\n%s", r.err);
	ck_assert_uint_eq(r.outlen, 0);
	tu_run_free(&r);
	free(page);
}
END_TEST

Suite *
cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("kbdiag");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, help_names_every_command_and_option);
	tcase_add_test(tc, version_prints_the_version);
	tcase_add_test(tc, usage_errors_exit_2);
	tcase_add_test(tc, unwritable_stdout_exits_3);
	tcase_add_test(tc, diagnose_sample_as_text);
	tcase_add_test(tc, diagnose_sample_as_json);
	tcase_add_test(tc, diagnose_sample_as_markdown);
	tcase_add_test(tc, diagnose_sample_as_html);
	tcase_add_test(tc, markup_from_the_log_is_escaped);
	tcase_add_test(tc, log_without_known_error_exits_1);
	tcase_add_test(tc, log_from_stdin);
	tcase_add_test(tc, missing_log_exits_3);
	tcase_add_test(tc, missing_log_beside_a_good_one);
	tcase_add_test(tc, directory_as_log_exits_3);
	tcase_add_test(tc, read_error_exits_3);
	tcase_add_test(tc, smarthost_fills_a_missing_peer);
	tcase_add_test(tc, terminal_escapes_and_bad_utf8_are_neutralised);
	tcase_add_test(tc, ten_megabyte_line_warns);
	tcase_add_test(tc, output_file_is_replaced_only_on_success);
	tcase_add_test(tc, query_exact_text);
	tcase_add_test(tc, query_top_and_explain);
	tcase_add_test(tc, query_from_standard_input);
	tcase_add_test(tc, query_without_match);
	tcase_add_test(tc, missing_rule_base_exits_3);
	tcase_add_test(tc, malformed_xml_names_file_and_line);
	tcase_add_test(tc, bad_pattern_names_article_and_symptom);
	tcase_add_test(tc, lint_lists_every_bad_pattern);
	tcase_add_test(tc, kb_subcommands);
	tcase_add_test(tc, kb_test_failure_exits_3);
	tcase_add_test(tc, kbdiag_kb_variable_is_honoured);
	tcase_add_test(tc, man_page_documents_every_option_and_exit_code);
	tcase_add_test(tc, man_page_renders_without_warnings);
	suite_add_tcase(s, tc);
	return s;
}
