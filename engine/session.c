#define _GNU_SOURCE	/* memmem */
#include "session.h"

#include <stdint.h>
#include <string.h>

/* The bytes of a line searched for the phase's words. */
#define SESSION_SCAN_MAX	2048

enum smtp_phase
session_phase_of_text(const char *s, size_t n)
{
	/* The most specific words first: "end of data" before "data". */
#define SESSION_PHRASE(w, p)	{ w, sizeof(w) - 1, p }
	static const struct {
		const char		*words;
		size_t			 len;
		enum smtp_phase	 phase;
	} table[] = {
		SESSION_PHRASE("end of data", SMTP_PHASE_END_OF_DATA),
		SESSION_PHRASE("end of message", SMTP_PHASE_END_OF_DATA),
		SESSION_PHRASE("client data status", SMTP_PHASE_END_OF_DATA),	/* sendmail */
		SESSION_PHRASE("client greeting", SMTP_PHASE_GREETING),
		SESSION_PHRASE("client ehlo", SMTP_PHASE_HELO),
		SESSION_PHRASE("client helo", SMTP_PHASE_HELO),
		SESSION_PHRASE("client mail", SMTP_PHASE_MAIL),
		SESSION_PHRASE("client rcpt", SMTP_PHASE_RCPT),
		SESSION_PHRASE("client data", SMTP_PHASE_DATA),
		SESSION_PHRASE("data block", SMTP_PHASE_BODY),
		SESSION_PHRASE("message body", SMTP_PHASE_BODY),
		SESSION_PHRASE("writing message", SMTP_PHASE_BODY),
		SESSION_PHRASE("server greeting", SMTP_PHASE_GREETING),
		SESSION_PHRASE("initial greeting", SMTP_PHASE_GREETING),
		SESSION_PHRASE("initial connection", SMTP_PHASE_GREETING),	/* Exim: the banner */
		SESSION_PHRASE("banner", SMTP_PHASE_GREETING),
		SESSION_PHRASE("helo handshake", SMTP_PHASE_HELO),
		SESSION_PHRASE("ehlo handshake", SMTP_PHASE_HELO),
		SESSION_PHRASE("after helo", SMTP_PHASE_HELO),
		SESSION_PHRASE("after ehlo", SMTP_PHASE_HELO),
		SESSION_PHRASE("mail from", SMTP_PHASE_MAIL),
		SESSION_PHRASE("rcpt to", SMTP_PHASE_RCPT),
		SESSION_PHRASE("data command", SMTP_PHASE_DATA),
		SESSION_PHRASE("after data", SMTP_PHASE_DATA),
		SESSION_PHRASE("connect to", SMTP_PHASE_CONNECT),
		SESSION_PHRASE("connection refused", SMTP_PHASE_CONNECT),
		SESSION_PHRASE("network is unreachable", SMTP_PHASE_CONNECT),
		SESSION_PHRASE("no route to host", SMTP_PHASE_CONNECT),
	};
#undef SESSION_PHRASE
	enum { NTABLE = sizeof(table) / sizeof(table[0]) };
	_Static_assert(NTABLE <= 32, "a phrase is a bit of a uint32_t");
	char low[SESSION_SCAN_MAX];
	uint32_t first[26] = { 0 }, m;
	size_t i, j, best = NTABLE;

	/*
	 * The first phrase of the table found anywhere in the line, in one pass
	 * over a lower-case copy (it is asked of every MTA line that matters):
	 * at each byte only the phrases that begin with it and come before the
	 * best found so far are compared.
	 */
	if (n > sizeof(low))
		n = sizeof(low);
	for (i = 0; i < n; i++)		/* tolower() in the C locale, inline */
		low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 'a' - 'A' : s[i]);
	for (j = 0; j < NTABLE; j++)
		first[table[j].words[0] - 'a'] |= (uint32_t)1 << j;
	for (i = 0; i < n && best > 0; i++) {
		if (low[i] < 'a' || low[i] > 'z')
			continue;
		for (m = first[low[i] - 'a'] & (((uint32_t)1 << best) - 1); m != 0; m &= m - 1) {
			j = (size_t)__builtin_ctz(m);
			/* Every phrase has two bytes or more: the second first. */
			if (i + 1 < n && low[i + 1] != table[j].words[1])
				continue;
			if (table[j].len <= n - i &&
			    memcmp(low + i, table[j].words, table[j].len) == 0) {
				best = j;
				break;
			}
		}
	}
	return best < NTABLE ? table[best].phase : SMTP_PHASE_NONE;
}

