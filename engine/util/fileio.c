/* fileio: writing a file the user named (see fileio.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
write_in_place(const char *path, const void *data, size_t len, int flags, char err[ERR_LEN])
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | flags, 0666);

	if (fd < 0)
		return failed(err, path);
	if (file_write_all(fd, data, len) != 0) {
		failed(err, path);
		close(fd);
		return -1;
	}
	if (close(fd) != 0)
		return failed(err, path);
	return 0;
}

/* fsync the directory that holds path, so that the rename is durable. */
static void
sync_dir_of(const char *path)
{
	char copy[PATH_MAX];
	int fd;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);	/* a file system that cannot: nothing more to do */
		close(fd);
	}
}

int
file_replace(const char *path, const void *data, size_t len, char err[ERR_LEN])
{
	char target[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	mode_t mode, mask;
	int fd, exists;

	if (snprintf(target, sizeof(target), "%s", path) >= (int)sizeof(target)) {
		errno = ENAMETOOLONG;
		return failed(err, path);
	}
	/* a link: the file it names (a dangling one: created through it) */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, target) == NULL) {
		if (errno != ENOENT)
			return failed(err, path);
		return write_in_place(path, data, len, O_CREAT | O_TRUNC, err);
	}
	exists = stat(target, &st) == 0;
	if (!exists && errno != ENOENT)
		return failed(err, path);
	if (exists && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return failed(err, path);
		}
		return write_in_place(target, data, len, 0, err);
	}
	mask = umask(0);
	umask(mask);
	mode = exists ? st.st_mode & 07777 : 0666 & ~mask;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", target) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return failed(err, path);
	}
	if ((fd = mkstemp(tmp)) < 0)
		return failed(err, path);
	if (fchmod(fd, mode) != 0 || file_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		failed(err, path);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, target) != 0) {
		failed(err, path);
		unlink(tmp);
		return -1;
	}
	sync_dir_of(target);
	return 0;
}
