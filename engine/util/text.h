/*
 * text: making untrusted bytes safe to show.
 *
 * Log lines are bytes from an MS-DOS era program or from anything a user
 * pastes: any encoding, control characters, NULs. Everything kbdiag takes
 * from a log into its output passes through text_sanitize(), which yields
 * valid UTF-8 without control characters, so a log can neither break the JSON
 * output nor send escape sequences to the user's terminal.
 */
#ifndef KBDIAG_TEXT_H
#define KBDIAG_TEXT_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Return a newly allocated (caller frees), NUL-terminated copy of the n bytes
 * at s in which:
 *   - valid UTF-8 sequences other than control characters are kept;
 *   - a tab becomes one space;
 *   - every other byte (invalid UTF-8, C0/C1 controls, DEL, NUL) is written
 *     as the four characters \xNN (upper-case hex), so nothing is hidden;
 *   - at most `max` bytes of input are used (0 = no limit); when input is cut
 *     the result ends in "..." . A character the cut leaves incomplete is
 *     dropped; bytes that could not have been part of a valid character are
 *     still written as \xNN.
 * Leading and trailing white space (space, tab, CR, LF, VT, FF) is removed;
 * inside the text those are treated as above.
 */
char *text_sanitize(const char *s, size_t n, size_t max);

/*
 * Append the n bytes at s to out made safe the same way (valid UTF-8 other
 * than controls kept, a tab as one space, every other byte as \xNN), but
 * whole and untrimmed: for a text that is part of a line, such as a peer's
 * reply inside a log line, where leading space and the length belong to the
 * line's format. A line break in s becomes \x0A, so one call never makes
 * more than one line.
 */
void text_escape(struct buf *out, const char *s, size_t n);

/*
 * text_escape() into a caller's buffer, for error messages (the error
 * path never allocates): s (NUL-terminated) escaped as text_sanitize() does
 * but not trimmed, written to dst (cap bytes, NUL-terminated), cut before a
 * character or an escape that would not fit. dst and s may not overlap.
 */
void text_escape_into(char *dst, size_t cap, const char *s);

/* An error message (err.h) escaped in place, for errors that quote a file's
 * or a peer's bytes: text_escape_into() through a copy on the stack. */
void text_escape_err(char err[ERR_LEN]);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if s[0..n) does not
 * start with one. C1 controls (U+0080..U+009F) count as not valid; C0
 * controls, which are single bytes, give 1. */
size_t text_utf8_len(const unsigned char *s, size_t n);

#endif
