/*
 * smtp/reply: the one reply reader, its two modes at their edges (the line
 * limits, the codes, the 100 lines), fed in pieces as a socket gives them.
 * The relay's and the probes' own tests (check_relay*, check_probe*) show
 * what each caller makes of it.
 */
#include <check.h>
#include <string.h>

#include "smtp/reply.h"
#include "util/buf.h"

/* Feed text a byte at a time; the outcome of the first next() that is not
   MORE, with the line in *l. */
static enum smtp_read
feed_until(struct smtp_reader *rd, const char *text, size_t n, struct smtp_line *l)
{
	enum smtp_read st;
	size_t i = 0;

	while ((st = smtp_reader_next(rd, l)) == SMTP_READ_MORE && i < n)
		smtp_reader_feed(rd, text + i++, 1);
	return st;
}

/* A reader in mode with text fed in one piece. */
static void
start(struct smtp_reader *rd, enum smtp_reply_mode mode, const char *text)
{
	smtp_reader_init(rd, mode);
	smtp_reader_begin(rd);
	smtp_reader_feed(rd, text, strlen(text));
}

START_TEST(strict_multiline)
{
	static const char r[] = "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 100\r\n";
	struct smtp_reader rd;
	struct smtp_line l;

	start(&rd, SMTP_REPLY_STRICT, r);
	ck_assert_int_eq(smtp_reader_next(&rd, &l), SMTP_READ_LINE);
	ck_assert_int_eq(l.code, 250);
	ck_assert_int_eq(l.last, 0);
	ck_assert_int_eq(l.index, 0);
	ck_assert_int_eq(l.len, 11);
	ck_assert_int_eq(memcmp(l.text, "250-mx.test", 11), 0);
	ck_assert_int_eq(smtp_reader_next(&rd, &l), SMTP_READ_LINE);
	ck_assert_int_eq(l.last, 0);
	ck_assert_int_eq(smtp_reader_next(&rd, &l), SMTP_READ_LINE);
	ck_assert_int_eq(l.last, 1);
	ck_assert_int_eq(l.verdict, SMTP_LINE_OK);
	ck_assert_int_eq(l.bare_lf, 0);
	ck_assert_int_eq(smtp_reader_next(&rd, &l), SMTP_READ_MORE);
	ck_assert_uint_eq(smtp_reader_pending(&rd), 0);
	smtp_reader_free(&rd);
}
END_TEST

/* What each mode makes of one line: verdict, code, last. */
static const struct {
	const char		*line;
	enum smtp_reply_mode	 mode;
	enum smtp_line_verdict	 verdict;
	int			 code;
	int			 last;
	int			 bare_lf;
} lines[] = {
	{ "220 ok\r\n", SMTP_REPLY_STRICT, SMTP_LINE_OK, 220, 1, 0 },
	{ "220\r\n", SMTP_REPLY_STRICT, SMTP_LINE_OK, 220, 1, 0 },
	{ "220 ok\n", SMTP_REPLY_STRICT, SMTP_LINE_OK, 220, 1, 1 },
	{ "199 ok\r\n", SMTP_REPLY_STRICT, SMTP_LINE_MALFORMED, 0, 1, 0 },
	{ "620 ok\r\n", SMTP_REPLY_STRICT, SMTP_LINE_MALFORMED, 0, 1, 0 },
	{ "22\r\n", SMTP_REPLY_STRICT, SMTP_LINE_MALFORMED, 0, 1, 0 },
	{ "220_ok\r\n", SMTP_REPLY_STRICT, SMTP_LINE_MALFORMED, 0, 1, 0 },
	{ "hello\r\n", SMTP_REPLY_STRICT, SMTP_LINE_MALFORMED, 0, 1, 0 },
	{ "220 ok\r\n", SMTP_REPLY_LENIENT, SMTP_LINE_OK, 220, 1, 0 },
	{ "199 ok\r\n", SMTP_REPLY_LENIENT, SMTP_LINE_OK, 199, 1, 0 },
	{ "620 ok\r\n", SMTP_REPLY_LENIENT, SMTP_LINE_OK, 0, 1, 0 },
	{ "hello\r\n", SMTP_REPLY_LENIENT, SMTP_LINE_OK, 0, 1, 0 },
	{ "220_ok\r\n", SMTP_REPLY_LENIENT, SMTP_LINE_OK, 220, 1, 0 },
	{ "xyz-more\r\n", SMTP_REPLY_LENIENT, SMTP_LINE_OK, 0, 0, 0 },
	{ "\n", SMTP_REPLY_LENIENT, SMTP_LINE_OK, 0, 1, 1 },
};

