/*
 * jsonwriter: the JSON writer of render_json.h against jansson's own dump
 * of the same data, with the flags every report is printed with. Every
 * string is one a log could bring: every byte alone, every pair of bytes,
 * the edges of UTF-8 (overlong forms, surrogates, past U+10FFFF, cut
 * characters), controls, very long strings, the empty string; a string
 * jansson refuses goes through text_sanitize() first, as render_jstr() did
 * before the writer. Trees are random (keys and values as hostile), at
 * every indent a report uses, and deeper than the writer counts. Last, a
 * whole diagnosis with hostile fields is written and compared with
 * jansson's dump of what it parses back: the same bytes, or the writer
 * escaped, indented or printed a number as jansson would not.
 */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "plan.h"
#include "probe_result.h"
#include "rank.h"
#include "render.h"
#include "render_history.h"
#include "render_json.h"
#include "render_report.h"
#include "testutil.h"
#include "util/buf.h"
#include "util/text.h"
#include "util/xmem.h"

#define FLAGS	(JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6) | \
		 JSON_ENCODE_ANY)

/* What jansson prints of v (decref'd) at indent levels of 2 spaces. */
static char *
jansson_dump(json_t *v, size_t levels)
{
	struct buf b = BUF_INIT;
	char *s, *p, *nl;
	size_t i;

	if (v == NULL)
		return xstrdup("null");
	s = json_dumps(v, FLAGS);
	json_decref(v);
	ck_assert_ptr_nonnull(s);
	for (p = s; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		buf_append(&b, p, (size_t)(nl - p) + 1);
		for (i = 0; i < 2 * levels; i++)
			buf_putc(&b, ' ');
	}
	buf_puts(&b, p);
	free(s);
	return buf_detach(&b);
}

/* render_jstr() as it was: the string, sanitised if jansson refuses it. */
static json_t *
jansson_str(const char *s)
{
	json_t *j;
	char *safe;

	if ((j = json_string(s)) != NULL)
		return j;
	safe = text_sanitize(s, strlen(s), 0);
	j = json_string(safe);
	free(safe);
	return j;
}

static void
same_string(const char *s, size_t shown)
{
	struct buf b = BUF_INIT;
	struct jw w;
	char *want = jansson_dump(jansson_str(s), 0);

	jw_init(&w, &b, 0);
	jw_str(&w, s);
	ck_assert_msg(strcmp(buf_str(&b), want) == 0, "%zu bytes from %02zX: wrote %.80s, "
	    "jansson %.80s", strlen(s), shown, buf_str(&b), want);
	free(want);
	buf_free(&b);
}

START_TEST(every_byte_and_pair_of_bytes)
{
	char s[4];
	unsigned a, b;

	same_string("", 0);
	for (a = 1; a < 256; a++) {
		s[0] = (char)a;
		s[1] = '\0';
		same_string(s, a);
		for (b = 1; b < 256; b++) {
			s[1] = (char)b;
			s[2] = '\0';
			same_string(s, a << 8 | b);
			/* and the pair between text, where a cut character is not at the end */
			s[2] = 'x';
			s[3] = '\0';
			same_string(s, a << 8 | b);
		}
	}
}
END_TEST

/* The edges of UTF-8: every lead byte of 3 and 4 with the edges of its continuations. */
START_TEST(the_edges_of_utf8)
{
	static const unsigned char cont[] = { 0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
	    0xBF, 0xC0, 0xFF };
	unsigned char s[8];
	size_t i, j, k;
	unsigned lead;

	for (lead = 0xE0; lead <= 0xF7; lead++)
		for (i = 1; i < sizeof(cont); i++)
			for (j = 1; j < sizeof(cont); j++)
				for (k = 0; k < sizeof(cont); k++) {
					s[0] = (unsigned char)lead;
					s[1] = cont[i];
					s[2] = cont[j];
					s[3] = cont[k];
					s[4] = 0x80;
					s[5] = '"';
					s[6] = '\0';
					same_string((char *)s, lead);
				}
	same_string("\xed\xa0\x80 a surrogate, \xf4\x90\x80\x80 past U+10FFFF", 0);
	same_string("\xc0\xaf overlong /, \xe0\x80\xaf, \xf0\x80\x80\xaf", 0);
	same_string("C1 \xc2\x80 \xc2\x9f DEL \x7f caf\xc3\xa9 \xf0\x9f\x93\xa7 / \\ \"", 0);
	same_string("cut at the end \xe2\x82", 0);
}
END_TEST

