/*
 * kbcache: the rule base read back from the cache is the one the XML gives,
 * a stale or corrupt cache is rebuilt, several processes may build it at
 * once, and kbdiag's output is the same with the cache, without it and
 * while it is being built.
 */
#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "kbcache.h"
#include "kbpriv.h"
#include "query.h"
#include "render.h"
#include "testutil.h"


/* The payload of kb (the cache file without its header). */
static void
payload(const struct kb *kb, struct buf *out)
{
	static const unsigned char key[KBCACHE_KEY_LEN];

	kbcache_encode(kb, NULL, key, out);
}

/* The only cache file in dir (caller frees), failing when not one. */
static char *
cache_file(const char *dir)
{
	struct dirent *de;
	char *found = NULL;
	size_t n = 0;
	DIR *d = opendir(dir);

	ck_assert_msg(d != NULL, "no cache directory %s", dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		free(found);
		found = tu_join(dir, de->d_name);
	}
	closedir(d);
	ck_assert_msg(n == 1, "%zu files in the cache directory %s, want 1", n, dir);
	ck_assert_msg(strstr(found, ".cache") != NULL && strstr(found, ".cache.") == NULL,
	    "%s: not a cache file (a temporary file left behind?)", found);
	return found;
}

/* Load kbdir through the cache in cdir; want: what kbcache_load must say. */
static struct kb *
load_via(const char *kbdir, const char *cdir, enum kbcache_how want)
{
	struct kb_load_params p = { 0 };
	enum kbcache_how how;
	char err[ERR_LEN];
	struct kb *kb;

	p.dir = kbdir;
	ck_assert_msg(kbcache_load(&p, cdir, &kb, NULL, &how, err) == 0, "kbcache_load: %s", err);
	ck_assert_msg(how == want, "kbcache_load said %s, want %s", kbcache_how_name(how),
	    kbcache_how_name(want));
	return kb;
}

/* The same with a matcher, which must pass the rule base's own examples. */
static struct kb *
load_via_m(const char *kbdir, const char *cdir, enum kbcache_how want, size_t *npatterns)
{
	struct kb_load_params p = { 0 };
	enum kbcache_how how;
	struct matcher *m;
	char err[ERR_LEN];
	struct kb *kb;

	p.dir = kbdir;
	ck_assert_msg(kbcache_load(&p, cdir, &kb, &m, &how, err) == 0, "kbcache_load: %s", err);
	ck_assert_msg(how == want, "kbcache_load said %s, want %s", kbcache_how_name(how),
	    kbcache_how_name(want));
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(match_selftest(m, NULL, NULL), 0);
	*npatterns = match_pattern_count(m);
	match_free(m);
	return kb;
}

/*
 * The rule base as the XML gives it and as the cache gives it, same bytes;
 * when b has the query's index from the cache, a gets its own, built from
 * the XML, and the two are the same bytes too.
 */
static void
assert_same_kb(struct kb *a, const struct kb *b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	size_t n;

	if (kb_query_index(b, &n) != NULL)
		kbcache_add_query_index(a);
	payload(a, &x);
	payload(b, &y);
	ck_assert_uint_eq(x.len, y.len);
	ck_assert_msg(memcmp(x.data, y.data, x.len) == 0, "the rule bases differ");
	buf_free(&x);
	buf_free(&y);
}

