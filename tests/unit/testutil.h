/*
 * testutil: helpers shared by the check suites.
 *
 * Every suite file defines one or more `Suite *NAME_suite(void)` functions at
 * the start of a line; the Makefile collects them into the runner, so adding
 * a suite needs no edit anywhere else.
 *
 * All returned strings are malloc'ed and freed by the caller.
 */
#ifndef KBDIAG_TESTUTIL_H
#define KBDIAG_TESTUTIL_H

#include <stddef.h>

#include <check.h>

#include "kb.h"
#include "match.h"

/* Absolute path of a file in the source tree or the build tree. */
/* dir/rel (caller frees). */
char *tu_join(const char *dir, const char *rel);
char *tu_src(const char *rel);
char *tu_build(const char *rel);

/*
 * A socket of type (SOCK_STREAM, SOCK_DGRAM) bound to 127.0.0.1 on a free
 * port, close-on-exec (SO_REUSEADDR for a stream); its port in *port. The
 * caller listens, uses or closes it.
 */
int tu_loopback_bind(int type, unsigned *port);
/*
 * A port on 127.0.0.1 where connections are refused, and stay refused for
 * the rest of the test: a stream socket bound there without SO_REUSEADDR
 * and never listening, kept open until the test's process ends (check forks
 * each test). Nobody else can listen there meanwhile, and no client's own
 * ephemeral port can be it (a connect to it would connect to itself).
 */
unsigned tu_refused_port(void);

/*
 * How long a test waits for something to happen (a process to start or end,
 * a line in a log, a file, a message delivered) before it fails: generous,
 * because a loaded machine only makes the wait longer. Wait on the event
 * itself, polling every 10-20 ms against clock_ms() (util/clock.h), never
 * for a fixed time, and never assert the wall time it took.
 */
#define TU_WAIT_MS	60000

/* A fresh empty directory under $TMPDIR (or /tmp). */
char *tu_tmpdir(void);
/* Remove a directory tree made by the tests. */
void tu_rmtree(const char *dir);
/*
 * The rule base cache of the kbdiag processes the tests start
 * (engine/kbcache.h) is never the user's ($HOME/.cache/kbdiag):
 * tu_cache_run_setup() gives the whole run a temporary directory
 * ($KBDIAG_CACHE, also in $TU_CACHE_ROOT), which the runner removes with
 * tu_rmtree() at the end; tu_cache_own() gives the calling test a
 * directory of its own in it (by process: check forks each test). tu_runv()
 * calls it, and so must every other place a test starts kbdiag. A test that
 * set KBDIAG_CACHE itself keeps its own.
 */
char *tu_cache_run_setup(void);	/* NULL when it cannot */
void tu_cache_own(void);
/* A temporary copy of the source tree's rule base (a directory). */
char *tu_kb_copy(void);
/* Remove a copy made by tu_kb_copy(), with its temporary directory, and free
 * the path. */
void tu_kb_copy_free(char *kbdir);
/* Replace the first `from` in the file dir/rel by `to`; fail if it is not
 * there (the test then needs updating). */
void tu_edit_in(const char *dir, const char *rel, const char *from, const char *to);

/*
 * A small valid article document, id as given. `symptoms` is the content of
 * <symptoms> and starts on line 7; NULL gives TU_SYMPTOM, after which
 * <causes> is on line 9 and <resolution> on line 10. `causes` and `steps` are
 * the contents of <causes> and <resolution>; NULL gives TU_CAUSE, TU_STEP.
 */
#define TU_SYMPTOM \
	"    <symptom id=\"s\" role=\"primary\"><message>m</message>" \
	"<pattern>m</pattern><example>m</example></symptom>"
#define TU_CAUSE	"<cause ref=\"peer-host-down\" prior=\"1\"/>"
#define TU_STEP		"<step ref=\"resend\"/>"
char *tu_article(const char *id, const char *symptoms, const char *causes,
    const char *steps);

/* Collects what an on_problem callback is given: pass tu_record_problem and a
 * zeroed struct tu_problems. The first TU_MAX_PROBLEMS are kept, all counted. */
#define TU_MAX_PROBLEMS	4
struct tu_problems {
	size_t	n;
	char	msg[TU_MAX_PROBLEMS][ERR_LEN];
};
void tu_record_problem(void *arg, const char *msg);

void tu_write(const char *path, const char *data, size_t len);
void tu_write_str(const char *path, const char *s);
/* path/rel, then tu_write_str. */
void tu_write_in(const char *dir, const char *rel, const char *s);
char *tu_read(const char *path, size_t *len);
/* How many files in dir/sub end in suffix. */
size_t tu_count_files(const char *dir, const char *sub, const char *suffix);

/*
 * A scratch directory for a test case, made and removed outside the forked
 * tests (tcase_add_unchecked_fixture(tc, tu_scratch_setup,
 * tu_scratch_teardown)), so that it goes away even when a test fails; each
 * test uses names of its own in it.
 */
extern char *tu_scratch;
void tu_scratch_setup(void);
void tu_scratch_teardown(void);
/* tu_scratch/name (caller frees). */
char *tu_scratch_path(const char *name);

/* Load the source tree's rule base and compile it; fail the test if not. */
struct kb *tu_kb(void);
/*
 * The source tree's rule base with only Q100709 and Q123827 left: for suites
 * that test the engine's mechanics on a fixed pair of articles rather than
 * the content of the whole rule base.
 */
struct kb *tu_kb_mini(void);
struct matcher *tu_matcher(const struct kb *kb);

/* The result of running a program. */
struct tu_run {
	int	 status;	/* exit code, or 128 + signal */
	char	*out;		/* standard output, NUL-terminated */
	size_t	 outlen;
	char	*err;		/* standard error, NUL-terminated */
	size_t	 errlen;
};

/*
 * Run the built kbdiag with the given arguments (NULL-terminated), feeding
 * `in` (len bytes, may be NULL) on standard input. KBDIAG_KB is unset, so
 * the rule base is found beside the binary as a user would find it. The
 * tests are hermetic: tu_kbdiag() puts --offline first, so that nothing a
 * log names is probed; tu_kbdiag_live() does not, for tests that probe
 * peers of their own on loopback.
 */
void tu_kbdiag(struct tu_run *r, const char *in, size_t len, ...);
void tu_kbdiag_live(struct tu_run *r, const char *in, size_t len, ...);
/* Run build/smtpgw with the arguments (NULL-terminated); in: standard input. */
void tu_smtpgw(struct tu_run *r, const char *in, ...);
/* The same with an argument vector; argv[0] is the program to run. */
void tu_runv(struct tu_run *r, const char *in, size_t len, char *const argv[]);
void tu_run_free(struct tu_run *r);

/*
 * A test, or a part of one, that cannot run here says so: "SKIP what: why"
 * on stderr, and a line in the runner's skip log ($TU_SKIP_LOG, set by
 * check_main), so that the summary counts it as skipped, not passed.
 */
void tu_skip(const char *what, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A line that contains needle, for better failure messages. */
/*
 * The text is cut to 3000 bytes in the message: check drops a failure whose
 * message is longer than its limit ("Message string too long").
 */
#define ck_assert_contains(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, \
	    "expected to find \"%.300s\" in (%zu bytes):\n%.3000s", (needle), \
	    strlen(hay), (hay))
#define ck_assert_not_contains(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) == NULL, \
	    "did not expect \"%.300s\" in (%zu bytes):\n%.3000s", (needle), \
	    strlen(hay), (hay))

#endif
