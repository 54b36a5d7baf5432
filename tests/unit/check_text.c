/* text: making untrusted bytes safe to show. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/text.h"

/* Sanitise n bytes (which may hold NULs) and compare with want. */
static void
expect_n(const char *in, size_t n, size_t max, const char *want)
{
	char *got = text_sanitize(in, n, max);

	ck_assert_ptr_nonnull(got);
	ck_assert_msg(strcmp(got, want) == 0,
	    "text_sanitize(%zu bytes, max %zu): got \"%s\", want \"%s\"", n, max, got, want);
	free(got);
}

/* For string literals, so that embedded NULs are counted. */
#define EXPECT(lit, max, want)	expect_n((lit), sizeof(lit) - 1, (max), (want))

/*
 * What text.h promises of every result: valid UTF-8 (by text_utf8_len,
 * which also refuses C1 controls), no C0 control and no DEL.
 */
static void
assert_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;

	/* Plain ifs: a passing ck_assert costs a message to the runner. */
	while (i < n) {
		if (p[i] < 0x20 || p[i] == 0x7F)
			ck_abort_msg("control byte 0x%02X at %zu in \"%s\"", p[i], i, s);
		if ((k = text_utf8_len(p + i, n - i)) == 0)
			ck_abort_msg("invalid UTF-8 at %zu in \"%s\"", i, s);
		i += k;
	}
}

START_TEST(plain_ascii_is_kept)
{
	EXPECT("Error (119) Network Write Error", 0, "Error (119) Network Write Error");
	EXPECT("a", 0, "a");
	EXPECT("~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./", 0, "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./");
}
END_TEST

START_TEST(valid_utf8_is_kept)
{
	EXPECT("caf\xC3\xA9", 0, "caf\xC3\xA9");			/* 2 bytes */
	EXPECT("\xC2\xA0x", 0, "\xC2\xA0x");			/* U+00A0, first after C1 */
	EXPECT("\xDF\xBF", 0, "\xDF\xBF");				/* U+07FF */
	EXPECT("\xE0\xA0\x80", 0, "\xE0\xA0\x80");			/* U+0800 */
	EXPECT("5 \xE2\x82\xAC", 0, "5 \xE2\x82\xAC");		/* euro sign */
	EXPECT("\xED\x9F\xBF", 0, "\xED\x9F\xBF");			/* U+D7FF */
	EXPECT("\xEE\x80\x80", 0, "\xEE\x80\x80");			/* U+E000 */
	EXPECT("\xEF\xBF\xBF", 0, "\xEF\xBF\xBF");			/* U+FFFF */
	EXPECT("\xF0\x90\x80\x80", 0, "\xF0\x90\x80\x80");		/* U+10000 */
	EXPECT("hi \xF0\x9F\x98\x80!", 0, "hi \xF0\x9F\x98\x80!");	/* emoji */
	EXPECT("\xF4\x8F\xBF\xBF", 0, "\xF4\x8F\xBF\xBF");		/* U+10FFFF */
}
END_TEST

START_TEST(invalid_bytes_are_escaped)
{
	EXPECT("a\xFF" "b", 0, "a\\xFFb");
	EXPECT("\xFE\xFF", 0, "\\xFE\\xFF");
	EXPECT("a\x80" "b", 0, "a\\x80b");		/* lone continuation byte */
	EXPECT("\xBF", 0, "\\xBF");
	EXPECT("x\xC3", 0, "x\\xC3");			/* lead byte at the very end */
	EXPECT("\xC3(", 0, "\\xC3(");			/* lead byte, no continuation */
	EXPECT("\xE2\x82", 0, "\\xE2\\x82");		/* 3-byte form, one short */
	EXPECT("\xE2\x82" "b", 0, "\\xE2\\x82b");
	EXPECT("\xF0\x9F\x98", 0, "\\xF0\\x9F\\x98");	/* 4-byte form, one short */
	EXPECT("\xF5\x80\x80\x80", 0, "\\xF5\\x80\\x80\\x80");
	EXPECT("\xF8\x88\x80\x80\x80", 0, "\\xF8\\x88\\x80\\x80\\x80");
	/* Latin-1, as an MS-DOS era program may write it. */
	EXPECT("Z\xFCrich", 0, "Z\\xFCrich");
}
END_TEST

