/*
 * prefilter: every implementation of the scan (scalar, SSSE3, AVX2, those
 * the CPU has), line by line (prefilter_scan) and over whole buffers
 * (prefilter_lines, prefilter_each), finds exactly the ids a plain reference
 * finds: each literal looked for at every offset of each line, without case.
 * Inputs: the rule base's literals on a generated gateway log and every file
 * of the real corpus; random buffers; literals put at every offset of short
 * buffers (the edges, across the 16- and 32-byte lanes), with high bytes,
 * NULs and newlines around them.
 */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb.h"
#include "match.h"
#include "prefilter.h"
#include "../fuzz/prefilter_ref.h"
#include "testutil.h"

static const char *const impls[] = { "scalar", "ssse3", "avx2" };
#define NIMPLS	(sizeof(impls) / sizeof(impls[0]))

struct lines_seen {
	const struct prefilter	*pf;
	const char		*s;
	size_t			 next;		/* reported lines start at or after it */
	size_t			 words;
	size_t			 reported;
	int			 bad;
	char			 what[200];
};

/* prefilter_lines(): each reported line is a whole line with the reference ids. */
static int
check_line(void *arg, size_t off, size_t len, const uint64_t *ids)
{
	struct lines_seen *ls = arg;
	uint64_t want[8] = { 0 };

	ck_assert_uint_le(ls->words, 8);
	ck_assert_msg(off >= ls->next, "%s: line at %zu out of order", ls->what, off);
	ck_assert_msg(off == 0 || ls->s[off - 1] == '\n', "%s: line at %zu does not start "
	    "a line", ls->what, off);
	ck_assert_msg(memchr(ls->s + off, '\n', len) == NULL, "%s: line at %zu holds a "
	    "newline", ls->what, off);
	prefilter_ref(ls->pf, ls->s + off, len, want);
	ck_assert_msg(memcmp(want, ids, ls->words * sizeof(*ids)) == 0,
	    "%s: line at %zu (%.*s): ids %llx, reference %llx", ls->what, off,
	    (int)(len < 200 ? len : 200), ls->s + off, (unsigned long long)ids[0],
	    (unsigned long long)want[0]);
	ls->next = off + len + 1;
	ls->reported++;
	return 0;
}

/*
 * Every implementation on s: per line and whole, against the reference.
 * Returns how many lines hold a literal.
 */
static size_t
check_text(struct prefilter *pf, const char *s, size_t len, const char *what)
{
	size_t words = prefilter_words(pf), i, w, start, end, want_lines = 0, lines;
	uint64_t want[8], got[8];
	struct lines_seen ls;
	int any;

	ck_assert_uint_le(words, 8);
	for (i = 0; i < NIMPLS; i++) {
		if (prefilter_use(pf, impls[i]) != 0) {
			if (strcmp(impls[i], "scalar") == 0)
				ck_abort_msg("no scalar scan");
			continue;
		}
		/* The whole text as one string. */
		memset(want, 0, sizeof(want));
		memset(got, 0, sizeof(got));
		prefilter_ref(pf, s, len, want);
		prefilter_scan(pf, s, len, got);
		ck_assert_msg(memcmp(want, got, words * sizeof(*got)) == 0,
		    "%s, %s, whole: %llx against %llx", what, impls[i],
		    (unsigned long long)got[0], (unsigned long long)want[0]);
		/* Line by line, and the lines prefilter_lines() reports. */
		lines = 0;
		for (start = 0; start <= len; start = end + 1) {
			const char *nl = memchr(s + start, '\n', len - start);

			end = nl ? (size_t)(nl - s) : len;
			memset(want, 0, sizeof(want));
			memset(got, 0, sizeof(got));
			prefilter_ref(pf, s + start, end - start, want);
			prefilter_scan(pf, s + start, end - start, got);
			ck_assert_msg(memcmp(want, got, words * sizeof(*got)) == 0,
			    "%s, %s, line at %zu: %llx against %llx", what, impls[i], start,
			    (unsigned long long)got[0], (unsigned long long)want[0]);
			for (w = 0, any = 0; w < words; w++)
				any |= want[w] != 0;
			lines += any;
			if (nl == NULL)
				break;
		}
		memset(&ls, 0, sizeof(ls));
		ls.pf = pf;
		ls.s = s;
		ls.words = words;
		snprintf(ls.what, sizeof(ls.what), "%s, %s, lines", what, impls[i]);
		ck_assert_int_eq(prefilter_lines(pf, s, len, check_line, &ls), 0);
		ck_assert_msg(ls.reported == lines, "%s: %zu lines reported, %zu hold a "
		    "literal", ls.what, ls.reported, lines);
		want_lines = lines;
	}
	return want_lines;
}

