/*
 * ini: the one line model of PROTOCOL.INI (and the batch files' lines) that
 * the protocol-ini probe reads and the fix editor edits: each line's kind,
 * the byte offsets of its name, '=' and value, its line end, its section.
 * The editor relies on two promises checked here: the lines cover the text
 * byte for byte, and every offset falls inside its own line.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/ini.h"
#include "testutil.h"

/* The bytes [b, e) of data as a string (a ring of buffers). */
static const char *
span(const char *data, size_t b, size_t e)
{
	static char ring[8][256];
	static int k;

	k = (k + 1) % 8;
	snprintf(ring[k], sizeof(ring[k]), "%.*s", (int)(e - b), data + b);
	return ring[k];
}

/* The promises the editor relies on, for any bytes. */
static void
check_model(const char *data, size_t len, const char *what)
{
	size_t n, i, text = ini_text_len(data, len), at = ini_bom(data, text);
	struct ini_line *v = ini_lines(data, len, &n);

	for (i = 0; i < n; i++) {
		const struct ini_line *l = &v[i];

		ck_assert_msg(l->start == at, "%s: line %zu starts at %zu, not %zu", what,
		    i + 1, l->start, at);
		ck_assert_msg(l->start <= l->content_end && l->content_end <= l->end &&
		    l->end > l->start, "%s: line %zu: bad ends", what, i + 1);
		ck_assert(l->name_start <= l->name_end && l->name_end <= l->content_end);
		ck_assert(l->value_start <= l->value_end && l->value_end <= l->content_end);
		ck_assert(l->name_start >= l->start && l->value_start >= l->start);
		if (l->kind == INI_ENTRY) {
			ck_assert_msg(data[l->eq] == '=', "%s: line %zu", what, i + 1);
			ck_assert(l->name_end <= l->eq && l->eq < l->value_start + 1);
		}
		if (l->kind == INI_SECTION)
			ck_assert_int_eq(l->section, (long)i);
		else
			ck_assert(l->section < (long)i &&
			    (l->section < 0 || v[l->section].kind == INI_SECTION));
		at = l->end;
	}
	ck_assert_msg(at == text || (n == 0 && at == ini_bom(data, text)),
	    "%s: the lines end at %zu, the text at %zu", what, at, text);
	free(v);
}

START_TEST(kinds_and_offsets)
{
	static const char in[] =
	    "\xEF\xBB\xBF; a comment\r\n"		/* 1 */
	    "top = before any section\r\n"	/* 2 */
	    "  \t \r\n"				/* 3 */
	    "[ TCPIP ]  ; the driver\n"		/* 4 */
	    "  ForcePushBit =  1 ; on\r"	/* 5: a CR alone */
	    "Quoted=\"a;b\" ; c\r\n"		/* 6 */
	    "DRIVERNAME = TCPIP$\n"		/* 7 */
	    "just words\n"			/* 8 */
	    "[unclosed\n"			/* 9 */
	    "=\n"				/* 10: no name, no value */
	    "last=no end"			/* 11: no line end */
	    "\x1a" "after=the end of file\r\n";
	static const struct {
		enum ini_kind	 kind;
		const char	*name, *value;
		long		 section;
	} want[] = {
		{ INI_COMMENT, "", "", -1 },
		{ INI_ENTRY, "top", "before any section", -1 },
		{ INI_BLANK, "", "", -1 },
		{ INI_SECTION, "TCPIP", "", 3 },
		{ INI_ENTRY, "ForcePushBit", "1", 3 },
		{ INI_ENTRY, "Quoted", "\"a;b\" ; c", 3 },
		{ INI_ENTRY, "DRIVERNAME", "TCPIP$", 3 },
		{ INI_OTHER, "just words", "", 3 },
		{ INI_SECTION, "unclosed", "", 8 },
		{ INI_ENTRY, "", "", 8 },
		{ INI_ENTRY, "last", "no end", 8 },
	};
	size_t n, i;
	struct ini_line *v = ini_lines(in, sizeof(in) - 1, &n);

	ck_assert_uint_eq(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n; i++) {
		ck_assert_msg(v[i].kind == want[i].kind, "line %zu: %s, not %s", i + 1,
		    ini_kind_to_text(v[i].kind), ini_kind_to_text(want[i].kind));
		ck_assert_str_eq(span(in, v[i].name_start, v[i].name_end), want[i].name);
		ck_assert_str_eq(span(in, v[i].value_start, v[i].value_end), want[i].value);
		ck_assert_int_eq(v[i].section, want[i].section);
	}
	/* line ends: CR LF, LF, a CR alone, none */
	ck_assert_str_eq(span(in, v[1].content_end, v[1].end), "\r\n");
	ck_assert_str_eq(span(in, v[3].content_end, v[3].end), "\n");
	ck_assert_str_eq(span(in, v[4].content_end, v[4].end), "\r");
	ck_assert_uint_eq(v[10].end, v[10].content_end);
	/* the BOM is before the first line, the Ctrl-Z after the last */
	ck_assert_uint_eq(v[0].start, 3);
	ck_assert_uint_eq(in[v[10].end], 0x1a);
	/* the '=' of an entry and the value after it, as bytes of the file */
	ck_assert_int_eq(in[v[4].eq], '=');
	ck_assert_str_eq(span(in, v[4].start, v[4].value_start), "  ForcePushBit =  ");
	check_model(in, sizeof(in) - 1, "kinds_and_offsets");
	free(v);
}
END_TEST

