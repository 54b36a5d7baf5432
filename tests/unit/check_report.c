/*
 * check_report: `kbdiag report` and `kbdiag fix` end to end: a saved
 * diagnosis whose standing cause is peer-requires-push, a DOS root in the
 * scratch directory, every format and every exit code.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/HTMLparser.h>

#include "util/buf.h"
#include "testutil.h"
#include "util/xmem.h"

#define INI "[protman]\r\n  DRIVERNAME = PROTMAN$\r\n[TCPIP]\r\n  DRIVERNAME = TCPIP$\r\n" \
	"  IPADDRESS0 = 10 0 0 5\r\n"

/*
 * The sample log's diagnosis, saved as JSON, with its first incident only
 * and the peer's product observed as IBM TCP/IP V2R2, so that
 * peer-requires-push stands. Returns its path (caller frees).
 */
static char *
saved_push(const char *name)
{
	struct tu_run r;
	char *log = tu_src("kb/samples/smtpgate.log"), *path = tu_scratch_path(name), *s;
	json_t *root, *incs, *inc, *obs;
	json_error_t je;
	size_t i;

	tu_kbdiag(&r, NULL, 0, "diagnose", "--format", "json", log, NULL);
	ck_assert_int_eq(r.status, 0);
	root = json_loads(r.out, 0, &je);
	ck_assert_ptr_nonnull(root);
	incs = json_object_get(root, "incidents");
	inc = json_incref(json_array_get(incs, 0));
	json_array_clear(incs);
	json_array_append_new(incs, inc);
	obs = json_object_get(inc, "observations");
	/* The log's own greeting named no product: this peer is another one. */
	for (i = json_array_size(obs); i > 0; i--)
		if (strcmp(json_string_value(json_object_get(json_array_get(obs, i - 1),
		    "source")), "peer-product") == 0)
			json_array_remove(obs, i - 1);
	json_array_append_new(obs, json_pack("{s:s, s:s, s:s, s:s}", "source", "peer-product",
	    "value", "ibm-tcpip-v2r2", "origin", "probe", "detail", "IBM TCP/IP V2R2"));
	s = json_dumps(root, 0);
	tu_write_str(path, s);
	free(s);
	json_decref(root);
	tu_run_free(&r);
	free(log);
	return path;
}

/*
 * The saved diagnosis is untrusted: a detail written to be read as HTML or
 * Markdown comes out escaped in the Markdown report.
 */
START_TEST(report_markdown_escapes_the_saved_text)
{
	char *saved = saved_push("escape.json"), *text;
	struct tu_run r;

	text = tu_read(saved, NULL);
	ck_assert_contains(text, "\"IBM TCP/IP V2R2\"");
	/* the observation's detail, as a hand-edited file could have it */
	{
		char *at = strstr(text, "\"IBM TCP/IP V2R2\""), *edited;
		struct buf b = BUF_INIT;

		buf_append(&b, text, (size_t)(at - text));
		buf_puts(&b, "\"<img src=x onerror=alert(1)> **bold** [x](http://e.test)\"");
		buf_puts(&b, at + strlen("\"IBM TCP/IP V2R2\""));
		edited = buf_detach(&b);
		tu_write_str(saved, edited);
		free(edited);
	}
	free(text);
	tu_kbdiag(&r, NULL, 0, "--format", "markdown", "report", saved, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "\\<img src=x onerror=alert(1)\\> \\*\\*bold\\*\\* "
	    "\\[x\\](http://e.test)");
	/* every "<img" there (the verdict's cause and the evidence) is escaped */
	{
		const char *at = strstr(r.out, "<img");
		size_t n = 0;

		for (; at != NULL; at = strstr(at + 1, "<img"), n++)
			ck_assert(at > r.out && at[-1] == '\\');
		ck_assert_uint_ge(n, 1);
	}
	tu_run_free(&r);
	free(saved);
}
END_TEST