START_TEST(one_line)
{
	struct smtp_reader rd;
	struct smtp_line l;

	smtp_reader_init(&rd, lines[_i].mode);
	smtp_reader_begin(&rd);
	ck_assert_int_eq(feed_until(&rd, lines[_i].line, strlen(lines[_i].line), &l),
	    SMTP_READ_LINE);
	ck_assert_msg(l.verdict == lines[_i].verdict, "%s (%s): verdict %d", lines[_i].line,
	    smtp_reply_mode_to_text(lines[_i].mode), l.verdict);
	if (l.verdict == SMTP_LINE_OK) {
		ck_assert_int_eq(l.code, lines[_i].code);
		ck_assert_int_eq(l.last, lines[_i].last);
	}
	ck_assert_int_eq(l.bare_lf, lines[_i].bare_lf);
	smtp_reader_free(&rd);
}
END_TEST

START_TEST(strict_mixed_codes)
{
	static const char r[] = "220-a\r\n250 b\r\n";
	struct smtp_reader rd;
	struct smtp_line l;

	start(&rd, SMTP_REPLY_STRICT, r);
	ck_assert_int_eq(smtp_reader_next(&rd, &l), SMTP_READ_LINE);
	ck_assert_int_eq(l.verdict, SMTP_LINE_OK);
	ck_assert_int_eq(smtp_reader_next(&rd, &l), SMTP_READ_LINE);
	ck_assert_int_eq(l.verdict, SMTP_LINE_MIXED);
	smtp_reader_free(&rd);
	/* lenient: the first line's code, the second's not looked at */
	start(&rd, SMTP_REPLY_LENIENT, r);
	ck_assert_int_eq(smtp_reader_next(&rd, &l), SMTP_READ_LINE);
	ck_assert_int_eq(smtp_reader_next(&rd, &l), SMTP_READ_LINE);
	ck_assert_int_eq(l.verdict, SMTP_LINE_OK);
	ck_assert_int_eq(l.code, 220);
	ck_assert_int_eq(l.last, 1);
	smtp_reader_free(&rd);
}
END_TEST

/*
 * The limits, each mode at its edge: strict takes a line whose bytes before
 * the LF (its CR with them) are fewer than 4096; lenient one of up to 4096
 * bytes before its CR LF. Without a LF: strict gives up at 4096 bytes,
 * lenient past 4097. n: the 'x's after "220 ".
 */
static const struct {
	enum smtp_reply_mode	 mode;
	size_t			 n;
	const char		*end;
	enum smtp_read		 want;
} limits[] = {
	{ SMTP_REPLY_STRICT, 4090, "\r\n", SMTP_READ_LINE },	/* 4095 with the CR */
	{ SMTP_REPLY_STRICT, 4091, "\r\n", SMTP_READ_TOOLONG },
	{ SMTP_REPLY_STRICT, 4091, "\n", SMTP_READ_LINE },
	{ SMTP_REPLY_STRICT, 4092, "\n", SMTP_READ_TOOLONG },
	{ SMTP_REPLY_STRICT, 4092, "", SMTP_READ_TOOLONG },	/* 4096 without a LF */
	{ SMTP_REPLY_STRICT, 4091, "", SMTP_READ_MORE },
	{ SMTP_REPLY_LENIENT, 4092, "\r\n", SMTP_READ_LINE },	/* 4096 */
	{ SMTP_REPLY_LENIENT, 4093, "\r\n", SMTP_READ_TOOLONG },
	{ SMTP_REPLY_LENIENT, 4093, "", SMTP_READ_MORE },	/* 4097: a CR LF may come */
	{ SMTP_REPLY_LENIENT, 4094, "", SMTP_READ_TOOLONG },
	{ SMTP_REPLY_LENIENT, 6000, "\r\n", SMTP_READ_TOOLONG },
};

