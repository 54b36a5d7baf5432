/*
 * fileio: file_replace(), the one way kbdiag writes a file the user named
 * (-o, verify's history). A regular file is replaced atomically with its
 * mode kept; a link's target is replaced and the link stays; a device or a
 * FIFO is written, never replaced: `kbdiag -o /dev/null` as root had put a
 * regular file in the place of /dev/null.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
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

/* ---------------------------------------------------------------------- */
/* write-all and read-all through signals, short writes and reads, errors  */

static volatile sig_atomic_t ticks;

static void
on_tick(int sig)
{
	(void)sig;
	ticks++;
}

/* SIGALRM every 200 us, without SA_RESTART: read() and write() on a pipe
 * return early (a short count, or EINTR when nothing moved yet). */
static void
ticker_start(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 200 }, { 0, 200 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	ticks = 0;
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void
ticker_stop(void)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
}

static unsigned char
pattern_at(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

#define BIG	(4u << 20)

/* 4 MiB into a pipe a slow child drains, under a storm of signals: every
 * byte arrives, in order. */
START_TEST(write_all_through_signals_and_short_writes)
{
	unsigned char *data = malloc(BIG);
	int p[2], status;
	pid_t pid;
	size_t i;

	for (i = 0; i < BIG; i++)
		data[i] = pattern_at(i);
	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		unsigned char chunk[3000];
		size_t at = 0;
		ssize_t n;

		close(p[1]);
		while ((n = read(p[0], chunk, sizeof(chunk))) != 0) {
			if (n < 0)
				_exit(3);
			for (i = 0; i < (size_t)n; i++)
				if (chunk[i] != pattern_at(at + i))
					_exit(2);
			at += (size_t)n;
			if (at % 64 == 0)
				usleep(50);
		}
		_exit(at == BIG ? 0 : 1);
	}
	close(p[0]);
	ticker_start();
	ck_assert_int_eq(file_write_all(p[1], data, BIG), 0);
	ticker_stop();
	ck_assert_msg(ticks > 0, "no signal came during the write: nothing was tested");
	close(p[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the reader got other bytes (status %d)", status);
	free(data);
}
END_TEST

START_TEST(write_all_errors)
{
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	ck_assert_int_eq(file_write_all(p[1], "x", 1), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(p[1]);
	ck_assert_int_eq(file_write_all(p[1], "x", 1), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(file_write_all(p[1], "", 0), 0);	/* nothing to write */
	signal(SIGPIPE, SIG_DFL);
}
END_TEST

/* A child writes 4 MiB in odd pieces with pauses; fd_read_all() under
 * signals gets them all, appended after what the buffer held. */
START_TEST(read_all_through_signals_and_short_reads)
{
	struct buf b = BUF_INIT;
	int p[2], status;
	pid_t pid;
	size_t i;

	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		unsigned char *data = malloc(BIG);
		size_t at = 0, n;

		close(p[0]);
		for (i = 0; i < BIG; i++)
			data[i] = pattern_at(i);
		while (at < BIG) {
			n = 1 + (at * 31) % 5000;
			if (n > BIG - at)
				n = BIG - at;
			if (file_write_all(p[1], data + at, n) != 0)
				_exit(1);
			at += n;
			if (at % 7 == 0)
				usleep(100);
		}
		_exit(0);
	}
	close(p[1]);
	buf_puts(&b, "kept");
	ticker_start();
	ck_assert_int_eq(fd_read_all(p[0], &b, BIG), 0);
	ticker_stop();
	ck_assert_msg(ticks > 0, "no signal came during the read: nothing was tested");
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	ck_assert_uint_eq(b.len, 4 + BIG);
	ck_assert(memcmp(b.data, "kept", 4) == 0);
	for (i = 0; i < BIG; i++)
		if ((unsigned char)b.data[4 + i] != pattern_at(i))
			ck_abort_msg("byte %zu differs", i);
	buf_free(&b);
}
END_TEST

START_TEST(read_all_bounded_and_errors)
{
	char *dir = tu_tmpdir(), *f = path_in(dir, "f"), *fifo = path_in(dir, "fifo");
	char err[ERR_LEN], big[1000];
	struct buf b = BUF_INIT;
	int fd;

	memset(big, 'a', sizeof(big));
	tu_write(f, big, sizeof(big));
	/* exactly max: read; one byte less: EFBIG, the first max bytes kept
	 * (kbdiag query - uses them) */
	ck_assert_msg(file_read_all(f, &b, 1000, err) == 0, "%s", err);
	ck_assert_uint_eq(b.len, 1000);
	buf_reset(&b);
	ck_assert_int_eq(file_read_all(f, &b, 999, err), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_contains(err, "is larger than 999 bytes");
	ck_assert_uint_eq(b.len, 999);
	buf_reset(&b);
	ck_assert_int_eq(file_read_all(path_in(dir, "none"), &b, 10, err), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_contains(err, "cannot read ");
	ck_assert_contains(err, "No such file or directory");
	ck_assert_int_eq(file_read_all(dir, &b, 10, err), -1);
	ck_assert_int_eq(errno, EISDIR);
	/* a FIFO nobody writes: an error at once, no wait */
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(file_read_all(fifo, &b, 10, err), -1);
	ck_assert_contains(err, "not a regular file");
	ck_assert_uint_eq(b.len, 0);
	/* fd_read_all on a closed descriptor */
	fd = open(f, O_RDONLY);
	close(fd);
	ck_assert_int_eq(fd_read_all(fd, &b, 10), -1);
	ck_assert_int_eq(errno, EBADF);
	buf_free(&b);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* the directory-relative replace, the directory sync, the no-replace rename */

START_TEST(replace_at_keeps_the_protocol)
{
	char *dir = tu_tmpdir(), *f = strdup(path_in(dir, "PROTOCOL.INI")), err[ERR_LEN], *got;
	struct stat st;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	tu_write_str(f, "old\n");
	ck_assert_msg(file_replace_at(dfd, "PROTOCOL.INI", ".PROTOCOL.INI.t", "new\n", 4,
	    0640, "C:/PROTOCOL.INI", err) == 0, "%s", err);
	got = tu_read(f, NULL);
	ck_assert_str_eq(got, "new\n");
	free(got);
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_uint_eq(tu_count_files(dir, ".", ""), 1);
	/* a temporary name that exists (a link, even): never followed, never
	 * written through, the file unchanged */
	ck_assert_int_eq(symlink("elsewhere", path_in(dir, ".PROTOCOL.INI.t")), 0);
	ck_assert_int_eq(file_replace_at(dfd, "PROTOCOL.INI", ".PROTOCOL.INI.t", "bad\n", 4,
	    0600, "C:/PROTOCOL.INI", err), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_contains(err, "cannot write beside C:/PROTOCOL.INI: File exists");
	ck_assert_int_eq(access(path_in(dir, "elsewhere"), F_OK), -1);
	got = tu_read(f, NULL);
	ck_assert_str_eq(got, "new\n");
	free(got);
	/* a name that cannot be renamed over (a directory): the temporary removed */
	ck_assert_int_eq(unlink(path_in(dir, ".PROTOCOL.INI.t")), 0);
	ck_assert_int_eq(mkdir(path_in(dir, "D"), 0700), 0);
	ck_assert_int_eq(file_replace_at(dfd, "D", ".D.t", "x", 1, 0600, "C:/D", err), -1);
	ck_assert_int_eq(errno, EISDIR);
	ck_assert_contains(err, "cannot write C:/D: ");
	ck_assert_int_eq(access(path_in(dir, ".D.t"), F_OK), -1);
	close(dfd);
	free(f);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(sync_dir_and_rename_noreplace)
{
	char *dir = tu_tmpdir(), *a = strdup(path_in(dir, "a")), *b = strdup(path_in(dir, "b"));
	char *got;

	ck_assert_int_eq(file_sync_dir(dir), 0);
	ck_assert_int_eq(file_sync_dir(path_in(dir, "none")), -1);
	ck_assert_int_eq(errno, ENOENT);
	tu_write_str(a, "A");
	ck_assert_int_eq(file_sync_dir(a), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert_int_eq(file_rename_noreplace(a, b), 0);
	ck_assert_int_eq(access(a, F_OK), -1);
	tu_write_str(a, "second");
	ck_assert_int_eq(file_rename_noreplace(a, b), -1);
	ck_assert_int_eq(errno, EEXIST);
	got = tu_read(b, NULL);
	ck_assert_str_eq(got, "A");		/* the first kept */
	free(got);
	got = tu_read(a, NULL);
	ck_assert_str_eq(got, "second");	/* and the second not lost */
	free(got);
	free(a);
	free(b);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

/*
 * A writer killed while it writes (kbdiag verify writing back a 156 MB saved
 * diagnosis, SIGKILLed): the file is its old bytes, and where the file
 * system makes unnamed files (O_TMPFILE) nothing else is left in the
 * directory, where a named temporary file stayed behind (as big as what was
 * written). A child writes part of the file and is killed before the close;
 * a file system without O_TMPFILE is a SKIP (the named file then stays).
 */
START_TEST(killed_writer_leaves_nothing)
{
	char *dir = tu_tmpdir(), *f = strdup(path_in(dir, "saved.json")), err[ERR_LEN], *got;
	int ready[2], status;
	char c;
	pid_t pid;

	tu_write_str(f, "old\n");
	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		struct file_out o;

		close(ready[0]);
		if (file_out_open(&o, f, err) != 0 || file_out_write(&o, "{\"incid", 7, err) != 0)
			_exit(1);
		c = o.unnamed ? 'u' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	got = tu_read(f, NULL);
	ck_assert_str_eq(got, "old\n");
	free(got);
	if (c == 'u')
		ck_assert_uint_eq(tu_count_files(dir, "", ""), 1);
	else {
		ck_assert_uint_eq(tu_count_files(dir, "", ""), 2);
		tu_skip("fileio/killed_writer_leaves_nothing", "no O_TMPFILE here: the killed "
		    "writer's named temporary file stays");
	}
	tu_rmtree(dir);
	free(dir);
	free(f);
}
END_TEST

/*
 * A full disk: a 64 KiB tmpfs of the test's own (mount needs root: a SKIP
 * otherwise). Both replaces fail with ENOSPC, say so, keep the old file
 * and leave no temporary file behind.
 */
START_TEST(full_disk_keeps_the_old_file)
{
	char *dir = tu_tmpdir(), *mnt = strdup(path_in(dir, "small")), err[ERR_LEN], *got;
	size_t n = 1u << 20;
	char *data = malloc(n);
	int dfd;

	memset(data, 'z', n);
	ck_assert_int_eq(mkdir(mnt, 0700), 0);
	if (mount("kbdiag-test", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") != 0) {
		tu_skip("fileio/full_disk_keeps_the_old_file", "mount tmpfs: %s",
		    strerror(errno));
		goto out;
	}
	tu_write_str(path_in(mnt, "f"), "old\n");
	ck_assert_int_eq(file_replace(path_in(mnt, "f"), data, n, err), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_contains(err, "No space left on device");
	dfd = open(mnt, O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(file_replace_at(dfd, "f", ".f.t", data, n, 0600, "f", err), -1);
	ck_assert_int_eq(errno, ENOSPC);
	close(dfd);
	got = tu_read(path_in(mnt, "f"), NULL);
	ck_assert_str_eq(got, "old\n");
	free(got);
	ck_assert_uint_eq(tu_count_files(mnt, ".", ""), 1);
	/* and a file that fits still does */
	ck_assert_msg(file_replace(path_in(mnt, "f"), "new\n", 4, err) == 0, "%s", err);
	ck_assert_int_eq(umount(mnt), 0);
out:
	free(data);
	free(mnt);
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
	tcase_add_test(tc, replace_at_keeps_the_protocol);
	tcase_add_test(tc, sync_dir_and_rename_noreplace);
	tcase_add_test(tc, full_disk_keeps_the_old_file);
	tcase_add_test(tc, killed_writer_leaves_nothing);
	suite_add_tcase(s, tc);
	tc = tcase_create("all");
	tcase_add_test(tc, write_all_through_signals_and_short_writes);
	tcase_add_test(tc, write_all_errors);
	tcase_add_test(tc, read_all_through_signals_and_short_reads);
	tcase_add_test(tc, read_all_bounded_and_errors);
	suite_add_tcase(s, tc);
	return s;
}
