/*
 * reader_journal: the log forms of systemd's journal and of docker, for the
 * reader (reader.h), which finds them per line as it finds the others
 * (docs/log-format.md, "The journal and docker"):
 *
 *   journal  `journalctl -o json` and `-o json-seq` (an RS byte before each
 *            object): one JSON object a line with MESSAGE (a string, an
 *            array of byte values when it is not UTF-8, null when journalctl
 *            left out a field longer than 4096 bytes), __REALTIME_TIMESTAMP
 *            (microseconds since 1970, UTC), SYSLOG_IDENTIFIER (else _COMM),
 *            SYSLOG_PID (else _PID), _HOSTNAME; `-o export` (below);
 *   docker   a json-file log ({"log":"...\n","stream":"stdout","time":
 *            "2026-12-07T17:06:27.123456789Z"}) and `docker logs
 *            --timestamps` (that stamp, then the line), the line what the
 *            container wrote: itself a syslog line, or plain text; a line
 *            over 16 kB, which docker writes as entries without a line end
 *            then the last (partial), is joined by the reader (reader.c);
 *   syslog   the short forms of journalctl: `short` (BSD syslog), `short-iso`
 *            and `short-iso-precise` (RFC 3339), which the syslog reader knows,
 *            and those it does not: `short-precise` ("Dec 07 17:06:27.123456"),
 *            `short-full` ("Mon 2026-12-07 17:06:27 UTC"), `short-unix`
 *            ("1796670387.123456"), `short-monotonic` ("[ 12345.678901]", the
 *            time since boot: no wall-clock time), and journalctl's own
 *            "-- Logs begin at ..., end at ... --" line, which dates the
 *            year-less stamps after it.
 *
 * These functions only read what a line holds into the caller's structures;
 * they keep no state between lines.
 */
#ifndef KBDIAG_READER_JOURNAL_H
#define KBDIAG_READER_JOURNAL_H

#include <stddef.h>

#include "util/buf.h"

/* The longest host and program names kept (as the syslog reader's). */
#define RJ_NAME_MAX	64

/* What a JSON object is. */
enum rj_kind {
	RJ_NONE,	/* none of these: smtpgw's event or unknown (the caller's) */
	RJ_JOURNAL,	/* a journal entry */
	RJ_DOCKER	/* a docker json-file line */
};

/* An entry of the journal or a docker line, as read. */
struct rj_entry {
	struct buf	*msg;		/* the caller's: the subject, "host prog[pid]: "
					   (what is known of it) and the message */
	size_t		 text_off;	/* where the message starts in msg */
	int		 msg_null;	/* journal JSON: "MESSAGE": null (left out by
					   journalctl) */
	char		 host[RJ_NAME_MAX + 1];	/* "" unknown */
	char		 program[RJ_NAME_MAX + 1];	/* "" unknown */
	long		 pid;		/* 0 unknown */
	int		 has_time;
	long long	 t;		/* log time (logtime.h), UTC */
	int		 line;		/* docker: msg is a line the container wrote */
	int		 partial;	/* docker: without its line end, the line
					   goes on in the next entry of its stream
					   (docker writes a line over 16 kB so) */
	int		 on_stderr;	/* docker: its stream is "stderr" */
};

/*
 * A parsed JSON object (jansson's json_t): RJ_JOURNAL or RJ_DOCKER with e
 * filled (e->msg reset and written), or RJ_NONE (e untouched).
 */
struct json_t;
enum rj_kind rj_from_json(const struct json_t *o, struct rj_entry *e);

/*
 * The same from the line itself, without building the object: a strict
 * reading of one JSON object (its grammar, its strings' escapes, nesting up
 * to RJ_SCAN_DEPTH) that keeps only the members it needs, some twenty times
 * faster than jansson on the journal's lines of thirty members. RJ_NONE when
 * the line is not a journal entry or docker line it can read (not JSON,
 * smtpgw's event, a key written with escapes, a member it needs given twice,
 * a \u escape that is no character, nesting deeper): the caller then parses
 * it with jansson and rj_from_json(). Where both read a line, they agree
 * (fuzz_journal checks it).
 */
#define RJ_SCAN_DEPTH	32
enum rj_kind rj_scan(const char *s, size_t n, struct rj_entry *e);