START_TEST(test_round_trip)
{
	struct kb *xml = tu_kb(), *back;
	struct buf b = BUF_INIT;
	char err[ERR_LEN];
	const struct kb_article *a;
	const struct kb_cause *c;
	size_t i;

	payload(xml, &b);
	ck_assert_msg(kbcache_decode(b.data, b.len, NULL, &back, NULL, NULL, err) == 0, "%s", err);
	assert_same_kb(xml, back);
	/* references point into the copy, at the same things */
	ck_assert_uint_eq(kb_article_count(back), kb_article_count(xml));
	a = kb_find_article(back, "Q123827");
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->title, "SMTP: Err Msg: Error (119) Network Write Error");
	for (i = 0; i < a->ncauses; i++)
		ck_assert_ptr_eq(a->causes[i].cause, kb_find_cause(back, a->causes[i].cause->id));
	for (i = 0; i < kb_cause_count(back); i++) {
		c = kb_cause_at(back, i);
		if (c->nevidence > 0)
			ck_assert_ptr_eq(c->evidence[0].source,
			    kb_find_source(back, c->evidence[0].source->id));
	}
	ck_assert_uint_eq(kb_fix_count(back), kb_fix_count(xml));
	ck_assert_uint_eq(kb_table_count(back, "protocol-ini"), kb_table_count(xml, "protocol-ini"));
	kb_free(back);
	kb_free(xml);
	buf_free(&b);
}
END_TEST

START_TEST(test_built_then_hit)
{
	char *cdir = tu_scratch_path("hit"), *kbdir = tu_src("kb");
	struct kb *xml = tu_kb(), *kb;

	kb = load_via(kbdir, cdir, KBCACHE_BUILT);
	assert_same_kb(xml, kb);
	kb_free(kb);
	free(cache_file(cdir));
	kb = load_via(kbdir, cdir, KBCACHE_HIT);
	assert_same_kb(xml, kb);
	kb_free(kb);
	kb = load_via(kbdir, NULL, KBCACHE_OFF);
	kb_free(kb);
	kb_free(xml);
	free(kbdir);
	free(cdir);
}
END_TEST

/* A rule base edited after the cache was written: the edit is seen. */
START_TEST(test_stale_rebuilt)
{
	char *cdir = tu_scratch_path("stale"), *kbdir = tu_kb_copy();
	struct kb *kb;

	kb_free(load_via(kbdir, cdir, KBCACHE_BUILT));
	kb_free(load_via(kbdir, cdir, KBCACHE_HIT));
	tu_edit_in(kbdir, "articles/Q123827.xml", "Error (119) Network Write Error</title>",
	    "Error (119) Network Write Error (edited)</title>");
	kb = load_via(kbdir, cdir, KBCACHE_STALE);
	ck_assert_str_eq(kb_find_article(kb, "Q123827")->title,
	    "SMTP: Err Msg: Error (119) Network Write Error (edited)");
	kb_free(kb);
	kb = load_via(kbdir, cdir, KBCACHE_HIT);
	ck_assert_str_eq(kb_find_article(kb, "Q123827")->title,
	    "SMTP: Err Msg: Error (119) Network Write Error (edited)");
	kb_free(kb);
	/* an article added (a new file name) makes the cache stale too */
	{
		char *art = tu_article("Q999001", NULL, NULL, NULL);

		tu_write_in(kbdir, "articles/Q999001.xml", art);
		free(art);
	}
	kb = load_via(kbdir, cdir, KBCACHE_STALE);
	ck_assert_ptr_nonnull(kb_find_article(kb, "Q999001"));
	kb_free(kb);
	/* and one removed */
	{
		char *path = tu_join(kbdir, "articles/Q999001.xml");

		ck_assert_int_eq(unlink(path), 0);
		free(path);
	}
	kb = load_via(kbdir, cdir, KBCACHE_STALE);
	ck_assert_ptr_null(kb_find_article(kb, "Q999001"));
	kb_free(kb);
	tu_kb_copy_free(kbdir);
	free(cdir);
}
END_TEST