START_TEST(overlong_forms_are_escaped)
{
	EXPECT("\xC0\xAF", 0, "\\xC0\\xAF");			/* '/' in 2 bytes */
	EXPECT("\xC1\xBF", 0, "\\xC1\\xBF");
	EXPECT("\xC0\x80", 0, "\\xC0\\x80");			/* NUL in 2 bytes */
	EXPECT("\xE0\x80\xAF", 0, "\\xE0\\x80\\xAF");
	EXPECT("\xE0\x9F\xBF", 0, "\\xE0\\x9F\\xBF");		/* U+07FF in 3 bytes */
	EXPECT("\xF0\x80\x80\xAF", 0, "\\xF0\\x80\\x80\\xAF");
	EXPECT("\xF0\x8F\xBF\xBF", 0, "\\xF0\\x8F\\xBF\\xBF");	/* U+FFFF in 4 bytes */
}
END_TEST

START_TEST(surrogates_and_too_large_are_escaped)
{
	EXPECT("\xED\xA0\x80", 0, "\\xED\\xA0\\x80");		/* U+D800 */
	EXPECT("\xED\xBF\xBF", 0, "\\xED\\xBF\\xBF");		/* U+DFFF */
	/* A CESU-8 pair for U+1F600. */
	EXPECT("\xED\xA0\xBD\xED\xB8\x80", 0,
	    "\\xED\\xA0\\xBD\\xED\\xB8\\x80");
	EXPECT("\xF4\x90\x80\x80", 0, "\\xF4\\x90\\x80\\x80");	/* U+110000 */
	EXPECT("\xF7\xBF\xBF\xBF", 0, "\\xF7\\xBF\\xBF\\xBF");
}
END_TEST

START_TEST(c0_controls_are_escaped)
{
	char in[4], want[16];
	int c;

	for (c = 0x00; c < 0x20; c++) {
		if (c == '\t')
			continue;
		in[0] = 'a';
		in[1] = (char)c;
		in[2] = 'b';
		snprintf(want, sizeof(want), "a\\x%02Xb", c);
		expect_n(in, 3, 0, want);
	}
	/* A terminal escape sequence loses its ESC. */
	EXPECT("\x1b[31mred\x1b[0m", 0, "\\x1B[31mred\\x1B[0m");
	EXPECT("\x1b]0;title\x07", 0, "\\x1B]0;title\\x07");
}
END_TEST

START_TEST(del_is_escaped)
{
	EXPECT("a\x7F" "b", 0, "a\\x7Fb");
	EXPECT("\x7F", 0, "\\x7F");
}
END_TEST

START_TEST(c1_controls_are_escaped)
{
	char in[4], want[16];
	int c;

	/* U+0080..U+009F, correctly encoded as C2 80..C2 9F. */
	for (c = 0x80; c <= 0x9F; c++) {
		in[0] = 'a';
		in[1] = (char)0xC2;
		in[2] = (char)c;
		in[3] = 'b';
		snprintf(want, sizeof(want), "a\\xC2\\x%02Xb", c);
		expect_n(in, 4, 0, want);
	}
	/* CSI (U+009B) would start an escape sequence on some terminals. */
	EXPECT("\xC2\x9B" "31m", 0, "\\xC2\\x9B31m");
}
END_TEST

START_TEST(nul_is_escaped)
{
	EXPECT("a\0b", 0, "a\\x00b");
	EXPECT("\0", 0, "\\x00");
	EXPECT("\0\0x", 0, "\\x00\\x00x");
}
END_TEST

