/*
 * genlog: the benchmark's log generator (tests/bench/genlog.c) against
 * kbdiag. A generated log comes with a manifest of the error lines written
 * into it, and kbdiag must find exactly those: per article the same count
 * (summed over peers), the same companions, the same first and last times
 * across midnights and restarts, and no incident from the near misses. The
 * generator itself must give the same bytes for the same seed.
 *
 * When the rule base changes which articles a text belongs to, the first
 * test fails naming the article: genlog's table of failures is then brought
 * up to date.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "util/buf.h"
#include "testutil.h"

/* Run build/genlog with a NULL-terminated argument vector (no argv[0]). */
static void
genlog(struct tu_run *r, const char *const *args)
{
	const char *argv[16];
	char *bin = tu_build("genlog");
	int n = 0;

	argv[n++] = bin;
	for (; *args; args++) {
		ck_assert(n < 15);
		argv[n++] = *args;
	}
	argv[n] = NULL;
	tu_runv(r, NULL, 0, (char *const *)argv);
	free(bin);
}

static json_t *
load_json(const char *what, const char *data, size_t len)
{
	json_error_t e;
	json_t *j = json_loadb(data, len, 0, &e);

	ck_assert_msg(j != NULL, "%s is not JSON (line %d: %s)", what, e.line, e.text);
	return j;
}

static json_t *
load_json_file(const char *path)
{
	size_t len;
	char *data = tu_read(path, &len);
	json_t *j = load_json(path, data, len);

	free(data);
	return j;
}

static json_int_t
jint(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	ck_assert_msg(json_is_integer(v), "\"%s\" is not an integer", key);
	return json_integer_value(v);
}

static const char *
jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	ck_assert_msg(json_is_string(v), "\"%s\" is not a string", key);
	return json_string_value(v);
}

/*
 * Per article: the sum of counts and companions, the earliest first_seen and
 * the latest last_seen, as an object {"Q...": {"count": .., "companions": ..,
 * "first_seen": .., "last_seen": ..}}.
 */
static void
tally(json_t *table, const char *article, json_int_t count, json_int_t comp,
    const char *first, const char *last)
{
	json_t *t = json_object_get(table, article);

	if (t == NULL) {
		t = json_pack("{sIsIssss}", "count", count, "companions", comp,
		    "first_seen", first, "last_seen", last);
		json_object_set_new(table, article, t);
		return;
	}
	json_object_set_new(t, "count", json_integer(jint(t, "count") + count));
	json_object_set_new(t, "companions",
	    json_integer(jint(t, "companions") + comp));
	if (strcmp(first, jstr(t, "first_seen")) < 0)
		json_object_set_new(t, "first_seen", json_string(first));
	if (strcmp(last, jstr(t, "last_seen")) > 0)
		json_object_set_new(t, "last_seen", json_string(last));
}

/* What the manifest promises, per article; `shared` gets the articles
 * named in an "also" (whose companions genlog does not account for). */
static json_t *
expected(json_t *manifest, json_t *shared)
{
	json_t *errors = json_object_get(manifest, "errors"), *table = json_object();
	json_t *e, *also, *a;
	const char *text;
	size_t i;

	ck_assert_msg(json_is_object(errors), "manifest: no \"errors\" object");
	json_object_foreach(errors, text, e) {
		const char *first = jstr(e, "first_seen"), *last = jstr(e, "last_seen");
		json_int_t count = jint(e, "count");

		ck_assert_msg(count > 0, "manifest: \"%s\" written 0 times", text);
		tally(table, jstr(e, "article"), count, jint(e, "companions"), first,
		    last);
		also = json_object_get(e, "also");
		json_array_foreach(also, i, a) {
			tally(table, json_string_value(a), count, 0, first, last);
			json_object_set_new(shared, json_string_value(a), json_true());
		}
	}
	return table;
}

/* What kbdiag found, per article. */
static json_t *
found(json_t *diagnosis)
{
	json_t *incs = json_object_get(diagnosis, "incidents"), *inc;
	json_t *table = json_object();
	size_t i;

	ck_assert_msg(json_is_array(incs), "kbdiag: no \"incidents\" array");
	json_array_foreach(incs, i, inc)
		tally(table, jstr(inc, "article"), jint(inc, "count"),
		    jint(inc, "companions"), jstr(inc, "first_seen"),
		    jstr(inc, "last_seen"));
	return table;
}