START_TEST(line_limits)
{
	struct smtp_reader rd;
	struct smtp_line l;
	struct buf b = BUF_INIT;
	size_t i;

	buf_puts(&b, "220 ");
	for (i = 0; i < limits[_i].n; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, limits[_i].end);
	smtp_reader_init(&rd, limits[_i].mode);
	smtp_reader_begin(&rd);
	/* in one piece, as one read may bring it */
	smtp_reader_feed(&rd, b.data, b.len);
	ck_assert_msg(smtp_reader_next(&rd, &l) == limits[_i].want, "%s, %zu bytes: %d",
	    smtp_reply_mode_to_text(limits[_i].mode), b.len,
	    (int)smtp_reader_next(&rd, &l));
	smtp_reader_free(&rd);
	buf_free(&b);
}
END_TEST

START_TEST(lenient_hundred_lines)
{
	struct smtp_reader rd;
	struct smtp_line l;
	int i;

	smtp_reader_init(&rd, SMTP_REPLY_LENIENT);
	smtp_reader_begin(&rd);
	for (i = 0; i < 150; i++)
		smtp_reader_feed(&rd, "220-more\r\n", 10);
	for (i = 1; i < SMTP_REPLY_LINES_MAX; i++) {
		ck_assert_int_eq(smtp_reader_next(&rd, &l), SMTP_READ_LINE);
		ck_assert_int_eq(l.verdict, SMTP_LINE_OK);
	}
	ck_assert_int_eq(smtp_reader_next(&rd, &l), SMTP_READ_LINE);
	ck_assert_int_eq(l.verdict, SMTP_LINE_TOO_MANY);
	ck_assert_uint_eq(l.index, SMTP_REPLY_LINES_MAX - 1);
	/* a new reply counts again */
	smtp_reader_begin(&rd);
	ck_assert_int_eq(smtp_reader_next(&rd, &l), SMTP_READ_LINE);
	ck_assert_uint_eq(l.index, 0);
	smtp_reader_free(&rd);
	/* strict has no such limit: the deadline ends a reply that never ends */
	smtp_reader_init(&rd, SMTP_REPLY_STRICT);
	smtp_reader_begin(&rd);
	for (i = 0; i < 150; i++)
		smtp_reader_feed(&rd, "220-more\r\n", 10);
	for (i = 0; i < 150; i++) {
		ck_assert_int_eq(smtp_reader_next(&rd, &l), SMTP_READ_LINE);
		ck_assert_int_eq(l.verdict, SMTP_LINE_OK);
	}
	smtp_reader_free(&rd);
}
END_TEST

Suite *
smtp_reply_suite(void)
{
	Suite *s = suite_create("smtp_reply");
	TCase *tc = tcase_create("smtp_reply");

	tcase_add_test(tc, strict_multiline);
	tcase_add_loop_test(tc, one_line, 0, (int)(sizeof(lines) / sizeof(lines[0])));
	tcase_add_test(tc, strict_mixed_codes);
	tcase_add_loop_test(tc, line_limits, 0, (int)(sizeof(limits) / sizeof(limits[0])));
	tcase_add_test(tc, lenient_hundred_lines);
	suite_add_tcase(s, tc);
	return s;
}
