/*
 * reply: the one SMTP reply reader, for the relay (gateway/relay.c) and the
 * probes' SMTP chain (engine/probe_net.c). It frames the bytes a server sent
 * into lines and lines into replies (RFC 5321 4.2); it does no I/O: the
 * caller feeds it what it read and asks for the next line, so that each
 * caller keeps its own waits, deadlines and errors.
 *
 * Two modes, because the two callers need two things:
 *
 *   SMTP_REPLY_STRICT   the relay's: a reply must be well formed, else the
 *                       session is a protocol error.
 *     - a line is the bytes before its LF; with its CR they must be fewer
 *       than SMTP_REPLY_LINE_MAX (4096); 4096 bytes without a LF: too long
 *     - each line is "ddd", "ddd text" or "ddd-text", the first digit 2 to 5
 *       (else SMTP_LINE_MALFORMED); every line of a reply has the code of the
 *       first (else SMTP_LINE_MIXED)
 *     - the reply ends at the line "ddd" or "ddd text"; no limit on its lines
 *       (the caller's deadline bounds a reply that never ends)
 *
 *   SMTP_REPLY_LENIENT  the probes': show whatever the server says, as it
 *                       says it, and describe it.
 *     - a line is the bytes before its CR LF (or bare LF); more than
 *       SMTP_REPLY_LINE_MAX of them: too long; SMTP_REPLY_LINE_MAX + 2
 *       bytes without a LF: too long
 *     - the reply's code is the first line's "ddd" (first digit 1 to 5),
 *       0 when it has none; later lines' codes are not looked at
 *     - a line whose fourth byte is '-' is followed by more; any other ends
 *       the reply; the SMTP_REPLY_LINES_MAX-th line that does not end it is
 *       SMTP_LINE_TOO_MANY (a reply that never ends)
 *
 * In both modes a line ended by a LF alone is given with bare_lf set, and
 * the line end is never part of the text.
 *
 * Ownership: the reader owns its buffer; smtp_reader_free() releases it.
 * A line's text points into the buffer and is valid until the next call.
 */
#ifndef KBDIAG_SMTP_REPLY_H
#define KBDIAG_SMTP_REPLY_H

#include <stddef.h>

#include "util/buf.h"

#define SMTP_REPLY_LINE_MAX	4096
#define SMTP_REPLY_LINES_MAX	100	/* lenient: lines of one reply */

enum smtp_reply_mode {
	SMTP_REPLY_STRICT,
	SMTP_REPLY_LENIENT
};

/* What smtp_reader_next() found. */
enum smtp_read {
	SMTP_READ_LINE,		/* a line, in *line */
	SMTP_READ_MORE,		/* no whole line yet: feed more bytes */
	SMTP_READ_TOOLONG	/* a line over the mode's limit */
};

/* What a line means for its reply. */
enum smtp_line_verdict {
	SMTP_LINE_OK,
	SMTP_LINE_MALFORMED,	/* strict: not "ddd", "ddd text", "ddd-text" */
	SMTP_LINE_MIXED,	/* strict: a code other than the first line's */
	SMTP_LINE_TOO_MANY	/* lenient: the SMTP_REPLY_LINES_MAX-th line,
				   and the reply goes on */
};

struct smtp_line {
	const char		*text;	/* without its line end; not NUL-terminated */
	size_t			 len;
	int			 bare_lf;	/* ended by a LF alone */
	int			 code;	/* the reply's code (its first line's); 0: none */
	int			 last;	/* it ends the reply */
	size_t			 index;	/* 0: the reply's first line */
	enum smtp_line_verdict	 verdict;
};

struct smtp_reader {
	enum smtp_reply_mode	 mode;
	struct buf		 in;	/* bytes fed and not yet taken */
	size_t			 used;	/* of in: the line given last, taken at
					   the next call */
	size_t			 nlines;	/* of the reply being read */
	int			 code;
};

void smtp_reader_init(struct smtp_reader *rd, enum smtp_reply_mode mode);
void smtp_reader_free(struct smtp_reader *rd);

/* A new reply begins: its line count and code start again (bytes fed and
   not taken stay). */
void smtp_reader_begin(struct smtp_reader *rd);

/* Bytes as read from the server. */
void smtp_reader_feed(struct smtp_reader *rd, const void *data, size_t n);

/* The next line of the reply, if a whole one has come. */
enum smtp_read smtp_reader_next(struct smtp_reader *rd, struct smtp_line *line);

/* Bytes fed and not yet given as a line (a line still without its end). */
size_t smtp_reader_pending(const struct smtp_reader *rd);

/* The mode's name, "strict" or "lenient". */
const char *smtp_reply_mode_to_text(enum smtp_reply_mode mode);

#endif
