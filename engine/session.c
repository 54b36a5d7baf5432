#define _GNU_SOURCE	/* memmem */
#include "session.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const session_names[] = {
	NULL, "connect", "greeting", "helo", "mail", "rcpt", "data", "body",
	"end-of-data", "quit"
};

const char *
session_phase_name(enum session_phase p)
{
	if ((size_t)p >= sizeof(session_names) / sizeof(session_names[0]))
		return NULL;
	return session_names[p];
}

enum session_phase
session_phase_parse(const char *name)
{
	size_t i;

	for (i = 1; name && i < sizeof(session_names) / sizeof(session_names[0]); i++)
		if (strcasecmp(name, session_names[i]) == 0)
			return (enum session_phase)i;
	return SESSION_NONE;
}

/* The bytes of a line searched for the phase's words. */
#define SESSION_SCAN_MAX	2048

enum session_phase
session_phase_of_text(const char *s, size_t n)
{
	/* The most specific words first: "end of data" before "data". */
	static const struct {
		const char		*words;
		enum session_phase	 phase;
	} table[] = {
		{ "end of data", SESSION_END_OF_DATA },
		{ "end of message", SESSION_END_OF_DATA },
		{ "client data status", SESSION_END_OF_DATA },	/* sendmail */
		{ "client greeting", SESSION_GREETING },
		{ "client ehlo", SESSION_HELO },
		{ "client helo", SESSION_HELO },
		{ "client mail", SESSION_MAIL },
		{ "client rcpt", SESSION_RCPT },
		{ "client data", SESSION_DATA },
		{ "data block", SESSION_BODY },
		{ "message body", SESSION_BODY },
		{ "writing message", SESSION_BODY },
		{ "server greeting", SESSION_GREETING },
		{ "initial greeting", SESSION_GREETING },
		{ "initial connection", SESSION_GREETING },	/* Exim: the banner */
		{ "banner", SESSION_GREETING },
		{ "helo handshake", SESSION_HELO },
		{ "ehlo handshake", SESSION_HELO },
		{ "after helo", SESSION_HELO },
		{ "after ehlo", SESSION_HELO },
		{ "mail from", SESSION_MAIL },
		{ "rcpt to", SESSION_RCPT },
		{ "data command", SESSION_DATA },
		{ "after data", SESSION_DATA },
		{ "connect to", SESSION_CONNECT },
		{ "connection refused", SESSION_CONNECT },
		{ "network is unreachable", SESSION_CONNECT },
		{ "no route to host", SESSION_CONNECT },
	};
	char low[SESSION_SCAN_MAX];
	size_t i;

	/* One lower-case copy, then memmem per phrase: called for the lines that need it. */
	if (n > sizeof(low))
		n = sizeof(low);
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (memmem(low, n, table[i].words, strlen(table[i].words)) != NULL)
			return table[i].phase;
	return SESSION_NONE;
}

void
session_reset(struct session *s)
{
	s->phase = SESSION_NONE;
	s->command[0] = s->reply[0] = '\0';
	s->greeting[0] = s->helo[0] = s->helo_reply[0] = '\0';
}

static void
session_keep(char dst[SESSION_TEXT_MAX + 1], const char *text, size_t n)
{
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	if (n > SESSION_TEXT_MAX)
		n = SESSION_TEXT_MAX;
	memcpy(dst, text, n);
	dst[n] = '\0';
}

static int
session_starts(const char *s, size_t n, const char *word)
{
	size_t l = strlen(word);

	return n >= l && strncasecmp(s, word, l) == 0;
}

void
session_event(struct session *s, const char *text, size_t n)
{
	while (n > 0 && *text == ' ') {
		text++;
		n--;
	}
	/* Called for every event line: most start with neither letter. */
	if (n == 0 || (toupper((unsigned char)*text) != 'C' &&
	    toupper((unsigned char)*text) != 'S'))
		return;
	if (session_starts(text, n, "Connecting to smart SMTP host")) {
		session_reset(s);
		s->phase = SESSION_CONNECT;
	} else if (session_starts(text, n, "SMTP_open(")) {
		if (s->phase == SESSION_NONE)
			session_reset(s);
		s->phase = SESSION_GREETING;
	} else if (session_starts(text, n, "SMTP connection closed"))
		session_reset(s);
}

void
session_transcript(struct session *s, int sent, const char *text, size_t n)
{
	if (!sent) {
		session_keep(s->reply, text, n);
		if ((s->phase == SESSION_GREETING || s->phase == SESSION_NONE) &&
		    s->greeting[0] == '\0' && s->helo[0] == '\0')
			session_keep(s->greeting, text, n);
		else if (s->helo[0] != '\0' && s->helo_reply[0] == '\0')
			session_keep(s->helo_reply, text, n);
		if (s->phase == SESSION_GREETING && n > 0 && text[0] == '2')
			s->phase = SESSION_HELO;
		else if (s->phase == SESSION_DATA && session_starts(text, n, "354"))
			s->phase = SESSION_BODY;
		return;
	}
	if (s->phase == SESSION_BODY) {
		/* The message itself: only its final "." is a step of the dialogue. */
		if (n == 1 && text[0] == '.') {
			s->phase = SESSION_END_OF_DATA;
			session_keep(s->command, text, n);
		}
		return;
	}
	session_keep(s->command, text, n);
	if ((session_starts(text, n, "HELO") || session_starts(text, n, "EHLO")) &&
	    (n == 4 || text[4] == ' ' || text[4] == '\t')) {
		s->phase = SESSION_HELO;
		session_keep(s->helo, text, n);
		s->helo_reply[0] = '\0';
	} else if (session_starts(text, n, "HELO") || session_starts(text, n, "EHLO"))
		s->phase = SESSION_HELO;
	else if (session_starts(text, n, "MAIL"))
		s->phase = SESSION_MAIL;
	else if (session_starts(text, n, "RCPT"))
		s->phase = SESSION_RCPT;
	else if (session_starts(text, n, "DATA"))
		s->phase = SESSION_DATA;
	else if (session_starts(text, n, "QUIT"))
		s->phase = SESSION_QUIT;
	else if (s->phase == SESSION_NONE)
		s->phase = SESSION_HELO;	/* a dialogue with no event line before it */
}