/* Flip one byte, cut the file, replace it: each read is CORRUPT, then rebuilt. */
START_TEST(test_corrupt_rebuilt)
{
	char *cdir = tu_scratch_path("corrupt"), *kbdir = tu_src("kb"), *file;
	struct kb *xml = tu_kb(), *kb;
	size_t len, cuts[] = { 0, 7, 20, 90, 5000 };
	char *data;
	size_t i;

	kb_free(load_via(kbdir, cdir, KBCACHE_BUILT));
	file = cache_file(cdir);
	data = tu_read(file, &len);
	for (i = 0; i < 4; i++) {
		char *bad = tu_read(file, NULL);
		size_t at = i == 0 ? len / 2 : i == 1 ? len - 1 : i == 2 ? 13 : 50;

		memcpy(bad, data, len);
		bad[at] ^= 0x20;
		tu_write(file, bad, len);
		free(bad);
		/* a byte of the key (13) reads as another rule base's: stale */
		kb = load_via(kbdir, cdir, at == 13 ? KBCACHE_STALE : KBCACHE_CORRUPT);
		assert_same_kb(xml, kb);
		kb_free(kb);
		kb_free(load_via(kbdir, cdir, KBCACHE_HIT));
	}
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		tu_write(file, data, cuts[i]);
		kb = load_via(kbdir, cdir, KBCACHE_CORRUPT);
		assert_same_kb(xml, kb);
		kb_free(kb);
		kb_free(load_via(kbdir, cdir, KBCACHE_HIT));
	}
	tu_write_str(file, "<?xml version='1.0'?><not-a-cache/>");
	kb_free(load_via(kbdir, cdir, KBCACHE_CORRUPT));
	kb_free(load_via(kbdir, cdir, KBCACHE_HIT));
	free(data);
	free(file);
	kb_free(xml);
	free(kbdir);
	free(cdir);
}
END_TEST

/* Every prefix of a valid payload is refused by the reader, never read past. */
START_TEST(test_payload_prefixes)
{
	struct kb *xml = tu_kb(), *kb;
	struct buf b = BUF_INIT;
	char err[ERR_LEN], *copy;
	size_t hdr = kbcache_header_len(), n, step;

	payload(xml, &b);
	n = b.len - hdr;
	step = n / 997 + 1;
	for (size_t cut = 0; cut < n; cut += step) {
		/* a copy of exactly cut bytes, so that ASan sees a read past it */
		copy = malloc(cut ? cut : 1);
		memcpy(copy, b.data + hdr, cut);
		ck_assert_msg(kbcache_decode_payload(copy, cut, &kb, err) == -1,
		    "a payload cut at %zu of %zu bytes was accepted", cut, n);
		ck_assert_ptr_null(kb);
		free(copy);
	}
	ck_assert_int_eq(kbcache_decode_payload(b.data + hdr, n, &kb, err), 0);
	kb_free(kb);
	kb_free(xml);
	buf_free(&b);
}
END_TEST

/* Four processes build the cache at once, five times: all load it, one file. */
START_TEST(test_concurrent_builders)
{
	char *cdir = tu_scratch_path("race"), *kbdir = tu_src("kb"), *file;
	int round, i, status;
	pid_t pids[4];

	for (round = 0; round < 5; round++) {
		for (i = 0; i < 4; i++) {
			pids[i] = fork();
			ck_assert_int_ge(pids[i], 0);
			if (pids[i] == 0) {
				struct kb_load_params p = { 0 };
				char err[ERR_LEN];
				struct kb *kb;

				p.dir = kbdir;
				_exit(kbcache_load(&p, cdir, &kb, NULL, NULL, err) == 0 &&
				    kb_find_article(kb, "Q123827") != NULL ? 0 : 1);
			}
		}
		for (i = 0; i < 4; i++) {
			ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
			ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			    "a builder failed in round %d", round);
		}
		file = cache_file(cdir);
		kb_free(load_via(kbdir, cdir, KBCACHE_HIT));
		ck_assert_int_eq(unlink(file), 0);
		free(file);
	}
	free(kbdir);
	free(cdir);
}
END_TEST