START_TEST(long_strings_and_controls)
{
	size_t n = 1 << 20, i;
	char *s = xmalloc(n + 1);

	for (i = 0; i < n; i++)
		s[i] = (char)(1 + i % 31);	/* every control, over and over */
	s[n] = '\0';
	same_string(s, 1);
	for (i = 0; i < n; i++)
		s[i] = "a\"\\/\xc3\xa9\t\n"[i % 8];
	same_string(s, 2);
	s[n / 2] = (char)0xff;		/* one bad byte in a megabyte */
	same_string(s, 3);
	memset(s, 'x', n);
	same_string(s, 4);
	free(s);
}
END_TEST

/* Strings with NULs (jw_strn, as a tree's json_stringn would hold them). */
START_TEST(strings_with_nuls)
{
	static const char s[] = "a\0b\0\0\xc3\xa9\0";
	struct buf b = BUF_INIT;
	struct jw w;
	char *want = jansson_dump(json_stringn(s, sizeof(s) - 1), 0);

	jw_init(&w, &b, 0);
	jw_strn(&w, s, sizeof(s) - 1);
	ck_assert_str_eq(buf_str(&b), want);
	ck_assert_str_eq(want, "\"a\\u0000b\\u0000\\u0000\xc3\xa9\\u0000\"");
	free(want);
	buf_free(&b);
}
END_TEST

START_TEST(numbers)
{
	static const double reals[] = { 0, -0.0, 1, -1, 0.5, 0.1, 0.81, 11.374, 1.0 / 3,
	    100, 1e5, 123456, 1234567, 1e6, 1e15, 1e16, 1e21, 1e-3, 1e-4, 1e-5, 1e-7,
	    -2.5e-10, 1.5e300, -1.5e-300, 4.9e-324, 1.7976931348623157e308, 2.302585,
	    999999.5, 0.0000123, 999.999, 999.9995, 1000, 0.001, -0.001, 0.3, 0.1 + 0.2,
	    -0.0004, 12.5, 100.1, 0.07 };
	static const long long ints[] = { 0, 1, -1, 25, 65535, INT_MAX, INT_MIN,
	    LLONG_MAX, LLONG_MIN };
	struct buf b = BUF_INIT;
	struct jw w;
	char *want;
	size_t i;
	double x;
	uint64_t r = 42;

	for (i = 0; i < sizeof(reals) / sizeof(reals[0]) + 5000; i++) {
		if (i < sizeof(reals) / sizeof(reals[0]))
			x = reals[i];
		else {		/* confidences, weights and rates, to three decimals */
			r = r * 6364136223846793005ULL + 1442695040888963407ULL;
			x = round((double)(r >> 11) / (double)(1ULL << 53) * pow(10, (double)(i % 9)) *
			    1000.0) / 1000.0;
			if (i % 3 == 0)
				x = -x;		/* log odds are negative */
			if (i % 5 == 0)
				x = x / 1000.0;	/* and not always three decimals */
		}
		buf_reset(&b);
		jw_init(&w, &b, 0);
		jw_real(&w, x);
		want = jansson_dump(json_real(x), 0);
		ck_assert_msg(strcmp(buf_str(&b), want) == 0, "%.17g: %s, jansson %s", x,
		    buf_str(&b), want);
		free(want);
	}
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		buf_reset(&b);
		jw_init(&w, &b, 0);
		jw_int(&w, ints[i]);
		want = jansson_dump(json_integer(ints[i]), 0);
		ck_assert_str_eq(buf_str(&b), want);
		free(want);
	}
	/* What jansson cannot hold is null, not "nan.0". */
	buf_reset(&b);
	jw_init(&w, &b, 0);
	jw_real(&w, NAN);
	ck_assert_str_eq(buf_str(&b), "null");
	buf_free(&b);
}
END_TEST