START_TEST(tab_becomes_a_space)
{
	EXPECT("a\tb", 0, "a b");
	EXPECT("a\t\tb", 0, "a  b");
	EXPECT("a \t b", 0, "a   b");
}
END_TEST

START_TEST(white_space_is_trimmed)
{
	EXPECT("  a b  ", 0, "a b");
	EXPECT("\t a \t", 0, "a");
	EXPECT("   ", 0, "");
	EXPECT("\t", 0, "");
	EXPECT("", 0, "");
	/* A pasted text often ends in a line end: not part of the text. */
	EXPECT("Network Write Error\n", 0, "Network Write Error");
	EXPECT("Network Write Error\r\n", 0, "Network Write Error");
	EXPECT("\r\n \tlost\f\v \n", 0, "lost");
	EXPECT("\n\n", 0, "");
	/* Inside the text a line end is a control character like any other. */
	EXPECT(" a\nb ", 0, "a\\x0Ab");
	EXPECT("a\r\nb", 0, "a\\x0D\\x0Ab");
}
END_TEST

START_TEST(empty_input_gives_empty_string)
{
	char *s = text_sanitize("", 0, 0);

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "");
	free(s);
	s = text_sanitize("abc", 0, 5);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(max_cuts_and_adds_dots)
{
	EXPECT("abcdef", 3, "abc...");
	EXPECT("abcdef", 5, "abcde...");
	EXPECT("abcdef", 1, "a...");
	EXPECT("abcdef", 6, "abcdef");		/* exactly max: nothing cut */
	EXPECT("abcdef", 7, "abcdef");
	EXPECT("abcdef", 0, "abcdef");		/* 0: no limit */
	/* Trailing white space before the cut goes, the dots stay. */
	EXPECT("abc   def", 5, "abc...");
	EXPECT("   abcdef", 4, "a...");
	/* Escapes do not count against max: it limits input bytes. */
	EXPECT("\x01\x02\x03\x04", 2, "\\x01\\x02...");
}
END_TEST

START_TEST(max_does_not_split_a_character)
{
	/* "ab" then a euro sign (3 bytes) then "cd". */
	EXPECT("ab\xE2\x82\xAC" "cd", 2, "ab...");
	EXPECT("ab\xE2\x82\xAC" "cd", 3, "ab...");
	EXPECT("ab\xE2\x82\xAC" "cd", 4, "ab...");
	EXPECT("ab\xE2\x82\xAC" "cd", 5, "ab\xE2\x82\xAC...");
	/* A 4-byte emoji cut after 1, 2 and 3 bytes. */
	EXPECT("x\xF0\x9F\x98\x80y", 2, "x...");
	EXPECT("x\xF0\x9F\x98\x80y", 3, "x...");
	EXPECT("x\xF0\x9F\x98\x80y", 4, "x...");
	EXPECT("x\xF0\x9F\x98\x80y", 5, "x\xF0\x9F\x98\x80...");
	/* A 2-byte character cut after its lead byte. */
	EXPECT("caf\xC3\xA9!", 4, "caf...");
}
END_TEST

/* Only a character the cut made incomplete may be dropped, never bytes that
 * were invalid anyway. */
START_TEST(max_does_not_hide_invalid_bytes)
{
	EXPECT("ab\xC3(xyz", 4, "ab\\xC3(...");	/* C3 not followed by 80..BF */
	EXPECT("ab\xFF" "cd", 3, "ab\\xFF...");
	EXPECT("ab\x80" "cd", 3, "ab\\x80...");
	EXPECT("ab\xE2" "x\xAC" "cd", 4, "ab\\xE2x...");
	EXPECT("ab\xF0\x9F" "x" "cd", 5, "ab\\xF0\\x9Fx...");
	/* Prefixes that no complete character can start with. */
	EXPECT("ab\xE0\x80" "cd", 4, "ab\\xE0\\x80...");	/* overlong */
	EXPECT("ab\xED\xA0" "cd", 4, "ab\\xED\\xA0...");	/* surrogate */
	EXPECT("ab\xF4\x90" "cd", 4, "ab\\xF4\\x90...");	/* past U+10FFFF */
	EXPECT("ab\xC0" "cd", 3, "ab\\xC0...");
	EXPECT("ab\xF5" "cd", 3, "ab\\xF5...");
	/* A complete invalid sequence right before the cut. */
	EXPECT("ab\xC3\x28" "cd", 4, "ab\\xC3(...");
}
END_TEST