/* Generate a 2 MB log with a manifest; return the log's path. */
static char *
generate(const char *name, const char *seed, const char *rate, json_t **manifest)
{
	char *log = tu_scratch_path(name), *man;
	struct buf b = BUF_INIT;
	struct tu_run r;

	buf_printf(&b, "%s.json", log);
	man = buf_detach(&b);
	{
		const char *args[] = { "--seed", seed, "--size", "2M", "--error-rate",
		    rate, "--manifest", man, NULL };

		genlog(&r, args);
	}
	ck_assert_msg(r.status == 0, "genlog: exit %d:\n%s", r.status, r.err);
	tu_write(log, r.out, r.outlen);
	tu_run_free(&r);
	*manifest = load_json_file(man);
	free(man);
	return log;
}

static const struct {
	const char	*seed;
	const char	*rate;
	size_t		 min_articles;	/* the manifest has at least these */
} configs[] = {
	{ "42", "0.02", 3 },		/* the default rate: a few errors */
	{ "7", "0.3", 25 },		/* many failures: most articles */
	{ "1993", "0.3", 25 },
};

START_TEST(kbdiag_counts_what_genlog_wrote)
{
	json_t *manifest, *diag, *exp, *got, *shared = json_object(), *e, *g;
	const char *article;
	char name[64], *log;
	struct tu_run r;

	snprintf(name, sizeof(name), "gen-%s.log", configs[_i].seed);
	log = generate(name, configs[_i].seed, configs[_i].rate, &manifest);

	tu_kbdiag(&r, NULL, 0, "diagnose", "--offline", "--format", "json", log, NULL);
	ck_assert_msg(r.status == 0, "kbdiag: exit %d:\n%s", r.status, r.err);
	diag = load_json("kbdiag's output", r.out, r.outlen);
	exp = expected(manifest, shared);
	got = found(diag);

	ck_assert_msg(json_object_size(exp) >= configs[_i].min_articles,
	    "seed %s: only %zu articles in the manifest", configs[_i].seed,
	    json_object_size(exp));
	ck_assert_msg(jint(manifest, "midnights") > 0, "seed %s: no midnight",
	    configs[_i].seed);
	json_object_foreach(exp, article, e) {
		g = json_object_get(got, article);
		ck_assert_msg(g != NULL, "seed %s: %s: %lld lines, no incident",
		    configs[_i].seed, article, (long long)jint(e, "count"));
		ck_assert_msg(jint(g, "count") == jint(e, "count"),
		    "seed %s: %s: count %lld, the manifest says %lld", configs[_i].seed,
		    article, (long long)jint(g, "count"), (long long)jint(e, "count"));
		if (json_object_get(shared, article) == NULL)
			ck_assert_msg(jint(g, "companions") == jint(e, "companions"),
			    "seed %s: %s: %lld companions, the manifest says %lld",
			    configs[_i].seed, article, (long long)jint(g, "companions"),
			    (long long)jint(e, "companions"));
		ck_assert_msg(strcmp(jstr(g, "first_seen"), jstr(e, "first_seen")) == 0,
		    "seed %s: %s: first seen %s, the manifest says %s",
		    configs[_i].seed, article, jstr(g, "first_seen"),
		    jstr(e, "first_seen"));
		ck_assert_msg(strcmp(jstr(g, "last_seen"), jstr(e, "last_seen")) == 0,
		    "seed %s: %s: last seen %s, the manifest says %s",
		    configs[_i].seed, article, jstr(g, "last_seen"),
		    jstr(e, "last_seen"));
	}
	/* Near misses and normal traffic make no incident. */
	json_object_foreach(got, article, g)
		ck_assert_msg(json_object_get(exp, article) != NULL,
		    "seed %s: %s: %lld lines, none in the manifest", configs[_i].seed,
		    article, (long long)jint(g, "count"));

	json_decref(exp);
	json_decref(got);
	json_decref(shared);
	json_decref(diag);
	json_decref(manifest);
	tu_run_free(&r);
	free(log);
}
END_TEST

/* The log's bytes for these arguments (caller frees the run). */
static void
bytes_of(struct tu_run *r, const char *seed)
{
	const char *args[] = { "--seed", seed, "--size", "256K", "--error-rate", "0.1",
	    NULL };

	genlog(r, args);
	ck_assert_msg(r->status == 0, "genlog: exit %d:\n%s", r->status, r->err);
	ck_assert_msg(r->outlen >= 256 * 1024, "only %zu bytes", r->outlen);
}

