/*
 * reader: gateway logs, one record per line, in the formats of
 * docs/log-format.md:
 *
 *   legacy  the Microsoft Mail Gateway to SMTP text log (after KB article
 *           Q112286), also written by smtpgw: "HH:MM:SS - message" event
 *           lines and untimed " [tx] " / " [rx] " transcript lines;
 *   ndjson  smtpgw's events, one JSON object per line (docs/events.md);
 *   syslog  MTA logs: BSD syslog ("Nov 23 10:15:02 host prog[pid]: msg"),
 *           RFC 3339 time stamps (rsyslog), RFC 5424, and Exim's own log
 *           ("2026-11-23 10:15:02 message"); journalctl's short forms;
 *   journal journalctl -o json and json-seq;
 *   docker  docker's json-file log and docker logs --timestamps (the last
 *           two: reader_journal.h).
 *
 * The format is found per line (a log may hold several) unless forced; the
 * log's format is the first one found. Any other line is plain text, so
 * error texts are still found in logs of other shapes. A gzip-compressed
 * input (by its magic bytes, from a file or a pipe) is decompressed as it is
 * read, several members included.
 *
 * What the reader works out and attaches to each record:
 *   - the log time (logtime.h): for legacy lines the time of day of the last
 *     event line, on the date of the last start-up banner ("Tue Feb 23
 *     08:50:03 1993 ...") or of params->date, moved on a day when the clock
 *     goes back by more than an hour; smtpgw events and RFC 3339 stamps as
 *     written, converted to UTC when they carry a zone; a BSD syslog stamp,
 *     which has no year, in the latest year that puts it at or before the
 *     anchor (the year rule): params->anchor when given, else the file's
 *     modification time, else (standard input, memory) the time it was
 *     opened. The last line of a log is written at or before the file's
 *     change, so no line is dated into its future, and a log that spans a
 *     New Year is dated backwards across it (reader_year());
 *   - the smart host in effect: from `SMTP Smart-Host IP = "HOST"` (smtpgw
 *     may write "HOST:PORT"), where the quoted value ends the line, or from an
 *     event's "peer" and "port"; a value peer_parse() refuses leaves the smart
 *     host as it was;
 *   - the SMTP session (session.h) of legacy and event lines: phase, last
 *     command and last reply; for the legacy log also the greeting, the
 *     HELO or EHLO sent and its reply, and the version the last start-up
 *     banner names. An MTA's syslog line names its own phase, which
 *     mta_parse() (mta.h) reads, only for the lines that need it;
 *   - who wrote a syslog line: its host, program and process id; an event's
 *     site and queue id.
 *
 * Lines end at LF, CR LF or a lone CR. Bytes are passed on as they are (any
 * encoding, NULs included). A line longer than READER_MAX_LINE is cut to that
 * length and flagged; the rest of it is skipped, never taken as a new line.
 * Memory stays bounded whatever the input.
 *
 * Following (params->follow, like tail -F): at the end of a regular file
 * reader_next() returns READER_WAIT instead of the end, and holds back a
 * last line that has no line end yet. reader_follow() then notices a file
 * that was truncated (read again from the start) or replaced by rotation
 * (the new file under the name is read from its start), and says so through
 * reader_notice().
 *
 * Ownership: a struct reader owns its buffers; a record and the strings it
 * points to are valid until the next reader_next() or reader_close().
 */
#ifndef KBDIAG_READER_H
#define KBDIAG_READER_H

#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"
#include "util/peer.h"
#include "smtp/tcpinfo.h"

#define READER_MAX_LINE	(1024 * 1024)
#define READER_VERSION_MAX	15	/* of a banner's version ("3.0a") */

/* reader_next() at the end of a followed file: try again later. */
#define READER_WAIT	2

enum reader_kind {
	READER_EVENT,	/* a time-stamped message (any format) */
	READER_TX,	/* " [tx] ..." sent by the gateway */
	READER_RX,	/* " [rx] ..." received by the gateway */
	READER_TEXT	/* anything else */
};

enum reader_format {
	READER_FORMAT_AUTO,	/* params only: find it per line (the zero value) */
	READER_FORMAT_TEXT,	/* nothing recognised (yet) */
	READER_FORMAT_LEGACY,	/* Microsoft Mail Gateway to SMTP log */
	READER_FORMAT_NDJSON,	/* smtpgw events */
	READER_FORMAT_SYSLOG,	/* an MTA's syslog or Exim log; journalctl's short forms */
	READER_FORMAT_JOURNAL,	/* journalctl -o json, json-seq (reader_journal.h) */
	READER_FORMAT_DOCKER	/* docker's json-file log, docker logs --timestamps */
};

/*
 * The TCP_INFO snapshot smtpgw takes when a read or write fails (docs/events.md);
 * -1 for a key the event does not have.
 */