static uint64_t seed;

static unsigned
rnd(unsigned n)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((seed >> 33) % n);
}

/* A hostile string: bytes of every kind, sanitised when jansson refuses it. */
static json_t *
random_string(void)
{
	static const char *const pieces[] = { "a", "Q123827", " ", "\"", "\\", "/", "\n",
	    "\t", "\x01", "\x1f", "\x7f", "caf\xc3\xa9", "\xc2\x85", "\xf0\x9f\x93\xa7",
	    "\xff", "\xc3", "\xed\xa0\x80", "", "\r\n", "250 OK" };
	char s[64];
	size_t n = 0, k = rnd(6);

	while (k-- > 0) {
		const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];

		if (n + strlen(p) >= sizeof(s))
			break;
		memcpy(s + n, p, strlen(p));
		n += strlen(p);
	}
	s[n] = '\0';
	return jansson_str(s);
}

static json_t *
random_tree(int depth)
{
	json_t *v;
	unsigned i, n;

	switch (rnd(depth > 5 ? 6 : 8)) {
	case 0: return json_null();
	case 1: return json_boolean(rnd(2));
	case 2: return json_integer((json_int_t)rnd(100000) - 50000);
	case 3: return json_real(round((double)rnd(1000000) / 7.0) / 1000.0);
	case 4:
	case 5: return random_string();
	case 6:
		v = json_array();
		for (i = 0, n = rnd(4); i < n; i++)
			json_array_append_new(v, random_tree(depth + 1));
		return v;
	default:
		v = json_object();
		for (i = 0, n = rnd(5); i < n; i++) {
			json_t *k = random_string();

			json_object_set_new(v, json_string_value(k), random_tree(depth + 1));
			json_decref(k);
		}
		return v;
	}
}

static void
same_tree(json_t *v, size_t levels)
{
	struct buf b = BUF_INIT;
	struct jw w;
	char *want;

	jw_init(&w, &b, levels);
	jw_tree(&w, v);
	want = jansson_dump(json_incref(v), levels);
	ck_assert_msg(strcmp(buf_str(&b), want) == 0, "tree at %zu levels:\n%s\njansson:\n%s",
	    levels, buf_str(&b), want);
	free(want);
	buf_free(&b);
}

START_TEST(random_trees)
{
	json_t *v, *deep, *p;
	int i;

	seed = 7;
	for (i = 0; i < 3000; i++) {
		v = random_tree(0);
		same_tree(v, (size_t)(i % 4));
		json_decref(v);
	}
	/* Deeper than the writer counts (JW_DEPTH): jansson's dump takes over. */
	deep = json_object();
	for (p = deep, i = 0; i < JW_DEPTH + 10; i++) {
		json_t *next = i % 2 ? json_object() : json_array();

		if (json_is_object(p))
			json_object_set_new(p, "k\n", next);
		else
			json_array_append_new(p, next);
		if (json_is_array(p))
			json_array_append_new(p, json_string("x"));
		p = next;
	}
	same_tree(deep, 1);
	json_decref(deep);
}
END_TEST

/*
 * A history (what kbdiag verify saw) is written by the writer a verdict at a
 * time (render_history_jw(), verify's JSON): the same bytes as the tree of
 * jansson it was built as before, dumped, at the indent of the diagnosis
 * and of verify's own document. Its strings are hostile, NULL or a
 * megabyte long; the one difference is a string jansson refuses (not
 * UTF-8), which dropped its key, or the whole "next" or "watch": it is
 * written sanitised, as the reference here has it.
 */