/* The patterns come from the cache (PCRE2's form), or are compiled without it. */
START_TEST(test_matcher_from_cache)
{
	char *cdir = tu_scratch_path("codes"), *kbdir = tu_src("kb"), *file, *data;
	struct kb *xml = tu_kb(), *kb;
	struct matcher *want = tu_matcher(xml);
	struct buf b = BUF_INIT;
	char err[ERR_LEN];
	size_t n, len;
	const void *codes;
	size_t codes_len;

	kb_free(load_via_m(kbdir, cdir, KBCACHE_BUILT, &n));
	ck_assert_uint_eq(n, match_pattern_count(want));
	file = cache_file(cdir);
	data = tu_read(file, &len);
	ck_assert_int_eq(kbcache_decode(data, len, NULL, &kb, &codes, &codes_len, err), 0);
	ck_assert_ptr_nonnull(codes);
	ck_assert_uint_gt(codes_len, 1000);
	kb_free(kb);
	kb_free(load_via_m(kbdir, cdir, KBCACHE_HIT, &n));
	ck_assert_uint_eq(n, match_pattern_count(want));
	/* a file written without patterns (same key): read, the patterns compiled */
	kbcache_encode(xml, NULL, (const unsigned char *)data + 12, &b);
	tu_write(file, b.data, b.len);
	kb_free(load_via_m(kbdir, cdir, KBCACHE_HIT, &n));
	ck_assert_uint_eq(n, match_pattern_count(want));
	buf_free(&b);
	free(data);
	free(file);
	match_free(want);
	kb_free(xml);
	free(kbdir);
	free(cdir);
}
END_TEST