struct reader_tcp {
	/* each key of smtp/tcpinfo.h's TCPINFO_KEYS, what it means there */
#define READER_TCP_FIELD(key, type, rank) long long key;
	TCPINFO_KEYS(READER_TCP_FIELD)
#undef READER_TCP_FIELD
	char		 state[16];	/* TCP state name ("CLOSE_WAIT"), "" unknown */
};

/*
 * Set t->state from a tcp_info "state" value: copied when it is one of the
 * kernel's TCP state names (ESTABLISHED ... NEW_SYN_RECV), else left empty.
 */
void reader_tcp_set_state(struct reader_tcp *t, const char *s);
/*
 * Fill t from a tcp_info JSON object (jansson's json_t, an event's or a saved
 * diagnosis's): each key of TCPINFO_KEYS as a count (-1 when it is missing or
 * not a count), and the state (reader_tcp_set_state()).
 */
struct json_t;
void reader_tcp_from_json(struct reader_tcp *t, const struct json_t *o);
/* The peer had closed its side (FIN seen: CLOSE_WAIT, LAST_ACK, CLOSING, ...). */
int reader_tcp_peer_closed(const struct reader_tcp *t);

struct reader_record {
	const char		*file;		/* name used in messages */
	unsigned long		 line;		/* 1-based */
	unsigned long long	 offset;	/* of the line's first byte (decompressed) */
	enum reader_kind	 kind;
	enum reader_format	 format;	/* of this line */
	const char		*raw;		/* the whole line, without its end */
	size_t			 rawlen;
	const char		*text;		/* the message: after the time stamp or tag */
	size_t			 len;
	const char		*subject;	/* what to match patterns against */
	size_t			 subjectlen;
	int			 truncated;	/* longer than READER_MAX_LINE */
	int			 has_nul;	/* contains NUL bytes */
	int			 bad_json;	/* looked like an event: 1 did not parse,
						   2 a JSON object of no known log */
	int			 inner;		/* a line of a record of several (an
						   entry of journalctl -o export):
						   counted, never matched */
	int			 self;		/* the record of several lines, at the
						   one that ends it: whole even when
						   skimmed (reader_feed()) */
	int			 has_time;	/* t is known */
	int			 has_date;	/* ... and on a known date */
	long long		 t;		/* log time (logtime.h); without a date,
						   days since the log's first day */
	char			 when[32];	/* "1993-02-23T08:50:03", "08:50:03" or "" */
	int			 year_inferred;	/* t's year came from the year rule */
	const char		*host;		/* syslog: the host that logged it, or NULL */
	const char		*program;	/* syslog: "postfix/smtp", or NULL */
	long			 pid;		/* syslog: its process id, or 0 */
	const char		*site;		/* events: "site", or NULL */
	const char		*queue_id;	/* events: "queue_id", or NULL */
	const char		*peer_host;	/* smart host named by the log, or NULL */
	unsigned		 peer_port;	/* its port, 0 when the log names none */
	const char		*phase;		/* SMTP phase (session.h) of a legacy
						   or event line, or NULL */
	const char		*command;	/* last command sent, or NULL */
	const char		*reply;		/* last reply received, or NULL */
	/* Of the session so far (session.h), legacy logs: */
	const char		*greeting;	/* the peer's greeting, or NULL */
	const char		*helo;		/* the HELO/EHLO sent, or NULL */
	const char		*helo_reply;	/* the reply to it, or NULL */
	const char		*gateway_version;	/* the last start-up banner's
						   version ("3.0"), or NULL */
	const char		*errno_name;	/* events: "EPIPE", or NULL */
	int			 has_tcp;	/* events: tcp holds a snapshot */
	struct reader_tcp	 tcp;
};

struct reader_params {
	enum reader_format	 format;	/* READER_FORMAT_AUTO, or forced */
	int			 follow;	/* keep reading as the file grows */
	int			 has_date;	/* date is set: */
	long long		 date;		/* the day (logtime) of a legacy log
						   without a banner */
	int			 has_anchor;	/* anchor is set: */
	long long		 anchor;	/* BSD syslog stamps are dated at or
						   before it (logtime); else the
						   file's modification time */
};

/* Where the year of BSD syslog stamps came from (reader_year()). */
enum reader_year_from {
	READER_YEAR_NONE,	/* no year-less stamp was read */
	READER_YEAR_OPTION,	/* params->anchor (--date) */
	READER_YEAR_MTIME,	/* the file's modification time */
	READER_YEAR_NOW,	/* the time of reading (standard input, a pipe) */
	READER_YEAR_HEADER	/* journalctl's "-- Logs begin at ..., end at ... --" */
};

struct reader;

/* The defaults (all zero): format found per line, no follow, no date, no anchor. */
void reader_params_init(struct reader_params *p);

/* Open a file; "-" is standard input (named "<stdin>" in messages). */
int reader_open(const char *path, struct reader **out, char err[ERR_LEN]);
int reader_open_params(const char *path, const struct reader_params *params,
    struct reader **out, char err[ERR_LEN]);
