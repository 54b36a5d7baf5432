/*
 * testutil: the helpers the other suites lean on, where a fault would
 * hide failures (a skip that is not counted reads as a pass).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"
#include "util/xmem.h"

/* tu_skip() adds one line per call to the runner's log, with what and why,
 * and a reason without a line end still makes one line. */
START_TEST(skip_lines_reach_the_runners_log)
{
	char *dir = tu_tmpdir(), path[4096], *saved = NULL, *got;
	const char *old = getenv("TU_SKIP_LOG");
	FILE *f;
	int err, null;

	if (old != NULL)
		saved = xstrdup(old);
	snprintf(path, sizeof(path), "%s/skips", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	setenv("TU_SKIP_LOG", path, 1);
	fflush(stderr);
	err = dup(2);
	null = open("/dev/null", O_WRONLY);
	dup2(null, 2);	/* the SKIP lines on stderr would read as real skips */
	tu_skip("suite/one", "no %s here", "IPv6");
	tu_skip("suite/two", "reason with its own line end\n");
	dup2(err, 2);
	close(err);
	close(null);
	if (saved != NULL)
		setenv("TU_SKIP_LOG", saved, 1);
	else
		unsetenv("TU_SKIP_LOG");
	got = tu_read(path, NULL);
	ck_assert_str_eq(got, "suite/one: no IPv6 here\n"
	    "suite/two: reason with its own line end\n");
	free(got);
	free(saved);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

/* tu_refused_port(): a connection there is refused, and no one else can
 * take the port while the test runs, not even with SO_REUSEADDR. */
START_TEST(refused_port_stays_refused)
{
	unsigned port = tu_refused_port();
	struct sockaddr_in sin;
	int i, fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	for (i = 0; i < 2; i++) {
		ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
		ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
		if (i == 0) {
			errno = 0;
			ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
			ck_assert_msg(errno == ECONNREFUSED, "connect: %s", strerror(errno));
		} else {
			errno = 0;
			ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
			ck_assert_msg(errno == EADDRINUSE, "bind: %s", strerror(errno));
		}
		close(fd);
	}
}
END_TEST

Suite *
testutil_suite(void)
{
	Suite *s = suite_create("testutil");
	TCase *tc = tcase_create("skip");

	tcase_add_test(tc, skip_lines_reach_the_runners_log);
	suite_add_tcase(s, tc);
	tc = tcase_create("ports");
	tcase_add_test(tc, refused_port_stays_refused);
	suite_add_tcase(s, tc);
	return s;
}