void
session_reset(struct session *s)
{
	s->phase = SMTP_PHASE_NONE;
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

/*
 * Does s (n bytes) start with word, in ASCII case, whatever the locale? As
 * strncasecmp() in the C locale, inline: it is asked several times on every
 * transcript line.
 */
static inline int
session_starts(const char *s, size_t n, const char *word)
{
	size_t i, len = strlen(word);

	/* A log writes its words as they are written here: one compare, not a
	 * byte at a time (the gateway's event words are 10 to 29 bytes). */
	if (n >= len && memcmp(s, word, len) == 0)
		return 1;
	for (i = 0; word[i] != '\0'; i++) {
		unsigned char c, w = (unsigned char)word[i];

		if (i >= n)
			return 0;
		c = (unsigned char)s[i];
		/* A letter of word matches itself in either case: only bit 0x20 differs. */
		if (((w | 0x20) >= 'a' && (w | 0x20) <= 'z') ? (c | 0x20) != (w | 0x20) : c != w)
			return 0;
	}
	return 1;
}

void
session_event(struct session *s, const char *text, size_t n)
{
	uint32_t head;

	while (n > 0 && *text == ' ') {
		text++;
		n--;
	}
	/*
	 * Called for every event line: the words below all begin with "conn" or
	 * "smtp" and are at least 10 bytes long, and most lines are neither.
	 */
	if (n < 10)
		return;
	/* In either case "conn" or "smtp" | 0x20 per byte is itself; other bytes may pass. */
	memcpy(&head, text, 4);
	head |= 0x20202020u;
	if (memcmp(&head, "conn", 4) != 0 && memcmp(&head, "smtp", 4) != 0)
		return;
	if (session_starts(text, n, "Connecting to smart SMTP host")) {
		session_reset(s);
		s->phase = SMTP_PHASE_CONNECT;
	} else if (session_starts(text, n, "SMTP_open(")) {
		if (s->phase == SMTP_PHASE_NONE)
			session_reset(s);
		s->phase = SMTP_PHASE_GREETING;
	} else if (session_starts(text, n, "SMTP connection closed"))
		session_reset(s);
}

void
session_transcript(struct session *s, int sent, const char *text, size_t n)
{
	if (!sent) {
		session_keep(s->reply, text, n);
		if ((s->phase == SMTP_PHASE_GREETING || s->phase == SMTP_PHASE_NONE) &&
		    s->greeting[0] == '\0' && s->helo[0] == '\0')
			session_keep(s->greeting, text, n);
		else if (s->helo[0] != '\0' && s->helo_reply[0] == '\0')
			session_keep(s->helo_reply, text, n);
		if (s->phase == SMTP_PHASE_GREETING && n > 0 && text[0] == '2')
			s->phase = SMTP_PHASE_HELO;
		else if (s->phase == SMTP_PHASE_DATA && session_starts(text, n, "354"))
			s->phase = SMTP_PHASE_BODY;
		return;
	}
	if (s->phase == SMTP_PHASE_BODY) {
		/* The message itself: only its final "." is a step of the dialogue. */
		if (n == 1 && text[0] == '.') {
			s->phase = SMTP_PHASE_END_OF_DATA;
			session_keep(s->command, text, n);
		}
		return;
	}
	session_keep(s->command, text, n);
	if ((session_starts(text, n, "HELO") || session_starts(text, n, "EHLO")) &&
	    (n == 4 || text[4] == ' ' || text[4] == '\t')) {
		s->phase = SMTP_PHASE_HELO;
		session_keep(s->helo, text, n);
		s->helo_reply[0] = '\0';
	} else if (session_starts(text, n, "HELO") || session_starts(text, n, "EHLO"))
		s->phase = SMTP_PHASE_HELO;
	else if (session_starts(text, n, "MAIL"))
		s->phase = SMTP_PHASE_MAIL;
	else if (session_starts(text, n, "RCPT"))
		s->phase = SMTP_PHASE_RCPT;
	else if (session_starts(text, n, "DATA"))
		s->phase = SMTP_PHASE_DATA;
	else if (session_starts(text, n, "QUIT"))
		s->phase = SMTP_PHASE_QUIT;
	else if (s->phase == SMTP_PHASE_NONE)
		s->phase = SMTP_PHASE_HELO;	/* a dialogue with no event line before it */
}