START_TEST(result_is_always_safe)
{
	unsigned char in[64];
	unsigned long seed = 12345;
	char *s;
	size_t i, n, max;
	int round;

	/* Every single byte, and every byte after every lead byte. */
	for (i = 0; i < 256; i++) {
		in[0] = (unsigned char)i;
		s = text_sanitize((const char *)in, 1, 0);
		assert_safe(s);
		free(s);
		for (n = 0xC0; n < 0x100; n++) {
			in[0] = (unsigned char)n;
			in[1] = (unsigned char)i;
			s = text_sanitize((const char *)in, 2, 0);
			assert_safe(s);
			free(s);
		}
	}
	/* Pseudo-random byte strings, with and without a cut. */
	for (round = 0; round < 20000; round++) {
		n = (size_t)round % sizeof(in);
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245UL + 12345UL;
			in[i] = (unsigned char)(seed >> 16);
			/* Bias towards bytes that start or continue UTF-8. */
			if (round % 3 == 0 && (in[i] & 0x40))
				in[i] |= 0x80;
		}
		max = (size_t)round % 7 == 0 ? 0 : (size_t)round % (sizeof(in) + 3);
		s = text_sanitize((const char *)in, n, max);
		assert_safe(s);
		if (max && n > max && (strlen(s) < 3 || strcmp(s + strlen(s) - 3, "...") != 0))
			ck_abort_msg("cut to %zu, \"%s\" does not end in ...", max, s);
		free(s);
	}
}
END_TEST

/* The non-allocating form for error messages: escaped, untrimmed, cut on
 * a whole character or escape, always terminated. */
START_TEST(escape_into_a_buffer)
{
	char out[16], err[ERR_LEN];

	text_escape_into(out, sizeof(out), " a\x1B[2J\tb ");
	ck_assert_str_eq(out, " a\\x1B[2J b ");
	/* "\xC2\x9B" (CSI) is two escapes; the cut leaves no half of one */
	text_escape_into(out, sizeof(out), "abcdefghij\xC2\x9B");
	ck_assert_str_eq(out, "abcdefghij\\xC2");
	text_escape_into(out, sizeof(out), "abcdefghijklm\xC3\xA9z");
	ck_assert_str_eq(out, "abcdefghijklm\xC3\xA9");
	text_escape_into(out, 1, "abc");
	ck_assert_str_eq(out, "");
	snprintf(err, sizeof(err), "line 1: '\x1B]0;owned\x07'");
	text_escape_err(err);
	ck_assert_str_eq(err, "line 1: '\\x1B]0;owned\\x07'");
	assert_safe(err);
}
END_TEST

START_TEST(utf8_len_of_valid_sequences)
{
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"a", 1), 1);
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"abc", 3), 1);
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"\x7F", 1), 1);
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"\0", 1), 1);
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"\xC3\xA9", 2), 2);
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"\xC2\xA0", 2), 2);
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"\xDF\xBF", 2), 2);
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"\xE2\x82\xAC", 3), 3);
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"\xE0\xA0\x80", 3), 3);
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"\xEF\xBF\xBF", 3), 3);
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"\xF0\x9F\x98\x80", 4), 4);
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"\xF4\x8F\xBF\xBF", 4), 4);
	/* Only the sequence at the start counts. */
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"\xC3\xA9xyz", 5), 2);
	ck_assert_uint_eq(text_utf8_len((const unsigned char *)"\xE2\x82\xAC\xFF", 4), 3);
}
END_TEST

