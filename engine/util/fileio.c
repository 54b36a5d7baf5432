/* fileio: writing and reading whole files (see fileio.h). */
#define _GNU_SOURCE	/* renameat2, RENAME_NOREPLACE */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"

int
file_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, c, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The error of a failed step: errno kept for the caller. */
static int
failed(char err[ERR_LEN], const char *path)
{
	int e = errno;

	err_set(err, "cannot write %s: %s", path, strerror(e));
	errno = e;
	return -1;
}

/* A device, FIFO or socket: written in place, never replaced (flags: more
 * open flags, O_CREAT | O_TRUNC for the file a dangling link names). */
static int
open_in_place(struct file_out *f, const char *path, int flags, char err[ERR_LEN])
{
	f->in_place = 1;
	if (path != f->path)
		snprintf(f->path, sizeof(f->path), "%s", path);
	if ((f->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | flags, 0666)) < 0)
		return failed(err, f->path);
	return 0;
}

int
fd_read_all(int fd, struct buf *out, size_t max)
{
	char chunk[65536];
	size_t got = 0;
	ssize_t n;

	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		if ((size_t)n > max - got) {
			/* the first max bytes kept: a caller may use them (query -) */
			buf_append(out, chunk, max - got);
			errno = EFBIG;
			return -1;
		}
		buf_append(out, chunk, (size_t)n);
		got += (size_t)n;
	}
}