START_TEST(empty_and_odd_texts)
{
	static const char *const odd[] = {
		"", "\xEF\xBB\xBF", "\x1a", "\r", "\n", "\r\r\n\n", "\n\r", "[", "]", "=",
		";", "[]", "[=]", "a=b=c", "\"=\";", "\t[\tX\t]\t", "\xEF\xBB", "a\0b=c",
	};
	size_t i, n;
	struct ini_line *v;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		check_model(odd[i], strlen(odd[i]), odd[i]);
	v = ini_lines("a=b=c", 5, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(span("a=b=c", v[0].value_start, v[0].value_end), "b=c");
	free(v);
	v = ini_lines("\r\r\n\n", 4, &n);	/* CR, CR LF, LF: three blank lines */
	ck_assert_uint_eq(n, 3);
	free(v);
	v = ini_lines("\n\r", 2, &n);		/* LF, then a CR: two, not one LF CR */
	ck_assert_uint_eq(n, 2);
	free(v);
	v = ini_lines("\x1a" "a=b", 4, &n);
	ck_assert_uint_eq(n, 0);
	free(v);
	v = ini_lines("a\0b=c", 5, &n);	/* a NUL is a byte like another */
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].kind, INI_ENTRY);
	ck_assert_uint_eq(v[0].name_end, 3);
	free(v);
}
END_TEST

/* Every file of the fuzz target's corpus keeps the promises. */
START_TEST(the_fuzz_corpus_keeps_the_promises)
{
	char *dir = tu_src("tests/fuzz/corpus/protocol_ini");
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t files = 0, len;

	ck_assert_msg(d != NULL, "%s", dir);
	while ((e = readdir(d)) != NULL) {
		char *path, *data;

		if (e->d_name[0] == '.')
			continue;
		path = tu_join(dir, e->d_name);
		data = tu_read(path, &len);
		check_model(data, len, e->d_name);
		free(data);
		free(path);
		files++;
	}
	closedir(d);
	ck_assert_uint_gt(files, 0);
	free(dir);
}
END_TEST

Suite *
ini_suite(void)
{
	Suite *s = suite_create("ini");
	TCase *tc = tcase_create("lines");

	tcase_add_test(tc, kinds_and_offsets);
	tcase_add_test(tc, empty_and_odd_texts);
	tcase_add_test(tc, the_fuzz_corpus_keeps_the_promises);
	suite_add_tcase(s, tc);
	return s;
}