/* Read from memory (not copied: data must outlive the reader). */
struct reader *reader_open_mem(const char *name, const char *data, size_t len);
struct reader *reader_open_mem_params(const char *name, const char *data, size_t len,
    const struct reader_params *params);
/*
 * Next record: returns 1 and sets *rec, 0 at end of input, READER_WAIT when
 * following and nothing more is there yet, -1 with err on a read error (a
 * truncated or corrupt gzip stream included; the records before it were
 * delivered).
 */
int reader_next(struct reader *r, const struct reader_record **rec, char err[ERR_LEN]);
/*
 * When following: check whether the file was truncated or rotated, and if so
 * go on from the start of the file now under the name. 1 when something
 * changed (see reader_notice()), 0 when not.
 */
int reader_follow(struct reader *r);
/*
 * What the last reader_follow() found (rotation, truncation), or, at the end
 * of a file that is not followed, that it shrank while it was read; or NULL.
 */
const char *reader_notice(struct reader *r);
/*
 * Forget what the last reader_follow() found (once told), so that
 * reader_notice() then says only what the reading itself found
 * (short-monotonic lines, null MESSAGEs, an entry cut at the end).
 */
void reader_notice_clear(struct reader *r);
void reader_close(struct reader *r);

/*
 * Reading by another (scan.h, which splits the file into lines on another
 * thread): the descriptor of a regular, uncompressed file that is not
 * followed and of which nothing was read yet, or -1 (read it with
 * reader_next()). The caller reads the file from its start and hands every
 * line, in order, split as reader_next() splits them, to reader_feed():
 * offset is its first byte's, truncated and has_nul as in a record. With
 * whole, the record is the one reader_next() gives; without, the line only
 * moves the reader's state on (legacy clock and date, smart host, SMTP
 * session, the year rule, the log's format) and of the record only line,
 * kind, has_time, has_date and t are set (the others are stale). The record
 * is valid until the next call; line must stay valid until then.
 * reader_feed_end() says how many bytes were read in all (decompressed).
 */
int reader_plain_fd(struct reader *r);
/*
 * Any other input that is not followed nor in memory (a pipe, standard
 * input, a gzip-compressed file) and of which nothing was read yet: 1 when
 * the caller may read it with reader_read() instead.
 */
int reader_scannable(const struct reader *r);
/*
 * Up to cap bytes of the log as reader_next() reads them (decompressed), in
 * order: how many (less only at the end), 0 at the end, -1 with err (a read
 * error, a corrupt or cut-short gzip stream, said after the bytes before it).
 * It may run on another thread than reader_feed(): the two touch different
 * parts of the reader.
 */
ssize_t reader_read(struct reader *r, char *dst, size_t cap, char err[ERR_LEN]);
const struct reader_record *reader_feed(struct reader *r, const char *line, size_t len,
    unsigned long long offset, int truncated, int has_nul, int whole);
/*
 * reader_feed(r, line, len, offset, 0, 0, 0) for a caller that reads nothing
 * of the record (the reader's state only: it is faster on a run of such
 * lines); the next reader_feed() or reader_feed_end() sets the reader's
 * offset. NULL, or when the line ended a record of several lines (self: an
 * entry of journalctl -o export), that record, whole, for the caller to take.
 */
const struct reader_record *reader_skim(struct reader *r, const char *line, size_t len,
    unsigned long long offset);
void reader_feed_end(struct reader *r, unsigned long long bytes);
/*
 * Where the message of a syslog line probably starts, from the line alone
 * (for the scan's worker, which reads a line's message before the reader
 * has: the caller checks the guess against the record, rec->text and
 * rec->program, before it trusts anything read from it): 1 with *g, or 0 when
 * the line does not look like one. text: the message's first byte; prog and
 * prog_len the program's bytes in the line (prog_len 0: none), pid its
 * process id (0: none).
 */
struct reader_guess {
	size_t		 text, prog, prog_len;
	long		 pid;
};
int reader_guess_text(const char *line, size_t len, struct reader_guess *g);

const char *reader_name(const struct reader *r);
/*
 * Whether year-less stamps were dated by the year rule so far, from what,
 * and the anchor they were dated back from (logtime, the wall clock).
 */
enum reader_year_from reader_year(const struct reader *r, long long *anchor);
/* "--date", "the file's modification time", "the time of reading"; NULL for NONE. */
const char *reader_year_from_text(enum reader_year_from from);
enum reader_format reader_format(const struct reader *r);
const char *reader_format_name(enum reader_format f);
/* "auto", "legacy", "ndjson", "syslog", "journal", "docker", "text": 0, or -1. */
int reader_format_parse(const char *name, enum reader_format *f);
/* Is the input gzip-compressed (known after the first record)? */
int reader_compressed(const struct reader *r);
/* Bytes consumed so far (of the file as stored), and its size when known (else 0). */
unsigned long long reader_bytes(const struct reader *r);
unsigned long long reader_size(const struct reader *r);

#endif