/* A DOS root with LANMAN.DOS/PROTOCOL.INI holding ini. */
static char *
dos_root(const char *name, const char *ini)
{
	char *root = tu_scratch_path(name), sub[1024];

	ck_assert_int_eq(mkdir(root, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/LANMAN.DOS", root);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	tu_write_in(root, "LANMAN.DOS/PROTOCOL.INI", ini);
	return root;
}

static char *
ini_of(const char *root)
{
	char path[1024];
	size_t len;

	snprintf(path, sizeof(path), "%s/LANMAN.DOS/PROTOCOL.INI", root);
	return tu_read(path, &len);
}

START_TEST(report_in_each_format)
{
	char *saved = saved_push("report.json"), *root = dos_root("report-dos", INI), *now;
	struct tu_run r;
	json_t *j;
	json_error_t je;
	htmlDocPtr doc;

	tu_kbdiag(&r, NULL, 0, "--dos-root", root, "report", saved, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	/* (the text format wraps at 80 columns, under the item's text) */
	ck_assert_contains(r.out, "Summary\n  1 incident.\n  Cause that stands: The smart host "
	    "waits for the TCP PUSH flag\n    (peer-requires-push), in 1 incident.\n"
	    "  Edits proposed: 1.\n");
	ck_assert_contains(r.out, "Error:      Error (119) Network Write Error");
	ck_assert_contains(r.out, "Smart host: 127.0.0.1 port 25");
	ck_assert_contains(r.out, "for: The peer is the product known to wait for PUSH.");
	ck_assert_contains(r.out, "    1. [ ] ");
	ck_assert_contains(r.out, "+  ForcePushBit = 1\n");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "--dos-root", root, "--format", "markdown", "report", saved,
	    NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "# Fix report\n");
	ck_assert_contains(r.out, "### Steps\n\n1. [ ] ");
	ck_assert_contains(r.out, "```diff\n--- a/LANMAN.DOS/PROTOCOL.INI\n");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "--dos-root", root, "--format", "html", "report", saved, NULL);
	ck_assert_int_eq(r.status, 0);
	doc = htmlReadMemory(r.out, (int)r.outlen, NULL, "utf-8", HTML_PARSE_NOERROR |
	    HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	ck_assert_ptr_nonnull(doc);
	xmlFreeDoc(doc);
	ck_assert_contains(r.out, "<pre class=\"diff\">");
	ck_assert_contains(r.out, "<input type=\"checkbox\">");
	tu_run_free(&r);

	tu_kbdiag(&r, NULL, 0, "--dos-root", root, "--format", "json", "report", saved, NULL);
	ck_assert_int_eq(r.status, 0);
	j = json_loads(r.out, 0, &je);
	ck_assert_msg(j != NULL, "%s", je.text);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "summary"),
	    "edits")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(j, "incidents"), 0), "cause"), "id")), "peer-requires-push");
	ck_assert_contains(json_string_value(json_object_get(json_array_get(json_object_get(
	    json_object_get(j, "fix"), "edits"), 0), "diff")), "+  ForcePushBit = 1\n");
	json_decref(j);
	tu_run_free(&r);

	/* A report writes nothing under the root. */
	now = ini_of(root);
	ck_assert_str_eq(now, INI);
	free(now);
	free(saved);
	free(root);
}
END_TEST

START_TEST(report_exit_codes)
{
	char *saved = saved_push("codes.json"), *bad = tu_scratch_path("bad.json"),
	    *empty = tu_scratch_path("empty.json");
	struct tu_run r;

	/* Without --dos-root: the edit is named, not shown. */
	tu_kbdiag(&r, NULL, 0, "report", saved, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "No --dos-root was given");
	tu_run_free(&r);
	tu_write_str(bad, "{\"incidents\": [ {\"article\": 7} ]}");
	tu_kbdiag(&r, NULL, 0, "report", bad, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "bad.json");
	tu_run_free(&r);
	tu_write_str(empty, "{\"incidents\": []}");
	tu_kbdiag(&r, NULL, 0, "report", empty, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "0 incidents.");
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "report", NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "--apply", "report", saved, NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	free(saved);
	free(bad);
	free(empty);
}
END_TEST