/* json-seq: the length of the RS byte (and spaces) before a JSON object, or 0. */
size_t rj_json_seq(const char *s, size_t n);

/* Where a journalctl stamp the syslog reader does not know came from. */
enum rj_stamp {
	RJ_STAMP_NONE,
	RJ_STAMP_WALL,		/* short-full, short-unix: *t is the time */
	RJ_STAMP_MONO		/* short-monotonic: no wall-clock time */
};

/*
 * A stamp of short-full ("Mon 2026-12-07 17:06:27 UTC", the zone UTC or GMT
 * converted, another taken as written), short-unix ("1796670387.123456",
 * UTC) or short-monotonic ("[ 12345.678901]") at the start of s: its kind,
 * *t and *used (the bytes up to the space after it, not included).
 */
enum rj_stamp rj_stamp(const char *s, size_t n, long long *t, size_t *used);

/* The bytes of a fraction of a second (".123456") at s, or 0 (short-precise). */
size_t rj_fraction(const char *s, size_t n);

/*
 * docker logs --timestamps: its stamp ("2026-12-07T17:06:27.123456789Z", nine
 * digits, UTC) at s, then a space: 1 with *t and *used (the stamp and the
 * space), else 0.
 */
int rj_docker_stamp(const char *s, size_t n, long long *t, size_t *used);

/*
 * journalctl's header "-- Logs begin at Mon 2026-12-07 17:06:27 UTC, end at
 * Tue 2026-12-08 10:00:00 UTC. --" (or "-- Journal begins at ..., ends at
 * ... --"): 1 with *end the time of its last entry (as written), 0 for
 * another line. Its other lines ("-- Boot 0f3c... --", "-- No entries --",
 * "-- Reboot --") are rj_marker()'s.
 */
int rj_header(const char *s, size_t n, long long *end);
int rj_marker(const char *s, size_t n);

/*
 * journalctl -o export, a line at a time as the reader splits them. An entry
 * begins with "__CURSOR=" or "__REALTIME_TIMESTAMP=", has a "KEY=VALUE" line a
 * field, and ends at an empty line. A field that is not text is its name on a
 * line, its length (64 bits, little-endian) and its bytes, then a line end:
 * its bytes may span lines, which the offsets of the lines place (a line end
 * taken as LF, or CR LF when it was two bytes; where a byte of the length
 * may have been a lone CR as well as an LF, the field ends at the first line
 * that starts where either length says and reads as a field).
 */
/*
 * A binary field longer than this is taken for no entry's (journald takes
 * longer ones, but no mail log writes them, and a hostile length must not
 * swallow the rest of a log): the lines from there are read as they are.
 */
#define RJ_EXPORT_MAX	(16ULL * 1024 * 1024)

enum rj_export_step {
	RJ_EXPORT_NONE,		/* not a line of an entry */
	RJ_EXPORT_FIELD,	/* a line of an entry (msg_now: its MESSAGE) */
	RJ_EXPORT_END		/* the empty line that ends one: rj_export_entry() */
};

struct rj_export {
	int			 in;		/* inside an entry */
	int			 msg_now;	/* the last line began its MESSAGE */
	struct buf		 msg;		/* MESSAGE's bytes */
	int			 has_msg;
	char			 host[RJ_NAME_MAX + 1];
	char			 program[RJ_NAME_MAX + 1];
	char			 comm[RJ_NAME_MAX + 1];
	long			 pid, syslog_pid;
	int			 has_time;
	long long		 t;
	/* a field that is not text, as its bytes come */
	int			 binary;
	int			 bin_msg;	/* it is MESSAGE */
	unsigned long long	 bin_start;	/* offset of its length's first byte */
	unsigned long long	 bin_end;	/* of the line after it, once known */
	unsigned long long	 prev_end;	/* offset after the last line's bytes */
	unsigned char		 len[8];
	unsigned char		 len_cr[8];	/* the same with each lone line end a CR */
	unsigned long long	 bin_end_cr;	/* the end by len_cr */
	size_t			 lenhave;
	unsigned long long	 left;		/* its bytes still to come */
};

void rj_export_init(struct rj_export *x);
void rj_export_free(struct rj_export *x);
enum rj_export_step rj_export_line(struct rj_export *x, const char *s, size_t n,
    unsigned long long offset);
