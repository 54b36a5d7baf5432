/*
 * correlate: from matched log lines to incidents.
 *
 * An incident is one article, one peer and one source, in one episode:
 *
 *   peer     the next hop the line names, in any notation (peer.h, mta.h);
 *            for a line that names none, the peer of its message's last
 *            failed attempt (or of the last failure for its recipient's
 *            domain), else the smart host in effect in the log (legacy
 *            `SMTP Smart-Host IP`, an event's peer), else --smarthost;
 *   source   the site that logged it (an event's "site", a syslog line's
 *            host), else the log, a rotation set counting as one log;
 *   episode  a quiet gap of log time longer than the rule base's episode gap
 *            (evidence.xml, episode:recurring) ends an episode: the same
 *            failure after it is a new incident, episode 2, 3, ...
 *
 * Incidents are found through a hash table keyed by article, peer (its host
 * and port: 25 when a line names none) and source (strmap.h), so correlating
 * is linear in the lines.
 *
 * count is attempts, however many lines report one. An MTA reports one failed
 * connection or session in a line of its own and again in a status line per
 * message or recipient (mta.h): a status line of the same session (Postfix
 * process, Exim message, Sendmail queue id) and article that names the same
 * peer, or none, and does not belong to another message repeats that attempt
 * and only adds to lines. A deferral without an attempt (Postfix's "delivery
 * temporarily suspended", naming the failure) adds to held. A line that is
 * itself the article's failure and names no connection failure (Exim's "retry
 * timeout exceeded", Postfix's status=expired) counts once per message; when
 * its retries ran out, the incidents where the message failed count it in
 * retries_ended. A legacy or event line is an attempt of its own.
 *
 * A message that failed at a peer and is then delivered (Postfix
 * status=sent, Exim =>, Sendmail stat=Sent; correlate_delivery()) counts in
 * that incident's delivered_later (through the same peer) or
 * delivered_elsewhere (another peer: another path worked).
 *
 * Each incident keeps where in the SMTP session its first line happened
 * (phase, last command and reply), its attempts per phase, its first and last
 * time among its dated lines (an undated line changes neither), and its rate
 * over log time: the attempts after the first per hour between the first
 * and the last ((count - 1) / span: attempts an hour apart make 1.0), and
 * whether it was "frequent" (the rule base's frequency:frequent: COUNT
 * attempts within WINDOW seconds of log time, see correlate_set_frequency()).
 * A symptom of severity info (a normal line) never makes an incident.
 *
 * A companion symptom (such as "SMTP_recv: system error" after "ERROR
 * Network_read: Lost network connection") counts only when it follows a
 * primary line of its article within CORRELATE_COMPANION_LINES lines of the
 * same log; such a line is then explained, and any other article for which it
 * is a primary symptom does not get an incident from it.
 *
 * Memory is bounded: the tables of sessions, messages and domains are
 * emptied when they reach CORRELATE_MAX_TRACKED entries (a later status line
 * then counts as an attempt of its own).
 *
 * Ownership: the correlator appends incidents to the diagnosis it was given
 * (which owns them); it keeps only indexes into it.
 */
#ifndef KBDIAG_CORRELATE_H
#define KBDIAG_CORRELATE_H

#include "diagnosis.h"
#include "match.h"
#include "reader.h"

#define CORRELATE_COMPANION_LINES	3
#define CORRELATE_MAX_COUNT		16
#define CORRELATE_MAX_TRACKED		65536
/* A status line repeats an attempt of its session at most this long after it. */
#define CORRELATE_ECHO_WINDOW		3600

struct correlator;

/* fallback: the peer to assume when the log names none (host may be NULL). */
struct correlator *correlate_new(struct diagnosis *d, const struct diag_peer *fallback);
/*
 * The frequency threshold: count attempts (at most CORRELATE_MAX_COUNT)
 * within window seconds. Without it, no incident is frequent.
 */
void correlate_set_frequency(struct correlator *c, unsigned count, unsigned window);
/*
 * At most max incidents in the diagnosis (0: DIAG_MAX_INCIDENTS). Past it a
 * line whose incident is not there yet makes none: it is counted in the
 * summary's incidents_not_held (each article, peer, source and episode once),
 * lines_not_held and attempts_not_held. The keys of those incidents are kept
 * (some tens of bytes each) so that each is counted once.
 */
void correlate_set_max(struct correlator *c, size_t max);
/* The episode gap in seconds of log time; 0 (the default): one episode. */
void correlate_set_gap(struct correlator *c, unsigned gap);
/* A log begins; set names it as a source (its rotation set, diagnosis.h). */
void correlate_begin_input(struct correlator *c, const char *set);
void correlate_record(struct correlator *c, const struct reader_record *rec,
    const struct match_hit *hits, size_t nhits);
/*
 * The MTA parse of the next correlate_record()'s or correlate_delivery()'s
 * line, made already (by the scan's worker, scan.h): mta_parse(rec->program,
 * rec->pid, rec->text, rec->len, hint, mta). It is used where the line is
 * read with hint (a symptom's origin; NULL for a delivery), else the line is
 * parsed here; NULL forgets it. mta must stay valid until then.
 */
struct mta_line;
void correlate_premade(struct correlator *c, const struct mta_line *mta, const char *hint);
/*
 * A line that matched nothing but holds a delivery's words
 * (match_looks_like_delivery()): a message that failed may have gone
 * through. Costs nothing while no failed message is known.
 */
void correlate_delivery(struct correlator *c, const struct reader_record *rec);
/* The log ended: companions never reach back into a previous log. */
void correlate_end_input(struct correlator *c);
void correlate_free(struct correlator *c);

#endif