START_TEST(fix_dry_run_apply_undo)
{
	char *saved = saved_push("fix.json"), *root = dos_root("fix-dos", INI), *now;
	char kdir[1024];
	struct tu_run r;
	struct stat st;

	snprintf(kdir, sizeof(kdir), "%s/.kbdiag", root);
	/* Usage errors. */
	tu_kbdiag(&r, NULL, 0, "fix", "--apply", saved, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "--apply needs --dos-root");
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "fix", "--undo", NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "fix", "--apply", "--undo", "--dos-root", root, saved, NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	/* Dry run: the diff, nothing written. */
	tu_kbdiag(&r, NULL, 0, "fix", "--dos-root", root, saved, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "@@ -3,3 +3,4 @@\n [TCPIP]\n   DRIVERNAME = TCPIP$\n"
	    "   IPADDRESS0 = 10 0 0 5\n+  ForcePushBit = 1\n");
	tu_run_free(&r);
	now = ini_of(root);
	ck_assert_str_eq(now, INI);
	free(now);
	ck_assert_int_ne(stat(kdir, &st), 0);
	/* Apply. */
	tu_kbdiag(&r, NULL, 0, "fix", "--apply", "--dos-root", root, saved, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_contains(r.out, "kbdiag fix --undo --dos-root");
	tu_run_free(&r);
	now = ini_of(root);
	ck_assert_str_eq(now, "[protman]\r\n  DRIVERNAME = PROTMAN$\r\n[TCPIP]\r\n"
	    "  DRIVERNAME = TCPIP$\r\n  IPADDRESS0 = 10 0 0 5\r\n  ForcePushBit = 1\r\n");
	free(now);
	/* Now there is nothing to do. */
	tu_kbdiag(&r, NULL, 0, "fix", "--apply", "--dos-root", root, saved, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "already set");
	tu_run_free(&r);
	/* Undo, then nothing to undo. */
	tu_kbdiag(&r, NULL, 0, "fix", "--undo", "--dos-root", root, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tu_run_free(&r);
	now = ini_of(root);
	ck_assert_str_eq(now, INI);
	free(now);
	ck_assert_int_ne(stat(kdir, &st), 0);
	tu_kbdiag(&r, NULL, 0, "fix", "--undo", "--dos-root", root, saved, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "Nothing to undo");
	tu_run_free(&r);
	free(saved);
	free(root);
}
END_TEST

START_TEST(fix_refusals)
{
	char *saved = saved_push("refuse.json"), *root = dos_root("refuse-dos", INI), *now;
	char *nosec = dos_root("nosec-dos", "[protman]\r\n  DRIVERNAME = PROTMAN$\r\n");
	struct tu_run r;

	/* A missing section: said, nothing proposed. */
	tu_kbdiag(&r, NULL, 0, "fix", "--apply", "--dos-root", nosec, saved, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "no [TCPIP] or [TCPIP_XIF] section (the TCP/IP stack's configuration is not invented)");
	tu_run_free(&r);
	/* Undo after a hand edit: refused, the file kept. */
	tu_kbdiag(&r, NULL, 0, "fix", "--apply", "--dos-root", root, saved, NULL);
	ck_assert_int_eq(r.status, 0);
	tu_run_free(&r);
	tu_write_in(root, "LANMAN.DOS/PROTOCOL.INI", INI "  ForcePushBit = 1\r\n; mine\r\n");
	tu_kbdiag(&r, NULL, 0, "fix", "--undo", "--dos-root", root, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "was changed since --apply");
	ck_assert_contains(r.err, ".kbdiag/PROTOCOL.INI.orig");
	ck_assert_contains(r.out, "+; mine\n");
	tu_run_free(&r);
	now = ini_of(root);
	ck_assert_str_eq(now, INI "  ForcePushBit = 1\r\n; mine\r\n");
	free(now);
	free(saved);
	free(root);
	free(nosec);
}
END_TEST

/* The history verify appends: in each format of report, escaped where it must be. */
START_TEST(report_shows_the_history)
{
	char *saved = saved_push("hist.json"), *root = dos_root("hist-dos", INI), *text;
	struct tu_run r;
	json_t *j;
	htmlDocPtr doc;

	tu_kbdiag(&r, NULL, 0, "fix", "--apply", "--dos-root", root, saved, NULL);
	ck_assert_int_eq(r.status, 0);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "--dos-root", root, "verify", saved, NULL);
	ck_assert_int_eq(r.status, 1);	/* offline: in place, nothing proves it */
	ck_assert_contains(r.out, "Applied (");
	tu_run_free(&r);
	/* A hand-edited history is untrusted like the rest. */
	text = tu_read(saved, NULL);
	{
		char *at = strstr(strstr(text, "\"history\""), "\"why\": \"");
		struct buf b = BUF_INIT;

		ck_assert_ptr_nonnull(at);
		buf_append(&b, text, (size_t)(at - text) + 8);
		buf_puts(&b, "<img src=x> **bold** ");
		buf_puts(&b, at + 8);
		tu_write_str(saved, buf_str(&b));
		buf_free(&b);
	}
	free(text);
	tu_kbdiag(&r, NULL, 0, "--dos-root", root, "report", saved, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "\nVerification history\n");
	ck_assert_contains(r.out, "(checked: peer-requires-push): inconclusive");
	ck_assert_contains(r.out, "  Last verification: inconclusive (");
	ck_assert_contains(r.out, "saw force-push-bit:in-place (check)");
	ck_assert_contains(r.out, "already done: ForcePushBit = 1 is already set");
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "--format", "markdown", "report", saved, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "## Verification history\n\n### ");
	ck_assert_contains(r.out, "\\<img src=x\\> \\*\\*bold\\*\\*");
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "--format", "html", "report", saved, NULL);
	ck_assert_int_eq(r.status, 0);
	doc = htmlReadMemory(r.out, (int)r.outlen, NULL, "utf-8", HTML_PARSE_NOERROR |
	    HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	ck_assert_ptr_nonnull(doc);
	xmlFreeDoc(doc);
	ck_assert_contains(r.out, "<section id=\"history\">");
	ck_assert_contains(r.out, "&lt;img src=x&gt;");
	ck_assert_ptr_null(strstr(r.out, "<img"));
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "--format", "json", "--dos-root", root, "report", saved, NULL);
	ck_assert_int_eq(r.status, 0);
	j = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j,
	    "history"), 0), "outcome")), "inconclusive");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "summary"),
	    "verified")), "inconclusive");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j,
	    "incidents"), 0), "fix_cause")), "peer-requires-push");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
	    json_object_get(j, "fix"), "fixes"), 0), "status")), "already");
	json_decref(j);
	tu_run_free(&r);
	free(saved);
	free(root);
}
END_TEST

Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_set_timeout(tc, 30);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, report_in_each_format);
	tcase_add_test(tc, report_markdown_escapes_the_saved_text);
	tcase_add_test(tc, report_exit_codes);
	tcase_add_test(tc, fix_dry_run_apply_undo);
	tcase_add_test(tc, fix_refusals);
	tcase_add_test(tc, report_shows_the_history);
	suite_add_tcase(s, tc);
	return s;
}
