/* spool: durable message files, states, and files cut short; msg: sendmail -t. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "msg.h"
#include "spool.h"
#include "testutil.h"
#include "xmem.h"

static struct spool *
open_spool(const char *name)
{
	char *dir = tu_scratch_path(name), err[ERR_LEN];
	struct spool *s;

	ck_assert_msg(spool_open(dir, &s, err) == 0, "%s", err);
	free(dir);
	return s;
}

static void
put(struct spool *s, const char *text, char id[SPOOL_ID_MAX])
{
	char *rcpts[] = { "bob@example.org", "carol@example.org" }, err[ERR_LEN], *w;
	size_t wlen;

	w = spool_wire(text, strlen(text), &wlen);
	ck_assert_msg(spool_put(s, "alice@example.org", rcpts, 2, w, wlen, id, err) == 0, "%s",
	    err);
	free(w);
}

static char *
path_in(struct spool *s, const char *state, const char *id)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s/%s/%s", spool_dir(s), state, id);
	return buf_detach(&b);
}

START_TEST(wire_form)
{
	size_t n;
	const char *in = "a\n.b\r\n..c\nlast";
	char *w = spool_wire(in, strlen(in), &n);

	ck_assert_str_eq(w, "a\r\n..b\r\n...c\r\nlast\r\n");
	ck_assert_uint_eq(n, strlen(w));
	free(w);
	w = spool_wire("", 0, &n);
	ck_assert_uint_eq(n, 0);
	free(w);
	/* a lone CR inside a line is data, not a line end */
	w = spool_wire("x\ry\n", 4, &n);
	ck_assert_str_eq(w, "x\ry\r\n");
	free(w);
}
END_TEST

START_TEST(put_and_load)
{
	struct spool *s = open_spool("put");
	struct spool_msg m;
	char id[SPOOL_ID_MAX], err[ERR_LEN], *p;

	put(s, "Subject: x\n\n.hidden\nbody\n", id);
	p = path_in(s, "new", id);
	ck_assert_msg(access(p, F_OK) == 0, "%s missing", p);
	free(p);
	ck_assert_uint_eq(tu_count_files(spool_dir(s), "tmp", ""), 0);
	ck_assert_msg(spool_load(s, id, 1, &m, err) == 0, "%s", err);
	ck_assert_str_eq(m.id, id);
	ck_assert_int_eq(m.state, SPOOL_NEW);
	ck_assert_str_eq(m.from, "alice@example.org");
	ck_assert_uint_eq(m.nrcpts, 2);
	ck_assert_str_eq(m.rcpts[1], "carol@example.org");
	ck_assert_str_eq(m.data, "Subject: x\r\n\r\n..hidden\r\nbody\r\n");
	ck_assert_uint_eq(m.attempts, 0);
	spool_msg_free(&m);
	spool_close(s);
}
END_TEST

START_TEST(ids_are_unique)
{
	struct spool *s = open_spool("ids");
	char a[SPOOL_ID_MAX], b[SPOOL_ID_MAX];
	int i;

	put(s, "x\n", a);
	for (i = 0; i < 50; i++) {
		put(s, "x\n", b);
		ck_assert_str_ne(a, b);
	}
	ck_assert_uint_eq(tu_count_files(spool_dir(s), "new", ""), 51);
	spool_close(s);
}
END_TEST

START_TEST(bad_addresses_refused)
{
	struct spool *s = open_spool("addr");
	char *bad[] = { "bob@example.org>\r\nRCPT TO:<eve@example.org" }, id[SPOOL_ID_MAX];
	char *good[] = { "bob@example.org" }, err[ERR_LEN];

	ck_assert_int_eq(spool_put(s, "a@b", bad, 1, "", 0, id, err), -1);
	ck_assert_contains(err, "invalid recipient");
	ck_assert_int_eq(spool_put(s, "a@b\n", good, 1, "", 0, id, err), -1);
	ck_assert_contains(err, "invalid sender");
	ck_assert_int_eq(spool_put(s, "a@b", good, 0, "", 0, id, err), -1);
	ck_assert_uint_eq(tu_count_files(spool_dir(s), "new", ""), 0);
	spool_close(s);
}
END_TEST

static size_t nbad;
static char bad_why[ERR_LEN];

static void
on_bad(void *arg, const char *id, const char *why)
{
	(void)arg;
	(void)id;
	nbad++;
	snprintf(bad_why, sizeof(bad_why), "%s", why);
}

