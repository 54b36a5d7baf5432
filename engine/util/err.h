/*
 * err: the error convention of libkbdiag.
 *
 * Functions that can fail return 0 on success and -1 on failure, and fill a
 * caller-owned buffer `char err[ERR_LEN]` with one line that names the thing
 * that failed (file and line, rule id, host and phase). The error path never
 * allocates. Messages carry no "kbdiag:" prefix and no trailing newline; the
 * CLI adds both.
 */
#ifndef KBDIAG_ERR_H
#define KBDIAG_ERR_H

#define ERR_LEN 512

/* printf into err (truncating safely); always returns -1 so callers can
 * write `return err_set(err, "...")`. err may be NULL. */
int err_set(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
