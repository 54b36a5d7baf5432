/*
 * check_consult: evidence a person gives (kbdiag diagnose --observe,
 * --answers, --ask; diag.h diag_observe_manual(), consult.h), through the
 * built kbdiag: the ranking moves as the rule base says, the answers are
 * recorded as manual observations and replay byte for byte, and --ask is
 * used the way a person uses it, on a pseudo-terminal.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "testutil.h"
#include "util/xmem.h"

/* Q124801: the sockets interface fails; which stack the PC runs decides. */
#define LOG_SOCKET	"09:14:02 - ERROR socket: (123) network error\n"

/* The first cause id of the first incident in a diagnosis as JSON. */
static char *
first_cause(const char *json)
{
	const char *p = strstr(json, "\"causes\": [");
	size_t n;

	ck_assert_ptr_nonnull(p);
	p = strstr(p, "\"id\": \"");
	ck_assert_ptr_nonnull(p);
	p += strlen("\"id\": \"");
	n = strcspn(p, "\"");
	return xstrndup(p, n);
}

static void
assert_first(const char *json, const char *want)
{
	char *got = first_cause(json);

	ck_assert_msg(strcmp(got, want) == 0, "first cause %s, not %s", got, want);
	free(got);
}

/* kbdiag diagnose --replay FILE -f json gives FILE again, byte for byte. */
static void
assert_replays(const char *path, const char *json)
{
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "diagnose", "-f", "json", "--replay", path, NULL);
	ck_assert_msg(r.status == 0, "replay: %d %s", r.status, r.err);
	ck_assert_msg(strcmp(r.out, json) == 0, "replay differs:\n%s\n---\n%s", json, r.out);
	tu_run_free(&r);
}

START_TEST(observe_and_answers)
{
	char *log = tu_scratch_path("socket.log"), *ans = tu_scratch_path("answers.txt");
	char *saved = tu_scratch_path("observed.json"), *obs;
	struct tu_run r;

	tu_write_str(log, LOG_SOCKET);
	/* The priors alone: the unsupported stack first. */
	tu_kbdiag(&r, NULL, 0, "diagnose", "-f", "json", log, NULL);
	ck_assert_int_eq(r.status, 0);
	assert_first(r.out, "tcpip-stack-unsupported");
	tu_run_free(&r);

	/* LAN Manager TCP/IP is a stack the gateway supports: the other cause. */
	tu_kbdiag(&r, NULL, 0, "diagnose", "-f", "json", "--observe", "stack:lanman", log, NULL);
	ck_assert_msg(r.status == 0, "%d %s", r.status, r.err);
	assert_first(r.out, "tcpip-stack-not-loaded");
	ck_assert_ptr_nonnull(strstr(r.out, "\"origin\": \"manual\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"detail\": \"given with --observe\""));
	obs = xstrdup(r.out);
	tu_write_str(saved, obs);
	tu_run_free(&r);
	assert_replays(saved, obs);

	/* "don't know" observes nothing */
	tu_kbdiag(&r, NULL, 0, "diagnose", "-f", "json", "--observe", "stack:?", log, NULL);
	ck_assert_int_eq(r.status, 0);
	assert_first(r.out, "tcpip-stack-unsupported");
	ck_assert_ptr_null(strstr(r.out, "\"origin\": \"manual\""));
	tu_run_free(&r);

	/* The same from an answers file, comments and blank lines skipped. */
	tu_write_str(ans, "# asked on the phone\n\n  stack:wfw-32bit  \r\n");
	tu_kbdiag(&r, NULL, 0, "diagnose", "-f", "json", "--answers", ans, log, NULL);
	ck_assert_msg(r.status == 0, "%d %s", r.status, r.err);
	assert_first(r.out, "tcpip-stack-unsupported");
	ck_assert_ptr_nonnull(strstr(r.out, "answers.txt, line 3"));
	tu_write_str(saved, r.out);
	free(obs);
	obs = xstrdup(r.out);
	tu_run_free(&r);
	assert_replays(saved, obs);
	free(obs);

	/* Bad answers: the line and the values the source takes, exit 3. */
	tu_write_str(ans, "stack:lanman\nstack:os2\n");
	tu_kbdiag(&r, NULL, 0, "diagnose", "--answers", ans, log, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "answers.txt:2: 'stack:os2': 'os2' is not a value "
	    "of stack (stack: lanman, ftp-pctcp, novell-lwp, wfw-32bit; or ? for don't know)"));
	ck_assert_uint_eq(r.outlen, 0);
	tu_run_free(&r);
	/* A bad --observe is a usage error. */
	tu_kbdiag(&r, NULL, 0, "diagnose", "--observe", "nosuch:x", log, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "no evidence source 'nosuch'"));
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "diagnose", "--observe", "stack", log, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "is not SOURCE:VALUE"));
	tu_run_free(&r);
	free(log);
	free(ans);
	free(saved);
}
END_TEST

/* Read from the pty master into b until needle shows (or EOF, or 10 s). */
static int
pty_until(int fd, struct buf *b, const char *needle)
{
	time_t end = time(NULL) + 10;
	char chunk[4096];
	ssize_t n;

	while (needle == NULL || strstr(buf_str(b), needle) == NULL) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (time(NULL) > end)
			return -1;
		if (poll(&p, 1, 500) <= 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n <= 0)	/* EIO once the child has closed the terminal */
			return needle == NULL ? 0 : -1;
		buf_append(b, chunk, (size_t)n);
	}
	return 0;
}

