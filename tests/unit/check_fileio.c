/*
 * fileio: file_replace(), the one way kbdiag writes a file the user named
 * (-o, verify's history). A regular file is replaced atomically with its
 * mode kept; a link's target is replaced and the link stays; a device or a
 * FIFO is written, never replaced: `kbdiag -o /dev/null` as root had put a
 * regular file in the place of /dev/null.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fileio.h"
#include "testutil.h"

static char *
path_in(const char *dir, const char *name)
{
	static char p[4][4096];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

START_TEST(regular_files_replaced_with_their_mode)
{
	char *dir = tu_tmpdir(), *f = path_in(dir, "out.txt"), err[ERR_LEN], *got;
	struct stat st;
	mode_t mask = umask(022);

	ck_assert_msg(file_replace(f, "one\n", 4, err) == 0, "%s", err);
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(chmod(f, 0640), 0);
	ck_assert_msg(file_replace(f, "two\n", 4, err) == 0, "%s", err);
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	got = tu_read(f, NULL);
	ck_assert_str_eq(got, "two\n");
	free(got);
	/* nothing left beside it */
	ck_assert_uint_eq(tu_count_files(dir, ".", ""), 1);
	umask(mask);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(links_stay_links)
{
	char *dir = tu_tmpdir(), *target = path_in(dir, "target"), *link = path_in(dir, "link");
	char *dangling = path_in(dir, "dangling"), *made = path_in(dir, "made"), err[ERR_LEN];
	char *got;
	struct stat st;

	ck_assert_msg(file_replace(target, "old\n", 4, err) == 0, "%s", err);
	ck_assert_int_eq(symlink("target", link), 0);
	ck_assert_msg(file_replace(link, "new\n", 4, err) == 0, "%s", err);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert_msg(S_ISLNK(st.st_mode), "the link was replaced by a file");
	got = tu_read(target, NULL);
	ck_assert_str_eq(got, "new\n");
	free(got);
	/* a dangling link: the file it names is made */
	ck_assert_int_eq(symlink("made", dangling), 0);
	ck_assert_msg(file_replace(dangling, "made\n", 5, err) == 0, "%s", err);
	ck_assert_int_eq(lstat(dangling, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	got = tu_read(made, NULL);
	ck_assert_str_eq(got, "made\n");
	free(got);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

/* A FIFO gets the bytes and stays a FIFO (a reader in a child). */
START_TEST(fifos_written_in_place)
{
	char *dir = tu_tmpdir(), *fifo = path_in(dir, "fifo"), *copy = path_in(dir, "copy");
	char err[ERR_LEN], *got;
	struct stat st;
	pid_t pid;
	int status;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	if ((pid = fork()) == 0) {
		char buf[256];
		int in = open(fifo, O_RDONLY), out = open(copy, O_WRONLY | O_CREAT, 0600);
		ssize_t n;

		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				_exit(2);
		_exit(n == 0 ? 0 : 1);
	}
	ck_assert_msg(file_replace(fifo, "through the pipe\n", 17, err) == 0, "%s", err);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(lstat(fifo, &st), 0);
	ck_assert_msg(S_ISFIFO(st.st_mode), "the FIFO was replaced");
	got = tu_read(copy, NULL);
	ck_assert_str_eq(got, "through the pipe\n");
	free(got);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

/*
 * A null device of the test's own (mknod needs root: a SKIP otherwise),
 * through file_replace() and through `kbdiag -o`: still a character device,
 * still empty.
 */
START_TEST(devices_written_not_replaced)
{
	char *dir = tu_tmpdir(), *null = path_in(dir, "null"), err[ERR_LEN];
	struct tu_run r;
	struct stat st;

	if (mknod(null, S_IFCHR | 0666, makedev(1, 3)) != 0) {
		tu_skip("fileio/devices_written_not_replaced", "mknod: %s", strerror(errno));
		tu_rmtree(dir);
		free(dir);
		return;
	}
	ck_assert_msg(file_replace(null, "gone\n", 5, err) == 0, "%s", err);
	ck_assert_int_eq(lstat(null, &st), 0);
	ck_assert_msg(S_ISCHR(st.st_mode), "file_replace() replaced the device");
	tu_kbdiag(&r, NULL, 0, "-o", null, "query", "Error (119) Network Write Error", NULL);
	ck_assert_msg(r.status == 0, "kbdiag: %s", r.err);
	ck_assert_int_eq(lstat(null, &st), 0);
	ck_assert_msg(S_ISCHR(st.st_mode), "kbdiag -o replaced the device by a file");
	ck_assert_uint_eq(tu_count_files(dir, ".", ""), 1);	/* no temporary left */
	tu_run_free(&r);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(what_cannot_be_written_says_why)
{
	char *dir = tu_tmpdir(), err[ERR_LEN];

	ck_assert_int_eq(file_replace(dir, "x", 1, err), -1);
	ck_assert_int_eq(errno, EISDIR);
	ck_assert_contains(err, "cannot write ");
	ck_assert_contains(err, "Is a directory");
	ck_assert_int_eq(file_replace(path_in(dir, "no/such/dir/f"), "x", 1, err), -1);
	ck_assert_contains(err, "No such file or directory");
	tu_rmtree(dir);
	free(dir);
}
END_TEST

Suite *
fileio_suite(void)
{
	Suite *s = suite_create("fileio");
	TCase *tc = tcase_create("replace");

	tcase_add_test(tc, regular_files_replaced_with_their_mode);
	tcase_add_test(tc, links_stay_links);
	tcase_add_test(tc, fifos_written_in_place);
	tcase_add_test(tc, devices_written_not_replaced);
	tcase_add_test(tc, what_cannot_be_written_says_why);
	suite_add_tcase(s, tc);
	return s;
}
