/* spool: durable message files, states, and files cut short; msg: sendmail -t. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "msg.h"
#include "spool.h"
#include "testutil.h"
#include "util/xmem.h"

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

/* Claim id, which must be claimable. */
static struct spool_claim *
claim_ok(struct spool *s, const char *id)
{
	struct spool_claim *c = NULL;
	char err[ERR_LEN] = "";
	int rc = spool_claim(s, id, &c, err);

	ck_assert_msg(rc == SPOOL_CLAIMED, "claim %s: %d %s", id, rc, err);
	return c;
}

START_TEST(defer_then_bad)
{
	struct spool *s = open_spool("defer");
	struct spool_claim *c;
	struct spool_msg m;
	char id[SPOOL_ID_MAX], err[ERR_LEN], *p;
	struct spool_msg *list;
	size_t n;

	put(s, "hello\n", id);
	c = claim_ok(s, id);
	ck_assert_uint_eq(spool_claim_msg(c)->size, 7);
	ck_assert(memcmp(spool_claim_msg(c)->data, "hello\r\n", 7) == 0);
	ck_assert_msg(spool_claim_defer(c, "ERROR connect: (121) network error", 12345, 0,
	    err) == 0, "%s", err);
	ck_assert_int_eq(spool_claim_msg(c)->state, SPOOL_DEFERRED);
	spool_release(c);
	p = path_in(s, "new", id);
	ck_assert_msg(access(p, F_OK) != 0, "still in new/");
	free(p);
	ck_assert_uint_eq(tu_count_files(spool_dir(s), "tmp", ""), 0);
	ck_assert_int_eq(spool_load(s, id, 1, &m, err), 0);
	ck_assert_int_eq(m.state, SPOOL_DEFERRED);
	ck_assert_uint_eq(m.attempts, 1);
	ck_assert_int_eq(m.next_try, 12345);
	ck_assert_str_eq(m.last_error, "ERROR connect: (121) network error");
	ck_assert_str_eq(m.data, "hello\r\n");
	spool_msg_free(&m);
	c = claim_ok(s, id);
	ck_assert_int_eq(spool_claim_defer(c, "x\ny", 0, 1, err), 0);
	spool_release(c);
	ck_assert_int_eq(spool_load(s, id, 1, &m, err), 0);
	ck_assert_int_eq(m.state, SPOOL_BAD);
	ck_assert_uint_eq(m.attempts, 2);
	ck_assert_str_eq(m.last_error, "x y");
	ck_assert_str_eq(m.data, "hello\r\n");
	spool_msg_free(&m);
	ck_assert_int_eq(spool_list(s, 0, &list, &n, NULL, NULL, err), 0);
	ck_assert_uint_eq(n, 0);
	spool_list_free(list, n);
	/* a message in bad/ is not claimed for an attempt */
	ck_assert_int_eq(spool_claim(s, id, &c, err), SPOOL_GONE);
	spool_close(s);
}
END_TEST

