/*
 * phase: the phases of an SMTP client session, one enum for the relay that
 * lives them, the events that name them (docs/events.md "phase") and the
 * expert system that reads them back, with the one text of each.
 *
 * In the order of a session, so that a phase compares with another ("past
 * the greeting": > SMTP_PHASE_GREETING).
 */
#ifndef KBDIAG_SMTP_PHASE_H
#define KBDIAG_SMTP_PHASE_H

/* X(NAME, text): SMTP_PHASE_NAME, and its text in logs, events and reports. */
#define SMTP_PHASE_LIST(X) \
	X(NONE,		NULL)		/* not in a session, or not known */ \
	X(CONNECT,	"connect") \
	X(GREETING,	"greeting")	/* waiting for the 220 */ \
	X(HELO,		"helo")		/* EHLO or HELO */ \
	X(MAIL,		"mail") \
	X(RCPT,		"rcpt") \
	X(DATA,		"data")		/* the DATA command, before its 354 */ \
	X(BODY,		"body")		/* the message after the 354 */ \
	X(END_OF_DATA,	"end-of-data")	/* the final dot and its reply */ \
	X(QUIT,		"quit")

enum smtp_phase {
#define SMTP_PHASE_ENUM(name, text) SMTP_PHASE_##name,
	SMTP_PHASE_LIST(SMTP_PHASE_ENUM)
#undef SMTP_PHASE_ENUM
};

/* "connect", ..., "end-of-data", "quit"; NULL for SMTP_PHASE_NONE and for a
 * value out of the enum. A static string. */
const char *smtp_phase_to_text(enum smtp_phase p);

/* The phase whose text is name (ASCII case ignored); SMTP_PHASE_NONE for
 * NULL or any other name. */
enum smtp_phase smtp_phase_parse(const char *name);

#endif
