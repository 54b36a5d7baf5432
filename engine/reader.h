/*
 * reader: gateway log files, one record per line.
 *
 * Reads the legacy Microsoft Mail Gateway to SMTP text log (docs/log-format.md,
 * after KB article Q112286): "HH:MM:SS - message" event lines and untimed
 * " [tx] " / " [rx] " transcript lines. Any other line is passed on as plain
 * text, so that error texts are still found in logs of other shapes.
 *
 * What the reader works out from the log itself and attaches to each record:
 *   - the time: the time of day of the last event line as written (a leap
 *     second stays 23:59:60), with the date when a start-up banner
 *     ("Tue Feb 23 08:50:03 1993 ...", a day the month has) gave one, advanced
 *     by a day when the clock goes back by more than an hour;
 *   - the smart host in effect, from the start-up line
 *     `SMTP Smart-Host IP = "HOST"` (smtpgw may write "HOST:PORT"), where the
 *     quoted value ends the line; a value peer_parse() refuses, or any text
 *     after it, leaves the smart host as it was.
 *
 * Lines end at LF, CR LF or a lone CR. Bytes are passed on as they are (any
 * encoding, NULs included). A line longer than READER_MAX_LINE is cut to that
 * length and flagged; the rest of it is skipped, never taken as a new line.
 *
 * Ownership: a struct reader owns its buffers; a record and the strings it
 * points to are valid until the next reader_next() or reader_close().
 */
#ifndef KBDIAG_READER_H
#define KBDIAG_READER_H

#include <stddef.h>

#include "err.h"
#include "peer.h"

#define READER_MAX_LINE	(1024 * 1024)

enum reader_kind {
	READER_EVENT,	/* "HH:MM:SS - message" */
	READER_TX,	/* " [tx] ..." sent by the gateway */
	READER_RX,	/* " [rx] ..." received by the gateway */
	READER_TEXT	/* anything else */
};

struct reader_record {
	const char		*file;		/* name used in messages */
	unsigned long		 line;		/* 1-based */
	enum reader_kind	 kind;
	const char		*raw;		/* the whole line, without its end */
	size_t			 rawlen;
	const char		*text;		/* the message: after the time stamp or tag */
	size_t			 len;
	int			 truncated;	/* longer than READER_MAX_LINE */
	int			 has_nul;	/* contains NUL bytes */
	char			 when[32];	/* "1993-02-23T08:50:03", "08:50:03" or "" */
	const char		*peer_host;	/* smart host named by the log, or NULL */
	unsigned		 peer_port;	/* its port, 0 when the log names none */
};

enum reader_format {
	READER_FORMAT_TEXT,	/* no legacy time stamps seen (yet) */
	READER_FORMAT_LEGACY	/* Microsoft Mail Gateway to SMTP log */
};

struct reader;

/* Open a file; "-" is standard input (named "<stdin>" in messages). */
int reader_open(const char *path, struct reader **out, char err[ERR_LEN]);
/* Read from memory (not copied: data must outlive the reader). */
struct reader *reader_open_mem(const char *name, const char *data, size_t len);
/*
 * Next record: returns 1 and sets *rec, 0 at end of input, -1 with err on a
 * read error.
 */
int reader_next(struct reader *r, const struct reader_record **rec, char err[ERR_LEN]);
void reader_close(struct reader *r);

const char *reader_name(const struct reader *r);
enum reader_format reader_format(const struct reader *r);
const char *reader_format_name(enum reader_format f);
/* Bytes consumed so far, and the input's size when known (else 0). */
unsigned long long reader_bytes(const struct reader *r);
unsigned long long reader_size(const struct reader *r);

#endif