/* One file per rule base directory, the newest 16 kept. */
START_TEST(test_pruned)
{
	char *cdir = tu_scratch_path("prune"), *kbdir = tu_src("kb");
	struct buf spelled = BUF_INIT;
	struct dirent *de;
	size_t i, n = 0;
	DIR *d;

	/* "kb", "kb/", "kb//", ...: one directory, named 20 ways, 20 files */
	buf_puts(&spelled, kbdir);
	for (i = 0; i < 20; i++) {
		kb_free(load_via(buf_str(&spelled), cdir, KBCACHE_BUILT));
		buf_putc(&spelled, '/');
	}
	ck_assert_ptr_nonnull(d = opendir(cdir));
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	ck_assert_uint_eq(n, 16);
	/* the last one written is among them */
	spelled.len--;
	spelled.data[spelled.len] = '\0';
	kb_free(load_via(buf_str(&spelled), cdir, KBCACHE_HIT));
	buf_free(&spelled);
	free(kbdir);
	free(cdir);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* The query's index in the cache                                          */

/* Texts of every kind a query reads: messages, typos, settings, switches, facts. */
static const char *const qtexts[] = {
	"Error (119) Network Write Error",
	"netwrok write eror to mail.contoso.com",
	"the gateway can't reach the smart host at all, every attempt to connect fails",
	"FILES=40",
	"what size is TCPTSR.EXE version 2.2b",
	"-Q90 ForcePushBit=1",
	"socket error (123)",
	"nginx 502 bad gateway upstream timed out",
	"Dec  7 10:00:01 mx postfix/smtp[123]: connect to mail.example.com[198.51.100.23]:25: "
	    "Connection refused",
};

/* Every text of qtexts asked of kb, rendered as JSON with --explain's account. */
static void
answers(const struct kb *kb, struct matcher *m, struct buf *out)
{
	char err[ERR_LEN];
	size_t i;

	buf_reset(out);
	for (i = 0; i < sizeof(qtexts) / sizeof(qtexts[0]); i++) {
		struct query_results *q = query_run(kb, m, qtexts[i], strlen(qtexts[i]));

		ck_assert_msg(render_query_explain(q, RENDER_JSON, 1, out, err) == 0, "%s", err);
		buf_putc(out, '\n');
		query_free(q);
	}
}

static void
assert_same_answers(const struct buf *want, const struct buf *got, const char *what)
{
	ck_assert_msg(want->len == got->len && memcmp(want->data, got->data, want->len) == 0,
	    "%s: the answers differ from the index built from the XML", what);
}

/* kbdir through the cache in cdir (want: what kbcache_load says), its answers. */
static void
answers_via(const char *kbdir, const char *cdir, enum kbcache_how want, int want_index,
    struct buf *out)
{
	struct kb_load_params p = { 0 };
	enum kbcache_how how;
	struct matcher *m;
	char err[ERR_LEN];
	struct kb *kb;
	size_t n;

	p.dir = kbdir;
	ck_assert_msg(kbcache_load(&p, cdir, &kb, &m, &how, err) == 0, "kbcache_load: %s", err);
	ck_assert_msg(how == want, "kbcache_load said %s, want %s", kbcache_how_name(how),
	    kbcache_how_name(want));
	ck_assert_msg((kb_query_index(kb, &n) != NULL) == want_index,
	    "the kb %s the query's index", want_index ? "lacks" : "has");
	answers(kb, m, out);
	match_free(m);
	kb_free(kb);
}

/* The XML's answers for kbdir (the index built from the text). */
static void
answers_xml(const char *kbdir, struct buf *out)
{
	struct kb_load_params p = { 0 };
	char err[ERR_LEN];
	struct kb *kb;
	struct matcher *m;

	p.dir = kbdir;
	ck_assert_msg(kb_load(&p, &kb, err) == 0, "kb_load: %s", err);
	m = tu_matcher(kb);
	answers(kb, m, out);
	match_free(m);
	kb_free(kb);
}

/*
 * The lengths of a cache file's parts (after magic, format and key): kb,
 * patterns, query index, the files' stamps.
 */
static void
part_lengths(const char *data, size_t len, uint64_t lens[4])
{
	ck_assert_uint_ge(len, kbcache_header_len());
	memcpy(lens, data + 8 + 4 + KBCACHE_KEY_LEN, 4 * sizeof(lens[0]));
	ck_assert_uint_eq(kbcache_header_len() + lens[0] + lens[1] + lens[2] + lens[3], len);
}

/*
 * The index comes from the cache and answers as the one built from the XML;
 * an index part with a flipped byte or cut short, and a rule base edited
 * since, are rebuilt, and answer the same as the XML.
 */
START_TEST(test_query_index_cached)
{
	char *cdir = tu_scratch_path("qindex"), *kbdir = tu_kb_copy(), *file, *data;
	struct buf want = BUF_INIT, got = BUF_INIT;
	uint64_t lens[4];
	size_t len, at;

	answers_xml(kbdir, &want);
	answers_via(kbdir, cdir, KBCACHE_BUILT, 1, &got);
	assert_same_answers(&want, &got, "built");
	answers_via(kbdir, cdir, KBCACHE_HIT, 1, &got);
	assert_same_answers(&want, &got, "hit");
	file = cache_file(cdir);
	data = tu_read(file, &len);
	part_lengths(data, len, lens);
	ck_assert_uint_gt(lens[2], 1000);
	ck_assert_uint_gt(lens[3], 1000);	/* a stamp per file */
	at = kbcache_header_len() + lens[0] + lens[1];	/* the index part */
	/* a byte flipped in the middle of the index part */
	data[at + lens[2] / 2] ^= 0x01;
	tu_write(file, data, len);
	answers_via(kbdir, cdir, KBCACHE_CORRUPT, 1, &got);
	assert_same_answers(&want, &got, "flipped");
	answers_via(kbdir, cdir, KBCACHE_HIT, 1, &got);
	assert_same_answers(&want, &got, "rebuilt after a flip");
	/* the file cut in the index part, and cut where the index starts */
	data[at + lens[2] / 2] ^= 0x01;
	tu_write(file, data, at + lens[2] / 2);
	answers_via(kbdir, cdir, KBCACHE_CORRUPT, 1, &got);
	assert_same_answers(&want, &got, "truncated");
	tu_write(file, data, at);
	answers_via(kbdir, cdir, KBCACHE_CORRUPT, 1, &got);
	assert_same_answers(&want, &got, "index cut off");
	answers_via(kbdir, cdir, KBCACHE_HIT, 1, &got);
	assert_same_answers(&want, &got, "rebuilt after a cut");
	/* the rule base edited: the cache is stale, the edit in the answers */
	tu_edit_in(kbdir, "articles/Q123827.xml", "Error (119) Network Write Error</title>",
	    "Error (119) Network Write Error Zebracorn</title>");
	answers_xml(kbdir, &want);
	ck_assert_ptr_nonnull(strstr(buf_str(&want), "Zebracorn"));
	answers_via(kbdir, cdir, KBCACHE_STALE, 1, &got);
	assert_same_answers(&want, &got, "stale");
	answers_via(kbdir, cdir, KBCACHE_HIT, 1, &got);
	assert_same_answers(&want, &got, "rebuilt after an edit");
	free(data);
	free(file);
	buf_free(&want);
	buf_free(&got);
	tu_kb_copy_free(kbdir);
	free(cdir);
}
END_TEST

/*
 * The index's reader itself: every prefix of a saved index is refused, and
 * so is an index read against a kb it was not made from (query_index_new()
 * then builds the kb's own, which answers as the XML's); a byte flipped
 * anywhere is refused or read without going out of bounds (ASan: make asan).
 */
START_TEST(test_query_index_reader)
{
	struct kb *full = tu_kb(), *mini = tu_kb_mini();
	struct matcher *m = tu_matcher(mini), *mfull = tu_matcher(full);
	struct query_index *ix;
	struct buf saved = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	char err[ERR_LEN], *copy;
	size_t cut, step, at, accepted = 0;

	ix = query_index_new(full);
	query_index_save(ix, &saved);
	query_index_free(ix);
	step = saved.len / 499 + 1;
	for (cut = 0; cut < saved.len; cut += step) {
		copy = malloc(cut ? cut : 1);
		memcpy(copy, saved.data, cut);
		ck_assert_msg(query_index_load(full, copy, cut, err) == NULL,
		    "an index cut at %zu of %zu bytes was accepted", cut, saved.len);
		free(copy);
	}
	ck_assert_ptr_nonnull(ix = query_index_load(full, saved.data, saved.len, err));
	query_index_free(ix);
	/* another kb's index: refused, and the kb's own built instead */
	ck_assert_ptr_null(query_index_load(mini, saved.data, saved.len, err));
	answers(mini, m, &want);
	mini->qindex = malloc(saved.len);
	memcpy(mini->qindex, saved.data, saved.len);
	mini->qindex_len = saved.len;
	answers(mini, m, &got);
	assert_same_answers(&want, &got, "a foreign index");
	/* flipped bits all over */
	for (at = 0; at < saved.len; at += step) {
		saved.data[at] ^= (char)(1u << (at % 8));
		if ((ix = query_index_load(full, saved.data, saved.len, err)) != NULL) {
			struct query_results *q = query_ask(ix, mfull, qtexts[1], strlen(qtexts[1]));

			query_free(q);
			query_index_free(ix);
			accepted++;
		}
		saved.data[at] ^= (char)(1u << (at % 8));
	}
	ck_assert_uint_lt(accepted, saved.len / step);
	buf_free(&saved);
	buf_free(&want);
	buf_free(&got);
	match_free(m);
	match_free(mfull);
	kb_free(mini);
	kb_free(full);
}
END_TEST

/* The inode of path: a cache file written again is another. */
static ino_t
inode_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_ino;
}

