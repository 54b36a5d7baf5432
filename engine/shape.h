/*
 * shape: a line's message with its names, addresses, numbers and ids masked
 * ("connect to HOST[ADDR]:N: Connection refused"), so that the unmatched
 * lines that differ only in them are counted as one group (diag.c).
 *
 * It reads only the message, so the scan's worker (scan.h) computes it for
 * the lines it found an error word in, and the diagnosis takes it from there.
 */
#ifndef KBDIAG_SHAPE_H
#define KBDIAG_SHAPE_H

#include <stddef.h>

#include "util/buf.h"

/*
 * The shape of [s, s+n) into out (reset first): each word masked, "key=value"
 * by its value; words are added while out is shorter than max bytes.
 */
void shape_of(struct buf *out, const char *s, size_t n, size_t max);

#endif
