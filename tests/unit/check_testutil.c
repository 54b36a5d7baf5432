/*
 * testutil: the helpers the other suites lean on, where a fault would
 * hide failures (a skip that is not counted reads as a pass).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

Suite *
testutil_suite(void)
{
	Suite *s = suite_create("testutil");
	TCase *tc = tcase_create("skip");

	tcase_add_test(tc, skip_lines_reach_the_runners_log);
	suite_add_tcase(s, tc);
	return s;
}
