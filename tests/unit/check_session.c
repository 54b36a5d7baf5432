/*
 * session: the phase of an SMTP session from a legacy transcript, the phase
 * names, and the MTAs' words for a phase, directly (issue 16: the module was
 * only tested through the readers and the correlator that use it). Each test
 * holds one promise of session.h.
 */
#include <string.h>

#include "session.h"
#include "testutil.h"

/* Feed an event line or a transcript line the way the reader does. */
static void
ev(struct session *s, const char *text)
{
	session_event(s, text, strlen(text));
}

static void
tx(struct session *s, const char *text)
{
	session_transcript(s, 1, text, strlen(text));
}

static void
rx(struct session *s, const char *text)
{
	session_transcript(s, 0, text, strlen(text));
}

static enum smtp_phase
of_text(const char *text)
{
	return session_phase_of_text(text, strlen(text));
}

/* Every name maps back to its phase, case aside; NONE has no name. */
START_TEST(names_round_trip)
{
	static const char *const names[] = {
		"connect", "greeting", "helo", "mail", "rcpt", "data", "body",
		"end-of-data", "quit"
	};
	enum smtp_phase p;

	ck_assert_ptr_null(smtp_phase_to_text(SMTP_PHASE_NONE));
	ck_assert_ptr_null(smtp_phase_to_text((enum smtp_phase)(SMTP_PHASE_QUIT + 1)));
	for (p = SMTP_PHASE_CONNECT; p <= SMTP_PHASE_QUIT; p++) {
		ck_assert_str_eq(smtp_phase_to_text(p), names[p - SMTP_PHASE_CONNECT]);
		ck_assert_int_eq(smtp_phase_parse(smtp_phase_to_text(p)), p);
	}
	ck_assert_int_eq(smtp_phase_parse("END-OF-DATA"), SMTP_PHASE_END_OF_DATA);
	ck_assert_int_eq(smtp_phase_parse("Body"), SMTP_PHASE_BODY);
	ck_assert_int_eq(smtp_phase_parse(NULL), SMTP_PHASE_NONE);
	ck_assert_int_eq(smtp_phase_parse(""), SMTP_PHASE_NONE);
	ck_assert_int_eq(smtp_phase_parse("end of data"), SMTP_PHASE_NONE);
	ck_assert_int_eq(smtp_phase_parse("bodyx"), SMTP_PHASE_NONE);
}
END_TEST

/* A whole session, step by step: each phase as the header lists them. */
START_TEST(transcript_walks_the_phases)
{
	struct session s;

	session_reset(&s);
	ck_assert_int_eq(s.phase, SMTP_PHASE_NONE);
	ev(&s, "Connecting to smart SMTP host 192.0.2.1");
	ck_assert_int_eq(s.phase, SMTP_PHASE_CONNECT);
	ev(&s, "SMTP_open(socket=257)");
	ck_assert_int_eq(s.phase, SMTP_PHASE_GREETING);
	rx(&s, "220 mx.example ESMTP");
	ck_assert_int_eq(s.phase, SMTP_PHASE_HELO);
	ck_assert_str_eq(s.greeting, "220 mx.example ESMTP");
	tx(&s, "HELO gateway");
	ck_assert_int_eq(s.phase, SMTP_PHASE_HELO);
	ck_assert_str_eq(s.helo, "HELO gateway");
	rx(&s, "250 mx.example");
	ck_assert_str_eq(s.helo_reply, "250 mx.example");
	tx(&s, "MAIL FROM:<a@example.org>");
	ck_assert_int_eq(s.phase, SMTP_PHASE_MAIL);
	rx(&s, "250 ok");
	tx(&s, "RCPT TO:<b@example.org>");
	ck_assert_int_eq(s.phase, SMTP_PHASE_RCPT);
	rx(&s, "250 ok");
	tx(&s, "DATA");
	ck_assert_int_eq(s.phase, SMTP_PHASE_DATA);
	rx(&s, "354 go ahead");
	ck_assert_int_eq(s.phase, SMTP_PHASE_BODY);
	/* the message's own lines are not commands, even when they look like one */
	tx(&s, "Subject: hello");
	tx(&s, "QUIT");
	tx(&s, "..");
	ck_assert_int_eq(s.phase, SMTP_PHASE_BODY);
	ck_assert_str_eq(s.command, "DATA");
	tx(&s, ".");
	ck_assert_int_eq(s.phase, SMTP_PHASE_END_OF_DATA);
	ck_assert_str_eq(s.command, ".");
	rx(&s, "250 queued");
	ck_assert_str_eq(s.reply, "250 queued");
	tx(&s, "QUIT");
	ck_assert_int_eq(s.phase, SMTP_PHASE_QUIT);
	/* the reply to HELO stays the first one, the greeting the first line */
	ck_assert_str_eq(s.helo_reply, "250 mx.example");
	ck_assert_str_eq(s.greeting, "220 mx.example ESMTP");
	ev(&s, "SMTP connection closed");
	ck_assert_int_eq(s.phase, SMTP_PHASE_NONE);
	ck_assert_str_eq(s.command, "");
	ck_assert_str_eq(s.greeting, "");
	ck_assert_str_eq(s.helo, "");
}
END_TEST