/*
 * kbdiag --offline -f json -o OUT --ask diagnose LOG on a new pseudo-terminal
 * (its controlling terminal, as a person's); *master is the other side.
 */
static pid_t
ask_spawn(const char *log, const char *out, int *master)
{
	char *prog = tu_build("kbdiag"), *kbdir = tu_src("kb");
	pid_t pid;

	tu_cache_own();
	pid = forkpty(master, NULL, NULL, NULL);

	ck_assert_msg(pid >= 0, "forkpty: %s", strerror(errno));
	if (pid == 0) {
		execl(prog, prog, "--offline", "--kb", kbdir, "-f", "json", "-o", out, "--ask",
		    "diagnose", log, (char *)NULL);
		_exit(127);
	}
	free(prog);
	free(kbdir);
	return pid;
}

/* Read to the end, reap the child: it must exit 0. */
static void
ask_end(pid_t pid, int master, struct buf *seen)
{
	int status;

	pty_until(master, seen, NULL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(master);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d:\n%s", status,
	    buf_str(seen));
}

/*
 * --ask on a pseudo-terminal: the question that can change the standing
 * cause comes first, with why; the answer moves the ranking, is recorded
 * as a manual observation, and the saved diagnosis replays byte for byte.
 */
START_TEST(ask_on_a_terminal)
{
	char *log = tu_scratch_path("ask.log"), *out = tu_scratch_path("ask.json"), *json;
	struct buf seen = BUF_INIT;
	int master;
	pid_t pid;

	tu_write_str(log, LOG_SOCKET);
	pid = ask_spawn(log, out, &master);
	ck_assert_msg(pty_until(master, &seen, "Answer [1-4, ?]: ") == 0, "no question:\n%s",
	    buf_str(&seen));
	ck_assert_msg(strstr(buf_str(&seen), "Question 1: Which TCP/IP stack does the gateway "
	    "PC run?") != NULL, "%s", buf_str(&seen));
	ck_assert_msg(strstr(buf_str(&seen), "Why: the answer can change what stands first "
	    "for incident 1 (Q124801, now tcpip-stack-unsupported at 80%)") != NULL, "%s",
	    buf_str(&seen));
	/* a wrong answer is asked again */
	ck_assert_int_eq(write(master, "os2\r", 4), 4);
	ck_assert_msg(pty_until(master, &seen, "'os2' is not one of the answers") == 0, "%s",
	    buf_str(&seen));
	ck_assert_int_eq(write(master, "1\r", 2), 2);
	ck_assert_msg(pty_until(master, &seen, "done asking.") == 0, "%s", buf_str(&seen));
	ask_end(pid, master, &seen);
	json = tu_read(out, NULL);
	assert_first(json, "tcpip-stack-not-loaded");
	ck_assert_ptr_nonnull(strstr(json, "\"detail\": \"answered at the terminal (--ask)\""));
	assert_replays(out, json);
	free(json);
	buf_free(&seen);
	free(log);
	free(out);
}
END_TEST

/*
 * Two questions, most useful first: at Q128434's file open error the
 * postoffice's files (51 points expected) before the mail drive (26); don't
 * know to both leaves the ranking as it was, with no manual observation.
 */
START_TEST(ask_most_useful_first)
{
	char *log = tu_scratch_path("ask2.log"), *out = tu_scratch_path("ask2.json"), *json;
	const char *q1, *q2;
	struct buf seen = BUF_INIT;
	int master;
	pid_t pid;

	tu_write_str(log, "10:00:00 - Error SMTPGet 52 a file open error has occurred\n");
	pid = ask_spawn(log, out, &master);
	ck_assert_msg(pty_until(master, &seen, "Answer [1-2, ?]: ") == 0, "%s", buf_str(&seen));
	ck_assert_int_eq(write(master, "?\r", 2), 2);
	ck_assert_msg(pty_until(master, &seen, "Question 2: ") == 0, "%s", buf_str(&seen));
	ck_assert_msg(pty_until(master, &seen, "Answer [1-2, ?]: ") == 0, "%s", buf_str(&seen));
	ck_assert_int_eq(write(master, "\r", 1), 1);
	ck_assert_msg(pty_until(master, &seen, "done asking.") == 0, "%s", buf_str(&seen));
	ask_end(pid, master, &seen);
	q1 = strstr(buf_str(&seen), "Question 1: The postoffice's files");
	q2 = strstr(buf_str(&seen), "Question 2: The gateway PC's network connection to the "
	    "postoffice server");
	ck_assert_msg(q1 != NULL && q2 != NULL && q1 < q2, "%s", buf_str(&seen));
	ck_assert_ptr_null(strstr(buf_str(&seen), "Question 3"));
	json = tu_read(out, NULL);
	assert_first(json, "postoffice-write-failure");
	ck_assert_ptr_null(strstr(json, "\"origin\": \"manual\""));
	free(json);
	buf_free(&seen);
	free(log);
	free(out);
}
END_TEST

Suite *
consult_suite(void)
{
	Suite *s = suite_create("consult");
	TCase *tc = tcase_create("consult");

	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, observe_and_answers);
	tcase_add_test(tc, ask_on_a_terminal);
	tcase_add_test(tc, ask_most_useful_first);
	suite_add_tcase(s, tc);
	return s;
}
