/*
 * fileio: the one way kbdiag and smtpgw write and read whole files: the
 * atomic replace (file_replace, file_replace_at for a directory held open),
 * the pieces the spool's own protocol is made of (file_write_all,
 * file_sync_dir, file_rename_noreplace), and read-to-end (fd_read_all,
 * file_read_all).
 *
 * A regular file (or a new one) is replaced atomically: a temporary file
 * beside it, written, fsynced, renamed over it, the directory fsynced; a
 * reader never sees half of it and a failed write leaves the old one. A
 * symbolic link is followed, and the file it names is replaced (the link
 * stays). Anything else that exists, a device (/dev/null, /dev/stdout), a
 * FIFO, a socket, is opened and written as it is: renaming over it would
 * put a regular file in its place (as root, a /dev/null that fills up).
 */
#ifndef KBDIAG_FILEIO_H
#define KBDIAG_FILEIO_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

/*
 * Write data (len bytes) to path as above. A new regular file gets
 * 0666 & ~umask; a replaced one keeps its permission bits. 0, or -1 with
 * "cannot write PATH: reason" in err (errno set).
 */
int file_replace(const char *path, const void *data, size_t len, char err[ERR_LEN]);

/*
 * The same replace written part by part, for output too large to hold
 * (diagnose's report): file_out_open() decides as file_replace() does and
 * opens the temporary file (or the device, FIFO, socket in place),
 * file_out_write() appends, file_out_close() fsyncs and renames it over
 * path; file_out_abort() gives up and removes the temporary file, leaving
 * the old one. Where the file system has them (Linux's O_TMPFILE, and
 * /proc/self/fd to name it), the temporary file is made without a name and
 * named (PATH.XXXXXX) only once written and fsynced, just before the
 * rename: a writer killed while it writes (the 156 MB of a saved diagnosis
 * at the cap) leaves nothing behind. Each returns 0, or -1 with err and errno as file_replace()'s;
 * after a failed write or close the file is already given up.
 */
struct file_out {
	int	 fd;
	int	 in_place;		/* written as it is, not replaced */
	int	 unnamed;		/* the temporary file has no name yet (O_TMPFILE) */
	char	 path[PATH_MAX];	/* as given, for errors */
	char	 target[PATH_MAX];	/* what is replaced (a link's file) */
	char	 tmp[PATH_MAX];		/* the temporary file, or "" */
};

int file_out_open(struct file_out *f, const char *path, char err[ERR_LEN]);
int file_out_write(struct file_out *f, const void *data, size_t len, char err[ERR_LEN]);
int file_out_close(struct file_out *f, char err[ERR_LEN]);
void file_out_abort(struct file_out *f);

/*
 * Replace dirfd/name by data, for a caller that holds the directory open
 * (the fix editor under its root): tmpname is created beside it exclusively
 * and without following a link (mode 0600, then chmod to mode), written,
 * fsynced, renamed over name, the directory fsynced. shown names the file in
 * errors: "cannot write beside SHOWN: reason" (the temporary file could not
 * be made), "cannot write SHOWN: reason", "cannot sync the directory of
 * SHOWN: reason"; -1 with errno set, the temporary file removed.
 */
int file_replace_at(int dirfd, const char *name, const char *tmpname, const void *data,
    size_t len, mode_t mode, const char *shown, char err[ERR_LEN]);

/* Write all of n bytes to fd, through EINTR and short writes. 0, or -1 with
 * errno set (EIO when write() wrote nothing and said no why). */
int file_write_all(int fd, const void *p, size_t n);

/*
 * Append what fd holds up to its end to out, through EINTR and short reads.
 * max bounds the bytes read by this call: more is -1 with errno EFBIG (out
 * then holds the first max bytes, and the rest is not read). 0, or -1 with
 * errno set. fd is not closed.
 */
int fd_read_all(int fd, struct buf *out, size_t max);

/*
 * The contents of the regular file at path appended to out, at most max
 * bytes. 0, or -1 with errno set and err "cannot read PATH: reason" (a
 * directory, a FIFO or a device: "not a regular file"; more than max:
 * "PATH is larger than MAX bytes"). A FIFO is not waited for.
 */
int file_read_all(const char *path, struct buf *out, size_t max, char err[ERR_LEN]);

/* fsync the directory dir, so that a rename or an unlink in it is durable.
 * 0, or -1 with errno set. */
int file_sync_dir(const char *dir);

/* rename src to dst unless dst exists (RENAME_NOREPLACE, or link and unlink
 * where the file system has no renameat2). 0, or -1 with errno (EEXIST). */
int file_rename_noreplace(const char *src, const char *dst);

#endif
