/*
 * buf: a growable byte buffer, always NUL-terminated.
 *
 * A struct buf is a value owned by whoever declares it: initialise it with
 * BUF_INIT (or buf_init), append, then either buf_free() it or take the bytes
 * with buf_detach() (the caller then owns them and frees them with free()).
 * The data may contain NUL bytes; `len` counts them.
 */
#ifndef KBDIAG_BUF_H
#define KBDIAG_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;	/* NUL-terminated contents, NULL until the first append */
	size_t	 len;	/* bytes used, not counting the terminating NUL */
	size_t	 cap;	/* bytes allocated */
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
/* Room for extra more bytes (and the NUL) without growing again: for a
 * writer that fills data + len itself, then adds to len and ends with NUL. */
void buf_reserve(struct buf *b, size_t extra);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* The contents as a string: "" for an empty buffer, never NULL. */
const char *buf_str(const struct buf *b);
/* Hand the contents to the caller (never NULL) and leave b empty. */
char *buf_detach(struct buf *b);

#endif