/* The entry that just ended, into e (e->msg written, as rj_from_json()). */
void rj_export_entry(struct rj_export *x, struct rj_entry *e);
/*
 * An entry cut by the end of the input (x->in, no empty line after it) is
 * not examined: what was read of it may lack the fields journald writes
 * after MESSAGE (_COMM, _HOSTNAME, _PID: the program and host an MTA's line
 * is told by), or the end of MESSAGE itself; a warning says so, with how
 * much was left out. Into out (n bytes): what was read of its MESSAGE, for
 * that warning ("no MESSAGE among them", "its MESSAGE among them (57
 * bytes)", "its MESSAGE among them, 12 of its 300 bytes read").
 */
void rj_export_cut(const struct rj_export *x, char *out, size_t n);

/*
 * journalctl -o json-pretty: an entry is the JSON object of -o json written
 * over several lines, from a line "{" alone, whose next line is an indented
 * `"FIELD" :` (a journal field: upper case, digits, '_'), every line inside
 * indented, to a line "}" alone. A line at a time, as the reader splits them:
 * RJ_PRETTY_LINE for a line of an entry (msg_now: its MESSAGE field), and
 * RJ_PRETTY_END for the "}" that ends it, the entry's JSON then in x->json
 * (for rj_scan(), or jansson and rj_from_json()); RJ_PRETTY_NONE for a line
 * of no entry, and for the line that shows that what was taken for one is
 * not (a "{" alone without a field after it, a line not indented, more than
 * RJ_PRETTY_MAX bytes): the lines before it were counted as the entry's.
 */
#define RJ_PRETTY_MAX	(16U * 1024 * 1024)

enum rj_pretty_step {
	RJ_PRETTY_NONE,
	RJ_PRETTY_LINE,
	RJ_PRETTY_END
};

struct rj_pretty {
	int		 in;		/* 1: after its "{", 2: after a field */
	int		 msg_now;	/* the last line began its MESSAGE */
	struct buf	 json;		/* its lines so far */
};

void rj_pretty_init(struct rj_pretty *x);
void rj_pretty_free(struct rj_pretty *x);
enum rj_pretty_step rj_pretty_line(struct rj_pretty *x, const char *s, size_t n);

/*
 * journalctl -o verbose: an entry is a header, "Mon 2026-12-07
 * 17:06:27.123456 UTC [s=...;i=...]" (its time as short-full's, as written,
 * then the cursor), then its fields a line each, "    KEY=VALUE" (4 spaces
 * in; a binary field "[N B blob data]" unless --all). It has no end of its
 * own, so its record is the line that completes what a record needs:
 * _HOSTNAME after MESSAGE (journald adds _HOSTNAME to every entry, after
 * MESSAGE, SYSLOG_IDENTIFIER, SYSLOG_PID, _PID and _COMM): RJ_VERBOSE_ENTRY,
 * the entry then given by
 * rj_verbose_entry(). A header while an entry with a MESSAGE was not given
 * (it has no _HOSTNAME): RJ_VERBOSE_FLUSH, the caller gives it with
 * rj_verbose_entry() as that line's record, then reads the line again.
 * RJ_VERBOSE_LINE: a line of an entry (f.msg_now: its MESSAGE);
 * RJ_VERBOSE_NONE: no line of one (a line that is neither a header nor a
 * field ends an entry). The entry's MESSAGE is what the line shows.
 */
enum rj_verbose_step {
	RJ_VERBOSE_NONE,
	RJ_VERBOSE_LINE,
	RJ_VERBOSE_ENTRY,
	RJ_VERBOSE_FLUSH
};

struct rj_verbose {
	struct rj_export	 f;	/* its fields (the export's text fields) */
	int			 in;	/* after a header */
	int			 given;	/* its record was given */
	int			 header_now;	/* the last line was its header */
};

void rj_verbose_init(struct rj_verbose *x);
void rj_verbose_free(struct rj_verbose *x);
enum rj_verbose_step rj_verbose_line(struct rj_verbose *x, const char *s, size_t n);
void rj_verbose_entry(struct rj_verbose *x, struct rj_entry *e);

#endif
