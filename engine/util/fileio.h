/*
 * fileio: writing a file the user named, the one way kbdiag does it.
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

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * Write data (len bytes) to path as above. A new regular file gets
 * 0666 & ~umask; a replaced one keeps its permission bits. 0, or -1 with
 * "cannot write PATH: reason" in err (errno set).
 */
int file_replace(const char *path, const void *data, size_t len, char err[ERR_LEN]);

/* Write all of n bytes to fd, through EINTR and short writes. 0 or -1. */
int file_write_all(int fd, const void *p, size_t n);

#endif