/*
 * The key is taken from the cache file when every rule base file stands as
 * its stamps say (no file read): a file edited to the same size with its
 * modification time put back is still seen (its change time moved), and
 * one only touched hashes the same and is stamped anew.
 */
START_TEST(test_stamps)
{
	char *cdir = tu_scratch_path("stamps"), *kbdir = tu_kb_copy(), *file, *art;
	struct timespec keep[2];
	struct stat st;
	struct kb *kb;
	ino_t ino, ino_art;

	/* files changed within KBCACHE_RACY_SEC of the stamps are not trusted */
	sleep(3);
	kb_free(load_via(kbdir, cdir, KBCACHE_BUILT));
	file = cache_file(cdir);
	ino = inode_of(file);
	kb_free(load_via(kbdir, cdir, KBCACHE_HIT));
	kb_free(load_via(kbdir, cdir, KBCACHE_HIT));
	/* the stamps held: the file was read, not written again */
	ck_assert_msg(inode_of(file) == ino, "a hit with every file as stamped rewrote the cache");
	art = tu_join(kbdir, "articles/Q123827.xml");
	/* edited to the same size, its modification time put back: stale */
	ck_assert_int_eq(stat(art, &st), 0);
	keep[0] = st.st_atim;
	keep[1] = st.st_mtim;
	ino_art = st.st_ino;
	{
		/* in place: the same inode and size; only the change time tells */
		char *data = tu_read(art, NULL), *at = strstr(data, "Network Write Error</title>");
		int fd = open(art, O_WRONLY);

		ck_assert_ptr_nonnull(at);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pwrite(fd, "Wrote", 5, (off_t)(at - data) + 8), 5);
		ck_assert_int_eq(close(fd), 0);
		free(data);
	}
	ck_assert_int_eq(utimensat(AT_FDCWD, art, keep, 0), 0);
	ck_assert_int_eq(stat(art, &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_ino, (uint64_t)ino_art);
	kb = load_via(kbdir, cdir, KBCACHE_STALE);
	ck_assert_str_eq(kb_find_article(kb, "Q123827")->title,
	    "SMTP: Err Msg: Error (119) Network Wrote Error");
	kb_free(kb);
	/* touched: the same contents, so a hit, and the file stamped anew */
	ino = inode_of(file);
	ck_assert_int_eq(utimensat(AT_FDCWD, art, NULL, 0), 0);
	kb_free(load_via(kbdir, cdir, KBCACHE_HIT));
	ck_assert_msg(inode_of(file) != ino, "a touched rule base file was not stamped anew");
	free(art);
	free(file);
	tu_kb_copy_free(kbdir);
	free(cdir);
}
END_TEST