START_TEST(utf8_len_of_invalid_sequences)
{
	static const struct {
		const char	*s;
		size_t		 n;
	} bad[] = {
		{ "", 0 },
		{ "a", 0 },			/* n = 0: nothing to look at */
		{ "\x80", 1 },
		{ "\xBF", 1 },
		{ "\xC0\x80", 2 },
		{ "\xC1\xBF", 2 },
		{ "\xC3", 1 },			/* cut short by n */
		{ "\xC3\xA9", 1 },
		{ "\xE2\x82\xAC", 2 },
		{ "\xF0\x9F\x98\x80", 3 },
		{ "\xC3(", 2 },
		{ "\xE2(\xAC", 3 },
		{ "\xE2\x82(", 3 },
		{ "\xF0\x9F\x98(", 4 },
		{ "\xE0\x80\x80", 3 },		/* overlong */
		{ "\xE0\x9F\xBF", 3 },
		{ "\xF0\x8F\xBF\xBF", 4 },
		{ "\xED\xA0\x80", 3 },		/* surrogates */
		{ "\xED\xBF\xBF", 3 },
		{ "\xF4\x90\x80\x80", 4 },	/* past U+10FFFF */
		{ "\xF5\x80\x80\x80", 4 },
		{ "\xFF", 1 },
		{ "\xC2\x80", 2 },		/* C1 controls */
		{ "\xC2\x9B", 2 },
		{ "\xC2\x9F", 2 },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(text_utf8_len((const unsigned char *)bad[i].s, bad[i].n) == 0,
		    "case %zu: text_utf8_len gave %zu, want 0", i,
		    text_utf8_len((const unsigned char *)bad[i].s, bad[i].n));
}
END_TEST

/* text_escape: the same safety, but nothing trimmed or cut (a part of a line). */
START_TEST(escape_keeps_the_text_whole)
{
	static const char in[] = "  421 \x1b]0;owned\x07\x1b[2J\r\n\xc2\x9b" "31m\xff caf\xc3\xa9\t ";
	struct buf b = BUF_INIT;

	buf_puts(&b, " [rx] ");
	text_escape(&b, in, sizeof(in) - 1);
	ck_assert_str_eq(buf_str(&b), " [rx]   421 \\x1B]0;owned\\x07\\x1B[2J\\x0D\\x0A\\xC2\\x9B"
	    "31m\\xFF caf\xc3\xa9  ");
	assert_safe(buf_str(&b));
	buf_reset(&b);
	text_escape(&b, "", 0);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

Suite *
text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("sanitize");

	tcase_add_test(tc, plain_ascii_is_kept);
	tcase_add_test(tc, valid_utf8_is_kept);
	tcase_add_test(tc, invalid_bytes_are_escaped);
	tcase_add_test(tc, overlong_forms_are_escaped);
	tcase_add_test(tc, surrogates_and_too_large_are_escaped);
	tcase_add_test(tc, c0_controls_are_escaped);
	tcase_add_test(tc, del_is_escaped);
	tcase_add_test(tc, c1_controls_are_escaped);
	tcase_add_test(tc, nul_is_escaped);
	tcase_add_test(tc, tab_becomes_a_space);
	tcase_add_test(tc, white_space_is_trimmed);
	tcase_add_test(tc, empty_input_gives_empty_string);
	tcase_add_test(tc, max_cuts_and_adds_dots);
	tcase_add_test(tc, max_does_not_split_a_character);
	tcase_add_test(tc, max_does_not_hide_invalid_bytes);
	tcase_add_test(tc, result_is_always_safe);
	tcase_add_test(tc, escape_into_a_buffer);
	tcase_add_test(tc, escape_keeps_the_text_whole);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8_len");
	tcase_add_test(tc, utf8_len_of_valid_sequences);
	tcase_add_test(tc, utf8_len_of_invalid_sequences);
	suite_add_tcase(s, tc);
	return s;
}
