/*
 * session: where in an SMTP session the gateway was, from its transcript.
 *
 * The legacy log shows a session as event lines ("Connecting to smart SMTP
 * host", "SMTP_open(socket=257)", "SMTP_close(...)") with the dialogue in
 * " [tx] " / " [rx] " lines between them. Fed every line in order, a session
 * knows the phase a failure would have happened in, the last command the
 * gateway sent and the last reply it got:
 *
 *   connect      trying to open the connection (before SMTP_open)
 *   greeting     connected, waiting for the 220
 *   helo         HELO/EHLO sent, or about to be
 *   mail, rcpt   MAIL FROM / RCPT TO sent
 *   data         DATA sent, waiting for 354
 *   body         sending the message (after 354)
 *   end-of-data  the final "." sent, waiting for the 250
 *   quit         QUIT sent
 *
 * It also keeps what the articles read in a transcript wherever it is in
 * the session: the greeting, the HELO or EHLO sent (with or without a host
 * name) and the reply to it.
 *
 * Postfix, Exim and Sendmail say the phase in their own words ("while
 * sending message body", "after end of data"); session_phase_of_text() reads
 * those, and smtpgw's events name the phase outright (smtp_phase_parse()).
 *
 * Ownership: a struct session is a value; its strings are its own copies.
 */
#ifndef KBDIAG_SESSION_H
#define KBDIAG_SESSION_H

#include <stddef.h>

#include "smtp/phase.h"

#define SESSION_TEXT_MAX	200	/* longest command or reply kept */

struct session {
	enum smtp_phase		 phase;	/* smtp/phase.h */
	char			 command[SESSION_TEXT_MAX + 1];	/* "" when none */
	char			 reply[SESSION_TEXT_MAX + 1];
	/*
	 * The whole session so far, not only its last step: the peer's
	 * greeting (its first line), the last HELO or EHLO the gateway sent
	 * and the first reply that came to it ("" when none).
	 */
	char			 greeting[SESSION_TEXT_MAX + 1];
	char			 helo[SESSION_TEXT_MAX + 1];
	char			 helo_reply[SESSION_TEXT_MAX + 1];
};

/* An MTA's "while sending message body" and the like; SMTP_PHASE_NONE if none. */
enum smtp_phase session_phase_of_text(const char *s, size_t n);

void session_reset(struct session *s);
/* An event line of the legacy log (the text after "HH:MM:SS - "). */
void session_event(struct session *s, const char *text, size_t n);
/* A transcript line: sent (tx) by the gateway, or received. */
void session_transcript(struct session *s, int sent, const char *text, size_t n);

#endif