/* A crash between the rename into deferred/ and the unlink in new/. */
START_TEST(crash_between_states)
{
	struct spool *s = open_spool("twice");
	struct spool_claim *c;
	struct spool_msg *list;
	char id[SPOOL_ID_MAX], err[ERR_LEN], *newp, *data;
	size_t n, len;

	put(s, "hello\n", id);
	newp = path_in(s, "new", id);
	data = tu_read(newp, &len);
	c = claim_ok(s, id);
	ck_assert_int_eq(spool_claim_defer(c, "e", 0, 0, err), 0);
	spool_release(c);
	tu_write(newp, data, len);	/* the old file is back */
	ck_assert_int_eq(spool_list(s, 0, &list, &n, NULL, NULL, err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(list[0].state, SPOOL_DEFERRED);
	ck_assert_msg(access(newp, F_OK) != 0, "the stale copy in new/ was kept");
	spool_list_free(list, n);
	/* and a claim never takes the stale one */
	tu_write(newp, data, len);
	c = claim_ok(s, id);
	ck_assert_int_eq(spool_claim_msg(c)->state, SPOOL_DEFERRED);
	ck_assert_uint_eq(spool_claim_msg(c)->attempts, 1);
	spool_release(c);
	free(newp);
	free(data);
	spool_close(s);
}
END_TEST

START_TEST(done_removes)
{
	struct spool *s = open_spool("done");
	struct spool_claim *c;
	struct spool_msg m;
	char id[SPOOL_ID_MAX], err[ERR_LEN];

	put(s, "hello\n", id);
	c = claim_ok(s, id);
	ck_assert_int_eq(spool_claim_done(c, 1, err), 0);
	spool_release(c);
	ck_assert_int_eq(spool_load(s, id, 0, &m, err), -1);
	ck_assert_contains(err, "no message");
	ck_assert_int_eq(spool_claim(s, id, &c, err), SPOOL_GONE);
	ck_assert_int_eq(spool_load(s, "../etc", 0, &m, err), -1);
	ck_assert_contains(err, "invalid message id");
	ck_assert_int_eq(spool_claim(s, "../etc", &c, err), -1);
	spool_close(s);
}
END_TEST

/* ---- claims ---- */

/*
 * The window of a claim (spool.h): between the open and the lock, another
 * claimer delivers the message or writes its next state. The hook does that
 * in the same process with a claim of its own (flock locks belong to open
 * files, so that is as good as another process); the first claim must then
 * see that the file it locked is not the message's any more.
 */
static struct spool *window_spool;
static int window_action;	/* 0 defer, 1 done */

static void
window_hook(const char *path)
{
	struct spool_claim *c;
	char err[ERR_LEN], id[SPOOL_ID_MAX];
	const char *slash = strrchr(path, '/');

	spool_claim_window_hook = NULL;	/* once, and not for the claim below */
	snprintf(id, sizeof(id), "%s", slash + 1);
	ck_assert_int_eq(spool_claim(window_spool, id, &c, err), SPOOL_CLAIMED);
	if (window_action == 0)
		ck_assert_int_eq(spool_claim_defer(c, "meanwhile", 0, 0, err), 0);
	else
		ck_assert_int_eq(spool_claim_done(c, 0, err), 0);
	spool_release(c);
}

static int
claim_in_window(struct spool *s, const char *id, int action)
{
	struct spool_claim *c = NULL;
	char err[ERR_LEN];
	int rc;

	window_spool = s;
	window_action = action;
	spool_claim_window_hook = window_hook;
	rc = spool_claim(s, id, &c, err);
	spool_claim_window_hook = NULL;
	spool_release(c);
	return rc;
}

START_TEST(claim_rechecks_the_file)
{
	struct spool *s = open_spool("window");
	struct spool_claim *c;
	char id[SPOOL_ID_MAX];

	put(s, "hello\n", id);
	/* new/ID opened, then moved to deferred/ by the other: not ours */
	ck_assert_int_eq(claim_in_window(s, id, 0), SPOOL_GONE);
	/* deferred/ID opened, then replaced by its next state: not ours */
	ck_assert_int_eq(claim_in_window(s, id, 0), SPOOL_GONE);
	c = claim_ok(s, id);
	ck_assert_uint_eq(spool_claim_msg(c)->attempts, 2);
	ck_assert_str_eq(spool_claim_msg(c)->last_error, "meanwhile");
	spool_release(c);
	/* opened, then delivered by the other: gone */
	ck_assert_int_eq(claim_in_window(s, id, 1), SPOOL_GONE);
	ck_assert_uint_eq(tu_count_files(spool_dir(s), "deferred", ""), 0);
	spool_close(s);
}
END_TEST

/* Fork a process that tries to claim id and exits with the result. */
static int
claim_elsewhere(const char *dir, const char *id)
{
	int status;
	pid_t pid = fork();

	ck_assert(pid >= 0);
	if (pid == 0) {
		struct spool *s;
		struct spool_claim *c;
		char err[ERR_LEN];
		int rc;

		if (spool_open(dir, &s, err) != 0)
			_exit(100);
		rc = spool_claim(s, id, &c, err);
		spool_release(c);
		_exit(rc < 0 ? 101 : rc);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* One process at a time; the claim of a killed process is free at once. */
START_TEST(claims_exclude_processes)
{
	struct spool *s = open_spool("excl");
	struct spool_claim *c;
	char id[SPOOL_ID_MAX], err[ERR_LEN];
	int status;
	pid_t pid;

	put(s, "hello\n", id);
	c = claim_ok(s, id);
	ck_assert_int_eq(claim_elsewhere(spool_dir(s), id), SPOOL_BUSY);
	spool_release(c);
	ck_assert_int_eq(claim_elsewhere(spool_dir(s), id), SPOOL_CLAIMED);
	/* a claimer killed in the middle of its attempt */
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		if (spool_claim(s, id, &c, err) != SPOOL_CLAIMED)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %d", status);
	c = claim_ok(s, id);
	ck_assert_uint_eq(spool_claim_msg(c)->attempts, 0);	/* as it was */
	spool_release(c);
	spool_close(s);
}
END_TEST

/* A message written as it comes: pieces, the size filled in at the end. */
START_TEST(writer_streams)
{
	struct spool *s = open_spool("writer");
	struct spool_writer *w, *w2;
	char *rcpts[] = { "b@example.org" }, err[ERR_LEN], id[SPOOL_ID_MAX], *p, *file;
	struct spool_msg m;
	int i;

	ck_assert_int_eq(spool_writer_open(s, "a@example.org", rcpts, 1, &w, err), 0);
	ck_assert_int_eq(spool_writer_open(s, "a@example.org", rcpts, 1, &w2, err), 0);
	ck_assert_uint_eq(tu_count_files(spool_dir(s), "tmp", ""), 2);	/* names of their own */
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(spool_writer_write(w, "0123456789\r\n", 12, err), 0);
	ck_assert_uint_eq(spool_writer_size(w), 12000);
	spool_writer_abort(w2);
	ck_assert_int_eq(spool_writer_commit(w, id, err), 0);
	ck_assert_uint_eq(tu_count_files(spool_dir(s), "tmp", ""), 0);
	ck_assert_int_eq(spool_load(s, id, 1, &m, err), 0);
	ck_assert_uint_eq(m.size, 12000);
	ck_assert(memcmp(m.data + 11988, "0123456789\r\n", 12) == 0);
	spool_msg_free(&m);
	p = path_in(s, "new", id);
	file = tu_read(p, NULL);
	ck_assert_contains(file, "\nsize: 00000000000000012000\n\n0123456789");
	free(file);
	free(p);
	/* an invalid envelope is refused before anything is written */
	rcpts[0] = "b@example.org>\r\nRCPT TO:<evil@example.org";
	ck_assert_int_eq(spool_writer_open(s, "a@example.org", rcpts, 1, &w, err), -1);
	ck_assert_contains(err, "invalid recipient");
	ck_assert_uint_eq(tu_count_files(spool_dir(s), "tmp", ""), 0);
	spool_close(s);
}
END_TEST

static void
age_files(const char *dir, const char *sub)
{
	struct buf b = BUF_INIT;
	struct timeval old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	FILE *ls;
	char line[1024];

	buf_printf(&b, "ls -1 '%s/%s'", dir, sub);
	ls = popen(buf_str(&b), "r");
	ck_assert_ptr_nonnull(ls);
	while (fgets(line, sizeof(line), ls) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		buf_reset(&b);
		buf_printf(&b, "%s/%s/%s", dir, sub, line);
		ck_assert_int_eq(utimes(buf_str(&b), old), 0);
	}
	pclose(ls);
	buf_free(&b);
}

/* What dead writers left in tmp/ is removed; a live writer's file is not. */
START_TEST(clean_tmp_spares_live_writers)
{
	struct spool *s = open_spool("clean");
	struct spool_writer *w;
	char *rcpts[] = { "b@example.org" }, err[ERR_LEN], id[SPOOL_ID_MAX], *stray;
	unsigned removed;
	int status;
	pid_t pid;

	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		if (spool_writer_open(s, "", rcpts, 1, &w, err) != 0 ||
		    spool_writer_write(w, "half\r\n", 6, err) != 0)
			_exit(1);
		raise(SIGKILL);	/* in the middle of its message */
		_exit(2);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	stray = tu_scratch_path("clean/tmp/20200101T000000.000000.1.0.1.0");
	tu_write_str(stray, "a file of an older version");
	ck_assert_int_eq(spool_writer_open(s, "", rcpts, 1, &w, err), 0);
	ck_assert_int_eq(spool_writer_write(w, "live\r\n", 6, err), 0);
	ck_assert_uint_eq(tu_count_files(spool_dir(s), "tmp", ""), 3);
	/* young files are left alone, whoever wrote them */
	ck_assert_int_eq(spool_clean_tmp(s, 3600, &removed, err), 0);
	ck_assert_uint_eq(removed, 0);
	age_files(spool_dir(s), "tmp");
	ck_assert_int_eq(spool_clean_tmp(s, 3600, &removed, err), 0);
	ck_assert_uint_eq(removed, 2);
	ck_assert_uint_eq(tu_count_files(spool_dir(s), "tmp", ""), 1);
	ck_assert_int_eq(spool_writer_commit(w, id, err), 0);
	ck_assert_uint_eq(tu_count_files(spool_dir(s), "new", ""), 1);
	free(stray);
	spool_close(s);
}
END_TEST

/* The wire form is the same however the message is cut into pieces. */
START_TEST(wire_form_in_pieces)
{
	static const char alphabet[] = ".\r\nab";
	unsigned seed = 14;
	int round;

	for (round = 0; round < 2000; round++) {
		char msg[64];
		size_t len = (size_t)(rand_r(&seed) % sizeof(msg)), i, wlen;
		struct spool_wire_state ws;
		struct buf b = BUF_INIT;
		char *whole;

		for (i = 0; i < len; i++)
			msg[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		whole = spool_wire(msg, len, &wlen);
		spool_wire_init(&ws);
		for (i = 0; i < len;) {
			size_t k = 1 + (size_t)(rand_r(&seed) % 5);

			if (k > len - i)
				k = len - i;
			spool_wire_feed(&ws, msg + i, k, &b);
			i += k;
		}
		spool_wire_end(&ws, &b);
		ck_assert_msg(b.len == wlen && memcmp(buf_str(&b), whole, wlen) == 0,
		    "round %d: cut differently, the wire form differs", round);
		/* and it is wire form: ends in CR LF (or is empty), no bare LF */
		ck_assert(wlen == 0 || (wlen >= 2 && whole[wlen - 2] == '\r' &&
		    whole[wlen - 1] == '\n'));
		for (i = 0; i < wlen; i++)
			ck_assert(whole[i] != '\n' || (i > 0 && whole[i - 1] == '\r'));
		free(whole);
		buf_free(&b);
	}
}
END_TEST

/*
 * Many processes over one spool, each taking messages under claims and
 * "delivering" (done) or failing (defer) them, while the test kills some of
 * them with SIGKILL at seeded random moments and starts others. Each writes a
 * journal line (O_APPEND, one write each) when it holds a claim (C), before
 * it removes a delivered message (D), after the removal (R) and before a
 * deferral (F: once the next state is renamed into place it may be claimed
 * by another). Then:
 *   - no two processes ever held one message at once (no C of another between
 *     a C and its R or F),
 *   - every message was removed exactly once (none lost),
 *   - a message "delivered" twice was first delivered by a killed process
 *     that had not removed it: the documented window, counted;
 *   - nothing is left in new/, deferred/ or bad/.
 */
#define TORTURE_MSGS	600
#define TORTURE_PROCS	6

static void
torture_worker(const char *dir, const char *journal, unsigned seed)
{
	struct spool *s;
	struct spool_msg *list;
	char err[ERR_LEN];
	size_t n, i;
	int jfd = open(journal, O_WRONLY | O_APPEND);

	if (jfd < 0 || spool_open(dir, &s, err) != 0)
		_exit(1);
	for (;;) {
		if (spool_list(s, 0, &list, &n, NULL, NULL, err) != 0)
			_exit(1);
		if (n == 0) {
			spool_list_free(list, n);
			usleep(10000);
			continue;
		}
		for (i = 0; i < n; i++) {
			struct spool_claim *c;
			char line[256];
			int len;

			if (spool_claim(s, list[i].id, &c, err) != SPOOL_CLAIMED)
				continue;
			len = snprintf(line, sizeof(line), "C %s %ld\n", list[i].id, (long)getpid());
			(void)!write(jfd, line, (size_t)len);
			usleep(rand_r(&seed) % 3000);	/* the attempt: kills land in it */
			if (rand_r(&seed) % 4 == 0) {
				/* F before: once renamed, the next state is free to claim */
				len = snprintf(line, sizeof(line), "F %s %ld\n", list[i].id,
				    (long)getpid());
				(void)!write(jfd, line, (size_t)len);
				(void)spool_claim_defer(c, "torture", 0, 0, err);
			} else {
				len = snprintf(line, sizeof(line), "D %s %ld\n", list[i].id,
				    (long)getpid());
				(void)!write(jfd, line, (size_t)len);
				if (spool_claim_done(c, 0, err) == 0) {
					len = snprintf(line, sizeof(line), "R %s %ld\n", list[i].id,
					    (long)getpid());
					(void)!write(jfd, line, (size_t)len);
				}
			}
			spool_release(c);
		}
		spool_list_free(list, n);
	}
}

static int
pid_in(const long *pids, size_t n, long pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return 1;
	return 0;
}

struct jline {
	char	 kind;
	char	 id[SPOOL_ID_MAX];
	long	 pid;
};

START_TEST(claims_under_kill9)
{
	struct spool *s = open_spool("torture");
	char *journal = tu_scratch_path("torture.journal"), *text, id[SPOOL_ID_MAX];
	char ids[TORTURE_MSGS][SPOOL_ID_MAX], err[ERR_LEN];
	pid_t procs[TORTURE_PROCS];
	long killed[4096];
	size_t nkilled = 0, nlines = 0, cap = 0, i, j, k;
	struct jline *lines = NULL;
	const char *given = getenv("SPOOL_KILL9_SEED");
	unsigned seed = given && *given ? (unsigned)strtoul(given, NULL, 10) : (unsigned)time(NULL);
	unsigned rnd, delay_us;
	unsigned long dups = 0;
	int p, rounds, jfd;

	/*
	 * The kill times are seeded and logged: the seed here (SPOOL_KILL9_SEED
	 * repeats it), each kill in the journal as "K round:delay_us pid",
	 * between the claims it cut, and the journal's lines of a message that
	 * fails on stderr with the kills around them.
	 */
	rnd = seed;
	fprintf(stderr, "claims_under_kill9: seed %u (SPOOL_KILL9_SEED=%u repeats the kill "
	    "times)\n", seed, seed);
	tu_write_str(journal, "");
	jfd = open(journal, O_WRONLY | O_APPEND);
	ck_assert_int_ge(jfd, 0);
	for (i = 0; i < TORTURE_MSGS; i++)
		put(s, "hello\n", ids[i]);
	for (p = 0; p < TORTURE_PROCS; p++) {
		procs[p] = fork();
		ck_assert(procs[p] >= 0);
		if (procs[p] == 0)
			torture_worker(spool_dir(s), journal, seed + (unsigned)p);
	}
	/* kill one at a random moment, start another, until the queue is empty */
	for (rounds = 0; rounds < 2000; rounds++) {
		struct spool_msg *list;
		size_t n;

		char kline[64];
		int klen;

		delay_us = 1000 + rand_r(&rnd) % 10000;
		usleep(delay_us);
		p = (int)(rand_r(&rnd) % TORTURE_PROCS);
		kill(procs[p], SIGKILL);
		waitpid(procs[p], NULL, 0);
		klen = snprintf(kline, sizeof(kline), "K %d:%u %ld\n", rounds, delay_us,
		    (long)procs[p]);
		(void)!write(jfd, kline, (size_t)klen);
		if (nkilled < sizeof(killed) / sizeof(killed[0]))
			killed[nkilled++] = procs[p];
		procs[p] = fork();
		ck_assert(procs[p] >= 0);
		if (procs[p] == 0)
			torture_worker(spool_dir(s), journal, seed + 1000 + (unsigned)rounds);
		ck_assert_int_eq(spool_list(s, 1, &list, &n, NULL, NULL, err), 0);
		spool_list_free(list, n);
		if (n == 0)
			break;
	}
	for (p = 0; p < TORTURE_PROCS; p++) {
		kill(procs[p], SIGKILL);
		waitpid(procs[p], NULL, 0);
	}
	close(jfd);
	fprintf(stderr, "claims_under_kill9: %d rounds, %zu kills (seed %u)\n", rounds, nkilled,
	    seed);
	ck_assert_uint_eq(tu_count_files(spool_dir(s), "new", "") +
	    tu_count_files(spool_dir(s), "deferred", "") + tu_count_files(spool_dir(s), "bad", ""),
	    0);
	/* the journal */
	text = tu_read(journal, NULL);
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		lines = xgrow(lines, &cap, nlines + 1, sizeof(*lines));
		ck_assert_int_eq(sscanf(line, "%c %63s %ld", &lines[nlines].kind, lines[nlines].id,
		    &lines[nlines].pid), 3);
		nlines++;
	}
	for (i = 0; i < TORTURE_MSGS; i++) {
		size_t removed = 0, delivered = 0;
		int last_d_killed = 0;

		memcpy(id, ids[i], sizeof(id));
		for (j = 0; j < nlines; j++) {
			if (strcmp(lines[j].id, id) != 0)
				continue;
			removed += lines[j].kind == 'R';
			delivered += lines[j].kind == 'D';
			if (lines[j].kind == 'D')
				last_d_killed = pid_in(killed, nkilled, lines[j].pid);
			if (lines[j].kind == 'D') {
				/* delivered and not removed: only by a process killed
				 * before it could remove it */
				int was_removed = 0, was_killed = 0;

				for (k = j + 1; k < nlines; k++)
					if (lines[k].kind == 'R' && lines[k].pid == lines[j].pid &&
					    strcmp(lines[k].id, id) == 0)
						was_removed = 1;
				for (k = 0; k < nkilled; k++)
					was_killed |= killed[k] == lines[j].pid;
				ck_assert_msg(was_removed || was_killed, "%s delivered by %ld, "
				    "which neither removed it nor was killed (seed %u)", id, lines[j].pid, seed);
			}
			if (lines[j].kind != 'C')
				continue;
			/* held from C to its R or F (or the holder's death) */
			for (k = j + 1; k < nlines; k++) {
				if (strcmp(lines[k].id, id) != 0)
					continue;
				if (lines[k].pid == lines[j].pid &&
				    (lines[k].kind == 'R' || lines[k].kind == 'F'))
					break;
				if (lines[k].kind == 'C' && lines[k].pid != lines[j].pid) {
					int holder_killed = 0;
					size_t m;

					for (m = 0; m < nkilled; m++)
						holder_killed |= killed[m] == lines[j].pid;
					ck_assert_msg(holder_killed, "%s claimed by %ld while %ld "
					    "held it (seed %u)", id, lines[k].pid, lines[j].pid, seed);
					break;	/* the holder died: its claim ended there */
				}
			}
		}
		if (removed > 1 || (removed == 0 && (delivered == 0 || !last_d_killed)))
			for (j = 0; j < nlines; j++)
				if (strcmp(lines[j].id, id) == 0 || (lines[j].kind == 'K' &&
				    j + 1 < nlines && strcmp(lines[j + 1].id, id) == 0))
					fprintf(stderr, "  %c %s %ld%s (seed %u)\n", lines[j].kind,
					    lines[j].id, lines[j].pid, pid_in(killed, nkilled,
					    lines[j].pid) ? " (killed)" : "", seed);
		/* removed once; or by a process killed right after its removal */
		ck_assert_msg(removed <= 1, "%s removed %zu times (seed %u)", id, removed, seed);
		ck_assert_msg(removed == 1 || (delivered > 0 && last_d_killed),
		    "%s gone, but never removed (seed %u)", id, seed);
		ck_assert_msg(delivered >= 1, "%s never delivered", id);
		dups += delivered - 1;
	}
	fprintf(stderr, "claims_under_kill9: %d messages, %lu delivered twice (killed between "
	    "delivery and removal)\n", TORTURE_MSGS, dups);
	free(lines);
	free(text);
	free(journal);
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

/*
 * The scan gives every queued message once, deferred/ first, in id order
 * within each batch, with the deferred ones' next try as their hint (their
 * file's time), and removes a stale copy instead of giving it.
 */
START_TEST(scan_in_batches)
{
	struct spool *s = open_spool("scan");
	char ids[25][SPOOL_ID_MAX], err[ERR_LEN], prev[SPOOL_ID_MAX] = "";
	struct spool_scan *sc;
	struct spool_scan_entry e;
	long long next = (long long)time(NULL) + 1000;
	size_t i, n = 0, seen[25] = { 0 }, in_batch = 0;
	int state = SPOOL_DEFERRED, rc;
	char *stale_src, *stale_dst;
	struct stat st;

	for (i = 0; i < 25; i++)
		put(s, "Subject: scan\n\nbody\n", ids[i]);
	for (i = 0; i < 5; i++) {	/* the first five deferred */
		struct spool_claim *c;

		ck_assert_int_eq(spool_claim(s, ids[i], &c, err), SPOOL_CLAIMED);
		ck_assert_msg(spool_claim_defer(c, "ERROR x", next + (long long)i, 0, err) == 0, "%s",
		    err);
		spool_release(c);
		stale_dst = path_in(s, "deferred", ids[i]);
		ck_assert_int_eq(stat(stale_dst, &st), 0);
		ck_assert_int_eq((long long)st.st_mtime, next + (long long)i);
		free(stale_dst);
	}
	/* a crash between two states: the old copy left in new/ */
	stale_src = path_in(s, "deferred", ids[2]);
	stale_dst = path_in(s, "new", ids[2]);
	ck_assert_int_eq(link(stale_src, stale_dst), 0);
	spool_scan_batch = 4;
	ck_assert_int_eq(spool_scan_open(s, &sc, err), 0);
	while ((rc = spool_scan_next(sc, &e, err)) == 1) {
		for (i = 0; i < 25 && strcmp(ids[i], e.id) != 0; i++)
			;
		ck_assert_msg(i < 25, "the scan gave an unknown id %s", e.id);
		seen[i]++;
		if ((int)e.state != state) {
			/* deferred/ first, then new/ */
			ck_assert_int_eq(state, SPOOL_DEFERRED);
			ck_assert_int_eq(e.state, SPOOL_NEW);
			state = SPOOL_NEW;
			in_batch = 0;
			prev[0] = '\0';
		}
		if (in_batch++ % 4 == 0)
			prev[0] = '\0';	/* a new batch */
		ck_assert_msg(strcmp(prev, e.id) < 0, "%s after %s in one batch", e.id, prev);
		memcpy(prev, e.id, SPOOL_ID_MAX);
		ck_assert_int_eq(e.next_try_hint, e.state == SPOOL_DEFERRED ? next + (long long)i : 0);
		n++;
	}
	spool_scan_batch = SPOOL_SCAN_BATCH;
	ck_assert_msg(rc == 0, "%s", err);
	spool_scan_close(sc);
	ck_assert_uint_eq(n, 25);
	for (i = 0; i < 25; i++)
		ck_assert_msg(seen[i] == 1, "%s given %zu times", ids[i], seen[i]);
	ck_assert_msg(access(stale_dst, F_OK) != 0, "the stale copy in new/ is still there");
	free(stale_src);
	free(stale_dst);
	spool_close(s);
}
END_TEST

/* queue and flush open a spool that must be there: nothing is created. */
START_TEST(open_existing_only)
{
	char *dir = tu_scratch_path("not-yet"), err[ERR_LEN];
	struct spool *s;

	ck_assert_int_eq(spool_open_existing(dir, &s, err), -1);
	ck_assert_contains(err, "No such file or directory");
	ck_assert_msg(access(dir, F_OK) != 0, "%s was created", dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(spool_open_existing(dir, &s, err), -1);
	ck_assert_contains(err, "not a spool directory (no new/ in it)");
	ck_assert_int_eq(spool_open(dir, &s, err), 0);
	spool_close(s);
	ck_assert_msg(spool_open_existing(dir, &s, err) == 0, "%s", err);
	spool_close(s);
	free(dir);
}
END_TEST

Suite *
spool_suite(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("spool");

	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_set_timeout(tc, 60);	/* claims_under_kill9: processes, fsyncs */
	tcase_add_test(tc, wire_form);
	tcase_add_test(tc, put_and_load);
	tcase_add_test(tc, ids_are_unique);
	tcase_add_test(tc, bad_addresses_refused);
	tcase_add_test(tc, cut_short_goes_to_bad);
	tcase_add_test(tc, defer_then_bad);
	tcase_add_test(tc, crash_between_states);
	tcase_add_test(tc, done_removes);
	tcase_add_test(tc, claim_rechecks_the_file);
	tcase_add_test(tc, claims_exclude_processes);
	tcase_add_test(tc, writer_streams);
	tcase_add_test(tc, clean_tmp_spares_live_writers);
	tcase_add_test(tc, wire_form_in_pieces);
	tcase_add_test(tc, claims_under_kill9);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, recipients_from_header);
	tcase_add_test(tc, scan_in_batches);
	tcase_add_test(tc, open_existing_only);
	suite_add_tcase(s, tc);
	return s;
}