static char *
random_cstr(void)
{
	static const char *const pieces[] = { "a", "Q123827", " ", "\"", "\\", "/", "\n",
	    "\t", "\x01", "\x1f", "\x7f", "caf\xc3\xa9", "\xc2\x85", "\xf0\x9f\x93\xa7",
	    "\xff", "\xc3", "\xed\xa0\x80", "", "\r\n", "250 OK", "\xe2\x80\xa8" };
	struct buf b = BUF_INIT;
	size_t k;

	if (rnd(7) == 0)
		return NULL;
	if (rnd(60) == 0) {	/* a megabyte: controls, and one bad byte at times */
		for (k = 0; k < 1024 * 1024; k++)
			buf_putc(&b, (char)(k % 37 == 0 ? 1 + rnd(31) : 'a' + rnd(26)));
		if (rnd(2))
			b.data[rnd((unsigned)b.len)] = (char)0xfe;
		return buf_detach(&b);
	}
	for (k = rnd(6); k-- > 0;)
		buf_puts(&b, pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]);
	return buf_detach(&b);
}

static json_t *
ref_str(const char *s)
{
	return s ? jansson_str(s) : json_null();
}

static json_t *
ref_strs(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] != NULL)
			json_array_append_new(a, jansson_str(v[i]));
	return a;
}

/* The tree render_history_json() built (render_history.c before the writer). */
static json_t *
ref_head(const struct diag_history *h)
{
	json_t *o = json_object(), *applied = json_array(), *w;
	size_t j;

	json_object_set_new(o, "when", ref_str(h->when));
	json_object_set_new(o, "outcome", ref_str(h->outcome));
	json_object_set_new(o, "applied_at", ref_str(h->applied_when));
	for (j = 0; j < h->napplied; j++)
		json_array_append_new(applied, json_pack("{s:o, s:o, s:o}", "fix",
		    ref_str(h->applied[j].fix), "path", ref_str(h->applied[j].path),
		    "what", ref_str(h->applied[j].what)));
	json_object_set_new(o, "applied", applied);
	w = h->watch == NULL ? json_null() : json_pack("{s:o, s:I, s:I}", "log",
	    jansson_str(h->watch), "seconds", (json_int_t)h->watch_seconds, "lines",
	    (json_int_t)h->watch_lines);
	json_object_set_new(o, "watch", w);
	return o;
}

static json_t *
ref_verdict(const struct diag_verdict *v)
{
	json_t *x = json_object(), *seen = json_array();
	size_t i;

	json_object_set_new(x, "article", ref_str(v->article));
	json_object_set_new(x, "peer", ref_str(v->peer));
	json_object_set_new(x, "cause", ref_str(v->cause));
	json_object_set_new(x, "outcome", ref_str(v->outcome));
	json_object_set_new(x, "why", ref_str(v->why));
	for (i = 0; i < v->nseen; i++)
		json_array_append_new(seen, json_pack("{s:o, s:o, s:o, s:o}", "source",
		    ref_str(v->seen[i].source), "value", ref_str(v->seen[i].value), "origin",
		    ref_str(v->seen[i].origin), "detail", ref_str(v->seen[i].detail)));
	json_object_set_new(x, "seen", seen);
	json_object_set_new(x, "next", v->next_cause == NULL ? json_null() :
	    json_pack("{s:o, s:o, s:o, s:o}", "cause", jansson_str(v->next_cause), "title",
	    ref_str(v->next_title), "steps", ref_strs(v->next_steps, v->nnext_steps),
	    "fixes", ref_strs(v->next_fixes, v->nnext_fixes)));
	return x;
}

static json_t *
ref_history(const struct diag_history *h, size_t n)
{
	json_t *a = json_array();
	size_t i, j;

	for (i = 0; i < n; i++) {
		json_t *o = ref_head(&h[i]), *incs = json_array();

		for (j = 0; j < h[i].nverdicts; j++)
			json_array_append_new(incs, ref_verdict(&h[i].verdicts[j]));
		json_object_set_new(o, "incidents", incs);
		json_array_append_new(a, o);
	}
	return a;
}