/* The rule base's prefilter (the matcher's): literals of patterns and words. */
static struct kb *kb;
static struct matcher *m;

static void
setup(void)
{
	kb = tu_kb();
	m = tu_matcher(kb);
}

static void
teardown(void)
{
	match_free(m);
	kb_free(kb);
}

START_TEST(generated_log)
{
	struct tu_run r;
	char *bin = tu_build("genlog");
	char *const argv[] = { bin, "--seed", "7", "--size", "400000", NULL };
	size_t lines;

	tu_runv(&r, NULL, 0, argv);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_gt(r.outlen, 300000);
	lines = check_text(match_prefilter(m), r.out, r.outlen, "genlog");
	ck_assert_uint_gt(lines, 100);		/* the test tests something */
	tu_run_free(&r);
	free(bin);
}
END_TEST

/*
 * Call each for every .log file of the real corpus (KBDIAG_REAL_CORPUS or
 * /work/shared/corpus/real-logs) and sum what it returns; -1 (reported
 * as skipped) when there is no corpus. At least 5 files.
 */
static long
each_real_file(const char *test, size_t (*each)(const char *data, size_t len,
    const char *name))
{
	const char *dir = getenv("KBDIAG_REAL_CORPUS");
	struct dirent *e;
	size_t files = 0, sum = 0, len;
	char path[4096], *data;
	DIR *d;

	if (dir == NULL)
		dir = "/work/shared/corpus/real-logs";
	if ((d = opendir(dir)) == NULL) {
		tu_skip(test, "no real corpus at %s", dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n < 5 || strcmp(e->d_name + n - 4, ".log") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		data = tu_read(path, &len);
		sum += each(data, len, e->d_name);
		free(data);
		files++;
	}
	closedir(d);
	ck_assert_uint_ge(files, 5);
	return (long)sum;
}

static size_t
check_real_file(const char *data, size_t len, const char *name)
{
	return check_text(match_prefilter(m), data, len, name);
}

START_TEST(real_corpus)
{
	long lines = each_real_file("prefilter real_corpus", check_real_file);

	ck_assert(lines == -1 || lines > 1000);
}
END_TEST

/*
 * The block path a reader builds on: prefilter_lines() over the buffer,
 * match_line_ids() on each line with what it reported (NULL for the others),
 * gives on every line exactly the hits of every log pattern tried by PCRE2
 * on its own (with the fallback rule), and the same as match_line().
 */
struct saved_line {
	size_t		off;
	uint64_t	ids[8];
};

struct saved {
	struct saved_line	*v;
	size_t			 n, cap, words;
};

static int
save_line(void *arg, size_t off, size_t len, const uint64_t *ids)
{
	struct saved *sv = arg;

	(void)len;
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? 2 * sv->cap : 256;
		sv->v = realloc(sv->v, sv->cap * sizeof(*sv->v));
		ck_assert_ptr_nonnull(sv->v);
	}
	sv->v[sv->n].off = off;
	memcpy(sv->v[sv->n].ids, ids, sv->words * sizeof(*ids));
	sv->n++;
	return 0;
}

static size_t
brute_force(const char *line, size_t len, const struct kb_symptom **out, size_t max)
{
	size_t i, j, n = 0, kept;
	int primary = 0;

	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];

			if (s->role == KB_ROLE_DESCRIPTION || match_symptom(m, s, line, len) != 1)
				continue;
			ck_assert_uint_lt(n, max);
			out[n++] = s;
			primary |= s->role == KB_ROLE_PRIMARY;
		}
	}
	if (primary) {
		for (i = kept = 0; i < n; i++)
			if (out[i]->role != KB_ROLE_FALLBACK)
				out[kept++] = out[i];
		n = kept;
	}
	return n;
}

