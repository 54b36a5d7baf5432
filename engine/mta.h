/*
 * mta: what one line of an MTA's log says about a delivery.
 *
 * Postfix, Exim and Sendmail each report a failed delivery in two ways: a
 * line for the connection or session that failed (Postfix "connect to
 * HOST[ADDR]:25: Connection refused", Exim "H=HOST [ADDR] Connection
 * refused") and a line for each message or recipient it concerned (Postfix
 * "QUEUEID: to=<...>, ..., status=deferred (connect to ...)", Exim "== ADDR
 * ... defer (111): Connection refused", Sendmail "QUEUEID: to=<...>, ...,
 * stat=Deferred: Connection refused by HOST."). mta_parse() reads one line's
 * message (after the syslog time stamp, host and tag) and says:
 *
 *   kind     a report of one connection or session, a message's status after
 *            it, a deferral without an attempt (the destination is held after
 *            earlier failures; Sendmail's cached host status), retries used
 *            up, a delivery;
 *   cached   Sendmail's cached host status (held): xdelay=00:00:00 with a
 *            time-out, or with a relay that names no address; no connection
 *            was made for the line, but one failed before it (within
 *            Timeout.hoststatus, or in HostStatusDirectory's files): the
 *            correlator counts it as that attempt when the log has none;
 *   session  the process or message the line belongs to (Postfix's
 *            "postfix/smtp[PID]", Exim's message id, Sendmail's queue id), so
 *            that the status lines that repeat a report can be told apart
 *            from a new attempt; "postfix" for Postfix lines pasted without
 *            their tag, "exim-msglog" for Exim's lines without a message id
 *            (a message log, exim -Mvl; exim -v's output);
 *   message  the queue or message id, when the line names one;
 *   peer     the next hop, in whichever notation the line writes it (peer.h);
 *   domain   the recipient's domain (to=<user@domain>, "== user@domain", Exim's
 *            "for 'domain'");
 *   phase    where in the SMTP session it failed (session.h);
 *   failure  what happened to the connection, in the words of the rule base's
 *            "connection" evidence: refused, timeout, unreachable, no-route,
 *            reset, lost, reply-timeout, tls-handshake; NULL when the line
 *            says none of them.
 *
 * It is called only for lines that matched an article or that look like a
 * delivery: the common line of a log never gets here.
 *
 * Ownership: struct mta_line is a value; failure points to a static string.
 */
#ifndef KBDIAG_MTA_H
#define KBDIAG_MTA_H

#include <stddef.h>

#include "util/peer.h"
#include "session.h"

#define MTA_ID_MAX	64
#define MTA_DOMAIN_MAX	256

enum mta_origin {
	MTA_UNKNOWN,		/* no MTA's line (the gateway, plain text) */
	MTA_POSTFIX,
	MTA_EXIM,
	MTA_SENDMAIL
};

enum mta_kind {
	MTA_OTHER,		/* none of those below */
	MTA_REPORT,		/* one connection or session failed */
	MTA_STATUS,		/* a message's status after an attempt: repeats its report */
	MTA_HELD,		/* deferred without an attempt: the destination is held */
	MTA_GAVE_UP,		/* retries used up: the message goes back to its sender */
	MTA_DELIVERED		/* delivered (a recipient, or the whole message) */
};

/*
 * The scan's worker hands this reading to the diagnosing thread as flat data
 * (scan.h's struct scan_pre, filled in scan.c's scan_pre(), read back by
 * scan_pre_mta()): a field added here must be carried there too, or a line
 * the worker read loses it (make check runs the case files with
 * KBDIAG_SCAN_PRE=all to catch that).
 */
struct mta_line {
	enum mta_origin		 origin;
	enum mta_kind		 kind;
	char			 session[MTA_ID_MAX];	/* "" when none */
	char			 message[MTA_ID_MAX];	/* "" when none */
	struct peer_ref		 peer;			/* host "" when none */
	char			 domain[MTA_DOMAIN_MAX];	/* "" when none */
	enum smtp_phase	 phase;
	const char		*failure;
	int			 cached;	/* Sendmail's cached host status (kind MTA_HELD) */
};

/*
 * A process's session name, "PROGRAM[PID]" (at most 40 bytes of program;
 * pid > 0), in out: its length.
 */
size_t mta_session_name(char out[MTA_ID_MAX], const char *program, long pid);

/*
 * Read one line: program is the syslog tag's program ("postfix/smtp", or
 * NULL), pid its process id (0 when none), text the message. A line without
 * a program that is not Exim's own is read as hint's ("postfix": the origin
 * of the symptom it matched), or not at all when hint is NULL. Returns the
 * origin (also in out->origin).
 */
enum mta_origin mta_parse(const char *program, long pid, const char *text, size_t len,
    const char *hint, struct mta_line *out);

/* "postfix", "exim", "sendmail", or NULL for MTA_UNKNOWN. */
const char *mta_origin_name(enum mta_origin o);

/*
 * Does the line hold a word of a delivery ("status=sent", " => ", "stat=Sent")?
 * The literals, for the matcher's prefilter: NULL-terminated.
 */
extern const char *const mta_delivery_words[];

/*
 * Does the line report a delivery that failed, by the MTA's delivery-status
 * syntax rather than its wording? Postfix: a status= other than sent or
 * deliverable (deferred, bounced, expired, undeliverable, ...); Exim: "**"
 * (failed) or "==" (deferred) as the field after a message id; Sendmail: a
 * stat= other than Sent or queued; any: dsn=4.x.x or dsn=5.x.x.
 * mta_failure_words holds the literals every such line has (NULL-terminated),
 * for the matcher's prefilter, which calls mta_failure_line() only on lines
 * holding one. Such a line with no hit is listed among the unmatched lines,
 * as a line with an error word is (match_looks_like_error()).
 */
extern const char *const mta_failure_words[];
int mta_failure_line(const char *s, size_t len);

/*
 * A line an MTA wrote that a mail client, a forum or a terminal wrapped onto
 * lines of their own (pasted input; a log never has a line with no syslog
 * prefix after one). mta_unfinished() says whether a syslog line may have
 * been cut: it ends after a field's ',' or a queue id's ':', or in the first
 * letters of a field after ", " (cheap: its last bytes only).
 * mta_continuation() says whether next, a line with no prefix of its own,
 * is the rest of prev, and only when nothing else can be read: next starts
 * with a field Postfix or Sendmail writes ("relay=", "stat=", ...), after a
 * prev that ends at a field's end (MTA_JOIN_SPACE: joined with one space,
 * the break took it), or prev ends in the first letters of such a field and
 * next with its rest (MTA_JOIN_DIRECT: "xde" + "lay=00:00:00"). No state.
 */
enum mta_join {
	MTA_JOIN_NONE,
	MTA_JOIN_SPACE,
	MTA_JOIN_DIRECT
};
int mta_unfinished(const char *s, size_t len);
enum mta_join mta_continuation(const char *prev, size_t plen, const char *next, size_t nlen);

#endif
