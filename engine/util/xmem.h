/*
 * xmem: allocation that cannot fail.
 *
 * Every allocation in libkbdiag goes through these functions. On out-of-memory
 * they print one line to stderr and end the process with exit code 4 (internal
 * error): there is no sensible recovery for a diagnosis tool, and having one
 * place for it keeps every other error path free of allocation failures.
 */
#ifndef KBDIAG_XMEM_H
#define KBDIAG_XMEM_H

#include <stddef.h>

/* Report that n bytes could not be allocated and exit(4). */
_Noreturn void xmem_oom(size_t n);

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array to hold at least `need` elements of `size` bytes; *cap is updated. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xstrdup(s) or NULL when s is NULL. */
char *xstrdup_or_null(const char *s);

#endif