/* A greeting that is not 2xx leaves the session waiting in the greeting. */
START_TEST(refused_greeting_stays_in_greeting)
{
	struct session s;

	session_reset(&s);
	ev(&s, "Connecting to smart SMTP host mx");
	ev(&s, "SMTP_open(socket=3)");
	rx(&s, "554 no service here");
	ck_assert_int_eq(s.phase, SMTP_PHASE_GREETING);
	ck_assert_str_eq(s.greeting, "554 no service here");
	ck_assert_str_eq(s.reply, "554 no service here");
}
END_TEST

/* DATA answered by anything but 354 does not enter the body. */
START_TEST(data_refused_stays_in_data)
{
	struct session s;

	session_reset(&s);
	ev(&s, "SMTP_open(socket=3)");
	rx(&s, "220 hi");
	tx(&s, "DATA");
	rx(&s, "451 try later");
	ck_assert_int_eq(s.phase, SMTP_PHASE_DATA);
	tx(&s, ".");	/* not in the body: a command like any other */
	ck_assert_int_eq(s.phase, SMTP_PHASE_DATA);
}
END_TEST

/* HELO and EHLO with or without a host name, and words that only start so. */
START_TEST(helo_with_and_without_a_name)
{
	struct session s;

	session_reset(&s);
	ev(&s, "SMTP_open(socket=3)");
	rx(&s, "220 hi");
	tx(&s, "EHLO");
	ck_assert_int_eq(s.phase, SMTP_PHASE_HELO);
	ck_assert_str_eq(s.helo, "EHLO");
	rx(&s, "501 syntax: EHLO hostname");
	ck_assert_str_eq(s.helo_reply, "501 syntax: EHLO hostname");
	tx(&s, "helo\tgw.example   ");
	ck_assert_str_eq(s.helo, "helo\tgw.example");	/* trailing blanks dropped */
	ck_assert_str_eq(s.helo_reply, "");		/* a new HELO: its reply to come */
	rx(&s, "250 ok");
	ck_assert_str_eq(s.helo_reply, "250 ok");
	/* HELOX is not a HELO with a name: the phase, but not the kept HELO */
	tx(&s, "HELOX");
	ck_assert_int_eq(s.phase, SMTP_PHASE_HELO);
	ck_assert_str_eq(s.helo, "helo\tgw.example");
	ck_assert_str_eq(s.command, "HELOX");
}
END_TEST

/* Text past SESSION_TEXT_MAX is cut, never written past the fields. */
START_TEST(long_lines_are_cut)
{
	char line[SESSION_TEXT_MAX * 3];
	struct session s;

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "MAIL ", 5);
	session_reset(&s);
	ev(&s, "SMTP_open(socket=3)");
	rx(&s, line + 5);	/* a greeting of 'x's */
	ck_assert_uint_eq(strlen(s.greeting), SESSION_TEXT_MAX);
	tx(&s, line);
	ck_assert_int_eq(s.phase, SMTP_PHASE_MAIL);
	ck_assert_uint_eq(strlen(s.command), SESSION_TEXT_MAX);
	ck_assert_int_eq(strncmp(s.command, "MAIL xxx", 8), 0);
	/* a zero-length line keeps an empty string */
	session_transcript(&s, 0, "ignored", 0);
	ck_assert_str_eq(s.reply, "");
}
END_TEST

/* A dialogue with no event line before it starts in HELO; SMTP_open without
 * "Connecting" starts a session; event lines that are neither change nothing. */
START_TEST(sessions_without_their_event_lines)
{
	struct session s;

	session_reset(&s);
	tx(&s, "NOOP");
	ck_assert_int_eq(s.phase, SMTP_PHASE_HELO);
	session_reset(&s);
	rx(&s, "220 banner seen first");
	ck_assert_str_eq(s.greeting, "220 banner seen first");
	ck_assert_int_eq(s.phase, SMTP_PHASE_NONE);

	session_reset(&s);
	ev(&s, "   SMTP_open(socket=9)");	/* leading blanks skipped */
	ck_assert_int_eq(s.phase, SMTP_PHASE_GREETING);
	tx(&s, "MAIL FROM:<a@b>");
	ev(&s, "Sending mail");			/* an S... event that is none of them */
	ev(&s, "Cannot open queue file");	/* a C... event that is none of them */
	ev(&s, "");
	ck_assert_int_eq(s.phase, SMTP_PHASE_MAIL);
	ck_assert_str_eq(s.command, "MAIL FROM:<a@b>");
	/* a new "Connecting" forgets the session before it */
	ev(&s, "connecting to smart smtp host mx");	/* case ignored */
	ck_assert_int_eq(s.phase, SMTP_PHASE_CONNECT);
	ck_assert_str_eq(s.command, "");
}
END_TEST