/* Returns how many lines matched. */
static size_t
check_block_matching(const char *s, size_t len, const char *what)
{
	struct saved sv = { NULL, 0, 0, prefilter_words(match_prefilter(m)) };
	const struct kb_symptom *want[256], *gave_up, *first[256];
	const struct match_hit *hits;
	size_t start, end, k = 0, n, nwant, nfirst, i, matched = 0;

	ck_assert_uint_le(sv.words, 8);
	ck_assert_int_eq(prefilter_lines(match_prefilter(m), s, len, save_line, &sv), 0);
	for (start = 0; start <= len; start = end + 1) {
		const char *nl = memchr(s + start, '\n', len - start);
		const uint64_t *ids = NULL;

		end = nl ? (size_t)(nl - s) : len;
		if (k < sv.n && sv.v[k].off == start)
			ids = sv.v[k++].ids;
		nwant = brute_force(s + start, end - start, want, 256);
		nfirst = match_line(m, s + start, end - start, &hits, &gave_up);
		ck_assert_uint_le(nfirst, 256);
		for (i = 0; i < nfirst; i++)
			first[i] = hits[i].symptom;
		n = match_line_ids(m, s + start, end - start, ids, &hits, &gave_up);
		ck_assert_msg(n == nwant && nfirst == nwant, "%s, line at %zu (%.*s): %zu hits "
		    "by the block path, %zu by match_line, %zu by PCRE2 alone", what, start,
		    (int)(end - start < 200 ? end - start : 200), s + start, n, nfirst, nwant);
		for (i = 0; i < n; i++)
			ck_assert_msg(hits[i].symptom == want[i] && first[i] == want[i],
			    "%s, line at %zu: hit %zu differs", what, start, i);
		matched += n > 0;
		if (nl == NULL)
			break;
	}
	ck_assert_uint_eq(k, sv.n);	/* every reported line is a line */
	free(sv.v);
	return matched;
}

START_TEST(block_matching_generated)
{
	struct tu_run r;
	char *bin = tu_build("genlog");
	char *const argv[] = { bin, "--seed", "11", "--size", "300000", NULL };

	tu_runv(&r, NULL, 0, argv);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_gt(check_block_matching(r.out, r.outlen, "genlog"), 20);
	tu_run_free(&r);
	free(bin);
}
END_TEST

START_TEST(block_matching_real)
{
	long matched = each_real_file("prefilter block_matching_real", check_block_matching);

	ck_assert(matched == -1 || matched > 100);
}
END_TEST

/*
 * A line with a pattern's anchor literal but not the other literals its
 * alternatives require costs no PCRE2 run; a line with all of them does.
 */
START_TEST(required_literals_spare_pcre2)
{
	static const char *const spared[] = {
		"07:06:54 - Sat Mar 27 07:06:54 1993 Microsoft Mail Gateway to SMTP V3.0",
		"07:06:54 - Reading local Microsoft Mail Post Offices from m:smtp\\local.cfg",
		" [rx] 250 <hr@northwind.example>... Recipient ok",
	};
	const char *hit = "12:00:01 - ERROR translating message to Microsoft Mail";
	const struct kb_symptom *gave_up;
	const struct match_hit *hits;
	unsigned long long before;
	size_t i;

	for (i = 0; i < sizeof(spared) / sizeof(spared[0]); i++) {
		before = match_line_runs(m);
		ck_assert_uint_eq(match_line(m, spared[i], strlen(spared[i]), &hits, &gave_up), 0);
		ck_assert_msg(match_line_runs(m) == before, "%s: %llu PCRE2 runs", spared[i],
		    match_line_runs(m) - before);
	}
	before = match_line_runs(m);
	ck_assert_uint_ge(match_line(m, hit, strlen(hit), &hits, &gave_up), 1);
	ck_assert_uint_gt(match_line_runs(m), before);
}
END_TEST