/* Put back an environment variable as it was (saved: a copy, or NULL). */
static void
env_restore(const char *name, char *saved)
{
	if (saved)
		setenv(name, saved, 1);
	else
		unsetenv(name);
	free(saved);
}

static char *
env_save(const char *name)
{
	const char *v = getenv(name);

	return v ? strdup(v) : NULL;
}

START_TEST(test_cache_dir_env)
{
	char buf[PATH_MAX];
	char *cache = env_save("KBDIAG_CACHE"), *xdg = env_save("XDG_CACHE_HOME");
	char *home = env_save("HOME");

	setenv("KBDIAG_CACHE", "off", 1);
	ck_assert_ptr_null(kbcache_dir(buf));
	setenv("KBDIAG_CACHE", "", 1);
	ck_assert_ptr_null(kbcache_dir(buf));
	setenv("KBDIAG_CACHE", "/tmp/some where", 1);
	ck_assert_str_eq(kbcache_dir(buf), "/tmp/some where");
	unsetenv("KBDIAG_CACHE");
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	ck_assert_str_eq(kbcache_dir(buf), "/x/cache/kbdiag");
	setenv("XDG_CACHE_HOME", "relative", 1);	/* ignored, as the spec says */
	setenv("HOME", "/home/u", 1);
	ck_assert_str_eq(kbcache_dir(buf), "/home/u/.cache/kbdiag");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	ck_assert_ptr_null(kbcache_dir(buf));
	/* as it was: without fork (CK_FORK=no) the next tests run in this process */
	env_restore("KBDIAG_CACHE", cache);
	env_restore("XDG_CACHE_HOME", xdg);
	env_restore("HOME", home);
}
END_TEST

/*
 * fuzz_kbcache's seeds are in the cache's current format: the reader accepts
 * each, but those named "rejected-..." (cases it must refuse), so that the
 * fuzzer starts from rule bases and not only from rejections. After a change
 * of KBCACHE_FORMAT, `make fuzz-seeds` makes them again.
 */