START_TEST(same_seed_same_bytes)
{
	struct tu_run a, b, c;

	bytes_of(&a, "5");
	bytes_of(&b, "5");
	bytes_of(&c, "6");
	ck_assert_msg(a.outlen == b.outlen && memcmp(a.out, b.out, a.outlen) == 0,
	    "two runs with seed 5 differ");
	ck_assert_msg(a.outlen != c.outlen || memcmp(a.out, c.out, a.outlen) != 0,
	    "seeds 5 and 6 give the same log");
	tu_run_free(&a);
	tu_run_free(&b);
	tu_run_free(&c);
}
END_TEST

START_TEST(manifest_describes_the_log)
{
	json_t *manifest, *errors, *e;
	const char *text;
	char *log = generate("default.log", "3", "0.02", &manifest);
	size_t len, i, lines = 0;
	char *data = tu_read(log, &len);
	json_int_t errlines = 0;

	for (i = 0; i < len; i++)
		lines += data[i] == '\n';
	ck_assert_int_eq(jint(manifest, "bytes"), (json_int_t)len);
	ck_assert_int_eq(jint(manifest, "lines"), (json_int_t)lines);
	ck_assert_int_eq(jint(manifest, "seed"), 3);
	/* The size asked for, and not much more: whole sessions only. */
	ck_assert_msg(len >= 2u << 20 && len < (2u << 20) + 16384, "%zu bytes", len);
	ck_assert_msg(data[len - 1] == '\n', "the log does not end a line");
	/* Most lines are normal traffic. */
	errors = json_object_get(manifest, "errors");
	json_object_foreach(errors, text, e)
		errlines += jint(e, "count") + jint(e, "companions");
	ck_assert_msg(errlines > 0 && errlines * 100 < (json_int_t)lines,
	    "%lld error lines of %zu", (long long)errlines, lines);
	json_decref(manifest);
	free(data);
	free(log);
}
END_TEST

START_TEST(bad_options_exit_2)
{
	static const char *const bad[][3] = {
		{ "--size", "12X", NULL },
		{ "--size", "", NULL },
		{ "--seed", "-1", NULL },
		{ "--error-rate", "1.5", NULL },
		{ "--error-rate", "nan", NULL },
		{ "--frobnicate", NULL, NULL },
		{ "extra", NULL, NULL },
	};
	struct tu_run r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		genlog(&r, bad[i]);
		ck_assert_msg(r.status == 2, "%s %s: exit %d", bad[i][0],
		    bad[i][1] ? bad[i][1] : "", r.status);
		ck_assert_msg(strstr(r.err, "genlog") != NULL, "%s: no message: %s",
		    bad[i][0], r.err);
		ck_assert_msg(r.outlen == 0, "%s: wrote a log", bad[i][0]);
		tu_run_free(&r);
	}
}
END_TEST

START_TEST(write_errors_exit_1)
{
	char *bin = tu_build("genlog"), *man = tu_scratch_path("no/such/dir/manifest.json");
	char *argv[] = { "/bin/sh", "-c", "exec \"$0\" --size 1M > /dev/full", bin, NULL };
	const char *args[] = { "--size", "1K", "--manifest", man, NULL };
	struct tu_run r;

	ck_assert_msg(access("/dev/full", W_OK) == 0, "no /dev/full on this machine");
	tu_runv(&r, NULL, 0, argv);
	ck_assert_msg(r.status == 1, "exit %d", r.status);
	ck_assert_contains(r.err, "genlog: writing the log");
	ck_assert_contains(r.err, "No space left on device");
	tu_run_free(&r);

	genlog(&r, args);
	ck_assert_msg(r.status == 1, "exit %d", r.status);
	ck_assert_contains(r.err, man);
	tu_run_free(&r);
	free(man);
	free(bin);
}
END_TEST

Suite *
genlog_suite(void)
{
	Suite *s = suite_create("genlog");
	TCase *tc = tcase_create("genlog");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_loop_test(tc, kbdiag_counts_what_genlog_wrote, 0,
	    (int)(sizeof(configs) / sizeof(configs[0])));
	tcase_add_test(tc, same_seed_same_bytes);
	tcase_add_test(tc, manifest_describes_the_log);
	tcase_add_test(tc, bad_options_exit_2);
	tcase_add_test(tc, write_errors_exit_1);
	suite_add_tcase(s, tc);
	return s;
}