int
file_read_all(const char *path, struct buf *out, size_t max, char err[ERR_LEN])
{
	struct stat st;
	int fd, e;

	/* non-blocking: a FIFO put in the file's place must not hang the open */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0) {
		e = errno;
		err_set(err, "cannot read %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		err_set(err, "cannot read %s: %s", path, e == EINVAL ? "not a regular file" :
		    strerror(e));
		errno = e;
		return -1;
	}
	if (fd_read_all(fd, out, max) != 0) {
		e = errno;
		close(fd);
		if (e == EFBIG)
			err_set(err, "%s is larger than %zu bytes", path, max);
		else
			err_set(err, "cannot read %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

int
file_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e;

	if (fd < 0)
		return -1;
	if (fsync(fd) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

int
file_rename_noreplace(const char *src, const char *dst)
{
	if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(src, dst) != 0)
		return -1;
	(void)unlink(src);
	return 0;
}

/* fsync the directory that holds path, so that the rename is durable. */
static void
sync_dir_of(const char *path)
{
	char copy[PATH_MAX];

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return;
	(void)file_sync_dir(dirname(copy));	/* a file system that cannot: nothing more */
}

int
file_replace_at(int dirfd, const char *name, const char *tmpname, const void *data,
    size_t len, mode_t mode, const char *shown, char err[ERR_LEN])
{
	int fd, e;

	fd = openat(dirfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno;
		err_set(err, "cannot write beside %s: %s", shown, strerror(e));
		errno = e;
		return -1;
	}
	if (file_write_all(fd, data, len) != 0 || fchmod(fd, mode) != 0 || fsync(fd) != 0) {
		e = errno;
		close(fd);
		unlinkat(dirfd, tmpname, 0);
		goto failed;
	}
	if (close(fd) != 0 || renameat(dirfd, tmpname, dirfd, name) != 0) {
		e = errno;
		unlinkat(dirfd, tmpname, 0);
		goto failed;
	}
	if (fsync(dirfd) != 0) {
		e = errno;
		err_set(err, "cannot sync the directory of %s: %s", shown, strerror(e));
		errno = e;
		return -1;
	}
	return 0;
failed:
	err_set(err, "cannot write %s: %s", shown, strerror(e));
	errno = e;
	return -1;
}

/*
 * The temporary file without a name, in the target's directory (O_TMPFILE),
 * when the file system has it and /proc/self/fd can name it later; else -1
 * (errno as it was), and the caller makes a named one.
 */
static int
open_unnamed(struct file_out *f, mode_t mode)
{
#ifdef O_TMPFILE
	char dir[PATH_MAX];
	int e = errno;

	if (access("/proc/self/fd", X_OK) != 0 ||
	    snprintf(dir, sizeof(dir), "%s", f->target) >= (int)sizeof(dir)) {
		errno = e;
		return -1;
	}
	f->fd = open(dirname(dir), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (f->fd < 0 || fchmod(f->fd, mode) != 0) {
		if (f->fd >= 0)
			close(f->fd);
		f->fd = -1;
		errno = e;
		return -1;
	}
	f->unnamed = 1;
	return 0;
#else
	(void)f;
	(void)mode;
	return -1;
#endif
}

/*
 * Name the unnamed temporary file (open as fd) f->tmp, its XXXXXX made
 * unique here as mkstemp() would: 0, or -1 with errno.
 */
static int
name_unnamed(struct file_out *f, int fd)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	char proc[64];
	size_t len = strlen(f->tmp), i;
	unsigned long long x;
	struct timespec ts;
	int tries;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (tries = 0; tries < 100; tries++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		x = (unsigned long long)ts.tv_nsec * 2654435761u ^ (unsigned long long)ts.tv_sec ^
		    ((unsigned long long)getpid() << 20) ^ (unsigned long long)tries * 40503u;
		for (i = len - 6; i < len; i++, x /= sizeof(set) - 1)
			f->tmp[i] = set[x % (sizeof(set) - 1)];
		if (linkat(AT_FDCWD, proc, AT_FDCWD, f->tmp, AT_SYMLINK_FOLLOW) == 0) {
			f->unnamed = 0;
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

int
file_out_open(struct file_out *f, const char *path, char err[ERR_LEN])
{
	struct stat st;
	mode_t mode, mask;
	int exists;

	f->fd = -1;
	f->in_place = 0;
	f->unnamed = 0;
	f->tmp[0] = '\0';
	if (snprintf(f->path, sizeof(f->path), "%s", path) >= (int)sizeof(f->path) ||
	    snprintf(f->target, sizeof(f->target), "%s", path) >= (int)sizeof(f->target)) {
		errno = ENAMETOOLONG;
		return failed(err, path);
	}
	/* a link: the file it names (a dangling one: created through it) */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, f->target) == NULL) {
		if (errno != ENOENT)
			return failed(err, path);
		return open_in_place(f, path, O_CREAT | O_TRUNC, err);
	}
	exists = stat(f->target, &st) == 0;
	if (!exists && errno != ENOENT)
		return failed(err, path);
	if (exists && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return failed(err, path);
		}
		return open_in_place(f, f->target, 0, err);
	}
	mask = umask(0);
	umask(mask);
	mode = exists ? st.st_mode & 07777 : 0666 & ~mask;
	if (snprintf(f->tmp, sizeof(f->tmp), "%s.XXXXXX", f->target) >= (int)sizeof(f->tmp)) {
		f->tmp[0] = '\0';
		errno = ENAMETOOLONG;
		return failed(err, path);
	}
	if (open_unnamed(f, mode) == 0)
		return 0;
	if ((f->fd = mkstemp(f->tmp)) < 0) {
		f->tmp[0] = '\0';
		return failed(err, path);
	}
	if (fchmod(f->fd, mode) != 0) {
		failed(err, path);
		file_out_abort(f);
		return -1;
	}
	return 0;
}

int
file_out_write(struct file_out *f, const void *data, size_t len, char err[ERR_LEN])
{
	if (file_write_all(f->fd, data, len) != 0) {
		failed(err, f->path);
		file_out_abort(f);
		return -1;
	}
	return 0;
}

int
file_out_close(struct file_out *f, char err[ERR_LEN])
{
	int fd = f->fd;

	f->fd = -1;
	if (f->in_place)
		return close(fd) != 0 ? failed(err, f->path) : 0;
	if (fsync(fd) != 0 || (f->unnamed && name_unnamed(f, fd) != 0)) {
		failed(err, f->path);
		close(fd);
		if (!f->unnamed)
			unlink(f->tmp);
		return -1;
	}
	if (close(fd) != 0 || rename(f->tmp, f->target) != 0) {
		failed(err, f->path);
		unlink(f->tmp);
		return -1;
	}
	sync_dir_of(f->target);
	return 0;
}

void
file_out_abort(struct file_out *f)
{
	int e = errno;

	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (!f->in_place && !f->unnamed && f->tmp[0] != '\0')
		unlink(f->tmp);
	f->tmp[0] = '\0';
	errno = e;
}

int
file_replace(const char *path, const void *data, size_t len, char err[ERR_LEN])
{
	struct file_out f;

	if (file_out_open(&f, path, err) != 0 || file_out_write(&f, data, len, err) != 0)
		return -1;
	return file_out_close(&f, err);
}