/*
 * A built prefilter is only read by scans: two threads scanning the halves
 * of a buffer (split at a line end, as a reader would) at the same time
 * report what one scan of the whole reports.
 */
struct half {
	struct prefilter	*pf;
	const char		*s;
	size_t			 len, lines, pairs;
};

static int
count_line(void *arg, size_t off, size_t len, const uint64_t *ids)
{
	struct half *h = arg;
	size_t w;

	(void)off;
	(void)len;
	h->lines++;
	for (w = 0; w < prefilter_words(h->pf); w++)
		h->pairs += (size_t)__builtin_popcountll(ids[w]);
	return 0;
}

static void *
scan_half(void *arg)
{
	struct half *h = arg;
	int i;

	for (i = 0; i < 20; i++) {
		h->lines = h->pairs = 0;
		(void)prefilter_lines(h->pf, h->s, h->len, count_line, h);
	}
	return NULL;
}

START_TEST(threads_share_a_prefilter)
{
	struct tu_run r;
	char *bin = tu_build("genlog");
	char *const argv[] = { bin, "--seed", "5", "--size", "2000000", NULL };
	struct half whole, h[2];
	pthread_t t[2];
	const char *mid;
	int i;

	tu_runv(&r, NULL, 0, argv);
	ck_assert_int_eq(r.status, 0);
	memset(&whole, 0, sizeof(whole));
	whole.pf = match_prefilter(m);
	whole.s = r.out;
	whole.len = r.outlen;
	(void)prefilter_lines(whole.pf, whole.s, whole.len, count_line, &whole);
	mid = memchr(r.out + r.outlen / 2, '\n', r.outlen - r.outlen / 2);
	ck_assert_ptr_nonnull(mid);
	for (i = 0; i < 2; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].pf = whole.pf;
		h[i].s = i ? mid + 1 : r.out;
		h[i].len = i ? (size_t)(r.out + r.outlen - mid - 1) : (size_t)(mid - r.out);
		ck_assert_int_eq(pthread_create(&t[i], NULL, scan_half, &h[i]), 0);
	}
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	ck_assert_uint_gt(whole.lines, 1000);
	ck_assert_uint_eq(h[0].lines + h[1].lines, whole.lines);
	ck_assert_uint_eq(h[0].pairs + h[1].pairs, whole.pairs);
	tu_run_free(&r);
	free(bin);
}
END_TEST

/* Literals of every kind: short, long, with punctuation, high bytes, NULs, a newline. */
static struct prefilter *
odd_prefilter(void)
{
	static const struct {
		const char	*text;
		size_t		 len;
	} lits[] = {
		{ "ab", 2 }, { "zq", 2 }, { "error", 5 }, { "Network Write Error", 19 },
		{ " => ", 4 }, { "(119)", 5 }, { "\xe9t\xe9", 3 }, { "a\0b", 3 },
		{ "x\ny", 3 }, { "\xff\xfe\xfd\xfc", 4 }, { "stat=Sent", 9 },
		{ "0123456789abcdefghijklmnopqrstuvwxyz0123456789", 46 }, { "aaa", 3 },
		{ "\t\t", 2 },
	};
	struct prefilter *pf = prefilter_new(70);
	size_t i;

	for (i = 0; i < sizeof(lits) / sizeof(lits[0]); i++)
		prefilter_add(pf, lits[i].text, lits[i].len, i * 5 % 70);
	prefilter_add(pf, "ERROR", 5, 69);	/* a second id for a literal */
	prefilter_add(pf, "x", 1, 3);		/* too short: not taken */
	return pf;
}