/* The MTAs' words, the most specific first; NONE when no phase is said. */
START_TEST(mta_words_give_the_phase)
{
	ck_assert_int_eq(of_text("lost connection with mx[1.2.3.4] while sending message body"),
	    SMTP_PHASE_BODY);
	ck_assert_int_eq(of_text("conversation with mx timed out after end of data"),
	    SMTP_PHASE_END_OF_DATA);
	ck_assert_int_eq(of_text("... while sending end of data -- message may be sent more than once"),
	    SMTP_PHASE_END_OF_DATA);
	ck_assert_int_eq(of_text("timed out while sending DATA command"), SMTP_PHASE_DATA);
	ck_assert_int_eq(of_text("SMTP error from remote mail server after RCPT TO:<x@y>"),
	    SMTP_PHASE_RCPT);
	ck_assert_int_eq(of_text("SMTP error from remote mail server after MAIL FROM:<>"),
	    SMTP_PHASE_MAIL);
	ck_assert_int_eq(of_text("lost connection with mx while receiving the initial server greeting"),
	    SMTP_PHASE_GREETING);
	ck_assert_int_eq(of_text("timeout waiting for banner"), SMTP_PHASE_GREETING);
	ck_assert_int_eq(of_text("connect to mx[1.2.3.4]:25: Connection refused"), SMTP_PHASE_CONNECT);
	ck_assert_int_eq(of_text("Network is unreachable"), SMTP_PHASE_CONNECT);
	ck_assert_int_eq(of_text("timeout writing message"), SMTP_PHASE_BODY);
	ck_assert_int_eq(of_text("status=sent (250 2.0.0 Ok)"), SMTP_PHASE_NONE);
	ck_assert_int_eq(of_text(""), SMTP_PHASE_NONE);
}
END_TEST

/* Only the first SESSION_SCAN_MAX (2048) bytes are read; the length is
 * honoured, so a phrase past n is not seen. */
START_TEST(mta_words_within_the_bytes_given)
{
	char line[4096];
	const char *tail = "while sending message body";

	ck_assert_int_eq(session_phase_of_text(tail, 10), SMTP_PHASE_NONE);
	memset(line, 'a', sizeof(line));
	memcpy(line + 100, tail, strlen(tail));
	ck_assert_int_eq(session_phase_of_text(line, sizeof(line)), SMTP_PHASE_BODY);
	memset(line, 'a', sizeof(line));
	memcpy(line + 3000, tail, strlen(tail));
	ck_assert_int_eq(session_phase_of_text(line, sizeof(line)), SMTP_PHASE_NONE);
}
END_TEST

/*
 * Of several phrases in a line, the table's first wins wherever it stands;
 * a phrase at the very end counts, and one cut by the end does not.
 */
START_TEST(first_phrase_of_the_table_wins)
{
	ck_assert_int_eq(of_text("rcpt to <a@b> lost during END OF DATA"),
	    SMTP_PHASE_END_OF_DATA);
	ck_assert_int_eq(of_text("mail from <a@b>, then client data"), SMTP_PHASE_DATA);
	ck_assert_int_eq(of_text("connect to x: the banner"), SMTP_PHASE_GREETING);
	ck_assert_int_eq(of_text("no route to host after ehlo"), SMTP_PHASE_HELO);
	ck_assert_int_eq(of_text("ends with connect to"), SMTP_PHASE_CONNECT);
	ck_assert_int_eq(of_text("ends with connect t"), SMTP_PHASE_NONE);
	ck_assert_int_eq(of_text("client datum, data-block, 7 rcpt"), SMTP_PHASE_NONE);
	ck_assert_int_eq(of_text(""), SMTP_PHASE_NONE);
}
END_TEST

Suite *
session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");

	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, first_phrase_of_the_table_wins);
	tcase_add_test(tc, transcript_walks_the_phases);
	tcase_add_test(tc, refused_greeting_stays_in_greeting);
	tcase_add_test(tc, data_refused_stays_in_data);
	tcase_add_test(tc, helo_with_and_without_a_name);
	tcase_add_test(tc, long_lines_are_cut);
	tcase_add_test(tc, sessions_without_their_event_lines);
	tcase_add_test(tc, mta_words_give_the_phase);
	tcase_add_test(tc, mta_words_within_the_bytes_given);
	suite_add_tcase(s, tc);
	return s;
}