START_TEST(test_fuzz_seeds_current)
{
	char *dir = tu_src("tests/fuzz/corpus/kbcache"), *path, err[ERR_LEN];
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t len, accepted = 0, rejected = 0;
	struct kb *kb;
	void *data;
	int rc;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		path = tu_join(dir, de->d_name);
		data = tu_read(path, &len);
		rc = kbcache_decode_payload(data, len, &kb, err);
		if (rc == 0)
			kb_free(kb);
		if (strncmp(de->d_name, "rejected-", 9) == 0) {
			ck_assert_msg(rc != 0, "%s: the reader accepts it; rename it", path);
			rejected++;
		} else {
			ck_assert_msg(rc == 0, "%s: the reader refuses it (%s): make fuzz-seeds "
			    "remakes the seeds in the current format", path, err);
			accepted++;
		}
		free(data);
		free(path);
	}
	closedir(d);
	ck_assert_uint_ge(accepted, 2);	/* full-kb, two-articles */
	ck_assert_uint_ge(rejected, 1);
	free(dir);
}
END_TEST

/* kbdiag's output is the same cold, warm, and with the cache off. */
START_TEST(test_cli_same_output)
{
	char *cdir = tu_scratch_path("cli"), *log = tu_src("kb/samples/smtpgate.log");
	const char *how[] = { "cold", "warm", "off" };
	struct tu_run r[3], q[3];
	char *saved = env_save("KBDIAG_CACHE");
	int i;

	for (i = 0; i < 3; i++) {
		setenv("KBDIAG_CACHE", i == 2 ? "off" : cdir, 1);
		tu_kbdiag(&r[i], NULL, 0, "diagnose", "--format", "json", log, NULL);
		ck_assert_msg(r[i].status == 0, "diagnose (%s): %d %s", how[i], r[i].status,
		    r[i].err);
		tu_kbdiag(&q[i], NULL, 0, "query", "--top", "3", "--explain",
		    "netwrok write eror", NULL);
		ck_assert_msg(q[i].status == 0, "query (%s): %d %s", how[i], q[i].status,
		    q[i].err);
		if (i == 0) {
			/* diagnose's (problems only, kb.h) and query's (whole) */
			struct dirent *de;
			size_t n = 0;
			DIR *d = opendir(cdir);

			ck_assert_ptr_nonnull(d);
			while ((de = readdir(d)) != NULL)
				n += strstr(de->d_name, ".cache") != NULL;
			closedir(d);
			ck_assert_uint_eq(n, 2);
		}
	}
	env_restore("KBDIAG_CACHE", saved);
	for (i = 1; i < 3; i++) {
		ck_assert_msg(strcmp(r[0].out, r[i].out) == 0, "diagnose differs %s", how[i]);
		ck_assert_msg(strcmp(q[0].out, q[i].out) == 0, "query differs %s", how[i]);
	}
	for (i = 0; i < 3; i++) {
		tu_run_free(&r[i]);
		tu_run_free(&q[i]);
	}
	free(log);
	free(cdir);
}
END_TEST

Suite *
kbcache_suite(void)
{
	Suite *s = suite_create("kbcache");
	TCase *tc = tcase_create("kbcache");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_built_then_hit);
	tcase_add_test(tc, test_stale_rebuilt);
	tcase_add_test(tc, test_corrupt_rebuilt);
	tcase_add_test(tc, test_query_index_cached);
	tcase_add_test(tc, test_query_index_reader);
	tcase_add_test(tc, test_stamps);
	tcase_add_test(tc, test_payload_prefixes);
	tcase_add_test(tc, test_concurrent_builders);
	tcase_add_test(tc, test_matcher_from_cache);
	tcase_add_test(tc, test_pruned);
	tcase_add_test(tc, test_cache_dir_env);
	tcase_add_test(tc, test_cli_same_output);
	tcase_add_test(tc, test_fuzz_seeds_current);
	suite_add_tcase(s, tc);
	return s;
}