START_TEST(literals_everywhere)
{
	struct prefilter *pf = odd_prefilter();
	char buf[200], what[100];
	size_t n, lit, len, off, k;
	const char *text;

	/* Each literal, case flipped in turns, at every offset of buffers of
	 * lengths around the lanes, in filler of each kind. */
	for (lit = 0; lit < prefilter_count(pf); lit++) {
		text = prefilter_literal(pf, lit, &len);
		for (n = len; n <= 70; n += n < 40 ? 1 : 7)
			for (off = 0; off + len <= n; off++) {
				int fill = (int)((n + off) % 4);

				for (k = 0; k < n; k++)
					buf[k] = fill == 0 ? '.' : fill == 1 ? '\0' :
					    fill == 2 ? (char)0xe9 : (char)('a' + k % 26);
				for (k = 0; k < len; k++) {
					char c = text[k];

					if ((off + k) % 2 && c >= 'a' && c <= 'z')
						c = (char)(c - 'a' + 'A');
					buf[off + k] = c;
				}
				snprintf(what, sizeof(what), "literal %zu at %zu of %zu", lit,
				    off, n);
				(void)check_text(pf, buf, n, what);
			}
	}
	prefilter_free(pf);
}
END_TEST

START_TEST(random_buffers)
{
	struct prefilter *pf = odd_prefilter();
	uint64_t seed = 42;
	char buf[600];
	size_t i, n, k, len;
	const char *text;

	for (i = 0; i < 400; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		n = (size_t)(seed >> 33) % sizeof(buf);
		for (k = 0; k < n; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			/* mostly a small alphabet, so that near-misses abound */
			buf[k] = (seed >> 60) < 12 ? "abeorxyzqn =(\n"[(seed >> 40) % 14] :
			    (char)(seed >> 32);
		}
		/* and some literals dropped in */
		for (k = 0; k < 3 && n > 60; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			text = prefilter_literal(pf, (size_t)(seed >> 35) % prefilter_count(pf),
			    &len);
			memcpy(buf + (size_t)(seed >> 20) % (n - len), text, len);
		}
		(void)check_text(pf, buf, n, "random");
	}
	/* The rule base's literals on the same kind of bytes. */
	for (i = 0; i < 200; i++) {
		struct prefilter *rb = match_prefilter(m);

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		n = (size_t)(seed >> 33) % sizeof(buf);
		for (k = 0; k < n; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[k] = "errotimdu nc:=>-fawls\n"[(seed >> 40) % 22];
		}
		for (k = 0; k < 2 && n > 60; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			text = prefilter_literal(rb, (size_t)(seed >> 35) % prefilter_count(rb),
			    &len);
			if (len < n)
				memcpy(buf + (size_t)(seed >> 20) % (n - len), text, len);
		}
		(void)check_text(rb, buf, n, "random, rule base");
	}
	prefilter_free(pf);
}
END_TEST

/* A callback's non-zero return stops the scan, and is what the scan returns. */
static int
stop_at_second(void *arg, size_t lit, size_t off, size_t len)
{
	int *n = arg;

	(void)lit;
	(void)off;
	(void)len;
	return ++*n == 2 ? 7 : 0;
}

START_TEST(each_stops)
{
	struct prefilter *pf = odd_prefilter();
	const char *s = "an error, another ERROR, and a third error";
	size_t i;
	int n;

	for (i = 0; i < NIMPLS; i++) {
		if (prefilter_use(pf, impls[i]) != 0)
			continue;
		n = 0;
		ck_assert_int_eq(prefilter_each(pf, s, strlen(s), stop_at_second, &n), 7);
		ck_assert_int_eq(n, 2);
	}
	ck_assert_int_eq(prefilter_use(pf, "sse9"), -1);
	ck_assert_int_eq(prefilter_use(pf, "scalar"), 0);
	ck_assert_str_eq(prefilter_impl(pf), "scalar");
	prefilter_free(pf);
}
END_TEST

Suite *
prefilter_suite(void)
{
	Suite *s = suite_create("prefilter");
	TCase *tc = tcase_create("prefilter");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, generated_log);
	tcase_add_test(tc, real_corpus);
	tcase_add_test(tc, block_matching_generated);
	tcase_add_test(tc, block_matching_real);
	tcase_add_test(tc, required_literals_spare_pcre2);
	tcase_add_test(tc, threads_share_a_prefilter);
	tcase_add_test(tc, literals_everywhere);
	tcase_add_test(tc, random_buffers);
	tcase_add_test(tc, each_stops);
	suite_add_tcase(s, tc);
	return s;
}