/* A file cut short (by a crash, a full disk, a copy) is never delivered half. */
START_TEST(cut_short_goes_to_bad)
{
	struct spool *s = open_spool("cut");
	struct spool_msg *list, m;
	char id[SPOOL_ID_MAX], err[ERR_LEN], *p, *data, *why;
	size_t n, len;

	put(s, "Subject: x\n\nline one\nline two\n", id);
	p = path_in(s, "new", id);
	data = tu_read(p, &len);
	ck_assert_int_eq(truncate(p, (off_t)(len - 10)), 0);
	nbad = 0;
	ck_assert_msg(spool_list(s, 0, &list, &n, on_bad, NULL, err) == 0, "%s", err);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(nbad, 1);
	ck_assert_contains(bad_why, "cut short");
	ck_assert_msg(access(p, F_OK) != 0, "the cut file is still in new/");
	free(p);
	p = path_in(s, "bad", id);
	ck_assert_msg(access(p, F_OK) == 0, "the cut file is not in bad/");
	{
		struct buf b = BUF_INIT;

		buf_printf(&b, "%s.why", p);
		why = tu_read(buf_str(&b), NULL);
		ck_assert_contains(why, "cut short");
		free(why);
		buf_free(&b);
	}
	spool_list_free(list, n);
	/* listed in bad/ with its reason, once */
	ck_assert_int_eq(spool_list(s, 1, &list, &n, on_bad, NULL, err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(list[0].state, SPOOL_BAD);
	ck_assert_ptr_nonnull(list[0].last_error);
	ck_assert_uint_eq(nbad, 1);
	spool_list_free(list, n);
	/* loading it says why, too */
	ck_assert_int_eq(spool_load(s, id, 1, &m, err), -1);
	ck_assert_contains(err, "cut short");
	free(p);
	free(data);
	spool_close(s);
}
END_TEST

START_TEST(defer_then_bad)
{
	struct spool *s = open_spool("defer");
	struct spool_msg *list, m;
	char id[SPOOL_ID_MAX], err[ERR_LEN], *p;
	size_t n;

	put(s, "hello\n", id);
	ck_assert_int_eq(spool_list(s, 0, &list, &n, NULL, NULL, err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_null(list[0].data);
	ck_assert_msg(spool_defer(s, &list[0], "ERROR connect: (121) network error", 12345, 0,
	    err) == 0, "%s", err);
	ck_assert_int_eq(list[0].state, SPOOL_DEFERRED);
	spool_list_free(list, n);
	p = path_in(s, "new", id);
	ck_assert_msg(access(p, F_OK) != 0, "still in new/");
	free(p);
	ck_assert_int_eq(spool_load(s, id, 1, &m, err), 0);
	ck_assert_int_eq(m.state, SPOOL_DEFERRED);
	ck_assert_uint_eq(m.attempts, 1);
	ck_assert_int_eq(m.next_try, 12345);
	ck_assert_str_eq(m.last_error, "ERROR connect: (121) network error");
	ck_assert_str_eq(m.data, "hello\r\n");
	ck_assert_int_eq(spool_defer(s, &m, "x\ny", 0, 1, err), 0);
	spool_msg_free(&m);
	ck_assert_int_eq(spool_load(s, id, 1, &m, err), 0);
	ck_assert_int_eq(m.state, SPOOL_BAD);
	ck_assert_uint_eq(m.attempts, 2);
	ck_assert_str_eq(m.last_error, "x y");
	ck_assert_str_eq(m.data, "hello\r\n");
	spool_msg_free(&m);
	ck_assert_int_eq(spool_list(s, 0, &list, &n, NULL, NULL, err), 0);
	ck_assert_uint_eq(n, 0);
	spool_list_free(list, n);
	spool_close(s);
}
END_TEST

/* A crash between the rename into deferred/ and the unlink in new/. */
START_TEST(crash_between_states)
{
	struct spool *s = open_spool("twice");
	struct spool_msg *list;
	char id[SPOOL_ID_MAX], err[ERR_LEN], *newp, *data;
	size_t n, len;

	put(s, "hello\n", id);
	newp = path_in(s, "new", id);
	data = tu_read(newp, &len);
	ck_assert_int_eq(spool_list(s, 0, &list, &n, NULL, NULL, err), 0);
	ck_assert_int_eq(spool_defer(s, &list[0], "e", 0, 0, err), 0);
	spool_list_free(list, n);
	tu_write(newp, data, len);	/* the old file is back */
	ck_assert_int_eq(spool_list(s, 0, &list, &n, NULL, NULL, err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(list[0].state, SPOOL_DEFERRED);
	ck_assert_msg(access(newp, F_OK) != 0, "the stale copy in new/ was kept");
	spool_list_free(list, n);
	free(newp);
	free(data);
	spool_close(s);
}
END_TEST

START_TEST(done_removes)
{
	struct spool *s = open_spool("done");
	struct spool_msg m;
	char id[SPOOL_ID_MAX], err[ERR_LEN];

	put(s, "hello\n", id);
	ck_assert_int_eq(spool_load(s, id, 0, &m, err), 0);
	ck_assert_int_eq(spool_done(s, &m, 1, err), 0);
	spool_msg_free(&m);
	ck_assert_int_eq(spool_load(s, id, 0, &m, err), -1);
	ck_assert_contains(err, "no message");
	ck_assert_int_eq(spool_load(s, "../etc", 0, &m, err), -1);
	ck_assert_contains(err, "invalid message id");
	spool_close(s);
}
END_TEST

static void
expect_parse_fail(const char *text, const char *why)
{
	struct spool_msg m;
	char err[ERR_LEN] = "";

	ck_assert_msg(spool_parse(text, strlen(text), 1, &m, err) == -1, "accepted: %s", text);
	ck_assert_msg(strstr(err, why) != NULL, "\"%s\" lacks \"%s\"", err, why);
}

#define HDR "SMTPGW-SPOOL 1\nid: a\ncreated: 1\nfrom: x@y\nrcpt: z@w\n"

START_TEST(parse_errors)
{
	struct spool_msg m;
	char err[ERR_LEN];
	const char *ok = HDR "size: 3\n\nab\nEND 3\n";

	ck_assert_msg(spool_parse(ok, strlen(ok), 1, &m, err) == 0, "%s", err);
	ck_assert_str_eq(m.data, "ab\n");
	spool_msg_free(&m);
	expect_parse_fail("", "not a spool file");
	expect_parse_fail("From: x\n", "not a spool file");
	expect_parse_fail(HDR "size: 3\n", "cut short in the header");
	expect_parse_fail(HDR "size: 3\n\nab", "cut short");
	expect_parse_fail(HDR "size: 3\n\nab\nEND 2\n", "no trailer");
	expect_parse_fail(HDR "size: 3\n\nab\nEND 3\nmore", "no trailer");
	expect_parse_fail(HDR "size: 99999999999999999999999\n\n", "bad number");
	expect_parse_fail(HDR "size: -1\n\n", "bad number");
	expect_parse_fail(HDR "bogus\n\n", "not \"key: value\"");
	expect_parse_fail("SMTPGW-SPOOL 1\nid: a\ncreated: 1\nfrom: x@y\nsize: 0\n\nEND 0\n",
	    "a recipient");
	expect_parse_fail("SMTPGW-SPOOL 1\nid: ../x\ncreated: 1\nfrom: x@y\nrcpt: a\nsize: 0\n\n"
	    "END 0\n", "bad or repeated id");
}
END_TEST

static void
expect_rcpts(const char *msg, const char *const *want, size_t nwant)
{
	char **got;
	size_t n, i;

	msg_recipients(msg, strlen(msg), &got, &n);
	ck_assert_msg(n == nwant, "%zu recipients, want %zu, from:\n%s", n, nwant, msg);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(got[i], want[i]);
	msg_free_list(got, n);
}

START_TEST(recipients_from_header)
{
	static const char *const a[] = { "b@y", "c@z", "d@w", "e@v" };
	static const char *const b[] = { "x@y" };
	static const char *const c[] = { "q@r" };
	char *s;
	size_t n;

	expect_rcpts("From: a@x\nTo: \"Smith, Bob\" <b@y>, c@z\nCc: (comment, here) d@w\n"
	    "Bcc: e@v\nSubject: to: f@u\n\nTo: g@t\n", a, 4);
	expect_rcpts("To: undisclosed-recipients:;\nCc:\n x@y\n\n", b, 1);
	expect_rcpts("Subject: none\r\nTO: q@r\r\n\r\n", c, 1);
	expect_rcpts("Subject: none\n\n", NULL, 0);
	const char *m = "To: a@b\nBcc: c@d,\n e@f\nSubject: s\n\nBcc: body\n";

	s = msg_strip_bcc(m, strlen(m), &n);
	ck_assert_str_eq(s, "To: a@b\nSubject: s\n\nBcc: body\n");
	ck_assert_uint_eq(n, strlen(s));
	free(s);
}
END_TEST

Suite *
spool_suite(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("spool");

	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, wire_form);
	tcase_add_test(tc, put_and_load);
	tcase_add_test(tc, ids_are_unique);
	tcase_add_test(tc, bad_addresses_refused);
	tcase_add_test(tc, cut_short_goes_to_bad);
	tcase_add_test(tc, defer_then_bad);
	tcase_add_test(tc, crash_between_states);
	tcase_add_test(tc, done_removes);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, recipients_from_header);
	suite_add_tcase(s, tc);
	return s;
}