static char **
random_cstrs(size_t n)
{
	char **v = xcalloc(n + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = random_cstr();
	return v;
}

static void
random_history(struct diag_history *h)
{
	size_t i, j;

	memset(h, 0, sizeof(*h));
	h->when = random_cstr();
	h->outcome = random_cstr();
	h->applied_when = random_cstr();
	h->napplied = rnd(3);
	h->applied = xcalloc(h->napplied + 1, sizeof(*h->applied));
	for (i = 0; i < h->napplied; i++) {
		h->applied[i].fix = random_cstr();
		h->applied[i].path = random_cstr();
		h->applied[i].what = random_cstr();
	}
	if (rnd(2)) {
		h->watch = random_cstr();
		h->watch_seconds = rnd(2) ? rnd(1000) : ULONG_MAX / 2;
		h->watch_lines = rnd(100000);
	}
	h->nverdicts = rnd(5);
	h->verdicts = xcalloc(h->nverdicts + 1, sizeof(*h->verdicts));
	for (i = 0; i < h->nverdicts; i++) {
		struct diag_verdict *v = &h->verdicts[i];

		v->article = random_cstr();
		v->peer = random_cstr();
		v->cause = random_cstr();
		v->outcome = random_cstr();
		v->why = random_cstr();
		v->nseen = rnd(4);
		v->seen = xcalloc(v->nseen + 1, sizeof(*v->seen));
		for (j = 0; j < v->nseen; j++) {
			v->seen[j].source = random_cstr();
			v->seen[j].value = random_cstr();
			v->seen[j].origin = random_cstr();
			v->seen[j].detail = random_cstr();
		}
		if (rnd(2)) {
			v->next_cause = random_cstr();
			v->next_title = random_cstr();
			v->nnext_steps = rnd(4);
			v->next_steps = random_cstrs(v->nnext_steps);
			v->nnext_fixes = rnd(3);
			v->next_fixes = random_cstrs(v->nnext_fixes);
		}
	}
}

START_TEST(a_history_is_what_jansson_printed)
{
	struct diag_history h[4];
	struct buf b = BUF_INIT;
	char err[ERR_LEN], *want;
	struct jw w;
	size_t n, i, round;

	seed = 29;
	for (round = 0; round < 300; round++) {
		n = rnd(4);
		for (i = 0; i < n; i++)
			random_history(&h[i]);
		/* the diagnosis's "history", at one level of indent */
		buf_reset(&b);
		jw_init(&w, &b, 1);
		render_history_jw(&w, h, n, NULL);
		want = jansson_dump(ref_history(h, n), 1);
		ck_assert_msg(strcmp(buf_str(&b), want) == 0, "round %zu:\n%.2000s\njansson:\n"
		    "%.2000s", round, buf_str(&b), want);
		free(want);
		/* verify's document: an entry and where it was recorded */
		for (i = 0; i < n; i++) {
			json_t *o = ref_head(&h[i]), *incs = json_array();
			size_t j;

			for (j = 0; j < h[i].nverdicts; j++)
				json_array_append_new(incs, ref_verdict(&h[i].verdicts[j]));
			json_object_set_new(o, "incidents", incs);
			json_object_set_new(o, "recorded_in", ref_str(h[i].watch));
			want = jansson_dump(o, 0);
			buf_reset(&b);
			ck_assert_int_eq(render_verify(&h[i], h[i].watch, RENDER_JSON, &b, err), 0);
			ck_assert_msg(b.len == strlen(want) + 1 && memcmp(b.data, want,
			    strlen(want)) == 0 && b.data[b.len - 1] == '\n', "round %zu, verify:"
			    "\n%.2000s\njansson:\n%.2000s", round, buf_str(&b), want);
			free(want);
			diag_history_clear(&h[i]);
		}
	}
	buf_free(&b);
}
END_TEST

/* A diagnosis with hostile fields in every part an incident has. */
START_TEST(a_whole_diagnosis_is_what_jansson_prints)
{
	static const char bad[] = "\x01\x02\x1b[31m \"q\" \\ / \xff\xfe caf\xc3\xa9 \xed\xa0\x80"
	    " \xc2\x85 \t end";
	struct kb *kb = tu_kb_mini();
	struct diagnosis *d = xcalloc(1, sizeof(*d));
	struct diag_incident *inc;
	struct buf out = BUF_INIT, again = BUF_INIT;
	char err[ERR_LEN], *s;
	json_error_t je;
	json_t *root;
	size_t i, k;

	d->inputs = xcalloc(1, sizeof(*d->inputs));
	d->ninputs = 1;
	d->inputs[0].name = xstrdup(bad);
	d->inputs[0].format = xstrdup("legacy");
	d->nincidents = 20;	/* two threads' worth, if it renders on two */
	d->incidents = xcalloc(d->nincidents, sizeof(*d->incidents));
	for (k = 0; k < d->nincidents; k++) {
		inc = &d->incidents[k];
		inc->kb_article = kb_find_article(kb, "Q123827");
		inc->article = xstrdup("Q123827");
		inc->title = xstrdup(inc->kb_article->title);
		inc->error = k % 2 ? xstrdup(bad) : xstrdup("");
		inc->count = k + 1;
		inc->first_seen = xstrdup(k % 3 ? "1994-03-01T09:19:42" : "");
		inc->last_seen = xstrdup("1994-03-01T09:30:15");
		inc->rate_per_hour = 11.4 * (double)k;
		inc->file = xstrdup(bad);
		inc->last_reply = xstrdup(bad);
		inc->greeting = xstrdup(bad);
		inc->peer.host = k % 4 ? xstrdup("relay.example") : NULL;
		inc->peer.port = k % 4 ? 25 : 0;
		inc->queue_ids = xcalloc(2, sizeof(char *));
		inc->queue_ids[0] = xstrdup(bad);
		inc->queue_ids[1] = xstrdup("4F2A1B");
		inc->nqueue_ids = 2;
		inc->locations = xcalloc(DIAG_MAX_LOCATIONS, sizeof(*inc->locations));
		inc->locations[0].file = xstrdup(bad);
		inc->locations[0].line = 7;
		inc->nlocations = 1;
		rank_causes(inc);
		plan_steps(inc);
	}
	diag_warn(d, bad);
	d->probe_note = xstrdup(bad);
	ck_assert_msg(render_diagnosis(d, RENDER_JSON, &out, err) == 0, "%s", err);
	root = json_loads(buf_str(&out), JSON_ALLOW_NUL, &je);
	ck_assert_msg(root != NULL, "%s at line %d", je.text, je.line);
	s = json_dumps(root, FLAGS);
	buf_puts(&again, s);
	buf_putc(&again, '\n');
	ck_assert_str_eq(buf_str(&out), buf_str(&again));
	/* The hostile text arrived, sanitised, in the places it was put. */
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "\\\\xFF\\\\xFE caf\xc3\xa9"));
	for (i = 0; i < json_array_size(json_object_get(root, "incidents")); i++)
		ck_assert(json_is_array(json_object_get(json_array_get(json_object_get(root,
		    "incidents"), i), "steps")));
	free(s);
	json_decref(root);
	buf_free(&out);
	buf_free(&again);
	diag_free(d);
	kb_free(kb);
}
END_TEST

Suite *
jsonwriter_suite(void)
{
	Suite *s = suite_create("jsonwriter");
	TCase *tc = tcase_create("against jansson");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_byte_and_pair_of_bytes);
	tcase_add_test(tc, the_edges_of_utf8);
	tcase_add_test(tc, long_strings_and_controls);
	tcase_add_test(tc, strings_with_nuls);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, random_trees);
	tcase_add_test(tc, a_whole_diagnosis_is_what_jansson_prints);
	tcase_add_test(tc, a_history_is_what_jansson_printed);
	suite_add_tcase(s, tc);
	return s;
}
